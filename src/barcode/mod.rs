//! Barcodes as scanners send them (SPEC §4): an AIM symbology identifier,
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

use serde::Serialize;

/// One GS1 element: an Application Identifier and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Element {
    pub ai: String,
    pub value: String,
}

/// A scan after parsing: its symbology, and its GS1 elements when it is GS1
/// data, else the plain text as it was scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedScan {
    /// The AIM symbology identifier (`]d2`, `]C1`, …) when the scan had one.
    pub symbology: Option<String>,
    pub gs1: bool,
    /// GS1 elements in scan order (empty for plain codes).
    pub elements: Vec<Element>,
    /// The data after the symbology identifier; for plain codes, the code.
    pub text: String,
}

impl ParsedScan {
    /// The bracketed element string in scan order, without spaces:
    /// `(01)09506000134352(17)261231(10)ABC`.
    pub fn element_string(&self) -> String {
        let mut out = String::new();
        for e in &self.elements {
            out.push('(');
            out.push_str(&e.ai);
            out.push(')');
            out.push_str(&e.value);
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
    pub fn new(message: impl Into<String>) -> BarcodeError {
        BarcodeError {
            ai: None,
            position: None,
            message: message.into(),
        }
    }
}
