//! The day summary as an HTML table a page can include as it is (labels in
//! words, counts right-aligned), and the summary's type: in
//! Japanese for the API's `format=html`, in the page's language on the
//! health centre's summary page.

use crate::domain::labels::{self, SummaryWords};
use crate::domain::results::{TestMethod, TestResult};
use crate::domain::Lang;
use crate::domain::{RuleCode, SpecimenType};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Serialize;

/// Counts of one kind: label → number, in a fixed order. On the wire an
/// array of `[label, count]` pairs (JSON objects have no order).
pub type Counts = Vec<(String, u64)>;

/// [`Counts`] in the OpenAPI document: an array of `[label, count]` pairs.
///
/// A pair is written as a two-item array of strings and integers rather
/// than with `prefixItems`, which schemathesis 4 (tests/suite/schemathesis.rs)
/// cannot read in a response schema.
fn counts_schema() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let label_or_count = ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Integer]))
        .build();
    let pair = ArrayBuilder::new()
        .items(label_or_count)
        .min_items(Some(2))
        .max_items(Some(2))
        .description(Some("`[label, count]`"));
    ArrayBuilder::new()
        .items(pair)
        .description(Some("`[label, count]` pairs, in a fixed order"))
        .build()
}

/// The day in numbers: counts and turnaround.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DaySummary {
    pub date: NaiveDate,
    pub facility: Option<String>,
    pub rows: u64,
    pub collected: u64,
    pub resulted: u64,
    #[schema(schema_with = counts_schema)]
    pub by_specimen_type: Counts,
    #[schema(schema_with = counts_schema)]
    pub by_method: Counts,
    /// `pending` for specimens without a result yet.
    #[schema(schema_with = counts_schema)]
    pub by_result: Counts,
    /// Age at collection in bands: 0-9, 10-19, …, 90+, unknown.
    #[schema(schema_with = counts_schema)]
    pub by_age_band: Counts,
    /// Rows with a written override of a rule.
    pub overrides: u64,
    #[schema(schema_with = counts_schema)]
    pub by_flag: Counts,
    /// Collection → result of the day's results, in hours.
    pub turnaround_hours_median: Option<f64>,
    pub turnaround_hours_p90: Option<f64>,
    /// The audit chain's length when the summary was made: write it down
    /// with `audit_head` outside kentai, and `kentai audit verify --expect
    /// AUDIT_ROWS:AUDIT_HEAD` later proves the chain was not rewritten.
    pub audit_rows: i64,
    /// The hash of the chain's newest row (see `audit_rows`).
    pub audit_head: String,
}

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
                    c.title(Lang::Ja).to_string()
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
