//! Authentication as an extractor: a handler that takes a `User` cannot run
//! for a request without a valid credential.
//!
//! Two credentials are accepted. Scripts and other systems send
//! `Authorization: Bearer TOKEN`. The web pages' own scripts (the station
//! page's scan field and live feed) ride on the browser's session cookie
//! instead (`actions::sessions`), so the page never holds the token. A
//! cookie is sent by the browser on its own, so a cookie-authenticated
//! request that changes something (any method but GET, HEAD, OPTIONS) must
//! also carry the session's CSRF token in `X-CSRF-Token`, which another
//! site's page cannot read; without it the answer is 403 `forbidden`.

use super::error::AppError;
use super::limit::{prefix_of, AuthLimiter};
use crate::actions::{sessions, users, Actor, Ctx};
use crate::domain::messages::RecordMsg;
use crate::domain::RuleCode;
use crate::tokens::hash_token;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;
use subtle::ConstantTimeEq;

/// The cookie holding a browser's session id.
pub const SESSION_COOKIE: &str = "kentai_session";

/// The header a cookie-authenticated write carries its CSRF token in.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

pub struct User(pub Actor);

/// Set in the request's extensions when the session cookie (not a bearer
/// token) authenticated it: the station event stream then ends when the
/// session does.
#[derive(Debug, Clone)]
pub struct SessionAuth {
    pub id: String,
}

/// Set in the request's extensions when a bearer token authenticated it:
/// the station event stream asks again, by this hash, whether the token
/// still admits its user.
#[derive(Debug, Clone)]
pub struct BearerAuth {
    pub hash: String,
}

/// The actor `require_token` authenticated, kept in the request's extensions.
#[derive(Clone)]
struct Authenticated(Actor);

/// Middleware for a scope: authenticates before the handler's extractors
/// run, so a request without a valid token gets 401 before its body is
/// read or validated (extractors of one handler run concurrently, and a
/// bad body would otherwise win the race against the token lookup).
///
/// A refusal is answered here, as a response rather than an error, so it
/// is written inside the request's language scope (`http::lang`).
pub async fn require_token(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let (http, mut payload) = req.into_parts();
    let user = User::from_request(&http, &mut payload).await;
    let req = ServiceRequest::from_parts(http, payload);
    match user {
        Ok(User(actor)) => {
            req.extensions_mut().insert(Authenticated(actor));
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(e) => Ok(req.error_response(e).map_into_right_body()),
    }
}

/// What a request offers to prove who sent it.
pub(crate) enum Credential {
    /// An `Authorization` header: it alone decides, even when a cookie
    /// comes too (a script's explicit token wins over a browser's cookie).
    Bearer(Option<String>),
    /// The session cookie, and the CSRF header if any.
    Session {
        id: String,
        csrf: Option<String>,
    },
    None,
}

pub(crate) fn credential(req: &HttpRequest) -> Credential {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(bearer_token)
            .map(str::to_string);
        return Credential::Bearer(token);
    }
    match cookie(req, SESSION_COOKIE) {
        Some(id) => Credential::Session {
            id,
            csrf: req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        },
        None => Credential::None,
    }
}

/// Methods that only read: a cookie alone may call them.
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether `offered` is the session's CSRF token, compared in constant time.
pub fn csrf_matches(offered: Option<&str>, expected: &str) -> bool {
    match offered {
        Some(offered) if !expected.is_empty() => {
            offered.as_bytes().ct_eq(expected.as_bytes()).into()
        }
        _ => false,
    }
}

/// The value of the cookie `name`, if the request carries it (the first
/// one when a misbehaving client sends it twice).
pub fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_string())
        .filter(|v| !v.is_empty())
}

impl FromRequest for User {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<User, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(Authenticated(actor)) = req.extensions().get::<Authenticated>().cloned() {
            return Box::pin(async move { Ok(User(actor)) });
        }
        let ctx = req.app_data::<web::Data<Ctx>>().cloned();
        let limiter = Limit::of(req);
        let credential = credential(req);
        let safe = is_safe(req.method());
        let req = req.clone();
        Box::pin(async move {
            let ctx = ctx.ok_or_else(|| AppError::unauthorized(RecordMsg::ServerNotReady))?;
            match credential {
                Credential::Bearer(token) => {
                    let Some(token) = token.filter(|t| !t.is_empty()) else {
                        return Err(AppError::unauthorized(RecordMsg::MissingToken));
                    };
                    limiter.before_lookup(&token)?;
                    let hash = hash_token(&token);
                    let lookup = hash.clone();
                    match web::block(move || users::authenticate_hash(&ctx, &lookup)).await?? {
                        Some(actor) => {
                            req.extensions_mut().insert(BearerAuth { hash });
                            Ok(User(actor))
                        }
                        None => {
                            limiter.failed(&token)?;
                            Err(AppError::unauthorized(RecordMsg::InvalidToken))
                        }
                    }
                }
                Credential::Session { id, csrf } => {
                    let now = crate::actions::now();
                    let lookup = id.clone();
                    let Some(session) =
                        web::block(move || sessions::find(&ctx, &lookup, now)).await??
                    else {
                        return Err(AppError::unauthorized(RecordMsg::SessionEnded));
                    };
                    // A locked session opens nothing but its re-entry.
                    if session.locked && req.path() != super::session::UNLOCK_PATH {
                        return Err(AppError::unauthorized(RecordMsg::SessionLocked));
                    }
                    if session.must_change_password {
                        return Err(AppError::new(
                            StatusCode::FORBIDDEN,
                            RuleCode::Forbidden,
                            RecordMsg::PasswordChangeRequired,
                        ));
                    }
                    if !safe && !csrf_matches(csrf.as_deref(), &session.csrf) {
                        return Err(AppError::new(
                            StatusCode::FORBIDDEN,
                            RuleCode::Forbidden,
                            RecordMsg::CsrfMissing {
                                header: CSRF_HEADER.into(),
                            },
                        ));
                    }
                    req.extensions_mut().insert(SessionAuth { id });
                    Ok(User(session.actor))
                }
                Credential::None => Err(AppError::unauthorized(RecordMsg::MissingToken)),
            }
        })
    }
}

/// Who calls a route of the API: the service and the user whose
/// credential the request carries; the one thing a handler needs to run
/// its action.
pub struct Caller {
    ctx: web::Data<Ctx>,
    actor: Actor,
}

impl FromRequest for Caller {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Caller, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ctx = web::Data::<Ctx>::from_request(req, payload);
        let user = User::from_request(req, payload);
        Box::pin(async move {
            let ctx = ctx.await?;
            let User(actor) = user.await?;
            Ok(Caller { ctx, actor })
        })
    }
}

impl Caller {
    /// `action` as this user, on a thread that may wait for the database.
    pub async fn run<R: Send + 'static, E: Send + 'static>(
        self,
        action: impl FnOnce(&Ctx, &Actor) -> Result<R, E> + Send + 'static,
    ) -> Result<R, AppError>
    where
        AppError: From<E>,
    {
        let Caller { ctx, actor } = self;
        Ok(web::block(move || action(&ctx, &actor)).await??)
    }

    /// [`Caller::run`], answered with 200 and what the action returns.
    pub async fn ok<R: serde::Serialize + Send + 'static>(
        self,
        action: impl FnOnce(&Ctx, &Actor) -> Result<R, crate::actions::ActionError> + Send + 'static,
    ) -> super::Answer {
        let r = self.run(action).await?;
        Ok(actix_web::HttpResponse::Ok().json(r))
    }
}

/// The wrong-token limit as it applies to one request: its client
/// address and the server's limiter (absent in a bare test app).
pub struct Limit {
    limiter: Option<web::Data<AuthLimiter>>,
    ip: Option<std::net::IpAddr>,
}

fn too_many(wait: std::time::Duration) -> AppError {
    let seconds = wait.as_secs().max(1);
    AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        RuleCode::TooManyAttempts,
        RecordMsg::TooManyAttempts { seconds },
    )
    .with(|b| b.retry_after_s = Some(seconds))
}

impl Limit {
    pub fn of(req: &HttpRequest) -> Limit {
        Limit {
            limiter: req.app_data::<web::Data<AuthLimiter>>().cloned(),
            ip: req.peer_addr().map(|a| a.ip()),
        }
    }

    /// 429 `too_many_attempts`, before any lookup, for a token whose
    /// prefix keeps failing (the same wrong token sent again and again).
    pub fn before_lookup(&self, token: &str) -> Result<(), AppError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        match limiter.blocked_prefix(&prefix_of(token), Instant::now()) {
            None => Ok(()),
            Some(wait) => Err(too_many(wait)),
        }
    }

    /// Counts `token` as wrong. `Err` (429) when its address or prefix was
    /// over the limit already: the caller answers that instead of 401.
    pub fn failed(&self, token: &str) -> Result<(), AppError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        let now = Instant::now();
        let prefix = prefix_of(token);
        let blocked = self
            .ip
            .and_then(|ip| limiter.blocked_address(ip, now))
            .or_else(|| limiter.blocked_prefix(&prefix, now));
        limiter.failed(self.ip, &prefix, now);
        match blocked {
            None => Ok(()),
            Some(wait) => Err(too_many(wait)),
        }
    }
}

/// The token of an `Authorization: Bearer TOKEN` header. The scheme name is
/// case-insensitive (RFC 9110 §11.1); the token is one word.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && !token.contains(char::is_whitespace))
    .then_some(token)
}

#[cfg(test)]
mod tests {
    use super::{bearer_token, csrf_matches};

    #[test]
    fn a_csrf_token_matches_only_itself_and_never_when_absent() {
        assert!(csrf_matches(Some("abc"), "abc"));
        assert!(!csrf_matches(Some("abd"), "abc"));
        assert!(!csrf_matches(Some("ab"), "abc"));
        assert!(!csrf_matches(None, "abc"));
        assert!(!csrf_matches(Some(""), ""));
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_the_token_one_word() {
        let cases = [
            ("Bearer kt_1", Some("kt_1")),
            ("bearer kt_1", Some("kt_1")),
            ("BEARER   kt_1 ", Some("kt_1")),
            ("Bearer", None),
            ("Bearer ", None),
            ("Basic a2VudGFp", None),
            ("Bearer kt_0 kt_1", None),
            ("Bearerkt_1", None),
        ];
        for (header, token) in cases {
            assert_eq!(bearer_token(header), token, "{header:?}");
        }
    }
}
