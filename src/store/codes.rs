//! The domain's closed sets (`domain::Coded`) as database values, and the
//! one way a stored code or JSON cell is read back.
//!
//! A column keeps its code as text on both backends; these impls let a
//! query filter and write with the enum itself (`specimens::status.eq(
//! SpecimenStatus::Stored)`), so no status is spelled twice. Reading is
//! strict: a value no code knows is damage to report, never a default to
//! carry on with, and the error names the table, the row and the value.

use super::{MultiBackend, StoreError};
use crate::domain::lifecycle::Coded;
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use std::io::Write;

/// A code read from the database that names no value of its set.
#[derive(Debug, thiserror::Error)]
#[error("{value:?} is not a {what}")]
pub struct UnknownCode {
    pub what: &'static str,
    pub value: String,
}

fn parse<T: Coded>(text: &str) -> deserialize::Result<T> {
    T::from_code(text).ok_or_else(|| {
        Box::new(UnknownCode {
            what: T::WHAT,
            value: text.to_string(),
        })
        .into()
    })
}

/// Where a stored value lives, for the error that says it cannot be read.
#[derive(Debug, Clone, Copy)]
pub struct Cell<'a> {
    pub table: &'static str,
    pub row: &'a str,
    pub column: &'static str,
}

/// The most of a stored code an error repeats: codes are short, and a
/// long value is not a code gone wrong but something else written there.
const SHOWN_CHARS: usize = 40;

/// The value of a code kept in `cell`; an unknown code is an error naming
/// the row and the value.
pub fn read<T: Coded>(cell: Cell<'_>, value: &str) -> Result<T, StoreError> {
    T::from_code(value).ok_or_else(|| {
        let shown: String = value.chars().take(SHOWN_CHARS).collect();
        let cut = if shown.len() < value.len() { "…" } else { "" };
        StoreError::Corrupt(format!(
            "{} row {:?}, column {}: {shown:?}{cut} is not a {}",
            cell.table,
            cell.row,
            cell.column,
            T::WHAT
        ))
    })
}

/// The value of a JSON cell; text that does not read as a `T` is an error
/// naming the row, not an empty value. The cell's text stays out of the
/// error (and so out of the log): JSON cells hold names and free text.
pub fn read_json<T: serde::de::DeserializeOwned>(
    cell: Cell<'_>,
    value: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(value).map_err(|e| {
        StoreError::Corrupt(format!(
            "{} row {:?}, column {}: {} characters that do not read here ({:?} error at line {} column {})",
            cell.table,
            cell.row,
            cell.column,
            value.chars().count(),
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

/// `FromSql`/`ToSql` for `Text` on both backends and on the connection
/// that picks between them, and `AsExpression` so the value binds in
/// queries.
macro_rules! stored_as_text {
    ($($t:ty),* $(,)?) => {$(
        impl FromSql<Text, Sqlite> for $t {
            fn from_sql(bytes: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Sqlite>>::from_sql(bytes)?;
                parse(&text)
            }
        }

        impl FromSql<Text, Pg> for $t {
            fn from_sql(bytes: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                parse(&text)
            }
        }

        impl FromSql<Text, MultiBackend> for $t {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<$t, Text>()
            }
        }

        impl ToSql<Text, Sqlite> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(Coded::code(*self));
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, Pg> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(Coded::code(*self).as_bytes())?;
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, MultiBackend> for $t {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }

        impl<DB: Backend> ToSql<diesel::sql_types::Nullable<Text>, DB> for $t
        where
            $t: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                ToSql::<Text, DB>::to_sql(self, out)
            }
        }

        impl<DB: Backend, ST: diesel::sql_types::SingleValue> diesel::deserialize::Queryable<ST, DB> for $t
        where
            $t: FromSql<ST, DB>,
        {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        stored_as_text!(@expr $t, Text);
        stored_as_text!(@expr $t, diesel::sql_types::Nullable<Text>);
    )*};
    (@expr $t:ty, $st:ty) => {
        impl diesel::expression::AsExpression<$st> for $t {
            type Expression = diesel::internal::derives::as_expression::Bound<$st, Self>;

            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }

        impl<'e> diesel::expression::AsExpression<$st> for &'e $t {
            type Expression = diesel::internal::derives::as_expression::Bound<$st, Self>;

            fn as_expression(self) -> Self::Expression {
                diesel::internal::derives::as_expression::Bound::new(self)
            }
        }
    };
}

stored_as_text!(
    crate::domain::SpecimenStatus,
    crate::domain::PackageStatus,
    crate::domain::OutcomeKind,
    crate::domain::roles::Role,
    crate::domain::SpecimenType,
    crate::domain::results::TestMethod,
    crate::domain::results::TestResult,
    crate::domain::results::ResultStatus,
    crate::domain::StorageClass,
    crate::domain::patient::Sex,
    crate::domain::packaging::Carrier,
    crate::domain::kits::SwabMaterial,
    crate::domain::packaging::ChecklistItem,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SpecimenStatus;

    const CELL: Cell<'static> = Cell {
        table: "specimens",
        row: "S-1",
        column: "status",
    };

    #[test]
    fn an_unknown_code_names_the_table_the_row_the_column_and_the_value() {
        let e = read::<SpecimenStatus>(CELL, "frozen")
            .unwrap_err()
            .to_string();
        for part in [
            "specimens",
            "\"S-1\"",
            "status",
            "\"frozen\"",
            "specimen status",
        ] {
            assert!(e.contains(part), "{part} missing from {e}");
        }
    }

    #[test]
    fn a_damaged_json_cell_is_an_error_naming_the_row_not_an_empty_value() {
        let cell = Cell {
            column: "flags",
            ..CELL
        };
        let e = read_json::<Vec<String>>(cell, "[\"山田 override")
            .unwrap_err()
            .to_string();
        assert!(e.contains("specimens row \"S-1\", column flags"), "{e}");
        assert!(!e.contains("山田"), "the cell's text is kept out: {e}");
        assert_eq!(
            read_json::<Vec<String>>(cell, "[\"a\"]").ok(),
            Some(vec!["a".to_string()])
        );
    }

    const SQLITE_UP: &str =
        include_str!("../../migrations/sqlite/2026-12-07-000011_known_codes/up.sql");
    const POSTGRES_UP: &str =
        include_str!("../../migrations/postgres/2026-12-07-000011_known_codes/up.sql");

    /// A column's known codes as the migrations list them.
    fn listed<T: Coded>() -> (&'static str, String) {
        let list = T::codes()
            .iter()
            .map(|c| format!("'{c}'"))
            .collect::<Vec<_>>()
            .join(", ");
        (T::WHAT, list)
    }

    #[test]
    fn the_schema_accepts_exactly_the_codes_the_domain_knows() {
        use crate::domain::kits::SwabMaterial;
        use crate::domain::packaging::{Carrier, ChecklistItem};
        use crate::domain::patient::Sex;
        use crate::domain::results::{ResultStatus, TestMethod, TestResult};
        use crate::domain::roles::Role;
        use crate::domain::{OutcomeKind, PackageStatus, SpecimenType, StorageClass};
        let receipt = (
            "receipt",
            [SpecimenStatus::Received, SpecimenStatus::Missing]
                .map(|s| format!("'{s}'"))
                .join(", "),
        );
        let columns = [
            ("users", "role", listed::<Role>()),
            ("patients", "sex", listed::<Sex>()),
            ("patient_versions", "sex", listed::<Sex>()),
            ("specimens", "status", listed::<SpecimenStatus>()),
            ("specimens", "specimen_type", listed::<SpecimenType>()),
            ("specimens", "test_method", listed::<TestMethod>()),
            ("locations", "storage_class", listed::<StorageClass>()),
            ("storage_events", "storage_class", listed::<StorageClass>()),
            ("results", "status", listed::<ResultStatus>()),
            ("results", "result", listed::<TestResult>()),
            ("results", "method", listed::<TestMethod>()),
            ("packages", "status", listed::<PackageStatus>()),
            ("packages", "carrier", listed::<Carrier>()),
            (
                "package_specimens",
                "status_before",
                listed::<SpecimenStatus>(),
            ),
            ("package_specimens", "receipt", receipt),
            ("kits", "specimen_type", listed::<SpecimenType>()),
            ("kits", "swab_material", listed::<SwabMaterial>()),
            ("checklist_events", "item", listed::<ChecklistItem>()),
            ("scans", "kind", listed::<OutcomeKind>()),
        ];
        for (table, column, (what, list)) in &columns {
            let check = format!(
                "ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_known\n    CHECK ({column} IN ({list}));"
            );
            assert!(POSTGRES_UP.contains(&check), "PostgreSQL lacks {check}");
            let trigger = format!(
                "SELECT RAISE(ABORT, '{table}.{column}: not a known {what}')\n        WHERE NEW.{column} NOT IN ({list});"
            );
            // Once in the insert trigger, once in the update trigger.
            assert_eq!(
                SQLITE_UP.matches(&trigger).count(),
                2,
                "SQLite lacks {trigger}"
            );
        }
        assert_eq!(POSTGRES_UP.matches("ADD CONSTRAINT").count(), columns.len());
        assert_eq!(SQLITE_UP.matches("RAISE(ABORT").count(), 2 * columns.len());
    }

    #[test]
    fn a_known_code_reads_as_its_value() {
        assert_eq!(
            read::<SpecimenStatus>(CELL, "packed").ok(),
            Some(SpecimenStatus::Packed)
        );
    }
}
