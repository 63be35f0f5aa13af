//! `/unlock`: a locked session's pages lead here, for a page opened or
//! reloaded while its screen was locked (a page left open locks in
//! place, `assets/lock.js`). The same re-entry as the lock dialog, as
//! plain forms: the person's password, or a staff badge and PIN.

use super::desks::{answer, Place};
use super::layout::lock_form;
use super::{current_session, safe_next, see_other};
use crate::actions::sessions::{self, ReEntry, Unlocked};
use crate::actions::Ctx;
use crate::http::auth::{csrf_matches, Limit};
use crate::http::AppError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html as markup;
use serde::Deserialize;

pub const PATH: &str = "/unlock";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnlockForm {
    how: String,
    password: String,
    badge: String,
    pin: String,
    csrf: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

fn unlock_page(
    req: &HttpRequest,
    status: StatusCode,
    name: &str,
    csrf: &str,
    next: &str,
    error: Option<String>,
) -> HttpResponse {
    let lang = super::lang(req);
    let w = super::text::badges::badges(lang);
    let hidden = markup! {
        input type="hidden" name="csrf" value=(csrf);
        input type="hidden" name="next" value=(next);
    };
    let body = markup! {
        section class="narrow lock-page" {
            @if let Some(error) = &error {
                p class="error" role="alert" { (error) }
            }
            (lock_form(lang, name, Some(PATH), &hidden))
        }
    };
    let place = Place {
        lang,
        path: PATH,
        session: None,
        section: None,
        scripts: &[],
    };
    answer(req, status, &place, w.lock_title, body)
}

/// `GET /unlock?next=`.
pub async fn form(
    req: HttpRequest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(Some(&query.next));
    match current_session(&req).await? {
        None => Ok(see_other(&format!(
            "/signin?next={}",
            super::encode_query_value(PATH)
        ))),
        Some(s) if !s.locked => Ok(see_other(&next)),
        Some(s) => Ok(unlock_page(
            &req,
            StatusCode::OK,
            &s.actor.name,
            &s.csrf,
            &next,
            None,
        )),
    }
}

/// `POST /unlock`: open again and go on to `next`, or the page again with
/// what was wrong.
pub async fn submit(
    req: HttpRequest,
    ctx: web::Data<Ctx>,
    form: web::Form<UnlockForm>,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(&req);
    let form = form.into_inner();
    let next = safe_next(Some(&form.next));
    let Some(session) = current_session(&req).await? else {
        return Ok(see_other("/signin?next=%2F"));
    };
    let Some(id) = crate::http::auth::cookie(&req, crate::http::auth::SESSION_COOKIE) else {
        return Ok(see_other("/signin?next=%2F"));
    };
    if !csrf_matches(Some(&form.csrf), &session.csrf) {
        return Ok(super::desks::forbidden(&req, lang, None));
    }
    let with = match form.how.as_str() {
        "badge" => ReEntry::Badge {
            code: form.badge.trim().chars().take(64).collect(),
            pin: form.pin.chars().take(8).collect(),
        },
        _ => ReEntry::Password(form.password.chars().take(1024).collect()),
    };
    let limit = Limit::of(&req);
    let key_of = |name: &str| crate::tokens::hash_token(&format!("password:{name}"));
    let wrong = |status| {
        let message =
            crate::domain::messages::Msg::from(crate::domain::messages::RecordMsg::ReEntryWrong)
                .render(lang);
        unlock_page(
            &req,
            status,
            &session.actor.name,
            &session.csrf,
            &next,
            Some(message),
        )
    };
    if matches!(with, ReEntry::Password(_))
        && limit.before_lookup(&key_of(&session.actor.name)).is_err()
    {
        return Ok(wrong(StatusCode::TOO_MANY_REQUESTS));
    }
    let now = crate::actions::now();
    let answer = web::block(move || sessions::unlock(&ctx, &id, &with, now)).await??;
    match answer {
        None => Ok(see_other("/signin")),
        Some(Unlocked::Open(_)) => Ok(see_other(&next)),
        Some(Unlocked::Wrong { limit_key }) => {
            let status = match limit_key.map(|n| limit.failed(&key_of(&n))) {
                Some(Err(_)) => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            Ok(wrong(status))
        }
    }
}
