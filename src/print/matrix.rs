//! DataMatrix and Code 128 modules from rxing, shared by the tube label,
//! the location label and the command sheet: the module grids, their SVG
//! rectangles and their ZPL field data, and the error every printed
//! document answers with.
//!
//! Every symbol is drawn from modules rxing computed and every test scans
//! it back with rxing's readers (`super::readers`), so the encoder, not
//! hand-made bars, decides what a scanner sees.

use rxing::datamatrix::encoder::SymbolShapeHint;
use rxing::datamatrix::DataMatrixWriter;
use rxing::oned::{Code128Writer, OneDimensionalCodeWriter};
use rxing::{BarcodeFormat, EncodeHintValue, EncodeHints, Writer};
use std::fmt::Write as _;

use super::gs1_128::num;

// The HTTP tests scan the documents the server sends through these paths.
pub use super::canvas::Gray;
#[cfg(any(test, feature = "test-readers"))]
pub use super::readers::{decode_bars, decode_matrix, matrix_from_svg_rects};

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
    fn code_128_carries_printable_ascii_only() {
        let modules = code128_modules("KTCMD:cancel").unwrap();
        assert!(modules[0] && modules[modules.len() - 1]);
        assert_eq!(
            code128_modules("検体"),
            Err(PrintError::NotCode128("検体".into()))
        );
        assert!(code128_modules("").is_err());
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
}
