//! The location label (every location has a
//! barcode and a storage class): what goes on the door of every fridge,
//! freezer and cool box and on every bench, so the storage desk scans a
//! tube and then the place it goes.
//!
//! The barcode is linear, because a fridge door is scanned from arm's
//! length and often through a glove: a GS1 location id kentai knows as
//! `(414)GLN(254)EXT`, `(414)GLN` or `(8004)GIAI` is printed as GS1-128
//! (FNC1 first), so a scanner sends `]C1` and the scan pipeline reads it
//! back to the same code; any other code is a plain Code 128 (`]C0`) of
//! the code itself, which the pipeline looks up as it is. Beside it: the
//! location's name, its storage class in Japanese, and the code as text.
//!
//! The label is 100 × 50 mm (4 × 2 in stock on a Zebra; two across and
//! five down on an A4 sheet). SVG for office printers and the admin's
//! print sheet, PNG for label software that takes images (its bitmap font
//! has ASCII only, so the Japanese lines are left out and the class reads
//! as its temperature), ZPL for Zebra printers.

use super::canvas::{self, px, Gray};
use super::font::{bitmap_scale, GLYPH_LINE};
use super::gs1_128::{num, svg_bars, QUIET_ZONE_MODULES};
use super::matrix::{code128_modules, zpl_code128};
use super::text::{fit, svg_open, xml_escape, zpl_escape, MONO_FAMILY, SVG_UNIT};
use super::tube_label::TubeGs1;
use crate::barcode::classify::gs1_id_elements;
use crate::domain::labels::storage_class_ja;
use crate::domain::StorageClass;
use rxing::oned::{Code128Writer, OneDimensionalCodeWriter};
use std::fmt::Write as _;

pub use super::matrix::PrintError;

/// Everything printed on a location label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationLabel {
    /// The code kentai stores: for a GS1 location, its element string.
    pub code: String,
    pub name: String,
    pub storage_class: StorageClass,
}

/// Label size in mm.
pub const WIDTH: f64 = 100.0;
pub const HEIGHT: f64 = 50.0;
const MARGIN: f64 = 4.0;
/// The bars: tall enough to hit from arm's length, at 0.25 mm (two dots
/// on a 203 dpi printer) to 0.5 mm a module.
const BARS_TOP: f64 = 20.0;
const BARS_HEIGHT: f64 = 17.0;
const MODULE_MAX: f64 = 0.5;
const MODULE_MIN: f64 = 0.25;
/// The code as text under the bars.
const CODE_TOP: f64 = BARS_TOP + BARS_HEIGHT + 1.5;

const NAME_SIZES: &[f64] = &[7.0, 6.0, 5.2, 4.4, 3.8];
const CLASS_SIZES: &[f64] = &[4.5, 4.0, 3.5];
const CODE_SIZES: &[f64] = &[4.2, 3.6, 3.0, 2.6, 2.2];

/// rxing's stand-in for FNC1: first in the data, it makes the symbol
/// GS1-128.
const FNC1: char = '\u{00f1}';

/// The barcode of a label, encoded once for every format.
struct Symbol {
    /// The data after a GS1 symbol's leading FNC1, or the plain code.
    data: String,
    gs1: bool,
    /// The modules from the first bar to the last, without quiet zones.
    modules: Vec<bool>,
}

/// A GS1 location id whose values GS1 accepts: `(414)` GLN (13 digits,
/// check digit) with an optional `(254)` extension (1 to 20 characters of
/// set 82), or a `(8004)` GIAI. Anything else prints as a plain code.
fn gs1_location(code: &str) -> Option<Vec<(String, String)>> {
    let elements = gs1_id_elements(code)?;
    let set82 = |v: &str| {
        v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c))
    };
    let valid = match elements.as_slice() {
        [(ai, gln)] | [(ai, gln), _] if ai == "414" => {
            gln.len() == 13
                && gln.bytes().all(|b| b.is_ascii_digit())
                && gs1::checksum::gs1_checksum(&gln[..12]).to_string() == gln[12..]
                && elements.get(1).is_none_or(|(ai, ext)| {
                    ai == "254" && (1..=20).contains(&ext.len()) && set82(ext)
                })
        }
        [(ai, giai)] if ai == "8004" => TubeGs1::Giai(giai.clone()).check().is_ok(),
        _ => false,
    };
    valid.then_some(elements)
}

fn symbol(label: &LocationLabel) -> Result<Symbol, PrintError> {
    match gs1_location(&label.code) {
        // (414) has a predefined length, so (254) follows it without a
        // separator; (8004) stands alone: the data never needs an FNC1
        // after the first.
        Some(elements) => {
            let data: String = elements
                .iter()
                .map(|(ai, value)| format!("{ai}{value}"))
                .collect();
            let modules = Code128Writer
                .encode_oned(&format!("{FNC1}{data}"))
                .map_err(|e| PrintError::Encoder(e.to_string()))?;
            Ok(Symbol {
                data,
                gs1: true,
                modules,
            })
        }
        None => Ok(Symbol {
            data: label.code.clone(),
            gs1: false,
            modules: code128_modules(&label.code)?,
        }),
    }
}

/// Whether the label of `code` can be printed at all (a plain code must
/// be ASCII and short enough for the label), for a print sheet to say so
/// beside the location rather than show a broken image.
pub fn check(code: &str) -> Result<(), PrintError> {
    let label = LocationLabel {
        code: code.to_string(),
        name: String::new(),
        storage_class: StorageClass::Ambient,
    };
    let symbol = symbol(&label)?;
    module_for(&symbol, &label.code).map(|_| ())
}

/// The largest module (mm, three decimals) at which the bars and their
/// 10-module quiet zones fit across the label.
fn module_for(symbol: &Symbol, code: &str) -> Result<f64, PrintError> {
    let count = symbol.modules.len() + 2 * QUIET_ZONE_MODULES;
    let module = (MODULE_MAX.min(WIDTH / count as f64) * 1000.0).floor() / 1000.0;
    if module < MODULE_MIN {
        return Err(PrintError::DoesNotFit(format!(
            "the barcode of location {code:?} is {} modules: it fits the {WIDTH} mm label only at {module:.3} mm a module, below the {MODULE_MIN} mm printers manage; use a shorter code",
            symbol.modules.len()
        )));
    }
    Ok(module)
}

/// The storage class as the PNG's ASCII font can write it: the nominal
/// temperature, or "room temperature".
fn class_ascii(class: StorageClass) -> String {
    match class {
        StorageClass::Ambient => "room temperature".to_string(),
        other => format!("{} C", other.nominal_celsius()),
    }
}

// ---- SVG -------------------------------------------------------------------

/// One text line placed: its field, top, size and text.
struct Placed {
    field: &'static str,
    top: f64,
    size: f64,
    text: String,
    bold: bool,
    mono: bool,
}

/// The name and class above the bars and the code under them, sized to
/// fit: sizes in the format's unit (`scale` per mm), widths in the same.
fn placed(label: &LocationLabel, scale: f64, unit: f64) -> Vec<Placed> {
    let width = (WIDTH - 2.0 * MARGIN) * scale;
    let sizes = |s: &[f64]| -> Vec<f64> { s.iter().map(|v| v * scale).collect() };
    let (name_size, name) = fit(&label.name, width, 1, &sizes(NAME_SIZES), unit);
    let (class_size, class) = fit(
        storage_class_ja(label.storage_class),
        width,
        1,
        &sizes(CLASS_SIZES),
        unit,
    );
    let (code_size, code) = fit(&label.code, width, 1, &sizes(CODE_SIZES), unit * 1.1);
    let name_top = MARGIN * scale;
    let class_top = name_top + name_size * 1.25;
    let mut out = Vec::new();
    let mut line = |field, top, size, text: Vec<String>, bold, mono| {
        if let Some(text) = text.into_iter().next().filter(|t| !t.is_empty()) {
            out.push(Placed {
                field,
                top,
                size,
                text,
                bold,
                mono,
            });
        }
    };
    line("name", name_top, name_size, name, true, false);
    line("storage-class", class_top, class_size, class, false, false);
    line("code", CODE_TOP * scale, code_size, code, true, true);
    out
}

/// A standalone SVG of the label, 100 × 50 mm in mm user units. Ids tests
/// and scripts can rely on: `location-code128` (the bars; `data-module`
/// in mm, `data-gs1`), and text with `data-field` = `name`,
/// `storage-class`, `code`.
pub fn svg(label: &LocationLabel) -> Result<String, PrintError> {
    let symbol = symbol(label)?;
    let module = module_for(&symbol, &label.code)?;
    let mut out = svg_open(WIDTH, HEIGHT, &label.code);
    for p in placed(label, 1.0, SVG_UNIT) {
        let mut attrs = String::new();
        if p.bold {
            attrs.push_str(r#" font-weight="bold""#);
        }
        if p.mono {
            let _ = write!(attrs, r#" font-family="{MONO_FAMILY}""#);
        }
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="{}"{attrs} data-field="{}">{}</text>"#,
            num(MARGIN),
            num(p.top + p.size * 0.88),
            num(p.size),
            p.field,
            xml_escape(&p.text)
        );
    }
    let x = (WIDTH - symbol.modules.len() as f64 * module) / 2.0;
    let _ = write!(
        out,
        r#"<g id="location-code128" data-module="{}" data-gs1="{}" shape-rendering="crispEdges">{}</g>"#,
        num(module),
        symbol.gs1,
        svg_bars(&symbol.modules, x, BARS_TOP, module, BARS_HEIGHT)
    );
    out.push_str("</svg>\n");
    Ok(out)
}

// ---- PNG -------------------------------------------------------------------

/// The label as an 8-bit greyscale PNG at `dpi` (96 to 1200), each module
/// a whole number of pixels; the ASCII lines only (see the module's note).
pub fn png(label: &LocationLabel, dpi: u32) -> Result<Vec<u8>, PrintError> {
    raster(label, dpi)?.to_png(dpi)
}

fn raster(label: &LocationLabel, dpi: u32) -> Result<Gray, PrintError> {
    let range = super::tube_label::PNG_DPI;
    if !range.contains(&dpi) {
        return Err(PrintError::Dpi(format!(
            "dpi must be {} to {}, not {dpi}",
            range.start(),
            range.end()
        )));
    }
    let symbol = symbol(label)?;
    let module = module_for(&symbol, &label.code)?;
    let ppm = canvas::per_mm(dpi);
    let count = symbol.modules.len() + 2 * QUIET_ZONE_MODULES;
    let room = px(WIDTH, dpi);
    // Whole pixels: rounded down, or up where down would print too thin
    // and up still fits with the quiet zones.
    let down = (module * ppm).floor() as usize;
    let bar_px = if down >= 1 && down as f64 / ppm >= MODULE_MIN {
        down
    } else if (down + 1) as f64 / ppm >= MODULE_MIN && count * (down + 1) <= room {
        down + 1
    } else {
        return Err(PrintError::Dpi(format!(
            "{dpi} dpi is too coarse for this label's bars; ask for 300 or 600"
        )));
    };
    let mut image = Gray::white(room, px(HEIGHT, dpi));
    let width = symbol.modules.len() * bar_px;
    image.draw_bars(
        &symbol.modules,
        image.width.saturating_sub(width) / 2,
        px(BARS_TOP, dpi),
        bar_px,
        px(BARS_HEIGHT, dpi),
    );
    let x = px(MARGIN, dpi);
    let text_width = image.width.saturating_sub(2 * x);
    let ascii = |t: &str| t.chars().all(|c| (' '..='~').contains(&c)) && !t.is_empty();
    let mut lines: Vec<(String, f64, usize)> = Vec::new();
    if ascii(&label.name) {
        lines.push((label.name.clone(), NAME_SIZES[0], px(MARGIN, dpi)));
    }
    lines.push((
        class_ascii(label.storage_class),
        CLASS_SIZES[0],
        px(MARGIN + NAME_SIZES[0] * 1.25, dpi),
    ));
    if ascii(&label.code) {
        lines.push((label.code.clone(), CODE_SIZES[0], px(CODE_TOP, dpi)));
    }
    for (text, size, y) in lines {
        // A font pixel is a tenth of the font size.
        let largest = ((size * ppm) / 10.0).round().max(1.0) as usize;
        if let Some(scale) = bitmap_scale(&text, text_width, largest) {
            if y + GLYPH_LINE * scale <= image.height {
                image.draw_text(&text, x, y, scale);
            }
        }
    }
    Ok(image)
}

// ---- ZPL -------------------------------------------------------------------

/// 203 dpi: 8 dots per mm, the label 800 × 400 dots.
const DOTS_PER_MM: f64 = 8.0;
const ZPL_UNIT: f64 = 0.52;

fn dots(mm: f64) -> i64 {
    (mm * DOTS_PER_MM).round() as i64
}

/// A ZPL II label for a 203 dpi Zebra printer with 100 × 50 mm (4 × 2 in)
/// stock, UTF-8 (`^CI28`), Japanese in the CJK font (alias `J`, as the
/// package label). The bars are `^BC` in no-mode with the code sets chosen
/// here (`zpl_code128`); a GS1 location gets `>8`, FNC1, right after the
/// start code, which makes the symbol GS1-128.
pub fn zpl(label: &LocationLabel) -> Result<String, PrintError> {
    let symbol = symbol(label)?;
    let (mut field, mut modules) = zpl_code128(&symbol.data)?;
    if symbol.gs1 {
        // The start code is the field's first two characters (`>:`, `>;`).
        field.insert_str(2, ">8");
        modules += 11;
    }
    let width = dots(WIDTH);
    let module = (width / (modules + 2 * QUIET_ZONE_MODULES) as i64).min(4);
    if module < 2 {
        return Err(PrintError::DoesNotFit(format!(
            "the barcode of location {:?} is {modules} modules, too long for the label at 203 dpi; use a shorter code",
            label.code
        )));
    }
    let mut out = String::with_capacity(1024);
    let _ = writeln!(out, "^XA");
    let _ = writeln!(out, "^CI28");
    let _ = writeln!(out, "^PW{width}");
    let _ = writeln!(out, "^LL{}", dots(HEIGHT));
    let _ = writeln!(out, "^LH0,0");
    let _ = writeln!(out, "^CWJ,{}", super::label::ZPL_CJK_FONT);
    for p in placed(label, DOTS_PER_MM, ZPL_UNIT) {
        let h = p.size.round() as i64;
        // Latin in the printer's scalable font 0; anything else needs the
        // CJK font.
        let font = if p.text.is_ascii() { '0' } else { 'J' };
        let _ = writeln!(
            out,
            "^FO{},{}^A{font}N,{h},{h}^FH^FD{}^FS",
            dots(MARGIN),
            p.top.round() as i64,
            zpl_escape(&p.text)
        );
    }
    let x = (width - modules as i64 * module) / 2;
    let _ = writeln!(
        out,
        "^FO{x},{}^BY{module}^BCN,{},N,N,N,N^FH^FD{field}^FS",
        dots(BARS_TOP),
        dots(BARS_HEIGHT)
    );
    let _ = writeln!(out, "^XZ");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::classify::{classify, Known, ScanKind};
    use crate::print::gs1_128::modules_from_svg_rects;
    use crate::print::readers::decode_bars;

    /// What kentai knows: the one location on the label.
    struct KnowsLocation(String);

    impl Known for KnowsLocation {
        fn is_specimen(&self, _: &str) -> bool {
            false
        }
        fn is_location(&self, code: &str) -> bool {
            code == self.0
        }
        fn is_package(&self, _: &str) -> bool {
            false
        }
    }

    fn label(code: &str) -> LocationLabel {
        LocationLabel {
            code: code.into(),
            name: "検体用冷蔵庫 A（検査室）".into(),
            storage_class: StorageClass::Fridge4c,
        }
    }

    /// Scans the SVG's bars as a scanner would, then reads the scan as a
    /// station does: what kind it is and which code.
    fn scanned(svg: &str, code: &str) -> (String, ScanKind) {
        let modules = modules_from_svg_rects(svg, "location-code128").expect("bars");
        let (symbology, text) = decode_bars(&modules).expect("the bars scan");
        let scan = crate::barcode::parse(&format!("{symbology}{text}")).expect("a scan");
        (symbology, classify(&scan, &KnowsLocation(code.into())))
    }

    #[test]
    fn a_gln_location_prints_as_gs1_128_and_scans_back_to_the_same_code() {
        for code in [
            "(414)4912345000019(254)FRIDGE-A",
            "(414)4912345000019",
            "(414)4912345000026(254)F1",
        ] {
            let svg = svg(&label(code)).unwrap();
            assert!(svg.contains(r#"data-gs1="true""#), "{code}");
            let (symbology, kind) = scanned(&svg, code);
            assert_eq!(symbology, "]C1", "{code}");
            assert_eq!(kind, ScanKind::Location(code.into()), "{code}");
        }
    }

    #[test]
    fn a_giai_location_prints_as_gs1_128_and_scans_back_to_the_same_code() {
        let code = "(8004)4912345LOC-0001";
        let svg = svg(&label(code)).unwrap();
        let (symbology, kind) = scanned(&svg, code);
        assert_eq!(symbology, "]C1");
        assert_eq!(kind, ScanKind::Location(code.into()));
    }

    #[test]
    fn a_plain_code_prints_as_code_128_of_itself() {
        for code in ["FRIDGE-A", "F-1", "M80-2"] {
            let svg = svg(&label(code)).unwrap();
            assert!(svg.contains(r#"data-gs1="false""#));
            let (symbology, kind) = scanned(&svg, code);
            assert_eq!(symbology, "]C0", "{code}");
            assert_eq!(kind, ScanKind::Location(code.into()), "{code}");
        }
        // A GS1-looking code GS1 would refuse (wrong check digit) is the
        // plain text it is stored as.
        let code = "(414)4912345000010";
        let svg = svg(&label(code)).unwrap();
        assert!(svg.contains(r#"data-gs1="false""#));
        let modules = modules_from_svg_rects(&svg, "location-code128").unwrap();
        assert_eq!(
            decode_bars(&modules),
            Some(("]C0".to_string(), code.to_string()))
        );
    }

    #[test]
    fn the_label_names_the_location_and_its_storage_class_in_japanese() {
        let fridge = svg(&label("FRIDGE-A")).unwrap();
        assert!(
            fridge.contains(r#"data-field="name">検体用冷蔵庫 A（検査室）<"#),
            "{fridge}"
        );
        assert!(
            fridge.contains(r#"data-field="storage-class">冷蔵 (4 °C)<"#),
            "{fridge}"
        );
        assert!(
            fridge.contains(r#"data-field="code">FRIDGE-A<"#),
            "{fridge}"
        );
        assert!(fridge.contains(r#"width="100mm" height="50mm""#));
        let mut frozen = label("M80-1");
        frozen.storage_class = StorageClass::FrozenMinus80;
        frozen.name = "<ディープフリーザー>".into();
        let frozen = svg(&frozen).unwrap();
        assert!(frozen.contains("冷凍 (−80 °C 以下)"));
        assert!(frozen.contains("&lt;ディープフリーザー&gt;"), "escaped");
    }

    #[test]
    fn a_code_the_bars_cannot_carry_or_fit_is_refused_with_the_reason() {
        assert!(matches!(
            svg(&label("冷蔵庫A")),
            Err(PrintError::NotCode128(_))
        ));
        assert!(matches!(
            svg(&label(&"X".repeat(60))),
            Err(PrintError::DoesNotFit(_))
        ));
        assert!(check("FRIDGE-A").is_ok());
        assert!(check("冷蔵庫A").is_err());
    }

    #[test]
    fn the_png_scans_back_at_300_and_600_dpi() {
        for code in ["(414)4912345000019(254)FRIDGE-A", "FRIDGE-A"] {
            for dpi in [300, 600] {
                let png = png(&label(code), dpi).unwrap();
                let (image, read_dpi) = Gray::from_png(&png).unwrap();
                assert_eq!(read_dpi, Some(dpi));
                assert_eq!(image.width, px(WIDTH, dpi));
                let (symbology, text) = image.scan_code128().expect("the bars scan");
                let expected = if code.starts_with('(') {
                    ("]C1", "4144912345000019254FRIDGE-A")
                } else {
                    ("]C0", "FRIDGE-A")
                };
                assert_eq!(
                    (symbology.as_str(), text.as_str()),
                    expected,
                    "{code} {dpi}"
                );
            }
        }
        assert!(matches!(png(&label("F-1"), 50), Err(PrintError::Dpi(_))));
    }

    #[test]
    fn the_zpl_label_makes_a_gs1_location_gs1_128_with_fnc1_after_the_start() {
        let gs1 = zpl(&label("(414)4912345000019(254)FRIDGE-A")).unwrap();
        assert!(gs1.starts_with("^XA\n^CI28\n^PW800\n^LL400\n"), "{gs1}");
        let bars = gs1.lines().find(|l| l.contains("^BC")).expect("the bars");
        let field = bars.split("^FD").nth(1).unwrap().trim_end_matches("^FS");
        assert_eq!(&field[2..4], ">8", "{bars}");
        assert!(gs1.contains("^AJN"), "the Japanese lines in the CJK font");
        assert!(gs1.contains("冷蔵 (4 °C)"));
        let plain = zpl(&label("FRIDGE-A")).unwrap();
        assert!(!plain.contains(">8"), "{plain}");
        assert!(plain.trim_end().ends_with("^XZ"));
    }
}
