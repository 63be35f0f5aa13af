//! The station pages: the list of desks a role may use, and one desk's
//! live page (SPEC §1, §5).
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
use super::text::{self, Lang};
use super::{facility, html, SignedIn};
use crate::actions::scans::{self, ScanFilter, ScanView};
use crate::actions::{Actor, Ctx};
use crate::config::Workflow;
use crate::domain::roles::{Action, Role};
use crate::domain::SpecimenType;
use crate::http::AppError;
use crate::scanning::ScanService;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html as markup;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// How many of the journal's latest scans a page opens with.
const RECENT: i64 = 20;

/// What a workflow's scans do, as the role table names it.
fn workflow_action(workflow: Workflow) -> Action {
    match workflow {
        Workflow::Reception => Action::RegisterSpecimen,
        Workflow::Storage => Action::RecordStorage,
        Workflow::Packing => Action::PackSpecimens,
        Workflow::Receiving => Action::ReceivePackages,
    }
}

/// Whether a role may work at a station: follow it, scan at it, and do
/// what its scans do (a reception clerk has no use for a packing desk,
/// whose every scan would be refused).
pub fn may_use(role: Role, workflow: Workflow) -> bool {
    Section::Stations.open_to(role)
        && role.may(Action::WatchStations)
        && role.may(Action::Scan)
        && role.may(workflow_action(workflow))
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
    let data = page_data(lang, &name, workflow, &recent, devices);
    let t = lang.text();
    let reception = workflow == Workflow::Reception;
    let title = format!("{name} — {}", text::workflow_label(lang, workflow));
    let body = markup! {
        div class="station-head" {
            h1 { (name) " " span class="workflow" { (text::workflow_label(lang, workflow)) } }
            p id="live-status" class="live" role="status" {}
            button type="button" id="sound" class="secondary" hidden { (t.sound_enable) }
        }
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
            // The registration form these scans fill (type, onset date, days
            // since onset, saliva and serum timing) is the next slice of
            // issue 6; until then the page shows the draft the scans build.
            section id="draft" class="draft" aria-labelledby="draft-title" {
                h2 id="draft-title" { (t.draft_title) }
                dl {
                    dt { (t.draft_patient) }
                    dd id="draft-patient" { (t.not_yet) }
                    dt { (t.draft_tube) }
                    dd id="draft-tube" { (t.not_yet) }
                    dt { (t.draft_kit) }
                    dd id="draft-kit" { (t.not_yet) }
                }
                p class="hint" { (t.draft_note) }
            }
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
        "specimen", "kit", "patient", "location", "package", "command", "unknown",
    ]
    .into_iter()
    .filter_map(|k| text::kind_label(lang, k).map(|l| (k, l.to_string())))
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
    let next = match lang {
        Lang::Ja => text::NEXT_JA
            .iter()
            .map(|(en, ja)| (*en, (*ja).to_string()))
            .collect(),
        Lang::En => Vec::new(),
    };
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
        },
        "kinds": map(kinds),
        "device_states": map(states),
        "device_errors": map(errors),
        "reasons": map(reasons),
        "next_steps": map(next),
        "types": map(types),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ];
        for (role, workflow, allowed) in cases {
            assert_eq!(may_use(role, workflow), allowed, "{role:?} {workflow:?}");
        }
    }
}
