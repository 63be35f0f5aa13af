//! What the benchmarks share: a fresh database per run (SQLite in a
//! temporary file, or PostgreSQL from `KENTAI_BENCH_DATABASE_URL`), a
//! server on a loopback port, and percentiles.
#![allow(dead_code)]

use diesel::{Connection, RunQueryDsl};
use kentai::actions::users::{create_user, NewUserRequest};
use kentai::actions::Actor;
use kentai::config::Config;
use kentai::domain::roles::Role;
use kentai::startup::Application;

pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// The database URL, the temp dir to keep alive, a label, and for
/// PostgreSQL the (admin URL, database) to drop afterwards.
pub type BenchDb = (
    String,
    Option<tempfile::TempDir>,
    String,
    Option<(String, String)>,
);

pub fn database() -> BenchDb {
    match std::env::var("KENTAI_BENCH_DATABASE_URL") {
        Ok(admin) if admin.starts_with("postgres") => {
            kentai::store::init_libpq();
            let name = format!("kentai_bench_{}", &kentai::tokens::generate_token()[3..15]);
            let mut c = diesel::PgConnection::establish(&admin).expect("connect");
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut c)
                .expect("create db");
            let (server, _) = admin
                .split('?')
                .next()
                .unwrap_or(&admin)
                .rsplit_once('/')
                .expect("db name");
            (
                format!("{server}/{name}"),
                None,
                "postgresql".into(),
                Some((admin.clone(), name)),
            )
        }
        _ => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            (
                url,
                Some(dir),
                "sqlite (WAL, synchronous=FULL)".into(),
                None,
            )
        }
    }
}

/// A running server on `url` with a user of `role`: (base URL, token).
pub fn serve(url: String, role: Role, adjust: impl FnOnce(&mut Config)) -> (String, String) {
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        database: url,
        ..Config::default()
    };
    adjust(&mut config);
    let app = Application::build(config).expect("app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let token = create_user(
        app.ctx(),
        &Actor::system(),
        &NewUserRequest {
            name: "bench".into(),
            role,
            facilities: Vec::new(),
        },
    )
    .expect("user")
    .token;
    tokio::spawn(app.run_until_stopped());
    (base, token)
}

/// Drops the PostgreSQL database a run made.
pub fn cleanup(db: Option<(String, String)>) {
    if let Some((admin, name)) = db {
        if let Ok(mut c) = diesel::PgConnection::establish(&admin) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut c);
        }
    }
}

/// The runtime a benchmark's server and clients run on: two workers, as
/// the machines the numbers are taken on have two cores.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Registers a swab collected an hour ago for each id, patient `P-<n>`
/// (`n` its place in `ids`), as a desk would over HTTP.
pub async fn register_swabs(base: &str, token: &str, ids: impl IntoIterator<Item = String>) {
    let http = reqwest::Client::new();
    let at = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let onset = (chrono::Utc::now() - chrono::Duration::days(2))
        .date_naive()
        .to_string();
    for (n, id) in ids.into_iter().enumerate() {
        let r = http
            .post(format!("{base}/api/v1/specimens"))
            .bearer_auth(token)
            .json(&serde_json::json!({
                "specimen_id": id,
                "patient": {"name": "山田 太郎", "birth_date": "1980-04-01", "sex": "male", "patient_id": format!("P-{n}")},
                "type": "nasopharyngeal_swab", "collected_at": at, "onset_date": onset,
                "asymptomatic": false, "test_method": "pcr",
                "ppe": ["surgical_mask", "n95", "eye_protection", "gown", "gloves"]
            }))
            .send()
            .await
            .expect("register");
        assert!(r.status().is_success(), "register: {}", r.status());
    }
}
