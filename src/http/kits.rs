//! Kit catalog routes (SPEC §2.1, §4): add, list, read, and recall tracing
//! by lot.

use super::auth::User;
use super::error::{AppError, ErrorBody};
use super::Object;
use crate::actions::kits::{self, KitView, LotFilter};
use crate::actions::views::SpecimenView;
use crate::actions::Ctx;
use crate::domain::kits::KitEntry;
use actix_web::{web, HttpResponse};

#[utoipa::path(
    post, path = "/kits", tag = "kits", operation_id = "create_kit",
    request_body = KitEntry,
    responses(
        (status = 201, description = "Catalogued", body = KitView),
        (status = 200, description = "The same kit is already catalogued", body = KitView),
        (status = 400, description = "A bad GTIN (digits, length, check digit) or description", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, description = "`duplicate_kit`: the GTIN is catalogued with other details (or in kentai.toml)", body = ErrorBody),
    ),
)]
pub async fn create(
    ctx: web::Data<Ctx>,
    User(actor): User,
    body: web::Json<Object<KitEntry>>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner().0;
    let r = web::block(move || kits::create(&ctx, &actor, &body, crate::actions::now())).await??;
    Ok(super::created_or_ok(r.created).json(r.value))
}

#[utoipa::path(
    get, path = "/kits", tag = "kits", operation_id = "list_kits",
    responses(
        (status = 200, description = "The kit catalog by GTIN: kentai.toml's entries and the API's", body = [KitView]),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn list(ctx: web::Data<Ctx>, User(actor): User) -> Result<HttpResponse, AppError> {
    let r = web::block(move || kits::list(&ctx, &actor)).await??;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(
    get, path = "/kits/{gtin}", tag = "kits", operation_id = "get_kit",
    params(("gtin" = String, Path, description = "GTIN-8, -12, -13 or -14")),
    responses(
        (status = 200, body = KitView),
        (status = 400, description = "Not a GTIN", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_kit`", body = ErrorBody),
    ),
)]
pub async fn get(
    ctx: web::Data<Ctx>,
    User(actor): User,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let gtin = path.into_inner();
    let r = web::block(move || kits::get(&ctx, &actor, &gtin)).await??;
    Ok(HttpResponse::Ok().json(r))
}

#[utoipa::path(
    get, path = "/kits/lots/{lot}/specimens", tag = "kits", operation_id = "kit_lot_specimens",
    params(
        ("lot" = String, Path, description = "The kit lot, as AI (10) carries it (percent-encode `/`)"),
        LotFilter,
    ),
    responses(
        (status = 200, description = "Every specimen collected with a kit of this lot, in collection order", body = [SpecimenView]),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub async fn lot_specimens(
    ctx: web::Data<Ctx>,
    User(actor): User,
    path: web::Path<String>,
    q: web::Query<LotFilter>,
) -> Result<HttpResponse, AppError> {
    let lot = path.into_inner();
    let filter = q.into_inner();
    let r = web::block(move || kits::lot_specimens(&ctx, &actor, &lot, &filter)).await??;
    Ok(HttpResponse::Ok().json(r))
}
