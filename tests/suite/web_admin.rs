//! The admin pages without a browser: the overview, users and
//! their tokens, stations and the scanners' live state, locations, the kit
//! catalog and the policy in force. Every form needs the session's CSRF
//! token; every other role gets 403 with no data on every admin route; a
//! refused form shows the page again with the coded reason and changes
//! nothing; a token is shown once, on the answer to its form.

use crate::common::*;
use kentai::config::ScannerConfig;
use kentai::domain::kits::{KitEntry, SwabMaterial};
use kentai::domain::roles::Role;
use kentai::domain::SpecimenType;
use kentai::web::text::admin::{ADMIN_EN, ADMIN_JA};
use serde_json::json;
use std::time::{Duration, Instant};

/// Every admin page a browser GETs.
const GET_PAGES: [&str; 8] = [
    "/admin",
    "/admin/users",
    "/admin/stations",
    "/admin/locations",
    "/admin/kits",
    "/admin/policy",
    "/admin/locations/labels",
    "/admin/system",
];

/// Every admin form target (`{id}` is a user's id).
const POST_PAGES: [&str; 6] = [
    "/admin/users",
    "/admin/users/{id}/disable",
    "/admin/users/{id}/enable",
    "/admin/users/{id}/token",
    "/admin/locations",
    "/admin/kits",
];

/// A catalogued kit from the configuration (kentai.toml's `[[kit]]`).
const CONFIG_GTIN: &str = "04987654321018";

fn with_kit(config: &mut kentai::config::Config) {
    with_stations(config);
    config.kits.push(KitEntry {
        gtin: "4987654321018".into(),
        specimen_type: SpecimenType::NasopharyngealSwab,
        swab_material: SwabMaterial::Flocked,
        description: "設定ファイルの鼻咽頭キット".into(),
    });
}

async fn app() -> TestApp {
    spawn_app_with(with_kit).await
}

/// Posts the create-location form.
async fn create_location(
    app: &TestApp,
    session: &WebSession,
    code: &str,
    name: &str,
    class: &str,
) -> (u16, String, String) {
    let fields = [("code", code), ("name", name), ("storage_class", class)];
    app.submit_with_csrf(session, "/admin/locations", &fields)
        .await
}

/// Posts the create-kit form for a nasopharyngeal swab kit.
async fn create_kit(
    app: &TestApp,
    session: &WebSession,
    gtin: &str,
    material: &str,
) -> (u16, String, String) {
    let fields = [
        ("gtin", gtin),
        ("specimen_type", "nasopharyngeal_swab"),
        ("swab_material", material),
        ("description", "綿棒の鼻咽頭キット"),
    ];
    app.submit_with_csrf(session, "/admin/kits", &fields).await
}

/// The token a token page shows.
fn shown_token(html: &str) -> Option<String> {
    let start = html.find("id=\"new-token\">")? + "id=\"new-token\">".len();
    html[start..].split('<').next().map(str::to_string)
}

fn h1_count(html: &str) -> usize {
    html.matches("<h1").count()
}

/// The table row (`<tr …>…</tr>`) that mentions `needle`.
fn row_with<'a>(html: &'a str, needle: &str) -> &'a str {
    html.split("<tr")
        .find(|r| r.contains(needle))
        .and_then(|r| r.split("</tr>").next())
        .unwrap_or_else(|| panic!("no row with {needle:?} in {html}"))
}

#[tokio::test]
async fn every_admin_page_answers_an_admin_with_one_h1_and_csrf_on_every_form() {
    let app = app().await;
    let session = app.sign_in(&app.admin).await;
    for path in GET_PAGES {
        let (status, html) = app.page(&session, path).await;
        assert_eq!(status, 200, "{path}: {html}");
        assert!(html.contains("<html lang=\"ja\""), "{path}");
        assert_eq!(h1_count(&html), 1, "{path}: one h1");
        // Every form posts back with the session's CSRF token (the
        // sign-out form in the header included).
        let forms = html.matches("<form method=\"post\"").count();
        let tokens = html
            .matches(&format!(
                "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
                session.csrf
            ))
            .count();
        assert!(forms >= 1, "{path}");
        assert_eq!(forms, tokens, "{path}: a form without the CSRF token");
        assert!(
            html.contains("aria-current=\"page\""),
            "{path}: the menu marks the page"
        );
    }
}

#[tokio::test]
async fn the_overview_links_each_admin_page_and_counts_what_it_holds() {
    let app = app().await;
    app.api_user("uketsuke-1", "reception").await;
    let (id, _) = app.api_user("kensa-1", "lab").await;
    let (status, _) = app.set_disabled(&app.admin, id, true).await;
    assert_eq!(status, 200);
    app.location("F-1", "fridge_4c").await;
    app.location("B-1", "ambient").await;
    let session = app.sign_in(&app.admin).await;
    let (status, html) = app.page(&session, "/admin").await;
    assert_eq!(status, 200, "{html}");
    // The labels sheet is reached from the locations page.
    for path in GET_PAGES[1..].iter().filter(|p| !p.ends_with("/labels")) {
        assert!(html.contains(&format!("href=\"{path}\"")), "{path}: {html}");
    }
    // admin, the four station users and the two made here.
    assert!(html.contains("7人（有効 6人・無効 1人）"), "{html}");
    assert!(html.contains("ステーション 4か所"), "{html}");
    assert!(
        html.contains("スキャナー 0台（接続中 0台・未接続 0台）"),
        "{html}"
    );
    assert!(html.contains(">2か所<"), "locations: {html}");
    assert!(html.contains(">1件<"), "the configured kit: {html}");
    assert!(
        html.contains("唾液は9日目まで・未凍結は48時間まで"),
        "the policy in a line: {html}"
    );
}

#[tokio::test]
async fn creating_a_user_through_the_form_shows_the_token_once_and_that_token_signs_in() {
    let app = app().await;
    let session = app.sign_in(&app.admin).await;
    let (status, html) = app.page(&session, "/admin/users").await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"name\""), "the create form: {html}");
    for role in ["reception", "lab", "health_centre", "admin"] {
        assert!(
            html.contains(&format!("<option value=\"{role}\"")),
            "{role}"
        );
    }

    let res = app
        .post_form(
            &session,
            "/admin/users",
            &[
                ("csrf", session.csrf.as_str()),
                ("name", " kensa-hanako "),
                ("role", "lab"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 201, "an answer, not a redirect");
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let html = res.text().await.expect("page");
    let token = shown_token(&html).expect("the token on the page");
    assert!(token.starts_with("kt_"), "{token}");
    assert!(html.contains(ADMIN_JA.token_once), "{html}");
    assert!(html.contains("kensa-hanako（検査室）"), "{html}");
    assert_eq!(h1_count(&html), 1);

    // The token signs in as that user, with that role.
    let (status, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me, json!({"name": "kensa-hanako", "role": "lab"}));
    let res = app.post_sign_in(&token, None).await;
    assert_eq!(res.status().as_u16(), 303);

    // The list shows the user, never the token again.
    let (_, html) = app.page(&session, "/admin/users").await;
    let row = row_with(&html, "kensa-hanako");
    assert!(row.contains("検査室") && row.contains("有効"), "{row}");
    assert!(!html.contains(&token[3..]), "the token is shown again");

    // The same name again: the form again, with the coded reason.
    let before = app.snapshot();
    let (status, _, html) = app
        .submit_with_csrf(
            &session,
            "/admin/users",
            &[("name", "kensa-hanako"), ("role", "admin")],
        )
        .await;
    assert_eq!(status, 409, "{html}");
    assert_refused(&html, "duplicate_user");
    assert!(html.contains("同じ名前の利用者がすでにいます"), "{html}");
    assert!(shown_token(&html).is_none(), "a token on a refusal");
    assert!(
        html.contains("value=\"kensa-hanako\""),
        "the form keeps what was typed"
    );
    assert_eq!(app.snapshot(), before, "a refused user was written");

    for (name, role) in [("", "lab"), ("x", "superuser"), ("a\u{7}b", "lab")] {
        let (status, _, html) = app
            .submit_with_csrf(&session, "/admin/users", &[("name", name), ("role", role)])
            .await;
        assert_eq!(status, 400, "{name:?} {role:?}: {html}");
        assert_refused(&html, "invalid_input");
        assert!(html.contains("入力の形式が正しくありません"), "{html}");
    }
    assert_eq!(app.snapshot(), before, "a bad user was written");
}

#[tokio::test]
async fn disabling_and_enabling_through_the_forms_redirects_back_and_ends_the_users_sessions() {
    let app = app().await;
    let (id, token) = app.api_user("uketsuke-taro", "reception").await;
    let theirs = app.sign_in(&token).await;
    let session = app.sign_in(&app.admin).await;
    let (_, html) = app.page(&session, "/admin/users").await;
    let row = row_with(&html, "uketsuke-taro");
    assert!(
        row.contains(&format!("action=\"/admin/users/{id}/disable\"")),
        "{row}"
    );
    // The row's buttons name the user to a screen reader.
    assert!(
        row.contains("無効にする<span class=\"visually-hidden\">: uketsuke-taro</span>"),
        "{row}"
    );

    let (status, location, _) = app
        .submit_with_csrf(&session, &format!("/admin/users/{id}/disable"), &[])
        .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/admin/users?done=user_disabled");
    let (status, html) = app.page(&session, &location).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("role=\"status\">{}", ADMIN_JA.done_user_disabled)),
        "{html}"
    );
    let row = row_with(&html, "uketsuke-taro");
    assert!(row.contains("無効"), "{row}");
    assert!(
        row.contains(&format!("action=\"/admin/users/{id}/enable\"")),
        "{row}"
    );
    assert_eq!(
        app.page(&theirs, "/stations").await.0,
        303,
        "still signed in"
    );
    assert_eq!(app.get("/api/v1/me", &token).await.0, 401);

    let (status, location, _) = app
        .submit_with_csrf(&session, &format!("/admin/users/{id}/enable"), &[])
        .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/admin/users?done=user_enabled");
    assert_eq!(app.get("/api/v1/me", &token).await.0, 200);

    // A done key that is not ours says nothing.
    let (_, html) = app
        .page(&session, "/admin/users?done=%3Cb%3Ehello%3C%2Fb%3E")
        .await;
    assert!(!html.contains("role=\"status\""), "{html}");
    assert!(!html.contains("hello"), "{html}");

    // Disabling oneself: refused with its code, the page again, no change.
    let me = app.user_id("admin").await;
    let (_, html) = app.page(&session, "/admin/users").await;
    assert!(
        !row_with(&html, "（あなた）").contains("/disable\""),
        "no disable button on one's own row"
    );
    let before = app.snapshot();
    let (status, _, html) = app
        .submit_with_csrf(&session, &format!("/admin/users/{me}/disable"), &[])
        .await;
    assert_eq!(status, 409, "{html}");
    assert_refused(&html, "self_lockout");
    assert!(html.contains("自分自身は無効にできません"), "{html}");
    assert_eq!(app.snapshot(), before);
    assert_eq!(app.page(&session, "/admin").await.0, 200);

    // A user nobody has.
    for path in ["/admin/users/999999/disable", "/admin/users/abc/enable"] {
        let (status, _, html) = app.submit_with_csrf(&session, path, &[]).await;
        assert_eq!(status, 404, "{path}: {html}");
        assert_refused(&html, "not_found");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn a_new_token_through_the_form_is_shown_once_and_the_old_one_stops_working() {
    let app = app().await;
    let (id, old) = app.api_user("hokenjo-1", "health_centre").await;
    let theirs = app.sign_in(&old).await;
    let session = app.sign_in(&app.admin).await;
    let (status, location, html) = app
        .submit_with_csrf(&session, &format!("/admin/users/{id}/token"), &[])
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(location.is_empty(), "a token is never in a redirect");
    let new = shown_token(&html).expect("the new token");
    assert_ne!(new, old);
    assert!(html.contains(ADMIN_JA.token_once), "{html}");
    assert!(html.contains(ADMIN_JA.token_replaced), "{html}");
    assert_eq!(app.get("/api/v1/me", &old).await.0, 401);
    assert_eq!(app.get("/api/v1/me", &new).await.0, 200);
    assert_eq!(app.page(&theirs, "/reports").await.0, 303);
    let (_, users_page) = app.page(&session, "/admin/users").await;
    assert!(!users_page.contains(&new[3..]));

    // Unknown user: the users page with the coded error, no token.
    let (status, _, html) = app
        .submit_with_csrf(&session, "/admin/users/424242/token", &[])
        .await;
    assert_eq!(status, 404);
    assert!(shown_token(&html).is_none());

    // One's own token: shown once, and this session ends with the old one.
    let me = app.user_id("admin").await;
    let (status, _, html) = app
        .submit_with_csrf(&session, &format!("/admin/users/{me}/token"), &[])
        .await;
    assert_eq!(status, 200, "{html}");
    let mine = shown_token(&html).expect("the admin's new token");
    assert!(html.contains(ADMIN_JA.token_self), "{html}");
    assert!(html.contains("href=\"/signin\""), "{html}");
    assert_eq!(app.page(&session, "/admin").await.0, 303);
    assert_eq!(app.get("/api/v1/me", &app.admin).await.0, 401);
    let (status, me) = app.get("/api/v1/me", &mine).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["role"], "admin");
}

#[tokio::test]
async fn an_admin_form_without_or_with_a_wrong_csrf_token_is_403_and_changes_nothing() {
    let app = app().await;
    let (id, token) = app.api_user("kensa-csrf", "lab").await;
    let session = app.sign_in(&app.admin).await;
    let before = app.snapshot();
    let wrong = "0".repeat(64);
    let fields: [(&str, &str); 7] = [
        ("name", "forged-user"),
        ("role", "admin"),
        ("code", "F-FORGED"),
        ("storage_class", "ambient"),
        ("gtin", "09506000134352"),
        ("specimen_type", "saliva"),
        ("swab_material", "none"),
    ];
    for path in POST_PAGES {
        let path = path.replace("{id}", &id.to_string());
        for csrf in [None, Some(wrong.as_str()), Some("")] {
            let mut form: Vec<(&str, &str)> = fields.to_vec();
            form.push(("description", "forged"));
            if let Some(c) = csrf {
                form.push(("csrf", c));
            }
            let (status, _, html) = app.submit(&session, &path, &form).await;
            assert_eq!(status, 403, "{path} with csrf {csrf:?}: {html}");
            assert!(shown_token(&html).is_none(), "{path}");
            assert!(!html.contains("<table"), "{path}");
        }
    }
    assert_eq!(app.snapshot(), before, "a forged form wrote");
    assert_eq!(app.get("/api/v1/me", &token).await.0, 200);
}

#[tokio::test]
async fn reception_lab_and_health_centre_get_403_with_no_data_on_every_admin_route() {
    let app = app().await;
    let (id, _) = app.api_user("himitsu-kanrisha", "admin").await;
    app.location("F-SECRET", "fridge_4c").await;
    for role in [Role::Reception, Role::Lab, Role::HealthCentre] {
        let token = app.token(role);
        let session = app.sign_in(&token).await;
        let before = app.snapshot();
        for path in GET_PAGES {
            let (status, html) = app.page(&session, path).await;
            assert_eq!(status, 403, "{role:?} GET {path}");
            assert!(!html.contains("himitsu-kanrisha"), "{role:?} {path}");
            assert!(!html.contains("F-SECRET"), "{role:?} {path}");
            assert!(!html.contains("<table"), "{role:?} {path}");
            assert!(!html.contains("href=\"/admin\""), "{role:?} {path}");
        }
        for path in POST_PAGES {
            let path = path.replace("{id}", &id.to_string());
            // With the role's own valid CSRF token: the role is what fails.
            let form = [
                ("csrf", session.csrf.as_str()),
                ("name", "by-another-role"),
                ("role", "admin"),
                ("code", "F-OTHER"),
                ("storage_class", "ambient"),
                ("gtin", "09506000134352"),
                ("specimen_type", "saliva"),
                ("swab_material", "none"),
                ("description", "x"),
            ];
            let (status, _, html) = app.submit(&session, &path, &form).await;
            assert_eq!(status, 403, "{role:?} POST {path}: {html}");
            assert!(!html.contains("himitsu-kanrisha"), "{role:?} {path}");
            assert!(!html.contains("<table"), "{role:?} {path}");
            assert!(shown_token(&html).is_none(), "{role:?} {path}");
            // Even a body that is no form at all is the role's 403.
            let res = app
                .browser()
                .post(app.url(&path))
                .header("cookie", session.cookie())
                .header("content-type", "application/json")
                .body("{\"csrf\": 1")
                .send()
                .await
                .expect("post");
            assert_eq!(res.status().as_u16(), 403, "{role:?} POST {path} (json)");
        }
        assert_eq!(app.snapshot(), before, "{role:?} was refused but wrote");
    }
}

#[tokio::test]
async fn a_location_created_through_the_form_is_listed_and_a_bad_one_shows_its_coded_error() {
    let app = app().await;
    let session = app.sign_in(&app.admin).await;
    let (status, location, _) =
        create_location(&app, &session, "F-9", "検査室 冷蔵庫9", "fridge_4c").await;
    assert_eq!(status, 303);
    assert_eq!(location, "/admin/locations?done=location_created");
    let (_, html) = app.page(&session, &location).await;
    assert!(html.contains(ADMIN_JA.done_location_created), "{html}");
    let row = row_with(&html, "F-9");
    assert!(row.contains("検査室 冷蔵庫9"), "{row}");
    assert!(row.contains("冷蔵 (4 °C)"), "{row}");
    let (status, body) = app.get("/api/v1/locations/F-9", &app.admin).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["storage_class"], "fridge_4c");

    // The same again is no error and no change.
    let (status, location, _) =
        create_location(&app, &session, "F-9", "検査室 冷蔵庫9", "fridge_4c").await;
    assert_eq!(status, 303);
    assert_eq!(location, "/admin/locations?done=location_exists");

    let before = app.snapshot();
    let (status, _, html) =
        create_location(&app, &session, "F-9", "別の冷凍庫", "frozen_minus80").await;
    assert_eq!(status, 409, "{html}");
    assert_refused(&html, "duplicate_location");
    assert!(html.contains("value=\"別の冷凍庫\""), "the form keeps it");
    assert!(
        html.contains("<option value=\"frozen_minus80\" selected>"),
        "{html}"
    );
    for (code, name, class) in [
        ("", "空のコード", "ambient"),
        ("F-10", "", "ambient"),
        ("F-11", "ベンチ", "warm"),
    ] {
        let (status, _, html) = create_location(&app, &session, code, name, class).await;
        assert_eq!(status, 400, "{code:?} {name:?} {class:?}: {html}");
        assert_refused(&html, "invalid_input");
    }
    assert_eq!(app.snapshot(), before, "a refused location was written");
}

#[tokio::test]
async fn a_kit_added_through_the_form_is_listed_and_a_bad_check_digit_shows_its_coded_error() {
    let app = app().await;
    let session = app.sign_in(&app.admin).await;
    let (_, html) = app.page(&session, "/admin/kits").await;
    let row = row_with(&html, CONFIG_GTIN);
    assert!(row.contains(ADMIN_JA.source_config), "{row}");
    assert!(row.contains("鼻咽頭ぬぐい液"), "{row}");

    let (status, location, _) = create_kit(&app, &session, "09506000134352", "cotton").await;
    assert_eq!(status, 303);
    assert_eq!(location, "/admin/kits?done=kit_created");
    let (_, html) = app.page(&session, &location).await;
    assert!(html.contains(ADMIN_JA.done_kit_created), "{html}");
    let row = row_with(&html, "09506000134352");
    assert!(row.contains("綿"), "{row}");
    assert!(row.contains("収量が下がります"), "{row}");
    assert!(row.contains("admin"), "who added it: {row}");
    let (status, body) = app.get("/api/v1/kits/09506000134352", &app.admin).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["source"], "api");

    let before = app.snapshot();
    let (status, _, html) = create_kit(&app, &session, "09506000134353", "flocked").await;
    assert_eq!(status, 400, "{html}");
    assert_refused(&html, "invalid_input");
    assert!(
        html.contains("チェックデジット"),
        "the message says why: {html}"
    );
    assert!(
        html.contains("value=\"09506000134353\""),
        "the form keeps it"
    );
    assert_eq!(
        app.get("/api/v1/kits/09506000134353", &app.admin).await.0,
        400
    );
    // The configuration's kit cannot be changed from here.
    let (status, _, html) = create_kit(&app, &session, "4987654321018", "cotton").await;
    assert_eq!(status, 409, "{html}");
    assert_refused(&html, "duplicate_kit");
    assert_eq!(app.snapshot(), before, "a refused kit was written");
}

fn serial_scanner(name: &str, path: &str, station: &str, extra: &str) -> ScannerConfig {
    toml::from_str(&format!(
        "name = {name:?}\nkind = \"serial\"\npath = {path:?}\nstation = {station:?}\n{extra}"
    ))
    .expect("scanner entry")
}

#[tokio::test]
async fn the_stations_page_lists_the_stations_and_the_scanners_with_their_live_state() {
    let dir = tempfile::tempdir().expect("dir");
    let link = dir.path().join("desk-1");
    let _pty = kentai::simulate::Pty::create(&link).expect("pty");
    let missing = dir.path().join("nothing-here");
    let desk = link.display().to_string();
    let gone = missing.display().to_string();
    let app = spawn_app_with(move |c| {
        with_stations(c);
        c.scanners = vec![
            serial_scanner("desk-1", &desk, "reception-1", ""),
            serial_scanner("gone-1", &gone, "fridge-1", ""),
            serial_scanner("spare-1", &gone, "packing-1", "enabled = false\n"),
        ];
    })
    .await;
    // Wait until the server holds the pty open.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, body) = app.get("/api/v1/devices", &app.admin).await;
        let open = body.as_array().is_some_and(|l| {
            l.iter().any(|d| {
                d["name"] == "desk-1" && matches!(d["state"].as_str(), Some("open" | "reading"))
            })
        });
        if open {
            break;
        }
        assert!(Instant::now() < deadline, "desk-1 never opened: {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let session = app.sign_in(&app.admin).await;
    let (status, html) = app.page(&session, "/admin/stations").await;
    assert_eq!(status, 200, "{html}");
    for (station, work) in [
        ("reception-1", "受付"),
        ("fridge-1", "保管"),
        ("packing-1", "梱包"),
        ("receiving-1", "受領"),
    ] {
        let row = row_with(
            &html,
            &format!("href=\"/stations/{station}\">{station}</a></th>"),
        );
        assert!(row.contains(work), "{station}: {row}");
    }
    let row = row_with(&html, "data-scanner=\"desk-1\"");
    assert!(row.contains("シリアル"), "{row}");
    assert!(row.contains(&link.display().to_string()), "{row}");
    assert!(
        row.contains("接続済み") || row.contains("読み取り中"),
        "desk-1 is open: {row}"
    );
    assert!(row.contains("aria-live=\"polite\""), "{row}");
    let row = row_with(&html, "data-scanner=\"gone-1\"");
    assert!(
        ["未接続", "再接続を待っています", "切断されました"]
            .iter()
            .any(|s| row.contains(s)),
        "gone-1 is not connected: {row}"
    );
    let row = row_with(&html, "data-scanner=\"spare-1\"");
    assert!(row.contains(ADMIN_JA.state_disabled), "{row}");
    // The live updates: the script, its words, no inline code.
    assert!(html.contains("/assets/admin.js?v="), "{html}");
    assert!(html.contains("/assets/lock.js?v="), "{html}");
    assert!(html.contains("id=\"admin-data\""), "{html}");
    assert_eq!(
        html.matches("<script").count(),
        3,
        "admin.js, its JSON and the page lock only"
    );
    // The API the script polls answers the page's cookie.
    let res = app.get_with_session(&session, "/api/v1/devices").await;
    assert_eq!(res.status().as_u16(), 200);
    let (_, _, script) = app.get_text("/assets/admin.js", &app.admin).await;
    assert!(script.contains("/api/v1/devices"), "{script}");
    assert!(script.contains("401"), "{script}");

    let (_, html) = app.page(&session, "/admin").await;
    assert!(
        html.contains("スキャナー 3台（接続中 1台・未接続 1台）"),
        "{html}"
    );
}

#[tokio::test]
async fn the_policy_page_shows_the_configured_saliva_limit_and_the_48_hour_rule_read_only() {
    let app = spawn_app_with(|c| {
        with_stations(c);
        c.policy.saliva_max_days = 7;
    })
    .await;
    let session = app.sign_in(&app.admin).await;
    let (status, html) = app.page(&session, "/admin/policy").await;
    assert_eq!(status, 200, "{html}");
    let row = row_with(&html, "<code>saliva_max_days</code>");
    assert!(row.contains("7日目まで"), "{row}");
    assert!(row.contains("8日目以降"), "{row}");
    assert!(row.contains("SPEC §2.3"), "{row}");
    let row = row_with(&html, "<code>fridge_max_hours</code>");
    assert!(row.contains("48時間"), "{row}");
    assert!(row.contains("SPEC §2.4"), "{row}");
    assert!(html.contains("kentai.toml の [policy]"), "{html}");
    assert!(html.contains("再起動"), "{html}");
    assert!(
        !html.contains("<form method=\"post\" action=\"/admin"),
        "read-only"
    );
    assert_eq!(h1_count(&html), 1);

    let (status, html) = app.page(&session, "/admin/policy?lang=en").await;
    assert_eq!(status, 200);
    let row = row_with(&html, "<code>saliva_max_days</code>");
    assert!(row.contains("up to day 7"), "{row}");
    let row = row_with(&html, "<code>fridge_max_hours</code>");
    assert!(row.contains("48 hours"), "{row}");
    assert!(html.contains("restart"), "{html}");
}

#[tokio::test]
async fn lang_en_gives_every_admin_page_in_english() {
    let app = app().await;
    let session = app.sign_in(&app.admin).await;
    let titles = [
        ADMIN_EN.index_title,
        ADMIN_EN.users_title,
        ADMIN_EN.stations_title,
        ADMIN_EN.locations_title,
        ADMIN_EN.kits_title,
        ADMIN_EN.policy_title,
        ADMIN_EN.labels_title,
        ADMIN_EN.system_title,
    ];
    for (path, title) in GET_PAGES.iter().zip(titles) {
        let (status, html) = app.page(&session, &format!("{path}?lang=en")).await;
        assert_eq!(status, 200, "{path}");
        assert!(html.contains("<html lang=\"en\""), "{path}");
        assert!(
            html.contains(&format!("<h1>{title}</h1>")),
            "{path}: {html}"
        );
        // The switch back to Japanese is on the same page.
        assert!(html.contains(&format!("href=\"{path}?lang=ja\"")), "{path}");
    }
    // An English refusal shows the action's own message and its code.
    let (status, _, html) = app
        .submit_with_csrf(
            &session,
            "/admin/kits?lang=en",
            &[
                ("gtin", "123"),
                ("specimen_type", "saliva"),
                ("swab_material", "none"),
                ("description", "x"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("<html lang=\"en\""), "{html}");
    assert!(html.contains("must have 8, 12, 13 or 14 digits"), "{html}");
    assert!(html.contains("Code: <code>invalid_input</code>"), "{html}");
}

#[tokio::test]
async fn the_location_labels_sheet_holds_every_locations_label_ready_to_print() {
    let app = app().await;
    app.location("(414)4912345000019(254)FR-1", "fridge_4c")
        .await;
    app.location("M80-1", "frozen_minus80").await;
    app.location("冷蔵庫B", "fridge_4c").await;
    let session = app.sign_in(&app.admin).await;

    let (_, html) = app.page(&session, "/admin/locations").await;
    assert!(html.contains("href=\"/admin/locations/labels\""), "{html}");

    let (status, html) = app.page(&session, "/admin/locations/labels").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("data-print"), "a print button");
    assert!(html.contains("/assets/print.js?v="));
    let sources = attribute_values(&html, ("class=\"location-labels\"", "</ul>"), "src");
    assert_eq!(
        sources,
        [
            "/api/v1/locations/%28414%294912345000019%28254%29FR-1/label?format=svg",
            "/api/v1/locations/M80-1/label?format=svg",
        ],
        "{html}"
    );
    assert!(
        html.contains("alt=\"保管場所「fridge_4c M80-1」")
            || html.contains("（M80-1、冷凍 (−80 °C 以下)）"),
        "{html}"
    );
    // A code no barcode can carry says so where its label would be.
    let unprintable = html
        .split("data-code=\"冷蔵庫B\"")
        .nth(1)
        .and_then(|s| s.split("</li>").next())
        .expect("the location's place on the sheet");
    assert!(
        unprintable.contains("class=\"unprintable\""),
        "{unprintable}"
    );
    // Each image is the API's label, which the session opens.
    for src in &sources {
        let res = app.get_with_session(&session, src).await;
        assert_eq!(res.status().as_u16(), 200, "{src}");
        assert!(header(&res, "content-type").starts_with("image/svg+xml"));
    }
    // Print styles: two labels across, A4.
    let (_, _, css) = app.get_text("/assets/kentai.css", &app.admin).await;
    assert!(css.contains("@page location-labels { size: A4"), "{css}");
}
