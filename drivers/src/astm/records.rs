//! The record layer of ASTM E1394 / CLSI LIS2-A2: one message's records
//! (header `H` to terminator `L`) read into patients, orders, results and
//! comments.
//!
//! The link layer hands up whole records: the bytes of one record, its
//! intermediate frames joined and its trailing CR stripped (a trailing CR
//! left on is dropped here too). [`parse_message`] reads them; a message
//! that does not hold together is a [`RecordError`] naming the record and
//! the problem, never a panic, whatever the bytes.
//!
//! Rules, as the standard sets them and as analysers send them:
//!
//! - the four characters after the header's `H` are the field, repeat,
//!   component and escape delimiters (usually `|\^&`); every other record
//!   of the message is split with them. They must be four different
//!   printable ASCII characters that are neither letters nor digits;
//! - the record's text is decoded before it is split ([`TextEncoding`]):
//!   a Shift_JIS character's second byte may be `\` or `|`, so splitting
//!   the bytes would cut Japanese names in two. Bytes that are not text in
//!   the chosen encoding become U+FFFD rather than failing the message: a
//!   bad byte in a name or a comment must not cost the results;
//! - a field splits into repeats, a repeat into components, and then each
//!   component's escape sequences are decoded: `&F&`, `&S&`, `&R&` and
//!   `&E&` are the field, component, repeat and escape delimiters, `&Xhh…&`
//!   the bytes `hh…` (an even number of hex digits, decoded in the
//!   message's encoding). Any other escape (`&H&` and `&N&` highlighting,
//!   `&Zxx&` local, a hex escape with an odd or non-hex digit) is kept
//!   literally, delimiters and all, and so is an escape delimiter with no
//!   closing one: many senders write a bare `&` in text;
//! - fields are numbered as the standard numbers them: field 1 is the
//!   record type, so `fields.field(5)` of a header is H.5; the header's
//!   H.2 is its delimiter definition as sent (`|\^&`), neither split nor
//!   decoded;
//! - the hierarchy is H, then patients (P), each with its orders (O), each
//!   with its results (R); a comment (C) belongs to the record before it
//!   (to that record's owner when it follows another comment); request
//!   information (Q) records sit beside the patients; manufacturer (M) and
//!   scientific (S) records are kept as [`OtherRecord`]s;
//! - sequence numbers (field 2) are checked for P, O and R: patients count
//!   from 1 in the message, orders from 1 under their patient, results
//!   from 1 under their order. Comments and queries are not checked, as
//!   analysers number them every way;
//! - the terminator's code (L.3) `N` ends a message normally; so does an
//!   empty code, since many analysers send a bare `L|1`. Any other code
//!   (`T` sender aborted, `R` receiver requested abort, `E` unknown error,
//!   `Q`, `I`, `F` of queries) means the message did not arrive as a whole
//!   and its results are not taken;
//! - dates and times (`YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`) are
//!   the analyser's local clock with no zone: kept as sent, and read into
//!   an [`AstmDateTime`] when they are valid.

use encoding_rs::SHIFT_JIS;
use thiserror::Error;

/// How the bytes of a record are read as text. Analysers in Japan send
/// patient names in Shift_JIS; the rest of the world sends ASCII, which
/// UTF-8 reads as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TextEncoding {
    /// ASCII or UTF-8.
    #[default]
    Utf8,
    /// Shift_JIS (as WHATWG defines it: CP932's extensions included).
    ShiftJis,
}

impl TextEncoding {
    fn decode(self, bytes: &[u8]) -> String {
        match self {
            TextEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            TextEncoding::ShiftJis => SHIFT_JIS.decode_without_bom_handling(bytes).0.into_owned(),
        }
    }
}

/// The four delimiters a message's header declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Delimiters {
    pub field: char,
    pub repeat: char,
    pub component: char,
    pub escape: char,
}

impl Default for Delimiters {
    fn default() -> Delimiters {
        Delimiters::STANDARD
    }
}

impl Delimiters {
    /// `|\^&`, what nearly every analyser sends.
    pub const STANDARD: Delimiters = Delimiters {
        field: '|',
        repeat: '\\',
        component: '^',
        escape: '&',
    };

    /// The delimiters of a header's text (`H|\^&…`), or why they are not.
    fn from_header(text: &str) -> Result<Delimiters, String> {
        let mut chars = text.chars().skip(1);
        let mut four = ['\0'; 4];
        for slot in four.iter_mut() {
            match chars.next() {
                Some(c) => *slot = c,
                None => {
                    return Err(format!(
                        "the header declares fewer than four delimiters: {:?}",
                        preview(text)
                    ))
                }
            }
        }
        for (i, c) in four.iter().enumerate() {
            if !c.is_ascii_graphic() || c.is_ascii_alphanumeric() {
                return Err(format!(
                    "delimiter {:?} is not a printable ASCII character other than a letter or digit",
                    c
                ));
            }
            if four[..i].contains(c) {
                return Err(format!("delimiter {c:?} is declared twice"));
            }
        }
        let [field, repeat, component, escape] = four;
        let delimiters = Delimiters {
            field,
            repeat,
            component,
            escape,
        };
        match chars.next() {
            None => Ok(delimiters),
            Some(c) if c == field => Ok(delimiters),
            Some(c) => Err(format!(
                "the delimiter definition goes on with {c:?} instead of ending at a field delimiter"
            )),
        }
    }
}

/// One field: its repeats, each a list of components, escapes decoded.
/// An empty field has no repeats.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Field {
    repeats: Vec<Vec<String>>,
}

static EMPTY_FIELD: Field = Field {
    repeats: Vec::new(),
};

impl Field {
    /// Splits a field's text (as it stands between two field delimiters)
    /// into repeats and components and decodes their escape sequences;
    /// `encoding` reads the bytes of `&Xhh…&` escapes.
    pub fn parse(text: &str, delimiters: &Delimiters, encoding: TextEncoding) -> Field {
        if text.is_empty() {
            return Field::default();
        }
        let repeats = text
            .split(delimiters.repeat)
            .map(|repeat| {
                repeat
                    .split(delimiters.component)
                    .map(|component| unescape(component, delimiters, encoding))
                    .collect()
            })
            .collect();
        Field { repeats }
    }

    /// Each repeat's components.
    pub fn repeats(&self) -> &[Vec<String>] {
        &self.repeats
    }

    /// The components of the first repeat (none for an empty field).
    pub fn components(&self) -> &[String] {
        self.repeats.first().map(Vec::as_slice).unwrap_or(&[])
    }

    /// Component `n` (from 1) of the first repeat; empty when absent.
    pub fn component(&self, n: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.components().get(i))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The first component of the first repeat: the whole value of a field
    /// that has no components.
    pub fn text(&self) -> &str {
        self.component(1)
    }

    /// Does the field hold no text at all?
    pub fn is_empty(&self) -> bool {
        self.repeats.iter().flatten().all(String::is_empty)
    }
}

/// The fields of one record, numbered as the standard numbers them
/// (field 1 is the record type letter).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fields(Vec<Field>);

impl Fields {
    /// Field `n` (from 1); an empty field when the record is shorter.
    pub fn field(&self, n: usize) -> &Field {
        n.checked_sub(1)
            .and_then(|i| self.0.get(i))
            .unwrap_or(&EMPTY_FIELD)
    }

    /// How many fields the record has, its type included.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A date and time as analysers send them: their local clock, no zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AstmDateTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    /// Absent when only the date was sent (`YYYYMMDD`).
    pub time: Option<TimeOfDay>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    pub hour: u8,
    pub minute: u8,
    /// 0 when the time was sent to the minute (`YYYYMMDDHHMM`).
    pub second: u8,
}

impl AstmDateTime {
    /// Reads `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`; `None` for any
    /// other text or an impossible date or time.
    pub fn parse(text: &str) -> Option<AstmDateTime> {
        let digits = text.as_bytes();
        if !matches!(digits.len(), 8 | 12 | 14) || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let number = |from: usize, to: usize| -> Option<u16> { text.get(from..to)?.parse().ok() };
        let small = |from: usize| -> Option<u8> { u8::try_from(number(from, from + 2)?).ok() };
        let year = number(0, 4)?;
        let month = small(4)?;
        let day = small(6)?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let time = match digits.len() {
            8 => None,
            len => {
                let time = TimeOfDay {
                    hour: small(8)?,
                    minute: small(10)?,
                    second: if len == 14 { small(12)? } else { 0 },
                };
                if time.hour > 23 || time.minute > 59 || time.second > 59 {
                    return None;
                }
                Some(time)
            }
        };
        Some(AstmDateTime {
            year,
            month,
            day,
            time,
        })
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// A date-time field as sent, and read when it is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp {
    /// The text as sent (`20261207093000`).
    pub raw: String,
    pub parsed: Option<AstmDateTime>,
}

impl Timestamp {
    /// The timestamp of a field; `None` when the field is empty.
    fn of(field: &Field) -> Option<Timestamp> {
        let raw = field.text();
        (!raw.is_empty()).then(|| Timestamp {
            raw: raw.to_string(),
            parsed: AstmDateTime::parse(raw),
        })
    }
}

/// A universal test id (`^^^code^…`), every component kept: the local
/// test code is the fourth, and analysers put a target, a dilution or the
/// kind of value (`Ct`, `COI`) in the ones after it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct UniversalTestId {
    pub components: Vec<String>,
}

impl UniversalTestId {
    fn of(components: &[String]) -> UniversalTestId {
        UniversalTestId {
            components: components.to_vec(),
        }
    }

    /// The local test code: the fourth component.
    pub fn code(&self) -> &str {
        self.components.get(3).map(String::as_str).unwrap_or("")
    }

    /// The components after the test code (target, dilution, …).
    pub fn extra(&self) -> &[String] {
        self.components.get(4..).unwrap_or(&[])
    }
}

/// The analyser that sent the message: H.5's components.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sender {
    pub name: String,
    pub version: String,
    pub serial: String,
    /// All of H.5's components, the three above included.
    pub components: Vec<String>,
}

/// The header record (H).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderRecord {
    pub delimiters: Delimiters,
    /// H.3.
    pub message_control_id: String,
    /// H.5.
    pub sender: Sender,
    /// H.10.
    pub receiver_id: String,
    /// H.12: `P` production, `T` training, `D` debugging, `Q` quality control.
    pub processing_id: String,
    /// H.13 (`LIS2-A2`, `1394-97`, …).
    pub version: String,
    /// H.14, when the message was made.
    pub sent_at: Option<Timestamp>,
    pub comments: Vec<CommentRecord>,
    pub fields: Fields,
}

/// A patient record (P) and the orders under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientRecord {
    /// The record's place in the message, from 1.
    pub record: usize,
    pub sequence: u32,
    /// P.3, the practice-assigned patient id.
    pub practice_id: String,
    /// P.4, the laboratory-assigned patient id.
    pub laboratory_id: String,
    /// P.6's components: last name, first name, middle name, suffix, title.
    pub name: Vec<String>,
    pub comments: Vec<CommentRecord>,
    pub orders: Vec<OrderRecord>,
    pub fields: Fields,
}

impl PatientRecord {
    /// The name's non-empty components joined by spaces (`山田 太郎`).
    pub fn full_name(&self) -> String {
        let parts: Vec<&str> = self
            .name
            .iter()
            .map(String::as_str)
            .filter(|part| !part.is_empty())
            .collect();
        parts.join(" ")
    }
}

/// An order record (O) and the results under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    pub record: usize,
    pub sequence: u32,
    /// O.3's first component: the specimen (sample) id, the tube's barcode.
    pub specimen_id: String,
    /// O.4's first component, the analyser's own id for the specimen.
    pub instrument_specimen_id: String,
    /// O.5, one id per repeat.
    pub tests: Vec<UniversalTestId>,
    /// O.8.
    pub collected_at: Option<Timestamp>,
    /// O.12: `N` new, `A` add, `C` cancel, `Q` quality control, …
    pub action_code: String,
    /// O.26: `F` final, `P` preliminary, `X` cannot be done, `Y` no order, …
    pub report_type: String,
    pub comments: Vec<CommentRecord>,
    pub results: Vec<ResultRecord>,
    pub fields: Fields,
}

/// R.9, the status of a result.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResultStatus {
    /// `C`: corrects a result sent before.
    Correction,
    /// `P`.
    Preliminary,
    /// `F`.
    Final,
    /// `X`: the test cannot be done (no value).
    CannotBeDone,
    /// `I`: in the instrument, pending.
    Pending,
    /// `S`: partial.
    Partial,
    /// `M`: an MIC level.
    Mic,
    /// `R`: sent before.
    PreviouslyTransmitted,
    /// `N`: new or additional.
    NewAdditional,
    /// `Q`: in answer to a query.
    QueryResponse,
    /// `V`: verified by the operator.
    Verified,
    /// `W`: a warning, validity questionable.
    Warning,
    /// Any other code, as sent.
    Other(String),
}

impl ResultStatus {
    /// The status of a code; `None` for an empty one.
    pub fn from_code(code: &str) -> Option<ResultStatus> {
        Some(match code {
            "" => return None,
            "C" => ResultStatus::Correction,
            "P" => ResultStatus::Preliminary,
            "F" => ResultStatus::Final,
            "X" => ResultStatus::CannotBeDone,
            "I" => ResultStatus::Pending,
            "S" => ResultStatus::Partial,
            "M" => ResultStatus::Mic,
            "R" => ResultStatus::PreviouslyTransmitted,
            "N" => ResultStatus::NewAdditional,
            "Q" => ResultStatus::QueryResponse,
            "V" => ResultStatus::Verified,
            "W" => ResultStatus::Warning,
            other => ResultStatus::Other(other.to_string()),
        })
    }

    pub fn code(&self) -> &str {
        match self {
            ResultStatus::Correction => "C",
            ResultStatus::Preliminary => "P",
            ResultStatus::Final => "F",
            ResultStatus::CannotBeDone => "X",
            ResultStatus::Pending => "I",
            ResultStatus::Partial => "S",
            ResultStatus::Mic => "M",
            ResultStatus::PreviouslyTransmitted => "R",
            ResultStatus::NewAdditional => "N",
            ResultStatus::QueryResponse => "Q",
            ResultStatus::Verified => "V",
            ResultStatus::Warning => "W",
            ResultStatus::Other(code) => code,
        }
    }
}

/// A result record (R).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRecord {
    pub record: usize,
    pub sequence: u32,
    /// R.3.
    pub test: UniversalTestId,
    /// R.4's components (one, empty, when R.4 is).
    pub value: Vec<String>,
    /// R.5.
    pub units: String,
    /// R.6.
    pub reference_range: String,
    /// R.7, one flag per non-empty repeat (`H`, `L`, `A`, `N`, …).
    pub flags: Vec<String>,
    /// R.9.
    pub status: Option<ResultStatus>,
    /// R.11.
    pub operator: String,
    /// R.12.
    pub started_at: Option<Timestamp>,
    /// R.13.
    pub completed_at: Option<Timestamp>,
    /// R.14, the instrument (or module) that ran the test, when given.
    pub instrument: String,
    pub comments: Vec<CommentRecord>,
    pub fields: Fields,
}

/// A comment record (C), kept with the record it follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRecord {
    pub record: usize,
    /// C.2, as sent (not checked).
    pub sequence: String,
    /// C.3: `I` instrument, `L` laboratory, `P` practice.
    pub source: String,
    /// C.4's non-empty components, every repeat's in order (a code and
    /// its text, or lines of text).
    pub text: Vec<String>,
    /// C.5: `G` generic, `T` test name, `P` positive, `N` negative, `I`
    /// instruction.
    pub kind: String,
}

/// A request information record (Q): an analyser asking for orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRecord {
    pub record: usize,
    /// Q.2, as sent (not checked).
    pub sequence: String,
    /// Q.3's components: patient id, specimen id, …
    pub starting_range: Vec<String>,
    /// Q.5, one id per repeat.
    pub tests: Vec<UniversalTestId>,
    /// Q.13 (`O` orders, `A` abort, …).
    pub status: String,
    pub comments: Vec<CommentRecord>,
    pub fields: Fields,
}

impl QueryRecord {
    /// The specimen id asked about: Q.3's second component.
    pub fn specimen_id(&self) -> &str {
        self.starting_range.get(1).map(String::as_str).unwrap_or("")
    }
}

/// A manufacturer (M) or scientific (S) record, kept unread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherRecord {
    pub record: usize,
    /// `M` or `S`.
    pub kind: char,
    pub comments: Vec<CommentRecord>,
    pub fields: Fields,
}

/// The terminator record (L) of a message that ended normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminatorRecord {
    pub record: usize,
    /// L.2, as sent.
    pub sequence: String,
    /// L.3: `N` or empty.
    pub code: String,
}

/// One message, header to terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub header: HeaderRecord,
    pub patients: Vec<PatientRecord>,
    pub queries: Vec<QueryRecord>,
    /// M and S records, in order.
    pub others: Vec<OtherRecord>,
    pub terminator: TerminatorRecord,
}

/// The analyser a result came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Instrument {
    /// H.5's name, or R.14 when the result names its instrument.
    pub name: String,
    /// H.5's serial number; empty when R.14 names the instrument.
    pub serial: String,
}

/// One result record with what the records above it say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AstmResult {
    /// The R record's place in the message.
    pub record: usize,
    /// The specimen id of the order above it (O.3).
    pub specimen_id: String,
    /// The test code (R.3's fourth component).
    pub test_code: String,
    /// R.3 whole.
    pub test: UniversalTestId,
    /// R.4's first component.
    pub value: String,
    /// R.4's components, the first included.
    pub value_components: Vec<String>,
    pub units: String,
    pub reference_range: String,
    pub flags: Vec<String>,
    pub status: Option<ResultStatus>,
    pub instrument: Instrument,
    /// R.13.
    pub completed_at: Option<Timestamp>,
    /// The comments that follow the R record.
    pub comments: Vec<CommentRecord>,
}

impl Message {
    /// One [`AstmResult`] per R record, in message order.
    pub fn results(&self) -> Vec<AstmResult> {
        let sender = &self.header.sender;
        let mut out = Vec::new();
        for order in self.patients.iter().flat_map(|p| &p.orders) {
            for result in &order.results {
                let instrument = if result.instrument.is_empty() {
                    Instrument {
                        name: sender.name.clone(),
                        serial: sender.serial.clone(),
                    }
                } else {
                    Instrument {
                        name: result.instrument.clone(),
                        serial: String::new(),
                    }
                };
                out.push(AstmResult {
                    record: result.record,
                    specimen_id: order.specimen_id.clone(),
                    test_code: result.test.code().to_string(),
                    test: result.test.clone(),
                    value: result.value.first().cloned().unwrap_or_default(),
                    value_components: result.value.clone(),
                    units: result.units.clone(),
                    reference_range: result.reference_range.clone(),
                    flags: result.flags.clone(),
                    status: result.status.clone(),
                    instrument,
                    completed_at: result.completed_at.clone(),
                    comments: result.comments.clone(),
                });
            }
        }
        out
    }
}

/// Why a message's records are not a message. `record` is the record's
/// place in the message, from 1.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    #[error("the message holds no records")]
    NoRecords,
    #[error(
        "record {record} starts with {found:?}, not with the header (H) a message starts with"
    )]
    MissingHeader { record: usize, found: String },
    #[error("record {record} (H) declares no usable delimiters: {problem}")]
    BadDelimiters { record: usize, problem: String },
    #[error("record {record} is a second header (H) before the terminator (L)")]
    SecondHeader { record: usize },
    #[error("record {record} is empty")]
    EmptyRecord { record: usize },
    #[error("record {record} does not start with a known record type: {found:?}")]
    UnknownType { record: usize, found: String },
    #[error("record {record} ({kind}) has sequence number {found:?} where {expected} is due")]
    Sequence {
        record: usize,
        kind: char,
        expected: u32,
        found: String,
    },
    #[error("record {record} is an order (O) with no patient (P) before it")]
    OrderWithoutPatient { record: usize },
    #[error("record {record} is a result (R) with no order (O) before it")]
    ResultWithoutOrder { record: usize },
    #[error("the message ends at record {last} without a terminator (L)")]
    MissingTerminator { last: usize },
    #[error("record {record} (L) ends the message with termination code {code:?} ({}): the message is incomplete", termination_meaning(code))]
    Aborted { record: usize, code: String },
    #[error("record {record} follows the terminator (L)")]
    AfterTerminator { record: usize },
}

impl RecordError {
    /// The record the error is about, when it is about one.
    pub fn record(&self) -> Option<usize> {
        match self {
            RecordError::NoRecords => None,
            RecordError::MissingTerminator { last } => Some(*last),
            RecordError::MissingHeader { record, .. }
            | RecordError::BadDelimiters { record, .. }
            | RecordError::SecondHeader { record }
            | RecordError::EmptyRecord { record }
            | RecordError::UnknownType { record, .. }
            | RecordError::Sequence { record, .. }
            | RecordError::OrderWithoutPatient { record }
            | RecordError::ResultWithoutOrder { record }
            | RecordError::Aborted { record, .. }
            | RecordError::AfterTerminator { record } => Some(*record),
        }
    }
}

/// What a termination code (L.3) means, for error messages.
fn termination_meaning(code: &str) -> &'static str {
    match code {
        "T" => "sender aborted",
        "R" => "receiver requested abort",
        "E" => "unknown system error",
        "Q" => "error in last request for information",
        "I" => "no information available from last query",
        "F" => "last request for information processed",
        _ => "not a termination code of the standard",
    }
}

/// The first characters of a text, for error messages.
fn preview(text: &str) -> String {
    text.chars().take(16).collect()
}

/// Decodes the escape sequences of one component (see the module's rules).
fn unescape(text: &str, delimiters: &Delimiters, encoding: TextEncoding) -> String {
    let escape = delimiters.escape;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(escape) {
        out.push_str(&rest[..start]);
        let after = &rest[start + escape.len_utf8()..];
        let Some(end) = after.find(escape) else {
            // No closing delimiter: the rest is text.
            out.push(escape);
            rest = after;
            break;
        };
        let inner = &after[..end];
        match escaped(inner, delimiters, encoding) {
            Some(decoded) => out.push_str(&decoded),
            None => {
                out.push(escape);
                out.push_str(inner);
                out.push(escape);
            }
        }
        rest = &after[end + escape.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// The text of one escape sequence's inside (`F`, `X0D0A`, …); `None`
/// for one this module does not decode.
fn escaped(inner: &str, delimiters: &Delimiters, encoding: TextEncoding) -> Option<String> {
    match inner {
        "F" => Some(delimiters.field.to_string()),
        "S" => Some(delimiters.component.to_string()),
        "R" => Some(delimiters.repeat.to_string()),
        "E" => Some(delimiters.escape.to_string()),
        _ => {
            let hex = inner.strip_prefix('X')?;
            if hex.is_empty() || hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| {
                    hex.get(i..i + 2)
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                })
                .collect::<Option<Vec<u8>>>()?;
            Some(encoding.decode(&bytes))
        }
    }
}

/// A record's text: decoded, a trailing CR dropped.
fn record_text(bytes: &[u8], encoding: TextEncoding) -> String {
    encoding.decode(bytes.strip_suffix(b"\r").unwrap_or(bytes))
}

/// The header's fields, H.2 (the delimiter definition) kept as sent.
fn header_fields(
    text: &str,
    delimiters: &Delimiters,
    encoding: TextEncoding,
) -> Result<Fields, String> {
    // `H` and four one-byte delimiters: five bytes, all ASCII.
    let definition = text.get(1..5).ok_or("the delimiters are not ASCII")?;
    let mut fields = vec![
        Field::parse("H", delimiters, encoding),
        Field {
            repeats: vec![vec![definition.to_string()]],
        },
    ];
    let rest = text.get(5..).unwrap_or("");
    if let Some(rest) = rest.strip_prefix(delimiters.field) {
        fields.extend(
            rest.split(delimiters.field)
                .map(|f| Field::parse(f, delimiters, encoding)),
        );
    }
    Ok(Fields(fields))
}

/// The record types of the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Header,
    Patient,
    Order,
    Result,
    Comment,
    Query,
    Terminator,
    Manufacturer,
    Scientific,
}

impl Kind {
    fn of(letter: &str) -> Option<Kind> {
        Some(match letter {
            "H" => Kind::Header,
            "P" => Kind::Patient,
            "O" => Kind::Order,
            "R" => Kind::Result,
            "C" => Kind::Comment,
            "Q" => Kind::Query,
            "L" => Kind::Terminator,
            "M" => Kind::Manufacturer,
            "S" => Kind::Scientific,
            _ => return None,
        })
    }
}

/// The record a comment belongs to: the last one of its kind so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Header,
    Patient,
    Order,
    Result,
    Query,
    Other,
}

/// Reads field 2 as the sequence number `expected`.
fn sequence(fields: &Fields, record: usize, kind: char, expected: u32) -> Result<u32, RecordError> {
    let found = fields.field(2).text();
    match found.parse::<u32>() {
        Ok(n) if n == expected && found.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(RecordError::Sequence {
            record,
            kind,
            expected,
            found: found.to_string(),
        }),
    }
}

fn next(count: usize) -> u32 {
    u32::try_from(count).map_or(u32::MAX, |n| n.saturating_add(1))
}

fn texts(field: &Field) -> Vec<String> {
    field.components().to_vec()
}

fn tests(field: &Field) -> Vec<UniversalTestId> {
    field
        .repeats()
        .iter()
        .filter(|repeat| repeat.iter().any(|c| !c.is_empty()))
        .map(|repeat| UniversalTestId::of(repeat))
        .collect()
}

fn comment(record: usize, fields: Fields) -> CommentRecord {
    CommentRecord {
        record,
        sequence: fields.field(2).text().to_string(),
        source: fields.field(3).text().to_string(),
        text: fields
            .field(4)
            .repeats()
            .iter()
            .flatten()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect(),
        kind: fields.field(5).text().to_string(),
    }
}

/// Reads one message: `records` from the header to the terminator, each
/// the bytes of one record as the link layer hands it up.
pub fn parse_message(records: &[Vec<u8>], text: TextEncoding) -> Result<Message, RecordError> {
    let first = records.first().ok_or(RecordError::NoRecords)?;
    let header_text = record_text(first, text);
    if !header_text.starts_with('H') {
        return Err(RecordError::MissingHeader {
            record: 1,
            found: preview(&header_text),
        });
    }
    let bad = |problem: String| RecordError::BadDelimiters { record: 1, problem };
    let delimiters = Delimiters::from_header(&header_text).map_err(bad)?;
    let fields = header_fields(&header_text, &delimiters, text).map_err(bad)?;
    let sender = fields.field(5);
    let mut header = HeaderRecord {
        delimiters,
        message_control_id: fields.field(3).text().to_string(),
        sender: Sender {
            name: sender.component(1).to_string(),
            version: sender.component(2).to_string(),
            serial: sender.component(3).to_string(),
            components: texts(sender),
        },
        receiver_id: fields.field(10).text().to_string(),
        processing_id: fields.field(12).text().to_string(),
        version: fields.field(13).text().to_string(),
        sent_at: Timestamp::of(fields.field(14)),
        comments: Vec::new(),
        fields,
    };

    let mut patients: Vec<PatientRecord> = Vec::new();
    let mut queries: Vec<QueryRecord> = Vec::new();
    let mut others: Vec<OtherRecord> = Vec::new();
    let mut terminator: Option<TerminatorRecord> = None;
    let mut owner = Owner::Header;

    for (index, bytes) in records.iter().enumerate().skip(1) {
        let record = index + 1;
        if terminator.is_some() {
            return Err(RecordError::AfterTerminator { record });
        }
        let line = record_text(bytes, text);
        if line.is_empty() {
            return Err(RecordError::EmptyRecord { record });
        }
        let mut pieces = line.split(delimiters.field);
        let letter = pieces.next().unwrap_or("");
        let kind = Kind::of(letter).ok_or_else(|| RecordError::UnknownType {
            record,
            found: preview(letter),
        })?;
        let fields = Fields(
            std::iter::once(Field::parse(letter, &delimiters, text))
                .chain(pieces.map(|f| Field::parse(f, &delimiters, text)))
                .collect(),
        );
        match kind {
            Kind::Header => return Err(RecordError::SecondHeader { record }),
            Kind::Patient => {
                let sequence = sequence(&fields, record, 'P', next(patients.len()))?;
                patients.push(PatientRecord {
                    record,
                    sequence,
                    practice_id: fields.field(3).text().to_string(),
                    laboratory_id: fields.field(4).text().to_string(),
                    name: texts(fields.field(6)),
                    comments: Vec::new(),
                    orders: Vec::new(),
                    fields,
                });
                owner = Owner::Patient;
            }
            Kind::Order => {
                let patient = patients
                    .last_mut()
                    .ok_or(RecordError::OrderWithoutPatient { record })?;
                let sequence = sequence(&fields, record, 'O', next(patient.orders.len()))?;
                patient.orders.push(OrderRecord {
                    record,
                    sequence,
                    specimen_id: fields.field(3).text().to_string(),
                    instrument_specimen_id: fields.field(4).text().to_string(),
                    tests: tests(fields.field(5)),
                    collected_at: Timestamp::of(fields.field(8)),
                    action_code: fields.field(12).text().to_string(),
                    report_type: fields.field(26).text().to_string(),
                    comments: Vec::new(),
                    results: Vec::new(),
                    fields,
                });
                owner = Owner::Order;
            }
            Kind::Result => {
                let order = patients
                    .last_mut()
                    .and_then(|p| p.orders.last_mut())
                    .ok_or(RecordError::ResultWithoutOrder { record })?;
                let sequence = sequence(&fields, record, 'R', next(order.results.len()))?;
                let value = match fields.field(4).components() {
                    [] => vec![String::new()],
                    components => components.to_vec(),
                };
                order.results.push(ResultRecord {
                    record,
                    sequence,
                    test: UniversalTestId::of(fields.field(3).components()),
                    value,
                    units: fields.field(5).text().to_string(),
                    reference_range: fields.field(6).text().to_string(),
                    flags: fields
                        .field(7)
                        .repeats()
                        .iter()
                        .filter_map(|r| r.first())
                        .filter(|f| !f.is_empty())
                        .cloned()
                        .collect(),
                    status: ResultStatus::from_code(fields.field(9).text()),
                    operator: fields.field(11).text().to_string(),
                    started_at: Timestamp::of(fields.field(12)),
                    completed_at: Timestamp::of(fields.field(13)),
                    instrument: fields.field(14).text().to_string(),
                    comments: Vec::new(),
                    fields,
                });
                owner = Owner::Result;
            }
            Kind::Comment => {
                let comment = comment(record, fields);
                let comments = match owner {
                    Owner::Header => None,
                    Owner::Patient => patients.last_mut().map(|p| &mut p.comments),
                    Owner::Order => patients
                        .last_mut()
                        .and_then(|p| p.orders.last_mut())
                        .map(|o| &mut o.comments),
                    Owner::Result => patients
                        .last_mut()
                        .and_then(|p| p.orders.last_mut())
                        .and_then(|o| o.results.last_mut())
                        .map(|r| &mut r.comments),
                    Owner::Query => queries.last_mut().map(|q| &mut q.comments),
                    Owner::Other => others.last_mut().map(|o| &mut o.comments),
                };
                // The owner is always there; the header takes a comment
                // whose owner could not be found rather than losing it.
                comments.unwrap_or(&mut header.comments).push(comment);
            }
            Kind::Query => {
                queries.push(QueryRecord {
                    record,
                    sequence: fields.field(2).text().to_string(),
                    starting_range: texts(fields.field(3)),
                    tests: tests(fields.field(5)),
                    status: fields.field(13).text().to_string(),
                    comments: Vec::new(),
                    fields,
                });
                owner = Owner::Query;
            }
            Kind::Manufacturer | Kind::Scientific => {
                others.push(OtherRecord {
                    record,
                    kind: if kind == Kind::Manufacturer { 'M' } else { 'S' },
                    comments: Vec::new(),
                    fields,
                });
                owner = Owner::Other;
            }
            Kind::Terminator => {
                let code = fields.field(3).text().to_string();
                if !(code.is_empty() || code == "N") {
                    return Err(RecordError::Aborted { record, code });
                }
                terminator = Some(TerminatorRecord {
                    record,
                    sequence: fields.field(2).text().to_string(),
                    code,
                });
            }
        }
    }

    let terminator = terminator.ok_or(RecordError::MissingTerminator {
        last: records.len(),
    })?;
    Ok(Message {
        header,
        patients,
        queries,
        others,
        terminator,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str) -> Field {
        Field::parse(text, &Delimiters::STANDARD, TextEncoding::Utf8)
    }

    fn one(text: &str) -> String {
        unescape(text, &Delimiters::STANDARD, TextEncoding::Utf8)
    }

    #[test]
    fn each_delimiter_escape_decodes_to_its_delimiter() {
        assert_eq!(one("a&F&b"), "a|b");
        assert_eq!(one("a&S&b"), "a^b");
        assert_eq!(one("a&R&b"), "a\\b");
        assert_eq!(one("a&E&b"), "a&b");
        assert_eq!(one("&F&&S&&R&&E&"), "|^\\&");
    }

    #[test]
    fn a_hex_escape_decodes_to_its_bytes_in_the_message_encoding() {
        assert_eq!(one("line&X0D0A&next"), "line\r\nnext");
        assert_eq!(one("&X4b6f&"), "Ko");
        // 山 is 0x8E 0x52 in Shift_JIS, E5 B1 B1 in UTF-8.
        let d = Delimiters::STANDARD;
        assert_eq!(unescape("&X8E52&", &d, TextEncoding::ShiftJis), "山");
        assert_eq!(unescape("&XE5B1B1&", &d, TextEncoding::Utf8), "山");
    }

    #[test]
    fn unknown_and_malformed_escapes_are_kept_literally() {
        assert_eq!(one("&H&bold&N&"), "&H&bold&N&");
        assert_eq!(one("&Zlocal&"), "&Zlocal&");
        assert_eq!(one("&X0&"), "&X0&");
        assert_eq!(one("&XZZ&"), "&XZZ&");
        assert_eq!(one("&X&"), "&X&");
        assert_eq!(one("Tom & Jerry"), "Tom & Jerry");
        assert_eq!(one("a &"), "a &");
        // An unknown escape's closing delimiter does not open the next.
        assert_eq!(one("&H&F&"), "&H&F&");
        assert_eq!(one("&H&&F&"), "&H&|");
    }

    #[test]
    fn escapes_are_decoded_after_splitting_so_they_never_split() {
        let f = field("a&S&b^c&R&d\\e");
        assert_eq!(
            f.repeats(),
            [
                vec!["a^b".to_string(), "c\\d".to_string()],
                vec!["e".to_string()]
            ]
        );
    }

    #[test]
    fn a_field_splits_into_repeats_and_components() {
        let f = field("^^^N1^Ct\\^^^N2");
        assert_eq!(f.repeats().len(), 2);
        assert_eq!(f.components(), ["", "", "", "N1", "Ct"]);
        assert_eq!(f.component(4), "N1");
        assert_eq!(f.component(0), "");
        assert_eq!(f.component(9), "");
        assert_eq!(f.text(), "");
        assert!(!f.is_empty());
        assert_eq!(field("R26-0001").text(), "R26-0001");
    }

    #[test]
    fn an_empty_field_has_no_repeats() {
        assert!(field("").repeats().is_empty());
        assert!(field("").is_empty());
        assert!(field("^\\^").is_empty());
        assert_eq!(field("").components(), [] as [String; 0]);
    }

    #[test]
    fn delimiters_must_be_four_different_punctuation_characters() {
        assert_eq!(Delimiters::from_header("H|\\^&"), Ok(Delimiters::STANDARD));
        assert_eq!(
            Delimiters::from_header("H|\\^&|x"),
            Ok(Delimiters::STANDARD)
        );
        assert!(Delimiters::from_header("H|\\^").is_err());
        assert!(Delimiters::from_header("H|\\^|").is_err());
        assert!(Delimiters::from_header("H|\\^a").is_err());
        assert!(Delimiters::from_header("H| ^&").is_err());
        assert!(Delimiters::from_header("H|\\^&~|").is_err());
        assert!(Delimiters::from_header("H|\\^\u{3042}").is_err());
    }

    #[test]
    fn dates_and_times_are_read_to_the_day_minute_or_second() {
        let day = AstmDateTime::parse("20240229").unwrap();
        assert_eq!(
            (day.year, day.month, day.day, day.time),
            (2024, 2, 29, None)
        );
        let minute = AstmDateTime::parse("202612070930").unwrap();
        assert_eq!(
            minute.time,
            Some(TimeOfDay {
                hour: 9,
                minute: 30,
                second: 0
            })
        );
        let second = AstmDateTime::parse("20261207235959").unwrap();
        assert_eq!(
            second.time,
            Some(TimeOfDay {
                hour: 23,
                minute: 59,
                second: 59
            })
        );
    }

    #[test]
    fn impossible_or_odd_dates_are_not_read() {
        for text in [
            "20230229",
            "20261301",
            "20261200",
            "20261131",
            "20261207240000",
            "20261207236000",
            "20261207235960",
            "2026120709",
            "2026-12-07",
            "20261207093000+0900",
            "",
            "２０２６１２０７",
        ] {
            assert_eq!(AstmDateTime::parse(text), None, "{text:?}");
        }
        assert!(AstmDateTime::parse("20000229").is_some());
        assert!(AstmDateTime::parse("21000229").is_none());
    }

    #[test]
    fn the_universal_test_id_code_is_the_fourth_component() {
        let id = UniversalTestId::of(field("^^^SARS2^N1^Ct").components());
        assert_eq!(id.code(), "SARS2");
        assert_eq!(id.extra(), ["N1", "Ct"]);
        let short = UniversalTestId::of(field("SARS2").components());
        assert_eq!(short.code(), "");
        assert!(short.extra().is_empty());
    }

    #[test]
    fn result_status_codes_read_and_write_back() {
        for code in [
            "C", "P", "F", "X", "I", "S", "M", "R", "N", "Q", "V", "W", "Z",
        ] {
            let status = ResultStatus::from_code(code).unwrap();
            assert_eq!(status.code(), code);
        }
        assert_eq!(ResultStatus::from_code(""), None);
        assert_eq!(
            ResultStatus::from_code("Z"),
            Some(ResultStatus::Other("Z".into()))
        );
    }
}
