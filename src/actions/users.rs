//! Users and their tokens: creation, authentication, the first admin.

use super::{audit, check_text, ActionError, Actor, Ctx};
use crate::domain::roles::{Action, Role};
use crate::domain::{Notice, RuleCode};
use crate::store::models::{NewUser, UserRow};
use crate::store::schema::users;
use crate::tokens::{generate_token, hash_token, hashes_match};
use chrono::{DateTime, FixedOffset};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub name: String,
    pub role: Role,
}

/// A user as shown to admins (never the token or its hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<FixedOffset>,
    pub disabled: bool,
}

/// A freshly created user with the only copy of its token.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    pub user: UserView,
    pub token: String,
}

fn view(ctx: &Ctx, r: UserRow) -> UserView {
    UserView {
        id: r.id,
        name: r.name,
        role: Role::from_code(&r.role).unwrap_or(Role::Reception),
        created_at: ctx.site_time(r.created_at),
        disabled: r.disabled,
    }
}

pub fn create_user(
    ctx: &Ctx,
    actor: &Actor,
    req: &NewUserRequest,
) -> Result<CreatedUser, ActionError> {
    actor.require(Action::ManageUsers)?;
    check_text("name", &req.name, 64)?;
    if req.name.trim() != req.name {
        return Err(ActionError::invalid("name has leading or trailing spaces"));
    }
    let token = generate_token();
    let hash = hash_token(&token);
    let now = super::now();
    let row = ctx.write(|c| {
        let exists: i64 = users::table
            .filter(users::name.eq(&req.name))
            .count()
            .get_result(c)?;
        if exists > 0 {
            return Err(ActionError::Conflict(Notice::new(
                RuleCode::DuplicateUser,
                format!("a user named {:?} already exists", req.name),
            )));
        }
        let row = insert_user(c, actor, now, &req.name, req.role, &hash)?;
        Ok(row)
    })?;
    Ok(CreatedUser {
        user: view(ctx, row),
        token,
    })
}

/// Inserts a user and records who created it.
fn insert_user(
    c: &mut crate::store::DbConnection,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
    name: &str,
    role: Role,
    token_hash: &str,
) -> Result<UserRow, ActionError> {
    let new = NewUser {
        name,
        role: role.code(),
        token_hash,
        created_at: now.naive_utc(),
        disabled: false,
    };
    let id: i64 = diesel::insert_into(users::table)
        .values(&new)
        .returning(users::id)
        .get_result(c)?;
    let after = serde_json::json!({"id": id, "name": name, "role": role.code()});
    audit::record::<(), _>(
        c,
        actor,
        now,
        "user.create",
        ("user", &id.to_string()),
        None,
        Some(&after),
    )?;
    Ok(UserRow {
        id,
        name: name.to_string(),
        role: role.code().to_string(),
        token_hash: token_hash.to_string(),
        created_at: new.created_at,
        disabled: false,
    })
}

pub fn list_users(ctx: &Ctx, actor: &Actor) -> Result<Vec<UserView>, ActionError> {
    actor.require(Action::ManageUsers)?;
    let rows: Vec<UserRow> = ctx.store.read(|c| {
        users::table
            .select(UserRow::as_select())
            .order(users::id)
            .load(c)
            .map_err(ActionError::from)
    })?;
    Ok(rows.into_iter().map(|r| view(ctx, r)).collect())
}

/// The user a bearer token belongs to, if any (disabled users have none).
pub fn authenticate(ctx: &Ctx, token: &str) -> Result<Option<Actor>, ActionError> {
    let hash = hash_token(token);
    let row: Option<UserRow> = ctx.store.read(|c| {
        users::table
            .filter(users::token_hash.eq(&hash))
            .select(UserRow::as_select())
            .first(c)
            .optional()
            .map_err(ActionError::from)
    })?;
    Ok(row
        .filter(|r| !r.disabled && hashes_match(&r.token_hash, &hash))
        .and_then(|r| {
            Some(Actor {
                id: Some(r.id),
                role: Role::from_code(&r.role)?,
                name: r.name,
            })
        }))
}

/// On an empty database, creates the `admin` user and returns its token
/// (shown once by `kentai serve`); otherwise `None`.
pub fn bootstrap_admin(ctx: &Ctx) -> Result<Option<String>, ActionError> {
    let count: i64 = ctx.store.read(|c| {
        users::table
            .count()
            .get_result(c)
            .map_err(ActionError::from)
    })?;
    if count > 0 {
        return Ok(None);
    }
    let created = create_user(
        ctx,
        &Actor::system(),
        &NewUserRequest {
            name: "admin".into(),
            role: Role::Admin,
        },
    )?;
    Ok(Some(created.token))
}

/// The user a station's scanners act as: `station:<name>`, with the role
/// its workflow needs (reception desks register and store; packing and
/// receiving desks are the lab's). Created on first start with a token
/// nobody is shown; an admin can disable it to silence the desk's
/// scanners. The configuration decides the role, so it is kept in step.
pub fn station_actor(ctx: &Ctx, station: &str, role: Role) -> Result<Actor, ActionError> {
    let name = format!("station:{station}");
    let now = super::now();
    let row: UserRow = ctx.write(|c| {
        let found: Option<UserRow> = users::table
            .filter(users::name.eq(&name))
            .select(UserRow::as_select())
            .first(c)
            .optional()?;
        match found {
            Some(r) if r.role == role.code() => Ok(r),
            Some(mut r) => {
                diesel::update(users::table.find(r.id))
                    .set(users::role.eq(role.code()))
                    .execute(c)?;
                let before = serde_json::json!({"role": r.role});
                r.role = role.code().to_string();
                let after = serde_json::json!({"role": r.role});
                audit::record(
                    c,
                    &Actor::system(),
                    now,
                    "user.station_role",
                    ("user", &r.id.to_string()),
                    Some(&before),
                    Some(&after),
                )?;
                Ok(r)
            }
            None => insert_user(
                c,
                &Actor::system(),
                now,
                &name,
                role,
                &hash_token(&generate_token()),
            ),
        }
    })?;
    Ok(Actor {
        id: Some(row.id),
        name: row.name,
        role,
    })
}

/// The user a journalled scan acted as, for replaying it after a restart;
/// `None` when that user is disabled or gone.
pub fn actor_by_id(ctx: &Ctx, id: i64) -> Result<Option<Actor>, ActionError> {
    let row: Option<UserRow> = ctx.store.read(|c| {
        users::table
            .find(id)
            .select(UserRow::as_select())
            .first(c)
            .optional()
            .map_err(ActionError::from)
    })?;
    Ok(row.filter(|r| !r.disabled).and_then(|r| {
        Some(Actor {
            id: Some(r.id),
            role: Role::from_code(&r.role)?,
            name: r.name,
        })
    }))
}
