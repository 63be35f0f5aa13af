//! ASTM analysers: the E1381 link over TCP or a serial port, each record
//! journalled before its frame is acknowledged, and a transfer's records
//! read as an E1394 message when its EOT arrives.

use super::{grouped, site_time, Line, LinkProblem, LinkState, REOPEN_AFTER};
use crate::actions::analyzers::{self as journal, SpecimenReport};
use crate::actions::Ctx;
use crate::config::analyzer::Charset;
use crate::domain::analyzer::Observation;
use chrono::NaiveDate;
use kentai_drivers::astm::duplex::{drive, Duplex, SerialLine, Session};
use kentai_drivers::astm::link::{Action, Link, LinkConfig};
use kentai_drivers::astm::records::{parse_message, AstmResult, TextEncoding, Timestamp};
use kentai_drivers::serial::SerialSettings;
use kentai_drivers::TransportError;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

/// A transfer's records, each ended by CR, as the journal keeps them.
fn records(raw: &[u8]) -> Vec<Vec<u8>> {
    raw.split(|b| *b == b'\r')
        .filter(|r| !r.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// Whether the last record of a journalled transfer is its terminator.
pub(super) fn ends_with_terminator(raw: &[u8]) -> bool {
    records(raw)
        .last()
        .is_some_and(|r| r.first() == Some(&b'L'))
}

fn encoding(charset: Charset) -> TextEncoding {
    match charset {
        Charset::Utf8 => TextEncoding::Utf8,
        Charset::ShiftJis => TextEncoding::ShiftJis,
    }
}

fn when(ctx: &Ctx, stamp: &Option<Timestamp>) -> Option<chrono::DateTime<chrono::Utc>> {
    let parsed = stamp.as_ref()?.parsed?;
    let date = NaiveDate::from_ymd_opt(parsed.year.into(), parsed.month.into(), parsed.day.into())?;
    let (h, m, s) = parsed.time.map_or((0, 0, 0), |t| {
        (t.hour.into(), t.minute.into(), t.second.into())
    });
    site_time(ctx, date, h, m, s)
}

/// The test code an observation is mapped by: R.3's test id (its fourth
/// component) with the components after it (`SARS2^N1^Ct`), so each
/// target's Ct has a code of its own.
fn test_code(result: &AstmResult) -> String {
    let mut parts: Vec<&str> = result
        .test
        .components
        .iter()
        .skip(3)
        .map(String::as_str)
        .collect();
    while parts.last().is_some_and(|p| p.trim().is_empty()) {
        parts.pop();
    }
    match parts.is_empty() {
        true => result.test_code.clone(),
        false => parts.join("^"),
    }
}

/// The specimens a journalled ASTM message reports, or why it cannot be read.
pub(super) fn reports(
    ctx: &Ctx,
    raw: &[u8],
    charset: Charset,
) -> Result<Vec<SpecimenReport>, String> {
    let message = parse_message(&records(raw), encoding(charset)).map_err(|e| e.to_string())?;
    Ok(grouped(message.results().into_iter().map(|r| {
        let observation = Observation {
            code: test_code(&r),
            // Every component: a reader sends its index and its call
            // (`12.40^POS`).
            value: match r.value_components.len() > 1 {
                true => r.value_components.join("^"),
                false => r.value.clone(),
            },
            units: r.units.clone(),
            flags: r.flags.join("~"),
            status: r
                .status
                .as_ref()
                .map(|s| s.code().to_string())
                .unwrap_or_default(),
        };
        (
            r.specimen_id.clone(),
            observation,
            when(ctx, &r.completed_at),
        )
    })))
}

/// The program around one ASTM link: journals records, processes whole
/// transfers.
struct Transfers<'a> {
    line: &'a Line,
    /// The transfer being journalled: its row and its records so far.
    open: Option<(i64, Vec<u8>)>,
}

impl Session for Transfers<'_> {
    fn record(&mut self, mut record: Vec<u8>) -> bool {
        record.push(b'\r');
        let ctx = &self.line.ctx;
        let stored = match &mut self.open {
            Some((id, raw)) => journal::append_record(ctx, *id, &record).map(|()| {
                raw.extend_from_slice(&record);
            }),
            None => journal::open_transfer(
                ctx,
                self.line.analyzer.name(),
                &record,
                crate::actions::now(),
            )
            .map(|id| {
                self.open = Some((id, record));
            }),
        };
        match stored {
            Ok(()) => true,
            Err(e) => {
                // NAK: the analyser sends the frame again.
                self.line.problem(LinkProblem::Journal, &e.to_string());
                false
            }
        }
    }

    fn event(&mut self, action: Action) {
        let ctx = &self.line.ctx;
        match action {
            Action::TransferEnded => {
                let Some((id, raw)) = self.open.take() else {
                    return;
                };
                match journal::close_transfer(ctx, self.line.analyzer.name(), id) {
                    Ok(closed) if closed.repeat => self.line.journalled(),
                    Ok(closed) => {
                        self.line.journalled();
                        let reports = reports(ctx, &raw, self.line.analyzer.charset);
                        self.line.process(closed.id, reports);
                    }
                    Err(e) => self.line.problem(LinkProblem::Journal, &e.to_string()),
                }
            }
            Action::TransferAborted(reason) => {
                if let Some((id, _)) = self.open.take() {
                    if let Err(e) = journal::abort_transfer(ctx, id, &reason.to_string()) {
                        self.line.problem(LinkProblem::Journal, &e.to_string());
                    }
                }
            }
            Action::FrameRejected(error) => {
                tracing::info!(analyzer = self.line.analyzer.name(), %error, "ASTM frame refused (NAK)");
            }
            _ => {}
        }
    }

    fn keep_going(&mut self) -> bool {
        self.line.running()
    }
}

/// Runs the link over an open line until it fails or kentai stops. An
/// analyser that connected to kentai may hang up when it is done: for a
/// listener that is the end of a connection, not a failure.
fn run(line: &Line, duplex: &mut dyn Duplex, hang_up_is_normal: bool) {
    line.state(LinkState::Connected);
    let mut link = Link::new(LinkConfig::lis());
    let mut session = Transfers { line, open: None };
    match drive(&mut link, duplex, &mut session) {
        Ok(()) => line.state(LinkState::Waiting),
        Err(TransportError::Disconnected(_)) if hang_up_is_normal => line.state(LinkState::Waiting),
        Err(e) => line.failed(LinkProblem::from(&e), &e.to_string()),
    }
    if let Some((id, _)) = session.open.take() {
        if let Err(e) = journal::abort_transfer(&line.ctx, id, "the line closed mid-transfer") {
            line.problem(LinkProblem::Journal, &e.to_string());
        }
    }
}

/// Serves an analyser that connected, one connection at a time.
pub(super) fn serve(line: &Line, mut stream: TcpStream) {
    run(line, &mut stream, true);
}

/// Connects to an analyser that listens, again after every failure.
pub(super) fn connect(line: Line, address: String) {
    while line.running() {
        match open(&address) {
            Ok(mut stream) => run(&line, &mut stream, false),
            Err(e) => line.failed(LinkProblem::ConnectFailed, &format!("{address}: {e}")),
        }
        std::thread::sleep(REOPEN_AFTER);
    }
}

/// A connection to `address` (an IP address or a host name, with its
/// port), trying each address the name resolves to.
fn open(address: &str) -> Result<TcpStream, String> {
    let mut last = format!("{address}: no address");
    for a in address.to_socket_addrs().map_err(|e| e.to_string())? {
        match TcpStream::connect_timeout(&a, Duration::from_secs(5)) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

/// Keeps a serial analyser's port open, reopening it after an unplug.
pub(super) fn serial(line: Line, path: PathBuf, baud: u32) {
    let settings = SerialSettings {
        baud,
        ..SerialSettings::new(path)
    };
    while line.running() {
        match SerialLine::open(&settings) {
            Ok(mut port) => run(&line, &mut port, false),
            Err(e) => line.failed(LinkProblem::from(&e), &e.to_string()),
        }
        std::thread::sleep(REOPEN_AFTER);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_is_whole_only_when_its_last_record_is_the_terminator() {
        assert!(ends_with_terminator(b"H|\\^&\rP|1\rL|1|N\r"));
        assert!(!ends_with_terminator(b"H|\\^&\rP|1\r"));
        assert!(!ends_with_terminator(b""));
    }
}
