//! Keyboard-mode scanner report decoding, on recorded-style reports from
//! `fixtures/usb/keyboard_*.hex`, on hand-written reports checked against
//! the published US and JIS layouts, and on every printable character
//! through the decoder's own tables.

use kentai_drivers::keyboard::{
    alt_code_reports, encode, KeyStroke, KeyboardDecoder, KeyboardError, Layout,
};
use kentai_drivers::usb::parse_report_dump;

fn fixture_reports(name: &str) -> Vec<Vec<u8>> {
    let path = format!("{}/../fixtures/usb/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    parse_report_dump(&text).expect("fixture is a report dump")
}

fn typed<R: AsRef<[u8]>>(layout: Layout, reports: &[R]) -> Vec<u8> {
    let mut decoder = KeyboardDecoder::new(layout);
    let mut out = Vec::new();
    for report in reports {
        out.extend(decoder.push(report.as_ref()).expect("report decodes"));
    }
    out
}

/// What one key press (then release) types.
fn press(layout: Layout, modifiers: u8, usage: u8) -> Result<Vec<u8>, KeyboardError> {
    let mut decoder = KeyboardDecoder::new(layout);
    let mut out = decoder.push(&[modifiers, 0, usage, 0, 0, 0, 0, 0])?;
    out.extend(decoder.push(&[0; 8])?);
    Ok(out)
}

/// The fixture scan: ]d2 (01)09506000134352 (17)261231 (10)AB-12 GS
/// (21)S/N:7, Enter.
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

const NONE: u8 = 0x00;
const CTRL: u8 = 0x01;
const SHIFT: u8 = 0x02;
const ALT: u8 = 0x04;
const RIGHT_SHIFT: u8 = 0x20;
const RIGHT_CTRL: u8 = 0x10;

#[test]
fn a_jis_scan_with_gs_as_ctrl_right_bracket_decodes_to_the_exact_bytes() {
    let reports = fixture_reports("keyboard_jis_gs1_datamatrix.hex");
    assert!(reports.iter().all(|r| r.len() == 8));
    assert_eq!(typed(Layout::Jis, &reports), gs1_scan());
}

#[test]
fn a_us_scan_with_gs_as_alt_029_decodes_to_the_exact_bytes() {
    let reports = fixture_reports("keyboard_us_gs1_datamatrix_altcode.hex");
    assert_eq!(typed(Layout::Us, &reports), gs1_scan());
}

#[test]
fn the_jis_scan_read_with_the_us_layout_does_not_pass_for_the_scan() {
    // A layout mismatch must not quietly produce the right-looking bytes:
    // JIS `]` (0x32) reads as `\` on US, `:` (0x34) as `'`.
    let reports = fixture_reports("keyboard_jis_gs1_datamatrix.hex");
    let mut decoder = KeyboardDecoder::new(Layout::Us);
    let mut out = Vec::new();
    for report in &reports {
        if let Ok(bytes) = decoder.push(report) {
            out.extend(bytes);
        }
    }
    assert_ne!(out, gs1_scan());
    assert!(out.starts_with(b"\\d2"));
}

#[test]
fn doubled_characters_arrive_twice_and_held_repeated_or_phantom_reports_add_nothing() {
    let reports = fixture_reports("keyboard_us_doubled_characters.hex");
    assert_eq!(
        typed(Layout::Us, &reports),
        b"]C0S2026-001122-AA\r".to_vec()
    );
}

#[test]
fn a_key_typed_twice_needs_a_release_in_between() {
    let one = [0, 0, 0x1E, 0, 0, 0, 0, 0];
    let up = [0u8; 8];
    assert_eq!(typed(Layout::Us, &[one, one, one]), b"1");
    assert_eq!(typed(Layout::Us, &[one, up, one, up]), b"11");
    // Released by a report that holds another key instead.
    let two = [0, 0, 0x1F, 0, 0, 0, 0, 0];
    assert_eq!(typed(Layout::Us, &[one, two, one]), b"121");
}

#[test]
fn keys_appearing_together_type_in_report_order() {
    assert_eq!(
        typed(Layout::Us, &[[0, 0, 0x04, 0x05, 0x06, 0, 0, 0]]),
        b"abc"
    );
    // Only the new key of a rollover types.
    assert_eq!(
        typed(
            Layout::Us,
            &[[0, 0, 0x04, 0, 0, 0, 0, 0], [0, 0, 0x04, 0x05, 0, 0, 0, 0]]
        ),
        b"ab"
    );
}

#[test]
fn every_printable_ascii_character_round_trips_through_the_us_layout_tables() {
    for byte in 0x20..=0x7Eu8 {
        let stroke = Layout::Us
            .keystroke(byte)
            .unwrap_or_else(|| panic!("US types {:?}", byte as char));
        assert!(!stroke.ctrl);
        assert_eq!(
            typed(Layout::Us, &encode(Layout::Us, &[byte])),
            vec![byte],
            "{:?} as {stroke:?}",
            byte as char
        );
    }
}

#[test]
fn every_printable_ascii_character_round_trips_through_the_jis_layout_tables() {
    for byte in 0x20..=0x7Eu8 {
        let stroke = Layout::Jis
            .keystroke(byte)
            .unwrap_or_else(|| panic!("JIS types {:?}", byte as char));
        assert!(!stroke.ctrl);
        assert_eq!(
            typed(Layout::Jis, &encode(Layout::Jis, &[byte])),
            vec![byte],
            "{:?} as {stroke:?}",
            byte as char
        );
    }
}

#[test]
fn every_control_byte_and_every_high_byte_round_trips_on_both_layouts() {
    for layout in [Layout::Us, Layout::Jis] {
        for byte in (0x00..=0x1Fu8).chain([0x7F]).chain(0x80..=0xFF) {
            assert_eq!(
                typed(layout, &encode(layout, &[byte])),
                vec![byte],
                "byte 0x{byte:02x} on {layout}"
            );
        }
    }
}

#[test]
fn a_whole_gs1_scan_round_trips_on_both_layouts() {
    for layout in [Layout::Us, Layout::Jis] {
        assert_eq!(typed(layout, &encode(layout, &gs1_scan())), gs1_scan());
    }
}

#[test]
fn hand_written_us_reports_type_what_a_us_keyboard_prints() {
    // Usage → legend pairs from the HID Usage Tables' keyboard page, which
    // names the keys by their US legends.
    let cases: &[(u8, u8, &[u8])] = &[
        (NONE, 0x04, b"a"),
        (SHIFT, 0x1D, b"Z"),
        (RIGHT_SHIFT, 0x04, b"A"),
        (NONE, 0x27, b"0"),
        (SHIFT, 0x1F, b"@"),
        (SHIFT, 0x23, b"^"),
        (SHIFT, 0x24, b"&"),
        (SHIFT, 0x25, b"*"),
        (SHIFT, 0x27, b")"),
        (SHIFT, 0x2D, b"_"),
        (NONE, 0x2E, b"="),
        (SHIFT, 0x2E, b"+"),
        (NONE, 0x2F, b"["),
        (NONE, 0x30, b"]"),
        (SHIFT, 0x30, b"}"),
        (NONE, 0x31, b"\\"),
        (SHIFT, 0x31, b"|"),
        (SHIFT, 0x33, b":"),
        (NONE, 0x34, b"'"),
        (SHIFT, 0x34, b"\""),
        (NONE, 0x35, b"`"),
        (SHIFT, 0x35, b"~"),
        (SHIFT, 0x38, b"?"),
        (NONE, 0x2C, b" "),
        (NONE, 0x28, b"\r"),
        (NONE, 0x58, b"\r"),
        (NONE, 0x2B, b"\t"),
        (NONE, 0x62, b"0"),
        (NONE, 0x59, b"1"),
        (SHIFT, 0x61, b"9"),
        (NONE, 0x56, b"-"),
    ];
    for &(modifiers, usage, expected) in cases {
        assert_eq!(
            press(Layout::Us, modifiers, usage),
            Ok(expected.to_vec()),
            "US modifiers {modifiers:02x} usage 0x{usage:02x}"
        );
    }
}

#[test]
fn hand_written_jis_reports_type_what_a_jis_keyboard_prints() {
    // From the JIS 106/109 legends (kbd-project.org scancodes §8, tmk wiki
    // "ISO International Keys", QMK keymap_japanese.h).
    let cases: &[(u8, u8, &[u8])] = &[
        (NONE, 0x04, b"a"),
        (SHIFT, 0x04, b"A"),
        (SHIFT, 0x1E, b"!"),
        (SHIFT, 0x1F, b"\""),
        (SHIFT, 0x23, b"&"),
        (SHIFT, 0x24, b"'"),
        (SHIFT, 0x25, b"("),
        (SHIFT, 0x26, b")"),
        (NONE, 0x2D, b"-"),
        (SHIFT, 0x2D, b"="),
        (NONE, 0x2E, b"^"),
        (SHIFT, 0x2E, b"~"),
        (NONE, 0x2F, b"@"),
        (SHIFT, 0x2F, b"`"),
        (NONE, 0x30, b"["),
        (SHIFT, 0x30, b"{"),
        (NONE, 0x32, b"]"),
        (SHIFT, 0x32, b"}"),
        (NONE, 0x33, b";"),
        (SHIFT, 0x33, b"+"),
        (NONE, 0x34, b":"),
        (SHIFT, 0x34, b"*"),
        (NONE, 0x87, b"\\"),
        (SHIFT, 0x87, b"_"),
        (NONE, 0x89, b"\\"),
        (SHIFT, 0x89, b"|"),
        (SHIFT, 0x36, b"<"),
        (SHIFT, 0x38, b"?"),
        (NONE, 0x28, b"\r"),
    ];
    for &(modifiers, usage, expected) in cases {
        assert_eq!(
            press(Layout::Jis, modifiers, usage),
            Ok(expected.to_vec()),
            "JIS modifiers {modifiers:02x} usage 0x{usage:02x}"
        );
    }
}

#[test]
fn the_encoder_uses_the_keys_a_real_board_of_the_layout_has() {
    let stroke = |layout: Layout, byte: u8| layout.keystroke(byte);
    let key = |usage, shift, ctrl| Some(KeyStroke { usage, shift, ctrl });
    assert_eq!(stroke(Layout::Us, b']'), key(0x30, false, false));
    assert_eq!(stroke(Layout::Us, b'\\'), key(0x31, false, false));
    assert_eq!(stroke(Layout::Us, b'1'), key(0x1E, false, false));
    assert_eq!(stroke(Layout::Us, 0x1D), key(0x30, false, true));
    assert_eq!(stroke(Layout::Jis, b']'), key(0x32, false, false));
    assert_eq!(stroke(Layout::Jis, b'\\'), key(0x87, false, false));
    assert_eq!(stroke(Layout::Jis, b'|'), key(0x89, true, false));
    assert_eq!(stroke(Layout::Jis, 0x1D), key(0x32, false, true));
    assert_eq!(stroke(Layout::Jis, 0x04), key(0x07, false, true));
    assert_eq!(stroke(Layout::Jis, 0x80), None);
    assert_eq!(
        stroke(Layout::Us, b'\r').map(|s| s.report()),
        Some([0, 0, 0x28, 0, 0, 0, 0, 0])
    );
}

#[test]
fn gs_fs_rs_and_eot_come_from_ctrl_combinations_on_both_layouts() {
    let cases: &[(Layout, u8, u8, u8)] = &[
        (Layout::Us, CTRL, 0x30, 0x1D),
        (Layout::Us, RIGHT_CTRL, 0x30, 0x1D),
        (Layout::Us, CTRL, 0x31, 0x1C),
        (Layout::Us, CTRL | SHIFT, 0x23, 0x1E),
        (Layout::Us, CTRL | SHIFT, 0x2D, 0x1F),
        (Layout::Us, CTRL, 0x07, 0x04),
        (Layout::Us, CTRL | SHIFT, 0x07, 0x04),
        (Layout::Jis, CTRL, 0x32, 0x1D),
        (Layout::Jis, CTRL, 0x87, 0x1C),
        (Layout::Jis, CTRL, 0x89, 0x1C),
        (Layout::Jis, CTRL, 0x2E, 0x1E),
        (Layout::Jis, CTRL | SHIFT, 0x87, 0x1F),
        (Layout::Jis, CTRL, 0x2F, 0x00),
        (Layout::Jis, CTRL, 0x07, 0x04),
    ];
    for &(layout, modifiers, usage, expected) in cases {
        assert_eq!(
            press(layout, modifiers, usage),
            Ok(vec![expected]),
            "{layout} modifiers {modifiers:02x} usage 0x{usage:02x}"
        );
    }
}

#[test]
fn ctrl_with_a_digit_is_not_gs_but_an_error() {
    for layout in [Layout::Us, Layout::Jis] {
        assert_eq!(
            press(layout, CTRL, 0x22),
            Err(KeyboardError::NoControlCharacter { usage: 0x22 })
        );
    }
    // On US, Ctrl+] is GS; the JIS ] key (0x32) reads as US backslash, so
    // Ctrl with it is FS, not GS.
    assert_eq!(press(Layout::Us, CTRL, 0x32), Ok(vec![0x1C]));
}

#[test]
fn alt_with_keypad_digits_types_one_byte_when_alt_is_released() {
    let alt = |usage: u8| [ALT, 0, usage, 0, 0, 0, 0, 0];
    let alt_up = [ALT, 0, 0, 0, 0, 0, 0, 0];
    let up = [0u8; 8];
    let mut decoder = KeyboardDecoder::new(Layout::Us);
    for report in [
        alt_up,
        alt(0x62),
        alt_up,
        alt(0x5A),
        alt_up,
        alt(0x61),
        alt_up,
    ] {
        assert_eq!(decoder.push(&report), Ok(vec![]), "nothing until Alt is up");
    }
    assert_eq!(decoder.push(&up), Ok(vec![0x1D]));

    // Without the leading zero, and with right Alt.
    assert_eq!(
        typed(
            Layout::Jis,
            &[
                [0x40, 0, 0x5A, 0, 0, 0, 0, 0],
                [0x40, 0, 0x61, 0, 0, 0, 0, 0],
                up
            ]
        ),
        vec![29]
    );
    // Alt up in the same report as the next key: the code comes first.
    assert_eq!(
        typed(
            Layout::Us,
            &[alt(0x5A), alt(0x61), [0, 0, 0x1F, 0, 0, 0, 0, 0]]
        ),
        vec![0x1D, b'2']
    );
    // Alt pressed and released alone types nothing.
    assert_eq!(typed(Layout::Us, &[alt_up, up]), Vec::<u8>::new());
    assert_eq!(alt_code_reports(0x1D).len(), 10);
}

#[test]
fn an_alt_code_above_255_is_an_error() {
    let mut decoder = KeyboardDecoder::new(Layout::Us);
    for usage in [0x5A, 0x5D, 0x5E] {
        decoder
            .push(&[ALT, 0, usage, 0, 0, 0, 0, 0])
            .expect("digit");
        decoder.push(&[ALT, 0, 0, 0, 0, 0, 0, 0]).expect("digit up");
    }
    assert_eq!(
        decoder.push(&[0; 8]),
        Err(KeyboardError::AltCodeOutOfRange(256))
    );
}

#[test]
fn alt_with_a_key_outside_the_keypad_is_an_error_and_spoils_the_code() {
    let mut decoder = KeyboardDecoder::new(Layout::Us);
    decoder.push(&[ALT, 0, 0x5A, 0, 0, 0, 0, 0]).expect("digit");
    assert_eq!(
        decoder.push(&[ALT, 0, 0x1F, 0, 0, 0, 0, 0]),
        Err(KeyboardError::AltWithKey(0x1F))
    );
    assert_eq!(decoder.push(&[0; 8]), Ok(vec![]));
}

#[test]
fn an_unknown_key_is_reported_and_the_bytes_around_it_are_kept() {
    let mut decoder = KeyboardDecoder::new(Layout::Us);
    assert_eq!(
        decoder.push(&[0, 0, 0x04, 0, 0, 0, 0, 0]),
        Ok(b"a".to_vec())
    );
    // F1 pressed together with `b`.
    assert_eq!(
        decoder.push(&[0, 0, 0x04, 0x3A, 0x05, 0, 0, 0]),
        Err(KeyboardError::UnknownUsage {
            usage: 0x3A,
            layout: Layout::Us,
        })
    );
    // `b` was typed in the failing report and comes with the next one.
    assert_eq!(
        decoder.push(&[0, 0, 0x06, 0, 0, 0, 0, 0]),
        Ok(b"bc".to_vec())
    );
}

#[test]
fn jis_only_keys_are_unknown_on_the_us_layout() {
    for usage in [0x87, 0x89] {
        assert_eq!(
            press(Layout::Us, NONE, usage),
            Err(KeyboardError::UnknownUsage {
                usage,
                layout: Layout::Us,
            })
        );
    }
}

#[test]
fn shift_zero_on_jis_types_nothing_and_is_reported() {
    let error = press(Layout::Jis, SHIFT, 0x27).expect_err("Shift+0 types nothing on JIS");
    assert_eq!(
        error,
        KeyboardError::NoCharacter {
            usage: 0x27,
            shift: true,
            layout: Layout::Jis,
        }
    );
    assert!(error.to_string().contains("with Shift"), "{error}");
}

#[test]
fn caps_lock_num_lock_and_input_method_keys_are_ignored() {
    assert_eq!(press(Layout::Us, NONE, 0x39), Ok(vec![]));
    assert_eq!(press(Layout::Us, NONE, 0x53), Ok(vec![]));
    for usage in [0x35, 0x39, 0x88, 0x8A, 0x8B, 0x90, 0x91] {
        assert_eq!(press(Layout::Jis, NONE, usage), Ok(vec![]), "0x{usage:02x}");
    }
    // Caps Lock does not toggle anything: letters stay as Shift says.
    assert_eq!(
        typed(
            Layout::Us,
            &[
                [0, 0, 0x39, 0, 0, 0, 0, 0],
                [0; 8],
                [0, 0, 0x04, 0, 0, 0, 0, 0]
            ]
        ),
        b"a"
    );
}

#[test]
fn modifier_usages_inside_the_key_array_count_as_modifiers() {
    // Left Shift (0xE1) reported as a key, not a modifier bit.
    assert_eq!(typed(Layout::Us, &[[0, 0, 0xE1, 0x1F, 0, 0, 0, 0]]), b"@");
}

#[test]
fn reports_of_the_wrong_length_are_errors() {
    let mut decoder = KeyboardDecoder::new(Layout::Us);
    assert_eq!(
        decoder.push(&[1, 0, 0, 0x04, 0, 0, 0, 0, 0]),
        Err(KeyboardError::ReportLength(9))
    );
    assert_eq!(decoder.push(&[]), Err(KeyboardError::ReportLength(0)));
}

#[test]
fn reset_forgets_held_keys() {
    let mut decoder = KeyboardDecoder::new(Layout::Us);
    let one = [0, 0, 0x1E, 0, 0, 0, 0, 0];
    assert_eq!(decoder.push(&one), Ok(b"1".to_vec()));
    assert_eq!(decoder.push(&one), Ok(vec![]));
    decoder.reset();
    assert_eq!(decoder.push(&one), Ok(b"1".to_vec()));
}

#[test]
fn layout_codes_are_the_configuration_values() {
    assert_eq!(Layout::from_code("us"), Some(Layout::Us));
    assert_eq!(Layout::from_code("jis"), Some(Layout::Jis));
    assert_eq!(Layout::from_code(" JIS "), Some(Layout::Jis));
    assert_eq!(Layout::from_code("dvorak"), None);
    assert_eq!(Layout::from_code(""), None);
    for layout in [Layout::Us, Layout::Jis] {
        assert_eq!(Layout::from_code(layout.code()), Some(layout));
    }
}
