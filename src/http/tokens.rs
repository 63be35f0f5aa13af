//! A person's own API tokens for their programs: listed, made (the token
//! shown once) and revoked, each user only their own.

use super::auth::Caller;
use super::error::ErrorBody;
use super::{Answer, Object};
use crate::actions::api_tokens::{self, ApiTokenView, CreatedApiToken, NewTokenRequest};
use actix_web::{web, HttpResponse};

#[utoipa::path(
    get, path = "/me/tokens", tag = "users",
    responses((status = 200, description = "Your API tokens that are not revoked (expired ones marked), oldest first; never a token itself", body = [ApiTokenView])),
)]
pub async fn list_tokens(call: Caller) -> Answer {
    call.ok(api_tokens::list_own).await
}

#[utoipa::path(
    post, path = "/me/tokens", tag = "users",
    request_body = NewTokenRequest,
    responses(
        (status = 201, description = "Made; the token is shown only here", body = CreatedApiToken),
        (status = 400, description = "A name that is empty, too long or padded, or an expiry not in the future; nothing is made", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "`duplicate_token_name`: one of your live tokens has this name", body = ErrorBody),
    ),
)]
pub async fn create_token(call: Caller, body: web::Json<Object<NewTokenRequest>>) -> Answer {
    call.run(move |ctx, actor| api_tokens::create(ctx, actor, &body))
        .await
        .map(|r| HttpResponse::Created().json(r))
}

#[utoipa::path(
    delete, path = "/me/tokens/{token_id}", tag = "users",
    params(("token_id" = i64, Path, description = "The token's id, as `GET /api/v1/me/tokens` lists it")),
    responses(
        (status = 204, description = "Revoked: the token admits no one from now on, and event streams opened with it have ended"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "None of your live tokens has this id", body = ErrorBody),
    ),
)]
pub async fn revoke_token(call: Caller, token_id: web::Path<i64>) -> Answer {
    let token_id = token_id.into_inner();
    call.run(move |ctx, actor| api_tokens::revoke_own(ctx, actor, token_id))
        .await
        .map(|()| HttpResponse::NoContent().finish())
}
