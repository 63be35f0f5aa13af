//! Serial scanners on real pseudo-terminals (README, scanners and stations): scans typed at
//! 9600-baud pace arrive whole at their station; a scanner pulled out
//! mid-frame and plugged back (a new pty behind the same configured path)
//! is read again without a restart; garbage and an endless line are refused
//! and reported while the next good scan goes through; 32 scanners at once
//! lose nothing.

use crate::common;
use crate::common::{serial_scanner, spawn_app_with, with_stations, TestApp};
use kentai::config::ScannerConfig;
use kentai::simulate::Pty;
use kentai_drivers::framing::Suffix;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};

// A deadline for correctness, generous for a busy CI machine.
const WAIT: Duration = Duration::from_secs(30);

async fn app_with_scanners(scanners: Vec<ScannerConfig>) -> TestApp {
    spawn_app_with(move |c| {
        with_stations(c);
        c.scanners = scanners;
    })
    .await
}

/// Runs blocking pty writes off the test's runtime.
async fn send(pty: &mut Pty, bytes: &[u8], suffix: Option<Suffix>) {
    let bytes = bytes.to_vec();
    tokio::task::block_in_place(|| match suffix {
        Some(s) => pty.send_scan(&bytes, s, Some(9600)),
        None => pty.write_paced(&bytes, Some(9600)),
    })
    .expect("write to the pty");
}

fn link_in(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// One serial scanner `desk-1` at `reception-1`, open, with the station's
/// events followed.
struct Desk {
    _dir: tempfile::TempDir,
    link: PathBuf,
    pty: Pty,
    app: TestApp,
    events: common::EventStream,
}

async fn desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let link = link_in(&dir, "desk-1");
    let pty = Pty::create(&link).unwrap();
    let app = app_with_scanners(vec![serial_scanner("desk-1", &link, "reception-1")]).await;
    app.until_scanner_open("desk-1", WAIT).await;
    let events = app.events("reception-1", &app.admin, None).await;
    Desk {
        _dir: dir,
        link,
        pty,
        app,
        events,
    }
}

const GS1_SCAN: &[u8] = b"]d2010491234500001917301231\x1d10LOT-1\x1d21S1";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_gs1_scan_typed_byte_by_byte_at_9600_baud_arrives_whole_with_its_gs_separators() {
    let Desk {
        _dir,
        link: _,
        mut pty,
        app,
        mut events,
    } = desk().await;
    send(&mut pty, GS1_SCAN, Some(Suffix::Cr)).await;
    let event = events.next_scan(WAIT).await.expect("the scan");
    assert_eq!(event.data["device"], "desk-1");
    assert_eq!(event.data["aim"], "]d2");
    assert_eq!(event.data["data"].as_str().unwrap().as_bytes(), GS1_SCAN);
    assert_eq!(event.data["outcome"]["kind"], "kit");
    // Journalled before it was processed, as the station's own user.
    assert_eq!(app.count("scans"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_scanner_unplugged_mid_frame_and_plugged_back_is_read_again_without_a_restart() {
    let Desk {
        _dir,
        link,
        mut pty,
        app,
        mut events,
    } = desk().await;

    send(&mut pty, b"P-HALF", None).await;
    drop(pty);
    let mut saw_half_frame = false;
    let mut saw_lost = false;
    while !(saw_half_frame && saw_lost) {
        let e = events
            .next(WAIT)
            .await
            .expect("device events after the unplug");
        match e.name.as_str() {
            "device_error" => {
                assert_eq!(e.data["code"], "half_frame", "{:?}", e.data);
                saw_half_frame = true;
            }
            "device" if e.data["state"] == "lost" => saw_lost = true,
            "scan" => panic!("half a scan must not be processed: {:?}", e.data),
            _ => {}
        }
    }

    let mut pty = Pty::create(&link).unwrap();
    app.until_scanner_open("desk-1", WAIT).await;
    send(&mut pty, b"P-AFTER", Some(Suffix::Cr)).await;
    let event = events
        .next_scan(WAIT)
        .await
        .expect("the scan after replugging");
    assert_eq!(event.data["data"], "P-AFTER");
    assert_eq!(app.count("scans"), 1, "the half frame was never journalled");
    let (_, devices) = app.get("/api/v1/devices", &app.admin).await;
    let desk = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "desk-1")
        .unwrap()
        .clone();
    assert_eq!(desk["frames"], 1, "{desk}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn garbage_and_a_10_kb_line_are_refused_and_reported_and_the_next_scan_goes_through() {
    let Desk {
        _dir,
        link: _,
        mut pty,
        app,
        mut events,
    } = desk().await;

    tokio::task::block_in_place(|| pty.write_paced(b"\x00\x13\xffNOISE\x07\r", None)).unwrap();
    let e = next_named(&mut events, "device_error").await;
    assert_eq!(e.data["code"], "garbage", "{:?}", e.data);
    // In the listener's language (Japanese by default), from the catalogue.
    let message = e.data["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("バイトを破棄しました") && message.contains("NOISE"),
        "{message}"
    );

    let long = vec![b'7'; 10 * 1024];
    tokio::task::block_in_place(|| pty.write_paced(&long, None)).unwrap();
    let e = next_named(&mut events, "device_error").await;
    assert_eq!(e.data["code"], "too_long", "{:?}", e.data);
    // Silence ends the endless line; then a good scan.
    tokio::time::sleep(Duration::from_millis(500)).await;
    send(&mut pty, b"P-GOOD", Some(Suffix::Cr)).await;
    let event = events.next_scan(WAIT).await.expect("the good scan");
    assert_eq!(event.data["data"], "P-GOOD");
    assert_eq!(app.count("scans"), 1);
}

async fn next_named(events: &mut common::EventStream, name: &str) -> common::Event {
    loop {
        let e = events
            .next(WAIT)
            .await
            .unwrap_or_else(|| panic!("no {name} event"));
        if e.name == name {
            return e;
        }
        assert_ne!(e.name, "scan", "unexpected scan {:?}", e.data);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_scanners_scanning_at_once_lose_nothing() {
    const SCANNERS: usize = 32;
    const SCANS: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let stations = ["reception-1", "fridge-1", "packing-1", "receiving-1"];
    let mut ptys = Vec::new();
    let mut scanners = Vec::new();
    for i in 0..SCANNERS {
        let link = link_in(&dir, &format!("s{i}"));
        ptys.push(Pty::create(&link).unwrap());
        scanners.push(serial_scanner(
            &format!("s{i}"),
            &link,
            stations[i % stations.len()],
        ));
    }
    let app = app_with_scanners(scanners).await;
    for i in 0..SCANNERS {
        app.until_scanner_open(&format!("s{i}"), WAIT).await;
    }
    let writers: Vec<_> = ptys
        .into_iter()
        .enumerate()
        .map(|(i, mut pty)| {
            std::thread::spawn(move || {
                for n in 0..SCANS {
                    pty.send_scan(format!("X{i:02}-{n:03}").as_bytes(), Suffix::Cr, Some(9600))
                        .expect("write");
                }
                pty
            })
        })
        .collect();
    let ptys: Vec<Pty> = writers.into_iter().map(|w| w.join().unwrap()).collect();

    // Every scan journalled and its outcome recorded (the outcome is
    // written just after the station hears it).
    let deadline = Instant::now() + Duration::from_secs(30);
    let list = loop {
        let (_, body) = app
            .get("/api/v1/scans?after=0&limit=1000", &app.admin)
            .await;
        let list = body.as_array().cloned().unwrap_or_default();
        if list.len() == SCANNERS * SCANS && list.iter().all(|s: &Value| s["outcome"].is_object()) {
            break list;
        }
        assert!(
            Instant::now() < deadline,
            "only {} scans arrived",
            list.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for i in 0..SCANNERS {
        let data: Vec<&str> = list
            .iter()
            .filter(|s| s["device"] == format!("s{i}").as_str())
            .map(|s| s["data"].as_str().unwrap())
            .collect();
        let expected: Vec<String> = (0..SCANS).map(|n| format!("X{i:02}-{n:03}")).collect();
        assert_eq!(data, expected, "scanner s{i}'s scans, in order");
    }
    assert!(
        list.iter().all(|s: &Value| s["outcome"].is_object()),
        "every scan was processed"
    );
    drop(ptys);
}
