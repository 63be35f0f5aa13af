//! The patient a specimen belongs to, as the registration carries it.
//!
//! A patient is identified by the site's patient number when the desk has
//! one; otherwise by name, kana and birth date together — the same facts a
//! clerk would use to tell two people apart.

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
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Other => "other",
            Sex::Unknown => "unknown",
        }
    }

    pub fn from_code(code: &str) -> Option<Sex> {
        [Sex::Male, Sex::Female, Sex::Other, Sex::Unknown]
            .into_iter()
            .find(|s| s.code() == code)
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

/// The key under which a patient's specimens are found together.
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
    fn patient_number_wins_over_name_for_identity() {
        let b = chrono::NaiveDate::from_ymd_opt(1980, 1, 2);
        assert_eq!(patient_key(Some("P1"), "山田太郎", None, b), "id:P1");
        assert_eq!(
            patient_key(None, "山田太郎", Some("ヤマダタロウ"), b),
            "name:山田太郎|ヤマダタロウ|1980-01-02"
        );
    }
}
