//! Basic triple packaging (【別紙】 基本三重梱包) and the sending priority
//! as it applies to a package (docs/RULES.md, packing).
//!
//! A package may only leave when every layer of the manual's checklist is
//! ticked, every slip field is known and, for Japan Post Yu-Pack, a certified
//! packer is named. `missing` answers with the whole list at once, so the
//! technician fixes everything in one pass rather than one refusal at a time.

use super::codes::{Decision, Notice, RuleCode};
use super::labels;
use super::messages::{Msg, RecordMsg, RuleMsg};
use super::specimen_type::SpecimenType;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Who carries the package (【別紙】 5. 輸送中).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    /// An official or company car.
    OfficialVehicle,
    /// A carrier that accepts Category B clinical specimens (UN3373).
    CategoryBCarrier,
    /// Japan Post Yu-Pack (land only): needs a certified packer.
    YuPack,
}

impl Carrier {
    pub const ALL: [Carrier; 3] = [
        Carrier::OfficialVehicle,
        Carrier::CategoryBCarrier,
        Carrier::YuPack,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Carrier::OfficialVehicle => "official_vehicle",
            Carrier::CategoryBCarrier => "category_b_carrier",
            Carrier::YuPack => "yu_pack",
        }
    }

    pub fn from_code(code: &str) -> Option<Carrier> {
        Carrier::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        labels::carrier_ja(self)
    }

    pub fn needs_certified_packer(self) -> bool {
        self == Carrier::YuPack
    }
}

/// The layers of the triple package, outermost last.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Primary,
    Secondary,
    Tertiary,
    Overpack,
    Marks,
    Transport,
}

impl Layer {
    pub const ALL: [Layer; 6] = [
        Layer::Primary,
        Layer::Secondary,
        Layer::Tertiary,
        Layer::Overpack,
        Layer::Marks,
        Layer::Transport,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Layer::Primary => "primary",
            Layer::Secondary => "secondary",
            Layer::Tertiary => "tertiary",
            Layer::Overpack => "overpack",
            Layer::Marks => "marks",
            Layer::Transport => "transport",
        }
    }

    pub fn label_ja(self) -> &'static str {
        labels::layer_ja(self)
    }
}

/// One checklist item, with the item codes of the API (README, "Packing a package").
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum ChecklistItem {
    #[serde(rename = "primary.leakproof_tube")]
    PrimaryLeakproofTube,
    #[serde(rename = "primary.lid_closed")]
    PrimaryLidClosed,
    #[serde(rename = "primary.wiped")]
    PrimaryWiped,
    #[serde(rename = "primary.parafilm")]
    PrimaryParafilm,
    #[serde(rename = "secondary.absorbent")]
    SecondaryAbsorbent,
    #[serde(rename = "secondary.leakproof_sealed")]
    SecondaryLeakproofSealed,
    #[serde(rename = "secondary.cushioned")]
    SecondaryCushioned,
    #[serde(rename = "secondary.dry_ice")]
    SecondaryDryIce,
    #[serde(rename = "tertiary.rigid_outer")]
    TertiaryRigidOuter,
    #[serde(rename = "tertiary.coolant")]
    TertiaryCoolant,
    #[serde(rename = "tertiary.cushioned")]
    TertiaryCushioned,
    #[serde(rename = "tertiary.slip_enclosed")]
    TertiarySlipEnclosed,
    #[serde(rename = "tertiary.sealed")]
    TertiarySealed,
    #[serde(rename = "overpack.insulated_box")]
    OverpackInsulatedBox,
    #[serde(rename = "overpack.coolant")]
    OverpackCoolant,
    #[serde(rename = "overpack.dry_ice")]
    OverpackDryIce,
    #[serde(rename = "overpack.cardboard_cover")]
    OverpackCardboardCover,
    #[serde(rename = "marks.un3373")]
    MarksUn3373,
    #[serde(rename = "transport.secured")]
    TransportSecured,
}

impl ChecklistItem {
    pub const ALL: [ChecklistItem; 19] = [
        ChecklistItem::PrimaryLeakproofTube,
        ChecklistItem::PrimaryLidClosed,
        ChecklistItem::PrimaryWiped,
        ChecklistItem::PrimaryParafilm,
        ChecklistItem::SecondaryAbsorbent,
        ChecklistItem::SecondaryLeakproofSealed,
        ChecklistItem::SecondaryCushioned,
        ChecklistItem::SecondaryDryIce,
        ChecklistItem::TertiaryRigidOuter,
        ChecklistItem::TertiaryCoolant,
        ChecklistItem::TertiaryCushioned,
        ChecklistItem::TertiarySlipEnclosed,
        ChecklistItem::TertiarySealed,
        ChecklistItem::OverpackInsulatedBox,
        ChecklistItem::OverpackCoolant,
        ChecklistItem::OverpackDryIce,
        ChecklistItem::OverpackCardboardCover,
        ChecklistItem::MarksUn3373,
        ChecklistItem::TransportSecured,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ChecklistItem::PrimaryLeakproofTube => "primary.leakproof_tube",
            ChecklistItem::PrimaryLidClosed => "primary.lid_closed",
            ChecklistItem::PrimaryWiped => "primary.wiped",
            ChecklistItem::PrimaryParafilm => "primary.parafilm",
            ChecklistItem::SecondaryAbsorbent => "secondary.absorbent",
            ChecklistItem::SecondaryLeakproofSealed => "secondary.leakproof_sealed",
            ChecklistItem::SecondaryCushioned => "secondary.cushioned",
            ChecklistItem::SecondaryDryIce => "secondary.dry_ice",
            ChecklistItem::TertiaryRigidOuter => "tertiary.rigid_outer",
            ChecklistItem::TertiaryCoolant => "tertiary.coolant",
            ChecklistItem::TertiaryCushioned => "tertiary.cushioned",
            ChecklistItem::TertiarySlipEnclosed => "tertiary.slip_enclosed",
            ChecklistItem::TertiarySealed => "tertiary.sealed",
            ChecklistItem::OverpackInsulatedBox => "overpack.insulated_box",
            ChecklistItem::OverpackCoolant => "overpack.coolant",
            ChecklistItem::OverpackDryIce => "overpack.dry_ice",
            ChecklistItem::OverpackCardboardCover => "overpack.cardboard_cover",
            ChecklistItem::MarksUn3373 => "marks.un3373",
            ChecklistItem::TransportSecured => "transport.secured",
        }
    }

    pub fn from_code(code: &str) -> Option<ChecklistItem> {
        ChecklistItem::ALL.into_iter().find(|i| i.code() == code)
    }

    pub fn layer(self) -> Layer {
        use ChecklistItem::*;
        match self {
            PrimaryLeakproofTube | PrimaryLidClosed | PrimaryWiped | PrimaryParafilm => {
                Layer::Primary
            }
            SecondaryAbsorbent
            | SecondaryLeakproofSealed
            | SecondaryCushioned
            | SecondaryDryIce => Layer::Secondary,
            TertiaryRigidOuter | TertiaryCoolant | TertiaryCushioned | TertiarySlipEnclosed
            | TertiarySealed => Layer::Tertiary,
            OverpackInsulatedBox | OverpackCoolant | OverpackDryIce | OverpackCardboardCover => {
                Layer::Overpack
            }
            MarksUn3373 => Layer::Marks,
            TransportSecured => Layer::Transport,
        }
    }

    /// Primary items are ticked for each tube; the rest once per package.
    pub fn per_tube(self) -> bool {
        self.layer() == Layer::Primary
    }

    pub fn label_ja(self) -> &'static str {
        labels::checklist_item_ja(self)
    }

    /// Whether dispatch waits for this item, given how many tubes are packed.
    pub fn required(self, tubes: usize) -> bool {
        match self {
            ChecklistItem::SecondaryCushioned => tubes > 1,
            ChecklistItem::SecondaryDryIce => false,
            _ => !matches!(self.layer(), Layer::Overpack),
        }
    }
}

/// The heaviest dry-ice load kentai accepts on one package; anything above
/// is a typing error, not a shipment.
pub const MAX_DRY_ICE_KG: f64 = 200.0;

/// Whether ticking `item` is allowed at all (`dry_ice_in_secondary`): dry ice never goes in the
/// sealed secondary, and dry ice in the overpack must be weighed for the
/// UN1845 mark.
pub fn check_tick(item: ChecklistItem, dry_ice_kg: Option<f64>) -> Decision {
    match (item, dry_ice_kg) {
        (ChecklistItem::SecondaryDryIce, _) => Decision::Refuse(Notice::new(
            RuleCode::DryIceInSecondary,
            RuleMsg::DryIceInSecondary,
        )),
        (ChecklistItem::OverpackDryIce, None) => Decision::Refuse(Notice::new(
            RuleCode::InvalidInput,
            RuleMsg::DryIceNeedsWeight,
        )),
        (ChecklistItem::OverpackDryIce, Some(kg)) if !(kg > 0.0 && kg <= MAX_DRY_ICE_KG) => {
            Decision::Refuse(Notice::new(
                RuleCode::InvalidInput,
                RuleMsg::DryIceWeightRange {
                    max: MAX_DRY_ICE_KG,
                },
            ))
        }
        (ChecklistItem::OverpackDryIce, Some(_)) => Decision::Accept,
        (_, Some(_)) => Decision::Refuse(Notice::new(
            RuleCode::InvalidInput,
            RuleMsg::DryIceWeightOnlyForDryIce,
        )),
        (_, None) => Decision::Accept,
    }
}

/// A name, address and phone on the slip or label.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Party {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
}

/// The certified packaging responsible person (包装責任者) Yu-Pack requires.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Packer {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub certificate_id: String,
}

/// Everything dispatch needs to judge a package, as plain values.
#[derive(Debug, Clone)]
pub struct PackageState {
    pub carrier: Carrier,
    pub consignee: Party,
    pub shipper: Party,
    pub emergency_phone: String,
    pub packer: Option<Packer>,
    /// Tubes in the package.
    pub tubes: Vec<String>,
    /// Items ticked now: package-level ones with `None`, primary ones with
    /// their tube.
    pub done: BTreeSet<(ChecklistItem, Option<String>)>,
}

/// Something dispatch still waits for: a stable key scripts can match
/// (`primary.parafilm:TUBE`, `consignee.phone`, …) and a sentence.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Missing {
    pub key: String,
    pub message: Msg,
}

impl Missing {
    fn new(key: impl Into<String>, message: impl Into<Msg>) -> Missing {
        Missing {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Every item, tube, slip field and certificate dispatch still waits for
/// (`package_incomplete`), in checklist order.
pub fn missing(state: &PackageState) -> Vec<Missing> {
    let mut out = Vec::new();
    let blank = |s: &str| s.trim().is_empty();
    if state.tubes.is_empty() {
        out.push(Missing::new("tubes", RuleMsg::MissingTube));
    }
    let n = state.tubes.len();
    for item in ChecklistItem::ALL.into_iter().filter(|i| i.required(n)) {
        if item.per_tube() {
            for tube in &state.tubes {
                if !state.done.contains(&(item, Some(tube.clone()))) {
                    out.push(Missing::new(
                        format!("{}:{tube}", item.code()),
                        RuleMsg::MissingItem {
                            item,
                            specimen_id: Some(tube.clone()),
                        },
                    ));
                }
            }
        } else if !state.done.contains(&(item, None)) {
            out.push(Missing::new(
                item.code(),
                RuleMsg::MissingItem {
                    item,
                    specimen_id: None,
                },
            ));
        }
    }
    let fields = [
        ("consignee.name", &state.consignee.name),
        ("consignee.address", &state.consignee.address),
        ("consignee.phone", &state.consignee.phone),
        ("shipper.name", &state.shipper.name),
        ("shipper.address", &state.shipper.address),
        ("shipper.phone", &state.shipper.phone),
        ("emergency_phone", &state.emergency_phone),
    ];
    for (key, value) in fields {
        if blank(value) {
            out.push(Missing::new(
                key,
                RuleMsg::MissingSlipField { field: key.into() },
            ));
        }
    }
    if state.carrier.needs_certified_packer() {
        let packer = state.packer.clone().unwrap_or_default();
        if blank(&packer.name) {
            out.push(Missing::new("packer.name", RuleMsg::MissingPacker));
        }
        if blank(&packer.certificate_id) {
            out.push(Missing::new(
                "packer.certificate_id",
                RuleMsg::MissingPackerCertificate,
            ));
        }
    }
    out
}

/// Another unshipped specimen of the same patient, for the priority rule.
#[derive(Debug, Clone)]
pub struct Sibling {
    pub specimen_id: String,
    pub specimen_type: SpecimenType,
    pub collected_at: DateTime<Utc>,
    /// Already in the package being packed.
    pub in_this_package: bool,
}

/// `priority_violation`: packing a priority-k specimen while the same patient has an
/// unshipped specimen of higher priority (a smaller number) from the same
/// episode that is not in this package is refused (overridable).
pub fn check_priority(
    specimen_type: SpecimenType,
    collected_at: DateTime<Utc>,
    siblings: &[Sibling],
    episode_days: i64,
) -> Decision {
    let window = Duration::days(episode_days);
    let mut left_behind: Vec<&Sibling> = siblings
        .iter()
        .filter(|s| !s.in_this_package)
        .filter(|s| s.specimen_type.priority() < specimen_type.priority())
        .filter(|s| (s.collected_at - collected_at).abs() <= window)
        .collect();
    left_behind.sort_by_key(|s| (s.specimen_type.priority(), s.specimen_id.clone()));
    match left_behind.first() {
        None => Decision::Accept,
        Some(first) => Decision::Refuse(Notice::new(
            RuleCode::PriorityViolation,
            RuleMsg::PriorityViolation {
                specimen_type: first.specimen_type,
                specimen_id: first.specimen_id.clone(),
                priority: first.specimen_type.priority(),
            },
        )),
    }
}

/// `consultation_required`: autopsy tissue is packed only after a recorded consultation (要相談).
pub fn check_consultation(specimen_type: SpecimenType, consulted: bool) -> Decision {
    if specimen_type.requires_consultation() && !consulted {
        Decision::Refuse(Notice::new(
            RuleCode::ConsultationRequired,
            RuleMsg::ConsultationRequired,
        ))
    } else {
        Decision::Accept
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsccError {
    #[error("site.gs1_company_prefix is not set: packages need it for their SSCC")]
    NoCompanyPrefix,
    #[error("site.gs1_company_prefix must be 4 to 12 digits, got {0:?}")]
    BadCompanyPrefix(String),
    #[error("the SSCC serial range of company prefix {prefix} is used up ({serial} does not fit)")]
    SerialExhausted { prefix: String, serial: u64 },
}

impl SsccError {
    /// The catalogue's sentence for it.
    pub fn message(&self) -> Msg {
        match self {
            SsccError::NoCompanyPrefix => RecordMsg::CompanyPrefixMissing,
            SsccError::BadCompanyPrefix(value) => RecordMsg::CompanyPrefixInvalid {
                value: value.clone(),
            },
            SsccError::SerialExhausted { prefix, serial } => RecordMsg::SsccSerialsUsedUp {
                prefix: prefix.clone(),
                serial: *serial,
            },
        }
        .into()
    }
}

/// Builds an SSCC-18: extension digit, GS1 company prefix, serial reference
/// (zero-padded to fill 17 digits), check digit from the `gs1` crate.
pub fn sscc(extension: u8, company_prefix: &str, serial: u64) -> Result<String, SsccError> {
    let prefix = company_prefix.trim();
    if prefix.is_empty() {
        return Err(SsccError::NoCompanyPrefix);
    }
    if !(4..=12).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SsccError::BadCompanyPrefix(prefix.into()));
    }
    let width = 16 - prefix.len();
    let serial_text = format!("{serial:0width$}");
    if serial_text.len() > width {
        return Err(SsccError::SerialExhausted {
            prefix: prefix.into(),
            serial,
        });
    }
    let body = format!("{}{prefix}{serial_text}", extension % 10);
    let check = gs1::checksum::gs1_checksum(&body);
    Ok(format!("{body}{check}"))
}

/// True for 18 digits whose last is the GS1 check digit of the others.
pub fn is_valid_sscc(text: &str) -> bool {
    text.len() == 18
        && text.bytes().all(|b| b.is_ascii_digit())
        && gs1::checksum::gs1_checksum(&text[..17]).to_string() == text[17..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn complete(tubes: &[&str]) -> PackageState {
        let mut done = BTreeSet::new();
        for item in ChecklistItem::ALL {
            if item.per_tube() {
                for t in tubes {
                    done.insert((item, Some(t.to_string())));
                }
            } else if item != ChecklistItem::SecondaryDryIce {
                done.insert((item, None));
            }
        }
        let party = |n: &str| Party {
            name: n.into(),
            address: "東京都".into(),
            phone: "03-0000-0000".into(),
        };
        PackageState {
            carrier: Carrier::CategoryBCarrier,
            consignee: party("衛生研究所"),
            shipper: party("クリニック"),
            emergency_phone: "090-0000-0000".into(),
            packer: None,
            tubes: tubes.iter().map(|t| t.to_string()).collect(),
            done,
        }
    }

    fn keys(state: &PackageState) -> Vec<String> {
        missing(state).into_iter().map(|m| m.key).collect()
    }

    #[test]
    fn package_incomplete_a_fully_ticked_package_with_every_slip_field_misses_nothing() {
        assert!(keys(&complete(&["A", "B"])).is_empty());
    }

    #[test]
    fn package_incomplete_each_missing_requirement_is_listed_by_its_key() {
        type Edit = fn(&mut PackageState);
        let cases: [(Edit, &str); 9] = [
            (
                |s| {
                    s.done
                        .remove(&(ChecklistItem::PrimaryParafilm, Some("B".into())));
                },
                "primary.parafilm:B",
            ),
            (
                |s| {
                    s.done.remove(&(ChecklistItem::SecondaryAbsorbent, None));
                },
                "secondary.absorbent",
            ),
            (
                |s| {
                    s.done.remove(&(ChecklistItem::SecondaryCushioned, None));
                },
                "secondary.cushioned",
            ),
            (
                |s| {
                    s.done.remove(&(ChecklistItem::TertiarySlipEnclosed, None));
                },
                "tertiary.slip_enclosed",
            ),
            (
                |s| {
                    s.done.remove(&(ChecklistItem::MarksUn3373, None));
                },
                "marks.un3373",
            ),
            (
                |s| {
                    s.done.remove(&(ChecklistItem::TransportSecured, None));
                },
                "transport.secured",
            ),
            (|s| s.consignee.phone.clear(), "consignee.phone"),
            (|s| s.shipper.address = "  ".into(), "shipper.address"),
            (|s| s.emergency_phone.clear(), "emergency_phone"),
        ];
        for (edit, key) in cases {
            let mut state = complete(&["A", "B"]);
            edit(&mut state);
            assert_eq!(keys(&state), vec![key.to_string()], "{key}");
        }
    }

    #[test]
    fn package_incomplete_cushioning_between_tubes_is_needed_only_with_more_than_one_tube() {
        let mut one = complete(&["A"]);
        one.done.remove(&(ChecklistItem::SecondaryCushioned, None));
        assert!(keys(&one).is_empty());
    }

    #[test]
    fn package_incomplete_overpack_items_are_optional() {
        let mut state = complete(&["A"]);
        state.done.retain(|(i, _)| i.layer() != Layer::Overpack);
        assert!(keys(&state).is_empty());
    }

    #[test]
    fn package_incomplete_an_empty_package_cannot_leave() {
        assert_eq!(keys(&complete(&[])), vec!["tubes".to_string()]);
    }

    #[test]
    fn package_incomplete_yu_pack_needs_a_named_certified_packer() {
        let mut state = complete(&["A"]);
        state.carrier = Carrier::YuPack;
        assert_eq!(keys(&state), vec!["packer.name", "packer.certificate_id"]);
        state.packer = Some(Packer {
            name: "山田".into(),
            certificate_id: "".into(),
        });
        assert_eq!(keys(&state), vec!["packer.certificate_id"]);
        state.packer = Some(Packer {
            name: "山田".into(),
            certificate_id: "JP-123".into(),
        });
        assert!(keys(&state).is_empty());
    }

    #[test]
    fn dry_ice_in_secondary_is_refused_and_dry_ice_in_the_overpack_weighed() {
        let code = |d: Decision| match d {
            Decision::Refuse(n) => Some(n.code),
            _ => None,
        };
        let cases = [
            (
                ChecklistItem::SecondaryDryIce,
                None,
                Some(RuleCode::DryIceInSecondary),
            ),
            (
                ChecklistItem::SecondaryDryIce,
                Some(2.0),
                Some(RuleCode::DryIceInSecondary),
            ),
            (
                ChecklistItem::OverpackDryIce,
                None,
                Some(RuleCode::InvalidInput),
            ),
            (
                ChecklistItem::OverpackDryIce,
                Some(0.0),
                Some(RuleCode::InvalidInput),
            ),
            (
                ChecklistItem::OverpackDryIce,
                Some(f64::NAN),
                Some(RuleCode::InvalidInput),
            ),
            (ChecklistItem::OverpackDryIce, Some(2.5), None),
            (
                ChecklistItem::TertiaryCoolant,
                Some(2.5),
                Some(RuleCode::InvalidInput),
            ),
            (ChecklistItem::TertiaryCoolant, None, None),
        ];
        for (item, kg, expected) in cases {
            assert_eq!(code(check_tick(item, kg)), expected, "{item:?} {kg:?}");
        }
    }

    #[test]
    fn api_item_codes_round_trip_through_serde_and_from_code() {
        for item in ChecklistItem::ALL {
            let json = serde_json::to_string(&item).unwrap();
            assert_eq!(json, format!("\"{}\"", item.code()));
            assert_eq!(ChecklistItem::from_code(item.code()), Some(item));
            assert!(!item.label_ja().is_empty());
        }
    }

    fn at(hours: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap() + Duration::hours(hours)
    }

    fn sibling(id: &str, t: SpecimenType, hours: i64, in_this: bool) -> Sibling {
        Sibling {
            specimen_id: id.into(),
            specimen_type: t,
            collected_at: at(hours),
            in_this_package: in_this,
        }
    }

    #[test]
    fn priority_violation_rule_table() {
        use SpecimenType::*;
        let cases = [
            // packing saliva while the sputum stays behind
            (Saliva, vec![sibling("SP", Sputum, 0, false)], true),
            // the sputum is in this package: fine
            (Saliva, vec![sibling("SP", Sputum, 0, true)], false),
            // packing the higher-priority one first is always fine
            (Sputum, vec![sibling("SA", Saliva, 0, false)], false),
            // same priority does not block
            (
                Sputum,
                vec![sibling("TA", TrachealAspirate, 0, false)],
                false,
            ),
            // nasopharyngeal left behind blocks saliva
            (
                Saliva,
                vec![sibling("NP", NasopharyngealSwab, 1, false)],
                true,
            ),
            // a specimen from another episode (15 days apart) does not block
            (Saliva, vec![sibling("SP", Sputum, -15 * 24, false)], false),
            // Non-respiratory types come after every respiratory one
            (
                SerumAcute,
                vec![sibling("NP", NasopharyngealSwab, 0, false)],
                true,
            ),
        ];
        for (t, siblings, refused) in cases {
            let d = check_priority(t, at(0), &siblings, 14);
            assert_eq!(
                matches!(d, Decision::Refuse(ref n) if n.code == RuleCode::PriorityViolation),
                refused,
                "{t:?} {siblings:?}"
            );
        }
    }

    #[test]
    fn consultation_required_autopsy_tissue_needs_a_recorded_consultation() {
        assert!(matches!(
            check_consultation(SpecimenType::AutopsyTissue, false),
            Decision::Refuse(n) if n.code == RuleCode::ConsultationRequired
        ));
        assert_eq!(
            check_consultation(SpecimenType::AutopsyTissue, true),
            Decision::Accept
        );
        assert_eq!(
            check_consultation(SpecimenType::Urine, false),
            Decision::Accept
        );
    }

    #[test]
    fn sscc_is_eighteen_digits_with_the_gs1_check_digit() {
        // GS1 General Specifications example: 1 0614141 123456789 → check 0
        // (SSCC 106141411234567897 with a 7-digit prefix).
        let s = sscc(1, "0614141", 123456789).unwrap();
        assert_eq!(s, "106141411234567897");
        assert!(is_valid_sscc(&s));
        assert_eq!(sscc(0, "4912345", 1).unwrap().len(), 18);
        assert!(sscc(0, "4912345", 1)
            .unwrap()
            .starts_with("04912345000000001"));
        assert!(!is_valid_sscc("106141411234567890"));
        assert!(!is_valid_sscc("10614141123456789"));
        assert_eq!(sscc(0, "", 1), Err(SsccError::NoCompanyPrefix));
        assert!(matches!(
            sscc(0, "49A2345", 1),
            Err(SsccError::BadCompanyPrefix(_))
        ));
        assert!(matches!(
            sscc(0, "491234567890", 10_000),
            Err(SsccError::SerialExhausted { .. })
        ));
        assert!(sscc(0, "491234567890", 9_999).is_ok());
    }
}
