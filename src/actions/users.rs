//! Users and their tokens: creation, authentication, the first admin,
//! disabling and enabling, and new tokens.
//!
//! Disabling a user or giving it a new token takes effect at once: the
//! token (the old one) is refused from the next request on, and every web
//! session of the user is deleted in the same transaction, so a browser
//! left signed in at a desk cannot outlive the decision.

use super::{audit, check_text, ActionError, Actor, Ctx};
use crate::domain::messages::{InputMsg, RecordMsg};
use crate::domain::roles::{Action, Role};
use crate::domain::{Notice, RuleCode};
use crate::store::models::{NewUser, UserRow};
use crate::store::schema::{sessions, users};
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

/// `PATCH /api/v1/users/{user_id}`: what an admin may change about a user.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// `true` disables the user: its token is refused and its web sessions
    /// end at once. `false` enables it again with the same token.
    pub disabled: bool,
}

/// A user's new token, shown only here (kentai keeps its hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
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
        return Err(ActionError::invalid(InputMsg::FieldUntrimmed {
            field: "name".into(),
        }));
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
                RecordMsg::DuplicateUser {
                    name: req.name.clone(),
                },
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

/// The 404 for a user id nobody has.
pub fn unknown_user(id: i64) -> ActionError {
    ActionError::NotFound(Notice::new(
        RuleCode::NotFound,
        RecordMsg::NoUser { id: id.to_string() },
    ))
}

fn find_row(c: &mut crate::store::DbConnection, id: i64) -> Result<UserRow, ActionError> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| unknown_user(id))
}

/// Deletes every web session of a user; how many there were.
fn end_sessions(c: &mut crate::store::DbConnection, user_id: i64) -> Result<usize, ActionError> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(c)?)
}

/// Disables or enables a user. Disabling ends its sessions; asking for
/// what already is changes nothing and records nothing. An admin may not
/// disable their own user (409 `self_lockout`): with the last admin
/// disabled nobody could undo it without editing the database.
pub fn set_disabled(
    ctx: &Ctx,
    actor: &Actor,
    user_id: i64,
    disabled: bool,
) -> Result<UserView, ActionError> {
    actor.require(Action::ManageUsers)?;
    if disabled && actor.id == Some(user_id) {
        return Err(ActionError::Conflict(Notice::new(
            RuleCode::SelfLockout,
            RecordMsg::SelfLockout,
        )));
    }
    let now = super::now();
    let row = ctx.write(|c| {
        let mut row = find_row(c, user_id)?;
        if row.disabled == disabled {
            return Ok(row);
        }
        diesel::update(users::table.find(user_id))
            .set(users::disabled.eq(disabled))
            .execute(c)?;
        let ended = if disabled {
            end_sessions(c, user_id)?
        } else {
            0
        };
        let before = serde_json::json!({ "disabled": row.disabled });
        let after = serde_json::json!({ "disabled": disabled, "sessions_ended": ended });
        audit::record(
            c,
            actor,
            now,
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            ("user", &user_id.to_string()),
            Some(&before),
            Some(&after),
        )?;
        row.disabled = disabled;
        Ok(row)
    })?;
    Ok(view(ctx, row))
}

/// Gives a user a new token: the old one is refused from now on and the
/// user's sessions end (whoever held the old token is signed out too). A
/// disabled user stays disabled. The token is returned only here.
pub fn new_token(ctx: &Ctx, actor: &Actor, user_id: i64) -> Result<IssuedToken, ActionError> {
    actor.require(Action::ManageUsers)?;
    let token = generate_token();
    let hash = hash_token(&token);
    let now = super::now();
    let row = ctx.write(|c| {
        let row = find_row(c, user_id)?;
        diesel::update(users::table.find(user_id))
            .set(users::token_hash.eq(&hash))
            .execute(c)?;
        let ended = end_sessions(c, user_id)?;
        let after = serde_json::json!({ "sessions_ended": ended });
        audit::record::<(), _>(
            c,
            actor,
            now,
            "user.token",
            ("user", &user_id.to_string()),
            None,
            Some(&after),
        )?;
        Ok(row)
    })?;
    Ok(IssuedToken {
        user: view(ctx, row),
        token,
    })
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
    service_actor(ctx, &format!("station:{station}"), role)
}

/// A user kentai acts as on its own (a station's scanners, the watched
/// results folder), named `<kind>:<name>` so no person can take the name.
pub fn service_actor(ctx: &Ctx, name: &str, role: Role) -> Result<Actor, ActionError> {
    let name = name.to_string();
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
