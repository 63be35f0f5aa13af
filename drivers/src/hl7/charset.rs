//! The character sets MSH-18 names, and the text of a message in them.
//!
//! Japanese analysers and LIS send names in JIS X 0208: JAHIS's HL7
//! profile declares it as `ISO IR87` in MSH-18 and sends it as ISO-2022-JP
//! (escape sequences switch between ASCII and two-byte kanji); older
//! devices send Shift_JIS. Both put bytes in a message that equal HL7's
//! separators (`表` is `0x95 0x5C` in Shift_JIS, a backslash), so a
//! message is decoded to text before it is cut into fields, and the name of
//! its character set is read from the MSH bytes first.
//!
//! MSH-18 values, compared without regard to case or surrounding spaces:
//!
//! | MSH-18 | decoded as |
//! | --- | --- |
//! | empty, `ASCII`, `ISO IR6` | UTF-8 (ASCII is a part of every set here) |
//! | `UNICODE UTF-8` | UTF-8 |
//! | `ISO IR87`, `ISO IR13` (JIS X 0201 katakana) | ISO-2022-JP |
//! | `SHIFT_JIS`, `SJIS`, `SHIFT-JIS` | Shift_JIS |
//!
//! MSH-18 repeats: the first repetition is the default set and the others
//! are the sets escape sequences switch to (JAHIS writes `~ISO IR87`: ASCII,
//! and JIS X 0208 through ISO 2022 escapes). The message is decoded in the
//! one non-ASCII set its repetitions name; two different ones (say UTF-8
//! and Shift_JIS) cannot both be honoured and are refused, as is any name
//! outside the table (`ISO IR159`, JIS X 0212, has no decoder here).

use encoding_rs::{Encoding, ISO_2022_JP, SHIFT_JIS, UTF_8};
use std::fmt;
use thiserror::Error;

/// The encoding a message's bytes are decoded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Charset {
    Utf8,
    Iso2022Jp,
    ShiftJis,
}

/// An MSH-18 that kentai cannot honour.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CharsetError {
    #[error("unknown character set \"{0}\" in MSH-18")]
    Unknown(String),
    #[error("MSH-18 names two character sets that cannot be mixed: \"{0}\" and \"{1}\"")]
    Mixed(String, String),
}

impl Charset {
    /// The set MSH-18's repetitions declare (see the module's table).
    pub fn from_msh18<S: AsRef<str>>(repetitions: &[S]) -> Result<Charset, CharsetError> {
        let mut chosen: Option<(Charset, &str)> = None;
        for name in repetitions {
            let name = name.as_ref();
            let Some(set) = Charset::from_name(name)? else {
                continue;
            };
            match chosen {
                Some((earlier, first)) if earlier != set => {
                    return Err(CharsetError::Mixed(first.trim().into(), name.trim().into()))
                }
                Some(_) => {}
                None => chosen = Some((set, name)),
            }
        }
        Ok(chosen.map_or(Charset::Utf8, |(set, _)| set))
    }

    /// One MSH-18 name: `None` for the ASCII names, which any set holds.
    fn from_name(name: &str) -> Result<Option<Charset>, CharsetError> {
        let upper = name.trim().to_ascii_uppercase();
        match upper.as_str() {
            "" | "ASCII" | "ISO IR6" => Ok(None),
            "UNICODE UTF-8" => Ok(Some(Charset::Utf8)),
            "ISO IR87" | "ISO IR13" => Ok(Some(Charset::Iso2022Jp)),
            "SHIFT_JIS" | "SJIS" | "SHIFT-JIS" => Ok(Some(Charset::ShiftJis)),
            _ => Err(CharsetError::Unknown(name.trim().into())),
        }
    }

    fn encoding(self) -> &'static Encoding {
        match self {
            Charset::Utf8 => UTF_8,
            Charset::Iso2022Jp => ISO_2022_JP,
            Charset::ShiftJis => SHIFT_JIS,
        }
    }

    /// The bytes as text, or `None` when they are not valid in this set.
    pub fn decode(self, bytes: &[u8]) -> Option<String> {
        self.encoding()
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| text.into_owned())
    }

    /// The text in this set; a character the set lacks is written `?`.
    pub fn encode(self, text: &str) -> Vec<u8> {
        if self == Charset::Utf8 {
            return text.as_bytes().to_vec();
        }
        let encoding = self.encoding();
        let mut buf = [0u8; 4];
        let mappable: String = text
            .chars()
            .map(|c| {
                let (_, _, unmappable) = encoding.encode(c.encode_utf8(&mut buf));
                if unmappable {
                    '?'
                } else {
                    c
                }
            })
            .collect();
        encoding.encode(&mappable).0.into_owned()
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Charset::Utf8 => "UTF-8",
            Charset::Iso2022Jp => "ISO-2022-JP",
            Charset::ShiftJis => "Shift_JIS",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_msh18_name_gives_its_set_whatever_its_case() {
        let cases: &[(&[&str], Charset)] = &[
            (&[], Charset::Utf8),
            (&[""], Charset::Utf8),
            (&["ASCII"], Charset::Utf8),
            (&["UNICODE UTF-8"], Charset::Utf8),
            (&["ISO IR87"], Charset::Iso2022Jp),
            (&["", "ISO IR87"], Charset::Iso2022Jp),
            (&["ISO IR6", "ISO IR87", "ISO IR13"], Charset::Iso2022Jp),
            (&["SHIFT_JIS"], Charset::ShiftJis),
            (&["Shift_JIS"], Charset::ShiftJis),
            (&["sjis"], Charset::ShiftJis),
        ];
        for (names, want) in cases {
            assert_eq!(Charset::from_msh18(names), Ok(*want), "{names:?}");
        }
    }

    #[test]
    fn an_unknown_or_mixed_msh18_is_refused() {
        assert_eq!(
            Charset::from_msh18(&["8859/1"]),
            Err(CharsetError::Unknown("8859/1".into()))
        );
        assert_eq!(
            Charset::from_msh18(&["ISO IR87", " ISO IR159 "]),
            Err(CharsetError::Unknown("ISO IR159".into()))
        );
        assert_eq!(
            Charset::from_msh18(&["UNICODE UTF-8", "SJIS"]),
            Err(CharsetError::Mixed("UNICODE UTF-8".into(), "SJIS".into()))
        );
    }

    #[test]
    fn japanese_text_goes_there_and_back_in_each_set() {
        for set in [Charset::Utf8, Charset::Iso2022Jp, Charset::ShiftJis] {
            let bytes = set.encode("表^ソウタ 山田");
            assert_eq!(
                set.decode(&bytes).as_deref(),
                Some("表^ソウタ 山田"),
                "{set}"
            );
        }
        assert_eq!(Charset::ShiftJis.encode("表"), b"\x95\x5c");
        assert_eq!(Charset::Iso2022Jp.encode("山"), b"\x1b$B;3\x1b(B");
    }

    #[test]
    fn a_character_the_set_lacks_is_written_as_a_question_mark() {
        assert_eq!(Charset::ShiftJis.encode("a😀b"), b"a?b");
        assert_eq!(Charset::Iso2022Jp.encode("山😀"), b"\x1b$B;3\x1b(B?");
    }

    #[test]
    fn bytes_invalid_in_the_set_do_not_decode() {
        assert_eq!(Charset::Utf8.decode(b"\xff"), None);
        assert_eq!(Charset::ShiftJis.decode(b"\x95"), None);
        assert_eq!(Charset::Iso2022Jp.decode(b"\x1b$B\xff\xff"), None);
    }
}
