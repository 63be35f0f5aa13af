//! Patient routes: a patient's identity with its versions, and its
//! correction with a reason.

use super::auth::User;
use super::error::{AppError, ErrorBody};
use super::Object;
use crate::actions::patients::{self, PatientCorrection, PatientRecord};
use crate::actions::Ctx;
use actix_web::{web, HttpResponse};

#[utoipa::path(
    get, path = "/patients/{patient_id}", tag = "specimens", operation_id = "get_patient",
    params(("patient_id" = String, Path, description = "The site's patient number")),
    responses(
        (status = 200, description = "The patient's current identity, every version of it (oldest first) and their specimens", body = PatientRecord),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_patient`", body = ErrorBody),
    ),
)]
pub async fn get(
    ctx: web::Data<Ctx>,
    User(actor): User,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let patient_id = path.into_inner();
    let record = web::block(move || patients::get(&ctx, &actor, &patient_id)).await??;
    Ok(HttpResponse::Ok().json(record))
}

#[utoipa::path(
    patch, path = "/patients/{patient_id}", tag = "specimens", operation_id = "correct_patient",
    params(("patient_id" = String, Path, description = "The site's patient number")),
    request_body(content = PatientCorrection, description = "The identity fields that change (left out: unchanged; `null`: cleared) and the reason"),
    responses(
        (status = 200, description = "Corrected: a new version, the old one kept (or, for a correction that changes nothing, the record as it is)", body = PatientRecord),
        (status = 400, description = "Malformed, no field to change, or no reason", body = ErrorBody),
        (status = 403, description = "Only lab and admin correct a patient's identity", body = ErrorBody),
        (status = 404, description = "`unknown_patient`", body = ErrorBody),
    ),
)]
pub async fn correct(
    ctx: web::Data<Ctx>,
    User(actor): User,
    path: web::Path<String>,
    body: web::Json<Object<PatientCorrection>>,
) -> Result<HttpResponse, AppError> {
    let patient_id = path.into_inner();
    let body = body.into_inner().0;
    let corrected = web::block(move || {
        patients::correct(&ctx, &actor, &patient_id, &body, crate::actions::now())
    })
    .await??;
    Ok(HttpResponse::Ok().json(corrected.record))
}
