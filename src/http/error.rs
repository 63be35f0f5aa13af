//! The one error type every handler returns, in API.md's shape:
//! `{"error":{"code":"…","message":"…", …details}}`.

use crate::actions::ActionError;
use crate::domain::codes::Notice;
use crate::domain::messages::{self, InputMsg, RecordMsg};
use crate::domain::{Msg, RuleCode};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    /// The answer's body, as it is written (boxed: an error is passed
    /// around far more often than it is answered).
    pub body: Box<ErrorBody>,
}

/// The error body, for the OpenAPI document and for every answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What an error answer says: `code` and `message`, and the fields some
/// errors add.
// The fields stand in alphabetical order, the order of the answer's keys;
// messages in them render in the request's language when the answer is
// written.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// For 400 `invalid_barcode`: the AI and the 0-based position in its
    /// value (or in the input) where the GS1 data breaks a rule (`null`
    /// where the data does not say). For 400 `invalid_input` on a control,
    /// bidi, zero-width or line-separator character: its 0-based position
    /// (in characters) in `field`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub ai: Option<Option<String>>,
    /// For 408 `request_timeout`: the body's average rate below which it
    /// is cut off, in bytes per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_min_bytes_per_second: Option<u64>,
    /// For 408 `request_timeout`: the seconds a body may take at the most.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_seconds: Option<f64>,
    pub code: RuleCode,
    /// For 400: the request field at fault (`patient.name`, `kit`, …), for
    /// a form to mark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For 409 `patient_mismatch`: the identity fields that differ from the
    /// registered patient's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
    pub message: Msg,
    /// For 409 `package_incomplete`: what dispatch still waits for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_details: Option<Vec<crate::domain::packaging::Missing>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overridable: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<usize>)]
    pub position: Option<Option<usize>>,
    /// For 422: every rule that refused, and whether a written reason from
    /// an authorised user may override them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusals: Option<Vec<Notice>>,
    /// For 429 and 503 (too many attempts, too many connections): the
    /// seconds to wait before trying again, also sent as `Retry-After`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<u64>,
}

impl AppError {
    pub fn new(status: StatusCode, code: RuleCode, message: impl Into<Msg>) -> Self {
        AppError {
            status,
            body: Box::new(ErrorBody {
                error: ErrorDetail {
                    ai: None,
                    body_min_bytes_per_second: None,
                    body_seconds: None,
                    code,
                    field: None,
                    fields: None,
                    message: message.into(),
                    missing: None,
                    missing_details: None,
                    overridable: None,
                    position: None,
                    refusals: None,
                    retry_after_s: None,
                },
            }),
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

    /// The same error with more of its body filled in.
    pub fn with(mut self, fill: impl FnOnce(&mut ErrorDetail)) -> Self {
        fill(&mut self.body.error);
        self
    }

    pub fn code(&self) -> RuleCode {
        self.body.error.code
    }

    pub fn message(&self) -> &Msg {
        &self.body.error.message
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.body.error.code, self.body.error.message)
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
                    Msg::Input(InputMsg::InvalidBarcode { ai, position, .. }) => error.with(|b| {
                        b.ai = Some(ai.clone());
                        b.position = Some(*position);
                        b.field = Some("kit".into());
                    }),
                    Msg::Input(
                        InputMsg::FieldControlCharacterAt { field, position }
                        | InputMsg::FieldInvisibleCharacterAt { field, position },
                    ) => error.with(|b| {
                        b.field = Some(field.clone());
                        b.position = Some(Some(*position));
                    }),
                    Msg::Input(m) => error.with(|b| b.field = m.field().map(str::to_string)),
                    _ => error,
                }
            }
            ActionError::NotFound(_) => AppError::new(StatusCode::NOT_FOUND, code, message),
            ActionError::Conflict(n) => {
                let error = AppError::new(StatusCode::CONFLICT, code, message);
                match &n.message {
                    Msg::Record(RecordMsg::PatientMismatch { fields, .. }) => {
                        error.with(|b| b.fields = Some(fields.clone()))
                    }
                    _ => error,
                }
            }
            ActionError::Refused {
                refusals,
                overridable,
            } => AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message).with(|b| {
                b.refusals = Some(refusals);
                b.overridable = Some(overridable);
            }),
            ActionError::Incomplete { missing, .. } => {
                AppError::new(StatusCode::CONFLICT, code, message).with(|b| {
                    b.missing = Some(missing.iter().map(|m| m.key.clone()).collect());
                    b.missing_details = Some(missing);
                })
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
            ActionError::Internal(e) => {
                tracing::error!(error = %e, "internal failure");
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
        let mut res = HttpResponse::build(self.status);
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"kentai\""));
        }
        if let Some(seconds) = self.body.error.retry_after_s {
            res.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        messages::render_in(Some(lang), || res.json(&*self.body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::messages::Lang;

    fn written(e: &AppError) -> String {
        messages::render_in(Some(Lang::En), || serde_json::to_string(&*e.body))
            .expect("the body serializes")
    }

    #[test]
    fn a_barcode_error_writes_its_fields_in_key_order_with_null_where_the_data_says_nothing() {
        let e = AppError::from(ActionError::invalid(InputMsg::InvalidBarcode {
            ai: None,
            position: Some(3),
            detail: "x".into(),
        }));
        assert_eq!(
            written(&e),
            r#"{"error":{"ai":null,"code":"invalid_input","field":"kit","message":"not valid GS1: x [position 3]","position":3}}"#
        );
    }

    #[test]
    fn a_wait_goes_in_the_body_and_in_retry_after() {
        let e = AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            RuleCode::TooManyAttempts,
            RecordMsg::TooManyAttempts { seconds: 7 },
        )
        .with(|b| b.retry_after_s = Some(7));
        assert!(
            written(&e).ends_with(r#"","retry_after_s":7}}"#),
            "{}",
            written(&e)
        );
        let res = e.error_response();
        assert_eq!(
            res.headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("7")
        );
    }
}
