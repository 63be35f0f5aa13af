//! kentai's linters against the GS1 reference engine's own linter test
//! vectors (`../shared/gs1/gs1_linter_vectors.jsonl`, extracted from the
//! unit tests of gs1encoders): every case must agree on pass or fail, on
//! the error code and on the marked part of the input.
//!
//! Cases that cannot be run are counted and listed, never dropped in
//! silence: linters kentai does not have, inputs the C tests build with
//! code (`{"expr": …}`), and cases that need the engine's test hook for a
//! GS1 Company Prefix register (kentai has no such register).

use std::collections::BTreeMap;

use crate::common::gs1_shared_dir;
use kentai::barcode::linters::{lint, LintError, Linter};
use serde_json::Value;

/// The input with the part `err` names between `*`s, as the vectors
/// write it.
fn markup(input: &str, err: &LintError) -> Option<String> {
    let end = err.offset.checked_add(err.len)?;
    Some(format!(
        "{}*{}*{}",
        input.get(..err.offset)?,
        input.get(err.offset..end)?,
        input.get(end..)?
    ))
}

/// The vectors' markup lost control characters other than tab and
/// newline in extraction: compare without them when the expected markup
/// does not hold the whole input.
fn without_controls(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\t' || *c == '\n')
        .collect()
}

fn markup_agrees(input: &str, expected: &str, ours: &str) -> bool {
    if expected == ours {
        return true;
    }
    let complete = expected.replacen('*', "", 2) == input;
    !complete && without_controls(expected) == without_controls(ours)
}

/// The part of the input a markup marks.
fn marked(markup: &str) -> Option<&str> {
    let start = markup.find('*')? + 1;
    let len = markup[start..].find('*')?;
    Some(&markup[start..start + len])
}

/// A case failing only because the engine's test hook declared the GS1
/// Company Prefix unknown or its register offline: without a hook the
/// engine itself only rejects non-digits, one character at a time.
fn needs_gcp_register(err: &str, markup: &str) -> bool {
    err == "GS1_LINTER_GCP_DATASOURCE_OFFLINE"
        || (err == "GS1_LINTER_INVALID_GCP_PREFIX"
            && marked(markup)
                .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit())))
}

#[derive(Default)]
struct Tally {
    pass: usize,
    fail: usize,
    agree: usize,
}

#[test]
fn every_linter_vector_agrees_with_the_reference_engine() {
    let Some(dir) = gs1_shared_dir("gs1_linter_vectors.jsonl", "GS1 linter vectors") else {
        return;
    };
    let path = dir.join("gs1_linter_vectors.jsonl");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    };

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut unimplemented: BTreeMap<String, usize> = BTreeMap::new();
    let mut expressions: Vec<String> = Vec::new();
    let mut gcp_register: Vec<String> = Vec::new();
    let mut disagreements: Vec<String> = Vec::new();

    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line_no = n + 1;
        let case: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => panic!("line {line_no}: not JSON: {e}"),
        };
        let field = |k: &str| case.get(k).and_then(Value::as_str);
        let name = field("linter").unwrap_or_default();
        let short = name.strip_prefix("gs1_lint_").unwrap_or(name);
        let kind = field("kind").unwrap_or_default();
        let err = field("err");
        let expected_markup = field("markup");

        let Some(linter) = Linter::from_name(short) else {
            *unimplemented.entry(name.to_string()).or_default() += 1;
            continue;
        };
        let Some(input) = field("input") else {
            expressions.push(format!(
                "line {line_no}: {name} {kind} input {}",
                case["input"]
            ));
            continue;
        };
        if let (Some(err), Some(m)) = (err, expected_markup) {
            if needs_gcp_register(err, m) {
                gcp_register.push(format!("line {line_no}: {name} {input:?} {err}"));
                continue;
            }
        }

        let tally = tallies.entry(short.to_string()).or_default();
        let result = lint(linter, input);
        let agrees = match (kind, &result) {
            ("PASS", Ok(())) => true,
            ("PASS", Err(e)) => {
                disagreements.push(format!(
                    "line {line_no}: {short} {input:?}: the engine accepts, kentai says {} at {}+{} ({:?})",
                    e.code,
                    e.offset,
                    e.len,
                    markup(input, e)
                ));
                false
            }
            ("FAIL", Ok(())) => {
                disagreements.push(format!(
                    "line {line_no}: {short} {input:?}: the engine says {}, kentai accepts",
                    err.unwrap_or("?")
                ));
                false
            }
            ("FAIL", Err(e)) => {
                let ours = markup(input, e);
                let code_ok = Some(e.code) == err;
                let markup_ok = match (expected_markup, &ours) {
                    (Some(exp), Some(ours)) => markup_agrees(input, exp, ours),
                    _ => false,
                };
                if !(code_ok && markup_ok) {
                    disagreements.push(format!(
                        "line {line_no}: {short} {input:?}: the engine says {} {:?}, kentai {} {:?}",
                        err.unwrap_or("?"),
                        expected_markup.unwrap_or("?"),
                        e.code,
                        ours
                    ));
                }
                code_ok && markup_ok
            }
            _ => panic!("line {line_no}: unknown kind {kind:?}"),
        };
        if kind == "PASS" {
            tally.pass += 1;
        } else {
            tally.fail += 1;
        }
        if agrees {
            tally.agree += 1;
        }
    }

    println!("linter vectors: {}", path.display());
    println!(
        "{:<16} {:>5} {:>5} {:>6}",
        "linter", "PASS", "FAIL", "agree"
    );
    for (name, t) in &tallies {
        println!("{name:<16} {:>5} {:>5} {:>6}", t.pass, t.fail, t.agree);
    }
    let total: usize = tallies.values().map(|t| t.pass + t.fail).sum();
    let agree: usize = tallies.values().map(|t| t.agree).sum();
    println!("run: {total}, agree: {agree}");
    println!(
        "not run, linter not in kentai: {:?}",
        unimplemented.iter().collect::<Vec<_>>()
    );
    println!("not run, input built by C code ({}):", expressions.len());
    for e in &expressions {
        println!("  {e}");
    }
    println!(
        "not run, needs the engine's GCP register test hook ({}):",
        gcp_register.len()
    );
    for g in &gcp_register {
        println!("  {g}");
    }

    assert!(
        total > 5000,
        "only {total} vectors ran: is the file complete?"
    );
    assert!(
        disagreements.is_empty(),
        "{} of {total} linter vectors disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

#[test]
fn markup_puts_stars_around_the_marked_part() {
    let e = LintError {
        code: "X",
        offset: 1,
        len: 2,
    };
    assert_eq!(markup("abcd", &e).as_deref(), Some("a*bc*d"));
    assert!(markup_agrees("\u{1}", "**", "*\u{1}*"));
    assert!(!markup_agrees("ab", "*a*b", "a*b*"));
    assert!(needs_gcp_register(
        "GS1_LINTER_INVALID_GCP_PREFIX",
        "I*1234567*"
    ));
    assert!(!needs_gcp_register(
        "GS1_LINTER_INVALID_GCP_PREFIX",
        "0*A*AAAA"
    ));
}
