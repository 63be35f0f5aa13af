//! Patient data never reaches the log: a server run at the most verbose
//! level (every target: actix, diesel, h2 and kentai's own) registers
//! patients, refuses bad and duplicate registrations, bodies whose wrong
//! types and unknown variants would echo a name, an address or a phone
//! number, queries whose bad values would be quoted, and searches by name,
//! phone and patient number; takes scans, stores, records results and
//! serves the day's report. Its whole log holds none of the patients'
//! names, kana, birth dates, addresses, phone numbers or patient numbers,
//! as typed or as a URL encodes them. Runs on SQLite, and on PostgreSQL
//! with `KENTAI_TEST_DATABASE_URL`.

use crate::common;
use crate::common::{listening_port, registration};
use serde_json::json;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

const CONFIG: &str = concat!(
    include_str!("../../fixtures/site.toml"),
    r#"
[[station]]
name = "reception-1"
workflow = "reception"
"#
);

/// What must never be logged.
const SECRETS: [&str; 8] = [
    "秘密 花子",
    "ヒミツ ハナコ",
    "1971-02-03",
    "東京都秘密区9-9",
    "03-9999-0000",
    "Hanako Himitsu",
    "P-PII",
    "81399990000",
];

/// A path, its query and the status the API answers (pages: any).
type Search<'a> = (&'a str, &'a [(&'a str, &'a str)], u16);

/// `text` as a URL's query or path carries it: every byte but the
/// unreserved ones as `%XX`, a space as `+` or as `%20`.
fn url_encoded(text: &str, space: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b' ' => space.to_string(),
            b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => char::from(b).to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_server_at_trace_level_logs_no_patient_name_birth_date_address_phone_or_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("kentai.toml"), CONFIG).expect("config");
    let (database, db) = common::test_database();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["serve", "--bind", "127.0.0.1:0", "--config", "kentai.toml"])
        .arg("--database")
        .arg(database)
        // Every target at its most verbose: actix, h2, diesel and kentai.
        .env("KENTAI_LOG", "trace")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    // Collect the whole log while finding the port in it.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let log = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let port = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("kentai did not start");
        if let Some(p) = listening_port(&line) {
            break p;
        }
    };
    // The admin token is printed on stdout once.
    let mut printed = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let token = loop {
        let mut buf = [0u8; 4096];
        let n = stdout.read(&mut buf).expect("stdout");
        printed.push_str(&String::from_utf8_lossy(&buf[..n]));
        if let Some(t) = printed.lines().find(|l| l.starts_with("kt_")) {
            break t.to_string();
        }
        assert!(std::time::Instant::now() < deadline, "no admin token");
    };
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };

    let mut body = registration("PII-1", "nasopharyngeal_swab", 2);
    body["collected_at"] = json!(chrono::Utc::now().to_rfc3339());
    body["patient"] = json!({
        "name": SECRETS[0], "name_kana": SECRETS[1], "birth_date": SECRETS[2],
        "sex": "female", "address": SECRETS[3], "phone": SECRETS[4], "patient_id": "P-PII"
    });
    assert_eq!(
        post("/api/v1/specimens", body.clone())
            .await
            .expect("register")
            .status(),
        201
    );
    // The same id with another patient: a conflict.
    let mut other = body.clone();
    other["patient"]["name"] = json!(SECRETS[5]);
    assert_eq!(
        post("/api/v1/specimens", other)
            .await
            .expect("dup")
            .status(),
        409
    );
    // A type error whose message could echo the body.
    let mut broken = body.clone();
    broken["specimen_id"] = json!("PII-2");
    broken["patient"]["birth_date"] = json!(format!("{} {}", SECRETS[0], SECRETS[2]));
    assert_eq!(
        post("/api/v1/specimens", broken)
            .await
            .expect("bad")
            .status(),
        400
    );
    // Bodies of the wrong shape, whose serde errors quote what they
    // could not read: the patient as a string, an address where the sex
    // goes, a phone number as a JSON number, a name as a field.
    let wrong_shapes = [
        ("patient", json!(format!("{} {}", SECRETS[0], SECRETS[3]))),
        ("sex", json!(SECRETS[3])),
        ("phone", json!(81399990000u64)),
        ("name", json!({"family": SECRETS[0]})),
        ("birth_date", json!(SECRETS[4])),
    ];
    for (key, value) in wrong_shapes {
        let mut broken = body.clone();
        broken["specimen_id"] = json!("PII-4");
        if key == "patient" {
            broken["patient"] = value;
        } else {
            broken["patient"][key] = value;
        }
        let res = post("/api/v1/specimens", broken).await.expect("bad");
        assert_eq!(res.status(), 400, "{key}");
        let text = res.text().await.expect("error body");
        // Nor does the answer repeat them.
        for secret in SECRETS {
            assert!(!text.contains(secret), "{key}: {text}");
        }
    }
    let mut unknown = body.clone();
    unknown["specimen_id"] = json!("PII-5");
    unknown["patient"][SECRETS[0]] = json!(SECRETS[3]);
    let res = post("/api/v1/specimens", unknown).await.expect("unknown");
    assert_eq!(res.status(), 400);
    let res = client
        .patch(format!("{base}/api/v1/patients/P-PII"))
        .bearer_auth(&token)
        .json(&json!({"name": 5, "address": {"line": SECRETS[3]}, "reason": SECRETS[0]}))
        .send()
        .await
        .expect("bad correction");
    assert_eq!(res.status(), 400);
    // Searches and bad queries carrying a name, an address, a phone
    // number or a patient number, in the API and on the pages.
    let get = |path: String| {
        client
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
    };
    let queries: [Search; 7] = [
        ("/api/v1/specimens", &[("patient_id", "P-PII")], 200),
        ("/api/v1/specimens", &[("collected_on", SECRETS[0])], 400),
        ("/api/v1/specimens", &[("status", SECRETS[3])], 400),
        ("/api/v1/specimens", &[("limit", SECRETS[4])], 400),
        ("/api/v1/specimens", &[("in_care", SECRETS[5])], 400),
        ("/specimens", &[("q", SECRETS[0])], 200),
        ("/specimens", &[("q", SECRETS[4])], 200),
    ];
    for (path, query, status) in queries {
        let res = client
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .query(query)
            .send()
            .await
            .expect("search");
        if path.starts_with("/api") {
            assert_eq!(res.status(), status, "{path} {query:?}");
        }
        let text = res.text().await.expect("answer");
        if status == 400 {
            for secret in SECRETS {
                assert!(!text.contains(secret), "{path} {query:?}: {text}");
            }
        }
    }
    for path in [
        "/specimens?q=P-PII",
        "/patients/P-PII",
        "/specimens?q=P-PII&q2=03-9999-0000",
    ] {
        get(path.to_string()).await.expect("page");
    }
    assert_eq!(
        get("/api/v1/patients/P-PII".into())
            .await
            .expect("patient")
            .status(),
        200
    );
    assert_eq!(
        get("/api/v1/patients/P-PII-X".into())
            .await
            .expect("no patient")
            .status(),
        404
    );
    // A rule refusal: saliva at day 12.
    let mut late = registration("PII-3", "saliva", 12);
    late["patient"]["name"] = json!(SECRETS[5]);
    assert_eq!(
        post("/api/v1/specimens", late)
            .await
            .expect("late")
            .status(),
        422
    );
    // Scans carrying a patient's barcode, a result, the day's report.
    for data in ["PAT:P-PII", "PII-1", "KTCMD:cancel"] {
        let res = post(
            "/api/v1/scans",
            json!({"station": "reception-1", "data": data}),
        )
        .await
        .expect("scan");
        assert_eq!(res.status(), 201);
    }
    let res = post(
        "/api/v1/specimens/PII-1/results",
        json!({"result": "positive", "resulted_at": chrono::Utc::now().to_rfc3339()}),
    )
    .await
    .expect("result");
    assert_eq!(res.status(), 201);
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    for format in ["csv", "json", "fhir"] {
        let res = client
            .get(format!(
                "{base}/api/v1/reports/hersys?date={today}&format={format}"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("report");
        assert_eq!(res.status(), 200);
        let text = res.text().await.expect("report body");
        assert!(text.contains("PII-1"));
    }

    let _ = child.kill();
    let _ = child.wait();
    let log = log.join().expect("log reader");
    // The log is really at trace level and saw the requests, their query
    // keys and the patient route.
    assert!(log.contains("/api/v1/specimens"), "{log}");
    assert!(log.contains("TRACE"), "{log}");
    let backend = match &db {
        common::TestDb::Sqlite(_) => "database=sqlite",
        common::TestDb::Postgres { .. } => "database=postgres",
        common::TestDb::Shared => unreachable!("a database of its own"),
    };
    assert!(log.contains(backend), "not on {backend}: {log}");
    assert!(log.contains("/api/v1/specimens?patient_id=…"), "{log}");
    assert!(log.contains("/api/v1/patients/…"), "{log}");
    for secret in SECRETS {
        for form in [
            secret.to_string(),
            url_encoded(secret, "+"),
            url_encoded(secret, "%20"),
        ] {
            assert!(!log.contains(&form), "the log holds {form:?}:\n{log}");
        }
    }
}
