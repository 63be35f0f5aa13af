//! GS1 element strings in their three written forms, and the per-AI format
//! checks, as the GS1 reference engine (gs1encoders) does them:
//!
//! - scan data: what a scanner sends after a GS1 AIM identifier, FNC1 in
//!   first position implied, GS (0x1D) between fields ([`scan`]);
//! - the bracketed form `(01)09506000134352(10)ABC`, where `\(` is a data
//!   bracket ([`parse_bracketed`]);
//! - the engine's raw form, `^` for FNC1, leading `^` included
//!   ([`parse_raw`], [`to_raw`]).
//!
//! Per AI: each component of the table's format is applied in turn to the
//! value, consuming its length; character set, then the component's
//! linters. An AI with a predefined length (`*` in the dictionary) needs no
//! separator after it; a variable-length one does unless it ends the data;
//! a separator after a predefined-length AI, or at the very end, is
//! tolerated (engine: "superfluous FNC1"). Two separators in a row are an
//! error (the second starts no AI). Unknown AIs are errors unless
//! [`Gs1Options::permit_unknown_ais`].
//!
//! The hot path (scan data with a GS1 identifier) reads the input in place:
//! the only allocations are the output `Vec`, the values' `String`s and the
//! scan's text (AIs and the identifier are borrowed from static tables).

use super::ai_table::{self, AiEntry, Component, Cset};
use super::aim::{Mode, Symbology};
use super::{digital_link, linters, validate};
use super::{BarcodeError, Element, Gs1Options, ParsedScan};
use std::borrow::Cow;

/// The most AIs one message may hold (the engine's `MAX_AIS`).
pub const MAX_AIS: usize = 64;

/// FNC1 in the engine's raw form.
pub const RAW_FNC1: u8 = b'^';

/// FNC1 as a scanner transmits it between fields: GS.
pub const GS: u8 = 0x1d;

/// The composite component of an EAN/UPC scan starts a new message
/// (`]E0…|]e0…`), as the engine reads it.
const COMPOSITE: &str = "|]e0";

// Pseudo entries for AIs the table does not know, when they are
// permitted: any set-82 text, with the value length GS1 predefines for the
// AI's first two digits if there is one (then no separator follows).
// `ai: ""` marks them (see `is_unknown`).
const fn unknown(components: &'static [Component], fixed_length: bool) -> AiEntry {
    AiEntry {
        ai: "",
        fixed_length,
        dl_attribute: false,
        components,
        req: &[],
        ex: &[],
        dlpkey: None,
        title: "UNKNOWN",
    }
}

const fn x(min: u8, max: u8) -> Component {
    Component {
        cset: Cset::X,
        min,
        max,
        optional: false,
        linters: &[],
    }
}

static UNKNOWN_VARIABLE: AiEntry = unknown(&[x(1, 90)], false);
static UNKNOWN_FIXED: [AiEntry; 6] = [
    unknown(&[x(2, 2)], true),
    unknown(&[x(6, 6)], true),
    unknown(&[x(13, 13)], true),
    unknown(&[x(14, 14)], true),
    unknown(&[x(16, 16)], true),
    unknown(&[x(18, 18)], true),
];

/// Whether `entry` stands for an AI the table does not know.
pub fn is_unknown(entry: &AiEntry) -> bool {
    entry.ai.is_empty()
}

/// The table indexed by AI number, so that a lookup on the hot path is a
/// few arithmetic steps (a scan looks AIs up for its format, then again
/// for each message-level rule): 2-digit AIs at 0..100, 3-digit ones at
/// 100..1100, 4-digit ones at 1100..11100. Built at compile time from
/// [`ai_table::TABLE`], so a lookup reads a static: no lazy initialisation
/// to check, no pointer to follow.
struct Index {
    /// 1 + the AI's position in [`ai_table::all`], 0 for none.
    by_number: [u16; 11_100],
    /// The length of the AIs starting with each two digits (GS1 gives all
    /// AIs with the same first two digits the same length), 0 for none.
    len_by_prefix: [u8; 100],
    /// Each entry's longest value ([`AiEntry::max_len`]), by position in
    /// the table: every element of every scan needs it.
    max_len: [u8; ai_table::TABLE.len()],
}

static INDEX: Index = build_index(ai_table::TABLE);

// Evaluated at compile time: a panic here is a build error, never a
// scan's.
#[allow(clippy::panic)]
const fn build_index(table: &[AiEntry]) -> Index {
    let mut index = Index {
        by_number: [0; 11_100],
        len_by_prefix: [0; 100],
        max_len: [0; ai_table::TABLE.len()],
    };
    let mut i = 0;
    while i < table.len() {
        let b = table[i].ai.as_bytes();
        // The table's own index checks at compile time that AIs are 2 to
        // 4 digits; so does `slot`.
        let Some(slot) = slot(b) else {
            panic!("AIs are 2 to 4 digits");
        };
        assert!(i < u16::MAX as usize, "the table fits positions in u16");
        index.by_number[slot] = (i + 1) as u16;
        index.len_by_prefix[((b[0] - b'0') * 10 + (b[1] - b'0')) as usize] = b.len() as u8;
        let components = table[i].components;
        let mut max = 0;
        let mut k = 0;
        while k < components.len() {
            max += components[k].max as usize;
            k += 1;
        }
        assert!(max <= u8::MAX as usize, "values are at most 255 long");
        index.max_len[i] = max as u8;
        i += 1;
    }
    index
}

/// Where the AI `ai` (2 to 4 digits) sits in [`Index::by_number`].
const fn slot(ai: &[u8]) -> Option<usize> {
    let base = match ai.len() {
        2 => 0,
        3 => 100,
        4 => 1_100,
        _ => return None,
    };
    let mut n = 0;
    let mut i = 0;
    while i < ai.len() {
        let d = ai[i];
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (d - b'0') as usize;
        i += 1;
    }
    Some(base + n)
}

/// The position of exactly `ai` in [`ai_table::all`].
pub(crate) fn table_position(ai: &str) -> Option<usize> {
    let pos = INDEX.by_number[slot(ai.as_bytes())?];
    usize::from(pos).checked_sub(1)
}

/// The table's entry for exactly `ai` (as [`ai_table::entry`], by index).
pub fn known(ai: &str) -> Option<&'static AiEntry> {
    ai_table::all().get(table_position(ai)?)
}

/// The length of the AIs starting with the two digits `d0 d1`, 0 when the
/// table has none.
fn ai_len_by_prefix(d0: u8, d1: u8) -> usize {
    if d0.is_ascii_digit() && d1.is_ascii_digit() {
        usize::from(INDEX.len_by_prefix[usize::from((d0 - b'0') * 10 + (d1 - b'0'))])
    } else {
        0
    }
}

/// The pseudo entry for an unknown `ai` when permitted: 2 to 4 digits,
/// and as long as the known AIs with its first two digits (so no known AI
/// is a prefix of it, nor it of one). The engine's `gs1_lookupAIentry`.
fn vivify(ai: &str) -> Option<&'static AiEntry> {
    let b = ai.as_bytes();
    if !(2..=4).contains(&b.len()) || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let by_prefix = ai_len_by_prefix(b[0], b[1]);
    if by_prefix != 0 && by_prefix != b.len() {
        return None;
    }
    if by_prefix == 0 {
        return Some(&UNKNOWN_VARIABLE);
    }
    let value_len = ai
        .get(..2)
        .and_then(ai_table::predefined_length)
        .and_then(|total| total.checked_sub(by_prefix));
    Some(match value_len {
        Some(2) => &UNKNOWN_FIXED[0],
        Some(6) => &UNKNOWN_FIXED[1],
        Some(13) => &UNKNOWN_FIXED[2],
        Some(14) => &UNKNOWN_FIXED[3],
        Some(16) => &UNKNOWN_FIXED[4],
        Some(18) => &UNKNOWN_FIXED[5],
        _ => &UNKNOWN_VARIABLE,
    })
}

/// The entry for exactly `ai` (bracketed form, Digital Link).
pub fn lookup(ai: &str, options: &Gs1Options) -> Option<&'static AiEntry> {
    match known(ai) {
        Some(e) => Some(e),
        None if options.permit_unknown_ais => vivify(ai),
        None => None,
    }
}

/// The entry for the AI `data` starts with, that AI's length and the
/// entry's longest value (raw and scan data). An unknown AI is only taken
/// when its length is known from its first two digits: otherwise AI and
/// value cannot be told apart.
fn lookup_prefix(data: &str, options: &Gs1Options) -> Option<(&'static AiEntry, usize, usize)> {
    let b = data.as_bytes();
    let digit = |i: usize| {
        b.get(i)
            .map(|d| d.wrapping_sub(b'0'))
            .filter(|d| *d < 10)
            .map(usize::from)
    };
    let prefix = digit(0)? * 10 + digit(1)?;
    let len = usize::from(INDEX.len_by_prefix[prefix]);
    // The slot `slot` gives, read straight off the data. A non-digit (or
    // the end) within the AI's length makes it no AI, known or not.
    let number = match len {
        2 => prefix,
        3 => 100 + prefix * 10 + digit(2)?,
        4 => 1_100 + prefix * 100 + digit(2)? * 10 + digit(3)?,
        // An unknown AI is only taken when its length is known.
        _ => return None,
    };
    let pos = INDEX.by_number.get(number).copied().unwrap_or(0);
    match usize::from(pos).checked_sub(1) {
        Some(i) => {
            let entry = ai_table::all().get(i)?;
            let max_len = INDEX.max_len.get(i).map_or(0, |&m| usize::from(m));
            Some((entry, len, max_len))
        }
        None if options.permit_unknown_ais => {
            vivify(data.get(..len)?).map(|e| (e, len, e.max_len()))
        }
        None => None,
    }
}

/// The AI of an element `entry` was found for, `ai` as written: the
/// table's own `&'static str` when the table knows it (the same text), so
/// that no AI is copied; an owned copy for a permitted unknown AI.
pub(crate) fn element_ai(entry: &'static AiEntry, ai: &str) -> Cow<'static, str> {
    if is_unknown(entry) {
        Cow::Owned(ai.to_owned())
    } else {
        Cow::Borrowed(entry.ai)
    }
}

/// Whether a separator must follow `ai` when more data comes after it.
pub fn needs_separator(ai: &str, options: &Gs1Options) -> bool {
    lookup(ai, options).is_none_or(|e| !e.fixed_length)
}

/// Character offset of byte offset `byte` in `s` (they differ only after
/// non-ASCII text, which no GS1 value has; messages count characters).
fn chars_before(s: &str, byte: usize) -> usize {
    s.get(..byte).map_or(byte, |head| head.chars().count())
}

/// "GS1_LINTER_ILLEGAL_DAY" → "illegal day".
fn describe(code: &str) -> String {
    code.trim_start_matches("GS1_LINTER_")
        .to_ascii_lowercase()
        .replace('_', " ")
}

/// A linter's complaint about part of one component, with the engine's
/// markup: `(AI)before|bad|after`, `after` running to the component's end.
fn lint_failure(
    ai: &str,
    value: &str,
    component: std::ops::Range<usize>,
    err: &linters::LintError,
) -> BarcodeError {
    let pos = (component.start + err.offset).min(component.end);
    let bad_end = (pos + err.len).min(component.end);
    let part = |r: std::ops::Range<usize>| value.get(r).unwrap_or("");
    BarcodeError::at_ai(
        ai,
        Some(chars_before(value, pos)),
        format!(
            "AI ({ai}): {} ({}): ({ai}){}|{}|{}",
            describe(err.code),
            err.code,
            part(0..pos),
            part(pos..bad_end),
            part(bad_end..component.end),
        ),
    )
}

/// Applies `entry`'s components to `data` (the AI's value and whatever
/// follows it up to the next separator), returning how much they consumed:
/// each component takes as many characters as it may, an optional one may
/// find nothing left. The engine's `validate_ai_val`.
pub fn check_components(ai: &str, entry: &AiEntry, data: &str) -> Result<usize, BarcodeError> {
    if data.is_empty() {
        return Err(BarcodeError::at_ai(
            ai,
            Some(0),
            format!("AI ({ai}) has an empty value"),
        ));
    }
    let mut p = 0;
    for component in entry.components {
        let len = (data.len() - p).min(usize::from(component.max));
        if component.optional && len == 0 {
            continue;
        }
        if len < usize::from(component.min) {
            return Err(BarcodeError::at_ai(
                ai,
                Some(chars_before(data, p + len)),
                format!(
                    "AI ({ai}) has a value of the wrong length ({} characters where {} are needed)",
                    p + len,
                    p + usize::from(component.min)
                ),
            ));
        }
        let Some(part) = data.get(p..p + len) else {
            // The cut falls inside a multi-byte character: not set 82.
            let bad = data.bytes().position(|b| !b.is_ascii()).unwrap_or(p);
            return Err(BarcodeError::at_ai(
                ai,
                Some(chars_before(data, bad)),
                format!("AI ({ai}) has a character outside the GS1 character set"),
            ));
        };
        let range = p..p + len;
        linters::check_cset(component.cset, part)
            .map_err(|e| lint_failure(ai, data, range.clone(), &e))?;
        for linter in component.linters {
            linters::lint_after_cset(*linter, component.cset, part)
                .map_err(|e| lint_failure(ai, data, range.clone(), &e))?;
        }
        p += len;
    }
    Ok(p)
}

/// The engine's checks on a value given whole (bracketed, Digital Link)
/// before its components are checked: its total length, and no `^`, which
/// the raw form would read as FNC1.
pub fn check_length(ai: &str, entry: &AiEntry, value: &str) -> Result<(), BarcodeError> {
    let (min, max) = (entry.min_len(), entry.max_len());
    if value.len() < min {
        let message = if value.is_empty() {
            format!("AI ({ai}) has an empty value")
        } else {
            format!(
                "AI ({ai}) value is too short ({} characters, at least {min})",
                value.chars().count()
            )
        };
        return Err(BarcodeError::at_ai(
            ai,
            Some(value.chars().count()),
            message,
        ));
    }
    if value.len() > max {
        return Err(BarcodeError::at_ai(
            ai,
            Some(chars_before(value, max)),
            format!(
                "AI ({ai}) value is too long ({} characters, at most {max})",
                value.chars().count()
            ),
        ));
    }
    if let Some(i) = find_byte(value.as_bytes(), RAW_FNC1) {
        return Err(BarcodeError::at_ai(
            ai,
            Some(chars_before(value, i)),
            format!("AI ({ai}) value contains '^'"),
        ));
    }
    Ok(())
}

fn too_many_ais() -> BarcodeError {
    BarcodeError::new(format!("more than {MAX_AIS} AIs in one scan"))
}

/// Reads FNC1-separated element strings: `data` is what follows FNC1 in
/// first position, `sep` the byte that stands for FNC1 (GS in scan data,
/// `^` in the raw form). The engine's `gs1_processAIdata` with extraction.
/// Positions of errors without an AI are byte offsets in `data`.
pub fn parse_fnc1_data(
    data: &str,
    sep: u8,
    options: &Gs1Options,
    out: &mut Vec<Element>,
) -> Result<(), BarcodeError> {
    let bytes = data.as_bytes();
    if bytes.is_empty() {
        return Err(BarcodeError::at(0, "no AI data after FNC1"));
    }
    let mut p = 0;
    while p < bytes.len() {
        let rest = data.get(p..).unwrap_or("");
        let Some((entry, ai_len, max_len)) = lookup_prefix(rest, options) else {
            return Err(no_ai_at(rest, p, sep));
        };
        let ai = &rest[..ai_len];
        let start = p + ai_len;
        // The field runs to the next separator, but the components never
        // take more than the AI's longest value: look one further (to tell
        // a value that runs on) and no more.
        let mut limit = (start + max_len + 1).min(bytes.len());
        while !data.is_char_boundary(limit) {
            limit += 1;
        }
        let end = find_byte(&bytes[start..limit], sep).map_or(limit, |i| start + i);
        let field = &data[start..end];
        let used = check_components(ai, entry, field)?;
        if out.len() >= MAX_AIS {
            return Err(too_many_ais());
        }
        out.push(Element {
            ai: element_ai(entry, ai),
            value: field[..used].to_owned(),
        });
        p = start + used;
        // A variable-length AI must be followed by FNC1 or the end: if its
        // value runs on, it was too long (or a separator is missing).
        if !entry.fixed_length && p < bytes.len() && bytes[p] != sep {
            return Err(BarcodeError::at_ai(
                ai,
                Some(used),
                format!(
                    "AI ({ai}) value is too long (at most {}), or the separator after it is missing",
                    entry.max_len()
                ),
            ));
        }
        // The separator; tolerated after a predefined-length AI too.
        if p < bytes.len() && bytes[p] == sep {
            p += 1;
        }
    }
    Ok(())
}

/// The position of the first `needle` in `hay`, eight bytes at a time:
/// every field of every scan is searched for its separator, and every scan
/// for `^`. The classic test for a zero byte in a word (on `word ^
/// needle…`): its lowest flagged byte is always a true match, which is
/// the first one in little-endian order.
pub(crate) fn find_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    if hay.len() < 8 {
        return hay.iter().position(|&b| b == needle);
    }
    let pattern = LO * u64::from(needle);
    let first_in = |at: usize| {
        // Always eight bytes (`at + 8 <= hay.len()`); the fallback, a
        // word with no match, is never taken.
        let word = hay
            .get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(!pattern, u64::from_le_bytes);
        let x = word ^ pattern;
        let found = x.wrapping_sub(LO) & !x & HI;
        (found != 0).then(|| at + (found.trailing_zeros() / 8) as usize)
    };
    let mut at = 0;
    while at + 8 <= hay.len() {
        if let Some(i) = first_in(at) {
            return Some(i);
        }
        at += 8;
    }
    // The tail, as the last eight bytes: the ones before it hold no match.
    if at < hay.len() {
        return first_in(hay.len() - 8);
    }
    None
}

/// The position of the last `needle` in `hay`, eight bytes at a time
/// (Digital Link paths are walked back from their end). Per word, the
/// bytes equal to `needle` are flagged exactly (no carry crosses bytes,
/// unlike [`find_byte`]'s test), so the highest flag is the last match.
pub(crate) fn rfind_byte(hay: &[u8], needle: u8) -> Option<usize> {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const LO: u64 = 0x0101_0101_0101_0101;
    if hay.len() < 8 {
        return hay.iter().rposition(|&b| b == needle);
    }
    let pattern = LO * u64::from(needle);
    let last_in = |at: usize| {
        // Always eight bytes (`at + 8 <= hay.len()`); the fallback, a
        // word with no match, is never taken.
        let word = hay
            .get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(!pattern, u64::from_le_bytes);
        let x = word ^ pattern;
        let found = !(((x & LOW7) + LOW7) | x | LOW7);
        (found != 0).then(|| at + (63 - found.leading_zeros() as usize) / 8)
    };
    let mut end = hay.len();
    while end >= 8 {
        if let Some(i) = last_in(end - 8) {
            return Some(i);
        }
        end -= 8;
    }
    // The head, as the first eight bytes: the ones after it hold no match.
    if end > 0 {
        return last_in(0);
    }
    None
}

/// The error for data at byte `p` that starts no AI.
fn no_ai_at(rest: &str, p: usize, sep: u8) -> BarcodeError {
    let shown: String = rest.chars().take(8).collect();
    let message = if rest.as_bytes().first() == Some(&sep) {
        "two separators in a row (an empty field)".to_string()
    } else if rest.len() < 2 {
        format!("no AI can start with {shown:?} (data left over after the last AI)")
    } else {
        let digits: String = rest
            .chars()
            .take_while(char::is_ascii_digit)
            .take(4)
            .collect();
        if digits.len() >= 2 {
            format!("unknown AI at {shown:?} (no AI ({digits}) or a prefix of it)")
        } else {
            format!("no AI at {shown:?}")
        }
    };
    BarcodeError::at(p, message)
}

/// Parses the engine's raw form (`^0109506000134352^10ABC`): element
/// format only, no message-level rules (see [`validate`]).
pub fn parse_raw(raw: &str, options: &Gs1Options) -> Result<Vec<Element>, BarcodeError> {
    let Some(data) = raw.strip_prefix('^') else {
        return Err(BarcodeError::at(
            0,
            "raw AI data must start with '^' (FNC1)",
        ));
    };
    let mut out = Vec::with_capacity(8);
    parse_fnc1_data(data, RAW_FNC1, options, &mut out).map_err(|e| e.shifted(1))?;
    Ok(out)
}

/// Writes elements in the engine's raw form: `^` first, then `^` after
/// each variable-length AI that is not last.
pub fn to_raw(elements: &[Element], options: &Gs1Options) -> String {
    let mut out = String::from("^");
    for (i, e) in elements.iter().enumerate() {
        out.push_str(&e.ai);
        out.push_str(&e.value);
        if i + 1 < elements.len() && needs_separator(&e.ai, options) {
            out.push('^');
        }
    }
    out
}

/// Parses the bracketed form (`(01)09506000134352(10)ABC`); `\(` is a
/// bracket in a value. Element format only, no message-level rules. The
/// engine's `gs1_parseAIdata`: every AI's length first, then each value's
/// components.
pub fn parse_bracketed(input: &str, options: &Gs1Options) -> Result<Vec<Element>, BarcodeError> {
    let b = input.as_bytes();
    let mut out: Vec<Element> = Vec::with_capacity(8);
    let mut p = 0;
    if b.is_empty() {
        return Err(BarcodeError::at(0, "empty element string"));
    }
    while p < b.len() {
        if b[p] != b'(' {
            return Err(BarcodeError::at(
                chars_before(input, p),
                "expected '(' to start an AI",
            ));
        }
        let Some(close) = b[p + 1..]
            .iter()
            .position(|&c| c == b')')
            .map(|i| p + 1 + i)
        else {
            return Err(BarcodeError::at(
                chars_before(input, p),
                "an AI's '(' has no ')'",
            ));
        };
        let ai = &input[p + 1..close];
        let Some(entry) = lookup(ai, options) else {
            return Err(unknown_ai(ai, chars_before(input, p)));
        };
        if close + 1 == b.len() {
            return Err(BarcodeError::at_ai(
                ai,
                Some(0),
                format!("AI ({ai}) has no value"),
            ));
        }
        // The value runs to the next '(' that is not escaped as "\(".
        let mut value: Cow<str> = Cow::Borrowed("");
        let mut from = close + 1;
        let mut q = from;
        loop {
            while q < b.len() && b[q] != b'(' {
                q += 1;
            }
            if q < b.len() && b[q - 1] == b'\\' {
                let piece = &input[from..q - 1];
                value.to_mut().push_str(piece);
                value.to_mut().push('(');
                q += 1;
                from = q;
                continue;
            }
            let piece = &input[from..q];
            if let Cow::Owned(v) = &mut value {
                v.push_str(piece);
            } else {
                value = Cow::Borrowed(piece);
            }
            break;
        }
        check_length(ai, entry, &value)?;
        if out.len() >= MAX_AIS {
            return Err(too_many_ais());
        }
        out.push(Element {
            ai: element_ai(entry, ai),
            value: value.into_owned(),
        });
        p = q;
    }
    for e in &out {
        if let Some(entry) = lookup(&e.ai, options) {
            check_components(&e.ai, entry, &e.value)?;
        }
    }
    Ok(out)
}

/// The error for an AI the table (or the unknown-AI rule) does not allow.
pub(crate) fn unknown_ai(ai: &str, position: usize) -> BarcodeError {
    let well_formed = (2..=4).contains(&ai.len()) && ai.bytes().all(|b| b.is_ascii_digit());
    if well_formed {
        BarcodeError::at_ai(ai, None, format!("unknown AI ({ai})"))
    } else {
        BarcodeError::at(
            position,
            format!("({ai}) is not an AI (AIs are 2 to 4 digits)"),
        )
    }
}

/// Whether the last of `digits` is the GS1 mod-10 check digit of the rest,
/// as the `gs1` crate computes it. Callers have checked that every byte is
/// an ASCII digit (the crate's calculation accepts nothing else).
fn check_digit_ok(digits: &[u8]) -> bool {
    let Some((&last, body)) = digits.split_last() else {
        return false;
    };
    if !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    std::str::from_utf8(body)
        .map(|body| gs1::checksum::gs1_checksum(body) == last - b'0')
        .unwrap_or(false)
}

/// EAN-13 (`]E0`, 13 digits) or EAN-8 (`]E4`, 8 digits), maybe with a
/// composite component after `|]e0`: the GTIN becomes (01), left-padded
/// with zeros to 14 digits.
fn ean(data: &str, len: usize, options: &Gs1Options) -> Result<Vec<Element>, BarcodeError> {
    let name = if len == 13 { "EAN-13" } else { "EAN-8" };
    let b = data.as_bytes();
    if b.len() < len {
        return Err(BarcodeError::at(
            b.len(),
            format!("{name} data must be {len} digits"),
        ));
    }
    let composite = if b.len() > len {
        match data
            .get(len..)
            .and_then(|rest| rest.strip_prefix(COMPOSITE))
        {
            Some(cc) => Some(cc),
            None => {
                return Err(BarcodeError::at(
                    len,
                    format!("{name} data must be {len} digits"),
                ))
            }
        }
    } else {
        None
    };
    let primary = &b[..len];
    if let Some(i) = primary.iter().position(|c| !c.is_ascii_digit()) {
        return Err(BarcodeError::at(i, format!("{name} data must be digits")));
    }
    if !check_digit_ok(primary) {
        return Err(BarcodeError::at(
            len - 1,
            format!("{name} check digit is incorrect"),
        ));
    }
    let mut gtin = String::with_capacity(14);
    gtin.extend(std::iter::repeat_n('0', 14 - len));
    gtin.push_str(&data[..len]);
    let mut out = vec![Element {
        ai: Cow::Borrowed("01"),
        value: gtin,
    }];
    if let Some(cc) = composite {
        let offset = len + COMPOSITE.len();
        gs1_scan_data(cc, options, &mut out).map_err(|e| e.shifted(offset))?;
    }
    Ok(out)
}

/// Scan data after a GS1 identifier: no `^` (the engine would take it for
/// FNC1), GS as the separator.
fn gs1_scan_data(
    data: &str,
    options: &Gs1Options,
    out: &mut Vec<Element>,
) -> Result<(), BarcodeError> {
    if let Some(i) = find_byte(data.as_bytes(), RAW_FNC1) {
        return Err(BarcodeError::at(i, "scan data contains '^'"));
    }
    parse_fnc1_data(data, GS, options, out)
}

/// Whether `s` starts with a scheme the engine takes for a Digital Link
/// URI: `http://` or `https://`, all lower or all upper case.
pub fn has_uri_scheme(s: &str) -> bool {
    ["https://", "HTTPS://", "http://", "HTTP://"]
        .iter()
        .any(|scheme| s.starts_with(scheme))
}

/// Whether `s` looks like a bracketed element string: `(` and 2 to 4
/// digits and `)`.
fn looks_bracketed(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = b.iter().skip(1).take_while(|c| c.is_ascii_digit()).count();
    b.first() == Some(&b'(') && (2..=4).contains(&digits) && b.get(1 + digits) == Some(&b')')
}

/// `symbology` is the identifier's code ([`Symbology::mode_and_code`]).
fn gs1_scan(
    symbology: Option<Cow<'static, str>>,
    elements: Vec<Element>,
    text: &str,
) -> ParsedScan {
    ParsedScan {
        symbology,
        gs1: true,
        elements,
        text: text.to_owned(),
    }
}

fn plain_scan(symbology: Option<Cow<'static, str>>, text: &str) -> ParsedScan {
    ParsedScan {
        symbology,
        gs1: false,
        elements: Vec::new(),
        text: text.to_owned(),
    }
}

fn not_gs1(what: &str) -> BarcodeError {
    BarcodeError::at(
        0,
        format!(
            "not GS1 data ({what}): expected scan data with a GS1 symbology identifier, \
             a bracketed element string or a GS1 Digital Link URI"
        ),
    )
}

/// Parses one scan; with `strict`, it must be GS1 (see [`super::parse()`]
/// and [`super::parse_gs1`]). GS1 data is validated in full: element
/// format, then the message-level rules.
pub fn scan(input: &str, options: &Gs1Options, strict: bool) -> Result<ParsedScan, BarcodeError> {
    let parsed = scan_elements(input, options, strict)?;
    if parsed.gs1 {
        validate::validate_with(&parsed.elements, options)?;
    }
    Ok(parsed)
}

/// [`scan`] without the message-level rules.
fn scan_elements(
    input: &str,
    options: &Gs1Options,
    strict: bool,
) -> Result<ParsedScan, BarcodeError> {
    if input.starts_with(']') {
        let Some((sym, data)) = Symbology::split(input) else {
            if strict {
                return Err(BarcodeError::at(
                    0,
                    "the AIM symbology identifier is malformed (']', a letter, a letter or digit)",
                ));
            }
            return Ok(plain_scan(None, input));
        };
        const AIM_LEN: usize = 3;
        // The mode and the code with one look at the table.
        let (mode, code) = sym.mode_and_code();
        return match mode {
            Mode::Gs1 => {
                if data.is_empty() {
                    return Err(BarcodeError::at(
                        AIM_LEN,
                        format!("{} scan without data", sym.name()),
                    ));
                }
                let mut elements = Vec::with_capacity(8);
                gs1_scan_data(data, options, &mut elements).map_err(|e| e.shifted(AIM_LEN))?;
                Ok(gs1_scan(Some(code), elements, data))
            }
            Mode::Ean13 => ean(data, 13, options)
                .map(|elements| gs1_scan(Some(code), elements, data))
                .map_err(|e| e.shifted(AIM_LEN)),
            Mode::Ean8 => ean(data, 8, options)
                .map(|elements| gs1_scan(Some(code), elements, data))
                .map_err(|e| e.shifted(AIM_LEN)),
            Mode::Plain => {
                if has_uri_scheme(data) && (strict || digital_link::has_primary_key(data, options))
                {
                    let elements = digital_link::parse_uri(data, options)
                        .map_err(|e| e.shifted(AIM_LEN))?
                        .elements;
                    return Ok(gs1_scan(Some(code), elements, data));
                }
                if strict {
                    return Err(not_gs1(&format!("plain {} data", sym.name())));
                }
                Ok(plain_scan(Some(code), data))
            }
            Mode::Other => {
                if strict {
                    return Err(not_gs1(&format!("{} is not a GS1 symbology", sym.code())));
                }
                Ok(plain_scan(Some(code), data))
            }
        };
    }
    if input.starts_with('(') && (strict || looks_bracketed(input)) {
        let elements = parse_bracketed(input, options)?;
        return Ok(gs1_scan(None, elements, input));
    }
    if has_uri_scheme(input) && (strict || digital_link::has_primary_key(input, options)) {
        let elements = digital_link::parse_uri(input, options)?.elements;
        return Ok(gs1_scan(None, elements, input));
    }
    if strict {
        return Err(not_gs1("no symbology identifier, element string or URI"));
    }
    Ok(plain_scan(None, input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_follow_the_gs1_mod_10_rule() {
        assert!(check_digit_ok(b"2112345678900"));
        assert!(!check_digit_ok(b"2112345678901"));
        assert!(check_digit_ok(b"02345673"));
        assert!(check_digit_ok(b"09506000134352"));
        assert!(!check_digit_ok(b""));
    }

    #[test]
    fn find_byte_finds_the_first_match_at_any_length_and_place() {
        for len in 0..40 {
            for at in 0..=len {
                let mut hay = vec![b'A'; len];
                // A second match after the first must not be taken.
                if at + 3 < len {
                    hay[at + 3] = GS;
                }
                if at < len {
                    hay[at] = GS;
                }
                let want = hay.iter().position(|&b| b == GS);
                assert_eq!(find_byte(&hay, GS), want, "{len} {at}");
            }
        }
        // Bytes just above and below the needle, and high bytes, do not match.
        let near = [0x1c, 0x1e, 0x9d, 0xff, 0x00, 0x1c, 0x1e, 0x9d, 0x1d];
        assert_eq!(find_byte(&near, GS), Some(8));
        assert_eq!(find_byte(&near[..8], GS), None);
        assert_eq!(find_byte(b"0123456789^", RAW_FNC1), Some(10));
    }

    #[test]
    fn rfind_byte_finds_the_last_match_at_any_length_and_place() {
        for len in 0..40 {
            for at in 0..=len {
                let mut hay = vec![b'0'; len];
                // A match before the last must not be taken.
                if at >= 3 && at < len {
                    hay[at - 3] = b'/';
                }
                if at < len {
                    hay[at] = b'/';
                }
                let want = hay.iter().rposition(|&b| b == b'/');
                assert_eq!(rfind_byte(&hay, b'/'), want, "{len} {at}");
            }
        }
        // Bytes next to the needle's value, and a byte after a match that
        // a borrow would flag, do not match.
        let near = [b'/', 0x2e, 0x30, 0xaf, 0xff, 0x00, 0x01, 0x30, 0x2e];
        assert_eq!(rfind_byte(&near, b'/'), Some(0));
        assert_eq!(
            rfind_byte(&[0x2f, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30], b'/'),
            Some(0)
        );
    }

    #[test]
    fn a_bracketed_string_is_recognised_by_its_first_ai() {
        assert!(looks_bracketed("(01)09506000134352"));
        assert!(looks_bracketed("(8018)1"));
        assert!(!looks_bracketed("(1)2"));
        assert!(!looks_bracketed("(12345)6"));
        assert!(!looks_bracketed("(see note)"));
        assert!(!looks_bracketed("01"));
    }

    #[test]
    fn the_index_finds_every_ai_of_the_table_and_nothing_else() {
        for e in ai_table::all() {
            assert!(std::ptr::eq(known(e.ai).unwrap(), e), "{}", e.ai);
            let data = format!("{}123", e.ai);
            let (found, len, max_len) = lookup_prefix(&data, &Gs1Options::default()).unwrap();
            assert!(std::ptr::eq(found, e) && len == e.ai.len(), "{}", e.ai);
            assert_eq!(max_len, e.max_len(), "{}", e.ai);
        }
        for ai in ["", "0", "1A", "011", "80", "800", "23", "99999", "٣٣"] {
            assert_eq!(known(ai), ai_table::entry(ai), "{ai}");
        }
    }

    #[test]
    fn unknown_ais_are_vivified_only_with_the_length_their_prefix_gives() {
        assert!(vivify("89").is_some());
        assert!(vivify("011").is_none());
        assert!(vivify("800").is_none());
        assert!(vivify("80").is_none());
        assert!(vivify("399").is_none());
        assert_eq!(vivify("3999").map(|e| e.fixed_length), Some(false));
        assert_eq!(vivify("3199").map(|e| e.max_len()), Some(6));
        assert!(vivify("2367").is_none());
        assert_eq!(vivify("236").map(|e| e.fixed_length), Some(false));
        assert!(vivify("4199").is_none());
        assert_eq!(vivify("419").map(|e| e.max_len()), Some(13));
        assert!(vivify("8a").is_none());
    }

    #[test]
    fn the_raw_form_puts_fnc1_after_variable_length_ais_only() {
        let o = Gs1Options::default();
        let e = |ai: &'static str, v: &str| Element {
            ai: ai.into(),
            value: v.into(),
        };
        assert_eq!(
            to_raw(
                &[
                    e("01", "12345678901231"),
                    e("10", "12345"),
                    e("11", "991225")
                ],
                &o
            ),
            "^01123456789012311012345^11991225"
        );
    }
}
