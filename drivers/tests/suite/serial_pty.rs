//! The serial transport on real pseudo-terminals: the test holds the
//! master side and plays the scanner, the transport opens the slave path as
//! it would open `/dev/ttyACM0`.

#![cfg(unix)]

use kentai_drivers::framing::{FrameEvent, Framer, FramingConfig};
use kentai_drivers::serial::{list_ports, SerialSettings, SerialTransport};
use kentai_drivers::{Chunk, Transport, TransportError};
use serialport::{SerialPort, TTYPort};
use std::io::Write;
use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

/// A pty pair: the master (the "scanner") and the slave's path. The
/// slave end opened by `pair()` is kept open so the pty stays configured
/// even between the transport's reopenings.
struct Pty {
    master: TTYPort,
    _slave: TTYPort,
    path: PathBuf,
}

fn pty() -> Pty {
    let (master, slave) = TTYPort::pair().expect("openpty");
    let path = PathBuf::from(slave.name().expect("slave name"));
    Pty {
        master,
        _slave: slave,
        path,
    }
}

/// Writes like a scanner at 9600 baud: about one byte per millisecond.
fn type_at_9600(master: &mut TTYPort, bytes: &[u8]) {
    for b in bytes {
        master.write_all(&[*b]).expect("write to pty master");
        thread::sleep(Duration::from_micros(1040));
    }
}

/// Reads through the transport and the framer until `want` frames came or
/// `limit` passed.
fn frames(
    transport: &mut SerialTransport,
    framer: &mut Framer,
    want: usize,
    limit: Duration,
) -> Vec<FrameEvent> {
    let start = Instant::now();
    let mut events = Vec::new();
    while events.len() < want && start.elapsed() < limit {
        match transport.read(Duration::from_millis(20)) {
            Ok(Some(Chunk::Stream(bytes))) => events.extend(framer.push(&bytes, Instant::now())),
            Ok(Some(other)) => panic!("a serial port gave {other:?}"),
            Ok(None) => events.extend(framer.idle(Instant::now())),
            Err(e) => panic!("read failed: {e}"),
        }
    }
    events
}

const SCAN: &[u8] = b"]d201095060001343521726123110ABC\x1d21XYZ123";

#[test]
fn a_scan_typed_at_9600_baud_arrives_whole_through_the_framer() {
    let mut pty = pty();
    let mut transport = SerialTransport::open(&SerialSettings::new(&pty.path)).expect("open");
    let mut framer = Framer::new(FramingConfig::default());
    let writer = thread::spawn(move || {
        let mut scan = SCAN.to_vec();
        scan.push(b'\r');
        type_at_9600(&mut pty.master, &scan);
        type_at_9600(&mut pty.master, b"SECOND\r");
        pty
    });
    let events = frames(&mut transport, &mut framer, 2, Duration::from_secs(5));
    let _pty = writer.join().expect("writer");
    let FrameEvent::Frame(first) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(first.bytes, SCAN);
    assert_eq!(first.aim, Some(*b"]d2"));
    assert!(matches!(&events[1], FrameEvent::Frame(f) if f.bytes == b"SECOND"));
}

#[test]
fn a_crlf_scanner_is_not_translated_by_the_tty_layer() {
    // The port is raw: no CR→LF mapping, no echo, no line buffering.
    let mut pty = pty();
    let mut transport = SerialTransport::open(&SerialSettings::new(&pty.path)).expect("open");
    pty.master.write_all(b"A\x1dB\r\n\x04").expect("write");
    let mut got = Vec::new();
    let start = Instant::now();
    while got.len() < 6 && start.elapsed() < Duration::from_secs(2) {
        if let Some(Chunk::Stream(b)) = transport.read(Duration::from_millis(50)).expect("read") {
            got.extend(b);
        }
    }
    assert_eq!(got, b"A\x1dB\r\n\x04");
}

#[test]
fn one_read_hands_over_every_byte_already_waiting() {
    let mut pty = pty();
    let mut transport = SerialTransport::open(&SerialSettings::new(&pty.path)).expect("open");
    pty.master.write_all(&[b'7'; 300]).expect("write");
    thread::sleep(Duration::from_millis(100));
    let chunk = transport.read(Duration::from_millis(100)).expect("read");
    assert_eq!(chunk, Some(Chunk::Stream(vec![b'7'; 300])));
}

#[test]
fn a_silent_port_times_out_with_nothing_after_about_the_timeout() {
    let pty = pty();
    let mut transport = SerialTransport::open(&SerialSettings::new(&pty.path)).expect("open");
    let start = Instant::now();
    assert_eq!(
        transport.read(Duration::from_millis(60)).expect("read"),
        None
    );
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(50) && waited < Duration::from_millis(500),
        "{waited:?}"
    );
    assert_eq!(transport.read(Duration::ZERO).expect("read"), None);
}

#[test]
fn closing_the_master_is_a_disconnect_within_a_second_without_spinning() {
    let Pty {
        master,
        _slave,
        path,
    } = pty();
    let mut transport = SerialTransport::open(&SerialSettings::new(&path)).expect("open");
    drop(_slave);
    drop(master);
    let start = Instant::now();
    let mut reads = 0;
    let err = loop {
        reads += 1;
        match transport.read(Duration::from_millis(100)) {
            Ok(None) => assert!(start.elapsed() < Duration::from_secs(1), "no disconnect"),
            Ok(Some(c)) => panic!("unexpected {c:?}"),
            Err(e) => break e,
        }
    };
    assert!(
        matches!(err, TransportError::Disconnected(_)),
        "{err:?} after {reads} reads"
    );
    assert!(start.elapsed() < Duration::from_secs(1));
    // Once hung up, every read says so at once, so a caller that keeps
    // reading learns nothing new but never waits on a dead device either.
    assert!(matches!(
        transport.read(Duration::from_millis(100)),
        Err(TransportError::Disconnected(_))
    ));
}

#[test]
fn closing_the_master_while_the_slave_is_still_open_elsewhere_is_a_disconnect_too() {
    let pty = pty();
    let mut transport = SerialTransport::open(&SerialSettings::new(&pty.path)).expect("open");
    let Pty { master, _slave, .. } = pty;
    drop(master);
    let start = Instant::now();
    let err = loop {
        match transport.read(Duration::from_millis(20)) {
            Ok(None) if start.elapsed() < Duration::from_secs(1) => continue,
            other => break other,
        }
    };
    assert!(
        matches!(err, Err(TransportError::Disconnected(_))),
        "{err:?}"
    );
    drop(_slave);
}

#[test]
fn a_path_that_does_not_exist_is_not_found() {
    let err = SerialTransport::open(&SerialSettings::new("/dev/ttyACM-kentai-none")).unwrap_err();
    assert!(matches!(err, TransportError::NotFound(_)), "{err:?}");
}

#[test]
fn a_dangling_symlink_is_not_found() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("scanner");
    std::os::unix::fs::symlink("/dev/pts/kentai-none", &link).expect("symlink");
    let err = SerialTransport::open(&SerialSettings::new(&link)).unwrap_err();
    assert!(matches!(err, TransportError::NotFound(_)), "{err:?}");
}

#[test]
fn a_file_that_is_not_a_tty_cannot_be_opened() {
    let file = tempfile::NamedTempFile::new().expect("tempfile");
    let err = SerialTransport::open(&SerialSettings::new(file.path())).unwrap_err();
    assert!(matches!(err, TransportError::Open(_)), "{err:?}");
}

#[test]
fn unsupported_data_bits_are_refused() {
    let pty = pty();
    let mut settings = SerialSettings::new(&pty.path);
    settings.data_bits = 5;
    let err = SerialTransport::open(&settings).unwrap_err();
    assert!(matches!(err, TransportError::Open(_)), "{err:?}");
}

#[test]
fn seven_data_bits_even_parity_and_two_stop_bits_open() {
    let pty = pty();
    let mut settings = SerialSettings::new(&pty.path);
    settings.baud = 115_200;
    settings.data_bits = 7;
    settings.parity = kentai_drivers::serial::Parity::Even;
    settings.stop_bits = 2;
    settings.flow_control = true;
    SerialTransport::open(&settings).expect("open 7E2 with RTS/CTS");
}

#[test]
fn a_symlink_is_resolved_when_the_port_is_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("scanner");
    let mut first = pty();
    std::os::unix::fs::symlink(&first.path, &link).expect("symlink");
    let settings = SerialSettings::new(&link);
    let transport = SerialTransport::open(&settings).expect("open first");
    assert!(
        transport.describe().contains("scanner"),
        "{}",
        transport.describe()
    );
    assert!(
        transport
            .describe()
            .contains(&*first.path.to_string_lossy()),
        "{}",
        transport.describe()
    );
    drop(transport);

    // Swap the link atomically (new link, then rename over the old one).
    let mut second = pty();
    let tmp = dir.path().join("scanner.new");
    std::os::unix::fs::symlink(&second.path, &tmp).expect("symlink");
    std::fs::rename(&tmp, &link).expect("rename");

    let mut transport = SerialTransport::open(&settings).expect("reopen");
    first.master.write_all(b"OLD\r").expect("write");
    second.master.write_all(b"NEW\r").expect("write");
    let mut framer = Framer::new(FramingConfig::default());
    let events = frames(&mut transport, &mut framer, 1, Duration::from_secs(2));
    assert!(
        matches!(events.as_slice(), [FrameEvent::Frame(f)] if f.bytes == b"NEW"),
        "{events:?}"
    );
}

#[test]
fn a_port_can_be_reopened_after_it_was_closed() {
    let mut pty = pty();
    let settings = SerialSettings::new(&pty.path);
    for round in 0..3 {
        let mut transport = SerialTransport::open(&settings).expect("open");
        pty.master.write_all(b"R\r").expect("write");
        let mut framer = Framer::new(FramingConfig::default());
        let events = frames(&mut transport, &mut framer, 1, Duration::from_secs(2));
        assert_eq!(events.len(), 1, "round {round}: {events:?}");
    }
}

#[test]
fn a_port_already_open_is_refused_while_the_first_holds_it() {
    // Exclusive: TIOCEXCL (root bypasses it) and an exclusive flock (which
    // holds for root too).
    let pty = pty();
    let settings = SerialSettings::new(&pty.path);
    let _first = SerialTransport::open(&settings).expect("open");
    let err = SerialTransport::open(&settings).unwrap_err();
    assert!(matches!(err, TransportError::Open(_)), "{err:?}");
}

#[test]
fn listing_ports_never_panics_and_names_existing_nodes() {
    for port in list_ports() {
        assert!(port.path.starts_with("/dev/"), "{port:?}");
        assert!(!port.description.is_empty());
    }
}
