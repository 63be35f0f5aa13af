//! The GS1-128 barcode of the package's SSCC, drawn as plain SVG rectangles.
//!
//! The receiving lab scans the outer package with a logistics scanner that
//! expects GS1-128 (Code 128 with FNC1 first) carrying AI (00), so the bars
//! must be exact: rxing's Code 128 writer chooses the code sets and the check
//! character, and this module only turns its modules into vector rectangles,
//! which print sharp at any printer resolution. The reverse direction
//! (`modules_from_svg_rects`, `decode_modules`, built for tests only in
//! `super::readers`) lets tests prove that what
//! the server draws scans back to the SSCC, with rxing's reader as the scanner.

use crate::domain::packaging::is_valid_sscc;
use rxing::oned::{Code128Writer, OneDimensionalCodeWriter};
use std::fmt::Write as _;

/// rxing's stand-in for FNC1: as the first character it makes the symbol
/// GS1-128 rather than plain Code 128.
const FNC1: char = '\u{00f1}';

/// The application identifier of an SSCC.
pub const AI_SSCC: &str = "00";

/// Light modules a scanner needs on each side of the symbol (GS1 General
/// Specifications: 10X for GS1-128). `sscc_modules` leaves them out, so
/// whoever places the bars must keep this much blank space around them.
pub const QUIET_ZONE_MODULES: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("an SSCC is 18 digits, not {0:?}")]
    NotEighteenDigits(String),
    #[error("SSCC {0} has a wrong check digit")]
    BadCheckDigit(String),
    #[error("the Code 128 encoder refused the SSCC: {0}")]
    Encoder(String),
}

/// Accepts exactly what `sscc_modules` can print: 18 digits ending in the
/// GS1 check digit. A wrong check digit is refused rather than printed,
/// because the lab's scanner would reject the package anyway.
pub fn check_sscc(sscc: &str) -> Result<(), PrintError> {
    if sscc.len() != 18 || !sscc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PrintError::NotEighteenDigits(sscc.to_string()));
    }
    if !is_valid_sscc(sscc) {
        return Err(PrintError::BadCheckDigit(sscc.to_string()));
    }
    Ok(())
}

/// The modules (true = dark bar) of the GS1-128 symbol FNC1 + "00" + SSCC,
/// from the first bar of the start character to the last bar of the stop
/// pattern: **without quiet zones** (see `QUIET_ZONE_MODULES`). The first and
/// last modules are therefore always dark.
pub fn sscc_modules(sscc: &str) -> Result<Vec<bool>, PrintError> {
    check_sscc(sscc)?;
    let contents = format!("{FNC1}{AI_SSCC}{sscc}");
    Code128Writer
        .encode_oned(&contents)
        .map_err(|e| PrintError::Encoder(e.to_string()))
}

/// `(00) 106141411234567897`: the human-readable line printed under the bars.
/// The digits stay in one run because the SSCC alone does not tell where the
/// company prefix ends, so any finer grouping could mislead.
pub fn human_readable(sscc: &str) -> String {
    format!("({AI_SSCC}) {sscc}")
}

/// A number for an SVG attribute: at most three decimals, no trailing zeros
/// (`2.5`, `3`, `0.125`), so the markup stays small and tests can compare it.
pub fn num(v: f64) -> String {
    let text = format!("{v:.3}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// `<rect>` elements for `modules` placed with the first module at `x`, one
/// rect per run of dark modules (fewer elements, and no hairline seams
/// between adjacent bars when rasterised). The rects carry no fill, so the
/// enclosing group decides the colour.
pub fn svg_bars(modules: &[bool], x: f64, y: f64, module_width: f64, height: f64) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < modules.len() {
        if !modules[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < modules.len() && modules[i] {
            i += 1;
        }
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}"/>"#,
            num(x + start as f64 * module_width),
            num(y),
            num((i - start) as f64 * module_width),
            num(height),
        );
    }
    out
}

// Test-only readers: the HTTP tests scan the package label through these.
#[cfg(any(test, feature = "test-readers"))]
pub use super::readers::{decode_modules, modules_from_svg_rects};

#[cfg(test)]
mod tests {
    use super::*;

    const SSCC: &str = "106141411234567897";

    #[test]
    fn the_sscc_symbol_scans_back_as_gs1_128_with_ai_00() {
        let modules = sscc_modules(SSCC).unwrap();
        assert_eq!(
            decode_modules(&modules),
            Some(("]C1".to_string(), "00106141411234567897".to_string()))
        );
    }

    #[test]
    fn the_symbol_is_code_set_c_throughout_and_has_no_quiet_zone() {
        // start C, FNC1, ten digit pairs, check character: 11 modules each,
        // then the 13-module stop pattern.
        let modules = sscc_modules(SSCC).unwrap();
        assert_eq!(modules.len(), 13 * 11 + 13);
        assert!(modules[0] && modules[modules.len() - 1]);
    }

    #[test]
    fn plain_code_128_is_told_apart_from_gs1_128() {
        let plain = Code128Writer.encode_oned(&format!("00{SSCC}")).unwrap();
        assert_eq!(
            decode_modules(&plain),
            Some(("]C0".to_string(), "00106141411234567897".to_string()))
        );
    }

    #[test]
    fn anything_but_a_checked_eighteen_digit_sscc_is_refused() {
        for bad in [
            "",
            "10614141123456789",
            "1061414112345678970",
            "10614141123456789X",
        ] {
            assert_eq!(
                sscc_modules(bad),
                Err(PrintError::NotEighteenDigits(bad.to_string())),
                "{bad:?}"
            );
        }
        assert_eq!(
            sscc_modules("106141411234567890"),
            Err(PrintError::BadCheckDigit("106141411234567890".to_string()))
        );
    }

    #[test]
    fn adjacent_dark_modules_become_one_rect() {
        let svg = svg_bars(
            &[true, true, false, true, false, false, true],
            10.0,
            2.0,
            0.5,
            20.0,
        );
        assert_eq!(
            svg,
            concat!(
                r#"<rect x="10" y="2" width="1" height="20"/>"#,
                r#"<rect x="11.5" y="2" width="0.5" height="20"/>"#,
                r#"<rect x="13" y="2" width="0.5" height="20"/>"#,
            )
        );
    }

    #[test]
    fn bars_drawn_into_a_group_are_read_back_module_for_module() {
        let modules = sscc_modules(SSCC).unwrap();
        let svg = format!(
            r#"<svg><g id="other"><rect x="0" y="0" width="9" height="9"/></g><g id="sscc-barcode" data-module="0.33">{}</g></svg>"#,
            svg_bars(&modules, 7.25, 100.0, 0.33, 25.0)
        );
        assert_eq!(modules_from_svg_rects(&svg, "sscc-barcode"), Some(modules));
        assert_eq!(modules_from_svg_rects(&svg, "missing"), None);
    }

    #[test]
    fn numbers_are_written_without_trailing_zeros() {
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(0.1 + 0.2), "0.3");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(150.0), "150");
    }

    #[test]
    fn the_human_readable_line_shows_the_ai_in_parentheses() {
        assert_eq!(human_readable(SSCC), "(00) 106141411234567897");
    }
}
