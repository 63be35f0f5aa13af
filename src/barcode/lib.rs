//! Barcodes as scanners send them (README, "Barcodes"): an AIM symbology identifier,
//! data with GS (0x1D) separators, sometimes a GS1 Digital Link URI.
//!
//! Everything here is pure: bytes in, values out. The GS1 rules follow the
//! GS1 Barcode Syntax Dictionary and agree with the GS1 reference engine
//! (gs1encoders) on its own test vectors; kentai's AI table is its own code
//! (`ai_table`), checked against the published dictionary in tests.

pub mod ai_table;
pub mod aim;
pub mod classify;
pub mod digital_link;
pub mod linters;
pub mod parse;
pub mod validate;

pub use aim::Symbology;

use serde::Serialize;
use std::borrow::Cow;

/// One GS1 element: an Application Identifier and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Element {
    /// The AI. The parser borrows it from the AI table (`entry.ai`), so an
    /// element costs one allocation (its value), not two; only an unknown
    /// AI, when permitted, is owned.
    pub ai: Cow<'static, str>,
    pub value: String,
}

/// A scan after parsing: its symbology, and its GS1 elements when it is GS1
/// data, else the plain text as it was scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedScan {
    /// The AIM symbology identifier (`]d2`, `]C1`, …) when the scan had one:
    /// borrowed for the identifiers kentai knows, owned for others.
    pub symbology: Option<Cow<'static, str>>,
    pub gs1: bool,
    /// GS1 elements in scan order (empty for plain codes).
    pub elements: Vec<Element>,
    /// The data after the symbology identifier; for plain codes, the code.
    pub text: String,
}

impl ParsedScan {
    /// The bracketed element string in scan order, without spaces:
    /// `(01)09506000134352(17)261231(10)ABC`. A `(` in a value is written
    /// `\(`, as the GS1 reference engine writes it, so the string reads
    /// back to the same elements.
    pub fn element_string(&self) -> String {
        let mut out = String::new();
        for e in &self.elements {
            out.push('(');
            out.push_str(&e.ai);
            out.push(')');
            for (i, part) in e.value.split('(').enumerate() {
                if i > 0 {
                    out.push_str("\\(");
                }
                out.push_str(part);
            }
        }
        out
    }

    /// The value of the first element with `ai`.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|e| e.ai == ai)
            .map(|e| e.value.as_str())
    }
}

/// Why a scan is not valid, naming the AI and the position where known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct BarcodeError {
    /// The AI the problem is in, when there is one.
    pub ai: Option<String>,
    /// 0-based character offset in the AI's value (or in the input when
    /// `ai` is `None`).
    pub position: Option<usize>,
    pub message: String,
}

impl BarcodeError {
    /// The catalogue's sentence for it: where the data breaks a GS1 rule,
    /// with the syntax engine's own (technical, English) detail.
    pub fn message(&self) -> kentai_domain::Msg {
        kentai_domain::messages::InputMsg::InvalidBarcode {
            ai: self.ai.clone(),
            position: self.position,
            detail: self.message.clone(),
        }
        .into()
    }

    pub fn new(message: impl Into<String>) -> BarcodeError {
        BarcodeError {
            ai: None,
            position: None,
            message: message.into(),
        }
    }
}

impl BarcodeError {
    /// An error about one AI, at `position` in its value when known.
    pub fn at_ai(
        ai: impl Into<String>,
        position: Option<usize>,
        message: impl Into<String>,
    ) -> BarcodeError {
        BarcodeError {
            ai: Some(ai.into()),
            position,
            message: message.into(),
        }
    }

    /// An error at `position` in the input, not tied to one AI.
    pub fn at(position: usize, message: impl Into<String>) -> BarcodeError {
        BarcodeError {
            ai: None,
            position: Some(position),
            message: message.into(),
        }
    }

    /// The same error with an input-level position moved by `offset`
    /// (the part that was parsed started `offset` characters in).
    pub(crate) fn shifted(mut self, offset: usize) -> BarcodeError {
        if self.ai.is_none() {
            self.position = self.position.map(|p| p + offset);
        }
        self
    }
}

/// The reference engine's switches that kentai can set too. The default
/// is the engine's default, which is what kentai uses; the others exist so
/// the engine's own test vectors that switch them can be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gs1Options {
    /// Accept AIs that the table does not know, as unknown AIs of any
    /// content (engine: `permitUnknownAIs`, off).
    pub permit_unknown_ais: bool,
    /// Expand a GTIN-8, -12 or -13 in a Digital Link URI's (01) to 14
    /// digits (engine: `permitZeroSuppressedGTINinDLuris`, off).
    pub permit_zero_suppressed_gtin_in_dl: bool,
    /// Check `req=` companions (engine validation `REQUISITE_AIS`, on).
    pub validate_requisites: bool,
    /// Refuse unknown AIs as Digital Link query attributes (engine
    /// validation `UNKNOWN_AI_NOT_DL_ATTR`, on).
    pub unknown_ai_not_dl_attribute: bool,
}

impl Default for Gs1Options {
    fn default() -> Gs1Options {
        Gs1Options {
            permit_unknown_ais: false,
            permit_zero_suppressed_gtin_in_dl: false,
            validate_requisites: true,
            unknown_ai_not_dl_attribute: true,
        }
    }
}

/// Parses any scan: scan data with a GS1 AIM identifier (`]C1`,
/// `]d2`, `]Q3`, `]e0`, `]J1`, `]E0`, `]E4`) is GS1 and strictly
/// validated; so is a bracketed element string (`(01)…`) and a GS1 Digital
/// Link URI (bare or after `]Q1` / `]d1` / `]J0`). Anything else is a
/// plain code, kept as it is (`gs1: false`): text without an identifier,
/// text after a non-GS1 identifier (`]C0`, `]A0`, …), a URL without a GS1
/// key in its path, a string in brackets that is no element string.
///
/// A scan that looks like GS1 but breaks a rule (a bad check digit, an
/// impossible date, a Digital Link URI with a GS1 key and a bad value) is
/// an error, not a plain code: a damaged kit label must not pass as some
/// site code.
pub fn parse(input: &str) -> Result<ParsedScan, BarcodeError> {
    parse::scan(input, &Gs1Options::default(), false)
}

/// Parses a scan that must be GS1 (`kentai barcode parse --gs1`): scan
/// data with a GS1 AIM identifier, a bracketed element string or a GS1
/// Digital Link URI, validated as the GS1 reference engine does (element
/// format and linters, then repeated, exclusive and required AIs).
pub fn parse_gs1(input: &str) -> Result<ParsedScan, BarcodeError> {
    parse::scan(input, &Gs1Options::default(), true)
}

/// [`parse_gs1`] with the engine's switches set otherwise.
pub fn parse_gs1_with(input: &str, options: &Gs1Options) -> Result<ParsedScan, BarcodeError> {
    parse::scan(input, options, true)
}

/// [`parse()`] for raw scanner bytes; bytes that are not UTF-8 are an error
/// (GS1 data is ASCII; a plain code in another encoding is not one kentai
/// printed).
pub fn parse_bytes(bytes: &[u8]) -> Result<ParsedScan, BarcodeError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => Err(BarcodeError::at(
            e.valid_up_to(),
            format!(
                "the scan is not UTF-8 text (byte {} is not valid)",
                e.valid_up_to()
            ),
        )),
    }
}
