//! `GET /packing/{package_id}/print`: the shipping slip and the package
//! labels, ready for the browser's print dialog.

use super::links::package_path;
use super::open;
use super::words::{missing_text, party_text};
use crate::actions::packages;
use crate::actions::{ActionError, Ctx};
use crate::domain::labels;
use crate::domain::packaging::{Layer, Missing};
use crate::http::AppError;
use crate::print::label::format_kg;
use crate::print::{Slip, SlipLine, SlipOverride};
use crate::web::desks::{answer, not_found, Place};
use crate::web::layout::{column_heads, time_tag, Section};
use crate::web::text::packing::{carrier_label, fill, packing, status_label};
use crate::web::text::{self, Lang};
use crate::web::{encode_query_value, run_action, SignedIn};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html as markup, Markup};

/// `GET /packing/{package_id}/print`: the shipping slip, then the package
/// labels on a page of their own, ready to print.
pub async fn print(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user) {
        return Ok(refused);
    }
    let lang = crate::web::lang(&req);
    let t = packing(lang);
    let id = path.into_inner();
    let pkg = id.clone();
    let (slip, view) = match run_action(&ctx, &user.session.actor, move |ctx, actor, now| {
        Ok((
            packages::slip(ctx, actor, &pkg, now)?.in_lang(lang),
            packages::get(ctx, actor, &pkg, now)?,
        ))
    })
    .await?
    {
        Ok(both) => both,
        Err(ActionError::NotFound(_)) => return Ok(not_found(&req, lang, Some(&user.session))),
        Err(e) => return Err(e.into()),
    };
    let overpack_used = view
        .checklist
        .iter()
        .any(|l| l.layer == Layer::Overpack && l.done);
    let mut copies = vec![t.label_outer];
    if overpack_used {
        copies.push(t.label_overpack);
    }
    let label_src = format!(
        "/api/v1/packages/{}/label?format=svg",
        encode_query_value(&slip.package_id)
    );
    let here = format!("{}/print", package_path(&slip.package_id));
    let body = markup! {
        div class="print-controls" {
            p { a href=(package_path(&slip.package_id)) { (t.back_to_package) } }
            p class="hint" { (t.print_hint) }
            button type="button" class="primary" data-print { (t.print_button) }
            (crate::web::printing::send_buttons(
                &req,
                &user,
                crate::config::PrintDocument::PackageLabel,
                &slip.package_id,
                &here,
            ))
        }
        (slip_markup(lang, &slip))
        section class="label-sheet" aria-labelledby="labels-title" id="labels" {
            h2 id="labels-title" { (t.labels_title) }
            div class="labels" {
                @for copy in &copies {
                    figure class="package-label" {
                        img src=(label_src) alt=(fill(t.label_alt, &[("id", &slip.package_id)]))
                            width="378" height="567";
                        figcaption { (copy) }
                    }
                }
            }
        }
    };
    let place = Place {
        scripts: &["print.js"],
        ..Place::of(lang, &here, &user.session, Section::Packing)
    };
    let title = format!("{} {}", t.slip_title, slip.package_id);
    Ok(answer(&req, StatusCode::OK, &place, &title, body))
}

/// The shipping slip (検体送付票: `package_incomplete`) inside the page. The API's own
/// HTML slip is a whole document with its style inline, which the pages'
/// content security policy would not apply, so the slip is drawn here
/// from the same `Slip` and the same words, styled by the site's
/// stylesheet.
fn slip_markup(lang: Lang, slip: &Slip) -> Markup {
    let t = packing(lang);
    let w = labels::slip_words(lang);
    let missing: Vec<Missing> = slip
        .missing
        .iter()
        .map(|k| Missing {
            key: k.clone(),
            message: crate::domain::Msg::Text(k.clone()),
        })
        .collect();
    let rule = |o: &SlipOverride| match lang {
        Lang::Ja => o.rule_label_ja.to_string(),
        Lang::En => labels::rule_en(o.code),
    };
    let container = |line: &SlipLine| match lang {
        Lang::Ja => line.container_ja,
        Lang::En => labels::container_en(line.specimen_type),
    };
    markup! {
        article class="slip" id="slip" aria-labelledby="slip-title" {
            h1 id="slip-title" { (w.title) }
            @if !missing.is_empty() {
                div class="slip-draft" id="missing" {
                    p class="title" { (w.missing_title) }
                    p { (w.missing_note) }
                    ul {
                        @for m in &missing {
                            li data-key=(m.key) { (missing_text(lang, m)) }
                        }
                    }
                }
            }
            table class="slip-fields" id="slip-table" {
                tbody {
                    tr { th scope="row" { (w.head_date) } td id="date" { (slip.date.format("%Y-%m-%d")) } }
                    tr { th scope="row" { (w.head_package) } td id="package-id" { code { (slip.package_id) } } }
                    tr { th scope="row" { (w.head_status) } td id="status" data-status=(slip.status) { (status_label(lang, &slip.status)) } }
                    tr {
                        th scope="row" { (w.head_contents) }
                        td id="contents" {
                            @if lang == Lang::Ja { (slip.contents_ja) br; }
                            span lang="en" { (slip.contents) }
                        }
                    }
                    tr { th scope="row" { (w.head_quantity) } td id="quantity" { (slip.quantity) " " (w.unit_tubes) } }
                    tr { th scope="row" { (w.head_shipper) } td id="shipper" { (party_text(w, &slip.shipper, t.not_set)) } }
                    tr { th scope="row" { (w.head_consignee) } td id="consignee" { (party_text(w, &slip.consignee, t.not_set)) } }
                    tr { th scope="row" { (w.head_emergency) } td id="emergency-phone" { (slip.emergency_phone) } }
                    tr { th scope="row" { (w.head_carrier) } td id="carrier" data-carrier=(slip.carrier.code()) { (carrier_label(lang, slip.carrier)) } }
                    @if let Some(p) = &slip.packer {
                        tr {
                            th scope="row" { (w.head_packer) }
                            td id="packer" { (p.name) " (" (w.head_certificate) " " (p.certificate_id) ")" }
                        }
                    }
                    @if let Some(kg) = slip.dry_ice_kg {
                        tr {
                            th scope="row" { (w.head_dry_ice) }
                            td id="dry-ice" { "UN1845 " (w.head_dry_ice) " " (w.dry_ice_net) " " (format_kg(kg)) " kg" }
                        }
                    }
                    @if let Some(at) = &slip.dispatched_at {
                        tr { th scope="row" { (w.head_dispatched_at) } td id="dispatched-at" { (at.format("%Y-%m-%d %H:%M %:z")) } }
                    }
                    @if let Some(by) = &slip.dispatched_by {
                        tr { th scope="row" { (w.head_dispatched_by) } td id="dispatched-by" { (by) } }
                    }
                }
            }
            h2 { (w.head_specimens) }
            table class="data slip-specimens" id="specimens" {
                (column_heads(&[
                    w.col_number, w.col_specimen_id, w.col_type, w.col_amount, w.col_container,
                    w.col_collected, w.col_onset, w.col_days, w.col_patient,
                ]))
                tbody {
                    @for line in &slip.specimens {
                        tr data-specimen-id=(line.specimen_id) {
                            td class="num" { (line.number) }
                            td class="nowrap" { code { (line.specimen_id) } }
                            td { (text::specimen_type_label(lang, line.specimen_type)) }
                            td { (line.amount) }
                            td { (container(line)) }
                            td class="nowrap" { (line.collection_date.format("%Y-%m-%d")) }
                            td class="nowrap" { @if let Some(d) = line.onset_date { (d.format("%Y-%m-%d")) } @else { "—" } }
                            td class="num" { @if let Some(d) = line.days_since_onset { (d) " " (w.days) } @else { "—" } }
                            td { @if let Some(p) = &line.patient_id { code { (p) } } @else { (w.not_recorded) } }
                        }
                    }
                }
            }
            h2 { (w.head_overrides) }
            div id="overrides" {
                @if slip.overrides.is_empty() {
                    p { (w.none) }
                } @else {
                    table class="data" {
                        (column_heads(&[w.col_specimen_id, w.col_code, w.col_reason, w.col_by, w.col_at]))
                        tbody {
                            @for o in &slip.overrides {
                                tr data-code=(o.code.as_str()) {
                                    td { @if let Some(s) = &o.specimen_id { code { (s) } } @else { (w.package_level) } }
                                    td { (rule(o)) }
                                    td { (o.reason) }
                                    td { (o.by) }
                                    td { (time_tag(&o.at)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
