//! The package's layers with each layer's checklist, and the tick form
//! (`POST /packing/{package_id}/tick`).

use super::add::tubes;
use super::change::{change_package, checked, refused};
use super::forms::{given, Shown, TickForm};
use super::links::{anchor, package_path, tick_all_anchor};
use super::page::{done_text, error_at, error_box, Drawing};
use super::refusals::{Attempt, Failure, Spot};
use super::OPEN;
use crate::actions::packages::{self, ChecklistLine, PackageView, Tick};
use crate::actions::{Actor, Ctx};
use crate::domain::packaging::{ChecklistItem, Layer};
use crate::http::AppError;
use crate::print::label::format_kg;
use crate::web::form_or_page;
use crate::web::layout::to_the_minute;
use crate::web::text::packing::{fill, item_label, layer_label, packing};
use crate::web::text::{self, Lang};
use crate::web::RecordForm;
use actix_web::HttpResponse;
use maud::{html as markup, Markup};

/// The checklist drawn as the package is packed: from the tube outwards,
/// one section a layer, each with its own items.
pub(super) fn layers(d: Drawing<'_>) -> Markup {
    let (lang, view, csrf, attempt, shown) = (d.lang, d.view, d.csrf, d.attempt, d.shown);
    let t = packing(lang);
    let open = view.status == OPEN;
    let items_of = |layer: Layer| -> Vec<(usize, &ChecklistLine)> {
        view.checklist
            .iter()
            .enumerate()
            .filter(|(_, l)| l.layer == layer)
            .collect()
    };
    let overpack_used = view
        .checklist
        .iter()
        .any(|l| l.layer == Layer::Overpack && l.done);
    let note = |layer: Layer| match layer {
        Layer::Primary => t.note_primary,
        Layer::Secondary => t.note_secondary,
        Layer::Tertiary => t.note_tertiary,
        Layer::Overpack => t.note_overpack,
        Layer::Marks => t.note_marks,
        Layer::Transport => t.note_transport,
    };
    let primary_items: Vec<ChecklistItem> = ChecklistItem::ALL
        .into_iter()
        .filter(|i| i.layer() == Layer::Primary)
        .collect();
    markup! {
        section aria-labelledby="layers-title" class="checklist" {
            h2 id="layers-title" { (t.layers_title) }
            p class="hint" { (t.layers_intro) }
            ol class="layers" {
                @for (n, layer) in Layer::ALL.into_iter().enumerate() {
                    li class={ "layer layer-" (layer.code()) } id={ "layer-" (layer.code()) } {
                        section aria-labelledby={ "layer-title-" (layer.code()) } {
                            h3 id={ "layer-title-" (layer.code()) } {
                                span class="step" { (n + 1) "." } " " (layer_label(lang, layer))
                            }
                            p class="note" { (note(layer)) }
                            @if layer == Layer::Secondary {
                                p class="warning" { strong { "⚠ " } (t.note_no_dry_ice) }
                            }
                            @if layer == Layer::Overpack && overpack_used {
                                p { (t.overpack_in_use) }
                            }
                            @if layer == Layer::Primary {
                                (tubes(lang, view, csrf, attempt))
                                @if open && !view.specimens.is_empty() {
                                    fieldset class="tick-all" {
                                        legend { (t.tick_all_legend) }
                                        @for item in &primary_items {
                                            @let spot = Spot::Item { item: item.code().to_string(), specimen_id: None };
                                            @let here = tick_all_anchor(*item);
                                            @let confirmed = shown.at.as_deref() == Some(here.as_str());
                                            div class="tick-all-item" id=(here) {
                                                form method="post" action={ (package_path(&view.package_id)) "/checklist" } class="inline tick" {
                                                    input type="hidden" name="csrf" value=(csrf);
                                                    input type="hidden" name="item" value=(item.code());
                                                    input type="hidden" name="done" value="true";
                                                    button type="submit" aria-describedby=[confirmed.then(|| format!("{here}-done"))] {
                                                        (fill(t.tick_all_button, &[("item", item_label(lang, *item))]))
                                                    }
                                                }
                                                @if confirmed {
                                                    @if let Some(d) = shown.done.as_deref().and_then(|d| done_text(t, d)) {
                                                        span class="just-done" id={ (here) "-done" } { "✓ " (d) }
                                                    }
                                                }
                                                @if error_at(view, attempt, &spot) {
                                                    @if let Some(f) = &attempt.failure { (error_box(lang, f)) }
                                                }
                                            }
                                        }
                                    }
                                }
                                @for tube in &view.specimens {
                                    h4 class="tube-heading" {
                                        (t.tube_checks) ": " code { (tube.specimen_id) }
                                        " (" (text::specimen_type_label(lang, tube.specimen_type)) ")"
                                    }
                                    ul class="items" {
                                        @for (i, line) in items_of(layer).into_iter().filter(|(_, l)| l.specimen_id.as_deref() == Some(tube.specimen_id.as_str())) {
                                            (item_row(lang, view, csrf, (i, line), attempt, shown))
                                        }
                                    }
                                }
                            } @else {
                                ul class="items" {
                                    @for (i, line) in items_of(layer) {
                                        (item_row(lang, view, csrf, (i, line), attempt, shown))
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

fn item_row(
    lang: Lang,
    view: &PackageView,
    csrf: &str,
    (index, line): (usize, &ChecklistLine),
    attempt: &Attempt,
    shown: &Shown,
) -> Markup {
    let t = packing(lang);
    let open = view.status == OPEN;
    let label = item_label(lang, line.item);
    let who = match (&line.by, &line.at) {
        (Some(by), Some(at)) => Some(fill(
            if line.done { t.done_by } else { t.undone_by },
            &[("by", by), ("at", &to_the_minute(at))],
        )),
        _ => None,
    };
    let here = anchor(index);
    let kg_id = format!("{here}-kg");
    let state_id = format!("{here}-state");
    let done_id = format!("{here}-done");
    // The item a change came from says so beside its button, which the
    // page's script focuses: a screen reader hears the item, its new state
    // and the confirmation together.
    let confirmation = (shown.at.as_deref() == Some(here.as_str()))
        .then(|| shown.done.as_deref().and_then(|d| done_text(t, d)))
        .flatten();
    let described = match confirmation {
        Some(_) => format!("{state_id} {done_id}"),
        None => state_id.clone(),
    };
    let spot = Spot::Item {
        item: line.item.code().to_string(),
        specimen_id: line.specimen_id.clone(),
    };
    markup! {
        li id=(here) class={ "item " @if line.done { "done" } @else { "todo" } } data-item=(line.item.code()) {
            span class="mark" aria-hidden="true" { @if line.done { "✓" } @else { "○" } }
            span class="what" {
                span class="label" { (label) }
                " "
                span class={ "need " @if line.required { "required" } @else { "optional" } } {
                    "(" @if line.required { (t.required) } @else { (t.optional) } ")"
                }
            }
            span class="state" id=(state_id) {
                strong { @if line.done { (t.item_done) } @else { (t.item_not_done) } }
                @if let Some(kg) = line.dry_ice_kg {
                    " · " (format_kg(kg)) " kg"
                }
                @if let Some(w) = &who {
                    " — " (w)
                }
            }
            @if let Some(d) = confirmation {
                span class="just-done" id=(done_id) { "✓ " (d) }
            }
            @if open {
                form method="post" action={ (package_path(&view.package_id)) "/checklist" } class="inline-form tick" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="item" value=(line.item.code());
                    @if let Some(tube) = &line.specimen_id {
                        input type="hidden" name="specimen_id" value=(tube);
                    }
                    input type="hidden" name="done" value=(if line.done { "false" } else { "true" });
                    @if line.item == ChecklistItem::OverpackDryIce && !line.done {
                        label for=(kg_id) { (t.dry_ice_label) }
                        input type="number" id=(kg_id) name="dry_ice_kg" min="0.1" max="200" step="0.1"
                            required inputmode="decimal" aria-describedby={ (kg_id) "-hint" };
                        span class="hint" id={ (kg_id) "-hint" } { (t.dry_ice_hint) }
                    }
                    button type="submit" class=[(!line.done).then_some("primary")] aria-describedby=(described) {
                        @if line.done { (t.untick_button) } @else { (t.tick_button) }
                        span class="visually-hidden" {
                            ": " (label)
                            @if let Some(tube) = &line.specimen_id { " — " (tube) }
                        }
                    }
                }
            }
            @if error_at(view, attempt, &spot) {
                @if let Some(f) = &attempt.failure { (error_box(lang, f)) }
            }
        }
    }
}

/// The form's tick as the action takes it, or why it cannot be one.
fn tick_request(lang: Lang, form: &TickForm) -> Result<Tick, Failure> {
    let t = packing(lang);
    let item =
        ChecklistItem::from_code(form.item.trim()).ok_or_else(|| Failure::invalid(t.bad_item))?;
    let done = match form.done.trim() {
        "" | "true" => true,
        "false" => false,
        _ => return Err(Failure::invalid(t.bad_done)),
    };
    let dry_ice_kg = match given(&form.dry_ice_kg) {
        None => None,
        Some(kg) => Some(
            kg.replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| Failure::invalid(t.bad_kg))?,
        ),
    };
    Ok(Tick {
        item,
        specimen_id: given(&form.specimen_id),
        done,
        dry_ice_kg,
    })
}

/// `POST /packing/{package_id}/checklist`: ticks an item, or takes a tick
/// back (`done=false`).
pub async fn tick((req, user, ctx, path, body): RecordForm) -> Result<HttpResponse, AppError> {
    let form: TickForm = form_or_page!(checked(&req, &user, &body, |f: &TickForm| &f.csrf));
    let id = path.into_inner();
    let spot = Spot::Item {
        item: form.item.trim().to_string(),
        specimen_id: given(&form.specimen_id),
    };
    let request = match tick_request(crate::web::lang(&req), &form) {
        Ok(r) => r,
        Err(failure) => {
            let attempt = Attempt::failed_at(spot)(failure);
            return refused(&req, &user, &ctx, &id, attempt).await;
        }
    };
    let done = if request.done { "ticked" } else { "unticked" };
    let at = Some((request.item, request.specimen_id.clone()));
    let tick = move |ctx: &Ctx, actor: &Actor, pkg: &str, now| {
        packages::tick(ctx, actor, pkg, &request, now)
    };
    let on_refusal = Attempt::failed_at(spot);
    change_package((&req, &user, &ctx), (&id, done, at), tick, on_refusal).await
}
