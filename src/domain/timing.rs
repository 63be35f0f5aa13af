//! Days since onset and the timing rules that hang on it (`onset_after_collection`, `serum_timing`,
//! `saliva_window_exceeded`).
//!
//! The onset day is day 0 (発症日を0日目とする), counted in calendar days in
//! the site's time zone, so a specimen collected at 00:30 JST on the 11th of a
//! patient whose onset was the 1st is day 10, whatever UTC says.

use super::codes::{Decision, Notice, RuleCode};
use super::messages::RuleMsg;
use super::policy::{Policy, SalivaWithoutOnset};
use super::specimen_type::SpecimenType;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

/// The collection date as the site's calendar sees it.
pub fn collection_date(collected_at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    collected_at.with_timezone(&tz).date_naive()
}

/// `collection_date − onset_date` in days; the onset day is day 0.
pub fn days_since_onset(onset: NaiveDate, collected_at: DateTime<Utc>, tz: Tz) -> i64 {
    (collection_date(collected_at, tz) - onset).num_days()
}

/// What is known of symptom onset for a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Onset {
    On(NaiveDate),
    Unknown,
    Asymptomatic,
}

/// Input that can never be right, whatever the specimen: onset after the
/// collection date, or a collection time in the future.
pub fn check_dates(
    onset: Onset,
    collected_at: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Tz,
    policy: &Policy,
) -> Decision {
    if collected_at > now + Duration::minutes(policy.future_tolerance_minutes) {
        return Decision::Refuse(Notice::new(
            RuleCode::CollectionInFuture,
            RuleMsg::CollectionInFuture {
                at: collected_at.with_timezone(&tz).fixed_offset(),
            },
        ));
    }
    if let Onset::On(date) = onset {
        let collected = collection_date(collected_at, tz);
        if date > collected {
            return Decision::Refuse(Notice::new(
                RuleCode::OnsetAfterCollection,
                RuleMsg::OnsetAfterCollection {
                    onset: date,
                    collected,
                },
            ));
        }
    }
    Decision::Accept
}

/// Saliva is accepted from day 0 to `saliva_max_days` (default 9); from day 10
/// it is refused (発症後10日目以降の唾液については…推奨されません). Onset
/// unknown or asymptomatic: policy `saliva_without_onset` decides.
pub fn saliva_window(days: Option<i64>, policy: &Policy) -> Decision {
    match days {
        Some(d) if d <= policy.saliva_max_days => Decision::Accept,
        Some(d) => Decision::Refuse(Notice::new(
            RuleCode::SalivaWindowExceeded,
            RuleMsg::SalivaWindowExceeded {
                day: d,
                max: policy.saliva_max_days,
            },
        )),
        None => {
            let notice = Notice::new(RuleCode::SalivaOnsetUnknown, RuleMsg::SalivaOnsetUnknown);
            match policy.saliva_without_onset {
                SalivaWithoutOnset::AcceptFlagged => Decision::Warn(notice),
                SalivaWithoutOnset::Refuse => Decision::Refuse(notice),
            }
        }
    }
}

/// Acute serum within one week of onset (days ≤ 7); convalescent serum two
/// weeks or more after (days ≥ 14). Outside its window a serum tube is
/// mislabelled, so it is refused; without an onset date it cannot be judged.
pub fn serum_timing(t: SpecimenType, days: Option<i64>) -> Decision {
    let refusal = match (t, days) {
        (SpecimenType::SerumAcute, Some(day)) if day > 7 => RuleMsg::SerumAcuteLate { day },
        (SpecimenType::SerumConvalescent, Some(day)) if day < 14 => {
            RuleMsg::SerumConvalescentEarly { day }
        }
        (SpecimenType::SerumAcute | SpecimenType::SerumConvalescent, None) => {
            RuleMsg::SerumNeedsOnset
        }
        _ => return Decision::Accept,
    };
    Decision::Refuse(Notice::new(RuleCode::SerumTiming, refusal))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn jst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Tokyo
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_onset_day_is_day_zero_in_the_site_time_zone() {
        let tz = chrono_tz::Asia::Tokyo;
        let cases = [
            (date(2026, 11, 1), jst(2026, 11, 1, 23, 59), 0),
            (date(2026, 11, 1), jst(2026, 11, 2, 0, 0), 1),
            // 00:30 JST is still the previous day in UTC; the site calendar wins.
            (date(2026, 11, 1), jst(2026, 11, 11, 0, 30), 10),
            (date(2026, 10, 31), jst(2026, 11, 1, 9, 0), 1),
        ];
        for (onset, collected, days) in cases {
            assert_eq!(
                days_since_onset(onset, collected, tz),
                days,
                "{onset} {collected}"
            );
        }
    }

    #[test]
    fn onset_after_collection_and_collection_in_future_are_refused() {
        let tz = chrono_tz::Asia::Tokyo;
        let p = Policy::default();
        let now = jst(2026, 11, 21, 12, 0);
        let cases: [(Onset, DateTime<Utc>, Option<RuleCode>); 6] = [
            (Onset::On(date(2026, 11, 21)), jst(2026, 11, 21, 9, 0), None),
            (
                Onset::On(date(2026, 11, 22)),
                jst(2026, 11, 21, 9, 0),
                Some(RuleCode::OnsetAfterCollection),
            ),
            (Onset::Unknown, now + Duration::minutes(5), None),
            (
                Onset::Unknown,
                now + Duration::minutes(6),
                Some(RuleCode::CollectionInFuture),
            ),
            (
                Onset::Asymptomatic,
                jst(2026, 11, 22, 9, 0),
                Some(RuleCode::CollectionInFuture),
            ),
            (Onset::On(date(2026, 11, 20)), jst(2026, 11, 20, 0, 0), None),
        ];
        for (onset, collected, code) in cases {
            assert_eq!(
                check_dates(onset, collected, now, tz, &p).code(),
                code,
                "{onset:?} {collected}"
            );
        }
    }

    #[test]
    fn saliva_window_exceeded_saliva_is_accepted_to_day_9_and_refused_from_day_10() {
        let p = Policy::default();
        let cases = [
            (Some(0), None),
            (Some(9), None),
            (Some(10), Some(RuleCode::SalivaWindowExceeded)),
            (Some(30), Some(RuleCode::SalivaWindowExceeded)),
        ];
        for (days, code) in cases {
            let d = saliva_window(days, &p);
            assert_eq!(d.code(), code, "day {days:?}");
            assert_eq!(d.is_refusal(), code.is_some());
        }
    }

    #[test]
    fn saliva_window_exceeded_the_limit_is_site_policy() {
        let p = Policy {
            saliva_max_days: 7,
            ..Policy::default()
        };
        assert!(saliva_window(Some(7), &p) == Decision::Accept);
        assert!(saliva_window(Some(8), &p).is_refusal());
    }

    #[test]
    fn saliva_onset_unknown_follows_policy() {
        let flagged = Policy::default();
        let refuse = Policy {
            saliva_without_onset: SalivaWithoutOnset::Refuse,
            ..Policy::default()
        };
        assert!(
            matches!(saliva_window(None, &flagged), Decision::Warn(n) if n.code == RuleCode::SalivaOnsetUnknown)
        );
        assert!(
            matches!(saliva_window(None, &refuse), Decision::Refuse(n) if n.code == RuleCode::SalivaOnsetUnknown)
        );
    }

    #[test]
    fn serum_timing_acute_to_day_7_convalescent_from_day_14() {
        use SpecimenType::*;
        let cases = [
            (SerumAcute, Some(0), true),
            (SerumAcute, Some(7), true),
            (SerumAcute, Some(8), false),
            (SerumConvalescent, Some(13), false),
            (SerumConvalescent, Some(14), true),
            (SerumConvalescent, Some(60), true),
            (SerumAcute, None, false),
            (SerumConvalescent, None, false),
            (Stool, None, true),
            (Saliva, Some(20), true),
        ];
        for (t, days, accepted) in cases {
            let d = serum_timing(t, days);
            assert_eq!(d == Decision::Accept, accepted, "{t:?} day {days:?}");
            if !accepted {
                assert_eq!(d.code(), Some(RuleCode::SerumTiming));
            }
        }
    }
}
