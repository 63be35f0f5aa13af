//! The kit catalog (docs/RULES.md, kits; README "Kit catalog"), reading a kit
//! label at registration, and recall tracing by lot.
//!
//! The catalog has two sources. The site's `[[kit]]` entries in
//! `kentai.toml` are checked at start-up and merged in read-only at every
//! lookup: they are never written to the database, so a site that changes
//! its file changes its catalog on the next start, and several servers on
//! one PostgreSQL database each keep their own file's entries. Kits added
//! with `POST /api/v1/kits` live in the `kits` table. Where both name a
//! GTIN the configuration wins, and the API cannot change it (409
//! `duplicate_kit`, or 200 for the identical entry).

use super::locations::Created;
use super::views::{load_views, user_names, SpecimenView};
use super::{audit, naive, ActionError, Actor, Ctx};
use crate::barcode::linters::yymmdd_to_date;
use crate::barcode::{BarcodeError, ParsedScan};
use crate::domain::codes::Notice;
use crate::domain::kits::{
    normalise_gtin, GtinError, KitEntry, KitEntryError, KitLabel, KitLabelError, SwabMaterial,
};
use crate::domain::messages::{InputMsg, RecordMsg};
use crate::domain::roles::Action;
use crate::domain::{RuleCode, SpecimenType};
use crate::store::models::{KitRow, SpecimenRow};
use crate::store::schema::{kits, specimens};
use crate::store::{DbConnection, StoreError};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Where a catalog entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KitSource {
    /// `[[kit]]` in kentai.toml: read-only over the API.
    Config,
    /// Added with `POST /api/v1/kits`.
    Api,
}

/// A catalogued kit as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KitView {
    /// The 14 digits of AI (01).
    pub gtin: String,
    pub specimen_type: SpecimenType,
    pub type_label_ja: &'static str,
    pub swab_material: SwabMaterial,
    /// Cotton and wooden swabs reduce yield (`kit_swab_material`): registering with
    /// this kit warns `kit_swab_material`.
    pub reduces_yield: bool,
    pub description: String,
    pub source: KitSource,
    /// Who added it over the API (null for configuration entries).
    pub created_by: Option<String>,
    pub created_at: Option<DateTime<FixedOffset>>,
}

fn view(ctx: &Ctx, entry: KitEntry, row: Option<&KitRow>, names: &HashMap<i64, String>) -> KitView {
    KitView {
        type_label_ja: entry.specimen_type.label_ja(),
        reduces_yield: entry.swab_material.reduces_yield(),
        specimen_type: entry.specimen_type,
        swab_material: entry.swab_material,
        description: entry.description,
        gtin: entry.gtin,
        source: if row.is_some() {
            KitSource::Api
        } else {
            KitSource::Config
        },
        created_by: row.map(|r| {
            names
                .get(&r.created_by)
                .cloned()
                .unwrap_or_else(|| "system".into())
        }),
        created_at: row.map(|r| ctx.site_time(r.created_at)),
    }
}

/// A stored row as a catalog entry; a type or material code no kentai
/// writes is an error naming the row.
fn entry_of(row: &KitRow) -> Result<KitEntry, StoreError> {
    Ok(KitEntry {
        gtin: row.gtin.clone(),
        specimen_type: row.specimen_type()?,
        swab_material: row.swab_material()?,
        description: row.description.clone(),
    })
}

/// The configuration's entries, GTINs as 14 digits. `Ctx::new` validated
/// them, so an error here cannot happen on a running server; were it to,
/// the configuration has no entries rather than a wrong one.
fn config_catalog(ctx: &Ctx) -> Vec<KitEntry> {
    ctx.config.kit_catalog().unwrap_or_default()
}

fn bad_gtin(e: GtinError) -> ActionError {
    ActionError::invalid(e.message())
}

fn bad_entry(e: KitEntryError) -> ActionError {
    ActionError::invalid(e.message())
}

pub fn unknown_kit(gtin: &str) -> ActionError {
    ActionError::NotFound(Notice::new(
        RuleCode::UnknownKit,
        RecordMsg::NoKit { gtin: gtin.into() },
    ))
}

fn duplicate(gtin: &str, in_config: bool) -> ActionError {
    ActionError::Conflict(Notice::new(
        RuleCode::DuplicateKit,
        RecordMsg::DuplicateKit {
            gtin: gtin.into(),
            in_config,
        },
    ))
}

/// `POST /api/v1/kits`: 201 for a new kit, 200 for the identical entry
/// again, 409 `duplicate_kit` for a different one under the same GTIN.
pub fn create(
    ctx: &Ctx,
    actor: &Actor,
    req: &KitEntry,
    now: DateTime<Utc>,
) -> Result<Created<KitView>, ActionError> {
    actor.require(Action::ManageKits)?;
    let entry = req.normalised().map_err(bad_entry)?;
    let gtin = entry.gtin.clone();
    if let Some(configured) = config_catalog(ctx).into_iter().find(|k| k.gtin == gtin) {
        if configured != entry {
            return Err(duplicate(&gtin, true));
        }
        return Ok(Created {
            value: view(ctx, configured, None, &HashMap::new()),
            created: false,
        });
    }
    ctx.write(|c| {
        let existing: Option<KitRow> = kits::table
            .find(&gtin)
            .select(KitRow::as_select())
            .first(c)
            .optional()?;
        if let Some(row) = existing {
            if entry_of(&row)? != entry {
                return Err(duplicate(&gtin, false));
            }
            let names = user_names(c, vec![row.created_by])?;
            return Ok(Created {
                value: view(ctx, entry.clone(), Some(&row), &names),
                created: false,
            });
        }
        let row = KitRow {
            gtin: gtin.clone(),
            specimen_type: entry.specimen_type.code().to_string(),
            swab_material: entry.swab_material.code().to_string(),
            description: entry.description.clone(),
            created_by: actor.user_ref(),
            created_at: naive(now),
        };
        diesel::insert_into(kits::table).values(&row).execute(c)?;
        audit::record::<(), _>(
            c,
            actor,
            now,
            "kit.create",
            ("kit", &gtin),
            None,
            Some(&entry),
        )?;
        let names = HashMap::from([(actor.user_ref(), actor.name.clone())]);
        Ok(Created {
            value: view(ctx, entry.clone(), Some(&row), &names),
            created: true,
        })
    })
}

/// The whole catalog by GTIN: configuration entries and API entries.
pub fn list(ctx: &Ctx, actor: &Actor) -> Result<Vec<KitView>, ActionError> {
    actor.require(Action::ReadKits)?;
    let configured = config_catalog(ctx);
    let (rows, names) = ctx.store.read(|c| {
        let rows: Vec<KitRow> = kits::table
            .order(kits::gtin)
            .select(KitRow::as_select())
            .load(c)?;
        let names = user_names(c, rows.iter().map(|r| r.created_by).collect())?;
        Ok::<_, ActionError>((rows, names))
    })?;
    let mut out: Vec<KitView> = rows
        .iter()
        .filter(|r| !configured.iter().any(|k| k.gtin == r.gtin))
        .map(|r| Ok(view(ctx, entry_of(r)?, Some(r), &names)))
        .collect::<Result<_, StoreError>>()?;
    out.extend(configured.into_iter().map(|k| view(ctx, k, None, &names)));
    out.sort_by(|a, b| a.gtin.cmp(&b.gtin));
    Ok(out)
}

/// One kit by GTIN (any of its 8, 12, 13 or 14-digit forms).
pub fn get(ctx: &Ctx, actor: &Actor, gtin: &str) -> Result<KitView, ActionError> {
    actor.require(Action::ReadKits)?;
    let gtin = normalise_gtin(gtin).map_err(bad_gtin)?;
    if let Some(k) = config_catalog(ctx).into_iter().find(|k| k.gtin == gtin) {
        return Ok(view(ctx, k, None, &HashMap::new()));
    }
    let found = ctx.store.read(|c| {
        let row: Option<KitRow> = kits::table
            .find(&gtin)
            .select(KitRow::as_select())
            .first(c)
            .optional()?;
        let names = user_names(c, row.iter().map(|r| r.created_by).collect())?;
        Ok::<_, ActionError>(row.map(|r| (r, names)))
    })?;
    let (r, names) = found.ok_or_else(|| unknown_kit(&gtin))?;
    Ok(view(ctx, entry_of(&r)?, Some(&r), &names))
}

/// The catalog entries of these GTINs (14 digits), the configuration's
/// over the database's; GTINs the catalog does not know are absent.
pub(crate) fn catalog_entries(
    ctx: &Ctx,
    conn: &mut DbConnection,
    gtins: &[String],
) -> Result<HashMap<String, KitEntry>, ActionError> {
    if gtins.is_empty() {
        return Ok(HashMap::new());
    }
    let mut out: HashMap<String, KitEntry> = kits::table
        .filter(kits::gtin.eq_any(gtins))
        .select(KitRow::as_select())
        .load::<KitRow>(conn)?
        .iter()
        .map(|r| Ok((r.gtin.clone(), entry_of(r)?)))
        .collect::<Result<_, StoreError>>()?;
    for k in config_catalog(ctx) {
        if gtins.contains(&k.gtin) {
            out.insert(k.gtin.clone(), k);
        }
    }
    Ok(out)
}

/// What a registration's `kit` text is.
///
/// - Plain (non-GS1) text: `None` — kept as scanned, nothing checked.
/// - GS1 data that does not parse: 400 `invalid_barcode`, naming the AI and
///   the position the parser gave.
/// - GS1 data without (01): 400 `invalid_barcode` — valid GS1, but not a
///   kit label (most likely the tube's or the patient's label was scanned
///   into the kit field).
/// - GS1 with (01): the label, its (17) read against `collection_date`.
pub fn read_label(raw: &str, collection_date: NaiveDate) -> Result<Option<KitLabel>, ActionError> {
    let scan = crate::barcode::parse(raw).map_err(|e| invalid_barcode(&e))?;
    label_of(&scan, collection_date)
}

fn label_of(
    scan: &ParsedScan,
    collection_date: NaiveDate,
) -> Result<Option<KitLabel>, ActionError> {
    if !scan.gs1 {
        return Ok(None);
    }
    let Some(gtin) = scan.get("01") else {
        return Err(ActionError::Invalid(Notice::new(
            RuleCode::InvalidBarcode,
            InputMsg::KitLabelWithoutGtin {
                element_string: scan.element_string(),
            },
        )));
    };
    let refuse =
        |e: KitLabelError| ActionError::Invalid(Notice::new(RuleCode::InvalidBarcode, e.message()));
    // GS1's rule reads the two-digit year of (17) within 49 years behind
    // and 50 ahead of the collection date; a day of `00` is the month's
    // last.
    let expiry = match scan.get("17") {
        Some(raw) => Some(
            yymmdd_to_date(raw, collection_date)
                .ok_or_else(|| refuse(KitLabelError::Expiry(raw.into())))?,
        ),
        None => None,
    };
    KitLabel::from_elements(gtin, expiry, scan.get("10"), scan.get("21"))
        .map(Some)
        .map_err(refuse)
}

fn invalid_barcode(e: &BarcodeError) -> ActionError {
    ActionError::Invalid(Notice::new(RuleCode::InvalidBarcode, e.message()))
}

/// Filters of the recall listing.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LotFilter {
    /// Only kits of this GTIN (8, 12, 13 or 14 digits): lot numbers are the
    /// manufacturer's, so two products may share one.
    pub gtin: Option<String>,
}

/// The longest lot number GS1 allows in AI (10).
pub const MAX_LOT: usize = 20;

/// `GET /api/v1/kits/lots/{lot}/specimens`: every specimen collected with a
/// kit of this lot, in collection order — what a recall notice needs.
pub fn lot_specimens(
    ctx: &Ctx,
    actor: &Actor,
    lot: &str,
    filter: &LotFilter,
) -> Result<Vec<SpecimenView>, ActionError> {
    actor.require(Action::TraceKitLots)?;
    if lot.is_empty()
        || lot.chars().count() > MAX_LOT
        || crate::domain::text::first_hidden(lot).is_some()
    {
        return Err(ActionError::invalid(InputMsg::LotFormat { max: MAX_LOT }));
    }
    let gtin = filter
        .gtin
        .as_deref()
        .map(normalise_gtin)
        .transpose()
        .map_err(bad_gtin)?;
    ctx.store.read(|c| {
        let mut q = specimens::table
            .filter(specimens::facility_code.eq(ctx.facility()))
            .filter(specimens::kit_lot.eq(lot))
            .select(SpecimenRow::as_select())
            .into_boxed();
        if let Some(g) = gtin {
            q = q.filter(specimens::kit_gtin.eq(g));
        }
        let rows: Vec<SpecimenRow> = q
            .order((specimens::collected_at, specimens::specimen_id))
            .load(c)?;
        load_views(ctx, c, rows)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::barcode::Element;

    fn scan(gs1: bool, elements: &[(&str, &str)], text: &str) -> ParsedScan {
        ParsedScan {
            symbology: None,
            gs1,
            elements: elements
                .iter()
                .map(|(ai, value)| Element {
                    ai: ai.to_string().into(),
                    value: value.to_string(),
                })
                .collect(),
            text: text.into(),
        }
    }

    fn code(r: Result<Option<KitLabel>, ActionError>) -> Option<RuleCode> {
        r.err().map(|e| e.code())
    }

    #[test]
    fn a_kit_field_is_plain_text_a_kit_label_or_an_invalid_barcode() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        assert_eq!(
            label_of(&scan(false, &[], "KIT-123"), day).unwrap(),
            None,
            "plain text is kept as scanned"
        );
        let label = label_of(
            &scan(
                true,
                &[
                    ("01", "09506000134352"),
                    ("17", "270331"),
                    ("10", "LOT7"),
                    ("21", "0001"),
                ],
                "",
            ),
            day,
        )
        .unwrap()
        .unwrap();
        assert_eq!(label.gtin, "09506000134352");
        assert_eq!(label.expiry, NaiveDate::from_ymd_opt(2027, 3, 31));
        assert_eq!(label.lot.as_deref(), Some("LOT7"));
        assert_eq!(label.serial.as_deref(), Some("0001"));
        // A day of 00 is the month's last.
        let to_the_month = label_of(
            &scan(true, &[("01", "09506000134352"), ("17", "270100")], ""),
            day,
        )
        .unwrap()
        .unwrap();
        assert_eq!(to_the_month.expiry, NaiveDate::from_ymd_opt(2027, 1, 31));
        let cases = [
            vec![("8018", "049123450000000012")],
            vec![("01", "09506000134353")],
            vec![("01", "09506000134352"), ("17", "271301")],
        ];
        for elements in cases {
            assert_eq!(
                code(label_of(&scan(true, &elements, ""), day)),
                Some(RuleCode::InvalidBarcode),
                "{elements:?}"
            );
        }
        let e = invalid_barcode(&BarcodeError {
            ai: Some("17".into()),
            position: Some(2),
            message: "invalid month".into(),
        });
        assert_eq!(e.code(), RuleCode::InvalidBarcode);
        let en = e.message().render(crate::domain::Lang::En);
        assert!(en.ends_with("[AI (17), position 2]"), "{en}");
        let ja = e.message().render(crate::domain::Lang::Ja);
        assert!(ja.contains("AI (17) の3文字目"), "{ja}");
    }
}
