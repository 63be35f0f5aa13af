//! Hostile clients: a thousand wrong tokens in a row are refused with 429
//! after the minute's limit, without touching another address, which
//! keeps being served and keeps its own budget, and without locking out a
//! valid token sent from the limited address; the sign-in form obeys the
//! same limit; a body over the limit is 413 and stores nothing; a client
//! that trickles its request head or body is cut off with 408 while others
//! are served; a crowd of slow connections from one address neither stops
//! `/healthz` nor another address's requests.

use crate::common::*;
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
    let _alone = alone().await;
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
    // While that address is limited, a right token from it is served
    // (behind a NAT the whole site shares it).
    let res = attacker
        .get(app.url("/api/v1/me"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 200);
    // The other address still has its own budget: another wrong token is
    // 401; the one the attacker kept sending is refused everywhere.
    let res = desk
        .get(app.url("/api/v1/me"))
        .bearer_auth(format!("kt_{}", "d".repeat(64)))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 401);
    let res = desk
        .get(app.url("/api/v1/me"))
        .bearer_auth(&wrong)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 429);
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
    let _alone = alone().await;
    let app = spawn_app_with(|c| c.security.auth_failures_per_minute = 3).await;
    let clerk = app.token(Role::Reception);
    for i in 0..3 {
        let res = app
            .post_sign_in(&format!("kt_{i}{}", "0".repeat(63)), None)
            .await;
        assert_eq!(res.status().as_u16(), 401);
    }
    // A fourth guess from the limited address is 429 …
    let res = app
        .post_sign_in(&format!("kt_9{}", "0".repeat(63)), None)
        .await;
    assert_eq!(res.status().as_u16(), 429);
    let page = res.text().await.expect("page");
    assert!(
        page.contains(kentai::web::text::JA.sign_in_too_many),
        "{page}"
    );
    assert_eq!(app.count("sessions"), 0);
    // … while a desk with a valid token signs in from the same address.
    let res = app.post_sign_in(&clerk, None).await;
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(app.count("sessions"), 1);
}

#[tokio::test]
async fn a_valid_token_from_a_limited_address_is_served_while_a_wrong_one_gets_429() {
    let _alone = alone().await;
    let app = spawn_app_with(|c| c.security.auth_failures_per_minute = 5).await;
    let nat = client_from(1);
    let desk = app.token(Role::Reception);
    // A guesser behind the clinic's NAT: different wrong tokens each time.
    let mut statuses = Vec::new();
    for i in 0..10 {
        let res = nat
            .get(app.url("/api/v1/me"))
            .bearer_auth(format!("kt_{i:08x}{}", "f".repeat(56)))
            .send()
            .await
            .expect("guess");
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
    // The desk behind the same NAT keeps working, request after request.
    for _ in 0..5 {
        let res = nat
            .get(app.url("/api/v1/me"))
            .bearer_auth(&desk)
            .send()
            .await
            .expect("desk");
        assert_eq!(res.status().as_u16(), 200);
    }
    // A script stuck on one stale token is refused from any address once
    // that token's prefix is over the limit.
    let stale = format!("kt_5ca1ab1e{}", "0".repeat(56));
    let elsewhere = client_from(3);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let res = elsewhere
            .get(app.url("/api/v1/me"))
            .bearer_auth(&stale)
            .send()
            .await
            .expect("stale");
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    let res = client_from(4)
        .get(app.url("/api/v1/me"))
        .bearer_auth(&stale)
        .send()
        .await
        .expect("stale");
    assert_eq!(
        res.status().as_u16(),
        429,
        "the prefix is limited everywhere"
    );
    // Other tokens from that address are unaffected.
    let res = elsewhere
        .get(app.url("/api/v1/me"))
        .bearer_auth(&desk)
        .send()
        .await
        .expect("desk");
    assert_eq!(res.status().as_u16(), 200);
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
    let _alone = alone().await;
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

/// Sends a request head announcing `length` bytes of body from
/// `127.0.0.{last}`, then one body byte every `every`; what the server
/// answered (empty if nothing) and how long after the head it began to,
/// or `None` if it did not answer, or did not close the connection, within
/// `give_up`.
async fn trickle(
    address: &str,
    last: u8,
    head: &str,
    length: usize,
    every: Duration,
    give_up: Duration,
) -> Option<(Duration, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(std::net::SocketAddr::from(([127, 0, 0, last], 0)))
        .expect("bind");
    let stream = socket
        .connect(address.parse().expect("address"))
        .await
        .expect("connect");
    let (mut read, mut write) = stream.into_split();
    let head = format!("{head}Content-Length: {length}\r\n\r\n");
    write.write_all(head.as_bytes()).await.expect("head");
    let start = std::time::Instant::now();
    let writer = tokio::spawn(async move {
        for _ in 0..length {
            tokio::time::sleep(every).await;
            if write.write_all(b"a").await.is_err() {
                break;
            }
        }
    });
    let mut answer = vec![0u8; 4096];
    // The answer's first bytes: when the server gave up on the body.
    let first = tokio::time::timeout(give_up, read.read(&mut answer)).await;
    let after = start.elapsed();
    let n = match first {
        Err(_) => {
            writer.abort();
            return None;
        }
        Ok(n) => n.unwrap_or(0),
    };
    answer.truncate(n);
    // Then the rest, until the server closes the connection.
    let closed = tokio::time::timeout(give_up, read.read_to_end(&mut answer)).await;
    writer.abort();
    // A reset counts as closed too.
    let _closed = closed.ok()?;
    Some((after, String::from_utf8_lossy(&answer).to_string()))
}

const SIGN_IN_HEAD: &str = "POST /signin HTTP/1.1\r\nHost: kentai\r\n\
    Content-Type: application/x-www-form-urlencoded\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_gets_408_within_the_configured_deadline() {
    let _alone = alone().await;
    let app = spawn_app_with(|c| {
        c.limits.body_seconds = 3.0;
        // Only the whole-body deadline here; the rate is tried below.
        c.limits.body_min_bytes_per_second = 0;
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_string();
    // 1 byte a second to the sign-in form, no token needed.
    let (after, answer) = trickle(
        &address,
        1,
        SIGN_IN_HEAD,
        100,
        Duration::from_secs(1),
        Duration::from_secs(20),
    )
    .await
    .expect("the trickling body was still open after 20 s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(answer.contains("request_timeout"), "{answer:?}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer:?}"
    );
    assert!(
        after <= Duration::from_millis(3800),
        "cut off after {after:?}: {answer}"
    );
    // With the default minimum rate a body at 10 bytes a second is cut
    // off after the grace period, long before its deadline.
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_string();
    let lab = app.token(Role::Lab);
    let head = format!(
        "POST /api/v1/specimens HTTP/1.1\r\nHost: kentai\r\nAuthorization: Bearer {lab}\r\n\
         Content-Type: application/json\r\n"
    );
    let (after, answer) = trickle(
        &address,
        1,
        &head,
        1000,
        Duration::from_millis(100),
        Duration::from_secs(20),
    )
    .await
    .expect("the slow body was still open after 20 s");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(after <= Duration::from_secs(3), "cut off after {after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_slow_connections_from_one_address_stop_neither_healthz_nor_another_address() {
    let _alone = alone().await;
    let app = spawn_app_with(|c| {
        c.limits.connections_per_address = 40;
        c.limits.body_reads_per_address = 10;
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_string();
    // 200 connections from 127.0.0.2, each trickling a sign-in body.
    let mut attackers = Vec::new();
    for _ in 0..200 {
        let address = address.clone();
        attackers.push(tokio::spawn(async move {
            trickle(
                &address,
                2,
                SIGN_IN_HEAD,
                100,
                Duration::from_millis(500),
                Duration::from_secs(30),
            )
            .await
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Meanwhile /healthz and a desk at another address answer at once.
    let desk = client_from(3);
    for _ in 0..20 {
        let start = std::time::Instant::now();
        let res = desk.get(app.url("/healthz")).send().await.expect("healthz");
        assert_eq!(res.status().as_u16(), 200);
        let res = desk
            .get(app.url("/api/v1/me"))
            .bearer_auth(&app.admin)
            .send()
            .await
            .expect("me");
        assert_eq!(res.status().as_u16(), 200);
        assert!(
            start.elapsed() < Duration::from_millis(500),
            "{:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (mut refused, mut timed_out) = (0, 0);
    for attacker in attackers {
        let (_, answer) = attacker
            .await
            .expect("attacker")
            .expect("a slow connection was still open after 30 s");
        if answer.starts_with("HTTP/1.1 429") && answer.contains("too_many_connections") {
            refused += 1;
        } else if answer.starts_with("HTTP/1.1 408") {
            timed_out += 1;
        } else {
            panic!("a slow client was answered {answer:?}");
        }
    }
    // Beyond its ten body reads the address is turned away at once.
    assert!(refused >= 150, "{refused} refused, {timed_out} timed out");
}
