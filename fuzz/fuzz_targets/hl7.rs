//! The HL7 side of `kentai-drivers` (`drivers/src/hl7/`) on arbitrary
//! bytes: the MLLP de-framer with the limit and the reads chosen by the
//! input, then every block it yields (and the input's own block) read and
//! answered.
//!
//! An analyser's link can deliver anything: a listener attached
//! mid-message, a device in the wrong mode, a vendor's idea of a batch.
//! Not panicking is not enough, so the target checks what the modules
//! promise:
//!
//! - `mllp.rs`: a message is 1 to `max_len` bytes and holds no VT or FS;
//!   `TooLong` names the limit and dropped one byte more than it;
//!   "the result never depends on how the bytes were split into reads":
//!   the reads as given, one byte at a time, and all at once give the same
//!   events and the same count of ignored bytes; a message framed with
//!   `frame` comes back whole from a fresh de-framer;
//! - `batch.rs` and `oru.rs`: a block gives at least one message unless it
//!   is a batch; an accepted message has results, each with a specimen id;
//!   a refused one has a problem whose ACK code and ERR-3 agree with the
//!   module's table (AR only for the header's problems, AE otherwise);
//! - `ack.rs`: the answer holds one MSA per message, in order, no LF, and
//!   each message's ACK parses back as an HL7 message whose MSA-1 is its
//!   code and whose MSA-2 is its control id (when the id is ASCII: the
//!   ISO-2022-JP and Shift_JIS round trips may change other characters).
#![no_main]

use arbitrary::Arbitrary;
use kentai_drivers::hl7::mllp::{CR, FS, VT};
use kentai_drivers::hl7::{
    ack, answer, frame, read_block, AckCode, Deframer, ErrorCode, Message, MllpError, MllpEvent,
};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    max_len: u16,
    /// The reads of one connection.
    reads: Vec<Vec<u8>>,
    /// One block, read and answered as it is.
    block: Vec<u8>,
}

/// The events of one connection and the bytes it ignored.
fn deframe(max_len: usize, reads: &[&[u8]]) -> (Vec<MllpEvent>, u64) {
    let mut deframer = Deframer::new(max_len);
    let mut events = Vec::new();
    for read in reads {
        events.extend(deframer.push(read));
    }
    events.extend(deframer.reset().map(MllpEvent::Error));
    (events, deframer.ignored())
}

/// Reads and answers one block, checking what `batch.rs`, `oru.rs` and
/// `ack.rs` promise.
fn check_block(bytes: &[u8]) {
    let block = read_block(bytes);
    assert!(
        !block.messages.is_empty() || block.is_batch(),
        "a block of no message: {bytes:?}"
    );
    for received in &block.messages {
        match &received.outcome {
            Ok(results) => {
                assert!(!results.is_empty(), "accepted without results");
                assert!(
                    results.iter().all(|r| !r.specimen_id.is_empty()),
                    "a result without a specimen id"
                );
                assert!(received.header.is_some(), "accepted without a header");
            }
            Err(problem) => {
                let header_problem = matches!(
                    problem.code,
                    ErrorCode::UnsupportedMessageType
                        | ErrorCode::UnsupportedEventCode
                        | ErrorCode::UnsupportedProcessingId
                        | ErrorCode::UnsupportedVersion
                );
                if header_problem {
                    assert_eq!(problem.ack, AckCode::Reject, "{problem:?}");
                }
                if problem.ack == AckCode::Reject {
                    let on_msh = problem
                        .location
                        .as_ref()
                        .is_some_and(|l| l.segment == "MSH");
                    assert!(on_msh, "AR for something other than MSH: {problem:?}");
                }
                assert_ne!(problem.ack, AckCode::Accept, "{problem:?}");
            }
        }

        let reply = ack(received, "CLINIC", "20261120153215", "K-1");
        let back = Message::parse(&reply)
            .unwrap_or_else(|e| panic!("an ACK that does not parse ({e}): {reply:?}"));
        let msa = back
            .segments()
            .iter()
            .find(|s| s.id == "MSA")
            .unwrap_or_else(|| panic!("an ACK without MSA: {reply:?}"));
        assert_eq!(msa.text(1), received.ack_code().code());
        let control_id = received
            .header
            .as_ref()
            .map_or("", |h| h.control_id.as_str());
        if control_id.is_ascii() {
            assert_eq!(msa.text(2), control_id, "MSA-2 of {reply:?}");
        }
        let errs = back.segments().iter().filter(|s| s.id == "ERR").count();
        assert_eq!(errs, usize::from(received.outcome.is_err()), "{reply:?}");
    }

    let reply = answer(&block, "CLINIC", "20261120153215", &mut || "K".into());
    assert!(!reply.contains(&b'\n'), "an LF in an answer: {reply:?}");
    let codes: Vec<&[u8]> = reply
        .split(|&b| b == b'\r')
        .filter(|l| l.starts_with(b"MSA|"))
        .map(|l| l.get(4..6).unwrap_or(b""))
        .collect();
    let want: Vec<&[u8]> = block
        .messages
        .iter()
        .map(|m| m.ack_code().code().as_bytes())
        .collect();
    assert_eq!(codes, want, "the answer's MSAs are not the messages' codes");
}

fuzz_target!(|input: Input| {
    // Mostly short limits, so that refused blocks happen.
    let max_len = match input.max_len >> 14 {
        0 | 1 => usize::from(input.max_len % 64),
        2 => usize::from(input.max_len % 2048),
        _ => kentai_drivers::hl7::mllp::DEFAULT_MAX_LEN,
    };
    let reads: Vec<&[u8]> = input.reads.iter().map(Vec::as_slice).collect();
    let (given, ignored) = deframe(max_len, &reads);

    let all: Vec<u8> = input.reads.concat();
    let bytewise: Vec<&[u8]> = all.chunks(1).collect();
    assert_eq!(
        deframe(max_len, &bytewise),
        (given.clone(), ignored),
        "one byte at a time differs"
    );
    assert_eq!(
        deframe(max_len, &[&all]),
        (given.clone(), ignored),
        "all at once differs"
    );

    for event in &given {
        match event {
            MllpEvent::Message(m) => {
                assert!(!m.is_empty() && m.len() <= max_len, "{} bytes", m.len());
                assert!(!m.contains(&VT) && !m.contains(&FS), "VT or FS inside");
                check_block(m);
            }
            MllpEvent::Error(MllpError::TooLong { limit, discarded }) => {
                assert_eq!(*limit, max_len);
                assert_eq!(*discarded, max_len + 1);
            }
            MllpEvent::Error(MllpError::Interrupted { .. }) => {}
        }
    }

    check_block(&input.block);
    let clean = !input.block.is_empty()
        && input.block.len() <= max_len
        && !input.block.contains(&VT)
        && !input.block.contains(&FS);
    if clean {
        let framed = frame(&input.block);
        assert_eq!(framed.last(), Some(&CR));
        assert_eq!(
            deframe(max_len, &[&framed]).0,
            [MllpEvent::Message(input.block.clone())],
            "a framed message does not come back whole"
        );
    }
});
