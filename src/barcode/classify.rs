//! What a scan is for kentai (README, "Barcode kinds"): a specimen tube, a collection kit,
//! a patient, a storage location, a package or a command.
//!
//! GS1 data says what it is by its AIs:
//!
//! | AIs | kind |
//! | --- | --- |
//! | `(00)` SSCC | package |
//! | `(01)` GTIN [+ `(17)` `(10)` `(21)`] | kit |
//! | `(8018)` GSRN + `(8019)` SRIN | specimen tube |
//! | `(8004)` GIAI | location when known as one, else specimen tube |
//! | `(414)` GLN [+ `(254)`] | location |
//! | `(8018)` alone | patient |
//!
//! checked in that order (a logistics label with `(00)` and `(01)` is the
//! package's). Plain (non-GS1) codes say nothing about themselves, so they
//! are looked up (README, "Barcode kinds"): a known location, specimen or package, in that
//! order; `KTCMD:…` is a command. A plain code the store does not know is
//! read by the site's rule, never by the order of scans ([`CodePatterns`],
//! `[scanning] patient_pattern` and `tube_pattern`): a patient, a new
//! tube, `Ambiguous` when both patterns match it and `Unknown` when
//! neither does.
//!
//! GS1 identities become kentai ids as bracketed element strings of their
//! identifying AIs, in a fixed order: a tube `(8018)GSRN(8019)SRIN`, a GIAI
//! `(8004)GIAI`, a location `(414)GLN(254)EXT`. That text is what `kentai
//! barcode parse` prints as `element_string`, it is the same whatever
//! symbology or Digital Link URI carried the data, it holds no control
//! characters, and it fits a specimen id (at most 40 characters for a
//! tube). A label kentai prints for specimen `(8018)…(8019)…` therefore
//! scans back to that very id: [`gs1_id_elements`] gives the elements to
//! print.

use super::ParsedScan;
use kentai_domain::packaging::ChecklistItem;
use kentai_domain::results::TestResult;
use regex::Regex;

/// The default `[scanning] patient_pattern`: `P`, an optional hyphen and
/// 1–12 digits (`P-000201`, `P12`).
pub const DEFAULT_PATIENT_PATTERN: &str = "P-?[0-9]{1,12}";

/// The default `[scanning] tube_pattern`: a digit or a capital letter
/// other than `P`, then up to 39 capitals, digits and hyphens (`T-0001`,
/// `2026110001`). It never matches a default patient number, so the two
/// kinds cannot be mistaken for each other.
pub const DEFAULT_TUBE_PATTERN: &str = "[0-9A-OQ-Z][0-9A-Z-]{0,39}";

/// A site's pattern that is not a regular expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("scanning.{key}: {message}")]
pub struct PatternError {
    pub key: &'static str,
    pub message: String,
}

/// How a site tells its plain patient and tube barcodes apart: two
/// regular expressions, each matched against the whole code (they are
/// anchored here, so a pattern can never match a mere part of a code).
#[derive(Debug, Clone)]
pub struct CodePatterns {
    patient: Regex,
    tube: Regex,
}

/// What a plain code reads as by the patterns alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainKind {
    Patient,
    Tube,
    Neither,
    Both,
}

impl CodePatterns {
    pub fn new(patient: &str, tube: &str) -> Result<CodePatterns, PatternError> {
        Ok(CodePatterns {
            patient: anchored("patient_pattern", patient)?,
            tube: anchored("tube_pattern", tube)?,
        })
    }

    pub fn kind(&self, code: &str) -> PlainKind {
        match (self.patient.is_match(code), self.tube.is_match(code)) {
            (true, false) => PlainKind::Patient,
            (false, true) => PlainKind::Tube,
            (false, false) => PlainKind::Neither,
            (true, true) => PlainKind::Both,
        }
    }
}

fn anchored(key: &'static str, pattern: &str) -> Result<Regex, PatternError> {
    if pattern.trim().is_empty() {
        return Err(PatternError {
            key,
            message: "the pattern is empty".into(),
        });
    }
    // `\A(?:…)\z`: whatever alternatives or anchors the site wrote, the
    // whole code must match, from its first character to its last.
    Regex::new(&format!("\\A(?:{pattern})\\z")).map_err(|e| PatternError {
        key,
        message: format!("not a regular expression: {e}"),
    })
}

/// Prefix of kentai's own command barcodes (plain Code 128): what follows is
/// a [`Command`] code, e.g. `KTCMD:tick:secondary.absorbent`.
pub const COMMAND_PREFIX: &str = "KTCMD:";

/// A site-printed command barcode, scanned with gloves on at the packing,
/// receiving or result desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Tick a checklist item (primary items apply to every tube).
    Tick(ChecklistItem),
    /// Un-tick a checklist item.
    Untick(ChecklistItem),
    /// Start a new package at the packing desk.
    NewPackage,
    /// Dispatch the current package.
    Dispatch,
    /// Receive the current package (receiving desk).
    Receive,
    /// Forget the station's current package / patient (start over).
    Cancel,
    /// The result of the tube just scanned, or of every tube scanned after
    /// it (the result desk).
    Result(TestResult),
}

impl Command {
    /// The text after [`COMMAND_PREFIX`].
    pub fn code(self) -> String {
        match self {
            Command::Tick(i) => format!("tick:{}", i.code()),
            Command::Untick(i) => format!("untick:{}", i.code()),
            Command::NewPackage => "new_package".into(),
            Command::Dispatch => "dispatch".into(),
            Command::Receive => "receive".into(),
            Command::Cancel => "cancel".into(),
            Command::Result(r) => format!("result:{}", r.code()),
        }
    }

    pub fn from_code(code: &str) -> Option<Command> {
        if let Some(item) = code.strip_prefix("tick:") {
            return ChecklistItem::from_code(item).map(Command::Tick);
        }
        if let Some(item) = code.strip_prefix("untick:") {
            return ChecklistItem::from_code(item).map(Command::Untick);
        }
        if let Some(result) = code.strip_prefix("result:") {
            return TestResult::from_code(result).map(Command::Result);
        }
        match code {
            "new_package" => Some(Command::NewPackage),
            "dispatch" => Some(Command::Dispatch),
            "receive" => Some(Command::Receive),
            "cancel" => Some(Command::Cancel),
            _ => None,
        }
    }

    /// The full barcode text.
    pub fn barcode_text(self) -> String {
        format!("{COMMAND_PREFIX}{}", self.code())
    }

    /// Every command a sheet may print: each checklist item except the
    /// forbidden `secondary.dry_ice`, then the actions, then the results.
    pub fn all() -> Vec<Command> {
        let mut out: Vec<Command> = ChecklistItem::ALL
            .into_iter()
            .filter(|i| *i != ChecklistItem::SecondaryDryIce)
            .map(Command::Tick)
            .collect();
        out.extend([
            Command::NewPackage,
            Command::Dispatch,
            Command::Receive,
            Command::Cancel,
        ]);
        out.extend(TestResult::ALL.map(Command::Result));
        out
    }
}

/// What a scan is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanKind {
    /// A specimen tube: its specimen id.
    Specimen(String),
    /// A collection kit's label: (01), and (17), (10), (21) when present.
    Kit {
        gtin: String,
        /// (17) as scanned, YYMMDD (a day of `00` is the month's end).
        expiry: Option<String>,
        lot: Option<String>,
        serial: Option<String>,
    },
    /// A patient: the GSRN of `(8018)`.
    Patient(String),
    /// A storage location: its code.
    Location(String),
    /// A package: its SSCC-18 (or its plain package id).
    Package(String),
    Command(Command),
    /// A plain code the store does not know that matches the tube pattern
    /// alone: a tube not registered yet.
    NewTube(String),
    /// A plain code the store does not know that matches both patterns.
    Ambiguous(String),
    /// Nothing kentai knows: the plain code, or a GS1 scan's element string.
    Unknown(String),
}

impl ScanKind {
    /// The `kind` of the API's scan outcome.
    pub fn code(&self) -> &'static str {
        match self {
            ScanKind::Specimen(_) | ScanKind::NewTube(_) => "specimen",
            ScanKind::Kit { .. } => "kit",
            ScanKind::Patient(_) => "patient",
            ScanKind::Location(_) => "location",
            ScanKind::Package(_) => "package",
            ScanKind::Command(_) => "command",
            ScanKind::Ambiguous(_) | ScanKind::Unknown(_) => "unknown",
        }
    }

    /// What the scan's outcome says it was read as.
    pub fn outcome_kind(&self) -> kentai_domain::OutcomeKind {
        use kentai_domain::OutcomeKind;
        match self {
            ScanKind::Specimen(_) | ScanKind::NewTube(_) => OutcomeKind::Specimen,
            ScanKind::Kit { .. } => OutcomeKind::Kit,
            ScanKind::Patient(_) => OutcomeKind::Patient,
            ScanKind::Location(_) => OutcomeKind::Location,
            ScanKind::Package(_) => OutcomeKind::Package,
            ScanKind::Command(_) => OutcomeKind::Command,
            ScanKind::Ambiguous(_) | ScanKind::Unknown(_) => OutcomeKind::Unknown,
        }
    }
}

/// What kentai has stored, for codes that do not say what they are.
pub trait Known {
    fn is_specimen(&self, id: &str) -> bool;
    fn is_location(&self, code: &str) -> bool;
    fn is_package(&self, id: &str) -> bool;
}

/// The bracketed element string of `pairs` in the order given:
/// `gs1_id(&[("8018", gsrn), ("8019", srin)])` is the specimen id of a
/// site-printed tube label.
pub fn gs1_id(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(ai, value)| format!("({ai}){value}"))
        .collect()
}

/// The AIs and values a kentai id made by [`classify`] from GS1 data stands
/// for, to print it as a GS1 symbol that scans back to the same id:
/// `(8018)`+`(8019)`, `(8004)`, `(414)`[+`(254)`]. `None` for any other id
/// (a plain accession number). Read by those shapes, not by splitting at
/// `(`: a GIAI or a location extension may hold `(` (GS1 character set 82
/// allows it), and it stays part of the value.
pub fn gs1_id_elements(id: &str) -> Option<Vec<(String, String)>> {
    let pair = |ai: &str, value: &str| (ai.to_string(), value.to_string());
    let digits = |v: &str, n: usize| v.len() == n && v.bytes().all(|b| b.is_ascii_digit());
    if let Some(giai) = id.strip_prefix("(8004)") {
        return (!giai.is_empty()).then(|| vec![pair("8004", giai)]);
    }
    if let Some(rest) = id.strip_prefix("(8018)") {
        let (gsrn, tail) = (rest.get(..18)?, rest.get(18..)?);
        let srin = tail.strip_prefix("(8019)")?;
        return (digits(gsrn, 18) && !srin.is_empty())
            .then(|| vec![pair("8018", gsrn), pair("8019", srin)]);
    }
    if let Some(rest) = id.strip_prefix("(414)") {
        let (gln, tail) = (rest.get(..13)?, rest.get(13..)?);
        if !digits(gln, 13) {
            return None;
        }
        if tail.is_empty() {
            return Some(vec![pair("414", gln)]);
        }
        let ext = tail.strip_prefix("(254)").filter(|e| !e.is_empty())?;
        return Some(vec![pair("414", gln), pair("254", ext)]);
    }
    None
}

/// What `scan` is (see the module's table); a plain code the store does
/// not know is `Unknown`.
pub fn classify(scan: &ParsedScan, known: &dyn Known) -> ScanKind {
    if scan.gs1 {
        classify_gs1(scan, known)
    } else {
        classify_plain(&scan.text, known)
    }
}

/// What `scan` is at a station: as [`classify`], and a plain code the
/// store does not know is read by the site's patterns (a patient, a new
/// tube, ambiguous, or unknown). GS1 data and commands keep their meaning
/// whatever the patterns say.
pub fn classify_at_desk(scan: &ParsedScan, known: &dyn Known, patterns: &CodePatterns) -> ScanKind {
    match classify(scan, known) {
        ScanKind::Unknown(code) if !scan.gs1 && !code.starts_with(COMMAND_PREFIX) => {
            match patterns.kind(&code) {
                PlainKind::Patient => ScanKind::Patient(code),
                PlainKind::Tube => ScanKind::NewTube(code),
                PlainKind::Both => ScanKind::Ambiguous(code),
                PlainKind::Neither => ScanKind::Unknown(code),
            }
        }
        kind => kind,
    }
}

fn classify_gs1(scan: &ParsedScan, known: &dyn Known) -> ScanKind {
    let owned = |v: Option<&str>| v.map(str::to_string);
    if let Some(sscc) = scan.get("00") {
        return ScanKind::Package(sscc.to_string());
    }
    if let Some(gtin) = scan.get("01") {
        return ScanKind::Kit {
            gtin: gtin.to_string(),
            expiry: owned(scan.get("17")),
            lot: owned(scan.get("10")),
            serial: owned(scan.get("21")),
        };
    }
    if let (Some(gsrn), Some(srin)) = (scan.get("8018"), scan.get("8019")) {
        return ScanKind::Specimen(gs1_id(&[("8018", gsrn), ("8019", srin)]));
    }
    if let Some(giai) = scan.get("8004") {
        // A GIAI marks an asset: a freezer or a tube. Locations are few and
        // registered beforehand, so a known one is the location, and the
        // bare GIAI is tried too for sites that registered it that way.
        let id = gs1_id(&[("8004", giai)]);
        if known.is_location(&id) {
            return ScanKind::Location(id);
        }
        if known.is_location(giai) {
            return ScanKind::Location(giai.to_string());
        }
        return ScanKind::Specimen(id);
    }
    if let Some(gln) = scan.get("414") {
        return ScanKind::Location(match scan.get("254") {
            Some(ext) => gs1_id(&[("414", gln), ("254", ext)]),
            None => gs1_id(&[("414", gln)]),
        });
    }
    if let Some(gsrn) = scan.get("8018") {
        return ScanKind::Patient(gsrn.to_string());
    }
    ScanKind::Unknown(scan.element_string())
}

fn classify_plain(text: &str, known: &dyn Known) -> ScanKind {
    if let Some(code) = text.strip_prefix(COMMAND_PREFIX) {
        return Command::from_code(code)
            .map(ScanKind::Command)
            .unwrap_or_else(|| ScanKind::Unknown(text.to_string()));
    }
    // The API's order: location, specimen, package. Sites keep the three
    // apart; this only settles a code that is somehow two of them.
    if known.is_location(text) {
        ScanKind::Location(text.to_string())
    } else if known.is_specimen(text) {
        ScanKind::Specimen(text.to_string())
    } else if known.is_package(text) {
        ScanKind::Package(text.to_string())
    } else {
        ScanKind::Unknown(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Element;

    /// A few stored codes of each kind.
    struct Stored;

    impl Known for Stored {
        fn is_specimen(&self, id: &str) -> bool {
            ["T-0001", "(8004)4912345TUBE9"].contains(&id)
        }
        fn is_location(&self, code: &str) -> bool {
            ["F-1", "(8004)4912345FRZ1", "4912345FRZ2"].contains(&code)
        }
        fn is_package(&self, id: &str) -> bool {
            id == "PKG-7"
        }
    }

    fn gs1(elements: &[(&str, &str)]) -> ParsedScan {
        ParsedScan {
            symbology: Some("]d2".into()),
            gs1: true,
            elements: elements
                .iter()
                .map(|(ai, value)| Element {
                    ai: ai.to_string().into(),
                    value: value.to_string(),
                })
                .collect(),
            text: String::new(),
        }
    }

    fn plain(text: &str) -> ParsedScan {
        ParsedScan {
            symbology: Some("]C0".into()),
            gs1: false,
            elements: Vec::new(),
            text: text.into(),
        }
    }

    fn s(v: &str) -> String {
        v.to_string()
    }

    #[test]
    fn scan_kinds_table() {
        use ScanKind::*;
        let cases: Vec<(ParsedScan, ScanKind)> = vec![
            // Tube: GSRN + SRIN, as its element string.
            (
                gs1(&[("8018", "049123450000000012"), ("8019", "17")]),
                Specimen(s("(8018)049123450000000012(8019)17")),
            ),
            // Tube: a GIAI that is no known location.
            (
                gs1(&[("8004", "4912345TUBE9")]),
                Specimen(s("(8004)4912345TUBE9")),
            ),
            (
                gs1(&[("8004", "4912345NEW")]),
                Specimen(s("(8004)4912345NEW")),
            ),
            // Tube: a known plain accession number.
            (plain("T-0001"), Specimen(s("T-0001"))),
            // Kit: (01) with whatever of (17), (10), (21) it has.
            (
                gs1(&[
                    ("01", "09506000134352"),
                    ("17", "261231"),
                    ("10", "ABC"),
                    ("21", "9"),
                ]),
                Kit {
                    gtin: s("09506000134352"),
                    expiry: Some(s("261231")),
                    lot: Some(s("ABC")),
                    serial: Some(s("9")),
                },
            ),
            (
                gs1(&[("01", "09506000134352")]),
                Kit {
                    gtin: s("09506000134352"),
                    expiry: None,
                    lot: None,
                    serial: None,
                },
            ),
            // Patient: a GSRN without an SRIN.
            (
                gs1(&[("8018", "049123450000000012")]),
                Patient(s("049123450000000012")),
            ),
            // Location: GLN + extension, a GLN, a known GIAI (either form).
            (
                gs1(&[("414", "4912345000019"), ("254", "FR1")]),
                Location(s("(414)4912345000019(254)FR1")),
            ),
            (
                gs1(&[("414", "4912345000019")]),
                Location(s("(414)4912345000019")),
            ),
            (
                gs1(&[("8004", "4912345FRZ1")]),
                Location(s("(8004)4912345FRZ1")),
            ),
            (gs1(&[("8004", "4912345FRZ2")]), Location(s("4912345FRZ2"))),
            (plain("F-1"), Location(s("F-1"))),
            // Package: an SSCC, even beside a GTIN; a known plain id.
            (
                gs1(&[("00", "049123450000000019")]),
                Package(s("049123450000000019")),
            ),
            (
                gs1(&[("00", "049123450000000019"), ("02", "09506000134352")]),
                Package(s("049123450000000019")),
            ),
            (plain("PKG-7"), Package(s("PKG-7"))),
            // Commands.
            (
                plain("KTCMD:tick:secondary.absorbent"),
                Command(super::Command::Tick(ChecklistItem::SecondaryAbsorbent)),
            ),
            (plain("KTCMD:dispatch"), Command(super::Command::Dispatch)),
            (
                plain("KTCMD:result:negative"),
                Command(super::Command::Result(TestResult::Negative)),
            ),
            (
                plain("KTCMD:result:inconclusive"),
                Command(super::Command::Result(TestResult::Inconclusive)),
            ),
            (plain("KTCMD:launch"), Unknown(s("KTCMD:launch"))),
            (
                plain("KTCMD:result:maybe"),
                Unknown(s("KTCMD:result:maybe")),
            ),
            (plain("KTCMD:result:"), Unknown(s("KTCMD:result:"))),
            // A plain code nobody knows: the station decides.
            (plain("P-12345"), Unknown(s("P-12345"))),
            // GS1 data with no identity kentai uses.
            (
                gs1(&[("17", "261231"), ("10", "ABC")]),
                Unknown(s("(17)261231(10)ABC")),
            ),
        ];
        for (scan, want) in cases {
            assert_eq!(classify(&scan, &Stored), want, "{scan:?}");
        }
    }

    fn defaults() -> CodePatterns {
        CodePatterns::new(DEFAULT_PATIENT_PATTERN, DEFAULT_TUBE_PATTERN).unwrap()
    }

    #[test]
    fn the_default_patterns_tell_patients_from_tubes_and_never_both() {
        let p = defaults();
        for code in ["P-000201", "P12", "P-1"] {
            assert_eq!(p.kind(code), PlainKind::Patient, "{code}");
        }
        for code in ["T-0001", "T-E2E-0001", "2026110001", "X", "NOPE-1"] {
            assert_eq!(p.kind(code), PlainKind::Tube, "{code}");
        }
        // P with letters, lower case, spaces: neither, never a guess.
        for code in ["P-HALF", "PKG-7", "t-1", "T 1", "", "P-0000000000001"] {
            assert_eq!(p.kind(code), PlainKind::Neither, "{code:?}");
        }
    }

    #[test]
    fn a_sites_pattern_matches_the_whole_code_never_a_part_of_it() {
        let p = CodePatterns::new("P[0-9]+", "[0-9]{6}|T[0-9]+").unwrap();
        assert_eq!(p.kind("P123"), PlainKind::Patient);
        assert_eq!(p.kind("XP123"), PlainKind::Neither, "a prefix");
        assert_eq!(p.kind("P123X"), PlainKind::Neither, "a suffix");
        // The alternation is anchored as a whole, not just its ends.
        assert_eq!(p.kind("123456"), PlainKind::Tube);
        assert_eq!(p.kind("1234567"), PlainKind::Neither);
        assert_eq!(p.kind("T1"), PlainKind::Tube);
        assert_eq!(p.kind("AT1"), PlainKind::Neither);
        assert_eq!(p.kind("P1\nT1"), PlainKind::Neither, "a second line");
        let both = CodePatterns::new("[0-9]+", "[0-9]{6}").unwrap();
        assert_eq!(both.kind("123456"), PlainKind::Both);
        assert_eq!(both.kind("12"), PlainKind::Patient);
    }

    #[test]
    fn a_pattern_that_is_not_a_regular_expression_names_its_key() {
        let e = CodePatterns::new("P-(", DEFAULT_TUBE_PATTERN).unwrap_err();
        assert_eq!(e.key, "patient_pattern");
        assert!(
            e.to_string().starts_with("scanning.patient_pattern:"),
            "{e}"
        );
        let e = CodePatterns::new(DEFAULT_PATIENT_PATTERN, " ").unwrap_err();
        assert_eq!(e.key, "tube_pattern");
    }

    #[test]
    fn at_a_desk_the_patterns_read_only_plain_codes_the_store_does_not_know() {
        use ScanKind::*;
        let p = defaults();
        let cases: Vec<(ParsedScan, ScanKind)> = vec![
            (plain("P-000201"), Patient(s("P-000201"))),
            (plain("T-9"), NewTube(s("T-9"))),
            (plain("P-HALF"), Unknown(s("P-HALF"))),
            // Known codes keep what the store says, whatever they look like.
            (plain("T-0001"), Specimen(s("T-0001"))),
            (plain("F-1"), Location(s("F-1"))),
            (plain("PKG-7"), Package(s("PKG-7"))),
            // Commands and GS1 keys keep their meaning.
            (plain("KTCMD:cancel"), Command(super::Command::Cancel)),
            (plain("KTCMD:launch"), Unknown(s("KTCMD:launch"))),
            (
                gs1(&[("8018", "049123450000000012")]),
                Patient(s("049123450000000012")),
            ),
            (
                gs1(&[("17", "261231"), ("10", "ABC")]),
                Unknown(s("(17)261231(10)ABC")),
            ),
        ];
        for (scan, want) in cases {
            assert_eq!(classify_at_desk(&scan, &Stored, &p), want, "{scan:?}");
        }
        let both = CodePatterns::new("[A-Z0-9-]+", "[A-Z0-9-]+").unwrap();
        assert_eq!(
            classify_at_desk(&plain("AB-1"), &Stored, &both),
            Ambiguous(s("AB-1"))
        );
    }

    #[test]
    fn a_command_is_only_plain_text() {
        // GS1 data never is a command, whatever its text.
        let mut scan = gs1(&[("10", "KTCMD:dispatch")]);
        scan.text = "KTCMD:dispatch".into();
        assert_eq!(
            classify(&scan, &Stored),
            ScanKind::Unknown("(10)KTCMD:dispatch".into())
        );
    }

    #[test]
    fn a_tube_id_from_gs1_reads_back_to_the_elements_it_was_made_of() {
        let pairs = [("8018", "049123450000000012"), ("8019", "4711")];
        let id = gs1_id(&pairs);
        assert_eq!(id, "(8018)049123450000000012(8019)4711");
        let back = gs1_id_elements(&id).unwrap();
        assert_eq!(
            back,
            pairs
                .iter()
                .map(|(a, v)| (a.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        );
        // And the scan of those elements classifies to the same id.
        let scan = gs1(&pairs);
        assert_eq!(classify(&scan, &Stored), ScanKind::Specimen(id.clone()));
        assert!(id.len() <= kentai_domain::ids::MAX_CODE_LEN);
        // Every GS1 id classify makes reads back, `(` in a value included.
        let shapes: [&[(&str, &str)]; 4] = [
            &[("8004", "4912345AB(12)C")],
            &[("414", "4912345000019")],
            &[("414", "4912345000019"), ("254", "FR(1)")],
            &[("8018", "049123450000000012"), ("8019", "1")],
        ];
        for pairs in shapes {
            let owned: Vec<(String, String)> = pairs
                .iter()
                .map(|(a, v)| (a.to_string(), v.to_string()))
                .collect();
            assert_eq!(gs1_id_elements(&gs1_id(pairs)), Some(owned), "{pairs:?}");
        }
        for plain_id in [
            "T-0001",
            "",
            "(80x)1",
            "(8018",
            "(8004)",
            "(8018)04912345000000001(8019)1",
            "(8018)049123450000000012",
            "(8018)049123450000000012(8019)",
            "(414)491234500001",
            "(414)4912345000019(254)",
            "(414)4912345000019X",
            "(01)09506000134352",
        ] {
            assert_eq!(gs1_id_elements(plain_id), None, "{plain_id}");
        }
    }

    #[test]
    fn every_form_of_one_label_classifies_to_the_same_thing() {
        // Through the real parser: scan data, element string, Digital Link.
        let tube = "(8018)049123450000000019(8019)17";
        let kit = ScanKind::Kit {
            gtin: s("09506000134352"),
            expiry: Some(s("270331")),
            lot: Some(s("A/7")),
            serial: Some(s("9")),
        };
        let cases = [
            (
                "]d28018049123450000000019\u{1d}801917",
                ScanKind::Specimen(s(tube)),
            ),
            (tube, ScanKind::Specimen(s(tube))),
            (
                "https://id.gs1.org/8018/049123450000000019/8019/17",
                ScanKind::Specimen(s(tube)),
            ),
            ("]d201095060001343521727033110A/7\u{1d}219", kit.clone()),
            ("(01)09506000134352(17)270331(10)A/7(21)9", kit.clone()),
            (
                "https://id.gs1.org/01/09506000134352/10/A%2F7/21/9?17=270331",
                kit.clone(),
            ),
            ("]C0T-0001", ScanKind::Specimen(s("T-0001"))),
        ];
        for (raw, want) in cases {
            let scan = crate::parse(raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"));
            assert_eq!(classify(&scan, &Stored), want, "{raw:?}");
        }
    }

    #[test]
    fn scan_kinds_have_the_codes_api_md_names() {
        let kinds = [
            (ScanKind::Specimen(s("a")), "specimen"),
            (
                ScanKind::Kit {
                    gtin: s("1"),
                    expiry: None,
                    lot: None,
                    serial: None,
                },
                "kit",
            ),
            (ScanKind::Patient(s("a")), "patient"),
            (ScanKind::Location(s("a")), "location"),
            (ScanKind::Package(s("a")), "package"),
            (ScanKind::Command(Command::Cancel), "command"),
            (ScanKind::NewTube(s("a")), "specimen"),
            (ScanKind::Ambiguous(s("a")), "unknown"),
            (ScanKind::Unknown(s("a")), "unknown"),
        ];
        for (k, code) in kinds {
            assert_eq!(k.code(), code);
        }
    }

    #[test]
    fn every_command_reads_back_from_its_barcode_text() {
        for c in Command::all()
            .into_iter()
            .chain([Command::Untick(ChecklistItem::PrimaryWiped)])
        {
            let text = c.barcode_text();
            let code = text.strip_prefix(COMMAND_PREFIX).unwrap();
            assert_eq!(Command::from_code(code), Some(c), "{text}");
        }
        assert_eq!(Command::from_code("tick:secondary.nonsense"), None);
        assert_eq!(Command::from_code("launch"), None);
        for (code, result) in [
            ("result:positive", TestResult::Positive),
            ("result:negative", TestResult::Negative),
            ("result:inconclusive", TestResult::Inconclusive),
            ("result:invalid", TestResult::Invalid),
        ] {
            assert_eq!(Command::from_code(code), Some(Command::Result(result)));
            assert!(Command::all().contains(&Command::Result(result)), "{code}");
        }
        // Codes are exact: no case folding, no other spelling.
        for code in ["result:Negative", "result:neg", "result", "result:pending"] {
            assert_eq!(Command::from_code(code), None, "{code}");
        }
    }
}
