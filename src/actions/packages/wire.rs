//! The request bodies and answers of the package use-cases, as the API and
//! the pages exchange them (their OpenAPI schemas come from here too).

use crate::domain::codes::Notice;
use crate::domain::packaging::{Carrier, ChecklistItem, Layer, Missing, Packer, Party};
use crate::domain::Msg;
use crate::domain::{Coded, PackageStatus, RuleCode, SpecimenType};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPackage {
    #[serde(default)]
    pub consignee: Party,
    pub carrier: Carrier,
    /// Yu-Pack only: the certified packaging responsible person.
    #[serde(default)]
    pub packer: Option<Packer>,
    /// Overrides the site's 24-hour emergency phone for this package.
    #[serde(default)]
    pub emergency_phone: Option<String>,
}

/// Changes to an open package's slip fields; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PackageChanges {
    #[serde(default)]
    pub consignee: Option<Party>,
    #[serde(default)]
    pub carrier: Option<Carrier>,
    #[serde(default)]
    pub packer: Option<Packer>,
    #[serde(default)]
    pub emergency_phone: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddSpecimen {
    #[schema(min_length = 1, max_length = 80)]
    pub specimen_id: String,
    /// A written reason to pack despite the priority rule (`lab`, `admin`).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 1000)]
    pub override_reason: Option<String>,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Tick {
    pub item: ChecklistItem,
    /// For `primary.*` items: one tube; absent means every tube in the package.
    #[serde(default)]
    pub specimen_id: Option<String>,
    /// `false` un-ticks the item (recorded as an event, never a delete).
    #[serde(default = "default_true")]
    pub done: bool,
    /// Net dry ice in kg; required with `overpack.dry_ice`.
    #[serde(default)]
    pub dry_ice_kg: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Dispatch {
    /// When transport started; now when absent.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
    /// A written reason to dispatch despite the 48-hour rule or the priority
    /// rule (`lab`, `admin`); shown on the slip.
    #[serde(default)]
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Receive {
    /// When the package arrived; now when absent.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
    /// Tubes listed in the package that did not arrive.
    #[serde(default)]
    pub missing: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsultation {
    /// Who at the testing lab agreed (name, section).
    #[schema(min_length = 1, max_length = 200)]
    pub consulted_with: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 1000)]
    pub note: Option<String>,
    /// When it took place; now when absent.
    #[serde(default)]
    pub at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsultationView {
    pub id: i64,
    pub specimen_id: String,
    pub consulted_with: String,
    pub note: Option<String>,
    pub consulted_at: DateTime<FixedOffset>,
    pub recorded_by: String,
    pub recorded_at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PackageFilter {
    /// `open`, `dispatched` or `received`.
    #[serde(default)]
    #[param(schema_with = package_statuses)]
    pub status: Option<String>,
    /// At most this many (default 100, at most 1000).
    #[serde(default)]
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

fn package_statuses() -> utoipa::openapi::Object {
    crate::openapi::one_of(
        &PackageStatus::codes(),
        "Only packages with this status: `open`, `dispatched` or `received`.",
    )
}

/// A tube as the package shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackedTube {
    pub specimen_id: String,
    #[serde(rename = "type")]
    pub specimen_type: SpecimenType,
    pub type_label_ja: &'static str,
    pub priority: i32,
    pub collected_at: DateTime<FixedOffset>,
    pub patient_id: Option<String>,
    pub status: String,
    pub freeze_or_ship_by: Option<DateTime<FixedOffset>>,
    /// Hours spent unfrozen since collection (until dispatch once dispatched).
    pub hours_unfrozen: f64,
    /// The 48-hour rule is broken: dispatch needs an override.
    pub deadline_exceeded: bool,
    /// The reason given to pack despite the priority rule.
    pub override_reason: Option<String>,
    pub added_by: String,
    pub added_at: DateTime<FixedOffset>,
    /// `received` or `missing` once the testing lab has checked the delivery.
    pub receipt: Option<String>,
    pub receipt_by: Option<String>,
    pub receipt_at: Option<DateTime<FixedOffset>>,
}

/// The current state of one checklist item (one per tube for primary items).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChecklistLine {
    pub item: ChecklistItem,
    pub layer: Layer,
    pub label_ja: &'static str,
    pub required: bool,
    pub specimen_id: Option<String>,
    pub done: bool,
    pub dry_ice_kg: Option<f64>,
    /// Who ticked (or un-ticked) it last, and when.
    pub by: Option<String>,
    pub at: Option<DateTime<FixedOffset>>,
}

/// One recorded tick or un-tick.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChecklistEvent {
    pub id: i64,
    pub item: ChecklistItem,
    pub specimen_id: Option<String>,
    pub done: bool,
    pub dry_ice_kg: Option<f64>,
    pub by: String,
    pub at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageView {
    /// The SSCC-18 printed on the label as `(00)`.
    pub package_id: String,
    pub status: String,
    pub carrier: Carrier,
    pub carrier_label_ja: &'static str,
    pub consignee: Party,
    /// From the site configuration; frozen into the package at dispatch.
    pub shipper: Party,
    pub emergency_phone: String,
    pub packer: Option<Packer>,
    pub quantity: usize,
    /// Tubes in sending-priority order.
    pub specimens: Vec<PackedTube>,
    pub checklist: Vec<ChecklistLine>,
    pub dry_ice_kg: Option<f64>,
    /// Keys of what dispatch still waits for (`primary.parafilm:TUBE`, …).
    pub missing: Vec<String>,
    pub missing_details: Vec<Missing>,
    pub complete: bool,
    pub dispatched_at: Option<DateTime<FixedOffset>>,
    pub dispatched_by: Option<String>,
    pub dispatch_override_reason: Option<String>,
    /// The rules the dispatch override set aside, tube by tube.
    pub dispatch_overrides: Vec<TubeOverride>,
    pub received_at: Option<DateTime<FixedOffset>>,
    pub received_by: Option<String>,
    pub receipt_note: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<FixedOffset>,
    pub history: Vec<ChecklistEvent>,
}

/// A rule set aside for one tube by a dispatch override.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TubeOverride {
    pub specimen_id: String,
    pub code: RuleCode,
    pub message: Msg,
}

/// A package after a change, with what the rules warned about.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageChanged {
    #[serde(flatten)]
    pub package: PackageView,
    pub warnings: Vec<Notice>,
    /// False when the request repeated what was already recorded.
    #[serde(skip)]
    pub created: bool,
}
