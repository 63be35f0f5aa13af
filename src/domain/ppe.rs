//! Protective equipment at collection (感染管理; `ppe_incomplete`).
//!
//! The checklist depends on how aerosol-generating the collection is; any
//! N95-class respirator (N95, DS2, FFP2, FFP3, KN95) satisfies "N95".

use super::codes::{Decision, Notice, RuleCode};
use super::messages::RuleMsg;
use super::policy::PpePolicy;
use super::specimen_type::SpecimenType;
use serde::{Deserialize, Serialize};

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
pub enum PpeItem {
    SurgicalMask,
    N95,
    Ds2,
    Ffp2,
    Ffp3,
    Kn95,
    EyeProtection,
    Gown,
    Gloves,
}

impl PpeItem {
    pub const ALL: [PpeItem; 9] = [
        PpeItem::SurgicalMask,
        PpeItem::N95,
        PpeItem::Ds2,
        PpeItem::Ffp2,
        PpeItem::Ffp3,
        PpeItem::Kn95,
        PpeItem::EyeProtection,
        PpeItem::Gown,
        PpeItem::Gloves,
    ];

    pub fn from_code(code: &str) -> Option<PpeItem> {
        PpeItem::ALL.into_iter().find(|p| p.code() == code)
    }

    fn is_n95_class(self) -> bool {
        matches!(
            self,
            PpeItem::N95 | PpeItem::Ds2 | PpeItem::Ffp2 | PpeItem::Ffp3 | PpeItem::Kn95
        )
    }

    pub fn code(self) -> &'static str {
        match self {
            PpeItem::SurgicalMask => "surgical_mask",
            PpeItem::N95 => "n95",
            PpeItem::Ds2 => "ds2",
            PpeItem::Ffp2 => "ffp2",
            PpeItem::Ffp3 => "ffp3",
            PpeItem::Kn95 => "kn95",
            PpeItem::EyeProtection => "eye_protection",
            PpeItem::Gown => "gown",
            PpeItem::Gloves => "gloves",
        }
    }
}

/// One requirement of the checklist: satisfied by any of its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PpeNeed {
    SurgicalMask,
    N95Class,
    EyeProtection,
    Gown,
    Gloves,
}

impl PpeNeed {
    fn satisfied_by(self, item: PpeItem) -> bool {
        match self {
            // A respirator protects at least as well as a surgical mask.
            PpeNeed::SurgicalMask => item == PpeItem::SurgicalMask || item.is_n95_class(),
            PpeNeed::N95Class => item.is_n95_class(),
            PpeNeed::EyeProtection => item == PpeItem::EyeProtection,
            PpeNeed::Gown => item == PpeItem::Gown,
            PpeNeed::Gloves => item == PpeItem::Gloves,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            PpeNeed::SurgicalMask => "surgical_mask",
            PpeNeed::N95Class => "n95_class_mask",
            PpeNeed::EyeProtection => "eye_protection",
            PpeNeed::Gown => "gown",
            PpeNeed::Gloves => "gloves",
        }
    }
}

/// What `ppe_incomplete` asks for when collecting or receiving this type.
pub fn required_ppe(t: SpecimenType) -> &'static [PpeNeed] {
    use PpeNeed::*;
    match t {
        SpecimenType::Saliva => &[SurgicalMask, Gloves],
        SpecimenType::NasopharyngealSwab => &[SurgicalMask, EyeProtection, Gown, Gloves],
        SpecimenType::Sputum | SpecimenType::TrachealAspirate => {
            &[N95Class, EyeProtection, Gown, Gloves]
        }
        _ => &[],
    }
}

pub fn missing_ppe(t: SpecimenType, worn: &[PpeItem]) -> Vec<PpeNeed> {
    required_ppe(t)
        .iter()
        .copied()
        .filter(|need| !worn.iter().any(|i| need.satisfied_by(*i)))
        .collect()
}

/// The station's PPE policy applied to the recorded checklist. `None` means
/// the checklist was not filled in at all, which counts as everything missing.
pub fn check_ppe(t: SpecimenType, worn: Option<&[PpeItem]>, policy: PpePolicy) -> Decision {
    if policy == PpePolicy::Off {
        return Decision::Accept;
    }
    let missing = missing_ppe(t, worn.unwrap_or(&[]));
    if missing.is_empty() {
        return Decision::Accept;
    }
    let notice = Notice::new(
        RuleCode::PpeIncomplete,
        RuleMsg::PpeIncomplete {
            specimen_type: t,
            missing,
        },
    );
    match policy {
        PpePolicy::Require => Decision::Refuse(notice),
        _ => Decision::Warn(notice),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PpeItem::*;

    #[test]
    fn ppe_incomplete_checklists_by_collection_kind() {
        let cases: [(SpecimenType, &[PpeItem], bool); 9] = [
            (SpecimenType::Saliva, &[SurgicalMask, Gloves], true),
            (SpecimenType::Saliva, &[Gloves], false),
            (
                SpecimenType::NasopharyngealSwab,
                &[SurgicalMask, EyeProtection, Gown, Gloves],
                true,
            ),
            (
                SpecimenType::NasopharyngealSwab,
                &[SurgicalMask, Gown, Gloves],
                false,
            ),
            (
                SpecimenType::Sputum,
                &[N95, EyeProtection, Gown, Gloves],
                true,
            ),
            (
                SpecimenType::Sputum,
                &[Ds2, EyeProtection, Gown, Gloves],
                true,
            ),
            (
                SpecimenType::TrachealAspirate,
                &[SurgicalMask, EyeProtection, Gown, Gloves],
                false,
            ),
            (
                SpecimenType::TrachealAspirate,
                &[Kn95, EyeProtection, Gown, Gloves],
                true,
            ),
            (SpecimenType::Urine, &[], true),
        ];
        for (t, worn, complete) in cases {
            assert_eq!(missing_ppe(t, worn).is_empty(), complete, "{t:?} {worn:?}");
        }
    }

    #[test]
    fn ppe_incomplete_policy_off_warn_require() {
        let t = SpecimenType::Saliva;
        assert_eq!(check_ppe(t, None, PpePolicy::Off), Decision::Accept);
        assert!(
            matches!(check_ppe(t, None, PpePolicy::Warn), Decision::Warn(n) if n.code == RuleCode::PpeIncomplete)
        );
        assert!(check_ppe(t, Some(&[Gloves]), PpePolicy::Require).is_refusal());
        assert_eq!(
            check_ppe(t, Some(&[Ffp2, Gloves]), PpePolicy::Require),
            Decision::Accept
        );
    }
}
