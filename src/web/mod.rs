//! The web pages people use at the desks, served by the same
//! binary as the API: HTML from `maud`, a stylesheet and one small script
//! embedded in the binary, no front-end build and nothing from a CDN (a
//! clinic's network may reach nothing outside).
//!
//! Pages authenticate with a server-side session (`actions::sessions`)
//! held in an `HttpOnly; SameSite=Strict` cookie; every form carries the
//! session's CSRF token, and the pages' scripts call the API with the same
//! cookie plus the token in `X-CSRF-Token` (see `http::auth`). The routes
//! live here, apart from `http::configure`, because they answer people
//! (redirects to the sign-in page, HTML errors), not programs.

pub mod account;
pub mod admin;
pub mod admin_system;
pub mod analyzers;
pub mod assets;
pub mod desks;
pub mod layout;
pub mod packing;
pub mod patients;
pub mod printing;
pub mod reports;
pub mod results;
pub mod shown_once;
pub mod signin;
pub mod specimens;
pub mod stations;
pub mod text;
pub mod tokens;
pub mod unlock;

use crate::actions::sessions::{self, Session};
use crate::actions::{ActionError, Actor, Ctx};
use crate::http::auth::{cookie, SESSION_COOKIE};
use crate::http::AppError;
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use chrono::{DateTime, Utc};
use maud::Markup;
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use text::Lang;

/// The cookie remembering a chosen language.
pub use crate::http::lang::LANG_COOKIE;

/// The largest form body accepted (a token and a CSRF token).
const FORM_LIMIT: usize = 8 * 1024;

/// Every page route, for `App::configure` (beside `http::configure`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            .limit(FORM_LIMIT)
            .error_handler(|err, _| {
                AppError::bad_request(crate::domain::messages::InputMsg::BadForm {
                    detail: crate::http::redact::serde_detail(&err.to_string()),
                })
                .into()
            }),
    )
    .route("/", web::get().to(desks::home))
    .service(
        web::resource("/signin")
            .route(web::get().to(signin::form))
            .route(web::post().to(signin::submit)),
    )
    .route("/signout", web::post().to(signin::sign_out))
    .service(
        web::resource("/account/password")
            .route(web::get().to(account::form))
            .route(web::post().to(account::submit)),
    )
    .route("/account/pin", web::post().to(account::set_pin))
    .service(
        web::resource("/unlock")
            .route(web::get().to(unlock::form))
            .route(web::post().to(unlock::submit)),
    )
    .service(
        web::resource("/account/tokens")
            .route(web::get().to(tokens::page))
            .route(web::post().to(tokens::create)),
    )
    .route(
        "/account/tokens/{token_id}/revoke",
        web::post().to(tokens::revoke),
    )
    .route("/stations", web::get().to(stations::list))
    .route("/stations/{station}", web::get().to(stations::station))
    .route("/specimens", web::get().to(specimens::index))
    .route(
        "/specimens/{specimen_id}",
        web::get().to(specimens::history),
    )
    .route(
        "/specimens/{specimen_id}/label",
        web::get().to(specimens::label),
    )
    .service(
        web::resource("/patients/{patient_id}")
            .route(web::get().to(patients::page))
            .route(web::post().to(patients::correct)),
    )
    .route("/results", web::get().to(results::page))
    .route("/results/analyzers", web::get().to(analyzers::queue))
    // Before `{name}`, whose resource would answer this path's POST.
    .route(
        "/results/analyzers/reread",
        web::post().to(analyzers::reread),
    )
    .route("/results/analyzers/{name}", web::get().to(analyzers::log))
    .route(
        "/results/analyzers/{id}/link",
        web::post().to(analyzers::link),
    )
    .route(
        "/results/analyzers/{id}/discard",
        web::post().to(analyzers::discard),
    )
    .route("/alerts", web::get().to(desks::alerts))
    .service(
        web::resource("/packing")
            .route(web::get().to(packing::index))
            .route(web::post().to(packing::create)),
    )
    // Before `/packing/{package_id}`, which would otherwise take it.
    .route("/packing/commands", web::get().to(packing::commands))
    .route("/packing/{package_id}", web::get().to(packing::package))
    .route(
        "/packing/{package_id}/specimens",
        web::post().to(packing::add_specimen),
    )
    .route(
        "/packing/{package_id}/specimens/{specimen_id}/remove",
        web::post().to(packing::remove_specimen),
    )
    .route(
        "/packing/{package_id}/checklist",
        web::post().to(packing::tick),
    )
    .route(
        "/packing/{package_id}/dispatch",
        web::post().to(packing::dispatch),
    )
    .route(
        "/packing/{package_id}/details",
        web::post().to(packing::details),
    )
    .route("/packing/{package_id}/print", web::get().to(packing::print))
    .route("/reports", web::get().to(reports::reports))
    .route("/reports/summary", web::get().to(reports::summary))
    .route(
        "/reports/sjis-replacements",
        web::get().to(reports::sjis_replacements),
    )
    .route("/admin", web::get().to(admin::index))
    .service(
        web::resource("/admin/users")
            .route(web::get().to(admin::users))
            .route(web::post().to(admin::create_user)),
    )
    .route(
        "/admin/users/{user_id}/disable",
        web::post().to(admin::disable_user),
    )
    .route(
        "/admin/users/{user_id}/enable",
        web::post().to(admin::enable_user),
    )
    .route(
        "/admin/users/{user_id}/token",
        web::post().to(admin::new_token),
    )
    .route(
        "/admin/users/{user_id}/password",
        web::post().to(admin::one_time_password),
    )
    .route(
        "/admin/users/{user_id}/badge",
        web::post().to(admin::issue_badge),
    )
    .route(
        "/admin/badges/{badge_id}/revoke",
        web::post().to(admin::revoke_badge),
    )
    .route("/admin/stations", web::get().to(admin::stations))
    .service(
        web::resource("/admin/locations")
            .route(web::get().to(admin::locations))
            .route(web::post().to(admin::create_location)),
    )
    .route(
        "/admin/locations/labels",
        web::get().to(admin::location_labels),
    )
    .service(
        web::resource("/admin/kits")
            .route(web::get().to(admin::kits))
            .route(web::post().to(admin::create_kit)),
    )
    .route("/admin/policy", web::get().to(admin::policy))
    .route("/admin/system", web::get().to(admin_system::system))
    .route("/print", web::post().to(printing::send))
    .route("/admin/printing", web::get().to(printing::page))
    .route(
        "/admin/printing/jobs/{job_id}/retry",
        web::post().to(printing::retry),
    )
    .route("/assets/{name}", web::get().to(assets::serve));
}

/// The page language: `?lang=` when given (and then remembered in a
/// cookie by [`html`]), else the cookie, else Japanese.
pub fn lang(req: &HttpRequest) -> Lang {
    query_lang(req)
        .or_else(|| cookie(req, LANG_COOKIE).and_then(|c| Lang::from_code(&c)))
        .unwrap_or(Lang::Ja)
}

fn query_lang(req: &HttpRequest) -> Option<Lang> {
    #[derive(serde::Deserialize)]
    struct LangQuery {
        lang: Option<String>,
    }
    web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().lang)
        .and_then(|l| Lang::from_code(&l))
}

/// The facility's name, shown in every page's header.
pub fn facility(req: &HttpRequest) -> String {
    req.app_data::<web::Data<Ctx>>()
        .map(|c| c.config.site.facility_name.clone())
        .unwrap_or_default()
}

/// Whether the browser reached us over HTTPS (directly or, as a proxy
/// says, in front of us): cookies are then marked `Secure`.
pub fn is_https(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

/// A `Set-Cookie` value with the attributes every kentai cookie has:
/// invisible to scripts, never sent from another site's page.
pub fn set_cookie(
    req: &HttpRequest,
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
) -> String {
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if is_https(req) {
        c.push_str("; Secure");
    }
    c
}

/// A page answer: HTML that is never cached (it shows who is signed in)
/// and may not be framed or load anything from elsewhere.
pub fn html(req: &HttpRequest, status: StatusCode, markup: Markup) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "same-origin"));
    if let Some(l) = query_lang(req) {
        // A year: the language is the desk's, not the session's.
        res.append_header((
            header::SET_COOKIE,
            set_cookie(req, LANG_COOKIE, l.code(), "/", Some(365 * 24 * 3600)),
        ));
    }
    res.body(markup.into_string())
}

/// A redirect after a form or to the sign-in page (303: the browser then
/// GETs the new place, whatever the method was).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// A path to come back to after signing in: only a path on this server
/// (`/…`, not `//host` or `/\host`, which browsers read as another site).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control)
                && n.len() <= 512 =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Percent-encodes a query value (everything but RFC 3986's unreserved
/// characters).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Percent-encodes one path segment (a specimen or package id in a link).
pub fn encode_path_segment(value: &str) -> String {
    encode_query_value(value)
}

/// The form a checked post carries, or the page that answers instead (a
/// refusal, a stale form): `let form: F = form_or_page!(checked(…));`.
macro_rules! form_or_page {
    ($checked:expr) => {
        match $checked {
            Ok(form) => form,
            Err(page) => return Ok(*page),
        }
    };
}
pub(crate) use form_or_page;

/// What a form posted to one record's page brings: the request, the user,
/// the context, the record's id from the path and the body.
pub type RecordForm = (
    HttpRequest,
    SignedIn,
    web::Data<Ctx>,
    web::Path<String>,
    web::Bytes,
);

/// A urlencoded form body. Every form's fields default to empty, so a body
/// that cannot be read at all (not UTF-8, not a form) arrives as an empty
/// form and then fails the CSRF check: nothing is done with it, and a role
/// that may not post it still gets its 403 rather than a 400.
pub fn read_form<T: DeserializeOwned + Default>(body: &[u8]) -> T {
    std::str::from_utf8(body)
        .ok()
        .and_then(|s| web::Query::<T>::from_query(s).ok())
        .map(web::Query::into_inner)
        .unwrap_or_default()
}

/// A form with no field but the CSRF token (a button that does one thing).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

/// Runs an action off the async workers (the store blocks) as `actor`, at
/// this moment. The outer error is the server's (the worker pool); the
/// inner one is the action's own answer, which a page may show.
pub async fn run_action<T, F>(
    ctx: &web::Data<Ctx>,
    actor: &Actor,
    f: F,
) -> Result<Result<T, ActionError>, AppError>
where
    T: Send + 'static,
    F: FnOnce(&Ctx, &Actor, DateTime<Utc>) -> Result<T, ActionError> + Send + 'static,
{
    let ctx = ctx.get_ref().clone();
    let actor = actor.clone();
    Ok(web::block(move || f(&ctx, &actor, crate::actions::now())).await?)
}

/// A signed-in person, for a page handler. Without a live session the
/// page is not run: the browser is sent to the sign-in page and back.
pub struct SignedIn {
    pub session: Session,
}

/// The answer for a page opened without a session: 303 to `/signin`,
/// with the page to return to.
#[derive(Debug)]
pub struct SignInFirst {
    next: String,
}

impl fmt::Display for SignInFirst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sign in first, then return to {}", self.next)
    }
}

impl ResponseError for SignInFirst {
    fn status_code(&self) -> StatusCode {
        StatusCode::SEE_OTHER
    }

    fn error_response(&self) -> HttpResponse {
        see_other(&format!("/signin?next={}", encode_query_value(&self.next)))
    }
}

/// Errors a page extractor may meet: a missing session (a redirect) or a
/// store failure (the API's error).
#[derive(Debug)]
pub enum PageError {
    SignIn(SignInFirst),
    /// Signed in with a one-time password: 303 to the page that changes it.
    ChangePassword,
    /// The screen was locked: 303 to re-entry, then back to this path.
    Locked(String),
    App(AppError),
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PageError::SignIn(s) => s.fmt(f),
            PageError::ChangePassword => write!(f, "change the one-time password first"),
            PageError::Locked(next) => {
                write!(f, "re-enter the locked screen, then return to {next}")
            }
            PageError::App(e) => e.fmt(f),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn(s) => s.status_code(),
            PageError::ChangePassword | PageError::Locked(_) => StatusCode::SEE_OTHER,
            PageError::App(e) => e.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            PageError::SignIn(s) => s.error_response(),
            PageError::ChangePassword => see_other(account::PATH),
            PageError::Locked(next) => see_other(&format!(
                "{}?next={}",
                unlock::PATH,
                encode_query_value(next)
            )),
            PageError::App(e) => e.error_response(),
        }
    }
}

/// The live session this request's cookie names, if any.
pub async fn current_session(req: &HttpRequest) -> Result<Option<Session>, AppError> {
    let Some(id) = cookie(req, SESSION_COOKIE) else {
        return Ok(None);
    };
    let ctx = req.app_data::<web::Data<Ctx>>().cloned().ok_or_else(|| {
        AppError::unauthorized(crate::domain::messages::RecordMsg::ServerNotReady)
    })?;
    let now = crate::actions::now();
    Ok(web::block(move || sessions::find(&ctx, &id, now)).await??)
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<SignedIn, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match current_session(&req).await {
                Ok(Some(session)) if session.locked => {
                    let next = match req.method() == actix_web::http::Method::GET {
                        true => req.path().to_string(),
                        false => "/".to_string(),
                    };
                    Err(PageError::Locked(next))
                }
                Ok(Some(session))
                    if session.must_change_password && req.path() != account::PATH =>
                {
                    Err(PageError::ChangePassword)
                }
                Ok(Some(session)) => Ok(SignedIn { session }),
                Ok(None) => {
                    // A form posted after the session ended cannot be sent
                    // again by a redirect: sign in, then start at home.
                    let next = match (
                        req.method() == actix_web::http::Method::GET,
                        req.query_string(),
                    ) {
                        (false, _) => "/".to_string(),
                        (true, "") => req.path().to_string(),
                        (true, q) => format!("{}?{q}", req.path()),
                    };
                    Err(PageError::SignIn(SignInFirst { next }))
                }
                Err(e) => Err(PageError::App(e)),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_path_on_this_server_is_returned_to_after_sign_in() {
        assert_eq!(
            safe_next(Some("/stations/reception-1")),
            "/stations/reception-1"
        );
        assert_eq!(
            safe_next(Some("/reports?date=2026-11-21")),
            "/reports?date=2026-11-21"
        );
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "stations",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn a_query_value_is_percent_encoded_except_unreserved_characters() {
        assert_eq!(
            encode_query_value("/stations/a b?x=1&y"),
            "%2Fstations%2Fa%20b%3Fx%3D1%26y"
        );
        assert_eq!(encode_query_value("reception-1_A.~"), "reception-1_A.~");
        assert_eq!(encode_query_value("受"), "%E5%8F%97");
    }
}
