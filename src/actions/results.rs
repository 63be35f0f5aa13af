//! Test results: each recording is a new version; corrections never overwrite.

use super::views::{result_view, specimen_row, user_names, ResultView};
use super::{audit, naive, ActionError, Actor, Ctx};
use crate::domain::codes::Decision;
use crate::domain::results::{
    check_result_time, next_version, ResultVersion, TestMethod, TestResult,
};
use crate::domain::roles::Action;
use crate::domain::RuleCode;
use crate::store::models::ResultRow;
use crate::store::schema::results;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordResult {
    pub result: TestResult,
    /// Defaults to the specimen's registered test method.
    #[serde(default)]
    pub method: Option<TestMethod>,
    pub resulted_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub specimen_id: String,
    pub result: ResultView,
}

pub fn record(
    ctx: &Ctx,
    actor: &Actor,
    specimen_id: &str,
    req: &RecordResult,
    now: DateTime<Utc>,
) -> Result<Recorded, ActionError> {
    actor.require(Action::RecordResult)?;
    let resulted_at = super::instant(req.resulted_at);
    ctx.write(|c| {
        let specimen = specimen_row(c, specimen_id)?;
        let tolerance = Duration::minutes(ctx.config.policy.future_tolerance_minutes);
        match check_result_time(specimen.collected_at.and_utc(), resulted_at, now, tolerance) {
            Decision::Refuse(n) if n.code == RuleCode::InvalidInput => return Err(ActionError::Invalid(n)),
            Decision::Refuse(n) => {
                return Err(ActionError::Refused {
                    refusals: vec![n],
                    overridable: false,
                })
            }
            _ => {}
        }
        let existing: Vec<ResultVersion> = results::table
            .filter(results::specimen_id.eq(specimen_id))
            .select(ResultRow::as_select())
            .load(c)?
            .into_iter()
            .map(|r: ResultRow| ResultVersion {
                version: r.version,
                result: TestResult::from_code(&r.result).unwrap_or(TestResult::Invalid),
                method: TestMethod::from_code(&r.method).unwrap_or(TestMethod::Pcr),
                resulted_at: r.resulted_at.and_utc(),
            })
            .collect();
        let method = req
            .method
            .or_else(|| TestMethod::from_code(&specimen.test_method))
            .unwrap_or(TestMethod::Pcr);
        let mut row = ResultRow {
                id: 0,
                specimen_id: specimen_id.to_string(),
                version: next_version(&existing),
                result: req.result.code().to_string(),
                method: method.code().to_string(),
                resulted_at: naive(resulted_at),
                recorded_by: actor.user_ref(),
                recorded_at: naive(now),
            };
        row.id = diesel::insert_into(results::table)
            .values(&row)
            .returning(results::id)
            .get_result(c)?;
        let before = existing.iter().max_by_key(|r| r.version).map(|r| {
            serde_json::json!({"version": r.version, "result": r.result.code()})
        });
        let after = serde_json::json!({"version": row.version, "result": row.result, "method": row.method, "resulted_at": row.resulted_at});
        audit::record(c, actor, now, "result.record", ("specimen", specimen_id), before.as_ref(), Some(&after))?;
        let names = user_names(c, vec![row.recorded_by])?;
        Ok(Recorded {
            specimen_id: specimen_id.to_string(),
            result: result_view(ctx, row, &names),
        })
    })
}
