//! The day's report and day summary for the health centre (README, "The health centre's day report").
//!
//! One query reads the day's specimens — collected that day, or given a
//! result that day — with their patient, their latest result version and
//! what their storage history says (−20 °C, freeze–thaw), in collection
//! order; rows are handed to the caller one at a time as the database
//! yields them, so a day of 100,000 specimens streams in constant memory.
//! The same query serves both backends: the SQL differs only in its
//! placeholders.

use super::{ActionError, Actor, Ctx};
use crate::domain::messages::RuleMsg;
use crate::domain::patient::Sex;
use crate::domain::registration::Flag;
use crate::domain::results::{TestMethod, TestResult};
use crate::domain::roles::Action;
use crate::domain::{RuleCode, SpecimenType};
use crate::report::summary::{Counts, DaySummary};
use crate::report::ReportRow;
use crate::store::{DbConnection, StoreError};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text, Timestamp};
use serde::Deserialize;

/// Which day, and whose specimens.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportScope {
    /// The report's day (YYYY-MM-DD, in the site's time zone).
    pub date: NaiveDate,
    /// The facility whose specimens are reported (its `facility_code`):
    /// this server's, which is also the default; any other is 403.
    #[serde(default)]
    pub facility: Option<String>,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    specimen_id: String,
    #[diesel(sql_type = Text)]
    facility_code: String,
    #[diesel(sql_type = Text)]
    specimen_type: String,
    #[diesel(sql_type = Timestamp)]
    collected_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Date>)]
    onset_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Integer>)]
    days_since_onset: Option<i32>,
    #[diesel(sql_type = Text)]
    test_method: String,
    #[diesel(sql_type = Text)]
    flags: String,
    #[diesel(sql_type = Text)]
    patient_key: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<Text>)]
    name_kana: Option<String>,
    #[diesel(sql_type = Text)]
    sex: String,
    #[diesel(sql_type = Nullable<Date>)]
    birth_date: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    phone: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    result: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    result_method: Option<String>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    resulted_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Integer>)]
    result_version: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    correction_reason: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    assay: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    ct: Option<String>,
    #[diesel(sql_type = Nullable<Integer>)]
    pending_version: Option<i32>,
    #[diesel(sql_type = Bool)]
    asymptomatic: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    minus20: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    minus20_reason: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    thaws: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    patient_corrected_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Bool)]
    collected_today: bool,
}

/// The day's specimens, in collection order. `$1`/`$2` are the day's
/// bounds (UTC), `$3` the facility. The result shown is the latest
/// released version, the one no later released version follows (an anti-join: PostgreSQL plans it in two
/// thirds of the time of a `MAX(version)` subquery per row). Storage flags come from a
/// window over each specimen's storage events: a thaw is a move from a
/// freezer to anything warmer (`domain::storage::freeze_thaw_count`).
const DAY_SQL: &str = "
WITH day_ids AS (
    SELECT specimen_id FROM specimens WHERE collected_at >= $1 AND collected_at < $2
    UNION
    SELECT specimen_id FROM results WHERE resulted_at >= $1 AND resulted_at < $2
),
moves AS (
    SELECT e.specimen_id, e.storage_class, e.override_reason,
           CASE WHEN e.storage_class NOT IN ('frozen_minus20', 'frozen_minus80')
                 AND LAG(e.storage_class) OVER (PARTITION BY e.specimen_id ORDER BY e.at, e.id)
                     IN ('frozen_minus20', 'frozen_minus80')
                THEN 1 ELSE 0 END AS thaw
    FROM storage_events e JOIN day_ids d ON d.specimen_id = e.specimen_id
),
storage AS (
    SELECT specimen_id,
           SUM(CASE WHEN storage_class = 'frozen_minus20' THEN 1 ELSE 0 END) AS minus20,
           MAX(CASE WHEN storage_class = 'frozen_minus20' THEN override_reason END) AS minus20_reason,
           SUM(thaw) AS thaws
    FROM moves GROUP BY specimen_id
)
SELECT s.specimen_id, s.facility_code, s.specimen_type, s.collected_at, s.onset_date,
       s.days_since_onset, s.test_method, s.flags, s.asymptomatic,
       p.patient_key, p.name, p.name_kana, p.sex, p.birth_date, p.address, p.phone,
       r.result, r.method AS result_method, r.resulted_at, r.version AS result_version,
       r.correction_reason, r.assay, r.ct,
       (SELECT MAX(e.version) FROM results e
        WHERE e.specimen_id = s.specimen_id AND e.status = 'entered'
          AND NOT EXISTS (SELECT 1 FROM results l
                          WHERE l.specimen_id = e.specimen_id AND l.status <> 'returned'
                            AND l.version > e.version)) AS pending_version,
       st.minus20, st.minus20_reason, st.thaws,
       (SELECT MAX(v.changed_at) FROM patient_versions v
        WHERE v.patient_ref = p.id AND v.kind = 'corrected') AS patient_corrected_at,
       (s.collected_at >= $1 AND s.collected_at < $2) AS collected_today
FROM day_ids d
JOIN specimens s ON s.specimen_id = d.specimen_id
JOIN patients p ON p.id = s.patient_ref
LEFT JOIN results r ON r.specimen_id = s.specimen_id AND r.status = 'released'
    AND NOT EXISTS (SELECT 1 FROM results r2
                    WHERE r2.specimen_id = r.specimen_id AND r2.status = 'released'
                      AND r2.version > r.version)
LEFT JOIN storage st ON st.specimen_id = s.specimen_id
WHERE s.facility_code = $3
ORDER BY s.collected_at, s.specimen_id
";

fn day_sql(conn: &DbConnection) -> String {
    match conn {
        // SQLite numbers its parameters `?N`; a number may repeat.
        DbConnection::Sqlite(_) => DAY_SQL.replace('$', "?"),
        DbConnection::Pg(_) => DAY_SQL.to_string(),
    }
}

/// Streams the day's rows to `each`, in collection order. A site with
/// `report_negatives = false` leaves out rows that are in the report only
/// for a negative result (a specimen collected that day is always there).
/// `each` may stop the stream by failing.
pub fn day_rows(
    ctx: &Ctx,
    actor: &Actor,
    scope: &ReportScope,
    mut each: impl FnMut(ReportRow) -> Result<(), ActionError>,
) -> Result<usize, ActionError> {
    actor.require(Action::ReadReports)?;
    let facility = ctx.facility_in_scope(scope.facility.as_deref())?;
    let (from, to) = ctx.day_range(scope.date)?;
    let report_negatives = ctx.config.policy.report_negatives;
    ctx.store.read(|c| {
        let sql = day_sql(c);
        let mut count = 0;
        let mut take = |line: Line| -> Result<(), ActionError> {
            if !report_negatives
                && !line.collected_today
                && line.result.as_deref() == Some(TestResult::Negative.code())
            {
                return Ok(());
            }
            each(row_of(ctx, scope.date, line)?)?;
            count += 1;
            Ok(())
        };
        let query = diesel::sql_query(sql)
            .bind::<Timestamp, _>(from)
            .bind::<Timestamp, _>(to)
            .bind::<Text, _>(facility);
        match c {
            DbConnection::Sqlite(c) => {
                for line in query.load_iter::<Line, diesel::connection::DefaultLoadingMode>(c)? {
                    take(line?)?;
                }
            }
            // libpq hands over a whole result set unless asked for one row
            // at a time: without this a day of 100,000 rows sits in memory.
            DbConnection::Pg(c) => {
                for line in query.load_iter::<Line, diesel::pg::PgRowByRowLoadingMode>(c)? {
                    take(line?)?;
                }
            }
        }
        Ok(count)
    })
}

fn row_of(ctx: &Ctx, report_date: NaiveDate, l: Line) -> Result<ReportRow, StoreError> {
    use crate::store::codes::{read, read_json, Cell};
    let cell = |table, column| Cell {
        table,
        row: &l.specimen_id,
        column,
    };
    // The report writers print what they are given: a damaged code stops
    // the report here rather than reaching a health centre.
    read::<SpecimenType>(cell("specimens", "specimen_type"), &l.specimen_type)?;
    read::<TestMethod>(cell("specimens", "test_method"), &l.test_method)?;
    read::<Sex>(cell("specimens", "patient's sex"), &l.sex)?;
    if let Some(result) = &l.result {
        read::<TestResult>(cell("specimens", "released result"), result)?;
    }
    let mut flags: Vec<Flag> = read_json(cell("specimens", "flags"), &l.flags)?;
    if l.minus20.unwrap_or(0) > 0 {
        flags.push(Flag {
            code: RuleCode::Minus20Fallback,
            message: RuleMsg::Minus20Stored.into(),
            override_reason: l.minus20_reason,
        });
    }
    if let Some(at) = l.patient_corrected_at {
        flags.push(Flag {
            code: RuleCode::PatientCorrected,
            message: RuleMsg::PatientCorrected {
                on: ctx.site_time(at).date_naive(),
            }
            .into(),
            override_reason: None,
        });
    }
    if let Some(version) = l.result_version.filter(|v| *v > 1) {
        flags.push(Flag {
            code: RuleCode::CorrectedResult,
            message: RuleMsg::ResultCorrected {
                version,
                reason: l.correction_reason.clone(),
            }
            .into(),
            override_reason: None,
        });
    }
    if let Some(version) = l.pending_version {
        flags.push(Flag {
            code: RuleCode::ResultPendingRelease,
            message: RuleMsg::ResultAwaitingRelease { version }.into(),
            override_reason: None,
        });
    }
    let thaws = l.thaws.unwrap_or(0);
    if thaws > 0 {
        flags.push(Flag {
            code: RuleCode::FreezeThaw,
            message: RuleMsg::FreezeThawCycles { count: thaws }.into(),
            override_reason: None,
        });
    }
    let assay = l
        .assay
        .as_deref()
        .and_then(|name| ctx.config.assays.iter().find(|a| a.name == name));
    let collected_at = ctx.site_time(l.collected_at);
    let resulted_at = l.resulted_at.map(|t| ctx.site_time(t));
    let facility_name = if l.facility_code == ctx.config.site.facility_code {
        ctx.config.site.facility_name.clone()
    } else {
        // Another clinic reporting to this health centre: its code is what
        // kentai knows of it.
        l.facility_code.clone()
    };
    Ok(ReportRow {
        report_date,
        facility_name,
        facility_code: l.facility_code,
        name: l.name,
        name_kana: l.name_kana,
        sex: l.sex,
        birth_date: l.birth_date,
        address: l.address,
        phone: l.phone,
        onset_date: l.onset_date,
        days_since_onset: l.days_since_onset,
        collection_date: collected_at.date_naive(),
        collected_at,
        // The method the result was found with; the one asked for until
        // there is a result.
        test_method: l.result_method.unwrap_or(l.test_method),
        specimen_type: l.specimen_type,
        result: l.result,
        result_date: resulted_at.map(|t| t.date_naive()),
        resulted_at,
        result_version: l.result_version,
        corrected: l.result_version.is_some_and(|v| v > 1),
        correction_reason: l.correction_reason,
        ct: l.ct.as_deref().and_then(|j| serde_json::from_str(j).ok()),
        jlac10: assay.and_then(|a| a.jlac10.clone()),
        loinc: assay.and_then(|a| a.loinc.clone()),
        assay: l.assay,
        result_pending: l.pending_version.is_some(),
        asymptomatic: l.asymptomatic,
        specimen_id: l.specimen_id,
        flags,
        freeze_thaw_count: thaws,
        patient_key: l.patient_key,
    })
}

/// What writing a report produced besides its bytes.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub rows: usize,
    /// Characters Shift_JIS could not hold, replaced visibly.
    pub replacements: Vec<crate::report::csv::Replacement>,
}

/// Writes the day's report in `format` to `out`, row by row.
pub fn write_day<W: std::io::Write>(
    ctx: &Ctx,
    actor: &Actor,
    scope: &ReportScope,
    format: crate::report::Format,
    encoding: crate::report::csv::Encoding,
    out: W,
) -> Result<(W, Written), ActionError> {
    actor.require(Action::ReadReports)?;
    let generated_at = super::now().with_timezone(&ctx.tz).fixed_offset();
    let mut writer = crate::report::Writer::start(
        out,
        format,
        encoding,
        scope.date,
        scope.facility.as_deref(),
        generated_at,
    )?;
    let rows = day_rows(ctx, actor, scope, |row| Ok(writer.row(&row)?))?;
    let (out, replacements) = writer.finish()?;
    Ok((out, Written { rows, replacements }))
}

fn bump(counts: &mut Counts, key: &str) {
    match counts.iter_mut().find(|(k, _)| k == key) {
        Some((_, n)) => *n += 1,
        None => counts.push((key.to_string(), 1)),
    }
}

/// The age band of someone born on `birth` on `day`.
pub fn age_band(birth: Option<NaiveDate>, day: NaiveDate) -> String {
    let Some(age) = birth.and_then(|b| day.years_since(b)) else {
        return "unknown".into();
    };
    if age >= 90 {
        "90+".into()
    } else {
        let low = age / 10 * 10;
        format!("{low}-{}", low + 9)
    }
}

fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    // Nearest rank: a value that occurred, not an interpolation.
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// The day's summary, from the same rows as the report.
pub fn day_summary(
    ctx: &Ctx,
    actor: &Actor,
    scope: &ReportScope,
) -> Result<DaySummary, ActionError> {
    let mut s = DaySummary {
        date: scope.date,
        facility: scope.facility.clone(),
        rows: 0,
        collected: 0,
        resulted: 0,
        by_specimen_type: SpecimenType::ALL
            .iter()
            .map(|t| (t.code().to_string(), 0))
            .collect(),
        by_method: crate::domain::results::TestMethod::ALL
            .iter()
            .map(|m| (m.code().to_string(), 0))
            .collect(),
        by_result: ["positive", "negative", "inconclusive", "invalid", "pending"]
            .iter()
            .map(|r| (r.to_string(), 0))
            .collect(),
        by_age_band: Vec::new(),
        overrides: 0,
        by_flag: Vec::new(),
        turnaround_hours_median: None,
        turnaround_hours_p90: None,
        audit_rows: 0,
        audit_head: String::new(),
    };
    let head = super::audit::head(&ctx.store)?;
    s.audit_rows = head.row_count;
    s.audit_head = head.last_hash;
    let mut turnaround: Vec<f64> = Vec::new();
    day_rows(ctx, actor, scope, |row| {
        s.rows += 1;
        if row.collection_date == scope.date {
            s.collected += 1;
        }
        bump(&mut s.by_specimen_type, &row.specimen_type);
        bump(&mut s.by_method, &row.test_method);
        bump(&mut s.by_result, row.result.as_deref().unwrap_or("pending"));
        bump(
            &mut s.by_age_band,
            &age_band(row.birth_date, row.collection_date),
        );
        if row.flags.iter().any(|f| f.override_reason.is_some()) {
            s.overrides += 1;
        }
        for f in &row.flags {
            bump(&mut s.by_flag, f.code.as_str());
        }
        if let (Some(at), Some(day)) = (row.resulted_at, row.result_date) {
            if day == scope.date {
                s.resulted += 1;
                let hours = (at - row.collected_at).num_seconds() as f64 / 3600.0;
                turnaround.push(hours);
            }
        }
        Ok(())
    })?;
    s.by_age_band.sort_by_key(|(band, _)| age_band_order(band));
    turnaround.sort_by(f64::total_cmp);
    s.turnaround_hours_median = percentile(&turnaround, 0.5);
    s.turnaround_hours_p90 = percentile(&turnaround, 0.9);
    Ok(s)
}

fn age_band_order(band: &str) -> u32 {
    band.split(['-', '+'])
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn age_bands_are_decades_by_the_birthday_with_90_and_over_together() {
        let cases = [
            (Some("2026-11-21"), "2026-11-21", "0-9"),
            (Some("2016-11-22"), "2026-11-21", "0-9"),
            (Some("2016-11-21"), "2026-11-21", "10-19"),
            (Some("1980-04-01"), "2026-11-21", "40-49"),
            (Some("1936-11-21"), "2026-11-21", "90+"),
            (None, "2026-11-21", "unknown"),
        ];
        for (birth, day, band) in cases {
            assert_eq!(age_band(birth.map(d), d(day)), band, "{birth:?}");
        }
    }

    #[test]
    fn percentiles_are_nearest_rank_values() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(percentile(&v, 0.5), Some(5.0));
        assert_eq!(percentile(&v, 0.9), Some(9.0));
        assert_eq!(percentile(&[3.0], 0.9), Some(3.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn age_bands_sort_in_age_order_with_unknown_last() {
        let mut bands = vec!["90+", "unknown", "10-19", "0-9", "100-109"];
        bands.sort_by_key(|b| age_band_order(b));
        assert_eq!(bands, ["0-9", "10-19", "90+", "100-109", "unknown"]);
    }
}
