//! A browser session's page lock: a page left idle locks its session
//! (`POST /api/v1/session/lock`), and a person re-enters it with the
//! session's password, or with a staff badge and PIN, which hands the
//! screen to the badge's holder (`POST /api/v1/session/unlock`). A locked
//! session opens nothing else; a token has no page, so both leave it be.

use super::auth::{Limit, SessionAuth, User};
use super::error::{AppError, ErrorBody};
use super::Object;
use crate::actions::sessions::{self, ReEntry, Unlocked};
use crate::actions::Ctx;
use crate::domain::messages::RecordMsg;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// `POST /api/v1/session/unlock`: the password, or a badge and its PIN.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    #[serde(default)]
    #[schema(max_length = 1024)]
    pub password: Option<String>,
    /// A staff badge's code as its scanner types it.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub badge: Option<String>,
    #[serde(default)]
    #[schema(max_length = 8)]
    pub pin: Option<String>,
}

/// Who the page is for once it is open again.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnlockedView {
    pub name: String,
    #[schema(value_type = String)]
    pub role: crate::domain::roles::Role,
}

/// Where a locked session may still go.
pub const UNLOCK_PATH: &str = "/api/v1/session/unlock";

/// A token has no screen to lock or open.
fn not_a_session() -> AppError {
    AppError::new(
        actix_web::http::StatusCode::FORBIDDEN,
        crate::domain::RuleCode::Forbidden,
        RecordMsg::NotABrowserSession,
    )
}

/// The browser session the request came with (the extractor checked its
/// CSRF token), if it came with one rather than a token.
fn session_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<SessionAuth>().map(|s| s.id.clone())
}

#[utoipa::path(
    post, path = "/session/lock", tag = "users", operation_id = "lock_session",
    description = "Locks the browser session of the cookie (with its `X-CSRF-Token`): its page was left idle for \
`[security] page_idle_minutes`. Until `POST /api/v1/session/unlock`, every other request with the session answers \
401 with the message that the screen is locked, and its pages lead to `/unlock`.",
    responses(
        (status = 204, description = "Locked"),
        (status = 401, description = "No live session", body = ErrorBody),
        (status = 403, description = "No or a wrong `X-CSRF-Token`, or a token rather than a browser's session", body = ErrorBody),
    ),
)]
pub async fn lock(
    req: HttpRequest,
    ctx: web::Data<Ctx>,
    _user: User,
) -> Result<HttpResponse, AppError> {
    let Some(id) = session_id(&req) else {
        return Err(not_a_session());
    };
    let now = crate::actions::now();
    web::block(move || sessions::lock(&ctx, &id, now)).await??;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post, path = "/session/unlock", tag = "users", operation_id = "unlock_session",
    request_body = UnlockRequest,
    description = "Opens a locked session again, keeping its page: with `password`, the session's own person's; with \
`badge` and `pin`, any person of this facility, who then holds the session (a shared screen changing hands). Wrong \
answers count toward that person's sign-in limit as wrong passwords do.",
    responses(
        (status = 200, description = "Open again, for this person", body = UnlockedView),
        (status = 400, description = "Neither a password nor a badge and PIN", body = ErrorBody),
        (status = 401, description = "Wrong password, badge or PIN, or no live session", body = ErrorBody),
        (status = 403, description = "No or a wrong `X-CSRF-Token`, or a token rather than a browser's session", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`", body = ErrorBody),
    ),
)]
pub async fn unlock(
    req: HttpRequest,
    ctx: web::Data<Ctx>,
    User(actor): User,
    body: web::Json<Object<UnlockRequest>>,
) -> Result<HttpResponse, AppError> {
    let Some(id) = session_id(&req) else {
        return Err(not_a_session());
    };
    let body = body.into_inner().0;
    let with = match (body.password, body.badge, body.pin) {
        (Some(password), None, None) if !password.is_empty() && password.len() <= 1024 => {
            ReEntry::Password(password)
        }
        (None, Some(code), Some(pin)) if code.len() <= 64 && pin.len() <= 8 => ReEntry::Badge {
            code: code.trim().to_string(),
            pin,
        },
        _ => {
            return Err(crate::actions::ActionError::invalid(
                crate::domain::messages::InputMsg::FieldEmpty {
                    field: "password".into(),
                },
            )
            .into())
        }
    };
    let limit = Limit::of(&req);
    let key_of = |name: &str| crate::tokens::hash_token(&format!("password:{name}"));
    if let ReEntry::Password(_) = &with {
        limit.before_lookup(&key_of(&actor.name))?;
    }
    let now = crate::actions::now();
    let answer = web::block(move || sessions::unlock(&ctx, &id, &with, now)).await??;
    match answer {
        None => Err(AppError::unauthorized(RecordMsg::SessionEnded)),
        Some(Unlocked::Open(person)) => Ok(HttpResponse::Ok().json(UnlockedView {
            name: person.name,
            role: person.role,
        })),
        Some(Unlocked::Wrong { limit_key }) => {
            if let Some(name) = limit_key {
                limit.failed(&key_of(&name))?;
            }
            Err(AppError::unauthorized(RecordMsg::ReEntryWrong))
        }
    }
}
