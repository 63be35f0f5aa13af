//! The tamper-evident audit log: every write appends a row to a
//! hash chain; `kentai audit verify` walks it; an edited row, a removed
//! row and rows cut from the end are each caught and named; the database
//! itself refuses to change or delete a sealed row; concurrent writers on
//! PostgreSQL never fork the chain; rows from before the chain are sealed
//! into it. Runs on both backends.

use crate::common::*;
use diesel::prelude::*;
use kentai::actions::audit::{self, ChainBreak};
use kentai::domain::roles::Role;
use kentai::store::DbConnection;
use serde_json::json;

/// Lets the next statements change sealed rows (the triggers refuse).
fn disable_guards(app: &TestApp) {
    let is_pg = app
        .ctx
        .store
        .read(|c| Ok::<_, kentai::store::StoreError>(matches!(c, DbConnection::Pg(_))))
        .expect("connection");
    if is_pg {
        tamper(
            app,
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        )
        .expect("disable");
    } else {
        tamper(app, "DROP TRIGGER audit_log_no_update").expect("drop");
        tamper(app, "DROP TRIGGER audit_log_no_delete").expect("drop");
    }
}

fn audit_ids(app: &TestApp) -> Vec<i64> {
    use kentai::store::schema::audit_log;
    app.ctx
        .store
        .read(|c| {
            audit_log::table
                .select(audit_log::id)
                .order(audit_log::id.asc())
                .load(c)
                .map_err(kentai::store::StoreError::from)
        })
        .expect("ids")
}

fn verify(app: &TestApp) -> Result<audit::Verified, ChainBreak> {
    audit::verify(&app.ctx.store).expect("verify runs")
}

/// A few writes of different kinds through the API.
async fn some_writes(app: &TestApp) {
    app.location("FRIDGE", "fridge_4c").await;
    let lab = app.token(Role::Lab);
    for id in ["AU-1", "AU-2", "AU-3"] {
        let (status, body) = app
            .register(&lab, &registration(id, "nasopharyngeal_swab", 2))
            .await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = app
            .post(
                &format!("/api/v1/specimens/{id}/storage"),
                &lab,
                &json!({"location": "FRIDGE"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
}

#[tokio::test]
async fn every_write_extends_the_chain_and_the_whole_chain_verifies() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    some_writes(&app).await;
    let ids = audit_ids(&app);
    assert!(ids.len() >= 7, "{ids:?}");
    let v = verify(&app).expect("an untouched chain verifies");
    assert_eq!(v.rows, ids.len() as i64);
    assert_eq!(v.last_id, *ids.last().expect("rows"));
    assert_eq!(v.last_hash.len(), 64);
    // Refused input writes nothing, so the chain does not move.
    let (status, _) = app
        .register(&lab, &registration("AU-1", "saliva", 12))
        .await;
    assert!(status >= 400);
    assert_eq!(verify(&app).expect("still verifies").last_hash, v.last_hash);
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_a_sealed_row() {
    let app = spawn_app().await;
    some_writes(&app).await;
    let first = audit_ids(&app)[0];
    assert!(tamper(
        &app,
        &format!("UPDATE audit_log SET user_name = 'x' WHERE id = {first}")
    )
    .is_err());
    assert!(tamper(&app, &format!("DELETE FROM audit_log WHERE id = {first}")).is_err());
    assert!(verify(&app).is_ok());
}

#[tokio::test]
async fn an_edited_row_is_named_as_edited() {
    let app = spawn_app().await;
    some_writes(&app).await;
    let ids = audit_ids(&app);
    let target = ids[ids.len() / 2];
    disable_guards(&app);
    tamper(
        &app,
        &format!("UPDATE audit_log SET after = '{{\"result\":\"negative\"}}' WHERE id = {target}"),
    )
    .expect("edit");
    assert_eq!(verify(&app), Err(ChainBreak::Edited { id: target }));
}

#[tokio::test]
async fn a_removed_row_is_caught_at_the_row_after_it() {
    let app = spawn_app().await;
    some_writes(&app).await;
    let ids = audit_ids(&app);
    disable_guards(&app);
    tamper(
        &app,
        &format!("DELETE FROM audit_log WHERE id = {}", ids[2]),
    )
    .expect("delete");
    assert_eq!(verify(&app), Err(ChainBreak::Unlinked { id: ids[3] }));
}

#[tokio::test]
async fn rows_cut_from_the_end_are_caught_by_the_head() {
    let app = spawn_app().await;
    some_writes(&app).await;
    let ids = audit_ids(&app);
    let last = *ids.last().expect("rows");
    disable_guards(&app);
    tamper(&app, &format!("DELETE FROM audit_log WHERE id = {last}")).expect("delete");
    let broken = verify(&app).expect_err("truncation is caught");
    assert!(
        matches!(broken, ChainBreak::Truncated { head_last, found_last, .. }
            if head_last == last && found_last == ids[ids.len() - 2]),
        "{broken:?}"
    );
}

#[tokio::test]
async fn concurrent_writers_append_one_after_another_and_never_fork_the_chain() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let mut tasks = Vec::new();
    for i in 0..24 {
        let (client, address, lab) = (app.client.clone(), app.address.clone(), lab.clone());
        tasks.push(tokio::spawn(async move {
            client
                .post(format!("{address}/api/v1/specimens"))
                .bearer_auth(&lab)
                .json(&registration(&format!("CC-{i}"), "nasopharyngeal_swab", 2))
                .send()
                .await
                .expect("register")
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("task"), 201);
    }
    let v = verify(&app).expect("no fork");
    assert_eq!(v.rows, audit_ids(&app).len() as i64);
}

#[tokio::test]
async fn rows_written_before_the_chain_are_sealed_into_it_once() {
    let app = spawn_app().await;
    some_writes(&app).await;
    // As an upgraded database holds them: no hashes yet.
    tamper(
        &app,
        "INSERT INTO audit_log (at, user_ref, user_name, role, action, entity, entity_id, before, after) \
         VALUES ('2026-01-01 00:00:00', NULL, 'legacy', 'admin', 'create', 'user', '9', NULL, '{}')",
    )
    .expect("legacy row");
    assert_eq!(audit::seal(&app.ctx.store).expect("seal"), 1);
    assert_eq!(audit::seal(&app.ctx.store).expect("seal again"), 0);
    let v = verify(&app).expect("sealed rows verify");
    assert_eq!(v.rows, audit_ids(&app).len() as i64);
    // New writes continue the chain after them.
    app.location("FREEZER", "frozen_minus80").await;
    assert!(verify(&app).is_ok());
}

#[test]
fn kentai_audit_verify_exits_0_on_a_whole_chain_and_1_naming_the_row_after_tampering() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("k.db").display());
    // The CLI speaks as `LANG` says: English here, Japanese below.
    let run_in = |lang: &str, args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kentai"))
            .args(args)
            .args(["--database", &db])
            .current_dir(dir.path())
            .env("LANG", lang)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .output()
            .expect("kentai")
    };
    let run = |args: &[&str]| run_in("en_US.UTF-8", args);
    assert!(run(&["migrate"]).status.success());
    for name in ["ana", "ben", "chie"] {
        let out = run(&["user", "add", name, "--role", "lab"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // Three users and the snapshot of the records taken at the first migration.
    assert!(text.starts_with("audit chain ok: 4 rows"), "{text}");

    let mut c =
        SqliteConnection::establish(&dir.path().join("k.db").display().to_string()).expect("open");
    diesel::sql_query("DROP TRIGGER audit_log_no_update")
        .execute(&mut c)
        .expect("drop trigger");
    let second: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 1)",
    ))
    .get_result(&mut c)
    .expect("second row");
    diesel::sql_query(format!(
        "UPDATE audit_log SET user_name = 'mallory' WHERE id = {second}"
    ))
    .execute(&mut c)
    .expect("tamper");
    let out = run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("audit chain broken at row {second}")),
        "{err}"
    );
    let out = run_in("ja_JP.UTF-8", &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "監査記録のチェーンが行 {second} で壊れています（edited）"
        )),
        "{err}"
    );
}
