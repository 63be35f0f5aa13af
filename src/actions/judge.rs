//! The rules' decisions at one step, sorted the same way by every action:
//! what warns, what refuses, and which refusals a written reason lifts
//! there (the catalogue of rules says, `domain::rules::may_override`).

use super::ActionError;
use crate::domain::codes::{Decision, Notice};
use crate::domain::rules::{may_override, Step};
use crate::domain::RuleCode;

/// What the rules let through.
#[derive(Debug, Default)]
pub(crate) struct Judged {
    pub warnings: Vec<Notice>,
    /// Refusals lifted by the written reason: kept, audited and shown.
    pub overridden: Vec<Notice>,
}

/// Sorts `decisions` made at `step`. A value the rules cannot judge
/// (`invalid_input`) is a 400 at once; a refusal the catalogue lets a
/// written reason lift at `step` is overridden when there is a reason. Any
/// other refusal refuses the action, listing the overridden ones too, and
/// says whether a reason would lift every one.
pub(crate) fn judge(
    decisions: impl IntoIterator<Item = Decision>,
    override_reason: Option<&str>,
    step: Step,
) -> Result<Judged, ActionError> {
    let mut judged = Judged::default();
    let mut refusals = Vec::new();
    for d in decisions {
        match d {
            Decision::Accept => {}
            Decision::Warn(n) => judged.warnings.push(n),
            Decision::Refuse(n) if n.code == RuleCode::InvalidInput => {
                return Err(ActionError::Invalid(n))
            }
            Decision::Refuse(n) if may_override(n.code, step) && override_reason.is_some() => {
                judged.overridden.push(n)
            }
            Decision::Refuse(n) => refusals.push(n),
        }
    }
    if refusals.is_empty() {
        return Ok(judged);
    }
    let overridable = refusals.iter().all(|n| may_override(n.code, step));
    refusals.extend(judged.overridden);
    Err(ActionError::Refused {
        refusals,
        overridable,
    })
}
