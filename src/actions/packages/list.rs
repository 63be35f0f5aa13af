//! One package, or the facility's packages by status.

use super::load::{load_package, package_row};
use super::wire::{PackageFilter, PackageView};
use crate::actions::{ActionError, Actor, Ctx};
use crate::domain::messages::InputMsg;
use crate::domain::roles::Action;
use crate::domain::{Coded, PackageStatus};
use crate::store::codes::Code;
use crate::store::models::PackageRow;
use crate::store::schema::packages;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

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
        .map(|s| PackageStatus::from_field("status", s).map_err(ActionError::invalid))
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
            q = q.filter(packages::status.eq(Code(s)));
        }
        let rows: Vec<PackageRow> = q.load(c)?;
        rows.into_iter()
            .map(|r| load_package(ctx, c, r, now))
            .collect()
    })
}
