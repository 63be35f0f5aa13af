//! The text helpers every SVG and ZPL document shares: font families, the
//! SVG opening, escaping for XML and ZPL, width estimates and fitting a
//! line of text into its box by shrinking, wrapping and cutting.

use std::fmt::Write as _;

use super::gs1_128::num;

/// Fonts with Japanese glyphs first, so names never fall back to tofu on a
/// Linux print server (the same list as the package label).
pub const FONT_FAMILY: &str =
    "'Noto Sans CJK JP', 'Noto Sans JP', 'IPAexGothic', 'IPAGothic', 'Hiragino Sans', 'Yu Gothic', sans-serif";

/// Monospace for codes, so `l`, `1` and `I` cannot be mixed up.
pub const MONO_FAMILY: &str = "'DejaVu Sans Mono', 'Noto Sans Mono', 'Courier New', monospace";

/// Width of a half-width character as a fraction of the font size, a
/// little above the average Latin advance so estimates err towards fitting;
/// full-width characters count twice.
pub const SVG_UNIT: f64 = 0.56;

/// Controls (and the non-characters XML forbids) become spaces, runs of
/// spaces one: a pasted tab or NUL must neither break the XML nor start a
/// ZPL command.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The opening of a standalone SVG label `width` × `height` mm (user units
/// in mm, so the label prints at its size): the XML declaration, the root
/// element, its `<title>` and a white background. The caller adds the
/// label's content and `</svg>`.
pub fn svg_open(width: f64, height: f64, title: &str) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let (w, h) = (num(width), num(height));
    let _ = write!(
        out,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}" fill="#000"><title>{}</title><rect width="{w}" height="{h}" fill="#fff"/>"##,
        xml_escape(title)
    );
    out
}

pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// Field data for `^FH` (hex indicator `_`): `^` and `~` would start a
/// command and `_` is the indicator itself, so all three travel as hex.
pub fn zpl_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '^' => out.push_str("_5E"),
            '~' => out.push_str("_7E"),
            '_' => out.push_str("_5F"),
            _ => out.push(c),
        }
    }
    out
}

/// Half-width characters are one unit, everything else (kanji, kana,
/// full-width forms) two.
pub fn units(c: char) -> usize {
    if c.is_ascii() || ('\u{ff61}'..='\u{ff9f}').contains(&c) {
        1
    } else {
        2
    }
}

pub fn text_units(text: &str) -> usize {
    text.chars().map(units).sum()
}

/// Splits `text` into lines of at most `max_units`, breaking after a space
/// when one is in the second half of the line.
pub fn wrap(text: &str, max_units: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for c in text.chars() {
        if used + units(c) > max_units && !line.is_empty() {
            let carry = match line.rfind(' ') {
                Some(at) if at > line.len() / 2 => line.split_off(at + 1),
                _ => String::new(),
            };
            lines.push(line.trim_end().to_string());
            line = carry;
            used = text_units(&line);
        }
        if line.is_empty() && c == ' ' {
            continue;
        }
        line.push(c);
        used += units(c);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The largest of `sizes` (largest first) at which `text` fits `width` in at
/// most `max_lines` lines, `unit` being a half-width advance per size unit.
/// At the smallest size the last line is cut with "…", so nothing runs over
/// its neighbour and a cut is visible.
pub fn fit(
    text: &str,
    width: f64,
    max_lines: usize,
    sizes: &[f64],
    unit: f64,
) -> (f64, Vec<String>) {
    let text = clean(text);
    let max_units = |size: f64| ((width / (unit * size)).floor() as usize).max(2);
    for &size in sizes {
        let lines = wrap(&text, max_units(size));
        if lines.len() <= max_lines.max(1) {
            return (size, lines);
        }
    }
    let size = sizes.last().copied().unwrap_or(2.0);
    let per_line = max_units(size);
    let mut lines = wrap(&text, per_line);
    lines.truncate(max_lines.max(1));
    if let Some(last) = lines.last_mut() {
        let mut cut = String::new();
        let mut used = 0;
        for c in last.chars() {
            if used + units(c) + units('…') > per_line {
                break;
            }
            cut.push(c);
            used += units(c);
        }
        cut.push('…');
        *last = cut;
    }
    (size, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_fitted_by_shrinking_then_cut_visibly() {
        assert_eq!(
            fit("ABC", 10.0, 1, &[4.0, 2.0], 0.5),
            (4.0, vec!["ABC".into()])
        );
        assert_eq!(
            fit("ABCDEFGH", 10.0, 1, &[4.0, 2.0], 0.5),
            (2.0, vec!["ABCDEFGH".into()])
        );
        let (size, lines) = fit(&"長".repeat(40), 10.0, 2, &[4.0, 2.0], 0.5);
        assert_eq!(size, 2.0);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert_eq!(zpl_escape("a^b~c_d\te"), "a_5Eb_7Ec_5Fd e");
        assert_eq!(xml_escape("<a & 'b'>"), "&lt;a &amp; &apos;b&apos;&gt;");
    }
}
