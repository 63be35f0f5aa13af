//! Opening a package (a new SSCC from the site's serial) and changing the
//! slip fields of an open one.

use super::load::{lock_open_package, packer_of, reload};
use super::wire::{NewPackage, PackageChanged, PackageChanges};
use super::TEXT_MAX;
use crate::actions::{audit, check_optional_text, check_text, naive, ActionError, Actor, Ctx};
use crate::domain::codes::Notice;
use crate::domain::packaging::{self, Packer, Party};
use crate::domain::roles::Action;
use crate::domain::{PackageStatus, RuleCode};
use crate::store::models::PackageRow;
use crate::store::schema::packages;
use crate::store::DbConnection;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

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
