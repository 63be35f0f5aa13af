//! The words of the specimens pages, in Japanese and English.
//!
//! Kept apart from [`super::Text`] because only these pages use them; the
//! words that name the manual's terms (specimen types, storage classes,
//! results, rule names) come from `domain::labels` so reports, slips and
//! these pages spell them the same way. `{id}`, `{n}`, `{date}` and
//! `{type}` stand for values the page fills in.

use super::Lang;
use crate::domain::labels;
use crate::domain::patient::Sex;
use crate::domain::results::TestResult;
use crate::domain::storage::StorageClass;
use crate::domain::{PackageStatus, SpecimenCategory, SpecimenStatus};

/// One language's words for the specimen pages, grouped by page.
pub struct SpecimensText {
    // The list and the lookup.
    pub index_title: &'static str,
    pub lookup_title: &'static str,
    pub lookup_label: &'static str,
    pub lookup_hint: &'static str,
    pub lookup_button: &'static str,
    pub lookup_not_found: &'static str,
    pub list_title: &'static str,
    pub date_label: &'static str,
    pub show_button: &'static str,
    pub previous_day: &'static str,
    pub next_day: &'static str,
    pub bad_date: &'static str,
    pub list_caption: &'static str,
    pub list_empty: &'static str,
    pub list_truncated: &'static str,
    /// The switch between the two lists.
    pub view_label: &'static str,
    pub view_in_care: &'static str,
    pub view_day: &'static str,
    pub in_care_title: &'static str,
    pub in_care_intro: &'static str,
    /// `{n}`: how many.
    pub in_care_caption: &'static str,
    pub in_care_empty: &'static str,
    pub col_specimen: &'static str,
    pub col_type: &'static str,
    pub col_patient: &'static str,
    pub col_collected: &'static str,
    pub col_status: &'static str,
    pub col_location: &'static str,
    pub col_deadline: &'static str,
    pub col_flags: &'static str,
    // One specimen's history.
    pub specimen_title: &'static str,
    pub not_found_body: &'static str,
    pub patient_title: &'static str,
    pub patient_name: &'static str,
    pub patient_kana: &'static str,
    pub birth_date: &'static str,
    pub sex: &'static str,
    pub patient_id: &'static str,
    pub facts_title: &'static str,
    pub specimen_type: &'static str,
    pub category: &'static str,
    pub priority: &'static str,
    pub priority_value: &'static str,
    pub collected_at: &'static str,
    pub onset_date: &'static str,
    pub onset_unknown: &'static str,
    pub days_since_onset: &'static str,
    pub days_value: &'static str,
    pub asymptomatic: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub test_method: &'static str,
    pub kit: &'static str,
    pub kit_gtin: &'static str,
    pub kit_lot: &'static str,
    pub kit_expiry: &'static str,
    pub kit_serial: &'static str,
    pub kit_description: &'static str,
    pub kit_none: &'static str,
    pub volume: &'static str,
    pub ppe: &'static str,
    pub override_reason: &'static str,
    pub registered: &'static str,
    pub registration_warnings: &'static str,
    pub none: &'static str,
    pub not_recorded: &'static str,
    pub storage_now_title: &'static str,
    pub current_class: &'static str,
    pub current_location: &'static str,
    pub home_storage: &'static str,
    pub not_stored: &'static str,
    pub deadline: &'static str,
    pub time_left: &'static str,
    pub frozen_no_deadline: &'static str,
    pub shipped_no_deadline: &'static str,
    pub freeze_thaw: &'static str,
    pub freeze_thaw_value: &'static str,
    pub flags_title: &'static str,
    pub no_flags: &'static str,
    pub flag_override: &'static str,
    pub custody_title: &'static str,
    pub storage_title: &'static str,
    pub no_storage: &'static str,
    pub col_at: &'static str,
    pub col_storage_location: &'static str,
    pub col_class: &'static str,
    pub col_temperature: &'static str,
    pub col_warnings: &'static str,
    pub col_override: &'static str,
    pub col_recorded_by: &'static str,
    pub results_title: &'static str,
    pub no_results: &'static str,
    pub col_version: &'static str,
    pub col_result: &'static str,
    pub col_method: &'static str,
    pub col_resulted_at: &'static str,
    pub col_note: &'static str,
    pub version_value: &'static str,
    pub original: &'static str,
    pub correction: &'static str,
    pub latest: &'static str,
    pub package_title: &'static str,
    pub not_packed: &'static str,
    pub package_id: &'static str,
    pub package_status: &'static str,
    pub packed: &'static str,
    pub dispatched_at: &'static str,
    pub received_at: &'static str,
    pub receipt: &'static str,
    pub not_yet: &'static str,
    pub label_link: &'static str,
    pub back_to_list: &'static str,
    // The label's print view.
    pub label_page_title: &'static str,
    pub label_alt: &'static str,
    pub label_hint: &'static str,
    pub print_button: &'static str,
    pub back_to_specimen: &'static str,
}

pub const SPECIMENS_JA: SpecimensText = SpecimensText {
    index_title: "検体",
    lookup_title: "検体番号で探す",
    lookup_label: "検体番号",
    lookup_hint: "採取管のバーコードを読み取るか、検体番号を入力して Enter。",
    lookup_button: "開く",
    lookup_not_found: "検体番号「{id}」は登録されていません。番号を確かめてください。",
    list_title: "採取日ごとの検体",
    date_label: "採取日",
    show_button: "表示",
    previous_day: "前の日",
    next_day: "次の日",
    bad_date: "日付の形式が正しくないため、今日の検体を表示しています。",
    list_caption: "{date} に採取した検体（{n}件、送付優先順位の順）",
    list_empty: "この日に採取した検体はありません。",
    list_truncated: "件数が多いため、最初の{n}件だけを表示しています。",
    view_label: "一覧の表示",
    view_in_care: "保管中の検体（採取日を問わず）",
    view_day: "採取日ごと",
    in_care_title: "保管中の検体",
    in_care_intro:
        "まだ発送・受領・紛失のいずれにもなっていない検体です。何日前に採取したものも含みます。",
    in_care_caption: "保管中の検体（{n}件、送付優先順位の順）",
    in_care_empty: "保管中の検体はありません。",
    col_specimen: "検体番号",
    col_type: "検体の種類",
    col_patient: "患者氏名",
    col_collected: "採取日時",
    col_status: "状態",
    col_location: "保管場所",
    col_deadline: "凍結・発送の期限",
    col_flags: "注記",
    specimen_title: "検体",
    not_found_body: "その検体番号は登録されていません。番号を確かめて、もう一度探してください。",
    patient_title: "患者",
    patient_name: "氏名",
    patient_kana: "フリガナ",
    birth_date: "生年月日",
    sex: "性別",
    patient_id: "患者番号",
    facts_title: "検体の情報",
    specimen_type: "検体の種類",
    category: "分類",
    priority: "送付優先順位",
    priority_value: "第{n}順位",
    collected_at: "採取日時",
    onset_date: "発症日",
    onset_unknown: "不明",
    days_since_onset: "発症からの日数",
    days_value: "発症後{n}日目（発症日を0日目とする）",
    asymptomatic: "無症状",
    yes: "はい",
    no: "いいえ",
    test_method: "検査法",
    kit: "採取キット",
    kit_gtin: "GTIN",
    kit_lot: "ロット",
    kit_expiry: "使用期限",
    kit_serial: "シリアル番号",
    kit_description: "キットの説明",
    kit_none: "読み取りなし",
    volume: "量",
    ppe: "採取者の個人防護具",
    override_reason: "ルール適用除外の理由",
    registered: "受付",
    registration_warnings: "受付時の警告",
    none: "なし",
    not_recorded: "記録なし",
    storage_now_title: "現在の保管状況",
    current_class: "現在の保管温度",
    current_location: "現在の保管場所",
    home_storage: "長期保管に適した温度",
    not_stored: "まだ保管されていません",
    deadline: "凍結または発送の期限（48時間ルール）",
    time_left: "残り時間",
    frozen_no_deadline: "凍結保管中のため、期限はありません",
    shipped_no_deadline: "発送済みです",
    freeze_thaw: "凍結融解回数",
    freeze_thaw_value: "{n}回",
    flags_title: "注記",
    no_flags: "注記はありません。",
    flag_override: "適用除外の理由",
    custody_title: "受け渡し記録",
    storage_title: "保管履歴",
    no_storage: "保管の記録はありません。",
    col_at: "日時",
    col_storage_location: "保管場所",
    col_class: "保管温度の区分",
    col_temperature: "温度",
    col_warnings: "警告",
    col_override: "適用除外の理由",
    col_recorded_by: "記録者",
    results_title: "検査結果",
    no_results: "検査結果はまだありません。",
    col_version: "版",
    col_result: "結果",
    col_method: "検査法",
    col_resulted_at: "結果判明日時",
    col_note: "備考",
    version_value: "第{n}版",
    original: "初回",
    correction: "訂正",
    latest: "最新（有効な結果）",
    package_title: "梱包と発送",
    not_packed: "まだ梱包されていません。",
    package_id: "梱包番号",
    package_status: "状態",
    packed: "梱包",
    dispatched_at: "発送日時",
    received_at: "受領日時",
    receipt: "検査機関での受領確認",
    not_yet: "未",
    label_link: "採取管のラベルを印刷する",
    back_to_list: "検体の一覧へ戻る",
    label_page_title: "採取管のラベル",
    label_alt: "検体 {id}（{type}）の採取管ラベル。二次元バーコードと検体番号",
    label_hint:
        "ラベルプリンター（50 × 25 mm）を選んで印刷してください。印刷されるのはラベルだけです。",
    print_button: "印刷する",
    back_to_specimen: "検体の記録へ戻る",
};

pub const SPECIMENS_EN: SpecimensText = SpecimensText {
    index_title: "Specimens",
    lookup_title: "Find a specimen",
    lookup_label: "Specimen id",
    lookup_hint: "Scan the tube's barcode or type its id, then press Enter.",
    lookup_button: "Open",
    lookup_not_found: "No specimen {id} is registered. Check the id.",
    list_title: "Specimens collected on a day",
    date_label: "Collection date",
    show_button: "Show",
    previous_day: "Previous day",
    next_day: "Next day",
    bad_date: "That date could not be read: today's specimens are shown.",
    list_caption: "Specimens collected on {date} ({n}, in sending priority order)",
    list_empty: "No specimen was collected on this day.",
    list_truncated: "Only the first {n} are shown.",
    view_label: "List",
    view_in_care: "In care (any collection day)",
    view_day: "By collection day",
    in_care_title: "Specimens in care",
    in_care_intro:
        "Specimens not yet shipped, received or missing, whatever day they were collected.",
    in_care_caption: "Specimens in care ({n}, in sending priority order)",
    in_care_empty: "No specimen is in care.",
    col_specimen: "Specimen",
    col_type: "Type",
    col_patient: "Patient",
    col_collected: "Collected",
    col_status: "Status",
    col_location: "Location",
    col_deadline: "Freeze or ship by",
    col_flags: "Flags",
    specimen_title: "Specimen",
    not_found_body: "No specimen with that id is registered. Check the id and search again.",
    patient_title: "Patient",
    patient_name: "Name",
    patient_kana: "Name in kana",
    birth_date: "Birth date",
    sex: "Sex",
    patient_id: "Patient number",
    facts_title: "Specimen details",
    specimen_type: "Type",
    category: "Category",
    priority: "Sending priority",
    priority_value: "priority {n}",
    collected_at: "Collected",
    onset_date: "Onset date",
    onset_unknown: "unknown",
    days_since_onset: "Days since onset",
    days_value: "day {n} (onset day = day 0)",
    asymptomatic: "Asymptomatic",
    yes: "yes",
    no: "no",
    test_method: "Test method",
    kit: "Collection kit",
    kit_gtin: "GTIN",
    kit_lot: "Lot",
    kit_expiry: "Expiry",
    kit_serial: "Serial",
    kit_description: "Kit description",
    kit_none: "not scanned",
    volume: "Volume",
    ppe: "PPE worn by the collector",
    override_reason: "Override reason",
    registered: "Registered",
    registration_warnings: "Warnings at registration",
    none: "none",
    not_recorded: "not recorded",
    storage_now_title: "Storage now",
    current_class: "Current storage",
    current_location: "Current location",
    home_storage: "Belongs at",
    not_stored: "not stored yet",
    deadline: "Freeze or ship by (48-hour rule)",
    time_left: "Time left",
    frozen_no_deadline: "Frozen: no deadline",
    shipped_no_deadline: "Dispatched",
    freeze_thaw: "Freeze–thaw cycles",
    freeze_thaw_value: "{n}",
    flags_title: "Flags",
    no_flags: "No flags.",
    flag_override: "Override reason",
    custody_title: "Chain of custody",
    storage_title: "Storage history",
    no_storage: "No storage recorded.",
    col_at: "At",
    col_storage_location: "Location",
    col_class: "Storage class",
    col_temperature: "Temperature",
    col_warnings: "Warnings",
    col_override: "Override reason",
    col_recorded_by: "Recorded by",
    results_title: "Results",
    no_results: "No result yet.",
    col_version: "Version",
    col_result: "Result",
    col_method: "Method",
    col_resulted_at: "Resulted",
    col_note: "Note",
    version_value: "v{n}",
    original: "original",
    correction: "correction",
    latest: "latest (counts)",
    package_title: "Package and dispatch",
    not_packed: "Not packed yet.",
    package_id: "Package",
    package_status: "Status",
    packed: "Packed",
    dispatched_at: "Dispatched",
    received_at: "Received",
    receipt: "Receipt at the testing lab",
    not_yet: "not yet",
    label_link: "Print the tube label",
    back_to_list: "Back to the specimen list",
    label_page_title: "Tube label",
    label_alt: "Tube label of specimen {id} ({type}): its 2D barcode and id",
    label_hint: "Choose the label printer (50 × 25 mm). Only the label prints.",
    print_button: "Print",
    back_to_specimen: "Back to the specimen's record",
};

pub fn specimens(lang: Lang) -> &'static SpecimensText {
    match lang {
        Lang::Ja => &SPECIMENS_JA,
        Lang::En => &SPECIMENS_EN,
    }
}

/// A specimen's status in words.
pub fn status_label(lang: Lang, status: SpecimenStatus) -> &'static str {
    use SpecimenStatus::*;
    match (lang, status) {
        (Lang::Ja, Registered) => "受付済み",
        (Lang::Ja, Stored) => "保管中",
        (Lang::Ja, Packed) => "梱包済み",
        (Lang::Ja, Shipped) => "発送済み",
        (Lang::Ja, Received) => "検査機関で受領",
        (Lang::Ja, Missing) => "未着（検査機関に届いていない）",
        (Lang::En, s) => s.code(),
    }
}

/// A step of the chain of custody (`CustodyStep::step`).
pub fn custody_step_label(lang: Lang, step: &str) -> Option<&'static str> {
    Some(match (lang, step) {
        (Lang::Ja, "collected") => "採取",
        (Lang::Ja, "stored") => "保管",
        (Lang::Ja, "packed") => "梱包",
        (Lang::Ja, "unpacked") => "梱包から取り出し",
        (Lang::Ja, "dispatched") => "発送",
        (Lang::Ja, "received") => "検査機関で受領",
        (Lang::Ja, "missing") => "未着の報告",
        (Lang::Ja, "resulted") => "検査結果",
        (Lang::En, "collected") => "collected",
        (Lang::En, "stored") => "stored",
        (Lang::En, "packed") => "packed",
        (Lang::En, "unpacked") => "taken out of the package",
        (Lang::En, "dispatched") => "dispatched",
        (Lang::En, "received") => "received",
        (Lang::En, "missing") => "reported missing",
        (Lang::En, "resulted") => "resulted",
        _ => return None,
    })
}

/// A package's status (`PackageRef::status`).
pub fn package_status_label(lang: Lang, status: PackageStatus) -> &'static str {
    match (lang, status) {
        (Lang::Ja, PackageStatus::Open) => "梱包中",
        (Lang::Ja, PackageStatus::Dispatched) => "発送済み",
        (Lang::Ja, PackageStatus::Received) => "検査機関で受領済み",
        (Lang::En, s) => s.code(),
    }
}

/// What the testing lab said of this tube (`PackageRef::receipt`).
pub fn receipt_label(lang: Lang, receipt: &str) -> Option<&'static str> {
    Some(match (lang, receipt) {
        (Lang::Ja, "received") => "届いた",
        (Lang::Ja, "missing") => "届いていない",
        (Lang::En, "received") => "arrived",
        (Lang::En, "missing") => "missing",
        _ => return None,
    })
}

pub fn storage_class_label(lang: Lang, class: StorageClass) -> &'static str {
    crate::domain::messages::storage_class_name(class, lang)
}

pub fn sex_label(lang: Lang, sex: Sex) -> &'static str {
    match (lang, sex) {
        (Lang::Ja, s) => labels::sex_ja(s),
        (Lang::En, Sex::Male) => "male",
        (Lang::En, Sex::Female) => "female",
        (Lang::En, Sex::Other) => "other",
        (Lang::En, Sex::Unknown) => "unknown",
    }
}

pub fn result_label(lang: Lang, result: TestResult) -> &'static str {
    match (lang, result) {
        (Lang::Ja, TestResult::Invalid) => "判定不能（無効）",
        (Lang::Ja, r) => labels::test_result_ja(r),
        (Lang::En, TestResult::Positive) => "positive",
        (Lang::En, TestResult::Negative) => "negative",
        (Lang::En, TestResult::Inconclusive) => "inconclusive",
        (Lang::En, TestResult::Invalid) => "invalid",
    }
}

pub fn category_label(lang: Lang, category: SpecimenCategory) -> &'static str {
    match (lang, category) {
        (Lang::Ja, SpecimenCategory::Respiratory) => "呼吸器検体",
        (Lang::Ja, SpecimenCategory::Other) => "その他の検体（−80 °C 以下で保管）",
        (Lang::En, SpecimenCategory::Respiratory) => "respiratory",
        (Lang::En, SpecimenCategory::Other) => "other (kept at −80 °C or below)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_custody_step_the_views_send_has_words_in_both_languages() {
        for lang in [Lang::Ja, Lang::En] {
            for s in SpecimenStatus::ALL {
                assert!(!status_label(lang, s).is_empty(), "{lang:?} {s}");
            }
            for step in [
                "collected",
                "stored",
                "packed",
                "unpacked",
                "dispatched",
                "received",
                "missing",
                "resulted",
            ] {
                assert!(custody_step_label(lang, step).is_some(), "{lang:?} {step}");
            }
        }
    }

    #[test]
    fn the_custody_steps_listed_here_are_the_ones_the_views_build() {
        let views = include_str!("../../actions/views.rs");
        for step in [
            "collected",
            "stored",
            "packed",
            "unpacked",
            "dispatched",
            "resulted",
        ] {
            assert!(
                views.contains(&format!("\"{step}\"")),
                "{step:?} is no longer a custody step"
            );
        }
    }
}
