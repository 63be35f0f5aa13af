//! The one error type every handler returns, in API.md's shape:
//! `{"error":{"code":"…","message":"…", …details}}`.

use crate::actions::ActionError;
use crate::domain::codes::Notice;
use crate::domain::RuleCode;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: RuleCode,
    pub message: String,
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// The error body, for the OpenAPI document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: RuleCode,
    pub message: String,
    /// For 422: every rule that refused, and whether a written reason from
    /// an authorised user may override them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusals: Option<Vec<Notice>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overridable: Option<bool>,
    /// For 409 `package_incomplete`: what dispatch still waits for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_details: Option<Vec<crate::domain::packaging::Missing>>,
}

impl AppError {
    pub fn new(status: StatusCode, code: RuleCode, message: impl Into<String>) -> Self {
        AppError {
            status,
            code,
            message: message.into(),
            details: serde_json::Map::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::new(StatusCode::BAD_REQUEST, RuleCode::InvalidInput, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        AppError::new(StatusCode::UNAUTHORIZED, RuleCode::Unauthorized, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::new(StatusCode::NOT_FOUND, RuleCode::NotFound, message)
    }

    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        self.details.insert(
            key.to_string(),
            serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
        );
        self
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl From<ActionError> for AppError {
    fn from(e: ActionError) -> Self {
        let code = e.code();
        match e {
            ActionError::Invalid(n) => AppError::new(StatusCode::BAD_REQUEST, code, n.message),
            ActionError::NotFound(n) => AppError::new(StatusCode::NOT_FOUND, code, n.message),
            ActionError::Conflict(n) => AppError::new(StatusCode::CONFLICT, code, n.message),
            ActionError::Refused {
                refusals,
                overridable,
            } => {
                let message = refusals
                    .iter()
                    .map(|n| n.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
                    .with("refusals", &refusals)
                    .with("overridable", overridable)
            }
            ActionError::Incomplete { notice, missing } => {
                AppError::new(StatusCode::CONFLICT, code, notice.message)
                    .with(
                        "missing",
                        missing.iter().map(|m| &m.key).collect::<Vec<_>>(),
                    )
                    .with("missing_details", &missing)
            }
            ActionError::Forbidden(m) => AppError::new(StatusCode::FORBIDDEN, code, m),
            ActionError::Output(e) => {
                tracing::warn!(error = %e, "output failure");
                AppError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    code,
                    "internal error; see the server log",
                )
            }
            ActionError::Store(e) => {
                tracing::error!(error = %e, "store failure");
                AppError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    code,
                    "internal error; see the server log",
                )
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            RuleCode::Internal,
            "server is shutting down",
        )
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut error = serde_json::Map::new();
        error.insert("code".into(), self.code.as_str().into());
        error.insert("message".into(), self.message.clone().into());
        for (k, v) in &self.details {
            error.insert(k.clone(), v.clone());
        }
        let mut res = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"kentai\""));
        }
        if let Some(seconds) = self.details.get("retry_after_s").and_then(|v| v.as_u64()) {
            res.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        res.json(serde_json::json!({ "error": error }))
    }
}
