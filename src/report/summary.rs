//! The day summary as an HTML table a page can include as it is (labels in
//! words, counts right-aligned), from `actions::reports::DaySummary`: in
//! Japanese for the API's `format=html`, in the page's language on the
//! health centre's summary page.

use crate::actions::reports::DaySummary;
use crate::domain::labels::{self, SummaryWords};
use crate::domain::results::{TestMethod, TestResult};
use crate::domain::Lang;
use crate::domain::{RuleCode, SpecimenType};
use maud::{html, Markup};

/// What a count's code reads as: a specimen type, a method, a result (or
/// pending), an age band or a flag, in `lang`; a code the tables do not
/// know stays as it is.
fn label(lang: Lang, w: &SummaryWords, kind: &str, code: &str) -> String {
    let ja = lang == Lang::Ja;
    let known = match kind {
        "type" => SpecimenType::from_code(code).map(|t| {
            if ja {
                labels::specimen_type_ja(t).to_string()
            } else {
                labels::specimen_type_en(t)
            }
        }),
        "method" => TestMethod::from_code(code).map(|m| {
            if ja {
                labels::test_method_ja(m).to_string()
            } else {
                labels::test_method_en(m).to_string()
            }
        }),
        "result" => TestResult::from_code(code).map(|r| {
            let word = if ja {
                labels::test_result_ja(r)
            } else {
                labels::test_result_en(r)
            };
            // 判定不能 covers both inconclusive and invalid in Japanese.
            if ja && r == TestResult::Invalid {
                format!("{word}{}", w.invalid_note)
            } else {
                word.to_string()
            }
        }),
        _ => None,
    };
    if let Some(l) = known {
        return l;
    }
    match (kind, code) {
        ("result", "pending") => w.pending.to_string(),
        ("age", "90+") => w.age_90_plus.to_string(),
        ("age", "unknown") => w.age_unknown.to_string(),
        ("age", band) => match band.split_once('-') {
            Some((from, to)) => w.age_band.replace("{from}", from).replace("{to}", to),
            None => band.to_string(),
        },
        ("flag", "corrected_result") => w.corrected.to_string(),
        ("flag", _) => serde_json::from_value::<RuleCode>(serde_json::Value::String(code.into()))
            .map(|c| {
                if ja {
                    labels::flag_ja(c).to_string()
                } else {
                    labels::rule_en(c)
                }
            })
            .unwrap_or_else(|_| code.to_string()),
        _ => code.to_string(),
    }
}

fn group(
    lang: Lang,
    w: &SummaryWords,
    title: &str,
    kind: &str,
    counts: &[(String, u64)],
) -> Markup {
    html! {
        tbody {
            tr { th colspan="2" scope="rowgroup" { (title) } }
            @if counts.is_empty() {
                tr { td colspan="2" { (w.none) } }
            }
            @for (code, n) in counts {
                tr data-code=(code) {
                    th scope="row" { (label(lang, w, kind, code)) }
                    td.count { (n) }
                }
            }
        }
    }
}

fn hours(w: &SummaryWords, h: Option<f64>) -> String {
    h.map_or_else(
        || "—".to_string(),
        |h| w.hours.replace("{h}", &format!("{h:.1}")),
    )
}

/// The summary table in Japanese (the API's `format=html`).
pub fn summary_html(s: &DaySummary) -> Markup {
    summary_table(s, Lang::Ja)
}

/// The summary table in `lang`.
pub fn summary_table(s: &DaySummary, lang: Lang) -> Markup {
    let w = labels::summary_words(lang);
    html! {
        table.kentai-day-summary data-date=(s.date) {
            caption {
                (w.caption.replace("{date}", &s.date.to_string()))
                @if let Some(f) = &s.facility {
                    @if lang == Lang::Ja { "（" (f) "）" } @else { " (" (f) ")" }
                }
            }
            tbody {
                tr { th scope="row" { (w.rows) } td.count { (s.rows) } }
                tr { th scope="row" { (w.collected) } td.count { (s.collected) } }
                tr { th scope="row" { (w.resulted) } td.count { (s.resulted) } }
                tr { th scope="row" { (w.overrides) } td.count { (s.overrides) } }
                tr { th scope="row" { (w.turnaround_median) } td.count { (hours(w, s.turnaround_hours_median)) } }
                tr { th scope="row" { (w.turnaround_p90) } td.count { (hours(w, s.turnaround_hours_p90)) } }
            }
            (group(lang, w, w.by_type, "type", &s.by_specimen_type))
            (group(lang, w, w.by_method, "method", &s.by_method))
            (group(lang, w, w.by_result, "result", &s.by_result))
            (group(lang, w, w.by_age, "age", &s.by_age_band))
            (group(lang, w, w.by_flag, "flag", &s.by_flag))
            tfoot {
                tr.audit-head data-audit-rows=(s.audit_rows) data-audit-head=(s.audit_head) {
                    td colspan="2" {
                        (w.audit_head
                            .replace("{rows}", &s.audit_rows.to_string())
                            .replace("{head}", &s.audit_head))
                    }
                }
            }
        }
    }
}
