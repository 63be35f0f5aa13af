//! Results as a lab records them (docs/RULES.md, results): a retried post is the same
//! version, a correction needs its reason, a `second_person` site releases
//! results only by another user, the result desk's worklist, and PCR
//! instrument files (preview, decisions, commit, the watched folder).

use crate::common::*;
use kentai::domain::results::ReleasePolicy;
use kentai::domain::roles::Role;
use serde_json::{json, Value};

/// The lab's plates carry controls; its bench assay's small files do not.
fn with_assay(config: &mut kentai::config::Config) {
    config.assays.push(sars2_assay());
    config.assays.push(bench_assay());
}

fn second_person(config: &mut kentai::config::Config) {
    config.policy.result_release = ReleasePolicy::SecondPerson;
    with_assay(config);
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/results/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn now() -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339()
}

async fn preview(app: &TestApp, token: &str, format: &str, file: &[u8]) -> (u16, Value) {
    preview_with(app, token, format, "sars2-n1n2", file).await
}

async fn preview_with(
    app: &TestApp,
    token: &str,
    format: &str,
    assay: &str,
    file: &[u8],
) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/results/imports?format={format}&assay={assay}&file_name=plate.txt"
        )))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .body(file.to_vec())
        .send()
        .await
        .expect("preview");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn report_rows(app: &TestApp) -> Vec<Value> {
    let day = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let hc = app.token(Role::HealthCentre);
    let (status, body) = app
        .get(
            &format!("/api/v1/reports/hersys?date={day}&format=json"),
            &hc,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["rows"].as_array().cloned().unwrap_or_default()
}

// docs/RULES.md, results: a network retry records nothing new
#[tokio::test]
async fn posting_the_same_result_twice_answers_the_same_version_and_records_once() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    app.admin_registers("RPT-1", "nasopharyngeal_swab", 2).await;
    let body = json!({"result": "negative", "resulted_at": now()});
    let (status, first) = post_result(&app, &lab, "RPT-1", &body).await;
    assert_eq!(status, 201, "{first}");
    let before = app.snapshot();
    let (status, again) = post_result(&app, &lab, "RPT-1", &body).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["result"]["version"], 1);
    assert_eq!(again["created"], false);
    assert_eq!(again["result"]["correction"], false);
    assert_eq!(app.snapshot(), before, "a repeat wrote");
}

// docs/RULES.md, results: a correction is a new version with its reason
#[tokio::test]
async fn a_correction_without_a_reason_is_refused_and_with_one_is_version_2_in_every_report_format()
{
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    app.admin_registers("COR-1", "nasopharyngeal_swab", 2).await;
    let (status, _) = post_result(
        &app,
        &lab,
        "COR-1",
        &json!({"result": "negative", "resulted_at": now()}),
    )
    .await;
    assert_eq!(status, 201);
    let before = app.snapshot();
    let flipped = json!({"result": "positive", "resulted_at": now()});
    let (status, refused) = post_result(&app, &lab, "COR-1", &flipped).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "correction_reason_required");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("理由"),
        "{refused}"
    );
    assert_eq!(app.snapshot(), before, "a refused correction wrote");

    let mut with_reason = flipped.clone();
    with_reason["reason"] = json!("検体取り違えの確認後、再検査で陽性");
    let (status, corrected) = post_result(&app, &lab, "COR-1", &with_reason).await;
    assert_eq!(status, 201, "{corrected}");
    assert_eq!(corrected["result"]["version"], 2);
    assert_eq!(
        corrected["result"]["correction_reason"],
        "検体取り違えの確認後、再検査で陽性"
    );
    let rows = report_rows(&app).await;
    let row = rows
        .iter()
        .find(|r| r["specimen_id"] == "COR-1")
        .expect("row");
    assert_eq!(row["result"], "positive");
    assert_eq!(
        row["correction_reason"],
        "検体取り違えの確認後、再検査で陽性"
    );
    assert!(
        row["flags_text"]
            .as_str()
            .unwrap_or("")
            .contains("検体取り違えの確認後"),
        "{row}"
    );
}

// docs/RULES.md, results with `[policy] result_release = "second_person"`
#[tokio::test]
async fn under_second_person_release_only_another_user_releases_and_only_released_results_are_reported(
) {
    let app = spawn_app_with(second_person).await;
    let tech = app.token(Role::Lab);
    let checker = app.token(Role::Lab);
    app.admin_registers("REL-1", "nasopharyngeal_swab", 2).await;
    let (status, entered) = post_result(
        &app,
        &tech,
        "REL-1",
        &json!({"result": "positive", "resulted_at": now(), "ct": {"N1": 24.1, "N2": 25.3, "RP": 27.0}, "assay": "sars2-n1n2"}),
    )
    .await;
    assert_eq!(status, 201, "{entered}");
    assert_eq!(entered["result"]["status"], "entered");

    let row = report_rows(&app).await;
    let row = row
        .iter()
        .find(|r| r["specimen_id"] == "REL-1")
        .expect("row");
    assert_eq!(
        row["result"],
        Value::Null,
        "an unreleased result is reported: {row}"
    );
    assert_eq!(row["result_pending"], true);

    let before = app.snapshot();
    let (status, same) = app
        .post(
            "/api/v1/specimens/REL-1/results/1/release",
            &tech,
            &json!({}),
        )
        .await;
    assert_eq!(status, 409, "{same}");
    assert_eq!(same["error"]["code"], "same_person_release");
    assert_eq!(app.snapshot(), before);

    let (status, released) = app
        .post(
            "/api/v1/specimens/REL-1/results/1/release",
            &checker,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{released}");
    assert_eq!(released["result"]["status"], "released");
    let (status, twice) = app
        .post(
            "/api/v1/specimens/REL-1/results/1/release",
            &checker,
            &json!({}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(twice["error"]["code"], "not_awaiting_release");

    let rows = report_rows(&app).await;
    let row = rows
        .iter()
        .find(|r| r["specimen_id"] == "REL-1")
        .expect("row");
    assert_eq!(row["result"], "positive");
    assert_eq!(row["ct"]["N1"], 24.1);
    assert_eq!(row["assay"], "sars2-n1n2");
    assert_eq!(row["result_pending"], false);
}

#[tokio::test]
async fn a_returned_result_counts_for_nothing_and_puts_the_tube_back_on_the_worklist() {
    let app = spawn_app_with(second_person).await;
    let tech = app.token(Role::Lab);
    let checker = app.token(Role::Lab);
    app.admin_registers("RET-1", "nasopharyngeal_swab", 2).await;
    let (status, _) = post_result(
        &app,
        &tech,
        "RET-1",
        &json!({"result": "negative", "resulted_at": now()}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, queue) = app
        .get("/api/v1/results/worklist?state=entered", &checker)
        .await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue.as_array().map(Vec::len), Some(1), "{queue}");
    assert_eq!(queue[0]["pending"]["version"], 1);

    let (status, returned) = app
        .post(
            "/api/v1/specimens/RET-1/results/1/return",
            &checker,
            &json!({"reason": "内部コントロールの Ct が高い。再測定してください"}),
        )
        .await;
    assert_eq!(status, 200, "{returned}");
    assert_eq!(returned["result"]["status"], "returned");
    let (_, awaiting) = app
        .get("/api/v1/results/worklist?state=awaiting", &tech)
        .await;
    let item = awaiting
        .as_array()
        .and_then(|a| a.iter().find(|i| i["specimen"]["specimen_id"] == "RET-1"))
        .cloned()
        .expect("back on the worklist");
    assert_eq!(
        item["pending"]["return_reason"],
        "内部コントロールの Ct が高い。再測定してください"
    );
    // A new entry after a return is not a correction of the returned one.
    let (status, again) = post_result(
        &app,
        &tech,
        "RET-1",
        &json!({"result": "invalid", "resulted_at": now()}),
    )
    .await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["result"]["version"], 2);
}

#[tokio::test]
async fn the_worklist_lists_tubes_without_a_result_filtered_by_method() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    for id in ["WL-1", "WL-2"] {
        app.admin_registers(id, "nasopharyngeal_swab", 2).await;
    }
    let (status, list) = app.get("/api/v1/results/worklist", &lab).await;
    assert_eq!(status, 200, "{list}");
    let ids: Vec<&str> = list
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["specimen"]["specimen_id"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(ids, ["WL-1", "WL-2"]);
    post_result(
        &app,
        &lab,
        "WL-1",
        &json!({"result": "negative", "resulted_at": now()}),
    )
    .await;
    let (_, list) = app.get("/api/v1/results/worklist", &lab).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let (_, antigen) = app
        .get("/api/v1/results/worklist?method=antigen_qualitative", &lab)
        .await;
    assert_eq!(antigen, json!([]));
    let reception = app.token(Role::Reception);
    let (status, _) = app.get("/api/v1/results/worklist", &reception).await;
    assert_eq!(status, 403);
}

async fn register_plate(app: &TestApp, n: usize) {
    for i in 1..=n {
        app.admin_registers(&format!("R26-{i:04}"), "nasopharyngeal_swab", 2)
            .await;
    }
}

// Instrument files: a QuantStudio run whose controls pass
#[tokio::test]
async fn a_quantstudio_run_previews_without_recording_then_commits_every_tube_at_once() {
    let app = spawn_app_with(with_assay).await;
    let lab = app.token(Role::Lab);
    register_plate(&app, 93).await;
    let results_before = app.count("results");
    let (status, p) = preview(
        &app,
        &lab,
        "quantstudio",
        &fixture("quantstudio-96-pass.txt"),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        app.count("results"),
        results_before,
        "a preview recorded results"
    );
    assert_eq!(p["status"], "previewed");
    assert_eq!(p["counts"]["rows"], 93, "{}", p["counts"]);
    assert_eq!(p["counts"]["positive"], 1);
    assert_eq!(p["counts"]["invalid"], 1);
    assert_eq!(p["counts"]["record"], 93);
    assert_eq!(p["problems"], json!([]));
    let positive = p["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["sample"] == "R26-0007"))
        .cloned()
        .expect("R26-0007");
    assert_eq!(positive["result"], "positive");
    assert_eq!(positive["ct"]["N1"], 24.1);

    let id = p["import_id"].as_str().expect("import_id").to_string();
    let (status, done) = app
        .post(
            &format!("/api/v1/results/imports/{id}/commit"),
            &lab,
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["recorded"], 93);
    assert_eq!(app.count("results"), results_before + 93);
    let (_, tube) = app.get("/api/v1/specimens/R26-0007", &lab).await;
    assert_eq!(tube["result"]["result"], "positive");
    assert_eq!(tube["result"]["ct"]["N2"], 25.3);
    assert_eq!(tube["result"]["import_id"], id.as_str());
    assert_eq!(tube["result"]["assay"], "sars2-n1n2");

    // The same file again is the same import: nothing more happens.
    let before = app.snapshot();
    let (status, again) = preview(
        &app,
        &lab,
        "quantstudio",
        &fixture("quantstudio-96-pass.txt"),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["import_id"], id.as_str());
    assert_eq!(again["status"], "committed");
    let (status, twice) = app
        .post(
            &format!("/api/v1/results/imports/{id}/commit"),
            &lab,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{twice}");
    assert_eq!(twice["recorded"], 93);
    assert_eq!(app.snapshot(), before, "a re-import wrote");
}

#[tokio::test]
async fn a_run_whose_no_template_control_amplified_is_refused_whole_and_changes_no_table() {
    let app = spawn_app_with(with_assay).await;
    let lab = app.token(Role::Lab);
    register_plate(&app, 3).await;
    let before = app.snapshot();
    let (status, refused) = preview(
        &app,
        &lab,
        "quantstudio",
        &fixture("quantstudio-96-ntc-fail.txt"),
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], "run_controls_failed");
    let refusals = refused["error"]["refusals"].to_string();
    assert!(
        refusals.contains("NTC") && refusals.contains("35.2"),
        "{refusals}"
    );
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn unknown_and_duplicate_samples_need_a_decision_before_the_commit() {
    let app = spawn_app_with(with_assay).await;
    let lab = app.token(Role::Lab);
    register_plate(&app, 93).await;
    let (status, p) = preview(
        &app,
        &lab,
        "quantstudio",
        &fixture("quantstudio-96-unknown.txt"),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    let problems: Vec<(String, String)> = p["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["sample"].as_str().unwrap_or("").to_string(),
                        x["code"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    for want in [
        ("R26-9998", "unknown_sample"),
        ("XYZ", "unknown_sample"),
        ("R26-0020", "duplicate_sample"),
    ] {
        assert!(
            problems.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} in {problems:?}"
        );
    }
    let id = p["import_id"].as_str().expect("import_id").to_string();
    let commit = format!("/api/v1/results/imports/{id}/commit");
    let before = app.snapshot();
    let (status, undecided) = app.post(&commit, &lab, &json!({})).await;
    assert_eq!(status, 409, "{undecided}");
    assert_eq!(undecided["error"]["code"], "import_decisions_needed");
    assert!(undecided["error"]["message"].to_string().contains("XYZ"));
    let (status, wrong) = app
        .post(
            &commit,
            &lab,
            &json!({"decisions": [{"sample": "XYZ", "decision": "record"}]}),
        )
        .await;
    assert_eq!(status, 400, "{wrong}");
    assert_eq!(app.snapshot(), before, "a refused commit wrote");

    let (status, done) = app
        .post(
            &commit,
            &lab,
            &json!({"decisions": [
                {"sample": "R26-9998", "decision": "skip"},
                {"sample": "XYZ", "decision": "skip"},
                {"sample": "R26-0020", "decision": "record"},
            ]}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["skipped"], 2);
    let (_, tube) = app.get("/api/v1/specimens/R26-0020", &lab).await;
    assert_eq!(tube["result"]["version"], 1, "{tube}");
}

#[tokio::test]
async fn a_tube_already_resulted_differently_is_corrected_only_with_a_reason() {
    let app = spawn_app_with(with_assay).await;
    let lab = app.token(Role::Lab);
    register_plate(&app, 93).await;
    // R26-0007 is positive on the plate; the bench said negative.
    post_result(
        &app,
        &lab,
        "R26-0007",
        &json!({"result": "negative", "resulted_at": now()}),
    )
    .await;
    let (_, p) = preview(
        &app,
        &lab,
        "quantstudio",
        &fixture("quantstudio-96-pass.txt"),
    )
    .await;
    let id = p["import_id"].as_str().expect("import_id").to_string();
    let commit = format!("/api/v1/results/imports/{id}/commit");
    let (status, no_reason) = app
        .post(
            &commit,
            &lab,
            &json!({"decisions": [{"sample": "R26-0007", "decision": "correct"}]}),
        )
        .await;
    assert_eq!(status, 400, "{no_reason}");
    let (status, done) = app
        .post(
            &commit,
            &lab,
            &json!({"decisions": [{"sample": "R26-0007", "decision": "correct", "reason": "PCR で陽性（迅速検査は偽陰性）"}]}),
        )
        .await;
    assert_eq!(status, 201, "{done}");
    let (_, tube) = app.get("/api/v1/specimens/R26-0007", &lab).await;
    assert_eq!(tube["result"]["version"], 2);
    assert_eq!(tube["result"]["result"], "positive");
    assert_eq!(
        tube["result"]["correction_reason"],
        "PCR で陽性（迅速検査は偽陰性）"
    );
}

#[tokio::test]
async fn cfx_and_generic_csv_files_preview_as_the_same_plate() {
    let app = spawn_app_with(with_assay).await;
    let lab = app.token(Role::Lab);
    register_plate(&app, 93).await;
    let (status, cfx) = preview(&app, &lab, "cfx", &fixture("cfx-96-pass.csv")).await;
    assert_eq!(status, 200, "{cfx}");
    assert_eq!(cfx["counts"]["rows"], 93);
    assert_eq!(cfx["counts"]["positive"], 1);
    let (status, generic) =
        preview_with(&app, &lab, "generic", "bench", &fixture("generic-pass.csv")).await;
    assert_eq!(status, 200, "{generic}");
    assert!(
        generic["counts"]["rows"].as_u64().unwrap_or(0) > 0,
        "{generic}"
    );
    let (status, garbage) = preview(&app, &lab, "quantstudio", b"not an export").await;
    assert_eq!(status, 400, "{garbage}");
    assert_eq!(garbage["error"]["code"], "unreadable_file");
    let (status, unknown) = preview(&app, &lab, "xls", b"x").await;
    assert_eq!(status, 400, "{unknown}");
}

#[tokio::test]
async fn the_watched_folder_imports_a_good_run_and_sets_a_failed_one_aside_with_its_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().to_path_buf();
    let watched = folder.clone();
    let app = spawn_app_with(move |c| {
        with_assay(c);
        c.results.import_dir = Some(watched);
        c.results.import_assay = Some("sars2-n1n2".into());
        c.results.poll_seconds = 0.1;
    })
    .await;
    register_plate(&app, 93).await;
    std::fs::write(folder.join("run-1.txt"), fixture("quantstudio-96-pass.txt")).expect("write");
    std::fs::write(
        folder.join("run-2.txt"),
        fixture("quantstudio-96-ntc-fail.txt"),
    )
    .expect("write");
    let done = folder.join("done/run-1.txt");
    let failed = folder.join("failed/run-2.txt");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !(done.exists() && failed.exists()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the folder was not processed: {:?}",
            std::fs::read_dir(&folder).map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(app.count("results"), 93);
    let reason =
        std::fs::read_to_string(folder.join("failed/run-2.txt.reason.txt")).expect("reason");
    assert!(reason.contains("陰性コントロール"), "{reason}");
    let lab = app.token(Role::Lab);
    let (_, tube) = app.get("/api/v1/specimens/R26-0007", &lab).await;
    assert_eq!(tube["result"]["recorded_by"], "import:folder");
}
