//! Row changes for the audit chain: every change kentai makes to a covered
//! table leaves a `row_changes` row with the row's state before and after,
//! which the audit entry of the same transaction claims and seals.
//!
//! PostgreSQL captures with persistent triggers (migration 000010). SQLite
//! captures with TEMP triggers that kentai creates on its own connections
//! from the tables' columns as they are, so a column added by a later
//! migration is covered without anyone listing it, and a change made by
//! another program (the sqlite3 shell) leaves no change row: the replay
//! in `audit::check` then finds the table differing from the chain.
//!
//! The same JSON rendering (`json_object` over `PRAGMA table_info` on
//! SQLite, `to_jsonb` on PostgreSQL) serves the triggers and the
//! comparison, so an untouched row reads back byte for byte as the chain
//! holds it.

use super::DbConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use std::cell::Cell;

/// The tables whose rows the chain covers, with their key column. The
/// scan journal, sessions and the audit tables themselves are left out:
/// the journal and sessions are working state, and the audit tables are
/// the chain.
pub const COVERED: [(&str, &str); 14] = [
    ("users", "id"),
    ("user_facilities", "id"),
    ("patients", "id"),
    ("patient_versions", "id"),
    ("specimens", "specimen_id"),
    ("locations", "code"),
    ("storage_events", "id"),
    ("results", "id"),
    ("result_imports", "import_id"),
    ("packages", "package_id"),
    ("package_specimens", "id"),
    ("checklist_events", "id"),
    ("consultations", "id"),
    ("kits", "gtin"),
];

thread_local! {
    /// While a write runs on this thread with capture on: the change rows
    /// it may claim are those above this id (SQLite: rows committed
    /// before the write's transaction began are not its own). `None`:
    /// capture is off (a database from before the row-changes migration).
    static CLAIM_ABOVE: Cell<Option<i64>> = const { Cell::new(None) };
}

/// Marks the current thread's write as capturing, until dropped.
pub(super) struct ClaimScope {
    previous: Option<i64>,
}

impl ClaimScope {
    pub(super) fn enter(above: Option<i64>) -> ClaimScope {
        let previous = CLAIM_ABOVE.with(|c| c.replace(above));
        ClaimScope { previous }
    }
}

impl Drop for ClaimScope {
    fn drop(&mut self) {
        CLAIM_ABOVE.with(|c| c.set(self.previous));
    }
}

/// The id above which the running write's change rows start, if capture
/// is on.
pub fn claim_above() -> Option<i64> {
    CLAIM_ABOVE.with(|c| c.get())
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// True when the database has the `row_changes` table.
pub fn has_row_changes(conn: &mut DbConnection) -> QueryResult<bool> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'row_changes'"
        }
        DbConnection::Pg(_) => {
            "SELECT COUNT(*)::BIGINT AS n FROM information_schema.tables \
             WHERE table_name = 'row_changes' AND table_schema = current_schema()"
        }
    };
    let n: Number = diesel::sql_query(sql).get_result(conn)?;
    Ok(n.n > 0)
}

/// The columns of `table` in their order (empty when it does not exist).
pub fn columns(conn: &mut DbConnection, table: &str) -> QueryResult<Vec<String>> {
    let rows: Vec<Name> = match conn {
        DbConnection::Sqlite(_) => diesel::sql_query(format!(
            "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
        ))
        .load(conn)?,
        DbConnection::Pg(_) => diesel::sql_query(
            "SELECT column_name::TEXT AS name FROM information_schema.columns \
             WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position",
        )
        .bind::<Text, _>(table)
        .load(conn)?,
    };
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// SQLite's JSON of a row of `columns`, its values taken from `prefix`
/// (`NEW.`, `OLD.` or nothing for the table itself).
fn sqlite_json(columns: &[String], prefix: &str) -> String {
    let pairs: Vec<String> = columns
        .iter()
        .map(|c| format!("'{c}', {prefix}\"{c}\""))
        .collect();
    format!("json_object({})", pairs.join(", "))
}

/// The query that reads every row of `table` as (row_key, state), the way
/// the capture renders it.
pub fn render_query(
    conn: &mut DbConnection,
    table: &str,
    key: &str,
) -> QueryResult<Option<String>> {
    match conn {
        DbConnection::Sqlite(_) => {
            let columns = columns(conn, table)?;
            if columns.is_empty() {
                return Ok(None);
            }
            Ok(Some(format!(
                "SELECT CAST(\"{key}\" AS TEXT) AS row_key, {} AS state FROM \"{table}\"",
                sqlite_json(&columns, "")
            )))
        }
        DbConnection::Pg(_) => Ok(Some(format!(
            "SELECT (to_jsonb(t) ->> '{key}') AS row_key, to_jsonb(t)::TEXT AS state FROM \"{table}\" t"
        ))),
    }
}

/// Makes sure this SQLite connection's capture triggers match the schema
/// generation `generation`, and returns the id above which the coming
/// write's change rows start (`None`: no `row_changes` table, capture off).
/// Runs at the start of each write transaction: one query when nothing
/// changed.
pub fn prepare_sqlite(conn: &mut DbConnection, generation: i64) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Installed {
        #[diesel(sql_type = BigInt)]
        generation: i64,
        #[diesel(sql_type = BigInt)]
        active: i64,
    }
    let installed: Installed = diesel::sql_query(
        "SELECT COALESCE((SELECT gen FROM temp.kentai_capture), -1) AS generation, \
         COALESCE((SELECT active FROM temp.kentai_capture), 0) AS active",
    )
    .get_result(conn)?;
    let active = if installed.generation == generation {
        installed.active != 0
    } else {
        install_sqlite(conn, generation)?
    };
    if !active {
        return Ok(None);
    }
    let above: Number = diesel::sql_query("SELECT COALESCE(MAX(id), 0) AS n FROM main.row_changes")
        .get_result(conn)?;
    Ok(Some(above.n))
}

/// The scratch table that tells which generation of triggers a SQLite
/// connection has (created with the connection, filled by the install).
pub const SQLITE_CONNECTION_SETUP: &str =
    "CREATE TEMP TABLE IF NOT EXISTS kentai_capture (gen BIGINT NOT NULL, active BIGINT NOT NULL);";

fn install_sqlite(conn: &mut DbConnection, generation: i64) -> QueryResult<bool> {
    let old: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE 'kentai_capture_%'",
    )
    .load(conn)?;
    for t in old {
        diesel::sql_query(format!("DROP TRIGGER temp.\"{}\"", t.name)).execute(conn)?;
    }
    let active = has_row_changes(conn)?;
    if active {
        for (table, key) in COVERED {
            let columns = columns(conn, table)?;
            if columns.is_empty() {
                continue;
            }
            let (old, new) = (sqlite_json(&columns, "OLD."), sqlite_json(&columns, "NEW."));
            let k = format!("\"{key}\"");
            let insert = "INSERT INTO row_changes (tbl, row_key, op, before, after)";
            diesel::sql_query(format!(
                "CREATE TEMP TRIGGER kentai_capture_{table}_insert AFTER INSERT ON main.\"{table}\" BEGIN \
                 {insert} VALUES ('{table}', CAST(NEW.{k} AS TEXT), 'insert', NULL, {new}); END"
            ))
            .execute(conn)?;
            // An update that changes nothing is no change of state.
            let changed: Vec<String> = columns
                .iter()
                .map(|c| format!("OLD.\"{c}\" IS NOT NEW.\"{c}\""))
                .collect();
            let changed = changed.join(" OR ");
            diesel::sql_query(format!(
                "CREATE TEMP TRIGGER kentai_capture_{table}_update AFTER UPDATE ON main.\"{table}\" \
                 WHEN {changed} BEGIN \
                 {insert} SELECT '{table}', CAST(NEW.{k} AS TEXT), 'update', {old}, {new} WHERE OLD.{k} IS NEW.{k}; \
                 {insert} SELECT '{table}', CAST(OLD.{k} AS TEXT), 'delete', {old}, NULL WHERE OLD.{k} IS NOT NEW.{k}; \
                 {insert} SELECT '{table}', CAST(NEW.{k} AS TEXT), 'insert', NULL, {new} WHERE OLD.{k} IS NOT NEW.{k}; END"
            ))
            .execute(conn)?;
            diesel::sql_query(format!(
                "CREATE TEMP TRIGGER kentai_capture_{table}_delete AFTER DELETE ON main.\"{table}\" BEGIN \
                 {insert} VALUES ('{table}', CAST(OLD.{k} AS TEXT), 'delete', {old}, NULL); END"
            ))
            .execute(conn)?;
        }
    }
    diesel::sql_query("DELETE FROM temp.kentai_capture").execute(conn)?;
    diesel::sql_query(format!(
        "INSERT INTO temp.kentai_capture (gen, active) VALUES ({generation}, {})",
        i64::from(active)
    ))
    .execute(conn)?;
    Ok(active)
}
