//! The names of kentai's values in both languages: specimen types,
//! storage classes, checklist items, protective equipment, roles. The
//! Japanese print words come from `domain::labels`, spelled once.

use super::Lang;
use crate::kits::SwabMaterial;
use crate::labels;
use crate::packaging::{ChecklistItem, Layer};
use crate::ppe::{PpeItem, PpeNeed};
use crate::results::{ResultStatus, TestMethod, TestResult};
use crate::roles::{Action, Role};
use crate::specimen_type::SpecimenType;
use crate::storage::StorageClass;

pub fn specimen_type_name(t: SpecimenType, lang: Lang) -> String {
    match lang {
        Lang::Ja => labels::specimen_type_ja(t).to_string(),
        Lang::En => t.code().replace('_', " "),
    }
}

pub fn storage_class_name(class: StorageClass, lang: Lang) -> &'static str {
    match (lang, class) {
        (Lang::Ja, c) => labels::storage_class_ja(c),
        (Lang::En, StorageClass::Ambient) => "ambient",
        (Lang::En, StorageClass::Fridge4c) => "fridge (4 °C)",
        (Lang::En, StorageClass::FrozenMinus20) => "frozen (−20 °C)",
        (Lang::En, StorageClass::FrozenMinus80) => "frozen (−80 °C or below)",
    }
}

pub fn layer_name(layer: Layer, lang: Lang) -> &'static str {
    lang.pick(labels::layer_ja(layer), labels::layer_en(layer))
}

/// A checklist item as the manual's 【別紙】 words it, or in English.
pub fn checklist_item_name(item: ChecklistItem, lang: Lang) -> &'static str {
    lang.pick(
        labels::checklist_item_ja(item),
        labels::checklist_item_en(item),
    )
}

pub fn ppe_name(item: PpeItem, lang: Lang) -> &'static str {
    use PpeItem::*;
    match (lang, item) {
        (Lang::Ja, SurgicalMask) => "サージカルマスク",
        (Lang::Ja, N95) => "N95マスク",
        (Lang::Ja, Ds2) => "DS2マスク",
        (Lang::Ja, Ffp2) => "FFP2マスク",
        (Lang::Ja, Ffp3) => "FFP3マスク",
        (Lang::Ja, Kn95) => "KN95マスク",
        (Lang::Ja, EyeProtection) => "眼の防護（ゴーグル・フェイスシールド）",
        (Lang::Ja, Gown) => "ガウン",
        (Lang::Ja, Gloves) => "手袋",
        (Lang::En, SurgicalMask) => "Surgical mask",
        (Lang::En, N95) => "N95 mask",
        (Lang::En, Ds2) => "DS2 mask",
        (Lang::En, Ffp2) => "FFP2 mask",
        (Lang::En, Ffp3) => "FFP3 mask",
        (Lang::En, Kn95) => "KN95 mask",
        (Lang::En, EyeProtection) => "Eye protection (goggles or face shield)",
        (Lang::En, Gown) => "Gown",
        (Lang::En, Gloves) => "Gloves",
    }
}

/// What the PPE checklist asks for (any N95-class respirator counts as
/// one).
pub fn ppe_need_name(need: PpeNeed, lang: Lang) -> &'static str {
    match (lang, need) {
        (Lang::Ja, PpeNeed::N95Class) => "N95相当のマスク（N95・DS2・FFP2・FFP3・KN95）",
        (Lang::En, PpeNeed::N95Class) => "N95-class mask (N95, DS2, FFP2, FFP3, KN95)",
        (l, PpeNeed::SurgicalMask) => ppe_name(PpeItem::SurgicalMask, l),
        (l, PpeNeed::EyeProtection) => ppe_name(PpeItem::EyeProtection, l),
        (l, PpeNeed::Gown) => ppe_name(PpeItem::Gown, l),
        (l, PpeNeed::Gloves) => ppe_name(PpeItem::Gloves, l),
    }
}

pub fn swab_material_name(m: SwabMaterial, lang: Lang) -> &'static str {
    use SwabMaterial::*;
    match (lang, m) {
        (Lang::Ja, Flocked) => "フロックスワブ",
        (Lang::Ja, Rayon) => "レーヨン",
        (Lang::Ja, Polyester) => "ポリエステル",
        (Lang::Ja, Foam) => "フォーム（スポンジ）",
        (Lang::Ja, Cotton) => "綿",
        (Lang::Ja, Wooden) => "木製の軸",
        (Lang::Ja, None) => "スワブなし",
        (Lang::En, Flocked) => "flocked",
        (Lang::En, Rayon) => "rayon",
        (Lang::En, Polyester) => "polyester",
        (Lang::En, Foam) => "foam",
        (Lang::En, Cotton) => "cotton",
        (Lang::En, Wooden) => "wooden shaft",
        (Lang::En, None) => "no swab",
    }
}

pub fn role_name(role: Role, lang: Lang) -> &'static str {
    match (lang, role) {
        (Lang::Ja, Role::Reception) => "受付",
        (Lang::Ja, Role::Lab) => "検査室",
        (Lang::Ja, Role::HealthCentre) => "保健所",
        (Lang::Ja, Role::Admin) => "管理者",
        (Lang::En, Role::Reception) => "reception",
        (Lang::En, Role::Lab) => "lab",
        (Lang::En, Role::HealthCentre) => "health centre",
        (Lang::En, Role::Admin) => "admin",
    }
}

/// What an action is, as "… may not {action}" says it.
pub fn action_name(action: Action, lang: Lang) -> &'static str {
    use Action::*;
    match (lang, action) {
        (Lang::Ja, RegisterSpecimen) => "検体の登録",
        (Lang::Ja, ReadSpecimens) => "検体の閲覧",
        (Lang::Ja, RecordStorage) => "保管の記録",
        (Lang::Ja, ReadLocations) => "保管場所の閲覧",
        (Lang::Ja, ManageLocations) => "保管場所の管理",
        (Lang::Ja, ReadAlerts) => "保管アラートの閲覧",
        (Lang::Ja, RecordResult) => "検査結果の記録",
        (Lang::Ja, Override) => "ルールの適用除外",
        (Lang::Ja, ReadReports) => "保健所への日報の閲覧",
        (Lang::Ja, ManageUsers) => "利用者の管理",
        (Lang::Ja, PackSpecimens) => "梱包と発送",
        (Lang::Ja, ReadPackages) => "梱包の閲覧",
        (Lang::Ja, ReceivePackages) => "梱包の受領",
        (Lang::Ja, ReadKits) => "キットカタログの閲覧",
        (Lang::Ja, ManageKits) => "キットカタログへの追加",
        (Lang::Ja, TraceKitLots) => "キットのロットの追跡",
        (Lang::Ja, Scan) => "ステーションへのスキャン送信",
        (Lang::Ja, WatchStations) => "ステーションのスキャンの表示",
        (Lang::Ja, ReadDevices) => "スキャナーの閲覧",
        (Lang::Ja, CorrectPatients) => "患者情報の訂正",
        (Lang::Ja, Print) => "印刷",
        (Lang::En, RegisterSpecimen) => "register specimens",
        (Lang::En, ReadSpecimens) => "read specimens",
        (Lang::En, RecordStorage) => "record storage",
        (Lang::En, ReadLocations) => "read locations",
        (Lang::En, ManageLocations) => "manage locations",
        (Lang::En, ReadAlerts) => "read alerts",
        (Lang::En, RecordResult) => "record results",
        (Lang::En, Override) => "override a rule",
        (Lang::En, ReadReports) => "read reports",
        (Lang::En, ManageUsers) => "manage users",
        (Lang::En, PackSpecimens) => "pack or dispatch specimens",
        (Lang::En, ReadPackages) => "read packages",
        (Lang::En, ReceivePackages) => "receive packages",
        (Lang::En, ReadKits) => "read the kit catalog",
        (Lang::En, ManageKits) => "add kits to the catalog",
        (Lang::En, TraceKitLots) => "trace kit lots",
        (Lang::En, Scan) => "send scans to a station",
        (Lang::En, WatchStations) => "follow a station's scans",
        (Lang::En, ReadDevices) => "see the scanners",
        (Lang::En, CorrectPatients) => "correct a patient's identity",
        (Lang::En, Print) => "print",
    }
}

/// A test result as the desks and reports name it (判定不能 covers both
/// inconclusive and invalid in the report; the desks tell them apart).
pub fn test_result_name(r: TestResult, lang: Lang) -> &'static str {
    match (lang, r) {
        (Lang::Ja, TestResult::Inconclusive) => "判定保留（再検査）",
        (Lang::Ja, TestResult::Invalid) => "無効（判定不能）",
        (Lang::Ja, r) => labels::test_result_ja(r),
        (Lang::En, r) => labels::test_result_en(r),
    }
}

pub fn test_method_name(m: TestMethod, lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => labels::test_method_ja(m),
        Lang::En => labels::test_method_en(m),
    }
}

/// Where a result version stands.
pub fn result_status_name(s: ResultStatus, lang: Lang) -> &'static str {
    match (lang, s) {
        (Lang::Ja, ResultStatus::Entered) => "承認待ち",
        (Lang::Ja, ResultStatus::Released) => "承認済み",
        (Lang::Ja, ResultStatus::Returned) => "差し戻し",
        (Lang::En, ResultStatus::Entered) => "awaiting release",
        (Lang::En, ResultStatus::Released) => "released",
        (Lang::En, ResultStatus::Returned) => "returned",
    }
}

/// A station's workflow by its configuration code (`reception`, …).
pub fn workflow_name(code: &str, lang: Lang) -> String {
    match (lang, code) {
        (Lang::Ja, "reception") => "受付".into(),
        (Lang::Ja, "storage") => "保管".into(),
        (Lang::Ja, "packing") => "梱包".into(),
        (Lang::Ja, "receiving") => "受領".into(),
        (Lang::Ja, "results") => "結果入力".into(),
        _ => code.to_string(),
    }
}

/// What a scan was read as (`outcome.kind`).
pub fn scan_kind_name(kind: &str, lang: Lang) -> String {
    match (lang, kind) {
        (Lang::Ja, "specimen") => "採取管".into(),
        (Lang::Ja, "kit") => "採取キット".into(),
        (Lang::Ja, "patient") => "患者".into(),
        (Lang::Ja, "location") => "保管場所".into(),
        (Lang::Ja, "package") => "梱包".into(),
        (Lang::Ja, "command") => "コマンド".into(),
        (Lang::Ja, "badge") => "職員バッジ".into(),
        (Lang::En, "badge") => "staff badge".into(),
        (Lang::Ja, "unknown") => "不明なコード".into(),
        (Lang::En, "specimen") => "tube".into(),
        (Lang::En, "unknown") => "unknown code".into(),
        _ => kind.to_string(),
    }
}

/// A request field as a person knows it: the form's label where there is
/// one (with the API's name), else the API's name.
pub fn field_name(field: &str, lang: Lang) -> String {
    let known = match field {
        "specimen_id" => Some(("検体番号", "specimen id")),
        "patient.name" => Some(("氏名", "name")),
        "patient.name_kana" => Some(("フリガナ", "name in kana")),
        "patient.birth_date" => Some(("生年月日", "birth date")),
        "patient.sex" => Some(("性別", "sex")),
        "patient.address" => Some(("住所", "address")),
        "patient.phone" => Some(("電話番号", "phone")),
        "patient.patient_id" | "patient_id" => Some(("患者番号", "patient number")),
        "collected_at" => Some(("採取日時", "collection time")),
        "onset_date" => Some(("発症日", "onset date")),
        "override_reason" => Some(("適用除外の理由", "override reason")),
        "reason" => Some(("理由", "reason")),
        "kit" => Some(("採取キット", "kit")),
        "volume_ml" => Some(("量 (mL)", "volume (mL)")),
        "location" | "location code" => Some(("保管場所", "location")),
        "device" => Some(("スキャナー名", "device")),
        "name" => Some(("名前", "name")),
        "note" => Some(("備考", "note")),
        "consignee.name" => Some(("受取人の名称", "consignee name")),
        "consignee.address" => Some(("受取人の住所", "consignee address")),
        "consignee.phone" => Some(("受取人の電話番号", "consignee phone")),
        "packer.name" => Some(("包装責任者", "packer name")),
        "packer.certificate_id" => Some(("包装責任者の証明書番号", "packer certificate id")),
        "emergency_phone" => Some(("24時間緊急連絡先", "24-hour emergency phone")),
        "data" => Some(("スキャンデータ", "scan data")),
        "description" => Some(("説明", "description")),
        "consulted_with" => Some(("相談先", "consulted with")),
        "expires_at" => Some(("有効期限", "expiry")),
        _ => None,
    };
    match (known, lang) {
        (Some((ja, _)), Lang::Ja) => format!("「{ja}」（{field}）"),
        (Some((_, en)), Lang::En) if en != field => format!("{en} ({field})"),
        _ => field.to_string(),
    }
}
