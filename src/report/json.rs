//! The day's report as JSON (SPEC §3: `{"date": …, "rows": [ … ]}` with
//! the English column names as keys), written row by row.
//!
//! Each row carries the codes (`saliva`, `pcr`, `positive`) a program
//! matches on and, beside them, the Japanese labels the CSV shows, so a
//! consumer needs no label table of its own.

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
