//! The replay transport: its script format, its timing, and the recorded
//! serial sessions in `fixtures/serial/` framed as the supervisor would.

use kentai_drivers::fake::{ParseError, ReplayTransport};
use kentai_drivers::framing::{frame_symbol, FrameEvent, Framer, FramingConfig, Suffix};
use kentai_drivers::{Chunk, Symbol, Transport, TransportError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/serial")
        .join(name)
}

/// What a replay frames to, read the way the supervisor reads: short
/// timeouts, `idle` on silence. Stops at a disconnect or after `limit`.
fn frame_all(
    mut transport: ReplayTransport,
    config: FramingConfig,
    limit: Duration,
) -> (Vec<FrameEvent>, Option<TransportError>) {
    let mut framer = Framer::new(config.clone());
    let mut events = Vec::new();
    let start = Instant::now();
    while start.elapsed() < limit {
        match transport.read(Duration::from_millis(20)) {
            Ok(Some(Chunk::Stream(bytes))) => events.extend(framer.push(&bytes, Instant::now())),
            Ok(Some(Chunk::Symbol(symbol))) => events.push(frame_symbol(symbol, &config)),
            Ok(None) => events.extend(framer.idle(Instant::now())),
            Err(TransportError::Disconnected(m)) => {
                events.extend(framer.reset().map(FrameEvent::Error));
                return (events, Some(TransportError::Disconnected(m)));
            }
            Err(e) => return (events, Some(e)),
        }
    }
    (events, None)
}

fn summary(events: &[FrameEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            FrameEvent::Frame(f) => format!("frame {}", String::from_utf8_lossy(&f.bytes)),
            FrameEvent::Error(e) => format!("error {}", e.code()),
        })
        .collect()
}

#[test]
fn the_gs1_datamatrix_fixture_frames_to_two_scans_with_their_gs_kept() {
    let replay =
        ReplayTransport::from_file(fixture("gs1-datamatrix-cr-9600.replay")).expect("fixture");
    let (events, end) = frame_all(
        replay,
        FramingConfig::default(),
        Duration::from_millis(1600),
    );
    assert!(end.is_none(), "{end:?}");
    assert_eq!(
        summary(&events),
        [
            "frame ]d201095060001343521726123110LOT42A\u{1d}21K000123",
            "frame ]d2801849123450000000012980191",
        ]
    );
    let FrameEvent::Frame(kit) = &events[0] else {
        panic!()
    };
    assert_eq!(kit.aim, Some(*b"]d2"));
    assert!(kit.bytes.contains(&0x1d));
}

#[test]
fn the_stx_etx_fixture_frames_two_scans_then_a_half_frame_at_the_unplug() {
    let replay = ReplayTransport::from_file(fixture("stx-etx-usb-serial.replay")).expect("fixture");
    let config = FramingConfig {
        suffix: Suffix::StxEtx,
        ..FramingConfig::default()
    };
    let (events, end) = frame_all(replay, config, Duration::from_secs(5));
    assert!(
        matches!(&end, Some(TransportError::Disconnected(m)) if m.contains("unplugged")),
        "{end:?}"
    );
    assert_eq!(
        summary(&events),
        [
            "frame ]C0ACC-2026-000123",
            "frame ]C100349123450000000010",
            "error half_frame",
        ]
    );
}

#[test]
fn the_crlf_fixture_read_as_cr_gives_three_scans_and_one_garbage_error() {
    let replay = ReplayTransport::from_file(fixture("crlf-scanner-configured-as-cr.replay"))
        .expect("fixture");
    let (events, _) = frame_all(
        replay,
        FramingConfig::default(),
        Duration::from_millis(1300),
    );
    assert_eq!(
        summary(&events),
        [
            "frame ]C0SPEC-0001",
            "frame ]C0SPEC-0002",
            "error garbage",
            "frame ]C0SPEC-0003",
        ]
    );
}

#[test]
fn every_fixture_in_fixtures_serial_parses() {
    let dir = fixture("");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("fixtures/serial") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "replay") {
            ReplayTransport::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            seen += 1;
        }
    }
    assert!(seen >= 3, "only {seen} fixtures in {}", dir.display());
}

#[test]
fn a_step_is_not_delivered_before_its_delay() {
    let mut replay = ReplayTransport::from_script("+100ms \"A\"").expect("script");
    let start = Instant::now();
    assert_eq!(replay.read(Duration::from_millis(30)).expect("read"), None);
    let chunk = replay.read(Duration::from_millis(500)).expect("read");
    let at = start.elapsed();
    assert_eq!(chunk, Some(Chunk::Stream(b"A".to_vec())));
    assert!(
        at >= Duration::from_millis(95) && at < Duration::from_millis(300),
        "{at:?}"
    );
}

#[test]
fn delays_count_from_the_previous_delivery() {
    let mut replay = ReplayTransport::from_chunks(vec![
        (Duration::ZERO, Chunk::Stream(b"A".to_vec())),
        (Duration::from_millis(200), Chunk::Stream(b"B".to_vec())),
    ]);
    assert!(replay
        .read(Duration::from_millis(10))
        .expect("read")
        .is_some());
    // Reading late does not make the next step early.
    std::thread::sleep(Duration::from_millis(50));
    assert!(replay
        .read(Duration::from_millis(10))
        .expect("read")
        .is_none());
    let start = Instant::now();
    assert!(replay.read(Duration::from_secs(1)).expect("read").is_some());
    assert!(start.elapsed() >= Duration::from_millis(10));
}

#[test]
fn after_the_script_the_device_stays_silent_for_each_whole_timeout() {
    let mut replay = ReplayTransport::from_script("\"A\"").expect("script");
    assert!(replay
        .read(Duration::from_millis(10))
        .expect("read")
        .is_some());
    for _ in 0..3 {
        let start = Instant::now();
        assert_eq!(replay.read(Duration::from_millis(25)).expect("read"), None);
        assert!(start.elapsed() >= Duration::from_millis(20));
    }
    assert_eq!(replay.remaining(), 0);
}

#[test]
fn a_disconnect_ends_the_script_and_every_read_after_it_fails() {
    let mut replay =
        ReplayTransport::from_script("\"A\"\n+10ms disconnect cable pulled").expect("script");
    assert!(replay
        .read(Duration::from_millis(50))
        .expect("read")
        .is_some());
    for _ in 0..2 {
        match replay.read(Duration::from_millis(50)) {
            Err(TransportError::Disconnected(m)) => assert_eq!(m, "cable pulled"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn from_chunks_then_disconnect_disconnects_after_the_chunks() {
    let mut replay =
        ReplayTransport::from_chunks(vec![(Duration::ZERO, Chunk::Stream(b"A".to_vec()))])
            .then_disconnect("gone");
    assert!(replay
        .read(Duration::from_millis(10))
        .expect("read")
        .is_some());
    assert!(matches!(
        replay.read(Duration::from_millis(10)),
        Err(TransportError::Disconnected(_))
    ));
}

#[test]
fn an_error_step_fails_one_read_and_the_script_goes_on() {
    let mut replay =
        ReplayTransport::from_script("error framing error on the UART\n\"A\"").expect("script");
    assert!(matches!(
        replay.read(Duration::from_millis(10)),
        Err(TransportError::Io(m)) if m == "framing error on the UART"
    ));
    assert_eq!(
        replay.read(Duration::from_millis(10)).expect("read"),
        Some(Chunk::Stream(b"A".to_vec()))
    );
}

#[test]
fn a_symbol_step_delivers_a_hid_pos_symbol() {
    let mut replay = ReplayTransport::from_script(
        "symbol ]d2 \"0109506000134352\" 1d \"10X\"\nsymbol - \"123\"",
    )
    .expect("script");
    assert_eq!(
        replay.read(Duration::from_millis(10)).expect("read"),
        Some(Chunk::Symbol(Symbol {
            aim: Some(*b"]d2"),
            data: b"0109506000134352\x1d10X".to_vec()
        }))
    );
    assert_eq!(
        replay.read(Duration::from_millis(10)).expect("read"),
        Some(Chunk::Symbol(Symbol {
            aim: None,
            data: b"123".to_vec()
        }))
    );
}

#[test]
fn hex_bytes_quoted_text_and_escapes_mix_on_one_line() {
    let mut replay =
        ReplayTransport::from_script(r#"5d 64 32 "01\x1d\"q\"\\" 0d  # trailing comment"#)
            .expect("script");
    assert_eq!(
        replay.read(Duration::from_millis(10)).expect("read"),
        Some(Chunk::Stream(b"]d201\x1d\"q\"\\\r".to_vec()))
    );
}

#[test]
fn pace_delivers_a_step_one_byte_at_a_time_at_the_baud_rate() {
    let mut replay = ReplayTransport::from_script("pace 1200\n\"ABCDEFGHIJ\"").expect("script");
    // 1200 baud, 10 bits a byte: 8.3 ms a byte.
    let start = Instant::now();
    let mut got = Vec::new();
    while got.len() < 10 {
        match replay.read(Duration::from_millis(100)).expect("read") {
            Some(Chunk::Stream(b)) => {
                assert_eq!(b.len(), 1);
                got.extend(b);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(got, b"ABCDEFGHIJ");
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(70), "{took:?}");
}

#[test]
fn script_errors_name_their_line() {
    let cases = [
        ("\"A\"\n\n+5 \"B\"", 3),
        ("zz", 1),
        ("# ok\n\"unterminated", 2),
        ("symbol ]d \"A\"", 1),
        ("pace fast", 1),
        ("disconnect\n\"A\"", 2),
        ("\"\\q\"", 1),
        ("+1ms", 1),
    ];
    for (script, line) in cases {
        match ReplayTransport::from_script(script) {
            Err(ParseError::Syntax { line: got, message }) => {
                assert_eq!(got, line, "{script:?}: {message}")
            }
            other => panic!("{script:?}: {other:?}"),
        }
    }
}

#[test]
fn a_missing_script_file_is_a_read_error() {
    assert!(matches!(
        ReplayTransport::from_file("/nonexistent/kentai.replay"),
        Err(ParseError::Read { .. })
    ));
}

#[test]
fn describe_names_the_script_file() {
    let replay =
        ReplayTransport::from_file(fixture("gs1-datamatrix-cr-9600.replay")).expect("fixture");
    assert!(replay.describe().starts_with("replay:"));
    assert!(replay.describe().ends_with("gs1-datamatrix-cr-9600.replay"));
}
