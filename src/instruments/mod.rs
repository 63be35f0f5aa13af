//! PCR instruments' result files read into well readings.
//!
//! Each parser is a pure function of the file's bytes: the watched folder
//! and an upload hand the same bytes here, and the readings go on to
//! [`crate::domain::assay::interpret`]. Nothing is judged here beyond the
//! file itself: a reading is kept as the instrument wrote it (well, sample
//! name, target, task, Ct), and anything the file does not say clearly is
//! an error with its line number rather than a guess, because a misread
//! Ct becomes a wrong result.
//!
//! Files are UTF-8 (a byte-order mark is dropped; a UTF-16 one is followed)
//! or, when they are not valid UTF-8, Shift_JIS, which instruments' PCs on
//! a Japanese Windows write. Lines end in CRLF or LF. Wells are named in
//! `A1` style whatever the instrument wrote (`A01`, `a1`), so the same
//! well reads the same from every format.
//!
//! - [`Format::QuantStudio`]: the QuantStudio / 7500 text export
//!   (`quantstudio.rs`).
//! - [`Format::Cfx`]: CFX "Quantification Cq Results" CSV (`cfx.rs`).
//! - [`Format::Generic`]: any CSV whose columns a site names
//!   ([`GenericColumns`], `generic.rs`).

mod cfx;
mod generic;
mod quantstudio;

use crate::domain::assay::{Ct, WellReading, WellTask};
use serde::{Deserialize, Serialize};

/// The instrument export formats kentai reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    QuantStudio,
    Cfx,
    Generic,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::QuantStudio, Format::Cfx, Format::Generic];

    pub fn code(self) -> &'static str {
        match self {
            Format::QuantStudio => "quantstudio",
            Format::Cfx => "cfx",
            Format::Generic => "generic",
        }
    }

    pub fn from_code(code: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// The columns of a site's generic CSV, by header name (matched
/// case-insensitively). A `well` or `task` column the file does not have
/// is not an error: without a well column each sample is taken to be one
/// well, and without a task column every well is a patient sample or a
/// control by its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct GenericColumns {
    pub well: Option<String>,
    pub sample: String,
    pub target: String,
    pub ct: String,
    pub task: Option<String>,
    /// One ASCII character; `,` when not set.
    #[schema(value_type = Option<String>)]
    pub delimiter: Option<char>,
    /// Ct cell values that mean no amplification (compared ignoring case
    /// and surrounding spaces).
    pub undetermined: Vec<String>,
}

impl Default for GenericColumns {
    fn default() -> GenericColumns {
        GenericColumns {
            well: Some("Well".to_string()),
            sample: "Sample".to_string(),
            target: "Target".to_string(),
            ct: "Ct".to_string(),
            task: Some("Task".to_string()),
            delimiter: Some(','),
            undetermined: vec!["Undetermined".to_string(), "N/A".to_string(), String::new()],
        }
    }
}

/// A result file as read: the run's identification where the format
/// carries it, and every reading in file order.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlateFile {
    pub format: Format,
    pub instrument: Option<String>,
    pub run_name: Option<String>,
    /// As the instrument wrote it (formats and time zones vary by model
    /// and locale, so it is kept as text).
    pub run_end: Option<String>,
    pub wells: Vec<WellReading>,
}

/// A file that cannot be read as its format: the line (1-based) where
/// that became clear, when there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{reason}", at_line(.line))]
pub struct ParseError {
    pub line: Option<usize>,
    pub reason: String,
}

fn at_line(line: &Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}

impl ParseError {
    fn at(line: usize, reason: impl Into<String>) -> ParseError {
        ParseError {
            line: Some(line),
            reason: reason.into(),
        }
    }

    fn whole(reason: impl Into<String>) -> ParseError {
        ParseError {
            line: None,
            reason: reason.into(),
        }
    }
}

/// Reads a result file of the given format. `generic` is used only by
/// [`Format::Generic`].
pub fn parse(
    format: Format,
    bytes: &[u8],
    generic: &GenericColumns,
) -> Result<PlateFile, ParseError> {
    let text = decode(bytes)?;
    let file = match format {
        Format::QuantStudio => quantstudio::parse(&text)?,
        Format::Cfx => cfx::parse(&text)?,
        Format::Generic => generic::parse(&text, generic)?,
    };
    if file.wells.is_empty() {
        // A file cut short while it was being written looks like this.
        return Err(ParseError::whole("the file has no result rows"));
    }
    Ok(file)
}

/// The format of a file in the watched folder, from its content: a
/// QuantStudio export has `* key = value` header lines and a `[Results]`
/// section, a CFX export a header row with `Well`, `Fluor` or `Target`,
/// `Sample` and `Cq`. A generic CSV cannot be told from any other CSV, so
/// it is never detected.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    let text = decode(bytes).ok()?;
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let head: Vec<&str> = lines.by_ref().take(50).collect();
    let qs_header = |l: &&str| l.starts_with('*') && l.contains('=');
    if head.iter().any(qs_header)
        || head
            .iter()
            .copied()
            .chain(lines)
            .any(|l| l.eq_ignore_ascii_case("[results]"))
    {
        return Some(Format::QuantStudio);
    }
    let cfx_header = |l: &&str| {
        let names: Vec<String> = l.split(',').map(header_name).collect();
        let has = |n: &str| names.iter().any(|h| h == n);
        has("well") && has("sample") && has("cq") && (has("fluor") || has("target"))
    };
    head.iter().any(cfx_header).then_some(Format::Cfx)
}

/// The file's text: by its byte-order mark if it has one, else UTF-8, else
/// Shift_JIS.
fn decode(bytes: &[u8]) -> Result<String, ParseError> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, bad) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return if bad {
            Err(ParseError::whole(format!(
                "the file is not valid {}",
                encoding.name()
            )))
        } else {
            Ok(text.into_owned())
        };
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, bad) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if bad {
        return Err(ParseError::whole("the file is neither UTF-8 nor Shift_JIS"));
    }
    Ok(text.into_owned())
}

/// One row of a table, with the line of the file it starts on.
struct Row {
    line: usize,
    fields: Vec<String>,
}

/// Reads delimited rows from `text`, whose first line is line `first_line`
/// of the file. Rows of blank cells are dropped (instruments pad sections
/// with them).
fn read_rows(text: &str, first_line: usize, delimiter: u8) -> Result<Vec<Row>, ParseError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    // The reader's own positions are not the record's line: they point at
    // the end of the record before (before a CRLF's LF, before skipped
    // blank lines), so the line is counted from the first byte after them.
    let bytes = text.as_bytes();
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let file_line = |p: &csv::Position| {
        let at = usize::try_from(p.byte())
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let at = at
            + bytes[at..]
                .iter()
                .take_while(|b| **b == b'\r' || **b == b'\n')
                .count();
        first_line + starts.partition_point(|s| *s <= at).saturating_sub(1)
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ParseError {
            line: e.position().map(file_line),
            reason: e.to_string(),
        })?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push(Row {
            line: record.position().map_or(first_line, file_line),
            fields: record.iter().map(str::to_string).collect(),
        });
    }
    Ok(rows)
}

/// A header cell as compared: trimmed, lower case, inner spaces single,
/// and the Cyrillic `т` some exports write in `Cт` read as `t`.
fn header_name(cell: &str) -> String {
    cell.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace('т', "t")
}

/// A table's header row, normalised.
struct Header {
    line: usize,
    names: Vec<String>,
}

impl Header {
    fn new(row: &Row) -> Header {
        Header {
            line: row.line,
            names: row.fields.iter().map(|c| header_name(c)).collect(),
        }
    }

    /// The first column with any of the names, in the order given (some
    /// exports repeat a column at the end of the row; the first counts).
    fn find(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.names.iter().position(|h| h == &header_name(n)))
    }

    fn require(&self, names: &[&str]) -> Result<usize, ParseError> {
        self.find(names).ok_or_else(|| {
            ParseError::at(
                self.line,
                format!("the header has no {:?} column", names[0]),
            )
        })
    }
}

impl Row {
    /// A cell that must be there: a row that ends before it was cut
    /// short, and reading it as empty could turn a Ct into "undetermined".
    fn cell(&self, col: usize, name: &str) -> Result<&str, ParseError> {
        self.fields.get(col).map(|c| c.trim()).ok_or_else(|| {
            ParseError::at(
                self.line,
                format!(
                    "the row ends before its {name:?} column (field {})",
                    col + 1
                ),
            )
        })
    }

    /// A cell that may be missing or empty.
    fn optional(&self, col: Option<usize>) -> &str {
        col.and_then(|c| self.fields.get(c))
            .map_or("", |c| c.trim())
    }
}

/// A Ct cell: an undetermined marker, or a finite, non-negative number.
fn parse_ct(cell: &str, line: usize, undetermined: &[&str]) -> Result<Ct, ParseError> {
    let cell = cell.trim();
    if undetermined
        .iter()
        .any(|u| u.trim().eq_ignore_ascii_case(cell))
    {
        return Ok(Ct::Undetermined);
    }
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Ct::Value(v)),
        _ => Err(ParseError::at(
            line,
            format!("Ct {cell:?} is neither a number nor a mark of no amplification"),
        )),
    }
}

/// `A01`, `a1` and ` A1 ` are all `A1`; anything else (a well number) is
/// kept as written.
fn normalise_well(well: &str) -> String {
    let well = well.trim();
    let letters = well.chars().take_while(char::is_ascii_alphabetic).count();
    let digits = &well[letters..];
    if (1..=2).contains(&letters)
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        let n = digits.trim_start_matches('0');
        format!(
            "{}{}",
            well[..letters].to_ascii_uppercase(),
            if n.is_empty() { "0" } else { n }
        )
    } else {
        well.to_string()
    }
}

/// A task or content cell: QuantStudio's `UNKNOWN` / `NTC` / `STANDARD`,
/// CFX's `Unkn-01` / `NTC` / `Std-01` / `Pos Ctrl`. Anything else (CFX's
/// `Neg Ctrl`, `NRT`) is a sample like any other, judged by its name.
fn task_from_text(cell: &str) -> WellTask {
    let t = header_name(cell);
    if t == "ntc" || t.starts_with("ntc-") || t == "no template control" {
        WellTask::Ntc
    } else if t == "standard" || t == "std" || t.starts_with("std-") {
        WellTask::Standard
    } else if t == "pos ctrl" || t.starts_with("pos ctrl-") || t == "positive control" {
        WellTask::PositiveControl
    } else {
        WellTask::Unknown
    }
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assay::{interpret, Assay, ControlFailureKind, SampleProblemKind};
    use crate::domain::results::TestResult;

    pub(super) fn fixture(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/results")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn read(format: Format, name: &str) -> PlateFile {
        parse(format, &fixture(name), &GenericColumns::default()).unwrap()
    }

    fn sars2() -> Assay {
        toml::from_str(
            r#"
            name = "sars2-n1n2"
            method = "pcr"
            targets = ["N1", "N2"]
            internal_control = "RP"
            ct_cutoff = 40
            ntc_names = ["NTC"]
            positive_control_names = ["PC"]
            positive_control_ct_range = [20, 35]
            "#,
        )
        .unwrap()
    }

    fn ct_of(file: &PlateFile, sample: &str, target: &str) -> Ct {
        file.wells
            .iter()
            .find(|w| w.sample == sample && w.target == target)
            .map(|w| w.ct)
            .unwrap()
    }

    fn count(run: &crate::domain::assay::RunInterpretation, result: TestResult) -> usize {
        run.samples.iter().filter(|s| s.result == result).count()
    }

    #[test]
    fn every_fixture_reads_to_its_wells_and_ct_values() {
        let cases = [
            (Format::QuantStudio, "quantstudio-96-pass.txt", 96),
            (Format::QuantStudio, "quantstudio-96-ntc-fail.txt", 96),
            (Format::QuantStudio, "quantstudio-96-unknown.txt", 96),
            (Format::Cfx, "cfx-96-pass.csv", 96),
            (Format::Generic, "generic-pass.csv", 4),
            (Format::QuantStudio, "quantstudio-384.txt", 384),
        ];
        for (format, name, wells) in cases {
            let file = read(format, name);
            assert_eq!(file.format, format, "{name}");
            assert_eq!(
                file.wells.len(),
                wells * 3,
                "{name}: one reading per target per well"
            );
            let mut distinct: Vec<&str> = file.wells.iter().map(|w| w.well.as_str()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(distinct.len(), wells, "{name}");
        }

        let qs = read(Format::QuantStudio, "quantstudio-96-pass.txt");
        let cfx = read(Format::Cfx, "cfx-96-pass.csv");
        for file in [&qs, &cfx] {
            assert_eq!(ct_of(file, "R26-0007", "N1"), Ct::Value(24.1));
            assert_eq!(ct_of(file, "R26-0007", "N2"), Ct::Value(25.3));
            assert_eq!(ct_of(file, "R26-0007", "RP"), Ct::Value(27.0));
            assert_eq!(ct_of(file, "R26-0013", "RP"), Ct::Undetermined);
            assert_eq!(ct_of(file, "NTC", "N1"), Ct::Undetermined);
        }
        let a7 = qs.wells.iter().find(|w| w.sample == "R26-0007").unwrap();
        assert_eq!((a7.well.as_str(), a7.task), ("A7", WellTask::Unknown));
        assert_eq!(ct_of(&qs, "PC", "N2"), Ct::Value(29.105));
        assert_eq!(ct_of(&cfx, "PC", "N2"), Ct::Value(29.11));
        let task = |f: &PlateFile, s: &str| f.wells.iter().find(|w| w.sample == s).unwrap().task;
        assert_eq!(task(&qs, "NTC"), WellTask::Ntc);
        assert_eq!(task(&qs, "STD"), WellTask::Standard);
        assert_eq!(task(&cfx, "NTC"), WellTask::Ntc);
        assert_eq!(task(&cfx, "PC"), WellTask::PositiveControl);
        assert_eq!(task(&cfx, "STD"), WellTask::Standard);

        let big = read(Format::QuantStudio, "quantstudio-384.txt");
        assert_eq!(ct_of(&big, "R26-1300", "N1"), Ct::Value(18.215));
        let last = big.wells.last().unwrap();
        assert_eq!((last.well.as_str(), last.sample.as_str()), ("P24", "PC"));

        let generic = read(Format::Generic, "generic-pass.csv");
        assert_eq!(ct_of(&generic, "R26-0102", "N1"), Ct::Value(31.52));
        assert_eq!(ct_of(&generic, "R26-0103", "N1"), Ct::Undetermined);
        assert_eq!(ct_of(&generic, "R26-0103", "N2"), Ct::Undetermined);
    }

    #[test]
    fn detect_tells_each_fixture_format() {
        let cases = [
            ("quantstudio-96-pass.txt", Some(Format::QuantStudio)),
            ("quantstudio-96-ntc-fail.txt", Some(Format::QuantStudio)),
            ("quantstudio-384.txt", Some(Format::QuantStudio)),
            ("cfx-96-pass.csv", Some(Format::Cfx)),
            ("generic-pass.csv", None),
        ];
        for (name, want) in cases {
            assert_eq!(detect(&fixture(name)), want, "{name}");
        }
        assert_eq!(
            detect(b"[Results]\nWell\tSample Name\n"),
            Some(Format::QuantStudio)
        );
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b"\xff\xfe\xff"), None);
    }

    #[test]
    fn the_pass_fixture_gives_one_positive_one_invalid_and_the_rest_negative() {
        for (format, name) in [
            (Format::QuantStudio, "quantstudio-96-pass.txt"),
            (Format::Cfx, "cfx-96-pass.csv"),
        ] {
            let run = interpret(&sars2(), &read(format, name).wells);
            assert!(
                run.control_failures.is_empty(),
                "{name}: {:?}",
                run.control_failures
            );
            assert!(run.problems.is_empty(), "{name}: {:?}", run.problems);
            assert_eq!(run.samples.len(), 93, "{name}");
            assert_eq!(run.samples[0].sample, "R26-0001", "{name}: plate order");
            assert_eq!(count(&run, TestResult::Positive), 1, "{name}");
            assert_eq!(count(&run, TestResult::Invalid), 1, "{name}");
            assert_eq!(count(&run, TestResult::Negative), 91, "{name}");
            let r7 = run.samples.iter().find(|s| s.sample == "R26-0007").unwrap();
            assert_eq!(r7.result, TestResult::Positive);
            assert_eq!(r7.wells, ["A7"]);
            assert_eq!(r7.ct.get("N1"), Some(&Some(24.1)));
            assert_eq!(r7.rule, "any_target<40;ic<40");
            let r13 = run.samples.iter().find(|s| s.sample == "R26-0013").unwrap();
            assert_eq!(r13.result, TestResult::Invalid);
        }
    }

    #[test]
    fn the_ntc_fail_fixture_refuses_the_run() {
        let run = interpret(
            &sars2(),
            &read(Format::QuantStudio, "quantstudio-96-ntc-fail.txt").wells,
        );
        assert!(run.is_refused());
        assert_eq!(run.control_failures.len(), 1);
        let f = &run.control_failures[0];
        assert_eq!(
            (f.well.as_str(), f.sample.as_str(), f.target.as_deref()),
            ("H10", "NTC", Some("N1"))
        );
        assert_eq!(f.kind, ControlFailureKind::NtcAmplified { ct: 35.2 });
    }

    #[test]
    fn the_unknown_fixture_reports_the_sample_in_two_wells() {
        let run = interpret(
            &sars2(),
            &read(Format::QuantStudio, "quantstudio-96-unknown.txt").wells,
        );
        assert!(!run.is_refused());
        assert_eq!(run.samples.len(), 92);
        assert!(run.samples.iter().any(|s| s.sample == "R26-9998"));
        assert!(run.samples.iter().any(|s| s.sample == "XYZ"));
        assert_eq!(run.problems.len(), 1, "{:?}", run.problems);
        assert_eq!(run.problems[0].sample, "R26-0020");
        assert_eq!(
            run.problems[0].kind,
            SampleProblemKind::DuplicateWells {
                wells: vec!["B8".into(), "G8".into()]
            }
        );
    }

    #[test]
    fn the_384_fixture_gives_two_positives() {
        let run = interpret(
            &sars2(),
            &read(Format::QuantStudio, "quantstudio-384.txt").wells,
        );
        assert!(run.control_failures.is_empty() && run.problems.is_empty());
        assert_eq!(run.samples.len(), 382);
        let positives: Vec<&str> = run
            .samples
            .iter()
            .filter(|s| s.result == TestResult::Positive)
            .map(|s| s.sample.as_str())
            .collect();
        assert_eq!(positives, ["R26-1042", "R26-1300"]);
        assert_eq!(count(&run, TestResult::Negative), 380);
    }

    #[test]
    fn shift_jis_and_bom_files_decode() {
        let text = "Well,Sample,Target,Ct\nA1,検体-01,N1,24.5\n";
        let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(text);
        assert!(!bad);
        assert!(
            std::str::from_utf8(&sjis).is_err(),
            "the test needs bytes that are not UTF-8"
        );
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend_from_slice(text.as_bytes());
        for bytes in [sjis.to_vec(), bom, text.as_bytes().to_vec()] {
            let file = parse(Format::Generic, &bytes, &GenericColumns::default()).unwrap();
            assert_eq!(file.wells[0].sample, "検体-01");
            assert_eq!(file.wells[0].ct, Ct::Value(24.5));
        }
        let err = parse(
            Format::Generic,
            b"Well,Sample\n\x82",
            &GenericColumns::default(),
        )
        .unwrap_err();
        assert_eq!(err.line, None);
    }

    #[test]
    fn wells_tasks_and_cts_read_alike_from_every_format() {
        for (written, well) in [
            ("A01", "A1"),
            ("a1", "A1"),
            (" H12 ", "H12"),
            ("P024", "P24"),
            ("37", "37"),
        ] {
            assert_eq!(normalise_well(written), well, "{written:?}");
        }
        for (cell, task) in [
            ("UNKNOWN", WellTask::Unknown),
            ("Unkn-01", WellTask::Unknown),
            ("NTC", WellTask::Ntc),
            ("STANDARD", WellTask::Standard),
            ("Std-03", WellTask::Standard),
            ("Pos Ctrl", WellTask::PositiveControl),
            ("Neg Ctrl", WellTask::Unknown),
        ] {
            assert_eq!(task_from_text(cell), task, "{cell:?}");
        }
        let und = ["Undetermined", ""];
        assert_eq!(parse_ct(" 24.100 ", 3, &und), Ok(Ct::Value(24.1)));
        assert_eq!(parse_ct("UNDETERMINED", 3, &und), Ok(Ct::Undetermined));
        assert_eq!(parse_ct("", 3, &und), Ok(Ct::Undetermined));
        for bad in ["NaN", "inf", "-1", "24,1", "x"] {
            assert_eq!(parse_ct(bad, 3, &und).unwrap_err().line, Some(3), "{bad:?}");
        }
        assert_eq!(Format::from_code("quantstudio"), Some(Format::QuantStudio));
        assert_eq!(
            serde_json::to_string(&Format::QuantStudio).unwrap(),
            "\"quantstudio\""
        );
        assert_eq!(Format::Cfx.code(), "cfx");
    }

    #[test]
    fn an_error_says_its_line_in_english() {
        let e = ParseError::at(12, "the header has no \"CT\" column");
        assert_eq!(e.to_string(), "line 12: the header has no \"CT\" column");
        assert_eq!(ParseError::whole("empty").to_string(), "empty");
        let err = parse(
            Format::Generic,
            b"Well,Sample,Target,Ct\n",
            &GenericColumns::default(),
        )
        .unwrap_err();
        assert_eq!(err.reason, "the file has no result rows");
    }
}
