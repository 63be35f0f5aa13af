//! Printing: jobs queued with `POST /api/v1/print` reach a label printer
//! (a raw-9100 listener on loopback) byte for byte, once, even after the
//! printer was away for a while; registration prints one label per tube;
//! an IPP job reaches `ippeveprinter` (Debian's `cups-ipp-utils`) with
//! the document sent; the queue survives a restart.

use crate::common::*;
use kentai::config::PrinterConfig;
use serde_json::{json, Value};
use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

fn printer(name: &str, kind: &str, address: &str, extra: &str) -> PrinterConfig {
    toml::from_str(&format!(
        "name = \"{name}\"\nkind = \"{kind}\"\naddress = \"{address}\"\n{extra}"
    ))
    .expect("a [[printer]] entry")
}

/// A loopback port nothing listens on (bound, then let go).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// Every connection `listener` accepts within `wait`, each read to its
/// end: what the printer got, one entry a connection.
fn receive(listener: &TcpListener, wait: Duration) -> Vec<Vec<u8>> {
    listener.set_nonblocking(true).expect("non-blocking");
    let deadline = Instant::now() + wait;
    let mut got = Vec::new();
    while Instant::now() < deadline {
        match listener.accept() {
            Ok((mut stream, _)) => {
                stream.set_nonblocking(false).expect("blocking");
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .expect("timeout");
                let mut bytes = Vec::new();
                stream.read_to_end(&mut bytes).expect("read the job");
                got.push(bytes);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
    got
}

async fn zpl_of(app: &TestApp, id: &str) -> String {
    let (status, _, zpl) = app
        .get_text(
            &format!("/api/v1/specimens/{id}/label?format=zpl"),
            &app.admin,
        )
        .await;
    assert_eq!(status, 200, "{zpl}");
    zpl
}

async fn jobs(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get("/api/v1/print/jobs", &app.admin).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().expect("a list of jobs").clone()
}

/// Waits until job `id` is in `state`, and returns it.
async fn job_reaches(app: &TestApp, id: i64, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all = jobs(app).await;
        let job = all
            .iter()
            .find(|j| j["id"] == id)
            .cloned()
            .expect("the job is listed");
        if job["state"] == state {
            return job;
        }
        assert!(Instant::now() < deadline, "job never {state}: {job}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn print(app: &TestApp, body: &Value) -> (u16, Value) {
    app.post("/api/v1/print", &app.admin, body).await
}

#[tokio::test]
async fn a_raw_9100_listener_receives_exactly_the_zpl_a_job_sent() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let app = spawn_app_with(|c| {
        c.printers.push(printer("zebra-1", "raw9100", &address, ""));
    })
    .await;
    let (status, body) = app
        .register(&app.admin, &registration("PR-1", "saliva", 3))
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, job) = print(
        &app,
        &json!({"printer": "zebra-1", "document": "tube_label", "id": "PR-1"}),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["media_type"], "application/zpl");
    let got = tokio::task::spawn_blocking(move || receive(&listener, Duration::from_secs(3)))
        .await
        .expect("listener");
    assert_eq!(got.len(), 1, "one connection, one job");
    assert_eq!(String::from_utf8_lossy(&got[0]), zpl_of(&app, "PR-1").await);
    let id = job["id"].as_i64().expect("job id");
    let sent = job_reaches(&app, id, "sent").await;
    assert_eq!(sent["attempts"], 1);
}

#[tokio::test]
async fn a_job_for_a_printer_that_was_away_is_retried_and_arrives_once() {
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let app = spawn_app_with(|c| {
        c.printers.push(printer("zebra-1", "raw9100", &address, ""));
        c.printing.retry_seconds = 0.2;
        c.printing.retry_max_seconds = 0.4;
    })
    .await;
    let (status, job) = print(
        &app,
        &json!({"printer": "zebra-1", "document": "command_sheet"}),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_i64().expect("job id");
    // The printer is away for a while: attempts fail and are retried.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let waiting = jobs(&app)
        .await
        .into_iter()
        .find(|j| j["id"] == id)
        .expect("job");
    assert_eq!(waiting["state"], "queued", "{waiting}");
    assert!(waiting["attempts"].as_i64().unwrap_or(0) >= 2, "{waiting}");
    assert!(
        waiting["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("connect")),
        "{waiting}"
    );
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("the printer is back");
    let got = tokio::task::spawn_blocking(move || receive(&listener, Duration::from_secs(4)))
        .await
        .expect("listener");
    assert_eq!(got.len(), 1, "sent once, not once per attempt");
    let (status, _, sheet) = app
        .get_text("/api/v1/labels/commands?format=zpl", &app.admin)
        .await;
    assert_eq!(status, 200);
    assert_eq!(String::from_utf8_lossy(&got[0]), sheet);
    let sent = job_reaches(&app, id, "sent").await;
    assert!(sent["attempts"].as_i64().unwrap_or(0) >= 3, "{sent}");
}

#[tokio::test]
async fn auto_print_on_registration_creates_one_job_per_tube_even_when_the_registration_is_repeated(
) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let app = spawn_app_with(|c| {
        c.printers.push(printer(
            "zebra-1",
            "raw9100",
            &address,
            "on_register = \"tube_label\"",
        ));
    })
    .await;
    let body = registration("AUTO-1", "saliva", 3);
    let (status, _) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201);
    let (status, _) = app.register(&app.admin, &body).await;
    assert_eq!(status, 200, "the same registration again");
    let (status, _) = app
        .register(&app.admin, &registration("AUTO-2", "saliva", 3))
        .await;
    assert_eq!(status, 201);
    let listed = jobs(&app).await;
    let mut targets: Vec<_> = listed
        .iter()
        .map(|j| {
            (
                j["target"].as_str().unwrap_or_default(),
                j["cause"].as_str(),
            )
        })
        .collect();
    targets.sort();
    assert_eq!(
        targets,
        vec![("AUTO-1", Some("register")), ("AUTO-2", Some("register"))]
    );
    let got = tokio::task::spawn_blocking(move || receive(&listener, Duration::from_secs(4)))
        .await
        .expect("listener");
    let mut got: Vec<String> = got
        .iter()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    got.sort();
    let mut expected = vec![zpl_of(&app, "AUTO-1").await, zpl_of(&app, "AUTO-2").await];
    expected.sort();
    assert_eq!(got, expected, "each tube's label, once");
}

#[tokio::test]
async fn what_a_printer_cannot_print_or_does_not_exist_is_refused_with_a_code() {
    let app = spawn_app_with(|c| {
        c.printers
            .push(printer("zebra-1", "raw9100", "127.0.0.1:9", ""));
        c.printers
            .push(printer("office", "ipp", "ipp://127.0.0.1:9/ipp/print", ""));
    })
    .await;
    let (status, body) = print(
        &app,
        &json!({"printer": "nowhere", "document": "tube_label", "id": "X"}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_printer"))
    );
    let (status, body) = print(
        &app,
        &json!({"printer": "zebra-1", "document": "slip", "id": "X"}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("not_printable_here")),
        "{body}"
    );
    let (status, body) = print(
        &app,
        &json!({"printer": "office", "document": "package_label", "id": "X"}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("not_printable_here"))
    );
    let (status, body) = print(
        &app,
        &json!({"printer": "zebra-1", "document": "tube_label", "id": "NOPE"}),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("unknown_specimen"))
    );
    assert!(jobs(&app).await.is_empty(), "nothing refused is queued");
    let (status, body) = app.get("/api/v1/print/printers", &app.admin).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["name"], "zebra-1");
    assert_eq!(body[0]["reachable"], false);
}

#[tokio::test]
async fn a_job_left_sending_by_a_stopped_run_is_queued_again_at_start_up() {
    use diesel::RunQueryDsl;
    let port = free_port();
    let app = spawn_app_with(|c| {
        c.printers.push(printer(
            "zebra-1",
            "raw9100",
            &format!("127.0.0.1:{port}"),
            "",
        ));
        // One attempt, then a wait longer than the test.
        c.printing.retry_seconds = 3600.0;
        c.printing.retry_max_seconds = 3600.0;
    })
    .await;
    let (status, job) = print(
        &app,
        &json!({"printer": "zebra-1", "document": "command_sheet"}),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_i64().expect("job id");
    let deadline = Instant::now() + Duration::from_secs(10);
    while jobs(&app).await[0]["attempts"] == 0 {
        assert!(Instant::now() < deadline, "no attempt");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // As a process that stopped mid-send leaves it.
    app.ctx
        .store
        .write(|c| {
            diesel::sql_query(format!(
                "UPDATE print_jobs SET state = 'sending' WHERE id = {id}"
            ))
            .execute(c)
            .map_err(kentai::store::StoreError::from)
        })
        .expect("mark sending");
    let recovered = kentai::actions::printing::recover(&app.ctx, "zebra-1").expect("recover");
    assert_eq!(recovered, 1);
    let job = jobs(&app)
        .await
        .into_iter()
        .find(|j| j["id"] == id)
        .expect("job");
    assert_eq!(job["state"], "queued", "{job}");
    // And retried by hand, now, from the admin's side.
    let (status, body) = app
        .post(
            &format!("/api/v1/print/jobs/{id}/retry"),
            &app.admin,
            &json!({}),
        )
        .await;
    assert_eq!((status, &body["attempts"]), (200, &json!(0)), "{body}");
}

/// `ippeveprinter` on a loopback port, spooling what it gets to `dir`.
struct IppEve {
    child: std::process::Child,
}

impl Drop for IppEve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ippeveprinter() -> Option<&'static str> {
    ["/usr/sbin/ippeveprinter", "/usr/bin/ippeveprinter"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

#[tokio::test]
async fn an_ipp_job_reaches_ippeveprinter_with_the_document_sent() {
    let Some(program) = ippeveprinter() else {
        assert!(
            std::env::var_os("KENTAI_REQUIRE_IPP").is_none_or(|v| v != "1"),
            "KENTAI_REQUIRE_IPP=1 but ippeveprinter (cups-ipp-utils) is not installed"
        );
        eprintln!("skipped: ippeveprinter (Debian's cups-ipp-utils) is not installed");
        return;
    };
    let spool = tempfile::tempdir().expect("spool dir");
    let port = free_port();
    let child = std::process::Command::new(program)
        .args(["-p", &port.to_string(), "-k", "-d"])
        .arg(spool.path())
        .args(["-f", "image/png,application/pdf", "kentai test"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start ippeveprinter");
    let mut eve = IppEve { child };
    // Ready once it takes connections.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = eve.child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = eve.child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            assert!(
                std::env::var_os("KENTAI_REQUIRE_IPP").is_none_or(|v| v != "1"),
                "ippeveprinter stopped ({status}): {err}"
            );
            eprintln!("skipped: ippeveprinter does not run here ({status}): {err}");
            return;
        }
        assert!(Instant::now() < deadline, "ippeveprinter never listened");
        std::thread::sleep(Duration::from_millis(100));
    }
    let uri = format!("ipp://127.0.0.1:{port}/ipp/print");
    let app = spawn_app_with(|c| {
        c.printers.push(printer("office", "ipp", &uri, "dpi = 300"));
    })
    .await;
    let (status, _) = app
        .register(&app.admin, &registration("IPP-1", "saliva", 3))
        .await;
    assert_eq!(status, 201);
    let (status, job) = print(
        &app,
        &json!({"printer": "office", "document": "tube_label", "id": "IPP-1"}),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["media_type"], "image/png");
    let id = job["id"].as_i64().expect("job id");
    job_reaches(&app, id, "sent").await;
    let res = app
        .client
        .get(app.url("/api/v1/specimens/IPP-1/label?format=png&dpi=300"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("label");
    let png = res.bytes().await.expect("png").to_vec();
    let deadline = Instant::now() + Duration::from_secs(10);
    let spooled = loop {
        let files: Vec<_> = std::fs::read_dir(spool.path())
            .expect("spool")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "png"))
            .collect();
        if let Some(f) = files.first() {
            let bytes = std::fs::read(f).expect("spooled file");
            if bytes.len() == png.len() {
                break bytes;
            }
        }
        assert!(Instant::now() < deadline, "nothing spooled: {files:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(spooled == png, "the printer got the PNG sent");
    let (status, printers) = app.get("/api/v1/print/printers", &app.admin).await;
    assert_eq!(status, 200, "{printers}");
    assert_eq!(printers[0]["reachable"], true, "{printers}");
    assert!(printers[0]["status"]["reasons"].is_array(), "{printers}");
}

#[tokio::test]
async fn the_admin_printing_page_lists_printers_and_jobs_in_japanese_or_english_and_retries_a_job()
{
    let port = free_port();
    let app = spawn_app_with(|c| {
        c.printers.push(printer(
            "zebra-1",
            "raw9100",
            &format!("127.0.0.1:{port}"),
            "",
        ));
        c.printing.retry_seconds = 3600.0;
        c.printing.retry_max_seconds = 3600.0;
        c.printing.max_attempts = 1;
    })
    .await;
    let (status, job) = print(
        &app,
        &json!({"printer": "zebra-1", "document": "command_sheet"}),
    )
    .await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_i64().expect("job id");
    // One attempt allowed: the printer is away, so the job fails.
    let failed = job_reaches(&app, id, "failed").await;
    assert!(failed["last_error"].as_str().is_some_and(|e| !e.is_empty()));
    let admin = app.sign_in(&app.admin).await;
    let (status, html) = app.page(&admin, "/admin/printing").await;
    assert_eq!(status, 200, "{html}");
    for part in [
        "プリンター",
        "zebra-1",
        "応答なし",
        "印刷ジョブ",
        "コマンドシート",
        "失敗",
        "再送",
    ] {
        assert!(html.contains(part), "{part} missing: {html}");
    }
    let (status, html) = app.page(&admin, "/admin/printing?lang=en").await;
    assert_eq!(status, 200);
    for part in [
        "Printers",
        "Not answering",
        "command sheet",
        "failed",
        "Retry",
    ] {
        assert!(html.contains(part), "{part} missing: {html}");
    }
    let clerk = app
        .sign_in(&app.token(kentai::domain::roles::Role::Reception))
        .await;
    let (status, _) = app.page(&clerk, "/admin/printing").await;
    assert_eq!(status, 403, "admin only");
    let path = format!("/admin/printing/jobs/{id}/retry");
    let res = app.post_form(&admin, &path, &[("csrf", "wrong")]).await;
    assert_eq!(res.status().as_u16(), 403, "a form without its CSRF token");
    // The printer is back; the retried job reaches it.
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("the printer is back");
    let res = app.post_form(&admin, &path, &[("csrf", &admin.csrf)]).await;
    assert_eq!(res.status().as_u16(), 303);
    let got = tokio::task::spawn_blocking(move || receive(&listener, Duration::from_secs(3)))
        .await
        .expect("listener");
    assert_eq!(got.len(), 1);
    job_reaches(&app, id, "sent").await;
}

#[tokio::test]
async fn the_tube_label_page_sends_its_label_to_a_printer_and_says_so() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let app = spawn_app_with(|c| {
        c.printers.push(printer("zebra-1", "raw9100", &address, ""));
    })
    .await;
    let (status, _) = app
        .register(&app.admin, &registration("PAGE-1", "saliva", 3))
        .await;
    assert_eq!(status, 201);
    let clerk = app
        .sign_in(&app.token(kentai::domain::roles::Role::Reception))
        .await;
    let (status, html) = app.page(&clerk, "/specimens/PAGE-1/label").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("「zebra-1」で印刷"), "{html}");
    let form = [
        ("csrf", clerk.csrf.as_str()),
        ("printer", "zebra-1"),
        ("document", "tube_label"),
        ("id", "PAGE-1"),
        ("back", "/specimens/PAGE-1/label"),
    ];
    let res = app.post_form(&clerk, "/print", &form).await;
    assert_eq!(res.status().as_u16(), 303);
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        location.starts_with("/specimens/PAGE-1/label?printed="),
        "{location}"
    );
    let got = tokio::task::spawn_blocking(move || receive(&listener, Duration::from_secs(3)))
        .await
        .expect("listener");
    assert_eq!(got.len(), 1);
    assert_eq!(
        String::from_utf8_lossy(&got[0]),
        zpl_of(&app, "PAGE-1").await
    );
    let (_, html) = app.page(&clerk, &location).await;
    assert!(html.contains("をプリンターに送りました"), "{html}");
    // Somewhere else is never where the form sends a person back to.
    let mut elsewhere = form;
    elsewhere[4] = ("back", "//evil.example/");
    let res = app.post_form(&clerk, "/print", &elsewhere).await;
    assert_eq!(res.status().as_u16(), 303);
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(location.starts_with("/?printed="), "{location}");
}

#[tokio::test]
async fn dispatching_a_package_prints_its_label_once_on_the_printer_set_for_packages() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let app = spawn_app_with(|c| {
        c.printers.push(printer(
            "zebra-1",
            "raw9100",
            &address,
            "on_package = \"package_label\"",
        ));
    })
    .await;
    let (status, body) = app
        .post(
            "/api/v1/packages",
            &app.admin,
            &json!({"carrier": "category_b_carrier", "consignee": consignee()}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["package_id"].as_str().expect("package_id").to_string();
    let (status, _) = app
        .register(&app.admin, &registration("SHIP-1", "saliva", 3))
        .await;
    assert_eq!(status, 201);
    let packages = format!("/api/v1/packages/{id}");
    let (status, body) = app
        .post(
            &format!("{packages}/specimens"),
            &app.admin,
            &json!({"specimen_id": "SHIP-1"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    for item in REQUIRED_ITEMS {
        let (status, body) = app
            .post(
                &format!("{packages}/checklist"),
                &app.admin,
                &json!({"item": item}),
            )
            .await;
        assert_eq!(status, 201, "{item}: {body}");
    }
    assert!(
        jobs(&app).await.is_empty(),
        "nothing printed before dispatch"
    );
    let (status, body) = app
        .post(&format!("{packages}/dispatch"), &app.admin, &json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let listed = jobs(&app).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        (
            &listed[0]["document"],
            &listed[0]["cause"],
            &listed[0]["target"]
        ),
        (&json!("package_label"), &json!("package"), &json!(id))
    );
    let got = tokio::task::spawn_blocking(move || receive(&listener, Duration::from_secs(3)))
        .await
        .expect("listener");
    assert_eq!(got.len(), 1);
    let (status, _, zpl) = app
        .get_text(&format!("{packages}/label?format=zpl"), &app.admin)
        .await;
    assert_eq!(status, 200);
    assert_eq!(String::from_utf8_lossy(&got[0]), zpl);
}

#[tokio::test]
async fn a_zpl_printer_that_answers_host_status_shows_paper_out_and_head_open() {
    use std::io::Write;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    // A Zebra out of labels with its head open: ~HS answered as the
    // ZPL manual lays it out.
    let printer_side = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("status request");
        let mut asked = [0u8; 3];
        stream.read_exact(&mut asked).expect("~HS");
        stream
            .write_all(
                b"\x02030,1,0,0245,000,0,0,0,000,0,0,0\x03\r\n\
                  \x02000,0,1,0,0,2,4,0,00000000,1,000\x03\r\n\
                  \x021234,0\x03\r\n",
            )
            .expect("answer");
        asked
    });
    let app = spawn_app_with(|c| {
        c.printers.push(printer("zebra-1", "raw9100", &address, ""));
    })
    .await;
    let (status, body) = app.get("/api/v1/print/printers", &app.admin).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(&printer_side.join().expect("printer"), b"~HS");
    let zebra = &body[0];
    assert_eq!(zebra["reachable"], true, "{zebra}");
    assert_eq!(zebra["status"]["paper_out"], true, "{zebra}");
    assert_eq!(zebra["status"]["head_open"], true, "{zebra}");
    let (status, body) = app
        .get(
            "/api/v1/print/printers",
            &app.token(kentai::domain::roles::Role::HealthCentre),
        )
        .await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn the_command_sheet_page_prints_whole_on_a_label_printer_and_by_page_on_an_ipp_one() {
    let app = spawn_app_with(|c| {
        c.printers
            .push(printer("zebra-1", "raw9100", "127.0.0.1:9", ""));
        c.printers
            .push(printer("office", "ipp", "ipp://127.0.0.1:9/ipp/print", ""));
    })
    .await;
    let lab = app
        .sign_in(&app.token(kentai::domain::roles::Role::Lab))
        .await;
    let (status, html) = app.page(&lab, "/packing/commands").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(html.matches("「zebra-1」で印刷").count(), 1, "{html}");
    assert_eq!(
        html.matches("「office」で印刷").count(),
        kentai::print::command_sheet::page_count(),
        "{html}"
    );
}

#[tokio::test]
async fn the_location_labels_page_sends_a_locations_label_to_a_printer() {
    let app = spawn_app_with(|c| {
        c.printers
            .push(printer("zebra-1", "raw9100", "127.0.0.1:9", ""));
    })
    .await;
    app.location("F-1", "fridge_4c").await;
    let admin = app.sign_in(&app.admin).await;
    let (status, html) = app.page(&admin, "/admin/locations/labels").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("「zebra-1」で印刷"), "{html}");
    let form = [
        ("csrf", admin.csrf.as_str()),
        ("printer", "zebra-1"),
        ("document", "location_label"),
        ("id", "F-1"),
        ("back", "/admin/locations/labels"),
    ];
    let res = app.post_form(&admin, "/print", &form).await;
    assert_eq!(res.status().as_u16(), 303);
    let listed = jobs(&app).await;
    assert_eq!(
        (&listed[0]["document"], &listed[0]["target"]),
        (&json!("location_label"), &json!("F-1"))
    );
}

#[tokio::test]
async fn the_database_refuses_a_print_job_in_a_state_kentai_does_not_know() {
    use diesel::prelude::*;
    let app = spawn_app().await;
    let insert = |state: &str, document: &str| {
        let sql = format!(
            "INSERT INTO print_jobs (facility_code, printer, document, target, cause, state, \
             attempts, created_at, created_by, next_attempt_at) \
             VALUES ('1310000001', 'lab', '{document}', 'T-1', 'request', '{state}', 0, \
             '2026-12-08 00:00:00', 1, '2026-12-08 00:00:00')"
        );
        app.ctx.store.read(|c| {
            diesel::sql_query(sql)
                .execute(c)
                .map_err(kentai::store::StoreError::from)
        })
    };
    assert!(insert("queued", "tube_label").is_ok());
    assert!(insert("lost", "tube_label").is_err(), "unknown state");
    assert!(insert("queued", "invoice").is_err(), "unknown document");
}
