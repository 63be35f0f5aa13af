//! Printing routes: queue a document for a `[[printer]]`, list the queue,
//! retry a job, and the printers with their status.

use super::auth::Caller;
use super::error::ErrorBody;
use super::{Answer, Object};
use crate::actions::printing::{self, PrintJobView, PrintRequest};
use crate::actions::{now, Actor};
use crate::domain::roles::Action;
use crate::printing::PrinterView;
use actix_web::{web, HttpResponse};

#[utoipa::path(
    post, path = "/print", tag = "printing", operation_id = "print",
    request_body = PrintRequest,
    responses(
        (status = 202, description = "Queued: the job, drawn as you may see the document; it is sent by the printer's worker, retried with back-off while the printer cannot take it", body = PrintJobView),
        (status = 400, description = "`invalid_input`: no id, or a document that cannot be drawn", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_printer`, or the document's `unknown_specimen`, `unknown_location`, `unknown_package`", body = ErrorBody),
        (status = 422, description = "`not_printable_here`: the printer's kind cannot print this document (the slip anywhere; the package label on IPP)", body = ErrorBody),
    ),
)]
pub async fn print(call: Caller, body: web::Json<Object<PrintRequest>>) -> Answer {
    call.run(move |ctx, actor| printing::request(ctx, actor, &body, now()))
        .await
        .map(|job| HttpResponse::Accepted().json(job))
}

#[utoipa::path(
    get, path = "/print/jobs", tag = "printing", operation_id = "print_jobs",
    responses(
        (status = 200, description = "The print jobs, newest first (at most 200): state, attempts and the last error", body = [PrintJobView]),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn jobs(call: Caller) -> Answer {
    call.ok(printing::list).await
}

#[utoipa::path(
    post, path = "/print/jobs/{job_id}/retry", tag = "printing", operation_id = "retry_print_job",
    params(("job_id" = i64, Path, description = "The job's id")),
    responses(
        (status = 200, description = "Queued again now with its attempts from zero (a job sent or being sent is answered as it is)", body = PrintJobView),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_print_job`", body = ErrorBody),
    ),
)]
pub async fn retry(call: Caller, job_id: web::Path<i64>) -> Answer {
    let id = job_id.into_inner();
    call.ok(move |ctx, actor| printing::retry(ctx, actor, id, now()))
        .await
}

/// Every printer with its status, each asked in turn.
pub fn printer_views(
    ctx: &crate::actions::Ctx,
    actor: &Actor,
) -> Result<Vec<PrinterView>, crate::actions::ActionError> {
    actor.require(Action::Print)?;
    Ok(ctx
        .config
        .printers
        .iter()
        .map(crate::printing::probe)
        .collect())
}

#[utoipa::path(
    get, path = "/print/printers", tag = "printing", operation_id = "printers",
    responses(
        (status = 200, description = "The configured printers, each with its status where the protocol reports it (`~HS` for ZPL printers, `printer-state-reasons` for IPP): paper out, head open", body = [PrinterView]),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn printers(call: Caller) -> Answer {
    call.ok(printer_views).await
}
