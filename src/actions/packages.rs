//! Packing, dispatch and receiving (SPEC §2.5): a package is made, tubes go
//! in under the priority rule, the triple-packaging checklist is ticked, and
//! dispatch refuses until nothing is missing.
//!
//! Every change is an event (a tick, an un-tick, a tube taken out): nothing
//! is deleted, so the package's history shows who did what and when.

use super::views::{load_views, specimen_row, unknown_specimen, user_names, SpecimenView};
use super::{audit, check_optional_text, check_text, naive, to_json, ActionError, Actor, Ctx};
use crate::domain::codes::{Decision, Notice};
use crate::domain::messages::{allowed, InputMsg, RecordMsg, RuleMsg};
use crate::domain::packaging::{
    self, Carrier, ChecklistItem, Layer, Missing, PackageState, Packer, Party, Sibling,
};
use crate::domain::roles::Action;
use crate::domain::storage::{self, Placement};
use crate::domain::Msg;
use crate::domain::{Coded, PackageStatus, RuleCode, SpecimenStatus, SpecimenType};
use crate::print::{PackageLabel, Slip, SlipLine, SlipOverride, CONTENTS_EN, CONTENTS_JA};
use crate::store::codes::{self, Cell};
use crate::store::models::{
    ChecklistEventRow, ConsultationRow, PackageRow, PackageSpecimenRow, SpecimenRow,
};
use crate::store::schema::{
    checklist_events, consultations, package_specimens, packages, specimens,
};
use crate::store::{DbConnection, StoreError};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the testing lab found of a tube (`package_specimens.receipt`): the
/// specimen status its check-in gives it.
const TUBE_RECEIVED: SpecimenStatus = SpecimenStatus::Received;
const TUBE_MISSING: SpecimenStatus = SpecimenStatus::Missing;

const TEXT_MAX: usize = 200;

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPackage {
    #[serde(default)]
    pub consignee: Party,
    pub carrier: Carrier,
    /// Yu-Pack only: the certified packaging responsible person.
    #[serde(default)]
    pub packer: Option<Packer>,
    /// Overrides the site's 24-hour emergency phone for this package.
    #[serde(default)]
    pub emergency_phone: Option<String>,
}

/// Changes to an open package's slip fields; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackageChanges {
    #[serde(default)]
    pub consignee: Option<Party>,
    #[serde(default)]
    pub carrier: Option<Carrier>,
    #[serde(default)]
    pub packer: Option<Packer>,
    #[serde(default)]
    pub emergency_phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddSpecimen {
    #[schema(min_length = 1, max_length = 80)]
    pub specimen_id: String,
    /// A written reason to pack despite the priority rule (`lab`, `admin`).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 1000)]
    pub override_reason: Option<String>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tick {
    pub item: ChecklistItem,
    /// For `primary.*` items: one tube; absent means every tube in the package.
    #[serde(default)]
    pub specimen_id: Option<String>,
    /// `false` un-ticks the item (recorded as an event, never a delete).
    #[serde(default = "default_true")]
    pub done: bool,
    /// Net dry ice in kg; required with `overpack.dry_ice`.
    #[serde(default)]
    pub dry_ice_kg: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dispatch {
    /// When transport started; now when absent.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
    /// A written reason to dispatch despite the 48-hour rule or the priority
    /// rule (`lab`, `admin`); shown on the slip.
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Receive {
    /// When the package arrived; now when absent.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
    /// Tubes listed in the package that did not arrive.
    #[serde(default)]
    pub missing: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsultation {
    /// Who at the testing lab agreed (name, section).
    #[schema(min_length = 1, max_length = 200)]
    pub consulted_with: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
    /// When it took place; now when absent.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsultationView {
    pub id: i64,
    pub specimen_id: String,
    pub consulted_with: String,
    pub note: Option<String>,
    pub consulted_at: DateTime<FixedOffset>,
    pub recorded_by: String,
    pub recorded_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PackageFilter {
    /// `open`, `dispatched` or `received`.
    #[serde(default)]
    #[param(schema_with = package_statuses)]
    pub status: Option<String>,
    /// At most this many (default 100, at most 1000).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

fn package_statuses() -> utoipa::openapi::Object {
    crate::http::one_of(
        &PackageStatus::codes(),
        "Only packages with this status: `open`, `dispatched` or `received`.",
    )
}

/// A tube as the package shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackedTube {
    pub specimen_id: String,
    #[serde(rename = "type")]
    pub specimen_type: SpecimenType,
    pub type_label_ja: &'static str,
    pub priority: i32,
    pub collected_at: DateTime<FixedOffset>,
    pub patient_id: Option<String>,
    pub status: String,
    pub freeze_or_ship_by: Option<DateTime<FixedOffset>>,
    /// Hours spent unfrozen since collection (until dispatch once dispatched).
    pub hours_unfrozen: f64,
    /// The 48-hour rule is broken: dispatch needs an override.
    pub deadline_exceeded: bool,
    /// The reason given to pack despite the priority rule.
    pub override_reason: Option<String>,
    pub added_by: String,
    pub added_at: DateTime<FixedOffset>,
    /// `received` or `missing` once the testing lab has checked the delivery.
    pub receipt: Option<String>,
    pub receipt_by: Option<String>,
    pub receipt_at: Option<DateTime<FixedOffset>>,
}

/// The current state of one checklist item (one per tube for primary items).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChecklistLine {
    pub item: ChecklistItem,
    pub layer: Layer,
    pub label_ja: &'static str,
    pub required: bool,
    pub specimen_id: Option<String>,
    pub done: bool,
    pub dry_ice_kg: Option<f64>,
    /// Who ticked (or un-ticked) it last, and when.
    pub by: Option<String>,
    pub at: Option<DateTime<FixedOffset>>,
}

/// One recorded tick or un-tick.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChecklistEvent {
    pub id: i64,
    pub item: ChecklistItem,
    pub specimen_id: Option<String>,
    pub done: bool,
    pub dry_ice_kg: Option<f64>,
    pub by: String,
    pub at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageView {
    /// The SSCC-18 printed on the label as `(00)`.
    pub package_id: String,
    pub status: String,
    pub carrier: Carrier,
    pub carrier_label_ja: &'static str,
    pub consignee: Party,
    /// From the site configuration; frozen into the package at dispatch.
    pub shipper: Party,
    pub emergency_phone: String,
    pub packer: Option<Packer>,
    pub quantity: usize,
    /// Tubes in sending-priority order.
    pub specimens: Vec<PackedTube>,
    pub checklist: Vec<ChecklistLine>,
    pub dry_ice_kg: Option<f64>,
    /// Keys of what dispatch still waits for (`primary.parafilm:TUBE`, …).
    pub missing: Vec<String>,
    pub missing_details: Vec<Missing>,
    pub complete: bool,
    pub dispatched_at: Option<DateTime<FixedOffset>>,
    pub dispatched_by: Option<String>,
    pub dispatch_override_reason: Option<String>,
    /// The rules the dispatch override set aside, tube by tube.
    pub dispatch_overrides: Vec<TubeOverride>,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub received_by: Option<String>,
    pub receipt_note: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<FixedOffset>,
    pub history: Vec<ChecklistEvent>,
}

/// A rule set aside for one tube by a dispatch override.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TubeOverride {
    pub specimen_id: String,
    pub code: RuleCode,
    pub message: Msg,
}

/// A package after a change, with what the rules warned about.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageChanged {
    #[serde(flatten)]
    pub package: PackageView,
    pub warnings: Vec<Notice>,
    /// False when the request repeated what was already recorded.
    #[serde(skip)]
    pub created: bool,
}

fn unknown_package(id: &str) -> ActionError {
    ActionError::NotFound(Notice::new(
        RuleCode::UnknownPackage,
        RecordMsg::NoPackage { id: id.into() },
    ))
}

fn dispatched(row: &PackageRow) -> ActionError {
    ActionError::Conflict(Notice::new(
        RuleCode::PackageDispatched,
        RecordMsg::PackageLocked {
            id: row.package_id.clone(),
            status: row.status.clone(),
        },
    ))
}

/// A package of this server's facility; another facility's is unknown here.
fn package_row(ctx: &Ctx, c: &mut DbConnection, id: &str) -> Result<PackageRow, ActionError> {
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
fn lock_package(ctx: &Ctx, c: &mut DbConnection, id: &str) -> Result<PackageRow, ActionError> {
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

fn lock_open_package(ctx: &Ctx, c: &mut DbConnection, id: &str) -> Result<PackageRow, ActionError> {
    let row = lock_package(ctx, c, id)?;
    if row.status()? != PackageStatus::Open {
        return Err(dispatched(&row));
    }
    Ok(row)
}

fn active_tubes(c: &mut DbConnection, id: &str) -> Result<Vec<PackageSpecimenRow>, ActionError> {
    Ok(package_specimens::table
        .filter(package_specimens::package_id.eq(id))
        .filter(package_specimens::removed_at.is_null())
        .order(package_specimens::id)
        .select(PackageSpecimenRow::as_select())
        .load(c)?)
}

fn checklist_rows(c: &mut DbConnection, id: &str) -> Result<Vec<ChecklistEventRow>, ActionError> {
    Ok(checklist_events::table
        .filter(checklist_events::package_id.eq(id))
        .order(checklist_events::id)
        .select(ChecklistEventRow::as_select())
        .load(c)?)
}

type ChecklistKey = (ChecklistItem, Option<String>);

/// The latest event per item (and tube): what is ticked now.
fn current_ticks(
    events: &[ChecklistEventRow],
) -> Result<BTreeMap<ChecklistKey, &ChecklistEventRow>, StoreError> {
    let mut out = BTreeMap::new();
    for e in events {
        out.insert((e.item()?, e.specimen_id.clone()), e);
    }
    Ok(out)
}

fn site_shipper(ctx: &Ctx) -> Party {
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

fn packer_of(row: &PackageRow) -> Option<Packer> {
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

fn check_party(prefix: &str, p: &Party) -> Result<(), ActionError> {
    for (field, value) in [
        ("name", &p.name),
        ("address", &p.address),
        ("phone", &p.phone),
    ] {
        if !value.is_empty() {
            check_text(&format!("{prefix}.{field}"), value, TEXT_MAX)?;
        }
    }
    Ok(())
}

fn check_packer(p: &Packer) -> Result<(), ActionError> {
    for (field, value) in [("name", &p.name), ("certificate_id", &p.certificate_id)] {
        if !value.is_empty() {
            check_text(&format!("packer.{field}"), value, TEXT_MAX)?;
        }
    }
    Ok(())
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

fn reload(
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

fn next_sscc(ctx: &Ctx, c: &mut DbConnection) -> Result<(String, i64), ActionError> {
    let last: Option<i64> = packages::table
        .select(diesel::dsl::max(packages::serial))
        .first(c)?;
    let serial = last.unwrap_or(0) + 1;
    let site = &ctx.config.site;
    let sscc = packaging::sscc(
        site.sscc_extension_digit,
        &site.gs1_company_prefix,
        u64::try_from(serial).unwrap_or(u64::MAX),
    )
    .map_err(|e| ActionError::Conflict(Notice::new(RuleCode::SiteNotConfigured, e.message())))?;
    Ok((sscc, serial))
}

pub fn create(
    ctx: &Ctx,
    actor: &Actor,
    req: &NewPackage,
    now: DateTime<Utc>,
) -> Result<PackageChanged, ActionError> {
    actor.require(Action::PackSpecimens)?;
    check_party("consignee", &req.consignee)?;
    if let Some(p) = &req.packer {
        check_packer(p)?;
    }
    check_optional_text("emergency_phone", req.emergency_phone.as_deref(), TEXT_MAX)?;
    ctx.write(|c| {
        let (package_id, serial) = next_sscc(ctx, c)?;
        let row = PackageRow {
            package_id: package_id.clone(),
            serial,
            status: PackageStatus::Open.code().into(),
            carrier: req.carrier.code().into(),
            consignee_name: req.consignee.name.clone(),
            consignee_address: req.consignee.address.clone(),
            consignee_phone: req.consignee.phone.clone(),
            packer_name: req.packer.as_ref().map(|p| p.name.clone()),
            packer_certificate_id: req.packer.as_ref().map(|p| p.certificate_id.clone()),
            emergency_phone: req.emergency_phone.clone(),
            shipper: None,
            dispatched_at: None,
            dispatched_by: None,
            dispatch_override_reason: None,
            dispatch_overrides: None,
            received_at: None,
            received_by: None,
            receipt_note: None,
            created_by: actor.user_ref(),
            created_at: naive(now),
            facility_code: ctx.facility().to_string(),
        };
        diesel::insert_into(packages::table)
            .values(&row)
            .execute(c)?;
        audit::record(
            c,
            actor,
            now,
            "package.create",
            ("package", &package_id),
            None::<&()>,
            Some(&serde_json::to_value(req).unwrap_or_default()),
        )?;
        reload(ctx, c, &package_id, now, Vec::new(), true)
    })
}

pub fn update(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    req: &PackageChanges,
    now: DateTime<Utc>,
) -> Result<PackageChanged, ActionError> {
    actor.require(Action::PackSpecimens)?;
    if let Some(p) = &req.consignee {
        check_party("consignee", p)?;
    }
    if let Some(p) = &req.packer {
        check_packer(p)?;
    }
    check_optional_text("emergency_phone", req.emergency_phone.as_deref(), TEXT_MAX)?;
    ctx.write(|c| {
        let row = lock_open_package(ctx, c, id)?;
        let before = serde_json::json!({
            "consignee": {"name": row.consignee_name, "address": row.consignee_address, "phone": row.consignee_phone},
            "carrier": row.carrier, "packer": packer_of(&row), "emergency_phone": row.emergency_phone,
        });
        let consignee = req.consignee.clone().unwrap_or(Party {
            name: row.consignee_name.clone(),
            address: row.consignee_address.clone(),
            phone: row.consignee_phone.clone(),
        });
        let packer = req.packer.clone().or_else(|| packer_of(&row));
        diesel::update(packages::table.find(id))
            .set((
                packages::consignee_name.eq(&consignee.name),
                packages::consignee_address.eq(&consignee.address),
                packages::consignee_phone.eq(&consignee.phone),
                packages::carrier.eq(req.carrier.map_or(row.carrier.clone(), |c| c.code().into())),
                packages::packer_name.eq(packer.as_ref().map(|p| p.name.clone())),
                packages::packer_certificate_id.eq(packer.as_ref().map(|p| p.certificate_id.clone())),
                packages::emergency_phone.eq(req.emergency_phone.clone().or(row.emergency_phone.clone())),
            ))
            .execute(c)?;
        audit::record(
            c,
            actor,
            now,
            "package.update",
            ("package", id),
            Some(&before),
            Some(&serde_json::to_value(req).unwrap_or_default()),
        )?;
        reload(ctx, c, id, now, Vec::new(), true)
    })
}

pub fn get(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<PackageView, ActionError> {
    actor.require(Action::ReadPackages)?;
    ctx.store.read(|c| {
        let row = package_row(ctx, c, id)?;
        load_package(ctx, c, row, now)
    })
}

/// Packages, newest first.
pub fn list(
    ctx: &Ctx,
    actor: &Actor,
    filter: &PackageFilter,
    now: DateTime<Utc>,
) -> Result<Vec<PackageView>, ActionError> {
    actor.require(Action::ReadPackages)?;
    let status = filter
        .status
        .as_deref()
        .map(|s| {
            PackageStatus::from_code(s).ok_or_else(|| {
                ActionError::invalid(InputMsg::NotOneOf {
                    field: "status".into(),
                    value: s.to_string(),
                    allowed: allowed(&PackageStatus::codes()),
                })
            })
        })
        .transpose()?;
    let limit = filter.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ActionError::invalid(InputMsg::LimitRange {
            min: 1,
            max: 1000,
        }));
    }
    ctx.store.read(|c| {
        let mut q = packages::table
            .filter(packages::facility_code.eq(ctx.facility()))
            .select(PackageRow::as_select())
            .order((packages::created_at.desc(), packages::serial.desc()))
            .limit(limit)
            .into_boxed();
        if let Some(s) = status {
            q = q.filter(packages::status.eq(s));
        }
        let rows: Vec<PackageRow> = q.load(c)?;
        rows.into_iter()
            .map(|r| load_package(ctx, c, r, now))
            .collect()
    })
}

/// The same patient's other unshipped specimens, for the priority rule.
fn siblings(
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

/// Splits decisions into warnings and refusals; a refusal the rule allows to
/// be overridden becomes a warning when a reason was given.
fn judge(
    decisions: impl IntoIterator<Item = Decision>,
    override_reason: Option<&str>,
    overridable: impl Fn(RuleCode) -> bool,
) -> Result<(Vec<Notice>, Vec<Notice>), ActionError> {
    let mut warnings = Vec::new();
    let mut refusals = Vec::new();
    let mut overridden = Vec::new();
    for d in decisions {
        match d {
            Decision::Accept => {}
            Decision::Warn(n) => warnings.push(n),
            Decision::Refuse(n) if overridable(n.code) && override_reason.is_some() => {
                overridden.push(n)
            }
            Decision::Refuse(n) => refusals.push(n),
        }
    }
    if !refusals.is_empty() {
        let all_overridable = refusals.iter().all(|n| overridable(n.code));
        refusals.extend(overridden);
        return Err(ActionError::Refused {
            refusals,
            overridable: all_overridable,
        });
    }
    Ok((warnings, overridden))
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
        let (mut warnings, overridden) = judge(decisions, req.override_reason.as_deref(), |code| {
            code == RuleCode::PriorityViolation
        })?;
        let events = super::views::storage_history(c, &specimen.specimen_id)?;
        if storage::deadline_exceeded(
            specimen.collected_at.and_utc(),
            &super::views::placements(&events)?,
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
            .set(specimens::status.eq(SpecimenStatus::Packed))
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
        let stored = !super::views::storage_history(c, specimen_id)?.is_empty();
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
            .set(specimens::status.eq(status_after))
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

fn not_in_package(package_id: &str, specimen_id: &str) -> ActionError {
    ActionError::Conflict(Notice::new(
        RuleCode::NotInPackage,
        RecordMsg::NotInPackage {
            id: specimen_id.into(),
            package: package_id.into(),
        },
    ))
}

pub fn tick(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    req: &Tick,
    now: DateTime<Utc>,
) -> Result<PackageChanged, ActionError> {
    actor.require(Action::PackSpecimens)?;
    if req.done {
        match packaging::check_tick(req.item, req.dry_ice_kg) {
            Decision::Refuse(n) if n.code == RuleCode::InvalidInput => {
                return Err(ActionError::Invalid(n))
            }
            Decision::Refuse(n) => {
                return Err(ActionError::Refused {
                    refusals: vec![n],
                    overridable: false,
                })
            }
            _ => {}
        }
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
        // Every refusal dispatch can meet is overridable, so each is kept
        // with the tube it concerns for the slip.
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
        if !refused.is_empty() && req.override_reason.is_none() {
            return Err(ActionError::Refused {
                refusals: refused
                    .into_iter()
                    .map(|r| Notice::new(r.code, r.message))
                    .collect(),
                overridable: true,
            });
        }
        let overridden = refused;
        let shipper = site_shipper(ctx);
        diesel::update(packages::table.find(id))
            .set((
                packages::status.eq(PackageStatus::Dispatched),
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
            .set(specimens::status.eq(SpecimenStatus::Shipped))
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
        let warnings = overridden
            .into_iter()
            .map(|r| Notice::new(r.code, r.message))
            .collect();
        reload(ctx, c, id, now, warnings, true)
    })
}

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
                .set(specimens::status.eq(receipt))
                .execute(c)?;
        }
        diesel::update(packages::table.find(id))
            .set((
                packages::status.eq(PackageStatus::Received),
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
            .set(specimens::status.eq(TUBE_MISSING))
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

pub fn record_consultation(
    ctx: &Ctx,
    actor: &Actor,
    specimen_id: &str,
    req: &NewConsultation,
    now: DateTime<Utc>,
) -> Result<ConsultationView, ActionError> {
    actor.require(Action::PackSpecimens)?;
    check_text("consulted_with", &req.consulted_with, TEXT_MAX)?;
    check_optional_text("note", req.note.as_deref(), 1000)?;
    let at = when(ctx, req.at, now, InputMsg::ConsultationInFuture)?;
    ctx.write(|c| {
        specimen_row(ctx, c, specimen_id)?;
        let row = ConsultationRow {
            id: 0,
            specimen_id: specimen_id.into(),
            consulted_with: req.consulted_with.clone(),
            note: req.note.clone(),
            consulted_at: naive(at),
            recorded_by: actor.user_ref(),
            recorded_at: naive(now),
        };
        let new_id: i64 = diesel::insert_into(consultations::table)
            .values(&row)
            .returning(consultations::id)
            .get_result(c)?;
        audit::record(
            c,
            actor,
            now,
            "specimen.consultation",
            ("specimen", specimen_id),
            None::<&()>,
            Some(&serde_json::to_value(req).unwrap_or_default()),
        )?;
        Ok(ConsultationView {
            id: new_id,
            specimen_id: row.specimen_id,
            consulted_with: row.consulted_with,
            note: row.note,
            consulted_at: ctx.site_time(row.consulted_at),
            recorded_by: actor.name.clone(),
            recorded_at: ctx.site_time(row.recorded_at),
        })
    })
}

/// The time a request gives for an event (now when absent), refused when
/// it lies beyond the clock-skew tolerance in the future.
fn when(
    ctx: &Ctx,
    at: Option<DateTime<FixedOffset>>,
    now: DateTime<Utc>,
    in_future: InputMsg,
) -> Result<DateTime<Utc>, ActionError> {
    let at = at.map_or(now, super::instant);
    if at > now + Duration::minutes(ctx.config.policy.future_tolerance_minutes) {
        return Err(ActionError::invalid(in_future));
    }
    Ok(at)
}

fn site_date(ctx: &Ctx, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&ctx.tz).date_naive()
}

/// The shipping slip (検体送付票) of a package.
pub fn slip(ctx: &Ctx, actor: &Actor, id: &str, now: DateTime<Utc>) -> Result<Slip, ActionError> {
    actor.require(Action::ReadPackages)?;
    ctx.store.read(|c| {
        let row = package_row(ctx, c, id)?;
        let view = load_package(ctx, c, row, now)?;
        let specimen_rows: Vec<SpecimenRow> = specimens::table
            .filter(specimens::facility_code.eq(ctx.facility()))
            .filter(
                specimens::specimen_id.eq_any(view.specimens.iter().map(|t| t.specimen_id.clone())),
            )
            .select(SpecimenRow::as_select())
            .load(c)?;
        let specimens: HashMap<String, SpecimenView> = load_views(ctx, c, specimen_rows)?
            .into_iter()
            .map(|v| (v.specimen_id.clone(), v))
            .collect();
        let mut lines = Vec::new();
        let mut overrides = Vec::new();
        for (i, t) in view.specimens.iter().enumerate() {
            let s = specimens
                .get(&t.specimen_id)
                .ok_or_else(|| unknown_specimen(&t.specimen_id))?;
            lines.push(SlipLine {
                number: i + 1,
                specimen_id: s.specimen_id.clone(),
                specimen_type: s.specimen_type,
                type_label_ja: s.type_label_ja,
                priority: s.priority,
                amount: crate::domain::labels::slip_amount(
                    crate::domain::Lang::Ja,
                    s.specimen_type,
                    s.volume_ml,
                ),
                volume_ml: s.volume_ml,
                container_ja: s.container_ja,
                collected_at: s.collected_at,
                collection_date: s.collection_date,
                onset_date: s.onset_date,
                days_since_onset: s.days_since_onset,
                patient_id: s.patient.patient_id.clone(),
            });
            for f in &s.flags {
                if let Some(reason) = &f.override_reason {
                    overrides.push(SlipOverride {
                        specimen_id: Some(s.specimen_id.clone()),
                        code: f.code,
                        rule_label_ja: crate::domain::labels::rule_ja(f.code),
                        reason: reason.clone(),
                        by: s.registered_by.clone(),
                        at: s.registered_at,
                    });
                }
            }
            if let Some(reason) = &t.override_reason {
                overrides.push(SlipOverride {
                    specimen_id: Some(t.specimen_id.clone()),
                    code: RuleCode::PriorityViolation,
                    rule_label_ja: crate::domain::labels::rule_ja(RuleCode::PriorityViolation),
                    reason: reason.clone(),
                    by: t.added_by.clone(),
                    at: t.added_at,
                });
            }
        }
        if let (Some(reason), Some(by), Some(at)) = (
            &view.dispatch_override_reason,
            &view.dispatched_by,
            view.dispatched_at,
        ) {
            for n in &view.dispatch_overrides {
                overrides.push(SlipOverride {
                    specimen_id: Some(n.specimen_id.clone()),
                    code: n.code,
                    rule_label_ja: crate::domain::labels::rule_ja(n.code),
                    reason: reason.clone(),
                    by: by.clone(),
                    at,
                });
            }
        }
        Ok(Slip {
            date: view
                .dispatched_at
                .map_or_else(|| site_date(ctx, now), |t| t.date_naive()),
            contents: CONTENTS_EN.into(),
            contents_ja: CONTENTS_JA.into(),
            quantity: view.quantity,
            carrier_label_ja: view.carrier.label_ja(),
            specimens: lines,
            overrides,
            missing: view.missing.clone(),
            package_id: view.package_id,
            status: view.status,
            shipper: view.shipper,
            consignee: view.consignee,
            emergency_phone: view.emergency_phone,
            carrier: view.carrier,
            packer: view.packer,
            dry_ice_kg: view.dry_ice_kg,
            dispatched_at: view.dispatched_at,
            dispatched_by: view.dispatched_by,
        })
    })
}

/// What the outer package label carries (PI 650 marks, SSCC).
pub fn label(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<PackageLabel, ActionError> {
    let view = get(ctx, actor, id, now)?;
    let site = &ctx.config.site;
    let responsible_person = view
        .packer
        .as_ref()
        .map(|p| p.name.clone())
        .filter(|n| !n.trim().is_empty())
        .or_else(|| Some(site.responsible_person.clone()).filter(|n| !n.trim().is_empty()))
        .unwrap_or_else(|| view.shipper.name.clone());
    Ok(PackageLabel {
        sscc: view.package_id,
        responsible_phone: view.emergency_phone,
        shipper: view.shipper,
        consignee: view.consignee,
        responsible_person,
        dry_ice_kg: view.dry_ice_kg,
        quantity: view.quantity,
    })
}
