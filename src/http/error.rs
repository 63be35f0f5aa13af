//! The one error type every handler returns, in API.md's shape:
//! `{"error":{"code":"…","message":"…", …details}}`.

use crate::actions::ActionError;
use crate::domain::codes::Notice;
use crate::domain::messages::{self, InputMsg, Lang, RecordMsg};
use crate::domain::{Msg, RuleCode};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: RuleCode,
    /// Rendered in the request's language when the answer is written.
    pub message: Msg,
    /// More fields of the error body, in order.
    pub details: Vec<(String, Detail)>,
}

/// A field of an error body beside `code` and `message`. Those holding
/// messages keep them as values until the body is written, in the
/// request's language.
#[derive(Debug, Clone)]
pub enum Detail {
    Value(serde_json::Value),
    Notices(Vec<Notice>),
    Missing(Vec<crate::domain::packaging::Missing>),
}

impl Detail {
    fn to_json(&self, lang: Lang) -> serde_json::Value {
        let value = messages::render_in(Some(lang), || match self {
            Detail::Value(v) => Ok(v.clone()),
            Detail::Notices(n) => serde_json::to_value(n),
            Detail::Missing(m) => serde_json::to_value(m),
        });
        value.unwrap_or(serde_json::Value::Null)
    }
}

/// The error body, for the OpenAPI document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: RuleCode,
    pub message: Msg,
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
    /// For 400: the request field at fault (`patient.name`, `kit`, …), for
    /// a form to mark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For 400 `invalid_barcode`: the AI and the 0-based position in its
    /// value (or in the input) where the GS1 data breaks a rule. For 400
    /// `invalid_input` on a control, bidi, zero-width or line-separator
    /// character: its 0-based position (in characters) in `field`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
    /// For 409 `patient_mismatch`: the identity fields that differ from the
    /// registered patient's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
}

impl AppError {
    pub fn new(status: StatusCode, code: RuleCode, message: impl Into<Msg>) -> Self {
        AppError {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<Msg>) -> Self {
        AppError::new(StatusCode::BAD_REQUEST, RuleCode::InvalidInput, message)
    }

    pub fn unauthorized(message: impl Into<Msg>) -> Self {
        AppError::new(StatusCode::UNAUTHORIZED, RuleCode::Unauthorized, message)
    }

    pub fn not_found(message: impl Into<Msg>) -> Self {
        AppError::new(StatusCode::NOT_FOUND, RuleCode::NotFound, message)
    }

    /// Adds a plain field (no messages in it) to the error body.
    pub fn with(self, key: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
        self.with_detail(key, Detail::Value(value))
    }

    pub fn with_detail(mut self, key: &str, detail: Detail) -> Self {
        self.details.push((key.to_string(), detail));
        self
    }

    /// A plain field's value, if the body has it.
    pub fn detail(&self, key: &str) -> Option<&serde_json::Value> {
        self.details.iter().find_map(|(k, d)| match d {
            Detail::Value(v) if k == key => Some(v),
            _ => None,
        })
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
        let message = e.message();
        match e {
            ActionError::Invalid(n) => {
                let error = AppError::new(StatusCode::BAD_REQUEST, code, message);
                match &n.message {
                    // Where GS1 data breaks a rule, for scripts to point at.
                    Msg::Input(InputMsg::InvalidBarcode { ai, position, .. }) => error
                        .with("ai", ai)
                        .with("position", position)
                        .with("field", "kit"),
                    Msg::Input(
                        InputMsg::FieldControlCharacterAt { field, position }
                        | InputMsg::FieldInvisibleCharacterAt { field, position },
                    ) => error.with("field", field).with("position", position),
                    Msg::Input(m) => match m.field() {
                        Some(f) => error.with("field", f),
                        None => error,
                    },
                    _ => error,
                }
            }
            ActionError::NotFound(_) => AppError::new(StatusCode::NOT_FOUND, code, message),
            ActionError::Conflict(n) => {
                let error = AppError::new(StatusCode::CONFLICT, code, message);
                match &n.message {
                    Msg::Record(RecordMsg::PatientMismatch { fields, .. }) => {
                        error.with("fields", fields)
                    }
                    _ => error,
                }
            }
            ActionError::Refused {
                refusals,
                overridable,
            } => AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
                .with_detail("refusals", Detail::Notices(refusals))
                .with("overridable", overridable),
            ActionError::Incomplete { missing, .. } => {
                AppError::new(StatusCode::CONFLICT, code, message)
                    .with(
                        "missing",
                        missing.iter().map(|m| &m.key).collect::<Vec<_>>(),
                    )
                    .with_detail("missing_details", Detail::Missing(missing))
            }
            ActionError::Forbidden(m) => AppError::new(StatusCode::FORBIDDEN, code, m),
            ActionError::Output(e) => {
                tracing::warn!(error = %e, "output failure");
                AppError::new(StatusCode::INTERNAL_SERVER_ERROR, code, RecordMsg::Internal)
            }
            ActionError::Store(e) => {
                tracing::error!(error = %e, "store failure");
                AppError::new(StatusCode::INTERNAL_SERVER_ERROR, code, RecordMsg::Internal)
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            RuleCode::Internal,
            RecordMsg::ShuttingDown,
        )
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let lang = messages::rendering().unwrap_or_default();
        let mut error = serde_json::Map::new();
        error.insert("code".into(), self.code.as_str().into());
        error.insert("message".into(), self.message.render(lang).into());
        for (k, d) in &self.details {
            error.insert(k.clone(), d.to_json(lang));
        }
        let mut res = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"kentai\""));
        }
        if let Some(seconds) = self.detail("retry_after_s").and_then(|v| v.as_u64()) {
            res.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        res.json(serde_json::json!({ "error": error }))
    }
}
