//! Every Japanese label kentai shows or prints, in one place.
//!
//! Reports, slips and pages read their Japanese wording from here so the
//! terms of the manual (【】 sections of the reference) are spelled once.

use super::codes::RuleCode;
use super::packaging::{Carrier, ChecklistItem, Layer};
use super::patient::Sex;
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

/// The rules a person may override, as slips and reports name them.
pub fn rule_ja(code: RuleCode) -> &'static str {
    match code {
        RuleCode::SalivaWindowExceeded => "発症後10日目以降の唾液",
        RuleCode::SalivaOnsetUnknown => "発症日不明の唾液",
        RuleCode::PriorityViolation => "送付優先順位",
        RuleCode::StorageDeadlineExceeded => "未凍結48時間超過",
        // Full-width minus (U+FF0D): what Shift_JIS reports can hold.
        RuleCode::Minus20Fallback => "－20℃保管（－80℃の代替）",
        RuleCode::FreezeThaw => "凍結融解",
        RuleCode::ConsultationRequired => "要相談",
        other => super::messages::rule_title(other, super::messages::Lang::Ja),
    }
}

/// 性別 as reports print it. (`Sex::label_ja` spells the same words; a
/// test in `report::csv` keeps the two in step.)
pub fn sex_ja(s: Sex) -> &'static str {
    match s {
        Sex::Male => "男",
        Sex::Female => "女",
        Sex::Other => "その他",
        Sex::Unknown => "不明",
    }
}

/// A flag's wording in the day report's 注記. The rules [`rule_ja`] names
/// keep its words; the other rule codes a flag could carry get their own
/// here, so that no flag in a report reads only "その他".
pub fn flag_ja(code: RuleCode) -> &'static str {
    match code {
        RuleCode::OnsetAfterCollection => "発症日が採取日より後",
        RuleCode::CollectionInFuture => "採取日時が未来",
        RuleCode::SerumTiming => "血清の採取時期",
        RuleCode::KitExpired => "使用期限切れのキット",
        RuleCode::KitSwabMaterial => "スワブの材質",
        RuleCode::KitTypeMismatch => "キットと検体の種類の不一致",
        RuleCode::UnknownKit => "未登録のキット",
        RuleCode::DryIceInSecondary => "二次容器にドライアイス",
        RuleCode::DryIceWithoutOverpack => "オーバーパックなしのドライアイス",
        RuleCode::FreezeOrShipDue => "凍結または発送の期限",
        RuleCode::AmbientTooLong => "室温保管の時間超過",
        RuleCode::WrongStorageClass => "保管温度の誤り",
        RuleCode::NoRespiratorySpecimen => "呼吸器検体なし",
        RuleCode::PpeIncomplete => "個人防護具の不備",
        RuleCode::ResultBeforeCollection => "採取前の結果",
        _ => rule_ja(code),
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

/// The words of the shipping slip (検体送付票).
pub mod slip {
    pub const CONTENTS_JA: &str = "臨床検体（SARS-CoV-2 検査用）";
    pub const TITLE: &str = "検体送付票";
    pub const TITLE_EN: &str = "Specimen shipping slip";
    pub const HEAD_DATE: &str = "送付日";
    pub const HEAD_PACKAGE: &str = "包装番号 (SSCC)";
    pub const HEAD_STATUS: &str = "状態";
    pub const HEAD_CONTENTS: &str = "内容";
    pub const HEAD_QUANTITY: &str = "数量";
    pub const UNIT_TUBES: &str = "本";
    pub const HEAD_SHIPPER: &str = "差出人";
    pub const HEAD_CONSIGNEE: &str = "受取人";
    pub const HEAD_EMERGENCY: &str = "24時間緊急連絡先";
    pub const HEAD_CARRIER: &str = "運送";
    pub const HEAD_PACKER: &str = "包装責任者";
    pub const HEAD_CERTIFICATE: &str = "証明書番号";
    pub const HEAD_DRY_ICE: &str = "ドライアイス";
    pub const DRY_ICE_NET: &str = "正味";
    pub const HEAD_DISPATCHED_AT: &str = "発送日時";
    pub const HEAD_DISPATCHED_BY: &str = "発送者";
    pub const HEAD_SPECIMENS: &str = "検体一覧";
    pub const COL_SPECIMEN_ID: &str = "検体番号";
    pub const COL_TYPE: &str = "検体の種類";
    pub const COL_AMOUNT: &str = "量";
    pub const COL_CONTAINER: &str = "容器";
    pub const COL_COLLECTED: &str = "採取日";
    pub const COL_ONSET: &str = "発症日";
    pub const COL_DAYS: &str = "発症後日数";
    pub const COL_PATIENT: &str = "患者番号";
    pub const HEAD_OVERRIDES: &str = "特記事項・ルール適用除外";
    pub const COL_CODE: &str = "ルール";
    pub const COL_REASON: &str = "理由";
    pub const COL_BY: &str = "実施者";
    pub const COL_AT: &str = "日時";
    pub const NONE: &str = "なし";
    pub const PACKAGE_LEVEL: &str = "包装全体";
    pub const MISSING_TITLE: &str = "未完了 — 発送できません";
    pub const MISSING_NOTE: &str = "この送付票は下書きです。次の項目が揃うまで発送できません。";
    pub const DAYS: &str = "日";
    pub const STATUS_OPEN: &str = "梱包中";
    pub const STATUS_DISPATCHED: &str = "発送済み";
    pub const STATUS_RECEIVED: &str = "受領済み";
}

/// The words of the outer package label.
pub mod package_label {
    pub const LABEL_CONSIGNEE: &str = "受取人 / To";
    pub const LABEL_SHIPPER: &str = "差出人 / From";
    pub const LABEL_RESPONSIBLE: &str = "責任者";
    pub const LABEL_RESPONSIBLE_ZPL: &str = "責任者 / Responsible";
    pub const LABEL_DRY_ICE: &str = "Dry Ice / ドライアイス";
    pub const LABEL_QUANTITY: &str = "検体数 / Specimens";
    pub const LABEL_BAD_SSCC: &str = "SSCC 不正 / invalid SSCC";
    /// The proper shipping name printed next to the UN3373 diamond.
    pub const UN3373_NAME: &str = "Biological Substance, Category B";
}

/// The words of the tube label.
pub mod tube_label {
    /// Before the patient's number at the sending site.
    pub const PATIENT_ID: &str = "患者ID";
    /// Before the collection date.
    pub const COLLECTED: &str = "採取";
}

/// The words of the command-barcode sheet used at the packing desk.
pub mod command_sheet {
    pub const TITLE: &str = "梱包用コマンドバーコード";
    pub const NOTE: &str = "手袋のまま読み取れる大きさです。縮小せずに A4 で印刷してください。";
    /// Heading of the marks and transport items (two layers, one item each).
    pub const GROUP_MARKS_TRANSPORT: &str = "表示・輸送";
    /// Heading of the actions (start, dispatch, receive, cancel).
    pub const GROUP_ACTIONS: &str = "操作";
    pub const NEW_PACKAGE: &str = "新しい梱包を開始";
    pub const DISPATCH: &str = "発送";
    pub const RECEIVE: &str = "受領";
    pub const CANCEL: &str = "取り消し（最初からやり直す）";
    /// Before a checklist item whose tick is taken back.
    pub const UNTICK: &str = "チェックを外す";
    /// "page 1 / 2" on each sheet.
    pub const PAGE: &str = "ページ";
}

/// The day summary's label for specimens without a result yet.
pub const RESULT_PENDING_JA: &str = "結果待ち";

/// The day summary's label for rows whose result corrects an earlier one.
pub const CORRECTED_RESULT_JA: &str = "結果訂正";

/// The words of the health centre's day report (SPEC §3).
pub mod report {
    pub const REPORT_DATE: &str = "報告日";
    pub const FACILITY_NAME: &str = "医療機関名";
    pub const FACILITY_CODE: &str = "医療機関コード";
    pub const NAME: &str = "氏名";
    pub const NAME_KANA: &str = "フリガナ";
    pub const SEX: &str = "性別";
    pub const BIRTH_DATE: &str = "生年月日";
    pub const ADDRESS: &str = "住所";
    pub const PHONE: &str = "電話番号";
    pub const ONSET_DATE: &str = "発症日";
    pub const DAYS_SINCE_ONSET: &str = "発症後日数";
    pub const COLLECTION_DATE: &str = "検体採取日";
    pub const TEST_METHOD: &str = "検査方法";
    pub const SPECIMEN_TYPE: &str = "検体";
    pub const RESULT: &str = "結果";
    pub const RESULT_DATE: &str = "結果判明日";
    pub const SPECIMEN_ID: &str = "検体番号";
    pub const FLAGS: &str = "注記";
    /// Between the items of 注記.
    pub const FLAG_SEPARATOR: &str = "; ";

    /// After an overridden rule in 注記: why a person accepted it.
    pub fn override_reason(reason: &str) -> String {
        format!("（理由: {reason}）")
    }

    /// The 注記 item of a result that corrects an earlier one.
    pub fn result_corrected(version: Option<i32>) -> String {
        match version {
            Some(n) => format!("結果訂正（第{n}版）"),
            None => "結果訂正".to_string(),
        }
    }
}
