//! Reading a package back: its row (locked for a change), its tubes and
//! checklist events, the parties on its slip, and the whole `PackageView`
//! every use-case answers with.

use super::wire::{ChecklistEvent, ChecklistLine, PackageChanged, PackageView, PackedTube};
use crate::actions::views::{load_views, user_names, SpecimenView};
use crate::actions::{ActionError, Ctx};
use crate::domain::codes::Notice;
use crate::domain::messages::RecordMsg;
use crate::domain::packaging::{self, ChecklistItem, PackageState, Packer, Party};
use crate::domain::storage::{self, Placement};
use crate::domain::{PackageStatus, RuleCode};
use crate::store::models::{ChecklistEventRow, PackageRow, PackageSpecimenRow, SpecimenRow};
use crate::store::schema::{checklist_events, package_specimens, packages, specimens};
use crate::store::{DbConnection, StoreError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

fn unknown_package(id: &str) -> ActionError {
    ActionError::NotFound(Notice::new(
        RuleCode::UnknownPackage,
        RecordMsg::NoPackage { id: id.into() },
    ))
}

pub(super) fn dispatched(row: &PackageRow) -> ActionError {
    ActionError::Conflict(Notice::new(
        RuleCode::PackageDispatched,
        RecordMsg::PackageLocked {
            id: row.package_id.clone(),
            status: row.status.clone(),
        },
    ))
}

/// A package of this server's facility; another facility's is unknown here.
pub(super) fn package_row(
    ctx: &Ctx,
    c: &mut DbConnection,
    id: &str,
) -> Result<PackageRow, ActionError> {
    packages::table
        .find(id)
        .filter(packages::facility_code.eq(ctx.facility()))
        .select(PackageRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| unknown_package(id))
}

/// Loads the package for a change, holding its row lock until the
/// transaction ends (a no-op update: PostgreSQL locks the row, SQLite's
/// writer lock already serialises), so two desks cannot interleave a tick
/// and a dispatch.
pub(super) fn lock_package(
    ctx: &Ctx,
    c: &mut DbConnection,
    id: &str,
) -> Result<PackageRow, ActionError> {
    let touched = diesel::update(
        packages::table
            .find(id)
            .filter(packages::facility_code.eq(ctx.facility())),
    )
    .set(packages::status.eq(packages::status))
    .execute(c)?;
    if touched == 0 {
        return Err(unknown_package(id));
    }
    package_row(ctx, c, id)
}

pub(super) fn lock_open_package(
    ctx: &Ctx,
    c: &mut DbConnection,
    id: &str,
) -> Result<PackageRow, ActionError> {
    let row = lock_package(ctx, c, id)?;
    if row.status()? != PackageStatus::Open {
        return Err(dispatched(&row));
    }
    Ok(row)
}

pub(super) fn active_tubes(
    c: &mut DbConnection,
    id: &str,
) -> Result<Vec<PackageSpecimenRow>, ActionError> {
    Ok(package_specimens::table
        .filter(package_specimens::package_id.eq(id))
        .filter(package_specimens::removed_at.is_null())
        .order(package_specimens::id)
        .select(PackageSpecimenRow::as_select())
        .load(c)?)
}

pub(super) fn checklist_rows(
    c: &mut DbConnection,
    id: &str,
) -> Result<Vec<ChecklistEventRow>, ActionError> {
    Ok(checklist_events::table
        .filter(checklist_events::package_id.eq(id))
        .order(checklist_events::id)
        .select(ChecklistEventRow::as_select())
        .load(c)?)
}

type ChecklistKey = (ChecklistItem, Option<String>);

/// The latest event per item (and tube): what is ticked now.
pub(super) fn current_ticks(
    events: &[ChecklistEventRow],
) -> Result<BTreeMap<ChecklistKey, &ChecklistEventRow>, StoreError> {
    let mut out = BTreeMap::new();
    for e in events {
        out.insert((e.item()?, e.specimen_id.clone()), e);
    }
    Ok(out)
}

pub(super) fn site_shipper(ctx: &Ctx) -> Party {
    let site = &ctx.config.site;
    Party {
        name: site.facility_name.clone(),
        address: site.address.clone(),
        phone: site.phone.clone(),
    }
}

fn shipper_of(ctx: &Ctx, row: &PackageRow) -> Party {
    row.shipper
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_else(|| site_shipper(ctx))
}

fn emergency_phone_of(ctx: &Ctx, row: &PackageRow) -> String {
    row.emergency_phone
        .clone()
        .unwrap_or_else(|| ctx.config.site.emergency_phone.clone())
}

pub(super) fn packer_of(row: &PackageRow) -> Option<Packer> {
    if row.packer_name.is_none() && row.packer_certificate_id.is_none() {
        return None;
    }
    Some(Packer {
        name: row.packer_name.clone().unwrap_or_default(),
        certificate_id: row.packer_certificate_id.clone().unwrap_or_default(),
    })
}

fn state_of(
    ctx: &Ctx,
    row: &PackageRow,
    tubes: &[PackageSpecimenRow],
    ticks: &BTreeMap<ChecklistKey, &ChecklistEventRow>,
) -> Result<PackageState, StoreError> {
    Ok(PackageState {
        carrier: row.carrier()?,
        consignee: Party {
            name: row.consignee_name.clone(),
            address: row.consignee_address.clone(),
            phone: row.consignee_phone.clone(),
        },
        shipper: shipper_of(ctx, row),
        emergency_phone: emergency_phone_of(ctx, row),
        packer: packer_of(row),
        tubes: tubes.iter().map(|t| t.specimen_id.clone()).collect(),
        done: ticks
            .iter()
            .filter(|(_, e)| e.done)
            .map(|(k, _)| k.clone())
            .collect::<BTreeSet<_>>(),
    })
}

fn placements_of(view: &SpecimenView) -> Vec<Placement> {
    view.storage
        .iter()
        .map(|e| Placement {
            class: e.storage_class,
            at: e.at.with_timezone(&Utc),
        })
        .collect()
}

/// Everything the API shows about one package.
pub fn load_package(
    ctx: &Ctx,
    c: &mut DbConnection,
    row: PackageRow,
    now: DateTime<Utc>,
) -> Result<PackageView, ActionError> {
    let tubes = active_tubes(c, &row.package_id)?;
    let events = checklist_rows(c, &row.package_id)?;
    let ticks = current_ticks(&events)?;
    let state = state_of(ctx, &row, &tubes, &ticks)?;
    let missing = packaging::missing(&state);

    let specimen_rows: Vec<SpecimenRow> = specimens::table
        .filter(specimens::facility_code.eq(ctx.facility()))
        .filter(specimens::specimen_id.eq_any(tubes.iter().map(|t| t.specimen_id.clone())))
        .select(SpecimenRow::as_select())
        .load(c)?;
    let views: HashMap<String, SpecimenView> = load_views(ctx, c, specimen_rows)?
        .into_iter()
        .map(|v| (v.specimen_id.clone(), v))
        .collect();
    let mut ids: Vec<i64> = vec![row.created_by];
    ids.extend(row.dispatched_by);
    ids.extend(row.received_by);
    ids.extend(tubes.iter().map(|t| t.added_by));
    ids.extend(tubes.iter().filter_map(|t| t.receipt_by));
    ids.extend(events.iter().map(|e| e.recorded_by));
    let names = user_names(c, ids)?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| "system".into());

    let until = row.dispatched_at.map_or(now, |t| t.and_utc());
    let mut packed: Vec<PackedTube> = tubes
        .iter()
        .filter_map(|t| {
            let v = views.get(&t.specimen_id)?;
            let history = placements_of(v);
            let collected = v.collected_at.with_timezone(&Utc);
            let unfrozen = storage::unfrozen_duration(collected, &history, until);
            Some(PackedTube {
                specimen_id: t.specimen_id.clone(),
                specimen_type: v.specimen_type,
                type_label_ja: v.type_label_ja,
                priority: v.priority,
                collected_at: v.collected_at,
                patient_id: v.patient.patient_id.clone(),
                status: v.status.clone(),
                freeze_or_ship_by: v.freeze_or_ship_by,
                hours_unfrozen: (unfrozen.num_minutes() as f64 / 6.0).round() / 10.0,
                deadline_exceeded: storage::deadline_exceeded(
                    collected,
                    &history,
                    until,
                    &ctx.config.policy,
                ),
                override_reason: t.override_reason.clone(),
                added_by: name(t.added_by),
                added_at: ctx.site_time(t.added_at),
                receipt: t.receipt.clone(),
                receipt_by: t.receipt_by.map(name),
                receipt_at: t.receipt_at.map(|a| ctx.site_time(a)),
            })
        })
        .collect();
    packed.sort_by(|a, b| {
        (a.priority, a.collected_at, &a.specimen_id).cmp(&(
            b.priority,
            b.collected_at,
            &b.specimen_id,
        ))
    });

    let line = |item: ChecklistItem, tube: Option<String>| {
        let last = ticks.get(&(item, tube.clone()));
        ChecklistLine {
            item,
            layer: item.layer(),
            label_ja: item.label_ja(),
            required: item.required(packed.len()),
            done: last.is_some_and(|e| e.done),
            dry_ice_kg: last.filter(|e| e.done).and_then(|e| e.dry_ice_kg),
            by: last.map(|e| name(e.recorded_by)),
            at: last.map(|e| ctx.site_time(e.recorded_at)),
            specimen_id: tube,
        }
    };
    let mut checklist = Vec::new();
    for item in ChecklistItem::ALL {
        if item == ChecklistItem::SecondaryDryIce {
            continue;
        }
        if item.per_tube() {
            for t in &packed {
                checklist.push(line(item, Some(t.specimen_id.clone())));
            }
        } else {
            checklist.push(line(item, None));
        }
    }
    let dry_ice_kg = ticks
        .get(&(ChecklistItem::OverpackDryIce, None))
        .filter(|e| e.done)
        .and_then(|e| e.dry_ice_kg);
    let history = events
        .iter()
        .map(|e| {
            Ok(ChecklistEvent {
                id: e.id,
                item: e.item()?,
                specimen_id: e.specimen_id.clone(),
                done: e.done,
                dry_ice_kg: e.dry_ice_kg,
                by: name(e.recorded_by),
                at: ctx.site_time(e.recorded_at),
            })
        })
        .collect::<Result<_, StoreError>>()?;

    let carrier = state.carrier;
    Ok(PackageView {
        status: row.status.clone(),
        carrier,
        carrier_label_ja: carrier.label_ja(),
        consignee: state.consignee,
        shipper: state.shipper,
        emergency_phone: state.emergency_phone,
        packer: state.packer,
        quantity: packed.len(),
        specimens: packed,
        checklist,
        dry_ice_kg,
        missing: missing.iter().map(|m| m.key.clone()).collect(),
        complete: missing.is_empty(),
        missing_details: missing,
        dispatched_at: row.dispatched_at.map(|t| ctx.site_time(t)),
        dispatched_by: row.dispatched_by.map(name),
        dispatch_override_reason: row.dispatch_override_reason.clone(),
        dispatch_overrides: row.dispatch_overrides()?.unwrap_or_default(),
        received_at: row.received_at.map(|t| ctx.site_time(t)),
        received_by: row.received_by.map(name),
        receipt_note: row.receipt_note.clone(),
        created_by: name(row.created_by),
        created_at: ctx.site_time(row.created_at),
        history,
        package_id: row.package_id,
    })
}

pub(super) fn reload(
    ctx: &Ctx,
    c: &mut DbConnection,
    id: &str,
    now: DateTime<Utc>,
    warnings: Vec<Notice>,
    created: bool,
) -> Result<PackageChanged, ActionError> {
    let row = package_row(ctx, c, id)?;
    Ok(PackageChanged {
        package: load_package(ctx, c, row, now)?,
        warnings,
        created,
    })
}
