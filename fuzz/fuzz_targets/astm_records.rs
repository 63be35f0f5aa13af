//! The ASTM record layer of `kentai-drivers`
//! (`drivers/src/astm/records.rs`) on arbitrary records, as a link layer
//! would hand them up from a line carrying anything.
//!
//! The first byte chooses the text encoding and how the rest is used; the
//! rest is cut at CR into records. Not panicking is not enough, so the
//! target checks what `records.rs` promises:
//!
//! - an error names a record of the input (from 1 to the count), and
//!   reads as a sentence;
//! - a message accounts for every record exactly once: the header is
//!   record 1, the terminator the last, and every P, O, R, C, Q, M and S
//!   record in between sits in the tree once, at its own number, in
//!   order; every record so placed starts with its type letter;
//! - P, O and R sequence numbers count from 1 under their parent;
//! - `results()` gives one result per R record, in order, with the
//!   specimen id of the order above it, the fourth component of R.3 as
//!   its code, and the header's sender unless R.14 names the instrument;
//! - text escaped with the header's delimiters reads back as written: any
//!   text put into a patient name, a result value and a comment, with
//!   delimiters the input chooses, comes back whole.
#![no_main]

use kentai_drivers::astm::records::{
    parse_message, CommentRecord, Delimiters, Message, RecordError, TextEncoding,
};
use libfuzzer_sys::fuzz_target;

/// Characters the standard allows as delimiters, for the round trip.
const PUNCTUATION: &[u8] = b"|\\^&!@#$%*~`;:',./?-_=+";

/// Bytes records are made of, for the mapped mode: every type letter,
/// termination code and escape letter, the standard delimiters and
/// others, digits, Shift_JIS lead and trail bytes that collide with
/// delimiters.
const ALPHABET: &[u8] = b"HPORCQLMSNTXFE|\\^&!@#$0123456789AZ \x83\x5c\x7c\x8e\xff";

/// Records cut at CR, as on the line; a CR at the very end ends the last
/// record rather than starting an empty one.
fn split(bytes: &[u8]) -> Vec<Vec<u8>> {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    bytes.split(|&b| b == b'\r').map(<[u8]>::to_vec).collect()
}

fn check_error(e: &RecordError, count: usize) {
    assert!(!e.to_string().is_empty(), "{e:?} reads as nothing");
    match e.record() {
        None => assert!(matches!(e, RecordError::NoRecords) && count == 0, "{e:?}"),
        Some(n) => assert!(
            (1..=count).contains(&n),
            "{e:?} names a record outside 1..={count}"
        ),
    }
}

fn check_message(message: &Message, records: &[Vec<u8>]) {
    let count = records.len();
    let letter = |n: usize| -> Option<u8> {
        let bytes = records.get(n.checked_sub(1)?)?;
        bytes.first().copied()
    };
    assert_eq!(letter(1), Some(b'H'));
    assert_eq!(
        message.terminator.record, count,
        "the terminator is not last"
    );
    assert_eq!(letter(count), Some(b'L'));

    // Every record placed in the tree, with its letter.
    let mut placed: Vec<(usize, u8)> = vec![(1, b'H'), (count, b'L')];
    let comments = |list: &[CommentRecord], out: &mut Vec<(usize, u8)>| {
        out.extend(list.iter().map(|c| (c.record, b'C')));
    };
    comments(&message.header.comments, &mut placed);
    for (p_index, patient) in message.patients.iter().enumerate() {
        assert_eq!(patient.sequence as usize, p_index + 1, "P sequence");
        placed.push((patient.record, b'P'));
        comments(&patient.comments, &mut placed);
        for (o_index, order) in patient.orders.iter().enumerate() {
            assert_eq!(order.sequence as usize, o_index + 1, "O sequence");
            assert!(order.record > patient.record);
            placed.push((order.record, b'O'));
            comments(&order.comments, &mut placed);
            for (r_index, result) in order.results.iter().enumerate() {
                assert_eq!(result.sequence as usize, r_index + 1, "R sequence");
                assert!(result.record > order.record);
                placed.push((result.record, b'R'));
                comments(&result.comments, &mut placed);
            }
        }
    }
    for query in &message.queries {
        placed.push((query.record, b'Q'));
        comments(&query.comments, &mut placed);
    }
    for other in &message.others {
        assert!(matches!(other.kind, 'M' | 'S'));
        placed.push((other.record, other.kind as u8));
        comments(&other.comments, &mut placed);
    }
    placed.sort_unstable();
    let numbers: Vec<usize> = placed.iter().map(|(n, _)| *n).collect();
    let all: Vec<usize> = (1..=count).collect();
    assert_eq!(numbers, all, "records placed twice or lost");
    for (n, kind) in placed {
        // In Shift_JIS and UTF-8 alike an ASCII first byte is its letter.
        assert_eq!(
            letter(n),
            Some(kind),
            "record {n} placed as {}",
            kind as char
        );
    }

    // The flat results: one per R, in order, from the tree.
    let results = message.results();
    let tree: Vec<_> = message
        .patients
        .iter()
        .flat_map(|p| &p.orders)
        .flat_map(|o| o.results.iter().map(move |r| (o, r)))
        .collect();
    assert_eq!(results.len(), tree.len());
    let mut last = 0;
    for (flat, (order, result)) in results.iter().zip(tree) {
        assert!(flat.record > last, "results out of order");
        last = flat.record;
        assert_eq!(flat.record, result.record);
        assert_eq!(flat.specimen_id, order.specimen_id);
        assert_eq!(
            flat.test_code,
            flat.test.components.get(3).cloned().unwrap_or_default()
        );
        assert_eq!(Some(&flat.value), flat.value_components.first());
        if result.instrument.is_empty() {
            assert_eq!(flat.instrument.name, message.header.sender.name);
            assert_eq!(flat.instrument.serial, message.header.sender.serial);
        } else {
            assert_eq!(flat.instrument.name, result.instrument);
        }
    }
}

/// Escapes `text` for a field with `d`: delimiters, CR and LF as escape
/// sequences, the way a careful sender writes them.
fn escape(text: &str, d: &Delimiters) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let e = d.escape;
        match c {
            _ if c == d.field => out.extend([e, 'F', e]),
            _ if c == d.component => out.extend([e, 'S', e]),
            _ if c == d.repeat => out.extend([e, 'R', e]),
            _ if c == d.escape => out.extend([e, 'E', e]),
            '\r' => out.extend([e, 'X', '0', 'D', e]),
            '\n' => out.extend([e, 'X', '0', 'A', e]),
            _ => out.push(c),
        }
    }
    out
}

/// Four different delimiters chosen by `seed`.
fn delimiters(seed: &[u8]) -> Delimiters {
    let mut chosen: Vec<char> = Vec::new();
    let mut i = 0;
    while chosen.len() < 4 {
        let pick = seed.get(i).copied().unwrap_or(0).wrapping_add(i as u8);
        let mut c = PUNCTUATION[usize::from(pick) % PUNCTUATION.len()] as char;
        while chosen.contains(&c) {
            let at = PUNCTUATION
                .iter()
                .position(|&p| p as char == c)
                .unwrap_or(0);
            c = PUNCTUATION[(at + 1) % PUNCTUATION.len()] as char;
        }
        chosen.push(c);
        i += 1;
    }
    Delimiters {
        field: chosen[0],
        repeat: chosen[1],
        component: chosen[2],
        escape: chosen[3],
    }
}

/// Text escaped with chosen delimiters reads back whole.
fn round_trip(seed: &[u8], text: &str) {
    let d = delimiters(seed);
    let f = d.field;
    let escaped = escape(text, &d);
    let lines = [
        format!(
            "H{}{}{}{}{f}{f}{f}Box",
            d.field, d.repeat, d.component, d.escape
        ),
        format!("P{f}1{f}{f}{f}{f}{escaped}{}second", d.component),
        format!("O{f}1{f}R26-0001"),
        format!("R{f}1{f}{c}{c}{c}T{f}{escaped}", c = d.component),
        format!("C{f}1{f}I{f}{escaped}"),
        format!("L{f}1{f}N"),
    ];
    let records: Vec<Vec<u8>> = lines.iter().map(|l| l.as_bytes().to_vec()).collect();
    let message = match parse_message(&records, TextEncoding::Utf8) {
        Ok(message) => message,
        Err(e) => panic!("{lines:?} with {d:?}: {e}"),
    };
    assert_eq!(message.header.delimiters, d);
    assert_eq!(
        message.patients[0].name,
        [text.to_string(), "second".to_string()],
        "{d:?}"
    );
    let result = &message.results()[0];
    assert_eq!(result.value_components, [text.to_string()], "{d:?}");
    let comment = &result.comments[0].text;
    if text.is_empty() {
        assert!(comment.is_empty());
    } else {
        assert_eq!(comment, &[text.to_string()], "{d:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        check_error(
            &parse_message(&[], TextEncoding::Utf8).expect_err("no records"),
            0,
        );
        return;
    };
    let encoding = if control & 1 == 0 {
        TextEncoding::Utf8
    } else {
        TextEncoding::ShiftJis
    };
    let bytes: Vec<u8> = match (control >> 1) % 4 {
        // As given.
        0 => rest.to_vec(),
        // Mapped onto the bytes records are made of.
        1 => rest
            .iter()
            .map(|&b| ALPHABET[usize::from(b) % ALPHABET.len()])
            .collect(),
        // After a real header and before a real terminator.
        2 => [b"H|\\^&|||Box^1^SN\r".as_slice(), rest, b"\rL|1|N"].concat(),
        // The round trip of escaped text.
        _ => {
            let (seed, text) = rest.split_at(rest.len().min(4));
            round_trip(seed, &String::from_utf8_lossy(text));
            return;
        }
    };
    let records = split(&bytes);
    match parse_message(&records, encoding) {
        Ok(message) => check_message(&message, &records),
        Err(e) => check_error(&e, records.len()),
    }
});
