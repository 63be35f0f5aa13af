//! The API under load and under bad input: concurrent registrations keep
//! exactly the rows they should, and every malformed or refused request
//! answers 400/422 in the contract's error shape without touching the
//! database.

use crate::common::*;
use futures::future::join_all;
use kentai::domain::roles::Role;
use serde_json::{json, Value};

/// Rows of `audit_log` with this action.
fn audit_actions(app: &TestApp, action: &str) -> i64 {
    app.count(&format!("audit_log WHERE action = '{action}'"))
}

/// How a bad request's body is sent.
enum Payload {
    /// Serialised as JSON with `Content-Type: application/json`.
    Json(Value),
    /// These bytes with this content type (or none).
    Raw(Option<&'static str>, Vec<u8>),
}

/// POSTs `payload` to `path` with `token`; returns status and parsed body.
async fn post_payload(app: &TestApp, path: &str, token: &str, payload: &Payload) -> (u16, Value) {
    match payload {
        Payload::Json(v) => app.post(path, token, v).await,
        Payload::Raw(content_type, bytes) => {
            let mut req = app.client.post(app.url(path)).bearer_auth(token);
            if let Some(ct) = content_type {
                req = req.header("content-type", *ct);
            }
            let res = req.body(bytes.clone()).send().await.expect("request");
            let status = res.status().as_u16();
            let text = res.text().await.expect("body");
            let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
            (status, body)
        }
    }
}

/// Sends every case and checks it is refused with `status` and an error
/// code (`code` when given), leaving every table as it was.
async fn assert_all_refused(
    app: &TestApp,
    path: &str,
    token: &str,
    cases: Vec<(&str, Payload, u16, Option<&str>)>,
) {
    for (name, payload, status, code) in cases {
        let before = app.snapshot();
        let (got, body) = post_payload(app, path, token, &payload).await;
        assert_eq!(got, status, "{path} {name}: {body}");
        let error = &body["error"];
        let got_code = error["code"].as_str();
        assert!(got_code.is_some(), "{path} {name}: no error.code in {body}");
        if let Some(code) = code {
            assert_eq!(got_code, Some(code), "{path} {name}: {body}");
        }
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{path} {name}: no error.message in {body}"
        );
        assert_eq!(app.snapshot(), before, "{path} {name} changed the database");
    }
}

/// `registration(...)` with `edit` applied.
fn registration_with(id: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut body = registration(id, "saliva", 3);
    edit(&mut body);
    body
}

#[tokio::test]
async fn sixty_four_concurrent_registrations_of_distinct_specimens_are_all_stored() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let ids: Vec<String> = (0..64).map(|i| format!("CONC-{i:02}")).collect();
    let bodies: Vec<Value> = ids.iter().map(|id| registration(id, "saliva", 3)).collect();

    let answers = join_all(bodies.iter().map(|b| app.register(&reception, b))).await;

    for (id, (status, body)) in ids.iter().zip(&answers) {
        assert_eq!(*status, 201, "{id}: {body}");
        assert_eq!(body["specimen"]["specimen_id"], id.as_str(), "{body}");
    }
    assert_eq!(app.count("specimens"), 64);
    assert_eq!(app.count("patients"), 64);
    assert_eq!(audit_actions(&app, "specimen.register"), 64);
    let paths: Vec<String> = ids
        .iter()
        .map(|id| format!("/api/v1/specimens/{id}"))
        .collect();
    let reads = join_all(paths.iter().map(|p| app.get(p, &reception))).await;
    for (id, (status, body)) in ids.iter().zip(&reads) {
        assert_eq!(*status, 200, "{id}: {body}");
        assert_eq!(body["specimen_id"], id.as_str(), "{body}");
        assert_eq!(body["type"], "saliva", "{body}");
    }
}

#[tokio::test]
async fn sixty_four_concurrent_identical_registrations_store_exactly_one() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let body = registration("SAME-1", "saliva", 3);

    let answers = join_all((0..64).map(|_| app.register(&reception, &body))).await;

    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    let repeated = answers.iter().filter(|(s, _)| *s == 200).count();
    for (status, body) in &answers {
        assert!(
            *status == 201 || *status == 200,
            "an identical re-post must answer 201 or 200: {status} {body}"
        );
        assert_eq!(body["specimen"]["specimen_id"], "SAME-1", "{body}");
        assert_eq!(body["specimen"]["days_since_onset"], 3, "{body}");
    }
    assert_eq!((created, repeated), (1, 63));
    assert_eq!(app.count("specimens"), 1);
    assert_eq!(app.count("patients"), 1);
    assert_eq!(audit_actions(&app, "specimen.register"), 1);
    assert_eq!(audit_actions(&app, "patient.create"), 1);
}

#[tokio::test]
async fn sixty_four_concurrent_specimens_of_one_new_patient_create_one_patient() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let bodies: Vec<Value> = (0..64)
        .map(|i| {
            registration_with(&format!("PAT-{i:02}"), |b| {
                b["patient"]["patient_id"] = json!("P-SHARED-1");
            })
        })
        .collect();

    let answers = join_all(bodies.iter().map(|b| app.register(&reception, b))).await;

    for (status, body) in &answers {
        assert_eq!(*status, 201, "{body}");
    }
    assert_eq!(app.count("specimens"), 64);
    assert_eq!(app.count("patients"), 1);
    assert_eq!(audit_actions(&app, "patient.create"), 1);
    assert_eq!(
        app.count("specimens WHERE patient_ref = (SELECT id FROM patients)"),
        64
    );
    let (status, body) = app.get("/api/v1/specimens/PAT-63", &reception).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["patient"]["patient_id"], "P-SHARED-1", "{body}");
}

#[tokio::test]
async fn malformed_registrations_are_refused_with_invalid_input_and_change_nothing() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    // One stored specimen, so "unchanged" is measured against a non-empty
    // database.
    let (status, body) = app
        .register(&reception, &registration("OK-1", "saliva", 3))
        .await;
    assert_eq!(status, 201, "{body}");

    let valid = serde_json::to_vec(&registration("NEW-1", "saliva", 3)).unwrap();
    let mut huge = registration("HUGE-1", "saliva", 3);
    huge["patient"]["address"] = json!("東".repeat(350_000));
    let huge = serde_json::to_vec(&huge).unwrap();
    assert!(
        huge.len() >= 1_000_000,
        "the huge body is {} bytes",
        huge.len()
    );

    const CONTROL: [(&str, char); 6] = [
        ("NUL", '\u{0}'),
        ("GS", '\u{1d}'),
        ("CR", '\r'),
        ("LF", '\n'),
        ("TAB", '\t'),
        ("DEL", '\u{7f}'),
    ];
    let control_names: Vec<String> = CONTROL
        .iter()
        .map(|(what, _)| format!("a specimen_id containing {what}"))
        .collect();
    let mut cases: Vec<(&str, Payload, u16, Option<&str>)> = vec![
        (
            "malformed JSON",
            Payload::Raw(
                Some("application/json"),
                br#"{"specimen_id": "X-1", "patient": {"#.to_vec(),
            ),
            400,
            Some("invalid_input"),
        ),
        (
            "empty body",
            Payload::Raw(Some("application/json"), Vec::new()),
            400,
            Some("invalid_input"),
        ),
        (
            "a JSON array instead of an object",
            Payload::Json(json!([registration("ARR-1", "saliva", 3)])),
            400,
            Some("invalid_input"),
        ),
        (
            "a duplicated specimen_id key",
            Payload::Raw(
                Some("application/json"),
                String::from_utf8(valid.clone())
                    .unwrap()
                    .replacen('{', r#"{"specimen_id":"DUP-KEY","#, 1)
                    .into_bytes(),
            ),
            400,
            Some("invalid_input"),
        ),
        (
            "the fields as a positional array",
            Payload::Json({
                // In the struct's field order, which serde would accept.
                let r = registration("POS-1", "saliva", 3);
                json!([
                    r["specimen_id"],
                    r["patient"],
                    r["type"],
                    r["collected_at"],
                    r["onset_date"],
                    r["asymptomatic"],
                    r["test_method"]
                ])
            }),
            400,
            Some("invalid_input"),
        ),
        (
            "JSON null",
            Payload::Json(Value::Null),
            400,
            Some("invalid_input"),
        ),
        (
            "an unknown top-level field",
            Payload::Json(registration_with("UNK-1", |b| b["colour"] = json!("red"))),
            400,
            Some("invalid_input"),
        ),
        (
            "an unknown patient field",
            Payload::Json(registration_with("UNK-2", |b| {
                b["patient"]["blood_type"] = json!("A")
            })),
            400,
            Some("invalid_input"),
        ),
        (
            "a number for specimen_id",
            Payload::Json(registration_with("X", |b| b["specimen_id"] = json!(12345))),
            400,
            Some("invalid_input"),
        ),
        (
            "a string for asymptomatic",
            Payload::Json(registration_with("TYPE-2", |b| {
                b["asymptomatic"] = json!("false")
            })),
            400,
            Some("invalid_input"),
        ),
        (
            "a missing patient",
            Payload::Json(registration_with("MISS-1", |b| {
                b.as_object_mut().unwrap().remove("patient");
            })),
            400,
            Some("invalid_input"),
        ),
        (
            "an impossible onset date 2026-02-30",
            Payload::Json(registration_with("DATE-1", |b| {
                b["onset_date"] = json!("2026-02-30")
            })),
            400,
            Some("invalid_input"),
        ),
        (
            "an impossible collected_at month 13",
            Payload::Json(registration_with("DATE-2", |b| {
                b["collected_at"] = json!("2026-13-01T10:00:00+09:00")
            })),
            400,
            Some("invalid_input"),
        ),
        (
            "a collected_at without an offset",
            Payload::Json(registration_with("DATE-3", |b| {
                b["collected_at"] = json!("2026-01-05T10:00:00")
            })),
            400,
            Some("invalid_input"),
        ),
        (
            "an unknown specimen type",
            Payload::Json(registration_with("TYPE-3", |b| b["type"] = json!("earwax"))),
            400,
            Some("invalid_input"),
        ),
        (
            "an unknown sex",
            Payload::Json(registration_with("SEX-1", |b| {
                b["patient"]["sex"] = json!("m")
            })),
            400,
            Some("invalid_input"),
        ),
        (
            "a body of about 1 MB",
            Payload::Raw(Some("application/json"), huge),
            413,
            Some("invalid_input"),
        ),
        (
            "an empty specimen_id",
            Payload::Json(registration_with("X", |b| b["specimen_id"] = json!(""))),
            400,
            Some("invalid_input"),
        ),
        (
            "a specimen_id of 81 characters",
            Payload::Json(registration_with("X", |b| {
                b["specimen_id"] = json!("A".repeat(81))
            })),
            400,
            Some("invalid_input"),
        ),
        (
            "a specimen_id with a leading space",
            Payload::Json(registration_with("X", |b| b["specimen_id"] = json!(" T-9"))),
            400,
            Some("invalid_input"),
        ),
        (
            "a blank patient name",
            Payload::Json(registration_with("NAME-1", |b| {
                b["patient"]["name"] = json!("   ")
            })),
            400,
            Some("invalid_input"),
        ),
        (
            "a patient name with a NUL",
            Payload::Json(registration_with("NAME-2", |b| {
                b["patient"]["name"] = json!("山田\u{0}太郎")
            })),
            400,
            Some("invalid_input"),
        ),
        (
            "volume_ml of 0",
            Payload::Json(registration_with("VOL-1", |b| b["volume_ml"] = json!(0))),
            400,
            Some("invalid_input"),
        ),
        (
            "a negative volume_ml",
            Payload::Json(registration_with("VOL-2", |b| b["volume_ml"] = json!(-1.5))),
            400,
            Some("invalid_input"),
        ),
        (
            "volume_ml of 1e9",
            Payload::Json(registration_with("VOL-3", |b| b["volume_ml"] = json!(1e9))),
            400,
            Some("invalid_input"),
        ),
        (
            "volume_ml beyond f64 (1e400)",
            Payload::Raw(
                Some("application/json"),
                String::from_utf8(serde_json::to_vec(&registration("VOL-4", "saliva", 3)).unwrap())
                    .unwrap()
                    .replacen('{', r#"{"volume_ml":1e400,"#, 1)
                    .into_bytes(),
            ),
            400,
            Some("invalid_input"),
        ),
        (
            "no Content-Type",
            Payload::Raw(None, valid.clone()),
            400,
            Some("invalid_input"),
        ),
        (
            "a text/plain Content-Type",
            Payload::Raw(Some("text/plain"), valid.clone()),
            400,
            Some("invalid_input"),
        ),
        (
            "an asymptomatic patient with an onset date",
            Payload::Json(registration_with("ASYM-1", |b| {
                b["asymptomatic"] = json!(true)
            })),
            400,
            Some("invalid_input"),
        ),
        // Well-formed, but a rule refuses it: 422 with the rule's code.
        (
            "an onset after the collection",
            Payload::Json(registration("RULE-1", "saliva", -2)),
            422,
            Some("onset_after_collection"),
        ),
        (
            "saliva on day 12 without an override",
            Payload::Json(registration("RULE-2", "saliva", 12)),
            422,
            Some("saliva_window_exceeded"),
        ),
    ];
    for ((_, c), name) in CONTROL.iter().zip(&control_names) {
        cases.push((
            name.as_str(),
            Payload::Json(registration_with("X", |b| {
                b["specimen_id"] = json!(format!("T-{c}1"))
            })),
            400,
            Some("invalid_input"),
        ));
    }
    assert_all_refused(&app, "/api/v1/specimens", &reception, cases).await;

    // The valid body the Content-Type cases carried is accepted as JSON.
    let (status, body) = app.post_raw("/api/v1/specimens", &reception, valid).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn malformed_location_bodies_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    app.location("F-1", "fridge_4c").await;
    let admin = app.admin.clone();
    let loc = |code: Value, name: Value, class: Value| json!({"code": code, "name": name, "storage_class": class});
    let cases: Vec<(&str, Payload, u16, Option<&str>)> = vec![
        (
            "malformed JSON",
            Payload::Raw(Some("application/json"), b"{\"code\": ".to_vec()),
            400,
            Some("invalid_input"),
        ),
        (
            "the fields as a positional array",
            Payload::Json(json!(["F-2", "Fridge", "fridge_4c"])),
            400,
            Some("invalid_input"),
        ),
        (
            "an unknown storage class",
            Payload::Json(loc(json!("F-2"), json!("Fridge"), json!("fridge_8c"))),
            400,
            Some("invalid_input"),
        ),
        (
            "an empty code",
            Payload::Json(loc(json!(""), json!("Fridge"), json!("fridge_4c"))),
            400,
            Some("invalid_input"),
        ),
        (
            "a code with a line feed",
            Payload::Json(loc(json!("F-\n2"), json!("Fridge"), json!("fridge_4c"))),
            400,
            Some("invalid_input"),
        ),
        (
            "a code of 81 characters",
            Payload::Json(loc(
                json!("F".repeat(81)),
                json!("Fridge"),
                json!("fridge_4c"),
            )),
            400,
            Some("invalid_input"),
        ),
        (
            "a blank name",
            Payload::Json(loc(json!("F-3"), json!("  "), json!("fridge_4c"))),
            400,
            Some("invalid_input"),
        ),
        (
            "a number for the code",
            Payload::Json(loc(json!(7), json!("Fridge"), json!("fridge_4c"))),
            400,
            Some("invalid_input"),
        ),
        (
            "an unknown field",
            Payload::Json(
                json!({"code": "F-4", "name": "Fridge", "storage_class": "fridge_4c", "celsius": 4}),
            ),
            400,
            Some("invalid_input"),
        ),
        (
            "a missing storage class",
            Payload::Json(json!({"code": "F-5", "name": "Fridge"})),
            400,
            Some("invalid_input"),
        ),
        (
            "a text/plain Content-Type",
            Payload::Raw(
                Some("text/plain"),
                br#"{"code":"F-6","name":"Fridge","storage_class":"fridge_4c"}"#.to_vec(),
            ),
            400,
            Some("invalid_input"),
        ),
        (
            "the same code with another class",
            Payload::Json(loc(json!("F-1"), json!("fridge_4c F-1"), json!("ambient"))),
            409,
            None,
        ),
    ];
    assert_all_refused(&app, "/api/v1/locations", &admin, cases).await;
}

#[tokio::test]
async fn malformed_storage_bodies_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    app.location("F-1", "fridge_4c").await;
    let (status, body) = app
        .register(&reception, &registration("S-1", "saliva", 3))
        .await;
    assert_eq!(status, 201, "{body}");
    let cases: Vec<(&str, Payload, u16, Option<&str>)> = vec![
        (
            "malformed JSON",
            Payload::Raw(Some("application/json"), b"{location: F-1}".to_vec()),
            400,
            Some("invalid_input"),
        ),
        (
            "a JSON array",
            Payload::Json(json!(["F-1"])),
            400,
            Some("invalid_input"),
        ),
        (
            "an unknown field",
            Payload::Json(json!({"location": "F-1", "shelf": 2})),
            400,
            Some("invalid_input"),
        ),
        (
            "an empty location",
            Payload::Json(json!({"location": ""})),
            400,
            Some("invalid_input"),
        ),
        (
            "a location with a carriage return",
            Payload::Json(json!({"location": "F-1\r"})),
            400,
            Some("invalid_input"),
        ),
        (
            "an impossible time",
            Payload::Json(json!({"location": "F-1", "at": "2026-02-30T10:00:00+09:00"})),
            400,
            Some("invalid_input"),
        ),
        (
            "a number for the location",
            Payload::Json(json!({"location": 1})),
            400,
            Some("invalid_input"),
        ),
        (
            "no Content-Type",
            Payload::Raw(None, br#"{"location":"F-1"}"#.to_vec()),
            400,
            Some("invalid_input"),
        ),
        (
            "an unknown location",
            Payload::Json(json!({"location": "NOWHERE"})),
            404,
            Some("unknown_location"),
        ),
    ];
    assert_all_refused(&app, "/api/v1/specimens/S-1/storage", &reception, cases).await;
}

#[tokio::test]
async fn malformed_result_bodies_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let (status, body) = app.register(&lab, &registration("R-1", "saliva", 3)).await;
    assert_eq!(status, 201, "{body}");
    let resulted_at = (chrono::Utc::now() - chrono::Duration::minutes(10)).to_rfc3339();
    let cases: Vec<(&str, Payload, u16, Option<&str>)> = vec![
        (
            "malformed JSON",
            Payload::Raw(
                Some("application/json"),
                b"{\"result\": \"positive\"".to_vec(),
            ),
            400,
            Some("invalid_input"),
        ),
        (
            "the fields as a positional array",
            Payload::Json(json!(["negative", "pcr", resulted_at])),
            400,
            Some("invalid_input"),
        ),
        (
            "an unknown result",
            Payload::Json(json!({"result": "maybe", "resulted_at": resulted_at})),
            400,
            Some("invalid_input"),
        ),
        (
            "an unknown method",
            Payload::Json(
                json!({"result": "negative", "method": "culture", "resulted_at": resulted_at}),
            ),
            400,
            Some("invalid_input"),
        ),
        (
            "a missing resulted_at",
            Payload::Json(json!({"result": "negative"})),
            400,
            Some("invalid_input"),
        ),
        (
            "an impossible resulted_at",
            Payload::Json(
                json!({"result": "negative", "resulted_at": "2026-13-01T10:00:00+09:00"}),
            ),
            400,
            Some("invalid_input"),
        ),
        (
            "an unknown field",
            Payload::Json(json!({"result": "negative", "resulted_at": resulted_at, "ct": 31.5})),
            400,
            Some("invalid_input"),
        ),
        (
            "a text/plain Content-Type",
            Payload::Raw(
                Some("text/plain"),
                serde_json::to_vec(&json!({"result": "negative", "resulted_at": resulted_at}))
                    .unwrap(),
            ),
            400,
            Some("invalid_input"),
        ),
    ];
    assert_all_refused(&app, "/api/v1/specimens/R-1/results", &lab, cases).await;

    let (status, body) = app
        .post(
            "/api/v1/specimens/R-1/results",
            &lab,
            &json!({"result": "negative", "resulted_at": resulted_at}),
        )
        .await;
    assert_eq!(status, 201, "the well-formed result is recorded: {body}");
}

#[tokio::test]
async fn an_unknown_route_answers_404_not_found_in_the_error_shape() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/api/v1/nope",
        "/api/v1/specimens/X/nope",
        "/api/v2/specimens",
    ] {
        let (status, body) = app.get(path, &app.admin).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "{path}: {body}");
        assert!(body["error"]["message"].is_string(), "{path}: {body}");
    }
}

#[tokio::test]
async fn a_wrong_method_on_a_known_route_is_refused_without_a_server_error() {
    let app = spawn_app().await;
    let cases = [
        (reqwest::Method::POST, "/healthz"),
        (reqwest::Method::DELETE, "/api/v1/specimens"),
        (reqwest::Method::DELETE, "/api/v1/specimens/X"),
        (reqwest::Method::PUT, "/api/v1/users"),
        (reqwest::Method::PATCH, "/api/v1/locations"),
        (reqwest::Method::GET, "/api/v1/specimens/X/storage"),
        (reqwest::Method::DELETE, "/api/v1/me"),
    ];
    for (method, path) in cases {
        let res = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(&app.admin)
            .json(&json!({}))
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        assert!(
            status == 405 || status == 404,
            "{method} {path}: expected 405 or 404, got {status} {text}"
        );
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: {status} with a non-JSON body {text:?}"));
        assert!(
            body["error"]["code"].is_string() && body["error"]["message"].is_string(),
            "{method} {path}: {status} {body}"
        );
    }
    assert_eq!(app.count("specimens"), 0);
}
