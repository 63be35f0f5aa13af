//! HL7 results acknowledged per second over MLLP on loopback: an
//! analyser (or eight, each on its own connection) sends ORU^R01 messages
//! of one specimen each, a message when the previous one's ACK is back.
//! Each ACK comes after the message is journalled (durable) and its
//! result recorded, so the number is what a lab line gets end to end.
//!
//! `cargo bench --bench analyzer_mllp` measures SQLite; with
//! `KENTAI_BENCH_DATABASE_URL=postgres://…/postgres` PostgreSQL.
//! `KENTAI_BENCH_MESSAGES` (default 2000) is the count per run.

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use kentai::domain::roles::Role;
use kentai_drivers::hl7::{frame, Deframer, MllpEvent};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::{cleanup, database, percentile, register_swabs, runtime, serve};

fn message(n: usize) -> Vec<u8> {
    let id = format!("M-{n:06}");
    let value = if n % 10 == 0 {
        "Detected"
    } else {
        "Not detected"
    };
    format!(
        "MSH|^~\\&|PCRSYS|LAB|KENTAI|CLINIC|20261207101500||ORU^R01^ORU_R01|CTL-{n}|P|2.5.1|||||||UNICODE UTF-8\r\
         PID|1||P-{n}^^^CLINIC^MR\r\
         OBR|1|{id}||94500-6^SARS-CoV-2 RNA^LN\r\
         OBX|1|CWE|94500-6^SARS-CoV-2 RNA^LN||^{value}||||||F\r\
         OBX|2|NM|N2-CT^N2 Ct^L||{ct}|cycles|||||F\r\
         SPM|1|{id}\r",
        ct = if n % 10 == 0 { "24.5" } else { "" },
    )
    .into_bytes()
}

/// Sends messages `from..to` on one connection; each one's round trip.
fn sender(port: u16, from: usize, to: usize) -> Vec<f64> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut deframer = Deframer::new(1 << 20);
    let mut buf = [0u8; 4096];
    let mut times = Vec::with_capacity(to - from);
    for n in from..to {
        let sent = Instant::now();
        stream.write_all(&frame(&message(n))).expect("send");
        'ack: loop {
            let got = stream.read(&mut buf).expect("read");
            assert!(got > 0, "kentai hung up");
            for event in deframer.push(&buf[..got]) {
                if let MllpEvent::Message(ack) = event {
                    assert!(
                        String::from_utf8_lossy(&ack).contains("MSA|AA|"),
                        "{}",
                        String::from_utf8_lossy(&ack)
                    );
                    break 'ack;
                }
            }
        }
        times.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    times
}

fn main() {
    let per_run: usize = std::env::var("KENTAI_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let runtime = runtime();
    let (url, _dir, label, pg) = database();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let (base, token) = runtime.block_on(async {
        let analyzer: kentai::config::AnalyzerConfig = toml::from_str(&format!(
            "name = \"pcr-1\"\nkind = \"hl7_mllp\"\nlisten = \"127.0.0.1:{port}\"\n\
             [tests]\nN2-CT = {{ method = \"pcr\", target = \"N2\" }}\n"
        ))
        .expect("analyzer");
        serve(url, Role::Admin, move |c| c.analyzers.push(analyzer))
    });
    // Two runs of `per_run` specimens, all registered first.
    runtime.block_on(register_swabs(
        &base,
        &token,
        (0..2 * per_run).map(|n| format!("M-{n:06}")),
    ));
    std::thread::sleep(Duration::from_millis(300));

    println!("analyzer_mllp on {label}: {per_run} messages a run, each one specimen");
    for (run, connections) in [(0usize, 1usize), (1, 8)] {
        let start = run * per_run;
        let each = per_run / connections;
        let began = Instant::now();
        let handles: Vec<_> = (0..connections)
            .map(|c| {
                let from = start + c * each;
                std::thread::spawn(move || sender(port, from, from + each))
            })
            .collect();
        let mut times: Vec<f64> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("sender"))
            .collect();
        let elapsed = began.elapsed().as_secs_f64();
        times.sort_by(|a, b| a.total_cmp(b));
        println!(
            "  {connections} connection(s): {:.0} messages/s acknowledged; round trip p50 {:.2} ms, p99 {:.2} ms",
            times.len() as f64 / elapsed,
            percentile(&times, 0.50),
            percentile(&times, 0.99),
        );
    }
    cleanup(pg);
}
