//! Cutting a scanner's byte stream into scans.
//!
//! A serial or keyboard-mode scanner sends one scan after another with no
//! framing but the suffix it was configured with (CR, CRLF, TAB, STX/ETX,
//! or nothing but a pause). The line can also deliver half a scan (the
//! cable was pulled), noise (wrong baud rate) or a scan far longer than any
//! barcode. Everything that decides what counts as one scan lives here,
//! free of I/O and of the clock, so that each rule can be tested on bytes
//! and the time at which bytes arrive is just an argument.
//!
//! Rules, beyond "the suffix ends a scan":
//!
//! - an empty scan (two terminators in a row) is dropped silently;
//! - `cr`: an LF right after a CR is ignored, so a CRLF scanner configured
//!   as `cr` still works; `crlf`: CRLF ends a scan, and so does a bare CR
//!   or a bare LF; `lf`: a CR right before the LF is dropped, so a CRLF
//!   scanner configured as `lf` still works;
//! - `stx_etx`: a scan is STX (0x02) data ETX (0x03). Bytes outside a scan
//!   are dropped and reported once per run as a half frame (they are the
//!   tail of a scan whose STX was missed); a CR or LF right after an ETX is
//!   ignored (scanners that add a line end after the ETX). An STX inside a
//!   scan reports the earlier one as a half frame and starts anew;
//! - `none`: silence is the terminator;
//! - a scan may hold any byte but the control bytes (0x00–0x1F, 0x7F);
//!   GS (0x1D), RS (0x1E), FS (0x1C) and EOT (0x04) are allowed because
//!   GS1 and ISO/IEC 15434 scans carry them. Bytes 0x80 and up are allowed
//!   too: QR codes carry Shift-JIS or UTF-8 text. A terminated scan with a
//!   forbidden byte is one `Garbage` error;
//! - a scan longer than `max_len` is reported once as `TooLong`; the rest
//!   of it is dropped until the next terminator or until silence;
//! - when the stream stays silent for `silence` after a partial scan (see
//!   [`Framer::idle`]) the partial scan is a half frame, except with
//!   `none`, where it is the scan.
//!
//! The result never depends on how the bytes were split into chunks: only
//! the time passed with each chunk does.

use std::fmt;
use std::time::{Duration, Instant};
use thiserror::Error;

const STX: u8 = 0x02;
const ETX: u8 = 0x03;
const TAB: u8 = 0x09;
const LF: u8 = 0x0A;
const CR: u8 = 0x0D;

/// The longest preview of dropped bytes carried by an error, in characters.
const PREVIEW_CHARS: usize = 40;

/// What ends a scan, as configured on the scanner (`suffix` in
/// `kentai.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Suffix {
    Cr,
    Lf,
    CrLf,
    Tab,
    StxEtx,
    /// No suffix: a pause ends the scan.
    None,
}

impl Suffix {
    /// Every suffix, in the order the configuration documents them.
    pub const ALL: [Suffix; 6] = [
        Suffix::Cr,
        Suffix::Lf,
        Suffix::CrLf,
        Suffix::Tab,
        Suffix::StxEtx,
        Suffix::None,
    ];

    /// Parses the configuration code (`cr`, `lf`, `crlf`, `tab`, `stx_etx`,
    /// `none`).
    pub fn from_code(code: &str) -> Option<Suffix> {
        Suffix::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The configuration code.
    pub fn code(self) -> &'static str {
        match self {
            Suffix::Cr => "cr",
            Suffix::Lf => "lf",
            Suffix::CrLf => "crlf",
            Suffix::Tab => "tab",
            Suffix::StxEtx => "stx_etx",
            Suffix::None => "none",
        }
    }
}

impl fmt::Display for Suffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How one scanner's stream is cut into scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramingConfig {
    pub suffix: Suffix,
    /// A pause this long after the last byte ends a partial scan.
    pub silence: Duration,
    /// The longest scan accepted, in bytes, AIM prefix included.
    pub max_len: usize,
}

impl Default for FramingConfig {
    fn default() -> Self {
        FramingConfig {
            suffix: Suffix::Cr,
            silence: Duration::from_millis(200),
            max_len: 4096,
        }
    }
}

/// One scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The AIM symbology identifier (`]d2`, `]C1`, …) when the scan starts
    /// with one.
    pub aim: Option<[u8; 3]>,
    /// The scan as sent, AIM prefix included when there is one, without the
    /// suffix (or STX / ETX).
    pub bytes: Vec<u8>,
}

impl Frame {
    /// A frame of these bytes, its AIM identifier taken from their start.
    pub fn from_bytes(bytes: Vec<u8>) -> Frame {
        Frame {
            aim: sniff_aim(&bytes),
            bytes,
        }
    }

    /// The data after the AIM identifier.
    pub fn data(&self) -> &[u8] {
        match self.aim {
            Some(_) => &self.bytes[3..],
            None => &self.bytes,
        }
    }
}

/// Why a scan was cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HalfFrameCause {
    /// The device went away mid-scan.
    DeviceLost,
    /// The stream fell silent before the suffix.
    Silence,
    /// An STX started a new scan before the ETX of this one.
    NewStx,
    /// Bytes arrived outside STX … ETX.
    OutsideStxEtx,
}

impl fmt::Display for HalfFrameCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HalfFrameCause::DeviceLost => "device lost mid-scan",
            HalfFrameCause::Silence => "no suffix before the pause",
            HalfFrameCause::NewStx => "STX before the ETX",
            HalfFrameCause::OutsideStxEtx => "bytes outside STX…ETX",
        })
    }
}

/// A run of bytes that is not a scan. Each error says how many bytes were
/// dropped and shows the start of them, escaped, so a user can tell a
/// misconfigured suffix or baud rate from a damaged label.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FramingError {
    /// The scan held bytes a scanner never sends (control bytes other than
    /// GS, RS, FS, EOT): typically a wrong baud rate or parity.
    #[error("garbled scan, {discarded} bytes dropped: \"{preview}\"")]
    Garbage { discarded: usize, preview: String },
    /// Longer than `max_len`. `discarded` counts the bytes dropped when it
    /// was reported; the rest of the line is dropped silently.
    #[error("scan longer than {limit} bytes, dropped: \"{preview}\"")]
    TooLong {
        limit: usize,
        discarded: usize,
        preview: String,
    },
    /// A scan cut off.
    #[error("half-sent scan ({cause}), {discarded} bytes dropped: \"{preview}\"")]
    HalfFrame {
        cause: HalfFrameCause,
        discarded: usize,
        preview: String,
    },
}

impl FramingError {
    /// The stable code: `garbage`, `too_long`, `half_frame`.
    pub fn code(&self) -> &'static str {
        match self {
            FramingError::Garbage { .. } => "garbage",
            FramingError::TooLong { .. } => "too_long",
            FramingError::HalfFrame { .. } => "half_frame",
        }
    }

    /// How many bytes were dropped.
    pub fn discarded(&self) -> usize {
        match self {
            FramingError::Garbage { discarded, .. }
            | FramingError::TooLong { discarded, .. }
            | FramingError::HalfFrame { discarded, .. } => *discarded,
        }
    }

    /// The start of the dropped bytes, escaped, at most 40 characters.
    pub fn preview(&self) -> &str {
        match self {
            FramingError::Garbage { preview, .. }
            | FramingError::TooLong { preview, .. }
            | FramingError::HalfFrame { preview, .. } => preview,
        }
    }

    fn garbage(bytes: &[u8]) -> FramingError {
        FramingError::Garbage {
            discarded: bytes.len(),
            preview: preview(bytes),
        }
    }

    fn half(cause: HalfFrameCause, discarded: usize, bytes: &[u8]) -> FramingError {
        FramingError::HalfFrame {
            cause,
            discarded,
            preview: preview(bytes),
        }
    }
}

/// What the framer made of the bytes pushed into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameEvent {
    Frame(Frame),
    Error(FramingError),
}

/// Where the framer is in the stream.
#[derive(Debug)]
enum State {
    /// Between scans; with `stx_etx`, outside STX … ETX.
    Between,
    /// Collecting a scan (line suffixes) into `buf`; nothing is pending
    /// while `buf` is empty.
    Line,
    /// Inside STX … (`stx_etx`), data in `buf`.
    InStx,
    /// Bytes outside STX … ETX: counting them until the run ends.
    Outside { dropped: usize, head: Vec<u8> },
    /// After `TooLong`: dropping until a terminator or silence.
    Discard,
}

/// Cuts one device's byte stream into scans. Feed it with [`push`], and
/// call [`idle`] when the device stayed silent.
///
/// [`push`]: Framer::push
/// [`idle`]: Framer::idle
#[derive(Debug)]
pub struct Framer {
    config: FramingConfig,
    state: State,
    buf: Vec<u8>,
    /// When the last byte of the pending run arrived.
    last_byte: Option<Instant>,
    /// The byte before the current one, for "LF right after CR".
    prev: Option<u8>,
    /// Only CR / LF have followed an ETX so far.
    after_etx: bool,
}

impl Framer {
    pub fn new(config: FramingConfig) -> Framer {
        Framer {
            config,
            state: State::Between,
            buf: Vec::new(),
            last_byte: None,
            prev: None,
            after_etx: false,
        }
    }

    pub fn config(&self) -> &FramingConfig {
        &self.config
    }

    /// Feeds bytes that arrived at `now`; returns the scans (and errors)
    /// they completed.
    pub fn push(&mut self, bytes: &[u8], now: Instant) -> Vec<FrameEvent> {
        let mut out = Vec::new();
        if bytes.is_empty() {
            return out;
        }
        for &b in bytes {
            if self.config.suffix == Suffix::StxEtx {
                self.stx_byte(b, &mut out);
            } else {
                self.line_byte(b, &mut out);
            }
            self.prev = Some(b);
        }
        self.last_byte = Some(now);
        out
    }

    /// Called when the transport stayed silent: a pending partial scan
    /// whose last byte is at least `silence` old is flushed. With
    /// [`Suffix::None`] it is the scan (silence is the terminator);
    /// otherwise it is a `HalfFrame` error. Also ends the dropping of a
    /// too-long line.
    pub fn idle(&mut self, now: Instant) -> Vec<FrameEvent> {
        match self.deadline() {
            Some(due) if now >= due => {}
            _ => return Vec::new(),
        }
        let flushed = self.flush(HalfFrameCause::Silence);
        self.last_byte = None;
        flushed.into_iter().collect()
    }

    /// The device went away: a pending partial scan is reported as
    /// `HalfFrame` and the framer starts afresh.
    pub fn reset(&mut self) -> Option<FramingError> {
        let flushed = match self.flush(HalfFrameCause::DeviceLost) {
            Some(FrameEvent::Error(e)) => Some(e),
            _ => None,
        };
        self.last_byte = None;
        self.prev = None;
        self.after_etx = false;
        flushed
    }

    /// When [`idle`](Framer::idle) should next be called to flush, or `None`
    /// when nothing is pending.
    pub fn deadline(&self) -> Option<Instant> {
        if !self.pending() {
            return None;
        }
        self.last_byte.map(|t| t + self.config.silence)
    }

    fn pending(&self) -> bool {
        match self.state {
            State::Between => false,
            State::Line => !self.buf.is_empty(),
            State::InStx | State::Outside { .. } | State::Discard => true,
        }
    }

    /// Ends whatever is pending, as silence or a lost device does.
    fn flush(&mut self, cause: HalfFrameCause) -> Option<FrameEvent> {
        let state = std::mem::replace(&mut self.state, State::Between);
        let buf = std::mem::take(&mut self.buf);
        let half = match state {
            State::Between | State::Discard => return None,
            State::Line if buf.is_empty() => return None,
            // Silence is this suffix: the scan is complete.
            State::Line
                if self.config.suffix == Suffix::None && cause == HalfFrameCause::Silence =>
            {
                return self.finish(buf)
            }
            State::Line => FramingError::half(cause, buf.len(), &buf),
            // The STX was dropped too.
            State::InStx => FramingError::half(cause, buf.len() + 1, &stx_prefixed(&buf)),
            State::Outside { dropped, head } => {
                FramingError::half(HalfFrameCause::OutsideStxEtx, dropped, &head)
            }
        };
        Some(FrameEvent::Error(half))
    }

    /// A complete scan in `buf`: checked, then a frame or an error.
    fn finish(&mut self, buf: Vec<u8>) -> Option<FrameEvent> {
        if buf.is_empty() {
            return None;
        }
        Some(check(buf, self.config.max_len))
    }

    fn is_terminator(&self, b: u8) -> bool {
        match self.config.suffix {
            Suffix::Cr => b == CR,
            Suffix::Lf => b == LF,
            Suffix::CrLf => b == CR || b == LF,
            Suffix::Tab => b == TAB,
            Suffix::StxEtx | Suffix::None => false,
        }
    }

    fn line_byte(&mut self, b: u8, out: &mut Vec<FrameEvent>) {
        let lf_after_cr = b == LF
            && self.prev == Some(CR)
            && matches!(self.config.suffix, Suffix::Cr | Suffix::CrLf);
        if lf_after_cr {
            return;
        }
        if self.is_terminator(b) {
            let state = std::mem::replace(&mut self.state, State::Between);
            let mut buf = std::mem::take(&mut self.buf);
            if let State::Discard = state {
                return;
            }
            if self.config.suffix == Suffix::Lf && buf.last() == Some(&CR) {
                buf.pop();
            }
            out.extend(self.finish(buf));
            return;
        }
        match self.state {
            State::Discard => {}
            _ => self.collect(b, State::Line, out),
        }
    }

    fn stx_byte(&mut self, b: u8, out: &mut Vec<FrameEvent>) {
        let after_etx = self.after_etx;
        self.after_etx = false;
        match &mut self.state {
            State::Between => match b {
                STX => self.start_stx(),
                CR | LF if after_etx => self.after_etx = true,
                ETX => {
                    // A lone ETX: the end of a scan whose start was missed.
                    out.push(FrameEvent::Error(FramingError::half(
                        HalfFrameCause::OutsideStxEtx,
                        1,
                        &[ETX],
                    )));
                    self.after_etx = true;
                }
                _ => {
                    self.state = State::Outside {
                        dropped: 1,
                        head: vec![b],
                    }
                }
            },
            State::Outside { dropped, head } => match b {
                STX => {
                    out.extend(self.flush(HalfFrameCause::OutsideStxEtx));
                    self.start_stx();
                }
                _ => {
                    *dropped += 1;
                    if head.len() < PREVIEW_CHARS {
                        head.push(b);
                    }
                    if b == ETX {
                        out.extend(self.flush(HalfFrameCause::OutsideStxEtx));
                        self.after_etx = true;
                    }
                }
            },
            State::InStx => match b {
                STX => {
                    out.extend(self.flush(HalfFrameCause::NewStx));
                    self.start_stx();
                }
                ETX => {
                    self.state = State::Between;
                    let buf = std::mem::take(&mut self.buf);
                    out.extend(self.finish(buf));
                    self.after_etx = true;
                }
                _ => self.collect(b, State::InStx, out),
            },
            State::Discard => match b {
                // The ETX of the too-long scan was lost; this is the next.
                STX => self.start_stx(),
                ETX => {
                    self.state = State::Between;
                    self.after_etx = true;
                }
                _ => {}
            },
            // Never entered with stx_etx.
            State::Line => self.collect(b, State::InStx, out),
        }
    }

    fn start_stx(&mut self) {
        self.state = State::InStx;
        self.buf.clear();
    }

    /// Adds a data byte to the scan being collected, or starts dropping the
    /// scan when it grows past `max_len`.
    fn collect(&mut self, b: u8, collecting: State, out: &mut Vec<FrameEvent>) {
        let limit = self.config.max_len;
        // With `lf`, a CR may still turn out to be part of the CRLF suffix.
        let held_cr = self.config.suffix == Suffix::Lf && b == CR && self.buf.len() == limit;
        if self.buf.len() >= limit && !held_cr {
            let mut dropped = std::mem::take(&mut self.buf);
            dropped.push(b);
            out.push(FrameEvent::Error(FramingError::TooLong {
                limit,
                discarded: dropped.len(),
                preview: preview(&dropped),
            }));
            self.state = State::Discard;
            return;
        }
        self.buf.push(b);
        self.state = collecting;
    }
}

/// Is this byte one a scanner never sends inside a scan?
fn is_garbage(b: u8) -> bool {
    matches!(b, 0x00..=0x1F | 0x7F) && !matches!(b, 0x04 | 0x1C | 0x1D | 0x1E)
}

/// Checks a complete scan: length, then bytes.
fn check(bytes: Vec<u8>, max_len: usize) -> FrameEvent {
    if bytes.len() > max_len {
        return FrameEvent::Error(FramingError::TooLong {
            limit: max_len,
            discarded: bytes.len(),
            preview: preview(&bytes),
        });
    }
    if bytes.iter().copied().any(is_garbage) {
        return FrameEvent::Error(FramingError::garbage(&bytes));
    }
    FrameEvent::Frame(Frame::from_bytes(bytes))
}

fn stx_prefixed(buf: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(buf.len().min(PREVIEW_CHARS) + 1);
    v.push(STX);
    v.extend_from_slice(&buf[..buf.len().min(PREVIEW_CHARS)]);
    v
}

/// The AIM symbology identifier at the start of a scan: `]`, a letter, and
/// a digit or letter.
pub fn sniff_aim(bytes: &[u8]) -> Option<[u8; 3]> {
    match bytes {
        [b']', c, m, ..] if c.is_ascii_alphabetic() && m.is_ascii_alphanumeric() => {
            Some([b']', *c, *m])
        }
        _ => None,
    }
}

/// Escapes bytes for a log line or an error message, keeping at most 40
/// characters: printable ASCII as is, `\r` `\n` `\t` `\\`, the rest `\xNN`
/// (so GS shows as `\x1d`). A cut preview ends with `…`.
pub fn preview(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\".to_string(),
            b'\r' => "\\r".to_string(),
            b'\n' => "\\n".to_string(),
            b'\t' => "\\t".to_string(),
            0x20..=0x7E => (b as char).to_string(),
            _ => format!("\\x{b:02x}"),
        };
        let last = i + 1 == bytes.len();
        // Room for the ellipsis unless this is the last byte.
        let room = if last {
            PREVIEW_CHARS
        } else {
            PREVIEW_CHARS - 1
        };
        if chars + escaped.len() > room {
            out.push('…');
            return out;
        }
        chars += escaped.len();
        out.push_str(&escaped);
    }
    out
}

/// A HID POS symbol (already delimited by the device) as a scan, checked
/// like a framed one (bytes a scanner never sends, `max_len`).
///
/// The AIM identifier is the one the device reported apart from the data,
/// put in front of the bytes (unless the data already starts with it), or
/// else the one the data starts with. Some HID POS scanners still append
/// their configured suffix to the data: a trailing suffix matching
/// `config.suffix` (or STX … ETX around the data) is removed. A symbol with
/// no data left is a `Garbage` error with nothing dropped.
pub fn frame_symbol(symbol: crate::Symbol, config: &FramingConfig) -> FrameEvent {
    let mut data = symbol.data;
    strip_suffix(&mut data, config.suffix);
    if data.is_empty() {
        // Nothing a scan could be; still worth telling the user about.
        return FrameEvent::Error(FramingError::Garbage {
            discarded: 0,
            preview: String::new(),
        });
    }
    let bytes = match symbol.aim {
        Some(aim) if !data.starts_with(&aim) => {
            let mut bytes = Vec::with_capacity(data.len() + 3);
            bytes.extend_from_slice(&aim);
            bytes.extend_from_slice(&data);
            bytes
        }
        _ => data,
    };
    match check(bytes, config.max_len) {
        FrameEvent::Frame(mut frame) => {
            // The device's own identifier wins over a look-alike prefix.
            if symbol.aim.is_some() {
                frame.aim = symbol.aim;
            }
            FrameEvent::Frame(frame)
        }
        error => error,
    }
}

fn strip_suffix(data: &mut Vec<u8>, suffix: Suffix) {
    match suffix {
        Suffix::Cr | Suffix::Lf | Suffix::CrLf => {
            while matches!(data.last(), Some(&CR) | Some(&LF)) {
                data.pop();
            }
        }
        Suffix::Tab => {
            if data.last() == Some(&TAB) {
                data.pop();
            }
        }
        Suffix::StxEtx => {
            if data.first() == Some(&STX) && data.last() == Some(&ETX) && data.len() >= 2 {
                data.pop();
                data.remove(0);
            }
        }
        Suffix::None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_escapes_control_bytes_and_stays_within_forty_characters() {
        assert_eq!(preview(b"]d2\x1dAB\r"), "]d2\\x1dAB\\r");
        let long = preview(&[0x1Du8; 100]);
        assert!(long.chars().count() <= 40, "{long}");
        assert!(long.ends_with('…'));
        assert_eq!(preview(&[b'a'; 40]).chars().count(), 40);
        assert_eq!(preview(&[b'a'; 41]).chars().count(), 40);
    }

    #[test]
    fn an_aim_identifier_is_a_bracket_a_letter_and_a_digit_or_letter() {
        assert_eq!(sniff_aim(b"]d2010"), Some(*b"]d2"));
        assert_eq!(sniff_aim(b"]Q3x"), Some(*b"]Q3"));
        assert_eq!(sniff_aim(b"]1d"), None);
        assert_eq!(sniff_aim(b"]d"), None);
    }
}
