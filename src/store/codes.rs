//! The domain's closed sets (`domain::Coded`) as database values, and the
//! one way a stored code or JSON cell is read back.
//!
//! A column keeps its code as text on both backends; [`Code`] lets a query
//! filter and write with the enum itself (`specimens::status.eq(Code(
//! SpecimenStatus::Stored))`), so no status is spelled twice. Reading is
//! strict: a value no code knows is damage to report, never a default to
//! carry on with, and the error names the table, the row and the value.

use super::StoreError;
use crate::domain::lifecycle::Coded;
use diesel::backend::Backend;
use diesel::deserialize::Queryable;
use diesel::deserialize::{self, FromSql};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, Text};
use std::fmt;

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

/// A code as the database holds it: `Code(SpecimenStatus::Stored)` binds
/// as the code's text in a query or an insert, and a column read as
/// `Code<T>` parses strictly (a value no code knows is an error, never a
/// default). The domain's enums are the domain crate's own, so the diesel
/// impls live on this wrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code<T>(pub T);

impl<T: Coded, DB: Backend> FromSql<Text, DB> for Code<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: <DB as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        parse(&<String as FromSql<Text, DB>>::from_sql(bytes)?).map(Code)
    }
}

impl<T: Coded + fmt::Debug, DB: Backend> ToSql<Text, DB> for Code<T>
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <str as ToSql<Text, DB>>::to_sql(self.0.code(), out)
    }
}

impl<T: Coded + fmt::Debug, DB: Backend> ToSql<Nullable<Text>, DB> for Code<T>
where
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <str as ToSql<Text, DB>>::to_sql(self.0.code(), out)
    }
}

impl<T: Coded, DB: Backend> Queryable<Text, DB> for Code<T>
where
    Code<T>: FromSql<Text, DB>,
{
    type Row = Self;

    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

/// `AsExpression` for the code and a reference to it, in a text column
/// and in a nullable one.
macro_rules! binds_as {
    ($($st:ty),*) => {$(
        impl<T: Coded> AsExpression<$st> for Code<T> {
            type Expression = Bound<$st, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'e, T: Coded> AsExpression<$st> for &'e Code<T> {
            type Expression = Bound<$st, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
    )*};
}

binds_as!(Text, Nullable<Text>);

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
    /// Migrations that redefine a column's codes, oldest first (after
    /// the one that defined them all).
    const SQLITE_LATER: [&str; 1] = [include_str!(
        "../../migrations/sqlite/2026-12-08-000015_operators/up.sql"
    )];
    const POSTGRES_LATER: [&str; 1] = [include_str!(
        "../../migrations/postgres/2026-12-08-000015_operators/up.sql"
    )];

    /// The migration that defines `prefix` last, with the definitions
    /// the migrations leave in place.
    fn last_definition<'a>(first: &'a str, later: &[&'a str], prefix: &str) -> &'a str {
        later
            .iter()
            .rev()
            .find(|up| up.contains(prefix))
            .copied()
            .unwrap_or(first)
    }

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
            let head = format!("ALTER TABLE {table} ADD CONSTRAINT {table}_{column}_known\n");
            let check = format!("{head}    CHECK ({column} IN ({list}));");
            let up = last_definition(POSTGRES_UP, &POSTGRES_LATER, &head);
            assert!(up.contains(&check), "PostgreSQL lacks {check}");
            let head = format!("SELECT RAISE(ABORT, '{table}.{column}: not a known {what}')\n");
            let trigger = format!("{head}        WHERE NEW.{column} NOT IN ({list});");
            let up = last_definition(SQLITE_UP, &SQLITE_LATER, &head);
            // Once in the insert trigger, once in the update trigger.
            assert_eq!(up.matches(&trigger).count(), 2, "SQLite lacks {trigger}");
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
