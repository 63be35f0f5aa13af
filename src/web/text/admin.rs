//! The words of the admin pages, in Japanese and English.
//!
//! Kept apart from [`super::Text`] because only the admin pages use them.
//! `{n}`, `{name}`, `{role}` and the like stand for values the page fills
//! in ([`fill`]). The policy's explanations are here too: each value of
//! `[policy]` with what it does at the desk and the rule it sets (docs/RULES.md).

use super::Lang;
use crate::domain::kits::SwabMaterial;
use crate::domain::messages::say;
use crate::domain::policy::{PpePolicy, SalivaWithoutOnset};
use crate::domain::results::ReleasePolicy;
use crate::domain::{Policy, RuleCode};

/// One language's words for the admin pages, grouped by page.
pub struct AdminText {
    // The overview, and the menu atop every admin page.
    pub index_title: &'static str,
    pub menu_label: &'static str,
    pub index_intro: &'static str,
    pub users_desc: &'static str,
    pub stations_desc: &'static str,
    pub locations_desc: &'static str,
    pub kits_desc: &'static str,
    pub policy_desc: &'static str,
    /// `{n}` users, `{active}` of them active, `{disabled}` disabled.
    pub users_count: &'static str,
    /// `{n}` stations.
    pub stations_count: &'static str,
    /// `{n}` scanners, `{reading}` connected, `{lost}` not.
    pub scanners_count: &'static str,
    /// `{n}` locations.
    pub locations_count: &'static str,
    /// `{n}` kits.
    pub kits_count: &'static str,
    pub analyzers_title: &'static str,
    pub analyzers_desc: &'static str,
    pub analyzers_count: &'static str,
    /// The saliva window's last day `{days}` and the unfrozen `{hours}`.
    pub policy_summary: &'static str,
    pub back_to_admin: &'static str,
    pub error_code: &'static str,
    // Users.
    pub users_title: &'static str,
    pub users_intro: &'static str,
    pub users_caption: &'static str,
    pub col_name: &'static str,
    pub col_role: &'static str,
    pub col_status: &'static str,
    pub col_created: &'static str,
    pub col_actions: &'static str,
    pub status_active: &'static str,
    pub status_disabled: &'static str,
    pub you: &'static str,
    pub disable_button: &'static str,
    pub enable_button: &'static str,
    pub token_button: &'static str,
    pub one_time_button: &'static str,
    pub one_time_title: &'static str,
    pub one_time_for: &'static str,
    pub one_time_label: &'static str,
    pub one_time_once: &'static str,
    pub has_password: &'static str,
    pub self_hint: &'static str,
    pub station_users_hint: &'static str,
    pub create_user_title: &'static str,
    pub name_label: &'static str,
    pub name_hint: &'static str,
    pub role_label: &'static str,
    pub facilities_label: &'static str,
    pub facilities_hint: &'static str,
    /// Before the facilities a health-centre user also reads.
    pub also_reads: &'static str,
    pub create_user_button: &'static str,
    // The page that shows a token once.
    pub user_created_title: &'static str,
    pub token_issued_title: &'static str,
    /// `{name}` and `{role}`.
    pub token_for: &'static str,
    pub token_label: &'static str,
    pub token_once: &'static str,
    pub token_replaced: &'static str,
    pub token_self: &'static str,
    pub sign_in_again: &'static str,
    pub back_to_users: &'static str,
    // Stations and scanners.
    pub stations_title: &'static str,
    pub stations_intro: &'static str,
    pub stations_heading: &'static str,
    pub col_station: &'static str,
    pub col_workflow: &'static str,
    pub col_station_scanners: &'static str,
    pub no_stations: &'static str,
    pub scanners_heading: &'static str,
    pub scanners_live: &'static str,
    pub col_scanner: &'static str,
    pub col_kind: &'static str,
    pub col_where: &'static str,
    pub col_state: &'static str,
    pub no_scanners: &'static str,
    pub state_disabled: &'static str,
    pub state_not_started: &'static str,
    pub state_updated_stopped: &'static str,
    // Locations.
    pub locations_title: &'static str,
    pub locations_intro: &'static str,
    pub col_code: &'static str,
    pub col_class: &'static str,
    pub no_locations: &'static str,
    pub create_location_title: &'static str,
    pub code_label: &'static str,
    pub code_hint: &'static str,
    pub location_name_hint: &'static str,
    pub class_label: &'static str,
    pub create_location_button: &'static str,
    pub labels_link: &'static str,
    pub labels_title: &'static str,
    pub labels_intro: &'static str,
    pub labels_print: &'static str,
    /// The label image's text alternative: `{name}`, `{code}`, `{class}`.
    pub label_alt: &'static str,
    /// Instead of a label whose code no barcode can carry: `{code}`.
    pub label_unprintable: &'static str,
    pub back_to_locations: &'static str,
    // The kit catalog.
    pub kits_title: &'static str,
    pub kits_intro: &'static str,
    pub col_gtin: &'static str,
    pub col_type: &'static str,
    pub col_material: &'static str,
    pub col_description: &'static str,
    pub col_source: &'static str,
    pub source_config: &'static str,
    /// `{name}` added it on `{date}`.
    pub source_api: &'static str,
    pub reduces_yield: &'static str,
    pub no_kits: &'static str,
    pub config_kits_note: &'static str,
    pub create_kit_title: &'static str,
    pub gtin_label: &'static str,
    pub gtin_hint: &'static str,
    pub type_label: &'static str,
    pub material_label: &'static str,
    pub description_label: &'static str,
    pub description_hint: &'static str,
    pub create_kit_button: &'static str,
    // The policy.
    pub policy_title: &'static str,
    pub policy_intro: &'static str,
    pub policy_read_only: &'static str,
    pub policy_env: &'static str,
    pub policy_caption: &'static str,
    pub col_setting: &'static str,
    pub col_value: &'static str,
    pub col_meaning: &'static str,
    pub col_rule: &'static str,
    // Confirmations after a form (`?done=`).
    pub done_user_disabled: &'static str,
    pub done_user_enabled: &'static str,
    pub done_location_created: &'static str,
    pub done_location_exists: &'static str,
    pub done_kit_created: &'static str,
    pub done_kit_exists: &'static str,
    // The system: backups and the doctor's checks.
    pub system_title: &'static str,
    pub system_desc: &'static str,
    pub system_intro: &'static str,
    /// The overview's line: the newest backup's time `{at}`.
    pub system_backup_at: &'static str,
    pub system_no_backup: &'static str,
    pub backups_heading: &'static str,
    pub backup_last: &'static str,
    pub backup_dir: &'static str,
    pub backup_copies: &'static str,
    pub backup_size: &'static str,
    pub backup_none: &'static str,
    /// The newest backup is older than `{hours}` hours.
    pub backup_stale: &'static str,
    /// The last scheduled run failed: `{problems}`.
    pub backup_failed: &'static str,
    pub backup_how: &'static str,
    pub backup_postgres: &'static str,
    pub checks_heading: &'static str,
    pub checks_caption: &'static str,
    pub col_check: &'static str,
    pub col_result: &'static str,
    pub col_found: &'static str,
    pub col_fix: &'static str,
    pub verdict_pass: &'static str,
    pub verdict_warn: &'static str,
    pub verdict_fail: &'static str,
    pub checks_again: &'static str,
    pub checks_cli: &'static str,
    // Printing (the page's own words are in `super::printing`).
    pub printing_title: &'static str,
    pub printing_desc: &'static str,
    /// `{n}` printers.
    pub printers_count: &'static str,
}

pub const ADMIN_JA: AdminText = AdminText {
    index_title: "管理",
    menu_label: "管理のメニュー",
    index_intro: "利用者、ステーションとスキャナー、保管場所、採取キット台帳、運用ルールを確認・管理します。",
    users_desc: "利用者の追加と無効化、トークンの再発行",
    stations_desc: "設定されたステーションと、スキャナーの接続状態",
    locations_desc: "冷蔵庫・冷凍庫・保冷箱などの保管場所の登録",
    kits_desc: "採取キットの GTIN と検体の種類、スワブの材質",
    policy_desc: "いま有効な運用ルール（唾液の受付期限、48時間ルールなど）",
    users_count: "{n}人（有効 {active}人・無効 {disabled}人）",
    stations_count: "ステーション {n}か所",
    scanners_count: "スキャナー {n}台（接続中 {reading}台・未接続 {lost}台）",
    locations_count: "{n}か所",
    kits_count: "{n}件",
    analyzers_title: "分析装置",
    analyzers_desc: "結果を送ってくる分析装置との接続と、人の判断を待つ結果",
    analyzers_count: "{n}台（接続中 {connected}・エラー {failed}）、判断待ち {waiting}件",
    policy_summary: "唾液は{days}日目まで・未凍結は{hours}時間まで",
    back_to_admin: "管理の画面へ戻る",
    error_code: "コード",
    users_title: "利用者",
    users_intro: "人はログイン名とパスワードでログインします。新しい人には「一時パスワードを発行」で一時パスワードを渡すと、最初のログインで自分のパスワードに変えます。トークンはプログラム用で、一時パスワードと同じく発行したときに一度だけ表示されます。",
    users_caption: "登録されている利用者",
    col_name: "名前",
    col_role: "役割",
    col_status: "状態",
    col_created: "登録日時",
    col_actions: "操作",
    status_active: "有効",
    status_disabled: "無効",
    you: "（あなた）",
    disable_button: "無効にする",
    enable_button: "有効にする",
    token_button: "トークンを再発行",
    one_time_button: "一時パスワードを発行",
    one_time_title: "一時パスワードを発行しました",
    one_time_for: "{name}（{role}）の一時パスワード",
    one_time_label: "一時パスワード",
    one_time_once: "この一時パスワードは二度と表示されません。いま本人に渡してください。本人は次のログインで自分のパスワードに変えます。それまでの間、この人のログイン中の画面はすべて閉じられています。",
    has_password: "パスワードあり",
    self_hint: "自分自身は無効にできません",
    station_users_hint: "「station:」で始まる利用者は、各ステーションのスキャナーの読み取りを記録するための利用者です（サーバーが自動で作ります）。",
    create_user_title: "利用者を追加",
    name_label: "名前",
    name_hint: "64文字まで。画面の右上や監査記録に表示されます。",
    role_label: "役割",
    facilities_label: "読める他の医療機関（保健所の利用者のみ、任意）",
    facilities_hint: "医療機関コードをカンマで区切って入力します。その医療機関のサーバーでも、この利用者のトークンで日報を読めるようになります。",
    also_reads: "他に読める医療機関: ",
    create_user_button: "追加してトークンを発行",
    user_created_title: "利用者を追加しました",
    token_issued_title: "トークンを再発行しました",
    token_for: "{name}（{role}）のトークン",
    token_label: "トークン",
    token_once: "このトークンは二度と表示されません。いま本人に渡すか、安全な場所に控えてください。",
    token_replaced: "以前のトークンは使えなくなり、この利用者のログインはすべて終了しました。",
    token_self: "自分のトークンを再発行したため、このログインも終了しました。新しいトークンでログインし直してください。",
    sign_in_again: "新しいトークンでログインする",
    back_to_users: "利用者の一覧へ戻る",
    stations_title: "ステーションとスキャナー",
    stations_intro: "ステーションとスキャナーは kentai.toml の [[station]] と [[scanner]] で設定し、サーバーの再起動で反映されます。",
    stations_heading: "ステーション",
    col_station: "ステーション",
    col_workflow: "作業",
    col_station_scanners: "スキャナー",
    no_stations: "ステーションは設定されていません（kentai.toml の [[station]]）。",
    scanners_heading: "スキャナー",
    scanners_live: "状態は2秒ごとに自動で更新されます（JavaScript が必要です）。",
    col_scanner: "スキャナー",
    col_kind: "種類",
    col_where: "接続先",
    col_state: "状態",
    no_scanners: "スキャナーは設定されていません（kentai.toml の [[scanner]]）。各ステーションの画面の入力欄で読み取れます。",
    state_disabled: "使わない設定（enabled = false）",
    state_not_started: "停止中（[scanning] start_scanners = false）",
    state_updated_stopped: "ログインが終了したため、状態の自動更新を止めました。",
    locations_title: "保管場所",
    locations_intro: "冷蔵庫・冷凍庫・保冷箱・作業台など、検体を置く場所ごとにバーコードと保管温度の区分を登録します。登録した場所は、保管のスキャンや48時間ルールの判定に使われます。",
    col_code: "コード（バーコード）",
    col_class: "保管温度の区分",
    no_locations: "保管場所はまだ登録されていません。",
    create_location_title: "保管場所を追加",
    code_label: "コード",
    code_hint: "保管場所に貼るバーコードの内容（80文字まで）。同じコードで別の名前や区分は登録できません。",
    location_name_hint: "例: 検査室 冷蔵庫1（200文字まで）",
    class_label: "保管温度の区分",
    create_location_button: "保管場所を追加",
    labels_link: "すべての保管場所のラベルを印刷する（A4）",
    labels_title: "保管場所のラベル",
    labels_intro: "冷蔵庫・冷凍庫・保冷箱・作業台に貼るラベルです（100 × 50 mm、A4 1枚に10枚）。縮小せずに印刷してください。バーコードは保管のスキャンでそのまま読み取れます。",
    labels_print: "印刷する",
    label_alt: "保管場所「{name}」（{code}、{class}）のラベル。バーコード、名前、保管温度の区分",
    label_unprintable: "{code}: このコードはバーコードにできません（半角の英数字と記号で、短いコードにしてください）。",
    back_to_locations: "保管場所の画面へ戻る",
    kits_title: "採取キット台帳",
    kits_intro: "採取キットの GTIN ごとに、採取する検体の種類とスワブの材質を登録します。受付でキットのラベルを読み取ると、この台帳と照合します。",
    col_gtin: "GTIN",
    col_type: "検体の種類",
    col_material: "スワブの材質",
    col_description: "説明",
    col_source: "登録元",
    source_config: "kentai.toml（読み取り専用）",
    source_api: "{name}（{date}）",
    reduces_yield: "収量が下がります",
    no_kits: "採取キットはまだ登録されていません。",
    config_kits_note: "kentai.toml の [[kit]] の項目はこの画面では変更できません。変更するときは設定ファイルを編集し、サーバーを再起動してください。",
    create_kit_title: "採取キットを追加",
    gtin_label: "GTIN",
    gtin_hint: "8・12・13・14桁の数字。最後の桁はチェックディジットです。",
    type_label: "検体の種類",
    material_label: "スワブの材質",
    description_label: "説明",
    description_hint: "200文字まで。作業リストに印刷されます。",
    create_kit_button: "採取キットを追加",
    policy_title: "運用ルール",
    policy_intro: "いま有効な運用ルールです。kentai.toml の [policy] で設定し、サーバーの再起動で反映されます。",
    policy_read_only: "この画面からは変更できません。設定ファイルだけを正とし、どの画面・どのサーバーも同じルールで動くようにするためです。",
    policy_env: "環境変数 KENTAI_POLICY__<設定名>（例: KENTAI_POLICY__SALIVA_MAX_DAYS=7）でも上書きできます。",
    policy_caption: "[policy] の設定",
    col_setting: "設定",
    col_value: "値",
    col_meaning: "意味",
    col_rule: "根拠",
    done_user_disabled: "利用者を無効にしました。この利用者のログインは終了しました。",
    done_user_enabled: "利用者を有効にしました。",
    done_location_created: "保管場所を追加しました。",
    done_location_exists: "同じ保管場所がすでに登録されています（変更はありません）。",
    done_kit_created: "採取キットを追加しました。",
    done_kit_exists: "同じ採取キットがすでに登録されています（変更はありません）。",
    system_title: "システムの状態",
    system_desc: "バックアップ、データベース、時計、スキャナー、証明書の診断（kentai doctor と同じ）",
    system_intro: "kentai が頼りにしているものを一つずつ確かめた結果です。問題のある項目には直し方を示します。",
    system_backup_at: "最新のバックアップ {at}",
    system_no_backup: "バックアップがありません",
    backups_heading: "バックアップ",
    backup_last: "最新",
    backup_dir: "保存先",
    backup_copies: "保管している世代",
    backup_size: "大きさ",
    backup_none: "まだありません",
    backup_stale: "最新のバックアップが {hours} 時間より古くなっています。毎晩 3:30 に自動で作られるはずです。",
    backup_failed: "前回のバックアップが失敗しました: {problems}",
    backup_how: "今すぐ作るには、サーバーで sudo systemctl start kentai-backup.service を実行してください。古い世代は毎日 14 日分と毎週 8 週分を残して自動で消えます。",
    backup_postgres: "データベースは PostgreSQL です。バックアップはデータベースサーバー側（pg_dump、ベースバックアップ）で行います。",
    checks_heading: "診断",
    checks_caption: "診断の結果",
    col_check: "項目",
    col_result: "結果",
    col_found: "内容",
    col_fix: "直し方",
    verdict_pass: "正常",
    verdict_warn: "注意",
    verdict_fail: "問題あり",
    checks_again: "もう一度診断する",
    checks_cli: "サーバーの端末では sudo kentai doctor で同じ診断ができます（問題があれば終了コード 1）。",
    printing_title: "印刷",
    printing_desc: "プリンターの状態と印刷ジョブ（送れなかったものの再送）",
    printers_count: "プリンター {n} 台",
};

pub const ADMIN_EN: AdminText = AdminText {
    index_title: "Administration",
    menu_label: "Administration menu",
    index_intro: "Users, stations and scanners, locations, the kit catalog and the policy in force.",
    users_desc: "Add and disable users, issue new tokens",
    stations_desc: "The configured stations and the scanners' live state",
    locations_desc: "Fridges, freezers, cool boxes and benches",
    kits_desc: "Kit GTINs with the specimen type and swab material",
    policy_desc: "The rules in force (the saliva window, the 48-hour rule, …)",
    users_count: "{n} users ({active} active, {disabled} disabled)",
    stations_count: "{n} stations",
    scanners_count: "{n} scanners ({reading} connected, {lost} not connected)",
    locations_count: "{n} locations",
    kits_count: "{n} kits",
    analyzers_title: "Analyzers",
    analyzers_desc: "The links to the analyzers that send results, and the results waiting for a person",
    analyzers_count: "{n} ({connected} connected, {failed} failing), {waiting} results waiting",
    policy_summary: "Saliva up to day {days}; {hours} hours unfrozen",
    back_to_admin: "Back to administration",
    error_code: "Code",
    users_title: "Users",
    users_intro: "People sign in with a login name and a password. Give a new person a one-time password (One-time password): they choose their own at their first sign-in. Tokens are for programs; like a one-time password, a token is shown once, when it is issued.",
    users_caption: "Users",
    col_name: "Name",
    col_role: "Role",
    col_status: "Status",
    col_created: "Created",
    col_actions: "Actions",
    status_active: "active",
    status_disabled: "disabled",
    you: " (you)",
    disable_button: "Disable",
    enable_button: "Enable",
    token_button: "New token",
    one_time_button: "One-time password",
    one_time_title: "One-time password issued",
    one_time_for: "One-time password of {name} ({role})",
    one_time_label: "One-time password",
    one_time_once: "This one-time password is never shown again. Give it to the person now: they choose their own password at their next sign-in. Until then, every session they had is closed.",
    has_password: "has a password",
    self_hint: "You cannot disable yourself",
    station_users_hint: "Users named station:… record the scans of each station's scanners (kentai makes them itself).",
    create_user_title: "Add a user",
    name_label: "Name",
    name_hint: "Up to 64 characters, shown in the page header and the audit log.",
    role_label: "Role",
    facilities_label: "Other facilities it reads (health-centre users only, optional)",
    facilities_hint: "Facility codes separated by commas. That facility's server then accepts this user's token for its reports too.",
    also_reads: "Also reads: ",
    create_user_button: "Add and issue a token",
    user_created_title: "User added",
    token_issued_title: "New token issued",
    token_for: "Token of {name} ({role})",
    token_label: "Token",
    token_once: "This token will not be shown again. Hand it over now or keep it somewhere safe.",
    token_replaced: "The old token no longer works, and every session of this user has ended.",
    token_self: "You replaced your own token, so this session has ended too: sign in again with the new token.",
    sign_in_again: "Sign in with the new token",
    back_to_users: "Back to the users",
    stations_title: "Stations and scanners",
    stations_intro: "Stations and scanners are set in kentai.toml ([[station]], [[scanner]]) and take effect at restart.",
    stations_heading: "Stations",
    col_station: "Station",
    col_workflow: "Work",
    col_station_scanners: "Scanners",
    no_stations: "No station is configured ([[station]] in kentai.toml).",
    scanners_heading: "Scanners",
    scanners_live: "The state refreshes every 2 seconds (needs JavaScript).",
    col_scanner: "Scanner",
    col_kind: "Kind",
    col_where: "Device",
    col_state: "State",
    no_scanners: "No scanner is configured ([[scanner]] in kentai.toml). Each station page has a field to scan into.",
    state_disabled: "not used (enabled = false)",
    state_not_started: "stopped ([scanning] start_scanners = false)",
    state_updated_stopped: "Your session has ended: the state no longer refreshes.",
    locations_title: "Locations",
    locations_intro: "Each place specimens are kept (fridge, freezer, cool box, bench) has a barcode and a storage class, used by storage scans and the 48-hour rule.",
    col_code: "Code (barcode)",
    col_class: "Storage class",
    no_locations: "No location yet.",
    create_location_title: "Add a location",
    code_label: "Code",
    code_hint: "What the location's barcode says (up to 80 characters). A code cannot be reused with another name or class.",
    location_name_hint: "For example: Lab fridge 1 (up to 200 characters)",
    class_label: "Storage class",
    create_location_button: "Add the location",
    labels_link: "Print the labels of every location (A4)",
    labels_title: "Location labels",
    labels_intro: "Labels for fridges, freezers, cool boxes and benches (100 × 50 mm, ten to an A4 sheet). Print without shrinking; storage scans read the barcodes as they are.",
    labels_print: "Print",
    label_alt: "Label of location {name} ({code}, {class}): barcode, name and storage class",
    label_unprintable: "{code}: no barcode can carry this code (use a short code in ASCII letters, digits and signs).",
    back_to_locations: "Back to the locations",
    kits_title: "Kit catalog",
    kits_intro: "Each collection kit's GTIN with the specimen type it collects and its swab material. Reception's kit scans are checked against it.",
    col_gtin: "GTIN",
    col_type: "Specimen type",
    col_material: "Swab material",
    col_description: "Description",
    col_source: "Source",
    source_config: "kentai.toml (read-only)",
    source_api: "{name} ({date})",
    reduces_yield: "reduces yield",
    no_kits: "No kit yet.",
    config_kits_note: "Kits from [[kit]] in kentai.toml cannot be changed here: edit the file and restart the server.",
    create_kit_title: "Add a kit",
    gtin_label: "GTIN",
    gtin_hint: "8, 12, 13 or 14 digits; the last is the check digit.",
    type_label: "Specimen type",
    material_label: "Swab material",
    description_label: "Description",
    description_hint: "Up to 200 characters; printed on worklists.",
    create_kit_button: "Add the kit",
    policy_title: "Policy",
    policy_intro: "The rules in force. They are set in kentai.toml under [policy] and take effect when the server restarts.",
    policy_read_only: "This page cannot change them, on purpose: the file is the one source of truth, so every page and every server follows the same rules.",
    policy_env: "An environment variable KENTAI_POLICY__<NAME> (e.g. KENTAI_POLICY__SALIVA_MAX_DAYS=7) overrides the file.",
    policy_caption: "The [policy] settings",
    col_setting: "Setting",
    col_value: "Value",
    col_meaning: "What it means",
    col_rule: "Rule",
    done_user_disabled: "The user is disabled; their sessions have ended.",
    done_user_enabled: "The user is enabled.",
    done_location_created: "The location is added.",
    done_location_exists: "That location already exists (nothing changed).",
    done_kit_created: "The kit is added.",
    done_kit_exists: "That kit is already in the catalog (nothing changed).",
    system_title: "System",
    system_desc: "Backups, the database, the clock, scanners and certificates checked (as kentai doctor does)",
    system_intro: "Each thing kentai relies on, checked. A check that failed says how to fix it.",
    system_backup_at: "Newest backup {at}",
    system_no_backup: "No backup",
    backups_heading: "Backups",
    backup_last: "Newest",
    backup_dir: "Folder",
    backup_copies: "Copies kept",
    backup_size: "Size",
    backup_none: "none yet",
    backup_stale: "The newest backup is older than {hours} hours. One should be made every night at 3:30.",
    backup_failed: "The last backup failed: {problems}",
    backup_how: "To make one now, run sudo systemctl start kentai-backup.service on the server. Older copies are pruned by themselves, keeping one a day for 14 days and one a week for 8 weeks.",
    backup_postgres: "The database is PostgreSQL: it is backed up on the database server (pg_dump, base backups).",
    checks_heading: "Checks",
    checks_caption: "What the checks found",
    col_check: "Check",
    col_result: "Result",
    col_found: "Found",
    col_fix: "How to fix",
    verdict_pass: "OK",
    verdict_warn: "Look at",
    verdict_fail: "Failed",
    checks_again: "Check again",
    checks_cli: "On the server's terminal, sudo kentai doctor runs the same checks (exit status 1 when one fails).",
    printing_title: "Printing",
    printing_desc: "The printers' state and the print jobs (sending again what failed)",
    printers_count: "{n} printer(s)",
};

pub fn admin(lang: Lang) -> &'static AdminText {
    match lang {
        Lang::Ja => &ADMIN_JA,
        Lang::En => &ADMIN_EN,
    }
}

/// `template` with each `{key}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_string(), |acc, (k, v)| {
        acc.replace(&format!("{{{k}}}"), v)
    })
}

/// The confirmation a `?done=` key stands for; `None` for any other key,
/// so a link cannot make the page say something it did not do.
pub fn done_label(lang: Lang, key: &str) -> Option<&'static str> {
    let t = admin(lang);
    Some(match key {
        "user_disabled" => t.done_user_disabled,
        "user_enabled" => t.done_user_enabled,
        "location_created" => t.done_location_created,
        "location_exists" => t.done_location_exists,
        "kit_created" => t.done_kit_created,
        "kit_exists" => t.done_kit_exists,
        "badge_revoked" => super::badges::badges(lang).badge_revoked_done,
        _ => return None,
    })
}

/// Why an admin action was refused: these pages' own longer words for the
/// codes only they meet, the code's title (the catalogue of rules') for
/// the others.
pub fn reason_label(lang: Lang, code: RuleCode) -> &'static str {
    match (lang, code) {
        (Lang::Ja, RuleCode::SelfLockout) => {
            "自分自身は無効にできません。必要なら別の管理者が行ってください"
        }
        (Lang::Ja, RuleCode::DuplicateUser) => "同じ名前の利用者がすでにいます",
        (Lang::Ja, RuleCode::DuplicateLocation) => {
            "このコードの保管場所が、別の名前または区分ですでに登録されています"
        }
        (Lang::Ja, RuleCode::DuplicateKit) => {
            "この GTIN の採取キットが、別の内容ですでに登録されています"
        }
        (Lang::Ja, RuleCode::NotFound) => "その利用者は見つかりません",
        _ => code.title(lang),
    }
}

/// A scanner kind (`[[scanner]] kind`).
pub fn kind_label(lang: Lang, kind: &str) -> Option<&'static str> {
    Some(match (lang, kind) {
        (Lang::Ja, "serial") => "シリアル（USB CDC-ACM・RS-232）",
        (Lang::Ja, "hid_pos") => "USB HID POS",
        (Lang::Ja, "usb_keyboard") => "USB キーボード型",
        (Lang::En, "serial") => "serial (USB CDC-ACM, RS-232)",
        (Lang::En, "hid_pos") => "USB HID POS",
        (Lang::En, "usb_keyboard") => "USB keyboard mode",
        _ => return None,
    })
}

pub fn material_label(lang: Lang, m: SwabMaterial) -> &'static str {
    crate::domain::messages::swab_material_name(m, lang)
}

/// One `[policy]` setting as the policy page shows it.
pub struct PolicyLine {
    /// The key in kentai.toml.
    pub key: &'static str,
    pub value: String,
    pub meaning: String,
    /// The SPEC section (and the manual's words) the value sets.
    pub rule: &'static str,
}

fn yes_no(lang: Lang, b: bool) -> &'static str {
    match (lang, b) {
        (Lang::Ja, true) => "はい",
        (Lang::Ja, false) => "いいえ",
        (Lang::En, true) => "yes",
        (Lang::En, false) => "no",
    }
}

/// Every `[policy]` setting in force, in the order kentai.toml lists them.
pub fn policy_lines(lang: Lang, p: &Policy) -> Vec<PolicyLine> {
    let pick = |ja: &'static str, en: &'static str| match lang {
        Lang::Ja => ja,
        Lang::En => en,
    };
    let line = |key, value, meaning, rule| PolicyLine {
        key,
        value,
        meaning,
        rule,
    };
    let (max, refused) = (p.saliva_max_days, p.saliva_max_days.saturating_add(1));
    let (hours, grace, lead) = (
        p.fridge_max_hours,
        p.ambient_grace_minutes,
        p.alert_lead_hours,
    );
    let (days, drift) = (p.episode_days, p.future_tolerance_minutes);
    vec![
        line(
            "saliva_max_days",
            say!(lang, "{max}日目まで", "up to day {max}"),
            say!(
                lang,
                "発症日を0日目として、唾液は{max}日目まで受け付けます。{refused}日目以降の唾液は受け付けません（検査室・管理者が理由を書けば受付でき、理由はすべての報告に残ります）。",
                "Saliva is accepted up to day {max} after onset (the onset day is day 0) and refused from day {refused} on, unless a lab user or an admin overrides with a written reason, which every report shows."
            ),
            pick("SPEC §2.3 唾液の受付期間", "SPEC §2.3 the saliva window"),
        ),
        line(
            "saliva_without_onset",
            match p.saliva_without_onset {
                SalivaWithoutOnset::AcceptFlagged => pick("受付して注記", "accept, flagged"),
                SalivaWithoutOnset::Refuse => pick("受け付けない", "refuse"),
            }
            .into(),
            pick(
                "発症日が分からない、または無症状の人の唾液をどう扱うか。手引きに定めがないため、施設が決めます。注記は日報に載ります。",
                "What happens to saliva from a person whose onset date is unknown or who has no symptoms: the manual is silent, so the site decides. A flag appears in the day report.",
            )
            .into(),
            pick("SPEC §2.3 発症日不明の唾液", "SPEC §2.3 saliva without an onset date"),
        ),
        line(
            "fridge_max_hours",
            say!(lang, "{hours}時間", "{hours} hours"),
            say!(
                lang,
                "採取から凍結せずに置ける時間。{hours}時間までに輸送を始めるか −80 °C 以下で凍結します。期限を過ぎた検体を含む梱包は、理由を書かない限り発送できません。",
                "How long a specimen may stay unfrozen after collection: within {hours} hours it must be on its way or frozen at −80 °C or below. A package holding a specimen past it is not dispatched without a written reason."
            ),
            pick(
                "SPEC §2.4 検体輸送まで（48時間ルール）",
                "SPEC §2.4 storage until transport (the 48-hour rule)",
            ),
        ),
        line(
            "ambient_grace_minutes",
            say!(lang, "{grace}分", "{grace} minutes"),
            say!(
                lang,
                "呼吸器検体を室温に置ける時間。採取から{grace}分を超えて室温のままなら警告します。",
                "How long a respiratory specimen may stay at room temperature: after {grace} minutes from collection it is warned about."
            ),
            pick(
                "SPEC §2.4 速やかに冷蔵",
                "SPEC §2.4 on ice or at 4 °C as soon as possible",
            ),
        ),
        line(
            "alert_lead_hours",
            say!(lang, "{lead}時間前", "{lead} hours ahead"),
            say!(
                lang,
                "凍結または発送の期限の{lead}時間前から、保管アラートに表示します。",
                "A freeze-or-ship deadline appears in the storage alerts {lead} hours before it is due."
            ),
            pick("SPEC §2.4 保管アラート", "SPEC §2.4 storage alerts"),
        ),
        line(
            "report_negatives",
            yes_no(lang, p.report_negatives).into(),
            pick(
                "陰性の結果も保健所への日報に載せるか。「いいえ」なら、陰性の結果だけで載る行を省きます（採取日の行は残ります）。",
                "Whether negative results go into the health centre's day report. With no, a row there only for a negative result is left out (a specimen collected that day stays).",
            )
            .into(),
            pick("SPEC §3 保健所への報告", "SPEC §3 reporting to the health centre"),
        ),
        line(
            "has_minus80_freezer",
            yes_no(lang, p.has_minus80_freezer).into(),
            pick(
                "−80 °C 以下の冷凍庫があるか。「いいえ」なら −20 °C での保管を認め、注記を付けます。",
                "Whether the site has a −80 °C freezer. With no, −20 °C is allowed instead, and flagged.",
            )
            .into(),
            pick(
                "SPEC §2.2・§2.4 −80 °C 以下で保管",
                "SPEC §2.2, §2.4 kept at −80 °C or below",
            ),
        ),
        line(
            "ppe",
            match p.ppe {
                PpePolicy::Off => pick("確認しない", "not checked"),
                PpePolicy::Warn => pick("不足を警告", "warn when incomplete"),
                PpePolicy::Require => pick("不足なら受け付けない", "refuse when incomplete"),
            }
            .into(),
            pick(
                "採取者の個人防護具（マスク・眼の防護・ガウン・手袋）が検体の種類に足りないときの扱い。",
                "What registration does when the collector's protective equipment (mask, eye protection, gown, gloves) falls short of what the specimen type needs.",
            )
            .into(),
            pick("SPEC §2.6 感染管理", "SPEC §2.6 infection control"),
        ),
        line(
            "episode_days",
            say!(lang, "{days}日", "{days} days"),
            say!(
                lang,
                "同じ患者の検体で採取日時の差が{days}日以内のものを、一度の検査の機会として扱います。送付優先順位の判定と、呼吸器検体がないときの警告に使います。",
                "One patient's specimens collected within {days} days of each other count as one episode: the sending priority and the warning for an episode without a respiratory specimen look at it."
            ),
            pick(
                "SPEC §2.1 検体送付の優先順位・§2.2 呼吸器検体なし",
                "SPEC §2.1 the sending priority, §2.2 no respiratory specimen",
            ),
        ),
        line(
            "future_tolerance_minutes",
            say!(lang, "{drift}分", "{drift} minutes"),
            say!(
                lang,
                "端末の時計のずれとして許す時間。いまより{drift}分を超えて先の採取日時は受け付けません。",
                "Clock drift tolerated between devices: a collection time more than {drift} minutes ahead of now is refused."
            ),
            pick("SPEC §2 採取日時", "SPEC §2 the collection time"),
        ),
        line(
            "result_release",
            match p.result_release {
                ReleasePolicy::OnEntry => pick("入力時に確定（on_entry）", "on entry (on_entry)"),
                ReleasePolicy::SecondPerson => pick(
                    "別の担当者が承認（second_person）",
                    "by a second person (second_person)",
                ),
            }
            .into(),
            match p.result_release {
                ReleasePolicy::OnEntry => pick(
                    "入力した結果はそのまま報告に載ります。",
                    "A result counts in the reports as soon as it is entered.",
                ),
                ReleasePolicy::SecondPerson => pick(
                    "入力した結果は「承認待ち」になり、入力者以外の担当者が承認してから報告に載ります。承認前は結果待ちとして数えます。",
                    "An entered result waits until someone other than the person who entered it releases it; until then reports count it as pending.",
                ),
            }
            .into(),
            pick("SPEC §2.7 検査結果・§3 報告", "SPEC §2.7 results, §3 the report"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_setting_is_explained_once_in_both_languages() {
        // A key added to [policy] without a line here would be in force
        // but missing from the page that says what is in force.
        let policy = Policy::default();
        let keys: Vec<String> = match toml::Value::try_from(&policy) {
            Ok(toml::Value::Table(t)) => t.keys().cloned().collect(),
            other => panic!("policy is not a table: {other:?}"),
        };
        for lang in [Lang::Ja, Lang::En] {
            let mut lines: Vec<&str> = policy_lines(lang, &policy).iter().map(|l| l.key).collect();
            lines.sort_unstable();
            let mut expected: Vec<&str> = keys.iter().map(String::as_str).collect();
            expected.sort_unstable();
            assert_eq!(lines, expected, "{lang:?}");
        }
    }

    #[test]
    fn the_saliva_line_names_the_last_day_and_the_first_refused_day() {
        let policy = Policy {
            saliva_max_days: 7,
            ..Policy::default()
        };
        let lines = policy_lines(Lang::Ja, &policy);
        assert_eq!(lines[0].value, "7日目まで");
        assert!(
            lines[0].meaning.contains("8日目以降"),
            "{}",
            lines[0].meaning
        );
        let lines = policy_lines(Lang::En, &policy);
        assert!(
            lines[0].meaning.contains("from day 8"),
            "{}",
            lines[0].meaning
        );
    }

    #[test]
    fn a_template_is_filled_by_key_and_unknown_done_keys_say_nothing() {
        assert_eq!(
            fill(
                ADMIN_JA.users_count,
                &[("n", "3"), ("active", "2"), ("disabled", "1")]
            ),
            "3人（有効 2人・無効 1人）"
        );
        assert_eq!(
            done_label(Lang::En, "kit_created"),
            Some("The kit is added.")
        );
        assert_eq!(done_label(Lang::Ja, "<script>"), None);
    }
}
