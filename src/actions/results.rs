//! Test results (docs/RULES.md, results): each recording is a new version, corrections
//! never overwrite and carry a reason, and at a `second_person` site a
//! result reaches the reports only when someone else releases it.
//!
//! Every way a result comes in (the API, the result desk's scans, an
//! instrument file) goes through [`enter`], so a retry is recognised and a
//! correction asks for its reason whichever door it used.

use super::judge::judge;
use super::views::{result_view, specimen_row, user_names, ResultView};
use super::{audit, naive, ActionError, Actor, Ctx};
use crate::domain::codes::Decision;
use crate::domain::messages::ResultMsg;
use crate::domain::results::{
    check_correction, check_release, check_result_time, next_version, recording, Recording,
    ResultStatus, ResultVersion, TestMethod, TestResult,
};
use crate::domain::roles::Action;
use crate::domain::rules::Step;
use crate::domain::{Notice, RuleCode, SpecimenStatus};
use crate::store::models::{ResultRow, SpecimenRow};
use crate::store::schema::results;
use crate::store::DbConnection;
use crate::store::StoreError;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::domain::results::CtValues;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordResult {
    pub result: TestResult,
    /// Defaults to the specimen's registered test method.
    #[serde(default)]
    pub method: Option<TestMethod>,
    pub resulted_at: DateTime<FixedOffset>,
    /// Why the standing result is corrected: required when the result,
    /// method or time differs from it.
    #[serde(default)]
    pub reason: Option<String>,
    /// Ct values per target, `null` for undetermined.
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<String, Option<f64>>>)]
    pub ct: Option<CtValues>,
    /// The `[[assay]]` the result was found with.
    #[serde(default)]
    pub assay: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub specimen_id: String,
    pub result: ResultView,
    /// False when the request repeated the standing result: nothing was
    /// recorded and `result` is that version (HTTP 200 instead of 201).
    pub created: bool,
}

/// A result on its way in, from whichever door.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub result: TestResult,
    pub method: Option<TestMethod>,
    pub resulted_at: DateTime<Utc>,
    pub reason: Option<String>,
    pub ct: Option<CtValues>,
    pub assay: Option<String>,
    pub interpretation: Option<String>,
    pub import_id: Option<String>,
    pub well: Option<String>,
}

impl Entry {
    pub(crate) fn new(result: TestResult, resulted_at: DateTime<Utc>) -> Entry {
        Entry {
            result,
            method: None,
            resulted_at,
            reason: None,
            ct: None,
            assay: None,
            interpretation: None,
            import_id: None,
            well: None,
        }
    }
}

fn check_entry(ctx: &Ctx, req: &RecordResult) -> Result<(), ActionError> {
    if let Some(reason) = &req.reason {
        super::check_text("reason", reason, 500)?;
    }
    if let Some(assay) = &req.assay {
        super::check_text("assay", assay, 64)?;
        if !ctx.config.assays.iter().any(|a| &a.name == assay) {
            return Err(unknown_assay(assay));
        }
    }
    for (target, ct) in req.ct.iter().flatten() {
        super::check_text("ct", target, 32)?;
        if let Some(v) = ct {
            if !v.is_finite() || !(0.0..=100.0).contains(v) {
                return Err(ActionError::invalid(ResultMsg::CtOutOfRange {
                    target: target.clone(),
                }));
            }
        }
    }
    Ok(())
}

pub(crate) fn unknown_assay(name: &str) -> ActionError {
    ActionError::Invalid(Notice::new(
        RuleCode::UnknownAssay,
        ResultMsg::UnknownAssay { name: name.into() },
    ))
}

/// `POST /api/v1/specimens/{id}/results`.
pub fn record(
    ctx: &Ctx,
    actor: &Actor,
    specimen_id: &str,
    req: &RecordResult,
    now: DateTime<Utc>,
) -> Result<Recorded, ActionError> {
    actor.require(Action::RecordResult)?;
    check_entry(ctx, req)?;
    let entry = Entry {
        method: req.method,
        reason: req.reason.clone(),
        ct: req.ct.clone(),
        assay: req.assay.clone(),
        ..Entry::new(req.result, super::instant(req.resulted_at))
    };
    ctx.write(|c| {
        let specimen = specimen_row(ctx, c, specimen_id)?;
        let (row, created) = enter(ctx, c, actor, &specimen, &entry, now)?;
        let names = user_names(c, row.user_ids())?;
        Ok(Recorded {
            specimen_id: specimen_id.to_string(),
            result: result_view(ctx, row, &names)?,
            created,
        })
    })
}

/// The versions on record for a specimen, oldest first.
pub(crate) fn versions(
    c: &mut DbConnection,
    specimen_id: &str,
) -> Result<Vec<ResultRow>, ActionError> {
    Ok(results::table
        .filter(results::specimen_id.eq(specimen_id))
        .order(results::version)
        .select(ResultRow::as_select())
        .load(c)?)
}

impl ResultRow {
    /// The row as the pure rules see it. A stored code kentai does not
    /// know is an error naming the row, never a value that would count.
    pub(crate) fn as_version(&self) -> Result<ResultVersion, StoreError> {
        Ok(ResultVersion {
            version: self.version,
            result: self.result()?,
            method: self.method()?,
            resulted_at: self.resulted_at.and_utc(),
            status: self.status()?,
            recorded_by: self.recorded_by,
        })
    }

    pub(crate) fn user_ids(&self) -> Vec<i64> {
        let mut ids = vec![self.recorded_by];
        ids.extend(self.released_by);
        ids
    }

    pub(crate) fn ct_values(&self) -> Option<CtValues> {
        self.ct
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
    }
}

/// Records `entry` for `specimen` inside the caller's transaction: a
/// repeat of the standing version answers that version (`false`), a
/// correction needs its reason, the new version starts released or
/// entered as the site's policy says. Audited.
pub(crate) fn enter(
    ctx: &Ctx,
    c: &mut DbConnection,
    actor: &Actor,
    specimen: &SpecimenRow,
    entry: &Entry,
    now: DateTime<Utc>,
) -> Result<(ResultRow, bool), ActionError> {
    let tolerance = Duration::minutes(ctx.config.policy.future_tolerance_minutes);
    let decision = check_result_time(
        specimen.collected_at.and_utc(),
        entry.resulted_at,
        now,
        tolerance,
    );
    judge([decision], None, Step::Results)?;
    let rows = versions(c, &specimen.specimen_id)?;
    let existing: Vec<ResultVersion> = rows
        .iter()
        .map(ResultRow::as_version)
        .collect::<Result<_, _>>()?;
    let method = match entry.method {
        Some(m) => m,
        None => specimen.test_method()?,
    };
    let kind = recording(&existing, entry.result, method, entry.resulted_at);
    if let Recording::Repeat { version } = kind {
        if let Some(row) = rows.iter().find(|r| r.version == version) {
            return Ok((row.clone(), false));
        }
    }
    judge(
        [check_correction(kind, entry.reason.as_deref())],
        None,
        Step::Results,
    )?;
    let status = ctx.config.policy.result_release.initial_status();
    let released = status == ResultStatus::Released;
    let mut row = ResultRow {
        id: 0,
        specimen_id: specimen.specimen_id.clone(),
        version: next_version(&existing),
        result: entry.result.code().to_string(),
        method: method.code().to_string(),
        resulted_at: naive(entry.resulted_at),
        recorded_by: actor.user_ref(),
        recorded_at: naive(now),
        status: status.code().to_string(),
        correction_reason: match kind {
            Recording::Correction { .. } => entry.reason.as_ref().map(|r| r.trim().to_string()),
            _ => None,
        },
        assay: entry.assay.clone(),
        ct: entry
            .ct
            .as_ref()
            .map(|ct| serde_json::to_string(ct).unwrap_or_else(|_| "{}".into())),
        interpretation: entry.interpretation.clone(),
        import_id: entry.import_id.clone(),
        well: entry.well.clone(),
        released_by: released.then(|| actor.user_ref()),
        released_at: released.then(|| naive(now)),
        return_reason: None,
    };
    row.id = diesel::insert_into(results::table)
        .values(&row)
        .returning(results::id)
        .get_result(c)?;
    let before = super::views::standing_row(&rows)
        .map(|r| serde_json::json!({"version": r.version, "result": r.result, "status": r.status}));
    let after = serde_json::json!({
        "version": row.version,
        "result": row.result,
        "method": row.method,
        "resulted_at": row.resulted_at,
        "status": row.status,
        "correction_reason": row.correction_reason,
        "assay": row.assay,
        "import_id": row.import_id,
    });
    audit::record(
        c,
        actor,
        now,
        "result.record",
        ("specimen", &specimen.specimen_id),
        before.as_ref(),
        Some(&after),
    )?;
    Ok((row, true))
}

/// Why a releaser sends a result back.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnResult {
    pub reason: String,
}

/// `POST /api/v1/specimens/{id}/results/{version}/release`: a second
/// person releases an entered result to the reports.
pub fn release(
    ctx: &Ctx,
    actor: &Actor,
    specimen_id: &str,
    version: i32,
    now: DateTime<Utc>,
) -> Result<Recorded, ActionError> {
    decide(ctx, actor, specimen_id, version, None, now)
}

/// `POST /api/v1/specimens/{id}/results/{version}/return`: the second
/// person sends an entered result back for correction, with a reason; the
/// tube is on the worklist again.
pub fn return_for_correction(
    ctx: &Ctx,
    actor: &Actor,
    specimen_id: &str,
    version: i32,
    req: &ReturnResult,
    now: DateTime<Utc>,
) -> Result<Recorded, ActionError> {
    super::check_text("reason", &req.reason, 500)?;
    decide(
        ctx,
        actor,
        specimen_id,
        version,
        Some(req.reason.trim()),
        now,
    )
}

fn decide(
    ctx: &Ctx,
    actor: &Actor,
    specimen_id: &str,
    version: i32,
    returned: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Recorded, ActionError> {
    actor.require(Action::RecordResult)?;
    ctx.write(|c| {
        specimen_row(ctx, c, specimen_id)?;
        let rows = versions(c, specimen_id)?;
        let Some(mut row) = rows.iter().find(|r| r.version == version).cloned() else {
            return Err(ActionError::NotFound(Notice::new(
                RuleCode::NotFound,
                ResultMsg::NoResultVersion {
                    specimen_id: specimen_id.into(),
                    version,
                },
            )));
        };
        // An entered version a later one replaced is no longer the
        // result in question: only the standing version is released.
        let standing = super::views::standing_row(&rows).map(|r| r.version);
        if row.status()? == ResultStatus::Entered && standing != Some(version) {
            return Err(ActionError::Conflict(Notice::new(
                RuleCode::NotAwaitingRelease,
                crate::domain::messages::RuleMsg::VersionReplaced {
                    version,
                    by: standing.unwrap_or(version),
                },
            )));
        }
        if let Decision::Refuse(n) = check_release(&row.as_version()?, actor.user_ref()) {
            return Err(ActionError::Conflict(n));
        }
        let (status, action) = match returned {
            None => (ResultStatus::Released, "result.release"),
            Some(_) => (ResultStatus::Returned, "result.return"),
        };
        let changed = diesel::update(results::table.find(row.id))
            .filter(results::status.eq(ResultStatus::Entered.code()))
            .set((
                results::status.eq(status.code()),
                results::released_by.eq(Some(actor.user_ref())),
                results::released_at.eq(Some(naive(now))),
                results::return_reason.eq(returned.map(str::to_string)),
            ))
            .execute(c)?;
        if changed != 1 {
            // Another person decided on it in between.
            return Err(ActionError::Conflict(Notice::new(
                RuleCode::NotAwaitingRelease,
                crate::domain::messages::RuleMsg::NotAwaitingRelease {
                    version,
                    status: ResultStatus::Released,
                },
            )));
        }
        row.status = status.code().to_string();
        row.released_by = Some(actor.user_ref());
        row.released_at = Some(naive(now));
        row.return_reason = returned.map(str::to_string);
        audit::record(
            c,
            actor,
            now,
            action,
            ("specimen", specimen_id),
            Some(&serde_json::json!({"version": version, "status": "entered"})),
            Some(
                &serde_json::json!({"version": version, "status": row.status, "reason": returned}),
            ),
        )?;
        let names = user_names(c, row.user_ids())?;
        Ok(Recorded {
            specimen_id: specimen_id.to_string(),
            result: result_view(ctx, row, &names)?,
            created: false,
        })
    })
}

/// Where a tube on the result desk's worklist stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkState {
    /// No result yet (or every one was returned for correction).
    Awaiting,
    /// A result waits for a second person's release.
    Entered,
}

/// Filters of the result desk's worklist (`GET /api/v1/results/worklist`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WorklistFilter {
    /// Only tubes registered for this test method.
    pub method: Option<TestMethod>,
    /// Only tubes collected on this day (site calendar). Without `day` or
    /// `package`, the last 14 days.
    pub day: Option<chrono::NaiveDate>,
    /// Only the tubes of this package.
    pub package: Option<String>,
    /// Only tubes awaiting a result, or only results awaiting release.
    pub state: Option<WorkState>,
    /// At most this many (default 500, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkItem {
    pub state: WorkState,
    /// The version waiting for release, or the last one returned.
    pub pending: Option<ResultView>,
    /// False at a site with receiving desks while the tube's package has
    /// not been received: the result desk refuses it.
    pub received: bool,
    pub specimen: super::views::SpecimenView,
}

/// A tube as the result desk judges it before it writes anything.
#[derive(Debug, Clone, PartialEq)]
pub struct DeskTube {
    /// `Received` once the testing lab has received it.
    pub status: SpecimenStatus,
    /// The registered test method: what a scanned result is recorded by.
    pub method: TestMethod,
    /// The version a new result is compared with.
    pub standing: Option<ResultVersion>,
}

/// What the result desk needs to judge `specimen_id`, read without
/// writing (the scan's one write is the result itself); `None` when no
/// such tube is registered.
pub fn desk_tube(ctx: &Ctx, specimen_id: &str) -> Result<Option<DeskTube>, ActionError> {
    use crate::store::schema::specimens;
    ctx.store.read(|c| {
        let Some(specimen) = specimens::table
            .find(specimen_id)
            .filter(specimens::facility_code.eq(ctx.facility()))
            .select(SpecimenRow::as_select())
            .first(c)
            .optional()?
        else {
            return Ok(None);
        };
        let rows = versions(c, specimen_id)?;
        let existing: Vec<ResultVersion> = rows
            .iter()
            .map(ResultRow::as_version)
            .collect::<Result<_, _>>()?;
        Ok(Some(DeskTube {
            method: specimen.test_method()?,
            standing: crate::domain::results::standing(&existing).cloned(),
            status: specimen.status()?,
        }))
    })
}

/// Whether this site receives tubes before testing them: it has a
/// receiving desk. Such a site's result desk takes only received tubes.
pub fn site_receives(ctx: &Ctx) -> bool {
    ctx.config
        .stations
        .iter()
        .any(|s| s.workflow == crate::config::Workflow::Receiving)
}

/// Tubes waiting for a result or for its release, oldest collection first.
pub fn worklist(
    ctx: &Ctx,
    actor: &Actor,
    filter: &WorklistFilter,
    now: DateTime<Utc>,
) -> Result<Vec<WorkItem>, ActionError> {
    use crate::store::schema::{package_specimens, specimens};
    use diesel::dsl::{exists, not};
    actor.require(Action::RecordResult)?;
    let limit = filter.limit.unwrap_or(500);
    if !(1..=1000).contains(&limit) {
        return Err(ActionError::invalid(
            crate::domain::messages::InputMsg::LimitRange { min: 1, max: 1000 },
        ));
    }
    if let Some(p) = &filter.package {
        super::check_text("package", p, 64)?;
    }
    let range = match (filter.day, &filter.package) {
        (Some(d), _) => Some(ctx.day_range(d)?),
        (None, None) => Some((
            naive(now - Duration::days(14)),
            naive(now + Duration::days(1)),
        )),
        (None, Some(_)) => None,
    };
    let receives = site_receives(ctx);
    ctx.store.read(|c| {
        let mut q = specimens::table
            .filter(specimens::facility_code.eq(ctx.facility()))
            .select(crate::store::models::SpecimenRow::as_select())
            .into_boxed();
        if let Some((from, to)) = range {
            q = q.filter(
                specimens::collected_at
                    .ge(from)
                    .and(specimens::collected_at.lt(to)),
            );
        }
        if let Some(m) = filter.method {
            q = q.filter(specimens::test_method.eq(m.code()));
        }
        if let Some(p) = &filter.package {
            q = q.filter(
                specimens::specimen_id.eq_any(
                    package_specimens::table
                        .filter(package_specimens::package_id.eq(p.clone()))
                        .select(package_specimens::specimen_id),
                ),
            );
        }
        let released = results::table
            .filter(results::specimen_id.eq(specimens::specimen_id))
            .filter(results::status.eq(ResultStatus::Released.code()));
        let entered = results::table
            .filter(results::specimen_id.eq(specimens::specimen_id))
            .filter(results::status.eq(ResultStatus::Entered.code()));
        q = match filter.state {
            Some(WorkState::Awaiting) => q.filter(not(exists(released)).and(not(exists(entered)))),
            Some(WorkState::Entered) => q.filter(exists(entered)),
            None => q.filter(not(exists(released)).or(exists(entered))),
        };
        let rows = q
            .order((specimens::collected_at, specimens::specimen_id))
            .limit(limit)
            .load(c)?;
        let views = super::views::load_views(ctx, c, rows)?;
        Ok(views
            .into_iter()
            // The query keeps every tube with an entered version; the one
            // in question is the standing version (an entered version a
            // released correction replaced waits for nothing).
            .filter_map(|v| {
                let standing = v
                    .results
                    .iter()
                    .rev()
                    .find(|r| r.status != ResultStatus::Returned);
                let (state, pending) = match standing {
                    Some(r) if r.status == ResultStatus::Released => return None,
                    Some(r) => (WorkState::Entered, Some(r.clone())),
                    // The last one returned, with its reason.
                    None => (
                        WorkState::Awaiting,
                        v.results
                            .iter()
                            .rev()
                            .find(|r| r.status == ResultStatus::Returned)
                            .cloned(),
                    ),
                };
                if filter.state.is_some_and(|wanted| wanted != state) {
                    return None;
                }
                Some(WorkItem {
                    state,
                    pending,
                    received: !receives || v.status == SpecimenStatus::Received.code(),
                    specimen: v,
                })
            })
            .collect())
    })
}
