//! HL7 v2.5.1 results from analysers, over MLLP.
//!
//! A PCR analyser (or the LIS in front of it) opens a TCP connection to
//! kentai and sends ORU^R01 result messages, each in an MLLP block; kentai
//! journals each message and answers it with an ACK. Everything here is
//! pure and tested on bytes; the listener that owns the socket, the clock
//! and the journal lives in the server.
//!
//! - [`mllp`]: cutting a connection's bytes into blocks ([`Deframer`]) and
//!   framing an answer ([`frame`]);
//! - [`batch`]: a block as one message or a batch of them
//!   ([`read_block`]);
//! - [`message`]: a message's separators, character set, segments, fields
//!   and escapes ([`Message`]), and [`charset`] the MSH-18 sets (UTF-8,
//!   ISO-2022-JP for JAHIS's `ISO IR87`, Shift_JIS);
//! - [`oru`]: the results of an ORU^R01, one [`OruResult`] per OBX, and the
//!   problems that make kentai answer AE or AR ([`Problem`]);
//! - [`ack`](mod@ack): the ACK of a message, and the answer to a block ([`answer`]).
//!
//! A listener's loop: push what the socket read into the [`Deframer`];
//! for each message, [`read_block`], journal the raw bytes and what was
//! read, then send [`frame`]`(`[`answer`]`(…))`.

pub mod ack;
pub mod batch;
pub mod charset;
pub mod message;
pub mod mllp;
pub mod oru;

pub use ack::{ack, answer};
pub use batch::{read_block, BatchHeader, Block};
pub use charset::{Charset, CharsetError};
pub use message::{Delimiters, Message, MessageError};
pub use mllp::{frame, Deframer, MllpError, MllpEvent};
pub use oru::{
    read, AckCode, Coded, ErrorCode, Location, MessageHeader, ObservationValue, OruResult, Problem,
    Received,
};
