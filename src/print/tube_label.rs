//! The tube label (README, "Barcode kinds"): a GS1 DataMatrix with the
//! tube's identity, the human-readable lines a technician reads at the
//! bench, and optionally a plain Code 128 for desks whose old scanners read
//! linear codes only. Rendered as SVG (office and label printers through a
//! driver), as PNG (label software that takes images) and as ZPL (Zebra).
//!
//! A site-printed tube carries `(8018)` GSRN + `(8019)` SRIN, or a `(8004)`
//! GIAI; the symbol is GS1 (FNC1 first) so scanners send `]d2` and kentai's
//! parser reads the elements, and the specimen id kentai stores for it is
//! the bracketed element string, so the label scans back to its own id.
//! A tube without GS1 data gets a plain DataMatrix of its id (`]d1`).
//!
//! The label is 50 × 25 mm, the size that wraps lengthwise round a 12–16 mm
//! tube: the symbol stays on the flat part a scanner sees, the Code 128
//! runs along the tube's axis, where it does not bend.

use super::canvas::{self, px, Gray};
use super::font::{bitmap_scale, GLYPH_LINE};
use super::gs1_128::{num, svg_bars};
use super::matrix::{
    self, code128_modules, datamatrix_side_upper_bound, svg_matrix, zpl_code128, Matrix,
};
use super::text::{fit, svg_open, xml_escape, zpl_escape, MONO_FAMILY, SVG_UNIT};
use chrono::NaiveDate;
use std::fmt::Write as _;

pub use super::matrix::PrintError;
pub use crate::domain::labels::tube_label::*;

/// Everything printed on a tube label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TubeLabel {
    /// The id kentai stores: for a GS1 tube, its element string.
    pub specimen_id: String,
    /// What the DataMatrix carries as GS1; `None` prints the id plain.
    pub gs1: Option<TubeGs1>,
    /// The patient's number at the sending site.
    pub patient_id: Option<String>,
    pub patient_name_kana: Option<String>,
    pub specimen_type_ja: Option<String>,
    pub collected_on: Option<NaiveDate>,
    pub facility: String,
    /// Add a plain Code 128 of the specimen id (for linear-only scanners).
    pub code128: bool,
}

/// The GS1 identity of a tube.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TubeGs1 {
    /// `(8018)` GSRN, 18 digits with a check digit, and `(8019)` SRIN,
    /// 1 to 10 digits.
    Gsrn { gsrn: String, srin: String },
    /// `(8004)` GIAI: the GS1 Company Prefix, then up to 30 characters in
    /// all of GS1 character set 82.
    Giai(String),
}

pub const AI_GSRN: &str = "8018";
pub const AI_SRIN: &str = "8019";
pub const AI_GIAI: &str = "8004";

/// AIs whose first two digits give them a predefined length (GS1 General
/// Specifications, "element strings with predefined length"; the syntax
/// dictionary's `*` flag): only these run into the next AI without an FNC1.
/// Every other element that is not last ends with one, fixed-length or not,
/// because a decoder knows lengths from this table alone: so `(8018)`, 18
/// digits, still needs a separator before `(8019)`.
const PREDEFINED_LENGTH_PREFIXES: [&str; 22] = [
    "00", "01", "02", "03", "04", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "31",
    "32", "33", "34", "35", "36", "41",
];

fn predefined_length(ai: &str) -> bool {
    PREDEFINED_LENGTH_PREFIXES.contains(&ai.get(..2).unwrap_or(""))
}

/// GS1 AI encodable character set 82.
fn cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

impl TubeGs1 {
    /// The tube's identity from the elements of a kentai id
    /// (`crate::barcode::classify::gs1_id_elements`): `(8018)(8019)` or
    /// `(8004)` alone, valid; anything else is not a GS1 tube.
    pub fn from_elements(elements: &[(String, String)]) -> Option<TubeGs1> {
        let tube = match elements {
            [(a, gsrn), (b, srin)] if a == AI_GSRN && b == AI_SRIN => TubeGs1::Gsrn {
                gsrn: gsrn.clone(),
                srin: srin.clone(),
            },
            [(a, giai)] if a == AI_GIAI => TubeGs1::Giai(giai.clone()),
            _ => return None,
        };
        tube.check().ok().map(|()| tube)
    }

    /// Refuses what a GS1 scanner or kentai's parser would refuse: a GSRN
    /// that is not 18 digits or has a wrong check digit, an SRIN that is not
    /// 1 to 10 digits, a GIAI outside character set 82, longer than 30 or
    /// not starting with a company prefix.
    pub fn check(&self) -> Result<(), PrintError> {
        match self {
            TubeGs1::Gsrn { gsrn, srin } => {
                // Digits first: the checksum is only defined on digits.
                if gsrn.len() != 18 || !gsrn.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(PrintError::GsrnNotEighteenDigits(gsrn.clone()));
                }
                if gs1::checksum::gs1_checksum(&gsrn[..17]).to_string() != gsrn[17..] {
                    return Err(PrintError::GsrnCheckDigit(gsrn.clone()));
                }
                if !(1..=10).contains(&srin.len()) || !srin.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(PrintError::BadSrin(srin.clone()));
                }
                Ok(())
            }
            TubeGs1::Giai(giai) => {
                let len = giai.chars().count();
                if !(1..=30).contains(&len) {
                    return Err(PrintError::GiaiLength(len));
                }
                if let Some((position, character)) =
                    giai.chars().enumerate().find(|(_, c)| !cset82(*c))
                {
                    return Err(PrintError::GiaiCharacter {
                        character,
                        position,
                    });
                }
                // gcppos1: the shortest GS1 Company Prefix has 4 digits.
                if len < 4 || !giai.bytes().take(4).all(|b| b.is_ascii_digit()) {
                    return Err(PrintError::GiaiCompanyPrefix(giai.clone()));
                }
                Ok(())
            }
        }
    }

    /// The elements in the order they are encoded.
    pub fn elements(&self) -> Vec<(&'static str, &str)> {
        match self {
            TubeGs1::Gsrn { gsrn, srin } => vec![(AI_GSRN, gsrn), (AI_SRIN, srin)],
            TubeGs1::Giai(giai) => vec![(AI_GIAI, giai)],
        }
    }

    /// `(8018)049123450000000019(8019)12`: the human-readable interpretation
    /// and kentai's specimen id for the tube.
    pub fn element_string(&self) -> String {
        self.elements()
            .iter()
            .map(|(ai, value)| format!("({ai}){value}"))
            .collect()
    }

    /// What the symbol carries after its leading FNC1: AIs and values, with
    /// GS (0x1D, FNC1 in the symbol) after every element that is not last
    /// and not of predefined length.
    pub fn symbol_data(&self) -> String {
        let elements = self.elements();
        let mut out = String::new();
        for (i, (ai, value)) in elements.iter().enumerate() {
            out.push_str(ai);
            out.push_str(value);
            if i + 1 < elements.len() && !predefined_length(ai) {
                out.push('\u{1d}');
            }
        }
        out
    }
}

// ---- what goes where -------------------------------------------------------

/// Label size in mm.
pub const WIDTH: f64 = 50.0;
pub const HEIGHT: f64 = 25.0;
const MARGIN: f64 = 1.5;
/// The DataMatrix: never above 14 mm, modules from 0.25 mm (thermal label
/// printers at 203 dpi print two dots) to 0.5 mm.
const SYMBOL_MAX: f64 = 14.0;
const MODULE_MAX: f64 = 0.5;
const MODULE_MIN: f64 = 0.25;
/// Between the symbol and the text column: more than the DataMatrix's
/// one-module quiet zone at any module size used here.
const GAP: f64 = 1.5;
/// The Code 128 along the bottom edge.
const BARS_HEIGHT: f64 = 5.5;
const BARS_MODULE_MAX: f64 = 0.33;
/// Two dots on a 300 dpi printer (0.1693 mm, 6.7 mil), which linear
/// imagers read at the bench.
const BARS_MODULE_MIN: f64 = 0.169;
/// How far the bars' 10-module quiet zones stay from the label's ends:
/// none, the die-cut label is blank to its edge. A margin here would refuse
/// ids like `LBL-2026-000123` at 203 dpi (178 modules at two dots and the
/// quiet zones take 49.5 mm of the 50).
const BARS_EDGE: f64 = 0.0;
const CODE128_QUIET: usize = super::gs1_128::QUIET_ZONE_MODULES;

/// One line of the text column.
struct Line {
    field: &'static str,
    /// The line as SVG and ZPL print it.
    text: String,
    /// The line in the PNG's ASCII font, when it has one.
    ascii: Option<String>,
    /// Font sizes in mm, largest first.
    sizes: &'static [f64],
    max_lines: usize,
    bold: bool,
    mono: bool,
}

const ID_SIZES: &[f64] = &[4.2, 3.6, 3.0, 2.6, 2.3, 2.0];
const SMALL_SIZES: &[f64] = &[2.5, 2.2, 1.9];

fn ascii(text: &str) -> Option<String> {
    text.chars()
        .all(|c| (' '..='~').contains(&c))
        .then(|| text.to_string())
}

/// The text column, most important first: lines that do not fit the
/// column are left out from the bottom.
fn lines(label: &TubeLabel) -> Vec<Line> {
    let mut out = Vec::new();
    // A GS1 tube's id is its element string: one element a line, which is
    // also the symbol's human-readable interpretation.
    let id_lines: Vec<String> = match &label.gs1 {
        Some(tube) => tube
            .elements()
            .iter()
            .map(|(ai, value)| format!("({ai}){value}"))
            .collect(),
        None => vec![label.specimen_id.clone()],
    };
    let many = id_lines.len() > 1;
    for text in id_lines {
        out.push(Line {
            field: "specimen-id",
            ascii: ascii(&text),
            text,
            sizes: ID_SIZES,
            max_lines: if many { 1 } else { 2 },
            bold: true,
            mono: true,
        });
    }
    if let Some(id) = label.patient_id.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push(Line {
            field: "patient-id",
            text: format!("{PATIENT_ID} {id}"),
            ascii: ascii(id).map(|id| format!("ID {id}")),
            sizes: SMALL_SIZES,
            max_lines: 1,
            bold: false,
            mono: false,
        });
    }
    if let Some(kana) = label
        .patient_name_kana
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        out.push(Line {
            field: "patient-kana",
            text: kana.to_string(),
            ascii: ascii(kana),
            sizes: &[2.8, 2.4, 2.0],
            max_lines: 1,
            bold: true,
            mono: false,
        });
    }
    let date = label.collected_on.map(|d| d.format("%Y-%m-%d").to_string());
    let kind = label
        .specimen_type_ja
        .as_deref()
        .filter(|s| !s.trim().is_empty());
    if kind.is_some() || date.is_some() {
        let mut text = kind.unwrap_or_default().to_string();
        if let Some(date) = &date {
            if !text.is_empty() {
                text.push(' ');
            }
            let _ = write!(text, "{COLLECTED} {date}");
        }
        out.push(Line {
            field: "type-date",
            text,
            ascii: date,
            sizes: SMALL_SIZES,
            max_lines: 1,
            bold: false,
            mono: false,
        });
    }
    if !label.facility.trim().is_empty() {
        out.push(Line {
            field: "facility",
            text: label.facility.clone(),
            ascii: ascii(&label.facility),
            sizes: &[2.0, 1.8, 1.6],
            max_lines: 1,
            bold: false,
            mono: false,
        });
    }
    out
}

/// The symbols of a label, encoded once for every format.
struct Symbols {
    /// What the DataMatrix carries (GS as separator FNC1) and whether it is
    /// GS1.
    data: String,
    gs1: bool,
    matrix: Matrix,
    /// rxing's Code 128 modules of the specimen id, when asked for.
    bars: Option<Vec<bool>>,
}

fn symbols(label: &TubeLabel) -> Result<Symbols, PrintError> {
    if label.specimen_id.trim().is_empty() {
        return Err(PrintError::EmptySpecimenId);
    }
    let (data, gs1) = match &label.gs1 {
        Some(tube) => {
            tube.check()?;
            (tube.symbol_data(), true)
        }
        None => (label.specimen_id.clone(), false),
    };
    let matrix = if gs1 {
        matrix::gs1_datamatrix(&data)?
    } else {
        matrix::plain_datamatrix(&data)?
    };
    let bars = if label.code128 {
        Some(code128_modules(&label.specimen_id)?)
    } else {
        None
    };
    Ok(Symbols {
        data,
        gs1,
        matrix,
        bars,
    })
}

/// The bottom of the area the symbol and the text column share.
fn top_area_bottom(bars: bool) -> f64 {
    if bars {
        HEIGHT - MARGIN - BARS_HEIGHT - 1.0
    } else {
        HEIGHT - MARGIN
    }
}

/// The largest module (mm, three decimals so SVG numbers stay exact) at
/// which a `side`-module symbol fits the top area.
fn module_for(side: usize, bars: bool) -> Result<f64, PrintError> {
    let room = SYMBOL_MAX.min(top_area_bottom(bars) - MARGIN);
    let module = (MODULE_MAX.min(room / side as f64) * 1000.0).floor() / 1000.0;
    if module < MODULE_MIN {
        return Err(PrintError::DoesNotFit(format!(
            "a {side} × {side} DataMatrix needs modules of {module:.3} mm to fit the {WIDTH} × {HEIGHT} mm label, below the {MODULE_MIN} mm printers manage; shorten the specimen id"
        )));
    }
    Ok(module)
}

/// The Code 128 module (mm) at which `modules` fit across the label with
/// their quiet zones.
fn bars_module_for(modules: usize, id: &str) -> Result<f64, PrintError> {
    let room = WIDTH - 2.0 * BARS_EDGE;
    let module = BARS_MODULE_MAX.min(room / (modules + 2 * CODE128_QUIET) as f64);
    let module = (module * 1000.0).floor() / 1000.0;
    if module < BARS_MODULE_MIN {
        return Err(PrintError::DoesNotFit(format!(
            "the Code 128 of {id:?} is {modules} modules: it fits the {WIDTH} mm label only at {module:.3} mm a module, below {BARS_MODULE_MIN} mm; print without code128 (the DataMatrix carries the id)"
        )));
    }
    Ok(module)
}

/// A text line placed: top of its box and font size in the format's unit.
struct Placed<'a> {
    line: &'a Line,
    top: f64,
    size: f64,
    text: String,
}

/// The size and lines of one text line: on one line if any size allows
/// (an id broken across lines is harder to compare), else on up to its
/// `max_lines`.
fn fit_line(line: &Line, width: f64, sizes: &[f64], unit: f64) -> (f64, Vec<String>) {
    let unit = if line.mono { unit * 1.1 } else { unit };
    let one = fit(&line.text, width, 1, sizes, unit);
    if line.max_lines <= 1
        || one
            .1
            .first()
            .is_some_and(|l| *l == super::text::clean(&line.text))
    {
        return one;
    }
    fit(&line.text, width, line.max_lines, sizes, unit)
}

/// Flows `lines` down a column `width` wide from `top` to `bottom`, sizes
/// multiplied by `scale` (1 for mm, dots per mm for ZPL); a line whose box
/// would cross `bottom` is left out with all after it. The element lines of
/// a GS1 id share one size, so they read as one identity.
fn flow<'a>(
    lines: &'a [Line],
    width: f64,
    top: f64,
    bottom: f64,
    scale: f64,
    unit: f64,
) -> Vec<Placed<'a>> {
    let scaled = |line: &Line| -> Vec<f64> { line.sizes.iter().map(|s| s * scale).collect() };
    let mut fitted: Vec<(f64, Vec<String>)> = lines
        .iter()
        .map(|line| fit_line(line, width, &scaled(line), unit))
        .collect();
    let ids: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].field == "specimen-id")
        .collect();
    if ids.len() > 1 {
        let size = ids
            .iter()
            .map(|&i| fitted[i].0)
            .fold(f64::INFINITY, f64::min);
        for &i in &ids {
            fitted[i] = fit_line(&lines[i], width, &[size], unit);
        }
    }

    let mut out = Vec::new();
    let mut y = top;
    for (line, (size, texts)) in lines.iter().zip(fitted) {
        let height = size * 1.18;
        if y + height * texts.len() as f64 > bottom + 0.05 * scale {
            break;
        }
        for text in texts {
            out.push(Placed {
                line,
                top: y,
                size,
                text,
            });
            y += height;
        }
    }
    out
}

// ---- SVG -------------------------------------------------------------------

/// A standalone SVG of the label, 50 × 25 mm in mm user units. Ids tests
/// and scripts can rely on: `specimen-datamatrix` (modules as rects;
/// `data-module` in mm, `data-cols`, `data-rows`, `data-gs1`),
/// `specimen-code128` (bars, only with `code128`), and text with
/// `data-field` = `specimen-id`, `patient-id`, `patient-kana`, `type-date`,
/// `facility`.
pub fn svg(label: &TubeLabel) -> Result<String, PrintError> {
    let symbols = symbols(label)?;
    let side = symbols.matrix.width;
    let module = module_for(side, symbols.bars.is_some())?;
    let bars_module = match &symbols.bars {
        Some(bars) => Some(bars_module_for(bars.len(), &label.specimen_id)?),
        None => None,
    };

    let mut out = svg_open(WIDTH, HEIGHT, &label.specimen_id);
    let _ = write!(
        out,
        r#"<g id="specimen-datamatrix" data-module="{}" data-cols="{side}" data-rows="{}" data-gs1="{}" shape-rendering="crispEdges">{}</g>"#,
        num(module),
        symbols.matrix.height,
        symbols.gs1,
        svg_matrix(&symbols.matrix, MARGIN, MARGIN, module)
    );

    let x = MARGIN + side as f64 * module + GAP;
    let lines = lines(label);
    let bottom = top_area_bottom(symbols.bars.is_some());
    for placed in flow(&lines, WIDTH - MARGIN - x, MARGIN, bottom, 1.0, SVG_UNIT) {
        let mut attrs = String::new();
        if placed.line.bold {
            attrs.push_str(r#" font-weight="bold""#);
        }
        if placed.line.mono {
            let _ = write!(attrs, r#" font-family="{MONO_FAMILY}""#);
        }
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="{}"{attrs} data-field="{}">{}</text>"#,
            num(x),
            num(placed.top + placed.size * 0.88),
            num(placed.size),
            placed.line.field,
            xml_escape(&placed.text)
        );
    }

    if let (Some(bars), Some(bars_module)) = (&symbols.bars, bars_module) {
        let bars_x = (WIDTH - bars.len() as f64 * bars_module) / 2.0;
        let _ = write!(
            out,
            r#"<g id="specimen-code128" data-module="{}" shape-rendering="crispEdges">{}</g>"#,
            num(bars_module),
            svg_bars(
                bars,
                bars_x,
                HEIGHT - MARGIN - BARS_HEIGHT,
                bars_module,
                BARS_HEIGHT
            )
        );
    }
    out.push_str("</svg>\n");
    Ok(out)
}

// ---- PNG -------------------------------------------------------------------

/// Resolutions a PNG label may be asked for.
pub const PNG_DPI: std::ops::RangeInclusive<u32> = 96..=1200;

/// Whole pixels per module: the mm module rounded down, or up when down
/// would drop below the printable minimum and up still fits `room` mm.
fn module_px(module: f64, minimum: f64, count: usize, room: f64, dpi: u32) -> Option<usize> {
    let ppm = canvas::per_mm(dpi);
    let down = (module * ppm).floor() as usize;
    if down >= 1 && down as f64 / ppm >= minimum {
        return Some(down);
    }
    let up = down + 1;
    (up as f64 / ppm >= minimum && (count * up) as f64 / ppm <= room).then_some(up)
}

/// The label as an 8-bit greyscale PNG at `dpi` (96 to 1200), modules on
/// whole pixels so every module prints the same width. Japanese lines are
/// left out: kentai has no font rasteriser, and the PNG's own bitmap font
/// has ASCII only. Use the SVG or ZPL where the Japanese lines matter.
pub fn png(label: &TubeLabel, dpi: u32) -> Result<Vec<u8>, PrintError> {
    raster(label, dpi)?.to_png(dpi)
}

fn raster(label: &TubeLabel, dpi: u32) -> Result<Gray, PrintError> {
    if !PNG_DPI.contains(&dpi) {
        return Err(PrintError::Dpi(format!(
            "dpi must be {} to {}, not {dpi}",
            PNG_DPI.start(),
            PNG_DPI.end()
        )));
    }
    let symbols = symbols(label)?;
    let side = symbols.matrix.width;
    let has_bars = symbols.bars.is_some();
    let module = module_for(side, has_bars)?;
    let too_coarse = || {
        PrintError::Dpi(format!(
            "{dpi} dpi is too coarse for this label's modules; ask for 300 or 600"
        ))
    };
    let room = side as f64 * module + GAP / 2.0;
    let dm_px = module_px(module, MODULE_MIN, side, room, dpi).ok_or_else(too_coarse)?;

    let mut image = Gray::white(px(WIDTH, dpi), px(HEIGHT, dpi));
    let origin = px(MARGIN, dpi);
    image.draw_matrix(&symbols.matrix, origin, origin, dm_px);

    if let Some(bars) = &symbols.bars {
        let bars_module = bars_module_for(bars.len(), &label.specimen_id)?;
        // Rounding up must leave room for the quiet zones too.
        let count = bars.len() + 2 * CODE128_QUIET;
        let room = WIDTH - 2.0 * BARS_EDGE;
        let bar_px =
            module_px(bars_module, BARS_MODULE_MIN, count, room, dpi).ok_or_else(too_coarse)?;
        let width = bars.len() * bar_px;
        let x = image.width.saturating_sub(width) / 2;
        image.draw_bars(
            bars,
            x,
            px(HEIGHT - MARGIN - BARS_HEIGHT, dpi),
            bar_px,
            px(BARS_HEIGHT, dpi),
        );
    }

    // The ASCII lines, in the bitmap font: a font pixel is a tenth of the
    // font size, so the 7-pixel capitals stand about 0.7 em tall.
    let x_mm = MARGIN + side as f64 * module + GAP;
    let x = px(x_mm, dpi);
    let width = image.width.saturating_sub(x + px(MARGIN, dpi));
    let bottom = px(top_area_bottom(has_bars), dpi);
    let mut y = px(MARGIN, dpi);
    for line in lines(label) {
        let Some(text) = line.ascii.as_deref() else {
            continue;
        };
        let largest = ((line.sizes[0] * canvas::per_mm(dpi)) / 10.0)
            .round()
            .max(1.0) as usize;
        let Some(scale) = bitmap_scale(text, width, largest) else {
            continue;
        };
        if y + 7 * scale > bottom {
            break;
        }
        image.draw_text(text, x, y, scale);
        y += GLYPH_LINE * scale + scale;
    }
    Ok(image)
}

// ---- ZPL -------------------------------------------------------------------

/// 203 dpi: 8 dots per mm, the label 400 × 200 dots.
const DOTS_PER_MM: f64 = 8.0;
const ZPL_UNIT: f64 = 0.52;

fn dots(mm: f64) -> i64 {
    (mm * DOTS_PER_MM).round() as i64
}

/// `^BX` field data for the DataMatrix, after `^FH\` (hex indicator `\`)
/// and with `_` as `^BX`'s escape character (its `g` parameter): `_1` is
/// FNC1, first for GS1 and for every separator (GS in `data`); `_` in the
/// data is `__`; `\`, `^` and `~` travel as `\` hex escapes. See `zpl`.
pub fn zpl_datamatrix_field(data: &str, gs1: bool) -> String {
    let mut out = String::with_capacity(data.len() + 4);
    if gs1 {
        out.push_str("_1");
    }
    for c in data.chars() {
        match c {
            '\u{1d}' => out.push_str("_1"),
            '_' => out.push_str("__"),
            '\\' => out.push_str("\\5C"),
            '^' => out.push_str("\\5E"),
            '~' => out.push_str("\\7E"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A ZPL II label for a 203 dpi Zebra printer with 50 × 25 mm stock.
///
/// The DataMatrix is `^BXN,{module},200,,,,_`: ECC 200, the printer picks
/// the (square) size, and the escape character `g` is set to `_` on the
/// command itself. Zebra's ZPL II Programming Guide (45541L, ^BX, "Field
/// Data (^FD) for ^BX, Quality 200") makes `_1` FNC1 with that escape
/// character and `__` a data underscore, and says the escape character's
/// default changed between firmware versions (underscore on V60.13.0.12,
/// tilde elsewhere), which is why it is given explicitly, as Zebra's
/// support article on GS1 DataMatrix advises. The guide also says `^FH`
/// hex processing happens before escape processing, so the field uses
/// `^FH\` (backslash as hex indicator) to keep the two apart: `_1` reaches
/// the symbol encoder untouched. The symbol is placed in a box as large as
/// the ASCII-encodation upper bound (`datamatrix_side_upper_bound`), so
/// whichever size the printer chooses, it never runs into the text.
///
/// The Code 128 is `^BC` in no-mode with the code sets chosen here
/// (`zpl_code128`), at two dots (0.25 mm) or more a module.
pub fn zpl(label: &TubeLabel) -> Result<String, PrintError> {
    let symbols = symbols(label)?;
    let has_bars = symbols.bars.is_some();
    let reserve = datamatrix_side_upper_bound(&symbols.data, symbols.gs1)
        .unwrap_or(symbols.matrix.width)
        .max(symbols.matrix.width) as i64;
    let room = dots(SYMBOL_MAX.min(top_area_bottom(has_bars) - MARGIN));
    let module = (room / reserve).min(dots(MODULE_MAX));
    if module < 2 {
        return Err(PrintError::DoesNotFit(format!(
            "a {reserve} × {reserve} DataMatrix does not fit the label at two dots a module; shorten the specimen id"
        )));
    }
    let bars = match &symbols.bars {
        Some(_) => {
            let (field, modules) = zpl_code128(&label.specimen_id)?;
            let width = dots(WIDTH - 2.0 * BARS_EDGE);
            let module = (width / (modules + 2 * CODE128_QUIET) as i64).min(3);
            if module < 2 {
                return Err(PrintError::DoesNotFit(format!(
                    "the Code 128 of {:?} is {modules} modules, too long for the label at 203 dpi; print without code128",
                    label.specimen_id
                )));
            }
            Some((field, modules as i64, module))
        }
        None => None,
    };

    let mut out = String::with_capacity(1024);
    let _ = writeln!(out, "^XA");
    let _ = writeln!(out, "^CI28");
    let _ = writeln!(out, "^PW{}", dots(WIDTH));
    let _ = writeln!(out, "^LL{}", dots(HEIGHT));
    let _ = writeln!(out, "^LH0,0");
    let _ = writeln!(out, "^CWJ,{}", super::label::ZPL_CJK_FONT);
    let origin = dots(MARGIN);
    let _ = writeln!(
        out,
        "^FO{origin},{origin}^BXN,{module},200,,,,_^FH\\^FD{}^FS",
        zpl_datamatrix_field(&symbols.data, symbols.gs1)
    );

    let x = origin + reserve * module + dots(GAP);
    let lines = lines(label);
    let width = (dots(WIDTH - MARGIN) - x) as f64;
    let bottom = dots(top_area_bottom(has_bars)) as f64;
    for placed in flow(&lines, width, origin as f64, bottom, DOTS_PER_MM, ZPL_UNIT) {
        let h = placed.size.round() as i64;
        // Latin in the printer's scalable font 0 reads better than the
        // CJK font's half-width forms; anything else needs the CJK font.
        let font = if placed.text.is_ascii() { '0' } else { 'J' };
        let _ = writeln!(
            out,
            "^FO{x},{}^A{font}N,{h},{h}^FH^FD{}^FS",
            placed.top.round() as i64,
            zpl_escape(&placed.text)
        );
    }

    if let Some((field, modules, module)) = bars {
        let bars_x = (dots(WIDTH) - modules * module) / 2;
        let h = dots(BARS_HEIGHT);
        let _ = writeln!(
            out,
            "^FO{bars_x},{}^BY{module}^BCN,{h},N,N,N,N^FH^FD{field}^FS",
            dots(HEIGHT - MARGIN - BARS_HEIGHT)
        );
    }
    let _ = writeln!(out, "^XZ");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::gs1_128::modules_from_svg_rects;
    use crate::print::readers::{decode_bars, decode_matrix, matrix_from_svg_rects};

    const GSRN: &str = "049123450000000019";
    const GS: char = '\u{1d}';

    fn gsrn_label() -> TubeLabel {
        TubeLabel {
            specimen_id: format!("(8018){GSRN}(8019)12"),
            gs1: Some(TubeGs1::Gsrn {
                gsrn: GSRN.into(),
                srin: "12".into(),
            }),
            patient_id: Some("P-000123".into()),
            patient_name_kana: Some("ヤマダ タロウ".into()),
            specimen_type_ja: Some("鼻咽頭ぬぐい液".into()),
            collected_on: NaiveDate::from_ymd_opt(2026, 11, 20),
            facility: "テスト内科".into(),
            code128: false,
        }
    }

    fn plain_label(code128: bool) -> TubeLabel {
        TubeLabel {
            specimen_id: "S-2026-000123".into(),
            gs1: None,
            code128,
            ..gsrn_label()
        }
    }

    fn giai_label() -> TubeLabel {
        TubeLabel {
            specimen_id: "(8004)4912345TUBE-0001_a".into(),
            gs1: Some(TubeGs1::Giai("4912345TUBE-0001_a".into())),
            ..gsrn_label()
        }
    }

    /// The GS1 elements of scanned text (after `]d2`), split at GS with
    /// the AI lengths of the three AIs a tube uses.
    fn elements(text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for field in text.split(GS) {
            let mut rest = field;
            while !rest.is_empty() {
                let ai = &rest[..4];
                let len = if ai == AI_GSRN { 18 } else { rest.len() - 4 };
                out.push((ai.to_string(), rest[4..4 + len].to_string()));
                rest = &rest[4 + len..];
            }
        }
        out
    }

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, v)| (a.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_gsrn_symbol_puts_a_separator_after_8018_because_80_has_no_predefined_length() {
        let tube = gsrn_label().gs1.unwrap();
        assert_eq!(tube.symbol_data(), format!("8018{GSRN}{GS}801912"));
        assert_eq!(tube.element_string(), format!("(8018){GSRN}(8019)12"));
        assert!(predefined_length("00") && predefined_length("17") && predefined_length("410"));
        assert!(!predefined_length("8018") && !predefined_length("10"));
        assert!(!predefined_length("235"), "TPX is variable-length");
    }

    #[test]
    fn the_svg_datamatrix_scans_back_as_gs1_with_the_tubes_elements() {
        let svg = svg(&gsrn_label()).unwrap();
        let matrix = matrix_from_svg_rects(&svg, "specimen-datamatrix").unwrap();
        let (symbology, text) = decode_matrix(&matrix).unwrap();
        assert_eq!(symbology, "]d2");
        assert_eq!(elements(&text), owned(&[("8018", GSRN), ("8019", "12")]));
        assert!(svg.contains(r#"data-gs1="true""#));
    }

    #[test]
    fn a_giai_tube_scans_back_as_one_8004_element() {
        let svg = svg(&giai_label()).unwrap();
        let matrix = matrix_from_svg_rects(&svg, "specimen-datamatrix").unwrap();
        assert_eq!(
            decode_matrix(&matrix),
            Some(("]d2".to_string(), "80044912345TUBE-0001_a".to_string()))
        );
        assert!(svg.contains("(8004)4912345TUBE-0001_a"));
    }

    #[test]
    fn without_gs1_data_the_datamatrix_carries_the_plain_id() {
        let svg = svg(&plain_label(false)).unwrap();
        let matrix = matrix_from_svg_rects(&svg, "specimen-datamatrix").unwrap();
        assert_eq!(
            decode_matrix(&matrix),
            Some(("]d1".to_string(), "S-2026-000123".to_string()))
        );
        assert!(!svg.contains("specimen-code128"));
    }

    #[test]
    fn the_optional_code_128_scans_back_to_the_specimen_id() {
        let svg = svg(&plain_label(true)).unwrap();
        let modules = modules_from_svg_rects(&svg, "specimen-code128").unwrap();
        assert_eq!(
            decode_bars(&modules),
            Some(("]C0".to_string(), "S-2026-000123".to_string()))
        );
        // the DataMatrix still scans with the bars under it
        let matrix = matrix_from_svg_rects(&svg, "specimen-datamatrix").unwrap();
        assert_eq!(decode_matrix(&matrix).unwrap().1, "S-2026-000123");
    }

    #[test]
    fn the_svg_is_a_50_by_25_mm_label_with_the_human_readable_lines() {
        let svg = svg(&gsrn_label()).unwrap();
        assert!(svg.contains(r#"width="50mm" height="25mm" viewBox="0 0 50 25""#));
        for text in [
            &format!("(8018){GSRN}"),
            "(8019)12",
            "患者ID P-000123",
            "ヤマダ タロウ",
            "鼻咽頭ぬぐい液 採取 2026-11-20",
            "テスト内科",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn a_gs1_ids_elements_share_one_size_and_an_id_stays_on_one_line_when_it_can() {
        let sizes = |svg: &str| -> Vec<String> {
            svg.split("<text ")
                .skip(1)
                .filter(|t| t.contains(r#"data-field="specimen-id""#))
                .map(|t| {
                    let at = t.find("font-size=\"").unwrap() + 11;
                    t[at..at + t[at..].find('"').unwrap()].to_string()
                })
                .collect()
        };
        let gsrn = sizes(&svg(&gsrn_label()).unwrap());
        assert_eq!(gsrn.len(), 2);
        assert_eq!(gsrn[0], gsrn[1]);
        assert_eq!(sizes(&svg(&giai_label()).unwrap()).len(), 1);
        let long = TubeLabel {
            specimen_id: "ABCDEFGHIJ-0123456789-ABCDEFGHIJ-0123456789".into(),
            ..plain_label(false)
        };
        assert_eq!(
            sizes(&svg(&long).unwrap()).len(),
            2,
            "too long for one line"
        );
    }

    #[test]
    fn symbol_text_and_bars_keep_their_quiet_zones() {
        let svg = svg(&plain_label(true)).unwrap();
        let module: f64 = 0.5;
        let matrix = matrix_from_svg_rects(&svg, "specimen-datamatrix").unwrap();
        let symbol_right = MARGIN + matrix.width as f64 * module;
        // every text starts right of the symbol plus at least 2 modules
        for piece in svg.split("<text x=\"").skip(1) {
            let x: f64 = piece[..piece.find('"').unwrap()].parse().unwrap();
            assert!(x >= symbol_right + 2.0 * module, "{x}");
        }
        // the bars leave 10 modules each side inside the label
        let modules = modules_from_svg_rects(&svg, "specimen-code128").unwrap();
        let bars_module = bars_module_for(modules.len(), "S-2026-000123").unwrap();
        let width = (modules.len() + 20) as f64 * bars_module;
        assert!(width <= WIDTH, "{width}");
        assert!(bars_module >= BARS_MODULE_MIN);
    }

    #[test]
    fn the_png_scans_back_at_common_printer_resolutions() {
        let longer = TubeLabel {
            specimen_id: "LBL-2026-000123".into(),
            ..plain_label(true)
        };
        for dpi in [203, 300, 600] {
            for label in [
                gsrn_label(),
                giai_label(),
                plain_label(true),
                longer.clone(),
            ] {
                let bytes = png(&label, dpi).unwrap();
                let (image, found_dpi) = Gray::from_png(&bytes).unwrap();
                assert_eq!(found_dpi, Some(dpi));
                assert_eq!(
                    (image.width, image.height),
                    (px(WIDTH, dpi), px(HEIGHT, dpi))
                );
                // the DataMatrix from the whole label, text and all
                let (symbology, text) = image
                    .scan_datamatrix()
                    .unwrap_or_else(|| panic!("{dpi} dpi {}: no DataMatrix", label.specimen_id));
                match &label.gs1 {
                    Some(tube) => {
                        assert_eq!(symbology, "]d2");
                        assert_eq!(text, tube.symbol_data());
                    }
                    None => {
                        assert_eq!((symbology, text), ("]d1".into(), label.specimen_id.clone()))
                    }
                }
                if label.code128 {
                    let top = px(HEIGHT - MARGIN - BARS_HEIGHT - 0.5, dpi);
                    let strip = image.crop(0, top, image.width, image.height - top);
                    assert_eq!(
                        strip.scan_code128(),
                        Some(("]C0".to_string(), label.specimen_id.clone())),
                        "{dpi} dpi"
                    );
                }
            }
        }
    }

    #[test]
    fn png_modules_are_whole_pixels_of_at_least_a_quarter_millimetre() {
        let label = gsrn_label();
        let side = symbols(&label).unwrap().matrix.width;
        for dpi in [96, 150, 203, 300, 600, 1200] {
            let module = module_for(side, false).unwrap();
            let room = side as f64 * module + GAP / 2.0;
            let m = module_px(module, MODULE_MIN, side, room, dpi).unwrap();
            assert!(m as f64 / canvas::per_mm(dpi) >= MODULE_MIN, "{dpi}");
        }
        assert!(matches!(png(&label, 72), Err(PrintError::Dpi(_))));
        assert!(matches!(png(&label, 2400), Err(PrintError::Dpi(_))));
    }

    #[test]
    fn the_png_has_its_ascii_lines_and_leaves_the_japanese_to_the_svg() {
        let image = raster(&plain_label(false), 300).unwrap();
        let dark = image.pixels.iter().filter(|p| **p == 0).count();
        let symbol_only = {
            let symbols = symbols(&plain_label(false)).unwrap();
            let module = module_for(symbols.matrix.width, false).unwrap();
            let m = (module * canvas::per_mm(300)).floor() as usize;
            (0..symbols.matrix.height)
                .flat_map(|y| (0..symbols.matrix.width).map(move |x| (x, y)))
                .filter(|(x, y)| symbols.matrix.get(*x, *y))
                .count()
                * m
                * m
        };
        assert!(dark > symbol_only, "the id, patient id and date are drawn");
    }

    #[test]
    fn gs1_data_is_checked_before_anything_is_printed() {
        let cases = [
            (
                TubeGs1::Gsrn {
                    gsrn: "04912345000000001".into(),
                    srin: "1".into(),
                },
                PrintError::GsrnNotEighteenDigits("04912345000000001".into()),
            ),
            (
                TubeGs1::Gsrn {
                    gsrn: "04912345000000001X".into(),
                    srin: "1".into(),
                },
                PrintError::GsrnNotEighteenDigits("04912345000000001X".into()),
            ),
            (
                TubeGs1::Gsrn {
                    gsrn: "049123450000000018".into(),
                    srin: "1".into(),
                },
                PrintError::GsrnCheckDigit("049123450000000018".into()),
            ),
            (
                TubeGs1::Gsrn {
                    gsrn: GSRN.into(),
                    srin: "".into(),
                },
                PrintError::BadSrin("".into()),
            ),
            (
                TubeGs1::Gsrn {
                    gsrn: GSRN.into(),
                    srin: "12345678901".into(),
                },
                PrintError::BadSrin("12345678901".into()),
            ),
            (
                TubeGs1::Gsrn {
                    gsrn: GSRN.into(),
                    srin: "12a".into(),
                },
                PrintError::BadSrin("12a".into()),
            ),
            (TubeGs1::Giai("".into()), PrintError::GiaiLength(0)),
            (
                TubeGs1::Giai(format!("4912{}", "A".repeat(27))),
                PrintError::GiaiLength(31),
            ),
            (
                TubeGs1::Giai("4912345 TUBE".into()),
                PrintError::GiaiCharacter {
                    character: ' ',
                    position: 7,
                },
            ),
            (
                TubeGs1::Giai("4912345#1".into()),
                PrintError::GiaiCharacter {
                    character: '#',
                    position: 7,
                },
            ),
            (
                TubeGs1::Giai("ABC12345".into()),
                PrintError::GiaiCompanyPrefix("ABC12345".into()),
            ),
        ];
        for (tube, error) in cases {
            assert_eq!(tube.check(), Err(error.clone()), "{tube:?}");
            let label = TubeLabel {
                gs1: Some(tube),
                ..gsrn_label()
            };
            assert_eq!(svg(&label), Err(error.clone()));
            assert_eq!(zpl(&label), Err(error.clone()));
            assert_eq!(png(&label, 300), Err(error));
        }
        assert!(TubeGs1::Giai(format!("4912{}", "A".repeat(26)))
            .check()
            .is_ok());
        assert!(TubeGs1::Gsrn {
            gsrn: GSRN.into(),
            srin: "1234567890".into()
        }
        .check()
        .is_ok());
    }

    #[test]
    fn a_tube_is_gs1_only_for_a_valid_8018_8019_pair_or_a_lone_8004() {
        let gsrn = owned(&[("8018", GSRN), ("8019", "12")]);
        assert_eq!(
            TubeGs1::from_elements(&gsrn),
            Some(TubeGs1::Gsrn {
                gsrn: GSRN.into(),
                srin: "12".into()
            })
        );
        assert!(TubeGs1::from_elements(&owned(&[("8004", "4912345X")])).is_some());
        for bad in [
            owned(&[("8018", GSRN)]),
            owned(&[("8019", "12"), ("8018", GSRN)]),
            owned(&[("8018", "049123450000000018"), ("8019", "12")]),
            owned(&[("8004", "X1")]),
            owned(&[("01", "09506000134352")]),
        ] {
            assert_eq!(TubeGs1::from_elements(&bad), None, "{bad:?}");
        }
    }

    /// What a Zebra makes of `zpl_datamatrix_field` behind `^FH\` and
    /// `^BX…,_`: hex first, then escapes. Answers (GS1?, data with GS).
    fn read_zpl_datamatrix(field: &str) -> (bool, String) {
        let mut hexed = String::new();
        let mut chars = field.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                let hex: String = chars.by_ref().take(2).collect();
                hexed.push(u8::from_str_radix(&hex, 16).unwrap() as char);
            } else {
                hexed.push(c);
            }
        }
        let mut data = String::new();
        let mut gs1 = false;
        let mut chars = hexed.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '_' {
                match chars.next() {
                    Some('1') if data.is_empty() && !gs1 => gs1 = true,
                    Some('1') => data.push(GS),
                    Some('_') => data.push('_'),
                    other => panic!("escape _{other:?}"),
                }
            } else {
                data.push(c);
            }
        }
        (gs1, data)
    }

    #[test]
    fn the_zpl_datamatrix_is_gs1_with_fnc1_first_and_as_separator() {
        let zpl = zpl(&gsrn_label()).unwrap();
        assert!(zpl.starts_with("^XA\n^CI28\n^PW400\n^LL200\n"));
        assert!(zpl.trim_end().ends_with("^XZ"));
        let line = zpl.lines().find(|l| l.contains("^BX")).unwrap();
        assert_eq!(
            line,
            format!("^FO12,12^BXN,4,200,,,,_^FH\\^FD_18018{GSRN}_1801912^FS")
        );
        let field = &line[line.find("^FD").unwrap() + 3..line.len() - 3];
        assert_eq!(
            read_zpl_datamatrix(field),
            (true, gsrn_label().gs1.unwrap().symbol_data())
        );
        for text in [
            "患者ID P-000123",
            "ヤマダ タロウ",
            "採取 2026-11-20",
            "テスト内科",
        ] {
            assert!(zpl.contains(text), "{text} missing");
        }
        assert!(!zpl.contains("^BC"));
    }

    #[test]
    fn zpl_escapes_keep_underscores_and_commands_out_of_the_symbol_syntax() {
        let zpl = zpl(&giai_label()).unwrap();
        assert!(zpl.contains("^BXN,"));
        assert!(zpl.contains("^FH\\^FD_180044912345TUBE-0001__a^FS"));
        assert_eq!(
            read_zpl_datamatrix("_180044912345TUBE-0001__a"),
            (true, "80044912345TUBE-0001_a".to_string())
        );
        let hostile = TubeLabel {
            specimen_id: "A^XZ~JR_\\1".into(),
            gs1: None,
            patient_id: Some("^XA~JR".into()),
            ..gsrn_label()
        };
        let zpl = super::zpl(&hostile).unwrap();
        assert_eq!(zpl.matches("^XA").count(), 1);
        assert_eq!(zpl.matches("^XZ").count(), 1);
        assert!(!zpl.contains("~JR"));
        let line = zpl.lines().find(|l| l.contains("^BX")).unwrap();
        let field = &line[line.find("^FD").unwrap() + 3..line.len() - 3];
        assert_eq!(read_zpl_datamatrix(field), (false, "A^XZ~JR_\\1".into()));
    }

    #[test]
    fn the_zpl_code_128_is_centred_with_room_for_its_quiet_zones() {
        let zpl = zpl(&plain_label(true)).unwrap();
        let line = zpl.lines().find(|l| l.contains("^BC")).unwrap();
        let (field, modules) = zpl_code128("S-2026-000123").unwrap();
        assert!(
            line.ends_with(&format!("^BCN,44,N,N,N,N^FH^FD{field}^FS")),
            "{line}"
        );
        let module: i64 = line[line.find("^BY").unwrap() + 3..line.find("^BC").unwrap()]
            .parse()
            .unwrap();
        assert!(module >= 2);
        let x: i64 = line[3..line.find(',').unwrap()].parse().unwrap();
        assert!(x >= 10 * module, "quiet zone");
        assert!(x + modules as i64 * module + 10 * module <= 400);
    }

    #[test]
    fn ids_too_long_for_the_label_are_refused_with_a_reason() {
        // Beyond a 52 × 52 symbol the modules drop below 0.25 mm.
        let long = TubeLabel {
            specimen_id: "検体".repeat(150),
            ..plain_label(false)
        };
        assert!(matches!(svg(&long), Err(PrintError::DoesNotFit(_))));
        assert!(matches!(zpl(&long), Err(PrintError::DoesNotFit(_))));
        // 80 characters, the longest id kentai registers, still print.
        let longest = TubeLabel {
            specimen_id: "S".repeat(80),
            ..plain_label(false)
        };
        assert!(svg(&longest).is_ok() && zpl(&longest).is_ok());
        // A GS1 id's plain Code 128 is too long for 50 mm.
        let gs1_bars = TubeLabel {
            code128: true,
            ..gsrn_label()
        };
        assert!(matches!(svg(&gs1_bars), Err(PrintError::DoesNotFit(_))));
        assert!(matches!(zpl(&gs1_bars), Err(PrintError::DoesNotFit(_))));
        let japanese_bars = TubeLabel {
            specimen_id: "検体-1".into(),
            ..plain_label(true)
        };
        assert_eq!(
            svg(&japanese_bars),
            Err(PrintError::NotCode128("検体-1".into()))
        );
        assert_eq!(
            svg(&TubeLabel {
                specimen_id: " ".into(),
                ..plain_label(false)
            }),
            Err(PrintError::EmptySpecimenId)
        );
    }

    #[test]
    fn hostile_text_is_escaped_in_the_svg() {
        let label = TubeLabel {
            patient_name_kana: Some("<script>&\"'".into()),
            ..plain_label(false)
        };
        let svg = svg(&label).unwrap();
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;&amp;&quot;&apos;"));
    }
}
