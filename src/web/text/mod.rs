//! Every word the web pages show, in Japanese (the default) and English.
//!
//! Pages and their scripts read their wording from here only (the scripts
//! get theirs as JSON in the page), so the Japanese is spelled in one place
//! beside `domain::labels`, whose print words (specimen types, rule names)
//! it reuses rather than repeats.

pub mod admin;
pub mod analyzers;
pub mod badges;
pub mod packing;
pub mod patients;
pub mod printing;
pub mod reports;
pub mod results;
pub mod specimens;
pub mod tokens;

use crate::config::Workflow;
use crate::domain::labels;
use crate::domain::roles::Role;
use crate::domain::SpecimenType;

pub use crate::domain::messages::Lang;

/// A language's words for the pages. A trait because `Lang` belongs to
/// the domain crate, which knows nothing of pages.
pub trait PageWords {
    /// The words of the common pages.
    fn text(self) -> &'static Text;
    /// The words of the registration form.
    fn form(self) -> &'static FormText;
}

impl PageWords for Lang {
    fn text(self) -> &'static Text {
        match self {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    fn form(self) -> &'static FormText {
        match self {
            Lang::Ja => &FORM_JA,
            Lang::En => &FORM_EN,
        }
    }
}

/// One language's words. Fields are grouped by page.
pub struct Text {
    // Layout.
    pub app_name: &'static str,
    pub skip_link: &'static str,
    pub nav_label: &'static str,
    pub nav_stations: &'static str,
    pub nav_specimens: &'static str,
    pub nav_results: &'static str,
    pub nav_packing: &'static str,
    pub nav_alerts: &'static str,
    pub nav_reports: &'static str,
    pub nav_admin: &'static str,
    pub signed_in_as: &'static str,
    pub sign_out: &'static str,
    /// The name of this language, as the switch to it reads.
    pub language_name: &'static str,
    pub switch_language_label: &'static str,
    // Sign-in.
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub token_label: &'static str,
    pub token_hint: &'static str,
    pub sign_in_button: &'static str,
    pub sign_in_failed: &'static str,
    pub sign_in_too_many: &'static str,
    pub name_label: &'static str,
    pub password_label: &'static str,
    pub with_token: &'static str,
    pub password_failed: &'static str,
    pub password_title: &'static str,
    pub password_intro: &'static str,
    pub password_must_change: &'static str,
    pub current_password_label: &'static str,
    pub new_password_label: &'static str,
    pub new_password_hint: &'static str,
    pub new_password_again_label: &'static str,
    pub change_password_button: &'static str,
    pub password_changed: &'static str,
    pub account_link: &'static str,
    pub form_expired: &'static str,
    // Errors.
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub back_home: &'static str,
    // Stations.
    pub stations_title: &'static str,
    pub stations_intro: &'static str,
    pub no_stations: &'static str,
    pub col_station: &'static str,
    pub col_workflow: &'static str,
    // A station's page.
    pub outcome_title: &'static str,
    pub waiting: &'static str,
    pub accepted: &'static str,
    pub refused: &'static str,
    pub next_label: &'static str,
    pub warnings_label: &'static str,
    pub scan_label: &'static str,
    pub scan_hint: &'static str,
    pub scan_submit: &'static str,
    pub feed_title: &'static str,
    pub feed_empty: &'static str,
    pub devices_title: &'static str,
    pub no_devices: &'static str,
    pub device_errors_title: &'static str,
    pub draft_title: &'static str,
    pub draft_note: &'static str,
    pub draft_patient: &'static str,
    pub draft_tube: &'static str,
    pub draft_kit: &'static str,
    /// `{time}`: when an untouched draft is dropped.
    pub draft_expires: &'static str,
    pub start_over: &'static str,
    pub start_over_hint: &'static str,
    /// The large panel's heading when a registration ended the draft.
    pub reset_registered: &'static str,
    /// … when the draft sat idle too long.
    pub reset_expired: &'static str,
    pub kit_gtin: &'static str,
    pub kit_lot: &'static str,
    pub kit_expiry: &'static str,
    pub kit_type: &'static str,
    pub kit_not_catalogued: &'static str,
    pub not_yet: &'static str,
    pub sound_enable: &'static str,
    pub sound_on: &'static str,
    pub live_connected: &'static str,
    pub live_lost: &'static str,
    pub session_ended: &'static str,
    pub sign_in_again: &'static str,
    pub send_failed: &'static str,
    pub needs_javascript: &'static str,
    pub result_desk_title: &'static str,
    pub result_desk_note: &'static str,
    /// The tube scanned, waiting for its result code.
    pub result_desk_tube: &'static str,
    /// The result every tube scanned now gets.
    pub result_desk_batch: &'static str,
    pub result_desk_none: &'static str,
    /// The link to the result desk's page (`/results`).
    pub results_link: &'static str,
    // Alerts.
    pub alerts_title: &'static str,
    pub alerts_intro: &'static str,
    pub no_alerts: &'static str,
    pub col_specimen: &'static str,
    pub col_type: &'static str,
    pub col_alert: &'static str,
    pub col_due: &'static str,
    pub col_left: &'static str,
    pub col_location: &'static str,
    pub overdue: &'static str,
    // Reports.
    pub reports_title: &'static str,
    pub reports_intro: &'static str,
    pub date_label: &'static str,
    pub show_button: &'static str,
    pub downloads_title: &'static str,
    pub download_csv_utf8: &'static str,
    pub download_csv_sjis: &'static str,
    pub download_json: &'static str,
    pub download_fhir: &'static str,
    // Packing and administration (later slices).
    pub packing_title: &'static str,
    pub packing_later: &'static str,
    pub command_sheet_link: &'static str,
    pub users_title: &'static str,
    pub col_name: &'static str,
    pub col_role: &'static str,
    pub col_status: &'static str,
    pub col_device: &'static str,
    pub col_state: &'static str,
}

pub const JA: Text = Text {
    app_name: "kentai 検体管理",
    skip_link: "本文へ移動",
    nav_label: "メインメニュー",
    nav_stations: "ステーション",
    nav_results: "結果入力",
    nav_packing: "梱包",
    nav_alerts: "保管アラート",
    nav_reports: "保健所への日報",
    nav_admin: "管理",
    nav_specimens: "検体",
    signed_in_as: "ログイン中",
    sign_out: "ログアウト",
    language_name: "日本語",
    switch_language_label: "表示言語",
    sign_in_title: "ログイン",
    sign_in_intro: "ログイン名とパスワードを入れてください。",
    token_label: "トークン",
    token_hint: "kt_ で始まる文字列です。この端末のブラウザには保存されません。",
    sign_in_button: "ログイン",
    sign_in_failed: "トークンが正しくないか、無効になっています。",
    sign_in_too_many: "間違いが続いたため、しばらく受け付けません。1分ほど待ってからお試しください。",
    name_label: "ログイン名",
    password_label: "パスワード",
    with_token: "API トークンでログインする",
    password_failed: "ログイン名かパスワードが違います。",
    password_title: "パスワードの変更",
    password_intro: "今のパスワードと、新しいパスワードを2回入れてください。",
    password_must_change: "管理者が設定した一時パスワードでログインしました。使い始める前に、自分だけが知っている新しいパスワードを決めてください。",
    current_password_label: "今のパスワード",
    new_password_label: "新しいパスワード",
    new_password_hint: "12文字以上、または2文字以上の語を4つ以上空白で区切ったパスフレーズ。よく使われるものとログイン名を含むものは使えません。",
    new_password_again_label: "新しいパスワード（確認）",
    change_password_button: "パスワードを変更する",
    password_changed: "パスワードを変更しました。",
    account_link: "パスワード変更",
    form_expired: "フォームの有効期限が切れました。もう一度お試しください。",
    forbidden_title: "この画面を開く権限がありません",
    forbidden_body: "この画面を使う役割のユーザーでログインしてください。",
    not_found_title: "見つかりません",
    not_found_body: "お探しのステーション、梱包、またはページは見つかりません。番号を確かめてください（ステーションは kentai.toml の [[station]] で設定します）。",
    back_home: "最初の画面へ戻る",
    stations_title: "ステーション",
    stations_intro: "スキャナーのある机を選んでください。",
    no_stations: "使えるステーションはありません（kentai.toml の [[station]]）。",
    col_station: "ステーション",
    col_workflow: "作業",
    outcome_title: "スキャン結果",
    waiting: "スキャンを待っています",
    accepted: "OK",
    refused: "受け付けできません",
    next_label: "次",
    warnings_label: "注意",
    scan_label: "スキャン入力",
    scan_hint: "スキャナーで読み取るか、コードを入力して Enter。GS は <GS> と入力できます。日本語入力はオフにしてください。",
    scan_submit: "送信",
    feed_title: "このステーションのスキャン",
    feed_empty: "まだスキャンはありません。",
    devices_title: "スキャナー",
    no_devices: "このステーションに設定されたスキャナーはありません。上の入力欄を使ってください。",
    device_errors_title: "スキャナーの異常",
    draft_title: "受付の下書き",
    draft_note: "患者・採取管・キットを読み取ると（順番は問いません）、下の登録フォームに入ります。登録すると次の患者に進みます。",
    draft_patient: "患者",
    draft_tube: "検体番号（採取管）",
    draft_kit: "採取キット",
    draft_expires: "操作がなければ {time} に取り消します",
    start_over: "やり直し",
    start_over_hint: "読み取った患者・採取管・キットと入力中のフォームを取り消して、最初から受付します（KTCMD:cancel を読み取るのと同じです）。",
    reset_registered: "受付完了",
    reset_expired: "受付を取り消しました",
    kit_gtin: "GTIN",
    kit_lot: "ロット",
    kit_expiry: "使用期限",
    kit_type: "検体の種類",
    kit_not_catalogued: "キットカタログにありません",
    not_yet: "未読取",
    sound_enable: "音を鳴らす",
    sound_on: "音: オン",
    live_connected: "ライブ接続中",
    live_lost: "ライブ接続が切れました。再接続しています…",
    session_ended: "ログインの有効期限が切れました。",
    sign_in_again: "もう一度ログイン",
    send_failed: "送信できませんでした。もう一度スキャンしてください。",
    needs_javascript: "この画面のライブ表示には JavaScript が必要です。",
    result_desk_title: "結果入力",
    result_desk_note: "採取管を読み取ってから結果のコードを読み取ります。結果のコードを先に読み取ると、その後に読み取る採取管はすべてその結果になります（一括入力。同じコードをもう一度読み取るか、取り消しのコードで終わります）。訂正は結果一覧で理由を書いて行います。",
    result_desk_tube: "結果を待つ採取管",
    result_desk_batch: "一括入力",
    result_desk_none: "なし",
    results_link: "結果一覧",
    alerts_title: "保管アラート",
    alerts_intro: "凍結または発送の期限が近い検体です（48時間ルール）。",
    no_alerts: "アラートはありません。",
    col_specimen: "検体番号",
    col_type: "検体の種類",
    col_alert: "内容",
    col_due: "期限",
    col_left: "残り",
    col_location: "保管場所",
    overdue: "期限超過",
    reports_title: "保健所への日報",
    reports_intro: "日付を選んで、その日の報告をダウンロードします。",
    date_label: "日付",
    show_button: "表示",
    downloads_title: "ダウンロード",
    download_csv_utf8: "CSV（UTF-8）",
    download_csv_sjis: "CSV（Shift_JIS）",
    download_json: "JSON",
    download_fhir: "FHIR R4（JSON）",
    packing_title: "梱包",
    packing_later: "梱包画面（層ごとのチェックリストと発送前の不足項目）は次の段階で作ります。それまでは梱包ステーションでコマンドバーコードを使ってください。",
    command_sheet_link: "コマンドバーコードを印刷する（A4）",
    users_title: "ユーザー",
    col_name: "名前",
    col_role: "役割",
    col_status: "状態",
    col_device: "スキャナー",
    col_state: "状態",
};

pub const EN: Text = Text {
    app_name: "kentai specimen tracking",
    skip_link: "Skip to main content",
    nav_label: "Main menu",
    nav_stations: "Stations",
    nav_results: "Results",
    nav_packing: "Packing",
    nav_alerts: "Storage alerts",
    nav_reports: "Day report",
    nav_admin: "Administration",
    nav_specimens: "Specimens",
    signed_in_as: "Signed in",
    sign_out: "Sign out",
    language_name: "English",
    switch_language_label: "Language",
    sign_in_title: "Sign in",
    sign_in_intro: "Enter your login name and password.",
    token_label: "Token",
    token_hint: "It starts with kt_. This browser does not keep it.",
    sign_in_button: "Sign in",
    sign_in_failed: "That token is wrong or has been disabled.",
    sign_in_too_many: "Too many wrong attempts from this computer. Wait a minute, then try again.",
    name_label: "Login name",
    password_label: "Password",
    with_token: "Sign in with an API token",
    password_failed: "Wrong login name or password.",
    password_title: "Change password",
    password_intro: "Enter your current password, then the new one twice.",
    password_must_change: "You signed in with a one-time password from your administrator. Choose a new password only you know before you start.",
    current_password_label: "Current password",
    new_password_label: "New password",
    new_password_hint: "12 characters or more, or a passphrase of four or more words of two characters or more separated by spaces. Common passwords and ones built on your login name are refused.",
    new_password_again_label: "New password (again)",
    change_password_button: "Change password",
    password_changed: "Your password is changed.",
    account_link: "Change password",
    form_expired: "The form expired. Please try again.",
    forbidden_title: "You may not open this page",
    forbidden_body: "Sign in as a user whose role uses this page.",
    not_found_title: "Not found",
    not_found_body: "There is no such station, package or page. Check the name or number (stations are set in kentai.toml, [[station]]).",
    back_home: "Back to the start page",
    stations_title: "Stations",
    stations_intro: "Choose the desk whose scanner you are using.",
    no_stations: "No station you may use is configured ([[station]] in kentai.toml).",
    col_station: "Station",
    col_workflow: "Work",
    outcome_title: "Scan outcome",
    waiting: "Waiting for a scan",
    accepted: "Accepted",
    refused: "Refused",
    next_label: "Next",
    warnings_label: "Warnings",
    scan_label: "Scan",
    scan_hint: "Scan, or type a code and press Enter. Type GS as <GS>.",
    scan_submit: "Send",
    feed_title: "Scans at this station",
    feed_empty: "No scans yet.",
    devices_title: "Scanners",
    no_devices: "No scanner is configured for this station: use the field above.",
    device_errors_title: "Scanner errors",
    draft_title: "Registration draft",
    draft_note: "Scan the patient, the tube and the kit, in any order: they fill the registration form below. Registering moves on to the next patient.",
    draft_patient: "Patient",
    draft_tube: "Tube (specimen id)",
    draft_kit: "Collection kit",
    draft_expires: "Dropped at {time} unless something is scanned",
    start_over: "Start over",
    start_over_hint: "Drops the scanned patient, tube and kit and the form being filled, and starts a new registration (the same as scanning KTCMD:cancel).",
    reset_registered: "Done",
    reset_expired: "Registration dropped",
    kit_gtin: "GTIN",
    kit_lot: "Lot",
    kit_expiry: "Expiry",
    kit_type: "Specimen type",
    kit_not_catalogued: "not in the kit catalog",
    not_yet: "not scanned yet",
    sound_enable: "Turn sound on",
    sound_on: "Sound: on",
    live_connected: "Live",
    live_lost: "Live connection lost; reconnecting…",
    session_ended: "Your session has ended.",
    sign_in_again: "Sign in again",
    send_failed: "The scan could not be sent. Please scan again.",
    needs_javascript: "The live station page needs JavaScript.",
    result_desk_title: "Result entry",
    result_desk_note: "Scan a tube, then its result code. A result code scanned first gives every tube scanned after it that result (a batch; the same code again, or the cancel code, ends it). Corrections are made on the results page, with a reason.",
    result_desk_tube: "Tube waiting for its result",
    result_desk_batch: "Batch",
    result_desk_none: "none",
    results_link: "Results",
    alerts_title: "Storage alerts",
    alerts_intro: "Specimens whose freeze-or-ship deadline is near (the 48-hour rule).",
    no_alerts: "No alerts.",
    col_specimen: "Specimen",
    col_type: "Type",
    col_alert: "Alert",
    col_due: "Due",
    col_left: "Left",
    col_location: "Location",
    overdue: "overdue",
    reports_title: "Day report for the health centre",
    reports_intro: "Pick a date and download that day's report.",
    date_label: "Date",
    show_button: "Show",
    downloads_title: "Downloads",
    download_csv_utf8: "CSV (UTF-8)",
    download_csv_sjis: "CSV (Shift_JIS)",
    download_json: "JSON",
    download_fhir: "FHIR R4 (JSON)",
    packing_title: "Packing",
    packing_later: "The packing page (the checklist layer by layer, what is missing before dispatch) comes in a later version. Until then, use the packing station with the command barcodes.",
    command_sheet_link: "Print the command barcodes (A4)",
    users_title: "Users",
    col_name: "Name",
    col_role: "Role",
    col_status: "Status",
    col_device: "Scanner",
    col_state: "State",
};

pub fn role_label(lang: Lang, role: Role) -> &'static str {
    crate::domain::messages::role_name(role, lang)
}

pub fn workflow_label(lang: Lang, workflow: Workflow) -> &'static str {
    match (lang, workflow) {
        (Lang::Ja, Workflow::Reception) => "受付",
        (Lang::Ja, Workflow::Storage) => "保管",
        (Lang::Ja, Workflow::Packing) => "梱包",
        (Lang::Ja, Workflow::Receiving) => "受領",
        (Lang::Ja, Workflow::Results) => "結果入力",
        (Lang::En, Workflow::Reception) => "reception",
        (Lang::En, Workflow::Storage) => "storage",
        (Lang::En, Workflow::Packing) => "packing",
        (Lang::En, Workflow::Receiving) => "receiving",
        (Lang::En, Workflow::Results) => "results",
    }
}

/// A scanner's state (`device` events, `GET /api/v1/devices`).
pub fn device_state_label(lang: Lang, state: &str) -> Option<&'static str> {
    Some(match (lang, state) {
        (Lang::Ja, "absent") => "未接続",
        (Lang::Ja, "open") => "接続済み",
        (Lang::Ja, "reading") => "読み取り中",
        (Lang::Ja, "lost") => "切断されました",
        (Lang::Ja, "back_off") => "再接続を待っています",
        (Lang::En, "absent") => "not connected",
        (Lang::En, "open") => "connected",
        (Lang::En, "reading") => "reading",
        (Lang::En, "lost") => "lost",
        (Lang::En, "back_off") => "waiting to reconnect",
        _ => return None,
    })
}

/// A frame a scanner sent that is not a scan (`device_error` events).
pub fn device_error_label(lang: Lang, code: &str) -> Option<&'static str> {
    Some(match (lang, code) {
        (Lang::Ja, "garbage") => "読み取れないデータが届きました。もう一度スキャンしてください。",
        (Lang::Ja, "too_long") => "長すぎるデータが届きました。もう一度スキャンしてください。",
        (Lang::Ja, "half_frame") => {
            "途中で切れたデータが届きました。もう一度スキャンしてください。"
        }
        (Lang::En, "garbage") => "Unreadable data arrived. Please scan again.",
        (Lang::En, "too_long") => "Over-long data arrived. Please scan again.",
        (Lang::En, "half_frame") => "A cut-off scan arrived. Please scan again.",
        _ => return None,
    })
}

/// Every code's title (the catalogue of rules'), for the station page's
/// script.
pub fn reason_labels(lang: Lang) -> Vec<(&'static str, &'static str)> {
    crate::domain::rules::all()
        .map(|r| (r.code.as_str(), r.title(lang)))
        .collect()
}

pub fn specimen_type_label(lang: Lang, t: SpecimenType) -> String {
    match lang {
        Lang::Ja => labels::specimen_type_ja(t).to_string(),
        Lang::En => t.code().replace('_', " "),
    }
}

/// The reception registration form's words (station page, reception
/// only). Kept apart from [`Text`] because only one page uses them.
/// `{max}` and `{refuse}` stand for the policy's last saliva day and the
/// first refused day, so the explanation follows a site's policy.
pub struct FormText {
    pub title: &'static str,
    pub intro: &'static str,
    pub specimen_id: &'static str,
    pub patient_legend: &'static str,
    pub patient_id: &'static str,
    pub name: &'static str,
    pub name_kana: &'static str,
    pub sex: &'static str,
    pub sex_unknown: &'static str,
    pub sex_male: &'static str,
    pub sex_female: &'static str,
    pub sex_other: &'static str,
    pub birth_date: &'static str,
    pub address: &'static str,
    pub phone: &'static str,
    pub specimen_legend: &'static str,
    pub specimen_type: &'static str,
    pub collected_at: &'static str,
    /// The collection time is the tube's scan time (`{time}`).
    pub collected_from_tube: &'static str,
    /// The collection time follows the clock until the form is sent.
    pub collected_now: &'static str,
    /// The clerk typed the collection time.
    pub collected_typed: &'static str,
    pub kit: &'static str,
    pub kit_none: &'static str,
    pub onset_date: &'static str,
    pub asymptomatic: &'static str,
    pub days_label: &'static str,
    /// `{n}`: the day number (onset day = day 0).
    pub days_value: &'static str,
    pub days_unknown: &'static str,
    pub days_asymptomatic: &'static str,
    pub days_before_onset: &'static str,
    pub timing_title: &'static str,
    pub saliva_rule: &'static str,
    pub serum_rule: &'static str,
    pub saliva_ok: &'static str,
    pub saliva_refused: &'static str,
    pub saliva_no_onset: &'static str,
    pub acute_ok: &'static str,
    pub acute_late: &'static str,
    pub convalescent_ok: &'static str,
    pub convalescent_early: &'static str,
    pub serum_no_onset: &'static str,
    pub no_timing_rule: &'static str,
    pub test_method: &'static str,
    pub ppe_legend: &'static str,
    pub submit: &'static str,
    pub registered: &'static str,
    pub sending: &'static str,
    /// Heads the refusal shown beside the submit button.
    pub refused_title: &'static str,
    pub override_reason: &'static str,
    pub override_hint: &'static str,
    /// A scanned patient the records know: `{v}` is the version.
    pub patient_known: &'static str,
    pub patient_known_link: &'static str,
    pub patient_new: &'static str,
    /// The type list's first entry, and the refusal when it stays chosen.
    pub type_choose: &'static str,
    pub type_required: &'static str,
}

pub const FORM_JA: FormText = FormText {
    title: "検体の登録",
    intro: "スキャンした患者・採取管・キットが入ります。足りない項目を入力して登録してください。",
    specimen_id: "検体番号（採取管）",
    patient_legend: "患者",
    patient_id: "患者番号",
    name: "氏名",
    name_kana: "フリガナ",
    sex: "性別",
    sex_unknown: "不明",
    sex_male: "男",
    sex_female: "女",
    sex_other: "その他",
    birth_date: "生年月日",
    address: "住所",
    phone: "電話番号",
    specimen_legend: "検体",
    specimen_type: "検体の種類",
    collected_at: "採取日時",
    collected_from_tube: "採取管を読み取った時刻（{time}）です。違うときは直してください。",
    collected_now: "登録する時刻が入ります。違うときは直してください。",
    collected_typed: "入力した時刻で登録します。",
    patient_known: "登録済みの患者です（患者情報 第{v}版）。記録の内容を入れました。本人の申告と違うときは登録せず、検査室に訂正を依頼してください。",
    patient_known_link: "患者情報を見る",
    patient_new: "初めての患者です。氏名などを入力してください。",
    type_choose: "選んでください",
    type_required: "検体の種類を選んでください",
    kit: "採取キット",
    kit_none: "読み取っていません（キットのラベルを読み取ると入ります）",
    onset_date: "発症日",
    asymptomatic: "無症状",
    days_label: "発症からの日数",
    days_value: "発症後{n}日目（発症日が0日目）",
    days_unknown: "発症日を入力すると表示されます",
    days_asymptomatic: "無症状のため日数はありません",
    days_before_onset: "発症日が採取日より後です。日付を確認してください",
    timing_title: "採取時期のきまり",
    saliva_rule: "唾液：発症日を0日目として{max}日目までは受付できます。{refuse}日目以降の唾液は受付できません。",
    serum_rule: "血清：急性期は発症後7日以内、回復期は発症後14日以降に採取したものを受け付けます。",
    saliva_ok: "この唾液は受付できる時期です",
    saliva_refused: "この唾液は受付できません（発症後{refuse}日目以降）",
    saliva_no_onset: "発症日が分からない唾液は、施設の方針により警告または受付不可になります",
    acute_ok: "急性期血清として受付できる時期です（7日以内）",
    acute_late: "急性期血清は発症後7日以内です。この時期では受け付けられません",
    convalescent_ok: "回復期血清として受付できる時期です（14日以降）",
    convalescent_early: "回復期血清は発症後14日以降です。この時期では受け付けられません",
    serum_no_onset: "血清の採取時期の判断には発症日が必要です",
    no_timing_rule: "この種類には採取時期のきまりはありません",
    test_method: "検査法",
    ppe_legend: "採取者の個人防護具",
    submit: "登録する",
    registered: "登録しました",
    sending: "送信中…",
    refused_title: "登録できません",
    override_reason: "適用除外の理由",
    override_hint: "検査室・管理者の判断でルールに合わない検体を登録するときだけ、理由を書いてもう一度「登録する」を押してください。理由は報告と送付票に残ります。",
};

pub const FORM_EN: FormText = FormText {
    title: "Register the specimen",
    intro: "The scanned patient, tube and kit fill this form. Complete what is missing and register.",
    specimen_id: "Specimen id (tube)",
    patient_legend: "Patient",
    patient_id: "Patient number",
    name: "Name",
    name_kana: "Name in kana",
    sex: "Sex",
    sex_unknown: "Unknown",
    sex_male: "Male",
    sex_female: "Female",
    sex_other: "Other",
    birth_date: "Birth date",
    address: "Address",
    phone: "Phone",
    specimen_legend: "Specimen",
    specimen_type: "Specimen type",
    collected_at: "Collected at",
    collected_from_tube: "The time the tube was scanned ({time}); correct it if the specimen was collected at another time.",
    collected_now: "The time of registering; correct it if the specimen was collected at another time.",
    collected_typed: "Registered with the time you entered.",
    patient_known: "A registered patient (details version {v}): the record's details are filled in. If the person says otherwise, do not register: ask the lab to correct the record.",
    patient_known_link: "See the patient's record",
    patient_new: "A new patient: enter the name and the other details.",
    type_choose: "Choose…",
    type_required: "Choose the specimen type",
    kit: "Collection kit",
    kit_none: "None scanned (scan the kit's label to add it)",
    onset_date: "Onset date",
    asymptomatic: "Asymptomatic",
    days_label: "Days since onset",
    days_value: "Day {n} after onset (onset day = day 0)",
    days_unknown: "Shown once the onset date is entered",
    days_asymptomatic: "Asymptomatic: no days since onset",
    days_before_onset: "The onset date is after the collection date; check the dates",
    timing_title: "Collection timing rules",
    saliva_rule: "Saliva: accepted from day 0 (the onset day) to day {max}; from day {refuse} saliva is refused.",
    serum_rule: "Serum: acute serum within 7 days of onset, convalescent serum 14 or more days after onset.",
    saliva_ok: "This saliva is within its window",
    saliva_refused: "This saliva will be refused (day {refuse} or later)",
    saliva_no_onset: "Saliva without an onset date is flagged or refused, as the site's policy says",
    acute_ok: "Within the acute serum window (7 days or fewer)",
    acute_late: "Acute serum must be collected within 7 days of onset; this will be refused",
    convalescent_ok: "Within the convalescent serum window (14 days or more)",
    convalescent_early: "Convalescent serum must be collected 14 or more days after onset; this will be refused",
    serum_no_onset: "Serum timing needs the onset date",
    no_timing_rule: "No collection timing rule for this type",
    test_method: "Test method",
    ppe_legend: "PPE worn by the collector",
    submit: "Register",
    registered: "Registered",
    sending: "Sending…",
    refused_title: "Not registered",
    override_reason: "Override reason",
    override_hint: "Only to register a specimen the rules refuse, on a lab or admin user's judgement: write why, then press Register again. The reason is kept in reports and on the slip.",
};

/// A test method's name on the form.
pub fn test_method_label(lang: Lang, code: &str) -> &'static str {
    match (lang, code) {
        (Lang::Ja, "pcr") => "PCR法",
        (Lang::Ja, "lamp") => "LAMP法",
        (Lang::Ja, "antigen_qualitative") => "抗原定性検査",
        (Lang::Ja, "antigen_quantitative") => "抗原定量検査",
        (Lang::En, "pcr") => "PCR",
        (Lang::En, "lamp") => "LAMP",
        (Lang::En, "antigen_qualitative") => "Antigen (qualitative)",
        (Lang::En, "antigen_quantitative") => "Antigen (quantitative)",
        _ => "?",
    }
}

/// How [`time_left`] writes hours and minutes, for the alerts page's
/// script to count down in the same words (`{h}`, `{m}`: two digits).
pub fn time_left_pattern(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "{h}時間{m}分",
        Lang::En => "{h} h {m} min",
    }
}

/// The time left before a deadline ("3時間05分"), or overdue.
pub fn time_left(lang: Lang, left: chrono::Duration) -> String {
    let minutes = left.num_minutes();
    if minutes <= 0 {
        return lang.text().overdue.to_string();
    }
    let (h, m) = (minutes / 60, minutes % 60);
    time_left_pattern(lang)
        .replace("{h}", &h.to_string())
        .replace("{m}", &format!("{m:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RuleCode;

    #[test]
    fn the_time_left_reads_in_hours_and_minutes_or_as_overdue() {
        let d = chrono::Duration::minutes;
        assert_eq!(time_left(Lang::Ja, d(185)), "3時間05分");
        assert_eq!(time_left(Lang::En, d(185)), "3 h 05 min");
        assert_eq!(time_left(Lang::Ja, d(0)), JA.overdue);
        assert_eq!(time_left(Lang::En, d(-5)), "overdue");
    }

    #[test]
    fn a_refusal_is_headed_with_its_rules_title_in_the_pages_language() {
        assert_eq!(
            RuleCode::SalivaWindowExceeded.title(Lang::Ja),
            "発症後10日目以降の唾液"
        );
        assert_eq!(RuleCode::KitExpired.title(Lang::En), "Expired kit");
        assert_eq!(reason_labels(Lang::Ja).len(), RuleCode::ALL.len());
    }
}
