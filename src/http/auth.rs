//! Bearer-token authentication as an extractor: a handler that takes a
//! `User` cannot run for a request without a valid token.

use super::error::AppError;
use crate::actions::{users, Actor, Ctx};
use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpRequest};
use std::future::Future;
use std::pin::Pin;

pub struct User(pub Actor);

impl FromRequest for User {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<User, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let ctx = req.app_data::<web::Data<Ctx>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
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
