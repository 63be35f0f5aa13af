//! Storage temperature until transport (【検体輸送まで】; docs/RULES.md, storage).
//!
//! A specimen's storage history is a list of placements (a location's class
//! from a moment on). Before its first placement a specimen counts as at
//! room temperature: it has just been collected and nobody has put it on
//! ice yet. Everything here is computed from that history and `now`.

use super::codes::{Decision, Notice, RuleCode};
use super::messages::RuleMsg;
use super::policy::Policy;
use super::specimen_type::SpecimenType;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StorageClass {
    Ambient,
    #[serde(rename = "fridge_4c")]
    Fridge4c,
    #[serde(rename = "frozen_minus20")]
    FrozenMinus20,
    #[serde(rename = "frozen_minus80")]
    FrozenMinus80,
}

impl StorageClass {
    pub const ALL: [StorageClass; 4] = [
        StorageClass::Ambient,
        StorageClass::Fridge4c,
        StorageClass::FrozenMinus20,
        StorageClass::FrozenMinus80,
    ];

    pub fn code(self) -> &'static str {
        match self {
            StorageClass::Ambient => "ambient",
            StorageClass::Fridge4c => "fridge_4c",
            StorageClass::FrozenMinus20 => "frozen_minus20",
            StorageClass::FrozenMinus80 => "frozen_minus80",
        }
    }

    pub fn from_code(code: &str) -> Option<StorageClass> {
        StorageClass::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn is_frozen(self) -> bool {
        matches!(
            self,
            StorageClass::FrozenMinus20 | StorageClass::FrozenMinus80
        )
    }

    /// Nominal temperature, for timelines and slips.
    pub fn nominal_celsius(self) -> i32 {
        match self {
            StorageClass::Ambient => 20,
            StorageClass::Fridge4c => 4,
            StorageClass::FrozenMinus20 => -20,
            StorageClass::FrozenMinus80 => -80,
        }
    }

    pub fn label_ja(self) -> &'static str {
        super::labels::storage_class_ja(self)
    }
}

/// From `at` on, the specimen is kept at `class`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub class: StorageClass,
    pub at: DateTime<Utc>,
}

/// The class the specimen is in at the end of `history` (ambient before any).
pub fn current_class(history: &[Placement]) -> StorageClass {
    history.last().map_or(StorageClass::Ambient, |p| p.class)
}

/// Stretches of the history as (class, from, to), starting at collection;
/// the last stretch ends at `until`.
fn stretches(
    collected_at: DateTime<Utc>,
    history: &[Placement],
    until: DateTime<Utc>,
) -> Vec<(StorageClass, DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::with_capacity(history.len() + 1);
    let mut class = StorageClass::Ambient;
    let mut from = collected_at;
    for p in history {
        let at = p.at.max(collected_at);
        if at >= until {
            break;
        }
        out.push((class, from, at));
        class = p.class;
        from = at;
    }
    if until > from {
        out.push((class, from, until));
    }
    out
}

/// Time spent unfrozen since collection, up to `until`.
pub fn unfrozen_duration(
    collected_at: DateTime<Utc>,
    history: &[Placement],
    until: DateTime<Utc>,
) -> Duration {
    stretches(collected_at, history, until)
        .into_iter()
        .filter(|(class, _, _)| !class.is_frozen())
        .map(|(_, from, to)| to - from)
        .fold(Duration::zero(), |a, b| a + b)
}

/// "Freeze or ship by": the moment the unfrozen time since collection reaches
/// `fridge_max_hours` (48 h). `None` while the specimen is frozen (the clock
/// is stopped) — it runs again, where it left off, if it thaws.
pub fn freeze_or_ship_by(
    collected_at: DateTime<Utc>,
    history: &[Placement],
    policy: &Policy,
) -> Option<DateTime<Utc>> {
    if current_class(history).is_frozen() {
        return None;
    }
    let since = history
        .last()
        .map_or(collected_at, |p| p.at.max(collected_at));
    let spent = unfrozen_duration(collected_at, history, since);
    Some(since + (Duration::hours(policy.fridge_max_hours) - spent))
}

/// True when the specimen has spent `fridge_max_hours` or more unfrozen by
/// `at`: it should have been frozen or shipped (dispatch is refused).
pub fn deadline_exceeded(
    collected_at: DateTime<Utc>,
    history: &[Placement],
    at: DateTime<Utc>,
    policy: &Policy,
) -> bool {
    unfrozen_duration(collected_at, history, at) >= Duration::hours(policy.fridge_max_hours)
}

/// Freeze–thaw cycles: every move from a frozen class to an unfrozen one.
pub fn freeze_thaw_count(history: &[Placement]) -> usize {
    history
        .windows(2)
        .filter(|w| w[0].class.is_frozen() && !w[1].class.is_frozen())
        .count()
}

/// Length of the room-temperature stretch that is under way at `at`
/// (zero when the specimen is not at room temperature).
fn ambient_stretch(
    collected_at: DateTime<Utc>,
    history: &[Placement],
    at: DateTime<Utc>,
) -> Duration {
    match stretches(collected_at, history, at).last() {
        Some((StorageClass::Ambient, from, to)) => *to - *from,
        _ => Duration::zero(),
    }
}

/// Everything the storage rules say about placing a specimen somewhere new.
/// Impossible input (before collection, out of order, in the future) is
/// refused as `invalid_input`; −20 °C at a site with a −80 °C freezer is
/// refused as `minus20_fallback` (overridable with a reason); the other
/// temperature rules warn, because the tube exists and must be stored
/// somewhere whatever happened to it.
pub fn check_placement(
    t: SpecimenType,
    collected_at: DateTime<Utc>,
    history: &[Placement],
    new: Placement,
    now: DateTime<Utc>,
    policy: &Policy,
) -> Vec<Decision> {
    let refuse = |m: RuleMsg| vec![Decision::Refuse(Notice::new(RuleCode::InvalidInput, m))];
    let at = new.at.fixed_offset();
    if new.at < collected_at {
        return refuse(RuleMsg::StorageBeforeCollection {
            at,
            collected: collected_at.fixed_offset(),
        });
    }
    if new.at > now + Duration::minutes(policy.future_tolerance_minutes) {
        return refuse(RuleMsg::StorageInFuture { at });
    }
    if let Some(last) = history.last() {
        if new.at < last.at {
            return refuse(RuleMsg::StorageBeforeLast {
                at,
                last: last.at.fixed_offset(),
            });
        }
    }

    let mut out = Vec::new();
    let previous = current_class(history);
    let warn = |code, m: RuleMsg| Decision::Warn(Notice::new(code, m));

    if t.is_respiratory() {
        let ambient = ambient_stretch(collected_at, history, new.at);
        if ambient > Duration::minutes(policy.ambient_grace_minutes) {
            out.push(warn(
                RuleCode::AmbientTooLong,
                RuleMsg::AmbientTooLong {
                    minutes: ambient.num_minutes(),
                    grace: policy.ambient_grace_minutes,
                },
            ));
        }
    }
    if previous.is_frozen() && !new.class.is_frozen() {
        let cycles = freeze_thaw_count(history) + 1;
        out.push(warn(
            RuleCode::FreezeThaw,
            RuleMsg::FreezeThaw {
                class: new.class,
                cycle: i64::try_from(cycles).unwrap_or(i64::MAX),
            },
        ));
    }
    if new.class == StorageClass::FrozenMinus20 {
        // −20 °C is the manual's fallback for sites without −80 °C; where
        // there is one, −20 °C is refused unless a reason is written.
        out.push(if policy.has_minus80_freezer {
            Decision::Refuse(Notice::new(
                RuleCode::Minus20Fallback,
                RuleMsg::Minus20Refused,
            ))
        } else {
            warn(RuleCode::Minus20Fallback, RuleMsg::Minus20Flagged)
        });
    }
    if t.home_storage() == StorageClass::FrozenMinus80 && !new.class.is_frozen() {
        out.push(warn(
            RuleCode::WrongStorageClass,
            RuleMsg::WrongStorageClass {
                specimen_type: t,
                class: new.class,
            },
        ));
    }
    if !new.class.is_frozen() && deadline_exceeded(collected_at, history, new.at, policy) {
        out.push(warn(
            RuleCode::StorageDeadlineExceeded,
            RuleMsg::StorageDeadlineExceeded {
                hours: policy.fridge_max_hours,
            },
        ));
    }
    out
}

/// An alert on the lab's list (GET /alerts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageAlert {
    pub code: RuleCode,
    pub due_at: DateTime<Utc>,
}

/// Alerts for a specimen that has not started transport: the freeze-or-ship
/// deadline within `alert_lead_hours` (or past), and a respiratory specimen
/// still at room temperature past the grace period.
pub fn alerts(
    t: SpecimenType,
    collected_at: DateTime<Utc>,
    history: &[Placement],
    now: DateTime<Utc>,
    policy: &Policy,
) -> Vec<StorageAlert> {
    let mut out = Vec::new();
    if let Some(due_at) = freeze_or_ship_by(collected_at, history, policy) {
        if due_at - now <= Duration::hours(policy.alert_lead_hours) {
            let code = if due_at <= now {
                RuleCode::StorageDeadlineExceeded
            } else {
                RuleCode::FreezeOrShipDue
            };
            out.push(StorageAlert { code, due_at });
        }
    }
    if t.is_respiratory() && current_class(history) == StorageClass::Ambient {
        let started = history
            .last()
            .map_or(collected_at, |p| p.at.max(collected_at));
        let due_at = started + Duration::minutes(policy.ambient_grace_minutes);
        if due_at <= now {
            out.push(StorageAlert {
                code: RuleCode::AmbientTooLong,
                due_at,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
    }
    fn h(hours: i64) -> DateTime<Utc> {
        t0() + Duration::hours(hours)
    }
    fn m(minutes: i64) -> DateTime<Utc> {
        t0() + Duration::minutes(minutes)
    }
    fn at(class: StorageClass, when: DateTime<Utc>) -> Placement {
        Placement { class, at: when }
    }
    fn codes(ds: &[Decision]) -> Vec<RuleCode> {
        ds.iter().filter_map(Decision::code).collect()
    }
    use StorageClass::*;

    #[test]
    fn storage_deadline_exceeded_the_48_hour_clock_runs_from_collection() {
        let p = Policy::default();
        let fridge = [at(Fridge4c, m(10))];
        assert_eq!(freeze_or_ship_by(t0(), &fridge, &p), Some(h(48)));
        assert_eq!(freeze_or_ship_by(t0(), &[], &p), Some(h(48)));
        let cases = [
            (h(48) - Duration::minutes(1), false), // 47 h 59 min
            (h(48), true),
            (h(72), true),
        ];
        for (when, exceeded) in cases {
            assert_eq!(
                deadline_exceeded(t0(), &fridge, when, &p),
                exceeded,
                "{when}"
            );
        }
    }

    #[test]
    fn storage_deadline_exceeded_freezing_stops_the_clock_and_thawing_resumes_it() {
        let p = Policy::default();
        let frozen = [at(Fridge4c, h(1)), at(FrozenMinus80, h(10))];
        assert_eq!(freeze_or_ship_by(t0(), &frozen, &p), None);
        assert!(!deadline_exceeded(t0(), &frozen, h(500), &p));
        let thawed = [
            at(Fridge4c, h(1)),
            at(FrozenMinus80, h(10)),
            at(Fridge4c, h(100)),
        ];
        // 10 h spent unfrozen before freezing; 38 h left from the thaw.
        assert_eq!(freeze_or_ship_by(t0(), &thawed, &p), Some(h(138)));
        assert_eq!(freeze_thaw_count(&thawed), 1);
    }

    #[test]
    fn storage_deadline_exceeded_fridge_limit_is_site_policy() {
        let p = Policy {
            fridge_max_hours: 24,
            ..Policy::default()
        };
        assert_eq!(
            freeze_or_ship_by(t0(), &[at(Fridge4c, h(2))], &p),
            Some(h(24))
        );
    }

    #[test]
    fn ambient_too_long_respiratory_ambient_past_grace_warns() {
        let p = Policy::default();
        let cases = [(60, false), (61, true)];
        for (minutes, warned) in cases {
            let ds = check_placement(
                SpecimenType::Saliva,
                t0(),
                &[],
                at(Fridge4c, m(minutes)),
                h(100),
                &p,
            );
            assert_eq!(
                codes(&ds).contains(&RuleCode::AmbientTooLong),
                warned,
                "{minutes} min"
            );
        }
        // Not respiratory: no ambient rule (but it belongs at −80 °C).
        let ds = check_placement(
            SpecimenType::Urine,
            t0(),
            &[],
            at(FrozenMinus80, m(200)),
            h(100),
            &p,
        );
        assert!(codes(&ds).is_empty());
    }

    #[test]
    fn freeze_thaw_a_thaw_is_a_freeze_thaw_cycle() {
        let p = Policy::default();
        let history = [at(Fridge4c, m(10)), at(FrozenMinus80, h(2))];
        let ds = check_placement(
            SpecimenType::Sputum,
            t0(),
            &history,
            at(Fridge4c, h(5)),
            h(100),
            &p,
        );
        assert_eq!(codes(&ds), [RuleCode::FreezeThaw]);
        // −80 → −20 stays frozen: not a thaw, but the −20 fallback.
        let ds = check_placement(
            SpecimenType::Sputum,
            t0(),
            &history,
            at(FrozenMinus20, h(5)),
            h(100),
            &p,
        );
        assert_eq!(codes(&ds), [RuleCode::Minus20Fallback]);
        assert!(ds[0].is_refusal(), "the site has a −80 °C freezer");
    }

    #[test]
    fn minus20_fallback_is_refused_with_a_minus_80_freezer_and_flagged_without() {
        for (has, refused) in [(true, true), (false, false)] {
            let p = Policy {
                has_minus80_freezer: has,
                ..Policy::default()
            };
            for t in [SpecimenType::SerumAcute, SpecimenType::Saliva] {
                let ds = check_placement(t, t0(), &[], at(FrozenMinus20, m(30)), h(100), &p);
                assert_eq!(
                    codes(&ds),
                    [RuleCode::Minus20Fallback],
                    "{t:?} has -80: {has}"
                );
                assert_eq!(ds[0].is_refusal(), refused, "{t:?} has -80: {has}");
            }
        }
    }

    #[test]
    fn wrong_storage_class_other_types_out_of_the_freezer_warn() {
        let p = Policy::default();
        let ds = check_placement(
            SpecimenType::WholeBlood,
            t0(),
            &[],
            at(Fridge4c, m(30)),
            h(100),
            &p,
        );
        assert_eq!(codes(&ds), [RuleCode::WrongStorageClass]);
    }

    #[test]
    fn storage_deadline_exceeded_storing_unfrozen_past_48_hours_warns() {
        let p = Policy::default();
        let history = [at(Fridge4c, m(10))];
        let cases = [(h(48) - Duration::minutes(1), false), (h(48), true)];
        for (when, warned) in cases {
            let ds = check_placement(
                SpecimenType::NasopharyngealSwab,
                t0(),
                &history,
                at(Fridge4c, when),
                h(100),
                &p,
            );
            assert_eq!(
                codes(&ds).contains(&RuleCode::StorageDeadlineExceeded),
                warned,
                "{when}"
            );
        }
        let ds = check_placement(
            SpecimenType::NasopharyngealSwab,
            t0(),
            &history,
            at(FrozenMinus80, h(60)),
            h(100),
            &p,
        );
        assert!(
            codes(&ds).is_empty(),
            "freezing late is the right thing to do"
        );
    }

    #[test]
    fn impossible_placements_are_refused() {
        let p = Policy::default();
        let history = [at(Fridge4c, h(2))];
        let cases = [
            at(Fridge4c, t0() - Duration::minutes(1)),
            at(Fridge4c, h(1)),
            at(Fridge4c, h(200)),
        ];
        for new in cases {
            let ds = check_placement(SpecimenType::Saliva, t0(), &history, new, h(100), &p);
            assert!(
                matches!(ds.as_slice(), [Decision::Refuse(n)] if n.code == RuleCode::InvalidInput),
                "{new:?}"
            );
        }
    }

    #[test]
    fn alerts_come_within_the_lead_time_and_after_the_deadline() {
        let p = Policy::default();
        let history = [at(Fridge4c, m(10))];
        let cases = [
            (h(35) + Duration::minutes(59), None),
            (h(36), Some(RuleCode::FreezeOrShipDue)),
            (h(48), Some(RuleCode::StorageDeadlineExceeded)),
        ];
        for (now, code) in cases {
            let a = alerts(SpecimenType::Saliva, t0(), &history, now, &p);
            assert_eq!(a.first().map(|a| a.code), code, "{now}");
            if code.is_some() {
                assert_eq!(a[0].due_at, h(48));
            }
        }
        assert!(alerts(
            SpecimenType::Saliva,
            t0(),
            &[at(FrozenMinus80, h(1))],
            h(60),
            &p
        )
        .is_empty());
        let ambient = alerts(SpecimenType::Saliva, t0(), &[], m(61), &p);
        assert_eq!(
            ambient.iter().map(|a| a.code).collect::<Vec<_>>(),
            [RuleCode::AmbientTooLong]
        );
    }
}
