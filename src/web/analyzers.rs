//! The analyser desk (`/results/analyzers`): what analysers sent that
//! waits for a person (link it to the right specimen, or discard it with a
//! reason), the state of each analyser's link, and each analyser's message
//! log.
//!
//! Plain forms, one per row: a technician clears the queue with a scanner
//! in the specimen field and Enter, and the page works without its script.

use super::desks::{answer, checked_form, forbidden, not_found, open, Place};
use super::layout::{column_heads, time_tag, Section};
use super::text::analyzers::{analyzers as texts, AnalyzersText};
use super::text::Lang;
use super::{encode_path_segment, form_or_page, run_action, see_other, RecordForm, SignedIn};
use crate::actions::analyzers::{
    self, AnalyzerResultView, DiscardResult, Disposition, LinkResult, MessageView,
};
use crate::actions::{ActionError, Ctx};
use crate::analyzers::{AnalyzerLinks, LinkState, LinkStatus};
use crate::domain::analyzer::{Reading, Unread};
use crate::domain::messages::test_result_name;
use crate::domain::roles::Action;
use crate::domain::RuleCode;
use crate::http::AppError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use maud::{html as markup, Markup};
use serde::Deserialize;

const PATH: &str = "/results/analyzers";

/// What a row's forms post.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct QueueForm {
    csrf: String,
    specimen_id: String,
    reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DoneQuery {
    done: String,
    /// How many a second reading recorded.
    n: usize,
}

/// What the page says above the queue: a finished action, or the refusal
/// of the one just tried (on its row).
enum Note {
    None,
    Done(&'static str),
    Reread(usize),
    Refused { row: i64, error: Box<AppError> },
}

fn site(ctx: &Ctx, at: DateTime<Utc>) -> DateTime<chrono::FixedOffset> {
    ctx.site_time(at.naive_utc())
}

/// `GET /results/analyzers`.
pub async fn queue(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    links: Option<web::Data<AnalyzerLinks>>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Results) {
        return Ok(refused);
    }
    let done = web::Query::<DoneQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    let note = match done.done.as_str() {
        "linked" => Note::Done("linked"),
        "discarded" => Note::Done("discarded"),
        "reread" => Note::Reread(done.n),
        _ => Note::None,
    };
    draw(&req, &user, &ctx, links, StatusCode::OK, note, None).await
}

async fn draw(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    links: Option<web::Data<AnalyzerLinks>>,
    status: StatusCode,
    note: Note,
    form: Option<&QueueForm>,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(req);
    let w = texts(lang);
    let waiting = run_action(ctx, &user.session.actor, |ctx, actor, _| {
        analyzers::waiting(ctx, actor)
    })
    .await??;
    let statuses = links
        .map(|l| l.statuses(&ctx.config.analyzers))
        .unwrap_or_default();
    let may_act = user.session.actor.role.may(Action::RecordResult);
    let body = markup! {
        div class="analyzers-page" {
            h1 { (w.title) }
            p { (w.intro) }
            (note_block(lang, w, &note))
            section aria-labelledby="queue-title" {
                h2 id="queue-title" { (w.queue_title) " (" (waiting.len()) ")" }
                @if waiting.is_empty() {
                    p class="empty" { (w.queue_empty) }
                } @else {
                    table class="analyzer-queue" {
                        (column_heads(&[w.col_completed, w.col_analyzer, w.col_specimen, w.col_reading, w.col_why, w.col_action]))
                        tbody {
                            @for row in &waiting {
                                (queue_row(ctx, lang, w, row, may_act, &user.session.csrf, &note, form))
                            }
                        }
                    }
                    @if may_act {
                        form method="post" action={ (PATH) "/reread" } class="reread-form" {
                            input type="hidden" name="csrf" value=(user.session.csrf);
                            p class="hint" { (w.reread_hint) }
                            button type="submit" { (w.reread_button) }
                        }
                    }
                }
            }
            (links_section(ctx, lang, w, &statuses))
        }
    };
    let place = Place::of(lang, PATH, &user.session, Section::Results);
    Ok(answer(req, status, &place, w.title, body))
}

fn note_block(lang: Lang, w: &AnalyzersText, note: &Note) -> Markup {
    markup! {
        @match note {
            Note::Done(kind) => div class="done" role="status" {
                (if *kind == "linked" { w.linked_done } else { w.discarded_done })
            },
            Note::Reread(n) => div class="done" role="status" {
                (w.reread_done.replace("{n}", &n.to_string()))
            },
            Note::Refused { error, .. } => div class="error" role="alert" id="form-error" tabindex="-1" {
                p { (error.code().title(lang)) }
                p class="detail" { (error.message().render(lang)) }
                p class="detail" { (w.error_code) ": " code { (error.code().as_str()) } }
            },
            Note::None => {},
        }
    }
}

/// The words of a reading: the result and each Ct.
fn reading_text(lang: Lang, w: &AnalyzersText, reading: &Reading) -> String {
    let mut out = match reading.result {
        Some(r) => test_result_name(r, lang).to_string(),
        None => w.no_result.to_string(),
    };
    for (target, ct) in &reading.ct {
        match ct {
            Some(v) => out.push_str(&format!(" · {target} {v}")),
            None => out.push_str(&format!(" · {target} —")),
        }
    }
    out
}

fn why(lang: Lang, w: &AnalyzersText, row: &AnalyzerResultView) -> Markup {
    let unread: Vec<String> = row
        .reading
        .unread
        .iter()
        .map(|u| match u {
            Unread::UnknownCode { code } => format!("{} ({code})", w.unread_unknown_code),
            Unread::UnknownValue { code, value } => {
                format!("{} ({code}: {value})", w.unread_unknown_value)
            }
            Unread::NotACt { code, value } => format!("{} ({code}: {value})", w.unread_not_a_ct),
            Unread::NotFinal { code, status } => {
                format!("{} ({code}: {status})", w.unread_not_final)
            }
        })
        .collect();
    markup! {
        @match row.state {
            Disposition::Unmatched => {
                (w.why_unmatched)
                @if row.reading.result.is_none() {
                    br; (w.why_unread)
                    @for u in &unread { br; (u) }
                }
            },
            Disposition::Refused => {
                (w.why_refused)
                @for code in row.note.iter().flat_map(|n| n.split(',')) {
                    br;
                    @match serde_json::from_value::<RuleCode>(serde_json::Value::String(code.to_string())) {
                        Ok(rule) => { (rule.title(lang)) " " code { (code) } },
                        Err(_) => code { (code) },
                    }
                }
            },
            _ => {
                (w.why_unread)
                @if row.reading.conflicting { br; (w.unread_conflicting) }
                @for u in &unread { br; (u) }
            },
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn queue_row(
    ctx: &Ctx,
    lang: Lang,
    w: &AnalyzersText,
    row: &AnalyzerResultView,
    may_act: bool,
    csrf: &str,
    note: &Note,
    form: Option<&QueueForm>,
) -> Markup {
    let refused_here = matches!(note, Note::Refused { row: r, .. } if *r == row.id);
    let typed = form.filter(|_| refused_here);
    let link_id = format!("link-{}", row.id);
    let reason_id = format!("reason-{}", row.id);
    let discard_id = format!("discard-{}", row.id);
    markup! {
        tr id={ "row-" (row.id) } class=[refused_here.then_some("refused")] {
            td {
                @match row.completed_at {
                    Some(at) => (time_tag(&site(ctx, at))),
                    None => "—",
                }
            }
            td { (row.analyzer) }
            td { code { (row.specimen_id) } }
            td { (reading_text(lang, w, &row.reading)) }
            td { (why(lang, w, row)) }
            td class="actions" {
                @if may_act {
                    form method="post" action={ (PATH) "/" (row.id) "/link" } class="link-form" {
                        input type="hidden" name="csrf" value=(csrf);
                        label for=(link_id) { (w.link_label) }
                        input id=(link_id) name="specimen_id" required autocomplete="off"
                            placeholder=(w.link_hint)
                            value=(typed.map(|f| f.specimen_id.as_str()).unwrap_or(""))
                            autofocus[refused_here];
                        label for=(reason_id) { (w.link_reason) }
                        input id=(reason_id) name="reason" autocomplete="off"
                            value=(typed.map(|f| f.reason.as_str()).unwrap_or(""));
                        button type="submit" class="primary" { (w.link_button) }
                    }
                    form method="post" action={ (PATH) "/" (row.id) "/discard" } class="discard-form" {
                        input type="hidden" name="csrf" value=(csrf);
                        label for=(discard_id) { (w.discard_reason) }
                        input id=(discard_id) name="reason" required autocomplete="off";
                        button type="submit" { (w.discard_button) }
                    }
                }
            }
        }
    }
}

fn state_name(w: &AnalyzersText, state: LinkState) -> &'static str {
    match state {
        LinkState::Disabled => w.state_disabled,
        LinkState::Waiting => w.state_waiting,
        LinkState::Connected => w.state_connected,
        LinkState::Failed => w.state_failed,
    }
}

/// Each analyser's link: its state, last message and last error. On this
/// desk and on the admin page, where whoever looks after the PC sees a
/// cable or an address gone wrong.
pub(super) fn links_section(
    ctx: &Ctx,
    lang: Lang,
    w: &AnalyzersText,
    statuses: &[LinkStatus],
) -> Markup {
    markup! {
        section aria-labelledby="links-title" {
            h2 id="links-title" { (w.links_title) }
            @if statuses.is_empty() {
                p class="empty" { (w.no_analyzers) }
            } @else {
                table class="analyzer-links" {
                    (column_heads(&[w.col_name, w.col_kind, w.col_place, w.col_state, w.col_last_message, w.col_messages, w.col_last_error, w.log_link]))
                    tbody {
                        @for s in statuses {
                            tr {
                                td { (s.name) }
                                td { code { (s.kind) } }
                                td { code { (s.place) } }
                                td class={ "state state-" (format!("{:?}", s.state).to_lowercase()) } { (state_name(w, s.state)) }
                                td { @if let Some(at) = s.last_message_at { (time_tag(&site(ctx, at))) } }
                                td { (s.messages) }
                                td class="link-error" {
                                    @if let Some(problem) = s.last_error_code {
                                        (super::text::analyzers::link_problem(lang, problem))
                                        @if let Some(detail) = &s.last_error { br; code { (detail) } }
                                        @if let Some(at) = s.last_error_at { br; (time_tag(&site(ctx, at))) }
                                    }
                                }
                                td { a href={ (PATH) "/" (encode_path_segment(&s.name)) } { (w.log_link) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /results/analyzers/{name}`: the analyser's latest messages.
pub async fn log(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Results) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let name = path.into_inner();
    if !ctx.config.analyzers.iter().any(|a| a.name() == name) {
        return Ok(not_found(&req, lang, Some(&user.session)));
    }
    let w = texts(lang);
    let wanted = name.clone();
    let messages = run_action(&ctx, &user.session.actor, move |ctx, actor, _| {
        analyzers::messages(ctx, actor, &wanted, 50)
    })
    .await??;
    let body = markup! {
        div class="analyzer-log" {
            h1 { (w.log_title) " " code { (name) } }
            p { (w.log_intro) }
            p { a href=(PATH) { (w.back_to_queue) } }
            @if messages.is_empty() {
                p class="empty" { (w.log_empty) }
            } @else {
                table {
                    (column_heads(&[w.col_received, w.col_control_id, w.col_outcome, w.col_specimens]))
                    tbody {
                        @for m in &messages { (log_row(&ctx, lang, w, m)) }
                    }
                }
            }
        }
    };
    let here = format!("{PATH}/{}", encode_path_segment(&name));
    let place = Place::of(lang, &here, &user.session, Section::Results);
    Ok(answer(&req, StatusCode::OK, &place, w.log_title, body))
}

fn outcome_text(w: &AnalyzersText, m: &MessageView) -> String {
    match &m.outcome {
        None => w.outcome_pending.to_string(),
        Some(o) if o.aborted.is_some() => w.outcome_aborted.to_string(),
        Some(o) => {
            let counts = w
                .outcome_counts
                .replace("{recorded}", &o.recorded.to_string())
                .replace("{waiting}", &o.waiting.to_string());
            match &o.error {
                Some(e) => format!("{}: {e}", w.outcome_error),
                None => counts,
            }
        }
    }
}

fn disposition_name(w: &AnalyzersText, d: Disposition) -> &'static str {
    match d {
        Disposition::Recorded => w.disposition_recorded,
        Disposition::Linked => w.disposition_linked,
        Disposition::Discarded => w.disposition_discarded,
        Disposition::Unmatched => w.why_unmatched,
        Disposition::Unread => w.why_unread,
        Disposition::Refused => w.why_refused,
    }
}

fn log_row(ctx: &Ctx, lang: Lang, w: &AnalyzersText, m: &MessageView) -> Markup {
    markup! {
        tr {
            td { (time_tag(&site(ctx, m.received_at))) }
            td { @if let Some(c) = &m.control_id { code { (c) } } }
            td { (outcome_text(w, m)) }
            td {
                ul class="plain" {
                    @for r in &m.results {
                        li {
                            code { (r.specimen_id) } " "
                            (reading_text(lang, w, &r.reading)) " — "
                            (disposition_name(w, r.state))
                        }
                    }
                }
                details {
                    summary { (w.raw_summary) }
                    pre class="raw" { (m.text) }
                }
            }
        }
    }
}

/// A form posted to the analyser desk by someone who may record results,
/// or the page that answers instead.
fn checked<T: serde::de::DeserializeOwned + Default>(
    req: &HttpRequest,
    user: &SignedIn,
    body: &[u8],
    csrf: impl Fn(&T) -> &str,
) -> Result<T, Box<HttpResponse>> {
    let form = checked_form(req, user, body, Section::Results, forbidden, csrf)?;
    match user.session.actor.role.may(Action::RecordResult) {
        true => Ok(form),
        false => Err(Box::new(forbidden(
            req,
            super::lang(req),
            Some(&user.session),
        ))),
    }
}

/// Runs a link or a discard from a row's form, then shows the queue: with
/// the outcome, or with the refusal on the row.
async fn settle(
    (req, user, ctx, path, body): RecordForm,
    links: Option<web::Data<AnalyzerLinks>>,
    act: fn(
        &Ctx,
        &crate::actions::Actor,
        i64,
        &QueueForm,
    ) -> Result<AnalyzerResultView, ActionError>,
    done: &'static str,
) -> Result<HttpResponse, AppError> {
    let form: QueueForm = form_or_page!(checked(&req, &user, &body, |f: &QueueForm| &f.csrf));
    let Ok(id) = path.into_inner().parse::<i64>() else {
        return Ok(not_found(&req, super::lang(&req), Some(&user.session)));
    };
    let posted = form.clone();
    let outcome = run_action(&ctx, &user.session.actor, move |ctx, actor, _| {
        act(ctx, actor, id, &posted)
    })
    .await?;
    match outcome {
        Ok(_) => Ok(see_other(&format!("{PATH}?done={done}"))),
        Err(e) => {
            let error = AppError::from(e);
            if error.status.is_server_error() {
                return Err(error);
            }
            let status = error.status;
            let note = Note::Refused {
                row: id,
                error: Box::new(error),
            };
            draw(&req, &user, &ctx, links, status, note, Some(&form)).await
        }
    }
}

fn link_action(
    ctx: &Ctx,
    actor: &crate::actions::Actor,
    id: i64,
    form: &QueueForm,
) -> Result<AnalyzerResultView, ActionError> {
    let reason = form.reason.trim();
    analyzers::link(
        ctx,
        actor,
        id,
        &LinkResult {
            specimen_id: form.specimen_id.trim().to_string(),
            reason: (!reason.is_empty()).then(|| reason.to_string()),
        },
    )
}

fn discard_action(
    ctx: &Ctx,
    actor: &crate::actions::Actor,
    id: i64,
    form: &QueueForm,
) -> Result<AnalyzerResultView, ActionError> {
    analyzers::discard(
        ctx,
        actor,
        id,
        &DiscardResult {
            reason: form.reason.clone(),
        },
    )
}

/// `POST /results/analyzers/{id}/link`.
pub async fn link(
    form: RecordForm,
    links: Option<web::Data<AnalyzerLinks>>,
) -> Result<HttpResponse, AppError> {
    settle(form, links, link_action, "linked").await
}

/// `POST /results/analyzers/{id}/discard`.
pub async fn discard(
    form: RecordForm,
    links: Option<web::Data<AnalyzerLinks>>,
) -> Result<HttpResponse, AppError> {
    settle(form, links, discard_action, "discarded").await
}

/// `POST /results/analyzers/reread`: the waiting results read again.
pub async fn reread(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let _: super::CsrfForm =
        form_or_page!(checked(&req, &user, &body, |f: &super::CsrfForm| &f.csrf));
    let recorded = run_action(&ctx, &user.session.actor, |ctx, actor, _| {
        analyzers::reread(ctx, actor)
    })
    .await??;
    Ok(see_other(&format!("{PATH}?done=reread&n={recorded}")))
}
