//! GS1 Digital Link URIs (`https://id.gs1.org/01/09506000134352/10/ABC?17=261231`)
//! read as the GS1 reference engine does (`gs1_parseDLuri`):
//!
//! - only URI characters; the scheme `http://` or `https://`, all lower or
//!   all upper case; a domain (any host, port, IP literal) with no
//!   characters a domain cannot have;
//! - the path may start with any stem (`/some/prefix`): from its end,
//!   `/AI/value` pairs are walked back to the first AI that is a primary
//!   key (`dlpkey`); the key and its qualifiers must be one of the key's
//!   ordered qualifier sequences (any of them may be left out, none
//!   reordered, alternatives not mixed);
//! - query parameters with an all-digit name are AIs and must be known,
//!   non-empty, allowed as Digital Link attributes (`?` in the dictionary)
//!   and not a qualifier that belongs in the path; other parameters are
//!   ignored, as is the fragment; an AI may not appear twice;
//! - values are percent-decoded (`+` is a space in the query, itself in the
//!   path); a decoded NUL is an error;
//! - then every value is checked like any element (format, linters).
//!
//! The elements come out path first, then query attributes in URI order.

use super::ai_table::AiEntry;
use super::parse::{self, check_components, check_length, find_byte, lookup};
use super::{BarcodeError, Element, Gs1Options};

/// Byte classes for URIs, one table lookup per byte.
const URI_CHAR: u8 = 1;
const BAD_IN_DOMAIN: u8 = 2;

const fn uri_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() {
            t[c] = URI_CHAR;
        }
        c += 1;
    }
    // RFC 3986 unreserved and reserved characters, and '%'.
    let other = b"-._~:/?#[]@!$&'()*+,;=%";
    let mut i = 0;
    while i < other.len() {
        t[other[i] as usize] = URI_CHAR;
        i += 1;
    }
    // Of those, the ones a domain may not contain.
    let bad = b"_~?#@!$&'()*+,;=%";
    let mut i = 0;
    while i < bad.len() {
        t[bad[i] as usize] |= BAD_IN_DOMAIN;
        i += 1;
    }
    t
}

static URI_CLASSES: [u8; 256] = uri_classes();

/// The characters a URI may contain (RFC 3986 unreserved, reserved, `%`).
fn is_uri_char(c: u8) -> bool {
    URI_CLASSES[usize::from(c)] & URI_CHAR != 0
}

/// The position of the first byte that is no URI character. Eight bytes
/// at a time: their classes are ANDed without a branch each, and only a
/// group with a bad byte is searched.
fn first_non_uri_char(b: &[u8]) -> Option<usize> {
    let mut groups = b.chunks_exact(8);
    let mut at = 0;
    for group in &mut groups {
        let classes = group
            .iter()
            .fold(URI_CHAR, |all, &c| all & URI_CLASSES[usize::from(c)]);
        if classes & URI_CHAR == 0 {
            return group.iter().position(|&c| !is_uri_char(c)).map(|i| at + i);
        }
        at += 8;
    }
    groups
        .remainder()
        .iter()
        .position(|&c| !is_uri_char(c))
        .map(|i| at + i)
}

/// URI characters that a domain may not contain.
fn is_bad_domain_char(c: u8) -> bool {
    URI_CLASSES[usize::from(c)] & BAD_IN_DOMAIN != 0
}

/// Reverses percent-encoding (and `+` → space in a query component): `%`
/// with two hex digits is the byte they spell, any other `%` is kept.
/// `None` when a NUL comes out (the engine's `URIunescape` refuses it).
pub fn uri_unescape(input: &str, query_component: bool) -> Option<Vec<u8>> {
    let b = input.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' && i + 2 < b.len() {
            if let (Some(hi), Some(lo)) = (hex(b[i + 1]), hex(b[i + 2])) {
                let byte = (hi << 4) | lo;
                if byte == 0 {
                    return None;
                }
                out.push(byte);
                i += 3;
                continue;
            }
            out.push(b'%');
        } else if query_component && c == b'+' {
            out.push(b' ');
        } else {
            out.push(c);
        }
        i += 1;
    }
    Some(out)
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// A parsed Digital Link URI: its elements (path first) and how many of
/// them came from the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalLink {
    pub elements: Vec<Element>,
    pub path_len: usize,
}

impl DigitalLink {
    /// The primary key element (the first path element).
    pub fn key(&self) -> Option<&Element> {
        self.elements.first()
    }

    /// The query attributes.
    pub fn attributes(&self) -> &[Element] {
        self.elements.get(self.path_len..).unwrap_or(&[])
    }
}

/// The parts of a URI: the path info (from the `/` after the domain, up
/// to `?` or `#`) and the query (after `?`, up to `#`).
struct Parts<'a> {
    /// Byte offset of `path` in the URI, for error positions.
    path_at: usize,
    path: &'a str,
    query_at: usize,
    query: Option<&'a str>,
}

/// Scheme, characters and domain, as the engine checks them first.
fn split(uri: &str) -> Result<Parts<'_>, BarcodeError> {
    if let Some(i) = first_non_uri_char(uri.as_bytes()) {
        return Err(BarcodeError::at(
            parse_position(uri, i),
            "the URI contains a character URIs may not contain",
        ));
    }
    split_parts(uri)
}

/// [`split`] without the character check.
fn split_parts(uri: &str) -> Result<Parts<'_>, BarcodeError> {
    let Some(scheme_len) = ["https://", "HTTPS://", "http://", "HTTP://"]
        .iter()
        .find(|s| uri.starts_with(*s))
        .map(|s| s.len())
    else {
        return Err(BarcodeError::at(
            0,
            "a Digital Link URI starts with http:// or https://",
        ));
    };
    let rest = &uri[scheme_len..];
    let domain_len = rest.bytes().position(|c| c == b'/').unwrap_or(rest.len());
    if let Some(i) = rest[..domain_len].bytes().position(is_bad_domain_char) {
        return Err(BarcodeError::at(
            scheme_len + i,
            "the URI's domain contains a character domains may not contain",
        ));
    }
    if domain_len == 0 || domain_len == rest.len() {
        return Err(BarcodeError::at(
            scheme_len,
            "the URI has no domain and path",
        ));
    }
    let path_at = scheme_len + domain_len;
    let mut path = &uri[path_at..];
    // Byte searches: '#' and '?' are ASCII, so every match is a character
    // boundary (`str::find` with a char pattern is much slower).
    if let Some(i) = find_byte(path.as_bytes(), b'#') {
        path = &path[..i];
    }
    let (path, query) = match find_byte(path.as_bytes(), b'?') {
        Some(i) => (&path[..i], Some(&path[i + 1..])),
        None => (path, None),
    };
    Ok(Parts {
        path_at,
        path,
        query_at: path_at + path.len() + 1,
        query,
    })
}

/// All URI characters are ASCII, so byte and character offsets agree up to
/// the first bad one.
fn parse_position(uri: &str, byte: usize) -> usize {
    uri.get(..byte).map_or(byte, |s| s.chars().count())
}

/// Walks `/AI/value` pairs back from the end of `path` to the first AI
/// that is a Digital Link primary key; its `/` offset, if any.
fn find_key(path: &str, options: &Gs1Options) -> Option<usize> {
    let b = path.as_bytes();
    let mut r = b.len();
    loop {
        // r to the '/' before the value (none, or the path's first: no
        // AI before it).
        r = match parse::rfind_byte(&b[..r], b'/') {
            Some(v) if v > 0 => v,
            _ => return None,
        };
        // p to the '/' before the AI.
        let p = parse::rfind_byte(&b[..r], b'/')?;
        let entry = lookup(&path[p + 1..r], options)?;
        if entry.dlpkey.is_some() {
            return Some(p);
        }
        r = p;
    }
}

/// Whether `uri` has the shape of a GS1 Digital Link URI: a scheme and a
/// path with a GS1 primary key in it. Lets [`super::parse()`] keep other
/// URLs as plain codes.
pub fn has_primary_key(uri: &str, options: &Gs1Options) -> bool {
    // Characters a URI may not contain do not make it plain: it is a
    // damaged Digital Link, refused by `parse_uri`.
    split_parts(uri).is_ok_and(|parts| find_key(parts.path, options).is_some())
}

/// Whether `seq` (AIs, key first) is one of the key's qualifier paths:
/// the qualifiers an in-order selection from one alternative.
pub fn is_valid_path(seq: &[&str], options: &Gs1Options) -> bool {
    match seq.split_first() {
        Some((key, qualifiers)) => qualifiers_fit(key, qualifiers.iter().copied(), options),
        None => false,
    }
}

/// Whether `qualifiers` (in order) are a selection from one of `key`'s
/// alternative qualifier sequences, keeping its order.
fn qualifiers_fit<'a>(
    key: &str,
    qualifiers: impl Iterator<Item = &'a str> + Clone,
    options: &Gs1Options,
) -> bool {
    lookup(key, options).is_some_and(|key| entry_qualifiers_fit(key, qualifiers))
}

/// [`qualifiers_fit`] for the key whose entry is `key`.
fn entry_qualifiers_fit<'a>(
    key: &AiEntry,
    qualifiers: impl Iterator<Item = &'a str> + Clone,
) -> bool {
    let Some(alternatives) = key.dlpkey else {
        return false;
    };
    qualifiers.clone().next().is_none()
        || alternatives.iter().any(|alt| {
            let mut rest = alt.iter();
            qualifiers.clone().all(|q| rest.any(|a| same_ai(a, q)))
        })
}

/// `a == b` for AIs (a few bytes), compared in line: `str`'s `==` calls
/// `memcmp`, which costs more than the compare on strings this short.
fn same_ai(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// A path value's or query value's decoded text; a GTIN-8, -12 or -13 in
/// (01) is padded to 14 digits when permitted.
fn decode(ai: &str, raw: &str, query: bool, options: &Gs1Options) -> Result<String, BarcodeError> {
    // Most values have nothing to decode: copy them as they are.
    let b = raw.as_bytes();
    if find_byte(b, b'%').is_none() && !(query && find_byte(b, b'+').is_some()) {
        let mut value = raw.to_owned();
        // Tested here too, so that the usual case costs no call.
        if options.permit_zero_suppressed_gtin_in_dl {
            pad_gtin(ai, &mut value, options);
        }
        return Ok(value);
    }
    let Some(bytes) = uri_unescape(raw, query) else {
        return Err(BarcodeError::at_ai(
            ai,
            None,
            format!("AI ({ai}) value decodes to a NUL character"),
        ));
    };
    let Ok(mut value) = String::from_utf8(bytes) else {
        return Err(BarcodeError::at_ai(
            ai,
            None,
            format!("AI ({ai}) value decodes to bytes that are not text"),
        ));
    };
    pad_gtin(ai, &mut value, options);
    Ok(value)
}

/// A GTIN-8, -12 or -13 in (01) padded to 14 digits, when permitted.
fn pad_gtin(ai: &str, value: &mut String, options: &Gs1Options) {
    if options.permit_zero_suppressed_gtin_in_dl && ai == "01" && matches!(value.len(), 8 | 12 | 13)
    {
        value.insert_str(0, &"0".repeat(14 - value.len()));
    }
}

/// Parses a GS1 Digital Link URI into its elements, with the Digital Link
/// rules and each element's format; not the message-level rules (see
/// [`super::validate`]).
pub fn parse_uri(uri: &str, options: &Gs1Options) -> Result<DigitalLink, BarcodeError> {
    let parts = split(uri)?;
    let Some(key_at) = find_key(parts.path, options) else {
        return Err(BarcodeError::at(
            parts.path_at,
            "no GS1 Digital Link primary key in the URI's path",
        ));
    };
    let mut elements: Vec<Element> = Vec::with_capacity(8);
    // Each element's table entry, path elements (key first) then query
    // attributes: the checks below use them instead of looking the AIs up
    // again. `push` keeps the elements within `MAX_AIS`.
    let mut entries: [Option<&'static AiEntry>; parse::MAX_AIS] = [None; parse::MAX_AIS];

    // The path from the key on: pairs the walk back has vouched for.
    let mut segments = Segments {
        rest: Some(&parts.path[key_at + 1..]),
        sep: b'/',
    };
    while let Some(ai) = segments.next() {
        let value_raw = segments.next().unwrap_or("");
        let Some(entry) = lookup(ai, options) else {
            return Err(parse::unknown_ai(ai, parts.path_at + key_at));
        };
        keep(
            (&mut elements, &mut entries),
            (ai, entry),
            value_raw,
            false,
            options,
        )?;
    }
    let path_len = elements.len();

    if let Some(query) = parts.query {
        let params = Segments {
            rest: Some(query),
            sep: b'&',
        };
        for param in params.filter(|p| !p.is_empty()) {
            let Some(eq) = find_byte(param.as_bytes(), b'=') else {
                continue; // no value: not an AI
            };
            let (name, value_raw) = (&param[..eq], &param[eq + 1..]);
            if !name.bytes().all(|c| c.is_ascii_digit()) {
                continue; // not an AI: other parameters are ignored
            }
            let Some(entry) = lookup(name, options) else {
                return Err(BarcodeError::at(
                    parts.query_at,
                    format!("unknown AI ({name}) in the URI's query"),
                ));
            };
            keep(
                (&mut elements, &mut entries),
                (name, entry),
                value_raw,
                true,
                options,
            )?;
        }
    }

    // The table's AIs of the path elements, key first.
    let path_ais = |range: std::ops::Range<usize>| {
        let entries = entries.get(range).unwrap_or(&[]);
        entries.iter().map(|e| e.map_or("", |e| e.ai))
    };
    // The key's entry: `find_key` found it a primary key.
    let key = entries[0];
    if !key.is_some_and(|key| entry_qualifiers_fit(key, path_ais(1..path_len))) {
        return Err(BarcodeError::at_ai(
            elements.first().map_or("", |e| &*e.ai),
            None,
            format!(
                "the URI's path ({}) is not a key with its qualifiers in order",
                path_ais(0..path_len)
                    .map(|a| format!("/{a}"))
                    .collect::<String>()
            ),
        ));
    }
    for (i, e) in elements.iter().enumerate() {
        if elements[i + 1..].iter().any(|o| same_ai(&o.ai, &e.ai)) {
            return Err(BarcodeError::at_ai(
                &*e.ai,
                None,
                format!("AI ({}) appears twice in the URI", e.ai),
            ));
        }
    }
    for (e, entry) in elements.iter().zip(&entries).skip(path_len) {
        let Some(entry) = *entry else {
            continue; // looked up above
        };
        attribute_allowed(&e.ai, entry, options)?;
        // A qualifier of the key belongs in the path, where it fits. Only
        // an AI that one of the key's qualifier sequences names can fit.
        let named = key.and_then(|k| k.dlpkey).is_some_and(|alts| {
            alts.iter()
                .any(|alt| alt.iter().any(|a| same_ai(a, entry.ai)))
        });
        if !named {
            continue;
        }
        for at in 1..=path_len {
            let qualifiers = path_ais(1..at)
                .chain([entry.ai])
                .chain(path_ais(at..path_len));
            if key.is_some_and(|key| entry_qualifiers_fit(key, qualifiers)) {
                return Err(BarcodeError::at_ai(
                    &*e.ai,
                    None,
                    format!(
                        "AI ({}) is a qualifier of the key and belongs in the URI's path",
                        e.ai
                    ),
                ));
            }
        }
    }
    for (e, entry) in elements.iter().zip(&entries) {
        if let Some(entry) = entry {
            check_components(&e.ai, entry, &e.value)?;
        }
    }
    Ok(DigitalLink { elements, path_len })
}

/// The pieces of `rest` between `sep` bytes, as `str::split` gives them,
/// with a byte search (`sep` is ASCII, so every cut is a character
/// boundary).
struct Segments<'a> {
    /// What is left; `None` once the last piece is out.
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for Segments<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match find_byte(rest.as_bytes(), self.sep) {
            Some(i) => {
                self.rest = rest.get(i + 1..);
                rest.get(..i)
            }
            None => self.rest.take(),
        }
    }
}

/// The canonical stem of GS1 Digital Link URIs.
pub const CANONICAL_STEM: &str = "https://id.gs1.org";

/// Percent-encodes a value for a URI path segment (or, with
/// `query_component`, a query value, where a space is `+`): unreserved
/// characters stay, every other byte is `%XX` (the engine's `URIescape`).
pub fn uri_escape(value: &str, query_component: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for &c in value.as_bytes() {
        if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
            out.push(char::from(c));
        } else if c == b' ' && query_component {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(c >> 4)]));
            out.push(char::from(HEX[usize::from(c & 15)]));
        }
    }
    out
}

/// Every path a key allows: the key alone, then each in-order selection
/// of each alternative's qualifiers, sorted as the engine sorts them
/// (as space-separated text), which decides between equally long paths.
fn key_paths(key: &'static str, alternatives: &[&[&'static str]]) -> Vec<Vec<&'static str>> {
    let mut paths: Vec<Vec<&'static str>> = Vec::new();
    for alt in alternatives {
        let n = alt.len().min(16);
        for mask in 0u32..(1 << n) {
            let mut path = vec![key];
            path.extend((0..n).filter(|i| mask & (1 << i) != 0).map(|i| alt[i]));
            paths.push(path);
        }
    }
    paths.sort_by_cached_key(|p| p.join(" "));
    paths
}

/// Writes elements as a GS1 Digital Link URI on `stem` (default
/// [`CANONICAL_STEM`]), as the engine's `gs1_generateDLuri` does: the
/// first element that is a primary key, with the longest path of
/// qualifiers the data has; then the other elements as query attributes,
/// predefined-length ones first, each AI once. An element that may not be
/// an attribute is an error.
pub fn to_uri(
    elements: &[Element],
    stem: Option<&str>,
    options: &Gs1Options,
) -> Result<String, BarcodeError> {
    let has = |ai: &str| elements.iter().find(|e| e.ai == ai);
    let Some((key, alternatives)) = elements.iter().find_map(|e| {
        lookup(&e.ai, options).and_then(|entry| entry.dlpkey.map(|alts| (entry.ai, alts)))
    }) else {
        return Err(BarcodeError::new(
            "no GS1 Digital Link primary key among the elements",
        ));
    };
    let mut best: Vec<&str> = vec![key];
    for path in key_paths(key, alternatives) {
        if path.len() > best.len() && path[1..].iter().all(|ai| has(ai).is_some()) {
            best = path;
        }
    }
    let mut out = stem.unwrap_or(CANONICAL_STEM).to_string();
    if out.ends_with('/') {
        out.pop();
    }
    let mut emitted: Vec<&str> = Vec::with_capacity(elements.len());
    for ai in &best {
        if let Some(e) = has(ai) {
            out.push('/');
            out.push_str(&e.ai);
            out.push('/');
            out.push_str(&uri_escape(&e.value, false));
            emitted.push(&e.ai);
        }
    }
    out.push('?');
    for fixed_first in [true, false] {
        for e in elements {
            let Some(entry) = lookup(&e.ai, options) else {
                return Err(parse::unknown_ai(&e.ai, 0));
            };
            if entry.fixed_length != fixed_first || emitted.contains(&&*e.ai) {
                continue;
            }
            attribute_allowed(&e.ai, entry, options)?;
            out.push_str(&e.ai);
            out.push('=');
            out.push_str(&uri_escape(&e.value, true));
            out.push('&');
            emitted.push(&e.ai);
        }
    }
    // The last '?' or '&'.
    out.pop();
    Ok(out)
}

/// Refuses an AI the dictionary does not allow as a Digital Link
/// attribute (an unknown AI is allowed unless the options say otherwise).
fn attribute_allowed(ai: &str, entry: &AiEntry, options: &Gs1Options) -> Result<(), BarcodeError> {
    let allowed = if parse::is_unknown(entry) {
        !options.unknown_ai_not_dl_attribute
    } else {
        entry.dl_attribute
    };
    if allowed {
        Ok(())
    } else {
        Err(BarcodeError::at_ai(
            ai,
            None,
            format!("AI ({ai}) is not allowed as a Digital Link attribute"),
        ))
    }
}

/// Checks an AI's value from the URI's path or query (`in_query`) and keeps
/// it, with its table entry beside it.
fn keep(
    (elements, entries): (&mut Vec<Element>, &mut [Option<&'static AiEntry>]),
    (ai, entry): (&str, &'static AiEntry),
    raw: &str,
    in_query: bool,
    options: &Gs1Options,
) -> Result<(), BarcodeError> {
    if raw.is_empty() {
        let place = if in_query { "query" } else { "path" };
        return Err(BarcodeError::at_ai(
            ai,
            Some(0),
            format!("AI ({ai}) has an empty value in the URI's {place}"),
        ));
    }
    let value = decode(ai, raw, in_query, options)?;
    check_length(ai, entry, &value)?;
    push(elements, entry, ai, value)?;
    if let Some(slot) = entries.get_mut(elements.len() - 1) {
        *slot = Some(entry);
    }
    Ok(())
}

fn push(
    elements: &mut Vec<Element>,
    entry: &'static AiEntry,
    ai: &str,
    value: String,
) -> Result<(), BarcodeError> {
    if elements.len() >= parse::MAX_AIS {
        return Err(BarcodeError::new(format!(
            "more than {} AIs in one scan",
            parse::MAX_AIS
        )));
    }
    elements.push(Element {
        ai: parse::element_ai(entry, ai),
        value,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_non_uri_character_is_found_in_any_group() {
        let uri = b"https://id.gs1.org/01/09506000134352/10/ABC123";
        for at in 0..uri.len() {
            for bad in [b' ', b'"', b'<', b'^', b'{', 0x1d, 0xc3] {
                let mut u = uri.to_vec();
                u[at] = bad;
                assert_eq!(first_non_uri_char(&u), Some(at), "{at} {bad}");
                assert_eq!(first_non_uri_char(&u[..at]), None);
            }
        }
    }

    #[test]
    fn percent_escapes_decode_and_plus_is_a_space_only_in_queries() {
        assert_eq!(uri_unescape("A%20B", false).unwrap(), b"A B");
        assert_eq!(uri_unescape("A+B", false).unwrap(), b"A+B");
        assert_eq!(uri_unescape("A+B", true).unwrap(), b"A B");
        assert_eq!(uri_unescape("ABC%2", false).unwrap(), b"ABC%2");
        assert_eq!(uri_unescape("A%4gB", false).unwrap(), b"A%4gB");
        assert_eq!(uri_unescape("A%ffB", false).unwrap(), b"A\xffB");
        assert!(uri_unescape("A%00B", false).is_none());
    }

    #[test]
    fn escaping_keeps_unreserved_characters_and_writes_a_query_space_as_plus() {
        assert_eq!(uri_escape("AZaz09-._~", false), "AZaz09-._~");
        assert_eq!(uri_escape("A B/+", false), "A%20B%2F%2B");
        assert_eq!(uri_escape("A B", true), "A+B");
    }

    #[test]
    fn a_uri_is_written_with_the_longest_qualifier_path_the_data_has() {
        let o = Gs1Options::default();
        let els =
            parse::parse_bracketed("(21)XYZ(01)12312312312333(10)ABC+1(17)261231", &o).unwrap();
        assert_eq!(
            to_uri(&els, Some("https://example.com/"), &o).unwrap(),
            "https://example.com/01/12312312312333/10/ABC%2B1/21/XYZ?17=261231"
        );
        let back = parse_uri(
            "https://example.com/01/12312312312333/10/ABC%2B1/21/XYZ?17=261231",
            &o,
        )
        .unwrap();
        assert_eq!(back.elements.len(), 4);
    }

    #[test]
    fn qualifiers_may_be_left_out_but_not_reordered_or_mixed() {
        let o = Gs1Options::default();
        assert!(is_valid_path(&["01"], &o));
        assert!(is_valid_path(&["01", "10", "21"], &o));
        assert!(is_valid_path(&["01", "22", "21"], &o));
        assert!(is_valid_path(&["01", "235"], &o));
        assert!(!is_valid_path(&["01", "21", "10"], &o));
        assert!(!is_valid_path(&["01", "10", "235"], &o));
        assert!(!is_valid_path(&["01", "10", "10"], &o));
        assert!(!is_valid_path(&["00", "10"], &o));
        assert!(!is_valid_path(&["10"], &o));
        assert!(is_valid_path(&["8018", "8019"], &o));
    }
}
