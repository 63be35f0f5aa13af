//! kentai's table of GS1 Application Identifiers: format, linters, FNC1,
//! Digital Link role, required and exclusive pairs.
//!
//! Written from the published facts (GS1 General Specifications and the
//! GS1 Barcode Syntax Dictionary); `tests/gs1_dictionary.rs` checks every
//! entry against the dictionary release in `../shared/gs1/`.

use super::linters::Linter;

/// Character set of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cset {
    /// Digits.
    N,
    /// GS1 AI encodable character set 82.
    X,
    /// GS1 AI encodable character set 39.
    Y,
    /// base64url (character set 64).
    Z,
}

/// One component of an AI's data field: `N13,csum,gcppos1`, `[X..17]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    pub cset: Cset,
    pub min: u8,
    pub max: u8,
    pub optional: bool,
    pub linters: &'static [Linter],
}

/// One AI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiEntry {
    pub ai: &'static str,
    /// `*`: predefined length, no FNC1 separator needed after it.
    pub fixed_length: bool,
    /// `?`: allowed as a GS1 Digital Link data attribute.
    pub dl_attribute: bool,
    pub components: &'static [Component],
    /// Each `req=` attribute: one of its alternatives (OR) must be present,
    /// an alternative being patterns that must all be present (AND).
    /// Patterns: AIs, with `n` for any digit (`35nn`).
    pub req: &'static [&'static [&'static [&'static str]]],
    /// `ex=` patterns that may not appear with this AI.
    pub ex: &'static [&'static str],
    /// `dlpkey`: a Digital Link primary key, with its alternative ordered
    /// qualifier sequences (empty: no qualifiers).
    pub dlpkey: Option<&'static [&'static [&'static str]]>,
    pub title: &'static str,
}
