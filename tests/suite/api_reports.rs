//! The health centre's day report and summary (README, the day report; docs/RULES.md, results): every
//! column against hand-computed values for a day with every specimen type,
//! method, result, override and flag; CSV in UTF-8 with BOM and in
//! Shift_JIS (decoding back to the same text); JSON; the facility filter;
//! who may read it; Ct values, the assay and its codes, an asymptomatic
//! patient, a correction's reason, and a result that waits for a second
//! person's release.

use crate::common;
use crate::common::{documented, spawn_app_with, TestApp};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use diesel::RunQueryDsl;
use kentai::domain::assay::{Assay, AssayRule};
use kentai::domain::results::{ReleasePolicy, TestMethod};
use kentai::domain::roles::Role;
use serde_json::{json, Value};

fn tokyo() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).unwrap()
}

/// The report's day: yesterday in Tokyo, so every time in it is past.
fn day() -> NaiveDate {
    Utc::now().with_timezone(&tokyo()).date_naive() - Duration::days(1)
}

/// `hh:mm` on the report's day (or `offset` days from it), Tokyo time.
fn at(offset: i64, hh: u32, mm: u32) -> DateTime<FixedOffset> {
    let d = day() + Duration::days(offset);
    tokyo()
        .from_local_datetime(&d.and_hms_opt(hh, mm, 0).unwrap())
        .unwrap()
}

struct Tube<'a> {
    id: &'a str,
    kind: &'a str,
    method: &'a str,
    collected: DateTime<FixedOffset>,
    onset_days_before: Option<i64>,
    patient: &'a str,
    override_reason: Option<&'a str>,
}

fn registration(t: &Tube<'_>) -> Value {
    let onset = t
        .onset_days_before
        .map(|n| (t.collected.date_naive() - Duration::days(n)).to_string());
    let mut body = json!({
        "specimen_id": t.id,
        "patient": {
            "name": format!("患者 {}", t.patient), "name_kana": format!("カンジャ {}", t.patient),
            "birth_date": "1980-04-01", "sex": "female", "address": "東京都新宿区西新宿2-8-1",
            "phone": "03-0000-0000", "patient_id": format!("P-{}", t.patient)
        },
        "type": t.kind,
        "collected_at": t.collected.to_rfc3339(),
        "onset_date": onset,
        "asymptomatic": false,
        "test_method": t.method,
        "ppe": ["surgical_mask", "n95", "eye_protection", "gown", "gloves"]
    });
    if let Some(r) = t.override_reason {
        body["override_reason"] = json!(r);
    }
    body
}

async fn register(app: &TestApp, token: &str, t: &Tube<'_>) {
    let (status, answer) = app.register(token, &registration(t)).await;
    assert_eq!(status, 201, "{}: {answer}", t.id);
}

/// The reason is what a correction needs (and a first result ignores).
async fn result(app: &TestApp, token: &str, id: &str, result: &str, when: DateTime<FixedOffset>) {
    let (status, body) = app
        .post(
            &format!("/api/v1/specimens/{id}/results"),
            token,
            &json!({"result": result, "resulted_at": when.to_rfc3339(), "reason": "再検査の結果"}),
        )
        .await;
    assert_eq!(status, 201, "{id}: {body}");
}

async fn store(
    app: &TestApp,
    token: &str,
    id: &str,
    location: &str,
    when: DateTime<FixedOffset>,
    reason: Option<&str>,
) {
    let mut body = json!({"location": location, "at": when.to_rfc3339()});
    if let Some(r) = reason {
        body["override_reason"] = json!(r);
    }
    let (status, answer) = app
        .post(&format!("/api/v1/specimens/{id}/storage"), token, &body)
        .await;
    assert_eq!(status, 201, "{id} → {location}: {answer}");
}

/// A day with every specimen type, method and result, an override, a
/// saliva without onset, −20 °C, a freeze–thaw and a correction; plus a
/// tube collected the day before and resulted that day, and one that is
/// not in the report at all.
async fn the_day(app: &TestApp) {
    let lab = app.token(Role::Lab);
    app.location("FRIDGE", "fridge_4c").await;
    app.location("M80", "frozen_minus80").await;
    app.location("M20", "frozen_minus20").await;
    let tubes = [
        Tube {
            id: "R-01",
            kind: "saliva",
            method: "pcr",
            collected: at(0, 9, 0),
            onset_days_before: Some(3),
            patient: "A",
            override_reason: None,
        },
        Tube {
            id: "R-02",
            kind: "nasopharyngeal_swab",
            method: "antigen_qualitative",
            collected: at(0, 9, 30),
            onset_days_before: Some(1),
            patient: "B",
            override_reason: None,
        },
        Tube {
            id: "R-03",
            kind: "sputum",
            method: "lamp",
            collected: at(0, 10, 0),
            onset_days_before: Some(2),
            patient: "C",
            override_reason: None,
        },
        Tube {
            id: "R-04",
            kind: "saliva",
            method: "pcr",
            collected: at(0, 10, 30),
            onset_days_before: Some(10),
            patient: "D",
            override_reason: Some("発症10日目だが他の検体が採取できないため"),
        },
        Tube {
            id: "R-05",
            kind: "saliva",
            method: "pcr",
            collected: at(0, 11, 0),
            onset_days_before: None,
            patient: "E",
            override_reason: None,
        },
        Tube {
            id: "R-06",
            kind: "serum_acute",
            method: "antigen_quantitative",
            collected: at(0, 11, 30),
            onset_days_before: Some(2),
            patient: "F",
            override_reason: None,
        },
        Tube {
            id: "R-07",
            kind: "stool",
            method: "pcr",
            collected: at(0, 12, 0),
            onset_days_before: Some(4),
            patient: "G",
            override_reason: None,
        },
        Tube {
            id: "R-08",
            kind: "tracheal_aspirate",
            method: "pcr",
            collected: at(-1, 15, 0),
            onset_days_before: Some(2),
            patient: "H",
            override_reason: None,
        },
        Tube {
            id: "R-09",
            kind: "whole_blood",
            method: "pcr",
            collected: at(0, 12, 30),
            onset_days_before: Some(2),
            patient: "A",
            override_reason: None,
        },
        Tube {
            id: "R-10",
            kind: "urine",
            method: "pcr",
            collected: at(-1, 16, 0),
            onset_days_before: Some(2),
            patient: "I",
            override_reason: None,
        },
        Tube {
            id: "R-11",
            kind: "serum_convalescent",
            method: "pcr",
            collected: at(0, 13, 0),
            onset_days_before: Some(20),
            patient: "J",
            override_reason: None,
        },
        Tube {
            id: "R-12",
            kind: "autopsy_tissue",
            method: "pcr",
            collected: at(0, 13, 30),
            onset_days_before: None,
            patient: "K",
            override_reason: None,
        },
    ];
    for t in &tubes {
        register(app, &lab, t).await;
    }
    result(app, &lab, "R-01", "positive", at(0, 18, 0)).await;
    result(app, &lab, "R-02", "negative", at(0, 10, 0)).await;
    result(app, &lab, "R-03", "inconclusive", at(0, 19, 0)).await;
    result(app, &lab, "R-06", "invalid", at(0, 20, 0)).await;
    result(app, &lab, "R-08", "negative", at(0, 8, 0)).await;
    // A correction: positive at 18:00, corrected to negative at 21:00.
    result(app, &lab, "R-09", "positive", at(0, 18, 0)).await;
    result(app, &lab, "R-09", "negative", at(0, 21, 0)).await;
    // −20 °C with a reason, then a freeze–thaw (frozen, then the fridge).
    store(
        app,
        &lab,
        "R-03",
        "M20",
        at(0, 10, 10),
        Some("－80℃冷凍庫が故障中"),
    )
    .await;
    store(app, &lab, "R-07", "M80", at(0, 12, 10), None).await;
    store(app, &lab, "R-07", "FRIDGE", at(0, 14, 0), None).await;
}

async fn app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The count of `key` in one of the summary's groups (0 when absent).
fn count(summary: &Value, group: &str, key: &str) -> u64 {
    summary[group]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p[0] == key)
        .map_or(0, |p| p[1].as_u64().unwrap())
}

async fn summary(app: &TestApp, token: &str) -> Value {
    let (status, s) = app
        .get(&format!("/api/v1/reports/summary?date={}", day()), token)
        .await;
    assert_eq!(status, 200, "{s}");
    s
}

/// The day's CSV (UTF-8) as records, the header first.
async fn csv_records(app: &TestApp, token: &str) -> Vec<Vec<String>> {
    let (status, _, text) = app
        .get_text(&format!("/api/v1/reports/hersys?date={}", day()), token)
        .await;
    assert_eq!(status, 200, "{text}");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

/// The cell under the Japanese header `column` in tube `id`'s row.
fn csv_cell(records: &[Vec<String>], id: &str, column: &str) -> String {
    let at = |name: &str| {
        records[0]
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let row = records
        .iter()
        .find(|r| r[at("検体番号")] == id)
        .unwrap_or_else(|| panic!("no row {id}"));
    row[at(column)].clone()
}

async fn fhir_bundle(app: &TestApp, token: &str) -> Value {
    let (status, body) = app
        .get(
            &format!("/api/v1/reports/hersys?date={}&format=fhir", day()),
            token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The resources of `kind` the bundle has for tube `id`: its Specimen, or
/// what refers to that Specimen.
fn resources_of<'a>(bundle: &'a Value, kind: &str, id: &str) -> Vec<&'a Value> {
    let entries = bundle["entry"].as_array().unwrap();
    let specimen = entries
        .iter()
        .find(|e| {
            e["resource"]["resourceType"] == "Specimen"
                && e["resource"]["identifier"][0]["value"] == id
        })
        .unwrap_or_else(|| panic!("no Specimen {id}"));
    entries
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == kind)
        .filter(|r| {
            kind == "Specimen" && r["identifier"][0]["value"] == id
                || r["specimen"]["reference"] == specimen["fullUrl"]
        })
        .collect()
}

async fn json_report(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, body) = app
        .get(
            &format!("/api/v1/reports/hersys?date={}&format=json{query}", day()),
            token,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

fn row<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["specimen_id"] == id)
        .unwrap_or_else(|| panic!("no row {id} in {report}"))
}

#[tokio::test]
async fn the_day_report_has_each_column_as_computed_by_hand() {
    let app = app().await;
    the_day(&app).await;
    let health = app.token(Role::HealthCentre);
    let report = json_report(&app, &health, "").await;
    let d = day().to_string();
    assert_eq!(report["date"], d.as_str());
    // Collected that day, or resulted that day; R-10 is neither.
    let ids: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["specimen_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["R-08", "R-01", "R-02", "R-03", "R-04", "R-05", "R-06", "R-07", "R-09", "R-11", "R-12"],
        "rows in collection order"
    );
    assert_eq!(report["count"], 11);

    let r1 = row(&report, "R-01");
    let expected = json!({
        "report_date": d, "facility_name": "テスト内科", "facility_code": "1310000001",
        "name": "患者 A", "name_kana": "カンジャ A", "sex": "female", "birth_date": "1980-04-01",
        "address": "東京都新宿区西新宿2-8-1", "phone": "03-0000-0000",
        "onset_date": (day() - Duration::days(3)).to_string(), "days_since_onset": 3,
        "collection_date": d, "test_method": "pcr", "specimen_type": "saliva",
        "result": "positive", "result_date": d, "result_version": 1, "corrected": false,
        "correction_reason": null, "result_pending": false, "asymptomatic": false,
        "assay": null, "ct": null, "loinc": "94845-5", "jlac10": null,
        "specimen_id": "R-01", "flags": [],
        "test_method_label": "核酸増幅法（PCR）", "specimen_type_label": "唾液", "result_label": "陽性",
        "flags_text": ""
    });
    for (key, value) in expected.as_object().unwrap() {
        assert!(r1.get(key).is_some(), "R-01 has no {key}: {r1}");
        if key.ends_with("_label") {
            // Labels come from domain::labels; checked non-empty here and
            // exactly in the CSV test.
            assert!(
                r1[key].as_str().is_some_and(|s| !s.is_empty()),
                "{key}: {r1}"
            );
            continue;
        }
        assert_eq!(&r1[key], value, "R-01 {key}");
    }
    assert_eq!(
        r1["collected_at"]
            .as_str()
            .map(|t| DateTime::parse_from_rfc3339(t).unwrap()),
        Some(at(0, 9, 0))
    );

    assert_eq!(row(&report, "R-02")["result"], "negative");
    assert_eq!(row(&report, "R-02")["test_method"], "antigen_qualitative");
    assert_eq!(row(&report, "R-03")["result"], "inconclusive");
    assert_eq!(row(&report, "R-03")["test_method"], "lamp");
    let r3_flags = &row(&report, "R-03")["flags"];
    assert_eq!(r3_flags[0]["code"], "minus20_fallback", "{r3_flags}");
    assert_eq!(r3_flags[0]["override_reason"], "－80℃冷凍庫が故障中");
    let r4 = row(&report, "R-04");
    assert_eq!(r4["days_since_onset"], 10);
    assert!(r4["result"].is_null() && r4["result_date"].is_null());
    assert_eq!(r4["flags"][0]["code"], "saliva_window_exceeded", "{r4}");
    assert_eq!(
        r4["flags"][0]["override_reason"],
        "発症10日目だが他の検体が採取できないため"
    );
    let r5 = row(&report, "R-05");
    assert!(r5["onset_date"].is_null() && r5["days_since_onset"].is_null());
    assert_eq!(r5["flags"][0]["code"], "saliva_onset_unknown", "{r5}");
    assert_eq!(row(&report, "R-06")["result"], "invalid");
    assert_eq!(row(&report, "R-06")["test_method"], "antigen_quantitative");
    let r7 = row(&report, "R-07");
    assert_eq!(r7["flags"][0]["code"], "freeze_thaw", "{r7}");
    let r8 = row(&report, "R-08");
    assert_eq!(
        r8["collection_date"],
        (day() - Duration::days(1)).to_string()
    );
    assert_eq!(r8["result_date"], d.as_str());
    let r9 = row(&report, "R-09");
    assert_eq!(
        (
            r9["result"].as_str(),
            r9["result_version"].as_i64(),
            r9["corrected"].as_bool()
        ),
        (Some("negative"), Some(2), Some(true))
    );
    assert_eq!(r9["correction_reason"], "再検査の結果");
    assert_eq!(r9["flags_text"], "結果訂正（第2版、理由: 再検査の結果）");
    assert_eq!(row(&report, "R-12")["specimen_type"], "autopsy_tissue");
}

#[tokio::test]
async fn the_csv_has_the_japanese_header_and_labels_and_sjis_decodes_to_the_same_text() {
    let app = app().await;
    the_day(&app).await;
    let health = app.token(Role::HealthCentre);
    let res = app
        .client
        .get(app.url(&format!("/api/v1/reports/hersys?date={}", day())))
        .bearer_auth(&health)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let utf8 = res.bytes().await.unwrap();
    assert_eq!(&utf8[..3], b"\xEF\xBB\xBF", "UTF-8 with a BOM for Excel");
    let text = std::str::from_utf8(&utf8[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "報告日,医療機関名,医療機関コード,氏名,フリガナ,性別,生年月日,住所,電話番号,発症日,発症後日数,無症状,検体採取日,検査方法,検体,結果,結果判明日,検体番号,注記"
    );
    let d = day();
    let r1 = lines.iter().find(|l| l.contains(",R-01,")).unwrap();
    assert_eq!(
        *r1,
        format!(
            "{d},テスト内科,1310000001,患者 A,カンジャ A,女,1980-04-01,東京都新宿区西新宿2-8-1,03-0000-0000,{},3,,{d},{},{},陽性,{d},R-01,",
            d - Duration::days(3),
            kentai::domain::labels::test_method_ja(kentai::domain::results::TestMethod::Pcr),
            kentai::domain::labels::specimen_type_ja(kentai::domain::SpecimenType::Saliva),
        )
    );
    assert_eq!(
        lines.len(),
        1 + 11 + 1,
        "header, 11 rows, and the final CRLF"
    );

    let res = app
        .client
        .get(app.url(&format!(
            "/api/v1/reports/hersys?date={}&encoding=sjis",
            day()
        )))
        .bearer_auth(&health)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()["kentai-sjis-replacements"],
        "0",
        "{:?}",
        res.headers().get("kentai-sjis-replaced")
    );
    let sjis = res.bytes().await.unwrap();
    let (decoded, _, had_errors) = encoding_rs::SHIFT_JIS.decode(&sjis);
    assert!(!had_errors);
    assert_eq!(
        decoded, text,
        "the Shift_JIS file decodes back to the same text"
    );
}

#[tokio::test]
async fn characters_shift_jis_cannot_hold_are_replaced_visibly_and_reported() {
    let app = app().await;
    let lab = app.token(Role::Lab);
    let mut body = common::registration("SJ-1", "nasopharyngeal_swab", 2);
    body["patient"]["name"] = json!("𠮷田 花子");
    let (status, answer) = app.register(&lab, &body).await;
    assert_eq!(status, 201, "{answer}");
    let today = DateTime::parse_from_rfc3339(body["collected_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&tokyo())
        .date_naive();
    let health = app.token(Role::HealthCentre);
    let res = app
        .client
        .get(app.url(&format!(
            "/api/v1/reports/hersys?date={today}&encoding=sjis"
        )))
        .bearer_auth(&health)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["kentai-sjis-replacements"], "1");
    assert_eq!(res.headers()["kentai-sjis-replaced"], "SJ-1 name U+20BB7");
    let bytes = res.bytes().await.unwrap();
    let (decoded, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(decoded.contains("〓田 花子"), "{decoded}");
}

#[tokio::test]
async fn report_negatives_off_leaves_out_rows_there_only_for_a_negative_result() {
    let app = spawn_app_with(|c| c.policy.report_negatives = false).await;
    the_day(&app).await;
    let admin = app.admin.clone();
    let report = json_report(&app, &admin, "").await;
    let ids: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["specimen_id"].as_str().unwrap())
        .collect();
    assert!(
        !ids.contains(&"R-08"),
        "collected the day before, negative that day: {ids:?}"
    );
    assert!(
        ids.contains(&"R-02"),
        "collected that day: kept, negative or not"
    );
}

#[tokio::test]
async fn the_report_holds_only_this_facility_and_refuses_another() {
    let app = app().await;
    the_day(&app).await;
    // Moved to another facility around kentai: its audit does not cover it.
    app.tampered
        .store(true, std::sync::atomic::Ordering::SeqCst);
    app.ctx
        .store
        .write(|c| {
            diesel::sql_query(
                "UPDATE specimens SET facility_code = '1320000002' WHERE specimen_id = 'R-02'",
            )
            .execute(c)
            .map_err(kentai::store::StoreError::from)
        })
        .unwrap();
    let admin = app.admin.clone();
    let ours = json_report(&app, &admin, "&facility=1310000001").await;
    assert_eq!(ours["count"], 10);
    assert_eq!(json_report(&app, &admin, "").await["count"], 10);
    let (status, body) = app
        .get(
            &format!(
                "/api/v1/reports/hersys?date={}&format=json&facility=1320000002",
                day()
            ),
            &admin,
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
}

#[tokio::test]
async fn the_day_summary_counts_types_methods_results_ages_flags_and_turnaround() {
    let app = app().await;
    the_day(&app).await;
    let health = app.token(Role::HealthCentre);
    let (status, s) = app
        .get(&format!("/api/v1/reports/summary?date={}", day()), &health)
        .await;
    assert_eq!(status, 200, "{s}");
    let count = |group: &str, key: &str| count(&s, group, key);
    assert_eq!(s["rows"], 11);
    assert_eq!(s["collected"], 10);
    assert_eq!(s["resulted"], 6, "R-01, R-02, R-03, R-06, R-08, R-09");
    assert_eq!(count("by_specimen_type", "saliva"), 3);
    assert_eq!(count("by_specimen_type", "stool"), 1);
    assert_eq!(count("by_method", "pcr"), 8);
    assert_eq!(count("by_method", "lamp"), 1);
    assert_eq!(count("by_result", "negative"), 3);
    assert_eq!(count("by_result", "positive"), 1);
    assert_eq!(count("by_result", "pending"), 5);
    assert_eq!(count("by_age_band", "40-49"), 11);
    assert_eq!(
        s["overrides"], 2,
        "R-04's saliva override and R-03's −20 °C"
    );
    assert_eq!(count("by_flag", "freeze_thaw"), 1);
    assert_eq!(count("by_flag", "corrected_result"), 1);
    // Turnaround (hours): R-01 9, R-02 0.5, R-03 9, R-06 8.5, R-08 17, R-09 8.5.
    assert_eq!(s["turnaround_hours_median"], 8.5);
    assert_eq!(s["turnaround_hours_p90"], 17.0);

    let (status, _, html) = app
        .get_text(
            &format!("/api/v1/reports/summary?date={}&format=html", day()),
            &health,
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<table") && html.contains("報告件数"),
        "{html}"
    );
}

#[tokio::test]
async fn only_the_health_centre_and_admin_read_reports_and_bad_queries_are_400() {
    let app = app().await;
    for (role, expected) in [
        (Role::Reception, 403),
        (Role::Lab, 403),
        (Role::HealthCentre, 200),
        (Role::Admin, 200),
    ] {
        let token = app.token(role);
        let (status, _, _) = app
            .get_text(&format!("/api/v1/reports/hersys?date={}", day()), &token)
            .await;
        assert_eq!(status, expected, "{role:?}");
        let (status, _) = app
            .get(&format!("/api/v1/reports/summary?date={}", day()), &token)
            .await;
        assert_eq!(status, expected, "{role:?} summary");
    }
    let admin = app.admin.clone();
    for query in [
        "date=2026-13-01",
        "date=x",
        "",
        "date=2026-11-01&format=xml",
        "date=2026-11-01&encoding=latin1",
        "date=2026-11-01&format=json&encoding=sjis",
        "date=2026-11-01&what=1",
    ] {
        let (status, body) = app
            .get(&format!("/api/v1/reports/hersys?{query}"), &admin)
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input", "{query}");
    }
}

#[tokio::test]
async fn kentai_report_hersys_writes_the_same_report_on_stdout() {
    let app = app().await;
    the_day(&app).await;
    // The CLI reads the same database; SQLite only (the test database URL
    // of PostgreSQL runs is not this one's).
    let url = app.ctx.config.database.clone();
    if !url.starts_with("sqlite") {
        return;
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args([
            "report",
            "hersys",
            "--date",
            &day().to_string(),
            "--format",
            "json",
            "--database",
            &url,
        ])
        .env_remove("KENTAI_CONFIG")
        // The CLI reports the facility its configuration names, as the
        // server does.
        .env("KENTAI_SITE__FACILITY_CODE", app.ctx.facility())
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli["count"], 11);
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args([
            "report",
            "hersys",
            "--date",
            &day().to_string(),
            "--format",
            "xml",
            "--database",
            &url,
        ])
        .env_remove("KENTAI_CONFIG")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test]
async fn every_report_and_summary_format_answers_as_the_openapi_document_declares() {
    let app = app().await;
    the_day(&app).await;
    let admin = app.admin.clone();
    let (status, doc) = app.get("/api/openapi.json", &admin).await;
    assert_eq!(status, 200, "{doc}");
    let hersys = "/api/v1/reports/hersys";
    let summary = "/api/v1/reports/summary";
    for (template, param, values) in [
        (hersys, "format", &["csv", "json", "fhir"][..]),
        (hersys, "encoding", &["utf8", "sjis"][..]),
        (summary, "format", &["json", "html"][..]),
    ] {
        let (media_types, listed) = documented(&doc, template, param);
        assert_eq!(listed, values, "{template}: the values of {param}");
        for value in values {
            let path = format!("{template}?date={}&{param}={value}", day());
            let (status, content_type, body) = app.get_text(&path, &admin).await;
            assert_eq!(status, 200, "{path}: {body}");
            let media_type = content_type.split(';').next().unwrap_or_default().trim();
            assert!(
                media_types.iter().any(|m| m == media_type),
                "{path} answered {content_type:?}; the document declares {media_types:?}"
            );
        }
    }
    // The summary's counts are `[label, count]` pairs, in the document too.
    let (_, s) = app.get(&format!("{summary}?date={}", day()), &admin).await;
    let schema = &doc["components"]["schemas"]["DaySummary"]["properties"];
    for group in [
        "by_specimen_type",
        "by_method",
        "by_result",
        "by_age_band",
        "by_flag",
    ] {
        assert_eq!(schema[group]["type"], "array", "{group}: {}", schema[group]);
        assert_eq!(schema[group]["items"]["type"], "array", "{group}");
        assert_eq!(schema[group]["items"]["minItems"], 2, "{group}");
        assert_eq!(schema[group]["items"]["maxItems"], 2, "{group}");
        for pair in s[group].as_array().expect(group) {
            assert!(pair[0].is_string() && pair[1].is_u64(), "{group}: {pair}");
        }
    }
}

#[tokio::test]
async fn a_result_not_known_yet_reads_kekka_machi_in_the_csv_and_in_json_words_and_stays_null_in_json_codes(
) {
    let app = app().await;
    the_day(&app).await;
    let health = app.token(Role::HealthCentre);
    let report = json_report(&app, &health, "").await;
    let pending: Vec<&Value> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["result"].is_null())
        .collect();
    assert_eq!(pending.len(), 5, "{report}");
    for r in &pending {
        assert_eq!(r["result_label"], "結果待ち", "{r}");
    }
    let known = row(&report, "R-01");
    assert_eq!(known["result"], "positive");
    assert_eq!(known["result_label"], "陽性");

    let (status, _, csv) = app
        .get_text(&format!("/api/v1/reports/hersys?date={}", day()), &health)
        .await;
    assert_eq!(status, 200);
    // 結果 is the 16th column: the same word wherever the result is not
    // known, and never an empty cell.
    let results: Vec<String> = csv
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').nth(15).unwrap_or_default().to_string())
        .collect();
    assert_eq!(results.len(), 11);
    assert_eq!(
        results.iter().filter(|r| *r == "結果待ち").count(),
        5,
        "{csv}"
    );
    assert!(results.iter().all(|r| !r.is_empty()), "{csv}");
    // The summary and the page say the same word.
    assert_eq!(
        kentai::web::text::reports::REPORTS_JA.pending,
        kentai::domain::labels::RESULT_PENDING_JA
    );
    assert_eq!(kentai::domain::labels::SUMMARY_JA.pending, "結果待ち");
}

#[tokio::test]
async fn each_download_is_saved_under_a_name_that_says_its_day_facility_and_encoding() {
    let app = app().await;
    the_day(&app).await;
    let health = app.token(Role::HealthCentre);
    let d = day();
    for (query, name) in [
        ("", format!("hersys-{d}-utf8.csv")),
        ("&format=csv&encoding=utf8", format!("hersys-{d}-utf8.csv")),
        ("&encoding=sjis", format!("hersys-{d}-sjis.csv")),
        (
            "&encoding=sjis&facility=1310000001",
            format!("hersys-{d}-1310000001-sjis.csv"),
        ),
        ("&format=json", format!("hersys-{d}.json")),
        ("&format=fhir", format!("hersys-{d}.fhir.json")),
    ] {
        let res = app
            .client
            .get(app.url(&format!("/api/v1/reports/hersys?date={d}{query}")))
            .bearer_auth(&health)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{query}");
        assert_eq!(
            res.headers()["content-disposition"].to_str().unwrap(),
            format!("attachment; filename=\"{name}\""),
            "{query}"
        );
    }
}

/// A PCR assay as a site configures it, with its LOINC and a JLAC10 (made
/// up for the test: a site copies its own from the JLAC10 tables).
fn sars2() -> Assay {
    Assay {
        name: "sars2".into(),
        method: TestMethod::Pcr,
        targets: vec!["N1".into()],
        internal_control: Some("RP".into()),
        ct_cutoff: 40.0,
        internal_control_cutoff: None,
        ntc_names: Vec::new(),
        positive_control_names: Vec::new(),
        positive_control_ct_range: None,
        rule: AssayRule::AnyTarget,
        loinc: Some("94500-6".into()),
        jlac10: Some("JLAC10TESTCODE001".into()),
    }
}

fn swab<'a>(id: &'a str, patient: &'a str) -> Tube<'a> {
    Tube {
        id,
        kind: "nasopharyngeal_swab",
        method: "pcr",
        collected: at(0, 9, 0),
        onset_days_before: Some(2),
        patient,
        override_reason: None,
    }
}

#[tokio::test]
async fn a_pcr_result_reports_its_ct_per_target_and_its_assay_with_the_configured_codes() {
    let app = spawn_app_with(|c| c.assays.push(sars2())).await;
    let lab = app.token(Role::Lab);
    register(&app, &lab, &swab("CT-1", "A")).await;
    let (status, body) = app
        .post(
            "/api/v1/specimens/CT-1/results",
            &lab,
            &json!({"result": "positive", "resulted_at": at(0, 15, 0).to_rfc3339(),
                    "ct": {"N1": 24.1, "RP": null}, "assay": "sars2"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let health = app.token(Role::HealthCentre);

    let report = json_report(&app, &health, "").await;
    let r = row(&report, "CT-1");
    assert_eq!(r["ct"], json!({"N1": 24.1, "RP": null}));
    assert_eq!(r["assay"], "sars2");
    assert_eq!(r["loinc"], "94500-6");
    assert_eq!(r["jlac10"], "JLAC10TESTCODE001");

    let bundle = fhir_bundle(&app, &health).await;
    let obs = resources_of(&bundle, "Observation", "CT-1");
    assert_eq!(obs.len(), 1, "{bundle}");
    let codes: Vec<(&str, &str)> = obs[0]["code"]["coding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["system"].as_str().unwrap(), c["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("http://loinc.org", "94500-6"),
            ("urn:oid:1.2.392.200119.4.504", "JLAC10TESTCODE001")
        ]
    );
    assert_eq!(
        obs[0]["method"]["text"],
        "核酸増幅検査（PCR）（検査系: sars2）"
    );
    let components = obs[0]["component"].as_array().unwrap();
    assert_eq!(components.len(), 2, "{}", obs[0]);
    assert_eq!(components[0]["code"]["text"], "N1");
    assert_eq!(components[0]["valueQuantity"]["value"], 24.1);
    assert_eq!(components[0]["valueQuantity"]["code"], "{Ct_value}");
    assert_eq!(components[1]["code"]["text"], "RP");
    assert!(components[1].get("valueQuantity").is_none());
    assert_eq!(
        components[1]["dataAbsentReason"]["coding"][0]["code"],
        "not-applicable"
    );
}

#[tokio::test]
async fn an_asymptomatic_patient_is_marked_in_the_csv_column_in_json_and_on_the_fhir_specimen() {
    let app = app().await;
    let lab = app.token(Role::Lab);
    let mut body = registration(&Tube {
        onset_days_before: None,
        ..swab("AS-1", "A")
    });
    body["asymptomatic"] = json!(true);
    let (status, answer) = app.register(&lab, &body).await;
    assert_eq!(status, 201, "{answer}");
    register(&app, &lab, &swab("SY-1", "B")).await;
    let health = app.token(Role::HealthCentre);

    let records = csv_records(&app, &health).await;
    assert_eq!(csv_cell(&records, "AS-1", "無症状"), "○");
    assert_eq!(csv_cell(&records, "SY-1", "無症状"), "");
    let report = json_report(&app, &health, "").await;
    assert_eq!(row(&report, "AS-1")["asymptomatic"], true);
    assert_eq!(row(&report, "SY-1")["asymptomatic"], false);
    let bundle = fhir_bundle(&app, &health).await;
    let specimen = resources_of(&bundle, "Specimen", "AS-1");
    assert_eq!(specimen[0]["note"][0]["text"], "無症状 [asymptomatic]");
    assert!(resources_of(&bundle, "Specimen", "SY-1")[0]
        .get("note")
        .is_none());
}

#[tokio::test]
async fn a_corrections_reason_is_in_the_csv_notes_and_the_fhir_observation() {
    let app = app().await;
    the_day(&app).await;
    let health = app.token(Role::HealthCentre);
    let records = csv_records(&app, &health).await;
    assert_eq!(
        csv_cell(&records, "R-09", "注記"),
        "結果訂正（第2版、理由: 再検査の結果）"
    );
    let bundle = fhir_bundle(&app, &health).await;
    let obs = resources_of(&bundle, "Observation", "R-09");
    assert_eq!(obs[0]["status"], "corrected");
    assert_eq!(
        obs[0]["note"][0]["text"],
        "結果訂正（第2版、理由: 再検査の結果）"
    );
}

#[tokio::test]
async fn under_second_person_release_an_entered_result_is_pending_until_another_user_releases_it() {
    let app = spawn_app_with(|c| c.policy.result_release = ReleasePolicy::SecondPerson).await;
    let entering = app.token(Role::Lab);
    let releasing = app.token(Role::Lab);
    register(&app, &entering, &swab("SP-1", "A")).await;
    result(&app, &entering, "SP-1", "positive", at(0, 15, 0)).await;
    let health = app.token(Role::HealthCentre);

    // Entered: not in the report, listed as pending.
    let report = json_report(&app, &health, "").await;
    let r = row(&report, "SP-1");
    assert!(r["result"].is_null(), "{r}");
    assert_eq!(r["result_label"], "結果待ち");
    assert_eq!(r["result_pending"], true);
    assert_eq!(r["flags"][0]["code"], "result_pending_release", "{r}");
    let records = csv_records(&app, &health).await;
    assert_eq!(csv_cell(&records, "SP-1", "結果"), "結果待ち");
    assert_eq!(
        csv_cell(&records, "SP-1", "注記"),
        "結果（第1版）は承認待ち"
    );
    assert!(resources_of(&fhir_bundle(&app, &health).await, "Observation", "SP-1").is_empty());
    let s = summary(&app, &health).await;
    assert_eq!(count(&s, "by_result", "pending"), 1);
    assert_eq!(count(&s, "by_result", "positive"), 0);
    assert_eq!(count(&s, "by_flag", "result_pending_release"), 1);
    assert_eq!(s["resulted"], 0);
    let (status, _, html) = app
        .get_text(
            &format!("/api/v1/reports/summary?date={}&format=html", day()),
            &health,
        )
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("結果承認待ち"), "{html}");

    // Released by someone else: reported, and counted.
    let (status, body) = app
        .post(
            "/api/v1/specimens/SP-1/results/1/release",
            &releasing,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let report = json_report(&app, &health, "").await;
    let r = row(&report, "SP-1");
    assert_eq!(r["result"], "positive");
    assert_eq!(r["result_pending"], false);
    assert_eq!(r["flags"], json!([]));
    let records = csv_records(&app, &health).await;
    assert_eq!(csv_cell(&records, "SP-1", "結果"), "陽性");
    assert_eq!(csv_cell(&records, "SP-1", "注記"), "");
    assert_eq!(
        resources_of(&fhir_bundle(&app, &health).await, "Observation", "SP-1").len(),
        1
    );
    let s = summary(&app, &health).await;
    assert_eq!(count(&s, "by_result", "pending"), 0);
    assert_eq!(count(&s, "by_result", "positive"), 1);
    assert_eq!(count(&s, "by_flag", "result_pending_release"), 0);
    assert_eq!(s["resulted"], 1);
}
