//! The ASTM E1381 / CLSI LIS1-A data link: frames, checksums, and the
//! ENQ / ACK / NAK / EOT exchange that carries records between an
//! analyser and kentai.
//!
//! Everything here is pure: a [`Link`] takes the bytes the line delivered
//! and the time they arrived, and answers with [`Action`]s (bytes to write,
//! records received, transfers ended or failed). It never reads a clock nor
//! touches a port, so every rule of the protocol is tested on bytes and the
//! timers run on `Instant`s the caller passes in.
//!
//! # Frames
//!
//! A frame is `<STX> FN text <ETB|ETX> C1 C2 <CR> <LF>`. FN is the frame
//! number as one ASCII digit: the first frame of a transfer is `1`, then
//! `2`…`7`, `0`, `1`… (modulo 8). C1 C2 is the checksum, the sum of the
//! bytes from FN through ETB or ETX modulo 256, as two uppercase hex digits
//! (lowercase is accepted on input). The text holds at most
//! [`MAX_TEXT`] (240) bytes; each record, ended by CR, starts a frame of its
//! own, and a longer record goes out as intermediate frames ending ETB and a
//! last frame ending ETX. [`encode_record`] and [`decode_frame`] are the
//! codec.
//!
//! # One `Link` for either end of the line
//!
//! A [`Link`] is one end of one line, sender and receiver at once: the
//! protocol lets either end start a transfer, and which end wins when both
//! do depends on its [`Side`]. Messages given to [`Link::send`] are queued
//! and each goes out as one transfer (ENQ, its frames, EOT).
//!
//! Sending: ENQ, then 15 s for a reply. ACK starts the frames; NAK (the
//! receiver is busy) means another ENQ after 10 s; no reply means EOT and
//! [`SendFailure::NoReplyToEnquiry`]. Each frame waits 15 s for its reply:
//! ACK sends the next one; NAK, or any reply that cannot be read, sends the
//! frame again, up to six transmissions of one frame in all, after which
//! the link sends EOT and reports [`SendFailure::Refused`]; silence means
//! EOT and [`SendFailure::NoReplyToFrame`]. EOT in reply to a frame is the
//! receiver's interrupt request: it counts as ACK, the link finishes the
//! message under way (the standard lets a sender do so), then holds its
//! next ENQ for 15 s or until the other end has sent a transfer of its own.
//!
//! Receiving: an ENQ is answered ACK, or NAK while [`Link::set_busy`] says
//! so. After each reply the receiver waits 30 s for a frame or EOT; when
//! that passes, the part of a record it holds is discarded and
//! [`Action::TransferAborted`] reported. A good frame with the expected
//! number is accepted; a frame with a bad checksum, a wrong number, too long
//! a text or a broken shape is answered NAK ([`Action::FrameRejected`]
//! says why); a frame repeating the number last accepted (its ACK was lost)
//! is answered ACK and otherwise ignored. Bytes outside frames that are not
//! ENQ or EOT are line noise and ignored. A repeated ENQ before the first
//! frame is answered again (an instrument that did not hear the first
//! answer asks again); an ENQ later in a transfer is ignored, and the
//! sender's own 15 s timeout and EOT bring the line back to neutral.
//!
//! Contention (both ends send ENQ): the instrument wins. A [`Side::Lis`]
//! link stops, answers the instrument's ENQ with ACK at once (and a
//! repeated ENQ again, as above), receives, and sends its own ENQ no sooner
//! than 20 s after that transfer ended. A [`Side::Instrument`] link waits
//! 1 s and sends ENQ again; an ACK arriving during that second is taken as
//! the answer to its first ENQ.
//!
//! # Nothing lost: ACK after the journal
//!
//! With [`Acknowledge::AfterJournal`] (the default of [`LinkConfig::lis`])
//! the frame that completes one or more records is not acknowledged when it
//! arrives: the link hands out [`Action::Record`]s and writes nothing until
//! the caller has journalled every record of that call and says so with
//! [`Link::acknowledge`] (or asks for the frame again with
//! [`Link::reject`], which answers NAK). The instrument keeps a result until
//! its frame is acknowledged, so a crash before the journal write costs a
//! retransmission, never a result. The receive timer does not run while
//! the link waits for the caller; the instrument's 15 s reply timer does, so
//! the journal write is expected to take well under that. Intermediate
//! (ETB) frames carry no whole record and are acknowledged at once.
//!
//! Received records are handed out as they complete, without their CR;
//! intermediate frames are joined first. A record is bytes, not text: the
//! record layer decides the character set.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Start of a frame.
pub const STX: u8 = 0x02;
/// End of the last frame of a record.
pub const ETX: u8 = 0x03;
/// End of a transfer; in reply to a frame, a request to stop.
pub const EOT: u8 = 0x04;
/// A request to send.
pub const ENQ: u8 = 0x05;
/// Yes: ready, or frame received.
pub const ACK: u8 = 0x06;
/// No: busy, or frame not received.
pub const NAK: u8 = 0x15;
/// End of an intermediate frame.
pub const ETB: u8 = 0x17;
/// Ends a record inside the text, and (with LF) every frame.
pub const CR: u8 = 0x0D;
/// Ends every frame.
pub const LF: u8 = 0x0A;

/// The most text one frame carries.
pub const MAX_TEXT: usize = 240;

/// The longest record a receiver joins from intermediate frames (1 MiB):
/// far above any E1394 record (a whole plate's comment stays under a few
/// kilobytes), and a bound on what a sender that never ends a record can
/// make the receiver hold. The frame that would go past it is answered
/// NAK ([`FrameError::RecordTooLong`]); the sender's sixth try ends the
/// transfer.
pub const MAX_RECORD: usize = 1 << 20;
/// The longest frame: STX, FN, text, ETB or ETX, two checksum digits, CR LF.
pub const MAX_FRAME: usize = MAX_TEXT + 7;
/// The shortest frame, with no text.
const MIN_FRAME: usize = 7;
/// The most bytes of a frame kept while it arrives; longer frames are
/// counted, not kept, and answered NAK.
const FRAME_BUFFER: usize = 4 * MAX_FRAME;

/// Whether a byte may not appear in a frame's text (LIS1-A's restricted
/// characters: SOH, STX, ETX, EOT, ENQ, ACK, DLE, NAK, SYN, ETB, LF and
/// DC1–DC4).
pub fn is_restricted(byte: u8) -> bool {
    matches!(
        byte,
        0x01 | STX | ETX | EOT | ENQ | ACK | 0x10 | NAK | 0x16 | ETB | LF | 0x11..=0x14
    )
}

/// A frame number, 0 to 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameNumber(u8);

impl FrameNumber {
    /// The number of the first frame of every transfer.
    pub const FIRST: FrameNumber = FrameNumber(1);

    /// `None` unless `n` is 0 to 7.
    pub fn new(n: u8) -> Option<FrameNumber> {
        (n < 8).then_some(FrameNumber(n))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The number after this one: 7 is followed by 0.
    pub fn next(self) -> FrameNumber {
        FrameNumber((self.0 + 1) % 8)
    }

    /// The ASCII digit written on the line.
    pub fn digit(self) -> u8 {
        b'0' + self.0
    }

    fn from_digit(digit: u8) -> Option<FrameNumber> {
        digit.checked_sub(b'0').and_then(FrameNumber::new)
    }
}

impl fmt::Display for FrameNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How a frame ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameEnd {
    /// ETB: the record goes on in the next frame.
    Intermediate,
    /// ETX: the record ends with this frame.
    Last,
}

impl FrameEnd {
    pub fn byte(self) -> u8 {
        match self {
            FrameEnd::Intermediate => ETB,
            FrameEnd::Last => ETX,
        }
    }
}

/// One decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub number: FrameNumber,
    /// The text between FN and ETB or ETX, CRs included.
    pub text: Vec<u8>,
    pub end: FrameEnd,
}

/// Why a received frame is answered NAK.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error("frame checksum {received:02X} differs from the computed {computed:02X}")]
    BadChecksum { computed: u8, received: u8 },
    #[error("frame number {received} where {expected} was expected")]
    UnexpectedNumber {
        expected: FrameNumber,
        received: FrameNumber,
    },
    #[error("frame text of {text} bytes (at most 240)")]
    TooLong { text: usize },
    #[error("a record longer than {limit} bytes")]
    RecordTooLong { limit: usize },
    #[error("malformed frame: {0}")]
    Malformed(&'static str),
}

/// Why a record cannot be put into frames.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// CR ends a record, and the restricted characters may not appear in a
    /// frame at all.
    #[error("byte {byte:#04x} at {at} may not appear in a record")]
    Restricted { byte: u8, at: usize },
    #[error("frame text of {text} bytes (at most 240)")]
    TooLong { text: usize },
}

/// The checksum of a frame's bytes from FN through ETB or ETX.
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |sum, b| sum.wrapping_add(*b))
}

fn hex_digit(nibble: u8) -> u8 {
    b"0123456789ABCDEF"[usize::from(nibble & 0x0F)]
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

fn frame_bytes(number: FrameNumber, text: &[u8], end: FrameEnd) -> Vec<u8> {
    let mut frame = Vec::with_capacity(text.len() + MIN_FRAME);
    frame.push(STX);
    frame.push(number.digit());
    frame.extend_from_slice(text);
    frame.push(end.byte());
    let sum = checksum(&frame[1..]);
    frame.extend_from_slice(&[hex_digit(sum >> 4), hex_digit(sum), CR, LF]);
    frame
}

/// One frame of `text` (CRs allowed, restricted characters not).
pub fn encode_frame(
    number: FrameNumber,
    text: &[u8],
    end: FrameEnd,
) -> Result<Vec<u8>, EncodeError> {
    if text.len() > MAX_TEXT {
        return Err(EncodeError::TooLong { text: text.len() });
    }
    if let Some(at) = text.iter().position(|b| is_restricted(*b)) {
        return Err(EncodeError::Restricted { byte: text[at], at });
    }
    Ok(frame_bytes(number, text, end))
}

/// The frames of one record (given without its CR), the first numbered
/// `first`, and the number of the frame after them.
pub fn encode_record(
    record: &[u8],
    first: FrameNumber,
) -> Result<(Vec<Vec<u8>>, FrameNumber), EncodeError> {
    if let Some(at) = record.iter().position(|b| *b == CR || is_restricted(*b)) {
        return Err(EncodeError::Restricted {
            byte: record[at],
            at,
        });
    }
    let mut text = Vec::with_capacity(record.len() + 1);
    text.extend_from_slice(record);
    text.push(CR);
    let chunks: Vec<&[u8]> = text.chunks(MAX_TEXT).collect();
    let mut frames = Vec::with_capacity(chunks.len());
    let mut number = first;
    for (i, chunk) in chunks.iter().enumerate() {
        let end = if i + 1 == chunks.len() {
            FrameEnd::Last
        } else {
            FrameEnd::Intermediate
        };
        frames.push(frame_bytes(number, chunk, end));
        number = number.next();
    }
    Ok((frames, number))
}

/// Checks and decodes one received frame, STX through LF. The frame
/// number is read, not judged: whether it is the expected one is the
/// link's business.
pub fn decode_frame(bytes: &[u8]) -> Result<Frame, FrameError> {
    if bytes.len() < MIN_FRAME {
        return Err(FrameError::Malformed("shorter than a frame"));
    }
    if bytes[0] != STX {
        return Err(FrameError::Malformed("does not start with STX"));
    }
    let n = bytes.len();
    if bytes[n - 2] != CR || bytes[n - 1] != LF {
        return Err(FrameError::Malformed("does not end with CR LF"));
    }
    let end = match bytes[n - 5] {
        ETB => FrameEnd::Intermediate,
        ETX => FrameEnd::Last,
        _ => return Err(FrameError::Malformed("no ETB or ETX before the checksum")),
    };
    let (Some(high), Some(low)) = (hex_value(bytes[n - 4]), hex_value(bytes[n - 3])) else {
        return Err(FrameError::Malformed("checksum is not two hex digits"));
    };
    let received = (high << 4) | low;
    let computed = checksum(&bytes[1..n - 4]);
    if received != computed {
        return Err(FrameError::BadChecksum { computed, received });
    }
    let Some(number) = FrameNumber::from_digit(bytes[1]) else {
        return Err(FrameError::Malformed("frame number is not a digit 0 to 7"));
    };
    let text = &bytes[2..n - 5];
    if text.len() > MAX_TEXT {
        return Err(FrameError::TooLong { text: text.len() });
    }
    if text.iter().any(|b| is_restricted(*b)) {
        return Err(FrameError::Malformed("restricted character in the text"));
    }
    Ok(Frame {
        number,
        text: text.to_vec(),
        end,
    })
}

/// Which end of the line a link is; it decides contention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The analyser: wins contention.
    Instrument,
    /// The computer system (kentai): yields on contention.
    Lis,
}

/// When a frame completing records is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Acknowledge {
    /// On arrival.
    Immediately,
    /// When the caller calls [`Link::acknowledge`], after journalling.
    AfterJournal,
}

/// The protocol's timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// A sender's wait for the reply to ENQ or to a frame.
    pub reply: Duration,
    /// A receiver's wait for a frame or EOT after its reply.
    pub receive: Duration,
    /// A sender's wait after NAK to ENQ before the next ENQ.
    pub busy: Duration,
    /// The instrument's wait after contention before its next ENQ.
    pub instrument_contention: Duration,
    /// The LIS's wait after the instrument's transfer that followed
    /// contention before its own ENQ.
    pub lis_contention: Duration,
    /// A sender's wait after honouring an interrupt request before its next
    /// ENQ, unless the receiver sends a transfer first.
    pub interrupt: Duration,
}

impl Default for Timers {
    /// LIS1-A's values.
    fn default() -> Self {
        Timers {
            reply: Duration::from_secs(15),
            receive: Duration::from_secs(30),
            busy: Duration::from_secs(10),
            instrument_contention: Duration::from_secs(1),
            lis_contention: Duration::from_secs(20),
            interrupt: Duration::from_secs(15),
        }
    }
}

/// How one link behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkConfig {
    pub side: Side,
    pub acknowledge: Acknowledge,
    /// How many times one frame is transmitted before the sender gives up.
    pub max_attempts: u32,
    pub timers: Timers,
}

impl LinkConfig {
    /// kentai's end: yields on contention, acknowledges after the journal.
    pub fn lis() -> LinkConfig {
        LinkConfig {
            side: Side::Lis,
            acknowledge: Acknowledge::AfterJournal,
            max_attempts: 6,
            timers: Timers::default(),
        }
    }

    /// An analyser's end (for simulators and tests): wins contention,
    /// acknowledges at once.
    pub fn instrument() -> LinkConfig {
        LinkConfig {
            side: Side::Instrument,
            acknowledge: Acknowledge::Immediately,
            max_attempts: 6,
            timers: Timers::default(),
        }
    }
}

/// Names a message given to [`Link::send`] in the actions about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub u64);

/// Why a transfer being received ended without its EOT, or with a record
/// unfinished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum AbortReason {
    /// Nothing came for 30 s after the receiver's reply.
    #[error("no frame or EOT within the receive timeout")]
    Timeout,
    /// The sender sent EOT in the middle of a record, or while a frame
    /// waited for the journal (it gave up on that frame).
    #[error("the sender ended the transfer in the middle of a record")]
    SenderStopped,
}

/// Why a message could not be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum SendFailure {
    #[error("no reply to ENQ")]
    NoReplyToEnquiry,
    #[error("no reply to a frame")]
    NoReplyToFrame,
    #[error("a frame was refused on every transmission")]
    Refused,
}

/// What the caller does, or learns, after a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Bytes to write to the line, in order.
    Write(Vec<u8>),
    /// A whole record received, without its CR. Under
    /// [`Acknowledge::AfterJournal`], the frame is acknowledged only by
    /// [`Link::acknowledge`].
    Record(Vec<u8>),
    /// The sender's EOT ended a transfer normally.
    TransferEnded,
    /// A transfer being received ended abnormally; a record it held in part
    /// is discarded. Records already handed out stay valid; whether a
    /// message they begin is whole is for the record layer to judge.
    TransferAborted(AbortReason),
    /// A received frame answered NAK.
    FrameRejected(FrameError),
    /// Every frame of this message was acknowledged.
    Sent(MessageId),
    /// This message was given up (and EOT sent); it is no longer queued.
    SendFailed {
        message: MessageId,
        reason: SendFailure,
    },
    /// The receiver answered a frame of this message with EOT: the link
    /// finishes the message, then holds its next ENQ.
    InterruptRequested(MessageId),
}

#[derive(Debug)]
struct Outgoing {
    id: MessageId,
    frames: Vec<Vec<u8>>,
}

#[derive(Debug)]
struct Receive {
    /// When the receiver gives up; `None` while a frame waits for the
    /// journal.
    deadline: Option<Instant>,
    /// The number of the frame last accepted; `None` before the first.
    last: Option<FrameNumber>,
    /// Text of intermediate frames (and whole records before the last
    /// frame's acknowledgement).
    partial: Vec<u8>,
    /// The frame arriving, from its STX; empty between frames.
    frame: Vec<u8>,
    /// Bytes of the arriving frame beyond what `frame` keeps.
    overflow: usize,
    /// A last frame whose records wait for [`Link::acknowledge`].
    pending: Option<FrameNumber>,
}

#[derive(Debug)]
enum State {
    Idle,
    Establishing {
        deadline: Instant,
    },
    ContentionWait {
        until: Instant,
    },
    Sending {
        index: usize,
        attempts: u32,
        deadline: Instant,
        interrupted: bool,
    },
    Receiving(Receive),
}

/// What ending a receive does to the hold on the next ENQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AfterReceive {
    Nothing,
    /// Contention was lost: wait this long after the transfer.
    Hold(Duration),
    /// An interrupt was honoured: the receiver's own transfer lifts the
    /// hold.
    Release,
}

/// One end of an ASTM E1381 line, sans I/O. See the module documentation
/// for the rules it keeps.
#[derive(Debug)]
pub struct Link {
    config: LinkConfig,
    state: State,
    queue: VecDeque<Outgoing>,
    /// No ENQ before this.
    hold_until: Option<Instant>,
    after_receive: AfterReceive,
    busy: bool,
    next_id: u64,
}

impl Link {
    pub fn new(config: LinkConfig) -> Link {
        Link {
            config,
            state: State::Idle,
            queue: VecDeque::new(),
            hold_until: None,
            after_receive: AfterReceive::Nothing,
            busy: false,
            next_id: 1,
        }
    }

    pub fn config(&self) -> &LinkConfig {
        &self.config
    }

    /// Neither sending nor receiving (messages may be queued).
    pub fn is_neutral(&self) -> bool {
        matches!(self.state, State::Idle)
    }

    /// Messages not yet sent nor failed, the one under way included.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// While busy, an ENQ is answered NAK.
    pub fn set_busy(&mut self, busy: bool) {
        self.busy = busy;
    }

    /// Whether records handed out wait for [`Link::acknowledge`].
    pub fn awaiting_acknowledge(&self) -> bool {
        matches!(&self.state, State::Receiving(r) if r.pending.is_some())
    }

    /// Queues a message (its records, each without CR) and starts a
    /// transfer when the line allows.
    pub fn send<R: AsRef<[u8]>>(
        &mut self,
        records: &[R],
        now: Instant,
    ) -> Result<(MessageId, Vec<Action>), EncodeError> {
        let mut frames = Vec::new();
        let mut number = FrameNumber::FIRST;
        for record in records {
            let (more, next) = encode_record(record.as_ref(), number)?;
            frames.extend(more);
            number = next;
        }
        let id = MessageId(self.next_id);
        self.next_id += 1;
        self.queue.push_back(Outgoing { id, frames });
        let mut out = Vec::new();
        self.start_if_ready(now, &mut out);
        Ok((id, out))
    }

    /// Takes bytes read from the line at `now`.
    pub fn on_bytes(&mut self, bytes: &[u8], now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        for &byte in bytes {
            self.on_byte(byte, now, &mut out);
        }
        self.start_if_ready(now, &mut out);
        out
    }

    /// Runs the timers that have expired by `now`.
    pub fn on_tick(&mut self, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        let state = std::mem::replace(&mut self.state, State::Idle);
        self.state = match state {
            State::Establishing { deadline } if now >= deadline => {
                self.give_up(SendFailure::NoReplyToEnquiry, &mut out)
            }
            State::Sending { deadline, .. } if now >= deadline => {
                self.give_up(SendFailure::NoReplyToFrame, &mut out)
            }
            State::ContentionWait { until } if now >= until => self.enquire(now, &mut out),
            State::Receiving(r) if r.deadline.is_some_and(|d| now >= d) => {
                out.push(Action::TransferAborted(AbortReason::Timeout));
                self.end_receive(now)
            }
            other => other,
        };
        self.start_if_ready(now, &mut out);
        out
    }

    /// When [`Link::on_tick`] next has something to do, if ever.
    pub fn next_deadline(&self) -> Option<Instant> {
        match &self.state {
            State::Idle => self.hold_until.filter(|_| !self.queue.is_empty()),
            State::Establishing { deadline } | State::Sending { deadline, .. } => Some(*deadline),
            State::ContentionWait { until } => Some(*until),
            State::Receiving(r) => r.deadline,
        }
    }

    /// Acknowledges the frame whose records were handed out, once they are
    /// journalled. Does nothing when no frame waits.
    pub fn acknowledge(&mut self, now: Instant) -> Vec<Action> {
        let receive_for = self.config.timers.receive;
        let mut out = Vec::new();
        if let State::Receiving(r) = &mut self.state {
            if let Some(number) = r.pending.take() {
                r.last = Some(number);
                r.partial.clear();
                r.deadline = Some(now + receive_for);
                out.push(Action::Write(vec![ACK]));
            }
        }
        out
    }

    /// Answers the frame whose records were handed out with NAK (they could
    /// not be journalled), so the sender sends it again. Does nothing when
    /// no frame waits.
    pub fn reject(&mut self, now: Instant) -> Vec<Action> {
        let receive_for = self.config.timers.receive;
        let mut out = Vec::new();
        if let State::Receiving(r) = &mut self.state {
            if r.pending.take().is_some() {
                r.deadline = Some(now + receive_for);
                out.push(Action::Write(vec![NAK]));
            }
        }
        out
    }

    fn on_byte(&mut self, byte: u8, now: Instant, out: &mut Vec<Action>) {
        let state = std::mem::replace(&mut self.state, State::Idle);
        self.state = match state {
            State::Idle if byte == ENQ => self.answer_enquiry(now, out),
            State::Idle => State::Idle,
            State::Establishing { deadline } => match byte {
                ACK => self.first_frame(now, out),
                NAK => {
                    self.hold_until = Some(now + self.config.timers.busy);
                    State::Idle
                }
                ENQ => self.contention(now, out),
                _ => State::Establishing { deadline },
            },
            State::ContentionWait { until } => match byte {
                ACK => self.first_frame(now, out),
                NAK => {
                    self.hold_until = Some(now + self.config.timers.busy);
                    State::Idle
                }
                _ => State::ContentionWait { until },
            },
            State::Sending {
                index,
                attempts,
                deadline,
                interrupted,
            } => self.reply_to_frame(byte, index, attempts, deadline, interrupted, now, out),
            State::Receiving(r) => self.receive_byte(r, byte, now, out),
        };
    }

    fn answer_enquiry(&mut self, now: Instant, out: &mut Vec<Action>) -> State {
        if self.busy {
            out.push(Action::Write(vec![NAK]));
            return State::Idle;
        }
        out.push(Action::Write(vec![ACK]));
        State::Receiving(Receive {
            deadline: Some(now + self.config.timers.receive),
            last: None,
            partial: Vec::new(),
            frame: Vec::new(),
            overflow: 0,
            pending: None,
        })
    }

    fn contention(&mut self, now: Instant, out: &mut Vec<Action>) -> State {
        match self.config.side {
            Side::Instrument => State::ContentionWait {
                until: now + self.config.timers.instrument_contention,
            },
            Side::Lis => {
                let wait = self.config.timers.lis_contention;
                let state = self.answer_enquiry(now, out);
                if matches!(state, State::Receiving(_)) {
                    self.after_receive = AfterReceive::Hold(wait);
                } else {
                    self.hold_until = Some(now + wait);
                }
                state
            }
        }
    }

    fn enquire(&mut self, now: Instant, out: &mut Vec<Action>) -> State {
        out.push(Action::Write(vec![ENQ]));
        State::Establishing {
            deadline: now + self.config.timers.reply,
        }
    }

    fn start_if_ready(&mut self, now: Instant, out: &mut Vec<Action>) {
        let ready = matches!(self.state, State::Idle)
            && !self.queue.is_empty()
            && self.hold_until.is_none_or(|until| now >= until);
        if ready {
            self.hold_until = None;
            self.after_receive = AfterReceive::Nothing;
            self.state = self.enquire(now, out);
        }
    }

    fn first_frame(&mut self, now: Instant, out: &mut Vec<Action>) -> State {
        self.frame_or_finish(0, false, now, out)
    }

    /// Writes frame `index` of the message under way as try `attempts`,
    /// when the message has that frame.
    fn send_frame(
        &mut self,
        index: usize,
        attempts: u32,
        interrupted: bool,
        now: Instant,
        out: &mut Vec<Action>,
    ) -> Option<State> {
        let frame = self.queue.front()?.frames.get(index)?;
        out.push(Action::Write(frame.clone()));
        Some(State::Sending {
            index,
            attempts,
            deadline: now + self.config.timers.reply,
            interrupted,
        })
    }

    /// Sends frame `index` of the message under way, or ends the transfer
    /// when there is none left.
    fn frame_or_finish(
        &mut self,
        index: usize,
        interrupted: bool,
        now: Instant,
        out: &mut Vec<Action>,
    ) -> State {
        match self.send_frame(index, 1, interrupted, now, out) {
            Some(sending) => sending,
            None => {
                out.push(Action::Write(vec![EOT]));
                if let Some(message) = self.queue.pop_front() {
                    out.push(Action::Sent(message.id));
                }
                if interrupted {
                    self.hold_until = Some(now + self.config.timers.interrupt);
                    self.after_receive = AfterReceive::Release;
                }
                State::Idle
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn reply_to_frame(
        &mut self,
        byte: u8,
        index: usize,
        attempts: u32,
        deadline: Instant,
        interrupted: bool,
        now: Instant,
        out: &mut Vec<Action>,
    ) -> State {
        match byte {
            ACK => self.frame_or_finish(index + 1, interrupted, now, out),
            EOT => {
                if !interrupted {
                    if let Some(message) = self.queue.front() {
                        out.push(Action::InterruptRequested(message.id));
                    }
                }
                self.frame_or_finish(index + 1, true, now, out)
            }
            _ if attempts >= self.config.max_attempts => self.give_up(SendFailure::Refused, out),
            _ => {
                match self.send_frame(index, attempts + 1, interrupted, now, out) {
                    Some(sending) => sending,
                    // Unreachable while the message is queued; keeps the
                    // state as it was rather than inventing one.
                    None => State::Sending {
                        index,
                        attempts,
                        deadline,
                        interrupted,
                    },
                }
            }
        }
    }

    fn give_up(&mut self, reason: SendFailure, out: &mut Vec<Action>) -> State {
        out.push(Action::Write(vec![EOT]));
        if let Some(message) = self.queue.pop_front() {
            out.push(Action::SendFailed {
                message: message.id,
                reason,
            });
        }
        State::Idle
    }

    fn end_receive(&mut self, now: Instant) -> State {
        match std::mem::replace(&mut self.after_receive, AfterReceive::Nothing) {
            AfterReceive::Nothing => {}
            AfterReceive::Hold(wait) => self.hold_until = Some(now + wait),
            AfterReceive::Release => self.hold_until = None,
        }
        State::Idle
    }

    fn receive_byte(
        &mut self,
        mut r: Receive,
        byte: u8,
        now: Instant,
        out: &mut Vec<Action>,
    ) -> State {
        if r.pending.is_some() {
            // The sender waits for the reply the journal holds back; only
            // its EOT (it gave up waiting) means anything now.
            if byte == EOT {
                out.push(Action::TransferAborted(AbortReason::SenderStopped));
                return self.end_receive(now);
            }
            return State::Receiving(r);
        }
        if !r.frame.is_empty() {
            match byte {
                STX => {
                    // The frame under way lost its end; this one starts
                    // afresh.
                    r.frame.clear();
                    r.overflow = 0;
                    r.frame.push(STX);
                    return State::Receiving(r);
                }
                // A frame cut short by the sender's EOT or ENQ: handled
                // below as between frames.
                EOT | ENQ => {
                    r.frame.clear();
                    r.overflow = 0;
                }
                LF => {
                    r.frame.push(LF);
                    return self.take_frame(r, now, out);
                }
                _ => {
                    if r.frame.len() < FRAME_BUFFER {
                        r.frame.push(byte);
                    } else {
                        r.overflow += 1;
                    }
                    return State::Receiving(r);
                }
            }
        }
        match byte {
            STX => {
                r.frame.push(STX);
                State::Receiving(r)
            }
            EOT => {
                if r.partial.is_empty() {
                    out.push(Action::TransferEnded);
                } else {
                    out.push(Action::TransferAborted(AbortReason::SenderStopped));
                }
                self.end_receive(now)
            }
            ENQ if r.last.is_none() => {
                out.push(Action::Write(vec![ACK]));
                r.deadline = Some(now + self.config.timers.receive);
                State::Receiving(r)
            }
            _ => State::Receiving(r),
        }
    }

    fn take_frame(&mut self, mut r: Receive, now: Instant, out: &mut Vec<Action>) -> State {
        let bytes = std::mem::take(&mut r.frame);
        let overflow = std::mem::replace(&mut r.overflow, 0);
        let decoded = if overflow > 0 {
            Err(FrameError::TooLong {
                text: (bytes.len() + overflow).saturating_sub(MIN_FRAME),
            })
        } else {
            decode_frame(&bytes)
        };
        let expected = r.last.map_or(FrameNumber::FIRST, FrameNumber::next);
        let frame = match decoded {
            Ok(frame) if frame.number == expected => frame,
            Ok(frame) if Some(frame.number) == r.last => {
                // Its ACK was lost: the sender repeats a frame already taken.
                out.push(Action::Write(vec![ACK]));
                r.deadline = Some(now + self.config.timers.receive);
                return State::Receiving(r);
            }
            Ok(frame) => {
                return self.refuse(
                    r,
                    FrameError::UnexpectedNumber {
                        expected,
                        received: frame.number,
                    },
                    now,
                    out,
                )
            }
            Err(error) => return self.refuse(r, error, now, out),
        };
        if r.partial.len() + frame.text.len() > MAX_RECORD {
            return self.refuse(r, FrameError::RecordTooLong { limit: MAX_RECORD }, now, out);
        }
        match frame.end {
            FrameEnd::Intermediate => {
                r.partial.extend_from_slice(&frame.text);
                r.last = Some(frame.number);
                out.push(Action::Write(vec![ACK]));
                r.deadline = Some(now + self.config.timers.receive);
            }
            FrameEnd::Last => {
                let mut text = r.partial.clone();
                text.extend_from_slice(&frame.text);
                let records: Vec<Vec<u8>> = text
                    .split(|b| *b == CR)
                    .filter(|record| !record.is_empty())
                    .map(<[u8]>::to_vec)
                    .collect();
                let wait =
                    self.config.acknowledge == Acknowledge::AfterJournal && !records.is_empty();
                out.extend(records.into_iter().map(Action::Record));
                if wait {
                    r.pending = Some(frame.number);
                    r.deadline = None;
                } else {
                    r.partial.clear();
                    r.last = Some(frame.number);
                    out.push(Action::Write(vec![ACK]));
                    r.deadline = Some(now + self.config.timers.receive);
                }
            }
        }
        State::Receiving(r)
    }

    fn refuse(
        &mut self,
        mut r: Receive,
        error: FrameError,
        now: Instant,
        out: &mut Vec<Action>,
    ) -> State {
        out.push(Action::Write(vec![NAK]));
        out.push(Action::FrameRejected(error));
        r.deadline = Some(now + self.config.timers.receive);
        State::Receiving(r)
    }
}
