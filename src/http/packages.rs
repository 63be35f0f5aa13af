//! Package routes: create, fill, tick, dispatch, receive, slip and label
//! (SPEC §2.5). `lab` and `admin` only.

use super::auth::Caller;
use super::error::{AppError, ErrorBody};
use super::Answer;
use super::Object;
use crate::actions::now;
use crate::actions::packages::{
    self, AddSpecimen, ConsultationView, Dispatch, NewConsultation, NewPackage, PackageChanged,
    PackageChanges, PackageFilter, PackageView, Receive, Tick,
};
use crate::domain::messages::{allowed, InputMsg};
use crate::print::Slip;
use actix_web::http::header::ContentType;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// A body that may be left out entirely (`POST …/dispatch` with nothing
/// to say); when present it must be a valid JSON object.
fn optional_body<T: serde::de::DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice::<Object<T>>(bytes)
        .map(|o| o.0)
        .map_err(|e| super::json_body_error(&e))
}

fn changed(r: PackageChanged) -> HttpResponse {
    super::created_or_ok(r.created).json(r)
}

fn ok(r: PackageChanged) -> HttpResponse {
    HttpResponse::Ok().json(r)
}

#[utoipa::path(
    post, path = "/packages", tag = "packages", operation_id = "create_package",
    request_body = NewPackage,
    responses(
        (status = 201, description = "The new package, identified by its SSCC-18", body = PackageChanged),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "`site_not_configured`: no GS1 company prefix for SSCCs", body = ErrorBody),
    ),
)]
pub async fn create(call: Caller, body: web::Json<Object<NewPackage>>) -> Answer {
    call.run(move |ctx, actor| packages::create(ctx, actor, &body, now()))
        .await
        .map(changed)
}

#[utoipa::path(
    get, path = "/packages", tag = "packages", operation_id = "list_packages",
    params(PackageFilter),
    responses(
        (status = 200, description = "Packages, newest first", body = [PackageView]),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub async fn list(call: Caller, q: web::Query<PackageFilter>) -> Answer {
    call.ok(move |ctx, actor| packages::list(ctx, actor, &q, now()))
        .await
}

#[utoipa::path(
    get, path = "/packages/{package_id}", tag = "packages", operation_id = "get_package",
    params(("package_id" = String, Path, description = "The SSCC-18")),
    responses(
        (status = 200, description = "Tubes, checklist by layer, what is missing, history", body = PackageView),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_package`", body = ErrorBody),
    ),
)]
pub async fn get(call: Caller, path: web::Path<String>) -> Answer {
    call.ok(move |ctx, actor| packages::get(ctx, actor, &path, now()))
        .await
}

#[utoipa::path(
    patch, path = "/packages/{package_id}", tag = "packages",
    params(("package_id" = String, Path, description = "The SSCC-18")),
    request_body = PackageChanges,
    responses(
        (status = 200, description = "The package with its new slip fields", body = PackageChanged),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_package`", body = ErrorBody),
        (status = 409, description = "`package_dispatched`", body = ErrorBody),
    ),
)]
pub async fn update(
    call: Caller,
    path: web::Path<String>,
    body: web::Json<Object<PackageChanges>>,
) -> Answer {
    call.run(move |ctx, actor| packages::update(ctx, actor, &path, &body, now()))
        .await
        .map(ok)
}

#[utoipa::path(
    post, path = "/packages/{package_id}/specimens", tag = "packages",
    params(("package_id" = String, Path, description = "The SSCC-18")),
    request_body = AddSpecimen,
    responses(
        (status = 201, description = "The tube is in the package", body = PackageChanged),
        (status = 200, description = "The tube was already in this package", body = PackageChanged),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_package` or `unknown_specimen`", body = ErrorBody),
        (status = 409, description = "`package_dispatched`, `already_packed` or `not_in_care`", body = ErrorBody),
        (status = 422, description = "`priority_violation` (overridable) or `consultation_required`", body = ErrorBody),
    ),
)]
pub async fn add_specimen(
    call: Caller,
    path: web::Path<String>,
    body: web::Json<Object<AddSpecimen>>,
) -> Answer {
    call.run(move |ctx, actor| packages::add_specimen(ctx, actor, &path, &body, now()))
        .await
        .map(changed)
}

#[utoipa::path(
    delete, path = "/packages/{package_id}/specimens/{specimen_id}", tag = "packages",
    params(
        ("package_id" = String, Path, description = "The SSCC-18"),
        ("specimen_id" = String, Path, description = "The tube's barcode"),
    ),
    responses(
        (status = 200, description = "The tube is out of the package (recorded, not deleted)", body = PackageChanged),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_package`", body = ErrorBody),
        (status = 409, description = "`package_dispatched` or `not_in_package`", body = ErrorBody),
    ),
)]
pub async fn remove_specimen(call: Caller, path: web::Path<(String, String)>) -> Answer {
    let (id, specimen_id) = path.into_inner();
    call.run(move |ctx, actor| packages::remove_specimen(ctx, actor, &id, &specimen_id, now()))
        .await
        .map(ok)
}

#[utoipa::path(
    post, path = "/packages/{package_id}/checklist", tag = "packages",
    params(("package_id" = String, Path, description = "The SSCC-18")),
    request_body = Tick,
    responses(
        (status = 201, description = "Recorded", body = PackageChanged),
        (status = 200, description = "Already in that state: nothing recorded", body = PackageChanged),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_package` or `unknown_specimen`", body = ErrorBody),
        (status = 409, description = "`package_dispatched` or `not_in_package`", body = ErrorBody),
        (status = 422, description = "`dry_ice_in_secondary`: never", body = ErrorBody),
    ),
)]
pub async fn tick(call: Caller, path: web::Path<String>, body: web::Json<Object<Tick>>) -> Answer {
    call.run(move |ctx, actor| packages::tick(ctx, actor, &path, &body, now()))
        .await
        .map(changed)
}

#[utoipa::path(
    post, path = "/packages/{package_id}/dispatch", tag = "packages",
    params(("package_id" = String, Path, description = "The SSCC-18")),
    request_body = Dispatch,
    responses(
        (status = 200, description = "Dispatched: the package and its tubes are shipped", body = PackageChanged),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_package`", body = ErrorBody),
        (status = 409, description = "`package_incomplete` with `missing`, or `package_dispatched`", body = ErrorBody),
        (status = 422, description = "`storage_deadline_exceeded` or `priority_violation` (overridable)", body = ErrorBody),
    ),
)]
pub async fn dispatch(call: Caller, path: web::Path<String>, body: web::Bytes) -> Answer {
    let body: Dispatch = optional_body(&body)?;
    call.run(move |ctx, actor| packages::dispatch(ctx, actor, &path, &body, now()))
        .await
        .map(ok)
}

#[utoipa::path(
    post, path = "/packages/{package_id}/receive", tag = "packages",
    params(("package_id" = String, Path, description = "The SSCC-18")),
    request_body = Receive,
    responses(
        (status = 200, description = "Received: every tube received or marked missing", body = PackageChanged),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_package`", body = ErrorBody),
        (status = 409, description = "`package_not_dispatched` or `not_in_package`", body = ErrorBody),
    ),
)]
pub async fn receive(call: Caller, path: web::Path<String>, body: web::Bytes) -> Answer {
    let body: Receive = optional_body(&body)?;
    call.run(move |ctx, actor| packages::receive(ctx, actor, &path, &body, now()))
        .await
        .map(ok)
}

#[utoipa::path(
    post, path = "/packages/{package_id}/specimens/{specimen_id}/missing", tag = "packages",
    params(
        ("package_id" = String, Path, description = "The SSCC-18"),
        ("specimen_id" = String, Path, description = "The tube's barcode"),
    ),
    responses(
        (status = 200, description = "The tube is marked missing from the delivery", body = PackageChanged),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_package`", body = ErrorBody),
        (status = 409, description = "`package_not_dispatched` or `not_in_package`", body = ErrorBody),
    ),
)]
pub async fn mark_missing(call: Caller, path: web::Path<(String, String)>) -> Answer {
    let (id, specimen_id) = path.into_inner();
    call.run(move |ctx, actor| packages::mark_missing(ctx, actor, &id, &specimen_id, now()))
        .await
        .map(ok)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SlipQuery {
    /// `json` (default) or `html` (printable A4).
    #[serde(default)]
    #[param(schema_with = slip_formats)]
    pub format: Option<String>,
}

fn slip_formats() -> utoipa::openapi::Object {
    crate::openapi::one_of(
        &["json", "html"],
        "`json` (default) or `html` (printable A4).",
    )
}

#[utoipa::path(
    get, path = "/packages/{package_id}/slip", tag = "packages",
    params(("package_id" = String, Path, description = "The SSCC-18"), SlipQuery),
    responses(
        (status = 200, description = "The shipping slip (検体送付票), JSON or printable HTML, in Japanese unless the request asks for English (`lang=en`, `Accept-Language: en`): every word of the HTML, and in JSON the amounts (`amount`; `volume_ml` is the recorded volume); the fields named `_ja` stay Japanese", content(
            (Slip = "application/json"),
            (String = "text/html"),
        )),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_package`", body = ErrorBody),
    ),
)]
pub async fn slip(
    call: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<SlipQuery>,
) -> Answer {
    let html = match q.format.as_deref() {
        None | Some("json") => false,
        Some("html") => true,
        Some(other) => {
            return Err(AppError::bad_request(InputMsg::NotOneOf {
                field: "format".into(),
                value: other.into(),
                allowed: allowed(&["json", "html"]),
            }))
        }
    };
    // Japanese unless the request asks for English (`?lang=en`,
    // `Accept-Language`): every word of the HTML, the amounts of the JSON.
    let lang = super::lang::of(&req);
    let slip = call
        .run(move |ctx, actor| packages::slip(ctx, actor, &path, now()))
        .await?
        .in_lang(lang);
    Ok(if html {
        HttpResponse::Ok()
            .content_type(ContentType::html())
            .body(crate::print::slip::html(&slip, lang))
    } else {
        HttpResponse::Ok().json(slip)
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LabelQuery {
    /// `svg` (default) or `zpl` (Zebra printers).
    #[serde(default)]
    #[param(schema_with = package_label_formats)]
    pub format: Option<String>,
}

fn package_label_formats() -> utoipa::openapi::Object {
    crate::openapi::one_of(
        &["svg", "zpl"],
        "`svg` (default) or `zpl` (Zebra printers).",
    )
}

#[utoipa::path(
    get, path = "/packages/{package_id}/label", tag = "packages",
    params(("package_id" = String, Path, description = "The SSCC-18"), LabelQuery),
    responses(
        (status = 200, description = "The package label: SSCC as GS1-128, UN3373, shipper, consignee, responsible person, UN1845 when dry ice is used", content(
            (String = "image/svg+xml"),
            (String = "application/zpl"),
        )),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_package`", body = ErrorBody),
    ),
)]
pub async fn label(call: Caller, path: web::Path<String>, q: web::Query<LabelQuery>) -> Answer {
    let zpl = match q.format.as_deref() {
        None | Some("svg") => false,
        Some("zpl") => true,
        Some(other) => {
            return Err(AppError::bad_request(InputMsg::NotOneOf {
                field: "format".into(),
                value: other.into(),
                allowed: allowed(&["svg", "zpl"]),
            }))
        }
    };
    call.run(move |ctx, actor| packages::label(ctx, actor, &path, now()))
        .await
        .map(|label| {
            if zpl {
                HttpResponse::Ok()
                    .content_type("application/zpl; charset=utf-8")
                    .body(crate::print::label::zpl(&label))
            } else {
                HttpResponse::Ok()
                    .content_type("image/svg+xml; charset=utf-8")
                    .body(crate::print::label::svg(&label))
            }
        })
}

#[utoipa::path(
    post, path = "/specimens/{specimen_id}/consultations", tag = "packages",
    params(("specimen_id" = String, Path, description = "The tube's barcode")),
    request_body = NewConsultation,
    responses(
        (status = 201, description = "Recorded: autopsy tissue may now be packed", body = ConsultationView),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_specimen`", body = ErrorBody),
    ),
)]
pub async fn record_consultation(
    call: Caller,
    path: web::Path<String>,
    body: web::Json<Object<NewConsultation>>,
) -> Answer {
    call.run(move |ctx, actor| packages::record_consultation(ctx, actor, &path, &body, now()))
        .await
        .map(|r| HttpResponse::Created().json(r))
}
