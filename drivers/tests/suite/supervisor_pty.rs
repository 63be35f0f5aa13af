//! The supervisor with the real opener on real pseudo-terminals: scanners
//! that are unplugged mid-scan and replaced behind a symlink, many scanners
//! at once, and a configured scanner that is never there.

#![cfg(unix)]

use crate::supervisor_support::*;
use kentai_drivers::serial::SerialSettings;
use kentai_drivers::supervisor::{
    DeviceEvent, DeviceKind, DeviceSpec, DeviceState, Supervisor, SystemOpener,
};
use serialport::{SerialPort, TTYPort};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// The scanner side of a pty, and the path its slave has. The slave end
/// `pair()` opened stays open with the master so the pty keeps its raw
/// settings whatever the transport does.
struct Scanner {
    master: TTYPort,
    slave: TTYPort,
    path: PathBuf,
}

impl Scanner {
    fn new() -> Scanner {
        let (master, slave) = TTYPort::pair().expect("openpty");
        let path = PathBuf::from(slave.name().expect("slave name"));
        Scanner {
            master,
            slave,
            path,
        }
    }

    /// Types like a 9600-baud scanner: about a millisecond a byte.
    fn type_at_9600(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.master.write_all(&[*b]).expect("write to pty master");
            thread::sleep(Duration::from_micros(1040));
        }
    }

    /// Unplugs it: closes both ends, as a USB unplug removes the device.
    fn unplug(self) {
        drop(self.slave);
        drop(self.master);
    }
}

/// Points `link` at `target` atomically: a new link renamed over the old.
fn swap_symlink(link: &Path, target: &Path) {
    let tmp = link.with_extension("new");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).expect("symlink");
    std::fs::rename(&tmp, link).expect("rename over the old link");
}

fn spec(name: &str, path: &Path) -> DeviceSpec {
    DeviceSpec::new(
        name,
        format!("station-{name}"),
        DeviceKind::Serial(SerialSettings::new(path)),
    )
}

fn state_of(supervisor: &Supervisor, device: &str) -> DeviceState {
    supervisor
        .statuses()
        .into_iter()
        .find(|s| s.name == device)
        .map(|s| s.state)
        .expect("device")
}

fn wait_for_state(supervisor: &Supervisor, device: &str, state: DeviceState, limit: Duration) {
    let end = Instant::now() + limit;
    while state_of(supervisor, device) != state {
        assert!(
            Instant::now() < end,
            "{device} is {:?}, not {state:?}",
            state_of(supervisor, device)
        );
        thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_scanner_replaced_behind_its_symlink_is_read_again_without_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("scanner-desk1");
    let mut first = Scanner::new();
    swap_symlink(&link, &first.path);
    let recorder = Recorder::default();
    let supervisor = Supervisor::start(
        vec![spec("desk-1", &link)],
        Arc::new(SystemOpener),
        quick(),
        recorder.sink(),
    );
    wait_for_state(
        &supervisor,
        "desk-1",
        DeviceState::Reading,
        Duration::from_secs(2),
    );

    // A whole scan, then half of one, then the cable is pulled.
    first.type_at_9600(b"]d20109506000134352\x1d21A1\r");
    first.type_at_9600(b"]d201095060");
    recorder.wait_until(Duration::from_secs(2), |e| {
        frames_of(e, "desk-1").len() == 1
    });
    // Let the reader take the half scan off the line before the unplug: a
    // hung-up pty drops whatever is still unread.
    thread::sleep(Duration::from_millis(60));
    first.unplug();
    let events = recorder.wait_until(Duration::from_secs(2), |e| {
        states_of(e, "desk-1").contains(&DeviceState::Lost)
    });
    assert_eq!(errors_of(&events, "desk-1"), ["half_frame"]);
    let half = events.iter().find_map(|e| match e {
        DeviceEvent::Error { error, .. } => Some(error.clone()),
        _ => None,
    });
    assert!(
        half.as_ref()
            .is_some_and(|h| h.discarded() == 11 && h.preview() == "]d201095060"),
        "{half:?}"
    );

    // A new scanner appears; udev would repoint the link the same way.
    let mut second = Scanner::new();
    swap_symlink(&link, &second.path);
    let reading_twice = |e: &[DeviceEvent]| {
        states_of(e, "desk-1")
            .iter()
            .filter(|s| **s == DeviceState::Reading)
            .count()
            == 2
    };
    let events = recorder.wait_until(Duration::from_secs(5), reading_twice);
    assert!(
        reading_twice(&events),
        "never reopened: {:?}",
        story_of(&events, "desk-1")
    );
    second.type_at_9600(b"]C0ACC-0002\r");
    let events = recorder.wait_until(Duration::from_secs(2), |e| {
        frames_of(e, "desk-1").len() == 2
    });
    let status = supervisor.statuses()[0].clone();
    supervisor.stop();

    assert_eq!(
        frames_of(&events, "desk-1"),
        ["]d20109506000134352\u{1d}21A1", "]C0ACC-0002"]
    );
    let states = states_of(&events, "desk-1");
    assert_eq!(
        states[..4],
        [
            DeviceState::Open,
            DeviceState::Reading,
            DeviceState::Lost,
            DeviceState::BackOff
        ]
    );
    assert_eq!(states.last(), Some(&DeviceState::Reading));
    assert_eq!(status.connects, 2);
    assert_eq!(status.frames, 2);
}

#[test]
fn thirty_two_scanners_writing_fifty_scans_each_lose_and_garble_none() {
    const DEVICES: usize = 32;
    const SCANS: usize = 50;
    let mut scanners: Vec<Scanner> = (0..DEVICES).map(|_| Scanner::new()).collect();
    let specs = scanners
        .iter()
        .enumerate()
        .map(|(i, s)| spec(&format!("dev-{i:02}"), &s.path))
        .collect();
    let recorder = Recorder::default();
    let supervisor = Supervisor::start(specs, Arc::new(SystemOpener), quick(), recorder.sink());
    for i in 0..DEVICES {
        wait_for_state(
            &supervisor,
            &format!("dev-{i:02}"),
            DeviceState::Reading,
            Duration::from_secs(5),
        );
    }
    let writers: Vec<_> = scanners
        .drain(..)
        .enumerate()
        .map(|(i, mut scanner)| {
            thread::spawn(move || {
                for n in 0..SCANS {
                    let scan = format!("]d2\x1dDEV{i:02}\x1dSCAN{n:03}\x1d0123456789\r");
                    scanner.type_at_9600(scan.as_bytes());
                }
                scanner
            })
        })
        .collect();
    let scanners: Vec<Scanner> = writers
        .into_iter()
        .map(|w| w.join().expect("writer"))
        .collect();
    let events = recorder.wait_until(Duration::from_secs(20), |e| {
        e.iter()
            .filter(|e| matches!(e, DeviceEvent::Frame { .. }))
            .count()
            >= DEVICES * SCANS
    });
    let statuses = supervisor.statuses();
    supervisor.stop();
    drop(scanners);

    for i in 0..DEVICES {
        let device = format!("dev-{i:02}");
        let want: Vec<String> = (0..SCANS)
            .map(|n| format!("]d2\x1dDEV{i:02}\x1dSCAN{n:03}\x1d0123456789"))
            .collect();
        assert_eq!(frames_of(&events, &device), want, "{device}");
        assert!(errors_of(&events, &device).is_empty(), "{device}");
    }
    assert!(statuses
        .iter()
        .all(|s| s.frames == SCANS as u64 && s.errors == 0));
}

#[test]
fn a_scanner_that_is_never_there_stays_absent_while_another_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("never-plugged-in");
    let mut present = Scanner::new();
    let recorder = Recorder::default();
    let supervisor = Supervisor::start(
        vec![spec("ghost", &missing), spec("desk-1", &present.path)],
        Arc::new(SystemOpener),
        quick(),
        recorder.sink(),
    );
    wait_for_state(
        &supervisor,
        "desk-1",
        DeviceState::Reading,
        Duration::from_secs(2),
    );
    for n in 0..5 {
        present.type_at_9600(format!("SCAN-{n}\r").as_bytes());
    }
    let events = recorder.wait_until(Duration::from_secs(2), |e| {
        frames_of(e, "desk-1").len() == 5
    });
    thread::sleep(Duration::from_millis(200));
    let statuses = supervisor.statuses();
    supervisor.stop();

    assert_eq!(frames_of(&events, "desk-1").len(), 5);
    let ghost = &statuses[0];
    assert_eq!(ghost.name, "ghost");
    assert!(
        matches!(ghost.state, DeviceState::Absent | DeviceState::BackOff),
        "{:?}",
        ghost.state
    );
    assert_eq!(ghost.connects, 0);
    assert!(
        ghost
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("not found")),
        "{:?}",
        ghost.last_error
    );
    assert_eq!(
        states_of(&recorder.events(), "ghost"),
        [DeviceState::Absent]
    );
}

#[test]
fn a_sink_slower_than_the_silence_does_not_cut_scans_in_half() {
    // The reader is busy in the sink while the next scan's bytes wait in
    // the tty buffer; that is no pause on the wire and must not be taken
    // for one.
    let mut scanner = Scanner::new();
    let recorder = Recorder::default();
    let inner = recorder.sink();
    let supervisor = Supervisor::start(
        vec![spec("desk-1", &scanner.path)],
        Arc::new(SystemOpener),
        quick(),
        Arc::new(move |event: DeviceEvent| {
            if matches!(event, DeviceEvent::Frame { .. }) {
                thread::sleep(Duration::from_millis(300));
            }
            inner(event)
        }),
    );
    wait_for_state(
        &supervisor,
        "desk-1",
        DeviceState::Reading,
        Duration::from_secs(2),
    );
    for n in 0..4 {
        scanner.type_at_9600(format!("SCAN-{n}-ABCDEFGHIJ\r").as_bytes());
    }
    let events = recorder.wait_until(Duration::from_secs(5), |e| {
        frames_of(e, "desk-1").len() == 4
    });
    supervisor.stop();
    assert_eq!(
        frames_of(&events, "desk-1"),
        [
            "SCAN-0-ABCDEFGHIJ",
            "SCAN-1-ABCDEFGHIJ",
            "SCAN-2-ABCDEFGHIJ",
            "SCAN-3-ABCDEFGHIJ"
        ]
    );
    assert!(errors_of(&events, "desk-1").is_empty());
}

#[test]
fn a_frame_is_stamped_with_when_its_last_byte_was_read() {
    let mut scanner = Scanner::new();
    let recorder = Recorder::default();
    let supervisor = Supervisor::start(
        vec![spec("desk-1", &scanner.path)],
        Arc::new(SystemOpener),
        quick(),
        recorder.sink(),
    );
    wait_for_state(
        &supervisor,
        "desk-1",
        DeviceState::Reading,
        Duration::from_secs(2),
    );
    scanner.type_at_9600(b"STAMP");
    let before_suffix = SystemTime::now();
    scanner.master.write_all(b"\r").expect("write");
    let events = recorder.wait_until(Duration::from_secs(2), |e| {
        frames_of(e, "desk-1").len() == 1
    });
    supervisor.stop();
    let at = events
        .iter()
        .find_map(|e| match e {
            DeviceEvent::Frame { at, .. } => Some(*at),
            _ => None,
        })
        .expect("frame");
    assert!(at >= before_suffix, "stamped before its last byte was sent");
}

#[test]
fn stop_closes_the_ports_so_they_can_be_opened_again() {
    let scanner = Scanner::new();
    let supervisor = Supervisor::start(
        vec![spec("desk-1", &scanner.path)],
        Arc::new(SystemOpener),
        quick(),
        Recorder::default().sink(),
    );
    wait_for_state(
        &supervisor,
        "desk-1",
        DeviceState::Reading,
        Duration::from_secs(2),
    );
    supervisor.stop();
    kentai_drivers::serial::SerialTransport::open(&SerialSettings::new(&scanner.path))
        .expect("the port was released");
}
