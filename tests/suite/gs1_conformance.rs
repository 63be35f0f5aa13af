//! kentai's GS1 engine against the GS1 reference engine's own unit-test
//! vectors (`../shared/gs1/gs1_engine_vectors.jsonl`, extracted from
//! gs1encoders' C tests; see `../shared/gs1/README.md`).
//!
//! Every applicable case must agree with the engine: accept or reject, and
//! the output where the vector gives one. A case is not applicable when its
//! input is a C expression built at run time, or when it exercises
//! something kentai does not do (generating scan data, deprecated
//! convenience alphas); those are counted and printed with the reason.
//! Cases run under the engine's settings at that point of its test (read
//! from the C source: unknown AIs permitted, zero-suppressed GTINs in
//! Digital Link, …), which kentai's `Gs1Options` can set too.
//!
//! Deliberate differences are listed in `tests/gs1_differences.md` as
//! `file.c:line` with the reason; a listed case must still disagree (and
//! exist), so the list cannot drift from the code.
//!
//! Without the shared folder (a plain clone) the test prints why it skips
//! and passes, unless `KENTAI_REQUIRE_SHARED=1` (CI).

use crate::common::gs1_shared_dir;
use kentai::barcode::digital_link::{parse_uri, to_uri, uri_escape, uri_unescape};
use kentai::barcode::parse::{parse_bracketed, parse_raw, to_raw};
use kentai::barcode::{parse, parse_gs1_with, validate, Element, Gs1Options};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

struct Case {
    file: String,
    line: u64,
    suite: String,
    args: Vec<Value>,
}

impl Case {
    fn id(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
    fn accept(&self) -> bool {
        self.args.first().and_then(Value::as_bool).unwrap_or(false)
    }
    /// Argument `i` as a string literal (`None` for a C expression).
    fn str(&self, i: usize) -> Option<&str> {
        self.args.get(i).and_then(Value::as_str)
    }
    /// Argument `i` as a C expression's text.
    fn expr(&self, i: usize) -> Option<&str> {
        self.args
            .get(i)
            .and_then(|v| v.get("expr"))
            .and_then(Value::as_str)
    }
}

enum Outcome {
    Agree,
    Disagree(String),
    NotApplicable(&'static str),
}
use Outcome::*;

// The engine's settings at each point of its tests (from the C source:
// `gs1_encoder_setPermitZeroSuppressedGTINinDLuris(ctx, true)` around
// these cases in dl.c's test_dl_parseDLuri, …).
const DL_ZERO_SUPPRESSED_GTIN: &[u64] = &[
    1449, 1459, 1469, 1484, 1494, 1635, 1641, 1669, 1679, 1689, 1699,
];
/// dl.c: `ctx->permitConvenienceAlphas = true` ("/gtin/…"), deprecated.
const DL_CONVENIENCE_ALPHAS: &[u64] = &[1437, 1438, 1439];
/// dl.c: `gs1_encoder_setPermitUnknownAIs(ctx, true)`.
const DL_UNKNOWN_AIS: &[u64] = &[1763, 1767];
/// dl.c: and `gs1_encoder_vUNKNOWN_AI_NOT_DL_ATTR` disabled.
const DL_UNKNOWN_AI_ATTRIBUTES: &[u64] = &[1767];
/// ai.c test_ai_processAIdata: `setPermitUnknownAIs(ctx, true)` before
/// its last case.
const PROCESS_UNKNOWN_AIS: &[u64] = &[1867];

/// The constants test_ai_existsInAIdata builds its cases on.
fn exists_data(name: &str) -> Option<&'static str> {
    match name {
        "dataStr1" => Some("(01)12345678901231"),
        "dataStr2" => Some("(98)DEF(97)GHI(96)JKL(95)MNO"),
        "dataStr3" => Some("(01)12345678901231(235)ABC123(8002)123456"),
        _ => None,
    }
}

fn with_unknown_ais() -> Gs1Options {
    Gs1Options {
        permit_unknown_ais: true,
        ..Gs1Options::default()
    }
}

fn verdict(agree: bool, detail: impl FnOnce() -> String) -> Outcome {
    if agree {
        Agree
    } else {
        Disagree(detail())
    }
}

fn show(r: &Result<Vec<Element>, kentai::barcode::BarcodeError>, o: &Gs1Options) -> String {
    match r {
        Ok(els) => format!("accepted: {}", to_raw(els, o)),
        Err(e) => format!("rejected: {}", e.message),
    }
}

fn process_ai_data(c: &Case) -> Outcome {
    let Some(data) = c.str(1) else {
        return NotApplicable("input built by C code at run time");
    };
    let o = if PROCESS_UNKNOWN_AIS.contains(&c.line) {
        with_unknown_ais()
    } else {
        Gs1Options::default()
    };
    let r = parse_raw(data, &o);
    verdict(r.is_ok() == c.accept(), || show(&r, &o))
}

fn parse_ai_data(c: &Case) -> Outcome {
    let (Some(input), Some(expect)) = (c.str(1), c.str(2)) else {
        return NotApplicable("input built by C code at run time");
    };
    let o = Gs1Options::default();
    let r = parse_bracketed(input, &o);
    let agree = match &r {
        Ok(els) => c.accept() && to_raw(els, &o) == expect,
        Err(_) => !c.accept(),
    };
    verdict(agree, || show(&r, &o))
}

fn validate_ais(c: &Case) -> Outcome {
    let (Some(func), Some(input)) = (c.expr(1), c.str(2)) else {
        return NotApplicable("unexpected arguments");
    };
    // test_ai_validateAIs permits unknown AIs throughout.
    let o = with_unknown_ais();
    let els = match parse_bracketed(input, &o) {
        Ok(els) => els,
        Err(e) => return Disagree(format!("the data must parse: {}", e.message)),
    };
    let r = match func {
        "validateAIrepeats" => validate::repeats(&els),
        "validateAImutex" => validate::mutex(&els),
        "validateAIrequisites" => validate::requisites(&els),
        "validateDigSigRequiresSerialisedKey" => validate::digsig_serial(&els),
        _ => return NotApplicable("validation function kentai does not have"),
    };
    verdict(r.is_ok() == c.accept(), || match r {
        Ok(()) => "accepted".into(),
        Err(e) => format!("rejected: {}", e.message),
    })
}

fn exists_in_ai_data(c: &Case) -> Outcome {
    let (Some(data), Some(needle)) = (c.expr(1).and_then(exists_data), c.str(2)) else {
        return NotApplicable("unexpected arguments");
    };
    let ignore = c.str(3);
    let expect = c.str(4);
    let els = match parse_bracketed(data, &Gs1Options::default()) {
        Ok(els) => els,
        Err(e) => return Disagree(format!("the data must parse: {}", e.message)),
    };
    let found = validate::exists(&els, needle, ignore);
    let agree = found.is_some() == c.accept()
        && match expect {
            Some(ai) => found.is_some_and(|e| e.ai == ai),
            None => true,
        };
    verdict(agree, || format!("found {:?}", found.map(|e| &e.ai)))
}

fn err_markup(c: &Case) -> Outcome {
    let (Some(input), Some(markup)) = (c.str(0), c.str(1)) else {
        return NotApplicable("unexpected arguments");
    };
    match parse_bracketed(input, &Gs1Options::default()) {
        Ok(_) => Disagree("accepted".into()),
        Err(e) => verdict(e.message.ends_with(markup), || e.message.clone()),
    }
}

/// What the engine's data string says a scan is: raw GS1 data (`^…`), an
/// EAN/UPC primary with maybe a composite (`2112345678900|^99…`), a DL URI,
/// or plain data (a leading `^` escaped as `\^`).
enum Expected {
    Gs1(Vec<Element>),
    Uri,
    Plain(String),
}

fn expected_scan(sym: &str, data: &str) -> Option<Expected> {
    let o = Gs1Options::default();
    if data.starts_with('^') {
        return parse_raw(data, &o).ok().map(Expected::Gs1);
    }
    if sym == "EAN13" || sym == "EAN8" {
        let (primary, cc) = match data.split_once('|') {
            Some((p, cc)) => (p, Some(cc)),
            None => (data, None),
        };
        let mut els = vec![Element {
            ai: "01".into(),
            value: format!("{primary:0>14}"),
        }];
        if let Some(cc) = cc {
            els.extend(parse_raw(cc, &o).ok()?);
        }
        return Some(Expected::Gs1(els));
    }
    if ["https://", "HTTPS://", "http://", "HTTP://"]
        .iter()
        .any(|s| data.starts_with(s))
    {
        return Some(Expected::Uri);
    }
    // Undo the engine's escaping of a leading "^" ("\^", "\\^", …).
    let unescaped = match data.find(|ch| ch != '\\') {
        Some(i) if i > 0 && data[i..].starts_with('^') => data[1..].to_string(),
        _ => data.to_string(),
    };
    Some(Expected::Plain(unescaped))
}

fn process_scan_data(c: &Case) -> Outcome {
    let (Some(scan), Some(sym), Some(data)) = (c.str(1), c.expr(2), c.str(3)) else {
        return NotApplicable("unexpected arguments");
    };
    let o = Gs1Options::default();
    let strict = parse_gs1_with(scan, &o);
    if !c.accept() {
        return verdict(strict.is_err(), || format!("accepted: {strict:?}"));
    }
    let Some(expected) = expected_scan(sym, data) else {
        return Disagree(format!("cannot read the expected data {data:?}"));
    };
    match expected {
        Expected::Gs1(els) => verdict(
            strict.as_ref().is_ok_and(|s| s.gs1 && s.elements == els),
            || format!("{strict:?}"),
        ),
        Expected::Uri => verdict(
            strict
                .as_ref()
                .is_ok_and(|s| s.gs1 && s.text == data && !s.elements.is_empty()),
            || format!("{strict:?}"),
        ),
        // The engine takes plain data after ]Q1, ]d1, ]J0 as it is; so does
        // `parse` (kentai's `parse_gs1` wants GS1 and refuses it).
        Expected::Plain(text) => {
            let any = parse(scan);
            verdict(any.as_ref().is_ok_and(|s| !s.gs1 && s.text == text), || {
                format!("{any:?}")
            })
        }
    }
}

fn parse_dl_uri(c: &Case) -> Outcome {
    let (Some(uri), Some(expect)) = (c.str(1), c.str(2)) else {
        return NotApplicable("unexpected arguments");
    };
    if DL_CONVENIENCE_ALPHAS.contains(&c.line) {
        return NotApplicable("convenience alphas (/gtin/…), deprecated and off by default");
    }
    let o = Gs1Options {
        permit_zero_suppressed_gtin_in_dl: DL_ZERO_SUPPRESSED_GTIN.contains(&c.line),
        permit_unknown_ais: DL_UNKNOWN_AIS.contains(&c.line),
        unknown_ai_not_dl_attribute: !DL_UNKNOWN_AI_ATTRIBUTES.contains(&c.line),
        ..Gs1Options::default()
    };
    let r = parse_uri(uri, &o).map(|dl| dl.elements);
    let agree = match &r {
        Ok(els) => c.accept() && to_raw(els, &o) == expect,
        Err(_) => !c.accept(),
    };
    verdict(agree, || show(&r, &o))
}

fn uri_unescape_case(c: &Case) -> Outcome {
    let (Some(input), Some(path), Some(query)) = (c.str(0), c.str(1), c.str(2)) else {
        return NotApplicable("unexpected arguments");
    };
    // The extraction wrote each decoded byte as the character of that code.
    let bytes = |s: &str| -> Vec<u8> { s.chars().map(|ch| ch as u32 as u8).collect() };
    let got_path = uri_unescape(input, false);
    let got_query = uri_unescape(input, true);
    verdict(
        got_path.as_deref() == Some(&bytes(path)[..])
            && got_query.as_deref() == Some(&bytes(query)[..]),
        || format!("{got_path:?} / {got_query:?}"),
    )
}

/// dl.c test_dl_generateDLuri: `gs1_encoder_setPermitUnknownAIs(ctx,
/// true)` for these, and `vUNKNOWN_AI_NOT_DL_ATTR` disabled for the last.
const GENERATE_UNKNOWN_AIS: &[u64] = &[2203, 2206];
const GENERATE_UNKNOWN_AI_ATTRIBUTES: &[u64] = &[2206];

fn generate_dl_uri(c: &Case) -> Outcome {
    let (Some(data), Some(expect)) = (c.str(2), c.str(3)) else {
        return NotApplicable("unexpected arguments");
    };
    let stem = c.str(1); // NULL: the canonical stem
    let o = Gs1Options {
        permit_unknown_ais: GENERATE_UNKNOWN_AIS.contains(&c.line),
        unknown_ai_not_dl_attribute: !GENERATE_UNKNOWN_AI_ATTRIBUTES.contains(&c.line),
        ..Gs1Options::default()
    };
    let els = match parse_bracketed(data, &o) {
        Ok(els) => els,
        Err(e) => return Disagree(format!("the data must parse: {}", e.message)),
    };
    let r = to_uri(&els, stem, &o);
    let agree = match &r {
        Ok(uri) => c.accept() && uri == expect,
        Err(_) => !c.accept(),
    };
    verdict(agree, || format!("{r:?}"))
}

fn uri_escape_case(c: &Case) -> Outcome {
    let (Some(input), Some(path), Some(query)) = (c.str(0), c.str(1), c.str(2)) else {
        return NotApplicable("unexpected arguments");
    };
    let (p, q) = (uri_escape(input, false), uri_escape(input, true));
    verdict(p == path && q == query, || format!("{p:?} / {q:?}"))
}

fn run(c: &Case) -> Outcome {
    match c.suite.as_str() {
        "test_processAIdata" => process_ai_data(c),
        "test_parseAIdata" => parse_ai_data(c),
        "test_validateAIs" => validate_ais(c),
        "test_existsInAIdata" => exists_in_ai_data(c),
        "test_errMarkup" => err_markup(c),
        "test_testProcessScanData" => process_scan_data(c),
        "test_parseDLuri" => parse_dl_uri(c),
        "test_URIunescape" => uri_unescape_case(c),
        "test_testGenerateScanData" => {
            NotApplicable("kentai reads scan data; it does not generate it")
        }
        "test_testGenerateDLuri" => generate_dl_uri(c),
        "test_URIescape" => uri_escape_case(c),
        _ => NotApplicable("suite kentai has no counterpart for"),
    }
}

/// `file.c:line` entries of the differences file.
fn listed_differences(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(start) = rest.find('`') {
            let Some(len) = rest[start + 1..].find('`') else {
                break;
            };
            let token = &rest[start + 1..start + 1 + len];
            if let Some((file, n)) = token.split_once(':') {
                if file.ends_with(".c") && n.parse::<u64>().is_ok() {
                    out.insert(token.to_string());
                }
            }
            rest = &rest[start + 2 + len..];
        }
    }
    out
}

#[derive(Default)]
struct Tally {
    applicable: usize,
    agreed: usize,
    listed: usize,
    na: BTreeMap<&'static str, usize>,
}

#[test]
fn kentai_agrees_with_the_gs1_reference_engine_on_its_own_test_vectors() {
    let Some(dir) = gs1_shared_dir("gs1_engine_vectors.jsonl", "GS1 engine vectors") else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("gs1_engine_vectors.jsonl"))
        .expect("read the engine vectors");
    let differences_file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/gs1_differences.md");
    let differences = listed_differences(
        &std::fs::read_to_string(&differences_file).expect("read tests/gs1_differences.md"),
    );

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("vector line {}: {e}", n + 1));
        let case = Case {
            file: v["file"].as_str().unwrap_or_default().to_string(),
            line: v["line"].as_u64().unwrap_or_default(),
            suite: v["suite"].as_str().unwrap_or_default().to_string(),
            args: v["args"].as_array().cloned().unwrap_or_default(),
        };
        let id = case.id();
        seen.insert(id.clone());
        let tally = tallies.entry(case.suite.clone()).or_default();
        match run(&case) {
            NotApplicable(reason) => *tally.na.entry(reason).or_default() += 1,
            Agree => {
                tally.applicable += 1;
                tally.agreed += 1;
                if differences.contains(&id) {
                    failures.push(format!(
                        "{id}: listed in gs1_differences.md but kentai now agrees; remove it"
                    ));
                }
            }
            Disagree(detail) => {
                tally.applicable += 1;
                if differences.contains(&id) {
                    tally.listed += 1;
                } else {
                    failures.push(format!(
                        "{id} {} {:?}: engine {}, kentai {detail}",
                        case.suite,
                        case.args.get(1).or(case.args.first()),
                        if case.accept() { "accepts" } else { "rejects" },
                    ));
                }
            }
        }
    }
    for id in differences.difference(&seen) {
        failures.push(format!(
            "{id}: listed in gs1_differences.md but no such vector"
        ));
    }

    println!(
        "{:<28} {:>10} {:>7} {:>10} {:>5}",
        "suite", "applicable", "agreed", "listed diff", "n/a"
    );
    for (suite, t) in &tallies {
        let na: usize = t.na.values().sum();
        println!(
            "{suite:<28} {:>10} {:>7} {:>10} {:>5}",
            t.applicable, t.agreed, t.listed, na
        );
        for (reason, count) in &t.na {
            println!("{:<28}   n/a {count}: {reason}", "");
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) disagree with the GS1 reference engine:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
