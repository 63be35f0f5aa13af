//! ORU^R01 messages written here segment by segment: the results they
//! give, the problem each flaw gives and the ACK (with its ERR) it is
//! answered with, and blocks of several messages.

use kentai_drivers::hl7::oru::SpecimenIdSource;
use kentai_drivers::hl7::{
    ack, answer, read, read_block, AckCode, Charset, ErrorCode, ObservationValue, Problem, Received,
};

const MSH: &str = "MSH|^~\\&|AN|LAB|KENTAI|CLINIC|20261120153211||ORU^R01^ORU_R01|C1|P|2.5.1";
const OBR: &str = "OBR|1|PLACER-1|FILLER-1|94500-6^SARS-CoV-2 RNA^LN";
const OBX: &str = "OBX|1|NM|N1^N1 Ct^99KTI||24.1|{Ct}|||||F";

fn message(segments: &[&str]) -> Vec<u8> {
    segments.join("\r").into_bytes()
}

fn ack_text(received: &Received) -> String {
    String::from_utf8(ack(received, "CLINIC", "20261120153215", "K-1")).unwrap()
}

#[test]
fn an_order_without_spm_takes_obr3_then_obr2_as_its_specimen() {
    let received = read(&message(&[
        MSH,
        "OBR|1|P-1|F-1",
        OBX,
        "OBR|2|P-2|",
        OBX,
        "OBR|3|P-3|F-3",
        OBX,
        "SPM|1|&NS||X",
    ]));
    let got: Vec<(String, SpecimenIdSource)> = received
        .outcome
        .unwrap()
        .into_iter()
        .map(|r| (r.specimen_id, r.specimen_id_from))
        .collect();
    assert_eq!(
        got,
        [
            ("F-1".into(), SpecimenIdSource::ObrFiller),
            ("P-2".into(), SpecimenIdSource::ObrPlacer),
            // An SPM with an empty SPM-2 gives way to OBR-3.
            ("F-3".into(), SpecimenIdSource::ObrFiller),
        ]
    );
}

#[test]
fn spm_gives_the_specimen_of_its_order_placer_id_first_then_filler_id() {
    let received = read(&message(&[
        MSH,
        OBR,
        OBX,
        "SPM|1|R26-0001&A^R26-9999&B||X",
        OBR,
        OBX,
        "SPM|1|^R26-0002&B||X",
    ]));
    let ids: Vec<String> = received
        .outcome
        .unwrap()
        .into_iter()
        .map(|r| r.specimen_id)
        .collect();
    assert_eq!(ids, ["R26-0001", "R26-0002"]);
}

#[test]
fn obx_after_an_spm_observes_that_specimen() {
    let received = read(&message(&[
        MSH,
        OBR,
        OBX,
        "SPM|1|R26-0001||X",
        "OBX|1|NM|VOL^Volume^L||2.5|mL|||||F",
        "NTE|1||about the volume",
        "SPM|2|R26-0002||X",
        "OBX|1|ST|APP^Appearance^L||clear||||||F",
    ]));
    let got: Vec<(String, String, bool, Vec<String>)> = received
        .outcome
        .unwrap()
        .into_iter()
        .map(|r| (r.specimen_id, r.test.id, r.specimen_observation, r.notes))
        .collect();
    assert_eq!(
        got,
        [
            ("R26-0001".into(), "N1".into(), false, vec![]),
            (
                "R26-0001".into(),
                "VOL".into(),
                true,
                vec!["about the volume".into()]
            ),
            ("R26-0002".into(), "APP".into(), true, vec![]),
        ]
    );
}

#[test]
fn notes_belong_to_the_obx_or_obr_right_before_them_and_repetitions_are_lines() {
    let received = read(&message(&[
        MSH,
        "PID|1||P1",
        "NTE|1||about the patient",
        OBR,
        "NTE|1||order one~order two",
        "NTE|2||order three",
        OBX,
        "NTE|1||result",
        "OBX|2|NM|N2^N2 Ct^99KTI||25||||||F",
    ]));
    let results = received.outcome.unwrap();
    assert_eq!(
        results[0].order_notes,
        ["order one\norder two", "order three"]
    );
    assert_eq!(results[0].notes, ["result"]);
    assert_eq!(results[1].order_notes, results[0].order_notes);
    assert!(results[1].notes.is_empty());
}

#[test]
fn a_pid_holds_for_the_orders_after_it_until_the_next_pid() {
    let received = read(&message(&[
        MSH,
        OBR,
        OBX,
        "PID|1||P1",
        OBR,
        OBX,
        OBR,
        OBX,
        "PID|2||P2",
        OBR,
        OBX,
    ]));
    let ids: Vec<Option<String>> = received
        .outcome
        .unwrap()
        .iter()
        .map(|r| r.patient.as_ref().map(|p| p.ids[0].id.clone()))
        .collect();
    assert_eq!(
        ids,
        [
            None,
            Some("P1".into()),
            Some("P1".into()),
            Some("P2".into())
        ]
    );
}

#[test]
fn values_are_read_after_their_type() {
    let received = read(&message(&[
        MSH,
        OBR,
        "OBX|1|CE|A^A^L||260373001^Detected^SCT^POS^Positive^L||||||F",
        "OBX|2|NM|B^B^L||-0.5~+3||||||F",
        "OBX|3|FT|C^C^L||line one\\.br\\line two \\T\\ more||||||F",
        "OBX|4|SN|D^D^L||>^100||||||F",
        "OBX|5|ST|E^E^L||||||||F",
    ]));
    let results = received.outcome.unwrap();
    let ObservationValue::Coded(c) = &results[0].values[0] else {
        panic!("{:?}", results[0].values)
    };
    assert_eq!(
        (
            c.id.as_str(),
            c.text.as_str(),
            c.system.as_str(),
            c.alternate_id.as_str(),
            c.alternate_text.as_str(),
            c.alternate_system.as_str()
        ),
        ("260373001", "Detected", "SCT", "POS", "Positive", "L")
    );
    assert_eq!(
        results[1].values,
        [
            ObservationValue::Number("-0.5".into()),
            ObservationValue::Number("+3".into())
        ]
    );
    assert_eq!(
        results[2].values,
        [ObservationValue::Text("line one\nline two & more".into())]
    );
    let ObservationValue::Other(parts) = &results[3].values[0] else {
        panic!("{:?}", results[3].values)
    };
    let parts: Vec<&str> = parts.iter().map(|c| c.text()).collect();
    assert_eq!(parts, [">", "100"]);
    assert!(results[4].values.is_empty());
}

/// A problem's ACK code, ERR-3 number and ERR-2.
fn problem_of(received: &Received) -> (AckCode, u16, String) {
    let p: &Problem = received.outcome.as_ref().unwrap_err();
    let at = p.location.as_ref().map_or(String::new(), |l| {
        format!(
            "{}^{}{}",
            l.segment,
            l.sequence,
            l.field.map_or(String::new(), |f| format!("^{f}"))
        )
    });
    (p.ack, p.code.number(), at)
}

fn msh_with(field: usize, value: &str) -> String {
    let mut fields: Vec<String> = MSH.split('|').map(String::from).collect();
    // fields[0] is "MSH", fields[1] MSH-2, … fields[n - 1] MSH-n.
    while fields.len() < field {
        fields.push(String::new());
    }
    fields[field - 1] = value.into();
    fields.join("|")
}

/// What is wrong, the message, and the ACK code, ERR-3 and ERR-2 it gets.
type FlawRow = (&'static str, Vec<String>, (AckCode, u16, &'static str));

#[test]
fn each_flaw_gives_its_ack_code_and_error_code() {
    use AckCode::{Error as AE, Reject as AR};
    let rows: Vec<FlawRow> = vec![
        // AR: what the message is, not what it says.
        (
            "not an ORU",
            vec![msh_with(9, "ADT^A01^ADT_A01")],
            (AR, 200, "MSH^1^9"),
        ),
        (
            "not R01",
            vec![msh_with(9, "ORU^R30")],
            (AR, 201, "MSH^1^9"),
        ),
        ("no MSH-9", vec![msh_with(9, "")], (AR, 101, "MSH^1^9")),
        ("no MSH-10", vec![msh_with(10, "")], (AR, 101, "MSH^1^10")),
        ("no MSH-11", vec![msh_with(11, "")], (AR, 101, "MSH^1^11")),
        ("training", vec![msh_with(11, "T")], (AR, 202, "MSH^1^11")),
        ("no MSH-12", vec![msh_with(12, "")], (AR, 101, "MSH^1^12")),
        (
            "version 2.3.1",
            vec![msh_with(12, "2.3.1")],
            (AR, 203, "MSH^1^12"),
        ),
        (
            "unknown charset",
            vec![msh_with(18, "8859/1")],
            (AR, 103, "MSH^1^18"),
        ),
        (
            "mixed charsets",
            vec![msh_with(18, "UNICODE UTF-8~SJIS")],
            (AR, 103, "MSH^1^18"),
        ),
        (
            "no MSH",
            vec!["PID|1||P1".into(), OBR.into()],
            (AR, 100, "MSH^1"),
        ),
        (
            "bad separators",
            vec!["MSH|^~\\".into()],
            (AR, 102, "MSH^1^2"),
        ),
        // AE: an ORU^R01 that lacks what a result needs.
        ("no MSH-7", vec![msh_with(7, "")], (AE, 101, "MSH^1^7")),
        (
            "bad MSH-7",
            vec![msh_with(7, "2026-11-20")],
            (AE, 102, "MSH^1^7"),
        ),
        (
            "no OBR",
            vec![MSH.into(), "PID|1||P1".into()],
            (AE, 100, "OBR^1"),
        ),
        ("no OBX", vec![MSH.into(), OBR.into()], (AE, 100, "OBX^1")),
        (
            "OBX first",
            vec![MSH.into(), OBX.into(), OBR.into()],
            (AE, 100, "OBX^1"),
        ),
        (
            "SPM first",
            vec![MSH.into(), "SPM|1|X".into()],
            (AE, 100, "SPM^1"),
        ),
        (
            "no specimen id",
            vec![
                MSH.into(),
                OBR.into(),
                OBX.into(),
                "OBR|2".into(),
                OBX.into(),
            ],
            (AE, 101, "OBR^2^3"),
        ),
        (
            "no OBX-3",
            vec![MSH.into(), OBR.into(), "OBX|1|NM|||1||||||F".into()],
            (AE, 101, "OBX^1^3"),
        ),
        (
            "no OBX-11",
            vec![MSH.into(), OBR.into(), OBX.into(), "OBX|2|NM|N2||1".into()],
            (AE, 101, "OBX^2^11"),
        ),
        (
            "OBX-11 not in table 0085",
            vec![MSH.into(), OBR.into(), "OBX|1|NM|N1||1||||||Z".into()],
            (AE, 103, "OBX^1^11"),
        ),
        (
            "no OBX-2 for a value",
            vec![MSH.into(), OBR.into(), "OBX|1||N1||1||||||F".into()],
            (AE, 101, "OBX^1^2"),
        ),
        (
            "OBX-2 not in table 0125",
            vec![MSH.into(), OBR.into(), "OBX|1|XX|N1||1||||||F".into()],
            (AE, 103, "OBX^1^2"),
        ),
        (
            "NM not a number",
            vec![MSH.into(), OBR.into(), "OBX|1|NM|N1||24,1||||||F".into()],
            (AE, 102, "OBX^1^5"),
        ),
        (
            "bad OBX-14",
            vec![
                MSH.into(),
                OBR.into(),
                "OBX|1|NM|N1||1||||||F|||2026112".into(),
            ],
            (AE, 102, "OBX^1^14"),
        ),
        (
            "bad OBR-7",
            vec![MSH.into(), "OBR|1|P|F|X|||yesterday".into(), OBX.into()],
            (AE, 102, "OBR^1^7"),
        ),
    ];
    for (what, segments, (code, number, at)) in rows {
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let received = read(&message(&segments));
        assert_eq!(
            problem_of(&received),
            (code, number, at.to_string()),
            "{what}: {received:?}"
        );
        assert_eq!(received.ack_code(), code, "{what}");
    }
}

#[test]
fn a_message_that_is_not_valid_in_its_charset_is_answered_ae_in_that_charset() {
    let mut bytes = msh_with(18, "SHIFT_JIS").into_bytes();
    bytes.extend_from_slice(b"\rPID|1||P1||\x95");
    let received = read(&bytes);
    assert_eq!(problem_of(&received), (AckCode::Error, 102, "MSH^1".into()));
    assert_eq!(received.header.as_ref().unwrap().charset, Charset::ShiftJis);
    assert_eq!(received.header.as_ref().unwrap().control_id, "C1");
    assert_eq!(
        ack_text(&received),
        "MSH|^~\\&|KENTAI|CLINIC|AN|LAB|20261120153215||ACK^R01^ACK|K-1|P|2.5.1||||||SHIFT_JIS\r\
         MSA|AE|C1\r\
         ERR||MSH^1|102^Data type error^HL70357|E||||the message is not valid Shift_JIS text\r"
    );
}

#[test]
fn an_accepted_message_is_answered_aa_without_err() {
    let received = read(&message(&[MSH, OBR, OBX]));
    assert_eq!(received.ack_code(), AckCode::Accept);
    assert_eq!(
        ack_text(&received),
        "MSH|^~\\&|KENTAI|CLINIC|AN|LAB|20261120153215||ACK^R01^ACK|K-1|P|2.5.1\r\
         MSA|AA|C1\r"
    );
}

#[test]
fn a_content_error_is_answered_ae_with_err_naming_the_field() {
    let received = read(&message(&[MSH, OBR, "OBX|1|NM|N1||24,1||||||F"]));
    assert_eq!(
        ack_text(&received),
        "MSH|^~\\&|KENTAI|CLINIC|AN|LAB|20261120153215||ACK^R01^ACK|K-1|P|2.5.1\r\
         MSA|AE|C1\r\
         ERR||OBX^1^5|102^Data type error^HL70357|E||||OBX-5 \"24,1\" in OBX 1 is not a number (NM)\r"
    );
}

#[test]
fn an_unsupported_message_is_answered_ar_with_its_own_event() {
    let received = read(&message(&[&msh_with(9, "ADT^A01^ADT_A01")]));
    assert_eq!(
        ack_text(&received),
        "MSH|^~\\&|KENTAI|CLINIC|AN|LAB|20261120153215||ACK^A01^ACK|K-1|P|2.5.1\r\
         MSA|AR|C1\r\
         ERR||MSH^1^9|200^Unsupported message type^HL70357|E||||kentai takes ORU\\S\\R01 results, not ADT\r"
    );
    let received = read(&message(&[&msh_with(12, "2.3.1")]));
    assert!(ack_text(&received).ends_with(
        "MSA|AR|C1\rERR||MSH^1^12|203^Unsupported version id^HL70357|E||||HL7 version 2.3.1 is not 2.5 or 2.5.1\r"
    ));
}

#[test]
fn an_unknown_charset_is_answered_ar_with_the_header_read_as_ascii() {
    let received = read(&message(&[&msh_with(18, "8859/1"), OBR, OBX]));
    assert_eq!(
        ack_text(&received),
        "MSH|^~\\&|KENTAI|CLINIC|AN|LAB|20261120153215||ACK^R01^ACK|K-1|P|2.5.1\r\
         MSA|AR|C1\r\
         ERR||MSH^1^18|103^Table value not found^HL70357|E||||unknown character set \"8859/1\" in MSH-18\r"
    );
}

#[test]
fn a_message_without_msh_is_answered_ar_to_nobody() {
    let received = read(b"PID|1||P1\rOBR|1");
    assert!(received.header.is_none());
    assert_eq!(
        ack_text(&received),
        "MSH|^~\\&|KENTAI|CLINIC|||20261120153215||ACK^R01^ACK|K-1|P|2.5.1\r\
         MSA|AR|\r\
         ERR||MSH^1|100^Segment sequence error^HL70357|E||||the message does not start with an MSH segment\r"
    );
}

#[test]
fn an_internal_failure_is_answered_ae_207() {
    let received = Received {
        outcome: Err(Problem::internal("the journal cannot be written")),
        ..read(&message(&[MSH, OBR, OBX]))
    };
    assert_eq!(received.ack_code(), AckCode::Error);
    assert_eq!(
        received.outcome.as_ref().unwrap_err().code,
        ErrorCode::ApplicationInternal
    );
    assert!(ack_text(&received).ends_with(
        "MSA|AE|C1\rERR|||207^Application internal error^HL70357|E||||the journal cannot be written\r"
    ));
}

#[test]
fn separators_in_what_the_ack_echoes_are_escaped() {
    let msh = "MSH#*@!%#A|B*X#F^AC#K#C#20261120##ORU*R01#C|1#P#2.5.1";
    let received = read(&message(&[msh, "OBR#1#P", "OBX#1#NM#N1##1######F"]));
    assert!(received.outcome.is_ok(), "{received:?}");
    assert_eq!(
        ack(&received, "CL|IN^IC", "20261120153215", "K~1"),
        b"MSH|^~\\&|KENTAI|CL\\F\\IN\\S\\IC|A\\F\\B^X|F\\S\\AC|20261120153215||ACK^R01^ACK|K\\R\\1|P|2.5.1\r\
          MSA|AA|C\\F\\1\r"
    );
}

#[test]
fn a_batch_acknowledges_each_message_on_its_own() {
    let bad = msh_with(12, "2.3.1").replace("|C1|", "|C2|");
    let sjis = msh_with(18, "SJIS").replace("|C1|", "|C3|");
    let mut bytes = message(&[
        "BHS|^~\\&|AN|LAB|||20261120153211||||B-9",
        MSH,
        OBR,
        OBX,
        &bad,
    ]);
    bytes.push(b'\r');
    bytes.extend_from_slice(sjis.as_bytes());
    bytes.extend_from_slice(b"\rOBR|1|P|\x95\x5c\rOBX|1|NM|N1||1||||||F\rBTS|3\r");
    let block = read_block(&bytes);
    assert!(block.file.is_none());
    assert_eq!(block.batch.as_ref().unwrap().control_id, "B-9");
    let codes: Vec<AckCode> = block.messages.iter().map(Received::ack_code).collect();
    assert_eq!(codes, [AckCode::Accept, AckCode::Reject, AckCode::Accept]);
    assert_eq!(
        block.messages[2].outcome.as_ref().unwrap()[0].specimen_id,
        "表"
    );
    let mut n = 0;
    let reply = answer(&block, "CLINIC", "20261120153215", &mut || {
        n += 1;
        format!("K-{n}")
    });
    let mut want = b"BHS|^~\\&|KENTAI|CLINIC|AN|LAB|20261120153215||||K-1|B-9\r\
        MSH|^~\\&|KENTAI|CLINIC|AN|LAB|20261120153215||ACK^R01^ACK|K-2|P|2.5.1\r\
        MSA|AA|C1\r\
        MSH|^~\\&|KENTAI|CLINIC|AN|LAB|20261120153215||ACK^R01^ACK|K-3|P|2.5.1\r\
        MSA|AR|C2\r\
        ERR||MSH^1^12|203^Unsupported version id^HL70357|E||||HL7 version 2.3.1 is not 2.5 or 2.5.1\r\
        MSH|^~\\&|KENTAI|CLINIC|AN|LAB|20261120153215||ACK^R01^ACK|K-4|P|2.5.1||||||SJIS\r\
        MSA|AA|C3\r"
        .to_vec();
    want.extend_from_slice(b"BTS|3\r");
    assert_eq!(
        String::from_utf8_lossy(&reply),
        String::from_utf8_lossy(&want)
    );
}

#[test]
fn several_messages_without_a_batch_header_get_their_acks_one_after_the_other() {
    let second = MSH.replace("|C1|", "|C2|");
    let block = read_block(&message(&[MSH, OBR, OBX, &second, OBR, OBX]));
    assert!(!block.is_batch());
    let reply = answer(&block, "CLINIC", "20261120153215", &mut || "K".into());
    let text = String::from_utf8(reply).unwrap();
    assert!(!text.contains("BHS") && !text.contains("BTS"));
    assert_eq!(text.matches("MSA|AA|").count(), 2);
    assert!(text.contains("MSA|AA|C1\r") && text.contains("MSA|AA|C2\r"));
}

#[test]
fn a_block_of_nothing_is_answered_ar() {
    let block = read_block(b"\r\n\r");
    assert_eq!(block.messages.len(), 1);
    assert_eq!(block.messages[0].ack_code(), AckCode::Reject);
    let reply = answer(&block, "CLINIC", "20261120153215", &mut || "K".into());
    assert!(String::from_utf8(reply).unwrap().contains("MSA|AR|\r"));
}

#[test]
fn a_file_header_without_bhs_is_still_answered_with_a_batch() {
    let block = read_block(&message(&[
        "FHS|^~\\&|AN|LAB|||||||F-1",
        MSH,
        OBR,
        OBX,
        "FTS|1",
    ]));
    let reply = answer(&block, "CLINIC", "20261120153215", &mut || "K".into());
    let text = String::from_utf8(reply).unwrap();
    let ids: Vec<&str> = text.split('\r').map(|l| l.get(..3).unwrap_or(l)).collect();
    assert_eq!(ids, ["FHS", "BHS", "MSH", "MSA", "BTS", "FTS", ""]);
    assert!(text.starts_with("FHS|^~\\&|KENTAI|CLINIC|AN|LAB|20261120153215||||K|F-1\r"));
    assert!(text.contains("\rBHS|^~\\&|KENTAI|CLINIC|||20261120153215||||K|\r"));
}
