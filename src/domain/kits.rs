//! Collection kits (docs/RULES.md, kits):
//! the kit catalog's entries, GTINs, and the rules a scanned kit label is
//! judged by at registration.
//!
//! A manufacturer's kit label carries `(01) GTIN (17) expiry (10) lot
//! [(21) serial]`. The catalog maps the GTIN to the specimen type the kit
//! collects and its swab material; the label's expiry refuses an expired
//! kit, and its lot is kept so a recalled lot can be traced.

use super::codes::{Decision, Notice, RuleCode};
use super::messages::{InputMsg, Msg, RuleMsg};
use super::specimen_type::SpecimenType;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// What a kit's swab is made of (`kit_swab_material`): flocked, rayon and polyester
/// swabs are recommended; cotton or wooden-shaft swabs reduce yield.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SwabMaterial {
    Flocked,
    Rayon,
    Polyester,
    Foam,
    Cotton,
    Wooden,
    /// No swab (saliva containers, VTM tubes sold without one).
    None,
}

impl SwabMaterial {
    pub const ALL: [SwabMaterial; 7] = [
        SwabMaterial::Flocked,
        SwabMaterial::Rayon,
        SwabMaterial::Polyester,
        SwabMaterial::Foam,
        SwabMaterial::Cotton,
        SwabMaterial::Wooden,
        SwabMaterial::None,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SwabMaterial::Flocked => "flocked",
            SwabMaterial::Rayon => "rayon",
            SwabMaterial::Polyester => "polyester",
            SwabMaterial::Foam => "foam",
            SwabMaterial::Cotton => "cotton",
            SwabMaterial::Wooden => "wooden",
            SwabMaterial::None => "none",
        }
    }

    pub fn from_code(code: &str) -> Option<SwabMaterial> {
        SwabMaterial::ALL.into_iter().find(|m| m.code() == code)
    }

    /// Cotton or wooden-shaft swabs reduce yield (【検体採取時の留意点】).
    pub fn reduces_yield(self) -> bool {
        matches!(self, SwabMaterial::Cotton | SwabMaterial::Wooden)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GtinError {
    #[error("GTIN {0:?} must be digits only")]
    NotDigits(String),
    #[error("GTIN {0:?} must have 8, 12, 13 or 14 digits")]
    Length(String),
    #[error("GTIN {gtin:?} ends in check digit {found}; its check digit is {expected}")]
    CheckDigit {
        gtin: String,
        found: char,
        expected: u8,
    },
}

impl GtinError {
    /// The catalogue's sentence for it.
    pub fn message(&self) -> Msg {
        match self {
            GtinError::NotDigits(gtin) => InputMsg::GtinNotDigits { gtin: gtin.clone() },
            GtinError::Length(gtin) => InputMsg::GtinLength { gtin: gtin.clone() },
            GtinError::CheckDigit {
                gtin,
                found,
                expected,
            } => InputMsg::GtinCheckDigit {
                gtin: gtin.clone(),
                found: found.to_string(),
                expected: *expected,
            },
        }
        .into()
    }
}

/// A GTIN-8, -12, -13 or -14 as the 14 digits of AI (01): padded with
/// leading zeros, its GS1 check digit verified.
pub fn normalise_gtin(raw: &str) -> Result<String, GtinError> {
    // Digits first: the gs1 crate's checksum expects nothing else.
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GtinError::NotDigits(raw.to_string()));
    }
    if ![8, 12, 13, 14].contains(&raw.len()) {
        return Err(GtinError::Length(raw.to_string()));
    }
    let gtin = format!("{raw:0>14}");
    let (body, check) = gtin.split_at(13);
    let expected = gs1::checksum::gs1_checksum(body);
    let found = check.chars().next().unwrap_or('?');
    if found.to_digit(10) != Some(u32::from(expected)) {
        return Err(GtinError::CheckDigit {
            gtin: raw.to_string(),
            found,
            expected,
        });
    }
    Ok(gtin)
}

/// One entry of the kit catalog, as `[[kit]]` in `kentai.toml` and the body
/// of `POST /api/v1/kits` write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KitEntry {
    /// GTIN-8, -12, -13 or -14; kept as the 14 digits of AI (01).
    pub gtin: String,
    /// The specimen type the kit collects.
    pub specimen_type: SpecimenType,
    pub swab_material: SwabMaterial,
    pub description: String,
}

impl KitEntry {
    /// The entry with its GTIN as 14 digits, or why it cannot be one.
    pub fn normalised(&self) -> Result<KitEntry, KitEntryError> {
        let gtin = normalise_gtin(self.gtin.trim())?;
        let description = self.description.trim();
        if description.is_empty() {
            return Err(KitEntryError::NoDescription(gtin));
        }
        if description.chars().count() > MAX_DESCRIPTION {
            return Err(KitEntryError::LongDescription(gtin));
        }
        if crate::text::first_hidden(description).is_some() {
            return Err(KitEntryError::ControlCharacter(gtin));
        }
        Ok(KitEntry {
            gtin,
            specimen_type: self.specimen_type,
            swab_material: self.swab_material,
            description: description.to_string(),
        })
    }
}

/// The longest kit description kept (it is printed on worklists).
pub const MAX_DESCRIPTION: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KitEntryError {
    #[error(transparent)]
    Gtin(#[from] GtinError),
    #[error("kit {0}: description is empty")]
    NoDescription(String),
    #[error("kit {0}: description is longer than {MAX_DESCRIPTION} characters")]
    LongDescription(String),
    #[error("kit {0}: description contains a control character")]
    ControlCharacter(String),
}

impl KitEntryError {
    /// The catalogue's sentence for it.
    pub fn message(&self) -> Msg {
        match self {
            KitEntryError::Gtin(e) => e.message(),
            KitEntryError::NoDescription(gtin) => {
                InputMsg::KitDescriptionEmpty { gtin: gtin.clone() }.into()
            }
            KitEntryError::LongDescription(gtin) => InputMsg::KitDescriptionTooLong {
                gtin: gtin.clone(),
                max: MAX_DESCRIPTION,
            }
            .into(),
            KitEntryError::ControlCharacter(gtin) => {
                InputMsg::KitDescriptionControlCharacter { gtin: gtin.clone() }.into()
            }
        }
    }
}

/// What a kit's GS1 label says, as registration keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KitLabel {
    /// AI (01), 14 digits.
    pub gtin: String,
    /// AI (17), as a date (a day of `00` is the month's last day).
    pub expiry: Option<NaiveDate>,
    /// AI (10).
    pub lot: Option<String>,
    /// AI (21).
    pub serial: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KitLabelError {
    #[error("(01) {0}")]
    Gtin(GtinError),
    #[error("(17) {0:?} is not a date YYMMDD")]
    Expiry(String),
}

impl KitLabelError {
    /// The catalogue's sentence for it.
    pub fn message(&self) -> Msg {
        match self {
            KitLabelError::Gtin(e) => e.message(),
            KitLabelError::Expiry(value) => InputMsg::KitExpiryNotADate {
                value: value.clone(),
            }
            .into(),
        }
    }
}

impl KitLabel {
    /// The label from its element values, (17) already read as a date
    /// (the barcode layer reads GS1 dates).
    pub fn from_elements(
        gtin: &str,
        expiry: Option<NaiveDate>,
        lot: Option<&str>,
        serial: Option<&str>,
    ) -> Result<KitLabel, KitLabelError> {
        let gtin = normalise_gtin(gtin).map_err(KitLabelError::Gtin)?;
        Ok(KitLabel {
            gtin,
            expiry,
            lot: lot.map(str::to_string),
            serial: serial.map(str::to_string),
        })
    }
}

/// What registration judges a kit label by: the label, its catalog entry
/// (if the GTIN is catalogued), the type being registered and the
/// collection date in the site's calendar.
#[derive(Debug, Clone, Copy)]
pub struct KitCheck<'a> {
    pub label: &'a KitLabel,
    pub entry: Option<&'a KitEntry>,
    pub specimen_type: SpecimenType,
    pub collection_date: NaiveDate,
}

/// Every kit rule's decision, refusals first.
///
/// - `kit_expired`: the (17) date before the collection
///   date refuses (`kit_expired`); a kit is still good on its expiry day.
///   No written reason lifts it: the manual has no use for an expired kit.
/// - `kit_swab_material`: a catalogued cotton or wooden swab warns
///   (`kit_swab_material`).
/// - `kit_type_mismatch` (the catalog maps GTIN → specimen type): a catalogued kit for
///   another type warns (`kit_type_mismatch`) — the desk may have picked the
///   wrong type, or opened the wrong kit.
/// - A GTIN the catalog does not know warns (`unknown_kit`): the material
///   and type could not be checked, and the site may want to catalogue it.
pub fn evaluate(check: &KitCheck<'_>) -> Vec<Decision> {
    let mut out = Vec::new();
    let label = check.label;
    if let Some(expiry) = label.expiry {
        if expiry < check.collection_date {
            out.push(Decision::Refuse(Notice::new(
                RuleCode::KitExpired,
                RuleMsg::KitExpired {
                    gtin: label.gtin.clone(),
                    expiry,
                    collected: check.collection_date,
                },
            )));
        }
    }
    match check.entry {
        None => out.push(Decision::Warn(Notice::new(
            RuleCode::UnknownKit,
            RuleMsg::UnknownKit {
                gtin: label.gtin.clone(),
            },
        ))),
        Some(entry) => {
            if entry.swab_material.reduces_yield() {
                out.push(Decision::Warn(Notice::new(
                    RuleCode::KitSwabMaterial,
                    RuleMsg::KitSwabMaterial {
                        gtin: label.gtin.clone(),
                        description: entry.description.clone(),
                        material: entry.swab_material,
                    },
                )));
            }
            if entry.specimen_type != check.specimen_type {
                out.push(Decision::Warn(Notice::new(
                    RuleCode::KitTypeMismatch,
                    RuleMsg::KitTypeMismatch {
                        gtin: label.gtin.clone(),
                        description: entry.description.clone(),
                        catalogued: entry.specimen_type,
                        registered: check.specimen_type,
                    },
                )));
            }
        }
    }
    out.sort_by_key(|d| !d.is_refusal());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn codes(ds: &[Decision]) -> Vec<(bool, RuleCode)> {
        ds.iter()
            .map(|d| (d.is_refusal(), d.code().unwrap()))
            .collect()
    }

    fn entry(t: SpecimenType, m: SwabMaterial) -> KitEntry {
        KitEntry {
            gtin: "09506000134352".into(),
            specimen_type: t,
            swab_material: m,
            description: "test kit".into(),
        }
    }

    #[test]
    fn gtins_of_8_12_13_and_14_digits_become_14_digits_with_a_valid_check_digit() {
        let cases = [
            ("09506000134352", Ok("09506000134352")),
            ("9506000134352", Ok("09506000134352")),
            ("614141000036", Ok("00614141000036")),
            ("95012346", Ok("00000095012346")),
            ("09506000134353", Err("check")),
            ("0950600013435", Err("check")),
            ("0950600013435x", Err("digits")),
            ("", Err("digits")),
            (" 09506000134352", Err("digits")),
            ("123456789", Err("length")),
            ("095060001343520", Err("length")),
        ];
        for (raw, want) in cases {
            let got = normalise_gtin(raw);
            match (want, &got) {
                (Ok(w), Ok(g)) => assert_eq!(g, w, "{raw}"),
                (Err("digits"), Err(GtinError::NotDigits(_)))
                | (Err("check"), Err(GtinError::CheckDigit { .. })) => {}
                (Err("length"), Err(GtinError::Length(_))) => {}
                _ => panic!("{raw:?}: expected {want:?}, got {got:?}"),
            }
        }
    }

    /// The parser's date helper, as kit expiry needs it.
    #[test]
    fn swab_materials_that_reduce_yield_are_cotton_and_wooden() {
        for m in SwabMaterial::ALL {
            assert_eq!(
                m.reduces_yield(),
                matches!(m, SwabMaterial::Cotton | SwabMaterial::Wooden),
                "{m:?}"
            );
            assert_eq!(SwabMaterial::from_code(m.code()), Some(m));
        }
    }

    #[test]
    fn kit_expired_kit_swab_material_kit_type_mismatch_unknown_kit_rules_table() {
        use RuleCode::*;
        use SpecimenType::*;
        // Not a glob import: SwabMaterial::None would shadow Option's.
        let collected = date(2026, 11, 21);
        let flocked_np = entry(NasopharyngealSwab, SwabMaterial::Flocked);
        let cotton_np = entry(NasopharyngealSwab, SwabMaterial::Cotton);
        let wooden_np = entry(NasopharyngealSwab, SwabMaterial::Wooden);
        let saliva_kit = entry(Saliva, SwabMaterial::None);
        // (label expiry, catalog entry, registered type, expected decisions
        // as (refusal?, code))
        type Case<'a> = (
            Option<NaiveDate>,
            Option<&'a KitEntry>,
            SpecimenType,
            &'a [(bool, RuleCode)],
        );
        let cases: [Case<'_>; 9] = [
            // `kit_expired`: good until and on its expiry day, refused the day after.
            (
                Some(date(2026, 11, 22)),
                Some(&flocked_np),
                NasopharyngealSwab,
                &[],
            ),
            (Some(collected), Some(&flocked_np), NasopharyngealSwab, &[]),
            (
                Some(date(2026, 11, 20)),
                Some(&flocked_np),
                NasopharyngealSwab,
                &[(true, KitExpired)],
            ),
            // A label without (17) cannot be judged expired.
            (None, Some(&flocked_np), NasopharyngealSwab, &[]),
            // `kit_swab_material`: cotton and wooden swabs reduce yield.
            (
                None,
                Some(&cotton_np),
                NasopharyngealSwab,
                &[(false, KitSwabMaterial)],
            ),
            (
                None,
                Some(&wooden_np),
                NasopharyngealSwab,
                &[(false, KitSwabMaterial)],
            ),
            // `kit_type_mismatch`: the catalog's type against the registration's.
            (
                None,
                Some(&saliva_kit),
                NasopharyngealSwab,
                &[(false, KitTypeMismatch)],
            ),
            (None, None, Saliva, &[(false, UnknownKit)]),
            // Refusals come first, every warning still listed.
            (
                Some(date(2025, 1, 1)),
                Some(&cotton_np),
                Saliva,
                &[
                    (true, KitExpired),
                    (false, KitSwabMaterial),
                    (false, KitTypeMismatch),
                ],
            ),
        ];
        for (i, (expiry, entry, t, want)) in cases.into_iter().enumerate() {
            let label = KitLabel {
                gtin: "09506000134352".into(),
                expiry,
                lot: Some("L1".into()),
                serial: None,
            };
            let got = evaluate(&KitCheck {
                label: &label,
                entry,
                specimen_type: t,
                collection_date: collected,
            });
            assert_eq!(codes(&got), want, "case {i}");
        }
    }

    #[test]
    fn kit_expired_is_no_refusal_a_written_reason_lifts() {
        use crate::rules::{may_override, Step};
        assert!(!may_override(RuleCode::KitExpired, Step::Registration));
    }

    #[test]
    fn a_kit_label_reads_its_elements_and_refuses_a_bad_gtin() {
        let label = KitLabel::from_elements(
            "09506000134352",
            Some(date(2027, 1, 31)),
            Some("ABC"),
            Some("S1"),
        )
        .unwrap();
        assert_eq!(
            label,
            KitLabel {
                gtin: "09506000134352".into(),
                expiry: Some(date(2027, 1, 31)),
                lot: Some("ABC".into()),
                serial: Some("S1".into()),
            }
        );
        assert!(matches!(
            KitLabel::from_elements("09506000134353", None, None, None),
            Err(KitLabelError::Gtin(_))
        ));
    }

    #[test]
    fn a_catalog_entry_is_normalised_and_needs_a_description() {
        let e = KitEntry {
            gtin: "9506000134352".into(),
            specimen_type: SpecimenType::NasopharyngealSwab,
            swab_material: SwabMaterial::Flocked,
            description: "  FLOQSwab  ".into(),
        };
        let n = e.normalised().unwrap();
        assert_eq!(n.gtin, "09506000134352");
        assert_eq!(n.description, "FLOQSwab");
        for bad in ["", "   ", "a\nb"] {
            let e = KitEntry {
                description: bad.into(),
                ..e.clone()
            };
            assert!(e.normalised().is_err(), "{bad:?}");
        }
        let e = KitEntry {
            gtin: "123".into(),
            ..e
        };
        assert!(matches!(e.normalised(), Err(KitEntryError::Gtin(_))));
    }
}
