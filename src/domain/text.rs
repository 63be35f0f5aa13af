//! Characters that change what a page shows without being seen: the one
//! check every name, id and free text from people passes.
//!
//! A right-to-left override (U+202E) turns `P-123` into what reads as
//! another number, a zero-width space (U+200B) makes two different names
//! look the same, a line separator (U+2028) breaks a line where no line
//! break is visible in the field. Control characters, bidi controls,
//! invisible format characters and line/paragraph separators are refused
//! with their position, so a form can point at them. Variation selectors
//! stay allowed: Japanese names need them for their proper glyph (IVS).

/// What kind of character a text may not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    /// C0 and C1 controls (tab, newline, escape, …).
    Control,
    /// Bidi controls, zero-width and other invisible format characters,
    /// line and paragraph separators.
    Invisible,
}

/// The first character of `value` a name, id or free text may not hold:
/// its position (in characters, from 0) and kind.
pub fn first_hidden(value: &str) -> Option<(usize, Hidden)> {
    value
        .chars()
        .enumerate()
        .find_map(|(i, c)| hidden(c).map(|h| (i, h)))
}

/// As [`first_hidden`], with some control characters allowed (a scan's
/// GS1 separators).
pub fn first_hidden_except(value: &str, allowed: &[char]) -> Option<(usize, Hidden)> {
    value
        .chars()
        .enumerate()
        .filter(|(_, c)| !allowed.contains(c))
        .find_map(|(i, c)| hidden(c).map(|h| (i, h)))
}

/// Whether `c` is one a page would not show as itself.
pub fn hidden(c: char) -> Option<Hidden> {
    if c.is_control() {
        Some(Hidden::Control)
    } else if is_invisible(c) {
        Some(Hidden::Invisible)
    } else {
        None
    }
}

/// Unicode's format characters (general category Cf: bidi controls,
/// zero-width characters, the BOM, invisible operators, tags), the line
/// and paragraph separators (Zl, Zp), and the Hangul fillers and
/// Mongolian vowel separator that render as nothing.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{115F}'..='\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// Whether `s` looks like a code a schema defines (a field name, a query
/// key, an enum value): an ASCII letter, then letters, digits or `_`, at
/// most 40 characters. A value typed in that place by mistake (a name
/// with a space, a phone number, anything non-ASCII) does not, and is not
/// repeated back in messages or logs.
pub fn looks_like_code(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && s.len() <= 40
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_zero_width_bom_and_line_separators_are_found_at_their_position() {
        for c in [
            '\u{202E}', '\u{200B}', '\u{FEFF}', '\u{2028}', '\u{2029}', '\u{2066}', '\u{200F}',
        ] {
            let text = format!("山田{c}太郎");
            assert_eq!(first_hidden(&text), Some((2, Hidden::Invisible)), "{c:?}");
        }
        assert_eq!(first_hidden("a\tb"), Some((1, Hidden::Control)));
    }

    #[test]
    fn japanese_names_with_variation_selectors_and_ideographic_spaces_pass() {
        // 葛󠄀 (U+845B with an IVS) and a full-width space between the names.
        assert_eq!(first_hidden("葛\u{E0100}城　花子"), None);
        assert_eq!(first_hidden("ﾔﾏﾀﾞ ﾀﾛｳ"), None);
        assert_eq!(first_hidden("髙橋 𠮷男"), None);
    }

    #[test]
    fn allowed_controls_are_skipped_but_invisible_ones_are_not() {
        assert_eq!(first_hidden_except("01\u{1d}10", &['\u{1d}']), None);
        assert_eq!(
            first_hidden_except("01\u{1d}\u{200B}", &['\u{1d}']),
            Some((3, Hidden::Invisible))
        );
    }
}
