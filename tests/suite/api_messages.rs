//! Every word a person reads comes from one catalogue: the API's
//! `message` is Japanese unless the caller asks for English (`?lang=en` or
//! `Accept-Language: en`), warnings stored at registration read in the
//! language of whoever reads them later, and a station's event stream
//! speaks its listener's language.

use crate::common::{registration, spawn_app, spawn_app_with, with_stations};
use kentai::domain::roles::Role;
use serde_json::{json, Value};
use std::time::Duration;

/// Holds at least one kana or kanji.
fn japanese(text: &str) -> bool {
    text.chars()
        .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn message(res: &Value) -> String {
    res["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn a_refusal_reads_in_japanese_by_default_and_in_english_when_asked() {
    let app = spawn_app().await;
    let body = registration("SAL-10", "saliva", 10);
    let (status, ja) = app.register(&app.admin, &body).await;
    assert_eq!(status, 422, "{ja}");
    assert!(message(&ja).contains("発症後10日目の唾液です"), "{ja}");
    assert!(
        ja["error"]["refusals"][0]["message"]
            .as_str()
            .is_some_and(japanese),
        "{ja}"
    );

    let (status, en) = app
        .post("/api/v1/specimens?lang=en", &app.admin, &body)
        .await;
    assert_eq!(status, 422);
    assert!(
        message(&en).starts_with("saliva collected on day 10"),
        "{en}"
    );
    assert!(!japanese(&message(&en)), "{en}");
    // The codes are the contract: the same in both.
    assert_eq!(ja["error"]["code"], en["error"]["code"]);
    assert_eq!(ja["error"]["refusals"][0]["code"], "saliva_window_exceeded");

    let res = app
        .client
        .post(app.url("/api/v1/specimens"))
        .bearer_auth(&app.admin)
        .header("Accept-Language", "en-US,en;q=0.9")
        .json(&body)
        .send()
        .await
        .expect("request");
    let header: Value = res.json().await.expect("json");
    assert_eq!(message(&header), message(&en));
    // A language the server does not speak: Japanese.
    let res = app
        .client
        .post(app.url("/api/v1/specimens"))
        .bearer_auth(&app.admin)
        .header("Accept-Language", "fr-FR")
        .json(&body)
        .send()
        .await
        .expect("request");
    let french: Value = res.json().await.expect("json");
    assert_eq!(message(&french), message(&ja));
}

#[tokio::test]
async fn errors_of_every_kind_are_japanese_by_default() {
    let app = spawn_app().await;
    let reception = app.token(Role::Reception);
    let cases: Vec<(u16, Value)> = vec![
        app.get("/api/v1/specimens/NOPE", &app.admin).await,
        app.get("/api/v1/specimens?limit=0", &app.admin).await,
        app.get("/api/v1/packages", &reception).await,
        app.get("/api/v1/me", "kt_wrong").await,
        app.post_raw("/api/v1/specimens", &app.admin, "{not json")
            .await,
        app.get("/api/v1/nowhere", &app.admin).await,
    ];
    for (status, res) in cases {
        assert!(status >= 400, "{res}");
        assert!(japanese(&message(&res)), "{status}: {res}");
    }
    // `lang` is the server's, not the endpoint's: it never makes a query
    // invalid, and the other parameters keep their checks.
    let (status, res) = app
        .get("/api/v1/specimens?lang=en&limit=5", &app.admin)
        .await;
    assert_eq!(status, 200, "{res}");
    let (status, res) = app
        .get("/api/v1/specimens?lang=en&colour=red", &app.admin)
        .await;
    assert_eq!(status, 400, "{res}");
    assert!(!japanese(&message(&res)), "{res}");
}

#[tokio::test]
async fn a_warning_stored_at_registration_reads_in_the_language_of_its_reader() {
    let app = spawn_app().await;
    let mut body = registration("PPE-1", "saliva", 2);
    body["ppe"] = json!(["gloves"]);
    let (status, res) = app.register(&app.admin, &body).await;
    assert_eq!(status, 201, "{res}");
    let (_, ja) = app.get("/api/v1/specimens/PPE-1", &app.admin).await;
    let (_, en) = app.get("/api/v1/specimens/PPE-1?lang=en", &app.admin).await;
    let warning = |v: &Value| {
        v["registration_warnings"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(warning(&ja).contains("サージカルマスク"), "{ja}");
    assert!(warning(&en).contains("Surgical mask"), "{en}");
}

#[tokio::test]
async fn a_station_stream_speaks_its_listeners_language() {
    let app = spawn_app_with(with_stations).await;
    app.location("FRIDGE-A", "fridge_4c").await;
    let (status, res) = app
        .register(&app.admin, &registration("T-1", "nasopharyngeal_swab", 2))
        .await;
    assert_eq!(status, 201, "{res}");
    let clerk = app.token(Role::Reception);
    let mut ja = app.events_in("fridge-1", &clerk, None, None).await;
    let mut en = app.events_in("fridge-1", &clerk, None, Some("en")).await;
    app.scan(&clerk, "fridge-1", "T-1").await;
    let (_, stored) = app.scan(&clerk, "fridge-1", "FRIDGE-A").await;
    assert_eq!(
        stored["outcome"]["message"],
        "採取管 T-1 を FRIDGE-A に保管しました"
    );
    let wait = Duration::from_secs(5);
    let last = |events: Vec<Value>| events.last().cloned().unwrap_or_default();
    let mut ja_events = Vec::new();
    let mut en_events = Vec::new();
    for _ in 0..2 {
        ja_events.push(ja.next_scan(wait).await.expect("ja event").data);
        en_events.push(en.next_scan(wait).await.expect("en event").data);
    }
    let (ja_event, en_event) = (last(ja_events), last(en_events));
    assert_eq!(
        ja_event["outcome"]["message"],
        "採取管 T-1 を FRIDGE-A に保管しました"
    );
    assert_eq!(
        ja_event["outcome"]["next"],
        "次の採取管か保管場所を読み取ってください"
    );
    assert_eq!(
        en_event["outcome"]["message"],
        "tube T-1 stored in FRIDGE-A"
    );
    assert_eq!(
        en_event["outcome"]["next"],
        "scan the next tube or location"
    );
}
