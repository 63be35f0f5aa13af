//! The day summary as an HTML table a page can include as it is (Japanese
//! labels, counts right-aligned), from `actions::reports::DaySummary`.

use crate::actions::reports::DaySummary;
use crate::domain::labels;
use crate::domain::results::{TestMethod, TestResult};
use crate::domain::{RuleCode, SpecimenType};
use maud::{html, Markup};

fn label(kind: &str, code: &str) -> String {
    let known = match kind {
        "type" => SpecimenType::from_code(code).map(labels::specimen_type_ja),
        "method" => TestMethod::from_code(code).map(labels::test_method_ja),
        "result" => TestResult::from_code(code).map(labels::test_result_ja),
        _ => None,
    };
    match (known, kind, code) {
        (Some(l), "result", _) if code == "invalid" => format!("{l}（無効）"),
        (Some(l), _, _) => l.to_string(),
        (None, "result", "pending") => labels::RESULT_PENDING_JA.to_string(),
        (None, "flag", "corrected_result") => labels::CORRECTED_RESULT_JA.to_string(),
        (None, "flag", _) => {
            serde_json::from_value::<RuleCode>(serde_json::Value::String(code.into()))
                .map(|c| labels::rule_ja(c).to_string())
                .unwrap_or_else(|_| code.to_string())
        }
        _ => code.to_string(),
    }
}

fn group(title: &str, kind: &str, counts: &[(String, u64)]) -> Markup {
    html! {
        tbody {
            tr { th colspan="2" scope="rowgroup" { (title) } }
            @for (code, n) in counts {
                tr data-code=(code) {
                    th scope="row" { (label(kind, code)) }
                    td.count { (n) }
                }
            }
        }
    }
}

fn hours(h: Option<f64>) -> String {
    h.map_or_else(|| "—".to_string(), |h| format!("{h:.1} 時間"))
}

pub fn summary_html(s: &DaySummary) -> Markup {
    html! {
        table.kentai-day-summary data-date=(s.date) {
            caption {
                (s.date) " の集計"
                @if let Some(f) = &s.facility { "（" (f) "）" }
            }
            tbody {
                tr { th scope="row" { "報告件数" } td.count { (s.rows) } }
                tr { th scope="row" { "採取" } td.count { (s.collected) } }
                tr { th scope="row" { "結果判明" } td.count { (s.resulted) } }
                tr { th scope="row" { "例外承認（理由あり）" } td.count { (s.overrides) } }
                tr { th scope="row" { "所要時間 中央値（採取→結果）" } td.count { (hours(s.turnaround_hours_median)) } }
                tr { th scope="row" { "所要時間 90パーセンタイル" } td.count { (hours(s.turnaround_hours_p90)) } }
            }
            (group("検体", "type", &s.by_specimen_type))
            (group("検査方法", "method", &s.by_method))
            (group("結果", "result", &s.by_result))
            (group("年齢", "age", &s.by_age_band))
            (group("注記", "flag", &s.by_flag))
        }
    }
}
