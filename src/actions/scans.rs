//! Scans as the API shows them (the journal's rows with their outcomes,
//! `GET /api/v1/scans`), and the mark an action sets on the scan it acts
//! for.
//!
//! The journal itself (writing a scan durably before anything acts on it,
//! and reading back what a restart or a reconnecting stream needs) is
//! [`crate::scanning::journal`].

use super::{naive, ActionError, Actor, Ctx};
use crate::domain::messages::{InputMsg, RecordMsg, ScanMsg};
use crate::domain::roles::Action;
use crate::domain::{Msg, Notice, OutcomeKind, RuleCode};
use crate::store::models::ScanRow;
use crate::store::schema::scans;
use crate::store::{DbConnection, StoreError};
use chrono::{DateTime, FixedOffset};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// A reception desk's scans so far, for the registration form to pre-fill.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReceptionDraft {
    /// The patient's number or GSRN as scanned.
    pub patient: Option<String>,
    /// The new tube's specimen id.
    pub specimen_id: Option<String>,
    pub kit: Option<KitDraft>,
    /// When the tube was scanned: the form's collection time unless the
    /// clerk changes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tube_scanned_at: Option<DateTime<FixedOffset>>,
    /// When the draft is dropped if nothing touches it before
    /// (`[scanning] draft_idle_minutes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<FixedOffset>>,
}

/// A result desk's state, for its page: the tube waiting for its result
/// code, or the result every tube scanned now gets (a batch).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResultDesk {
    /// The tube scanned, waiting for its result code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specimen_id: Option<String>,
    /// The result of the batch running: each tube scanned gets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<crate::domain::results::TestResult>,
}

/// A scanned kit label with what the catalog says of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KitDraft {
    /// The label as scanned (GS as U+001D): the registration's `kit` field.
    pub scan: String,
    pub gtin: String,
    pub lot: Option<String>,
    pub expiry: Option<chrono::NaiveDate>,
    pub serial: Option<String>,
    /// From the kit catalog; absent for a GTIN it does not know.
    pub specimen_type: Option<String>,
    pub swab_material: Option<String>,
    pub description: Option<String>,
}

/// What became of a scan, as the station shows it (the API's `outcome`, README "The HTTP API").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScanOutcome {
    /// `specimen`, `kit`, `patient`, `location`, `package`, `command` or
    /// `unknown`.
    #[schema(value_type = String)]
    pub kind: OutcomeKind,
    /// Green (true) or red (false) at the desk.
    pub accepted: bool,
    /// The reason in plain words.
    pub message: Msg,
    /// The rule or error code when refused (docs/RULES.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<RuleCode>,
    /// Rules that warned but let it through.
    #[serde(default)]
    pub warnings: Vec<Notice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specimen_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// What the station waits for next, in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Msg>,
    /// Reception: the registration so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<Box<ReceptionDraft>>,
    /// Result desk: the tube held and the batch running after this scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_desk: Option<ResultDesk>,
    /// The earlier scan this one repeats (`duplicate_scan`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<i64>,
}

impl ScanOutcome {
    pub fn accepted(kind: OutcomeKind, message: impl Into<Msg>) -> ScanOutcome {
        ScanOutcome {
            kind,
            accepted: true,
            message: message.into(),
            code: None,
            warnings: Vec::new(),
            specimen_id: None,
            package_id: None,
            location: None,
            next: None,
            draft: None,
            result_desk: None,
            duplicate_of: None,
        }
    }

    pub fn refused(kind: OutcomeKind, code: RuleCode, message: impl Into<Msg>) -> ScanOutcome {
        ScanOutcome {
            accepted: false,
            code: Some(code),
            ..ScanOutcome::accepted(kind, message)
        }
    }

    /// A refused action's first reason as its code; every reason goes
    /// into the message.
    pub fn from_error(kind: OutcomeKind, e: &ActionError) -> ScanOutcome {
        let message = match e {
            ActionError::Store(_) | ActionError::Output(_) => ScanMsg::NotRecorded.into(),
            other => other.message(),
        };
        ScanOutcome::refused(kind, e.code(), message)
    }
}

/// A journalled scan with its outcome, as `GET /api/v1/scans` and the
/// station's event stream show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScanView {
    pub scan_id: i64,
    pub station: String,
    pub device: String,
    /// The scan as text (GS as U+001D); bytes that are not UTF-8 are shown
    /// as U+FFFD.
    pub data: String,
    pub aim: Option<String>,
    pub scanned_at: DateTime<FixedOffset>,
    /// The person who made the scan: the one working the station, or the
    /// API's caller; absent when the station's own user acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Absent while the scan waits to be processed.
    pub outcome: Option<ScanOutcome>,
}

pub fn view(ctx: &Ctx, row: ScanRow) -> Result<ScanView, StoreError> {
    let outcome = row.outcome::<Option<ScanOutcome>>()?.flatten();
    Ok(ScanView {
        scan_id: row.id,
        station: row.station,
        device: row.device,
        data: String::from_utf8_lossy(&row.raw).into_owned(),
        aim: row.aim,
        scanned_at: ctx.site_time(row.scanned_at),
        operator: row.operator,
        outcome,
    })
}

/// Marks the scan processed inside the caller's transaction; refuses if it
/// already is, which rolls the caller's effect back with it.
pub(crate) fn claim(c: &mut DbConnection, id: i64) -> Result<(), ActionError> {
    let claimed = diesel::update(scans::table.find(id))
        .filter(scans::processed_at.is_null())
        .set(scans::processed_at.eq(naive(super::now())))
        .execute(c)?;
    if claimed == 1 {
        Ok(())
    } else {
        Err(ActionError::Conflict(Notice::new(
            RuleCode::DuplicateScan,
            RecordMsg::ScanAlreadyProcessed { id },
        )))
    }
}

/// Filters of `GET /api/v1/scans`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScanFilter {
    /// Only this station's scans.
    pub station: Option<String>,
    /// Only scans after this id (oldest first), e.g. to catch up after a
    /// dropped connection. Without it, the newest scans, newest first.
    pub after: Option<i64>,
    /// At most this many (1–1000, default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

pub fn list(ctx: &Ctx, actor: &Actor, filter: &ScanFilter) -> Result<Vec<ScanView>, ActionError> {
    actor.require(Action::WatchStations)?;
    let limit = filter.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ActionError::invalid(InputMsg::LimitRange {
            min: 1,
            max: 1000,
        }));
    }
    let rows: Vec<ScanRow> = ctx.store.read(|c| {
        let mut q = scans::table
            .filter(scans::facility_code.eq(ctx.facility()))
            .select(ScanRow::as_select())
            .into_boxed();
        if let Some(station) = &filter.station {
            q = q.filter(scans::station.eq(station.clone()));
        }
        q = match filter.after {
            Some(after) => q.filter(scans::id.gt(after)).order(scans::id.asc()),
            None => q.order(scans::id.desc()),
        };
        q.limit(limit).load(c).map_err(ActionError::from)
    })?;
    Ok(rows
        .into_iter()
        .map(|r| view(ctx, r))
        .collect::<Result<_, _>>()?)
}
