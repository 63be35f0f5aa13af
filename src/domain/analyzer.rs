//! What an analyser's observations for one specimen mean in kentai's terms:
//! a test method, a result and Ct values per target, or the reasons there
//! is none.
//!
//! Analysers (ASTM result records, HL7 OBX segments) send one observation
//! per test code: an interpretation ("SARS-CoV-2 Detected"), a Ct per
//! target, an internal control. Each `[[analyzer]]` maps its codes to a
//! method and, for a Ct, a target; the values of an interpretation map to a
//! result through the site's words, then the common words every analyser
//! uses. Nothing is guessed: a code or a word that maps to nothing is kept
//! with the reason, and shown beside the specimen, so a person decides.

use super::results::{CtValues, TestMethod, TestResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an analyser's test code stands for (`[analyzer.tests]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestCode {
    /// The test method the code's results are found with.
    #[serde(default)]
    pub method: Option<TestMethod>,
    /// The target whose Ct the code reports (`"N2"`, `"E"`, `"RP"`); without
    /// one the code's value is the interpretation.
    #[serde(default)]
    pub target: Option<String>,
}

/// One analyser's map from its codes and words to kentai's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CodeMap {
    /// By test code (or LOINC code), matched case-insensitively.
    pub tests: BTreeMap<String, TestCode>,
    /// By value, matched case-insensitively and with spaces, `-` and `_`
    /// taken as one; before the common words.
    pub values: BTreeMap<String, TestResult>,
}

/// One observation as the analyser sent it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Observation {
    /// The analyser's test code (ASTM R.3's test id, HL7 OBX-3's identifier).
    pub code: String,
    /// The value as sent (an interpretation word or a number).
    pub value: String,
    pub units: String,
    pub flags: String,
    /// The result status as sent: ASTM R.9 / HL7 OBX-11 (`F`, `C`, `P`, `X`, …).
    pub status: String,
}

/// Whether an observation's status says it is a result to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finality {
    /// `F` (or no status at all): a final result.
    Final,
    /// `C`: the analyser corrects a result it sent before.
    Corrected,
    /// Anything else (`P` preliminary, `I` pending, `X` cannot be done, `D`
    /// deleted…): not a result to record.
    NotFinal,
}

impl Finality {
    pub fn of(status: &str) -> Finality {
        match status.trim().to_ascii_uppercase().as_str() {
            "" | "F" => Finality::Final,
            "C" => Finality::Corrected,
            _ => Finality::NotFinal,
        }
    }
}

/// Why an observation gave kentai nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Unread {
    /// No `[analyzer.tests]` entry and no known LOINC code.
    UnknownCode { code: String },
    /// An interpretation word neither the site's words nor the common ones know.
    UnknownValue { code: String, value: String },
    /// A Ct that is not a number (nor a word for "undetermined").
    NotACt { code: String, value: String },
    /// A status that is not final (`P`, `X`, …).
    NotFinal { code: String, status: String },
}

/// What the observations of one specimen say.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reading {
    /// The result the interpretation gives; `None` when no observation gave one.
    pub result: Option<TestResult>,
    /// The method of the code that gave the result.
    pub method: Option<TestMethod>,
    /// Ct per target; `None` for undetermined.
    #[schema(value_type = BTreeMap<String, Option<f64>>)]
    pub ct: CtValues,
    /// The interpretation as the analyser wrote it.
    pub interpretation: Option<String>,
    /// Whether any observation that counted is a correction (`C`).
    pub corrected: bool,
    /// Two interpretations that disagree: no result is taken.
    pub conflicting: bool,
    /// What was not read, and why.
    pub unread: Vec<Unread>,
}

/// The LOINC codes of the SARS-CoV-2 [Presence] tests kentai reports
/// (see the FHIR writer), and their methods: an analyser that sends LOINC
/// needs no `[analyzer.tests]` entry for them.
pub fn loinc_method(code: &str) -> Option<TestMethod> {
    match code.trim() {
        "94500-6" | "94845-5" | "94660-8" | "94309-2" => Some(TestMethod::Pcr),
        "95608-6" => Some(TestMethod::Lamp),
        "94558-4" => Some(TestMethod::AntigenQualitative),
        "96119-3" => Some(TestMethod::AntigenQuantitative),
        _ => None,
    }
}

/// A value with case, spaces, `-` and `_` evened out: "Not detected",
/// "NOT_DETECTED" and "not-detected" are one word.
fn folded(value: &str) -> String {
    value
        .trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' | '_' => ' ',
            c => c.to_ascii_lowercase(),
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words analysers commonly write for a result.
fn common_word(value: &str) -> Option<TestResult> {
    match value {
        "detected" | "positive" | "pos" => Some(TestResult::Positive),
        "not detected" | "negative" | "neg" => Some(TestResult::Negative),
        "invalid" => Some(TestResult::Invalid),
        _ => None,
    }
}

/// Words an analyser writes for a Ct that did not come up.
fn undetermined(value: &str) -> bool {
    matches!(
        value,
        "" | "undetermined" | "und" | "n/a" | "na" | "no ct" | "not detected" | "neg"
    )
}

impl CodeMap {
    fn test(&self, code: &str) -> Option<TestCode> {
        let code = code.trim();
        self.tests
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(code))
            .map(|(_, t)| t.clone())
            .or_else(|| {
                loinc_method(code).map(|m| TestCode {
                    method: Some(m),
                    target: None,
                })
            })
    }

    fn word(&self, value: &str) -> Option<TestResult> {
        let value = folded(value);
        self.values
            .iter()
            .find(|(k, _)| folded(k) == value)
            .map(|(_, r)| *r)
            .or_else(|| common_word(&value))
    }

    /// The result a value says: the value whole, or else the one of its
    /// components (`12.40^POS`: a reader's index and its call) that is a
    /// result word; two components that say different results say none.
    fn result_word(&self, value: &str) -> Option<TestResult> {
        if let Some(r) = self.word(value) {
            return Some(r);
        }
        let mut found = value.split('^').filter_map(|c| self.word(c));
        let first = found.next()?;
        found.all(|r| r == first).then_some(first)
    }

    /// Reads the observations an analyser sent for one specimen.
    pub fn read(&self, observations: &[Observation]) -> Reading {
        let mut reading = Reading::default();
        for o in observations {
            let finality = Finality::of(&o.status);
            if finality == Finality::NotFinal {
                reading.unread.push(Unread::NotFinal {
                    code: o.code.clone(),
                    status: o.status.clone(),
                });
                continue;
            }
            let Some(test) = self.test(&o.code) else {
                reading.unread.push(Unread::UnknownCode {
                    code: o.code.clone(),
                });
                continue;
            };
            match &test.target {
                Some(target) => {
                    let value = folded(&o.value);
                    let ct = if undetermined(&value) {
                        None
                    } else {
                        match value.parse::<f64>() {
                            Ok(v) if v.is_finite() && (0.0..=100.0).contains(&v) => Some(v),
                            _ => {
                                reading.unread.push(Unread::NotACt {
                                    code: o.code.clone(),
                                    value: o.value.clone(),
                                });
                                continue;
                            }
                        }
                    };
                    reading.ct.insert(target.clone(), ct);
                }
                None => {
                    let Some(result) = self.result_word(&o.value) else {
                        reading.unread.push(Unread::UnknownValue {
                            code: o.code.clone(),
                            value: o.value.clone(),
                        });
                        continue;
                    };
                    if reading.result.is_some_and(|r| r != result) {
                        reading.conflicting = true;
                    }
                    reading.result.get_or_insert(result);
                    reading
                        .interpretation
                        .get_or_insert_with(|| o.value.clone());
                    if reading.method.is_none() {
                        reading.method = test.method;
                    }
                }
            }
            if test.method.is_some() && reading.method.is_none() {
                reading.method = test.method;
            }
            reading.corrected |= finality == Finality::Corrected;
        }
        if reading.conflicting {
            reading.result = None;
        }
        reading
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(code: &str, value: &str, status: &str) -> Observation {
        Observation {
            code: code.into(),
            value: value.into(),
            status: status.into(),
            ..Observation::default()
        }
    }

    fn map() -> CodeMap {
        let mut tests = BTreeMap::new();
        tests.insert(
            "SARS-CoV-2".to_string(),
            TestCode {
                method: Some(TestMethod::Pcr),
                target: None,
            },
        );
        tests.insert(
            "N2".to_string(),
            TestCode {
                method: Some(TestMethod::Pcr),
                target: Some("N2".into()),
            },
        );
        let mut values = BTreeMap::new();
        values.insert("ERROR".to_string(), TestResult::Invalid);
        CodeMap { tests, values }
    }

    #[test]
    fn the_common_words_map_to_their_results_in_any_case_and_spelling() {
        let cases = [
            ("Detected", TestResult::Positive),
            ("POSITIVE", TestResult::Positive),
            ("pos", TestResult::Positive),
            ("NOT DETECTED", TestResult::Negative),
            ("not_detected", TestResult::Negative),
            ("Negative", TestResult::Negative),
            ("NEG", TestResult::Negative),
            ("Invalid", TestResult::Invalid),
        ];
        for (word, want) in cases {
            let r = map().read(&[obs("SARS-CoV-2", word, "F")]);
            assert_eq!(r.result, Some(want), "{word}");
            assert_eq!(r.method, Some(TestMethod::Pcr));
            assert_eq!(r.interpretation.as_deref(), Some(word));
            assert!(r.unread.is_empty());
        }
    }

    #[test]
    fn the_sites_words_come_before_the_common_ones_and_unknown_words_are_kept_not_guessed() {
        let r = map().read(&[obs("SARS-CoV-2", "error", "F")]);
        assert_eq!(r.result, Some(TestResult::Invalid));
        let r = map().read(&[obs("SARS-CoV-2", "Presumptive Pos", "F")]);
        assert_eq!(r.result, None);
        assert_eq!(
            r.unread,
            vec![Unread::UnknownValue {
                code: "SARS-CoV-2".into(),
                value: "Presumptive Pos".into()
            }]
        );
    }

    #[test]
    fn a_ct_code_gives_its_targets_ct_and_undetermined_is_none() {
        let r = map().read(&[obs("SARS-CoV-2", "Detected", "F"), obs("n2", "24.31", "F")]);
        assert_eq!(r.ct.get("N2"), Some(&Some(24.31)));
        let r = map().read(&[obs("N2", "Undetermined", "F")]);
        assert_eq!(r.ct.get("N2"), Some(&None));
        assert_eq!(r.result, None, "a Ct alone is no interpretation");
        let r = map().read(&[obs("N2", "about 30", "F")]);
        assert!(r.ct.is_empty());
        assert_eq!(
            r.unread,
            vec![Unread::NotACt {
                code: "N2".into(),
                value: "about 30".into()
            }]
        );
        let r = map().read(&[obs("N2", "1000", "F")]);
        assert!(r.ct.is_empty(), "a Ct above 100 is not a Ct");
    }

    #[test]
    fn loinc_codes_need_no_entry_and_unknown_codes_are_kept() {
        let r = CodeMap::default().read(&[obs("94558-4", "Negative", "F")]);
        assert_eq!(r.result, Some(TestResult::Negative));
        assert_eq!(r.method, Some(TestMethod::AntigenQualitative));
        let r = CodeMap::default().read(&[obs("FLU-A", "Negative", "F")]);
        assert_eq!(r.result, None);
        assert_eq!(
            r.unread,
            vec![Unread::UnknownCode {
                code: "FLU-A".into()
            }]
        );
    }

    #[test]
    fn only_final_and_corrected_observations_count() {
        let r = map().read(&[obs("SARS-CoV-2", "Detected", "P")]);
        assert_eq!(r.result, None);
        assert_eq!(
            r.unread,
            vec![Unread::NotFinal {
                code: "SARS-CoV-2".into(),
                status: "P".into()
            }]
        );
        let r = map().read(&[obs("SARS-CoV-2", "Detected", "")]);
        assert_eq!(r.result, Some(TestResult::Positive));
        assert!(!r.corrected);
        let r = map().read(&[obs("SARS-CoV-2", "Not detected", "c")]);
        assert_eq!(r.result, Some(TestResult::Negative));
        assert!(r.corrected);
    }

    #[test]
    fn a_value_of_components_gives_the_result_its_word_component_says() {
        let r = map().read(&[obs("SARS-CoV-2", "12.40^POS", "F")]);
        assert_eq!(r.result, Some(TestResult::Positive));
        let r = map().read(&[obs("SARS-CoV-2", "0.21^NEG", "F")]);
        assert_eq!(r.result, Some(TestResult::Negative));
        let r = map().read(&[obs("SARS-CoV-2", "POS^NEG", "F")]);
        assert_eq!(r.result, None, "components that disagree say nothing");
        let r = map().read(&[obs("SARS-CoV-2", "12.40", "F")]);
        assert_eq!(r.result, None);
    }

    #[test]
    fn two_interpretations_that_disagree_give_no_result() {
        let r = map().read(&[
            obs("SARS-CoV-2", "Detected", "F"),
            obs("SARS-CoV-2", "Not detected", "F"),
        ]);
        assert!(r.conflicting);
        assert_eq!(r.result, None);
        let r = map().read(&[
            obs("SARS-CoV-2", "Detected", "F"),
            obs("94500-6", "POS", "F"),
        ]);
        assert!(!r.conflicting);
        assert_eq!(r.result, Some(TestResult::Positive));
    }
}
