//! Location routes: create, list, read.

use super::auth::Caller;
use super::error::ErrorBody;
use super::Answer;
use super::Object;
use crate::actions::locations::{self, NewLocation};
use crate::actions::views::LocationView;
use actix_web::web;

#[utoipa::path(
    post, path = "/locations", tag = "storage",
    request_body = NewLocation,
    responses(
        (status = 201, description = "Created", body = LocationView),
        (status = 200, description = "The same location already exists", body = LocationView),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "`duplicate_location`", body = ErrorBody),
    ),
)]
pub async fn create(call: Caller, body: web::Json<Object<NewLocation>>) -> Answer {
    call.run(move |ctx, actor| locations::create(ctx, actor, &body, crate::actions::now()))
        .await
        .map(|r| super::created_or_ok(r.created).json(r.value))
}

#[utoipa::path(
    get, path = "/locations", tag = "storage",
    responses((status = 200, body = [LocationView]), (status = 403, body = ErrorBody)),
)]
pub async fn list(call: Caller) -> Answer {
    call.ok(locations::list).await
}

#[utoipa::path(
    get, path = "/locations/{code}", tag = "storage", operation_id = "get_location",
    params(("code" = String, Path, description = "The location's barcode")),
    responses(
        (status = 200, body = LocationView), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_location`", body = ErrorBody),
    ),
)]
pub async fn get(call: Caller, path: web::Path<String>) -> Answer {
    call.ok(move |ctx, actor| locations::get(ctx, actor, &path))
        .await
}
