//! The day's report as FHIR R4 (README, the day report): the Bundle `FhirWriter` streams,
//! checked for its structure here, and against the official HL7 FHIR R4
//! JSON schema by `tests/fhir/validate.mjs` under Node.
//!
//! The schema check needs `npm ci --prefix tests/fhir` first. Without it
//! the check is skipped with a notice, unless `KENTAI_REQUIRE_FHIR_SCHEMA=1`
//! (as in CI), when a missing Node or `node_modules` fails the test.

use chrono::{DateTime, FixedOffset, NaiveDate};
use kentai::domain::messages::RuleMsg;
use kentai::domain::registration::Flag;
use kentai::domain::RuleCode;
use kentai::report::fhir::FhirWriter;
use kentai::report::ReportRow;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

fn t(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("test time")
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn report_date() -> NaiveDate {
    d("2020-06-10")
}

/// A row with every optional field filled; tests take away what they need.
fn row(patient: &str, specimen_id: &str, specimen_type: &str, method: &str) -> ReportRow {
    ReportRow {
        report_date: report_date(),
        facility_name: "けんたい内科クリニック".into(),
        facility_code: "1310000001".into(),
        name: format!("山田\u{3000}{patient}"),
        name_kana: Some("ヤマダ タロウ".into()),
        sex: "male".into(),
        birth_date: Some(d("1970-01-01")),
        address: Some("東京都新宿区西新宿２丁目８−１".into()),
        phone: Some("03-1234-5678".into()),
        onset_date: Some(d("2020-06-08")),
        days_since_onset: Some(2),
        collection_date: report_date(),
        collected_at: t("2020-06-10T09:30:00+09:00"),
        test_method: method.into(),
        specimen_type: specimen_type.into(),
        result: None,
        result_date: None,
        resulted_at: None,
        result_version: None,
        corrected: false,
        correction_reason: None,
        result_pending: false,
        assay: None,
        ct: None,
        loinc: None,
        jlac10: None,
        asymptomatic: false,
        specimen_id: specimen_id.into(),
        flags: Vec::new(),
        freeze_thaw_count: 0,
        patient_key: format!("patient-{patient}"),
    }
}

fn with_result(mut r: ReportRow, result: &str) -> ReportRow {
    r.result = Some(result.into());
    r.result_date = Some(report_date());
    r.resulted_at = Some(t("2020-06-10T17:05:00+09:00"));
    r.result_version = Some(1);
    r
}

/// Every specimen type, method and result; a corrected result with its
/// reason; Ct values (one undetermined) with the assay and a configured
/// JLAC10; a row without a result; one patient with two rows; an
/// asymptomatic patient with no optional field; flags with and without an
/// override; two facilities.
fn rows() -> Vec<ReportRow> {
    let mut rows = vec![
        with_result(row("p1", "KT0000001", "sputum", "pcr"), "positive"),
        with_result(
            row("p1", "KT0000002", "nasopharyngeal_swab", "lamp"),
            "negative",
        ),
        with_result(
            row(
                "p2",
                "KT0000003",
                "tracheal_aspirate",
                "antigen_qualitative",
            ),
            "inconclusive",
        ),
        with_result(
            row("p3", "KT0000004", "saliva", "antigen_quantitative"),
            "invalid",
        ),
        with_result(row("p4", "KT0000005", "serum_acute", "pcr"), "negative"),
        with_result(
            row("p5", "KT0000006", "serum_convalescent", "lamp"),
            "positive",
        ),
        with_result(
            row("p6", "KT0000007", "stool", "antigen_qualitative"),
            "negative",
        ),
        with_result(row("p7", "KT0000008", "whole_blood", "pcr"), "inconclusive"),
        with_result(row("p8", "KT0000009", "urine", "pcr"), "negative"),
        with_result(row("p9", "KT0000010", "autopsy_tissue", "pcr"), "positive"),
        row("p10", "KT0000011", "saliva", "pcr"),
        with_result(
            row(
                "p11",
                "KT0000012",
                "nasopharyngeal_swab",
                "antigen_quantitative",
            ),
            "positive",
        ),
    ];
    rows[3].flags = vec![Flag {
        code: RuleCode::SalivaWindowExceeded,
        message: RuleMsg::SalivaWindowExceeded { day: 12, max: 9 }.into(),
        override_reason: Some("下気道検体の採取が困難なため".into()),
    }];
    rows[6].flags = vec![Flag {
        code: RuleCode::FreezeThaw,
        message: RuleMsg::FreezeThawCycles { count: 2 }.into(),
        override_reason: None,
    }];
    rows[6].freeze_thaw_count = 2;
    // A PCR run's result: Ct per target, N2 undetermined, and the codes the
    // site configures for its assay (a JLAC10 the test makes up).
    rows[0].assay = Some("sars2".into());
    rows[0].ct = Some(
        [("N1", Some(24.1)), ("N2", None), ("RP", Some(27.0))]
            .into_iter()
            .map(|(target, ct)| (target.to_string(), ct))
            .collect(),
    );
    rows[0].jlac10 = Some("JLAC10TESTCODE001".into());
    // A corrected result: version 2 replaces version 1, for a reason.
    rows[8].result_version = Some(2);
    rows[8].corrected = true;
    rows[8].resulted_at = Some(t("2020-06-10T19:40:00+09:00"));
    rows[8].correction_reason = Some("再検査の結果".into());
    rows[8].flags = vec![Flag {
        code: RuleCode::CorrectedResult,
        message: RuleMsg::ResultCorrected {
            version: 2,
            reason: rows[8].correction_reason.clone(),
        }
        .into(),
        override_reason: None,
    }];
    // No optional field at all.
    let bare = &mut rows[10];
    bare.name_kana = None;
    bare.sex = "unknown".into();
    bare.birth_date = None;
    bare.address = None;
    bare.phone = None;
    bare.onset_date = None;
    bare.days_since_onset = None;
    bare.asymptomatic = true;
    // A second facility.
    rows[11].facility_name = "新宿区保健所検査室".into();
    rows[11].facility_code = "1310000002".into();
    rows
}

fn write_bundle(rows: &[ReportRow], generated_at: &str) -> Vec<u8> {
    let mut w =
        FhirWriter::start(Vec::new(), report_date(), "all", t(generated_at)).expect("start");
    for r in rows {
        w.row(r).expect("row");
    }
    w.finish().expect("finish")
}

fn parse(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("the bundle is JSON")
}

fn entries(bundle: &Value) -> &Vec<Value> {
    bundle["entry"].as_array().expect("entry array")
}

fn of_type<'a>(bundle: &'a Value, resource_type: &str) -> Vec<&'a Value> {
    entries(bundle)
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == resource_type)
        .collect()
}

/// Every `"reference"` string anywhere under `v`.
fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("reference", Value::String(s)) => out.push(s.clone()),
                    _ => references(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

fn specimen_url(bundle: &Value, barcode: &str) -> String {
    entries(bundle)
        .iter()
        .find(|e| {
            e["resource"]["resourceType"] == "Specimen"
                && e["resource"]["identifier"][0]["value"] == barcode
        })
        .and_then(|e| e["fullUrl"].as_str())
        .unwrap_or_else(|| panic!("no Specimen {barcode}"))
        .to_string()
}

fn of_specimen<'a>(bundle: &'a Value, resource_type: &str, barcode: &str) -> Vec<&'a Value> {
    let url = specimen_url(bundle, barcode);
    of_type(bundle, resource_type)
        .into_iter()
        .filter(|r| {
            r["specimen"]["reference"] == url.as_str()
                || r["specimen"][0]["reference"] == url.as_str()
        })
        .collect()
}

#[test]
fn bundle_structure_counts_and_references() {
    let bundle = parse(&write_bundle(&rows(), "2020-06-10T23:59:00+09:00"));
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    assert_eq!(bundle["timestamp"], "2020-06-10T23:59:00+09:00");
    assert_eq!(bundle["identifier"]["value"], "2020-06-10/all");

    // 11 patients (p1 twice), 2 facilities, 12 tubes, 11 with a result.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for e in entries(&bundle) {
        let ty = e["resource"]["resourceType"].as_str().expect("type");
        *counts.entry(ty.to_string()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        ("DiagnosticReport", 11),
        ("Observation", 11),
        ("Organization", 2),
        ("Patient", 11),
        ("Specimen", 12),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(counts, expected);

    // fullUrls unique, each `urn:uuid:` + the resource's id.
    let mut urls = HashSet::new();
    for e in entries(&bundle) {
        let url = e["fullUrl"].as_str().expect("fullUrl");
        let id = e["resource"]["id"].as_str().expect("id");
        assert_eq!(url, format!("urn:uuid:{id}"));
        assert!(urls.insert(url.to_string()), "duplicate fullUrl {url}");
    }

    // Every reference resolves inside the bundle.
    let mut refs = Vec::new();
    references(&bundle, &mut refs);
    assert!(refs.len() > 50);
    for r in &refs {
        assert!(urls.contains(r), "dangling reference {r}");
    }

    // p1 is written once and both of p1's tubes point at it.
    let p1: Vec<_> = of_type(&bundle, "Patient")
        .into_iter()
        .filter(|p| p["name"][0]["text"] == "山田 p1")
        .collect();
    assert_eq!(p1.len(), 1);
    let p1_url = format!("urn:uuid:{}", p1[0]["id"].as_str().expect("id"));
    for barcode in ["KT0000001", "KT0000002"] {
        let url = specimen_url(&bundle, barcode);
        let specimen = entries(&bundle)
            .iter()
            .find(|e| e["fullUrl"] == url.as_str())
            .expect("specimen entry");
        assert_eq!(
            specimen["resource"]["subject"]["reference"],
            p1_url.as_str()
        );
    }
}

#[test]
fn patients_carry_what_is_known_and_never_the_key() {
    let bytes = write_bundle(&rows(), "2020-06-10T23:59:00+09:00");
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    assert!(!text.contains("patient-p"), "the patient key leaked");
    let bundle = parse(&bytes);
    let patients = of_type(&bundle, "Patient");

    let full = patients
        .iter()
        .find(|p| p["name"][0]["text"] == "山田 p1")
        .expect("p1");
    assert_eq!(full["gender"], "male");
    assert_eq!(full["birthDate"], "1970-01-01");
    assert_eq!(full["name"][1]["text"], "ヤマダ タロウ");
    assert_eq!(full["name"][1]["extension"][0]["valueCode"], "SYL");
    assert_eq!(full["telecom"][0]["value"], "03-1234-5678");
    assert_eq!(full["address"][0]["text"], "東京都新宿区西新宿２丁目８−１");
    assert_eq!(full["identifier"][0]["value"], full["id"]);

    let bare = patients
        .iter()
        .find(|p| p["name"][0]["text"] == "山田 p10")
        .expect("p10");
    let mut keys: Vec<&str> = bare
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["gender", "id", "identifier", "name", "resourceType"]);
    assert_eq!(bare["gender"], "unknown");
    assert_eq!(bare["name"].as_array().map(Vec::len), Some(1));
}

#[test]
fn specimens_observations_and_reports_are_coded() {
    let bundle = parse(&write_bundle(&rows(), "2020-06-10T23:59:00+09:00"));

    let sputum = of_type(&bundle, "Specimen")
        .into_iter()
        .find(|s| s["identifier"][0]["value"] == "KT0000001")
        .expect("sputum");
    assert_eq!(sputum["type"]["coding"][0]["code"], "119334006");
    assert_eq!(sputum["type"]["text"], "喀痰");
    assert_eq!(
        sputum["collection"]["collectedDateTime"],
        "2020-06-10T09:30:00+09:00"
    );
    assert!(sputum.get("note").is_none());

    let saliva = of_type(&bundle, "Specimen")
        .into_iter()
        .find(|s| s["identifier"][0]["value"] == "KT0000004")
        .expect("saliva");
    let note = saliva["note"][0]["text"].as_str().expect("flag note");
    // The flag's sentence is the catalogue's, in Japanese (the report's
    // language).
    let sentence =
        RuleMsg::SalivaWindowExceeded { day: 12, max: 9 }.render(kentai::domain::Lang::Ja);
    assert_eq!(
        note,
        format!(
            "発症後10日目以降の唾液（理由: 下気道検体の採取が困難なため） \
             [saliva_window_exceeded]: {sentence}"
        )
    );
    let stool = of_type(&bundle, "Specimen")
        .into_iter()
        .find(|s| s["identifier"][0]["value"] == "KT0000007")
        .expect("stool");
    let note = stool["note"][0]["text"].as_str().expect("flag note");
    assert!(note.starts_with("凍結融解（2回） [freeze_thaw]"), "{note}");

    // Positive PCR on sputum: LOINC 94500-6, SNOMED CT Detected.
    let obs = of_specimen(&bundle, "Observation", "KT0000001");
    assert_eq!(obs.len(), 1);
    assert_eq!(obs[0]["status"], "final");
    assert_eq!(obs[0]["code"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(obs[0]["code"]["coding"][0]["code"], "94500-6");
    assert_eq!(
        obs[0]["valueCodeableConcept"]["coding"][0]["code"],
        "260373001"
    );
    assert_eq!(obs[0]["valueCodeableConcept"]["text"], "陽性");
    assert_eq!(
        obs[0]["method"]["text"],
        "核酸増幅検査（PCR）（検査系: sars2）"
    );
    assert_eq!(obs[0]["issued"], "2020-06-10T17:05:00+09:00");
    // The configured JLAC10 beside the LOINC, under JP Core's system.
    assert_eq!(
        obs[0]["code"]["coding"][1],
        serde_json::json!({"code": "JLAC10TESTCODE001", "system": "urn:oid:1.2.392.200119.4.504"})
    );
    // One component per target, in target order; an undetermined target
    // has no Ct but the reason there is none.
    let components = obs[0]["component"].as_array().expect("components");
    let targets: Vec<&str> = components
        .iter()
        .map(|c| c["code"]["text"].as_str().expect("target"))
        .collect();
    assert_eq!(targets, ["N1", "N2", "RP"]);
    assert_eq!(
        components[0]["code"]["coding"][0],
        serde_json::json!({"code": "N1", "system": "urn:kentai:ct-target"})
    );
    assert_eq!(
        components[0]["valueQuantity"],
        serde_json::json!({
            "code": "{Ct_value}", "system": "http://unitsofmeasure.org", "unit": "Ct", "value": 24.1
        })
    );
    assert!(components[1].get("valueQuantity").is_none());
    assert_eq!(
        components[1]["dataAbsentReason"]["coding"][0]["code"],
        "not-applicable"
    );
    assert_eq!(components[2]["valueQuantity"]["value"], 27.0);

    // LAMP on serum: no LOINC term fits, so text only.
    let lamp = of_specimen(&bundle, "Observation", "KT0000006");
    assert!(lamp[0]["code"].get("coding").is_none());
    assert_eq!(
        lamp[0]["code"]["text"],
        "SARS-CoV-2 核酸増幅検査（LAMP）・回復期血清"
    );

    // Every result has its SNOMED CT qualifier.
    for (barcode, sct) in [
        ("KT0000002", "260415000"),
        ("KT0000003", "419984006"),
        ("KT0000004", "455371000124106"),
    ] {
        let o = of_specimen(&bundle, "Observation", barcode);
        assert_eq!(o[0]["valueCodeableConcept"]["coding"][0]["code"], sct);
    }

    // The corrected result: both resources say so, and the Observation
    // why, rather than the Specimen.
    let corrected = of_specimen(&bundle, "Observation", "KT0000009");
    assert_eq!(corrected[0]["status"], "corrected");
    assert_eq!(
        corrected[0]["note"][0]["text"],
        "結果訂正（第2版、理由: 再検査の結果）"
    );
    assert!(corrected[0].get("component").is_none());
    let urine = of_type(&bundle, "Specimen")
        .into_iter()
        .find(|s| s["identifier"][0]["value"] == "KT0000009")
        .expect("urine");
    assert!(urine.get("note").is_none(), "{urine}");
    let report = of_specimen(&bundle, "DiagnosticReport", "KT0000009");
    assert_eq!(report[0]["status"], "corrected");
    assert_eq!(
        report[0]["result"][0]["reference"]
            .as_str()
            .map(|s| s.len()),
        Some(45)
    );

    // No result yet: the tube only, an asymptomatic patient's.
    let bare = of_type(&bundle, "Specimen")
        .into_iter()
        .find(|s| s["identifier"][0]["value"] == "KT0000011")
        .expect("bare");
    assert_eq!(bare["note"][0]["text"], "無症状 [asymptomatic]");
    assert!(of_specimen(&bundle, "Observation", "KT0000011").is_empty());
    assert!(of_specimen(&bundle, "DiagnosticReport", "KT0000011").is_empty());
}

#[test]
fn ids_are_stable_across_runs() {
    let first = parse(&write_bundle(&rows(), "2020-06-10T23:59:00+09:00"));
    // Later, and the rows in another order: the same resources, same ids.
    let mut reversed = rows();
    reversed.reverse();
    let second = parse(&write_bundle(&reversed, "2020-06-11T08:00:00+09:00"));
    assert_eq!(first["id"], second["id"]);
    let by_url = |b: &Value| -> HashMap<String, Value> {
        entries(b)
            .iter()
            .map(|e| {
                let url = e["fullUrl"].as_str().expect("fullUrl").to_string();
                (url, e["resource"].clone())
            })
            .collect()
    };
    assert_eq!(by_url(&first), by_url(&second));
    // Another day's report is another Bundle.
    let other = FhirWriter::start(
        Vec::new(),
        d("2020-06-11"),
        "all",
        t("2020-06-11T08:00:00+09:00"),
    )
    .and_then(|w| w.finish())
    .expect("empty bundle");
    assert_ne!(parse(&other)["id"], first["id"]);
}

#[test]
fn a_day_without_rows_is_a_bundle_without_entries() {
    let bytes = FhirWriter::start(
        Vec::new(),
        report_date(),
        "1310000001",
        t("2020-06-10T23:59:00+09:00"),
    )
    .and_then(|w| w.finish())
    .expect("bundle");
    let bundle = parse(&bytes);
    assert_eq!(bundle["type"], "collection");
    // FHIR JSON has no empty arrays.
    assert!(bundle.get("entry").is_none());
    validate_or_skip(&bundle, "empty.json", true);
}

#[test]
fn bundle_is_valid_fhir_r4_per_the_official_schema() {
    let bundle = parse(&write_bundle(&rows(), "2020-06-10T23:59:00+09:00"));
    validate_or_skip(&bundle, "bundle.json", true);
}

#[test]
fn schema_check_rejects_an_invalid_bundle() {
    let mut bundle = parse(&write_bundle(&rows(), "2020-06-10T23:59:00+09:00"));
    let patient = bundle["entry"]
        .as_array_mut()
        .and_then(|e| {
            e.iter_mut()
                .find(|e| e["resource"]["resourceType"] == "Patient")
        })
        .expect("a Patient");
    patient["resource"]["gender"] = Value::from("robot");
    validate_or_skip(&bundle, "robot.json", false);
}

/// Runs the schema check on `bundle` and asserts its verdict; skips with a
/// notice when Node or the npm packages are missing, unless required.
fn validate_or_skip(bundle: &Value, name: &str, expect_valid: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let required = std::env::var("KENTAI_REQUIRE_FHIR_SCHEMA").is_ok_and(|v| v == "1");
    let missing = |why: &str| {
        assert!(
            !required,
            "KENTAI_REQUIRE_FHIR_SCHEMA=1 but {why}: run `npm ci --prefix tests/fhir`"
        );
        eprintln!("NOTICE: FHIR R4 schema check skipped ({why}); run `npm ci --prefix tests/fhir` to enable it");
    };
    if !root.join("tests/fhir/node_modules").is_dir() {
        return missing("tests/fhir/node_modules is missing");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path: PathBuf = dir.path().join(name);
    let mut file = BufWriter::new(std::fs::File::create(&path).expect("temp file"));
    serde_json::to_writer(&mut file, bundle).expect("write");
    file.flush().expect("flush");
    drop(file);

    let output = match Command::new("node")
        .arg("tests/fhir/validate.mjs")
        .arg(&path)
        .current_dir(root)
        .output()
    {
        Ok(output) => output,
        Err(e) => return missing(&format!("node could not be run: {e}")),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if expect_valid {
        assert!(
            output.status.success(),
            "the bundle is not valid FHIR R4:\n{stdout}{stderr}"
        );
    } else {
        // Exit 1 is "invalid"; 2 would be a broken check, not a verdict.
        assert_eq!(
            output.status.code(),
            Some(1),
            "the validator did not reject the bundle:\n{stdout}{stderr}"
        );
        assert!(stderr.contains("/gender"), "{stderr}");
    }
}
