//! Storage events (a tube scanned into a location) and the lab's alerts.

use super::judge::{judge, Judged};
use super::locations::{find_row, unknown_location};
use super::views::{
    load_specimen, placements, specimen_row, storage_history, unknown_specimen, StorageEventView,
};
use super::{audit, check_optional_text, naive, to_json, ActionError, Actor, Ctx};
use crate::domain::codes::Notice;
use crate::domain::ids::LocationCode;
use crate::domain::messages::RecordMsg;
use crate::domain::roles::Action;
use crate::domain::rules::Step;
use crate::domain::storage::{self, Placement};
use crate::domain::{RuleCode, SpecimenStatus, SpecimenType, StorageClass};
use crate::store::codes::Code;
use crate::store::codes::{self, Cell};
use crate::store::models::StorageEventRow;
use crate::store::schema::{specimens, storage_events};
use chrono::{DateTime, FixedOffset, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreSpecimen {
    /// The location's barcode.
    #[schema(value_type = String, min_length = 1, max_length = 80)]
    pub location: LocationCode,
    /// When the tube went in; now when absent.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
    /// A written reason to store where a rule refuses (−20 °C at a site
    /// with a −80 °C freezer); `lab` and `admin` only.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 1000)]
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stored {
    pub event: StorageEventView,
    pub warnings: Vec<Notice>,
    pub freeze_or_ship_by: Option<DateTime<FixedOffset>>,
    pub freeze_thaw_count: usize,
}

pub fn record(
    ctx: &Ctx,
    actor: &Actor,
    specimen_id: &str,
    req: &StoreSpecimen,
    now: DateTime<Utc>,
) -> Result<Stored, ActionError> {
    actor.require(Action::RecordStorage)?;
    check_optional_text("override_reason", req.override_reason.as_deref(), 1000)?;
    if req.override_reason.is_some() {
        actor.require(Action::Override)?;
    }
    let at = req.at.map_or(now, super::instant);
    ctx.write(|c| {
        let specimen = specimen_row(ctx, c, specimen_id)?;
        let location = find_row(ctx, c, req.location.as_str())?
            .ok_or_else(|| unknown_location(req.location.as_str()))?;
        let class = location.storage_class()?;
        let specimen_type = specimen.specimen_type()?;
        let status = specimen.status()?;
        if !status.in_care() {
            return Err(ActionError::Conflict(Notice::new(
                RuleCode::NotInCare,
                RecordMsg::NotInCareToStore {
                    id: specimen_id.into(),
                    status: specimen.status.clone(),
                },
            )));
        }
        let history = placements(&storage_history(c, specimen_id)?)?;
        let decisions = storage::check_placement(
            specimen_type,
            specimen.collected_at.and_utc(),
            &history,
            Placement { class, at },
            now,
            &ctx.config.policy,
        );
        // Only `minus20_fallback` is lifted here, and no warning that
        // follows it in `check_placement` applies to a frozen class, so the
        // overridden refusal keeps its place at the end.
        let Judged { mut warnings, overridden } = judge(decisions, req.override_reason.as_deref(), Step::Storage)?;
        let lifted = !overridden.is_empty();
        warnings.extend(overridden);
        let mut row = StorageEventRow {
                id: 0,
                specimen_id: specimen_id.to_string(),
                location_code: location.code.clone(),
                storage_class: location.storage_class.clone(),
                at: naive(at),
                warnings: to_json(&warnings),
                override_reason: req.override_reason.clone().filter(|_| lifted),
                recorded_by: actor.user_ref(),
                recorded_at: naive(now),
            };
        row.id = diesel::insert_into(storage_events::table)
            .values(&row)
            .returning(storage_events::id)
            .get_result(c)?;
        // A packed tube stays packed: the package sits in the fridge.
        diesel::update(specimens::table.find(specimen_id))
            .filter(specimens::status.eq(Code(SpecimenStatus::Registered)))
            .set(specimens::status.eq(Code(SpecimenStatus::Stored)))
            .execute(c)?;
        let after = serde_json::json!({
            "location": location.code, "storage_class": location.storage_class, "at": row.at,
            "override_reason": row.override_reason,
            "warnings": warnings.iter().map(|w| w.code).collect::<Vec<_>>(),
        });
        audit::record(
            c,
            actor,
            now,
            "specimen.store",
            ("specimen", specimen_id),
            Some(&serde_json::json!({"status": specimen.status, "storage_class": storage::current_class(&history).code()})),
            Some(&after),
        )?;
        let view = load_specimen(ctx, c, specimen_id)?.ok_or_else(|| unknown_specimen(specimen_id))?;
        let event = view
            .storage
            .iter()
            .find(|e| e.id == row.id)
            .cloned()
            .ok_or_else(|| unknown_specimen(specimen_id))?;
        Ok(Stored {
            event,
            warnings,
            freeze_or_ship_by: view.freeze_or_ship_by,
            freeze_thaw_count: view.freeze_thaw_count,
        })
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Alert {
    pub specimen_id: String,
    /// `freeze_or_ship_due`, `storage_deadline_exceeded` or `ambient_too_long`.
    pub code: RuleCode,
    pub due_at: DateTime<FixedOffset>,
    pub message: String,
    #[serde(rename = "type")]
    pub specimen_type: SpecimenType,
    pub priority: i32,
    pub storage_class: StorageClass,
    pub location: Option<String>,
}

/// Every alert for specimens still in care, soonest deadline first, then
/// by sending priority.
pub fn alerts(ctx: &Ctx, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<Alert>, ActionError> {
    actor.require(Action::ReadAlerts)?;
    let (specimens, events) = ctx.store.read(|c| {
        let specimens: Vec<(String, String, chrono::NaiveDateTime)> = specimens::table
            .filter(specimens::facility_code.eq(ctx.facility()))
            .filter(specimens::status.eq_any(SpecimenStatus::in_care_codes()))
            .select((
                specimens::specimen_id,
                specimens::specimen_type,
                specimens::collected_at,
            ))
            .load(c)?;
        let events: Vec<StorageEventRow> = storage_events::table
            .inner_join(specimens::table)
            .filter(specimens::facility_code.eq(ctx.facility()))
            .filter(specimens::status.eq_any(SpecimenStatus::in_care_codes()))
            .order((
                storage_events::specimen_id,
                storage_events::at,
                storage_events::id,
            ))
            .select(StorageEventRow::as_select())
            .load(c)?;
        Ok::<_, ActionError>((specimens, events))
    })?;
    let mut by_specimen: std::collections::HashMap<String, Vec<StorageEventRow>> =
        std::collections::HashMap::new();
    for e in events {
        by_specimen
            .entry(e.specimen_id.clone())
            .or_default()
            .push(e);
    }
    let policy = &ctx.config.policy;
    let mut out = Vec::new();
    for (id, t, collected) in &specimens {
        let cell = Cell {
            table: "specimens",
            row: id,
            column: "specimen_type",
        };
        let t: SpecimenType = codes::read(cell, t)?;
        let rows = by_specimen
            .get(id.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let history = placements(rows)?;
        for a in storage::alerts(t, collected.and_utc(), &history, now, policy) {
            let message = match a.code {
                RuleCode::FreezeOrShipDue => format!(
                    "freeze at −80 °C or ship within {} h of collection",
                    policy.fridge_max_hours
                ),
                RuleCode::StorageDeadlineExceeded => format!(
                    "{} h unfrozen passed: freeze now or ship",
                    policy.fridge_max_hours
                ),
                _ => format!(
                    "at room temperature beyond {} min: put on ice or at 4 °C",
                    policy.ambient_grace_minutes
                ),
            };
            out.push(Alert {
                specimen_id: id.clone(),
                code: a.code,
                due_at: a.due_at.with_timezone(&ctx.tz).fixed_offset(),
                message,
                specimen_type: t,
                priority: i32::from(t.priority()),
                storage_class: storage::current_class(&history),
                location: rows.last().map(|e| e.location_code.clone()),
            });
        }
    }
    out.sort_by(|a, b| {
        a.due_at
            .cmp(&b.due_at)
            .then(a.priority.cmp(&b.priority))
            .then(a.specimen_id.cmp(&b.specimen_id))
    });
    Ok(out)
}
