//! HL7 v2 analysers: an MLLP listener whose every block is journalled
//! before its ACK goes back, then read as ORU^R01 results.
//!
//! A block is journalled whole (a batch is one row) and answered with
//! `AA` once it is durable; a message kentai cannot read is journalled
//! too and answered `AE` or `AR` with an ERR segment naming the problem,
//! so the analyser's operator sees it. When the journal cannot be written,
//! every message of the block is answered `AE` (application internal
//! error) and the analyser sends it again.

use super::{grouped, journal_whole, site_time, Line, LinkProblem, LinkState};
use crate::actions::analyzers::{Protocol, SpecimenReport};
use crate::actions::Ctx;
use crate::domain::analyzer::Observation;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use kentai_drivers::hl7::{
    answer, frame, read_block, Block, Deframer, MllpEvent, ObservationValue, OruResult, Problem,
};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The longest block kentai takes: a run of a 96-well plate is far below.
const MAX_BLOCK: usize = 4 * 1024 * 1024;

/// An HL7 time (`YYYYMMDDHHMM[SS[.S…]][+ZZZZ]`) as UTC: with its offset
/// when it has one, else in the site's zone.
fn when(ctx: &Ctx, text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let (stamp, zone) = match text.find(['+', '-']) {
        Some(i) => (&text[..i], Some(&text[i..])),
        None => (text, None),
    };
    let digits: String = stamp.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 8 {
        return None;
    }
    let num = |from: usize, to: usize| digits.get(from..to).and_then(|s| s.parse::<u32>().ok());
    let date = NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(4, 6)?, num(6, 8)?)?;
    let (h, m, s) = (
        num(8, 10).unwrap_or(0),
        num(10, 12).unwrap_or(0),
        num(12, 14).unwrap_or(0),
    );
    match zone {
        Some(z) if z.len() == 5 => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let hours: i32 = z.get(1..3)?.parse().ok()?;
            let minutes: i32 = z.get(3..5)?.parse().ok()?;
            let offset = chrono::FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?;
            let local: NaiveDateTime = date.and_hms_opt(h, m, s)?;
            use chrono::TimeZone;
            offset
                .from_local_datetime(&local)
                .single()
                .map(|t| t.with_timezone(&Utc))
        }
        _ => site_time(ctx, date, h, m, s),
    }
}

/// The word of an observation's value: a coded value's text (its code
/// when it has none), a text value, or the first component of any other.
fn value(result: &OruResult) -> String {
    match result.values.first() {
        Some(ObservationValue::Coded(c)) if !c.text.trim().is_empty() => c.text.clone(),
        Some(ObservationValue::Coded(c)) => c.id.clone(),
        Some(ObservationValue::Text(t)) | Some(ObservationValue::Number(t)) => t.clone(),
        Some(ObservationValue::Other(components)) => components
            .first()
            .map(|c| c.text().to_string())
            .unwrap_or_default(),
        None => String::new(),
    }
}

fn observation(result: &OruResult) -> Observation {
    let code = match result.test.id.trim() {
        "" => result.test.text.clone(),
        id => id.to_string(),
    };
    Observation {
        code,
        value: value(result),
        units: result
            .units
            .as_ref()
            .map(|u| {
                if u.id.is_empty() {
                    u.text.clone()
                } else {
                    u.id.clone()
                }
            })
            .unwrap_or_default(),
        flags: result.abnormal_flags.join("~"),
        status: result.status.clone(),
    }
}

/// The specimens a journalled block reports and its first control id;
/// or, when no message of it could be read, why.
pub(super) fn reports(
    ctx: &Ctx,
    raw: &[u8],
) -> Result<(Vec<SpecimenReport>, Option<String>), String> {
    specimens(ctx, &read_block(raw))
}

fn specimens(ctx: &Ctx, block: &Block) -> Result<(Vec<SpecimenReport>, Option<String>), String> {
    let control_id = block
        .messages
        .iter()
        .find_map(|m| m.header.as_ref().map(|h| h.control_id.clone()));
    let mut problems = Vec::new();
    let mut items = Vec::new();
    for message in &block.messages {
        match &message.outcome {
            Ok(results) => {
                for r in results.iter().filter(|r| !r.specimen_observation) {
                    let at = r
                        .observation_time
                        .as_deref()
                        .or(r.observed_at.as_deref())
                        .and_then(|t| when(ctx, t));
                    items.push((r.specimen_id.clone(), observation(r), at));
                }
            }
            Err(problem) => problems.push(problem.message.clone()),
        }
    }
    if items.is_empty() && !problems.is_empty() {
        return Err(problems.join("; "));
    }
    Ok((grouped(items), control_id))
}

/// Control ids of kentai's ACKs: unique within a run, and across runs by
/// the start time in front.
fn next_control_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("K{}{n}", Utc::now().format("%y%m%d%H%M%S"))
}

/// Takes one block: journal, answer, then process.
fn take(line: &Line, mut block: Block, raw: &[u8]) -> Vec<u8> {
    let ctx = &line.ctx;
    let parsed = specimens(ctx, &block);
    let control_id = parsed.as_ref().ok().and_then(|(_, c)| c.clone());
    let journalled = journal_whole(line, Protocol::Hl7, raw, control_id.as_deref());
    if let Err(e) = &journalled {
        line.problem(LinkProblem::Journal, &e.to_string());
        for message in &mut block.messages {
            message.outcome = Err(Problem::internal(
                "kentai could not store the message; send it again",
            ));
        }
    }
    let now = crate::actions::now()
        .with_timezone(&ctx.tz)
        .format("%Y%m%d%H%M%S%z")
        .to_string();
    let reply = answer(&block, ctx.facility(), &now, &mut next_control_id);
    if let Ok(journalled) = journalled {
        if !journalled.repeat {
            line.process(journalled.id, parsed.map(|(reports, _)| reports));
        }
    }
    frame(&reply)
}

/// Serves one analyser connection until it closes or kentai stops.
fn serve(line: &Line, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    line.state(LinkState::Connected);
    let mut deframer = Deframer::new(MAX_BLOCK);
    let mut buf = vec![0u8; 64 * 1024];
    while line.running() {
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(e) => {
                line.failed(LinkProblem::LineError, &e.to_string());
                break;
            }
        };
        for event in deframer.push(&buf[..n]) {
            match event {
                MllpEvent::Message(raw) => {
                    let reply = take(line, read_block(&raw), &raw);
                    if let Err(e) = stream.write_all(&reply).and_then(|()| stream.flush()) {
                        line.failed(LinkProblem::LineError, &e.to_string());
                        return;
                    }
                }
                MllpEvent::Error(e) => line.problem(LinkProblem::BadFraming, &e.to_string()),
            }
        }
    }
    line.state(LinkState::Waiting);
}

/// Serves a connection on a thread of its own: an HL7 listener takes
/// several senders at once.
pub(super) fn serve_on_its_own(line: &Line, stream: TcpStream) {
    let line = line.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("hl7-{}", line.analyzer.name()))
        .spawn(move || serve(&line, stream));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start an HL7 connection's thread");
    }
}
