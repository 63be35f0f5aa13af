//! What a scan means at each desk (the station's `workflow`, README "Scanners and stations").
//!
//! A station keeps a little state between scans (the patient just scanned,
//! the package being packed) and turns each scan into one of the spine's
//! actions, exactly as the HTTP API calls them, so a scan and a click obey
//! the same rules:
//!
//! - **reception**: a patient, a tube and a kit fill one registration
//!   draft. Nothing is written: the desk then completes the form (type,
//!   onset date), and a kit is checked at once (an expired kit is refused
//!   before the swab is used). Each scan fills its own slot, known by the
//!   barcode's kind and never by the order of scans (see [`ReceptionDesk`]
//!   for what is refused). A registration of the draft's tube, a
//!   start-over or `[scanning] draft_idle_minutes` without a scan ends the
//!   draft.
//! - **storage**: a tube and a location, in either order: the second of the
//!   pair stores the tube there.
//! - **packing**: a package (or the `new_package` command), then its tubes,
//!   then command codes for the checklist and dispatch.
//! - **receiving**: a package is received with all its tubes.
//! - **results**: a tube, then its result code; or a result code first,
//!   then every tube that has that result (a batch). See [`results_desk`].
//!
//! Every scan does at most one write, and that write claims the journal row
//! (see `scanning::journal`), so a scan replayed after a crash never acts
//! twice.

use crate::actions::known::StoredIds;
use crate::actions::packages::{self, AddSpecimen, Dispatch, NewPackage, Receive, Tick};
use crate::actions::results::{self, DeskTube, RecordResult};
use crate::actions::scans::{KitDraft, ReceptionDraft, ResultDesk, ScanOutcome};
use crate::actions::storage::{self, StoreSpecimen};
use crate::actions::{kits, Actor, Ctx};
use crate::barcode::classify::{classify_at_desk, CodePatterns, Command, Known, ScanKind};
use crate::config::Workflow;
use crate::domain::ids::LocationCode;
use crate::domain::kits as kit_rules;
use crate::domain::messages::{InputMsg, ScanMsg, Step};
use crate::domain::packaging::{Carrier, ChecklistItem};
use crate::domain::results::{at_desk, AtDesk, ResultStatus, TestResult};
use crate::domain::{Decision, OutcomeKind, RuleCode};
use chrono::{DateTime, Duration, Utc};

/// What a station remembers between scans; kept with each scan in the
/// journal so a restart resumes the desk where it was.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "workflow", rename_all = "snake_case")]
pub enum StationState {
    Reception(ReceptionDesk),
    Storage {
        specimen_id: Option<String>,
        location: Option<String>,
    },
    Packing {
        package: Option<String>,
    },
    Receiving,
    Results {
        /// The tube waiting for its result code.
        #[serde(default)]
        specimen_id: Option<String>,
        /// The result every tube scanned now gets.
        #[serde(default)]
        batch: Option<TestResult>,
        /// The last scan: a held tube or a batch left for
        /// `[scanning] draft_idle_minutes` ends, so a batch of negatives
        /// left running never gives the next shift's tube a result.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        touched_at: Option<DateTime<Utc>>,
    },
}

impl StationState {
    pub fn new(workflow: Workflow) -> StationState {
        match workflow {
            Workflow::Reception => StationState::Reception(ReceptionDesk::default()),
            Workflow::Storage => StationState::Storage {
                specimen_id: None,
                location: None,
            },
            Workflow::Packing => StationState::Packing { package: None },
            Workflow::Receiving => StationState::Receiving,
            Workflow::Results => StationState::Results {
                specimen_id: None,
                batch: None,
                touched_at: None,
            },
        }
    }

    pub fn workflow(&self) -> Workflow {
        match self {
            StationState::Reception(_) => Workflow::Reception,
            StationState::Storage { .. } => Workflow::Storage,
            StationState::Packing { .. } => Workflow::Packing,
            StationState::Receiving => Workflow::Receiving,
            StationState::Results { .. } => Workflow::Results,
        }
    }

    /// A result desk's state as its page shows it (`None` at other desks).
    pub fn result_desk(&self) -> Option<ResultDesk> {
        match self {
            StationState::Results {
                specimen_id, batch, ..
            } => Some(ResultDesk {
                specimen_id: specimen_id.clone(),
                batch: *batch,
            }),
            _ => None,
        }
    }
}

/// A reception desk's registration draft: one slot each for the patient,
/// the tube and the kit.
///
/// A clerk's day, scan by scan:
///
/// - a patient, a tube or a kit fills its empty slot, in any order (the
///   patient is usually first; a tube or kit scanned before it waits);
/// - the same patient or tube scanned again changes nothing;
/// - a patient's barcode while the draft waits for its tube (patient in,
///   no tube yet) is refused `patient_not_tube`, whoever's it is: it is
///   never taken as the tube;
/// - another patient or another tube while a draft holds both is refused
///   `draft_in_progress`: the clerk registers the draft or presses
///   やり直し. Replacing the patient silently would leave the previous
///   patient's tube, kit and typed form with the new patient's number, the
///   mislabelling this desk exists to prevent;
/// - a second kit replaces the first (the kit is whatever is in the hand;
///   it names no one);
/// - a code the patterns read as neither or both is refused
///   (`unrecognised_code`, `ambiguous_code`); a tube already registered is
///   `duplicate_specimen`.
///
/// Every refusal leaves the draft as it was, its idle clock included.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReceptionDesk {
    pub patient: Option<String>,
    pub specimen_id: Option<String>,
    pub kit: Option<KitDraft>,
    /// When the tube was first scanned: the collection time the form
    /// proposes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tube_scanned_at: Option<DateTime<Utc>>,
    /// The last accepted scan: the draft's idle time runs from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touched_at: Option<DateTime<Utc>>,
}

impl ReceptionDesk {
    pub fn is_empty(&self) -> bool {
        self.patient.is_none() && self.specimen_id.is_none() && self.kit.is_none()
    }

    /// When the draft expires, if it is not empty and `idle` is set.
    pub fn expires_at(&self, idle: Option<Duration>) -> Option<DateTime<Utc>> {
        if self.is_empty() {
            return None;
        }
        Some(self.touched_at? + idle?)
    }

    /// Whether the draft has sat untouched for `idle` by `now`.
    pub fn expired(&self, idle: Option<Duration>, now: DateTime<Utc>) -> bool {
        self.expires_at(idle).is_some_and(|at| at <= now)
    }

    /// Whether registering `specimen_id` (for `patient_id`) finishes this
    /// draft: it holds that tube, or no tube yet and that patient (the
    /// clerk typed the tube's number into the form).
    pub fn ended_by(&self, specimen_id: &str, patient_id: Option<&str>) -> bool {
        match &self.specimen_id {
            Some(tube) => tube == specimen_id,
            None => self.patient.is_some() && self.patient.as_deref() == patient_id,
        }
    }

    /// The draft as the station's outcome and page show it.
    pub fn view(&self, ctx: &Ctx, idle: Option<Duration>) -> ReceptionDraft {
        let site = |t: DateTime<Utc>| ctx.site_time(t.naive_utc());
        ReceptionDraft {
            patient: self.patient.clone(),
            specimen_id: self.specimen_id.clone(),
            kit: self.kit.clone(),
            tube_scanned_at: self.tube_scanned_at.map(site),
            expires_at: self.expires_at(idle).map(site),
        }
    }

    /// What the desk waits for next.
    fn next(&self) -> Step {
        match (
            self.patient.is_some(),
            self.specimen_id.is_some(),
            self.kit.is_some(),
        ) {
            (false, _, _) => Step::ScanPatient,
            (true, false, _) => Step::ScanNewTube,
            (true, true, false) => Step::ScanKitOrForm,
            (true, true, true) => Step::CompleteForm,
        }
    }
}

/// One scan at one station: who acts, what was read, when.
pub struct ScanInput<'a> {
    /// The context whose writes claim this scan's journal row.
    pub ctx: &'a Ctx,
    pub actor: &'a Actor,
    pub raw: &'a [u8],
    pub scanned_at: DateTime<Utc>,
    /// The site's patient and tube patterns.
    pub patterns: &'a CodePatterns,
    /// `[scanning] draft_idle_minutes`, for the draft's expiry time.
    pub draft_idle: Option<Duration>,
}

/// Reads the scan and does what the station's workflow asks of it.
pub fn handle(state: &mut StationState, input: &ScanInput<'_>) -> ScanOutcome {
    let parsed = match crate::barcode::parse_bytes(input.raw) {
        Ok(p) => p,
        Err(e) => {
            return ScanOutcome::refused(
                OutcomeKind::Unknown,
                RuleCode::InvalidBarcode,
                e.message(),
            )
        }
    };
    let kind = classify_at_desk(&parsed, &StoredIds(input.ctx), input.patterns);
    if let ScanKind::Command(Command::Cancel) = kind {
        let workflow = state.workflow();
        let message = match state {
            StationState::Reception(desk) => ScanMsg::ReceptionCancelled {
                patient: desk.patient.clone(),
                specimen_id: desk.specimen_id.clone(),
            },
            StationState::Results {
                batch: Some(result),
                ..
            } => ScanMsg::BatchEnded { result: *result },
            _ => ScanMsg::Cancelled,
        };
        *state = StationState::new(workflow);
        let mut out = ScanOutcome::accepted(OutcomeKind::Command, message);
        out.next = Some(first_step(workflow).into());
        if let StationState::Reception(desk) = state {
            out.draft = Some(Box::new(desk.view(input.ctx, input.draft_idle)));
        }
        out.result_desk = state.result_desk();
        return out;
    }
    match state {
        StationState::Reception(desk) => reception(desk, kind, input),
        StationState::Storage {
            specimen_id,
            location,
        } => storage_desk(specimen_id, location, kind, input),
        StationState::Packing { package } => packing(package, kind, input),
        StationState::Receiving => receiving(kind, input),
        StationState::Results {
            specimen_id,
            batch,
            touched_at,
        } => {
            let idle = touched_at
                .zip(input.draft_idle)
                .is_some_and(|(at, idle)| at + idle <= input.scanned_at);
            if idle {
                *specimen_id = None;
                *batch = None;
            }
            *touched_at = Some(input.scanned_at);
            results_desk(specimen_id, batch, kind, input)
        }
    }
}

fn first_step(workflow: Workflow) -> Step {
    match workflow {
        Workflow::Reception => Step::ScanPatient,
        Workflow::Storage => Step::ScanTubeOrLocation,
        Workflow::Packing => Step::ScanPackageOrNew,
        Workflow::Receiving => Step::ScanPackageLabel,
        Workflow::Results => Step::ScanTubeOrResult,
    }
}

fn unexpected(kind: &ScanKind, station: &str) -> ScanOutcome {
    ScanOutcome::refused(
        kind.outcome_kind(),
        RuleCode::UnexpectedScan,
        ScanMsg::UnexpectedScan {
            kind: kind.code().into(),
            workflow: station.into(),
        },
    )
}

fn reception(desk: &mut ReceptionDesk, kind: ScanKind, input: &ScanInput<'_>) -> ScanOutcome {
    let mut out = match kind {
        ScanKind::Patient(p) => match (desk.patient.clone(), desk.specimen_id.clone()) {
            (None, _) => {
                desk.patient = Some(p.clone());
                ScanOutcome::accepted(OutcomeKind::Patient, ScanMsg::PatientScanned { patient: p })
            }
            (Some(current), None) => ScanOutcome::refused(
                OutcomeKind::Patient,
                RuleCode::PatientNotTube,
                ScanMsg::PatientNotTube {
                    scanned: p,
                    patient: current,
                },
            ),
            (Some(current), Some(_)) if current == p => {
                ScanOutcome::accepted(OutcomeKind::Patient, ScanMsg::SamePatient { patient: p })
            }
            (Some(current), Some(tube)) => ScanOutcome::refused(
                OutcomeKind::Patient,
                RuleCode::DraftInProgress,
                ScanMsg::PatientInProgress {
                    scanned: p,
                    patient: current,
                    specimen_id: tube,
                },
            ),
        },
        ScanKind::Specimen(id) if StoredIds(input.ctx).is_specimen(&id) => {
            let mut out = ScanOutcome::refused(
                OutcomeKind::Specimen,
                RuleCode::DuplicateSpecimen,
                ScanMsg::TubeAlreadyRegistered { id: id.clone() },
            );
            out.specimen_id = Some(id);
            out
        }
        ScanKind::Specimen(id) | ScanKind::NewTube(id) => match desk.specimen_id.clone() {
            None => new_tube(desk, id, input.scanned_at),
            Some(current) if current == id => {
                let mut out = ScanOutcome::accepted(
                    OutcomeKind::Specimen,
                    ScanMsg::SameTube { id: id.clone() },
                );
                out.specimen_id = Some(id);
                out
            }
            Some(current) => ScanOutcome::refused(
                OutcomeKind::Specimen,
                RuleCode::DraftInProgress,
                ScanMsg::SecondTube {
                    scanned: id,
                    current,
                },
            ),
        },
        ScanKind::Kit { .. } => {
            let text = String::from_utf8_lossy(input.raw).into_owned();
            match check_kit(input, &text) {
                Ok((draft, warnings)) => {
                    let mut out = ScanOutcome::accepted(
                        OutcomeKind::Kit,
                        ScanMsg::KitScanned {
                            gtin: draft.gtin.clone(),
                            description: draft.description.clone(),
                            lot: draft.lot.clone(),
                        },
                    );
                    out.warnings = warnings;
                    desk.kit = Some(draft);
                    out
                }
                Err(refused) => *refused,
            }
        }
        ScanKind::Ambiguous(code) => ScanOutcome::refused(
            OutcomeKind::Unknown,
            RuleCode::AmbiguousCode,
            ScanMsg::AmbiguousCode { code },
        ),
        ScanKind::Unknown(code) => ScanOutcome::refused(
            OutcomeKind::Unknown,
            RuleCode::UnrecognisedCode,
            ScanMsg::UnrecognisedCode { code },
        ),
        other => unexpected(&other, "reception"),
    };
    if out.accepted {
        desk.touched_at = Some(input.scanned_at);
    }
    out.draft = Some(Box::new(desk.view(input.ctx, input.draft_idle)));
    out.next = Some(desk.next().into());
    out
}

fn new_tube(desk: &mut ReceptionDesk, id: String, at: DateTime<Utc>) -> ScanOutcome {
    if let Err(e) = crate::domain::ids::SpecimenId::parse(id.clone()) {
        return ScanOutcome::refused(
            OutcomeKind::Specimen,
            RuleCode::InvalidInput,
            ScanMsg::NotATubeId {
                reason: Box::new(e.message()),
            },
        );
    }
    desk.specimen_id = Some(id.clone());
    desk.tube_scanned_at = Some(at);
    let mut out = ScanOutcome::accepted(OutcomeKind::Specimen, ScanMsg::NewTube { id: id.clone() });
    out.specimen_id = Some(id);
    out
}

/// The kit label read against the catalog as of the scan's day: an
/// expired kit is refused, a cotton swab warns (`kit_expired`, `kit_swab_material`).
fn check_kit(
    input: &ScanInput<'_>,
    text: &str,
) -> Result<(KitDraft, Vec<crate::domain::Notice>), Box<ScanOutcome>> {
    let today = input.scanned_at.with_timezone(&input.ctx.tz).date_naive();
    let label = kits::read_label(text, today)
        .map_err(|e| Box::new(ScanOutcome::from_error(OutcomeKind::Kit, &e)))?
        .ok_or_else(|| {
            Box::new(ScanOutcome::refused(
                OutcomeKind::Kit,
                RuleCode::InvalidBarcode,
                InputMsg::NotAKitLabel,
            ))
        })?;
    let entry = input
        .ctx
        .store
        .read(|c| kits::catalog_entries(input.ctx, c, std::slice::from_ref(&label.gtin)))
        .map_err(|e| Box::new(ScanOutcome::from_error(OutcomeKind::Kit, &e)))?
        .remove(&label.gtin);
    let decisions = kit_rules::evaluate(&kit_rules::KitCheck {
        label: &label,
        entry: entry.as_ref(),
        specimen_type: entry
            .as_ref()
            .map_or(crate::domain::SpecimenType::Saliva, |e| e.specimen_type),
        collection_date: today,
    });
    let mut warnings = Vec::new();
    for d in decisions {
        match d {
            Decision::Accept => {}
            Decision::Warn(n) => warnings.push(n),
            Decision::Refuse(n) => {
                return Err(Box::new(ScanOutcome::refused(
                    OutcomeKind::Kit,
                    n.code,
                    n.message,
                )))
            }
        }
    }
    Ok((
        KitDraft {
            scan: text.to_string(),
            gtin: label.gtin.clone(),
            lot: label.lot.clone(),
            expiry: label.expiry,
            serial: label.serial.clone(),
            specimen_type: entry.as_ref().map(|e| e.specimen_type.code().to_string()),
            swab_material: entry.as_ref().map(|e| e.swab_material.code().to_string()),
            description: entry.map(|e| e.description),
        },
        warnings,
    ))
}

fn storage_desk(
    pending_tube: &mut Option<String>,
    pending_location: &mut Option<String>,
    kind: ScanKind,
    input: &ScanInput<'_>,
) -> ScanOutcome {
    match kind {
        ScanKind::Specimen(id) => match pending_location.take() {
            Some(location) => store(input, id, location),
            None => {
                let mut out = ScanOutcome::accepted(
                    OutcomeKind::Specimen,
                    ScanMsg::TubeToStore { id: id.clone() },
                );
                out.next = Some(Step::ScanLocation.into());
                out.specimen_id = Some(id.clone());
                *pending_tube = Some(id);
                out
            }
        },
        ScanKind::Location(code) => match pending_tube.take() {
            Some(id) => store(input, id, code),
            None => {
                let mut out = ScanOutcome::accepted(
                    OutcomeKind::Location,
                    ScanMsg::LocationToFill { code: code.clone() },
                );
                out.next = Some(Step::ScanTubeHere.into());
                out.location = Some(code.clone());
                *pending_location = Some(code);
                out
            }
        },
        // A tube kentai has not registered cannot be stored, whatever the
        // patterns say of it.
        ScanKind::Unknown(code) | ScanKind::NewTube(code) | ScanKind::Ambiguous(code) => {
            ScanOutcome::refused(
                OutcomeKind::Unknown,
                RuleCode::UnknownSpecimen,
                ScanMsg::NeitherTubeNorLocation { code },
            )
        }
        other => unexpected(&other, "storage"),
    }
}

fn store(input: &ScanInput<'_>, specimen_id: String, location: String) -> ScanOutcome {
    let request = match LocationCode::parse(location.clone()) {
        Ok(code) => StoreSpecimen {
            location: code,
            at: Some(input.scanned_at.fixed_offset()),
            override_reason: None,
        },
        Err(e) => {
            return ScanOutcome::refused(
                OutcomeKind::Location,
                RuleCode::InvalidInput,
                e.message(),
            );
        }
    };
    let mut out = match storage::record(
        input.ctx,
        input.actor,
        &specimen_id,
        &request,
        input.scanned_at,
    ) {
        Ok(stored) => {
            let mut out = ScanOutcome::accepted(
                OutcomeKind::Location,
                ScanMsg::Stored {
                    id: specimen_id.clone(),
                    location: location.clone(),
                },
            );
            out.warnings = stored.warnings;
            out
        }
        Err(e) => ScanOutcome::from_error(OutcomeKind::Location, &e),
    };
    out.specimen_id = Some(specimen_id);
    out.location = Some(location);
    out.next = Some(Step::ScanNextTubeOrLocation.into());
    out
}

fn packing(current: &mut Option<String>, kind: ScanKind, input: &ScanInput<'_>) -> ScanOutcome {
    let now = input.scanned_at;
    let mut out = match (kind, current.clone()) {
        (ScanKind::Package(id), _) => match packages::get(input.ctx, input.actor, &id, now) {
            Ok(p) if p.status == crate::domain::PackageStatus::Open.code() => {
                *current = Some(id.clone());
                ScanOutcome::accepted(
                    OutcomeKind::Package,
                    ScanMsg::PackingPackage {
                        id: id.clone(),
                        count: p.quantity,
                    },
                )
            }
            Ok(p) => ScanOutcome::refused(
                OutcomeKind::Package,
                RuleCode::PackageDispatched,
                ScanMsg::PackageClosedForPacking {
                    id: id.clone(),
                    status: p.status.clone(),
                },
            ),
            Err(e) => ScanOutcome::from_error(OutcomeKind::Package, &e),
        },
        (ScanKind::Command(Command::NewPackage), _) => {
            let request = NewPackage {
                consignee: Default::default(),
                carrier: Carrier::OfficialVehicle,
                packer: None,
                emergency_phone: None,
            };
            match packages::create(input.ctx, input.actor, &request, now) {
                Ok(created) => {
                    let id = created.package.package_id.clone();
                    *current = Some(id.clone());
                    ScanOutcome::accepted(OutcomeKind::Command, ScanMsg::NewPackage { id })
                }
                Err(e) => ScanOutcome::from_error(OutcomeKind::Command, &e),
            }
        }
        (ScanKind::Specimen(sid), Some(pid)) => {
            let request = AddSpecimen {
                specimen_id: sid.clone(),
                override_reason: None,
            };
            let mut out = match packages::add_specimen(input.ctx, input.actor, &pid, &request, now)
            {
                Ok(changed) => {
                    let mut out = ScanOutcome::accepted(
                        OutcomeKind::Specimen,
                        ScanMsg::Packed {
                            id: sid.clone(),
                            count: changed.package.quantity,
                        },
                    );
                    out.warnings = changed.warnings;
                    out
                }
                Err(e) => ScanOutcome::from_error(OutcomeKind::Specimen, &e),
            };
            out.specimen_id = Some(sid);
            out
        }
        (ScanKind::Command(Command::Tick(item)), Some(pid)) => tick(input, &pid, item, true),
        (ScanKind::Command(Command::Untick(item)), Some(pid)) => tick(input, &pid, item, false),
        (ScanKind::Command(Command::Dispatch), Some(pid)) => {
            let request = Dispatch {
                at: Some(now.fixed_offset()),
                override_reason: None,
            };
            match packages::dispatch(input.ctx, input.actor, &pid, &request, now) {
                Ok(_) => {
                    *current = None;
                    ScanOutcome::accepted(OutcomeKind::Command, ScanMsg::Dispatched { id: pid })
                }
                Err(e) => ScanOutcome::from_error(OutcomeKind::Command, &e),
            }
        }
        (ScanKind::Specimen(_) | ScanKind::Command(_), None) => ScanOutcome::refused(
            OutcomeKind::Command,
            RuleCode::UnexpectedScan,
            ScanMsg::PackageFirst,
        ),
        (ScanKind::Unknown(code) | ScanKind::NewTube(code) | ScanKind::Ambiguous(code), _) => {
            ScanOutcome::refused(
                OutcomeKind::Unknown,
                RuleCode::UnknownSpecimen,
                ScanMsg::NotTubeOrPackage { code },
            )
        }
        (other, _) => unexpected(&other, "packing"),
    };
    out.package_id = current.clone();
    out.next = Some(
        if current.is_some() {
            Step::PackTubes
        } else {
            Step::ScanPackageOrNew
        }
        .into(),
    );
    out
}

/// A checklist code: primary items apply to every tube in the package.
fn tick(input: &ScanInput<'_>, package_id: &str, item: ChecklistItem, done: bool) -> ScanOutcome {
    let request = Tick {
        item,
        specimen_id: None,
        done,
        dry_ice_kg: None,
    };
    match packages::tick(
        input.ctx,
        input.actor,
        package_id,
        &request,
        input.scanned_at,
    ) {
        Ok(changed) => {
            let left = changed.package.missing.len();
            let mut out = ScanOutcome::accepted(
                OutcomeKind::Command,
                if done {
                    ScanMsg::Ticked { item, left }
                } else {
                    ScanMsg::Unticked { item, left }
                },
            );
            out.warnings = changed.warnings;
            out
        }
        Err(e) => ScanOutcome::from_error(OutcomeKind::Command, &e),
    }
}

fn receiving(kind: ScanKind, input: &ScanInput<'_>) -> ScanOutcome {
    match kind {
        ScanKind::Package(id) => {
            let request = Receive {
                at: Some(input.scanned_at.fixed_offset()),
                missing: Vec::new(),
                note: None,
            };
            let mut out =
                match packages::receive(input.ctx, input.actor, &id, &request, input.scanned_at) {
                    Ok(changed) if changed.created => ScanOutcome::accepted(
                        OutcomeKind::Package,
                        ScanMsg::Received {
                            id: id.clone(),
                            count: changed.package.quantity,
                        },
                    ),
                    Ok(_) => ScanOutcome::accepted(
                        OutcomeKind::Package,
                        ScanMsg::AlreadyReceived { id: id.clone() },
                    ),
                    Err(e) => ScanOutcome::from_error(OutcomeKind::Package, &e),
                };
            out.package_id = Some(id);
            out
        }
        other => unexpected(&other, "receiving"),
    }
}

/// The result desk: a tube and its result code, one pair at a time, or a
/// result code and then a run of tubes that all have it (a rack of
/// negatives), each confirmed on the station page as it is recorded.
///
/// - A tube with no batch running is checked and held: it must be
///   registered (`unknown_specimen`) and, at a site with a receiving desk,
///   received (`not_received`). The desk then waits for its result code.
/// - A result code (`KTCMD:result:positive|negative|inconclusive|invalid`)
///   with a tube held records that result for it, by the tube's registered
///   method, at the time of the scan. The desk holds nothing after it,
///   whatever the outcome.
/// - A result code with no tube held starts a batch of that result: every
///   tube scanned after it is recorded with it at once. The same code again
///   ends the batch, another result code switches to that result, and
///   `KTCMD:cancel` ends it too.
/// - Any scan other than a result code drops the held tube first: a
///   result code goes to the tube scanned just before it, or to none, so a
///   result never lands on a tube put down in between.
/// - A tube whose standing result is already that result (same result and
///   method, at any time) is refused `already_resulted`; one with a
///   different standing result is refused `correction_reason_required`: a
///   correction needs a written reason, given on the results page, never by
///   a scan. Neither writes anything.
/// - Other codes are refused as at the other desks: `unknown_specimen` for
///   a code that is no registered tube, `unexpected_scan` for other kinds.
///
/// At a `[policy] result_release = "second_person"` site the recorded
/// result waits as `entered` for someone else's release, and the outcome
/// says so.
fn results_desk(
    held: &mut Option<String>,
    batch: &mut Option<TestResult>,
    kind: ScanKind,
    input: &ScanInput<'_>,
) -> ScanOutcome {
    let tube = held.take();
    let mut out = match kind {
        ScanKind::Command(Command::Result(result)) => match (tube, *batch) {
            (Some(id), _) => record_scanned_result(input, OutcomeKind::Command, id, result),
            (None, Some(running)) if running == result => {
                *batch = None;
                ScanOutcome::accepted(OutcomeKind::Command, ScanMsg::BatchEnded { result })
            }
            (None, _) => {
                *batch = Some(result);
                ScanOutcome::accepted(OutcomeKind::Command, ScanMsg::BatchStarted { result })
            }
        },
        ScanKind::Specimen(id) => match *batch {
            Some(result) => record_scanned_result(input, OutcomeKind::Specimen, id, result),
            None => match judge_tube(input, OutcomeKind::Specimen, &id, None) {
                Ok(checked) => {
                    *held = Some(id.clone());
                    let mut out = ScanOutcome::accepted(
                        OutcomeKind::Specimen,
                        ScanMsg::ResultTube {
                            id: id.clone(),
                            current: checked.standing.map(|s| s.result),
                        },
                    );
                    out.specimen_id = Some(id);
                    out
                }
                Err(refused) => *refused,
            },
        },
        // A tube kentai has not registered cannot have a result, whatever
        // the patterns say of it.
        ScanKind::Unknown(code) | ScanKind::NewTube(code) | ScanKind::Ambiguous(code) => {
            ScanOutcome::refused(
                OutcomeKind::Unknown,
                RuleCode::UnknownSpecimen,
                ScanMsg::NotRegisteredTube { code },
            )
        }
        other => unexpected(&other, "results"),
    };
    out.result_desk = Some(ResultDesk {
        specimen_id: held.clone(),
        batch: *batch,
    });
    out.next = Some(
        match (held.is_some(), *batch) {
            (true, _) => Step::ScanResultCommand,
            (false, Some(result)) => Step::BatchNextTube { result },
            (false, None) => Step::ScanTubeOrResult,
        }
        .into(),
    );
    out
}

/// Whether the result desk may give `specimen_id` a result (`result`, or
/// none yet while it only holds the tube): it reads, never writes.
fn judge_tube(
    input: &ScanInput<'_>,
    kind: OutcomeKind,
    specimen_id: &str,
    result: Option<TestResult>,
) -> Result<DeskTube, Box<ScanOutcome>> {
    let refuse = |code: RuleCode, message: ScanMsg| {
        let mut out = ScanOutcome::refused(kind, code, message);
        out.specimen_id = Some(specimen_id.to_string());
        Box::new(out)
    };
    let tube = match results::desk_tube(input.ctx, specimen_id) {
        Ok(Some(tube)) => tube,
        Ok(None) => {
            return Err(refuse(
                RuleCode::UnknownSpecimen,
                ScanMsg::NotRegisteredTube {
                    code: specimen_id.to_string(),
                },
            ))
        }
        Err(e) => return Err(Box::new(ScanOutcome::from_error(kind, &e))),
    };
    let id = specimen_id.to_string();
    let verdict = at_desk(
        results::site_receives(input.ctx),
        tube.status == crate::domain::SpecimenStatus::Received,
        tube.standing.as_ref(),
        result,
        tube.method,
    );
    match (verdict, result) {
        (AtDesk::NotReceived, _) => Err(refuse(RuleCode::NotReceived, ScanMsg::NotReceived { id })),
        (AtDesk::Same { .. }, Some(result)) => Err(refuse(
            RuleCode::AlreadyResulted,
            ScanMsg::AlreadyResulted { id, result },
        )),
        (AtDesk::Differs { current }, Some(result)) => Err(refuse(
            RuleCode::CorrectionReasonRequired,
            ScanMsg::CorrectOnResultsPage {
                id,
                current,
                result,
            },
        )),
        _ => Ok(tube),
    }
}

/// Records `result` for the tube as of the scan: the scan's one write.
fn record_scanned_result(
    input: &ScanInput<'_>,
    kind: OutcomeKind,
    specimen_id: String,
    result: TestResult,
) -> ScanOutcome {
    if let Err(refused) = judge_tube(input, kind, &specimen_id, Some(result)) {
        return *refused;
    }
    let request = RecordResult {
        result,
        method: None,
        resulted_at: input.scanned_at.fixed_offset(),
        reason: None,
        ct: None,
        assay: None,
    };
    let mut out = match results::record(
        input.ctx,
        input.actor,
        &specimen_id,
        &request,
        input.scanned_at,
    ) {
        Ok(recorded) if recorded.created => ScanOutcome::accepted(
            kind,
            ScanMsg::ResultRecorded {
                id: specimen_id.clone(),
                result,
                pending: recorded.result.status == ResultStatus::Entered,
            },
        ),
        // Recorded by someone else in between, identically.
        Ok(_) => ScanOutcome::refused(
            kind,
            RuleCode::AlreadyResulted,
            ScanMsg::AlreadyResulted {
                id: specimen_id.clone(),
                result,
            },
        ),
        Err(e) => ScanOutcome::from_error(kind, &e),
    };
    out.specimen_id = Some(specimen_id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_desks_state_goes_through_the_journal_and_older_states_still_read() {
        let cases = [
            (
                StationState::Results {
                    specimen_id: Some("T-1".into()),
                    batch: None,
                    touched_at: None,
                },
                r#"{"workflow":"results","specimen_id":"T-1","batch":null}"#,
            ),
            (
                StationState::Results {
                    specimen_id: None,
                    batch: Some(TestResult::Negative),
                    touched_at: None,
                },
                r#"{"workflow":"results","specimen_id":null,"batch":"negative"}"#,
            ),
        ];
        for (state, json) in cases {
            assert_eq!(serde_json::to_string(&state).unwrap(), json);
            let back: StationState = serde_json::from_str(json).unwrap();
            assert_eq!(back, state);
            assert_eq!(back.workflow(), Workflow::Results);
        }
        // Fields a journal row lacks read as empty.
        let bare: StationState = serde_json::from_str(r#"{"workflow":"results"}"#).unwrap();
        assert_eq!(bare, StationState::new(Workflow::Results));
        assert_eq!(bare.result_desk(), Some(ResultDesk::default()));
        // What earlier versions journalled reads as it did.
        let older = [
            (
                r#"{"workflow":"storage","specimen_id":"T-1","location":null}"#,
                Workflow::Storage,
            ),
            (
                r#"{"workflow":"packing","package":null}"#,
                Workflow::Packing,
            ),
            (r#"{"workflow":"receiving"}"#, Workflow::Receiving),
            (
                r#"{"workflow":"reception","patient":"P-1","specimen_id":null,"kit":null}"#,
                Workflow::Reception,
            ),
        ];
        for (json, workflow) in older {
            let state: StationState = serde_json::from_str(json).expect(json);
            assert_eq!(state.workflow(), workflow, "{json}");
            assert_eq!(state.result_desk(), None, "{json}");
        }
    }

    #[test]
    fn a_result_desk_starts_empty_waiting_for_a_tube_or_a_result_code() {
        let state = StationState::new(Workflow::Results);
        assert_eq!(state.result_desk(), Some(ResultDesk::default()));
        assert_eq!(first_step(Workflow::Results), Step::ScanTubeOrResult);
    }
}
