//! The patient page: the current identity and its versions for reception,
//! the correction form for the lab and admin (a reason required, the old
//! version kept), and nothing changed by a refused correction.

use crate::common::{registration, spawn_app, TestApp};
use kentai::domain::roles::Role;

async fn patient(app: &TestApp) {
    let (status, res) = app
        .register(&app.admin, &registration("WP-1", "nasopharyngeal_swab", 2))
        .await;
    assert_eq!(status, 201, "{res}");
}

/// The correction form's fields as the page fills them, with `changes`.
fn fields<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut out = vec![
        ("name", "山田 太郎"),
        ("name_kana", "ヤマダ タロウ"),
        ("birth_date", "1980-04-01"),
        ("sex", "male"),
        ("address", "東京都新宿区1-1"),
        ("phone", "03-0000-0000"),
        ("reason", ""),
    ];
    for (k, v) in changes {
        if let Some(f) = out.iter_mut().find(|(name, _)| name == k) {
            f.1 = v;
        }
    }
    out
}

#[tokio::test]
async fn reception_sees_the_patient_and_their_versions_but_no_correction_form() {
    let app = spawn_app().await;
    patient(&app).await;
    let clerk = app.sign_in(&app.token(Role::Reception)).await;
    let (status, html) = app.page(&clerk, "/patients/P-WP-1").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("現在の患者情報") && html.contains("山田 太郎"),
        "{html}"
    );
    assert!(
        html.contains("href=\"/specimens/WP-1\""),
        "the patient's specimens are linked"
    );
    assert!(
        !html.contains("name=\"reason\""),
        "reception may not correct"
    );
    let before = app.snapshot();
    let mut form = vec![("csrf", clerk.csrf.as_str())];
    form.extend(fields(&[("name", "山田 次郎"), ("reason", "確認")]));
    let (status, _, html) = app.submit(&clerk, "/patients/P-WP-1", &form).await;
    assert_eq!(status, 403, "{html}");
    assert_eq!(app.snapshot(), before);
    let (status, _) = app.page(&clerk, "/patients/P-NOWHERE").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_lab_corrects_a_birth_date_with_a_reason_and_the_old_version_stays_in_view() {
    let app = spawn_app().await;
    patient(&app).await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let (status, html) = app.page(&lab, "/patients/P-WP-1").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("患者情報の訂正") && html.contains("name=\"reason\""),
        "{html}"
    );
    assert!(
        html.contains("value=\"1980-04-01\""),
        "the form holds the record: {html}"
    );

    // Without a reason: refused in words next to the form, the field
    // marked, the typed values kept, nothing written.
    let before = app.snapshot();
    let (status, _, html) = app
        .submit_with_csrf(
            &lab,
            "/patients/P-WP-1",
            &fields(&[("birth_date", "1980-04-11")]),
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains("「理由」（reason）が入力されていません"),
        "{html}"
    );
    assert!(html.contains("aria-invalid=\"true\""), "{html}");
    assert!(
        html.contains("value=\"1980-04-11\""),
        "the form keeps what was typed"
    );
    assert_eq!(app.snapshot(), before);

    // With a reason: a new version, back to the page at the versions.
    let (status, location, _) = app
        .submit_with_csrf(
            &lab,
            "/patients/P-WP-1",
            &fields(&[("birth_date", "1980-04-11"), ("reason", "保険証で確認")]),
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/patients/P-WP-1?done=corrected#versions-title");
    let (_, html) = app.page(&lab, "/patients/P-WP-1?done=corrected").await;
    assert!(html.contains("患者情報を訂正しました。"), "{html}");
    assert!(
        html.contains("第2版") && html.contains("訂正あり"),
        "{html}"
    );
    assert!(
        html.contains("1980-04-11") && html.contains("1980-04-01"),
        "both versions: {html}"
    );
    assert!(html.contains("保険証で確認"), "the reason is shown");
    let (_, p) = app.get("/api/v1/patients/P-WP-1", &app.admin).await;
    assert_eq!(p["birth_date"], "1980-04-11");
    assert_eq!(
        p["versions"][1]["changed"],
        serde_json::json!(["birth_date"])
    );

    // Sending the page's form unchanged changes nothing.
    let (status, location, _) = app
        .submit_with_csrf(
            &lab,
            "/patients/P-WP-1",
            &fields(&[("birth_date", "1980-04-11"), ("reason", "もう一度")]),
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.contains("done=unchanged"), "{location}");
    assert_eq!(app.count("patient_versions"), 2);
}
