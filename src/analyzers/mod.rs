//! The analyser links (`[[analyzer]]`): a thread per instrument that keeps
//! its line open (an ASTM serial port or TCP connection, an HL7 MLLP
//! listener), journals every message before acknowledging it, and hands it
//! to [`crate::actions::analyzers`] to record.
//!
//! The same discipline as the scanners: the journal first, so a message
//! the analyser was told we have is never lost; a line that fails is
//! reopened after a pause, however often it fails; at start-up, messages
//! an earlier run journalled but did not process are processed first.

mod astm;
mod hl7;

use crate::actions::analyzers::{self as journal, Protocol, SpecimenReport};
use crate::actions::{users, ActionError, Actor, Ctx};
use crate::config::analyzer::{AnalyzerLink, TcpEnd};
use crate::config::AnalyzerConfig;
use crate::domain::roles::Role;
use chrono::{DateTime, NaiveDate, Utc};
use kentai_drivers::TransportError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// How long a failed line rests before it is opened again.
const REOPEN_AFTER: Duration = Duration::from_secs(2);

/// Where an analyser's line stands, for the admin page and the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Switched off in kentai.toml.
    Disabled,
    /// Waiting for the analyser to connect (a listener) or for its line.
    Waiting,
    /// A connection or an open serial line.
    Connected,
    /// The line failed; kentai tries again.
    Failed,
}

/// What went wrong on a link, as a code the pages put into words; the
/// detail beside it (a path, an address, the system's own message) is for
/// whoever fixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkProblem {
    /// The serial device is not there (unplugged, or a wrong path).
    NotFound,
    /// The device is there and cannot be opened (permissions, in use).
    CannotOpen,
    /// The line went away: unplugged, or the analyser hung up.
    Disconnected,
    /// Reading or writing the line failed.
    LineError,
    /// kentai could not connect to the analyser's address.
    ConnectFailed,
    /// The listening socket failed.
    ListenFailed,
    /// A block the MLLP framing cannot take (too long, broken off).
    BadFraming,
    /// The journal could not be written; the analyser is asked to send
    /// again.
    Journal,
    /// A journalled message could not be processed; the next start
    /// processes it.
    Processing,
}

impl From<&TransportError> for LinkProblem {
    fn from(error: &TransportError) -> LinkProblem {
        match error {
            TransportError::NotFound(_) => LinkProblem::NotFound,
            TransportError::Open(_) => LinkProblem::CannotOpen,
            TransportError::Disconnected(_) => LinkProblem::Disconnected,
            TransportError::Io(_) => LinkProblem::LineError,
        }
    }
}

/// One analyser's link, as the pages and `GET /api/v1/analyzers` show it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LinkStatus {
    pub name: String,
    /// `astm_serial`, `astm_tcp` or `hl7_mllp`.
    pub kind: String,
    /// The address or the path.
    pub place: String,
    pub state: LinkState,
    pub since: Option<DateTime<Utc>>,
    pub last_message_at: Option<DateTime<Utc>>,
    /// Messages received since kentai started, a repeat counted again.
    pub messages: u64,
    /// What the last error was; `last_error` holds its detail.
    pub last_error_code: Option<LinkProblem>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

/// The links' shared state; the threads stop when the last clone goes.
#[derive(Clone, Default)]
pub struct AnalyzerLinks {
    status: Arc<Mutex<BTreeMap<String, LinkStatus>>>,
    alive: Arc<()>,
}

impl AnalyzerLinks {
    /// Every configured analyser's link, in the order of kentai.toml.
    pub fn statuses(&self, config: &[AnalyzerConfig]) -> Vec<LinkStatus> {
        let status = self.status.lock().map(|s| s.clone()).unwrap_or_default();
        config
            .iter()
            .filter_map(|a| status.get(a.name()).cloned())
            .collect()
    }

    fn update(&self, name: &str, f: impl FnOnce(&mut LinkStatus)) {
        if let Ok(mut status) = self.status.lock() {
            if let Some(s) = status.get_mut(name) {
                f(s);
            }
        }
    }
}

/// What a link thread needs: the analyser, who it records as, and where
/// it reports its state.
#[derive(Clone)]
struct Line {
    ctx: Ctx,
    analyzer: AnalyzerConfig,
    actor: Actor,
    links: AnalyzerLinks,
    alive: Weak<()>,
}

impl Line {
    fn running(&self) -> bool {
        self.alive.strong_count() > 0
    }

    fn state(&self, state: LinkState) {
        self.links.update(self.analyzer.name(), |s| {
            if s.state != state {
                s.state = state;
                s.since = Some(crate::actions::now());
            }
        });
    }

    /// The line failed: it is down until kentai opens it again.
    fn failed(&self, problem: LinkProblem, detail: &str) {
        self.noted(problem, detail, true);
    }

    /// Something went wrong on a line that stays up (a block refused, a
    /// journal write that failed and is asked for again).
    fn problem(&self, problem: LinkProblem, detail: &str) {
        self.noted(problem, detail, false);
    }

    fn noted(&self, problem: LinkProblem, detail: &str, down: bool) {
        let mut repeated = false;
        self.links.update(self.analyzer.name(), |s| {
            repeated =
                s.last_error_code == Some(problem) && s.last_error.as_deref() == Some(detail);
        });
        // A line that stays down says so once, not at every retry.
        if !repeated {
            tracing::warn!(
                analyzer = self.analyzer.name(),
                ?problem,
                detail,
                "analyzer link"
            );
        }
        self.links.update(self.analyzer.name(), |s| {
            if down && s.state != LinkState::Failed {
                s.state = LinkState::Failed;
                s.since = Some(crate::actions::now());
            }
            s.last_error_code = Some(problem);
            s.last_error = Some(detail.to_string());
            s.last_error_at = Some(crate::actions::now());
        });
    }

    fn journalled(&self) {
        self.links.update(self.analyzer.name(), |s| {
            s.messages += 1;
            s.last_message_at = Some(crate::actions::now());
        });
    }

    /// Processes a journalled message; an error is logged and shown, and
    /// the message stays unprocessed for the next start.
    fn process(&self, id: i64, reports: Result<Vec<SpecimenReport>, String>) {
        if let Err(e) = journal::process(&self.ctx, &self.analyzer, &self.actor, id, reports) {
            self.problem(LinkProblem::Processing, &format!("message {id}: {e}"));
        }
    }
}

/// Processes what an earlier run left, then opens every enabled link.
pub fn start(ctx: &Ctx) -> anyhow::Result<AnalyzerLinks> {
    let links = AnalyzerLinks::default();
    let mut lines = Vec::new();
    for analyzer in &ctx.config.analyzers {
        let status = LinkStatus {
            name: analyzer.name().to_string(),
            kind: analyzer.kind().to_string(),
            place: analyzer.place(),
            state: match analyzer.link {
                Some(_) => LinkState::Waiting,
                None => LinkState::Disabled,
            },
            since: Some(crate::actions::now()),
            last_message_at: None,
            messages: 0,
            last_error_code: None,
            last_error: None,
            last_error_at: None,
        };
        if let Ok(mut s) = links.status.lock() {
            s.insert(analyzer.name().to_string(), status);
        }
        let actor = users::service_actor(ctx, &format!("analyzer:{}", analyzer.name()), Role::Lab)?;
        lines.push(Line {
            ctx: ctx.clone(),
            analyzer: analyzer.clone(),
            actor,
            links: links.clone(),
            alive: Arc::downgrade(&links.alive),
        });
    }
    for line in &lines {
        recover(line)?;
    }
    for line in lines {
        let Some(link) = line.analyzer.link.clone() else {
            continue;
        };
        let name = format!("analyzer-{}", line.analyzer.name());
        let bind = |listen: &str| {
            TcpListener::bind(listen).map_err(|e| {
                anyhow::anyhow!(
                    "analyzer {:?}: cannot listen on {listen}: {e}",
                    line.analyzer.name()
                )
            })
        };
        match link {
            AnalyzerLink::Hl7Mllp { listen } => {
                let listener = bind(&listen)?;
                std::thread::Builder::new()
                    .name(name)
                    .spawn(move || accept(&line, listener, hl7::serve_on_its_own))?;
            }
            AnalyzerLink::AstmTcp(TcpEnd::Listen(listen)) => {
                let listener = bind(&listen)?;
                std::thread::Builder::new()
                    .name(name)
                    .spawn(move || accept(&line, listener, astm::serve))?;
            }
            AnalyzerLink::AstmTcp(TcpEnd::Connect(address)) => {
                std::thread::Builder::new()
                    .name(name)
                    .spawn(move || astm::connect(line, address))?;
            }
            AnalyzerLink::AstmSerial { path, baud } => {
                std::thread::Builder::new()
                    .name(name)
                    .spawn(move || astm::serial(line, path, baud))?;
            }
        }
    }
    Ok(links)
}

/// Accepts the analyser's connections until kentai stops, handing each
/// to `serve`.
fn accept(line: &Line, listener: TcpListener, serve: fn(&Line, TcpStream)) {
    if let Err(e) = listener.set_nonblocking(true) {
        line.failed(LinkProblem::ListenFailed, &e.to_string());
        return;
    }
    while line.running() {
        match listener.accept() {
            Ok((stream, _)) => {
                if stream.set_nonblocking(false).is_ok() {
                    serve(line, stream);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => {
                line.failed(LinkProblem::ListenFailed, &e.to_string());
                std::thread::sleep(REOPEN_AFTER);
            }
        }
    }
}

/// The messages of one analyser that an earlier run journalled and did
/// not process: whole ones are processed; a transfer still arriving when
/// kentai stopped is processed if its terminator record had arrived (the
/// analyser took it as delivered), else set aside (the analyser sends it
/// again).
fn recover(line: &Line) -> Result<(), ActionError> {
    for row in journal::unprocessed(&line.ctx, line.analyzer.name())? {
        let id = if journal::is_open_transfer(&row) {
            if !astm::ends_with_terminator(&row.raw) {
                journal::abort_transfer(&line.ctx, row.id, "kentai stopped mid-transfer")?;
                continue;
            }
            let closed = journal::close_transfer(&line.ctx, line.analyzer.name(), row.id)?;
            if closed.repeat {
                continue;
            }
            closed.id
        } else {
            row.id
        };
        let reports = match row.protocol.as_str() {
            "hl7" => hl7::reports(&line.ctx, &row.raw).map(|(reports, _)| reports),
            _ => astm::reports(&line.ctx, &row.raw, line.analyzer.charset),
        };
        line.process(id, reports);
    }
    Ok(())
}

/// An analyser's local time (analysers keep the site's clock, without a
/// zone) as UTC.
fn site_time(
    ctx: &Ctx,
    date: NaiveDate,
    hour: u32,
    minute: u32,
    second: u32,
) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let local = date.and_hms_opt(hour, minute, second)?;
    ctx.tz
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The specimens of a message in the order they first appear, each with
/// its observations.
fn grouped(
    items: impl IntoIterator<
        Item = (
            String,
            crate::domain::analyzer::Observation,
            Option<DateTime<Utc>>,
        ),
    >,
) -> Vec<SpecimenReport> {
    let mut reports: Vec<SpecimenReport> = Vec::new();
    for (specimen_id, observation, completed_at) in items {
        let specimen_id = specimen_id.trim().to_string();
        match reports.iter_mut().find(|r| r.specimen_id == specimen_id) {
            Some(r) => {
                r.observations.push(observation);
                r.completed_at = r.completed_at.max(completed_at);
            }
            None => reports.push(SpecimenReport {
                specimen_id,
                observations: vec![observation],
                completed_at,
            }),
        }
    }
    reports
}

/// Journals a whole message and notes it on the link's status.
fn journal_whole(
    line: &Line,
    protocol: Protocol,
    raw: &[u8],
    control_id: Option<&str>,
) -> Result<journal::Journalled, ActionError> {
    let journalled = journal::journal(
        &line.ctx,
        line.analyzer.name(),
        protocol,
        raw,
        control_id,
        crate::actions::now(),
    )?;
    line.journalled();
    Ok(journalled)
}
