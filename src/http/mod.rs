//! The HTTP API of API.md (actix-web). Handlers stay thin: extract the
//! user and body, call an action, answer JSON; every failure is an
//! [`AppError`] in the contract's error shape.

pub mod admin;
pub mod analyzers;
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
pub mod printing;
pub mod redact;
pub mod reports;
pub mod results;
pub mod route;
pub mod scans;
pub mod security_headers;
pub mod session;
pub mod specimens;
pub mod tokens;

use crate::domain::messages::{InputMsg, RecordMsg};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, HttpRequest, HttpResponse};
pub use error::AppError;
use route::{behind_token, Api};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{scope, AppExt};

/// What a handler answers: its JSON (or file), or the error in API.md's
/// shape.
pub type Answer = Result<HttpResponse, AppError>;

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

impl<T> std::ops::Deref for Object<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
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

/// The document's frame: its title, tags and security scheme. Its paths
/// and schemas come from the routes [`configure`] registers.
#[derive(OpenApi)]
#[openapi(
    info(title = "kentai", description = "Specimen tracking: the HTTP contract of API.md"),
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
        (name = "printing", description = "Print jobs for the configured printers (ZPL over port 9100, IPP), the queue and the printers' status"),
        (name = "users", description = "Users, tokens (your own API tokens for programs too) and the audit log"),
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

async fn openapi_json(_user: auth::User, doc: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(doc.as_ref())
}

/// The API on `app`: every route of [`configure`], and at
/// `/api/openapi.json` the document gathered from registering them.
pub fn register<T>(app: actix_web::App<T>) -> actix_web::App<T>
where
    T: actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Error = actix_web::Error,
        InitError = (),
    >,
{
    app.into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure)
        .openapi_service(|doc| {
            // Another method finds no route, as everywhere else.
            web::resource("/api/openapi.json")
                .app_data(web::Data::new(doc))
                .route(web::get().to(openapi_json))
                .default_service(web::to(not_found))
        })
        .into_app()
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

/// Every route of the API, each once with its description (see
/// [`route`]); [`register`] serves the document they make.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(json_error),
    )
    .app_data(web::PathConfig::default().error_handler(path_error))
    .app_data(web::QueryConfig::default().error_handler(query_error))
    .service(Api::<admin::__path_healthz>::to(admin::healthz))
    .service(behind_token(
        scope("/api/v1")
            .service(Api::<admin::__path_me>::to(admin::me))
            .service(Api::<tokens::__path_list_tokens>::to(tokens::list_tokens))
            .service(Api::<tokens::__path_create_token>::to(tokens::create_token))
            .service(Api::<tokens::__path_revoke_token>::to(tokens::revoke_token))
            .service(Api::<admin::__path_create_user>::to(admin::create_user))
            .service(Api::<admin::__path_list_users>::to(admin::list_users))
            .service(Api::<admin::__path_update_user>::to(admin::update_user))
            .service(Api::<admin::__path_issue_token>::to(admin::issue_token))
            .service(Api::<admin::__path_audit_log>::to(admin::audit_log))
            .service(Api::<specimens::__path_register>::to(specimens::register))
            .service(Api::<specimens::__path_list>::to(specimens::list))
            .service(Api::<specimens::__path_get>::to(specimens::get))
            .service(Api::<labels::__path_specimen_label>::to(
                labels::specimen_label,
            ))
            .service(Api::<labels::__path_command_sheet>::to(
                labels::command_sheet,
            ))
            .service(Api::<printing::__path_print>::to(printing::print))
            .service(Api::<printing::__path_jobs>::to(printing::jobs))
            .service(Api::<printing::__path_retry>::to(printing::retry))
            .service(Api::<printing::__path_printers>::to(printing::printers))
            .service(Api::<specimens::__path_store>::to(specimens::store))
            .service(Api::<results::__path_record_result>::to(
                results::record_result,
            ))
            .service(Api::<results::__path_release>::to(results::release))
            .service(Api::<results::__path_return_for_correction>::to(
                results::return_for_correction,
            ))
            .service(Api::<results::__path_worklist>::to(results::worklist))
            .service(
                Api::<results::__path_preview_import>::to(results::preview_import).app_data(
                    web::PayloadConfig::new(crate::actions::imports::MAX_FILE_BYTES),
                ),
            )
            .service(Api::<results::__path_get_import>::to(results::get_import))
            .service(Api::<results::__path_commit_import>::to(
                results::commit_import,
            ))
            .service(Api::<analyzers::__path_list>::to(analyzers::list))
            .service(Api::<analyzers::__path_queue>::to(analyzers::queue))
            .service(Api::<analyzers::__path_reread>::to(analyzers::reread))
            .service(Api::<analyzers::__path_messages>::to(analyzers::messages))
            .service(Api::<analyzers::__path_link>::to(analyzers::link))
            .service(Api::<analyzers::__path_discard>::to(analyzers::discard))
            .service(Api::<specimens::__path_alerts>::to(specimens::alerts))
            .service(Api::<patients::__path_get>::to(patients::get))
            .service(Api::<patients::__path_correct>::to(patients::correct))
            .service(Api::<locations::__path_create>::to(locations::create))
            .service(Api::<locations::__path_list>::to(locations::list))
            .service(Api::<locations::__path_get>::to(locations::get))
            .service(Api::<labels::__path_location_label>::to(
                labels::location_label,
            ))
            .service(Api::<kits::__path_create>::to(kits::create))
            .service(Api::<kits::__path_list>::to(kits::list))
            .service(Api::<kits::__path_get>::to(kits::get))
            .service(Api::<kits::__path_lot_specimens>::to(kits::lot_specimens))
            .service(Api::<packages::__path_record_consultation>::to(
                packages::record_consultation,
            ))
            .service(Api::<packages::__path_create>::to(packages::create))
            .service(Api::<packages::__path_list>::to(packages::list))
            .service(Api::<packages::__path_get>::to(packages::get))
            .service(Api::<packages::__path_update>::to(packages::update))
            .service(Api::<packages::__path_add_specimen>::to(
                packages::add_specimen,
            ))
            .service(Api::<packages::__path_remove_specimen>::to(
                packages::remove_specimen,
            ))
            .service(Api::<packages::__path_mark_missing>::to(
                packages::mark_missing,
            ))
            .service(Api::<packages::__path_tick>::to(packages::tick))
            .service(Api::<packages::__path_dispatch>::to(packages::dispatch))
            .service(Api::<packages::__path_receive>::to(packages::receive))
            .service(Api::<packages::__path_slip>::to(packages::slip))
            .service(Api::<packages::__path_label>::to(packages::label))
            .service(Api::<session::__path_lock>::to(session::lock))
            .service(Api::<session::__path_unlock>::to(session::unlock))
            .service(Api::<scans::__path_submit>::to(scans::submit))
            .service(Api::<scans::__path_list>::to(scans::list))
            .service(Api::<scans::__path_stations>::to(scans::stations))
            .service(Api::<scans::__path_operator>::to(scans::operator))
            .service(Api::<scans::__path_take_station>::to(scans::take_station))
            .service(Api::<scans::__path_leave_station>::to(scans::leave_station))
            .service(Api::<scans::__path_events>::to(scans::events))
            .service(Api::<scans::__path_device_list>::to(scans::device_list))
            .service(Api::<reports::__path_hersys>::to(reports::hersys))
            .service(Api::<reports::__path_summary>::to(reports::summary)),
    ))
    .default_service(web::to(not_found));
}
