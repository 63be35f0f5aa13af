//! `kentai backup` and `kentai restore`: a backup taken while the
//! server is registering specimens is one consistent snapshot (every
//! specimen acknowledged before it began, then an unbroken prefix of those
//! registered meanwhile) that passes its integrity check; a restored copy
//! reports the same day as the original; and the commands refuse what
//! would lose data, with exit status 2.

use crate::common::{registration, ChildServer};
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const CONFIG: &str = include_str!("../../fixtures/site.toml");

fn kentai(dir: &Path, args: &[&str], database: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(args)
        .args(["--config", "kentai.toml", "--database"])
        .arg(format!("sqlite://{}", database.display()))
        .current_dir(dir)
        .output()
        .expect("run kentai")
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    id: String,
}

fn specimen_ids(db: &Path) -> Vec<String> {
    let mut c = SqliteConnection::establish(&db.display().to_string()).expect("open copy");
    diesel::sql_query("SELECT specimen_id AS id FROM specimens ORDER BY specimen_id")
        .load::<Id>(&mut c)
        .expect("specimens")
        .into_iter()
        .map(|r| r.id)
        .collect()
}

fn integrity(db: &Path) -> String {
    let mut c = SqliteConnection::establish(&db.display().to_string()).expect("open copy");
    diesel::sql_query("PRAGMA integrity_check")
        .load::<IntegrityLine>(&mut c)
        .expect("integrity_check")
        .into_iter()
        .map(|l| l.integrity_check)
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(QueryableByName)]
struct IntegrityLine {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

async fn register(client: &reqwest::Client, port: u16, token: &str, id: &str) -> u16 {
    let mut body = registration(id, "nasopharyngeal_swab", 2);
    body["collected_at"] = json!(chrono::Utc::now().to_rfc3339());
    let res = client
        .post(format!("http://127.0.0.1:{port}/api/v1/specimens"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("register");
    res.status().as_u16()
}

/// The day's report as JSON, without the moment it was generated.
fn day_report(dir: &Path, db: &Path, date: &str) -> Value {
    let out = kentai(
        dir,
        &["report", "hersys", "--date", date, "--format", "json"],
        db,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut report: Value = serde_json::from_slice(&out.stdout).expect("report JSON");
    report
        .as_object_mut()
        .expect("report object")
        .remove("generated_at");
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_registrations_is_consistent_and_a_restored_copy_reports_the_same_day(
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    std::fs::write(path.join("kentai.toml"), CONFIG).expect("config");
    let live = path.join("kentai.db");
    let server = ChildServer::start(path);
    let token = server
        .token
        .clone()
        .expect("admin token of the new database");
    let port = server.port;
    let client = reqwest::Client::new();

    // Acknowledged before the backup begins, with results.
    for i in 0..20 {
        let id = format!("B-{i:03}");
        assert_eq!(register(&client, port, &token, &id).await, 201, "{id}");
        let res = client
            .post(format!(
                "http://127.0.0.1:{port}/api/v1/specimens/{id}/results"
            ))
            .bearer_auth(&token)
            .json(
                &json!({"result": if i % 3 == 0 { "positive" } else { "negative" },
                          "resulted_at": chrono::Utc::now().to_rfc3339()}),
            )
            .send()
            .await
            .expect("result");
        assert_eq!(res.status().as_u16(), 201);
    }

    // One client keeps registering while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (client, token, stop) = (client.clone(), token.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let status = register(&client, port, &token, &format!("W-{n:05}")).await;
                assert_eq!(status, 201);
                n += 1;
            }
            n
        })
    };
    // Let some writes happen first.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let during = path.join("during.db");
    let (dir_path, live_path, during_path) = (path.to_path_buf(), live.clone(), during.clone());
    let out = tokio::task::spawn_blocking(move || {
        kentai(
            &dir_path,
            &["backup", &during_path.display().to_string()],
            &live_path,
        )
    })
    .await
    .expect("backup");
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    let written = writer.await.expect("writer");
    assert!(
        out.status.success(),
        "backup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("backed up"), "{printed}");
    assert!(printed.contains("specimens: "), "{printed}");

    assert_eq!(integrity(&during), "ok");
    let ids = specimen_ids(&during);
    for i in 0..20 {
        assert!(ids.contains(&format!("B-{i:03}")), "B-{i:03} missing");
    }
    // The registrations made meanwhile form an unbroken prefix: one
    // snapshot, not pages of different moments.
    let meanwhile: Vec<&String> = ids.iter().filter(|id| id.starts_with("W-")).collect();
    for (n, id) in meanwhile.iter().enumerate() {
        assert_eq!(**id, format!("W-{n:05}"));
    }
    assert!(
        meanwhile.len() <= written,
        "{} > {written}",
        meanwhile.len()
    );
    assert!(written > 0);

    // Quiet now: a second backup, restored to a new place, reports the
    // same day as the live database.
    let after = path.join("after.db");
    let out = kentai(path, &["backup", &after.display().to_string()], &live);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let restored = path.join("restored.db");
    let out = kentai(path, &["restore", &after.display().to_string()], &restored);
    assert!(
        out.status.success(),
        "restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
        .to_string();
    let original = day_report(path, &live, &today);
    assert_eq!(day_report(path, &restored, &today), original);
    assert!(original["count"].as_u64().unwrap_or(0) >= 20, "{original}");

    // Refusals: exit 2, nothing changed.
    let out = kentai(path, &["restore", &after.display().to_string()], &live);
    assert_eq!(
        out.status.code(),
        Some(2),
        "restore over live data needs --force"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let out = kentai(path, &["backup", &after.display().to_string()], &live);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a backup never overwrites a file"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["backup", "x.db", "--config", "kentai.toml", "--database"])
        .arg("postgres://postgres@127.0.0.1:5432/postgres")
        .current_dir(path)
        .output()
        .expect("run kentai");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
    drop(server);
}
