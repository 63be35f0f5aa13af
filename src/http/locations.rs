//! Location routes: create, list, read.

use super::auth::User;
use super::error::{AppError, ErrorBody};
use super::Object;
use crate::actions::locations::{self, NewLocation};
use crate::actions::views::LocationView;
use crate::actions::Ctx;
use actix_web::{web, HttpResponse};

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
pub async fn create(
    ctx: web::Data<Ctx>,
    User(actor): User,
    body: web::Json<Object<NewLocation>>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner().0;
    let r =
        web::block(move || locations::create(&ctx, &actor, &body, crate::actions::now())).await??;
    Ok(super::created_or_ok(r.created).json(r.value))
}

#[utoipa::path(
    get, path = "/locations", tag = "storage",
    responses((status = 200, body = [LocationView]), (status = 403, body = ErrorBody)),
)]
pub async fn list(ctx: web::Data<Ctx>, User(actor): User) -> Result<HttpResponse, AppError> {
    let r = web::block(move || locations::list(&ctx, &actor)).await??;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(
    get, path = "/locations/{code}", tag = "storage", operation_id = "get_location",
    params(("code" = String, Path, description = "The location's barcode")),
    responses(
        (status = 200, body = LocationView), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_location`", body = ErrorBody),
    ),
)]
pub async fn get(
    ctx: web::Data<Ctx>,
    User(actor): User,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = path.into_inner();
    let r = web::block(move || locations::get(&ctx, &actor, &code)).await??;
    Ok(HttpResponse::Ok().json(r))
}
