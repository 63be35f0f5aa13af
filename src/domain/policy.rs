//! Site policy: every limit the rules leave to the site (docs/RULES.md),
//! with its default.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SalivaWithoutOnset {
    /// Accepted, and flagged in every report.
    AcceptFlagged,
    Refuse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PpePolicy {
    Off,
    Warn,
    Require,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Last day since onset on which saliva is accepted (`saliva_window_exceeded`).
    pub saliva_max_days: i64,
    pub saliva_without_onset: SalivaWithoutOnset,
    /// Hours unfrozen after collection before transport must have started (`storage_deadline_exceeded`).
    pub fridge_max_hours: i64,
    /// Minutes a respiratory specimen may stay at room temperature (`ambient_too_long`).
    pub ambient_grace_minutes: i64,
    /// How far ahead a freeze-or-ship deadline becomes an alert.
    pub alert_lead_hours: i64,
    pub report_negatives: bool,
    pub has_minus80_freezer: bool,
    pub ppe: PpePolicy,
    /// Days apart two specimens of one patient still count as one episode.
    pub episode_days: i64,
    /// Clock skew tolerated before a collection time counts as in the future.
    pub future_tolerance_minutes: i64,
    /// Who releases a result to the reports (`same_person_release`): `on_entry`, or
    /// `second_person` (another user releases each entered result).
    pub result_release: super::results::ReleasePolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            saliva_max_days: 9,
            saliva_without_onset: SalivaWithoutOnset::AcceptFlagged,
            fridge_max_hours: 48,
            ambient_grace_minutes: 60,
            alert_lead_hours: 12,
            report_negatives: true,
            has_minus80_freezer: true,
            ppe: PpePolicy::Warn,
            episode_days: 14,
            future_tolerance_minutes: 5,
            result_release: super::results::ReleasePolicy::OnEntry,
        }
    }
}
