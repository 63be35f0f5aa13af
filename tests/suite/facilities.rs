//! Two clinics on one database, as a network shares a PostgreSQL server:
//! each server serves its own facility, and neither reads, changes or even
//! confirms the other's patients, specimens, locations, packages, users or
//! audit entries. Each test is an attack one clinic's staff could try on
//! the other's records.

use crate::common;
use crate::common::{registration, spawn_app, TestApp};
use kentai::domain::roles::Role;
use serde_json::json;

const CLINIC_B: &str = "1320000002";

/// Clinic A (the usual test site) and clinic B on the same database, with
/// one tube registered at A.
async fn two_clinics() -> (TestApp, TestApp) {
    let a = spawn_app().await;
    let b = a.neighbour(CLINIC_B).await;
    let reception = a.token(Role::Reception);
    let (status, body) = a
        .register(&reception, &registration("A-0001", "saliva", 2))
        .await;
    assert_eq!(status, 201, "{body}");
    (a, b)
}

/// The day of the collections `registration` makes (an hour ago): in the
/// first hour after midnight at the site, yesterday.
fn today() -> String {
    crate::common::collected(1, 0)
        .0
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
        .to_string()
}

#[tokio::test]
async fn a_token_of_clinic_a_is_refused_by_clinic_b() {
    let (a, b) = two_clinics().await;
    let reception_a = a.token(Role::Reception);
    for token in [&a.admin, &reception_a] {
        let (status, body) = b.get("/api/v1/specimens", token).await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    // The same tokens still work at home.
    let (status, _) = a.get("/api/v1/specimens", &reception_a).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn clinic_b_cannot_read_or_touch_clinic_a_tube_by_its_id() {
    let (a, b) = two_clinics().await;
    let reception_b = b.token(Role::Reception);
    let lab_b = b.token(Role::Lab);

    let (status, body) = b.get("/api/v1/specimens/A-0001", &reception_b).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "unknown_specimen");
    assert!(!body.to_string().contains("山田"), "{body}");

    let (status, list) = b.get("/api/v1/specimens", &reception_b).await;
    assert_eq!(status, 200);
    assert!(!list.to_string().contains("A-0001"), "{list}");

    b.location("B-FRIDGE", "fridge_4c").await;
    let (status, body) = b
        .post(
            "/api/v1/specimens/A-0001/storage",
            &reception_b,
            &json!({"location": "B-FRIDGE"}),
        )
        .await;
    assert_eq!(status, 404, "{body}");

    let (status, body) = b
        .post(
            "/api/v1/specimens/A-0001/results",
            &lab_b,
            &json!({"result": "negative", "resulted_at": kentai::actions::now().to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 404, "{body}");

    let (status, alerts) = b.get("/api/v1/alerts", &reception_b).await;
    assert_eq!(status, 200);
    assert!(!alerts.to_string().contains("A-0001"), "{alerts}");

    // Nothing of A's changed.
    assert_eq!(a.count("storage_events"), 0);
    assert_eq!(a.count("results"), 0);
}

#[tokio::test]
async fn a_taken_tube_id_is_a_conflict_at_the_other_clinic_never_a_disclosure() {
    let (_a, b) = two_clinics().await;
    let reception_b = b.token(Role::Reception);
    // The identical body would be "the stored record" at home; here it is
    // only "taken", without A's patient.
    let (status, body) = b
        .register(&reception_b, &registration("A-0001", "saliva", 2))
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "duplicate_specimen");
    assert!(!body.to_string().contains("山田"), "{body}");
}

#[tokio::test]
async fn clinic_b_reports_only_its_own_day_and_may_not_ask_for_clinic_a() {
    let (a, b) = two_clinics().await;
    let reception_b = b.token(Role::Reception);
    let (status, _) = b
        .register(&reception_b, &registration("B-0001", "saliva", 2))
        .await;
    assert_eq!(status, 201);
    let health = b.token(Role::HealthCentre);

    let (status, report) = b
        .get(
            &format!("/api/v1/reports/hersys?date={}&format=json", today()),
            &health,
        )
        .await;
    assert_eq!(status, 200, "{report}");
    let ids: Vec<&str> = report["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["specimen_id"].as_str())
        .collect();
    assert_eq!(ids, ["B-0001"]);

    let a_code = a.ctx.facility().to_string();
    let (status, body) = b
        .get(
            &format!(
                "/api/v1/reports/hersys?date={}&format=json&facility={a_code}",
                today()
            ),
            &health,
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    let (status, _) = b
        .get(
            &format!("/api/v1/reports/summary?date={}&facility={a_code}", today()),
            &health,
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_health_centre_user_reads_the_clinics_it_is_granted_and_no_other() {
    let (a, b) = two_clinics().await;
    let (status, granted) = a
        .post(
            "/api/v1/users",
            &a.admin,
            &json!({"name": "hokenjo", "role": "health_centre", "facilities": [CLINIC_B]}),
        )
        .await;
    assert_eq!(status, 201, "{granted}");
    assert_eq!(granted["user"]["facilities"], json!([CLINIC_B]));
    let granted = granted["token"].as_str().expect("token").to_string();
    let plain = a.token(Role::HealthCentre);

    let report = format!("/api/v1/reports/hersys?date={}&format=json", today());
    let (status, _) = b.get(&report, &granted).await;
    assert_eq!(status, 200, "granted clinic B");
    let (status, _) = a.get(&report, &granted).await;
    assert_eq!(status, 200, "its own facility");
    let (status, _) = b.get(&report, &plain).await;
    assert_eq!(status, 401, "not granted clinic B");

    // Only a health centre's user is granted other facilities.
    let (status, body) = a
        .post(
            "/api/v1/users",
            &a.admin,
            &json!({"name": "clerk-x", "role": "reception", "facilities": [CLINIC_B]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_input");
}

#[tokio::test]
async fn clinic_b_admin_neither_lists_nor_disables_clinic_a_users() {
    let (a, b) = two_clinics().await;
    let (a_user, _) = a.api_user("suzuki", "reception").await;
    let (status, list) = b.get("/api/v1/users", &b.admin).await;
    assert_eq!(status, 200);
    assert!(!list.to_string().contains("suzuki"), "{list}");
    let (status, body) = b.set_disabled(&b.admin, a_user, true).await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = b
        .post(
            &format!("/api/v1/users/{a_user}/token"),
            &b.admin,
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    // A user name is unique across the database: B cannot take "suzuki".
    let (status, _) = b
        .post(
            "/api/v1/users",
            &b.admin,
            &json!({"name": "suzuki", "role": "reception"}),
        )
        .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn clinic_b_audit_log_holds_none_of_clinic_a_patients() {
    let (_a, b) = two_clinics().await;
    let (status, entries) = b.get("/api/v1/audit?limit=500", &b.admin).await;
    assert_eq!(status, 200, "{entries}");
    let text = entries.to_string();
    assert!(!text.contains("A-0001"), "{text}");
    assert!(!text.contains("山田"), "{text}");
}

#[tokio::test]
async fn clinic_a_locations_and_packages_do_not_exist_for_clinic_b() {
    let (a, b) = two_clinics().await;
    a.location("A-FRIDGE", "fridge_4c").await;
    let lab_a = a.token(Role::Lab);
    let (status, package) = a
        .post(
            "/api/v1/packages",
            &lab_a,
            &json!({"consignee": {"name": "衛生研究所", "address": "東京都", "phone": "03-1111-1111"},
                    "carrier": "official_vehicle"}),
        )
        .await;
    assert_eq!(status, 201, "{package}");
    let package_id = package["package_id"]
        .as_str()
        .expect("package id")
        .to_string();

    let reception_b = b.token(Role::Reception);
    let lab_b = b.token(Role::Lab);
    let (status, _) = b
        .register(&reception_b, &registration("B-0002", "saliva", 2))
        .await;
    assert_eq!(status, 201);
    let (status, body) = b
        .post(
            "/api/v1/specimens/B-0002/storage",
            &reception_b,
            &json!({"location": "A-FRIDGE"}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "unknown_location");
    let (status, locations) = b.get("/api/v1/locations", &reception_b).await;
    assert_eq!(status, 200);
    assert!(!locations.to_string().contains("A-FRIDGE"), "{locations}");
    // The code is taken on the shared database: B cannot make its own.
    let (status, _) = b
        .post(
            "/api/v1/locations",
            &b.admin,
            &json!({"code": "A-FRIDGE", "name": "冷蔵庫", "storage_class": "fridge_4c"}),
        )
        .await;
    assert_eq!(status, 409);

    let (status, body) = b
        .post(
            &format!("/api/v1/packages/{package_id}/specimens"),
            &lab_b,
            &json!({"specimen_id": "B-0002"}),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "unknown_package");
    let (status, packages) = b.get("/api/v1/packages", &lab_b).await;
    assert_eq!(status, 200);
    assert!(!packages.to_string().contains(&package_id), "{packages}");
}

#[tokio::test]
async fn a_scan_of_clinic_a_tube_at_clinic_b_desk_is_unknown_there() {
    let a = common::spawn_app_with(common::with_stations).await;
    let b = a.neighbour(CLINIC_B).await;
    let reception_a = a.token(Role::Reception);
    let (status, _) = a
        .register(&reception_a, &registration("A-0009", "saliva", 2))
        .await;
    assert_eq!(status, 201);
    let station = a.ctx.config.stations[0].name.clone();
    let reception_b = b.token(Role::Reception);
    let (status, body) = b.scan(&reception_b, &station, "A-0009").await;
    assert_eq!(status, 201, "{body}");
    let outcome = body["outcome"].to_string();
    assert!(!outcome.contains("山田"), "{outcome}");
    // To B's desk it is a tube never seen: a new registration begins,
    // which B cannot complete under A's id (409, as above).
    assert!(body["outcome"]["draft"]["patient"].is_null(), "{outcome}");
    assert!(outcome.contains("新しい採取管"), "{outcome}");
    // B's journal listing shows B's scans only, and A's none of B's.
    let (status, scans) = a.get("/api/v1/scans", &a.admin).await;
    assert_eq!(status, 200);
    assert!(!scans.to_string().contains("A-0009"), "{scans}");
}

#[tokio::test]
async fn rows_from_before_facilities_are_adopted_by_the_site_that_starts_first() {
    // A site that ran without a facility code holds rows with '' ...
    let unset = common::spawn_app_with(|c| c.site.facility_code = String::new()).await;
    let reception = unset.token(Role::Reception);
    let (status, _) = unset
        .register(&reception, &registration("OLD-1", "saliva", 2))
        .await;
    assert_eq!(status, 201);
    unset.location("OLD-FRIDGE", "fridge_4c").await;
    // ... and its first start with a code gives them all to that facility.
    let mut config = (*unset.ctx.config).clone();
    config.bind = "127.0.0.1:0".into();
    config.site.facility_code = "1330000003".into();
    let ctx = kentai::actions::Ctx::new(unset.ctx.store.clone(), config).expect("ctx");
    let moved = kentai::actions::users::adopt_unassigned(&ctx).expect("adopt");
    assert!(moved >= 4, "users, patient, specimen, location: {moved}");
    let specimen =
        kentai::actions::specimens::get(&ctx, &kentai::actions::Actor::system(), "OLD-1")
            .expect("the adopting facility reads its old tube");
    assert_eq!(specimen.facility_code, "1330000003");
    assert_eq!(
        kentai::actions::users::adopt_unassigned(&ctx).expect("again"),
        0
    );
}
