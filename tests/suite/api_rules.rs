//! The registration rules of docs/RULES.md (timing, saliva window, serum, PPE,
//! episodes), locations, results and the audit log, driven through the
//! HTTP API with the status codes and rule codes of docs/RULES.md.
//! Storage and alerts (docs/RULES.md, storage) are in `api_storage.rs`.

use crate::common::rules::*;
use crate::common::*;
use chrono::{Duration, FixedOffset, NaiveTime, SubsecRound, TimeZone, Utc};
use kentai::domain::roles::Role;
use kentai::domain::{PpePolicy, SalivaWithoutOnset};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Registration: the record, days since onset, the 48-hour deadline
// ---------------------------------------------------------------------------

// docs/RULES.md, registration (days since onset) and storage (freeze-or-ship deadline from collection)
#[tokio::test]
async fn a_registration_answers_201_with_days_since_onset_and_a_deadline_48_hours_after_collection()
{
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let (body, at) = registration_at("REG-1", "nasopharyngeal_swab", 1, 3);
    let (status, res) = app.register(&reception, &body).await;
    assert_eq!(status, 201, "{res}");
    let s = &res["specimen"];
    assert_eq!(s["specimen_id"], "REG-1");
    assert_eq!(s["type"], "nasopharyngeal_swab");
    assert_eq!(s["category"], "respiratory");
    assert_eq!(s["priority"], 2);
    assert_eq!(s["days_since_onset"], 3);
    assert_eq!(s["status"], "registered");
    assert_eq!(s["test_method"], "pcr");
    assert_eq!(s["patient"]["patient_id"], "P-REG-1");
    assert_eq!(s["patient"]["name"], "山田 太郎");
    assert_eq!(time(&s["collected_at"]), at);
    assert_eq!(
        s["collection_date"],
        at.with_timezone(&chrono_tz::Asia::Tokyo)
            .date_naive()
            .to_string()
    );
    assert_eq!(time(&s["freeze_or_ship_by"]), at + hours(48));
    assert_eq!(s["freeze_thaw_count"], 0);
    assert_eq!(s["flags"], json!([]));
    assert_eq!(res["warnings"], json!([]));
    assert_eq!(s["results"], json!([]));
    assert_eq!(s["result"], Value::Null);

    // And it reads back the same.
    let got = specimen(&app, "REG-1").await;
    assert_eq!(got["days_since_onset"], 3);
    assert_eq!(time(&got["freeze_or_ship_by"]), at + hours(48));
}

// docs/RULES.md, registration: the onset day is day 0
#[tokio::test]
async fn a_specimen_collected_on_the_onset_day_is_day_0() {
    let app = spawn_app().await;
    let res = register_ok(&app, &app.admin, &registration("D0", "saliva", 0)).await;
    assert_eq!(res["specimen"]["days_since_onset"], 0);
    let res = register_ok(&app, &app.admin, &registration("D1", "saliva", 1)).await;
    assert_eq!(res["specimen"]["days_since_onset"], 1);
}

// docs/RULES.md, registration: calendar days in the site's time zone (Asia/Tokyo), not UTC
#[tokio::test]
async fn days_since_onset_count_tokyo_calendar_days_not_utc_days() {
    let app = spawn_app().await;
    let tokyo = chrono_tz::Asia::Tokyo;
    // 00:30 JST two days ago: in UTC that instant is still the day before.
    let date = tokyo_today() - Duration::days(2);
    let at = tokyo
        .from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(0, 30, 0).unwrap()))
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(at.date_naive(), date - Duration::days(1));

    let mut body = registration("TZ-1", "nasopharyngeal_swab", 0);
    body["collected_at"] = json!(at.to_rfc3339());
    body["onset_date"] = json!((date - Duration::days(10)).to_string());
    let res = register_ok(&app, &app.admin, &body).await;
    assert_eq!(res["specimen"]["days_since_onset"], 10);
    assert_eq!(res["specimen"]["collection_date"], date.to_string());

    // The same instant decides the saliva window: day 10 in Tokyo is refused
    // although it is only day 9 by the UTC date.
    let mut saliva = body.clone();
    saliva["specimen_id"] = json!("TZ-2");
    saliva["type"] = json!("saliva");
    let (status, res) = app.register(&app.admin, &saliva).await;
    assert_error(status, &res, 422, "saliva_window_exceeded");
}

// ---------------------------------------------------------------------------
// Idempotency and duplicates
// ---------------------------------------------------------------------------

#[tokio::test]
async fn posting_the_identical_registration_again_answers_200_with_the_stored_record() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let (mut body, _) = registration_at("DUP-1", "saliva", 2, 3);
    body["ppe"] = json!(["gloves"]); // a warning, to see it repeated
    let (status, first) = app.register(&reception, &body).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(codes(&first["warnings"]), ["ppe_incomplete"]);
    let before = app.snapshot();

    let (status, again) = app.register(&reception, &body).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["specimen"], first["specimen"]);
    assert_eq!(again["warnings"], first["warnings"]);
    assert_eq!(app.snapshot(), before, "a repeat must write nothing");
}

#[tokio::test]
async fn the_same_collection_instant_written_with_another_offset_is_the_same_registration() {
    let app = spawn_app().await;
    let (mut body, at) = registration_at("DUP-2", "saliva", 2, 3);
    register_ok(&app, &app.admin, &body).await;
    let jst = FixedOffset::east_opt(9 * 3600).unwrap();
    body["collected_at"] = json!(at.with_timezone(&jst).to_rfc3339());
    let (status, res) = app.register(&app.admin, &body).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(app.count("specimens"), 1);
}

#[tokio::test]
async fn a_different_registration_with_the_same_specimen_id_is_refused_409_duplicate_specimen() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let (body, _) = registration_at("DUP-3", "saliva", 2, 3);
    register_ok(&app, &reception, &body).await;
    let before = app.snapshot();

    let variants: Vec<Value> = vec![
        {
            let mut b = body.clone();
            b["type"] = json!("nasopharyngeal_swab");
            b
        },
        {
            let mut b = body.clone();
            b["volume_ml"] = json!(1.5);
            b
        },
        {
            let mut b = body.clone();
            b["patient"]["name"] = json!("佐藤 花子");
            b
        },
        for_patient(body.clone(), "P-OTHER"),
    ];
    for other in variants {
        let (status, res) = app.register(&reception, &other).await;
        assert_error(status, &res, 409, "duplicate_specimen");
    }
    assert_eq!(app.snapshot(), before);
    let stored = specimen(&app, "DUP-3").await;
    assert_eq!(stored["type"], "saliva");
    assert_eq!(stored["patient"]["name"], "山田 太郎");
}

// ---------------------------------------------------------------------------
// `saliva_window_exceeded`: the saliva window
// ---------------------------------------------------------------------------

// `saliva_window_exceeded`: saliva is accepted 0 ≤ days ≤ 9
#[tokio::test]
async fn saliva_on_day_9_is_accepted() {
    let app = spawn_app().await;
    let res = register_ok(&app, &app.admin, &registration("SAL-9", "saliva", 9)).await;
    assert_eq!(res["specimen"]["days_since_onset"], 9);
    assert_eq!(res["warnings"], json!([]));
    assert_eq!(res["specimen"]["flags"], json!([]));
}

// `saliva_window_exceeded`: from day 10 saliva is refused; an authorised user may override
#[tokio::test]
async fn saliva_on_day_10_is_refused_with_saliva_window_exceeded_and_is_overridable() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    for (id, days) in [("SAL-10", 10), ("SAL-30", 30)] {
        let (status, res) = app
            .register(&reception, &registration(id, "saliva", days))
            .await;
        assert_error(status, &res, 422, "saliva_window_exceeded");
        assert_eq!(codes(&res["error"]["refusals"]), ["saliva_window_exceeded"]);
        assert_eq!(res["error"]["overridable"], true);
        assert!(
            res["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("発症後{days}日目")),
            "{res}"
        );
    }
    let (status, res) = app.get("/api/v1/specimens/SAL-10", &app.admin).await;
    assert_error(status, &res, 404, "unknown_specimen");
}

// `saliva_window_exceeded`: the override is kept, with its written reason
#[tokio::test]
async fn lab_and_admin_may_override_the_saliva_window_with_a_reason_kept_as_a_flag() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    for (id, token) in [("OVR-LAB", lab.as_str()), ("OVR-ADMIN", app.admin.as_str())] {
        let mut body = registration(id, "saliva", 12);
        body["override_reason"] = json!("医師の指示: 鼻咽頭採取不可");
        let (status, res) = app.register(token, &body).await;
        assert_eq!(status, 201, "{id}: {res}");
        let s = &res["specimen"];
        assert_eq!(s["days_since_onset"], 12);
        assert_eq!(s["override_reason"], "医師の指示: 鼻咽頭採取不可");
        assert_eq!(codes(&s["flags"]), ["saliva_window_exceeded"]);
        assert_eq!(
            s["flags"][0]["override_reason"],
            "医師の指示: 鼻咽頭採取不可"
        );
        assert_eq!(codes(&res["warnings"]), ["saliva_window_exceeded"]);

        // The flag stays on the stored specimen.
        let got = specimen(&app, id).await;
        assert_eq!(got["flags"], s["flags"]);
    }
}

#[tokio::test]
async fn an_override_reason_on_an_accepted_specimen_adds_no_flag() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let mut body = registration("OVR-NOOP", "saliva", 3);
    body["override_reason"] = json!("just in case");
    let res = register_ok(&app, &lab, &body).await;
    assert_eq!(res["specimen"]["flags"], json!([]));
    assert_eq!(res["warnings"], json!([]));
}

// `saliva_window_exceeded` / API roles: reception may not override
#[tokio::test]
async fn reception_sending_an_override_reason_is_refused_403_forbidden() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let before = app.snapshot();
    for (id, days) in [("OVR-R10", 10), ("OVR-R3", 3)] {
        let mut body = registration(id, "saliva", days);
        body["override_reason"] = json!("please");
        let (status, res) = app.register(&reception, &body).await;
        assert_error(status, &res, 403, "forbidden");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn a_blank_override_reason_is_refused_400_invalid_input() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let mut body = registration("OVR-BLANK", "saliva", 12);
    body["override_reason"] = json!("   ");
    let (status, res) = app.register(&lab, &body).await;
    assert_error(status, &res, 400, "invalid_input");
    assert_eq!(app.count("specimens"), 0);
}

// API roles: health_centre only reads reports
#[tokio::test]
async fn health_centre_may_not_register_specimens() {
    let app = spawn_app().await;
    let hc = app.token(Role::HealthCentre);
    let (status, res) = app.register(&hc, &registration("HC-1", "saliva", 2)).await;
    assert_error(status, &res, 403, "forbidden");
    assert_eq!(app.count("specimens"), 0);
}

// `saliva_onset_unknown`: onset unknown or asymptomatic → policy saliva_without_onset (default accept_flagged)
#[tokio::test]
async fn saliva_with_onset_unknown_or_asymptomatic_is_accepted_with_a_saliva_onset_unknown_warning_and_flag(
) {
    let app = spawn_app().await;
    let mut unknown = registration("SAL-UNK", "saliva", 0);
    unknown["onset_date"] = Value::Null;
    let mut asymptomatic = registration("SAL-ASY", "saliva", 0);
    asymptomatic["onset_date"] = Value::Null;
    asymptomatic["asymptomatic"] = json!(true);
    let mut omitted = registration("SAL-OMIT", "saliva", 0);
    omitted.as_object_mut().unwrap().remove("onset_date");

    for body in [unknown, asymptomatic, omitted] {
        let id = body["specimen_id"].as_str().unwrap().to_string();
        let res = register_ok(&app, &app.admin, &body).await;
        let s = &res["specimen"];
        assert_eq!(s["days_since_onset"], Value::Null, "{id}");
        assert_eq!(s["onset_date"], Value::Null, "{id}");
        assert_eq!(codes(&res["warnings"]), ["saliva_onset_unknown"], "{id}");
        assert_eq!(codes(&s["flags"]), ["saliva_onset_unknown"], "{id}");
        assert_eq!(s["flags"][0].get("override_reason"), None, "{id}");
        assert_eq!(
            codes(&specimen(&app, &id).await["flags"]),
            ["saliva_onset_unknown"]
        );
    }
    assert_eq!(specimen(&app, "SAL-ASY").await["asymptomatic"], true);
}

// `saliva_onset_unknown`: policy saliva_without_onset = refuse
#[tokio::test]
async fn saliva_without_onset_is_refused_422_when_the_policy_says_refuse() {
    let app = spawn_app_with(|c| c.policy.saliva_without_onset = SalivaWithoutOnset::Refuse).await;
    let reception = app.token(Role::Reception);
    let lab = app.token(Role::Lab);
    for asymptomatic in [false, true] {
        let mut body = registration("SAL-REF", "saliva", 0);
        body["onset_date"] = Value::Null;
        body["asymptomatic"] = json!(asymptomatic);
        let (status, res) = app.register(&reception, &body).await;
        assert_error(status, &res, 422, "saliva_onset_unknown");
        assert_eq!(codes(&res["error"]["refusals"]), ["saliva_onset_unknown"]);
        assert_eq!(res["error"]["overridable"], true);
    }
    assert_eq!(app.count("specimens"), 0);

    // An authorised user may still accept it with a written reason.
    let mut body = registration("SAL-REF-OVR", "saliva", 0);
    body["onset_date"] = Value::Null;
    body["override_reason"] = json!("contact tracing, no symptoms");
    let res = register_ok(&app, &lab, &body).await;
    assert_eq!(codes(&res["specimen"]["flags"]), ["saliva_onset_unknown"]);
    assert_eq!(
        res["specimen"]["flags"][0]["override_reason"],
        "contact tracing, no symptoms"
    );

    // A swab without onset is not saliva: the policy does not touch it.
    let mut swab = registration("SWAB-NO-ONSET", "nasopharyngeal_swab", 0);
    swab["onset_date"] = Value::Null;
    let res = register_ok(&app, &reception, &swab).await;
    assert_eq!(res["warnings"], json!([]));
}

// `saliva_window_exceeded`: the limit (9) is site policy
#[tokio::test]
async fn the_saliva_limit_moves_with_policy_saliva_max_days() {
    let app = spawn_app_with(|c| c.policy.saliva_max_days = 7).await;
    register_ok(&app, &app.admin, &registration("SMD-7", "saliva", 7)).await;
    let (status, res) = app
        .register(&app.admin, &registration("SMD-8", "saliva", 8))
        .await;
    assert_error(status, &res, 422, "saliva_window_exceeded");

    let app = spawn_app_with(|c| c.policy.saliva_max_days = 12).await;
    register_ok(&app, &app.admin, &registration("SMD-10", "saliva", 10)).await;
    register_ok(&app, &app.admin, &registration("SMD-12", "saliva", 12)).await;
    let (status, res) = app
        .register(&app.admin, &registration("SMD-13", "saliva", 13))
        .await;
    assert_error(status, &res, 422, "saliva_window_exceeded");
}

// ---------------------------------------------------------------------------
// `serum_timing`: serum timing
// ---------------------------------------------------------------------------

// `serum_timing`: acute serum within 1 week of onset (days ≤ 7)
#[tokio::test]
async fn acute_serum_on_day_7_is_accepted_and_on_day_8_refused_with_serum_timing() {
    let app = spawn_app().await;
    for days in [0, 7] {
        let id = format!("SA-{days}");
        let res = register_ok(&app, &app.admin, &registration(&id, "serum_acute", days)).await;
        assert_eq!(res["specimen"]["days_since_onset"], days);
        assert_eq!(res["specimen"]["home_storage"], "frozen_minus80");
    }
    let (status, res) = app
        .register(&app.admin, &registration("SA-8", "serum_acute", 8))
        .await;
    assert_error(status, &res, 422, "serum_timing");
    assert_eq!(codes(&res["error"]["refusals"]), ["serum_timing"]);
    assert_eq!(res["error"]["overridable"], false);
}

// `serum_timing`: convalescent serum 2 weeks or more after onset (days ≥ 14)
#[tokio::test]
async fn convalescent_serum_on_day_13_is_refused_and_on_day_14_accepted() {
    let app = spawn_app().await;
    let (status, res) = app
        .register(&app.admin, &registration("SC-13", "serum_convalescent", 13))
        .await;
    assert_error(status, &res, 422, "serum_timing");
    assert_eq!(res["error"]["overridable"], false);
    for days in [14, 60] {
        let id = format!("SC-{days}");
        let res = register_ok(
            &app,
            &app.admin,
            &registration(&id, "serum_convalescent", days),
        )
        .await;
        assert_eq!(res["specimen"]["days_since_onset"], days);
    }
}

// `serum_timing`: a serum tube outside its window is mislabelled — no override
#[tokio::test]
async fn a_serum_timing_refusal_cannot_be_overridden_even_by_lab() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let mut body = registration("SA-OVR", "serum_acute", 8);
    body["override_reason"] = json!("please");
    let (status, res) = app.register(&lab, &body).await;
    assert_error(status, &res, 422, "serum_timing");
    assert_eq!(res["error"]["overridable"], false);
    assert_eq!(app.count("specimens"), 0);
}

// `serum_timing`: serum timing cannot be judged without an onset date
#[tokio::test]
async fn serum_without_an_onset_date_is_refused_with_serum_timing() {
    let app = spawn_app().await;
    for t in ["serum_acute", "serum_convalescent"] {
        for asymptomatic in [false, true] {
            let mut body = registration(&format!("SN-{t}-{asymptomatic}"), t, 0);
            body["onset_date"] = Value::Null;
            body["asymptomatic"] = json!(asymptomatic);
            let (status, res) = app.register(&app.admin, &body).await;
            assert_error(status, &res, 422, "serum_timing");
        }
    }
    assert_eq!(app.count("specimens"), 0);
}

// ---------------------------------------------------------------------------
// docs/RULES.md, registration: impossible dates
// ---------------------------------------------------------------------------

// docs/RULES.md, registration: onset after the collection date is invalid
#[tokio::test]
async fn an_onset_after_the_collection_date_is_refused_422_onset_after_collection() {
    let app = spawn_app().await;
    for t in ["saliva", "nasopharyngeal_swab", "serum_acute", "urine"] {
        let (status, res) = app
            .register(&app.admin, &registration(&format!("OAC-{t}"), t, -1))
            .await;
        assert_error(status, &res, 422, "onset_after_collection");
        // Nothing else is judged on impossible dates.
        assert_eq!(codes(&res["error"]["refusals"]), ["onset_after_collection"]);
        assert_eq!(res["error"]["overridable"], false);
    }
    assert_eq!(app.count("specimens"), 0);
}

// docs/RULES.md, registration: a collection time in the future is invalid
#[tokio::test]
async fn a_collection_time_in_the_future_is_refused_422_collection_in_future() {
    let app = spawn_app().await;
    let (at, onset) = collected(-1, 2); // an hour from now
    let mut body = registration("FUT-1", "saliva", 0);
    body["collected_at"] = json!(at.to_rfc3339());
    body["onset_date"] = json!(onset.to_string());
    let (status, res) = app.register(&app.admin, &body).await;
    assert_error(status, &res, 422, "collection_in_future");
    assert_eq!(codes(&res["error"]["refusals"]), ["collection_in_future"]);
    assert_eq!(res["error"]["overridable"], false);
    assert_eq!(app.count("specimens"), 0);
}

#[tokio::test]
async fn a_collection_time_a_minute_ahead_is_tolerated_as_clock_skew() {
    let app = spawn_app().await;
    let at = (Utc::now() + minutes(1)).trunc_subsecs(0);
    let onset = at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive() - Duration::days(1);
    let mut body = registration("SKEW-1", "saliva", 0);
    body["collected_at"] = json!(at.to_rfc3339());
    body["onset_date"] = json!(onset.to_string());
    let res = register_ok(&app, &app.admin, &body).await;
    assert_eq!(res["specimen"]["days_since_onset"], 1);
}

#[tokio::test]
async fn an_asymptomatic_patient_with_an_onset_date_is_refused_400_invalid_input() {
    let app = spawn_app().await;
    let mut body = registration("ASY-ONSET", "saliva", 2);
    body["asymptomatic"] = json!(true);
    let (status, res) = app.register(&app.admin, &body).await;
    assert_error(status, &res, 400, "invalid_input");
    assert_eq!(app.count("specimens"), 0);
}

// ---------------------------------------------------------------------------
// `ppe_incomplete`: protective equipment
// ---------------------------------------------------------------------------

// `ppe_incomplete`: policy warn (the default)
#[tokio::test]
async fn incomplete_ppe_is_a_ppe_incomplete_warning_under_policy_warn() {
    let app = spawn_app().await;
    let mut partial = registration("PPE-W1", "saliva", 2);
    partial["ppe"] = json!(["gloves"]);
    let res = register_ok(&app, &app.admin, &partial).await;
    assert_eq!(codes(&res["warnings"]), ["ppe_incomplete"]);
    assert!(
        res["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("サージカルマスク"),
        "{res}"
    );
    // A warning only: no flag on the specimen.
    assert_eq!(res["specimen"]["flags"], json!([]));
    assert_eq!(
        codes(&res["specimen"]["registration_warnings"]),
        ["ppe_incomplete"]
    );

    // No checklist at all counts as everything missing.
    let mut none = registration("PPE-W2", "nasopharyngeal_swab", 2);
    none.as_object_mut().unwrap().remove("ppe");
    let res = register_ok(&app, &app.admin, &none).await;
    assert_eq!(codes(&res["warnings"]), ["ppe_incomplete"]);

    // The full checklist for saliva: surgical mask and gloves.
    let mut full = registration("PPE-W3", "saliva", 2);
    full["ppe"] = json!(["surgical_mask", "gloves"]);
    let res = register_ok(&app, &app.admin, &full).await;
    assert_eq!(res["warnings"], json!([]));
}

// `ppe_incomplete`: policy require
#[tokio::test]
async fn incomplete_ppe_is_refused_422_ppe_incomplete_under_policy_require() {
    let app = spawn_app_with(|c| c.policy.ppe = PpePolicy::Require).await;
    let cases = [
        ("saliva", json!(["gloves"])),
        (
            "nasopharyngeal_swab",
            json!(["surgical_mask", "gown", "gloves"]),
        ),
        (
            "sputum",
            json!(["surgical_mask", "eye_protection", "gown", "gloves"]),
        ),
        ("tracheal_aspirate", json!([])),
    ];
    for (t, ppe) in cases {
        let mut body = registration(&format!("PPE-R-{t}"), t, 2);
        body["ppe"] = ppe;
        let (status, res) = app.register(&app.admin, &body).await;
        assert_error(status, &res, 422, "ppe_incomplete");
        assert_eq!(codes(&res["error"]["refusals"]), ["ppe_incomplete"], "{t}");
        assert_eq!(res["error"]["overridable"], false);
    }
    assert_eq!(app.count("specimens"), 0);

    // Complete checklists pass.
    let mut swab = registration("PPE-R-OK", "nasopharyngeal_swab", 2);
    swab["ppe"] = json!(["surgical_mask", "eye_protection", "gown", "gloves"]);
    let res = register_ok(&app, &app.admin, &swab).await;
    assert_eq!(res["warnings"], json!([]));
    // Non-respiratory collections have no checklist.
    let mut urine = registration("PPE-R-URINE", "urine", 2);
    urine["ppe"] = json!([]);
    let res = register_ok(&app, &app.admin, &urine).await;
    assert!(!codes(&res["warnings"]).contains(&"ppe_incomplete".to_string()));
}

// `ppe_incomplete`: policy off
#[tokio::test]
async fn no_ppe_check_at_all_under_policy_off() {
    let app = spawn_app_with(|c| c.policy.ppe = PpePolicy::Off).await;
    for t in ["saliva", "sputum", "nasopharyngeal_swab"] {
        let mut body = registration(&format!("PPE-OFF-{t}"), t, 2);
        body.as_object_mut().unwrap().remove("ppe");
        let res = register_ok(&app, &app.admin, &body).await;
        assert_eq!(res["warnings"], json!([]), "{t}");
    }
}

// `ppe_incomplete`: N95-class mask (N95, DS2, FFP2, FFP3, KN95)
#[tokio::test]
async fn every_n95_class_respirator_satisfies_the_lower_respiratory_checklist() {
    let app = spawn_app_with(|c| c.policy.ppe = PpePolicy::Require).await;
    for mask in ["n95", "ds2", "ffp2", "ffp3", "kn95"] {
        for t in ["sputum", "tracheal_aspirate"] {
            let mut body = registration(&format!("N95-{mask}-{t}"), t, 2);
            body["ppe"] = json!([mask, "eye_protection", "gown", "gloves"]);
            let res = register_ok(&app, &app.admin, &body).await;
            assert_eq!(res["warnings"], json!([]), "{mask} {t}");
            assert_eq!(res["specimen"]["ppe"][0], mask);
        }
        // A respirator also stands in for the surgical mask.
        let mut saliva = registration(&format!("N95-{mask}-saliva"), "saliva", 2);
        saliva["ppe"] = json!([mask, "gloves"]);
        register_ok(&app, &app.admin, &saliva).await;
    }
}

#[tokio::test]
async fn an_unknown_ppe_item_is_refused_400_invalid_input() {
    let app = spawn_app().await;
    let mut body = registration("PPE-BAD", "saliva", 2);
    body["ppe"] = json!(["n99", "gloves"]);
    let (status, res) = app.register(&app.admin, &body).await;
    assert_error(status, &res, 400, "invalid_input");
}

// ---------------------------------------------------------------------------
// `no_respiratory_specimen`: other specimens without a respiratory specimen in the episode
// ---------------------------------------------------------------------------

// `no_respiratory_specimen`: a diagnostic episode with no respiratory specimen gets a warning
#[tokio::test]
async fn a_non_respiratory_specimen_without_a_respiratory_one_warns_no_respiratory_specimen() {
    let app = spawn_app().await;
    for t in [
        "urine",
        "stool",
        "whole_blood",
        "autopsy_tissue",
        "serum_acute",
    ] {
        let res = register_ok(&app, &app.admin, &registration(&format!("NR-{t}"), t, 2)).await;
        assert_eq!(
            codes(&res["warnings"]),
            ["no_respiratory_specimen"],
            "{t}: {res}"
        );
        assert_eq!(res["specimen"]["category"], "other");
    }
}

// `no_respiratory_specimen`: the same patient (same patient_id) with a swab → no warning
#[tokio::test]
async fn a_non_respiratory_specimen_of_a_patient_with_a_swab_gets_no_warning() {
    let app = spawn_app().await;
    let swab = for_patient(registration("EP-SWAB", "nasopharyngeal_swab", 2), "P-EP");
    register_ok(&app, &app.admin, &swab).await;

    let urine = for_patient(registration("EP-URINE", "urine", 2), "P-EP");
    let res = register_ok(&app, &app.admin, &urine).await;
    assert_eq!(res["warnings"], json!([]), "{res}");
    let stool = for_patient(registration("EP-STOOL", "stool", 2), "P-EP");
    let res = register_ok(&app, &app.admin, &stool).await;
    assert_eq!(res["warnings"], json!([]), "{res}");

    // Another patient's swab does not count.
    let other = for_patient(registration("EP-OTHER", "urine", 2), "P-OTHER");
    let res = register_ok(&app, &app.admin, &other).await;
    assert_eq!(codes(&res["warnings"]), ["no_respiratory_specimen"]);

    // Nor does the same patient's urine count as respiratory.
    let more = for_patient(registration("EP-OTHER-2", "whole_blood", 2), "P-OTHER");
    let res = register_ok(&app, &app.admin, &more).await;
    assert_eq!(codes(&res["warnings"]), ["no_respiratory_specimen"]);
}

// `no_respiratory_specimen`: the episode is the patient's specimens within policy episode_days (14)
#[tokio::test]
async fn a_swab_from_another_episode_does_not_count_for_the_respiratory_rule() {
    let app = spawn_app().await;
    let (old_swab, _) = registration_at("EPW-SWAB-OLD", "nasopharyngeal_swab", 15 * 24 + 1, 2);
    register_ok(&app, &app.admin, &for_patient(old_swab, "P-EPW")).await;
    let urine = for_patient(registration("EPW-URINE-1", "urine", 2), "P-EPW");
    let res = register_ok(&app, &app.admin, &urine).await;
    assert_eq!(codes(&res["warnings"]), ["no_respiratory_specimen"]);

    let (recent_swab, _) = registration_at("EPW-SWAB-NEW", "sputum", 13 * 24, 2);
    register_ok(&app, &app.admin, &for_patient(recent_swab, "P-EPW")).await;
    let urine = for_patient(registration("EPW-URINE-2", "urine", 2), "P-EPW");
    let res = register_ok(&app, &app.admin, &urine).await;
    assert_eq!(res["warnings"], json!([]), "{res}");
}

// docs/RULES.md, registration with patient identity: without a patient number, name + kana +
// birth date tell patients apart
#[tokio::test]
async fn without_a_patient_number_the_same_name_kana_and_birth_date_are_the_same_patient() {
    let app = spawn_app().await;
    let anonymous = |id: &str, t: &str, birth: &str| {
        let mut b = registration(id, t, 2);
        b["patient"].as_object_mut().unwrap().remove("patient_id");
        b["patient"]["birth_date"] = json!(birth);
        b
    };
    register_ok(
        &app,
        &app.admin,
        &anonymous("PK-SWAB", "nasopharyngeal_swab", "1980-04-01"),
    )
    .await;
    let res = register_ok(
        &app,
        &app.admin,
        &anonymous("PK-URINE", "urine", "1980-04-01"),
    )
    .await;
    assert_eq!(res["warnings"], json!([]), "{res}");
    // Same name, another birth date: another patient.
    let res = register_ok(
        &app,
        &app.admin,
        &anonymous("PK-URINE-2", "urine", "1990-01-01"),
    )
    .await;
    assert_eq!(codes(&res["warnings"]), ["no_respiratory_specimen"]);
    assert_eq!(app.count("patients"), 2);
}

// `saliva_window_exceeded` / `ppe_incomplete`: every refusal is listed; a written reason lifts only the overridable ones
#[tokio::test]
async fn several_refusals_are_all_listed_and_not_overridable_if_any_one_is_not() {
    let app = spawn_app_with(|c| c.policy.ppe = PpePolicy::Require).await;
    let lab = app.token(Role::Lab);
    let mut body = registration("MULTI-1", "saliva", 12);
    body["ppe"] = json!(["gloves"]);
    let (status, res) = app.register(&lab, &body).await;
    assert_eq!(status, 422, "{res}");
    let mut refusals = codes(&res["error"]["refusals"]);
    refusals.sort();
    assert_eq!(refusals, ["ppe_incomplete", "saliva_window_exceeded"]);
    assert_eq!(res["error"]["overridable"], false);

    // The reason lifts the saliva window; the missing mask still refuses.
    body["override_reason"] = json!("doctor's order");
    let (status, res) = app.register(&lab, &body).await;
    assert_error(status, &res, 422, "ppe_incomplete");
    assert_eq!(codes(&res["error"]["refusals"]), ["ppe_incomplete"]);
    assert_eq!(app.count("specimens"), 0);
}

#[tokio::test]
async fn a_birth_date_after_the_collection_date_is_refused_400_invalid_input() {
    let app = spawn_app().await;
    let mut body = registration("BIRTH-1", "saliva", 2);
    body["patient"]["birth_date"] = json!((tokyo_today() + Duration::days(2)).to_string());
    let (status, res) = app.register(&app.admin, &body).await;
    assert_error(status, &res, 400, "invalid_input");
    assert_eq!(app.count("patients"), 0);
}

// ---------------------------------------------------------------------------
// Refused registrations change nothing
// ---------------------------------------------------------------------------

#[tokio::test]
async fn refused_registrations_leave_specimens_patients_and_the_audit_log_unchanged() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    register_ok(&app, &reception, &registration("KEEP-1", "saliva", 2)).await;
    let before = app.snapshot();
    assert_eq!(before[0..2], [("specimens", 1), ("patients", 1)]);

    let mut refused: Vec<(Value, u16, &str)> = vec![
        (
            registration("NO-1", "saliva", 10),
            422,
            "saliva_window_exceeded",
        ),
        (registration("NO-2", "serum_acute", 8), 422, "serum_timing"),
        (
            registration("NO-3", "saliva", -1),
            422,
            "onset_after_collection",
        ),
        (
            registration("KEEP-1", "urine", 2),
            409,
            "duplicate_specimen",
        ),
    ];
    let (at, onset) = collected(-2, 1);
    let mut future = registration("NO-4", "saliva", 0);
    future["collected_at"] = json!(at.to_rfc3339());
    future["onset_date"] = json!(onset.to_string());
    refused.push((future, 422, "collection_in_future"));
    let mut asymptomatic = registration("NO-5", "saliva", 1);
    asymptomatic["asymptomatic"] = json!(true);
    refused.push((asymptomatic, 400, "invalid_input"));
    let mut overriding = registration("NO-6", "saliva", 12);
    overriding["override_reason"] = json!("reception cannot");
    refused.push((overriding, 403, "forbidden"));

    for (body, status, code) in refused {
        let (got, res) = app.register(&reception, &body).await;
        assert_error(got, &res, status, code);
        assert_eq!(app.snapshot(), before, "after {code}");
    }
}

// ---------------------------------------------------------------------------
// Locations
// ---------------------------------------------------------------------------

#[tokio::test]
async fn creating_a_location_answers_201_an_identical_repost_200_and_a_conflicting_one_409() {
    let app = spawn_app().await;
    let loc = json!({"code": "FRIDGE-1", "name": "検体冷蔵庫 1", "storage_class": "fridge_4c"});
    let (status, res) = app.post("/api/v1/locations", &app.admin, &loc).await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["code"], "FRIDGE-1");
    assert_eq!(res["name"], "検体冷蔵庫 1");
    assert_eq!(res["storage_class"], "fridge_4c");

    let (status, again) = app.post("/api/v1/locations", &app.admin, &loc).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, res);

    for conflicting in [
        json!({"code": "FRIDGE-1", "name": "検体冷蔵庫 1", "storage_class": "frozen_minus80"}),
        json!({"code": "FRIDGE-1", "name": "別の冷蔵庫", "storage_class": "fridge_4c"}),
    ] {
        let (status, err) = app
            .post("/api/v1/locations", &app.admin, &conflicting)
            .await;
        assert_error(status, &err, 409, "duplicate_location");
    }
    let (_, got) = app.get("/api/v1/locations/FRIDGE-1", &app.admin).await;
    assert_eq!(got["storage_class"], "fridge_4c");
    assert_eq!(app.count("locations"), 1);
}

#[tokio::test]
async fn locations_can_be_listed_and_read_and_an_unknown_one_is_404_unknown_location() {
    let app = spawn_app().await;
    app.location("Z-BENCH", "ambient").await;
    app.location("A-FREEZER", "frozen_minus80").await;
    app.location("M-FREEZER", "frozen_minus20").await;
    let reception = app.token(Role::Reception);

    let (status, list) = app.get("/api/v1/locations", &reception).await;
    assert_eq!(status, 200, "{list}");
    let listed: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["code"].as_str().unwrap(),
                l["storage_class"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("A-FREEZER", "frozen_minus80"),
            ("M-FREEZER", "frozen_minus20"),
            ("Z-BENCH", "ambient")
        ]
    );

    let (status, one) = app.get("/api/v1/locations/M-FREEZER", &reception).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["storage_class"], "frozen_minus20");
    assert_eq!(one["name"], "frozen_minus20 M-FREEZER");

    let (status, err) = app.get("/api/v1/locations/NOWHERE", &reception).await;
    assert_error(status, &err, 404, "unknown_location");
}

// API roles: lab manages locations, reception only reads them
#[tokio::test]
async fn lab_may_create_locations_and_reception_may_not() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let reception = app.token(Role::Reception);
    let hc = app.token(Role::HealthCentre);
    let loc = |code: &str| json!({"code": code, "name": "cool box", "storage_class": "fridge_4c"});

    let (status, res) = app.post("/api/v1/locations", &lab, &loc("LAB-BOX")).await;
    assert_eq!(status, 201, "{res}");
    let (status, res) = app
        .post("/api/v1/locations", &reception, &loc("REC-BOX"))
        .await;
    assert_error(status, &res, 403, "forbidden");
    let (status, res) = app.post("/api/v1/locations", &hc, &loc("HC-BOX")).await;
    assert_error(status, &res, 403, "forbidden");
    let (status, res) = app.get("/api/v1/locations", &hc).await;
    assert_error(status, &res, 403, "forbidden");
    assert_eq!(app.count("locations"), 1);
}

#[tokio::test]
async fn a_location_with_an_unknown_storage_class_is_refused_400_invalid_input() {
    let app = spawn_app().await;
    let (status, res) = app
        .post(
            "/api/v1/locations",
            &app.admin,
            &json!({"code": "X", "name": "x", "storage_class": "frozen_minus40"}),
        )
        .await;
    assert_error(status, &res, 400, "invalid_input");
    assert_eq!(app.count("locations"), 0);
}

// ---------------------------------------------------------------------------
// docs/RULES.md, results: results
// ---------------------------------------------------------------------------

// docs/RULES.md, results: a corrected result is a new version, never an overwrite
#[tokio::test]
async fn a_second_result_is_version_2_a_correction_and_both_stay_on_record() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let (body, at) = registration_at("RES-1", "nasopharyngeal_swab", 5, 2);
    register_ok(&app, &app.admin, &body).await;

    let first_at = at + hours(2);
    let (status, first) = post_result(
        &app,
        &lab,
        "RES-1",
        &json!({"result": "negative", "resulted_at": first_at.to_rfc3339()}),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["specimen_id"], "RES-1");
    assert_eq!(first["result"]["version"], 1);
    assert_eq!(first["result"]["result"], "negative");
    assert_eq!(first["result"]["result_label_ja"], "陰性");
    assert_eq!(first["result"]["correction"], false);
    assert_eq!(time(&first["result"]["resulted_at"]), first_at);

    // A different result is a correction: without a reason it is refused
    // and nothing is recorded.
    let second_at = at + hours(3);
    let mut correction =
        json!({"result": "positive", "method": "pcr", "resulted_at": second_at.to_rfc3339()});
    let (status, refused) = post_result(&app, &lab, "RES-1", &correction).await;
    assert_error(status, &refused, 422, "correction_reason_required");
    assert_eq!(app.count("results"), 1);

    correction["reason"] = json!("  検体の取り違えが判明したため再検査  ");
    let (status, second) = post_result(&app, &lab, "RES-1", &correction).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["result"]["version"], 2);
    assert_eq!(second["result"]["result"], "positive");
    assert_eq!(second["result"]["correction"], true);
    assert_eq!(
        second["result"]["correction_reason"],
        "検体の取り違えが判明したため再検査"
    );

    let s = specimen(&app, "RES-1").await;
    let results = s["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["version"], 1);
    assert_eq!(results[0]["result"], "negative");
    assert!(results[0]["correction_reason"].is_null());
    assert_eq!(results[1]["version"], 2);
    assert_eq!(results[1]["result"], "positive");
    assert_eq!(
        results[1]["correction_reason"],
        "検体の取り違えが判明したため再検査"
    );
    assert_eq!(s["result"]["version"], 2);
    assert_eq!(s["result"]["result"], "positive");
    assert_eq!(s["result"]["result_label_ja"], "陽性");
    assert_eq!(app.count("results"), 2);
}

#[tokio::test]
async fn every_result_code_is_accepted() {
    let app = spawn_app().await;
    let (body, at) = registration_at("RES-ALL", "saliva", 5, 2);
    register_ok(&app, &app.admin, &body).await;
    for (i, r) in ["positive", "negative", "inconclusive", "invalid"]
        .into_iter()
        .enumerate()
    {
        // Each after the first corrects the one before: it gives a reason.
        let (status, res) = post_result(
            &app,
            &app.admin,
            "RES-ALL",
            &json!({"result": r, "resulted_at": (at + hours(1)).to_rfc3339(),
                    "reason": "再検査の結果"}),
        )
        .await;
        assert_eq!(status, 201, "{res}");
        assert_eq!(res["result"]["result"], r);
        assert_eq!(res["result"]["version"], i + 1);
    }
    let (status, res) = post_result(
        &app,
        &app.admin,
        "RES-ALL",
        &json!({"result": "maybe", "resulted_at": (at + hours(1)).to_rfc3339()}),
    )
    .await;
    assert_error(status, &res, 400, "invalid_input");
}

#[tokio::test]
async fn a_result_before_collection_is_refused_422_result_before_collection() {
    let app = spawn_app().await;
    let (body, at) = registration_at("RES-EARLY", "saliva", 5, 2);
    register_ok(&app, &app.admin, &body).await;
    let before = app.snapshot();
    let (status, res) = post_result(
        &app,
        &app.admin,
        "RES-EARLY",
        &json!({"result": "negative", "resulted_at": (at - Duration::seconds(1)).to_rfc3339()}),
    )
    .await;
    assert_error(status, &res, 422, "result_before_collection");
    assert_eq!(
        codes(&res["error"]["refusals"]),
        ["result_before_collection"]
    );
    assert_eq!(app.snapshot(), before);

    // At the collection instant itself it is possible.
    let (status, res) = post_result(
        &app,
        &app.admin,
        "RES-EARLY",
        &json!({"result": "negative", "resulted_at": at.to_rfc3339()}),
    )
    .await;
    assert_eq!(status, 201, "{res}");
}

#[tokio::test]
async fn a_result_in_the_future_is_refused_400_invalid_input() {
    let app = spawn_app().await;
    let (body, _) = registration_at("RES-FUT", "saliva", 5, 2);
    register_ok(&app, &app.admin, &body).await;
    let before = app.snapshot();
    let (status, res) = post_result(
        &app,
        &app.admin,
        "RES-FUT",
        &json!({"result": "negative", "resulted_at": (Utc::now() + hours(1)).to_rfc3339()}),
    )
    .await;
    assert_error(status, &res, 400, "invalid_input");
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn a_result_for_an_unknown_specimen_is_404_unknown_specimen() {
    let app = spawn_app().await;
    let (status, res) = post_result(
        &app,
        &app.admin,
        "NO-SUCH-TUBE",
        &json!({"result": "negative", "resulted_at": Utc::now().to_rfc3339()}),
    )
    .await;
    assert_error(status, &res, 404, "unknown_specimen");
    assert_eq!(app.count("results"), 0);
}

// API roles: reception may not record results
#[tokio::test]
async fn reception_and_health_centre_may_not_record_results() {
    let app = spawn_app().await;
    let (body, at) = registration_at("RES-ROLE", "saliva", 5, 2);
    register_ok(&app, &app.admin, &body).await;
    for role in [Role::Reception, Role::HealthCentre] {
        let token = app.token(role);
        let (status, res) = post_result(
            &app,
            &token,
            "RES-ROLE",
            &json!({"result": "positive", "resulted_at": (at + hours(1)).to_rfc3339()}),
        )
        .await;
        assert_error(status, &res, 403, "forbidden");
    }
    assert_eq!(app.count("results"), 0);
}

// docs/RULES.md, results: methods pcr, lamp, antigen_qualitative, antigen_quantitative
#[tokio::test]
async fn the_result_method_defaults_to_the_specimens_test_method() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let (mut body, at) = registration_at("RES-LAMP", "saliva", 5, 2);
    body["test_method"] = json!("lamp");
    let res = register_ok(&app, &app.admin, &body).await;
    assert_eq!(res["specimen"]["test_method"], "lamp");

    let (status, res) = post_result(
        &app,
        &lab,
        "RES-LAMP",
        &json!({"result": "negative", "resulted_at": (at + hours(1)).to_rfc3339()}),
    )
    .await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["result"]["method"], "lamp");

    // An explicit method is kept as given.
    let (status, res) = post_result(
        &app,
        &lab,
        "RES-LAMP",
        &json!({"result": "positive", "method": "antigen_quantitative",
                "resulted_at": (at + hours(2)).to_rfc3339(), "reason": "再検査の結果"}),
    )
    .await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["result"]["method"], "antigen_quantitative");
    let s = specimen(&app, "RES-LAMP").await;
    assert_eq!(s["results"][0]["method"], "lamp");
    assert_eq!(s["results"][1]["method"], "antigen_quantitative");
}

// ---------------------------------------------------------------------------
// Reading specimens; the audit log
// ---------------------------------------------------------------------------

#[tokio::test]
async fn reading_an_unknown_specimen_is_404_unknown_specimen() {
    let app = spawn_app().await;
    let (status, res) = app.get("/api/v1/specimens/NOPE", &app.admin).await;
    assert_error(status, &res, 404, "unknown_specimen");
}

#[tokio::test]
async fn health_centre_may_not_read_specimens() {
    let app = spawn_app().await;
    register_ok(&app, &app.admin, &registration("HC-READ", "saliva", 2)).await;
    let hc = app.token(Role::HealthCentre);
    let (status, res) = app.get("/api/v1/specimens/HC-READ", &hc).await;
    assert_error(status, &res, 403, "forbidden");
}

#[tokio::test]
async fn a_registration_is_in_the_audit_log_with_the_users_name() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let name = user_name(&app, &reception).await;
    let res = register_ok(&app, &reception, &registration("AUD-1", "saliva", 2)).await;
    assert_eq!(res["specimen"]["registered_by"], name);
    // Another specimen, to see the filter at work.
    register_ok(&app, &reception, &registration("AUD-2", "saliva", 2)).await;

    let (status, entries) = app
        .get("/api/v1/audit?entity=specimen&entity_id=AUD-1", &app.admin)
        .await;
    assert_eq!(status, 200, "{entries}");
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e["action"], "specimen.register");
    assert_eq!(e["entity"], "specimen");
    assert_eq!(e["entity_id"], "AUD-1");
    assert_eq!(e["user"], name);
    assert_eq!(e["role"], "reception");
    assert_eq!(e["after"]["type"], "saliva");
}

#[tokio::test]
async fn an_override_is_in_the_audit_log_with_its_reason() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let mut body = registration("AUD-OVR", "saliva", 11);
    body["override_reason"] = json!("主治医判断");
    register_ok(&app, &lab, &body).await;
    let (status, entries) = app
        .get(
            "/api/v1/audit?entity=specimen&entity_id=AUD-OVR",
            &app.admin,
        )
        .await;
    assert_eq!(status, 200, "{entries}");
    let e = &entries[0];
    assert_eq!(e["action"], "specimen.register");
    assert_eq!(e["role"], "lab");
    assert_eq!(e["after"]["override_reason"], "主治医判断");
    assert_eq!(e["after"]["flags"][0]["code"], "saliva_window_exceeded");
}

// API roles: only admin reads the audit log
#[tokio::test]
async fn reception_and_lab_may_not_read_the_audit_log() {
    let app = spawn_app().await;
    for role in [Role::Reception, Role::Lab, Role::HealthCentre] {
        let token = app.token(role);
        let (status, res) = app.get("/api/v1/audit", &token).await;
        assert_error(status, &res, 403, "forbidden");
    }
}

// ---------------------------------------------------------------------------
// Idempotency and overrides: what a repeat and a reason mean
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_repeat_with_the_ppe_ticked_in_another_order_is_the_same_registration() {
    let app = spawn_app().await;
    let mut body = registration("IDEM-PPE", "nasopharyngeal_swab", 2);
    body["ppe"] = json!(["gloves", "gown", "eye_protection", "surgical_mask"]);
    let (status, first) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{first}");
    body["ppe"] = json!([
        "surgical_mask",
        "eye_protection",
        "gown",
        "gloves",
        "gloves"
    ]);
    let (status, again) = app.register(&app.admin, &body).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["specimen"]["ppe"], first["specimen"]["ppe"]);
    assert_eq!(app.count("specimens"), 1);
}

// `saliva_window_exceeded`: the override belongs to the registration that made it
#[tokio::test]
async fn reception_re_posting_a_registration_lab_overrode_gets_the_stored_record() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let reception = app.token(Role::Reception);
    let mut body = registration("IDEM-OVR", "saliva", 11);
    body["override_reason"] = json!("no other specimen obtainable");
    let (status, first) = app.register(&lab, &body).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = app.register(&reception, &body).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        again["specimen"]["override_reason"],
        "no other specimen obtainable"
    );
    // A new registration with a reason is still an override reception may not make.
    let mut other = registration("IDEM-OVR-2", "saliva", 11);
    other["override_reason"] = json!("no other specimen obtainable");
    let (status, res) = app.register(&reception, &other).await;
    assert_eq!(
        (status, res["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{res}"
    );
}

#[tokio::test]
async fn a_reason_given_where_no_rule_refused_is_not_recorded_as_an_override() {
    let app = spawn_app().await;
    let mut body = registration("NO-OVR", "saliva", 3);
    body["override_reason"] = json!("just in case");
    let (status, res) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["specimen"]["override_reason"], Value::Null);
    assert!(res["specimen"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["override_reason"].is_null()));
}

// docs/RULES.md, registration: dates are the site's calendar (Asia/Tokyo), whatever offset the client writes
#[tokio::test]
async fn a_birth_date_on_the_tokyo_collection_date_is_accepted_whatever_offset_the_client_sends() {
    let app = spawn_app().await;
    // 10:00 JST two days ago is the day before in UTC−10.
    let jst_date = tokyo_today() - Duration::days(2);
    let jst = chrono_tz::Asia::Tokyo
        .from_local_datetime(&jst_date.and_hms_opt(10, 0, 0).unwrap())
        .unwrap();
    let hawaii = jst.with_timezone(&FixedOffset::west_opt(10 * 3600).unwrap());
    assert_ne!(hawaii.date_naive(), jst_date);
    let mut body = registration("NEWBORN", "nasopharyngeal_swab", 0);
    body["collected_at"] = json!(hawaii.to_rfc3339());
    body["onset_date"] = json!(jst_date.to_string());
    body["patient"]["birth_date"] = json!(jst_date.to_string());
    let (status, res) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{res}");
    assert_eq!(res["specimen"]["collection_date"], jst_date.to_string());
    assert_eq!(res["specimen"]["days_since_onset"], 0);

    let mut later = body.clone();
    later["specimen_id"] = json!("UNBORN");
    later["patient"]["birth_date"] = json!((jst_date + Duration::days(1)).to_string());
    let (status, res) = app.register(&app.admin, &later).await;
    assert_eq!(
        (status, res["error"]["code"].as_str()),
        (400, Some("invalid_input")),
        "{res}"
    );
}

// ---------------------------------------------------------------------------
// The worklist (`priority_violation`: the priority orders every worklist)
// ---------------------------------------------------------------------------

fn at_jst(date: chrono::NaiveDate, h: u32, m: u32) -> chrono::DateTime<FixedOffset> {
    chrono_tz::Asia::Tokyo
        .from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap())
        .unwrap()
        .fixed_offset()
}

fn on(id: &str, t: &str, collected: chrono::DateTime<FixedOffset>, patient: &str) -> Value {
    let mut body = for_patient(registration(id, t, 0), patient);
    body["collected_at"] = json!(collected.to_rfc3339());
    body["onset_date"] = json!((collected.date_naive() - Duration::days(1)).to_string());
    body
}

// `priority_violation`
#[tokio::test]
async fn the_worklist_puts_priority_one_first_then_orders_by_collection_time() {
    let app = spawn_app().await;
    let d = tokyo_today() - Duration::days(2);
    for (id, t, h) in [
        ("W-SAL", "saliva", 8),
        ("W-NP-LATE", "nasopharyngeal_swab", 11),
        ("W-URINE", "urine", 7),
        ("W-SPUTUM", "sputum", 12),
        ("W-NP-EARLY", "nasopharyngeal_swab", 9),
        ("W-TRACH", "tracheal_aspirate", 10),
    ] {
        register_ok(&app, &app.admin, &on(id, t, at_jst(d, h, 0), "WL-1")).await;
    }
    let (status, list) = app.get("/api/v1/specimens", &app.admin).await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["specimen_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "W-TRACH",
            "W-SPUTUM",
            "W-NP-EARLY",
            "W-NP-LATE",
            "W-SAL",
            "W-URINE"
        ]
    );
    assert_eq!(list[0]["priority"], 1);
    assert_eq!(list[5]["priority"], 4);
}

// docs/RULES.md, registration: the day is the site's calendar day
#[tokio::test]
async fn the_worklist_filters_by_the_tokyo_collection_date_status_and_patient() {
    let app = spawn_app().await;
    app.location("F", "fridge_4c").await;
    let d = tokyo_today() - Duration::days(2);
    // 23:30 and 00:30 JST are the same UTC date but two Tokyo dates.
    register_ok(
        &app,
        &app.admin,
        &on("LATE", "saliva", at_jst(d, 23, 30), "A"),
    )
    .await;
    register_ok(
        &app,
        &app.admin,
        &on("EARLY", "saliva", at_jst(d + Duration::days(1), 0, 30), "B"),
    )
    .await;
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["specimen_id"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, list) = app
        .get(&format!("/api/v1/specimens?collected_on={d}"), &app.admin)
        .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(ids(&list), ["LATE"]);
    let next = d + Duration::days(1);
    let (_, list) = app
        .get(
            &format!("/api/v1/specimens?collected_on={next}"),
            &app.admin,
        )
        .await;
    assert_eq!(ids(&list), ["EARLY"]);

    let body = json!({"location": "F", "at": (at_jst(next, 1, 0)).to_rfc3339()});
    let (status, res) = app
        .post("/api/v1/specimens/EARLY/storage", &app.admin, &body)
        .await;
    assert_eq!(status, 201, "{res}");
    let (_, list) = app.get("/api/v1/specimens?status=stored", &app.admin).await;
    assert_eq!(ids(&list), ["EARLY"]);
    let (_, list) = app
        .get("/api/v1/specimens?status=registered", &app.admin)
        .await;
    assert_eq!(ids(&list), ["LATE"]);
    let (_, list) = app.get("/api/v1/specimens?patient_id=A", &app.admin).await;
    assert_eq!(ids(&list), ["LATE"]);
    let (_, list) = app
        .get("/api/v1/specimens?patient_id=nobody", &app.admin)
        .await;
    assert_eq!(ids(&list), Vec::<String>::new());
    let (_, list) = app.get("/api/v1/specimens?limit=1", &app.admin).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_worklist_query_with_a_bad_filter_is_a_coded_400() {
    let app = spawn_app().await;
    for q in [
        "status=shipped_to_mars",
        "limit=0",
        "limit=1001",
        "limit=ten",
        "collected_on=2026-02-30",
        "colour=red",
    ] {
        let (status, body) = app.get(&format!("/api/v1/specimens?{q}"), &app.admin).await;
        assert_error(status, &body, 400, "invalid_input");
    }
}
