//! Patient identity: a registration never rewrites who a patient is; a
//! mismatch is refused with the fields; a correction is its own action,
//! with a reason, kept as a version; reports show the current identity
//! and say it was corrected; patients are keyed per facility.

use crate::common::{registration, spawn_app, TestApp};
use kentai::domain::roles::Role;
use serde_json::{json, Value};

fn fields(res: &Value) -> Vec<String> {
    res["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// A registration of `specimen_id` for patient "P-1" with `patient`'s
/// fields over the default identity.
fn for_p1(specimen_id: &str, patient: Value) -> Value {
    let mut body = registration(specimen_id, "nasopharyngeal_swab", 2);
    body["patient"]["patient_id"] = json!("P-1");
    if let (Some(base), Some(extra)) = (body["patient"].as_object_mut(), patient.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    body
}

async fn registered(app: &TestApp, specimen_id: &str, patient: Value) -> Value {
    let (status, res) = app
        .register(&app.admin, &for_p1(specimen_id, patient))
        .await;
    assert_eq!(status, 201, "{specimen_id}: {res}");
    res
}

async fn audit_rows(app: &TestApp, action: &str) -> Vec<Value> {
    let (status, log) = app.get("/api/v1/audit?limit=1000", &app.admin).await;
    assert_eq!(status, 200, "{log}");
    log.as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r["action"] == action)
        .collect()
}

#[tokio::test]
async fn a_known_patient_number_with_another_persons_details_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    registered(&app, "T-1", json!({})).await;
    let reception = app.token(Role::Reception);
    let before = app.snapshot();
    let other = json!({
        "name": "鈴木 花子", "name_kana": "スズキ ハナコ", "birth_date": "1991-02-03",
        "sex": "female", "address": "大阪府大阪市北区1-1", "phone": "06-1111-2222"
    });
    let (status, res) = app.register(&reception, &for_p1("T-2", other)).await;
    assert_eq!(status, 409, "{res}");
    assert_eq!(res["error"]["code"], "patient_mismatch");
    assert_eq!(
        fields(&res),
        ["name", "name_kana", "birth_date", "sex", "address", "phone"]
    );
    let message = res["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("P-1") && message.contains("氏名"),
        "{message}"
    );
    assert_eq!(
        app.snapshot(),
        before,
        "a refused registration writes nothing"
    );
    // The first specimen still shows its own patient.
    let (_, s) = app.get("/api/v1/specimens/T-1", &app.admin).await;
    assert_eq!(s["patient"]["name"], "山田 太郎");

    // One field is enough, and the answer names only it.
    let (status, res) = app
        .register(&reception, &for_p1("T-2", json!({"phone": "03-9999-9999"})))
        .await;
    assert_eq!(status, 409, "{res}");
    assert_eq!(fields(&res), ["phone"]);
    assert_eq!(app.snapshot(), before);

    // English on request.
    let (status, res) = app
        .post(
            "/api/v1/specimens?lang=en",
            &reception,
            &for_p1("T-2", json!({"phone": "03-9999-9999"})),
        )
        .await;
    assert_eq!(status, 409);
    let message = res["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("already registered with a different phone"),
        "{message}"
    );
}

#[tokio::test]
async fn the_same_person_written_differently_or_with_less_is_the_same_patient() {
    let app = spawn_app().await;
    registered(&app, "T-1", json!({})).await;
    let before = app.count("patient_versions");
    // Full-width spaces, hiragana for katakana, a phone without hyphens,
    // and fields left out are not different details.
    registered(
        &app,
        "T-2",
        json!({"name": "山田　太郎", "name_kana": "やまだ たろう", "phone": "0300000000"}),
    )
    .await;
    registered(
        &app,
        "T-3",
        json!({"name_kana": null, "birth_date": null, "sex": "unknown", "address": null, "phone": null}),
    )
    .await;
    assert_eq!(app.count("patients"), 1);
    assert_eq!(
        app.count("patient_versions"),
        before,
        "nothing was rewritten"
    );
    let (_, s) = app.get("/api/v1/specimens/T-3", &app.admin).await;
    assert_eq!(
        s["patient"]["name_kana"], "ヤマダ タロウ",
        "the record keeps its kana"
    );
}

#[tokio::test]
async fn what_the_record_lacks_is_filled_in_as_a_new_version_never_overwritten() {
    let app = spawn_app().await;
    registered(
        &app,
        "T-1",
        json!({"name_kana": null, "address": null, "phone": null}),
    )
    .await;
    registered(&app, "T-2", json!({})).await;
    let (status, p) = app.get("/api/v1/patients/P-1", &app.admin).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["version"], 2);
    assert_eq!(p["corrected"], false);
    assert_eq!(p["phone"], "03-0000-0000");
    let versions = p["versions"].as_array().cloned().unwrap_or_default();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["kind"], "registered");
    assert_eq!(versions[0]["phone"], Value::Null);
    assert_eq!(versions[1]["kind"], "completed");
    assert_eq!(
        versions[1]["changed"],
        json!(["name_kana", "address", "phone"])
    );
    let completed = audit_rows(&app, "patient.complete").await;
    assert_eq!(completed.len(), 1);
    assert_eq!(completed[0]["before"]["identity"]["phone"], Value::Null);
    assert_eq!(completed[0]["after"]["identity"]["phone"], "03-0000-0000");
}

#[tokio::test]
async fn a_correction_needs_lab_or_admin_and_a_reason_and_is_kept_as_a_version() {
    let app = spawn_app().await;
    registered(&app, "T-1", json!({})).await;
    let (status, res) = app
        .post(
            "/api/v1/specimens/T-1/results",
            &app.admin,
            &json!({"result": "negative", "resulted_at": chrono::Utc::now().to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 201, "{res}");
    let lab = app.token(Role::Lab);
    let reception = app.token(Role::Reception);
    let path = "/api/v1/patients/P-1";
    let change = json!({"name": "山田 大郎", "birth_date": "1980-04-11", "reason": "保険証で確認、誤記を訂正"});
    let before = app.snapshot();

    let (status, res) = app.patch(path, &reception, &change).await;
    assert_eq!(status, 403, "{res}");
    let (status, res) = app.patch(path, &lab, &json!({"name": "山田 大郎"})).await;
    assert_eq!(status, 400, "a correction without a reason: {res}");
    let (status, res) = app.patch(path, &lab, &json!({"reason": "確認"})).await;
    assert_eq!(status, 400, "nothing to correct: {res}");
    let (status, res) = app
        .patch(
            path,
            &lab,
            &json!({"name": "山田 大郎", "reason": "確認", "patient_id": "P-2"}),
        )
        .await;
    assert_eq!(
        status, 400,
        "the patient number is not an identity field: {res}"
    );
    let (status, res) = app.patch("/api/v1/patients/P-404", &lab, &change).await;
    assert_eq!(status, 404, "{res}");
    assert_eq!(res["error"]["code"], "unknown_patient");
    assert_eq!(app.snapshot(), before, "refused corrections change nothing");

    let (status, p) = app.patch(path, &lab, &change).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["name"], "山田 大郎");
    assert_eq!(p["version"], 2);
    assert_eq!(p["corrected"], true);
    let versions = p["versions"].as_array().cloned().unwrap_or_default();
    assert_eq!(versions[0]["name"], "山田 太郎", "the old identity is kept");
    assert_eq!(versions[1]["kind"], "corrected");
    assert_eq!(versions[1]["reason"], "保険証で確認、誤記を訂正");
    assert_eq!(versions[1]["changed"], json!(["name", "birth_date"]));

    // The same correction again changes nothing.
    let (status, again) = app.patch(path, &lab, &change).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["version"], 2);

    // The audit row holds both identities.
    let rows = audit_rows(&app, "patient.correct").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["before"]["identity"]["name"], "山田 太郎");
    assert_eq!(rows[0]["after"]["identity"]["name"], "山田 大郎");
    assert_eq!(rows[0]["after"]["reason"], "保険証で確認、誤記を訂正");

    // A null clears an optional field.
    let (status, p) = app
        .patch(
            path,
            &app.admin,
            &json!({"address": null, "reason": "転居のため削除"}),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["address"], Value::Null);
    assert_eq!(p["version"], 3);

    // Every specimen shows the current identity; a registration with the
    // old name is now the mismatch.
    let (_, s) = app.get("/api/v1/specimens/T-1", &app.admin).await;
    assert_eq!(s["patient"]["name"], "山田 大郎");
    let (status, res) = app.register(&app.admin, &for_p1("T-2", json!({}))).await;
    assert_eq!(status, 409, "{res}");
    assert!(fields(&res).contains(&"name".to_string()), "{res}");

    // The day's report: the current identity and a note that it changed.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let health = app.token(Role::HealthCentre);
    let (status, report) = app
        .get(
            &format!("/api/v1/reports/hersys?date={today}&format=json"),
            &health,
        )
        .await;
    assert_eq!(status, 200, "{report}");
    let row = &report["rows"][0];
    assert_eq!(row["name"], "山田 大郎");
    let codes: Vec<&str> = row["flags"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["code"].as_str()).collect())
        .unwrap_or_default();
    assert!(codes.contains(&"patient_corrected"), "{row}");
    assert!(
        row["flags_text"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("患者情報を {today} に訂正")),
        "{row}"
    );
    let (status, _, csv) = app
        .get_text(&format!("/api/v1/reports/hersys?date={today}"), &health)
        .await;
    assert_eq!(status, 200);
    assert!(
        csv.contains("山田 大郎") && csv.contains("患者情報を"),
        "{csv}"
    );
    assert!(
        !csv.contains("山田 太郎"),
        "only the current identity is reported"
    );
}

#[tokio::test]
async fn reception_reads_a_patient_to_prefill_the_form_and_an_unknown_number_is_404() {
    let app = spawn_app().await;
    registered(&app, "T-1", json!({})).await;
    let reception = app.token(Role::Reception);
    let (status, p) = app.get("/api/v1/patients/P-1", &reception).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["patient_id"], "P-1");
    assert_eq!(p["name_kana"], "ヤマダ タロウ");
    assert_eq!(p["specimens"], json!(["T-1"]));
    let (status, res) = app.get("/api/v1/patients/P-2", &reception).await;
    assert_eq!(status, 404, "{res}");
    assert_eq!(res["error"]["code"], "unknown_patient");
    let health = app.token(Role::HealthCentre);
    let (status, _) = app.get("/api/v1/patients/P-1", &health).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn the_same_patient_number_at_another_facility_is_another_patient() {
    let app = spawn_app().await;
    // Another clinic's patient P-1 in the same database (a shared
    // PostgreSQL, say): same number, another person. Written around
    // kentai, so its audit does not cover it.
    app.tampered
        .store(true, std::sync::atomic::Ordering::SeqCst);
    app.ctx
        .store
        .write(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query(
                "INSERT INTO patients (patient_key, patient_number, name, sex, updated_at, facility_code, version) \
                 VALUES ('id:P-1', 'P-1', '別の人', 'female', CURRENT_TIMESTAMP, '9999999999', 1)",
            )
            .execute(c)
            .map_err(kentai::store::StoreError::from)
        })
        .expect("other clinic's patient");
    registered(&app, "T-1", json!({})).await;
    assert_eq!(app.count("patients"), 2);
    let (_, p) = app.get("/api/v1/patients/P-1", &app.admin).await;
    assert_eq!(p["name"], "山田 太郎");
    assert_eq!(p["facility_code"], "1310000001");
}
