//! The health centre's day report and day summary (SPEC §3, API.md
//! `GET /api/v1/reports/hersys`).
//!
//! The report is streamed: a blocking thread runs the query and writes
//! each row into a channel the response reads, a chunk at a time, so the
//! server's memory stays flat whatever the day's size. A failure half-way
//! ends the transfer without its last chunk, so a client never takes a cut
//! file for a whole one.

use super::auth::{Caller, User};
use super::error::{AppError, ErrorBody};
use super::Answer;
use crate::actions::reports::{self, ReportScope};
use crate::actions::{Actor, Ctx};
use crate::domain::messages::{allowed, InputMsg};
use crate::domain::roles::Action;
use crate::report::csv::{Encoding, Replacement};
use crate::report::summary::DaySummary;
use crate::report::Format;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use std::io::Write;
use tokio::sync::mpsc;

/// Bytes gathered before a chunk goes to the client.
const CHUNK: usize = 32 * 1024;

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The report's day (YYYY-MM-DD, site time zone).
    pub date: chrono::NaiveDate,
    /// `csv` (default), `json` or `fhir`.
    #[serde(default)]
    #[param(schema_with = report_formats)]
    pub format: Option<String>,
    /// CSV only: `utf8` (default, with BOM) or `sjis`.
    #[serde(default)]
    #[param(schema_with = csv_encodings)]
    pub encoding: Option<String>,
    /// Only this facility's specimens (its code); all when absent.
    #[serde(default)]
    pub facility: Option<String>,
}

fn report_formats() -> utoipa::openapi::Object {
    crate::openapi::one_of(
        &["csv", "json", "fhir"],
        "`csv` (default), `json` or `fhir`.",
    )
}

fn csv_encodings() -> utoipa::openapi::Object {
    crate::openapi::one_of(
        &["utf8", "sjis"],
        "CSV only: `utf8` (default, with BOM) or `sjis`.",
    )
}

/// 400 for a parameter that is not one of `values`.
fn one_of(field: &str, value: &str, values: &[&str]) -> AppError {
    AppError::bad_request(InputMsg::NotOneOf {
        field: field.into(),
        value: value.into(),
        allowed: allowed(values),
    })
}

fn parse(query: &ReportQuery) -> Result<(ReportScope, Format, Encoding), AppError> {
    let format = match query.format.as_deref() {
        None => Format::Csv,
        Some(code) => Format::from_code(code)
            .ok_or_else(|| one_of("format", code, &["csv", "json", "fhir"]))?,
    };
    let encoding = match query.encoding.as_deref() {
        None => Encoding::Utf8,
        Some(code) => {
            Encoding::from_code(code).ok_or_else(|| one_of("encoding", code, &["utf8", "sjis"]))?
        }
    };
    if encoding == Encoding::Sjis && format != Format::Csv {
        return Err(AppError::bad_request(InputMsg::EncodingOnlyForCsv));
    }
    let scope = ReportScope {
        date: query.date,
        facility: query.facility.clone(),
    };
    Ok((scope, format, encoding))
}

/// Sends what is written in chunks to the response.
struct ChunkWriter {
    tx: mpsc::Sender<Result<web::Bytes, std::io::Error>>,
    buf: Vec<u8>,
    sent_any: bool,
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        // The first bytes go at once (time to first byte); then in chunks.
        if self.buf.len() >= CHUNK || !self.sent_any {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = web::Bytes::from(std::mem::take(&mut self.buf));
        self.sent_any = true;
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

/// `Kentai-Sjis-Replaced`: the replaced characters, ASCII only
/// (`T-1 name U+20BB7; …`), at most 50.
fn replacement_header(list: &[Replacement]) -> String {
    let mut text: Vec<String> = list
        .iter()
        .take(50)
        .map(|r| {
            format!(
                "{} {} U+{:04X}",
                header_safe(&r.specimen_id),
                header_safe(r.column),
                u32::from(r.character)
            )
        })
        .collect();
    if list.len() > 50 {
        text.push(format!("and {} more", list.len() - 50));
    }
    text.join("; ")
}

/// A value for a header list: letters, digits and `-._~()/:+` as they
/// are, every other byte of its UTF-8 percent-encoded, so a specimen id
/// holding `; ` or a space cannot add or split an entry.
fn header_safe(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~()/:+".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[utoipa::path(
    get, path = "/reports/hersys", tag = "reports", operation_id = "hersys_report",
    params(ReportQuery),
    responses(
        (status = 200, description = "The day's report, streamed, saved as `hersys-DATE[-FACILITY]-utf8.csv`, `…-sjis.csv`, `….json` or `….fhir.json`: CSV (UTF-8 with BOM, or Shift_JIS with `Kentai-Sjis-Replacements` counting the characters it had to replace with 〓 and `Kentai-Sjis-Replaced` naming them; a row without a result reads 結果待ち), JSON `{\"date\",\"facility\",\"generated_at\",\"rows\":[…],\"count\"}` (a row without a result has `result` null and `result_label` 結果待ち), or a FHIR R4 Bundle (collection; a row without a result has no Observation)", content(
            (String = "text/csv"),
            (Object = "application/json"),
            (Object = "application/fhir+json"),
        )),
        (status = 400, description = "Bad date, format, encoding or facility", body = ErrorBody),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn hersys(
    ctx: web::Data<Ctx>,
    User(actor): User,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    actor.require(Action::ReadReports)?;
    let (scope, format, encoding) = parse(&query)?;
    // Refuse a bad scope with a proper error before the 200 goes out.
    ctx.day_range(scope.date)?;
    ctx.facility_in_scope(scope.facility.as_deref())?;
    let mut response = HttpResponse::Ok();
    let name = crate::report::file_name(scope.date, scope.facility.as_deref(), format, encoding);
    response.insert_header((
        "Content-Disposition",
        format!("attachment; filename=\"{name}\""),
    ));
    response.insert_header((
        "Content-Type",
        match format {
            Format::Csv => encoding.content_type(),
            Format::Json => "application/json",
            Format::Fhir => "application/fhir+json",
        },
    ));
    let (tx, mut rx) = mpsc::channel::<Result<web::Bytes, std::io::Error>>(4);
    let ctx = ctx.get_ref().clone();
    if encoding == Encoding::Sjis {
        // The characters Shift_JIS cannot hold go in the answer's headers,
        // so the file is written first — to a temporary file, still one
        // row at a time and in constant memory — and then sent.
        let (file, written) =
            web::block(move || spool(&ctx, &actor, &scope, format, encoding)).await??;
        response.insert_header((
            "Kentai-Sjis-Replacements",
            written.replacements.len().to_string(),
        ));
        if !written.replacements.is_empty() {
            response.insert_header((
                "Kentai-Sjis-Replaced",
                replacement_header(&written.replacements),
            ));
        }
        std::thread::Builder::new()
            .name("report".into())
            .spawn(move || send_file(file, tx))
            .map_err(|e| AppError::from(crate::actions::ActionError::Output(e)))?;
    } else {
        std::thread::Builder::new()
            .name("report".into())
            .spawn(move || stream_report(&ctx, &actor, &scope, format, encoding, tx))
            .map_err(|e| AppError::from(crate::actions::ActionError::Output(e)))?;
    }
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Ok(response.streaming(body))
}

/// Writes the report to an anonymous temporary file (gone when closed)
/// and rewinds it.
fn spool(
    ctx: &Ctx,
    actor: &Actor,
    scope: &ReportScope,
    format: Format,
    encoding: Encoding,
) -> Result<(std::fs::File, reports::Written), crate::actions::ActionError> {
    use std::io::{Seek, SeekFrom};
    let file = tempfile::tempfile()?;
    let (out, written) = reports::write_day(
        ctx,
        actor,
        scope,
        format,
        encoding,
        std::io::BufWriter::new(file),
    )?;
    let mut file = out.into_inner().map_err(|e| e.into_error())?;
    file.seek(SeekFrom::Start(0))?;
    Ok((file, written))
}

/// Sends a spooled report in chunks.
fn send_file(mut file: std::fs::File, tx: mpsc::Sender<Result<web::Bytes, std::io::Error>>) {
    use std::io::Read;
    loop {
        let mut chunk = vec![0u8; CHUNK];
        match file.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => {
                chunk.truncate(n);
                if tx.blocking_send(Ok(web::Bytes::from(chunk))).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        }
    }
}

fn stream_report(
    ctx: &Ctx,
    actor: &Actor,
    scope: &ReportScope,
    format: Format,
    encoding: Encoding,
    tx: mpsc::Sender<Result<web::Bytes, std::io::Error>>,
) {
    let writer = ChunkWriter {
        tx: tx.clone(),
        buf: Vec::with_capacity(CHUNK),
        sent_any: false,
    };
    match reports::write_day(ctx, actor, scope, format, encoding, writer) {
        Ok((mut writer, written)) => {
            if let Err(e) = writer.flush() {
                tracing::info!(error = %e, "report not delivered");
            } else {
                tracing::info!(date = %scope.date, rows = written.rows, "report streamed");
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, date = %scope.date, "report stopped");
            // An error in the stream aborts the response: the client sees
            // a broken transfer, not a short file.
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    pub date: chrono::NaiveDate,
    #[serde(default)]
    pub facility: Option<String>,
    /// `json` (default) or `html` (a table ready for a page).
    #[serde(default)]
    #[param(schema_with = summary_formats)]
    pub format: Option<String>,
}

fn summary_formats() -> utoipa::openapi::Object {
    crate::openapi::one_of(
        &["json", "html"],
        "`json` (default) or `html` (a table ready for a page).",
    )
}

#[utoipa::path(
    get, path = "/reports/summary", tag = "reports", operation_id = "day_summary",
    params(SummaryQuery),
    responses(
        (status = 200, description = "Counts by specimen type, method, result, age band, overrides and flags, and the day's turnaround (median, p90); with `format=html` a table", content(
            (DaySummary = "application/json"),
            (String = "text/html"),
        )),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub async fn summary(call: Caller, query: web::Query<SummaryQuery>) -> Answer {
    let query = query.into_inner();
    let html = match query.format.as_deref() {
        None | Some("json") => false,
        Some("html") => true,
        Some(other) => return Err(one_of("format", other, &["json", "html"])),
    };
    let scope = ReportScope {
        date: query.date,
        facility: query.facility,
    };
    let s = call
        .run(move |ctx, actor| reports::day_summary(ctx, actor, &scope))
        .await?;
    if html {
        Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(crate::report::summary_html(&s).into_string()))
    } else {
        Ok(HttpResponse::Ok().json(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replacement_header_is_ascii_and_names_specimen_column_and_code_point() {
        let list = vec![Replacement {
            specimen_id: "T-1".into(),
            column: "name",
            character: '𠮷',
            replaced_with: '〓',
        }];
        assert_eq!(replacement_header(&list), "T-1 name U+20BB7");
    }
}
