//! Patient routes: a patient's identity with its versions, and its
//! correction with a reason.

use super::auth::Caller;
use super::error::ErrorBody;
use super::Answer;
use super::Object;
use crate::actions::patients::{self, PatientCorrection, PatientRecord};
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
pub async fn get(call: Caller, path: web::Path<String>) -> Answer {
    call.ok(move |ctx, actor| patients::get(ctx, actor, &path))
        .await
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
    call: Caller,
    path: web::Path<String>,
    body: web::Json<Object<PatientCorrection>>,
) -> Answer {
    call.run(move |ctx, actor| patients::correct(ctx, actor, &path, &body, crate::actions::now()))
        .await
        .map(|corrected| HttpResponse::Ok().json(corrected.record))
}
