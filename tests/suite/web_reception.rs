//! The reception station page (`/stations/{name}`): what it opens with and
//! what each role sees. The live part (refusals beside the button, the
//! reset after a registration) is driven in Chromium by `tests/e2e/run.mjs`.

use crate::common::{registration, spawn_app_with, with_stations, TestApp};
use kentai::domain::roles::Role;
use serde_json::{json, Value};

/// The JSON the page gives its script.
fn page_data(html: &str) -> Value {
    let start = html.find("id=\"kentai-data\">").expect("page data") + 17;
    let end = start + html[start..].find("</script>").expect("end of data");
    serde_json::from_str(&html[start..end]).expect("page data is JSON")
}

async fn reception_page(app: &TestApp, token: &str) -> String {
    let session = app.sign_in(token).await;
    let (status, html) = app.page(&session, "/stations/reception-1").await;
    assert_eq!(status, 200);
    html
}

#[tokio::test]
async fn the_page_opens_with_the_desks_draft_as_it_is_now_not_as_the_last_scan_left_it() {
    let app = spawn_app_with(with_stations).await;
    let clerk = app.token(Role::Reception);
    app.scan(&clerk, "reception-1", "P-000901").await;
    app.scan(&clerk, "reception-1", "T-0901").await;
    let data = page_data(&reception_page(&app, &clerk).await);
    assert_eq!(data["draft"]["patient"], "P-000901", "{}", data["draft"]);
    assert_eq!(data["draft"]["specimen_id"], "T-0901");
    assert!(
        data["draft"]["tube_scanned_at"].is_string(),
        "the form's collection time"
    );
    assert!(data["draft"]["expires_at"].is_string());

    let mut body = registration("T-0901", "saliva", 3);
    body["patient"]["patient_id"] = json!("P-000901");
    let (status, _) = app.register(&clerk, &body).await;
    assert_eq!(status, 201);
    let data = page_data(&reception_page(&app, &clerk).await);
    // The journal's last scan still shows the filled draft; the page does not.
    assert_eq!(
        data["recent"][1]["outcome"]["draft"]["specimen_id"],
        "T-0901"
    );
    assert!(data["draft"]["patient"].is_null(), "{}", data["draft"]);
    assert!(data["draft"]["specimen_id"].is_null(), "{}", data["draft"]);
}

#[tokio::test]
async fn the_start_over_button_is_there_for_everyone_and_the_override_field_only_for_lab_and_admin()
{
    let app = spawn_app_with(with_stations).await;
    for (role, overrides) in [
        (Role::Reception, false),
        (Role::Lab, true),
        (Role::Admin, true),
    ] {
        let token = app.token(role);
        let html = reception_page(&app, &token).await;
        assert!(
            html.contains("id=\"start-over\"") && html.contains("やり直し"),
            "{role:?}: the start-over button"
        );
        assert!(html.contains("aria-describedby=\"start-over-hint\""));
        assert!(
            html.contains(
                "id=\"reg-error\" class=\"error\" role=\"alert\" aria-live=\"assertive\""
            ),
            "{role:?}: the refusal's place beside the button"
        );
        assert_eq!(
            html.contains("id=\"reg-override\""),
            overrides,
            "{role:?}: the override field"
        );
        let data = page_data(&html);
        assert_eq!(data["form"]["may_override"], overrides);
        assert_eq!(
            data["form"]["rule_fields"]["saliva_window_exceeded"],
            json!(["type", "onset_date"])
        );
        assert_eq!(
            data["form"]["rule_fields"]["collection_in_future"],
            json!(["collected_at"])
        );
        assert_eq!(data["form"]["field_ids"]["kit"], "reg-kit-view");
        // The refusal comes before the button, in reading and tab order.
        let error = html.find("id=\"reg-error\"").expect("refusal");
        let button = html.find("id=\"reg-submit\"").expect("button");
        assert!(error < button);
    }
}
