//! A person's own API tokens (`/account/tokens`): the list by name with
//! when each was made, when it expires and when it was last used; a form
//! that makes one (shown once, in the answer to the form); and a revoke
//! button on each. Every role has the page: tokens are for whoever runs a
//! program against the API as themselves.

use super::desks::{answer, forbidden, Place};
use super::layout::{column_heads, time_tag};
use super::shown_once::{self, ShownOnce};
use super::text::admin::fill;
use super::text::tokens::{tokens as words, TokensText};
use super::text::Lang;
use super::{read_form, run_action, see_other, CsrfForm, SignedIn};
use crate::actions::api_tokens::{self, ApiTokenView, NewTokenRequest, NAME_MAX_CHARS};
use crate::actions::{ActionError, Ctx};
use crate::domain::messages::InputMsg;
use crate::domain::{Notice, RuleCode};
use crate::http::auth::csrf_matches;
use crate::http::AppError;
use actix_web::http::StatusCode;
use actix_web::ResponseError;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use maud::{html as markup, Markup};
use serde::Deserialize;

pub const PATH: &str = "/account/tokens";

/// The form that makes a token: its name and the last day it works.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NewTokenForm {
    csrf: String,
    name: String,
    /// `YYYY-MM-DD`, or empty for a token that works until revoked.
    expires_on: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

/// What the page says above the list: nothing, a revocation done, or a
/// refusal with its code.
enum Note {
    None,
    Revoked,
    Refused(AppError),
}

impl Note {
    fn status(&self) -> StatusCode {
        match self {
            Note::Refused(e) => e.status_code(),
            Note::None | Note::Revoked => StatusCode::OK,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Note::Refused(e) => match e.message() {
                crate::domain::Msg::Input(m) => m.field(),
                crate::domain::Msg::Record(_) if e.code() == RuleCode::DuplicateTokenName => {
                    Some("name")
                }
                _ => None,
            },
            _ => None,
        }
    }
}

fn note_block(lang: Lang, t: &TokensText, note: &Note) -> Markup {
    markup! {
        @match note {
            Note::None => {},
            Note::Revoked => p class="done" role="status" { (t.revoked_done) },
            Note::Refused(e) => div class="error" role="alert" id="form-error" {
                p { (e.message().render(lang)) }
                p class="detail" { (t.error_code) ": " code { (e.code().as_str()) } }
            },
        }
    }
}

fn list_block(t: &TokensText, csrf: &str, list: &[ApiTokenView]) -> Markup {
    markup! {
        @if list.is_empty() {
            p { (t.none) }
        } @else {
            table class="tokens" {
                (column_heads(&[t.col_name, t.col_created, t.col_expires, t.col_last_used, t.col_action]))
                tbody {
                    @for token in list {
                        tr {
                            td { (token.name) }
                            td { (time_tag(&token.created_at)) }
                            td {
                                @match &token.expires_at {
                                    Some(at) => {
                                        (time_tag(at))
                                        @if token.expired { " (" (t.expired) ")" }
                                    },
                                    None => (t.no_expiry),
                                }
                            }
                            td {
                                @match &token.last_used_at {
                                    Some(at) => (time_tag(at)),
                                    None => (t.never_used),
                                }
                            }
                            td {
                                form method="post" action={ (PATH) "/" (token.id) "/revoke" } class="inline" {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" aria-label=(fill(t.revoke_label, &[("name", &token.name)])) {
                                        (t.revoke_button)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn create_block(t: &TokensText, csrf: &str, form: &NewTokenForm, note: &Note) -> Markup {
    let invalid = |field: &str| (note.field() == Some(field)).then_some("true");
    let described = |hint: &str, field: &str| {
        if invalid(field).is_some() {
            format!("{hint} form-error")
        } else {
            hint.to_string()
        }
    };
    markup! {
        section aria-labelledby="new-token-title" {
            h2 id="new-token-title" { (t.new_title) }
            form method="post" action=(PATH) class="stack" {
                input type="hidden" name="csrf" value=(csrf);
                label for="token-name" { (t.name_label) }
                input id="token-name" name="name" type="text" required
                    maxlength=(NAME_MAX_CHARS) value=(form.name) autocomplete="off"
                    aria-describedby=(described("token-name-hint", "name"))
                    aria-invalid=[invalid("name")];
                p class="hint" id="token-name-hint" { (t.name_hint) }
                label for="token-expires" { (t.expires_label) }
                input id="token-expires" name="expires_on" type="date" value=(form.expires_on)
                    aria-describedby=(described("token-expires-hint", "expires_at"))
                    aria-invalid=[invalid("expires_at")];
                p class="hint" id="token-expires-hint" { (t.expires_hint) }
                button type="submit" class="primary" { (t.create_button) }
            }
        }
    }
}

/// The page with the person's tokens as they now are.
async fn list_page(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    note: Note,
    form: &NewTokenForm,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(req);
    let t = words(lang);
    let list = run_action(ctx, &user.session.actor, |ctx, actor, _| {
        api_tokens::list_own(ctx, actor)
    })
    .await??;
    let csrf = &user.session.csrf;
    let body = markup! {
        section aria-labelledby="tokens-title" {
            h1 id="tokens-title" { (t.title) }
            p { (t.intro) }
            (note_block(lang, t, &note))
            (list_block(t, csrf, &list))
        }
        (create_block(t, csrf, form, &note))
    };
    let place = Place {
        lang,
        path: PATH,
        session: Some(&user.session),
        section: None,
        scripts: &[],
    };
    Ok(answer(req, note.status(), &place, t.title, body))
}

/// `GET /account/tokens`.
pub async fn page(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let note = if query.done == "revoked" {
        Note::Revoked
    } else {
        Note::None
    };
    list_page(&req, &user, &ctx, note, &NewTokenForm::default()).await
}

/// The expiry a form's date means: the end of that day in the site's time
/// zone (the next midnight), so the token works all of the day chosen.
fn end_of(
    ctx: &Ctx,
    day: &str,
) -> Result<Option<chrono::DateTime<chrono::FixedOffset>>, ActionError> {
    let day = day.trim();
    if day.is_empty() {
        return Ok(None);
    }
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
        ActionError::Invalid(Notice::new(
            RuleCode::InvalidInput,
            InputMsg::NotADate {
                field: "expires_at".into(),
            },
        ))
    })?;
    let (_, next_midnight) = ctx.day_range(date)?;
    Ok(Some(ctx.site_time(next_midnight)))
}

/// `POST /account/tokens`: the new token, shown once in this answer; or
/// the page again with what is wrong (and nothing made).
pub async fn create(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(&req);
    let form: NewTokenForm = read_form(&body);
    if !csrf_matches(Some(&form.csrf), &user.session.csrf) {
        return Ok(forbidden(&req, lang, Some(&user.session)));
    }
    let (name, expires_on) = (form.name.clone(), form.expires_on.clone());
    let made = run_action(&ctx, &user.session.actor, move |ctx, actor, _| {
        let request = NewTokenRequest {
            name,
            expires_at: end_of(ctx, &expires_on)?,
        };
        api_tokens::create(ctx, actor, &request)
    })
    .await?;
    let made = match made {
        Ok(made) => made,
        Err(e) => return list_page(&req, &user, &ctx, Note::Refused(e.into()), &form).await,
    };
    let t = words(lang);
    let holder = fill(t.created_for, &[("name", &made.name)]);
    let shown = ShownOnce {
        title: t.created_title,
        holder: &holder,
        label: t.token_label,
        id: "new-token",
        secret: &made.token,
        once: t.token_once,
        notes: &[t.token_use],
        next: (PATH, t.back),
    };
    let place = Place {
        lang,
        path: PATH,
        session: Some(&user.session),
        section: None,
        scripts: &[],
    };
    Ok(shown_once::page(&req, StatusCode::CREATED, &place, &shown))
}

/// `POST /account/tokens/{token_id}/revoke`: 303 back to the list, or the
/// list with the refusal (another person's or an unknown token: 404).
pub async fn revoke(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(&req);
    let form: CsrfForm = read_form(&body);
    if !csrf_matches(Some(&form.csrf), &user.session.csrf) {
        return Ok(forbidden(&req, lang, Some(&user.session)));
    }
    let raw = req
        .match_info()
        .get("token_id")
        .unwrap_or_default()
        .to_string();
    let revoked = run_action(&ctx, &user.session.actor, move |ctx, actor, _| {
        let id = raw.parse::<i64>().map_err(|_| {
            ActionError::NotFound(Notice::new(
                RuleCode::NotFound,
                crate::domain::messages::RecordMsg::NoApiToken { id: raw.clone() },
            ))
        })?;
        api_tokens::revoke_own(ctx, actor, id)
    })
    .await?;
    match revoked {
        Ok(()) => Ok(see_other(&format!("{PATH}?done=revoked"))),
        Err(e) => {
            list_page(
                &req,
                &user,
                &ctx,
                Note::Refused(e.into()),
                &NewTokenForm::default(),
            )
            .await
        }
    }
}
