//! A person's own account (`/account/password`): changing their password,
//! and setting the PIN they type after scanning their staff badge. After
//! an admin sets a one-time password this is the only page that opens, so
//! nobody works under a password someone else knows.

use super::desks::{answer, forbidden, Place};
use super::{run_action, see_other, SignedIn};
use crate::actions::{badges, passwords, Ctx};
use crate::domain::messages::Msg;
use crate::http::auth::csrf_matches;
use crate::http::AppError;
use actix_web::http::StatusCode;
use actix_web::ResponseError;
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html as markup, Markup};
use serde::Deserialize;

pub const PATH: &str = "/account/password";

/// Where the PIN form posts.
pub const PIN_PATH: &str = "/account/pin";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PinForm {
    csrf: String,
    current_password: String,
    pin: String,
    pin_again: String,
}

/// The badge PIN: set with the person's password, so a PC left signed in
/// does not let someone else choose it.
fn pin_section(
    lang: crate::web::text::Lang,
    user: &SignedIn,
    done: bool,
    error: Option<String>,
) -> Markup {
    let b = crate::web::text::badges::badges(lang);
    let t = {
        use super::text::PageWords;
        lang.text()
    };
    markup! {
        section class="narrow" aria-labelledby="pin-title" {
            h2 id="pin-title" { (b.account_pin_title) }
            p { (b.account_pin_intro) }
            @if done {
                p class="done" role="status" { (b.account_pin_done) }
            }
            @if let Some(message) = &error {
                p class="error" id="pin-error" role="alert" { (message) }
            }
            form method="post" action=(PIN_PATH) class="stack" {
                input type="hidden" name="csrf" value=(user.session.csrf);
                input type="hidden" name="username" autocomplete="username" value=(user.session.actor.name);
                label for="pin_current_password" { (t.current_password_label) }
                input id="pin_current_password" name="current_password" type="password" required
                    autocomplete="current-password" aria-describedby="pin-password-hint";
                p class="hint" id="pin-password-hint" { (b.account_pin_needs_password) }
                label for="pin" { (b.account_pin_label) }
                input id="pin" name="pin" type="password" inputmode="numeric" pattern="[0-9]{4,8}"
                    maxlength="8" required autocomplete="off" aria-describedby="pin-hint";
                p class="hint" id="pin-hint" { (b.account_pin_hint) }
                label for="pin_again" { (b.account_pin_again) }
                input id="pin_again" name="pin_again" type="password" inputmode="numeric"
                    maxlength="8" required autocomplete="off";
                button type="submit" class="primary" { (b.account_pin_button) }
            }
        }
    }
}

/// The page: the password form, then (once the password is the person's
/// own) the PIN form.
fn account_body(
    lang: crate::web::text::Lang,
    user: &SignedIn,
    done: &str,
    password_error: Option<(&str, String)>,
    pin_error: Option<String>,
) -> Markup {
    markup! {
        (form_body(lang, user, done == "1", password_error))
        @if !user.session.must_change_password {
            (pin_section(lang, user, done == "pin", pin_error))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordForm {
    csrf: String,
    current_password: String,
    password: String,
    password_again: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoneQuery {
    done: String,
}

fn form_body(
    lang: crate::web::text::Lang,
    user: &SignedIn,
    done: bool,
    error: Option<(&str, String)>,
) -> Markup {
    use super::text::PageWords;
    let t = lang.text();
    let invalid = |field: &str| {
        error
            .as_ref()
            .is_some_and(|(f, _)| *f == field)
            .then_some("true")
    };
    markup! {
        section class="narrow" aria-labelledby="password-title" {
            h1 id="password-title" { (t.password_title) }
            @if user.session.must_change_password {
                p class="notice" role="status" { (t.password_must_change) }
            } @else {
                p { (t.password_intro) }
            }
            @if done {
                p class="done" role="status" { (t.password_changed) }
            }
            @if let Some((_, message)) = &error {
                p class="error" id="password-error" role="alert" { (message) }
            }
            form method="post" action=(PATH) class="stack" {
                input type="hidden" name="csrf" value=(user.session.csrf);
                // The login name, for the browser's password manager.
                input type="hidden" name="username" autocomplete="username" value=(user.session.actor.name);
                label for="current_password" { (t.current_password_label) }
                input id="current_password" name="current_password" type="password" required
                    autocomplete="current-password" autofocus
                    aria-invalid=[invalid("current_password")];
                label for="password" { (t.new_password_label) }
                input id="password" name="password" type="password" required
                    autocomplete="new-password" aria-describedby="password-hint"
                    aria-invalid=[invalid("password")];
                p class="hint" id="password-hint" { (t.new_password_hint) }
                label for="password_again" { (t.new_password_again_label) }
                input id="password_again" name="password_again" type="password" required
                    autocomplete="new-password"
                    aria-invalid=[invalid("password_again")];
                button type="submit" class="primary" { (t.change_password_button) }
            }
        }
    }
}

fn page(req: &HttpRequest, user: &SignedIn, status: StatusCode, body: Markup) -> HttpResponse {
    use super::text::PageWords;
    let lang = super::lang(req);
    let place = Place {
        lang,
        path: PATH,
        session: Some(&user.session),
        section: None,
        scripts: &[],
    };
    answer(req, status, &place, lang.text().password_title, body)
}

/// `GET /account/password`.
pub async fn form(
    req: HttpRequest,
    user: SignedIn,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(&req);
    let body = account_body(lang, &user, &query.done, None, None);
    Ok(page(&req, &user, StatusCode::OK, body))
}

/// `POST /account/password`: the change, or the form again with what is
/// wrong (and nothing changed).
pub async fn submit(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(&req);
    let form = form.into_inner();
    if !csrf_matches(Some(&form.csrf), &user.session.csrf) {
        return Ok(forbidden(&req, lang, Some(&user.session)));
    }
    let changed = run_action(&ctx, &user.session.actor, move |ctx, actor, _| {
        passwords::change_own(
            ctx,
            actor,
            &form.current_password,
            &form.password,
            &form.password_again,
        )
    })
    .await?;
    match changed {
        Ok(()) if user.session.must_change_password => Ok(see_other("/")),
        Ok(()) => Ok(see_other(&format!("{PATH}?done=1"))),
        Err(e) => {
            let message = e.message();
            let field = match &message {
                Msg::Input(m) => m.field().unwrap_or("password").to_string(),
                _ => "password".to_string(),
            };
            let status = AppError::from(e).status_code();
            let body = account_body(lang, &user, "", Some((&field, message.render(lang))), None);
            Ok(page(&req, &user, status, body))
        }
    }
}

/// `POST /account/pin`: the new PIN, or the page again with what is wrong
/// (and nothing changed).
pub async fn set_pin(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    form: web::Form<PinForm>,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(&req);
    let form = form.into_inner();
    if !csrf_matches(Some(&form.csrf), &user.session.csrf) || user.session.must_change_password {
        return Ok(forbidden(&req, lang, Some(&user.session)));
    }
    let set = run_action(&ctx, &user.session.actor, move |ctx, actor, _| {
        badges::set_own_pin(
            ctx,
            actor,
            &form.current_password,
            &form.pin,
            &form.pin_again,
        )
    })
    .await?;
    match set {
        Ok(()) => Ok(see_other(&format!("{PATH}?done=pin"))),
        Err(e) => {
            let message = e.message().render(lang);
            let status = AppError::from(e).status_code();
            let body = account_body(lang, &user, "", None, Some(message));
            Ok(page(&req, &user, status, body))
        }
    }
}
