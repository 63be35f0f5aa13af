//! The specimen pages: finding a tube by its id, the specimens still in
//! care (the lab's list: a two-day-old tube in the fridge is on it) or
//! those collected on a day, one specimen's whole history, and its tube
//! label to print.
//!
//! Reception and the lab come here when someone asks "where is this tube,
//! and is it still good?". The pages answer from the same views the API
//! sends (`actions::specimens`), so the chain of custody, the storage
//! timeline, the freeze–thaw count and the 48-hour deadline a person reads
//! here are the ones a script reads from `GET /api/v1/specimens/{id}`.

use super::desks::{self, answer, Place};
use super::layout::{column_heads, time_tag, Section};
use super::text::specimens::{self as words, specimens as texts, SpecimensText};
use super::text::{self, Lang, PageWords};
use super::{encode_query_value, run_action, see_other, SignedIn};
use crate::actions::specimens::{self, SpecimenFilter};
use crate::actions::views::{SpecimenView, StorageEventView};
use crate::actions::{ActionError, Ctx};
use crate::domain::codes::Notice;
use crate::domain::registration::Flag;
use crate::domain::roles::{Action, Role};
use crate::http::AppError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use maud::{html as markup, Markup};

/// The most specimens one day's list shows; a clinic collects far fewer,
/// and the API's own ceiling is the same.
const LIST_LIMIT: i64 = 1000;

/// A looked-up id longer than any tube id (80 characters) plus slack for
/// a scanner's stray prefix is not looked up at all.
const MAX_LOOKUP_CHARS: usize = 200;

/// The page's address for specimen `id` (ids are printable text and may
/// hold `/`, `(` or spaces, so the id is always percent-encoded).
fn specimen_path(id: &str) -> String {
    format!("/specimens/{}", encode_query_value(id))
}

fn day(d: NaiveDate) -> Markup {
    markup! { time datetime=(d) { (d) } }
}

/// A temperature as the manual writes it, with a real minus sign.
fn celsius(n: i32) -> String {
    if n < 0 {
        format!("−{} °C", n.unsigned_abs())
    } else {
        format!("{n} °C")
    }
}

/// Where the 48-hour clock stands for a specimen.
enum Deadline {
    /// Frozen: the clock is stopped.
    Frozen,
    /// The package it is in has left: the deadline no longer applies.
    Dispatched,
    /// Freeze or ship by `at`; `left` is negative once it has passed.
    Due {
        at: DateTime<FixedOffset>,
        left: Duration,
    },
}

impl Deadline {
    fn of(v: &SpecimenView, now: DateTime<Utc>) -> Deadline {
        if v.package
            .as_ref()
            .is_some_and(|p| p.dispatched_at.is_some())
        {
            return Deadline::Dispatched;
        }
        match v.freeze_or_ship_by {
            None => Deadline::Frozen,
            Some(at) => Deadline::Due {
                at,
                left: at.with_timezone(&Utc) - now,
            },
        }
    }

    fn overdue(&self) -> bool {
        matches!(self, Deadline::Due { left, .. } if left.num_minutes() <= 0)
    }

    /// The deadline and the time left, in a few words.
    fn markup(&self, lang: Lang, w: &SpecimensText) -> Markup {
        match self {
            Deadline::Frozen => markup! { (w.frozen_no_deadline) },
            Deadline::Dispatched => markup! { (w.shipped_no_deadline) },
            Deadline::Due { at, left } => markup! {
                (time_tag(at))
                " "
                @if self.overdue() {
                    strong class="overdue-word" { "（" (text::time_left(lang, *left)) "）" }
                } @else {
                    span class="left" { "（" (w.time_left) " " (text::time_left(lang, *left)) "）" }
                }
            },
        }
    }
}

/// A specimen's flags, each with its reason in words and any override.
fn flag_list(lang: Lang, w: &SpecimensText, flags: &[Flag]) -> Markup {
    markup! {
        ul class="flags" {
            @for f in flags {
                li {
                    span class="flag" { (f.code.title(lang)) }
                    @if let Some(reason) = &f.override_reason {
                        br;
                        span class="override" { (w.flag_override) ": " (reason) }
                    }
                }
            }
        }
    }
}

fn notice_list(lang: Lang, notices: &[Notice]) -> Markup {
    markup! {
        ul class="warnings" {
            @for n in notices {
                li { (n.code.title(lang)) }
            }
        }
    }
}

fn status_words(lang: Lang, status: &str) -> String {
    crate::domain::SpecimenStatus::from_code(status).map_or_else(
        || status.to_string(),
        |s| words::status_label(lang, s).to_string(),
    )
}

/// The specimen ids a lookup may mean, in the order tried: what was typed,
/// then the tube id the scan pipeline would read from it. A scanner set up
/// to send AIM identifiers (as kentai's stations want) types `]C1…` or
/// `]d2…` into the field; a GS1 tube label (GIAI, or GSRN with SRIN) is
/// stored under its bracketed element string.
fn lookup_ids(typed: &str) -> Vec<String> {
    use crate::barcode::classify::{classify, Known, ScanKind};
    /// Nothing is known: every GS1 asset id counts as a tube here.
    struct Unknown;
    impl Known for Unknown {
        fn is_specimen(&self, _: &str) -> bool {
            false
        }
        fn is_location(&self, _: &str) -> bool {
            false
        }
        fn is_package(&self, _: &str) -> bool {
            false
        }
    }
    let mut ids = vec![typed.to_string()];
    if let Ok(scan) = crate::barcode::parse(typed) {
        let read = match classify(&scan, &Unknown) {
            ScanKind::Specimen(id) => Some(id),
            _ if !scan.gs1 => Some(scan.text),
            _ => None,
        };
        ids.extend(read.filter(|id| !id.is_empty() && id != typed));
    }
    ids
}

/// The lookup form: reception scans a tube into it (the scanner types the
/// id and Enter), so it takes the focus when the page opens.
fn lookup_form(w: &SpecimensText, value: &str, autofocus: bool) -> Markup {
    markup! {
        form method="get" action="/specimens" class="inline-form lookup" role="search" {
            label for="q" { (w.lookup_label) }
            input id="q" name="q" type="text" value=(value) autocomplete="off"
                spellcheck="false" aria-describedby="q-hint" autofocus[autofocus];
            button type="submit" { (w.lookup_button) }
        }
        p id="q-hint" class="hint" { (w.lookup_hint) }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
struct IndexQuery {
    q: Option<String>,
    date: Option<String>,
    /// `in_care` or `day`.
    view: Option<String>,
}

/// The two lists of the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListView {
    /// Every specimen still here (not shipped, received or missing),
    /// whatever its collection day.
    InCare,
    /// The specimens collected on one day.
    Day,
}

impl ListView {
    fn code(self) -> &'static str {
        match self {
            ListView::InCare => "in_care",
            ListView::Day => "day",
        }
    }

    /// The list asked for; without a word on it, a day when a date is
    /// given, else the desk's own: the lab (who packs) looks after every
    /// tube still in its fridges, however old, while reception looks at
    /// the day it registers.
    fn chosen(asked: Option<&str>, date_given: bool, role: Role) -> ListView {
        match asked {
            Some("in_care") => ListView::InCare,
            Some("day") => ListView::Day,
            _ if date_given => ListView::Day,
            _ if role.may(Action::PackSpecimens) => ListView::InCare,
            _ => ListView::Day,
        }
    }
}

/// A date as the date field sends it; years outside what a clinic could
/// mean are not dates here (and would overflow the day's range).
fn parse_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=9999).contains(&d.year()))
}

/// `GET /specimens`: look a tube up by its id, or list the specimens in
/// care (`?view=in_care`, whatever their collection day) or one day's
/// (`?view=day`, today in the site's time zone unless `?date=` says).
pub async fn index(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = desks::open(&req, &user, Section::Specimens) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let w = texts(lang);
    let query = web::Query::<IndexQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let now = crate::actions::now();
    let today = now.with_timezone(&ctx.tz).date_naive();
    let asked = query
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let parsed = asked.and_then(parse_date);
    // A malformed date shows today, saying so, rather than an error page.
    let bad_date = asked.is_some() && parsed.is_none();
    let date = parsed.unwrap_or(today);
    let wanted = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_string);

    let view = ListView::chosen(
        query.view.as_deref(),
        asked.is_some(),
        user.session.actor.role,
    );
    let lookup = wanted.clone();
    let (found, list) = run_action(&ctx, &user.session.actor, move |c, actor, _| {
        let typed = lookup.filter(|id| id.chars().count() <= MAX_LOOKUP_CHARS);
        for id in typed.as_deref().map(lookup_ids).unwrap_or_default() {
            match specimens::get(c, actor, &id) {
                Ok(v) => return Ok((Some(v.specimen_id), Vec::new())),
                Err(ActionError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let filter = match view {
            ListView::Day => SpecimenFilter {
                collected_on: Some(date),
                limit: Some(LIST_LIMIT),
                ..SpecimenFilter::default()
            },
            ListView::InCare => SpecimenFilter {
                in_care: Some(true),
                limit: Some(LIST_LIMIT),
                ..SpecimenFilter::default()
            },
        };
        Ok((None, specimens::list(c, actor, &filter)?))
    })
    .await??;
    if let Some(id) = found {
        return Ok(see_other(&specimen_path(&id)));
    }
    let not_found = wanted.as_deref();

    let count = list.len().to_string();
    let caption = match view {
        ListView::InCare => w.in_care_caption.replace("{n}", &count),
        ListView::Day => w
            .list_caption
            .replace("{date}", &date.to_string())
            .replace("{n}", &count),
    };
    let day_link = |d: Option<NaiveDate>| {
        d.map(|d| format!("/specimens?date={}", encode_query_value(&d.to_string())))
    };
    let body = markup! {
        div class="specimen-page" {
            h1 { (w.index_title) }
            h2 { (w.lookup_title) }
            @if let Some(q) = not_found {
                p class="error" role="alert" { (w.lookup_not_found.replace("{id}", q)) }
            }
            (lookup_form(w, not_found.unwrap_or_default(), true))

            nav class="view-switch" aria-label=(w.view_label) {
                ul {
                    @for (v, label) in [(ListView::InCare, w.view_in_care), (ListView::Day, w.view_day)] {
                        li {
                            a href={ "/specimens?view=" (v.code()) }
                                aria-current=[(v == view).then_some("page")] { (label) }
                        }
                    }
                }
            }
            @if view == ListView::InCare {
                h2 id="list-title" { (w.in_care_title) }
                p class="hint" { (w.in_care_intro) }
            } @else {
                h2 id="list-title" { (w.list_title) }
                @if bad_date {
                    p class="error" role="status" { (w.bad_date) }
                }
                form method="get" action="/specimens" class="inline-form" {
                    input type="hidden" name="view" value="day";
                    label for="date" { (w.date_label) }
                    input id="date" name="date" type="date" value=(date) required;
                    button type="submit" { (w.show_button) }
                }
                p class="day-links" {
                    @if let Some(href) = day_link(date.pred_opt()) {
                        a href=(href) rel="prev" { "← " (w.previous_day) }
                    }
                    @if let Some(href) = day_link(date.succ_opt()) {
                        a href=(href) rel="next" { (w.next_day) " →" }
                    }
                }
            }
            @if list.is_empty() {
                p { @if view == ListView::InCare { (w.in_care_empty) } @else { (w.list_empty) } }
            } @else {
                @if i64::try_from(list.len()).is_ok_and(|n| n >= LIST_LIMIT) {
                    p class="hint" { (w.list_truncated.replace("{n}", &count)) }
                }
                div class="table-scroll" {
                    table class="data specimens" {
                        caption { (caption) }
                        (column_heads(&[
                            w.col_specimen, w.col_type, w.col_patient, w.col_collected,
                            w.col_status, w.col_location, w.col_deadline, w.col_flags,
                        ]))
                        tbody {
                            @for v in &list {
                                @let deadline = Deadline::of(v, now);
                                tr class=[deadline.overdue().then_some("overdue")] {
                                    th scope="row" {
                                        a href=(specimen_path(&v.specimen_id)) { code { (v.specimen_id) } }
                                    }
                                    td { (text::specimen_type_label(lang, v.specimen_type)) }
                                    td { (v.patient.name) }
                                    td { (time_tag(&v.collected_at)) }
                                    td { (status_words(lang, &v.status)) }
                                    td { (location_words(v.storage.last())) }
                                    td { (deadline.markup(lang, w)) }
                                    td {
                                        @if v.flags.is_empty() {
                                            span class="none" { "—" }
                                        } @else {
                                            (flag_list(lang, w, &v.flags))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let place = Place::of(lang, "/specimens", &user.session, Section::Specimens);
    let status = if not_found.is_some() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    Ok(answer(&req, status, &place, w.index_title, body))
}

/// Where a storage event put the tube: the location's name and barcode.
fn location_words(event: Option<&StorageEventView>) -> Markup {
    match event {
        None => markup! { span class="none" { "—" } },
        Some(e) if e.location_name.is_empty() => markup! { code { (e.location) } },
        Some(e) => markup! { (e.location_name) " (" code { (e.location) } ")" },
    }
}

/// The 404 page for a specimen id nobody registered, with the lookup form
/// to try again (a mistyped id is the usual cause).
fn unknown_specimen(req: &HttpRequest, user: &SignedIn, id: &str) -> HttpResponse {
    let lang = super::lang(req);
    let t = lang.text();
    let w = texts(lang);
    let body = markup! {
        div class="specimen-page" {
            h1 { (t.not_found_title) }
            p role="alert" { (w.not_found_body) " (" code { (id) } ")" }
            (lookup_form(w, id, false))
            p { a href="/specimens" { (w.back_to_list) } }
        }
    };
    let place = Place::of(lang, req.path(), &user.session, Section::Specimens);
    answer(req, StatusCode::NOT_FOUND, &place, t.not_found_title, body)
}

/// A page of one specimen, drawn by `draw` from the specimen, which is
/// read only once the role may open the specimen pages: else the 403 page,
/// and the 404 page for an id nobody registered.
async fn specimen_page(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    id: String,
    draw: fn(&HttpRequest, &SignedIn, SpecimenView) -> HttpResponse,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = desks::open(req, user, Section::Specimens) {
        return Ok(refused);
    }
    let wanted = id.clone();
    match run_action(ctx, &user.session.actor, move |c, actor, _| {
        specimens::get(c, actor, &wanted)
    })
    .await?
    {
        Ok(v) => Ok(draw(req, user, v)),
        Err(ActionError::NotFound(_)) => Ok(unknown_specimen(req, user, &id)),
        Err(e) => Err(e.into()),
    }
}

/// `GET /specimens/{specimen_id}`: the specimen's whole history.
pub async fn history(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    specimen_page(&req, &user, &ctx, path.into_inner(), history_page).await
}

fn history_page(req: &HttpRequest, user: &SignedIn, v: SpecimenView) -> HttpResponse {
    let lang = super::lang(req);
    let w = texts(lang);
    let now = crate::actions::now();
    let title = format!("{} {}", w.specimen_title, v.specimen_id);
    let body = markup! {
        div class="specimen-page" {
            h1 { (w.specimen_title) " " code { (v.specimen_id) } }
            p class="specimen-summary" {
                (text::specimen_type_label(lang, v.specimen_type))
                " · " (status_words(lang, &v.status))
            }
            p class="page-links" {
                a href={ (specimen_path(&v.specimen_id)) "/label" } { (w.label_link) }
                a href="/specimens" { (w.back_to_list) }
            }
            (patient_section(lang, w, &v))
            (facts_section(lang, w, &v))
            (storage_now_section(lang, w, &v, now))
            (flags_section(lang, w, &v))
            (custody_section(lang, w, &v))
            (storage_section(lang, w, &v))
            (results_section(lang, w, &v))
            (package_section(lang, w, &v, Section::Packing.open_to(user.session.actor.role)))
        }
    };
    let place = Place::of(lang, req.path(), &user.session, Section::Specimens);
    answer(req, StatusCode::OK, &place, &title, body)
}

/// A fact's value, or a muted "not recorded".
fn or_not_recorded(w: &SpecimensText, value: Option<Markup>) -> Markup {
    value.unwrap_or_else(|| markup! { span class="none" { (w.not_recorded) } })
}

fn patient_section(lang: Lang, w: &SpecimensText, v: &SpecimenView) -> Markup {
    let p = &v.patient;
    markup! {
        section aria-labelledby="patient-title" {
            h2 id="patient-title" { (w.patient_title) }
            dl class="facts" {
                dt { (w.patient_name) } dd { (p.name) }
                dt { (w.patient_kana) }
                dd { (or_not_recorded(w, p.name_kana.as_ref().map(|k| markup! { (k) }))) }
                dt { (w.birth_date) }
                dd { (or_not_recorded(w, p.birth_date.map(day))) }
                dt { (w.sex) } dd { (words::sex_label(lang, p.sex)) }
                dt { (w.patient_id) }
                dd { (or_not_recorded(w, p.patient_id.as_ref().map(|id| markup! { code { (id) } }))) }
            }
        }
    }
}

fn facts_section(lang: Lang, w: &SpecimensText, v: &SpecimenView) -> Markup {
    let days = match (v.days_since_onset, v.asymptomatic) {
        (Some(n), _) => markup! { (w.days_value.replace("{n}", &n.to_string())) },
        (None, true) => markup! { (w.asymptomatic) },
        (None, false) => markup! { span class="none" { (w.onset_unknown) } },
    };
    let onset = match v.onset_date {
        Some(d) => day(d),
        None => markup! { span class="none" { (w.onset_unknown) } },
    };
    let has_kit = v.kit.is_some() || v.kit_gtin.is_some();
    markup! {
        section aria-labelledby="facts-title" {
            h2 id="facts-title" { (w.facts_title) }
            dl class="facts" {
                dt { (w.specimen_type) } dd { (text::specimen_type_label(lang, v.specimen_type)) }
                dt { (w.category) } dd { (words::category_label(lang, v.category)) }
                dt { (w.priority) } dd { (w.priority_value.replace("{n}", &v.priority.to_string())) }
                dt { (w.collected_at) } dd { (time_tag(&v.collected_at)) }
                dt { (w.onset_date) } dd { (onset) }
                dt { (w.days_since_onset) } dd { (days) }
                dt { (w.asymptomatic) } dd { (if v.asymptomatic { w.yes } else { w.no }) }
                dt { (w.test_method) } dd { (text::test_method_label(lang, v.test_method.code())) }
                dt { (w.kit) }
                dd {
                    @if !has_kit {
                        span class="none" { (w.kit_none) }
                    } @else if v.kit_gtin.is_none() {
                        code { (v.kit.as_deref().unwrap_or_default()) }
                    } @else {
                        dl class="kit" {
                            @if let Some(g) = &v.kit_gtin { dt { (w.kit_gtin) } dd { code { (g) } } }
                            @if let Some(l) = &v.kit_lot { dt { (w.kit_lot) } dd { code { (l) } } }
                            @if let Some(e) = v.kit_expiry { dt { (w.kit_expiry) } dd { (day(e)) } }
                            @if let Some(s) = &v.kit_serial { dt { (w.kit_serial) } dd { code { (s) } } }
                            @if let Some(d) = &v.kit_description { dt { (w.kit_description) } dd { (d) } }
                        }
                    }
                }
                dt { (w.volume) }
                dd { (or_not_recorded(w, v.volume_ml.map(|ml| markup! { (ml) " mL" }))) }
                dt { (w.ppe) }
                dd {
                    @if v.ppe.is_empty() {
                        span class="none" { (w.not_recorded) }
                    } @else {
                        ul class="plain" {
                            @for item in &v.ppe { li { (crate::domain::messages::ppe_name(*item, lang)) } }
                        }
                    }
                }
                dt { (w.override_reason) }
                dd {
                    @match &v.override_reason {
                        Some(r) => strong { (r) },
                        None => span class="none" { (w.none) },
                    }
                }
                dt { (w.registration_warnings) }
                dd {
                    @if v.registration_warnings.is_empty() {
                        span class="none" { (w.none) }
                    } @else {
                        (notice_list(lang, &v.registration_warnings))
                    }
                }
                dt { (w.registered) }
                dd { (time_tag(&v.registered_at)) " · " (v.registered_by) }
            }
        }
    }
}

fn storage_now_section(
    lang: Lang,
    w: &SpecimensText,
    v: &SpecimenView,
    now: DateTime<Utc>,
) -> Markup {
    let deadline = Deadline::of(v, now);
    markup! {
        section aria-labelledby="storage-now-title" {
            h2 id="storage-now-title" { (w.storage_now_title) }
            dl class="facts" {
                dt { (w.current_class) }
                dd {
                    @if v.storage.is_empty() {
                        span class="none" { (w.not_stored) }
                    } @else {
                        (words::storage_class_label(lang, v.storage_class))
                    }
                }
                dt { (w.current_location) } dd { (location_words(v.storage.last())) }
                dt { (w.home_storage) } dd { (words::storage_class_label(lang, v.home_storage)) }
                dt { (w.deadline) }
                dd class=[deadline.overdue().then_some("overdue")] { (deadline.markup(lang, w)) }
                dt { (w.freeze_thaw) }
                dd class=[(v.freeze_thaw_count > 0).then_some("warn")] {
                    strong { (w.freeze_thaw_value.replace("{n}", &v.freeze_thaw_count.to_string())) }
                }
            }
        }
    }
}

fn flags_section(lang: Lang, w: &SpecimensText, v: &SpecimenView) -> Markup {
    markup! {
        section aria-labelledby="flags-title" {
            h2 id="flags-title" { (w.flags_title) }
            @if v.flags.is_empty() {
                p { (w.no_flags) }
            } @else {
                (flag_list(lang, w, &v.flags))
            }
        }
    }
}

/// A custody step's detail in words where the view's own records say
/// more (a storage event's place and temperature, a result's version);
/// otherwise the detail as the view wrote it (a package id).
fn custody_detail(lang: Lang, w: &SpecimensText, v: &SpecimenView, step: usize) -> Markup {
    let s = &v.custody[step];
    let detail = s.detail.as_deref().unwrap_or_default();
    match s.step.as_str() {
        "stored" => {
            // The n-th "stored" step is the n-th storage event (the view
            // builds one from the other, in the same order).
            let nth = v.custody[..step]
                .iter()
                .filter(|c| c.step == "stored")
                .count();
            match v.storage.get(nth) {
                Some(e) if detail == format!("{} ({})", e.location, e.storage_class.code()) => {
                    markup! {
                        (location_words(Some(e))) " · "
                        (words::storage_class_label(lang, e.storage_class))
                    }
                }
                _ => markup! { (detail) },
            }
        }
        "resulted" => {
            let version = detail
                .rsplit_once(" v")
                .and_then(|(_, n)| n.parse::<i32>().ok());
            match version.and_then(|n| v.results.iter().find(|r| r.version == n)) {
                Some(r) => markup! {
                    (words::result_label(lang, r.result)) " · "
                    (w.version_value.replace("{n}", &r.version.to_string()))
                    @if r.correction { " · " (w.correction) }
                },
                None => markup! { (detail) },
            }
        }
        _ if detail.is_empty() => markup! {},
        _ => markup! { code { (detail) } },
    }
}

fn custody_section(lang: Lang, w: &SpecimensText, v: &SpecimenView) -> Markup {
    markup! {
        section aria-labelledby="custody-title" {
            h2 id="custody-title" { (w.custody_title) }
            ol class="custody" {
                @for (i, s) in v.custody.iter().enumerate() {
                    li {
                        (time_tag(&s.at))
                        " "
                        strong class="step" {
                            (words::custody_step_label(lang, &s.step).unwrap_or(&s.step))
                        }
                        @if let Some(by) = &s.by {
                            " · " span class="by" { (by) }
                        }
                        @let detail = custody_detail(lang, w, v, i);
                        @if !detail.0.is_empty() {
                            " · " span class="detail" { (detail) }
                        }
                    }
                }
            }
        }
    }
}

/// A section of the history holding one table under its heading (whose
/// id labels both), or a line saying there is nothing to list.
fn table_section(
    id: &str,
    title: &str,
    empty: Option<&str>,
    class: &str,
    heads: &[&str],
    rows: Markup,
) -> Markup {
    markup! {
        section aria-labelledby=(id) {
            h2 id=(id) { (title) }
            @if let Some(nothing) = empty {
                p { (nothing) }
            } @else {
                div class="table-scroll" {
                    table class=(class) aria-labelledby=(id) {
                        (column_heads(heads))
                        tbody { (rows) }
                    }
                }
            }
        }
    }
}

fn storage_section(lang: Lang, w: &SpecimensText, v: &SpecimenView) -> Markup {
    let rows = markup! {
        @for e in &v.storage {
            tr {
                td { (time_tag(&e.at)) }
                td { (location_words(Some(e))) }
                td { (words::storage_class_label(lang, e.storage_class)) }
                td class="number" { (celsius(e.nominal_celsius)) }
                td {
                    @if e.warnings.is_empty() {
                        span class="none" { "—" }
                    } @else {
                        (notice_list(lang, &e.warnings))
                    }
                }
                td {
                    @match &e.override_reason {
                        Some(r) => (r),
                        None => span class="none" { "—" },
                    }
                }
                td { (e.recorded_by) }
            }
        }
    };
    table_section(
        "storage-title",
        w.storage_title,
        v.storage.is_empty().then_some(w.no_storage),
        "data",
        &[
            w.col_at,
            w.col_storage_location,
            w.col_class,
            w.col_temperature,
            w.col_warnings,
            w.col_override,
            w.col_recorded_by,
        ],
        rows,
    )
}

fn results_section(lang: Lang, w: &SpecimensText, v: &SpecimenView) -> Markup {
    let latest = v.results.iter().map(|r| r.version).max();
    let rows = markup! {
        @for r in &v.results {
            @let is_latest = Some(r.version) == latest;
            tr class=[is_latest.then_some("latest")] {
                th scope="row" { (w.version_value.replace("{n}", &r.version.to_string())) }
                td class="result" { (words::result_label(lang, r.result)) }
                td { (text::test_method_label(lang, r.method.code())) }
                td { (time_tag(&r.resulted_at)) }
                td { (r.recorded_by) }
                td {
                    @if r.correction {
                        span class="correction" { (w.correction) }
                    } @else {
                        (w.original)
                    }
                    @if is_latest {
                        " · " strong { (w.latest) }
                    }
                }
            }
        }
    };
    table_section(
        "results-title",
        w.results_title,
        v.results.is_empty().then_some(w.no_results),
        "data results",
        &[
            w.col_version,
            w.col_result,
            w.col_method,
            w.col_resulted_at,
            w.col_recorded_by,
            w.col_note,
        ],
        rows,
    )
}

fn package_section(lang: Lang, w: &SpecimensText, v: &SpecimenView, may_pack: bool) -> Markup {
    markup! {
        section aria-labelledby="package-title" {
            h2 id="package-title" { (w.package_title) }
            @match &v.package {
                None => p { (w.not_packed) },
                Some(p) => dl class="facts" {
                    dt { (w.package_id) }
                    dd {
                        // Only a role that packs may open the packing page.
                        @if may_pack {
                            a href={ "/packing/" (encode_query_value(&p.package_id)) } { code { (p.package_id) } }
                        } @else {
                            code { (p.package_id) }
                        }
                    }
                    dt { (w.package_status) }
                    dd { (crate::domain::PackageStatus::from_code(&p.status).map_or(p.status.as_str(), |s| words::package_status_label(lang, s))) }
                    dt { (w.packed) }
                    dd { (time_tag(&p.packed_at)) " · " (p.packed_by) }
                    dt { (w.dispatched_at) }
                    dd { (or_not_yet(w, p.dispatched_at.as_ref())) }
                    dt { (w.received_at) }
                    dd { (or_not_yet(w, p.received_at.as_ref())) }
                    dt { (w.receipt) }
                    dd {
                        @match &p.receipt {
                            Some(r) => (words::receipt_label(lang, r).unwrap_or(r)),
                            None => span class="none" { (w.not_yet) },
                        }
                    }
                },
            }
        }
    }
}

fn or_not_yet(w: &SpecimensText, at: Option<&DateTime<FixedOffset>>) -> Markup {
    match at {
        Some(at) => time_tag(at),
        None => markup! { span class="none" { (w.not_yet) } },
    }
}

/// `GET /specimens/{specimen_id}/label`: the tube label as the label
/// route draws it, with a print button; the stylesheet's print rules
/// leave only the label on paper.
pub async fn label(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    specimen_page(&req, &user, &ctx, path.into_inner(), label_page).await
}

fn label_page(req: &HttpRequest, user: &SignedIn, v: SpecimenView) -> HttpResponse {
    let lang = super::lang(req);
    let w = texts(lang);
    let type_words = text::specimen_type_label(lang, v.specimen_type);
    let encoded = encode_query_value(&v.specimen_id);
    // The image is the API's own label (the session cookie opens it), so
    // what prints here is exactly what the label route prints elsewhere.
    let src = format!("/api/v1/specimens/{encoded}/label?format=svg");
    let alt = w
        .label_alt
        .replace("{id}", &v.specimen_id)
        .replace("{type}", &type_words);
    let title = format!("{} {}", w.label_page_title, v.specimen_id);
    let body = markup! {
        div class="label-page" {
            h1 { (w.label_page_title) " " code { (v.specimen_id) } }
            p class="specimen-summary" {
                (type_words) " · " (time_tag(&v.collected_at)) " · " (v.patient.name)
            }
            p class="hint" { (w.label_hint) }
            div class="label-sheet" {
                img src=(src) alt=(alt) width="189" height="94";
            }
            p class="label-actions" {
                button type="button" class="primary" data-print { (w.print_button) }
                a href=(specimen_path(&v.specimen_id)) { (w.back_to_specimen) }
            }
            (crate::web::printing::send_buttons(
                req,
                user,
                crate::config::PrintDocument::TubeLabel,
                &v.specimen_id,
                req.path(),
            ))
        }
    };
    let place = Place {
        scripts: &["print.js"],
        ..Place::of(lang, req.path(), &user.session, Section::Specimens)
    };
    answer(req, StatusCode::OK, &place, &title, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temperature_below_zero_is_written_with_a_minus_sign() {
        assert_eq!(celsius(4), "4 °C");
        assert_eq!(celsius(-80), "−80 °C");
        assert_eq!(celsius(20), "20 °C");
    }

    #[test]
    fn a_specimen_id_is_one_path_segment_whatever_it_holds() {
        assert_eq!(specimen_path("S-1"), "/specimens/S-1");
        assert_eq!(
            specimen_path("(8004)4912345/1 a"),
            "/specimens/%288004%294912345%2F1%20a"
        );
    }

    #[test]
    fn a_date_outside_plausible_years_is_not_a_date() {
        assert_eq!(
            parse_date("2026-11-21"),
            NaiveDate::from_ymd_opt(2026, 11, 21)
        );
        assert_eq!(parse_date("21/11/2026"), None);
        assert_eq!(parse_date("0001-01-01"), None);
        assert_eq!(parse_date("2026-02-30"), None);
    }
}
