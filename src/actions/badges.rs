//! Staff badges: a printed card whose barcode names a person, and the PIN
//! that person types after scanning it, so a shared station knows who is
//! working it without anyone typing a password between patients.
//!
//! A badge's code is `KTB` and 30 random digits (about 100 bits): digits
//! and capitals read the same through every keyboard layout a
//! keyboard-mode scanner may type in, and Code 128 packs digits two to a
//! symbol, so the barcode fits a card. kentai keeps only the code's
//! SHA-256 and a four-digit label for people to tell badges apart; the
//! journal keeps the label, not the code. Reprinting issues a new code and
//! revokes the old one. The PIN is an Argon2id hash on the user, as a
//! password is; wrong PINs count against the same limiter.

use super::{audit, users, ActionError, Actor, Ctx};
use crate::domain::messages::InputMsg;
use crate::domain::passwords::check_pin;
use crate::domain::roles::Action;
use crate::passwords::{decoy, hash, verify};
use crate::store::models::{BadgeRow, UserRow};
use crate::store::schema::{badges, users as user_rows};
use crate::tokens::{hash_token, hashes_match};
use chrono::{DateTime, FixedOffset};
use diesel::prelude::*;
use rand::Rng;
use serde::Serialize;

/// What every badge code starts with.
pub const BADGE_PREFIX: &str = "KTB";

/// Random digits after the prefix.
const BADGE_DIGITS: usize = 30;

/// Digits of the label: the first ones of the random part.
const LABEL_DIGITS: usize = 4;

/// Whether a scan is a staff badge (whatever its validity).
pub fn is_badge(raw: &[u8]) -> bool {
    raw.len() == BADGE_PREFIX.len() + BADGE_DIGITS
        && raw.starts_with(BADGE_PREFIX.as_bytes())
        && raw[BADGE_PREFIX.len()..].iter().all(u8::is_ascii_digit)
}

/// A badge's label as people read it: `KTB-1234`.
pub fn label_of(raw: &[u8]) -> String {
    let start = BADGE_PREFIX.len();
    let digits = raw
        .get(start..start + LABEL_DIGITS)
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .unwrap_or_default();
    format!("{BADGE_PREFIX}-{digits}")
}

/// What the journal keeps of a badge scan: its label, never the code a
/// copy of the journal could reprint.
pub fn journal_form(raw: &[u8]) -> Vec<u8> {
    if is_badge(raw) {
        format!("{}*", label_of(raw)).into_bytes()
    } else {
        raw.to_vec()
    }
}

fn new_code() -> String {
    let mut rng = rand::thread_rng();
    let digits: String = (0..BADGE_DIGITS)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect();
    format!("{BADGE_PREFIX}{digits}")
}

/// A badge as pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BadgeView {
    pub id: i64,
    pub user_id: i64,
    /// `KTB-1234`: printed under the barcode.
    pub label: String,
    pub created_at: DateTime<FixedOffset>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<FixedOffset>>,
}

/// A badge just issued, with the only copy of its code (for printing).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssuedBadge {
    pub badge: BadgeView,
    pub user_name: String,
    #[schema(value_type = String)]
    pub role: crate::domain::roles::Role,
    pub code: String,
}

fn view(ctx: &Ctx, row: &BadgeRow) -> BadgeView {
    BadgeView {
        id: row.id,
        user_id: row.user_ref,
        label: row.label.clone(),
        created_at: ctx.site_time(row.created_at),
        revoked_at: row.revoked_at.map(|t| ctx.site_time(t)),
    }
}

fn unknown_badge(id: i64) -> ActionError {
    ActionError::NotFound(crate::domain::Notice::new(
        crate::domain::RuleCode::UnknownBadge,
        crate::domain::messages::ScanMsg::UnknownBadge {
            label: format!("#{id}"),
        },
    ))
}

/// Revokes a user's live badges inside a write; how many.
fn revoke_live(
    c: &mut crate::store::DbConnection,
    actor: &Actor,
    user_id: i64,
    now: chrono::NaiveDateTime,
) -> Result<usize, ActionError> {
    Ok(diesel::update(
        badges::table
            .filter(badges::user_ref.eq(user_id))
            .filter(badges::revoked_at.is_null()),
    )
    .set((
        badges::revoked_at.eq(Some(now)),
        badges::revoked_by.eq(Some(actor.user_ref())),
    ))
    .execute(c)?)
}

/// Issues a badge for a user of this facility; a badge the user had is
/// revoked (a reprint is a new badge). The code is returned only here.
pub fn issue(ctx: &Ctx, actor: &Actor, user_id: i64) -> Result<IssuedBadge, ActionError> {
    actor.require(Action::ManageUsers)?;
    let code = new_code();
    let now = super::now();
    let at = now.naive_utc();
    let (row, user) = ctx.write(|c| {
        let user = users::find_row(ctx, c, user_id)?;
        let replaced = revoke_live(c, actor, user_id, at)?;
        let mut row = BadgeRow {
            id: 0,
            user_ref: user_id,
            facility_code: ctx.facility().to_string(),
            label: label_of(code.as_bytes()),
            code_hash: hash_token(&code),
            created_at: at,
            created_by: actor.user_ref(),
            revoked_at: None,
            revoked_by: None,
        };
        row.id = diesel::insert_into(badges::table)
            .values(&row)
            .returning(badges::id)
            .get_result(c)?;
        let after =
            serde_json::json!({ "badge": row.id, "label": row.label, "replaced": replaced });
        audit::record::<(), _>(
            c,
            actor,
            now,
            "badge.issue",
            ("user", &user_id.to_string()),
            None,
            Some(&after),
        )?;
        Ok((row, user))
    })?;
    Ok(IssuedBadge {
        badge: view(ctx, &row),
        role: user.role()?,
        user_name: user.name,
        code,
    })
}

/// Revokes one badge: scanning it does nothing from now on.
pub fn revoke(ctx: &Ctx, actor: &Actor, badge_id: i64) -> Result<BadgeView, ActionError> {
    actor.require(Action::ManageUsers)?;
    let now = super::now();
    let row = ctx.write(|c| {
        let mut row: BadgeRow = badges::table
            .find(badge_id)
            .filter(badges::facility_code.eq(ctx.facility()))
            .select(BadgeRow::as_select())
            .first(c)
            .optional()?
            .ok_or_else(|| unknown_badge(badge_id))?;
        if row.revoked_at.is_some() {
            return Ok(row);
        }
        diesel::update(badges::table.find(badge_id))
            .set((
                badges::revoked_at.eq(Some(now.naive_utc())),
                badges::revoked_by.eq(Some(actor.user_ref())),
            ))
            .execute(c)?;
        let after = serde_json::json!({ "badge": row.id, "label": row.label });
        audit::record::<(), _>(
            c,
            actor,
            now,
            "badge.revoke",
            ("user", &row.user_ref.to_string()),
            None,
            Some(&after),
        )?;
        row.revoked_at = Some(now.naive_utc());
        Ok(row)
    })?;
    Ok(view(ctx, &row))
}

/// The badges of this facility's users that still work, by user.
pub fn live(ctx: &Ctx) -> Result<Vec<BadgeView>, ActionError> {
    let rows: Vec<BadgeRow> = ctx.store.read(|c| {
        badges::table
            .filter(badges::facility_code.eq(ctx.facility()))
            .filter(badges::revoked_at.is_null())
            .order(badges::id)
            .select(BadgeRow::as_select())
            .load(c)
            .map_err(ActionError::from)
    })?;
    Ok(rows.iter().map(|r| view(ctx, r)).collect())
}

/// The person a scanned badge names: `None` for a code kentai did not
/// issue here, a revoked badge, or a disabled user.
pub fn holder(ctx: &Ctx, raw: &[u8]) -> Result<Option<(BadgeView, Actor)>, ActionError> {
    if !is_badge(raw) {
        return Ok(None);
    }
    let hash = hash_token(&String::from_utf8_lossy(raw));
    let found: Option<(BadgeRow, UserRow)> = ctx.store.read(|c| {
        badges::table
            .inner_join(user_rows::table)
            .filter(badges::code_hash.eq(&hash))
            .filter(badges::facility_code.eq(ctx.facility()))
            .filter(badges::revoked_at.is_null())
            .select((BadgeRow::as_select(), UserRow::as_select()))
            .first(c)
            .optional()
            .map_err(ActionError::from)
    })?;
    let Some((badge, user)) = found.filter(|(b, _)| hashes_match(&b.code_hash, &hash)) else {
        return Ok(None);
    };
    let view = view(ctx, &badge);
    Ok(users::enabled_actor(user)?.map(|actor| (view, actor)))
}

/// Whether `pin` is the PIN of user `user_id` (still enabled): their
/// actor if so. A person without a PIN costs as much time as a wrong PIN.
pub fn verify_pin(ctx: &Ctx, user_id: i64, pin: &str) -> Result<PinCheck, ActionError> {
    let user: Option<UserRow> = ctx.store.read(|c| {
        user_rows::table
            .find(user_id)
            .select(UserRow::as_select())
            .first(c)
            .optional()
            .map_err(ActionError::from)
    })?;
    let stored = user
        .as_ref()
        .and_then(|u| u.pin_hash.clone())
        .unwrap_or_else(|| decoy().to_string());
    let matches = verify(&stored, pin);
    let Some(user) = user else {
        return Ok(PinCheck::Wrong);
    };
    if user.pin_hash.is_none() {
        return Ok(PinCheck::NoPin(user.name));
    }
    if !matches {
        return Ok(PinCheck::Wrong);
    }
    Ok(match users::enabled_actor(user)? {
        Some(actor) => PinCheck::Right(actor),
        None => PinCheck::Wrong,
    })
}

/// What a typed PIN turned out to be.
#[derive(Debug, Clone)]
pub enum PinCheck {
    Right(Actor),
    Wrong,
    /// The person has not set a PIN yet.
    NoPin(String),
}

/// A person sets their own badge PIN, confirming with their password.
pub fn set_own_pin(
    ctx: &Ctx,
    actor: &Actor,
    current_password: &str,
    pin: &str,
    again: &str,
) -> Result<(), ActionError> {
    let user = super::passwords::confirmed(ctx, actor, current_password)?;
    let user_id = user.id;
    check_pin(pin).map_err(|problem| ActionError::invalid(InputMsg::PinRefused { problem }))?;
    if pin != again {
        return Err(ActionError::invalid(InputMsg::PasswordsDiffer));
    }
    let hashed = hash(pin).map_err(|e| ActionError::Internal(format!("PIN hash: {e}")))?;
    let now = super::now();
    ctx.write(|c| {
        diesel::update(user_rows::table.find(user_id))
            .set((
                user_rows::pin_hash.eq(Some(hashed.as_str())),
                user_rows::pin_set_at.eq(Some(now.naive_utc())),
            ))
            .execute(c)?;
        audit::record::<(), ()>(
            c,
            actor,
            now,
            "user.set_pin",
            ("user", &user_id.to_string()),
            None,
            None,
        )
    })
}

/// Whether a journal row is a badge scan (kept as its label): after a
/// restart it cannot be acted on again, so its holder scans it anew.
pub fn is_journalled_badge(raw: &[u8]) -> bool {
    raw.starts_with(format!("{BADGE_PREFIX}-").as_bytes()) && raw.ends_with(b"*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_badge_code_is_the_prefix_and_thirty_digits() {
        let code = new_code();
        assert!(is_badge(code.as_bytes()), "{code}");
        assert_ne!(code, new_code());
        assert!(!is_badge(b"KTB123"));
        assert!(!is_badge(
            format!("{}x", &code[..code.len() - 1]).as_bytes()
        ));
        assert!(!is_badge(format!("{code}0").as_bytes()));
    }

    #[test]
    fn the_journal_keeps_a_badges_label_and_not_its_code() {
        let code = format!("{BADGE_PREFIX}{}", "4821".to_string() + &"7".repeat(26));
        assert_eq!(label_of(code.as_bytes()), "KTB-4821");
        assert_eq!(journal_form(code.as_bytes()), b"KTB-4821*".to_vec());
        assert_eq!(journal_form(b"T-0001"), b"T-0001".to_vec());
    }
}
