//! Patients: who a specimen belongs to, kept per facility and in versions.
//!
//! A registration finds its patient (or creates them) and may fill in what
//! the record lacks; a value that contradicts the record is refused with
//! `patient_mismatch`, never written (`domain::patient` has the rule). A
//! real change of identity is a correction: its own action, with a written
//! reason, by a role that may make it, kept as a new version with the old
//! values, and audited with both.

use super::views::{patient_view, user_names, PatientView};
use super::{audit, check_optional_text, check_text, naive, ActionError, Actor, Ctx};
use crate::domain::codes::Notice;
use crate::domain::messages::{InputMsg, RecordMsg};
use crate::domain::patient::{
    changed_fields, check_identity, fill_in, patient_key, Identity, IdentityField, Sex,
};
use crate::domain::roles::Action;
use crate::domain::RuleCode;
use crate::store::models::{PatientRow, PatientVersionRow};
use crate::store::schema::{patient_versions, patients, specimens};
use crate::store::{DbConnection, StoreError};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};

/// How a version came to be.
pub const REGISTERED: &str = "registered";
/// Fields the record lacked, given at a later registration.
pub const COMPLETED: &str = "completed";
/// Changed with a reason (`PATCH /api/v1/patients/{patient_id}`).
pub const CORRECTED: &str = "corrected";

/// The patient as a registration gives them.
pub struct GivenPatient<'a> {
    pub patient_id: Option<&'a str>,
    pub identity: Identity,
}

fn identity_of(row: &PatientRow) -> Result<Identity, StoreError> {
    Ok(Identity {
        name: row.name.clone(),
        name_kana: row.name_kana.clone(),
        birth_date: row.birth_date,
        sex: row.sex()?,
        address: row.address.clone(),
        phone: row.phone.clone(),
    })
}

fn version_row(
    patient: &PatientRow,
    kind: &str,
    reason: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> PatientVersionRow {
    PatientVersionRow {
        id: 0,
        patient_ref: patient.id,
        version: patient.version,
        kind: kind.to_string(),
        patient_number: patient.patient_number.clone(),
        name: patient.name.clone(),
        name_kana: patient.name_kana.clone(),
        birth_date: patient.birth_date,
        sex: patient.sex.clone(),
        address: patient.address.clone(),
        phone: patient.phone.clone(),
        reason: reason.map(str::to_string),
        changed_by: actor.user_ref(),
        changed_at: naive(now),
    }
}

/// The row with `identity` as its current identity and the next version.
fn with_identity(row: &PatientRow, identity: &Identity, now: DateTime<Utc>) -> PatientRow {
    PatientRow {
        name: identity.name.clone(),
        name_kana: identity.name_kana.clone(),
        birth_date: identity.birth_date,
        sex: identity.sex.code().to_string(),
        address: identity.address.clone(),
        phone: identity.phone.clone(),
        updated_at: naive(now),
        version: row.version + 1,
        ..row.clone()
    }
}

/// Stores `next` as the patient's identity and its version.
fn save_version(
    c: &mut DbConnection,
    next: &PatientRow,
    kind: &str,
    reason: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), ActionError> {
    diesel::update(patients::table.find(next.id))
        .set(next)
        .execute(c)?;
    diesel::insert_into(patient_versions::table)
        .values(&version_row(next, kind, reason, actor, now))
        .execute(c)?;
    Ok(())
}

/// The patient a registration is for, inside its write: created when new;
/// for a known one, what the record lacks is filled in (a new version)
/// and a contradiction is refused with `patient_mismatch`, naming the
/// fields.
pub(crate) fn for_registration(
    ctx: &Ctx,
    c: &mut DbConnection,
    actor: &Actor,
    given: &GivenPatient<'_>,
    now: DateTime<Utc>,
) -> Result<PatientRow, ActionError> {
    let facility = ctx.config.site.facility_code.clone();
    let id = &given.identity;
    let key = patient_key(
        given.patient_id,
        &id.name,
        id.name_kana.as_deref(),
        id.birth_date,
    );
    let existing: Option<PatientRow> = patients::table
        .filter(patients::facility_code.eq(&facility))
        .filter(patients::patient_key.eq(&key))
        .select(PatientRow::as_select())
        .first(c)
        .optional()?;
    let Some(stored) = existing else {
        let new = PatientRow {
            id: 0,
            patient_key: key,
            patient_number: given.patient_id.map(str::to_string),
            name: id.name.clone(),
            name_kana: id.name_kana.clone(),
            birth_date: id.birth_date,
            sex: id.sex.code().to_string(),
            address: id.address.clone(),
            phone: id.phone.clone(),
            updated_at: naive(now),
            facility_code: facility,
            version: 1,
        };
        let ref_id: i64 = diesel::insert_into(patients::table)
            .values(&new)
            .returning(patients::id)
            .get_result(c)?;
        let row = PatientRow { id: ref_id, ..new };
        diesel::insert_into(patient_versions::table)
            .values(&version_row(&row, REGISTERED, None, actor, now))
            .execute(c)?;
        audit::record::<(), _>(
            c,
            actor,
            now,
            "patient.create",
            ("patient", &ref_id.to_string()),
            None,
            Some(&serde_json::json!({"id": ref_id, "version": 1})),
        )?;
        return Ok(row);
    };
    let record = identity_of(&stored)?;
    let check = check_identity(&record, id);
    if !check.mismatched.is_empty() {
        return Err(mismatch(&stored, &check.mismatched));
    }
    if check.filled.is_empty() {
        return Ok(stored);
    }
    let filled = fill_in(&record, id, &check.filled);
    let next = with_identity(&stored, &filled, now);
    save_version(c, &next, COMPLETED, None, actor, now)?;
    audit::record(
        c,
        actor,
        now,
        "patient.complete",
        ("patient", &stored.id.to_string()),
        Some(&serde_json::json!({"version": stored.version, "identity": record})),
        Some(&serde_json::json!({
            "version": next.version, "identity": filled, "filled": check.filled,
        })),
    )?;
    Ok(next)
}

fn mismatch(stored: &PatientRow, fields: &[IdentityField]) -> ActionError {
    ActionError::Conflict(Notice::new(
        RuleCode::PatientMismatch,
        RecordMsg::PatientMismatch {
            patient_id: stored
                .patient_number
                .clone()
                .unwrap_or_else(|| stored.name.clone()),
            fields: fields.iter().map(|f| f.code().to_string()).collect(),
        },
    ))
}

pub fn unknown_patient(patient_id: &str) -> ActionError {
    ActionError::NotFound(Notice::new(
        RuleCode::UnknownPatient,
        RecordMsg::NoPatient {
            patient_id: patient_id.into(),
        },
    ))
}

/// One version of a patient's identity, as `GET /api/v1/patients/{id}`
/// lists them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientVersionView {
    pub version: i32,
    /// `registered`, `completed` (fields the record lacked, given at a
    /// later registration) or `corrected` (with a reason).
    pub kind: String,
    pub name: String,
    pub name_kana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub sex: Sex,
    pub address: Option<String>,
    pub phone: Option<String>,
    /// Why it was corrected.
    pub reason: Option<String>,
    /// The fields that changed from the version before.
    pub changed: Vec<String>,
    pub changed_by: String,
    pub changed_at: DateTime<FixedOffset>,
}

/// A patient's current identity, every version of it, and their
/// specimens.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientRecord {
    /// The current identity, as a specimen shows it.
    #[serde(flatten)]
    pub identity: PatientView,
    pub facility_code: String,
    pub version: i32,
    /// Whether the identity was ever corrected (reports say so).
    pub corrected: bool,
    /// Oldest first.
    pub versions: Vec<PatientVersionView>,
    /// The patient's specimens, newest first.
    pub specimens: Vec<String>,
}

fn find_row(ctx: &Ctx, c: &mut DbConnection, patient_id: &str) -> Result<PatientRow, ActionError> {
    patients::table
        .filter(patients::facility_code.eq(&ctx.config.site.facility_code))
        .filter(patients::patient_key.eq(patient_key(Some(patient_id), "", None, None)))
        .select(PatientRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| unknown_patient(patient_id))
}

fn record(ctx: &Ctx, c: &mut DbConnection, row: PatientRow) -> Result<PatientRecord, ActionError> {
    let versions: Vec<PatientVersionRow> = patient_versions::table
        .filter(patient_versions::patient_ref.eq(row.id))
        .order(patient_versions::version.asc())
        .select(PatientVersionRow::as_select())
        .load(c)?;
    let names = user_names(c, versions.iter().map(|v| v.changed_by).collect())?;
    let specimens: Vec<String> = specimens::table
        .filter(specimens::facility_code.eq(ctx.facility()))
        .filter(specimens::patient_ref.eq(row.id))
        .order(specimens::collected_at.desc())
        .select(specimens::specimen_id)
        .load(c)?;
    let as_identity = |v: &PatientVersionRow| -> Result<Identity, StoreError> {
        Ok(Identity {
            name: v.name.clone(),
            name_kana: v.name_kana.clone(),
            birth_date: v.birth_date,
            sex: v.sex()?,
            address: v.address.clone(),
            phone: v.phone.clone(),
        })
    };
    let mut views = Vec::with_capacity(versions.len());
    let mut before: Option<Identity> = None;
    for v in &versions {
        let identity = as_identity(v)?;
        let changed = match &before {
            Some(b) => changed_fields(b, &identity)
                .into_iter()
                .map(|f| f.code().to_string())
                .collect(),
            None => Vec::new(),
        };
        views.push(PatientVersionView {
            version: v.version,
            kind: v.kind.clone(),
            name: v.name.clone(),
            name_kana: v.name_kana.clone(),
            birth_date: v.birth_date,
            sex: identity.sex,
            address: v.address.clone(),
            phone: v.phone.clone(),
            reason: v.reason.clone(),
            changed,
            changed_by: names
                .get(&v.changed_by)
                .cloned()
                .unwrap_or_else(|| "system".into()),
            changed_at: ctx.site_time(v.changed_at),
        });
        before = Some(identity);
    }
    Ok(PatientRecord {
        facility_code: row.facility_code.clone(),
        version: row.version,
        identity: patient_view(&row)?,
        corrected: versions.iter().any(|v| v.kind == CORRECTED),
        versions: views,
        specimens,
    })
}

/// `GET /api/v1/patients/{patient_id}`.
pub fn get(ctx: &Ctx, actor: &Actor, patient_id: &str) -> Result<PatientRecord, ActionError> {
    actor.require(Action::ReadSpecimens)?;
    ctx.store.read(|c| {
        let row = find_row(ctx, c, patient_id)?;
        record(ctx, c, row)
    })
}

/// A field of a correction: absent (unchanged), `null` (cleared) or a
/// value.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// `PATCH /api/v1/patients/{patient_id}`: the changed identity fields and
/// why. A field left out stays as it is; `null` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientCorrection {
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name_kana: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<NaiveDate>)]
    pub birth_date: Option<Option<NaiveDate>>,
    #[serde(default)]
    pub sex: Option<Sex>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 500)]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 40)]
    pub phone: Option<Option<String>>,
    /// Why the identity changes (kept with the version, shown with it).
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

impl PatientCorrection {
    fn validate(&self, today: chrono::NaiveDate) -> Result<(), ActionError> {
        check_text("reason", &self.reason, 1000)?;
        if let Some(Some(b)) = self.birth_date {
            if !crate::domain::patient::plausible_birth_date(b, today) {
                return Err(ActionError::invalid(InputMsg::BirthDateOutOfRange));
            }
        }
        if let Some(name) = &self.name {
            check_text("patient.name", name, 200)?;
        }
        fn inner(v: &Option<Option<String>>) -> Option<&str> {
            v.as_ref().and_then(|o| o.as_deref())
        }
        check_optional_text("patient.name_kana", inner(&self.name_kana), 200)?;
        check_optional_text("patient.address", inner(&self.address), 500)?;
        check_optional_text("patient.phone", inner(&self.phone), 40)?;
        if !self.names_a_field() {
            return Err(ActionError::invalid(InputMsg::NothingToCorrect));
        }
        Ok(())
    }

    /// Whether any identity field is given (to change, or to clear).
    pub fn names_a_field(&self) -> bool {
        self.name.is_some()
            || self.name_kana.is_some()
            || self.birth_date.is_some()
            || self.sex.is_some()
            || self.address.is_some()
            || self.phone.is_some()
    }

    fn apply(&self, current: &Identity) -> Identity {
        let mut out = current.clone();
        if let Some(name) = &self.name {
            out.name = name.clone();
        }
        if let Some(v) = &self.name_kana {
            out.name_kana = v.clone();
        }
        if let Some(v) = self.birth_date {
            out.birth_date = v;
        }
        if let Some(v) = self.sex {
            out.sex = v;
        }
        if let Some(v) = &self.address {
            out.address = v.clone();
        }
        if let Some(v) = &self.phone {
            out.phone = v.clone();
        }
        out
    }
}

/// The patient after a correction; `created` is false when it changed
/// nothing (the same correction sent again).
pub struct Corrected {
    pub record: PatientRecord,
    pub created: bool,
}

pub fn correct(
    ctx: &Ctx,
    actor: &Actor,
    patient_id: &str,
    req: &PatientCorrection,
    now: DateTime<Utc>,
) -> Result<Corrected, ActionError> {
    actor.require(Action::CorrectPatients)?;
    req.validate(crate::domain::timing::collection_date(now, ctx.tz))?;
    ctx.write(|c| {
        let row = find_row(ctx, c, patient_id)?;
        let before = identity_of(&row)?;
        let after = req.apply(&before);
        let changed = changed_fields(&before, &after);
        if changed.is_empty() {
            return Ok(Corrected {
                record: record(ctx, c, row)?,
                created: false,
            });
        }
        let next = with_identity(&row, &after, now);
        save_version(c, &next, CORRECTED, Some(req.reason.trim()), actor, now)?;
        audit::record(
            c,
            actor,
            now,
            "patient.correct",
            ("patient", &row.id.to_string()),
            Some(&serde_json::json!({"version": row.version, "identity": before})),
            Some(&serde_json::json!({
                "version": next.version, "identity": after,
                "changed": changed, "reason": req.reason.trim(),
            })),
        )?;
        Ok(Corrected {
            record: record(ctx, c, next)?,
            created: true,
        })
    })
}
