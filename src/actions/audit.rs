//! The audit log: who did what, when, with the state before and after.
//!
//! Every action that writes calls `record` inside its own transaction, so
//! the log and the change commit or vanish together.

use super::{ActionError, Actor};
use crate::store::models::AuditRow;
use crate::store::schema::audit_log;
use crate::store::DbConnection;
use chrono::{DateTime, FixedOffset, Utc};
use diesel::prelude::*;
use serde::Serialize;

pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    at: DateTime<Utc>,
    action: &str,
    (entity, entity_id): (&str, &str),
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), ActionError> {
    let row = AuditRow {
        id: 0,
        at: at.naive_utc(),
        user_ref: actor.id,
        user_name: actor.name.clone(),
        role: actor.role.code().to_string(),
        action: action.to_string(),
        entity: entity.to_string(),
        entity_id: entity_id.to_string(),
        before: before.map(super::to_json),
        after: after.map(super::to_json),
    };
    diesel::insert_into(audit_log::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
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
    #[schema(value_type = Object)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub after: Option<serde_json::Value>,
}

/// The newest entries first, optionally for one entity.
pub fn list(
    ctx: &super::Ctx,
    entity: Option<&str>,
    entity_id: Option<&str>,
    limit: i64,
) -> Result<Vec<AuditEntry>, ActionError> {
    let rows: Vec<AuditRow> = ctx.store.read(|c| {
        let mut q = audit_log::table.select(AuditRow::as_select()).into_boxed();
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
