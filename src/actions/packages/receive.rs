//! The testing lab's check-in: a package arrives, and tubes listed in it
//! that did not arrive are marked missing.

use super::add::not_in_package;
use super::load::{active_tubes, lock_package, reload};
use super::wire::{PackageChanged, Receive};
use super::{when, TUBE_MISSING, TUBE_RECEIVED};
use crate::actions::views::specimen_row;
use crate::actions::{audit, check_optional_text, naive, ActionError, Actor, Ctx};
use crate::domain::codes::Notice;
use crate::domain::messages::{InputMsg, RecordMsg, RuleMsg};
use crate::domain::roles::Action;
use crate::domain::{PackageStatus, RuleCode};
use crate::store::codes::Code;
use crate::store::models::PackageSpecimenRow;
use crate::store::schema::{package_specimens, packages, specimens};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub fn receive(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    req: &Receive,
    now: DateTime<Utc>,
) -> Result<PackageChanged, ActionError> {
    actor.require(Action::ReceivePackages)?;
    check_optional_text("note", req.note.as_deref(), 1000)?;
    let at = when(ctx, req.at, now, InputMsg::ReceiptInFuture)?;
    ctx.write(|c| {
        let row = lock_package(ctx, c, id)?;
        match row.status()? {
            PackageStatus::Received => return reload(ctx, c, id, now, Vec::new(), false),
            s if s.may_become(PackageStatus::Received) => {}
            _ => {
                return Err(ActionError::Conflict(Notice::new(
                    RuleCode::PackageNotDispatched,
                    RecordMsg::PackageNotDispatched {
                        id: row.package_id.clone(),
                    },
                )))
            }
        }
        if row.dispatched_at.is_some_and(|d| naive(at) < d) {
            return Err(ActionError::invalid(InputMsg::ReceiptBeforeDispatch));
        }
        let tubes = active_tubes(c, id)?;
        for m in &req.missing {
            if !tubes.iter().any(|t| &t.specimen_id == m) {
                specimen_row(ctx, c, m)?;
                return Err(not_in_package(&row.package_id, m));
            }
        }
        let (missing, arrived): (Vec<&PackageSpecimenRow>, Vec<&PackageSpecimenRow>) = tubes
            .iter()
            .partition(|t| req.missing.contains(&t.specimen_id));
        for (group, receipt) in [(&arrived, TUBE_RECEIVED), (&missing, TUBE_MISSING)] {
            let ids: Vec<i64> = group.iter().map(|t| t.id).collect();
            let specimen_ids: Vec<String> = group.iter().map(|t| t.specimen_id.clone()).collect();
            diesel::update(package_specimens::table.filter(package_specimens::id.eq_any(ids)))
                .set((
                    package_specimens::receipt.eq(Some(receipt.code())),
                    package_specimens::receipt_by.eq(Some(actor.user_ref())),
                    package_specimens::receipt_at.eq(Some(naive(at))),
                ))
                .execute(c)?;
            diesel::update(specimens::table.filter(specimens::specimen_id.eq_any(specimen_ids)))
                .set(specimens::status.eq(Code(receipt)))
                .execute(c)?;
        }
        diesel::update(packages::table.find(id))
            .set((
                packages::status.eq(Code(PackageStatus::Received)),
                packages::received_at.eq(Some(naive(at))),
                packages::received_by.eq(Some(actor.user_ref())),
                packages::receipt_note.eq(req.note.clone()),
            ))
            .execute(c)?;
        audit::record(
            c,
            actor,
            now,
            "package.receive",
            ("package", id),
            Some(&serde_json::json!({"status": PackageStatus::Dispatched})),
            Some(&serde_json::json!({
                "status": PackageStatus::Received, "at": naive(at),
                "received": arrived.iter().map(|t| &t.specimen_id).collect::<Vec<_>>(),
                "missing": missing.iter().map(|t| &t.specimen_id).collect::<Vec<_>>(),
            })),
        )?;
        let warnings = missing
            .iter()
            .map(|t| {
                Notice::new(
                    RuleCode::NotInPackage,
                    RuleMsg::TubeDidNotArrive {
                        specimen_id: t.specimen_id.clone(),
                    },
                )
            })
            .collect();
        reload(ctx, c, id, now, warnings, true)
    })
}

/// After receipt: a tube checked in as received turns out to be missing.
pub fn mark_missing(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    specimen_id: &str,
    now: DateTime<Utc>,
) -> Result<PackageChanged, ActionError> {
    actor.require(Action::ReceivePackages)?;
    ctx.write(|c| {
        let row = lock_package(ctx, c, id)?;
        if row.status()? != PackageStatus::Received {
            return Err(ActionError::Conflict(Notice::new(
                RuleCode::PackageNotDispatched,
                RecordMsg::ReceiveFirst {
                    id: row.package_id.clone(),
                    status: row.status.clone(),
                },
            )));
        }
        let tube = active_tubes(c, id)?
            .into_iter()
            .find(|t| t.specimen_id == specimen_id)
            .ok_or_else(|| not_in_package(&row.package_id, specimen_id))?;
        if tube.receipt.as_deref() == Some(TUBE_MISSING.code()) {
            return reload(ctx, c, id, now, Vec::new(), false);
        }
        diesel::update(package_specimens::table.find(tube.id))
            .set((
                package_specimens::receipt.eq(Some(TUBE_MISSING.code())),
                package_specimens::receipt_by.eq(Some(actor.user_ref())),
                package_specimens::receipt_at.eq(Some(naive(now))),
            ))
            .execute(c)?;
        diesel::update(specimens::table.find(specimen_id))
            .set(specimens::status.eq(Code(TUBE_MISSING)))
            .execute(c)?;
        audit::record(
            c,
            actor,
            now,
            "package.mark_missing",
            ("package", id),
            Some(&serde_json::json!({"specimen_id": specimen_id, "receipt": tube.receipt})),
            Some(&serde_json::json!({"specimen_id": specimen_id, "receipt": TUBE_MISSING})),
        )?;
        reload(ctx, c, id, now, Vec::new(), true)
    })
}
