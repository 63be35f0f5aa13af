//! Browser sessions for the web pages.
//!
//! People sign in with their login name and password (or with an API
//! token); the browser then holds only a random session id in an `HttpOnly` cookie, never the token,
//! so a script on a page cannot read a credential that works for weeks.
//! The database keeps the id only as its SHA-256 (as it keeps tokens): a
//! copy of the database cannot be replayed as a live session. Each session
//! has its own CSRF token that forms and cookie-authenticated API writes
//! must echo. A session ends at sign-out, after [`IDLE_TIMEOUT_HOURS`]
//! without a request, or as soon as its user is disabled; the role is read
//! from the user at every request, so a changed role takes effect at once.

use super::{audit, users, ActionError, Actor, Ctx};
use crate::store::models::{SessionRow, UserRow};
use crate::store::schema::{sessions, users as user_rows};
use crate::tokens::{hash_token, hashes_match, random_hex};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

/// A session unused this long is over: a desk left signed in overnight
/// asks for the token again in the morning.
pub const IDLE_TIMEOUT_HOURS: i64 = 12;

/// `last_seen_at` is written at most this often (seconds): a station page
/// polls nothing, but a busy desk would otherwise write on every scan.
const TOUCH_AFTER_SECONDS: i64 = 60;

/// The longest cookie value looked up; anything longer is not ours.
const MAX_ID_LEN: usize = 128;

/// A session just started: the cookie's value and the CSRF token, shown to
/// this browser only.
#[derive(Debug, Clone)]
pub struct Started {
    pub id: String,
    pub csrf: String,
    pub actor: Actor,
}

/// A live session: who it is and the token its writes must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub csrf: String,
    /// The person signed in with a one-time password: the pages ask for a
    /// new one before anything else, and the API refuses the session.
    pub must_change_password: bool,
    /// The page was left idle: only re-entry opens it again.
    pub locked: bool,
    /// Seconds a page of this session may sit idle before it locks
    /// (`[security] page_idle_minutes`); `None`: never.
    pub lock_after: Option<u64>,
}

fn expiry(now: NaiveDateTime) -> NaiveDateTime {
    now + Duration::hours(IDLE_TIMEOUT_HOURS)
}

/// Signs in with the user's own token (not a program's API token, whose
/// revocation or expiry a session would outlive): `None` when the token
/// is wrong or its user disabled (nothing is written then). `replacing` is the session cookie
/// the browser still had, ended here so that signing in always starts a
/// fresh id (no session fixation).
pub fn start(
    ctx: &Ctx,
    token: &str,
    replacing: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<Started>, ActionError> {
    let Some(actor) = users::authenticate_own_token(ctx, token)? else {
        return Ok(None);
    };
    start_for(ctx, actor, "token", replacing, now).map(Some)
}

/// Signs in with a login name and a password, as [`start`] does with a
/// token; the session says whether the password must be changed first.
pub fn start_with_password(
    ctx: &Ctx,
    name: &str,
    password: &str,
    replacing: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<Started>, ActionError> {
    let Some((actor, _)) = super::passwords::authenticate(ctx, name, password)? else {
        return Ok(None);
    };
    start_for(ctx, actor, "password", replacing, now).map(Some)
}

fn start_for(
    ctx: &Ctx,
    actor: Actor,
    with: &str,
    replacing: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Started, ActionError> {
    let Some(user_id) = actor.id else {
        return Err(ActionError::Internal(
            "a session for a user without an id".into(),
        ));
    };
    let id = random_hex();
    let csrf = random_hex();
    let at = now.naive_utc();
    let row = SessionRow {
        id_hash: hash_token(&id),
        user_id,
        csrf_token: csrf.clone(),
        created_at: at,
        last_seen_at: at,
        expires_at: expiry(at),
        locked_at: None,
    };
    let replaced = replacing.filter(|r| r.len() <= MAX_ID_LEN).map(hash_token);
    ctx.write(|c| {
        // Expired sessions are dropped here, so the table holds live ones
        // only, without a timer.
        diesel::delete(sessions::table.filter(sessions::expires_at.le(at))).execute(c)?;
        if let Some(old) = &replaced {
            diesel::delete(sessions::table.find(old)).execute(c)?;
        }
        diesel::insert_into(sessions::table)
            .values(&row)
            .execute(c)?;
        let after = serde_json::json!({ "expires_at": row.expires_at.and_utc(), "with": with });
        audit::record::<(), _>(
            c,
            &actor,
            now,
            "session.sign_in",
            ("user", &user_id.to_string()),
            None,
            Some(&after),
        )
    })?;
    Ok(Started { id, csrf, actor })
}

/// The live session a cookie names, sliding its idle timeout forward.
/// `None` for an unknown, expired or signed-out id, or a disabled user
/// (whose session is then deleted).
pub fn find(ctx: &Ctx, id: &str, now: DateTime<Utc>) -> Result<Option<Session>, ActionError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Ok(None);
    }
    let hash = hash_token(id);
    let found: Option<(SessionRow, UserRow)> = ctx.store.read(|c| {
        sessions::table
            .inner_join(user_rows::table)
            .filter(sessions::id_hash.eq(&hash))
            .select((SessionRow::as_select(), UserRow::as_select()))
            .first(c)
            .optional()
            .map_err(ActionError::from)
    })?;
    let Some((session, user)) = found.filter(|(s, _)| hashes_match(&s.id_hash, &hash)) else {
        return Ok(None);
    };
    let at = now.naive_utc();
    let role = user.role()?;
    // A home user (nearly every request) is served without a second query.
    let served = user.facility_code == ctx.facility()
        || ctx.store.read(|c| super::users::serves(ctx, c, &user))?;
    let (false, true, true) = (user.disabled, session.expires_at > at, served) else {
        ctx.write(|c| {
            diesel::delete(sessions::table.find(&hash))
                .execute(c)
                .map_err(ActionError::from)
        })?;
        return Ok(None);
    };
    if at - session.last_seen_at >= Duration::seconds(TOUCH_AFTER_SECONDS) {
        ctx.write(|c| {
            diesel::update(sessions::table.find(&hash))
                .set((
                    sessions::last_seen_at.eq(at),
                    sessions::expires_at.eq(expiry(at)),
                ))
                .execute(c)
                .map_err(ActionError::from)
        })?;
    }
    Ok(Some(Session {
        actor: Actor {
            id: Some(user.id),
            name: user.name,
            role,
            station: None,
        },
        csrf: session.csrf_token,
        must_change_password: user.password_must_change,
        locked: session.locked_at.is_some(),
        lock_after: ctx.config.security.page_idle().map(|d| d.as_secs().max(1)),
    }))
}

/// Locks the session a cookie names: its page was left idle. Nothing but
/// re-entry or sign-out works with it until [`unlock`].
pub fn lock(ctx: &Ctx, id: &str, now: DateTime<Utc>) -> Result<bool, ActionError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Ok(false);
    }
    let hash = hash_token(id);
    let at = now.naive_utc();
    ctx.write(|c| {
        let locked = diesel::update(sessions::table.find(&hash))
            .filter(sessions::locked_at.is_null())
            .set(sessions::locked_at.eq(Some(at)))
            .execute(c)?;
        Ok(locked > 0)
    })
}

/// How a person re-enters a locked page.
#[derive(Debug, Clone)]
pub enum ReEntry {
    /// The session's own person, with their password.
    Password(String),
    /// Anyone of this facility, with their staff badge and PIN: the
    /// session becomes theirs (a shared screen changes hands).
    Badge { code: String, pin: String },
}

/// What a re-entry did.
#[derive(Debug, Clone)]
pub enum Unlocked {
    /// The page is open again, for this person.
    Open(Actor),
    /// The password, badge or PIN is wrong; `limit_key` names the person
    /// whose sign-in limit counts it.
    Wrong { limit_key: Option<String> },
}

/// Opens a locked session again (see [`ReEntry`]).
pub fn unlock(
    ctx: &Ctx,
    id: &str,
    with: &ReEntry,
    now: DateTime<Utc>,
) -> Result<Option<Unlocked>, ActionError> {
    let Some(session) = find(ctx, id, now)? else {
        return Ok(None);
    };
    let owner = session.actor;
    let (person, how) = match with {
        ReEntry::Password(password) => {
            match super::passwords::authenticate(ctx, &owner.name, password)? {
                Some((actor, _)) => (actor, "password"),
                None => {
                    return Ok(Some(Unlocked::Wrong {
                        limit_key: Some(owner.name.clone()),
                    }))
                }
            }
        }
        ReEntry::Badge { code, pin } => {
            let Some((_, holder)) = super::badges::holder(ctx, code.as_bytes())? else {
                return Ok(Some(Unlocked::Wrong { limit_key: None }));
            };
            match super::badges::verify_pin(ctx, holder.user_ref(), pin)? {
                super::badges::PinCheck::Right(actor) => (actor, "badge"),
                _ => {
                    return Ok(Some(Unlocked::Wrong {
                        limit_key: Some(holder.name),
                    }))
                }
            }
        }
    };
    let hash = hash_token(id);
    let at = now.naive_utc();
    let person_id = person.user_ref();
    ctx.write(|c| {
        diesel::update(sessions::table.find(&hash))
            .set((
                sessions::locked_at.eq(None::<NaiveDateTime>),
                sessions::user_id.eq(person_id),
                sessions::last_seen_at.eq(at),
                sessions::expires_at.eq(expiry(at)),
            ))
            .execute(c)?;
        let after = serde_json::json!({ "with": how, "from": owner.name, "to": person.name });
        audit::record::<(), _>(
            c,
            &person,
            now,
            "session.unlock",
            ("user", &person_id.to_string()),
            None,
            Some(&after),
        )
    })?;
    if person_id != owner.user_ref() {
        // The screen changed hands: streams opened for its last person end.
        ctx.revocations.session(&hash);
    }
    Ok(Some(Unlocked::Open(person)))
}

/// When a session ends if nothing uses it, or `None` when it is over
/// already (signed out, expired, user disabled), without counting this as
/// activity: a long-lived event stream asks this now and then, so that it
/// ends when the session does while an open page alone does not keep the
/// session alive.
pub fn live_until(
    ctx: &Ctx,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, ActionError> {
    if id.is_empty() || id.len() > MAX_ID_LEN {
        return Ok(None);
    }
    let hash = hash_token(id);
    let at = now.naive_utc();
    let expires: Option<NaiveDateTime> = ctx.store.read(|c| {
        sessions::table
            .inner_join(user_rows::table)
            .filter(sessions::id_hash.eq(&hash))
            .filter(sessions::expires_at.gt(at))
            .filter(user_rows::disabled.eq(false))
            .select(sessions::expires_at)
            .first(c)
            .optional()
            .map_err(ActionError::from)
    })?;
    Ok(expires.map(|t| t.and_utc()))
}

/// Signs out: the session named by the cookie is deleted (a second
/// sign-out finds nothing and is no error).
pub fn end(ctx: &Ctx, id: &str, actor: &Actor, now: DateTime<Utc>) -> Result<bool, ActionError> {
    if id.len() > MAX_ID_LEN {
        return Ok(false);
    }
    let hash = hash_token(id);
    ctx.write(|c| {
        let deleted = diesel::delete(sessions::table.find(&hash)).execute(c)?;
        if deleted > 0 {
            audit::record::<(), ()>(
                c,
                actor,
                now,
                "session.sign_out",
                ("user", &actor.user_ref().to_string()),
                None,
                None,
            )?;
        }
        Ok(deleted > 0)
    })
    .inspect(|_| ctx.revocations.session(&hash))
}
