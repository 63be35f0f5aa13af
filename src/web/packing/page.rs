//! `GET /packing/{package_id}`: one package drawn as its layers, its tubes,
//! its slip fields, what dispatch waits for and its history; also the page
//! a refused form answers with.

use super::checklist::layers;
use super::details::slip_fields;
use super::dispatch::dispatch_section;
use super::forms::Shown;
use super::links::{line_key, missing_target, package_path, tick_anchor};
use super::refusals::{Attempt, Failure, Spot};
use super::words::missing_text;
use super::{open, OPEN};
use crate::actions::packages::{self, PackageView};
use crate::actions::{ActionError, Ctx};
use crate::domain::codes::Notice;
use crate::domain::messages::RuleMsg;
use crate::domain::packaging::{ChecklistItem, Layer};
use crate::domain::RuleCode;
use crate::http::AppError;
use crate::print::label::format_kg;
use crate::web::desks::{answer, not_found, Place};
use crate::web::layout::{column_heads, time_tag, Section};
use crate::web::text::packing::{
    carrier_label, item_label, layer_label, packing, status_label, PackingText,
};
use crate::web::text::Lang;
use crate::web::{run_action, SignedIn};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html as markup, Markup};
use std::collections::HashMap;

/// `GET /packing/{package_id}`: the package as its layers.
pub async fn package(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user) {
        return Ok(refused);
    }
    let shown = web::Query::<Shown>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    package_page(
        &req,
        &user,
        &ctx,
        &path.into_inner(),
        StatusCode::OK,
        Attempt::default(),
        &shown,
    )
    .await
}

/// The package page under `status`; an unknown package is the 404 page.
pub(super) async fn package_page(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    id: &str,
    status: StatusCode,
    attempt: Attempt,
    shown: &Shown,
) -> Result<HttpResponse, AppError> {
    let lang = crate::web::lang(req);
    let id_owned = id.to_string();
    let view = match run_action(ctx, &user.session.actor, move |ctx, actor, now| {
        packages::get(ctx, actor, &id_owned, now)
    })
    .await?
    {
        Ok(v) => v,
        Err(ActionError::NotFound(_)) => return Ok(not_found(req, lang, Some(&user.session))),
        Err(e) => return Err(e.into()),
    };
    let body = package_body(Drawing {
        lang,
        view: &view,
        csrf: &user.session.csrf,
        attempt: &attempt,
        shown,
    });
    let t = packing(lang);
    let title = format!("{} {}", t.package_heading, view.package_id);
    let here = package_path(&view.package_id);
    let place = Place {
        scripts: &["packing.js"],
        ..Place::of(lang, &here, &user.session, Section::Packing)
    };
    Ok(answer(req, status, &place, &title, body))
}

pub(super) fn done_text(t: &PackingText, done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => t.done_created,
        "added" => t.done_added,
        "removed" => t.done_removed,
        "ticked" => t.done_ticked,
        "unticked" => t.done_unticked,
        "dispatched" => t.done_dispatched,
        "details" => t.done_details,
        "unchanged" => t.done_unchanged,
        _ => return None,
    })
}

/// A warning an action gave before the redirect, from its code.
fn warning_text(lang: Lang, code: &str) -> Option<String> {
    let code: RuleCode = serde_json::from_value(serde_json::Value::String(code.into())).ok()?;
    Some(code.title(lang).to_string())
}

/// One refusal in the page's language: the rule's name, then the
/// catalogue's sentence, which names the tube (and for the 48-hour rule
/// the hours it spent unfrozen).
fn refusal_text(lang: Lang, n: &Notice) -> String {
    format!("{}: {}", n.code.title(lang), n.message.render(lang))
}

/// The red box of a refused form: every rule that refused in words, or
/// what dispatch waits for, or the reason, then the code for whoever
/// looks it up. `tabindex` lets the page's script bring it into view.
pub(super) fn error_box(lang: Lang, f: &Failure) -> Markup {
    let t = packing(lang);
    markup! {
        div class="error" role="alert" id="form-error" tabindex="-1" data-code=(f.code.as_str()) {
            @if !f.refusals.is_empty() {
                p { (t.refused_intro) }
                ul class="refusals" {
                    @for n in &f.refusals {
                        li data-code=(n.code.as_str()) { (refusal_text(lang, n)) }
                    }
                }
            } @else if !f.missing.is_empty() {
                p { (f.code.title(lang)) }
                ul class="missing-list" {
                    @for m in &f.missing {
                        li data-key=(m.key) { (missing_text(lang, m)) }
                    }
                }
            } @else {
                p { (f.code.title(lang)) }
                p class="detail" { (f.message.render(lang)) }
            }
            p class="code" { (t.error_code) ": " code { (f.code.as_str()) } }
        }
    }
}

/// Where dispatch stands once nothing on the checklist is missing.
pub(super) enum Readiness {
    /// Nothing stands in the way.
    Ready,
    /// Dispatch needs a written reason: these rules refuse it.
    NeedsReason(Vec<Notice>),
    /// Dispatch was just refused for a reason no override sets aside.
    Refused,
}

/// Whether a complete package may leave as it is. The 48-hour rule is
/// known from the package itself; the priority rule only from a refused
/// dispatch, whose refusals then stand.
fn readiness(view: &PackageView, attempt: &Attempt) -> Readiness {
    let dispatch_failure = attempt
        .failure
        .as_ref()
        .filter(|_| attempt.spot == Spot::Dispatch);
    if let Some(f) = dispatch_failure {
        return if attempt.dispatch_override && !f.refusals.is_empty() {
            Readiness::NeedsReason(f.refusals.clone())
        } else {
            Readiness::Refused
        };
    }
    let late: Vec<Notice> = view
        .specimens
        .iter()
        .filter(|t| t.deadline_exceeded)
        .map(|t| {
            Notice::new(
                RuleCode::StorageDeadlineExceeded,
                RuleMsg::ForTube {
                    specimen_id: t.specimen_id.clone(),
                    inner: Box::new(
                        RuleMsg::PackedPastDeadline {
                            hours: t.hours_unfrozen.floor() as i64,
                        }
                        .into(),
                    ),
                },
            )
        })
        .collect();
    if late.is_empty() {
        Readiness::Ready
    } else {
        Readiness::NeedsReason(late)
    }
}

/// Whether the refused form's box is drawn at `spot` (else at the top).
pub(super) fn error_at(view: &PackageView, attempt: &Attempt, spot: &Spot) -> bool {
    attempt.failure.is_some() && &error_spot(view, attempt) == spot
}

/// Where the refused form's box goes: beside its form while the page
/// draws that form, else at the top.
fn error_spot(view: &PackageView, attempt: &Attempt) -> Spot {
    if view.status != OPEN {
        return Spot::Top;
    }
    match &attempt.spot {
        Spot::Item { item, specimen_id } => {
            let drawn = ChecklistItem::from_code(item).is_some_and(|i| {
                tick_anchor(view, i, specimen_id.as_deref()).is_some()
                    && (specimen_id.is_some()
                        || i.layer() != Layer::Primary
                        || !view.specimens.is_empty())
            });
            if drawn {
                attempt.spot.clone()
            } else {
                Spot::Top
            }
        }
        other => other.clone(),
    }
}

/// What a package page is drawn from: the package, the form's CSRF
/// token, the last attempt's refusal and what the address asks to show.
#[derive(Clone, Copy)]
pub(super) struct Drawing<'a> {
    pub lang: Lang,
    pub view: &'a PackageView,
    pub csrf: &'a str,
    pub attempt: &'a Attempt,
    pub shown: &'a Shown,
}

fn package_body(d: Drawing<'_>) -> Markup {
    let (lang, view, csrf, attempt, shown) = (d.lang, d.view, d.csrf, d.attempt, d.shown);
    let t = packing(lang);
    let open = view.status == OPEN;
    let path = package_path(&view.package_id);
    let anchors: HashMap<String, usize> = view
        .checklist
        .iter()
        .enumerate()
        .map(|(i, l)| (line_key(l), i))
        .collect();
    let done = shown.done.as_deref().and_then(|d| done_text(t, d));
    let warnings: Vec<String> = shown
        .warn
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .filter_map(|c| warning_text(lang, c.trim()))
        .collect();
    let ready = readiness(view, attempt);
    let error_below = attempt.failure.is_some() && error_spot(view, attempt) != Spot::Top;
    markup! {
        h1 { (t.package_heading) " " code class="sscc" { (view.package_id) } }
        dl class="package-facts" {
            div { dt { (t.status_label) } dd class={ "status status-" (view.status) } { (status_label(lang, &view.status)) } }
            div { dt { (t.col_carrier) } dd { (carrier_label(lang, view.carrier)) } }
            div { dt { (t.col_tubes) } dd { (view.quantity) } }
            div { dt { (t.created_label) } dd { (view.created_by) " · " (time_tag(&view.created_at)) } }
        }
        p class="package-links" {
            a href="/packing" { (t.title) }
            " · "
            a href={ (path) "/print" } { (t.print_link) }
        }
        @if let Some(d) = done {
            div class="confirmation" role="status" {
                p { "✓ " (d) }
                @if !warnings.is_empty() {
                    p { strong { (t.warnings_title) ": " } (warnings.join(" / ")) }
                }
            }
        }
        @if let Some(f) = attempt.failure.as_ref().filter(|_| !error_below) {
            (error_box(lang, f))
        }
        @if error_below {
            p class="error-elsewhere" { a href="#form-error" { (t.error_elsewhere) } }
        }
        @if open {
            @match (view.complete, &ready) {
                (false, _) => {
                    section class="missing" aria-labelledby="missing-title" {
                        h2 id="missing-title" { (t.missing_title) }
                        p { (t.missing_intro) }
                        ul class="missing-list" id="missing" {
                            @for m in &view.missing_details {
                                li data-key=(m.key) {
                                    a href=(missing_target(m, &anchors)) { (missing_text(lang, m)) }
                                }
                            }
                        }
                    }
                }
                (true, Readiness::Ready) => {
                    section class="missing complete" aria-labelledby="missing-title" {
                        h2 id="missing-title" { (t.missing_title) }
                        p class="all-done" { "✓ " (t.missing_none) }
                    }
                }
                (true, Readiness::NeedsReason(refusals)) => {
                    section class="missing needs-reason" aria-labelledby="missing-title" id="needs-reason" {
                        h2 id="missing-title" { (t.missing_title) }
                        p { (t.missing_needs_reason) }
                        ul class="refusals" {
                            @for n in refusals {
                                li data-code=(n.code.as_str()) { (refusal_text(lang, n)) }
                            }
                        }
                        p { a href="#dispatch_override_reason" { (t.needs_reason_link) } }
                    }
                }
                (true, Readiness::Refused) => {
                    section class="missing refused" aria-labelledby="missing-title" {
                        h2 id="missing-title" { (t.missing_title) }
                        p { (t.missing_refused) }
                    }
                }
            }
        }
        (layers(d))
        (slip_fields(lang, view, csrf, attempt))
        (dispatch_section(lang, view, csrf, attempt, &ready))
        (history(lang, view))
    }
}

fn history(lang: Lang, view: &PackageView) -> Markup {
    let t = packing(lang);
    markup! {
        @if !view.history.is_empty() {
            section aria-labelledby="history-title" class="history" {
                h2 id="history-title" { (t.history_title) }
                table class="data" {
                    (column_heads(&[t.col_at, t.col_item, t.col_specimen, t.col_change, t.col_by]))
                    tbody {
                        @for e in view.history.iter().rev() {
                            tr {
                                td { (time_tag(&e.at)) }
                                td { (layer_label(lang, e.item.layer())) ": " (item_label(lang, e.item)) }
                                td { @if let Some(s) = &e.specimen_id { code { (s) } } @else { "—" } }
                                td {
                                    @if e.done { (t.history_ticked) } @else { (t.history_unticked) }
                                    @if let Some(kg) = e.dry_ice_kg { " (" (format_kg(kg)) " kg)" }
                                }
                                td { (e.by) }
                            }
                        }
                    }
                }
            }
        }
    }
}
