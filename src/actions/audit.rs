//! The audit log: who did what, when, with the state before and after.
//!
//! Every action that writes calls `record` inside its own transaction, so
//! the log and the change commit or vanish together.
//!
//! The log is a hash chain: each row stores the previous row's hash and
//! its own, SHA-256 over that and the row's fields, and `audit_head`
//! stores the newest row's id and hash and the row count. `verify` walks
//! the chain and names the first row that does not fit: an edited row
//! fails its own hash, a deleted or reordered one breaks the next row's
//! link, and rows cut from the end no longer reach the head. The database
//! also refuses to change or delete a sealed row (triggers), so only
//! someone going around kentai can tamper, and then `verify` says where.
//!
//! The chain also covers the records: each entry claims the row changes
//! its transaction made to the covered tables (`store::capture`) and seals
//! a digest of them, and `check` replays the claimed changes and compares
//! the outcome with the tables, so an edited result, a promoted user or a
//! deleted specimen is named by table, key and field. A head written down
//! elsewhere (`--expect COUNT:HASH`) catches a rewrite of the whole chain.

use super::{ActionError, Actor};
use crate::store::capture::{self, COVERED};
use crate::store::models::AuditRow;
use crate::store::schema::{audit_head, audit_log, row_changes};
use crate::store::{DbConnection, Store, StoreError};
use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Rows read per query while verifying (bounded memory on any log size).
const VERIFY_BATCH: i64 = 5000;

/// The newest row of the chain, as `audit_head` holds it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Head {
    pub last_id: i64,
    pub last_hash: String,
    pub row_count: i64,
}

/// The hash of a row: SHA-256 (hex) over the previous row's hash and the
/// row's fields, as one JSON array so no field can bleed into the next.
/// The digest of the claimed row changes joins the fields when there is
/// one (entries without changes hash as they always have).
pub fn row_hash(prev_hash: &str, row: &AuditRow) -> String {
    let fields = (
        prev_hash,
        row.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        row.user_ref,
        &row.user_name,
        &row.role,
        &row.action,
        &row.entity,
        &row.entity_id,
        &row.before,
        &row.after,
    );
    // Serialising strings, numbers and options cannot fail.
    // Rows from before stations were recorded hash as they always did.
    let bytes = match (&row.station, row.changes.is_empty()) {
        (None, true) => serde_json::to_vec(&fields),
        (None, false) => serde_json::to_vec(&(fields, &row.changes)),
        (Some(station), _) => serde_json::to_vec(&(fields, &row.changes, station)),
    }
    .unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

/// Reads the head, locking it until the transaction ends (PostgreSQL:
/// concurrent writers append one after another; SQLite's writers are
/// already one at a time).
fn lock_head(conn: &mut DbConnection) -> Result<Head, diesel::result::Error> {
    let columns = (
        audit_head::last_id,
        audit_head::last_hash,
        audit_head::row_count,
    );
    match conn {
        DbConnection::Pg(c) => audit_head::table
            .find(1)
            .select(columns)
            .for_update()
            .first(c),
        DbConnection::Sqlite(c) => audit_head::table.find(1).select(columns).first(c),
    }
}

fn read_head(conn: &mut DbConnection) -> Result<Head, diesel::result::Error> {
    audit_head::table
        .find(1)
        .select((
            audit_head::last_id,
            audit_head::last_hash,
            audit_head::row_count,
        ))
        .first(conn)
}

/// The chain's newest row, as the head holds it.
pub fn head(store: &Store) -> Result<Head, StoreError> {
    store.read(|c| read_head(c).map_err(StoreError::from))
}

fn move_head(conn: &mut DbConnection, head: &Head) -> Result<(), diesel::result::Error> {
    diesel::update(audit_head::table.find(1))
        .set((
            audit_head::last_id.eq(head.last_id),
            audit_head::last_hash.eq(&head.last_hash),
            audit_head::row_count.eq(head.row_count),
        ))
        .execute(conn)?;
    Ok(())
}

/// Appends one entry to the chain (inside the caller's transaction).
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    (entity, entity_id): (&str, &str),
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), ActionError> {
    let head = lock_head(conn)?;
    let mut row = AuditRow {
        id: 0,
        // PostgreSQL keeps microseconds: hash what will be read back.
        at: at.naive_utc().trunc_subsecs(6),
        user_ref: actor.id,
        user_name: actor.name.clone(),
        role: actor.role.code().to_string(),
        action: action.to_string(),
        entity: entity.to_string(),
        entity_id: entity_id.to_string(),
        before: before.map(super::to_json),
        after: after.map(super::to_json),
        prev_hash: head.last_hash,
        hash: String::new(),
        changes: String::new(),
        station: actor.station.clone(),
    };
    let claimed = unclaimed_changes(conn)?;
    row.changes = changes_digest(&claimed);
    row.hash = row_hash(&row.prev_hash, &row);
    // The insert trigger (migration 000006) moves the head to this row.
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(conn)?;
    if let (Some(first), Some(last)) = (claimed.first(), claimed.last()) {
        let id = read_head(conn)?.last_id;
        let own = own_changes(conn);
        diesel::sql_query(format!(
            "UPDATE row_changes SET audit_id = {id} WHERE audit_id IS NULL \
             AND id >= {} AND id <= {}{own}",
            first.id, last.id
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// One captured change of a covered row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName)]
pub struct Change {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub tbl: String,
    #[diesel(sql_type = Text)]
    pub row_key: String,
    /// `insert`, `update` or `delete`.
    #[diesel(sql_type = Text)]
    pub op: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub before: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub after: Option<String>,
}

const CHANGE_COLUMNS: &str = "id, tbl, row_key, op, before, after";

/// The condition that keeps a claim to the running transaction's own
/// change rows: its transaction id on PostgreSQL, the batch's id range on
/// SQLite (see `capture::claim_above`).
fn own_changes(conn: &DbConnection) -> &'static str {
    match conn {
        DbConnection::Pg(_) => " AND txid = txid_current()",
        DbConnection::Sqlite(_) => "",
    }
}

/// The change rows the running write made that no entry claims yet.
fn unclaimed_changes(conn: &mut DbConnection) -> Result<Vec<Change>, diesel::result::Error> {
    let Some(above) = capture::claim_above() else {
        return Ok(Vec::new());
    };
    match conn {
        // Every audit entry asks this, so it is written with the query
        // builder: its statement is prepared once per connection.
        DbConnection::Sqlite(c) => row_changes::table
            .filter(row_changes::audit_id.is_null())
            .filter(row_changes::id.gt(above))
            .order(row_changes::id)
            .select((
                row_changes::id,
                row_changes::tbl,
                row_changes::row_key,
                row_changes::op,
                row_changes::before,
                row_changes::after,
            ))
            .load(c),
        DbConnection::Pg(_) => {
            let own = own_changes(conn);
            diesel::sql_query(format!(
                "SELECT {CHANGE_COLUMNS} FROM row_changes WHERE audit_id IS NULL AND id > {above}{own} ORDER BY id"
            ))
            .load(conn)
        }
    }
}

/// SHA-256 (hex) over the changes in order; empty for none.
pub fn changes_digest(changes: &[Change]) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let mut hasher = Sha256::new();
    for c in changes {
        let fields = (c.id, &c.tbl, &c.row_key, &c.op, &c.before, &c.after);
        hasher.update(serde_json::to_vec(&fields).unwrap_or_default());
    }
    hex::encode(hasher.finalize())
}

/// Links rows written before the chain existed (an upgraded database)
/// into it, in id order. Returns how many were sealed; 0 on every later
/// start.
pub fn seal(store: &Store) -> Result<usize, StoreError> {
    store.write(|c| {
        let mut head = lock_head(c)?;
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::hash.eq(""))
            .order(audit_log::id.asc())
            .select(AuditRow::as_select())
            .load(c)?;
        for mut row in rows.iter().cloned() {
            row.prev_hash = head.last_hash.clone();
            row.hash = row_hash(&row.prev_hash, &row);
            diesel::update(audit_log::table.find(row.id))
                .set((
                    audit_log::prev_hash.eq(&row.prev_hash),
                    audit_log::hash.eq(&row.hash),
                ))
                .execute(c)?;
            head = Head {
                last_id: row.id,
                last_hash: row.hash,
                row_count: head.row_count + 1,
            };
        }
        if !rows.is_empty() {
            move_head(c, &head)?;
        }
        Ok(rows.len())
    })
}

/// Where the chain stops being what was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("row {id} was changed after it was written (its hash does not match its contents)")]
    Edited { id: i64 },
    #[error("row {id} does not follow the row before it (a row before it was removed, inserted or reordered)")]
    Unlinked { id: i64 },
    #[error("the chain ends at row {found_last} with {found_rows} rows, but the head says row {head_last} with {head_rows} rows (rows were removed from the end)")]
    Truncated {
        found_last: i64,
        found_rows: i64,
        head_last: i64,
        head_rows: i64,
    },
    /// A row without a hash: written around kentai, never part of the chain.
    #[error("row {id} has no hash (it was inserted around kentai)")]
    Unsealed { id: i64 },
    /// The row changes an entry claims are not those it sealed.
    #[error("the record changes of row {id} were altered after it was written")]
    ChangesAltered { id: i64 },
    /// The head written down elsewhere is not in the chain: the chain was
    /// cut back or rewritten since.
    #[error(
        "the chain's row {count} does not have the hash written down (the chain was rewritten)"
    )]
    Rewritten { count: i64, found_rows: i64 },
}

impl ChainBreak {
    /// The first row that does not fit, for the message and the exit.
    pub fn row(&self) -> i64 {
        match self {
            ChainBreak::Edited { id }
            | ChainBreak::Unlinked { id }
            | ChainBreak::Unsealed { id }
            | ChainBreak::ChangesAltered { id } => *id,
            ChainBreak::Truncated { found_last, .. } => *found_last,
            ChainBreak::Rewritten { count, .. } => *count,
        }
    }

    /// The word scripts match on, the same in every language.
    pub fn kind(&self) -> &'static str {
        match self {
            ChainBreak::Edited { .. } => "edited",
            ChainBreak::Unlinked { .. } => "unlinked",
            ChainBreak::Truncated { .. } => "truncated",
            ChainBreak::Unsealed { .. } => "unsealed",
            ChainBreak::ChangesAltered { .. } => "changes",
            ChainBreak::Rewritten { .. } => "rewritten",
        }
    }
}

/// A chain that verified: how long, and its newest hash (worth writing
/// down: a later verify that ends elsewhere proves the log was rewritten).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub rows: i64,
    pub last_id: i64,
    pub last_hash: String,
}

/// A head written down earlier: the chain's row number `count` (1-based)
/// must still carry `hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub count: i64,
    pub hash: String,
}

impl std::str::FromStr for Expected {
    type Err = String;

    /// `COUNT:HASH`, as `audit verify` and the day summary print them.
    fn from_str(text: &str) -> Result<Expected, String> {
        let (count, hash) = text
            .split_once(':')
            .ok_or_else(|| "expected COUNT:HASH".to_string())?;
        let count: i64 = count
            .trim()
            .parse()
            .map_err(|_| "COUNT must be a whole number".to_string())?;
        let hash = hash.trim().to_ascii_lowercase();
        if count < 1 || hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err("expected COUNT:HASH with COUNT ≥ 1 and a 64-digit hex HASH".into());
        }
        Ok(Expected { count, hash })
    }
}

/// A way the records differ from what the chain says, or a guard missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The row is not as the chain's last change left it.
    Changed {
        table: String,
        key: String,
        fields: Vec<String>,
    },
    /// The chain has the row; the table does not.
    Deleted { table: String, key: String },
    /// The table has a row the chain never saw.
    Inserted { table: String, key: String },
    /// A captured change no entry claims: written around kentai.
    Unclaimed {
        table: String,
        key: String,
        op: String,
    },
    /// A trigger that guards the chain is gone or disabled.
    TriggerMissing { name: String },
    /// The records were never snapshotted into the chain.
    NoBaseline,
}

/// Everything `check` found: the chain walk's outcome and, when the chain
/// holds, how the records compare with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub chain: Result<Verified, ChainBreak>,
    pub findings: Vec<Finding>,
}

impl Check {
    pub fn is_ok(&self) -> bool {
        self.chain.is_ok() && self.findings.is_empty()
    }
}

/// Findings listed at most (a wholesale rewrite would otherwise print the
/// whole database).
const FINDINGS_SHOWN: usize = 200;

/// What the replay saw for one row differs from the table.
#[derive(Debug, Clone)]
struct Diff {
    table: &'static str,
    key: String,
    /// The row as the chain has it (`None`: the chain has no such row).
    chain: Option<String>,
    /// The row as the table has it (`None`: the table has no such row).
    current: Option<String>,
}

/// Walks the whole chain up to the head as it is now (rows appended
/// meanwhile are left for the next run).
pub fn verify(store: &Store) -> Result<Result<Verified, ChainBreak>, StoreError> {
    store.read(|c| in_snapshot(c, |c| walk(c, None, None)))
}

/// Walks the chain (checking `expect` on the way), replays the record
/// changes it claims and compares them with the tables, and checks the
/// guarding triggers.
pub fn check(store: &Store, expect: Option<&Expected>) -> Result<Check, StoreError> {
    store.read(|c| {
        in_snapshot(c, |c| {
            let mut findings = missing_triggers(c)?;
            let records = capture::has_row_changes(c)?;
            let mut replay = records.then(HashMap::new);
            let chain = walk(c, expect, replay.as_mut())?;
            if let (Ok(_), Some(replay)) = (&chain, replay) {
                if has_baseline(c)? {
                    let diffs = compare(c, replay, FINDINGS_SHOWN)?;
                    findings.extend(diffs.iter().map(finding));
                    findings.extend(unclaimed(c)?);
                } else {
                    findings.push(Finding::NoBaseline);
                }
            }
            Ok(Check { chain, findings })
        })
    })
}

/// Runs `f` inside one read transaction, so the chain and the tables are
/// read as of one moment while the server keeps writing.
fn in_snapshot<T>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    use diesel::connection::SimpleConnection;
    let begin = match conn {
        DbConnection::Pg(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        DbConnection::Sqlite(_) => "BEGIN",
    };
    conn.batch_execute(begin)?;
    let result = f(conn);
    conn.batch_execute("ROLLBACK")?;
    result
}

type Replay = HashMap<(&'static str, String), [u8; 32]>;

fn covered(table: &str) -> Option<&'static str> {
    COVERED.iter().map(|(t, _)| *t).find(|t| *t == table)
}

fn state_digest(state: &str) -> [u8; 32] {
    Sha256::digest(state.as_bytes()).into()
}

fn apply(replay: &mut Replay, change: &Change) {
    let Some(table) = covered(&change.tbl) else {
        return;
    };
    let key = (table, change.row_key.clone());
    match (change.op.as_str(), &change.after) {
        ("delete", _) | (_, None) => {
            replay.remove(&key);
        }
        (_, Some(after)) => {
            replay.insert(key, state_digest(after));
        }
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Whether `audit_log` has its `station` column yet.
fn has_station_column(c: &mut DbConnection) -> Result<bool, diesel::result::Error> {
    let query = match c {
        DbConnection::Sqlite(_) => {
            "SELECT COUNT(*) AS n FROM pragma_table_info('audit_log') WHERE name = 'station'"
        }
        DbConnection::Pg(_) => {
            "SELECT COUNT(*) AS n FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = 'audit_log' AND column_name = 'station'"
        }
    };
    Ok(diesel::sql_query(query).get_result::<Count>(c)?.n > 0)
}

fn walk(
    c: &mut DbConnection,
    expect: Option<&Expected>,
    mut replay: Option<&mut Replay>,
) -> Result<Result<Verified, ChainBreak>, StoreError> {
    let head = read_head(c)?;
    let unsealed: Option<i64> = audit_log::table
        .filter(audit_log::hash.eq(""))
        .select(diesel::dsl::min(audit_log::id))
        .first(c)?;
    if let Some(id) = unsealed {
        return Ok(Err(ChainBreak::Unsealed { id }));
    }
    let mut prev = GENESIS.to_string();
    let mut last_id = 0;
    let mut rows = 0;
    // A chain written before audit rows named their station is walked
    // before the migration that adds the column (the check that decides
    // whether an upgrade is recorded): its rows have none.
    let station = if has_station_column(c)? {
        "station"
    } else {
        "NULL"
    };
    loop {
        let batch: Vec<AuditRow> = audit_log::table
            .filter(audit_log::id.gt(last_id))
            .filter(audit_log::id.le(head.last_id))
            .order(audit_log::id.asc())
            .limit(VERIFY_BATCH)
            .select((
                audit_log::id,
                audit_log::at,
                audit_log::user_ref,
                audit_log::user_name,
                audit_log::role,
                audit_log::action,
                audit_log::entity,
                audit_log::entity_id,
                audit_log::before,
                audit_log::after,
                audit_log::prev_hash,
                audit_log::hash,
                audit_log::changes,
                diesel::dsl::sql::<Nullable<Text>>(station),
            ))
            // Positional, in AuditRow's field order.
            .load::<AuditRow>(c)?;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
            break;
        };
        let changes: Vec<(i64, Change)> = match replay {
            Some(_) => claimed_changes(c, first.id, last.id)?,
            None => Vec::new(),
        };
        let mut changes = changes.into_iter().peekable();
        for row in &batch {
            if row.prev_hash != prev {
                return Ok(Err(ChainBreak::Unlinked { id: row.id }));
            }
            if row_hash(&row.prev_hash, row) != row.hash {
                return Ok(Err(ChainBreak::Edited { id: row.id }));
            }
            if let Some(replay) = replay.as_deref_mut() {
                let mut own = Vec::new();
                while let Some((_, change)) = changes.next_if(|(a, _)| *a == row.id) {
                    own.push(change);
                }
                if changes_digest(&own) != row.changes {
                    return Ok(Err(ChainBreak::ChangesAltered { id: row.id }));
                }
                own.iter().for_each(|change| apply(replay, change));
            }
            prev = row.hash.clone();
            last_id = row.id;
            rows += 1;
            if let Some(e) = expect.filter(|e| e.count == rows) {
                if e.hash != prev {
                    return Ok(Err(ChainBreak::Rewritten {
                        count: e.count,
                        found_rows: rows,
                    }));
                }
            }
        }
        // Claimed by no row of the batch: the claiming row is gone.
        if let Some((audit_id, _)) = changes.next() {
            return Ok(Err(ChainBreak::ChangesAltered { id: audit_id }));
        }
    }
    if last_id != head.last_id || rows != head.row_count || prev != head.last_hash {
        return Ok(Err(ChainBreak::Truncated {
            found_last: last_id,
            found_rows: rows,
            head_last: head.last_id,
            head_rows: head.row_count,
        }));
    }
    if let Some(e) = expect.filter(|e| e.count > rows) {
        return Ok(Err(ChainBreak::Rewritten {
            count: e.count,
            found_rows: rows,
        }));
    }
    Ok(Ok(Verified {
        rows,
        last_id,
        last_hash: prev,
    }))
}

#[derive(QueryableByName)]
struct ClaimedChange {
    #[diesel(sql_type = BigInt)]
    audit_id: i64,
    #[diesel(embed)]
    change: Change,
}

/// The change rows claimed by entries `from..=to`, in chain order.
fn claimed_changes(
    c: &mut DbConnection,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, Change)>, StoreError> {
    let rows: Vec<ClaimedChange> = diesel::sql_query(format!(
        "SELECT audit_id, {CHANGE_COLUMNS} FROM row_changes \
         WHERE audit_id >= {from} AND audit_id <= {to} ORDER BY audit_id, id"
    ))
    .load(c)?;
    Ok(rows.into_iter().map(|r| (r.audit_id, r.change)).collect())
}

#[derive(QueryableByName)]
struct Rendered {
    #[diesel(sql_type = Text)]
    row_key: String,
    #[diesel(sql_type = Text)]
    state: String,
}

/// The rows of the covered tables that differ from the replay, at most
/// `limit` of them.
fn compare(
    c: &mut DbConnection,
    mut replay: Replay,
    limit: usize,
) -> Result<Vec<Diff>, StoreError> {
    let mut diffs = Vec::new();
    for (table, key) in COVERED {
        let Some(query) = capture::render_query(c, table, key)? else {
            continue;
        };
        let rows: Vec<Rendered> = diesel::sql_query(query).load(c)?;
        for row in rows {
            match replay.remove(&(table, row.row_key.clone())) {
                Some(d) if d == state_digest(&row.state) => {}
                Some(_) => {
                    let chain = chain_state(c, table, &row.row_key)?;
                    diffs.push(Diff {
                        table,
                        key: row.row_key,
                        chain,
                        current: Some(row.state),
                    });
                }
                None => diffs.push(Diff {
                    table,
                    key: row.row_key,
                    chain: None,
                    current: Some(row.state),
                }),
            }
            if diffs.len() >= limit {
                return Ok(diffs);
            }
        }
    }
    let mut gone: Vec<_> = replay.into_keys().collect();
    gone.sort();
    for (table, key) in gone.into_iter().take(limit.saturating_sub(diffs.len())) {
        let chain = chain_state(c, table, &key)?;
        diffs.push(Diff {
            table,
            key,
            chain,
            current: None,
        });
    }
    Ok(diffs)
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The row as the chain's last claimed change left it.
fn chain_state(c: &mut DbConnection, table: &str, key: &str) -> Result<Option<String>, StoreError> {
    #[derive(QueryableByName)]
    struct After {
        #[diesel(sql_type = Nullable<Text>)]
        after: Option<String>,
    }
    let last: Option<After> = diesel::sql_query(format!(
        "SELECT after FROM row_changes WHERE tbl = {} AND row_key = {} AND audit_id IS NOT NULL \
         ORDER BY audit_id DESC, id DESC LIMIT 1",
        literal(table),
        literal(key)
    ))
    .get_result(c)
    .optional()?;
    Ok(last.and_then(|a| a.after))
}

/// The top-level fields whose values differ between two JSON objects.
fn changed_fields(chain: &str, current: &str) -> Vec<String> {
    let parse = |t: &str| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(t);
    let (Ok(a), Ok(b)) = (parse(chain), parse(current)) else {
        return vec!["*".into()];
    };
    let mut fields: Vec<String> = a
        .keys()
        .chain(b.keys().filter(|k| !a.contains_key(*k)))
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect();
    fields.dedup();
    fields
}

fn finding(diff: &Diff) -> Finding {
    let (table, key) = (diff.table.to_string(), diff.key.clone());
    match (&diff.chain, &diff.current) {
        (Some(chain), Some(current)) => Finding::Changed {
            table,
            key,
            fields: changed_fields(chain, current),
        },
        (None, Some(_)) => Finding::Inserted { table, key },
        _ => Finding::Deleted { table, key },
    }
}

/// Change rows no entry claims.
fn unclaimed(c: &mut DbConnection) -> Result<Vec<Finding>, StoreError> {
    let rows: Vec<Change> = diesel::sql_query(format!(
        "SELECT {CHANGE_COLUMNS} FROM row_changes WHERE audit_id IS NULL ORDER BY id LIMIT {FINDINGS_SHOWN}"
    ))
    .load(c)?;
    Ok(rows
        .into_iter()
        .map(|r| Finding::Unclaimed {
            table: r.tbl,
            key: r.row_key,
            op: r.op,
        })
        .collect())
}

/// The action of the entry that snapshots the records into the chain.
pub const BASELINE: &str = "audit.baseline";
/// The action of the entry that records what migrations changed.
pub const MIGRATED: &str = "audit.migrate";

fn has_baseline(c: &mut DbConnection) -> Result<bool, StoreError> {
    let n: i64 = audit_log::table
        .filter(audit_log::action.eq(BASELINE))
        .count()
        .get_result(c)?;
    Ok(n > 0)
}

/// The triggers that keep the chain append-only and moving, and (on
/// PostgreSQL) those that capture the records, that are gone or disabled.
fn missing_triggers(c: &mut DbConnection) -> Result<Vec<Finding>, StoreError> {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }
    let (present, mut wanted): (Vec<Name>, Vec<String>) = match c {
        DbConnection::Sqlite(_) => (
            diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'trigger'").load(c)?,
            ["audit_log_no_update", "audit_log_no_delete", "audit_log_moves_head"]
                .map(String::from)
                .to_vec(),
        ),
        DbConnection::Pg(_) => (
            diesel::sql_query(
                "SELECT tgname::TEXT AS name FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'",
            )
            .load(c)?,
            ["audit_log_append_only", "audit_log_moves_head"]
                .map(String::from)
                .to_vec(),
        ),
    };
    if matches!(c, DbConnection::Pg(_)) && capture::has_row_changes(c)? {
        wanted.extend(COVERED.iter().map(|(t, _)| format!("{t}_capture")));
    }
    Ok(wanted
        .into_iter()
        .filter(|w| !present.iter().any(|p| &p.name == w))
        .map(|name| Finding::TriggerMissing { name })
        .collect())
}

/// What `migrate` did besides applying migrations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Migrated {
    pub applied: usize,
    /// Rows from before the chain linked into it (only in the run that
    /// adds the chain).
    pub sealed: usize,
    /// Records kept before the chain covered them were snapshotted into
    /// it (a fresh database has none: its baseline entry is empty).
    pub baseline: bool,
    /// What the migrations changed in the records went into the chain.
    pub recorded: bool,
    /// The records differed from the chain before migrating, so what the
    /// migrations changed is left unrecorded rather than laundering that
    /// difference into the chain.
    pub left_unrecorded: bool,
}

/// The audit chain migration: rows without a hash are sealed only in the
/// run that applies it.
const CHAIN_MIGRATION: &str = "20261121000006";

/// Applies pending migrations and keeps the chain covering the records:
/// seals rows from before the chain (in the run that adds it), snapshots
/// the records once (the first start with record capture), and records
/// what later migrations change in them.
pub fn migrate(store: &Store) -> Result<Migrated, StoreError> {
    let clean_before = if store.captures() && store.has_pending_migrations()? {
        Some(check(store, None)?.is_ok())
    } else {
        None
    };
    let applied = store.migrate_versions()?;
    let mut done = Migrated {
        applied: applied.len(),
        ..Migrated::default()
    };
    if applied.iter().any(|v| v == CHAIN_MIGRATION) {
        done.sealed = seal(store)?;
    }
    if !store.captures() {
        return Ok(done);
    }
    if !store.read(has_baseline)? {
        done.baseline = snapshot(store)? > 0;
    } else if !applied.is_empty() {
        match clean_before {
            Some(true) => {
                record_migration(store, &applied)?;
                done.recorded = true;
            }
            _ => done.left_unrecorded = true,
        }
    }
    Ok(done)
}

/// Every row of the covered tables into the chain, as one entry; how
/// many rows it holds.
fn snapshot(store: &Store) -> Result<usize, StoreError> {
    let at = Utc::now();
    store.write(|c| {
        let mut counts = serde_json::Map::new();
        let mut total = 0;
        for (table, key) in COVERED {
            let Some(query) = capture::render_query(c, table, key)? else {
                continue;
            };
            let n = diesel::sql_query(format!(
                "INSERT INTO row_changes (tbl, row_key, op, before, after) \
                 SELECT {}, r.row_key, 'insert', NULL, r.state FROM ({query}) r",
                literal(table)
            ))
            .execute(c)?;
            total += n;
            counts.insert(table.to_string(), n.into());
        }
        record(
            c,
            &super::Actor::system(),
            at,
            BASELINE,
            ("audit", "baseline"),
            None::<&()>,
            Some(&counts),
        )
        .map_err(into_store)?;
        Ok(total)
    })
}

/// `record` fails only through the database.
fn into_store(e: ActionError) -> StoreError {
    match e {
        ActionError::Store(e) => e,
        other => StoreError::Corrupt(other.to_string()),
    }
}

/// What migrations changed in the records, into the chain as one entry.
fn record_migration(store: &Store, versions: &[String]) -> Result<(), StoreError> {
    let at = Utc::now();
    store.write(|c| {
        let replay = {
            let mut replay = HashMap::new();
            walk(c, None, Some(&mut replay))?
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            replay
        };
        let diffs = compare(c, replay, usize::MAX)?;
        for d in &diffs {
            let op = match (&d.chain, &d.current) {
                (Some(_), Some(_)) => "update",
                (None, _) => "insert",
                (Some(_), None) => "delete",
            };
            let value = |v: &Option<String>| v.as_deref().map_or("NULL".into(), literal);
            diesel::sql_query(format!(
                "INSERT INTO row_changes (tbl, row_key, op, before, after) VALUES ({}, {}, '{op}', {}, {})",
                literal(d.table),
                literal(&d.key),
                value(&d.chain),
                value(&d.current)
            ))
            .execute(c)?;
        }
        record(
            c,
            &super::Actor::system(),
            at,
            MIGRATED,
            ("audit", "migrate"),
            None::<&()>,
            Some(&serde_json::json!({ "migrations": versions, "rows": diffs.len() })),
        )
        .map_err(into_store)
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<FixedOffset>,
    pub user: String,
    pub role: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// What the action changed, as it was (`null` when it created it).
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    /// What the action changed, as it became (`null` when nothing is left
    /// to show, e.g. a sign-out).
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

/// The newest entries first, optionally for one entity: those written by
/// this facility's users or by kentai itself (another clinic sharing the
/// database keeps its entries, which hold its patients, to itself).
pub fn list(
    ctx: &super::Ctx,
    entity: Option<&str>,
    entity_id: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEntry>, ActionError> {
    let rows: Vec<AuditRow> = ctx.store.read(|c| {
        use crate::store::schema::users;
        let ours = users::table
            .filter(users::facility_code.eq(ctx.facility().to_string()))
            .select(users::id);
        let mut q = audit_log::table
            .filter(
                audit_log::user_ref
                    .is_null()
                    .or(audit_log::user_ref.eq_any(ours.nullable())),
            )
            .select(AuditRow::as_select())
            .into_boxed();
        if let Some(e) = entity {
            q = q.filter(audit_log::entity.eq(e.to_string()));
        }
        if let Some(id) = entity_id {
            q = q.filter(audit_log::entity_id.eq(id.to_string()));
        }
        q.order(audit_log::id.desc())
            .limit(limit)
            .load(c)
            .map_err(ActionError::from)
    })?;
    let parse = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            at: ctx.site_time(r.at),
            user: r.user_name,
            role: r.role,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: parse(r.before),
            after: parse(r.after),
        })
        .collect())
}
