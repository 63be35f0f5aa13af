//! Helpers for the modules that test the registration rules (docs/RULES.md) through the
//! HTTP API (`api_rules`, `api_storage`, `api_kits`, `api_packages`,
//! `api_slip_label`): registrations at a given age, notice codes, times.

use crate::common::{collected, registration, TestApp};
use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use serde_json::{json, Value};

/// A registration of `specimen_type` collected `hours_ago` hours ago (whole
/// seconds, so both backends store the instant exactly), with the onset
/// `days_since_onset` days before the collection date in Tokyo. Returns the
/// body and the collection time sent.
pub fn registration_at(
    specimen_id: &str,
    specimen_type: &str,
    hours_ago: i64,
    days_since_onset: i64,
) -> (Value, DateTime<Utc>) {
    let (at, onset) = collected(hours_ago, days_since_onset);
    // Dropping the sub-second part never changes the calendar date.
    let at = at.trunc_subsecs(0);
    let mut body = registration(specimen_id, specimen_type, 0);
    body["collected_at"] = json!(at.to_rfc3339());
    body["onset_date"] = json!(onset.to_string());
    (body, at)
}

/// The same registration for another patient number (patients are told
/// apart by `patient_id`).
pub fn for_patient(mut body: Value, patient_id: &str) -> Value {
    body["patient"]["patient_id"] = json!(patient_id);
    body
}

/// The codes of a list of notices or flags (`[{"code": …}, …]`), in order.
pub fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("expected a list of notices, got {list}"))
        .iter()
        .map(|n| {
            n["code"]
                .as_str()
                .unwrap_or_else(|| panic!("notice without a code: {n}"))
                .to_string()
        })
        .collect()
}

/// An RFC 3339 time in a response, as UTC.
pub fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(
        v.as_str()
            .unwrap_or_else(|| panic!("expected an RFC 3339 time, got {v}")),
    )
    .unwrap_or_else(|e| panic!("{v}: {e}"))
    .with_timezone(&Utc)
}

/// Today's date in Tokyo.
pub fn tokyo_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
}

pub fn minutes(m: i64) -> Duration {
    Duration::minutes(m)
}

pub fn hours(h: i64) -> Duration {
    Duration::hours(h)
}

/// Registers and insists on 201.
pub async fn register_ok(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, res) = app.register(token, body).await;
    assert_eq!(status, 201, "registration refused: {res}");
    res
}

/// Scans `specimen_id` into `location` at `at`.
pub async fn store_at(
    app: &TestApp,
    token: &str,
    specimen_id: &str,
    location: &str,
    at: DateTime<Utc>,
) -> (u16, Value) {
    app.post(
        &format!("/api/v1/specimens/{specimen_id}/storage"),
        token,
        &json!({"location": location, "at": at.to_rfc3339()}),
    )
    .await
}

/// Scans into storage and insists on 201; returns the warning codes and the body.
pub async fn store_ok(
    app: &TestApp,
    token: &str,
    specimen_id: &str,
    location: &str,
    at: DateTime<Utc>,
) -> (Vec<String>, Value) {
    let (status, body) = store_at(app, token, specimen_id, location, at).await;
    assert_eq!(
        status, 201,
        "storage of {specimen_id} in {location}: {body}"
    );
    (codes(&body["warnings"]), body)
}

pub async fn specimen(app: &TestApp, specimen_id: &str) -> Value {
    let (status, body) = app
        .get(&format!("/api/v1/specimens/{specimen_id}"), &app.admin)
        .await;
    assert_eq!(status, 200, "GET {specimen_id}: {body}");
    body
}

/// The name of the user holding `token`.
pub async fn user_name(app: &TestApp, token: &str) -> String {
    let (status, body) = app.get("/api/v1/me", token).await;
    assert_eq!(status, 200, "{body}");
    body["name"].as_str().expect("name").to_string()
}

/// Asserts an error answer: status and `error.code`.
#[track_caller]
pub fn assert_error(status: u16, body: &Value, want_status: u16, want_code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["error"]["code"], want_code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error without a message: {body}"
    );
}
