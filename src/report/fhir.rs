//! The day's report as FHIR R4 JSON (README, "The health centre's day report"): a `collection` Bundle,
//! written row by row so a day of any size streams in constant memory
//! (only a set of 16-byte ids of the patients and facilities already
//! written is kept, and the day's facility codes).
//!
//! The resources are structs borrowing the row's texts, serialised straight
//! into a buffer reused from row to row: no `serde_json::Value` tree and,
//! for most rows, no allocation, since a busy day is 100,000 rows and
//! ~190 MB of JSON.
//!
//! Each [`ReportRow`] becomes:
//! - a **Patient**, the first time the patient appears;
//! - an **Organization** for the facility, the first time it appears (the
//!   report's 医療機関 column; Observation and DiagnosticReport name it as
//!   their performer);
//! - a **Specimen**: the tube (its barcode as identifier), SNOMED CT type,
//!   collection time, container, and as notes 無症状 and the row's flags
//!   (注記) but the correction;
//! - when the row has a (released) result, an **Observation** (the test
//!   code: the assay's configured LOINC or the one method and specimen
//!   type give, and the assay's configured JLAC10; SNOMED CT qualitative
//!   value; the method and assay; the correction and its reason as a note;
//!   one component per Ct target) and a **DiagnosticReport** over it.
//!
//! Every resource's id is a UUID derived from a stable key (the patient
//! key, the tube barcode, the barcode and result version), so the same data
//! gives the same ids on every run, and a receiver can recognise a resource
//! it has seen before. Entries are `urn:uuid:` fullUrls, and references
//! point at them, as FHIR asks of a Bundle whose resources have no server.
//!
//! Texts are Japanese (from [`crate::domain::labels`]); codes come from the
//! tables below, with the English display the code systems give them.

use super::ReportRow;
use crate::domain::labels;
use crate::domain::messages::RuleMsg;
use crate::domain::registration::Flag;
use crate::domain::results::{TestMethod, TestResult};
use crate::domain::specimen_type::SpecimenType;
use crate::domain::{Lang, RuleCode};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SecondsFormat, Timelike};
use serde::ser::{Error as _, Serializer};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::{self, Write};
use std::str::Utf8Error;

/// The media type of FHIR's JSON format, to serve the bundle with.
pub const CONTENT_TYPE: &str = "application/fhir+json; charset=utf-8";

pub const SNOMED_CT: &str = "http://snomed.info/sct";
pub const LOINC: &str = "http://loinc.org";
/// JLAC10 (MEDIS 臨床検査項目コード, 17 digits) as JP Core's lab result
/// code system names it; JP-CLINS fixes its JLAC10 coding to exactly this
/// system.
pub const JLAC10: &str = "urn:oid:1.2.392.200119.4.504";
pub const UCUM: &str = "http://unitsofmeasure.org";
pub const DATA_ABSENT_REASON: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";

/// kentai's own identifier systems: URNs, since kentai has no web home
/// that could own URLs for them.
pub const PATIENT_SYSTEM: &str = "urn:kentai:patient";
pub const SPECIMEN_SYSTEM: &str = "urn:kentai:specimen";
pub const FACILITY_SYSTEM: &str = "urn:kentai:facility";
pub const REPORT_SYSTEM: &str = "urn:kentai:report";
/// The targets of a PCR assay (`N1`, `RP`) as the site's `[[assay]]` names
/// them: no public code system has them, and LOINC's Ct terms name a gene
/// and a specimen kentai cannot tell from a target's name.
pub const CT_TARGET_SYSTEM: &str = "urn:kentai:ct-target";

/// A code of an external code system with the display it gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub display: &'static str,
}

const fn code(code: &'static str, display: &'static str) -> Code {
    Code { code, display }
}

/// SNOMED CT specimen concept for a kentai specimen type code (`sputum`,
/// …); `None` for a code kentai does not know.
///
/// Each code checked against published tables: the FHIR spec's ConceptMap
/// v2-0487 → SNOMED CT, the IPS and CH ELM specimen value sets, CDC
/// ReportStream's specimen value sets and the German MII examples.
/// Preferred terms as displays.
pub fn specimen_type_snomed(specimen_type: &str) -> Option<Code> {
    SpecimenType::from_code(specimen_type).map(specimen_snomed)
}

fn specimen_snomed(t: SpecimenType) -> Code {
    match t {
        // 119334006 |Sputum specimen (specimen)|
        SpecimenType::Sputum => code("119334006", "Sputum specimen"),
        // 445447003 |Specimen from trachea obtained by aspiration (specimen)|
        // (so in COVID-19 specimen value sets; one ReportStream schema page
        // lists it as "Exhaled air specimen", a slip in that page).
        SpecimenType::TrachealAspirate => {
            code("445447003", "Specimen from trachea obtained by aspiration")
        }
        // 258500001 |Nasopharyngeal swab (specimen)|
        SpecimenType::NasopharyngealSwab => code("258500001", "Nasopharyngeal swab"),
        // 258560004 |Oral saliva sample (specimen)|: saliva the patient
        // spits, as the manual's self-collected 1–2 mL.
        SpecimenType::Saliva => code("258560004", "Oral saliva sample"),
        // 119364003 |Serum specimen (specimen)|: acute and convalescent
        // are the same kind of specimen; timing is in the collection time.
        SpecimenType::SerumAcute | SpecimenType::SerumConvalescent => {
            code("119364003", "Serum specimen")
        }
        // 119339001 |Stool specimen (specimen)|
        SpecimenType::Stool => code("119339001", "Stool specimen"),
        // 258580003 |Whole blood specimen (specimen)|
        SpecimenType::WholeBlood => code("258580003", "Whole blood specimen"),
        // 122575003 |Urine specimen (specimen)|
        SpecimenType::Urine => code("122575003", "Urine specimen"),
        // 119376003 |Tissue specimen (specimen)|: SNOMED CT has no
        // "autopsy tissue" specimen; the autopsy is how it was taken.
        SpecimenType::AutopsyTissue => code("119376003", "Tissue specimen"),
    }
}

/// SNOMED CT qualifier for a kentai result code (`positive`, …).
///
/// Detected / Not detected / Inconclusive are the HL7 COVID-19 library's
/// value set (detected-not-detected-value-set). Invalid is
/// 455371000124106 |Invalid result (qualifier value)|, a concept of the US
/// extension (namespace 1000124), as CDC's ReportStream sends it: the
/// International Edition has no "invalid".
pub fn result_snomed(result: &str) -> Option<Code> {
    TestResult::from_code(result).map(result_code)
}

fn result_code(r: TestResult) -> Code {
    match r {
        TestResult::Positive => code("260373001", "Detected"),
        TestResult::Negative => code("260415000", "Not detected"),
        TestResult::Inconclusive => code("419984006", "Inconclusive"),
        TestResult::Invalid => code("455371000124106", "Invalid result"),
    }
}

/// The LOINC test for a method × specimen type, or `None` when LOINC has
/// no term that fits; the Observation then carries text only, rather than
/// a code that claims a test kentai did not run.
///
/// All are SARS-CoV-2 [Presence] terms (PrThr, Ord): kentai records the
/// judgement, positive or negative, never a quantity. Checked on loinc.org
/// and in the HL7 COVID-19 FHIR Profile Library. LOINC 2.76 renamed the
/// System "Respiratory" to "Respiratory system specimen"; displays use the
/// current names.
pub fn test_loinc(method: &str, specimen_type: &str) -> Option<Code> {
    let method = TestMethod::from_code(method)?;
    let specimen_type = SpecimenType::from_code(specimen_type)?;
    loinc(method, specimen_type)
}

fn loinc(method: TestMethod, t: SpecimenType) -> Option<Code> {
    use SpecimenType as S;
    use TestMethod as M;
    // Sputum, tracheal aspirate and nasopharyngeal swab are LOINC's
    // "Respiratory system specimen"; saliva (oral fluid) is a System of
    // its own in LOINC (94845-5), so the respiratory terms do not cover it.
    let respiratory = matches!(t, S::Sputum | S::TrachealAspirate | S::NasopharyngealSwab);
    match method {
        M::Pcr => Some(match t {
            _ if respiratory => code(
                "94500-6",
                "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory system specimen by NAA with probe detection",
            ),
            S::Saliva => code(
                "94845-5",
                "SARS-CoV-2 (COVID-19) RNA [Presence] in Saliva (oral fluid) by NAA with probe detection",
            ),
            S::SerumAcute | S::SerumConvalescent => code(
                "94660-8",
                "SARS-CoV-2 (COVID-19) RNA [Presence] in Serum or Plasma by NAA with probe detection",
            ),
            // 94309-2 is LOINC's "various specimens, including lower & upper
            // respiratory, serum, stool or urine" term: the specimen is the
            // Specimen resource's type (LOINC System XXX).
            _ => code(
                "94309-2",
                "SARS-CoV-2 (COVID-19) RNA [Presence] in Specimen by NAA with probe detection",
            ),
        }),
        // LAMP reads turbidity or a dye, not a probe: LOINC's "non-probe
        // detection". LOINC has that for respiratory specimens (95608-6;
        // 94565-9 is nasopharynx only) but for no other System kentai uses.
        M::Lamp if respiratory => Some(code(
            "95608-6",
            "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory system specimen by NAA with non-probe detection",
        )),
        M::Lamp => None,
        // 抗原定性 is the rapid (lateral-flow) kit: IA.rapid. No LOINC
        // antigen term for saliva or non-respiratory specimens was found.
        M::AntigenQualitative if respiratory => Some(code(
            "94558-4",
            "SARS-CoV-2 (COVID-19) Ag [Presence] in Respiratory system specimen by Rapid immunoassay",
        )),
        M::AntigenQualitative => None,
        // 抗原定量 is a laboratory immunoassay (CLEIA) whose judgement kentai
        // records: the non-rapid [Presence] term. LOINC has it for upper
        // respiratory specimens only, so for the nasopharyngeal swab only.
        M::AntigenQuantitative if t == S::NasopharyngealSwab => Some(code(
            "96119-3",
            "SARS-CoV-2 (COVID-19) Ag [Presence] in Upper respiratory specimen by Immunoassay",
        )),
        M::AntigenQuantitative => None,
    }
}

/// FHIR's administrative gender for the row's `sex`.
fn gender(sex: &str) -> &'static str {
    match sex {
        "male" => "male",
        "female" => "female",
        "other" => "other",
        _ => "unknown",
    }
}

/// A name-based UUID: the first 16 bytes of SHA-256 over
/// `kentai/<kind>/<key>`, marked as RFC 9562 version 8 (custom; its
/// appendix B.2 is this very SHA-256 scheme), since version 5 means SHA-1
/// with a namespace UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct StableId([u8; 16]);

impl StableId {
    fn new(kind: &str, key: &str) -> StableId {
        StableId::of(kind, &[key.as_bytes()])
    }

    /// The id of a key given in pieces: hashed one after the other, which
    /// is hashing them joined, so no key String is built per row.
    fn of(kind: &str, key: &[&[u8]]) -> StableId {
        let mut hasher = Sha256::new()
            .chain_update(b"kentai/")
            .chain_update(kind.as_bytes())
            .chain_update(b"/");
        for piece in key {
            hasher.update(piece);
        }
        let digest = hasher.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        bytes[6] = (bytes[6] & 0x0f) | 0x80;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        StableId(bytes)
    }

    /// `urn:uuid:xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx`, lower case as
    /// FHIR's `uuid` type requires, in a stack buffer: a row names each of
    /// its ids several times (id, fullUrl, references), so it is formatted
    /// once and borrowed.
    fn text(&self) -> IdText {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; IdText::LEN];
        out[..URN_UUID.len()].copy_from_slice(URN_UUID);
        let mut at = URN_UUID.len();
        for (i, byte) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                out[at] = b'-';
                at += 1;
            }
            out[at] = HEX[usize::from(byte >> 4)];
            out[at + 1] = HEX[usize::from(byte & 0x0f)];
            at += 2;
        }
        IdText(out)
    }
}

const URN_UUID: &[u8] = b"urn:uuid:";

/// A [`StableId`] as text: `urn:uuid:` and the UUID. The UUID alone is a
/// resource's `id`; the whole is its `fullUrl` and what references say.
struct IdText([u8; IdText::LEN]);

impl IdText {
    const LEN: usize = 9 + 36;

    fn urn(&self) -> Result<&str, Utf8Error> {
        std::str::from_utf8(&self.0)
    }

    fn uuid(&self) -> Result<&str, Utf8Error> {
        std::str::from_utf8(&self.0[URN_UUID.len()..])
    }
}

/// Serialises as the bare UUID: a resource's `id`, the Patient's
/// identifier.
#[derive(Clone, Copy)]
struct Uuid<'a>(&'a IdText);

impl Serialize for Uuid<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Hex digits and hyphens only: the error cannot happen.
        serializer.serialize_str(self.0.uuid().map_err(S::Error::custom)?)
    }
}

/// Serialises as `urn:uuid:…`: a fullUrl, a reference.
#[derive(Clone, Copy)]
struct Urn<'a>(&'a IdText);

impl Serialize for Urn<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.urn().map_err(S::Error::custom)?)
    }
}

fn patient_id(row: &ReportRow) -> StableId {
    if row.patient_key.is_empty() {
        // A row without a key must not merge with every other such row
        // into one Patient: it stands alone, keyed by its tube.
        StableId::new("patient-of-specimen", &row.specimen_id)
    } else {
        StableId::new("patient", &row.patient_key)
    }
}

/// The Observation's and the DiagnosticReport's ids, keyed
/// `<version>/<barcode>`: the version first, as digits it cannot be
/// confused with the barcode that follows.
fn result_ids(row: &ReportRow) -> io::Result<(StableId, StableId)> {
    // i32::MIN is 11 characters.
    let mut digits = [0u8; 11];
    let unused = {
        let mut rest = &mut digits[..];
        write!(rest, "{}", row.result_version.unwrap_or(1))?;
        rest.len()
    };
    let key = [
        &digits[..digits.len() - unused],
        b"/",
        row.specimen_id.as_bytes(),
    ];
    Ok((
        StableId::of("observation", &key),
        StableId::of("diagnostic-report", &key),
    ))
}

/// A text as FHIR's `string` type accepts it, or `None` when nothing is
/// left. The R4 JSON schema allows no whitespace but space, tab, CR and LF
/// (`^[ \r\n\t\S]+$`): the ideographic space of Japanese names and
/// addresses (U+3000) becomes a plain space, as JP Core asks of name texts
/// anyway; other control characters go.
///
/// Borrowed when nothing but the ends changes, as for most texts, so a row
/// allocates only for the texts that need cleaning.
fn fhir_text(s: &str) -> Option<Cow<'_, str>> {
    let clean = |c: char| match c {
        ' ' | '\t' | '\n' | '\r' => Some(c),
        '\u{feff}' => None,
        c if c.is_whitespace() => Some(' '),
        c if c.is_control() => None,
        c => Some(c),
    };
    // What `clean` keeps as it is, tested without its match: most texts
    // keep every character.
    let kept = |c: char| {
        if c.is_ascii() {
            matches!(c, ' '..='~' | '\t' | '\n' | '\r')
        } else {
            !(c == '\u{feff}' || c.is_whitespace() || c.is_control())
        }
    };
    let text = if s.chars().all(kept) {
        Cow::Borrowed(s.trim())
    } else {
        let cleaned: String = s.chars().filter_map(clean).collect();
        match cleaned.trim() {
            trimmed if trimmed.len() == cleaned.len() => Cow::Owned(cleaned),
            trimmed => Cow::Owned(trimmed.to_string()),
        }
    };
    (!text.is_empty()).then_some(text)
}

fn opt_text(s: Option<&str>) -> Option<Cow<'_, str>> {
    s.and_then(fhir_text)
}

/// `instant` / `dateTime`: seconds and the offset, as FHIR requires of an
/// instant.
fn instant(t: &DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A date or time as text, in a stack buffer: rows have two times, each
/// written up to three times, and chrono's formatting allocates each time.
/// What the fast path does not cover is chrono's own text.
enum Stamp<const N: usize> {
    Ascii([u8; N], usize),
    Chrono(String),
}

/// `YYYY-MM-DDThh:mm:ss` and `Z` or `±hh:mm`, as [`instant`] writes it.
type TimeText = Stamp<25>;
/// `YYYY-MM-DD`, as [`date`] writes it.
type DateText = Stamp<10>;

/// Two decimal digits of `v` (under 100) into `out`.
fn two_digits(out: &mut [u8], v: u32) {
    out[0] = b'0' + (v / 10 % 10) as u8;
    out[1] = b'0' + (v % 10) as u8;
}

fn put_date(out: &mut [u8], year: u32, month: u32, day: u32) {
    two_digits(&mut out[0..2], year / 100);
    two_digits(&mut out[2..4], year % 100);
    out[4] = b'-';
    two_digits(&mut out[5..7], month);
    out[7] = b'-';
    two_digits(&mut out[8..10], day);
}

impl TimeText {
    fn time(t: &DateTime<FixedOffset>) -> TimeText {
        let local = t.naive_local();
        let offset = t.offset().local_minus_utc();
        // Years beyond four digits take a sign, a leap second reads :60
        // and an offset with seconds is rounded: chrono knows how.
        let Ok(year) = u32::try_from(local.year()) else {
            return Stamp::Chrono(instant(t));
        };
        if year > 9999 || local.nanosecond() >= 1_000_000_000 || offset % 60 != 0 {
            return Stamp::Chrono(instant(t));
        }
        let mut out = [0u8; 25];
        put_date(&mut out, year, local.month(), local.day());
        out[10] = b'T';
        two_digits(&mut out[11..13], local.hour());
        out[13] = b':';
        two_digits(&mut out[14..16], local.minute());
        out[16] = b':';
        two_digits(&mut out[17..19], local.second());
        if offset == 0 {
            out[19] = b'Z';
            return Stamp::Ascii(out, 20);
        }
        out[19] = if offset < 0 { b'-' } else { b'+' };
        let minutes = offset.unsigned_abs() / 60;
        two_digits(&mut out[20..22], minutes / 60);
        out[22] = b':';
        two_digits(&mut out[23..25], minutes % 60);
        Stamp::Ascii(out, 25)
    }
}

impl DateText {
    fn date(d: NaiveDate) -> DateText {
        match u32::try_from(d.year()) {
            Ok(year) if year <= 9999 => {
                let mut out = [0u8; 10];
                put_date(&mut out, year, d.month(), d.day());
                Stamp::Ascii(out, 10)
            }
            // Beyond four digits %Y takes a sign: chrono's text.
            _ => Stamp::Chrono(date(d)),
        }
    }
}

impl<const N: usize> Stamp<N> {
    fn as_str(&self) -> Result<&str, Utf8Error> {
        match self {
            Stamp::Ascii(bytes, len) => std::str::from_utf8(&bytes[..*len]),
            Stamp::Chrono(text) => Ok(text),
        }
    }
}

impl<const N: usize> Serialize for Stamp<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Digits and punctuation only: the error cannot happen.
        serializer.serialize_str(self.as_str().map_err(S::Error::custom)?)
    }
}

// The resources as structs that borrow from the row and name constants as
// `&'static str`, serialised straight to JSON with no `Value` tree in
// between. Each resource lists its fields in the FHIR spec's order,
// starting with `resourceType` and `id`. The objects inside keep their
// keys in alphabetical order, as the `json!` maps that wrote them before
// had them (serde_json's map sorts keys), so the bundle's bytes did not
// change with the structs.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a, R> {
    full_url: Urn<'a>,
    resource: &'a R,
}

/// `{"system","value"}`: an Identifier, or a ContactPoint.
#[derive(Serialize)]
struct Identifier<V> {
    system: &'static str,
    value: V,
}

/// A code as a Coding: a site's configured code (LOINC, JLAC10) or a
/// target's name has no display kentai could vouch for.
#[derive(Serialize)]
struct Coding<'a> {
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display: Option<&'static str>,
    system: &'static str,
}

impl Coding<'static> {
    fn of(system: &'static str, c: Code) -> Coding<'static> {
        Coding {
            code: c.code,
            display: Some(c.display),
            system,
        }
    }
}

/// A CodeableConcept: `coding` when codes fit (at most two: LOINC and
/// JLAC10), `text` (Japanese, for people) when known.
#[derive(Serialize)]
struct Concept<'a, T> {
    #[serde(skip_serializing_if = "Present::is_empty")]
    coding: Present<Coding<'a>, 2>,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<T>,
}

/// `None` when neither a code nor a text is known.
fn concept<T>(
    system: &'static str,
    c: Option<Code>,
    text: Option<T>,
) -> Option<Concept<'static, T>> {
    if c.is_none() && text.is_none() {
        return None;
    }
    Some(Concept {
        coding: Present([c.map(|c| Coding::of(system, c)), None]),
        text,
    })
}

/// A category: one coding and no text.
fn category(system: &'static str, code: &'static str) -> [Concept<'static, &'static str>; 1] {
    [Concept {
        coding: Present([
            Some(Coding {
                code,
                display: Some("Laboratory"),
                system,
            }),
            None,
        ]),
        text: None,
    }]
}

/// `s` as FHIR's `code` type accepts it (`^[^\s]+(\s[^\s]+)*$`), or `None`:
/// a configured code or a target's name with stray spaces is no code.
fn fhir_code(s: &str) -> Option<&str> {
    let mut previous_space = true;
    for c in s.chars() {
        let space = c.is_whitespace();
        if space && (previous_space || c != ' ') {
            return None;
        }
        previous_space = space;
    }
    (!previous_space).then_some(s)
}

#[derive(Serialize)]
struct Reference<'a> {
    reference: Urn<'a>,
}

fn reference(id: &IdText) -> Reference<'_> {
    Reference { reference: Urn(id) }
}

/// `{"text": …}`: an Address, an Annotation, a CodeableConcept with text
/// only.
#[derive(Serialize)]
struct Text<T> {
    text: T,
}

/// JP Core's way to give a name twice: the written name (IDE,
/// ideographic) and its reading in kana (SYL, syllabic), both official.
#[derive(Serialize)]
struct HumanName<'a> {
    extension: [Extension; 1],
    text: Cow<'a, str>,
    #[serde(rename = "use")]
    use_: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Extension {
    url: &'static str,
    value_code: &'static str,
}

fn human_name<'a>(representation: &'static str, text: Cow<'a, str>) -> HumanName<'a> {
    HumanName {
        extension: [Extension {
            url: "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation",
            value_code: representation,
        }],
        text,
        use_: "official",
    }
}

/// The items of a list that are there: at most `N`, with no Vec per row.
struct Present<T, const N: usize>([Option<T>; N]);

impl<T, const N: usize> Present<T, N> {
    fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }
}

impl<T: Serialize, const N: usize> Serialize for Present<T, N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().flatten())
    }
}

/// What the test was, in Japanese: "SARS-CoV-2 核酸増幅検査（PCR）・喀痰",
/// written piece by piece into the output rather than formatted into a
/// String per row. The only code when LOINC has none.
enum TestText<'a> {
    Test {
        method: Cow<'a, str>,
        specimen: Option<Cow<'a, str>>,
    },
    /// Neither a code nor a method nor a specimen type: what is known,
    /// since Observation.code is required.
    Unknown,
}

fn test_text<'a>(row: &'a ReportRow, specimen_type: Option<SpecimenType>) -> Option<TestText<'a>> {
    let method = TestMethod::from_code(&row.test_method)
        .map(|m| Cow::Borrowed(labels::test_method_ja(m)))
        .or_else(|| fhir_text(&row.test_method))?;
    let specimen = specimen_type
        .map(|t| Cow::Borrowed(labels::specimen_type_ja(t)))
        .or_else(|| fhir_text(&row.specimen_type));
    Some(TestText::Test { method, specimen })
}

impl fmt::Display for TestText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SARS-CoV-2")?;
        if let TestText::Test { method, specimen } = self {
            f.write_str(" ")?;
            f.write_str(method)?;
            if let Some(s) = specimen {
                f.write_str("・")?;
                f.write_str(s)?;
            }
        }
        Ok(())
    }
}

impl Serialize for TestText<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // serde_json escapes each piece as it goes: the same string as
        // the pieces joined.
        serializer.collect_str(self)
    }
}

/// The Observation's and DiagnosticReport's `code`: the LOINC the site
/// configures for the assay, else the one method and specimen type give;
/// the assay's JLAC10 when the site configures one (never derived: JLAC10
/// codes the lab's own analyte, specimen and method).
fn test_code<'a>(
    row: &'a ReportRow,
    specimen_type: Option<SpecimenType>,
) -> Concept<'a, TestText<'a>> {
    let derived = TestMethod::from_code(&row.test_method)
        .zip(specimen_type)
        .and_then(|(m, t)| loinc(m, t));
    let loinc = match row.loinc.as_deref().and_then(fhir_code) {
        // LOINC's display only when the configured code is the one kentai
        // knows; any other code goes without one rather than a wrong one.
        Some(configured) => Some(Coding {
            code: configured,
            display: derived.filter(|d| d.code == configured).map(|d| d.display),
            system: LOINC,
        }),
        None => derived.map(|c| Coding::of(LOINC, c)),
    };
    let jlac10 = row
        .jlac10
        .as_deref()
        .and_then(fhir_code)
        .map(|code| Coding {
            code,
            display: None,
            system: JLAC10,
        });
    let coding = Present([loinc, jlac10]);
    // Observation.code is required: with neither a code nor a method,
    // what is known.
    let text =
        test_text(row, specimen_type).or_else(|| coding.is_empty().then_some(TestText::Unknown));
    Concept { coding, text }
}

/// Observation.method: the method, and the assay it was run with.
fn method_text(row: &ReportRow) -> Option<Cow<'_, str>> {
    let method = TestMethod::from_code(&row.test_method).map(labels::test_method_ja);
    let assay = opt_text(row.assay.as_deref());
    let word = labels::report::ASSAY;
    match (method, assay) {
        (Some(m), None) => Some(Cow::Borrowed(m)),
        (Some(m), Some(a)) => Some(Cow::Owned(format!("{m}（{word}: {a}）"))),
        (None, Some(a)) => Some(Cow::Owned(format!("{word}: {a}"))),
        (None, None) => None,
    }
}

/// One Ct value of the result as an Observation.component: the target as
/// a local code with its name as text, the Ct as a UCUM quantity
/// (`{Ct_value}`, the unit of the HL7 COVID-19 library's Cycle Threshold
/// examples); an undetermined target (no amplification)
/// has no Ct at all, hence `dataAbsentReason` not-applicable ("there is no
/// proper value"), the one code of the value set bound to
/// component.dataAbsentReason that fits a test that ran.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Component<'a> {
    code: Concept<'a, Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data_absent_reason: Option<Concept<'static, &'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_quantity: Option<Quantity>,
}

#[derive(Serialize)]
struct Quantity {
    code: &'static str,
    system: &'static str,
    unit: &'static str,
    value: f64,
}

/// The Ct components in target order; none for a target without a name.
fn ct_components(row: &ReportRow) -> Vec<Component<'_>> {
    let Some(ct) = &row.ct else {
        return Vec::new();
    };
    ct.iter()
        .filter_map(|(target, value)| {
            let coding = fhir_code(target).map(|code| Coding {
                code,
                display: None,
                system: CT_TARGET_SYSTEM,
            });
            let text = fhir_text(target);
            if coding.is_none() && text.is_none() {
                return None;
            }
            Some(Component {
                code: Concept {
                    coding: Present([coding, None]),
                    text,
                },
                data_absent_reason: value.is_none().then_some(Concept {
                    coding: Present([
                        Some(Coding {
                            code: "not-applicable",
                            display: Some("Not Applicable"),
                            system: DATA_ABSENT_REASON,
                        }),
                        None,
                    ]),
                    text: Some(labels::report::CT_UNDETERMINED),
                }),
                value_quantity: value.map(|value| Quantity {
                    code: "{Ct_value}",
                    system: UCUM,
                    unit: "Ct",
                    value,
                }),
            })
        })
        .collect()
}

/// A flag as a note, worded as the CSV's 注記 item (the same labels, the
/// freeze–thaw count), with the rule code for machines and the flag's own
/// message: "発症後10日目以降の唾液（理由: …） [saliva_window_exceeded]: …".
fn flag_note(row: &ReportRow, flag: &Flag) -> Option<Text<String>> {
    let mut text = flag.code.title(Lang::Ja).to_string();
    if flag.code == RuleCode::FreezeThaw && row.freeze_thaw_count > 0 {
        text.push_str(&format!("（{}回）", row.freeze_thaw_count));
    }
    if let Some(reason) = flag.override_reason.as_deref().map(str::trim) {
        if !reason.is_empty() {
            text.push_str(&labels::report::override_reason(reason));
        }
    }
    text.push_str(&format!(" [{}]", flag.code.as_str()));
    let message = flag.message.render(crate::domain::Lang::Ja);
    if !message.trim().is_empty() {
        text.push_str(": ");
        text.push_str(&message);
    }
    fhir_text(&text).map(|t| Text {
        text: t.into_owned(),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BundleHead<'a> {
    resource_type: &'static str,
    id: Uuid<'a>,
    meta: Meta<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<Identifier<Cow<'a, str>>>,
    #[serde(rename = "type")]
    type_: &'static str,
    timestamp: &'a TimeText,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Meta<'a> {
    last_updated: &'a TimeText,
}

/// Writes a FHIR R4 `collection` Bundle to `out` as rows arrive.
///
/// Each row's entries are serialised into a buffer the writer keeps and
/// reuses, and go to `out` in one `write_all`: `out` needs no buffering of
/// its own. If a write fails the output is left cut short, not valid JSON;
/// the error says so.
pub struct FhirWriter<W: Write> {
    out: W,
    /// The row being written. serde_json writes a token at a time: cheap
    /// into a Vec, a call through `out` each otherwise.
    buf: Vec<u8>,
    entries: usize,
    /// Patients and facilities already written, by id: each is written
    /// once however many rows name it.
    patients: HashSet<StableId>,
    organizations: HashSet<StableId>,
    /// Facility codes as rows spell them, with their ids (none for a code
    /// with nothing in it), their Organization already written: a day has
    /// few facilities, and looking one up is cheaper than its SHA-256.
    facilities: HashMap<String, Option<StableId>>,
}

impl<W: Write> FhirWriter<W> {
    /// Writes the Bundle's opening: its id (stable for the report date and
    /// scope), identifier, type `collection` and timestamp. The entries
    /// follow: `"entry":[` comes with the first, since FHIR JSON has no
    /// empty arrays (a day with no rows is a Bundle without `entry`).
    /// `scope` is the facility code or `all`.
    pub fn start(
        mut out: W,
        report_date: NaiveDate,
        scope: &str,
        generated_at: DateTime<FixedOffset>,
    ) -> io::Result<Self> {
        let key = format!("{}/{}", date(report_date), scope);
        let id = StableId::new("report", &key).text();
        let generated = TimeText::time(&generated_at);
        let opening = BundleHead {
            resource_type: "Bundle",
            id: Uuid(&id),
            meta: Meta {
                last_updated: &generated,
            },
            identifier: fhir_text(&key).map(|k| Identifier {
                system: REPORT_SYSTEM,
                value: k,
            }),
            type_: "collection",
            timestamp: &generated,
        };
        // The object without its closing brace: `finish` closes it.
        let mut head = serde_json::to_vec(&opening)?;
        head.pop();
        out.write_all(&head)?;
        Ok(FhirWriter {
            out,
            buf: Vec::with_capacity(8 * 1024),
            entries: 0,
            patients: HashSet::new(),
            organizations: HashSet::new(),
            facilities: HashMap::new(),
        })
    }

    /// Writes the row's entries: Patient and Organization the first time
    /// they appear, the Specimen, and with a result its Observation and
    /// DiagnosticReport.
    pub fn row(&mut self, row: &ReportRow) -> io::Result<()> {
        self.buf.clear();
        let patient_id = patient_id(row);
        let patient = patient_id.text();
        if self.patients.insert(patient_id) {
            self.entry(&patient, &patient_resource(row, &patient))?;
        }
        let organization = match self.facilities.get(&row.facility_code) {
            Some(id) => id.map(|id| id.text()),
            None => self.new_facility(row)?,
        };
        let specimen_type = SpecimenType::from_code(&row.specimen_type);
        let collected = TimeText::time(&row.collected_at);
        let specimen = StableId::new("specimen", &row.specimen_id).text();
        let resource = specimen_resource(row, specimen_type, &specimen, &patient, &collected);
        self.entry(&specimen, &resource)?;
        if let Some(result) = row.result.as_deref() {
            let (observation, report) = result_ids(row)?;
            let (observation, report) = (observation.text(), report.text());
            let issued = row.resulted_at.as_ref().map(TimeText::time);
            let common = ResultCommon {
                status: status(row),
                code: test_code(row, specimen_type),
                patient: &patient,
                specimen: &specimen,
                organization: organization.as_ref(),
                effective: &collected,
                issued: issued.as_ref(),
            };
            let resource = observation_resource(row, result, &observation, &common);
            self.entry(&observation, &resource)?;
            let resource = report_resource(&report, &observation, &common);
            self.entry(&report, &resource)?;
        }
        self.out.write_all(&self.buf)
    }

    /// Closes the entry list and the Bundle, flushes, and hands the writer
    /// back.
    pub fn finish(mut self) -> io::Result<W> {
        let close: &[u8] = if self.entries > 0 { b"]}" } else { b"}" };
        self.out.write_all(close)?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// The Organization of a facility code not seen before, written unless
    /// another spelling of the code wrote it.
    fn new_facility(&mut self, row: &ReportRow) -> io::Result<Option<IdText>> {
        let code = fhir_text(&row.facility_code);
        let id = code.as_ref().map(|c| StableId::new("facility", c));
        self.facilities.insert(row.facility_code.clone(), id);
        let (Some(code), Some(id)) = (code, id) else {
            return Ok(None);
        };
        let text = id.text();
        if self.organizations.insert(id) {
            self.entry(&text, &organization_resource(row, &text, &code))?;
        }
        Ok(Some(text))
    }

    /// Adds an entry to the row's buffer.
    fn entry<R: Serialize>(&mut self, id: &IdText, resource: &R) -> io::Result<()> {
        let separator: &[u8] = if self.entries > 0 {
            b","
        } else {
            b",\"entry\":["
        };
        self.buf.extend_from_slice(separator);
        let entry = Entry {
            full_url: Urn(id),
            resource,
        };
        serde_json::to_writer(&mut self.buf, &entry)?;
        self.entries += 1;
        Ok(())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Patient<'a> {
    resource_type: &'static str,
    id: Uuid<'a>,
    identifier: [Identifier<Uuid<'a>>; 1],
    #[serde(skip_serializing_if = "Present::is_empty")]
    name: Present<HumanName<'a>, 2>,
    #[serde(skip_serializing_if = "Option::is_none")]
    telecom: Option<[Identifier<Cow<'a, str>>; 1]>,
    gender: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    birth_date: Option<DateText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<[Text<Cow<'a, str>>; 1]>,
}

fn patient_resource<'a>(row: &'a ReportRow, id: &'a IdText) -> Patient<'a> {
    Patient {
        resource_type: "Patient",
        id: Uuid(id),
        // The identifier is the stable id itself: the patient key may be
        // derived from personal data and never leaves kentai.
        identifier: [Identifier {
            system: PATIENT_SYSTEM,
            value: Uuid(id),
        }],
        name: Present([
            fhir_text(&row.name).map(|name| human_name("IDE", name)),
            opt_text(row.name_kana.as_deref()).map(|kana| human_name("SYL", kana)),
        ]),
        telecom: opt_text(row.phone.as_deref()).map(|p| {
            [Identifier {
                system: "phone",
                value: p,
            }]
        }),
        gender: gender(&row.sex),
        birth_date: row.birth_date.map(DateText::date),
        address: opt_text(row.address.as_deref()).map(|a| [Text { text: a }]),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Organization<'a> {
    resource_type: &'static str,
    id: Uuid<'a>,
    identifier: [Identifier<&'a str>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Cow<'a, str>>,
}

fn organization_resource<'a>(
    row: &'a ReportRow,
    id: &'a IdText,
    code: &'a str,
) -> Organization<'a> {
    Organization {
        resource_type: "Organization",
        id: Uuid(id),
        identifier: [Identifier {
            system: FACILITY_SYSTEM,
            value: code,
        }],
        name: fhir_text(&row.facility_name),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Specimen<'a> {
    resource_type: &'static str,
    id: Uuid<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<[Identifier<Cow<'a, str>>; 1]>,
    status: &'static str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    type_: Option<Concept<'static, Cow<'a, str>>>,
    subject: Reference<'a>,
    collection: Collection<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<[Container; 1]>,
    // Overrides, saliva without onset, −20 °C, freeze–thaw, an asymptomatic
    // patient: as notes, word for word, rather than squeezed into
    // Specimen.condition's v2 codes, which have none of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    note: Vec<Text<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Collection<'a> {
    collected_date_time: &'a TimeText,
}

#[derive(Serialize)]
struct Container {
    #[serde(rename = "type")]
    type_: Text<&'static str>,
}

fn specimen_resource<'a>(
    row: &'a ReportRow,
    specimen_type: Option<SpecimenType>,
    id: &'a IdText,
    patient: &'a IdText,
    collected: &'a TimeText,
) -> Specimen<'a> {
    let type_text = specimen_type
        .map(|t| Cow::Borrowed(labels::specimen_type_ja(t)))
        .or_else(|| fhir_text(&row.specimen_type));
    Specimen {
        resource_type: "Specimen",
        id: Uuid(id),
        identifier: fhir_text(&row.specimen_id).map(|barcode| {
            [Identifier {
                system: SPECIMEN_SYSTEM,
                value: barcode,
            }]
        }),
        status: "available",
        type_: concept(SNOMED_CT, specimen_type.map(specimen_snomed), type_text),
        subject: reference(patient),
        collection: Collection {
            collected_date_time: collected,
        },
        container: specimen_type.map(|t| {
            [Container {
                type_: Text {
                    text: labels::container_ja(t),
                },
            }]
        }),
        // No Vec is allocated for the many rows without notes.
        note: asymptomatic_note(row)
            .into_iter()
            .chain(
                row.flags
                    .iter()
                    // The correction is the result's: the Observation's note.
                    .filter(|f| f.code != RuleCode::CorrectedResult)
                    .filter_map(|f| flag_note(row, f)),
            )
            .collect(),
    }
}

/// The correction as the Observation's note, worded as 注記 words it:
/// "結果訂正（第2版、理由: …）".
fn correction_note(row: &ReportRow) -> Option<Text<String>> {
    let version = row.result_version.filter(|_| row.corrected)?;
    let message = RuleMsg::ResultCorrected {
        version,
        reason: row.correction_reason.clone(),
    }
    .render(crate::domain::Lang::Ja);
    fhir_text(&message).map(|t| Text {
        text: t.into_owned(),
    })
}

/// 無症状 as a note of the Specimen rather than the Observation: every row
/// has a Specimen, a result or not, and it is what the patient was when the
/// specimen was taken (the reason there is no onset date). A Condition
/// ("asymptomatic") is beyond what the report sends.
fn asymptomatic_note(row: &ReportRow) -> Option<Text<String>> {
    row.asymptomatic.then(|| Text {
        text: format!("{} [asymptomatic]", labels::report::ASYMPTOMATIC),
    })
}

fn status(row: &ReportRow) -> &'static str {
    if row.corrected {
        "corrected"
    } else {
        "final"
    }
}

/// What the Observation and the DiagnosticReport over it share, worked
/// out once for both.
struct ResultCommon<'a> {
    status: &'static str,
    code: Concept<'a, TestText<'a>>,
    patient: &'a IdText,
    specimen: &'a IdText,
    organization: Option<&'a IdText>,
    effective: &'a TimeText,
    issued: Option<&'a TimeText>,
}

impl ResultCommon<'_> {
    fn performer(&self) -> Option<[Reference<'_>; 1]> {
        self.organization.map(|o| [reference(o)])
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Observation<'a> {
    resource_type: &'static str,
    id: Uuid<'a>,
    status: &'static str,
    category: [Concept<'static, &'static str>; 1],
    code: &'a Concept<'a, TestText<'a>>,
    subject: Reference<'a>,
    effective_date_time: &'a TimeText,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued: Option<&'a TimeText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    performer: Option<[Reference<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_codeable_concept: Option<Concept<'static, Cow<'a, str>>>,
    /// Why the result shown corrects an earlier one.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<[Text<String>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<Text<Cow<'a, str>>>,
    specimen: Reference<'a>,
    /// The Ct per target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    component: Vec<Component<'a>>,
}

fn observation_resource<'a>(
    row: &'a ReportRow,
    result: &'a str,
    id: &'a IdText,
    common: &'a ResultCommon<'a>,
) -> Observation<'a> {
    let coded = TestResult::from_code(result);
    let value_text = coded
        .map(|r| Cow::Borrowed(labels::test_result_ja(r)))
        .or_else(|| fhir_text(result));
    Observation {
        resource_type: "Observation",
        id: Uuid(id),
        status: common.status,
        category: category(
            "http://terminology.hl7.org/CodeSystem/observation-category",
            "laboratory",
        ),
        code: &common.code,
        subject: reference(common.patient),
        effective_date_time: common.effective,
        issued: common.issued,
        performer: common.performer(),
        value_codeable_concept: concept(SNOMED_CT, coded.map(result_code), value_text),
        note: correction_note(row).map(|n| [n]),
        method: method_text(row).map(|text| Text { text }),
        specimen: reference(common.specimen),
        component: ct_components(row),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DiagnosticReport<'a> {
    resource_type: &'static str,
    id: Uuid<'a>,
    status: &'static str,
    category: [Concept<'static, &'static str>; 1],
    code: &'a Concept<'a, TestText<'a>>,
    subject: Reference<'a>,
    effective_date_time: &'a TimeText,
    #[serde(skip_serializing_if = "Option::is_none")]
    issued: Option<&'a TimeText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    performer: Option<[Reference<'a>; 1]>,
    specimen: [Reference<'a>; 1],
    result: [Reference<'a>; 1],
}

fn report_resource<'a>(
    id: &'a IdText,
    observation: &'a IdText,
    common: &'a ResultCommon<'a>,
) -> DiagnosticReport<'a> {
    DiagnosticReport {
        resource_type: "DiagnosticReport",
        id: Uuid(id),
        status: common.status,
        category: category("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB"),
        code: &common.code,
        subject: reference(common.patient),
        effective_date_time: common.effective,
        issued: common.issued,
        performer: common.performer(),
        specimen: [reference(common.specimen)],
        result: [reference(observation)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SNOMED CT identifiers end in a Verhoeff check digit: a typo in a
    /// code above fails here.
    fn verhoeff_ok(id: &str) -> bool {
        const D: [[u8; 10]; 10] = [
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
            [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
            [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
            [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
            [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
            [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
            [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
            [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
            [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
        ];
        const P: [[u8; 10]; 8] = [
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
            [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
            [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
            [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
            [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
            [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
            [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
        ];
        let mut c = 0u8;
        for (i, ch) in id.chars().rev().enumerate() {
            let Some(d) = ch.to_digit(10) else {
                return false;
            };
            c = D[c as usize][P[i % 8][d as usize] as usize];
        }
        c == 0
    }

    /// LOINC codes end in a mod-10 check digit after the hyphen (LOINC
    /// Users' Guide, appendix on check digits: Luhn's algorithm).
    fn loinc_check_ok(code: &str) -> bool {
        let Some((number, check)) = code.split_once('-') else {
            return false;
        };
        let mut sum = 0;
        for (i, ch) in number.chars().rev().enumerate() {
            let Some(d) = ch.to_digit(10) else {
                return false;
            };
            sum += if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            };
        }
        check == ((10 - sum % 10) % 10).to_string()
    }

    #[test]
    fn check_digit_helpers_reject_typos() {
        assert!(verhoeff_ok("260373001"));
        assert!(!verhoeff_ok("260373002"));
        assert!(loinc_check_ok("94500-6"));
        assert!(!loinc_check_ok("94500-5"));
    }

    #[test]
    fn every_specimen_type_has_a_valid_snomed_concept() {
        for t in SpecimenType::ALL {
            let c = specimen_type_snomed(t.code()).expect("every type is coded");
            assert!(verhoeff_ok(c.code), "{t:?} {}", c.code);
            // Partition 00: a concept of the International Edition.
            assert_eq!(&c.code[c.code.len() - 3..c.code.len() - 1], "00");
            assert!(!c.display.is_empty());
        }
        for (specimen_type, code) in [
            ("sputum", "119334006"),
            ("tracheal_aspirate", "445447003"),
            ("nasopharyngeal_swab", "258500001"),
            ("saliva", "258560004"),
            ("serum_acute", "119364003"),
            ("serum_convalescent", "119364003"),
            ("stool", "119339001"),
            ("whole_blood", "258580003"),
            ("urine", "122575003"),
            ("autopsy_tissue", "119376003"),
        ] {
            assert_eq!(
                specimen_type_snomed(specimen_type).map(|c| c.code),
                Some(code),
                "{specimen_type}"
            );
        }
        assert_eq!(specimen_type_snomed("nasal_wash"), None);
    }

    #[test]
    fn every_result_has_a_valid_snomed_qualifier() {
        let expected = [
            ("positive", "260373001"),
            ("negative", "260415000"),
            ("inconclusive", "419984006"),
            ("invalid", "455371000124106"),
        ];
        for (result, sct) in expected {
            let c = result_snomed(result).expect("coded");
            assert_eq!(c.code, sct);
            assert!(verhoeff_ok(c.code), "{result} {sct}");
        }
        // The invalid result is an extension concept (partition 10).
        assert_eq!(&"455371000124106"[12..14], "10");
        assert_eq!(result_snomed("maybe"), None);
    }

    #[test]
    fn loinc_table_by_method_and_specimen() {
        let l = |m: &str, t: &str| test_loinc(m, t).map(|c| c.code);
        for t in ["sputum", "tracheal_aspirate", "nasopharyngeal_swab"] {
            assert_eq!(l("pcr", t), Some("94500-6"));
            assert_eq!(l("lamp", t), Some("95608-6"));
            assert_eq!(l("antigen_qualitative", t), Some("94558-4"));
        }
        assert_eq!(l("pcr", "saliva"), Some("94845-5"));
        assert_eq!(l("pcr", "serum_acute"), Some("94660-8"));
        assert_eq!(l("pcr", "serum_convalescent"), Some("94660-8"));
        for t in ["stool", "whole_blood", "urine", "autopsy_tissue"] {
            assert_eq!(l("pcr", t), Some("94309-2"));
            assert_eq!(l("lamp", t), None);
            assert_eq!(l("antigen_qualitative", t), None);
            assert_eq!(l("antigen_quantitative", t), None);
        }
        assert_eq!(l("lamp", "saliva"), None);
        assert_eq!(l("antigen_qualitative", "saliva"), None);
        assert_eq!(
            l("antigen_quantitative", "nasopharyngeal_swab"),
            Some("96119-3")
        );
        assert_eq!(l("antigen_quantitative", "sputum"), None);
        assert_eq!(l("antigen_quantitative", "saliva"), None);
        assert_eq!(l("culture", "sputum"), None);
        assert_eq!(l("pcr", "nasal_wash"), None);
    }

    #[test]
    fn every_loinc_code_has_a_valid_check_digit() {
        for m in ["pcr", "lamp", "antigen_qualitative", "antigen_quantitative"] {
            for t in SpecimenType::ALL {
                if let Some(c) = test_loinc(m, t.code()) {
                    assert!(loinc_check_ok(c.code), "{m} {t:?} {}", c.code);
                    assert!(c.display.starts_with("SARS-CoV-2 (COVID-19) "));
                }
            }
        }
    }

    #[test]
    fn stable_ids_are_lower_case_version_8_uuids() {
        let a = StableId::new("patient", "p-1");
        assert_eq!(a, StableId::new("patient", "p-1"));
        assert_ne!(a, StableId::new("patient", "p-2"));
        assert_ne!(a, StableId::new("specimen", "p-1"));
        let text = a.text();
        let u = text.uuid().expect("ASCII");
        assert_eq!(u.len(), 36);
        assert!(u
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert_eq!(&u[14..15], "8");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(text.urn().expect("ASCII"), format!("urn:uuid:{u}"));
        // As the hex crate spells the bytes, hyphens aside.
        assert_eq!(u.replace('-', ""), hex::encode(a.0));
        // A key given in pieces is the key joined.
        assert_eq!(
            StableId::of("observation", &[b"12", b"/", b"KT1"]),
            StableId::new("observation", "12/KT1")
        );
    }

    #[test]
    fn texts_lose_what_fhir_strings_forbid() {
        assert_eq!(fhir_text("山田\u{3000}太郎").as_deref(), Some("山田 太郎"));
        assert_eq!(fhir_text(" a\u{0}b\u{feff} ").as_deref(), Some("ab"));
        assert_eq!(fhir_text("\u{3000} \t"), None);
        assert_eq!(fhir_text(""), None);
    }

    #[test]
    fn gender_falls_back_to_unknown() {
        assert_eq!(gender("female"), "female");
        assert_eq!(gender("F"), "unknown");
    }

    #[test]
    fn times_and_dates_read_as_chrono_writes_them() {
        let times = [
            "2020-06-10T09:30:00+09:00",
            "2020-06-10T09:30:59Z",
            "2020-06-10T09:30:00.999+00:00",
            "0000-01-01T00:00:00-03:30",
            "9999-12-31T23:59:59+14:00",
            "1999-12-31T23:59:60+09:00",
            "2016-12-31T23:59:60Z",
            "2020-02-29T00:00:00-00:01",
        ];
        for s in times {
            let t = DateTime::parse_from_rfc3339(s).expect("time");
            assert_eq!(TimeText::time(&t).as_str(), Ok(instant(&t).as_str()), "{s}");
        }
        // Beyond four digits of year, and an offset with seconds.
        let far = NaiveDate::from_ymd_opt(12345, 1, 2)
            .and_then(|d| d.and_hms_opt(3, 4, 5))
            .expect("far");
        let odd = FixedOffset::east_opt(9 * 3600 + 45).expect("offset");
        let before = NaiveDate::from_ymd_opt(-1, 1, 2)
            .and_then(|d| d.and_hms_opt(3, 4, 5))
            .expect("before");
        for naive in [far, before] {
            for offset in [odd, FixedOffset::east_opt(0).expect("UTC")] {
                let t = naive.and_local_timezone(offset).single().expect("time");
                assert_eq!(TimeText::time(&t).as_str(), Ok(instant(&t).as_str()));
            }
        }
        for (y, m, d) in [
            (1970, 1, 1),
            (0, 1, 1),
            (9999, 12, 31),
            (10000, 1, 1),
            (-5, 3, 4),
        ] {
            let d = NaiveDate::from_ymd_opt(y, m, d).expect("date");
            assert_eq!(DateText::date(d).as_str(), Ok(date(d).as_str()), "{d:?}");
        }
    }

    fn golden_rows() -> Vec<ReportRow> {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).expect("time");
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let full = ReportRow {
            report_date: d("2020-06-10"),
            facility_name: "けんたい内科クリニック".into(),
            facility_code: "1310000001".into(),
            name: "\u{feff}山田\u{3000}\"太郎\"\\\u{1}".into(),
            name_kana: Some("ヤマダ タロウ".into()),
            sex: "male".into(),
            birth_date: Some(d("1970-01-01")),
            address: Some("東京都新宿区西新宿２丁目８−１".into()),
            phone: Some("03-1234-5678".into()),
            onset_date: Some(d("2020-06-08")),
            days_since_onset: Some(2),
            collection_date: d("2020-06-10"),
            collected_at: t("2020-06-10T09:30:00+09:00"),
            test_method: "pcr".into(),
            specimen_type: "sputum".into(),
            result: Some("positive".into()),
            result_date: Some(d("2020-06-10")),
            resulted_at: Some(t("2020-06-10T17:05:00Z")),
            result_version: Some(2),
            corrected: true,
            correction_reason: None,
            result_pending: false,
            assay: None,
            ct: None,
            loinc: None,
            jlac10: None,
            asymptomatic: false,
            specimen_id: "KT0000001".into(),
            flags: vec![
                Flag {
                    code: RuleCode::SalivaWindowExceeded,
                    message: crate::domain::Msg::Text("発症後12日目の唾液".into()),
                    override_reason: Some("下気道検体の採取が困難なため".into()),
                },
                Flag {
                    code: RuleCode::FreezeThaw,
                    message: crate::domain::Msg::Text("2 freeze–thaw cycle(s)".into()),
                    override_reason: None,
                },
            ],
            freeze_thaw_count: 2,
            patient_key: "patient-p1".into(),
        };
        let bare = ReportRow {
            facility_name: " ".into(),
            facility_code: "".into(),
            name: "\u{3000}".into(),
            name_kana: None,
            sex: "F".into(),
            birth_date: None,
            address: None,
            phone: None,
            collected_at: t("2020-06-10T09:31:00-03:30"),
            test_method: "culture".into(),
            specimen_type: "nasal_wash".into(),
            result: Some("maybe".into()),
            resulted_at: None,
            result_version: None,
            corrected: false,
            correction_reason: None,
            result_pending: false,
            assay: None,
            ct: None,
            loinc: None,
            jlac10: None,
            asymptomatic: false,
            specimen_id: "KT0000002".into(),
            flags: Vec::new(),
            freeze_thaw_count: 0,
            patient_key: String::new(),
            ..full.clone()
        };
        let lamp = ReportRow {
            test_method: "lamp".into(),
            specimen_type: "serum_acute".into(),
            result: None,
            specimen_id: "KT0000003".into(),
            ..full.clone()
        };
        let reason = "検体取り違えのため再検査";
        let assayed = ReportRow {
            specimen_id: "KT0000004".into(),
            onset_date: None,
            days_since_onset: None,
            asymptomatic: true,
            correction_reason: Some(reason.into()),
            assay: Some("sars2".into()),
            ct: Some(
                [("N1", Some(24.1)), ("N2", None), ("RP", Some(27.0))]
                    .into_iter()
                    .map(|(t, ct)| (t.to_string(), ct))
                    .collect(),
            ),
            // Codes as a site configures them: a LOINC other than the one
            // kentai derives (94500-6), and a JLAC10 the test makes up.
            loinc: Some("94309-2".into()),
            jlac10: Some("JLAC10TESTCODE001".into()),
            flags: vec![Flag {
                code: RuleCode::CorrectedResult,
                message: RuleMsg::ResultCorrected {
                    version: 2,
                    reason: Some(reason.into()),
                }
                .into(),
                override_reason: None,
            }],
            freeze_thaw_count: 0,
            ..full.clone()
        };
        vec![full, bare, lamp, assayed]
    }

    #[test]
    fn codes_are_what_fhir_code_accepts_or_none() {
        for ok in ["94500-6", "N1", "N 1", "JLAC10TESTCODE001"] {
            assert_eq!(fhir_code(ok), Some(ok));
        }
        for bad in ["", " ", " N1", "N1 ", "N  1", "N\t1", "N\n1"] {
            assert_eq!(fhir_code(bad), None, "{bad:?}");
        }
    }

    /// The whole bundle for four rows, byte for byte: a full row (every
    /// optional field, flags, a corrected result, texts to clean and
    /// escape), a bare one (no key, no facility, no codes), one without a
    /// result, and an asymptomatic patient's corrected PCR result with its
    /// reason, assay, configured codes and Ct values. The first three are
    /// what the writer wrote when it built `json!` trees (the correction's
    /// note aside), so a change to how it writes cannot change what it
    /// writes.
    #[test]
    fn bundle_bytes_are_unchanged() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).expect("time");
        let mut w = FhirWriter::start(
            Vec::new(),
            NaiveDate::from_ymd_opt(2020, 6, 10).expect("date"),
            "all",
            t("2020-06-10T23:59:00+09:00"),
        )
        .expect("start");
        for r in golden_rows() {
            w.row(&r).expect("row");
        }
        let out = String::from_utf8(w.finish().expect("finish")).expect("UTF-8");
        let expected = concat!(
            r#"{"resourceType":"Bundle","id":"6e0c605d-f178-81bf-aece-bcd1c223b41b","meta":{"lastUpdated":"2020-06-10T23:59:00+09:00"},"identifier":{"system":"urn:kentai:report","value":"2020-06-10/all"},"type":"collection","timestamp":"2020-06-10T23:59:00+09:00","entry":[{"fullUrl":"urn:uuid:91a6a6ea-c9d2-8f47-b81d-86db2f3b6381","resource":{"resourceType":"Patient","id":"91a6a6ea-c9d2-8f47-b81d-86db2f3b6381","identifier":[{"system":"urn:kentai:patient","value":"91a6a6ea-c9d2-8f47-b81d-86db2f3b6381"}],"name":[{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation","valueCode":"IDE"}],"text":"山田 \"太郎\"\\","use":"official"},{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation","valueCode":"SYL"}],"text":"ヤマダ タロウ","use":"official"}],"telecom":[{"system":"phone","value":"03-1234-5678"}],"gender":"male","birthDate":"1970-01-01","address":[{"text":"東京都新宿区西新宿２丁目８−１"}]}}"#,
            r#",{"fullUrl":"urn:uuid:bb0b8834-c439-81ff-85ed-a3d1b027e89a","resource":{"resourceType":"Organization","id":"bb0b8834-c439-81ff-85ed-a3d1b027e89a","identifier":[{"system":"urn:kentai:facility","value":"1310000001"}],"name":"けんたい内科クリニック"}}"#,
            r#",{"fullUrl":"urn:uuid:11defca4-de7c-87cf-9a67-9e9c6463e505","resource":{"resourceType":"Specimen","id":"11defca4-de7c-87cf-9a67-9e9c6463e505","identifier":[{"system":"urn:kentai:specimen","value":"KT0000001"}],"status":"available","type":{"coding":[{"code":"119334006","display":"Sputum specimen","system":"http://snomed.info/sct"}],"text":"喀痰"},"subject":{"reference":"urn:uuid:91a6a6ea-c9d2-8f47-b81d-86db2f3b6381"},"collection":{"collectedDateTime":"2020-06-10T09:30:00+09:00"},"container":[{"type":{"text":"スクリューキャップ付きプラスチック容器（パラフィルムで密封）"}}],"note":[{"text":"発症後10日目以降の唾液（理由: 下気道検体の採取が困難なため） [saliva_window_exceeded]: 発症後12日目の唾液"},{"text":"凍結融解（2回） [freeze_thaw]: 2 freeze–thaw cycle(s)"}]}}"#,
            r#",{"fullUrl":"urn:uuid:b23a4ae3-61a8-863c-bd43-50a69eface87","resource":{"resourceType":"Observation","id":"b23a4ae3-61a8-863c-bd43-50a69eface87","status":"corrected","category":[{"coding":[{"code":"laboratory","display":"Laboratory","system":"http://terminology.hl7.org/CodeSystem/observation-category"}]}],"code":{"coding":[{"code":"94500-6","display":"SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory system specimen by NAA with probe detection","system":"http://loinc.org"}],"text":"SARS-CoV-2 核酸増幅検査（PCR）・喀痰"},"subject":{"reference":"urn:uuid:91a6a6ea-c9d2-8f47-b81d-86db2f3b6381"},"effectiveDateTime":"2020-06-10T09:30:00+09:00","issued":"2020-06-10T17:05:00Z","performer":[{"reference":"urn:uuid:bb0b8834-c439-81ff-85ed-a3d1b027e89a"}],"valueCodeableConcept":{"coding":[{"code":"260373001","display":"Detected","system":"http://snomed.info/sct"}],"text":"陽性"},"note":[{"text":"結果訂正（第2版）"}],"method":{"text":"核酸増幅検査（PCR）"},"specimen":{"reference":"urn:uuid:11defca4-de7c-87cf-9a67-9e9c6463e505"}}}"#,
            r#",{"fullUrl":"urn:uuid:a1a40e02-e17c-8de1-bb43-679787f425e2","resource":{"resourceType":"DiagnosticReport","id":"a1a40e02-e17c-8de1-bb43-679787f425e2","status":"corrected","category":[{"coding":[{"code":"LAB","display":"Laboratory","system":"http://terminology.hl7.org/CodeSystem/v2-0074"}]}],"code":{"coding":[{"code":"94500-6","display":"SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory system specimen by NAA with probe detection","system":"http://loinc.org"}],"text":"SARS-CoV-2 核酸増幅検査（PCR）・喀痰"},"subject":{"reference":"urn:uuid:91a6a6ea-c9d2-8f47-b81d-86db2f3b6381"},"effectiveDateTime":"2020-06-10T09:30:00+09:00","issued":"2020-06-10T17:05:00Z","performer":[{"reference":"urn:uuid:bb0b8834-c439-81ff-85ed-a3d1b027e89a"}],"specimen":[{"reference":"urn:uuid:11defca4-de7c-87cf-9a67-9e9c6463e505"}],"result":[{"reference":"urn:uuid:b23a4ae3-61a8-863c-bd43-50a69eface87"}]}}"#,
            r#",{"fullUrl":"urn:uuid:9b13ba5c-91e6-87a3-913d-34896c958c87","resource":{"resourceType":"Patient","id":"9b13ba5c-91e6-87a3-913d-34896c958c87","identifier":[{"system":"urn:kentai:patient","value":"9b13ba5c-91e6-87a3-913d-34896c958c87"}],"gender":"unknown"}}"#,
            r#",{"fullUrl":"urn:uuid:b669ff7d-8dbc-8c47-ba16-a57948ba3a10","resource":{"resourceType":"Specimen","id":"b669ff7d-8dbc-8c47-ba16-a57948ba3a10","identifier":[{"system":"urn:kentai:specimen","value":"KT0000002"}],"status":"available","type":{"text":"nasal_wash"},"subject":{"reference":"urn:uuid:9b13ba5c-91e6-87a3-913d-34896c958c87"},"collection":{"collectedDateTime":"2020-06-10T09:31:00-03:30"}}}"#,
            r#",{"fullUrl":"urn:uuid:9091a8d3-4fbe-8fff-904b-3d705b7b5210","resource":{"resourceType":"Observation","id":"9091a8d3-4fbe-8fff-904b-3d705b7b5210","status":"final","category":[{"coding":[{"code":"laboratory","display":"Laboratory","system":"http://terminology.hl7.org/CodeSystem/observation-category"}]}],"code":{"text":"SARS-CoV-2 culture・nasal_wash"},"subject":{"reference":"urn:uuid:9b13ba5c-91e6-87a3-913d-34896c958c87"},"effectiveDateTime":"2020-06-10T09:31:00-03:30","valueCodeableConcept":{"text":"maybe"},"specimen":{"reference":"urn:uuid:b669ff7d-8dbc-8c47-ba16-a57948ba3a10"}}}"#,
            r#",{"fullUrl":"urn:uuid:b68fd8cb-3771-8bdd-83a3-947264446b7b","resource":{"resourceType":"DiagnosticReport","id":"b68fd8cb-3771-8bdd-83a3-947264446b7b","status":"final","category":[{"coding":[{"code":"LAB","display":"Laboratory","system":"http://terminology.hl7.org/CodeSystem/v2-0074"}]}],"code":{"text":"SARS-CoV-2 culture・nasal_wash"},"subject":{"reference":"urn:uuid:9b13ba5c-91e6-87a3-913d-34896c958c87"},"effectiveDateTime":"2020-06-10T09:31:00-03:30","specimen":[{"reference":"urn:uuid:b669ff7d-8dbc-8c47-ba16-a57948ba3a10"}],"result":[{"reference":"urn:uuid:9091a8d3-4fbe-8fff-904b-3d705b7b5210"}]}}"#,
            r#",{"fullUrl":"urn:uuid:eada14d7-064f-8b69-80b6-204b24ae9df8","resource":{"resourceType":"Specimen","id":"eada14d7-064f-8b69-80b6-204b24ae9df8","identifier":[{"system":"urn:kentai:specimen","value":"KT0000003"}],"status":"available","type":{"coding":[{"code":"119364003","display":"Serum specimen","system":"http://snomed.info/sct"}],"text":"急性期血清"},"subject":{"reference":"urn:uuid:91a6a6ea-c9d2-8f47-b81d-86db2f3b6381"},"collection":{"collectedDateTime":"2020-06-10T09:30:00+09:00"},"container":[{"type":{"text":"密閉できるプラスチック容器"}}],"note":[{"text":"発症後10日目以降の唾液（理由: 下気道検体の採取が困難なため） [saliva_window_exceeded]: 発症後12日目の唾液"},{"text":"凍結融解（2回） [freeze_thaw]: 2 freeze–thaw cycle(s)"}]}}"#,
            r#",{"fullUrl":"urn:uuid:4a2e1b4b-775f-8e2b-8fa0-4518ab2cd1a8","resource":{"resourceType":"Specimen","id":"4a2e1b4b-775f-8e2b-8fa0-4518ab2cd1a8","identifier":[{"system":"urn:kentai:specimen","value":"KT0000004"}],"status":"available","type":{"coding":[{"code":"119334006","display":"Sputum specimen","system":"http://snomed.info/sct"}],"text":"喀痰"},"subject":{"reference":"urn:uuid:91a6a6ea-c9d2-8f47-b81d-86db2f3b6381"},"collection":{"collectedDateTime":"2020-06-10T09:30:00+09:00"},"container":[{"type":{"text":"スクリューキャップ付きプラスチック容器（パラフィルムで密封）"}}],"note":[{"text":"無症状 [asymptomatic]"}]}}"#,
            r#",{"fullUrl":"urn:uuid:12681f6a-a1ed-846f-aac7-3c4405a1e487","resource":{"resourceType":"Observation","id":"12681f6a-a1ed-846f-aac7-3c4405a1e487","status":"corrected","category":[{"coding":[{"code":"laboratory","display":"Laboratory","system":"http://terminology.hl7.org/CodeSystem/observation-category"}]}],"code":{"coding":[{"code":"94309-2","system":"http://loinc.org"},{"code":"JLAC10TESTCODE001","system":"urn:oid:1.2.392.200119.4.504"}],"text":"SARS-CoV-2 核酸増幅検査（PCR）・喀痰"},"subject":{"reference":"urn:uuid:91a6a6ea-c9d2-8f47-b81d-86db2f3b6381"},"effectiveDateTime":"2020-06-10T09:30:00+09:00","issued":"2020-06-10T17:05:00Z","performer":[{"reference":"urn:uuid:bb0b8834-c439-81ff-85ed-a3d1b027e89a"}],"valueCodeableConcept":{"coding":[{"code":"260373001","display":"Detected","system":"http://snomed.info/sct"}],"text":"陽性"},"note":[{"text":"結果訂正（第2版、理由: 検体取り違えのため再検査）"}],"method":{"text":"核酸増幅検査（PCR）（検査系: sars2）"},"specimen":{"reference":"urn:uuid:4a2e1b4b-775f-8e2b-8fa0-4518ab2cd1a8"},"component":[{"code":{"coding":[{"code":"N1","system":"urn:kentai:ct-target"}],"text":"N1"},"valueQuantity":{"code":"{Ct_value}","system":"http://unitsofmeasure.org","unit":"Ct","value":24.1}},{"code":{"coding":[{"code":"N2","system":"urn:kentai:ct-target"}],"text":"N2"},"dataAbsentReason":{"coding":[{"code":"not-applicable","display":"Not Applicable","system":"http://terminology.hl7.org/CodeSystem/data-absent-reason"}],"text":"増幅なし（Undetermined）"}},{"code":{"coding":[{"code":"RP","system":"urn:kentai:ct-target"}],"text":"RP"},"valueQuantity":{"code":"{Ct_value}","system":"http://unitsofmeasure.org","unit":"Ct","value":27.0}}]}}"#,
            r#",{"fullUrl":"urn:uuid:bf72a083-cbda-877a-857e-ad0f5b3b3e41","resource":{"resourceType":"DiagnosticReport","id":"bf72a083-cbda-877a-857e-ad0f5b3b3e41","status":"corrected","category":[{"coding":[{"code":"LAB","display":"Laboratory","system":"http://terminology.hl7.org/CodeSystem/v2-0074"}]}],"code":{"coding":[{"code":"94309-2","system":"http://loinc.org"},{"code":"JLAC10TESTCODE001","system":"urn:oid:1.2.392.200119.4.504"}],"text":"SARS-CoV-2 核酸増幅検査（PCR）・喀痰"},"subject":{"reference":"urn:uuid:91a6a6ea-c9d2-8f47-b81d-86db2f3b6381"},"effectiveDateTime":"2020-06-10T09:30:00+09:00","issued":"2020-06-10T17:05:00Z","performer":[{"reference":"urn:uuid:bb0b8834-c439-81ff-85ed-a3d1b027e89a"}],"specimen":[{"reference":"urn:uuid:4a2e1b4b-775f-8e2b-8fa0-4518ab2cd1a8"}],"result":[{"reference":"urn:uuid:12681f6a-a1ed-846f-aac7-3c4405a1e487"}]}}]}"#,
        );
        assert_eq!(out, expected);
    }
}
