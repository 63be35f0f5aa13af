//! API tokens people make for their own programs (README, "API tokens for
//! programs"): many a user, each named, with an optional expiry, shown
//! once, listed by name and last use, revoked by their owner; the user's
//! own token goes on working beside them. The stream that ends when its
//! token is revoked is in `revocation`.

use crate::common::*;
use diesel::prelude::*;
use kentai::store::schema::api_tokens;
use serde_json::{json, Value};

/// Makes a token as the holder of `token`: the answer's body.
async fn make(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, made) = app.post("/api/v1/me/tokens", token, body).await;
    assert_eq!(status, 201, "{made}");
    made
}

fn secret(made: &Value) -> String {
    made["token"].as_str().expect("the token").to_string()
}

async fn list(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, list) = app.get("/api/v1/me/tokens", token).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().expect("a list").clone()
}

fn names(list: &[Value]) -> Vec<&str> {
    list.iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect()
}

/// The stored last use of token `id`.
fn last_used(app: &TestApp, id: i64) -> Option<chrono::NaiveDateTime> {
    app.ctx
        .store
        .read(|c| {
            api_tokens::table
                .find(id)
                .select(api_tokens::last_used_at)
                .first(c)
                .map_err(kentai::store::StoreError::from)
        })
        .expect("read the token's last use")
}

#[tokio::test]
async fn two_tokens_made_for_programs_both_work_and_are_listed_by_name_and_last_use_never_as_tokens(
) {
    let app = spawn_app().await;
    let (_, own) = app.api_user("programmer", "lab").await;
    let first = make(&app, &own, &json!({"name": "日報の自動取得"})).await;
    let expires = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let second = make(
        &app,
        &own,
        &json!({"name": "結果の取り込み", "expires_at": expires}),
    )
    .await;
    assert_eq!(first["name"], "日報の自動取得");
    assert_eq!(first["expires_at"], Value::Null);
    assert!(second["expires_at"].is_string(), "{second}");
    let (a, b) = (secret(&first), secret(&second));
    assert!(a.starts_with("kt_") && b.starts_with("kt_") && a != b);
    assert_ne!(a, own);

    // Each admits its user, as the user's own token still does.
    for token in [&a, &b, &own] {
        let (status, me) = app.get("/api/v1/me", token).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["name"], "programmer");
        assert_eq!(me["role"], "lab");
    }

    let (status, text) = {
        let (status, _, text) = app.get_text("/api/v1/me/tokens", &own).await;
        (status, text)
    };
    assert_eq!(status, 200, "{text}");
    let hashes = [a.as_str(), b.as_str()].map(kentai::tokens::hash_token);
    for hidden in [a.as_str(), b.as_str(), &hashes[0], &hashes[1], "token_hash"] {
        assert!(!text.contains(hidden), "the list shows {hidden}: {text}");
    }
    let listed: Value = serde_json::from_str(&text).expect("JSON");
    let listed = listed.as_array().expect("a list");
    assert_eq!(names(listed), ["日報の自動取得", "結果の取り込み"]);
    for t in listed {
        assert!(t.get("token").is_none(), "{t}");
        assert!(t["last_used_at"].is_string(), "used once: {t}");
        assert!(t["created_at"].is_string(), "{t}");
        assert_eq!(t["expired"], false, "{t}");
    }
    assert_eq!(listed[0]["id"], first["id"]);
    // The list of a token made by the same user reads the same.
    assert_eq!(list(&app, &a).await.len(), 2);
}

#[tokio::test]
async fn the_last_use_is_written_at_most_once_a_minute() {
    let app = spawn_app().await;
    let made = make(&app, &app.admin, &json!({"name": "poller"})).await;
    let id = made["id"].as_i64().expect("id");
    assert_eq!(last_used(&app, id), None, "not used yet");
    let token = secret(&made);
    let (status, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200);
    let first = last_used(&app, id).expect("the first use is written");
    for _ in 0..5 {
        let (status, _) = app.get("/api/v1/me", &token).await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        last_used(&app, id),
        Some(first),
        "rewritten within a minute"
    );
    // A use noted more than a minute ago is noted again.
    let long_ago = first - chrono::Duration::minutes(2);
    app.ctx
        .store
        .write(|c| {
            diesel::update(api_tokens::table.find(id))
                .set(api_tokens::last_used_at.eq(long_ago))
                .execute(c)
                .map_err(kentai::store::StoreError::from)
        })
        .expect("age the last use");
    let (status, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200);
    assert!(last_used(&app, id).expect("written") > long_ago);
}

#[tokio::test]
async fn a_revoked_token_is_refused_while_the_users_other_tokens_go_on() {
    let app = spawn_app().await;
    let (user_id, own) = app.api_user("revoker", "reception").await;
    let first = make(&app, &own, &json!({"name": "old script"})).await;
    let second = make(&app, &own, &json!({"name": "new script"})).await;
    let before = app.count("audit_log");
    let (status, body) = app
        .delete(&format!("/api/v1/me/tokens/{}", first["id"]), &own)
        .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(body, Value::Null, "204 has no body");
    assert_eq!(
        app.count("audit_log"),
        before + 1,
        "the revocation is audited"
    );

    let (status, answer) = app.get("/api/v1/me", &secret(&first)).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["error"]["code"], "unauthorized");
    for token in [secret(&second), own.clone()] {
        let (status, answer) = app.get("/api/v1/me", &token).await;
        assert_eq!(status, 200, "{answer}");
    }
    assert_eq!(names(&list(&app, &own).await), ["new script"]);
    // Revoked is gone: again is 404, and its name is free again.
    let (status, answer) = app
        .delete(&format!("/api/v1/me/tokens/{}", first["id"]), &own)
        .await;
    assert_eq!(status, 404, "{answer}");
    make(&app, &own, &json!({"name": "old script"})).await;

    let (status, audit) = app
        .get(
            &format!("/api/v1/audit?entity=user&entity_id={user_id}"),
            &app.admin,
        )
        .await;
    assert_eq!(status, 200, "{audit}");
    let actions: Vec<&str> = audit
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"api_token.create"), "{actions:?}");
    assert!(actions.contains(&"api_token.revoke"), "{actions:?}");
    let text = audit.to_string();
    assert!(!text.contains(&secret(&first)), "the audit holds a token");
}

#[tokio::test]
async fn an_expired_token_is_refused_and_listed_as_expired() {
    let app = spawn_app().await;
    let (_, own) = app.api_user("short-lived", "lab").await;
    let expires = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let made = make(
        &app,
        &own,
        &json!({"name": "for a moment", "expires_at": expires.to_rfc3339()}),
    )
    .await;
    let token = secret(&made);
    let (status, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200, "before its expiry");
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    let (status, answer) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 401, "{answer}");
    assert_eq!(answer["error"]["code"], "unauthorized");
    let listed = list(&app, &own).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["expired"], true, "{listed:?}");
    // An expired token's name may be used again.
    make(&app, &own, &json!({"name": "for a moment"})).await;
}

#[tokio::test]
async fn a_bad_name_or_expiry_is_refused_with_its_code_and_nothing_is_made() {
    let app = spawn_app().await;
    let (_, own) = app.api_user("careless", "lab").await;
    make(&app, &own, &json!({"name": "in use"})).await;
    let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let cases = [
        (json!({"name": ""}), 400, "invalid_input", Some("name")),
        (json!({"name": "   "}), 400, "invalid_input", Some("name")),
        (
            json!({"name": "x".repeat(61)}),
            400,
            "invalid_input",
            Some("name"),
        ),
        (
            json!({"name": " padded"}),
            400,
            "invalid_input",
            Some("name"),
        ),
        (
            json!({"name": "bell\u{7}"}),
            400,
            "invalid_input",
            Some("name"),
        ),
        (
            json!({"name": "rtl\u{202e}"}),
            400,
            "invalid_input",
            Some("name"),
        ),
        (
            json!({"name": "late", "expires_at": past}),
            400,
            "invalid_input",
            Some("expires_at"),
        ),
        (
            json!({"name": "vague", "expires_at": "tomorrow"}),
            400,
            "invalid_input",
            None,
        ),
        (json!({"expires_at": null}), 400, "invalid_input", None),
        (
            json!({"name": "extra", "scope": "all"}),
            400,
            "invalid_input",
            None,
        ),
        (json!({"name": "in use"}), 409, "duplicate_token_name", None),
    ];
    let before = app.snapshot();
    for (body, status, code, field) in cases {
        let (got, answer) = app.post("/api/v1/me/tokens", &own, &body).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
        assert!(answer["error"]["message"].is_string(), "{answer}");
        if let Some(field) = field {
            assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
        }
    }
    assert_eq!(app.snapshot(), before, "a refused token was made");
    // 60 characters is the longest name.
    make(&app, &own, &json!({"name": "x".repeat(60)})).await;
    // English on request.
    let (_, answer) = app
        .post(
            "/api/v1/me/tokens?lang=en",
            &own,
            &json!({"name": "in use"}),
        )
        .await;
    let message = answer["error"]["message"].as_str().expect("message");
    assert!(message.contains("already"), "{message}");
}

#[tokio::test]
async fn another_users_token_is_unknown_to_you_and_stays_working() {
    let app = spawn_app().await;
    let (_, alice) = app.api_user("alice", "lab").await;
    let (_, bob) = app.api_user("bob", "lab").await;
    let hers = make(&app, &alice, &json!({"name": "alice's script"})).await;
    let id = hers["id"].as_i64().expect("id");
    assert!(list(&app, &bob).await.is_empty(), "bob sees alice's token");
    let before = app.snapshot();
    for path in [
        format!("/api/v1/me/tokens/{id}"),
        "/api/v1/me/tokens/999999".into(),
    ] {
        let (status, answer) = app.delete(&path, &bob).await;
        assert_eq!(status, 404, "{path}: {answer}");
        assert_eq!(answer["error"]["code"], "not_found", "{answer}");
    }
    // The admin has no say over another user's program tokens either.
    let (status, _) = app
        .delete(&format!("/api/v1/me/tokens/{id}"), &app.admin)
        .await;
    assert_eq!(status, 404);
    assert_eq!(app.snapshot(), before);
    let (status, me) = app.get("/api/v1/me", &secret(&hers)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], "alice");
    let (status, answer) = app.delete("/api/v1/me/tokens/not-a-number", &bob).await;
    assert_eq!(status, 400, "{answer}");
}

#[tokio::test]
async fn a_program_token_follows_its_user_and_does_not_sign_in_to_the_pages() {
    let app = spawn_app().await;
    let (user_id, own) = app.api_user("follower", "lab").await;
    let token = secret(&make(&app, &own, &json!({"name": "follows"})).await);
    // The pages take the person's own credentials only.
    let res = app.post_sign_in(&token, None).await;
    assert!(
        set_cookie_value(&res, "kentai_session").is_none(),
        "an API token opened a browser session"
    );
    // Disabled, the user's program tokens are refused with its own token;
    // enabled again, they work again.
    let (status, _) = app.set_disabled(&app.admin, user_id, true).await;
    assert_eq!(status, 200);
    let (status, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 401);
    let (status, _) = app.set_disabled(&app.admin, user_id, false).await;
    assert_eq!(status, 200);
    let (status, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200);
    // A new own token from the admin leaves the program tokens working.
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{user_id}/token"),
            &app.admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200);
    let (status, _) = app.get("/api/v1/me", &own).await;
    assert_eq!(status, 401, "the replaced own token");
}

#[tokio::test]
async fn the_token_page_makes_a_token_shown_once_lists_it_and_revokes_it() {
    let app = spawn_app().await;
    let (_, own) = app.api_user("page-user", "reception").await;
    let session = app.sign_in(&own).await;
    let (status, html) = app.page(&session, "/account/tokens").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("API トークン"), "{html}");
    assert!(
        html.contains("href=\"/account/tokens\""),
        "the header links it"
    );
    assert!(html.contains("トークンはまだありません"), "{html}");

    // Without the session's CSRF token nothing is made.
    let before = app.snapshot();
    let res = app
        .post_form(&session, "/account/tokens", &[("name", "forged")])
        .await;
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(app.snapshot(), before);
    // A bad name comes back with its reason, and nothing is made.
    let (status, _, html) = app
        .submit_with_csrf(
            &session,
            "/account/tokens",
            &[("name", ""), ("expires_on", "")],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert_refused(&html, "invalid_input");
    let (status, _, html) = app
        .submit_with_csrf(
            &session,
            "/account/tokens",
            &[("name", "yesterday"), ("expires_on", "2020-01-01")],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert_refused(&html, "invalid_input");
    assert!(html.contains("有効期限"), "{html}");
    assert_eq!(app.snapshot(), before);

    // Made: shown once, in the answer to the form.
    let day = (chrono::Utc::now() + chrono::Duration::days(2))
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let tomorrow = day.to_string();
    let (status, _, html) = app
        .submit_with_csrf(
            &session,
            "/account/tokens",
            &[("name", "受付集計"), ("expires_on", &tomorrow)],
        )
        .await;
    assert_eq!(status, 201, "{html}");
    assert!(html.contains("二度と表示されません"), "{html}");
    let start = html
        .find("id=\"new-token\">")
        .expect("the token on the page")
        + 15;
    let token: String = html[start..].chars().take_while(|c| *c != '<').collect();
    assert!(token.starts_with("kt_"), "{token}");
    let (status, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], "page-user");

    // Listed by name, never shown again.
    let (status, html) = app.page(&session, "/account/tokens").await;
    assert_eq!(status, 200);
    assert!(html.contains("受付集計"), "{html}");
    assert!(!html.contains(&token), "the list shows the token");
    for column in ["名前", "作成", "有効期限", "最終使用"] {
        assert!(html.contains(column), "{column}: {html}");
    }
    let listed = list(&app, &own).await;
    let id = listed[0]["id"].as_i64().expect("id");
    let expires = listed[0]["expires_at"].as_str().expect("expiry");
    // It works all of the day chosen: until the next midnight, site time.
    let next = day.succ_opt().expect("the next day");
    assert_eq!(expires, format!("{next}T00:00:00+09:00"));
    let revoke = format!("/account/tokens/{id}/revoke");
    assert!(html.contains(&revoke), "{html}");

    // Revoked with the form: forged is refused, the real one works.
    let res = app.post_form(&session, &revoke, &[("csrf", "0")]).await;
    assert_eq!(res.status().as_u16(), 403);
    let (status, location, _) = app.submit_with_csrf(&session, &revoke, &[]).await;
    assert_eq!(status, 303);
    assert_eq!(location, "/account/tokens?done=revoked");
    let (status, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 401);
    let (_, html) = app.page(&session, &location).await;
    assert!(html.contains("取り消しました"), "{html}");
    // Again: it is no longer there.
    let (status, _, html) = app.submit_with_csrf(&session, &revoke, &[]).await;
    assert_eq!(status, 404, "{html}");
    assert_refused(&html, "not_found");
    // In English on request.
    let (_, html) = app.page(&session, "/account/tokens?lang=en").await;
    assert!(html.contains("API tokens"), "{html}");
}
