//! Hostile clients (issue 8): a thousand wrong tokens in a row are
//! refused with 429 after the minute's limit, without touching another
//! address, which keeps being served and keeps its own budget; the sign-in
//! form obeys the same limit; a body over the limit is 413 and stores
//! nothing; a client that trickles its request is cut off with 408 while
//! others are served.

mod common;

use common::*;
use kentai::domain::roles::Role;
use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::time::Duration;

fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, last]))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_thousand_wrong_tokens_get_429_after_the_limit_while_another_address_is_served() {
    let app = spawn_app().await;
    let attacker = client_from(1);
    let desk = client_from(2);
    let wrong = format!("kt_{}", "e".repeat(64));
    let (mut unauthorized, mut limited) = (0, 0);
    for i in 0..1000 {
        let res = attacker
            .get(app.url("/api/v1/me"))
            .bearer_auth(&wrong)
            .send()
            .await
            .expect("request");
        match res.status().as_u16() {
            401 => unauthorized += 1,
            429 => {
                limited += 1;
                let retry: u64 = res
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .expect("Retry-After in seconds");
                assert!((1..=60).contains(&retry), "{retry}");
                let body: serde_json::Value = res.json().await.expect("body");
                assert_eq!(body["error"]["code"], "too_many_attempts");
            }
            other => panic!("request {i}: {other}"),
        }
        if i % 100 == 0 {
            // Another desk is served all along, with its own token.
            let res = desk
                .get(app.url("/api/v1/me"))
                .bearer_auth(&app.admin)
                .send()
                .await
                .expect("desk");
            assert_eq!(res.status().as_u16(), 200, "after {i} wrong tokens");
        }
    }
    assert_eq!(unauthorized, 20, "the default limit is 20 a minute");
    assert_eq!(limited, 980);
    // While blocked, even a right token from that address waits: the
    // check comes before any lookup.
    let res = attacker
        .get(app.url("/api/v1/me"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 429);
    // The other address still has its own budget: a wrong token is 401.
    let res = desk
        .get(app.url("/api/v1/me"))
        .bearer_auth(&wrong)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 401);
    // A request without any token is not a guess and is not limited.
    let res = desk
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 401);
}

#[tokio::test]
async fn the_sign_in_form_counts_wrong_tokens_against_the_same_limit() {
    let app = spawn_app_with(|c| c.security.auth_failures_per_minute = 3).await;
    let clerk = app.token(Role::Reception);
    for _ in 0..3 {
        let res = app
            .post_sign_in(&format!("kt_{}", "0".repeat(64)), None)
            .await;
        assert_eq!(res.status().as_u16(), 401);
    }
    let res = app.post_sign_in(&clerk, None).await;
    assert_eq!(res.status().as_u16(), 429);
    let page = res.text().await.expect("page");
    assert!(
        page.contains(kentai::web::text::JA.sign_in_too_many),
        "{page}"
    );
    assert_eq!(app.count("sessions"), 0);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_stores_nothing() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let before = app.snapshot();
    let mut body = registration("BIG-1", "nasopharyngeal_swab", 2);
    body["patient"]["address"] = serde_json::json!("東".repeat(40_000));
    let res = app
        .client
        .post(app.url("/api/v1/specimens"))
        .bearer_auth(&lab)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 413);
    let body: serde_json::Value = res.json().await.expect("body");
    assert_eq!(body["error"]["code"], "invalid_input");
    assert_eq!(app.snapshot(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_trickles_its_request_is_cut_off_while_others_are_served() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_string();
    // Half a request head, then silence.
    let slow = std::thread::spawn(move || {
        let mut s = TcpStream::connect(&address).expect("connect");
        s.write_all(b"GET /api/v1/me HTTP/1.1\r\nHost: kentai\r\n")
            .expect("write");
        s.set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        let mut answer = Vec::new();
        // Ok: the server closed the connection; Err: still open at 20 s.
        let closed = s.read_to_end(&mut answer).is_ok();
        (closed, String::from_utf8_lossy(&answer).to_string())
    });
    for _ in 0..20 {
        let res = app
            .client
            .get(app.url("/api/v1/me"))
            .bearer_auth(&app.admin)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), 200);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (closed, answer) = tokio::task::spawn_blocking(move || slow.join().expect("slow client"))
        .await
        .expect("join");
    assert!(closed, "the trickling connection was still open after 20 s");
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "the slow client was answered {answer:?}"
    );
}
