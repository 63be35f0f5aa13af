//! A site's own CSV: one reading per row, its columns named by
//! [`GenericColumns`] (kentai.toml), for instruments and LIS exports that
//! have no parser of their own. The first non-blank row is the header.

use super::{
    normalise_well, parse_ct, read_rows, task_from_text, Format, GenericColumns, Header,
    ParseError, PlateFile,
};
use crate::domain::assay::{WellReading, WellTask};

pub(super) fn parse(text: &str, columns: &GenericColumns) -> Result<PlateFile, ParseError> {
    let delimiter = columns.delimiter.unwrap_or(',');
    let delimiter = u8::try_from(delimiter)
        .ok()
        .filter(u8::is_ascii)
        .ok_or_else(|| {
            ParseError::whole(format!(
                "the delimiter {delimiter:?} is not a single ASCII character"
            ))
        })?;
    let rows = read_rows(text, 1, delimiter)?;
    let Some((head, rows)) = rows.split_first() else {
        return Err(ParseError::whole("the file has no header row"));
    };
    let head = Header::new(head);
    let sample = head.require(&[&columns.sample])?;
    let target = head.require(&[&columns.target])?;
    let ct = head.require(&[&columns.ct])?;
    let well = columns.well.as_deref().and_then(|w| head.find(&[w]));
    let task = columns.task.as_deref().and_then(|t| head.find(&[t]));
    let undetermined: Vec<&str> = columns.undetermined.iter().map(String::as_str).collect();

    let mut wells = Vec::with_capacity(rows.len());
    for row in rows {
        let sample = row.cell(sample, &columns.sample)?;
        let well = match well {
            Some(c) => normalise_well(row.cell(c, columns.well.as_deref().unwrap_or_default())?),
            None => sample.to_string(),
        };
        wells.push(WellReading {
            well,
            sample: sample.to_string(),
            target: row.cell(target, &columns.target)?.to_string(),
            task: task.map_or(WellTask::Unknown, |c| task_from_text(row.optional(Some(c)))),
            ct: parse_ct(row.cell(ct, &columns.ct)?, row.line, &undetermined)?,
        });
    }
    Ok(PlateFile {
        format: Format::Generic,
        instrument: None,
        run_name: None,
        run_end: None,
        wells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assay::Ct;

    #[test]
    fn a_site_names_its_own_columns_and_markers() {
        let columns: GenericColumns = toml::from_str(
            r#"
            sample = "検体ID"
            target = "項目"
            ct = "CT値"
            delimiter = ";"
            undetermined = ["-", "未検出"]
            "#,
        )
        .unwrap();
        assert_eq!(columns.well.as_deref(), Some("Well"));
        let text = "検体ID;項目;CT値\nR26-0001;N1;-\nR26-0001;RP;27.1\nR26-0002;N1;未検出\n";
        let file = parse(text, &columns).unwrap();
        let got: Vec<(&str, &str, Ct)> = file
            .wells
            .iter()
            .map(|w| (w.well.as_str(), w.target.as_str(), w.ct))
            .collect();
        assert_eq!(
            got,
            [
                ("R26-0001", "N1", Ct::Undetermined),
                ("R26-0001", "RP", Ct::Value(27.1)),
                ("R26-0002", "N1", Ct::Undetermined),
            ],
            "without a well column the sample is its own well"
        );
        let err = parse("検体ID;項目;CT値\nR26-0001;N1;\n", &columns).unwrap_err();
        assert_eq!(
            err.line,
            Some(2),
            "an empty Ct is an error once \"\" is not a marker"
        );
    }

    #[test]
    fn the_task_column_is_read_when_present() {
        let text = "Well,Sample,Target,Ct,Task\nA12,NTC,N1,,NTC\nA01,R26-0001,N1,30.0,\n";
        let file = parse(text, &GenericColumns::default()).unwrap();
        assert_eq!(file.wells[0].task, WellTask::Ntc);
        assert_eq!(file.wells[1].task, WellTask::Unknown);
        assert_eq!(file.wells[1].well, "A1");
    }

    #[test]
    fn unknown_settings_and_bad_delimiters_are_refused() {
        assert!(toml::from_str::<GenericColumns>("sampel = \"x\"").is_err());
        let columns = GenericColumns {
            delimiter: Some('、'),
            ..GenericColumns::default()
        };
        assert!(parse("a", &columns).unwrap_err().reason.contains("ASCII"));
        let err = parse("Well,Sample,Ct\nA1,R,20\n", &GenericColumns::default()).unwrap_err();
        assert_eq!(err.line, Some(1));
        assert!(err.reason.contains("\"Target\""));
    }
}
