//! Test methods and results (docs/RULES.md, results): a correction is a new version.
//!
//! A result is entered (by hand, at the result desk or from an instrument
//! file) and counts once it is released: on entry, or, at a site with
//! `[policy] result_release = "second_person"`, when another person
//! releases it. A version the releaser returns stays on record and counts
//! for nothing; the tube goes back on the worklist.

use super::codes::{Decision, Notice, RuleCode};
use super::messages::RuleMsg;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Per-target Ct (or Cq) values: `{"N1": 24.1, "RP": 27.0}`, `null` for
/// undetermined (no amplification).
pub type CtValues = BTreeMap<String, Option<f64>>;

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
    pub const ALL: [TestResult; 4] = [
        TestResult::Positive,
        TestResult::Negative,
        TestResult::Inconclusive,
        TestResult::Invalid,
    ];

    pub fn label_ja(self) -> &'static str {
        super::labels::test_result_ja(self)
    }
}

/// Who releases a result to the reports (`[policy] result_release`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReleasePolicy {
    /// A result counts as soon as it is entered.
    #[default]
    OnEntry,
    /// A result waits as `entered` until another user releases it.
    SecondPerson,
}

/// Where a result version stands on its way to the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResultStatus {
    /// Waiting for a second person's release.
    Entered,
    /// Counts in reports and summaries.
    Released,
    /// Sent back for correction by the person asked to release it.
    Returned,
}

impl ResultStatus {
    pub const ALL: [ResultStatus; 3] = [
        ResultStatus::Entered,
        ResultStatus::Released,
        ResultStatus::Returned,
    ];
}

coded!(ResultStatus {
    Entered => "entered",
    Released => "released",
    Returned => "returned",
});

impl ReleasePolicy {
    /// The status a newly entered result starts in.
    pub fn initial_status(self) -> ResultStatus {
        match self {
            ReleasePolicy::OnEntry => ResultStatus::Released,
            ReleasePolicy::SecondPerson => ResultStatus::Entered,
        }
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
    pub status: ResultStatus,
    /// The user who entered it (a release needs someone else).
    pub recorded_by: i64,
}

/// What a new result is, against the versions on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// The first result (or the first since every earlier one was returned).
    First,
    /// Identical to the standing version (result, method, time): a retry,
    /// recorded once.
    Repeat { version: i32 },
    /// A different result, method or time than the standing version: it
    /// needs a written reason.
    Correction { of: i32 },
}

/// The version a new result is compared with: the latest one not returned.
pub fn standing(existing: &[ResultVersion]) -> Option<&ResultVersion> {
    existing
        .iter()
        .filter(|r| r.status != ResultStatus::Returned)
        .max_by_key(|r| r.version)
}

/// The version the reports show: the latest released one.
pub fn counted(existing: &[ResultVersion]) -> Option<&ResultVersion> {
    existing
        .iter()
        .filter(|r| r.status == ResultStatus::Released)
        .max_by_key(|r| r.version)
}

/// Whether `result` by `method` at `resulted_at` is a first result, a
/// repeat or a correction.
pub fn recording(
    existing: &[ResultVersion],
    result: TestResult,
    method: TestMethod,
    resulted_at: DateTime<Utc>,
) -> Recording {
    match standing(existing) {
        None => Recording::First,
        Some(s) if s.result == result && s.method == method && s.resulted_at == resulted_at => {
            Recording::Repeat { version: s.version }
        }
        Some(s) => Recording::Correction { of: s.version },
    }
}

/// A correction changes what a health centre was told: it needs a reason.
pub fn check_correction(recording: Recording, reason: Option<&str>) -> Decision {
    match recording {
        Recording::Correction { of } if reason.is_none_or(|r| r.trim().is_empty()) => {
            Decision::Refuse(Notice::new(
                RuleCode::CorrectionReasonRequired,
                RuleMsg::CorrectionNeedsReason { version: of },
            ))
        }
        _ => Decision::Accept,
    }
}

/// What a scan at the result desk may do with a tube.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtDesk {
    /// Record the result: the tube has none standing.
    Record,
    /// The site receives tubes before testing them and this one has not
    /// been received (`not_received`).
    NotReceived,
    /// The standing version already says this result by this method
    /// (`already_resulted`): at any time, since a scan cannot tell a
    /// retry of yesterday's batch from a new finding.
    Same { version: i32 },
    /// The standing version says something else: a correction, which needs
    /// a written reason a scan cannot give (`correction_reason_required`).
    Differs { current: TestResult },
}

/// Judges a tube at the result desk before anything is written. `result`
/// is `None` while the desk only holds the tube (its result not scanned
/// yet): then only its arrival is judged.
pub fn at_desk(
    receives: bool,
    received: bool,
    standing: Option<&ResultVersion>,
    result: Option<TestResult>,
    method: TestMethod,
) -> AtDesk {
    if receives && !received {
        return AtDesk::NotReceived;
    }
    match (standing, result) {
        (Some(s), Some(r)) if s.result == r && s.method == method => {
            AtDesk::Same { version: s.version }
        }
        (Some(s), Some(_)) => AtDesk::Differs { current: s.result },
        _ => AtDesk::Record,
    }
}

/// Only an entered version can be released or returned, and only by
/// someone other than the person who entered it.
pub fn check_release(version: &ResultVersion, releaser: i64) -> Decision {
    if version.status != ResultStatus::Entered {
        Decision::Refuse(Notice::new(
            RuleCode::NotAwaitingRelease,
            RuleMsg::NotAwaitingRelease {
                version: version.version,
                status: version.status,
            },
        ))
    } else if version.recorded_by == releaser {
        Decision::Refuse(Notice::new(
            RuleCode::SamePersonRelease,
            RuleMsg::SamePersonRelease {
                version: version.version,
            },
        ))
    } else {
        Decision::Accept
    }
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
            status: ResultStatus::Released,
            recorded_by: 1,
        }
    }

    fn with_status(mut r: ResultVersion, status: ResultStatus) -> ResultVersion {
        r.status = status;
        r
    }

    #[test]
    fn results_an_identical_repeat_is_the_same_version_and_anything_else_a_correction() {
        let t = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
        let history = vec![v(1, TestResult::Negative)];
        let pcr = TestMethod::Pcr;
        let cases = [
            (vec![], TestResult::Negative, pcr, t, Recording::First),
            (
                history.clone(),
                TestResult::Negative,
                pcr,
                t,
                Recording::Repeat { version: 1 },
            ),
            (
                history.clone(),
                TestResult::Positive,
                pcr,
                t,
                Recording::Correction { of: 1 },
            ),
            (
                history.clone(),
                TestResult::Negative,
                TestMethod::Lamp,
                t,
                Recording::Correction { of: 1 },
            ),
            (
                history.clone(),
                TestResult::Negative,
                pcr,
                t + Duration::minutes(1),
                Recording::Correction { of: 1 },
            ),
            // A returned version is not what a new entry corrects.
            (
                vec![with_status(
                    v(1, TestResult::Negative),
                    ResultStatus::Returned,
                )],
                TestResult::Positive,
                pcr,
                t,
                Recording::First,
            ),
        ];
        for (existing, result, method, at, want) in cases {
            assert_eq!(
                recording(&existing, result, method, at),
                want,
                "{result:?} {method:?} {at}"
            );
        }
    }

    #[test]
    fn correction_reason_required_a_correction_without_a_written_reason_is_refused() {
        let c = Recording::Correction { of: 1 };
        assert_eq!(
            check_correction(c, None).code(),
            Some(RuleCode::CorrectionReasonRequired)
        );
        assert_eq!(
            check_correction(c, Some("  ")).code(),
            Some(RuleCode::CorrectionReasonRequired)
        );
        assert_eq!(check_correction(c, Some("再検査で陽性")), Decision::Accept);
        assert_eq!(check_correction(Recording::First, None), Decision::Accept);
        assert_eq!(
            check_correction(Recording::Repeat { version: 1 }, None),
            Decision::Accept
        );
    }

    #[test]
    fn the_result_desk_records_a_first_result_and_refuses_repeats_corrections_and_tubes_not_received(
    ) {
        use TestResult::{Negative, Positive};
        let negative = v(1, Negative);
        let lamp = ResultVersion {
            method: TestMethod::Lamp,
            ..v(1, Negative)
        };
        let pcr = TestMethod::Pcr;
        // (receives, received, standing, scanned result, method, verdict)
        let cases = [
            (false, false, None, Some(Negative), pcr, AtDesk::Record),
            (true, true, None, Some(Negative), pcr, AtDesk::Record),
            (true, false, None, Some(Negative), pcr, AtDesk::NotReceived),
            // A tube held without its result yet: only its arrival counts.
            (true, false, None, None, pcr, AtDesk::NotReceived),
            (true, true, Some(&negative), None, pcr, AtDesk::Record),
            (
                false,
                false,
                Some(&negative),
                Some(Negative),
                pcr,
                AtDesk::Same { version: 1 },
            ),
            (
                false,
                false,
                Some(&negative),
                Some(Positive),
                pcr,
                AtDesk::Differs { current: Negative },
            ),
            // The same result by another method is a correction too.
            (
                false,
                false,
                Some(&lamp),
                Some(Negative),
                pcr,
                AtDesk::Differs { current: Negative },
            ),
            // Not received wins: nothing is said about results there.
            (
                true,
                false,
                Some(&negative),
                Some(Positive),
                pcr,
                AtDesk::NotReceived,
            ),
        ];
        for (receives, received, standing, result, method, want) in cases {
            assert_eq!(
                at_desk(receives, received, standing, result, method),
                want,
                "{receives} {received} {standing:?} {result:?}"
            );
        }
    }

    #[test]
    fn a_second_person_releases_an_entered_result_and_nobody_releases_twice() {
        let entered = with_status(v(1, TestResult::Negative), ResultStatus::Entered);
        assert_eq!(check_release(&entered, 2), Decision::Accept);
        assert_eq!(
            check_release(&entered, 1).code(),
            Some(RuleCode::SamePersonRelease)
        );
        for status in [ResultStatus::Released, ResultStatus::Returned] {
            let r = with_status(v(1, TestResult::Negative), status);
            assert_eq!(
                check_release(&r, 2).code(),
                Some(RuleCode::NotAwaitingRelease)
            );
        }
    }

    #[test]
    fn reports_count_the_latest_released_version_and_entries_compare_with_the_latest_not_returned()
    {
        let history = vec![
            v(1, TestResult::Negative),
            with_status(v(2, TestResult::Positive), ResultStatus::Returned),
            with_status(v(3, TestResult::Inconclusive), ResultStatus::Entered),
        ];
        assert_eq!(counted(&history).map(|r| r.version), Some(1));
        assert_eq!(standing(&history).map(|r| r.version), Some(3));
        assert_eq!(
            ReleasePolicy::OnEntry.initial_status(),
            ResultStatus::Released
        );
        assert_eq!(
            ReleasePolicy::SecondPerson.initial_status(),
            ResultStatus::Entered
        );
    }

    #[test]
    fn results_a_correction_is_a_new_version_never_an_overwrite() {
        assert_eq!(next_version(&[]), 1);
        let history = vec![v(1, TestResult::Negative), v(2, TestResult::Positive)];
        assert_eq!(next_version(&history), 3);
        let latest = latest(&history).unwrap();
        assert_eq!(latest.result, TestResult::Positive);
        assert!(latest.is_correction());
        assert!(!history[0].is_correction());
    }

    #[test]
    fn results_codes_and_japanese_labels() {
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
