//! What kentai prints: the shipping slip (検体送付票), package labels,
//! tube labels, location labels and the packing desk's command sheet.
//!
//! The documents are built as plain values (`Slip`, `PackageLabel`) by the
//! actions, then rendered here to HTML, SVG and ZPL. Rendering is pure: no
//! database, no clock, so every document can be checked in a unit test.

pub mod badge;
pub mod canvas;
pub mod command_sheet;
pub mod font;
pub mod gs1_128;
pub mod label;
pub mod location_label;
pub mod matrix;
#[cfg(any(test, feature = "test-readers"))]
pub mod readers;
pub mod slip;
pub mod text;
pub mod tube_label;

use crate::domain::labels::slip_amount;
use crate::domain::packaging::{Carrier, Packer, Party};
use crate::domain::Lang;
use crate::domain::{RuleCode, SpecimenType};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;

/// The contents line on the slip and label (UN3373 proper shipping name).
pub const CONTENTS_EN: &str = "UN3373 Biological Substance, Category B";
pub use crate::domain::labels::slip::CONTENTS_JA;

/// One tube on the slip, in sending-priority order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SlipLine {
    /// 1-based line number after ordering.
    pub number: usize,
    pub specimen_id: String,
    #[serde(rename = "type")]
    pub specimen_type: SpecimenType,
    pub type_label_ja: &'static str,
    pub priority: i32,
    /// The amount in words: the recorded volume ("1.5 mL"), or the
    /// manual's amount for the type marked as a guide. Japanese unless
    /// English is asked for ([`Slip::in_lang`]).
    pub amount: String,
    /// The volume recorded at registration, in mL.
    pub volume_ml: Option<f64>,
    pub container_ja: &'static str,
    pub collected_at: DateTime<FixedOffset>,
    pub collection_date: NaiveDate,
    pub onset_date: Option<NaiveDate>,
    pub days_since_onset: Option<i32>,
    /// The patient's number at the sending site (never the name).
    pub patient_id: Option<String>,
}

/// A rule the sender overrode, with the written reason (shown on the slip).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SlipOverride {
    pub specimen_id: Option<String>,
    pub code: RuleCode,
    /// The rule in the manual's words.
    pub rule_label_ja: &'static str,
    pub reason: String,
    pub by: String,
    pub at: DateTime<FixedOffset>,
}

/// The shipping slip (検体送付票, the manual's 【別紙】 3. 注2).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Slip {
    pub package_id: String,
    /// `open`, `dispatched` or `received`.
    pub status: String,
    /// Dispatch date, or today's date while the package is still open.
    pub date: NaiveDate,
    pub contents: String,
    pub contents_ja: String,
    /// Number of tubes.
    pub quantity: usize,
    pub shipper: Party,
    pub consignee: Party,
    pub emergency_phone: String,
    pub carrier: Carrier,
    pub carrier_label_ja: &'static str,
    pub packer: Option<Packer>,
    /// Net dry ice in the overpack (UN1845), when used.
    pub dry_ice_kg: Option<f64>,
    pub specimens: Vec<SlipLine>,
    pub overrides: Vec<SlipOverride>,
    pub dispatched_at: Option<DateTime<FixedOffset>>,
    pub dispatched_by: Option<String>,
    /// What dispatch still waits for (empty once complete).
    pub missing: Vec<String>,
}

impl Slip {
    /// The slip with its words in `lang`: the amounts are the only words a
    /// line carries that are not named `_ja`; those stay Japanese.
    pub fn in_lang(mut self, lang: Lang) -> Slip {
        for line in &mut self.specimens {
            line.amount = slip_amount(lang, line.specimen_type, line.volume_ml);
        }
        self
    }
}

/// Everything printed on the outer package label.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageLabel {
    /// SSCC-18, 18 digits.
    pub sscc: String,
    pub shipper: Party,
    pub consignee: Party,
    /// Person responsible for the shipment (PI 650) and a phone that
    /// reaches them around the clock.
    pub responsible_person: String,
    pub responsible_phone: String,
    /// Net dry ice in kg (UN1845 mark) when the overpack holds dry ice.
    pub dry_ice_kg: Option<f64>,
    pub quantity: usize,
}

/// The parties of the sample package the tests of slips and labels print.
#[cfg(test)]
pub(crate) fn sample_parties() -> (Party, Party) {
    let shipper = Party {
        name: "さくらクリニック".into(),
        address: "東京都新宿区西新宿2-8-1".into(),
        phone: "03-1111-2222".into(),
    };
    let consignee = Party {
        name: "東京都健康安全研究センター".into(),
        address: "東京都新宿区百人町3-24-1".into(),
        phone: "03-3363-3231".into(),
    };
    (shipper, consignee)
}
