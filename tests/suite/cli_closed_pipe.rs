//! A reader that stops early (`kentai report … | head`) ends every command
//! that writes to stdout quietly: no panic, no "Broken pipe", exit 0.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

// A deadline for correctness, generous for a busy CI machine.
const WAIT: Duration = Duration::from_secs(60);

fn kentai(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kentai"));
    c.env_remove("KENTAI_CONFIG")
        .env_remove("KENTAI_LOG")
        .env(
            "KENTAI_DATABASE_URL",
            format!("sqlite://{}", dir.join("kentai.db").display()),
        )
        .current_dir(dir);
    c
}

/// The write end of a pipe nobody will ever read: the stdin of a process
/// that exited without reading it. Every write into it fails at once, so
/// the test does not depend on how fast the command writes.
fn pipe_without_reader() -> Stdio {
    let mut reader = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .arg("--version")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start a process that reads nothing");
    let write_end = reader.stdin.take().expect("stdin");
    reader.wait().expect("it exits");
    Stdio::from(write_end)
}

/// Waits for `child` (killed after [`WAIT`]); returns its status and
/// everything it wrote on stderr.
fn finish(mut child: std::process::Child) -> (ExitStatus, String) {
    let mut stderr = child.stderr.take().expect("stderr piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {WAIT:?} with nobody reading its stdout");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status, reader.join().expect("stderr reader"))
}

/// Runs `cmd` with stdout into a pipe whose reader is gone.
fn run_unread(mut cmd: Command) -> (ExitStatus, String) {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(pipe_without_reader())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kentai");
    finish(child)
}

fn assert_quiet(what: &str, status: ExitStatus, stderr: &str) {
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{what} panicked or complained on a closed pipe: {stderr}"
    );
    assert!(stderr.is_empty(), "{what} wrote on stderr: {stderr}");
    assert!(status.success(), "{what} exited with {status}");
}

#[test]
fn every_command_that_prints_ends_quietly_when_nobody_reads_its_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    let restored = format!("sqlite://{}", dir.path().join("restored.db").display());
    let copy_arg = copy.to_str().unwrap();
    // In order: the user creates and migrates the database the later ones
    // read; the backup is what the restore reads.
    let commands: &[&[&str]] = &[
        &["--help"],
        &["barcode", "parse", "]C0ACC-2026-000123"],
        &["user", "add", "alice", "--role", "lab"],
        &["audit", "verify"],
        &["report", "summary", "--date", "2026-04-01"],
        &["report", "hersys", "--date", "2026-04-01"],
        &[
            "report",
            "hersys",
            "--date",
            "2026-04-01",
            "--format",
            "fhir",
        ],
        &["devices"],
        &["backup", copy_arg],
        &["restore", copy_arg, "--force", "--database", &restored],
    ];
    for args in commands {
        let mut cmd = kentai(dir.path());
        cmd.args(*args);
        let (status, stderr) = run_unread(cmd);
        assert_quiet(&args.join(" "), status, &stderr);
    }
    assert!(copy.exists(), "the backup was made before its report");
}

#[test]
fn a_new_server_whose_admin_token_nobody_reads_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = kentai(dir.path());
    cmd.args(["serve", "--bind", "127.0.0.1:0"])
        .env("KENTAI_LOG", "error");
    let (status, stderr) = run_unread(cmd);
    assert_quiet("serve", status, &stderr);
}

#[test]
fn a_reader_that_stops_after_a_few_bytes_ends_a_long_stream_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = kentai(dir.path())
        .args(["barcode", "parse"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kentai");
    // Far more output than a pipe holds, so kentai is still writing when
    // the reader goes.
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        for n in 0..20_000 {
            if writeln!(stdin, "(01)09506000134352(10)LOT-{n:05}").is_err() {
                break;
            }
        }
    });
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).expect("the first bytes");
    assert_eq!(&first, br#"{"ok":true"#);
    drop(stdout);
    let (status, stderr) = finish(child);
    writer.join().expect("stdin writer");
    assert_quiet("barcode parse", status, &stderr);
}
