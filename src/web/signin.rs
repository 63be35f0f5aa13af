//! Signing in with a login name and password (or an API token), and out
//! again; and changing one's password, which a one-time password from an
//! admin requires before any other page opens.
//!
//! The sign-in form has no session yet to take a CSRF token from, so it
//! gets its own: a random value in a short-lived cookie scoped to
//! `/signin` and the same value in the form (a double submit). Another
//! site can neither read the cookie nor, with `SameSite=Strict`, make the
//! browser send it, so it cannot sign a desk in as someone else (login
//! CSRF). A successful sign-in always starts a new session id.

use super::layout::{page, Frame};
use super::text::{PageWords, Text};
use super::{current_session, facility, html, safe_next, see_other, set_cookie};
use crate::actions::{sessions, Ctx};
use crate::http::auth::{cookie, csrf_matches, SESSION_COOKIE};
use crate::http::AppError;
use crate::tokens::random_hex;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

/// The sign-in form's own CSRF cookie.
const SIGNIN_COOKIE: &str = "kentai_signin";

/// How long a sign-in form stays usable (seconds).
const SIGNIN_FORM_SECONDS: i64 = 3600;

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

/// A form that only proves it came from one of our pages.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The sign-in page with a fresh form token (and its cookie).
fn sign_in_page(
    req: &HttpRequest,
    status: StatusCode,
    next: &str,
    error: Option<&str>,
    with_token: bool,
) -> HttpResponse {
    let lang = super::lang(req);
    let t = lang.text();
    let form_token = random_hex();
    let facility = facility(req);
    let frame = Frame {
        lang,
        path: "/signin",
        facility: &facility,
        session: None,
        current: None,
        large: false,
        scripts: &[],
    };
    let body = sign_in_body(t, &form_token, next, error, with_token);
    let mut res = html(req, status, page(&frame, t.sign_in_title, body));
    if let Ok(value) = header::HeaderValue::from_str(&set_cookie(
        req,
        SIGNIN_COOKIE,
        &form_token,
        "/signin",
        Some(SIGNIN_FORM_SECONDS),
    )) {
        res.headers_mut().append(header::SET_COOKIE, value);
    }
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"kentai\""),
        );
    }
    res
}

/// The form; `with_token` opens the token field (after a wrong token) in
/// place of the name and password.
fn sign_in_body(
    t: &Text,
    form_token: &str,
    next: &str,
    error: Option<&str>,
    with_token: bool,
) -> Markup {
    let person_error = error.is_some() && !with_token;
    let token_error = error.is_some() && with_token;
    html! {
        section class="narrow" aria-labelledby="signin-title" {
            h1 id="signin-title" { (t.sign_in_title) }
            p { (t.sign_in_intro) }
            @if let Some(e) = error {
                p class="error" id="signin-error" role="alert" { (e) }
            }
            form method="post" action="/signin" class="stack" {
                input type="hidden" name="csrf" value=(form_token);
                input type="hidden" name="next" value=(next);
                label for="name" { (t.name_label) }
                input id="name" name="name" type="text" autocomplete="username"
                    autocapitalize="none" spellcheck="false" autofocus[!with_token]
                    aria-describedby=[person_error.then_some("signin-error")]
                    aria-invalid=[person_error.then_some("true")];
                label for="password" { (t.password_label) }
                input id="password" name="password" type="password"
                    autocomplete="current-password"
                    aria-invalid=[person_error.then_some("true")];
                // Programs and the first admin sign in with a token; a
                // token is a password too: the browser may keep it in its
                // password manager, the page never does.
                details class="token-sign-in" open[with_token] {
                    summary { (t.with_token) }
                    label for="token" { (t.token_label) }
                    input id="token" name="token" type="password"
                        autocomplete="current-password" autofocus[with_token]
                        aria-describedby={ "token-hint" @if token_error { " signin-error" } }
                        aria-invalid=[token_error.then_some("true")];
                    p class="hint" id="token-hint" { (t.token_hint) }
                }
                button type="submit" class="primary" { (t.sign_in_button) }
            }
        }
    }
}

/// `GET /signin`: the form, or straight on when already signed in.
pub async fn form(
    req: HttpRequest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(query.next.as_deref());
    if current_session(&req).await?.is_some() {
        return Ok(see_other(&next));
    }
    Ok(sign_in_page(&req, StatusCode::OK, &next, None, false))
}

/// `POST /signin`: a session for a good token; the form again, with the
/// reason and no session, for anything else.
pub async fn submit(
    req: HttpRequest,
    ctx: web::Data<Ctx>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let t = super::lang(&req).text();
    let expected = cookie(&req, SIGNIN_COOKIE).unwrap_or_default();
    if !csrf_matches(Some(&form.csrf), &expected) {
        return Ok(sign_in_page(
            &req,
            StatusCode::FORBIDDEN,
            &next,
            Some(t.form_expired),
            false,
        ));
    }
    let limit = crate::http::auth::Limit::of(&req);
    let token = form.token.trim().to_string();
    let with_token = !token.is_empty();
    // With a token, the token is the credential; otherwise the name and
    // password, limited under the name so that guessing one person's
    // password from many addresses stops as guessing a token does.
    let (key, failed) = match token.is_empty() {
        // The limiter counts the first characters of a key: a digest's
        // are the name's own.
        true => (
            crate::tokens::hash_token(&format!("password:{}", form.name.trim())),
            t.password_failed,
        ),
        false => (token.clone(), t.sign_in_failed),
    };
    // From a limited address a right credential still signs in and a
    // wrong one is 429; a key that keeps failing is refused before the
    // lookup.
    if limit.before_lookup(&key).is_err() {
        return Ok(sign_in_page(
            &req,
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            Some(t.sign_in_too_many),
            with_token,
        ));
    }
    let name = form.name.trim().to_string();
    let password = form.password;
    let unusable = match token.is_empty() {
        true => name.is_empty() || name.len() > 64 || password.is_empty() || password.len() > 1024,
        false => token.len() > 256,
    };
    if unusable {
        return Ok(sign_in_page(
            &req,
            StatusCode::UNAUTHORIZED,
            &next,
            Some(failed),
            with_token,
        ));
    }
    let old = cookie(&req, SESSION_COOKIE);
    let now = crate::actions::now();
    let started = web::block(move || match token.is_empty() {
        true => sessions::start_with_password(&ctx, &name, &password, old.as_deref(), now),
        false => sessions::start(&ctx, &token, old.as_deref(), now),
    })
    .await??;
    let Some(started) = started else {
        let (status, error) = match limit.failed(&key) {
            Ok(()) => (StatusCode::UNAUTHORIZED, failed),
            Err(_) => (StatusCode::TOO_MANY_REQUESTS, t.sign_in_too_many),
        };
        return Ok(sign_in_page(&req, status, &next, Some(error), with_token));
    };
    // No Max-Age: the cookie goes with the browser; the server's idle
    // timeout decides how long the session lives.
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .append_header((
            header::SET_COOKIE,
            set_cookie(&req, SESSION_COOKIE, &started.id, "/", None),
        ))
        .append_header((
            header::SET_COOKIE,
            set_cookie(&req, SIGNIN_COOKIE, "", "/signin", Some(0)),
        ))
        .finish())
}

/// `POST /signout`: ends the session (with the form's CSRF token) and
/// forgets the cookie.
pub async fn sign_out(
    req: HttpRequest,
    ctx: web::Data<Ctx>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    let Some(id) = cookie(&req, SESSION_COOKIE) else {
        return Ok(see_other("/signin"));
    };
    let Some(session) = current_session(&req).await? else {
        return Ok(forget_session(&req));
    };
    if !csrf_matches(Some(&form.csrf), &session.csrf) {
        let lang = super::lang(&req);
        return Ok(super::desks::forbidden(&req, lang, Some(&session)));
    }
    let now = crate::actions::now();
    web::block(move || sessions::end(&ctx, &id, &session.actor, now)).await??;
    Ok(forget_session(&req))
}

fn forget_session(req: &HttpRequest) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/signin"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .append_header((
            header::SET_COOKIE,
            set_cookie(req, SESSION_COOKIE, "", "/", Some(0)),
        ))
        .finish()
}
