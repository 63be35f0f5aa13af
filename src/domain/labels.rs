//! Every Japanese label kentai shows or prints, in one place.
//!
//! Reports, slips and pages read their Japanese wording from here so the
//! terms of the manual (【】 sections of the reference) are spelled once.

use super::results::{TestMethod, TestResult};
use super::specimen_type::SpecimenType;
use super::storage::StorageClass;

pub fn specimen_type_ja(t: SpecimenType) -> &'static str {
    match t {
        SpecimenType::Sputum => "喀痰",
        SpecimenType::TrachealAspirate => "気管吸引液",
        SpecimenType::NasopharyngealSwab => "鼻咽頭ぬぐい液",
        SpecimenType::Saliva => "唾液",
        SpecimenType::SerumAcute => "急性期血清",
        SpecimenType::SerumConvalescent => "回復期血清",
        SpecimenType::Stool => "便",
        SpecimenType::WholeBlood => "全血",
        SpecimenType::Urine => "尿",
        SpecimenType::AutopsyTissue => "剖検組織",
    }
}

pub fn container_ja(t: SpecimenType) -> &'static str {
    match t {
        SpecimenType::Sputum | SpecimenType::TrachealAspirate => {
            "スクリューキャップ付きプラスチック容器（パラフィルムで密封）"
        }
        SpecimenType::NasopharyngealSwab => {
            "滅菌スピッツ管（ウイルス輸送培地、パラフィルムで密封）"
        }
        SpecimenType::Saliva => "滅菌容器（50 mL 遠沈管）",
        _ => "密閉できるプラスチック容器",
    }
}

pub fn storage_class_ja(c: StorageClass) -> &'static str {
    match c {
        StorageClass::Ambient => "室温",
        StorageClass::Fridge4c => "冷蔵 (4 °C)",
        StorageClass::FrozenMinus20 => "冷凍 (−20 °C)",
        StorageClass::FrozenMinus80 => "冷凍 (−80 °C 以下)",
    }
}

pub fn test_method_ja(m: TestMethod) -> &'static str {
    match m {
        TestMethod::Pcr => "核酸増幅検査（PCR）",
        TestMethod::Lamp => "核酸増幅検査（LAMP）",
        TestMethod::AntigenQualitative => "抗原定性検査",
        TestMethod::AntigenQuantitative => "抗原定量検査",
    }
}

pub fn test_result_ja(r: TestResult) -> &'static str {
    match r {
        TestResult::Positive => "陽性",
        TestResult::Negative => "陰性",
        TestResult::Inconclusive | TestResult::Invalid => "判定不能",
    }
}
