//! Whatever bytes arrive, the MLLP de-framer, the block reader and the
//! answer neither panic nor lose track: a few thousand pseudo-random byte
//! strings made of HL7's own pieces, and every truncation of every
//! fixture, go through all three. `fuzz/fuzz_targets/hl7.rs` does the same
//! under cargo-fuzz.

use super::hl7_fixtures::{fixture, FIXTURES};
use super::noise::Noise;
use kentai_drivers::hl7::{answer, frame, read_block, AckCode, Deframer, MllpEvent};

/// Pieces a message is made of, and some that break it.
const PIECES: &[&[u8]] = &[
    b"MSH|^~\\&|",
    b"MSH|^~\\&|A|B|C|D|20261120||ORU^R01|C1|P|2.5.1",
    b"|||||||||||||||~ISO IR87",
    b"|||||||||||||||SHIFT_JIS",
    b"FHS|^~\\&|",
    b"BHS|^~\\&|",
    b"BTS|1",
    b"FTS|1",
    b"PID|1||P1||\x95\x5c^\x83\x5e",
    b"OBR|1|P|F",
    b"OBX|1|NM|N1||24.1||||||F",
    b"OBX|1|CWE|X^Y^LN||A^B^SCT",
    b"SPM|1|R26&X^Y",
    b"NTE|1||a\\.br\\b",
    b"\\F\\",
    b"\\X",
    b"\\",
    b"|",
    b"^",
    b"~",
    b"&",
    b"\r",
    b"\n",
    b"\x0b",
    b"\x1c",
    b"\x1c\r",
    b"\x1b$B",
    b"\x1b(B",
    b"K|",
    b"\x00",
    b"\xff\xfe",
    b"\x83",
];

/// Whole messages that are accepted as they are.
const GOOD: &[&[u8]] = &[
    b"MSH|^~\\&|A|B|C|D|20261120||ORU^R01|C1|P|2.5.1\rOBR|1|P|F\rOBX|1|NM|N1||24.1||||||F\r",
    b"MSH|^~\\&|A|B|C|D|20261120||ORU^R01|C2|P|2.5||||||SJIS\rPID|1||P1||\x95\x5c\rOBR|1|P\rOBX|1|ST|X||\x83\x5c||||||F\rSPM|1|R26\r",
    b"BHS|^~\\&\rMSH|^~\\&|A|B|C|D|20261120||ORU^R01|C3|P|2.5.1||||||~ISO IR87\rOBR|1||\x1b$BK|\x1b(B\rOBX|1|CWE|X^Y^LN||A^B^SCT||||||F\rBTS|1\r",
];

/// Pieces strung together at random, or a good message with a few
/// pieces or bytes put in or taken out.
fn random_bytes(rng: &mut Noise) -> Vec<u8> {
    let mut out = Vec::new();
    if rng.below(2) == 0 {
        for _ in 0..rng.below(40) {
            if rng.below(4) == 0 {
                out.push(rng.next() as u8);
            } else {
                out.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
        }
        return out;
    }
    out.extend_from_slice(GOOD[rng.below(GOOD.len())]);
    for _ in 0..rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(3) {
            0 => {
                let piece = PIECES[rng.below(PIECES.len())];
                out.splice(at..at, piece.iter().copied());
            }
            1 => out.insert(at, rng.next() as u8),
            _ if at < out.len() => {
                out.remove(at);
            }
            _ => {}
        }
    }
    out
}

/// Reads a block and answers it; the answer holds one MSA per message.
/// Returns how many messages were accepted and how many not.
fn answer_block(bytes: &[u8]) -> (usize, usize) {
    let block = read_block(bytes);
    assert!(!block.messages.is_empty() || block.is_batch(), "{bytes:?}");
    let reply = answer(&block, "CLINIC", "20261120153215", &mut || "K".into());
    let msa = reply
        .split(|&b| b == b'\r')
        .filter(|l| l.starts_with(b"MSA|"))
        .count();
    assert_eq!(msa, block.messages.len(), "{bytes:?}");
    assert!(!reply.contains(&b'\n'), "{bytes:?}");
    let accepted = block
        .messages
        .iter()
        .filter(|m| m.ack_code() == AckCode::Accept)
        .count();
    (accepted, block.messages.len() - accepted)
}

#[test]
fn pseudo_random_bytes_go_through_the_deframer_reader_and_answer_without_panicking() {
    let mut rng = Noise(0x9E37_79B9_7F4A_7C15);
    for good in GOOD {
        assert_eq!(
            answer_block(good),
            (1, 0),
            "{}",
            String::from_utf8_lossy(good)
        );
    }
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..4000 {
        let bytes = random_bytes(&mut rng);
        let (a, r) = answer_block(&bytes);
        accepted += a;
        refused += r;
        let mut deframer = Deframer::new(1 + rng.below(200));
        let mut at = 0;
        while at < bytes.len() {
            let end = (at + 1 + rng.below(16)).min(bytes.len());
            for event in deframer.push(&bytes[at..end]) {
                if let MllpEvent::Message(m) = event {
                    assert!(!m.is_empty() && !m.contains(&0x0b) && !m.contains(&0x1c));
                    answer_block(&m);
                }
            }
            at = end;
        }
        deframer.reset();
        assert!(!deframer.pending());
    }
    // The pieces make whole messages often enough to reach the results.
    assert!(accepted > 500 && refused > 1000, "{accepted} / {refused}");
}

#[test]
fn every_truncation_of_every_fixture_is_answered_without_panicking() {
    for name in FIXTURES {
        let bytes = fixture(name);
        for end in 0..=bytes.len() {
            answer_block(&bytes[..end]);
            answer_block(&bytes[end..]);
            // A block cut short and followed by a whole one: the cut one
            // is reported, the whole one comes through.
            let mut deframer = Deframer::default();
            let mut stream = frame(&bytes[..end]);
            stream.truncate(stream.len() - 2);
            stream.extend(frame(&bytes));
            let events = deframer.push(&stream);
            assert_eq!(
                events.last(),
                Some(&MllpEvent::Message(bytes.clone())),
                "{name}"
            );
        }
    }
}
