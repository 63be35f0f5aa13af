//! An ASTM analyser on a 9600-baud serial line against the line's own
//! bound: how close kentai's side (ACK after each record is journalled,
//! the result recorded at EOT) comes to the time the bytes alone take.
//!
//! The analyser is a pseudo-terminal, as `kentai simulate-analyzer --link`
//! makes one, whose sender paces every byte as a 9600-baud UART does (8
//! data bits, no parity, one stop bit: 10 bits, so 960 bytes a second)
//! and holds each byte kentai answers for its own time on the wire. The
//! bound of a transfer is its bytes in both directions (ENQ, the frames,
//! an ACK for each, EOT) at 960 a second; the efficiency is the bound over
//! the time measured, so 100 % means kentai costs the line nothing.
//!
//! `cargo bench --bench analyzer_astm` measures SQLite; with
//! `KENTAI_BENCH_DATABASE_URL=postgres://…/postgres` PostgreSQL.
//! `KENTAI_BENCH_MESSAGES` (default 12) is the count per run, of three
//! runs; each message is one specimen's run of six records.

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod support;

use kentai::domain::roles::Role;
use kentai::simulate::Pty;
use kentai_drivers::astm::duplex::{drive, Duplex, SerialLine, Session};
use kentai_drivers::astm::link::{encode_record, Action, FrameNumber, Link, LinkConfig};
use kentai_drivers::TransportError;
use std::time::{Duration, Instant};
use support::{cleanup, database, percentile, register_swabs, runtime, serve};

/// A byte's time on a 9600-baud 8N1 line.
const BYTE_TIME: Duration = Duration::from_nanos(10 * 1_000_000_000 / 9600);

fn records(n: usize) -> Vec<Vec<u8>> {
    let id = format!("B-{n:05}");
    let (call, ct) = match n % 10 {
        0 => ("Detected", "24.31"),
        _ => ("Not detected", ""),
    };
    [
        "H|\\^&|||PCR-9^1.0^SN12345|||||||P|LIS2-A2".to_string(),
        format!("P|1||PID-{n}"),
        format!("O|1|{id}||^^^SARS2|R||||||N"),
        format!("R|1|^^^SARS2|{call}|||||F"),
        format!("R|2|^^^SARS2^N2^Ct|{ct}|cycles||||F"),
        "L|1|N".to_string(),
    ]
    .map(String::into_bytes)
    .to_vec()
}

/// The bytes one transfer puts on the line, both ways: ENQ and its ACK,
/// each frame and its ACK, EOT.
fn line_bytes(records: &[Vec<u8>]) -> usize {
    let mut number = FrameNumber::new(1).expect("frame 1");
    let mut bytes = 3;
    for record in records {
        let (frames, next) = encode_record(record, number).expect("a record");
        number = next;
        bytes += frames.iter().map(|f| f.len() + 1).sum::<usize>();
    }
    bytes
}

/// A serial line at 9600 baud: what is written leaves a byte at a time,
/// and what arrives is held for its time on the wire.
struct Paced {
    line: SerialLine,
    free_at: Instant,
}

impl Duplex for Paced {
    fn receive(
        &mut self,
        buf: &mut [u8],
        timeout: Duration,
    ) -> Result<Option<usize>, TransportError> {
        let got = self.line.receive(buf, timeout)?;
        if let Some(n) = got {
            std::thread::sleep(BYTE_TIME * n as u32);
        }
        Ok(got)
    }

    fn transmit(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        for byte in bytes {
            let now = Instant::now();
            self.free_at = self.free_at.max(now) + BYTE_TIME;
            self.line.transmit(&[*byte])?;
            if let Some(wait) = self.free_at.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        Ok(())
    }
}

/// The analyser: messages `from..to`, each as soon as the last is sent.
struct Analyser {
    next: usize,
    to: usize,
    sent: usize,
    in_flight: bool,
}

impl Session for Analyser {
    fn record(&mut self, _record: Vec<u8>) -> bool {
        true
    }

    fn event(&mut self, action: Action) {
        match action {
            Action::Sent(_) => {
                self.sent += 1;
                self.in_flight = false;
            }
            Action::SendFailed { reason, .. } => panic!("not delivered: {reason:?}"),
            _ => {}
        }
    }

    fn next_message(&mut self) -> Option<Vec<Vec<u8>>> {
        if self.in_flight || self.next == self.to {
            return None;
        }
        self.in_flight = true;
        self.next += 1;
        Some(records(self.next - 1))
    }

    fn keep_going(&mut self) -> bool {
        self.in_flight || self.next < self.to
    }
}

fn main() {
    let per_run: usize = std::env::var("KENTAI_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    const RUNS: usize = 3;
    let runtime = runtime();
    let (url, _dir, label, pg) = database();
    let links = tempfile::tempdir().expect("tempdir");
    let path = links.path().join("pcr-9");
    let pty = Pty::create(&path).expect("a pseudo-terminal");
    let (base, token) = runtime.block_on(async {
        let analyzer: kentai::config::AnalyzerConfig = toml::from_str(&format!(
            "name = \"pcr-9\"\nkind = \"astm_serial\"\npath = {:?}\nbaud = 9600\n\
             [tests]\nSARS2 = {{ method = \"pcr\" }}\n\"SARS2^N2^Ct\" = {{ method = \"pcr\", target = \"N2\" }}\n",
            path.display().to_string()
        ))
        .expect("analyzer");
        serve(url, Role::Admin, move |c| c.analyzers.push(analyzer))
    });
    let http = reqwest::Client::new();
    runtime.block_on(register_swabs(
        &base,
        &token,
        (0..RUNS * per_run).map(|n| format!("B-{n:05}")),
    ));
    // kentai opens the line by its path.
    std::thread::sleep(Duration::from_millis(2500));
    let port = pty.master_clone().expect("the pty's master");
    let mut line = Paced {
        line: SerialLine::from_port(port, Duration::from_millis(100)),
        free_at: Instant::now(),
    };

    let bytes = line_bytes(&records(0));
    let bound = BYTE_TIME.as_secs_f64() * bytes as f64;
    println!(
        "analyzer_astm on {label}: 9600 baud 8N1, {per_run} messages a run of six records, \
         {bytes} bytes on the line each (bound {:.0} ms, {:.2} messages/s)",
        bound * 1000.0,
        1.0 / bound
    );
    let mut efficiencies = Vec::new();
    for run in 0..RUNS {
        let mut link = Link::new(LinkConfig::instrument());
        let mut analyser = Analyser {
            next: run * per_run,
            to: (run + 1) * per_run,
            sent: 0,
            in_flight: false,
        };
        let began = Instant::now();
        drive(&mut link, &mut line, &mut analyser).expect("the line");
        let elapsed = began.elapsed().as_secs_f64();
        assert_eq!(analyser.sent, per_run);
        let efficiency = bound * per_run as f64 / elapsed;
        println!(
            "  run {}: {:.2} messages/s, {:.0} ms a message, {:.1} % of the line's bound",
            run + 1,
            per_run as f64 / elapsed,
            elapsed * 1000.0 / per_run as f64,
            efficiency * 100.0
        );
        efficiencies.push(efficiency);
    }
    efficiencies.sort_by(|a, b| a.total_cmp(b));
    println!(
        "  median: {:.1} % of the line's bound",
        percentile(&efficiencies, 0.5) * 100.0
    );
    // Every result is recorded: the last specimen has its result.
    runtime.block_on(async {
        let last = format!("B-{:05}", RUNS * per_run - 1);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let body: serde_json::Value = http
                .get(format!("{base}/api/v1/specimens/{last}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("specimen")
                .json()
                .await
                .expect("json");
            if body["results"].as_array().is_some_and(|r| !r.is_empty()) {
                break;
            }
            assert!(Instant::now() < deadline, "{last} has no result: {body}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    cleanup(pg);
}
