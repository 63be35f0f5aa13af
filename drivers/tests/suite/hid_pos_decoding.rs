//! HID POS report decoding, on recorded-style reports from
//! `fixtures/usb/hid_pos_*.hex` and on hand-built ones.

use kentai_drivers::hid_pos::{HidPosDecoder, HidPosError, MAX_SYMBOL_LEN};
use kentai_drivers::usb::parse_report_dump;
use kentai_drivers::Symbol;

fn fixture_reports(name: &str) -> Vec<Vec<u8>> {
    let path = format!("{}/../fixtures/usb/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    parse_report_dump(&text).expect("fixture is a report dump")
}

fn decode_all(reports: &[Vec<u8>]) -> Vec<Symbol> {
    let mut decoder = HidPosDecoder::new();
    reports
        .iter()
        .filter_map(|report| decoder.push(report).expect("report decodes"))
        .collect()
}

/// A 64-byte scanned-data report as Honeywell and Access-IS scanners
/// send it.
fn report(symbology: &[u8; 3], data: &[u8], continued: bool) -> Vec<u8> {
    let mut report = vec![0u8; 64];
    report[0] = 0x02;
    report[1] = data.len() as u8;
    report[2..5].copy_from_slice(symbology);
    report[5..5 + data.len()].copy_from_slice(data);
    report[63] = u8::from(continued);
    report
}

#[test]
fn an_ean13_scan_in_one_report_decodes_to_its_digits_with_aim_e0() {
    let reports = fixture_reports("hid_pos_ean13.hex");
    assert_eq!(reports.len(), 1);
    assert_eq!(
        decode_all(&reports),
        vec![Symbol {
            aim: Some(*b"]E0"),
            data: b"4901234567894".to_vec(),
        }]
    );
}

#[test]
fn a_gs1_datamatrix_scan_spanning_three_reports_joins_into_one_symbol_with_its_gs_separators() {
    let reports = fixture_reports("hid_pos_gs1_datamatrix.hex");
    assert_eq!(reports.len(), 3);
    assert!(reports.iter().all(|r| r.len() == 64));
    assert_eq!(
        reports.iter().map(|r| r[63]).collect::<Vec<_>>(),
        vec![1, 1, 0],
        "the first two reports say more data follows"
    );

    let symbols = decode_all(&reports);
    assert_eq!(
        symbols,
        vec![Symbol {
            aim: Some(*b"]d2"),
            data: [
                &b"0109506000134352"[..],
                b"17261231",
                b"10LOT2026A-0042",
                b"\x1d",
                b"21SN0000123456789AB",
                b"\x1d",
                b"240KIT-VTM-3ML-FLOCKED-SWAB",
                b"\x1d",
                b"91KENTAI-SITE-TOKYO-SHINJUKU-0001",
            ]
            .concat(),
        }]
    );
    assert_eq!(symbols[0].data.iter().filter(|&&b| b == 0x1D).count(), 3);
}

#[test]
fn a_gs1_128_sscc_scan_decodes_with_aim_c1() {
    assert_eq!(
        decode_all(&fixture_reports("hid_pos_gs1_128_sscc.hex")),
        vec![Symbol {
            aim: Some(*b"]C1"),
            data: b"00049123450000000019".to_vec(),
        }]
    );
}

#[test]
fn the_three_fixture_scans_in_a_row_decode_to_three_symbols() {
    let mut reports = fixture_reports("hid_pos_ean13.hex");
    reports.extend(fixture_reports("hid_pos_gs1_datamatrix.hex"));
    reports.extend(fixture_reports("hid_pos_gs1_128_sscc.hex"));
    let aims: Vec<_> = decode_all(&reports).into_iter().map(|s| s.aim).collect();
    assert_eq!(aims, vec![Some(*b"]E0"), Some(*b"]d2"), Some(*b"]C1")]);
}

#[test]
fn reports_with_other_report_ids_are_ignored_even_between_continued_reports() {
    let mut decoder = HidPosDecoder::new();
    let mut status = vec![0u8; 64];
    status[0] = 0x04;
    status[1] = 0x3F; // would be a bad count in a scanned-data report
    assert_eq!(decoder.push(&status), Ok(None));
    assert_eq!(decoder.push(&report(b"]C0", b"ABC", true)), Ok(None));
    assert_eq!(decoder.push(&[0xFE, 0x01]), Ok(None));
    assert_eq!(
        decoder.push(&report(b"]C0", b"123", false)),
        Ok(Some(Symbol {
            aim: Some(*b"]C0"),
            data: b"ABC123".to_vec(),
        }))
    );
}

#[test]
fn gs_and_other_control_bytes_inside_the_data_survive_untouched() {
    let data = b"\x1d01\x1d\x1e\x04\x00\x7f";
    let mut decoder = HidPosDecoder::new();
    assert_eq!(
        decoder.push(&report(b"]Q3", data, false)),
        Ok(Some(Symbol {
            aim: Some(*b"]Q3"),
            data: data.to_vec(),
        }))
    );
}

#[test]
fn a_report_shorter_than_its_declared_count_is_an_error() {
    let mut decoder = HidPosDecoder::new();
    let mut short = report(b"]C0", b"0123456789", false);
    short.truncate(12);
    assert_eq!(
        decoder.push(&short),
        Err(HidPosError::Truncated { len: 12, count: 10 })
    );
    assert_eq!(
        decoder.push(&[0x02]),
        Err(HidPosError::Truncated { len: 1, count: 0 })
    );
    assert_eq!(
        decoder.push(&[]),
        Err(HidPosError::Truncated { len: 0, count: 0 })
    );
}

#[test]
fn a_count_past_the_report_size_is_an_error() {
    let mut decoder = HidPosDecoder::new();
    let mut bad = report(b"]C0", b"", false);
    bad[1] = 57;
    assert_eq!(
        decoder.push(&bad),
        Err(HidPosError::CountTooLarge { count: 57 })
    );
    bad[1] = 56;
    assert!(decoder.push(&bad).is_ok(), "56 bytes is a full report");
}

#[test]
fn a_report_without_the_trailing_flag_byte_is_a_complete_symbol() {
    let mut decoder = HidPosDecoder::new();
    let mut short = report(b"]E0", b"4901234567894", false);
    short.truncate(5 + 13);
    assert_eq!(
        decoder.push(&short),
        Ok(Some(Symbol {
            aim: Some(*b"]E0"),
            data: b"4901234567894".to_vec(),
        }))
    );
}

#[test]
fn a_continuation_with_a_different_symbology_drops_the_symbol_and_its_remaining_reports() {
    let mut decoder = HidPosDecoder::new();
    assert_eq!(
        decoder.push(&report(b"]d2", b"0109506000134352", true)),
        Ok(None)
    );
    assert_eq!(
        decoder.push(&report(b"]Q3", b"OTHER", true)),
        Err(HidPosError::SymbologyChanged {
            expected: *b"]d2",
            found: *b"]Q3",
        })
    );
    // The rest of the symbol that broke the sequence is not taken for a
    // new one.
    assert_eq!(decoder.push(&report(b"]Q3", b"TAIL", false)), Ok(None));
    assert_eq!(
        decoder.push(&report(b"]C0", b"NEXT", false)),
        Ok(Some(Symbol {
            aim: Some(*b"]C0"),
            data: b"NEXT".to_vec(),
        }))
    );
}

#[test]
fn a_symbol_longer_than_8_kib_is_refused_and_the_next_symbol_still_decodes() {
    let mut decoder = HidPosDecoder::new();
    let chunk = [b'9'; 56];
    let mut sent = 0;
    let error = loop {
        match decoder.push(&report(b"]Q1", &chunk, true)) {
            Ok(None) => sent += chunk.len(),
            Ok(Some(_)) => panic!("a continued report completed a symbol"),
            Err(error) => break error,
        }
        assert!(sent <= MAX_SYMBOL_LEN, "the cap was not enforced");
    };
    assert_eq!(error, HidPosError::TooLong);
    assert_eq!(sent, MAX_SYMBOL_LEN / 56 * 56);
    // The over-long symbol's remaining reports are skipped up to its end.
    assert_eq!(decoder.push(&report(b"]Q1", &chunk, true)), Ok(None));
    assert_eq!(decoder.push(&report(b"]Q1", b"END", false)), Ok(None));
    assert_eq!(
        decoder.push(&report(b"]E0", b"4901234567894", false)),
        Ok(Some(Symbol {
            aim: Some(*b"]E0"),
            data: b"4901234567894".to_vec(),
        }))
    );
}

#[test]
fn symbology_bytes_that_are_not_an_aim_id_give_a_symbol_without_aim() {
    let mut decoder = HidPosDecoder::new();
    for symbology in [[0, 0, 0], *b"j\0\0", *b"]]0", *b"]0A"] {
        assert_eq!(
            decoder.push(&report(&symbology, b"ACC-0001", false)),
            Ok(Some(Symbol {
                aim: None,
                data: b"ACC-0001".to_vec(),
            })),
            "symbology {symbology:02x?}"
        );
    }
}

#[test]
fn an_empty_final_report_is_no_symbol() {
    let mut decoder = HidPosDecoder::new();
    assert_eq!(decoder.push(&report(b"]C0", b"", false)), Ok(None));
}

#[test]
fn reset_forgets_a_half_received_symbol() {
    let mut decoder = HidPosDecoder::new();
    assert_eq!(decoder.push(&report(b"]d2", b"HALF", true)), Ok(None));
    decoder.reset();
    assert_eq!(
        decoder.push(&report(b"]d2", b"WHOLE", false)),
        Ok(Some(Symbol {
            aim: Some(*b"]d2"),
            data: b"WHOLE".to_vec(),
        }))
    );
}
