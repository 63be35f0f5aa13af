//! Result routes: record a version, release or return it, the result
//! desk's worklist, and instrument files (preview, then commit).

use super::auth::Caller;
use super::error::ErrorBody;
use super::Answer;
use super::Object;
use crate::actions::imports::{CommitAnswer, CommitImport, ImportQuery, Preview};
use crate::actions::results::{RecordResult, Recorded, ReturnResult, WorkItem, WorklistFilter};
use crate::actions::{imports, results};
use actix_web::web;

#[utoipa::path(
    post, path = "/specimens/{specimen_id}/results", tag = "results",
    params(("specimen_id" = String, Path, description = "The tube's barcode")),
    request_body = RecordResult,
    responses(
        (status = 201, description = "Recorded as a new version: `released` at once, or `entered` to wait for a second person under `[policy] result_release = \"second_person\"`", body = Recorded),
        (status = 200, description = "The same result, method and time as the standing version (a retry): nothing recorded, that version answered", body = Recorded),
        (status = 400, description = "Malformed request; `unknown_assay`", body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_specimen`", body = ErrorBody),
        (status = 422, description = "`result_before_collection`; `correction_reason_required`: a different result, method or time than the standing version without `reason`", body = ErrorBody),
    ),
)]
pub async fn record_result(
    call: Caller,
    path: web::Path<String>,
    body: web::Json<Object<RecordResult>>,
) -> Answer {
    call.run(move |ctx, actor| results::record(ctx, actor, &path, &body, crate::actions::now()))
        .await
        .map(|r| super::created_or_ok(r.created).json(r))
}

#[utoipa::path(
    post, path = "/specimens/{specimen_id}/results/{version}/release", tag = "results",
    params(
        ("specimen_id" = String, Path, description = "The tube's barcode"),
        ("version" = i32, Path, description = "The entered version to release"),
    ),
    responses(
        (status = 200, description = "Released: the result counts in reports from now", body = Recorded),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_specimen`, or no such version (`not_found`)", body = ErrorBody),
        (status = 409, description = "`same_person_release`: the person who entered it; `not_awaiting_release`: already released or returned", body = ErrorBody),
    ),
)]
pub async fn release(call: Caller, path: web::Path<(String, i32)>) -> Answer {
    let (id, version) = path.into_inner();
    call.ok(move |ctx, actor| results::release(ctx, actor, &id, version, crate::actions::now()))
        .await
}

#[utoipa::path(
    post, path = "/specimens/{specimen_id}/results/{version}/return", tag = "results",
    params(
        ("specimen_id" = String, Path, description = "The tube's barcode"),
        ("version" = i32, Path, description = "The entered version to send back"),
    ),
    request_body = ReturnResult,
    responses(
        (status = 200, description = "Returned for correction: it counts for nothing and the tube is on the worklist again", body = Recorded),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_specimen`, or no such version (`not_found`)", body = ErrorBody),
        (status = 409, description = "`same_person_release`; `not_awaiting_release`", body = ErrorBody),
    ),
)]
pub async fn return_for_correction(
    call: Caller,
    path: web::Path<(String, i32)>,
    body: web::Json<Object<ReturnResult>>,
) -> Answer {
    let (id, version) = path.into_inner();
    call.ok(move |ctx, actor| {
        results::return_for_correction(ctx, actor, &id, version, &body, crate::actions::now())
    })
    .await
}

#[utoipa::path(
    get, path = "/results/worklist", tag = "results",
    params(WorklistFilter),
    responses(
        (status = 200, description = "Tubes awaiting a result or its release, oldest collection first", body = [WorkItem]),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
)]
pub async fn worklist(call: Caller, filter: web::Query<WorklistFilter>) -> Answer {
    call.ok(move |ctx, actor| results::worklist(ctx, actor, &filter, crate::actions::now()))
        .await
}

#[utoipa::path(
    post, path = "/results/imports", tag = "results",
    params(ImportQuery),
    request_body(content = String, description = "The instrument's export file, as it is (UTF-8 or Shift_JIS)", content_type = "text/plain"),
    responses(
        (status = 200, description = "The preview: each sample's call and what importing it does; nothing recorded. The same file again answers the same import (`status: committed` once committed)", body = Preview),
        (status = 400, description = "`unreadable_file`, `unknown_assay`, `invalid_input`", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 413, description = "The file is larger than 8 MiB", body = ErrorBody),
        (status = 422, description = "`run_controls_failed`: `refusals` lists each failed control; nothing of the run is kept", body = ErrorBody),
    ),
)]
pub async fn preview_import(
    call: Caller,
    query: web::Query<ImportQuery>,
    body: web::Bytes,
) -> Answer {
    call.ok(move |ctx, actor| imports::preview(ctx, actor, &query, &body, crate::actions::now()))
        .await
}

#[utoipa::path(
    get, path = "/results/imports/{import_id}", tag = "results",
    params(("import_id" = String, Path, description = "The import's id from its preview")),
    responses(
        (status = 200, description = "The import as previewed, or as committed", body = Preview),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_import`", body = ErrorBody),
    ),
)]
pub async fn get_import(call: Caller, path: web::Path<String>) -> Answer {
    call.ok(move |ctx, actor| imports::get(ctx, actor, &path))
        .await
}

#[utoipa::path(
    post, path = "/results/imports/{import_id}/commit", tag = "results",
    params(("import_id" = String, Path, description = "The import's id from its preview")),
    request_body = CommitImport,
    responses(
        (status = 201, description = "Recorded in one transaction", body = CommitAnswer),
        (status = 200, description = "Committed before: nothing more recorded", body = CommitAnswer),
        (status = 400, description = "A decision the sample does not allow, or for a sample not in the import", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_import`", body = ErrorBody),
        (status = 409, description = "`import_decisions_needed`: samples with problems and no decision", body = ErrorBody),
        (status = 422, description = "A result a rule refuses (`result_before_collection`)", body = ErrorBody),
    ),
)]
pub async fn commit_import(
    call: Caller,
    path: web::Path<String>,
    body: web::Json<Object<CommitImport>>,
) -> Answer {
    call.run(move |ctx, actor| imports::commit(ctx, actor, &path, &body, crate::actions::now()))
        .await
        .map(|r| super::created_or_ok(r.created).json(r))
}
