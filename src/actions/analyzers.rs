//! Results an analyser sends itself: its messages journalled before they
//! are acknowledged, then each specimen's observations read through the
//! analyser's code map and recorded through the one door results take
//! ([`super::results`]), or kept waiting for a person.
//!
//! A message is a row of `analyzer_messages` from the moment it arrives
//! (an ASTM transfer grows record by record, each committed before its
//! frame is acknowledged); its processing sets `processed_at` in the same
//! transaction as its results, so after a crash the rows still unprocessed
//! are exactly the messages that had no effect, and a message sent again
//! (the same bytes) is the same row, processed once.
//!
//! What a message says of a specimen kentai cannot record (a specimen it
//! does not know, words it cannot read, a result the rules refuse, such
//! as a changed result without a correction) waits in the analyser queue
//! until a lab user links it to a specimen or discards it with a reason.

use super::results::{enter, Entry};
use super::views::user_names;
use super::{audit, check_text, naive, now, to_json, ActionError, Actor, Ctx};
use crate::config::AnalyzerConfig;
use crate::domain::analyzer::{Observation, Reading};
use crate::domain::messages::RecordMsg;
use crate::domain::roles::Action;
use crate::domain::{Notice, RuleCode};
use crate::store::models::{AnalyzerMessageRow, AnalyzerResultRow, SpecimenRow};
use crate::store::schema::{analyzer_messages, analyzer_results, specimens};
use crate::store::DbConnection;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The protocol a message came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Astm,
    Hl7,
}

impl Protocol {
    pub fn code(self) -> &'static str {
        match self {
            Protocol::Astm => "astm",
            Protocol::Hl7 => "hl7",
        }
    }
}

/// What became of one specimen's observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Recorded as a result version (or the standing one repeated).
    Recorded,
    /// For a specimen kentai does not know: waits to be linked.
    Unmatched,
    /// No result could be read from the observations: waits.
    Unread,
    /// The result rules refused it (a changed result without a
    /// correction, a time before collection): waits.
    Refused,
    /// A person linked it to a specimen and it was recorded.
    Linked,
    /// A person discarded it, with a reason.
    Discarded,
}

impl Disposition {
    pub const WAITING: [Disposition; 3] = [
        Disposition::Unmatched,
        Disposition::Unread,
        Disposition::Refused,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Disposition::Recorded => "recorded",
            Disposition::Unmatched => "unmatched",
            Disposition::Unread => "unread",
            Disposition::Refused => "refused",
            Disposition::Linked => "linked",
            Disposition::Discarded => "discarded",
        }
    }

    pub fn from_code(code: &str) -> Option<Disposition> {
        [
            Disposition::Recorded,
            Disposition::Unmatched,
            Disposition::Unread,
            Disposition::Refused,
            Disposition::Linked,
            Disposition::Discarded,
        ]
        .into_iter()
        .find(|d| d.code() == code)
    }

    pub fn is_waiting(self) -> bool {
        Disposition::WAITING.contains(&self)
    }
}

/// One specimen's observations in a message, as the protocol's parser
/// found them.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecimenReport {
    pub specimen_id: String,
    pub observations: Vec<Observation>,
    /// When the analyser finished the test, when it says.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A message in the journal: its row, and whether the same bytes were
/// journalled before (a repeat, to acknowledge and not process again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Journalled {
    pub id: i64,
    pub repeat: bool,
}

fn digest(raw: &[u8]) -> String {
    hex::encode(Sha256::digest(raw))
}

/// The digest of a transfer still arriving: unique, and never a SHA-256.
fn open_digest() -> String {
    format!("open:{}", crate::tokens::random_hex())
}

fn is_open(row: &AnalyzerMessageRow) -> bool {
    row.digest.starts_with("open:")
}

/// The row of a message already journalled with these bytes.
fn same_message(
    ctx: &Ctx,
    c: &mut DbConnection,
    analyzer: &str,
    digest: &str,
) -> Result<Option<i64>, ActionError> {
    Ok(analyzer_messages::table
        .filter(analyzer_messages::facility_code.eq(ctx.facility()))
        .filter(analyzer_messages::analyzer.eq(analyzer))
        .filter(analyzer_messages::digest.eq(digest))
        .select(analyzer_messages::id)
        .first(c)
        .optional()?)
}

/// Journals a whole message (HL7): durable when this returns.
pub fn journal(
    ctx: &Ctx,
    analyzer: &str,
    protocol: Protocol,
    raw: &[u8],
    control_id: Option<&str>,
    received_at: DateTime<Utc>,
) -> Result<Journalled, ActionError> {
    let digest = digest(raw);
    ctx.write(|c| {
        if let Some(id) = same_message(ctx, c, analyzer, &digest)? {
            return Ok(Journalled { id, repeat: true });
        }
        let id = insert_message(
            ctx,
            c,
            analyzer,
            protocol,
            raw,
            &digest,
            control_id,
            received_at,
        )?;
        Ok(Journalled { id, repeat: false })
    })
}

#[allow(clippy::too_many_arguments)]
fn insert_message(
    ctx: &Ctx,
    c: &mut DbConnection,
    analyzer: &str,
    protocol: Protocol,
    raw: &[u8],
    digest: &str,
    control_id: Option<&str>,
    received_at: DateTime<Utc>,
) -> Result<i64, ActionError> {
    let row = AnalyzerMessageRow {
        id: 0,
        facility_code: ctx.facility().to_string(),
        analyzer: analyzer.to_string(),
        protocol: protocol.code().to_string(),
        raw: raw.to_vec(),
        digest: digest.to_string(),
        control_id: control_id.map(str::to_string),
        received_at: naive(received_at),
        processed_at: None,
        outcome: None,
    };
    Ok(diesel::insert_into(analyzer_messages::table)
        .values(&row)
        .returning(analyzer_messages::id)
        .get_result(c)?)
}

/// Starts journalling an ASTM transfer with its first record (CR ended).
pub fn open_transfer(
    ctx: &Ctx,
    analyzer: &str,
    record: &[u8],
    received_at: DateTime<Utc>,
) -> Result<i64, ActionError> {
    let digest = open_digest();
    ctx.write(|c| {
        insert_message(
            ctx,
            c,
            analyzer,
            Protocol::Astm,
            record,
            &digest,
            None,
            received_at,
        )
    })
}

/// Adds a record (CR ended) to a transfer being journalled.
pub fn append_record(ctx: &Ctx, id: i64, record: &[u8]) -> Result<(), ActionError> {
    ctx.write(|c| {
        let mut raw: Vec<u8> = analyzer_messages::table
            .find(id)
            .select(analyzer_messages::raw)
            .first(c)?;
        raw.extend_from_slice(record);
        diesel::update(analyzer_messages::table.find(id))
            .set(analyzer_messages::raw.eq(raw))
            .execute(c)?;
        Ok(())
    })
}

/// Ends a transfer whose records all arrived: it becomes a message like
/// any other, or, when the same bytes were journalled before, that one.
pub fn close_transfer(ctx: &Ctx, analyzer: &str, id: i64) -> Result<Journalled, ActionError> {
    ctx.write(|c| {
        let raw: Vec<u8> = analyzer_messages::table
            .find(id)
            .select(analyzer_messages::raw)
            .first(c)?;
        let digest = digest(&raw);
        if let Some(earlier) = same_message(ctx, c, analyzer, &digest)? {
            diesel::delete(analyzer_messages::table.find(id)).execute(c)?;
            return Ok(Journalled {
                id: earlier,
                repeat: true,
            });
        }
        diesel::update(analyzer_messages::table.find(id))
            .set(analyzer_messages::digest.eq(&digest))
            .execute(c)?;
        Ok(Journalled { id, repeat: false })
    })
}

/// Ends a transfer that broke off (a timeout, the analyser gave up): kept
/// in the log, never processed; the analyser sends the message again.
pub fn abort_transfer(ctx: &Ctx, id: i64, why: &str) -> Result<(), ActionError> {
    let outcome = MessageOutcome {
        aborted: Some(why.to_string()),
        ..MessageOutcome::default()
    };
    ctx.write(|c| {
        diesel::update(analyzer_messages::table.find(id))
            .set((
                analyzer_messages::processed_at.eq(Some(naive(now()))),
                analyzer_messages::outcome.eq(Some(to_json(&outcome))),
            ))
            .execute(c)?;
        Ok(())
    })
}

/// Messages journalled and not yet processed, oldest first: whole
/// messages to process, and transfers that were still arriving when
/// kentai stopped (their analyser may have sent them whole).
pub fn unprocessed(ctx: &Ctx, analyzer: &str) -> Result<Vec<AnalyzerMessageRow>, ActionError> {
    ctx.store.read(|c| {
        analyzer_messages::table
            .filter(analyzer_messages::facility_code.eq(ctx.facility()))
            .filter(analyzer_messages::analyzer.eq(analyzer))
            .filter(analyzer_messages::processed_at.is_null())
            .order(analyzer_messages::id)
            .select(AnalyzerMessageRow::as_select())
            .load(c)
            .map_err(ActionError::from)
    })
}

/// Whether a journalled row is a transfer still open.
pub fn is_open_transfer(row: &AnalyzerMessageRow) -> bool {
    is_open(row)
}

/// What processing a message did, as the log shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MessageOutcome {
    pub recorded: usize,
    pub waiting: usize,
    /// Why the message gave no specimens: it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A transfer that broke off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
}

/// Processes a journalled message whose specimens the protocol's parser
/// found (or the reason it found none), in one transaction with its
/// results. A message processed before is left as it is.
pub fn process(
    ctx: &Ctx,
    analyzer: &AnalyzerConfig,
    actor: &Actor,
    message_id: i64,
    reports: Result<Vec<SpecimenReport>, String>,
) -> Result<MessageOutcome, ActionError> {
    let at = now();
    ctx.write(|c| {
        let message: AnalyzerMessageRow = analyzer_messages::table
            .find(message_id)
            .select(AnalyzerMessageRow::as_select())
            .first(c)?;
        if message.processed_at.is_some() {
            let outcome = message
                .outcome
                .as_deref()
                .and_then(|o| serde_json::from_str(o).ok())
                .unwrap_or_default();
            return Ok(outcome);
        }
        let mut outcome = MessageOutcome::default();
        match &reports {
            Err(error) => outcome.error = Some(error.clone()),
            Ok(reports) => {
                for report in reports {
                    let disposition = settle(ctx, c, analyzer, actor, &message, report, at)?;
                    match disposition {
                        Disposition::Recorded => outcome.recorded += 1,
                        _ => outcome.waiting += 1,
                    }
                }
            }
        }
        diesel::update(analyzer_messages::table.find(message_id))
            .set((
                analyzer_messages::processed_at.eq(Some(naive(at))),
                analyzer_messages::outcome.eq(Some(to_json(&outcome))),
            ))
            .execute(c)?;
        Ok(outcome)
    })
}

/// Reads and records one specimen's observations, keeping a row of what
/// became of them.
fn settle(
    ctx: &Ctx,
    c: &mut DbConnection,
    analyzer: &AnalyzerConfig,
    actor: &Actor,
    message: &AnalyzerMessageRow,
    report: &SpecimenReport,
    at: DateTime<Utc>,
) -> Result<Disposition, ActionError> {
    let reading = analyzer.codes.read(&report.observations);
    let resulted_at = report
        .completed_at
        .unwrap_or_else(|| message.received_at.and_utc());
    let (disposition, result_id, note) = decide(
        ctx,
        c,
        (analyzer, actor),
        &report.specimen_id,
        &reading,
        (resulted_at, at),
    )?;
    let row = AnalyzerResultRow {
        id: 0,
        message_id: message.id,
        facility_code: ctx.facility().to_string(),
        analyzer: analyzer.name().to_string(),
        specimen_id: report.specimen_id.clone(),
        observations: to_json(&report.observations),
        reading: to_json(&reading),
        completed_at: report.completed_at.map(naive),
        state: disposition.code().to_string(),
        result_id,
        note,
        resolved_by: None,
        resolved_at: None,
        reason: None,
    };
    diesel::insert_into(analyzer_results::table)
        .values(&row)
        .execute(c)?;
    Ok(disposition)
}

/// What becomes of a specimen's reading: recorded, or why it waits.
fn decide(
    ctx: &Ctx,
    c: &mut DbConnection,
    (analyzer, actor): (&AnalyzerConfig, &Actor),
    specimen_id: &str,
    reading: &Reading,
    (resulted_at, at): (DateTime<Utc>, DateTime<Utc>),
) -> Result<(Disposition, Option<i64>, Option<String>), ActionError> {
    let specimen = find_specimen(ctx, c, specimen_id)?;
    Ok(match (&specimen, reading.result) {
        (None, _) => (Disposition::Unmatched, None, unread_note(reading)),
        (Some(_), None) => (Disposition::Unread, None, unread_note(reading)),
        (Some(specimen), Some(_)) => {
            match record(
                ctx,
                c,
                actor,
                analyzer.name(),
                specimen,
                reading,
                resulted_at,
                at,
            )? {
                Ok(result_id) => (Disposition::Recorded, Some(result_id), None),
                Err(code) => (Disposition::Refused, None, Some(code)),
            }
        }
    })
}

/// What a second reading of the queue did.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Reread {
    /// Results recorded now.
    pub recorded: usize,
    /// Results still waiting.
    pub waiting: i64,
}

/// Reads the waiting results again with the analysers' settings as they
/// are now (a test code or a word added to `[[analyzer]]`, a specimen
/// registered since): what can be recorded now is; the rest keeps
/// waiting with its reason brought up to date. The number recorded.
pub fn reread(ctx: &Ctx, actor: &Actor) -> Result<usize, ActionError> {
    actor.require(Action::RecordResult)?;
    let at = now();
    let states: Vec<&str> = Disposition::WAITING.iter().map(|d| d.code()).collect();
    ctx.write(|c| {
        let rows: Vec<(AnalyzerResultRow, NaiveDateTime)> = analyzer_results::table
            .inner_join(analyzer_messages::table)
            .filter(analyzer_results::facility_code.eq(ctx.facility()))
            .filter(analyzer_results::state.eq_any(&states))
            .order(analyzer_results::id)
            .select((
                AnalyzerResultRow::as_select(),
                analyzer_messages::received_at,
            ))
            .load(c)?;
        let waiting = rows.len();
        let mut recorded = Vec::new();
        for (row, received_at) in rows {
            let Some(analyzer) = ctx
                .config
                .analyzers
                .iter()
                .find(|a| a.name() == row.analyzer)
            else {
                continue;
            };
            let observations: Vec<Observation> = stored(row.id, "observations", &row.observations)?;
            let reading = analyzer.codes.read(&observations);
            let resulted_at = row.completed_at.unwrap_or(received_at).and_utc();
            let (disposition, result_id, note) = decide(
                ctx,
                c,
                (analyzer, actor),
                &row.specimen_id,
                &reading,
                (resulted_at, at),
            )?;
            if disposition == Disposition::Recorded {
                recorded.push(row.id);
            }
            diesel::update(analyzer_results::table.find(row.id))
                .set((
                    analyzer_results::state.eq(disposition.code()),
                    analyzer_results::result_id.eq(result_id),
                    analyzer_results::note.eq(note),
                    analyzer_results::reading.eq(to_json(&reading)),
                ))
                .execute(c)?;
        }
        // Who asked for the second reading, and what it recorded.
        audit::record(
            c,
            actor,
            at,
            "analyzer_result.reread",
            ("analyzer_results", "waiting"),
            Some(&serde_json::json!({ "waiting": waiting })),
            Some(&serde_json::json!({ "recorded": recorded })),
        )?;
        Ok(recorded.len())
    })
}

fn find_specimen(
    ctx: &Ctx,
    c: &mut DbConnection,
    specimen_id: &str,
) -> Result<Option<SpecimenRow>, ActionError> {
    Ok(specimens::table
        .find(specimen_id.trim())
        .filter(specimens::facility_code.eq(ctx.facility()))
        .select(SpecimenRow::as_select())
        .first(c)
        .optional()?)
}

/// Why no result was read, as the codes of the queue's note.
fn unread_note(reading: &Reading) -> Option<String> {
    if reading.conflicting {
        return Some("conflicting".into());
    }
    let whys: Vec<&str> = reading
        .unread
        .iter()
        .map(|u| match u {
            crate::domain::analyzer::Unread::UnknownCode { .. } => "unknown_code",
            crate::domain::analyzer::Unread::UnknownValue { .. } => "unknown_value",
            crate::domain::analyzer::Unread::NotACt { .. } => "not_a_ct",
            crate::domain::analyzer::Unread::NotFinal { .. } => "not_final",
        })
        .collect();
    (!whys.is_empty()).then(|| whys.join(","))
}

/// The result a reading gives, on its way through the results door.
fn entry(reading: &Reading, resulted_at: DateTime<Utc>, reason: Option<String>) -> Option<Entry> {
    Some(Entry {
        method: reading.method,
        ct: (!reading.ct.is_empty()).then(|| reading.ct.clone()),
        interpretation: reading.interpretation.clone(),
        reason,
        ..Entry::new(reading.result?, resulted_at)
    })
}

/// Records a reading's result through the results door: the result
/// version's id, or the code of the rule that refused it.
#[allow(clippy::too_many_arguments)]
fn record(
    ctx: &Ctx,
    c: &mut DbConnection,
    actor: &Actor,
    analyzer: &str,
    specimen: &SpecimenRow,
    reading: &Reading,
    resulted_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<Result<i64, String>, ActionError> {
    let reason = reading
        .corrected
        .then(|| format!("分析装置 {analyzer} が訂正した結果"));
    let Some(entry) = entry(reading, resulted_at, reason) else {
        return Ok(Err("unread".into()));
    };
    match enter(ctx, c, actor, specimen, &entry, at) {
        Ok((row, _)) => Ok(Ok(row.id)),
        Err(ActionError::Refused { refusals, .. }) => Ok(Err(refusals
            .iter()
            .map(|n| n.code.as_str().to_string())
            .collect::<Vec<_>>()
            .join(","))),
        Err(ActionError::Invalid(n)) | Err(ActionError::Conflict(n)) => {
            Ok(Err(n.code.as_str().to_string()))
        }
        Err(e) => Err(e),
    }
}

/// One row of the analyser queue and log.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AnalyzerResultView {
    pub id: i64,
    pub analyzer: String,
    pub message_id: i64,
    /// The specimen id as the analyser sent it.
    pub specimen_id: String,
    pub state: Disposition,
    pub observations: Vec<Observation>,
    pub reading: Reading,
    pub completed_at: Option<DateTime<Utc>>,
    /// The result version recorded from it.
    pub result_id: Option<i64>,
    /// Why it waits: rule codes, or what could not be read.
    pub note: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Why it was discarded, or what it was linked to.
    pub reason: Option<String>,
}

/// A JSON cell of `analyzer_results`; one that does not read is an
/// error naming the row.
fn stored<T: serde::de::DeserializeOwned>(
    id: i64,
    column: &'static str,
    text: &str,
) -> Result<T, ActionError> {
    let row = id.to_string();
    Ok(crate::store::codes::read_json(
        crate::store::codes::Cell {
            table: "analyzer_results",
            row: &row,
            column,
        },
        text,
    )?)
}

fn result_view(
    row: AnalyzerResultRow,
    names: &std::collections::HashMap<i64, String>,
) -> Result<AnalyzerResultView, ActionError> {
    let key = row.id.to_string();
    let state = Disposition::from_code(&row.state).ok_or_else(|| {
        crate::store::StoreError::Corrupt(format!(
            "analyzer_results row {key}: {:?} is not a disposition",
            row.state
        ))
    })?;
    Ok(AnalyzerResultView {
        id: row.id,
        analyzer: row.analyzer.clone(),
        message_id: row.message_id,
        specimen_id: row.specimen_id.clone(),
        state,
        observations: stored(row.id, "observations", &row.observations)?,
        reading: stored(row.id, "reading", &row.reading)?,
        completed_at: row.completed_at.map(|t| t.and_utc()),
        result_id: row.result_id,
        note: row.note,
        resolved_by: row.resolved_by.and_then(|id| names.get(&id).cloned()),
        resolved_at: row.resolved_at.map(|t| t.and_utc()),
        reason: row.reason,
    })
}

fn views(
    c: &mut DbConnection,
    rows: Vec<AnalyzerResultRow>,
) -> Result<Vec<AnalyzerResultView>, ActionError> {
    let names = user_names(c, rows.iter().filter_map(|r| r.resolved_by).collect())?;
    rows.into_iter().map(|r| result_view(r, &names)).collect()
}

/// How many results wait for a person: the count the desks show.
pub fn waiting_count(ctx: &Ctx, actor: &Actor) -> Result<i64, ActionError> {
    actor.require(Action::ReadSpecimens)?;
    let states: Vec<&str> = Disposition::WAITING.iter().map(|d| d.code()).collect();
    ctx.store.read(|c| {
        analyzer_results::table
            .filter(analyzer_results::facility_code.eq(ctx.facility()))
            .filter(analyzer_results::state.eq_any(&states))
            .count()
            .get_result(c)
            .map_err(ActionError::from)
    })
}

/// What waits for a person, oldest first.
pub fn waiting(ctx: &Ctx, actor: &Actor) -> Result<Vec<AnalyzerResultView>, ActionError> {
    actor.require(Action::ReadSpecimens)?;
    let states: Vec<&str> = Disposition::WAITING.iter().map(|d| d.code()).collect();
    ctx.store.read(|c| {
        let rows = analyzer_results::table
            .filter(analyzer_results::facility_code.eq(ctx.facility()))
            .filter(analyzer_results::state.eq_any(&states))
            .order(analyzer_results::id)
            .select(AnalyzerResultRow::as_select())
            .load(c)?;
        views(c, rows)
    })
}

/// One message of an analyser's log.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub analyzer: String,
    pub protocol: Protocol,
    pub control_id: Option<String>,
    pub received_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    pub outcome: Option<MessageOutcome>,
    /// The message as it arrived, for a person to read (control
    /// characters shown as `<CR>` and the like).
    pub text: String,
    pub results: Vec<AnalyzerResultView>,
}

/// The message as text a page can show: invalid UTF-8 replaced, control
/// characters named.
fn shown(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\r' => out.push_str("<CR>\n"),
            '\n' => out.push_str("<LF>"),
            c if c.is_control() => out.push_str(&format!("<{:02X}>", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// An analyser's latest messages, newest first.
pub fn messages(
    ctx: &Ctx,
    actor: &Actor,
    analyzer: &str,
    limit: i64,
) -> Result<Vec<MessageView>, ActionError> {
    actor.require(Action::ReadSpecimens)?;
    ctx.store.read(|c| {
        let rows: Vec<AnalyzerMessageRow> = analyzer_messages::table
            .filter(analyzer_messages::facility_code.eq(ctx.facility()))
            .filter(analyzer_messages::analyzer.eq(analyzer))
            .order(analyzer_messages::id.desc())
            .limit(limit.clamp(1, 500))
            .select(AnalyzerMessageRow::as_select())
            .load(c)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let results = analyzer_results::table
            .filter(analyzer_results::message_id.eq_any(&ids))
            .order(analyzer_results::id)
            .select(AnalyzerResultRow::as_select())
            .load(c)?;
        let mut results = views(c, results)?;
        rows.into_iter()
            .map(|r| {
                let protocol = match r.protocol.as_str() {
                    "hl7" => Protocol::Hl7,
                    _ => Protocol::Astm,
                };
                let (mine, rest): (Vec<_>, Vec<_>) =
                    results.drain(..).partition(|v| v.message_id == r.id);
                results = rest;
                Ok(MessageView {
                    id: r.id,
                    analyzer: r.analyzer,
                    protocol,
                    control_id: r.control_id,
                    received_at: r.received_at.and_utc(),
                    processed_at: r.processed_at.map(|t| t.and_utc()),
                    outcome: r
                        .outcome
                        .as_deref()
                        .and_then(|o| serde_json::from_str(o).ok()),
                    text: shown(&r.raw),
                    results: mine,
                })
            })
            .collect()
    })
}

/// A waiting row, locked for the write that settles it.
fn waiting_row(ctx: &Ctx, c: &mut DbConnection, id: i64) -> Result<AnalyzerResultRow, ActionError> {
    let row: AnalyzerResultRow = analyzer_results::table
        .find(id)
        .filter(analyzer_results::facility_code.eq(ctx.facility()))
        .select(AnalyzerResultRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| {
            ActionError::NotFound(Notice::new(
                RuleCode::NotFound,
                RecordMsg::NoAnalyzerResult { id: id.to_string() },
            ))
        })?;
    match Disposition::from_code(&row.state) {
        Some(d) if d.is_waiting() => Ok(row),
        _ => Err(ActionError::Conflict(Notice::new(
            RuleCode::InvalidInput,
            RecordMsg::AnalyzerResultSettled { id: id.to_string() },
        ))),
    }
}

/// `POST /api/v1/analyzers/results/{id}/link`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkResult {
    /// The specimen the analyser's result belongs to.
    pub specimen_id: String,
    /// Why: required when the result corrects a standing one.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `POST /api/v1/analyzers/results/{id}/discard`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscardResult {
    pub reason: String,
}

/// Settles a waiting row as a person decided, with the audit row that
/// says who did it and why.
#[allow(clippy::too_many_arguments)]
fn settle_row(
    c: &mut DbConnection,
    actor: &Actor,
    row: &AnalyzerResultRow,
    (disposition, result_id): (Disposition, Option<i64>),
    reason: &str,
    at: DateTime<Utc>,
    after: serde_json::Value,
) -> Result<AnalyzerResultView, ActionError> {
    diesel::update(analyzer_results::table.find(row.id))
        .set((
            analyzer_results::state.eq(disposition.code()),
            analyzer_results::result_id.eq(result_id),
            analyzer_results::resolved_by.eq(actor.id),
            analyzer_results::resolved_at.eq(Some(naive(at))),
            analyzer_results::reason.eq(Some(reason)),
        ))
        .execute(c)?;
    audit::record(
        c,
        actor,
        at,
        &format!("analyzer_result.{}", disposition.code()),
        ("analyzer_result", &row.id.to_string()),
        Some(&serde_json::json!({"specimen_id": row.specimen_id, "state": row.state})),
        Some(&after),
    )?;
    one_view(c, row.id)
}

fn one_view(c: &mut DbConnection, id: i64) -> Result<AnalyzerResultView, ActionError> {
    let row = analyzer_results::table
        .find(id)
        .select(AnalyzerResultRow::as_select())
        .first(c)?;
    views(c, vec![row])?.pop().ok_or_else(|| {
        ActionError::Store(crate::store::StoreError::Corrupt(format!(
            "analyzer_results row {id} vanished"
        )))
    })
}

/// Records a waiting result for the specimen a person names (the
/// analyser's id was mistyped, or a tube was relabelled).
pub fn link(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    req: &LinkResult,
) -> Result<AnalyzerResultView, ActionError> {
    actor.require(Action::RecordResult)?;
    check_text("specimen_id", &req.specimen_id, 64)?;
    if let Some(reason) = &req.reason {
        check_text("reason", reason, 500)?;
    }
    let at = now();
    ctx.write(|c| {
        let row = waiting_row(ctx, c, id)?;
        let specimen = super::views::specimen_row(ctx, c, req.specimen_id.trim())?;
        let reading: Reading = stored(id, "reading", &row.reading)?;
        let resulted_at = row.completed_at.map(|t| t.and_utc()).unwrap_or(at);
        let Some(entry) = entry(&reading, resulted_at, req.reason.clone()) else {
            return Err(ActionError::invalid(
                crate::domain::messages::InputMsg::FieldEmpty {
                    field: "result".into(),
                },
            ));
        };
        let (result_row, _) = enter(ctx, c, actor, &specimen, &entry, at)?;
        let said = format!("{} → {}", row.specimen_id, specimen.specimen_id);
        settle_row(
            c,
            actor,
            &row,
            (Disposition::Linked, Some(result_row.id)),
            &said,
            at,
            serde_json::json!({"specimen_id": specimen.specimen_id, "result_id": result_row.id}),
        )
    })
}

/// Sets a waiting result aside for good, with the reason.
pub fn discard(
    ctx: &Ctx,
    actor: &Actor,
    id: i64,
    req: &DiscardResult,
) -> Result<AnalyzerResultView, ActionError> {
    actor.require(Action::RecordResult)?;
    check_text("reason", &req.reason, 500)?;
    let at = now();
    ctx.write(|c| {
        let row = waiting_row(ctx, c, id)?;
        settle_row(
            c,
            actor,
            &row,
            (Disposition::Discarded, None),
            req.reason.trim(),
            at,
            serde_json::json!({"reason": req.reason.trim()}),
        )
    })
}
