//! `kill -9` at random moments (no scan is lost: README, scanners and stations): kentai
//! runs as a child process on SQLite while eight clients register
//! specimens and scan tubes into a package at once; it is killed at a
//! different moment in each of 20 rounds and restarted. After every
//! restart:
//!
//! - every registration it acknowledged is there exactly once, with its
//!   patient, and with exactly one audit row;
//! - every scan it acknowledged is in the journal with its outcome, none is
//!   left unprocessed, and each tube is in the package exactly as often as
//!   a scan of it took effect (0 or 1);
//! - `PRAGMA integrity_check` is ok and `kentai audit verify` passes.
//!
//! The kill points come from a seed printed at the start; set
//! `KENTAI_CRASH_SEED` to replay a run.

use crate::common::{alone, ChildServer};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

const ROUNDS: usize = 20;
/// Tubes registered before each round, then scanned during it.
const SCANNED: usize = 48;
/// Registrations each registering client tries during a round.
const REGISTERED: usize = 40;

const CONFIG: &str = concat!(
    include_str!("../../fixtures/site.toml"),
    r#"
[[station]]
name = "packing-1"
workflow = "packing"
"#
);

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Text1 {
    #[diesel(sql_type = Text)]
    t: String,
}

fn db(dir: &Path) -> SqliteConnection {
    SqliteConnection::establish(&dir.join("kentai.db").display().to_string()).expect("open db")
}

fn count(c: &mut SqliteConnection, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<Row>(c).expect(sql).n
}

/// A small deterministic generator for the kill points (xorshift64*).
struct Kills(u64);

impl Kills {
    fn next_ms(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        // 15 ms to 400 ms: from the first requests to well into the burst.
        15 + x % 386
    }
}

fn registration(id: &str) -> Value {
    json!({
        "specimen_id": id,
        "patient": {"name": format!("患者 {id}"), "name_kana": "カンジャ", "birth_date": "1980-04-01",
                    "sex": "female", "patient_id": format!("P-{id}")},
        "type": "nasopharyngeal_swab",
        "collected_at": (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339(),
        "onset_date": (chrono::Utc::now() - chrono::Duration::days(2)).date_naive().to_string(),
        "asymptomatic": false, "test_method": "pcr",
        "ppe": ["surgical_mask", "n95", "eye_protection", "gown", "gloves"]
    })
}

async fn post(
    client: &reqwest::Client,
    port: u16,
    token: &str,
    path: &str,
    body: &Value,
) -> Result<(u16, Value), reqwest::Error> {
    let res = client
        .post(format!("http://127.0.0.1:{port}{path}"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await?;
    let status = res.status().as_u16();
    Ok((status, res.json().await.unwrap_or(Value::Null)))
}

/// What the server acknowledged in one round.
#[derive(Default)]
struct Acked {
    /// Registered specimen ids.
    registrations: Vec<String>,
    /// scan id → (tube, accepted).
    scans: HashMap<i64, (String, bool)>,
}

/// Four clients register new specimens and four scan `tubes` into the
/// open package, all at once; the server is killed after `kill_after`.
async fn burst(
    server: &mut ChildServer,
    token: &str,
    round: usize,
    tubes: &[String],
    kill_after: Duration,
) -> Acked {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let port = server.port;
    let mut registering = Vec::new();
    for c in 0..4 {
        let (client, token) = (client.clone(), token.to_string());
        registering.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for n in 0..REGISTERED {
                let id = format!("R-{round}-{c}-{n:02}");
                match post(
                    &client,
                    port,
                    &token,
                    "/api/v1/specimens",
                    &registration(&id),
                )
                .await
                {
                    Ok((201, _)) => acked.push(id),
                    Ok((status, body)) => panic!("{id}: {status} {body}"),
                    Err(_) => break, // the server is gone
                }
            }
            acked
        }));
    }
    let mut scanning = Vec::new();
    for chunk in tubes.chunks(tubes.len().div_ceil(4)) {
        let (client, token, chunk) = (client.clone(), token.to_string(), chunk.to_vec());
        scanning.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for tube in chunk {
                let body = json!({"station": "packing-1", "data": tube});
                match post(&client, port, &token, "/api/v1/scans", &body).await {
                    Ok((201, body)) => acked.push((
                        body["scan_id"].as_i64().expect("scan id"),
                        tube,
                        body["outcome"]["accepted"] == true,
                    )),
                    Ok((status, body)) => panic!("{tube}: {status} {body}"),
                    Err(_) => break,
                }
            }
            acked
        }));
    }
    tokio::time::sleep(kill_after).await;
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reap");
    let mut acked = Acked::default();
    for t in registering {
        acked
            .registrations
            .extend(t.await.expect("registering client"));
    }
    for t in scanning {
        for (id, tube, accepted) in t.await.expect("scanning client") {
            acked.scans.insert(id, (tube, accepted));
        }
    }
    acked
}

fn check_after_restart(dir: &Path, round: usize, acked: &Acked, tubes: &[String]) {
    let mut c = db(dir);
    for id in &acked.registrations {
        assert_eq!(
            count(
                &mut c,
                &format!("SELECT COUNT(*) AS n FROM specimens WHERE specimen_id = '{id}'")
            ),
            1,
            "round {round}: acknowledged registration {id} is there once"
        );
        assert_eq!(
            count(
                &mut c,
                &format!(
                    "SELECT COUNT(*) AS n FROM specimens s JOIN patients p ON p.id = s.patient_ref \
                     WHERE s.specimen_id = '{id}' AND p.name = '患者 {id}'"
                )
            ),
            1,
            "round {round}: {id} has its patient"
        );
    }
    // Every specimen there (acknowledged or caught by the kill after its
    // commit) was written whole: with exactly one audit row.
    assert_eq!(
        count(
            &mut c,
            "SELECT COUNT(*) AS n FROM specimens s WHERE (SELECT COUNT(*) FROM audit_log a \
             WHERE a.entity = 'specimen' AND a.entity_id = s.specimen_id \
             AND a.action = 'specimen.register') <> 1"
        ),
        0,
        "round {round}: each specimen has exactly one registration audit row"
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT COUNT(*) AS n FROM scans WHERE processed_at IS NULL AND duplicate_of IS NULL"
        ),
        0,
        "round {round}: nothing journalled is left unprocessed"
    );
    for (id, (tube, accepted)) in &acked.scans {
        assert_eq!(
            count(
                &mut c,
                &format!("SELECT COUNT(*) AS n FROM scans WHERE id = {id} AND outcome IS NOT NULL")
            ),
            1,
            "round {round}: acknowledged scan {id} ({tube}) is journalled with its outcome"
        );
        if *accepted {
            assert_eq!(
                count(
                    &mut c,
                    &format!(
                        "SELECT COUNT(*) AS n FROM package_specimens WHERE specimen_id = '{tube}'"
                    )
                ),
                1,
                "round {round}: {tube} packed exactly once"
            );
        }
    }
    for tube in tubes {
        let packed = count(
            &mut c,
            &format!("SELECT COUNT(*) AS n FROM package_specimens WHERE specimen_id = '{tube}'"),
        );
        // Accepted, or claimed by its effect just before the kill.
        let effective = count(
            &mut c,
            &format!(
                "SELECT COUNT(*) AS n FROM scans WHERE CAST(raw AS TEXT) = '{tube}' \
                 AND (accepted = 1 OR (outcome IS NULL AND processed_at IS NOT NULL))"
            ),
        );
        assert!(
            effective <= 1,
            "round {round}: {tube} had at most one effect"
        );
        assert_eq!(
            packed, effective,
            "round {round}: {tube} packed {packed}, effective {effective}"
        );
    }
    let ok: Vec<Text1> =
        diesel::sql_query("SELECT integrity_check AS t FROM pragma_integrity_check")
            .load(&mut c)
            .expect("integrity check");
    assert_eq!(
        ok.first().map(|r| r.t.as_str()),
        Some("ok"),
        "round {round}"
    );
}

fn audit_verifies(dir: &Path) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["audit", "verify", "--config", "kentai.toml", "--database"])
        .arg(format!("sqlite://{}", dir.join("kentai.db").display()))
        .current_dir(dir)
        .output()
        .expect("kentai audit verify");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_registration_and_scan_survives_kill_9_at_20_random_moments() {
    let _alone = alone().await;
    let seed = std::env::var("KENTAI_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    eprintln!("crash test seed {seed} (KENTAI_CRASH_SEED={seed} replays it)");
    let mut kills = Kills(seed);

    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("kentai.toml"), CONFIG).expect("config");
    let mut server = ChildServer::start(dir.path());
    let token = server
        .token
        .clone()
        .expect("admin token on a fresh database");
    let client = reqwest::Client::new();
    let (status, body) = post(&client, server.port, &token, "/api/v1/packages", &json!({
        "consignee": {"name": "検査所", "address": "東京都新宿区戸山1-23-1", "phone": "03-5285-1111"},
        "carrier": "official_vehicle"
    }))
    .await
    .expect("package");
    assert_eq!(status, 201, "{body}");
    let package = body["package_id"].as_str().expect("package id").to_string();

    let (mut interrupted, mut registrations, mut scans) = (0, 0, 0);
    for round in 0..ROUNDS {
        let tubes: Vec<String> = (0..SCANNED).map(|i| format!("T-{round}-{i:02}")).collect();
        for tube in &tubes {
            let (status, body) = post(
                &client,
                server.port,
                &token,
                "/api/v1/specimens",
                &registration(tube),
            )
            .await
            .expect("register a tube to scan");
            assert_eq!(status, 201, "{body}");
        }
        // The packing desk opens the package (its state is per station and
        // survives restarts, but say it again each round).
        let (status, body) = post(
            &client,
            server.port,
            &token,
            "/api/v1/scans",
            &json!({"station": "packing-1", "data": format!("]C100{package}")}),
        )
        .await
        .expect("package scan");
        assert_eq!(
            (status, body["outcome"]["accepted"].clone()),
            (201, json!(true)),
            "{body}"
        );

        let kill_ms = kills.next_ms();
        let acked = burst(
            &mut server,
            &token,
            round,
            &tubes,
            Duration::from_millis(kill_ms),
        )
        .await;
        eprintln!(
            "round {round:2}: killed after {kill_ms:3} ms; acknowledged {:3} registrations, {:2} scans",
            acked.registrations.len(),
            acked.scans.len()
        );
        if acked.registrations.len() < 4 * REGISTERED || acked.scans.len() < SCANNED {
            interrupted += 1;
        }
        registrations += acked.registrations.len();
        scans += acked.scans.len();
        server = ChildServer::start(dir.path());
        check_after_restart(dir.path(), round, &acked, &tubes);
    }
    drop(server);
    audit_verifies(dir.path());
    eprintln!("{ROUNDS} kills, {interrupted} inside a burst; {registrations} registrations and {scans} scans acknowledged, none lost");
    assert!(registrations > 0 && scans > 0);
    assert!(
        interrupted >= ROUNDS / 2,
        "only {interrupted} kills landed inside a burst"
    );
}
