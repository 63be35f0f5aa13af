//! What the API answers about specimens, locations, storage and results.
//!
//! Views are assembled from rows plus the rules: the freeze-or-ship deadline,
//! the freeze–thaw count and the storage flags are computed from the storage
//! history every time, never stored, so they cannot drift from it.

use super::{ActionError, Ctx};
use crate::domain::codes::Notice;
use crate::domain::messages::{RecordMsg, RuleMsg};
use crate::domain::patient::Sex;
use crate::domain::ppe::PpeItem;
use crate::domain::registration::Flag;
use crate::domain::results::{ResultStatus, TestMethod, TestResult};
use crate::domain::storage::{self, Placement, StorageClass};
use crate::domain::{RuleCode, SpecimenCategory, SpecimenType};
use crate::store::models::{
    LocationRow, PackageRow, PackageSpecimenRow, PatientRow, ResultRow, SpecimenRow,
    StorageEventRow,
};
use crate::store::schema::{
    locations, package_specimens, packages, patients, results, specimens, storage_events, users,
};
use crate::store::DbConnection;
use crate::store::StoreError;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientView {
    pub patient_id: Option<String>,
    pub name: String,
    pub name_kana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Sex,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// The patient's current identity as a view shows it.
pub(crate) fn patient_view(p: &PatientRow) -> Result<PatientView, StoreError> {
    Ok(PatientView {
        patient_id: p.patient_number.clone(),
        name: p.name.clone(),
        name_kana: p.name_kana.clone(),
        birth_date: p.birth_date,
        sex: p.sex()?,
        address: p.address.clone(),
        phone: p.phone.clone(),
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LocationView {
    pub code: String,
    pub name: String,
    pub storage_class: StorageClass,
    pub storage_class_label_ja: &'static str,
    pub created_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StorageEventView {
    pub id: i64,
    pub specimen_id: String,
    pub location: String,
    pub location_name: String,
    pub storage_class: StorageClass,
    pub nominal_celsius: i32,
    pub at: DateTime<FixedOffset>,
    pub warnings: Vec<Notice>,
    /// The written reason when a rule's refusal was overridden.
    pub override_reason: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultView {
    pub version: i32,
    pub result: TestResult,
    pub result_label_ja: &'static str,
    pub method: TestMethod,
    pub method_label_ja: &'static str,
    pub resulted_at: DateTime<FixedOffset>,
    /// True for every version after the first: it corrects the one before.
    pub correction: bool,
    /// Why this version corrects the standing one.
    pub correction_reason: Option<String>,
    /// `released` (counts in reports), `entered` (waits for a second
    /// person) or `returned` (sent back for correction).
    pub status: ResultStatus,
    /// The `[[assay]]` and the rule that called the result.
    pub assay: Option<String>,
    pub interpretation: Option<String>,
    /// Ct per target, `null` for undetermined.
    #[schema(value_type = Option<std::collections::BTreeMap<String, Option<f64>>>)]
    pub ct: Option<crate::actions::results::CtValues>,
    /// The instrument import and well it came from.
    pub import_id: Option<String>,
    pub well: Option<String>,
    /// Who entered it.
    pub recorded_by: String,
    pub recorded_at: DateTime<FixedOffset>,
    /// Who released or returned it, when, and why it was returned.
    pub released_by: Option<String>,
    pub released_at: Option<DateTime<FixedOffset>>,
    pub return_reason: Option<String>,
}

/// One step of the chain of custody (collected → stored → … → resulted).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CustodyStep {
    pub step: String,
    pub at: DateTime<FixedOffset>,
    pub by: Option<String>,
    pub detail: Option<String>,
}

/// The package a tube is in, as the specimen shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageRef {
    pub package_id: String,
    /// The package's status: `open`, `dispatched` or `received`.
    pub status: String,
    pub packed_at: DateTime<FixedOffset>,
    pub packed_by: String,
    pub dispatched_at: Option<DateTime<FixedOffset>>,
    pub received_at: Option<DateTime<FixedOffset>>,
    /// `received` or `missing` once the testing lab checked the delivery.
    pub receipt: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SpecimenView {
    pub specimen_id: String,
    pub patient: PatientView,
    #[serde(rename = "type")]
    pub specimen_type: SpecimenType,
    pub type_label_ja: &'static str,
    pub category: SpecimenCategory,
    pub priority: i32,
    pub amount: &'static str,
    pub container_ja: &'static str,
    pub facility_code: String,
    pub collected_at: DateTime<FixedOffset>,
    pub collection_date: NaiveDate,
    pub onset_date: Option<NaiveDate>,
    pub asymptomatic: bool,
    pub days_since_onset: Option<i32>,
    pub test_method: TestMethod,
    pub test_method_label_ja: &'static str,
    /// The kit label as scanned.
    pub kit: Option<String>,
    /// From a GS1 kit label: (01) GTIN, (10) lot, (17) expiry, (21) serial;
    /// null for a plain kit code.
    pub kit_gtin: Option<String>,
    pub kit_lot: Option<String>,
    pub kit_expiry: Option<NaiveDate>,
    pub kit_serial: Option<String>,
    /// The kit catalog's description of `kit_gtin`, when it is catalogued.
    pub kit_description: Option<String>,
    pub volume_ml: Option<f64>,
    pub ppe: Vec<PpeItem>,
    pub override_reason: Option<String>,
    pub status: String,
    /// Where the specimen belongs for long storage.
    pub home_storage: StorageClass,
    pub storage_class: StorageClass,
    pub location: Option<String>,
    /// When the unfrozen time since collection reaches the limit (48 h);
    /// null while frozen.
    pub freeze_or_ship_by: Option<DateTime<FixedOffset>>,
    pub freeze_thaw_count: usize,
    pub flags: Vec<Flag>,
    /// What the rules warned about when the specimen was registered.
    pub registration_warnings: Vec<Notice>,
    pub storage: Vec<StorageEventView>,
    pub results: Vec<ResultView>,
    /// The latest released result version (the one that counts in reports).
    pub result: Option<ResultView>,
    /// The package the tube is in (or travelled in); null until packed.
    pub package: Option<PackageRef>,
    pub custody: Vec<CustodyStep>,
    pub registered_by: String,
    pub registered_at: DateTime<FixedOffset>,
}

pub(crate) fn placements(events: &[StorageEventRow]) -> Result<Vec<Placement>, StoreError> {
    events
        .iter()
        .map(|e| {
            Ok(Placement {
                class: e.storage_class()?,
                at: e.at.and_utc(),
            })
        })
        .collect()
}

pub(crate) fn user_names(
    conn: &mut DbConnection,
    ids: Vec<i64>,
) -> Result<std::collections::HashMap<i64, String>, ActionError> {
    let rows: Vec<(i64, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn location_view(ctx: &Ctx, r: LocationRow) -> Result<LocationView, StoreError> {
    let class = r.storage_class()?;
    Ok(LocationView {
        code: r.code,
        name: r.name,
        storage_class: class,
        storage_class_label_ja: class.label_ja(),
        created_at: ctx.site_time(r.created_at),
    })
}

pub(crate) fn storage_history(
    conn: &mut DbConnection,
    specimen_id: &str,
) -> Result<Vec<StorageEventRow>, ActionError> {
    Ok(storage_events::table
        .filter(storage_events::specimen_id.eq(specimen_id))
        .order((storage_events::at, storage_events::id))
        .select(StorageEventRow::as_select())
        .load(conn)?)
}

fn name_of(names: &std::collections::HashMap<i64, String>, id: i64) -> String {
    names.get(&id).cloned().unwrap_or_else(|| "system".into())
}

/// The whole record of one specimen; `None` when there is no such tube.
pub fn load_specimen(
    ctx: &Ctx,
    conn: &mut DbConnection,
    specimen_id: &str,
) -> Result<Option<SpecimenView>, ActionError> {
    let row = specimens::table
        .find(specimen_id)
        .filter(specimens::facility_code.eq(ctx.facility()))
        .select(SpecimenRow::as_select())
        .first(conn)
        .optional()?;
    Ok(load_views(ctx, conn, row.into_iter().collect())?.pop())
}

/// Whole records for many specimens in a fixed number of queries (one per
/// table, not one per specimen), in the order of `rows`.
pub fn load_views(
    ctx: &Ctx,
    conn: &mut DbConnection,
    rows: Vec<SpecimenRow>,
) -> Result<Vec<SpecimenView>, ActionError> {
    use std::collections::HashMap;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = rows.iter().map(|s| s.specimen_id.clone()).collect();
    let patient_refs: Vec<i64> = rows.iter().map(|s| s.patient_ref).collect();
    let patients: HashMap<i64, PatientRow> = patients::table
        .filter(patients::id.eq_any(patient_refs))
        .select(PatientRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|p: PatientRow| (p.id, p))
        .collect();
    let mut events: HashMap<String, Vec<StorageEventRow>> = HashMap::new();
    for e in storage_events::table
        .filter(storage_events::specimen_id.eq_any(&ids))
        .order((storage_events::at, storage_events::id))
        .select(StorageEventRow::as_select())
        .load::<StorageEventRow>(conn)?
    {
        events.entry(e.specimen_id.clone()).or_default().push(e);
    }
    let mut result_rows: HashMap<String, Vec<ResultRow>> = HashMap::new();
    for r in results::table
        .filter(results::specimen_id.eq_any(&ids))
        .order(results::version)
        .select(ResultRow::as_select())
        .load::<ResultRow>(conn)?
    {
        result_rows
            .entry(r.specimen_id.clone())
            .or_default()
            .push(r);
    }
    let mut packing: HashMap<String, Vec<(PackageSpecimenRow, PackageRow)>> = HashMap::new();
    for (tube, package) in package_specimens::table
        .inner_join(packages::table)
        .filter(package_specimens::specimen_id.eq_any(&ids))
        .order(package_specimens::id)
        .select((PackageSpecimenRow::as_select(), PackageRow::as_select()))
        .load::<(PackageSpecimenRow, PackageRow)>(conn)?
    {
        packing
            .entry(tube.specimen_id.clone())
            .or_default()
            .push((tube, package));
    }
    let codes: Vec<String> = events
        .values()
        .flatten()
        .map(|e| e.location_code.clone())
        .collect();
    let location_names: HashMap<String, String> = locations::table
        .filter(locations::code.eq_any(codes))
        .select((locations::code, locations::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut user_ids: Vec<i64> = rows.iter().map(|s| s.registered_by).collect();
    user_ids.extend(events.values().flatten().map(|e| e.recorded_by));
    user_ids.extend(result_rows.values().flatten().flat_map(|r| r.user_ids()));
    for (t, p) in packing.values().flatten() {
        user_ids.push(t.added_by);
        user_ids.extend(t.removed_by);
        user_ids.extend(t.receipt_by);
        user_ids.extend(p.dispatched_by);
    }
    let names = user_names(conn, user_ids)?;
    let mut gtins: Vec<String> = rows.iter().filter_map(|s| s.kit_gtin.clone()).collect();
    gtins.sort();
    gtins.dedup();
    let catalog = super::kits::catalog_entries(ctx, conn, &gtins)?;

    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        let patient = patients
            .get(&s.patient_ref)
            .cloned()
            .ok_or_else(|| unknown_specimen(&s.specimen_id))?;
        let related = Related {
            events: events.remove(&s.specimen_id).unwrap_or_default(),
            results: result_rows.remove(&s.specimen_id).unwrap_or_default(),
            packing: packing.remove(&s.specimen_id).unwrap_or_default(),
            kit_description: s
                .kit_gtin
                .as_ref()
                .and_then(|g| catalog.get(g))
                .map(|k| k.description.clone()),
        };
        out.push(assemble(ctx, s, patient, related, &location_names, &names)?);
    }
    Ok(out)
}

/// The record of a specimen its registration has just written, built from
/// the rows it wrote: a new tube has no storage, result or package yet, so
/// the answer to a registration costs no further query.
pub fn registered_view(
    ctx: &Ctx,
    row: SpecimenRow,
    patient: PatientRow,
    registered_by: &super::Actor,
    kit_description: Option<String>,
) -> Result<SpecimenView, StoreError> {
    let names = registered_by
        .id
        .map(|id| (id, registered_by.name.clone()))
        .into_iter()
        .collect();
    let related = Related {
        events: Vec::new(),
        results: Vec::new(),
        packing: Vec::new(),
        kit_description,
    };
    assemble(ctx, row, patient, related, &Default::default(), &names)
}

/// The rows of other tables that belong to one specimen.
struct Related {
    events: Vec<StorageEventRow>,
    results: Vec<ResultRow>,
    packing: Vec<(PackageSpecimenRow, PackageRow)>,
    /// Looked up in the catalog when the view is built, so a kit catalogued
    /// after the registration shows its description too.
    kit_description: Option<String>,
}

fn assemble(
    ctx: &Ctx,
    s: SpecimenRow,
    patient: PatientRow,
    related: Related,
    location_names: &std::collections::HashMap<String, String>,
    names: &std::collections::HashMap<i64, String>,
) -> Result<SpecimenView, StoreError> {
    let Related {
        events,
        results: result_rows,
        packing,
        kit_description,
    } = related;
    let specimen_type = s.specimen_type()?;
    let test_method = s.test_method()?;
    let status = s.status()?;
    let ppe = s.ppe()?;
    let registration_warnings = s.warnings()?;
    let patient = patient_view(&patient)?;
    let collected_at = s.collected_at.and_utc();
    let history = placements(&events)?;
    let policy = &ctx.config.policy;
    let freeze_thaw_count = storage::freeze_thaw_count(&history);

    let mut flags: Vec<Flag> = s.flags()?;
    let minus20: Vec<&StorageEventRow> = events
        .iter()
        .filter(|e| e.storage_class == StorageClass::FrozenMinus20.code())
        .collect();
    if !minus20.is_empty() {
        flags.push(Flag {
            code: RuleCode::Minus20Fallback,
            message: RuleMsg::Minus20Stored.into(),
            override_reason: minus20.iter().find_map(|e| e.override_reason.clone()),
        });
    }
    if freeze_thaw_count > 0 {
        flags.push(Flag {
            code: RuleCode::FreezeThaw,
            message: RuleMsg::FreezeThawCycles {
                count: i64::try_from(freeze_thaw_count).unwrap_or(i64::MAX),
            }
            .into(),
            override_reason: None,
        });
    }

    let storage: Vec<StorageEventView> = events
        .into_iter()
        .map(|e| {
            let class = e.storage_class()?;
            let warnings = e.warnings()?;
            Ok(StorageEventView {
                id: e.id,
                location_name: location_names
                    .get(&e.location_code)
                    .cloned()
                    .unwrap_or_default(),
                specimen_id: e.specimen_id,
                location: e.location_code,
                storage_class: class,
                nominal_celsius: class.nominal_celsius(),
                at: ctx.site_time(e.at),
                warnings,
                override_reason: e.override_reason,
                recorded_by: name_of(names, e.recorded_by),
                recorded_at: ctx.site_time(e.recorded_at),
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let results: Vec<ResultView> = result_rows
        .into_iter()
        .map(|r| result_view(ctx, r, names))
        .collect::<Result<_, StoreError>>()?;

    // The person who registered the tube is the one who took it in.
    let mut custody = vec![CustodyStep {
        step: "collected".into(),
        at: ctx.site_time(s.collected_at),
        by: Some(name_of(names, s.registered_by)),
        detail: None,
    }];
    custody.extend(storage.iter().map(|e| CustodyStep {
        step: "stored".into(),
        at: e.at,
        by: Some(e.recorded_by.clone()),
        detail: Some(format!("{} ({})", e.location, e.storage_class.code())),
    }));
    for (t, p) in &packing {
        let step = |step: &str, at: NaiveDateTime, by: Option<i64>| CustodyStep {
            step: step.into(),
            at: ctx.site_time(at),
            by: by.map(|id| name_of(names, id)),
            detail: Some(p.package_id.clone()),
        };
        custody.push(step("packed", t.added_at, Some(t.added_by)));
        if let Some(at) = t.removed_at {
            custody.push(step("unpacked", at, t.removed_by));
            continue;
        }
        if let Some(at) = p.dispatched_at {
            custody.push(step("dispatched", at, p.dispatched_by));
        }
        if let (Some(receipt), Some(at)) = (&t.receipt, t.receipt_at) {
            custody.push(step(receipt, at, t.receipt_by));
        }
    }
    custody.extend(results.iter().map(|r| CustodyStep {
        step: "resulted".into(),
        at: r.resulted_at,
        by: Some(r.recorded_by.clone()),
        detail: Some(format!("{} v{}", r.result.code(), r.version)),
    }));
    // Stable: steps recorded at the same moment keep the order above.
    custody.sort_by_key(|step| step.at);
    let package = packing
        .iter()
        .rev()
        .find(|(t, _)| t.removed_at.is_none())
        .map(|(t, p)| PackageRef {
            package_id: p.package_id.clone(),
            status: p.status.clone(),
            packed_at: ctx.site_time(t.added_at),
            packed_by: name_of(names, t.added_by),
            dispatched_at: p.dispatched_at.map(|a| ctx.site_time(a)),
            received_at: p.received_at.map(|a| ctx.site_time(a)),
            receipt: t.receipt.clone(),
        });

    Ok(SpecimenView {
        patient,
        type_label_ja: specimen_type.label_ja(),
        category: specimen_type.category(),
        priority: i32::from(specimen_type.priority()),
        amount: specimen_type.amount(),
        container_ja: specimen_type.container_ja(),
        specimen_type,
        facility_code: s.facility_code,
        collected_at: ctx.site_time(s.collected_at),
        collection_date: crate::domain::timing::collection_date(collected_at, ctx.tz),
        onset_date: s.onset_date,
        asymptomatic: s.asymptomatic,
        days_since_onset: s.days_since_onset,
        test_method,
        test_method_label_ja: test_method.label_ja(),
        kit: s.kit,
        kit_gtin: s.kit_gtin,
        kit_lot: s.kit_lot,
        kit_expiry: s.kit_expiry,
        kit_serial: s.kit_serial,
        kit_description,
        volume_ml: s.volume_ml,
        ppe,
        override_reason: s.override_reason,
        status: status.code().into(),
        home_storage: specimen_type.home_storage(),
        storage_class: storage::current_class(&history),
        location: storage.last().map(|e| e.location.clone()),
        freeze_or_ship_by: storage::freeze_or_ship_by(collected_at, &history, policy)
            .map(|t| t.with_timezone(&ctx.tz).fixed_offset()),
        freeze_thaw_count,
        flags,
        registration_warnings,
        result: results
            .iter()
            .rev()
            .find(|r| r.status == ResultStatus::Released)
            .cloned(),
        results,
        storage,
        package,
        custody,
        registered_by: name_of(names, s.registered_by),
        registered_at: ctx.site_time(s.registered_at),
        specimen_id: s.specimen_id,
    })
}

pub(crate) fn result_view(
    ctx: &Ctx,
    r: ResultRow,
    names: &std::collections::HashMap<i64, String>,
) -> Result<ResultView, StoreError> {
    let v = r.as_version()?;
    Ok(ResultView {
        version: r.version,
        result: v.result,
        result_label_ja: v.result.label_ja(),
        method: v.method,
        method_label_ja: v.method.label_ja(),
        resulted_at: ctx.site_time(r.resulted_at),
        correction: r.version > 1,
        ct: r.ct_values(),
        correction_reason: r.correction_reason,
        status: v.status,
        assay: r.assay,
        interpretation: r.interpretation,
        import_id: r.import_id,
        well: r.well,
        recorded_by: name_of(names, r.recorded_by),
        recorded_at: ctx.site_time(r.recorded_at),
        released_by: r.released_by.map(|id| name_of(names, id)),
        released_at: r.released_at.map(|t| ctx.site_time(t)),
        return_reason: r.return_reason,
    })
}

/// The version a new result is compared with (the latest not returned).
pub(crate) fn standing_row(rows: &[ResultRow]) -> Option<&ResultRow> {
    rows.iter()
        .filter(|r| r.status != ResultStatus::Returned.code())
        .max_by_key(|r| r.version)
}

pub(crate) fn unknown_specimen(id: &str) -> ActionError {
    ActionError::NotFound(Notice::new(
        RuleCode::UnknownSpecimen,
        RecordMsg::NoSpecimen { id: id.into() },
    ))
}

/// A specimen of this server's facility; another facility's tube is
/// unknown here (404), whatever its id.
pub(crate) fn specimen_row(
    ctx: &Ctx,
    conn: &mut DbConnection,
    id: &str,
) -> Result<SpecimenRow, ActionError> {
    specimens::table
        .find(id)
        .filter(specimens::facility_code.eq(ctx.facility()))
        .select(SpecimenRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| unknown_specimen(id))
}
