//! What a person's password must be: long enough (12 characters, or a
//! passphrase of four words or more, each of two characters or more), not one of the passwords every
//! attacker tries first, and not the person's own login name. Nothing
//! else: no rules about digits and capitals, which make passwords shorter
//! and written on the monitor.
//!
//! Length counts characters, not bytes, so a Japanese passphrase counts as
//! it is read.

use serde::{Deserialize, Serialize};

/// Characters a password needs unless it is a passphrase.
pub const MIN_CHARS: usize = 12;

/// Words (separated by spaces, each of two characters or more) that make
/// a passphrase of any length.
pub const PASSPHRASE_WORDS: usize = 4;

/// The longest password taken: hashing costs the same whatever the length,
/// and a longer one is a paste gone wrong.
pub const MAX_CHARS: usize = 256;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordProblem {
    /// Fewer than [`MIN_CHARS`] characters and not a passphrase.
    TooShort,
    /// Longer than [`MAX_CHARS`].
    TooLong,
    /// One of the most common passwords, or one character repeated.
    Common,
    /// The login name, or the login name with little around it.
    IsName,
}

/// The passwords attackers try first that are long enough to pass the
/// length rule, as leaked-password lists rank them, with keyboard walks of
/// Japanese keyboards (the same as US ones for letters) and the product's
/// own name. Compared without case and without spaces.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "1234567891011",
    "111111111111",
    "000000000000",
    "123123123123",
    "121212121212",
    "qwertyuiopas",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwerty123456",
    "1qaz2wsx3edc",
    "1q2w3e4r5t6y",
    "asdfghjkl123",
    "asdfghjkl;12",
    "zxcvbnm12345",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "password1!password",
    "mypassword123",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "administrator",
    "administrator1",
    "adminadmin123",
    "admin1234567",
    "changeme1234",
    "changemenow1",
    "trustno11234",
    "sunshine1234",
    "princess1234",
    "football1234",
    "baseball1234",
    "superman1234",
    "abcdefghijkl",
    "abcdefg12345",
    "abc123456789",
    "aa1234567890",
    "correcthorsebatterystaple",
    "kentai123456",
    "kentaikentai",
    "kentaipassword",
    "hospital1234",
    "clinic123456",
    "covid19covid19",
    "coronavirus1",
    "coronavirus19",
    "pcrtest12345",
    "testtesttest",
    "test12345678",
    "pass12345678",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
];

/// Checks a new password for the user `name`.
pub fn check(password: &str, name: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let words = password
        .split_whitespace()
        .filter(|w| w.chars().count() >= 2)
        .count();
    if chars < MIN_CHARS && words < PASSPHRASE_WORDS {
        return Err(PasswordProblem::TooShort);
    }
    let folded: String = password
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let mut distinct = folded.chars();
    let first = distinct.next();
    if distinct.all(|c| Some(c) == first) || COMMON.contains(&folded.as_str()) {
        return Err(PasswordProblem::Common);
    }
    let name: String = name.chars().flat_map(char::to_lowercase).collect();
    if !name.is_empty() && folded.contains(&name) {
        // The name with a few characters around it guesses easily.
        let rest = folded.chars().count() - name.chars().count();
        if rest < 8 {
            return Err(PasswordProblem::IsName);
        }
    }
    Ok(())
}

/// Digits a badge PIN has at least and at most: a badge is the
/// "something you have", the PIN only has to stop someone who picked it up.
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 4..=8;

/// Why a PIN is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinProblem {
    /// Not 4 to 8 digits 0–9.
    NotDigits,
    /// One digit repeated (`0000`) or a run up or down (`1234`, `9876`):
    /// the first PINs anyone tries.
    Guessable,
}

/// Checks a new badge PIN.
pub fn check_pin(pin: &str) -> Result<(), PinProblem> {
    if !PIN_DIGITS.contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinProblem::NotDigits);
    }
    let steps: Vec<i16> = pin
        .as_bytes()
        .windows(2)
        .map(|w| i16::from(w[1]) - i16::from(w[0]))
        .collect();
    let first = steps[0];
    if matches!(first, -1..=1) && steps.iter().all(|s| *s == first) {
        return Err(PinProblem::Guessable);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_is_four_to_eight_digits_and_not_a_repeat_or_a_run() {
        let cases = [
            ("2580", Ok(())),
            ("73910284", Ok(())),
            ("0410", Ok(())),
            ("123", Err(PinProblem::NotDigits)),
            ("123456789", Err(PinProblem::NotDigits)),
            ("12a4", Err(PinProblem::NotDigits)),
            ("１２３４", Err(PinProblem::NotDigits)),
            ("", Err(PinProblem::NotDigits)),
            ("0000", Err(PinProblem::Guessable)),
            ("1234", Err(PinProblem::Guessable)),
            ("987654", Err(PinProblem::Guessable)),
            ("13579", Ok(())),
        ];
        for (pin, want) in cases {
            assert_eq!(check_pin(pin), want, "{pin}");
        }
    }

    #[test]
    fn twelve_characters_or_four_words_are_long_enough() {
        let cases = [
            ("vivid-otter-42", Ok(())),
            ("elevenchars", Err(PasswordProblem::TooShort)),
            ("red fox tea cup", Ok(())),
            ("red fox tea", Err(PasswordProblem::TooShort)),
            ("山の 上の 白い 雲だ", Ok(())),
            ("春 夏 秋 冬", Err(PasswordProblem::TooShort)),
            // Characters, not bytes: twelve kana are twelve.
            ("さくらがさいたよはるのひ", Ok(())),
            ("さくらがさいた", Err(PasswordProblem::TooShort)),
        ];
        for (password, want) in cases {
            assert_eq!(check(password, "suzuki"), want, "{password}");
        }
    }

    #[test]
    fn the_common_passwords_and_one_repeated_character_are_refused() {
        for password in [
            "password1234",
            "Password1234",
            "PASSWORD 1234",
            "123456789012",
            "aaaaaaaaaaaa",
            "kentai123456",
            "correct horse battery staple",
        ] {
            assert_eq!(
                check(password, "suzuki"),
                Err(PasswordProblem::Common),
                "{password}"
            );
        }
    }

    #[test]
    fn the_login_name_with_little_around_it_is_refused() {
        assert_eq!(
            check("suzuki-2026!", "suzuki"),
            Err(PasswordProblem::IsName)
        );
        assert_eq!(
            check("SUZUKI123456", "suzuki"),
            Err(PasswordProblem::IsName)
        );
        assert_eq!(check("suzuki and the long river", "suzuki"), Ok(()));
    }

    #[test]
    fn a_paste_gone_wrong_is_too_long() {
        assert_eq!(check(&"x1".repeat(200), "a"), Err(PasswordProblem::TooLong));
    }
}
