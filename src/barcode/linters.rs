//! The GS1 syntax-test ("linter") routines the AI table names: check
//! digits, dates and times, character sets, ISO code lists, …
//!
//! Each answers `Ok(())` or the reference engine's error code with the
//! offending position, so messages can point at the character.

/// A linter named in the AI table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Linter {}

/// Why a linter rejects a value: the reference engine's code
/// (`GS1_LINTER_…`), the offset and length of the offending part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintError {
    pub code: &'static str,
    pub offset: usize,
    pub len: usize,
}
