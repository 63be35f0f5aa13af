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

use super::{ActionError, Actor};
use crate::store::models::AuditRow;
use crate::store::schema::{audit_head, audit_log};
use crate::store::{DbConnection, Store, StoreError};
use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

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
    let bytes = serde_json::to_vec(&fields).unwrap_or_default();
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
    };
    row.hash = row_hash(&row.prev_hash, &row);
    // The insert trigger (migration 000006) moves the head to this row.
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
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
}

impl ChainBreak {
    /// The first row that does not fit, for the message and the exit.
    pub fn row(&self) -> i64 {
        match self {
            ChainBreak::Edited { id } | ChainBreak::Unlinked { id } => *id,
            ChainBreak::Truncated { found_last, .. } => *found_last,
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

/// Walks the whole chain up to the head as it is now (rows appended
/// meanwhile are left for the next run).
pub fn verify(store: &Store) -> Result<Result<Verified, ChainBreak>, StoreError> {
    store.read(|c| {
        let head = read_head(c)?;
        let mut prev = GENESIS.to_string();
        let mut last_id = 0;
        let mut rows = 0;
        loop {
            let batch: Vec<AuditRow> = audit_log::table
                .filter(audit_log::id.gt(last_id))
                .filter(audit_log::id.le(head.last_id))
                .order(audit_log::id.asc())
                .limit(VERIFY_BATCH)
                .select(AuditRow::as_select())
                .load(c)?;
            if batch.is_empty() {
                break;
            }
            for row in &batch {
                if row.prev_hash != prev {
                    return Ok(Err(ChainBreak::Unlinked { id: row.id }));
                }
                if row_hash(&row.prev_hash, row) != row.hash {
                    return Ok(Err(ChainBreak::Edited { id: row.id }));
                }
                prev = row.hash.clone();
                last_id = row.id;
                rows += 1;
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
        Ok(Ok(Verified {
            rows,
            last_id,
            last_hash: prev,
        }))
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
