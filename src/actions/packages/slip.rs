//! The shipping slip (検体送付票) and the package label, built from a
//! package for `print` to render.

use super::list::get;
use super::load::{load_package, package_row};
use crate::actions::views::{load_views, unknown_specimen, SpecimenView};
use crate::actions::{ActionError, Actor, Ctx};
use crate::domain::roles::Action;
use crate::domain::{Lang, RuleCode};
use crate::print::{PackageLabel, Slip, SlipLine, SlipOverride, CONTENTS_EN, CONTENTS_JA};
use crate::store::models::SpecimenRow;
use crate::store::schema::specimens;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use std::collections::HashMap;

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
                        rule_label_ja: f.code.title(Lang::Ja),
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
                    rule_label_ja: RuleCode::PriorityViolation.title(Lang::Ja),
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
                    rule_label_ja: n.code.title(Lang::Ja),
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
