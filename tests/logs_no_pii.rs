//! Patient names and birth dates never reach the log (issue 8): a server
//! run at the most verbose level registers patients, refuses bad and
//! duplicate registrations (one whose body echoes the name in a type
//! error), takes scans, stores, records results and serves the day's
//! report; its whole log holds none of the patients' names, kana, birth
//! dates, addresses or phone numbers.

mod common;

use common::{listening_port, registration};
use serde_json::json;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

const CONFIG: &str = concat!(
    include_str!("../fixtures/site.toml"),
    r#"
[[station]]
name = "reception-1"
workflow = "reception"
"#
);

/// What must never be logged.
const SECRETS: [&str; 6] = [
    "秘密 花子",
    "ヒミツ ハナコ",
    "1971-02-03",
    "東京都秘密区9-9",
    "03-9999-0000",
    "Hanako Himitsu",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_server_at_debug_level_logs_no_patient_name_birth_date_address_or_phone() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("kentai.toml"), CONFIG).expect("config");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["serve", "--bind", "127.0.0.1:0", "--config", "kentai.toml"])
        .arg("--database")
        .arg(format!("sqlite://{}", dir.path().join("k.db").display()))
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
    // The log is really at trace level and saw the requests.
    assert!(log.contains("/api/v1/specimens"), "{log}");
    for secret in SECRETS {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}
