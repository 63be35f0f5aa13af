//! Specimen routes: register, read, store, alerts.

use super::auth::{Caller, User};
use super::error::{AppError, ErrorBody};
use super::Answer;
use super::Object;
use crate::actions::specimens::{RegisterSpecimen, Registered, SpecimenFilter};
use crate::actions::storage::{Alert, StoreSpecimen, Stored};
use crate::actions::views::SpecimenView;
use crate::actions::{specimens, storage, Ctx};
use crate::scanning::ScanService;
use actix_web::{web, HttpResponse};
use std::sync::Arc;

#[utoipa::path(
    post, path = "/specimens", tag = "specimens",
    request_body = RegisterSpecimen,
    responses(
        (status = 201, description = "Registered. A reception station whose draft holds this tube (or this patient and no tube yet) starts over for the next patient: its event stream gets a `reset` event (`reason: registered`)", body = Registered),
        (status = 200, description = "The same registration was already stored; it ends a reception draft as a new one does", body = Registered),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, description = "No or bad token", body = ErrorBody),
        (status = 403, description = "Role may not register, or may not override", body = ErrorBody),
        (status = 409, description = "`duplicate_specimen`: another registration holds this tube id", body = ErrorBody),
        (status = 422, description = "A rule refuses the specimen", body = ErrorBody),
    ),
)]
pub async fn register(
    ctx: web::Data<Ctx>,
    service: web::Data<Arc<ScanService>>,
    User(actor): User,
    body: web::Json<Object<RegisterSpecimen>>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner().0;
    let service = service.get_ref().clone();
    let r = web::block(move || {
        let r = specimens::register(&ctx, &actor, &body, crate::actions::now())?;
        service.registered(
            body.specimen_id.as_str(),
            body.patient.patient_id.as_deref(),
        );
        Ok::<_, crate::actions::ActionError>(r)
    })
    .await??;
    Ok(super::created_or_ok(r.created).json(r))
}

#[utoipa::path(
    get, path = "/specimens", tag = "specimens", operation_id = "list_specimens",
    params(SpecimenFilter),
    responses(
        (status = 200, description = "The worklist: priority 1 first, then by collection time", body = [SpecimenView]),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub async fn list(call: Caller, q: web::Query<SpecimenFilter>) -> Answer {
    call.ok(move |ctx, actor| specimens::list(ctx, actor, &q))
        .await
}

#[utoipa::path(
    get, path = "/specimens/{specimen_id}", tag = "specimens", operation_id = "get_specimen",
    params(("specimen_id" = String, Path, description = "The tube's barcode")),
    responses(
        (status = 200, description = "The specimen with its storage history, results and flags", body = SpecimenView),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_specimen`", body = ErrorBody),
    ),
)]
pub async fn get(call: Caller, path: web::Path<String>) -> Answer {
    call.ok(move |ctx, actor| specimens::get(ctx, actor, &path))
        .await
}

#[utoipa::path(
    post, path = "/specimens/{specimen_id}/storage", tag = "storage",
    params(("specimen_id" = String, Path, description = "The tube's barcode")),
    request_body = StoreSpecimen,
    responses(
        (status = 201, description = "Storage event recorded, with the rules' warnings", body = Stored),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_specimen` or `unknown_location`", body = ErrorBody),
        (status = 409, description = "The specimen is no longer in the lab's care", body = ErrorBody),
    ),
)]
pub async fn store(
    call: Caller,
    path: web::Path<String>,
    body: web::Json<Object<StoreSpecimen>>,
) -> Answer {
    call.run(move |ctx, actor| storage::record(ctx, actor, &path, &body, crate::actions::now()))
        .await
        .map(|r| HttpResponse::Created().json(r))
}

#[utoipa::path(
    get, path = "/alerts", tag = "storage",
    responses(
        (status = 200, description = "Specimens due to be frozen or shipped, soonest first", body = [Alert]),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn alerts(call: Caller) -> Answer {
    call.ok(move |ctx, actor| storage::alerts(ctx, actor, crate::actions::now()))
        .await
}
