//! The health centre's day report (README, "The health centre's day report"): one row per specimen
//! collected or resulted that day, written as CSV (UTF-8 with BOM, or
//! Shift_JIS), JSON or FHIR R4, row by row so a day of any size streams in
//! constant memory.
//!
//! [`ReportRow`] is a row as the store yields it, with codes (`saliva`,
//! `pcr`, `positive`); each format renders it: the CSV with the Japanese
//! labels of `domain::labels`, JSON with both, FHIR with SNOMED CT and
//! LOINC codings.

pub mod csv;
pub mod fhir;
pub mod json;
pub mod summary;

pub use summary::summary_html;

use crate::domain::registration::Flag;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

/// One specimen's line in the day's report.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// 報告日: the report's date.
    pub report_date: NaiveDate,
    /// 医療機関: the facility the specimen was registered at.
    pub facility_name: String,
    pub facility_code: String,
    /// 氏名, フリガナ.
    pub name: String,
    pub name_kana: Option<String>,
    /// `male`, `female`, `other` or `unknown`.
    pub sex: String,
    pub birth_date: Option<NaiveDate>,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// 発症日: absent when unknown (or asymptomatic).
    pub onset_date: Option<NaiveDate>,
    /// 発症後日数: the onset day is day 0.
    pub days_since_onset: Option<i32>,
    /// 検体採取日 (in the site's time zone) and the exact time.
    pub collection_date: NaiveDate,
    pub collected_at: DateTime<FixedOffset>,
    /// 検査方法: `pcr`, `lamp`, `antigen_qualitative`, `antigen_quantitative`.
    pub test_method: String,
    /// 検体: the specimen type code (`saliva`, `nasopharyngeal_swab`, …).
    pub specimen_type: String,
    /// 結果: `positive`, `negative`, `inconclusive`, `invalid`; absent
    /// until known. Always the latest version.
    pub result: Option<String>,
    /// 結果判明日 and the exact time of the result shown.
    pub result_date: Option<NaiveDate>,
    pub resulted_at: Option<DateTime<FixedOffset>>,
    /// The version of the result shown (1 for a first result).
    pub result_version: Option<i32>,
    /// True when the result shown corrects an earlier one.
    pub corrected: bool,
    /// Why the result shown corrects an earlier one.
    pub correction_reason: Option<String>,
    /// A result is entered and waits for a second person's release: the
    /// row shows the released result, if any.
    pub result_pending: bool,
    /// The `[[assay]]` the result was found with.
    pub assay: Option<String>,
    /// Ct per target of the result shown, `null` for undetermined.
    #[schema(value_type = Option<std::collections::BTreeMap<String, Option<f64>>>)]
    pub ct: Option<crate::domain::results::CtValues>,
    /// The LOINC and JLAC10 codes the site configures for the assay (never
    /// guessed); without them, formats derive LOINC from method and
    /// specimen type. JSON's `loinc` is the one the row is reported
    /// under, configured or derived, so the JSON writer writes it itself.
    #[serde(skip)]
    pub loinc: Option<String>,
    pub jlac10: Option<String>,
    /// 無症状: the patient had no symptoms (hence no onset date).
    pub asymptomatic: bool,
    /// 検体番号: the tube's barcode.
    pub specimen_id: String,
    /// 注記: overrides, saliva without onset, −20 °C fallback,
    /// freeze–thaw, a corrected result and its reason, a result awaiting
    /// release.
    pub flags: Vec<Flag>,
    /// How many times the specimen was frozen and thawed (0 if never).
    pub freeze_thaw_count: i64,
    /// A stable key of the patient (the same person on every row), for
    /// FHIR ids; never a name.
    #[serde(skip)]
    pub patient_key: String,
}

/// The report's file formats (the API's `format=csv|json|fhir`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Csv,
    Json,
    Fhir,
}

impl Format {
    pub fn from_code(code: &str) -> Option<Format> {
        match code {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "fhir" => Some(Format::Fhir),
            _ => None,
        }
    }

    /// The file name's extension for downloads.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Fhir => "fhir.json",
        }
    }
}

/// `hersys-2026-12-06`, or `hersys-2026-12-06-F001` for one facility:
/// the start of every file name of the day's report, with anything but
/// ASCII letters, digits, `-`, `.` and `_` turned into `_` so the name is
/// safe in a header and on any disk.
fn file_stem(date: NaiveDate, facility: Option<&str>) -> String {
    let stem = match facility {
        Some(f) => format!("hersys-{date}-{f}"),
        None => format!("hersys-{date}"),
    };
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The name a download of the day's report is saved under. A CSV says its
/// encoding (`hersys-2026-12-06-utf8.csv`, `hersys-2026-12-06-sjis.csv`),
/// so the two never overwrite each other in a downloads folder and the
/// person opening one knows which it is.
pub fn file_name(
    date: NaiveDate,
    facility: Option<&str>,
    format: Format,
    encoding: csv::Encoding,
) -> String {
    let stem = file_stem(date, facility);
    match format {
        Format::Csv => format!("{stem}-{}.csv", encoding.code()),
        other => format!("{stem}.{}", other.extension()),
    }
}

/// The name of the list of characters the Shift_JIS CSV replaced, saved
/// beside it (`hersys-2026-12-06-sjis-replacements.txt`).
pub fn sjis_replacements_file_name(date: NaiveDate, facility: Option<&str>) -> String {
    format!("{}-sjis-replacements.txt", file_stem(date, facility))
}

/// One of the three writers, so the day's rows go through one loop.
pub enum Writer<W: std::io::Write> {
    Csv(csv::CsvWriter<W>),
    Json(json::JsonWriter<W>),
    Fhir(fhir::FhirWriter<W>),
}

impl<W: std::io::Write> Writer<W> {
    pub fn start(
        out: W,
        format: Format,
        encoding: csv::Encoding,
        date: NaiveDate,
        facility: Option<&str>,
        generated_at: DateTime<FixedOffset>,
    ) -> std::io::Result<Self> {
        Ok(match format {
            Format::Csv => Writer::Csv(csv::CsvWriter::start(out, encoding)?),
            Format::Json => {
                Writer::Json(json::JsonWriter::start(out, date, facility, generated_at)?)
            }
            Format::Fhir => Writer::Fhir(fhir::FhirWriter::start(
                out,
                date,
                facility.unwrap_or("all"),
                generated_at,
            )?),
        })
    }

    pub fn row(&mut self, row: &ReportRow) -> std::io::Result<()> {
        match self {
            Writer::Csv(w) => w.row(row),
            Writer::Json(w) => w.row(row),
            Writer::Fhir(w) => w.row(row),
        }
    }

    /// The output, and for Shift_JIS CSV the characters it had to replace.
    pub fn finish(self) -> std::io::Result<(W, Vec<csv::Replacement>)> {
        match self {
            Writer::Csv(w) => w.finish(),
            Writer::Json(w) => Ok((w.finish()?, Vec::new())),
            Writer::Fhir(w) => Ok((w.finish()?, Vec::new())),
        }
    }
}

/// A report row with every column set, for tests to change what they
/// look at.
#[cfg(test)]
pub(crate) fn sample_row(specimen_id: &str) -> ReportRow {
    let at = |s: &str| -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test timestamp")
    };
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date");
    ReportRow {
        report_date: day("2024-01-16"),
        facility_name: "さくらクリニック".into(),
        facility_code: "1312345678".into(),
        name: "山田 太郎".into(),
        name_kana: Some("ヤマダ タロウ".into()),
        sex: "male".into(),
        birth_date: Some(day("1980-04-01")),
        address: Some("東京都新宿区西新宿二丁目8番1号".into()),
        phone: Some("03-1234-5678".into()),
        onset_date: Some(day("2024-01-13")),
        days_since_onset: Some(2),
        collection_date: day("2024-01-15"),
        collected_at: at("2024-01-15T10:30:00+09:00"),
        test_method: "pcr".into(),
        specimen_type: "saliva".into(),
        result: Some("positive".into()),
        result_date: Some(day("2024-01-16")),
        resulted_at: Some(at("2024-01-16T14:00:00+09:00")),
        result_version: Some(1),
        corrected: false,
        correction_reason: None,
        result_pending: false,
        assay: None,
        ct: None,
        loinc: None,
        jlac10: None,
        asymptomatic: false,
        specimen_id: specimen_id.into(),
        flags: Vec::new(),
        freeze_thaw_count: 0,
        patient_key: "p-1".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_download_is_named_by_its_day_facility_and_for_csv_its_encoding() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let name = |facility, format, encoding| file_name(day, facility, format, encoding);
        assert_eq!(
            name(None, Format::Csv, csv::Encoding::Utf8),
            "hersys-2026-12-06-utf8.csv"
        );
        assert_eq!(
            name(None, Format::Csv, csv::Encoding::Sjis),
            "hersys-2026-12-06-sjis.csv"
        );
        assert_eq!(
            name(Some("F001"), Format::Csv, csv::Encoding::Sjis),
            "hersys-2026-12-06-F001-sjis.csv"
        );
        assert_eq!(
            name(None, Format::Json, csv::Encoding::Utf8),
            "hersys-2026-12-06.json"
        );
        assert_eq!(
            name(None, Format::Fhir, csv::Encoding::Utf8),
            "hersys-2026-12-06.fhir.json"
        );
        assert_eq!(
            name(Some("新宿 \"1\""), Format::Json, csv::Encoding::Utf8),
            "hersys-2026-12-06-____1_.json"
        );
        assert_eq!(
            sjis_replacements_file_name(day, Some("F001")),
            "hersys-2026-12-06-F001-sjis-replacements.txt"
        );
    }
}
