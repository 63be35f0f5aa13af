//! HTTPS: given a certificate and its key in `[security]`,
//! kentai serves TLS (rustls) on its port and nothing in plain HTTP; its
//! cookies are then marked `Secure`. Without them it serves plain HTTP on
//! loopback, and half a TLS setting stops it at start with the reason.

use crate::common::*;
use std::path::PathBuf;

/// A self-signed certificate for 127.0.0.1 and localhost, written as PEM.
fn certificate(dir: &std::path::Path) -> (PathBuf, PathBuf, reqwest::Certificate) {
    let key = rcgen::KeyPair::generate().expect("key");
    let params = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("params");
    let cert = params.self_signed(&key).expect("self-signed");
    let (cert_path, key_path) = (dir.join("kentai.crt"), dir.join("kentai.key"));
    std::fs::write(&cert_path, cert.pem()).expect("write cert");
    std::fs::write(&key_path, key.serialize_pem()).expect("write key");
    let trusted = reqwest::Certificate::from_pem(cert.pem().as_bytes()).expect("trust");
    (cert_path, key_path, trusted)
}

#[tokio::test]
async fn with_a_certificate_kentai_serves_https_only_and_marks_its_cookies_secure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, key, trusted) = certificate(dir.path());
    let app = spawn_app_with(move |c| {
        c.security.tls_cert = Some(cert);
        c.security.tls_key = Some(key);
    })
    .await;
    let https = app.address.replacen("http://", "https://", 1);
    let client = reqwest::Client::builder()
        .add_root_certificate(trusted)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let res = client
        .get(format!("{https}/api/v1/me"))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("an HTTPS request");
    assert_eq!(res.status().as_u16(), 200);
    // The sign-in form's cookie is marked Secure over HTTPS.
    let res = client
        .get(format!("{https}/signin"))
        .send()
        .await
        .expect("sign-in form");
    let cookie = set_cookie_header(&res, "kentai_signin").expect("form cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
    // Plain HTTP on the same port gets no answer.
    let plain = reqwest::Client::new()
        .get(format!("{}/healthz", app.address))
        .send()
        .await;
    assert!(
        plain.map(|r| !r.status().is_success()).unwrap_or(true),
        "plain HTTP was served"
    );
}

#[tokio::test]
async fn without_a_certificate_cookies_are_not_marked_secure_over_plain_http() {
    let app = spawn_app().await;
    let res = app
        .browser()
        .get(app.url("/signin"))
        .send()
        .await
        .expect("sign-in form");
    let cookie = set_cookie_header(&res, "kentai_signin").expect("form cookie");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

#[test]
fn half_a_tls_setting_or_an_unreadable_certificate_stops_kentai_at_start_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert, _key, _) = certificate(dir.path());
    let db = format!("sqlite://{}", dir.path().join("k.db").display());
    let run = |config: &str| {
        std::fs::write(dir.path().join("kentai.toml"), config).expect("config");
        std::process::Command::new(env!("CARGO_BIN_EXE_kentai"))
            .args(["serve", "--bind", "127.0.0.1:0", "--config", "kentai.toml"])
            .args(["--database", &db])
            .current_dir(dir.path())
            .output()
            .expect("kentai serve")
    };
    let out = run(&format!(
        "[security]\ntls_cert = {:?}\n",
        cert.display().to_string()
    ));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tls_key"));
    let out = run(&format!(
        "[security]\ntls_cert = {:?}\ntls_key = {:?}\n",
        cert.display().to_string(),
        dir.path().join("missing.key").display().to_string()
    ));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("security.tls_key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
