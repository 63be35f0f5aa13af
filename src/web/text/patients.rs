//! The words of the patient page (identity, its versions, the correction
//! form), in Japanese and English.

use super::Lang;

pub struct PatientsText {
    pub title: &'static str,
    pub not_found_body: &'static str,
    pub current_title: &'static str,
    pub version_value: &'static str,
    pub corrected_badge: &'static str,
    pub name: &'static str,
    pub name_kana: &'static str,
    pub birth_date: &'static str,
    pub sex: &'static str,
    pub address: &'static str,
    pub phone: &'static str,
    pub facility: &'static str,
    pub not_recorded: &'static str,
    pub correct_title: &'static str,
    pub correct_intro: &'static str,
    pub reason: &'static str,
    pub reason_hint: &'static str,
    pub correct_button: &'static str,
    pub corrected_done: &'static str,
    pub unchanged_done: &'static str,
    pub versions_title: &'static str,
    pub col_version: &'static str,
    pub col_kind: &'static str,
    pub col_identity: &'static str,
    pub col_changed: &'static str,
    pub col_reason: &'static str,
    pub col_by: &'static str,
    pub col_at: &'static str,
    pub kind_registered: &'static str,
    pub kind_completed: &'static str,
    pub kind_corrected: &'static str,
    pub specimens_title: &'static str,
    pub no_specimens: &'static str,
    pub error_code: &'static str,
}

pub const PATIENTS_JA: PatientsText = PatientsText {
    title: "患者",
    not_found_body: "この患者番号の患者は登録されていません。番号を確かめてください。",
    current_title: "現在の患者情報",
    version_value: "第{n}版",
    corrected_badge: "訂正あり",
    name: "氏名",
    name_kana: "フリガナ",
    birth_date: "生年月日",
    sex: "性別",
    address: "住所",
    phone: "電話番号",
    facility: "医療機関コード",
    not_recorded: "未記録",
    correct_title: "患者情報の訂正",
    correct_intro: "本人確認の書類などで確かめた正しい情報に直し、理由を書いてください。訂正前の情報は版として残り、保健所への日報には訂正したことが記されます。",
    reason: "訂正の理由",
    reason_hint: "例: 保険証で確認し、生年月日の誤記を訂正",
    correct_button: "訂正する",
    corrected_done: "患者情報を訂正しました。",
    unchanged_done: "変更はありませんでした。",
    versions_title: "患者情報の版",
    col_version: "版",
    col_kind: "種類",
    col_identity: "内容",
    col_changed: "変更した項目",
    col_reason: "理由",
    col_by: "実施者",
    col_at: "日時",
    kind_registered: "登録",
    kind_completed: "受付で追記",
    kind_corrected: "訂正",
    specimens_title: "この患者の検体",
    no_specimens: "検体はありません。",
    error_code: "コード",
};

pub const PATIENTS_EN: PatientsText = PatientsText {
    title: "Patient",
    not_found_body: "No patient has this patient number. Check the number.",
    current_title: "Current details",
    version_value: "version {n}",
    corrected_badge: "corrected",
    name: "Name",
    name_kana: "Name in kana",
    birth_date: "Birth date",
    sex: "Sex",
    address: "Address",
    phone: "Phone",
    facility: "Facility code",
    not_recorded: "not recorded",
    correct_title: "Correct the patient's details",
    correct_intro: "Enter the details as checked (an ID document, say) and write why. The earlier details are kept as a version, and the day report says the details were corrected.",
    reason: "Reason for the correction",
    reason_hint: "e.g. checked the insurance card; birth date was mistyped",
    correct_button: "Correct",
    corrected_done: "The patient's details were corrected.",
    unchanged_done: "Nothing changed.",
    versions_title: "Versions of the details",
    col_version: "Version",
    col_kind: "Kind",
    col_identity: "Details",
    col_changed: "Changed",
    col_reason: "Reason",
    col_by: "By",
    col_at: "At",
    kind_registered: "registered",
    kind_completed: "completed at reception",
    kind_corrected: "corrected",
    specimens_title: "This patient's specimens",
    no_specimens: "No specimens.",
    error_code: "Code",
};

pub fn patients(lang: Lang) -> &'static PatientsText {
    match lang {
        Lang::Ja => &PATIENTS_JA,
        Lang::En => &PATIENTS_EN,
    }
}

/// How a version came to be (`actions::patients::{REGISTERED, …}`).
pub fn kind_label(lang: Lang, kind: &str) -> &'static str {
    let t = patients(lang);
    match kind {
        "completed" => t.kind_completed,
        "corrected" => t.kind_corrected,
        _ => t.kind_registered,
    }
}

/// An identity field's name (`name`, `birth_date`, …).
pub fn field_label(lang: Lang, field: &str) -> &'static str {
    let t = patients(lang);
    match field {
        "name" => t.name,
        "name_kana" => t.name_kana,
        "birth_date" => t.birth_date,
        "sex" => t.sex,
        "address" => t.address,
        "phone" => t.phone,
        _ => "?",
    }
}
