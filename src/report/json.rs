//! The day's report as JSON (README, "The health centre's day report": `{"date": …, "rows": [ … ]}` with
//! the English column names as keys), written row by row.
//!
//! Each row carries the codes (`saliva`, `pcr`, `positive`) a program
//! matches on and, beside them, the Japanese labels the CSV shows, so a
//! consumer needs no label table of its own. Every key is there in every
//! row, `null` when it has no value (`ct`, `assay`, `correction_reason`,
//! `jlac10`), so a program reads one shape.

use super::ReportRow;
use crate::domain::labels;
use crate::domain::messages::{render_in, Lang};
use crate::domain::results::{TestMethod, TestResult};
use crate::domain::SpecimenType;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct JsonRow<'a> {
    #[serde(flatten)]
    row: &'a ReportRow,
    test_method_label: &'static str,
    specimen_type_label: &'static str,
    /// The result in words; 結果待ち while there is none (`result` null).
    result_label: Option<&'static str>,
    /// The 注記 column as the CSV writes it.
    flags_text: String,
    /// The LOINC the result is reported under: the assay's configured
    /// code, else the one FHIR derives from method and specimen type;
    /// null when neither is known.
    loinc: Option<&'a str>,
}

fn labelled(row: &ReportRow) -> JsonRow<'_> {
    JsonRow {
        row,
        test_method_label: TestMethod::from_code(&row.test_method)
            .map_or("", labels::test_method_ja),
        specimen_type_label: SpecimenType::from_code(&row.specimen_type)
            .map_or("", labels::specimen_type_ja),
        result_label: match row.result.as_deref() {
            None => Some(labels::RESULT_PENDING_JA),
            Some(code) => TestResult::from_code(code).map(labels::test_result_ja),
        },
        flags_text: super::csv::flags_text(row),
        loinc: row.loinc.as_deref().or_else(|| {
            super::fhir::test_loinc(&row.test_method, &row.specimen_type).map(|c| c.code)
        }),
    }
}

/// Streams `{"date","facility","generated_at","rows":[…],"count"}`.
pub struct JsonWriter<W: Write> {
    out: W,
    count: usize,
}

impl<W: Write> JsonWriter<W> {
    pub fn start(
        mut out: W,
        date: NaiveDate,
        facility: Option<&str>,
        generated_at: DateTime<FixedOffset>,
    ) -> io::Result<Self> {
        let head = serde_json::json!({
            "date": date,
            "facility": facility,
            "generated_at": generated_at,
        })
        .to_string();
        // The object's closing brace gives way to the rows.
        let open = head.strip_suffix('}').unwrap_or(&head);
        write!(out, "{open},\"rows\":[")?;
        Ok(JsonWriter { out, count: 0 })
    }

    pub fn row(&mut self, row: &ReportRow) -> io::Result<()> {
        if self.count > 0 {
            self.out.write_all(b",")?;
        }
        // The report speaks the health centre's language: its labels and
        // its flags' sentences are Japanese, whoever asks.
        let out = &mut self.out;
        render_in(Some(Lang::Ja), || {
            serde_json::to_writer(out, &labelled(row))
        })
        .map_err(io::Error::other)?;
        self.count += 1;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        write!(self.out, "],\"count\":{}}}", self.count)?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use serde_json::Value;

    /// The sample row, collected and resulted at one moment, without the
    /// optional identity and onset columns.
    fn row(specimen_id: &str) -> ReportRow {
        let at = DateTime::parse_from_rfc3339("2024-01-15T10:30:00+09:00").expect("time");
        ReportRow {
            report_date: at.date_naive(),
            name_kana: None,
            birth_date: None,
            address: None,
            phone: None,
            onset_date: None,
            days_since_onset: None,
            collection_date: at.date_naive(),
            collected_at: at,
            result_date: Some(at.date_naive()),
            resulted_at: Some(at),
            ..crate::report::sample_row(specimen_id)
        }
    }

    fn rows(rows: &[ReportRow]) -> Vec<Value> {
        let at = DateTime::parse_from_rfc3339("2024-01-16T08:00:00+09:00").expect("time");
        let mut w = JsonWriter::start(Vec::new(), at.date_naive(), None, at).expect("start");
        for r in rows {
            w.row(r).expect("row");
        }
        let report: Value = serde_json::from_slice(&w.finish().expect("finish")).expect("JSON");
        report["rows"].as_array().expect("rows").clone()
    }

    #[test]
    fn every_row_has_the_result_keys_null_when_absent_and_the_loinc_it_is_reported_under() {
        let plain = row("K1");
        let assayed = ReportRow {
            correction_reason: Some("再検査の結果".into()),
            corrected: true,
            result_version: Some(2),
            result_pending: true,
            assay: Some("sars2".into()),
            ct: Some(
                [("N1".to_string(), Some(24.1)), ("RP".to_string(), None)]
                    .into_iter()
                    .collect(),
            ),
            loinc: Some("94309-2".into()),
            jlac10: Some("JLAC10TESTCODE001".into()),
            asymptomatic: true,
            ..row("K2")
        };
        let unknown = ReportRow {
            test_method: "lamp".into(),
            ..row("K3")
        };
        let out = rows(&[plain, assayed, unknown]);
        for key in [
            "ct",
            "assay",
            "asymptomatic",
            "correction_reason",
            "result_pending",
            "loinc",
            "jlac10",
        ] {
            assert!(out.iter().all(|r| r.get(key).is_some()), "{key}");
        }
        // Derived as FHIR derives it: PCR on saliva.
        assert_eq!(out[0]["loinc"], "94845-5");
        for key in ["ct", "assay", "correction_reason", "jlac10"] {
            assert!(out[0][key].is_null(), "{key}: {}", out[0]);
        }
        assert_eq!(out[0]["asymptomatic"], false);
        assert_eq!(out[0]["result_pending"], false);
        // Configured codes win, and only configured codes give a JLAC10.
        assert_eq!(out[1]["loinc"], "94309-2");
        assert_eq!(out[1]["jlac10"], "JLAC10TESTCODE001");
        assert_eq!(out[1]["ct"], serde_json::json!({"N1": 24.1, "RP": null}));
        assert_eq!(out[1]["assay"], "sars2");
        assert_eq!(out[1]["correction_reason"], "再検査の結果");
        assert_eq!(out[1]["asymptomatic"], true);
        assert_eq!(out[1]["result_pending"], true);
        // LAMP on saliva: LOINC has no term, so neither has the row.
        assert!(out[2]["loinc"].is_null(), "{}", out[2]);
    }
}
