//! The start page, the error pages, and the other desks' first pages: the
//! lab's storage alerts, the health centre's day report downloads, and the
//! packing and admin pages whose full forms are later slices of issue 6.
//!
//! Each page checks its section against the signed-in role before reading
//! anything, so a page never shows data to a role that may not see it
//! (the API's own role checks run again underneath).

use super::layout::{page, Frame, Section};
use super::text::{self, Lang};
use super::{encode_query_value, facility, html, see_other, SignedIn};
use crate::actions::sessions::Session;
use crate::actions::{storage, users, Ctx};
use crate::http::AppError;
use crate::scanning::ScanService;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use maud::html as markup;
use std::sync::Arc;

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

/// 403 as a page: the role may not use this part of the site.
pub fn forbidden(req: &HttpRequest, lang: Lang, session: Option<&Session>) -> HttpResponse {
    let t = lang.text();
    let facility = facility(req);
    let f = frame(lang, req.path(), &facility, session, None);
    let body = markup! {
        h1 { (t.forbidden_title) }
        p { (t.forbidden_body) }
        p { a href="/" { (t.back_home) } }
    };
    html(
        req,
        StatusCode::FORBIDDEN,
        page(&f, t.forbidden_title, body),
    )
}

/// 404 as a page (an unknown station).
pub fn not_found(req: &HttpRequest, lang: Lang, session: Option<&Session>) -> HttpResponse {
    let t = lang.text();
    let facility = facility(req);
    let f = frame(lang, req.path(), &facility, session, None);
    let body = markup! {
        h1 { (t.not_found_title) }
        p { (t.not_found_body) }
        p { a href="/" { (t.back_home) } }
    };
    html(
        req,
        StatusCode::NOT_FOUND,
        page(&f, t.not_found_title, body),
    )
}

/// `GET /`: the signed-in role's own desk.
pub async fn home(user: SignedIn) -> HttpResponse {
    see_other(Section::home(user.session.actor.role).path())
}

/// The page a section answers, or `None` when the role may not open it.
fn open(req: &HttpRequest, user: &SignedIn, section: Section) -> Option<HttpResponse> {
    (!section.open_to(user.session.actor.role))
        .then(|| forbidden(req, super::lang(req), Some(&user.session)))
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
    let actor = user.session.actor.clone();
    let now = crate::actions::now();
    let ctx = ctx.get_ref().clone();
    let list = web::block(move || storage::alerts(&ctx, &actor, now)).await??;
    let body = markup! {
        h1 { (t.alerts_title) }
        p { (t.alerts_intro) }
        @if list.is_empty() {
            p { (t.no_alerts) }
        } @else {
            table class="data" {
                thead {
                    tr {
                        th scope="col" { (t.col_specimen) }
                        th scope="col" { (t.col_type) }
                        th scope="col" { (t.col_alert) }
                        th scope="col" { (t.col_due) }
                        th scope="col" { (t.col_left) }
                        th scope="col" { (t.col_location) }
                    }
                }
                tbody {
                    @for a in &list {
                        @let left = a.due_at.with_timezone(&chrono::Utc) - now;
                        tr class=[(left.num_seconds() <= 0).then_some("overdue")] {
                            td { code { (a.specimen_id) } }
                            td { (text::specimen_type_label(lang, a.specimen_type)) }
                            td { (text::reason_label(lang, a.code).map_or(a.message.clone(), str::to_string)) }
                            td { time datetime=(a.due_at.to_rfc3339()) { (a.due_at.format("%Y-%m-%d %H:%M")) } }
                            td { (text::time_left(lang, left)) }
                            td { (a.location.as_deref().unwrap_or("—")) }
                        }
                    }
                }
            }
        }
    };
    let facility = facility(&req);
    let f = frame(
        lang,
        "/alerts",
        &facility,
        Some(&user.session),
        Some(Section::Alerts),
    );
    Ok(html(&req, StatusCode::OK, page(&f, t.alerts_title, body)))
}

#[derive(Debug, serde::Deserialize)]
pub struct DateQuery {
    date: Option<NaiveDate>,
}

/// `GET /reports`: pick a day, download its report in each format. The
/// links are the API's own routes, which the session cookie opens.
pub async fn reports(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Reports) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let t = lang.text();
    // A malformed date shows today rather than an error page.
    let date = web::Query::<DateQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().date)
        .unwrap_or_else(|| crate::actions::now().with_timezone(&ctx.tz).date_naive());
    let d = encode_query_value(&date.to_string());
    let hersys = format!("/api/v1/reports/hersys?date={d}");
    let downloads = [
        (
            t.download_csv_utf8,
            format!("{hersys}&format=csv&encoding=utf8"),
            "csv",
        ),
        (
            t.download_csv_sjis,
            format!("{hersys}&format=csv&encoding=sjis"),
            "sjis.csv",
        ),
        (t.download_json, format!("{hersys}&format=json"), "json"),
        (
            t.download_fhir,
            format!("{hersys}&format=fhir"),
            "fhir.json",
        ),
    ];
    let body = markup! {
        h1 { (t.reports_title) }
        p { (t.reports_intro) }
        form method="get" action="/reports" class="inline-form" {
            label for="date" { (t.date_label) }
            input id="date" name="date" type="date" value=(date) required;
            button type="submit" { (t.show_button) }
        }
        h2 { (t.downloads_title) " — " (date) }
        ul class="downloads" {
            @for (label, href, ext) in &downloads {
                li { a href=(href) download={ "kentai-hersys-" (date) "." (ext) } { (label) } }
            }
            li { a href={ "/api/v1/reports/summary?date=" (d) "&format=html" } { (t.download_summary) } }
        }
    };
    let facility = facility(&req);
    let f = frame(
        lang,
        "/reports",
        &facility,
        Some(&user.session),
        Some(Section::Reports),
    );
    Ok(html(&req, StatusCode::OK, page(&f, t.reports_title, body)))
}

/// `GET /packing`: the command-barcode sheet until the packing page comes.
pub async fn packing(req: HttpRequest, user: SignedIn) -> HttpResponse {
    if let Some(refused) = open(&req, &user, Section::Packing) {
        return refused;
    }
    let lang = super::lang(&req);
    let t = lang.text();
    let body = markup! {
        h1 { (t.packing_title) }
        p { (t.packing_later) }
        p { a href="/api/v1/labels/commands?format=svg" { (t.command_sheet_link) } }
    };
    let facility = facility(&req);
    let f = frame(
        lang,
        "/packing",
        &facility,
        Some(&user.session),
        Some(Section::Packing),
    );
    html(&req, StatusCode::OK, page(&f, t.packing_title, body))
}

/// `GET /admin`: the users and the scanners' live state, read-only for now.
pub async fn admin(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    service: web::Data<Arc<ScanService>>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Admin) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let t = lang.text();
    let actor = user.session.actor.clone();
    let ctx = ctx.get_ref().clone();
    let people = web::block(move || users::list_users(&ctx, &actor)).await??;
    let devices = service.device_statuses();
    let body = markup! {
        h1 { (t.admin_title) }
        p { (t.admin_later) }
        h2 { (t.users_title) }
        table class="data" {
            thead { tr { th scope="col" { (t.col_name) } th scope="col" { (t.col_role) } th scope="col" { (t.col_status) } } }
            tbody {
                @for u in &people {
                    tr {
                        td { (u.name) }
                        td { (text::role_label(lang, u.role)) }
                        td { (if u.disabled { t.user_disabled } else { t.user_active }) }
                    }
                }
            }
        }
        h2 { (t.devices_title) }
        @if devices.is_empty() {
            p { (t.no_devices) }
        } @else {
            table class="data" {
                thead { tr { th scope="col" { (t.col_device) } th scope="col" { (t.col_station) } th scope="col" { (t.col_state) } } }
                tbody {
                    @for d in &devices {
                        tr {
                            td { (d.name) }
                            td { a href={ "/stations/" (d.station) } { (d.station) } }
                            td {
                                (text::device_state_label(lang, d.state.code()).unwrap_or(d.state.code()))
                                @if let Some(e) = &d.last_error { " — " (e) }
                            }
                        }
                    }
                }
            }
        }
    };
    let facility = facility(&req);
    let f = frame(
        lang,
        "/admin",
        &facility,
        Some(&user.session),
        Some(Section::Admin),
    );
    Ok(html(&req, StatusCode::OK, page(&f, t.admin_title, body)))
}
