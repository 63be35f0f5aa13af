//! Result routes: record a version, release or return it, the result
//! desk's worklist, and instrument files (preview, then commit).

use super::auth::User;
use super::error::{AppError, ErrorBody};
use super::Object;
use crate::actions::results::{RecordResult, Recorded, ReturnResult, WorkItem, WorklistFilter};
use crate::actions::{results, Ctx};
use actix_web::{web, HttpResponse};

#[utoipa::path(
    post, path = "/api/v1/specimens/{specimen_id}/results", tag = "results",
    params(("specimen_id" = String, Path, description = "The tube's barcode")),
    request_body = RecordResult,
    responses(
        (status = 201, description = "Recorded as a new version: `released` at once, or `entered` to wait for a second person under `[policy] result_release = \"second_person\"`", body = Recorded),
        (status = 200, description = "The same result, method and time as the standing version (a retry): nothing recorded, that version answered", body = Recorded),
        (status = 400, description = "Malformed request; `unknown_assay`", body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_specimen`", body = ErrorBody),
        (status = 422, description = "`result_before_collection`; `correction_reason_required`: a different result, method or time than the standing version without `reason`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn record_result(
    ctx: web::Data<Ctx>,
    User(actor): User,
    path: web::Path<String>,
    body: web::Json<Object<RecordResult>>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner().0;
    let id = path.into_inner();
    let r = web::block(move || results::record(&ctx, &actor, &id, &body, crate::actions::now()))
        .await??;
    Ok(super::created_or_ok(r.created).json(r))
}

#[utoipa::path(
    post, path = "/api/v1/specimens/{specimen_id}/results/{version}/release", tag = "results",
    params(
        ("specimen_id" = String, Path, description = "The tube's barcode"),
        ("version" = i32, Path, description = "The entered version to release"),
    ),
    responses(
        (status = 200, description = "Released: the result counts in reports from now", body = Recorded),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_specimen`, or no such version (`not_found`)", body = ErrorBody),
        (status = 409, description = "`same_person_release`: the person who entered it; `not_awaiting_release`: already released or returned", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn release(
    ctx: web::Data<Ctx>,
    User(actor): User,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (id, version) = path.into_inner();
    let r = web::block(move || results::release(&ctx, &actor, &id, version, crate::actions::now()))
        .await??;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(
    post, path = "/api/v1/specimens/{specimen_id}/results/{version}/return", tag = "results",
    params(
        ("specimen_id" = String, Path, description = "The tube's barcode"),
        ("version" = i32, Path, description = "The entered version to send back"),
    ),
    request_body = ReturnResult,
    responses(
        (status = 200, description = "Returned for correction: it counts for nothing and the tube is on the worklist again", body = Recorded),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_specimen`, or no such version (`not_found`)", body = ErrorBody),
        (status = 409, description = "`same_person_release`; `not_awaiting_release`", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn return_for_correction(
    ctx: web::Data<Ctx>,
    User(actor): User,
    path: web::Path<(String, i32)>,
    body: web::Json<Object<ReturnResult>>,
) -> Result<HttpResponse, AppError> {
    let (id, version) = path.into_inner();
    let body = body.into_inner().0;
    let r = web::block(move || {
        results::return_for_correction(&ctx, &actor, &id, version, &body, crate::actions::now())
    })
    .await??;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(
    get, path = "/api/v1/results/worklist", tag = "results",
    params(WorklistFilter),
    responses(
        (status = 200, description = "Tubes awaiting a result or its release, oldest collection first", body = [WorkItem]),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn worklist(
    ctx: web::Data<Ctx>,
    User(actor): User,
    filter: web::Query<WorklistFilter>,
) -> Result<HttpResponse, AppError> {
    let filter = filter.into_inner();
    let items = web::block(move || results::worklist(&ctx, &actor, &filter, crate::actions::now()))
        .await??;
    Ok(HttpResponse::Ok().json(items))
}
