//! Sending the print queue to the printers: one worker thread per
//! `[[printer]]`, so a printer that is off or out of paper holds up only
//! its own jobs, and the printers' status as their protocols report it.
//!
//! The queue itself (what is due, back-off, `sent` or `failed`) lives in
//! `actions::printing`; this module only moves bytes and reads status.

pub mod ipp;
pub mod raw9100;

use crate::actions::printing::{self as queue, Claimed, Outcome};
use crate::actions::{now, Actor, Ctx};
use crate::config::{PrinterConfig, PrinterKind};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often an idle worker looks for due jobs.
const POLL: Duration = Duration::from_millis(250);

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("sending failed: {0}")]
    Send(String),
    #[error("the printer refused the job: {0}")]
    Refused(String),
    #[error("unexpected answer: {0}")]
    Protocol(String),
    #[error("no status: {0}")]
    Status(String),
}

/// A printer's condition as its protocol reports it: IPP's
/// `printer-state-reasons` keywords, and the `~HS` flags of a ZPL printer
/// in the same words.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct PrinterStatus {
    /// `media-empty` (or `media-needed`): out of paper or labels.
    pub paper_out: bool,
    /// `cover-open` (or `door-open`): the print head or cover is open.
    pub head_open: bool,
    /// Every reason the printer gave (`none` left out).
    pub reasons: Vec<String>,
}

impl PrinterStatus {
    pub fn from_reasons(reasons: Vec<String>) -> PrinterStatus {
        let has = |prefixes: &[&str]| {
            reasons
                .iter()
                .any(|r| prefixes.iter().any(|p| r.starts_with(p)))
        };
        PrinterStatus {
            paper_out: has(&["media-empty", "media-needed"]),
            head_open: has(&["cover-open", "door-open"]),
            reasons,
        }
    }
}

/// A printer as `GET /api/v1/print/printers` and the admin page show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PrinterView {
    pub name: String,
    pub kind: PrinterKind,
    pub address: String,
    /// Whether the printer answered its status request.
    pub reachable: bool,
    /// Its status, when it answered.
    pub status: Option<PrinterStatus>,
    /// Why there is no status.
    pub error: Option<String>,
}

/// Asks `printer` for its status (a short connection of its own).
pub fn probe(printer: &PrinterConfig) -> PrinterView {
    let status = match printer.kind {
        PrinterKind::Raw9100 => raw9100::status(&printer.address),
        PrinterKind::Ipp => printer
            .ipp_address()
            .map_err(|e| TransportError::Connect(e.to_string()))
            .and_then(|a| ipp::status(&a)),
    };
    let (status, error) = match status {
        Ok(s) => (Some(s), None),
        Err(e) => (None, Some(e.to_string())),
    };
    PrinterView {
        name: printer.name.clone(),
        kind: printer.kind,
        address: printer.address.clone(),
        reachable: status.is_some(),
        status,
        error,
    }
}

/// Sends `payload` to `printer` once.
pub fn send(printer: &PrinterConfig, job_name: &str, payload: &[u8]) -> Result<(), TransportError> {
    match printer.kind {
        PrinterKind::Raw9100 => raw9100::send(&printer.address, payload),
        PrinterKind::Ipp => {
            let address = printer
                .ipp_address()
                .map_err(|e| TransportError::Connect(e.to_string()))?;
            ipp::send(&address, job_name, payload)
        }
    }
}

/// The running workers; they stop when this is dropped.
pub struct PrintWorkers {
    stop: Arc<AtomicBool>,
}

impl Drop for PrintWorkers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Starts a worker for each configured printer, after queueing again the
/// jobs an earlier run left `sending`.
pub fn start(ctx: &Ctx) -> anyhow::Result<PrintWorkers> {
    let stop = Arc::new(AtomicBool::new(false));
    for printer in &ctx.config.printers {
        let recovered = queue::recover(ctx, &printer.name)?;
        if recovered > 0 {
            tracing::warn!(
                printer = %printer.name,
                jobs = recovered,
                "print jobs a stopped run was sending are queued again"
            );
        }
        let ctx = ctx.clone();
        let printer = printer.clone();
        let stop = stop.clone();
        std::thread::Builder::new()
            .name(format!("print-{}", printer.name))
            .spawn(move || run(&ctx, &printer, &stop))?;
    }
    Ok(PrintWorkers { stop })
}

fn run(ctx: &Ctx, printer: &PrinterConfig, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        match queue::claim(ctx, &printer.name, now()) {
            Ok(Some(job)) => {
                let outcome = attempt(ctx, printer, &job);
                match &outcome {
                    Outcome::Sent => {
                        tracing::info!(printer = %printer.name, job = job.id, "print job sent")
                    }
                    Outcome::Retry(e) | Outcome::Fail(e) => tracing::warn!(
                        printer = %printer.name, job = job.id, attempts = job.attempts, error = %e,
                        "print job not sent"
                    ),
                }
                if let Err(e) = queue::finish(ctx, &job, &outcome, now()) {
                    tracing::error!(printer = %printer.name, job = job.id, error = %e, "print job outcome not recorded");
                    std::thread::sleep(POLL);
                }
            }
            Ok(None) => std::thread::sleep(POLL),
            Err(e) => {
                tracing::error!(printer = %printer.name, error = %e, "the print queue cannot be read");
                std::thread::sleep(POLL * 4);
            }
        }
    }
}

/// One attempt at `job`: drawn first when an event made it, then sent.
fn attempt(ctx: &Ctx, printer: &PrinterConfig, job: &Claimed) -> Outcome {
    let payload = match &job.payload {
        Some(p) => p.clone(),
        None => {
            let drawn = queue::render(
                ctx,
                &Actor::system(),
                printer,
                job.document,
                &job.target,
                now(),
            );
            match drawn {
                Ok((media_type, payload)) => {
                    if let Err(e) = queue::keep_payload(ctx, job.id, media_type, &payload) {
                        return Outcome::Retry(e.to_string());
                    }
                    payload
                }
                Err(crate::actions::ActionError::Store(e)) => return Outcome::Retry(e.to_string()),
                Err(e) => return Outcome::Fail(e.message().render(crate::domain::Lang::Ja)),
            }
        }
    };
    match send(printer, &format!("kentai-{}", job.id), &payload) {
        Ok(()) => Outcome::Sent,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
