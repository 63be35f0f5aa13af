//! The ASTM E1381 / LIS1-A link on bytes: the frame codec, each rule of the
//! receiver and of the sender with timers on explicit instants, contention
//! from both ends, and whole exchanges between an instrument link and a
//! LIS link through an in-memory line that can corrupt or drop bytes.

use kentai_drivers::astm::link::{
    checksum, decode_frame, encode_frame, encode_record, AbortReason, Acknowledge, Action,
    EncodeError, FrameEnd, FrameError, FrameNumber, Link, LinkConfig, MessageId, SendFailure, ACK,
    CR, ENQ, EOT, ETB, ETX, LF, MAX_RECORD, MAX_TEXT, NAK, STX,
};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn fnum(n: u8) -> FrameNumber {
    FrameNumber::new(n).unwrap()
}

/// Everything the actions write, in order.
fn written(actions: &[Action]) -> Vec<u8> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Write(bytes) => Some(bytes.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn records(actions: &[Action]) -> Vec<Vec<u8>> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Record(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn events(actions: &[Action]) -> Vec<Action> {
    actions
        .iter()
        .filter(|a| !matches!(a, Action::Write(_)))
        .cloned()
        .collect()
}

fn frame(n: u8, text: &[u8], end: FrameEnd) -> Vec<u8> {
    encode_frame(fnum(n), text, end).unwrap()
}

/// A whole record in one last frame, CR added.
fn record_frame(n: u8, record: &str) -> Vec<u8> {
    let mut text = record.as_bytes().to_vec();
    text.push(CR);
    frame(n, &text, FrameEnd::Last)
}

/// A LIS link acknowledging at once, that has answered an ENQ at `t0`.
fn receiving(acknowledge: Acknowledge, t0: Instant) -> Link {
    let mut link = Link::new(LinkConfig {
        acknowledge,
        ..LinkConfig::lis()
    });
    assert_eq!(written(&link.on_bytes(&[ENQ], t0)), [ACK]);
    link
}

/// A link that has sent `records` and had its ENQ acknowledged at `t0`;
/// returns it with the bytes of its first frame.
fn sending(config: LinkConfig, records: &[&str], t0: Instant) -> (Link, MessageId, Vec<u8>) {
    let mut link = Link::new(config);
    let (id, actions) = link.send(records, t0).unwrap();
    assert_eq!(written(&actions), [ENQ]);
    let first = written(&link.on_bytes(&[ACK], t0));
    (link, id, first)
}

// ---------------------------------------------------------------- codec

#[test]
fn a_short_record_is_one_frame_with_the_checksum_of_fn_through_etx() {
    let (frames, next) = encode_record(b"H|\\^&", FrameNumber::FIRST).unwrap();
    assert_eq!(frames, vec![b"\x021H|\\^&\r\x03E5\r\n".to_vec()]);
    assert_eq!(next, fnum(2));
    assert_eq!(checksum(b"1H|\\^&\r\x03"), 0xE5);
}

#[test]
fn a_good_frame_decodes_to_its_number_text_and_end() {
    let decoded = decode_frame(b"\x021H|\\^&\r\x03E5\r\n").unwrap();
    assert_eq!(decoded.number, fnum(1));
    assert_eq!(decoded.text, b"H|\\^&\r");
    assert_eq!(decoded.end, FrameEnd::Last);
}

#[test]
fn a_lowercase_checksum_is_accepted() {
    assert!(decode_frame(b"\x021H|\\^&\r\x03e5\r\n").is_ok());
}

#[test]
fn a_frame_with_a_wrong_checksum_is_a_checksum_error() {
    assert_eq!(
        decode_frame(b"\x021H|\\^&\r\x03E6\r\n"),
        Err(FrameError::BadChecksum {
            computed: 0xE5,
            received: 0xE6
        })
    );
    // One byte of the text changed on the line.
    assert!(matches!(
        decode_frame(b"\x021H|\\^'\r\x03E5\r\n"),
        Err(FrameError::BadChecksum { .. })
    ));
}

#[test]
fn broken_frames_are_malformed() {
    let cases: [&[u8]; 6] = [
        b"\x021\x03C4\r",              // too short, no LF
        b"X1H|\r\x0300\r\n",           // no STX
        b"\x021H|\\^&\r\x03E5\n\n",    // no CR before LF
        b"\x021H|\\^&\r\x05E5\r\n",    // no ETB or ETX
        b"\x021H|\\^&\r\x03G5\r\n",    // checksum not hex
        b"\x02\x01H|\\^&\r\x03B5\r\n", // frame number not a digit
    ];
    for case in cases {
        assert!(
            matches!(decode_frame(case), Err(FrameError::Malformed(_))),
            "{case:?}"
        );
    }
    // A frame number of 8 with its checksum right is still malformed.
    let mut eight = frame(7, b"X\r", FrameEnd::Last);
    eight[1] = b'8';
    let sum = checksum(&eight[1..eight.len() - 4]);
    let n = eight.len();
    eight[n - 4..n - 2].copy_from_slice(format!("{sum:02X}").as_bytes());
    assert!(matches!(
        decode_frame(&eight),
        Err(FrameError::Malformed(_))
    ));
}

#[test]
fn a_restricted_character_in_the_text_is_malformed() {
    // DC1 (0x11) in the text, checksum computed over it.
    let mut body = b"1AB\x11C\r\x03".to_vec();
    let sum = checksum(&body);
    body.insert(0, STX);
    body.extend_from_slice(format!("{sum:02X}\r\n").as_bytes());
    assert_eq!(
        decode_frame(&body),
        Err(FrameError::Malformed("restricted character in the text"))
    );
}

#[test]
fn a_frame_with_more_than_240_text_bytes_is_too_long() {
    let mut body = vec![b'1'];
    body.extend(std::iter::repeat_n(b'A', 241));
    body.push(ETX);
    let sum = checksum(&body);
    body.insert(0, STX);
    body.extend_from_slice(format!("{sum:02X}\r\n").as_bytes());
    assert_eq!(decode_frame(&body), Err(FrameError::TooLong { text: 241 }));
    assert_eq!(
        encode_frame(FrameNumber::FIRST, &[b'A'; 241], FrameEnd::Last),
        Err(EncodeError::TooLong { text: 241 })
    );
    assert!(encode_frame(FrameNumber::FIRST, &[b'A'; 240], FrameEnd::Last).is_ok());
}

#[test]
fn a_record_of_239_bytes_fits_one_frame_with_its_cr() {
    let record = vec![b'A'; 239];
    let (frames, next) = encode_record(&record, FrameNumber::FIRST).unwrap();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].len(), 247);
    assert_eq!(&frames[0][frames[0].len() - 5..], b"\x03F0\r\n");
    assert_eq!(next, fnum(2));
}

#[test]
fn a_longer_record_goes_out_as_etb_frames_then_an_etx_frame() {
    let record: Vec<u8> = (0..600).map(|i| b'a' + (i % 26) as u8).collect();
    let (frames, next) = encode_record(&record, FrameNumber::FIRST).unwrap();
    assert_eq!(frames.len(), 3);
    let decoded: Vec<_> = frames.iter().map(|f| decode_frame(f).unwrap()).collect();
    assert_eq!(
        decoded.iter().map(|f| f.text.len()).collect::<Vec<_>>(),
        [240, 240, 121]
    );
    assert_eq!(
        decoded.iter().map(|f| f.end).collect::<Vec<_>>(),
        [
            FrameEnd::Intermediate,
            FrameEnd::Intermediate,
            FrameEnd::Last
        ]
    );
    assert_eq!(frames[0][241 + 1], ETB);
    let joined: Vec<u8> = decoded.iter().flat_map(|f| f.text.clone()).collect();
    assert_eq!(&joined[..600], &record[..]);
    assert_eq!(joined[600], CR);
    assert_eq!(next, fnum(4));
}

#[test]
fn a_record_of_exactly_240_bytes_with_its_cr_ends_in_a_frame_of_just_the_cr() {
    let (frames, _) = encode_record(&[b'A'; 240], FrameNumber::FIRST).unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(decode_frame(&frames[1]).unwrap().text, [CR]);
}

#[test]
fn frame_numbers_wrap_from_7_to_0() {
    assert_eq!(fnum(7).next(), fnum(0));
    assert_eq!(fnum(0).next(), fnum(1));
    assert_eq!(FrameNumber::new(8), None);
    let (frames, next) = encode_record(&[b'A'; 300], fnum(7)).unwrap();
    assert_eq!(frames[0][1], b'7');
    assert_eq!(frames[1][1], b'0');
    assert_eq!(next, fnum(1));
}

#[test]
fn a_record_holding_a_cr_or_a_restricted_character_is_refused() {
    assert_eq!(
        encode_record(b"R|1\rX", FrameNumber::FIRST),
        Err(EncodeError::Restricted { byte: CR, at: 3 })
    );
    assert_eq!(
        encode_record(b"R|\x02", FrameNumber::FIRST),
        Err(EncodeError::Restricted { byte: STX, at: 2 })
    );
    assert!(encode_frame(FrameNumber::FIRST, b"A\nB", FrameEnd::Last).is_err());
}

// ------------------------------------------------------------- receiver

#[test]
fn an_enq_is_answered_with_ack_and_a_busy_receiver_answers_nak() {
    let t0 = Instant::now();
    let mut link = Link::new(LinkConfig::lis());
    link.set_busy(true);
    assert_eq!(written(&link.on_bytes(&[ENQ], t0)), [NAK]);
    assert!(link.is_neutral());
    link.set_busy(false);
    assert_eq!(written(&link.on_bytes(&[ENQ], t0)), [ACK]);
    assert!(!link.is_neutral());
}

#[test]
fn a_good_frame_is_acknowledged_and_its_record_handed_out_without_its_cr() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    let actions = link.on_bytes(&record_frame(1, "H|\\^&"), t0);
    assert_eq!(written(&actions), [ACK]);
    assert_eq!(records(&actions), [b"H|\\^&".to_vec()]);
    let actions = link.on_bytes(&[EOT], t0);
    assert_eq!(events(&actions), [Action::TransferEnded]);
    assert!(written(&actions).is_empty());
    assert!(link.is_neutral());
}

#[test]
fn after_journal_the_ack_waits_for_acknowledge() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::AfterJournal, t0);
    let actions = link.on_bytes(&record_frame(1, "H|\\^&"), t0);
    assert_eq!(records(&actions), [b"H|\\^&".to_vec()]);
    assert!(written(&actions).is_empty());
    assert!(link.awaiting_acknowledge());
    // The receive timer does not run while the journal writes.
    assert_eq!(link.next_deadline(), None);
    assert!(link.on_tick(t0 + secs(60.0)).is_empty());
    assert_eq!(written(&link.acknowledge(t0 + secs(60.0))), [ACK]);
    assert!(!link.awaiting_acknowledge());
    assert_eq!(link.next_deadline(), Some(t0 + secs(90.0)));
    // Nothing waits any more.
    assert!(link.acknowledge(t0 + secs(61.0)).is_empty());
    // The next frame is number 2.
    let actions = link.on_bytes(&record_frame(2, "L|1|N"), t0 + secs(61.0));
    assert_eq!(records(&actions), [b"L|1|N".to_vec()]);
}

#[test]
fn a_frame_the_journal_refused_is_answered_nak_and_taken_again_when_repeated() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::AfterJournal, t0);
    let long: String = "C|1|".to_string() + &"x".repeat(300);
    let (frames, _) = encode_record(long.as_bytes(), FrameNumber::FIRST).unwrap();
    assert_eq!(written(&link.on_bytes(&frames[0], t0)), [ACK]);
    let actions = link.on_bytes(&frames[1], t0);
    assert_eq!(records(&actions), [long.as_bytes().to_vec()]);
    assert_eq!(written(&link.reject(t0)), [NAK]);
    assert!(link.reject(t0).is_empty());
    let actions = link.on_bytes(&frames[1], t0);
    assert_eq!(records(&actions), [long.as_bytes().to_vec()]);
    assert_eq!(written(&link.acknowledge(t0)), [ACK]);
}

#[test]
fn a_frame_with_a_bad_checksum_is_answered_with_nak_and_the_good_copy_accepted() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    let good = record_frame(1, "H|\\^&");
    let mut bad = good.clone();
    bad[4] ^= 0x01;
    let actions = link.on_bytes(&bad, t0);
    assert_eq!(written(&actions), [NAK]);
    assert!(matches!(
        events(&actions)[..],
        [Action::FrameRejected(FrameError::BadChecksum { .. })]
    ));
    let actions = link.on_bytes(&good, t0);
    assert_eq!(written(&actions), [ACK]);
    assert_eq!(records(&actions).len(), 1);
}

#[test]
fn a_malformed_or_too_long_frame_is_answered_with_nak() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    let actions = link.on_bytes(b"\x021H|\r\x07\x0800\r\n", t0);
    assert_eq!(written(&actions), [NAK]);
    assert!(matches!(
        events(&actions)[..],
        [Action::FrameRejected(FrameError::Malformed(_))]
    ));
    let mut huge = vec![STX, b'1'];
    huge.extend(std::iter::repeat_n(b'A', 2000));
    huge.extend_from_slice(b"\r\x0300\r\n");
    let actions = link.on_bytes(&huge, t0);
    assert_eq!(written(&actions), [NAK]);
    assert_eq!(
        events(&actions),
        [Action::FrameRejected(FrameError::TooLong { text: 2001 })]
    );
}

#[test]
fn a_record_that_never_ends_is_refused_at_its_limit_and_the_transfer_ends_without_it() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    let text = vec![b'A'; MAX_TEXT];
    let fits = MAX_RECORD / MAX_TEXT;
    for i in 0..fits {
        let n = ((i + 1) % 8) as u8;
        let actions = link.on_bytes(&frame(n, &text, FrameEnd::Intermediate), t0);
        assert_eq!(written(&actions), [ACK], "frame {i}");
    }
    let next = ((fits + 1) % 8) as u8;
    for _ in 0..6 {
        let actions = link.on_bytes(&frame(next, &text, FrameEnd::Intermediate), t0);
        assert_eq!(written(&actions), [NAK]);
        assert_eq!(
            events(&actions),
            [Action::FrameRejected(FrameError::RecordTooLong {
                limit: MAX_RECORD
            })]
        );
    }
    // The sender gives up: the record so far is dropped, nothing handed up.
    let actions = link.on_bytes(&[EOT], t0);
    assert_eq!(
        events(&actions),
        [Action::TransferAborted(AbortReason::SenderStopped)]
    );
    assert!(link.is_neutral());
}

#[test]
fn a_frame_with_the_wrong_number_is_answered_with_nak() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    // The first frame must be 1.
    let actions = link.on_bytes(&record_frame(2, "H|\\^&"), t0);
    assert_eq!(written(&actions), [NAK]);
    assert_eq!(
        events(&actions),
        [Action::FrameRejected(FrameError::UnexpectedNumber {
            expected: fnum(1),
            received: fnum(2)
        })]
    );
    assert_eq!(
        written(&link.on_bytes(&record_frame(1, "H|\\^&"), t0)),
        [ACK]
    );
    // A skipped number after that.
    let actions = link.on_bytes(&record_frame(3, "L|1"), t0);
    assert_eq!(written(&actions), [NAK]);
    assert!(records(&actions).is_empty());
}

#[test]
fn a_repeated_frame_is_acknowledged_and_ignored() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    let first = record_frame(1, "H|\\^&");
    assert_eq!(records(&link.on_bytes(&first, t0)).len(), 1);
    let actions = link.on_bytes(&first, t0);
    assert_eq!(written(&actions), [ACK]);
    assert!(events(&actions).is_empty());
    assert_eq!(
        records(&link.on_bytes(&record_frame(2, "L|1"), t0)).len(),
        1
    );
}

#[test]
fn intermediate_frames_are_joined_into_one_record() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    let long = format!("R|1|^^^SARS-CoV-2^^^N2|{}", "9".repeat(500));
    let (frames, _) = encode_record(long.as_bytes(), FrameNumber::FIRST).unwrap();
    assert_eq!(frames.len(), 3);
    let mut got = Vec::new();
    for f in &frames {
        let actions = link.on_bytes(f, t0);
        assert_eq!(written(&actions), [ACK]);
        got.extend(records(&actions));
    }
    assert_eq!(got, [long.into_bytes()]);
}

#[test]
fn several_records_in_one_frame_are_each_handed_out() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    let actions = link.on_bytes(&frame(1, b"H|\\^&\rL|1|N\r", FrameEnd::Last), t0);
    assert_eq!(records(&actions), [b"H|\\^&".to_vec(), b"L|1|N".to_vec()]);
}

#[test]
fn the_receiver_follows_frame_numbers_through_7_to_0() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    let mut number = FrameNumber::FIRST;
    for i in 0..10 {
        let (frames, next) = encode_record(format!("C|{i}").as_bytes(), number).unwrap();
        let actions = link.on_bytes(&frames[0], t0);
        assert_eq!(written(&actions), [ACK], "frame {number}");
        assert_eq!(records(&actions).len(), 1);
        number = next;
    }
    assert_eq!(number, fnum(3));
}

#[test]
fn noise_is_ignored_while_idle_and_between_frames() {
    let t0 = Instant::now();
    let mut link = Link::new(LinkConfig::lis());
    assert!(link.on_bytes(b"\r\nhello\x06\x15\x04\xff", t0).is_empty());
    assert!(link.is_neutral());
    assert_eq!(written(&link.on_bytes(&[ENQ], t0)), [ACK]);
    assert!(link.on_bytes(b"garbage\r\n\x06\x15", t0).is_empty());
    let actions = link.on_bytes(&record_frame(1, "H|\\^&"), t0);
    assert_eq!(records(&actions).len(), 1);
}

#[test]
fn a_frame_cut_short_by_a_new_stx_is_dropped_for_the_new_one() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    let mut bytes = b"\x021H|\\^".to_vec();
    bytes.extend(record_frame(1, "H|\\^&"));
    let actions = link.on_bytes(&bytes, t0);
    assert_eq!(written(&actions), [ACK]);
    assert_eq!(records(&actions), [b"H|\\^&".to_vec()]);
}

#[test]
fn a_frame_split_across_reads_is_reassembled() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    let f = record_frame(1, "P|1||PID-77");
    let mut all = Vec::new();
    for byte in &f {
        all.extend(link.on_bytes(&[*byte], t0));
    }
    assert_eq!(written(&all), [ACK]);
    assert_eq!(records(&all), [b"P|1||PID-77".to_vec()]);
}

#[test]
fn the_receiver_gives_up_30_seconds_after_its_last_reply() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    assert!(link.on_tick(t0 + secs(29.999)).is_empty());
    // A frame at 20 s restarts the timer.
    let (frames, _) = encode_record(&[b'A'; 300], FrameNumber::FIRST).unwrap();
    assert_eq!(written(&link.on_bytes(&frames[0], t0 + secs(20.0))), [ACK]);
    assert!(link.on_tick(t0 + secs(49.999)).is_empty());
    assert_eq!(link.next_deadline(), Some(t0 + secs(50.0)));
    let actions = link.on_tick(t0 + secs(50.0));
    assert_eq!(actions, [Action::TransferAborted(AbortReason::Timeout)]);
    assert!(link.is_neutral());
    // The half record is gone: the late last frame is noise to a neutral
    // link.
    assert!(link.on_bytes(&frames[1], t0 + secs(51.0)).is_empty());
}

#[test]
fn eot_in_the_middle_of_a_record_aborts_the_transfer() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    let (frames, _) = encode_record(&[b'A'; 300], FrameNumber::FIRST).unwrap();
    link.on_bytes(&frames[0], t0);
    let actions = link.on_bytes(&[EOT], t0);
    assert_eq!(
        actions,
        [Action::TransferAborted(AbortReason::SenderStopped)]
    );
    assert!(link.is_neutral());
}

#[test]
fn eot_while_the_journal_holds_the_ack_aborts_the_transfer() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::AfterJournal, t0);
    link.on_bytes(&record_frame(1, "H|\\^&"), t0);
    let actions = link.on_bytes(&[EOT], t0 + secs(15.0));
    assert_eq!(
        actions,
        [Action::TransferAborted(AbortReason::SenderStopped)]
    );
    assert!(link.acknowledge(t0 + secs(16.0)).is_empty());
}

#[test]
fn a_repeated_enq_is_answered_before_the_first_frame_and_ignored_after_it() {
    let t0 = Instant::now();
    let mut link = receiving(Acknowledge::Immediately, t0);
    assert_eq!(written(&link.on_bytes(&[ENQ], t0 + secs(1.0))), [ACK]);
    assert_eq!(link.next_deadline(), Some(t0 + secs(31.0)));
    link.on_bytes(&record_frame(1, "H|\\^&"), t0 + secs(2.0));
    assert!(link.on_bytes(&[ENQ], t0 + secs(3.0)).is_empty());
}

// --------------------------------------------------------------- sender

#[test]
fn a_message_goes_out_as_enq_frames_and_eot() {
    let t0 = Instant::now();
    let (mut link, id, first) = sending(LinkConfig::lis(), &["H|\\^&", "L|1|N"], t0);
    assert_eq!(first, record_frame(1, "H|\\^&"));
    assert_eq!(
        written(&link.on_bytes(&[ACK], t0)),
        record_frame(2, "L|1|N")
    );
    let actions = link.on_bytes(&[ACK], t0);
    assert_eq!(written(&actions), [EOT]);
    assert_eq!(events(&actions), [Action::Sent(id)]);
    assert!(link.is_neutral());
    assert_eq!(link.queued(), 0);
}

#[test]
fn noise_during_establishment_is_ignored() {
    let t0 = Instant::now();
    let mut link = Link::new(LinkConfig::lis());
    link.send(&["H|\\^&"], t0).unwrap();
    assert!(link.on_bytes(b"xyz\r\n", t0).is_empty());
    assert_eq!(
        written(&link.on_bytes(&[ACK], t0)),
        record_frame(1, "H|\\^&")
    );
}

#[test]
fn a_nak_to_enq_means_the_next_enq_after_10_seconds() {
    let t0 = Instant::now();
    let mut link = Link::new(LinkConfig::lis());
    link.send(&["H|\\^&"], t0).unwrap();
    assert!(link.on_bytes(&[NAK], t0 + secs(1.0)).is_empty());
    assert!(link.is_neutral());
    assert_eq!(link.next_deadline(), Some(t0 + secs(11.0)));
    assert!(link.on_tick(t0 + secs(10.999)).is_empty());
    assert_eq!(written(&link.on_tick(t0 + secs(11.0))), [ENQ]);
}

#[test]
fn no_reply_to_enq_within_15_seconds_ends_with_eot_and_a_failure() {
    let t0 = Instant::now();
    let mut link = Link::new(LinkConfig::lis());
    let (id, _) = link.send(&["H|\\^&"], t0).unwrap();
    assert!(link.on_tick(t0 + secs(14.999)).is_empty());
    let actions = link.on_tick(t0 + secs(15.0));
    assert_eq!(written(&actions), [EOT]);
    assert_eq!(
        events(&actions),
        [Action::SendFailed {
            message: id,
            reason: SendFailure::NoReplyToEnquiry
        }]
    );
    assert!(link.is_neutral());
    assert_eq!(link.queued(), 0);
}

#[test]
fn a_frame_refused_five_times_is_sent_a_sixth_time() {
    let t0 = Instant::now();
    let (mut link, id, first) = sending(LinkConfig::lis(), &["H|\\^&"], t0);
    for _ in 0..5 {
        assert_eq!(written(&link.on_bytes(&[NAK], t0)), first);
    }
    let actions = link.on_bytes(&[ACK], t0);
    assert_eq!(written(&actions), [EOT]);
    assert_eq!(events(&actions), [Action::Sent(id)]);
}

#[test]
fn a_frame_refused_six_times_ends_with_eot_and_a_failure() {
    let t0 = Instant::now();
    let (mut link, id, first) = sending(LinkConfig::lis(), &["H|\\^&", "L|1"], t0);
    let mut transmissions = 1;
    loop {
        let actions = link.on_bytes(&[NAK], t0);
        let bytes = written(&actions);
        if bytes == first {
            transmissions += 1;
            continue;
        }
        assert_eq!(bytes, [EOT]);
        assert_eq!(
            events(&actions),
            [Action::SendFailed {
                message: id,
                reason: SendFailure::Refused
            }]
        );
        break;
    }
    assert_eq!(transmissions, 6);
    assert!(link.is_neutral());
}

#[test]
fn a_reply_that_cannot_be_read_counts_as_nak() {
    let t0 = Instant::now();
    let (mut link, _, first) = sending(LinkConfig::lis(), &["H|\\^&"], t0);
    assert_eq!(written(&link.on_bytes(b"?", t0)), first);
    // The retry counter counts it: five more refusals give up.
    for _ in 0..4 {
        assert_eq!(written(&link.on_bytes(&[NAK], t0)), first);
    }
    assert_eq!(written(&link.on_bytes(&[NAK], t0)), [EOT]);
}

#[test]
fn the_retry_count_starts_again_with_each_frame() {
    let t0 = Instant::now();
    let (mut link, id, first) = sending(LinkConfig::lis(), &["H|\\^&", "L|1"], t0);
    for _ in 0..5 {
        assert_eq!(written(&link.on_bytes(&[NAK], t0)), first);
    }
    let second = written(&link.on_bytes(&[ACK], t0));
    for _ in 0..5 {
        assert_eq!(written(&link.on_bytes(&[NAK], t0)), second);
    }
    assert_eq!(events(&link.on_bytes(&[ACK], t0)), [Action::Sent(id)]);
}

#[test]
fn no_reply_to_a_frame_within_15_seconds_ends_with_eot_and_a_failure() {
    let t0 = Instant::now();
    let (mut link, id, _) = sending(LinkConfig::lis(), &["H|\\^&", "L|1"], t0);
    // A reply at 10 s restarts the timer with the next frame.
    link.on_bytes(&[ACK], t0 + secs(10.0));
    assert!(link.on_tick(t0 + secs(24.999)).is_empty());
    let actions = link.on_tick(t0 + secs(25.0));
    assert_eq!(written(&actions), [EOT]);
    assert_eq!(
        events(&actions),
        [Action::SendFailed {
            message: id,
            reason: SendFailure::NoReplyToFrame
        }]
    );
}

#[test]
fn eot_in_reply_to_a_frame_is_an_ack_and_a_request_to_stop_after_the_message() {
    let t0 = Instant::now();
    let (mut link, id, _) = sending(LinkConfig::instrument(), &["H|\\^&", "L|1"], t0);
    link.send(&["H|\\^&"], t0).unwrap();
    let actions = link.on_bytes(&[EOT], t0);
    assert_eq!(written(&actions), record_frame(2, "L|1"));
    assert_eq!(events(&actions), [Action::InterruptRequested(id)]);
    let actions = link.on_bytes(&[ACK], t0 + secs(1.0));
    assert_eq!(written(&actions), [EOT]);
    assert_eq!(events(&actions), [Action::Sent(id)]);
    // The next message waits 15 s…
    assert_eq!(link.next_deadline(), Some(t0 + secs(16.0)));
    assert!(link.on_tick(t0 + secs(15.999)).is_empty());
    assert_eq!(written(&link.on_tick(t0 + secs(16.0))), [ENQ]);
}

#[test]
fn after_an_interrupt_the_receivers_own_transfer_lifts_the_hold() {
    let t0 = Instant::now();
    let (mut link, _, _) = sending(LinkConfig::instrument(), &["H|\\^&"], t0);
    link.send(&["L|1"], t0).unwrap();
    link.on_bytes(&[EOT], t0);
    // The receiver sends its own message.
    assert_eq!(written(&link.on_bytes(&[ENQ], t0 + secs(1.0))), [ACK]);
    link.on_bytes(&record_frame(1, "H|\\^&"), t0 + secs(2.0));
    let actions = link.on_bytes(&[EOT], t0 + secs(3.0));
    assert_eq!(written(&actions), [ENQ]);
}

// ----------------------------------------------------------- contention

#[test]
fn on_contention_the_lis_answers_the_instrument_and_waits_20_seconds_after_its_eot() {
    let t0 = Instant::now();
    let mut lis = Link::new(LinkConfig {
        acknowledge: Acknowledge::Immediately,
        ..LinkConfig::lis()
    });
    lis.send(&["H|\\^&"], t0).unwrap();
    // The instrument's ENQ crosses the LIS's.
    assert_eq!(written(&lis.on_bytes(&[ENQ], t0)), [ACK]);
    // The instrument, per the standard, asks again after a second.
    assert_eq!(written(&lis.on_bytes(&[ENQ], t0 + secs(1.0))), [ACK]);
    let actions = lis.on_bytes(&record_frame(1, "H|\\^&|||PCR-9"), t0 + secs(1.1));
    assert_eq!(written(&actions), [ACK]);
    let actions = lis.on_bytes(&[EOT], t0 + secs(2.0));
    assert_eq!(events(&actions), [Action::TransferEnded]);
    assert!(written(&actions).is_empty());
    assert_eq!(lis.next_deadline(), Some(t0 + secs(22.0)));
    assert!(lis.on_tick(t0 + secs(21.999)).is_empty());
    assert_eq!(written(&lis.on_tick(t0 + secs(22.0))), [ENQ]);
}

#[test]
fn a_busy_lis_answers_a_contending_enq_with_nak_and_waits_20_seconds() {
    let t0 = Instant::now();
    let mut lis = Link::new(LinkConfig::lis());
    lis.send(&["H|\\^&"], t0).unwrap();
    lis.set_busy(true);
    assert_eq!(written(&lis.on_bytes(&[ENQ], t0)), [NAK]);
    assert!(lis.on_tick(t0 + secs(19.999)).is_empty());
    assert_eq!(written(&lis.on_tick(t0 + secs(20.0))), [ENQ]);
}

#[test]
fn without_contention_the_lis_sends_right_after_a_received_transfer() {
    let t0 = Instant::now();
    let mut lis = receiving(Acknowledge::Immediately, t0);
    assert!(written(&lis.send(&["H|\\^&"], t0).unwrap().1).is_empty());
    assert_eq!(written(&lis.on_bytes(&[EOT], t0 + secs(1.0))), [ENQ]);
}

#[test]
fn on_contention_the_instrument_waits_1_second_and_enquires_again() {
    let t0 = Instant::now();
    let mut instrument = Link::new(LinkConfig::instrument());
    instrument.send(&["H|\\^&"], t0).unwrap();
    assert!(instrument.on_bytes(&[ENQ], t0).is_empty());
    assert!(instrument.on_tick(t0 + secs(0.999)).is_empty());
    assert_eq!(written(&instrument.on_tick(t0 + secs(1.0))), [ENQ]);
    assert_eq!(
        written(&instrument.on_bytes(&[ACK], t0 + secs(1.1))),
        record_frame(1, "H|\\^&")
    );
}

#[test]
fn an_ack_during_the_instruments_contention_wait_starts_the_frames() {
    let t0 = Instant::now();
    let mut instrument = Link::new(LinkConfig::instrument());
    instrument.send(&["H|\\^&"], t0).unwrap();
    assert!(instrument.on_bytes(&[ENQ], t0).is_empty());
    assert_eq!(
        written(&instrument.on_bytes(&[ACK], t0 + secs(0.5))),
        record_frame(1, "H|\\^&")
    );
}

// ------------------------------------------------------- whole exchanges

const MESSAGE: [&str; 5] = [
    "H|\\^&|||PCR-9^1.0^SN12345|||||||P|1|20261207101500",
    "P|1||PID-0042||Yamada^Taro||19800101|M",
    "O|1|T-0001||^^^SARS-CoV-2|R|20261207093000|||||||||SAL||||||||||F",
    "R|1|^^^SARS-CoV-2^^^N2|Detected|||||F||||20261207101200",
    "L|1|N",
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dir {
    ToLis,
    ToInstrument,
}

/// Two links and the line between them, on a simulated clock. `tamper`
/// sees every write before it crosses (its direction and its count in
/// that direction) and may change it, or drop it by returning `false`.
struct Line<F: FnMut(Dir, usize, &mut Vec<u8>) -> bool> {
    instrument: Link,
    lis: Link,
    now: Instant,
    tamper: F,
    to_lis: VecDeque<Vec<u8>>,
    to_instrument: VecDeque<Vec<u8>>,
    sent_to_lis: usize,
    sent_to_instrument: usize,
    lis_records: Vec<Vec<u8>>,
    instrument_records: Vec<Vec<u8>>,
    lis_events: Vec<Action>,
    instrument_events: Vec<Action>,
}

impl<F: FnMut(Dir, usize, &mut Vec<u8>) -> bool> Line<F> {
    fn new(t0: Instant, tamper: F) -> Self {
        Line {
            instrument: Link::new(LinkConfig::instrument()),
            lis: Link::new(LinkConfig::lis()),
            now: t0,
            tamper,
            to_lis: VecDeque::new(),
            to_instrument: VecDeque::new(),
            sent_to_lis: 0,
            sent_to_instrument: 0,
            lis_records: Vec::new(),
            instrument_records: Vec::new(),
            lis_events: Vec::new(),
            instrument_events: Vec::new(),
        }
    }

    fn handle_lis(&mut self, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Write(bytes) => self.to_instrument.push_back(bytes),
                Action::Record(record) => self.lis_records.push(record),
                other => self.lis_events.push(other),
            }
        }
        // The journal write, then the acknowledgement.
        if self.lis.awaiting_acknowledge() {
            let actions = self.lis.acknowledge(self.now);
            self.handle_lis(actions);
        }
    }

    fn handle_instrument(&mut self, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Write(bytes) => self.to_lis.push_back(bytes),
                Action::Record(record) => self.instrument_records.push(record),
                other => self.instrument_events.push(other),
            }
        }
    }

    /// Runs until both links are quiet or `limit` has passed.
    fn run(&mut self, limit: Duration) {
        let end = self.now + limit;
        while self.now < end {
            if let Some(mut bytes) = self.to_lis.pop_front() {
                self.now += Duration::from_millis(1);
                self.sent_to_lis += 1;
                if (self.tamper)(Dir::ToLis, self.sent_to_lis, &mut bytes) {
                    let actions = self.lis.on_bytes(&bytes, self.now);
                    self.handle_lis(actions);
                }
                continue;
            }
            if let Some(mut bytes) = self.to_instrument.pop_front() {
                self.now += Duration::from_millis(1);
                self.sent_to_instrument += 1;
                if (self.tamper)(Dir::ToInstrument, self.sent_to_instrument, &mut bytes) {
                    let actions = self.instrument.on_bytes(&bytes, self.now);
                    self.handle_instrument(actions);
                }
                continue;
            }
            let next = [self.lis.next_deadline(), self.instrument.next_deadline()]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next else { break };
            self.now = self.now.max(next);
            let actions = self.lis.on_tick(self.now);
            self.handle_lis(actions);
            let actions = self.instrument.on_tick(self.now);
            self.handle_instrument(actions);
        }
    }
}

fn message_bytes() -> Vec<Vec<u8>> {
    MESSAGE.iter().map(|r| r.as_bytes().to_vec()).collect()
}

#[test]
fn a_result_message_crosses_a_clean_line_whole() {
    let t0 = Instant::now();
    let mut line = Line::new(t0, |_, _, _| true);
    let (id, actions) = line.instrument.send(&MESSAGE, t0).unwrap();
    line.handle_instrument(actions);
    line.run(secs(120.0));
    assert_eq!(line.lis_records, message_bytes());
    assert_eq!(line.instrument_events, [Action::Sent(id)]);
    assert_eq!(line.lis_events, [Action::TransferEnded]);
    assert!(line.lis.is_neutral() && line.instrument.is_neutral());
}

#[test]
fn a_corrupted_frame_and_a_garbled_ack_cost_retransmissions_not_records() {
    let t0 = Instant::now();
    let mut comment = "C|1|I|".to_string();
    comment.push_str(&"Ct 28.4 ".repeat(40));
    let mut message: Vec<&str> = MESSAGE.to_vec();
    message.insert(4, &comment);
    let mut line = Line::new(t0, |dir, n, bytes: &mut Vec<u8>| {
        match (dir, n) {
            // The ACK of the H frame (the second write to the instrument)
            // arrives as a byte the instrument cannot read: it sends H
            // again, and the LIS takes the repeat for what it is.
            (Dir::ToInstrument, 2) => bytes[0] = b'~',
            // The fourth write to the LIS, a frame, has a byte flipped.
            (Dir::ToLis, 4) => bytes[10] ^= 0x20,
            _ => {}
        }
        true
    });
    let (id, actions) = line.instrument.send(&message, t0).unwrap();
    line.handle_instrument(actions);
    line.run(secs(120.0));
    let mut expected = message_bytes();
    expected.insert(4, comment.clone().into_bytes());
    assert_eq!(line.lis_records, expected);
    assert_eq!(line.instrument_events, [Action::Sent(id)]);
    assert!(line
        .lis_events
        .iter()
        .any(|e| matches!(e, Action::FrameRejected(FrameError::BadChecksum { .. }))));
    assert_eq!(line.lis_events.last(), Some(&Action::TransferEnded));
}

#[test]
fn a_dropped_ack_is_a_timeout_and_the_resent_message_is_not_lost() {
    let t0 = Instant::now();
    // The ACK of the R frame never arrives: the instrument gives up after
    // 15 s with EOT, which the LIS, holding R journalled and no half
    // record, takes as the end of the transfer (the message lacks its L:
    // the record layer's to judge). The instrument sends the message again
    // and it arrives whole.
    let mut line = Line::new(t0, |dir, n, _| !(dir == Dir::ToInstrument && n == 5));
    let (first, actions) = line.instrument.send(&MESSAGE, t0).unwrap();
    line.handle_instrument(actions);
    line.run(secs(60.0));
    assert_eq!(
        line.instrument_events,
        [Action::SendFailed {
            message: first,
            reason: SendFailure::NoReplyToFrame
        }]
    );
    assert_eq!(line.lis_records, message_bytes()[..4]);
    assert_eq!(line.lis_events, [Action::TransferEnded]);
    let now = line.now;
    let (second, actions) = line.instrument.send(&MESSAGE, now).unwrap();
    line.handle_instrument(actions);
    line.run(secs(60.0));
    assert_eq!(line.instrument_events.last(), Some(&Action::Sent(second)));
    assert_eq!(line.lis_records[4..], message_bytes()[..]);
}

#[test]
fn a_lost_ack_of_a_frame_is_repaired_by_the_duplicate_rule() {
    let t0 = Instant::now();
    // The ACK of the P frame turns into a NAK on the line: the instrument
    // sends P again, the LIS acknowledges the repeat and keeps one copy.
    let mut line = Line::new(t0, |dir, n, bytes: &mut Vec<u8>| {
        if dir == Dir::ToInstrument && n == 3 {
            *bytes = vec![NAK];
        }
        true
    });
    let (id, actions) = line.instrument.send(&MESSAGE, t0).unwrap();
    line.handle_instrument(actions);
    line.run(secs(60.0));
    assert_eq!(line.lis_records, message_bytes());
    assert_eq!(line.instrument_events, [Action::Sent(id)]);
    // Eight writes to the LIS: ENQ, five frames, P again, EOT.
    assert_eq!(line.sent_to_lis, 8);
}

#[test]
fn when_both_ends_enquire_at_once_both_messages_arrive() {
    let t0 = Instant::now();
    let mut line = Line::new(t0, |_, _, _| true);
    let (from_instrument, a) = line.instrument.send(&MESSAGE, t0).unwrap();
    let (from_lis, b) = line
        .lis
        .send(
            &["H|\\^&|||kentai", "O|1|T-0001||^^^SARS-CoV-2", "L|1|N"],
            t0,
        )
        .unwrap();
    line.handle_instrument(a);
    line.handle_lis(b);
    line.run(secs(120.0));
    assert_eq!(line.lis_records, message_bytes());
    assert_eq!(
        line.instrument_events,
        [Action::Sent(from_instrument), Action::TransferEnded]
    );
    assert_eq!(line.instrument_records.len(), 3);
    assert!(line.lis_events.contains(&Action::Sent(from_lis)));
    // The LIS waited its 20 s after the instrument's transfer.
    assert!(line.now >= t0 + secs(20.0));
}

#[test]
fn bytes_of_each_frame_are_stx_through_lf() {
    let (frames, _) = encode_record(MESSAGE[3].as_bytes(), FrameNumber::FIRST).unwrap();
    let f = &frames[0];
    assert_eq!(f[0], STX);
    assert_eq!(&f[f.len() - 2..], [CR, LF]);
    assert_eq!(f[f.len() - 5], ETX);
    assert!(MAX_TEXT >= f.len() - 7);
}

// ------------------------------------------------------- the fixture

/// The records of `fixtures/astm/pcr-9-transfer.astm`, as `generate_transfer.py`
/// there writes them.
fn fixture_records() -> Vec<String> {
    let comment = format!("C|1|I|{}|G", "Ct N2 28.4 ORF1ab 29.1 IC 25.0; ".repeat(9));
    vec![
        MESSAGE[0].to_string(),
        MESSAGE[1].to_string(),
        MESSAGE[2].to_string(),
        MESSAGE[3].to_string(),
        "R|2|^^^SARS-CoV-2^^^ORF1ab|Detected|||||F||||20261207101200".to_string(),
        "R|3|^^^IC^^^RNaseP|Valid|||||F||||20261207101200".to_string(),
        comment,
        "L|1|N".to_string(),
    ]
}

fn fixture() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/astm/pcr-9-transfer.astm");
    std::fs::read(path).unwrap()
}

#[test]
fn the_instrument_link_puts_on_the_line_what_the_fixture_recorded() {
    let t0 = Instant::now();
    let records = fixture_records();
    let mut link = Link::new(LinkConfig::instrument());
    let (id, actions) = link.send(&records, t0).unwrap();
    let mut line = written(&actions);
    let mut sent = false;
    while !sent {
        let actions = link.on_bytes(&[ACK], t0);
        line.extend(written(&actions));
        sent = actions.contains(&Action::Sent(id));
    }
    assert_eq!(line, fixture());
}

#[test]
fn the_lis_link_takes_the_fixture_record_by_record_after_its_journal() {
    let t0 = Instant::now();
    let mut link = Link::new(LinkConfig::lis());
    let mut replies = Vec::new();
    let mut got = Vec::new();
    let mut ended = false;
    for byte in fixture() {
        let actions = link.on_bytes(&[byte], t0);
        replies.extend(written(&actions));
        got.extend(records(&actions));
        ended |= actions.contains(&Action::TransferEnded);
        if link.awaiting_acknowledge() {
            replies.extend(written(&link.acknowledge(t0)));
        }
    }
    let expected: Vec<Vec<u8>> = fixture_records()
        .into_iter()
        .map(String::into_bytes)
        .collect();
    assert_eq!(got, expected);
    // One ACK for the ENQ and one for each of the nine frames.
    assert_eq!(replies, [ACK; 10]);
    assert!(ended && link.is_neutral());
}

// ------------------------------------------------- over TCP and a pty

mod line {
    use super::{message_bytes, MESSAGE};
    use kentai_drivers::astm::duplex::{drive, Duplex, SerialLine, Session};
    use kentai_drivers::astm::link::{Action, Link, LinkConfig};
    use kentai_drivers::serial::SerialSettings;
    use kentai_drivers::TransportError;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};
    use std::path::PathBuf;
    use std::thread;
    use std::time::{Duration, Instant};

    /// A session that journals records in memory, sends its outbox, and
    /// stops once `done` says so or after 10 s.
    struct Desk {
        journal: Vec<Vec<u8>>,
        events: Vec<Action>,
        outbox: Vec<Vec<Vec<u8>>>,
        /// How many records the journal refuses before it works.
        refusals: usize,
        handed_out: usize,
        done: fn(&Desk) -> bool,
        until: Instant,
    }

    impl Desk {
        fn new(done: fn(&Desk) -> bool) -> Desk {
            Desk {
                journal: Vec::new(),
                events: Vec::new(),
                outbox: Vec::new(),
                refusals: 0,
                handed_out: 0,
                done,
                until: Instant::now() + Duration::from_secs(10),
            }
        }
    }

    impl Session for Desk {
        fn record(&mut self, record: Vec<u8>) -> bool {
            self.handed_out += 1;
            if self.refusals > 0 {
                self.refusals -= 1;
                return false;
            }
            self.journal.push(record);
            true
        }
        fn event(&mut self, action: Action) {
            self.events.push(action);
        }
        fn next_message(&mut self) -> Option<Vec<Vec<u8>>> {
            self.outbox.pop()
        }
        fn keep_going(&mut self) -> bool {
            !(self.done)(self) && Instant::now() < self.until
        }
    }

    fn sent_or_failed(desk: &Desk) -> bool {
        desk.events
            .iter()
            .any(|e| matches!(e, Action::Sent(_) | Action::SendFailed { .. }))
    }

    fn transfer_over(desk: &Desk) -> bool {
        desk.events
            .iter()
            .any(|e| matches!(e, Action::TransferEnded | Action::TransferAborted(_)))
    }

    /// Runs an instrument sending MESSAGE on one line and the LIS on the
    /// other; returns the LIS's desk and the instrument's.
    fn exchange<A, B>(instrument_line: A, mut lis_line: B, refusals: usize) -> (Desk, Desk)
    where
        A: Duplex + Send + 'static,
        B: Duplex,
    {
        let instrument = thread::spawn(move || {
            let mut line = instrument_line;
            let mut link = Link::new(LinkConfig::instrument());
            let mut desk = Desk::new(sent_or_failed);
            desk.outbox.push(message_bytes());
            drive(&mut link, &mut line, &mut desk).unwrap();
            // The line stays open until the LIS is done: a pty's master
            // closed at once hangs up the slave before it reads the EOT.
            (desk, line)
        });
        let mut link = Link::new(LinkConfig::lis());
        let mut desk = Desk::new(transfer_over);
        desk.refusals = refusals;
        drive(&mut link, &mut lis_line, &mut desk).unwrap();
        let (instrument, _line) = instrument.join().unwrap();
        (desk, instrument)
    }

    fn tcp_pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let client = TcpStream::connect(address).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    #[test]
    fn a_result_message_crosses_tcp_loopback_whole() {
        let (instrument, lis) = tcp_pair();
        let (lis, instrument) = exchange(instrument, lis, 0);
        assert_eq!(lis.journal, message_bytes());
        assert_eq!(lis.events, [Action::TransferEnded]);
        assert!(matches!(instrument.events[..], [Action::Sent(_)]));
    }

    #[test]
    fn a_record_the_journal_refuses_is_sent_again_and_journalled_once() {
        let (instrument, lis) = tcp_pair();
        let (lis, instrument) = exchange(instrument, lis, 1);
        assert_eq!(lis.journal, message_bytes());
        assert_eq!(lis.handed_out, MESSAGE.len() + 1);
        assert!(matches!(instrument.events[..], [Action::Sent(_)]));
    }

    #[test]
    fn a_silent_socket_reads_nothing_and_a_closed_one_is_a_disconnect() {
        let (mut a, b) = tcp_pair();
        let mut buf = [0u8; 16];
        let start = Instant::now();
        assert_eq!(
            a.receive(&mut buf, Duration::from_millis(50)).unwrap(),
            None
        );
        assert!(start.elapsed() >= Duration::from_millis(40));
        let mut b = b;
        b.write_all(b"\x05").unwrap();
        assert_eq!(
            a.receive(&mut buf, Duration::from_millis(500)).unwrap(),
            Some(1)
        );
        drop(b);
        assert!(matches!(
            a.receive(&mut buf, Duration::from_millis(500)),
            Err(TransportError::Disconnected(_))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_result_message_crosses_a_pseudo_terminal_whole() {
        use serialport::{SerialPort, TTYPort};
        let (master, slave) = TTYPort::pair().unwrap();
        let path = PathBuf::from(slave.name().unwrap());
        let lis = SerialLine::open(&SerialSettings::new(&path)).unwrap();
        let instrument = SerialLine::from_port(Box::new(master), Duration::from_millis(20));
        let (lis_desk, instrument_desk) = exchange(instrument, lis, 0);
        drop(slave);
        assert_eq!(lis_desk.journal, message_bytes());
        assert!(matches!(instrument_desk.events[..], [Action::Sent(_)]));
    }

    #[test]
    fn a_serial_path_that_does_not_exist_is_not_found() {
        let err = SerialLine::open(&SerialSettings::new("/dev/ttyACM-kentai-none")).unwrap_err();
        assert!(matches!(err, TransportError::NotFound(_)), "{err:?}");
    }
}
