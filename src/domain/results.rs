//! Test methods and results (SPEC §2.7): a correction is a new version.

use super::codes::{Decision, Notice, RuleCode};
use super::messages::RuleMsg;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TestMethod {
    Pcr,
    Lamp,
    AntigenQualitative,
    AntigenQuantitative,
}

impl TestMethod {
    pub const ALL: [TestMethod; 4] = [
        TestMethod::Pcr,
        TestMethod::Lamp,
        TestMethod::AntigenQualitative,
        TestMethod::AntigenQuantitative,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TestResult {
    Positive,
    Negative,
    Inconclusive,
    Invalid,
}

macro_rules! coded {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            pub fn code(self) -> &'static str {
                match self { $(<$t>::$v => $s),* }
            }
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($s => Some(<$t>::$v),)* _ => None }
            }
        }
    };
}

coded!(TestMethod {
    Pcr => "pcr",
    Lamp => "lamp",
    AntigenQualitative => "antigen_qualitative",
    AntigenQuantitative => "antigen_quantitative",
});

coded!(TestResult {
    Positive => "positive",
    Negative => "negative",
    Inconclusive => "inconclusive",
    Invalid => "invalid",
});

impl TestMethod {
    pub fn label_ja(self) -> &'static str {
        super::labels::test_method_ja(self)
    }

    /// PCR and LAMP are both nucleic-acid amplification (核酸増幅).
    pub fn is_nucleic_acid(self) -> bool {
        matches!(self, TestMethod::Pcr | TestMethod::Lamp)
    }
}

impl TestResult {
    pub fn label_ja(self) -> &'static str {
        super::labels::test_result_ja(self)
    }
}

/// A result as recorded: versions count from 1; a version above 1 is a
/// correction of the one before it, which stays on record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultVersion {
    pub version: i32,
    pub result: TestResult,
    pub method: TestMethod,
    pub resulted_at: DateTime<Utc>,
}

impl ResultVersion {
    pub fn is_correction(&self) -> bool {
        self.version > 1
    }
}

pub fn next_version(existing: &[ResultVersion]) -> i32 {
    existing.iter().map(|r| r.version).max().unwrap_or(0) + 1
}

/// The result that counts: the highest version.
pub fn latest(existing: &[ResultVersion]) -> Option<&ResultVersion> {
    existing.iter().max_by_key(|r| r.version)
}

/// A result cannot be known before the specimen was collected, nor in the future.
pub fn check_result_time(
    collected_at: DateTime<Utc>,
    resulted_at: DateTime<Utc>,
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Decision {
    if resulted_at < collected_at {
        Decision::Refuse(Notice::new(
            RuleCode::ResultBeforeCollection,
            RuleMsg::ResultBeforeCollection {
                at: resulted_at.fixed_offset(),
                collected: collected_at.fixed_offset(),
            },
        ))
    } else if resulted_at > now + tolerance {
        Decision::Refuse(Notice::new(
            RuleCode::InvalidInput,
            RuleMsg::ResultInFuture {
                at: resulted_at.fixed_offset(),
            },
        ))
    } else {
        Decision::Accept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn v(version: i32, result: TestResult) -> ResultVersion {
        ResultVersion {
            version,
            result,
            method: TestMethod::Pcr,
            resulted_at: Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn spec_2_7_a_correction_is_a_new_version_never_an_overwrite() {
        assert_eq!(next_version(&[]), 1);
        let history = vec![v(1, TestResult::Negative), v(2, TestResult::Positive)];
        assert_eq!(next_version(&history), 3);
        let latest = latest(&history).unwrap();
        assert_eq!(latest.result, TestResult::Positive);
        assert!(latest.is_correction());
        assert!(!history[0].is_correction());
    }

    #[test]
    fn spec_2_7_codes_and_japanese_labels() {
        let cases = [
            (TestResult::Positive, "positive", "陽性"),
            (TestResult::Negative, "negative", "陰性"),
            (TestResult::Inconclusive, "inconclusive", "判定不能"),
            (TestResult::Invalid, "invalid", "判定不能"),
        ];
        for (r, code, ja) in cases {
            assert_eq!(r.code(), code);
            assert_eq!(TestResult::from_code(code), Some(r));
            assert_eq!(r.label_ja(), ja);
        }
        assert!(TestMethod::Lamp.is_nucleic_acid());
        assert!(!TestMethod::AntigenQualitative.is_nucleic_acid());
        assert_eq!(
            TestMethod::from_code("antigen_quantitative"),
            Some(TestMethod::AntigenQuantitative)
        );
    }

    #[test]
    fn results_before_collection_or_in_the_future_are_refused() {
        let c = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
        let now = c + Duration::hours(10);
        let tol = Duration::minutes(5);
        assert_eq!(check_result_time(c, c, now, tol), Decision::Accept);
        assert_eq!(
            check_result_time(c, c - Duration::seconds(1), now, tol).code(),
            Some(RuleCode::ResultBeforeCollection)
        );
        assert_eq!(
            check_result_time(c, now + Duration::minutes(6), now, tol).code(),
            Some(RuleCode::InvalidInput)
        );
    }
}
