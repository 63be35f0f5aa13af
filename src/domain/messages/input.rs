//! Malformed or impossible requests (`invalid_input`, `invalid_barcode`):
//! what is wrong with which field, in words a clerk can act on.

use super::{checklist_item_name, field_name, say, Lang};
use crate::packaging::ChecklistItem;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "key", rename_all = "snake_case")]
pub enum InputMsg {
    FieldEmpty {
        field: String,
    },
    FieldTooLong {
        field: String,
        max: usize,
    },
    FieldTooManyBytes {
        field: String,
        max: usize,
    },
    FieldControlCharacter {
        field: String,
    },
    FieldControlCharacterAt {
        field: String,
        position: usize,
    },
    /// A bidi control, zero-width or other invisible format character, or
    /// a line/paragraph separator: what a page would show differently.
    FieldInvisibleCharacterAt {
        field: String,
        position: usize,
    },
    FieldUntrimmed {
        field: String,
    },
    /// A value that is not one of the codes the field takes.
    NotOneOf {
        field: String,
        value: String,
        allowed: Vec<String>,
    },
    LimitRange {
        min: i64,
        max: i64,
    },
    /// Facilities to read were given for a user that is not a health centre's.
    FacilitiesOnlyForHealthCentre,
    /// A new password the rules refuse.
    PasswordRefused {
        problem: crate::passwords::PasswordProblem,
    },
    /// A new badge PIN breaks a rule of [`crate::passwords::check_pin`].
    PinRefused {
        problem: crate::passwords::PinProblem,
    },
    /// The current password given to change it is wrong.
    CurrentPasswordWrong,
    /// The new password is the one it replaces.
    PasswordUnchanged,
    /// The two copies of a new password differ.
    PasswordsDiffer,
    KitNotAScan,
    VolumeRange,
    AsymptomaticWithOnset,
    BirthAfterCollection,
    /// A birth date on or before 1900-01-01, or after today.
    BirthDateOutOfRange,
    NoMidnight {
        date: NaiveDate,
    },
    DateOutOfRange {
        date: NaiveDate,
    },
    DispatchInFuture,
    ReceiptInFuture,
    ConsultationInFuture,
    /// A token's expiry at or before the moment it is made.
    ExpiryNotInFuture,
    /// A form's date field that is no `YYYY-MM-DD` date.
    NotADate {
        field: String,
    },
    /// A patient correction that names no field to change.
    NothingToCorrect,
    DispatchBeforePacking {
        specimen_id: String,
    },
    ReceiptBeforeDispatch,
    DryIceOnUntick,
    PackageLevelItem {
        item: ChecklistItem,
    },
    LotFormat {
        max: usize,
    },
    JsonBody {
        detail: String,
    },
    JsonContentType,
    BodyTooLarge {
        limit: usize,
    },
    BadPath {
        detail: String,
    },
    BadQuery {
        detail: String,
    },
    BadForm {
        detail: String,
    },
    ScanControlCharacters,
    EncodingOnlyForCsv,
    /// `dpi` goes with `format=png` only.
    DpiOnlyForPng,
    /// `page` goes with the sheet's images (svg, png); zpl has them all.
    PageOnlyForImages,
    /// A label that cannot be drawn for this id (`detail` is technical).
    CannotPrint {
        detail: String,
    },
    /// GS1 data that breaks a GS1 rule; `detail` is the GS1 syntax
    /// engine's own sentence (technical, kept in English).
    InvalidBarcode {
        ai: Option<String>,
        position: Option<usize>,
        detail: String,
    },
    /// A GS1 label without (01) where a kit's label is expected.
    KitLabelWithoutGtin {
        element_string: String,
    },
    KitExpiryNotADate {
        value: String,
    },
    GtinNotDigits {
        gtin: String,
    },
    GtinLength {
        gtin: String,
    },
    GtinCheckDigit {
        gtin: String,
        found: String,
        expected: u8,
    },
    KitDescriptionEmpty {
        gtin: String,
    },
    KitDescriptionTooLong {
        gtin: String,
        max: usize,
    },
    KitDescriptionControlCharacter {
        gtin: String,
    },
    /// A scan at a kit's step that is not GS1 at all.
    NotAKitLabel,
}

impl InputMsg {
    pub fn render(&self, lang: Lang) -> String {
        use InputMsg::*;
        match self {
            FieldEmpty { field } => {
                let f = field_name(field, lang);
                say!(lang, "{f}が入力されていません", "{f} is empty")
            }
            FieldTooLong { field, max } => {
                let f = field_name(field, lang);
                say!(lang, "{f}は{max}文字以内で入力してください", "{f} is longer than {max} characters")
            }
            FieldTooManyBytes { field, max } => {
                let f = field_name(field, lang);
                say!(lang, "{f}が長すぎます（{max}バイトまで）", "{f} is longer than {max} bytes")
            }
            FieldControlCharacter { field } => {
                let f = field_name(field, lang);
                say!(lang, "{f}に制御文字が含まれています", "{f} contains a control character")
            }
            FieldControlCharacterAt { field, position } => {
                let f = field_name(field, lang);
                let n = position + 1;
                say!(
                    lang,
                    "{f}の{n}文字目に制御文字が含まれています",
                    "{f} contains a control character at position {position}"
                )
            }
            FieldInvisibleCharacterAt { field, position } => {
                let f = field_name(field, lang);
                let n = position + 1;
                say!(
                    lang,
                    "{f}の{n}文字目に表示されない文字（書式制御文字・改行区切り）が含まれています",
                    "{f} contains an invisible formatting character or line separator at position {position}"
                )
            }
            FieldUntrimmed { field } => {
                let f = field_name(field, lang);
                say!(lang, "{f}の前後に空白があります", "{f} has leading or trailing spaces")
            }
            NotOneOf {
                field,
                value,
                allowed,
            } => {
                let f = field_name(field, lang);
                let a = allowed.join(", ");
                // A value that is no code (a name, a phone number typed in
                // the wrong field) is not repeated back.
                if crate::text::looks_like_code(value) {
                    say!(
                        lang,
                        "{f}の値 {value:?} は使えません（使える値: {a}）",
                        "{f} {value:?} is not one of: {a}"
                    )
                } else {
                    say!(
                        lang,
                        "{f}の値は使えません（使える値: {a}）",
                        "{f} is not one of: {a}"
                    )
                }
            }
            LimitRange { min, max } => say!(
                lang,
                "limit は{min}から{max}の間で指定してください",
                "limit must be between {min} and {max}"
            ),
            PasswordRefused { problem } => {
                use crate::passwords::{PasswordProblem as P, MAX_CHARS, MIN_CHARS};
                match problem {
                    P::TooShort => say!(
                        lang,
                        "パスワードは{MIN_CHARS}文字以上にするか、2文字以上の語を4つ以上空白で区切ったパスフレーズにしてください",
                        "a password needs {MIN_CHARS} characters or more, or four or more words of two characters or more separated by spaces"
                    ),
                    P::TooLong => say!(
                        lang,
                        "パスワードは{MAX_CHARS}文字までです",
                        "a password has at most {MAX_CHARS} characters"
                    ),
                    P::Common => say!(
                        lang,
                        "よく使われていて推測されやすいパスワードです。別のものにしてください",
                        "this password is among the most common ones and easy to guess: choose another"
                    ),
                    P::IsName => say!(
                        lang,
                        "ログイン名を含むパスワードは推測されやすいので使えません",
                        "a password built on the login name is easy to guess"
                    ),
                }
            }
            PinRefused { problem } => {
                use crate::passwords::PinProblem as P;
                match problem {
                    P::NotDigits => say!(
                        lang,
                        "PIN は4〜8桁の数字にしてください",
                        "a PIN is 4 to 8 digits"
                    ),
                    P::Guessable => say!(
                        lang,
                        "同じ数字の繰り返しや 1234 のような並びは PIN に使えません",
                        "a PIN may not be one digit repeated or a run such as 1234"
                    ),
                }
            }
            CurrentPasswordWrong => say!(
                lang,
                "今のパスワードが違います",
                "the current password is wrong"
            ),
            PasswordUnchanged => say!(
                lang,
                "新しいパスワードが今のものと同じです",
                "the new password is the same as the current one"
            ),
            PasswordsDiffer => say!(
                lang,
                "確認のために入れた新しいパスワードが一致しません",
                "the two copies of the new password differ"
            ),
            FacilitiesOnlyForHealthCentre => say!(
                lang,
                "読める施設（facilities）を指定できるのは保健所（health_centre）の利用者だけです",
                "only a health_centre user may be granted facilities to read"
            ),
            KitNotAScan => say!(
                lang,
                "採取キットには読み取ったラベルをそのまま入れてください（1〜200文字、GS 以外の制御文字なし）",
                "kit must be the scanned label: 1–200 characters, no control characters but GS"
            ),
            VolumeRange => say!(
                lang,
                "量は0 mLより大きく100 mL以下で入力してください",
                "volume_ml must be more than 0 and at most 100"
            ),
            AsymptomaticWithOnset => say!(
                lang,
                "無症状の患者には発症日を入力しません",
                "an asymptomatic patient has no onset date"
            ),
            BirthAfterCollection => say!(
                lang,
                "生年月日が採取日より後になっています",
                "patient.birth_date is after the collection date"
            ),
            BirthDateOutOfRange => say!(
                lang,
                "生年月日は1900年1月1日より後、今日までの日付で入力してください",
                "patient.birth_date must be after 1900-01-01 and not in the future"
            ),
            NoMidnight { date } => say!(
                lang,
                "{date} の0時が施設のタイムゾーンにありません",
                "no midnight on {date} in the site's time zone"
            ),
            DateOutOfRange { date } => {
                say!(lang, "{date} は扱える範囲外の日付です", "{date} is out of range")
            }
            DispatchInFuture => say!(
                lang,
                "発送日時が未来になっています",
                "dispatch time is in the future"
            ),
            ReceiptInFuture => say!(
                lang,
                "受領日時が未来になっています",
                "receipt time is in the future"
            ),
            ConsultationInFuture => say!(
                lang,
                "相談の日時が未来になっています",
                "consultation time is in the future"
            ),
            ExpiryNotInFuture => say!(
                lang,
                "有効期限は今より後の日時にしてください",
                "the expiry must be later than now"
            ),
            NotADate { field } => {
                let f = field_name(field, lang);
                say!(
                    lang,
                    "{f}は YYYY-MM-DD の日付で入力してください",
                    "{f} must be a date, YYYY-MM-DD"
                )
            }
            NothingToCorrect => say!(
                lang,
                "訂正する項目を1つ以上指定してください",
                "name at least one identity field to correct"
            ),
            DispatchBeforePacking { specimen_id } => say!(
                lang,
                "発送日時が、採取管 {specimen_id} を梱包に入れた時刻より前です",
                "dispatch time is before tube {specimen_id} went into the package"
            ),
            ReceiptBeforeDispatch => say!(
                lang,
                "受領日時が発送日時より前です",
                "receipt time is before dispatch"
            ),
            DryIceOnUntick => say!(
                lang,
                "ドライアイスの重量はチェックを付けるときにだけ入力します",
                "dry_ice_kg goes with ticking, not un-ticking"
            ),
            PackageLevelItem { item } => {
                let name = checklist_item_name(*item, lang);
                let code = item.code();
                say!(
                    lang,
                    "「{name}」は梱包全体の項目です。採取管を指定しないでください",
                    "{code} is a package-level item: leave out specimen_id"
                )
            }
            LotFormat { max } => say!(
                lang,
                "ロット番号は1〜{max}文字で、制御文字を含めないでください（AI (10) と同じ）",
                "lot must be 1–{max} characters without control characters, as (10) carries it"
            ),
            JsonBody { detail } => say!(
                lang,
                "リクエストの JSON が正しくありません（{detail}）",
                "invalid JSON body: {detail}"
            ),
            JsonContentType => say!(
                lang,
                "Content-Type は application/json にしてください",
                "Content-Type must be application/json"
            ),
            BodyTooLarge { limit } => say!(
                lang,
                "リクエストが大きすぎます（{limit}バイトまで）",
                "request body larger than {limit} bytes"
            ),
            BadPath { detail } => {
                say!(lang, "URL のパスが正しくありません（{detail}）", "invalid path: {detail}")
            }
            BadQuery { detail } => say!(
                lang,
                "URL のクエリが正しくありません（{detail}）",
                "invalid query: {detail}"
            ),
            BadForm { detail } => {
                say!(lang, "フォームの内容が正しくありません（{detail}）", "invalid form: {detail}")
            }
            ScanControlCharacters => say!(
                lang,
                "スキャンデータに GS・RS・FS・EOT 以外の制御文字が含まれています",
                "data contains a control character other than GS, RS, FS or EOT"
            ),
            DpiOnlyForPng => say!(
                lang,
                "解像度（dpi）は PNG 形式にだけ指定できます",
                "dpi applies to format=png only"
            ),
            PageOnlyForImages => say!(
                lang,
                "ページ（page）は SVG と PNG にだけ指定できます（ZPL はすべてのコマンドを含みます）",
                "page applies to svg and png; zpl has every command"
            ),
            CannotPrint { detail } => say!(
                lang,
                "このラベルは印刷できません（{detail}）",
                "this label cannot be printed: {detail}"
            ),
            EncodingOnlyForCsv => say!(
                lang,
                "文字コード（encoding）は CSV 形式にだけ指定できます",
                "encoding applies to the CSV format only"
            ),
            InvalidBarcode {
                ai,
                position,
                detail,
            } => {
                let at_ja = match (ai, position) {
                    (Some(ai), Some(p)) => format!("（AI ({ai}) の{}文字目）", p + 1),
                    (Some(ai), None) => format!("（AI ({ai})）"),
                    (None, Some(p)) => format!("（{}文字目）", p + 1),
                    (None, None) => String::new(),
                };
                let at_en = match (ai, position) {
                    (Some(ai), Some(p)) => format!(" [AI ({ai}), position {p}]"),
                    (Some(ai), None) => format!(" [AI ({ai})]"),
                    (None, Some(p)) => format!(" [position {p}]"),
                    (None, None) => String::new(),
                };
                say!(
                    lang,
                    "バーコードのデータが GS1 の規則に合いません{at_ja}。ラベルを確かめて読み直してください",
                    "not valid GS1: {detail}{at_en}"
                )
            }
            KitLabelWithoutGtin { element_string } => say!(
                lang,
                "GS1 ラベル {element_string} に GTIN (01) がありません。キットそのもののラベルを読み取ってください",
                "kit: the GS1 label {element_string} has no (01) GTIN; scan the kit's own label"
            ),
            KitExpiryNotADate { value } => say!(
                lang,
                "キットの使用期限 (17) {value:?} が日付（YYMMDD）になっていません",
                "kit label is not valid GS1: (17) {value:?} is not a date YYMMDD"
            ),
            GtinNotDigits { gtin } => say!(
                lang,
                "GTIN {gtin:?} は数字だけで入力してください",
                "GTIN {gtin:?} must be digits only"
            ),
            GtinLength { gtin } => say!(
                lang,
                "GTIN {gtin:?} は8・12・13・14桁のいずれかです",
                "GTIN {gtin:?} must have 8, 12, 13 or 14 digits"
            ),
            GtinCheckDigit {
                gtin,
                found,
                expected,
            } => say!(
                lang,
                "GTIN {gtin:?} のチェックデジットが合いません（{found} ではなく {expected}）",
                "GTIN {gtin:?} ends in check digit {found}; its check digit is {expected}"
            ),
            KitDescriptionEmpty { gtin } => say!(
                lang,
                "キット {gtin} の説明が入力されていません",
                "kit {gtin}: description is empty"
            ),
            KitDescriptionTooLong { gtin, max } => say!(
                lang,
                "キット {gtin} の説明は{max}文字以内にしてください",
                "kit {gtin}: description is longer than {max} characters"
            ),
            KitDescriptionControlCharacter { gtin } => say!(
                lang,
                "キット {gtin} の説明に制御文字が含まれています",
                "kit {gtin}: description contains a control character"
            ),
            NotAKitLabel => say!(
                lang,
                "採取キットの GS1 ラベルではありません",
                "not a GS1 kit label"
            ),
        }
    }

    /// The request field this message is about, for a form to mark.
    pub fn field(&self) -> Option<&str> {
        use InputMsg::*;
        match self {
            FieldEmpty { field }
            | FieldTooLong { field, .. }
            | FieldTooManyBytes { field, .. }
            | FieldControlCharacter { field }
            | FieldControlCharacterAt { field, .. }
            | FieldInvisibleCharacterAt { field, .. }
            | FieldUntrimmed { field }
            | NotOneOf { field, .. }
            | NotADate { field } => Some(field),
            FacilitiesOnlyForHealthCentre => Some("facilities"),
            PasswordRefused { .. } | PasswordUnchanged => Some("password"),
            CurrentPasswordWrong => Some("current_password"),
            PinRefused { .. } => Some("pin"),
            PasswordsDiffer => Some("password_again"),
            KitNotAScan | KitLabelWithoutGtin { .. } | KitExpiryNotADate { .. } => Some("kit"),
            VolumeRange => Some("volume_ml"),
            ScanControlCharacters => Some("data"),
            AsymptomaticWithOnset => Some("onset_date"),
            ExpiryNotInFuture => Some("expires_at"),
            BirthAfterCollection | BirthDateOutOfRange => Some("patient.birth_date"),
            _ => None,
        }
    }
}

/// Allowed values as a `NotOneOf` lists them.
pub fn allowed(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

#[cfg(test)]
pub(super) fn samples() -> Vec<InputMsg> {
    use InputMsg::*;
    let f = || "patient.name".to_string();
    let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
    let all = vec![
        FieldEmpty { field: f() },
        FieldTooLong {
            field: f(),
            max: 200,
        },
        FieldTooManyBytes {
            field: "data".into(),
            max: 4096,
        },
        FieldControlCharacter { field: f() },
        FieldControlCharacterAt {
            field: "specimen_id".into(),
            position: 2,
        },
        FieldInvisibleCharacterAt {
            field: f(),
            position: 3,
        },
        FieldUntrimmed {
            field: "name".into(),
        },
        NotOneOf {
            field: "status".into(),
            value: "lost".into(),
            allowed: allowed(&["open", "dispatched"]),
        },
        LimitRange { min: 1, max: 1000 },
        FacilitiesOnlyForHealthCentre,
        PasswordRefused {
            problem: crate::passwords::PasswordProblem::TooShort,
        },
        PasswordRefused {
            problem: crate::passwords::PasswordProblem::TooLong,
        },
        PasswordRefused {
            problem: crate::passwords::PasswordProblem::Common,
        },
        PasswordRefused {
            problem: crate::passwords::PasswordProblem::IsName,
        },
        PinRefused {
            problem: crate::passwords::PinProblem::NotDigits,
        },
        PinRefused {
            problem: crate::passwords::PinProblem::Guessable,
        },
        CurrentPasswordWrong,
        PasswordUnchanged,
        PasswordsDiffer,
        KitNotAScan,
        VolumeRange,
        AsymptomaticWithOnset,
        BirthAfterCollection,
        BirthDateOutOfRange,
        NoMidnight { date: day },
        DateOutOfRange { date: day },
        DispatchInFuture,
        ReceiptInFuture,
        ConsultationInFuture,
        ExpiryNotInFuture,
        NotADate {
            field: "expires_at".into(),
        },
        NothingToCorrect,
        DispatchBeforePacking {
            specimen_id: "T-1".into(),
        },
        ReceiptBeforeDispatch,
        DryIceOnUntick,
        PackageLevelItem {
            item: ChecklistItem::TertiarySealed,
        },
        LotFormat { max: 20 },
        JsonBody {
            detail: "missing field `name`".into(),
        },
        JsonContentType,
        BodyTooLarge { limit: 65536 },
        BadPath { detail: "x".into() },
        BadQuery { detail: "x".into() },
        BadForm { detail: "x".into() },
        ScanControlCharacters,
        EncodingOnlyForCsv,
        DpiOnlyForPng,
        PageOnlyForImages,
        CannotPrint {
            detail: "Code 128 carries ASCII only".into(),
        },
        InvalidBarcode {
            ai: Some("17".into()),
            position: Some(2),
            detail: "invalid date".into(),
        },
        KitLabelWithoutGtin {
            element_string: "(8004)X".into(),
        },
        KitExpiryNotADate {
            value: "261399".into(),
        },
        GtinNotDigits { gtin: "ABC".into() },
        GtinLength { gtin: "123".into() },
        GtinCheckDigit {
            gtin: "04912345000018".into(),
            found: "8".into(),
            expected: 9,
        },
        KitDescriptionEmpty {
            gtin: "04912345000019".into(),
        },
        KitDescriptionTooLong {
            gtin: "04912345000019".into(),
            max: 200,
        },
        KitDescriptionControlCharacter {
            gtin: "04912345000019".into(),
        },
        NotAKitLabel,
    ];
    for m in &all {
        match m {
            FieldEmpty { .. }
            | FieldTooLong { .. }
            | FieldTooManyBytes { .. }
            | FieldControlCharacter { .. }
            | FieldControlCharacterAt { .. }
            | FieldInvisibleCharacterAt { .. }
            | FieldUntrimmed { .. }
            | NotOneOf { .. }
            | LimitRange { .. }
            | FacilitiesOnlyForHealthCentre
            | PasswordRefused { .. }
            | PinRefused { .. }
            | CurrentPasswordWrong
            | PasswordUnchanged
            | PasswordsDiffer
            | KitNotAScan
            | VolumeRange
            | AsymptomaticWithOnset
            | BirthAfterCollection
            | BirthDateOutOfRange
            | NoMidnight { .. }
            | DateOutOfRange { .. }
            | DispatchInFuture
            | ReceiptInFuture
            | ConsultationInFuture
            | ExpiryNotInFuture
            | NotADate { .. }
            | NothingToCorrect
            | DispatchBeforePacking { .. }
            | ReceiptBeforeDispatch
            | DryIceOnUntick
            | PackageLevelItem { .. }
            | LotFormat { .. }
            | JsonBody { .. }
            | JsonContentType
            | BodyTooLarge { .. }
            | BadPath { .. }
            | BadQuery { .. }
            | BadForm { .. }
            | ScanControlCharacters
            | EncodingOnlyForCsv
            | DpiOnlyForPng
            | PageOnlyForImages
            | CannotPrint { .. }
            | InvalidBarcode { .. }
            | KitLabelWithoutGtin { .. }
            | KitExpiryNotADate { .. }
            | GtinNotDigits { .. }
            | GtinLength { .. }
            | GtinCheckDigit { .. }
            | KitDescriptionEmpty { .. }
            | KitDescriptionTooLong { .. }
            | KitDescriptionControlCharacter { .. }
            | NotAKitLabel => {}
        }
    }
    all
}
