//! The HTTP API of API.md (actix-web). Handlers stay thin: extract the
//! user and body, call an action, answer JSON; every failure is an
//! [`AppError`] in the contract's error shape.

pub mod admin;
pub mod auth;
pub mod error;
pub mod intake;
pub mod kits;
pub mod labels;
pub mod lang;
pub mod limit;
pub mod locations;
pub mod packages;
pub mod patients;
pub mod redact;
pub mod reports;
pub mod results;
pub mod scans;
pub mod security_headers;
pub mod specimens;

use crate::domain::messages::{InputMsg, RecordMsg};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, HttpRequest, HttpResponse};
pub use error::AppError;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The largest JSON body accepted; a registration is well under 4 KiB.
pub const JSON_LIMIT: usize = 64 * 1024;

/// A request body that must be a JSON object: `web::Json<Object<T>>`.
///
/// serde's derived structs also accept an array, taking fields by position,
/// so `["F-1"]` would pass for `{"location":"F-1"}`. API.md's bodies are
/// objects; anything else is a malformed request (400).
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(ObjectOnly(d)).map(Object)
    }
}

/// Reads a struct as a map only (serde_json then refuses anything but `{`);
/// field checks (unknown, duplicate, missing) stay the struct's own.
struct ObjectOnly<D>(D);

impl<'de, D: serde::Deserializer<'de>> serde::Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(v)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "kentai", description = "Specimen tracking: the HTTP contract of API.md"),
    paths(
        admin::healthz, admin::me, admin::create_user, admin::list_users, admin::update_user,
        admin::issue_token, admin::audit_log,
        specimens::register, specimens::list, specimens::get, specimens::store, specimens::alerts,
        results::record_result, results::release, results::return_for_correction, results::worklist,
        results::preview_import, results::get_import, results::commit_import,
        patients::get, patients::correct,
        locations::create, locations::list, locations::get,
        packages::create, packages::list, packages::get, packages::update, packages::add_specimen,
        packages::remove_specimen, packages::tick, packages::dispatch, packages::receive,
        packages::mark_missing, packages::slip, packages::label, packages::record_consultation,
        labels::specimen_label, labels::location_label, labels::command_sheet,
        kits::create, kits::list, kits::get, kits::lot_specimens,
        scans::submit, scans::list, scans::stations, scans::events, scans::device_list,
        reports::hersys, reports::summary,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness: the only route without a token"),
        (name = "specimens", description = "Registration at reception (SPEC §2)"),
        (name = "storage", description = "Locations, storage events and the 48-hour clock (SPEC §2.4)"),
        (name = "results", description = "Results as versions with corrections and second-person release, the result desk's worklist and instrument files (SPEC §2.7)"),
        (name = "packages", description = "Triple packaging, dispatch, receiving, slip and label (SPEC §2.5)"),
        (name = "kits", description = "The kit catalog and recall tracing by lot (SPEC §2.1, §4)"),
        (name = "scans", description = "Scans from scanners and clients, stations and their live events, scanners (SPEC §4, §5)"),
        (name = "reports", description = "The health centre's day report (HER-SYS style: CSV, JSON, FHIR R4) and day summary (SPEC §3)"),
        (name = "users", description = "Users, tokens and the audit log"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// 201 for what a request created, 200 for a repeat that found it stored.
pub(crate) fn created_or_ok(created: bool) -> actix_web::HttpResponseBuilder {
    if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
}

/// A string parameter that takes one of `values`, for the OpenAPI
/// document (`#[param(schema_with = …)]`, which drops the field's doc
/// comment, hence `description`); the handler keeps its own message for
/// anything else.
pub(crate) fn one_of(values: &[&str], description: &str) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .build()
}

async fn openapi_json(_user: auth::User) -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::not_found(RecordMsg::NoRoute {
        method: req.method().to_string(),
        path: redact::path(req.path()),
    }))
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let message = match &err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            return AppError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                crate::domain::RuleCode::InvalidInput,
                InputMsg::BodyTooLarge { limit: *limit },
            )
            .into();
        }
        JsonPayloadError::ContentType => InputMsg::JsonContentType,
        JsonPayloadError::Deserialize(e) => return json_body_error(e).into(),
        other => InputMsg::JsonBody {
            detail: redact::serde_detail(&other.to_string()),
        },
    };
    AppError::bad_request(message).into()
}

/// A body serde could not read, without the values it quotes; an id
/// with a character a page would not show says which and where.
pub(crate) fn json_body_error(e: &serde_json::Error) -> AppError {
    let text = e.to_string();
    if let Some(m) = hidden_in_code(&text) {
        return AppError::from(crate::actions::ActionError::invalid(m));
    }
    AppError::bad_request(InputMsg::JsonBody {
        detail: redact::serde_detail(&text),
    })
}

/// An id type's own refusal ([`crate::domain::ids::CodeError`]) as serde
/// carries it: `specimen_id contains … at position 3 at line 1 column 9`.
fn hidden_in_code(text: &str) -> Option<InputMsg> {
    use crate::domain::ids::CodeError;
    for what in ["specimen_id", "location code"] {
        let Some(rest) = text.strip_prefix(what) else {
            continue;
        };
        for probe in [
            CodeError::ControlCharacter { what, position: 0 },
            CodeError::Invisible { what, position: 0 },
        ] {
            let sentence = probe.to_string();
            let Some(phrase) = sentence
                .strip_prefix(what)
                .and_then(|s| s.strip_suffix('0'))
            else {
                continue;
            };
            let Some(digits) = rest.strip_prefix(phrase) else {
                continue;
            };
            let end = digits
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(digits.len());
            let Ok(position) = digits[..end].parse() else {
                continue;
            };
            let field = what.to_string();
            return Some(match probe {
                CodeError::ControlCharacter { .. } => {
                    InputMsg::FieldControlCharacterAt { field, position }
                }
                _ => InputMsg::FieldInvisibleCharacterAt { field, position },
            });
        }
    }
    None
}

fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::bad_request(InputMsg::BadPath {
        detail: redact::serde_detail(&err.to_string()),
    })
    .into()
}

fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    AppError::bad_request(InputMsg::BadQuery {
        detail: redact::serde_detail(&err.to_string()),
    })
    .into()
}

/// Every route of the service, for `App::configure`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(json_error),
    )
    .app_data(web::PathConfig::default().error_handler(path_error))
    .app_data(web::QueryConfig::default().error_handler(query_error))
    .route("/healthz", web::get().to(admin::healthz))
    .route("/api/openapi.json", web::get().to(openapi_json))
    .service(
        web::scope("/api/v1")
            .wrap(actix_web::middleware::from_fn(auth::require_token))
            .route("/me", web::get().to(admin::me))
            .service(
                web::resource("/users")
                    .route(web::post().to(admin::create_user))
                    .route(web::get().to(admin::list_users))
                    .default_service(web::to(not_found)),
            )
            .service(
                web::resource("/users/{user_id}")
                    .route(web::patch().to(admin::update_user))
                    .default_service(web::to(not_found)),
            )
            .route("/users/{user_id}/token", web::post().to(admin::issue_token))
            .route("/audit", web::get().to(admin::audit_log))
            .service(
                web::resource("/specimens")
                    .route(web::post().to(specimens::register))
                    .route(web::get().to(specimens::list))
                    .default_service(web::to(not_found)),
            )
            .route("/specimens/{specimen_id}", web::get().to(specimens::get))
            .route(
                "/specimens/{specimen_id}/label",
                web::get().to(labels::specimen_label),
            )
            .route("/labels/commands", web::get().to(labels::command_sheet))
            .route(
                "/specimens/{specimen_id}/storage",
                web::post().to(specimens::store),
            )
            .route(
                "/specimens/{specimen_id}/results",
                web::post().to(results::record_result),
            )
            .route(
                "/specimens/{specimen_id}/results/{version}/release",
                web::post().to(results::release),
            )
            .route(
                "/specimens/{specimen_id}/results/{version}/return",
                web::post().to(results::return_for_correction),
            )
            .route("/results/worklist", web::get().to(results::worklist))
            .service(
                web::resource("/results/imports")
                    .app_data(web::PayloadConfig::new(
                        crate::actions::imports::MAX_FILE_BYTES,
                    ))
                    .route(web::post().to(results::preview_import))
                    .default_service(web::to(not_found)),
            )
            .route(
                "/results/imports/{import_id}",
                web::get().to(results::get_import),
            )
            .route(
                "/results/imports/{import_id}/commit",
                web::post().to(results::commit_import),
            )
            .route("/alerts", web::get().to(specimens::alerts))
            .service(
                web::resource("/patients/{patient_id}")
                    .route(web::get().to(patients::get))
                    .route(web::patch().to(patients::correct))
                    .default_service(web::to(not_found)),
            )
            .service(
                web::resource("/locations")
                    .route(web::post().to(locations::create))
                    .route(web::get().to(locations::list))
                    .default_service(web::to(not_found)),
            )
            .route("/locations/{code}", web::get().to(locations::get))
            .route(
                "/locations/{code}/label",
                web::get().to(labels::location_label),
            )
            .service(
                web::resource("/kits")
                    .route(web::post().to(kits::create))
                    .route(web::get().to(kits::list))
                    .default_service(web::to(not_found)),
            )
            .route("/kits/{gtin}", web::get().to(kits::get))
            .route(
                "/kits/lots/{lot}/specimens",
                web::get().to(kits::lot_specimens),
            )
            .route(
                "/specimens/{specimen_id}/consultations",
                web::post().to(packages::record_consultation),
            )
            .service(
                web::resource("/packages")
                    .route(web::post().to(packages::create))
                    .route(web::get().to(packages::list))
                    .default_service(web::to(not_found)),
            )
            .service(
                web::resource("/packages/{package_id}")
                    .route(web::get().to(packages::get))
                    .route(web::patch().to(packages::update))
                    .default_service(web::to(not_found)),
            )
            .route(
                "/packages/{package_id}/specimens",
                web::post().to(packages::add_specimen),
            )
            .route(
                "/packages/{package_id}/specimens/{specimen_id}",
                web::delete().to(packages::remove_specimen),
            )
            .route(
                "/packages/{package_id}/specimens/{specimen_id}/missing",
                web::post().to(packages::mark_missing),
            )
            .route(
                "/packages/{package_id}/checklist",
                web::post().to(packages::tick),
            )
            .route(
                "/packages/{package_id}/dispatch",
                web::post().to(packages::dispatch),
            )
            .route(
                "/packages/{package_id}/receive",
                web::post().to(packages::receive),
            )
            .route("/packages/{package_id}/slip", web::get().to(packages::slip))
            .route(
                "/packages/{package_id}/label",
                web::get().to(packages::label),
            )
            .service(
                web::resource("/scans")
                    .route(web::post().to(scans::submit))
                    .route(web::get().to(scans::list))
                    .default_service(web::to(not_found)),
            )
            .route("/stations", web::get().to(scans::stations))
            .route("/stations/{station}/events", web::get().to(scans::events))
            .route("/devices", web::get().to(scans::device_list))
            .route("/reports/hersys", web::get().to(reports::hersys))
            .route("/reports/summary", web::get().to(reports::summary)),
    )
    .default_service(web::to(not_found));
}
