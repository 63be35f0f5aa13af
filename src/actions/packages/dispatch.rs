//! Dispatch: refused until the checklist is complete and the tubes pass the
//! 48-hour and priority rules (or a written override sets them aside); it
//! freezes the shipper and hands the tubes to the carrier.

use super::add::siblings;
use super::load::{load_package, lock_open_package, reload, site_shipper};
use super::when;
use super::wire::{Dispatch, PackageChanged, TubeOverride};
use crate::actions::views::specimen_row;
use crate::actions::{audit, check_optional_text, naive, to_json, ActionError, Actor, Ctx};
use crate::domain::codes::{Decision, Notice};
use crate::domain::messages::{InputMsg, RecordMsg, RuleMsg};
use crate::domain::packaging;
use crate::domain::roles::Action;
use crate::domain::rules::{may_override, Step};
use crate::domain::{PackageStatus, RuleCode, SpecimenStatus};
use crate::store::codes::Code;
use crate::store::schema::{packages, specimens};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub fn dispatch(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    req: &Dispatch,
    now: DateTime<Utc>,
) -> Result<PackageChanged, ActionError> {
    actor.require(Action::PackSpecimens)?;
    check_optional_text("override_reason", req.override_reason.as_deref(), 1000)?;
    if req.override_reason.is_some() {
        actor.require(Action::Override)?;
    }
    let at = when(ctx, req.at, now, InputMsg::DispatchInFuture)?;
    ctx.write(|c| {
        let row = lock_open_package(ctx, c, id)?;
        let view = load_package(ctx, c, row.clone(), at)?;
        if !view.complete {
            return Err(ActionError::Incomplete {
                notice: Notice::new(
                    RuleCode::PackageIncomplete,
                    RecordMsg::PackageIncomplete {
                        package: row.package_id.clone(),
                        missing: view
                            .missing_details
                            .iter()
                            .map(|m| m.message.clone())
                            .collect(),
                    },
                ),
                missing: view.missing_details.clone(),
            });
        }
        if let Some(t) = view
            .specimens
            .iter()
            .find(|t| t.added_at.with_timezone(&Utc) > at)
        {
            return Err(ActionError::invalid(InputMsg::DispatchBeforePacking {
                specimen_id: t.specimen_id.clone(),
            }));
        }
        // Each refusal is kept with the tube it concerns: an overridden one
        // goes on the slip.
        let mut refused: Vec<TubeOverride> = Vec::new();
        for t in view.specimens.iter().filter(|t| t.deadline_exceeded) {
            refused.push(TubeOverride {
                specimen_id: t.specimen_id.clone(),
                code: RuleCode::StorageDeadlineExceeded,
                message: RuleMsg::ForTube {
                    specimen_id: t.specimen_id.clone(),
                    inner: Box::new(
                        RuleMsg::UnfrozenAtDispatch {
                            hours: t.hours_unfrozen,
                            limit: ctx.config.policy.fridge_max_hours,
                        }
                        .into(),
                    ),
                }
                .into(),
            });
        }
        // The priority rule again: a higher-priority tube may have been taken
        // out, or registered, after this one went in.
        let in_this: Vec<String> = view
            .specimens
            .iter()
            .map(|t| t.specimen_id.clone())
            .collect();
        for t in view
            .specimens
            .iter()
            .filter(|t| t.override_reason.is_none())
        {
            let specimen = specimen_row(ctx, c, &t.specimen_id)?;
            let sibs = siblings(c, &specimen, &in_this)?;
            if let Decision::Refuse(n) = packaging::check_priority(
                t.specimen_type,
                t.collected_at.with_timezone(&Utc),
                &sibs,
                ctx.config.policy.episode_days,
            ) {
                refused.push(TubeOverride {
                    specimen_id: t.specimen_id.clone(),
                    code: n.code,
                    message: RuleMsg::ForTube {
                        specimen_id: t.specimen_id.clone(),
                        inner: Box::new(n.message),
                    }
                    .into(),
                });
            }
        }
        let overridable = refused.iter().all(|r| may_override(r.code, Step::Dispatch));
        if !refused.is_empty() && (req.override_reason.is_none() || !overridable) {
            return Err(ActionError::Refused {
                refusals: refused
                    .into_iter()
                    .map(|r| Notice::new(r.code, r.message))
                    .collect(),
                overridable,
            });
        }
        let overridden = refused;
        let shipper = site_shipper(ctx);
        diesel::update(packages::table.find(id))
            .set((
                packages::status.eq(Code(PackageStatus::Dispatched)),
                packages::shipper.eq(Some(to_json(&shipper))),
                packages::emergency_phone.eq(Some(view.emergency_phone.clone())),
                packages::dispatched_at.eq(Some(naive(at))),
                packages::dispatched_by.eq(Some(actor.user_ref())),
                packages::dispatch_override_reason.eq(req
                    .override_reason
                    .clone()
                    .filter(|_| !overridden.is_empty())),
                packages::dispatch_overrides.eq(Some(to_json(&overridden))),
            ))
            .execute(c)?;
        diesel::update(specimens::table.filter(specimens::specimen_id.eq_any(&in_this)))
            .set(specimens::status.eq(Code(SpecimenStatus::Shipped)))
            .execute(c)?;
        audit::record(
            c,
            actor,
            now,
            "package.dispatch",
            ("package", id),
            Some(&serde_json::json!({"status": PackageStatus::Open})),
            Some(&serde_json::json!({
                "status": PackageStatus::Dispatched, "at": naive(at), "specimens": in_this,
                "override_reason": req.override_reason.clone().filter(|_| !overridden.is_empty()),
                "overridden": &overridden,
            })),
        )?;
        crate::actions::printing::queue_for_event(
            ctx,
            c,
            crate::actions::printing::Cause::Package,
            crate::config::PrintDocument::PackageLabel,
            id,
            now,
        )?;
        let warnings = overridden
            .into_iter()
            .map(|r| Notice::new(r.code, r.message))
            .collect();
        reload(ctx, c, id, now, warnings, true)
    })
}
