//! Every Japanese label kentai shows or prints, in one place.
//!
//! Reports, slips and pages read their Japanese wording from here so the
//! terms of the manual (【】 sections of the reference) are spelled once.

use super::packaging::{Carrier, ChecklistItem, Layer};
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

pub fn carrier_ja(c: Carrier) -> &'static str {
    match c {
        Carrier::OfficialVehicle => "公用車・社用車",
        Carrier::CategoryBCarrier => "カテゴリーB 取扱い運送業者",
        Carrier::YuPack => "ゆうパック（陸送）",
    }
}

pub fn layer_ja(l: Layer) -> &'static str {
    match l {
        Layer::Primary => "一次容器",
        Layer::Secondary => "二次容器",
        Layer::Tertiary => "三次容器（外装容器）",
        Layer::Overpack => "オーバーパック（保冷箱）",
        Layer::Marks => "表示",
        Layer::Transport => "輸送",
    }
}

/// The checklist as the manual's 【別紙】 words it.
pub fn checklist_item_ja(i: ChecklistItem) -> &'static str {
    match i {
        ChecklistItem::PrimaryLeakproofTube => "漏れのないプラスチック容器",
        ChecklistItem::PrimaryLidClosed => "蓋をしっかり閉めた",
        ChecklistItem::PrimaryWiped => "容器の外側を消毒液で拭いた",
        ChecklistItem::PrimaryParafilm => "パラフィルムで密封した",
        ChecklistItem::SecondaryAbsorbent => "吸収材を入れた",
        ChecklistItem::SecondaryLeakproofSealed => "耐漏性の二次容器を密閉した",
        ChecklistItem::SecondaryCushioned => "容器同士が触れないよう緩衝材・ラックで固定した",
        ChecklistItem::SecondaryDryIce => "二次容器にドライアイス（禁止）",
        ChecklistItem::TertiaryRigidOuter => "堅牢な外装容器に入れた",
        ChecklistItem::TertiaryCoolant => "保冷剤を入れた",
        ChecklistItem::TertiaryCushioned => "動かないよう緩衝材を詰めた",
        ChecklistItem::TertiarySlipEnclosed => "検体送付票を同封した",
        ChecklistItem::TertiarySealed => "外装容器を封をした",
        ChecklistItem::OverpackInsulatedBox => "発泡スチロール製保冷箱に入れた",
        ChecklistItem::OverpackCoolant => "オーバーパック内に保冷剤を入れた",
        ChecklistItem::OverpackDryIce => "オーバーパック内にドライアイスを入れた",
        ChecklistItem::OverpackCardboardCover => "厚手・プラスチック段ボールで覆った",
        ChecklistItem::MarksUn3373 => "UN3373 表示を貼付した",
        ChecklistItem::TransportSecured => "車両に固定した",
    }
}
