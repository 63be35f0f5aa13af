//! The words of the health centre's day page (the rows table) and of the
//! lab's live alerts, in Japanese and English.

use super::Lang;
use crate::domain::labels;
use crate::domain::patient::Sex;
use crate::domain::results::TestResult;

pub struct ReportsText {
    pub rows_title: &'static str,
    /// `{n}`: the number of rows.
    pub rows_count: &'static str,
    /// `{n}`: how many rows the page shows when the day has more.
    pub rows_truncated: &'static str,
    pub no_rows: &'static str,
    pub facility_label: &'static str,
    pub facility_hint: &'static str,
    pub col_specimen: &'static str,
    pub col_name: &'static str,
    pub col_sex: &'static str,
    pub col_birth: &'static str,
    pub col_collected: &'static str,
    pub col_days: &'static str,
    pub col_type: &'static str,
    pub col_method: &'static str,
    pub col_result: &'static str,
    pub col_notes: &'static str,
    pub pending: &'static str,
    pub alerts_updated: &'static str,
    pub summary_title: &'static str,
    pub summary_link: &'static str,
    pub back_to_reports: &'static str,
    pub print_button: &'static str,
    pub sjis_title: &'static str,
    pub sjis_none: &'static str,
    /// `{file}`: the Shift_JIS CSV's name; `{n}`: how many characters.
    pub sjis_intro: &'static str,
    /// `{n}`: how many the page lists.
    pub sjis_truncated: &'static str,
    /// Beside the Shift_JIS download: `{n}` characters replaced.
    pub sjis_download_note: &'static str,
    pub sjis_file_link: &'static str,
    pub sjis_col_line: &'static str,
    pub sjis_col_column: &'static str,
    pub sjis_col_character: &'static str,
    pub sjis_col_code_point: &'static str,
    pub sjis_col_replaced: &'static str,
    /// The text file's first line: `{date}`, `{facility}`.
    pub sjis_file_heading: &'static str,
    /// Its second: `{file}`, `{n}`.
    pub sjis_file_count: &'static str,
    pub facility_all: &'static str,
}

pub const REPORTS_JA: ReportsText = ReportsText {
    rows_title: "この日の報告",
    rows_count: "{n}件",
    rows_truncated: "先頭の{n}件を表示しています。すべての行はダウンロードしたファイルにあります。",
    no_rows: "この日に採取または結果判明した検体はありません。",
    facility_label: "医療機関コード（任意）",
    facility_hint: "空欄ならこのサーバーの医療機関（他の医療機関はそのサーバーで）",
    col_specimen: "検体番号",
    col_name: "氏名",
    col_sex: "性別",
    col_birth: "生年月日",
    col_collected: "採取日時",
    col_days: "発症後日数",
    col_type: "検体",
    col_method: "検査方法",
    col_result: "結果",
    col_notes: "注記",
    pending: labels::RESULT_PENDING_JA,
    alerts_updated: "自動更新中",
    summary_title: "集計表",
    summary_link: "この日の集計表を開く（印刷できます）",
    back_to_reports: "保健所への日報へ戻る",
    print_button: "印刷する",
    sjis_title: "Shift_JIS で表せない文字",
    sjis_none: "この日の報告には、Shift_JIS で表せない文字はありません。",
    sjis_intro: "Shift_JIS の CSV（{file}）では、次の{n}文字を置き換えます。〓 は Shift_JIS に同じ字がないことを示します。UTF-8 の CSV・JSON・FHIR ではそのままです。",
    sjis_truncated: "先頭の{n}件を表示しています。すべてはテキストファイルにあります。",
    sjis_download_note: "{n}文字を置き換えます（一覧へ）",
    sjis_file_link: "置き換える文字の一覧（テキストファイル）",
    sjis_col_line: "行",
    sjis_col_column: "項目",
    sjis_col_character: "元の文字",
    sjis_col_code_point: "コードポイント",
    sjis_col_replaced: "置き換え後",
    sjis_file_heading: "kentai 保健所への日報 {date}（医療機関: {facility}）",
    sjis_file_count: "Shift_JIS の CSV（{file}）で置き換えた文字: {n}",
    facility_all: "この医療機関",
};

pub const REPORTS_EN: ReportsText = ReportsText {
    rows_title: "The day's report",
    rows_count: "{n} rows",
    rows_truncated: "Showing the first {n} rows. The downloaded files hold every row.",
    no_rows: "No specimen was collected or resulted on this day.",
    facility_label: "Facility code (optional)",
    facility_hint: "Empty for this server's facility (another facility: on its own server)",
    col_specimen: "Specimen",
    col_name: "Name",
    col_sex: "Sex",
    col_birth: "Birth date",
    col_collected: "Collected",
    col_days: "Days since onset",
    col_type: "Specimen type",
    col_method: "Method",
    col_result: "Result",
    col_notes: "Notes",
    pending: "pending",
    alerts_updated: "Updating live",
    summary_title: "Day summary",
    summary_link: "Open the day's summary (printable)",
    back_to_reports: "Back to the day report",
    print_button: "Print",
    sjis_title: "Characters Shift_JIS cannot hold",
    sjis_none: "Nothing in this day's report is lost in Shift_JIS.",
    sjis_intro: "The Shift_JIS CSV ({file}) replaces these {n} characters; 〓 means Shift_JIS has no such character. The UTF-8 CSV, JSON and FHIR keep them.",
    sjis_truncated: "Showing the first {n}. The text file lists them all.",
    sjis_download_note: "{n} characters replaced (see the list)",
    sjis_file_link: "List of the replaced characters (text file)",
    sjis_col_line: "Line",
    sjis_col_column: "Field",
    sjis_col_character: "Character",
    sjis_col_code_point: "Code point",
    sjis_col_replaced: "Written as",
    sjis_file_heading: "kentai day report {date} (facility: {facility})",
    sjis_file_count: "Characters replaced in the Shift_JIS CSV ({file}): {n}",
    facility_all: "this facility",
};

pub fn reports(lang: Lang) -> &'static ReportsText {
    match lang {
        Lang::Ja => &REPORTS_JA,
        Lang::En => &REPORTS_EN,
    }
}

/// A sex code as the page shows it.
pub fn sex_label(lang: Lang, code: &str) -> &'static str {
    match (lang, Sex::from_code(code)) {
        (Lang::Ja, Some(s)) => labels::sex_ja(s),
        (Lang::En, Some(Sex::Male)) => "male",
        (Lang::En, Some(Sex::Female)) => "female",
        (Lang::En, Some(Sex::Other)) => "other",
        _ => match lang {
            Lang::Ja => "不明",
            Lang::En => "unknown",
        },
    }
}

/// A result code as the page shows it.
pub fn result_label(lang: Lang, code: &str) -> &'static str {
    match (lang, TestResult::from_code(code)) {
        (Lang::Ja, Some(r)) => labels::test_result_ja(r),
        (Lang::En, Some(TestResult::Positive)) => "positive",
        (Lang::En, Some(TestResult::Negative)) => "negative",
        (Lang::En, Some(TestResult::Inconclusive)) => "inconclusive",
        (Lang::En, Some(TestResult::Invalid)) => "invalid",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_and_result_read_in_the_page_language() {
        assert_eq!(sex_label(Lang::Ja, "female"), "女");
        assert_eq!(sex_label(Lang::En, "female"), "female");
        assert_eq!(sex_label(Lang::Ja, "nonsense"), "不明");
        assert_eq!(result_label(Lang::Ja, "positive"), "陽性");
        assert_eq!(result_label(Lang::En, "invalid"), "invalid");
    }
}
