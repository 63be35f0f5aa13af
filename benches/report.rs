//! A day of 100,000 specimens through the health centre's report: time to
//! first byte, total time and the server's peak memory, for CSV (UTF-8 and
//! Shift_JIS), JSON and FHIR.
//!
//! The day is written straight into the database (bulk inserts: the
//! registration path has its own benchmark), a third of the specimens with
//! a result, some with storage events; then `kentai serve` runs as a child
//! process and each format is fetched three times. Peak memory is the
//! child's `VmHWM` (peak resident set) from /proc, read after all fetches.
//!
//! `cargo bench --bench report` measures SQLite; with
//! `KENTAI_BENCH_DATABASE_URL=postgres://…/postgres` PostgreSQL.
//! `KENTAI_BENCH_SPECIMENS` (default 100000) changes the size.

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use chrono::{Duration, NaiveDate, TimeZone};
use diesel::connection::SimpleConnection;
use kentai::actions::users::{create_user, NewUserRequest};
use kentai::actions::{Actor, Ctx};
use kentai::config::Config;
use kentai::domain::roles::Role;
use kentai::store::{Store, StoreError};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;
use support::{cleanup, database};

const TYPES: [&str; 6] = [
    "saliva",
    "nasopharyngeal_swab",
    "sputum",
    "serum_acute",
    "stool",
    "urine",
];
const METHODS: [&str; 3] = ["pcr", "lamp", "antigen_qualitative"];
const RESULTS: [&str; 3] = ["negative", "positive", "inconclusive"];

fn main() {
    let n: usize = std::env::var("KENTAI_BENCH_SPECIMENS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (url, _dir, label, pg) = database();
    let day = NaiveDate::from_ymd_opt(2026, 11, 20).expect("date");
    let token = fill(&url, day, n);

    let mut child = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database", &url])
        .env("KENTAI_LOG", "warn,kentai=info")
        .env_remove("KENTAI_CONFIG")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kentai serve");
    let pid = child.id();
    let stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if let Some(rest) = line.split("port=").nth(1) {
                let _ = tx.send(
                    rest.split_whitespace()
                        .next()
                        .and_then(|p| p.parse::<u16>().ok()),
                );
            }
        }
    });
    let port = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("kentai started")
        .expect("port");
    let rss_idle = memory(pid, "VmRSS");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("day report, {label}, {n} specimens on {day} (1 row each); server: kentai serve (child process)");
    for (name, query) in [
        ("csv utf8", "format=csv"),
        ("csv sjis", "format=csv&encoding=sjis"),
        ("json", "format=json"),
        ("fhir", "format=fhir"),
    ] {
        let mut firsts = Vec::new();
        let mut totals = Vec::new();
        let mut size = 0;
        for _ in 0..3 {
            let (first, total, bytes) =
                runtime.block_on(fetch(port, &token, &format!("date={day}&{query}")));
            firsts.push(first);
            totals.push(total);
            size = bytes;
        }
        firsts.sort_by(f64::total_cmp);
        totals.sort_by(f64::total_cmp);
        println!(
            "  {name:<9} first byte {:>7.1} ms   total {:>7.0} ms   ({:.1} MB)   median of 3",
            firsts[1],
            totals[1],
            size as f64 / 1e6
        );
    }
    println!(
        "  server memory: {:.1} MB resident when idle, peak {:.1} MB over the whole run (VmHWM)",
        rss_idle as f64 / 1024.0,
        memory(pid, "VmHWM") as f64 / 1024.0
    );
    let _ = child.kill();
    let _ = child.wait();
    if std::env::var_os("KENTAI_BENCH_KEEP").is_some() {
        println!("  (kept the database: {url})");
    } else {
        cleanup(pg);
    }
}

/// A /proc/PID/status value in kB.
fn memory(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// (first byte ms, total ms, bytes)
async fn fetch(port: u16, token: &str, query: &str) -> (f64, f64, usize) {
    let start = Instant::now();
    let mut res = reqwest::Client::new()
        .get(format!(
            "http://127.0.0.1:{port}/api/v1/reports/hersys?{query}"
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("report");
    assert!(res.status().is_success(), "{query}: {}", res.status());
    let mut first = None;
    let mut bytes = 0;
    while let Some(chunk) = res.chunk().await.expect("chunk") {
        first.get_or_insert_with(|| start.elapsed().as_secs_f64() * 1000.0);
        bytes += chunk.len();
    }
    (
        first.unwrap_or(0.0),
        start.elapsed().as_secs_f64() * 1000.0,
        bytes,
    )
}

/// Writes `n` specimens collected on `day` (a third resulted that day, one
/// in twenty stored twice) and returns a health-centre token.
fn fill(url: &str, day: NaiveDate, n: usize) -> String {
    let store = Store::open(url).expect("store");
    store.migrate().expect("migrate");
    let config = Config {
        database: url.to_string(),
        ..Config::default()
    };
    let ctx = Ctx::new(store, config).expect("ctx");
    let token = create_user(
        &ctx,
        &Actor::system(),
        &NewUserRequest {
            name: "health".into(),
            role: Role::HealthCentre,
            facilities: Vec::new(),
        },
    )
    .expect("user")
    .token;
    let registrar = create_user(
        &ctx,
        &Actor::system(),
        &NewUserRequest {
            name: "bulk".into(),
            role: Role::Lab,
            facilities: Vec::new(),
        },
    )
    .expect("user")
    .user
    .id;
    let tokyo = chrono_tz::Asia::Tokyo;
    let start = tokyo
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
        .earliest()
        .expect("midnight")
        .naive_utc();
    let started = Instant::now();
    let locations = format!(
        "INSERT INTO locations (code, name, storage_class, created_by, created_at) VALUES \
         ('F', 'fridge', 'fridge_4c', {registrar}, '2026-11-01 00:00:00'), \
         ('M80', 'freezer', 'frozen_minus80', {registrar}, '2026-11-01 00:00:00')"
    );
    ctx.store
        .write(|c| c.batch_execute(&locations).map_err(StoreError::from))
        .expect("locations");
    for batch in (0..n).collect::<Vec<_>>().chunks(1000) {
        let mut patients = String::from(
            "INSERT INTO patients (patient_key, patient_number, name, name_kana, birth_date, sex, address, phone, updated_at) VALUES ",
        );
        let mut specimens = String::from(
            "INSERT INTO specimens (specimen_id, patient_ref, facility_code, specimen_type, priority, collected_at, onset_date, \
             asymptomatic, days_since_onset, test_method, ppe, flags, warnings, status, registration, registered_by, registered_at) VALUES ",
        );
        let mut results = String::from(
            "INSERT INTO results (specimen_id, version, result, method, resulted_at, recorded_by, recorded_at) VALUES ",
        );
        let mut storage = String::from(
            "INSERT INTO storage_events (specimen_id, location_code, storage_class, at, warnings, recorded_by, recorded_at) VALUES ",
        );
        let (mut any_result, mut any_storage) = (false, false);
        for (k, &i) in batch.iter().enumerate() {
            let sep = if k == 0 { "" } else { "," };
            let collected = start + Duration::seconds((i as i64 * 86_000) / n as i64);
            let collected_s = collected.format("%Y-%m-%d %H:%M:%S");
            let birth = NaiveDate::from_ymd_opt(
                1940 + (i % 80) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            )
            .expect("birth");
            let onset = day - Duration::days((i % 7) as i64);
            patients.push_str(&format!(
                "{sep}('K{i:07}', 'P{i:07}', '患者 {i}', 'カンジャ {i}', '{birth}', '{}', '東京都新宿区西新宿2-8-{}', '03-0000-{:04}', '{collected_s}')",
                if i % 2 == 0 { "female" } else { "male" },
                i % 100,
                i % 10_000
            ));
            specimens.push_str(&format!(
                "{sep}('S{i:07}', (SELECT id FROM patients WHERE patient_key = 'K{i:07}'), '1310000001', '{}', 1, '{collected_s}', '{onset}', \
                 FALSE, {}, '{}', '[]', '[]', '[]', 'registered', '{{}}', {registrar}, '{collected_s}')",
                TYPES[i % TYPES.len()],
                i % 7,
                METHODS[i % METHODS.len()]
            ));
            if i % 3 == 0 {
                let resulted = (collected + Duration::hours(3)).format("%Y-%m-%d %H:%M:%S");
                results.push_str(&format!(
                    "{}('S{i:07}', 1, '{}', '{}', '{resulted}', {registrar}, '{resulted}')",
                    if any_result { "," } else { "" },
                    RESULTS[i % RESULTS.len()],
                    METHODS[i % METHODS.len()]
                ));
                any_result = true;
            }
            if i % 20 == 0 {
                let a = (collected + Duration::minutes(10)).format("%Y-%m-%d %H:%M:%S");
                let b = (collected + Duration::minutes(70)).format("%Y-%m-%d %H:%M:%S");
                let c = if any_storage { "," } else { "" };
                storage.push_str(&format!(
                    "{c}('S{i:07}', 'M80', 'frozen_minus80', '{a}', '[]', {registrar}, '{a}'),\
                     ('S{i:07}', 'F', 'fridge_4c', '{b}', '[]', {registrar}, '{b}')"
                ));
                any_storage = true;
            }
        }
        let mut sql = format!("{patients};{specimens};");
        if any_result {
            sql.push_str(&format!("{results};"));
        }
        if any_storage {
            sql.push_str(&format!("{storage};"));
        }
        ctx.store
            .write(|c| c.batch_execute(&sql).map_err(StoreError::from))
            .expect("bulk insert");
    }
    println!(
        "  ({n} specimens written in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    token
}
