//! What a sign-in with a password costs: the Argon2id hash alone (the
//! cost kentai chooses, `kentai::passwords`), and a whole sign-in through
//! the form over HTTP (the form, its cookie, the POST, the session).
//!
//! `cargo bench --bench sign_in`; `KENTAI_BENCH_ROUNDS` (default 30).

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use kentai::actions::users::{create_user, NewUserRequest};
use kentai::actions::{passwords, Actor};
use kentai::config::Config;
use kentai::domain::roles::Role;
use kentai::startup::Application;
use std::time::Instant;
use support::{cleanup, database, percentile, runtime};

fn median_ms(mut times: Vec<f64>) -> (f64, f64) {
    times.sort_by(|a, b| a.total_cmp(b));
    (percentile(&times, 0.5), percentile(&times, 0.9))
}

fn main() {
    let rounds: usize = std::env::var("KENTAI_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    println!(
        "sign_in: Argon2id m={} KiB, t={}, p={}",
        kentai::passwords::MEMORY_KIB,
        kentai::passwords::PASSES,
        kentai::passwords::LANES
    );
    let stored = kentai::passwords::hash("vivid-otter-42").expect("hash");
    let hashes: Vec<f64> = (0..rounds)
        .map(|_| {
            let began = Instant::now();
            assert!(kentai::passwords::verify(&stored, "vivid-otter-42"));
            began.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let (p50, p90) = median_ms(hashes);
    println!("  verify one password: median {p50:.1} ms, p90 {p90:.1} ms");

    let runtime = runtime();
    let (url, _dir, label, pg) = database();
    let base = runtime.block_on(async {
        let config = Config {
            bind: "127.0.0.1:0".into(),
            database: url,
            ..Config::default()
        };
        let app = Application::build(config).expect("app");
        let base = format!("http://127.0.0.1:{}", app.port());
        let request = NewUserRequest {
            name: "suzuki".into(),
            role: Role::Reception,
            facilities: Vec::new(),
        };
        create_user(app.ctx(), &Actor::system(), &request).expect("user");
        passwords::set_by_name(app.ctx(), &Actor::system(), "suzuki", "vivid-otter-42")
            .expect("password");
        tokio::spawn(app.run_until_stopped());
        base
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let times: Vec<f64> = runtime.block_on(async {
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let began = Instant::now();
            let form = client
                .get(format!("{base}/signin"))
                .send()
                .await
                .expect("form");
            let cookie = form
                .headers()
                .get_all("set-cookie")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(|v| v.strip_prefix("kentai_signin="))
                .and_then(|v| v.split(';').next())
                .expect("the form's cookie")
                .to_string();
            let html = form.text().await.expect("page");
            let csrf = html
                .split(r#"name="csrf" value=""#)
                .nth(1)
                .and_then(|r| r.split('"').next())
                .expect("csrf")
                .to_string();
            let res = client
                .post(format!("{base}/signin"))
                .header("cookie", format!("kentai_signin={cookie}"))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("name", "suzuki"),
                    ("password", "vivid-otter-42"),
                ])
                .send()
                .await
                .expect("sign in");
            assert_eq!(res.status().as_u16(), 303);
            times.push(began.elapsed().as_secs_f64() * 1000.0);
        }
        times
    });
    let (p50, p90) = median_ms(times);
    println!("  sign in through the form on {label}: median {p50:.1} ms, p90 {p90:.1} ms");
    cleanup(pg);
}
