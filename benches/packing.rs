//! What a complete pack-and-dispatch of a 20-tube package costs: HTTP calls
//! and wall time, the way a lab technician's scanner drives it (create the
//! package, scan 20 tubes in, tick the checklist with command codes, print
//! slip and label, dispatch).
//!
//! `cargo bench --bench packing` measures SQLite; with
//! `KENTAI_BENCH_DATABASE_URL=postgres://…/postgres` PostgreSQL.
//! `KENTAI_BENCH_TUBES` (default 20) and `KENTAI_BENCH_ROUNDS` (default 15)
//! change the size. Tubes are registered and stored before each round's
//! clock starts; the report gives the median and spread over rounds.

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use chrono::{Duration, Utc};
use kentai::domain::roles::Role;
use serde_json::{json, Value};
use std::time::Instant;
use support::{cleanup, database, percentile, serve};

/// Package-level items a complete package needs (API.md "Required before
/// dispatch"); the four primary items are ticked once each for all tubes.
const PACKAGE_ITEMS: [&str; 10] = [
    "secondary.absorbent",
    "secondary.leakproof_sealed",
    "secondary.cushioned",
    "tertiary.rigid_outer",
    "tertiary.coolant",
    "tertiary.cushioned",
    "tertiary.slip_enclosed",
    "tertiary.sealed",
    "marks.un3373",
    "transport.secured",
];
const PRIMARY_ITEMS: [&str; 4] = [
    "primary.leakproof_tube",
    "primary.lid_closed",
    "primary.wiped",
    "primary.parafilm",
];

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    calls: usize,
}

impl Client {
    async fn send(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Vec<u8>) {
        self.calls += 1;
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("send");
        let status = res.status().as_u16();
        (status, res.bytes().await.expect("body").to_vec())
    }

    async fn post(&mut self, path: &str, body: Value, want: u16) -> Value {
        let (status, bytes) = self.send(reqwest::Method::POST, path, Some(body)).await;
        assert_eq!(status, want, "{path}: {}", String::from_utf8_lossy(&bytes));
        serde_json::from_slice(&bytes).expect("json")
    }

    async fn get(&mut self, path: &str) {
        let (status, _) = self.send(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "{path}");
    }
}

fn main() {
    let tubes: usize = env("KENTAI_BENCH_TUBES", 20);
    let rounds: usize = env("KENTAI_BENCH_ROUNDS", 15);
    let (url, _dir, backend, db) = database();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let (base, token) = serve(url, Role::Lab, |c| {
            c.site.facility_name = "ベンチ医院".into();
            c.site.address = "東京都".into();
            c.site.phone = "03-0000-0000".into();
            c.site.emergency_phone = "090-0000-0000".into();
            c.site.gs1_company_prefix = "4912345".into();
        });
        let mut client = Client { http: reqwest::Client::new(), base, token, calls: 0 };
        client
            .post("/api/v1/locations", json!({"code": "F-1", "name": "冷蔵庫", "storage_class": "fridge_4c"}), 201)
            .await;
        let collected = (Utc::now() - Duration::hours(2)).to_rfc3339();
        let onset = (Utc::now() - Duration::days(2)).date_naive().to_string();

        println!("pack-and-dispatch of a {tubes}-tube package, {backend}, {rounds} rounds");
        let mut totals = Vec::new();
        let mut calls_per_package = 0;
        for round in 0..rounds {
            let ids: Vec<String> = (0..tubes).map(|i| format!("PK{round}-{i:03}")).collect();
            for (i, id) in ids.iter().enumerate() {
                client
                    .post(
                        "/api/v1/specimens",
                        json!({
                            "specimen_id": id,
                            "patient": {"name": "ベンチ 太郎", "patient_id": format!("P{round}-{i}"), "sex": "male"},
                            "type": "nasopharyngeal_swab", "collected_at": collected, "onset_date": onset,
                            "test_method": "pcr", "ppe": ["surgical_mask", "eye_protection", "gown", "gloves"]
                        }),
                        201,
                    )
                    .await;
                client
                    .post(&format!("/api/v1/specimens/{id}/storage"), json!({"location": "F-1"}), 201)
                    .await;
            }

            client.calls = 0;
            let t = Instant::now();
            let package = client
                .post(
                    "/api/v1/packages",
                    json!({"carrier": "category_b_carrier",
                           "consignee": {"name": "衛生研究所", "address": "東京都新宿区", "phone": "03-1111-2222"}}),
                    201,
                )
                .await;
            let pid = package["package_id"].as_str().expect("package_id").to_string();
            for id in &ids {
                client
                    .post(&format!("/api/v1/packages/{pid}/specimens"), json!({"specimen_id": id}), 201)
                    .await;
            }
            for item in PRIMARY_ITEMS.iter().chain(PACKAGE_ITEMS.iter()) {
                client
                    .post(&format!("/api/v1/packages/{pid}/checklist"), json!({"item": item}), 201)
                    .await;
            }
            client.get(&format!("/api/v1/packages/{pid}/slip?format=html")).await;
            client.get(&format!("/api/v1/packages/{pid}/label?format=zpl")).await;
            let done = client.post(&format!("/api/v1/packages/{pid}/dispatch"), json!({}), 200).await;
            assert_eq!(done["status"], "dispatched");
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            calls_per_package = client.calls;
            println!("round {:2}: {ms:7.1} ms for {} calls ({:.2} ms per call)", round + 1, client.calls, ms / client.calls as f64);
            totals.push(ms);
        }
        totals.sort_by(|a, b| a.total_cmp(b));
        println!(
            "median {:.1} ms per package ({} HTTP calls, {:.2} ms per call), min {:.1} ms, p90 {:.1} ms",
            percentile(&totals, 0.5),
            calls_per_package,
            percentile(&totals, 0.5) / calls_per_package as f64,
            totals[0],
            percentile(&totals, 0.9)
        );
    });
    runtime.shutdown_background();
    cleanup(db);
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
