//! From a scanner's last byte to the desk's screen: the time from writing
//! the final byte of a frame into a serial scanner's pty to the station's
//! SSE event carrying that scan's outcome, over 10,000 scans.
//!
//! The scans are a storage desk's: a registered tube, then its fridge, so
//! every second scan writes a storage event (journal first, then the
//! storage event with the journal claim, then the outcome). Each scan is
//! sent when the previous one's event has arrived, as a technician scans.
//!
//! `cargo bench --bench scan_latency` measures SQLite; with
//! `KENTAI_BENCH_DATABASE_URL=postgres://…/postgres` PostgreSQL.
//! `KENTAI_BENCH_SCANS` (default 10000) changes the count.

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use kentai::config::{StationConfig, Workflow};
use kentai::domain::roles::Role;
use kentai::simulate::Pty;
use kentai_drivers::framing::Suffix;
use serde_json::{json, Value};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::{cleanup, database, percentile, runtime, serve};

fn main() {
    let scans: usize = std::env::var("KENTAI_BENCH_SCANS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let tubes = scans.div_ceil(2);
    let runtime = runtime();
    let (url, _dir, label, pg) = database();
    let link_dir = tempfile::tempdir().expect("tempdir");
    let link = link_dir.path().join("desk-1");
    let mut pty = Pty::create(&link).expect("pty");

    let (base, token) = runtime.block_on(async {
        let scanner: kentai::config::ScannerConfig = toml::from_str(&format!(
            "name = \"desk-1\"\nkind = \"serial\"\npath = {:?}\nbaud = 115200\nsuffix = \"cr\"\nstation = \"fridge-1\"\n",
            link.display().to_string()
        ))
        .expect("scanner");
        serve(url, Role::Lab, move |c| {
            c.stations.push(StationConfig {
                name: "fridge-1".into(),
                workflow: Workflow::Storage,
                require_operator: false,
            });
            c.scanners.push(scanner);
        })
    });
    let http = reqwest::Client::new();
    runtime.block_on(async {
        let post = |path: &'static str, body: Value| {
            let http = http.clone();
            let base = base.clone();
            let token = token.clone();
            async move {
                let r = http.post(format!("{base}{path}")).bearer_auth(token).json(&body).send().await.expect("post");
                assert!(r.status().is_success(), "{path}: {}", r.status());
            }
        };
        post("/api/v1/locations", json!({"code": "FRIDGE-A", "name": "fridge A", "storage_class": "fridge_4c"})).await;
        let at = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
        let onset = (chrono::Utc::now() - chrono::Duration::days(2)).date_naive().to_string();
        for i in 0..tubes {
            post("/api/v1/specimens", json!({
                "specimen_id": format!("T-{i:06}"),
                "patient": {"name": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1980-04-01", "sex": "male", "patient_id": format!("P-{i}")},
                "type": "nasopharyngeal_swab", "collected_at": at, "onset_date": onset,
                "asymptomatic": false, "test_method": "pcr",
                "ppe": ["surgical_mask", "n95", "eye_protection", "gown", "gloves"]
            })).await;
        }
    });

    // The desk's screen: every scan event, with when it arrived.
    let (tx, rx) = mpsc::channel::<(String, Instant)>();
    let events_url = format!("{base}/api/v1/stations/fridge-1/events");
    let sse_token = token.clone();
    runtime.spawn(async move {
        let mut res = reqwest::Client::new()
            .get(events_url)
            .bearer_auth(sse_token)
            .send()
            .await
            .expect("events");
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = res.chunk().await {
            let now = Instant::now();
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                    let v: Value = serde_json::from_str(data).expect("json");
                    if v["event"] == "scan" {
                        let _ = tx.send((v["data"].as_str().unwrap_or("").to_string(), now));
                    }
                }
            }
        }
    });
    // Wait for the server to hold the scanner open.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let states: Value = runtime.block_on(async {
            http.get(format!("{base}/api/v1/devices"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("devices")
                .json()
                .await
                .expect("json")
        });
        if states[0]["state"] == "open" || states[0]["state"] == "reading" {
            break;
        }
        assert!(Instant::now() < deadline, "scanner never opened: {states}");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));

    let mut latencies = Vec::with_capacity(scans);
    let started = Instant::now();
    for n in 0..scans {
        let data = if n % 2 == 0 {
            format!("T-{:06}", n / 2)
        } else {
            "FRIDGE-A".to_string()
        };
        pty.send_scan(data.as_bytes(), Suffix::Cr, None)
            .expect("write");
        let written = Instant::now();
        let (got, at) = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the scan's event");
        assert_eq!(got, data, "events arrive in scan order");
        latencies.push(at.saturating_duration_since(written).as_secs_f64() * 1000.0);
    }
    let total = started.elapsed();
    latencies.sort_by(f64::total_cmp);
    println!("scan latency, last byte into the pty → SSE event, {label}, {scans} scans ({tubes} storage events)");
    println!(
        "  median {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({:.0} scans/s sequential)",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0.0),
        scans as f64 / total.as_secs_f64()
    );
    drop(pty);
    drop(runtime);
    cleanup(pg);
}
