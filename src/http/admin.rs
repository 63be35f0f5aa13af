//! Health, identity, users (creating, disabling, new tokens) and the
//! audit log.

use super::auth::{Caller, User};
use super::error::{AppError, ErrorBody};
use super::Answer;
use super::Object;
use crate::actions::audit::{self, AuditEntry};
use crate::actions::users::{self, CreatedUser, IssuedToken, NewUserRequest, UserChange, UserView};
use crate::actions::Ctx;
use crate::domain::roles::{Action, Role};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when the database does not answer.
    pub status: &'static str,
}

#[utoipa::path(
    get, path = "/healthz", tag = "health",
    responses((status = 200, body = Health), (status = 503, description = "Database unavailable", body = Health))
)]
pub async fn healthz(ctx: web::Data<Ctx>) -> HttpResponse {
    let ok = web::block(move || ctx.store.ping())
        .await
        .map(|r| r.is_ok())
        .unwrap_or(false);
    if ok {
        HttpResponse::Ok().json(Health { status: "ok" })
    } else {
        HttpResponse::ServiceUnavailable().json(Health {
            status: "unavailable",
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub name: String,
    pub role: Role,
}

#[utoipa::path(
    get, path = "/me", tag = "users",
    responses((status = 200, description = "The token's user", body = Me)),
)]
pub async fn me(User(actor): User) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        name: actor.name,
        role: actor.role,
    })
}

#[utoipa::path(
    post, path = "/users", tag = "users",
    request_body = NewUserRequest,
    responses(
        (status = 201, description = "Created; the token is shown only here", body = CreatedUser),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "A user with that name exists", body = ErrorBody),
    ),
)]
pub async fn create_user(call: Caller, body: web::Json<Object<NewUserRequest>>) -> Answer {
    call.run(move |ctx, actor| users::create_user(ctx, actor, &body))
        .await
        .map(|r| HttpResponse::Created().json(r))
}

#[utoipa::path(
    get, path = "/users", tag = "users",
    responses((status = 200, body = [UserView]), (status = 403, body = ErrorBody)),
)]
pub async fn list_users(call: Caller) -> Answer {
    call.ok(users::list_users).await
}

#[utoipa::path(
    patch, path = "/users/{user_id}", tag = "users",
    params(("user_id" = i64, Path, description = "The user's id, as `GET /api/v1/users` lists it")),
    request_body = UserChange,
    responses(
        (status = 200, description = "The user as it now is; disabling ended its sessions", body = UserView),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "`self_lockout`: an admin may not disable their own user", body = ErrorBody),
    ),
)]
pub async fn update_user(
    call: Caller,
    user_id: web::Path<i64>,
    body: web::Json<Object<UserChange>>,
) -> Answer {
    let user_id = user_id.into_inner();
    let change = body.into_inner().0;
    call.ok(move |ctx, actor| users::set_disabled(ctx, actor, user_id, change.disabled))
        .await
}

#[utoipa::path(
    post, path = "/users/{user_id}/token", tag = "users",
    params(("user_id" = i64, Path, description = "The user's id, as `GET /api/v1/users` lists it")),
    responses(
        (status = 200, description = "The new token, shown only here; the old one is refused from now on and the user's sessions have ended", body = IssuedToken),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
)]
pub async fn issue_token(call: Caller, user_id: web::Path<i64>) -> Answer {
    let user_id = user_id.into_inner();
    call.ok(move |ctx, actor| users::new_token(ctx, actor, user_id))
        .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `specimen`, `patient`, `location`, `user`
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// At most this many entries, newest first (default 100, at most 1000).
    pub limit: Option<i64>,
}

#[utoipa::path(
    get, path = "/audit", tag = "users",
    params(AuditQuery),
    responses((status = 200, body = [AuditEntry]), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
)]
pub async fn audit_log(
    ctx: web::Data<Ctx>,
    User(actor): User,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::bad_request(
            crate::domain::messages::InputMsg::LimitRange { min: 1, max: 1000 },
        ));
    }
    let r = web::block(move || {
        actor.require(Action::ManageUsers)?;
        audit::list(&ctx, q.entity.as_deref(), q.entity_id.as_deref(), limit)
    })
    .await??;
    Ok(HttpResponse::Ok().json(r))
}
