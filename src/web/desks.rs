//! The start page, the error pages, the lab's storage alerts and the
//! health centre's day report.
//!
//! Each page checks its section against the signed-in role before reading
//! anything, so a page never shows data to a role that may not see it
//! (the API's own role checks run again underneath).

use super::layout::{column_heads, json_island, page, time_tag, Frame, Section};
use super::text::{self, Lang};
use super::{
    encode_path_segment, encode_query_value, facility, html, read_form, run_action, see_other,
    SignedIn,
};
use crate::actions::reports::{self, ReportScope};
use crate::actions::sessions::Session;
use crate::actions::{storage, Ctx};
use crate::http::auth::csrf_matches;
use crate::http::AppError;
use crate::report::ReportRow;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
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
                                td { (text::reason_label(lang, a.code).map_or(a.message.clone(), str::to_string)) }
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

#[derive(Debug, serde::Deserialize)]
pub struct DayQuery {
    date: Option<NaiveDate>,
    facility: Option<String>,
}

/// The most rows the page itself lists; the downloads hold every row.
const ROWS_SHOWN: usize = 2000;

/// A day's rows as the page lists them: the first [`ROWS_SHOWN`] and the
/// count of all.
struct DayRows {
    rows: Vec<ReportRow>,
    total: usize,
}

/// `GET /reports`: pick a day (and a facility), see that day's rows as the
/// report has them, download the report in each format. The links are the
/// API's own routes, which the session cookie opens.
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
    let rt = text::reports::reports(lang);
    // A malformed date shows today rather than an error page.
    let query = web::Query::<DayQuery>::from_query(req.query_string())
        .ok()
        .map(web::Query::into_inner);
    let date = query
        .as_ref()
        .and_then(|q| q.date)
        .unwrap_or_else(|| crate::actions::now().with_timezone(&ctx.tz).date_naive());
    let facility_code = query
        .and_then(|q| q.facility)
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty());
    let scope = ReportScope {
        date,
        facility: facility_code.clone(),
    };
    let day = run_action(&ctx, &user.session.actor, move |c, actor, _| {
        let mut rows = Vec::new();
        let total = reports::day_rows(c, actor, &scope, |row| {
            if rows.len() < ROWS_SHOWN {
                rows.push(row);
            }
            Ok(())
        })?;
        Ok(DayRows { rows, total })
    })
    .await??;
    let mut params = format!("date={}", encode_query_value(&date.to_string()));
    if let Some(f) = &facility_code {
        params.push_str(&format!("&facility={}", encode_query_value(f)));
    }
    let hersys = format!("/api/v1/reports/hersys?{params}");
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
            label for="facility" { (rt.facility_label) }
            input id="facility" name="facility" type="text" size="12" maxlength="64"
                value=(facility_code.as_deref().unwrap_or("")) aria-describedby="facility-hint";
            span id="facility-hint" class="hint" { (rt.facility_hint) }
            button type="submit" { (t.show_button) }
        }
        h2 { (t.downloads_title) " — " (date) }
        ul class="downloads" {
            @for (label, href, ext) in &downloads {
                li { a href=(href) download={ "kentai-hersys-" (date) "." (ext) } { (label) } }
            }
            li { a href={ "/api/v1/reports/summary?" (params) "&format=html" } { (t.download_summary) } }
        }
        h2 id="rows-title" { (rt.rows_title) " — " (date) }
        (day_table(lang, &day))
    };
    let place = Place::of(lang, "/reports", &user.session, Section::Reports);
    Ok(answer(&req, StatusCode::OK, &place, t.reports_title, body))
}

/// The day's rows in the report's own order and words.
fn day_table(lang: Lang, day: &DayRows) -> Markup {
    let rt = text::reports::reports(lang);
    markup! {
        p id="rows-count" { (rt.rows_count.replace("{n}", &day.total.to_string())) }
        @if day.total > day.rows.len() {
            p class="hint" { (rt.rows_truncated.replace("{n}", &day.rows.len().to_string())) }
        }
        @if day.rows.is_empty() {
            p { (rt.no_rows) }
        } @else {
            div class="table-scroll" role="region" aria-labelledby="rows-title" tabindex="0" {
                table class="data report-rows" {
                    (column_heads(&[
                        rt.col_specimen, rt.col_name, rt.col_sex, rt.col_birth, rt.col_collected,
                        rt.col_days, rt.col_type, rt.col_method, rt.col_result, rt.col_notes,
                    ]))
                    tbody {
                        @for r in &day.rows {
                            tr {
                                th scope="row" { code { (r.specimen_id) } }
                                td {
                                    (r.name)
                                    @if let Some(k) = &r.name_kana { br; span class="hint" { (k) } }
                                }
                                td { (text::reports::sex_label(lang, &r.sex)) }
                                td { (r.birth_date.map(|d| d.to_string()).unwrap_or_default()) }
                                td { (time_tag(&r.collected_at)) }
                                td { (r.days_since_onset.map(|d| d.to_string()).unwrap_or_default()) }
                                td { (specimen_type_code_label(lang, &r.specimen_type)) }
                                td { (text::test_method_label(lang, &r.test_method)) }
                                td {
                                    @match &r.result {
                                        Some(code) => {
                                            strong { (text::reports::result_label(lang, code)) }
                                            @if let Some(at) = &r.resulted_at {
                                                br;
                                                (time_tag(at))
                                            }
                                        }
                                        None => span class="hint" { (rt.pending) },
                                    }
                                }
                                td { (row_notes(lang, r)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn specimen_type_code_label(lang: Lang, code: &str) -> String {
    crate::domain::SpecimenType::from_code(code)
        .map(|t| text::specimen_type_label(lang, t))
        .unwrap_or_else(|| code.to_string())
}

/// 注記 as the report writes it (Japanese), or the flags' own messages.
fn row_notes(lang: Lang, row: &ReportRow) -> String {
    match lang {
        Lang::Ja => crate::report::csv::flags_text(row),
        Lang::En => {
            let mut items: Vec<String> = row
                .flags
                .iter()
                .map(|f| match f.override_reason.as_deref() {
                    Some(reason) => format!("{} (overridden: {reason})", f.message.render(lang)),
                    None => f.message.render(lang),
                })
                .collect();
            if row.corrected {
                let v = row.result_version.unwrap_or(2).to_string();
                items.push(text::reports::reports(lang).corrected.replace("{v}", &v));
            }
            items.join("; ")
        }
    }
}
