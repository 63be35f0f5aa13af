//! The packing pages (SPEC §2.5, 基本三重梱包): the packages in hand, a
//! package drawn as its layers with each layer's checklist, the tubes in
//! sending-priority order, what dispatch still waits for, dispatch, and a
//! print view with the shipping slip and the package labels.
//!
//! The packing desk is worked with gloves on, mostly by scanning command
//! barcodes; these pages are where a technician sees the whole package at
//! once and fixes what the scanner cannot (a forgotten item, a tube in the
//! wrong package). Everything is a plain HTML form posting to this server
//! with the session's CSRF token, so the keyboard alone does it all and no
//! script is needed; each form answers with a redirect back to the package
//! (Post/Redirect/Get, so a reload never repeats a tick) — a tick back to
//! the item's own anchor, so a long page does not start again at the top —
//! or, when the action refuses, with the package page again under the
//! refusal's status, its reason in words beside the form that met it, and
//! nothing changed. A complete package says "ready" only when nothing
//! stands in the way: a rule that asks for a written reason (the 48-hour
//! clock, the sending priority) is named, with the field for the reason.
//! `packing.js` adds the focus on the ticked item's button and keeps the
//! item where it stood on the screen. The role check runs before anything
//! is read, and the actions check the role again underneath.

use super::desks::{answer, checked_form, forbidden_at, not_found, open_with, Place};
use super::layout::{column_heads, time_tag, to_the_minute, Section};
use super::text::packing::{
    carrier_label, fill, item_label, layer_label, packing, status_label, PackingText,
};
use super::text::{self, Lang};
use super::{encode_query_value, rule_words, run_action, see_other, CsrfForm, SignedIn};
use crate::actions::packages::{
    self, AddSpecimen, ChecklistLine, Dispatch, NewPackage, PackageChanged, PackageChanges,
    PackageFilter, PackageView, Tick,
};
use crate::actions::sessions::Session;
use crate::actions::{ActionError, Actor, Ctx};
use crate::domain::codes::Notice;
use crate::domain::labels::{self, SlipWords};
use crate::domain::messages::RuleMsg;
use crate::domain::packaging::{Carrier, ChecklistItem, Layer, Missing, Packer, Party};
use crate::domain::PackageStatus;
use crate::domain::RuleCode;
use crate::http::AppError;
use crate::print::label::format_kg;
use crate::print::{command_sheet, Slip, SlipLine, SlipOverride};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use maud::{html as markup, Markup};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::HashMap;

/// A package's statuses as its view carries them.
const OPEN: &str = PackageStatus::Open.code();
const DISPATCHED: &str = PackageStatus::Dispatched.code();
const RECEIVED: &str = PackageStatus::Received.code();

/// How many dispatched and how many received packages the list shows.
const RECENT: i64 = 10;

/// How many open packages the list shows (a desk rarely has more than a
/// handful open at once).
const OPEN_SHOWN: i64 = 200;

/// The route that would save a package's slip fields (not registered yet;
/// see [`details`]).
const DETAILS_SUFFIX: &str = "/details";

/// The 403 page for a role that does not pack (or a form without the
/// session's token). Unlike `desks::forbidden`, its language switch points
/// at `/packing`, not at the path asked for, so a refused page does not
/// even echo a package id back.
fn forbidden(req: &HttpRequest, lang: Lang, session: Option<&Session>) -> HttpResponse {
    forbidden_at(req, lang, session, Section::Packing.path())
}

/// The role check every packing route starts with, before reading
/// anything: `Some` is the answer for a role that does not pack.
fn open(req: &HttpRequest, user: &SignedIn) -> Option<HttpResponse> {
    open_with(req, user, Section::Packing, forbidden)
}

// ---------------------------------------------------------------------------
// Forms
// ---------------------------------------------------------------------------

/// A package's slip fields, as the form that starts a package and the
/// form that completes an open one both post them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct SlipForm {
    csrf: String,
    carrier: String,
    consignee_name: String,
    consignee_address: String,
    consignee_phone: String,
    emergency_phone: String,
    packer_name: String,
    packer_certificate_id: String,
}

impl SlipForm {
    /// The consignee as typed, each field trimmed.
    fn consignee(&self) -> Party {
        Party {
            name: self.consignee_name.trim().to_string(),
            address: self.consignee_address.trim().to_string(),
            phone: self.consignee_phone.trim().to_string(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AddForm {
    csrf: String,
    specimen_id: String,
    override_reason: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TickForm {
    csrf: String,
    item: String,
    specimen_id: String,
    done: String,
    dry_ice_kg: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DispatchForm {
    csrf: String,
    override_reason: String,
}

/// What the package page says after a form: `?done=…&warn=code,code`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Shown {
    done: Option<String>,
    warn: Option<String>,
    /// The anchor of the checklist button the change came from.
    at: Option<String>,
}

/// A field left empty means "not given".
fn given(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_string())
}

// ---------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------

/// Why a form did nothing, as the page shows it.
#[derive(Debug, Clone)]
struct Failure {
    status: StatusCode,
    code: RuleCode,
    message: Box<crate::domain::Msg>,
    missing: Vec<Missing>,
    refusals: Vec<Notice>,
    overridable: bool,
}

impl Failure {
    /// A form the page itself refuses, in words already in the page's
    /// language.
    fn invalid(message: &str) -> Failure {
        Failure {
            status: StatusCode::BAD_REQUEST,
            code: RuleCode::InvalidInput,
            message: Box::new(crate::domain::Msg::Text(message.to_string())),
            missing: Vec::new(),
            refusals: Vec::new(),
            overridable: false,
        }
    }

    /// The action's refusal with the status the API gives it; a store
    /// failure is not a refusal and stays an error.
    fn from_action(e: ActionError) -> Result<Failure, AppError> {
        let (missing, refusals, overridable) = match &e {
            ActionError::Incomplete { missing, .. } => (missing.clone(), Vec::new(), false),
            ActionError::Refused {
                refusals,
                overridable,
            } => (Vec::new(), refusals.clone(), *overridable),
            _ => (Vec::new(), Vec::new(), false),
        };
        let app = AppError::from(e);
        if app.status.is_server_error() {
            return Err(app);
        }
        Ok(Failure {
            status: app.status,
            code: app.code,
            message: Box::new(app.message),
            missing,
            refusals,
            overridable,
        })
    }
}

/// Where on the package page a form sits, so that a refusal is shown
/// beside the form that met it rather than thousands of pixels above.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Spot {
    /// Above the package (a form with no place of its own).
    #[default]
    Top,
    /// A checklist item's button: the item's code and its tube; a primary
    /// item without a tube is the button that ticks every tube.
    Item {
        item: String,
        specimen_id: Option<String>,
    },
    AddTube,
    SlipFields,
    Dispatch,
}

/// Which form failed, so the page can offer the way on (an override
/// reason) and keep what was typed.
#[derive(Debug, Default)]
struct Attempt {
    failure: Option<Failure>,
    /// The form that failed.
    spot: Spot,
    /// The tube the add form tried.
    specimen_id: String,
    /// The add form's refusal may be overridden with a reason.
    add_override: bool,
    /// The dispatch form's refusal may be overridden with a reason.
    dispatch_override: bool,
}

impl Attempt {
    /// A form that failed and offers nothing more.
    fn failed(failure: Failure) -> Attempt {
        Attempt {
            failure: Some(failure),
            ..Attempt::default()
        }
    }

    /// The form at `spot` failed and offers nothing more.
    fn failed_at(spot: Spot) -> impl FnOnce(Failure) -> Attempt {
        move |failure| Attempt {
            failure: Some(failure),
            spot,
            ..Attempt::default()
        }
    }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

fn package_path(id: &str) -> String {
    format!("/packing/{}", encode_query_value(id))
}

/// The key `packaging::missing` gives this line (`item` or `item:tube`).
fn line_key(line: &ChecklistLine) -> String {
    match &line.specimen_id {
        Some(tube) => format!("{}:{tube}", line.item.code()),
        None => line.item.code().to_string(),
    }
}

fn anchor(index: usize) -> String {
    format!("item-{index}")
}

/// The anchor of the button that ticks `item` for every tube.
fn tick_all_anchor(item: ChecklistItem) -> String {
    format!("tick-all-{}", item.code().replace('.', "-"))
}

/// The anchor of the checklist button a tick came from, on the package as
/// it now is: the item's line, or the button for every tube.
fn tick_anchor(
    view: &PackageView,
    item: ChecklistItem,
    specimen_id: Option<&str>,
) -> Option<String> {
    if item.layer() == Layer::Primary && specimen_id.is_none() {
        return Some(tick_all_anchor(item));
    }
    view.checklist
        .iter()
        .position(|l| l.item == item && l.specimen_id.as_deref() == specimen_id)
        .map(anchor)
}

/// What dispatch waits for, in the page's words; a key the words do not
/// know keeps the action's own sentence.
fn missing_text(lang: Lang, m: &Missing) -> String {
    let words = labels::missing_words(lang, &m.key);
    if words == m.key {
        m.message.render(lang)
    } else {
        words
    }
}

/// Where on the page a missing thing is put right.
fn missing_target(m: &Missing, anchors: &HashMap<String, usize>) -> String {
    if let Some(i) = anchors.get(&m.key) {
        return format!("#{}", anchor(*i));
    }
    match m.key.as_str() {
        "tubes" => "#specimen_id".to_string(),
        _ => "#slip-fields".to_string(),
    }
}

fn party_text(w: &SlipWords, p: &Party, not_set: &str) -> Markup {
    let blank = |s: &str| s.trim().is_empty();
    markup! {
        @if blank(&p.name) && blank(&p.address) && blank(&p.phone) {
            span class="unset" { (not_set) }
        } @else {
            span { (p.name) } br;
            span { (p.address) } br;
            (w.phone) " " span { (p.phone) }
        }
    }
}

/// Back to the package after a change, with a word on what happened;
/// with `at`, back to that place on the page (`?at=` tells the page which
/// item to confirm beside, `#` brings the browser there without a script).
fn back_to(id: &str, done: &str, changed: &PackageChanged, at: Option<&str>) -> HttpResponse {
    let done = if changed.created { done } else { "unchanged" };
    let mut location = format!("{}?done={done}", package_path(id));
    let codes: Vec<&str> = changed.warnings.iter().map(|w| w.code.as_str()).collect();
    if !codes.is_empty() {
        location.push_str("&warn=");
        location.push_str(&encode_query_value(&codes.join(",")));
    }
    if let Some(at) = at {
        location.push_str(&format!("&at={at}#{at}"));
    }
    see_other(&location)
}

// ---------------------------------------------------------------------------
// GET /packing
// ---------------------------------------------------------------------------

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
    let form: SlipForm = match checked(&req, &user, &body, |f: &SlipForm| &f.csrf) {
        Ok(form) => form,
        Err(page) => return Ok(*page),
    };
    let lang = super::lang(&req);
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
    let lang = super::lang(req);
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
fn party_fields(
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

fn packer_fields(t: &PackingText, name: &str, certificate: &str) -> Markup {
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

// ---------------------------------------------------------------------------
// GET /packing/commands
// ---------------------------------------------------------------------------

/// `GET /packing/commands`: the command-barcode sheet, page by page, to
/// print and lay on the packing table.
pub async fn commands(req: HttpRequest, user: SignedIn) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let t = packing(lang);
    let count = command_sheet::page_count();
    let total = count.to_string();
    let body = markup! {
        div class="sheet-intro" {
            p { a href="/packing" { (t.title) } }
            h1 { (t.commands_title) }
            p { (t.commands_intro) }
            div class="print-controls" {
                button type="button" class="primary" data-print { (t.print_button) }
            }
        }
        div class="command-sheet" {
            @for n in 1..=count {
                @let number = n.to_string();
                figure class="command-page" {
                    img src={ "/api/v1/labels/commands?format=svg&page=" (n) }
                        alt=(fill(t.commands_alt, &[("n", &number), ("count", &total)]))
                        width="794" height="1123";
                    figcaption { (fill(t.commands_page, &[("n", &number), ("count", &total)])) }
                }
            }
        }
    };
    let place = Place {
        scripts: &["print.js"],
        ..Place::of(lang, "/packing/commands", &user.session, Section::Packing)
    };
    Ok(answer(&req, StatusCode::OK, &place, t.commands_title, body))
}

// ---------------------------------------------------------------------------
// GET /packing/{package_id}
// ---------------------------------------------------------------------------

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
async fn package_page(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    id: &str,
    status: StatusCode,
    attempt: Attempt,
    shown: &Shown,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(req);
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
    let body = package_body(lang, &view, &user.session.csrf, &attempt, shown);
    let t = packing(lang);
    let title = format!("{} {}", t.package_heading, view.package_id);
    let here = package_path(&view.package_id);
    let place = Place {
        scripts: &["packing.js"],
        ..Place::of(lang, &here, &user.session, Section::Packing)
    };
    Ok(answer(req, status, &place, &title, body))
}

fn done_text(t: &PackingText, done: &str) -> Option<&'static str> {
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
    Some(match text::reason_label(lang, code) {
        Some(l) => l.to_string(),
        None => code.as_str().replace('_', " "),
    })
}

/// One refusal in the page's language: the rule's name, then the
/// catalogue's sentence, which names the tube (and for the 48-hour rule
/// the hours it spent unfrozen).
fn refusal_text(lang: Lang, n: &Notice) -> String {
    let sentence = n.message.render(lang);
    match text::reason_label(lang, n.code) {
        Some(rule) => format!("{rule}: {sentence}"),
        None => sentence,
    }
}

/// The red box of a refused form: every rule that refused in words, or
/// what dispatch waits for, or the reason, then the code for whoever
/// looks it up. `tabindex` lets the page's script bring it into view.
fn error_box(lang: Lang, f: &Failure) -> Markup {
    let t = packing(lang);
    let labelled = |code: RuleCode| text::reason_label(lang, code).is_some();
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
                p { (text::reason_label(lang, f.code).unwrap_or(t.missing_intro)) }
                ul class="missing-list" {
                    @for m in &f.missing {
                        li data-key=(m.key) { (missing_text(lang, m)) }
                    }
                }
            } @else {
                p { (rule_words(lang, f.code, &f.message)) }
                @if labelled(f.code) {
                    p class="detail" { (f.message.render(lang)) }
                }
            }
            p class="code" { (t.error_code) ": " code { (f.code.as_str()) } }
        }
    }
}

/// Where dispatch stands once nothing on the checklist is missing.
enum Readiness {
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
fn error_at(view: &PackageView, attempt: &Attempt, spot: &Spot) -> bool {
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

fn package_body(
    lang: Lang,
    view: &PackageView,
    csrf: &str,
    attempt: &Attempt,
    shown: &Shown,
) -> Markup {
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
        (layers(lang, view, csrf, attempt, shown))
        (slip_fields(lang, view, csrf, attempt))
        (dispatch_section(lang, view, csrf, attempt, &ready))
        (history(lang, view))
    }
}

/// The checklist drawn as the package is packed: from the tube outwards,
/// one section a layer, each with its own items.
fn layers(lang: Lang, view: &PackageView, csrf: &str, attempt: &Attempt, shown: &Shown) -> Markup {
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

/// The tubes in sending-priority order, each with its type, priority and
/// deadline and a button to take it out; then the form to add one.
fn tubes(lang: Lang, view: &PackageView, csrf: &str, attempt: &Attempt) -> Markup {
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

/// Who sends what to whom: the slip's fields, and where to change them.
fn slip_fields(lang: Lang, view: &PackageView, csrf: &str, attempt: &Attempt) -> Markup {
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

fn dispatch_section(
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

// ---------------------------------------------------------------------------
// The package's forms
// ---------------------------------------------------------------------------

/// After a refusal: the package page again, under the refusal's status.
async fn refused(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    id: &str,
    attempt: Attempt,
) -> Result<HttpResponse, AppError> {
    let status = attempt
        .failure
        .as_ref()
        .map_or(StatusCode::BAD_REQUEST, |f| f.status);
    package_page(req, user, ctx, id, status, attempt, &Shown::default()).await
}

/// The role check and the CSRF check every packing form starts with:
/// `Err` holds the 403 page to answer instead.
fn checked<T: DeserializeOwned + Default>(
    req: &HttpRequest,
    user: &SignedIn,
    body: &[u8],
    csrf: impl Fn(&T) -> &str,
) -> Result<T, Box<HttpResponse>> {
    checked_form(req, user, body, Section::Packing, forbidden, csrf)
}

/// How every form of a package ends: `action` changes package `id`, then
/// the answer is the 303 back to the package saying `done`
/// (Post/Redirect/Get) — for a tick, back to the item's button (`at`:
/// the item and its tube) — or, when the action refuses, the package
/// page again with the attempt `on_refusal` makes of the refusal.
async fn change_package<F>(
    (req, user, ctx): (&HttpRequest, &SignedIn, &web::Data<Ctx>),
    (id, done, at): (&str, &str, Option<(ChecklistItem, Option<String>)>),
    action: F,
    on_refusal: impl FnOnce(Failure) -> Attempt,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(&Ctx, &Actor, &str, DateTime<Utc>) -> Result<PackageChanged, ActionError>
        + Send
        + 'static,
{
    let pkg = id.to_string();
    match run_action(ctx, &user.session.actor, move |ctx, actor, now| {
        action(ctx, actor, &pkg, now)
    })
    .await?
    {
        Ok(changed) => {
            let anchor =
                at.and_then(|(item, tube)| tick_anchor(&changed.package, item, tube.as_deref()));
            Ok(back_to(id, done, &changed, anchor.as_deref()))
        }
        Err(e) => {
            let attempt = on_refusal(Failure::from_action(e)?);
            refused(req, user, ctx, id, attempt).await
        }
    }
}

/// `POST /packing/{package_id}/specimens`: puts a tube in.
pub async fn add_specimen(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: AddForm = match checked(&req, &user, &body, |f: &AddForm| &f.csrf) {
        Ok(f) => f,
        Err(page) => return Ok(*page),
    };
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
pub async fn tick(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: TickForm = match checked(&req, &user, &body, |f: &TickForm| &f.csrf) {
        Ok(f) => f,
        Err(page) => return Ok(*page),
    };
    let id = path.into_inner();
    let spot = Spot::Item {
        item: form.item.trim().to_string(),
        specimen_id: given(&form.specimen_id),
    };
    let request = match tick_request(super::lang(&req), &form) {
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

/// `POST /packing/{package_id}/dispatch`: the package leaves, or the page
/// says what it still waits for.
pub async fn dispatch(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: DispatchForm = match checked(&req, &user, &body, |f: &DispatchForm| &f.csrf) {
        Ok(f) => f,
        Err(page) => return Ok(*page),
    };
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

/// `POST /packing/{package_id}/details`: saves the slip fields of an open
/// package (a package started by scanning has no consignee yet).
pub async fn details(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: SlipForm = match checked(&req, &user, &body, |f: &SlipForm| &f.csrf) {
        Ok(f) => f,
        Err(page) => return Ok(*page),
    };
    let id = path.into_inner();
    let lang = super::lang(&req);
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

// ---------------------------------------------------------------------------
// GET /packing/{package_id}/print
// ---------------------------------------------------------------------------

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
    let lang = super::lang(&req);
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

/// The shipping slip (検体送付票, §2.5 注2) inside the page. The API's own
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
