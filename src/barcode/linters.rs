//! The GS1 syntax-test ("linter") routines the AI table names: check
//! digits, dates and times, character sets, ISO code lists, coupon layouts,
//! …
//!
//! Each answers `Ok(())` or the reference engine's error code with the
//! offending part, so messages can point at the characters. They follow
//! the GS1 Barcode Syntax Dictionary's linter definitions and agree with
//! the reference engine (gs1encoders) on its linter test vectors
//! (`tests/suite/gs1_linters.rs`), error codes and positions included.
//!
//! Offsets and lengths are in bytes of the value (always on character
//! boundaries); for the ASCII that GS1 data is made of they are character
//! positions.
//!
//! Linters are pure. The one input that could depend on today, the century
//! of a two-digit year, only matters for leap years here, and those agree
//! for every current year from 1950 to 2049 (see [`gs1_year`]);
//! [`yymmdd_to_date`] takes today explicitly.

use chrono::{Datelike, NaiveDate};

use super::ai_table::{Component, Cset};

/// A linter named in the AI table, or one of the character-set checks
/// that stand for a component's [`Cset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Linter {
    Csetnumeric,
    Cset82,
    Cset39,
    Cset64,
    Csum,
    Csumalpha,
    Gcppos1,
    Gcppos2,
    Yymmd0,
    Yymmdd,
    Yyyymmd0,
    Yyyymmdd,
    Hhmi,
    Hh,
    Mi,
    Ss,
    Iso3166,
    Iso3166999,
    Iso3166alpha2,
    Iso4217,
    Iso5218,
    Nonzero,
    Zero,
    Nozeroprefix,
    Hasnondigit,
    Importeridx,
    Packagetype,
    Couponcode,
    Couponposoffer,
    Pieceoftotal,
    Posinseqslash,
    Pcenc,
    Iban,
    Mediatype,
    Winding,
    Latitude,
    Longitude,
    Yesno,
    Hyphen,
}

/// Every linter with its dictionary spelling, for [`Linter::name`] and
/// [`Linter::from_name`].
const NAMES: &[(Linter, &str)] = &[
    (Linter::Csetnumeric, "csetnumeric"),
    (Linter::Cset82, "cset82"),
    (Linter::Cset39, "cset39"),
    (Linter::Cset64, "cset64"),
    (Linter::Csum, "csum"),
    (Linter::Csumalpha, "csumalpha"),
    (Linter::Gcppos1, "gcppos1"),
    (Linter::Gcppos2, "gcppos2"),
    (Linter::Yymmd0, "yymmd0"),
    (Linter::Yymmdd, "yymmdd"),
    (Linter::Yyyymmd0, "yyyymmd0"),
    (Linter::Yyyymmdd, "yyyymmdd"),
    (Linter::Hhmi, "hhmi"),
    (Linter::Hh, "hh"),
    (Linter::Mi, "mi"),
    (Linter::Ss, "ss"),
    (Linter::Iso3166, "iso3166"),
    (Linter::Iso3166999, "iso3166999"),
    (Linter::Iso3166alpha2, "iso3166alpha2"),
    (Linter::Iso4217, "iso4217"),
    (Linter::Iso5218, "iso5218"),
    (Linter::Nonzero, "nonzero"),
    (Linter::Zero, "zero"),
    (Linter::Nozeroprefix, "nozeroprefix"),
    (Linter::Hasnondigit, "hasnondigit"),
    (Linter::Importeridx, "importeridx"),
    (Linter::Packagetype, "packagetype"),
    (Linter::Couponcode, "couponcode"),
    (Linter::Couponposoffer, "couponposoffer"),
    (Linter::Pieceoftotal, "pieceoftotal"),
    (Linter::Posinseqslash, "posinseqslash"),
    (Linter::Pcenc, "pcenc"),
    (Linter::Iban, "iban"),
    (Linter::Mediatype, "mediatype"),
    (Linter::Winding, "winding"),
    (Linter::Latitude, "latitude"),
    (Linter::Longitude, "longitude"),
    (Linter::Yesno, "yesno"),
    (Linter::Hyphen, "hyphen"),
];

impl Linter {
    /// Every linter kentai implements.
    pub fn all() -> impl Iterator<Item = Linter> {
        NAMES.iter().map(|(l, _)| *l)
    }

    /// The dictionary's name (`csum`, `yymmd0`, …).
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(l, _)| *l == self)
            .map_or("", |(_, n)| n)
    }

    /// The linter the dictionary calls `name`.
    pub fn from_name(name: &str) -> Option<Linter> {
        NAMES.iter().find(|(_, n)| *n == name).map(|(l, _)| *l)
    }
}

/// Why a linter rejects a value: the reference engine's code
/// (`GS1_LINTER_…`), the offset and length of the offending part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintError {
    pub code: &'static str,
    pub offset: usize,
    pub len: usize,
}

/// The outcome of one linter.
type Lint = Result<(), LintError>;

fn fail(code: &'static str, offset: usize, len: usize) -> Lint {
    Err(LintError { code, offset, len })
}

/// The whole value is at fault.
fn whole(code: &'static str, value: &str) -> Lint {
    fail(code, 0, value.len())
}

/// The character starting at byte `at` is at fault.
fn char_at(code: &'static str, value: &str, at: usize) -> Lint {
    let len = value
        .get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(1, char::len_utf8);
    fail(code, at, len)
}

/// Fails at the first byte `ok` refuses. `ok` only accepts ASCII, so that
/// byte starts a character.
fn all_bytes(value: &str, code: &'static str, ok: impl Fn(u8) -> bool) -> Lint {
    match value.bytes().position(|b| !ok(b)) {
        Some(at) => char_at(code, value, at),
        None => Ok(()),
    }
}

const NON_DIGIT: &str = "GS1_LINTER_NON_DIGIT_CHARACTER";

fn digits(value: &str) -> Lint {
    if all_digits(value.as_bytes()) {
        return Ok(());
    }
    all_bytes(value, NON_DIGIT, |b| b.is_ascii_digit())
}

/// Whether `b` is all ASCII digits, eight bytes at a time (GTINs, dates
/// and serials are checked on every scan). Per word, `x - 0x30…` sets a
/// byte's top bit where it is below `'0'` and `x + 0x46…` where it is
/// above `'9'`; a borrow or carry can only start at a bad byte, and the
/// lowest bad byte is always flagged, so the test is exact for "all".
fn all_digits(b: &[u8]) -> bool {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    const PAST_NINE: u64 = 0x4646_4646_4646_4646;
    const TOP: u64 = 0x8080_8080_8080_8080;
    let word_ok = |w: &[u8]| {
        <[u8; 8]>::try_from(w).is_ok_and(|w| {
            let x = u64::from_le_bytes(w);
            (x.wrapping_sub(ZEROS) | x.wrapping_add(PAST_NINE)) & TOP == 0
        })
    };
    if b.len() < 8 {
        return b.iter().all(u8::is_ascii_digit);
    }
    let mut words = b.chunks_exact(8);
    // The tail, as the last eight bytes (overlapping checked ones).
    words.all(word_ok) && word_ok(&b[b.len() - 8..])
}

/// The number written by ASCII digits (already checked to be digits).
fn number(digits: &[u8]) -> u64 {
    digits
        .iter()
        .fold(0, |n, d| n * 10 + u64::from(d.wrapping_sub(b'0')))
}

/// Runs `linter` over one component's value.
pub fn lint(linter: Linter, value: &str) -> Result<(), LintError> {
    match linter {
        Linter::Csetnumeric => check_cset(Cset::N, value),
        Linter::Cset82 => check_cset(Cset::X, value),
        Linter::Cset39 => check_cset(Cset::Y, value),
        Linter::Cset64 => check_cset(Cset::Z, value),
        Linter::Csum => csum(value),
        Linter::Csumalpha => csumalpha(value),
        Linter::Gcppos1 => gcppos1(value),
        Linter::Gcppos2 => gcppos2(value),
        Linter::Yymmd0 => date(value, 2, true),
        Linter::Yymmdd => date(value, 2, false),
        Linter::Yyyymmd0 => date(value, 4, true),
        Linter::Yyyymmdd => date(value, 4, false),
        Linter::Hhmi => hhmi(value),
        Linter::Hh => two_digits(value, 23, HOUR),
        Linter::Mi => two_digits(value, 59, MINUTE),
        Linter::Ss => two_digits(value, 59, SECOND),
        Linter::Iso3166 => in_numeric_list(value, ISO3166_NUMERIC, "GS1_LINTER_NOT_ISO3166"),
        Linter::Iso3166999 => {
            if value == "999" {
                Ok(())
            } else {
                in_numeric_list(value, ISO3166_NUMERIC, "GS1_LINTER_NOT_ISO3166_OR_999")
            }
        }
        Linter::Iso3166alpha2 => in_list(value, ISO3166_ALPHA2, "GS1_LINTER_NOT_ISO3166_ALPHA2"),
        Linter::Iso4217 => in_numeric_list(value, ISO4217_NUMERIC, "GS1_LINTER_NOT_ISO4217"),
        Linter::Iso5218 => one_of(
            value,
            &["0", "1", "2", "9"],
            "GS1_LINTER_INVALID_BIOLOGICAL_SEX_CODE",
        ),
        Linter::Nonzero => nonzero(value),
        Linter::Zero => {
            if !value.is_empty() && value.bytes().all(|b| b == b'0') {
                Ok(())
            } else {
                whole("GS1_LINTER_NOT_ZERO", value)
            }
        }
        Linter::Nozeroprefix => {
            if value.starts_with('0') {
                return fail("GS1_LINTER_ILLEGAL_ZERO_PREFIX", 0, 1);
            }
            digits(value)
        }
        Linter::Hasnondigit => {
            if value.bytes().all(|b| b.is_ascii_digit()) {
                whole("GS1_LINTER_REQUIRES_NON_DIGIT_CHARACTER", value)
            } else {
                Ok(())
            }
        }
        Linter::Importeridx => importeridx(value),
        Linter::Packagetype => in_list(value, PACKAGE_TYPES, "GS1_LINTER_INVALID_PACKAGE_TYPE"),
        Linter::Couponcode => couponcode(value),
        Linter::Couponposoffer => couponposoffer(value),
        Linter::Pieceoftotal => pieceoftotal(value),
        Linter::Posinseqslash => posinseqslash(value),
        Linter::Pcenc => pcenc(value),
        Linter::Iban => iban(value),
        Linter::Mediatype => mediatype(value),
        Linter::Winding => one_of(
            value,
            &["0", "1", "9"],
            "GS1_LINTER_INVALID_WINDING_DIRECTION",
        ),
        Linter::Latitude => coordinate(value, 1_800_000_000, LATITUDE),
        Linter::Longitude => coordinate(value, 3_600_000_000, LONGITUDE),
        Linter::Yesno => one_of(value, &["0", "1"], "GS1_LINTER_NOT_ZERO_OR_ONE"),
        Linter::Hyphen => {
            if !value.is_empty() && value.bytes().all(|b| b == b'-') {
                Ok(())
            } else {
                whole("GS1_LINTER_NOT_HYPHEN", value)
            }
        }
    }
}

/// Runs a component's checks as the reference engine does: its character
/// set, then its linters in the dictionary's order.
pub fn check_component(component: &Component, value: &str) -> Result<(), LintError> {
    check_cset(component.cset, value)?;
    component
        .linters
        .iter()
        .try_for_each(|&linter| lint_after_cset(linter, component.cset, value))
}

/// [`lint`] on a value that has passed [`check_cset`] for `cset`: the
/// same outcome, but the linters that start by checking for digits (check
/// digits, dates, company prefixes) skip that when `cset` is digits
/// already. Every GTIN and expiry date of every scan goes through here.
pub(crate) fn lint_after_cset(linter: Linter, cset: Cset, value: &str) -> Lint {
    if cset == Cset::N {
        match linter {
            Linter::Csum => return csum_of_digits(value),
            Linter::Yymmd0 => return date_checked(value, 2, true, true),
            Linter::Yymmdd => return date_checked(value, 2, false, true),
            Linter::Yyyymmd0 => return date_checked(value, 4, true, true),
            Linter::Yyyymmdd => return date_checked(value, 4, false, true),
            // A company prefix is four digits: in a digits-only value, one
            // long enough has one (else the linter's own error).
            Linter::Gcppos1 if value.len() >= GCP_MIN_LENGTH => return Ok(()),
            Linter::Gcppos2 if value.len() > GCP_MIN_LENGTH => return Ok(()),
            _ => {}
        }
    }
    lint(linter, value)
}

/// GS1 AI encodable character set 82, in the order that gives each
/// character its value for the alphanumeric check pair (`csumalpha`).
const CSET82: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// Bits of [`CLASSES`]: which character sets a byte belongs to (digits
/// have their own test, [`all_digits`]).
const IN_82: u8 = 1;
const IN_39: u8 = 2;
const IN_64: u8 = 4;

/// The character sets of every byte, so that checking a value's set is
/// one table lookup per byte (every element of every scan is checked).
const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        if b.is_ascii_alphanumeric() {
            t[c] |= IN_82 | IN_64;
        }
        if b.is_ascii_uppercase() || b.is_ascii_digit() {
            t[c] |= IN_39;
        }
        c += 1;
    }
    let punct82 = b"!\"%&'()*+,-./:;<=>?_";
    let mut i = 0;
    while i < punct82.len() {
        t[punct82[i] as usize] |= IN_82;
        i += 1;
    }
    let punct39 = b"#-/";
    let mut i = 0;
    while i < punct39.len() {
        t[punct39[i] as usize] |= IN_39;
        i += 1;
    }
    t[b'-' as usize] |= IN_64;
    t[b'_' as usize] |= IN_64;
    t
}

static CLASSES: [u8; 256] = classes();

fn is_cset82(b: u8) -> bool {
    CLASSES[usize::from(b)] & IN_82 != 0
}

/// GS1 AI encodable character set 39: upper-case letters, digits, `#-/`.
fn is_cset39(b: u8) -> bool {
    CLASSES[usize::from(b)] & IN_39 != 0
}

/// base64url (GS1 character set 64) without its padding.
fn is_cset64(b: u8) -> bool {
    CLASSES[usize::from(b)] & IN_64 != 0
}

/// Checks that `value` is made of `cset`'s characters.
pub fn check_cset(cset: Cset, value: &str) -> Result<(), LintError> {
    match cset {
        Cset::N => digits(value),
        Cset::X => all_bytes(value, "GS1_LINTER_INVALID_CSET82_CHARACTER", is_cset82),
        Cset::Y => all_bytes(value, "GS1_LINTER_INVALID_CSET39_CHARACTER", is_cset39),
        Cset::Z => {
            // Up to two `=` may pad the end, and only to complete a group
            // of three characters.
            let data = value.trim_end_matches('=');
            let pads = value.len() - data.len();
            if pads > 2 || (pads > 0 && value.len() % 3 != 0) {
                return fail("GS1_LINTER_INVALID_CSET64_PADDING", data.len(), pads);
            }
            all_bytes(data, "GS1_LINTER_INVALID_CSET64_CHARACTER", is_cset64)
        }
    }
}

/// The GS1 mod-10 check digit (GS1 General Specifications 7.9.1) as the
/// last digit.
fn csum(value: &str) -> Lint {
    if value.is_empty() {
        return fail("GS1_LINTER_TOO_SHORT_FOR_CHECK_DIGIT", 0, 0);
    }
    digits(value)?;
    csum_of_digits(value)
}

/// [`csum`] on a value already checked to be all digits (the `N`
/// character set of its component): the `gs1` crate's calculation, which
/// panics on anything but digits, gets only digits.
fn csum_of_digits(value: &str) -> Lint {
    let Some(last) = value.len().checked_sub(1) else {
        return fail("GS1_LINTER_TOO_SHORT_FOR_CHECK_DIGIT", 0, 0);
    };
    let expected = gs1::checksum::gs1_checksum(&value[..last]);
    if value.as_bytes()[last].wrapping_sub(b'0') != expected {
        return fail("GS1_LINTER_INCORRECT_CHECK_DIGIT", last, 1);
    }
    Ok(())
}

/// The first 97 primes: the weights of the alphanumeric check pair, from
/// the rightmost data character leftwards. 97 covers the longest AI value
/// (99 characters, check pair included).
const PRIMES: [u32; 97] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
    197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307,
    311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409, 419, 421,
    431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509,
];

/// The 32 check characters of the alphanumeric check pair (no 0, 1, I,
/// O, which read alike).
const CSET32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The alphanumeric check character pair of GMN and MUDI (GS1 General
/// Specifications 7.9.5): the data characters' CSET 82 values weighted by
/// primes, modulo 1021, written as two base-32 characters.
fn csumalpha(value: &str) -> Lint {
    let bytes = value.as_bytes();
    let len = bytes.len();
    if len < 2 {
        return whole("GS1_LINTER_TOO_SHORT_FOR_CHECK_PAIR", value);
    }
    let data = &bytes[..len - 2];
    if data.len() > PRIMES.len() {
        return whole("GS1_LINTER_TOO_LONG_FOR_CHECK_PAIR_IMPLEMENTATION", value);
    }
    let mut sum = 0u32;
    for (i, &b) in data.iter().enumerate() {
        let Some(weight) = CSET82.iter().position(|&c| c == b) else {
            return char_at("GS1_LINTER_INVALID_CSET82_CHARACTER", value, i);
        };
        sum += weight as u32 * PRIMES[data.len() - 1 - i];
    }
    sum %= 1021;
    let pair = [CSET32[(sum >> 5) as usize], CSET32[(sum & 31) as usize]];
    if bytes[len - 2..] != pair {
        return fail("GS1_LINTER_INCORRECT_CHECK_PAIR", len - 2, 2);
    }
    Ok(())
}

/// The shortest GS1 Company Prefix has four digits.
const GCP_MIN_LENGTH: usize = 4;

/// The value starts with a GS1 Company Prefix. Without a register of
/// allocated prefixes (kentai has none) that means: at least the shortest
/// prefix's length of digits.
fn gcppos1(value: &str) -> Lint {
    if value.len() < GCP_MIN_LENGTH {
        return whole("GS1_LINTER_TOO_SHORT_FOR_GCP", value);
    }
    match value.as_bytes()[..GCP_MIN_LENGTH]
        .iter()
        .position(|b| !b.is_ascii_digit())
    {
        Some(at) => char_at("GS1_LINTER_INVALID_GCP_PREFIX", value, at),
        None => Ok(()),
    }
}

/// A GS1 Company Prefix from the second character (after an indicator
/// digit or extension).
fn gcppos2(value: &str) -> Lint {
    if value.len() < 2 {
        return whole("GS1_LINTER_TOO_SHORT_FOR_GCP", value);
    }
    let skip = value.chars().next().map_or(1, char::len_utf8);
    gcppos1(&value[skip..]).map_err(|e| LintError {
        offset: e.offset + skip,
        ..e
    })
}

/// The reference year the engine resolves two-digit years against (its
/// `CURRENT_YEAR`): the linters need a century only for leap years.
const ENGINE_REFERENCE_YEAR: i32 = 2021;

/// The year a two-digit `yy` stands for, `current_year` being this year:
/// GS1 General Specifications 7.12 — a sliding window, 49 years back and
/// 50 ahead. If `yy` minus the current year's last two digits is 51 or
/// more, it is last century; if it is -50 or less, next century; else
/// this century.
pub fn gs1_year(yy: u8, current_year: i32) -> i32 {
    let century = current_year.div_euclid(100) * 100;
    let diff = i32::from(yy) - current_year.rem_euclid(100);
    if diff >= 51 {
        century - 100 + i32::from(yy)
    } else if diff <= -50 {
        century + 100 + i32::from(yy)
    } else {
        century + i32::from(yy)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYMMDD` (`year_digits` 2) or `YYYYMMDD` (4); `zero_day`: `00` allowed
/// for an unspecified day.
fn date(value: &str, year_digits: usize, zero_day: bool) -> Lint {
    date_checked(value, year_digits, zero_day, false)
}

/// [`date`]; `all_digits` when the value is known to be digits already
/// (the `N` character set of its component), to skip checking again.
fn date_checked(value: &str, year_digits: usize, zero_day: bool, all_digits: bool) -> Lint {
    let len = year_digits + 4;
    if value.len() != len {
        let code = if value.len() < len {
            "GS1_LINTER_DATE_TOO_SHORT"
        } else {
            "GS1_LINTER_DATE_TOO_LONG"
        };
        return whole(code, value);
    }
    if !all_digits {
        digits(value)?;
    }
    let b = value.as_bytes();
    let year = if year_digits == 4 {
        number(&b[..4]) as i32
    } else {
        gs1_year(number(&b[..2]) as u8, ENGINE_REFERENCE_YEAR)
    };
    let month = number(&b[year_digits..year_digits + 2]) as u32;
    if !(1..=12).contains(&month) {
        return fail("GS1_LINTER_ILLEGAL_MONTH", year_digits, 2);
    }
    let day = number(&b[year_digits + 2..]) as u32;
    if day > days_in_month(year, month) || (day == 0 && !zero_day) {
        return fail("GS1_LINTER_ILLEGAL_DAY", year_digits + 2, 2);
    }
    Ok(())
}

/// The date a `YYMMDD` value stands for, the century chosen by the GS1
/// rule relative to `today` ([`gs1_year`]); day `00` (an expiry given to
/// the month) means the month's last day. `None` if it is no date.
pub fn yymmdd_to_date(value: &str, today: NaiveDate) -> Option<NaiveDate> {
    let b = value.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year = gs1_year(number(&b[..2]) as u8, today.year());
    let month = number(&b[2..4]) as u32;
    let day = number(&b[4..]) as u32;
    if !(1..=12).contains(&month) {
        return None;
    }
    let day = if day == 0 {
        days_in_month(year, month)
    } else {
        day
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

/// Codes of a two-digit time field: too short, too long, out of range.
struct TimeField {
    short: &'static str,
    long: &'static str,
    illegal: &'static str,
}

const HOUR: TimeField = TimeField {
    short: "GS1_LINTER_HOUR_TOO_SHORT",
    long: "GS1_LINTER_HOUR_TOO_LONG",
    illegal: "GS1_LINTER_ILLEGAL_HOUR",
};
const MINUTE: TimeField = TimeField {
    short: "GS1_LINTER_MINUTE_TOO_SHORT",
    long: "GS1_LINTER_MINUTE_TOO_LONG",
    illegal: "GS1_LINTER_ILLEGAL_MINUTE",
};
const SECOND: TimeField = TimeField {
    short: "GS1_LINTER_SECOND_TOO_SHORT",
    long: "GS1_LINTER_SECOND_TOO_LONG",
    illegal: "GS1_LINTER_ILLEGAL_SECOND",
};

fn two_digits(value: &str, max: u64, field: TimeField) -> Lint {
    if value.len() != 2 {
        let code = if value.len() < 2 {
            field.short
        } else {
            field.long
        };
        return whole(code, value);
    }
    digits(value)?;
    if number(value.as_bytes()) > max {
        return fail(field.illegal, 0, 2);
    }
    Ok(())
}

fn hhmi(value: &str) -> Lint {
    if value.len() != 4 {
        let code = if value.len() < 4 {
            "GS1_LINTER_HOUR_WITH_MINUTE_TOO_SHORT"
        } else {
            "GS1_LINTER_HOUR_WITH_MINUTE_TOO_LONG"
        };
        return whole(code, value);
    }
    digits(value)?;
    let b = value.as_bytes();
    if number(&b[..2]) > 23 {
        return fail(HOUR.illegal, 0, 2);
    }
    if number(&b[2..]) > 59 {
        return fail(MINUTE.illegal, 2, 2);
    }
    Ok(())
}

/// A three-digit code in a sorted list of numeric codes.
fn in_numeric_list(value: &str, list: &[u16], code: &'static str) -> Lint {
    let b = value.as_bytes();
    if b.len() == 3
        && b.iter().all(u8::is_ascii_digit)
        && list.binary_search(&(number(b) as u16)).is_ok()
    {
        Ok(())
    } else {
        whole(code, value)
    }
}

/// A code in a sorted list.
fn in_list(value: &str, list: &[&str], code: &'static str) -> Lint {
    if list.binary_search(&value).is_ok() {
        Ok(())
    } else {
        whole(code, value)
    }
}

fn one_of(value: &str, allowed: &[&str], code: &'static str) -> Lint {
    if allowed.contains(&value) {
        Ok(())
    } else {
        whole(code, value)
    }
}

fn nonzero(value: &str) -> Lint {
    digits(value)?;
    if value.bytes().all(|b| b == b'0') {
        return whole("GS1_LINTER_ILLEGAL_ZERO_VALUE", value);
    }
    Ok(())
}

/// The importer index of a UIC with extension (7040): one character of
/// base64url.
fn importeridx(value: &str) -> Lint {
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii() && is_cset64(c as u8) => Ok(()),
        (Some(_), None) => whole("GS1_LINTER_INVALID_IMPORT_IDX_CHARACTER", value),
        _ => whole("GS1_LINTER_IMPORTER_IDX_MUST_BE_ONE_CHARACTER", value),
    }
}

/// AIDC media type (7241): 01-10 assigned by GS1, 80-99 for company use.
fn mediatype(value: &str) -> Lint {
    let b = value.as_bytes();
    if b.len() == 2 && b.iter().all(u8::is_ascii_digit) {
        let n = number(b);
        if (1..=10).contains(&n) || (80..=99).contains(&n) {
            return Ok(());
        }
    }
    whole("GS1_LINTER_INVALID_MEDIA_TYPE", value)
}

/// Codes of a ten-digit coordinate: wrong length, out of range.
struct Coordinate {
    length: &'static str,
    range: &'static str,
}

const LATITUDE: Coordinate = Coordinate {
    length: "GS1_LINTER_LATITUDE_INVALID_LENGTH",
    range: "GS1_LINTER_INVALID_LATITUDE",
};
const LONGITUDE: Coordinate = Coordinate {
    length: "GS1_LINTER_LONGITUDE_INVALID_LENGTH",
    range: "GS1_LINTER_INVALID_LONGITUDE",
};

/// A WGS84 coordinate as ten digits, offset so it is never negative
/// (latitude + 90, longitude + 180, in units of 10⁻⁷ degree).
fn coordinate(value: &str, max: u64, codes: Coordinate) -> Lint {
    if value.len() != 10 {
        return whole(codes.length, value);
    }
    digits(value)?;
    if number(value.as_bytes()) > max {
        return fail(codes.range, 0, 10);
    }
    Ok(())
}

/// Piece and total of equal width (`PPTT`, 8006/8026): neither zero, the
/// piece not above the total.
fn pieceoftotal(value: &str) -> Lint {
    digits(value)?;
    let b = value.as_bytes();
    if b.is_empty() || b.len() % 2 != 0 {
        return whole("GS1_LINTER_INVALID_LENGTH_FOR_PIECE_OF_TOTAL", value);
    }
    let half = b.len() / 2;
    let (piece, total) = b.split_at(half);
    if piece.iter().all(|&d| d == b'0') {
        return fail("GS1_LINTER_ZERO_PIECE_NUMBER", 0, half);
    }
    if total.iter().all(|&d| d == b'0') {
        return fail("GS1_LINTER_ZERO_TOTAL_PIECES", half, half);
    }
    // Equal widths: digit order is numeric order.
    if piece > total {
        return whole("GS1_LINTER_PIECE_NUMBER_EXCEEDS_TOTAL", value);
    }
    Ok(())
}

/// `<position>/<end>` (7258, birth sequence): digits, no zero prefix, the
/// position not past the end.
fn posinseqslash(value: &str) -> Lint {
    const MALFORMED: &str = "GS1_LINTER_POSITION_IN_SEQUENCE_MALFORMED";
    let Some((pos, end)) = value.split_once('/') else {
        return whole(MALFORMED, value);
    };
    let is_number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !is_number(pos) || !is_number(end) {
        return whole(MALFORMED, value);
    }
    if pos.starts_with('0') {
        return fail("GS1_LINTER_ILLEGAL_ZERO_PREFIX", 0, pos.len());
    }
    if end.starts_with('0') {
        return fail("GS1_LINTER_ILLEGAL_ZERO_PREFIX", pos.len() + 1, end.len());
    }
    // No zero prefixes: the longer is larger, else digit order decides.
    if (pos.len(), pos) > (end.len(), end) {
        return whole("GS1_LINTER_POSITION_EXCEEDS_END", value);
    }
    Ok(())
}

/// Percent-encoding (names and addresses): each `%` starts `%XX` with two
/// hex digits.
fn pcenc(value: &str) -> Lint {
    const INVALID: &str = "GS1_LINTER_INVALID_PERCENT_SEQUENCE";
    let b = value.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            i += 1;
            continue;
        }
        if i + 2 >= b.len() {
            return fail(INVALID, i, b.len() - i);
        }
        if !b[i + 1].is_ascii_hexdigit() || !b[i + 2].is_ascii_hexdigit() {
            // Mark `%` and the two characters after it, whole.
            let len = value[i..]
                .char_indices()
                .nth(3)
                .map_or(b.len() - i, |(n, _)| n);
            return fail(INVALID, i, len);
        }
        i += 3;
    }
    Ok(())
}

/// The IBAN (ISO 13616): a country, two check digits, up to 30 letters
/// and digits; moved check digits first, letters as 10-35, mod 97 is 1.
fn iban(value: &str) -> Lint {
    const TOO_SHORT: &str = "GS1_LINTER_IBAN_TOO_SHORT";
    let b = value.as_bytes();
    if b.len() < 4 {
        return whole(TOO_SHORT, value);
    }
    let country = value.get(..2).unwrap_or_default();
    if ISO3166_ALPHA2.binary_search(&country).is_err() {
        // Two bytes, widened to whole characters.
        let len = (2..=value.len())
            .find(|&n| value.is_char_boundary(n))
            .unwrap_or(value.len());
        return fail("GS1_LINTER_ILLEGAL_IBAN_COUNTRY_CODE", 0, len);
    }
    if b.len() > 34 {
        return whole("GS1_LINTER_IBAN_TOO_LONG", value);
    }
    // The reference engine's floor: no country's IBAN is this short.
    if b.len() <= 10 {
        return whole(TOO_SHORT, value);
    }
    let mut rest = 0u32;
    for i in (4..b.len()).chain(0..4) {
        let c = b[i];
        let (n, scale) = match c {
            b'0'..=b'9' => (u32::from(c - b'0'), 10),
            b'A'..=b'Z' => (u32::from(c - b'A') + 10, 100),
            _ => return char_at("GS1_LINTER_INVALID_IBAN_CHARACTER", value, i),
        };
        rest = (rest * scale + n) % 97;
    }
    if rest != 1 {
        return fail("GS1_LINTER_INCORRECT_IBAN_CHECKSUM", 2, 2);
    }
    Ok(())
}

/// A cursor over coupon data (all digits) that fails with the reference
/// engine's positions: a truncated field marks what is left of it, or the
/// whole value when nothing is.
struct Coupon<'a> {
    data: &'a [u8],
    at: usize,
}

impl Coupon<'_> {
    fn more(&self) -> bool {
        self.at < self.data.len()
    }

    /// The next digit, moving past it; `missing` if there is none.
    fn digit(&mut self, missing: &'static str) -> Result<u8, LintError> {
        match self.data.get(self.at) {
            Some(&d) => {
                self.at += 1;
                Ok(d - b'0')
            }
            None => Err(self.short(missing)),
        }
    }

    /// The next digit if it is `flag`, moving past it.
    fn flag(&mut self, flag: u8) -> bool {
        if self.data.get(self.at) == Some(&flag) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Refuses the digit just read.
    fn invalid(&self, code: &'static str) -> LintError {
        LintError {
            code,
            offset: self.at - 1,
            len: 1,
        }
    }

    /// A field cut short (or missing) at the current position.
    fn short(&self, code: &'static str) -> LintError {
        if self.more() {
            LintError {
                code,
                offset: self.at,
                len: self.data.len() - self.at,
            }
        } else {
            LintError {
                code,
                offset: 0,
                len: self.data.len(),
            }
        }
    }

    /// Moves past a field of `len` digits, returning where it starts.
    fn take(&mut self, len: usize, truncated: &'static str) -> Result<usize, LintError> {
        if self.data.len() - self.at < len {
            return Err(self.short(truncated));
        }
        let start = self.at;
        self.at += len;
        Ok(start)
    }

    /// A GS1 Company Prefix of `len` digits.
    fn gcp(&mut self, len: usize, truncated: &'static str) -> Result<(), LintError> {
        let start = self.take(len, truncated)?;
        let field = std::str::from_utf8(&self.data[start..self.at]).unwrap_or_default();
        gcppos1(field).map_err(|e| LintError {
            code: e.code,
            offset: start,
            len,
        })
    }

    /// A digit that must lie in `range` (a value-length indicator, a
    /// format code): `missing` if there is none, `invalid` if out of range.
    fn vli(
        &mut self,
        range: std::ops::RangeInclusive<u8>,
        missing: &'static str,
        invalid: &'static str,
    ) -> Result<u8, LintError> {
        let d = self.digit(missing)?;
        if !range.contains(&d) {
            return Err(self.invalid(invalid));
        }
        Ok(d)
    }

    fn done(&self) -> Lint {
        if self.more() {
            return fail(
                "GS1_LINTER_COUPON_EXCESS_DATA",
                self.at,
                self.data.len() - self.at,
            );
        }
        Ok(())
    }
}

/// Error codes of one purchase requirement block of a coupon.
struct Purchase {
    vli_missing: &'static str,
    vli_invalid: &'static str,
    truncated: &'static str,
    code_missing: &'static str,
    code_invalid: &'static str,
    family_truncated: &'static str,
}

const FIRST_PURCHASE: Purchase = Purchase {
    vli_missing: "GS1_LINTER_COUPON_MISSING_1ST_PURCHASE_REQUIREMENT_VLI",
    vli_invalid: "GS1_LINTER_COUPON_INVALID_1ST_PURCHASE_REQUIREMENT_LENGTH",
    truncated: "GS1_LINTER_COUPON_TRUNCATED_1ST_PURCHASE_REQUIREMENT",
    code_missing: "GS1_LINTER_COUPON_MISSING_1ST_PURCHASE_REQUIREMENT_CODE",
    code_invalid: "GS1_LINTER_COUPON_INVALID_1ST_PURCHASE_REQUIREMENT_CODE",
    family_truncated: "GS1_LINTER_COUPON_TRUNCATED_1ST_PURCHASE_FAMILY_CODE",
};
const SECOND_PURCHASE: Purchase = Purchase {
    vli_missing: "GS1_LINTER_COUPON_MISSING_2ND_PURCHASE_REQUIREMENT_VLI",
    vli_invalid: "GS1_LINTER_COUPON_INVALID_2ND_PURCHASE_REQUIREMENT_LENGTH",
    truncated: "GS1_LINTER_COUPON_TRUNCATED_2ND_PURCHASE_REQUIREMENT",
    code_missing: "GS1_LINTER_COUPON_MISSING_2ND_PURCHASE_REQUIREMENT_CODE",
    code_invalid: "GS1_LINTER_COUPON_INVALID_2ND_PURCHASE_REQUIREMENT_CODE",
    family_truncated: "GS1_LINTER_COUPON_TRUNCATED_2ND_PURCHASE_FAMILY_CODE",
};
const THIRD_PURCHASE: Purchase = Purchase {
    vli_missing: "GS1_LINTER_COUPON_MISSING_3RD_PURCHASE_REQUIREMENT_VLI",
    vli_invalid: "GS1_LINTER_COUPON_INVALID_3RD_PURCHASE_REQUIREMENT_LENGTH",
    truncated: "GS1_LINTER_COUPON_TRUNCATED_3RD_PURCHASE_REQUIREMENT",
    code_missing: "GS1_LINTER_COUPON_MISSING_3RD_PURCHASE_REQUIREMENT_CODE",
    code_invalid: "GS1_LINTER_COUPON_INVALID_3RD_PURCHASE_REQUIREMENT_CODE",
    family_truncated: "GS1_LINTER_COUPON_TRUNCATED_3RD_PURCHASE_FAMILY_CODE",
};

/// Error codes of the GS1 Company Prefix of the 2nd or 3rd purchase.
struct PurchaseGcp {
    missing: &'static str,
    invalid: &'static str,
    truncated: &'static str,
}

const SECOND_PURCHASE_GCP: PurchaseGcp = PurchaseGcp {
    missing: "GS1_LINTER_COUPON_MISSING_2ND_PURCHASE_GCP_VLI",
    invalid: "GS1_LINTER_COUPON_INVALID_2ND_PURCHASE_GCP_LENGTH",
    truncated: "GS1_LINTER_COUPON_TRUNCATED_2ND_PURCHASE_GCP",
};
const THIRD_PURCHASE_GCP: PurchaseGcp = PurchaseGcp {
    missing: "GS1_LINTER_COUPON_MISSING_3RD_PURCHASE_GCP_VLI",
    invalid: "GS1_LINTER_COUPON_INVALID_3RD_PURCHASE_GCP_LENGTH",
    truncated: "GS1_LINTER_COUPON_TRUNCATED_3RD_PURCHASE_GCP",
};

impl Coupon<'_> {
    /// A purchase requirement: its length (1-5) and value, its code (0-4
    /// or 9), its three-digit family code.
    fn purchase(&mut self, codes: &Purchase) -> Lint {
        let len = self.vli(1..=5, codes.vli_missing, codes.vli_invalid)?;
        self.take(usize::from(len), codes.truncated)?;
        let code = self.digit(codes.code_missing)?;
        if code > 4 && code != 9 {
            return Err(self.invalid(codes.code_invalid));
        }
        self.take(3, codes.family_truncated)?;
        Ok(())
    }

    /// The company of the 2nd or 3rd purchase: a length (0-6 for 6-12
    /// digits) and prefix, or 9 for the coupon's own company.
    fn purchase_gcp(&mut self, codes: &PurchaseGcp) -> Lint {
        let d = self.digit(codes.missing)?;
        if d > 6 && d != 9 {
            return Err(self.invalid(codes.invalid));
        }
        if d == 9 {
            return Ok(());
        }
        self.gcp(usize::from(d) + 6, codes.truncated)
    }

    /// A `YYMMDD` date of the coupon; its start offset.
    fn date(&mut self, short: &'static str, invalid: &'static str) -> Result<usize, LintError> {
        let start = self.take(6, short)?;
        let field = std::str::from_utf8(&self.data[start..self.at]).unwrap_or_default();
        date(field, 2, false).map_err(|_| LintError {
            code: invalid,
            offset: start,
            len: 6,
        })?;
        Ok(start)
    }
}

/// The North American coupon code (8110), per the "North American Coupon
/// Application Guideline Using GS1 DataBar Expanded Symbols": company
/// prefix, offer code, save value, first purchase requirement, then
/// optional fields 1 (2nd purchase), 2 (3rd purchase), 3 (expiry), 4
/// (start), 5 (serial), 6 (retailer), 9 (miscellaneous), in that order.
fn couponcode(value: &str) -> Lint {
    digits(value)?;
    let mut c = Coupon {
        data: value.as_bytes(),
        at: 0,
    };
    let len = c.vli(
        0..=6,
        "GS1_LINTER_COUPON_MISSING_GCP_VLI",
        "GS1_LINTER_COUPON_INVALID_GCP_LENGTH",
    )?;
    c.gcp(usize::from(len) + 6, "GS1_LINTER_COUPON_TRUNCATED_GCP")?;
    c.take(6, "GS1_LINTER_COUPON_TRUNCATED_OFFER_CODE")?;
    let len = c.vli(
        1..=5,
        "GS1_LINTER_COUPON_MISSING_SAVE_VALUE_VLI",
        "GS1_LINTER_COUPON_INVALID_SAVE_VALUE_LENGTH",
    )?;
    c.take(usize::from(len), "GS1_LINTER_COUPON_TRUNCATED_SAVE_VALUE")?;
    c.purchase(&FIRST_PURCHASE)?;

    if c.flag(b'1') {
        let rules = c.digit("GS1_LINTER_COUPON_MISSING_ADDITIONAL_PURCHASE_RULES_CODE")?;
        if rules > 3 {
            return Err(c.invalid("GS1_LINTER_COUPON_INVALID_ADDITIONAL_PURCHASE_RULES_CODE"));
        }
        c.purchase(&SECOND_PURCHASE)?;
        c.purchase_gcp(&SECOND_PURCHASE_GCP)?;
    }
    if c.flag(b'2') {
        c.purchase(&THIRD_PURCHASE)?;
        c.purchase_gcp(&THIRD_PURCHASE_GCP)?;
    }
    let mut expiry = None;
    if c.flag(b'3') {
        expiry = Some(c.date(
            "GS1_LINTER_COUPON_TOO_SHORT_FOR_EXPIRATION_DATE",
            "GS1_LINTER_COUPON_INVALID_EXIPIRATION_DATE",
        )?);
    }
    if c.flag(b'4') {
        let start = c.date(
            "GS1_LINTER_COUPON_TOO_SHORT_FOR_START_DATE",
            "GS1_LINTER_COUPON_INVALID_START_DATE",
        )?;
        if let Some(expiry) = expiry {
            // Both YYMMDD: digit order is date order (within a century).
            if c.data[start..start + 6] > c.data[expiry..expiry + 6] {
                // Mark both fields, flags included.
                return fail("GS1_LINTER_COUPON_EXPIRATION_BEFORE_START", expiry - 1, 14);
            }
        }
    }
    if c.flag(b'5') {
        let len = c.digit("GS1_LINTER_COUPON_MISSING_SERIAL_NUMBER_VLI")?;
        c.take(
            usize::from(len) + 6,
            "GS1_LINTER_COUPON_TRUNCATED_SERIAL_NUMBER",
        )?;
    }
    if c.flag(b'6') {
        let len = c.vli(
            1..=7,
            "GS1_LINTER_COUPON_MISSING_RETAILER_GCP_OR_GLN_VLI",
            "GS1_LINTER_COUPON_INVALID_RETAILER_GCP_OR_GLN_LENGTH",
        )?;
        c.gcp(
            usize::from(len) + 6,
            "GS1_LINTER_COUPON_TRUNCATED_RETAILER_GCP_OR_GLN",
        )?;
    }
    if c.flag(b'9') {
        let code = c.digit("GS1_LINTER_COUPON_MISSING_SAVE_VALUE_CODE")?;
        if !matches!(code, 0 | 1 | 2 | 5 | 6) {
            return Err(c.invalid("GS1_LINTER_COUPON_INVALID_SAVE_VALUE_CODE"));
        }
        let applies = c.digit("GS1_LINTER_COUPON_MISSING_SAVE_VALUE_APPLIES_TO_ITEM")?;
        if applies > 2 {
            return Err(c.invalid("GS1_LINTER_COUPON_INVALID_SAVE_VALUE_APPLIES_TO_ITEM"));
        }
        c.digit("GS1_LINTER_COUPON_MISSING_STORE_COUPON_FLAG")?;
        let dont_multiply = c.digit("GS1_LINTER_COUPON_MISSING_DONT_MULTIPLY_FLAG")?;
        if dont_multiply > 1 {
            return Err(c.invalid("GS1_LINTER_COUPON_INVALID_DONT_MULTIPLY_FLAG"));
        }
    }
    c.done()
}

/// The positive offer file coupon (8112): format code (0 or 1), funder
/// (length 0-6 for 6-12 digits), six-digit offer code, serial number
/// (length 0-9 for 6-15 digits).
fn couponposoffer(value: &str) -> Lint {
    digits(value)?;
    let mut c = Coupon {
        data: value.as_bytes(),
        at: 0,
    };
    c.vli(
        0..=1,
        "GS1_LINTER_COUPON_MISSING_FORMAT_CODE",
        "GS1_LINTER_COUPON_INVALID_FORMAT_CODE",
    )?;
    let len = c.vli(
        0..=6,
        "GS1_LINTER_COUPON_MISSING_FUNDER_VLI",
        "GS1_LINTER_COUPON_INVALID_FUNDER_LENGTH",
    )?;
    c.take(usize::from(len) + 6, "GS1_LINTER_COUPON_TRUNCATED_FUNDER")?;
    c.take(6, "GS1_LINTER_COUPON_TRUNCATED_OFFER_CODE")?;
    let len = c.digit("GS1_LINTER_COUPON_MISSING_SERIAL_NUMBER_VLI")?;
    c.take(
        usize::from(len) + 6,
        "GS1_LINTER_COUPON_TRUNCATED_SERIAL_NUMBER",
    )?;
    c.done()
}

/// ISO 3166-1 numeric country codes (the 249 assigned codes).
const ISO3166_NUMERIC: &[u16] = &[
    4, 8, 10, 12, 16, 20, 24, 28, 31, 32, 36, 40, 44, 48, 50, 51, 52, 56, 60, 64, 68, 70, 72, 74,
    76, 84, 86, 90, 92, 96, 100, 104, 108, 112, 116, 120, 124, 132, 136, 140, 144, 148, 152, 156,
    158, 162, 166, 170, 174, 175, 178, 180, 184, 188, 191, 192, 196, 203, 204, 208, 212, 214, 218,
    222, 226, 231, 232, 233, 234, 238, 239, 242, 246, 248, 250, 254, 258, 260, 262, 266, 268, 270,
    275, 276, 288, 292, 296, 300, 304, 308, 312, 316, 320, 324, 328, 332, 334, 336, 340, 344, 348,
    352, 356, 360, 364, 368, 372, 376, 380, 384, 388, 392, 398, 400, 404, 408, 410, 414, 417, 418,
    422, 426, 428, 430, 434, 438, 440, 442, 446, 450, 454, 458, 462, 466, 470, 474, 478, 480, 484,
    492, 496, 498, 499, 500, 504, 508, 512, 516, 520, 524, 528, 531, 533, 534, 535, 540, 548, 554,
    558, 562, 566, 570, 574, 578, 580, 581, 583, 584, 585, 586, 591, 598, 600, 604, 608, 612, 616,
    620, 624, 626, 630, 634, 638, 642, 643, 646, 652, 654, 659, 660, 662, 663, 666, 670, 674, 678,
    682, 686, 688, 690, 694, 702, 703, 704, 705, 706, 710, 716, 724, 728, 729, 732, 740, 744, 748,
    752, 756, 760, 762, 764, 768, 772, 776, 780, 784, 788, 792, 795, 796, 798, 800, 804, 807, 818,
    826, 831, 832, 833, 834, 840, 850, 854, 858, 860, 862, 876, 882, 887, 894,
];

/// ISO 3166-1 alpha-2 country codes (the 249 assigned codes), sorted.
const ISO3166_ALPHA2: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// ISO 4217 numeric currency codes: currencies, funds, precious metals,
/// SDR and the testing and "no currency" codes (963, 999), sorted.
const ISO4217_NUMERIC: &[u16] = &[
    8, 12, 32, 36, 44, 48, 50, 51, 52, 60, 64, 68, 72, 84, 90, 96, 104, 108, 116, 124, 132, 136,
    144, 152, 156, 170, 174, 188, 192, 203, 208, 214, 222, 230, 232, 238, 242, 262, 270, 292, 320,
    324, 328, 332, 340, 344, 348, 352, 356, 360, 364, 368, 376, 388, 392, 396, 398, 400, 404, 408,
    410, 414, 417, 418, 422, 426, 430, 434, 446, 454, 458, 462, 480, 484, 496, 498, 504, 512, 516,
    524, 532, 533, 548, 554, 558, 566, 578, 586, 590, 598, 600, 604, 608, 634, 643, 646, 654, 682,
    690, 702, 704, 706, 710, 728, 748, 752, 756, 760, 764, 776, 780, 784, 788, 800, 807, 818, 826,
    834, 840, 858, 860, 882, 886, 901, 924, 925, 926, 927, 928, 929, 930, 933, 934, 936, 938, 940,
    941, 943, 944, 946, 947, 948, 949, 950, 951, 952, 953, 955, 956, 957, 958, 959, 960, 961, 962,
    963, 964, 965, 967, 968, 969, 970, 971, 972, 973, 975, 976, 977, 978, 979, 980, 981, 984, 985,
    986, 990, 994, 997, 999,
];

/// Package type codes (7041): UN/ECE Recommendation 21 codes and the GS1
/// additions, sorted (byte order).
const PACKAGE_TYPES: &[&str] = &[
    "1A", "1B", "1D", "1F", "1G", "1W", "200", "201", "202", "203", "204", "205", "206", "210",
    "211", "212", "2C", "3A", "3H", "43", "44", "4A", "4B", "4C", "4D", "4F", "4G", "4H", "5H",
    "5L", "5M", "6H", "6P", "7A", "7B", "8", "8A", "8B", "8C", "9", "AA", "AB", "AC", "AD", "AF",
    "AG", "AH", "AI", "AJ", "AL", "AM", "AP", "APE", "AT", "AV", "B4", "BB", "BC", "BD", "BE",
    "BF", "BG", "BGE", "BH", "BI", "BJ", "BK", "BL", "BM", "BME", "BN", "BO", "BP", "BQ", "BR",
    "BRI", "BS", "BT", "BU", "BV", "BW", "BX", "BY", "BZ", "CA", "CB", "CBL", "CC", "CCE", "CD",
    "CE", "CF", "CG", "CH", "CI", "CJ", "CK", "CL", "CM", "CN", "CO", "CP", "CQ", "CR", "CS", "CT",
    "CU", "CV", "CW", "CX", "CY", "CZ", "DA", "DB", "DC", "DG", "DH", "DI", "DJ", "DK", "DL", "DM",
    "DN", "DP", "DPE", "DR", "DS", "DT", "DU", "DV", "DW", "DX", "DY", "E1", "E2", "E3", "EC",
    "ED", "EE", "EF", "EG", "EH", "EI", "EN", "FB", "FC", "FD", "FE", "FI", "FL", "FO", "FOB",
    "FP", "FPE", "FR", "FT", "FW", "FX", "GB", "GI", "GL", "GR", "GU", "GY", "GZ", "HA", "HB",
    "HC", "HG", "HN", "HR", "IA", "IB", "IC", "ID", "IE", "IF", "IG", "IH", "IK", "IL", "IN", "IZ",
    "JB", "JC", "JG", "JR", "JT", "JY", "KG", "KI", "LAB", "LE", "LG", "LT", "LU", "LV", "LZ",
    "MA", "MB", "MC", "ME", "MPE", "MR", "MS", "MT", "MW", "MX", "NA", "NE", "NF", "NG", "NS",
    "NT", "NU", "NV", "OA", "OB", "OC", "OD", "OE", "OF", "OK", "OPE", "OT", "OU", "P2", "PA",
    "PAE", "PB", "PC", "PD", "PE", "PF", "PG", "PH", "PI", "PJ", "PK", "PL", "PLP", "PN", "PO",
    "POP", "PP", "PPE", "PR", "PT", "PU", "PUE", "PV", "PX", "PY", "PZ", "QA", "QB", "QC", "QD",
    "QF", "QG", "QH", "QJ", "QK", "QL", "QM", "QN", "QP", "QQ", "QR", "QS", "RB1", "RB2", "RB3",
    "RCB", "RD", "RG", "RJ", "RK", "RL", "RO", "RT", "RZ", "S1", "SA", "SB", "SC", "SD", "SE",
    "SEC", "SH", "SI", "SK", "SL", "SM", "SO", "SP", "SS", "ST", "STL", "SU", "SV", "SW", "SX",
    "SY", "SZ", "T1", "TB", "TC", "TD", "TE", "TEV", "TG", "THE", "TI", "TK", "TL", "TN", "TO",
    "TR", "TRE", "TS", "TT", "TTE", "TU", "TV", "TW", "TWE", "TY", "TZ", "UC", "UN", "UUE", "VA",
    "VG", "VI", "VK", "VL", "VN", "VO", "VP", "VQ", "VR", "VS", "VY", "WA", "WB", "WC", "WD", "WF",
    "WG", "WH", "WJ", "WK", "WL", "WM", "WN", "WP", "WQ", "WR", "WRP", "WS", "WT", "WU", "WV",
    "WW", "WX", "WY", "WZ", "X11", "X12", "X15", "X16", "X17", "X18", "X19", "X20", "X3", "XA",
    "XB", "XC", "XD", "XF", "XG", "XH", "XJ", "XK", "YA", "YB", "YC", "YD", "YF", "YG", "YH", "YJ",
    "YK", "YL", "YM", "YN", "YP", "YQ", "YR", "YS", "YT", "YV", "YW", "YX", "YY", "YZ", "ZA", "ZB",
    "ZC", "ZD", "ZF", "ZG", "ZH", "ZJ", "ZK", "ZL", "ZM", "ZN", "ZP", "ZQ", "ZR", "ZS", "ZT", "ZU",
    "ZV", "ZW", "ZX", "ZY", "ZZ",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn gs1_yymmdd_dates_take_the_century_gs1_gives_them_and_day_00_is_month_end() {
        let today = date(2026, 11, 21);
        let cases = [
            ("261231", Some(date(2026, 12, 31))),
            ("270228", Some(date(2027, 2, 28))),
            ("280200", Some(date(2028, 2, 29))),
            ("270200", Some(date(2027, 2, 28))),
            ("261200", Some(date(2026, 12, 31))),
            ("250400", Some(date(2025, 4, 30))),
            // 50 ahead stays in this century; 51 ahead is the last one.
            ("760101", Some(date(2076, 1, 1))),
            ("770101", Some(date(1977, 1, 1))),
            ("991231", Some(date(1999, 12, 31))),
            ("000101", Some(date(2000, 1, 1))),
            ("261301", None),
            ("260230", None),
            ("261300", None),
            ("2612", None),
            ("26123x", None),
        ];
        for (raw, want) in cases {
            assert_eq!(yymmdd_to_date(raw, today), want, "{raw}");
        }
        // Near a century's end, a small year is the next century's.
        assert_eq!(
            yymmdd_to_date("050101", date(2096, 6, 1)),
            Some(date(2105, 1, 1))
        );
    }

    fn code(linter: Linter, value: &str) -> Option<(&'static str, usize, usize)> {
        lint(linter, value).err().map(|e| (e.code, e.offset, e.len))
    }

    #[test]
    fn names_round_trip_in_the_dictionarys_spelling() {
        for l in Linter::all() {
            assert_eq!(Linter::from_name(l.name()), Some(l));
        }
        assert_eq!(Linter::Yymmd0.name(), "yymmd0");
        assert_eq!(
            Linter::from_name("iso3166alpha2"),
            Some(Linter::Iso3166alpha2)
        );
        assert_eq!(Linter::from_name("nosuch"), None);
    }

    #[test]
    fn a_gtin_check_digit_is_the_gs1_mod_10() {
        assert_eq!(code(Linter::Csum, "09506000134352"), None);
        assert_eq!(
            code(Linter::Csum, "09506000134353"),
            Some(("GS1_LINTER_INCORRECT_CHECK_DIGIT", 13, 1))
        );
        assert_eq!(
            code(Linter::Csum, "0950600013435x"),
            Some((NON_DIGIT, 13, 1))
        );
    }

    // The reference engine builds these cases in C loops (inputs
    // `{"expr": …}` in the vectors, which the vector test cannot run).
    #[test]
    fn a_company_prefix_needs_four_leading_digits() {
        assert_eq!(code(Linter::Gcppos1, "01234"), None);
        assert_eq!(code(Linter::Gcppos1, "0123"), None);
        assert_eq!(code(Linter::Gcppos1, "0123A"), None);
        for short in ["", "0", "01", "012"] {
            assert_eq!(
                code(Linter::Gcppos1, short),
                Some(("GS1_LINTER_TOO_SHORT_FOR_GCP", 0, short.len()))
            );
        }
        for (value, at) in [("012AA", 3), ("01AAA", 2), ("0AAAA", 1), ("AAAAA", 0)] {
            assert_eq!(
                code(Linter::Gcppos1, value),
                Some(("GS1_LINTER_INVALID_GCP_PREFIX", at, 1))
            );
        }
    }

    #[test]
    fn gcppos2_looks_for_the_prefix_after_the_first_character() {
        assert_eq!(code(Linter::Gcppos2, "I01234"), None);
        assert_eq!(code(Linter::Gcppos2, "I0123"), None);
        assert_eq!(code(Linter::Gcppos2, "I0123A"), None);
        for (value, offset, len) in [("I012", 1, 3), ("I0", 1, 1), ("I", 0, 1), ("", 0, 0)] {
            assert_eq!(
                code(Linter::Gcppos2, value),
                Some(("GS1_LINTER_TOO_SHORT_FOR_GCP", offset, len))
            );
        }
        for (value, at) in [("I012AA", 4), ("IAAAAA", 1)] {
            assert_eq!(
                code(Linter::Gcppos2, value),
                Some(("GS1_LINTER_INVALID_GCP_PREFIX", at, 1))
            );
        }
    }

    #[test]
    fn two_digit_years_follow_the_sliding_window() {
        assert_eq!(gs1_year(26, 2026), 2026);
        assert_eq!(gs1_year(76, 2026), 2076);
        assert_eq!(gs1_year(77, 2026), 1977);
        assert_eq!(gs1_year(99, 2026), 1999);
        assert_eq!(gs1_year(0, 2026), 2000);
        // Near a century's end the window reaches into the next one.
        assert_eq!(gs1_year(10, 2080), 2110);
        assert_eq!(gs1_year(30, 2080), 2130);
        assert_eq!(gs1_year(31, 2080), 2031);
    }

    #[test]
    fn an_expiry_to_the_month_ends_on_its_last_day() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(yymmdd_to_date("261231", today), d(2026, 12, 31));
        assert_eq!(yymmdd_to_date("280200", today), d(2028, 2, 29));
        assert_eq!(yymmdd_to_date("270200", today), d(2027, 2, 28));
        assert_eq!(yymmdd_to_date("990101", today), d(1999, 1, 1));
        assert_eq!(yymmdd_to_date("261301", today), None);
        assert_eq!(yymmdd_to_date("260230", today), None);
        assert_eq!(yymmdd_to_date("26123", today), None);
        assert_eq!(yymmdd_to_date("2612x1", today), None);
    }

    #[test]
    fn yymmd0_allows_day_zero_and_yymmdd_does_not() {
        assert_eq!(code(Linter::Yymmd0, "261200"), None);
        assert_eq!(
            code(Linter::Yymmdd, "261200"),
            Some(("GS1_LINTER_ILLEGAL_DAY", 4, 2))
        );
        assert_eq!(
            code(Linter::Yyyymmdd, "21000229").map(|e| e.0),
            Some("GS1_LINTER_ILLEGAL_DAY")
        );
        assert_eq!(code(Linter::Yyyymmdd, "20000229"), None);
    }

    #[test]
    fn a_component_checks_its_character_set_before_its_linters() {
        let gtin = Component {
            cset: Cset::N,
            min: 14,
            max: 14,
            optional: false,
            linters: &[Linter::Csum, Linter::Gcppos2],
        };
        assert_eq!(check_component(&gtin, "09506000134352"), Ok(()));
        assert_eq!(
            check_component(&gtin, "0950600013435A").map_err(|e| e.code),
            Err(NON_DIGIT)
        );
        assert_eq!(
            check_cset(Cset::X, "AB C").map_err(|e| (e.code, e.offset)),
            Err(("GS1_LINTER_INVALID_CSET82_CHARACTER", 2))
        );
        assert_eq!(check_cset(Cset::Y, "AB#-/9"), Ok(()));
        assert_eq!(check_cset(Cset::Z, "ab=").map_err(|e| e.code), Ok(()));
    }

    #[test]
    fn no_linter_panics_or_splits_a_character() {
        let awkward = [
            "",
            "0",
            "00",
            "é",
            "éé",
            "1é",
            "é1",
            "%",
            "%é",
            "%1é",
            "Aé",
            "BEé1234567890",
            "0é/1",
            "1/é",
            "01234é",
            "0123456123456111101233é",
            "漢字",
            "==",
            "a=é",
            "9999999999999999",
            "12345678901234567890123456789012345678901234567890",
        ];
        for l in Linter::all() {
            for v in awkward {
                if let Err(e) = lint(l, v) {
                    let end = e.offset + e.len;
                    assert!(
                        end <= v.len() && v.is_char_boundary(e.offset) && v.is_char_boundary(end),
                        "{} on {v:?}: {e:?}",
                        l.name()
                    );
                }
            }
        }
    }

    #[test]
    fn linting_after_a_digits_check_agrees_with_linting_alone() {
        let values = [
            "",
            "0",
            "00",
            "000",
            "0000",
            "00000",
            "09506000134352",
            "09506000134353",
            "261231",
            "261200",
            "260230",
            "20260229",
            "20240229",
            "2612",
            "12345678",
        ];
        for l in Linter::all() {
            for v in values {
                assert_eq!(
                    lint_after_cset(l, Cset::N, v),
                    lint(l, v),
                    "{} {v:?}",
                    l.name()
                );
                assert_eq!(
                    lint_after_cset(l, Cset::X, v),
                    lint(l, v),
                    "{} {v:?}",
                    l.name()
                );
            }
        }
    }

    #[test]
    fn the_character_set_table_holds_the_sets_the_dictionary_gives() {
        for b in 0..=255u8 {
            let punct82 = b"!\"%&'()*+,-./:;<=>?_".contains(&b);
            assert_eq!(is_cset82(b), b.is_ascii_alphanumeric() || punct82, "{b}");
            let set39 = b.is_ascii_uppercase() || b.is_ascii_digit() || b"#-/".contains(&b);
            assert_eq!(is_cset39(b), set39, "{b}");
            let set64 = b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
            assert_eq!(is_cset64(b), set64, "{b}");
        }
    }

    #[test]
    fn all_digits_agrees_with_a_byte_by_byte_test() {
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for len in 0..40 {
            for _ in 0..200 {
                let mut v: Vec<u8> = (0..len).map(|_| b'0' + (next() % 10) as u8).collect();
                if len > 0 && next() % 2 == 0 {
                    let at = (next() % len as u64) as usize;
                    v[at] = next() as u8;
                }
                assert_eq!(all_digits(&v), v.iter().all(u8::is_ascii_digit), "{v:?}");
            }
        }
        for b in 0..=255u8 {
            let v = [b'5', b'5', b'5', b'5', b'5', b'5', b'5', b'5', b];
            assert_eq!(all_digits(&v), b.is_ascii_digit(), "{b}");
            assert_eq!(all_digits(&v[1..]), b.is_ascii_digit(), "{b}");
        }
    }

    #[test]
    fn the_code_lists_are_sorted_for_binary_search() {
        assert!(ISO3166_NUMERIC.windows(2).all(|w| w[0] < w[1]));
        assert!(ISO3166_ALPHA2.windows(2).all(|w| w[0] < w[1]));
        assert!(ISO4217_NUMERIC.windows(2).all(|w| w[0] < w[1]));
        assert!(PACKAGE_TYPES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(code(Linter::Iso3166, "392"), None);
        assert_eq!(code(Linter::Iso3166alpha2, "JP"), None);
        assert_eq!(code(Linter::Iso4217, "392"), None);
    }
}
