//! Users and their tokens: creation, authentication, the first admin,
//! disabling and enabling, and new tokens.
//!
//! Disabling a user or giving it a new token takes effect at once: the
//! token (the old one) is refused from the next request on, and every web
//! session of the user is deleted in the same transaction, so a browser
//! left signed in at a desk cannot outlive the decision.
//!
//! Every user belongs to one facility, the one whose server created it.
//! A server accepts only users of the facility it serves, and health-centre
//! users granted that facility (`user_facilities`): a token from clinic A
//! is worth nothing at clinic B even when both share one database.

use super::{audit, check_text, ActionError, Actor, Ctx};
use crate::domain::messages::{InputMsg, RecordMsg};
use crate::domain::roles::{Action, Role};
use crate::domain::{Notice, RuleCode};
use crate::store::codes::Code;
use crate::store::models::{NewUser, UserRow};
use crate::store::schema::{sessions, user_facilities, users};
use crate::store::{DbConnection, StoreError};
use crate::tokens::{generate_token, hash_token, hashes_match};
use chrono::{DateTime, FixedOffset};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    pub name: String,
    pub role: Role,
    /// For a `health_centre` user: the facility codes (besides this one)
    /// whose servers accept its token, so it reads their reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facilities: Vec<String>,
}

/// A user as shown to admins (never the token or its hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<FixedOffset>,
    pub disabled: bool,
    /// The facility the user belongs to.
    pub facility_code: String,
    /// Facilities a health-centre user may also read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub facilities: Vec<String>,
    /// Whether the user signs in with a password (as well as a token).
    pub has_password: bool,
    /// A one-time password waits to be changed at the next sign-in.
    pub password_must_change: bool,
    /// Whether the person has a badge PIN (badge sign-in at stations).
    pub has_pin: bool,
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

fn view(ctx: &Ctx, r: UserRow, facilities: Vec<String>) -> Result<UserView, StoreError> {
    Ok(UserView {
        role: r.role()?,
        id: r.id,
        name: r.name,
        created_at: ctx.site_time(r.created_at),
        disabled: r.disabled,
        facility_code: r.facility_code,
        facilities,
        has_password: r.password_hash.is_some(),
        password_must_change: r.password_must_change,
        has_pin: r.pin_hash.is_some(),
    })
}

/// A user as shown, with the facilities it is granted.
pub(crate) fn shown(ctx: &Ctx, row: UserRow) -> Result<UserView, ActionError> {
    let facilities = ctx.store.read(|c| granted(c, row.id))?;
    Ok(view(ctx, row, facilities)?)
}

/// The facilities a user may read besides its own (health-centre users).
fn granted(c: &mut DbConnection, user_id: i64) -> Result<Vec<String>, ActionError> {
    Ok(user_facilities::table
        .filter(user_facilities::user_ref.eq(user_id))
        .order(user_facilities::facility_code.asc())
        .select(user_facilities::facility_code)
        .load(c)?)
}

/// Whether this server accepts `user`: one of its facility's users, or a
/// health-centre user granted its facility.
pub(crate) fn serves(ctx: &Ctx, c: &mut DbConnection, user: &UserRow) -> Result<bool, ActionError> {
    if user.facility_code == ctx.facility() {
        return Ok(true);
    }
    if user.role()? != Role::HealthCentre {
        return Ok(false);
    }
    let granted: i64 = user_facilities::table
        .filter(user_facilities::user_ref.eq(user.id))
        .filter(user_facilities::facility_code.eq(ctx.facility()))
        .count()
        .get_result(c)?;
    Ok(granted > 0)
}

/// Gives rows written before facilities existed (facility `''`) to this
/// server's facility: its users, patients, specimens, locations, packages,
/// journalled scans and instrument imports. On one site that is all of
/// them; on a shared database the first server to start takes them, so a
/// site sets its `facility_code` before it shares a database. Returns how
/// many rows moved; 0 on every later start.
pub fn adopt_unassigned(ctx: &Ctx) -> Result<usize, ActionError> {
    use crate::store::schema::{locations, packages, patients, result_imports, scans, specimens};
    let facility = ctx.facility().to_string();
    if facility.is_empty() {
        return Ok(0);
    }
    let now = super::now();
    ctx.write(|c| {
        let mut moved = serde_json::Map::new();
        macro_rules! adopt {
            ($table:ident) => {{
                let n = diesel::update($table::table.filter($table::facility_code.eq("")))
                    .set($table::facility_code.eq(&facility))
                    .execute(c)?;
                if n > 0 {
                    moved.insert(stringify!($table).into(), n.into());
                }
            }};
        }
        adopt!(users);
        adopt!(patients);
        adopt!(specimens);
        adopt!(locations);
        adopt!(packages);
        adopt!(scans);
        adopt!(result_imports);
        let total: usize = moved.values().filter_map(|v| v.as_u64()).sum::<u64>() as usize;
        if total > 0 {
            audit::record::<(), _>(
                c,
                &Actor::system(),
                now,
                "facility.adopt",
                ("facility", &facility),
                None,
                Some(&serde_json::Value::Object(moved)),
            )?;
        }
        Ok(total)
    })
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
    if !req.facilities.is_empty() && req.role != Role::HealthCentre {
        return Err(ActionError::invalid(
            InputMsg::FacilitiesOnlyForHealthCentre,
        ));
    }
    for code in &req.facilities {
        check_text("facilities", code, 64)?;
    }
    let token = generate_token();
    let hash = hash_token(&token);
    let now = super::now();
    let (row, facilities) = ctx.write(|c| {
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
        let row = insert_user(c, ctx, actor, now, &req.name, req.role, &hash)?;
        grant(c, actor, now, row.id, &req.facilities)?;
        let facilities = granted(c, row.id)?;
        Ok((row, facilities))
    })?;
    Ok(CreatedUser {
        user: view(ctx, row, facilities)?,
        token,
    })
}

/// Lets a health-centre user read `facilities` too, recorded in the audit.
fn grant(
    c: &mut DbConnection,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
    user_id: i64,
    facilities: &[String],
) -> Result<(), ActionError> {
    for code in facilities {
        let added = match c {
            DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(user_facilities::table)
                .values((
                    user_facilities::user_ref.eq(user_id),
                    user_facilities::facility_code.eq(code),
                ))
                .execute(c)?,
            DbConnection::Pg(c) => diesel::insert_into(user_facilities::table)
                .values((
                    user_facilities::user_ref.eq(user_id),
                    user_facilities::facility_code.eq(code),
                ))
                .on_conflict_do_nothing()
                .execute(c)?,
        };
        if added > 0 {
            audit::record::<(), _>(
                c,
                actor,
                now,
                "user.grant_facility",
                ("user", &user_id.to_string()),
                None,
                Some(&serde_json::json!({ "facility_code": code })),
            )?;
        }
    }
    Ok(())
}

/// Inserts a user and records who created it.
fn insert_user(
    c: &mut DbConnection,
    ctx: &Ctx,
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
        facility_code: ctx.facility(),
    };
    let id: i64 = diesel::insert_into(users::table)
        .values(&new)
        .returning(users::id)
        .get_result(c)?;
    let after = serde_json::json!({
        "id": id, "name": name, "role": role.code(), "facility_code": ctx.facility()
    });
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
        facility_code: ctx.facility().to_string(),
        password_hash: None,
        password_must_change: false,
        password_set_at: None,
        pin_hash: None,
        pin_set_at: None,
    })
}

pub fn list_users(ctx: &Ctx, actor: &Actor) -> Result<Vec<UserView>, ActionError> {
    actor.require(Action::ManageUsers)?;
    ctx.store.read(|c| {
        let rows: Vec<UserRow> = users::table
            .filter(users::facility_code.eq(ctx.facility()))
            .select(UserRow::as_select())
            .order(users::id)
            .load(c)?;
        let mut grants: std::collections::HashMap<i64, Vec<String>> = Default::default();
        for (user, code) in user_facilities::table
            .inner_join(users::table)
            .filter(users::facility_code.eq(ctx.facility()))
            .order(user_facilities::facility_code.asc())
            .select((user_facilities::user_ref, user_facilities::facility_code))
            .load::<(i64, String)>(c)?
        {
            grants.entry(user).or_default().push(code);
        }
        rows.into_iter()
            .map(|r| {
                let facilities = grants.remove(&r.id).unwrap_or_default();
                Ok(view(ctx, r, facilities)?)
            })
            .collect::<Result<_, ActionError>>()
    })
}

/// The 404 for a user id nobody has.
pub fn unknown_user(id: i64) -> ActionError {
    ActionError::NotFound(Notice::new(
        RuleCode::NotFound,
        RecordMsg::NoUser { id: id.to_string() },
    ))
}

/// A user of this server's facility; another facility's user is unknown
/// here (404), as its specimens are.
pub(super) fn find_row(ctx: &Ctx, c: &mut DbConnection, id: i64) -> Result<UserRow, ActionError> {
    users::table
        .find(id)
        .filter(users::facility_code.eq(ctx.facility()))
        .select(UserRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| unknown_user(id))
}

/// Deletes every web session of a user; how many there were.
pub(super) fn end_sessions(
    c: &mut crate::store::DbConnection,
    user_id: i64,
) -> Result<usize, ActionError> {
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
        let mut row = find_row(ctx, c, user_id)?;
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
    if disabled {
        ctx.revocations.user(user_id);
    }
    shown(ctx, row)
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
        let row = find_row(ctx, c, user_id)?;
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
    ctx.revocations.user(user_id);
    Ok(IssuedToken {
        user: shown(ctx, row)?,
        token,
    })
}

/// The user a bearer token belongs to, if any (disabled users have none):
/// the user's own token or one of its live API tokens.
pub fn authenticate(ctx: &Ctx, token: &str) -> Result<Option<Actor>, ActionError> {
    authenticate_hash(ctx, &hash_token(token))
}

/// The user whose own token this is (`users.token_hash`), if it admits
/// them: what signs in to the pages. A program's API token does not (see
/// `api_tokens`).
pub fn authenticate_own_token(ctx: &Ctx, token: &str) -> Result<Option<Actor>, ActionError> {
    let hash = hash_token(token);
    let row = ctx.store.read(|c| match own_token_holder(c, &hash)? {
        Some(r) => if_served(ctx, c, r),
        None => Ok(None),
    })?;
    match row {
        Some(r) if hashes_match(&r.token_hash, &hash) => Ok(enabled_actor(r)?),
        _ => Ok(None),
    }
}

/// As [`authenticate`], by the token's hash: what an open event stream
/// keeps to ask again whether its token still admits its user. A use of
/// an API token is noted as its last use (at most once a minute).
pub fn authenticate_hash(ctx: &Ctx, hash: &str) -> Result<Option<Actor>, ActionError> {
    let now = super::now();
    let found = ctx.store.read(|c| -> Result<_, ActionError> {
        if let Some(r) = own_token_holder(c, hash)? {
            return Ok(if_served(ctx, c, r)?.map(|r| (r.token_hash.clone(), r, None)));
        }
        let Some((token, r)) = super::api_tokens::find_live(c, hash, now.naive_utc())? else {
            return Ok(None);
        };
        Ok(if_served(ctx, c, r)?.map(|r| (token.token_hash.clone(), r, Some(token))))
    })?;
    let Some((stored, row, api_token)) = found else {
        return Ok(None);
    };
    if !hashes_match(&stored, hash) {
        return Ok(None);
    }
    let actor = enabled_actor(row)?;
    if let (Some(_), Some(token)) = (&actor, &api_token) {
        super::api_tokens::touch(ctx, token, now);
    }
    Ok(actor)
}

/// The user whose own token hashes to `hash`.
fn own_token_holder(c: &mut DbConnection, hash: &str) -> Result<Option<UserRow>, ActionError> {
    Ok(users::table
        .filter(users::token_hash.eq(hash))
        .select(UserRow::as_select())
        .first(c)
        .optional()?)
}

/// `row`, if this server accepts its user ([`serves`]).
fn if_served(
    ctx: &Ctx,
    c: &mut DbConnection,
    row: UserRow,
) -> Result<Option<UserRow>, ActionError> {
    if serves(ctx, c, &row)? {
        return Ok(Some(row));
    }
    tracing::info!(user = row.id, "a token of another facility's user refused");
    Ok(None)
}

/// The user a row is, unless the user is disabled.
pub(super) fn enabled_actor(r: UserRow) -> Result<Option<Actor>, StoreError> {
    if r.disabled {
        return Ok(None);
    }
    Ok(Some(Actor {
        id: Some(r.id),
        role: r.role()?,
        name: r.name,
        station: None,
    }))
}

/// When this facility has no user yet (an empty database, or the first
/// start of a second clinic on a shared one), creates its `admin` user and
/// returns its token (shown once by `kentai serve`); otherwise `None`. On a
/// shared database where another facility already has an `admin`, the name
/// carries this facility's code: `admin@<facility_code>`.
pub fn bootstrap_admin(ctx: &Ctx) -> Result<Option<String>, ActionError> {
    let (count, name) = ctx.store.read(|c| {
        let count: i64 = users::table
            .filter(users::facility_code.eq(ctx.facility()))
            .count()
            .get_result(c)?;
        let name = unique_name(c, "admin", ctx.facility())?;
        Ok::<_, ActionError>((count, name))
    })?;
    if count > 0 {
        return Ok(None);
    }
    let created = create_user(
        ctx,
        &Actor::system(),
        &NewUserRequest {
            name,
            role: Role::Admin,
            facilities: Vec::new(),
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
    let now = super::now();
    let row: UserRow = ctx.write(|c| {
        let name = unique_name(c, name, ctx.facility())?;
        let found: Option<UserRow> = users::table
            .filter(users::name.eq(&name))
            .filter(users::facility_code.eq(ctx.facility()))
            .select(UserRow::as_select())
            .first(c)
            .optional()?;
        match found {
            Some(r) if r.role()? == role => Ok(r),
            Some(mut r) => {
                diesel::update(users::table.find(r.id))
                    .set(users::role.eq(Code(role)))
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
                ctx,
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
        station: None,
    })
}

/// `name` for a user kentai makes for `facility`, unless another facility
/// holds it (user names are unique across a shared database): then
/// `name@facility`.
fn unique_name(c: &mut DbConnection, name: &str, facility: &str) -> Result<String, ActionError> {
    let holder: Option<String> = users::table
        .filter(users::name.eq(name))
        .select(users::facility_code)
        .first(c)
        .optional()?;
    Ok(match holder {
        Some(f) if f != facility => format!("{name}@{facility}"),
        _ => name.to_string(),
    })
}

/// The user a journalled scan acted as, for replaying it after a restart;
/// `None` when that user is disabled or gone.
pub fn actor_by_id(ctx: &Ctx, id: i64) -> Result<Option<Actor>, ActionError> {
    let row: Option<UserRow> = ctx.store.read(|c| {
        users::table
            .find(id)
            .filter(users::facility_code.eq(ctx.facility()))
            .select(UserRow::as_select())
            .first(c)
            .optional()
            .map_err(ActionError::from)
    })?;
    Ok(row.map(enabled_actor).transpose()?.flatten())
}
