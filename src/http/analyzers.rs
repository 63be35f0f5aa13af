//! Analyser routes: the links and their state, the queue of results that
//! wait for a person (link to a specimen, or discard with a reason), and
//! each analyser's message log.

use super::auth::Caller;
use super::error::ErrorBody;
use super::Answer;
use super::Object;
use crate::actions::analyzers::{self, AnalyzerResultView, DiscardResult, LinkResult, MessageView};
use crate::analyzers::{AnalyzerLinks, LinkStatus};
use crate::domain::messages::RecordMsg;
use crate::domain::roles::Action;
use actix_web::web;
use serde::Deserialize;

#[utoipa::path(
    get, path = "/analyzers", tag = "results", operation_id = "list_analyzers",
    responses(
        (status = 200, description = "Each `[[analyzer]]` with its link's state: connected or waiting, the last message, the last error", body = [LinkStatus]),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn list(call: Caller, links: Option<web::Data<AnalyzerLinks>>) -> Answer {
    call.ok(move |ctx, actor| {
        actor.require(Action::ReadSpecimens)?;
        Ok(links
            .map(|l| l.statuses(&ctx.config.analyzers))
            .unwrap_or_default())
    })
    .await
}

#[utoipa::path(
    get, path = "/analyzers/results", tag = "results", operation_id = "analyzer_queue",
    responses(
        (status = 200, description = "Results from analysers that wait for a person, oldest first: `unmatched` (a specimen kentai does not know), `unread` (no result in the observations; `note` says why), `refused` (the result rules refused it; `note` holds the rule codes)", body = [AnalyzerResultView]),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn queue(call: Caller) -> Answer {
    call.ok(analyzers::waiting).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// How many messages, newest first (1–500, default 50).
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

#[utoipa::path(
    get, path = "/analyzers/{name}/messages", tag = "results", operation_id = "analyzer_messages",
    params(("name" = String, Path, description = "The `[[analyzer]]` name"), LogQuery),
    responses(
        (status = 200, description = "The analyser's messages, newest first, as received, with what became of each specimen in them", body = [MessageView]),
        (status = 400, description = "A `limit` that is not a number", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`not_found`: no analyser of that name", body = ErrorBody),
    ),
)]
pub async fn messages(
    call: Caller,
    path: web::Path<String>,
    query: web::Query<LogQuery>,
) -> Answer {
    let name = path.into_inner();
    let limit = query.limit.unwrap_or(50);
    call.ok(move |ctx, actor| {
        if !ctx.config.analyzers.iter().any(|a| a.name() == name) {
            return Err(crate::actions::ActionError::NotFound(
                crate::domain::Notice::new(
                    crate::domain::RuleCode::NotFound,
                    RecordMsg::NoAnalyzer { name: name.clone() },
                ),
            ));
        }
        analyzers::messages(ctx, actor, &name, limit)
    })
    .await
}

#[utoipa::path(
    post, path = "/analyzers/results/{id}/link", tag = "results", operation_id = "link_analyzer_result",
    params(("id" = i64, Path, description = "The waiting result's id")),
    request_body = LinkResult,
    responses(
        (status = 200, description = "Recorded for the named specimen (through the result rules, as any result)", body = AnalyzerResultView),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`not_found`; `unknown_specimen`", body = ErrorBody),
        (status = 409, description = "Already recorded, linked or discarded", body = ErrorBody),
        (status = 422, description = "`correction_reason_required`, `result_before_collection`", body = ErrorBody),
    ),
)]
pub async fn link(
    call: Caller,
    path: web::Path<i64>,
    body: web::Json<Object<LinkResult>>,
) -> Answer {
    let id = path.into_inner();
    call.ok(move |ctx, actor| analyzers::link(ctx, actor, id, &body))
        .await
}

#[utoipa::path(
    post, path = "/analyzers/results/{id}/discard", tag = "results", operation_id = "discard_analyzer_result",
    params(("id" = i64, Path, description = "The waiting result's id")),
    request_body = DiscardResult,
    responses(
        (status = 200, description = "Set aside for good, with the reason", body = AnalyzerResultView),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`not_found`", body = ErrorBody),
        (status = 409, description = "Already recorded, linked or discarded", body = ErrorBody),
    ),
)]
pub async fn discard(
    call: Caller,
    path: web::Path<i64>,
    body: web::Json<Object<DiscardResult>>,
) -> Answer {
    let id = path.into_inner();
    call.ok(move |ctx, actor| analyzers::discard(ctx, actor, id, &body))
        .await
}

#[utoipa::path(
    post, path = "/analyzers/results/reread", tag = "results", operation_id = "reread_analyzer_results",
    responses(
        (status = 200, description = "The waiting results read again with the `[[analyzer]]` settings as they are now (a test code or word added, a specimen registered since): what can be recorded now is", body = analyzers::Reread),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn reread(call: Caller) -> Answer {
    call.ok(move |ctx, actor| {
        let recorded = analyzers::reread(ctx, actor)?;
        let waiting = analyzers::waiting_count(ctx, actor)?;
        Ok(analyzers::Reread { recorded, waiting })
    })
    .await
}
