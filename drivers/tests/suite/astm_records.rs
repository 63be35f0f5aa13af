//! The ASTM record layer (`kentai_drivers::astm::records`): delimiters,
//! escapes, each record type, comments, sequence numbers, Shift_JIS, the
//! errors, the messages in `fixtures/astm/` read to their exact results,
//! and no panic on any bytes.

use super::noise::Noise;
use kentai_drivers::astm::records::{
    parse_message, AstmDateTime, AstmResult, CommentRecord, Delimiters, Instrument, Message,
    RecordError, ResultStatus, TextEncoding, TimeOfDay, Timestamp, UniversalTestId,
};
use std::path::PathBuf;

fn fixture(name: &str) -> Vec<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/astm")
        .join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(bytes.last(), Some(&b'\r'), "{name} ends with CR");
    bytes
        .split(|&b| b == b'\r')
        .filter(|r| !r.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn records(lines: &[&str]) -> Vec<Vec<u8>> {
    lines.iter().map(|l| l.as_bytes().to_vec()).collect()
}

fn parse(lines: &[&str]) -> Result<Message, RecordError> {
    parse_message(&records(lines), TextEncoding::Utf8)
}

fn ok(lines: &[&str]) -> Message {
    parse(lines).unwrap_or_else(|e| panic!("{e}"))
}

const H: &str = "H|\\^&|||Analyser^1.0^SN-1|||||KENTAI||P|LIS2-A2|20261207093000";
const L: &str = "L|1|N";

fn texts(comments: &[CommentRecord]) -> Vec<String> {
    comments.iter().map(|c| c.text.join("^")).collect()
}

/// A result on one line, every field of it: what the fixtures are
/// compared against.
fn line(r: &AstmResult) -> String {
    format!(
        "{} {} [{}] code={} value={} ({}) units={} range={} flags={} status={} instrument={}/{} completed={} comments={:?}",
        r.record,
        r.specimen_id,
        r.test.components.join("^"),
        r.test_code,
        r.value,
        r.value_components.join("^"),
        r.units,
        r.reference_range,
        r.flags.join(","),
        r.status.as_ref().map_or("-", ResultStatus::code),
        r.instrument.name,
        r.instrument.serial,
        r.completed_at.as_ref().map_or("-", |t| t.raw.as_str()),
        texts(&r.comments),
    )
}

#[test]
fn the_cartridge_pcr_fixture_reads_to_its_exact_results() {
    let message = parse_message(&fixture("cartridge-pcr.astm"), TextEncoding::Utf8).unwrap();
    let header = &message.header;
    assert_eq!(header.delimiters, Delimiters::STANDARD);
    assert_eq!(header.sender.name, "RapidPCR");
    assert_eq!(header.sender.version, "4.2.1");
    assert_eq!(header.sender.serial, "RP4-000123");
    assert_eq!(header.receiver_id, "KENTAI");
    assert_eq!(header.processing_id, "P");
    assert_eq!(header.version, "LIS2-A2");
    assert_eq!(header.sent_at.as_ref().unwrap().raw, "20261207093000");
    assert_eq!(message.terminator.code, "N");
    assert_eq!(message.patients.len(), 4);
    assert_eq!(
        texts(&message.patients[1].comments),
        ["Contact of a positive case"]
    );
    let unknown = &message.patients[3].orders[0];
    assert_eq!(unknown.specimen_id, "R26-9998");
    assert_eq!(texts(&unknown.comments), ["Specimen id entered by hand"]);
    assert_eq!(unknown.collected_at.as_ref().unwrap().raw, "20261207083000");
    assert_eq!(unknown.action_code, "N");
    assert_eq!(unknown.report_type, "F");

    let got: Vec<String> = message.results().iter().map(line).collect();
    let rp4 = "RapidPCR/RP4-000123";
    let want = [
        format!("4 R26-0201 [^^^SARS2] code=SARS2 value=POS (POS) units= range= flags=A status=F instrument={rp4} completed=20261207092812 comments=[\"SARS-CoV-2 RNA detected\\r\\nReport to the health centre\"]"),
        format!("6 R26-0201 [^^^SARS2^N1^Ct] code=SARS2 value=24.1 (24.1) units=cycles range= flags= status=F instrument={rp4} completed=20261207092812 comments=[]"),
        format!("7 R26-0201 [^^^SARS2^N2^Ct] code=SARS2 value=25.3 (25.3) units=cycles range= flags= status=F instrument={rp4} completed=20261207092812 comments=[]"),
        format!("8 R26-0201 [^^^SARS2^RP^Ct] code=SARS2 value=27.0 (27.0) units=cycles range= flags= status=F instrument={rp4} completed=20261207092812 comments=[]"),
        format!("12 R26-0202 [^^^SARS2] code=SARS2 value=NEG (NEG) units= range= flags=N status=F instrument={rp4} completed=20261207092840 comments=[]"),
        format!("13 R26-0202 [^^^SARS2^RP^Ct] code=SARS2 value=26.4 (26.4) units=cycles range= flags= status=F instrument={rp4} completed=20261207092840 comments=[]"),
        "16 R26-0203 [^^^SARS2] code=SARS2 value=INVALID (INVALID) units= range= flags= status=F instrument=RP4-000123-M3/ completed=20261207093011 comments=[\"IC01^Internal control failed^ repeat the test\", \"Cartridge lot 24117|B\"]".to_string(),
        format!("22 R26-9998 [^^^SARS2] code=SARS2 value=NEG (NEG) units= range= flags=N status=F instrument={rp4} completed=20261207093025 comments=[]"),
    ];
    assert_eq!(got, want);

    // One result whole, parsed date and comment records included.
    let first = &message.results()[0];
    assert_eq!(
        first.completed_at,
        Some(Timestamp {
            raw: "20261207092812".into(),
            parsed: Some(AstmDateTime {
                year: 2026,
                month: 12,
                day: 7,
                time: Some(TimeOfDay {
                    hour: 9,
                    minute: 28,
                    second: 12
                }),
            }),
        })
    );
    assert_eq!(first.comments[0].record, 5);
    assert_eq!(first.comments[0].source, "I");
    assert_eq!(first.comments[0].kind, "G");
    let result = &message.patients[0].orders[0].results[0];
    assert_eq!(result.operator, "lab01");
    assert_eq!(result.started_at.as_ref().unwrap().raw, "20261207085102");
}

#[test]
fn the_shift_jis_antigen_fixture_reads_names_whose_bytes_hold_delimiters() {
    let message =
        parse_message(&fixture("antigen-reader-sjis.astm"), TextEncoding::ShiftJis).unwrap();
    let names: Vec<(Vec<String>, String)> = message
        .patients
        .iter()
        .map(|p| (p.name.clone(), p.full_name()))
        .collect();
    let owned = |a: &str, b: &str| vec![a.to_string(), b.to_string()];
    assert_eq!(
        names,
        [
            (owned("表", "聡太"), "表 聡太".to_string()),
            (owned("スミス", "ポール"), "スミス ポール".to_string()),
            (owned("能登", "十和子"), "能登 十和子".to_string()),
            (vec![], String::new()),
        ]
    );
    assert_eq!(message.others.len(), 1);
    let m = &message.others[0];
    assert_eq!((m.record, m.kind), (2, 'M'));
    assert_eq!(m.fields.field(3).components(), ["AGR", "CAL"]);
    assert_eq!(texts(&m.comments), ["Calibration lot 24A117"]);
    assert!(message.header.comments.is_empty());

    let got: Vec<String> = message.results().iter().map(line).collect();
    let ag = "AGR-200/AG2-10057";
    let want = [
        format!("6 R26-0301 [^^^COVAG^^COI] code=COVAG value=12.40 (12.40^POS) units=COI range=<1.00 flags=A status=F instrument={ag} completed=20261207101530 comments=[]"),
        format!("9 R26-0302 [^^^COVAG^^COI] code=COVAG value=0.21 (0.21^NEG) units=COI range=<1.00 flags=N status=F instrument={ag} completed=20261207102015 comments=[]"),
        format!("12 R26-0303 [^^^COVAG^^COI] code=COVAG value= () units=COI range=<1.00 flags= status=X instrument={ag} completed=20261207103012 comments=[\"E21^Control line not detected\"]"),
        format!("16 R26-9999 [^^^COVAG^^COI] code=COVAG value=0.35 (0.35^NEG) units=COI range=<1.00 flags=N status=F instrument={ag} completed=20261207104022 comments=[]"),
    ];
    assert_eq!(got, want);
    assert_eq!(
        message.results()[2].status,
        Some(ResultStatus::CannotBeDone)
    );
    assert_eq!(message.results()[0].test.extra(), ["", "COI"]);
}

#[test]
fn the_shift_jis_fixture_read_as_utf8_loses_the_names_but_not_the_results() {
    let message = parse_message(&fixture("antigen-reader-sjis.astm"), TextEncoding::Utf8).unwrap();
    assert!(message.patients[0].full_name().contains('\u{FFFD}'));
    let specimens: Vec<String> = message
        .results()
        .into_iter()
        .map(|r| r.specimen_id)
        .collect();
    assert_eq!(specimens, ["R26-0301", "R26-0302", "R26-0303", "R26-9999"]);
}

#[test]
fn the_custom_delimiter_fixture_reads_with_the_header_s_delimiters() {
    let message = parse_message(
        &fixture("cartridge-pcr-custom-delimiters.astm"),
        TextEncoding::Utf8,
    )
    .unwrap();
    assert_eq!(
        message.header.delimiters,
        Delimiters {
            field: '|',
            repeat: '@',
            component: '^',
            escape: '\\'
        }
    );
    let order = &message.patients[0].orders[0];
    let tests: Vec<&str> = order.tests.iter().map(UniversalTestId::code).collect();
    assert_eq!(tests, ["SARS2", "FLUAB"]);
    let got: Vec<String> = message.results().iter().map(line).collect();
    let i = "RapidPCR/RP4-000456";
    let want = [
        format!("4 R26-0401 [^^^SARS2] code=SARS2 value=NEG (NEG) units= range= flags=N status=F instrument={i} completed=20261208133000 comments=[]"),
        format!("5 R26-0401 [^^^FLUAB^FLUA] code=FLUAB value=POS (POS) units= range= flags=A status=F instrument={i} completed=20261208133000 comments=[\"Influenza A detected ^ subtype not tested\"]"),
        format!("7 R26-0401 [^^^FLUAB^FLUB] code=FLUAB value=NEG (NEG) units= range= flags=N status=F instrument={i} completed=20261208133000 comments=[]"),
    ];
    assert_eq!(got, want);
}

#[test]
fn the_query_fixture_keeps_each_starting_range_id() {
    let message = parse_message(&fixture("query.astm"), TextEncoding::Utf8).unwrap();
    assert!(message.patients.is_empty());
    assert!(message.results().is_empty());
    let asked: Vec<(usize, &str, &str, &str)> = message
        .queries
        .iter()
        .map(|q| {
            (
                q.record,
                q.specimen_id(),
                q.tests[0].code(),
                q.status.as_str(),
            )
        })
        .collect();
    assert_eq!(
        asked,
        [(2, "R26-0201", "ALL", "O"), (3, "R26-0202", "ALL", "O")]
    );
    assert_eq!(message.queries[0].starting_range, ["", "R26-0201"]);
}

#[test]
fn custom_delimiters_split_every_record_and_standard_ones_become_text() {
    let message = ok(&[
        "H!@#$!!!Box#2.0#S-9",
        "P!1!PT|1^x",
        "O!1!R26-0001#A!!###FLU@###SARS2",
        "R!1!###FLU#A!1.5#POS!U|L!!H@L!!F",
        "C!1!I!a$F$b$S$c$R$d$E$e",
        "L!1!N",
    ]);
    let h = &message.header;
    assert_eq!(
        h.delimiters,
        Delimiters {
            field: '!',
            repeat: '@',
            component: '#',
            escape: '$'
        }
    );
    assert_eq!(
        (h.sender.name.as_str(), h.sender.serial.as_str()),
        ("Box", "S-9")
    );
    let patient = &message.patients[0];
    assert_eq!(patient.practice_id, "PT|1^x");
    let order = &patient.orders[0];
    assert_eq!(order.specimen_id, "R26-0001");
    assert_eq!(order.fields.field(3).components(), ["R26-0001", "A"]);
    assert_eq!(order.tests.len(), 2);
    let r = &message.results()[0];
    assert_eq!(r.test_code, "FLU");
    assert_eq!(r.test.extra(), ["A"]);
    assert_eq!(r.value_components, ["1.5", "POS"]);
    assert_eq!(r.units, "U|L");
    assert_eq!(r.flags, ["H", "L"]);
    assert_eq!(texts(&r.comments), ["a!b#c@d$e"]);
}

#[test]
fn escapes_in_fields_decode_and_never_split_a_field() {
    let message = ok(&[
        H,
        "P|1|A&F&B|&S&|&R&x|&E&y&X41&|z&H&w&N&",
        "O|1|R26-0001",
        "R|1|^^^T|v&F&1|&X3C&1|ok&Zq&|&XG1&",
        L,
    ]);
    let fields = &message.patients[0].fields;
    assert_eq!(fields.field(3).text(), "A|B");
    assert_eq!(fields.field(4).text(), "^");
    assert_eq!(fields.field(4).components().len(), 1);
    assert_eq!(fields.field(5).text(), "\\x");
    assert_eq!(fields.field(5).repeats().len(), 1);
    assert_eq!(fields.field(6).text(), "&yA");
    assert_eq!(fields.field(7).text(), "z&H&w&N&");
    assert_eq!(fields.len(), 7);
    let r = &message.results()[0];
    assert_eq!(r.value, "v|1");
    assert_eq!(r.units, "<1");
    assert_eq!(r.reference_range, "ok&Zq&");
    assert_eq!(r.flags, ["&XG1&"]);
}

#[test]
fn a_hex_escape_in_a_shift_jis_message_is_read_as_shift_jis() {
    // 検体 in Shift_JIS is 8C 9F 91 CC.
    let records = records(&[H, "P|1||||&X8C9F91CC&", "O|1|R26-0001", L]);
    let sjis = parse_message(&records, TextEncoding::ShiftJis).unwrap();
    assert_eq!(sjis.patients[0].name, ["検体"]);
    let utf8 = parse_message(&records, TextEncoding::Utf8).unwrap();
    assert_ne!(utf8.patients[0].name, ["検体"]);
}

#[test]
fn a_shift_jis_name_with_a_backslash_byte_is_not_split_as_a_repeat() {
    // ソ is 83 5C: its second byte is the repeat delimiter.
    let mut name = b"P|1|PT-1|||".to_vec();
    name.extend_from_slice(&[0x83, 0x5C, 0x83, 0x4E, b'^', 0x8E, 0x52]);
    let records = vec![H.as_bytes().to_vec(), name, b"L|1|N".to_vec()];
    let message = parse_message(&records, TextEncoding::ShiftJis).unwrap();
    let field = message.patients[0].fields.field(6);
    assert_eq!(field.repeats().len(), 1);
    assert_eq!(message.patients[0].name, ["ソク", "山"]);
    let as_utf8 = parse_message(&records, TextEncoding::Utf8).unwrap();
    assert_eq!(as_utf8.patients[0].fields.field(6).repeats().len(), 2);
}

#[test]
fn the_header_s_fields_are_read_by_their_numbers() {
    let message = ok(&[
        "H|\\^&|MSG-7|pw|Reader^3.1^SN-42^extra|addr||tel|chars|LIS-1|note|T|1394-97|20261207",
        L,
    ]);
    let h = &message.header;
    assert_eq!(h.message_control_id, "MSG-7");
    assert_eq!(h.sender.components, ["Reader", "3.1", "SN-42", "extra"]);
    assert_eq!(h.receiver_id, "LIS-1");
    assert_eq!(h.processing_id, "T");
    assert_eq!(h.version, "1394-97");
    let sent = h.sent_at.as_ref().unwrap();
    assert_eq!(sent.parsed.unwrap().time, None);
    assert_eq!(h.fields.field(1).text(), "H");
    // H.2 is the delimiter definition whole, the field delimiter included.
    assert_eq!(h.fields.field(2).text(), "|\\^&");
    assert_eq!(h.fields.field(4).text(), "pw");
    assert_eq!(h.fields.field(15).text(), "");
    assert!(message.patients.is_empty() && message.queries.is_empty());
    assert_eq!(message.terminator.record, 2);
}

#[test]
fn a_header_with_only_its_delimiters_and_a_bare_terminator_make_a_message() {
    let message = ok(&["H|\\^&", "L|1"]);
    assert_eq!(message.header.sender.name, "");
    assert_eq!(message.header.sent_at, None);
    assert_eq!(message.header.fields.len(), 2);
    assert_eq!(message.terminator.code, "");
    let bare = ok(&["H|\\^&|", "L"]);
    assert_eq!(bare.terminator.sequence, "");
}

#[test]
fn patient_order_and_result_fields_are_read_by_their_numbers() {
    let message = ok(&[
        H,
        "P|1|PT-1|LAB-9||Yamada^Taro^^^Mr",
        "O|1|R26-0001^rack 3|INS-77|^^^SARS2\\^^^FLU|R||20261207081500||||A||||||||||||||P",
        "R|1|^^^SARS2^N1^1:10|31.2^weak|Ct|0-40|A\\H|N|P||op7|20261207090000|2026120709|ANA-2",
        L,
    ]);
    let p = &message.patients[0];
    assert_eq!((p.record, p.sequence), (2, 1));
    assert_eq!(p.practice_id, "PT-1");
    assert_eq!(p.laboratory_id, "LAB-9");
    assert_eq!(p.name, ["Yamada", "Taro", "", "", "Mr"]);
    assert_eq!(p.full_name(), "Yamada Taro Mr");
    let o = &p.orders[0];
    assert_eq!((o.record, o.sequence), (3, 1));
    assert_eq!(o.specimen_id, "R26-0001");
    assert_eq!(o.instrument_specimen_id, "INS-77");
    let codes: Vec<&str> = o.tests.iter().map(UniversalTestId::code).collect();
    assert_eq!(codes, ["SARS2", "FLU"]);
    assert_eq!(o.collected_at.as_ref().unwrap().raw, "20261207081500");
    assert_eq!(o.action_code, "A");
    assert_eq!(o.report_type, "P");
    let r = &o.results[0];
    assert_eq!((r.record, r.sequence), (4, 1));
    assert_eq!(r.test.code(), "SARS2");
    assert_eq!(r.test.extra(), ["N1", "1:10"]);
    assert_eq!(r.value, ["31.2", "weak"]);
    assert_eq!(r.units, "Ct");
    assert_eq!(r.reference_range, "0-40");
    assert_eq!(r.flags, ["A", "H"]);
    assert_eq!(r.status, Some(ResultStatus::Preliminary));
    assert_eq!(r.operator, "op7");
    assert_eq!(r.started_at.as_ref().unwrap().raw, "20261207090000");
    // Ten digits is no date form of the standard: kept, not read.
    let done = r.completed_at.as_ref().unwrap();
    assert_eq!((done.raw.as_str(), done.parsed), ("2026120709", None));
    assert_eq!(r.instrument, "ANA-2");
    let flat = &message.results()[0];
    assert_eq!(
        flat.instrument,
        Instrument {
            name: "ANA-2".into(),
            serial: String::new()
        }
    );
}

#[test]
fn a_result_without_r14_is_credited_to_the_header_s_sender() {
    let message = ok(&[H, "P|1", "O|1|R26-0001", "R|1|^^^T|1", L]);
    let r = &message.results()[0];
    assert_eq!(
        r.instrument,
        Instrument {
            name: "Analyser".into(),
            serial: "SN-1".into()
        }
    );
    assert_eq!(r.status, None);
    assert_eq!(r.completed_at, None);
    assert_eq!(r.value, "1");
    assert!(r.flags.is_empty());
}

#[test]
fn an_empty_value_is_one_empty_component() {
    let message = ok(&[H, "P|1", "O|1|R26-0001", "R|1|^^^T||||||X", L]);
    let r = &message.results()[0];
    assert_eq!(r.value, "");
    assert_eq!(r.value_components, [""]);
    assert_eq!(r.status, Some(ResultStatus::CannotBeDone));
}

#[test]
fn manufacturer_and_scientific_records_are_kept_unread() {
    let message = ok(&[
        H,
        "M|1|VENDOR^X|a\\b",
        "P|1",
        "S|1|study",
        "C|1|I|on S|G",
        L,
    ]);
    let kinds: Vec<(usize, char)> = message.others.iter().map(|o| (o.record, o.kind)).collect();
    assert_eq!(kinds, [(2, 'M'), (4, 'S')]);
    assert_eq!(message.others[0].fields.field(4).repeats().len(), 2);
    assert_eq!(texts(&message.others[1].comments), ["on S"]);
    assert!(message.patients[0].comments.is_empty());
}

#[test]
fn comments_belong_to_the_record_before_them() {
    let message = ok(&[
        H,
        "C|1|L|on H",
        "P|1",
        "C|1|L|on P",
        "C|2|L|on P too",
        "O|1|R26-0001",
        "C|1|L|on O",
        "R|1|^^^A|1",
        "C|1|I|on R1",
        "R|2|^^^B|2",
        "C|1|I|on R2^line 2\\line 3",
        "C|2|I|on R2 too",
        "Q|1|^R26-0002",
        "C|1|L|on Q",
        L,
    ]);
    assert_eq!(texts(&message.header.comments), ["on H"]);
    let p = &message.patients[0];
    assert_eq!(texts(&p.comments), ["on P", "on P too"]);
    let o = &p.orders[0];
    assert_eq!(texts(&o.comments), ["on O"]);
    assert_eq!(texts(&o.results[0].comments), ["on R1"]);
    assert_eq!(
        texts(&o.results[1].comments),
        ["on R2^line 2^line 3", "on R2 too"]
    );
    assert_eq!(o.results[1].comments[0].text, ["on R2", "line 2", "line 3"]);
    assert_eq!(texts(&message.queries[0].comments), ["on Q"]);
    let flat = message.results();
    assert_eq!(texts(&flat[0].comments), ["on R1"]);
    assert_eq!(flat[1].comments.len(), 2);
    assert_eq!(flat[1].comments[1].record, 12);
    assert_eq!(flat[1].comments[1].sequence, "2");
}

#[test]
fn sequence_numbers_restart_under_each_parent() {
    let message = ok(&[
        H,
        "P|1",
        "O|1|A",
        "R|1|^^^T|1",
        "R|2|^^^T|2",
        "O|2|B",
        "R|1|^^^T|3",
        "P|2",
        "O|1|C",
        "R|1|^^^T|4",
        L,
    ]);
    let seen: Vec<(String, String)> = message
        .results()
        .into_iter()
        .map(|r| (r.specimen_id, r.value))
        .collect();
    let want: Vec<(String, String)> = [("A", "1"), ("A", "2"), ("B", "3"), ("C", "4")]
        .iter()
        .map(|(s, v)| (s.to_string(), v.to_string()))
        .collect();
    assert_eq!(seen, want);
}

#[test]
fn a_sequence_number_out_of_order_names_the_record() {
    let cases: [(&[&str], RecordError); 6] = [
        (
            &[H, "P|2", L],
            RecordError::Sequence {
                record: 2,
                kind: 'P',
                expected: 1,
                found: "2".into(),
            },
        ),
        (
            &[H, "P|1", "P|1", L],
            RecordError::Sequence {
                record: 3,
                kind: 'P',
                expected: 2,
                found: "1".into(),
            },
        ),
        (
            &[H, "P|1", "O|1|A", "P|2", "O|2|B", L],
            RecordError::Sequence {
                record: 5,
                kind: 'O',
                expected: 1,
                found: "2".into(),
            },
        ),
        (
            &[H, "P|1", "O|1|A", "R|1|^^^T", "R|3|^^^T", L],
            RecordError::Sequence {
                record: 5,
                kind: 'R',
                expected: 2,
                found: "3".into(),
            },
        ),
        (
            &[H, "P|one", L],
            RecordError::Sequence {
                record: 2,
                kind: 'P',
                expected: 1,
                found: "one".into(),
            },
        ),
        (
            &[H, "P|1", "O|+1|A", L],
            RecordError::Sequence {
                record: 3,
                kind: 'O',
                expected: 1,
                found: "+1".into(),
            },
        ),
    ];
    for (lines, want) in cases {
        assert_eq!(parse(lines).unwrap_err(), want, "{lines:?}");
    }
    let missing = parse(&[H, "P", L]).unwrap_err();
    assert_eq!(missing.record(), Some(2));
    assert_eq!(
        missing.to_string(),
        "record 2 (P) has sequence number \"\" where 1 is due"
    );
}

#[test]
fn a_broken_message_is_a_typed_error_naming_its_record() {
    let cases: [(&[&str], RecordError, &str); 13] = [
        (&[], RecordError::NoRecords, "the message holds no records"),
        (
            &["P|1", L],
            RecordError::MissingHeader {
                record: 1,
                found: "P|1".into(),
            },
            "record 1 starts with \"P|1\", not with the header (H) a message starts with",
        ),
        (
            &["H|\\^", L],
            RecordError::BadDelimiters {
                record: 1,
                problem: "the header declares fewer than four delimiters: \"H|\\\\^\"".into(),
            },
            "record 1 (H) declares no usable delimiters: the header declares fewer than four delimiters: \"H|\\\\^\"",
        ),
        (
            &[H, "P|1", H, L],
            RecordError::SecondHeader { record: 3 },
            "record 3 is a second header (H) before the terminator (L)",
        ),
        (
            &[H, "", L],
            RecordError::EmptyRecord { record: 2 },
            "record 2 is empty",
        ),
        (
            &[H, "X|1", L],
            RecordError::UnknownType {
                record: 2,
                found: "X".into(),
            },
            "record 2 does not start with a known record type: \"X\"",
        ),
        (
            &[H, "p|1", L],
            RecordError::UnknownType {
                record: 2,
                found: "p".into(),
            },
            "record 2 does not start with a known record type: \"p\"",
        ),
        (
            &[H, "O|1|A", L],
            RecordError::OrderWithoutPatient { record: 2 },
            "record 2 is an order (O) with no patient (P) before it",
        ),
        (
            &[H, "P|1", "R|1|^^^T", L],
            RecordError::ResultWithoutOrder { record: 3 },
            "record 3 is a result (R) with no order (O) before it",
        ),
        (
            &[H, "P|1", "O|1|A", "P|2", "R|1|^^^T", L],
            RecordError::ResultWithoutOrder { record: 5 },
            "record 5 is a result (R) with no order (O) before it",
        ),
        (
            &[H, "P|1", "O|1|A"],
            RecordError::MissingTerminator { last: 3 },
            "the message ends at record 3 without a terminator (L)",
        ),
        (
            &[H, "P|1", "L|1|T"],
            RecordError::Aborted {
                record: 3,
                code: "T".into(),
            },
            "record 3 (L) ends the message with termination code \"T\" (sender aborted): the message is incomplete",
        ),
        (
            &[H, L, "P|1"],
            RecordError::AfterTerminator { record: 3 },
            "record 3 follows the terminator (L)",
        ),
    ];
    for (lines, want, text) in cases {
        let got = parse(lines).unwrap_err();
        assert_eq!(got, want, "{lines:?}");
        assert_eq!(got.to_string(), text);
    }
    assert_eq!(RecordError::NoRecords.record(), None);
}

#[test]
fn every_termination_code_but_n_aborts_the_message() {
    for code in ["T", "R", "E", "Q", "I", "F", "n", "X"] {
        let end = format!("L|1|{code}");
        let got = parse(&[H, &end]).unwrap_err();
        assert_eq!(
            got,
            RecordError::Aborted {
                record: 2,
                code: code.into()
            }
        );
    }
    assert_eq!(ok(&[H, "L|1|N"]).terminator.code, "N");
}

#[test]
fn bad_delimiter_definitions_are_refused() {
    for header in ["H", "H|\\^|", "H|\\^a", "H|\\^&x|", "H|| ^&", "HEADER"] {
        let got = parse(&[header, L]).unwrap_err();
        assert!(
            matches!(got, RecordError::BadDelimiters { record: 1, .. }),
            "{header:?}: {got:?}"
        );
    }
}

#[test]
fn a_trailing_cr_left_on_a_record_is_dropped() {
    let records = vec![
        format!("{H}\r").into_bytes(),
        b"P|1\r".to_vec(),
        b"O|1|R26-0001\r".to_vec(),
        b"R|1|^^^T|POS\r".to_vec(),
        b"L|1|N\r".to_vec(),
    ];
    let message = parse_message(&records, TextEncoding::Utf8).unwrap();
    assert_eq!(
        message.header.sent_at.as_ref().unwrap().raw,
        "20261207093000"
    );
    assert_eq!(message.results()[0].value, "POS");
    assert_eq!(message.terminator.code, "N");
}

/// Checks what holds of any outcome: errors name a record of the input,
/// a message's results are its R records. True for a message.
fn check(records: &[Vec<u8>], encoding: TextEncoding) -> bool {
    match parse_message(records, encoding) {
        Ok(message) => {
            let results = message.results();
            let r_records = message
                .patients
                .iter()
                .flat_map(|p| &p.orders)
                .map(|o| o.results.len())
                .sum::<usize>();
            assert_eq!(results.len(), r_records);
            for r in &results {
                assert!(r.record >= 3 && r.record < records.len());
            }
            assert_eq!(message.terminator.record, records.len());
            true
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            if let Some(n) = e.record() {
                assert!(n >= 1 && n <= records.len(), "{e:?} of {}", records.len());
            }
            false
        }
    }
}

#[test]
fn no_bytes_make_the_record_layer_panic() {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let alphabet: &[u8] = b"HPORCQLMS|\\^&!@#$XFSRE0123456789AZaz \r\n\x00\x83\x5c\x7c\x8e\xff";
    let header: &[u8] = b"H|\\^&";
    for round in 0..4000 {
        let count = noise.below(8);
        let mut records: Vec<Vec<u8>> = (0..count)
            .map(|_| {
                let len = noise.below(24);
                (0..len)
                    .map(|_| {
                        if round % 2 == 0 {
                            alphabet[noise.below(alphabet.len())]
                        } else {
                            noise.next() as u8
                        }
                    })
                    .collect()
            })
            .collect();
        // Half the time, a real header and record letters, to get past
        // the first checks.
        if round % 4 < 2 && !records.is_empty() {
            records[0] = header.to_vec();
            for r in records.iter_mut().skip(1) {
                if let Some(first) = r.first_mut() {
                    *first = b"PORCQLMS"[noise.below(8)];
                }
            }
        }
        for encoding in [TextEncoding::Utf8, TextEncoding::ShiftJis] {
            check(&records, encoding);
        }
    }
}

#[test]
fn no_truncation_or_mutation_of_the_fixtures_makes_the_record_layer_panic() {
    let mut noise = Noise(42);
    for name in [
        "cartridge-pcr.astm",
        "antigen-reader-sjis.astm",
        "cartridge-pcr-custom-delimiters.astm",
        "query.astm",
    ] {
        let records = fixture(name);
        for encoding in [TextEncoding::Utf8, TextEncoding::ShiftJis] {
            // Every prefix of the records, and every record cut short.
            for n in 0..=records.len() {
                check(&records[..n], encoding);
            }
            for (i, record) in records.iter().enumerate() {
                for cut in 0..record.len() {
                    let mut shorter = records.clone();
                    shorter[i].truncate(cut);
                    check(&shorter, encoding);
                }
            }
            // Bytes replaced at random: some still make a message, some
            // do not.
            let mut messages = 0;
            for _ in 0..300 {
                let mut changed = records.clone();
                let i = noise.below(changed.len());
                if !changed[i].is_empty() {
                    let at = noise.below(changed[i].len());
                    changed[i][at] = noise.next() as u8;
                }
                messages += usize::from(check(&changed, encoding));
            }
            assert!((1..300).contains(&messages), "{name}: {messages} of 300");
        }
        assert!(
            parse_message(&records, TextEncoding::ShiftJis).is_ok(),
            "{name}"
        );
    }
}
