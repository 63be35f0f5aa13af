//! Registration latency: one clinic desk registering tubes one after another.
//!
//! `cargo bench --bench registration` measures SQLite (a temporary file);
//! with `KENTAI_BENCH_DATABASE_URL=postgres://…/postgres` it measures
//! PostgreSQL in a fresh database. Each round registers `KENTAI_BENCH_N`
//! (default 500) distinct specimens over HTTP on loopback and the report
//! gives the median, p90 and p99 of each round and the median of the
//! round medians: machines here are noisy, so single numbers mean little.

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use chrono::{Duration, Utc};
use kentai::domain::roles::Role;
use serde_json::json;
use std::time::Instant;
use support::{cleanup, database, percentile, serve};

const ROUNDS: usize = 5;

fn main() {
    let n: usize = std::env::var("KENTAI_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let (url, _dir, backend, db) = database();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let (base, token) = serve(url, Role::Reception, |_| {});
        let client = reqwest::Client::new();
        let collected = (Utc::now() - Duration::hours(1)).to_rfc3339();
        let onset = (Utc::now() - Duration::days(3)).date_naive().to_string();

        println!("registration latency, {backend}, {n} sequential registrations per round");
        let mut medians = Vec::new();
        for round in 0..ROUNDS {
            let mut ms = Vec::with_capacity(n);
            for i in 0..n {
                let body = json!({
                    "specimen_id": format!("B{round}-{i}"),
                    "patient": {"name": "ベンチ 太郎", "patient_id": format!("P{round}-{}", i / 3), "sex": "male"},
                    "type": "nasopharyngeal_swab", "collected_at": collected, "onset_date": onset,
                    "test_method": "pcr", "ppe": ["surgical_mask", "eye_protection", "gown", "gloves"]
                });
                let t = Instant::now();
                let res = client.post(format!("{base}/api/v1/specimens")).bearer_auth(&token).json(&body).send().await.expect("send");
                assert_eq!(res.status().as_u16(), 201);
                res.bytes().await.expect("body");
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            ms.sort_by(|a, b| a.total_cmp(b));
            let median = percentile(&ms, 0.5);
            medians.push(median);
            println!(
                "round {}: median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                round + 1,
                median,
                percentile(&ms, 0.9),
                percentile(&ms, 0.99),
                ms[ms.len() - 1]
            );
        }
        medians.sort_by(|a, b| a.total_cmp(b));
        println!("median of round medians: {:.2} ms", percentile(&medians, 0.5));
    });
    runtime.shutdown_background();
    cleanup(db);
}
