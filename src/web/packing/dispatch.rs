//! What dispatch waits for, the reason field when a rule asks for one, and
//! the dispatch form (`POST /packing/{package_id}/dispatch`).

use super::change::{change_package, checked};
use super::forms::{given, DispatchForm};
use super::links::package_path;
use super::page::{error_at, error_box, Readiness};
use super::refusals::{Attempt, Failure, Spot};
use super::OPEN;
use crate::actions::packages::{self, Dispatch, PackageView};
use crate::actions::{Actor, Ctx};
use crate::http::AppError;
use crate::web::form_or_page;
use crate::web::layout::time_tag;
use crate::web::text::packing::{packing, status_label};
use crate::web::text::Lang;
use crate::web::RecordForm;
use actix_web::HttpResponse;
use maud::{html as markup, Markup};

pub(super) fn dispatch_section(
    lang: Lang,
    view: &PackageView,
    csrf: &str,
    attempt: &Attempt,
    ready: &Readiness,
) -> Markup {
    let t = packing(lang);
    let path = package_path(&view.package_id);
    let refused_here = error_at(view, attempt, &Spot::Dispatch);
    // A reason is asked for only where a rule that takes one stands in the
    // way; the field then takes the focus after the refusal that asked.
    let needs_reason = view.complete && matches!(ready, Readiness::NeedsReason(_));
    let ready_words = match (view.complete, ready) {
        (false, _) => t.dispatch_incomplete,
        (true, Readiness::Ready) => t.dispatch_ready,
        (true, Readiness::NeedsReason(_)) => t.dispatch_needs_reason,
        (true, Readiness::Refused) => t.missing_refused,
    };
    let primary = view.complete && !matches!(ready, Readiness::Refused);
    markup! {
        section aria-labelledby="dispatch-title" class="dispatch" id="dispatch" {
            h2 id="dispatch-title" { (t.dispatch_title) }
            @if view.status == OPEN {
                p class=[(!matches!((view.complete, ready), (true, Readiness::Ready))).then_some("hint")] id="dispatch-state" {
                    (ready_words)
                }
                @if refused_here {
                    @if let Some(f) = &attempt.failure { (error_box(lang, f)) }
                }
                form method="post" action={ (path) "/dispatch" } class="stack" {
                    input type="hidden" name="csrf" value=(csrf);
                    @if needs_reason || attempt.dispatch_override {
                        label for="dispatch_override_reason" { (t.dispatch_override_label) }
                        textarea id="dispatch_override_reason" name="override_reason" rows="2" required
                            autofocus[refused_here && attempt.dispatch_override]
                            aria-describedby={ "dispatch-state dispatch-override-hint" @if refused_here { " form-error" } } {}
                        p class="hint" id="dispatch-override-hint" { (t.override_hint) }
                    }
                    button type="submit" class=[primary.then_some("primary")] { (t.dispatch_button) }
                }
            } @else {
                dl class="package-facts" {
                    div { dt { (t.status_label) } dd class={ "status status-" (view.status) } { (status_label(lang, &view.status)) } }
                    @if let Some(at) = &view.dispatched_at { div { dt { (t.dispatched_at) } dd { (time_tag(at)) } } }
                    @if let Some(by) = &view.dispatched_by { div { dt { (t.dispatched_by) } dd { (by) } } }
                    @if let Some(r) = &view.dispatch_override_reason {
                        div { dt { (t.dispatch_override_label) } dd { (r) } }
                    }
                    @if let Some(at) = &view.received_at { div { dt { (t.received_at) } dd { (time_tag(at)) } } }
                    @if let Some(by) = &view.received_by { div { dt { (t.received_by) } dd { (by) } } }
                    @if let Some(n) = &view.receipt_note { div { dt { (t.receipt_note) } dd { (n) } } }
                }
                p class="hint" { (t.closed_note) }
            }
            p { a href={ (path) "/print" } { (t.print_link) } }
        }
    }
}

/// `POST /packing/{package_id}/dispatch`: the package leaves, or the page
/// says what it still waits for.
pub async fn dispatch((req, user, ctx, path, body): RecordForm) -> Result<HttpResponse, AppError> {
    let form: DispatchForm = form_or_page!(checked(&req, &user, &body, |f: &DispatchForm| &f.csrf));
    let request = Dispatch {
        at: None,
        override_reason: given(&form.override_reason),
    };
    let dispatch = move |ctx: &Ctx, actor: &Actor, pkg: &str, now| {
        packages::dispatch(ctx, actor, pkg, &request, now)
    };
    let on_refusal = |failure: Failure| Attempt {
        dispatch_override: failure.overridable,
        failure: Some(failure),
        spot: Spot::Dispatch,
        ..Attempt::default()
    };
    let id = path.into_inner();
    change_package(
        (&req, &user, &ctx),
        (&id, "dispatched", None),
        dispatch,
        on_refusal,
    )
    .await
}
