//! What the tube label and the command sheet share: DataMatrix and Code 128
//! modules from rxing, module grids drawn as SVG rectangles and read back,
//! a grey raster canvas written as PNG (with a small bitmap font for the
//! ASCII lines), scanning images back with rxing's readers, and the text
//! helpers (escaping, fitting) both documents use.
//!
//! Every symbol is drawn from modules rxing computed and every test scans
//! it back with rxing's readers, so the encoder, not hand-made bars, decides
//! what a scanner sees. The readers are public so the HTTP tests can scan
//! the documents the server sends, as `gs1_128` does for the package label.

use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::datamatrix::encoder::SymbolShapeHint;
use rxing::datamatrix::{DataMatrixReader, DataMatrixWriter};
use rxing::oned::{Code128Reader, Code128Writer, OneDimensionalCodeWriter};
use rxing::{
    BarcodeFormat, BinaryBitmap, DecodeHints, EncodeHintValue, EncodeHints, Luma8LuminanceSource,
    RXingResult, RXingResultMetadataType, RXingResultMetadataValue, Reader, Writer,
};
use std::fmt::Write as _;

use super::gs1_128::num;

/// Why a tube label or a command sheet cannot be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("a GSRN (8018) is 18 digits, not {0:?}")]
    GsrnNotEighteenDigits(String),
    #[error("GSRN {0} has a wrong check digit")]
    GsrnCheckDigit(String),
    #[error("an SRIN (8019) is 1 to 10 digits, not {0:?}")]
    BadSrin(String),
    #[error("a GIAI (8004) is 1 to 30 characters, not {0} characters")]
    GiaiLength(usize),
    #[error("a GIAI (8004) may not contain {character:?} (position {position}): GS1 character set 82 only")]
    GiaiCharacter { character: char, position: usize },
    #[error("a GIAI (8004) starts with the GS1 Company Prefix, so its first 4 characters are digits: {0:?}")]
    GiaiCompanyPrefix(String),
    #[error("the specimen id is empty")]
    EmptySpecimenId,
    #[error("Code 128 carries ASCII only, so it cannot carry {0:?}")]
    NotCode128(String),
    #[error("{0}")]
    DoesNotFit(String),
    #[error("{0}")]
    Dpi(String),
    #[error("there is no page {page}: the sheet has {pages}")]
    NoSuchPage { page: usize, pages: usize },
    #[error("the barcode encoder refused the data: {0}")]
    Encoder(String),
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

// ---- module grids ----------------------------------------------------------

/// A 2D symbol's modules, row by row (true = dark), without quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    pub width: usize,
    pub height: usize,
    cells: Vec<bool>,
}

impl Matrix {
    pub fn new(width: usize, height: usize) -> Matrix {
        Matrix {
            width,
            height,
            cells: vec![false; width * height],
        }
    }

    pub fn get(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.height && self.cells[y * self.width + x]
    }

    pub fn set(&mut self, x: usize, y: usize, dark: bool) {
        if x < self.width && y < self.height {
            self.cells[y * self.width + x] = dark;
        }
    }
}

/// The GS1 DataMatrix (ECC 200, square) of `data`, the element string
/// without its leading FNC1 and with GS (0x1D) where a separator FNC1 goes:
/// rxing's minimal encoder, given the GS1 hint, puts the FNC1 first and
/// turns each GS into FNC1, so the symbol scans as `]d2`.
pub fn gs1_datamatrix(data: &str) -> Result<Matrix, PrintError> {
    datamatrix(data, true)
}

/// A plain (non-GS1) ECC 200 DataMatrix of `text`; it scans as `]d1`.
pub fn plain_datamatrix(text: &str) -> Result<Matrix, PrintError> {
    datamatrix(text, false)
}

fn datamatrix(data: &str, gs1: bool) -> Result<Matrix, PrintError> {
    // Square only: Zebra's ^BX prints square symbols by default, so every
    // format of a label shows the same shape. The compact (minimal) encoder
    // is the one that knows FNC1.
    let hints = EncodeHints::default()
        .with(EncodeHintValue::DataMatrixShape(
            SymbolShapeHint::FORCE_SQUARE,
        ))
        .with(EncodeHintValue::DataMatrixCompact(true))
        .with(EncodeHintValue::Gs1Format(gs1));
    // Width and height 0 answer one bit per module, without margins.
    let bits = DataMatrixWriter
        .encode_with_hints(data, &BarcodeFormat::DATA_MATRIX, 0, 0, &hints)
        .map_err(|e| PrintError::Encoder(e.to_string()))?;
    let (width, height) = (bits.getWidth() as usize, bits.getHeight() as usize);
    let mut matrix = Matrix::new(width, height);
    for y in 0..height {
        for x in 0..width {
            matrix.set(x, y, bits.get(x as u32, y as u32));
        }
    }
    Ok(matrix)
}

/// Data capacity in codewords of the square ECC 200 symbols, smallest first.
const SQUARE_SYMBOLS: [(usize, usize); 24] = [
    (10, 3),
    (12, 5),
    (14, 8),
    (16, 12),
    (18, 18),
    (20, 22),
    (22, 30),
    (24, 36),
    (26, 44),
    (32, 62),
    (36, 86),
    (40, 114),
    (44, 144),
    (48, 174),
    (52, 204),
    (64, 280),
    (72, 368),
    (80, 456),
    (88, 576),
    (96, 696),
    (104, 816),
    (120, 1050),
    (132, 1304),
    (144, 1558),
];

/// The side of the square symbol any ECC 200 encoder needs at most for
/// `data` (GS as FNC1, plus the leading FNC1 when `gs1`): ASCII encodation
/// with digit pairs, the baseline every encoder reaches. A printer that
/// encodes on its own (ZPL `^BX`) may pick a smaller symbol, never a larger
/// one, so a layout that reserves this much never runs into the text.
pub fn datamatrix_side_upper_bound(data: &str, gs1: bool) -> Option<usize> {
    let bytes = data.as_bytes();
    let mut codewords = usize::from(gs1);
    let mut i = 0;
    while i < bytes.len() {
        let pair = bytes[i].is_ascii_digit() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        codewords += if bytes[i] >= 0x80 { 2 } else { 1 };
        i += if pair { 2 } else { 1 };
    }
    SQUARE_SYMBOLS
        .iter()
        .find(|(_, capacity)| *capacity >= codewords)
        .map(|(side, _)| *side)
}

/// The modules of a plain Code 128 symbol (`]C0`) of `text` from the first
/// bar to the last, without quiet zones (10X each side, GS1 and ISO 15417).
pub fn code128_modules(text: &str) -> Result<Vec<bool>, PrintError> {
    if text.is_empty() || !text.chars().all(|c| (' '..='~').contains(&c)) {
        return Err(PrintError::NotCode128(text.to_string()));
    }
    Code128Writer
        .encode_oned(text)
        .map_err(|e| PrintError::Encoder(e.to_string()))
}

/// Code 128 field data for ZPL `^BC` in no-mode (`^BCo,h,N,N,N,N`) after
/// `^FH` (hex indicator `_`), and the symbol's width in modules with no
/// quiet zone. The code sets are chosen here, not by the printer, so the
/// width is known and the label can centre the bars: subset B (`>:` start),
/// switching to subset C (`>5`, back with `>6`) for digit runs long enough
/// to pay for the switches. `>` in the data is ZPL's invocation character
/// and travels as `><`; `^`, `~` and `_` travel as `^FH` hex escapes.
pub fn zpl_code128(text: &str) -> Result<(String, usize), PrintError> {
    if text.is_empty() || !text.chars().all(|c| (' '..='~').contains(&c)) {
        return Err(PrintError::NotCode128(text.to_string()));
    }
    let chars: Vec<char> = text.chars().collect();
    // (is_c, range) segments.
    let mut segments: Vec<(bool, std::ops::Range<usize>)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        if chars[i].is_ascii_digit() {
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let len = i - start;
            let at_edge = start == 0 || i == chars.len();
            // A switch into C and back costs two symbols, saved after four
            // digits at an edge (one switch) or six in the middle (two).
            let worth = len == chars.len() && len >= 2 || (at_edge && len >= 4) || len >= 6;
            if worth {
                let odd = len % 2;
                if odd == 1 {
                    segments.push((false, start..start + 1));
                }
                segments.push((true, start + odd..i));
            } else {
                segments.push((false, start..i));
            }
        } else {
            while i < chars.len() && !chars[i].is_ascii_digit() {
                i += 1;
            }
            segments.push((false, start..i));
        }
    }
    // Merge neighbouring B segments so switches are only emitted at real
    // changes of code set.
    let mut merged: Vec<(bool, std::ops::Range<usize>)> = Vec::new();
    for (is_c, range) in segments {
        match merged.last_mut() {
            Some((last_c, last)) if *last_c == is_c && !is_c => last.end = range.end,
            _ => merged.push((is_c, range)),
        }
    }

    let mut field = String::new();
    let mut symbols = 2; // start and check characters
    let mut current: Option<bool> = None;
    for (is_c, range) in merged {
        field.push_str(match (current, is_c) {
            (None, false) => ">:",
            (None, true) => ">;",
            (Some(false), true) => ">5",
            (Some(true), false) => ">6",
            _ => "",
        });
        if current.is_some() && current != Some(is_c) {
            symbols += 1;
        }
        current = Some(is_c);
        if is_c {
            field.extend(&chars[range.clone()]);
            symbols += range.len() / 2;
        } else {
            for &c in &chars[range.clone()] {
                match c {
                    '>' => field.push_str("><"),
                    '^' => field.push_str("_5E"),
                    '~' => field.push_str("_7E"),
                    '_' => field.push_str("_5F"),
                    _ => field.push(c),
                }
            }
            symbols += range.len();
        }
    }
    // Each symbol character is 11 modules; the stop pattern 13.
    Ok((field, symbols * 11 + 13))
}

// ---- SVG -------------------------------------------------------------------

/// `<rect>`s for the dark modules of `matrix` with its top-left corner at
/// (x, y): one rect per horizontal run in each row, no fill (the group
/// decides the colour).
pub fn svg_matrix(matrix: &Matrix, x: f64, y: f64, module: f64) -> String {
    let mut out = String::new();
    for row in 0..matrix.height {
        let mut col = 0;
        while col < matrix.width {
            if !matrix.get(col, row) {
                col += 1;
                continue;
            }
            let start = col;
            while col < matrix.width && matrix.get(col, row) {
                col += 1;
            }
            let _ = write!(
                out,
                r#"<rect x="{}" y="{}" width="{}" height="{}"/>"#,
                num(x + start as f64 * module),
                num(y + row as f64 * module),
                num((col - start) as f64 * module),
                num(module),
            );
        }
    }
    out
}

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

// ---- raster ----------------------------------------------------------------

/// An 8-bit grey image (0 black, 255 white), row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl Gray {
    /// A white image.
    pub fn white(width: usize, height: usize) -> Gray {
        Gray {
            width,
            height,
            pixels: vec![255; width * height],
        }
    }

    /// Blackens a rectangle, clipped to the image.
    pub fn fill(&mut self, x: usize, y: usize, width: usize, height: usize) {
        let x_end = (x + width).min(self.width);
        let y_end = (y + height).min(self.height);
        for row in y.min(y_end)..y_end {
            let start = row * self.width;
            self.pixels[start + x.min(x_end)..start + x_end].fill(0);
        }
    }

    /// A matrix with each module a `module`-pixel square.
    pub fn draw_matrix(&mut self, matrix: &Matrix, x: usize, y: usize, module: usize) {
        for row in 0..matrix.height {
            for col in 0..matrix.width {
                if matrix.get(col, row) {
                    self.fill(x + col * module, y + row * module, module, module);
                }
            }
        }
    }

    /// A row of Code 128 modules, each `module` pixels wide, `height` tall.
    pub fn draw_bars(
        &mut self,
        modules: &[bool],
        x: usize,
        y: usize,
        module: usize,
        height: usize,
    ) {
        for (i, &dark) in modules.iter().enumerate() {
            if dark {
                self.fill(x + i * module, y, module, height);
            }
        }
    }

    /// ASCII text in the bitmap font with its top-left at (x, y), each font
    /// pixel a `scale`-pixel square; other characters are drawn as `?`.
    pub fn draw_text(&mut self, text: &str, x: usize, y: usize, scale: usize) {
        for (i, c) in text.chars().enumerate() {
            let glyph = glyph(c);
            let left = x + i * GLYPH_ADVANCE * scale;
            for (col, bits) in glyph.iter().enumerate() {
                for row in 0..GLYPH_HEIGHT {
                    if bits & (1 << row) != 0 {
                        self.fill(left + col * scale, y + row * scale, scale, scale);
                    }
                }
            }
        }
    }

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

    /// An 8-bit greyscale PNG whose pHYs chunk records `dpi`, so image
    /// viewers and print dialogs know its physical size.
    pub fn to_png(&self, dpi: u32) -> Result<Vec<u8>, PrintError> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
            encoder.set_color(png::ColorType::Grayscale);
            encoder.set_depth(png::BitDepth::Eight);
            let per_metre = (f64::from(dpi) / 0.0254).round() as u32;
            encoder.set_pixel_dims(Some(png::PixelDimensions {
                xppu: per_metre,
                yppu: per_metre,
                unit: png::Unit::Meter,
            }));
            let mut writer = encoder
                .write_header()
                .map_err(|e| PrintError::Png(e.to_string()))?;
            writer
                .write_image_data(&self.pixels)
                .map_err(|e| PrintError::Png(e.to_string()))?;
            writer
                .finish()
                .map_err(|e| PrintError::Png(e.to_string()))?;
        }
        Ok(out)
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

/// Pixels per millimetre at `dpi`.
pub fn per_mm(dpi: u32) -> f64 {
    f64::from(dpi) / 25.4
}

/// A length in millimetres as whole pixels at `dpi`.
pub fn px(mm: f64, dpi: u32) -> usize {
    (mm * per_mm(dpi)).round().max(0.0) as usize
}

// ---- bitmap font -----------------------------------------------------------

/// Font pixels of a glyph: 5 columns of 7 rows.
const GLYPH_HEIGHT: usize = 7;
/// A glyph and the blank column after it.
pub const GLYPH_ADVANCE: usize = 6;
/// Glyph rows plus the blank rows under them.
pub const GLYPH_LINE: usize = 9;

/// The classic 5 × 7 dot-matrix font for printable ASCII (0x20–0x7E): five
/// columns per glyph, bit 0 the top row. PNG documents carry their ASCII
/// lines in it because kentai has no font rasteriser; Japanese lines exist
/// only in the SVG and ZPL renderings.
const FONT: [[u8; 5]; 95] = [
    [0x00, 0x00, 0x00, 0x00, 0x00], // ' '
    [0x00, 0x00, 0x5F, 0x00, 0x00], // !
    [0x00, 0x07, 0x00, 0x07, 0x00], // "
    [0x14, 0x7F, 0x14, 0x7F, 0x14], // #
    [0x24, 0x2A, 0x7F, 0x2A, 0x12], // $
    [0x23, 0x13, 0x08, 0x64, 0x62], // %
    [0x36, 0x49, 0x55, 0x22, 0x50], // &
    [0x00, 0x05, 0x03, 0x00, 0x00], // '
    [0x00, 0x1C, 0x22, 0x41, 0x00], // (
    [0x00, 0x41, 0x22, 0x1C, 0x00], // )
    [0x14, 0x08, 0x3E, 0x08, 0x14], // *
    [0x08, 0x08, 0x3E, 0x08, 0x08], // +
    [0x00, 0x50, 0x30, 0x00, 0x00], // ,
    [0x08, 0x08, 0x08, 0x08, 0x08], // -
    [0x00, 0x60, 0x60, 0x00, 0x00], // .
    [0x20, 0x10, 0x08, 0x04, 0x02], // /
    [0x3E, 0x51, 0x49, 0x45, 0x3E], // 0
    [0x00, 0x42, 0x7F, 0x40, 0x00], // 1
    [0x42, 0x61, 0x51, 0x49, 0x46], // 2
    [0x21, 0x41, 0x45, 0x4B, 0x31], // 3
    [0x18, 0x14, 0x12, 0x7F, 0x10], // 4
    [0x27, 0x45, 0x45, 0x45, 0x39], // 5
    [0x3C, 0x4A, 0x49, 0x49, 0x30], // 6
    [0x01, 0x71, 0x09, 0x05, 0x03], // 7
    [0x36, 0x49, 0x49, 0x49, 0x36], // 8
    [0x06, 0x49, 0x49, 0x29, 0x1E], // 9
    [0x00, 0x36, 0x36, 0x00, 0x00], // :
    [0x00, 0x56, 0x36, 0x00, 0x00], // ;
    [0x08, 0x14, 0x22, 0x41, 0x00], // <
    [0x14, 0x14, 0x14, 0x14, 0x14], // =
    [0x00, 0x41, 0x22, 0x14, 0x08], // >
    [0x02, 0x01, 0x51, 0x09, 0x06], // ?
    [0x32, 0x49, 0x79, 0x41, 0x3E], // @
    [0x7E, 0x11, 0x11, 0x11, 0x7E], // A
    [0x7F, 0x49, 0x49, 0x49, 0x36], // B
    [0x3E, 0x41, 0x41, 0x41, 0x22], // C
    [0x7F, 0x41, 0x41, 0x22, 0x1C], // D
    [0x7F, 0x49, 0x49, 0x49, 0x41], // E
    [0x7F, 0x09, 0x09, 0x09, 0x01], // F
    [0x3E, 0x41, 0x49, 0x49, 0x7A], // G
    [0x7F, 0x08, 0x08, 0x08, 0x7F], // H
    [0x00, 0x41, 0x7F, 0x41, 0x00], // I
    [0x20, 0x40, 0x41, 0x3F, 0x01], // J
    [0x7F, 0x08, 0x14, 0x22, 0x41], // K
    [0x7F, 0x40, 0x40, 0x40, 0x40], // L
    [0x7F, 0x02, 0x0C, 0x02, 0x7F], // M
    [0x7F, 0x04, 0x08, 0x10, 0x7F], // N
    [0x3E, 0x41, 0x41, 0x41, 0x3E], // O
    [0x7F, 0x09, 0x09, 0x09, 0x06], // P
    [0x3E, 0x41, 0x51, 0x21, 0x5E], // Q
    [0x7F, 0x09, 0x19, 0x29, 0x46], // R
    [0x46, 0x49, 0x49, 0x49, 0x31], // S
    [0x01, 0x01, 0x7F, 0x01, 0x01], // T
    [0x3F, 0x40, 0x40, 0x40, 0x3F], // U
    [0x1F, 0x20, 0x40, 0x20, 0x1F], // V
    [0x3F, 0x40, 0x38, 0x40, 0x3F], // W
    [0x63, 0x14, 0x08, 0x14, 0x63], // X
    [0x07, 0x08, 0x70, 0x08, 0x07], // Y
    [0x61, 0x51, 0x49, 0x45, 0x43], // Z
    [0x00, 0x7F, 0x41, 0x41, 0x00], // [
    [0x02, 0x04, 0x08, 0x10, 0x20], // backslash
    [0x00, 0x41, 0x41, 0x7F, 0x00], // ]
    [0x04, 0x02, 0x01, 0x02, 0x04], // ^
    [0x40, 0x40, 0x40, 0x40, 0x40], // _
    [0x00, 0x01, 0x02, 0x04, 0x00], // `
    [0x20, 0x54, 0x54, 0x54, 0x78], // a
    [0x7F, 0x48, 0x44, 0x44, 0x38], // b
    [0x38, 0x44, 0x44, 0x44, 0x20], // c
    [0x38, 0x44, 0x44, 0x48, 0x7F], // d
    [0x38, 0x54, 0x54, 0x54, 0x18], // e
    [0x08, 0x7E, 0x09, 0x01, 0x02], // f
    [0x0C, 0x52, 0x52, 0x52, 0x3E], // g
    [0x7F, 0x08, 0x04, 0x04, 0x78], // h
    [0x00, 0x44, 0x7D, 0x40, 0x00], // i
    [0x20, 0x40, 0x44, 0x3D, 0x00], // j
    [0x7F, 0x10, 0x28, 0x44, 0x00], // k
    [0x00, 0x41, 0x7F, 0x40, 0x00], // l
    [0x7C, 0x04, 0x18, 0x04, 0x78], // m
    [0x7C, 0x08, 0x04, 0x04, 0x78], // n
    [0x38, 0x44, 0x44, 0x44, 0x38], // o
    [0x7C, 0x14, 0x14, 0x14, 0x08], // p
    [0x08, 0x14, 0x14, 0x18, 0x7C], // q
    [0x7C, 0x08, 0x04, 0x04, 0x08], // r
    [0x48, 0x54, 0x54, 0x54, 0x20], // s
    [0x04, 0x3F, 0x44, 0x40, 0x20], // t
    [0x3C, 0x40, 0x40, 0x20, 0x7C], // u
    [0x1C, 0x20, 0x40, 0x20, 0x1C], // v
    [0x3C, 0x40, 0x30, 0x40, 0x3C], // w
    [0x44, 0x28, 0x10, 0x28, 0x44], // x
    [0x0C, 0x50, 0x50, 0x50, 0x3C], // y
    [0x44, 0x64, 0x54, 0x4C, 0x44], // z
    [0x00, 0x08, 0x36, 0x41, 0x00], // {
    [0x00, 0x00, 0x7F, 0x00, 0x00], // |
    [0x00, 0x41, 0x36, 0x08, 0x00], // }
    [0x08, 0x04, 0x08, 0x10, 0x08], // ~
];

fn glyph(c: char) -> &'static [u8; 5] {
    let index = if (' '..='~').contains(&c) {
        c as usize - ' ' as usize
    } else {
        '?' as usize - ' ' as usize
    };
    &FONT[index]
}

/// The scale at which `text` fits `width` pixels in the bitmap font, from
/// `largest` down to 1; `None` when it does not fit even at 1.
pub fn bitmap_scale(text: &str, width: usize, largest: usize) -> Option<usize> {
    let advance = text.chars().count() * GLYPH_ADVANCE;
    (1..=largest.max(1))
        .rev()
        .find(|scale| advance * scale <= width + scale)
}

// ---- text ------------------------------------------------------------------

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
fn wrap(text: &str, max_units: usize) -> Vec<String> {
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

    const GS: char = '\u{1d}';

    #[test]
    fn a_gs1_datamatrix_scans_back_as_d2_with_gs_between_fields() {
        let data = format!("8018049123450000000019{GS}801912");
        let matrix = gs1_datamatrix(&data).unwrap();
        assert_eq!(matrix.width, matrix.height, "square");
        assert_eq!(decode_matrix(&matrix), Some(("]d2".to_string(), data)));
    }

    #[test]
    fn a_plain_datamatrix_scans_back_as_d1() {
        let matrix = plain_datamatrix("S-2026-000123").unwrap();
        assert_eq!(
            decode_matrix(&matrix),
            Some(("]d1".to_string(), "S-2026-000123".to_string()))
        );
    }

    #[test]
    fn the_ascii_upper_bound_is_never_smaller_than_what_rxing_chooses() {
        for (data, gs1) in [
            (format!("8018049123450000000019{GS}8019123456789"), true),
            ("80044912345ABC-def_01".to_string(), true),
            ("S-2026-000123".to_string(), false),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".to_string(), false),
            ("検体-1".to_string(), false),
        ] {
            let side = datamatrix(&data, gs1).unwrap().width;
            let bound = datamatrix_side_upper_bound(&data, gs1).unwrap();
            assert!(bound >= side, "{data:?}: {bound} < {side}");
        }
        // FNC1, 11 digit pairs, GS, 4 pairs and a lone digit: 18 codewords.
        assert_eq!(
            datamatrix_side_upper_bound(&format!("8018049123450000000019{GS}801912345"), true),
            Some(18)
        );
    }

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
    fn code_128_carries_printable_ascii_only() {
        let modules = code128_modules("KTCMD:cancel").unwrap();
        assert!(modules[0] && modules[modules.len() - 1]);
        assert_eq!(
            code128_modules("検体"),
            Err(PrintError::NotCode128("検体".into()))
        );
        assert!(code128_modules("").is_err());
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
            super::super::gs1_128::decode_modules(&code128_modules(text).unwrap()),
            Some(("]C0".to_string(), text.to_string()))
        );
    }

    #[test]
    fn bitmap_text_is_drawn_inside_its_cells() {
        let mut image = Gray::white(GLYPH_ADVANCE * 2 * 3, GLYPH_LINE * 3);
        image.draw_text("I.", 0, 0, 3);
        let dark = image.pixels.iter().filter(|p| **p == 0).count();
        // I: 7 + 2 + 2 font pixels; '.': 4.
        assert_eq!(dark, (7 + 2 + 2 + 4) * 9);
        assert_eq!(bitmap_scale("ABCD", 24 * 3, 5), Some(3));
        assert_eq!(bitmap_scale("ABCD", 10, 5), None);
    }

    /// What a printer makes of `zpl_code128` field data: `^FH` hex first,
    /// then ZPL's Code 128 invocations. Answers the text and the number of
    /// symbol characters between start and check, or `None` for anything
    /// this convention never writes.
    fn read_zpl_code128(field: &str) -> Option<(String, usize)> {
        let mut bytes = Vec::new();
        let raw = field.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'_' {
                let hex = std::str::from_utf8(raw.get(i + 1..i + 3)?).ok()?;
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            } else {
                bytes.push(raw[i]);
                i += 1;
            }
        }
        let mut text = String::new();
        let mut symbols = 0;
        let mut c_mode = match bytes.get(..2)? {
            b">:" => false,
            b">;" => true,
            _ => return None,
        };
        let mut i = 2;
        while i < bytes.len() {
            if bytes[i] == b'>' {
                match *bytes.get(i + 1)? {
                    b'<' if !c_mode => text.push('>'),
                    b'5' if !c_mode => c_mode = true,
                    b'6' if c_mode => c_mode = false,
                    _ => return None,
                }
                symbols += 1;
                i += 2;
            } else if c_mode {
                let pair = bytes.get(i..i + 2)?;
                if !pair.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                text.push_str(std::str::from_utf8(pair).ok()?);
                symbols += 1;
                i += 2;
            } else {
                text.push(bytes[i] as char);
                symbols += 1;
                i += 1;
            }
        }
        Some((text, symbols))
    }

    #[test]
    fn zpl_code_128_fields_read_back_to_the_text_with_the_width_announced() {
        for text in [
            "KTCMD:tick:secondary.leakproof_sealed",
            "S-2026-000123",
            "20260001",
            "12345",
            "A1234567B",
            "x>y^z~w_v",
            "9",
        ] {
            let (field, modules) = zpl_code128(text).unwrap();
            let (back, symbols) = read_zpl_code128(&field).unwrap();
            assert_eq!(back, text, "{field}");
            assert_eq!(modules, (symbols + 2) * 11 + 13, "{field}");
            assert!(!field.contains('^') && !field.contains('~'), "{field}");
            // never wider than subset B throughout
            assert!(modules <= (text.len() + 2) * 11 + 13, "{field}");
        }
        // "2026" in the middle would cost two switches to save two
        // symbols; the trailing six digits go to subset C.
        assert_eq!(
            zpl_code128("S-2026-000123").unwrap(),
            (
                ">:S-2026->5000123".to_string(),
                (1 + 7 + 1 + 3 + 1) * 11 + 13
            )
        );
    }

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
