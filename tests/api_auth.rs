//! Who may call what: bearer tokens on every route but `/healthz`, the
//! role × route table of API.md, users and their tokens, the OpenAPI
//! document against the real routes, and `kentai user add`.

mod common;

use common::*;
use kentai::domain::roles::Role;
use reqwest::header::{HeaderMap, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::process::Command;

/// Every route `kentai::http::configure` serves (src/http/mod.rs). Adding a
/// route there means adding it here, and then to the OpenAPI document.
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/v1/me"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users"),
    ("GET", "/api/v1/audit"),
    ("POST", "/api/v1/specimens"),
    ("GET", "/api/v1/specimens"),
    ("GET", "/api/v1/specimens/{specimen_id}"),
    ("POST", "/api/v1/specimens/{specimen_id}/storage"),
    ("POST", "/api/v1/specimens/{specimen_id}/results"),
    ("GET", "/api/v1/alerts"),
    ("POST", "/api/v1/locations"),
    ("GET", "/api/v1/locations"),
    ("GET", "/api/v1/locations/{code}"),
];

/// The only route that answers without a token (API.md).
const PUBLIC: (&str, &str) = ("GET", "/healthz");

/// Routes the OpenAPI document does not list: the document itself.
const UNDOCUMENTED: &[(&str, &str)] = &[("GET", "/api/openapi.json")];

/// `/api/v1/specimens/{specimen_id}` → `/api/v1/specimens/X`.
fn concrete(path: &str, value: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with('}') {
                value
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn method(m: &str) -> Method {
    Method::from_bytes(m.as_bytes()).expect("HTTP method")
}

/// Sends one request; `auth` is the raw Authorization header, if any, and
/// a POST carries `body` as JSON (or these bytes as `text/plain`).
async fn send(
    app: &TestApp,
    m: &str,
    path: &str,
    auth: Option<&str>,
    body: Option<&Value>,
) -> (u16, HeaderMap, Value) {
    let mut req = app.client.request(method(m), app.url(path));
    if let Some(auth) = auth {
        req = req.header(AUTHORIZATION, auth);
    }
    if let Some(body) = body {
        req = req.json(body);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, value)
}

/// A body for an assertion message, cut short.
fn short(body: &Value) -> String {
    let text = body.to_string();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

fn assert_unauthorized(what: &str, status: u16, headers: &HeaderMap, body: &Value) {
    assert_eq!(status, 401, "{what}: {}", short(body));
    assert_eq!(body["error"]["code"], "unauthorized", "{what}: {body}");
    assert!(body["error"]["message"].is_string(), "{what}: {body}");
    let challenge = headers
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer"),
        "{what}: WWW-Authenticate is {challenge:?}"
    );
}

/// A well-formed body for each POST route, so only the token is wrong.
fn valid_body(path: &str) -> Value {
    match path {
        "/api/v1/users" => json!({"name": "someone", "role": "lab"}),
        "/api/v1/specimens" => registration("NOAUTH-1", "saliva", 3),
        "/api/v1/locations" => {
            json!({"code": "F-NOAUTH", "name": "Fridge", "storage_class": "fridge_4c"})
        }
        p if p.ends_with("/storage") => json!({"location": "F-1"}),
        p if p.ends_with("/results") => {
            json!({"result": "negative", "resulted_at": chrono::Utc::now().to_rfc3339()})
        }
        _ => json!({}),
    }
}

fn protected_routes() -> impl Iterator<Item = (&'static str, &'static str)> {
    ROUTES.iter().copied().filter(|r| *r != PUBLIC)
}

#[tokio::test]
async fn healthz_answers_ok_without_a_token() {
    let app = spawn_app().await;
    let (status, _, body) = send(&app, "GET", "/healthz", None, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"status": "ok"}));
}

/// A server holding location `F-1` and specimen `S-1`, so every route has
/// something real to answer about.
async fn app_with_a_location_and_a_specimen() -> TestApp {
    let app = spawn_app().await;
    app.location("F-1", "fridge_4c").await;
    let (status, body) = app
        .register(&app.admin, &registration("S-1", "saliva", 3))
        .await;
    assert_eq!(status, 201, "{body}");
    app
}

#[tokio::test]
async fn every_other_route_answers_401_with_a_bearer_challenge_without_a_token() {
    let app = app_with_a_location_and_a_specimen().await;
    let before = app.snapshot();
    for (m, p) in protected_routes() {
        let path = concrete(p, if p.contains("{code}") { "F-1" } else { "S-1" });
        let body = (m == "POST").then(|| valid_body(p));
        let (status, headers, answer) = send(&app, m, &path, None, body.as_ref()).await;
        assert_unauthorized(
            &format!("{m} {path} without a token"),
            status,
            &headers,
            &answer,
        );
    }
    assert_eq!(app.snapshot(), before, "an unauthenticated request wrote");
}

#[tokio::test]
async fn a_wrong_or_malformed_authorization_header_answers_401_on_every_route() {
    let app = app_with_a_location_and_a_specimen().await;
    let admin = app.admin.clone();
    // The admin's token with its last hex digit changed.
    let mut near_miss = admin.clone();
    let last = near_miss.pop().unwrap();
    near_miss.push(if last == '0' { '1' } else { '0' });
    let headers = [
        format!("Bearer kt_{}", "0".repeat(64)),
        format!("Bearer {near_miss}"),
        format!("Bearer {admin}x"),
        format!("Bearer {}", &admin[..admin.len() - 1]),
        format!("Bearer {}", admin.to_uppercase()),
        format!("Bearer {} {admin}", "kt_0"),
        "Basic YWRtaW46YWRtaW4=".to_string(),
        format!("Basic {admin}"),
        "Bearer".to_string(),
        "Bearer ".to_string(),
        "Bearer    ".to_string(),
        format!("bearer kt_{}", "0".repeat(64)),
        format!("Token {admin}"),
        admin.clone(),
        format!("Bearer{admin}"),
    ];
    let before = app.snapshot();
    for (m, p) in protected_routes() {
        let path = concrete(p, if p.contains("{code}") { "F-1" } else { "S-1" });
        let body = (m == "POST").then(|| valid_body(p));
        for auth in &headers {
            let (status, h, answer) = send(&app, m, &path, Some(auth), body.as_ref()).await;
            assert_unauthorized(
                &format!("{m} {path} with Authorization: {auth:?}"),
                status,
                &h,
                &answer,
            );
        }
    }
    assert_eq!(
        app.snapshot(),
        before,
        "a badly authenticated request wrote"
    );
    // The same requests with the real token do get through.
    let (status, _, body) = send(
        &app,
        "GET",
        "/api/v1/me",
        Some(&format!("Bearer {admin}")),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["role"], "admin");
}

#[tokio::test]
async fn a_missing_or_wrong_token_is_refused_before_the_body_is_looked_at() {
    let app = spawn_app().await;
    app.register(&app.admin, &registration("S-1", "saliva", 3))
        .await;
    let wrong = format!("Bearer kt_{}", "f".repeat(64));
    let before = app.snapshot();
    for (_, p) in protected_routes().filter(|(m, _)| *m == "POST") {
        let path = concrete(p, "S-1");
        let bad_bodies: [(&str, &[u8]); 4] = [
            ("application/json", b"{not json"),
            ("application/json", b"[1, 2, 3]"),
            ("text/plain", b"hello"),
            ("application/json", &[b'"'; 100_000]),
        ];
        for (auth, who) in [(None, "no token"), (Some(wrong.as_str()), "a wrong token")] {
            for (content_type, bytes) in bad_bodies {
                let mut req = app
                    .client
                    .post(app.url(&path))
                    .header("content-type", content_type)
                    .body(bytes.to_vec());
                if let Some(auth) = auth {
                    req = req.header(AUTHORIZATION, auth);
                }
                let res = req.send().await.expect("request");
                let status = res.status().as_u16();
                let headers = res.headers().clone();
                let text = res.text().await.expect("body");
                let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                assert_unauthorized(
                    &format!("POST {path} with {who} and a bad {content_type} body"),
                    status,
                    &headers,
                    &body,
                );
            }
        }
    }
    assert_eq!(app.snapshot(), before);
}

/// Expected status for each route, per role, in the order
/// reception, lab, health_centre, admin (API.md "Roles", src/domain/roles.rs).
const MATRIX: &[((&str, &str), [u16; 4])] = &[
    (("GET", "/api/v1/me"), [200, 200, 200, 200]),
    (("POST", "/api/v1/users"), [403, 403, 403, 201]),
    (("GET", "/api/v1/users"), [403, 403, 403, 200]),
    (("GET", "/api/v1/audit"), [403, 403, 403, 200]),
    (("POST", "/api/v1/specimens"), [201, 201, 403, 201]),
    (("GET", "/api/v1/specimens"), [200, 200, 403, 200]),
    (
        ("GET", "/api/v1/specimens/{specimen_id}"),
        [200, 200, 403, 200],
    ),
    (
        ("POST", "/api/v1/specimens/{specimen_id}/storage"),
        [201, 201, 403, 201],
    ),
    (
        ("POST", "/api/v1/specimens/{specimen_id}/results"),
        [403, 201, 403, 201],
    ),
    (("GET", "/api/v1/alerts"), [200, 200, 403, 200]),
    (("POST", "/api/v1/locations"), [403, 201, 403, 201]),
    (("GET", "/api/v1/locations"), [200, 200, 403, 200]),
    (("GET", "/api/v1/locations/{code}"), [200, 200, 403, 200]),
];

const MATRIX_ROLES: [Role; 4] = [Role::Reception, Role::Lab, Role::HealthCentre, Role::Admin];

#[tokio::test]
async fn each_role_may_call_exactly_the_routes_api_md_gives_it() {
    let app = spawn_app().await;
    app.location("F-1", "fridge_4c").await;
    // The matrix covers every authenticated /api/v1 route.
    let covered: BTreeSet<_> = MATRIX.iter().map(|(r, _)| *r).collect();
    let expected: BTreeSet<_> = protected_routes()
        .filter(|(_, p)| p.starts_with("/api/v1/"))
        .collect();
    assert_eq!(
        covered, expected,
        "the role matrix must list every /api/v1 route"
    );

    for (i, role) in MATRIX_ROLES.into_iter().enumerate() {
        let code = role.code();
        let token = app.token(role);
        // A tube of this role's own, registered by the admin, for the
        // routes that act on one.
        let tube = format!("TUBE-{code}");
        let (status, body) = app
            .register(&app.admin, &registration(&tube, "saliva", 3))
            .await;
        assert_eq!(status, 201, "{body}");

        for ((m, p), statuses) in MATRIX {
            let expected = statuses[i];
            let (path, body) = match (*m, *p) {
                ("POST", "/api/v1/users") => (
                    p.to_string(),
                    Some(json!({"name": format!("made-by-{code}"), "role": "lab"})),
                ),
                ("POST", "/api/v1/specimens") => (
                    p.to_string(),
                    Some(registration(&format!("NEW-{code}"), "saliva", 3)),
                ),
                ("POST", "/api/v1/locations") => (
                    p.to_string(),
                    Some(
                        json!({"code": format!("L-{code}"), "name": "Bench", "storage_class": "ambient"}),
                    ),
                ),
                ("POST", _) => (concrete(p, &tube), Some(valid_body(p))),
                ("GET", _) => (
                    concrete(p, if p.contains("{code}") { "F-1" } else { &tube }),
                    None,
                ),
                _ => unreachable!(),
            };
            let before = app.snapshot();
            let (status, _, answer) = send(
                &app,
                m,
                &path,
                Some(&format!("Bearer {token}")),
                body.as_ref(),
            )
            .await;
            let what = format!("{code} {m} {path}");
            assert_eq!(status, expected, "{what}: {answer}");
            let after = app.snapshot();
            match status {
                403 => {
                    assert_eq!(answer["error"]["code"], "forbidden", "{what}: {answer}");
                    assert_eq!(after, before, "{what} was refused but wrote");
                }
                201 => assert_ne!(after, before, "{what} answered 201 but wrote nothing"),
                _ => assert_eq!(after, before, "{what} is a read but wrote"),
            }
        }
    }
}

#[tokio::test]
async fn reception_cannot_override_a_rule_and_lab_can() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let lab = app.token(Role::Lab);
    let mut late = registration("LATE-1", "saliva", 12);
    late["override_reason"] = json!("医師の指示により唾液で検査");

    let before = app.snapshot();
    let (status, body) = app.register(&reception, &late).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden", "{body}");
    // Even a reason with nothing to override is an override reception may
    // not give.
    let mut ordinary = registration("LATE-2", "saliva", 3);
    ordinary["override_reason"] = json!("念のため");
    let (status, body) = app.register(&reception, &ordinary).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden", "{body}");
    assert_eq!(app.snapshot(), before, "a refused override wrote");
    let (status, _) = app.get("/api/v1/specimens/LATE-1", &lab).await;
    assert_eq!(status, 404);

    let (status, body) = app.register(&lab, &late).await;
    assert_eq!(status, 201, "{body}");
    let flags = body["specimen"]["flags"].as_array().expect("flags");
    assert!(
        flags.iter().any(|f| f["code"] == "saliva_window_exceeded"
            && f["override_reason"] == "医師の指示により唾液で検査"),
        "{body}"
    );
}

fn hex_part(token: &str) -> &str {
    token
        .strip_prefix("kt_")
        .unwrap_or_else(|| panic!("token {token:?} lacks the kt_ prefix"))
}

fn assert_strong(token: &str) {
    let hex = hex_part(token);
    assert!(hex.len() >= 32, "token {token:?} has under 128 bits");
    assert!(
        hex.chars().all(|c| c.is_ascii_hexdigit()),
        "token {token:?} is not hex after kt_"
    );
}

/// Every text column of every row of `users` and `audit_log`.
fn stored_text(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use kentai::store::schema::{audit_log, users};
    app.ctx
        .store
        .read(|c| {
            let users: Vec<(String, String, String)> = users::table
                .select((users::name, users::role, users::token_hash))
                .load(c)?;
            let audit: Vec<(String, String, Option<String>, Option<String>)> = audit_log::table
                .select((
                    audit_log::action,
                    audit_log::entity_id,
                    audit_log::before,
                    audit_log::after,
                ))
                .load(c)?;
            let mut out = Vec::new();
            for (a, b, c) in users {
                out.extend([a, b, c]);
            }
            for (a, b, c, d) in audit {
                out.extend([Some(a), Some(b), c, d].into_iter().flatten());
            }
            Ok::<_, kentai::store::StoreError>(out)
        })
        .expect("read users and audit_log")
}

#[tokio::test]
async fn a_user_created_over_the_api_gets_a_working_token_shown_once_and_stored_hashed() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "/api/v1/users",
            &app.admin,
            &json!({"name": "nurse-a", "role": "reception"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["name"], "nurse-a");
    assert_eq!(body["user"]["role"], "reception");
    let token = body["token"].as_str().expect("token").to_string();
    assert_strong(&token);

    // The token works, as that user.
    let (status, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me, json!({"name": "nurse-a", "role": "reception"}));
    let (status, body) = app
        .register(&token, &registration("BY-NURSE", "saliva", 3))
        .await;
    assert_eq!(status, 201, "{body}");

    // Listing users never shows a token or a hash.
    let hash = kentai::tokens::hash_token(&token);
    let (status, list) = app.get("/api/v1/users", &app.admin).await;
    assert_eq!(status, 200, "{list}");
    let users = list.as_array().expect("a list of users");
    assert!(users.iter().any(|u| u["name"] == "nurse-a"), "{list}");
    for u in users {
        let keys: Vec<&String> = u.as_object().expect("user object").keys().collect();
        assert!(
            !keys
                .iter()
                .any(|k| k.contains("token") || k.contains("hash")),
            "a user in the list has {keys:?}"
        );
    }
    let text = list.to_string();
    assert!(!text.contains(hex_part(&token)), "the list shows the token");
    assert!(!text.contains(&hash), "the list shows the token's hash");
    assert!(
        !text.contains(hex_part(&app.admin)),
        "the list shows the admin's token"
    );

    // A second user of the same name is refused, and no token is shown.
    let (status, again) = app
        .post(
            "/api/v1/users",
            &app.admin,
            &json!({"name": "nurse-a", "role": "admin"}),
        )
        .await;
    assert_eq!(status, 409, "{again}");
    assert_eq!(again["error"]["code"], "duplicate_user", "{again}");
    assert!(again.get("token").is_none(), "{again}");

    // The database holds only the hash: no column of users or audit_log
    // contains any token.
    let stored = stored_text(&app);
    assert!(
        stored.contains(&hash),
        "the users table keeps the token's hash"
    );
    for t in [&token, &app.admin] {
        let secret = hex_part(t);
        assert!(
            !stored.iter().any(|s| s.contains(secret)),
            "a token is stored in clear"
        );
    }
}

#[tokio::test]
async fn a_bad_user_request_is_refused_and_creates_no_user() {
    let app = spawn_app().await;
    let before = app.snapshot();
    for body in [
        json!({"name": "x", "role": "superuser"}),
        json!({"name": "", "role": "lab"}),
        json!({"name": " padded ", "role": "lab"}),
        json!({"name": "a\nb", "role": "lab"}),
        json!({"name": "x".repeat(65), "role": "lab"}),
        json!({"name": "x", "role": "lab", "token": "kt_chosen"}),
        json!({"role": "lab"}),
        json!(["positional", "lab"]),
    ] {
        let (status, answer) = app.post("/api/v1/users", &app.admin, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], "invalid_input", "{body}: {answer}");
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn every_token_kentai_issues_has_at_least_128_random_bits() {
    let app = spawn_app().await;
    let mut seen = BTreeSet::new();
    let mut tokens = vec![app.admin.clone()];
    for role in Role::ALL {
        tokens.push(app.token(role));
    }
    for t in &tokens {
        assert_strong(t);
        assert!(seen.insert(hex_part(t).to_string()), "token issued twice");
    }
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_real_routes() {
    let app = spawn_app().await;
    let (status, doc) = app.get("/api/openapi.json", &app.admin).await;
    assert_eq!(status, 200, "{doc}");
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3."), "openapi {version}");
    let paths = doc["paths"].as_object().expect("paths");

    let mut documented = BTreeSet::new();
    for (path, item) in paths {
        for m in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "patch", "delete", "head", "options"].contains(&m.as_str()) {
                documented.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .filter(|r| !UNDOCUMENTED.contains(r))
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        documented, expected,
        "documented routes differ from the real ones"
    );

    // Every documented operation exists: without a token it is refused
    // (not "no such route"), and /healthz answers.
    for (m, p) in &documented {
        let path = concrete(p, "X");
        let body = (m == "POST").then(|| json!({}));
        let (status, headers, answer) = send(&app, m, &path, None, body.as_ref()).await;
        if (m.as_str(), p.as_str()) == PUBLIC {
            assert_eq!(status, 200, "{m} {path}: {answer}");
        } else {
            assert_unauthorized(&format!("documented {m} {path}"), status, &headers, &answer);
        }
    }

    // Operation ids are unique (OpenAPI requires it; client generators
    // name functions after them).
    let mut ids = BTreeSet::new();
    for (m, p) in &documented {
        let id = doc["paths"][p][m.to_lowercase()]["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{m} {p} has no operationId"));
        assert!(
            ids.insert(id.to_string()),
            "operationId {id:?} is used twice"
        );
    }

    // Every protected operation declares the bearer scheme.
    assert!(
        doc["components"]["securitySchemes"]["bearer"].is_object(),
        "no bearer security scheme"
    );
    for (m, p) in &documented {
        if (m.as_str(), p.as_str()) == PUBLIC {
            continue;
        }
        let op = &doc["paths"][p][m.to_lowercase()];
        assert!(
            op["security"].as_array().is_some_and(|s| !s.is_empty()),
            "{m} {p} does not declare its bearer security"
        );
    }
}

#[test]
fn the_route_list_in_this_test_matches_src_http_mod_rs() {
    // Every path literal and method in `configure` must be accounted for
    // by ROUTES, so a route added there without being added here (and so
    // to the OpenAPI check) fails this test.
    let source = include_str!("../src/http/mod.rs");
    let body = source
        .split("pub fn configure")
        .nth(1)
        .expect("configure in src/http/mod.rs");
    let literals: BTreeSet<String> = body
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with('/'))
        .map(str::to_string)
        .collect();
    let mut expected: BTreeSet<String> = BTreeSet::new();
    for (_, p) in ROUTES {
        match p.strip_prefix("/api/v1") {
            Some(rest) => {
                expected.insert("/api/v1".to_string());
                expected.insert(rest.to_string());
            }
            None => {
                expected.insert(p.to_string());
            }
        }
    }
    assert_eq!(
        literals, expected,
        "paths in configure() differ from ROUTES"
    );
    let handlers = body.matches("web::get()").count() + body.matches("web::post()").count();
    let other = [
        "web::put()",
        "web::patch()",
        "web::delete()",
        "web::head()",
        "web::method(",
    ]
    .iter()
    .map(|m| body.matches(m).count())
    .sum::<usize>();
    assert_eq!(
        (handlers, other),
        (ROUTES.len(), 0),
        "configure() registers a different number of method routes than ROUTES lists"
    );
}

fn kentai(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(args)
        .current_dir(dir)
        .env_remove("KENTAI_CONFIG")
        .env_remove("KENTAI_DATABASE_URL")
        .env_remove("KENTAI_BIND")
        .env("KENTAI_LOG", "error")
        .output()
        .expect("run kentai")
}

#[test]
fn kentai_user_add_prints_a_working_token_alone_on_the_last_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("k.db").display());

    let out = kentai(
        dir.path(),
        &["--database", &url, "user", "add", "aiko", "--role", "lab"],
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout {stdout:?} stderr {stderr:?}"
    );
    let last = stdout.lines().last().expect("a line of output");
    assert_eq!(last, last.trim(), "the token line has padding");
    assert_strong(last);

    // The printed token authenticates as that user.
    let store = kentai::store::Store::open(&url).expect("open the CLI's database");
    let ctx = kentai::actions::Ctx::new(store, kentai::config::Config::default()).expect("ctx");
    let actor = kentai::actions::users::authenticate(&ctx, last)
        .expect("authenticate")
        .expect("the printed token belongs to a user");
    assert_eq!((actor.name.as_str(), actor.role), ("aiko", Role::Lab));

    // A role that does not exist is bad usage: exit 2, a message, no token.
    let out = kentai(
        dir.path(),
        &[
            "--database",
            &url,
            "user",
            "add",
            "ben",
            "--role",
            "superuser",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{:?}", out);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("kt_"),
        "{:?}",
        out
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("superuser"), "{:?}", out);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr:?}");

    // The same name twice is bad input too.
    let out = kentai(
        dir.path(),
        &["--database", &url, "user", "add", "aiko", "--role", "admin"],
    );
    assert_eq!(out.status.code(), Some(2), "{:?}", out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "stderr {stderr:?}");

    let n = kentai::actions::users::list_users(&ctx, &kentai::actions::Actor::system())
        .expect("list users")
        .len();
    assert_eq!(n, 1, "only aiko exists");

    // Migrating an up-to-date database is a no-op that succeeds.
    let out = kentai(dir.path(), &["--database", &url, "migrate"]);
    assert_eq!(out.status.code(), Some(0), "{:?}", out);
}
