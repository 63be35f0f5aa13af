//! The print queue: documents sent to a `[[printer]]`, kept in
//! `print_jobs` so a job outlives a printer that is off and a server that
//! restarts.
//!
//! A person's request is rendered at once, as that person may see the
//! document, so what cannot be printed is refused before anything is
//! queued; the bytes are stored and every attempt sends the same ones. A
//! job an event makes (a tube registered, a package dispatched) is made in
//! the event's own transaction with a key that makes it once only, and
//! rendered by the printer's worker at its first attempt. The workers
//! (`crate::printing`) take due jobs, mark them `sending`, and end them
//! `sent`, queued again with a later attempt time, or `failed`.

use super::{audit, locations, packages, specimens, ActionError, Actor, Ctx};
use crate::barcode::classify::gs1_id_elements;
use crate::config::{PrintDocument, PrinterConfig, PrinterKind};
use crate::domain::messages::{InputMsg, RecordMsg};
use crate::domain::roles::Action;
use crate::domain::{Notice, RuleCode};
use crate::print::command_sheet;
use crate::print::location_label::{self, LocationLabel};
use crate::print::matrix::PrintError;
use crate::print::tube_label::{self, TubeGs1, TubeLabel};
use crate::store::schema::print_jobs;
use crate::store::DbConnection;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// The media type of what a label printer gets.
pub const ZPL: &str = "application/zpl";
/// The media type of what an IPP printer gets.
pub const PNG: &str = "image/png";

/// The most jobs `GET /api/v1/print/jobs` lists, newest first.
pub const LIST_LIMIT: i64 = 200;

/// The longest error text kept on a job.
const ERROR_MAX_CHARS: usize = 500;

/// `POST /api/v1/print`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrintRequest {
    /// A `[[printer]]`'s name.
    pub printer: String,
    pub document: PrintDocument,
    /// The tube's barcode, the location's code or the package's id; for
    /// `command_sheet` nothing on a label printer (every command, one
    /// label each) and the page number on an IPP printer (default 1).
    #[serde(default)]
    pub id: Option<String>,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its (next) attempt.
    Queued,
    /// Being sent now.
    Sending,
    /// The printer took the whole document.
    Sent,
    /// Given up after the last attempt, or not printable; retried only by
    /// hand.
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Sending => "sending",
            JobState::Sent => "sent",
            JobState::Failed => "failed",
        }
    }

    fn parse(code: &str) -> Result<JobState, ActionError> {
        [
            JobState::Queued,
            JobState::Sending,
            JobState::Sent,
            JobState::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == code)
        .ok_or_else(|| {
            ActionError::Store(crate::store::StoreError::Corrupt(format!(
                "print_jobs.state: {code:?} is not a job state"
            )))
        })
    }
}

/// What made a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// Someone asked for it (API or page).
    Request,
    /// A tube was registered (`on_register`).
    Register,
    /// A package was dispatched (`on_package`).
    Package,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Request => "request",
            Cause::Register => "register",
            Cause::Package => "package",
        }
    }
}

/// A job as the API and the admin page show it (never its bytes).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PrintJobView {
    pub id: i64,
    pub printer: String,
    /// `tube_label`, `location_label`, `package_label`, `slip` or
    /// `command_sheet`.
    pub document: String,
    /// The document's id (empty for the whole command sheet).
    pub target: String,
    /// `request`, `register` or `package`.
    pub cause: String,
    pub state: JobState,
    /// Attempts made so far.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// What the printer gets (`application/zpl` or `image/png`); `null`
    /// until an event's job is rendered.
    pub media_type: Option<String>,
    pub created_at: DateTime<FixedOffset>,
    /// When the next attempt is due (while queued).
    pub next_attempt_at: DateTime<FixedOffset>,
    pub sent_at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = print_jobs)]
struct JobRow {
    id: i64,
    printer: String,
    document: String,
    target: String,
    cause: String,
    state: String,
    media_type: Option<String>,
    attempts: i32,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    next_attempt_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = print_jobs)]
struct NewJob<'a> {
    facility_code: &'a str,
    printer: &'a str,
    document: &'a str,
    target: &'a str,
    cause: &'a str,
    dedupe_key: Option<String>,
    state: &'a str,
    media_type: Option<&'a str>,
    payload: Option<&'a [u8]>,
    attempts: i32,
    created_at: NaiveDateTime,
    created_by: i64,
    next_attempt_at: NaiveDateTime,
}

fn load_job(c: &mut DbConnection, id: i64) -> QueryResult<JobRow> {
    print_jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(c)
}

fn view(ctx: &Ctx, row: JobRow) -> Result<PrintJobView, ActionError> {
    Ok(PrintJobView {
        id: row.id,
        state: JobState::parse(&row.state)?,
        printer: row.printer,
        document: row.document,
        target: row.target,
        cause: row.cause,
        attempts: row.attempts,
        last_error: row.last_error,
        media_type: row.media_type,
        created_at: ctx.site_time(row.created_at),
        next_attempt_at: ctx.site_time(row.next_attempt_at),
        sent_at: row.sent_at.map(|t| ctx.site_time(t)),
    })
}

/// The configured printer of this name (404 `unknown_printer`).
pub fn printer<'a>(ctx: &'a Ctx, name: &str) -> Result<&'a PrinterConfig, ActionError> {
    ctx.config
        .printers
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| {
            ActionError::NotFound(Notice::new(
                RuleCode::UnknownPrinter,
                RecordMsg::NoPrinter {
                    name: name.to_string(),
                },
            ))
        })
}

/// The label of specimen `id` as `actor` may see it: GS1 when the id is a
/// tube's element string (`(8018)…(8019)…` or `(8004)…`, valid), plain
/// otherwise, with the patient's number and kana, the specimen type, the
/// collection date and the site's name.
pub fn tube_label(
    ctx: &Ctx,
    actor: &Actor,
    id: &str,
    code128: bool,
) -> Result<TubeLabel, ActionError> {
    actor.require(Action::ReadSpecimens)?;
    let view = specimens::get(ctx, actor, id)?;
    let gs1 = gs1_id_elements(&view.specimen_id).and_then(|e| TubeGs1::from_elements(&e));
    Ok(TubeLabel {
        gs1,
        patient_id: view.patient.patient_id,
        patient_name_kana: view.patient.name_kana,
        specimen_type_ja: Some(view.type_label_ja.to_string()),
        collected_on: Some(view.collection_date),
        facility: ctx.config.site.facility_name.clone(),
        code128,
        specimen_id: view.specimen_id,
    })
}

/// A drawing that failed: the data's problem (400), or kentai's when an
/// encoder fails.
fn print_error(e: PrintError) -> ActionError {
    match e {
        PrintError::Encoder(_) | PrintError::Png(_) => ActionError::Internal(e.to_string()),
        other => ActionError::invalid(InputMsg::CannotPrint {
            detail: other.to_string(),
        }),
    }
}

/// The refusal of a document the printer's kind cannot print.
fn not_printable(document: PrintDocument, printer: &PrinterConfig) -> ActionError {
    ActionError::Refused {
        refusals: vec![Notice::new(
            RuleCode::NotPrintableHere,
            RecordMsg::NotPrintableOn {
                document: document.as_str().to_string(),
                printer: printer.name.clone(),
                kind: printer.kind.as_str().to_string(),
            },
        )],
        overridable: false,
    }
}

/// The id a document needs, checked for presence.
fn needs_id(document: PrintDocument, id: Option<&str>) -> Result<String, ActionError> {
    match (document, id) {
        (PrintDocument::CommandSheet, id) => Ok(id.unwrap_or_default().to_string()),
        (_, Some(id)) if !id.trim().is_empty() => Ok(id.to_string()),
        _ => Err(ActionError::invalid(InputMsg::FieldEmpty {
            field: "id".into(),
        })),
    }
}

/// `document` `target` drawn for `printer` as `actor` may see it: its
/// media type and bytes.
pub fn render(
    ctx: &Ctx,
    actor: &Actor,
    printer: &PrinterConfig,
    document: PrintDocument,
    target: &str,
    now: DateTime<Utc>,
) -> Result<(&'static str, Vec<u8>), ActionError> {
    if !document.printable_on(printer.kind) {
        return Err(not_printable(document, printer));
    }
    let zpl = printer.kind == PrinterKind::Raw9100;
    let dpi = printer.dpi;
    let drawn = match document {
        PrintDocument::TubeLabel => {
            let label = tube_label(ctx, actor, target, false)?;
            if zpl {
                (
                    ZPL,
                    tube_label::zpl(&label).map_err(print_error)?.into_bytes(),
                )
            } else {
                (PNG, tube_label::png(&label, dpi).map_err(print_error)?)
            }
        }
        PrintDocument::LocationLabel => {
            let view = locations::get(ctx, actor, target)?;
            let label = LocationLabel {
                code: view.code,
                name: view.name,
                storage_class: view.storage_class,
            };
            if zpl {
                (
                    ZPL,
                    location_label::zpl(&label)
                        .map_err(print_error)?
                        .into_bytes(),
                )
            } else {
                (PNG, location_label::png(&label, dpi).map_err(print_error)?)
            }
        }
        PrintDocument::PackageLabel => {
            let label = packages::label(ctx, actor, target, now)?;
            (ZPL, crate::print::label::zpl(&label).into_bytes())
        }
        PrintDocument::CommandSheet => {
            actor.require(Action::PackSpecimens)?;
            if zpl {
                if !target.is_empty() {
                    return Err(ActionError::invalid(InputMsg::PageOnlyForImages));
                }
                (ZPL, command_sheet::zpl().map_err(print_error)?.into_bytes())
            } else {
                let page = match target {
                    "" => 1,
                    page => page.parse::<usize>().map_err(|_| {
                        print_error(PrintError::NoSuchPage {
                            page: 0,
                            pages: command_sheet::page_count(),
                        })
                    })?,
                };
                (PNG, command_sheet::png(page, dpi).map_err(print_error)?)
            }
        }
        PrintDocument::Slip => return Err(not_printable(document, printer)),
    };
    Ok(drawn)
}

/// Queues `req` for its printer: 202 with the job. The document is drawn
/// now, as the asking person may see it; a printer kentai does not know
/// (404), a document it cannot print (422 `not_printable_here`) or cannot
/// be drawn (400, 404) is refused and nothing is queued.
pub fn request(
    ctx: &Ctx,
    actor: &Actor,
    req: &PrintRequest,
    now: DateTime<Utc>,
) -> Result<PrintJobView, ActionError> {
    actor.require(Action::Print)?;
    let printer = printer(ctx, &req.printer)?;
    let target = needs_id(req.document, req.id.as_deref())?;
    let (media_type, payload) = render(ctx, actor, printer, req.document, &target, now)?;
    let at = now.naive_utc();
    let new = NewJob {
        facility_code: ctx.facility(),
        printer: &printer.name,
        document: req.document.as_str(),
        target: &target,
        cause: Cause::Request.as_str(),
        dedupe_key: None,
        state: JobState::Queued.as_str(),
        media_type: Some(media_type),
        payload: Some(&payload),
        attempts: 0,
        created_at: at,
        created_by: actor.user_ref(),
        next_attempt_at: at,
    };
    let row = ctx.write(|c| {
        let id: i64 = diesel::insert_into(print_jobs::table)
            .values(&new)
            .returning(print_jobs::id)
            .get_result(c)?;
        let row = load_job(c, id)?;
        let after = serde_json::json!({
            "printer": row.printer, "document": row.document, "target": row.target,
        });
        audit::record::<(), _>(
            c,
            actor,
            now,
            "print.request",
            ("print_job", &row.id.to_string()),
            None,
            Some(&after),
        )?;
        Ok(row)
    })?;
    view(ctx, row)
}

/// Queues, inside the transaction of the event itself, `document`
/// `target` on every printer configured to print it for `cause`. The
/// key `cause:printer:document:target` makes each once only: an event
/// repeated (a registration re-posted, a retried transaction) finds its
/// job made and makes none. Rendering waits for the worker.
pub fn queue_for_event(
    ctx: &Ctx,
    c: &mut DbConnection,
    cause: Cause,
    document: PrintDocument,
    target: &str,
    now: DateTime<Utc>,
) -> Result<(), ActionError> {
    let at = now.naive_utc();
    for printer in &ctx.config.printers {
        let wanted = match cause {
            Cause::Register => printer.on_register,
            Cause::Package => printer.on_package,
            Cause::Request => None,
        };
        if wanted != Some(document) {
            continue;
        }
        let key = format!(
            "{}:{}:{}:{}:{}",
            ctx.facility(),
            cause.as_str(),
            printer.name,
            document.as_str(),
            target
        );
        let made: i64 = print_jobs::table
            .filter(print_jobs::dedupe_key.eq(&key))
            .count()
            .get_result(c)?;
        if made > 0 {
            continue;
        }
        diesel::insert_into(print_jobs::table)
            .values(&NewJob {
                facility_code: ctx.facility(),
                printer: &printer.name,
                document: document.as_str(),
                target,
                cause: cause.as_str(),
                dedupe_key: Some(key),
                state: JobState::Queued.as_str(),
                media_type: None,
                payload: None,
                attempts: 0,
                created_at: at,
                created_by: 0,
                next_attempt_at: at,
            })
            .execute(c)?;
    }
    Ok(())
}

/// This facility's print jobs, newest first (at most [`LIST_LIMIT`]).
pub fn list(ctx: &Ctx, actor: &Actor) -> Result<Vec<PrintJobView>, ActionError> {
    actor.require(Action::Print)?;
    let rows: Vec<JobRow> = ctx.store.read(|c| {
        print_jobs::table
            .filter(print_jobs::facility_code.eq(ctx.facility()))
            .order(print_jobs::id.desc())
            .limit(LIST_LIMIT)
            .select(JobRow::as_select())
            .load(c)
            .map_err(crate::store::StoreError::from)
    })?;
    rows.into_iter().map(|r| view(ctx, r)).collect()
}

/// Queues a job again now with its attempts counted from zero: a
/// `failed` one, or a `queued` one waiting out its back-off. A job sent
/// or being sent is answered as it is, unchanged: it needs no retry.
pub fn retry(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<PrintJobView, ActionError> {
    actor.require(Action::Print)?;
    let at = now.naive_utc();
    let row = ctx.write(|c| {
        let row: Option<JobRow> = print_jobs::table
            .filter(print_jobs::facility_code.eq(ctx.facility()))
            .filter(print_jobs::id.eq(id))
            .select(JobRow::as_select())
            .first(c)
            .optional()?;
        let Some(row) = row else {
            return Err(ActionError::NotFound(Notice::new(
                RuleCode::UnknownPrintJob,
                RecordMsg::NoPrintJob { id: id.to_string() },
            )));
        };
        let state = JobState::parse(&row.state)?;
        if !matches!(state, JobState::Failed | JobState::Queued) {
            return Ok(row);
        }
        diesel::update(print_jobs::table.find(id))
            .set((
                print_jobs::state.eq(JobState::Queued.as_str()),
                print_jobs::attempts.eq(0),
                print_jobs::next_attempt_at.eq(at),
            ))
            .execute(c)?;
        let row = load_job(c, id)?;
        audit::record::<(), _>(
            c,
            actor,
            now,
            "print.retry",
            ("print_job", &id.to_string()),
            None,
            Some(&serde_json::json!({"printer": row.printer, "document": row.document})),
        )?;
        Ok(row)
    })?;
    view(ctx, row)
}

/// A job a worker took: what to send.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub document: PrintDocument,
    pub target: String,
    /// The bytes to send; `None` for an event's job not yet drawn.
    pub payload: Option<Vec<u8>>,
    /// Attempts including this one.
    pub attempts: i32,
}

/// Queues again the jobs of `printer` a stopped process left `sending`:
/// whether the printer got them is unknown, and a label printed twice is
/// better than one never printed. Returns how many.
pub fn recover(ctx: &Ctx, printer: &str) -> Result<usize, ActionError> {
    ctx.write(|c| {
        Ok(diesel::update(
            print_jobs::table
                .filter(print_jobs::facility_code.eq(ctx.facility()))
                .filter(print_jobs::printer.eq(printer))
                .filter(print_jobs::state.eq(JobState::Sending.as_str())),
        )
        .set(print_jobs::state.eq(JobState::Queued.as_str()))
        .execute(c)?)
    })
}

/// A due job's id, document, target, bytes (if drawn) and attempts.
type DueRow = (i64, String, String, Option<Vec<u8>>, i32);

/// Takes the oldest due job of `printer`, marked `sending` with one more
/// attempt, or `None` when none is due.
pub fn claim(ctx: &Ctx, printer: &str, now: DateTime<Utc>) -> Result<Option<Claimed>, ActionError> {
    let at = now.naive_utc();
    ctx.write(|c| {
        let due: Option<DueRow> = print_jobs::table
            .filter(print_jobs::facility_code.eq(ctx.facility()))
            .filter(print_jobs::printer.eq(printer))
            .filter(print_jobs::state.eq(JobState::Queued.as_str()))
            .filter(print_jobs::next_attempt_at.le(at))
            .order(print_jobs::id.asc())
            .select((
                print_jobs::id,
                print_jobs::document,
                print_jobs::target,
                print_jobs::payload,
                print_jobs::attempts,
            ))
            .first(c)
            .optional()?;
        let Some((id, document, target, payload, attempts)) = due else {
            return Ok(None);
        };
        let taken = diesel::update(
            print_jobs::table
                .find(id)
                .filter(print_jobs::state.eq(JobState::Queued.as_str())),
        )
        .set((
            print_jobs::state.eq(JobState::Sending.as_str()),
            print_jobs::attempts.eq(attempts + 1),
        ))
        .execute(c)?;
        if taken == 0 {
            return Ok(None);
        }
        let document = PrintDocument::from_code(&document).ok_or_else(|| {
            ActionError::Store(crate::store::StoreError::Corrupt(format!(
                "print_jobs row {id}: {document:?} is not a document"
            )))
        })?;
        Ok(Some(Claimed {
            id,
            document,
            target,
            payload,
            attempts: attempts + 1,
        }))
    })
}

/// Keeps the bytes drawn for an event's job, so every later attempt
/// sends the same ones.
pub fn keep_payload(
    ctx: &Ctx,
    id: i64,
    media_type: &str,
    payload: &[u8],
) -> Result<(), ActionError> {
    ctx.write(|c| {
        diesel::update(print_jobs::table.find(id))
            .set((
                print_jobs::media_type.eq(media_type),
                print_jobs::payload.eq(payload),
            ))
            .execute(c)?;
        Ok(())
    })
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Sent,
    /// Worth another attempt (the printer is off, busy, out of paper).
    Retry(String),
    /// Never printable (the tube is gone, the document does not suit the
    /// printer): failed at once.
    Fail(String),
}

fn clip(error: &str) -> String {
    error.chars().take(ERROR_MAX_CHARS).collect()
}

/// Records how the attempt at `job` ended: `sent`; queued again after the
/// back-off for its attempt count; or `failed` after the last attempt.
pub fn finish(
    ctx: &Ctx,
    job: &Claimed,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<(), ActionError> {
    let at = now.naive_utc();
    let printing = &ctx.config.printing;
    let attempts = u32::try_from(job.attempts).unwrap_or(u32::MAX);
    ctx.write(|c| {
        let target = print_jobs::table.find(job.id);
        match outcome {
            Outcome::Sent => diesel::update(target)
                .set((
                    print_jobs::state.eq(JobState::Sent.as_str()),
                    print_jobs::sent_at.eq(Some(at)),
                ))
                .execute(c)?,
            Outcome::Retry(error) if attempts < printing.max_attempts => {
                let wait = chrono::Duration::from_std(printing.backoff(attempts))
                    .unwrap_or(chrono::Duration::seconds(300));
                diesel::update(target)
                    .set((
                        print_jobs::state.eq(JobState::Queued.as_str()),
                        print_jobs::last_error.eq(Some(clip(error))),
                        print_jobs::next_attempt_at.eq(at + wait),
                    ))
                    .execute(c)?
            }
            Outcome::Retry(error) | Outcome::Fail(error) => diesel::update(target)
                .set((
                    print_jobs::state.eq(JobState::Failed.as_str()),
                    print_jobs::last_error.eq(Some(clip(error))),
                ))
                .execute(c)?,
        };
        Ok(())
    })
}
