//! Ticking and un-ticking the triple-packaging checklist, tube by tube for
//! the primary layer.

use super::add::not_in_package;
use super::load::{active_tubes, checklist_rows, current_ticks, lock_open_package, reload};
use super::wire::{PackageChanged, Tick};
use crate::actions::judge::judge;
use crate::actions::views::specimen_row;
use crate::actions::{audit, naive, ActionError, Actor, Ctx};
use crate::domain::codes::Notice;
use crate::domain::messages::{InputMsg, RecordMsg, RuleMsg};
use crate::domain::packaging::{self, ChecklistItem};
use crate::domain::roles::Action;
use crate::domain::rules::Step;
use crate::domain::RuleCode;
use crate::store::models::ChecklistEventRow;
use crate::store::schema::checklist_events;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub fn tick(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    req: &Tick,
    now: DateTime<Utc>,
) -> Result<PackageChanged, ActionError> {
    actor.require(Action::PackSpecimens)?;
    if req.done {
        judge(
            [packaging::check_tick(req.item, req.dry_ice_kg)],
            None,
            Step::Checklist,
        )?;
    } else if req.dry_ice_kg.is_some() {
        return Err(ActionError::invalid(InputMsg::DryIceOnUntick));
    }
    if !req.item.per_tube() && req.specimen_id.is_some() {
        return Err(ActionError::invalid(InputMsg::PackageLevelItem {
            item: req.item,
        }));
    }
    ctx.write(|c| {
        let row = lock_open_package(ctx, c, id)?;
        let tubes = active_tubes(c, id)?;
        let targets: Vec<Option<String>> = if req.item.per_tube() {
            match &req.specimen_id {
                Some(s) => {
                    if !tubes.iter().any(|t| &t.specimen_id == s) {
                        specimen_row(ctx, c, s)?;
                        return Err(not_in_package(&row.package_id, s));
                    }
                    vec![Some(s.clone())]
                }
                None if tubes.is_empty() => {
                    return Err(ActionError::Conflict(Notice::new(
                        RuleCode::NotInPackage,
                        RecordMsg::PackageHasNoTube {
                            package: row.package_id.clone(),
                        },
                    )))
                }
                None => tubes.iter().map(|t| Some(t.specimen_id.clone())).collect(),
            }
        } else {
            vec![None]
        };
        let events = checklist_rows(c, id)?;
        let ticks = current_ticks(&events)?;
        let mut recorded = Vec::new();
        for target in targets {
            let last = ticks.get(&(req.item, target.clone()));
            let unchanged = match last {
                Some(e) => e.done == req.done && (!req.done || e.dry_ice_kg == req.dry_ice_kg),
                None => !req.done,
            };
            if unchanged {
                continue;
            }
            diesel::insert_into(checklist_events::table)
                .values(&ChecklistEventRow {
                    id: 0,
                    package_id: id.into(),
                    item: req.item.code().into(),
                    specimen_id: target.clone(),
                    done: req.done,
                    dry_ice_kg: req.dry_ice_kg.filter(|_| req.done),
                    recorded_by: actor.user_ref(),
                    recorded_at: naive(now),
                })
                .execute(c)?;
            recorded.push(target);
        }
        if !recorded.is_empty() {
            audit::record(
                c,
                actor,
                now,
                if req.done {
                    "package.tick"
                } else {
                    "package.untick"
                },
                ("package", id),
                None::<&()>,
                Some(&serde_json::json!({
                    "item": req.item.code(), "specimen_ids": recorded, "done": req.done,
                    "dry_ice_kg": req.dry_ice_kg,
                })),
            )?;
        }
        let mut warnings = Vec::new();
        if req.done
            && req.item == ChecklistItem::OverpackDryIce
            && !ticks
                .get(&(ChecklistItem::OverpackInsulatedBox, None))
                .is_some_and(|e| e.done)
        {
            warnings.push(Notice::new(
                RuleCode::DryIceWithoutOverpack,
                RuleMsg::DryIceWithoutOverpack,
            ));
        }
        let created = !recorded.is_empty();
        reload(ctx, c, id, now, warnings, created)
    })
}
