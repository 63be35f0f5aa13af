//! The start page, the error pages and the lab's storage alerts (the
//! health centre's pages are `web::reports`).
//!
//! Each page checks its section against the signed-in role before reading
//! anything, so a page never shows data to a role that may not see it
//! (the API's own role checks run again underneath).

use super::layout::{column_heads, json_island, page, time_tag, Frame, Section};
use super::text::{self, Lang, PageWords};
use super::{encode_path_segment, facility, html, read_form, run_action, see_other, SignedIn};
use crate::actions::sessions::Session;
use crate::actions::{storage, Ctx};
use crate::http::auth::csrf_matches;
use crate::http::AppError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html as markup, Markup};
use serde::de::DeserializeOwned;

/// The frame of a page inside the site.
pub fn frame<'a>(
    lang: Lang,
    path: &'a str,
    facility: &'a str,
    session: Option<&'a Session>,
    current: Option<Section>,
) -> Frame<'a> {
    Frame {
        lang,
        path,
        facility,
        session,
        current,
        large: false,
        scripts: &[],
    }
}

/// Where a page stands in the site: all its frame needs but the
/// facility's name, which [`answer`] reads from the configuration.
pub struct Place<'a> {
    pub lang: Lang,
    /// The page's own path, for the language switch.
    pub path: &'a str,
    pub session: Option<&'a Session>,
    /// The section the navigation marks as current.
    pub section: Option<Section>,
    /// Page scripts (asset names), loaded deferred.
    pub scripts: &'a [&'a str],
}

impl<'a> Place<'a> {
    /// A page of `section` for the signed-in person, without scripts.
    pub fn of(lang: Lang, path: &'a str, session: &'a Session, section: Section) -> Place<'a> {
        Place {
            lang,
            path,
            session: Some(session),
            section: Some(section),
            scripts: &[],
        }
    }
}

/// A page inside the site as the answer to its request: `body` under
/// `title` in the site's frame, with `status`.
pub fn answer(
    req: &HttpRequest,
    status: StatusCode,
    place: &Place<'_>,
    title: &str,
    body: Markup,
) -> HttpResponse {
    let facility = facility(req);
    let f = Frame {
        scripts: place.scripts,
        ..frame(
            place.lang,
            place.path,
            &facility,
            place.session,
            place.section,
        )
    };
    html(req, status, page(&f, title, body))
}

/// An error page: its title, a sentence and the way home, in no section.
fn error_page(
    req: &HttpRequest,
    lang: Lang,
    session: Option<&Session>,
    path: &str,
    status: StatusCode,
    (title, sentence): (&str, &str),
) -> HttpResponse {
    let t = lang.text();
    let body = markup! {
        h1 { (title) }
        p { (sentence) }
        p { a href="/" { (t.back_home) } }
    };
    let place = Place {
        lang,
        path,
        session,
        section: None,
        scripts: &[],
    };
    answer(req, status, &place, title, body)
}

/// 403 as a page: the role may not use this part of the site.
pub fn forbidden(req: &HttpRequest, lang: Lang, session: Option<&Session>) -> HttpResponse {
    forbidden_at(req, lang, session, req.path())
}

/// [`forbidden`], its language switch pointing at `path` rather than at
/// the path asked for (a section that would not echo that path back).
pub fn forbidden_at(
    req: &HttpRequest,
    lang: Lang,
    session: Option<&Session>,
    path: &str,
) -> HttpResponse {
    let t = lang.text();
    error_page(
        req,
        lang,
        session,
        path,
        StatusCode::FORBIDDEN,
        (t.forbidden_title, t.forbidden_body),
    )
}

/// 404 as a page (an unknown station).
pub fn not_found(req: &HttpRequest, lang: Lang, session: Option<&Session>) -> HttpResponse {
    let t = lang.text();
    error_page(
        req,
        lang,
        session,
        req.path(),
        StatusCode::NOT_FOUND,
        (t.not_found_title, t.not_found_body),
    )
}

/// Draws a 403 page: [`forbidden`], or a section's own variant of it.
pub type Refusal = fn(&HttpRequest, Lang, Option<&Session>) -> HttpResponse;

/// `GET /`: the signed-in role's own desk.
pub async fn home(user: SignedIn) -> HttpResponse {
    see_other(Section::home(user.session.actor.role).path())
}

/// The page a section answers, or `None` when the role may not open it.
pub fn open(req: &HttpRequest, user: &SignedIn, section: Section) -> Option<HttpResponse> {
    open_with(req, user, section, forbidden)
}

/// [`open`], the 403 page drawn by `refusal`.
pub fn open_with(
    req: &HttpRequest,
    user: &SignedIn,
    section: Section,
    refusal: Refusal,
) -> Option<HttpResponse> {
    (!section.open_to(user.session.actor.role))
        .then(|| refusal(req, super::lang(req), Some(&user.session)))
}

/// The checks every form a page posts starts with, before anything is
/// read or written: the role may use `section`, and the form carries this
/// session's CSRF token (`csrf` finds it among the form's fields). `Err`
/// holds the 403 page, drawn by `refusal`, to answer instead.
pub fn checked_form<T: DeserializeOwned + Default>(
    req: &HttpRequest,
    user: &SignedIn,
    body: &[u8],
    section: Section,
    refusal: Refusal,
    csrf: impl Fn(&T) -> &str,
) -> Result<T, Box<HttpResponse>> {
    if let Some(refused) = open_with(req, user, section, refusal) {
        return Err(Box::new(refused));
    }
    let form: T = read_form(body);
    if !csrf_matches(Some(csrf(&form)), &user.session.csrf) {
        return Err(Box::new(refusal(
            req,
            super::lang(req),
            Some(&user.session),
        )));
    }
    Ok(form)
}

/// `GET /alerts`: specimens whose freeze-or-ship deadline is near or past,
/// soonest first, with the time left.
pub async fn alerts(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Alerts) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let t = lang.text();
    let now = crate::actions::now();
    let list = run_action(&ctx, &user.session.actor, move |ctx, actor, _| {
        storage::alerts(ctx, actor, now)
    })
    .await??;
    let words = serde_json::json!({
        "time_left": text::time_left_pattern(lang),
        "overdue": t.overdue,
    });
    let body = markup! {
        h1 { (t.alerts_title) }
        p { (t.alerts_intro) }
        p class="live" id="alerts-live" { (text::reports::reports(lang).alerts_updated) }
        (json_island("alerts-words", &words))
        div id="alert-list" {
            @if list.is_empty() {
                p { (t.no_alerts) }
            } @else {
                table class="data" {
                    (column_heads(&[t.col_specimen, t.col_type, t.col_alert, t.col_due, t.col_left, t.col_location]))
                    tbody {
                        @for a in &list {
                            @let left = a.due_at.with_timezone(&chrono::Utc) - now;
                            tr class=[(left.num_seconds() <= 0).then_some("overdue")] {
                                td { a href={ "/specimens/" (encode_path_segment(&a.specimen_id)) } { code { (a.specimen_id) } } }
                                td { (text::specimen_type_label(lang, a.specimen_type)) }
                                td { (a.code.title(lang)) }
                                td { (time_tag(&a.due_at)) }
                                td class="time-left" data-due=(a.due_at.to_rfc3339()) { (text::time_left(lang, left)) }
                                td { (a.location.as_deref().unwrap_or("—")) }
                            }
                        }
                    }
                }
            }
        }
    };
    let place = Place {
        scripts: &["alerts.js"],
        ..Place::of(lang, "/alerts", &user.session, Section::Alerts)
    };
    Ok(answer(&req, StatusCode::OK, &place, t.alerts_title, body))
}
