//! `GET /packing`: the packages in hand and the form that opens a new one
//! (`POST /packing`).

use super::change::checked;
use super::forms::{given, SlipForm};
use super::links::package_path;
use super::page::error_box;
use super::refusals::Failure;
use super::{open, DISPATCHED, OPEN, OPEN_SHOWN, RECEIVED, RECENT};
use crate::actions::packages::{self, NewPackage, PackageFilter, PackageView};
use crate::actions::Ctx;
use crate::domain::packaging::{Carrier, Packer, Party};
use crate::http::AppError;
use crate::web::desks::{answer, Place};
use crate::web::form_or_page;
use crate::web::layout::{column_heads, time_tag, Section};
use crate::web::text::packing::{carrier_label, fill, packing, status_label, PackingText};
use crate::web::{run_action, see_other, SignedIn};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html as markup, Markup};

/// `GET /packing`: the open packages, the latest dispatched and received
/// ones, and the form to start a package.
pub async fn index(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user) {
        return Ok(refused);
    }
    index_page(&req, &user, &ctx, StatusCode::OK, None, None).await
}

/// `POST /packing`: starts a package, then shows it.
pub async fn create(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: SlipForm = form_or_page!(checked(&req, &user, &body, |f: &SlipForm| &f.csrf));
    let lang = crate::web::lang(&req);
    let Some(carrier) = Carrier::from_code(form.carrier.trim()) else {
        let failure = Failure::invalid(packing(lang).bad_carrier);
        return index_page(&req, &user, &ctx, failure.status, Some(failure), Some(form)).await;
    };
    let site = &ctx.config.site;
    // The site's own number and responsible person are only the form's
    // suggestions: kept off the package, the site's setting applies.
    let emergency_phone =
        given(&form.emergency_phone).filter(|p| p.as_str() != site.emergency_phone.trim());
    let packer_name = given(&form.packer_name);
    let certificate = given(&form.packer_certificate_id);
    let names_someone_else = packer_name
        .as_deref()
        .is_some_and(|n| n != site.responsible_person.trim());
    let packer = (carrier.needs_certified_packer() || certificate.is_some() || names_someone_else)
        .then(|| Packer {
            name: packer_name.clone().unwrap_or_default(),
            certificate_id: certificate.clone().unwrap_or_default(),
        });
    let request = NewPackage {
        consignee: form.consignee(),
        carrier,
        packer,
        emergency_phone,
    };
    match run_action(&ctx, &user.session.actor, move |ctx, actor, now| {
        packages::create(ctx, actor, &request, now)
    })
    .await?
    {
        Ok(changed) => Ok(see_other(&format!(
            "{}?done=created",
            package_path(&changed.package.package_id)
        ))),
        Err(e) => {
            let failure = Failure::from_action(e)?;
            index_page(&req, &user, &ctx, failure.status, Some(failure), Some(form)).await
        }
    }
}

async fn index_page(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    status: StatusCode,
    failure: Option<Failure>,
    typed: Option<SlipForm>,
) -> Result<HttpResponse, AppError> {
    let lang = crate::web::lang(req);
    let t = packing(lang);
    let lists = run_action(ctx, &user.session.actor, |ctx, actor, now| {
        let of = |status: &str, limit: i64| {
            packages::list(
                ctx,
                actor,
                &PackageFilter {
                    status: Some(status.into()),
                    limit: Some(limit),
                },
                now,
            )
        };
        Ok((
            of(OPEN, OPEN_SHOWN)?,
            of(DISPATCHED, RECENT)?,
            of(RECEIVED, RECENT)?,
        ))
    })
    .await?
    .map_err(AppError::from)?;
    let (open, dispatched, received) = lists;
    let mut recent: Vec<&PackageView> = dispatched.iter().chain(received.iter()).collect();
    recent.sort_by_key(|p| std::cmp::Reverse(p.dispatched_at));

    // Most clinics ship to the same lab every time: start from the last
    // consignee rather than an empty form.
    let last_consignee = open
        .iter()
        .chain(dispatched.iter())
        .chain(received.iter())
        .max_by(|a, b| a.created_at.cmp(&b.created_at))
        .map(|p| p.consignee.clone())
        .filter(|c| !c.name.trim().is_empty());
    let site = &ctx.config.site;
    let prefilled = typed.is_none() && last_consignee.is_some();
    let form = typed.unwrap_or_else(|| {
        let c = last_consignee.clone().unwrap_or_default();
        SlipForm {
            csrf: String::new(),
            carrier: Carrier::CategoryBCarrier.code().into(),
            consignee_name: c.name,
            consignee_address: c.address,
            consignee_phone: c.phone,
            emergency_phone: site.emergency_phone.clone(),
            packer_name: site.responsible_person.clone(),
            packer_certificate_id: String::new(),
        }
    });
    let csrf = &user.session.csrf;

    let body = markup! {
        h1 { (t.title) }
        p { (t.intro) }
        p { a href="/packing/commands" { (t.commands_link) } }
        @if let Some(f) = &failure {
            (error_box(lang, f))
        }
        section aria-labelledby="open-title" {
            h2 id="open-title" { (t.open_title) }
            @if open.is_empty() {
                p { (t.no_open) }
            } @else {
                table class="data packages" {
                    (column_heads(&[t.col_package, t.col_carrier, t.col_tubes, t.col_missing, t.col_created]))
                    tbody {
                        @for p in &open {
                            tr {
                                th scope="row" {
                                    a href=(package_path(&p.package_id)) { code { (p.package_id) } }
                                }
                                td { (carrier_label(lang, p.carrier)) }
                                td class="num" { (p.quantity) }
                                td {
                                    @if p.missing.is_empty() {
                                        span class="ready" { "✓ " (t.ready) }
                                    } @else {
                                        span class="left" { (fill(t.missing_count, &[("n", &p.missing.len().to_string())])) }
                                    }
                                }
                                td { (p.created_by) " · " (time_tag(&p.created_at)) }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="recent-title" {
            h2 id="recent-title" { (t.recent_title) }
            @if recent.is_empty() {
                p { (t.no_recent) }
            } @else {
                table class="data packages" {
                    (column_heads(&[t.col_package, t.col_status, t.col_carrier, t.col_tubes, t.col_dispatched, t.col_received]))
                    tbody {
                        @for p in &recent {
                            tr {
                                th scope="row" {
                                    a href=(package_path(&p.package_id)) { code { (p.package_id) } }
                                }
                                td { (status_label(lang, &p.status)) }
                                td { (carrier_label(lang, p.carrier)) }
                                td class="num" { (p.quantity) }
                                td { @if let Some(at) = &p.dispatched_at { (time_tag(at)) } @else { "—" } }
                                td { @if let Some(at) = &p.received_at { (time_tag(at)) } @else { "—" } }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="new-title" class="new-package" {
            h2 id="new-title" { (t.new_title) }
            p class="hint" { (t.new_intro) }
            form method="post" action="/packing" class="packing-form" {
                input type="hidden" name="csrf" value=(csrf);
                div class="field" {
                    label for="carrier" { (t.carrier_label) }
                    select id="carrier" name="carrier" {
                        @for c in Carrier::ALL {
                            option value=(c.code()) selected[form.carrier == c.code()] { (carrier_label(lang, c)) }
                        }
                    }
                }
                (party_fields(t, "consignee", t.consignee_legend,
                    &Party { name: form.consignee_name.clone(), address: form.consignee_address.clone(), phone: form.consignee_phone.clone() },
                    Some(if prefilled { t.consignee_prefilled } else { t.consignee_hint })))
                div class="field" {
                    label for="emergency_phone" { (t.emergency_label) }
                    input type="tel" id="emergency_phone" name="emergency_phone" value=(form.emergency_phone)
                        autocomplete="off" aria-describedby="emergency-hint";
                    p class="hint" id="emergency-hint" {
                        (fill(t.emergency_hint, &[("phone", if site.emergency_phone.is_empty() { t.not_set } else { &site.emergency_phone })]))
                    }
                }
                (packer_fields(t, &form.packer_name, &form.packer_certificate_id))
                button type="submit" class="primary" { (t.create_button) }
            }
        }
    };
    let place = Place::of(lang, "/packing", &user.session, Section::Packing);
    Ok(answer(req, status, &place, t.title, body))
}

/// The consignee's three fields, named `{prefix}_name` and so on.
pub(super) fn party_fields(
    t: &PackingText,
    prefix: &str,
    legend: &str,
    p: &Party,
    hint: Option<&str>,
) -> Markup {
    let id = |f: &str| format!("{prefix}_{f}");
    let hint_id = format!("{prefix}-hint");
    markup! {
        fieldset {
            legend { (legend) }
            @if let Some(h) = hint {
                p class="hint" id=(hint_id) { (h) }
            }
            div class="field" {
                label for=(id("name")) { (t.name_label) }
                input type="text" id=(id("name")) name=(id("name")) value=(p.name) autocomplete="organization";
            }
            div class="field" {
                label for=(id("address")) { (t.address_label) }
                input type="text" id=(id("address")) name=(id("address")) value=(p.address) autocomplete="street-address";
            }
            div class="field" {
                label for=(id("phone")) { (t.phone_label) }
                input type="tel" id=(id("phone")) name=(id("phone")) value=(p.phone) autocomplete="tel";
            }
        }
    }
}

pub(super) fn packer_fields(t: &PackingText, name: &str, certificate: &str) -> Markup {
    markup! {
        fieldset {
            legend { (t.packer_legend) }
            p class="hint" { (t.packer_hint) }
            div class="field" {
                label for="packer_name" { (t.packer_name) }
                input type="text" id="packer_name" name="packer_name" value=(name) autocomplete="name";
            }
            div class="field" {
                label for="packer_certificate_id" { (t.packer_certificate) }
                input type="text" id="packer_certificate_id" name="packer_certificate_id" value=(certificate) autocomplete="off";
            }
        }
    }
}
