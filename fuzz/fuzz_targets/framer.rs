//! The scan framer of `kentai-drivers` (`drivers/src/framing.rs`) on
//! arbitrary byte streams, with the configuration (suffix, `max_len`,
//! silence), the chunking and the pauses (`idle`) and lost devices
//! (`reset`) chosen by the input too.
//!
//! A serial line can deliver anything: noise at a wrong baud rate, half
//! scans, endless lines. Not panicking is not enough, so the target checks
//! what `framing.rs` promises:
//!
//! - every frame is 1 to `max_len` bytes, holds no byte a scanner never
//!   sends (so no CR, LF, TAB, STX or ETX: no suffix can be inside a
//!   frame), carries the AIM identifier its bytes start with, and is a
//!   piece of the stream, in stream order;
//! - errors preview at most 40 characters; `TooLong` names `max_len` and
//!   dropped more than it; `Garbage` and `HalfFrame` dropped at least one
//!   byte; each error comes from the operation and suffix that can cause
//!   it (no frame from a push with `none`, no half frame from a push but
//!   with `stx_etx`, …); bytes in frames plus bytes reported dropped never
//!   exceed the bytes pushed;
//! - "the result never depends on how the bytes were split into chunks":
//!   the same operations with the pushes as given, one byte at a time, or
//!   merged between two `idle`/`reset` calls give the same events;
//! - `deadline` is the silence after the last byte while something is
//!   pending; `idle` before it does nothing, at it flushes at most one
//!   event and leaves nothing pending; after `reset` nothing is pending and
//!   the framer behaves as a new one;
//! - on clean streams (data bytes and the suffix's own terminators only),
//!   the events are exactly those of a small model of the module's rules;
//! - `frame_symbol` (HID POS) only frames what a framer would: same checks,
//!   a trailing configured suffix removed, and the same frame as a `cr`
//!   framer given the symbol's bytes and a CR.
#![no_main]

use arbitrary::Arbitrary;
use kentai_drivers::framing::{
    frame_symbol, preview, sniff_aim, Frame, FrameEvent, Framer, FramingConfig, FramingError,
    HalfFrameCause, Suffix,
};
use kentai_drivers::Symbol;
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

const STX: u8 = 0x02;
const ETX: u8 = 0x03;
const TAB: u8 = 0x09;

/// Bytes of every kind the framer tells apart: data, AIM, GS1/ISO 15434
/// separators, every terminator, other control bytes, high bytes.
const MIXED: &[u8] = b"AZ09]d2 \x1d\x1e\x04\r\n\t\x02\x03\x00\x1b\x7f\x80\xff";

/// Data bytes only (no control byte but the allowed separators).
const DATA: &[u8] = b"AZ09]d2 \x1d\x1e\x04\x80\xff";

#[derive(Arbitrary, Debug)]
struct Input {
    suffix: u8,
    max_len: u16,
    silence_ms: u16,
    /// 0: bytes as given; 1: mapped onto `MIXED`; 2: mapped onto `DATA`
    /// and the suffix's own terminators (a clean stream).
    alphabet: u8,
    ops: Vec<Op>,
    symbol_aim: Option<[u8; 3]>,
    symbol_data: Vec<u8>,
}

#[derive(Arbitrary, Debug, Clone)]
enum Op {
    /// Bytes arriving `gap_ms` after the previous operation.
    Push { gap_ms: u16, bytes: Vec<u8> },
    /// The transport stayed silent for `gap_ms`.
    Idle { gap_ms: u16 },
    /// The device went away.
    Reset,
}

/// Is this byte one a scanner never sends inside a scan (framing.rs's
/// rule: control bytes but GS, RS, FS and EOT)?
fn never_in_a_scan(b: u8) -> bool {
    matches!(b, 0x00..=0x1F | 0x7F) && !matches!(b, 0x04 | 0x1C | 0x1D | 0x1E)
}

/// The bytes that end a scan with this suffix (`stx_etx` frames by STX and
/// ETX; `none` by silence).
fn terminators(suffix: Suffix) -> &'static [u8] {
    match suffix {
        Suffix::Cr => b"\r",
        Suffix::Lf => b"\n",
        Suffix::CrLf => b"\r\n",
        Suffix::Tab => b"\t",
        Suffix::StxEtx => b"\x02\x03",
        Suffix::None => b"",
    }
}

fn config(input: &Input) -> FramingConfig {
    let suffix = Suffix::ALL[usize::from(input.suffix) % Suffix::ALL.len()];
    let raw = usize::from(input.max_len);
    // Mostly short limits, so that too-long scans happen; sometimes the
    // default. 0 and 1 are below what kentai.toml accepts (16) but the
    // framer takes any value.
    let max_len = match raw >> 14 {
        0 | 1 => raw % 24,
        2 => raw % 300,
        _ => 4096,
    };
    FramingConfig {
        suffix,
        silence: Duration::from_millis(u64::from(input.silence_ms % 1000)),
        max_len,
    }
}

fn map_bytes(input: &Input, cfg: &FramingConfig, bytes: &[u8]) -> Vec<u8> {
    let clean: Vec<u8>;
    let alphabet: &[u8] = match input.alphabet % 3 {
        0 => return bytes.to_vec(),
        1 => MIXED,
        _ => {
            clean = [DATA, terminators(cfg.suffix)].concat();
            &clean
        }
    };
    bytes
        .iter()
        .map(|&b| alphabet[usize::from(b) % alphabet.len()])
        .collect()
}

/// What a run did, in order; two runs that agree have equal logs.
#[derive(Debug, Clone, PartialEq)]
enum Entry {
    Push(FrameEvent),
    Idle(Vec<FrameEvent>),
    Reset(Option<FramingError>),
}

/// The framer, or the model of its rules.
trait Cutter {
    fn push(&mut self, bytes: &[u8], now: Instant) -> Vec<FrameEvent>;
    fn idle(&mut self, now: Instant) -> Vec<FrameEvent>;
    fn reset(&mut self) -> Option<FramingError>;
    fn deadline(&self) -> Option<Instant>;
}

impl Cutter for Framer {
    fn push(&mut self, bytes: &[u8], now: Instant) -> Vec<FrameEvent> {
        Framer::push(self, bytes, now)
    }
    fn idle(&mut self, now: Instant) -> Vec<FrameEvent> {
        Framer::idle(self, now)
    }
    fn reset(&mut self) -> Option<FramingError> {
        Framer::reset(self)
    }
    fn deadline(&self) -> Option<Instant> {
        Framer::deadline(self)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Split {
    /// Each push as the input gives it.
    AsGiven,
    /// One byte per push, at the chunk's time.
    Bytewise,
    /// Consecutive pushes as one, at the time of the last non-empty one.
    Merged,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Origin {
    Push,
    Idle,
    Reset,
}

/// The invariants every event must meet, with the run's byte accounting.
struct Checker<'a> {
    cfg: &'a FramingConfig,
    /// Everything pushed so far, in order.
    stream: Vec<u8>,
    /// Where the last frame ended in `stream`.
    cursor: usize,
    /// Bytes in frames plus bytes errors report dropped.
    accounted: usize,
    /// The time of the last non-empty push since the last flush or reset.
    last_push: Option<Instant>,
}

impl Checker<'_> {
    fn pushed(&mut self, bytes: &[u8], now: Instant) {
        self.stream.extend_from_slice(bytes);
        if !bytes.is_empty() {
            self.last_push = Some(now);
        }
    }

    fn event(&mut self, ev: &FrameEvent, origin: Origin) {
        let cfg = self.cfg;
        let suffix = cfg.suffix;
        match ev {
            FrameEvent::Frame(f) => {
                assert!(!f.bytes.is_empty(), "an empty frame ({origin:?}, {cfg:?})");
                assert!(
                    f.bytes.len() <= cfg.max_len,
                    "a frame of {} bytes over max_len {} ({origin:?}): {:?}",
                    f.bytes.len(),
                    cfg.max_len,
                    f.bytes
                );
                assert!(
                    !f.bytes.iter().copied().any(never_in_a_scan),
                    "a frame holds a byte a scanner never sends (a suffix byte?) ({cfg:?}): {:?}",
                    f.bytes
                );
                assert_eq!(
                    f.aim,
                    sniff_aim(&f.bytes),
                    "a frame's AIM identifier is not its bytes' start"
                );
                match origin {
                    Origin::Push => assert!(
                        suffix != Suffix::None,
                        "with no suffix, only silence ends a scan: {f:?}"
                    ),
                    Origin::Idle => assert!(
                        suffix == Suffix::None,
                        "silence made a frame with suffix {suffix}: {f:?}"
                    ),
                    Origin::Reset => panic!("reset returned a frame"),
                }
                // A frame is a run of the stream, after the previous one.
                let at = self.stream[self.cursor..]
                    .windows(f.bytes.len())
                    .position(|w| w == f.bytes.as_slice());
                let Some(at) = at else {
                    panic!(
                        "frame {:?} is not in the stream after byte {} ({cfg:?})",
                        f.bytes, self.cursor
                    );
                };
                self.cursor += at + f.bytes.len();
                self.accounted += f.bytes.len();
            }
            FrameEvent::Error(e) => {
                assert!(
                    e.preview().chars().count() <= 40,
                    "preview longer than 40 characters: {e:?}"
                );
                match e {
                    FramingError::Garbage { discarded, .. } => {
                        assert!(
                            (1..=cfg.max_len).contains(discarded),
                            "garbage of {discarded} bytes with max_len {}: {e:?}",
                            cfg.max_len
                        );
                        assert!(
                            origin == Origin::Push
                                || (origin == Origin::Idle && suffix == Suffix::None),
                            "garbage from {origin:?} with suffix {suffix}"
                        );
                    }
                    FramingError::TooLong {
                        limit, discarded, ..
                    } => {
                        assert_eq!(*limit, cfg.max_len, "TooLong names another limit");
                        assert!(
                            *discarded > cfg.max_len,
                            "TooLong after only {discarded} bytes (max_len {})",
                            cfg.max_len
                        );
                        assert_eq!(
                            origin,
                            Origin::Push,
                            "TooLong is reported when the scan grows past max_len"
                        );
                    }
                    FramingError::HalfFrame {
                        cause, discarded, ..
                    } => {
                        assert!(*discarded >= 1, "a half frame of nothing: {e:?}");
                        let stx = suffix == Suffix::StxEtx;
                        let ok = match origin {
                            Origin::Push => {
                                stx && matches!(
                                    cause,
                                    HalfFrameCause::NewStx | HalfFrameCause::OutsideStxEtx
                                )
                            }
                            Origin::Idle => {
                                suffix != Suffix::None
                                    && (*cause == HalfFrameCause::Silence
                                        || (stx && *cause == HalfFrameCause::OutsideStxEtx))
                            }
                            Origin::Reset => {
                                *cause == HalfFrameCause::DeviceLost
                                    || (stx && *cause == HalfFrameCause::OutsideStxEtx)
                            }
                        };
                        assert!(
                            ok,
                            "half frame {cause:?} from {origin:?} with suffix {suffix}"
                        );
                    }
                }
                self.accounted += e.discarded();
            }
        }
        assert!(
            self.accounted <= self.stream.len(),
            "{} bytes framed or reported dropped out of {} pushed ({cfg:?})",
            self.accounted,
            self.stream.len()
        );
    }
}

/// Runs `ops` on a cutter from `new`, checking every step when `check`.
/// With `fresh_after_reset`, each reset is followed by a new cutter.
fn run<C: Cutter>(
    new: &dyn Fn() -> C,
    cfg: &FramingConfig,
    ops: &[Op],
    split: Split,
    fresh_after_reset: bool,
    check: bool,
) -> Vec<Entry> {
    let mut cutter = new();
    let mut checker = Checker {
        cfg,
        stream: Vec::new(),
        cursor: 0,
        accounted: 0,
        last_push: None,
    };
    let mut log = Vec::new();
    let mut now = Instant::now();
    let mut held: Vec<u8> = Vec::new();
    let mut held_at = now;

    fn push<C: Cutter>(
        cutter: &mut C,
        checker: &mut Checker<'_>,
        log: &mut Vec<Entry>,
        bytes: &[u8],
        at: Instant,
        check: bool,
    ) {
        let events = cutter.push(bytes, at);
        if check {
            // A chunk's events are checked against the stream up to and
            // including that chunk.
            checker.pushed(bytes, at);
            for ev in &events {
                checker.event(ev, Origin::Push);
            }
            if let (Some(due), Some(last)) = (cutter.deadline(), checker.last_push) {
                assert_eq!(
                    due,
                    last + checker.cfg.silence,
                    "the deadline is not the silence after the last byte"
                );
            }
        }
        log.extend(events.into_iter().map(Entry::Push));
    }

    for op in ops {
        match op {
            Op::Push { gap_ms, bytes } => {
                now += Duration::from_millis(u64::from(*gap_ms));
                match split {
                    Split::AsGiven => push(&mut cutter, &mut checker, &mut log, bytes, now, check),
                    Split::Bytewise => {
                        for b in bytes {
                            push(&mut cutter, &mut checker, &mut log, &[*b], now, check);
                        }
                    }
                    Split::Merged => {
                        held.extend_from_slice(bytes);
                        if !bytes.is_empty() {
                            held_at = now;
                        }
                    }
                }
            }
            Op::Idle { gap_ms } => {
                now += Duration::from_millis(u64::from(*gap_ms));
                let bytes = std::mem::take(&mut held);
                push(&mut cutter, &mut checker, &mut log, &bytes, held_at, check);
                let due = cutter.deadline();
                let events = cutter.idle(now);
                if check {
                    match due {
                        Some(due) if now >= due => {
                            assert!(events.len() <= 1, "one idle flushed {events:?}");
                            assert_eq!(cutter.deadline(), None, "pending after a flush");
                            checker.last_push = None;
                        }
                        _ => {
                            assert!(events.is_empty(), "idle before the deadline: {events:?}");
                            assert_eq!(cutter.deadline(), due, "idle moved the deadline");
                        }
                    }
                    for ev in &events {
                        checker.event(ev, Origin::Idle);
                    }
                }
                log.push(Entry::Idle(events));
            }
            Op::Reset => {
                let bytes = std::mem::take(&mut held);
                push(&mut cutter, &mut checker, &mut log, &bytes, held_at, check);
                let lost = cutter.reset();
                if check {
                    if let Some(e) = &lost {
                        checker.event(&FrameEvent::Error(e.clone()), Origin::Reset);
                    }
                    assert_eq!(cutter.deadline(), None, "pending after a reset");
                    assert_eq!(cutter.reset(), None, "a second reset found something");
                    checker.last_push = None;
                }
                log.push(Entry::Reset(lost));
                if fresh_after_reset {
                    cutter = new();
                }
            }
        }
    }
    let bytes = std::mem::take(&mut held);
    push(&mut cutter, &mut checker, &mut log, &bytes, held_at, check);
    log
}

/// The module's rules for clean streams (data bytes and the suffix's own
/// terminators), written from its documentation: a terminator ends a scan,
/// empty scans vanish, a scan growing past `max_len` is one `TooLong` and
/// is dropped to its terminator or silence, silence flushes a pending scan
/// (the scan itself with `none`, else a half frame), STX … ETX frames with
/// runs outside reported once.
struct Model {
    cfg: FramingConfig,
    state: State,
    last: Option<Instant>,
}

enum State {
    Between,
    /// A line scan being collected.
    Collect(Vec<u8>),
    /// The data after an STX.
    InStx(Vec<u8>),
    Outside {
        dropped: usize,
        head: Vec<u8>,
    },
    Discard,
}

impl Model {
    fn new(cfg: FramingConfig) -> Model {
        Model {
            cfg,
            state: State::Between,
            last: None,
        }
    }

    fn too_long(&self, buf: &[u8], b: u8) -> FrameEvent {
        let mut dropped = buf.to_vec();
        dropped.push(b);
        FrameEvent::Error(FramingError::TooLong {
            limit: self.cfg.max_len,
            discarded: dropped.len(),
            preview: preview(&dropped),
        })
    }

    fn line_byte(&mut self, b: u8, out: &mut Vec<FrameEvent>) {
        let state = std::mem::replace(&mut self.state, State::Between);
        if terminators(self.cfg.suffix).contains(&b) {
            if let State::Collect(buf) = state {
                if !buf.is_empty() {
                    out.push(FrameEvent::Frame(Frame::from_bytes(buf)));
                }
            }
            return;
        }
        self.state = match state {
            State::Discard => State::Discard,
            State::Collect(buf) if buf.len() >= self.cfg.max_len => {
                out.push(self.too_long(&buf, b));
                State::Discard
            }
            State::Collect(mut buf) => {
                buf.push(b);
                State::Collect(buf)
            }
            _ if self.cfg.max_len == 0 => {
                out.push(self.too_long(&[], b));
                State::Discard
            }
            _ => State::Collect(vec![b]),
        };
    }

    fn stx_byte(&mut self, b: u8, out: &mut Vec<FrameEvent>) {
        let state = std::mem::replace(&mut self.state, State::Between);
        self.state = match (state, b) {
            (State::Between, STX) => State::InStx(Vec::new()),
            (State::Between, ETX) => {
                out.push(half(HalfFrameCause::OutsideStxEtx, 1, &[ETX]));
                State::Between
            }
            (State::Between, _) => State::Outside {
                dropped: 1,
                head: vec![b],
            },
            (State::Outside { dropped, head }, STX) => {
                out.push(half(HalfFrameCause::OutsideStxEtx, dropped, &head));
                State::InStx(Vec::new())
            }
            (State::Outside { dropped, mut head }, _) => {
                if head.len() < 40 {
                    head.push(b);
                }
                if b == ETX {
                    out.push(half(HalfFrameCause::OutsideStxEtx, dropped + 1, &head));
                    State::Between
                } else {
                    State::Outside {
                        dropped: dropped + 1,
                        head,
                    }
                }
            }
            (State::InStx(buf), STX) => {
                out.push(half_stx(HalfFrameCause::NewStx, &buf));
                State::InStx(Vec::new())
            }
            (State::InStx(buf), ETX) => {
                if !buf.is_empty() {
                    out.push(FrameEvent::Frame(Frame::from_bytes(buf)));
                }
                State::Between
            }
            (State::InStx(buf), _) if buf.len() >= self.cfg.max_len => {
                out.push(self.too_long(&buf, b));
                State::Discard
            }
            (State::InStx(mut buf), _) => {
                buf.push(b);
                State::InStx(buf)
            }
            (State::Discard, STX) => State::InStx(Vec::new()),
            (State::Discard, ETX) => State::Between,
            (State::Discard, _) => State::Discard,
            (State::Collect(_), _) => unreachable!("no line scans with stx_etx"),
        };
    }

    fn pending(&self) -> bool {
        match &self.state {
            State::Between => false,
            State::Collect(buf) => !buf.is_empty(),
            State::InStx(_) | State::Outside { .. } | State::Discard => true,
        }
    }

    fn flush(&mut self, cause: HalfFrameCause) -> Option<FrameEvent> {
        match std::mem::replace(&mut self.state, State::Between) {
            State::Between | State::Discard => None,
            State::Collect(buf) if buf.is_empty() => None,
            State::Collect(buf)
                if self.cfg.suffix == Suffix::None && cause == HalfFrameCause::Silence =>
            {
                Some(FrameEvent::Frame(Frame::from_bytes(buf)))
            }
            State::Collect(buf) => Some(half(cause, buf.len(), &buf)),
            State::InStx(buf) => Some(half_stx(cause, &buf)),
            State::Outside { dropped, head } => {
                Some(half(HalfFrameCause::OutsideStxEtx, dropped, &head))
            }
        }
    }
}

fn half(cause: HalfFrameCause, discarded: usize, bytes: &[u8]) -> FrameEvent {
    FrameEvent::Error(FramingError::HalfFrame {
        cause,
        discarded,
        preview: preview(bytes),
    })
}

/// A half frame of STX and `buf`: the STX counts, and shows.
fn half_stx(cause: HalfFrameCause, buf: &[u8]) -> FrameEvent {
    let mut shown = vec![STX];
    shown.extend_from_slice(&buf[..buf.len().min(40)]);
    half(cause, buf.len() + 1, &shown)
}

impl Cutter for Model {
    fn push(&mut self, bytes: &[u8], now: Instant) -> Vec<FrameEvent> {
        let mut out = Vec::new();
        for &b in bytes {
            if self.cfg.suffix == Suffix::StxEtx {
                self.stx_byte(b, &mut out);
            } else {
                self.line_byte(b, &mut out);
            }
        }
        if !bytes.is_empty() {
            self.last = Some(now);
        }
        out
    }

    fn idle(&mut self, now: Instant) -> Vec<FrameEvent> {
        match self.deadline() {
            Some(due) if now >= due => {}
            _ => return Vec::new(),
        }
        self.last = None;
        self.flush(HalfFrameCause::Silence).into_iter().collect()
    }

    fn reset(&mut self) -> Option<FramingError> {
        self.last = None;
        match self.flush(HalfFrameCause::DeviceLost) {
            Some(FrameEvent::Error(e)) => Some(e),
            _ => None,
        }
    }

    fn deadline(&self) -> Option<Instant> {
        if !self.pending() {
            return None;
        }
        self.last.map(|t| t + self.cfg.silence)
    }
}

/// Checks `frame_symbol` on one symbol.
fn check_symbol(cfg: &FramingConfig, aim: Option<[u8; 3]>, data: Vec<u8>) {
    let symbol = |data: Vec<u8>| Symbol { aim, data };
    let event = frame_symbol(symbol(data.clone()), cfg);
    match &event {
        FrameEvent::Frame(f) => {
            assert!(!f.bytes.is_empty(), "an empty HID POS frame");
            assert!(
                f.bytes.len() <= cfg.max_len,
                "a HID POS frame over max_len {}: {f:?}",
                cfg.max_len
            );
            assert!(
                !f.bytes.iter().copied().any(never_in_a_scan),
                "a HID POS frame holds a byte a scanner never sends: {f:?}"
            );
            match aim {
                Some(a) => {
                    assert_eq!(f.aim, Some(a), "the device's AIM identifier was lost");
                    assert!(
                        f.bytes.starts_with(&a),
                        "the AIM identifier is not in front"
                    );
                }
                None => assert_eq!(f.aim, sniff_aim(&f.bytes), "AIM not sniffed"),
            }
        }
        FrameEvent::Error(e) => match e {
            FramingError::Garbage { discarded, .. } => assert!(
                *discarded <= cfg.max_len,
                "HID POS garbage of {discarded} bytes over max_len {}",
                cfg.max_len
            ),
            FramingError::TooLong {
                limit, discarded, ..
            } => {
                assert_eq!(*limit, cfg.max_len);
                assert!(*discarded > cfg.max_len, "too long at {discarded} bytes");
            }
            FramingError::HalfFrame { .. } => panic!("a half frame from a whole symbol: {e:?}"),
        },
    }

    // "A trailing suffix matching config.suffix (or STX … ETX around the
    // data) is removed."
    let wrapped = match cfg.suffix {
        Suffix::Cr | Suffix::Lf | Suffix::CrLf => Some([&data[..], b"\r\n"].concat()),
        Suffix::Tab if data.last() != Some(&TAB) => Some([&data[..], b"\t"].concat()),
        Suffix::StxEtx if !(data.len() >= 2 && data[0] == STX && data[data.len() - 1] == ETX) => {
            Some([&[STX][..], &data, &[ETX]].concat())
        }
        _ => None,
    };
    if let Some(wrapped) = wrapped {
        assert_eq!(
            frame_symbol(symbol(wrapped.clone()), cfg),
            event,
            "{wrapped:?} with its suffix is not {data:?} ({})",
            cfg.suffix
        );
    }

    // A symbol is framed like the same bytes from a serial `cr` scanner,
    // when they hold no terminator or control byte and the device's AIM
    // identifier (if any) looks like one.
    if aim.is_some_and(|a| sniff_aim(&a) != Some(a)) {
        return;
    }
    let bytes = match aim {
        Some(a) if !data.starts_with(&a) => [&a[..], &data].concat(),
        _ => data,
    };
    if bytes.is_empty() || bytes.iter().copied().any(never_in_a_scan) {
        return;
    }
    let cr = FramingConfig {
        suffix: Suffix::Cr,
        ..cfg.clone()
    };
    let from_symbol = frame_symbol(symbol(bytes.clone()), &cr);
    let mut framer = Framer::new(cr);
    let serial = framer.push(&[&bytes[..], b"\r"].concat(), Instant::now());
    match (&from_symbol, serial.as_slice()) {
        (FrameEvent::Frame(_), [one]) => assert_eq!(one, &from_symbol, "HID POS vs serial"),
        (FrameEvent::Error(a), [FrameEvent::Error(b)]) => {
            assert_eq!(a.code(), b.code(), "HID POS vs serial: {a:?} / {b:?}")
        }
        _ => panic!("HID POS {from_symbol:?} but serial {serial:?} for {bytes:?}"),
    }
}

fuzz_target!(|input: Input| {
    let cfg = config(&input);
    let ops: Vec<Op> = input
        .ops
        .iter()
        .map(|op| match op {
            Op::Push { gap_ms, bytes } => Op::Push {
                gap_ms: gap_ms % 2048,
                bytes: map_bytes(&input, &cfg, bytes),
            },
            Op::Idle { gap_ms } => Op::Idle {
                gap_ms: gap_ms % 2048,
            },
            Op::Reset => Op::Reset,
        })
        .collect();

    let framer = || Framer::new(cfg.clone());
    let given = run(&framer, &cfg, &ops, Split::AsGiven, false, true);
    let bytewise = run(&framer, &cfg, &ops, Split::Bytewise, false, true);
    assert_eq!(bytewise, given, "one byte at a time differs ({cfg:?})");
    let merged = run(&framer, &cfg, &ops, Split::Merged, false, true);
    assert_eq!(merged, given, "merged pushes differ ({cfg:?})");
    let fresh = run(&framer, &cfg, &ops, Split::AsGiven, true, true);
    assert_eq!(fresh, given, "a reset framer is not a new one ({cfg:?})");

    let clean = ops.iter().all(|op| match op {
        Op::Push { bytes, .. } => bytes
            .iter()
            .all(|&b| !never_in_a_scan(b) || terminators(cfg.suffix).contains(&b)),
        _ => true,
    });
    if clean {
        let model = run(
            &|| Model::new(cfg.clone()),
            &cfg,
            &ops,
            Split::AsGiven,
            false,
            false,
        );
        assert_eq!(given, model, "the framer departs from its rules ({cfg:?})");
    }

    check_symbol(&cfg, input.symbol_aim, input.symbol_data);
});
