//! The web pages without a browser: signing in with a token
//! makes a server-side session in an `HttpOnly; SameSite=Strict` cookie;
//! every form and every cookie-authenticated API write needs the session's
//! CSRF token; pages without a session lead to the sign-in page; signing
//! out, a disabled user or an expired session ends it; navigation and
//! pages follow the role; the session id is stored only hashed. The same
//! pages in a real browser are in `browser`.

use crate::common::*;
use diesel::prelude::*;
use kentai::domain::roles::Role;
use kentai::store::schema::{sessions, users};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Every route `kentai::web::configure` serves (src/web/mod.rs).
const PAGES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("GET", "/account/password"),
    ("POST", "/account/password"),
    ("POST", "/account/pin"),
    ("GET", "/unlock"),
    ("POST", "/unlock"),
    ("GET", "/account/tokens"),
    ("POST", "/account/tokens"),
    ("POST", "/account/tokens/{token_id}/revoke"),
    ("POST", "/signout"),
    ("GET", "/stations"),
    ("GET", "/stations/{station}"),
    ("GET", "/specimens"),
    ("GET", "/specimens/{specimen_id}"),
    ("GET", "/specimens/{specimen_id}/label"),
    ("GET", "/patients/{patient_id}"),
    ("POST", "/patients/{patient_id}"),
    ("GET", "/results"),
    ("GET", "/results/analyzers"),
    ("POST", "/results/analyzers/reread"),
    ("GET", "/results/analyzers/{name}"),
    ("POST", "/results/analyzers/{id}/link"),
    ("POST", "/results/analyzers/{id}/discard"),
    ("GET", "/alerts"),
    ("GET", "/packing"),
    ("POST", "/packing"),
    ("GET", "/packing/commands"),
    ("GET", "/packing/{package_id}"),
    ("POST", "/packing/{package_id}/specimens"),
    (
        "POST",
        "/packing/{package_id}/specimens/{specimen_id}/remove",
    ),
    ("POST", "/packing/{package_id}/checklist"),
    ("POST", "/packing/{package_id}/dispatch"),
    ("POST", "/packing/{package_id}/details"),
    ("GET", "/packing/{package_id}/print"),
    ("GET", "/reports"),
    ("GET", "/reports/summary"),
    ("GET", "/reports/sjis-replacements"),
    ("GET", "/admin"),
    ("GET", "/admin/users"),
    ("POST", "/admin/users"),
    ("POST", "/admin/users/{user_id}/disable"),
    ("POST", "/admin/users/{user_id}/enable"),
    ("POST", "/admin/users/{user_id}/token"),
    ("POST", "/admin/users/{user_id}/password"),
    ("POST", "/admin/users/{user_id}/badge"),
    ("POST", "/admin/badges/{badge_id}/revoke"),
    ("GET", "/admin/stations"),
    ("GET", "/admin/locations"),
    ("POST", "/admin/locations"),
    ("GET", "/admin/locations/labels"),
    ("GET", "/admin/kits"),
    ("POST", "/admin/kits"),
    ("GET", "/admin/policy"),
    ("GET", "/admin/system"),
    ("POST", "/print"),
    ("GET", "/admin/printing"),
    ("POST", "/admin/printing/jobs/{job_id}/retry"),
    ("GET", "/assets/{name}"),
];

/// Example values for the routes' path parameters.
const EXAMPLES: [(&str, &str); 9] = [
    ("{station}", "reception-1"),
    ("{name}", "pcr-1"),
    ("{id}", "7"),
    ("{patient_id}", "P-NOWHERE"),
    ("{specimen_id}", "S-NOWHERE"),
    ("{package_id}", "PKG-NOWHERE"),
    ("{user_id}", "1"),
    ("{token_id}", "2"),
    ("{job_id}", "3"),
];

/// Every page behind the session, with its method and example path.
fn signed_in_pages() -> Vec<(&'static str, String)> {
    PAGES
        .iter()
        .filter(|(m, p)| {
            !matches!(
                (*m, *p),
                ("GET", "/signin")
                    | ("POST", "/signin")
                    | ("POST", "/signout")
                    | ("GET", "/assets/{name}")
            )
        })
        .map(|(m, p)| {
            let path = EXAMPLES
                .iter()
                .fold(p.to_string(), |acc, (k, v)| acc.replace(k, v));
            (*m, path)
        })
        .collect()
}

async fn app() -> TestApp {
    spawn_app_with(with_stations).await
}

fn session_rows(app: &TestApp) -> Vec<(String, i64, String)> {
    app.ctx
        .store
        .read(|c| {
            sessions::table
                .select((sessions::id_hash, sessions::user_id, sessions::csrf_token))
                .load(c)
                .map_err(kentai::store::StoreError::from)
        })
        .expect("sessions")
}

/// A JSON API call riding on the session cookie, with or without the
/// CSRF header.
async fn api_with_cookie(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    session: &WebSession,
    csrf: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut req = app
        .browser()
        .request(method, app.url(path))
        .header("cookie", session.cookie());
    if let Some(token) = csrf {
        req = req.header("X-CSRF-Token", token);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.expect("api call");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The paths the page's navigation links to.
fn nav_links(html: &str) -> Vec<String> {
    attribute_values(html, ("<nav", "</nav>"), "href")
}

#[tokio::test]
async fn signing_in_sets_an_httponly_samesite_strict_cookie_and_returns_to_the_page_asked_for() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let res = app
        .post_sign_in(&clerk, Some("/stations/reception-1"))
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/stations/reception-1");
    let header = set_cookie_header(&res, "kentai_session").expect("session cookie");
    let attrs: BTreeSet<String> = header
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attrs.contains("httponly"), "{header}");
    assert!(attrs.contains("samesite=strict"), "{header}");
    assert!(attrs.contains("path=/"), "{header}");
    // Plain HTTP here: a Secure cookie would never come back.
    assert!(!attrs.contains("secure"), "{header}");
    let id = set_cookie_value(&res, "kentai_session").expect("value");
    assert!(id.len() >= 64, "{id}");
    assert_eq!(session_rows(&app).len(), 1);

    // Behind an HTTPS proxy the cookie is Secure.
    let (form_cookie, csrf) = app.sign_in_form().await;
    let res = app
        .browser()
        .post(app.url("/signin"))
        .header("cookie", format!("kentai_signin={form_cookie}"))
        .header("x-forwarded-proto", "https")
        .form(&[("csrf", csrf.as_str()), ("token", clerk.as_str())])
        .send()
        .await
        .expect("sign in");
    let header = set_cookie_header(&res, "kentai_session").expect("session cookie");
    assert!(header.contains("; Secure"), "{header}");
}

#[tokio::test]
async fn a_wrong_token_shows_the_form_again_with_the_reason_and_no_session() {
    let app = app().await;
    let before = app.snapshot();
    for token in [
        format!("kt_{}", "0".repeat(64)),
        String::new(),
        "   ".to_string(),
    ] {
        let res = app.post_sign_in(&token, Some("/stations")).await;
        assert_eq!(res.status().as_u16(), 401, "{token:?}");
        assert!(set_cookie_header(&res, "kentai_session").is_none());
        let html = res.text().await.expect("page");
        assert!(html.contains("id=\"signin-error\""), "{html}");
        // A blank token is no token: the form asked for a name and a
        // password, and says those were wrong.
        let reason = match token.trim().is_empty() {
            true => kentai::web::text::JA.password_failed,
            false => kentai::web::text::JA.sign_in_failed,
        };
        assert!(html.contains(reason), "{html}");
    }
    assert_eq!(app.snapshot(), before, "a failed sign-in wrote");

    // A disabled user's token does not sign in either.
    let clerk = app.token(Role::Reception);
    disable(&app, &clerk);
    let res = app.post_sign_in(&clerk, None).await;
    assert_eq!(res.status().as_u16(), 401);
    assert!(session_rows(&app).is_empty());
}

#[tokio::test]
async fn a_page_without_a_session_redirects_to_the_sign_in_page_and_back() {
    let app = app().await;
    for (method, path) in signed_in_pages() {
        for cookie in [None, Some(format!("kentai_session={}", "a".repeat(64)))] {
            let mut req = match method {
                "GET" => app.browser().get(app.url(&path)),
                _ => app.browser().post(app.url(&path)).form(&[("csrf", "x")]),
            };
            if let Some(c) = &cookie {
                req = req.header("cookie", c);
            }
            let res = req.send().await.expect("page");
            assert_eq!(
                res.status().as_u16(),
                303,
                "{method} {path} with {cookie:?}"
            );
            // A form cannot be replayed by a redirect: after signing in,
            // the browser starts at home.
            let next = match method {
                "GET" => path.clone(),
                _ => "/".to_string(),
            };
            let encoded = kentai::web::encode_query_value(&next);
            assert_eq!(
                location(&res),
                format!("/signin?next={encoded}"),
                "{method} {path}"
            );
        }
    }
    // The sign-in page keeps where to go back to.
    let res = app
        .browser()
        .get(app.url("/signin?next=%2Fstations%2Ffridge-1"))
        .send()
        .await
        .expect("form");
    let html = res.text().await.expect("page");
    assert_eq!(
        form_value(&html, "next").as_deref(),
        Some("/stations/fridge-1")
    );
    // Another site is never a place to go back to.
    let clerk = app.token(Role::Reception);
    let res = app.post_sign_in(&clerk, Some("//evil.example/")).await;
    assert_eq!(location(&res), "/");
}

#[tokio::test]
async fn a_sign_in_form_without_or_with_a_wrong_csrf_token_is_403_and_starts_no_session() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let before = app.snapshot();
    let (cookie, field) = app.sign_in_form().await;
    let wrong = "f".repeat(64);
    let cases: [(Option<&str>, Option<&str>); 4] = [
        (Some(&cookie), None),
        (Some(&cookie), Some(&wrong)),
        (None, Some(&field)),
        (Some(&wrong), Some(&field)),
    ];
    for (form_cookie, csrf) in cases {
        let mut form = vec![("token", clerk.as_str())];
        if let Some(c) = csrf {
            form.push(("csrf", c));
        }
        let cookie_header = form_cookie
            .map(|c| format!("kentai_signin={c}"))
            .unwrap_or_default();
        let res = app
            .post_form_with_cookie("/signin", &cookie_header, &form)
            .await;
        assert_eq!(
            res.status().as_u16(),
            403,
            "cookie {form_cookie:?} field {csrf:?}"
        );
        assert!(set_cookie_header(&res, "kentai_session").is_none());
    }
    assert_eq!(app.snapshot(), before, "a forged sign-in wrote");
}

#[tokio::test]
async fn a_sign_out_form_without_or_with_a_wrong_csrf_token_is_403_and_changes_nothing() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let session = app.sign_in(&clerk).await;
    let before = app.snapshot();
    let wrong = "0".repeat(64);
    for form in [vec![], vec![("csrf", wrong.as_str())], vec![("csrf", "")]] {
        let res = app.post_form(&session, "/signout", &form).await;
        assert_eq!(res.status().as_u16(), 403, "{form:?}");
        assert!(set_cookie_header(&res, "kentai_session").is_none());
    }
    assert_eq!(app.snapshot(), before, "a forged sign-out wrote");
    let (status, _) = app.page(&session, "/stations").await;
    assert_eq!(status, 200, "the session lives on");
}

#[tokio::test]
async fn a_cookie_authenticated_scan_needs_the_csrf_header_403_without_201_with() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let session = app.sign_in(&clerk).await;
    let scan = json!({"station": "reception-1", "data": "P-1"});
    let before = app.snapshot();
    let wrong = "0".repeat(64);
    for csrf in [None, Some(wrong.as_str()), Some("")] {
        let (status, body) = api_with_cookie(
            &app,
            reqwest::Method::POST,
            "/api/v1/scans",
            &session,
            csrf,
            Some(&scan),
        )
        .await;
        assert_eq!(status, 403, "{csrf:?}: {body}");
        assert_eq!(body["error"]["code"], "forbidden", "{body}");
    }
    assert_eq!(
        app.snapshot(),
        before,
        "a scan without the CSRF header wrote"
    );

    let (status, body) = api_with_cookie(
        &app,
        reqwest::Method::POST,
        "/api/v1/scans",
        &session,
        Some(&session.csrf),
        Some(&scan),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["outcome"]["kind"], "patient", "{body}");
    assert_eq!(app.count("scans"), 1);

    // Reading needs no CSRF header: a GET, and the station's event stream.
    let (status, body) = api_with_cookie(
        &app,
        reqwest::Method::GET,
        "/api/v1/me",
        &session,
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "reception");
    let res = app
        .get_with_session(&session, "/api/v1/stations/reception-1/events")
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(header(&res, "content-type").starts_with("text/event-stream"));

    // A bearer token decides alone: a wrong one is 401 even with a good cookie.
    let res = app
        .browser()
        .get(app.url("/api/v1/me"))
        .header("cookie", session.cookie())
        .bearer_auth(format!("kt_{}", "0".repeat(64)))
        .send()
        .await
        .expect("me");
    assert_eq!(res.status().as_u16(), 401);
}

#[tokio::test]
async fn signing_out_ends_the_session_for_the_pages_and_the_api() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let session = app.sign_in(&clerk).await;
    let res = app
        .post_form(&session, "/signout", &[("csrf", session.csrf.as_str())])
        .await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(location(&res), "/signin");
    let cleared = set_cookie_header(&res, "kentai_session").expect("cookie cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(session_rows(&app).is_empty());

    let (status, _) = app.page(&session, "/stations/reception-1").await;
    assert_eq!(status, 303, "the page leads to sign in again");
    let (status, body) = api_with_cookie(
        &app,
        reqwest::Method::GET,
        "/api/v1/me",
        &session,
        None,
        None,
    )
    .await;
    assert_eq!(status, 401, "{body}");
    // The token itself still works for scripts.
    let (status, _) = app.get("/api/v1/me", &clerk).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_station_event_stream_opened_with_the_cookie_ends_when_the_session_does() {
    // A screen left open must not go on showing a desk's scans to someone
    // signed out or disabled: the stream checks its session at every
    // keep-alive (15 s) and ends, and the page's reconnection then meets 401.
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let session = app.sign_in(&clerk).await;
    let mut res = app
        .get_with_session(&session, "/api/v1/stations/reception-1/events")
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let res_signout = app
        .post_form(&session, "/signout", &[("csrf", session.csrf.as_str())])
        .await;
    assert_eq!(res_signout.status().as_u16(), 303);
    let ended = tokio::time::timeout(std::time::Duration::from_secs(25), async {
        while let Ok(Some(_)) = res.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream outlived its session");
}

/// Disables the user around kentai (its audit does not cover it).
fn disable(app: &TestApp, token: &str) {
    let hash = kentai::tokens::hash_token(token);
    app.tampered
        .store(true, std::sync::atomic::Ordering::SeqCst);
    app.ctx
        .store
        .write(|c| {
            diesel::update(users::table.filter(users::token_hash.eq(&hash)))
                .set(users::disabled.eq(true))
                .execute(c)
                .map_err(kentai::store::StoreError::from)
        })
        .expect("disable user");
}

#[tokio::test]
async fn a_disabled_users_session_stops_working_at_once() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let session = app.sign_in(&clerk).await;
    assert_eq!(app.page(&session, "/stations").await.0, 200);
    disable(&app, &clerk);
    assert_eq!(app.page(&session, "/stations").await.0, 303);
    let (status, _) = api_with_cookie(
        &app,
        reqwest::Method::GET,
        "/api/v1/me",
        &session,
        None,
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert!(session_rows(&app).is_empty(), "the session is deleted");
}

#[tokio::test]
async fn an_expired_session_is_refused_and_removed() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let session = app.sign_in(&clerk).await;
    let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
    app.ctx
        .store
        .write(|c| {
            diesel::update(sessions::table)
                .set(sessions::expires_at.eq(past))
                .execute(c)
                .map_err(kentai::store::StoreError::from)
        })
        .expect("expire");
    assert_eq!(app.page(&session, "/stations").await.0, 303);
    assert!(session_rows(&app).is_empty());
}

#[tokio::test]
async fn the_session_id_is_stored_only_as_its_sha256() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let session = app.sign_in(&clerk).await;
    let rows = session_rows(&app);
    assert_eq!(rows.len(), 1);
    let (hash, _, csrf) = &rows[0];
    assert_eq!(*hash, kentai::tokens::hash_token(&session.id));
    assert_ne!(*hash, session.id);
    assert_eq!(*csrf, session.csrf);
    // Nor is the cookie's value in the audit log.
    let audit: Vec<(Option<String>, Option<String>)> = app
        .ctx
        .store
        .read(|c| {
            kentai::store::schema::audit_log::table
                .select((
                    kentai::store::schema::audit_log::before,
                    kentai::store::schema::audit_log::after,
                ))
                .load(c)
                .map_err(kentai::store::StoreError::from)
        })
        .expect("audit");
    for (before, after) in audit {
        for text in [before, after].into_iter().flatten() {
            assert!(!text.contains(&session.id), "audit holds the session id");
        }
    }
    // A second sign-in from the same browser replaces the session.
    let (form_cookie, csrf) = app.sign_in_form().await;
    let res = app
        .browser()
        .post(app.url("/signin"))
        .header(
            "cookie",
            format!("kentai_signin={form_cookie}; {}", session.cookie()),
        )
        .form(&[("csrf", csrf.as_str()), ("token", clerk.as_str())])
        .send()
        .await
        .expect("sign in again");
    let new_id = set_cookie_value(&res, "kentai_session").expect("new session");
    assert_ne!(new_id, session.id, "a new id at each sign-in");
    let rows = session_rows(&app);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, kentai::tokens::hash_token(&new_id));
}

#[tokio::test]
async fn each_role_sees_only_its_own_links_in_the_navigation() {
    let app = app().await;
    let cases = [
        (Role::Reception, vec!["/stations", "/specimens"]),
        (
            Role::Lab,
            vec!["/stations", "/specimens", "/results", "/packing", "/alerts"],
        ),
        (Role::HealthCentre, vec!["/reports"]),
        (
            Role::Admin,
            vec![
                "/stations",
                "/specimens",
                "/results",
                "/packing",
                "/alerts",
                "/reports",
                "/admin",
            ],
        ),
    ];
    for (role, expected) in cases {
        let session = app.sign_in(&app.token(role)).await;
        let home = kentai::web::layout::Section::home(role).path();
        let (status, html) = app.page(&session, home).await;
        assert_eq!(status, 200, "{role:?} {home}");
        assert_eq!(nav_links(&html), expected, "{role:?}");
        if role == Role::Reception {
            for other in ["/packing", "/alerts", "/reports", "/admin", "/api/v1/"] {
                assert!(
                    !html.contains(&format!("href=\"{other}")),
                    "reception's page links to {other}"
                );
            }
        }
        // `/` takes each role to its own desk.
        let res = app.get_with_session(&session, "/").await;
        assert_eq!(location(&res), home, "{role:?}");
    }
}

#[tokio::test]
async fn no_page_opens_for_a_role_that_may_not_use_it() {
    let app = app().await;
    let clerk = app.sign_in(&app.token(Role::Reception)).await;
    let health = app.sign_in(&app.token(Role::HealthCentre)).await;
    let lab = app.sign_in(&app.token(Role::Lab)).await;
    let admin = app.sign_in(&app.admin).await;
    let cases: [(&WebSession, &str, u16); 20] = [
        (&health, "/stations/reception-1", 403),
        (&health, "/stations/fridge-1", 403),
        (&health, "/stations", 403),
        (&health, "/reports", 200),
        (&health, "/reports/summary", 200),
        (&health, "/reports/sjis-replacements", 200),
        (&lab, "/reports/summary", 403),
        (&clerk, "/reports/sjis-replacements", 403),
        (&clerk, "/stations/reception-1", 200),
        (&clerk, "/stations/fridge-1", 200),
        (&clerk, "/stations/packing-1", 403),
        (&clerk, "/stations/receiving-1", 403),
        (&clerk, "/admin", 403),
        (&clerk, "/reports", 403),
        (&clerk, "/packing", 403),
        (&clerk, "/alerts", 403),
        (&lab, "/stations/packing-1", 200),
        (&lab, "/reports", 403),
        (&lab, "/admin", 403),
        (&admin, "/admin", 200),
    ];
    for (session, path, expected) in cases {
        let (status, html) = app.page(session, path).await;
        assert_eq!(status, expected, "{path}: {html}");
        if expected == 403 {
            assert!(
                html.contains(kentai::web::text::JA.forbidden_title),
                "{path}"
            );
            // A refused page reads nothing: no user names, no scans.
            assert!(!html.contains("kentai-data"), "{path}");
            assert!(!html.contains("<table"), "{path}");
        }
    }
    // A station that is not configured.
    let (status, _) = app.page(&admin, "/stations/nowhere").await;
    assert_eq!(status, 404);
    // The station list holds only the desks the role may use.
    let (_, html) = app.page(&clerk, "/stations").await;
    assert!(html.contains("href=\"/stations/reception-1\""));
    assert!(html.contains("href=\"/stations/fridge-1\""));
    assert!(!html.contains("href=\"/stations/packing-1\""));
    assert!(!html.contains("href=\"/stations/receiving-1\""));
}

#[tokio::test]
async fn a_station_page_carries_its_station_its_csrf_token_and_its_recent_scans() {
    let app = app().await;
    let clerk = app.token(Role::Reception);
    app.scan(&clerk, "reception-1", "P-000777").await;
    let session = app.sign_in(&clerk).await;
    let (status, html) = app.page(&session, "/stations/reception-1").await;
    assert_eq!(status, 200);
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"ja\">"));
    assert!(html.contains("aria-live=\"assertive\""));
    assert!(html.contains("id=\"scan-input\""));
    assert!(html.contains("id=\"draft\""), "reception shows the draft");
    assert_eq!(form_value(&html, "csrf-token"), Some(session.csrf.clone()));
    let data: Value = {
        let start = html.find("id=\"kentai-data\">").expect("page data") + 17;
        let end = start + html[start..].find("</script>").expect("end of data");
        serde_json::from_str(&html[start..end]).expect("page data is JSON")
    };
    assert_eq!(data["station"], "reception-1");
    assert_eq!(data["workflow"], "reception");
    assert_eq!(data["recent"][0]["data"], "P-000777");
    assert!(data["last_scan_id"].as_i64().unwrap_or(0) > 0);
    assert_eq!(
        data["reasons"]["unknown_specimen"],
        kentai::domain::RuleCode::UnknownSpecimen.title(kentai::web::text::Lang::Ja)
    );
    // A storage desk has no draft.
    let (_, html) = app.page(&session, "/stations/fridge-1").await;
    assert!(!html.contains("id=\"draft\""));
    // Pages are never cached and may not be framed.
    let res = app.get_with_session(&session, "/stations/fridge-1").await;
    let h = res.headers();
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap_or_default()
        .contains("script-src 'self'"));
}

#[tokio::test]
async fn a_result_desk_page_shows_its_held_tube_and_its_batch_and_the_way_to_the_results() {
    let app = spawn_app_with(|c| {
        c.stations.push(kentai::config::StationConfig {
            name: "results-1".into(),
            workflow: kentai::config::Workflow::Results,
            require_operator: false,
        });
    })
    .await;
    let (status, body) = app
        .register(&app.admin, &registration("T-1", "saliva", 2))
        .await;
    assert_eq!(status, 201, "{body}");
    let lab = app.token(Role::Lab);
    app.scan(&lab, "results-1", "T-1").await;
    let session = app.sign_in(&lab).await;
    let (status, html) = app.page(&session, "/stations/results-1").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"result-desk\""), "{html}");
    assert!(html.contains("<a href=\"/results\">結果一覧</a>"), "{html}");
    assert!(html.contains("id=\"result-desk-tube\">T-1<"), "{html}");
    assert!(!html.contains("id=\"draft\""), "no reception draft");
    let start = html.find("id=\"kentai-data\">").expect("page data") + 17;
    let end = start + html[start..].find("</script>").expect("end of data");
    let data: Value = serde_json::from_str(&html[start..end]).expect("page data is JSON");
    assert_eq!(data["workflow"], "results");
    assert_eq!(data["result_desk"], json!({"specimen_id": "T-1"}));
    assert_eq!(data["results"]["inconclusive"], "判定保留（再検査）");

    // A batch shows in the reader's language.
    app.scan(&lab, "results-1", "KTCMD:cancel").await;
    app.scan(&lab, "results-1", "KTCMD:result:negative").await;
    let (_, html) = app.page(&session, "/stations/results-1?lang=en").await;
    assert!(
        html.contains("id=\"result-desk-batch\">negative<"),
        "{html}"
    );
    assert!(html.contains("<a href=\"/results\">Results</a>"), "{html}");
    // The stations list names the workflow; reception does not see it.
    let (_, html) = app.page(&session, "/stations?lang=ja").await;
    assert!(html.contains("href=\"/stations/results-1\""), "{html}");
    assert!(html.contains("結果入力"), "{html}");
    let clerk = app.sign_in(&app.token(Role::Reception)).await;
    let (status, _) = app.page(&clerk, "/stations/results-1").await;
    assert_eq!(status, 403);
}

/// The `for` targets of a page's labels, and the ids of its form controls
/// (inputs other than hidden ones, selects, textareas).
fn labelled_controls(html: &str) -> (BTreeSet<String>, Vec<String>) {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        let end = start + tag[start..].find('"')?;
        Some(tag[start..end].to_string())
    };
    let mut labels = BTreeSet::new();
    let mut controls = Vec::new();
    for piece in html.split('<').skip(1) {
        let tag = piece.split('>').next().unwrap_or_default();
        if tag.starts_with("label ") {
            labels.extend(attr(tag, "for"));
        } else if (tag.starts_with("input ") && !tag.contains("type=\"hidden\""))
            || tag.starts_with("select ")
            || tag.starts_with("textarea ")
        {
            controls.push(attr(tag, "id").unwrap_or_else(|| format!("<{tag}> without an id")));
        }
    }
    (labels, controls)
}

#[tokio::test]
async fn the_reception_page_has_the_registration_form_with_labelled_controls_and_the_timing_rules()
{
    let app = app().await;
    let clerk = app.token(Role::Reception);
    let session = app.sign_in(&clerk).await;
    let (status, html) = app.page(&session, "/stations/reception-1").await;
    assert_eq!(status, 200);
    let start = html
        .find("id=\"registration\"")
        .expect("the registration form");
    let end = start + html[start..].find("</section>").expect("end of the form");
    let form = &html[start..end];
    for id in [
        "reg-specimen-id",
        "reg-patient-id",
        "reg-name",
        "reg-kana",
        "reg-sex",
        "reg-birth",
        "reg-address",
        "reg-phone",
        "reg-type",
        "reg-collected",
        "reg-onset",
        "reg-asymptomatic",
        "reg-method",
        "reg-ppe-surgical_mask",
        "reg-ppe-gloves",
        "reg-ppe-eye_protection",
    ] {
        assert!(form.contains(&format!("id=\"{id}\"")), "the form has #{id}");
    }
    assert!(form.contains("type=\"datetime-local\""));
    assert!(form.contains("id=\"reg-onset\" name=\"onset_date\" type=\"date\""));
    assert!(form.contains("id=\"reg-kit\" name=\"kit\" type=\"hidden\""));
    assert!(form.contains("<option value=\"saliva\">唾液</option>"));
    // Every control has a label of its own.
    let (labels, controls) = labelled_controls(form);
    assert!(controls.len() >= 20, "controls: {controls:?}");
    for id in &controls {
        assert!(labels.contains(id), "#{id} has no label");
    }
    // The timing rules are explained before anything is submitted.
    let f = kentai::web::text::FORM_JA;
    assert!(form.contains(
        "唾液：発症日を0日目として9日目までは受付できます。10日目以降の唾液は受付できません。"
    ));
    assert!(form.contains(f.serum_rule));
    assert!(form.contains("発症後7日以内") && form.contains("発症後14日以降"));
    assert!(form.contains(f.days_label));
    // The form is after the wedge field, and a form of its own: Enter in
    // the wedge field submits the scan alone.
    let wedge = html.find("id=\"wedge\"").expect("wedge");
    assert!(wedge < start);
    assert!(html[wedge..start].contains("</form>"));
    // The script gets the live words and the site's zone.
    let data: Value = {
        let start = html.find("id=\"kentai-data\">").expect("page data") + 17;
        let end = start + html[start..].find("</script>").expect("end of data");
        serde_json::from_str(&html[start..end]).expect("page data is JSON")
    };
    assert_eq!(data["form"]["tz"], "Asia/Tokyo");
    assert_eq!(data["form"]["saliva_max"], 9);
    assert_eq!(
        data["form"]["t"]["saliva_refused"],
        "この唾液は受付できません（発症後10日目以降）"
    );

    // In English too.
    let (_, html) = app.page(&session, "/stations/reception-1?lang=en").await;
    assert!(html.contains(
        "Saliva: accepted from day 0 (the onset day) to day 9; from day 10 saliva is refused."
    ));
    assert!(html.contains(kentai::web::text::FORM_EN.serum_rule));
    let (labels, controls) = labelled_controls(&html);
    for id in &controls {
        assert!(labels.contains(id), "#{id} has no label (en)");
    }

    // A storage desk has no registration form.
    let (status, html) = app.page(&session, "/stations/fridge-1?lang=ja").await;
    assert_eq!(status, 200);
    assert!(!html.contains("id=\"registration\""));
    assert!(!html.contains("id=\"reg-form\""));
    assert!(!html.contains(f.saliva_rule));
    assert!(!html.contains("\"form\":{"));
}

#[tokio::test]
async fn pages_are_japanese_by_default_and_english_is_remembered_in_a_cookie() {
    let app = app().await;
    let res = app
        .browser()
        .get(app.url("/signin"))
        .send()
        .await
        .expect("page");
    assert!(set_cookie_header(&res, "kentai_lang").is_none());
    let html = res.text().await.expect("page");
    assert!(html.contains("<html lang=\"ja\">"));

    let res = app
        .browser()
        .get(app.url("/signin?lang=en"))
        .send()
        .await
        .expect("page");
    let cookie = set_cookie_header(&res, "kentai_lang").expect("language cookie");
    assert!(cookie.starts_with("kentai_lang=en;"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(res
        .text()
        .await
        .expect("page")
        .contains("<html lang=\"en\">"));

    let res = app
        .browser()
        .get(app.url("/signin"))
        .header("cookie", "kentai_lang=en")
        .send()
        .await
        .expect("page");
    let html = res.text().await.expect("page");
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains(kentai::web::text::EN.sign_in_title));
}

#[tokio::test]
async fn assets_are_served_from_the_binary_and_cached_by_version() {
    let app = app().await;
    let (_, html) = {
        let res = app
            .browser()
            .get(app.url("/signin"))
            .send()
            .await
            .expect("page");
        (res.status(), res.text().await.expect("page"))
    };
    let css = html
        .split("href=\"")
        .find(|s| s.starts_with("/assets/kentai.css?v="))
        .and_then(|s| s.split('"').next())
        .expect("stylesheet link")
        .to_string();
    let res = app.browser().get(app.url(&css)).send().await.expect("css");
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/css"));
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap_or_default()
        .contains("immutable"));
    let etag = res.headers()["etag"].to_str().expect("etag").to_string();
    assert!(res.text().await.expect("css").contains(":focus-visible"));

    let res = app
        .browser()
        .get(app.url("/assets/kentai.css"))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("css");
    assert_eq!(res.status().as_u16(), 304);
    assert_eq!(res.headers()["cache-control"], "no-cache");

    let res = app
        .browser()
        .get(app.url("/assets/station.js"))
        .send()
        .await
        .expect("js");
    assert_eq!(res.status().as_u16(), 200);
    let res = app
        .browser()
        .get(app.url("/assets/nothing.js"))
        .send()
        .await
        .expect("nothing");
    assert_eq!(res.status().as_u16(), 404);
}

#[test]
fn the_page_list_in_this_test_matches_src_web_mod_rs() {
    // As `api_auth` does for the API: a page route added to
    // `kentai::web::configure` without being added here fails, so the
    // redirect-to-sign-in check above covers every page.
    let source = include_str!("../../src/web/mod.rs");
    let body = source
        .split("pub fn configure")
        .nth(1)
        .and_then(|s| s.split("\n}\n").next())
        .expect("configure in src/web/mod.rs");
    let literals: BTreeSet<&str> = body
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with('/'))
        .collect();
    let listed: BTreeSet<&str> = PAGES.iter().map(|(_, p)| *p).collect();
    assert_eq!(literals, listed);
    for m in ["GET", "POST"] {
        let registered = body
            .matches(&format!("web::{}()", m.to_lowercase()))
            .count();
        let expected = PAGES.iter().filter(|(pm, _)| *pm == m).count();
        assert_eq!(registered, expected, "{m}");
    }
    let signed_in: BTreeSet<String> = signed_in_pages()
        .into_iter()
        .map(|(_, p)| EXAMPLES.iter().fold(p, |acc, (k, v)| acc.replace(v, k)))
        .collect();
    let public: BTreeSet<String> = ["/signin", "/signout", "/assets/{name}"]
        .iter()
        .map(|p| p.to_string())
        .collect();
    let all: BTreeSet<String> = listed.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        signed_in.union(&public).cloned().collect::<BTreeSet<_>>(),
        all,
        "every page is either behind the session or one of the public routes"
    );
}

#[tokio::test]
async fn the_health_centre_page_lists_the_days_rows_in_the_reports_words_and_links_each_download() {
    let app = app().await;
    let lab = app.token(Role::Lab);
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let mut body = registration("DAY-1", "nasopharyngeal_swab", 2);
    body["collected_at"] = json!(chrono::Utc::now().to_rfc3339());
    body["onset_date"] = json!((today - chrono::Duration::days(2)).to_string());
    body["patient"]["name"] = json!("報告 花子");
    body["patient"]["sex"] = json!("female");
    let (status, res) = app.register(&lab, &body).await;
    assert_eq!(status, 201, "{res}");
    let (status, res) = app
        .post(
            "/api/v1/specimens/DAY-1/results",
            &lab,
            &json!({"result": "positive", "resulted_at": chrono::Utc::now().to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 201, "{res}");
    // Collected three days ago and never resulted: not in today's report.
    let mut old = registration("DAY-OLD", "saliva", 1);
    let three_days_ago = chrono::Utc::now() - chrono::Duration::days(3);
    old["collected_at"] = json!(three_days_ago.to_rfc3339());
    old["onset_date"] = json!((today - chrono::Duration::days(4)).to_string());
    let (status, res) = app.register(&lab, &old).await;
    assert_eq!(status, 201, "{res}");

    let health = app.sign_in(&app.token(Role::HealthCentre)).await;
    let (status, html) = app.page(&health, &format!("/reports?date={today}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("DAY-1"), "{html}");
    assert!(html.contains("報告 花子"));
    assert!(
        html.contains("<strong>陽性</strong>"),
        "the result in words"
    );
    assert!(html.contains("<td>女</td>"), "the sex in words");
    assert!(html.contains("<td>2</td>"), "days since onset");
    assert!(html.contains("id=\"rows-count\">1件"), "{html}");
    assert!(!html.contains("DAY-OLD"), "another day's specimen");
    for (link, file) in [
        (
            "format=csv&amp;encoding=utf8",
            format!("hersys-{today}-utf8.csv"),
        ),
        (
            "format=csv&amp;encoding=sjis",
            format!("hersys-{today}-sjis.csv"),
        ),
        ("format=json", format!("hersys-{today}.json")),
        ("format=fhir", format!("hersys-{today}.fhir.json")),
    ] {
        assert!(
            html.contains(&format!("{link}\" download=\"{file}\"")),
            "{link} saved as {file}: {html}"
        );
    }
    assert!(html.contains(&format!("href=\"/reports/summary?date={today}\"")));
    assert!(!html.contains("format=html"), "the summary is a page now");
    // This server's facility, named, keeps the rows and the downloads;
    // another facility's records are not this server's to show.
    let (_, html) = app
        .page(
            &health,
            &format!("/reports?date={today}&facility=1310000001"),
        )
        .await;
    assert!(html.contains("DAY-1"));
    assert!(html.contains("facility=1310000001&amp;format=json"));
    let (status, html) = app
        .page(
            &health,
            &format!("/reports?date={today}&facility=ELSEWHERE"),
        )
        .await;
    assert_eq!(status, 403, "{html}");
    assert!(!html.contains("DAY-1"));
    assert!(
        html.contains("医療機関 ELSEWHERE の記録はこのサーバーでは読めません"),
        "{html}"
    );
    // The day the old specimen was collected lists it, pending.
    let old_day = three_days_ago
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let (_, html) = app
        .page(&health, &format!("/reports?date={old_day}&lang=en"))
        .await;
    assert!(html.contains("DAY-OLD"));
    assert!(html.contains(">pending<"));
    let (_, html) = app.page(&health, &format!("/reports?date={old_day}")).await;
    assert!(html.contains(">結果待ち<"));
    // The lab sees no patient rows here: the page is the health centre's.
    let lab_session = app.sign_in(&lab).await;
    let (status, html) = app
        .page(&lab_session, &format!("/reports?date={today}"))
        .await;
    assert_eq!(status, 403);
    assert!(!html.contains("報告 花子"));
}

#[tokio::test]
async fn the_alerts_page_counts_down_each_deadline_and_links_the_specimens_history() {
    let app = app().await;
    let lab = app.token(Role::Lab);
    app.location("FRIDGE", "fridge_4c").await;
    let mut body = registration("AL-WEB", "nasopharyngeal_swab", 2);
    let collected_at = chrono::Utc::now() - chrono::Duration::hours(40);
    body["collected_at"] = json!(collected_at.to_rfc3339());
    body["onset_date"] = json!((collected_at
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
        - chrono::Duration::days(1))
    .to_string());
    let (status, res) = app.register(&lab, &body).await;
    assert_eq!(status, 201, "{res}");
    let (status, res) = app
        .post(
            "/api/v1/specimens/AL-WEB/storage",
            &lab,
            &json!({"location": "FRIDGE", "at": (collected_at + chrono::Duration::minutes(10)).to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 201, "{res}");
    let session = app.sign_in(&lab).await;
    let (status, html) = app.page(&session, "/alerts").await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/specimens/AL-WEB\""), "{html}");
    let due = (collected_at + chrono::Duration::hours(48)).timestamp();
    let cell = html
        .split("class=\"time-left\" data-due=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a time-left cell with its deadline");
    let parsed = chrono::DateTime::parse_from_rfc3339(cell).expect("an RFC 3339 deadline");
    assert!((parsed.timestamp() - due).abs() <= 1, "{cell}");
    // About 8 hours left, in the page's words; the script keeps counting.
    assert!(html.contains("時間"), "{html}");
    assert!(html.contains("/assets/alerts.js?v="));
    assert!(html.contains("id=\"alerts-words\""));
}

/// Registers `id` for patient `name`, collected now, as the lab.
async fn registered_now(app: &TestApp, id: &str, name: &str) {
    let mut body = registration(id, "saliva", 2);
    body["collected_at"] = json!(chrono::Utc::now().to_rfc3339());
    body["onset_date"] = json!((chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
        - chrono::Duration::days(2))
    .to_string());
    body["patient"]["name"] = json!(name);
    body["patient"]["patient_id"] = json!(format!("P-{id}"));
    let (status, res) = app.register(&app.token(Role::Lab), &body).await;
    assert_eq!(status, 201, "{res}");
}

fn tokyo_today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
}

#[tokio::test]
async fn the_reports_page_names_each_character_shift_jis_cannot_hold_before_the_download() {
    let app = app().await;
    registered_now(&app, "SJ-1", "吉田 太郎").await;
    registered_now(&app, "SJ-2", "𠮷田 花子").await;
    registered_now(&app, "SJ-3", "髙橋 🌸").await;
    let today = tokyo_today();
    let health = app.sign_in(&app.token(Role::HealthCentre)).await;
    let (status, html) = app.page(&health, &format!("/reports?date={today}")).await;
    assert_eq!(status, 200, "{html}");

    // Beside the Shift_JIS download, and listed row by row: which line,
    // which specimen, which field, which character and what it becomes.
    assert!(html.contains("2文字を置き換えます"), "{html}");
    let section = html
        .split("id=\"sjis-title\"")
        .nth(1)
        .and_then(|s| s.split("</table>").next())
        .expect("the Shift_JIS section");
    assert!(
        section.contains(&format!("hersys-{today}-sjis.csv")),
        "{section}"
    );
    let rows: Vec<&str> = section.split("<tr data-column=").skip(1).collect();
    assert_eq!(rows.len(), 2, "{section}");
    assert!(rows[0].contains("<code>SJ-2</code>"), "{}", rows[0]);
    assert!(rows[0].contains("<td>氏名</td>"), "{}", rows[0]);
    assert!(rows[0].contains("𠮷 (U+20BB7)"), "{}", rows[0]);
    assert!(rows[0].contains("〓 (U+3013)"), "{}", rows[0]);
    assert!(
        rows[0].contains("<td class=\"num\">3</td>"),
        "line 3 of the CSV: {}",
        rows[0]
    );
    assert!(rows[1].contains("<code>SJ-3</code>") && rows[1].contains("🌸 (U+1F338)"));
    // 髙 is in CP932: nothing to say about it.
    assert!(!section.contains("髙 (U+"), "{section}");

    // The text file beside the download lists the same, in words.
    let txt_path = format!("/reports/sjis-replacements?date={today}");
    assert!(html.contains(&format!("href=\"{}\"", txt_path)));
    let res = app.get_with_session(&health, &txt_path).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(header(&res, "content-type"), "text/plain; charset=utf-8");
    assert_eq!(
        header(&res, "content-disposition"),
        format!("attachment; filename=\"hersys-{today}-sjis-replacements.txt\"")
    );
    let text = res.text().await.expect("the text file");
    assert!(text.starts_with('\u{feff}'), "a BOM for Notepad");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert!(
        lines[1].contains(&format!("hersys-{today}-sjis.csv")) && lines[1].ends_with(": 2"),
        "{text}"
    );
    assert_eq!(lines[4], "3\tSJ-2\t氏名\t𠮷\tU+20BB7\t〓", "{text}");
    assert_eq!(lines[5], "4\tSJ-3\t氏名\t🌸\tU+1F338\t〓", "{text}");

    // The CSV itself agrees: the same lines hold 〓.
    let (status, _, csv) = app
        .get_text(
            &format!("/api/v1/reports/hersys?date={today}&format=csv&encoding=sjis"),
            &app.admin,
        )
        .await;
    assert_eq!(status, 200);
    assert!(!csv.is_empty());

    // A day with nothing to replace says so, and offers no file.
    let (_, html) = app
        .page(
            &health,
            &format!("/reports?date={}", today - chrono::Duration::days(9)),
        )
        .await;
    assert!(html.contains(kentai::web::text::reports::REPORTS_JA.sjis_none));
    assert!(!html.contains("/reports/sjis-replacements?"));
}

#[tokio::test]
async fn the_summary_is_a_printable_page_inside_the_site_with_the_way_back() {
    let app = app().await;
    registered_now(&app, "SUM-1", "集計 太郎").await;
    let today = tokyo_today();
    let health = app.sign_in(&app.token(Role::HealthCentre)).await;
    let path = format!("/reports/summary?date={today}&facility=1310000001");
    let (status, html) = app.page(&health, &path).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"ja\">"));
    // Inside the layout: the navigation, marked as the reports section.
    assert!(html.contains("<nav"), "{html}");
    assert!(html.contains("href=\"/reports\" aria-current=\"page\""));
    assert!(html.contains("<main id=\"main\""));
    // The way back to the same day and facility, and a print button.
    assert!(html.contains(&format!(
        "href=\"/reports?date={today}&amp;facility=1310000001\""
    )));
    assert!(html.contains("data-print"));
    assert!(html.contains("/assets/print.js?v="));
    // The table in words.
    for words in ["集計表", "報告件数", "結果待ち", "唾液", "検査方法"] {
        assert!(html.contains(words), "{words}: {html}");
    }
    // And in English when asked.
    let (_, html) = app
        .page(&health, &format!("/reports/summary?date={today}&lang=en"))
        .await;
    for words in ["Day summary", "Rows reported", "pending", "saliva"] {
        assert!(html.contains(words), "{words}: {html}");
    }
    assert!(!html.contains("結果待ち"));
    // The API's fragment stays for programs.
    let (status, _, fragment) = app
        .get_text(
            &format!("/api/v1/reports/summary?date={today}&format=html"),
            &app.admin,
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        fragment.starts_with("<table class=\"kentai-day-summary\""),
        "{fragment}"
    );
}
