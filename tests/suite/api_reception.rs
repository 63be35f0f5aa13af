//! A reception desk through a clerk's day (README, scanners and stations and barcodes): barcode kinds
//! told apart by the site's patterns, one registration draft that a
//! registration, a start-over or idle time ends (each said on the
//! station's stream), refusals that change nothing but the journal, and a
//! restart that never brings a finished or expired draft back.

use crate::common::{
    registration, spawn_app_with, with_stations, with_vtm_kit, Event, EventStream, TestApp,
};
use kentai::config::Config;
use kentai::domain::roles::Role;
use kentai::scanning::{Incoming, ScanService};
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);
const DESK: &str = "reception-1";

async fn app() -> TestApp {
    app_with(|_| {}).await
}

async fn app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with(|c| {
        with_stations(c);
        with_vtm_kit(c);
        adjust(c);
    })
    .await
}

/// A kit label with (17) `expiry` as scan data.
fn kit_scan(expiry: &str, lot: &str) -> String {
    format!("]d2010491234500001917{expiry}10{lot}\u{1d}21S1")
}

/// Scans at the reception desk as `token`: the outcome.
async fn scan(app: &TestApp, token: &str, data: &str) -> Value {
    let (status, body) = app.scan(token, DESK, data).await;
    assert_eq!(status, 201, "{data}: {body}");
    body["outcome"].clone()
}

/// A registration of `tube` for patient number `patient`.
fn registration_of(tube: &str, patient: &str) -> Value {
    let mut body = registration(tube, "nasopharyngeal_swab", 2);
    body["patient"]["patient_id"] = json!(patient);
    body
}

/// The next event called `name`, skipping others.
async fn next_named(events: &mut EventStream, name: &str, within: Duration) -> Option<Event> {
    loop {
        let e = events.next(within).await?;
        if e.name == name {
            return Some(e);
        }
    }
}

fn assert_refused(outcome: &Value, code: &str) {
    assert_eq!(outcome["accepted"], false, "{outcome}");
    assert_eq!(outcome["code"], code, "{outcome}");
}

#[tokio::test]
async fn registering_the_drafts_tube_ends_the_draft_and_the_station_says_so() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let mut events = app.events(DESK, &clerk, None).await;
    scan(&app, &clerk, "P-000201").await;
    let o = scan(&app, &clerk, "T-0012").await;
    assert_eq!(o["draft"]["specimen_id"], "T-0012", "{o}");

    let (status, body) = app
        .register(&clerk, &registration_of("T-0012", "P-000201"))
        .await;
    assert_eq!(status, 201, "{body}");
    let reset = next_named(&mut events, "reset", WAIT)
        .await
        .expect("a reset event after the registration");
    assert_eq!(reset.data["reason"], "registered", "{:?}", reset.data);
    assert_eq!(reset.data["specimen_id"], "T-0012");
    assert_eq!(
        reset.data["message"],
        "T-0012 を登録しました。次の患者のバーコードを読み取ってください"
    );
    assert_eq!(reset.data["next"], "患者のバーコードを読み取ってください");
    assert!(reset.data["draft"]["patient"].is_null(), "{:?}", reset.data);

    // The next patient is simply the next patient.
    let o = scan(&app, &clerk, "P-000202").await;
    assert_eq!(o["accepted"], true, "{o}");
    assert_eq!(o["draft"]["patient"], "P-000202");
    assert!(o["draft"]["specimen_id"].is_null(), "{o}");
}

#[tokio::test]
async fn a_repeated_registration_ends_a_draft_that_holds_its_patient_and_no_tube() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let body = registration_of("T-0030", "P-000030");
    let (status, _) = app.register(&clerk, &body).await;
    assert_eq!(status, 201);
    // The clerk scanned the patient, typed the tube into the form, and the
    // browser sent the form again (200: the stored registration).
    let mut events = app.events(DESK, &clerk, None).await;
    let o = scan(&app, &clerk, "P-000030").await;
    assert_eq!(o["draft"]["patient"], "P-000030");
    let (status, again) = app.register(&clerk, &body).await;
    assert_eq!(status, 200, "{again}");
    let reset = next_named(&mut events, "reset", WAIT)
        .await
        .expect("the repeat ends the draft too");
    assert_eq!(reset.data["reason"], "registered");
    // Another patient's registration ends nobody's draft.
    scan(&app, &clerk, "P-000031").await;
    let (status, _) = app
        .register(&clerk, &registration_of("T-0032", "P-000099"))
        .await;
    assert_eq!(status, 201);
    assert!(next_named(&mut events, "reset", Duration::from_millis(500))
        .await
        .is_none());
    let o = scan(&app, &clerk, "P-000032").await;
    assert_eq!(o["code"], "patient_not_tube", "the draft still waits: {o}");
}

#[tokio::test]
async fn start_over_drops_the_draft_says_what_it_dropped_and_is_journalled() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    scan(&app, &clerk, "P-000301").await;
    scan(&app, &clerk, "T-0301").await;
    let before = app.count("scans");
    // What the page's やり直し button sends.
    let o = scan(&app, &clerk, "KTCMD:cancel").await;
    assert_eq!(o["accepted"], true, "{o}");
    assert_eq!(o["kind"], "command");
    assert_eq!(
        o["message"],
        "患者 P-000301・採取管 T-0301 の受付を取り消しました。患者のバーコードから読み取ってください"
    );
    assert!(o["draft"]["patient"].is_null() && o["draft"]["specimen_id"].is_null());
    assert_eq!(
        app.count("scans"),
        before + 1,
        "the start-over is journalled"
    );
    let o = scan(&app, &clerk, "P-000302").await;
    assert_eq!(o["accepted"], true, "the next patient: {o}");

    // In English on request.
    let (_, body) = app
        .post(
            "/api/v1/scans?lang=en",
            &clerk,
            &json!({"station": DESK, "data": "KTCMD:cancel", "device": "button"}),
        )
        .await;
    assert_eq!(
        body["outcome"]["message"],
        "dropped the registration of patient P-000302: scan the patient"
    );
}

#[tokio::test]
async fn an_idle_draft_expires_without_a_scan_and_the_station_says_so() {
    // 0.02 minutes: 1.2 seconds.
    let app = app_with(|c| c.scanning.draft_idle_minutes = 0.02).await;
    let clerk = app.token(Role::Reception);
    let mut events = app.events(DESK, &clerk, None).await;
    let o = scan(&app, &clerk, "P-000401").await;
    assert!(
        o["draft"]["expires_at"].is_string(),
        "the draft says when: {o}"
    );
    let started = std::time::Instant::now();
    let reset = next_named(&mut events, "reset", WAIT)
        .await
        .expect("an expiry event without any scan");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(reset.data["reason"], "expired", "{:?}", reset.data);
    assert_eq!(
        reset.data["message"],
        "1秒間、操作がなかったため、患者 P-000401 の受付を取り消しました。次の患者のバーコードを読み取ってください"
    );
    // Another patient is welcome now (it would be patient_not_tube before).
    let o = scan(&app, &clerk, "P-000402").await;
    assert_eq!(o["accepted"], true, "{o}");
    // An empty draft never expires.
    let o = scan(&app, &clerk, "KTCMD:cancel").await;
    assert_eq!(o["accepted"], true);
    assert!(
        next_named(&mut events, "reset", Duration::from_millis(2000))
            .await
            .is_none()
    );
}

/// A scan straight into `service` at `scanned_at`, as a scanner's frame.
fn frame(service: &ScanService, data: &str, scanned_at: chrono::DateTime<chrono::Utc>) -> Value {
    let view = service
        .submit(
            None,
            Incoming {
                station: DESK.into(),
                device: "desk-gun".into(),
                raw: data.as_bytes().to_vec(),
                aim: None,
                scanned_at,
            },
        )
        .expect("scan");
    serde_json::to_value(view.outcome.expect("outcome")).expect("outcome as JSON")
}

#[tokio::test]
async fn an_idle_draft_is_dropped_when_the_next_scan_arrives_before_the_sweeper() {
    let app = app().await;
    let service = ScanService::start(&app.ctx).expect("scan service");
    let now = chrono::Utc::now();
    frame(&service, "P-000501", now - chrono::Duration::minutes(20));
    let mut events = service.subscribe(DESK).expect("events");
    let o = frame(&service, "T-0501", now);
    // The tube went into a fresh draft, not the stale patient's.
    assert_eq!(o["accepted"], true, "{o}");
    assert!(o["draft"]["patient"].is_null(), "{o}");
    let reset = events.try_recv().expect("the expiry was announced");
    let reset = serde_json::to_value(&*reset).unwrap();
    assert_eq!(reset["event"], "reset");
    assert_eq!(reset["reason"], "expired");
}

#[tokio::test]
async fn a_restart_resumes_an_open_draft_but_never_a_registered_or_expired_one() {
    let app = app().await;
    let clerk = app.token(Role::Reception);

    // Open: resumed as it was.
    scan(&app, &clerk, "P-000601").await;
    scan(&app, &clerk, "T-0601").await;
    let restarted = ScanService::start(&app.ctx).expect("restart");
    let draft = restarted.draft(DESK).expect("a reception desk");
    assert_eq!(draft.patient.as_deref(), Some("P-000601"));
    assert_eq!(draft.specimen_id.as_deref(), Some("T-0601"));
    assert!(draft.tube_scanned_at.is_some());
    drop(restarted);

    // Registered: the journal's last state still holds it; a restart
    // must not bring it back.
    let (status, body) = app
        .register(&clerk, &registration_of("T-0601", "P-000601"))
        .await;
    assert_eq!(status, 201, "{body}");
    let restarted = ScanService::start(&app.ctx).expect("restart");
    let draft = restarted.draft(DESK).expect("a reception desk");
    assert_eq!(draft, Default::default(), "{draft:?}");
    drop(restarted);

    // Expired while the server was down: a scan 20 minutes ago, and the
    // idle time is 10.
    let earlier = ScanService::start(&app.ctx).expect("service");
    frame(
        &earlier,
        "P-000602",
        chrono::Utc::now() - chrono::Duration::minutes(20),
    );
    drop(earlier);
    let restarted = ScanService::start(&app.ctx).expect("restart");
    let draft = restarted.draft(DESK).expect("a reception desk");
    assert_eq!(draft, Default::default(), "{draft:?}");

    // A patient-only draft whose registration came with a typed tube.
    scan(&app, &clerk, "KTCMD:cancel").await;
    scan(&app, &clerk, "P-000603").await;
    let (status, _) = app
        .register(&clerk, &registration_of("T-0603", "P-000603"))
        .await;
    assert_eq!(status, 201);
    let restarted = ScanService::start(&app.ctx).expect("restart");
    assert_eq!(restarted.draft(DESK), Some(Default::default()));
}

#[tokio::test]
async fn patient_and_tube_barcodes_are_told_apart_by_pattern_not_by_order() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    // Tube first, then the patient: each takes its own slot.
    let o = scan(&app, &clerk, "T-0701").await;
    assert_eq!(
        (o["kind"].as_str(), o["accepted"].as_bool()),
        (Some("specimen"), Some(true))
    );
    assert_eq!(o["next"], "患者のバーコードを読み取ってください");
    let o = scan(&app, &clerk, "P-000701").await;
    assert_eq!(o["kind"], "patient", "{o}");
    assert_eq!(o["draft"]["specimen_id"], "T-0701");
    assert_eq!(o["draft"]["patient"], "P-000701");

    // A kit before the tube is fine too.
    let o = scan(&app, &clerk, "KTCMD:cancel").await;
    assert_eq!(o["accepted"], true);
    scan(&app, &clerk, "P-000702").await;
    let o = scan(&app, &clerk, &kit_scan("301231", "LOT1")).await;
    assert_eq!(
        (o["kind"].as_str(), o["accepted"].as_bool()),
        (Some("kit"), Some(true))
    );
    let o = scan(&app, &clerk, "2026110001").await;
    assert_eq!(
        o["kind"], "specimen",
        "digits only are a tube by default: {o}"
    );
    assert_eq!(o["draft"]["kit"]["lot"], "LOT1");
    assert_eq!(o["next"], "登録フォームに進んでください");
}

#[tokio::test]
async fn every_refusal_at_reception_has_its_code_and_changes_nothing_but_the_journal() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let (status, _) = app
        .register(&clerk, &registration_of("T-0800", "P-000800"))
        .await;
    assert_eq!(status, 201);

    // Each refused scan against the draft it meets: the outcome's draft is
    // that draft, and no table but `scans` moves.
    async fn refused(app: &TestApp, token: &str, data: &str, code: &str) -> Value {
        let before = app.snapshot();
        let (_, state) = app
            .get(&format!("/api/v1/scans?station={DESK}&limit=1"), token)
            .await;
        let draft_before = state[0]["outcome"]["draft"].clone();
        let o = scan(app, token, data).await;
        assert_refused(&o, code);
        assert_eq!(o["draft"], draft_before, "{data}: the draft is untouched");
        let after = app.snapshot();
        for ((table, n), (_, m)) in before.iter().zip(&after) {
            let grew = if *table == "scans" { 1 } else { 0 };
            assert_eq!(*m, n + grew, "{data}: table {table}");
        }
        o
    }

    scan(&app, &clerk, "P-000801").await;
    // The patient's code where the tube is expected: never the tube.
    let o = refused(&app, &clerk, "P-000201", "patient_not_tube").await;
    assert!(o["message"].as_str().unwrap().contains("やり直し"), "{o}");
    assert_eq!(o["kind"], "patient");
    let o = refused(&app, &clerk, "P-000801", "patient_not_tube").await;
    assert!(o["draft"]["specimen_id"].is_null());
    // Neither pattern; a registered tube; a location here.
    refused(&app, &clerk, "P-HALF", "unrecognised_code").await;
    refused(&app, &clerk, "t-lower", "unrecognised_code").await;
    refused(&app, &clerk, "T-0800", "duplicate_specimen").await;
    app.location("FRIDGE-A", "fridge_4c").await;
    refused(&app, &clerk, "FRIDGE-A", "unexpected_scan").await;

    // With a tube in: the same patient is fine, another patient or another
    // tube waits for a registration or a start-over.
    let o = scan(&app, &clerk, "T-0801").await;
    assert_eq!(o["accepted"], true, "{o}");
    let o = scan(&app, &clerk, "P-000801").await;
    assert_eq!(
        (o["accepted"].as_bool(), o["kind"].as_str()),
        (Some(true), Some("patient"))
    );
    let o = scan(&app, &clerk, "T-0801").await;
    assert_eq!(o["accepted"], true, "the same tube again: {o}");
    refused(&app, &clerk, "P-000802", "draft_in_progress").await;
    refused(&app, &clerk, "T-0802", "draft_in_progress").await;
    // An expired kit refuses and keeps the good kit already scanned.
    scan(&app, &clerk, &kit_scan("301231", "GOOD")).await;
    let o = refused(&app, &clerk, &kit_scan("200101", "OLD"), "kit_expired").await;
    assert_eq!(o["draft"]["kit"]["lot"], "GOOD");

    // Nothing was registered by any of it.
    assert_eq!(app.count("specimens"), 1);
}

#[tokio::test]
async fn a_code_both_patterns_match_is_refused_as_ambiguous() {
    let app = app_with(|c| {
        c.scanning.patient_pattern = "[0-9]{6,10}".into();
        c.scanning.tube_pattern = "[0-9]{10}|T-[0-9]+".into();
    })
    .await;
    let clerk = app.token(Role::Reception);
    let before = app.snapshot();
    let o = scan(&app, &clerk, "2026110001").await;
    assert_refused(&o, "ambiguous_code");
    assert_eq!(o["kind"], "unknown");
    let after = app.snapshot();
    assert_eq!(
        before
            .iter()
            .filter(|(t, _)| *t != "scans")
            .collect::<Vec<_>>(),
        after
            .iter()
            .filter(|(t, _)| *t != "scans")
            .collect::<Vec<_>>()
    );
    // The site's own kinds.
    let o = scan(&app, &clerk, "000201").await;
    assert_eq!(o["kind"], "patient", "{o}");
    let o = scan(&app, &clerk, "T-55").await;
    assert_eq!(o["kind"], "specimen", "{o}");
    // The default patient form is nothing at this site.
    let o = scan(&app, &clerk, "KTCMD:cancel").await;
    assert_eq!(o["accepted"], true);
    assert_refused(&scan(&app, &clerk, "P-000201").await, "unrecognised_code");
}

#[test]
fn an_invalid_pattern_stops_the_server_at_start_up() {
    let mut config = Config::default();
    config.scanning.tube_pattern = "T-[0-9".into();
    let error = config.validate().expect_err("a broken pattern");
    assert!(
        error.to_string().contains("scanning.tube_pattern"),
        "{error}"
    );
}
