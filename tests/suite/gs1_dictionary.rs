//! kentai's AI table against the GS1 Barcode Syntax Dictionary release in
//! `../shared/gs1/`: the same AIs (ranges spelled out), and for each its
//! flags, components (character set, lengths, optional, linters in order),
//! `req`/`ex`/`dlpkey` attributes and title. The table is kentai's own
//! code; this test is what keeps it equal to the published dictionary.

use std::collections::BTreeSet;

use crate::common::gs1_shared_dir;
use kentai::barcode::ai_table::{self, AiEntry, Cset};
use kentai::barcode::linters::Linter;

const DICTIONARY: &str = "gs1-syntax-dictionary-2026-01-27.txt";

/// One component as the dictionary writes it, e.g. `[N3],iso3166`.
#[derive(Debug, PartialEq)]
struct Component {
    cset: char,
    min: u8,
    max: u8,
    optional: bool,
    linters: Vec<String>,
}

/// One dictionary line.
#[derive(Debug)]
struct Line {
    number: usize,
    ais: Vec<String>,
    flags: String,
    components: Vec<Component>,
    req: Vec<Vec<Vec<String>>>,
    ex: Vec<String>,
    dlpkey: Option<Vec<Vec<String>>>,
    title: String,
}

/// The characters the dictionary reserves for flags.
const FLAG_CHARS: &str = "*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~";

fn parse_component(token: &str) -> Result<Component, String> {
    let (body, optional) = match token.strip_prefix('[') {
        Some(rest) => {
            let close = rest
                .find(']')
                .ok_or_else(|| format!("unclosed optional component {token:?}"))?;
            (format!("{}{}", &rest[..close], &rest[close + 1..]), true)
        }
        None => (token.to_string(), false),
    };
    let mut parts = body.split(',');
    let kind = parts.next().unwrap_or_default();
    let mut chars = kind.chars();
    let cset = chars
        .next()
        .ok_or_else(|| format!("empty component {token:?}"))?;
    let length = chars.as_str();
    let number = |s: &str| {
        s.parse::<u8>()
            .map_err(|e| format!("bad length in {token:?}: {e}"))
    };
    let (min, max) = match length.strip_prefix("..") {
        Some(max) => (1, number(max)?),
        None => {
            let n = number(length)?;
            (n, n)
        }
    };
    Ok(Component {
        cset,
        min,
        max,
        optional,
        linters: parts.map(str::to_string).collect(),
    })
}

fn list(s: &str) -> Vec<String> {
    s.split(',').map(str::to_string).collect()
}

fn expand(ais: &str) -> Result<Vec<String>, String> {
    let Some((first, last)) = ais.split_once('-') else {
        return Ok(vec![ais.to_string()]);
    };
    let width = first.len();
    let a: u32 = first.parse().map_err(|e| format!("bad range {ais}: {e}"))?;
    let b: u32 = last.parse().map_err(|e| format!("bad range {ais}: {e}"))?;
    Ok((a..=b).map(|n| format!("{n:0width$}")).collect())
}

fn parse(text: &str) -> Result<Vec<Line>, String> {
    let mut lines = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let number = n + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (spec, title) = match raw.split_once('#') {
            Some((spec, title)) => (spec, title.trim().to_string()),
            None => (raw, String::new()),
        };
        let mut tokens = spec.split_whitespace().peekable();
        let ais =
            expand(tokens.next().unwrap_or_default()).map_err(|e| format!("line {number}: {e}"))?;
        let mut flags = String::new();
        if let Some(t) = tokens.peek() {
            if t.chars().all(|c| FLAG_CHARS.contains(c)) {
                flags = t.to_string();
                tokens.next();
            }
        }
        let mut line = Line {
            number,
            ais,
            flags,
            components: Vec::new(),
            req: Vec::new(),
            ex: Vec::new(),
            dlpkey: None,
            title,
        };
        for token in tokens {
            if token.starts_with(|c: char| c.is_ascii_lowercase()) {
                let (key, value) = match token.split_once('=') {
                    Some((k, v)) => (k, Some(v)),
                    None => (token, None),
                };
                match (key, value) {
                    ("req", Some(v)) => line.req.push(
                        v.split(',')
                            .map(|alt| alt.split('+').map(str::to_string).collect())
                            .collect(),
                    ),
                    ("ex", Some(v)) => line.ex.extend(list(v)),
                    ("dlpkey", None) => line.dlpkey = Some(vec![Vec::new()]),
                    ("dlpkey", Some(v)) => line.dlpkey = Some(v.split('|').map(list).collect()),
                    _ => {
                        return Err(format!(
                            "line {number}: attribute {token:?} is not modelled by kentai's table"
                        ))
                    }
                }
            } else {
                line.components
                    .push(parse_component(token).map_err(|e| format!("line {number}: {e}"))?);
            }
        }
        lines.push(line);
    }
    Ok(lines)
}

fn cset_letter(cset: Cset) -> char {
    match cset {
        Cset::N => 'N',
        Cset::X => 'X',
        Cset::Y => 'Y',
        Cset::Z => 'Z',
    }
}

fn strings(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

/// Every difference between kentai's entry and a dictionary line.
fn compare(entry: &AiEntry, line: &Line, ai: &str) -> Vec<String> {
    let mut out = Vec::new();
    let at = format!("AI ({ai}), dictionary line {}", line.number);
    for flag in line.flags.chars() {
        if flag != '*' && flag != '?' {
            out.push(format!(
                "{at}: flag {flag:?} is not modelled by kentai's table"
            ));
        }
    }
    if entry.fixed_length != line.flags.contains('*') {
        out.push(format!(
            "{at}: kentai fixed_length {}, dictionary flags {:?}",
            entry.fixed_length, line.flags
        ));
    }
    if entry.dl_attribute != line.flags.contains('?') {
        out.push(format!(
            "{at}: kentai dl_attribute {}, dictionary flags {:?}",
            entry.dl_attribute, line.flags
        ));
    }
    if entry.components.len() != line.components.len() {
        out.push(format!(
            "{at}: kentai has {} components, the dictionary {}",
            entry.components.len(),
            line.components.len()
        ));
    }
    for (i, (ours, theirs)) in entry.components.iter().zip(&line.components).enumerate() {
        let ours = Component {
            cset: cset_letter(ours.cset),
            min: ours.min,
            max: ours.max,
            optional: ours.optional,
            linters: ours.linters.iter().map(|l| l.name().to_string()).collect(),
        };
        if &ours != theirs {
            out.push(format!(
                "{at}: component {}: kentai {ours:?}, dictionary {theirs:?}",
                i + 1
            ));
        }
    }
    let req: Vec<Vec<Vec<String>>> = entry
        .req
        .iter()
        .map(|alts| alts.iter().map(|all| strings(all)).collect())
        .collect();
    if req != line.req {
        out.push(format!(
            "{at}: kentai req {req:?}, dictionary {:?}",
            line.req
        ));
    }
    if strings(entry.ex) != line.ex {
        out.push(format!(
            "{at}: kentai ex {:?}, dictionary {:?}",
            entry.ex, line.ex
        ));
    }
    let dlpkey = entry
        .dlpkey
        .map(|alts| alts.iter().map(|q| strings(q)).collect::<Vec<_>>());
    if dlpkey != line.dlpkey {
        out.push(format!(
            "{at}: kentai dlpkey {dlpkey:?}, dictionary {:?}",
            line.dlpkey
        ));
    }
    if entry.title != line.title {
        out.push(format!(
            "{at}: kentai title {:?}, dictionary {:?}",
            entry.title, line.title
        ));
    }
    out
}

fn dictionary() -> Option<Vec<Line>> {
    let dir = gs1_shared_dir(DICTIONARY, "GS1 Syntax Dictionary")?;
    let path = dir.join(DICTIONARY);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    };
    match parse(&text) {
        Ok(lines) => Some(lines),
        Err(e) => panic!("{}: {e}", path.display()),
    }
}

#[test]
fn the_table_has_exactly_the_dictionarys_ais() {
    let Some(lines) = dictionary() else {
        return;
    };
    let theirs: BTreeSet<&str> = lines
        .iter()
        .flat_map(|l| l.ais.iter().map(String::as_str))
        .collect();
    let ours: BTreeSet<&str> = ai_table::all().iter().map(|e| e.ai).collect();
    let missing: Vec<_> = theirs.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&theirs).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "AIs in the dictionary but not in kentai: {missing:?}; in kentai but not in the dictionary: {extra:?}"
    );
    assert_eq!(
        ai_table::all().len(),
        ours.len(),
        "kentai's table lists an AI twice"
    );
    println!("{} dictionary lines, {} AIs", lines.len(), theirs.len());
}

#[test]
fn every_entry_matches_its_dictionary_line() {
    let Some(lines) = dictionary() else {
        return;
    };
    let mut differences = Vec::new();
    for line in &lines {
        for ai in &line.ais {
            match ai_table::entry(ai) {
                Some(entry) => differences.extend(compare(entry, line, ai)),
                None => differences.push(format!(
                    "AI ({ai}), dictionary line {}: not in kentai's table",
                    line.number
                )),
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences from the dictionary:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn every_linter_the_dictionary_names_is_implemented() {
    let Some(lines) = dictionary() else {
        return;
    };
    let names: BTreeSet<&str> = lines
        .iter()
        .flat_map(|l| l.components.iter())
        .flat_map(|c| c.linters.iter().map(String::as_str))
        .collect();
    let missing: Vec<_> = names
        .iter()
        .filter(|n| Linter::from_name(n).map(Linter::name) != Some(**n))
        .collect();
    assert!(missing.is_empty(), "linters kentai lacks: {missing:?}");
}

#[test]
fn every_ai_is_found_at_the_start_of_its_element_string() {
    let Some(lines) = dictionary() else {
        return;
    };
    for ai in lines.iter().flat_map(|l| l.ais.iter()) {
        let data = format!("{ai}123456789012345678");
        assert_eq!(
            ai_table::match_prefix(&data).map(|e| e.ai),
            Some(ai.as_str()),
            "match_prefix({data:?})"
        );
    }
}
