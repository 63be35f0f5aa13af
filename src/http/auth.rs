//! Bearer-token authentication as an extractor: a handler that takes a
//! `User` cannot run for a request without a valid token.

use super::error::AppError;
use crate::actions::{users, Actor, Ctx};
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{http::header, web, FromRequest, HttpMessage, HttpRequest};
use std::future::Future;
use std::pin::Pin;

pub struct User(pub Actor);

/// The actor `require_token` authenticated, kept in the request's extensions.
#[derive(Clone)]
struct Authenticated(Actor);

/// Middleware for a scope: authenticates before the handler's extractors
/// run, so a request without a valid token gets 401 before its body is
/// read or validated (extractors of one handler run concurrently, and a
/// bad body would otherwise win the race against the token lookup).
pub async fn require_token(
    User(actor): User,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    req.extensions_mut().insert(Authenticated(actor));
    next.call(req).await
}

impl FromRequest for User {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<User, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(Authenticated(actor)) = req.extensions().get::<Authenticated>().cloned() {
            return Box::pin(async move { Ok(User(actor)) });
        }
        let ctx = req.app_data::<web::Data<Ctx>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .map(str::to_string);
        Box::pin(async move {
            let Some(token) = token.filter(|t| !t.is_empty()) else {
                return Err(AppError::unauthorized(
                    "missing bearer token (Authorization: Bearer TOKEN)",
                ));
            };
            let ctx = ctx.ok_or_else(|| AppError::unauthorized("server not ready"))?;
            match web::block(move || users::authenticate(&ctx, &token)).await?? {
                Some(actor) => Ok(User(actor)),
                None => Err(AppError::unauthorized("invalid or revoked token")),
            }
        })
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
    use super::bearer_token;

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
