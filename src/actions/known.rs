//! What the store holds, asked by code: whether a plain code the scanners
//! read is one of this facility's specimens, locations or packages, and
//! which tubes were registered lately. The scan workflow asks these
//! questions; the queries live here so that it runs none itself.

use super::{ActionError, Ctx};
use crate::barcode::classify::Known;
use crate::store::schema::{locations, packages as package_rows, patients, specimens};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// Tubes registered since `since`, each with the patient number its
/// registration named: what a restarted desk checks its resumed draft
/// against.
pub fn registered_since(
    ctx: &Ctx,
    since: DateTime<Utc>,
) -> Result<Vec<(String, Option<String>)>, ActionError> {
    ctx.store.read(|c| {
        specimens::table
            .filter(specimens::facility_code.eq(ctx.facility()))
            .inner_join(patients::table)
            .filter(specimens::registered_at.ge(since.naive_utc()))
            .select((specimens::specimen_id, patients::patient_number))
            .load(c)
            .map_err(ActionError::from)
    })
}

/// Whether the store holds `specimen_id` (a failed lookup reads as no).
pub fn is_registered(ctx: &Ctx, specimen_id: &str) -> bool {
    StoredIds(ctx).is_specimen(specimen_id)
}

/// Ids kentai has stored, for plain codes that do not say what they are.
pub struct StoredIds<'a>(pub &'a Ctx);

impl StoredIds<'_> {
    fn exists(&self, f: impl FnOnce(&mut crate::store::DbConnection) -> QueryResult<i64>) -> bool {
        // A failed lookup reads as "not known": the scan is then refused
        // as unknown, which is the safe answer.
        self.0
            .store
            .read(|c| f(c).map_err(ActionError::from))
            .map(|n| n > 0)
            .unwrap_or(false)
    }
}

impl Known for StoredIds<'_> {
    fn is_specimen(&self, id: &str) -> bool {
        self.exists(|c| {
            specimens::table
                .filter(specimens::facility_code.eq(self.0.facility()))
                .filter(specimens::specimen_id.eq(id))
                .count()
                .get_result(c)
        })
    }
    fn is_location(&self, code: &str) -> bool {
        self.exists(|c| {
            locations::table
                .filter(locations::facility_code.eq(self.0.facility()))
                .filter(locations::code.eq(code))
                .count()
                .get_result(c)
        })
    }
    fn is_package(&self, id: &str) -> bool {
        self.exists(|c| {
            package_rows::table
                .filter(package_rows::facility_code.eq(self.0.facility()))
                .filter(package_rows::package_id.eq(id))
                .count()
                .get_result(c)
        })
    }
}
