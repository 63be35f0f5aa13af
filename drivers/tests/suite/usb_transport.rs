//! The USB transports, tested through the `Transport` trait on recorded
//! reports (a `RecordedSource` in place of the USB endpoint), plus the
//! parts that touch libusb only as far as this machine allows.

use kentai_drivers::keyboard::{encode, Layout};
use kentai_drivers::usb::{
    hid_usage_pages, id_from_integer, list_devices, parse_id, parse_report_dump, HidPosReader,
    HidPosTransport, KeyboardReader, Recorded, RecordedSource, ReportDumpError, UsbDeviceInfo,
    UsbKeyboardTransport, UsbSelector, BAR_CODE_SCANNER_PAGE,
};
use kentai_drivers::{Chunk, Symbol, Transport, TransportError};
use std::time::Duration;

const WAIT: Duration = Duration::from_millis(50);

fn fixture_reports(name: &str) -> Vec<Vec<u8>> {
    let path = format!("{}/../fixtures/usb/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    parse_report_dump(&text).expect("fixture is a report dump")
}

fn read_all(transport: &mut dyn Transport) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    while let Some(chunk) = transport.read(WAIT).expect("read") {
        chunks.push(chunk);
    }
    chunks
}

fn streamed(chunks: &[Chunk]) -> Vec<u8> {
    chunks
        .iter()
        .flat_map(|chunk| match chunk {
            Chunk::Stream(bytes) => bytes.clone(),
            Chunk::Symbol(symbol) => panic!("keyboard transport yielded a symbol {symbol:?}"),
        })
        .collect()
}

fn gs1_scan() -> Vec<u8> {
    [
        &b"]d2"[..],
        b"0109506000134352",
        b"17261231",
        b"10AB-12",
        b"\x1d",
        b"21",
        b"S/N:7",
        b"\r",
    ]
    .concat()
}

#[test]
fn hid_pos_fixture_reports_through_the_transport_yield_one_symbol_chunk_per_scan() {
    let mut reports = fixture_reports("hid_pos_ean13.hex");
    reports.extend(fixture_reports("hid_pos_gs1_datamatrix.hex"));
    reports.extend(fixture_reports("hid_pos_gs1_128_sscc.hex"));
    let mut transport =
        HidPosReader::from_source(RecordedSource::from_reports("recorded", reports));

    let chunks = read_all(&mut transport);
    let symbols: Vec<&Symbol> = chunks
        .iter()
        .map(|chunk| match chunk {
            Chunk::Symbol(symbol) => symbol,
            Chunk::Stream(bytes) => panic!("HID POS transport yielded a stream {bytes:?}"),
        })
        .collect();
    assert_eq!(symbols.len(), 3);
    assert_eq!(
        symbols[0],
        &Symbol {
            aim: Some(*b"]E0"),
            data: b"4901234567894".to_vec(),
        }
    );
    assert_eq!(symbols[1].aim, Some(*b"]d2"));
    assert!(symbols[1].data.starts_with(b"010950600013435217261231"));
    assert!(symbols[1]
        .data
        .ends_with(b"\x1d91KENTAI-SITE-TOKYO-SHINJUKU-0001"));
    assert_eq!(
        symbols[2],
        &Symbol {
            aim: Some(*b"]C1"),
            data: b"00049123450000000019".to_vec(),
        }
    );
    assert_eq!(transport.describe(), "recorded");
}

#[test]
fn silence_between_continued_reports_keeps_the_half_received_symbol() {
    let reports = fixture_reports("hid_pos_gs1_datamatrix.hex");
    let steps = vec![
        Recorded::Report(reports[0].clone()),
        Recorded::Silence,
        Recorded::Report(reports[1].clone()),
        Recorded::Report(reports[2].clone()),
    ];
    let mut transport = HidPosReader::from_source(RecordedSource::new("scanner", steps));
    assert_eq!(transport.read(WAIT).expect("read"), None);
    match transport.read(WAIT).expect("read") {
        Some(Chunk::Symbol(symbol)) => {
            assert_eq!(symbol.aim, Some(*b"]d2"));
            assert_eq!(symbol.data.len(), 121);
        }
        other => panic!("expected the symbol, got {other:?}"),
    }
}

#[test]
fn a_hid_pos_source_unplugged_mid_symbol_yields_disconnected() {
    let reports = fixture_reports("hid_pos_gs1_datamatrix.hex");
    let steps = vec![Recorded::Report(reports[0].clone()), Recorded::Unplug];
    let mut transport = HidPosReader::from_source(RecordedSource::new("scanner", steps));
    match transport.read(WAIT) {
        Err(TransportError::Disconnected(what)) => assert_eq!(what, "scanner"),
        other => panic!("expected Disconnected, got {other:?}"),
    }
    assert!(matches!(
        transport.read(WAIT),
        Err(TransportError::Disconnected(_))
    ));
}

#[test]
fn a_bad_hid_pos_report_is_an_unreadable_symbol_and_the_next_scan_still_arrives() {
    let mut bad = vec![0u8; 64];
    bad[0] = 0x02;
    bad[1] = 60;
    let steps = vec![bad]
        .into_iter()
        .chain(fixture_reports("hid_pos_ean13.hex"));
    let mut transport = HidPosReader::from_source(RecordedSource::from_reports("scanner", steps));
    assert_eq!(
        transport.read(WAIT).expect("read"),
        Some(Chunk::Symbol(Symbol {
            aim: None,
            data: vec![kentai_drivers::usb::UNREADABLE]
        }))
    );
    assert!(matches!(
        transport.read(WAIT),
        Ok(Some(Chunk::Symbol(Symbol { aim: Some(aim), .. }))) if &aim == b"]E0"
    ));
    let refused = kentai_drivers::framing::frame_symbol(
        Symbol {
            aim: None,
            data: vec![kentai_drivers::usb::UNREADABLE],
        },
        &Default::default(),
    );
    assert!(
        matches!(refused, kentai_drivers::framing::FrameEvent::Error(ref e) if e.code() == "garbage"),
        "{refused:?}"
    );
}

#[test]
fn keyboard_fixture_reports_through_the_transport_yield_the_typed_stream() {
    let cases = [
        ("keyboard_jis_gs1_datamatrix.hex", Layout::Jis, gs1_scan()),
        (
            "keyboard_us_gs1_datamatrix_altcode.hex",
            Layout::Us,
            gs1_scan(),
        ),
        (
            "keyboard_us_doubled_characters.hex",
            Layout::Us,
            b"]C0S2026-001122-AA\r".to_vec(),
        ),
    ];
    for (fixture, layout, expected) in cases {
        let source = RecordedSource::from_reports(fixture, fixture_reports(fixture));
        let mut transport = KeyboardReader::from_source(source, layout);
        assert_eq!(streamed(&read_all(&mut transport)), expected, "{fixture}");
    }
}

#[test]
fn a_keyboard_source_unplugged_mid_scan_yields_disconnected() {
    let reports = encode(Layout::Us, b"]C0ABC");
    let steps = reports[..5]
        .iter()
        .map(|r| Recorded::Report(r.to_vec()))
        .chain([Recorded::Unplug]);
    let mut transport = KeyboardReader::from_source(RecordedSource::new("kbd", steps), Layout::Us);
    let mut typed = Vec::new();
    let error = loop {
        match transport.read(WAIT) {
            Ok(Some(Chunk::Stream(bytes))) => typed.extend(bytes),
            Ok(other) => panic!("unexpected {other:?}"),
            Err(error) => break error,
        }
    };
    assert_eq!(typed, b"]C0");
    assert!(
        matches!(error, TransportError::Disconnected(_)),
        "{error:?}"
    );
}

#[test]
fn an_unexpected_key_types_a_nul_the_framer_refuses_and_the_bytes_typed_with_it_follow() {
    let steps = vec![
        vec![0, 0, 0x3A, 0x04, 0, 0, 0, 0], // F1 with `a`
        vec![0; 8],
        vec![0, 0, 0x05, 0, 0, 0, 0, 0],
    ];
    let mut transport =
        KeyboardReader::from_source(RecordedSource::from_reports("kbd", steps), Layout::Us);
    assert_eq!(
        transport.read(WAIT).expect("read"),
        Some(Chunk::Stream(vec![kentai_drivers::usb::UNREADABLE]))
    );
    assert_eq!(
        transport.read(WAIT).expect("read"),
        Some(Chunk::Stream(b"a".to_vec()))
    );
    assert_eq!(
        transport.read(WAIT).expect("read"),
        Some(Chunk::Stream(b"b".to_vec()))
    );
}

#[test]
fn list_devices_on_this_machine_returns_instead_of_panicking() {
    let listed = std::panic::catch_unwind(list_devices).expect("list_devices must not panic");
    match listed {
        Ok(devices) => {
            for device in devices {
                let UsbDeviceInfo { kind, .. } = device;
                assert!(matches!(kind, None | Some("usb_keyboard") | Some("hid")));
            }
        }
        Err(error) => assert!(
            matches!(error, TransportError::Open(_) | TransportError::Io(_)),
            "{error:?}"
        ),
    }
}

#[test]
fn opening_a_scanner_that_is_not_attached_is_an_error_not_a_panic() {
    let absent = UsbSelector::new(0xFFFF, 0xFFFE, Some("NOPE".into()));
    let opened = std::panic::catch_unwind(|| HidPosTransport::open(&absent).map(|_| ()))
        .expect("open must not panic");
    assert!(matches!(
        opened,
        Err(TransportError::NotFound(_) | TransportError::Open(_) | TransportError::Io(_))
    ));
    let opened =
        std::panic::catch_unwind(|| UsbKeyboardTransport::open(&absent, Layout::Jis).map(|_| ()))
            .expect("open must not panic");
    assert!(matches!(
        opened,
        Err(TransportError::NotFound(_) | TransportError::Open(_) | TransportError::Io(_))
    ));
}

#[test]
fn usb_ids_are_read_as_hex_text_with_or_without_0x_or_as_integers() {
    assert_eq!(parse_id("0x0c2e"), Some(0x0C2E));
    assert_eq!(parse_id("0X0B87"), Some(0x0B87));
    assert_eq!(parse_id("0c2e"), Some(0x0C2E));
    assert_eq!(parse_id(" c2e "), Some(0x0C2E));
    assert_eq!(parse_id("1234"), Some(0x1234));
    for bad in ["", "0x", "12345", "0x12345", "zz", "+12", "-1", "0c 2e"] {
        assert_eq!(parse_id(bad), None, "{bad:?}");
    }
    assert_eq!(id_from_integer(0x0C2E), Some(0x0C2E));
    assert_eq!(id_from_integer(-1), None);
    assert_eq!(id_from_integer(0x1_0000), None);
}

#[test]
fn a_selector_parses_from_configuration_text_and_prints_like_lsusb() {
    let selector = UsbSelector::parse("0x0c2e", "0b87", Some(" 21034B1234 ")).expect("valid");
    assert_eq!(
        selector,
        UsbSelector {
            vid: 0x0C2E,
            pid: 0x0B87,
            serial: Some("21034B1234".into()),
        }
    );
    assert_eq!(selector.to_string(), "0c2e:0b87 serial 21034B1234");
    assert_eq!(
        UsbSelector::parse("0c2e", "0b87", Some("")).map(|s| s.serial),
        Some(None)
    );
    assert_eq!(UsbSelector::parse("0c2e", "scanner", None), None);

    let device = |serial: Option<&str>| UsbDeviceInfo {
        vid: 0x0C2E,
        pid: 0x0B87,
        serial: serial.map(str::to_owned),
        manufacturer: None,
        product: None,
        bus: 1,
        address: 4,
        kind: Some("hid"),
    };
    assert!(selector.matches(&device(Some("21034B1234"))));
    assert!(!selector.matches(&device(Some("other"))));
    assert!(!selector.matches(&device(None)));
    assert!(UsbSelector::new(0x0C2E, 0x0B87, None).matches(&device(None)));
}

#[test]
fn hid_usage_pages_finds_the_bar_code_scanner_page_in_report_descriptors() {
    // Usage Page (Bar Code Scanner), Usage (Bar Code Scanner), Collection
    // (Application), Report ID 2, …, End Collection.
    let pos = [
        0x05, 0x8C, 0x09, 0x02, 0xA1, 0x01, 0x85, 0x02, 0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08,
        0x95, 0x3F, 0x09, 0xFE, 0x82, 0x02, 0x01, 0xC0,
    ];
    assert_eq!(hid_usage_pages(&pos), vec![BAR_CODE_SCANNER_PAGE]);
    // A two-byte Usage Page, and a vendor page before it.
    let two_byte = [0x06, 0x00, 0xFF, 0x09, 0x01, 0x06, 0x8C, 0x00, 0x09, 0x02];
    assert_eq!(hid_usage_pages(&two_byte), vec![0xFF00, 0x8C]);
    // An extended (32-bit) Usage names its page in its high half.
    assert_eq!(hid_usage_pages(&[0x0B, 0x02, 0x00, 0x8C, 0x00]), vec![0x8C]);
    // A boot keyboard: Generic Desktop, Keyboard/Keypad, LEDs.
    let keyboard = [
        0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x05, 0x08, 0x19,
        0x01, 0x29, 0x05, 0x05, 0x07, 0xC0,
    ];
    assert_eq!(hid_usage_pages(&keyboard), vec![0x01, 0x07, 0x08]);
    // A long item is skipped whole, a truncated item ends the walk.
    assert_eq!(
        hid_usage_pages(&[0xFE, 0x02, 0x10, 0x05, 0x8C, 0x05, 0x01, 0x06, 0x8C]),
        vec![0x01]
    );
}

#[test]
fn report_dumps_skip_comments_and_blank_lines_and_name_the_bad_line() {
    let text = "# a comment\n\n02 0d 5d # trailing comment\n0a0B0c\n";
    assert_eq!(
        parse_report_dump(text),
        Ok(vec![vec![0x02, 0x0D, 0x5D], vec![0x0A, 0x0B, 0x0C]])
    );
    assert_eq!(
        parse_report_dump("00 01\n02 0g\n"),
        Err(ReportDumpError {
            line: 2,
            token: "0g".into(),
        })
    );
    assert!(parse_report_dump("abc").is_err());
}
