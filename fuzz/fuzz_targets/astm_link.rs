//! The ASTM E1381 / LIS1-A frame and link layer of `kentai-drivers`
//! (`drivers/src/astm/link.rs`): the frame codec on arbitrary bytes, one
//! link fed anything a line can deliver, and an instrument link and a LIS
//! link back to back over a line that loses, garbles and invents bytes.
//!
//! The first byte chooses the mode; a script for two links runs on a
//! clean, an honest and a hostile line in turn. Not panicking is not
//! enough, so the target checks what `link.rs` promises:
//!
//! - `decode_frame` accepts exactly the frames the module describes (STX,
//!   a digit 0 to 7, at most `MAX_TEXT` bytes of text without restricted
//!   characters, ETB or ETX, the checksum of FN through ETB/ETX as two hex
//!   digits of either case, CR LF); an accepted frame encodes back to the
//!   same bytes with the checksum in uppercase; a checksum error names the
//!   computed and the received sum; `FrameNumber` counts 0 to 7 and wraps;
//! - `encode_record` refuses the first CR or restricted byte of a record,
//!   by its place; otherwise its frames each decode, are numbered on from
//!   the first, end ETB but the last (ETX), carry `MAX_TEXT` bytes but the
//!   last, and their texts joined are the record and its CR;
//! - a link writes nothing but ENQ, ACK, NAK, EOT and frames: the frames
//!   of its own oldest queued message, exactly as `encode_record` makes
//!   them, from the first after each ENQ, each repeated or followed by the
//!   next, none more than `max_attempts` times, and `Refused` only after
//!   the last of them; ENQ only with a message queued; timers write only
//!   ENQ and EOT; `acknowledge` and `reject` write ACK and NAK when a
//!   frame waits and nothing otherwise; every outcome (`Sent`,
//!   `SendFailed`) follows its EOT and names the oldest message, once,
//!   `Sent` only after its last frame; every `FrameRejected` follows its
//!   NAK; a record handed out is not empty and holds no CR nor restricted
//!   byte, and is acknowledged at once or waits for the journal as the
//!   configuration says; after a tick the next deadline is not in the
//!   past; `queued()` counts the messages without an outcome;
//! - bytes handed to a link in one read or one at a time give the same
//!   actions and the same state;
//! - two links back to back (the LIS acknowledging after its journal) on a
//!   line that only loses bytes or garbles them into bytes with no meaning
//!   on the line: every record handed up is the record whose last frame
//!   just arrived, never one invented or out of order; no record is
//!   journalled twice nor after a later one; a message reported sent is
//!   journalled whole at the other end; on a clean line every message is
//!   sent, or refused only because the journal refused its frame six
//!   times;
//! - on a line that also duplicates and invents bytes, and with a journal
//!   as slow as the script likes, the links still only write what a link
//!   may write; and on every line, once the script ends and time runs past
//!   every timer, both links come back to neutral with nothing queued.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use kentai_drivers::astm::link::{
    checksum, decode_frame, encode_frame, encode_record, is_restricted, AbortReason, Acknowledge,
    Action, EncodeError, FrameEnd, FrameError, FrameNumber, Link, LinkConfig, MessageId,
    SendFailure, ACK, CR, ENQ, EOT, ETB, ETX, LF, MAX_TEXT, NAK, STX,
};
use libfuzzer_sys::fuzz_target;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The most script steps one input runs, so an iteration stays short.
const MAX_STEPS: usize = 48;
/// The most records of one message.
const MAX_RECORDS: usize = 10;
/// The most filler a record is padded with, past two frames.
const MAX_PAD: usize = 600;
/// Rounds of "deliver everything, then wait for the next timer" allowed
/// for two links to come back to neutral.
const SETTLE_ROUNDS: usize = 5_000;
/// Deliveries allowed without time passing before the line counts as
/// looping.
const MAX_FLUSH: usize = 5_000;

// ------------------------------------------------------------- the codec

/// Whether `bytes` is a frame as the module documentation describes it,
/// judged without the codec.
fn is_frame(bytes: &[u8]) -> bool {
    let n = bytes.len();
    if n < 7 || bytes[0] != STX || bytes[n - 2..] != [CR, LF] {
        return false;
    }
    let (high, low) = (bytes[n - 4], bytes[n - 3]);
    if !matches!(bytes[n - 5], ETB | ETX) || !high.is_ascii_hexdigit() || !low.is_ascii_hexdigit() {
        return false;
    }
    let text = &bytes[2..n - 5];
    hex_pair(high, low) == checksum(&bytes[1..n - 4])
        && (b'0'..=b'7').contains(&bytes[1])
        && text.len() <= MAX_TEXT
        && !text.iter().any(|&b| is_restricted(b))
}

/// The value of two hex digits, either case (0 for anything else).
fn hex_pair(high: u8, low: u8) -> u8 {
    let value = |d: u8| char::from(d).to_digit(16).map_or(0, |v| v as u8);
    (value(high) << 4) | value(low)
}

fn check_decode(bytes: &[u8]) {
    let n = bytes.len();
    let decoded = decode_frame(bytes);
    assert_eq!(
        decoded.is_ok(),
        is_frame(bytes),
        "{decoded:?} for {bytes:?}"
    );
    match decoded {
        Ok(frame) => {
            assert!(frame.text.len() <= MAX_TEXT);
            assert!(!frame.text.iter().any(|&b| is_restricted(b)));
            assert_eq!(frame.number.digit(), bytes[1]);
            let mut upper = bytes.to_vec();
            upper[n - 4..n - 2].make_ascii_uppercase();
            let again = encode_frame(frame.number, &frame.text, frame.end);
            assert_eq!(again, Ok(upper), "{frame:?} encodes to other bytes");
        }
        Err(error) => {
            assert!(!error.to_string().is_empty());
            match error {
                FrameError::BadChecksum { computed, received } => {
                    assert_ne!(computed, received);
                    assert_eq!(computed, checksum(&bytes[1..n - 4]));
                    assert_eq!(received, hex_pair(bytes[n - 4], bytes[n - 3]));
                }
                FrameError::TooLong { text } => {
                    assert!(text > MAX_TEXT && text == n - 7, "{text} of {n} bytes");
                }
                FrameError::UnexpectedNumber { .. } => {
                    panic!("decode_frame judged the frame number of {bytes:?}")
                }
                FrameError::RecordTooLong { .. } => {
                    panic!("decode_frame judged a record of {bytes:?}")
                }
                FrameError::Malformed(_) => {}
            }
        }
    }
}

/// `rest` made closer to a frame as `control` asks: STX, ETB or ETX and
/// CR LF in their places, the checksum right in either case.
fn shaped(control: u8, rest: &[u8]) -> Vec<u8> {
    let mut bytes = rest.to_vec();
    let n = bytes.len();
    if n < 7 {
        return bytes;
    }
    if control & 0x10 != 0 {
        bytes[0] = STX;
        bytes[n - 5] = if control & 0x80 != 0 { ETB } else { ETX };
        bytes[n - 2] = CR;
        bytes[n - 1] = LF;
    }
    if control & 0x20 != 0 {
        let sum = checksum(&bytes[1..n - 4]);
        let hex = if control & 0x40 != 0 {
            format!("{sum:02x}")
        } else {
            format!("{sum:02X}")
        };
        bytes[n - 4..n - 2].copy_from_slice(hex.as_bytes());
    }
    bytes
}

fn check_frame_number(n: u8) {
    match FrameNumber::new(n) {
        Some(number) => {
            assert!(n < 8);
            assert_eq!(number.get(), n);
            assert_eq!(number.digit(), b'0' + n);
            assert_eq!(number.next().get(), (n + 1) % 8);
            assert_eq!(number.to_string(), n.to_string());
        }
        None => assert!(n >= 8),
    }
}

/// A byte a frame's text may hold: the restricted characters moved out of
/// the control range.
fn unrestricted(byte: u8) -> u8 {
    if is_restricted(byte) {
        byte ^ 0x40
    } else {
        byte
    }
}

/// A byte a record may hold: CR moved away too.
fn clean(byte: u8) -> u8 {
    unrestricted(if byte == CR { byte ^ 0x40 } else { byte })
}

fn check_encode(control: u8, rest: &[u8]) {
    check_frame_number(control);
    let first = FrameNumber::new((control >> 3) % 8).unwrap_or(FrameNumber::FIRST);
    let mut record: Vec<u8> = if control & 0x40 != 0 {
        rest.iter().map(|&b| clean(b)).collect()
    } else {
        rest.to_vec()
    };
    if control & 0x80 != 0 && !record.is_empty() {
        // Past several frames, the numbers wrapping.
        record = record.repeat(1 + 2_000 / record.len());
    }
    let bad = record.iter().position(|&b| b == CR || is_restricted(b));
    let (frames, next) = match (encode_record(&record, first), bad) {
        (Err(EncodeError::Restricted { byte, at }), Some(bad)) => {
            assert_eq!((at, byte), (bad, record[bad]));
            return;
        }
        (Ok(encoded), None) => encoded,
        (other, _) => panic!("{other:?} for a record refused at {bad:?}"),
    };
    assert_eq!(frames.len(), (record.len() + 1).div_ceil(MAX_TEXT));
    let mut number = first;
    let mut text = Vec::new();
    for (i, bytes) in frames.iter().enumerate() {
        let frame = decode_frame(bytes).unwrap_or_else(|e| panic!("frame {i}: {e}"));
        let last = i + 1 == frames.len();
        assert_eq!(frame.number, number, "frame {i}");
        assert_eq!(
            frame.end,
            if last {
                FrameEnd::Last
            } else {
                FrameEnd::Intermediate
            }
        );
        assert!(!frame.text.is_empty() && (last || frame.text.len() == MAX_TEXT));
        assert_eq!(
            encode_frame(number, &frame.text, frame.end).as_ref(),
            Ok(bytes)
        );
        text.extend_from_slice(&frame.text);
        number = number.next();
    }
    assert_eq!(next, number);
    record.push(CR);
    assert_eq!(text, record, "the frames' texts are not the record");
}

// ------------------------------------------------------ what links write

/// Names a frame: a message of a link (its index, from 0) and a frame of
/// it (from 0).
type Tag = (usize, usize);

/// A message given to a link, as the target frames it.
#[derive(Debug)]
struct Outgoing {
    id: MessageId,
    frames: Vec<Vec<u8>>,
    /// The records a receiver hands out: the non-empty ones.
    handed: Vec<Vec<u8>>,
    /// For each frame, the handed record it completes, if any.
    completes: Vec<Option<usize>>,
    outcome: Option<Result<(), SendFailure>>,
}

impl Outgoing {
    fn new(id: MessageId, records: &[Vec<u8>]) -> Outgoing {
        let mut frames = Vec::new();
        let mut completes = Vec::new();
        let mut handed = Vec::new();
        let mut number = FrameNumber::FIRST;
        for record in records {
            let (more, next) = encode_record(record, number)
                .unwrap_or_else(|e| panic!("a clean record refused: {e}"));
            completes.extend(std::iter::repeat_n(None, more.len() - 1));
            if record.is_empty() {
                completes.push(None);
            } else {
                completes.push(Some(handed.len()));
                handed.push(record.clone());
            }
            frames.extend(more);
            number = next;
        }
        Outgoing {
            id,
            frames,
            handed,
            completes,
            outcome: None,
        }
    }
}

/// The messages of one link and how far their sending has gone, as its
/// writes and outcomes tell.
#[derive(Debug)]
struct Outbox {
    /// How many times the link transmits one frame before it gives up.
    max_attempts: u32,
    messages: Vec<Outgoing>,
    /// The oldest message without an outcome.
    current: usize,
    /// Its frame last written in the transfer under way.
    cursor: Option<usize>,
    /// How many times in a row that frame was written.
    attempts: u32,
}

impl Outbox {
    fn new(max_attempts: u32) -> Outbox {
        Outbox {
            max_attempts,
            messages: Vec::new(),
            current: 0,
            cursor: None,
            attempts: 0,
        }
    }

    fn unfinished(&self) -> usize {
        self.messages.len() - self.current
    }

    /// A write of the link; a frame is named.
    fn write(&mut self, bytes: &[u8]) -> Option<Tag> {
        match bytes {
            [ENQ] => {
                assert!(self.unfinished() > 0, "ENQ with nothing to send");
                self.cursor = None;
                None
            }
            [ACK] | [NAK] | [EOT] => None,
            frame => {
                let m = self.current;
                let message = self
                    .messages
                    .get(m)
                    .unwrap_or_else(|| panic!("a frame with nothing to send: {frame:?}"));
                let k = match self.cursor {
                    None => 0,
                    Some(c) if message.frames[c] == frame => c,
                    Some(c) => c + 1,
                };
                assert_eq!(
                    message.frames.get(k).map(Vec::as_slice),
                    Some(frame),
                    "not frame {k} of message {m}, after {:?}",
                    self.cursor
                );
                self.attempts = if self.cursor == Some(k) {
                    self.attempts + 1
                } else {
                    1
                };
                assert!(
                    self.attempts <= self.max_attempts,
                    "frame {k} of message {m} written {} times",
                    self.attempts
                );
                self.cursor = Some(k);
                Some((m, k))
            }
        }
    }

    fn outcome(&mut self, id: MessageId, outcome: Result<(), SendFailure>) {
        let message = self
            .messages
            .get_mut(self.current)
            .unwrap_or_else(|| panic!("an outcome for {id:?} with nothing queued"));
        assert_eq!(message.id, id, "an outcome for a message not under way");
        match outcome {
            Ok(()) => assert_eq!(
                self.cursor,
                message.frames.len().checked_sub(1),
                "sent before its last frame"
            ),
            Err(SendFailure::Refused) => assert!(
                self.cursor.is_some() && self.attempts == self.max_attempts,
                "refused after {} transmissions",
                self.attempts
            ),
            Err(_) => {}
        }
        message.outcome = Some(outcome);
        self.current += 1;
        self.cursor = None;
    }
}

/// Whether `bytes` is something a link may write, as it writes it.
fn well_formed(bytes: &[u8]) -> bool {
    match bytes {
        [ENQ] | [ACK] | [NAK] | [EOT] => true,
        _ => decode_frame(bytes).is_ok_and(|f| {
            encode_frame(f.number, &f.text, f.end).is_ok_and(|again| again == bytes)
        }),
    }
}

/// Which call gave a batch of actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Bytes,
    Tick,
    Send,
    Acknowledge,
    Reject,
}

/// The actions of one call, sorted.
#[derive(Debug, Default)]
struct Batch {
    /// Bytes to write, a frame named.
    writes: Vec<(Vec<u8>, Option<Tag>)>,
    records: Vec<Vec<u8>>,
    /// The other actions.
    events: Vec<Action>,
}

impl Batch {
    fn extend(&mut self, other: Batch) {
        self.writes.extend(other.writes);
        self.records.extend(other.records);
        self.events.extend(other.events);
    }

    fn ends_transfer(&self) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, Action::TransferEnded | Action::TransferAborted(_)))
    }
}

/// A link and what the target knows of it.
#[derive(Debug)]
struct Probe {
    link: Link,
    outbox: Outbox,
}

impl Probe {
    fn new(config: LinkConfig) -> Probe {
        Probe {
            link: Link::new(config),
            outbox: Outbox::new(config.max_attempts),
        }
    }

    /// Gives the link a message; `records` may hold what no record may.
    fn send(&mut self, records: &[Vec<u8>], now: Instant) -> Batch {
        let queued = self.link.queued();
        match self.link.send(records, now) {
            Ok((id, actions)) => {
                self.outbox.messages.push(Outgoing::new(id, records));
                self.take(Call::Send, actions)
            }
            Err(error) => {
                let first = records
                    .iter()
                    .find_map(|r| encode_record(r, FrameNumber::FIRST).err());
                assert_eq!(Some(error), first, "refused for another reason");
                assert_eq!(self.link.queued(), queued, "a refused message queued");
                Batch::default()
            }
        }
    }

    fn bytes(&mut self, bytes: &[u8], now: Instant) -> Batch {
        let actions = self.link.on_bytes(bytes, now);
        self.take(Call::Bytes, actions)
    }

    fn tick(&mut self, now: Instant) -> Batch {
        let actions = self.link.on_tick(now);
        let batch = self.take(Call::Tick, actions);
        if let Some(deadline) = self.link.next_deadline() {
            assert!(deadline > now, "a deadline in the past after a tick");
        }
        batch
    }

    fn acknowledge(&mut self, now: Instant) -> Batch {
        let waiting = self.link.awaiting_acknowledge();
        let actions = self.link.acknowledge(now);
        assert_eq!(actions.len(), usize::from(waiting), "{actions:?}");
        assert!(!self.link.awaiting_acknowledge());
        self.take(Call::Acknowledge, actions)
    }

    fn reject(&mut self, now: Instant) -> Batch {
        let waiting = self.link.awaiting_acknowledge();
        let actions = self.link.reject(now);
        assert_eq!(actions.len(), usize::from(waiting), "{actions:?}");
        assert!(!self.link.awaiting_acknowledge());
        self.take(Call::Reject, actions)
    }

    /// Checks the actions of one call, in order, and sorts them.
    fn take(&mut self, call: Call, actions: Vec<Action>) -> Batch {
        let mut batch = Batch::default();
        let mut previous: Option<&Action> = None;
        for action in &actions {
            match action {
                Action::Write(bytes) => {
                    assert!(well_formed(bytes), "{call:?} wrote {bytes:?}");
                    let allowed = match call {
                        Call::Bytes => true,
                        Call::Tick => matches!(bytes[..], [ENQ] | [EOT]),
                        Call::Send => bytes[..] == [ENQ],
                        Call::Acknowledge => bytes[..] == [ACK],
                        Call::Reject => bytes[..] == [NAK],
                    };
                    assert!(allowed, "{call:?} wrote {bytes:?}");
                    let tag = self.outbox.write(bytes);
                    batch.writes.push((bytes.clone(), tag));
                }
                Action::Record(record) => {
                    assert_eq!(call, Call::Bytes);
                    assert!(!record.is_empty(), "an empty record");
                    assert!(
                        !record.iter().any(|&b| b == CR || is_restricted(b)),
                        "{record:?}"
                    );
                    batch.records.push(record.clone());
                }
                Action::Sent(id) | Action::SendFailed { message: id, .. } => {
                    assert_eq!(
                        previous,
                        Some(&Action::Write(vec![EOT])),
                        "an outcome not right after EOT"
                    );
                    let outcome = match action {
                        Action::SendFailed { reason, .. } => {
                            let timer = matches!(
                                reason,
                                SendFailure::NoReplyToEnquiry | SendFailure::NoReplyToFrame
                            );
                            let expected = if timer { Call::Tick } else { Call::Bytes };
                            assert_eq!(call, expected, "{reason:?}");
                            Err(*reason)
                        }
                        _ => {
                            assert_eq!(call, Call::Bytes, "sent without a reply");
                            Ok(())
                        }
                    };
                    self.outbox.outcome(*id, outcome);
                }
                Action::InterruptRequested(id) => {
                    assert_eq!(call, Call::Bytes);
                    let current = self.outbox.messages.get(self.outbox.current);
                    assert_eq!(current.map(|m| m.id), Some(*id));
                }
                Action::FrameRejected(error) => {
                    assert_eq!(call, Call::Bytes);
                    assert_eq!(previous, Some(&Action::Write(vec![NAK])), "{error}");
                    assert!(!error.to_string().is_empty());
                    if let FrameError::UnexpectedNumber { expected, received } = error {
                        assert_ne!(expected, received);
                    }
                }
                Action::TransferEnded => assert_eq!(call, Call::Bytes),
                Action::TransferAborted(reason) => {
                    let expected = match reason {
                        AbortReason::Timeout => Call::Tick,
                        AbortReason::SenderStopped => Call::Bytes,
                    };
                    assert_eq!(call, expected, "{reason:?}");
                }
            }
            if !matches!(action, Action::Write(_) | Action::Record(_)) {
                batch.events.push(action.clone());
            }
            previous = Some(action);
        }
        // What follows each run of records: ACK when they are acknowledged
        // at once; otherwise nothing, the link waiting for the journal, or
        // the sender's EOT ending the transfer.
        for (i, pair) in actions.windows(2).enumerate() {
            if !matches!(pair[0], Action::Record(_)) || matches!(pair[1], Action::Record(_)) {
                continue;
            }
            let expected = match self.link.config().acknowledge {
                Acknowledge::Immediately => Action::Write(vec![ACK]),
                Acknowledge::AfterJournal => Action::TransferAborted(AbortReason::SenderStopped),
            };
            assert_eq!(pair[1], expected, "after the records ending at {i}");
        }
        if let Some(Action::Record(_)) = actions.last() {
            assert_eq!(
                self.link.config().acknowledge,
                Acknowledge::AfterJournal,
                "records not acknowledged at once"
            );
            assert!(
                self.link.awaiting_acknowledge(),
                "records that wait for nothing"
            );
        }
        assert_eq!(self.link.queued(), self.outbox.unfinished());
        if self.link.awaiting_acknowledge() {
            assert!(!self.link.is_neutral());
        }
        if self.link.is_neutral() && self.link.queued() == 0 {
            assert_eq!(
                self.link.next_deadline(),
                None,
                "a timer with nothing to do"
            );
        }
        batch
    }
}

// ---------------------------------------------------------- time and records

/// A span of time: milliseconds, whole seconds, or past every timer.
fn span(v: u16) -> Duration {
    match v >> 14 {
        0 => Duration::from_millis(u64::from(v & 0x3FFF)),
        1 => Duration::from_secs(u64::from(v & 0x3F)),
        2 => Duration::from_millis(1),
        _ => Duration::from_secs(100),
    }
}

/// A record for a message: text the input chooses, CR and restricted
/// bytes moved away, padded past a frame or two.
#[derive(Arbitrary, Debug)]
struct Rec {
    text: Vec<u8>,
    pad: u16,
}

impl Rec {
    fn bytes(&self) -> Vec<u8> {
        let mut bytes: Vec<u8> = self.text.iter().map(|&b| clean(b)).collect();
        let pad = usize::from(self.pad) % (MAX_PAD + 1);
        let fill = bytes.last().copied().unwrap_or(b'x');
        bytes.extend(std::iter::repeat_n(fill, pad.saturating_sub(bytes.len())));
        bytes
    }
}

fn message(records: &[Rec]) -> Vec<Vec<u8>> {
    records.iter().take(MAX_RECORDS).map(Rec::bytes).collect()
}

// ------------------------------------------------------------- one link

#[derive(Arbitrary, Debug)]
struct Lone {
    instrument: bool,
    after_journal: bool,
    max_attempts: u8,
    steps: Vec<LoneStep>,
}

#[derive(Arbitrary, Debug)]
enum LoneStep {
    /// A read of anything.
    Bytes(Vec<u8>),
    /// A read of one well-made frame (its text cleaned of restricted bytes,
    /// its number any digit).
    Frame {
        number: u8,
        text: Vec<u8>,
        last: bool,
        lowercase: bool,
    },
    /// A read of one control byte.
    Control(u8),
    Advance(u16),
    /// To the next deadline, or just before it.
    Tick {
        early: bool,
    },
    /// A message; `raw` leaves CR and restricted bytes in.
    Send {
        records: Vec<Rec>,
        raw: bool,
    },
    Busy(bool),
    Acknowledge,
    Reject,
}

/// A well-made frame of any number and text.
fn any_frame(number: u8, text: &[u8], last: bool, lowercase: bool) -> Vec<u8> {
    let mut body = vec![b'0' + number % 10];
    body.extend(text.iter().map(|&b| unrestricted(b)));
    body.push(if last { ETX } else { ETB });
    let sum = checksum(&body);
    let hex = if lowercase {
        format!("{sum:02x}")
    } else {
        format!("{sum:02X}")
    };
    let mut frame = vec![STX];
    frame.extend(body);
    frame.extend_from_slice(hex.as_bytes());
    frame.extend_from_slice(&[CR, LF]);
    frame
}

/// One link, and a twin that reads every byte alone while no message is
/// queued (with one queued, reads decide when the next transfer starts, so
/// the twin then reads as the link does).
struct Solo {
    probe: Probe,
    twin: Link,
    now: Instant,
}

impl Solo {
    fn new(config: LinkConfig) -> Solo {
        Solo {
            probe: Probe::new(config),
            twin: Link::new(config),
            now: Instant::now(),
        }
    }

    fn same_state(&self) {
        let (a, b) = (&self.probe.link, &self.twin);
        assert_eq!(a.is_neutral(), b.is_neutral());
        assert_eq!(a.awaiting_acknowledge(), b.awaiting_acknowledge());
        assert_eq!(a.next_deadline(), b.next_deadline());
        assert_eq!(a.queued(), b.queued());
    }

    fn read(&mut self, bytes: &[u8]) {
        let now = self.now;
        let whole = self.probe.link.queued() > 0;
        let actions = self.probe.link.on_bytes(bytes, now);
        let twin: Vec<Action> = if whole {
            self.twin.on_bytes(bytes, now)
        } else {
            bytes
                .iter()
                .flat_map(|b| self.twin.on_bytes(std::slice::from_ref(b), now))
                .collect()
        };
        assert_eq!(actions, twin, "one read and byte by byte differ");
        self.probe.take(Call::Bytes, actions);
        self.same_state();
    }

    fn step(&mut self, step: &LoneStep) {
        let now = self.now;
        match step {
            LoneStep::Bytes(bytes) => self.read(bytes),
            LoneStep::Frame {
                number,
                text,
                last,
                lowercase,
            } => {
                let text: Vec<u8> = text.iter().take(MAX_TEXT + 2).copied().collect();
                self.read(&any_frame(*number, &text, *last, *lowercase));
            }
            LoneStep::Control(byte) => {
                let byte = [ENQ, ACK, NAK, EOT, STX][usize::from(*byte) % 5];
                self.read(&[byte]);
            }
            LoneStep::Advance(v) => {
                self.now += span(*v);
                self.ticks();
            }
            LoneStep::Tick { early } => {
                if let Some(deadline) = self.probe.link.next_deadline() {
                    let at = if *early {
                        deadline - Duration::from_millis(1)
                    } else {
                        deadline
                    };
                    self.now = self.now.max(at);
                }
                self.ticks();
            }
            LoneStep::Send { records, raw } => {
                let records: Vec<Vec<u8>> = if *raw {
                    records
                        .iter()
                        .take(MAX_RECORDS)
                        .map(|r| r.text.clone())
                        .collect()
                } else {
                    message(records)
                };
                self.probe.send(&records, now);
                let _ = self.twin.send(&records, now);
            }
            LoneStep::Busy(busy) => {
                self.probe.link.set_busy(*busy);
                self.twin.set_busy(*busy);
            }
            LoneStep::Acknowledge => {
                let a = self.probe.acknowledge(now);
                assert_eq!(self.twin.acknowledge(now).len(), a.writes.len());
            }
            LoneStep::Reject => {
                let a = self.probe.reject(now);
                assert_eq!(self.twin.reject(now).len(), a.writes.len());
            }
        }
        self.same_state();
    }

    fn ticks(&mut self) {
        let now = self.now;
        let twin = self.twin.on_tick(now);
        let actions = self.probe.link.on_tick(now);
        assert_eq!(actions, twin, "the twin ticks otherwise");
        self.probe.take(Call::Tick, actions);
        if let Some(deadline) = self.probe.link.next_deadline() {
            assert!(deadline > now, "a deadline in the past after a tick");
        }
    }

    /// Time runs past every timer, the journal taking what waits: alone,
    /// every message fails for want of a reply, and the link rests.
    fn settle(&mut self) {
        for _ in 0..SETTLE_ROUNDS {
            if self.probe.link.awaiting_acknowledge() {
                self.step(&LoneStep::Acknowledge);
            }
            match self.probe.link.next_deadline() {
                Some(deadline) => {
                    self.now = self.now.max(deadline);
                    self.ticks();
                }
                None => break,
            }
        }
        let link = &self.probe.link;
        assert!(
            link.is_neutral() && link.queued() == 0 && link.next_deadline().is_none(),
            "a lone link does not come back to neutral: {link:?}"
        );
    }
}

fn run_lone(lone: &Lone) {
    let base = if lone.instrument {
        LinkConfig::instrument()
    } else {
        LinkConfig::lis()
    };
    let config = LinkConfig {
        acknowledge: if lone.after_journal {
            Acknowledge::AfterJournal
        } else {
            Acknowledge::Immediately
        },
        max_attempts: u32::from(lone.max_attempts % 8) + 1,
        ..base
    };
    let mut solo = Solo::new(config);
    for step in lone.steps.iter().take(MAX_STEPS) {
        solo.step(step);
    }
    solo.settle();
}

/// A LIS (or an instrument) reading a recorded line: a read ends after
/// each LF, ENQ and EOT, 1 ms apart, each followed by a tick; the journal
/// takes every frame, but the first when `control` says so.
fn run_transcript(control: u8, line: &[u8]) {
    let config = if control & 0x08 != 0 {
        LinkConfig::instrument()
    } else {
        LinkConfig::lis()
    };
    let mut reject_first = control & 0x10 != 0;
    let mut solo = Solo::new(config);
    for read in line.split_inclusive(|&b| matches!(b, LF | ENQ | EOT)) {
        solo.read(read);
        solo.now += Duration::from_millis(1);
        solo.ticks();
        if solo.probe.link.awaiting_acknowledge() {
            let step = if std::mem::take(&mut reject_first) {
                LoneStep::Reject
            } else {
                LoneStep::Acknowledge
            };
            solo.step(&step);
        }
    }
    solo.settle();
}

// ------------------------------------------------------ two links, a line

/// How far the line may go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Regime {
    /// Every write crosses whole, time passes only on a quiet line, the
    /// journal answers at once.
    Clean,
    /// As clean, but writes may be lost, or garbled into bytes that mean
    /// nothing on the line (never STX, ENQ, EOT nor ACK).
    Honest,
    /// Anything: writes duplicated, bytes invented, time passing with
    /// bytes in flight, the journal answering when the script says.
    Hostile,
}

#[derive(Arbitrary, Debug)]
struct Script {
    steps: Vec<Step>,
}

#[derive(Arbitrary, Debug)]
enum Step {
    /// A message for the LIS (`lis`) or the instrument to send.
    Send {
        lis: bool,
        records: Vec<Rec>,
    },
    /// The next write towards the LIS (`to_lis`) or the instrument crosses,
    /// in two reads when `split` falls inside it.
    Deliver {
        to_lis: bool,
        split: u16,
    },
    /// The next write is lost.
    Drop {
        to_lis: bool,
    },
    /// The next write crosses with one byte changed.
    Garble {
        to_lis: bool,
        at: u16,
        xor: u8,
    },
    /// The next write crosses twice.
    Duplicate {
        to_lis: bool,
    },
    /// Bytes no end wrote.
    Noise {
        to_lis: bool,
        bytes: Vec<u8>,
    },
    Advance(u16),
    /// To the earliest deadline of the two, or just before it.
    Tick {
        early: bool,
    },
    Busy {
        lis: bool,
        busy: bool,
    },
    /// The journal's answer to the frame that waits (at once on a clean or
    /// honest line: the answer to the next one).
    Journal(bool),
}

/// Whether a byte changes what a link does when it arrives unasked.
fn forges(byte: u8) -> bool {
    matches!(byte, STX | ENQ | EOT | ACK)
}

const INSTRUMENT: usize = 0;
const LIS: usize = 1;

/// One end of the line.
struct End {
    probe: Probe,
    /// Its writes on their way to the other end.
    wire: VecDeque<(Vec<u8>, Option<Tag>)>,
    /// Records handed out that wait for the journal, with their place in
    /// the other end's messages when the line is honest.
    waiting: Vec<Option<(usize, usize)>>,
    /// For each message of the other end, how many of its records this end
    /// journalled.
    journalled: Vec<usize>,
    /// The other end's message journalled last.
    last_message: usize,
    /// The journal's next answer on a clean or honest line.
    answer: bool,
    /// Outside a transfer from the other end, `None`; inside, the other
    /// end's frame last accepted, if any.
    session: Option<Option<Tag>>,
}

/// What the target knows of an end before bytes reach it.
struct Before {
    current: usize,
    cursor: Option<usize>,
    attempts: u32,
    awaiting: bool,
    session: Option<Option<Tag>>,
}

impl End {
    fn new(config: LinkConfig) -> End {
        End {
            probe: Probe::new(config),
            wire: VecDeque::new(),
            waiting: Vec::new(),
            journalled: Vec::new(),
            last_message: 0,
            answer: true,
            session: None,
        }
    }

    /// The journal writes what waits (or refuses it).
    fn journal(&mut self, keep: bool) {
        for place in std::mem::take(&mut self.waiting) {
            let (Some((m, r)), true) = (place, keep) else {
                continue;
            };
            assert!(
                m >= self.last_message,
                "a record of message {m} after one of message {}",
                self.last_message
            );
            if self.journalled.len() <= m {
                self.journalled.resize(m + 1, 0);
            }
            assert_eq!(
                r, self.journalled[m],
                "record {r} of message {m} journalled out of turn"
            );
            self.journalled[m] += 1;
            self.last_message = m;
        }
    }
}

struct Pair {
    regime: Regime,
    /// Whether the journal answers as records arrive (always but on a
    /// hostile line before the script ends).
    prompt: bool,
    ends: [End; 2],
    now: Instant,
}

impl Pair {
    fn new(regime: Regime) -> Pair {
        Pair {
            regime,
            prompt: regime != Regime::Hostile,
            ends: [
                End::new(LinkConfig::instrument()),
                End::new(LinkConfig::lis()),
            ],
            now: Instant::now(),
        }
    }

    /// Takes a batch of end `at`, checking what it handed out against the
    /// frame `tag` that arrived when the line is honest; `taken` is that
    /// frame when the receiver accepts it once the journal says yes.
    fn absorb(&mut self, at: usize, batch: Batch, tag: Option<Tag>, taken: Option<Tag>) {
        let checked = self.regime != Regime::Hostile;
        if batch.ends_transfer() {
            self.ends[at].session = None;
        }
        // The record the frame that arrived completes, in the sender's
        // messages.
        let place = tag.and_then(|(m, k)| {
            let message = &self.ends[1 - at].probe.outbox.messages[m];
            message.completes[k].map(|r| (m, r, message.handed[r].clone()))
        });
        if checked && !batch.records.is_empty() {
            let (m, k) = tag.unwrap_or_else(|| panic!("records from no frame"));
            let expected: Vec<Vec<u8>> = place.iter().map(|(_, _, r)| r.clone()).collect();
            assert_eq!(
                batch.records, expected,
                "frame {k} of message {m} handed out otherwise"
            );
        }
        let end = &mut self.ends[at];
        end.wire.extend(batch.writes);
        end.waiting.extend(
            batch
                .records
                .iter()
                .map(|_| place.as_ref().filter(|_| checked).map(|(m, r, _)| (*m, *r))),
        );
        if end.probe.link.config().acknowledge == Acknowledge::Immediately
            || (!end.probe.link.awaiting_acknowledge() && self.prompt)
        {
            end.journal(true);
        } else if self.prompt {
            let keep = std::mem::replace(&mut end.answer, true);
            let reply = if keep {
                end.probe.acknowledge(self.now)
            } else {
                end.probe.reject(self.now)
            };
            end.journal(keep);
            end.wire.extend(reply.writes);
            if let (true, Some(taken)) = (keep, taken) {
                end.session = Some(Some(taken));
            }
        }
    }

    /// Bytes `sent` towards end `to` arrive as `arrived`, in two reads cut
    /// at `split`; `tag` names the frame sent.
    fn cross(&mut self, to: usize, sent: &[u8], arrived: &[u8], split: usize, tag: Option<Tag>) {
        let now = self.now;
        let end = &self.ends[to];
        let before = Before {
            current: end.probe.outbox.current,
            cursor: end.probe.outbox.cursor,
            attempts: end.probe.outbox.attempts,
            awaiting: end.probe.link.awaiting_acknowledge(),
            session: end.session,
        };
        let (a, b) = arrived.split_at(split.min(arrived.len()));
        let mut batch = Batch::default();
        for part in [a, b].into_iter().filter(|p| !p.is_empty()) {
            batch.extend(self.ends[to].probe.bytes(part, now));
        }
        let taken = if self.regime == Regime::Hostile {
            None
        } else {
            self.foresee(to, sent, arrived, tag, &before, &batch)
        };
        self.absorb(to, batch, tag, taken);
    }

    /// On a clean or honest line, what an end does with bytes follows from
    /// what the target knows: a sender answers ACK (or EOT) with its next
    /// frame or EOT, anything else with the same frame again or, after the
    /// last attempt, EOT; a receiver in a transfer ends it at EOT, answers
    /// ENQ before the first frame, accepts the frame after the one it
    /// accepted last, acknowledges that one again without handing it out,
    /// and refuses any other or a broken one. Returns the frame accepted
    /// once the journal says yes.
    fn foresee(
        &mut self,
        to: usize,
        sent: &[u8],
        arrived: &[u8],
        tag: Option<Tag>,
        before: &Before,
        batch: &Batch,
    ) -> Option<Tag> {
        let writes: Vec<&[u8]> = batch.writes.iter().map(|(b, _)| b.as_slice()).collect();
        let end = &mut self.ends[to];
        if let (Some(k), [reply]) = (before.cursor, arrived) {
            let outbox = &end.probe.outbox;
            let frames = &outbox.messages[before.current].frames;
            let expected: &[u8] = if matches!(*reply, ACK | EOT) {
                frames.get(k + 1).map_or(&[EOT], Vec::as_slice)
            } else if before.attempts < outbox.max_attempts {
                &frames[k]
            } else {
                &[EOT]
            };
            assert_eq!(
                writes.first().copied(),
                Some(expected),
                "the answer to {reply:#04x} after frame {k}"
            );
        }
        let Some(accepted) = before.session else {
            if arrived == [ENQ] && writes == [[ACK]] {
                end.session = Some(None);
            }
            return None;
        };
        if before.awaiting {
            return None;
        }
        let nak_at_most = |writes: &[&[u8]]| writes.iter().all(|w| *w == [NAK]);
        match (arrived, tag) {
            ([EOT], _) => assert!(batch.ends_transfer(), "EOT does not end the transfer"),
            ([ENQ], _) => {
                let expected: &[&[u8]] = if accepted.is_none() { &[&[ACK]] } else { &[] };
                assert_eq!(writes, expected, "the answer to ENQ in a transfer");
            }
            (_, Some((m, k))) if decode_frame(arrived).is_ok() => {
                assert_eq!(decode_frame(arrived), decode_frame(sent));
                let next = match accepted {
                    None => k == 0,
                    Some((m0, k0)) => m0 == m && k0 + 1 == k,
                };
                if accepted == Some((m, k)) {
                    assert_eq!(writes, [[ACK]], "a repeated frame not acknowledged");
                    assert!(batch.records.is_empty(), "a repeated frame handed out");
                } else if !next {
                    assert_eq!(writes, [[NAK]], "frame {k} of {m} after {accepted:?}");
                } else if batch.records.is_empty()
                    || end.probe.link.config().acknowledge == Acknowledge::Immediately
                {
                    assert_eq!(writes, [[ACK]], "frame {k} of {m} not acknowledged");
                    end.session = Some(Some((m, k)));
                } else {
                    assert!(writes.is_empty(), "a reply before the journal's");
                    return Some((m, k));
                }
            }
            // A frame or a byte broken on the way.
            _ => {
                assert!(batch.records.is_empty(), "records from {arrived:?}");
                assert!(nak_at_most(&writes), "{writes:?} for {arrived:?}");
            }
        }
        None
    }

    /// The next write towards `to`, if any.
    fn next(&mut self, to: usize) -> Option<(Vec<u8>, Option<Tag>)> {
        self.ends[1 - to].wire.pop_front()
    }

    /// Every write crosses as it is, both ways, until the line is quiet.
    fn flush(&mut self) {
        for _ in 0..MAX_FLUSH {
            let mut quiet = true;
            for to in [LIS, INSTRUMENT] {
                if let Some((bytes, tag)) = self.next(to) {
                    self.cross(to, &bytes, &bytes, 0, tag);
                    quiet = false;
                }
            }
            if quiet {
                return;
            }
        }
        panic!("the links write to each other without end");
    }

    fn tick(&mut self) {
        let now = self.now;
        for at in [INSTRUMENT, LIS] {
            let batch = self.ends[at].probe.tick(now);
            self.absorb(at, batch, None, None);
        }
    }

    fn deadline(&self) -> Option<Instant> {
        self.ends
            .iter()
            .filter_map(|e| e.probe.link.next_deadline())
            .min()
    }

    fn step(&mut self, step: &Step) {
        let now = self.now;
        let target = |to_lis: bool| if to_lis { LIS } else { INSTRUMENT };
        let hostile = self.regime == Regime::Hostile;
        let faulty = self.regime != Regime::Clean;
        match step {
            Step::Send { lis, records } => {
                let at = target(*lis);
                let batch = self.ends[at].probe.send(&message(records), now);
                self.absorb(at, batch, None, None);
            }
            Step::Deliver { to_lis, split } => {
                let to = target(*to_lis);
                if let Some((bytes, tag)) = self.next(to) {
                    self.cross(to, &bytes, &bytes, usize::from(*split), tag);
                }
            }
            Step::Drop { to_lis } if faulty => {
                self.next(target(*to_lis));
            }
            Step::Garble { to_lis, at, xor } if faulty => {
                let to = target(*to_lis);
                if let Some((sent, tag)) = self.next(to) {
                    let mut arrived = sent.clone();
                    let i = usize::from(*at) % sent.len();
                    let mut byte = sent[i] ^ (*xor).max(1);
                    if !hostile && forges(byte) {
                        byte = if sent[i] == b'~' { b'!' } else { b'~' };
                    }
                    arrived[i] = byte;
                    self.cross(to, &sent, &arrived, 0, tag);
                }
            }
            Step::Duplicate { to_lis } if hostile => {
                let to = target(*to_lis);
                if let Some((bytes, tag)) = self.next(to) {
                    self.cross(to, &bytes, &bytes, 0, tag);
                    self.cross(to, &bytes, &bytes, 0, tag);
                }
            }
            Step::Noise { to_lis, bytes } if hostile => {
                let bytes: Vec<u8> = bytes.iter().take(2 * MAX_TEXT).copied().collect();
                self.cross(target(*to_lis), &bytes, &bytes, 0, None);
            }
            // Faults the line does not make are plain deliveries.
            Step::Drop { to_lis }
            | Step::Garble { to_lis, .. }
            | Step::Duplicate { to_lis }
            | Step::Noise { to_lis, .. } => {
                self.step(&Step::Deliver {
                    to_lis: *to_lis,
                    split: 0,
                });
            }
            Step::Advance(v) => {
                if !hostile {
                    self.flush();
                }
                self.now += span(*v);
                self.tick();
            }
            Step::Tick { early } => {
                if !hostile {
                    self.flush();
                }
                if let Some(deadline) = self.deadline() {
                    let at = if *early {
                        deadline - Duration::from_millis(1)
                    } else {
                        deadline
                    };
                    self.now = self.now.max(at);
                }
                self.tick();
            }
            Step::Busy { lis, busy } => self.ends[target(*lis)].probe.link.set_busy(*busy),
            Step::Journal(keep) if hostile => {
                let end = &mut self.ends[LIS];
                let reply = if *keep {
                    end.probe.acknowledge(now)
                } else {
                    end.probe.reject(now)
                };
                end.journal(*keep);
                end.wire.extend(reply.writes);
            }
            Step::Journal(keep) => self.ends[LIS].answer = *keep,
        }
    }

    /// The script is over: the line turns clean, nobody is busy, the
    /// journal answers at once, and time runs until both ends rest.
    fn settle(&mut self) {
        for end in &mut self.ends {
            end.probe.link.set_busy(false);
            end.answer = true;
        }
        self.prompt = true;
        let now = self.now;
        let end = &mut self.ends[LIS];
        if end.probe.link.awaiting_acknowledge() || !end.waiting.is_empty() {
            let reply = end.probe.acknowledge(now);
            end.journal(true);
            end.wire.extend(reply.writes);
        }
        for _ in 0..SETTLE_ROUNDS {
            self.flush();
            match self.deadline() {
                Some(deadline) => {
                    self.now = self.now.max(deadline);
                    self.tick();
                }
                None => break,
            }
        }
        for (name, end) in ["instrument", "LIS"].iter().zip(&self.ends) {
            let link = &end.probe.link;
            assert!(
                link.is_neutral() && link.queued() == 0 && link.next_deadline().is_none(),
                "the {name} does not come back to neutral: {link:?}"
            );
            assert!(end.wire.is_empty());
        }
    }

    /// Every message sent arrived whole; on a clean line, every message
    /// was sent unless the journal refused a frame of it six times.
    fn check_delivery(&self) {
        for from in [INSTRUMENT, LIS] {
            let to = &self.ends[1 - from];
            for (m, message) in self.ends[from].probe.outbox.messages.iter().enumerate() {
                let got = to.journalled.get(m).copied().unwrap_or(0);
                match message.outcome {
                    Some(Ok(())) => assert_eq!(
                        got,
                        message.handed.len(),
                        "message {m} sent but not journalled whole"
                    ),
                    Some(Err(reason)) => assert!(
                        self.regime != Regime::Clean
                            || (from == INSTRUMENT && reason == SendFailure::Refused),
                        "message {m} failed on a clean line: {reason:?}"
                    ),
                    None => panic!("message {m} without an outcome"),
                }
            }
        }
    }
}

fn run_pair(regime: Regime, script: &Script) {
    let mut pair = Pair::new(regime);
    for step in script.steps.iter().take(MAX_STEPS) {
        pair.step(step);
    }
    pair.settle();
    if regime != Regime::Hostile {
        pair.check_delivery();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    match control % 8 {
        0 => check_decode(&shaped(control, rest)),
        1 => check_encode(control, rest),
        2 => run_transcript(control, rest),
        3 => {
            if let Ok(lone) = Lone::arbitrary_take_rest(Unstructured::new(rest)) {
                run_lone(&lone);
            }
        }
        _ => {
            // Each script on each line: what a fault changes shows against
            // the same script on a clean line.
            if let Ok(script) = Script::arbitrary_take_rest(Unstructured::new(rest)) {
                for regime in [Regime::Clean, Regime::Honest, Regime::Hostile] {
                    run_pair(regime, &script);
                }
            }
        }
    }
});
