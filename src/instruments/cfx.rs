//! The CFX "Quantification Cq Results" CSV.
//!
//! One row per fluorophore per well, under a header row with `Well`,
//! `Fluor`, `Target`, `Content`, `Sample`, `Cq` and more; exports often
//! start every row with an empty column, and some versions put run
//! information rows (`File Name`, `Run Ended`, `Base Serial Number`) above
//! the header, which name the run. `Cq` is `NaN` or empty when nothing
//! amplified. A row with no `Target` is named by its `Fluor`, because a
//! plate set up without target names still tells its dyes apart. Wells are
//! written `A01` and read as `A1`. `Content` gives the task: `Unkn`
//! (`Unkn-01` in replicate groups), `NTC`, `Std-01`, `Pos Ctrl`.

use super::{
    normalise_well, parse_ct, read_rows, task_from_text, Format, Header, ParseError, PlateFile,
};
use crate::domain::assay::WellReading;

const UNDETERMINED: [&str; 3] = ["NaN", "", "N/A"];

pub(super) fn parse(text: &str) -> Result<PlateFile, ParseError> {
    let rows = read_rows(text, 1, b',')?;
    let is_header = |names: &[String]| {
        let has = |n: &str| names.iter().any(|h| h == n);
        has("well") && has("cq")
    };
    let Some(at) = rows.iter().position(|r| is_header(&Header::new(r).names)) else {
        let line = rows.first().map_or(1, |r| r.line);
        return Err(ParseError::at(
            line,
            "no header row with \"Well\" and \"Cq\" columns",
        ));
    };
    let preamble = |key: &str| {
        rows[..at].iter().find_map(|r| {
            let mut cells = r.fields.iter().map(|c| c.trim()).filter(|c| !c.is_empty());
            let k = cells.next()?;
            (super::header_name(k.trim_end_matches(':')) == key)
                .then(|| cells.next().map(str::to_string))
                .flatten()
        })
    };
    let head = Header::new(&rows[at]);
    let well = head.require(&["Well"])?;
    let fluor = head.find(&["Fluor"]);
    let target = head.find(&["Target"]);
    if fluor.is_none() && target.is_none() {
        head.require(&["Target"])?;
    }
    let content = head.find(&["Content"]);
    let sample = head.require(&["Sample"])?;
    let cq = head.require(&["Cq"])?;

    let mut wells = Vec::with_capacity(rows.len() - at);
    for row in &rows[at + 1..] {
        let named = row.optional(target);
        let name = if named.is_empty() {
            row.optional(fluor)
        } else {
            named
        };
        if name.is_empty() {
            return Err(ParseError::at(
                row.line,
                "the row has neither a Target nor a Fluor",
            ));
        }
        wells.push(WellReading {
            well: normalise_well(row.cell(well, "Well")?),
            sample: row.cell(sample, "Sample")?.to_string(),
            target: name.to_string(),
            task: task_from_text(row.optional(content)),
            ct: parse_ct(row.cell(cq, "Cq")?, row.line, &UNDETERMINED)?,
        });
    }

    Ok(PlateFile {
        format: Format::Cfx,
        instrument: preamble("base serial number"),
        run_name: preamble("file name"),
        run_end: preamble("run ended"),
        wells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assay::{Ct, WellTask};

    #[test]
    fn rows_read_with_or_without_the_leading_empty_column() {
        let cases = [
            ",Well,Fluor,Target,Content,Sample,Cq\n,A01,FAM,N1,Unkn-01,R26-0001,23.45\n",
            "Well,Fluor,Target,Content,Sample,Cq\nA01,FAM,N1,Unkn-01,R26-0001,23.45\n",
            "Well,Fluor,Target,Content,Sample,Cq\r\nA01,FAM,N1,Unkn-01,R26-0001,23.45\r\n",
        ];
        for text in cases {
            let file = parse(text).unwrap();
            let w = &file.wells[0];
            assert_eq!(
                (
                    w.well.as_str(),
                    w.sample.as_str(),
                    w.target.as_str(),
                    w.task,
                    w.ct
                ),
                ("A1", "R26-0001", "N1", WellTask::Unknown, Ct::Value(23.45)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn an_empty_target_is_named_by_its_fluor_and_nan_is_undetermined() {
        let text = ",Well,Fluor,Target,Content,Sample,Cq\n\
                    ,H10,Cy5,,NTC,NTC,NaN\n\
                    ,H11,FAM,N1,Pos Ctrl,PC,\n";
        let file = parse(text).unwrap();
        assert_eq!(file.wells[0].target, "Cy5");
        assert_eq!(file.wells[0].ct, Ct::Undetermined);
        assert_eq!(file.wells[0].task, WellTask::Ntc);
        assert_eq!(file.wells[1].ct, Ct::Undetermined);
        assert_eq!(file.wells[1].task, WellTask::PositiveControl);
    }

    #[test]
    fn run_information_above_the_header_names_the_run() {
        let text = "File Name,R26-plate-010.pcrd\n\
                    Run Ended,11/20/2026 15:32:11 UTC+09:00\n\
                    Base Serial Number,CT012345\n\
                    \n\
                    ,Well,Fluor,Target,Content,Sample,Cq\n\
                    ,A01,FAM,N1,Unkn,R26-0001,NaN\n";
        let file = parse(text).unwrap();
        assert_eq!(file.run_name.as_deref(), Some("R26-plate-010.pcrd"));
        assert_eq!(
            file.run_end.as_deref(),
            Some("11/20/2026 15:32:11 UTC+09:00")
        );
        assert_eq!(file.instrument.as_deref(), Some("CT012345"));
        assert_eq!(file.wells.len(), 1);
    }

    #[test]
    fn errors_carry_the_line_they_were_found_on() {
        let cases: Vec<(&str, usize, &str)> = vec![
            ("Well,Sample,Target\nA01,R26-0001,N1\n", 1, "no header row"),
            (
                ",Well,Fluor,Target,Cq\n,A01,FAM,N1,20\n",
                1,
                "\"Sample\" column",
            ),
            (
                ",Well,Sample,Cq\n,A01,R26-0001,20\n",
                1,
                "\"Target\" column",
            ),
            (
                ",Well,Fluor,Target,Sample,Cq\n,A01,FAM,N1,R,20\n,A02,FAM,N1,R,x\n",
                3,
                "Ct \"x\"",
            ),
            (
                ",Well,Fluor,Target,Sample,Cq\n,A01,,,R,20\n",
                2,
                "neither a Target nor a Fluor",
            ),
        ];
        for (text, line, reason) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.line, Some(line), "{reason}: {err}");
            assert!(err.reason.contains(reason), "{err} should say {reason}");
        }
    }
}
