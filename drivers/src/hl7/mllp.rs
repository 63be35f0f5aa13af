//! MLLP, the Minimal Lower Layer Protocol that carries HL7 messages over
//! TCP: each message is one block `VT (0x0B) message FS (0x1C) CR (0x0D)`.
//!
//! A TCP read hands over whatever arrived so far, so the [`Deframer`] is
//! incremental: bytes go in, whole messages come out, and the result never
//! depends on how the bytes were split into reads. Its rules:
//!
//! - bytes outside a block (before a VT, or after a block's FS CR) are
//!   ignored and counted ([`Deframer::ignored`]): analysers send keep-alive
//!   line ends, and a listener attached mid-message sees a tail;
//! - FS ends the block's data; the CR after it is expected and consumed.
//!   When another byte follows the FS instead, the message is delivered all
//!   the same (some senders leave the CR out) and that byte is read as a
//!   byte between blocks;
//! - a VT inside a block starts a new block: the unfinished one is reported
//!   as [`MllpError::Interrupted`] (the sender gave up on it and started
//!   over);
//! - a block whose data grows past `max_len` is refused once with
//!   [`MllpError::TooLong`]; the rest of it is dropped (and counted as
//!   ignored) until the next VT, where the de-framer is in step again;
//! - an empty block (`VT FS CR`) carries no message: its VT and FS count
//!   as ignored;
//! - [`Deframer::reset`] ends a connection: an unfinished block is reported
//!   as `Interrupted`.
//!
//! [`frame`] wraps a message (an ACK) for sending.

use thiserror::Error;

/// Start of block.
pub const VT: u8 = 0x0B;
/// End of block, followed by [`CR`].
pub const FS: u8 = 0x1C;
/// The last byte of a block.
pub const CR: u8 = 0x0D;

/// The default for [`Deframer::new`]'s `max_len`: 1 MiB, far above any
/// result message and far below what would hurt the server.
pub const DEFAULT_MAX_LEN: usize = 1 << 20;

/// A block that yields no message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MllpError {
    /// The block's data grew past the limit; `discarded` counts the data
    /// bytes held when it was refused (the limit plus one). The rest of the
    /// block is dropped until the next VT and counted as ignored.
    #[error("MLLP block longer than {limit} bytes refused")]
    TooLong { limit: usize, discarded: usize },
    /// A VT or the end of the connection came before the block's FS;
    /// `discarded` counts the data bytes dropped.
    #[error("MLLP block cut off after {discarded} bytes")]
    Interrupted { discarded: usize },
}

/// What the de-framer made of the bytes pushed into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MllpEvent {
    /// A whole block's data: the HL7 message (or batch), without VT, FS
    /// and CR.
    Message(Vec<u8>),
    Error(MllpError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Outside a block.
    Between,
    /// Inside a block, its data in `buf`.
    InBlock,
    /// Right after a block's FS: a CR belongs to the block.
    AfterFs,
    /// After `TooLong`: dropping until the next VT.
    Discard,
}

/// Cuts one connection's byte stream into MLLP blocks.
#[derive(Debug)]
pub struct Deframer {
    max_len: usize,
    state: State,
    buf: Vec<u8>,
    ignored: u64,
}

impl Deframer {
    /// A de-framer refusing blocks whose data is longer than `max_len`
    /// bytes.
    pub fn new(max_len: usize) -> Deframer {
        Deframer {
            max_len,
            state: State::Between,
            buf: Vec::new(),
            ignored: 0,
        }
    }

    /// Feeds bytes as they were read; returns the messages (and refused
    /// blocks) they completed.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<MllpEvent> {
        let mut out = Vec::new();
        for &b in bytes {
            self.byte(b, &mut out);
        }
        out
    }

    /// The connection ended: an unfinished block is reported and the
    /// de-framer starts afresh (the count of ignored bytes is kept).
    pub fn reset(&mut self) -> Option<MllpError> {
        let state = std::mem::replace(&mut self.state, State::Between);
        let buf = std::mem::take(&mut self.buf);
        match state {
            State::InBlock => Some(MllpError::Interrupted {
                discarded: buf.len(),
            }),
            State::Between | State::AfterFs | State::Discard => None,
        }
    }

    /// How many bytes were ignored so far: bytes between blocks, the rest
    /// of refused blocks, and the VT and FS of empty blocks.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// Is a block open (bytes held that are not yet a message)?
    pub fn pending(&self) -> bool {
        self.state == State::InBlock
    }

    fn byte(&mut self, b: u8, out: &mut Vec<MllpEvent>) {
        match (self.state, b) {
            (State::InBlock, VT) => {
                let discarded = std::mem::take(&mut self.buf).len();
                out.push(MllpEvent::Error(MllpError::Interrupted { discarded }));
                self.state = State::InBlock;
            }
            (_, VT) => {
                self.buf.clear();
                self.state = State::InBlock;
            }
            (State::InBlock, FS) => {
                let data = std::mem::take(&mut self.buf);
                if data.is_empty() {
                    // VT and FS of an empty block.
                    self.ignored += 2;
                } else {
                    out.push(MllpEvent::Message(data));
                }
                self.state = State::AfterFs;
            }
            (State::InBlock, _) if self.buf.len() >= self.max_len => {
                let discarded = self.buf.len() + 1;
                self.buf = Vec::new();
                out.push(MllpEvent::Error(MllpError::TooLong {
                    limit: self.max_len,
                    discarded,
                }));
                self.state = State::Discard;
            }
            (State::InBlock, _) => self.buf.push(b),
            (State::AfterFs, CR) => self.state = State::Between,
            (State::AfterFs | State::Between | State::Discard, _) => {
                self.ignored += 1;
                if self.state == State::AfterFs {
                    self.state = State::Between;
                }
            }
        }
    }
}

impl Default for Deframer {
    fn default() -> Self {
        Deframer::new(DEFAULT_MAX_LEN)
    }
}

/// One message as an MLLP block: `VT message FS CR`.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut block = Vec::with_capacity(message.len() + 3);
    block.push(VT);
    block.extend_from_slice(message);
    block.push(FS);
    block.push(CR);
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(max_len: usize, chunks: &[&[u8]]) -> (Vec<MllpEvent>, u64) {
        let mut d = Deframer::new(max_len);
        let mut out = Vec::new();
        for c in chunks {
            out.extend(d.push(c));
        }
        (out, d.ignored())
    }

    #[test]
    fn a_framed_message_comes_back_whole() {
        let block = frame(b"MSH|^~\\&|A\rPID|1");
        let (events, ignored) = run(100, &[&block]);
        assert_eq!(
            events,
            vec![MllpEvent::Message(b"MSH|^~\\&|A\rPID|1".to_vec())]
        );
        assert_eq!(ignored, 0);
    }

    #[test]
    fn a_block_split_at_every_point_gives_the_same_message() {
        let block = [&b"\r\n"[..], &frame(b"MSH|x\rOBX|1"), b"zz"].concat();
        let (whole, whole_ignored) = run(100, &[&block]);
        for at in 0..=block.len() {
            let (events, ignored) = run(100, &[&block[..at], &block[at..]]);
            assert_eq!(events, whole, "split at {at}");
            assert_eq!(ignored, whole_ignored);
        }
        let bytewise: Vec<&[u8]> = block.chunks(1).collect();
        assert_eq!(run(100, &bytewise).0, whole);
        assert_eq!(whole_ignored, 4);
    }

    #[test]
    fn bytes_between_blocks_are_ignored_and_counted() {
        let stream = [
            &b"noise"[..],
            &frame(b"ONE"),
            b"\r\n",
            &frame(b"TWO"),
            b"\x00",
        ]
        .concat();
        let (events, ignored) = run(100, &[&stream]);
        assert_eq!(
            events,
            vec![
                MllpEvent::Message(b"ONE".to_vec()),
                MllpEvent::Message(b"TWO".to_vec())
            ]
        );
        assert_eq!(ignored, 5 + 2 + 1);
    }

    #[test]
    fn a_block_without_the_final_cr_is_delivered_and_the_next_byte_is_between_blocks() {
        let (events, ignored) = run(100, &[b"\x0bONE\x1c\x0bTWO\x1cX"]);
        assert_eq!(
            events,
            vec![
                MllpEvent::Message(b"ONE".to_vec()),
                MllpEvent::Message(b"TWO".to_vec())
            ]
        );
        assert_eq!(ignored, 1);
    }

    #[test]
    fn a_block_at_the_limit_passes_and_one_byte_more_is_refused_until_the_next_vt() {
        let (events, _) = run(4, &[&frame(b"ABCD")]);
        assert_eq!(events, vec![MllpEvent::Message(b"ABCD".to_vec())]);

        let stream = [&frame(b"ABCDEFG"), &frame(b"OK")[..]].concat();
        let (events, ignored) = run(4, &[&stream]);
        assert_eq!(
            events,
            vec![
                MllpEvent::Error(MllpError::TooLong {
                    limit: 4,
                    discarded: 5
                }),
                MllpEvent::Message(b"OK".to_vec())
            ]
        );
        // "FG", FS and CR of the refused block.
        assert_eq!(ignored, 4);
    }

    #[test]
    fn a_vt_inside_a_block_reports_the_cut_block_and_starts_anew() {
        let (events, _) = run(100, &[b"\x0bHALF\x0bWHOLE\x1c\r"]);
        assert_eq!(
            events,
            vec![
                MllpEvent::Error(MllpError::Interrupted { discarded: 4 }),
                MllpEvent::Message(b"WHOLE".to_vec())
            ]
        );
    }

    #[test]
    fn a_reset_reports_an_open_block_only() {
        let mut d = Deframer::default();
        assert!(d.push(b"\x0bPART").is_empty());
        assert!(d.pending());
        assert_eq!(d.reset(), Some(MllpError::Interrupted { discarded: 4 }));
        assert!(!d.pending());
        assert_eq!(d.reset(), None);
        assert_eq!(
            d.push(&frame(b"NEXT")),
            vec![MllpEvent::Message(b"NEXT".to_vec())]
        );
    }

    #[test]
    fn an_empty_block_yields_nothing_and_counts_as_ignored() {
        let (events, ignored) = run(100, &[b"\x0b\x1c\r"]);
        assert!(events.is_empty());
        assert_eq!(ignored, 2);
    }
}
