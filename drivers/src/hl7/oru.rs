//! Results out of an ORU^R01 message: one [`OruResult`] per OBX, with the
//! specimen it belongs to, and the problems that make kentai answer AE or
//! AR instead of AA.
//!
//! The message is walked in order, as HL7 2.5.1's ORU_R01 structure nests
//! it: a PID starts a patient, an OBR an order of that patient, an OBX an
//! observation of the last order, an NTE the notes of the OBX (or of the
//! OBR) right before it, an SPM a specimen of the last order. OBX after an
//! SPM are observations of that specimen (its volume, say) and are marked
//! [`OruResult::specimen_observation`]. Other segments (ORC, PV1, TQ1,
//! Z-segments…) are skipped.
//!
//! The specimen id of an order's results is SPM-2 of its first SPM
//! (SPM-2.1, the placer's id, else SPM-2.2, the filler's); without one,
//! OBR-3 (filler order number) and then OBR-2 (placer order number), which
//! is where analysers without SPM put the tube's barcode.
//!
//! Which problems give which acknowledgement code:
//!
//! - **AR** (rejected; sending it again unchanged will not help, and the
//!   message says nothing about results): no readable MSH (100), unusable
//!   MSH-1/MSH-2 (102), MSH-9 not ORU (200) or not R01 (201), MSH-11 not
//!   `P` (202: training and debugging results are not results), MSH-12
//!   neither `2.5` (JAHIS) nor `2.5.1` (203), an MSH-18 naming an
//!   unknown or mixed character set (103), and a missing MSH-9, MSH-10,
//!   MSH-11 or MSH-12 (101);
//! - **AE** (the message is an ORU^R01 kentai accepts, but its content
//!   lacks what a result needs): text not valid in its character set
//!   (102); MSH-7 missing (101) or not a date-time (102); no OBR or no OBX
//!   (100); an OBX or SPM before any OBR (100); an order with no specimen
//!   id (101); an OBX without OBX-3 (101), OBX-11 (101), or OBX-2 while it
//!   has a value (101); an OBX-2 outside table 0125 or an OBX-11 outside
//!   table 0085 (103); an NM value that is not a number, or an OBR-7 or
//!   OBX-14 that is not a date-time (102).
//!
//! The first problem found is the one reported, and a message with a
//! problem yields no results at all: an analyser resends a whole message,
//! so half of one is never kept.

use super::charset::{Charset, CharsetError};
use super::message::{lines, msh18, Component, Delimiters, Message, MessageError, Segment};
use std::collections::HashMap;
use std::fmt;
use thiserror::Error;

/// MSA-1: how a message was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AckCode {
    /// AA: accepted.
    Accept,
    /// AE: an error in the content.
    Error,
    /// AR: rejected (type, version, processing id, header).
    Reject,
}

impl AckCode {
    /// `AA`, `AE` or `AR`.
    pub fn code(self) -> &'static str {
        match self {
            AckCode::Accept => "AA",
            AckCode::Error => "AE",
            AckCode::Reject => "AR",
        }
    }
}

/// ERR-3: the HL7 error codes kentai reports (table 0357).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    SegmentSequence,
    RequiredFieldMissing,
    DataType,
    TableValueNotFound,
    UnsupportedMessageType,
    UnsupportedEventCode,
    UnsupportedProcessingId,
    UnsupportedVersion,
    ApplicationInternal,
}

impl ErrorCode {
    /// The table's number: 100, 101, 102, 103, 200, 201, 202, 203, 207.
    pub fn number(self) -> u16 {
        match self {
            ErrorCode::SegmentSequence => 100,
            ErrorCode::RequiredFieldMissing => 101,
            ErrorCode::DataType => 102,
            ErrorCode::TableValueNotFound => 103,
            ErrorCode::UnsupportedMessageType => 200,
            ErrorCode::UnsupportedEventCode => 201,
            ErrorCode::UnsupportedProcessingId => 202,
            ErrorCode::UnsupportedVersion => 203,
            ErrorCode::ApplicationInternal => 207,
        }
    }

    /// The table's text.
    pub fn text(self) -> &'static str {
        match self {
            ErrorCode::SegmentSequence => "Segment sequence error",
            ErrorCode::RequiredFieldMissing => "Required field missing",
            ErrorCode::DataType => "Data type error",
            ErrorCode::TableValueNotFound => "Table value not found",
            ErrorCode::UnsupportedMessageType => "Unsupported message type",
            ErrorCode::UnsupportedEventCode => "Unsupported event code",
            ErrorCode::UnsupportedProcessingId => "Unsupported processing id",
            ErrorCode::UnsupportedVersion => "Unsupported version id",
            ErrorCode::ApplicationInternal => "Application internal error",
        }
    }
}

/// ERR-2: where a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub segment: String,
    /// Which segment of that id in the message, from 1.
    pub sequence: usize,
    /// The field, from 1; `None` for the segment as a whole.
    pub field: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.segment, self.sequence)?;
        match self.field {
            Some(n) => write!(f, " field {n}"),
            None => Ok(()),
        }
    }
}

/// Why a message is answered AE or AR.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct Problem {
    pub ack: AckCode,
    pub code: ErrorCode,
    pub location: Option<Location>,
    /// For a person (ERR-8), in English.
    pub message: String,
}

impl Problem {
    fn new(ack: AckCode, code: ErrorCode, at: Option<Location>, message: String) -> Problem {
        Problem {
            ack,
            code,
            location: at,
            message,
        }
    }

    /// AE 207: kentai could not take the message for a reason of its own
    /// (the journal could not be written, say), for the listener to answer
    /// with in place of what [`read`] found.
    pub fn internal(message: impl Into<String>) -> Problem {
        Problem::new(
            AckCode::Error,
            ErrorCode::ApplicationInternal,
            None,
            message.into(),
        )
    }

    fn reject(code: ErrorCode, field: usize, message: String) -> Problem {
        Problem::new(AckCode::Reject, code, Some(at("MSH", 1, field)), message)
    }
}

fn at(segment: &str, sequence: usize, field: usize) -> Location {
    Location {
        segment: segment.into(),
        sequence,
        field: Some(field),
    }
}

/// The identity and envelope of a message (MSH).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHeader {
    /// MSH-3, its components (namespace id, universal id, its type).
    pub sending_application: Vec<String>,
    /// MSH-4, its components.
    pub sending_facility: Vec<String>,
    /// MSH-7, as written.
    pub time: String,
    /// MSH-9.1, MSH-9.2 and MSH-9.3: `ORU`, `R01`, `ORU_R01`.
    pub message_type: String,
    pub trigger_event: String,
    pub structure: String,
    /// MSH-10.
    pub control_id: String,
    /// MSH-11.1: `P`, `T` or `D`.
    pub processing_id: String,
    /// MSH-12.1.
    pub version: String,
    /// The set the message is written in (MSH-18).
    pub charset: Charset,
    /// MSH-18 as the character set was read from it (the MSH bytes, as
    /// ASCII), repetitions joined by `~`; empty when it names a set kentai
    /// does not know.
    pub charset_field: String,
}

impl MessageHeader {
    fn from_segment(msh: &Segment, charset: Charset, charset_field: String) -> MessageHeader {
        let components = |n: usize| -> Vec<String> {
            msh.repetitions(n)
                .first()
                .map(|r| r.components.iter().map(|c| c.text().to_string()).collect())
                .unwrap_or_default()
        };
        MessageHeader {
            sending_application: components(3),
            sending_facility: components(4),
            time: msh.text(7).to_string(),
            message_type: msh.component(9, 1).to_string(),
            trigger_event: msh.component(9, 2).to_string(),
            structure: msh.component(9, 3).to_string(),
            control_id: msh.text(10).to_string(),
            processing_id: msh.text(11).to_string(),
            version: msh.text(12).to_string(),
            charset,
            charset_field,
        }
    }

    /// MSH-3.1 and MSH-4.1, to name the sender in logs.
    pub fn sender(&self) -> String {
        let first = |v: &[String]| v.first().cloned().unwrap_or_default();
        format!(
            "{}@{}",
            first(&self.sending_application),
            first(&self.sending_facility)
        )
    }
}

/// A coded element (CE, CWE, CNE): OBX-3, OBX-6, OBR-4, coded values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coded {
    pub id: String,
    pub text: String,
    /// The coding system: `LN` for LOINC, `SCT` for SNOMED CT, `L` or
    /// `99…` for local codes.
    pub system: String,
    pub alternate_id: String,
    pub alternate_text: String,
    pub alternate_system: String,
    /// CWE-9.
    pub original_text: String,
}

impl Coded {
    fn from_components(components: &[Component]) -> Coded {
        let c = |n: usize| {
            components
                .get(n - 1)
                .map_or(String::new(), |c| c.text().to_string())
        };
        Coded {
            id: c(1),
            text: c(2),
            system: c(3),
            alternate_id: c(4),
            alternate_text: c(5),
            alternate_system: c(6),
            original_text: c(9),
        }
    }
}

/// One repetition of OBX-5, read after OBX-2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObservationValue {
    /// NM: a decimal number as written (`24.1`, `-0.5`, `+3`).
    Number(String),
    /// CE, CWE, CNE.
    Coded(Coded),
    /// ST, TX, FT, ID, IS, DT, TM, DTM, TS: the first component, escapes
    /// resolved (FT's `\.br\` a line break).
    Text(String),
    /// Any other type (SN, CX, ED, …): the components as sent.
    Other(Vec<Component>),
}

/// PID-3, one repetition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientId {
    pub id: String,
    /// CX-4.1, the assigning authority's namespace id.
    pub authority: String,
    /// CX-5, the identifier type (`MR`, `PI`, …).
    pub id_type: String,
}

/// PID-5, one repetition. JAHIS sends the name in kanji and in kana as
/// two repetitions, told apart by `representation` (`I` ideographic, `P`
/// phonetic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub family: String,
    pub given: String,
    pub middle: String,
    /// XPN-7 (`L` legal, …).
    pub name_type: String,
    /// XPN-8.
    pub representation: String,
}

/// The PID a result's order came under.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Patient {
    pub ids: Vec<PatientId>,
    pub names: Vec<PersonName>,
}

/// Where a result's specimen id was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecimenIdSource {
    /// SPM-2.
    Spm,
    /// OBR-3, the filler order number.
    ObrFiller,
    /// OBR-2, the placer order number.
    ObrPlacer,
}

/// One observation (OBX) with everything kentai keeps of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OruResult {
    /// The tube the result is for (see the module documentation).
    pub specimen_id: String,
    pub specimen_id_from: SpecimenIdSource,
    pub patient: Option<Patient>,
    /// OBR-2.1 and OBR-3.1.
    pub placer_order: String,
    pub filler_order: String,
    /// OBR-4.
    pub service: Coded,
    /// OBR-7, as written.
    pub observed_at: Option<String>,
    /// OBX-1 and OBX-4 (the sub-id of multiplex targets).
    pub set_id: String,
    pub sub_id: String,
    /// OBX-2.
    pub value_type: String,
    /// OBX-3.
    pub test: Coded,
    /// OBX-5, one per repetition with a value.
    pub values: Vec<ObservationValue>,
    /// OBX-6.
    pub units: Option<Coded>,
    /// OBX-8 (`H`, `L`, `A`, `N`, …).
    pub abnormal_flags: Vec<String>,
    /// OBX-11, a code of table 0085 (`F` final, `C` corrected, `P`
    /// preliminary, …).
    pub status: String,
    /// OBX-14, as written.
    pub observation_time: Option<String>,
    /// OBX-18.1 of each repetition: the analyser's instance ids.
    pub equipment: Vec<String>,
    /// An OBX after an SPM: an observation of the specimen itself.
    pub specimen_observation: bool,
    /// NTE-3 of the NTEs right after this OBX, one per NTE, repetitions
    /// joined by line breaks.
    pub notes: Vec<String>,
    /// The same for the NTEs right after this result's OBR.
    pub order_notes: Vec<String>,
}

/// A message and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// `None` when not even the MSH could be read.
    pub header: Option<MessageHeader>,
    pub outcome: Result<Vec<OruResult>, Problem>,
}

impl Received {
    /// MSA-1 for this message.
    pub fn ack_code(&self) -> AckCode {
        match &self.outcome {
            Ok(_) => AckCode::Accept,
            Err(p) => p.ack,
        }
    }
}

/// Reads one ORU^R01 message (one MSH and what follows it).
pub fn read(bytes: &[u8]) -> Received {
    let message = match Message::parse(bytes) {
        Ok(m) => m,
        Err(e) => return unreadable(bytes, e),
    };
    // MSH-18 as the character set was chosen from it, so that the ACK
    // names the set it is written in.
    let charset_field = lines(bytes)
        .first()
        .map(|line| msh18(line, message.delimiters()).join("~"))
        .unwrap_or_default();
    let header = MessageHeader::from_segment(message.header(), message.charset(), charset_field);
    let outcome = check_header(&header).and_then(|()| results(&message));
    Received {
        header: Some(header),
        outcome,
    }
}

/// A message whose text could not be read: the header as far as its MSH
/// bytes read as ASCII, and the problem.
fn unreadable(bytes: &[u8], e: MessageError) -> Received {
    let (ack, code, field) = match &e {
        MessageError::NoHeader => (AckCode::Reject, ErrorCode::SegmentSequence, None),
        MessageError::BadSeparators(_) => (AckCode::Reject, ErrorCode::DataType, Some(2)),
        MessageError::Charset(_) => (AckCode::Reject, ErrorCode::TableValueNotFound, Some(18)),
        MessageError::Undecodable(_) => (AckCode::Error, ErrorCode::DataType, None),
    };
    let location = Location {
        segment: "MSH".into(),
        sequence: 1,
        field,
    };
    let header = lines(bytes).first().and_then(|line| {
        let d = Delimiters::from_msh(line).ok()?;
        let names = msh18(line, &d);
        let (charset, known) = match Charset::from_msh18(&names) {
            Ok(set) => (set, true),
            Err(CharsetError::Unknown(_) | CharsetError::Mixed(..)) => (Charset::Utf8, false),
        };
        let text = String::from_utf8_lossy(line);
        let segment = super::message::parse_segment(&text, &d, Charset::Utf8);
        let charset_field = if known {
            names.join("~")
        } else {
            String::new()
        };
        Some(MessageHeader::from_segment(
            &segment,
            charset,
            charset_field,
        ))
    });
    Received {
        header,
        outcome: Err(Problem::new(ack, code, Some(location), e.to_string())),
    }
}

/// Versions whose ORU^R01 kentai reads: HL7 2.5.1, and 2.5, which JAHIS's
/// Japanese profile is built on.
const VERSIONS: [&str; 2] = ["2.5", "2.5.1"];

fn check_header(h: &MessageHeader) -> Result<(), Problem> {
    let missing = |field: usize, what: &str| {
        Problem::reject(
            ErrorCode::RequiredFieldMissing,
            field,
            format!("MSH-{field} ({what}) is empty"),
        )
    };
    if h.message_type.is_empty() {
        return Err(missing(9, "message type"));
    }
    if h.message_type != "ORU" {
        return Err(Problem::reject(
            ErrorCode::UnsupportedMessageType,
            9,
            format!("kentai takes ORU^R01 results, not {}", h.message_type),
        ));
    }
    if h.trigger_event != "R01" {
        return Err(Problem::reject(
            ErrorCode::UnsupportedEventCode,
            9,
            format!("kentai takes ORU^R01 results, not ORU^{}", h.trigger_event),
        ));
    }
    if h.control_id.is_empty() {
        return Err(missing(10, "message control id"));
    }
    if h.processing_id.is_empty() {
        return Err(missing(11, "processing id"));
    }
    if h.processing_id != "P" {
        return Err(Problem::reject(
            ErrorCode::UnsupportedProcessingId,
            11,
            format!(
                "processing id {} is not P (production): the results are not kept",
                h.processing_id
            ),
        ));
    }
    if h.version.is_empty() {
        return Err(missing(12, "version id"));
    }
    if !VERSIONS.contains(&h.version.as_str()) {
        return Err(Problem::reject(
            ErrorCode::UnsupportedVersion,
            12,
            format!("HL7 version {} is not 2.5 or 2.5.1", h.version),
        ));
    }
    if h.time.is_empty() {
        return Err(content_error(
            ErrorCode::RequiredFieldMissing,
            at("MSH", 1, 7),
            "MSH-7 (date/time of message) is empty".into(),
        ));
    }
    if !is_date_time(&h.time) {
        return Err(content_error(
            ErrorCode::DataType,
            at("MSH", 1, 7),
            format!("MSH-7 \"{}\" is not a date-time", h.time),
        ));
    }
    Ok(())
}

fn content_error(code: ErrorCode, location: Location, message: String) -> Problem {
    Problem::new(AckCode::Error, code, Some(location), message)
}

/// HL7's DTM: `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`.
pub fn is_date_time(s: &str) -> bool {
    let (main, zone) = match s.find(['+', '-']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if zone.is_some_and(|z| z.len() != 4 || !z.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let (whole, fraction) = match main.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (main, None),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || ![4, 6, 8, 10, 12, 14].contains(&whole.len()) {
        return false;
    }
    match fraction {
        None => true,
        Some(f) => whole.len() == 14 && (1..=4).contains(&f.len()) && digits(f),
    }
}

/// HL7's NM: an optional sign, digits, an optional decimal point.
fn is_number(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let mut digits = 0;
    let mut points = 0;
    for b in unsigned.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1
}

/// Table 0125, value types.
const VALUE_TYPES: [&str; 33] = [
    "AD", "CE", "CF", "CK", "CN", "CNE", "CP", "CWE", "CX", "DR", "DT", "DTM", "ED", "FT", "ID",
    "IS", "MA", "MO", "NA", "NM", "PN", "RP", "SN", "ST", "TM", "TN", "TS", "TX", "XAD", "XCN",
    "XON", "XPN", "XTN",
];

/// Table 0085, observation result status.
const RESULT_STATUSES: [&str; 12] = ["C", "D", "F", "I", "N", "O", "P", "R", "S", "U", "W", "X"];

/// An order (OBR) as the walk collects it.
struct Order {
    sequence: usize,
    placer: String,
    filler: String,
    service: Coded,
    observed_at: Option<String>,
    patient: Option<Patient>,
    notes: Vec<String>,
    results: Vec<OruResult>,
    /// SPM-2 of each SPM, and the OBX that follow it.
    specimens: Vec<(String, Vec<OruResult>)>,
}

/// Which segment the next NTE annotates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NoteTarget {
    Nothing,
    Order,
    Observation,
}

fn results(message: &Message) -> Result<Vec<OruResult>, Problem> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut patient: Option<Patient> = None;
    let mut orders: Vec<Order> = Vec::new();
    let mut notes_to = NoteTarget::Nothing;
    let mut observations = 0usize;
    for segment in message.segments().iter().skip(1) {
        let count = seen.entry(segment.id.as_str()).or_insert(0);
        *count += 1;
        let seq = *count;
        match segment.id.as_str() {
            "PID" => {
                patient = Some(read_patient(segment));
                notes_to = NoteTarget::Nothing;
            }
            "OBR" => {
                orders.push(read_order(segment, seq, patient.clone())?);
                notes_to = NoteTarget::Order;
            }
            "OBX" => {
                let Some(order) = orders.last_mut() else {
                    return Err(out_of_order("OBX", seq));
                };
                let result = read_observation(segment, seq, order)?;
                match order.specimens.last_mut() {
                    Some((_, obx)) => obx.push(OruResult {
                        specimen_observation: true,
                        ..result
                    }),
                    None => order.results.push(result),
                }
                observations += 1;
                notes_to = NoteTarget::Observation;
            }
            "SPM" => {
                let Some(order) = orders.last_mut() else {
                    return Err(out_of_order("SPM", seq));
                };
                let id = segment.repetitions(2).first().map_or("", |r| {
                    Some(r.subcomponent(1, 1))
                        .filter(|s| !s.is_empty())
                        .unwrap_or(r.subcomponent(2, 1))
                });
                order.specimens.push((id.to_string(), Vec::new()));
                notes_to = NoteTarget::Nothing;
            }
            "NTE" => {
                let text = segment
                    .repetitions(3)
                    .iter()
                    .map(|r| r.component(1))
                    .collect::<Vec<_>>()
                    .join("\n");
                let order = orders.last_mut();
                match (notes_to, order) {
                    (NoteTarget::Order, Some(order)) => order.notes.push(text),
                    (NoteTarget::Observation, Some(order)) => {
                        let last = match order.specimens.last_mut() {
                            Some((_, obx)) => obx.last_mut(),
                            None => order.results.last_mut(),
                        };
                        if let Some(result) = last {
                            result.notes.push(text);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if orders.is_empty() {
        return Err(content_error(
            ErrorCode::SegmentSequence,
            Location {
                segment: "OBR".into(),
                sequence: 1,
                field: None,
            },
            "no OBR segment: the message holds no order".into(),
        ));
    }
    if observations == 0 {
        return Err(content_error(
            ErrorCode::SegmentSequence,
            Location {
                segment: "OBX".into(),
                sequence: 1,
                field: None,
            },
            "no OBX segment: the message holds no result".into(),
        ));
    }
    let mut out = Vec::with_capacity(observations);
    for order in orders {
        out.extend(order_results(order)?);
    }
    Ok(out)
}

fn out_of_order(segment: &str, sequence: usize) -> Problem {
    content_error(
        ErrorCode::SegmentSequence,
        Location {
            segment: segment.into(),
            sequence,
            field: None,
        },
        format!("{segment} {sequence} comes before any OBR"),
    )
}

/// An order's results with their specimen ids filled in.
fn order_results(order: Order) -> Result<Vec<OruResult>, Problem> {
    let from_spm = order
        .specimens
        .first()
        .map(|(id, _)| id.clone())
        .filter(|id| !id.is_empty());
    let (id, from) = if let Some(id) = from_spm {
        (id, SpecimenIdSource::Spm)
    } else if !order.filler.is_empty() {
        (order.filler.clone(), SpecimenIdSource::ObrFiller)
    } else if !order.placer.is_empty() {
        (order.placer.clone(), SpecimenIdSource::ObrPlacer)
    } else {
        return Err(content_error(
            ErrorCode::RequiredFieldMissing,
            at("OBR", order.sequence, 3),
            format!(
                "OBR {} has no specimen id: no SPM-2, OBR-3 or OBR-2",
                order.sequence
            ),
        ));
    };
    let mut out: Vec<OruResult> = order
        .results
        .into_iter()
        .map(|r| OruResult {
            specimen_id: id.clone(),
            specimen_id_from: from,
            ..r
        })
        .collect();
    for (spm_id, obx) in order.specimens {
        let (sid, sfrom) = if spm_id.is_empty() {
            (id.clone(), from)
        } else {
            (spm_id, SpecimenIdSource::Spm)
        };
        out.extend(obx.into_iter().map(|r| OruResult {
            specimen_id: sid.clone(),
            specimen_id_from: sfrom,
            ..r
        }));
    }
    Ok(out)
}

fn read_patient(pid: &Segment) -> Patient {
    Patient {
        ids: pid
            .repetitions(3)
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| PatientId {
                id: r.component(1).into(),
                authority: r.component(4).into(),
                id_type: r.component(5).into(),
            })
            .collect(),
        names: pid
            .repetitions(5)
            .iter()
            .filter(|r| !r.is_empty())
            .map(|r| PersonName {
                family: r.component(1).into(),
                given: r.component(2).into(),
                middle: r.component(3).into(),
                name_type: r.component(7).into(),
                representation: r.component(8).into(),
            })
            .collect(),
    }
}

fn coded(segment: &Segment, n: usize) -> Option<Coded> {
    segment
        .field(n)
        .and_then(|f| f.first())
        .map(|r| Coded::from_components(&r.components))
}

fn optional_time(segment: &Segment, seq: usize, n: usize) -> Result<Option<String>, Problem> {
    let value = segment.text(n);
    if value.is_empty() {
        return Ok(None);
    }
    if !is_date_time(value) {
        return Err(content_error(
            ErrorCode::DataType,
            at(&segment.id, seq, n),
            format!(
                "{}-{n} \"{value}\" in {} {seq} is not a date-time",
                segment.id, segment.id
            ),
        ));
    }
    Ok(Some(value.to_string()))
}

fn read_order(obr: &Segment, seq: usize, patient: Option<Patient>) -> Result<Order, Problem> {
    Ok(Order {
        sequence: seq,
        placer: obr.text(2).into(),
        filler: obr.text(3).into(),
        service: coded(obr, 4).unwrap_or_default(),
        observed_at: optional_time(obr, seq, 7)?,
        patient,
        notes: Vec::new(),
        results: Vec::new(),
        specimens: Vec::new(),
    })
}

fn read_observation(obx: &Segment, seq: usize, order: &Order) -> Result<OruResult, Problem> {
    let missing = |n: usize, what: &str| {
        content_error(
            ErrorCode::RequiredFieldMissing,
            at("OBX", seq, n),
            format!("OBX-{n} ({what}) is empty in OBX {seq}"),
        )
    };
    let not_in_table = |n: usize, table: &str, value: &str| {
        content_error(
            ErrorCode::TableValueNotFound,
            at("OBX", seq, n),
            format!("OBX-{n} \"{value}\" in OBX {seq} is not in HL7 table {table}"),
        )
    };
    let value_type = obx.text(2);
    let has_value = !obx.is_empty(5);
    if value_type.is_empty() && has_value {
        return Err(missing(2, "value type"));
    }
    if !value_type.is_empty() && !VALUE_TYPES.contains(&value_type) {
        return Err(not_in_table(2, "0125", value_type));
    }
    let test = coded(obx, 3).unwrap_or_default();
    if test.id.is_empty() {
        return Err(missing(3, "observation identifier"));
    }
    let status = obx.text(11);
    if status.is_empty() {
        return Err(missing(11, "observation result status"));
    }
    if !RESULT_STATUSES.contains(&status) {
        return Err(not_in_table(11, "0085", status));
    }
    let mut values = Vec::new();
    for r in obx.repetitions(5).iter().filter(|r| !r.is_empty()) {
        values.push(match value_type {
            "CE" | "CWE" | "CNE" => ObservationValue::Coded(Coded::from_components(&r.components)),
            "NM" => {
                let n = r.component(1);
                if !is_number(n) {
                    return Err(content_error(
                        ErrorCode::DataType,
                        at("OBX", seq, 5),
                        format!("OBX-5 \"{n}\" in OBX {seq} is not a number (NM)"),
                    ));
                }
                ObservationValue::Number(n.into())
            }
            "ST" | "TX" | "FT" | "ID" | "IS" | "DT" | "TM" | "DTM" | "TS" => {
                ObservationValue::Text(r.component(1).into())
            }
            _ => ObservationValue::Other(r.components.clone()),
        });
    }
    Ok(OruResult {
        specimen_id: String::new(),
        specimen_id_from: SpecimenIdSource::Spm,
        patient: order.patient.clone(),
        placer_order: order.placer.clone(),
        filler_order: order.filler.clone(),
        service: order.service.clone(),
        observed_at: order.observed_at.clone(),
        set_id: obx.text(1).into(),
        sub_id: obx.text(4).into(),
        value_type: value_type.into(),
        test,
        values,
        units: coded(obx, 6),
        abnormal_flags: obx
            .repetitions(8)
            .iter()
            .map(|r| r.component(1).to_string())
            .filter(|f| !f.is_empty())
            .collect(),
        status: status.into(),
        observation_time: optional_time(obx, seq, 14)?,
        equipment: obx
            .repetitions(18)
            .iter()
            .map(|r| r.component(1).to_string())
            .filter(|e| !e.is_empty())
            .collect(),
        specimen_observation: false,
        notes: Vec::new(),
        order_notes: order.notes.clone(),
    })
}
