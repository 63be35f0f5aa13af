//! Identifiers that come from barcodes and people: parsed once, trusted after.
//!
//! A specimen id is what a tube's barcode carries. It ends up in reports,
//! CSV files and shipping slips, so control characters (which a scanner's
//! suffix or a bad paste can bring) are refused at the door.

use super::messages::{InputMsg, Msg};
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

pub const MAX_CODE_LEN: usize = 80;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CodeError {
    #[error("{what} is empty")]
    Empty { what: &'static str },
    #[error("{what} is longer than {max} characters")]
    TooLong { what: &'static str, max: usize },
    #[error("{what} contains a control character at position {position}")]
    ControlCharacter { what: &'static str, position: usize },
    #[error("{what} contains an invisible formatting character at position {position}")]
    Invisible { what: &'static str, position: usize },
    #[error("{what} has leading or trailing spaces")]
    Untrimmed { what: &'static str },
}

impl CodeError {
    /// The catalogue's sentence for it.
    pub fn message(&self) -> Msg {
        let field = |what: &str| what.to_string();
        match self {
            CodeError::Empty { what } => InputMsg::FieldEmpty { field: field(what) },
            CodeError::TooLong { what, max } => InputMsg::FieldTooLong {
                field: field(what),
                max: *max,
            },
            CodeError::ControlCharacter { what, position } => InputMsg::FieldControlCharacterAt {
                field: field(what),
                position: *position,
            },
            CodeError::Invisible { what, position } => InputMsg::FieldInvisibleCharacterAt {
                field: field(what),
                position: *position,
            },
            CodeError::Untrimmed { what } => InputMsg::FieldUntrimmed { field: field(what) },
        }
        .into()
    }
}

fn check_code(what: &'static str, raw: &str) -> Result<(), CodeError> {
    if raw.is_empty() {
        return Err(CodeError::Empty { what });
    }
    if raw.chars().count() > MAX_CODE_LEN {
        return Err(CodeError::TooLong {
            what,
            max: MAX_CODE_LEN,
        });
    }
    match super::text::first_hidden(raw) {
        Some((position, super::text::Hidden::Control)) => {
            return Err(CodeError::ControlCharacter { what, position })
        }
        Some((position, super::text::Hidden::Invisible)) => {
            return Err(CodeError::Invisible { what, position })
        }
        None => {}
    }
    if raw.trim() != raw {
        return Err(CodeError::Untrimmed { what });
    }
    Ok(())
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn parse(raw: impl Into<String>) -> Result<Self, CodeError> {
                let raw = raw.into();
                check_code($what, &raw)?;
                Ok($name(raw))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = CodeError;
            fn try_from(raw: String) -> Result<Self, CodeError> {
                $name::parse(raw)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

code_type!(
    /// The tube's barcode content: the specimen's identity everywhere.
    SpecimenId,
    "specimen_id"
);
code_type!(
    /// A storage location's barcode (fridge, freezer, cool box, bench).
    LocationCode,
    "location code"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printable_tube_code_is_a_specimen_id() {
        assert_eq!(SpecimenId::parse("T-0001").unwrap().as_str(), "T-0001");
        assert!(SpecimenId::parse("検体-01").is_ok());
    }

    #[test]
    fn control_characters_empty_and_padded_codes_are_refused() {
        let cases = [
            ("", "empty"),
            ("T\u{1d}1", "control"),
            ("T1\r", "control"),
            ("T1\u{7f}", "control"),
            (" T1", "untrimmed"),
        ];
        for (raw, why) in cases {
            assert!(
                SpecimenId::parse(raw).is_err(),
                "{raw:?} ({why}) must be refused"
            );
        }
        assert!(SpecimenId::parse("x".repeat(MAX_CODE_LEN + 1)).is_err());
        assert!(SpecimenId::parse("x".repeat(MAX_CODE_LEN)).is_ok());
    }
}
