//! The patient a specimen belongs to, as the registration carries it.
//!
//! A patient is identified, within a facility, by the site's patient
//! number when the desk has one; otherwise by name, kana and birth date
//! together — the same facts a clerk would use to tell two people apart.
//!
//! Who the patient is (their identity) is never rewritten by a
//! registration: every specimen and every reported result hangs on it. A
//! registration may only fill in what the record lacks; a value that
//! differs from the record is a mismatch for a person to look at (the
//! wrong card, the wrong patient number), and a real change is a
//! correction with a written reason, kept as a new version.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Other,
    Unknown,
}

impl Sex {
    pub const ALL: [Sex; 4] = [Sex::Male, Sex::Female, Sex::Other, Sex::Unknown];

    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    pub fn from_code(code: &str) -> Option<Sex> {
        Sex::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::Other => "その他",
            Sex::Unknown => "不明",
        }
    }
}

/// The facts that say who a patient is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub name: String,
    pub name_kana: Option<String>,
    pub birth_date: Option<chrono::NaiveDate>,
    pub sex: Sex,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// One field of an [`Identity`], by its API name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityField {
    Name,
    NameKana,
    BirthDate,
    Sex,
    Address,
    Phone,
}

impl IdentityField {
    pub const ALL: [IdentityField; 6] = [
        IdentityField::Name,
        IdentityField::NameKana,
        IdentityField::BirthDate,
        IdentityField::Sex,
        IdentityField::Address,
        IdentityField::Phone,
    ];

    pub fn code(self) -> &'static str {
        match self {
            IdentityField::Name => "name",
            IdentityField::NameKana => "name_kana",
            IdentityField::BirthDate => "birth_date",
            IdentityField::Sex => "sex",
            IdentityField::Address => "address",
            IdentityField::Phone => "phone",
        }
    }
}

/// What a registration's patient says against the record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityCheck {
    /// Fields whose given value contradicts the record's: refused.
    pub mismatched: Vec<IdentityField>,
    /// Fields the record lacks and the registration gives: filled in.
    pub filled: Vec<IdentityField>,
}

/// Text as a person means it: spaces (half- and full-width) do not count,
/// and hiragana reads as the katakana it stands for, so "ヤマダ タロウ" is
/// "やまだたろう".
fn normalised(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A phone number is its digits ("03-1234-5678" is "0312345678").
fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// The last day no birth date may fall on: a date before 1900 is a
/// typing slip (0001-01-01, a year missing a digit) or a placeholder, not
/// a patient's birthday.
pub const BIRTH_DATE_FLOOR: chrono::NaiveDate = match chrono::NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => chrono::NaiveDate::MIN,
};

/// Whether `birth` can be a living patient's birth date: after
/// 1900-01-01 and not after `today` (the site's calendar day).
pub fn plausible_birth_date(birth: chrono::NaiveDate, today: chrono::NaiveDate) -> bool {
    birth > BIRTH_DATE_FLOOR && birth <= today
}

/// Compares what a registration gives with the stored identity. A field
/// the registration leaves out (or `sex: unknown`) says nothing; one the
/// record lacks is filled in; one that differs is a mismatch.
pub fn check_identity(stored: &Identity, given: &Identity) -> IdentityCheck {
    let mut out = IdentityCheck::default();
    let mut judge = |field, stored: Option<String>, given: Option<String>| match (stored, given) {
        (_, None) => {}
        (None, Some(_)) => out.filled.push(field),
        (Some(s), Some(g)) if s != g => out.mismatched.push(field),
        _ => {}
    };
    let text = |v: &Option<String>| v.as_deref().map(normalised).filter(|s| !s.is_empty());
    judge(
        IdentityField::Name,
        Some(normalised(&stored.name)),
        Some(normalised(&given.name)),
    );
    judge(
        IdentityField::NameKana,
        text(&stored.name_kana),
        text(&given.name_kana),
    );
    judge(
        IdentityField::BirthDate,
        stored.birth_date.map(|d| d.to_string()),
        given.birth_date.map(|d| d.to_string()),
    );
    let sex = |s: Sex| (s != Sex::Unknown).then(|| s.code().to_string());
    judge(IdentityField::Sex, sex(stored.sex), sex(given.sex));
    judge(
        IdentityField::Address,
        text(&stored.address),
        text(&given.address),
    );
    let phone = |v: &Option<String>| v.as_deref().map(digits).filter(|s| !s.is_empty());
    judge(
        IdentityField::Phone,
        phone(&stored.phone),
        phone(&given.phone),
    );
    out
}

/// The stored identity with the given fields taken from `given`.
pub fn fill_in(stored: &Identity, given: &Identity, fields: &[IdentityField]) -> Identity {
    let mut out = stored.clone();
    for field in fields {
        match field {
            IdentityField::Name => out.name = given.name.clone(),
            IdentityField::NameKana => out.name_kana = given.name_kana.clone(),
            IdentityField::BirthDate => out.birth_date = given.birth_date,
            IdentityField::Sex => out.sex = given.sex,
            IdentityField::Address => out.address = given.address.clone(),
            IdentityField::Phone => out.phone = given.phone.clone(),
        }
    }
    out
}

/// The fields two identities differ in, as stored (a correction's
/// "changed" list).
pub fn changed_fields(before: &Identity, after: &Identity) -> Vec<IdentityField> {
    IdentityField::ALL
        .into_iter()
        .filter(|f| match f {
            IdentityField::Name => before.name != after.name,
            IdentityField::NameKana => before.name_kana != after.name_kana,
            IdentityField::BirthDate => before.birth_date != after.birth_date,
            IdentityField::Sex => before.sex != after.sex,
            IdentityField::Address => before.address != after.address,
            IdentityField::Phone => before.phone != after.phone,
        })
        .collect()
}

/// The key under which a patient's specimens are found together (within
/// a facility).
pub fn patient_key(
    patient_id: Option<&str>,
    name: &str,
    name_kana: Option<&str>,
    birth_date: Option<chrono::NaiveDate>,
) -> String {
    match patient_id {
        Some(id) => format!("id:{id}"),
        None => format!(
            "name:{}|{}|{}",
            name,
            name_kana.unwrap_or(""),
            birth_date.map(|d| d.to_string()).unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_dates_before_1900_or_after_today_are_not_plausible() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert!(!plausible_birth_date(day(1, 1, 1), today));
        assert!(!plausible_birth_date(day(1900, 1, 1), today));
        assert!(plausible_birth_date(day(1900, 1, 2), today));
        assert!(plausible_birth_date(today, today));
        assert!(!plausible_birth_date(day(2026, 12, 8), today));
    }

    fn person() -> Identity {
        Identity {
            name: "山田 太郎".into(),
            name_kana: Some("ヤマダ タロウ".into()),
            birth_date: chrono::NaiveDate::from_ymd_opt(1980, 4, 1),
            sex: Sex::Male,
            address: Some("東京都新宿区西新宿2-8-1".into()),
            phone: Some("03-1234-5678".into()),
        }
    }

    #[test]
    fn a_registration_that_says_the_same_or_less_matches_the_record() {
        let stored = person();
        let cases = [
            person(),
            Identity {
                name: "山田　太郎".into(),
                name_kana: Some("やまだたろう".into()),
                phone: Some("0312345678".into()),
                ..person()
            },
            Identity {
                name_kana: None,
                birth_date: None,
                sex: Sex::Unknown,
                address: None,
                phone: None,
                ..person()
            },
        ];
        for given in cases {
            assert_eq!(
                check_identity(&stored, &given),
                IdentityCheck::default(),
                "{given:?}"
            );
        }
    }

    #[test]
    fn every_field_that_differs_from_the_record_is_a_mismatch() {
        let given = Identity {
            name: "山田 花子".into(),
            name_kana: Some("ヤマダ ハナコ".into()),
            birth_date: chrono::NaiveDate::from_ymd_opt(1990, 1, 1),
            sex: Sex::Female,
            address: Some("大阪府".into()),
            phone: Some("06-0000-0000".into()),
        };
        let check = check_identity(&person(), &given);
        assert_eq!(check.mismatched, IdentityField::ALL.to_vec());
        assert!(check.filled.is_empty());
    }

    #[test]
    fn what_the_record_lacks_is_filled_in_never_overwritten() {
        let stored = Identity {
            name_kana: None,
            address: None,
            sex: Sex::Unknown,
            ..person()
        };
        let check = check_identity(&stored, &person());
        assert_eq!(
            check.filled,
            [
                IdentityField::NameKana,
                IdentityField::Sex,
                IdentityField::Address
            ]
        );
        assert!(check.mismatched.is_empty());
        let filled = fill_in(&stored, &person(), &check.filled);
        assert_eq!(filled, person());
        assert_eq!(
            changed_fields(&stored, &filled),
            [
                IdentityField::NameKana,
                IdentityField::Sex,
                IdentityField::Address
            ]
        );
    }

    #[test]
    fn patient_number_wins_over_name_for_identity() {
        let b = chrono::NaiveDate::from_ymd_opt(1980, 1, 2);
        assert_eq!(patient_key(Some("P1"), "山田太郎", None, b), "id:P1");
        assert_eq!(
            patient_key(None, "山田太郎", Some("ヤマダタロウ"), b),
            "name:山田太郎|ヤマダタロウ|1980-01-02"
        );
    }
}
