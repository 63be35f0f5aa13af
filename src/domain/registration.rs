//! Registering a specimen at reception: every registration rule of docs/RULES.md in one verdict.
//!
//! The verdict separates what refuses the tube, what only warns, and what
//! is kept as a flag on the specimen for every later report (overrides,
//! saliva without onset).

use super::codes::{Decision, Notice, RuleCode};
use super::messages::{Msg, RuleMsg};
use super::policy::Policy;
use super::ppe::{check_ppe, PpeItem};
use super::rules::{may_override, Step};
use super::specimen_type::SpecimenType;
use super::timing::{check_dates, days_since_onset, saliva_window, serum_timing, Onset};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A mark kept on the specimen and shown in every report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Flag {
    pub code: RuleCode,
    pub message: Msg,
    /// Present when an authorised user accepted what a rule refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
}

/// What reception registers, as the rules need it.
#[derive(Debug, Clone)]
pub struct Registration<'a> {
    pub specimen_type: SpecimenType,
    pub collected_at: DateTime<Utc>,
    pub onset: Onset,
    pub ppe: Option<&'a [PpeItem]>,
    /// A written reason to accept what a rule refuses; only roles that may
    /// override get this far with one.
    pub override_reason: Option<&'a str>,
}

/// Another specimen of the same patient, for episode rules.
#[derive(Debug, Clone, Copy)]
pub struct SiblingSpecimen {
    pub specimen_type: SpecimenType,
    pub collected_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    pub days_since_onset: Option<i64>,
    pub refusals: Vec<Notice>,
    pub warnings: Vec<Notice>,
    pub flags: Vec<Flag>,
}

impl Verdict {
    pub fn accepted(&self) -> bool {
        self.refusals.is_empty()
    }
}

pub fn evaluate(
    reg: &Registration<'_>,
    siblings: &[SiblingSpecimen],
    now: DateTime<Utc>,
    tz: Tz,
    policy: &Policy,
) -> Verdict {
    let mut v = Verdict::default();
    let days = match reg.onset {
        Onset::On(d) => Some(days_since_onset(d, reg.collected_at, tz)),
        Onset::Unknown | Onset::Asymptomatic => None,
    };
    v.days_since_onset = days;

    if let Decision::Refuse(n) = check_dates(reg.onset, reg.collected_at, now, tz, policy) {
        // Nothing else can be judged on impossible dates.
        v.refusals.push(n);
        return v;
    }

    let mut decisions = vec![
        serum_timing(reg.specimen_type, days),
        check_ppe(reg.specimen_type, reg.ppe, policy.ppe),
    ];
    if reg.specimen_type == SpecimenType::Saliva {
        decisions.push(saliva_window(days, policy));
    }
    if !reg.specimen_type.is_respiratory() {
        decisions.push(respiratory_in_episode(reg, siblings, policy));
    }

    let reason = reg.override_reason.map(str::trim).filter(|r| !r.is_empty());
    for d in decisions {
        match d {
            Decision::Accept => {}
            Decision::Warn(n) => {
                if n.code == RuleCode::SalivaOnsetUnknown {
                    v.flags.push(Flag {
                        code: n.code,
                        message: n.message.clone(),
                        override_reason: None,
                    });
                }
                v.warnings.push(n);
            }
            Decision::Refuse(n) => match reason {
                Some(r) if may_override(n.code, Step::Registration) => {
                    v.flags.push(Flag {
                        code: n.code,
                        message: RuleMsg::Overridden {
                            refusal: Box::new(n.message.clone()),
                        }
                        .into(),
                        override_reason: Some(r.to_string()),
                    });
                    v.warnings.push(n);
                }
                _ => v.refusals.push(n),
            },
        }
    }
    v
}

/// `no_respiratory_specimen`: the other types detect less well, so a diagnostic episode with no
/// respiratory specimen gets a warning.
fn respiratory_in_episode(
    reg: &Registration<'_>,
    siblings: &[SiblingSpecimen],
    policy: &Policy,
) -> Decision {
    let window = Duration::days(policy.episode_days);
    let has_respiratory = siblings.iter().any(|s| {
        s.specimen_type.is_respiratory() && (s.collected_at - reg.collected_at).abs() <= window
    });
    if has_respiratory {
        Decision::Accept
    } else {
        Decision::Warn(Notice::new(
            RuleCode::NoRespiratorySpecimen,
            RuleMsg::NoRespiratorySpecimen {
                specimen_type: reg.specimen_type,
                days: policy.episode_days,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PpePolicy, SalivaWithoutOnset};
    use chrono::{NaiveDate, TimeZone};

    const TZ: Tz = chrono_tz::Asia::Tokyo;

    fn collected() -> DateTime<Utc> {
        TZ.with_ymd_and_hms(2026, 11, 20, 10, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }
    fn onset_days_before(days: i64) -> Onset {
        Onset::On(NaiveDate::from_ymd_opt(2026, 11, 20).unwrap() - Duration::days(days))
    }
    fn reg(t: SpecimenType, onset: Onset) -> Registration<'static> {
        Registration {
            specimen_type: t,
            collected_at: collected(),
            onset,
            ppe: None,
            override_reason: None,
        }
    }
    fn quiet() -> Policy {
        Policy {
            ppe: PpePolicy::Off,
            ..Policy::default()
        }
    }
    fn now() -> DateTime<Utc> {
        collected() + Duration::hours(1)
    }
    fn codes(ns: &[Notice]) -> Vec<RuleCode> {
        ns.iter().map(|n| n.code).collect()
    }

    #[test]
    fn saliva_window_exceeded_day_9_accepted_day_10_refused() {
        let cases = [(9, true), (10, false)];
        for (days, ok) in cases {
            let v = evaluate(
                &reg(SpecimenType::Saliva, onset_days_before(days)),
                &[],
                now(),
                TZ,
                &quiet(),
            );
            assert_eq!(v.days_since_onset, Some(days));
            assert_eq!(v.accepted(), ok, "day {days}");
        }
    }

    #[test]
    fn saliva_window_exceeded_override_is_kept_as_a_flag_with_its_reason() {
        let mut r = reg(SpecimenType::Saliva, onset_days_before(12));
        r.override_reason = Some("doctor requested; no swab possible");
        let v = evaluate(&r, &[], now(), TZ, &quiet());
        assert!(v.accepted());
        assert_eq!(v.flags[0].code, RuleCode::SalivaWindowExceeded);
        assert_eq!(
            v.flags[0].override_reason.as_deref(),
            Some("doctor requested; no swab possible")
        );
        assert_eq!(codes(&v.warnings), [RuleCode::SalivaWindowExceeded]);
    }

    #[test]
    fn a_blank_override_reason_overrides_nothing() {
        let mut r = reg(SpecimenType::Saliva, onset_days_before(12));
        r.override_reason = Some("   ");
        assert!(!evaluate(&r, &[], now(), TZ, &quiet()).accepted());
    }

    #[test]
    fn serum_timing_cannot_be_overridden() {
        let mut r = reg(SpecimenType::SerumAcute, onset_days_before(8));
        r.override_reason = Some("please");
        let v = evaluate(&r, &[], now(), TZ, &quiet());
        assert_eq!(codes(&v.refusals), [RuleCode::SerumTiming]);
    }

    #[test]
    fn saliva_onset_unknown_is_flagged_or_refused_by_policy() {
        for onset in [Onset::Unknown, Onset::Asymptomatic] {
            let v = evaluate(&reg(SpecimenType::Saliva, onset), &[], now(), TZ, &quiet());
            assert!(v.accepted());
            assert_eq!(v.flags[0].code, RuleCode::SalivaOnsetUnknown);
            let strict = Policy {
                saliva_without_onset: SalivaWithoutOnset::Refuse,
                ..quiet()
            };
            let v = evaluate(&reg(SpecimenType::Saliva, onset), &[], now(), TZ, &strict);
            assert_eq!(codes(&v.refusals), [RuleCode::SalivaOnsetUnknown]);
        }
    }

    #[test]
    fn onset_after_collection_and_collection_in_future_refuse_before_any_other_rule() {
        let v = evaluate(
            &reg(SpecimenType::Saliva, onset_days_before(-1)),
            &[],
            now(),
            TZ,
            &quiet(),
        );
        assert_eq!(codes(&v.refusals), [RuleCode::OnsetAfterCollection]);
        let v = evaluate(
            &reg(SpecimenType::Saliva, onset_days_before(1)),
            &[],
            collected() - Duration::hours(1),
            TZ,
            &quiet(),
        );
        assert_eq!(codes(&v.refusals), [RuleCode::CollectionInFuture]);
    }

    #[test]
    fn no_respiratory_specimen_other_types_warn_without_one_in_the_episode() {
        let r = reg(SpecimenType::Urine, Onset::Unknown);
        let v = evaluate(&r, &[], now(), TZ, &quiet());
        assert_eq!(codes(&v.warnings), [RuleCode::NoRespiratorySpecimen]);
        let swab = SiblingSpecimen {
            specimen_type: SpecimenType::NasopharyngealSwab,
            collected_at: collected() - Duration::days(3),
        };
        assert!(evaluate(&r, &[swab], now(), TZ, &quiet())
            .warnings
            .is_empty());
        let old = SiblingSpecimen {
            collected_at: collected() - Duration::days(15),
            ..swab
        };
        assert_eq!(
            codes(&evaluate(&r, &[old], now(), TZ, &quiet()).warnings),
            [RuleCode::NoRespiratorySpecimen]
        );
    }

    #[test]
    fn ppe_incomplete_policy_applies_at_registration() {
        let strict = Policy {
            ppe: PpePolicy::Require,
            ..Policy::default()
        };
        let v = evaluate(
            &reg(SpecimenType::Sputum, onset_days_before(2)),
            &[],
            now(),
            TZ,
            &strict,
        );
        assert_eq!(codes(&v.refusals), [RuleCode::PpeIncomplete]);
        let worn = [
            PpeItem::N95,
            PpeItem::EyeProtection,
            PpeItem::Gown,
            PpeItem::Gloves,
        ];
        let mut r = reg(SpecimenType::Sputum, onset_days_before(2));
        r.ppe = Some(&worn);
        assert!(evaluate(&r, &[], now(), TZ, &strict).accepted());
    }
}
