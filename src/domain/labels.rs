//! Every Japanese label kentai shows or prints, in one place.
//!
//! Reports, slips and pages read their Japanese wording from here so the
//! terms of the manual (【】 sections of the reference) are spelled once.

use super::codes::RuleCode;
use super::messages::Lang;
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

pub fn test_method_en(m: TestMethod) -> &'static str {
    match m {
        TestMethod::Pcr => "PCR",
        TestMethod::Lamp => "LAMP",
        TestMethod::AntigenQualitative => "Antigen (qualitative)",
        TestMethod::AntigenQuantitative => "Antigen (quantitative)",
    }
}

pub fn test_result_en(r: TestResult) -> &'static str {
    match r {
        TestResult::Positive => "positive",
        TestResult::Negative => "negative",
        TestResult::Inconclusive => "inconclusive",
        TestResult::Invalid => "invalid",
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

/// How much of a specimen type is sent (the manual's table of specimens), in Japanese.
pub fn amount_ja(t: SpecimenType) -> &'static str {
    match t {
        SpecimenType::NasopharyngealSwab => "スワブ1本（輸送培地 1–3 mL）",
        SpecimenType::Stool => "0.1 g（スワブ1本）",
        SpecimenType::AutopsyTissue => "—",
        other => other.amount(),
    }
}

/// The 量 cell of a slip line: the volume recorded at registration, or
/// else the manual's amount for the type, marked as a guide so the lab
/// does not read it as measured.
pub fn slip_amount(lang: Lang, t: SpecimenType, volume_ml: Option<f64>) -> String {
    let w = slip_words(lang);
    match volume_ml {
        Some(v) => format!("{v} mL"),
        None if t == SpecimenType::AutopsyTissue => w.not_recorded.to_string(),
        None => {
            let guide = match lang {
                Lang::Ja => amount_ja(t),
                Lang::En => t.amount(),
            };
            format!("{guide}{}", w.amount_guide)
        }
    }
}

/// A specimen type's name in English (the Japanese is [`specimen_type_ja`]).
pub fn specimen_type_en(t: SpecimenType) -> String {
    t.code().replace('_', " ")
}

pub fn container_en(t: SpecimenType) -> &'static str {
    match t {
        SpecimenType::Sputum | SpecimenType::TrachealAspirate => {
            "Screw-cap plastic tube (sealed with parafilm)"
        }
        SpecimenType::NasopharyngealSwab => {
            "Sterile spitz tube (viral transport medium, sealed with parafilm)"
        }
        SpecimenType::Saliva => "Sterile container (50 mL centrifuge tube)",
        _ => "Sealable plastic container",
    }
}

pub fn carrier_en(c: Carrier) -> &'static str {
    match c {
        Carrier::OfficialVehicle => "Official or company car",
        Carrier::CategoryBCarrier => "Carrier that takes Category B (UN3373)",
        Carrier::YuPack => "Japan Post Yu-Pack (land only)",
    }
}

/// The overridable rules of [`rule_ja`] in English.
pub fn rule_en(code: RuleCode) -> String {
    match code {
        RuleCode::SalivaWindowExceeded => "Saliva from day 10 after onset".into(),
        RuleCode::SalivaOnsetUnknown => "Saliva with unknown onset".into(),
        RuleCode::PriorityViolation => "Sending priority".into(),
        RuleCode::StorageDeadlineExceeded => "Over 48 h unfrozen".into(),
        RuleCode::Minus20Fallback => "Stored at −20 °C (for −80 °C)".into(),
        RuleCode::FreezeThaw => "Freeze–thaw".into(),
        RuleCode::ConsultationRequired => "Consultation required".into(),
        other => other.as_str().replace('_', " "),
    }
}

pub fn layer_en(l: Layer) -> &'static str {
    match l {
        Layer::Primary => "Primary container",
        Layer::Secondary => "Secondary container",
        Layer::Tertiary => "Tertiary (outer) container",
        Layer::Overpack => "Overpack (insulated box)",
        Layer::Marks => "Marks",
        Layer::Transport => "Transport",
    }
}

/// The checklist in English (the Japanese is [`checklist_item_ja`]).
pub fn checklist_item_en(i: ChecklistItem) -> &'static str {
    use ChecklistItem::*;
    match i {
        PrimaryLeakproofTube => "Leak-proof plastic tube",
        PrimaryLidClosed => "Lid closed firmly",
        PrimaryWiped => "Outside wiped with disinfectant",
        PrimaryParafilm => "Sealed with parafilm",
        SecondaryAbsorbent => "Absorbent material put in",
        SecondaryLeakproofSealed => "Leak-proof secondary container closed and sealed",
        SecondaryCushioned => "Tubes cushioned or racked so they do not touch",
        SecondaryDryIce => "Dry ice in the secondary (forbidden)",
        TertiaryRigidOuter => "Put in a rigid outer container",
        TertiaryCoolant => "Coolant put in",
        TertiaryCushioned => "Cushioned so it cannot move",
        TertiarySlipEnclosed => "Shipping slip enclosed",
        TertiarySealed => "Outer container sealed",
        OverpackInsulatedBox => "Put in an insulated (styrofoam) box",
        OverpackCoolant => "Coolant inside the overpack",
        OverpackDryIce => "Dry ice inside the overpack",
        OverpackCardboardCover => "Covered in thick or plastic cardboard",
        MarksUn3373 => "UN3373 mark affixed",
        TransportSecured => "Strapped in the vehicle",
    }
}

/// What dispatch still waits for, in words: a missing key of
/// `packaging::missing` (`secondary.absorbent`, `primary.parafilm:T-0001`,
/// `consignee.phone`, …) as the slip's draft banner, the package page and
/// the packing desk name it. An unknown key is given back as it is.
pub fn missing_words(lang: Lang, key: &str) -> String {
    let item_words = |item: ChecklistItem| match lang {
        Lang::Ja => format!("{}: {}", layer_ja(item.layer()), checklist_item_ja(item)),
        Lang::En => format!("{}: {}", layer_en(item.layer()), checklist_item_en(item)),
    };
    if let Some((code, tube)) = key.split_once(':') {
        if let Some(item) = ChecklistItem::from_code(code) {
            return match lang {
                Lang::Ja => format!("{}（{tube}）", item_words(item)),
                Lang::En => format!("{} ({tube})", item_words(item)),
            };
        }
    }
    if let Some(item) = ChecklistItem::from_code(key) {
        return item_words(item);
    }
    let words = match (lang, key) {
        (Lang::Ja, "tubes") => "採取管が1本も入っていません",
        (Lang::Ja, "consignee.name") => "送付票: 受取人の名称",
        (Lang::Ja, "consignee.address") => "送付票: 受取人の住所",
        (Lang::Ja, "consignee.phone") => "送付票: 受取人の電話番号",
        (Lang::Ja, "shipper.name") => "送付票: 差出人の名称（施設の設定 site.facility_name）",
        (Lang::Ja, "shipper.address") => "送付票: 差出人の住所（施設の設定 site.address）",
        (Lang::Ja, "shipper.phone") => "送付票: 差出人の電話番号（施設の設定 site.phone）",
        (Lang::Ja, "emergency_phone") => "送付票: 24時間緊急連絡先",
        (Lang::Ja, "packer.name") => "ゆうパック: 包装責任者の氏名",
        (Lang::Ja, "packer.certificate_id") => "ゆうパック: 包装責任者の証明書番号",
        (Lang::En, "tubes") => "No tube is in the package",
        (Lang::En, "consignee.name") => "Slip: consignee name",
        (Lang::En, "consignee.address") => "Slip: consignee address",
        (Lang::En, "consignee.phone") => "Slip: consignee phone",
        (Lang::En, "shipper.name") => "Slip: shipper name (site setting site.facility_name)",
        (Lang::En, "shipper.address") => "Slip: shipper address (site setting site.address)",
        (Lang::En, "shipper.phone") => "Slip: shipper phone (site setting site.phone)",
        (Lang::En, "emergency_phone") => "Slip: 24-hour emergency phone",
        (Lang::En, "packer.name") => "Yu-Pack: the packaging responsible person's name",
        (Lang::En, "packer.certificate_id") => {
            "Yu-Pack: the packaging responsible person's certificate id"
        }
        _ => key,
    };
    words.to_string()
}

/// Every heading and word of the shipping slip, in one language.
pub struct SlipWords {
    pub title: &'static str,
    pub head_date: &'static str,
    pub head_package: &'static str,
    pub head_status: &'static str,
    pub head_contents: &'static str,
    pub head_quantity: &'static str,
    pub unit_tubes: &'static str,
    pub head_shipper: &'static str,
    pub head_consignee: &'static str,
    /// Before a phone number in an address block.
    pub phone: &'static str,
    pub head_emergency: &'static str,
    pub head_carrier: &'static str,
    pub head_packer: &'static str,
    pub head_certificate: &'static str,
    pub head_dry_ice: &'static str,
    pub dry_ice_net: &'static str,
    pub head_dispatched_at: &'static str,
    pub head_dispatched_by: &'static str,
    pub head_specimens: &'static str,
    pub col_number: &'static str,
    pub col_specimen_id: &'static str,
    pub col_type: &'static str,
    pub col_amount: &'static str,
    pub col_container: &'static str,
    pub col_collected: &'static str,
    pub col_onset: &'static str,
    pub col_days: &'static str,
    pub col_patient: &'static str,
    pub head_overrides: &'static str,
    pub col_code: &'static str,
    pub col_reason: &'static str,
    pub col_by: &'static str,
    pub col_at: &'static str,
    pub none: &'static str,
    pub package_level: &'static str,
    pub missing_title: &'static str,
    pub missing_note: &'static str,
    /// After a number of days since onset.
    pub days: &'static str,
    /// A value nobody recorded.
    pub not_recorded: &'static str,
    /// After the manual's amount when no volume was recorded.
    pub amount_guide: &'static str,
    pub status_open: &'static str,
    pub status_dispatched: &'static str,
    pub status_received: &'static str,
}

pub const SLIP_JA: SlipWords = SlipWords {
    title: slip::TITLE,
    head_date: slip::HEAD_DATE,
    head_package: slip::HEAD_PACKAGE,
    head_status: slip::HEAD_STATUS,
    head_contents: slip::HEAD_CONTENTS,
    head_quantity: slip::HEAD_QUANTITY,
    unit_tubes: slip::UNIT_TUBES,
    head_shipper: slip::HEAD_SHIPPER,
    head_consignee: slip::HEAD_CONSIGNEE,
    phone: slip::PHONE,
    head_emergency: slip::HEAD_EMERGENCY,
    head_carrier: slip::HEAD_CARRIER,
    head_packer: slip::HEAD_PACKER,
    head_certificate: slip::HEAD_CERTIFICATE,
    head_dry_ice: slip::HEAD_DRY_ICE,
    dry_ice_net: slip::DRY_ICE_NET,
    head_dispatched_at: slip::HEAD_DISPATCHED_AT,
    head_dispatched_by: slip::HEAD_DISPATCHED_BY,
    head_specimens: slip::HEAD_SPECIMENS,
    col_number: slip::COL_NUMBER,
    col_specimen_id: slip::COL_SPECIMEN_ID,
    col_type: slip::COL_TYPE,
    col_amount: slip::COL_AMOUNT,
    col_container: slip::COL_CONTAINER,
    col_collected: slip::COL_COLLECTED,
    col_onset: slip::COL_ONSET,
    col_days: slip::COL_DAYS,
    col_patient: slip::COL_PATIENT,
    head_overrides: slip::HEAD_OVERRIDES,
    col_code: slip::COL_CODE,
    col_reason: slip::COL_REASON,
    col_by: slip::COL_BY,
    col_at: slip::COL_AT,
    none: slip::NONE,
    package_level: slip::PACKAGE_LEVEL,
    missing_title: slip::MISSING_TITLE,
    missing_note: slip::MISSING_NOTE,
    days: slip::DAYS,
    not_recorded: slip::NOT_RECORDED,
    amount_guide: slip::AMOUNT_GUIDE,
    status_open: slip::STATUS_OPEN,
    status_dispatched: slip::STATUS_DISPATCHED,
    status_received: slip::STATUS_RECEIVED,
};

pub const SLIP_EN: SlipWords = SlipWords {
    title: slip::TITLE_EN,
    head_date: "Date",
    head_package: "Package (SSCC)",
    head_status: "Status",
    head_contents: "Contents",
    head_quantity: "Quantity",
    unit_tubes: "tubes",
    head_shipper: "Shipper",
    head_consignee: "Consignee",
    phone: "Phone",
    head_emergency: "24-hour emergency phone",
    head_carrier: "Carrier",
    head_packer: "Packaging responsible person",
    head_certificate: "Certificate id",
    head_dry_ice: "Dry ice",
    dry_ice_net: "net",
    head_dispatched_at: "Dispatched at",
    head_dispatched_by: "Dispatched by",
    head_specimens: "Specimens",
    col_number: "No.",
    col_specimen_id: "Specimen",
    col_type: "Type",
    col_amount: "Amount",
    col_container: "Container",
    col_collected: "Collected on",
    col_onset: "Onset",
    col_days: "Days since onset",
    col_patient: "Patient number",
    head_overrides: "Notes: rules set aside",
    col_code: "Rule",
    col_reason: "Reason",
    col_by: "By",
    col_at: "At",
    none: "None",
    package_level: "whole package",
    missing_title: "Incomplete: may not be dispatched",
    missing_note: "This slip is a draft. The package cannot be dispatched until these are done.",
    days: "days",
    not_recorded: "not recorded",
    amount_guide: " (guide; volume not recorded)",
    status_open: "being packed",
    status_dispatched: "dispatched",
    status_received: "received",
};

pub fn slip_words(lang: Lang) -> &'static SlipWords {
    match lang {
        Lang::Ja => &SLIP_JA,
        Lang::En => &SLIP_EN,
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
    pub const PHONE: &str = "電話";
    pub const HEAD_EMERGENCY: &str = "24時間緊急連絡先";
    pub const HEAD_CARRIER: &str = "運送";
    pub const HEAD_PACKER: &str = "包装責任者";
    pub const HEAD_CERTIFICATE: &str = "証明書番号";
    pub const HEAD_DRY_ICE: &str = "ドライアイス";
    pub const DRY_ICE_NET: &str = "正味";
    pub const HEAD_DISPATCHED_AT: &str = "発送日時";
    pub const HEAD_DISPATCHED_BY: &str = "発送者";
    pub const HEAD_SPECIMENS: &str = "検体一覧";
    pub const COL_NUMBER: &str = "番号";
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
    pub const NOT_RECORDED: &str = "未記録";
    pub const AMOUNT_GUIDE: &str = "（目安・実量は未記録）";
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

/// The words of the command-barcode sheet used at the packing and result desks.
pub mod command_sheet {
    pub const TITLE: &str = "コマンドバーコード（梱包・結果入力）";
    pub const NOTE: &str = "手袋のまま読み取れる大きさです。縮小せずに A4 で印刷してください。";
    /// Heading of the marks and transport items (two layers, one item each).
    pub const GROUP_MARKS_TRANSPORT: &str = "表示・輸送";
    /// Heading of the actions (start, dispatch, receive, cancel).
    pub const GROUP_ACTIONS: &str = "操作";
    /// Heading of the result desk's result codes.
    pub const GROUP_RESULTS: &str = "結果入力";
    pub const NEW_PACKAGE: &str = "新しい梱包を開始";
    pub const DISPATCH: &str = "発送";
    pub const RECEIVE: &str = "受領";
    pub const CANCEL: &str = "取り消し（最初からやり直す）";
    /// Before a checklist item whose tick is taken back.
    pub const UNTICK: &str = "チェックを外す";
    /// "page 1 / 2" on each sheet.
    pub const PAGE: &str = "ページ";
}

/// A specimen without a result yet, in every human-readable form of the
/// report: the CSV's 結果, JSON's `result_label`, the summary and the page.
pub const RESULT_PENDING_JA: &str = "結果待ち";

/// The headings of the day summary (集計表), in one language.
pub struct SummaryWords {
    /// `{date}`, then the facility in brackets when there is one.
    pub caption: &'static str,
    pub rows: &'static str,
    pub collected: &'static str,
    pub resulted: &'static str,
    pub overrides: &'static str,
    pub turnaround_median: &'static str,
    pub turnaround_p90: &'static str,
    pub by_type: &'static str,
    pub by_method: &'static str,
    pub by_result: &'static str,
    pub by_age: &'static str,
    pub by_flag: &'static str,
    /// `{h}`: hours.
    pub hours: &'static str,
    /// `{from}`, `{to}`: an age band.
    pub age_band: &'static str,
    pub age_90_plus: &'static str,
    pub age_unknown: &'static str,
    pub pending: &'static str,
    pub corrected: &'static str,
    /// After 判定不能 when the result code is `invalid`.
    pub invalid_note: &'static str,
    /// A group with nothing to count (a day without flags).
    pub none: &'static str,
    /// The audit chain's head, to write down outside kentai: `{rows}`,
    /// `{head}`.
    pub audit_head: &'static str,
}

pub const SUMMARY_JA: SummaryWords = SummaryWords {
    caption: "{date} の集計",
    rows: "報告件数",
    collected: "採取",
    resulted: "結果判明",
    overrides: "例外承認（理由あり）",
    turnaround_median: "所要時間 中央値（採取→結果）",
    turnaround_p90: "所要時間 90パーセンタイル",
    by_type: "検体",
    by_method: "検査方法",
    by_result: "結果",
    by_age: "年齢",
    by_flag: "注記",
    hours: "{h} 時間",
    age_band: "{from}〜{to}歳",
    age_90_plus: "90歳以上",
    age_unknown: "不明",
    pending: RESULT_PENDING_JA,
    corrected: CORRECTED_RESULT_JA,
    invalid_note: "（無効）",
    none: "なし",
    audit_head: "監査記録 {rows} 行、先頭ハッシュ {head}（控えておくと kentai audit verify --expect {rows}:{head} で改ざんを確かめられます）",
};

pub const SUMMARY_EN: SummaryWords = SummaryWords {
    caption: "Summary of {date}",
    rows: "Rows reported",
    collected: "Collected",
    resulted: "Resulted",
    overrides: "Rules set aside (with a reason)",
    turnaround_median: "Turnaround, median (collection → result)",
    turnaround_p90: "Turnaround, 90th percentile",
    by_type: "Specimen type",
    by_method: "Method",
    by_result: "Result",
    by_age: "Age",
    by_flag: "Notes",
    hours: "{h} h",
    age_band: "{from}–{to}",
    age_90_plus: "90 and over",
    age_unknown: "unknown",
    pending: "pending",
    corrected: "corrected result",
    invalid_note: " (invalid)",
    none: "none",
    audit_head: "Audit chain: {rows} rows, head {head} (write it down: kentai audit verify --expect {rows}:{head} proves it unchanged)",
};

pub fn summary_words(lang: Lang) -> &'static SummaryWords {
    match lang {
        Lang::Ja => &SUMMARY_JA,
        Lang::En => &SUMMARY_EN,
    }
}

/// The day summary's label for rows whose result corrects an earlier one.
pub const CORRECTED_RESULT_JA: &str = "結果訂正";

/// The words of the health centre's day report (README, "The health centre's day report").
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
    pub const ASYMPTOMATIC: &str = "無症状";
    /// The 無症状 cell of an asymptomatic patient (empty otherwise).
    pub const ASYMPTOMATIC_MARK: &str = "○";
    pub const COLLECTION_DATE: &str = "検体採取日";
    pub const TEST_METHOD: &str = "検査方法";
    pub const SPECIMEN_TYPE: &str = "検体";
    pub const RESULT: &str = "結果";
    pub const RESULT_DATE: &str = "結果判明日";
    pub const SPECIMEN_ID: &str = "検体番号";
    pub const FLAGS: &str = "注記";
    /// Before the assay's name where the method is shown (FHIR's method).
    pub const ASSAY: &str = "検査系";
    /// A target whose Ct the instrument reads as undetermined.
    pub const CT_UNDETERMINED: &str = "増幅なし（Undetermined）";
    /// Between the items of 注記.
    pub const FLAG_SEPARATOR: &str = "; ";

    /// After an overridden rule in 注記: why a person accepted it.
    pub fn override_reason(reason: &str) -> String {
        format!("（理由: {reason}）")
    }
}
