mod common;

use common::*;
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
