//! The health centre's pages: the day report (pick a day and a facility,
//! see the rows as the report has them, download every format), the day
//! summary (集計表) as a page of its own inside the site, ready to print,
//! and the characters the Shift_JIS CSV cannot hold — listed on the page
//! before the download and in a short text file beside it, so nobody
//! discovers a 〓 in a patient's name only after the file has gone out.
//!
//! The downloads are the API's own routes, which the session cookie opens;
//! their links name the files as the API does (`hersys-DATE-sjis.csv`).

use super::desks::{answer, open, Place};
use super::layout::{column_heads, time_tag, Section};
use super::text::{self, Lang, PageWords};
use super::{encode_query_value, run_action, SignedIn};
use crate::actions::reports::{self, ReportScope};
use crate::actions::Ctx;
use crate::http::AppError;
use crate::report::csv::{self as report_csv, Encoding, Replacement};
use crate::report::{Format, ReportRow};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use chrono::NaiveDate;
use maud::{html as markup, Markup};

#[derive(Debug, serde::Deserialize)]
struct DayQuery {
    date: Option<NaiveDate>,
    facility: Option<String>,
}

/// The most rows the page itself lists; the downloads hold every row.
const ROWS_SHOWN: usize = 2000;

/// The most replaced characters the page lists; the text file holds all.
const REPLACEMENTS_SHOWN: usize = 500;

/// A replaced character with the CSV line it is on (the header is line 1).
struct Replaced {
    line: usize,
    replacement: Replacement,
}

/// A day's rows as the page lists them: the first [`ROWS_SHOWN`] and the
/// count of all, and what the Shift_JIS CSV of the same rows replaces.
struct DayRows {
    rows: Vec<ReportRow>,
    total: usize,
    replaced: Vec<Replaced>,
}

/// The day and facility a health-centre page is about: `?date=` (today in
/// the site's time zone when absent or malformed, rather than an error
/// page) and `?facility=` (this server's when empty).
fn scope_of(req: &HttpRequest, ctx: &Ctx) -> ReportScope {
    let query = web::Query::<DayQuery>::from_query(req.query_string())
        .ok()
        .map(web::Query::into_inner);
    let date = query
        .as_ref()
        .and_then(|q| q.date)
        .unwrap_or_else(|| crate::actions::now().with_timezone(&ctx.tz).date_naive());
    let facility = query
        .and_then(|q| q.facility)
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty());
    ReportScope { date, facility }
}

/// `date=…[&facility=…]`, for the links between the pages and downloads.
fn scope_params(scope: &ReportScope) -> String {
    let mut params = format!("date={}", encode_query_value(&scope.date.to_string()));
    if let Some(f) = &scope.facility {
        params.push_str(&format!("&facility={}", encode_query_value(f)));
    }
    params
}

/// The day's rows (the first [`ROWS_SHOWN`] kept) and, for every row,
/// what its Shift_JIS line replaces; one pass over the day.
async fn day_rows(
    ctx: &web::Data<Ctx>,
    user: &SignedIn,
    scope: ReportScope,
    keep: usize,
) -> Result<DayRows, AppError> {
    Ok(run_action(ctx, &user.session.actor, move |c, actor, _| {
        let mut rows = Vec::new();
        let mut replaced = Vec::new();
        // The CSV's header is its line 1.
        let mut line = 1;
        let total = reports::day_rows(c, actor, &scope, |row| {
            line += 1;
            replaced.extend(
                report_csv::sjis_replacements(&row)
                    .into_iter()
                    .map(|replacement| Replaced { line, replacement }),
            );
            if rows.len() < keep {
                rows.push(row);
            }
            Ok(())
        })?;
        Ok(DayRows {
            rows,
            total,
            replaced,
        })
    })
    .await??)
}

/// `GET /reports`: pick a day (and a facility), see that day's rows as the
/// report has them, the characters the Shift_JIS CSV will replace, and
/// download the report in each format or open the day's summary.
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
    let scope = scope_of(&req, &ctx);
    let (date, facility_code) = (scope.date, scope.facility.clone());
    let params = scope_params(&scope);
    let form = markup! {
        form method="get" action="/reports" class="inline-form" {
            label for="date" { (t.date_label) }
            input id="date" name="date" type="date" value=(date) required;
            label for="facility" { (rt.facility_label) }
            input id="facility" name="facility" type="text" size="12" maxlength="64"
                value=(facility_code.as_deref().unwrap_or("")) aria-describedby="facility-hint";
            span id="facility-hint" class="hint" { (rt.facility_hint) }
            button type="submit" { (t.show_button) }
        }
    };
    // Another facility's day is not this server's to show: the form again,
    // with the reason, so the officer can clear the field.
    if let Err(e) = ctx.facility_in_scope(facility_code.as_deref()) {
        let e = AppError::from(e);
        let body = markup! {
            h1 { (t.reports_title) }
            p { (t.reports_intro) }
            div class="error" role="alert" id="form-error" { p { (e.message().render(lang)) } }
            (form)
        };
        let place = Place::of(lang, "/reports", &user.session, Section::Reports);
        return Ok(answer(&req, e.status_code(), &place, t.reports_title, body));
    }
    let day = day_rows(&ctx, &user, scope, ROWS_SHOWN).await?;
    let hersys = format!("/api/v1/reports/hersys?{params}");
    let name = |format, encoding| {
        crate::report::file_name(date, facility_code.as_deref(), format, encoding)
    };
    let sjis_name = name(Format::Csv, Encoding::Sjis);
    let downloads = [
        (
            t.download_csv_utf8,
            format!("{hersys}&format=csv&encoding=utf8"),
            name(Format::Csv, Encoding::Utf8),
        ),
        (
            t.download_csv_sjis,
            format!("{hersys}&format=csv&encoding=sjis"),
            sjis_name.clone(),
        ),
        (
            t.download_json,
            format!("{hersys}&format=json"),
            name(Format::Json, Encoding::Utf8),
        ),
        (
            t.download_fhir,
            format!("{hersys}&format=fhir"),
            name(Format::Fhir, Encoding::Utf8),
        ),
    ];
    let replaced = day.replaced.len().to_string();
    let body = markup! {
        h1 { (t.reports_title) }
        p { (t.reports_intro) }
        (form)
        h2 { (t.downloads_title) " — " (date) }
        ul class="downloads" {
            @for (label, href, file) in &downloads {
                li {
                    a href=(href) download=(file) { (label) }
                    " " span class="file-name" { (file) }
                    @if file == &sjis_name && !day.replaced.is_empty() {
                        " — " a href="#sjis-title" class="sjis-note" { (rt.sjis_download_note.replace("{n}", &replaced)) }
                    }
                }
            }
            @if !day.replaced.is_empty() {
                li {
                    a href={ "/reports/sjis-replacements?" (params) }
                        download=(crate::report::sjis_replacements_file_name(date, facility_code.as_deref())) {
                        (rt.sjis_file_link)
                    }
                }
            }
        }
        p { a href={ "/reports/summary?" (params) } { (rt.summary_link) } }
        (sjis_section(lang, &day, &sjis_name))
        h2 id="rows-title" { (rt.rows_title) " — " (date) }
        (day_table(lang, &day))
    };
    let place = Place::of(lang, "/reports", &user.session, Section::Reports);
    Ok(answer(&req, StatusCode::OK, &place, t.reports_title, body))
}

/// The column a replacement is in, as the CSV's header names it (or its
/// English key).
fn column_words(lang: Lang, column: &str) -> String {
    match lang {
        Lang::Ja => report_csv::COLUMNS
            .iter()
            .find(|(key, _)| *key == column)
            .map_or_else(|| column.to_string(), |(_, ja)| (*ja).to_string()),
        Lang::En => column.replace('_', " "),
    }
}

/// A character and its code point: `𠮷 (U+20BB7)`.
fn character_words(c: char) -> String {
    format!("{c} (U+{:04X})", u32::from(c))
}

/// What the Shift_JIS CSV will replace, row by row, before anyone
/// downloads it.
fn sjis_section(lang: Lang, day: &DayRows, sjis_name: &str) -> Markup {
    let rt = text::reports::reports(lang);
    let n = day.replaced.len().to_string();
    markup! {
        div class="sjis" {
            h2 id="sjis-title" { (rt.sjis_title) }
            @if day.replaced.is_empty() {
                p { (rt.sjis_none) }
            } @else {
                p { (rt.sjis_intro.replace("{file}", sjis_name).replace("{n}", &n)) }
                @if day.replaced.len() > REPLACEMENTS_SHOWN {
                    p class="hint" { (rt.sjis_truncated.replace("{n}", &REPLACEMENTS_SHOWN.to_string())) }
                }
                div class="table-scroll" role="region" aria-labelledby="sjis-title" tabindex="0" {
                    table class="data sjis-replacements" {
                        (column_heads(&[rt.sjis_col_line, rt.col_specimen, rt.sjis_col_column, rt.sjis_col_character, rt.sjis_col_replaced]))
                        tbody {
                            @for r in day.replaced.iter().take(REPLACEMENTS_SHOWN) {
                                tr data-column=(r.replacement.column) {
                                    td class="num" { (r.line) }
                                    th scope="row" { code { (r.replacement.specimen_id) } }
                                    td { (column_words(lang, r.replacement.column)) }
                                    td { (character_words(r.replacement.character)) }
                                    td { (character_words(r.replacement.replaced_with)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /reports/sjis-replacements`: the characters the day's Shift_JIS
/// CSV replaces, as a short text file to keep beside it (UTF-8 with a BOM,
/// which Windows' Notepad reads; tab-separated, CRLF lines).
pub async fn sjis_replacements(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Reports) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let rt = text::reports::reports(lang);
    let scope = scope_of(&req, &ctx);
    let (date, facility) = (scope.date, scope.facility.clone());
    let day = day_rows(&ctx, &user, scope, 0).await?;
    let csv_name = crate::report::file_name(date, facility.as_deref(), Format::Csv, Encoding::Sjis);
    let mut out = String::from("\u{feff}");
    let facility_words = facility.as_deref().unwrap_or(rt.facility_all);
    let heading = rt
        .sjis_file_heading
        .replace("{date}", &date.to_string())
        .replace("{facility}", facility_words);
    let count = rt
        .sjis_file_count
        .replace("{file}", &csv_name)
        .replace("{n}", &day.replaced.len().to_string());
    for line in [heading, count, String::new()] {
        out.push_str(&line);
        out.push_str("\r\n");
    }
    if !day.replaced.is_empty() {
        let heads = [
            rt.sjis_col_line,
            rt.col_specimen,
            rt.sjis_col_column,
            rt.sjis_col_character,
            rt.sjis_col_code_point,
            rt.sjis_col_replaced,
        ];
        out.push_str(&heads.join("\t"));
        out.push_str("\r\n");
    }
    for r in &day.replaced {
        let c = r.replacement.character;
        let cells = [
            r.line.to_string(),
            r.replacement.specimen_id.clone(),
            column_words(lang, r.replacement.column),
            c.to_string(),
            format!("U+{:04X}", u32::from(c)),
            r.replacement.replaced_with.to_string(),
        ];
        out.push_str(&cells.join("\t"));
        out.push_str("\r\n");
    }
    let name = crate::report::sjis_replacements_file_name(date, facility.as_deref());
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(out))
}

/// `GET /reports/summary`: the day summary (集計表) as a page inside the
/// site, with the way back to the day's report and a print button; the
/// API's `format=html` fragment stays for programs.
pub async fn summary(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Reports) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let rt = text::reports::reports(lang);
    let scope = scope_of(&req, &ctx);
    let params = scope_params(&scope);
    let (date, facility) = (scope.date, scope.facility.clone());
    let summary = run_action(&ctx, &user.session.actor, move |c, actor, _| {
        reports::day_summary(c, actor, &scope)
    })
    .await??;
    let title = format!("{} — {date}", rt.summary_title);
    let body = markup! {
        div class="print-controls" {
            p { a href={ "/reports?" (params) } { (rt.back_to_reports) } }
            button type="button" class="primary" data-print { (rt.print_button) }
        }
        h1 {
            (rt.summary_title) " — " (date)
            @if let Some(f) = &facility { " " span class="facility-code" { (f) } }
        }
        div class="summary-sheet" {
            (crate::report::summary::summary_table(&summary, lang))
        }
    };
    let place = Place {
        scripts: &["print.js"],
        ..Place::of(lang, "/reports/summary", &user.session, Section::Reports)
    };
    Ok(answer(&req, StatusCode::OK, &place, &title, body))
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
            let items: Vec<String> = row
                .flags
                .iter()
                .map(|f| match f.override_reason.as_deref() {
                    Some(reason) => format!("{} (overridden: {reason})", f.message.render(lang)),
                    None => f.message.render(lang),
                })
                .collect();
            items.join("; ")
        }
    }
}
