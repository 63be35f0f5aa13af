//! The slip fields (consignee, carrier, packer) of an open package, and the
//! form that changes them (`POST /packing/{package_id}/details`).

use super::change::{change_package, checked, refused};
use super::forms::{given, SlipForm};
use super::index::{packer_fields, party_fields};
use super::links::package_path;
use super::page::{error_at, error_box};
use super::refusals::{Attempt, Failure, Spot};
use super::words::party_text;
use super::{DETAILS_SUFFIX, OPEN};
use crate::actions::packages::{self, PackageChanges, PackageView};
use crate::actions::{Actor, Ctx};
use crate::domain::labels;
use crate::domain::packaging::{Carrier, Packer};
use crate::http::AppError;
use crate::web::form_or_page;
use crate::web::text::packing::{carrier_label, packing};
use crate::web::text::Lang;
use crate::web::RecordForm;
use actix_web::HttpResponse;
use maud::{html as markup, Markup};

/// Who sends what to whom: the slip's fields, and where to change them.
pub(super) fn slip_fields(lang: Lang, view: &PackageView, csrf: &str, attempt: &Attempt) -> Markup {
    let t = packing(lang);
    let open = view.status == OPEN;
    let path = package_path(&view.package_id);
    let packer = view.packer.clone().unwrap_or_default();
    markup! {
        section aria-labelledby="slip-fields-title" id="slip-fields" {
            h2 id="slip-fields-title" { (t.slip_fields_title) }
            dl class="slip-summary" {
                div { dt { (t.shipper_label) } dd { (party_text(labels::slip_words(lang), &view.shipper, t.not_set)) } }
                div { dt { (t.consignee_label) } dd { (party_text(labels::slip_words(lang), &view.consignee, t.not_set)) } }
                div {
                    dt { (t.emergency_label) }
                    dd { @if view.emergency_phone.trim().is_empty() { span class="unset" { (t.not_set) } } @else { (view.emergency_phone) } }
                }
                @if view.packer.is_some() || view.carrier.needs_certified_packer() {
                    div {
                        dt { (t.packer_label) }
                        dd {
                            @if packer.name.trim().is_empty() { span class="unset" { (t.not_set) } } @else { (packer.name) }
                            " (" (t.packer_certificate) ": "
                            @if packer.certificate_id.trim().is_empty() { span class="unset" { (t.not_set) } } @else { (packer.certificate_id) }
                            ")"
                        }
                    }
                }
            }
            @if open {
                form method="post" action={ (path) (DETAILS_SUFFIX) } class="packing-form details" {
                    input type="hidden" name="csrf" value=(csrf);
                    h3 { (t.details_legend) }
                    @if error_at(view, attempt, &Spot::SlipFields) {
                        @if let Some(f) = &attempt.failure { (error_box(lang, f)) }
                    }
                    div class="field" {
                        label for="carrier" { (t.carrier_label) }
                        select id="carrier" name="carrier" {
                            @for c in Carrier::ALL {
                                option value=(c.code()) selected[view.carrier == c] { (carrier_label(lang, c)) }
                            }
                        }
                    }
                    (party_fields(t, "consignee", t.consignee_legend, &view.consignee, None))
                    div class="field" {
                        label for="emergency_phone" { (t.emergency_label) }
                        input type="tel" id="emergency_phone" name="emergency_phone" value=(view.emergency_phone) autocomplete="off";
                    }
                    (packer_fields(t, &packer.name, &packer.certificate_id))
                    button type="submit" { (t.details_button) }
                }
            }
        }
    }
}

/// `POST /packing/{package_id}/details`: saves the slip fields of an open
/// package (a package started by scanning has no consignee yet).
pub async fn details((req, user, ctx, path, body): RecordForm) -> Result<HttpResponse, AppError> {
    let form: SlipForm = form_or_page!(checked(&req, &user, &body, |f: &SlipForm| &f.csrf));
    let id = path.into_inner();
    let lang = crate::web::lang(&req);
    let carrier = match given(&form.carrier) {
        None => None,
        Some(code) => match Carrier::from_code(&code) {
            Some(c) => Some(c),
            None => {
                let failure = Failure::invalid(packing(lang).bad_carrier);
                let attempt = Attempt::failed_at(Spot::SlipFields)(failure);
                return refused(&req, &user, &ctx, &id, attempt).await;
            }
        },
    };
    let request = PackageChanges {
        consignee: Some(form.consignee()),
        carrier,
        packer: (given(&form.packer_name).is_some()
            || given(&form.packer_certificate_id).is_some())
        .then(|| Packer {
            name: form.packer_name.trim().to_string(),
            certificate_id: form.packer_certificate_id.trim().to_string(),
        }),
        emergency_phone: given(&form.emergency_phone),
    };
    let update = move |ctx: &Ctx, actor: &Actor, pkg: &str, now| {
        packages::update(ctx, actor, pkg, &request, now)
    };
    let on_refusal = Attempt::failed_at(Spot::SlipFields);
    change_package(
        (&req, &user, &ctx),
        (&id, "details", None),
        update,
        on_refusal,
    )
    .await
}
