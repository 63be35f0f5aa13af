//! The QuantStudio / 7500 results text export.
//!
//! The file opens with `* Key = Value` header lines (instrument, experiment,
//! run end time), then sections, each a `[Name]` line followed by a table:
//! `[Sample Setup]`, `[Amplification Data]`, `[Results]` and others, in an
//! order that differs between software versions. Only `[Results]` holds
//! the calls: its first row names the columns, then one row per target per
//! well (a multiplex well has several). It ends at the next section or at
//! the end of the file.
//!
//! Columns are found by name, not position, because software versions add
//! and reorder them: `Well Position` (else `Well`), `Omit`, `Sample Name`,
//! `Target Name` (`Detector` in old 7500 exports), `Task`, and the Ct as
//! `CT`, `Ct`, `Cт` or `Cq`. Some exports repeat `Target Name` and `Task`
//! at the end of each row; the first occurrence counts. A row marked
//! `Omit` = true was excluded by the operator and is skipped. The text
//! export is tab-separated; a comma-separated one (the CSV export of the
//! same table) is recognised by its header row.

use super::{
    normalise_well, parse_ct, read_rows, task_from_text, Format, Header, ParseError, PlateFile,
};
use crate::domain::assay::WellReading;

/// What a Ct cell says when there was no amplification.
const UNDETERMINED: [&str; 3] = ["Undetermined", "", "N/A"];

pub(super) fn parse(text: &str) -> Result<PlateFile, ParseError> {
    let mut header: Vec<(String, String)> = Vec::new();
    let mut in_header = true;
    // Byte range of the [Results] table, and the file line it starts on.
    let mut results: Option<(usize, usize, usize)> = None;
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        offset += line.len();
        let t = line.trim();
        let is_section = t.starts_with('[') && t.ends_with(']');
        if let Some((_, end, _)) = results.as_mut() {
            if is_section {
                break;
            }
            *end = offset;
            continue;
        }
        if is_section {
            in_header = false;
            if t.eq_ignore_ascii_case("[results]") {
                results = Some((offset, offset, i + 2));
            }
        } else if in_header {
            if let Some((key, value)) = t.strip_prefix('*').and_then(|kv| kv.split_once('=')) {
                header.push((super::header_name(key), value.trim().to_string()));
            }
        }
    }
    let Some((start, end, first_line)) = results else {
        return Err(ParseError::whole("the file has no [Results] section"));
    };
    let table = &text[start..end];

    let delimiter = match table.lines().find(|l| !l.trim().is_empty()) {
        Some(l) if !l.contains('\t') && l.contains(',') => b',',
        _ => b'\t',
    };
    let rows = read_rows(table, first_line, delimiter)?;
    let Some((head, rows)) = rows.split_first() else {
        return Err(ParseError::at(
            first_line - 1,
            "the [Results] section is empty",
        ));
    };
    let head = Header::new(head);
    let position = head.find(&["Well Position"]);
    let number = head.find(&["Well"]);
    let well_col = match (position, number) {
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => head.require(&["Well Position", "Well"])?,
    };
    let omit = head.find(&["Omit"]);
    let sample = head.require(&["Sample Name", "Sample"])?;
    let target = head.require(&["Target Name", "Target", "Detector Name", "Detector"])?;
    let task = head.find(&["Task"]);
    let ct = head.require(&["CT", "Cq"])?;

    let mut wells = Vec::with_capacity(rows.len());
    for row in rows {
        if is_true(row.optional(omit)) {
            continue;
        }
        wells.push(WellReading {
            well: normalise_well(row.cell(well_col, "Well")?),
            sample: row.cell(sample, "Sample Name")?.to_string(),
            target: row.cell(target, "Target Name")?.to_string(),
            task: task_from_text(row.optional(task)),
            ct: parse_ct(row.cell(ct, "CT")?, row.line, &UNDETERMINED)?,
        });
    }
    if position.is_none() {
        let columns = plate_columns(value(&header, "block type").as_deref(), &wells);
        for w in &mut wells {
            if let Some(p) = well_position(&w.well, columns) {
                w.well = p;
            }
        }
    }

    Ok(PlateFile {
        format: Format::QuantStudio,
        instrument: value(&header, "instrument name")
            .or_else(|| value(&header, "instrument serial number"))
            .or_else(|| value(&header, "instrument type")),
        run_name: value(&header, "experiment name")
            .or_else(|| value(&header, "experiment file name")),
        run_end: value(&header, "experiment run end time"),
        wells,
    })
}

fn value(header: &[(String, String)], key: &str) -> Option<String> {
    header
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| super::non_empty(v))
}

fn is_true(cell: &str) -> bool {
    ["true", "yes", "y", "1"]
        .iter()
        .any(|t| cell.eq_ignore_ascii_case(t))
}

/// The plate's width, for exports that give only well numbers: from the
/// block type when the header names it, else from the highest well number.
fn plate_columns(block: Option<&str>, wells: &[WellReading]) -> usize {
    match block {
        Some(b) if b.contains("384") => 24,
        Some(b) if b.contains("96") => 12,
        Some(b) if b.contains("48") => 8,
        _ if wells
            .iter()
            .filter_map(|w| w.well.parse::<usize>().ok())
            .any(|n| n > 96) =>
        {
            24
        }
        _ => 12,
    }
}

/// Well number (1-based, row by row) to `A1` style.
fn well_position(number: &str, columns: usize) -> Option<String> {
    let n = number.parse::<usize>().ok()?.checked_sub(1)?;
    let row = char::from(b'A' + u8::try_from(n / columns).ok().filter(|r| *r < 26)?);
    Some(format!("{row}{}", n % columns + 1))
}

#[cfg(test)]
mod tests {
    use super::super::tests::fixture;
    use super::*;
    use crate::domain::assay::{Ct, WellTask};

    const HEAD: &str = "* Instrument Name = QS5-01\n* Experiment Name = run-7\n\n";

    fn qs(text: &str) -> Result<PlateFile, ParseError> {
        parse(text)
    }

    #[test]
    fn the_header_block_names_the_run() {
        let file = parse(&String::from_utf8(fixture("quantstudio-96-pass.txt")).unwrap()).unwrap();
        assert_eq!(file.instrument.as_deref(), Some("QS5-KENTAI-01"));
        assert_eq!(file.run_name.as_deref(), Some("R26-plate-001"));
        assert_eq!(file.run_end.as_deref(), Some("2026-11-20 15:32:11 PM JST"));
        assert_eq!(file.format, Format::QuantStudio);
    }

    #[test]
    fn omitted_rows_are_skipped_and_the_first_of_repeated_columns_counts() {
        let text = format!(
            "{HEAD}[Results]\n\
             Well\tWell Position\tOmit\tSample Name\tTarget Name\tTask\tCT\tTarget Name\tTask\n\
             1\tA1\tfalse\tR26-0001\tN1\tUNKNOWN\t24.1\tOTHER\tNTC\n\
             1\tA1\tTRUE\tR26-0001\tN2\tUNKNOWN\t25.0\tN2\tUNKNOWN\n\
             2\tA2\tfalse\tNTC\tN1\tNTC\tUndetermined\tN1\tUNKNOWN\n"
        );
        let file = qs(&text).unwrap();
        assert_eq!(file.wells.len(), 2);
        assert_eq!(file.wells[0].target, "N1");
        assert_eq!(file.wells[0].task, WellTask::Unknown);
        assert_eq!(file.wells[1].task, WellTask::Ntc);
        assert_eq!(file.instrument.as_deref(), Some("QS5-01"));
    }

    #[test]
    fn crlf_and_lf_files_read_the_same() {
        let lf = String::from_utf8(fixture("quantstudio-96-pass.txt"))
            .unwrap()
            .replace("\r\n", "\n");
        let crlf = String::from_utf8(fixture("quantstudio-96-pass.txt")).unwrap();
        assert!(crlf.contains("\r\n") && !lf.contains('\r'));
        assert_eq!(parse(&lf).unwrap(), parse(&crlf).unwrap());
    }

    #[test]
    fn the_ct_header_variants_and_a_csv_export_are_read() {
        for ct in ["CT", "Ct", "Cт", "Cq", "cq"] {
            let text = format!(
                "{HEAD}[Results]\nWell\tSample Name\tTarget Name\t{ct}\tCt Mean\n5\tR26-0001\tN1\t31.2\t31.2\n"
            );
            let file = qs(&text).unwrap();
            assert_eq!(file.wells[0].ct, Ct::Value(31.2), "{ct}");
            assert_eq!(
                file.wells[0].well, "A5",
                "a well number is a 96-well position"
            );
        }
        let csv = "[Results]\r\nWell,Well Position,Sample Name,Target Name,CT,Quantity\r\n\
                   1,A01,R26-0001,N1,24.1,\"1,234.5\"\r\n";
        let file = qs(csv).unwrap();
        assert_eq!(
            (file.wells[0].well.as_str(), file.wells[0].ct),
            ("A1", Ct::Value(24.1))
        );
    }

    #[test]
    fn well_numbers_follow_the_block_type() {
        let text = "* Block Type = 384-Well Block\n[Results]\nWell\tSample Name\tTarget Name\tCT\n\
                    25\tR26-0001\tN1\t20\n384\tR26-0002\tN1\t20\n";
        let wells: Vec<String> = qs(text)
            .unwrap()
            .wells
            .into_iter()
            .map(|w| w.well)
            .collect();
        assert_eq!(wells, ["B1", "P24"]);
    }

    #[test]
    fn a_section_after_results_ends_it() {
        let text = format!(
            "{HEAD}[Results]\nWell\tSample Name\tTarget Name\tCT\n1\tR26-0001\tN1\t24.1\n\n\
             [Amplification Data]\nWell\tCycle\tTarget Name\tRn\n1\t1\tN1\tfoo\n"
        );
        assert_eq!(qs(&text).unwrap().wells.len(), 1);
    }

    #[test]
    fn errors_carry_the_line_they_were_found_on() {
        let head = "Well\tSample Name\tTarget Name\tCT";
        // HEAD is three lines, [Results] the fourth, the header row the fifth.
        let cases: Vec<(String, Option<usize>, &str)> = vec![
            (
                format!("{HEAD}[Sample Setup]\n{head}\n"),
                None,
                "no [Results] section",
            ),
            (
                format!("{HEAD}[Results]\nWell\tSample Name\tCT\n1\tA\t20\n"),
                Some(5),
                "\"Target Name\" column",
            ),
            (
                format!("{HEAD}[Results]\nWell\tSample Name\tTarget Name\n"),
                Some(5),
                "\"CT\" column",
            ),
            (
                format!("{HEAD}[Results]\nSample Name\tTarget Name\tCT\n"),
                Some(5),
                "\"Well Position\" column",
            ),
            (
                format!("{HEAD}[Results]\n{head}\n1\tA\tN1\t20\n2\tB\tN1\tfail\n"),
                Some(7),
                "Ct \"fail\"",
            ),
            (
                format!("{HEAD}[Results]\r\n{head}\r\n1\tA\tN1\t20\r\n\r\n2\tB\tN1\t-3\r\n"),
                Some(8),
                "Ct \"-3\"",
            ),
            (
                format!("{HEAD}[Results]\n{head}\n1\tA\tN1\t20\n2\tB\tN1\n"),
                Some(7),
                "ends before its \"CT\" column",
            ),
            (
                format!("{HEAD}[Results]\n\n[Amplification Data]\n"),
                Some(4),
                "section is empty",
            ),
        ];
        for (text, line, reason) in cases {
            let err = qs(&text).unwrap_err();
            assert_eq!(err.line, line, "{reason}: {err}");
            assert!(err.reason.contains(reason), "{err} should say {reason}");
        }
    }
}
