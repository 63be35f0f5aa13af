//! Storage temperature until transport (docs/RULES.md, storage) and the lab's alerts,
//! driven through the HTTP API. Every storage time is sent explicitly,
//! relative to a collection time in the past, so nothing depends on how
//! fast the test runs.

use crate::common::rules::*;
use crate::common::*;
use chrono::{DateTime, Utc};
use kentai::domain::roles::Role;
use serde_json::{json, Value};

/// The usual set of locations, one per storage class.
async fn locations(app: &TestApp) {
    app.location("BENCH", "ambient").await;
    app.location("FRIDGE", "fridge_4c").await;
    app.location("FRIDGE-2", "fridge_4c").await;
    app.location("M20", "frozen_minus20").await;
    app.location("M80", "frozen_minus80").await;
}

/// Registers `specimen_type` collected `hours_ago`, 2 days after onset.
async fn collected_ago(
    app: &TestApp,
    id: &str,
    specimen_type: &str,
    hours_ago: i64,
) -> DateTime<Utc> {
    let (body, at) = registration_at(id, specimen_type, hours_ago, 2);
    register_ok(app, &app.admin, &body).await;
    at
}

async fn alerts(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get("/api/v1/alerts", &app.admin).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().expect("a list of alerts").clone()
}

// ---------------------------------------------------------------------------
// Storage events
// ---------------------------------------------------------------------------

// docs/RULES.md, storage: on ice or at 4 °C as soon as possible; grace period 60 min
#[tokio::test]
async fn a_respiratory_specimen_put_in_the_fridge_within_60_minutes_stores_without_warnings() {
    let app = spawn_app().await;
    locations(&app).await;
    let reception = app.token(Role::Reception);
    let at = collected_ago(&app, "ST-1", "saliva", 3).await;

    let (warnings, res) = store_ok(&app, &reception, "ST-1", "FRIDGE", at + minutes(60)).await;
    assert_eq!(warnings, Vec::<String>::new());
    let event = &res["event"];
    assert_eq!(event["specimen_id"], "ST-1");
    assert_eq!(event["location"], "FRIDGE");
    assert_eq!(event["storage_class"], "fridge_4c");
    assert_eq!(event["nominal_celsius"], 4);
    assert_eq!(time(&event["at"]), at + minutes(60));
    assert_eq!(event["recorded_by"], user_name(&app, &reception).await);
    assert_eq!(time(&res["freeze_or_ship_by"]), at + hours(48));
    assert_eq!(res["freeze_thaw_count"], 0);

    let s = specimen(&app, "ST-1").await;
    assert_eq!(s["status"], "stored");
    assert_eq!(s["storage_class"], "fridge_4c");
    assert_eq!(s["location"], "FRIDGE");
    assert_eq!(s["storage"].as_array().unwrap().len(), 1);
    assert_eq!(s["storage"][0]["location_name"], "fridge_4c FRIDGE");
    assert_eq!(s["flags"], json!([]));
}

// docs/RULES.md, storage: respiratory specimens ambient longer than the grace period → warning
#[tokio::test]
async fn a_respiratory_specimen_first_stored_after_61_minutes_warns_ambient_too_long() {
    let app = spawn_app().await;
    locations(&app).await;
    for t in [
        "saliva",
        "nasopharyngeal_swab",
        "sputum",
        "tracheal_aspirate",
    ] {
        let id = format!("AMB-{t}");
        let at = collected_ago(&app, &id, t, 3).await;
        let (warnings, res) = store_ok(&app, &app.admin, &id, "FRIDGE", at + minutes(61)).await;
        assert_eq!(warnings, ["ambient_too_long"], "{t}");
        // The warning is kept with the event.
        let s = specimen(&app, &id).await;
        assert_eq!(s["storage"][0]["warnings"], res["warnings"]);
    }
}

// docs/RULES.md, storage: the ambient rule is for respiratory specimens only
#[tokio::test]
async fn a_non_respiratory_specimen_frozen_after_hours_at_room_temperature_gets_no_warning() {
    let app = spawn_app().await;
    locations(&app).await;
    let at = collected_ago(&app, "URINE-LATE", "urine", 5).await;
    let (warnings, _) = store_ok(&app, &app.admin, "URINE-LATE", "M80", at + hours(3)).await;
    assert_eq!(warnings, Vec::<String>::new());
}

// docs/RULES.md, storage: a bench (ambient) counts as room temperature
#[tokio::test]
async fn time_on_an_ambient_bench_counts_toward_the_grace_period() {
    let app = spawn_app().await;
    locations(&app).await;
    let at = collected_ago(&app, "BENCH-1", "saliva", 3).await;
    let (warnings, res) = store_ok(&app, &app.admin, "BENCH-1", "BENCH", at + minutes(5)).await;
    assert_eq!(warnings, Vec::<String>::new());
    assert_eq!(res["event"]["storage_class"], "ambient");
    let (warnings, _) = store_ok(&app, &app.admin, "BENCH-1", "FRIDGE", at + minutes(70)).await;
    assert_eq!(warnings, ["ambient_too_long"]);

    let at = collected_ago(&app, "BENCH-2", "saliva", 3).await;
    store_ok(&app, &app.admin, "BENCH-2", "BENCH", at + minutes(5)).await;
    let (warnings, _) = store_ok(&app, &app.admin, "BENCH-2", "FRIDGE", at + minutes(30)).await;
    assert_eq!(warnings, Vec::<String>::new());
}

// docs/RULES.md, storage: frozen then stored warmer → freeze–thaw cycle, warned and counted
#[tokio::test]
async fn moving_a_frozen_specimen_to_the_fridge_is_a_freeze_thaw_cycle() {
    let app = spawn_app().await;
    locations(&app).await;
    let at = collected_ago(&app, "FT-1", "saliva", 10).await;
    let (warnings, _) = store_ok(&app, &app.admin, "FT-1", "FRIDGE", at + minutes(10)).await;
    assert_eq!(warnings, Vec::<String>::new());
    let (warnings, res) = store_ok(&app, &app.admin, "FT-1", "M80", at + hours(1)).await;
    assert_eq!(warnings, Vec::<String>::new());
    assert_eq!(res["freeze_thaw_count"], 0);

    let (warnings, res) = store_ok(&app, &app.admin, "FT-1", "FRIDGE", at + hours(2)).await;
    assert_eq!(warnings, ["freeze_thaw"]);
    assert_eq!(res["freeze_thaw_count"], 1);
    let s = specimen(&app, "FT-1").await;
    assert_eq!(s["freeze_thaw_count"], 1);
    assert_eq!(codes(&s["flags"]), ["freeze_thaw"]);

    // A second cycle is counted too; −80 → −20 is not a thaw (it is the
    // −20 °C fallback, which needs a reason at a site with −80 °C).
    store_ok(&app, &app.admin, "FT-1", "M80", at + hours(3)).await;
    let (status, res) = app
        .post(
            "/api/v1/specimens/FT-1/storage",
            &app.admin,
            &json!({"location": "M20", "at": (at + hours(4)).to_rfc3339(),
                    "override_reason": "−80 °C freezer under repair"}),
        )
        .await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(codes(&res["warnings"]), ["minus20_fallback"]);
    let (warnings, res) = store_ok(&app, &app.admin, "FT-1", "BENCH", at + hours(5)).await;
    assert_eq!(warnings, ["freeze_thaw"]);
    assert_eq!(res["freeze_thaw_count"], 2);
    let s = specimen(&app, "FT-1").await;
    assert_eq!(s["freeze_thaw_count"], 2);
    assert_eq!(codes(&s["flags"]), ["minus20_fallback", "freeze_thaw"]);
}

// docs/RULES.md, storage: −20 °C only where there is no −80 °C freezer; allowed and flagged there
#[tokio::test]
async fn storing_at_minus_20_without_a_minus_80_freezer_warns_and_flags_minus20_fallback() {
    let app = spawn_app_with(|c| c.policy.has_minus80_freezer = false).await;
    locations(&app).await;
    for t in ["serum_acute", "saliva"] {
        let id = format!("M20-{t}");
        let at = collected_ago(&app, &id, t, 3).await;
        let (warnings, res) = store_ok(&app, &app.admin, &id, "M20", at + minutes(30)).await;
        assert_eq!(warnings, ["minus20_fallback"], "{t}");
        let message = res["warnings"][0]["message"].as_str().unwrap();
        assert!(message.contains("−80 °Cの冷凍庫がないため"), "{message}");
        assert_eq!(res["freeze_or_ship_by"], Value::Null);
        let s = specimen(&app, &id).await;
        assert_eq!(codes(&s["flags"]), ["minus20_fallback"], "{t}");
        assert_eq!(s["flags"][0]["override_reason"], Value::Null);
        assert_eq!(s["storage_class"], "frozen_minus20");
    }
}

// docs/RULES.md, storage; `wrong_storage_class`: with a −80 °C freezer on site, −20 °C is refused; an
// authorised user may override with a written reason, kept with the flag
#[tokio::test]
async fn storing_at_minus_20_with_a_minus_80_freezer_is_refused_unless_lab_overrides_with_a_reason()
{
    let app = spawn_app().await;
    locations(&app).await;
    let reception = app.token(Role::Reception);
    let lab = app.token(Role::Lab);
    let at = collected_ago(&app, "M20-S", "serum_acute", 3).await;
    let events_before = app.count("storage_events");

    let (status, res) = store_at(&app, &reception, "M20-S", "M20", at + minutes(30)).await;
    assert_eq!(status, 422, "{res}");
    assert_eq!(res["error"]["code"], "minus20_fallback");
    assert_eq!(res["error"]["overridable"], true);
    assert_eq!(
        app.count("storage_events"),
        events_before,
        "a refusal stores nothing"
    );

    let body = json!({"location": "M20", "at": (at + minutes(30)).to_rfc3339(),
                      "override_reason": "−80 °C freezer alarm; moved by duty doctor"});
    let (status, res) = app
        .post("/api/v1/specimens/M20-S/storage", &reception, &body)
        .await;
    assert_eq!(status, 403, "reception may not override: {res}");
    assert_eq!(res["error"]["code"], "forbidden");
    assert_eq!(app.count("storage_events"), events_before);

    let (status, res) = app
        .post("/api/v1/specimens/M20-S/storage", &lab, &body)
        .await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(codes(&res["warnings"]), ["minus20_fallback"]);
    assert_eq!(
        res["event"]["override_reason"],
        "−80 °C freezer alarm; moved by duty doctor"
    );
    let s = specimen(&app, "M20-S").await;
    assert_eq!(codes(&s["flags"]), ["minus20_fallback"]);
    assert_eq!(
        s["flags"][0]["override_reason"],
        "−80 °C freezer alarm; moved by duty doctor"
    );
    assert_eq!(s["storage_class"], "frozen_minus20");
}

// docs/RULES.md, storage: serum, stool, whole blood, urine and autopsy tissue belong at −80 °C (`wrong_storage_class`)
#[tokio::test]
async fn serum_urine_stool_and_whole_blood_out_of_the_freezer_warn_wrong_storage_class() {
    let app = spawn_app().await;
    locations(&app).await;
    for t in [
        "serum_acute",
        "serum_convalescent",
        "urine",
        "stool",
        "whole_blood",
        "autopsy_tissue",
    ] {
        let id = format!("WSC-{t}");
        // Acute serum within 7 days of onset, convalescent from day 14.
        let days = if t == "serum_acute" { 2 } else { 20 };
        let (body, at) = registration_at(&id, t, 3, days);
        register_ok(&app, &app.admin, &body).await;
        let (warnings, _) = store_ok(&app, &app.admin, &id, "FRIDGE", at + minutes(10)).await;
        assert_eq!(warnings, ["wrong_storage_class"], "{t} in the fridge");
        let (warnings, _) = store_ok(&app, &app.admin, &id, "M80", at + minutes(20)).await;
        assert_eq!(warnings, Vec::<String>::new(), "{t} at −80 °C");
    }
    // …and at room temperature too.
    let at = collected_ago(&app, "WSC-BENCH", "urine", 3).await;
    let (warnings, _) = store_ok(&app, &app.admin, "WSC-BENCH", "BENCH", at + minutes(10)).await;
    assert_eq!(warnings, ["wrong_storage_class"]);
}

// docs/RULES.md, storage: at 48 h unfrozen the specimen must be frozen or shipped
#[tokio::test]
async fn storing_unfrozen_at_48_hours_after_collection_warns_storage_deadline_exceeded() {
    let app = spawn_app().await;
    locations(&app).await;
    let at = collected_ago(&app, "DL-1", "nasopharyngeal_swab", 50).await;
    let (warnings, _) = store_ok(&app, &app.admin, "DL-1", "FRIDGE", at + minutes(10)).await;
    assert_eq!(warnings, Vec::<String>::new());
    // 47 h 59 min: still within the limit.
    let (warnings, _) = store_ok(
        &app,
        &app.admin,
        "DL-1",
        "FRIDGE-2",
        at + hours(47) + minutes(59),
    )
    .await;
    assert_eq!(warnings, Vec::<String>::new());
    // 48 h: past it.
    let (warnings, res) = store_ok(&app, &app.admin, "DL-1", "FRIDGE", at + hours(48)).await;
    assert_eq!(warnings, ["storage_deadline_exceeded"]);
    assert_eq!(time(&res["freeze_or_ship_by"]), at + hours(48));
    // Freezing it now is what the rule asks for: no warning.
    let (warnings, res) = store_ok(&app, &app.admin, "DL-1", "M80", at + hours(49)).await;
    assert_eq!(warnings, Vec::<String>::new());
    assert_eq!(res["freeze_or_ship_by"], Value::Null);
}

// docs/RULES.md, storage: the limit counts unfrozen time; the fridge limit is site policy
#[tokio::test]
async fn the_fridge_limit_follows_policy_fridge_max_hours() {
    let app = spawn_app_with(|c| c.policy.fridge_max_hours = 24).await;
    locations(&app).await;
    let (body, at) = registration_at("FMH-1", "saliva", 30, 2);
    let res = register_ok(&app, &app.admin, &body).await;
    assert_eq!(time(&res["specimen"]["freeze_or_ship_by"]), at + hours(24));
    store_ok(&app, &app.admin, "FMH-1", "FRIDGE", at + minutes(10)).await;
    let (warnings, _) = store_ok(&app, &app.admin, "FMH-1", "FRIDGE-2", at + hours(23)).await;
    assert_eq!(warnings, Vec::<String>::new());
    let (warnings, _) = store_ok(&app, &app.admin, "FMH-1", "FRIDGE", at + hours(24)).await;
    assert_eq!(warnings, ["storage_deadline_exceeded"]);
}

// docs/RULES.md, storage: freezing stops the 48-hour clock; a thaw resumes it where it stopped
#[tokio::test]
async fn freezing_stops_the_clock_and_thawing_resumes_it_where_it_stopped() {
    let app = spawn_app().await;
    locations(&app).await;
    let at = collected_ago(&app, "CLK-1", "saliva", 20).await;
    let (_, res) = store_ok(&app, &app.admin, "CLK-1", "FRIDGE", at + minutes(10)).await;
    assert_eq!(time(&res["freeze_or_ship_by"]), at + hours(48));

    let (_, res) = store_ok(&app, &app.admin, "CLK-1", "M80", at + hours(1)).await;
    assert_eq!(res["freeze_or_ship_by"], Value::Null);
    assert_eq!(
        specimen(&app, "CLK-1").await["freeze_or_ship_by"],
        Value::Null
    );

    // Thawed 9 h later: 1 h was spent unfrozen, so 47 h remain from the thaw.
    let (warnings, res) = store_ok(&app, &app.admin, "CLK-1", "FRIDGE", at + hours(10)).await;
    assert_eq!(warnings, ["freeze_thaw"]);
    assert_eq!(time(&res["freeze_or_ship_by"]), at + hours(57));
    assert_eq!(
        time(&specimen(&app, "CLK-1").await["freeze_or_ship_by"]),
        at + hours(57)
    );
}

#[tokio::test]
async fn a_storage_time_before_collection_is_refused_400_invalid_input() {
    let app = spawn_app().await;
    locations(&app).await;
    let at = collected_ago(&app, "BAD-T1", "saliva", 3).await;
    let before = app.snapshot();
    let (status, res) = store_at(
        &app,
        &app.admin,
        "BAD-T1",
        "FRIDGE",
        at - chrono::Duration::seconds(1),
    )
    .await;
    assert_error(status, &res, 400, "invalid_input");
    assert_eq!(app.snapshot(), before);
    // At the collection instant itself it is fine.
    let (warnings, _) = store_ok(&app, &app.admin, "BAD-T1", "FRIDGE", at).await;
    assert_eq!(warnings, Vec::<String>::new());
}

#[tokio::test]
async fn a_storage_time_before_the_previous_event_is_refused_400_invalid_input() {
    let app = spawn_app().await;
    locations(&app).await;
    let at = collected_ago(&app, "BAD-T2", "saliva", 3).await;
    store_ok(&app, &app.admin, "BAD-T2", "FRIDGE", at + minutes(30)).await;
    let before = app.snapshot();
    let (status, res) = store_at(&app, &app.admin, "BAD-T2", "M80", at + minutes(29)).await;
    assert_error(status, &res, 400, "invalid_input");
    assert_eq!(app.snapshot(), before);
    let s = specimen(&app, "BAD-T2").await;
    assert_eq!(s["storage_class"], "fridge_4c");
}

#[tokio::test]
async fn a_storage_time_in_the_future_is_refused_400_invalid_input() {
    let app = spawn_app().await;
    locations(&app).await;
    collected_ago(&app, "BAD-T3", "saliva", 3).await;
    let before = app.snapshot();
    let (status, res) = store_at(&app, &app.admin, "BAD-T3", "FRIDGE", Utc::now() + hours(1)).await;
    assert_error(status, &res, 400, "invalid_input");
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn a_storage_scan_without_a_time_is_recorded_now() {
    let app = spawn_app().await;
    locations(&app).await;
    let at = collected_ago(&app, "NOW-1", "saliva", 3).await;
    let before = Utc::now() - chrono::Duration::seconds(1);
    let (status, res) = app
        .post(
            "/api/v1/specimens/NOW-1/storage",
            &app.admin,
            &json!({"location": "FRIDGE"}),
        )
        .await;
    let after = Utc::now() + chrono::Duration::seconds(1);
    assert_eq!(status, 201, "{res}");
    let recorded = time(&res["event"]["at"]);
    assert!(before <= recorded && recorded <= after, "{recorded}");
    // Three hours at room temperature before that.
    assert_eq!(codes(&res["warnings"]), ["ambient_too_long"]);
    assert_eq!(time(&res["freeze_or_ship_by"]), at + hours(48));
}

#[tokio::test]
async fn storing_an_unknown_specimen_is_404_unknown_specimen() {
    let app = spawn_app().await;
    locations(&app).await;
    let (status, res) = store_at(&app, &app.admin, "NO-TUBE", "FRIDGE", Utc::now()).await;
    assert_error(status, &res, 404, "unknown_specimen");
    assert_eq!(app.count("storage_events"), 0);
}

#[tokio::test]
async fn storing_in_an_unknown_location_is_404_unknown_location() {
    let app = spawn_app().await;
    locations(&app).await;
    let at = collected_ago(&app, "NO-LOC", "saliva", 3).await;
    let (status, res) = store_at(&app, &app.admin, "NO-LOC", "NOWHERE", at + minutes(5)).await;
    assert_error(status, &res, 404, "unknown_location");
    assert_eq!(app.count("storage_events"), 0);
    assert_eq!(specimen(&app, "NO-LOC").await["status"], "registered");
}

// API roles: reception records storage; health_centre does not
#[tokio::test]
async fn health_centre_may_not_record_storage() {
    let app = spawn_app().await;
    locations(&app).await;
    let at = collected_ago(&app, "HC-ST", "saliva", 3).await;
    let hc = app.token(Role::HealthCentre);
    let (status, res) = store_at(&app, &hc, "HC-ST", "FRIDGE", at + minutes(5)).await;
    assert_error(status, &res, 403, "forbidden");
    assert_eq!(app.count("storage_events"), 0);
    let lab = app.token(Role::Lab);
    store_ok(&app, &lab, "HC-ST", "FRIDGE", at + minutes(5)).await;
}

// ---------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------

// docs/RULES.md, storage: specimens due within 12 h (policy) are alerts, soonest first
#[tokio::test]
async fn alerts_list_specimens_due_to_be_frozen_or_shipped_soonest_first() {
    let app = spawn_app().await;
    locations(&app).await;
    // In the fridge since 10 min after collection.
    let mut due = Vec::new();
    for (id, hours_ago) in [("AL-40", 40), ("AL-50", 50), ("AL-10", 10), ("AL-44", 44)] {
        let at = collected_ago(&app, id, "nasopharyngeal_swab", hours_ago).await;
        store_ok(&app, &app.admin, id, "FRIDGE", at + minutes(10)).await;
        due.push((id, at + hours(48)));
    }
    // Frozen ones are not due, however old.
    for (id, hours_ago) in [("AL-FROZEN-45", 45), ("AL-FROZEN-60", 60)] {
        let at = collected_ago(&app, id, "nasopharyngeal_swab", hours_ago).await;
        store_ok(&app, &app.admin, id, "FRIDGE", at + minutes(10)).await;
        store_ok(&app, &app.admin, id, "M80", at + hours(1)).await;
    }

    let list = alerts(&app).await;
    let got: Vec<(&str, &str)> = list
        .iter()
        .map(|a| {
            (
                a["specimen_id"].as_str().unwrap(),
                a["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("AL-50", "storage_deadline_exceeded"),
            ("AL-44", "freeze_or_ship_due"),
            ("AL-40", "freeze_or_ship_due"),
        ]
    );
    for a in &list {
        let id = a["specimen_id"].as_str().unwrap();
        let want = due.iter().find(|(d, _)| *d == id).unwrap().1;
        assert_eq!(time(&a["due_at"]), want, "{id}");
        assert_eq!(a["type"], "nasopharyngeal_swab");
        assert_eq!(a["storage_class"], "fridge_4c");
        assert_eq!(a["location"], "FRIDGE");
        assert!(a["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

// docs/RULES.md, storage: a respiratory specimen still at room temperature past the grace period
#[tokio::test]
async fn a_respiratory_specimen_at_room_temperature_past_60_minutes_is_an_ambient_too_long_alert() {
    let app = spawn_app().await;
    locations(&app).await;
    // Never stored: at room temperature since collection.
    let never = collected_ago(&app, "AMB-NEVER", "saliva", 3).await;
    // On the bench since 5 min after collection.
    let bench = collected_ago(&app, "AMB-BENCH", "sputum", 2).await;
    store_ok(&app, &app.admin, "AMB-BENCH", "BENCH", bench + minutes(5)).await;
    // Urine has no ambient rule; a swab in the fridge is fine.
    collected_ago(&app, "AMB-URINE", "urine", 3).await;
    let fridge = collected_ago(&app, "AMB-FRIDGE", "saliva", 3).await;
    store_ok(
        &app,
        &app.admin,
        "AMB-FRIDGE",
        "FRIDGE",
        fridge + minutes(10),
    )
    .await;

    let list = alerts(&app).await;
    let got: Vec<(&str, &str, DateTime<Utc>)> = list
        .iter()
        .map(|a| {
            (
                a["specimen_id"].as_str().unwrap(),
                a["code"].as_str().unwrap(),
                time(&a["due_at"]),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("AMB-NEVER", "ambient_too_long", never + minutes(60)),
            ("AMB-BENCH", "ambient_too_long", bench + minutes(65)),
        ]
    );
    assert_eq!(list[0]["storage_class"], "ambient");
    assert_eq!(list[0]["location"], Value::Null);
    assert_eq!(list[1]["location"], "BENCH");
}

#[tokio::test]
async fn a_fresh_specimen_in_the_fridge_has_no_alerts() {
    let app = spawn_app().await;
    locations(&app).await;
    let at = collected_ago(&app, "FRESH", "saliva", 10).await;
    store_ok(&app, &app.admin, "FRESH", "FRIDGE", at + minutes(10)).await;
    assert_eq!(alerts(&app).await, Vec::<Value>::new());
}

// API roles: reception reads alerts, health_centre does not
#[tokio::test]
async fn reception_may_read_alerts_and_health_centre_may_not() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let (status, res) = app.get("/api/v1/alerts", &reception).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res, json!([]));
    let hc = app.token(Role::HealthCentre);
    let (status, res) = app.get("/api/v1/alerts", &hc).await;
    assert_error(status, &res, 403, "forbidden");
}
