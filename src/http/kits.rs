//! Kit catalog routes (SPEC §2.1, §4): add, list, read, and recall tracing
//! by lot.

use super::auth::Caller;
use super::error::ErrorBody;
use super::Answer;
use super::Object;
use crate::actions::kits::{self, KitView, LotFilter};
use crate::actions::views::SpecimenView;
use crate::domain::kits::KitEntry;
use actix_web::web;

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
pub async fn create(call: Caller, body: web::Json<Object<KitEntry>>) -> Answer {
    call.run(move |ctx, actor| kits::create(ctx, actor, &body, crate::actions::now()))
        .await
        .map(|r| super::created_or_ok(r.created).json(r.value))
}

#[utoipa::path(
    get, path = "/kits", tag = "kits", operation_id = "list_kits",
    responses(
        (status = 200, description = "The kit catalog by GTIN: kentai.toml's entries and the API's", body = [KitView]),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn list(call: Caller) -> Answer {
    call.ok(kits::list).await
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
pub async fn get(call: Caller, path: web::Path<String>) -> Answer {
    call.ok(move |ctx, actor| kits::get(ctx, actor, &path))
        .await
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
    call: Caller,
    path: web::Path<String>,
    q: web::Query<LotFilter>,
) -> Answer {
    call.ok(move |ctx, actor| kits::lot_specimens(ctx, actor, &path, &q))
        .await
}
