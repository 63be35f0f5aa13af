//! The package's tubes in sending-priority order, and the forms that put a
//! tube in and take one out.

use super::change::{change_package, checked};
use super::forms::{given, AddForm};
use super::links::package_path;
use super::page::{error_at, error_box};
use super::refusals::{Attempt, Failure, Spot};
use super::OPEN;
use crate::actions::packages::{self, AddSpecimen, PackageView};
use crate::actions::{Actor, Ctx};
use crate::http::AppError;
use crate::web::form_or_page;
use crate::web::layout::{column_heads, time_tag};
use crate::web::text::packing::{fill, packing};
use crate::web::text::{self, Lang};
use crate::web::RecordForm;
use crate::web::{encode_query_value, CsrfForm, SignedIn};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html as markup, Markup};

/// The tubes in sending-priority order, each with its type, priority and
/// deadline and a button to take it out; then the form to add one.
pub(super) fn tubes(lang: Lang, view: &PackageView, csrf: &str, attempt: &Attempt) -> Markup {
    let t = packing(lang);
    let open = view.status == OPEN;
    let path = package_path(&view.package_id);
    let mut heads = vec![
        t.col_priority,
        t.col_specimen,
        t.col_type,
        t.col_collected,
        t.col_deadline,
    ];
    if open {
        heads.push(t.col_action);
    }
    let add_failed = error_at(view, attempt, &Spot::AddTube);
    markup! {
        @if open {
            form method="post" action={ (path) "/specimens" } class="add-tube" id="add-tube" {
                input type="hidden" name="csrf" value=(csrf);
                fieldset {
                    legend { (t.add_legend) }
                    div class="inline-form" {
                        label for="specimen_id" { (t.add_label) }
                        input type="text" id="specimen_id" name="specimen_id" value=(attempt.specimen_id)
                            required autocomplete="off" autocapitalize="off" spellcheck="false"
                            aria-describedby={ "add-hint" @if add_failed { " form-error" } }
                            aria-invalid=[add_failed.then_some("true")];
                        button type="submit" class="primary" { (t.add_button) }
                    }
                    p class="hint" id="add-hint" { (t.add_hint) }
                    @if add_failed {
                        @if let Some(f) = &attempt.failure { (error_box(lang, f)) }
                    }
                    @if attempt.add_override {
                        div class="field" {
                            label for="add_override_reason" { (t.override_label) }
                            textarea id="add_override_reason" name="override_reason" rows="2" required
                                aria-describedby="add-override-hint form-error" {}
                            p class="hint" id="add-override-hint" { (t.override_hint) }
                        }
                    }
                }
            }
        }
        @if view.specimens.is_empty() {
            p { (t.no_tubes) }
        } @else {
            table class="data tubes" {
                caption { (t.tubes_caption) }
                (column_heads(&heads))
                tbody {
                    @for tube in &view.specimens {
                        tr class=[tube.deadline_exceeded.then_some("overdue")] data-specimen-id=(tube.specimen_id) {
                            td class="num" { (tube.priority) }
                            th scope="row" {
                                a href={ "/specimens/" (encode_query_value(&tube.specimen_id)) } { code { (tube.specimen_id) } }
                                @if let Some(r) = &tube.override_reason {
                                    br;
                                    span class="hint" { (fill(t.override_note, &[("reason", r)])) }
                                }
                            }
                            td { (text::specimen_type_label(lang, tube.specimen_type)) }
                            td { (time_tag(&tube.collected_at)) }
                            td {
                                @if let Some(by) = &tube.freeze_or_ship_by { (time_tag(by)) } @else { "—" }
                                @if tube.deadline_exceeded {
                                    br;
                                    strong class="ng" { "⚠ " (t.deadline_exceeded) }
                                }
                            }
                            @if open {
                                td {
                                    form method="post" class="inline"
                                        action={ (path) "/specimens/" (encode_query_value(&tube.specimen_id)) "/remove" } {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button type="submit" {
                                            (t.remove_button)
                                            span class="visually-hidden" { ": " (tube.specimen_id) }
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

/// `POST /packing/{package_id}/specimens`: puts a tube in.
pub async fn add_specimen(
    (req, user, ctx, path, body): RecordForm,
) -> Result<HttpResponse, AppError> {
    let form: AddForm = form_or_page!(checked(&req, &user, &body, |f: &AddForm| &f.csrf));
    let specimen_id = form.specimen_id.trim().to_string();
    let request = AddSpecimen {
        specimen_id: specimen_id.clone(),
        override_reason: given(&form.override_reason),
    };
    let add = move |ctx: &Ctx, actor: &Actor, pkg: &str, now| {
        packages::add_specimen(ctx, actor, pkg, &request, now)
    };
    let on_refusal = |failure: Failure| Attempt {
        add_override: failure.overridable,
        failure: Some(failure),
        spot: Spot::AddTube,
        specimen_id,
        ..Attempt::default()
    };
    let id = path.into_inner();
    change_package((&req, &user, &ctx), (&id, "added", None), add, on_refusal).await
}

/// `POST /packing/{package_id}/specimens/{specimen_id}/remove`: takes a
/// tube back out.
pub async fn remove_specimen(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if let Err(page) = checked(&req, &user, &body, |f: &CsrfForm| &f.csrf) {
        return Ok(*page);
    }
    let (id, specimen_id) = path.into_inner();
    let remove = move |ctx: &Ctx, actor: &Actor, pkg: &str, now| {
        packages::remove_specimen(ctx, actor, pkg, &specimen_id, now)
    };
    change_package(
        (&req, &user, &ctx),
        (&id, "removed", None),
        remove,
        Attempt::failed,
    )
    .await
}
