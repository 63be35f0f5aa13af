//! Barcode readers for tests: they rebuild module grids and rows from the
//! SVG the server sends, read its PNGs back and scan them with rxing's
//! decoders, so a test proves that what kentai prints scans as intended.
//! Only tests build them (`cfg(test)`, or the `test-readers` feature the
//! integration tests enable): they are no part of the library's API.

use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::datamatrix::DataMatrixReader;
use rxing::oned::Code128Reader;
use rxing::{
    BinaryBitmap, DecodeHints, Luma8LuminanceSource, RXingResult, RXingResultMetadataType,
    RXingResultMetadataValue, Reader,
};

use super::canvas::Gray;
use super::matrix::Matrix;

/// The value of attribute `name` in one tag's text.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// Rebuilds the module grid of `<g id="{id}" data-module="…" data-cols="…"
/// data-rows="…">` drawn with `svg_matrix`, so a test can scan the symbol as
/// the server sent it. The grid's corner is the leftmost and topmost rect,
/// which for a DataMatrix is the corner of its L-shaped finder.
pub fn matrix_from_svg_rects(svg: &str, id: &str) -> Option<Matrix> {
    let open = format!("<g id=\"{id}\"");
    let rest = &svg[svg.find(&open)?..];
    let tag_end = rest.find('>')?;
    let tag = &rest[..tag_end];
    let module: f64 = attr(tag, "data-module")?.parse().ok()?;
    let cols: usize = attr(tag, "data-cols")?.parse().ok()?;
    let rows: usize = attr(tag, "data-rows")?.parse().ok()?;
    if !module.is_finite() || module <= 0.0 {
        return None;
    }
    let body = &rest[tag_end + 1..rest.find("</g>")?];
    let mut rects = Vec::new();
    for piece in body.split("<rect").skip(1) {
        let tag = &piece[..piece.find('>')?];
        let x: f64 = attr(tag, "x")?.parse().ok()?;
        let y: f64 = attr(tag, "y")?.parse().ok()?;
        let width: f64 = attr(tag, "width")?.parse().ok()?;
        rects.push((x, y, width));
    }
    let x0 = rects.iter().map(|r| r.0).reduce(f64::min)?;
    let y0 = rects.iter().map(|r| r.1).reduce(f64::min)?;
    let mut matrix = Matrix::new(cols, rows);
    for (x, y, width) in rects {
        let col = ((x - x0) / module).round() as usize;
        let row = ((y - y0) / module).round() as usize;
        let len = (width / module).round() as usize;
        if row >= rows || col + len > cols {
            return None;
        }
        for c in col..col + len {
            matrix.set(c, row, true);
        }
    }
    Some(matrix)
}

/// Rebuilds the module row from the bars of `<g id="{barcode_id}"
/// data-module="…">` in an SVG drawn with `svg_bars`, so a test can scan a
/// label as the server sent it. The row starts at the first bar and ends at
/// the last (no quiet zones), like `sscc_modules`.
pub fn modules_from_svg_rects(svg: &str, barcode_id: &str) -> Option<Vec<bool>> {
    let open = format!("<g id=\"{barcode_id}\"");
    let group_start = svg.find(&open)?;
    let rest = &svg[group_start..];
    let tag_end = rest.find('>')?;
    let module: f64 = attr(&rest[..tag_end], "data-module")?.parse().ok()?;
    if !module.is_finite() || module <= 0.0 {
        return None;
    }
    let body = &rest[tag_end + 1..rest.find("</g>")?];

    let mut runs = Vec::new();
    for piece in body.split("<rect").skip(1) {
        let tag = &piece[..piece.find('>')?];
        let x: f64 = attr(tag, "x")?.parse().ok()?;
        let width: f64 = attr(tag, "width")?.parse().ok()?;
        runs.push((x, width));
    }
    let origin = runs.iter().map(|r| r.0).reduce(f64::min)?;

    let mut modules = Vec::new();
    for (x, width) in runs {
        let start = ((x - origin) / module).round();
        let len = (width / module).round();
        if start < 0.0 || len < 1.0 {
            return None;
        }
        let (start, len) = (start as usize, len as usize);
        if modules.len() < start + len {
            modules.resize(start + len, false);
        }
        modules[start..start + len].fill(true);
    }
    Some(modules)
}

/// Scans a module row the way a laser scanner reads a printed label: the row
/// is rendered as a small grey image (several pixels per module, quiet zones
/// added) and decoded with rxing's Code 128 reader. Answers the symbology
/// identifier (`]C1` for GS1-128, `]C0` for plain Code 128) and the text,
/// with FNC1 not included in it, e.g. `("]C1", "00106141411234567897")`.
pub fn decode_modules(modules: &[bool]) -> Option<(String, String)> {
    decode_bars(modules)
}

impl Gray {
    /// The part of the image inside a rectangle (clipped).
    pub fn crop(&self, x: usize, y: usize, width: usize, height: usize) -> Gray {
        let x = x.min(self.width);
        let y = y.min(self.height);
        let width = width.min(self.width - x);
        let height = height.min(self.height - y);
        let mut pixels = Vec::with_capacity(width * height);
        for row in y..y + height {
            let start = row * self.width + x;
            pixels.extend_from_slice(&self.pixels[start..start + width]);
        }
        Gray {
            width,
            height,
            pixels,
        }
    }

    /// Reads an 8-bit greyscale PNG back (the kind `to_png` writes) with its
    /// dots per inch from pHYs.
    pub fn from_png(bytes: &[u8]) -> Option<(Gray, Option<u32>)> {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().ok()?;
        let mut pixels = vec![0; reader.output_buffer_size()?];
        let info = reader.next_frame(&mut pixels).ok()?;
        if info.color_type != png::ColorType::Grayscale || info.bit_depth != png::BitDepth::Eight {
            return None;
        }
        pixels.truncate(info.buffer_size());
        let dpi = reader.info().pixel_dims.and_then(|d| {
            (d.unit == png::Unit::Meter).then(|| (f64::from(d.xppu) * 0.0254).round() as u32)
        });
        Some((
            Gray {
                width: info.width as usize,
                height: info.height as usize,
                pixels,
            },
            dpi,
        ))
    }

    fn bitmap_source(&self) -> Option<Luma8LuminanceSource> {
        Luma8LuminanceSource::new(self.pixels.clone(), self.width as u32, self.height as u32).ok()
    }

    /// Scans the image for a DataMatrix as an imager would: answers the
    /// symbology identifier (`]d2` GS1, `]d1` plain) and the text, with GS
    /// (0x1D) between GS1 fields.
    pub fn scan_datamatrix(&self) -> Option<(String, String)> {
        let hints = DecodeHints::default().with(rxing::DecodeHintValue::TryHarder(true));
        let mut bitmap = BinaryBitmap::new(HybridBinarizer::new(self.bitmap_source()?));
        let result = DataMatrixReader
            .decode_with_hints(&mut bitmap, &hints)
            .ok()?;
        scanned(&result)
    }

    /// Scans the image for one Code 128 symbol: its symbology identifier
    /// (`]C0` plain, `]C1` GS1-128) and text.
    pub fn scan_code128(&self) -> Option<(String, String)> {
        let hints = DecodeHints::default().with(rxing::DecodeHintValue::TryHarder(true));
        let mut bitmap = BinaryBitmap::new(GlobalHistogramBinarizer::new(self.bitmap_source()?));
        let result = Code128Reader.decode_with_hints(&mut bitmap, &hints).ok()?;
        let (symbology, text) = scanned(&result)?;
        // rxing's reader runs the check character through the same match
        // as data, so a check value of 97 (FNC2 in code sets A and B)
        // makes a plain symbol look like `]C4`. A scanner sees no FNC2
        // there: without 97 among the data codes, the symbol is plain, or
        // GS1-128 when its first data code is FNC1 (102).
        let raw = result.getRawBytes();
        let data = raw.get(1..raw.len().saturating_sub(2)).unwrap_or_default();
        if symbology == "]C4" && raw.len() >= 2 && raw[raw.len() - 2] == 97 && !data.contains(&97) {
            let id = if data.first() == Some(&102) {
                "]C1"
            } else {
                "]C0"
            };
            return Some((id.to_string(), text));
        }
        Some((symbology, text))
    }
}

/// Scans a row of Code 128 modules (as `code128_modules` makes them) the
/// way a scanner reads a printed one: three pixels a module, quiet zones
/// added, read with `Gray::scan_code128`.
pub fn decode_bars(modules: &[bool]) -> Option<(String, String)> {
    const MODULE: usize = 3;
    let quiet = 2 * super::gs1_128::QUIET_ZONE_MODULES;
    let mut image = Gray::white((modules.len() + 2 * quiet) * MODULE, 24);
    image.draw_bars(modules, quiet * MODULE, 2, MODULE, 20);
    image.scan_code128()
}

fn scanned(result: &RXingResult) -> Option<(String, String)> {
    match result
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::SYMBOLOGY_IDENTIFIER)
    {
        Some(RXingResultMetadataValue::SymbologyIdentifier(id)) => {
            Some((id.clone(), result.getText().to_string()))
        }
        _ => None,
    }
}

/// Scans a module grid the way an imager reads a printed symbol: drawn at
/// four pixels per module inside a four-module quiet zone, then decoded.
pub fn decode_matrix(matrix: &Matrix) -> Option<(String, String)> {
    const MODULE: usize = 4;
    const QUIET: usize = 4;
    let mut image = Gray::white(
        (matrix.width + 2 * QUIET) * MODULE,
        (matrix.height + 2 * QUIET) * MODULE,
    );
    image.draw_matrix(matrix, QUIET * MODULE, QUIET * MODULE, MODULE);
    image.scan_datamatrix()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::matrix::{code128_modules, plain_datamatrix, svg_matrix};

    #[test]
    fn a_matrix_drawn_as_rects_is_read_back_module_for_module() {
        let matrix = plain_datamatrix("KENTAI").unwrap();
        let svg = format!(
            r#"<svg><g id="dm" data-module="0.5" data-cols="{}" data-rows="{}">{}</g></svg>"#,
            matrix.width,
            matrix.height,
            svg_matrix(&matrix, 3.25, 7.5, 0.5)
        );
        assert_eq!(matrix_from_svg_rects(&svg, "dm"), Some(matrix));
        assert_eq!(matrix_from_svg_rects(&svg, "nope"), None);
    }

    #[test]
    fn a_png_round_trips_with_its_resolution_and_scans() {
        let modules = code128_modules("KTCMD:dispatch").unwrap();
        let mut image = Gray::white((modules.len() + 40) * 3, 60);
        image.draw_bars(&modules, 60, 5, 3, 50);
        let png = image.to_png(300).unwrap();
        let (back, dpi) = Gray::from_png(&png).unwrap();
        assert_eq!(dpi, Some(300));
        assert_eq!(back, image);
        assert_eq!(
            back.scan_code128(),
            Some(("]C0".to_string(), "KTCMD:dispatch".to_string()))
        );
    }

    #[test]
    fn a_check_character_of_97_does_not_make_a_plain_symbol_look_like_fnc2() {
        // Its Code 128 check value is 97, which rxing's reader alone
        // mistakes for FNC2 (`]C4`).
        let text = "KTCMD:tick:overpack.cardboard_cover";
        assert_eq!(
            decode_bars(&code128_modules(text).unwrap()),
            Some(("]C0".to_string(), text.to_string()))
        );
        // The package label's reader shares the correction.
        assert_eq!(
            decode_modules(&code128_modules(text).unwrap()),
            Some(("]C0".to_string(), text.to_string()))
        );
    }
}
