//! An HL7 v2 message cut into segments, fields, repetitions, components
//! and subcomponents, with its escape sequences resolved.
//!
//! How a message is read:
//!
//! 1. The bytes are cut into lines at CR, LF or CRLF (HL7 ends segments
//!    with CR; files and some devices use the others). Empty lines are
//!    skipped. No supported character set puts a CR or LF byte inside a
//!    character, so this is safe before decoding.
//! 2. The first line must be MSH. Its fourth byte is the field separator
//!    (MSH-1) and the bytes up to the next field separator are the encoding
//!    characters (MSH-2): component, repetition, escape, subcomponent and,
//!    optionally, truncation (HL7 2.7; kept, with no meaning here). They
//!    must be distinct ASCII punctuation.
//! 3. MSH-18 is read from the MSH bytes, as ASCII, and names the character
//!    set ([`Charset`]); the whole message is then decoded to text. The
//!    fields of MSH before MSH-18 must therefore hold no byte above 0x7F
//!    (ISO-2022-JP's shifted bytes are skipped over, as they are 7-bit).
//! 4. Each segment is cut into fields at the field separator, each field
//!    into repetitions, components and subcomponents; then each
//!    subcomponent's escape sequences are resolved: `\F\ \S\ \T\ \R\ \E\`
//!    give the separator they name, `\.br\` a line break (`\n`), and
//!    `\Xhh…\` the bytes it spells, decoded in the message's character
//!    set. Any other escape (`\H\`, `\N\`, `\.sp\`, `\Cxxyy\`, `\Zxx\`, …),
//!    a `\X…\` that is not whole hex bytes valid in the set, and an escape
//!    character with no closing one are kept as written: they are rare in
//!    results, and dropping them would lose text.
//! 5. MSH-1 and MSH-2 are kept as written (they are the separators).
//!
//! HL7's explicit null `""` is kept as two quotes: whoever reads a field
//! decides what an explicit null means for it.

use super::charset::{Charset, CharsetError};
use thiserror::Error;

/// A message whose MSH cannot be read, or whose text cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MessageError {
    #[error("the message does not start with an MSH segment")]
    NoHeader,
    #[error("MSH-1 and MSH-2 do not give usable separators: \"{0}\"")]
    BadSeparators(String),
    #[error(transparent)]
    Charset(#[from] CharsetError),
    #[error("the message is not valid {0} text")]
    Undecodable(Charset),
}

/// The separators of a message (MSH-1 and MSH-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    pub field: char,
    pub component: char,
    pub repetition: char,
    pub escape: char,
    pub subcomponent: char,
    /// HL7 2.7's fifth encoding character; carried, not interpreted.
    pub truncation: Option<char>,
}

impl Default for Delimiters {
    /// `|^~\&`, what nearly everyone sends and what kentai writes.
    fn default() -> Self {
        Delimiters {
            field: '|',
            component: '^',
            repetition: '~',
            escape: '\\',
            subcomponent: '&',
            truncation: None,
        }
    }
}

impl Delimiters {
    /// The separators of an MSH line (its bytes as sent).
    pub fn from_msh(line: &[u8]) -> Result<Delimiters, MessageError> {
        if !line.starts_with(b"MSH") {
            return Err(MessageError::NoHeader);
        }
        Delimiters::from_header(line)
    }

    /// The separators of an MSH, FHS or BHS line, which all start
    /// `XXX|^~\&`.
    pub fn from_header(line: &[u8]) -> Result<Delimiters, MessageError> {
        let bad = || MessageError::BadSeparators(preview(line));
        let field = *line.get(3).ok_or_else(bad)?;
        let rest = &line[4..];
        let end = rest.iter().position(|&b| b == field).unwrap_or(rest.len());
        let chars = &rest[..end];
        if !(4..=5).contains(&chars.len()) {
            return Err(bad());
        }
        let all = [&[field][..], chars].concat();
        let usable = all.iter().all(|b| b.is_ascii_punctuation());
        let distinct = all.iter().enumerate().all(|(i, b)| !all[..i].contains(b));
        if !usable || !distinct {
            return Err(bad());
        }
        Ok(Delimiters {
            field: char::from(field),
            component: char::from(chars[0]),
            repetition: char::from(chars[1]),
            escape: char::from(chars[2]),
            subcomponent: char::from(chars[3]),
            truncation: chars.get(4).map(|&b| char::from(b)),
        })
    }

    /// MSH-2 as these separators write it.
    pub fn encoding_characters(&self) -> String {
        let mut s: String = [
            self.component,
            self.repetition,
            self.escape,
            self.subcomponent,
        ]
        .into_iter()
        .collect();
        s.extend(self.truncation);
        s
    }

    /// `text` escaped to stand in one subcomponent: separators and the
    /// escape character as `\F\ \S\ \T\ \R\ \E\`, line ends as `\.br\`.
    pub fn escape(&self, text: &str) -> String {
        let e = self.escape;
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            let code = match c {
                c if c == self.field => "F",
                c if c == self.component => "S",
                c if c == self.subcomponent => "T",
                c if c == self.repetition => "R",
                c if c == e => "E",
                '\r' | '\n' => {
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    ".br"
                }
                c => {
                    out.push(c);
                    continue;
                }
            };
            out.push(e);
            out.push_str(code);
            out.push(e);
        }
        out
    }

    /// Resolves the escape sequences of one subcomponent (see the module
    /// documentation for which ones).
    pub fn unescape(&self, text: &str, charset: Charset) -> String {
        let e = self.escape;
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find(e) {
            out.push_str(&rest[..start]);
            let after = &rest[start + e.len_utf8()..];
            let Some(len) = after.find(e) else {
                // No closing escape character: the rest as written.
                out.push_str(&rest[start..]);
                return out;
            };
            let code = &after[..len];
            match self.resolve(code, charset) {
                Some(resolved) => out.push_str(&resolved),
                None => {
                    out.push(e);
                    out.push_str(code);
                    out.push(e);
                }
            }
            rest = &after[len + e.len_utf8()..];
        }
        out.push_str(rest);
        out
    }

    fn resolve(&self, code: &str, charset: Charset) -> Option<String> {
        let single = |c: char| Some(c.to_string());
        match code {
            "F" => single(self.field),
            "S" => single(self.component),
            "T" => single(self.subcomponent),
            "R" => single(self.repetition),
            "E" => single(self.escape),
            ".br" => single('\n'),
            _ => {
                let hex = code.strip_prefix('X')?;
                let bytes = hex_bytes(hex)?;
                charset.decode(&bytes)
            }
        }
    }
}

/// Whole hex bytes (`0D0A`), or `None`.
fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

/// One subcomponent list: a component.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Component {
    pub subcomponents: Vec<String>,
}

impl Component {
    /// The first subcomponent, `""` when there is none.
    pub fn text(&self) -> &str {
        self.subcomponent(1)
    }

    /// Subcomponent `n` (1-based), `""` when absent.
    pub fn subcomponent(&self, n: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.subcomponents.get(i))
            .map_or("", String::as_str)
    }
}

/// One repetition of a field: its components.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Repetition {
    pub components: Vec<Component>,
}

impl Repetition {
    /// The first subcomponent of component `n` (1-based), `""` when absent.
    pub fn component(&self, n: usize) -> &str {
        self.subcomponent(n, 1)
    }

    /// Subcomponent `s` of component `n` (both 1-based), `""` when absent.
    pub fn subcomponent(&self, n: usize, s: usize) -> &str {
        n.checked_sub(1)
            .and_then(|i| self.components.get(i))
            .map_or("", |c| c.subcomponent(s))
    }

    /// True when nothing in it has a value.
    pub fn is_empty(&self) -> bool {
        self.components
            .iter()
            .all(|c| c.subcomponents.iter().all(String::is_empty))
    }
}

/// One field: its repetitions (one for a field that does not repeat).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Field {
    pub repetitions: Vec<Repetition>,
}

impl Field {
    /// The first repetition, if the field has a value.
    pub fn first(&self) -> Option<&Repetition> {
        self.repetitions.first().filter(|r| !r.is_empty())
    }

    /// True when nothing in it has a value.
    pub fn is_empty(&self) -> bool {
        self.repetitions.iter().all(Repetition::is_empty)
    }
}

/// One segment: its id and fields. For MSH, field 1 is the field
/// separator and field 2 the encoding characters, as HL7 numbers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub id: String,
    /// `fields[0]` is field 1.
    pub fields: Vec<Field>,
}

impl Segment {
    /// Field `n` (1-based), if present.
    pub fn field(&self, n: usize) -> Option<&Field> {
        n.checked_sub(1).and_then(|i| self.fields.get(i))
    }

    /// The repetitions of field `n`; empty when the field is absent.
    pub fn repetitions(&self, n: usize) -> &[Repetition] {
        self.field(n).map_or(&[], |f| f.repetitions.as_slice())
    }

    /// Component `c` of the first repetition of field `n`, `""` when
    /// absent.
    pub fn component(&self, n: usize, c: usize) -> &str {
        self.repetitions(n).first().map_or("", |r| r.component(c))
    }

    /// The first component of field `n`, `""` when absent.
    pub fn text(&self, n: usize) -> &str {
        self.component(n, 1)
    }

    /// True when field `n` is absent or has no value.
    pub fn is_empty(&self, n: usize) -> bool {
        self.field(n).is_none_or(Field::is_empty)
    }
}

/// A decoded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    delimiters: Delimiters,
    charset: Charset,
    /// The MSH segment first.
    segments: Vec<Segment>,
}

impl Message {
    /// Reads one message (see the module documentation).
    pub fn parse(bytes: &[u8]) -> Result<Message, MessageError> {
        let lines = lines(bytes);
        let msh = lines.first().ok_or(MessageError::NoHeader)?;
        let delimiters = Delimiters::from_msh(msh)?;
        let charset = Charset::from_msh18(&msh18(msh, &delimiters))?;
        let mut segments = Vec::with_capacity(lines.len());
        for line in &lines {
            let text = charset
                .decode(line)
                .ok_or(MessageError::Undecodable(charset))?;
            segments.push(parse_segment(&text, &delimiters, charset));
        }
        Ok(Message {
            delimiters,
            charset,
            segments,
        })
    }

    /// The MSH segment.
    pub fn header(&self) -> &Segment {
        // `parse` puts MSH first; a message is never built without it.
        &self.segments[0]
    }

    /// Every segment, MSH first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn delimiters(&self) -> &Delimiters {
        &self.delimiters
    }

    /// The set the message was decoded with.
    pub fn charset(&self) -> Charset {
        self.charset
    }
}

/// The lines of a message or batch, without their CR / LF.
pub fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    bytes
        .split(|&b| b == b'\r' || b == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}

/// MSH-18's repetitions, read from the MSH line's bytes as ASCII. Bytes
/// between an ISO 2022 two-byte designation (`ESC $ …`) and the return to
/// a one-byte set (`ESC ( …`) are skipped: they are halves of kanji.
pub fn msh18(line: &[u8], delimiters: &Delimiters) -> Vec<String> {
    let (field, repetition) = (delimiters.field as u8, delimiters.repetition as u8);
    let mut fields: Vec<Vec<u8>> = vec![Vec::new()];
    let mut two_byte = false;
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if b == 0x1B {
            match line.get(i + 1) {
                Some(b'$') => two_byte = true,
                Some(b'(') => two_byte = false,
                _ => {}
            }
        }
        if b == field && !two_byte {
            fields.push(Vec::new());
        } else if let Some(last) = fields.last_mut() {
            last.push(b);
        }
        i += 1;
    }
    // fields[0] is "MSH", fields[1] MSH-2, … fields[17] MSH-18.
    let Some(value) = fields.get(17) else {
        return Vec::new();
    };
    value
        .split(|&b| b == repetition)
        .map(|r| String::from_utf8_lossy(r).into_owned())
        .collect()
}

/// One line of text as a segment. MSH, FHS and BHS keep their first two
/// fields (the separators) as written.
pub(crate) fn parse_segment(line: &str, d: &Delimiters, charset: Charset) -> Segment {
    let mut parts = line.split(d.field);
    let id = parts.next().unwrap_or_default().to_string();
    let mut fields = Vec::new();
    if matches!(id.as_str(), "MSH" | "FHS" | "BHS") {
        // Field 1 is the separator itself; field 2 is kept as written.
        fields.push(raw_field(d.field.to_string()));
        fields.push(raw_field(parts.next().unwrap_or_default().to_string()));
    }
    fields.extend(parts.map(|f| parse_field(f, d, charset)));
    Segment { id, fields }
}

fn raw_field(text: String) -> Field {
    Field {
        repetitions: vec![Repetition {
            components: vec![Component {
                subcomponents: vec![text],
            }],
        }],
    }
}

fn parse_field(text: &str, d: &Delimiters, charset: Charset) -> Field {
    Field {
        repetitions: text
            .split(d.repetition)
            .map(|r| Repetition {
                components: r
                    .split(d.component)
                    .map(|c| Component {
                        subcomponents: c
                            .split(d.subcomponent)
                            .map(|s| d.unescape(s, charset))
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// The start of `bytes`, escaped, at most 40 characters.
pub(crate) fn preview(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(40)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .take(40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An MSH up to the separator before MSH-18.
    fn msh_up_to_18() -> String {
        format!("MSH|^~\\&{}", "|".repeat(16))
    }

    fn parse(text: &str) -> Message {
        Message::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn segments_are_cut_at_cr_lf_and_crlf_alike() {
        for sep in ["\r", "\n", "\r\n", "\r\r\n\n"] {
            let m = parse(&format!("MSH|^~\\&|A{sep}PID|1{sep}OBX|2{sep}"));
            let ids: Vec<&str> = m.segments.iter().map(|s| s.id.as_str()).collect();
            assert_eq!(ids, ["MSH", "PID", "OBX"], "{sep:?}");
        }
    }

    #[test]
    fn msh_fields_are_numbered_as_hl7_numbers_them() {
        let m = parse("MSH|^~\\&|APP^X|FAC||||||CTRL1|P|2.5.1");
        let h = m.header();
        assert_eq!(h.text(1), "|");
        assert_eq!(h.text(2), "^~\\&");
        assert_eq!(h.component(3, 1), "APP");
        assert_eq!(h.component(3, 2), "X");
        assert_eq!(h.text(4), "FAC");
        assert_eq!(h.text(10), "CTRL1");
        assert_eq!(h.text(12), "2.5.1");
        assert_eq!(h.text(13), "");
        assert!(h.is_empty(5));
    }

    #[test]
    fn repetitions_components_and_subcomponents_are_each_their_own_level() {
        let m = parse("MSH|^~\\&\rPID|1||A1^^^HOSP&1.2.3&ISO^MR~B2^^^CITY^PI");
        let pid = &m.segments[1];
        let ids = pid.repetitions(3);
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0].component(1), "A1");
        assert_eq!(ids[0].subcomponent(4, 1), "HOSP");
        assert_eq!(ids[0].subcomponent(4, 2), "1.2.3");
        assert_eq!(ids[0].subcomponent(4, 3), "ISO");
        assert_eq!(ids[0].subcomponent(4, 4), "");
        assert_eq!(ids[0].component(5), "MR");
        assert_eq!(ids[1].component(1), "B2");
        assert_eq!(ids[1].component(4), "CITY");
        assert_eq!(pid.text(1), "1");
        assert!(pid.is_empty(2));
        assert!(pid.field(4).is_none());
    }

    #[test]
    fn custom_encoding_characters_are_taken_from_msh() {
        let m = parse("MSH#*@!%$#APP*X@B\rOBX#1#A*B@C*D%E!T!F");
        let d = m.delimiters;
        assert_eq!(
            (d.field, d.component, d.repetition, d.escape, d.subcomponent),
            ('#', '*', '@', '!', '%')
        );
        assert_eq!(d.truncation, Some('$'));
        assert_eq!(d.encoding_characters(), "*@!%$");
        let h = m.header();
        assert_eq!(h.text(2), "*@!%$");
        assert_eq!(h.repetitions(3)[0].component(2), "X");
        assert_eq!(h.repetitions(3)[1].component(1), "B");
        let obx = &m.segments[1];
        let r = &obx.repetitions(2);
        assert_eq!(r[0].component(1), "A");
        assert_eq!(r[0].component(2), "B");
        assert_eq!(r[1].component(1), "C");
        assert_eq!(r[1].subcomponent(2, 1), "D");
        assert_eq!(r[1].subcomponent(2, 2), "E%F");
        // `|`, `^`, `~`, `\` and `&` are plain text with these separators.
        let m = parse("MSH#*@!%#a|b^c~d\\e&f");
        assert_eq!(m.header().text(3), "a|b^c~d\\e&f");
    }

    #[test]
    fn unusable_separators_are_refused() {
        for msh in [
            "MSH|^~\\",
            "MSH|^~\\&#$|",
            "MSH|^^\\&",
            "MSH|^~|&",
            "MSH|^~a&",
            "MSH",
            "MSH ^~\\&",
        ] {
            assert!(
                matches!(
                    Message::parse(msh.as_bytes()),
                    Err(MessageError::BadSeparators(_))
                ),
                "{msh}"
            );
        }
        assert_eq!(Message::parse(b"PID|1"), Err(MessageError::NoHeader));
        assert_eq!(Message::parse(b"\r\n"), Err(MessageError::NoHeader));
    }

    #[test]
    fn every_escape_sequence_gives_its_character() {
        let m = parse("MSH|^~\\&\rNTE|1||a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\.br\\g\\X41C3A9\\h");
        assert_eq!(m.segments[1].text(3), "a|b^c&d~e\\f\ngAéh");
        let m = parse("MSH|^~\\&\rNTE|1||\\X41C3A9\\h");
        assert_eq!(m.segments[1].text(3), "Aéh");
    }

    #[test]
    fn escapes_use_the_message_s_own_escape_character() {
        let m = parse("MSH|^~!&\rNTE|1||x!F!y!S!z!E!\\F\\");
        assert_eq!(m.segments[1].text(3), "x|y^z!\\F\\");
    }

    #[test]
    fn hex_escapes_are_decoded_in_the_message_s_character_set() {
        let m = parse(&format!("{}SHIFT_JIS\rNTE|1||\\X955C\\", msh_up_to_18()));
        assert_eq!(m.segments[1].text(3), "表");
    }

    #[test]
    fn unknown_or_broken_escapes_are_kept_as_written() {
        let cases = [
            ("\\H\\bold\\N\\", "\\H\\bold\\N\\"),
            ("\\.sp2\\", "\\.sp2\\"),
            ("\\X4\\", "\\X4\\"),
            ("\\XZZ\\", "\\XZZ\\"),
            ("\\X\\", "\\X\\"),
            ("\\XFF\\", "\\XFF\\"),
            ("\\\\", "\\\\"),
            ("a\\F", "a\\F"),
            ("\\C2842\\x", "\\C2842\\x"),
        ];
        for (written, read) in cases {
            let m = parse(&format!("MSH|^~\\&\rNTE|1||{written}"));
            assert_eq!(m.segments[1].text(3), read, "{written}");
        }
    }

    #[test]
    fn escaping_and_unescaping_give_the_text_back() {
        let d = Delimiters::default();
        let text = "a|b^c~d\\e&f\ng 表";
        let escaped = d.escape(text);
        assert_eq!(escaped, "a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f\\.br\\g 表");
        assert_eq!(d.unescape(&escaped, Charset::Utf8), text);
        assert_eq!(d.escape("x\r\ny\rz"), "x\\.br\\y\\.br\\z");
    }

    #[test]
    fn msh18_is_read_past_iso_2022_jp_kanji_and_charsets_are_honoured() {
        // A facility name in kanji before MSH-18: its bytes hold `|`-free
        // 7-bit pairs, and `$B` … `(B` brackets them.
        // 万 is `ESC $ B K | ESC ( B` in ISO-2022-JP.
        let mut bytes = b"MSH|^~\\&|APP|\x1b$BK|MU\x1b(B".to_vec();
        bytes.extend_from_slice(&[b"|".repeat(14), b"~ISO IR87\r".to_vec()].concat());
        bytes.extend_from_slice(b"PID|1||P1||\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B");
        let d = Delimiters::from_msh(&bytes).unwrap();
        assert_eq!(msh18(lines(&bytes)[0], &d), ["", "ISO IR87"]);
        let m = Message::parse(&bytes).unwrap();
        assert_eq!(m.charset, Charset::Iso2022Jp);
        assert_eq!(m.header().text(4), "万葉");
        assert_eq!(m.segments[1].component(5, 1), "山田");
        assert_eq!(m.segments[1].component(5, 2), "太郎");
    }

    #[test]
    fn shift_jis_bytes_equal_to_separators_stay_inside_their_characters() {
        // 表 is 95 5C and ソ is 83 5C: both end in a backslash byte.
        let mut bytes = format!("{}SJIS\rPID|1||P1||", msh_up_to_18()).into_bytes();
        bytes.extend_from_slice(b"\x95\x5c^\x83\x5c\x83\x45\x83\x5e");
        let m = Message::parse(&bytes).unwrap();
        assert_eq!(m.charset, Charset::ShiftJis);
        assert_eq!(m.segments[1].component(5, 1), "表");
        assert_eq!(m.segments[1].component(5, 2), "ソウタ");
    }

    #[test]
    fn an_unknown_charset_or_undecodable_text_is_an_error() {
        assert_eq!(
            Message::parse(format!("{}8859/1", msh_up_to_18()).as_bytes()),
            Err(MessageError::Charset(CharsetError::Unknown(
                "8859/1".into()
            )))
        );
        assert_eq!(
            Message::parse(b"MSH|^~\\&\rPID|1||\xff"),
            Err(MessageError::Undecodable(Charset::Utf8))
        );
    }
}
