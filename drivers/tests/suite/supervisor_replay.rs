//! The supervisor's life cycle, driven by replayed scanners through a test
//! opener: scans arrive, lost devices come back, absent ones are retried,
//! and stopping is prompt and final.

use crate::supervisor_support::*;
use kentai_drivers::fake::ReplayTransport;
use kentai_drivers::framing::{FramingConfig, Suffix};
use kentai_drivers::keyboard::Layout;
use kentai_drivers::supervisor::{
    DeviceEvent, DeviceKind, DeviceSpec, DeviceState, Supervisor, SupervisorConfig,
};
use kentai_drivers::usb::UsbSelector;
use kentai_drivers::{Chunk, Transport, TransportError};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

const TWO_SCANS: &str = r#"
+10ms "]d2" "0109506000134352" "10LOT1" 1d "21S1" 0d
+30ms "]C0" "ACC-0002" 0d
"#;

#[test]
fn scans_arrive_with_their_device_and_station_and_are_counted() {
    let opener = Arc::new(ScriptedOpener::default());
    opener.queue_script("desk-1", TWO_SCANS);
    let recorder = Recorder::default();
    let before = SystemTime::now();
    let supervisor = Supervisor::start(
        vec![serial_spec("desk-1", "/dev/ttyACM0")],
        opener,
        quick(),
        recorder.sink(),
    );
    let events = recorder.wait_until(Duration::from_secs(2), |e| {
        frames_of(e, "desk-1").len() == 2
    });
    assert_eq!(
        frames_of(&events, "desk-1"),
        [
            "]d20109506000134352".to_string() + "10LOT1\u{1d}21S1",
            "]C0ACC-0002".into()
        ]
    );
    for event in &events {
        assert_eq!(event.device(), "desk-1");
        assert_eq!(event.station(), "station-desk-1");
        assert!(event.at() >= before);
    }
    let status = &supervisor.statuses()[0];
    assert_eq!(status.state, DeviceState::Reading);
    assert_eq!((status.frames, status.errors, status.connects), (2, 0, 1));
    assert_eq!(status.kind, "serial");
    assert_eq!(status.target, "/dev/ttyACM0");
    supervisor.stop();
}

#[test]
fn a_lost_device_goes_lost_then_back_off_then_reading_again_on_the_next_open() {
    let opener = Arc::new(ScriptedOpener::default());
    opener.queue_script(
        "desk-1",
        r#"
        "FIRST" 0d
        +20ms "HALF"
        +30ms disconnect cable pulled
        "#,
    );
    opener.queue_script("desk-1", "+10ms \"SECOND\" 0d");
    let recorder = Recorder::default();
    let supervisor = Supervisor::start(
        vec![serial_spec("desk-1", "/dev/ttyACM0")],
        opener.clone(),
        quick(),
        recorder.sink(),
    );
    let events = recorder.wait_until(Duration::from_secs(3), |e| {
        frames_of(e, "desk-1").len() == 2
    });
    assert_eq!(
        story_of(&events, "desk-1"),
        [
            "state open",
            "state reading",
            "frame FIRST",
            "error half_frame",
            "state lost",
            "state back_off",
            "state open",
            "state reading",
            "frame SECOND",
        ]
    );
    let lost = events.iter().find_map(|e| match e {
        DeviceEvent::State {
            state: DeviceState::Lost,
            detail,
            ..
        } => detail.clone(),
        _ => None,
    });
    assert_eq!(lost.as_deref(), Some("cable pulled"));
    let status = &supervisor.statuses()[0];
    assert_eq!((status.frames, status.errors, status.connects), (2, 1, 2));
    assert_eq!(status.state, DeviceState::Reading);
    assert_eq!(status.last_error.as_deref(), Some("cable pulled"));
    let opens = opener.opens_of("desk-1");
    assert!(
        opens[1] - opens[0] >= quick().backoff_min,
        "reopened without backing off"
    );
    supervisor.stop();
}

#[test]
fn a_device_that_cannot_be_opened_stays_absent_and_is_retried_with_growing_waits() {
    let opener = Arc::new(ScriptedOpener::default());
    let recorder = Recorder::default();
    let config = SupervisorConfig {
        read_timeout: Duration::from_millis(10),
        backoff_min: Duration::from_millis(20),
        backoff_max: Duration::from_millis(80),
    };
    let supervisor = Supervisor::start(
        vec![serial_spec("desk-1", "/dev/ttyACM9")],
        opener.clone(),
        config,
        recorder.sink(),
    );
    thread::sleep(Duration::from_millis(600));
    let status = supervisor.statuses()[0].clone();
    supervisor.stop();

    let opens = opener.opens_of("desk-1");
    assert!(opens.len() >= 5, "only {} attempts", opens.len());
    let gaps: Vec<Duration> = opens.windows(2).map(|w| w[1] - w[0]).collect();
    // 20, 40, 80, 80, …: doubling, then capped.
    assert!(gaps[0] >= Duration::from_millis(20), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(40), "{gaps:?}");
    assert!(gaps[2] >= Duration::from_millis(80), "{gaps:?}");
    assert!(
        gaps.iter().all(|g| *g < Duration::from_millis(80 + 60)),
        "{gaps:?}"
    );
    assert_eq!(status.state, DeviceState::Absent);
    assert_eq!(status.connects, 0);
    assert_eq!(status.errors, 0, "failed opens are not counted as errors");
    assert_eq!(
        status.last_error.as_deref(),
        Some("device not found: desk-1 is unplugged")
    );
    // One event for the whole outage, not one per attempt.
    assert_eq!(story_of(&recorder.events(), "desk-1"), ["state absent"]);
}

#[test]
fn a_new_reason_for_not_opening_is_reported_again() {
    let opener = Arc::new(ScriptedOpener::default());
    opener.queue("desk-1", || {
        Err(TransportError::NotFound("/dev/ttyACM0".into()))
    });
    opener.queue("desk-1", || {
        Err(TransportError::Open(
            "/dev/ttyACM0: permission denied".into(),
        ))
    });
    opener.queue("desk-1", || {
        Err(TransportError::Open(
            "/dev/ttyACM0: permission denied".into(),
        ))
    });
    opener.queue_script("desk-1", "\"OK\" 0d");
    let recorder = Recorder::default();
    let supervisor = Supervisor::start(
        vec![serial_spec("desk-1", "/dev/ttyACM0")],
        opener,
        quick(),
        recorder.sink(),
    );
    let events = recorder.wait_until(Duration::from_secs(2), |e| {
        frames_of(e, "desk-1").len() == 1
    });
    supervisor.stop();
    let details: Vec<Option<String>> = events
        .iter()
        .filter_map(|e| match e {
            DeviceEvent::State {
                state: DeviceState::Absent,
                detail,
                ..
            } => Some(detail.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        details,
        [
            Some("device not found: /dev/ttyACM0".to_string()),
            Some("cannot open device: /dev/ttyACM0: permission denied".to_string()),
        ]
    );
    assert_eq!(
        story_of(&events, "desk-1")[2..],
        ["state open", "state reading", "frame OK"]
    );
}

#[test]
fn a_read_error_is_counted_reported_and_the_device_reopened() {
    let opener = Arc::new(ScriptedOpener::default());
    opener.queue_script("desk-1", "\"PART\"\n+5ms error overrun on the UART");
    opener.queue_script("desk-1", "\"AFTER\" 0d");
    let recorder = Recorder::default();
    let supervisor = Supervisor::start(
        vec![serial_spec("desk-1", "/dev/ttyACM0")],
        opener,
        quick(),
        recorder.sink(),
    );
    let events = recorder.wait_until(Duration::from_secs(2), |e| {
        frames_of(e, "desk-1").len() == 1
    });
    let status = supervisor.statuses()[0].clone();
    supervisor.stop();
    assert_eq!(
        story_of(&events, "desk-1"),
        [
            "state open",
            "state reading",
            "error half_frame",
            "state back_off",
            "state open",
            "state reading",
            "frame AFTER",
        ]
    );
    let back_off = events.iter().find_map(|e| match e {
        DeviceEvent::State {
            state: DeviceState::BackOff,
            detail,
            ..
        } => detail.clone(),
        _ => None,
    });
    assert!(
        back_off
            .as_deref()
            .is_some_and(|d| d.contains("overrun on the UART")),
        "{back_off:?}"
    );
    // The read error and the scan it cut off.
    assert_eq!((status.errors, status.connects), (2, 2));
}

#[test]
fn a_scan_ended_by_silence_is_flushed_on_time_even_with_a_long_read_timeout() {
    let opener = Arc::new(ScriptedOpener::default());
    opener.queue_script("desk-1", "\"NO-SUFFIX-SCAN\"");
    let recorder = Recorder::default();
    let mut spec = serial_spec("desk-1", "/dev/ttyACM0");
    spec.framing = FramingConfig {
        suffix: Suffix::None,
        silence: Duration::from_millis(60),
        max_len: 4096,
    };
    let config = SupervisorConfig {
        read_timeout: Duration::from_millis(1000),
        ..quick()
    };
    let supervisor = Supervisor::start(vec![spec], opener, config, recorder.sink());
    let events = recorder.wait_until(Duration::from_secs(3), |e| {
        frames_of(e, "desk-1").len() == 1
    });
    let received = SystemTime::now();
    supervisor.stop();
    let at = events
        .iter()
        .find_map(|e| match e {
            DeviceEvent::Frame { at, .. } => Some(*at),
            _ => None,
        })
        .expect("a frame");
    let late = received.duration_since(at).unwrap_or_default();
    assert!(
        late >= Duration::from_millis(55) && late < Duration::from_millis(400),
        "flushed {late:?} after the last byte"
    );
}

#[test]
fn hid_pos_symbols_become_frames_with_their_aim_identifier() {
    let opener = Arc::new(ScriptedOpener::default());
    opener.queue_script("pos-1", "symbol ]d2 \"0109506000134352\"");
    let recorder = Recorder::default();
    let spec = DeviceSpec::new(
        "pos-1",
        "lab-fridge",
        DeviceKind::HidPos(UsbSelector {
            vid: 0x0c2e,
            pid: 0x0b87,
            serial: None,
        }),
    );
    let supervisor = Supervisor::start(vec![spec], opener, quick(), recorder.sink());
    let events = recorder.wait_until(Duration::from_secs(2), |e| frames_of(e, "pos-1").len() == 1);
    supervisor.stop();
    let frame = events
        .iter()
        .find_map(|e| match e {
            DeviceEvent::Frame { frame, .. } => Some(frame.clone()),
            _ => None,
        })
        .expect("a frame");
    assert_eq!(frame.aim, Some(*b"]d2"));
    assert_eq!(frame.bytes, b"]d20109506000134352");
}

#[test]
fn statuses_come_in_spec_order_with_kind_and_target() {
    let specs = vec![
        serial_spec("b-serial", "/dev/serial/by-id/scanner"),
        DeviceSpec::new(
            "a-pos",
            "reception-1",
            DeviceKind::HidPos(UsbSelector {
                vid: 0x0c2e,
                pid: 0x0b87,
                serial: Some("XYZ".into()),
            }),
        ),
        DeviceSpec::new(
            "c-kbd",
            "packing-1",
            DeviceKind::UsbKeyboard(
                UsbSelector {
                    vid: 0x05e0,
                    pid: 0x1200,
                    serial: None,
                },
                Layout::Jis,
            ),
        ),
    ];
    let supervisor = Supervisor::start(
        specs,
        Arc::new(ScriptedOpener::default()),
        quick(),
        Recorder::default().sink(),
    );
    let statuses = supervisor.statuses();
    supervisor.stop();
    let rows: Vec<(&str, &str, &str, &str)> = statuses
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.station.as_str(),
                s.kind,
                s.target.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "b-serial",
                "station-b-serial",
                "serial",
                "/dev/serial/by-id/scanner"
            ),
            ("a-pos", "reception-1", "hid_pos", "0c2e:0b87 serial XYZ"),
            ("c-kbd", "packing-1", "usb_keyboard", "05e0:1200"),
        ]
    );
}

#[test]
fn state_codes_are_the_documented_ones() {
    let codes: Vec<&str> = [
        DeviceState::Absent,
        DeviceState::Open,
        DeviceState::Reading,
        DeviceState::Lost,
        DeviceState::BackOff,
    ]
    .iter()
    .map(|s| s.code())
    .collect();
    assert_eq!(codes, ["absent", "open", "reading", "lost", "back_off"]);
}

#[test]
fn each_device_is_read_on_its_own_thread_named_after_it() {
    let opener = Arc::new(ScriptedOpener::default());
    opener.queue_script("desk-1", "\"A\" 0d");
    let names = Arc::new(Mutex::new(Vec::new()));
    let seen = names.clone();
    let supervisor = Supervisor::start(
        vec![serial_spec("desk-1", "/dev/ttyACM0")],
        opener,
        quick(),
        Arc::new(move |_| {
            let name = thread::current().name().map(str::to_string);
            seen.lock().expect("names").push(name);
        }),
    );
    thread::sleep(Duration::from_millis(200));
    supervisor.stop();
    let names = names.lock().expect("names");
    assert!(!names.is_empty());
    assert!(
        names.iter().all(|n| n.as_deref() == Some("scanner-desk-1")),
        "{names:?}"
    );
}

/// A transport that never answers: its read ignores the timeout for a
/// long while.
struct Mute;

impl Transport for Mute {
    fn read(&mut self, _timeout: Duration) -> Result<Option<Chunk>, TransportError> {
        thread::sleep(Duration::from_secs(30));
        Ok(None)
    }
    fn describe(&self) -> String {
        "mute".into()
    }
}

#[test]
fn a_device_whose_open_hangs_or_that_never_answers_holds_up_no_other_and_not_stop() {
    let opener = Arc::new(ScriptedOpener::default());
    opener.queue("hung-open", || {
        thread::sleep(Duration::from_secs(30));
        Err(TransportError::NotFound("too late".into()))
    });
    opener.queue("mute", || Ok(Box::new(Mute) as Box<dyn Transport>));
    opener.queue_script("desk-1", TWO_SCANS);
    let recorder = Recorder::default();
    let supervisor = Supervisor::start(
        vec![
            serial_spec("hung-open", "/dev/ttyACM1"),
            serial_spec("mute", "/dev/ttyACM2"),
            serial_spec("desk-1", "/dev/ttyACM0"),
        ],
        opener,
        quick(),
        recorder.sink(),
    );
    let events = recorder.wait_until(Duration::from_secs(2), |e| {
        frames_of(e, "desk-1").len() == 2
    });
    assert_eq!(frames_of(&events, "desk-1").len(), 2);
    let start = Instant::now();
    supervisor.stop();
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "stop took {:?}",
        start.elapsed()
    );
    let after = recorder.events().len();
    thread::sleep(Duration::from_millis(100));
    assert_eq!(recorder.events().len(), after);
}

#[test]
fn stop_returns_promptly_even_during_a_long_back_off() {
    let opener = Arc::new(ScriptedOpener::default());
    let config = SupervisorConfig {
        read_timeout: Duration::from_millis(20),
        backoff_min: Duration::from_secs(10),
        backoff_max: Duration::from_secs(60),
    };
    let supervisor = Supervisor::start(
        vec![serial_spec("desk-1", "/dev/ttyACM0")],
        opener.clone(),
        config,
        Recorder::default().sink(),
    );
    while opener.opens_of("desk-1").is_empty() {
        thread::sleep(Duration::from_millis(5));
    }
    thread::sleep(Duration::from_millis(20));
    let start = Instant::now();
    supervisor.stop();
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn the_sink_is_never_called_after_stop_returns() {
    // Busy devices and a slow sink: stop lands while calls are in flight.
    let opener = Arc::new(ScriptedOpener::default());
    let mut specs = Vec::new();
    for i in 0..4 {
        let name = format!("busy-{i}");
        opener.queue(&name, || {
            let chunks = (0..1000)
                .map(|n| {
                    (
                        Duration::from_millis(1),
                        Chunk::Stream(format!("S{n}\r").into_bytes()),
                    )
                })
                .collect();
            Ok(Box::new(ReplayTransport::from_chunks(chunks)) as Box<dyn Transport>)
        });
        specs.push(serial_spec(&name, "/dev/null"));
    }
    let stopped = Arc::new(AtomicBool::new(false));
    let late = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let (s, l, c) = (stopped.clone(), late.clone(), calls.clone());
    let supervisor = Supervisor::start(
        specs,
        opener,
        quick(),
        Arc::new(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
            thread::sleep(Duration::from_millis(3));
            if s.load(Ordering::SeqCst) {
                l.fetch_add(1, Ordering::SeqCst);
            }
        }),
    );
    thread::sleep(Duration::from_millis(150));
    supervisor.stop();
    stopped.store(true, Ordering::SeqCst);
    thread::sleep(Duration::from_millis(100));
    assert!(calls.load(Ordering::SeqCst) > 10);
    assert_eq!(late.load(Ordering::SeqCst), 0);
}

#[test]
fn dropping_the_supervisor_stops_it_too() {
    let opener = Arc::new(ScriptedOpener::default());
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let supervisor = Supervisor::start(
        vec![serial_spec("desk-1", "/dev/ttyACM0")],
        opener,
        quick(),
        Arc::new(move |_| {
            c.fetch_add(1, Ordering::SeqCst);
        }),
    );
    thread::sleep(Duration::from_millis(50));
    drop(supervisor);
    let after = calls.load(Ordering::SeqCst);
    thread::sleep(Duration::from_millis(200));
    assert_eq!(calls.load(Ordering::SeqCst), after);
}

#[test]
fn a_panicking_sink_costs_one_event_not_the_scanner() {
    let opener = Arc::new(ScriptedOpener::default());
    opener.queue_script("desk-1", "\"BOOM\" 0d\n+20ms \"FINE\" 0d");
    let recorder = Recorder::default();
    let inner = recorder.sink();
    let supervisor = Supervisor::start(
        vec![serial_spec("desk-1", "/dev/ttyACM0")],
        opener,
        quick(),
        Arc::new(move |event: DeviceEvent| {
            if let DeviceEvent::Frame { frame, .. } = &event {
                if frame.bytes == b"BOOM" {
                    panic!("the journal is full");
                }
            }
            inner(event)
        }),
    );
    let events = recorder.wait_until(Duration::from_secs(2), |e| {
        frames_of(e, "desk-1").len() == 1
    });
    let status = supervisor.statuses()[0].clone();
    supervisor.stop();
    assert_eq!(frames_of(&events, "desk-1"), ["FINE"]);
    assert_eq!(status.errors, 1);
    assert_eq!(
        status.last_error.as_deref(),
        Some("the event sink panicked")
    );
}

#[test]
fn device_kinds_name_their_code_and_target() {
    let serial = DeviceKind::Serial(kentai_drivers::serial::SerialSettings::new("/dev/ttyACM0"));
    assert_eq!(
        (serial.code(), serial.target()),
        ("serial", "/dev/ttyACM0".into())
    );
    let pos = DeviceKind::HidPos(UsbSelector {
        vid: 0x0c2e,
        pid: 0x0b87,
        serial: None,
    });
    assert_eq!((pos.code(), pos.target()), ("hid_pos", "0c2e:0b87".into()));
    let kbd = DeviceKind::UsbKeyboard(
        UsbSelector {
            vid: 0x0c2e,
            pid: 0x0b87,
            serial: Some("XYZ".into()),
        },
        Layout::Us,
    );
    assert_eq!(
        (kbd.code(), kbd.target()),
        ("usb_keyboard", "0c2e:0b87 serial XYZ".into())
    );
    assert_eq!(
        SupervisorConfig::default().read_timeout,
        Duration::from_millis(20)
    );
    assert_eq!(
        SupervisorConfig::default().backoff_min,
        Duration::from_millis(100)
    );
    assert_eq!(
        SupervisorConfig::default().backoff_max,
        Duration::from_secs(2)
    );
}
