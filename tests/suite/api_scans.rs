//! `POST /api/v1/scans` and the station workflows (README, scanners and stations and barcodes): each
//! desk turns scans into the spine's actions, and every scan is journalled
//! and reported on the station's event stream.

use crate::common::{spawn_app_with, with_stations, with_vtm_kit, TestApp, REQUIRED_ITEMS};
use kentai::domain::roles::Role;
use serde_json::{json, Value};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

async fn app() -> TestApp {
    spawn_app_with(|c| {
        with_stations(c);
        with_vtm_kit(c);
    })
    .await
}

fn outcome(body: &Value) -> &Value {
    &body["outcome"]
}

/// A kit label with (17) `expiry` as scan data, GS after the lot.
fn kit_scan(expiry: &str) -> String {
    format!("]d2010491234500001917{expiry}10LOT42\u{1d}21S1")
}

#[tokio::test]
async fn reception_scans_patient_then_tube_then_kit_and_the_draft_fills_in() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let (status, body) = app.scan(&clerk, "reception-1", "P-000123").await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(outcome(&body)["kind"], "patient");
    assert_eq!(outcome(&body)["accepted"], true);
    assert_eq!(outcome(&body)["next"], "新しい採取管を読み取ってください");

    let (_, body) = app.scan(&clerk, "reception-1", "]C0T-5001").await;
    assert_eq!(outcome(&body)["kind"], "specimen", "{body}");
    assert_eq!(outcome(&body)["specimen_id"], "T-5001");

    let (_, body) = app.scan(&clerk, "reception-1", &kit_scan("301231")).await;
    let o = outcome(&body);
    assert_eq!(o["kind"], "kit", "{body}");
    assert_eq!(o["accepted"], true, "{body}");
    assert_eq!(o["draft"]["patient"], "P-000123");
    assert_eq!(o["draft"]["specimen_id"], "T-5001");
    assert_eq!(o["draft"]["kit"]["gtin"], "04912345000019");
    assert_eq!(o["draft"]["kit"]["lot"], "LOT42");
    assert_eq!(o["draft"]["kit"]["specimen_type"], "nasopharyngeal_swab");
    assert_eq!(o["next"], "登録フォームに進んでください");
    // Reception scans only fill the form: nothing is registered yet.
    assert_eq!(app.count("specimens"), 0);
    assert_eq!(app.count("scans"), 3);
}

#[tokio::test]
async fn an_expired_kit_is_refused_at_the_reception_desk() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    app.scan(&clerk, "reception-1", "P-1").await;
    app.scan(&clerk, "reception-1", "T-1").await;
    let (status, body) = app.scan(&clerk, "reception-1", &kit_scan("200101")).await;
    assert_eq!(status, 201);
    assert_eq!(outcome(&body)["accepted"], false, "{body}");
    assert_eq!(outcome(&body)["code"], "kit_expired");
    assert!(outcome(&body)["draft"]["kit"].is_null());
}

#[tokio::test]
async fn a_tube_already_registered_is_refused_at_reception() {
    let app = app().await;
    app.admin_registers("T-7", "nasopharyngeal_swab", 2).await;
    let clerk = app.token(Role::Reception);
    app.scan(&clerk, "reception-1", "P-1").await;
    let (_, body) = app.scan(&clerk, "reception-1", "T-7").await;
    assert_eq!(outcome(&body)["accepted"], false);
    assert_eq!(outcome(&body)["code"], "duplicate_specimen");
}

#[tokio::test]
async fn storage_desk_stores_a_tube_scanned_with_a_location_in_either_order() {
    let app = app().await;
    app.location("FRIDGE-A", "fridge_4c").await;
    app.location("FRIDGE-B", "fridge_4c").await;
    app.admin_registers("T-1", "nasopharyngeal_swab", 2).await;
    app.admin_registers("T-2", "nasopharyngeal_swab", 2).await;
    let clerk = app.token(Role::Reception);

    let (_, body) = app.scan(&clerk, "fridge-1", "T-1").await;
    assert_eq!(outcome(&body)["next"], "保管場所を読み取ってください");
    let (_, body) = app.scan(&clerk, "fridge-1", "FRIDGE-A").await;
    assert_eq!(outcome(&body)["accepted"], true, "{body}");
    assert_eq!(
        outcome(&body)["message"],
        "採取管 T-1 を FRIDGE-A に保管しました"
    );

    // Location first works too (FRIDGE-A again at once would be a double
    // read of the same code).
    app.scan(&clerk, "fridge-1", "FRIDGE-B").await;
    let (_, body) = app.scan(&clerk, "fridge-1", "T-2").await;
    assert_eq!(outcome(&body)["accepted"], true, "{body}");
    assert_eq!(app.count("storage_events"), 2);

    let (_, specimen) = app.get("/api/v1/specimens/T-2", &app.admin).await;
    assert_eq!(specimen["status"], "stored", "{specimen}");
}

#[tokio::test]
async fn an_unknown_code_at_the_storage_desk_is_refused_and_changes_nothing() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let (_, body) = app.scan(&clerk, "fridge-1", "NOPE-1").await;
    assert_eq!(outcome(&body)["accepted"], false);
    assert_eq!(outcome(&body)["code"], "unknown_specimen");
    assert_eq!(app.count("storage_events"), 0);
}

#[tokio::test]
async fn invalid_gs1_data_is_refused_with_invalid_barcode() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    // (01) with a wrong check digit.
    let (_, body) = app.scan(&clerk, "fridge-1", "]d20104912345000018").await;
    assert_eq!(outcome(&body)["accepted"], false);
    assert_eq!(outcome(&body)["code"], "invalid_barcode", "{body}");
}

async fn open_package(app: &TestApp) -> String {
    let (status, body) = app
        .post(
            "/api/v1/packages",
            &app.admin,
            &json!({
                "consignee": {"name": "国立感染症研究所", "address": "東京都新宿区戸山1-23-1", "phone": "03-5285-1111"},
                "carrier": "official_vehicle"
            }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["package_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn packing_desk_packs_ticks_and_dispatches_with_command_codes() {
    let app = app().await;
    app.admin_registers("T-1", "nasopharyngeal_swab", 2).await;
    app.admin_registers("T-2", "nasopharyngeal_swab", 2).await;
    let package = open_package(&app).await;
    let lab = app.token(Role::Lab);

    let (_, body) = app
        .scan(&lab, "packing-1", "KTCMD:tick:secondary.absorbent")
        .await;
    assert_eq!(
        outcome(&body)["code"],
        "unexpected_scan",
        "a code before a package: {body}"
    );

    let (_, body) = app
        .scan(&lab, "packing-1", &format!("]C100{package}"))
        .await;
    assert_eq!(outcome(&body)["accepted"], true, "{body}");
    assert_eq!(outcome(&body)["package_id"], package.as_str());
    for tube in ["T-1", "T-2"] {
        let (_, body) = app.scan(&lab, "packing-1", tube).await;
        assert_eq!(outcome(&body)["accepted"], true, "{body}");
    }
    let (_, body) = app.scan(&lab, "packing-1", "KTCMD:dispatch").await;
    assert_eq!(outcome(&body)["accepted"], false);
    assert_eq!(outcome(&body)["code"], "package_incomplete");

    for item in REQUIRED_ITEMS {
        let (_, body) = app
            .scan(&lab, "packing-1", &format!("KTCMD:tick:{item}"))
            .await;
        assert_eq!(outcome(&body)["accepted"], true, "{item}: {body}");
    }
    let (_, body) = app
        .scan(&lab, "packing-1", "KTCMD:tick:secondary.dry_ice")
        .await;
    assert_eq!(outcome(&body)["code"], "dry_ice_in_secondary", "{body}");

    let (_, body) = app.scan(&lab, "packing-1", "KTCMD:dispatch").await;
    assert_eq!(outcome(&body)["accepted"], true, "{body}");
    let (_, p) = app
        .get(&format!("/api/v1/packages/{package}"), &app.admin)
        .await;
    assert_eq!(p["status"], "dispatched", "{p}");

    // The receiving lab scans the label.
    let (_, body) = app
        .scan(&lab, "receiving-1", &format!("]C100{package}"))
        .await;
    assert_eq!(outcome(&body)["accepted"], true, "{body}");
    let (_, p) = app
        .get(&format!("/api/v1/packages/{package}"), &app.admin)
        .await;
    assert_eq!(p["status"], "received", "{p}");
}

#[tokio::test]
async fn a_role_may_send_scans_only_to_stations_whose_work_it_may_do_and_nothing_else_is_journalled(
) {
    let app = app().await;
    app.admin_registers("T-1", "nasopharyngeal_swab", 2).await;
    let package = open_package(&app).await;
    let clerk = app.token(Role::Reception);
    let lab = app.token(Role::Lab);
    // The lab's packing desk has a package open.
    let (_, body) = app
        .scan(&lab, "packing-1", &format!("]C100{package}"))
        .await;
    assert_eq!(outcome(&body)["accepted"], true, "{body}");

    let before = app.snapshot();
    for (station, data) in [
        ("packing-1", format!("]C100{package}")),
        // A reception clerk cannot start a packing desk over either.
        ("packing-1", "KTCMD:cancel".to_string()),
        ("receiving-1", format!("]C100{package}")),
    ] {
        let (status, body) = app.scan(&clerk, station, &data).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (403, Some("forbidden")),
            "{station} {data}: {body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(station)),
            "{body}"
        );
    }
    assert_eq!(
        app.snapshot(),
        before,
        "nothing journalled, nothing changed"
    );

    // The packing desk still holds its package: the next tube packs.
    let (_, body) = app.scan(&lab, "packing-1", "T-1").await;
    assert_eq!(outcome(&body)["accepted"], true, "{body}");
    // Reception's own desks, and the lab at reception, are fine.
    let (status, _) = app.scan(&clerk, "fridge-1", "T-1").await;
    assert_eq!(status, 201);
    let (status, _) = app.scan(&lab, "reception-1", "P-1").await;
    assert_eq!(status, 201);

    // The served document says so.
    let (_, doc) = app.get("/api/openapi.json", &app.admin).await;
    let post = &doc["paths"]["/api/v1/scans"]["post"];
    assert!(
        post["responses"]["403"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("nothing is journalled")),
        "{post}"
    );
    assert!(
        post["description"]
            .as_str()
            .is_some_and(|d| d.contains("same station")),
        "{post}"
    );
}

#[tokio::test]
async fn the_same_code_from_one_device_at_two_stations_is_two_scans_not_a_double_read() {
    let app = app().await;
    app.location("FRIDGE-A", "fridge_4c").await;
    app.admin_registers("T-1", "nasopharyngeal_swab", 2).await;
    let package = open_package(&app).await;
    let lab = app.token(Role::Lab);
    let label = format!("]C100{package}");
    let from_gun = |station: &str| json!({"station": station, "data": label, "device": "gun-7"});
    // At the fridge a package label means nothing; at packing it opens the
    // package, within the same second, from the same device.
    let (_, fridge) = app.post("/api/v1/scans", &lab, &from_gun("fridge-1")).await;
    assert_eq!(outcome(&fridge)["code"], "unexpected_scan", "{fridge}");
    let (_, packing) = app
        .post("/api/v1/scans", &lab, &from_gun("packing-1"))
        .await;
    assert_eq!(outcome(&packing)["accepted"], true, "{packing}");
    assert!(outcome(&packing)["duplicate_of"].is_null(), "{packing}");
    assert_eq!(outcome(&packing)["package_id"], package.as_str());
    // At one station the same device's double read is still one scan.
    let (_, again) = app
        .post("/api/v1/scans", &lab, &from_gun("packing-1"))
        .await;
    assert_eq!(outcome(&again)["code"], "duplicate_scan", "{again}");
    assert_eq!(outcome(&again)["duplicate_of"], packing["scan_id"]);
}

#[tokio::test]
async fn the_same_code_read_twice_in_the_window_is_journalled_but_processed_once() {
    let app = app().await;
    app.location("FRIDGE-A", "fridge_4c").await;
    app.admin_registers("T-1", "nasopharyngeal_swab", 2).await;
    let clerk = app.token(Role::Reception);
    app.scan(&clerk, "fridge-1", "FRIDGE-A").await;
    let (_, first) = app.scan(&clerk, "fridge-1", "T-1").await;
    let (_, second) = app.scan(&clerk, "fridge-1", "T-1").await;
    assert_eq!(outcome(&second)["code"], "duplicate_scan", "{second}");
    assert_eq!(outcome(&second)["duplicate_of"], first["scan_id"]);
    assert_eq!(
        outcome(&second)["accepted"],
        true,
        "a double read keeps the first read's colour"
    );
    assert_eq!(app.count("storage_events"), 1);
    assert_eq!(app.count("scans"), 3);
}

#[tokio::test]
async fn bad_scan_requests_are_refused_with_codes_and_journal_nothing() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let health = app.token(Role::HealthCentre);
    let before = app.snapshot();
    let (status, body) = app.scan(&clerk, "nowhere", "T-1").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_station"))
    );
    let (status, body) = app.scan(&clerk, "fridge-1", "").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("invalid_input"))
    );
    let (status, _) = app.scan(&clerk, "fridge-1", "T-1\r").await;
    assert_eq!(status, 400);
    let (status, _) = app.scan(&clerk, "fridge-1", &"9".repeat(5000)).await;
    assert_eq!(status, 400);
    let (status, _) = app
        .post(
            "/api/v1/scans",
            &clerk,
            &json!({"station": "fridge-1", "data": "T-1", "extra": 1}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = app.scan(&health, "fridge-1", "T-1").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn a_station_event_stream_shows_each_scan_live_and_catches_up_after_a_reconnect() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let mut events = app.events("reception-1", &clerk, None).await;
    let (_, body) = app.scan(&clerk, "reception-1", "P-9").await;
    let event = events.next_scan(WAIT).await.expect("a scan event");
    assert_eq!(event.id, body["scan_id"].as_i64());
    assert_eq!(event.data["event"], "scan");
    assert_eq!(event.data["outcome"]["kind"], "patient");
    assert_eq!(event.data["data"], "P-9");
    drop(events);

    // Two scans while nobody listens, then a reconnect names the last seen.
    let (_, second) = app.scan(&clerk, "reception-1", "T-9").await;
    let (_, third) = app.scan(&clerk, "reception-1", "P-10").await;
    let mut events = app.events("reception-1", &clerk, event.id).await;
    let a = events.next_scan(WAIT).await.expect("missed scan");
    let b = events.next_scan(WAIT).await.expect("missed scan");
    assert_eq!(a.id, second["scan_id"].as_i64());
    assert_eq!(b.id, third["scan_id"].as_i64());

    // Other stations' scans are not on this stream.
    app.scan(&clerk, "fridge-1", "X").await;
    assert!(events.next_scan(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn event_streams_are_for_desk_roles_and_known_stations() {
    let app = app().await;
    let health = app.token(Role::HealthCentre);
    let (status, _, _) = app
        .get_text("/api/v1/stations/reception-1/events", &health)
        .await;
    assert_eq!(status, 403);
    let (status, body) = app.get("/api/v1/stations/nowhere/events", &app.admin).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_station"))
    );
    let (status, body) = app.get("/api/v1/stations", &app.admin).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 4, "{body}");
}

#[tokio::test]
async fn the_journal_lists_scans_with_their_outcomes() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    app.scan(&clerk, "reception-1", "P-1").await;
    app.scan(&clerk, "fridge-1", "Z").await;
    let (status, body) = app.get("/api/v1/scans?station=reception-1", &clerk).await;
    assert_eq!(status, 200);
    let list = body.as_array().unwrap();
    assert_eq!(list.len(), 1, "{body}");
    assert_eq!(list[0]["outcome"]["kind"], "patient");
    assert!(list[0]["device"].as_str().unwrap().starts_with("api:"));
    let (status, body) = app.get("/api/v1/scans?after=0&limit=10", &clerk).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 2);
    let (status, _) = app.get("/api/v1/scans?limit=0", &clerk).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn disabling_a_stations_user_refuses_its_scanners_scans_at_once_and_still_journals_them() {
    let app = spawn_app_with(with_stations).await;
    // A hardware scanner's scans act as the station's own user.
    let service = kentai::scanning::ScanService::start(&app.ctx).expect("scan service");
    let scan = |raw: &str| kentai::scanning::Incoming {
        station: "fridge-1".into(),
        device: "fridge-gun".into(),
        raw: raw.as_bytes().to_vec(),
        aim: None,
        scanned_at: chrono::Utc::now(),
    };
    let before = service.submit(None, scan("NOPE-1")).expect("scan");
    let outcome = before.outcome.expect("outcome");
    assert_eq!(outcome.code.map(|c| c.as_str()), Some("unknown_specimen"));

    let (_, users) = app.get("/api/v1/users", &app.admin).await;
    let id = users
        .as_array()
        .and_then(|all| all.iter().find(|u| u["name"] == "station:fridge-1"))
        .and_then(|u| u["id"].as_i64())
        .expect("the station's user");
    let (status, body) = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin,
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let journalled = app.count("scans");
    let after = service.submit(None, scan("NOPE-2")).expect("scan");
    let outcome = after.outcome.expect("outcome");
    assert!(!outcome.accepted);
    assert_eq!(outcome.code.map(|c| c.as_str()), Some("forbidden"));
    assert!(
        outcome
            .message
            .render(kentai::domain::Lang::En)
            .contains("station:fridge-1"),
        "{}",
        outcome.message
    );
    assert_eq!(
        app.count("scans"),
        journalled + 1,
        "the refused scan is journalled"
    );
    // Enabled again, the desk works again.
    let (status, _) = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &app.admin,
            &json!({"disabled": false}),
        )
        .await;
    assert_eq!(status, 200);
    let outcome = service
        .submit(None, scan("NOPE-3"))
        .expect("scan")
        .outcome
        .expect("outcome");
    assert_eq!(outcome.code.map(|c| c.as_str()), Some("unknown_specimen"));
}

// ---- The result desk --------------------------------------------------------

/// A site that tests its own tubes: a result desk and no receiving desk
/// (`adjust` may add one, or change the policy).
async fn result_site(adjust: impl FnOnce(&mut kentai::config::Config)) -> TestApp {
    use kentai::config::{StationConfig, Workflow};
    spawn_app_with(|c| {
        c.stations.push(StationConfig {
            name: "results-1".into(),
            workflow: Workflow::Results,
            require_operator: false,
        });
        adjust(c);
    })
    .await
}

/// A scan at the result desk from `device` (a code read twice in a row by
/// one device within the duplicate window is a double read).
async fn result_scan(app: &TestApp, token: &str, data: &str, device: &str) -> Value {
    let (status, body) = app
        .post(
            "/api/v1/scans",
            token,
            &json!({"station": "results-1", "data": data, "device": device}),
        )
        .await;
    assert_eq!(status, 201, "{data}: {body}");
    body["outcome"].clone()
}

/// The specimen's result versions.
async fn result_versions(app: &TestApp, id: &str) -> Vec<Value> {
    let (status, body) = app
        .get(&format!("/api/v1/specimens/{id}"), &app.admin)
        .await;
    assert_eq!(status, 200, "{body}");
    body["results"].as_array().cloned().unwrap_or_default()
}

/// Scans `data` and insists it is refused with `code` and that nothing but
/// the scan journal changed.
async fn refused_at_result_desk(app: &TestApp, token: &str, data: &str, code: &str) -> Value {
    let before = app.snapshot();
    // A device of its own, so that no refusal is a double read of the
    // scan before it.
    let device = format!("gun-{}", app.count("scans"));
    let o = result_scan(app, token, data, &device).await;
    assert_eq!(o["accepted"], false, "{data}: {o}");
    assert_eq!(o["code"], code, "{data}: {o}");
    let after = app.snapshot();
    for ((table, n), (_, m)) in before.iter().zip(&after) {
        let grew = if *table == "scans" { 1 } else { 0 };
        assert_eq!(*m, n + grew, "{data}: table {table}");
    }
    o
}

#[tokio::test]
async fn a_tube_then_a_negative_code_records_version_1_by_the_tubes_method_at_the_scan() {
    let app = result_site(|_| {}).await;
    app.admin_registers("T-1", "nasopharyngeal_swab", 2).await;
    let lab = app.token(Role::Lab);

    let o = result_scan(&app, &lab, "T-1", "gun").await;
    assert_eq!(o["accepted"], true, "{o}");
    assert_eq!(o["kind"], "specimen");
    assert_eq!(o["specimen_id"], "T-1");
    assert_eq!(o["message"], "採取管 T-1 の結果を入力します");
    assert_eq!(o["result_desk"], json!({"specimen_id": "T-1"}));
    assert_eq!(
        o["next"],
        "この採取管の結果のコード（陽性・陰性・判定保留・無効）を読み取ってください"
    );
    assert_eq!(app.count("results"), 0, "a held tube writes nothing");

    let o = result_scan(&app, &lab, "KTCMD:result:negative", "gun").await;
    assert_eq!(o["accepted"], true, "{o}");
    assert_eq!(o["kind"], "command");
    assert_eq!(o["specimen_id"], "T-1");
    assert_eq!(o["message"], "採取管 T-1 の結果を「陰性」と記録しました");
    assert_eq!(o["result_desk"], json!({}), "the desk holds nothing after");
    assert_eq!(
        o["next"],
        "採取管を読み取るか、一括入力する結果のコードを読み取ってください"
    );

    let versions = result_versions(&app, "T-1").await;
    assert_eq!(versions.len(), 1, "{versions:?}");
    let v = &versions[0];
    assert_eq!(
        (&v["version"], &v["result"], &v["method"], &v["status"]),
        (
            &json!(1),
            &json!("negative"),
            &json!("pcr"),
            &json!("released")
        ),
        "{v}"
    );
    assert!(
        v["recorded_by"]
            .as_str()
            .is_some_and(|u| u.starts_with("lab")),
        "the user who scanned: {v}"
    );
    // The same write claimed the scan: its journal row is processed once.
    let (_, journal) = app.get("/api/v1/scans?station=results-1", &lab).await;
    assert_eq!(journal[0]["outcome"]["accepted"], true, "{journal}");
}

#[tokio::test]
async fn a_batch_code_gives_every_following_tube_its_result_until_the_same_code_again() {
    let app = result_site(|_| {}).await;
    let tubes = ["T-1", "T-2", "T-3", "T-4", "T-5"];
    for t in tubes.iter().chain(&["T-6", "T-7"]) {
        app.admin_registers(t, "nasopharyngeal_swab", 2).await;
    }
    let lab = app.token(Role::Lab);

    let o = result_scan(&app, &lab, "KTCMD:result:negative", "gun").await;
    assert_eq!(o["accepted"], true, "{o}");
    assert_eq!(
        o["message"],
        "一括入力「陰性」を始めました。読み取る採取管はすべて「陰性」と記録します"
    );
    assert_eq!(o["result_desk"], json!({"batch": "negative"}));
    assert_eq!(app.count("results"), 0);

    for (n, tube) in tubes.iter().enumerate() {
        let o = result_scan(&app, &lab, tube, "gun").await;
        assert_eq!(o["accepted"], true, "{tube}: {o}");
        assert_eq!(o["kind"], "specimen");
        assert_eq!(o["specimen_id"], *tube);
        assert_eq!(
            o["message"],
            format!("採取管 {tube} の結果を「陰性」と記録しました")
        );
        assert_eq!(o["result_desk"], json!({"batch": "negative"}));
        assert!(
            o["next"]
                .as_str()
                .is_some_and(|n| n.contains("一括入力「陰性」中")),
            "{o}"
        );
        assert_eq!(app.count("results"), n as i64 + 1);
    }
    for tube in tubes {
        let versions = result_versions(&app, tube).await;
        assert_eq!(versions.len(), 1, "{tube}");
        assert_eq!(versions[0]["result"], "negative", "{tube}");
    }

    // Another result code switches the batch; the same one again ends it
    // (read by another device: one device's second read within the
    // duplicate window is a double read).
    let o = result_scan(&app, &lab, "KTCMD:result:positive", "gun").await;
    assert_eq!(o["result_desk"], json!({"batch": "positive"}), "{o}");
    let o = result_scan(&app, &lab, "T-6", "gun").await;
    assert_eq!(o["message"], "採取管 T-6 の結果を「陽性」と記録しました");
    let o = result_scan(&app, &lab, "KTCMD:result:positive", "gun-2").await;
    assert_eq!(o["accepted"], true, "{o}");
    assert_eq!(o["message"], "一括入力「陽性」を終えました");
    assert_eq!(o["result_desk"], json!({}));
    // Out of the batch, a tube waits for its code again.
    let o = result_scan(&app, &lab, "T-7", "gun").await;
    assert_eq!(o["result_desk"], json!({"specimen_id": "T-7"}), "{o}");
    assert_eq!(app.count("results"), 6);
    // ... and the next code is its result, not a batch.
    let o = result_scan(&app, &lab, "KTCMD:result:inconclusive", "gun").await;
    assert_eq!(
        o["message"],
        "採取管 T-7 の結果を「判定保留（再検査）」と記録しました"
    );
    assert_eq!(o["result_desk"], json!({}));
    assert_eq!(app.count("results"), 7);

    // KTCMD:cancel ends a batch too, and says which.
    let o = result_scan(&app, &lab, "KTCMD:result:invalid", "gun").await;
    assert_eq!(o["result_desk"], json!({"batch": "invalid"}), "{o}");
    let o = result_scan(&app, &lab, "KTCMD:cancel", "gun").await;
    assert_eq!(o["accepted"], true, "{o}");
    assert_eq!(o["message"], "一括入力「無効（判定不能）」を終えました");
    assert_eq!(o["result_desk"], json!({}));
    assert_eq!(app.count("results"), 7);
}

#[tokio::test]
async fn the_result_desk_refuses_repeats_corrections_and_codes_that_are_no_registered_tube() {
    let app = result_site(|_| {}).await;
    for t in ["T-1", "T-2"] {
        app.admin_registers(t, "nasopharyngeal_swab", 2).await;
    }
    let lab = app.token(Role::Lab);
    // T-1 is negative (yesterday's batch, say); T-2 positive by hand.
    result_scan(&app, &lab, "T-1", "gun").await;
    result_scan(&app, &lab, "KTCMD:result:negative", "gun").await;
    let (status, body) = app
        .post(
            "/api/v1/specimens/T-2/results",
            &app.admin,
            &json!({"result": "positive", "resulted_at": chrono::Utc::now().to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // (scans before, the scan refused, its code, words in its message)
    let cases: [(&[&str], &str, &str, &str); 7] = [
        // The same result again, tube first or in a batch.
        (
            &["T-1"],
            "KTCMD:result:negative",
            "already_resulted",
            "入力済み",
        ),
        (
            &["KTCMD:result:negative"],
            "T-1",
            "already_resulted",
            "入力済み",
        ),
        // Another result: a correction, which needs a reason.
        (
            &["T-1"],
            "KTCMD:result:positive",
            "correction_reason_required",
            "結果一覧",
        ),
        (
            &["KTCMD:result:negative"],
            "T-2",
            "correction_reason_required",
            "理由",
        ),
        // No registered tube: a code the tube pattern reads, GS1 tube data.
        (&[], "T-404", "unknown_specimen", "T-404"),
        (
            &[],
            "(8018)049123450000000019(8019)17",
            "unknown_specimen",
            "登録済みの採取管ではありません",
        ),
        // Not a tube at all.
        (&[], "P-000201", "unexpected_scan", "結果入力"),
    ];
    for (n, (before, data, code, words)) in cases.into_iter().enumerate() {
        let o = result_scan(&app, &lab, "KTCMD:cancel", &format!("reset-{n}")).await;
        assert_eq!(o["result_desk"], json!({}), "{o}");
        for scan in before {
            let o = result_scan(&app, &lab, scan, "gun").await;
            assert_eq!(o["accepted"], true, "{scan}: {o}");
        }
        let o = refused_at_result_desk(&app, &lab, data, code).await;
        assert!(
            o["message"].as_str().is_some_and(|m| m.contains(words)),
            "{data}: {o}"
        );
    }
    // Other desks' commands mean nothing here either.
    refused_at_result_desk(&app, &lab, "KTCMD:dispatch", "unexpected_scan").await;

    let versions = result_versions(&app, "T-1").await;
    assert_eq!(versions.len(), 1, "{versions:?}");
    let versions = result_versions(&app, "T-2").await;
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[0]["result"], "positive");
}

#[tokio::test]
async fn a_correction_refused_at_the_desk_says_in_english_where_it_is_made() {
    let app = result_site(|_| {}).await;
    app.admin_registers("T-1", "nasopharyngeal_swab", 2).await;
    let lab = app.token(Role::Lab);
    result_scan(&app, &lab, "T-1", "gun").await;
    result_scan(&app, &lab, "KTCMD:result:negative", "gun").await;
    result_scan(&app, &lab, "T-1", "gun").await;
    let (_, body) = app
        .post(
            "/api/v1/scans?lang=en",
            &lab,
            &json!({"station": "results-1", "data": "KTCMD:result:positive", "device": "gun"}),
        )
        .await;
    let o = outcome(&body);
    assert_eq!(o["code"], "correction_reason_required", "{o}");
    assert_eq!(
        o["message"],
        "tube T-1 already has the result negative: correct it to positive on the results page, with a reason (a scan cannot give one)"
    );
}

#[tokio::test]
async fn where_the_site_receives_tubes_only_received_ones_may_be_resulted() {
    use kentai::config::{StationConfig, Workflow};
    let app = result_site(|c| {
        for (name, workflow) in [
            ("packing-1", Workflow::Packing),
            ("receiving-1", Workflow::Receiving),
        ] {
            c.stations.push(StationConfig {
                name: name.into(),
                workflow,
                require_operator: false,
            });
        }
    })
    .await;
    app.admin_registers("T-1", "nasopharyngeal_swab", 2).await;
    app.admin_registers("T-2", "nasopharyngeal_swab", 2).await;
    let lab = app.token(Role::Lab);
    // T-2 travels: packed, dispatched and received; T-1 stays behind.
    let package = open_package(&app).await;
    let label = format!("]C100{package}");
    for data in [label.as_str(), "T-2"]
        .into_iter()
        .map(str::to_string)
        .chain(REQUIRED_ITEMS.iter().map(|i| format!("KTCMD:tick:{i}")))
        .chain(["KTCMD:dispatch".to_string()])
        .collect::<Vec<_>>()
    {
        let (_, body) = app.scan(&lab, "packing-1", &data).await;
        assert_eq!(outcome(&body)["accepted"], true, "{data}: {body}");
    }
    let (_, body) = app.scan(&lab, "receiving-1", &label).await;
    assert_eq!(outcome(&body)["accepted"], true, "{body}");

    // Held or in a batch, a tube not received is refused before anything.
    let o = refused_at_result_desk(&app, &lab, "T-1", "not_received").await;
    assert_eq!(
        o["message"],
        "採取管 T-1 はまだ検査機関で受領されていません。梱包を受領してから結果を入力してください"
    );
    assert_eq!(o["result_desk"], json!({}), "nothing is held");
    result_scan(&app, &lab, "KTCMD:result:negative", "gun").await;
    refused_at_result_desk(&app, &lab, "T-1", "not_received").await;
    let o = result_scan(&app, &lab, "T-2", "gun").await;
    assert_eq!(o["accepted"], true, "{o}");
    assert_eq!(result_versions(&app, "T-2").await.len(), 1);
    assert!(result_versions(&app, "T-1").await.is_empty());

    // The desk is the lab's: a reception clerk may not scan at it.
    let (status, body) = app
        .scan(&app.token(Role::Reception), "results-1", "T-2")
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );
}

#[tokio::test]
async fn under_second_person_release_a_scanned_result_waits_as_entered() {
    let app = result_site(|c| {
        c.policy.result_release = kentai::domain::results::ReleasePolicy::SecondPerson;
    })
    .await;
    app.admin_registers("T-1", "nasopharyngeal_swab", 2).await;
    app.admin_registers("T-2", "nasopharyngeal_swab", 2).await;
    let lab = app.token(Role::Lab);
    result_scan(&app, &lab, "T-1", "gun").await;
    let o = result_scan(&app, &lab, "KTCMD:result:positive", "gun").await;
    assert_eq!(o["accepted"], true, "{o}");
    assert_eq!(
        o["message"],
        "採取管 T-1 の結果を「陽性」と入力しました（承認待ち）"
    );
    let versions = result_versions(&app, "T-1").await;
    assert_eq!(versions[0]["status"], "entered", "{versions:?}");

    let (_, body) = app
        .post(
            "/api/v1/scans?lang=en",
            &lab,
            &json!({"station": "results-1", "data": "KTCMD:result:negative", "device": "gun"}),
        )
        .await;
    assert_eq!(outcome(&body)["accepted"], true, "{body}");
    let (_, body) = app
        .post(
            "/api/v1/scans?lang=en",
            &lab,
            &json!({"station": "results-1", "data": "T-2", "device": "gun"}),
        )
        .await;
    assert_eq!(
        outcome(&body)["message"],
        "tube T-2: negative entered, awaiting release by a second person"
    );
    // An entered result stands: the same code again is a repeat.
    result_scan(&app, &lab, "KTCMD:cancel", "gun").await;
    result_scan(&app, &lab, "T-1", "gun").await;
    refused_at_result_desk(&app, &lab, "KTCMD:result:positive", "already_resulted").await;
}
