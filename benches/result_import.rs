//! What importing a 384-well PCR run costs: the preview (read the file,
//! judge every well by the assay, look up every tube) and the commit (one
//! transaction recording every result), over HTTP as the result desk's
//! page sends them. Target: under 1 s for both together.
//!
//! `cargo bench --bench result_import` measures SQLite; with
//! `KENTAI_BENCH_DATABASE_URL=postgres://…/postgres` PostgreSQL.
//! `KENTAI_BENCH_ROUNDS` (default 7) sets the rounds. Each round imports
//! `fixtures/results/quantstudio-384.txt` with its sample names renamed
//! for the round (a file imported before is a no-op), after registering
//! its 382 tubes outside the clock; the report gives the median.

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use chrono::{Duration, Utc};
use kentai::domain::assay::{Assay, AssayRule};
use kentai::domain::results::TestMethod;
use kentai::domain::roles::Role;
use serde_json::{json, Value};
use std::time::Instant;
use support::{cleanup, database, percentile, serve};

fn main() {
    let rounds: usize = std::env::var("KENTAI_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let plate = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/results/quantstudio-384.txt"
    ))
    .expect("fixture");
    let (url, _dir, backend, db) = database();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let (base, token) = serve(url, Role::Lab, |c| {
            c.assays.push(Assay {
                name: "sars2-n1n2".into(),
                method: TestMethod::Pcr,
                targets: vec!["N1".into(), "N2".into()],
                internal_control: Some("RP".into()),
                ct_cutoff: 40.0,
                internal_control_cutoff: None,
                ntc_names: vec!["NTC".into()],
                positive_control_names: vec!["PC".into()],
                positive_control_ct_range: Some([20.0, 35.0]),
                rule: AssayRule::AnyTarget,
                loinc: None,
                jlac10: None,
            });
        });
        let http = reqwest::Client::new();
        let collected = (Utc::now() - Duration::hours(3)).to_rfc3339();
        let onset = (Utc::now() - Duration::days(2)).date_naive().to_string();
        println!("preview + commit of a 384-well run, {backend}, {rounds} rounds");
        let mut totals = Vec::new();
        let (mut previews, mut commits) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            let prefix = format!("B{round}-");
            let file = plate.replace("R26-", &prefix);
            for i in 1001..=1382 {
                let res = http
                    .post(format!("{base}/api/v1/specimens"))
                    .bearer_auth(&token)
                    .json(&json!({
                        "specimen_id": format!("{prefix}{i}"),
                        "patient": {"name": "ベンチ 太郎", "patient_id": format!("P{round}-{i}"), "sex": "male"},
                        "type": "nasopharyngeal_swab", "collected_at": collected, "onset_date": onset,
                        "test_method": "pcr", "ppe": ["surgical_mask", "eye_protection", "gown", "gloves"]
                    }))
                    .send()
                    .await
                    .expect("register");
                assert_eq!(res.status().as_u16(), 201);
            }
            let t = Instant::now();
            let res = http
                .post(format!(
                    "{base}/api/v1/results/imports?format=quantstudio&assay=sars2-n1n2"
                ))
                .bearer_auth(&token)
                .header("content-type", "text/plain")
                .body(file)
                .send()
                .await
                .expect("preview");
            assert_eq!(res.status().as_u16(), 200);
            let preview: Value = res.json().await.expect("json");
            assert_eq!(preview["counts"]["record"], 382, "{}", preview["counts"]);
            let previewed = t.elapsed().as_secs_f64() * 1000.0;
            let id = preview["import_id"].as_str().expect("import_id");
            let res = http
                .post(format!("{base}/api/v1/results/imports/{id}/commit"))
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
                .await
                .expect("commit");
            assert_eq!(res.status().as_u16(), 201);
            let done: Value = res.json().await.expect("json");
            assert_eq!(done["recorded"], 382);
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            println!(
                "round {:2}: preview {previewed:6.1} ms, commit {:6.1} ms, total {ms:6.1} ms",
                round + 1,
                ms - previewed
            );
            previews.push(previewed);
            commits.push(ms - previewed);
            totals.push(ms);
        }
        for v in [&mut totals, &mut previews, &mut commits] {
            v.sort_by(|a, b| a.total_cmp(b));
        }
        println!(
            "median preview {:.1} ms, commit {:.1} ms, total {:.1} ms (min {:.1}, max {:.1})",
            percentile(&previews, 0.5),
            percentile(&commits, 0.5),
            percentile(&totals, 0.5),
            totals[0],
            totals[totals.len() - 1]
        );
    });
    runtime.shutdown_background();
    cleanup(db);
}
