//! Rows as diesel reads and writes them; the domain types live in `domain`.

use super::schema::*;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub disabled: bool,
    /// The facility the user belongs to (its home).
    pub facility_code: String,
    /// Argon2id, as a PHC string; `None` for a user who signs in with a
    /// token only.
    pub password_hash: Option<String>,
    /// A one-time password: changed before anything else at sign-in.
    pub password_must_change: bool,
    pub password_set_at: Option<NaiveDateTime>,
    /// Argon2id of the PIN typed after a badge scan; `None`: no badge
    /// sign-in for this person yet.
    pub pin_hash: Option<String>,
    pub pin_set_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub disabled: bool,
    pub facility_code: &'a str,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = patients)]
pub struct PatientRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub patient_key: String,
    pub patient_number: Option<String>,
    pub name: String,
    pub name_kana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub sex: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub updated_at: NaiveDateTime,
    pub facility_code: String,
    /// The current identity's version (see `patient_versions`).
    pub version: i32,
}

/// One version of a patient's identity, as registered, completed or
/// corrected.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = patient_versions)]
pub struct PatientVersionRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub patient_ref: i64,
    pub version: i32,
    pub kind: String,
    pub patient_number: Option<String>,
    pub name: String,
    pub name_kana: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub sex: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub reason: Option<String>,
    pub changed_by: i64,
    pub changed_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = specimens)]
pub struct SpecimenRow {
    pub specimen_id: String,
    pub patient_ref: i64,
    pub facility_code: String,
    pub specimen_type: String,
    pub priority: i32,
    pub collected_at: NaiveDateTime,
    pub onset_date: Option<NaiveDate>,
    pub asymptomatic: bool,
    pub days_since_onset: Option<i32>,
    pub test_method: String,
    pub kit: Option<String>,
    pub volume_ml: Option<f64>,
    pub ppe: String,
    pub override_reason: Option<String>,
    pub flags: String,
    pub warnings: String,
    pub status: String,
    pub registration: String,
    pub registered_by: i64,
    pub registered_at: NaiveDateTime,
    /// From the kit's GS1 label; `None` for a plain kit code or no kit.
    pub kit_gtin: Option<String>,
    pub kit_lot: Option<String>,
    pub kit_expiry: Option<NaiveDate>,
    pub kit_serial: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = locations)]
pub struct LocationRow {
    pub code: String,
    pub name: String,
    pub storage_class: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub facility_code: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = storage_events)]
pub struct StorageEventRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub specimen_id: String,
    pub location_code: String,
    pub storage_class: String,
    pub at: NaiveDateTime,
    pub warnings: String,
    pub override_reason: Option<String>,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = results)]
pub struct ResultRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub specimen_id: String,
    pub version: i32,
    pub result: String,
    pub method: String,
    pub resulted_at: NaiveDateTime,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
    /// `entered`, `released` or `returned` (`domain::results::ResultStatus`).
    pub status: String,
    pub correction_reason: Option<String>,
    pub assay: Option<String>,
    /// JSON object: target → Ct, `null` for undetermined.
    pub ct: Option<String>,
    /// The interpretation rule that called the result.
    pub interpretation: Option<String>,
    pub import_id: Option<String>,
    pub well: Option<String>,
    pub released_by: Option<i64>,
    pub released_at: Option<NaiveDateTime>,
    pub return_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = result_imports)]
pub struct ResultImportRow {
    pub import_id: String,
    pub content_hash: String,
    pub format: String,
    pub assay: String,
    pub file_name: Option<String>,
    pub instrument: Option<String>,
    pub run_name: Option<String>,
    /// JSON of the preview (`actions::imports::Preview`).
    pub preview: String,
    /// `previewed` or `committed`.
    pub status: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub committed_by: Option<i64>,
    pub committed_at: Option<NaiveDateTime>,
    pub facility_code: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub at: NaiveDateTime,
    pub user_ref: Option<i64>,
    pub user_name: String,
    pub role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// Digest of the row changes the entry claims (empty: none).
    pub changes: String,
    /// The station a scan did this at.
    pub station: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = packages)]
pub struct PackageRow {
    pub package_id: String,
    pub serial: i64,
    pub status: String,
    pub carrier: String,
    pub consignee_name: String,
    pub consignee_address: String,
    pub consignee_phone: String,
    pub packer_name: Option<String>,
    pub packer_certificate_id: Option<String>,
    pub emergency_phone: Option<String>,
    pub shipper: Option<String>,
    pub dispatched_at: Option<NaiveDateTime>,
    pub dispatched_by: Option<i64>,
    pub dispatch_override_reason: Option<String>,
    pub dispatch_overrides: Option<String>,
    pub received_at: Option<NaiveDateTime>,
    pub received_by: Option<i64>,
    pub receipt_note: Option<String>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub facility_code: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = package_specimens)]
pub struct PackageSpecimenRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub package_id: String,
    pub specimen_id: String,
    pub status_before: String,
    pub override_reason: Option<String>,
    pub added_by: i64,
    pub added_at: NaiveDateTime,
    pub removed_by: Option<i64>,
    pub removed_at: Option<NaiveDateTime>,
    pub receipt: Option<String>,
    pub receipt_by: Option<i64>,
    pub receipt_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = checklist_events)]
pub struct ChecklistEventRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub package_id: String,
    pub item: String,
    pub specimen_id: Option<String>,
    pub done: bool,
    pub dry_ice_kg: Option<f64>,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = consultations)]
pub struct ConsultationRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub specimen_id: String,
    pub consulted_with: String,
    pub note: Option<String>,
    pub consulted_at: NaiveDateTime,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

/// A kit catalogued over the API (config entries are not stored).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = kits)]
pub struct KitRow {
    pub gtin: String,
    pub specimen_type: String,
    pub swab_material: String,
    pub description: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// One journalled scan (see migration `…000004_scans`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = scans)]
pub struct ScanRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub station: String,
    pub device: String,
    pub raw: Vec<u8>,
    pub aim: Option<String>,
    pub scanned_at: NaiveDateTime,
    pub acted_by: i64,
    pub duplicate_of: Option<i64>,
    pub processed_at: Option<NaiveDateTime>,
    pub kind: Option<String>,
    pub accepted: Option<bool>,
    pub outcome: Option<String>,
    pub state_after: Option<String>,
    pub facility_code: String,
    /// The person working the station, when one was.
    pub operator: Option<String>,
}

/// A staff badge (see migration `…000015_operators`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = badges)]
pub struct BadgeRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub user_ref: i64,
    pub facility_code: String,
    pub label: String,
    pub code_hash: String,
    pub created_at: NaiveDateTime,
    pub created_by: i64,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<i64>,
}

/// One journalled analyser message (see migration `…000012_analyzers`).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = analyzer_messages)]
pub struct AnalyzerMessageRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub facility_code: String,
    pub analyzer: String,
    pub protocol: String,
    pub raw: Vec<u8>,
    pub digest: String,
    pub control_id: Option<String>,
    pub received_at: NaiveDateTime,
    pub processed_at: Option<NaiveDateTime>,
    pub outcome: Option<String>,
}

/// What an analyser message said of one specimen, and what became of it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = analyzer_results)]
pub struct AnalyzerResultRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub message_id: i64,
    pub facility_code: String,
    pub analyzer: String,
    pub specimen_id: String,
    pub observations: String,
    pub reading: String,
    pub completed_at: Option<NaiveDateTime>,
    pub state: String,
    pub result_id: Option<i64>,
    pub note: Option<String>,
    pub resolved_by: Option<i64>,
    pub resolved_at: Option<NaiveDateTime>,
    pub reason: Option<String>,
}

/// A browser session (`actions::sessions`): the cookie's id only as its
/// SHA-256.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    /// The page was left idle: nothing but re-entry until this is cleared.
    pub locked_at: Option<NaiveDateTime>,
}

/// A token a user made for a program (`actions::api_tokens`): the token
/// itself only as its SHA-256.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    pub id: i64,
    pub user_ref: i64,
    pub name: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_tokens)]
pub struct NewApiToken<'a> {
    pub user_ref: i64,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

/// The typed values of rows' code and JSON columns. A cell that does not
/// read is an error naming its table, row and value (`store::codes`).
mod typed {
    use super::*;
    use crate::domain::kits::SwabMaterial;
    use crate::domain::packaging::{Carrier, ChecklistItem};
    use crate::domain::patient::Sex;
    use crate::domain::results::{ResultStatus, TestMethod, TestResult};
    use crate::domain::roles::Role;
    use crate::domain::{PackageStatus, SpecimenStatus, SpecimenType, StorageClass};
    use crate::store::codes::{read, read_json, Cell};
    use crate::store::StoreError;
    use serde::de::DeserializeOwned;

    /// Accessors named after their columns, each reading `self.$column`.
    macro_rules! typed_columns {
        ($row:ty, $table:literal, |$r:ident| $key:expr, {
            $($column:ident: $t:ty),* $(,)?
        }) => {
            impl $row {
                $(pub fn $column(&self) -> Result<$t, StoreError> {
                    let $r = self;
                    read(
                        Cell { table: $table, row: &$key, column: stringify!($column) },
                        &self.$column,
                    )
                })*
            }
        };
    }

    /// A JSON column's value, read as `T`.
    macro_rules! json_columns {
        ($row:ty, $table:literal, |$r:ident| $key:expr, { $($column:ident),* $(,)? }) => {
            impl $row {
                $(pub fn $column<T: DeserializeOwned>(&self) -> Result<T, StoreError> {
                    let $r = self;
                    read_json(
                        Cell { table: $table, row: &$key, column: stringify!($column) },
                        &self.$column,
                    )
                })*
            }
        };
    }

    typed_columns!(SpecimenRow, "specimens", |r| r.specimen_id, {
        status: SpecimenStatus,
        specimen_type: SpecimenType,
        test_method: TestMethod,
    });
    json_columns!(SpecimenRow, "specimens", |r| r.specimen_id, { flags, warnings, ppe });
    typed_columns!(PackageRow, "packages", |r| r.package_id, {
        status: PackageStatus,
        carrier: Carrier,
    });
    typed_columns!(PackageSpecimenRow, "package_specimens", |r| r.id.to_string(), {
        status_before: SpecimenStatus,
    });
    typed_columns!(UserRow, "users", |r| r.id.to_string(), { role: Role });
    typed_columns!(PatientRow, "patients", |r| r.id.to_string(), { sex: Sex });
    typed_columns!(PatientVersionRow, "patient_versions", |r| r.id.to_string(), { sex: Sex });
    typed_columns!(LocationRow, "locations", |r| r.code, { storage_class: StorageClass });
    typed_columns!(StorageEventRow, "storage_events", |r| r.id.to_string(), {
        storage_class: StorageClass,
    });
    json_columns!(StorageEventRow, "storage_events", |r| r.id.to_string(), {
        warnings
    });
    typed_columns!(ResultRow, "results", |r| r.id.to_string(), {
        result: TestResult,
        method: TestMethod,
        status: ResultStatus,
    });
    typed_columns!(ChecklistEventRow, "checklist_events", |r| r.id.to_string(), {
        item: ChecklistItem,
    });
    typed_columns!(KitRow, "kits", |r| r.gtin, {
        specimen_type: SpecimenType,
        swab_material: SwabMaterial,
    });

    impl PackageRow {
        /// The overrides given at dispatch (`None` before dispatch).
        pub fn dispatch_overrides<T: DeserializeOwned>(&self) -> Result<Option<T>, StoreError> {
            let cell = Cell {
                table: "packages",
                row: &self.package_id,
                column: "dispatch_overrides",
            };
            self.dispatch_overrides
                .as_deref()
                .map(|text| read_json(cell, text))
                .transpose()
        }
    }

    impl ScanRow {
        /// What became of the scan (`None` while it waits).
        pub fn outcome<T: DeserializeOwned>(&self) -> Result<Option<T>, StoreError> {
            let row = self.id.to_string();
            let cell = Cell {
                table: "scans",
                row: &row,
                column: "outcome",
            };
            self.outcome
                .as_deref()
                .map(|text| read_json(cell, text))
                .transpose()
        }
    }
}
