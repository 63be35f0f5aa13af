//! Input that spoofs what a page, a spreadsheet or a header shows, each
//! tried as an attacker would: names and ids with bidi controls,
//! zero-width characters and line separators; birth dates no patient has;
//! formulas behind full-width signs and invisible prefixes; a specimen id
//! that forges entries in `Kentai-Sjis-Replaced`; HTML and SVG from the
//! API without a content security policy.

use crate::common::*;
use serde_json::{json, Value};

/// The characters that make a page show something other than what is
/// stored: right-to-left override, zero-width space, BOM, line separator.
const SPOOFS: [char; 4] = ['\u{202E}', '\u{200B}', '\u{FEFF}', '\u{2028}'];

/// The day of the collections `registration` makes (an hour ago): in the
/// first hour after midnight at the site, yesterday.
fn collection_day() -> chrono::NaiveDate {
    collected(1, 0)
        .0
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
}

/// Asserts a 400 `invalid_input` naming `field` and the character's
/// position.
fn assert_refused_at(status: u16, body: &Value, field: &str, position: usize, what: &str) {
    assert_eq!(status, 400, "{what}: {body}");
    assert_eq!(body["error"]["code"], "invalid_input", "{what}: {body}");
    assert_eq!(body["error"]["field"], field, "{what}: {body}");
    assert_eq!(body["error"]["position"], position, "{what}: {body}");
}

#[tokio::test]
async fn names_and_ids_holding_bidi_zero_width_or_line_separator_characters_are_refused_with_their_position(
) {
    let app = spawn_app().await;
    app.location("FRIDGE", "fridge_4c").await;
    let (status, body) = app
        .register(&app.admin, &registration("HY-0", "nasopharyngeal_swab", 2))
        .await;
    assert_eq!(status, 201, "{body}");
    let before = app.snapshot();
    for c in SPOOFS {
        let what = format!("U+{:04X}", u32::from(c));
        // Patient fields: name, kana, address, patient number.
        for (field, key) in [
            ("patient.name", "name"),
            ("patient.name_kana", "name_kana"),
            ("patient.address", "address"),
            ("patient.patient_id", "patient_id"),
        ] {
            let mut body = registration("HY-1", "nasopharyngeal_swab", 2);
            body["patient"][key] = json!(format!("ab{c}cd"));
            let (status, res) = app.register(&app.admin, &body).await;
            assert_refused_at(status, &res, field, 2, &format!("{field} {what}"));
        }
        // The override reason is shown with the specimen: a free text like
        // the others.
        let mut body = registration("HY-1", "nasopharyngeal_swab", 2);
        body["override_reason"] = json!(format!("確認済み{c}"));
        let (status, res) = app.register(&app.admin, &body).await;
        assert_refused_at(status, &res, "override_reason", 4, &what);
        // The tube's own id.
        let body = registration(&format!("HY{c}2"), "nasopharyngeal_swab", 2);
        let (status, res) = app.register(&app.admin, &body).await;
        assert_refused_at(
            status,
            &res,
            "specimen_id",
            2,
            &format!("specimen_id {what}"),
        );
        // A storage location's code and name.
        let (status, res) = app
            .post(
                "/api/v1/locations",
                &app.admin,
                &json!({"code": format!("F{c}1"), "name": "冷蔵庫", "storage_class": "fridge_4c"}),
            )
            .await;
        assert_eq!(status, 400, "location code {what}: {res}");
        assert_eq!(res["error"]["code"], "invalid_input", "{res}");
        assert_eq!(res["error"]["position"], 1, "location code {what}: {res}");
        let (status, res) = app
            .post(
                "/api/v1/locations",
                &app.admin,
                &json!({"code": "F-2", "name": format!("冷蔵庫{c}"), "storage_class": "fridge_4c"}),
            )
            .await;
        assert_refused_at(status, &res, "name", 3, &format!("location name {what}"));
        // A user's name.
        let (status, res) = app
            .post(
                "/api/v1/users",
                &app.admin,
                &json!({"name": format!("clerk{c}"), "role": "reception"}),
            )
            .await;
        assert_refused_at(status, &res, "name", 5, &format!("user name {what}"));
        // A package's consignee.
        let (status, res) = app
            .post(
                "/api/v1/packages",
                &app.admin,
                &json!({"carrier": "category_b_carrier", "consignee": {
                    "name": format!("{c}研究センター"), "address": "東京都新宿区百人町3-24-1",
                    "phone": "03-3363-3231"
                }}),
            )
            .await;
        assert_refused_at(
            status,
            &res,
            "consignee.name",
            0,
            &format!("consignee {what}"),
        );
        // A patient correction's new name and its reason.
        for (change, field, position) in [
            (
                json!({"name": format!("山田{c}花子"), "reason": "誤記"}),
                "patient.name",
                2,
            ),
            (
                json!({"name": "山田 花子", "reason": format!("誤記{c}")}),
                "reason",
                2,
            ),
        ] {
            let (status, res) = app
                .patch("/api/v1/patients/P-HY-0", &app.admin, &change)
                .await;
            assert_refused_at(status, &res, field, position, &format!("correction {what}"));
        }
        // A scan's data.
        let (status, res) = app
            .post(
                "/api/v1/scans",
                &app.admin,
                &json!({"station": "reception-1", "data": format!("HY-0{c}")}),
            )
            .await;
        assert_refused_at(status, &res, "data", 4, &format!("scan {what}"));
    }
    assert_eq!(app.snapshot(), before, "nothing refused was stored");
    // Japanese names with an ideographic space and a variation selector
    // (葛 with its IVS) are names, not spoofs.
    let mut body = registration("HY-3", "nasopharyngeal_swab", 2);
    body["patient"]["name"] = json!("葛\u{E0100}城　花子");
    let (status, res) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{res}");
}

#[tokio::test]
async fn a_birth_date_of_0001_01_01_or_in_the_future_is_refused_at_registration_and_correction() {
    let app = spawn_app().await;
    let (status, body) = app
        .register(&app.admin, &registration("BD-0", "nasopharyngeal_swab", 2))
        .await;
    assert_eq!(status, 201, "{body}");
    let before = app.snapshot();
    let tomorrow = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
        + chrono::Duration::days(1);
    for birth in [
        "0001-01-01".to_string(),
        "1900-01-01".to_string(),
        tomorrow.to_string(),
    ] {
        let mut body = registration("BD-1", "nasopharyngeal_swab", 2);
        body["patient"]["birth_date"] = json!(birth);
        let (status, res) = app.register(&app.admin, &body).await;
        assert_eq!(status, 400, "{birth}: {res}");
        assert_eq!(res["error"]["code"], "invalid_input", "{birth}: {res}");
        assert_eq!(res["error"]["field"], "patient.birth_date", "{res}");
        let (status, res) = app
            .patch(
                "/api/v1/patients/P-BD-0",
                &app.admin,
                &json!({"birth_date": birth, "reason": "保険証で確認"}),
            )
            .await;
        assert_eq!(status, 400, "correction to {birth}: {res}");
        assert_eq!(res["error"]["field"], "patient.birth_date", "{res}");
    }
    assert_eq!(app.snapshot(), before);
    let mut body = registration("BD-2", "nasopharyngeal_swab", 2);
    body["patient"]["birth_date"] = json!("1900-01-02");
    let (status, res) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{res}");
}

#[tokio::test]
async fn a_report_guards_full_width_and_space_prefixed_formulas() {
    let app = spawn_app().await;
    let mut body = registration("FX-1", "nasopharyngeal_swab", 2);
    body["patient"]["name"] = json!("＝1+2");
    body["patient"]["name_kana"] = json!("\u{3000}=3+4");
    body["patient"]["address"] = json!("＠SUM(A1)");
    let (status, res) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{res}");
    let (status, _, csv) = app
        .get_text(
            &format!("/api/v1/reports/hersys?date={}", collection_day()),
            &app.admin,
        )
        .await;
    assert_eq!(status, 200);
    let row = csv
        .lines()
        .find(|l| l.contains("FX-1"))
        .unwrap_or_else(|| panic!("no row: {csv}"));
    for cell in ["'＝1+2", "'\u{3000}=3+4", "'＠SUM(A1)"] {
        assert!(row.split(',').any(|c| c == cell), "{cell:?} not in {row:?}");
    }
}

#[tokio::test]
async fn a_specimen_id_cannot_add_entries_to_the_sjis_replaced_header() {
    let app = spawn_app().await;
    let forged = "SJ-9; FAKE-1 name U+0041; FAKE-2 address U+0042";
    let mut body = registration(forged, "nasopharyngeal_swab", 2);
    body["patient"]["name"] = json!("𠮷田 花子");
    let (status, res) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{res}");
    let res = app
        .client
        .get(app.url(&format!(
            "/api/v1/reports/hersys?date={}&encoding=sjis",
            collection_day()
        )))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("report");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["kentai-sjis-replacements"], "1");
    let header = res.headers()["kentai-sjis-replaced"]
        .to_str()
        .expect("ASCII header");
    let entries: Vec<&str> = header.split("; ").collect();
    assert_eq!(entries.len(), 1, "one replacement, one entry: {header}");
    assert_eq!(entries[0].split(' ').count(), 3, "{header}");
    assert!(entries[0].ends_with(" name U+20BB7"), "{header}");
    assert!(!header.contains("FAKE-1 name"), "{header}");
}

/// Asserts nosniff, and for a document a policy that runs no script.
fn assert_protected(res: &reqwest::Response, what: &str) {
    let headers = res.headers();
    assert_eq!(
        headers
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff"),
        "{what}: {headers:?}"
    );
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("text/html") || content_type.starts_with("image/svg+xml") {
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: {content_type} without a CSP: {headers:?}"));
        assert!(
            !csp.contains("unsafe-eval")
                && (csp.contains("default-src 'none'") || csp.contains("script-src 'self'")),
            "{what}: {csp}"
        );
    }
}

#[tokio::test]
async fn every_html_and_svg_answer_carries_a_content_security_policy_and_nosniff() {
    let app = spawn_app().await;
    app.location("FRIDGE", "fridge_4c").await;
    let (status, res) = app
        .register(&app.admin, &registration("CSP-1", "nasopharyngeal_swab", 2))
        .await;
    assert_eq!(status, 201, "{res}");
    let (status, res) = app
        .post(
            "/api/v1/packages",
            &app.admin,
            &json!({"carrier": "category_b_carrier", "consignee": {
                "name": "東京都健康安全研究センター", "address": "東京都新宿区百人町3-24-1",
                "phone": "03-3363-3231"
            }}),
        )
        .await;
    assert_eq!(status, 201, "{res}");
    let package = res["package_id"].as_str().expect("package_id").to_string();
    let documents = [
        (
            "/api/v1/specimens/CSP-1/label?format=svg".to_string(),
            "image/svg+xml",
        ),
        (
            "/api/v1/locations/FRIDGE/label?format=svg".to_string(),
            "image/svg+xml",
        ),
        (
            "/api/v1/labels/commands?format=svg".to_string(),
            "image/svg+xml",
        ),
        (format!("/api/v1/packages/{package}/label"), "image/svg+xml"),
        (
            format!("/api/v1/packages/{package}/slip?format=html"),
            "text/html",
        ),
        (
            format!(
                "/api/v1/reports/summary?date={}&format=html",
                collection_day()
            ),
            "text/html",
        ),
    ];
    for (path, kind) in &documents {
        let res = app
            .client
            .get(app.url(path))
            .bearer_auth(&app.admin)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), 200, "{path}");
        let content_type = res.headers()["content-type"].to_str().unwrap_or_default();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        assert_protected(&res, path);
    }
    // Pages, JSON, an error and an unauthenticated answer: nosniff too.
    for (path, token) in [
        ("/signin", None),
        ("/api/v1/me", Some(app.admin.as_str())),
        ("/api/v1/nowhere", Some(app.admin.as_str())),
        ("/api/v1/me", None),
        ("/healthz", None),
    ] {
        let mut req = app.client.get(app.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request");
        assert_protected(&res, path);
    }
}
