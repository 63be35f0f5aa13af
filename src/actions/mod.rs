//! What people do with kentai, one function per action.
//!
//! Each action runs in one store transaction: it loads the state it needs,
//! asks the pure rules in `domain` for a verdict, writes, and records who did
//! it in the audit log. HTTP handlers and (later) the scanner workflows call
//! these, so a scan and an API call take exactly the same path.

pub mod analyzers;
pub mod api_tokens;
pub mod audit;
pub mod badges;
pub mod imports;
mod judge;
pub mod kits;
pub mod known;
pub mod locations;
pub mod packages;
pub mod passwords;
pub mod patients;
pub mod printing;
pub mod reports;
pub mod results;
pub mod revocations;
pub mod scans;
pub mod sessions;
pub mod specimens;
pub mod storage;
pub mod users;
pub mod views;

use crate::config::Config;
use crate::domain::messages::{InputMsg, RecordMsg};
use crate::domain::roles::{Action, Role};
use crate::domain::{Msg, Notice, RuleCode};
use crate::store::{is_unique_violation, Store, StoreError};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use std::sync::Arc;
use thiserror::Error;

/// Who is acting: the authenticated user, or kentai itself (CLI, start-up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
    pub role: Role,
    /// The station the person acts at, when a scan there acts for them:
    /// audit rows name it beside the person.
    pub station: Option<String>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            id: None,
            name: "system".into(),
            role: Role::Admin,
            station: None,
        }
    }

    pub fn require(&self, action: Action) -> Result<(), ActionError> {
        if self.role.may(action) {
            Ok(())
        } else {
            Err(ActionError::Forbidden(
                RecordMsg::RoleMayNot {
                    role: self.role,
                    action,
                }
                .into(),
            ))
        }
    }

    /// The same person acting at `station`.
    pub fn at_station(&self, station: &str) -> Actor {
        Actor {
            station: Some(station.to_string()),
            ..self.clone()
        }
    }

    /// Rows keep the acting user's id; kentai's own writes use 0.
    pub fn user_ref(&self) -> i64 {
        self.id.unwrap_or(0)
    }
}

#[derive(Debug, Error)]
pub enum ActionError {
    /// Malformed or impossible input (400).
    #[error("{}", .0.message)]
    Invalid(Notice),
    /// No such specimen, location, … (404).
    #[error("{}", .0.message)]
    NotFound(Notice),
    /// Conflicts with what is stored (409).
    #[error("{}", .0.message)]
    Conflict(Notice),
    /// A rule refuses it (422). `refusals` lists every rule that did.
    #[error("{}", .refusals.iter().map(|n| n.message.to_string()).collect::<Vec<_>>().join("; "))]
    Refused {
        refusals: Vec<Notice>,
        overridable: bool,
    },
    /// Dispatch waits for these (409 `package_incomplete`).
    #[error("{}", .notice.message)]
    Incomplete {
        notice: Notice,
        missing: Vec<crate::domain::packaging::Missing>,
    },
    #[error("{0}")]
    Forbidden(Msg),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing an answer out failed (the reader went away, a full disk).
    #[error("writing the output failed: {0}")]
    Output(#[from] std::io::Error),
    /// Something kentai itself cannot do (a password hash that cannot be
    /// made); 500.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<diesel::result::Error> for ActionError {
    fn from(e: diesel::result::Error) -> Self {
        ActionError::Store(StoreError::Query(e))
    }
}

impl ActionError {
    pub fn invalid(message: impl Into<Msg>) -> Self {
        ActionError::Invalid(Notice::new(RuleCode::InvalidInput, message))
    }

    /// The sentence a person reads for it (every refusal, for a 422).
    pub fn message(&self) -> Msg {
        match self {
            ActionError::Invalid(n) | ActionError::NotFound(n) | ActionError::Conflict(n) => {
                n.message.clone()
            }
            ActionError::Incomplete { notice, .. } => notice.message.clone(),
            ActionError::Refused { refusals, .. } => match refusals.as_slice() {
                [one] => one.message.clone(),
                many => Msg::List(many.iter().map(|n| n.message.clone()).collect()),
            },
            ActionError::Forbidden(m) => m.clone(),
            ActionError::Store(_) | ActionError::Output(_) | ActionError::Internal(_) => {
                RecordMsg::Internal.into()
            }
        }
    }

    pub fn code(&self) -> RuleCode {
        match self {
            ActionError::Invalid(n) | ActionError::NotFound(n) | ActionError::Conflict(n) => n.code,
            ActionError::Incomplete { notice, .. } => notice.code,
            ActionError::Refused { refusals, .. } => {
                refusals.first().map_or(RuleCode::InvalidInput, |n| n.code)
            }
            ActionError::Forbidden(_) => RuleCode::Forbidden,
            ActionError::Store(_) | ActionError::Output(_) | ActionError::Internal(_) => {
                RuleCode::Internal
            }
        }
    }

    fn is_lost_race(&self) -> bool {
        matches!(self, ActionError::Store(StoreError::Query(e)) if is_unique_violation(e))
    }
}

/// What every action needs: the database, the site's configuration and
/// its time zone.
#[derive(Clone)]
pub struct Ctx {
    pub store: Store,
    pub config: Arc<Config>,
    pub tz: Tz,
    /// Set while an action runs for a journalled scan: its write then also
    /// marks the scan processed, in the same transaction (see
    /// [`Ctx::for_scan`]).
    scan: Option<i64>,
    /// Where actions that take a credential back announce it, for the
    /// event streams still open with it.
    pub revocations: revocations::Revocations,
}

impl Ctx {
    pub fn new(store: Store, config: Config) -> Result<Ctx, crate::config::ConfigError> {
        config.validate()?;
        let tz = config.time_zone()?;
        Ok(Ctx {
            store,
            config: Arc::new(config),
            tz,
            scan: None,
            revocations: revocations::Revocations::default(),
        })
    }

    /// The facility this server serves: every read and write is scoped to
    /// it, so two clinics sharing one database never see each other's
    /// patients, specimens, locations or packages.
    pub fn facility(&self) -> &str {
        &self.config.site.facility_code
    }

    /// The facility a read asks for (`?facility=`), checked: this server's
    /// when none is named; 403 `forbidden` for any other, whoever asks (a
    /// health centre reads another clinic on that clinic's server).
    pub fn facility_in_scope(&self, requested: Option<&str>) -> Result<String, ActionError> {
        match requested {
            None => Ok(self.facility().to_string()),
            Some(f) if f == self.facility() => Ok(f.to_string()),
            Some(f) => {
                check_text("facility", f, 64)?;
                Err(ActionError::Forbidden(
                    RecordMsg::OtherFacility {
                        facility: f.to_string(),
                    }
                    .into(),
                ))
            }
        }
    }

    /// A write transaction retried when it lost a race on a unique key
    /// (two clients registering the same tube at once on PostgreSQL): the
    /// retry sees the winner's row and answers as for a re-post.
    pub fn write<T>(
        &self,
        mut f: impl FnMut(&mut crate::store::DbConnection) -> Result<T, ActionError>,
    ) -> Result<T, ActionError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result: Result<T, ActionError> = self.store.write(|c| {
                let value = f(c)?;
                if let Some(id) = self.scan {
                    scans::claim(c, id)?;
                }
                Ok(value)
            });
            match result {
                Err(e) if e.is_lost_race() && attempt < 5 => continue,
                other => return other,
            }
        }
    }

    /// This context for the action a journalled scan asks for. The
    /// action's write transaction claims the scan (sets its
    /// `processed_at`), so the effect and "processed" commit together: a
    /// crash leaves either both or neither, and a scan replayed after a
    /// restart finds itself claimed and changes nothing.
    pub fn for_scan(&self, scan_id: i64) -> Ctx {
        Ctx {
            scan: Some(scan_id),
            ..self.clone()
        }
    }

    /// The bounds (UTC, as stored) of a day in the site's time zone:
    /// from its first midnight to the next day's.
    pub fn day_range(&self, day: NaiveDate) -> Result<(NaiveDateTime, NaiveDateTime), ActionError> {
        use chrono::TimeZone;
        let midnight = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .and_then(|t| self.tz.from_local_datetime(&t).earliest())
                .map(|t| t.naive_utc())
                .ok_or_else(|| ActionError::invalid(InputMsg::NoMidnight { date: d }))
        };
        let next = day
            .succ_opt()
            .ok_or_else(|| ActionError::invalid(InputMsg::DateOutOfRange { date: day }))?;
        Ok((midnight(day)?, midnight(next)?))
    }

    pub fn site_time(&self, utc: NaiveDateTime) -> DateTime<FixedOffset> {
        utc.and_utc().with_timezone(&self.tz).fixed_offset()
    }
}

/// The current time at the precision both databases keep (microseconds),
/// so what kentai answers is exactly what it stored.
pub fn now() -> DateTime<Utc> {
    use chrono::SubsecRound;
    Utc::now().trunc_subsecs(6)
}

/// A time from a request, at the precision both databases keep.
pub fn instant(t: DateTime<FixedOffset>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.with_timezone(&Utc).trunc_subsecs(6)
}

pub fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// Free text from people (names, addresses, reasons): nothing a page would
/// show differently from what it holds (control, bidi, zero-width
/// characters, line separators), not blank, bounded.
pub fn check_text(field: &str, value: &str, max_chars: usize) -> Result<(), ActionError> {
    let field = field.to_string();
    if value.trim().is_empty() {
        return Err(ActionError::invalid(InputMsg::FieldEmpty { field }));
    }
    if value.chars().count() > max_chars {
        return Err(ActionError::invalid(InputMsg::FieldTooLong {
            field,
            max: max_chars,
        }));
    }
    check_visible(&field, value)
}

/// Refuses the first character of `value` a page would not show as
/// itself, with its position (in characters, from 0).
pub fn check_visible(field: &str, value: &str) -> Result<(), ActionError> {
    use crate::domain::text::{first_hidden, Hidden};
    match first_hidden(value) {
        None => Ok(()),
        Some((position, Hidden::Control)) => {
            Err(ActionError::invalid(InputMsg::FieldControlCharacterAt {
                field: field.to_string(),
                position,
            }))
        }
        Some((position, Hidden::Invisible)) => {
            Err(ActionError::invalid(InputMsg::FieldInvisibleCharacterAt {
                field: field.to_string(),
                position,
            }))
        }
    }
}

pub fn check_optional_text(
    field: &str,
    value: Option<&str>,
    max_chars: usize,
) -> Result<(), ActionError> {
    value.map_or(Ok(()), |v| check_text(field, v, max_chars))
}

/// A value as the database keeps it: messages in their stored,
/// language-neutral form whatever the thread is rendering.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising kentai's own plain data types cannot fail.
    crate::domain::messages::render_in(None, || serde_json::to_string(value))
        .unwrap_or_else(|_| "null".into())
}
