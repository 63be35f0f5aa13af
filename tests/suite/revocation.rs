//! Revocation that bites: an open station event stream carries patient
//! numbers and tube ids, so taking its credential back (disabling the
//! user, replacing its token, signing out) or the session expiring ends it
//! within a second, however busy the station is. Written as the attacks:
//! a stream is held open while scans keep arriving, the credential is
//! taken back, and the stream must end.

use crate::common::*;
use std::time::{Duration, Instant};

/// The longest a revoked stream may go on.
const WITHIN: Duration = Duration::from_secs(1);

/// Scans `station` every 50 ms as the admin until the returned handle is
/// aborted, so the stream under test always has traffic.
fn keep_scanning(app: &TestApp, station: &'static str) -> tokio::task::JoinHandle<()> {
    let client = app.client.clone();
    let url = app.url("/api/v1/scans");
    let token = app.admin.clone();
    tokio::spawn(async move {
        for i in 0.. {
            let _ = client
                .post(&url)
                .bearer_auth(&token)
                .json(&serde_json::json!({"station": station, "data": format!("TRAFFIC-{i}")}))
                .send()
                .await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
}

/// An open event stream, read by hand: how many scan events came, and
/// whether the server ended it.
struct Stream {
    response: reqwest::Response,
    scans: usize,
}

impl Stream {
    async fn open(request: reqwest::RequestBuilder) -> Stream {
        let response = request.send().await.expect("open event stream");
        assert_eq!(response.status().as_u16(), 200, "event stream status");
        Stream { response, scans: 0 }
    }

    /// Reads until a scan event arrives (the stream is live and carries
    /// traffic), up to 5 s.
    async fn until_a_scan(&mut self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let before = self.scans;
        while self.scans == before {
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .expect("a scan event within 5 s")
                .expect("read")
                .expect("the stream is still open");
            self.scans += String::from_utf8_lossy(&chunk)
                .matches("event: scan")
                .count();
        }
    }

    /// How long until the server ends the stream, if it does within `limit`.
    async fn ended_within(&mut self, limit: Duration) -> Option<Duration> {
        let start = Instant::now();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return None,
                Ok(Ok(Some(chunk))) => {
                    self.scans += String::from_utf8_lossy(&chunk)
                        .matches("event: scan")
                        .count();
                }
                Ok(Ok(None)) | Ok(Err(_)) => return Some(start.elapsed()),
            }
        }
    }
}

fn stream_url(app: &TestApp) -> String {
    app.url("/api/v1/stations/fridge-1/events")
}

#[tokio::test]
async fn a_bearer_stream_ends_within_a_second_of_its_user_being_disabled_while_scans_keep_arriving()
{
    let _alone = alone().await;
    let app = spawn_app_with(with_stations).await;
    let (id, token) = app.api_user("watcher-disabled", "lab").await;
    let mut stream = Stream::open(app.client.get(stream_url(&app)).bearer_auth(&token)).await;
    let traffic = keep_scanning(&app, "fridge-1");
    stream.until_a_scan().await;
    let (status, body) = app.set_disabled(&app.admin, id, true).await;
    assert_eq!(status, 200, "{body}");
    let ended = stream.ended_within(Duration::from_secs(5)).await;
    traffic.abort();
    let ended = ended.expect("the stream of a disabled user was still open after 5 s");
    assert!(ended <= WITHIN, "ended after {ended:?}");
}

#[tokio::test]
async fn a_bearer_stream_ends_within_a_second_of_its_token_being_replaced_while_scans_keep_arriving(
) {
    let _alone = alone().await;
    let app = spawn_app_with(with_stations).await;
    let (id, token) = app.api_user("watcher-token", "lab").await;
    let mut stream = Stream::open(app.client.get(stream_url(&app)).bearer_auth(&token)).await;
    let traffic = keep_scanning(&app, "fridge-1");
    stream.until_a_scan().await;
    let (status, body) = app
        .post(
            &format!("/api/v1/users/{id}/token"),
            &app.admin,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let ended = stream.ended_within(Duration::from_secs(5)).await;
    traffic.abort();
    let ended = ended.expect("the stream of a replaced token was still open after 5 s");
    assert!(ended <= WITHIN, "ended after {ended:?}");
    // The new token opens a stream again.
    let new = body["token"].as_str().expect("new token");
    let again = app
        .client
        .get(stream_url(&app))
        .bearer_auth(new)
        .send()
        .await
        .expect("stream");
    assert_eq!(again.status().as_u16(), 200);
}

#[tokio::test]
async fn a_stream_opened_with_an_api_token_ends_within_a_second_of_its_revocation_and_the_users_other_stream_goes_on(
) {
    let _alone = alone().await;
    let app = spawn_app_with(with_stations).await;
    let (_, own) = app.api_user("watcher-api-token", "lab").await;
    let mut tokens = Vec::new();
    for name in ["wall display", "night monitor"] {
        let (status, body) = app
            .post(
                "/api/v1/me/tokens",
                &own,
                &serde_json::json!({ "name": name }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        tokens.push(body);
    }
    let secret = |t: &serde_json::Value| t["token"].as_str().expect("token").to_string();
    let mut stream = Stream::open(
        app.client
            .get(stream_url(&app))
            .bearer_auth(secret(&tokens[0])),
    )
    .await;
    let mut kept = Stream::open(
        app.client
            .get(stream_url(&app))
            .bearer_auth(secret(&tokens[1])),
    )
    .await;
    let traffic = keep_scanning(&app, "fridge-1");
    stream.until_a_scan().await;
    let (status, body) = app
        .delete(&format!("/api/v1/me/tokens/{}", tokens[0]["id"]), &own)
        .await;
    assert_eq!(status, 204, "{body}");
    let ended = stream.ended_within(Duration::from_secs(5)).await;
    let ended = ended.expect("the stream of a revoked API token was still open after 5 s");
    assert!(ended <= WITHIN, "ended after {ended:?}");
    // The same user's stream on its other token goes on.
    kept.until_a_scan().await;
    traffic.abort();
    // The revoked token opens no stream again.
    let again = app
        .client
        .get(stream_url(&app))
        .bearer_auth(secret(&tokens[0]))
        .send()
        .await
        .expect("stream");
    assert_eq!(again.status().as_u16(), 401);
}

#[tokio::test]
async fn a_cookie_stream_ends_within_a_second_of_signing_out_while_scans_keep_arriving() {
    let _alone = alone().await;
    let app = spawn_app_with(with_stations).await;
    let (_, token) = app.api_user("watcher-signout", "lab").await;
    let session = app.sign_in(&token).await;
    // Another session of the same user, whose stream must go on.
    let other = app.sign_in(&token).await;
    let mut stream = Stream::open(
        app.browser()
            .get(stream_url(&app))
            .header("cookie", session.cookie()),
    )
    .await;
    let mut kept = Stream::open(
        app.browser()
            .get(stream_url(&app))
            .header("cookie", other.cookie()),
    )
    .await;
    let traffic = keep_scanning(&app, "fridge-1");
    stream.until_a_scan().await;
    let res = app
        .post_form(&session, "/signout", &[("csrf", session.csrf.as_str())])
        .await;
    assert_eq!(res.status().as_u16(), 303);
    let ended = stream.ended_within(Duration::from_secs(5)).await;
    let ended = ended.expect("the stream of a signed-out session was still open after 5 s");
    assert!(ended <= WITHIN, "ended after {ended:?}");
    // Signing one browser out leaves the user's other session streaming.
    kept.until_a_scan().await;
    traffic.abort();
}

#[tokio::test]
async fn a_cookie_stream_ends_within_a_second_of_its_session_expiring_while_scans_keep_arriving() {
    let _alone = alone().await;
    use diesel::prelude::*;
    use kentai::store::schema::sessions;
    let app = spawn_app_with(with_stations).await;
    let (_, token) = app.api_user("watcher-expiry", "lab").await;
    let session = app.sign_in(&token).await;
    // The session's idle timeout runs out 2 s from now (hours in real use).
    let expires = (chrono::Utc::now() + chrono::Duration::seconds(2)).naive_utc();
    app.ctx
        .store
        .write(|c| {
            diesel::update(sessions::table)
                .set(sessions::expires_at.eq(expires))
                .execute(c)
                .map_err(kentai::store::StoreError::from)
        })
        .expect("shorten the session");
    let opened = Instant::now();
    let mut stream = Stream::open(
        app.browser()
            .get(stream_url(&app))
            .header("cookie", session.cookie()),
    )
    .await;
    let traffic = keep_scanning(&app, "fridge-1");
    stream.until_a_scan().await;
    let ended = stream.ended_within(Duration::from_secs(6)).await;
    traffic.abort();
    ended.expect("the stream of an expired session was still open 6 s later");
    let at = opened.elapsed();
    assert!(
        at <= Duration::from_secs(2) + WITHIN,
        "ended {at:?} after opening, the session expired at 2 s"
    );
    assert!(
        at >= Duration::from_millis(1500),
        "ended {at:?} after opening, before the session expired"
    );
}

#[tokio::test]
async fn a_stream_is_ended_by_the_periodic_check_when_another_server_disables_its_user() {
    let _alone = alone().await;
    let app = spawn_app_with(|c| {
        with_stations(c);
        c.limits.stream_recheck_seconds = 0.5;
    })
    .await;
    let (id, token) = app.api_user("watcher-elsewhere", "lab").await;
    let mut stream = Stream::open(app.client.get(stream_url(&app)).bearer_auth(&token)).await;
    let traffic = keep_scanning(&app, "fridge-1");
    stream.until_a_scan().await;
    // By another kentai on the same database: its own process announces
    // it, this one hears nothing.
    let elsewhere = kentai::actions::Ctx::new(app.ctx.store.clone(), (*app.ctx.config).clone())
        .expect("another server's context");
    kentai::actions::users::set_disabled(&elsewhere, &kentai::actions::Actor::system(), id, true)
        .expect("disable elsewhere");
    let ended = stream.ended_within(Duration::from_secs(5)).await;
    traffic.abort();
    let ended = ended.expect("still open 5 s after the user was disabled elsewhere");
    assert!(ended <= WITHIN, "ended after {ended:?}");
}
