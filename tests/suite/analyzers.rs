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
    for words in [
        "分析装置との接続",
        "使わない設定",
        "listen 127.0.0.1:9",
        "最後のエラー",
    ] {
        assert!(
            page.contains(words),
            "the admin page shows each link's state: {words}: {page}"
        );
    }
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

/// kentai as a child process in `dir`, configured with the site and one
/// `[[analyzer]]` entry (the TOML after its header).
fn child_with_analyzer(dir: &std::path::Path, entry: &str) -> ChildServer {
    std::fs::write(
        dir.join("kentai.toml"),
        format!(
            "{}\n[[analyzer]]\n{entry}",
            include_str!("../../fixtures/site.toml")
        ),
    )
    .expect("config");
    ChildServer::start(dir)
}

/// Registers `ids` on a child server, with its admin token.
async fn register_on(server: &ChildServer, ids: impl IntoIterator<Item = String>) {
    let token = server.token.clone().expect("admin token");
    let client = reqwest::Client::new();
    for id in ids {
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

/// `SELECT COUNT(*) AS n …` on a child server's SQLite database.
struct Counts(diesel::SqliteConnection);

impl Counts {
    fn of(dir: &std::path::Path) -> Counts {
        use diesel::Connection;
        Counts(
            diesel::SqliteConnection::establish(&dir.join("kentai.db").display().to_string())
                .expect("db"),
        )
    }

    fn count(&mut self, sql: String) -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(&sql)
            .get_result::<N>(&mut self.0)
            .expect(&sql)
            .n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_hl7_message_is_recorded_once_across_kill_9() {
    let _alone = alone().await;
    let mllp = free_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = child_with_analyzer(
        dir.path(),
        &format!("name = \"pcr-1\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:{mllp}\"\n"),
    );
    const ROUNDS: usize = 4;
    const PER_SENDER: usize = 60;
    let ids = (0..ROUNDS).flat_map(|round| {
        (0..2).flat_map(move |s| (0..PER_SENDER).map(move |n| format!("K{round}-{s}-{n:02}")))
    });
    register_on(&server, ids).await;
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

    let mut counts = Counts::of(dir.path());
    let mut count = |sql: String| counts.count(sql);
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

/// A run of four tubes as an ASTM message file: positive, negative,
/// invalid, and one kentai does not know.
fn astm_run(tubes: [&str; 4]) -> Vec<u8> {
    format!(
        "H|\\^&|||PCR-9^1.0^SN12345|||||||P|1\n\
         P|1||PID-1\nO|1|{}||^^^SARS2\nR|1|^^^SARS2|Detected|||||F\n\
         P|2||PID-2\nO|1|{}||^^^SARS2\nR|1|^^^SARS2|Not detected|||||F\n\
         P|3||PID-3\nO|1|{}||^^^SARS2\nR|1|^^^SARS2|Invalid|||||F\n\
         P|4||PID-4\nO|1|{}||^^^SARS2\nR|1|^^^SARS2|POS|||||F\n\
         L|1|N\n",
        tubes[0], tubes[1], tubes[2], tubes[3]
    )
    .into_bytes()
}

/// The analyser queue once it holds `n` entries (or what it holds when
/// ten seconds have passed).
async fn queue_of(app: &TestApp, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting = queue(app).await;
        if waiting.len() >= n || Instant::now() > deadline {
            return waiting;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn kentai_connects_to_an_astm_analyzer_that_listens_and_records_its_run() {
    use kentai::domain::messages::SimulatedLine;
    use kentai::simulate::analyzer::{send_astm, Target};
    let port = free_port();
    // A host name, as a lab's hosts file names its instruments.
    let app = spawn_app_with(|c| {
        c.analyzers.push(analyzer(&format!(
            "name = \"line-2\"\nkind = \"astm_tcp\"\nconnect = \"localhost:{port}\"\n\
             [tests]\nSARS2 = {{ method = \"pcr\" }}\n"
        )));
    })
    .await;
    register_all(&app, &["AC-1", "AC-2", "AC-3"]).await;
    let message = astm_run(["AC-1", "AC-2", "AC-3", "AC-9999"]);
    let seen = tokio::task::spawn_blocking(move || {
        let mut seen = Seen::default();
        send_astm(
            &message,
            &Target::Listen(format!("127.0.0.1:{port}")),
            Duration::ZERO,
            None,
            &mut seen,
        )
        .expect("simulate");
        seen.0
    })
    .await
    .expect("analyzer");
    assert!(
        matches!(&seen[0], SimulatedLine::Listening { address } if address.ends_with(&format!(":{port}"))),
        "{seen:?}"
    );
    assert!(seen.contains(&SimulatedLine::Acknowledged), "{seen:?}");

    assert_eq!(standing_result(&app, "AC-1").await["result"], "positive");
    assert_eq!(standing_result(&app, "AC-2").await["result"], "negative");
    assert_eq!(standing_result(&app, "AC-3").await["result"], "invalid");
    let waiting = queue_of(&app, 1).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["specimen_id"], "AC-9999");
    assert_eq!(waiting[0]["state"], "unmatched");

    let (status, links) = app.get("/api/v1/analyzers", &app.admin).await;
    assert_eq!(status, 200, "{links}");
    assert_eq!(links[0]["name"], "line-2", "{links}");
    assert_eq!(links[0]["place"], format!("connect localhost:{port}"));
    assert_eq!(links[0]["messages"], 1, "{links}");
    assert!(links[0]["last_message_at"].is_string(), "{links}");
}

#[tokio::test]
async fn an_hl7_batch_from_the_simulator_is_answered_message_by_message_and_recorded() {
    use kentai::domain::messages::SimulatedLine;
    use kentai::simulate::analyzer::send_hl7;
    let port = free_port();
    let app = spawn_app_with(|c| {
        c.analyzers.push(analyzer(&format!(
            "name = \"pcr-b\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:{port}\"\n"
        )));
    })
    .await;
    register_all(&app, &["HB-1", "HB-2", "HB-3"]).await;
    // A file as a plate reader writes it: LF line ends, FHS/BHS around
    // four messages, the third of a version kentai does not read.
    let mut file = String::from(
        "FHS|^~\\&|PCRSYS|LAB|KENTAI|CLINIC|20261207101500||||F-1\n\
         BHS|^~\\&|PCRSYS|LAB|KENTAI|CLINIC|20261207101500||||B-1\n",
    );
    let text = |m: Vec<u8>| String::from_utf8(m).expect("utf-8").replace('\r', "\n");
    file.push_str(&text(oru("HB-M1", &[("HB-1", "Detected")])));
    file.push_str(&text(oru(
        "HB-M2",
        &[("HB-2", "Not detected"), ("HB-9999", "Detected")],
    )));
    file.push_str(&text(oru("HB-M3", &[("HB-3", "Detected")])).replace("|P|2.5.1|", "|P|9.9|"));
    file.push_str(&text(oru("HB-M4", &[("HB-3", "Invalid")])));
    file.push_str("BTS|4\nFTS|1\n");
    let bytes = file.into_bytes();
    let send = |bytes: Vec<u8>| {
        tokio::task::spawn_blocking(move || {
            let mut seen = Seen::default();
            send_hl7(&bytes, &format!("127.0.0.1:{port}"), None, &mut seen).expect("simulate");
            seen.0
                .into_iter()
                .filter_map(|s| match s {
                    SimulatedLine::Answer { segment } => Some(segment),
                    _ => None,
                })
                .collect::<Vec<String>>()
        })
    };
    let answer = send(bytes.clone()).await.expect("analyzer");
    let acks: Vec<String> = answer
        .iter()
        .filter(|s| s.starts_with("MSA|"))
        .map(|s| s.split('|').take(3).collect::<Vec<_>>().join("|"))
        .collect();
    assert_eq!(
        acks,
        [
            "MSA|AA|HB-M1",
            "MSA|AA|HB-M2",
            "MSA|AR|HB-M3",
            "MSA|AA|HB-M4"
        ],
        "{answer:#?}"
    );
    assert!(answer[0].starts_with("FHS|"), "{answer:#?}");
    assert!(answer[1].starts_with("BHS|"), "{answer:#?}");
    assert!(
        answer.iter().any(|s| s.starts_with("ERR|")),
        "the refused message's problem is named: {answer:#?}"
    );
    assert_eq!(
        answer.last().map(String::as_str),
        Some("FTS|1"),
        "{answer:#?}"
    );

    assert_eq!(standing_result(&app, "HB-1").await["result"], "positive");
    assert_eq!(standing_result(&app, "HB-2").await["result"], "negative");
    assert_eq!(standing_result(&app, "HB-3").await["result"], "invalid");
    let waiting = queue_of(&app, 1).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["specimen_id"], "HB-9999");

    // The same file again (the reader did not hear the answer): the same
    // answer, and nothing recorded twice.
    let again = send(bytes).await.expect("analyzer");
    assert_eq!(
        again.iter().filter(|s| s.starts_with("MSA|AA|")).count(),
        3,
        "{again:#?}"
    );
    let (_, hb1) = app.get("/api/v1/specimens/HB-1", &app.admin).await;
    assert_eq!(hb1["results"].as_array().map(Vec::len), Some(1), "{hb1}");
    assert_eq!(queue(&app).await.len(), 1);
    let (status, log) = app
        .get("/api/v1/analyzers/pcr-b/messages?limit=10", &app.admin)
        .await;
    assert_eq!(status, 200, "{log}");
    assert_eq!(
        log.as_array().map(Vec::len),
        Some(1),
        "one batch, journalled once: {log}"
    );
}

#[tokio::test]
async fn a_serial_analyzer_unplugged_mid_message_is_reopened_and_its_message_recorded_once() {
    use kentai::domain::messages::SimulatedLine;
    use kentai::simulate::analyzer::Fault;
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("pcr-9");
    let app = spawn_app_with(|c| {
        c.analyzers.push(analyzer(&format!(
            "name = \"pcr-9\"\nkind = \"astm_serial\"\npath = {:?}\n\
             [tests]\nSARS2 = {{ method = \"pcr\" }}\n",
            link.display().to_string()
        )));
    })
    .await;
    register_all(&app, &["SU-1", "SU-2", "SU-3"]).await;
    let message = astm_run(["SU-1", "SU-2", "SU-3", "SU-9999"]);

    // The cable comes out halfway through the message.
    let seen = play(message.clone(), link.clone(), Fault::Unplug).await;
    assert!(
        seen.iter()
            .any(|s| matches!(s, SimulatedLine::LineFailed { .. })),
        "{seen:?}"
    );
    let (_, su1) = app.get("/api/v1/specimens/SU-1", &app.admin).await;
    assert_eq!(su1["results"], json!([]), "half a message records nothing");

    // While the cable is out the link says so, coded and in Japanese.
    let deadline = Instant::now() + Duration::from_secs(10);
    let state = loop {
        let (_, links) = app.get("/api/v1/analyzers", &app.admin).await;
        let state = links[0].clone();
        if state["state"] == "failed" || Instant::now() > deadline {
            break state;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(state["state"], "failed", "{state}");
    assert!(
        ["disconnected", "not_found"].contains(&state["last_error_code"].as_str().unwrap_or("")),
        "{state}"
    );
    let admin = app.sign_in(&app.admin).await;
    let (_, page) = app.page(&admin, "/admin").await;
    assert!(
        page.contains("回線が切れました") || page.contains("装置が見つかりません"),
        "{page}"
    );

    // Plugged in again: kentai opens the new line by itself, and the
    // analyser sends the whole message again.
    let seen = tokio::task::spawn_blocking({
        let link = link.clone();
        move || {
            let mut seen = Seen::default();
            kentai::simulate::analyzer::send_astm(
                &message,
                &kentai::simulate::analyzer::Target::Link(link),
                Duration::from_millis(2500),
                None,
                &mut seen,
            )
            .expect("simulate");
            seen.0
        }
    })
    .await
    .expect("analyzer");
    assert!(seen.contains(&SimulatedLine::Acknowledged), "{seen:?}");
    assert_eq!(standing_result(&app, "SU-1").await["result"], "positive");
    assert_eq!(standing_result(&app, "SU-2").await["result"], "negative");
    assert_eq!(standing_result(&app, "SU-3").await["result"], "invalid");
    let waiting = queue_of(&app, 1).await;
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["specimen_id"], "SU-9999");

    let (status, log) = app
        .get("/api/v1/analyzers/pcr-9/messages?limit=10", &app.admin)
        .await;
    assert_eq!(status, 200, "{log}");
    let log = log.as_array().cloned().unwrap_or_default();
    assert_eq!(
        log.len(),
        2,
        "the broken transfer is kept beside the whole one: {log:?}"
    );
    assert!(
        log[1]["outcome"]["aborted"].is_string(),
        "the broken transfer says why it was not processed: {:?}",
        log[1]
    );
    assert_eq!(
        log[0]["results"].as_array().map(Vec::len),
        Some(4),
        "{:?}",
        log[0]
    );
}

/// An ASTM analyser's share of a round: each tube's run as one message,
/// over one connection, until kentai goes away. The tubes whose message
/// was acknowledged to its last frame, and the one under way when the
/// line went.
fn send_astm_until_gone(port: u16, tubes: Vec<String>) -> (Vec<String>, Option<String>) {
    struct Sender {
        queue: std::collections::VecDeque<String>,
        current: Option<String>,
        sent: Vec<String>,
    }
    impl Session for Sender {
        fn record(&mut self, _record: Vec<u8>) -> bool {
            true
        }
        fn event(&mut self, action: Action) {
            match action {
                Action::Sent(_) => self.sent.extend(self.current.take()),
                Action::SendFailed { .. } => {}
                _ => {}
            }
        }
        fn next_message(&mut self) -> Option<Vec<Vec<u8>>> {
            if self.current.is_some() {
                return None;
            }
            let tube = self.queue.pop_front()?;
            let message = [
                "H|\\^&|||PCR-9^1.0^SN12345".to_string(),
                "P|1".to_string(),
                format!("O|1|{tube}||^^^SARS2"),
                "R|1|^^^SARS2|Detected|||||F".to_string(),
                "L|1|N".to_string(),
            ]
            .map(String::into_bytes)
            .to_vec();
            self.current = Some(tube);
            Some(message)
        }
        fn keep_going(&mut self) -> bool {
            self.current.is_some() || !self.queue.is_empty()
        }
    }
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return (Vec::new(), tubes.first().cloned());
    };
    let mut link = Link::new(LinkConfig::instrument());
    let mut sender = Sender {
        queue: tubes.into(),
        current: None,
        sent: Vec::new(),
    };
    let _ = drive(&mut link, &mut stream, &mut sender);
    (sender.sent, sender.current)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_astm_message_is_recorded_once_across_kill_9() {
    let _alone = alone().await;
    let port = free_port();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = child_with_analyzer(
        dir.path(),
        &format!(
            "name = \"line-1\"\nkind = \"astm_tcp\"\nlisten = \"127.0.0.1:{port}\"\n\
             [analyzer.tests]\nSARS2 = {{ method = \"pcr\" }}\n"
        ),
    );
    const ROUNDS: usize = 4;
    const PER_ROUND: usize = 60;
    let ids = (0..ROUNDS).flat_map(|round| (0..PER_ROUND).map(move |n| format!("A{round}-{n:02}")));
    register_on(&server, ids).await;
    let mut acked = Vec::new();
    let mut resent = Vec::new();
    for round in 0..ROUNDS {
        let tubes: Vec<String> = (0..PER_ROUND).map(|n| format!("A{round}-{n:02}")).collect();
        let sender = std::thread::spawn(move || send_astm_until_gone(port, tubes));
        // A different moment each round: early, mid-run, late.
        tokio::time::sleep(Duration::from_millis(60 + 90 * round as u64)).await;
        server.child.kill().expect("kill -9");
        server.child.wait().expect("reap");
        let (sent, under_way) = sender.join().expect("sender");
        acked.extend(sent);
        server = ChildServer::start(dir.path());
        // The analyser sends the message it was cut off in again.
        if let Some(tube) = under_way {
            let (sent, left) =
                tokio::task::spawn_blocking(move || send_astm_until_gone(port, vec![tube]))
                    .await
                    .expect("resend");
            assert_eq!(left, None, "the message sent again is acknowledged");
            resent.extend(sent);
        }
    }
    assert!(!acked.is_empty(), "some messages were acknowledged");
    assert!(
        acked.len() < ROUNDS * PER_ROUND,
        "the kills fell in the middle of the runs: {} acknowledged",
        acked.len()
    );
    // Let the last start's recovery and the resent messages settle.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut counts = Counts::of(dir.path());
    let mut count = |sql: String| counts.count(sql);
    while count("SELECT COUNT(*) AS n FROM analyzer_messages WHERE processed_at IS NULL".into()) > 0
    {
        assert!(
            Instant::now() < deadline,
            "journalled messages stay unprocessed"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    for tube in acked.iter().chain(&resent) {
        assert_eq!(
            count(format!(
                "SELECT COUNT(*) AS n FROM results WHERE specimen_id = '{tube}'"
            )),
            1,
            "the acknowledged result of {tube} is recorded, once"
        );
    }
    assert_eq!(
        count(
            "SELECT COUNT(*) AS n FROM results r WHERE (SELECT COUNT(*) FROM results s \
             WHERE s.specimen_id = r.specimen_id) <> 1"
                .into()
        ),
        0,
        "no result is recorded twice"
    );
    server.child.kill().expect("stop");
    server.child.wait().expect("reap");
}

/// The rows of the day report for `day`, as JSON.
async fn day_rows(app: &TestApp, token: &str, day: chrono::NaiveDate) -> Vec<Value> {
    let url = format!("/api/v1/reports/hersys?date={day}&format=json");
    let (status, report) = app.get(&url, token).await;
    assert_eq!(status, 200, "{report}");
    report["rows"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_analyzers_results_reach_the_day_report_once_a_second_person_releases_them() {
    use kentai::domain::results::ReleasePolicy;
    let port = free_port();
    let app = spawn_app_with(|c| {
        c.policy.result_release = ReleasePolicy::SecondPerson;
        c.analyzers.push(analyzer(&format!(
            "name = \"pcr-1\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:{port}\"\n"
        )));
    })
    .await;
    register_all(&app, &["RR-1", "RR-2", "RR-3"]).await;
    let run = oru(
        "MSG-R",
        &[
            ("RR-1", "Detected"),
            ("RR-2", "Not detected"),
            ("RR-3", "Invalid"),
            ("RR-9999", "Detected"),
        ],
    );
    let ack = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        send_mllp(&mut stream, &run)
    })
    .await
    .expect("sender");
    assert!(ack.contains("MSA|AA|MSG-R"), "{ack}");
    assert_eq!(standing_result(&app, "RR-1").await["status"], "entered");

    // The report's day is the day of the collections (an hour ago).
    let day = collected(1, 0)
        .0
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let health = app.token(kentai::domain::roles::Role::HealthCentre);
    let row_of = |rows: &[Value], id: &str| -> Value {
        rows.iter()
            .find(|r| r["specimen_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no row for {id}: {rows:?}"))
    };
    let rows = day_rows(&app, &health, day).await;
    for id in ["RR-1", "RR-2", "RR-3"] {
        let row = row_of(&rows, id);
        assert!(row["result"].is_null(), "{row}");
        assert_eq!(row["result_label"], "結果待ち", "{row}");
        assert_eq!(row["result_pending"], true, "{row}");
    }
    assert!(
        rows.iter().all(|r| r["specimen_id"] != "RR-9999"),
        "a tube kentai does not know is not reported"
    );

    // A lab technician (not the analyser) releases what it sent.
    let lab = app.token(kentai::domain::roles::Role::Lab);
    for id in ["RR-1", "RR-2", "RR-3"] {
        let (status, body) = app
            .post(
                &format!("/api/v1/specimens/{id}/results/1/release"),
                &lab,
                &json!({}),
            )
            .await;
        assert_eq!(status, 200, "{id}: {body}");
    }
    let rows = day_rows(&app, &health, day).await;
    for (id, result) in [
        ("RR-1", "positive"),
        ("RR-2", "negative"),
        ("RR-3", "invalid"),
    ] {
        let row = row_of(&rows, id);
        assert_eq!(row["result"], result, "{row}");
        assert_eq!(row["result_pending"], false, "{row}");
    }
}

#[tokio::test]
async fn kentai_simulate_analyzer_listens_for_kentai_and_tells_its_user_in_japanese() {
    let port = free_port();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/astm/cartridge-pcr.astm"
    );
    let simulator = std::process::Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["simulate-analyzer", fixture, "--listen"])
        .arg(format!("127.0.0.1:{port}"))
        .env("LANG", "ja_JP.UTF-8")
        .env_remove("KENTAI_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kentai simulate-analyzer");
    let app = spawn_app_with(|c| {
        c.analyzers.push(analyzer(&format!(
            "name = \"rapid\"\nkind = \"astm_tcp\"\nconnect = \"127.0.0.1:{port}\"\n"
        )));
    })
    .await;
    let out = tokio::task::spawn_blocking(move || simulator.wait_with_output())
        .await
        .expect("join")
        .expect("the simulator ends");
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains(&format!(
            "127.0.0.1:{port} で kentai からの接続を待っています"
        )),
        "{said}"
    );
    assert!(
        said.contains("すべてのフレームが受け付けられました"),
        "{said}"
    );
    // None of the fixture's tubes is registered here: all wait in the queue.
    let waiting = queue_of(&app, 4).await;
    let ids: Vec<&str> = waiting
        .iter()
        .filter_map(|w| w["specimen_id"].as_str())
        .collect();
    for id in ["R26-0201", "R26-0202", "R26-0203", "R26-9998"] {
        assert!(ids.contains(&id), "{id} waits: {ids:?}");
    }

    let usage = std::process::Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["simulate-analyzer", fixture])
        .env("LANG", "ja_JP.UTF-8")
        .env_remove("KENTAI_CONFIG")
        .output()
        .expect("kentai simulate-analyzer");
    assert_eq!(usage.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&usage.stderr).contains("--listen ADDR:PORT"),
        "{}",
        String::from_utf8_lossy(&usage.stderr)
    );
}
