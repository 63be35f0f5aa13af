//! The person working a station. A shared reception PC and its scanner
//! serve several clerks in a morning; each scan must name the clerk who
//! made it, not the desk. A person takes a station with their staff badge
//! and PIN (or by signing in on its page) and leaves it with their badge
//! again, by another person's badge, from the page, or after `[scanning]
//! operator_idle_minutes` without a scan. While someone works a station,
//! its scanners' scans act as that person at that station: the journal row
//! names them (`acted_by`, `operator`), and so do the audit rows and the
//! records the scans make.
//!
//! Who works a station lives in memory only: after a restart people badge
//! in again, and no one is left signed in at a desk nobody watches.

use super::{may_scan_at, ScanService, Station, StationEvent};
use crate::actions::badges::{self, PinCheck};
use crate::actions::scans::ScanOutcome;
use crate::actions::{audit, ActionError, Actor};
use crate::domain::messages::{RecordMsg, ScanMsg};
use crate::domain::{Notice, OutcomeKind, RuleCode};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use std::sync::Arc;

/// How long a badge read waits for its PIN.
const PIN_WAIT_SECONDS: i64 = 120;

/// Who works a station, and whose badge waits for a PIN there.
#[derive(Debug, Default)]
pub(super) struct Staffing {
    current: Option<Operator>,
    waiting: Option<Waiting>,
}

#[derive(Debug, Clone)]
struct Operator {
    /// The person, acting at this station.
    actor: Actor,
    since: DateTime<Utc>,
    last_active: DateTime<Utc>,
    /// The badge they came in with (`KTB-1234`); `None`: signed in on the page.
    badge: Option<String>,
}

#[derive(Debug, Clone)]
struct Waiting {
    actor: Actor,
    badge: String,
    at: DateTime<Utc>,
}

/// The person working a station, as pages and the API show them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OperatorView {
    pub name: String,
    /// `reception`, `lab`, …
    #[schema(value_type = String)]
    pub role: crate::domain::roles::Role,
    pub since: DateTime<FixedOffset>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
    /// When they are signed out unless they scan before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_until: Option<DateTime<FixedOffset>>,
}

/// `GET /api/v1/stations/{station}/operator`: who works the station.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StationStaffing {
    pub station: String,
    /// Scanner scans count only while someone works the station.
    pub require_operator: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<OperatorView>,
    /// The person whose badge was read and whose PIN the station waits for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_for_pin: Option<String>,
}

/// Why the person working a station changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperatorChange {
    /// A badge was read: its PIN is awaited.
    BadgeRead,
    SignedIn,
    SignedOut,
    Idle,
    Disabled,
}

impl ScanService {
    fn staffing_view(&self, name: &str, station: &Station, staffing: &Staffing) -> StationStaffing {
        let idle = self.ctx.config.scanning.operator_idle();
        StationStaffing {
            station: name.to_string(),
            require_operator: station.require_operator,
            operator: staffing.current.as_ref().map(|o| OperatorView {
                name: o.actor.name.clone(),
                role: o.actor.role,
                since: self.ctx.site_time(o.since.naive_utc()),
                badge: o.badge.clone(),
                idle_until: idle.map(|d| self.ctx.site_time((o.last_active + d).naive_utc())),
            }),
            waiting_for_pin: staffing.waiting.as_ref().map(|w| w.actor.name.clone()),
        }
    }

    /// Who works `station` now.
    pub fn staffing(&self, name: &str) -> Result<StationStaffing, ActionError> {
        let station = self.station(name)?;
        let staffing = station.staffing.lock().unwrap_or_else(|p| p.into_inner());
        Ok(self.staffing_view(name, station, &staffing))
    }

    /// The person whose badge waits for a PIN at `station` (for the
    /// limiter, before the PIN is checked).
    pub fn waiting_for_pin(&self, name: &str) -> Result<Option<String>, ActionError> {
        Ok(self.staffing(name)?.waiting_for_pin)
    }

    /// Announces a change of operator on the station's stream and in the
    /// audit log.
    fn operator_changed(
        &self,
        name: &str,
        station: &Station,
        staffing: &Staffing,
        change: OperatorChange,
        person: &Actor,
        message: ScanMsg,
    ) {
        let view = self.staffing_view(name, station, staffing);
        if change != OperatorChange::BadgeRead {
            let action = match change {
                OperatorChange::SignedIn => "station.operator_sign_in",
                _ => "station.operator_sign_out",
            };
            let after = serde_json::json!({ "reason": change, "person": person.name });
            let actor = person.at_station(name);
            let written = self.ctx.write(|c| {
                audit::record::<(), _>(
                    c,
                    &actor,
                    crate::actions::now(),
                    action,
                    ("station", name),
                    None,
                    Some(&after),
                )
            });
            if let Err(e) = written {
                tracing::error!(station = name, error = %e, "the operator change could not be audited");
            }
        }
        let _ = station.events.send(Arc::new(StationEvent::Operator {
            change,
            operator: view.operator.map(Box::new),
            waiting_for_pin: view.waiting_for_pin,
            message: message.into(),
            at: self.ctx.site_time(crate::actions::now().naive_utc()),
        }));
    }

    /// Ends the operator's turn when they sat idle past their time, or
    /// were disabled; drops a badge whose PIN never came.
    pub(super) fn expire_operator(&self, name: &str, station: &Station, now: DateTime<Utc>) {
        let mut staffing = station.staffing.lock().unwrap_or_else(|p| p.into_inner());
        if staffing
            .waiting
            .as_ref()
            .is_some_and(|w| now - w.at > chrono::Duration::seconds(PIN_WAIT_SECONDS))
        {
            staffing.waiting = None;
        }
        let Some(current) = staffing.current.clone() else {
            return;
        };
        let idle = self.ctx.config.scanning.operator_idle();
        let (change, message) = if idle.is_some_and(|d| now - current.last_active >= d) {
            let minutes = idle
                .and_then(|d| u64::try_from(d.num_minutes().max(1)).ok())
                .unwrap_or(1);
            (
                OperatorChange::Idle,
                ScanMsg::OperatorIdle {
                    name: current.actor.name.clone(),
                    minutes,
                },
            )
        } else {
            let enabled = crate::actions::users::actor_by_id(&self.ctx, current.actor.user_ref())
                .map(|a| a.is_some())
                .unwrap_or(true);
            if enabled {
                return;
            }
            (
                OperatorChange::Disabled,
                ScanMsg::OperatorDisabled {
                    name: current.actor.name.clone(),
                },
            )
        };
        staffing.current = None;
        self.operator_changed(name, station, &staffing, change, &current.actor, message);
        drop(staffing);
        self.clear_desk_now(station);
    }

    /// The person a scanner's scan at this station acts as, marked active.
    pub(super) fn operator_at(&self, station: &Station, now: DateTime<Utc>) -> Option<Actor> {
        let mut staffing = station.staffing.lock().unwrap_or_else(|p| p.into_inner());
        let current = staffing.current.as_mut()?;
        current.last_active = current.last_active.max(now);
        Some(current.actor.clone())
    }

    /// A staff badge read at `station` (inside the station's turn).
    pub(super) fn badge_scan(
        &self,
        name: &str,
        station: &Station,
        raw: &[u8],
        now: DateTime<Utc>,
    ) -> ScanOutcome {
        let label = badges::label_of(raw);
        let holder = match badges::holder(&self.ctx, raw) {
            Ok(h) => h,
            Err(e) => return ScanOutcome::from_error(OutcomeKind::Badge, &e),
        };
        let Some((_, person)) = holder else {
            return ScanOutcome::refused(
                OutcomeKind::Badge,
                RuleCode::UnknownBadge,
                ScanMsg::UnknownBadge { label },
            );
        };
        let mut staffing = station.staffing.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(current) = staffing.current.take_if(|o| o.actor.id == person.id) {
            let message = ScanMsg::OperatorSignedOut {
                name: current.actor.name.clone(),
            };
            staffing.waiting = None;
            self.operator_changed(
                name,
                station,
                &staffing,
                OperatorChange::SignedOut,
                &current.actor,
                message.clone(),
            );
            return ScanOutcome::accepted(OutcomeKind::Badge, message);
        }
        if !may_scan_at(person.role, station.workflow) {
            return ScanOutcome::refused(
                OutcomeKind::Badge,
                RuleCode::Forbidden,
                ScanMsg::StationNotForRole {
                    role: person.role,
                    station: name.to_string(),
                    workflow: super::workflow_code(station.workflow).into(),
                },
            );
        }
        let ended = staffing.current.take();
        if let Some(ended) = &ended {
            self.operator_changed(
                name,
                station,
                &staffing,
                OperatorChange::SignedOut,
                &ended.actor,
                ScanMsg::OperatorSignedOut {
                    name: ended.actor.name.clone(),
                },
            );
        }
        staffing.waiting = Some(Waiting {
            actor: person.clone(),
            badge: label,
            at: now,
        });
        let message = ScanMsg::BadgeAwaitingPin {
            name: person.name.clone(),
            ended: ended.map(|e| e.actor.name),
        };
        self.operator_changed(
            name,
            station,
            &staffing,
            OperatorChange::BadgeRead,
            &person,
            message.clone(),
        );
        ScanOutcome::accepted(OutcomeKind::Badge, message)
    }

    /// The PIN typed on the station's page for the badge read there. The
    /// PIN is checked outside the station's turn (it takes a tenth of a
    /// second), so the desk's scans do not wait for it.
    pub fn confirm_pin(&self, name: &str, pin: &str) -> Result<PinAnswer, ActionError> {
        let station = self.station(name)?;
        let waiting = station
            .staffing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .waiting
            .clone()
            .filter(|w| {
                crate::actions::now() - w.at <= chrono::Duration::seconds(PIN_WAIT_SECONDS)
            });
        let Some(waiting) = waiting else {
            return Err(ActionError::Invalid(Notice::new(
                RuleCode::InvalidInput,
                RecordMsg::NoBadgeWaiting {
                    station: name.to_string(),
                },
            )));
        };
        let person = match badges::verify_pin(&self.ctx, waiting.actor.user_ref(), pin)? {
            PinCheck::Right(person) => person,
            PinCheck::Wrong => {
                self.drop_waiting(station, &waiting);
                return Ok(PinAnswer::Wrong);
            }
            PinCheck::NoPin(name) => {
                self.drop_waiting(station, &waiting);
                return Ok(PinAnswer::NoPin(name));
            }
        };
        let _turn = station.turn.enter();
        let mut staffing = station.staffing.lock().unwrap_or_else(|p| p.into_inner());
        // Another badge read meanwhile takes precedence.
        if staffing.waiting.as_ref().map(|w| w.actor.id) != Some(person.id) {
            return Err(ActionError::Invalid(Notice::new(
                RuleCode::InvalidInput,
                RecordMsg::NoBadgeWaiting {
                    station: name.to_string(),
                },
            )));
        }
        staffing.waiting = None;
        self.take_station(name, station, &mut staffing, person, Some(waiting.badge));
        Ok(PinAnswer::SignedIn(
            self.staffing_view(name, station, &staffing),
        ))
    }

    fn drop_waiting(&self, station: &Station, waiting: &Waiting) {
        let mut staffing = station.staffing.lock().unwrap_or_else(|p| p.into_inner());
        if staffing.waiting.as_ref().map(|w| w.at) == Some(waiting.at) {
            staffing.waiting = None;
        }
    }

    fn take_station(
        &self,
        name: &str,
        station: &Station,
        staffing: &mut Staffing,
        person: Actor,
        badge: Option<String>,
    ) {
        let now = crate::actions::now();
        self.clear_desk_now(station);
        if let Some(ended) = staffing.current.take() {
            self.operator_changed(
                name,
                station,
                staffing,
                OperatorChange::SignedOut,
                &ended.actor,
                ScanMsg::OperatorSignedOut {
                    name: ended.actor.name.clone(),
                },
            );
        }
        staffing.current = Some(Operator {
            actor: person.at_station(name),
            since: now,
            last_active: now,
            badge,
        });
        let message = ScanMsg::OperatorSignedIn {
            name: person.name.clone(),
        };
        self.operator_changed(
            name,
            station,
            staffing,
            OperatorChange::SignedIn,
            &person,
            message,
        );
    }

    /// The signed-in person takes `station` from its page.
    pub fn sign_in_here(&self, name: &str, person: &Actor) -> Result<StationStaffing, ActionError> {
        self.may_work_at(person, name)?;
        let station = self.station(name)?;
        let _turn = station.turn.enter();
        let mut staffing = station.staffing.lock().unwrap_or_else(|p| p.into_inner());
        staffing.waiting = None;
        let already = staffing
            .current
            .as_ref()
            .is_some_and(|o| o.actor.id == person.id);
        if !already {
            self.take_station(name, station, &mut staffing, person.clone(), None);
        }
        Ok(self.staffing_view(name, station, &staffing))
    }

    /// Ends whoever works `station` (the page's button).
    pub fn sign_out_here(&self, name: &str) -> Result<StationStaffing, ActionError> {
        let station = self.station(name)?;
        let _turn = station.turn.enter();
        let mut staffing = station.staffing.lock().unwrap_or_else(|p| p.into_inner());
        staffing.waiting = None;
        if let Some(ended) = staffing.current.take() {
            self.clear_desk_now(station);
            self.operator_changed(
                name,
                station,
                &staffing,
                OperatorChange::SignedOut,
                &ended.actor,
                ScanMsg::OperatorSignedOut {
                    name: ended.actor.name.clone(),
                },
            );
        }
        Ok(self.staffing_view(name, station, &staffing))
    }
}

/// What a PIN typed at a station did.
#[derive(Debug, Clone)]
pub enum PinAnswer {
    SignedIn(StationStaffing),
    /// Wrong: the badge must be read again (and the limiter counts it).
    Wrong,
    /// The badge's holder has no PIN yet.
    NoPin(String),
}

/// The refusal of a scanner's scan at a station that needs an operator.
pub(super) fn operator_required(station: &str) -> ScanOutcome {
    ScanOutcome::refused(
        OutcomeKind::Unknown,
        RuleCode::OperatorRequired,
        ScanMsg::OperatorRequired {
            station: station.to_string(),
        },
    )
}
