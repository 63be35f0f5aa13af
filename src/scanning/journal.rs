//! The scan journal: every scan is written here, durably, before anything
//! acts on it, so that nothing a scanner read is lost.
//!
//! A row is inserted first. The action the scan asks for then claims it
//! inside its own write transaction ([`crate::actions::scans::claim`],
//! through [`crate::actions::Ctx::for_scan`]), so the effect and the mark
//! "processed" commit together. After a crash the rows still unclaimed are
//! exactly the scans that had no effect yet; they are processed at
//! start-up, once.

use crate::actions::scans::{view, ScanOutcome, ScanView};
use crate::actions::{naive, now, to_json, ActionError, Ctx};
use crate::store::codes::Code;
use crate::store::models::ScanRow;
use crate::store::schema::scans;
use crate::store::Deferred;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// A scan as it reaches the journal: from a scanner's frame or from
/// `POST /api/v1/scans`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScan {
    pub station: String,
    /// The configured scanner's name, or `api`.
    pub device: String,
    /// The bytes as sent, AIM identifier included, suffix removed.
    pub raw: Vec<u8>,
    pub aim: Option<String>,
    /// When the frame's last byte arrived (or the request did).
    pub scanned_at: DateTime<Utc>,
    pub acted_by: i64,
    /// The person who made the scan (the station's operator, or the API's
    /// caller); `None` when the station's own user acted.
    pub operator: Option<String>,
}

/// Journals a scan: from here on it is not lost. The row is durable once
/// the returned [`Deferred`] says so (a write of the scan's effect commits
/// it too, being later in the same writer's order).
pub fn journal(
    ctx: &Ctx,
    scan: &NewScan,
    duplicate_of: Option<i64>,
) -> Result<(i64, Deferred), ActionError> {
    let row = ScanRow {
        id: 0,
        station: scan.station.clone(),
        device: scan.device.clone(),
        raw: scan.raw.clone(),
        aim: scan.aim.clone(),
        scanned_at: naive(scan.scanned_at),
        acted_by: scan.acted_by,
        duplicate_of,
        processed_at: None,
        kind: None,
        accepted: None,
        outcome: None,
        state_after: None,
        facility_code: ctx.facility().to_string(),
        operator: scan.operator.clone(),
    };
    ctx.store.write_deferred(|c| {
        diesel::insert_into(scans::table)
            .values(&row)
            .returning(scans::id)
            .get_result::<i64>(c)
            .map_err(ActionError::from)
    })
}

/// Records the outcome and the station's state after the scan; marks the
/// scan processed if its action did not (a scan that only moved the
/// station along, or one that was refused). Durable once the returned
/// [`Deferred`] says so.
pub fn finish(
    ctx: &Ctx,
    id: i64,
    outcome: &ScanOutcome,
    state_after: Option<String>,
) -> Result<Deferred, ActionError> {
    let now = naive(now());
    let ((), deferred) = ctx.store.write_deferred(|c| {
        diesel::update(scans::table.find(id))
            .set((
                scans::kind.eq(Code(outcome.kind)),
                scans::accepted.eq(outcome.accepted),
                scans::outcome.eq(to_json(outcome)),
                scans::state_after.eq(&state_after),
            ))
            .execute(c)?;
        diesel::update(scans::table.find(id))
            .filter(scans::processed_at.is_null())
            .set(scans::processed_at.eq(now))
            .execute(c)?;
        Ok::<_, ActionError>(())
    })?;
    Ok(deferred)
}

/// Scans journalled but not yet processed (after a crash), oldest first.
pub fn unprocessed(ctx: &Ctx) -> Result<Vec<ScanRow>, ActionError> {
    ctx.store.read(|c| {
        scans::table
            .filter(scans::facility_code.eq(ctx.facility()))
            .filter(scans::processed_at.is_null())
            .filter(scans::duplicate_of.is_null())
            .order(scans::id)
            .select(ScanRow::as_select())
            .load(c)
            .map_err(ActionError::from)
    })
}

/// The station's state after its latest finished scan (JSON) and when
/// that scan was read, to resume the desk after a restart.
pub fn last_state(
    ctx: &Ctx,
    station: &str,
) -> Result<Option<(String, DateTime<Utc>)>, ActionError> {
    let row = ctx.store.read(|c| {
        scans::table
            .filter(scans::facility_code.eq(ctx.facility()))
            .filter(scans::station.eq(station))
            .filter(scans::state_after.is_not_null())
            .order(scans::id.desc())
            .select((scans::state_after, scans::scanned_at))
            .first::<(Option<String>, chrono::NaiveDateTime)>(c)
            .optional()
            .map_err(ActionError::from)
    })?;
    Ok(row.and_then(|(state, at)| state.map(|s| (s, at.and_utc()))))
}

/// A station's processed scans after `after`, oldest first: what an event
/// stream that reconnects with `Last-Event-ID` missed.
pub fn processed_since(
    ctx: &Ctx,
    station: &str,
    after: i64,
    limit: i64,
) -> Result<Vec<ScanView>, ActionError> {
    let rows: Vec<ScanRow> = ctx.store.read(|c| {
        scans::table
            .filter(scans::facility_code.eq(ctx.facility()))
            .filter(scans::station.eq(station))
            .filter(scans::id.gt(after))
            .filter(scans::outcome.is_not_null())
            .order(scans::id.asc())
            .limit(limit)
            .select(ScanRow::as_select())
            .load(c)
            .map_err(ActionError::from)
    })?;
    Ok(rows
        .into_iter()
        .map(|r| view(ctx, r))
        .collect::<Result<_, _>>()?)
}
