//! A refused form: what went wrong, beside which form, and what the
//! technician typed, so the package page can show it again unchanged.

use crate::actions::ActionError;
use crate::domain::codes::Notice;
use crate::domain::packaging::Missing;
use crate::domain::RuleCode;
use crate::http::AppError;
use actix_web::http::StatusCode;

/// Why a form did nothing, as the page shows it.
#[derive(Debug, Clone)]
pub(super) struct Failure {
    pub(super) status: StatusCode,
    pub(super) code: RuleCode,
    pub(super) message: Box<crate::domain::Msg>,
    pub(super) missing: Vec<Missing>,
    pub(super) refusals: Vec<Notice>,
    pub(super) overridable: bool,
}

impl Failure {
    /// A form the page itself refuses, in words already in the page's
    /// language.
    pub(super) fn invalid(message: &str) -> Failure {
        Failure {
            status: StatusCode::BAD_REQUEST,
            code: RuleCode::InvalidInput,
            message: Box::new(crate::domain::Msg::Text(message.to_string())),
            missing: Vec::new(),
            refusals: Vec::new(),
            overridable: false,
        }
    }

    /// The action's refusal with the status the API gives it; a store
    /// failure is not a refusal and stays an error.
    pub(super) fn from_action(e: ActionError) -> Result<Failure, AppError> {
        let (missing, refusals, overridable) = match &e {
            ActionError::Incomplete { missing, .. } => (missing.clone(), Vec::new(), false),
            ActionError::Refused {
                refusals,
                overridable,
            } => (Vec::new(), refusals.clone(), *overridable),
            _ => (Vec::new(), Vec::new(), false),
        };
        let app = AppError::from(e);
        if app.status.is_server_error() {
            return Err(app);
        }
        Ok(Failure {
            status: app.status,
            code: app.code(),
            message: Box::new(app.body.error.message),
            missing,
            refusals,
            overridable,
        })
    }
}

/// Where on the package page a form sits, so that a refusal is shown
/// beside the form that met it rather than thousands of pixels above.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) enum Spot {
    /// Above the package (a form with no place of its own).
    #[default]
    Top,
    /// A checklist item's button: the item's code and its tube; a primary
    /// item without a tube is the button that ticks every tube.
    Item {
        item: String,
        specimen_id: Option<String>,
    },
    AddTube,
    SlipFields,
    Dispatch,
}

/// Which form failed, so the page can offer the way on (an override
/// reason) and keep what was typed.
#[derive(Debug, Default)]
pub(super) struct Attempt {
    pub(super) failure: Option<Failure>,
    /// The form that failed.
    pub(super) spot: Spot,
    /// The tube the add form tried.
    pub(super) specimen_id: String,
    /// The add form's refusal may be overridden with a reason.
    pub(super) add_override: bool,
    /// The dispatch form's refusal may be overridden with a reason.
    pub(super) dispatch_override: bool,
}

impl Attempt {
    /// A form that failed and offers nothing more.
    pub(super) fn failed(failure: Failure) -> Attempt {
        Attempt {
            failure: Some(failure),
            ..Attempt::default()
        }
    }

    /// The form at `spot` failed and offers nothing more.
    pub(super) fn failed_at(spot: Spot) -> impl FnOnce(Failure) -> Attempt {
        move |failure| Attempt {
            failure: Some(failure),
            spot,
            ..Attempt::default()
        }
    }
}
