//! `kentai serve` as a new user runs it: a fresh SQLite file, the admin's
//! token printed once, a server that answers with that token.

use crate::common;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `kentai serve` on a free port; returns the child, its port and
/// everything it printed on stdout before listening.
fn serve(db: &std::path::Path) -> (Killed, u16, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database"])
        .arg(format!("sqlite://{}", db.display()))
        .env("KENTAI_LOG", "info")
        .env_remove("KENTAI_CONFIG")
        .current_dir(db.parent().unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kentai");
    let rx = common::watch_for_port(child.stderr.take().unwrap());
    let stdout = child.stdout.take().unwrap();
    let child = Killed(child);
    let port = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("kentai did not start");
    // The token lines are printed before the listening log line.
    let mut out = Vec::new();
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        out.push(line.trim_end().to_string());
        line.clear();
        if out.last().is_some_and(|l| l.starts_with("kt_")) {
            break;
        }
    }
    (child, port, out)
}

fn first_stdout_lines(db: &std::path::Path) -> (Killed, u16, Vec<String>) {
    serve(db)
}

#[tokio::test]
async fn first_serve_on_a_fresh_database_prints_an_admin_token_that_works() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kentai.db");
    let (child, port, out) = first_stdout_lines(&db);
    let token = out.last().expect("token line").clone();
    assert!(token.starts_with("kt_") && token.len() == 67, "{out:?}");
    let client = reqwest::Client::new();
    let health: serde_json::Value = client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health, serde_json::json!({"status": "ok"}));
    let me = client
        .get(format!("http://127.0.0.1:{port}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["role"], "admin");
    drop(child);
    assert!(db.exists());
}

#[test]
fn a_second_serve_on_the_same_database_prints_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kentai.db");
    let status = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["migrate", "--database"])
        .arg(format!("sqlite://{}", db.display()))
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["user", "add", "first", "--role", "admin", "--database"])
        .arg(format!("sqlite://{}", db.display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database"])
        .arg(format!("sqlite://{}", db.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    for line in stderr.lines() {
        if line.unwrap().contains("port=") {
            break;
        }
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("kt_"),
        "a token must be printed only on the first start"
    );
}

#[test]
fn a_bad_database_url_exits_with_a_one_line_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["migrate", "--database", "mysql://nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("mysql://nope"));
}

#[tokio::test]
async fn the_server_keeps_answering_when_its_log_reader_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kentai.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database"])
        .arg(format!("sqlite://{}", db.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut port = None;
    {
        let stderr = BufReader::new(child.stderr.take().unwrap());
        for line in stderr.lines().map_while(Result::ok) {
            if let Some(p) = common::listening_port(&line) {
                port = Some(p);
                break;
            }
        }
        // The reader is dropped here: every later log line hits a broken pipe.
    }
    let child = Killed(child);
    let port = port.expect("port");
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let res = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .expect("answered");
        assert_eq!(res.status().as_u16(), 200);
    }
    drop(child);
}
