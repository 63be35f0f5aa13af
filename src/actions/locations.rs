//! Storage locations: fridges, freezers, cool boxes and benches, each with a
//! barcode and a storage class.

use super::views::{location_view, LocationView};
use super::{audit, check_text, naive, ActionError, Actor, Ctx};
use crate::domain::codes::Notice;
use crate::domain::ids::LocationCode;
use crate::domain::messages::RecordMsg;
use crate::domain::roles::Action;
use crate::domain::{RuleCode, StorageClass};
use crate::store::models::LocationRow;
use crate::store::schema::locations;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLocation {
    /// The location's barcode content: printable text, 1–80 characters.
    #[schema(value_type = String, min_length = 1, max_length = 80)]
    pub code: LocationCode,
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub storage_class: StorageClass,
}

pub struct Created<T> {
    pub value: T,
    pub created: bool,
}

pub fn create(
    ctx: &Ctx,
    actor: &Actor,
    req: &NewLocation,
    now: DateTime<Utc>,
) -> Result<Created<LocationView>, ActionError> {
    actor.require(Action::ManageLocations)?;
    check_text("name", &req.name, 200)?;
    let code = req.code.as_str();
    ctx.write(|c| {
        // Codes are unique across a shared database: another facility's
        // location holds this code, so it is taken (and not shown).
        let holder: Option<LocationRow> = locations::table
            .find(code)
            .select(LocationRow::as_select())
            .first(c)
            .optional()?;
        if let Some(row) = holder {
            if row.facility_code == ctx.facility()
                && row.name == req.name
                && row.storage_class()? == req.storage_class
            {
                return Ok(Created {
                    value: location_view(ctx, row)?,
                    created: false,
                });
            }
            return Err(ActionError::Conflict(Notice::new(
                RuleCode::DuplicateLocation,
                RecordMsg::DuplicateLocation { code: code.into() },
            )));
        }
        let row = LocationRow {
            code: code.to_string(),
            name: req.name.clone(),
            storage_class: req.storage_class.code().to_string(),
            created_by: actor.user_ref(),
            created_at: naive(now),
            facility_code: ctx.facility().to_string(),
        };
        diesel::insert_into(locations::table)
            .values(&row)
            .execute(c)?;
        audit::record::<(), _>(
            c,
            actor,
            now,
            "location.create",
            ("location", code),
            None,
            Some(req),
        )?;
        Ok(Created {
            value: location_view(ctx, row)?,
            created: true,
        })
    })
}

pub fn list(ctx: &Ctx, actor: &Actor) -> Result<Vec<LocationView>, ActionError> {
    actor.require(Action::ReadLocations)?;
    let rows: Vec<LocationRow> = ctx.store.read(|c| {
        locations::table
            .filter(locations::facility_code.eq(ctx.facility()))
            .order(locations::code)
            .select(LocationRow::as_select())
            .load(c)
            .map_err(ActionError::from)
    })?;
    Ok(rows
        .into_iter()
        .map(|r| location_view(ctx, r))
        .collect::<Result<_, _>>()?)
}

pub fn unknown_location(code: &str) -> ActionError {
    ActionError::NotFound(Notice::new(
        RuleCode::UnknownLocation,
        RecordMsg::NoLocation { code: code.into() },
    ))
}

pub fn get(ctx: &Ctx, actor: &Actor, code: &str) -> Result<LocationView, ActionError> {
    actor.require(Action::ReadLocations)?;
    let row = ctx.store.read(|c| find_row(ctx, c, code))?;
    row.map(|r| location_view(ctx, r))
        .transpose()?
        .ok_or_else(|| unknown_location(code))
}

/// This facility's location with this barcode, if there is one.
pub(crate) fn find_row(
    ctx: &Ctx,
    conn: &mut crate::store::DbConnection,
    code: &str,
) -> Result<Option<LocationRow>, ActionError> {
    Ok(locations::table
        .find(code)
        .filter(locations::facility_code.eq(ctx.facility()))
        .select(LocationRow::as_select())
        .first(conn)
        .optional()?)
}
