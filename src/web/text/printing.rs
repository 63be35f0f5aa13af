//! The words of the printing page (`/admin/printing`), in Japanese and
//! English.

use super::Lang;
use crate::actions::printing::JobState;
use crate::config::PrintDocument;

pub struct PrintingText {
    pub title: &'static str,
    pub intro: &'static str,
    pub printers_title: &'static str,
    pub no_printers: &'static str,
    pub col_name: &'static str,
    pub col_kind: &'static str,
    pub col_address: &'static str,
    pub col_status: &'static str,
    pub ready: &'static str,
    pub paper_out: &'static str,
    pub head_open: &'static str,
    pub unreachable: &'static str,
    pub jobs_title: &'static str,
    pub no_jobs: &'static str,
    pub col_id: &'static str,
    pub col_created: &'static str,
    pub col_printer: &'static str,
    pub col_document: &'static str,
    pub col_target: &'static str,
    pub col_state: &'static str,
    pub col_attempts: &'static str,
    pub col_error: &'static str,
    pub col_action: &'static str,
    pub retry_button: &'static str,
    /// The retry button's accessible name: `{id}` is the job's.
    pub retry_label: &'static str,
    pub retried_done: &'static str,
    pub error_code: &'static str,
    pub cause_request: &'static str,
    pub cause_register: &'static str,
    pub cause_package: &'static str,
    /// A document page's button: `{name}` is the printer's.
    pub send_on: &'static str,
    /// After a document page's button: `{id}` is the job's.
    pub sent_done: &'static str,
    pub back: &'static str,
}

pub const PRINTING_JA: PrintingText = PrintingText {
    title: "印刷",
    intro: "設定されたプリンターの状態と、印刷ジョブの一覧です。送れなかったジョブは間隔をあけて自動で再送されます。失敗したジョブは「再送」で送り直せます。",
    printers_title: "プリンター",
    no_printers: "プリンターは設定されていません（kentai.toml の [[printer]]）。",
    col_name: "名前",
    col_kind: "種類",
    col_address: "アドレス",
    col_status: "状態",
    ready: "準備完了",
    paper_out: "用紙切れ",
    head_open: "ヘッド（カバー）が開いています",
    unreachable: "応答なし",
    jobs_title: "印刷ジョブ",
    no_jobs: "印刷ジョブはまだありません。",
    col_id: "番号",
    col_created: "受付",
    col_printer: "プリンター",
    col_document: "書類",
    col_target: "対象",
    col_state: "状態",
    col_attempts: "試行回数",
    col_error: "最後のエラー",
    col_action: "操作",
    retry_button: "再送",
    retry_label: "印刷ジョブ {id} を再送する",
    retried_done: "印刷ジョブを再送の列に戻しました。",
    error_code: "コード",
    cause_request: "依頼",
    cause_register: "受付時に自動",
    cause_package: "発送時に自動",
    send_on: "「{name}」で印刷",
    sent_done: "印刷ジョブ {id} をプリンターに送りました。",
    back: "戻る",
};

pub const PRINTING_EN: PrintingText = PrintingText {
    title: "Printing",
    intro: "The configured printers' status and the print jobs. A job that could not be sent is retried by itself after a wait; a failed job can be sent again with Retry.",
    printers_title: "Printers",
    no_printers: "No printer is configured ([[printer]] in kentai.toml).",
    col_name: "Name",
    col_kind: "Kind",
    col_address: "Address",
    col_status: "Status",
    ready: "Ready",
    paper_out: "Paper out",
    head_open: "Head (cover) open",
    unreachable: "Not answering",
    jobs_title: "Print jobs",
    no_jobs: "No print jobs yet.",
    col_id: "No.",
    col_created: "Queued",
    col_printer: "Printer",
    col_document: "Document",
    col_target: "For",
    col_state: "State",
    col_attempts: "Attempts",
    col_error: "Last error",
    col_action: "Action",
    retry_button: "Retry",
    retry_label: "Retry print job {id}",
    retried_done: "The print job is queued again.",
    error_code: "Code",
    cause_request: "asked for",
    cause_register: "at registration",
    cause_package: "at dispatch",
    send_on: "Print on {name}",
    sent_done: "Print job {id} is on its way to the printer.",
    back: "Back",
};

pub fn printing(lang: Lang) -> &'static PrintingText {
    match lang {
        Lang::Ja => &PRINTING_JA,
        Lang::En => &PRINTING_EN,
    }
}

/// A document's name on the page.
pub fn document_name(lang: Lang, code: &str) -> String {
    let Some(document) = PrintDocument::from_code(code) else {
        return code.to_string();
    };
    match (lang, document) {
        (Lang::Ja, PrintDocument::TubeLabel) => "検体ラベル",
        (Lang::Ja, PrintDocument::LocationLabel) => "保管場所ラベル",
        (Lang::Ja, PrintDocument::PackageLabel) => "梱包ラベル",
        (Lang::Ja, PrintDocument::Slip) => "検体送付票",
        (Lang::Ja, PrintDocument::CommandSheet) => "コマンドシート",
        (Lang::En, PrintDocument::TubeLabel) => "tube label",
        (Lang::En, PrintDocument::LocationLabel) => "location label",
        (Lang::En, PrintDocument::PackageLabel) => "package label",
        (Lang::En, PrintDocument::Slip) => "slip",
        (Lang::En, PrintDocument::CommandSheet) => "command sheet",
    }
    .to_string()
}

/// A job's state on the page.
pub fn state_name(lang: Lang, state: JobState) -> &'static str {
    match (lang, state) {
        (Lang::Ja, JobState::Queued) => "待機中",
        (Lang::Ja, JobState::Sending) => "送信中",
        (Lang::Ja, JobState::Sent) => "送信済み",
        (Lang::Ja, JobState::Failed) => "失敗",
        (Lang::En, JobState::Queued) => "queued",
        (Lang::En, JobState::Sending) => "sending",
        (Lang::En, JobState::Sent) => "sent",
        (Lang::En, JobState::Failed) => "failed",
    }
}
