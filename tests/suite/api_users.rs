//! Managing users over the API: `PATCH /api/v1/users/{user_id}` disables
//! and enables a user, `POST /api/v1/users/{user_id}/token` replaces its
//! token. Both take effect at once (the old token is refused on the next
//! request and the user's web sessions end), are the admin's alone, are
//! recorded in the audit log, and refuse an admin disabling themself.

use crate::common::*;
use kentai::domain::roles::Role;
use serde_json::{json, Value};

async fn new_token(app: &TestApp, token: &str, id: i64) -> (u16, Value) {
    app.post(&format!("/api/v1/users/{id}/token"), token, &json!({}))
        .await
}

/// The audit entries about one user, newest first: (action, before, after).
async fn audit_of(app: &TestApp, id: i64) -> Vec<(String, Value, Value)> {
    let (status, body) = app
        .get(
            &format!("/api/v1/audit?entity=user&entity_id={id}"),
            &app.admin,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .expect("audit entries")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action").to_string(),
                e["before"].clone(),
                e["after"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn disabling_a_user_refuses_its_token_at_once_and_ends_its_web_sessions() {
    let app = spawn_app_with(with_stations).await;
    let (id, token) = app.api_user("clerk-a", "reception").await;
    let session = app.sign_in(&token).await;
    let (status, _) = app.page(&session, "/stations").await;
    assert_eq!(status, 200);
    assert_eq!(app.count("sessions"), 1);

    let (status, body) = app.set_disabled(&app.admin, id, true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], id);
    assert_eq!(body["name"], "clerk-a");
    assert_eq!(body["role"], "reception");
    assert_eq!(body["disabled"], true);
    assert!(body.get("token").is_none(), "{body}");

    // The very next request with the token is refused.
    let (status, body) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "unauthorized");
    // The browser's session is gone from the table, not merely refused.
    assert_eq!(app.count("sessions"), 0);
    let (status, _) = app.page(&session, "/stations").await;
    assert_eq!(status, 303, "the disabled user's page leads to sign-in");
    let (status, list) = app.get("/api/v1/users", &app.admin).await;
    assert_eq!(status, 200);
    let listed = list
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["id"] == id)
        .cloned()
        .expect("the user is still listed");
    assert_eq!(listed["disabled"], true, "{listed}");

    // Disabling again changes nothing and records nothing more.
    let before = app.snapshot();
    let (status, body) = app.set_disabled(&app.admin, id, true).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["disabled"], true);
    assert_eq!(app.snapshot(), before);

    // Enabled again, the same token works again.
    let (status, body) = app.set_disabled(&app.admin, id, false).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["disabled"], false);
    let (status, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me, json!({"name": "clerk-a", "role": "reception"}));
    let again = app.sign_in(&token).await;
    let (status, _) = app.page(&again, "/stations").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_new_token_works_at_once_and_the_old_one_is_refused() {
    let app = spawn_app_with(with_stations).await;
    let (id, old) = app.api_user("tech-b", "lab").await;
    let session = app.sign_in(&old).await;
    let other = app.token(Role::Lab);
    let bystander = app.sign_in(&other).await;

    let (status, body) = new_token(&app, &app.admin, id).await;
    assert_eq!(status, 200, "{body}");
    let new = body["token"].as_str().expect("token").to_string();
    assert!(new.starts_with("kt_") && new.len() >= 35, "{new}");
    assert_ne!(new, old);
    assert_eq!(body["user"]["id"], id);
    assert_eq!(body["user"]["name"], "tech-b");

    let (status, _) = app.get("/api/v1/me", &old).await;
    assert_eq!(status, 401, "the old token still works");
    let (status, me) = app.get("/api/v1/me", &new).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], "tech-b");
    // Whoever was signed in with the old token is signed out; nobody else.
    let (status, _) = app.page(&session, "/stations").await;
    assert_eq!(status, 303);
    let (status, _) = app.page(&bystander, "/stations").await;
    assert_eq!(status, 200, "another user's session ended too");
    // The new token signs in.
    let res = app.post_sign_in(&new, None).await;
    assert_eq!(res.status().as_u16(), 303);

    // The database keeps only the new token's hash.
    let hash = kentai::tokens::hash_token(&new);
    let stored: i64 = {
        use diesel::prelude::*;
        use kentai::store::schema::users;
        app.ctx
            .store
            .read(|c| {
                users::table
                    .filter(users::token_hash.eq(&hash))
                    .count()
                    .get_result(c)
                    .map_err(kentai::store::StoreError::from)
            })
            .expect("count")
    };
    assert_eq!(stored, 1);

    // A disabled user's new token is refused like the old one, until the
    // user is enabled: a new token does not enable anyone.
    let (status, _) = app.set_disabled(&app.admin, id, true).await;
    assert_eq!(status, 200);
    let (status, body) = new_token(&app, &app.admin, id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["disabled"], true, "{body}");
    let newest = body["token"].as_str().expect("token").to_string();
    let (status, _) = app.get("/api/v1/me", &newest).await;
    assert_eq!(status, 401);
    let (status, _) = app.set_disabled(&app.admin, id, false).await;
    assert_eq!(status, 200);
    let (status, _) = app.get("/api/v1/me", &newest).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_admin_disabling_themself_is_refused_with_self_lockout_and_nothing_changes() {
    let app = spawn_app().await;
    let me = app.user_id("admin").await;
    let before = app.snapshot();
    let (status, body) = app.set_disabled(&app.admin, me, true).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "self_lockout", "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert_eq!(app.snapshot(), before, "a refused self-disable wrote");
    let (status, _) = app.get("/api/v1/me", &app.admin).await;
    assert_eq!(status, 200, "the admin is locked out");

    // Enabling oneself (already enabled) is harmless; another admin may
    // disable this one.
    let (status, body) = app.set_disabled(&app.admin, me, false).await;
    assert_eq!(status, 200, "{body}");
    let (_, second) = app.api_user("admin-2", "admin").await;
    let (status, body) = app.set_disabled(&second, me, true).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app.get("/api/v1/me", &app.admin).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn an_unknown_user_is_404_and_a_bad_request_400_and_neither_changes_anything() {
    let app = spawn_app().await;
    let (id, token) = app.api_user("clerk-c", "reception").await;
    let before = app.snapshot();
    for unknown in [id + 1000, 0, -1] {
        let (status, body) = app.set_disabled(&app.admin, unknown, true).await;
        assert_eq!(status, 404, "PATCH {unknown}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "{body}");
        let (status, body) = new_token(&app, &app.admin, unknown).await;
        assert_eq!(status, 404, "POST token {unknown}: {body}");
        assert_eq!(body["error"]["code"], "not_found", "{body}");
        assert!(body.get("token").is_none(), "{body}");
    }
    let path = format!("/api/v1/users/{id}");
    for bad in [
        json!({}),
        json!({"disabled": "yes"}),
        json!({"disabled": null}),
        json!({"disabled": true, "role": "admin"}),
        json!({"name": "renamed"}),
        json!([true]),
        json!(true),
    ] {
        let (status, body) = app.patch(&path, &app.admin, &bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "invalid_input", "{bad}: {body}");
    }
    for (content_type, raw) in [
        ("application/json", "{not json"),
        ("application/json", ""),
        ("text/plain", "{\"disabled\": true}"),
    ] {
        let res = app
            .client
            .patch(app.url(&path))
            .bearer_auth(&app.admin)
            .header("content-type", content_type)
            .body(raw)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), 400, "{content_type} {raw:?}");
    }
    for bad_id in ["abc", "1.5", "99999999999999999999"] {
        let (status, body) = app
            .patch(
                &format!("/api/v1/users/{bad_id}"),
                &app.admin,
                &json!({"disabled": true}),
            )
            .await;
        assert_eq!(status, 400, "PATCH {bad_id}: {body}");
        let (status, body) = app
            .post(
                &format!("/api/v1/users/{bad_id}/token"),
                &app.admin,
                &json!({}),
            )
            .await;
        assert_eq!(status, 400, "POST token {bad_id}: {body}");
    }
    assert_eq!(app.snapshot(), before, "a refused request wrote");
    let (status, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn only_an_admin_may_disable_enable_or_issue_a_token() {
    let app = spawn_app_with(with_stations).await;
    let (id, token) = app.api_user("clerk-d", "reception").await;
    for role in [Role::Reception, Role::Lab, Role::HealthCentre] {
        let other = app.token(role);
        let before = app.snapshot();
        for disabled in [true, false] {
            let (status, body) = app.set_disabled(&other, id, disabled).await;
            assert_eq!(status, 403, "{role:?}: {body}");
            assert_eq!(body["error"]["code"], "forbidden", "{body}");
        }
        let (status, body) = new_token(&app, &other, id).await;
        assert_eq!(status, 403, "{role:?}: {body}");
        assert!(body.get("token").is_none(), "{body}");
        // Not even for oneself: a clerk cannot mint a token.
        let (status, _) = new_token(&app, &other, id + 1).await;
        assert_eq!(status, 403, "{role:?}");
        assert_eq!(app.snapshot(), before, "{role:?} was refused but wrote");
    }
    let (status, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn every_change_to_a_user_is_in_the_audit_log_without_its_token() {
    let app = spawn_app().await;
    let (id, _) = app.api_user("clerk-e", "reception").await;
    let (status, _) = app.set_disabled(&app.admin, id, true).await;
    assert_eq!(status, 200);
    let (status, _) = app.set_disabled(&app.admin, id, false).await;
    assert_eq!(status, 200);
    let (status, issued) = new_token(&app, &app.admin, id).await;
    assert_eq!(status, 200);
    let token = issued["token"].as_str().expect("token").to_string();

    let entries = audit_of(&app, id).await;
    let actions: Vec<&str> = entries.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        ["user.token", "user.enable", "user.disable", "user.create"],
        "{entries:?}"
    );
    let (_, before, after) = &entries[2];
    assert_eq!(before["disabled"], false, "{entries:?}");
    assert_eq!(after["disabled"], true, "{entries:?}");
    let (_, before, after) = &entries[1];
    assert_eq!(before["disabled"], true, "{entries:?}");
    assert_eq!(after["disabled"], false, "{entries:?}");

    // Who did it is the admin; the new token is nowhere in the log.
    let (status, body) = app
        .get(
            &format!("/api/v1/audit?entity=user&entity_id={id}"),
            &app.admin,
        )
        .await;
    assert_eq!(status, 200);
    for e in body.as_array().expect("entries").iter().take(3) {
        assert_eq!(e["user"], "admin", "{e}");
        assert_eq!(e["role"], "admin", "{e}");
    }
    let secret = token.trim_start_matches("kt_");
    assert!(
        !body.to_string().contains(secret),
        "the token is in the log"
    );
    assert!(
        !body
            .to_string()
            .contains(&kentai::tokens::hash_token(&token)),
        "the token's hash is in the log"
    );
}
