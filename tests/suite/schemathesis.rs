//! The served OpenAPI document against the server that serves it: starts
//! kentai with things for its GETs to find (stations, a location, a
//! registered specimen, an open package, a catalogued kit) and runs
//! `tests/schemathesis/run.sh`, which has schemathesis send generated
//! requests to every operation of `/api/openapi.json` and fails on any
//! 5xx, undocumented status code or content type, or body that does not
//! match its documented schema.
//!
//! It needs schemathesis (`pip install -r tests/schemathesis/requirements.txt`).
//! Without it the test says so and passes, unless
//! `KENTAI_REQUIRE_SCHEMATHESIS=1` (as in CI), when it fails.

use crate::common::{
    alone, consignee, registration, root, run_with_limit, spawn_app_with, with_stations, TestApp,
};
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The whole schemathesis run; it takes well under this on 2 cores.
const TIMEOUT: Duration = Duration::from_secs(600);

/// Whether the `schemathesis` command is there.
fn installed() -> bool {
    Command::new("schemathesis")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `tests/schemathesis/run.sh` with a time limit: (success, output).
/// `other_user` is a user whose token the run may replace (never the
/// owner of `token`).
fn run_schemathesis(base_url: &str, token: &str, other_user: &str) -> (bool, String) {
    let mut command = Command::new("bash");
    command
        .arg(root().join("tests/schemathesis/run.sh"))
        .current_dir(std::env::temp_dir())
        .env("KENTAI_BASE_URL", base_url)
        .env("KENTAI_TOKEN", token)
        .env("KENTAI_OTHER_USER_ID", other_user);
    run_with_limit(command, TIMEOUT)
}

/// Something for every GET to find (the values of
/// tests/schemathesis/schemathesis.toml's dictionaries): the stations of
/// [`with_stations`], fridge `F-1`, tube `S-1` in an open package, tube
/// `S-2` registered and unpacked, kit `09506000134352`; and a lab user,
/// whose id is returned, for the run to give new tokens to.
async fn app_with_things_to_find() -> (TestApp, String) {
    let app = spawn_app_with(|c| {
        with_stations(c);
        // schemathesis also sends requests without a token or with a wrong
        // one, far more than a minute allows one address; the limit has its
        // own tests (`limits`).
        c.security.auth_failures_per_minute = 0;
    })
    .await;
    app.location("F-1", "fridge_4c").await;
    for tube in ["S-1", "S-2"] {
        let (status, body) = app
            .register(&app.admin, &registration(tube, "saliva", 3))
            .await;
        assert_eq!(status, 201, "register {tube}: {body}");
    }
    let (status, body) = app
        .post(
            "/api/v1/packages",
            &app.admin,
            &json!({"carrier": "category_b_carrier", "consignee": consignee()}),
        )
        .await;
    assert_eq!(status, 201, "create a package: {body}");
    let package = body["package_id"].as_str().expect("package_id").to_string();
    let (status, body) = app
        .post(
            &format!("/api/v1/packages/{package}/specimens"),
            &app.admin,
            &json!({"specimen_id": "S-1"}),
        )
        .await;
    assert_eq!(status, 201, "pack S-1: {body}");
    let (status, body) = app
        .post(
            "/api/v1/kits",
            &app.admin,
            &json!({"gtin": "09506000134352", "specimen_type": "nasopharyngeal_swab",
                    "swab_material": "flocked", "description": "鼻咽頭ぬぐい液採取キット"}),
        )
        .await;
    assert!(status == 201 || status == 200, "catalogue a kit: {body}");
    let (status, body) = app
        .post(
            "/api/v1/users",
            &app.admin,
            &json!({"name": "schemathesis-lab", "role": "lab"}),
        )
        .await;
    assert_eq!(status, 201, "create a lab user: {body}");
    let user_id = body["user"]["id"].as_i64().expect("user id").to_string();
    (app, user_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_answer_outside_the_served_openapi_document() {
    let _alone = alone().await;
    if !installed() {
        let required = std::env::var("KENTAI_REQUIRE_SCHEMATHESIS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "KENTAI_REQUIRE_SCHEMATHESIS=1 but schemathesis is not installed: \
             pip install -r tests/schemathesis/requirements.txt"
        );
        eprintln!(
            "notice: schemathesis test skipped; schemathesis is not installed \
             (pip install -r tests/schemathesis/requirements.txt)"
        );
        return;
    }
    let (app, other_user) = app_with_things_to_find().await;
    let base = app.address.clone();
    let token = app.admin.clone();
    let started = Instant::now();
    let (ok, output) =
        tokio::task::spawn_blocking(move || run_schemathesis(&base, &token, &other_user))
            .await
            .expect("schemathesis run");
    assert!(ok, "tests/schemathesis/run.sh failed:\n{output}");
    println!("{output}\nschemathesis took {:?}", started.elapsed());
}
