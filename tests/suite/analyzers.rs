//! Analysers that send their results themselves: an HL7 sender over MLLP
//! and an ASTM analyser over TCP, each delivering a run with a positive,
//! a negative, an invalid and an unknown specimen. The results appear on
//! the specimens; the unknown one waits in the queue for a person.

use crate::common::*;
use kentai::config::AnalyzerConfig;
use kentai_drivers::astm::duplex::{drive, Session};
use kentai_drivers::astm::link::{Action, Link, LinkConfig};
use kentai_drivers::hl7::{frame, Deframer, MllpEvent};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn analyzer(text: &str) -> AnalyzerConfig {
    toml::from_str(text).expect("an [[analyzer]] entry")
}

/// Registers the tubes a run reports on.
async fn register_all(app: &TestApp, ids: &[&str]) {
    let reception = app.token(kentai::domain::roles::Role::Reception);
    for id in ids {
        let (status, body) = app
            .register(&reception, &registration(id, "saliva", 2))
            .await;
        assert_eq!(status, 201, "{body}");
    }
}

/// The standing result of a specimen, once it has one.
async fn standing_result(app: &TestApp, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = app
            .get(&format!("/api/v1/specimens/{id}"), &app.admin)
            .await;
        assert_eq!(status, 200, "{body}");
        if let Some(last) = body["results"].as_array().and_then(|r| r.last()) {
            return last.clone();
        }
        assert!(Instant::now() < deadline, "no result for {id}: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn queue(app: &TestApp) -> Vec<Value> {
    let (status, body) = app.get("/api/v1/analyzers/results", &app.admin).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().cloned().unwrap_or_default()
}

/// One ORU^R01 with a specimen group per `(specimen, value)`.
fn oru(control_id: &str, specimens: &[(&str, &str)]) -> Vec<u8> {
    let mut m = format!(
        "MSH|^~\\&|PCRSYS|LAB|KENTAI|CLINIC|20261207101500||ORU^R01^ORU_R01|{control_id}|P|2.5.1|||||||UNICODE UTF-8\r\
         PID|1||P-1^^^CLINIC^MR||ヤマダ^タロウ\r"
    );
    for (i, (id, value)) in specimens.iter().enumerate() {
        let n = i + 1;
        m.push_str(&format!(
            "OBR|{n}|{id}||94500-6^SARS-CoV-2 RNA^LN\r\
             OBX|1|CWE|94500-6^SARS-CoV-2 RNA^LN||^{value}||||||F\r\
             OBX|2|NM|N2-CT^N2 Ct^L||{ct}|cycles|||||F\r\
             SPM|1|{id}\r",
            ct = if *value == "Detected" { "24.5" } else { "" },
        ));
    }
    m.into_bytes()
}

/// Sends one MLLP block and reads the answer.
fn send_mllp(stream: &mut TcpStream, message: &[u8]) -> String {
    stream.write_all(&frame(message)).expect("send");
    let mut deframer = Deframer::new(1 << 20);
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).expect("read the ACK");
        assert!(n > 0, "kentai closed the connection without an ACK");
        for event in deframer.push(&buf[..n]) {
            if let MllpEvent::Message(ack) = event {
                return String::from_utf8_lossy(&ack).replace('\r', "\n");
            }
        }
    }
}

#[tokio::test]
async fn an_hl7_run_over_mllp_is_recorded_and_its_unknown_specimen_waits_to_be_linked() {
    let port = free_port();
    let app = spawn_app_with(|c| {
        c.analyzers.push(analyzer(&format!(
            "name = \"pcr-1\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:{port}\"\n\
             [tests]\nN2-CT = {{ method = \"pcr\", target = \"N2\" }}\n"
        )));
    })
    .await;
    register_all(&app, &["HL-1", "HL-2", "HL-3", "HL-4"]).await;
    let run = oru(
        "MSG-1",
        &[
            ("HL-1", "Detected"),
            ("HL-2", "Not detected"),
            ("HL-3", "Invalid"),
            ("HL-9999", "Detected"),
        ],
    );
    let ack = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let first = send_mllp(&mut stream, &run);
        let again = send_mllp(&mut stream, &run);
        (first, again)
    })
    .await
    .expect("sender");
    assert!(ack.0.contains("MSA|AA|MSG-1"), "{}", ack.0);
    assert!(
        ack.1.contains("MSA|AA|MSG-1"),
        "a repeat is acknowledged: {}",
        ack.1
    );

    let positive = standing_result(&app, "HL-1").await;
    assert_eq!(positive["result"], "positive", "{positive}");
    assert_eq!(positive["method"], "pcr");
    assert_eq!(positive["ct"]["N2"], json!(24.5), "{positive}");
    assert_eq!(standing_result(&app, "HL-2").await["result"], "negative");
    assert_eq!(standing_result(&app, "HL-3").await["result"], "invalid");

    let waiting = queue(&app).await;
    assert_eq!(
        waiting.len(),
        1,
        "only the unknown specimen waits: {waiting:?}"
    );
    assert_eq!(waiting[0]["specimen_id"], "HL-9999");
    assert_eq!(waiting[0]["state"], "unmatched");
    assert_eq!(waiting[0]["reading"]["result"], "positive");

    let (status, log) = app
        .get("/api/v1/analyzers/pcr-1/messages", &app.admin)
        .await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(
        log.as_array().map(Vec::len),
        Some(1),
        "the repeat is the same message: {log}"
    );
    assert_eq!(log[0]["control_id"], "MSG-1");
    assert_eq!(log[0]["outcome"]["recorded"], 3);
    assert_eq!(log[0]["outcome"]["waiting"], 1);

    let id = waiting[0]["id"].as_i64().expect("an id");
    let lab = app.token(kentai::domain::roles::Role::Lab);
    let (status, linked) = app
        .post(
            &format!("/api/v1/analyzers/results/{id}/link"),
            &lab,
            &json!({"specimen_id": "HL-4"}),
        )
        .await;
    assert_eq!(status, 200, "{linked}");
    assert_eq!(linked["state"], "linked");
    assert_eq!(standing_result(&app, "HL-4").await["result"], "positive");
    assert!(queue(&app).await.is_empty());
    let (status, again) = app
        .post(
            &format!("/api/v1/analyzers/results/{id}/discard"),
            &lab,
            &json!({"reason": "重複"}),
        )
        .await;
    assert_eq!(status, 409, "a settled row stays settled: {again}");

    let (status, links) = app.get("/api/v1/analyzers", &app.admin).await;
    assert_eq!(status, 200, "{links}");
    assert_eq!(links[0]["name"], "pcr-1");
    assert_eq!(
        links[0]["messages"], 2,
        "the repeat was received too: {links}"
    );
}

#[tokio::test]
async fn an_unreadable_hl7_message_is_kept_and_answered_with_its_problem() {
    let port = free_port();
    let app = spawn_app_with(|c| {
        c.analyzers.push(analyzer(&format!(
            "name = \"pcr-1\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:{port}\"\n"
        )));
    })
    .await;
    let ack = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        send_mllp(
            &mut stream,
            b"MSH|^~\\&|PCRSYS|LAB|KENTAI|CLINIC|20261207101500||ADT^A01|MSG-2|P|2.5.1\rPID|1\r",
        )
    })
    .await
    .expect("sender");
    assert!(ack.contains("MSA|AR|MSG-2"), "{ack}");
    assert!(ack.contains("ERR|"), "{ack}");
    let (status, log) = app
        .get("/api/v1/analyzers/pcr-1/messages", &app.admin)
        .await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(log.as_array().map(Vec::len), Some(1), "kept: {log}");
    assert!(log[0]["outcome"]["error"].is_string(), "{log}");
    assert!(queue(&app).await.is_empty());
}

/// An analyser's side of an ASTM link: sends one message, then stops.
struct Instrument {
    message: Option<Vec<Vec<u8>>>,
    sent: bool,
    deadline: Instant,
}

impl Session for Instrument {
    fn record(&mut self, _record: Vec<u8>) -> bool {
        true
    }

    fn event(&mut self, action: Action) {
        match action {
            Action::Sent(_) => self.sent = true,
            Action::SendFailed { reason, .. } => {
                panic!("the message was not delivered: {reason:?}")
            }
            _ => {}
        }
    }

    fn next_message(&mut self) -> Option<Vec<Vec<u8>>> {
        self.message.take()
    }

    fn keep_going(&mut self) -> bool {
        !self.sent && Instant::now() < self.deadline
    }
}

#[tokio::test]
async fn an_astm_run_over_tcp_is_recorded_record_by_record_and_its_unknown_specimen_waits() {
    let port = free_port();
    let app = spawn_app_with(|c| {
        c.analyzers.push(analyzer(&format!(
            "name = \"line-1\"\nkind = \"astm_tcp\"\nlisten = \"127.0.0.1:{port}\"\n\
             [tests]\nSARS2 = {{ method = \"pcr\" }}\n\"SARS2^N2^Ct\" = {{ method = \"pcr\", target = \"N2\" }}\n\
             [values]\nERROR = \"invalid\"\n"
        )));
    })
    .await;
    register_all(&app, &["AS-1", "AS-2", "AS-3"]).await;
    let records: Vec<Vec<u8>> = [
        "H|\\^&|||PCR-9^1.0^SN12345|||||||P|1",
        "P|1||PID-1",
        "O|1|AS-1||^^^SARS2",
        "R|1|^^^SARS2|Detected|||||F",
        "R|2|^^^SARS2^N2^Ct|24.31|||||F",
        "P|2||PID-2",
        "O|1|AS-2||^^^SARS2",
        "R|1|^^^SARS2|NEG|||||F",
        "P|3||PID-3",
        "O|1|AS-3||^^^SARS2",
        "R|1|^^^SARS2|ERROR|||||F",
        "P|4||PID-4",
        "O|1|AS-9999||^^^SARS2",
        "R|1|^^^SARS2|POS|||||F",
        "L|1|N",
    ]
    .iter()
    .map(|r| r.as_bytes().to_vec())
    .collect();
    let sent = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let mut link = Link::new(LinkConfig::instrument());
        let mut instrument = Instrument {
            message: Some(records),
            sent: false,
            deadline: Instant::now() + Duration::from_secs(20),
        };
        drive(&mut link, &mut stream, &mut instrument).expect("the line");
        instrument.sent
    })
    .await
    .expect("instrument");
    assert!(sent, "every frame was acknowledged");

    let positive = standing_result(&app, "AS-1").await;
    assert_eq!(positive["result"], "positive", "{positive}");
    assert_eq!(positive["ct"]["N2"], json!(24.31), "{positive}");
    assert_eq!(standing_result(&app, "AS-2").await["result"], "negative");
    assert_eq!(standing_result(&app, "AS-3").await["result"], "invalid");
    let deadline = Instant::now() + Duration::from_secs(10);
    let waiting = loop {
        let waiting = queue(&app).await;
        if !waiting.is_empty() || Instant::now() > deadline {
            break waiting;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["specimen_id"], "AS-9999");
    assert_eq!(waiting[0]["state"], "unmatched");

    let lab = app.token(kentai::domain::roles::Role::Lab);
    let id = waiting[0]["id"].as_i64().expect("an id");
    let (status, blank) = app
        .post(
            &format!("/api/v1/analyzers/results/{id}/discard"),
            &lab,
            &json!({"reason": " "}),
        )
        .await;
    assert_eq!(status, 400, "a discard needs its reason: {blank}");
    let (status, discarded) = app
        .post(
            &format!("/api/v1/analyzers/results/{id}/discard"),
            &lab,
            &json!({"reason": "精度管理用の検体"}),
        )
        .await;
    assert_eq!(status, 200, "{discarded}");
    assert_eq!(discarded["state"], "discarded");
    assert_eq!(discarded["reason"], "精度管理用の検体");
    assert!(queue(&app).await.is_empty());
}

/// Journals and processes one HL7 message through the actions, as the
/// listener would: the results of `(specimen, value)` pairs.
fn delivered(app: &TestApp, control_id: &str, specimens: &[(&str, &str)]) {
    use kentai::actions::analyzers::{journal, process, Protocol, SpecimenReport};
    use kentai::domain::analyzer::Observation;
    let analyzer = app.ctx.config.analyzers[0].clone();
    let actor = kentai::actions::users::service_actor(
        &app.ctx,
        "analyzer:pcr-1",
        kentai::domain::roles::Role::Lab,
    )
    .expect("actor");
    let message = journal(
        &app.ctx,
        "pcr-1",
        Protocol::Hl7,
        &oru(control_id, specimens),
        Some(control_id),
        chrono::Utc::now(),
    )
    .expect("journal");
    let reports = specimens
        .iter()
        .map(|(id, value)| SpecimenReport {
            specimen_id: id.to_string(),
            observations: vec![Observation {
                code: "94500-6".into(),
                value: value.to_string(),
                status: "F".into(),
                ..Observation::default()
            }],
            completed_at: None,
        })
        .collect();
    process(&app.ctx, &analyzer, &actor, message.id, Ok(reports)).expect("process");
}

#[tokio::test]
async fn the_lab_clears_the_analyzer_queue_from_its_page_in_japanese() {
    let app = spawn_app_with(|c| {
        c.analyzers.push(analyzer(
            "name = \"pcr-1\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:9\"\nenabled = false\n",
        ));
    })
    .await;
    register_all(&app, &["PG-1", "PG-2"]).await;
    delivered(&app, "MSG-P", &[("PG-9990", "Detected"), ("PG-2", "Weird")]);
    let lab = app
        .sign_in(&app.token(kentai::domain::roles::Role::Lab))
        .await;

    let (status, page) = app.page(&lab, "/results").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("分析装置から届いた結果（判断待ち 2 件）"),
        "{page}"
    );
    let admin = app.sign_in(&app.admin).await;
    let (status, page) = app.page(&admin, "/admin").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("1台（接続中 0・エラー 0）、判断待ち 2件"),
        "the admin page counts the analysers and what waits: {page}"
    );
    let (status, page) = app.page(&lab, "/results/analyzers").await;
    assert_eq!(status, 200);
    for words in [
        "人の判断を待つ結果 (2)",
        "この検体番号の検体は登録されていません",
        "結果を読み取れません",
        "結果として読めない値 (94500-6: Weird)",
        "使わない設定",
        "listen 127.0.0.1:9",
        "PG-9990",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    let waiting = queue(&app).await;
    let unmatched = waiting
        .iter()
        .find(|w| w["specimen_id"] == "PG-9990")
        .and_then(|w| w["id"].as_i64())
        .expect("the unmatched one");
    let unread = waiting
        .iter()
        .find(|w| w["specimen_id"] == "PG-2")
        .and_then(|w| w["id"].as_i64())
        .expect("the unread one");

    // A mistyped specimen: the refusal is shown on the row, nothing changes.
    let (status, _, page) = app
        .submit_with_csrf(
            &lab,
            &format!("/results/analyzers/{unmatched}/link"),
            &[("specimen_id", "PG-404"), ("reason", "")],
        )
        .await;
    assert_eq!(status, 404, "{page}");
    assert!(page.contains("unknown_specimen"), "{page}");
    assert!(
        page.contains("value=\"PG-404\""),
        "what was typed stays: {page}"
    );
    assert_eq!(queue(&app).await.len(), 2);

    let (status, location, _) = app
        .submit_with_csrf(
            &lab,
            &format!("/results/analyzers/{unmatched}/link"),
            &[("specimen_id", "PG-1"), ("reason", "")],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/results/analyzers?done=linked");
    assert_eq!(standing_result(&app, "PG-1").await["result"], "positive");

    // An unread result cannot be linked (there is no result to record);
    // it is discarded with its reason.
    let (status, _, page) = app
        .submit_with_csrf(
            &lab,
            &format!("/results/analyzers/{unread}/link"),
            &[("specimen_id", "PG-2"), ("reason", "")],
        )
        .await;
    assert_eq!(status, 400, "{page}");
    let (status, location, _) = app
        .submit_with_csrf(
            &lab,
            &format!("/results/analyzers/{unread}/discard"),
            &[("reason", "装置の表示を確認し再検査へ")],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/results/analyzers?done=discarded");
    let (_, page) = app.page(&lab, "/results/analyzers?done=discarded").await;
    assert!(page.contains("結果を破棄しました。"), "{page}");
    assert!(page.contains("待っている結果はありません。"), "{page}");

    let (status, log) = app.page(&lab, "/results/analyzers/pcr-1").await;
    assert_eq!(status, 200);
    assert!(log.contains("MSG-P"), "{log}");
    assert!(log.contains("紐付けて記録"), "{log}");
    assert!(log.contains("破棄"), "{log}");
    let (status, _) = app.page(&lab, "/results/analyzers/nobody").await;
    assert_eq!(status, 404);

    let reception = app
        .sign_in(&app.token(kentai::domain::roles::Role::Reception))
        .await;
    let (status, _) = app.page(&reception, "/results/analyzers").await;
    assert_eq!(status, 403, "the result desk is the lab's");
}

#[tokio::test]
async fn messages_journalled_before_a_stop_are_processed_at_the_next_start() {
    use kentai::actions::analyzers::{append_record, journal, open_transfer, Protocol};
    let app = spawn_app_with(|c| {
        c.analyzers.push(analyzer(
            "name = \"line-1\"\nkind = \"astm_tcp\"\nlisten = \"127.0.0.1:9\"\nenabled = false\n\
             [tests]\nSARS2 = { method = \"pcr\" }\n",
        ));
        c.analyzers.push(analyzer(
            "name = \"pcr-1\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:10\"\nenabled = false\n",
        ));
    })
    .await;
    register_all(&app, &["RS-1", "RS-2", "RS-3"]).await;
    let now = chrono::Utc::now();
    // An HL7 message acknowledged, then kentai was killed before it was
    // processed.
    let whole = journal(
        &app.ctx,
        "pcr-1",
        Protocol::Hl7,
        &oru("MSG-R", &[("RS-1", "Detected")]),
        Some("MSG-R"),
        now,
    )
    .expect("journal");
    // An ASTM transfer whose every record was acknowledged (the terminator
    // too) but whose EOT kentai did not see: the analyser took it as sent.
    let records = [
        "H|\\^&|||PCR-9",
        "P|1",
        "O|1|RS-2||^^^SARS2",
        "R|1|^^^SARS2|NEG|||||F",
        "L|1|N",
    ];
    let delivered = open_transfer(&app.ctx, "line-1", b"H|\\^&|||PCR-9\r", now).expect("open");
    for r in &records[1..] {
        append_record(&app.ctx, delivered, format!("{r}\r").as_bytes()).expect("append");
    }
    // A transfer cut off mid-message: the analyser sends it again whole.
    let cut = open_transfer(&app.ctx, "line-1", b"H|\\^&|||PCR-9\r", now).expect("open");
    append_record(&app.ctx, cut, b"P|1\rO|1|RS-3||^^^SARS2\r").expect("append");

    let _links = kentai::analyzers::start(&app.ctx).expect("start");
    assert_eq!(standing_result(&app, "RS-1").await["result"], "positive");
    assert_eq!(standing_result(&app, "RS-2").await["result"], "negative");
    let (_, rs3) = app.get("/api/v1/specimens/RS-3", &app.admin).await;
    assert_eq!(
        rs3["results"],
        json!([]),
        "nothing of a cut-off transfer: {rs3}"
    );

    let (_, log) = app
        .get("/api/v1/analyzers/line-1/messages", &app.admin)
        .await;
    let outcomes: Vec<&Value> = log
        .as_array()
        .expect("log")
        .iter()
        .map(|m| &m["outcome"])
        .collect();
    assert_eq!(outcomes.len(), 2, "{log}");
    assert!(outcomes[0]["aborted"].is_string(), "the cut one: {log}");
    assert_eq!(outcomes[1]["recorded"], 1, "{log}");
    assert_ne!(whole.id, delivered);

    // A second start finds nothing left to do.
    let _again = kentai::analyzers::start(&app.ctx).expect("start");
    let (_, pcr) = app
        .get("/api/v1/analyzers/pcr-1/messages", &app.admin)
        .await;
    assert_eq!(pcr[0]["outcome"]["recorded"], 1, "{pcr}");
    assert_eq!(standing_result(&app, "RS-1").await["version"], 1);
}

/// What a simulated analyser saw.
#[derive(Default)]
struct Seen(Vec<kentai::domain::messages::SimulatedLine>);

impl kentai::simulate::analyzer::Report for Seen {
    fn happened(&mut self, what: kentai::domain::messages::SimulatedLine) {
        self.0.push(what);
    }
}

/// Plays `message` as a serial analyser at `link`, with `fault`: what it saw.
async fn play(
    message: Vec<u8>,
    link: std::path::PathBuf,
    fault: kentai::simulate::analyzer::Fault,
) -> Vec<kentai::domain::messages::SimulatedLine> {
    use kentai::simulate::analyzer::{send_astm, Target};
    tokio::task::spawn_blocking(move || {
        let mut seen = Seen::default();
        send_astm(
            &message,
            &Target::Link(link),
            Duration::from_millis(2500),
            Some(fault),
            &mut seen,
        )
        .expect("simulate");
        seen.0
    })
    .await
    .expect("analyzer")
}

#[tokio::test]
async fn a_serial_astm_analyzer_on_a_pseudo_terminal_delivers_through_a_bad_checksum() {
    use kentai::domain::messages::SimulatedLine;
    use kentai::simulate::analyzer::Fault;
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("ag-reader");
    let app = spawn_app_with(|c| {
        c.analyzers.push(analyzer(&format!(
            "name = \"ag-reader\"\nkind = \"astm_serial\"\npath = {:?}\nencoding = \"shift_jis\"\n\
             [tests]\n\"COVAG^^COI\" = {{ method = \"antigen_qualitative\" }}\n",
            link.display().to_string()
        )));
    })
    .await;
    register_all(&app, &["R26-0301", "R26-0302", "R26-0303"]).await;
    // As `fixtures/astm/antigen-reader-sjis.astm`, without the test times
    // (the tubes here were collected a moment ago): names in Shift_JIS,
    // whose second bytes include `\` and `|`.
    let text = "H|\\^&|||AGR-200^1.08^AG2-10057|||||KENTAI||P|LIS2-A2\r\
                P|1|PT-2001|||表^聡太\r\
                O|1|R26-0301||^^^COVAG\r\
                R|1|^^^COVAG^^COI|12.40^POS|COI|<1.00|A||F\r\
                P|2|PT-2002|||スミス^ポール\r\
                O|1|R26-0302||^^^COVAG\r\
                R|1|^^^COVAG^^COI|0.21^NEG|COI|<1.00|N||F\r\
                P|3|PT-2003|||能登^十和子\r\
                O|1|R26-0303||^^^COVAG\r\
                R|1|^^^COVAG^^COI||COI|<1.00|||X\r\
                P|4\r\
                O|1|R26-9999||^^^COVAG\r\
                R|1|^^^COVAG^^COI|0.35^NEG|COI|<1.00|N||F\r\
                L|1|N\r";
    let (message, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    let message = message.into_owned();
    let seen = play(message, link.clone(), Fault::BadChecksum).await;
    assert!(seen.contains(&SimulatedLine::Acknowledged), "{seen:?}");
    let positive = standing_result(&app, "R26-0301").await;
    assert_eq!(positive["result"], "positive", "{positive}");
    assert_eq!(positive["method"], "antigen_qualitative");
    assert_eq!(
        standing_result(&app, "R26-0302").await["result"],
        "negative"
    );
    let waiting = queue(&app).await;
    let states: Vec<(&str, &str)> = waiting
        .iter()
        .map(|w| {
            (
                w["specimen_id"].as_str().unwrap_or_default(),
                w["state"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [("R26-0303", "unread"), ("R26-9999", "unmatched")],
        "a test the reader could not do waits, as does an unknown tube"
    );

    // Every frame corrupted: kentai answers NAK each time and the reader
    // gives up after six tries; nothing of it is recorded.
    let storm: Vec<u8> = b"H|\\^&|||AGR-200\rP|1\rO|1|R26-0303||^^^COVAG\rR|1|^^^COVAG^^COI|9.9^POS|COI||A||F\rL|1|N\r".to_vec();
    let seen = play(storm, link, Fault::NakStorm).await;
    assert!(
        seen.iter()
            .any(|s| matches!(s, SimulatedLine::GivenUp { .. })),
        "{seen:?}"
    );
    let (_, r0303) = app.get("/api/v1/specimens/R26-0303", &app.admin).await;
    assert_eq!(r0303["results"], json!([]), "{r0303}");
}

/// One sender's share of a round: each tube's run in a message of its
/// own, until kentai goes away. The control ids kentai answered AA.
fn send_until_gone(port: u16, tubes: Vec<String>) -> Vec<String> {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return Vec::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut acked = Vec::new();
    let mut buf = [0u8; 4096];
    for tube in tubes {
        let control = format!("C-{tube}");
        if stream
            .write_all(&frame(&oru(&control, &[(&tube, "Detected")])))
            .is_err()
        {
            break;
        }
        let mut deframer = Deframer::new(1 << 20);
        let answer = loop {
            match stream.read(&mut buf) {
                Ok(n) if n > 0 => {
                    if let Some(MllpEvent::Message(ack)) = deframer.push(&buf[..n]).pop() {
                        break Some(String::from_utf8_lossy(&ack).to_string());
                    }
                }
                _ => break None,
            }
        };
        match answer {
            Some(ack) if ack.contains(&format!("MSA|AA|{control}")) => acked.push(control),
            Some(ack) => panic!("{control}: {ack}"),
            None => break,
        }
    }
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_hl7_message_is_recorded_once_across_kill_9() {
    use diesel::prelude::*;
    let _alone = alone().await;
    let mllp = free_port();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("kentai.toml"),
        format!(
            "{}\n[[analyzer]]\nname = \"pcr-1\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:{mllp}\"\n",
            include_str!("../../fixtures/site.toml")
        ),
    )
    .expect("config");
    let mut server = ChildServer::start(dir.path());
    let token = server.token.clone().expect("admin token");
    let client = reqwest::Client::new();
    const ROUNDS: usize = 4;
    const PER_SENDER: usize = 60;
    for round in 0..ROUNDS {
        for s in 0..2 {
            for n in 0..PER_SENDER {
                let id = format!("K{round}-{s}-{n:02}");
                let res = client
                    .post(format!("http://127.0.0.1:{}/api/v1/specimens", server.port))
                    .bearer_auth(&token)
                    .json(&registration(&id, "nasopharyngeal_swab", 2))
                    .send()
                    .await
                    .expect("register");
                assert_eq!(res.status().as_u16(), 201, "{id}");
            }
        }
    }
    let mut acked = Vec::new();
    for round in 0..ROUNDS {
        let senders: Vec<_> = (0..2)
            .map(|s| {
                let tubes = (0..PER_SENDER)
                    .map(|n| format!("K{round}-{s}-{n:02}"))
                    .collect();
                std::thread::spawn(move || send_until_gone(mllp, tubes))
            })
            .collect();
        // A different moment each round: early, mid-run, late.
        tokio::time::sleep(Duration::from_millis(40 + 70 * round as u64)).await;
        server.child.kill().expect("kill -9");
        server.child.wait().expect("reap");
        for s in senders {
            acked.extend(s.join().expect("sender"));
        }
        server = ChildServer::start(dir.path());
    }
    assert!(!acked.is_empty(), "some messages were acknowledged");
    assert!(
        acked.len() < ROUNDS * 2 * PER_SENDER,
        "the kills fell in the middle of the runs: {} acknowledged",
        acked.len()
    );

    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut c = SqliteConnection::establish(&dir.path().join("kentai.db").display().to_string())
        .expect("db");
    let mut count = |sql: String| {
        diesel::sql_query(&sql)
            .get_result::<N>(&mut c)
            .expect(&sql)
            .n
    };
    assert_eq!(
        count("SELECT COUNT(*) AS n FROM analyzer_messages WHERE processed_at IS NULL".into()),
        0,
        "nothing journalled is left unprocessed after the restarts"
    );
    for control in &acked {
        let tube = control.trim_start_matches("C-");
        assert_eq!(
            count(format!(
                "SELECT COUNT(*) AS n FROM analyzer_messages WHERE control_id = '{control}'"
            )),
            1,
            "{control} is journalled once"
        );
        assert_eq!(
            count(format!(
                "SELECT COUNT(*) AS n FROM results WHERE specimen_id = '{tube}'"
            )),
            1,
            "the acknowledged result of {tube} is recorded, once"
        );
    }
    // Whatever was journalled and not acknowledged was recorded too, once.
    assert_eq!(
        count(
            "SELECT COUNT(*) AS n FROM results r WHERE (SELECT COUNT(*) FROM results s \
             WHERE s.specimen_id = r.specimen_id) <> 1"
                .into()
        ),
        0
    );
    server.child.kill().expect("stop");
    server.child.wait().expect("reap");
}
