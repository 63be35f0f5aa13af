//! The words of a person's own API token page (`/account/tokens`), in
//! Japanese and English.

use super::Lang;

pub struct TokensText {
    /// The header's link to the page.
    pub header_link: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub none: &'static str,
    pub col_name: &'static str,
    pub col_created: &'static str,
    pub col_expires: &'static str,
    pub col_last_used: &'static str,
    pub col_action: &'static str,
    pub no_expiry: &'static str,
    pub expired: &'static str,
    pub never_used: &'static str,
    pub revoke_button: &'static str,
    /// The revoke button's accessible name: `{name}` is the token's.
    pub revoke_label: &'static str,
    pub revoked_done: &'static str,
    pub new_title: &'static str,
    pub name_label: &'static str,
    pub name_hint: &'static str,
    pub expires_label: &'static str,
    pub expires_hint: &'static str,
    pub create_button: &'static str,
    pub error_code: &'static str,
    // The page that shows a new token once.
    pub created_title: &'static str,
    /// `{name}` is the token's.
    pub created_for: &'static str,
    pub token_label: &'static str,
    pub token_once: &'static str,
    pub token_use: &'static str,
    pub back: &'static str,
}

pub const TOKENS_JA: TokensText = TokensText {
    header_link: "API トークン",
    title: "API トークン",
    intro: "スクリプトや他のシステムから kentai の API を使うためのトークンです。用途ごとに名前を付けて、必要なだけ作れます。トークンは作ったときに一度だけ表示されます。使わなくなったものは取り消してください。",
    none: "トークンはまだありません。",
    col_name: "名前",
    col_created: "作成",
    col_expires: "有効期限",
    col_last_used: "最終使用",
    col_action: "操作",
    no_expiry: "なし",
    expired: "期限切れ",
    never_used: "未使用",
    revoke_button: "取り消す",
    revoke_label: "トークン「{name}」を取り消す",
    revoked_done: "トークンを取り消しました。このトークンはもう使えません。",
    new_title: "新しいトークン",
    name_label: "名前",
    name_hint: "何に使うトークンか（60文字以内）。例: 日報の自動取得",
    expires_label: "有効期限（任意）",
    expires_hint: "空欄なら取り消すまで使えます。日付を選ぶと、その日の終わりまで使えます。",
    create_button: "トークンを作る",
    error_code: "コード",
    created_title: "API トークンを作りました",
    created_for: "「{name}」のトークン",
    token_label: "トークン",
    token_once: "このトークンは二度と表示されません。いま使うプログラムに設定するか、安全な場所に控えてください。",
    token_use: "プログラムは Authorization: Bearer の後にこのトークンを付けて API を呼び出します。",
    back: "API トークンの一覧へ戻る",
};

pub const TOKENS_EN: TokensText = TokensText {
    header_link: "API tokens",
    title: "API tokens",
    intro: "Tokens for scripts and other systems that call kentai's API. Make as many as you need, one named for each use. A token is shown once, when it is made. Revoke the ones no longer in use.",
    none: "No tokens yet.",
    col_name: "Name",
    col_created: "Created",
    col_expires: "Expires",
    col_last_used: "Last used",
    col_action: "Action",
    no_expiry: "never",
    expired: "expired",
    never_used: "not yet",
    revoke_button: "Revoke",
    revoke_label: "Revoke the token “{name}”",
    revoked_done: "Token revoked: it no longer works.",
    new_title: "New token",
    name_label: "Name",
    name_hint: "What the token is for (up to 60 characters), e.g. daily report download",
    expires_label: "Expires (optional)",
    expires_hint: "Left empty, it works until revoked. With a date, it works until the end of that day.",
    create_button: "Make the token",
    error_code: "Code",
    created_title: "API token made",
    created_for: "Token “{name}”",
    token_label: "Token",
    token_once: "This token will not be shown again. Set it in the program that uses it now, or keep it somewhere safe.",
    token_use: "A program calls the API with this token after Authorization: Bearer.",
    back: "Back to the API tokens",
};

pub fn tokens(lang: Lang) -> &'static TokensText {
    match lang {
        Lang::Ja => &TOKENS_JA,
        Lang::En => &TOKENS_EN,
    }
}
