//! The scan path (README, "Scanners and stations"): every scan, from a scanner's frame or from
//! `POST /api/v1/scans`, goes the same way:
//!
//! journal (durable first) → duplicate check → barcode parse → classify →
//! station workflow → the spine's action → outcome to the station's event
//! stream and to the caller.
//!
//! [`ScanService`] owns the stations' state, the per-station event
//! channels and the scanner supervisor. A station's scans are processed one
//! at a time and in order (its lock is held from the journal write to the
//! outcome), different stations in parallel.
//!
//! A reception desk's draft also ends without a scan: a registration of
//! its tube ([`ScanService::registered`]) or `[scanning]
//! draft_idle_minutes` without a scan (a sweeper thread, and a check when
//! the next scan arrives). Each says so on the station's stream (a
//! `reset` event). Those endings are not journalled as scans; a restarted
//! server re-applies them to the state it resumes from the journal, so a
//! finished or expired draft never comes back.

pub mod devices;
pub mod journal;
pub mod operators;
pub mod udev;
pub mod workflow;

use crate::actions::scans::{ReceptionDraft, ResultDesk, ScanOutcome, ScanView};
use crate::actions::{badges, users, ActionError, Actor, Ctx};
use crate::barcode::classify::CodePatterns;
use crate::config::{ConfigError, StationConfig, Workflow};
use crate::domain::messages::{RecordMsg, ScanMsg, Step};
use crate::domain::roles::{Action, Role};
use crate::domain::{Msg, Notice, OutcomeKind, RuleCode};
use crate::turnstile::Turnstile;
use chrono::{DateTime, FixedOffset, Utc};
use journal::NewScan;
use kentai_drivers::framing::{FramingError, HalfFrameCause};
use kentai_drivers::supervisor::{DeviceEvent, DeviceStatus, Opener, Supervisor};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::broadcast;
use workflow::{ReceptionDesk, ScanInput, StationState};

/// How many events a slow listener may fall behind before it catches up
/// from the journal instead.
const EVENT_BUFFER: usize = 256;

/// What a station's event stream carries.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum StationEvent {
    /// A scan and its outcome.
    Scan(Box<ScanView>),
    /// A scanner of this station changed state (`absent`, `open`,
    /// `reading`, `lost`, `back_off`).
    Device {
        device: String,
        state: String,
        detail: Option<String>,
        at: DateTime<Utc>,
    },
    /// A scanner sent something that is not a scan (`garbage`, `too_long`,
    /// `half_frame`): refused, nothing journalled.
    DeviceError {
        device: String,
        code: String,
        message: Msg,
        at: DateTime<Utc>,
    },
    /// A reception draft ended without a scan: a registration took its
    /// tube (`registered`) or it sat idle too long (`expired`). The desk
    /// is ready for the next patient.
    Reset {
        reason: ResetReason,
        message: Msg,
        next: Msg,
        /// The registered tube (`registered`) or the dropped draft's tube.
        #[serde(skip_serializing_if = "Option::is_none")]
        specimen_id: Option<String>,
        /// The draft now: empty.
        draft: Box<ReceptionDraft>,
        at: DateTime<FixedOffset>,
    },
    /// The person working the station changed, or a badge waits for its
    /// PIN.
    Operator {
        change: operators::OperatorChange,
        /// Who works the station now (`None`: nobody).
        #[serde(skip_serializing_if = "Option::is_none")]
        operator: Option<Box<operators::OperatorView>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        waiting_for_pin: Option<String>,
        message: Msg,
        at: DateTime<FixedOffset>,
    },
}

/// Why a reception draft ended without a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResetReason {
    Registered,
    Expired,
    /// The person working the station changed: their unfinished
    /// registration is not the next person's.
    OperatorChanged,
}

impl StationEvent {
    /// The SSE `id:` (scans only, so `Last-Event-ID` names a journal row).
    pub fn scan_id(&self) -> Option<i64> {
        match self {
            StationEvent::Scan(v) => Some(v.scan_id),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            StationEvent::Scan(_) => "scan",
            StationEvent::Device { .. } => "device",
            StationEvent::DeviceError { .. } => "device_error",
            StationEvent::Reset { .. } => "reset",
            StationEvent::Operator { .. } => "operator",
        }
    }
}

/// A scanner's bad frame as the station reads it.
fn frame_error_message(error: &FramingError) -> Msg {
    match error {
        FramingError::Garbage { discarded, preview } => ScanMsg::DeviceGarbage {
            discarded: *discarded,
            preview: preview.clone(),
        },
        FramingError::TooLong { limit, preview, .. } => ScanMsg::DeviceTooLong {
            limit: *limit,
            preview: preview.clone(),
        },
        FramingError::HalfFrame {
            cause,
            discarded,
            preview,
        } => ScanMsg::DeviceHalfFrame {
            cause: match cause {
                HalfFrameCause::DeviceLost => "device_lost",
                HalfFrameCause::Silence => "silence",
                HalfFrameCause::NewStx => "new_stx",
                HalfFrameCause::OutsideStxEtx => "outside_stx_etx",
            }
            .into(),
            discarded: *discarded,
            preview: preview.clone(),
        },
    }
    .into()
}

/// Whether a role may send scans to a station of `workflow` and follow
/// it: it must be allowed what that desk's scans do (a reception clerk has
/// no use for a packing desk, whose every scan would be refused, and must
/// not reset it with `KTCMD:cancel`).
pub fn may_scan_at(role: Role, workflow: Workflow) -> bool {
    let work = match workflow {
        Workflow::Reception => Action::RegisterSpecimen,
        Workflow::Storage => Action::RecordStorage,
        Workflow::Packing => Action::PackSpecimens,
        Workflow::Receiving => Action::ReceivePackages,
        Workflow::Results => Action::RecordResult,
    };
    role.may(Action::WatchStations) && role.may(Action::Scan) && role.may(work)
}

/// The service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Action(#[from] ActionError),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

struct Station {
    workflow: Workflow,
    /// Scanner scans count only while a person works the station.
    require_operator: bool,
    /// Who works the station, and whose badge waits for a PIN.
    staffing: Mutex<operators::Staffing>,
    /// Who the station's own scanners act as.
    actor: Actor,
    /// The station's scans take turns in the order they arrived (the
    /// workflow's state is what the scans before left).
    turn: Turnstile,
    /// The station's scans are announced in the same order: a scan takes
    /// its place here before it gives up its turn, and announces itself
    /// once its journal row is durable, while the next scan already runs.
    announcing: Turnstile,
    state: Mutex<StationState>,
    events: broadcast::Sender<Arc<StationEvent>>,
}

/// The last read of one device at one station, to spot the same code
/// read twice.
struct LastRead {
    raw: Vec<u8>,
    at: DateTime<Utc>,
    scan_id: i64,
    accepted: bool,
}

/// A scan arriving at a station.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub station: String,
    pub device: String,
    pub raw: Vec<u8>,
    pub aim: Option<String>,
    pub scanned_at: DateTime<Utc>,
}

pub struct ScanService {
    ctx: Ctx,
    stations: HashMap<String, Station>,
    /// By station and device: a device that moves between stations (a
    /// cordless scanner, a browser that opened another desk) starts anew
    /// at each.
    last_reads: Mutex<HashMap<(String, String), LastRead>>,
    duplicate_window: chrono::Duration,
    patterns: CodePatterns,
    draft_idle: Option<chrono::Duration>,
    supervisor: Mutex<Option<Supervisor>>,
}

/// How often the sweeper looks for idle drafts: a quarter of the idle
/// time, between 0.1 s and 15 s, so a draft outlives its time by little.
fn sweep_every(idle: chrono::Duration) -> std::time::Duration {
    let quarter = idle.to_std().unwrap_or_default() / 4;
    quarter.clamp(
        std::time::Duration::from_millis(100),
        std::time::Duration::from_secs(15),
    )
}

/// The role a station's scanners act with.
pub fn station_role(workflow: Workflow) -> Role {
    match workflow {
        Workflow::Reception | Workflow::Storage => Role::Reception,
        Workflow::Packing | Workflow::Receiving | Workflow::Results => Role::Lab,
    }
}

impl ScanService {
    /// Sets up the configured stations (and their users), then processes
    /// what an earlier run journalled but did not process.
    pub fn start(ctx: &Ctx) -> Result<Arc<ScanService>, StartError> {
        let patterns = ctx.config.scanning.code_patterns()?;
        let draft_idle = ctx.config.scanning.draft_idle();
        let now = crate::actions::now();
        let mut stations = HashMap::new();
        for StationConfig {
            name,
            workflow,
            require_operator,
        } in &ctx.config.stations
        {
            let actor = users::station_actor(ctx, name, station_role(*workflow))?;
            let (events, _) = broadcast::channel(EVENT_BUFFER);
            // A state saved for another workflow (the station was
            // reconfigured) is not resumed.
            let state = match journal::last_state(ctx, name)? {
                Some((json, scanned_at)) => serde_json::from_str::<StationState>(&json)
                    .ok()
                    .filter(|s| s.workflow() == *workflow)
                    .map(|s| resumable(ctx, s, scanned_at, draft_idle, now))
                    .transpose()?
                    .unwrap_or_else(|| StationState::new(*workflow)),
                None => StationState::new(*workflow),
            };
            stations.insert(
                name.clone(),
                Station {
                    workflow: *workflow,
                    require_operator: *require_operator,
                    staffing: Mutex::default(),
                    actor,
                    turn: Turnstile::default(),
                    announcing: Turnstile::default(),
                    state: Mutex::new(state),
                    events,
                },
            );
        }
        let window_ms = i64::try_from(ctx.config.scanning.duplicate_window_ms).unwrap_or(i64::MAX);
        let service = Arc::new(ScanService {
            ctx: ctx.clone(),
            stations,
            last_reads: Mutex::new(HashMap::new()),
            duplicate_window: chrono::Duration::milliseconds(window_ms),
            patterns,
            draft_idle,
            supervisor: Mutex::new(None),
        });
        let replayed = service.recover()?;
        if replayed > 0 {
            tracing::info!(replayed, "processed scans journalled before the last stop");
        }
        let receptions = service
            .stations
            .values()
            .any(|s| s.workflow == Workflow::Reception);
        let draft_idle = draft_idle.filter(|_| receptions);
        let operator_idle = ctx
            .config
            .scanning
            .operator_idle()
            .filter(|_| !service.stations.is_empty());
        let shortest = match (draft_idle, operator_idle) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(idle) = shortest {
            spawn_sweeper(Arc::downgrade(&service), sweep_every(idle))
                .map_err(|e| ConfigError::Invalid(format!("cannot start the idle sweeper: {e}")))?;
        }
        Ok(service)
    }

    /// The reception draft of `station` now (`None` for another workflow
    /// or an unknown station).
    pub fn draft(&self, station: &str) -> Option<ReceptionDraft> {
        let station = self.stations.get(station)?;
        let state = station.state.lock().unwrap_or_else(|p| p.into_inner());
        match &*state {
            StationState::Reception(desk) => Some(desk.view(&self.ctx, self.draft_idle)),
            _ => None,
        }
    }

    /// The result desk's state at `station` now (`None` for another
    /// workflow or an unknown station).
    pub fn result_desk(&self, station: &str) -> Option<ResultDesk> {
        let station = self.stations.get(station)?;
        let state = station.state.lock().unwrap_or_else(|p| p.into_inner());
        state.result_desk()
    }

    /// A registration of `specimen_id` (for `patient_id`) went through:
    /// every reception draft it finishes ends, and its station says so.
    pub fn registered(&self, specimen_id: &str, patient_id: Option<&str>) {
        for (name, station) in &self.stations {
            if station.workflow != Workflow::Reception {
                continue;
            }
            let _turn = station.turn.enter();
            let mut state = station.state.lock().unwrap_or_else(|p| p.into_inner());
            let StationState::Reception(desk) = &mut *state else {
                continue;
            };
            if !desk.ended_by(specimen_id, patient_id) {
                continue;
            }
            *desk = ReceptionDesk::default();
            tracing::info!(station = %name, "reception draft ended by its registration");
            self.announce_reset(
                station,
                ResetReason::Registered,
                ScanMsg::DraftRegistered {
                    id: specimen_id.to_string(),
                },
                Some(specimen_id.to_string()),
            );
        }
    }

    /// Ends every reception draft idle since `now - draft_idle`, and
    /// every operator's turn idle past `operator_idle_minutes`.
    fn sweep(&self, now: DateTime<Utc>) {
        for (name, station) in &self.stations {
            let _turn = station.turn.enter();
            self.expire_operator(name, station, now);
            if station.workflow != Workflow::Reception {
                continue;
            }
            let mut state = station.state.lock().unwrap_or_else(|p| p.into_inner());
            self.expire(station, &mut state, now);
        }
    }

    /// Drops the station's draft if it sat idle until `now`, and says so.
    fn expire(&self, station: &Station, state: &mut StationState, now: DateTime<Utc>) {
        let StationState::Reception(desk) = state else {
            return;
        };
        if !desk.expired(self.draft_idle, now) {
            return;
        }
        let seconds = self
            .draft_idle
            .and_then(|d| u64::try_from(d.num_seconds().max(1)).ok())
            .unwrap_or(1);
        let message = ScanMsg::DraftExpired {
            seconds,
            patient: desk.patient.clone(),
            specimen_id: desk.specimen_id.clone(),
        };
        let tube = desk.specimen_id.clone();
        *desk = ReceptionDesk::default();
        self.announce_reset(station, ResetReason::Expired, message, tube);
    }

    /// Ends the station's unfinished work (a draft, a tube waiting for its
    /// location, a package being packed) when the person working it
    /// changes: the next person starts clean, and nothing they scan
    /// finishes what someone else began.
    fn clear_desk(&self, station: &Station, state: &mut StationState) {
        let old = std::mem::replace(state, StationState::new(station.workflow));
        if let StationState::Reception(desk) = old {
            if !desk.is_empty() {
                self.announce_reset(
                    station,
                    ResetReason::OperatorChanged,
                    ScanMsg::ReceptionCancelled {
                        patient: desk.patient.clone(),
                        specimen_id: desk.specimen_id.clone(),
                    },
                    desk.specimen_id,
                );
            }
        }
    }

    /// [`Self::clear_desk`] outside a scan (the station's turn held).
    fn clear_desk_now(&self, station: &Station) {
        let mut state = station.state.lock().unwrap_or_else(|p| p.into_inner());
        self.clear_desk(station, &mut state);
    }

    fn announce_reset(
        &self,
        station: &Station,
        reason: ResetReason,
        message: ScanMsg,
        specimen_id: Option<String>,
    ) {
        let _ = station.events.send(Arc::new(StationEvent::Reset {
            reason,
            message: message.into(),
            next: Step::ScanPatient.into(),
            specimen_id,
            draft: Box::default(),
            at: self.ctx.site_time(crate::actions::now().naive_utc()),
        }));
    }

    pub fn station_names(&self) -> Vec<(String, Workflow)> {
        let mut out: Vec<_> = self
            .stations
            .iter()
            .map(|(n, s)| (n.clone(), s.workflow))
            .collect();
        out.sort();
        out
    }

    fn station(&self, name: &str) -> Result<&Station, ActionError> {
        self.stations.get(name).ok_or_else(|| {
            ActionError::NotFound(Notice::new(
                RuleCode::UnknownStation,
                RecordMsg::NoStation { name: name.into() },
            ))
        })
    }

    /// A live feed of the station's events.
    pub fn subscribe(
        &self,
        station: &str,
    ) -> Result<broadcast::Receiver<Arc<StationEvent>>, ActionError> {
        Ok(self.station(station)?.events.subscribe())
    }

    /// A scan from the API: acts as the caller, who must be allowed the
    /// station's work (checked before anything is journalled).
    pub fn submit_as(&self, actor: &Actor, incoming: Incoming) -> Result<ScanView, ActionError> {
        self.may_work_at(actor, &incoming.station)?;
        self.submit(Some(actor), incoming)
    }

    /// Refuses a person who may not do `station`'s work (send it scans,
    /// sign in at it).
    pub fn may_work_at(&self, actor: &Actor, name: &str) -> Result<(), ActionError> {
        actor.require(Action::Scan)?;
        let station = self.station(name)?;
        if !may_scan_at(actor.role, station.workflow) {
            return Err(ActionError::Forbidden(
                ScanMsg::StationNotForRole {
                    role: actor.role,
                    station: name.to_string(),
                    workflow: workflow_code(station.workflow).into(),
                }
                .into(),
            ));
        }
        Ok(())
    }

    /// Journals the scan, then processes it at its station. `actor` is who
    /// acts; `None` is the station's own user (hardware scanners).
    pub fn submit(
        &self,
        actor: Option<&Actor>,
        incoming: Incoming,
    ) -> Result<ScanView, ActionError> {
        let station = self.station(&incoming.station)?;
        // Poisoning means an earlier scan panicked mid-way; the state is a
        // convenience (what was scanned before), so carry on with it.
        let _turn = station.turn.enter();
        // An operator idle past their time is signed out before this scan
        // is read, even if the sweeper has not come round yet.
        self.expire_operator(&incoming.station, station, incoming.scanned_at);
        let badge = badges::is_badge(&incoming.raw);
        // A scanner's scan acts as the person working the station; a badge
        // is read by the station itself.
        let operator = match (actor, badge) {
            (None, false) => self.operator_at(station, incoming.scanned_at),
            _ => None,
        };
        // A station's own user is looked up again at every scan, so that
        // disabling it (an admin's page) silences the desk's scanners at
        // once: their scans are still journalled, and refused.
        let station_disabled = actor.is_none()
            && operator.is_none()
            && users::actor_by_id(&self.ctx, station.actor.user_ref())?.is_none();
        let nobody_working = actor.is_none() && operator.is_none() && station.require_operator;
        let actor = operator
            .or_else(|| actor.cloned())
            .unwrap_or_else(|| station.actor.clone())
            .at_station(&incoming.station);
        let person = (actor.id != station.actor.id).then(|| actor.name.clone());
        let mut state = station.state.lock().unwrap_or_else(|p| p.into_inner());
        // A draft that sat idle past its time ends before this scan is
        // read, even if the sweeper has not come round yet.
        self.expire(station, &mut state, incoming.scanned_at);
        let previous = self.duplicate_of(&incoming);
        let new = NewScan {
            station: incoming.station.clone(),
            device: incoming.device.clone(),
            raw: badges::journal_form(&incoming.raw),
            aim: incoming.aim.clone(),
            scanned_at: incoming.scanned_at,
            acted_by: actor.user_ref(),
            operator: person.clone(),
        };
        // Not waited for here: the scan's effect (a later write in the
        // same writer's order) or `durable` below commits it.
        let (id, journalled) = journal::journal(&self.ctx, &new, previous.as_ref().map(|p| p.0))?;
        let outcome = match previous {
            Some((first, accepted)) => {
                let mut out = ScanOutcome::refused(
                    OutcomeKind::Unknown,
                    RuleCode::DuplicateScan,
                    ScanMsg::DuplicateScan { first },
                );
                out.accepted = accepted;
                out.duplicate_of = Some(first);
                out
            }
            None if badge => {
                let read = self.badge_scan(
                    &incoming.station,
                    station,
                    &incoming.raw,
                    incoming.scanned_at,
                );
                if read.accepted {
                    self.clear_desk(station, &mut state);
                }
                read
            }
            None if nobody_working => operators::operator_required(&incoming.station),
            None if station_disabled => ScanOutcome::refused(
                OutcomeKind::Unknown,
                RuleCode::Forbidden,
                RecordMsg::StationUserDisabled {
                    name: station.actor.name.clone(),
                },
            ),
            None => self.process(&mut state, id, &actor, &incoming),
        };
        self.remember(&incoming, id, &outcome, previous.is_some());
        let view = ScanView {
            scan_id: id,
            station: incoming.station.clone(),
            device: incoming.device.clone(),
            data: String::from_utf8_lossy(&new.raw).into_owned(),
            aim: incoming.aim.clone(),
            scanned_at: self.ctx.site_time(incoming.scanned_at.naive_utc()),
            operator: person,
            outcome: Some(outcome.clone()),
        };
        let finished = journal::finish(
            &self.ctx,
            id,
            &outcome,
            Some(crate::actions::to_json(&*state)),
        )?;
        // The next scan at this station may run while this one's commit
        // reaches the disk: what it reads of this one (the station's
        // state, the last reads) is in memory, and an effect of this scan
        // was committed before its outcome was known.
        let announcing = station.announcing.enter();
        drop(state);
        drop(_turn);
        journalled.durable()?;
        finished.durable()?;
        // Only once the outcome is in the journal: a listener that joins
        // now either gets this event live or reads it back from the
        // journal, never neither.
        let _ = station
            .events
            .send(Arc::new(StationEvent::Scan(Box::new(view.clone()))));
        drop(announcing);
        Ok(view)
    }

    fn process(
        &self,
        state: &mut StationState,
        id: i64,
        actor: &Actor,
        incoming: &Incoming,
    ) -> ScanOutcome {
        let ctx = self.ctx.for_scan(id);
        let input = ScanInput {
            ctx: &ctx,
            actor,
            raw: &incoming.raw,
            scanned_at: incoming.scanned_at,
            patterns: &self.patterns,
            draft_idle: self.draft_idle,
        };
        workflow::handle(state, &input)
    }

    /// The earlier scan this one repeats: same station, same device, same
    /// bytes, within the window, with no other read from that device at
    /// that station in between.
    fn duplicate_of(&self, incoming: &Incoming) -> Option<(i64, bool)> {
        let reads = self.last_reads.lock().unwrap_or_else(|p| p.into_inner());
        let last = reads.get(&read_key(incoming))?;
        let gap = incoming.scanned_at - last.at;
        (last.raw == incoming.raw
            && gap >= chrono::Duration::zero()
            && gap <= self.duplicate_window)
            .then_some((last.scan_id, last.accepted))
    }

    fn remember(&self, incoming: &Incoming, id: i64, outcome: &ScanOutcome, duplicate: bool) {
        let mut reads = self.last_reads.lock().unwrap_or_else(|p| p.into_inner());
        if duplicate {
            // The window runs from the last read, so a scanner that keeps
            // re-reading a code held under it stays one scan.
            if let Some(last) = reads.get_mut(&read_key(incoming)) {
                last.at = incoming.scanned_at;
            }
            return;
        }
        reads.insert(
            read_key(incoming),
            LastRead {
                raw: incoming.raw.clone(),
                at: incoming.scanned_at,
                scan_id: id,
                accepted: outcome.accepted,
            },
        );
    }

    /// Processes the journal's unprocessed scans in order, as their users.
    fn recover(&self) -> Result<usize, ActionError> {
        let rows = journal::unprocessed(&self.ctx)?;
        let count = rows.len();
        for row in rows {
            let incoming = Incoming {
                station: row.station.clone(),
                device: row.device.clone(),
                raw: row.raw.clone(),
                aim: row.aim.clone(),
                scanned_at: row.scanned_at.and_utc(),
            };
            let mut state_after = None;
            let outcome = match (
                self.stations.get(&row.station),
                users::actor_by_id(&self.ctx, row.acted_by)?,
            ) {
                (None, _) => ScanOutcome::refused(
                    OutcomeKind::Unknown,
                    RuleCode::UnknownStation,
                    RecordMsg::StationGone {
                        name: row.station.clone(),
                    },
                ),
                (Some(_), None) => ScanOutcome::refused(
                    OutcomeKind::Unknown,
                    RuleCode::Forbidden,
                    RecordMsg::ScanUserGone,
                ),
                (Some(_), Some(_)) if badges::is_journalled_badge(&row.raw) => {
                    ScanOutcome::refused(
                        OutcomeKind::Badge,
                        RuleCode::UnknownBadge,
                        ScanMsg::UnknownBadge {
                            label: String::from_utf8_lossy(&row.raw)
                                .trim_end_matches('*')
                                .into(),
                        },
                    )
                }
                (Some(station), Some(actor)) => {
                    let actor = actor.at_station(&row.station);
                    let _turn = station.turn.enter();
                    let mut state = station.state.lock().unwrap_or_else(|p| p.into_inner());
                    self.expire(station, &mut state, incoming.scanned_at);
                    let outcome = self.process(&mut state, row.id, &actor, &incoming);
                    state_after = Some(crate::actions::to_json(&*state));
                    outcome
                }
            };
            journal::finish(&self.ctx, row.id, &outcome, state_after)?.durable()?;
        }
        Ok(count)
    }

    /// Starts one reader per configured scanner; their frames come here.
    pub fn start_devices(
        self: &Arc<Self>,
        opener: Arc<dyn Opener>,
    ) -> Result<(), crate::config::ConfigError> {
        let specs = self.ctx.config.scanner_specs()?;
        if specs.is_empty() {
            return Ok(());
        }
        let weak = Arc::downgrade(self);
        let sink = Arc::new(move |event: DeviceEvent| {
            if let Some(service) = weak.upgrade() {
                service.device_event(event);
            }
        });
        let supervisor = Supervisor::start(specs, opener, Default::default(), sink);
        *self.supervisor.lock().unwrap_or_else(|p| p.into_inner()) = Some(supervisor);
        Ok(())
    }

    pub fn stop_devices(&self) {
        let supervisor = self
            .supervisor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(s) = supervisor {
            s.stop();
        }
    }

    /// The configured scanners and their state (empty when none run).
    pub fn device_statuses(&self) -> Vec<DeviceStatus> {
        self.supervisor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(Supervisor::statuses)
            .unwrap_or_default()
    }

    fn device_event(&self, event: DeviceEvent) {
        match event {
            DeviceEvent::Frame {
                device,
                station,
                frame,
                at,
            } => {
                let incoming = Incoming {
                    station,
                    device: device.clone(),
                    aim: frame.aim.map(|a| String::from_utf8_lossy(&a).into_owned()),
                    raw: frame.bytes,
                    scanned_at: crate::actions::instant(DateTime::<Utc>::from(at).fixed_offset()),
                };
                if let Err(e) = self.submit(None, incoming) {
                    tracing::error!(device, error = %e, "a scan could not be journalled");
                }
            }
            DeviceEvent::Error {
                device,
                station,
                error,
                at,
            } => {
                tracing::warn!(device, code = error.code(), error = %error, "scanner sent a bad frame");
                self.broadcast(
                    &station,
                    StationEvent::DeviceError {
                        device,
                        code: error.code().to_string(),
                        message: frame_error_message(&error),
                        at: at.into(),
                    },
                );
            }
            DeviceEvent::State {
                device,
                station,
                state,
                detail,
                at,
            } => {
                tracing::info!(
                    device,
                    state = state.code(),
                    detail = detail.as_deref().unwrap_or(""),
                    "scanner state"
                );
                self.broadcast(
                    &station,
                    StationEvent::Device {
                        device,
                        state: state.code().to_string(),
                        detail,
                        at: at.into(),
                    },
                );
            }
        }
    }

    fn broadcast(&self, station: &str, event: StationEvent) {
        if let Some(s) = self.stations.get(station) {
            let _ = s.events.send(Arc::new(event));
        }
    }
}

/// The duplicate window's key: station and device.
fn read_key(incoming: &Incoming) -> (String, String) {
    (incoming.station.clone(), incoming.device.clone())
}

fn workflow_code(workflow: Workflow) -> &'static str {
    match workflow {
        Workflow::Reception => "reception",
        Workflow::Storage => "storage",
        Workflow::Packing => "packing",
        Workflow::Receiving => "receiving",
        Workflow::Results => "results",
    }
}

/// The state a restarted station resumes: the journal's last, except a
/// reception draft that has since expired or been finished by a
/// registration (neither is journalled as a scan).
fn resumable(
    ctx: &Ctx,
    state: StationState,
    scanned_at: DateTime<Utc>,
    idle: Option<chrono::Duration>,
    now: DateTime<Utc>,
) -> Result<StationState, ActionError> {
    let StationState::Reception(mut desk) = state else {
        return Ok(state);
    };
    if desk.is_empty() {
        return Ok(StationState::Reception(desk));
    }
    // A draft stored without its own time counts from the scan that left it.
    let touched = *desk.touched_at.get_or_insert(scanned_at);
    let finished = match &desk.specimen_id {
        Some(tube) => crate::actions::known::is_registered(ctx, tube),
        None => crate::actions::known::registered_since(ctx, touched)?
            .iter()
            .any(|(tube, patient)| desk.ended_by(tube, patient.as_deref())),
    };
    if finished || desk.expired(idle, now) {
        return Ok(StationState::Reception(ReceptionDesk::default()));
    }
    Ok(StationState::Reception(desk))
}

/// Wakes every `every` to end idle reception drafts, for as long as the
/// service lives.
fn spawn_sweeper(service: Weak<ScanService>, every: std::time::Duration) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("draft-sweeper".into())
        .spawn(move || loop {
            std::thread::sleep(every);
            let Some(service) = service.upgrade() else {
                return;
            };
            service.sweep(crate::actions::now());
        })
        .map(|_| ())
}

impl Drop for ScanService {
    fn drop(&mut self) {
        let supervisor = self
            .supervisor
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some(supervisor) = supervisor else { return };
        // A scanner's thread holds the service while it hands over a scan,
        // so the last reference can go inside that thread; stopping waits
        // for that very hand-over, so it must then happen elsewhere.
        let on_reader = std::thread::current()
            .name()
            .is_some_and(|n| n.starts_with("scanner-"));
        if on_reader {
            std::thread::spawn(move || supervisor.stop());
        } else {
            supervisor.stop();
        }
    }
}
