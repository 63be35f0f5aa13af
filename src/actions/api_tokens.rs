//! API tokens people make for their own programs: as many as they need,
//! each with a name and an optional expiry, shown once when made, listed
//! by name and last use, and revoked by the person on their own page or
//! through the API.
//!
//! They stand beside the user's own token (`users.token_hash`, which
//! `kentai user add` prints and an admin replaces): a bearer token admits
//! its user when it is either. A program's token admits while it is
//! neither revoked nor expired, and only while its user does
//! (`users::authenticate_hash` asks both and applies the user's checks
//! once). It does not sign in to the pages: a browser session would
//! outlive the token's revocation and expiry.
//!
//! Revoking a token ends the event streams opened with it at once
//! (`revocations`); the user's other tokens and sessions go on.

use super::{audit, check_text, ActionError, Actor, Ctx};
use crate::domain::messages::{InputMsg, RecordMsg};
use crate::domain::{Notice, RuleCode};
use crate::store::models::{ApiTokenRow, NewApiToken, UserRow};
use crate::store::schema::{api_tokens, users};
use crate::store::DbConnection;
use crate::tokens::{generate_token, hash_token};
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// The longest token name, in characters.
pub const NAME_MAX_CHARS: usize = 60;

/// `last_used_at` is written at most this often (seconds): a program
/// polling every second would otherwise write on every request.
const TOUCH_AFTER_SECONDS: i64 = 60;

/// `POST /api/v1/me/tokens`: a new token for a program.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// What the token is for (1–60 characters), unique among your live
    /// tokens.
    pub name: String,
    /// When the token stops working; later than now. Without it the token
    /// works until it is revoked.
    #[serde(default)]
    pub expires_at: Option<DateTime<FixedOffset>>,
}

/// A token as its owner sees it listed: never the token or its hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiTokenView {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<FixedOffset>,
    pub expires_at: Option<DateTime<FixedOffset>>,
    /// The last request made with it, to the minute; `null` before the first.
    pub last_used_at: Option<DateTime<FixedOffset>>,
    /// Past its expiry: it admits no one any more.
    pub expired: bool,
}

/// A token just made, with the only copy of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedApiToken {
    pub id: i64,
    pub name: String,
    /// The token: shown only here (kentai keeps its hash).
    pub token: String,
    pub created_at: DateTime<FixedOffset>,
    pub expires_at: Option<DateTime<FixedOffset>>,
}

fn view(ctx: &Ctx, row: ApiTokenRow, now: NaiveDateTime) -> ApiTokenView {
    ApiTokenView {
        id: row.id,
        expired: row.expires_at.is_some_and(|t| t <= now),
        name: row.name,
        created_at: ctx.site_time(row.created_at),
        expires_at: row.expires_at.map(|t| ctx.site_time(t)),
        last_used_at: row.last_used_at.map(|t| ctx.site_time(t)),
    }
}

/// The user an API token is made for: only a person's own user (kentai's
/// own writes have none).
fn owner(actor: &Actor) -> Result<i64, ActionError> {
    actor
        .id
        .ok_or_else(|| ActionError::Internal("an API token for a user without an id".into()))
}

/// The 404 for a token id the asking user has no live token under.
fn unknown_token(id: i64) -> ActionError {
    ActionError::NotFound(Notice::new(
        RuleCode::NotFound,
        RecordMsg::NoApiToken { id: id.to_string() },
    ))
}

/// Makes a token for the acting user's programs. A bad name or an expiry
/// that is not in the future is refused (400) and a name one of the
/// user's live tokens has is refused (409 `duplicate_token_name`), with
/// nothing written.
pub fn create(
    ctx: &Ctx,
    actor: &Actor,
    req: &NewTokenRequest,
) -> Result<CreatedApiToken, ActionError> {
    let user_id = owner(actor)?;
    check_text("name", &req.name, NAME_MAX_CHARS)?;
    if req.name.trim() != req.name {
        return Err(ActionError::invalid(InputMsg::FieldUntrimmed {
            field: "name".into(),
        }));
    }
    let now = super::now();
    let expires_at = req.expires_at.map(super::instant);
    if expires_at.is_some_and(|t| t <= now) {
        return Err(ActionError::invalid(InputMsg::ExpiryNotInFuture));
    }
    let token = generate_token();
    let hash = hash_token(&token);
    let at = now.naive_utc();
    let new = NewApiToken {
        user_ref: user_id,
        name: &req.name,
        token_hash: &hash,
        created_at: at,
        expires_at: expires_at.map(|t| t.naive_utc()),
    };
    let id = ctx.write(|c| {
        let taken: i64 = live(at)
            .filter(api_tokens::user_ref.eq(user_id))
            .filter(api_tokens::name.eq(&req.name))
            .count()
            .get_result(c)?;
        if taken > 0 {
            return Err(ActionError::Conflict(Notice::new(
                RuleCode::DuplicateTokenName,
                RecordMsg::DuplicateTokenName {
                    name: req.name.clone(),
                },
            )));
        }
        let id: i64 = diesel::insert_into(api_tokens::table)
            .values(&new)
            .returning(api_tokens::id)
            .get_result(c)?;
        let after = serde_json::json!({
            "api_token": id,
            "name": req.name,
            "expires_at": expires_at,
        });
        audit::record::<(), _>(
            c,
            actor,
            now,
            "api_token.create",
            ("user", &user_id.to_string()),
            None,
            Some(&after),
        )?;
        Ok(id)
    })?;
    Ok(CreatedApiToken {
        id,
        name: req.name.clone(),
        token,
        created_at: ctx.site_time(at),
        expires_at: new.expires_at.map(|t| ctx.site_time(t)),
    })
}

type Tokens = api_tokens::BoxedQuery<'static, <DbConnection as diesel::Connection>::Backend>;

/// Tokens not revoked, expired or not.
fn unrevoked() -> Tokens {
    api_tokens::table
        .filter(api_tokens::revoked_at.is_null())
        .into_boxed()
}

/// Tokens that still admit at `at`: neither revoked nor expired.
fn live(at: NaiveDateTime) -> Tokens {
    unrevoked().filter(
        api_tokens::expires_at
            .is_null()
            .or(api_tokens::expires_at.gt(at)),
    )
}

/// The acting user's tokens that are not revoked (expired ones too,
/// marked so), oldest first; never a token or its hash.
pub fn list_own(ctx: &Ctx, actor: &Actor) -> Result<Vec<ApiTokenView>, ActionError> {
    let user_id = owner(actor)?;
    let now = super::now().naive_utc();
    let rows: Vec<ApiTokenRow> = ctx.store.read(|c| {
        unrevoked()
            .filter(api_tokens::user_ref.eq(user_id))
            .order(api_tokens::id.asc())
            .select(ApiTokenRow::as_select())
            .load(c)
            .map_err(ActionError::from)
    })?;
    Ok(rows.into_iter().map(|r| view(ctx, r, now)).collect())
}

/// Revokes one of the acting user's tokens: it admits no one from now on
/// and the event streams opened with it end. Another user's token, an
/// unknown id and one revoked already are all 404, so ids say nothing
/// about other people's tokens.
pub fn revoke_own(ctx: &Ctx, actor: &Actor, token_id: i64) -> Result<(), ActionError> {
    let user_id = owner(actor)?;
    let now = super::now();
    let hash = ctx.write(|c| {
        let row: ApiTokenRow = unrevoked()
            .filter(api_tokens::user_ref.eq(user_id))
            .filter(api_tokens::id.eq(token_id))
            .select(ApiTokenRow::as_select())
            .first(c)
            .optional()?
            .ok_or_else(|| unknown_token(token_id))?;
        diesel::update(api_tokens::table.find(row.id))
            .set(api_tokens::revoked_at.eq(now.naive_utc()))
            .execute(c)?;
        let before = serde_json::json!({ "api_token": row.id, "name": row.name });
        let after = serde_json::json!({ "api_token": row.id, "revoked_at": now });
        audit::record(
            c,
            actor,
            now,
            "api_token.revoke",
            ("user", &user_id.to_string()),
            Some(&before),
            Some(&after),
        )?;
        Ok(row.token_hash)
    })?;
    ctx.revocations.token(&hash);
    Ok(())
}

/// The live token with this hash and its user, whatever the user's state
/// (the caller applies the user's checks).
pub(super) fn find_live(
    c: &mut DbConnection,
    hash: &str,
    at: NaiveDateTime,
) -> Result<Option<(ApiTokenRow, UserRow)>, ActionError> {
    let token: Option<ApiTokenRow> = live(at)
        .filter(api_tokens::token_hash.eq(hash))
        .select(ApiTokenRow::as_select())
        .first(c)
        .optional()?;
    let Some(token) = token else {
        return Ok(None);
    };
    let user: UserRow = users::table
        .find(token.user_ref)
        .select(UserRow::as_select())
        .first(c)?;
    Ok(Some((token, user)))
}

/// Notes that `token` was used at `now`, unless that was noted less than
/// a minute ago. A failed write is logged and no refusal: the last use is
/// a hint for its owner, not a condition of the request.
pub(super) fn touch(ctx: &Ctx, token: &ApiTokenRow, now: DateTime<Utc>) {
    let at = now.naive_utc();
    let due = at - Duration::seconds(TOUCH_AFTER_SECONDS);
    if token.last_used_at.is_some_and(|t| t > due) {
        return;
    }
    let written = ctx.write(|c| {
        // Asked again in the write: of two requests at once, one writes.
        diesel::update(
            api_tokens::table.find(token.id).filter(
                api_tokens::last_used_at
                    .is_null()
                    .or(api_tokens::last_used_at.le(due)),
            ),
        )
        .set(api_tokens::last_used_at.eq(at))
        .execute(c)
        .map_err(ActionError::from)
    });
    if let Err(e) = written {
        tracing::warn!(token = token.id, error = %e, "the API token's last use was not written");
    }
}
