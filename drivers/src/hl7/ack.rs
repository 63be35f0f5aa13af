//! The acknowledgement kentai answers each message with, once it is
//! journalled: `MSH`, `MSA` and, when the message is not accepted, one
//! `ERR` naming the problem.
//!
//! ```text
//! MSH|^~\&|KENTAI|<facility>|<MSH-3>|<MSH-4>|<now>||ACK^R01^ACK|<control id>|P|2.5.1[|||||<MSH-18>]
//! MSA|AA, AE or AR|<MSH-10 of the message>
//! ERR||<segment>^<sequence>^<field>|<code>^<text>^HL70357|E||||<message>
//! ```
//!
//! The ACK goes back to the sender (MSH-3 and MSH-4 of the message become
//! MSH-5 and MSH-6), echoes the message's trigger event in MSH-9 (`R01`
//! when unknown) and is written in the message's character set, with its
//! MSH-18 echoed, so a sender that only reads ISO-2022-JP reads it. Where
//! AA, AE and AR come from is in [`super::oru`]. The time and the control
//! id are passed in: this code reads no clock and keeps no counter.
//!
//! A batch is answered with one block holding a batch of ACKs:
//!
//! ```text
//! [FHS|^~\&|KENTAI|<facility>|<FHS-3>|<FHS-4>|<now>||||<control id>|<FHS-11>]
//! BHS|^~\&|KENTAI|<facility>|<BHS-3>|<BHS-4>|<now>||||<control id>|<BHS-11>
//! <one ACK per message, in the order of the messages>
//! BTS|<number of ACKs>
//! [FTS|1]
//! ```
//!
//! Each ACK acknowledges its own message (MSA-2 is that message's MSH-10),
//! so one bad message refuses itself only. The answer has an FHS and FTS
//! when the batch had an FHS; a file without BHS is answered with a BHS all
//! the same, as ACKs always sit in a batch. Control ids are taken from
//! `next_control_id` in the order the segments are written: FHS, BHS, then
//! each ACK. Several messages in one block without any FHS or BHS (not
//! HL7, but seen) are answered by their ACKs one after the other in one
//! block. The batch segments are written in UTF-8 (ASCII in practice); each
//! ACK in its own message's set.

use super::batch::{BatchHeader, Block};
use super::charset::Charset;
use super::message::Delimiters;
use super::oru::{Location, Received};

/// MSH-3 of every ACK.
pub const APPLICATION: &str = "KENTAI";

/// MSH-12 of every ACK.
pub const VERSION: &str = "2.5.1";

/// The ACK of one message, without MLLP framing. `now` is
/// `YYYYMMDDHHMMSS`.
pub fn ack(received: &Received, facility: &str, now: &str, control_id: &str) -> Vec<u8> {
    let charset = received
        .header
        .as_ref()
        .map_or(Charset::Utf8, |h| h.charset);
    charset.encode(&ack_text(received, facility, now, control_id))
}

fn ack_text(received: &Received, facility: &str, now: &str, control_id: &str) -> String {
    let d = Delimiters::default();
    let h = received.header.as_ref();
    let hd = |v: Option<&Vec<String>>| components(&d, v.map_or(&[][..], Vec::as_slice));
    let event = h
        .map(|h| h.trigger_event.as_str())
        .filter(|e| !e.is_empty())
        .unwrap_or("R01");
    let mut msh = format!(
        "MSH|^~\\&|{APPLICATION}|{}|{}|{}|{}||ACK^{}^ACK|{}|P|{VERSION}",
        d.escape(facility),
        hd(h.map(|h| &h.sending_application)),
        hd(h.map(|h| &h.sending_facility)),
        d.escape(now),
        d.escape(event),
        d.escape(control_id),
    );
    if let Some(names) = h
        .map(|h| h.charset_field.as_str())
        .filter(|c| !c.is_empty())
    {
        let names: Vec<String> = names.split('~').map(|n| d.escape(n)).collect();
        msh.push_str("||||||");
        msh.push_str(&names.join("~"));
    }
    let original = h.map_or("", |h| h.control_id.as_str());
    let mut text = format!(
        "{msh}\rMSA|{}|{}\r",
        received.ack_code().code(),
        d.escape(original)
    );
    if let Err(problem) = &received.outcome {
        text.push_str(&format!(
            "ERR||{}|{}^{}^HL70357|E||||{}\r",
            problem
                .location
                .as_ref()
                .map_or(String::new(), |l| location(&d, l)),
            problem.code.number(),
            problem.code.text(),
            d.escape(&problem.message),
        ));
    }
    text
}

/// ERR-2: segment ^ sequence ^ field.
fn location(d: &Delimiters, l: &Location) -> String {
    let mut s = format!("{}^{}", d.escape(&l.segment), l.sequence);
    if let Some(field) = l.field {
        s.push_str(&format!("^{field}"));
    }
    s
}

/// Components joined by `^`, each escaped, trailing empty ones left out.
fn components(d: &Delimiters, parts: &[String]) -> String {
    let end = parts
        .iter()
        .rposition(|p| !p.is_empty())
        .map_or(0, |i| i + 1);
    parts[..end]
        .iter()
        .map(|p| d.escape(p))
        .collect::<Vec<_>>()
        .join("^")
}

/// The answer to a whole block: one ACK, or a batch of them (see the
/// module documentation). Without MLLP framing.
pub fn answer(
    block: &Block,
    facility: &str,
    now: &str,
    next_control_id: &mut dyn FnMut() -> String,
) -> Vec<u8> {
    let d = Delimiters::default();
    let mut out = Vec::new();
    let header = |segment: &str, original: &BatchHeader, control_id: String| {
        format!(
            "{segment}|^~\\&|{APPLICATION}|{}|{}|{}|{}||||{}|{}\r",
            d.escape(facility),
            components(&d, &original.sending_application),
            components(&d, &original.sending_facility),
            d.escape(now),
            d.escape(&control_id),
            d.escape(&original.control_id),
        )
    };
    if let Some(file) = &block.file {
        out.extend_from_slice(header("FHS", file, next_control_id()).as_bytes());
    }
    if block.is_batch() {
        let batch = block.batch.clone().unwrap_or_default();
        out.extend_from_slice(header("BHS", &batch, next_control_id()).as_bytes());
    }
    for received in &block.messages {
        out.extend(ack(received, facility, now, &next_control_id()));
    }
    if block.is_batch() {
        out.extend_from_slice(format!("BTS|{}\r", block.messages.len()).as_bytes());
    }
    if block.file.is_some() {
        out.extend_from_slice(b"FTS|1\r");
    }
    out
}
