//! The day's report as FHIR R4 JSON (SPEC §3): a `collection` Bundle,
//! written entry by entry so a day of any size streams in constant memory
//! (only a set of 16-byte ids of the patients and facilities already
//! written is kept).
//!
//! Each [`ReportRow`] becomes:
//! - a **Patient**, the first time the patient appears;
//! - an **Organization** for the facility, the first time it appears (the
//!   report's 医療機関 column; Observation and DiagnosticReport name it as
//!   their performer);
//! - a **Specimen**: the tube (its barcode as identifier), SNOMED CT type,
//!   collection time, container and the row's flags (注記) as notes;
//! - when the row has a result, an **Observation** (LOINC test code,
//!   SNOMED CT qualitative value) and a **DiagnosticReport** over it.
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
use crate::domain::registration::Flag;
use crate::domain::results::{TestMethod, TestResult};
use crate::domain::specimen_type::SpecimenType;
use crate::domain::RuleCode;
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::{self, Write};

/// The media type of FHIR's JSON format, to serve the bundle with.
pub const CONTENT_TYPE: &str = "application/fhir+json; charset=utf-8";

pub const SNOMED_CT: &str = "http://snomed.info/sct";
pub const LOINC: &str = "http://loinc.org";

/// kentai's own identifier systems: URNs, since kentai has no web home
/// that could own URLs for them.
pub const PATIENT_SYSTEM: &str = "urn:kentai:patient";
pub const SPECIMEN_SYSTEM: &str = "urn:kentai:specimen";
pub const FACILITY_SYSTEM: &str = "urn:kentai:facility";
pub const REPORT_SYSTEM: &str = "urn:kentai:report";

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
        let digest = Sha256::new()
            .chain_update(b"kentai/")
            .chain_update(kind.as_bytes())
            .chain_update(b"/")
            .chain_update(key.as_bytes())
            .finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        bytes[6] = (bytes[6] & 0x0f) | 0x80;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        StableId(bytes)
    }

    /// `xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx`, lower case as FHIR's `uuid`
    /// type requires.
    fn uuid(&self) -> String {
        let h = hex::encode(self.0);
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }

    fn urn(&self) -> String {
        format!("urn:uuid:{}", self.uuid())
    }

    fn reference(&self) -> Value {
        json!({ "reference": self.urn() })
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

/// Observation and DiagnosticReport keys: the version first, as digits it
/// cannot be confused with the barcode that follows.
fn result_key(row: &ReportRow) -> String {
    format!("{}/{}", row.result_version.unwrap_or(1), row.specimen_id)
}

/// A text as FHIR's `string` type accepts it, or `None` when nothing is
/// left. The R4 JSON schema allows no whitespace but space, tab, CR and LF
/// (`^[ \r\n\t\S]+$`): the ideographic space of Japanese names and
/// addresses (U+3000) becomes a plain space, as JP Core asks of name texts
/// anyway; other control characters go.
fn fhir_text(s: &str) -> Option<String> {
    let cleaned: String = s
        .chars()
        .filter_map(|c| match c {
            ' ' | '\t' | '\n' | '\r' => Some(c),
            '\u{feff}' => None,
            c if c.is_whitespace() => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let trimmed = cleaned.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn opt_text(s: Option<&str>) -> Option<String> {
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

/// A JSON object that keeps its keys in the order given, so every
/// resource starts with `resourceType` and `id` and reads in the order of
/// the FHIR spec (serde_json's own map sorts keys).
struct Fields(Vec<(&'static str, Value)>);

impl Fields {
    fn resource(resource_type: &'static str, id: &StableId) -> Fields {
        Fields(vec![
            ("resourceType", Value::from(resource_type)),
            ("id", Value::from(id.uuid())),
        ])
    }

    fn with(mut self, key: &'static str, value: Value) -> Fields {
        self.0.push((key, value));
        self
    }

    fn with_opt(self, key: &'static str, value: Option<Value>) -> Fields {
        match value {
            Some(v) => self.with(key, v),
            None => self,
        }
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    full_url: String,
    resource: &'a Fields,
}

fn coding(system: &str, c: Code) -> Value {
    json!({ "system": system, "code": c.code, "display": c.display })
}

/// A CodeableConcept: `coding` when a code fits, `text` (Japanese, for
/// people) when known; `None` when neither.
fn concept(system: &str, c: Option<Code>, text: Option<String>) -> Option<Value> {
    match (c, text) {
        (Some(c), Some(text)) => Some(json!({ "coding": [coding(system, c)], "text": text })),
        (Some(c), None) => Some(json!({ "coding": [coding(system, c)] })),
        (None, Some(text)) => Some(json!({ "text": text })),
        (None, None) => None,
    }
}

/// What the test was, in Japanese: "SARS-CoV-2 核酸増幅検査（PCR）・喀痰".
/// The only code when LOINC has none.
fn test_text(row: &ReportRow) -> Option<String> {
    let method = TestMethod::from_code(&row.test_method)
        .map(labels::test_method_ja)
        .map(str::to_string)
        .or_else(|| fhir_text(&row.test_method))?;
    let specimen = SpecimenType::from_code(&row.specimen_type)
        .map(labels::specimen_type_ja)
        .map(str::to_string)
        .or_else(|| fhir_text(&row.specimen_type));
    Some(match specimen {
        Some(s) => format!("SARS-CoV-2 {method}・{s}"),
        None => format!("SARS-CoV-2 {method}"),
    })
}

/// A flag as a note, worded as the CSV's 注記 item (the same labels, the
/// freeze–thaw count), with the rule code for machines and the flag's own
/// message: "発症後10日目以降の唾液（理由: …） [saliva_window_exceeded]: …".
fn flag_note(row: &ReportRow, flag: &Flag) -> Option<Value> {
    let mut text = labels::flag_ja(flag.code).to_string();
    if flag.code == RuleCode::FreezeThaw && row.freeze_thaw_count > 0 {
        text.push_str(&format!("（{}回）", row.freeze_thaw_count));
    }
    if let Some(reason) = flag.override_reason.as_deref().map(str::trim) {
        if !reason.is_empty() {
            text.push_str(&labels::report::override_reason(reason));
        }
    }
    text.push_str(&format!(" [{}]", flag.code.as_str()));
    if !flag.message.trim().is_empty() {
        text.push_str(": ");
        text.push_str(&flag.message);
    }
    fhir_text(&text).map(|t| json!({ "text": t }))
}

/// Writes a FHIR R4 `collection` Bundle to `out` as rows arrive.
///
/// Each entry is serialised and written at once, in many small writes:
/// give it a buffered writer. If a write fails the output is left cut
/// short, not valid JSON; the error says so.
pub struct FhirWriter<W: Write> {
    out: W,
    entries: usize,
    /// Patients and facilities already written, by id: each is written
    /// once however many rows name it.
    patients: HashSet<StableId>,
    organizations: HashSet<StableId>,
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
        let id = StableId::new("report", &key);
        let generated = instant(&generated_at);
        let opening = Fields::resource("Bundle", &id)
            .with("meta", json!({ "lastUpdated": generated }))
            .with_opt(
                "identifier",
                fhir_text(&key).map(|k| json!({ "system": REPORT_SYSTEM, "value": k })),
            )
            .with("type", Value::from("collection"))
            .with("timestamp", Value::from(generated));
        // The object without its closing brace: `finish` closes it.
        let mut head = serde_json::to_vec(&opening)?;
        head.pop();
        out.write_all(&head)?;
        Ok(FhirWriter {
            out,
            entries: 0,
            patients: HashSet::new(),
            organizations: HashSet::new(),
        })
    }

    /// Writes the row's entries: Patient and Organization the first time
    /// they appear, the Specimen, and with a result its Observation and
    /// DiagnosticReport.
    pub fn row(&mut self, row: &ReportRow) -> io::Result<()> {
        let patient = patient_id(row);
        if self.patients.insert(patient) {
            self.entry(&patient, &patient_resource(row, &patient))?;
        }
        let organization =
            fhir_text(&row.facility_code).map(|code| (StableId::new("facility", &code), code));
        if let Some((id, code)) = &organization {
            if self.organizations.insert(*id) {
                self.entry(id, &organization_resource(row, id, code))?;
            }
        }
        let organization = organization.map(|(id, _)| id);
        let specimen = StableId::new("specimen", &row.specimen_id);
        self.entry(&specimen, &specimen_resource(row, &specimen, &patient))?;
        if let Some(result) = row.result.as_deref() {
            let key = result_key(row);
            let observation = StableId::new("observation", &key);
            let report = StableId::new("diagnostic-report", &key);
            let ids = ResultIds {
                patient,
                specimen,
                observation,
                organization,
            };
            self.entry(&observation, &observation_resource(row, result, &ids))?;
            self.entry(&report, &report_resource(row, &report, &ids))?;
        }
        Ok(())
    }

    /// Closes the entry list and the Bundle, flushes, and hands the writer
    /// back.
    pub fn finish(mut self) -> io::Result<W> {
        let close: &[u8] = if self.entries > 0 { b"]}" } else { b"}" };
        self.out.write_all(close)?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn entry(&mut self, id: &StableId, resource: &Fields) -> io::Result<()> {
        let separator: &[u8] = if self.entries > 0 {
            b","
        } else {
            b",\"entry\":["
        };
        self.out.write_all(separator)?;
        let entry = Entry {
            full_url: id.urn(),
            resource,
        };
        serde_json::to_writer(&mut self.out, &entry)?;
        self.entries += 1;
        Ok(())
    }
}

struct ResultIds {
    patient: StableId,
    specimen: StableId,
    observation: StableId,
    organization: Option<StableId>,
}

fn patient_resource(row: &ReportRow, id: &StableId) -> Fields {
    // JP Core's way to give a name twice: the written name (IDE,
    // ideographic) and its reading in kana (SYL, syllabic), both official.
    let representation = |code: &str| {
        json!([{
            "url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation",
            "valueCode": code,
        }])
    };
    let mut names = Vec::new();
    if let Some(name) = fhir_text(&row.name) {
        names.push(json!({ "extension": representation("IDE"), "use": "official", "text": name }));
    }
    if let Some(kana) = opt_text(row.name_kana.as_deref()) {
        names.push(json!({ "extension": representation("SYL"), "use": "official", "text": kana }));
    }
    // The identifier is the stable id itself: the patient key may be
    // derived from personal data and never leaves kentai.
    Fields::resource("Patient", id)
        .with(
            "identifier",
            json!([{ "system": PATIENT_SYSTEM, "value": id.uuid() }]),
        )
        .with_opt("name", (!names.is_empty()).then(|| Value::from(names)))
        .with_opt(
            "telecom",
            opt_text(row.phone.as_deref()).map(|p| json!([{ "system": "phone", "value": p }])),
        )
        .with("gender", Value::from(gender(&row.sex)))
        .with_opt("birthDate", row.birth_date.map(|d| Value::from(date(d))))
        .with_opt(
            "address",
            opt_text(row.address.as_deref()).map(|a| json!([{ "text": a }])),
        )
}

fn organization_resource(row: &ReportRow, id: &StableId, code: &str) -> Fields {
    Fields::resource("Organization", id)
        .with(
            "identifier",
            json!([{ "system": FACILITY_SYSTEM, "value": code }]),
        )
        .with_opt("name", fhir_text(&row.facility_name).map(Value::from))
}

fn specimen_resource(row: &ReportRow, id: &StableId, patient: &StableId) -> Fields {
    let specimen_type = SpecimenType::from_code(&row.specimen_type);
    let type_text = specimen_type
        .map(|t| labels::specimen_type_ja(t).to_string())
        .or_else(|| fhir_text(&row.specimen_type));
    let notes: Vec<Value> = row.flags.iter().filter_map(|f| flag_note(row, f)).collect();
    Fields::resource("Specimen", id)
        .with_opt(
            "identifier",
            fhir_text(&row.specimen_id)
                .map(|barcode| json!([{ "system": SPECIMEN_SYSTEM, "value": barcode }])),
        )
        .with("status", Value::from("available"))
        .with_opt(
            "type",
            concept(SNOMED_CT, specimen_type.map(specimen_snomed), type_text),
        )
        .with("subject", patient.reference())
        .with(
            "collection",
            json!({ "collectedDateTime": instant(&row.collected_at) }),
        )
        .with_opt(
            "container",
            specimen_type.map(|t| json!([{ "type": { "text": labels::container_ja(t) } }])),
        )
        // Overrides, saliva without onset, −20 °C, freeze–thaw: as notes,
        // word for word, rather than squeezed into Specimen.condition's
        // v2 codes, which have none of them.
        .with_opt("note", (!notes.is_empty()).then(|| Value::from(notes)))
}

fn status(row: &ReportRow) -> &'static str {
    if row.corrected {
        "corrected"
    } else {
        "final"
    }
}

fn test_code(row: &ReportRow) -> Value {
    let loinc = test_loinc(&row.test_method, &row.specimen_type);
    concept(LOINC, loinc, test_text(row))
        // Neither a code nor a method nor a specimen type: say what is
        // known, since Observation.code is required.
        .unwrap_or_else(|| json!({ "text": "SARS-CoV-2" }))
}

fn performer(ids: &ResultIds) -> Option<Value> {
    ids.organization.map(|o| Value::from(vec![o.reference()]))
}

fn observation_resource(row: &ReportRow, result: &str, ids: &ResultIds) -> Fields {
    let value_text = TestResult::from_code(result)
        .map(|r| labels::test_result_ja(r).to_string())
        .or_else(|| fhir_text(result));
    Fields::resource("Observation", &ids.observation)
        .with("status", Value::from(status(row)))
        .with(
            "category",
            json!([{
                "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                    "code": "laboratory",
                    "display": "Laboratory",
                }]
            }]),
        )
        .with("code", test_code(row))
        .with("subject", ids.patient.reference())
        .with("effectiveDateTime", Value::from(instant(&row.collected_at)))
        .with_opt(
            "issued",
            row.resulted_at.as_ref().map(|t| Value::from(instant(t))),
        )
        .with_opt("performer", performer(ids))
        .with_opt(
            "valueCodeableConcept",
            concept(SNOMED_CT, result_snomed(result), value_text),
        )
        .with_opt(
            "method",
            TestMethod::from_code(&row.test_method)
                .map(|m| json!({ "text": labels::test_method_ja(m) })),
        )
        .with("specimen", ids.specimen.reference())
}

fn report_resource(row: &ReportRow, id: &StableId, ids: &ResultIds) -> Fields {
    Fields::resource("DiagnosticReport", id)
        .with("status", Value::from(status(row)))
        .with(
            "category",
            json!([{
                "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0074",
                    "code": "LAB",
                    "display": "Laboratory",
                }]
            }]),
        )
        .with("code", test_code(row))
        .with("subject", ids.patient.reference())
        .with("effectiveDateTime", Value::from(instant(&row.collected_at)))
        .with_opt(
            "issued",
            row.resulted_at.as_ref().map(|t| Value::from(instant(t))),
        )
        .with_opt("performer", performer(ids))
        .with("specimen", json!([ids.specimen.reference()]))
        .with("result", json!([ids.observation.reference()]))
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
        assert_eq!(
            specimen_type_snomed("sputum").map(|c| c.code),
            Some("119334006")
        );
        assert_eq!(
            specimen_type_snomed("tracheal_aspirate").map(|c| c.code),
            Some("445447003")
        );
        assert_eq!(
            specimen_type_snomed("nasopharyngeal_swab").map(|c| c.code),
            Some("258500001")
        );
        assert_eq!(
            specimen_type_snomed("saliva").map(|c| c.code),
            Some("258560004")
        );
        assert_eq!(
            specimen_type_snomed("serum_acute").map(|c| c.code),
            Some("119364003")
        );
        assert_eq!(
            specimen_type_snomed("serum_convalescent").map(|c| c.code),
            Some("119364003")
        );
        assert_eq!(
            specimen_type_snomed("stool").map(|c| c.code),
            Some("119339001")
        );
        assert_eq!(
            specimen_type_snomed("whole_blood").map(|c| c.code),
            Some("258580003")
        );
        assert_eq!(
            specimen_type_snomed("urine").map(|c| c.code),
            Some("122575003")
        );
        assert_eq!(
            specimen_type_snomed("autopsy_tissue").map(|c| c.code),
            Some("119376003")
        );
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
        let u = a.uuid();
        assert_eq!(u.len(), 36);
        assert!(u
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert_eq!(&u[14..15], "8");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(a.urn(), format!("urn:uuid:{u}"));
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
    fn fields_keep_their_order() {
        let id = StableId::new("x", "y");
        let f = Fields::resource("Patient", &id)
            .with("b", json!(1))
            .with("a", json!(2));
        let s = serde_json::to_string(&f).unwrap();
        assert!(s.starts_with(&format!(
            "{{\"resourceType\":\"Patient\",\"id\":\"{}\",\"b\":1,\"a\":2",
            id.uuid()
        )));
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
            specimen_id: "KT0000001".into(),
            flags: vec![
                Flag {
                    code: RuleCode::SalivaWindowExceeded,
                    message: "発症後12日目の唾液".into(),
                    override_reason: Some("下気道検体の採取が困難なため".into()),
                },
                Flag {
                    code: RuleCode::FreezeThaw,
                    message: "2 freeze–thaw cycle(s)".into(),
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
        vec![full, bare, lamp]
    }

    #[test]
    fn golden_bundle() {
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
        let out = String::from_utf8(w.finish().expect("finish")).expect("utf-8");
        std::fs::write("/tmp/golden.json", &out).expect("dump");
    }
}
