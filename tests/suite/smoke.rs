//! The shortest path through kentai: register a tube, read it back.

use crate::common::*;
use kentai::domain::roles::Role;

#[tokio::test]
async fn a_registered_specimen_can_be_read_back() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let (status, body) = app
        .register(&reception, &registration("T-1", "saliva", 3))
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["specimen"]["days_since_onset"], 3);
    let (status, body) = app.get("/api/v1/specimens/T-1", &reception).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["type"], "saliva");
}

#[tokio::test]
async fn the_sample_registration_in_fixtures_is_accepted_as_it_stands() {
    let app = spawn_app().await;
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/sample-registration.json"
    );
    let sample: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (status, body) = app.register(&app.admin, &sample).await;
    assert_eq!(status, 201, "{body}");
    let s = &body["specimen"];
    assert_eq!(s["type_label_ja"], "鼻咽頭ぬぐい液");
    assert_eq!(s["days_since_onset"], 3);
    assert_eq!(s["freeze_or_ship_by"], "2026-11-23T09:30:00+09:00");
    assert_eq!(body["warnings"], serde_json::json!([]));
}
