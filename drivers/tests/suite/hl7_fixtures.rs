//! The HL7 fixtures (`fixtures/hl7/`, see its README) read to exactly the
//! results they hold, and answered as they should be.

use kentai_drivers::hl7::oru::{Patient, PatientId, PersonName, SpecimenIdSource};
use kentai_drivers::hl7::{
    ack, answer, frame, read, read_block, BatchHeader, Charset, Coded, Deframer, Message,
    MllpEvent, ObservationValue, OruResult,
};
use std::path::PathBuf;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/hl7")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub const FIXTURES: [&str; 4] = [
    "pcr-run.hl7",
    "batch.hl7",
    "jahis-iso-ir87.hl7",
    "shift-jis.hl7",
];

/// One result on one line: specimen, where its id came from, OBX-1,
/// OBX-2, OBX-3.1, the values, OBX-6.1, OBX-8 and OBX-11.
fn line(r: &OruResult) -> String {
    let values: Vec<String> = r
        .values
        .iter()
        .map(|v| match v {
            ObservationValue::Number(n) => n.clone(),
            ObservationValue::Text(t) => format!("{t:?}"),
            ObservationValue::Coded(c) => format!("{}^{}^{}", c.id, c.text, c.system),
            ObservationValue::Other(c) => format!("{c:?}"),
        })
        .collect();
    format!(
        "{} {:?} {} {} {} = {} {} [{}] {}",
        r.specimen_id,
        r.specimen_id_from,
        r.set_id,
        r.value_type,
        r.test.id,
        values.join(","),
        r.units.as_ref().map_or("-", |u| u.id.as_str()),
        r.abnormal_flags.join(","),
        r.status
    )
}

fn coded(id: &str, text: &str, system: &str) -> Coded {
    Coded {
        id: id.into(),
        text: text.into(),
        system: system.into(),
        ..Coded::default()
    }
}

const SARS_TEXT: &str =
    "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with probe detection";

#[test]
fn the_pcr_run_reads_to_one_result_per_obx_with_each_tube() {
    let received = read(&fixture("pcr-run.hl7"));
    let header = received.header.clone().unwrap();
    assert_eq!(
        header.sending_application,
        ["QS5", "1.2.392.200119.99.1", "ISO"]
    );
    assert_eq!(header.sending_facility, ["KENTAI-LAB"]);
    assert_eq!(header.sender(), "QS5@KENTAI-LAB");
    assert_eq!(header.time, "20261120153211+0900");
    assert_eq!(
        (
            header.message_type.as_str(),
            header.trigger_event.as_str(),
            header.structure.as_str()
        ),
        ("ORU", "R01", "ORU_R01")
    );
    assert_eq!(header.control_id, "QS5-20261120-0001");
    assert_eq!(header.processing_id, "P");
    assert_eq!(header.version, "2.5.1");
    assert_eq!(header.charset, Charset::Utf8);
    assert_eq!(header.charset_field, "UNICODE UTF-8");

    let results = received.outcome.unwrap();
    let lines: Vec<String> = results.iter().map(line).collect();
    assert_eq!(
        lines,
        [
            "R26-0013 ObrFiller 1 CWE 94500-6 = INVALID^Invalid result^99KTI - [] F",
            "R26-0013 ObrFiller 2 NM RP =  {Ct} [] X",
            "R26-9998 ObrPlacer 1 CWE 94500-6 = 260415000^Not detected^SCT - [N] F",
            "R26-9998 ObrPlacer 2 NM RP = 26.88 {Ct} [] F",
            "R26-0007 Spm 1 CWE 94500-6 = 260373001^Detected^SCT - [A] F",
            "R26-0007 Spm 2 NM N1 = 24.1 {Ct} [] F",
            "R26-0007 Spm 3 NM N2 = 25.3 {Ct} [] F",
            "R26-0007 Spm 4 NM RP = 27.0 {Ct} [] F",
            "R26-0001 Spm 1 CWE 94500-6 = 260415000^Not detected^SCT - [N] F",
            "R26-0001 Spm 2 NM RP = 27.41 {Ct} [] F",
        ]
    );
    for r in &results {
        assert_eq!(r.observed_at.as_deref(), Some("20261120140500+0900"));
        assert_eq!(r.observation_time.as_deref(), Some("20261120152900+0900"));
        assert_eq!(r.equipment, ["QS5-KENTAI-01"]);
        assert!(!r.specimen_observation);
    }
    let names = |r: &OruResult| {
        r.patient
            .as_ref()
            .map(|p| format!("{}:{}", p.ids[0].id, p.names[0].family))
    };
    let patients: Vec<Option<String>> = results.iter().map(names).collect();
    assert_eq!(patients[..4], [None, None, None, None]);
    assert_eq!(patients[4].as_deref(), Some("P-000123:SATO"));
    assert_eq!(patients[8].as_deref(), Some("P-000124:SUZUKI"));
    assert_eq!(
        results[0].notes,
        ["Internal control RP not amplified.\nRepeat the extraction."]
    );
    assert!(results[1].notes.is_empty());
    assert_eq!(results[2].order_notes, ["Sample name not in the worklist"]);
    assert_eq!(results[3].order_notes, ["Sample name not in the worklist"]);
    assert!(results[4].order_notes.is_empty());

    // The positive's qualitative result, whole.
    assert_eq!(
        results[4],
        OruResult {
            specimen_id: "R26-0007".into(),
            specimen_id_from: SpecimenIdSource::Spm,
            patient: Some(Patient {
                ids: vec![PatientId {
                    id: "P-000123".into(),
                    authority: "KENTAI-CLINIC".into(),
                    id_type: "MR".into(),
                }],
                names: vec![PersonName {
                    family: "SATO".into(),
                    given: "HANAKO".into(),
                    middle: String::new(),
                    name_type: "L".into(),
                    representation: String::new(),
                }],
            }),
            placer_order: "ORD-7001".into(),
            filler_order: "LAB-7001".into(),
            service: coded("94500-6", SARS_TEXT, "LN"),
            observed_at: Some("20261120140500+0900".into()),
            set_id: "1".into(),
            sub_id: String::new(),
            value_type: "CWE".into(),
            test: coded("94500-6", SARS_TEXT, "LN"),
            values: vec![ObservationValue::Coded(coded(
                "260373001",
                "Detected",
                "SCT"
            ))],
            units: None,
            abnormal_flags: vec!["A".into()],
            status: "F".into(),
            observation_time: Some("20261120152900+0900".into()),
            equipment: vec!["QS5-KENTAI-01".into()],
            specimen_observation: false,
            notes: vec![],
            order_notes: vec![],
        }
    );
    assert_eq!(
        results[5].units,
        Some(coded("{Ct}", "cycle threshold", "UCUM"))
    );
    assert_eq!(results[5].test, coded("N1", "SARS-CoV-2 N1 Ct", "99KTI"));
}

#[test]
fn the_pcr_run_is_acknowledged_aa_to_its_sender() {
    let block = read_block(&fixture("pcr-run.hl7"));
    assert!(!block.is_batch());
    let mut ids = (1..).map(|n| format!("K-{n}"));
    let reply = answer(&block, "CLINIC-A", "20261120153215", &mut || {
        ids.next().unwrap()
    });
    assert_eq!(
        String::from_utf8(reply).unwrap(),
        "MSH|^~\\&|KENTAI|CLINIC-A|QS5^1.2.392.200119.99.1^ISO|KENTAI-LAB|20261120153215||ACK^R01^ACK|K-1|P|2.5.1||||||UNICODE UTF-8\r\
         MSA|AA|QS5-20261120-0001\r"
    );
}

#[test]
fn the_batch_reads_each_message_and_is_answered_with_a_batch_of_acks() {
    let block = read_block(&fixture("batch.hl7"));
    let header = |control: &str| BatchHeader {
        sending_application: vec!["QS5".into()],
        sending_facility: vec!["KENTAI-LAB".into()],
        control_id: control.into(),
    };
    assert_eq!(block.file, Some(header("F-20261121-01")));
    assert_eq!(block.batch, Some(header("B-20261121-01")));
    assert_eq!(block.batch_count.as_deref(), Some("2"));
    assert_eq!(block.file_count.as_deref(), Some("1"));
    let lines: Vec<Vec<String>> = block
        .messages
        .iter()
        .map(|m| m.outcome.as_ref().unwrap().iter().map(line).collect())
        .collect();
    assert_eq!(
        lines,
        [
            ["R26-0101 ObrFiller 1 CWE 94500-6 = 260415000^Not detected^SCT - [N] F"],
            ["R26-0102 ObrFiller 1 CWE 94500-6 = 260373001^Detected^SCT - [A] F"],
        ]
    );
    let controls: Vec<&str> = block
        .messages
        .iter()
        .map(|m| m.header.as_ref().unwrap().control_id.as_str())
        .collect();
    assert_eq!(controls, ["QS5-20261121-0001", "QS5-20261121-0002"]);

    let mut ids = (1..).map(|n| format!("K-{n}"));
    let reply = answer(&block, "CLINIC-A", "20261121093005", &mut || {
        ids.next().unwrap()
    });
    assert_eq!(
        String::from_utf8(reply).unwrap(),
        "FHS|^~\\&|KENTAI|CLINIC-A|QS5|KENTAI-LAB|20261121093005||||K-1|F-20261121-01\r\
         BHS|^~\\&|KENTAI|CLINIC-A|QS5|KENTAI-LAB|20261121093005||||K-2|B-20261121-01\r\
         MSH|^~\\&|KENTAI|CLINIC-A|QS5|KENTAI-LAB|20261121093005||ACK^R01^ACK|K-3|P|2.5.1\r\
         MSA|AA|QS5-20261121-0001\r\
         MSH|^~\\&|KENTAI|CLINIC-A|QS5|KENTAI-LAB|20261121093005||ACK^R01^ACK|K-4|P|2.5.1\r\
         MSA|AA|QS5-20261121-0002\r\
         BTS|2\r\
         FTS|1\r"
    );
    // FHS-11 and BHS-11 of the answer are its own ids; field 12 refers to
    // the batch answered.
    let reply = answer(&block, "C", "20261121093005", &mut || "X".into());
    let fhs = Message::parse(&[b"MSH".as_slice(), &reply[3..]].concat()).unwrap();
    assert_eq!(fhs.header().text(11), "X");
    assert_eq!(fhs.header().text(12), "F-20261121-01");
}

#[test]
fn the_jahis_message_is_decoded_from_iso_2022_jp() {
    let received = read(&fixture("jahis-iso-ir87.hl7"));
    let header = received.header.clone().unwrap();
    assert_eq!(header.charset, Charset::Iso2022Jp);
    assert_eq!(header.charset_field, "~ISO IR87");
    assert_eq!(header.sending_facility, ["万葉検査センター"]);
    assert_eq!(header.version, "2.5");
    let results = received.outcome.unwrap();
    assert_eq!(
        results.iter().map(line).collect::<Vec<_>>(),
        ["R26-0201 Spm 1 CWE 94500-6 = 260415000^陰性^SCT - [N] F"]
    );
    let r = &results[0];
    let patient = r.patient.as_ref().unwrap();
    assert_eq!(
        patient.ids,
        [PatientId {
            id: "0000012345".into(),
            authority: String::new(),
            id_type: "PI".into()
        }]
    );
    assert_eq!(
        names(patient),
        [("山田", "太郎", "I"), ("ヤマダ", "タロウ", "P")]
    );
    assert_eq!(r.test, coded("94500-6", "新型コロナウイルスＲＮＡ", "LN"));
    assert_eq!(r.notes, ["検体は冷蔵で到着"]);
    assert_eq!(r.placer_order, "R26-0201");
    assert_eq!(r.observed_at.as_deref(), Some("20261122090000"));
    assert_eq!(r.observation_time.as_deref(), Some("20261122102500"));
    assert!(r.equipment.is_empty());
}

#[test]
fn the_jahis_message_is_acknowledged_in_iso_2022_jp() {
    let received = read(&fixture("jahis-iso-ir87.hl7"));
    let reply = ack(&received, "CLINIC-A", "20261122103005", "K-1");
    let want = "MSH|^~\\&|KENTAI|CLINIC-A|LIS-A|万葉検査センター|20261122103005||ACK^R01^ACK|K-1|P|2.5.1||||||~ISO IR87\r\
                MSA|AA|JAH-0001\r";
    assert_eq!(reply, Charset::Iso2022Jp.encode(want));
    // 万 as JIS X 0208 between ESC $ B and ESC ( B, not UTF-8.
    assert!(reply.windows(7).any(|w| w == b"\x1b$BK|MU"));
    let back = Message::parse(&reply).unwrap();
    assert_eq!(back.charset(), Charset::Iso2022Jp);
    assert_eq!(back.header().text(6), "万葉検査センター");
}

#[test]
fn the_shift_jis_message_keeps_names_whose_bytes_look_like_separators() {
    let bytes = fixture("shift-jis.hl7");
    // 表 (95 5C) and ソ (83 5C) end in `\`; タ (83 5E) in `^`.
    assert!(bytes.windows(4).any(|w| w == b"\x95\x5c^\x83"));
    let received = read(&bytes);
    assert_eq!(received.header.as_ref().unwrap().charset, Charset::ShiftJis);
    let results = received.outcome.clone().unwrap();
    assert_eq!(
        results.iter().map(line).collect::<Vec<_>>(),
        ["R26-0301 ObrPlacer 1 CWE 94500-6 = 260373001^陽性^SCT - [A] F"]
    );
    assert_eq!(
        names(results[0].patient.as_ref().unwrap()),
        [("表", "ソウタ", "I"), ("ｵﾓﾃ", "ｿｳﾀ", "P")]
    );
    assert_eq!(results[0].notes, ["再検査不要"]);

    let reply = ack(&received, "表クリニック", "20261123141505", "K-1");
    assert_eq!(
        Charset::ShiftJis.decode(&reply).unwrap(),
        "MSH|^~\\&|KENTAI|表クリニック|ANALYZER|KENTAI-LAB|20261123141505||ACK^R01^ACK|K-1|P|2.5.1||||||SHIFT_JIS\r\
         MSA|AA|SJ-0001\r"
    );
    assert!(reply.starts_with(b"MSH|^~\\&|KENTAI|\x95\x5c"));
}

#[test]
fn every_fixture_comes_through_mllp_split_into_many_reads() {
    for name in FIXTURES {
        let bytes = fixture(name);
        let stream = [&b"\r\n"[..], &frame(&bytes), b"\x00\x00", &frame(&bytes)].concat();
        for size in [1, 2, 3, 7, 64, 1000] {
            let mut deframer = Deframer::default();
            let events: Vec<MllpEvent> =
                stream.chunks(size).flat_map(|c| deframer.push(c)).collect();
            assert_eq!(
                events,
                [
                    MllpEvent::Message(bytes.clone()),
                    MllpEvent::Message(bytes.clone())
                ],
                "{name} in reads of {size}"
            );
            assert_eq!(deframer.ignored(), 4, "{name}");
        }
        let block = read_block(&bytes);
        assert!(
            block.messages.iter().all(|m| m.outcome.is_ok()),
            "{name}: {block:?}"
        );
    }
}

/// A patient's names as (family, given, representation).
fn names(patient: &kentai_drivers::hl7::oru::Patient) -> Vec<(&str, &str, &str)> {
    patient
        .names
        .iter()
        .map(|n| {
            (
                n.family.as_str(),
                n.given.as_str(),
                n.representation.as_str(),
            )
        })
        .collect()
}
