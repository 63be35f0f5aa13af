//! People's passwords: set by an admin as a one-time password (changed at
//! the first sign-in), set from the command line, changed by their owner,
//! and checked at sign-in.
//!
//! A password is checked against [`crate::domain::passwords`] when its
//! owner or the command line chooses it; a one-time password kentai makes
//! itself. The hash never leaves this module and never reaches the audit
//! log: the log says who set whose password, and whether it is one-time.
//! An admin's new one-time password ends the user's sessions at once, as a
//! new token does.

use super::{audit, users, ActionError, Actor, Ctx};
use crate::domain::messages::InputMsg;
use crate::domain::passwords::check;
use crate::domain::roles::Action;
use crate::passwords::{decoy, hash, needs_rehash, verify};
use crate::store::models::UserRow;
use crate::store::schema::users as user_rows;
use crate::store::DbConnection;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use rand::Rng;

/// Letters a one-time password is made of: no 0/o, 1/l/i, which a person
/// copying it from the screen mixes up.
const ONE_TIME_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A one-time password: four groups of four (`k7mp-3xqa-9hzt-bw2e`), about
/// 79 bits, easy to read out and type.
pub fn one_time_password() -> String {
    let mut rng = rand::thread_rng();
    (0..4)
        .map(|_| {
            (0..4)
                .map(|_| {
                    let i = rng.gen_range(0..ONE_TIME_ALPHABET.len());
                    char::from(ONE_TIME_ALPHABET[i])
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn hashed(password: &str) -> Result<String, ActionError> {
    hash(password).map_err(|e| ActionError::Internal(format!("password hash: {e}")))
}

/// Writes a user's new hash and records it.
fn store(
    c: &mut DbConnection,
    actor: &Actor,
    now: DateTime<Utc>,
    user: &UserRow,
    hash: &str,
    one_time: bool,
) -> Result<(), ActionError> {
    diesel::update(user_rows::table.find(user.id))
        .set((
            user_rows::password_hash.eq(Some(hash)),
            user_rows::password_must_change.eq(one_time),
            user_rows::password_set_at.eq(Some(now.naive_utc())),
        ))
        .execute(c)?;
    audit::record::<(), _>(
        c,
        actor,
        now,
        "user.set_password",
        ("user", &user.id.to_string()),
        None,
        Some(&serde_json::json!({ "one_time": one_time })),
    )?;
    Ok(())
}

/// A user of this facility by its login name.
fn by_name(c: &mut DbConnection, ctx: &Ctx, name: &str) -> Result<Option<UserRow>, ActionError> {
    Ok(user_rows::table
        .filter(user_rows::name.eq(name))
        .filter(user_rows::facility_code.eq(ctx.facility()))
        .select(UserRow::as_select())
        .first(c)
        .optional()?)
}

fn unknown_name(name: &str) -> ActionError {
    ActionError::NotFound(crate::domain::Notice::new(
        crate::domain::RuleCode::NotFound,
        crate::domain::messages::RecordMsg::NoUser {
            id: name.to_string(),
        },
    ))
}

/// Sets the password of the user `name` to one chosen by a person at the
/// command line (checked against the rules); it is not one-time.
pub fn set_by_name(
    ctx: &Ctx,
    actor: &Actor,
    name: &str,
    password: &str,
) -> Result<(), ActionError> {
    actor.require(Action::ManageUsers)?;
    check(password, name)
        .map_err(|problem| ActionError::invalid(InputMsg::PasswordRefused { problem }))?;
    let hash = hashed(password)?;
    let now = super::now();
    let user_id = ctx.write(|c| {
        let user = by_name(c, ctx, name)?.ok_or_else(|| unknown_name(name))?;
        store(c, actor, now, &user, &hash, false)?;
        users::end_sessions(c, user.id)?;
        Ok(user.id)
    })?;
    ctx.revocations.user(user_id);
    Ok(())
}

/// Gives a user a new one-time password (returned with the user, shown
/// once) that they must change at their next sign-in; their sessions end
/// at once.
pub fn set_one_time(
    ctx: &Ctx,
    actor: &Actor,
    user_id: i64,
) -> Result<(users::UserView, String), ActionError> {
    actor.require(Action::ManageUsers)?;
    let password = one_time_password();
    let hash = hashed(&password)?;
    let now = super::now();
    let user = ctx.write(|c| {
        let user = user_rows::table
            .find(user_id)
            .filter(user_rows::facility_code.eq(ctx.facility()))
            .select(UserRow::as_select())
            .first(c)
            .optional()?
            .ok_or_else(|| users::unknown_user(user_id))?;
        store(c, actor, now, &user, &hash, true)?;
        users::end_sessions(c, user.id)?;
        Ok(user)
    })?;
    ctx.revocations.user(user_id);
    Ok((users::shown(ctx, user)?, password))
}

/// The acting person's own user, once `current` proves it is them (their
/// password now): what a change to their own credentials asks first.
pub(super) fn confirmed(ctx: &Ctx, actor: &Actor, current: &str) -> Result<UserRow, ActionError> {
    let Some(user_id) = actor.id else {
        return Err(ActionError::invalid(InputMsg::CurrentPasswordWrong));
    };
    let user: UserRow = ctx.store.read(|c| {
        Ok::<_, ActionError>(
            user_rows::table
                .find(user_id)
                .select(UserRow::as_select())
                .first(c)?,
        )
    })?;
    let stored = user.password_hash.as_deref().unwrap_or_else(|| decoy());
    if !verify(stored, current) || user.password_hash.is_none() {
        return Err(ActionError::invalid(InputMsg::CurrentPasswordWrong));
    }
    Ok(user)
}

/// A person changes their own password: the current one (the one-time one
/// after an admin set it), then the new one twice.
pub fn change_own(
    ctx: &Ctx,
    actor: &Actor,
    current: &str,
    new: &str,
    again: &str,
) -> Result<(), ActionError> {
    let user = confirmed(ctx, actor, current)?;
    if new != again {
        return Err(ActionError::invalid(InputMsg::PasswordsDiffer));
    }
    if new == current {
        return Err(ActionError::invalid(InputMsg::PasswordUnchanged));
    }
    check(new, &user.name)
        .map_err(|problem| ActionError::invalid(InputMsg::PasswordRefused { problem }))?;
    let hash = hashed(new)?;
    let now = super::now();
    ctx.write(|c| store(c, actor, now, &user, &hash, false))
}

/// Who signs in with `name` and `password`, and whether they must change
/// the password first; `None` for a wrong name or password, a user
/// without a password, or a disabled one. A wrong name costs as much time
/// as a wrong password. A hash made at a lower cost is made again.
pub fn authenticate(
    ctx: &Ctx,
    name: &str,
    password: &str,
) -> Result<Option<(Actor, bool)>, ActionError> {
    let user = ctx.store.read(|c| by_name(c, ctx, name))?;
    let stored = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| decoy().to_string());
    let matches = verify(&stored, password);
    let Some(user) = user.filter(|u| matches && u.password_hash.is_some()) else {
        return Ok(None);
    };
    let must_change = user.password_must_change;
    let Some(actor) = users::enabled_actor(user)? else {
        return Ok(None);
    };
    if needs_rehash(&stored) {
        let fresh = hashed(password)?;
        ctx.write(|c| {
            diesel::update(user_rows::table.filter(user_rows::name.eq(&actor.name)))
                .set(user_rows::password_hash.eq(Some(fresh.as_str())))
                .execute(c)?;
            Ok::<_, ActionError>(())
        })?;
    }
    Ok(Some((actor, must_change)))
}
