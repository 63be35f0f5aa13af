//! Registering a specimen at reception, and reading one back.
//!
//! Registration is idempotent: the same request posted twice (a double
//! click, a retried network call, a scanner's double read) answers with the
//! stored record; a different registration under the same tube id is a
//! conflict, because two tubes cannot share a barcode.

use super::patients::{self, GivenPatient};
use super::views::{load_specimen, registered_view, unknown_specimen, SpecimenView};
use super::{
    audit, check_optional_text, check_text, kits, naive, to_json, ActionError, Actor, Ctx,
};
use crate::domain::codes::{Decision, Notice};
use crate::domain::ids::SpecimenId;
use crate::domain::kits as kit_rules;
use crate::domain::messages::{InputMsg, RecordMsg};
use crate::domain::patient::{patient_key, Identity, Sex};
use crate::domain::ppe::PpeItem;
use crate::domain::registration::{self, Registration, SiblingSpecimen};
use crate::domain::results::TestMethod;
use crate::domain::roles::Action;
use crate::domain::rules::{self, Step};
use crate::domain::timing::Onset;
use crate::domain::{Coded, RuleCode, SpecimenStatus, SpecimenType};
use crate::store::codes::Code;
use crate::store::codes::{self, Cell};
use crate::store::models::SpecimenRow;
use crate::store::schema::{patients as patient_rows, specimens};
use crate::store::StoreError;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientInput {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub name_kana: Option<String>,
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    #[serde(default = "unknown_sex")]
    pub sex: Sex,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 500)]
    pub address: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 40)]
    pub phone: Option<String>,
    /// The site's patient number, when the desk has one.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 80)]
    pub patient_id: Option<String>,
}

fn unknown_sex() -> Sex {
    Sex::Unknown
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterSpecimen {
    /// The tube's barcode: printable text, 1–80 characters.
    #[schema(value_type = String, min_length = 1, max_length = 80)]
    pub specimen_id: SpecimenId,
    pub patient: PatientInput,
    #[serde(rename = "type")]
    pub specimen_type: SpecimenType,
    pub collected_at: DateTime<FixedOffset>,
    #[serde(default)]
    pub onset_date: Option<NaiveDate>,
    #[serde(default)]
    pub asymptomatic: bool,
    pub test_method: TestMethod,
    /// The collection kit's label as scanned: GS1 scan data (`]d2…` with
    /// GS separators), a bracketed element string `(01)…(17)…(10)…`, a GS1
    /// Digital Link URI, or plain text (kept as it is, unchecked).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub kit: Option<String>,
    /// More than 0, at most 100.
    #[serde(default)]
    #[schema(exclusive_minimum = 0, maximum = 100)]
    pub volume_ml: Option<f64>,
    #[serde(default)]
    pub ppe: Option<Vec<PpeItem>>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 1000)]
    pub override_reason: Option<String>,
}

/// 201 with `created`, or 200 for a repeat of the stored registration.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Registered {
    pub specimen: SpecimenView,
    pub warnings: Vec<Notice>,
    #[serde(skip)]
    pub created: bool,
}

impl RegisterSpecimen {
    /// The form kept for idempotency: times in UTC, so the same instant
    /// written with another offset is the same registration.
    fn canonical(&self) -> String {
        to_json(&self.normalised())
    }

    /// The registration as kept: times in UTC, the PPE checklist as a set
    /// (the order items were ticked in means nothing).
    fn normalised(&self) -> RegisterSpecimen {
        let mut c = self.clone();
        c.collected_at = super::instant(self.collected_at).fixed_offset();
        if let Some(ppe) = &mut c.ppe {
            ppe.sort();
            ppe.dedup();
        }
        c
    }

    fn validate(&self, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Result<(), ActionError> {
        let p = &self.patient;
        check_text("patient.name", &p.name, 200)?;
        check_optional_text("patient.name_kana", p.name_kana.as_deref(), 200)?;
        check_optional_text("patient.address", p.address.as_deref(), 500)?;
        check_optional_text("patient.phone", p.phone.as_deref(), 40)?;
        check_optional_text("patient.patient_id", p.patient_id.as_deref(), 80)?;
        check_optional_text("override_reason", self.override_reason.as_deref(), 1000)?;
        if let Some(kit) = &self.kit {
            // A kit label is a scan: GS (0x1D) separates its fields.
            if kit.is_empty()
                || kit.chars().count() > 200
                || kit.chars().any(|c| c.is_control() && c != '\u{1d}')
            {
                return Err(ActionError::invalid(InputMsg::KitNotAScan));
            }
        }
        if let Some(v) = self.volume_ml {
            if !(v.is_finite() && v > 0.0 && v <= 100.0) {
                return Err(ActionError::invalid(InputMsg::VolumeRange));
            }
        }
        if self.asymptomatic && self.onset_date.is_some() {
            return Err(ActionError::invalid(InputMsg::AsymptomaticWithOnset));
        }
        if let Some(b) = p.birth_date {
            let today = crate::domain::timing::collection_date(now, tz);
            if !crate::domain::patient::plausible_birth_date(b, today) {
                return Err(ActionError::invalid(InputMsg::BirthDateOutOfRange));
            }
            if b > crate::domain::timing::collection_date(self.collected_at.with_timezone(&Utc), tz)
            {
                return Err(ActionError::invalid(InputMsg::BirthAfterCollection));
            }
        }
        Ok(())
    }

    fn onset(&self) -> Onset {
        match (self.onset_date, self.asymptomatic) {
            (Some(d), _) => Onset::On(d),
            (None, true) => Onset::Asymptomatic,
            (None, false) => Onset::Unknown,
        }
    }

    /// The patient as the registration gives them.
    fn patient(&self) -> GivenPatient<'_> {
        let p = &self.patient;
        GivenPatient {
            patient_id: p.patient_id.as_deref(),
            identity: Identity {
                name: p.name.clone(),
                name_kana: p.name_kana.clone(),
                birth_date: p.birth_date,
                sex: p.sex,
                address: p.address.clone(),
                phone: p.phone.clone(),
            },
        }
    }
}

pub fn register(
    ctx: &Ctx,
    actor: &Actor,
    req: &RegisterSpecimen,
    now: DateTime<Utc>,
) -> Result<Registered, ActionError> {
    actor.require(Action::RegisterSpecimen)?;
    req.validate(ctx.tz, now)?;
    let req = &req.normalised();
    let canonical = req.canonical();
    let id = req.specimen_id.as_str();
    let collected_at = super::instant(req.collected_at);
    let collection_date = crate::domain::timing::collection_date(collected_at, ctx.tz);
    // A kit label is read before anything is looked up: bad GS1 data is a
    // malformed request (400), whatever is stored.
    let kit_label = match &req.kit {
        Some(raw) => kits::read_label(raw, collection_date)?,
        None => None,
    };

    // The new registration's answer, or `None` when the identical one was
    // already stored (idempotent).
    let written: Option<Registered> = ctx.write(|c| {
        if let Some((stored, facility)) = specimens::table
            .find(id)
            .select((specimens::registration, specimens::facility_code))
            .first::<(String, String)>(c)
            .optional()?
        {
            // Another facility's tube with this id is never shown here,
            // even for an identical body: the id is simply taken.
            if stored != canonical || facility != ctx.facility() {
                return Err(ActionError::Conflict(Notice::new(
                    RuleCode::DuplicateSpecimen,
                    RecordMsg::DuplicateSpecimen { id: id.into() },
                )));
            }
            return Ok(None);
        }

        // Only a new registration can override; a repeat of a stored one
        // (the same body re-posted) overrides nothing.
        if req.override_reason.is_some() {
            actor.require(Action::Override)?;
        }
        let patient = patients::for_registration(ctx, c, actor, &req.patient(), now)?;
        let patient_ref = patient.id;
        let siblings: Vec<SiblingSpecimen> = specimens::table
            .filter(specimens::facility_code.eq(ctx.facility()))
            .filter(specimens::patient_ref.eq(patient_ref))
            .select((
                specimens::specimen_id,
                specimens::specimen_type,
                specimens::collected_at,
            ))
            .load::<(String, String, chrono::NaiveDateTime)>(c)?
            .into_iter()
            .map(|(sibling, t, at)| {
                let cell = Cell {
                    table: "specimens",
                    row: &sibling,
                    column: "specimen_type",
                };
                Ok(SiblingSpecimen {
                    specimen_type: codes::read(cell, &t)?,
                    collected_at: at.and_utc(),
                })
            })
            .collect::<Result<_, StoreError>>()?;

        let mut verdict = registration::evaluate(
            &Registration {
                specimen_type: req.specimen_type,
                collected_at,
                onset: req.onset(),
                ppe: req.ppe.as_deref(),
                override_reason: req.override_reason.as_deref(),
            },
            &siblings,
            now,
            ctx.tz,
            &ctx.config.policy,
        );
        let mut kit_description = None;
        if let Some(label) = &kit_label {
            let catalog = kits::catalog_entries(ctx, c, std::slice::from_ref(&label.gtin))?;
            let entry = catalog.get(&label.gtin);
            kit_description = entry.map(|k| k.description.clone());
            let decisions = kit_rules::evaluate(&kit_rules::KitCheck {
                label,
                entry,
                specimen_type: req.specimen_type,
                collection_date,
            });
            for d in decisions {
                match d {
                    Decision::Accept => {}
                    Decision::Warn(n) => verdict.warnings.push(n),
                    // `kit_expired` is not overridable: no written reason
                    // makes an expired kit's medium trustworthy.
                    Decision::Refuse(n) => verdict.refusals.push(n),
                }
            }
        }
        if !verdict.accepted() {
            let overridable = verdict
                .refusals
                .iter()
                .all(|n| rules::may_override(n.code, Step::Registration));
            return Err(ActionError::Refused {
                refusals: verdict.refusals,
                overridable,
            });
        }

        let row = SpecimenRow {
            specimen_id: id.to_string(),
            patient_ref,
            facility_code: ctx.config.site.facility_code.clone(),
            specimen_type: req.specimen_type.code().to_string(),
            priority: i32::from(req.specimen_type.priority()),
            collected_at: naive(collected_at),
            onset_date: req.onset_date,
            asymptomatic: req.asymptomatic,
            days_since_onset: verdict.days_since_onset.and_then(|d| i32::try_from(d).ok()),
            test_method: req.test_method.code().to_string(),
            kit: req.kit.clone(),
            volume_ml: req.volume_ml,
            ppe: to_json(&req.ppe.clone().unwrap_or_default()),
            // Kept only when it lifted a refusal: reports show overrides.
            override_reason: verdict
                .flags
                .iter()
                .find_map(|f| f.override_reason.clone()),
            flags: to_json(&verdict.flags),
            warnings: to_json(&verdict.warnings),
            status: SpecimenStatus::Registered.code().into(),
            registration: canonical.clone(),
            registered_by: actor.user_ref(),
            registered_at: naive(now),
            kit_gtin: kit_label.as_ref().map(|k| k.gtin.clone()),
            kit_lot: kit_label.as_ref().and_then(|k| k.lot.clone()),
            kit_expiry: kit_label.as_ref().and_then(|k| k.expiry),
            kit_serial: kit_label.as_ref().and_then(|k| k.serial.clone()),
        };
        diesel::insert_into(specimens::table).values(&row).execute(c)?;
        let after = serde_json::json!({
            "type": row.specimen_type, "collected_at": row.collected_at, "onset_date": row.onset_date,
            "flags": verdict.flags, "warnings": verdict.warnings.iter().map(|w| w.code).collect::<Vec<_>>(),
            "override_reason": row.override_reason,
            "kit_gtin": row.kit_gtin, "kit_lot": row.kit_lot,
        });
        audit::record::<(), _>(c, actor, now, "specimen.register", ("specimen", id), None, Some(&after))?;
        // One label job per new tube: a repeated registration returns
        // above and queues nothing.
        super::printing::queue_for_event(
            ctx,
            c,
            super::printing::Cause::Register,
            crate::config::PrintDocument::TubeLabel,
            id,
            now,
        )?;
        Ok(Some(Registered {
            specimen: registered_view(ctx, row, patient, actor, kit_description)?,
            warnings: verdict.warnings,
            created: true,
        }))
    })?;
    if let Some(registered) = written {
        return Ok(registered);
    }
    // A repeat: the stored record is read after the writer is done with it,
    // on a reader's connection.
    let specimen = ctx
        .store
        .read(|c| load_specimen(ctx, c, id))?
        .ok_or_else(|| unknown_specimen(id))?;
    Ok(Registered {
        warnings: specimen.registration_warnings.clone(),
        specimen,
        created: false,
    })
}

pub fn get(ctx: &Ctx, actor: &Actor, id: &str) -> Result<SpecimenView, ActionError> {
    actor.require(Action::ReadSpecimens)?;
    ctx.store
        .read(|c| load_specimen(ctx, c, id))?
        .ok_or_else(|| unknown_specimen(id))
}

/// Filters of the worklist (`GET /api/v1/specimens`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SpecimenFilter {
    /// Collection date in the site's calendar.
    pub collected_on: Option<NaiveDate>,
    #[param(schema_with = specimen_statuses)]
    pub status: Option<String>,
    /// The site's patient number.
    pub patient_id: Option<String>,
    /// `true`: only specimens still in care (registered, stored or packed;
    /// not shipped, received or missing), whatever their collection day;
    /// `false`: only those no longer in care.
    pub in_care: Option<bool>,
    /// At most this many (default 200, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

fn specimen_statuses() -> utoipa::openapi::Object {
    crate::openapi::one_of(&SpecimenStatus::codes(), "Only specimens with this status.")
}

/// The worklist: sending priority first (`priority_violation`), then collection time.
pub fn list(
    ctx: &Ctx,
    actor: &Actor,
    filter: &SpecimenFilter,
) -> Result<Vec<SpecimenView>, ActionError> {
    actor.require(Action::ReadSpecimens)?;
    let limit = filter.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(ActionError::invalid(InputMsg::LimitRange {
            min: 1,
            max: 1000,
        }));
    }
    let status = filter
        .status
        .as_deref()
        .map(|s| SpecimenStatus::from_field("status", s).map_err(ActionError::invalid))
        .transpose()?;
    let range = filter.collected_on.map(|d| ctx.day_range(d)).transpose()?;
    ctx.store.read(|c| {
        let mut q = specimens::table
            .filter(specimens::facility_code.eq(ctx.facility()))
            .select(SpecimenRow::as_select())
            .into_boxed();
        if let Some((from, to)) = range {
            q = q.filter(
                specimens::collected_at
                    .ge(from)
                    .and(specimens::collected_at.lt(to)),
            );
        }
        if let Some(status) = status {
            q = q.filter(specimens::status.eq(Code(status)));
        }
        match filter.in_care {
            Some(true) => q = q.filter(specimens::status.eq_any(SpecimenStatus::in_care_codes())),
            Some(false) => q = q.filter(specimens::status.ne_all(SpecimenStatus::in_care_codes())),
            None => {}
        }
        if let Some(pid) = &filter.patient_id {
            let key = patient_key(Some(pid), "", None, None);
            let patient: Option<i64> = patient_rows::table
                .filter(patient_rows::facility_code.eq(ctx.facility()))
                .filter(patient_rows::patient_key.eq(key))
                .select(patient_rows::id)
                .first(c)
                .optional()?;
            q = q.filter(specimens::patient_ref.eq(patient.unwrap_or(-1)));
        }
        let rows: Vec<SpecimenRow> = q
            .order((
                specimens::priority,
                specimens::collected_at,
                specimens::specimen_id,
            ))
            .limit(limit)
            .load(c)?;
        super::views::load_views(ctx, c, rows)
    })
}
