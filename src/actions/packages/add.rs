//! Putting a tube into an open package under the priority and consultation
//! rules, and taking it out again.

use super::load::{active_tubes, lock_open_package, reload};
use super::wire::{AddSpecimen, PackageChanged};
use crate::actions::judge::{judge, Judged};
use crate::actions::views::specimen_row;
use crate::actions::{audit, check_optional_text, check_text, naive, ActionError, Actor, Ctx};
use crate::domain::codes::Notice;
use crate::domain::messages::{RecordMsg, RuleMsg};
use crate::domain::packaging::{self, Sibling};
use crate::domain::roles::Action;
use crate::domain::rules::Step;
use crate::domain::storage;
use crate::domain::{RuleCode, SpecimenStatus};
use crate::store::codes::Code;
use crate::store::codes::{self, Cell};
use crate::store::models::{PackageSpecimenRow, SpecimenRow};
use crate::store::schema::{consultations, package_specimens, specimens};
use crate::store::{DbConnection, StoreError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// The same patient's other unshipped specimens, for the priority rule.
pub(super) fn siblings(
    c: &mut DbConnection,
    specimen: &SpecimenRow,
    in_this: &[String],
) -> Result<Vec<Sibling>, ActionError> {
    let rows: Vec<(String, String, chrono::NaiveDateTime)> = specimens::table
        .filter(specimens::patient_ref.eq(specimen.patient_ref))
        .filter(specimens::specimen_id.ne(&specimen.specimen_id))
        .filter(specimens::status.eq_any(SpecimenStatus::in_care_codes()))
        .select((
            specimens::specimen_id,
            specimens::specimen_type,
            specimens::collected_at,
        ))
        .load(c)?;
    rows.into_iter()
        .map(|(id, t, at)| {
            let cell = Cell {
                table: "specimens",
                row: &id,
                column: "specimen_type",
            };
            Ok(Sibling {
                specimen_type: codes::read(cell, &t)?,
                in_this_package: in_this.contains(&id),
                specimen_id: id,
                collected_at: at.and_utc(),
            })
        })
        .collect()
}

fn consulted(c: &mut DbConnection, specimen_id: &str) -> Result<bool, ActionError> {
    let n: i64 = consultations::table
        .filter(consultations::specimen_id.eq(specimen_id))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

pub fn add_specimen(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    req: &AddSpecimen,
    now: DateTime<Utc>,
) -> Result<PackageChanged, ActionError> {
    actor.require(Action::PackSpecimens)?;
    check_text("specimen_id", &req.specimen_id, 80)?;
    check_optional_text("override_reason", req.override_reason.as_deref(), 1000)?;
    if req.override_reason.is_some() {
        actor.require(Action::Override)?;
    }
    ctx.write(|c| {
        let row = lock_open_package(ctx, c, id)?;
        let specimen = specimen_row(ctx, c, &req.specimen_id)?;
        let tubes = active_tubes(c, id)?;
        if tubes.iter().any(|t| t.specimen_id == specimen.specimen_id) {
            return reload(ctx, c, id, now, Vec::new(), false);
        }
        let status = specimen.status()?;
        if status == SpecimenStatus::Packed {
            let elsewhere: Option<String> = package_specimens::table
                .filter(package_specimens::specimen_id.eq(&specimen.specimen_id))
                .filter(package_specimens::removed_at.is_null())
                .select(package_specimens::package_id)
                .first(c)
                .optional()?;
            return Err(ActionError::Conflict(Notice::new(
                RuleCode::AlreadyPacked,
                RecordMsg::AlreadyPacked {
                    id: specimen.specimen_id.clone(),
                    package: elsewhere.unwrap_or_default(),
                },
            )));
        }
        if !status.may_become(SpecimenStatus::Packed) {
            return Err(ActionError::Conflict(Notice::new(
                RuleCode::NotInCare,
                RecordMsg::NotInCareToPack {
                    id: specimen.specimen_id.clone(),
                    status: specimen.status.clone(),
                },
            )));
        }
        let specimen_type = specimen.specimen_type()?;
        let in_this: Vec<String> = tubes.iter().map(|t| t.specimen_id.clone()).collect();
        let sibs = siblings(c, &specimen, &in_this)?;
        let decisions = [
            packaging::check_consultation(specimen_type, consulted(c, &specimen.specimen_id)?),
            packaging::check_priority(
                specimen_type,
                specimen.collected_at.and_utc(),
                &sibs,
                ctx.config.policy.episode_days,
            ),
        ];
        let Judged {
            mut warnings,
            overridden,
        } = judge(decisions, req.override_reason.as_deref(), Step::Packing)?;
        let events = crate::actions::views::storage_history(c, &specimen.specimen_id)?;
        if storage::deadline_exceeded(
            specimen.collected_at.and_utc(),
            &crate::actions::views::placements(&events)?,
            now,
            &ctx.config.policy,
        ) {
            warnings.push(Notice::new(
                RuleCode::StorageDeadlineExceeded,
                RuleMsg::PackedPastDeadline {
                    hours: ctx.config.policy.fridge_max_hours,
                },
            ));
        }
        let override_reason = req.override_reason.clone().filter(|_| !overridden.is_empty());
        diesel::insert_into(package_specimens::table)
            .values(&PackageSpecimenRow {
                id: 0,
                package_id: id.into(),
                specimen_id: specimen.specimen_id.clone(),
                status_before: specimen.status.clone(),
                override_reason: override_reason.clone(),
                added_by: actor.user_ref(),
                added_at: naive(now),
                removed_by: None,
                removed_at: None,
                receipt: None,
                receipt_by: None,
                receipt_at: None,
            })
            .execute(c)?;
        diesel::update(specimens::table.find(&specimen.specimen_id))
            .set(specimens::status.eq(Code(SpecimenStatus::Packed)))
            .execute(c)?;
        audit::record(
            c,
            actor,
            now,
            "package.add_specimen",
            ("package", &row.package_id),
            Some(&serde_json::json!({"specimen_id": specimen.specimen_id, "status": specimen.status})),
            Some(&serde_json::json!({
                "specimen_id": specimen.specimen_id, "status": SpecimenStatus::Packed,
                "override_reason": override_reason,
                "overridden": overridden.iter().map(|n| n.code).collect::<Vec<_>>(),
            })),
        )?;
        warnings.extend(overridden);
        reload(ctx, c, id, now, warnings, true)
    })
}

/// Takes a tube back out of an open package; it returns to the status it had.
pub fn remove_specimen(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    specimen_id: &str,
    now: DateTime<Utc>,
) -> Result<PackageChanged, ActionError> {
    actor.require(Action::PackSpecimens)?;
    ctx.write(|c| {
        let row = lock_open_package(ctx, c, id)?;
        let tube = active_tubes(c, id)?
            .into_iter()
            .find(|t| t.specimen_id == specimen_id)
            .ok_or_else(|| not_in_package(&row.package_id, specimen_id))?;
        diesel::update(package_specimens::table.find(tube.id))
            .set((
                package_specimens::removed_at.eq(Some(naive(now))),
                package_specimens::removed_by.eq(Some(actor.user_ref())),
            ))
            .execute(c)?;
        // Stored while packed (the package sat in the fridge) counts too.
        let stored = !crate::actions::views::storage_history(c, specimen_id)?.is_empty();
        let status_after = if stored {
            SpecimenStatus::Stored
        } else {
            tube.status_before()?
        };
        if !SpecimenStatus::Packed.may_become(status_after) {
            return Err(StoreError::Corrupt(format!(
                "package_specimens row {}: a packed tube cannot go back to {status_after}",
                tube.id
            ))
            .into());
        }
        diesel::update(specimens::table.find(specimen_id))
            .set(specimens::status.eq(Code(status_after)))
            .execute(c)?;
        audit::record(
            c,
            actor,
            now,
            "package.remove_specimen",
            ("package", id),
            Some(
                &serde_json::json!({"specimen_id": specimen_id, "status": SpecimenStatus::Packed}),
            ),
            Some(&serde_json::json!({"specimen_id": specimen_id, "status": status_after})),
        )?;
        reload(ctx, c, id, now, Vec::new(), true)
    })
}

pub(super) fn not_in_package(package_id: &str, specimen_id: &str) -> ActionError {
    ActionError::Conflict(Notice::new(
        RuleCode::NotInPackage,
        RecordMsg::NotInPackage {
            id: specimen_id.into(),
            package: package_id.into(),
        },
    ))
}
