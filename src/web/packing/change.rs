//! The way every package form runs its action: the role check, the form's
//! fields, and either the redirect back or the package page with the
//! refusal.

use super::forbidden;
use super::forms::Shown;
use super::links::{back_to, tick_anchor};
use super::page::package_page;
use super::refusals::{Attempt, Failure};
use crate::actions::packages::PackageChanged;
use crate::actions::{ActionError, Actor, Ctx};
use crate::domain::packaging::ChecklistItem;
use crate::http::AppError;
use crate::web::desks::checked_form;
use crate::web::layout::Section;
use crate::web::{run_action, SignedIn};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;

/// After a refusal: the package page again, under the refusal's status.
pub(super) async fn refused(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    id: &str,
    attempt: Attempt,
) -> Result<HttpResponse, AppError> {
    let status = attempt
        .failure
        .as_ref()
        .map_or(StatusCode::BAD_REQUEST, |f| f.status);
    package_page(req, user, ctx, id, status, attempt, &Shown::default()).await
}

/// The role check and the CSRF check every packing form starts with:
/// `Err` holds the 403 page to answer instead.
pub(super) fn checked<T: DeserializeOwned + Default>(
    req: &HttpRequest,
    user: &SignedIn,
    body: &[u8],
    csrf: impl Fn(&T) -> &str,
) -> Result<T, Box<HttpResponse>> {
    checked_form(req, user, body, Section::Packing, forbidden, csrf)
}

/// How every form of a package ends: `action` changes package `id`, then
/// the answer is the 303 back to the package saying `done`
/// (Post/Redirect/Get) — for a tick, back to the item's button (`at`:
/// the item and its tube) — or, when the action refuses, the package
/// page again with the attempt `on_refusal` makes of the refusal.
pub(super) async fn change_package<F>(
    (req, user, ctx): (&HttpRequest, &SignedIn, &web::Data<Ctx>),
    (id, done, at): (&str, &str, Option<(ChecklistItem, Option<String>)>),
    action: F,
    on_refusal: impl FnOnce(Failure) -> Attempt,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&Ctx, &Actor, &str, DateTime<Utc>) -> Result<PackageChanged, ActionError>
        + Send
        + 'static,
{
    let pkg = id.to_string();
    match run_action(ctx, &user.session.actor, move |ctx, actor, now| {
        action(ctx, actor, &pkg, now)
    })
    .await?
    {
        Ok(changed) => {
            let anchor =
                at.and_then(|(item, tube)| tick_anchor(&changed.package, item, tube.as_deref()));
            Ok(back_to(id, done, &changed, anchor.as_deref()))
        }
        Err(e) => {
            let attempt = on_refusal(Failure::from_action(e)?);
            refused(req, user, ctx, id, attempt).await
        }
    }
}
