//! The specimen-type catalog (検体の種類) of the manual's 【SARS-CoV-2
//! 感染の有無を確認するためにウイルス検査で主に用いる検体】.
//!
//! Priority orders worklists, manifests and test queues; the storage class
//! says where a type belongs; amount and container are printed on slips.

use super::labels;
use super::storage::StorageClass;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpecimenType {
    Sputum,
    TrachealAspirate,
    NasopharyngealSwab,
    Saliva,
    SerumAcute,
    SerumConvalescent,
    Stool,
    WholeBlood,
    Urine,
    AutopsyTissue,
}

/// Respiratory specimens are the diagnostic ones; the others
/// detect less well and are kept at −80 °C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpecimenCategory {
    Respiratory,
    Other,
}

impl SpecimenType {
    pub const ALL: [SpecimenType; 10] = [
        SpecimenType::Sputum,
        SpecimenType::TrachealAspirate,
        SpecimenType::NasopharyngealSwab,
        SpecimenType::Saliva,
        SpecimenType::SerumAcute,
        SpecimenType::SerumConvalescent,
        SpecimenType::Stool,
        SpecimenType::WholeBlood,
        SpecimenType::Urine,
        SpecimenType::AutopsyTissue,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SpecimenType::Sputum => "sputum",
            SpecimenType::TrachealAspirate => "tracheal_aspirate",
            SpecimenType::NasopharyngealSwab => "nasopharyngeal_swab",
            SpecimenType::Saliva => "saliva",
            SpecimenType::SerumAcute => "serum_acute",
            SpecimenType::SerumConvalescent => "serum_convalescent",
            SpecimenType::Stool => "stool",
            SpecimenType::WholeBlood => "whole_blood",
            SpecimenType::Urine => "urine",
            SpecimenType::AutopsyTissue => "autopsy_tissue",
        }
    }

    pub fn from_code(code: &str) -> Option<SpecimenType> {
        SpecimenType::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn category(self) -> SpecimenCategory {
        match self {
            SpecimenType::Sputum
            | SpecimenType::TrachealAspirate
            | SpecimenType::NasopharyngealSwab
            | SpecimenType::Saliva => SpecimenCategory::Respiratory,
            _ => SpecimenCategory::Other,
        }
    }

    pub fn is_respiratory(self) -> bool {
        self.category() == SpecimenCategory::Respiratory
    }

    /// Sending priority (1 first; `priority_violation`). Non-respiratory types come after
    /// every respiratory one: the manual ranks them below (【主に用いる検体】).
    pub fn priority(self) -> u8 {
        match self {
            SpecimenType::Sputum | SpecimenType::TrachealAspirate => 1,
            SpecimenType::NasopharyngealSwab => 2,
            SpecimenType::Saliva => 3,
            _ => 4,
        }
    }

    /// Lower respiratory collection is aerosol-generating (`ppe_incomplete`).
    pub fn is_lower_respiratory(self) -> bool {
        matches!(self, SpecimenType::Sputum | SpecimenType::TrachealAspirate)
    }

    pub fn amount(self) -> &'static str {
        match self {
            SpecimenType::Sputum | SpecimenType::TrachealAspirate => "1–2 mL",
            SpecimenType::NasopharyngealSwab => "1 swab in 1–3 mL VTM/UTM",
            SpecimenType::Saliva => "1–2 mL",
            SpecimenType::SerumAcute | SpecimenType::SerumConvalescent => "1–2 mL",
            SpecimenType::Stool => "0.1 g (1 swab)",
            SpecimenType::WholeBlood => "1 mL",
            SpecimenType::Urine => "1–2 mL",
            SpecimenType::AutopsyTissue => "—",
        }
    }

    /// The storage class the type belongs at for long storage (`wrong_storage_class`).
    pub fn home_storage(self) -> StorageClass {
        match self.category() {
            SpecimenCategory::Respiratory => StorageClass::Fridge4c,
            SpecimenCategory::Other => StorageClass::FrozenMinus80,
        }
    }

    pub fn label_ja(self) -> &'static str {
        labels::specimen_type_ja(self)
    }

    pub fn container_ja(self) -> &'static str {
        labels::container_ja(self)
    }

    /// Autopsy tissue needs a recorded consultation before packing (要相談).
    pub fn requires_consultation(self) -> bool {
        self == SpecimenType::AutopsyTissue
    }
}

/// Orders specimens for worklists and manifests: priority 1 first, then by
/// the caller's tie-breaker (usually collection time).
pub fn by_priority<T, K: Ord>(
    items: &mut [T],
    ty: impl Fn(&T) -> SpecimenType,
    tie: impl Fn(&T) -> K,
) {
    items.sort_by(|a, b| {
        ty(a)
            .priority()
            .cmp(&ty(b).priority())
            .then_with(|| tie(a).cmp(&tie(b)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_violation_lower_respiratory_is_priority_one_then_swab_then_saliva() {
        let table = [
            (SpecimenType::Sputum, 1, "喀痰"),
            (SpecimenType::TrachealAspirate, 1, "気管吸引液"),
            (SpecimenType::NasopharyngealSwab, 2, "鼻咽頭ぬぐい液"),
            (SpecimenType::Saliva, 3, "唾液"),
        ];
        for (t, priority, ja) in table {
            assert_eq!(t.priority(), priority, "{t:?}");
            assert_eq!(t.label_ja(), ja);
            assert!(t.is_respiratory());
        }
    }

    #[test]
    fn wrong_storage_class_other_specimens_belong_at_minus_80() {
        for t in SpecimenType::ALL
            .into_iter()
            .filter(|t| !t.is_respiratory())
        {
            assert_eq!(t.home_storage(), StorageClass::FrozenMinus80, "{t:?}");
            assert!(t.priority() > SpecimenType::Saliva.priority());
        }
    }

    #[test]
    fn every_type_code_round_trips() {
        for t in SpecimenType::ALL {
            assert_eq!(SpecimenType::from_code(t.code()), Some(t));
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.code()));
        }
        assert_eq!(SpecimenType::from_code("blood"), None);
    }

    #[test]
    fn worklists_put_priority_one_first() {
        let mut items = vec![
            (SpecimenType::Saliva, 1),
            (SpecimenType::Urine, 0),
            (SpecimenType::Sputum, 5),
            (SpecimenType::NasopharyngealSwab, 2),
        ];
        by_priority(&mut items, |i| i.0, |i| i.1);
        let order: Vec<_> = items.iter().map(|i| i.0).collect();
        assert_eq!(
            order,
            [
                SpecimenType::Sputum,
                SpecimenType::NasopharyngealSwab,
                SpecimenType::Saliva,
                SpecimenType::Urine
            ]
        );
    }
}
