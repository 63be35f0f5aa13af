//! AIM symbology identifiers (ISO/IEC 15424): the `]` + code character +
//! modifier character a scanner puts before the data when configured to,
//! e.g. `]d2` for GS1 DataMatrix.
//!
//! The identifier is what tells GS1 data from plain data: the same
//! characters mean element strings after `]d2` and plain text after `]d1`.
//! Which identifiers carry GS1 data, and how EAN/UPC is read, follows the
//! GS1 reference engine (gs1encoders, `scandata.c`): `]C1`, `]d2`, `]Q3`,
//! `]J1` and `]e0` carry AI element strings; `]E0` (EAN-13, UPC-A and
//! UPC-E, transmitted as 13 digits) and `]E4` (EAN-8) carry a GTIN, with an
//! optional composite component `|]e0…`; `]d1`, `]Q1` and `]J0` carry plain
//! data, which may be a GS1 Digital Link URI. Any other well-formed
//! identifier (`]C0` Code 128, `]A0` Code 39, `]I1` ITF, `]E3` EAN with an
//! add-on, …) is kept but is not GS1 (the engine does not read them).

use std::borrow::Cow;

/// How the data after an identifier is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// GS1 element strings, FNC1 in first position implied, GS (0x1D) as
    /// the separator: `]C1`, `]d2`, `]Q3`, `]J1`, `]e0`.
    Gs1,
    /// 13 digits, the GTIN-13 of an EAN-13 (or a UPC-A / UPC-E, which
    /// scanners send as 13 digits): `]E0`.
    Ean13,
    /// 8 digits, a GTIN-8: `]E4`.
    Ean8,
    /// Plain data from a symbology that can also carry GS1 data, where a
    /// GS1 Digital Link URI is GS1: `]d1`, `]Q1`, `]J0`.
    Plain,
    /// A symbology the GS1 engine does not read (plain Code 128, Code 39,
    /// ITF, EAN with add-on, PDF417, …).
    Other,
}

/// An AIM symbology identifier, e.g. `]d2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Symbology {
    /// `]`, the code character (a letter) and the modifier (a letter or
    /// digit): always ASCII.
    id: [u8; 3],
}

/// Known identifiers: reading mode, name and code. `]C1` … `]J1` are the ones
/// GS1 data arrives in; the rest are common in clinics (accession numbers
/// in Code 128 / Code 39 / ITF / Codabar, PDF417 on documents).
fn known(id: [u8; 3]) -> Option<(Mode, &'static str, &'static str)> {
    // A match on the bytes: this runs once per scan on the hot path.
    Some(match &id {
        b"]C1" => (Mode::Gs1, "GS1-128", "]C1"),
        b"]d2" => (Mode::Gs1, "GS1 DataMatrix", "]d2"),
        b"]Q3" => (Mode::Gs1, "GS1 QR Code", "]Q3"),
        b"]e0" => (Mode::Gs1, "GS1 DataBar / composite", "]e0"),
        b"]J1" => (Mode::Gs1, "GS1 DotCode", "]J1"),
        b"]E0" => (Mode::Ean13, "EAN-13 / UPC-A / UPC-E", "]E0"),
        b"]E4" => (Mode::Ean8, "EAN-8", "]E4"),
        b"]d1" => (Mode::Plain, "Data Matrix", "]d1"),
        b"]Q1" => (Mode::Plain, "QR Code", "]Q1"),
        b"]J0" => (Mode::Plain, "DotCode", "]J0"),
        b"]C0" => (Mode::Other, "Code 128", "]C0"),
        b"]A0" => (Mode::Other, "Code 39", "]A0"),
        b"]I0" => (Mode::Other, "Interleaved 2 of 5", "]I0"),
        b"]I1" => (Mode::Other, "Interleaved 2 of 5 (check digit)", "]I1"),
        b"]F0" => (Mode::Other, "Codabar", "]F0"),
        b"]L2" => (Mode::Other, "PDF417", "]L2"),
        b"]E3" => (Mode::Other, "EAN / UPC with add-on", "]E3"),
        _ => return None,
    })
}

impl Symbology {
    pub const GS1_128: Symbology = Symbology { id: *b"]C1" };
    pub const GS1_DATAMATRIX: Symbology = Symbology { id: *b"]d2" };
    pub const GS1_QR: Symbology = Symbology { id: *b"]Q3" };
    pub const DATAMATRIX: Symbology = Symbology { id: *b"]d1" };
    pub const QR: Symbology = Symbology { id: *b"]Q1" };
    pub const CODE128: Symbology = Symbology { id: *b"]C0" };

    /// The identifier a scan's bytes start with, if any: `]`, a letter, a
    /// letter or digit. The drivers' framer reads it the same way, from the
    /// same function, so a scan's identifier is the same whichever way it
    /// came in.
    pub fn sniff(bytes: &[u8]) -> Option<Symbology> {
        kentai_drivers::framing::sniff_aim(bytes).map(|id| Symbology { id })
    }

    /// The identifier `code` (`"]d2"`), if it is exactly one.
    pub fn from_code(code: &str) -> Option<Symbology> {
        Symbology::sniff(code.as_bytes()).filter(|_| code.len() == 3)
    }

    /// Splits a scan into its identifier and the data after it, when it
    /// starts with one.
    pub fn split(scan: &str) -> Option<(Symbology, &str)> {
        let sym = Symbology::sniff(scan.as_bytes())?;
        Some((sym, scan.get(3..)?))
    }

    /// `"]d2"`.
    pub fn code(&self) -> &str {
        if let Some((_, _, code)) = known(self.id) {
            return code;
        }
        // Built only from ASCII (`from_code`), so this never falls back.
        std::str::from_utf8(&self.id).unwrap_or("]")
    }

    /// [`Symbology::mode`], and [`Symbology::code`] as a value a
    /// [`super::ParsedScan`] can keep: borrowed from the table for the
    /// identifiers kentai knows, so that parsing a scan does not allocate
    /// for it. One look at the table: the parser wants both for every scan.
    pub(crate) fn mode_and_code(&self) -> (Mode, Cow<'static, str>) {
        match known(self.id) {
            Some((mode, _, code)) => (mode, Cow::Borrowed(code)),
            None => (Mode::Other, Cow::Owned(self.code().to_owned())),
        }
    }

    /// How the data after this identifier is read.
    pub fn mode(&self) -> Mode {
        known(self.id).map_or(Mode::Other, |(m, _, _)| m)
    }

    /// Whether the data after it is GS1 element strings or a GTIN (not
    /// counting Digital Link URIs in plain data).
    pub fn carries_gs1(&self) -> bool {
        matches!(self.mode(), Mode::Gs1 | Mode::Ean13 | Mode::Ean8)
    }

    /// Whether the reference engine reads this identifier at all.
    pub fn supported_by_gs1(&self) -> bool {
        self.mode() != Mode::Other
    }

    /// A name for messages ("GS1 DataMatrix"), or the code when unknown.
    pub fn name(&self) -> &str {
        known(self.id).map_or_else(|| self.code(), |(_, n, _)| n)
    }
}

impl std::fmt::Display for Symbology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_identifiers_are_told_from_plain_ones() {
        for code in ["]C1", "]d2", "]Q3", "]e0", "]J1"] {
            let s = Symbology::from_code(code).unwrap();
            assert_eq!(s.mode(), Mode::Gs1, "{code}");
            assert!(s.carries_gs1());
            assert_eq!(s.code(), code);
        }
        assert_eq!(Symbology::from_code("]E0").unwrap().mode(), Mode::Ean13);
        assert_eq!(Symbology::from_code("]E4").unwrap().mode(), Mode::Ean8);
        for code in ["]d1", "]Q1", "]J0"] {
            assert_eq!(Symbology::from_code(code).unwrap().mode(), Mode::Plain);
        }
        for code in ["]C0", "]A0", "]I1", "]F0", "]L2", "]X9", "]E3"] {
            let s = Symbology::from_code(code).unwrap();
            assert_eq!(s.mode(), Mode::Other, "{code}");
            assert!(!s.supported_by_gs1());
        }
    }

    #[test]
    fn only_a_bracket_a_letter_and_a_letter_or_digit_make_an_identifier() {
        assert!(Symbology::from_code("]d").is_none());
        assert!(Symbology::from_code("]1d").is_none());
        assert!(Symbology::from_code("[d2").is_none());
        assert!(Symbology::from_code("]d2x").is_none());
        assert!(Symbology::from_code("]d\u{1d}").is_none());
        let (s, rest) = Symbology::split("]d2010950").unwrap();
        assert_eq!((s.code(), rest), ("]d2", "010950"));
        assert!(Symbology::split("]é").is_none());
        assert_eq!(Symbology::GS1_128.name(), "GS1-128");
        assert_eq!(Symbology::from_code("]Z7").unwrap().name(), "]Z7");
    }
}
