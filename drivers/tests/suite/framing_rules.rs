//! The framing rules, one table row each, checked on bytes; every row is
//! also replayed with its bytes split at every point (and one byte at a
//! time), because a serial port hands over whatever arrived so far.

use kentai_drivers::framing::{
    frame_symbol, FrameEvent, Framer, FramingConfig, FramingError, HalfFrameCause, Suffix,
};
use kentai_drivers::Symbol;
use std::time::{Duration, Instant};

/// One step of a row's input.
#[derive(Clone, Copy)]
enum Step {
    /// Bytes arriving now.
    B(&'static [u8]),
    /// The stream stays silent this many milliseconds, then `idle` runs.
    Quiet(u64),
}
use Step::{Quiet, B};

/// What a row expects, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Want {
    F(&'static [u8]),
    E(&'static str),
}
use Want::{E, F};

struct Row {
    rule: &'static str,
    suffix: Suffix,
    max_len: usize,
    input: Vec<Step>,
    want: Vec<Want>,
}

fn row(rule: &'static str, suffix: Suffix, input: &[Step], want: &[Want]) -> Row {
    Row {
        rule,
        suffix,
        max_len: 4096,
        input: input.to_vec(),
        want: want.to_vec(),
    }
}

fn config(suffix: Suffix, max_len: usize) -> FramingConfig {
    FramingConfig {
        suffix,
        silence: Duration::from_millis(200),
        max_len,
    }
}

/// Runs a row's input, cutting each byte step into chunks with `split`.
fn run(row: &Row, split: &mut dyn FnMut(&[u8]) -> Vec<Vec<u8>>) -> Vec<FrameEvent> {
    let mut framer = Framer::new(config(row.suffix, row.max_len));
    let mut now = Instant::now();
    let mut events = Vec::new();
    for step in &row.input {
        match *step {
            B(bytes) => {
                for chunk in split(bytes) {
                    events.extend(framer.push(&chunk, now));
                }
            }
            Quiet(ms) => {
                now += Duration::from_millis(ms);
                events.extend(framer.idle(now));
            }
        }
    }
    events
}

fn summary(events: &[FrameEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            FrameEvent::Frame(f) => format!("frame {:?}", String::from_utf8_lossy(&f.bytes)),
            FrameEvent::Error(e) => format!("error {}", e.code()),
        })
        .collect()
}

fn want_summary(want: &[Want]) -> Vec<String> {
    want.iter()
        .map(|w| match w {
            F(b) => format!("frame {:?}", String::from_utf8_lossy(b)),
            E(code) => format!("error {code}"),
        })
        .collect()
}

const GS1_SCAN: &[u8] = b"]d201095060001343521726123110ABC\x1d21XYZ";

fn rows() -> Vec<Row> {
    use Suffix::*;
    let mut rows = vec![
        row("a CR ends a scan", Cr, &[B(b"ABC\r")], &[F(b"ABC")]),
        row(
            "an LF right after a CR is ignored, so a CRLF scanner configured as cr works",
            Cr,
            &[B(b"ABC\r\nDEF\r\n")],
            &[F(b"ABC"), F(b"DEF")],
        ),
        row(
            "two terminators in a row give no empty scan",
            Cr,
            &[B(b"\r\rABC\r\r")],
            &[F(b"ABC")],
        ),
        row(
            "a GS1 scan keeps its AIM prefix and its GS separators",
            Cr,
            &[B(b"]d201095060001343521726123110ABC\x1d21XYZ\r")],
            &[F(GS1_SCAN)],
        ),
        row(
            "ISO 15434 separators RS, GS and EOT are data, not garbage",
            Cr,
            &[B(b"[)>\x1e06\x1dP123\x1e\x04\r")],
            &[F(b"[)>\x1e06\x1dP123\x1e\x04")],
        ),
        row(
            "bytes from 0x80 up are data (a Shift-JIS QR code)",
            Cr,
            &[B(b"\x8c\x9f\x91\xcc\r")],
            &[F(b"\x8c\x9f\x91\xcc")],
        ),
        row(
            "a lone LF inside a cr scan is garbage",
            Cr,
            &[B(b"AB\nC\rOK\r")],
            &[E("garbage"), F(b"OK")],
        ),
        row(
            "garbage makes one error for its scan and the next scan is fine",
            Cr,
            &[B(b"A\x00\x01\xffB\x7f\rGOOD\r")],
            &[E("garbage"), F(b"GOOD")],
        ),
        row("DEL is garbage", Cr, &[B(b"A\x7f\r")], &[E("garbage")]),
        row(
            "an STX in a cr stream is garbage",
            Cr,
            &[B(b"\x02A\x03\r")],
            &[E("garbage")],
        ),
        row(
            "an LF ends a scan",
            Lf,
            &[B(b"ABC\nDEF\n")],
            &[F(b"ABC"), F(b"DEF")],
        ),
        row(
            "a CR right before the LF is dropped, so a CRLF scanner configured as lf works",
            Lf,
            &[B(b"ABC\r\n")],
            &[F(b"ABC")],
        ),
        row(
            "a CR not followed by LF in an lf scan is garbage",
            Lf,
            &[B(b"AB\rC\n")],
            &[E("garbage")],
        ),
        row(
            "CRLF, a bare CR and a bare LF each end a crlf scan",
            CrLf,
            &[B(b"A\r\nB\rC\nD\r\n")],
            &[F(b"A"), F(b"B"), F(b"C"), F(b"D")],
        ),
        row(
            "CRLF after CRLF gives no empty scan",
            CrLf,
            &[B(b"A\r\n\r\nB\r\n")],
            &[F(b"A"), F(b"B")],
        ),
        row(
            "a TAB ends a scan",
            Tab,
            &[B(b"A\tB\t")],
            &[F(b"A"), F(b"B")],
        ),
        row(
            "a CR in a tab stream is garbage",
            Tab,
            &[B(b"A\r\tB\t")],
            &[E("garbage"), F(b"B")],
        ),
        row(
            "STX data ETX is a scan",
            StxEtx,
            &[B(b"\x02ABC\x03")],
            &[F(b"ABC")],
        ),
        row(
            "a GS1 scan between STX and ETX keeps its AIM prefix and GS",
            StxEtx,
            &[B(b"\x02]d201095060001343521726123110ABC\x1d21XYZ\x03")],
            &[F(GS1_SCAN)],
        ),
        row(
            "bytes outside STX…ETX are one half-frame error per run",
            StxEtx,
            &[B(b"xyz\x02A\x03")],
            &[E("half_frame"), F(b"A")],
        ),
        row(
            "the tail of a scan whose STX was missed is one half frame ended by its ETX",
            StxEtx,
            &[B(b"tail\x03\x02A\x03")],
            &[E("half_frame"), F(b"A")],
        ),
        row(
            "a lone ETX is a half frame",
            StxEtx,
            &[B(b"\x03\x02A\x03")],
            &[E("half_frame"), F(b"A")],
        ),
        row(
            "an STX inside a scan reports the earlier one and starts anew",
            StxEtx,
            &[B(b"\x02AB\x02CD\x03")],
            &[E("half_frame"), F(b"CD")],
        ),
        row(
            "a CR LF after the ETX is ignored",
            StxEtx,
            &[B(b"\x02A\x03\r\n\x02B\x03\r")],
            &[F(b"A"), F(b"B")],
        ),
        row(
            "a CR between scans that does not follow an ETX is outside bytes",
            StxEtx,
            &[B(b"\x02A\x03x\r\x02B\x03")],
            &[F(b"A"), E("half_frame"), F(b"B")],
        ),
        row(
            "an empty STX ETX is dropped silently",
            StxEtx,
            &[B(b"\x02\x03\x02A\x03")],
            &[F(b"A")],
        ),
        row(
            "a control byte between STX and ETX is garbage for that scan only",
            StxEtx,
            &[B(b"\x02A\x07B\x03\x02C\x03")],
            &[E("garbage"), F(b"C")],
        ),
        row(
            "an STX without ETX is a half frame after silence",
            StxEtx,
            &[B(b"\x02AB"), Quiet(250), B(b"\x02C\x03")],
            &[E("half_frame"), F(b"C")],
        ),
        row(
            "outside bytes followed by silence are one half frame",
            StxEtx,
            &[B(b"noise"), Quiet(250), B(b"\x02C\x03")],
            &[E("half_frame"), F(b"C")],
        ),
        row(
            "with no suffix, silence ends a scan",
            None,
            &[B(b"]C1"), B(b"0109506000134352"), Quiet(250)],
            &[F(b"]C10109506000134352")],
        ),
        row(
            "with no suffix, bytes are not a scan before the silence",
            None,
            &[B(b"ABC"), Quiet(100)],
            &[],
        ),
        row(
            "with no suffix, a CR is garbage",
            None,
            &[B(b"ABC\r"), Quiet(250)],
            &[E("garbage")],
        ),
        row(
            "silence before the suffix is a half frame and the next scan is fine",
            Cr,
            &[B(b"ABC"), Quiet(250), B(b"DEF\r")],
            &[E("half_frame"), F(b"DEF")],
        ),
        row(
            "a pause shorter than the silence does not cut a scan",
            Cr,
            &[B(b"AB"), Quiet(150), B(b"C\r")],
            &[F(b"ABC")],
        ),
        row(
            "silence after a complete scan reports nothing",
            Cr,
            &[B(b"ABC\r"), Quiet(1000)],
            &[F(b"ABC")],
        ),
        row(
            "a 10 kB line then silence then a good scan is one too-long error and the scan",
            Cr,
            &[B(&[b'A'; 10_240]), Quiet(300), B(b"GOOD\r")],
            &[E("too_long"), F(b"GOOD")],
        ),
        row(
            "a long run of bytes outside STX…ETX is one half frame",
            StxEtx,
            &[B(&[b'A'; 5000]), B(b"\x03\x02GOOD\x03")],
            &[E("half_frame"), F(b"GOOD")],
        ),
    ];
    let mut short = |rule, suffix, input: &[Step], want: &[Want]| {
        let mut r = row(rule, suffix, input, want);
        r.max_len = 8;
        rows.push(r);
    };
    short(
        "a too-long line is reported once and dropped up to its terminator",
        Cr,
        &[B(b"0123456789ABCDEF\rGOOD\r")],
        &[E("too_long"), F(b"GOOD")],
    );
    short(
        "a scan of exactly max_len bytes is accepted",
        Cr,
        &[B(b"01234567\r")],
        &[F(b"01234567")],
    );
    short(
        "a crlf scanner configured as lf may still send max_len bytes",
        Lf,
        &[B(b"01234567\r\n")],
        &[F(b"01234567")],
    );
    short(
        "one byte over max_len with lf is too long",
        Lf,
        &[B(b"012345678\r\n")],
        &[E("too_long")],
    );
    short(
        "a too-long STX scan is dropped up to its ETX",
        StxEtx,
        &[B(b"\x020123456789\x03\x02OK\x03")],
        &[E("too_long"), F(b"OK")],
    );
    short(
        "an STX while dropping a too-long scan starts the next scan",
        StxEtx,
        &[B(b"\x020123456789\x02OK\x03")],
        &[E("too_long"), F(b"OK")],
    );
    short(
        "with no suffix a too-long scan is dropped until silence",
        None,
        &[B(b"0123456789"), Quiet(250), B(b"OK"), Quiet(250)],
        &[E("too_long"), F(b"OK")],
    );
    rows
}

fn whole(bytes: &[u8]) -> Vec<Vec<u8>> {
    vec![bytes.to_vec()]
}

fn one_at_a_time(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.iter().map(|b| vec![*b]).collect()
}

#[test]
fn every_rule_gives_the_expected_scans_and_errors() {
    let mut failures = Vec::new();
    for row in rows() {
        let got = summary(&run(&row, &mut whole));
        let want = want_summary(&row.want);
        if got != want {
            failures.push(format!(
                "{} ({}): got {got:?}, want {want:?}",
                row.rule,
                row.suffix.code()
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn bytes_arriving_one_at_a_time_give_the_same_result_as_all_at_once() {
    for row in rows() {
        assert_eq!(
            run(&row, &mut one_at_a_time),
            run(&row, &mut whole),
            "{}",
            row.rule
        );
    }
}

#[test]
fn splitting_the_bytes_at_any_single_point_gives_the_same_result() {
    for row in rows() {
        let reference = run(&row, &mut whole);
        let longest = row
            .input
            .iter()
            .map(|s| match s {
                B(b) => b.len(),
                Quiet(_) => 0,
            })
            .max()
            .unwrap_or(0);
        // Long rows are covered by the random splits below.
        let points: Vec<usize> = if longest <= 256 {
            (0..=longest).collect()
        } else {
            vec![0, 1, 2, 4095, 4096, 4097, longest - 1]
        };
        for at in points {
            let got = run(&row, &mut |bytes: &[u8]| {
                let at = at.min(bytes.len());
                vec![bytes[..at].to_vec(), bytes[at..].to_vec()]
            });
            assert_eq!(got, reference, "{} split at {at}", row.rule);
        }
    }
}

/// A small deterministic generator, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn random_chunks(rng: &mut Rng, bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let n = 1 + rng.below(rest.len().min(24));
        out.push(rest[..n].to_vec());
        rest = &rest[n..];
    }
    out
}

#[test]
fn random_streams_give_the_same_result_however_they_are_chunked() {
    // Scans, terminators of every kind, noise and STX/ETX mixed at random:
    // whatever the framer makes of a stream, chunking must not change it.
    let alphabet: &[u8] = b"AZ09]d2\x1d\x1e\x04\r\n\t\x02\x03\x00\x7f\x80";
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for suffix in Suffix::ALL {
        for _ in 0..300 {
            let len = rng.below(120);
            let stream: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            let cfg = FramingConfig {
                suffix,
                silence: Duration::from_millis(200),
                max_len: 1 + rng.below(40),
            };
            let now = Instant::now();
            let mut reference = Framer::new(cfg.clone());
            let mut want = reference.push(&stream, now);
            want.extend(reference.idle(now + Duration::from_secs(1)));
            let mut framer = Framer::new(cfg.clone());
            let mut got = Vec::new();
            for chunk in random_chunks(&mut rng, &stream) {
                got.extend(framer.push(&chunk, now));
            }
            got.extend(framer.idle(now + Duration::from_secs(1)));
            assert_eq!(got, want, "{suffix} {cfg:?} stream {stream:?}");
        }
    }
}

#[test]
fn a_frame_keeps_its_aim_identifier_apart_and_in_its_bytes() {
    let mut framer = Framer::new(FramingConfig::default());
    let events = framer.push(b"]d2010950\x1d10ABC\r", Instant::now());
    let FrameEvent::Frame(frame) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(frame.aim, Some(*b"]d2"));
    assert_eq!(frame.bytes, b"]d2010950\x1d10ABC");
    assert_eq!(frame.data(), b"010950\x1d10ABC");

    let events = framer.push(b"12345\r", Instant::now());
    let FrameEvent::Frame(frame) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(frame.aim, None);
}

#[test]
fn errors_carry_the_dropped_byte_count_and_an_escaped_preview() {
    let mut framer = Framer::new(FramingConfig::default());
    let events = framer.push(b"AB\x00C\r", Instant::now());
    assert_eq!(
        events,
        vec![FrameEvent::Error(FramingError::Garbage {
            discarded: 4,
            preview: "AB\\x00C".into()
        })]
    );

    let mut framer = Framer::new(FramingConfig::default());
    let events = framer.push(&[b'x'; 10_000], Instant::now());
    let [FrameEvent::Error(e)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(e.code(), "too_long");
    assert!(matches!(e, FramingError::TooLong { limit: 4096, .. }));
    assert_eq!(e.discarded(), 4097);
    assert!(e.preview().chars().count() <= 40);
    assert!(e.to_string().contains("4096"), "{e}");
}

#[test]
fn the_deadline_is_the_silence_after_the_last_byte_of_a_pending_scan() {
    let mut framer = Framer::new(FramingConfig::default());
    let t0 = Instant::now();
    assert_eq!(framer.deadline(), None);
    framer.push(b"AB", t0);
    assert_eq!(framer.deadline(), Some(t0 + Duration::from_millis(200)));
    let t1 = t0 + Duration::from_millis(150);
    framer.push(b"C", t1);
    assert_eq!(framer.deadline(), Some(t1 + Duration::from_millis(200)));
    // Silence is measured from the last byte, not the first.
    assert!(framer.idle(t0 + Duration::from_millis(250)).is_empty());
    let flushed = framer.idle(t1 + Duration::from_millis(200));
    assert!(matches!(
        flushed.as_slice(),
        [FrameEvent::Error(FramingError::HalfFrame {
            cause: HalfFrameCause::Silence,
            discarded: 3,
            ..
        })]
    ));
    assert_eq!(framer.deadline(), None);
    framer.push(b"D\r", t1);
    assert_eq!(
        framer.deadline(),
        None,
        "a complete scan leaves nothing pending"
    );
}

#[test]
fn a_lost_device_reports_its_pending_partial_scan_as_a_half_frame() {
    for suffix in Suffix::ALL {
        let mut framer = Framer::new(FramingConfig {
            suffix,
            ..FramingConfig::default()
        });
        let partial: &[u8] = if suffix == Suffix::StxEtx {
            b"\x02]d2010"
        } else {
            b"]d2010"
        };
        assert!(framer.push(partial, Instant::now()).is_empty());
        let lost = framer.reset();
        assert!(
            matches!(
                lost,
                Some(FramingError::HalfFrame {
                    cause: HalfFrameCause::DeviceLost,
                    ..
                })
            ),
            "{suffix}: {lost:?}"
        );
        assert_eq!(framer.reset(), None, "{suffix}: nothing left after a reset");
        assert_eq!(framer.deadline(), None);
    }
}

#[test]
fn suffix_codes_round_trip_and_unknown_codes_are_refused() {
    for suffix in Suffix::ALL {
        assert_eq!(Suffix::from_code(suffix.code()), Some(suffix));
    }
    let codes: Vec<&str> = Suffix::ALL.iter().map(|s| s.code()).collect();
    assert_eq!(codes, ["cr", "lf", "crlf", "tab", "stx_etx", "none"]);
    assert_eq!(Suffix::from_code("CRLF"), None);
    assert_eq!(Suffix::from_code(""), None);
}

#[test]
fn the_default_framing_is_cr_with_200_ms_silence_and_4096_bytes() {
    let config = FramingConfig::default();
    assert_eq!(config.suffix, Suffix::Cr);
    assert_eq!(config.silence, Duration::from_millis(200));
    assert_eq!(config.max_len, 4096);
}

#[test]
fn a_hid_pos_symbol_with_a_separate_aim_id_gets_it_in_front_of_its_bytes() {
    let symbol = Symbol {
        aim: Some(*b"]d2"),
        data: b"010950\x1d10ABC".to_vec(),
    };
    assert_eq!(
        frame_symbol(symbol, &FramingConfig::default()),
        FrameEvent::Frame(kentai_drivers::framing::Frame {
            aim: Some(*b"]d2"),
            bytes: b"]d2010950\x1d10ABC".to_vec()
        })
    );
}

#[test]
fn a_hid_pos_symbol_without_aim_id_has_it_sniffed_from_its_data() {
    let symbol = Symbol {
        aim: None,
        data: b"]C1010950".to_vec(),
    };
    let FrameEvent::Frame(frame) = frame_symbol(symbol, &FramingConfig::default()) else {
        panic!()
    };
    assert_eq!(frame.aim, Some(*b"]C1"));
    assert_eq!(frame.bytes, b"]C1010950");
}

#[test]
fn a_hid_pos_symbol_whose_data_already_starts_with_its_aim_id_is_not_doubled() {
    let symbol = Symbol {
        aim: Some(*b"]Q3"),
        data: b"]Q3https://id.gs1.org/01/09506000134352".to_vec(),
    };
    let FrameEvent::Frame(frame) = frame_symbol(symbol, &FramingConfig::default()) else {
        panic!()
    };
    assert_eq!(frame.bytes, b"]Q3https://id.gs1.org/01/09506000134352");
}

#[test]
fn a_hid_pos_symbol_loses_a_trailing_configured_suffix() {
    let symbol = Symbol {
        aim: None,
        data: b"ABC\r\n".to_vec(),
    };
    let FrameEvent::Frame(frame) = frame_symbol(symbol, &FramingConfig::default()) else {
        panic!()
    };
    assert_eq!(frame.bytes, b"ABC");
}

#[test]
fn a_hid_pos_symbol_is_checked_for_garbage_and_length() {
    let garbage = Symbol {
        aim: None,
        data: b"A\x00B".to_vec(),
    };
    let FrameEvent::Error(e) = frame_symbol(garbage, &FramingConfig::default()) else {
        panic!()
    };
    assert_eq!(e.code(), "garbage");

    let long = Symbol {
        aim: Some(*b"]C0"),
        data: vec![b'7'; 30],
    };
    let config = FramingConfig {
        max_len: 32,
        ..FramingConfig::default()
    };
    let FrameEvent::Error(e) = frame_symbol(long, &config) else {
        panic!()
    };
    assert_eq!(
        e.code(),
        "too_long",
        "the AIM prefix counts towards max_len"
    );

    let empty = Symbol {
        aim: None,
        data: Vec::new(),
    };
    assert!(matches!(
        frame_symbol(empty, &FramingConfig::default()),
        FrameEvent::Error(FramingError::Garbage { .. })
    ));
}
