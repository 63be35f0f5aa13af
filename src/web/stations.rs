//! The station pages: the list of desks a role may use, and one desk's
//! live page (README, "Scanners and stations").
//!
//! A station page is what a clerk looks at between scans, from across the
//! desk: the last outcome as a large green or red panel with the reason in
//! plain words and a sound, the desk's scanners and their errors, and a
//! keyboard-wedge field as the fallback scanner. The page follows the
//! station's event stream (`GET /api/v1/stations/{station}/events`) and
//! posts typed scans to `POST /api/v1/scans`, both with the session cookie;
//! `assets/station.js` does the live part, with every word taken from the
//! JSON this module puts in the page.

use super::desks::{forbidden, frame, not_found};
use super::layout::{json_island, page, Section};
use super::text::{self, Lang, PageWords};
use super::{facility, html, SignedIn};
use crate::actions::scans::ResultDesk;
use crate::actions::scans::{self, ScanFilter, ScanView};
use crate::actions::{Actor, Ctx};
use crate::config::Workflow;
use crate::domain::messages::{ppe_name, test_result_name};
use crate::domain::ppe::PpeItem;
use crate::domain::results::{TestMethod, TestResult};
use crate::domain::roles::{Action, Role};
use crate::domain::RuleCode;
use crate::domain::SpecimenType;
use crate::http::AppError;
use crate::scanning::operators::StationStaffing;
use crate::scanning::ScanService;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html as markup;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// How many of the journal's latest scans a page opens with.
const RECENT: i64 = 20;

/// Whether a role may work at a station: follow it, scan at it, and do
/// what its scans do (`POST /api/v1/scans` asks the same of every scan).
pub fn may_use(role: Role, workflow: Workflow) -> bool {
    Section::Stations.open_to(role) && crate::scanning::may_scan_at(role, workflow)
}

/// `GET /stations`.
pub async fn list(
    req: HttpRequest,
    user: SignedIn,
    service: web::Data<Arc<ScanService>>,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(&req);
    let t = lang.text();
    let session = &user.session;
    if !Section::Stations.open_to(session.actor.role) {
        return Ok(forbidden(&req, lang, Some(session)));
    }
    let stations: Vec<(String, Workflow)> = service
        .station_names()
        .into_iter()
        .filter(|(_, w)| may_use(session.actor.role, *w))
        .collect();
    let body = markup! {
        h1 { (t.stations_title) }
        @if stations.is_empty() {
            p { (t.no_stations) }
        } @else {
            p { (t.stations_intro) }
            ul class="station-list" {
                @for (name, workflow) in &stations {
                    li {
                        a href={ "/stations/" (name) } {
                            span class="name" { (name) }
                            span class="workflow" { (text::workflow_label(lang, *workflow)) }
                        }
                    }
                }
            }
        }
    };
    let facility = facility(&req);
    let f = frame(
        lang,
        "/stations",
        &facility,
        Some(session),
        Some(Section::Stations),
    );
    Ok(html(&req, StatusCode::OK, page(&f, t.stations_title, body)))
}

/// `GET /stations/{station}`.
pub async fn station(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    service: web::Data<Arc<ScanService>>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(&req);
    let session = user.session;
    let name = path.into_inner();
    let Some(workflow) = service
        .station_names()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, w)| w)
    else {
        return Ok(not_found(&req, lang, Some(&session)));
    };
    if !may_use(session.actor.role, workflow) {
        return Ok(forbidden(&req, lang, Some(&session)));
    }
    let actor: Actor = session.actor.clone();
    let filter = ScanFilter {
        station: Some(name.clone()),
        after: None,
        limit: Some(RECENT),
    };
    let ctx = ctx.get_ref().clone();
    let saliva_max = ctx.config.policy.saliva_max_days;
    let tz = ctx.tz.name().to_string();
    let mut recent = web::block(move || scans::list(&ctx, &actor, &filter)).await??;
    // The journal answers newest first; the page adds each new scan on top,
    // so it replays them oldest first.
    recent.reverse();
    let devices: Vec<Value> = service
        .device_statuses()
        .into_iter()
        .filter(|d| d.station == name)
        .map(|d| json!({"device": d.name, "state": d.state.code(), "detail": d.last_error}))
        .collect();
    let mut data = page_data(lang, &name, workflow, &recent, devices);
    let may_override = session.actor.role.may(Action::Override);
    if workflow == Workflow::Reception {
        data["form"] = form_data(lang, saliva_max, &tz, may_override);
        data["draft"] = json!(service.draft(&name).unwrap_or_default());
    }
    let result_desk = service.result_desk(&name);
    if let Some(desk) = &result_desk {
        data["result_desk"] = json!(desk);
        data["results"] = json!(TestResult::ALL
            .into_iter()
            .map(|r| (r.code(), test_result_name(r, lang)))
            .collect::<std::collections::BTreeMap<_, _>>());
    }
    let staffing = service.staffing(&name)?;
    data["operator"] = json!(staffing);
    data["op"] = operator_words(lang);
    let t = lang.text();
    let reception = workflow == Workflow::Reception;
    let title = format!("{name} — {}", text::workflow_label(lang, workflow));
    let body = markup! {
        div class="station-head" {
            h1 { (name) " " span class="workflow" { (text::workflow_label(lang, workflow)) } }
            p id="live-status" class="live" role="status" {}
            button type="button" id="sound" class="secondary" hidden { (t.sound_enable) }
        }
        (operator_panel(lang, &staffing))
        h2 class="visually-hidden" { (t.outcome_title) }
        div id="outcome" class="outcome waiting" aria-live="assertive" aria-atomic="true" {
            p id="outcome-verdict" class="verdict" { (t.waiting) }
            p id="outcome-reason" class="reason" {}
            p id="outcome-detail" class="detail" {}
            ul id="outcome-warnings" class="warnings" {}
            p id="outcome-next" class="next" {}
        }
        form id="wedge" class="wedge" autocomplete="off" {
            label for="scan-input" { (t.scan_label) }
            div class="wedge-row" {
                input id="scan-input" name="data" type="text" autofocus
                    autocapitalize="off" spellcheck="false" aria-describedby="scan-hint";
                button type="submit" class="primary" { (t.scan_submit) }
            }
            p id="scan-hint" class="hint" { (t.scan_hint) }
        }
        noscript { p class="error" { (t.needs_javascript) } }
        @if reception {
            // What the scans have gathered so far, then the form they fill;
            // the form is its own <form>, so Enter in the wedge field still
            // submits only the scan.
            section id="draft" class="draft" aria-labelledby="draft-title" {
                div class="draft-head" {
                    h2 id="draft-title" { (t.draft_title) }
                    // Same as scanning KTCMD:cancel, for a desk that has no
                    // command sheet: it goes through the scan path, so the
                    // journal keeps it.
                    button type="button" id="start-over" class="secondary"
                        aria-describedby="start-over-hint" { (t.start_over) }
                }
                dl {
                    dt { (t.draft_patient) }
                    dd id="draft-patient" { (t.not_yet) }
                    dt { (t.draft_tube) }
                    dd id="draft-tube" { (t.not_yet) }
                    dt { (t.draft_kit) }
                    dd id="draft-kit" { (t.not_yet) }
                }
                p id="draft-expires" class="hint" {}
                p class="hint" { (t.draft_note) }
                p id="start-over-hint" class="hint" { (t.start_over_hint) }
            }
            (registration_form(lang, saliva_max, may_override))
        }
        @if let Some(desk) = &result_desk {
            (result_desk_panel(lang, desk))
        }
        div class="columns" {
            section class="feed" aria-labelledby="feed-title" {
                h2 id="feed-title" { (t.feed_title) }
                p id="feed-empty" { (t.feed_empty) }
                ol id="feed" {}
            }
            section class="devices" aria-labelledby="devices-title" {
                h2 id="devices-title" { (t.devices_title) }
                p id="no-devices" { (t.no_devices) }
                ul id="devices" {}
                h3 { (t.device_errors_title) }
                ul id="device-errors" {}
            }
        }
        (json_island("kentai-data", &data))
    };
    let facility = facility(&req);
    let path = format!("/stations/{name}");
    let mut f = frame(
        lang,
        &path,
        &facility,
        Some(&session),
        Some(Section::Stations),
    );
    f.large = true;
    f.scripts = &["station.js"];
    Ok(html(&req, StatusCode::OK, page(&f, &title, body)))
}

/// The result desk's state: the tube waiting for its result code and the
/// batch running, which the station script keeps up to date from each
/// scan's outcome; and the way to the results page, where corrections are
/// made.
fn result_desk_panel(lang: Lang, desk: &ResultDesk) -> maud::Markup {
    let t = lang.text();
    let batch = desk.batch.map(|r| test_result_name(r, lang));
    markup! {
        section id="result-desk" class="draft" aria-labelledby="result-desk-title" {
            div class="draft-head" {
                h2 id="result-desk-title" { (t.result_desk_title) }
                a href="/results" { (t.results_link) }
            }
            dl {
                dt { (t.result_desk_tube) }
                dd id="result-desk-tube" class=[desk.specimen_id.is_none().then_some("empty")] {
                    (desk.specimen_id.as_deref().unwrap_or(t.result_desk_none))
                }
                dt { (t.result_desk_batch) }
                dd id="result-desk-batch" class=[batch.is_none().then_some("empty")] {
                    (batch.unwrap_or(t.result_desk_none))
                }
            }
            p class="hint" { (t.result_desk_note) }
        }
    }
}

/// Who works the station, large enough to read from across the desk; the
/// PIN field for a badge just read; taking and leaving the station from
/// the page. `assets/station.js` keeps it current from the `operator`
/// events.
fn operator_panel(lang: Lang, staffing: &StationStaffing) -> maud::Markup {
    let w = text::badges::badges(lang);
    let current = staffing.operator.as_ref();
    let waiting = staffing.waiting_for_pin.as_deref();
    markup! {
        section id="operator" class=(if current.is_some() { "operator on" } else { "operator off" })
            aria-labelledby="operator-title" {
            div class="operator-who" {
                h2 id="operator-title" { (w.operator_title) }
                p id="operator-name" class="operator-name" aria-live="polite" {
                    (current.map(|o| o.name.as_str()).unwrap_or(w.operator_none))
                }
                p id="operator-detail" class="hint" {}
                p class="hint" { (w.operator_hint) }
                @if staffing.require_operator {
                    p id="operator-required" class="hint strong" { (w.operator_required) }
                }
            }
            form id="pin-form" class="pin-form" autocomplete="off" hidden[waiting.is_none()] {
                label for="pin-input" id="pin-for" {
                    (waiting.map(|n| w.pin_for.replace("{name}", n)).unwrap_or_default())
                }
                div class="wedge-row" {
                    input id="pin-input" name="pin" type="password" inputmode="numeric"
                        pattern="[0-9]{4,8}" maxlength="8" autocomplete="off"
                        aria-label=(w.pin_label);
                    button type="submit" class="primary" { (w.pin_submit) }
                    button type="button" id="pin-cancel" class="secondary" { (w.pin_cancel) }
                }
            }
            div class="operator-actions" {
                button type="button" id="take-station" class="secondary" { (w.take_station) }
                button type="button" id="leave-station" class="secondary" hidden[current.is_none()] {
                    (w.leave_station)
                }
            }
        }
    }
}

/// The operator panel's words for the station script.
fn operator_words(lang: Lang) -> Value {
    let w = text::badges::badges(lang);
    json!({
        "none": w.operator_none,
        "idle_until": w.operator_idle_until,
        "badge": w.operator_badge,
        "pin_for": w.pin_for,
    })
}

/// A form sentence with the policy's saliva days put in.
fn with_days(sentence: &str, saliva_max: i64) -> String {
    sentence
        .replace("{max}", &saliva_max.to_string())
        .replace("{refuse}", &(saliva_max + 1).to_string())
}

/// The reception desk's registration form. The scans pre-fill it (the
/// station script copies the draft in); the API checks every rule again
/// on submit, so what the page explains is advice, never the gate.
fn registration_form(lang: Lang, saliva_max: i64, may_override: bool) -> maud::Markup {
    let f = lang.form();
    let sexes = [
        ("unknown", f.sex_unknown),
        ("male", f.sex_male),
        ("female", f.sex_female),
        ("other", f.sex_other),
    ];
    markup! {
        section id="registration" class="registration" aria-labelledby="reg-title" {
            h2 id="reg-title" { (f.title) }
            p class="hint" { (f.intro) }
            form id="reg-form" autocomplete="off" novalidate {
                div class="field" {
                    label for="reg-specimen-id" { (f.specimen_id) }
                    input id="reg-specimen-id" name="specimen_id" type="text" required
                        autocapitalize="off" spellcheck="false";
                }
                fieldset {
                    legend { (f.patient_legend) }
                    p id="reg-patient-note" class="hint" aria-live="polite" hidden {}
                    div class="field-grid" {
                        div class="field" {
                            label for="reg-patient-id" { (f.patient_id) }
                            input id="reg-patient-id" name="patient_id" type="text"
                                autocapitalize="off" spellcheck="false";
                        }
                        div class="field" {
                            label for="reg-name" { (f.name) }
                            input id="reg-name" name="name" type="text" required autocomplete="off";
                        }
                        div class="field" {
                            label for="reg-kana" { (f.name_kana) }
                            input id="reg-kana" name="name_kana" type="text" autocomplete="off";
                        }
                        div class="field" {
                            label for="reg-sex" { (f.sex) }
                            select id="reg-sex" name="sex" {
                                @for (code, label) in sexes {
                                    option value=(code) { (label) }
                                }
                            }
                        }
                        div class="field" {
                            label for="reg-birth" { (f.birth_date) }
                            input id="reg-birth" name="birth_date" type="date";
                        }
                        div class="field" {
                            label for="reg-phone" { (f.phone) }
                            input id="reg-phone" name="phone" type="tel" autocomplete="off";
                        }
                        div class="field wide" {
                            label for="reg-address" { (f.address) }
                            input id="reg-address" name="address" type="text" autocomplete="off";
                        }
                    }
                }
                fieldset {
                    legend { (f.specimen_legend) }
                    div class="field-grid" {
                        div class="field" {
                            label for="reg-type" { (f.specimen_type) }
                            // No type until the clerk (or a catalogued kit)
                            // says which: a forgotten choice must not become
                            // a sputum specimen.
                            select id="reg-type" name="type" required aria-describedby="reg-timing-now" {
                                option value="" { (f.type_choose) }
                                @for st in SpecimenType::ALL {
                                    option value=(st.code()) { (text::specimen_type_label(lang, st)) }
                                }
                            }
                        }
                        div class="field" {
                            label for="reg-collected" { (f.collected_at) }
                            input id="reg-collected" name="collected_at" type="datetime-local" required
                                aria-describedby="reg-collected-hint";
                            p id="reg-collected-hint" class="hint" { (f.collected_now) }
                        }
                        div class="field" {
                            label for="reg-onset" { (f.onset_date) }
                            input id="reg-onset" name="onset_date" type="date" aria-describedby="reg-days";
                        }
                        div class="field check" {
                            input id="reg-asymptomatic" name="asymptomatic" type="checkbox";
                            label for="reg-asymptomatic" { (f.asymptomatic) }
                        }
                        div class="field" {
                            label for="reg-method" { (f.test_method) }
                            select id="reg-method" name="test_method" {
                                @for m in TestMethod::ALL {
                                    option value=(m.code()) { (text::test_method_label(lang, m.code())) }
                                }
                            }
                        }
                    }
                    div class="timing" {
                        p {
                            strong { (f.days_label) ": " }
                            output id="reg-days" for="reg-onset reg-collected reg-asymptomatic" aria-live="polite" {
                                (f.days_unknown)
                            }
                        }
                        p id="reg-timing-now" class="timing-now" aria-live="polite" {}
                        h3 { (f.timing_title) }
                        ul id="reg-timing-rules" {
                            li id="reg-rule-saliva" { (with_days(f.saliva_rule, saliva_max)) }
                            li id="reg-rule-serum" { (f.serum_rule) }
                        }
                    }
                    div class="field wide" {
                        label for="reg-kit-view" { (f.kit) }
                        input id="reg-kit-view" type="text" readonly placeholder=(f.kit_none);
                    }
                    input id="reg-kit" name="kit" type="hidden";
                }
                fieldset id="reg-ppe" {
                    legend { (f.ppe_legend) }
                    div class="ppe" {
                        // Masks first, then eye protection, gown and gloves:
                        // the order `PpeItem::ALL` keeps.
                        @for item in PpeItem::ALL {
                            div class="field check" {
                                input id={ "reg-ppe-" (item.code()) } name="ppe" type="checkbox" value=(item.code());
                                label for={ "reg-ppe-" (item.code()) } { (ppe_name(item, lang)) }
                            }
                        }
                    }
                }
                div class="reg-actions" {
                    // The refusal sits next to the button that caused it,
                    // takes the focus and names the fields to correct.
                    div id="reg-error" class="error" role="alert" aria-live="assertive"
                        tabindex="-1" hidden {}
                    @if may_override {
                        div id="reg-override-field" class="field" hidden {
                            label for="reg-override" { (f.override_reason) }
                            textarea id="reg-override" name="override_reason" rows="2"
                                maxlength="1000" aria-describedby="reg-override-hint" {}
                            p id="reg-override-hint" class="hint" { (f.override_hint) }
                        }
                    }
                    button type="submit" id="reg-submit" class="primary" { (f.submit) }
                }
            }
        }
    }
}

/// Each request field of `POST /api/v1/specimens` (as the API's errors
/// name it in `field`, `fields` and by rule) and the form element that
/// holds it; the PPE fieldset stands for its checkboxes.
const FIELD_IDS: [(&str, &str); 16] = [
    ("specimen_id", "reg-specimen-id"),
    ("patient.patient_id", "reg-patient-id"),
    ("patient.name", "reg-name"),
    ("patient.name_kana", "reg-kana"),
    ("patient.sex", "reg-sex"),
    ("patient.birth_date", "reg-birth"),
    ("patient.phone", "reg-phone"),
    ("patient.address", "reg-address"),
    ("type", "reg-type"),
    ("collected_at", "reg-collected"),
    ("onset_date", "reg-onset"),
    ("asymptomatic", "reg-asymptomatic"),
    ("test_method", "reg-method"),
    ("kit", "reg-kit-view"),
    ("ppe", "reg-ppe"),
    ("override_reason", "reg-override"),
];

/// The form fields a refusal's rule code points at (the API's field
/// names), for the page to mark them; codes not listed mark none.
pub fn refusal_fields(code: RuleCode) -> &'static [&'static str] {
    use RuleCode::*;
    match code {
        SalivaWindowExceeded | SalivaOnsetUnknown => &["type", "onset_date"],
        SerumTiming => &["onset_date", "type"],
        OnsetAfterCollection => &["onset_date", "collected_at"],
        CollectionInFuture => &["collected_at"],
        KitExpired | KitSwabMaterial | UnknownKit | InvalidBarcode => &["kit"],
        KitTypeMismatch => &["kit", "type"],
        PpeIncomplete => &["ppe"],
        DuplicateSpecimen => &["specimen_id"],
        ConsultationRequired | NoRespiratorySpecimen => &["type"],
        _ => &[],
    }
}

/// The form's live words for the station script.
fn form_data(lang: Lang, saliva_max: i64, tz: &str, may_override: bool) -> Value {
    let f = lang.form();
    let d = |s: &str| with_days(s, saliva_max);
    let rule_fields: Map<String, Value> = RuleCode::ALL
        .into_iter()
        .filter(|c| !refusal_fields(*c).is_empty())
        .map(|c| (c.as_str().to_string(), json!(refusal_fields(c))))
        .collect();
    json!({
        "tz": tz,
        "saliva_max": saliva_max,
        "may_override": may_override,
        "rule_fields": rule_fields,
        "field_ids": FIELD_IDS.into_iter().collect::<std::collections::BTreeMap<_, _>>(),
        "t": {
            "days_value": f.days_value,
            "days_unknown": f.days_unknown,
            "days_asymptomatic": f.days_asymptomatic,
            "days_before_onset": f.days_before_onset,
            "saliva_ok": d(f.saliva_ok),
            "saliva_refused": d(f.saliva_refused),
            "saliva_no_onset": f.saliva_no_onset,
            "acute_ok": f.acute_ok,
            "acute_late": f.acute_late,
            "convalescent_ok": f.convalescent_ok,
            "convalescent_early": f.convalescent_early,
            "serum_no_onset": f.serum_no_onset,
            "no_timing_rule": f.no_timing_rule,
            "registered": f.registered,
            "sending": f.sending,
            "refused_title": f.refused_title,
            "collected_from_tube": f.collected_from_tube,
            "collected_now": f.collected_now,
            "collected_typed": f.collected_typed,
            "patient_known": f.patient_known,
            "patient_known_link": f.patient_known_link,
            "patient_new": f.patient_new,
            "type_required": f.type_required,
        },
    })
}

/// Everything the station script shows, words included.
fn page_data(
    lang: Lang,
    station: &str,
    workflow: Workflow,
    recent: &[ScanView],
    devices: Vec<Value>,
) -> Value {
    let t = lang.text();
    let map = |pairs: Vec<(&str, String)>| -> Value {
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::String(v)))
                .collect::<Map<_, _>>(),
        )
    };
    let kinds = [
        "specimen", "kit", "patient", "location", "package", "command", "badge", "unknown",
    ]
    .into_iter()
    .map(|k| (k, crate::domain::messages::scan_kind_name(k, lang)))
    .collect();
    let states = ["absent", "open", "reading", "lost", "back_off"]
        .into_iter()
        .filter_map(|s| text::device_state_label(lang, s).map(|l| (s, l.to_string())))
        .collect();
    let errors = ["garbage", "too_long", "half_frame"]
        .into_iter()
        .filter_map(|e| text::device_error_label(lang, e).map(|l| (e, l.to_string())))
        .collect();
    let reasons = text::reason_labels(lang)
        .into_iter()
        .map(|(c, l)| (c, l.to_string()))
        .collect();
    let types = SpecimenType::ALL
        .into_iter()
        .map(|s| (s.code(), text::specimen_type_label(lang, s)))
        .collect();
    json!({
        "station": station,
        "workflow": workflow,
        "lang": lang.code(),
        "last_scan_id": recent.iter().map(|s| s.scan_id).max().unwrap_or(0),
        "recent": recent,
        "devices": devices,
        "t": {
            "waiting": t.waiting,
            "accepted": t.accepted,
            "refused": t.refused,
            "next": t.next_label,
            "warnings": t.warnings_label,
            "not_yet": t.not_yet,
            "draft_expires": t.draft_expires,
            "reset_registered": t.reset_registered,
            "reset_expired": t.reset_expired,
            "kit_gtin": t.kit_gtin,
            "kit_lot": t.kit_lot,
            "kit_expiry": t.kit_expiry,
            "kit_type": t.kit_type,
            "kit_not_catalogued": t.kit_not_catalogued,
            "sound_enable": t.sound_enable,
            "sound_on": t.sound_on,
            "live_connected": t.live_connected,
            "live_lost": t.live_lost,
            "session_ended": t.session_ended,
            "sign_in_again": t.sign_in_again,
            "send_failed": t.send_failed,
            "result_desk_none": t.result_desk_none,
        },
        "kinds": map(kinds),
        "device_states": map(states),
        "device_errors": map(errors),
        "reasons": map(reasons),
        "types": map(types),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_ppe_codes_are_the_apis() {
        for item in PpeItem::ALL {
            let read: PpeItem = serde_json::from_value(json!(item.code())).expect("a PPE code");
            assert_eq!(read, item);
        }
    }

    #[test]
    fn every_field_a_refusal_marks_is_an_element_of_the_form() {
        let form = registration_form(Lang::Ja, 9, true).into_string();
        for (field, id) in FIELD_IDS {
            assert!(form.contains(&format!("id=\"{id}\"")), "{field}: no #{id}");
        }
        for code in RuleCode::ALL {
            for field in refusal_fields(code) {
                assert!(
                    FIELD_IDS.iter().any(|(f, _)| f == field),
                    "{code}: {field} is not a form field"
                );
            }
        }
        // Reception never sees the override field.
        let reception = registration_form(Lang::Ja, 9, false).into_string();
        assert!(!reception.contains("reg-override"));
        assert!(form.contains("id=\"reg-error\" class=\"error\" role=\"alert\""));
    }

    #[test]
    fn the_result_desk_panel_shows_the_held_tube_and_the_batch_and_links_the_results_page() {
        let empty = result_desk_panel(Lang::Ja, &ResultDesk::default()).into_string();
        assert!(empty.contains("href=\"/results\""), "{empty}");
        assert!(empty.contains(">結果一覧<"), "{empty}");
        assert_eq!(empty.matches(">なし<").count(), 2, "{empty}");
        let batch = ResultDesk {
            specimen_id: None,
            batch: Some(TestResult::Negative),
        };
        let html = result_desk_panel(Lang::Ja, &batch).into_string();
        assert!(html.contains(">陰性<"), "{html}");
        let held = ResultDesk {
            specimen_id: Some("T-<1>".into()),
            batch: None,
        };
        let html = result_desk_panel(Lang::En, &held).into_string();
        assert!(html.contains(">T-&lt;1&gt;<"), "{html}");
        assert!(html.contains(">Results<"), "{html}");
    }

    #[test]
    fn a_role_works_only_at_the_stations_whose_scans_it_may_make() {
        use Workflow::*;
        let cases = [
            (Role::Reception, Reception, true),
            (Role::Reception, Storage, true),
            (Role::Reception, Packing, false),
            (Role::Reception, Receiving, false),
            (Role::Lab, Packing, true),
            (Role::Lab, Receiving, true),
            (Role::Lab, Reception, true),
            (Role::HealthCentre, Reception, false),
            (Role::HealthCentre, Storage, false),
            (Role::Admin, Packing, true),
            (Role::Lab, Results, true),
            (Role::Admin, Results, true),
            (Role::Reception, Results, false),
            (Role::HealthCentre, Results, false),
        ];
        for (role, workflow, allowed) in cases {
            assert_eq!(may_use(role, workflow), allowed, "{role:?} {workflow:?}");
        }
    }
}
