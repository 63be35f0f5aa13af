//! Packing, dispatch and receiving (docs/RULES.md, packing): a package is made, tubes go
//! in under the priority rule, the triple-packaging checklist is ticked, and
//! dispatch refuses until nothing is missing.
//!
//! Every change is an event (a tick, an un-tick, a tube taken out): nothing
//! is deleted, so the package's history shows who did what and when.

mod add;
mod checklist;
mod consultation;
mod dispatch;
mod list;
mod load;
mod open;
mod receive;
mod slip;
mod wire;

pub use self::add::{add_specimen, remove_specimen};
pub use self::checklist::tick;
pub use self::consultation::record_consultation;
pub use self::dispatch::dispatch;
pub use self::list::{get, list};
pub use self::load::load_package;
pub use self::open::{create, update};
pub use self::receive::{mark_missing, receive};
pub use self::slip::{label, slip};
pub use self::wire::{
    AddSpecimen, ChecklistEvent, ChecklistLine, ConsultationView, Dispatch, NewConsultation,
    NewPackage, PackageChanged, PackageChanges, PackageFilter, PackageView, PackedTube, Receive,
    Tick, TubeOverride,
};

use super::{ActionError, Ctx};
use crate::domain::messages::InputMsg;
use crate::domain::SpecimenStatus;
use chrono::{DateTime, Duration, FixedOffset, Utc};

/// What the testing lab found of a tube (`package_specimens.receipt`): the
/// specimen status its check-in gives it.
const TUBE_RECEIVED: SpecimenStatus = SpecimenStatus::Received;
const TUBE_MISSING: SpecimenStatus = SpecimenStatus::Missing;

const TEXT_MAX: usize = 200;

/// The time a request gives for an event (now when absent), refused when
/// it lies beyond the clock-skew tolerance in the future.
fn when(
    ctx: &Ctx,
    at: Option<DateTime<FixedOffset>>,
    now: DateTime<Utc>,
    in_future: InputMsg,
) -> Result<DateTime<Utc>, ActionError> {
    let at = at.map_or(now, super::instant);
    if at > now + Duration::minutes(ctx.config.policy.future_tolerance_minutes) {
        return Err(ActionError::invalid(in_future));
    }
    Ok(at)
}
