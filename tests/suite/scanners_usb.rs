//! USB scanners end to end, on recorded reports (this machine has no USB):
//! a keyboard-mode scanner typing a GS1 DataMatrix scan through the
//! Japanese JIS layout, with GS as Ctrl+], and a HID POS scanner's
//! continued reports, reach their stations as whole scans with their GS
//! separators — the path a real device's reports take after `rusb`.

use crate::common::{spawn_app_with_opener, with_stations};
use kentai::config::ScannerConfig;
use kentai_drivers::keyboard::Layout;
use kentai_drivers::supervisor::{DeviceKind, DeviceSpec, Opener};
use kentai_drivers::usb::{
    parse_report_dump, HidPosReader, KeyboardReader, Recorded, RecordedSource,
};
use kentai_drivers::{Transport, TransportError};
use std::sync::Arc;
use std::time::Duration;

// A deadline for correctness, generous for a busy CI machine.
const WAIT: Duration = Duration::from_secs(30);

fn fixture(name: &str) -> Vec<Vec<u8>> {
    let path = format!("{}/fixtures/usb/{name}", env!("CARGO_MANIFEST_DIR"));
    parse_report_dump(&std::fs::read_to_string(path).expect("fixture")).expect("report dump")
}

/// Opens each USB scanner as a replay of its recorded reports, once: after
/// the recorded unplug the scanner is gone.
#[derive(Default)]
struct Recordings {
    opened: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl Opener for Recordings {
    fn open(&self, spec: &DeviceSpec) -> Result<Box<dyn Transport>, TransportError> {
        if !self.opened.lock().unwrap().insert(spec.name.clone()) {
            return Err(TransportError::NotFound(format!(
                "{} was unplugged",
                spec.name
            )));
        }
        match &spec.kind {
            DeviceKind::UsbKeyboard(_, layout) => {
                let mut steps: Vec<Recorded> = fixture("keyboard_jis_gs1_datamatrix.hex")
                    .into_iter()
                    .map(Recorded::Report)
                    .collect();
                steps.push(Recorded::Unplug);
                Ok(Box::new(KeyboardReader::from_source(
                    RecordedSource::new(spec.name.clone(), steps),
                    *layout,
                )))
            }
            DeviceKind::HidPos(_) => Ok(Box::new(HidPosReader::from_source(
                RecordedSource::from_reports(
                    spec.name.clone(),
                    fixture("hid_pos_gs1_datamatrix.hex"),
                ),
            ))),
            DeviceKind::Serial(_) => Err(TransportError::NotFound("no serial here".into())),
        }
    }
}

fn usb_scanner(name: &str, kind: &str, extra: &str) -> ScannerConfig {
    toml::from_str(&format!(
        "name = {name:?}\nkind = {kind:?}\nvid = 0x0c2e\npid = 0x0b87\nstation = \"reception-1\"\n{extra}"
    ))
    .expect("scanner entry")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_jis_keyboard_scanner_and_a_hid_pos_scanner_deliver_whole_gs1_scans_to_their_station() {
    let app = spawn_app_with_opener(
        |c| {
            with_stations(c);
            c.scanners = vec![
                usb_scanner(
                    "kbd-1",
                    "usb_keyboard",
                    "layout = \"jis\"\nsuffix = \"cr\"\n",
                ),
                usb_scanner("pos-1", "hid_pos", ""),
            ];
        },
        Arc::new(Recordings::default()),
    )
    .await;
    // Both scanners may have delivered before this listener came: the
    // journal has every scan, in arrival order.
    let mut events = app.events("reception-1", &app.admin, Some(0)).await;
    let mut by_device = std::collections::HashMap::new();
    while by_device.len() < 2 {
        let e = events
            .next_scan(WAIT)
            .await
            .expect("a scan from each scanner");
        by_device
            .entry(e.data["device"].as_str().unwrap().to_string())
            .or_insert(e.data);
    }
    let kbd = &by_device["kbd-1"];
    assert_eq!(
        kbd["data"], "]d201095060001343521726123110AB-12\u{1d}21S/N:7",
        "the JIS layout's symbols and Ctrl+] as GS come through"
    );
    assert_eq!(kbd["aim"], "]d2");
    assert_eq!(kbd["outcome"]["kind"], "kit", "{kbd}");
    let pos = &by_device["pos-1"];
    assert_eq!(pos["aim"], "]d2");
    assert!(pos["data"].as_str().unwrap().contains('\u{1d}'), "{pos}");
    assert_eq!(pos["outcome"]["kind"], "kit", "{pos}");
    assert_eq!(Layout::from_code("jis"), Some(Layout::Jis));
}
