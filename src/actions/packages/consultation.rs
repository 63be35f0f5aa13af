//! A recorded consultation with the testing lab, which lets a type that
//! needs one be packed.

use super::wire::{ConsultationView, NewConsultation};
use super::{when, TEXT_MAX};
use crate::actions::views::specimen_row;
use crate::actions::{audit, check_optional_text, check_text, naive, ActionError, Actor, Ctx};
use crate::domain::messages::InputMsg;
use crate::domain::roles::Action;
use crate::store::models::ConsultationRow;
use crate::store::schema::consultations;
use chrono::{DateTime, Utc};
use diesel::prelude::*;

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
