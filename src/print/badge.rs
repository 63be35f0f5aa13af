//! The staff badge: a card (ISO/IEC 7810 ID-1, 85.6 × 54 mm) with its
//! holder's name, the badge's label, and its code twice, as Code 128 for
//! the laser scanners at reception and as DataMatrix for the 2D imagers at
//! the bench. Both symbols come from rxing's encoders, and the tests read
//! them back with rxing's readers.

use super::gs1_128::{num, svg_bars};
use super::matrix::{code128_modules, plain_datamatrix, svg_matrix, PrintError};
use super::text::{svg_open, xml_escape};
use std::fmt::Write as _;

const WIDTH: f64 = 85.6;
const HEIGHT: f64 = 54.0;
const MARGIN: f64 = 4.0;
/// Code 128's quiet zone is ten modules each side.
const QUIET_MODULES: f64 = 10.0;
/// A module laser scanners read from a hand's length away.
const BAR_MODULE_MAX: f64 = 0.33;
const BAR_MODULE_MIN: f64 = 0.19;
const BARS_TOP: f64 = 38.0;
const BARS_HEIGHT: f64 = 12.0;
const MATRIX_SIDE: f64 = 18.0;

/// What a badge card shows.
#[derive(Debug, Clone)]
pub struct BadgeCard<'a> {
    pub holder: &'a str,
    /// The holder's role, as the page's language names it.
    pub role: &'a str,
    /// `KTB-1234`.
    pub label: &'a str,
    pub code: &'a str,
    /// The card's heading (`職員バッジ`).
    pub title: &'a str,
}

/// The card as an SVG document, sized in millimetres.
pub fn svg(card: &BadgeCard<'_>) -> Result<String, PrintError> {
    let bars = code128_modules(card.code)?;
    let room = WIDTH - 2.0 * MARGIN;
    let module = ((room / (bars.len() as f64 + 2.0 * QUIET_MODULES)).min(BAR_MODULE_MAX) * 1000.0)
        .floor()
        / 1000.0;
    if module < BAR_MODULE_MIN {
        return Err(PrintError::DoesNotFit(format!(
            "a badge code of {} modules does not fit the card",
            bars.len()
        )));
    }
    let matrix = plain_datamatrix(card.code)?;
    let cell = ((MATRIX_SIDE / matrix.width.max(matrix.height) as f64) * 1000.0).floor() / 1000.0;
    let mut out = svg_open(WIDTH, HEIGHT, card.title);
    let _ = write!(
        out,
        r##"<rect x="0.3" y="0.3" width="{}" height="{}" rx="3" fill="none" stroke="#000" stroke-width="0.3"/>"##,
        num(WIDTH - 0.6),
        num(HEIGHT - 0.6)
    );
    let texts = [
        (card.title, 7.5, 3.6, false),
        (card.holder, 17.0, 7.0, true),
        (card.role, 23.5, 4.0, false),
        (card.label, 30.0, 4.0, false),
    ];
    for (text, baseline, size, bold) in texts {
        let weight = if bold { r#" font-weight="bold""# } else { "" };
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="{}"{weight}>{}</text>"#,
            num(MARGIN),
            num(baseline),
            num(size),
            xml_escape(text)
        );
    }
    let _ = write!(
        out,
        r#"<g id="badge-datamatrix" data-module="{}" data-cols="{}" data-rows="{}" shape-rendering="crispEdges">{}</g>"#,
        num(cell),
        matrix.width,
        matrix.height,
        svg_matrix(&matrix, WIDTH - MARGIN - MATRIX_SIDE, MARGIN + 2.0, cell)
    );
    let x = (WIDTH - bars.len() as f64 * module) / 2.0;
    let _ = write!(
        out,
        r#"<g id="badge-code128" data-module="{}" shape-rendering="crispEdges">{}</g>"#,
        num(module),
        svg_bars(&bars, x, BARS_TOP, module, BARS_HEIGHT)
    );
    out.push_str("</svg>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::readers::{decode_matrix, matrix_from_svg_rects, modules_from_svg_rects};

    #[test]
    fn a_badge_card_carries_its_code_as_code_128_and_as_datamatrix() {
        let code = "KTB482177777777777777777777777777";
        let card = BadgeCard {
            holder: "田中 花子",
            role: "受付",
            label: "KTB-4821",
            code,
            title: "職員バッジ",
        };
        let svg = svg(&card).expect("a card");
        assert!(svg.contains("田中 花子"));
        let bars = modules_from_svg_rects(&svg, "badge-code128").expect("bars");
        let (_, read) = crate::print::readers::decode_bars(&bars).expect("Code 128 reads");
        assert_eq!(read, code);
        let matrix = matrix_from_svg_rects(&svg, "badge-datamatrix").expect("a matrix");
        let (_, read) = decode_matrix(&matrix).expect("DataMatrix reads");
        assert_eq!(read, code);
    }
}
