//! What a scan means at each desk (SPEC §1, API.md `workflow`).
//!
//! A station keeps a little state between scans (the patient just scanned,
//! the package being packed) and turns each scan into one of the spine's
//! actions, exactly as the HTTP API calls them, so a scan and a click obey
//! the same rules:
//!
//! - **reception**: patient → tube → kit. Nothing is written: the scans
//!   fill the registration the desk then completes (type, onset date), and
//!   a kit is checked at once (an expired kit is refused before the swab is
//!   used).
//! - **storage**: a tube and a location, in either order: the second of the
//!   pair stores the tube there.
//! - **packing**: a package (or the `new_package` command), then its tubes,
//!   then command codes for the checklist and dispatch.
//! - **receiving**: a package is received with all its tubes.
//!
//! Every scan does at most one write, and that write claims the journal row
//! (see `actions::scans`), so a scan replayed after a crash never acts
//! twice.

use crate::actions::packages::{self, AddSpecimen, Dispatch, NewPackage, Receive, Tick};
use crate::actions::scans::{KitDraft, ReceptionDraft, ScanOutcome};
use crate::actions::storage::{self, StoreSpecimen};
use crate::actions::{kits, ActionError, Actor, Ctx};
use crate::barcode::classify::{classify, Command, Known, ScanKind};
use crate::config::Workflow;
use crate::domain::ids::LocationCode;
use crate::domain::kits as kit_rules;
use crate::domain::messages::{InputMsg, ScanMsg, Step};
use crate::domain::packaging::{Carrier, ChecklistItem};
use crate::domain::{Decision, RuleCode};
use crate::store::schema::{locations, packages as package_rows, specimens};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// What a station remembers between scans; kept with each scan in the
/// journal so a restart resumes the desk where it was.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "workflow", rename_all = "snake_case")]
pub enum StationState {
    Reception {
        patient: Option<String>,
        specimen_id: Option<String>,
        kit: Option<KitDraft>,
    },
    Storage {
        specimen_id: Option<String>,
        location: Option<String>,
    },
    Packing {
        package: Option<String>,
    },
    Receiving,
}

impl StationState {
    pub fn new(workflow: Workflow) -> StationState {
        match workflow {
            Workflow::Reception => StationState::Reception {
                patient: None,
                specimen_id: None,
                kit: None,
            },
            Workflow::Storage => StationState::Storage {
                specimen_id: None,
                location: None,
            },
            Workflow::Packing => StationState::Packing { package: None },
            Workflow::Receiving => StationState::Receiving,
        }
    }

    pub fn workflow(&self) -> Workflow {
        match self {
            StationState::Reception { .. } => Workflow::Reception,
            StationState::Storage { .. } => Workflow::Storage,
            StationState::Packing { .. } => Workflow::Packing,
            StationState::Receiving => Workflow::Receiving,
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
}

/// Ids kentai has stored, for plain codes that do not say what they are.
struct StoredIds<'a>(&'a Ctx);

impl StoredIds<'_> {
    fn exists(&self, f: impl FnOnce(&mut crate::store::DbConnection) -> QueryResult<i64>) -> bool {
        // A failed lookup reads as "not known": the scan is then refused
        // as unknown, which is the safe answer.
        self.0
            .store
            .read(|c| f(c).map_err(ActionError::from))
            .map(|n| n > 0)
            .unwrap_or(false)
    }
}

impl Known for StoredIds<'_> {
    fn is_specimen(&self, id: &str) -> bool {
        self.exists(|c| {
            specimens::table
                .filter(specimens::specimen_id.eq(id))
                .count()
                .get_result(c)
        })
    }
    fn is_location(&self, code: &str) -> bool {
        self.exists(|c| {
            locations::table
                .filter(locations::code.eq(code))
                .count()
                .get_result(c)
        })
    }
    fn is_package(&self, id: &str) -> bool {
        self.exists(|c| {
            package_rows::table
                .filter(package_rows::package_id.eq(id))
                .count()
                .get_result(c)
        })
    }
}

/// Reads the scan and does what the station's workflow asks of it.
pub fn handle(state: &mut StationState, input: &ScanInput<'_>) -> ScanOutcome {
    let parsed = match crate::barcode::parse_bytes(input.raw) {
        Ok(p) => p,
        Err(e) => return ScanOutcome::refused("unknown", RuleCode::InvalidBarcode, e.message()),
    };
    let kind = classify(&parsed, &StoredIds(input.ctx));
    if let ScanKind::Command(Command::Cancel) = kind {
        let workflow = state.workflow();
        *state = StationState::new(workflow);
        let mut out = ScanOutcome::accepted("command", ScanMsg::Cancelled);
        out.next = Some(first_step(workflow).into());
        return out;
    }
    match state {
        StationState::Reception {
            patient,
            specimen_id,
            kit,
        } => reception(patient, specimen_id, kit, kind, input),
        StationState::Storage {
            specimen_id,
            location,
        } => storage_desk(specimen_id, location, kind, input),
        StationState::Packing { package } => packing(package, kind, input),
        StationState::Receiving => receiving(kind, input),
    }
}

fn first_step(workflow: Workflow) -> Step {
    match workflow {
        Workflow::Reception => Step::ScanPatient,
        Workflow::Storage => Step::ScanTubeOrLocation,
        Workflow::Packing => Step::ScanPackageOrNew,
        Workflow::Receiving => Step::ScanPackageLabel,
    }
}

fn unexpected(kind: &ScanKind, station: &str) -> ScanOutcome {
    ScanOutcome::refused(
        kind.code(),
        RuleCode::UnexpectedScan,
        ScanMsg::UnexpectedScan {
            kind: kind.code().into(),
            workflow: station.into(),
        },
    )
}

fn reception(
    patient: &mut Option<String>,
    specimen_id: &mut Option<String>,
    kit: &mut Option<KitDraft>,
    kind: ScanKind,
    input: &ScanInput<'_>,
) -> ScanOutcome {
    let mut out = match kind {
        ScanKind::Patient(p) => {
            *patient = Some(p.clone());
            *specimen_id = None;
            *kit = None;
            ScanOutcome::accepted("patient", ScanMsg::PatientScanned { patient: p })
        }
        // A plain code the store does not know: the patient's number
        // first, then the new tube.
        ScanKind::Unknown(code) if patient.is_none() => {
            *patient = Some(code.clone());
            ScanOutcome::accepted("patient", ScanMsg::PatientScanned { patient: code })
        }
        ScanKind::Unknown(code) if specimen_id.is_none() => new_tube(specimen_id, code, "unknown"),
        ScanKind::Specimen(id) => {
            if StoredIds(input.ctx).is_specimen(&id) {
                let mut out = ScanOutcome::refused(
                    "specimen",
                    RuleCode::DuplicateSpecimen,
                    ScanMsg::TubeAlreadyRegistered { id: id.clone() },
                );
                out.specimen_id = Some(id);
                out
            } else {
                new_tube(specimen_id, id, "specimen")
            }
        }
        ScanKind::Kit { .. } => {
            let text = String::from_utf8_lossy(input.raw).into_owned();
            match check_kit(input, &text) {
                Ok((draft, warnings)) => {
                    let mut out = ScanOutcome::accepted(
                        "kit",
                        ScanMsg::KitScanned {
                            gtin: draft.gtin.clone(),
                            description: draft.description.clone(),
                            lot: draft.lot.clone(),
                        },
                    );
                    out.warnings = warnings;
                    *kit = Some(draft);
                    out
                }
                Err(refused) => {
                    *kit = None;
                    *refused
                }
            }
        }
        other => unexpected(&other, "reception"),
    };
    out.draft = Some(Box::new(ReceptionDraft {
        patient: patient.clone(),
        specimen_id: specimen_id.clone(),
        kit: kit.clone(),
    }));
    out.next = Some(
        match (patient.is_some(), specimen_id.is_some(), kit.is_some()) {
            (false, _, _) => Step::ScanPatient,
            (true, false, _) => Step::ScanNewTube,
            (true, true, false) => Step::ScanKitOrForm,
            (true, true, true) => Step::CompleteForm,
        }
        .into(),
    );
    out
}

fn new_tube(slot: &mut Option<String>, id: String, kind: &str) -> ScanOutcome {
    if let Err(e) = crate::domain::ids::SpecimenId::parse(id.clone()) {
        return ScanOutcome::refused(
            kind,
            RuleCode::InvalidInput,
            ScanMsg::NotATubeId {
                reason: Box::new(e.message()),
            },
        );
    }
    *slot = Some(id.clone());
    let mut out = ScanOutcome::accepted("specimen", ScanMsg::NewTube { id: id.clone() });
    out.specimen_id = Some(id);
    out
}

/// The kit label read against the catalog as of the scan's day: an
/// expired kit is refused, a cotton swab warns (SPEC §4, §2.1).
fn check_kit(
    input: &ScanInput<'_>,
    text: &str,
) -> Result<(KitDraft, Vec<crate::domain::Notice>), Box<ScanOutcome>> {
    let today = input.scanned_at.with_timezone(&input.ctx.tz).date_naive();
    let label = kits::read_label(text, today)
        .map_err(|e| Box::new(ScanOutcome::from_error("kit", &e)))?
        .ok_or_else(|| {
            Box::new(ScanOutcome::refused(
                "kit",
                RuleCode::InvalidBarcode,
                InputMsg::NotAKitLabel,
            ))
        })?;
    let entry = input
        .ctx
        .store
        .read(|c| kits::catalog_entries(input.ctx, c, std::slice::from_ref(&label.gtin)))
        .map_err(|e| Box::new(ScanOutcome::from_error("kit", &e)))?
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
                return Err(Box::new(ScanOutcome::refused("kit", n.code, n.message)))
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
                let mut out =
                    ScanOutcome::accepted("specimen", ScanMsg::TubeToStore { id: id.clone() });
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
                    "location",
                    ScanMsg::LocationToFill { code: code.clone() },
                );
                out.next = Some(Step::ScanTubeHere.into());
                out.location = Some(code.clone());
                *pending_location = Some(code);
                out
            }
        },
        ScanKind::Unknown(code) => ScanOutcome::refused(
            "unknown",
            RuleCode::UnknownSpecimen,
            ScanMsg::NeitherTubeNorLocation { code },
        ),
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
            return ScanOutcome::refused("location", RuleCode::InvalidInput, e.message());
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
                "location",
                ScanMsg::Stored {
                    id: specimen_id.clone(),
                    location: location.clone(),
                },
            );
            out.warnings = stored.warnings;
            out
        }
        Err(e) => ScanOutcome::from_error("location", &e),
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
            Ok(p) if p.status == "open" => {
                *current = Some(id.clone());
                ScanOutcome::accepted(
                    "package",
                    ScanMsg::PackingPackage {
                        id: id.clone(),
                        count: p.quantity,
                    },
                )
            }
            Ok(p) => ScanOutcome::refused(
                "package",
                RuleCode::PackageDispatched,
                ScanMsg::PackageClosedForPacking {
                    id: id.clone(),
                    status: p.status.clone(),
                },
            ),
            Err(e) => ScanOutcome::from_error("package", &e),
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
                    ScanOutcome::accepted("command", ScanMsg::NewPackage { id })
                }
                Err(e) => ScanOutcome::from_error("command", &e),
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
                        "specimen",
                        ScanMsg::Packed {
                            id: sid.clone(),
                            count: changed.package.quantity,
                        },
                    );
                    out.warnings = changed.warnings;
                    out
                }
                Err(e) => ScanOutcome::from_error("specimen", &e),
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
                    ScanOutcome::accepted("command", ScanMsg::Dispatched { id: pid })
                }
                Err(e) => ScanOutcome::from_error("command", &e),
            }
        }
        (ScanKind::Specimen(_) | ScanKind::Command(_), None) => {
            ScanOutcome::refused("command", RuleCode::UnexpectedScan, ScanMsg::PackageFirst)
        }
        (ScanKind::Unknown(code), _) => ScanOutcome::refused(
            "unknown",
            RuleCode::UnknownSpecimen,
            ScanMsg::NotTubeOrPackage { code },
        ),
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
                "command",
                if done {
                    ScanMsg::Ticked { item, left }
                } else {
                    ScanMsg::Unticked { item, left }
                },
            );
            out.warnings = changed.warnings;
            out
        }
        Err(e) => ScanOutcome::from_error("command", &e),
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
                        "package",
                        ScanMsg::Received {
                            id: id.clone(),
                            count: changed.package.quantity,
                        },
                    ),
                    Ok(_) => ScanOutcome::accepted(
                        "package",
                        ScanMsg::AlreadyReceived { id: id.clone() },
                    ),
                    Err(e) => ScanOutcome::from_error("package", &e),
                };
            out.package_id = Some(id);
            out
        }
        other => unexpected(&other, "receiving"),
    }
}
