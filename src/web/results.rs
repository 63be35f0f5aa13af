//! The lab's result desk (`/results`): the tubes awaiting a result, entered
//! a row at a time from the keyboard or as a batch; corrections with their
//! reason; the release queue of a `second_person` site; every tube's
//! result versions; and the instrument-file import.
//!
//! A technician works through a plate of 96 results here in one sitting,
//! so the page is drawn once and the script (`results.js`) does the rest
//! through the result API with the session's CSRF token: a recorded row
//! leaves the list and the next one takes the focus where it stood, and
//! every outcome is spoken in a live region. The API decides everything
//! (a correction's reason, a same-person release, a failed run); the page
//! shows its coded answer beside the control that met it.

use super::desks::{answer, open, Place};
use super::layout::{column_heads, json_island, time_tag, Section};
use super::text::results::{results as texts, ResultsText};
use super::text::Lang;
use super::{encode_path_segment, run_action, SignedIn};
use crate::actions::results::{self, WorkItem, WorkState, WorklistFilter};
use crate::actions::views::ResultView;
use crate::actions::{packages, Ctx};
use crate::domain::messages::{
    result_status_name, specimen_type_name, test_method_name, test_result_name,
};
use crate::domain::results::{ReleasePolicy, ResultStatus, TestMethod, TestResult};
use crate::domain::roles::Action;
use crate::http::AppError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use maud::{html as markup, Markup};
use serde::Deserialize;

/// The most tubes the page lists at once (the API's default).
pub const LIST_LIMIT: i64 = 500;

/// The results in the order the desk offers them, with their keys.
pub const CHOICES: [(TestResult, char); 4] = [
    (TestResult::Positive, 'P'),
    (TestResult::Negative, 'N'),
    (TestResult::Inconclusive, 'I'),
    (TestResult::Invalid, 'V'),
];

/// The instrument file formats the import reads.
const FORMATS: [&str; 3] = ["quantstudio", "cfx", "generic"];

/// The filters as the GET form sends them: every field a string, an empty
/// one meaning "any".
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FilterQuery {
    day: Option<String>,
    method: Option<String>,
    package: Option<String>,
}

fn filled(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// `GET /results`.
pub async fn page(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Results) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let w = texts(lang);
    let query = web::Query::<FilterQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let asked_day = filled(&query.day);
    let day = asked_day.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let bad_day = asked_day.is_some() && day.is_none();
    let method = filled(&query.method).and_then(TestMethod::from_code);
    let package = filled(&query.package)
        .filter(|p| p.chars().count() <= 64)
        .map(str::to_string);
    let policy = ctx.config.policy.result_release;
    let filter = WorklistFilter {
        method,
        day,
        package: package.clone(),
        // A site that releases on entry has nothing to release.
        state: (policy == ReleasePolicy::OnEntry).then_some(WorkState::Awaiting),
        limit: Some(LIST_LIMIT),
    };
    let may_read_packages = user.session.actor.role.may(Action::ReadPackages);
    let (items, known_packages, analyzer_waiting) =
        run_action(&ctx, &user.session.actor, move |ctx, actor, now| {
            let items = results::worklist(ctx, actor, &filter, now)?;
            let analyzer_waiting = match ctx.config.analyzers.is_empty() {
                true => None,
                false => Some(crate::actions::analyzers::waiting_count(ctx, actor)?),
            };
            let known = if may_read_packages {
                packages::list(
                    ctx,
                    actor,
                    &packages::PackageFilter {
                        status: None,
                        limit: Some(100),
                    },
                    now,
                )?
                .into_iter()
                .map(|p| p.package_id)
                .collect()
            } else {
                Vec::new()
            };
            Ok((items, known, analyzer_waiting))
        })
        .await??;
    let (awaiting, entered): (Vec<&WorkItem>, Vec<&WorkItem>) =
        items.iter().partition(|i| i.state == WorkState::Awaiting);
    let me = user.session.actor.name.clone();
    let second_person = policy == ReleasePolicy::SecondPerson;
    let assays: Vec<&str> = ctx.config.assays.iter().map(|a| a.name.as_str()).collect();

    let body = markup! {
        div class="results-page" {
            h1 { (w.title) }
            p { (w.intro) }
            p class="policy" id="release-policy" data-policy=(if second_person { "second_person" } else { "on_entry" }) {
                (if second_person { w.policy_second_person } else { w.policy_on_entry })
            }
            noscript { p class="error" { (w.needs_javascript) } }
            // The desk is one long page: its parts are a jump away.
            nav class="page-parts" aria-label=(w.parts_label) {
                ul {
                    li { a href="#worklist-title" { (w.worklist_title) } }
                    @if second_person { li { a href="#release-title" { (w.release_title) } } }
                    li { a href="#correct-title" { (w.correct_title) } }
                    li { a href="#import-title" { (w.import_title) } }
                    @if let Some(n) = analyzer_waiting {
                        li { a href="/results/analyzers" { (w.analyzers_link.replace("{n}", &n.to_string())) } }
                    }
                }
            }
            (filters(lang, w, day, bad_day, asked_day, method, package.as_deref(), &known_packages))
            (keys_help(lang, w))
            (worklist(lang, w, &awaiting, items.len() as i64 >= LIST_LIMIT))
            (done_section(w))
            @if second_person {
                (release_queue(lang, w, &entered, &me))
            }
            (correction_section(lang, w))
            (import_section(w, &assays))
            // The outcome of the last action stays in view at the bottom of
            // the screen while the technician works down the list.
            div class="results-status" {
                p id="results-live" role="status" aria-live="polite" {}
                div id="results-alert" role="alert" aria-live="assertive" {}
            }
            (json_island("results-data", &script_data(lang, w, second_person, &me)))
        }
    };
    let place = Place {
        scripts: &["results.js"],
        ..Place::of(lang, "/results", &user.session, Section::Results)
    };
    Ok(answer(&req, StatusCode::OK, &place, w.title, body))
}

/// What the script needs: the words, the result names and keys, the
/// status and method names, the policy and who is signed in.
fn script_data(lang: Lang, w: &ResultsText, second_person: bool, me: &str) -> serde_json::Value {
    let results: Vec<_> = CHOICES
        .iter()
        .map(|(r, key)| {
            serde_json::json!({
                "code": r.code(),
                "name": test_result_name(*r, lang),
                "key": key.to_string(),
            })
        })
        .collect();
    let statuses: serde_json::Map<String, serde_json::Value> = [
        ResultStatus::Entered,
        ResultStatus::Released,
        ResultStatus::Returned,
    ]
    .iter()
    .map(|s| (s.code().to_string(), result_status_name(*s, lang).into()))
    .collect();
    let methods: serde_json::Map<String, serde_json::Value> = TestMethod::ALL
        .iter()
        .map(|m| (m.code().to_string(), test_method_name(*m, lang).into()))
        .collect();
    serde_json::json!({
        "lang": lang.code(),
        "t": w,
        "results": results,
        "statuses": statuses,
        "methods": methods,
        "second_person": second_person,
        "me": me,
    })
}

#[allow(clippy::too_many_arguments)]
fn filters(
    lang: Lang,
    w: &ResultsText,
    day: Option<NaiveDate>,
    bad_day: bool,
    asked_day: Option<&str>,
    method: Option<TestMethod>,
    package: Option<&str>,
    known_packages: &[String],
) -> Markup {
    let day_value = day
        .map(|d| d.to_string())
        .or_else(|| asked_day.map(str::to_string))
        .unwrap_or_default();
    markup! {
        section aria-labelledby="filters-title" class="results-filters" {
            h2 id="filters-title" class="visually-hidden" { (w.filters_title) }
            form method="get" action="/results" id="filters" class="filter-form" {
                div class="field" {
                    label for="filter-day" { (w.day) }
                    input type="date" id="filter-day" name="day" value=(day_value)
                        aria-describedby="filter-day-hint" aria-invalid=[bad_day.then_some("true")];
                    span id="filter-day-hint" class="hint" { (w.day_hint) }
                }
                div class="field" {
                    label for="filter-method" { (w.method) }
                    select id="filter-method" name="method" {
                        option value="" selected[method.is_none()] { (w.any_method) }
                        @for m in TestMethod::ALL {
                            option value=(m.code()) selected[method == Some(m)] { (test_method_name(m, lang)) }
                        }
                    }
                }
                div class="field" {
                    label for="filter-package" { (w.package) }
                    input type="text" id="filter-package" name="package" value=(package.unwrap_or(""))
                        list="known-packages" autocomplete="off" spellcheck="false"
                        aria-describedby="filter-package-hint";
                    span id="filter-package-hint" class="hint" { (w.package_hint) }
                    datalist id="known-packages" {
                        @for p in known_packages { option value=(p) {} }
                    }
                }
                div class="filter-actions" {
                    button type="submit" class="primary" id="filters-show" { (w.show) }
                    a href="/results" { (w.clear_filters) }
                }
            }
            @if bad_day {
                p class="error" id="bad-day" { (w.bad_day) }
            }
        }
    }
}

fn keys_help(lang: Lang, w: &ResultsText) -> Markup {
    let moves = [
        (&["Enter"][..], w.key_enter),
        (&["↓", "↑"][..], w.key_rows),
        (&["←", "→"][..], w.key_choices),
        (&["X"][..], w.key_select),
    ];
    markup! {
        details class="keys" id="keys-help" open {
            summary { (w.keys_title) }
            ul class="keys-list" {
                @for (r, key) in CHOICES {
                    li { kbd { (key) } " " (test_result_name(r, lang)) }
                }
                @for (keys, what) in moves {
                    li {
                        @for k in keys { kbd { (k) } " " }
                        (what)
                    }
                }
            }
            p class="hint" { (w.key_ime) }
        }
    }
}

fn patient_cell(item: &WorkItem) -> Markup {
    let p = &item.specimen.patient;
    markup! {
        span class="patient-name" { (p.name) }
        @if let Some(id) = &p.patient_id {
            " " span class="patient-id" { code { (id) } }
        }
    }
}

/// A result's name on its choice: the catalogue's name without its
/// parenthesised gloss (判定保留, not 判定保留（再検査）), so the four
/// choices fit one line of a row; the gloss is in the keys' list.
fn choice_name(r: TestResult, lang: Lang) -> &'static str {
    let name = test_result_name(r, lang);
    name.split_once('（').map_or(name, |(short, _)| short)
}

fn specimen_link(id: &str) -> Markup {
    markup! {
        a href={ "/specimens/" (encode_path_segment(id)) } { code { (id) } }
    }
}

fn worklist(lang: Lang, w: &ResultsText, awaiting: &[&WorkItem], at_limit: bool) -> Markup {
    let count = w.worklist_count.replace("{n}", &awaiting.len().to_string());
    let batch_label = w
        .batch_button
        .replace("{result}", test_result_name(TestResult::Negative, lang));
    markup! {
        section aria-labelledby="worklist-title" class="worklist" {
            h2 id="worklist-title" {
                (w.worklist_title) " "
                span class="count" id="worklist-count" { (count) }
            }
            @if at_limit { p class="hint" { (w.worklist_limit) } }
            p id="worklist-empty" class="none" hidden[!awaiting.is_empty()] { (w.worklist_empty) }
            div class="entry-settings" {
                label for="resulted-at" { (w.resulted_at) }
                input type="datetime-local" id="resulted-at" step="60" aria-describedby="resulted-at-hint";
                span id="resulted-at-hint" class="hint" { (w.resulted_at_hint) }
            }
            @if !awaiting.is_empty() {
                div class="batch" id="batch" role="group" aria-labelledby="batch-title" {
                    h3 id="batch-title" class="visually-hidden" { (w.batch_title) }
                    label for="batch-result" { (w.batch_result) }
                    select id="batch-result" {
                        @for (r, _) in CHOICES {
                            option value=(r.code()) selected[r == TestResult::Negative] { (test_result_name(r, lang)) }
                        }
                    }
                    button type="button" class="primary" id="batch-record" { (batch_label) }
                    span id="batch-count" class="hint" { (w.batch_selected.replace("{n}", "0")) }
                }
                div class="table-scroll" {
                    table class="data worklist-table" id="worklist" {
                        thead {
                            tr {
                                th scope="col" class="select" {
                                    input type="checkbox" id="select-all" aria-label=(w.select_all);
                                }
                                th scope="col" { (w.col_specimen) }
                                th scope="col" { (w.col_patient) }
                                th scope="col" { (w.col_type) }
                                th scope="col" { (w.col_method) }
                                th scope="col" { (w.col_collected) }
                                th scope="col" { (w.col_state) }
                                th scope="col" { (w.col_entry) }
                            }
                        }
                        tbody id="worklist-body" {
                            @for (i, item) in awaiting.iter().enumerate() {
                                (work_row(lang, w, i, item))
                            }
                        }
                    }
                }
            }
        }
    }
}

fn work_row(lang: Lang, w: &ResultsText, i: usize, item: &WorkItem) -> Markup {
    let s = &item.specimen;
    let id = &s.specimen_id;
    let returned = item
        .pending
        .as_ref()
        .filter(|r| r.status == ResultStatus::Returned);
    let row = format!("row-{i}");
    markup! {
        tr class="work-row" id=(row) data-specimen=(id) data-method=(s.test_method.code())
            data-collected=(s.collected_at.to_rfc3339())
            data-received=(if item.received { "true" } else { "false" })
            data-versions=(serde_json::to_string(&s.results).unwrap_or_else(|_| "[]".into())) {
            td class="select" {
                input type="checkbox" class="row-select" disabled[!item.received]
                    aria-label=(w.select_row.replace("{id}", id));
            }
            th scope="row" { (specimen_link(id)) }
            td { (patient_cell(item)) }
            td class="type" { (specimen_type_name(s.specimen_type, lang)) }
            td class="method" { (test_method_name(s.test_method, lang)) }
            td class="collected" { (time_tag(&s.collected_at)) }
            td class="state" {
                @if !item.received {
                    span class="badge not-received" { (w.state_not_received) }
                    p class="hint" { (w.not_received_hint) }
                } @else if let Some(r) = returned {
                    span class="badge returned" { (w.state_returned) }
                    @if let Some(reason) = &r.return_reason {
                        p class="return-reason" { (w.return_reason) ": " (reason) }
                    }
                } @else {
                    span class="badge awaiting" { (w.state_awaiting) }
                }
                // Only a returned tube has versions to show here.
                @if !s.results.is_empty() {
                    div class="history" { (history(lang, w, &s.results)) }
                }
            }
            td class="entry" {
                div class="entry-line" {
                fieldset class="choices" disabled[!item.received] {
                    legend class="visually-hidden" { (w.entry_legend.replace("{id}", id)) }
                    @for (r, key) in CHOICES {
                        label class={ "choice " (r.code()) } {
                            input type="radio" name={ "result-" (i) } value=(r.code()) data-key=(key);
                            span class="key" aria-hidden="true" { (key) }
                            " " (choice_name(r, lang))
                        }
                    }
                }
                button type="button" class="save" data-action="save" disabled[!item.received] { (w.save) }
                }
                div class="row-error" id={ (row) "-error" } hidden {}
            }
        }
    }
}

/// A tube's result versions, newest first, in a `<details>`.
pub fn history(lang: Lang, w: &ResultsText, versions: &[ResultView]) -> Markup {
    markup! {
        @if versions.is_empty() {
            span class="none" { (w.history_empty) }
        } @else {
            details class="result-history" {
                summary { (w.history_summary.replace("{n}", &versions.len().to_string())) }
                table class="data history-table" {
                    (column_heads(&[w.h_version, w.h_result, w.h_status, w.h_ct, w.h_resulted_at, w.h_by, w.h_decided_by, w.h_reason]))
                    @let standing = versions
                        .iter()
                        .filter(|v| v.status != ResultStatus::Returned)
                        .map(|v| v.version)
                        .max();
                    tbody {
                        @for v in versions.iter().rev() {
                            tr data-version=(v.version) data-status=(v.status.code()) {
                                td {
                                    (w.version_value.replace("{n}", &v.version.to_string()))
                                    @if v.correction { br; span class="mark correction" { (w.correction_mark) } }
                                }
                                td class="result" { (test_result_name(v.result, lang)) br; span class="hint" { (test_method_name(v.method, lang)) } }
                                td {
                                    @if v.status == ResultStatus::Entered && Some(v.version) != standing {
                                        (w.status_replaced)
                                    } @else {
                                        (result_status_name(v.status, lang))
                                    }
                                }
                                td { (ct_text(w, v)) }
                                td { (time_tag(&v.resulted_at)) }
                                td { (v.recorded_by) br; (time_tag(&v.recorded_at)) }
                                td {
                                    @if let Some(by) = &v.released_by { (by) }
                                    @if let Some(at) = &v.released_at { br; (time_tag(at)) }
                                }
                                td {
                                    @if let Some(r) = &v.correction_reason { span class="mark correction" { (w.correction_mark) } ": " (r) }
                                    @if let Some(r) = &v.return_reason { @if v.correction_reason.is_some() { br; } span class="mark returned" { (w.returned_mark) } ": " (r) }
                                    @if let Some(well) = &v.well { br; span class="hint" { (w.h_import) ": " (well) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Ct values as the desk writes them: `N1 24.1 / RP 27.0`, undetermined
/// in words.
fn ct_text(w: &ResultsText, v: &ResultView) -> String {
    v.ct.as_ref()
        .map(|ct| {
            ct.iter()
                .map(|(target, value)| match value {
                    Some(x) => format!("{target} {x:.1}"),
                    None => format!("{target} {}", w.undetermined),
                })
                .collect::<Vec<_>>()
                .join(" / ")
        })
        .unwrap_or_default()
}

fn done_section(w: &ResultsText) -> Markup {
    markup! {
        section aria-labelledby="done-title" id="done" class="done-list" hidden {
            h2 id="done-title" { (w.done_title) }
            p class="hint" { (w.done_intro) }
            div class="table-scroll" {
                table class="data" id="done-table" {
                    (column_heads(&[w.col_specimen, w.col_patient, w.col_result, w.col_state, w.col_history, w.col_actions]))
                    tbody id="done-body" {}
                }
            }
        }
    }
}

fn release_queue(lang: Lang, w: &ResultsText, entered: &[&WorkItem], me: &str) -> Markup {
    markup! {
        section aria-labelledby="release-title" id="release-queue" class="release-queue" {
            h2 id="release-title" {
                (w.release_title) " "
                span class="count" id="release-count" { (w.worklist_count.replace("{n}", &entered.len().to_string())) }
            }
            p { (w.release_intro) }
            p id="release-empty" class="none" hidden[!entered.is_empty()] { (w.release_empty) }
            @let others = entered
                .iter()
                .filter(|i| i.pending.as_ref().is_some_and(|r| r.recorded_by != me))
                .count();
            @if others > 1 {
                // A checker releasing a whole plate checks the list, then
                // releases it at once rather than row by row.
                p class="release-all" {
                    button type="button" id="release-all" {
                        (w.release_all.replace("{n}", &others.to_string()))
                    }
                }
            }
            @if !entered.is_empty() {
                div class="table-scroll" {
                    table class="data release-table" id="release-table" {
                        (column_heads(&[w.col_specimen, w.col_patient, w.col_result, w.col_entered_by, w.col_history, w.col_decide]))
                        tbody id="release-body" {
                            @for (i, item) in entered.iter().enumerate() {
                                @if let Some(r) = &item.pending {
                                    (release_row(lang, w, i, item, r, me))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn release_row(
    lang: Lang,
    w: &ResultsText,
    i: usize,
    item: &WorkItem,
    r: &ResultView,
    me: &str,
) -> Markup {
    let id = &item.specimen.specimen_id;
    let row = format!("release-{i}");
    let own = r.recorded_by == me;
    markup! {
        tr class="release-row" id=(row) data-specimen=(id) data-version=(r.version)
            data-own=[own.then_some("true")] {
            th scope="row" { (specimen_link(id)) }
            td { (patient_cell(item)) }
            td class="result" {
                strong { (test_result_name(r.result, lang)) }
                " (" (w.version_value.replace("{n}", &r.version.to_string())) ")"
                @let ct = ct_text(w, r);
                @if !ct.is_empty() { br; span class="hint" { (ct) } }
                @if let Some(reason) = &r.correction_reason {
                    br; span class="mark correction" { (w.correction_mark) } ": " (reason)
                }
            }
            td { (r.recorded_by) br; (time_tag(&r.recorded_at)) }
            td class="history" { (history(lang, w, &item.specimen.results)) }
            td class="decide" {
                @if own { p class="hint own" { (w.own_entry) } }
                div class="decide-buttons" {
                    button type="button" class="primary" data-action="release" { (w.release_button) }
                    button type="button" data-action="correct" { (w.correct_open) }
                }
                div class="return-form" {
                    label for={ (row) "-reason" } { (w.return_reason_label) }
                    input type="text" class="return-reason" id={ (row) "-reason" } maxlength="500" autocomplete="off";
                    button type="button" data-action="return" { (w.return_button) }
                }
                div class="row-error" id={ (row) "-error" } hidden {}
            }
        }
    }
}

fn correction_section(lang: Lang, w: &ResultsText) -> Markup {
    markup! {
        section aria-labelledby="correct-title" id="correct" class="correct" {
            h2 id="correct-title" tabindex="-1" { (w.correct_title) }
            p { (w.correct_intro) }
            form id="correct-lookup" class="inline-form" autocomplete="off" {
                label for="correct-id" { (w.lookup_label) }
                input type="text" id="correct-id" spellcheck="false" aria-describedby="correct-id-hint";
                button type="submit" id="correct-open" { (w.lookup_button) }
                span id="correct-id-hint" class="hint" { (w.lookup_hint) }
            }
            div id="correct-panel" hidden {
                p id="correct-current" {}
                div id="correct-history" {}
                form id="correct-form" autocomplete="off" {
                    fieldset class="choices" {
                        legend { (w.new_result) }
                        @for (r, key) in CHOICES {
                            label class={ "choice " (r.code()) } {
                                input type="radio" name="correct-result" value=(r.code()) data-key=(key);
                                span class="key" aria-hidden="true" { (key) }
                                " " (test_result_name(r, lang))
                            }
                        }
                    }
                    div class="field" {
                        label for="correct-reason" { (w.reason) }
                        textarea id="correct-reason" rows="2" maxlength="500"
                            aria-describedby="correct-reason-hint correct-error" {}
                        p id="correct-reason-hint" class="hint" { (w.reason_hint) }
                        div id="correct-error" class="field-error" hidden {}
                    }
                    div class="correct-actions" {
                        button type="submit" class="primary" id="correct-submit" { (w.correct_button) }
                        button type="button" id="correct-close" { (w.cancel) }
                    }
                }
            }
            p id="correct-message" hidden {}
        }
    }
}

fn import_section(w: &ResultsText, assays: &[&str]) -> Markup {
    let formats = [w.format_quantstudio, w.format_cfx, w.format_generic];
    markup! {
        section aria-labelledby="import-title" id="import" class="import" {
            h2 id="import-title" { (w.import_title) }
            p { (w.import_intro) }
            @if assays.is_empty() {
                p class="error" id="import-no-assays" { (w.no_assays) }
            } @else {
                form id="import-form" class="import-form" autocomplete="off" {
                    div class="field" {
                        label for="import-format" { (w.import_format) }
                        select id="import-format" name="format" {
                            @for (code, label) in FORMATS.iter().zip(formats) {
                                option value=(code) { (label) }
                            }
                        }
                    }
                    div class="field" {
                        label for="import-assay" { (w.import_assay) }
                        select id="import-assay" name="assay" {
                            @for a in assays { option value=(a) { (a) } }
                        }
                    }
                    div class="field wide" {
                        label for="import-file" { (w.import_file) }
                        input type="file" id="import-file" name="file" accept=".csv,.txt,.tsv,text/csv,text/plain"
                            aria-describedby="import-file-hint";
                        span id="import-file-hint" class="hint" { (w.import_file_hint) }
                    }
                    div class="import-actions" {
                        button type="submit" class="primary" id="import-read" { (w.import_preview_button) }
                    }
                }
            }
            div id="import-error" hidden {}
            div id="import-preview" hidden {}
            p id="import-result" hidden {}
        }
    }
}
