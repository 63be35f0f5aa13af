//! `kentai simulate` as a live scanner: its link exists from the start,
//! each line of stdin is typed into the pty the moment it arrives (while
//! stdin is still open), and EOF unplugs the scanner cleanly.

use crate::common::{serial_scanner, spawn_app_with, with_stations};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

// A deadline for correctness, generous for a busy CI machine.
const WAIT: Duration = Duration::from_secs(30);

/// A running `kentai simulate --link LINK` fed through its stdin.
struct Simulator {
    child: Child,
    stdin: Option<ChildStdin>,
    stderr: Receiver<String>,
}

impl Simulator {
    /// Starts it and waits for its link to appear (no pauses, 9600 baud).
    fn start(link: &Path) -> Simulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kentai"))
            .args(["simulate", "--wait-ms", "0", "--interval-ms", "0"])
            .args(["--hold-ms", "0", "--link"])
            .arg(link)
            .env_remove("KENTAI_CONFIG")
            .env_remove("KENTAI_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kentai simulate");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let stdin = child.stdin.take();
        let sim = Simulator {
            child,
            stdin,
            stderr: rx,
        };
        let deadline = Instant::now() + WAIT;
        while std::fs::read_link(link).is_err() {
            assert!(
                Instant::now() < deadline,
                "the scanner is linked before any stdin arrives"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        sim
    }

    /// Writes one line to its stdin, leaving stdin open.
    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write to simulate's stdin");
        stdin.flush().expect("flush");
    }

    fn still_running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// Closes stdin and waits for it to finish; returns its exit status
    /// and its stderr lines.
    fn end(mut self) -> (ExitStatus, Vec<String>) {
        drop(self.stdin.take());
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(Instant::now() < deadline, "simulate did not end at EOF");
            std::thread::sleep(Duration::from_millis(20));
        };
        // The stderr reader ends with the process.
        let notes = self.stderr.iter().collect();
        (status, notes)
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads from the tty at `link` until a CR, as a serial reader would.
struct TtyReader(serialport::TTYPort);

impl TtyReader {
    fn open(link: &Path) -> TtyReader {
        let port = serialport::new(link.to_string_lossy(), 9600)
            .timeout(Duration::from_millis(100))
            .open_native()
            .expect("open the simulated scanner's tty");
        TtyReader(port)
    }

    fn frame(&mut self) -> Vec<u8> {
        let deadline = Instant::now() + WAIT;
        let mut frame = Vec::new();
        let mut byte = [0u8; 1];
        while frame.last() != Some(&b'\r') {
            assert!(Instant::now() < deadline, "only {frame:?} arrived");
            match self.0.read(&mut byte) {
                Ok(1) => frame.push(byte[0]),
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) => panic!("reading the tty: {e}"),
            }
        }
        frame
    }
}

#[test]
fn each_stdin_line_reaches_the_tty_while_stdin_is_still_open_and_eof_unplugs_the_scanner() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("scanner");
    let mut sim = Simulator::start(&link);
    let mut tty = TtyReader::open(&link);

    sim.type_line("P-000201");
    assert_eq!(tty.frame(), b"P-000201\r");
    assert!(sim.still_running(), "typed before EOF");

    // Some time later, a GS1 scan with its separator written as \x1d.
    std::thread::sleep(Duration::from_millis(300));
    sim.type_line(r"]d2010491234500001917301231\x1d10LOT-1");
    assert_eq!(tty.frame(), b"]d2010491234500001917301231\x1d10LOT-1\r");
    assert!(sim.still_running(), "typed before EOF");

    let (status, notes) = sim.end();
    assert!(status.success(), "{status}: {notes:?}");
    assert_eq!(
        notes.iter().filter(|n| n.contains("sent")).count(),
        2,
        "{notes:?}"
    );
    assert!(
        std::fs::symlink_metadata(&link).is_err(),
        "the link is removed at EOF"
    );
}

#[test]
fn a_line_that_is_not_a_scan_is_skipped_and_the_scanner_keeps_typing() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("scanner");
    let mut sim = Simulator::start(&link);
    let mut tty = TtyReader::open(&link);
    sim.type_line(r"BAD\q");
    sim.type_line("P-000202");
    assert_eq!(tty.frame(), b"P-000202\r");
    let (status, notes) = sim.end();
    assert_eq!(status.code(), Some(2), "a skipped line is bad input");
    assert!(
        notes.iter().any(|n| n.contains(r"BAD\\q")),
        "the skipped line is named: {notes:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_hears_each_line_typed_into_kentai_simulate_before_its_stdin_closes() {
    let dir = tempfile::tempdir().unwrap();
    let link: PathBuf = dir.path().join("desk-1");
    let mut sim = Simulator::start(&link);
    let scanner = serial_scanner("desk-1", &link, "reception-1");
    let app = spawn_app_with(move |c| {
        with_stations(c);
        c.scanners = vec![scanner];
    })
    .await;
    app.until_scanner_open("desk-1", WAIT).await;
    let mut events = app.events("reception-1", &app.admin, None).await;

    for data in ["P-000201", "P-000202"] {
        sim.type_line(data);
        let event = events.next_scan(WAIT).await.expect("the scan, live");
        assert_eq!(event.data["device"], "desk-1");
        assert_eq!(event.data["data"], data);
        assert!(sim.still_running(), "heard before EOF");
    }
    let (status, notes) = sim.end();
    assert!(status.success(), "{status}: {notes:?}");
    assert_eq!(app.count("scans"), 2);
}
