//! The day report as CSV (README, "The health centre's day report"), for the health centre's spreadsheet.
//!
//! Health centres open the report in Excel, so the UTF-8 file starts with a
//! BOM (without one Excel guesses the local code page and garbles every
//! name) and lines end in CRLF. Some of their tools still only read
//! Shift_JIS, so the same report can be written in that encoding too; it
//! cannot hold every character a name may have (𠮷, emoji, accented Latin
//! letters), and a report that silently lost a character of a patient's
//! name could send a public-health call to the wrong person. So every
//! character the Shift_JIS file cannot carry as itself becomes a visible
//! stand-in (〓, or the CP932 look-alike of a JIS dash or tilde) and is
//! listed as a [`Replacement`], which [`sjis_replacements`] can also give
//! before the file is streamed.
//!
//! Cells that hold text typed by people are guarded against formula
//! injection (OWASP "CSV injection"): a spreadsheet would otherwise run a
//! name such as `=HYPERLINK(…)` as a formula.

use super::ReportRow;
use crate::domain::labels::{self, report as words};
use crate::domain::patient::Sex;
use crate::domain::results::{TestMethod, TestResult};
use crate::domain::specimen_type::SpecimenType;
use chrono::NaiveDate;
use encoding_rs::{EncoderResult, SHIFT_JIS};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::{self, Write};

/// The character encodings the CSV report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// UTF-8 with a BOM, for Excel.
    Utf8,
    /// Shift_JIS as Windows writes it (CP932, WHATWG `Shift_JIS`).
    Sjis,
}

impl Encoding {
    /// `utf8` or `sjis`, as the `encoding` query parameter gives it; the
    /// charset names `utf-8` and `shift_jis` too, in any case, since people
    /// copy them from Content-Type headers.
    pub fn from_code(code: &str) -> Option<Encoding> {
        match code.to_ascii_lowercase().as_str() {
            "utf8" | "utf-8" => Some(Encoding::Utf8),
            "sjis" | "shift_jis" => Some(Encoding::Sjis),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf8",
            Encoding::Sjis => "sjis",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Utf8 => "text/csv; charset=utf-8",
            Encoding::Sjis => "text/csv; charset=Shift_JIS",
        }
    }
}

/// A character Shift_JIS cannot hold, replaced visibly.
///
/// `replaced_with` is 〓 (GETA MARK) for a character with no counterpart,
/// or the character the file reads back as when Shift_JIS only has a
/// look-alike (〜 WAVE DASH is written as ～, − MINUS SIGN reads back as
/// －). Only 〓 loses information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Replacement {
    pub specimen_id: String,
    /// The English name of the column (see [`COLUMNS`]).
    pub column: &'static str,
    #[schema(value_type = String)]
    pub character: char,
    #[schema(value_type = String)]
    pub replaced_with: char,
}

/// What stands in for a character Shift_JIS has nothing like: 〓 GETA
/// MARK, the mark Japanese typesetting uses for a missing glyph.
pub const GETA: char = '〓';

/// 〓 in Shift_JIS.
const GETA_SJIS: [u8; 2] = [0x81, 0xAC];

/// The report's columns in order: the English key (JSON, [`Replacement`])
/// and the Japanese header of the CSV.
pub const COLUMNS: [(&str, &str); 19] = [
    ("report_date", words::REPORT_DATE),
    ("facility_name", words::FACILITY_NAME),
    ("facility_code", words::FACILITY_CODE),
    ("name", words::NAME),
    ("name_kana", words::NAME_KANA),
    ("sex", words::SEX),
    ("birth_date", words::BIRTH_DATE),
    ("address", words::ADDRESS),
    ("phone", words::PHONE),
    ("onset_date", words::ONSET_DATE),
    ("days_since_onset", words::DAYS_SINCE_ONSET),
    ("asymptomatic", words::ASYMPTOMATIC),
    ("collection_date", words::COLLECTION_DATE),
    ("test_method", words::TEST_METHOD),
    ("specimen_type", words::SPECIMEN_TYPE),
    ("result", words::RESULT),
    ("result_date", words::RESULT_DATE),
    ("specimen_id", words::SPECIMEN_ID),
    ("flags", words::FLAGS),
];

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes the report row by row to `out`: each row reaches `out` whole as
/// soon as [`CsvWriter::row`] returns, so a day of any size streams.
pub struct CsvWriter<W: Write> {
    out: W,
    encoding: Encoding,
    /// The line being formatted, kept to reuse its allocation.
    line: Vec<u8>,
    replacements: Vec<Replacement>,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the BOM (UTF-8 only: a Shift_JIS reader would take it for
    /// text) and the header line.
    pub fn start(mut out: W, encoding: Encoding) -> io::Result<Self> {
        if encoding == Encoding::Utf8 {
            out.write_all(UTF8_BOM)?;
        }
        let mut writer = CsvWriter {
            out,
            encoding,
            line: Vec::new(),
            replacements: Vec::new(),
        };
        let header = COLUMNS.map(|(_, ja)| ja);
        match encoding {
            Encoding::Utf8 => writer.write_line(&header)?,
            // The headers are all in JIS X 0208 (a test holds them to it),
            // so there is nothing to report.
            Encoding::Sjis => writer.write_line(&header.map(|h| encode_sjis(h, |_, _| {})))?,
        }
        Ok(writer)
    }

    /// Writes one row; in Shift_JIS, notes what had to be replaced.
    pub fn row(&mut self, row: &ReportRow) -> io::Result<()> {
        let cells = cells(row);
        match self.encoding {
            Encoding::Utf8 => self.write_line(&cells.each_ref().map(|c| c.as_bytes())),
            Encoding::Sjis => {
                let encoded = sjis_cells(row, &cells, &mut self.replacements);
                self.write_line(&encoded)
            }
        }
    }

    /// The writer the rows go to, e.g. to take what a `Vec<u8>` holds
    /// after each row and send it as a chunk.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Flushes `out` and gives it back with every replacement made.
    pub fn finish(mut self) -> io::Result<(W, Vec<Replacement>)> {
        self.out.flush()?;
        Ok((self.out, self.replacements))
    }

    /// Formats one line (RFC 4180 quoting, CRLF) and writes it to `out`.
    fn write_line<T: AsRef<[u8]>>(&mut self, cells: &[T]) -> io::Result<()> {
        self.line.clear();
        {
            // A csv writer per line over the reused buffer: the csv crate
            // gives no access to its writer while it owns it, and `out`
            // must receive each line whole before `row` returns. (The
            // builder is made here rather than kept: it is a few hundred
            // bytes, which would bloat every enum holding a CsvWriter.)
            let mut line = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .quote_style(csv::QuoteStyle::Necessary)
                // The line is formatted whole before it is written, so the
                // csv crate's own buffer only needs to hold about one line.
                .buffer_capacity(1024)
                .from_writer(&mut self.line);
            line.write_record(cells)?;
            line.flush()?;
        }
        self.out.write_all(&self.line)
    }
}

/// The Shift_JIS replacements `row` would need (for a pre-pass that
/// reports them before streaming).
pub fn sjis_replacements(row: &ReportRow) -> Vec<Replacement> {
    let mut replacements = Vec::new();
    sjis_cells(row, &cells(row), &mut replacements);
    replacements
}

/// The 注記 text of a row (also used by the JSON writer): each flag's rule
/// label with the reason of an override; a corrected result and one
/// waiting for release in their own sentences.
pub fn flags_text(row: &ReportRow) -> String {
    use crate::domain::{Lang, RuleCode};
    let items: Vec<String> = row
        .flags
        .iter()
        .map(|flag| {
            let label = match flag.code {
                // The count matters to the lab reading the result.
                RuleCode::FreezeThaw if row.freeze_thaw_count > 0 => {
                    format!(
                        "{}（{}回）",
                        flag.code.title(Lang::Ja),
                        row.freeze_thaw_count
                    )
                }
                // The day it was corrected, not only that it was; which
                // version corrects the result and why; which version waits
                // for release.
                RuleCode::PatientCorrected
                | RuleCode::CorrectedResult
                | RuleCode::ResultPendingRelease => flag.message.render(Lang::Ja),
                code => code.title(Lang::Ja).to_string(),
            };
            match flag.override_reason.as_deref().map(str::trim) {
                Some(reason) if !reason.is_empty() => {
                    format!("{label}{}", words::override_reason(reason))
                }
                _ => label,
            }
        })
        .collect();
    items.join(words::FLAG_SEPARATOR)
}

/// The row's cells in [`COLUMNS`] order, as the UTF-8 file shows them.
fn cells(row: &ReportRow) -> [Cow<'_, str>; 19] {
    let sex = Sex::from_code(&row.sex)
        .map(labels::sex_ja)
        .unwrap_or(&row.sex);
    let test_method = TestMethod::from_code(&row.test_method)
        .map(labels::test_method_ja)
        .unwrap_or(&row.test_method);
    let specimen_type = SpecimenType::from_code(&row.specimen_type)
        .map(labels::specimen_type_ja)
        .unwrap_or(&row.specimen_type);
    let result = row.result.as_deref().map(|code| {
        TestResult::from_code(code)
            .map(labels::test_result_ja)
            .unwrap_or(code)
    });
    let phone = row.phone.as_deref().map_or(Cow::Borrowed(""), |p| {
        // +81 3-1234-5678 is a number, not a formula, and must stay as
        // dialled.
        if is_phone_number(p) {
            Cow::Borrowed(p)
        } else {
            guard(p)
        }
    });
    [
        date(Some(row.report_date)),
        guard(&row.facility_name),
        guard(&row.facility_code),
        guard(&row.name),
        guard(row.name_kana.as_deref().unwrap_or("")),
        guard(sex),
        date(row.birth_date),
        guard(row.address.as_deref().unwrap_or("")),
        phone,
        date(row.onset_date),
        Cow::Owned(
            row.days_since_onset
                .map_or(String::new(), |d| d.to_string()),
        ),
        // ○ for yes and an empty cell for no, as Japanese forms and health
        // centres' spreadsheets mark what applies (該当に○): the header says
        // what the mark means, and a column of ○ and blanks reads at a
        // glance where one of 無症状 and blanks would repeat the header.
        Cow::Borrowed(if row.asymptomatic {
            words::ASYMPTOMATIC_MARK
        } else {
            ""
        }),
        date(Some(row.collection_date)),
        guard(test_method),
        guard(specimen_type),
        // The same word for a result not known yet as the page and the
        // summary use, rather than an empty cell a reader could take for
        // a lost value.
        guard(result.unwrap_or(labels::RESULT_PENDING_JA)),
        date(row.result_date),
        guard(&row.specimen_id),
        guard(flags_text(row)),
    ]
}

fn date(d: Option<NaiveDate>) -> Cow<'static, str> {
    Cow::Owned(d.map_or(String::new(), |d| d.format("%Y-%m-%d").to_string()))
}

/// Text from people, kept from being read as a formula (OWASP: a cell
/// starting with `=`, `+`, `-`, `@`, TAB or CR) by a leading `'`, which
/// Excel hides and reads as "this is text".
fn guard<'a>(text: impl Into<Cow<'a, str>>) -> Cow<'a, str> {
    let text = text.into();
    if starts_like_formula(&text) {
        Cow::Owned(format!("'{text}"))
    } else {
        text
    }
}

/// Whether a spreadsheet could take `text` for a formula: it starts with
/// TAB or CR, or its first visible character is a formula sign, ASCII or
/// full-width (Excel reads `＝` as `=` under a Japanese IME), whatever
/// spaces, ideographic spaces or invisible characters (a BOM, a
/// zero-width space) come before it.
fn starts_like_formula(text: &str) -> bool {
    if text.starts_with(['\t', '\r']) {
        return true;
    }
    let first_visible = text
        .chars()
        .find(|c| !c.is_whitespace() && crate::domain::text::hidden(*c).is_none());
    matches!(
        first_visible,
        Some('=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠')
    )
}

/// `^\+?[0-9 ()-]+$`: a phone number as people write it.
fn is_phone_number(text: &str) -> bool {
    let rest = text.strip_prefix('+').unwrap_or(text);
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '(' | ')' | '-'))
}

/// The row's cells in Shift_JIS, adding what had to be replaced (once per
/// character and cell) to `replacements`.
fn sjis_cells(
    row: &ReportRow,
    cells: &[Cow<'_, str>; 19],
    replacements: &mut Vec<Replacement>,
) -> Vec<Vec<u8>> {
    cells
        .iter()
        .zip(COLUMNS)
        .map(|(cell, (column, _))| {
            let first = replacements.len();
            encode_sjis(cell, |character, replaced_with| {
                let seen = replacements[first..]
                    .iter()
                    .any(|r| r.character == character);
                if !seen {
                    replacements.push(Replacement {
                        specimen_id: row.specimen_id.clone(),
                        column,
                        character,
                        replaced_with,
                    });
                }
            })
        })
        .collect()
}

/// `text` in Shift_JIS; `replaced(character, stand_in)` is told of every
/// character the bytes will not read back as.
fn encode_sjis(text: &str, mut replaced: impl FnMut(char, char)) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        // ASCII is itself in WHATWG Shift_JIS (0x5C and 0x7E included).
        if c.is_ascii() {
            out.push(c as u8);
            continue;
        }
        let start = out.len();
        if encode_char(c, &mut out) {
            // The encoder writes ¥ as 0x5C, ‾ as 0x7E and − (U+2212) as
            // the bytes of －: these read back as other characters, which
            // the list must show too.
            match decode_char(&out[start..]) {
                Some(back) if back == c => {}
                Some(back) => replaced(c, back),
                None => {
                    out.truncate(start);
                    out.extend_from_slice(&GETA_SJIS);
                    replaced(c, GETA);
                }
            }
            continue;
        }
        let stand_in = match cp932_lookalike(c) {
            Some(alt) if encode_char(alt, &mut out) => alt,
            _ => {
                out.extend_from_slice(&GETA_SJIS);
                GETA
            }
        };
        replaced(c, stand_in);
    }
    out
}

/// Appends `c` in Shift_JIS to `out`; false when Shift_JIS has no `c`.
fn encode_char(c: char, out: &mut Vec<u8>) -> bool {
    let mut utf8 = [0u8; 4];
    let mut bytes = [0u8; 8];
    let mut encoder = SHIFT_JIS.new_encoder();
    let (result, _, written) =
        encoder.encode_from_utf8_without_replacement(c.encode_utf8(&mut utf8), &mut bytes, true);
    match (result, bytes.get(..written)) {
        (EncoderResult::InputEmpty, Some(encoded)) => {
            out.extend_from_slice(encoded);
            true
        }
        _ => false,
    }
}

/// The one character `bytes` read back as in Shift_JIS.
fn decode_char(bytes: &[u8]) -> Option<char> {
    let (text, malformed) = SHIFT_JIS.decode_without_bom_handling(bytes);
    let mut chars = text.chars();
    match (malformed, chars.next(), chars.next()) {
        (false, Some(c), None) => Some(c),
        _ => None,
    }
}

/// The JIS X 0208 characters that Unicode mapping tables disagree on: text
/// from a Mac or the web has the left one, Shift_JIS as Windows writes it
/// (and encoding_rs) only the right one, which looks the same.
fn cp932_lookalike(c: char) -> Option<char> {
    match c {
        '\u{301C}' => Some('\u{FF5E}'), // 〜 WAVE DASH → ～
        '\u{2016}' => Some('\u{2225}'), // ‖ → ∥
        '\u{2014}' => Some('\u{2015}'), // — EM DASH → ― HORIZONTAL BAR
        '\u{00A2}' => Some('\u{FFE0}'), // ¢ → ￠
        '\u{00A3}' => Some('\u{FFE1}'), // £ → ￡
        '\u{00AC}' => Some('\u{FFE2}'), // ¬ → ￢
        '\u{00A6}' => Some('\u{FFE4}'), // ¦ → ￤
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::codes::RuleCode;
    use crate::domain::messages::RuleMsg;
    use crate::domain::registration::Flag;

    /// A row with every column set; tests change what they look at.
    struct Row(ReportRow);

    impl Row {
        fn new(specimen_id: &str) -> Row {
            Row(crate::report::sample_row(specimen_id))
        }

        fn with(mut self, change: impl FnOnce(&mut ReportRow)) -> Row {
            change(&mut self.0);
            self
        }

        fn flag(mut self, code: RuleCode, reason: Option<&str>) -> Row {
            self.0.flags.push(Flag {
                code,
                message: crate::domain::Msg::Text(code.as_str().into()),
                override_reason: reason.map(Into::into),
            });
            self
        }

        fn build(self) -> ReportRow {
            self.0
        }
    }

    fn write(encoding: Encoding, rows: &[ReportRow]) -> (Vec<u8>, Vec<Replacement>) {
        let mut w = CsvWriter::start(Vec::new(), encoding).expect("start");
        for r in rows {
            w.row(r).expect("row");
        }
        w.finish().expect("finish")
    }

    /// The UTF-8 file as text, without its BOM.
    fn utf8_text(rows: &[ReportRow]) -> String {
        let (bytes, replacements) = write(Encoding::Utf8, rows);
        assert!(replacements.is_empty());
        let body = bytes.strip_prefix(UTF8_BOM).expect("BOM");
        String::from_utf8(body.to_vec()).expect("UTF-8")
    }

    fn sjis_text(bytes: &[u8]) -> String {
        let (text, malformed) = SHIFT_JIS.decode_without_bom_handling(bytes);
        assert!(!malformed);
        text.into_owned()
    }

    /// The records of a CSV text, parsed back by the csv crate.
    fn records(text: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.expect("record").iter().map(String::from).collect())
            .collect()
    }

    fn cell(row: &ReportRow, column: &str) -> String {
        let text = utf8_text(std::slice::from_ref(row));
        let i = COLUMNS
            .iter()
            .position(|(key, _)| *key == column)
            .expect("column");
        records(&text)[1][i].clone()
    }

    #[test]
    fn the_header_line_is_the_japanese_column_names_in_spec_order() {
        let text = utf8_text(&[]);
        assert_eq!(
            text,
            "報告日,医療機関名,医療機関コード,氏名,フリガナ,性別,生年月日,住所,電話番号,\
             発症日,発症後日数,無症状,検体採取日,検査方法,検体,結果,結果判明日,検体番号,注記\r\n"
        );
        let keys: Vec<&str> = COLUMNS.iter().map(|(key, _)| *key).collect();
        assert_eq!(
            keys,
            [
                "report_date",
                "facility_name",
                "facility_code",
                "name",
                "name_kana",
                "sex",
                "birth_date",
                "address",
                "phone",
                "onset_date",
                "days_since_onset",
                "asymptomatic",
                "collection_date",
                "test_method",
                "specimen_type",
                "result",
                "result_date",
                "specimen_id",
                "flags"
            ]
        );
    }

    #[test]
    fn a_full_row_renders_every_column_in_japanese() {
        let row = Row::new("K0000001")
            .flag(RuleCode::SalivaOnsetUnknown, None)
            .build();
        let text = utf8_text(&[row]);
        let line = text.split("\r\n").nth(1).expect("row line");
        assert_eq!(
            line,
            "2024-01-16,さくらクリニック,1312345678,山田 太郎,ヤマダ タロウ,男,1980-04-01,\
             東京都新宿区西新宿二丁目8番1号,03-1234-5678,2024-01-13,2,,2024-01-15,\
             核酸増幅検査（PCR）,唾液,陽性,2024-01-16,K0000001,発症日不明の唾液"
        );
        assert!(text.ends_with("\r\n"));
        assert_eq!(text.matches("\r\n").count(), 2);
    }

    #[test]
    fn missing_values_are_empty_cells_and_a_result_not_known_yet_reads_pending() {
        let row = Row::new("K0000002")
            .with(|r| {
                r.name_kana = None;
                r.birth_date = None;
                r.address = None;
                r.phone = None;
                r.onset_date = None;
                r.days_since_onset = None;
                r.result = None;
                r.result_date = None;
                r.resulted_at = None;
                r.result_version = None;
            })
            .build();
        let text = utf8_text(&[row]);
        assert_eq!(
            records(&text)[1],
            [
                "2024-01-16",
                "さくらクリニック",
                "1312345678",
                "山田 太郎",
                "",
                "男",
                "",
                "",
                "",
                "",
                "",
                "",
                "2024-01-15",
                "核酸増幅検査（PCR）",
                "唾液",
                "結果待ち",
                "",
                "K0000002",
                ""
            ]
        );
    }

    #[test]
    fn codes_become_their_japanese_labels_and_unknown_codes_stay_as_they_are() {
        let labelled = |sex: &str, method: &str, specimen: &str, result: &str| {
            let row = Row::new("K1")
                .with(|r| {
                    r.sex = sex.into();
                    r.test_method = method.into();
                    r.specimen_type = specimen.into();
                    r.result = Some(result.into());
                })
                .build();
            ["sex", "test_method", "specimen_type", "result"].map(|c| cell(&row, c))
        };
        assert_eq!(
            labelled(
                "female",
                "antigen_qualitative",
                "nasopharyngeal_swab",
                "negative"
            ),
            ["女", "抗原定性検査", "鼻咽頭ぬぐい液", "陰性"]
        );
        assert_eq!(
            labelled("other", "lamp", "sputum", "inconclusive"),
            ["その他", "核酸増幅検査（LAMP）", "喀痰", "判定不能"]
        );
        assert_eq!(
            labelled("unknown", "antigen_quantitative", "serum_acute", "invalid"),
            ["不明", "抗原定量検査", "急性期血清", "判定不能"]
        );
        assert_eq!(
            labelled("x_sex", "x_method", "x_type", "x_result"),
            ["x_sex", "x_method", "x_type", "x_result"]
        );
    }

    #[test]
    fn sex_labels_agree_with_the_patient_module() {
        for s in [Sex::Male, Sex::Female, Sex::Other, Sex::Unknown] {
            assert_eq!(labels::sex_ja(s), s.label_ja());
        }
    }

    #[test]
    fn an_address_with_commas_quotes_and_newlines_is_quoted_and_reads_back() {
        let address = "東京都新宿区西新宿2-8-1, \"都庁\" 第一本庁舎\n(北棟)";
        let row = Row::new("K0000003")
            .with(|r| r.address = Some(address.into()))
            .build();
        let text = utf8_text(&[row]);
        assert!(text.contains("\"東京都新宿区西新宿2-8-1, \"\"都庁\"\" 第一本庁舎\n(北棟)\","));
        assert_eq!(records(&text)[1][7], address);
    }

    #[test]
    fn cells_that_start_like_a_formula_get_a_leading_apostrophe() {
        let row = Row::new("K0000004")
            .with(|r| {
                r.facility_name = "@SUM(1+1)".into();
                r.name = "=HYPERLINK(\"http://evil.example\",\"x\")".into();
                r.name_kana = Some("+タロウ".into());
                r.address = Some("-2+3".into());
                r.phone = Some("=1+1".into());
                r.sex = "\tmale".into();
                r.specimen_id = "\rK".into();
            })
            .build();
        let cells = &records(&utf8_text(std::slice::from_ref(&row)))[1];
        assert_eq!(cells[1], "'@SUM(1+1)");
        assert_eq!(cells[3], "'=HYPERLINK(\"http://evil.example\",\"x\")");
        assert_eq!(cells[4], "'+タロウ");
        assert_eq!(cells[7], "'-2+3");
        assert_eq!(cells[8], "'=1+1");
        assert_eq!(cells[5], "'\tmale");
        assert_eq!(cells[17], "'\rK");
        // Text that only contains those characters is left alone.
        let plain = Row::new("K0000005")
            .with(|r| r.name = "山田=太郎".into())
            .build();
        assert_eq!(cell(&plain, "name"), "山田=太郎");
    }

    #[test]
    fn full_width_signs_and_formulas_behind_spaces_or_invisible_characters_are_guarded() {
        for (name, guarded) in [
            ("＝HYPERLINK(\"http://evil.example\")", true),
            ("＋タロウ", true),
            ("－1+1", true),
            ("＠SUM(A1)", true),
            ("\u{3000}=1+1", true),
            ("\u{FEFF}=1+1", true),
            ("\u{200B}@SUM(A1)", true),
            (" \u{3000} +1", true),
            ("\n=1+1", true),
            ("\u{3000}山田", false),
            ("山田＝太郎", false),
        ] {
            let row = Row::new("K0000009").with(|r| r.name = name.into()).build();
            let expected = if guarded {
                format!("'{name}")
            } else {
                name.to_string()
            };
            assert_eq!(cell(&row, "name"), expected, "{name:?}");
        }
    }

    #[test]
    fn phone_numbers_dates_and_day_counts_are_not_guarded() {
        for phone in ["+81 3-1234-5678", "+81 (3) 1234 5678", "-", "090-1234-5678"] {
            let row = Row::new("K0000006")
                .with(|r| r.phone = Some(phone.into()))
                .build();
            assert_eq!(cell(&row, "phone"), phone);
        }
        let row = Row::new("K0000007")
            .with(|r| r.days_since_onset = Some(-1))
            .build();
        assert_eq!(cell(&row, "days_since_onset"), "-1");
        assert_eq!(cell(&row, "collection_date"), "2024-01-15");
    }

    #[test]
    fn utf8_output_starts_with_a_bom_and_round_trips_every_character() {
        let name = "𠮷田 髙橋😀 Zoë 〜−¥‾";
        let row = Row::new("K0000008").with(|r| r.name = name.into()).build();
        let (bytes, replacements) = write(Encoding::Utf8, std::slice::from_ref(&row));
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        assert!(replacements.is_empty());
        let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
        assert!(!text.starts_with('\u{FEFF}'));
        assert_eq!(records(text)[1][3], name);
    }

    #[test]
    fn shift_jis_output_has_no_bom_and_decodes_back_to_exactly_the_same_text() {
        let rows = [
            Row::new("K0000009")
                .with(|r| {
                    r.name = "髙橋 﨑子".into();
                    r.name_kana = Some("ﾀｶﾊｼ ｻｷｺ".into());
                    r.address = Some("東京都千代田区霞が関１－２－２ ①号棟 ㈱ⅰ，\"Ⅲ\"".into());
                    r.sex = "female".into();
                })
                .flag(RuleCode::SalivaWindowExceeded, Some("主治医の判断"))
                .build(),
            Row::new("K0000010")
                .with(|r| {
                    r.name = "渡邉 齋藤 德永".into();
                    r.name_kana = Some("ワタナベ サイトウ トクナガ ｳﾞｨｯﾄ".into());
                    r.address = Some("大阪府大阪市北区梅田３丁目１番１号\r\n～５階".into());
                    r.result = None;
                    r.result_date = None;
                })
                .flag(RuleCode::FreezeThaw, None)
                .build(),
        ];
        let (bytes, replacements) = write(Encoding::Sjis, &rows);
        assert!(replacements.is_empty(), "{replacements:?}");
        assert!(rows.iter().all(|r| sjis_replacements(r).is_empty()));
        assert!(!bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        // Half-width katakana are single bytes in Shift_JIS.
        assert!(bytes.windows(4).any(|w| w == [0xC0, 0xB6, 0xCA, 0xBC]));
        assert_eq!(sjis_text(&bytes), utf8_text(&rows));
    }

    #[test]
    fn unencodable_characters_become_geta_marks_and_are_listed_as_replacements() {
        let row = Row::new("K0000011")
            .with(|r| r.name = "𠮷田 太郎😀 𠮷".into())
            .build();
        let (bytes, replacements) = write(Encoding::Sjis, std::slice::from_ref(&row));
        let text = sjis_text(&bytes);
        assert_eq!(records(&text)[1][3], "〓田 太郎〓 〓");
        let expected = vec![
            Replacement {
                specimen_id: "K0000011".into(),
                column: "name",
                character: '𠮷',
                replaced_with: GETA,
            },
            Replacement {
                specimen_id: "K0000011".into(),
                column: "name",
                character: '😀',
                replaced_with: GETA,
            },
        ];
        assert_eq!(replacements, expected);
        assert_eq!(sjis_replacements(&row), expected);
    }

    #[test]
    fn jis_dashes_and_tildes_are_written_as_their_cp932_lookalikes_and_listed() {
        let row = Row::new("K0000012")
            .with(|r| r.address = Some("1〜3番地 A−1 ¥".into()))
            .build();
        let (bytes, replacements) = write(Encoding::Sjis, std::slice::from_ref(&row));
        assert_eq!(records(&sjis_text(&bytes))[1][7], "1～3番地 A－1 \\");
        let listed: Vec<(char, char)> = replacements
            .iter()
            .map(|r| (r.character, r.replaced_with))
            .collect();
        assert_eq!(listed, [('〜', '～'), ('−', '－'), ('¥', '\\')]);
        assert!(replacements.iter().all(|r| r.column == "address"));
        assert_eq!(sjis_replacements(&row), replacements);
    }

    #[test]
    fn the_geta_mark_is_what_shift_jis_holds_for_it() {
        let mut out = Vec::new();
        assert!(encode_char(GETA, &mut out));
        assert_eq!(out, GETA_SJIS);
    }

    #[test]
    fn flags_text_gives_an_overridden_rule_with_its_reason() {
        let row = Row::new("K1")
            .flag(RuleCode::SalivaWindowExceeded, Some("  主治医の判断  "))
            .build();
        assert_eq!(
            flags_text(&row),
            "発症後10日目以降の唾液（理由: 主治医の判断）"
        );
    }

    #[test]
    fn flags_text_marks_saliva_without_onset() {
        let row = Row::new("K1")
            .flag(RuleCode::SalivaOnsetUnknown, None)
            .build();
        assert_eq!(flags_text(&row), "発症日不明の唾液");
    }

    #[test]
    fn flags_text_marks_freeze_thaw_and_minus_20_storage() {
        let row = Row::new("K1")
            .flag(RuleCode::FreezeThaw, None)
            .flag(RuleCode::Minus20Fallback, Some("−80 °C 冷凍庫故障"))
            .build();
        assert_eq!(
            flags_text(&row),
            "凍結融解; －20℃保管（－80℃の代替）（理由: −80 °C 冷凍庫故障）"
        );
    }

    #[test]
    fn flags_text_gives_a_corrected_result_with_its_version_and_reason_once() {
        let corrected = |reason: Option<&str>| Flag {
            code: RuleCode::CorrectedResult,
            message: RuleMsg::ResultCorrected {
                version: 2,
                reason: reason.map(Into::into),
            }
            .into(),
            override_reason: None,
        };
        let row = Row::new("K1")
            .flag(RuleCode::SalivaOnsetUnknown, Some(""))
            .with(|r| {
                r.corrected = true;
                r.result_version = Some(2);
                r.correction_reason = Some("検体取り違えのため再検査".into());
                r.flags.push(corrected(r.correction_reason.as_deref()));
            })
            .build();
        assert_eq!(
            flags_text(&row),
            "発症日不明の唾液; 結果訂正（第2版、理由: 検体取り違えのため再検査）"
        );
        let row = Row::new("K1")
            .with(|r| {
                r.corrected = true;
                r.result_version = Some(2);
                r.flags.push(corrected(None));
            })
            .build();
        assert_eq!(cell(&row, "flags"), "結果訂正（第2版）");
    }

    #[test]
    fn flags_text_says_which_version_waits_for_release() {
        let row = Row::new("K1")
            .with(|r| {
                r.result_pending = true;
                r.flags.push(Flag {
                    code: RuleCode::ResultPendingRelease,
                    message: RuleMsg::ResultAwaitingRelease { version: 3 }.into(),
                    override_reason: None,
                });
            })
            .build();
        assert_eq!(flags_text(&row), "結果（第3版）は承認待ち");
        // Both read back from Shift_JIS as written.
        let (bytes, replacements) = write(Encoding::Sjis, std::slice::from_ref(&row));
        assert!(replacements.is_empty(), "{replacements:?}");
        assert_eq!(sjis_text(&bytes), utf8_text(std::slice::from_ref(&row)));
    }

    #[test]
    fn an_asymptomatic_patient_is_marked_with_a_circle_after_the_days_since_onset() {
        let row = Row::new("K1")
            .with(|r| {
                r.asymptomatic = true;
                r.onset_date = None;
                r.days_since_onset = None;
            })
            .build();
        assert_eq!(cell(&row, "asymptomatic"), "○");
        assert_eq!(cell(&Row::new("K2").build(), "asymptomatic"), "");
        let at = |key: &str| COLUMNS.iter().position(|(k, _)| *k == key);
        assert_eq!(at("asymptomatic"), at("days_since_onset").map(|i| i + 1));
        let (bytes, replacements) = write(Encoding::Sjis, std::slice::from_ref(&row));
        assert!(replacements.is_empty(), "{replacements:?}");
        assert_eq!(records(&sjis_text(&bytes))[1][11], "○");
    }

    #[test]
    fn flags_text_is_empty_without_flags() {
        assert_eq!(flags_text(&Row::new("K1").build()), "");
    }

    #[test]
    fn each_row_reaches_the_writer_before_the_next_is_written() {
        let mut w = CsvWriter::start(Vec::new(), Encoding::Utf8).expect("start");
        let header = w.get_ref().len();
        w.row(&Row::new("K1").build()).expect("row");
        let after_one = w.get_ref().len();
        assert!(after_one > header);
        assert!(w.get_ref().ends_with(b"\r\n"));
        let chunk = std::mem::take(w.get_mut());
        assert_eq!(chunk.len(), after_one);
        w.row(&Row::new("K2").build()).expect("row");
        assert!(w.get_ref().ends_with(b",K2,\r\n"));
    }

    #[test]
    fn encodings_parse_from_their_codes_and_name_their_content_type() {
        for (code, encoding) in [
            ("utf8", Encoding::Utf8),
            ("utf-8", Encoding::Utf8),
            ("UTF-8", Encoding::Utf8),
            ("sjis", Encoding::Sjis),
            ("shift_jis", Encoding::Sjis),
            ("Shift_JIS", Encoding::Sjis),
        ] {
            assert_eq!(Encoding::from_code(code), Some(encoding));
        }
        assert_eq!(Encoding::from_code("latin1"), None);
        assert_eq!(Encoding::Utf8.code(), "utf8");
        assert_eq!(Encoding::Sjis.code(), "sjis");
        assert_eq!(Encoding::Utf8.content_type(), "text/csv; charset=utf-8");
        assert_eq!(Encoding::Sjis.content_type(), "text/csv; charset=Shift_JIS");
        assert_eq!(
            serde_json::to_string(&Encoding::Sjis).expect("json"),
            "\"sjis\""
        );
    }
}
