//! The audit covers the records: changes made around kentai (a result
//! turned negative, a user promoted to admin, a specimen deleted, a row
//! inserted, an audit row without a hash, the chain cut back with its
//! head moved along, a tampered backup restored) are each detected and
//! named by `audit::check` and `kentai audit verify`. Runs on both
//! backends (the backup test is SQLite's: restore is SQLite only).

use crate::common::*;
use diesel::prelude::*;
use kentai::actions::audit::{self, ChainBreak, Expected, Finding};
use kentai::domain::roles::Role;
use kentai::store::DbConnection;
use serde_json::json;

fn is_pg(app: &TestApp) -> bool {
    app.ctx
        .store
        .read(|c| Ok::<_, kentai::store::StoreError>(matches!(c, DbConnection::Pg(_))))
        .expect("connection")
}

fn check(app: &TestApp) -> audit::Check {
    audit::check(&app.ctx.store, None).expect("check runs")
}

/// The id of the newest result of a specimen.
fn result_id(app: &TestApp, specimen: &str) -> i64 {
    use kentai::store::schema::results;
    app.ctx
        .store
        .read(|c| {
            results::table
                .filter(results::specimen_id.eq(specimen))
                .select(results::id)
                .order(results::id.desc())
                .first(c)
                .map_err(kentai::store::StoreError::from)
        })
        .expect("result")
}

/// A day's work through the API: a location, tubes registered, stored,
/// resulted, a user created.
async fn busy_day(app: &TestApp) -> String {
    app.location("FRIDGE", "fridge_4c").await;
    let lab = app.token(Role::Lab);
    for id in ["TD-1", "TD-2", "TD-3"] {
        let (status, body) = app
            .register(&lab, &registration(id, "nasopharyngeal_swab", 2))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = app
        .post(
            "/api/v1/specimens/TD-1/storage",
            &lab,
            &json!({"location": "FRIDGE"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let resulted_at = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let (status, body) = app
        .post(
            "/api/v1/specimens/TD-2/results",
            &lab,
            &json!({"result": "positive", "resulted_at": resulted_at}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    lab
}

/// Runs raw SQL around kentai ([`tamper`]) and insists that it runs.
fn tamper_ok(app: &TestApp, sql: &str) {
    tamper(app, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn a_day_of_work_through_kentai_leaves_records_that_match_the_chain() {
    let app = spawn_app().await;
    busy_day(&app).await;
    let check = check(&app);
    assert!(check.is_ok(), "{check:?}");
    // The day's work went into the chain with the rows' states.
    let v = check.chain.expect("chain");
    assert!(v.rows >= 8, "{v:?}");
}

#[tokio::test]
async fn a_result_turned_from_positive_to_negative_in_the_database_is_named_with_its_field() {
    let app = spawn_app().await;
    busy_day(&app).await;
    let id = result_id(&app, "TD-2");
    tamper_ok(
        &app,
        &format!("UPDATE results SET result = 'negative' WHERE id = {id}"),
    );
    let check = check(&app);
    assert!(check.chain.is_ok(), "{check:?}");
    assert!(
        check.findings.contains(&Finding::Changed {
            table: "results".into(),
            key: id.to_string(),
            fields: vec!["result".into()],
        }),
        "{check:?}"
    );
}

#[tokio::test]
async fn a_user_promoted_to_admin_in_the_database_is_named_with_its_field() {
    let app = spawn_app().await;
    busy_day(&app).await;
    let (id, _) = app.api_user("clerk", "reception").await;
    tamper_ok(
        &app,
        &format!("UPDATE users SET role = 'admin' WHERE id = {id}"),
    );
    let check = check(&app);
    assert!(
        check.findings.contains(&Finding::Changed {
            table: "users".into(),
            key: id.to_string(),
            fields: vec!["role".into()],
        }),
        "{check:?}"
    );
    if is_pg(&app) {
        // The capture trigger saw it, and no audit entry claims it.
        assert!(
            check.findings.contains(&Finding::Unclaimed {
                table: "users".into(),
                key: id.to_string(),
                op: "update".into(),
            }),
            "{check:?}"
        );
    }
}

#[tokio::test]
async fn a_specimen_deleted_in_the_database_is_named_as_deleted() {
    let app = spawn_app().await;
    busy_day(&app).await;
    tamper_ok(&app, "DELETE FROM specimens WHERE specimen_id = 'TD-3'");
    let check = check(&app);
    assert!(
        check.findings.contains(&Finding::Deleted {
            table: "specimens".into(),
            key: "TD-3".into(),
        }),
        "{check:?}"
    );
}

#[tokio::test]
async fn a_user_inserted_in_the_database_is_named_as_inserted() {
    let app = spawn_app().await;
    busy_day(&app).await;
    tamper_ok(
        &app,
        "INSERT INTO users (name, role, token_hash, created_at, disabled, facility_code) \
         VALUES ('mallory', 'admin', 'x', '2026-01-01 00:00:00', false, '1310000001')",
    );
    let id = app.user_id("mallory").await;
    let check = check(&app);
    assert!(
        check.findings.contains(&Finding::Inserted {
            table: "users".into(),
            key: id.to_string(),
        }),
        "{check:?}"
    );
}

#[tokio::test]
async fn an_audit_row_inserted_without_a_hash_is_an_error_and_a_restart_does_not_seal_it() {
    let app = spawn_app().await;
    busy_day(&app).await;
    tamper_ok(
        &app,
        "INSERT INTO audit_log (at, user_ref, user_name, role, action, entity, entity_id, before, after) \
         VALUES ('2026-01-01 00:00:00', NULL, 'mallory', 'admin', 'create', 'user', '9', NULL, '{}')",
    );
    let id: i64 = {
        use kentai::store::schema::audit_log;
        app.ctx
            .store
            .read(|c| {
                audit_log::table
                    .select(audit_log::id)
                    .order(audit_log::id.desc())
                    .first(c)
                    .map_err(kentai::store::StoreError::from)
            })
            .expect("id")
    };
    assert_eq!(check(&app).chain, Err(ChainBreak::Unsealed { id }));
    // What a restart and `kentai migrate` run: the row stays unsealed.
    let migrated = audit::migrate(&app.ctx.store).expect("migrate");
    assert_eq!(migrated.sealed, 0);
    // Later writes do not seal it either.
    app.location("FREEZER", "frozen_minus80").await;
    assert_eq!(check(&app).chain, Err(ChainBreak::Unsealed { id }));
}

#[tokio::test]
async fn a_chain_cut_back_with_its_head_moved_along_is_caught_by_the_head_written_down() {
    let app = spawn_app().await;
    busy_day(&app).await;
    let written = audit::head(&app.ctx.store).expect("head");
    let expected = Expected {
        count: written.row_count,
        hash: written.last_hash.clone(),
    };
    assert!(audit::check(&app.ctx.store, Some(&expected))
        .expect("check")
        .is_ok());
    // The last entry and what it did go; the head is moved back to the row
    // before, so the chain alone still looks whole.
    let last = written.last_id;
    let (prev_id, prev_hash): (i64, String) = {
        use kentai::store::schema::audit_log;
        app.ctx
            .store
            .read(|c| {
                audit_log::table
                    .filter(audit_log::id.lt(last))
                    .select((audit_log::id, audit_log::hash))
                    .order(audit_log::id.desc())
                    .first(c)
                    .map_err(kentai::store::StoreError::from)
            })
            .expect("previous row")
    };
    if is_pg(&app) {
        tamper_ok(
            &app,
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        );
    } else {
        tamper_ok(&app, "DROP TRIGGER audit_log_no_delete");
    }
    tamper_ok(
        &app,
        &format!("DELETE FROM row_changes WHERE audit_id = {last}"),
    );
    tamper_ok(&app, &format!("DELETE FROM audit_log WHERE id = {last}"));
    tamper_ok(
        &app,
        &format!(
            "UPDATE audit_head SET last_id = {prev_id}, last_hash = '{prev_hash}', row_count = {}",
            written.row_count - 1
        ),
    );
    if is_pg(&app) {
        tamper_ok(
            &app,
            "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",
        );
    } else {
        tamper_ok(
            &app,
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        );
    }
    assert!(audit::verify(&app.ctx.store).expect("verify").is_ok());
    assert_eq!(
        audit::check(&app.ctx.store, Some(&expected))
            .expect("check")
            .chain,
        Err(ChainBreak::Rewritten {
            count: written.row_count,
            found_rows: written.row_count - 1,
        })
    );
}

#[tokio::test]
async fn a_guard_trigger_dropped_is_named() {
    let app = spawn_app().await;
    busy_day(&app).await;
    let name = if is_pg(&app) {
        tamper_ok(&app, "DROP TRIGGER audit_log_append_only ON audit_log");
        "audit_log_append_only"
    } else {
        tamper_ok(&app, "DROP TRIGGER audit_log_no_update");
        "audit_log_no_update"
    };
    assert!(
        check(&app)
            .findings
            .contains(&Finding::TriggerMissing { name: name.into() }),
        "{:?}",
        check(&app)
    );
}

#[tokio::test]
async fn the_day_summary_carries_the_head_to_write_down() {
    let app = spawn_app().await;
    busy_day(&app).await;
    let health = app.token(Role::Admin);
    let date = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let (status, summary) = app
        .get(&format!("/api/v1/reports/summary?date={date}"), &health)
        .await;
    assert_eq!(status, 200, "{summary}");
    let head = audit::head(&app.ctx.store).expect("head");
    assert_eq!(summary["audit_rows"], head.row_count, "{summary}");
    assert_eq!(summary["audit_head"], head.last_hash.as_str(), "{summary}");
}

fn kentai_in(dir: &std::path::Path, db: &str, lang: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(args)
        .args(["--database", db])
        .current_dir(dir)
        .env("LANG", lang)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .expect("kentai")
}

fn sqlite(path: &std::path::Path, sql: &str) {
    let mut c = SqliteConnection::establish(&path.display().to_string()).expect("open");
    diesel::sql_query(sql)
        .execute(&mut c)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[test]
fn kentai_audit_verify_names_a_promoted_user_by_table_row_and_field_in_both_languages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("k.db");
    let db = format!("sqlite://{}", file.display());
    let run = |lang: &str, args: &[&str]| kentai_in(dir.path(), &db, lang, args);
    assert!(run("en_US.UTF-8", &["migrate"]).status.success());
    let out = run(
        "en_US.UTF-8",
        &["user", "add", "clerk", "--role", "reception"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run("en_US.UTF-8", &["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    // The head to write down: COUNT and HASH, as --expect takes them.
    let head = text
        .split("head ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .expect("head printed")
        .to_string();
    let rows = text
        .split("audit chain ok: ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .expect("rows printed")
        .to_string();
    let expect = format!("{rows}:{head}");
    assert!(
        run("en_US.UTF-8", &["audit", "verify", "--expect", &expect])
            .status
            .success()
    );

    sqlite(
        &file,
        "UPDATE users SET role = 'admin' WHERE name = 'clerk'",
    );
    let out = run("en_US.UTF-8", &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("record differs from the audit chain (changed): users 1, field(s) role"),
        "{err}"
    );
    assert!(
        err.contains("audit verify failed: 1 problem(s) found"),
        "{err}"
    );
    let out = run("ja_JP.UTF-8", &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("記録がチェーンと違います（changed）: users 1 の role"),
        "{err}"
    );
    // A wrong written-down head is a rewrite.
    let wrong = format!("{rows}:{}", "0".repeat(64));
    let out = run("en_US.UTF-8", &["audit", "verify", "--expect", &wrong]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("(rewritten)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn kentai_restore_refuses_a_backup_whose_chain_triggers_or_records_were_tampered_with_unless_forced(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("k.db");
    let db = format!("sqlite://{}", file.display());
    let run = |args: &[&str]| kentai_in(dir.path(), &db, "en_US.UTF-8", args);
    assert!(run(&["migrate"]).status.success());
    let out = run(&["user", "add", "clerk", "--role", "reception"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let good = dir.path().join("good.db");
    let out = run(&["backup", &good.display().to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad = dir.path().join("bad.db");
    std::fs::copy(&good, &bad).expect("copy");
    sqlite(&bad, "DROP TRIGGER audit_log_no_update");
    sqlite(&bad, "UPDATE users SET role = 'admin' WHERE name = 'clerk'");
    sqlite(
        &bad,
        "UPDATE audit_log SET user_name = 'mallory' WHERE id = 2",
    );

    // The untouched backup restores.
    let out = run(&["restore", "--force", &good.display().to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(&["restore", "--force", &bad.display().to_string()]);
    assert!(
        out.status.success(),
        "forced: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Put the good one back, then try the bad one without --force… which
    // --force is needed for anyway on a database with data: a fresh target.
    let fresh = dir.path().join("fresh.db");
    let fresh_db = format!("sqlite://{}", fresh.display());
    let out = kentai_in(
        dir.path(),
        &fresh_db,
        "en_US.UTF-8",
        &["restore", &bad.display().to_string()],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not restored"), "{err}");
    assert!(err.contains("(edited)"), "{err}");
    assert!(err.contains("audit_log_no_update"), "{err}");
    assert!(!fresh.exists() || std::fs::metadata(&fresh).map(|m| m.len()).unwrap_or(0) == 0);

    // The records alone tampered with (chain and triggers intact).
    let records = dir.path().join("records.db");
    std::fs::copy(&good, &records).expect("copy");
    sqlite(
        &records,
        "UPDATE users SET role = 'admin' WHERE name = 'clerk'",
    );
    let out = kentai_in(
        dir.path(),
        &fresh_db,
        "en_US.UTF-8",
        &["restore", &records.display().to_string()],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("users 1, field(s) role"), "{err}");
}
