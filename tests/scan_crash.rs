//! `kill -9` during a burst of scans (SPEC §5 "nothing lost"): after a
//! restart every scan the journal acknowledged is there and was processed
//! exactly once — a tube scanned into a package is in it once, whether its
//! scan was processed before the kill or replayed after it.

mod common;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

struct Server {
    child: std::process::Child,
    port: u16,
    token: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CONFIG: &str = r#"
[site]
facility_name = "テスト内科"
facility_code = "1310000001"
address = "東京都新宿区西新宿2-8-1"
phone = "03-1234-5678"
emergency_phone = "090-1234-5678"
gs1_company_prefix = "4912345"

[[station]]
name = "packing-1"
workflow = "packing"
"#;

fn start(dir: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--config",
            "kentai.toml",
            "--database",
        ])
        .arg(format!("sqlite://{}", dir.join("kentai.db").display()))
        .env("KENTAI_LOG", "info")
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kentai");
    let rx = common::watch_for_port(child.stderr.take().unwrap());
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (ttx, trx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if line.starts_with("kt_") {
                let _ = ttx.send(line);
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("kentai did not start");
    let token = trx.recv_timeout(Duration::from_millis(200)).ok();
    Server { child, port, token }
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

/// One burst: `tubes` scanned by 8 clients at once into `package`, the
/// server killed after `kill_after`. Returns the acknowledged scans: scan
/// id → (tube, accepted).
async fn burst(
    server: &mut Server,
    token: &str,
    tubes: Vec<String>,
    kill_after: Duration,
) -> HashMap<i64, (String, bool)> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let port = server.port;
    let chunks: Vec<Vec<String>> = tubes
        .chunks(tubes.len().div_ceil(8))
        .map(<[String]>::to_vec)
        .collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let client = client.clone();
        let token = token.to_string();
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for tube in chunk {
                match post(
                    &client,
                    port,
                    &token,
                    "/api/v1/scans",
                    &json!({"station": "packing-1", "data": tube}),
                )
                .await
                {
                    Ok((201, body)) => acked.push((
                        body["scan_id"].as_i64().expect("scan id"),
                        tube,
                        body["outcome"]["accepted"] == true,
                    )),
                    Ok((status, body)) => panic!("{status} {body}"),
                    Err(_) => break, // the server is gone
                }
            }
            acked
        }));
    }
    tokio::time::sleep(kill_after).await;
    server.child.kill().expect("kill -9");
    server.child.wait().expect("reap");
    let mut acked = HashMap::new();
    for t in tasks {
        for (id, tube, accepted) in t.await.unwrap() {
            acked.insert(id, (tube, accepted));
        }
    }
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_scan_survives_kill_9_and_is_processed_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kentai.toml"), CONFIG).unwrap();
    let mut server = start(dir.path());
    let token = server
        .token
        .clone()
        .expect("admin token on a fresh database");
    let client = reqwest::Client::new();
    let (status, body) = post(&client, server.port, &token, "/api/v1/packages", &json!({
        "consignee": {"name": "検査所", "address": "東京都新宿区戸山1-23-1", "phone": "03-5285-1111"},
        "carrier": "official_vehicle"
    })).await.unwrap();
    assert_eq!(status, 201, "{body}");
    let package = body["package_id"].as_str().unwrap().to_string();

    let kill_points = [120u64, 300, 45];
    let per_round = 120;
    let mut all_acked = HashMap::new();
    let mut all_tubes: Vec<String> = Vec::new();
    let mut interrupted = 0;
    for (round, kill_ms) in kill_points.into_iter().enumerate() {
        let tubes: Vec<String> = (0..per_round)
            .map(|i| format!("T-{round}-{i:03}"))
            .collect();
        for tube in &tubes {
            let mut reg = json!({
                "specimen_id": tube,
                "patient": {"name": "山田 太郎", "birth_date": "1980-04-01", "sex": "male", "patient_id": format!("P-{tube}")},
                "type": "nasopharyngeal_swab",
                "collected_at": (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339(),
                "onset_date": (chrono::Utc::now() - chrono::Duration::days(2)).date_naive().to_string(),
                "asymptomatic": false, "test_method": "pcr",
                "ppe": ["surgical_mask", "n95", "eye_protection", "gown", "gloves"]
            });
            reg["patient"]["name_kana"] = json!("ヤマダ タロウ");
            let (status, body) = post(&client, server.port, &token, "/api/v1/specimens", &reg)
                .await
                .unwrap();
            assert!(status == 201 || status == 200, "{status} {body}");
        }
        let (status, body) = post(
            &client,
            server.port,
            &token,
            "/api/v1/scans",
            &json!({"station": "packing-1", "data": format!("]C100{package}")}),
        )
        .await
        .unwrap();
        assert_eq!(
            (status, body["outcome"]["accepted"].clone()),
            (201, json!(true)),
            "{body}"
        );

        let acked = burst(
            &mut server,
            &token,
            tubes.clone(),
            Duration::from_millis(kill_ms),
        )
        .await;
        eprintln!(
            "round {round}: killed after {kill_ms} ms, {} of {per_round} scans acknowledged",
            acked.len()
        );
        if acked.len() < per_round {
            interrupted += 1;
        }
        all_acked.extend(acked);
        all_tubes.extend(tubes);
        server = start(dir.path());

        let mut c = db(dir.path());
        // Nothing journalled is left unprocessed after the restart.
        assert_eq!(count(&mut c, "SELECT COUNT(*) AS n FROM scans WHERE processed_at IS NULL AND duplicate_of IS NULL"), 0, "round {round}");
        for (id, (tube, accepted)) in &all_acked {
            let journalled = count(
                &mut c,
                &format!("SELECT COUNT(*) AS n FROM scans WHERE id = {id} AND outcome IS NOT NULL"),
            );
            assert_eq!(
                journalled, 1,
                "acknowledged scan {id} ({tube}) is in the journal with its outcome"
            );
            if *accepted {
                let packed = count(
                    &mut c,
                    &format!(
                        "SELECT COUNT(*) AS n FROM package_specimens WHERE specimen_id = '{tube}'"
                    ),
                );
                assert_eq!(packed, 1, "{tube} packed exactly once");
            }
        }
        // Every tube is in the package at most once, and each one that is
        // got there by exactly one journalled scan.
        for tube in &all_tubes {
            let packed = count(
                &mut c,
                &format!(
                    "SELECT COUNT(*) AS n FROM package_specimens WHERE specimen_id = '{tube}'"
                ),
            );
            // Accepted, or claimed by its effect just before the kill (its
            // outcome not yet written).
            let effective = count(
                &mut c,
                &format!(
                    "SELECT COUNT(*) AS n FROM scans WHERE CAST(raw AS TEXT) = '{tube}' \
                 AND (accepted = 1 OR (outcome IS NULL AND processed_at IS NOT NULL))"
                ),
            );
            assert!(
                effective <= 1,
                "{tube}: scanned once, so at most one scan had an effect"
            );
            assert_eq!(
                packed, effective,
                "{tube}: packed {packed}, effective scans {effective}"
            );
        }
        let ok: Vec<Text1> =
            diesel::sql_query("SELECT integrity_check AS t FROM pragma_integrity_check")
                .load(&mut c)
                .expect("integrity check");
        assert_eq!(ok.first().map(|r| r.t.as_str()), Some("ok"));
    }
    assert!(!all_acked.is_empty());
    assert!(interrupted > 0, "no kill landed inside a burst");
}
