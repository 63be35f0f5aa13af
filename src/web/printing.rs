//! The printing page (`/admin/printing`): each `[[printer]]` with the
//! status its protocol reports (paper out, head open), and the print
//! queue with each job's state, attempts and last error, and a retry
//! button. Admin only, as the other admin pages: the queue names every
//! tube and package printed.
//!
//! Also the buttons a document's page (a tube's label, a package's slip
//! and labels) shows for each printer that can print it, and the form
//! they post (`POST /print`), which queues the job as the API does.

use super::desks::{answer, checked_form, forbidden, open, Place};
use super::layout::{column_heads, time_tag, Section};
use super::text::admin::fill;
use super::text::printing::{self as words, PrintingText};
use super::text::Lang;
use super::{read_form, run_action, see_other, CsrfForm, SignedIn};
use crate::actions::printing::{self, JobState, PrintJobView, PrintRequest};
use crate::actions::{ActionError, Ctx};
use crate::config::{PrintDocument, PrinterKind};
use crate::domain::messages::RecordMsg;
use crate::domain::{Notice, RuleCode};
use crate::http::auth::csrf_matches;
use crate::http::AppError;
use crate::printing::PrinterView;
use actix_web::http::StatusCode;
use actix_web::ResponseError;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html as markup, Markup};
use serde::Deserialize;

pub const PATH: &str = "/admin/printing";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

enum Note {
    None,
    Retried,
    Refused(AppError),
}

fn note_block(lang: Lang, t: &PrintingText, note: &Note) -> Markup {
    markup! {
        @match note {
            Note::None => {},
            Note::Retried => p class="admin-done" role="status" { (t.retried_done) },
            Note::Refused(e) => div class="error" role="alert" id="form-error" {
                p { (e.message().render(lang)) }
                p class="detail" { (t.error_code) ": " code { (e.code().as_str()) } }
            },
        }
    }
}

fn status_words(t: &PrintingText, printer: &PrinterView) -> String {
    match &printer.status {
        None => format!(
            "{}{}",
            t.unreachable,
            printer
                .error
                .as_ref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ),
        Some(s) => {
            let mut said = Vec::new();
            if s.paper_out {
                said.push(t.paper_out.to_string());
            }
            if s.head_open {
                said.push(t.head_open.to_string());
            }
            let others: Vec<&str> = s
                .reasons
                .iter()
                .map(String::as_str)
                .filter(|r| {
                    !["media-empty", "media-needed", "cover-open", "door-open"]
                        .iter()
                        .any(|p| r.starts_with(p))
                })
                .collect();
            if !others.is_empty() {
                said.push(others.join(", "));
            }
            if said.is_empty() {
                t.ready.to_string()
            } else {
                said.join(" / ")
            }
        }
    }
}

fn cause_words(t: &PrintingText, cause: &str) -> String {
    match cause {
        "request" => t.cause_request.to_string(),
        "register" => t.cause_register.to_string(),
        "package" => t.cause_package.to_string(),
        other => other.to_string(),
    }
}

fn printers_block(t: &PrintingText, printers: &[PrinterView]) -> Markup {
    markup! {
        section aria-labelledby="printers-title" {
            h2 id="printers-title" { (t.printers_title) }
            @if printers.is_empty() {
                p { (t.no_printers) }
            } @else {
                table class="data printers" {
                    (column_heads(&[t.col_name, t.col_kind, t.col_address, t.col_status]))
                    tbody {
                        @for p in printers {
                            tr {
                                td { (p.name) }
                                td { (p.kind.as_str()) }
                                td { code { (p.address) } }
                                td { (status_words(t, p)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn jobs_block(lang: Lang, t: &PrintingText, csrf: &str, jobs: &[PrintJobView]) -> Markup {
    markup! {
        section aria-labelledby="jobs-title" {
            h2 id="jobs-title" { (t.jobs_title) }
            @if jobs.is_empty() {
                p { (t.no_jobs) }
            } @else {
                table class="data print-jobs" {
                    (column_heads(&[
                        t.col_id, t.col_created, t.col_printer, t.col_document, t.col_target,
                        t.col_state, t.col_attempts, t.col_error, t.col_action,
                    ]))
                    tbody {
                        @for job in jobs {
                            tr data-state=(job.state.as_str()) {
                                td { (job.id) }
                                td { (time_tag(&job.created_at)) }
                                td { (job.printer) }
                                td { (words::document_name(lang, &job.document)) " (" (cause_words(t, &job.cause)) ")" }
                                td { (job.target) }
                                td { (words::state_name(lang, job.state)) }
                                td { (job.attempts) }
                                td { (job.last_error.clone().unwrap_or_default()) }
                                td {
                                    @if matches!(job.state, JobState::Failed | JobState::Queued) {
                                        form method="post" action={ (PATH) "/jobs/" (job.id) "/retry" } class="inline" {
                                            input type="hidden" name="csrf" value=(csrf);
                                            button type="submit" aria-label=(fill(t.retry_label, &[("id", &job.id.to_string())])) {
                                                (t.retry_button)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

async fn page_with(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    note: Note,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(req);
    let t = words::printing(lang);
    let (printers, jobs) = run_action(ctx, &user.session.actor, |ctx, actor, _| {
        Ok((
            crate::http::printing::printer_views(ctx, actor)?,
            printing::list(ctx, actor)?,
        ))
    })
    .await??;
    let status = match &note {
        Note::Refused(e) => e.status_code(),
        _ => StatusCode::OK,
    };
    let body = markup! {
        h1 { (t.title) }
        p { (t.intro) }
        (note_block(lang, t, &note))
        (printers_block(t, &printers))
        (jobs_block(lang, t, &user.session.csrf, &jobs))
    };
    Ok(super::admin::admin_page(req, user, status, PATH, &[], body))
}

/// `GET /admin/printing`.
pub async fn page(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Admin) {
        return Ok(refused);
    }
    let note = if query.done == "retried" {
        Note::Retried
    } else {
        Note::None
    };
    page_with(&req, &user, &ctx, note).await
}

/// `POST /admin/printing/jobs/{job_id}/retry`: 303 back to the page, or
/// the page with the refusal.
pub async fn retry(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if let Err(refused) = checked_form(
        &req,
        &user,
        &body,
        Section::Admin,
        forbidden,
        |f: &CsrfForm| f.csrf.as_str(),
    ) {
        return Ok(*refused);
    }
    let raw = req
        .match_info()
        .get("job_id")
        .unwrap_or_default()
        .to_string();
    let retried = run_action(&ctx, &user.session.actor, move |ctx, actor, now| {
        let id = raw.parse::<i64>().map_err(|_| {
            ActionError::NotFound(Notice::new(
                RuleCode::UnknownPrintJob,
                RecordMsg::NoPrintJob { id: raw.clone() },
            ))
        })?;
        printing::retry(ctx, actor, id, now)
    })
    .await?;
    match retried {
        Ok(_) => Ok(see_other(&format!("{PATH}?done=retried"))),
        Err(e) => page_with(&req, &user, &ctx, Note::Refused(e.into())).await,
    }
}

/// Where the print form sends the person back to: a path on this site,
/// never another site's address.
fn local_path(back: &str) -> &str {
    let local = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && !back.chars().any(char::is_control);
    if local {
        back
    } else {
        "/"
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PrintedQuery {
    printed: Option<i64>,
}

/// A document page's buttons: one for each printer that can print
/// `document`, each posting `id` to `POST /print` and coming back to
/// `back`; and, back from it, which job was sent. Empty where no printer
/// can print it.
pub fn send_buttons(
    req: &HttpRequest,
    user: &SignedIn,
    document: PrintDocument,
    id: &str,
    back: &str,
) -> Markup {
    markup! {
        (printed_note(req))
        (send_buttons_on(req, user, document, id, back, &[PrinterKind::Raw9100, PrinterKind::Ipp]))
    }
}

/// Back from `POST /print`: which job was sent (`?printed=`), if any.
pub fn printed_note(req: &HttpRequest) -> Markup {
    let t = words::printing(super::lang(req));
    let printed = web::Query::<PrintedQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.printed);
    markup! {
        @if let Some(job) = printed {
            p class="done" role="status" { (fill(t.sent_done, &[("id", &job.to_string())])) }
        }
    }
}

/// The buttons of [`send_buttons`] alone, for the printers of `kinds`
/// only (the command sheet goes whole to a label printer, a page at a
/// time to an IPP one).
pub fn send_buttons_on(
    req: &HttpRequest,
    user: &SignedIn,
    document: PrintDocument,
    id: &str,
    back: &str,
    kinds: &[PrinterKind],
) -> Markup {
    let Some(ctx) = req.app_data::<web::Data<Ctx>>() else {
        return markup! {};
    };
    let lang = super::lang(req);
    let t = words::printing(lang);
    let printers: Vec<&str> = ctx
        .config
        .printers
        .iter()
        .filter(|p| kinds.contains(&p.kind) && document.printable_on(p.kind))
        .map(|p| p.name.as_str())
        .collect();
    markup! {
        @if !printers.is_empty() && user.session.actor.role.may(crate::domain::roles::Action::Print) {
            div class="print-to" {
                @for name in &printers {
                    form method="post" action="/print" class="inline" {
                        input type="hidden" name="csrf" value=(user.session.csrf);
                        input type="hidden" name="printer" value=(name);
                        input type="hidden" name="document" value=(document.as_str());
                        input type="hidden" name="id" value=(id);
                        input type="hidden" name="back" value=(back);
                        button type="submit" { (fill(t.send_on, &[("name", name)])) }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SendForm {
    csrf: String,
    printer: String,
    document: String,
    id: String,
    back: String,
}

/// `POST /print`: queues the document on the printer and answers 303
/// back to the page it came from with `?printed=` the job; or a page with
/// the refusal and the way back.
pub async fn send(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(&req);
    let form: SendForm = read_form(&body);
    if !csrf_matches(Some(&form.csrf), &user.session.csrf) {
        return Ok(forbidden(&req, lang, Some(&user.session)));
    }
    let back = local_path(&form.back).to_string();
    let SendForm {
        printer,
        document,
        id,
        ..
    } = form;
    let queued = run_action(&ctx, &user.session.actor, move |ctx, actor, now| {
        let document = PrintDocument::from_code(&document).ok_or_else(|| {
            ActionError::invalid(crate::domain::messages::InputMsg::NotOneOf {
                field: "document".into(),
                value: document.clone(),
                allowed: crate::domain::messages::allowed(
                    &PrintDocument::ALL.map(PrintDocument::as_str),
                ),
            })
        })?;
        let request = PrintRequest {
            printer,
            document,
            id: Some(id).filter(|i| !i.is_empty()),
        };
        printing::request(ctx, actor, &request, now)
    })
    .await?;
    match queued {
        Ok(job) => {
            let joint = if back.contains('?') { '&' } else { '?' };
            Ok(see_other(&format!("{back}{joint}printed={}", job.id)))
        }
        Err(e) => {
            let e = AppError::from(e);
            let status = e.status_code();
            let note = Note::Refused(e);
            let t = words::printing(lang);
            let body = markup! {
                h1 { (t.title) }
                (note_block(lang, t, &note))
                p { a href=(back) { (t.back) } }
            };
            let place = Place {
                lang,
                path: "/print",
                session: Some(&user.session),
                section: None,
                scripts: &[],
            };
            Ok(answer(&req, status, &place, t.title, body))
        }
    }
}
