//! The admin pages: users and their tokens, stations and the
//! scanners' live state, storage locations, the kit catalog, and the
//! policy in force.
//!
//! Admin only: every other role gets the 403 page on every route, GET and
//! POST alike, before anything is read or written (the actions check the
//! role again underneath). Forms carry the session's CSRF token and change
//! things through the same actions as the API. A success answers 303 back
//! to the page (Post/Redirect/Get) with a `?done=` confirmation; a refusal
//! answers the page again with the action's status, the reason and its
//! code, and nothing changed. A new token is the exception: it is shown
//! once, in the answer to the form itself, never in a URL or a redirect.

use super::desks::{answer, checked_form, forbidden, open, Place};
use super::layout::{column_heads, json_island, time_tag, Section};
use super::text::admin::{self as words, AdminText};
use super::text::{self, Lang, PageWords};
use super::{run_action, see_other, CsrfForm, SignedIn};
use crate::actions::badges::{self, BadgeView};
use crate::actions::locations::{self, NewLocation};
use crate::actions::users::{self, NewUserRequest, UserView};
use crate::actions::{kits, passwords, ActionError, Actor, Ctx};
use crate::domain::ids::LocationCode;
use crate::domain::kits::{KitEntry, SwabMaterial};
use crate::domain::lifecycle::Coded;
use crate::domain::messages::RecordMsg;
use crate::domain::roles::Role;
use crate::domain::{Notice, RuleCode, SpecimenType, StorageClass};
use crate::http::AppError;
use crate::scanning::ScanService;
use crate::web::form_or_page;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use kentai_drivers::supervisor::DeviceStatus;
use maud::{html as markup, Markup};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// The admin pages, in the order the overview and the sub-menu list them.
const PAGES: [&str; 7] = [
    "/admin/users",
    "/admin/stations",
    "/admin/locations",
    "/admin/kits",
    "/admin/policy",
    "/admin/printing",
    "/admin/system",
];

fn page_title(t: &AdminText, path: &str) -> &'static str {
    match path {
        "/admin/users" => t.users_title,
        "/admin/stations" => t.stations_title,
        "/admin/locations" => t.locations_title,
        "/admin/kits" => t.kits_title,
        "/admin/policy" => t.policy_title,
        "/admin/printing" => t.printing_title,
        "/admin/system" => t.system_title,
        _ => t.index_title,
    }
}

/// What a page says above its content after a form.
enum Note {
    None,
    Done(&'static str),
    /// The page's form was refused: the page again, under the refusal's
    /// status, with its reason.
    Refused(AppError),
}

impl Note {
    fn refused(e: ActionError) -> Note {
        Note::Refused(AppError::from(e))
    }

    /// The page's status: the refusal's, else 200.
    fn status(&self) -> StatusCode {
        match self {
            Note::Refused(e) => e.status_code(),
            Note::None | Note::Done(_) => StatusCode::OK,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

/// The confirmation `?done=` asks for, if it is one of ours.
fn done_note(req: &HttpRequest) -> Note {
    web::Query::<DoneQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().done)
        .and_then(|key| words::done_label(super::lang(req), &key))
        .map_or(Note::None, Note::Done)
}

/// The form an admin form's handler may act on: the 403 page instead for
/// any role but admin, and for a form without this session's CSRF token,
/// before the form is read or anything is done.
fn admin_form<T: DeserializeOwned + Default>(
    req: &HttpRequest,
    user: &SignedIn,
    body: &[u8],
    csrf: impl Fn(&T) -> &str,
) -> Result<T, Box<HttpResponse>> {
    checked_form(req, user, body, Section::Admin, forbidden, csrf)
}

/// 303 back to an admin page after a create form (Post/Redirect/Get),
/// saying whether the `what` was made or was there already.
fn back_after_create(path: &str, what: &str, created: bool) -> HttpResponse {
    let done = if created { "created" } else { "exists" };
    see_other(&format!("{path}?done={what}_{done}"))
}

/// Why an action failed, as the page shows it: the reason in the page's
/// language, the message, the code.
fn error_block(lang: Lang, t: &AdminText, e: &AppError) -> Markup {
    markup! {
        div class="error" role="alert" id="form-error" {
            p { (words::reason_label(lang, e.code())) }
            p class="detail" { (e.message().render(lang)) }
            p class="detail" { (t.error_code) ": " code { (e.code().as_str()) } }
        }
    }
}

fn note_block(lang: Lang, t: &AdminText, note: &Note) -> Markup {
    markup! {
        @match note {
            Note::None => {},
            Note::Done(said) => div class="admin-done" role="status" { (said) },
            Note::Refused(e) => (error_block(lang, t, e)),
        }
    }
}

/// The admin pages' own menu, the current one marked.
fn sub_menu(t: &AdminText, current: &str) -> Markup {
    markup! {
        nav class="admin-menu-bar" aria-label=(t.menu_label) {
            ul {
                li { a href="/admin" aria-current=[(current == "/admin").then_some("page")] { (t.index_title) } }
                @for p in PAGES {
                    li { a href=(p) aria-current=[(current == p).then_some("page")] { (page_title(t, p)) } }
                }
            }
        }
    }
}

/// A whole admin page.
pub(super) fn admin_page(
    req: &HttpRequest,
    user: &SignedIn,
    status: StatusCode,
    path: &str,
    scripts: &[&str],
    body: Markup,
) -> HttpResponse {
    let lang = super::lang(req);
    let t = words::admin(lang);
    let place = Place {
        scripts,
        ..Place::of(lang, path, &user.session, Section::Admin)
    };
    let content = markup! {
        (sub_menu(t, path))
        (body)
    };
    answer(req, status, &place, page_title(t, path), content)
}

fn hidden_csrf(user: &SignedIn) -> Markup {
    markup! { input type="hidden" name="csrf" value=(user.session.csrf); }
}

// ---------------------------------------------------------------- overview

/// What the overview counts.
struct Counts {
    users: usize,
    disabled: usize,
    locations: usize,
    kits: usize,
    analyzer_waiting: i64,
    holds_specimens: bool,
}

/// `GET /admin`: the sub-pages, each with what it holds.
pub async fn index(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    service: web::Data<Arc<ScanService>>,
    links: Option<web::Data<crate::analyzers::AnalyzerLinks>>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Admin) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let t = words::admin(lang);
    let counts = run_action(&ctx, &user.session.actor, |c, actor, _| {
        let people = users::list_users(c, actor)?;
        Ok(Counts {
            users: people.len(),
            disabled: people.iter().filter(|u| u.disabled).count(),
            locations: locations::list(c, actor)?.len(),
            kits: kits::list(c, actor)?.len(),
            analyzer_waiting: crate::actions::analyzers::waiting_count(c, actor)?,
            holds_specimens: crate::doctor::holds_specimens(&c.store),
        })
    })
    .await??;
    let links = links
        .map(|l| l.statuses(&ctx.config.analyzers))
        .unwrap_or_default();
    let analyzers = analyzers_summary(t, &ctx, &links, counts.analyzer_waiting);
    let statuses = service.device_statuses();
    let configured = |s: &&DeviceStatus| ctx.config.scanners.iter().any(|c| c.name() == s.name);
    let reading = statuses
        .iter()
        .filter(configured)
        .filter(|s| is_connected(s.state.code()))
        .count();
    let lost = statuses.iter().filter(configured).count() - reading;
    let n = |v: usize| v.to_string();
    let summaries = [
        words::fill(
            t.users_count,
            &[
                ("n", &n(counts.users)),
                ("active", &n(counts.users - counts.disabled)),
                ("disabled", &n(counts.disabled)),
            ],
        ),
        format!(
            "{} / {}",
            words::fill(t.stations_count, &[("n", &n(ctx.config.stations.len()))]),
            words::fill(
                t.scanners_count,
                &[
                    ("n", &n(ctx.config.scanners.len())),
                    ("reading", &n(reading)),
                    ("lost", &n(lost)),
                ]
            )
        ),
        words::fill(t.locations_count, &[("n", &n(counts.locations))]),
        words::fill(t.kits_count, &[("n", &n(counts.kits))]),
        words::fill(
            t.policy_summary,
            &[
                ("days", &ctx.config.policy.saliva_max_days.to_string()),
                ("hours", &ctx.config.policy.fridge_max_hours.to_string()),
            ],
        ),
        words::fill(t.printers_count, &[("n", &n(ctx.config.printers.len()))]),
        super::admin_system::overview_line(t, &ctx)
            .map(|(line, _)| line)
            .unwrap_or_default(),
    ];
    let descriptions = [
        t.users_desc,
        t.stations_desc,
        t.locations_desc,
        t.kits_desc,
        t.policy_desc,
        t.printing_desc,
        t.system_desc,
    ];
    let backup_warning = super::admin_system::backup_warning(t, &ctx, counts.holds_specimens);
    let body = markup! {
        h1 { (t.index_title) }
        @if let Some(warning) = &backup_warning {
            (warning)
        }
        p { (t.index_intro) }
        ul class="admin-overview" {
            @for ((path, desc), summary) in PAGES.iter().zip(descriptions).zip(&summaries) {
                li {
                    h2 { a href=(path) { (page_title(t, path)) } }
                    p class="hint" { (desc) }
                    @if !summary.is_empty() {
                        p class="admin-count" { (summary) }
                    }
                }
            }
            @if let Some(summary) = &analyzers {
                li {
                    h2 { a href="/results/analyzers" { (t.analyzers_title) } }
                    p class="hint" { (t.analyzers_desc) }
                    p class="admin-count" { (summary) }
                }
            }
        }
        @if !ctx.config.analyzers.is_empty() {
            (super::analyzers::links_section(&ctx, lang, super::text::analyzers::analyzers(lang), &links))
        }
    };
    Ok(admin_page(&req, &user, StatusCode::OK, "/admin", &[], body))
}

/// The analysers in a line: how many, connected, failing, and the results
/// waiting; `None` at a site without analysers.
fn analyzers_summary(
    t: &AdminText,
    ctx: &Ctx,
    statuses: &[crate::analyzers::LinkStatus],
    waiting: i64,
) -> Option<String> {
    use crate::analyzers::LinkState;
    if ctx.config.analyzers.is_empty() {
        return None;
    }
    let count = |state| statuses.iter().filter(|s| s.state == state).count();
    Some(words::fill(
        t.analyzers_count,
        &[
            ("n", &ctx.config.analyzers.len().to_string()),
            ("connected", &count(LinkState::Connected).to_string()),
            ("failed", &count(LinkState::Failed).to_string()),
            ("waiting", &waiting.to_string()),
        ],
    ))
}

/// A scanner state that reads scans.
fn is_connected(state: &str) -> bool {
    matches!(state, "open" | "reading")
}

// ------------------------------------------------------------------- users

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserForm {
    csrf: String,
    name: String,
    role: String,
    /// Facility codes a health-centre user also reads, comma-separated.
    #[serde(default)]
    facilities: String,
}

/// `GET /admin/users`: the users, a form per row, and the create form.
pub async fn users(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Admin) {
        return Ok(refused);
    }
    let form = UserForm::default();
    users_page(&req, &user, &ctx, &done_note(&req), &form, false).await
}

async fn users_page(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    note: &Note,
    form: &UserForm,
    // The create form failed: its first field then points at the reason.
    create_failed: bool,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(req);
    let t = words::admin(lang);
    let (people, live_badges) = run_action(ctx, &user.session.actor, |c, actor, _| {
        Ok::<_, ActionError>((users::list_users(c, actor)?, badges::live(c)?))
    })
    .await??;
    let badge_of: HashMap<i64, &BadgeView> = live_badges.iter().map(|b| (b.user_id, b)).collect();
    let me = user.session.actor.id;
    let chosen_role = Role::from_code(&form.role).unwrap_or(Role::Reception);
    let body = markup! {
        h1 { (t.users_title) }
        p { (t.users_intro) }
        (note_block(lang, t, note))
        table class="data admin-users" {
            caption class="visually-hidden" { (t.users_caption) }
            (column_heads(&[t.col_name, t.col_role, t.col_status, t.col_created, text::badges::badges(lang).col_badge, t.col_actions]))
            tbody {
                @for u in &people {
                    (user_row(t, lang, user, u, me == Some(u.id), badge_of.get(&u.id).copied()))
                }
            }
        }
        p class="hint" { (t.station_users_hint) }
        section aria-labelledby="create-user-title" {
            h2 id="create-user-title" { (t.create_user_title) }
            form method="post" action="/admin/users" class="stack admin-form" {
                (hidden_csrf(user))
                label for="user-name" { (t.name_label) }
                input id="user-name" name="name" type="text" required maxlength="64"
                    autocomplete="off" value=(form.name)
                    aria-describedby={ "user-name-hint" @if create_failed { " form-error" } };
                p class="hint" id="user-name-hint" { (t.name_hint) }
                label for="user-role" { (t.role_label) }
                select id="user-role" name="role" required {
                    @for r in Role::ALL {
                        option value=(r.code()) selected[r == chosen_role] { (text::role_label(lang, r)) }
                    }
                }
                label for="user-facilities" { (t.facilities_label) }
                input id="user-facilities" name="facilities" type="text" maxlength="400"
                    autocomplete="off" value=(form.facilities) aria-describedby="user-facilities-hint";
                p class="hint" id="user-facilities-hint" { (t.facilities_hint) }
                button type="submit" class="primary" { (t.create_user_button) }
            }
        }
        p { a href="/admin" { (t.back_to_admin) } }
    };
    Ok(admin_page(
        req,
        user,
        note.status(),
        "/admin/users",
        &[],
        body,
    ))
}

fn user_row(
    t: &AdminText,
    lang: Lang,
    user: &SignedIn,
    u: &UserView,
    is_me: bool,
    badge: Option<&BadgeView>,
) -> Markup {
    let b = text::badges::badges(lang);
    // Each button says whose it is to a screen reader, which reads a row's
    // buttons out of the table's context.
    let whose = markup! { span class="visually-hidden" { ": " (u.name) } };
    // Station, analyser and import users are programs: `<kind>:<name>`, a
    // name no person can take; they get no password and no badge.
    let person = !u.name.contains(':');
    markup! {
        tr class=[u.disabled.then_some("admin-disabled")] {
            td { (u.name) @if is_me { (t.you) } }
            td {
                (text::role_label(lang, u.role))
                @if !u.facilities.is_empty() {
                    br; span class="hint" { (t.also_reads) (u.facilities.join(", ")) }
                }
            }
            td {
                (if u.disabled { t.status_disabled } else { t.status_active })
                @if u.has_password { br; span class="hint" { (t.has_password) } }
            }
            td { (time_tag(&u.created_at)) }
            td {
                @if person {
                    @match badge {
                        Some(badge) => {
                            code { (badge.label) }
                            br;
                        }
                        None => { span class="hint" { (b.no_badge) } br; }
                    }
                    span class="hint" { (if u.has_pin { b.pin_set } else { b.pin_not_set }) }
                    @if !u.disabled {
                        div class="admin-row-actions" {
                            form method="post" action={ "/admin/users/" (u.id) "/badge" } class="inline" {
                                (hidden_csrf(user))
                                button type="submit" {
                                    (if badge.is_some() { b.reprint_badge } else { b.issue_badge }) (whose)
                                }
                            }
                            @if let Some(badge) = badge {
                                form method="post" action={ "/admin/badges/" (badge.id) "/revoke" } class="inline" {
                                    (hidden_csrf(user))
                                    button type="submit" { (b.revoke_badge) (whose) }
                                }
                            }
                        }
                    }
                }
            }
            td {
                div class="admin-row-actions" {
                    @if u.disabled {
                        form method="post" action={ "/admin/users/" (u.id) "/enable" } class="inline" {
                            (hidden_csrf(user))
                            button type="submit" { (t.enable_button) (whose) }
                        }
                    } @else if is_me {
                        span class="hint" { (t.self_hint) }
                    } @else {
                        form method="post" action={ "/admin/users/" (u.id) "/disable" } class="inline" {
                            (hidden_csrf(user))
                            button type="submit" { (t.disable_button) (whose) }
                        }
                    }
                    form method="post" action={ "/admin/users/" (u.id) "/token" } class="inline" {
                        (hidden_csrf(user))
                        button type="submit" { (t.token_button) (whose) }
                    }
                    @if !u.disabled && person {
                        form method="post" action={ "/admin/users/" (u.id) "/password" } class="inline" {
                            (hidden_csrf(user))
                            button type="submit" { (t.one_time_button) (whose) }
                        }
                    }
                }
            }
        }
    }
}

/// `POST /admin/users`: creates the user and shows its token once.
pub async fn create_user(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: UserForm = form_or_page!(admin_form(&req, &user, &body, |f: &UserForm| &f.csrf));
    let name = form.name.trim().to_string();
    let role = form.role.clone();
    let facilities: Vec<String> = form
        .facilities
        .split([',', '、', ' ', '\u{3000}'])
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    let created = run_action(&ctx, &user.session.actor, move |c, actor, _| {
        let role = Role::from_field("role", &role).map_err(ActionError::invalid)?;
        users::create_user(
            c,
            actor,
            &NewUserRequest {
                name,
                role,
                facilities,
            },
        )
    })
    .await?;
    match created {
        Ok(created) => Ok(token_page(
            &req,
            &user,
            StatusCode::CREATED,
            &created.user,
            &created.token,
            true,
        )),
        Err(e) => users_page(&req, &user, &ctx, &Note::refused(e), &form, true).await,
    }
}

/// A credential shown once: a token or a one-time password.
struct ShownOnce<'a> {
    title: &'a str,
    /// Whose it is: a template with `{name}` and `{role}`.
    holder_line: &'a str,
    label: &'a str,
    /// The HTML id of the credential, for whoever copies it.
    id: &'a str,
    secret: &'a str,
    once: &'a str,
    /// What else the page says, under the warning.
    notes: &'a [&'a str],
    /// What it says when the holder is the admin looking at it.
    own_note: Option<&'a str>,
}

/// The one page a credential is ever shown on. Replacing one's own ended
/// this very session: the page says so and offers no links that would
/// only lead to the sign-in page.
fn shown_once(
    req: &HttpRequest,
    user: &SignedIn,
    status: StatusCode,
    holder: &UserView,
    shown: &ShownOnce<'_>,
) -> HttpResponse {
    let lang = super::lang(req);
    let t = words::admin(lang);
    let own = user.session.actor.id == Some(holder.id);
    let role = text::role_label(lang, holder.role);
    let holder_line = words::fill(shown.holder_line, &[("name", &holder.name), ("role", role)]);
    let mut notes = shown.notes.to_vec();
    if let (true, Some(note)) = (own, shown.own_note) {
        notes.push(note);
    }
    let next = if own {
        ("/signin", t.sign_in_again)
    } else {
        ("/admin/users", t.back_to_users)
    };
    let place = Place {
        session: (!own).then_some(&user.session),
        ..Place::of(lang, "/admin/users", &user.session, Section::Admin)
    };
    let page = super::shown_once::ShownOnce {
        title: shown.title,
        holder: &holder_line,
        label: shown.label,
        id: shown.id,
        secret: shown.secret,
        once: shown.once,
        notes: &notes,
        next,
    };
    super::shown_once::page(req, status, &place, &page)
}

/// The one page a token is ever shown on.
fn token_page(
    req: &HttpRequest,
    user: &SignedIn,
    status: StatusCode,
    holder: &UserView,
    token: &str,
    created: bool,
) -> HttpResponse {
    let t = words::admin(super::lang(req));
    let shown = ShownOnce {
        title: if created {
            t.user_created_title
        } else {
            t.token_issued_title
        },
        holder_line: t.token_for,
        label: t.token_label,
        id: "new-token",
        secret: token,
        once: t.token_once,
        notes: if created { &[] } else { &[t.token_replaced] },
        own_note: Some(t.token_self),
    };
    shown_once(req, user, status, holder, &shown)
}

/// The user id of `/admin/users/{user_id}/…`; an id that is no number is
/// no user.
fn path_user_id(req: &HttpRequest) -> Result<i64, ActionError> {
    let raw = req.match_info().get("user_id").unwrap_or_default();
    raw.parse().map_err(|_| {
        ActionError::NotFound(Notice::new(
            RuleCode::NotFound,
            RecordMsg::NoUser {
                id: raw.to_string(),
            },
        ))
    })
}

/// `POST /admin/users/{user_id}/disable`.
pub async fn disable_user(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let disable = |c: &Ctx, actor: &Actor, id| users::set_disabled(c, actor, id, true);
    let done = |_| see_other("/admin/users?done=user_disabled");
    on_user(&req, &user, &ctx, &body, disable, done).await
}

/// `POST /admin/users/{user_id}/enable`.
pub async fn enable_user(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let enable = |c: &Ctx, actor: &Actor, id| users::set_disabled(c, actor, id, false);
    let done = |_| see_other("/admin/users?done=user_enabled");
    on_user(&req, &user, &ctx, &body, enable, done).await
}

/// `POST /admin/users/{user_id}/token`: a new token, shown once.
pub async fn new_token(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let done = |issued: users::IssuedToken| {
        token_page(
            &req,
            &user,
            StatusCode::OK,
            &issued.user,
            &issued.token,
            false,
        )
    };
    on_user(&req, &user, &ctx, &body, users::new_token, done).await
}

/// `POST /admin/users/{user_id}/password`: a one-time password, shown
/// once.
pub async fn one_time_password(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let done = |(holder, password): (UserView, String)| {
        let t = words::admin(super::lang(&req));
        let shown = ShownOnce {
            title: t.one_time_title,
            holder_line: t.one_time_for,
            label: t.one_time_label,
            id: "one-time-password",
            secret: &password,
            once: t.one_time_once,
            notes: &[],
            own_note: None,
        };
        shown_once(&req, &user, StatusCode::OK, &holder, &shown)
    };
    on_user(&req, &user, &ctx, &body, passwords::set_one_time, done).await
}

/// `POST /admin/users/{user_id}/badge`: a new badge (the old one stops
/// working), shown once as a card to print.
pub async fn issue_badge(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let done = |issued: badges::IssuedBadge| badge_card_page(&req, &user, &issued);
    on_user(&req, &user, &ctx, &body, badges::issue, done).await
}

/// The one page a badge's barcode is ever shown on: the card, to print.
fn badge_card_page(
    req: &HttpRequest,
    user: &SignedIn,
    issued: &badges::IssuedBadge,
) -> HttpResponse {
    let lang = super::lang(req);
    let b = text::badges::badges(lang);
    let t = words::admin(lang);
    let card = crate::print::badge::BadgeCard {
        holder: &issued.user_name,
        role: text::role_label(lang, issued.role),
        label: &issued.badge.label,
        code: &issued.code,
        title: b.card_title,
    };
    let svg = crate::print::badge::svg(&card).map(|svg| {
        svg.find("<svg")
            .map(|i| svg[i..].to_string())
            .unwrap_or_default()
    });
    let body = markup! {
        h1 { (b.card_title) ": " (issued.user_name) }
        p class="admin-once" { strong { (b.card_intro) } }
        @match &svg {
            Ok(svg) => { div class="badge-card" { (maud::PreEscaped(svg)) } }
            Err(e) => { p class="error" { (e.to_string()) } }
        }
        p { (b.card_pin_note) }
        p class="no-print" {
            button type="button" class="primary" data-print { (b.card_print) }
            " "
            a href="/admin/users" { (t.back_to_users) }
        }
    };
    let place = Place {
        scripts: &["print.js"],
        ..Place::of(lang, "/admin/users", &user.session, Section::Admin)
    };
    answer(req, StatusCode::OK, &place, b.card_title, body)
}

/// `POST /admin/badges/{badge_id}/revoke`.
pub async fn revoke_badge(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    if let Err(page) = admin_form(&req, &user, &body, |f: &CsrfForm| &f.csrf) {
        return Ok(*page);
    }
    let raw = req
        .match_info()
        .get("badge_id")
        .unwrap_or_default()
        .to_string();
    let result = run_action(&ctx, &user.session.actor, move |c, actor, _| {
        let id: i64 = raw.parse().map_err(|_| {
            ActionError::NotFound(Notice::new(
                RuleCode::UnknownBadge,
                crate::domain::messages::ScanMsg::UnknownBadge { label: raw.clone() },
            ))
        })?;
        badges::revoke(c, actor, id)
    })
    .await?;
    match result {
        Ok(_) => Ok(see_other("/admin/users?done=badge_revoked")),
        Err(e) => {
            let form = UserForm::default();
            users_page(&req, &user, &ctx, &Note::refused(e), &form, false).await
        }
    }
}

/// A form on one row of the users page (disable, enable, a new token):
/// `action` on the user the path names, then `done`'s answer; a refusal
/// shows the users page again, with its reason.
async fn on_user<T, A>(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    body: &[u8],
    action: A,
    done: impl FnOnce(T) -> HttpResponse,
) -> Result<HttpResponse, AppError>
where
    T: Send + 'static,
    A: FnOnce(&Ctx, &Actor, i64) -> Result<T, ActionError> + Send + 'static,
{
    if let Err(page) = admin_form(req, user, body, |f: &CsrfForm| &f.csrf) {
        return Ok(*page);
    }
    let target = path_user_id(req);
    match run_action(ctx, &user.session.actor, move |c, actor, _| {
        action(c, actor, target?)
    })
    .await?
    {
        Ok(result) => Ok(done(result)),
        Err(e) => {
            let form = UserForm::default();
            users_page(req, user, ctx, &Note::refused(e), &form, false).await
        }
    }
}

// ---------------------------------------------------- stations and scanners

/// A configured scanner as the stations page shows it.
struct ScannerLine<'a> {
    name: &'a str,
    kind: &'a str,
    station: Option<&'a str>,
    place: String,
    /// The live state's code, or `None` when nothing runs it.
    state: Option<&'static str>,
    detail: Option<String>,
    off: bool,
}

/// `GET /admin/stations`: the stations, and the scanners with their live
/// state (kept live by `admin.js`).
pub async fn stations(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    service: web::Data<Arc<ScanService>>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Admin) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let t = words::admin(lang);
    let base = lang.text();
    let config = &ctx.config;
    let statuses: HashMap<String, DeviceStatus> = service
        .device_statuses()
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect();
    let lines: Vec<ScannerLine<'_>> = config
        .scanners
        .iter()
        .map(|s| {
            let live = statuses.get(s.name());
            ScannerLine {
                name: s.name(),
                kind: s.kind(),
                station: s.setting("station"),
                place: s
                    .device
                    .as_ref()
                    .map(|d| d.kind.target())
                    .or_else(|| live.map(|l| l.target.clone()))
                    .or_else(|| s.setting("path").map(str::to_string))
                    .unwrap_or_else(|| "—".into()),
                state: live.map(|l| l.state.code()),
                // Why it is not connected; once it reads again, an old
                // error would only confuse (bad scans show on the station page).
                detail: live
                    .filter(|l| !is_connected(l.state.code()))
                    .and_then(|l| l.last_error.clone()),
                off: s.device.is_none(),
            }
        })
        .collect();
    let state_words: serde_json::Map<String, serde_json::Value> =
        ["absent", "open", "reading", "lost", "back_off"]
            .into_iter()
            .filter_map(|s| Some((s.to_string(), text::device_state_label(lang, s)?.into())))
            .collect();
    let data = serde_json::json!({
        "states": state_words,
        "stopped": t.state_updated_stopped,
    });
    let body = markup! {
        h1 { (t.stations_title) }
        p { (t.stations_intro) }
        h2 { (t.stations_heading) }
        @if config.stations.is_empty() {
            p { (t.no_stations) }
        } @else {
            table class="data" {
                (column_heads(&[t.col_station, t.col_workflow, t.col_station_scanners]))
                tbody {
                    @for s in &config.stations {
                        tr {
                            th scope="row" { a href={ "/stations/" (s.name) } { (s.name) } }
                            td { (text::workflow_label(lang, s.workflow)) }
                            td {
                                (lines.iter().filter(|l| l.station == Some(s.name.as_str())).map(|l| l.name).collect::<Vec<_>>().join(", "))
                            }
                        }
                    }
                }
            }
        }
        h2 { (t.scanners_heading) }
        @if lines.is_empty() {
            p { (t.no_scanners) }
        } @else {
            p class="hint" id="scanners-live" { (t.scanners_live) }
            table class="data" id="admin-scanners" {
                (column_heads(&[t.col_scanner, t.col_kind, t.col_station, t.col_where, t.col_state]))
                tbody {
                    @for l in &lines {
                        tr data-scanner=(l.name) {
                            th scope="row" { (l.name) }
                            td { (words::kind_label(lang, l.kind).unwrap_or(l.kind)) }
                            td {
                                @match l.station {
                                    Some(s) => a href={ "/stations/" (s) } { (s) },
                                    None => "—",
                                }
                            }
                            td { code { (l.place) } }
                            (state_cell(t, base, lang, l))
                        }
                    }
                }
            }
            (json_island("admin-data", &data))
        }
        p { a href="/admin" { (t.back_to_admin) } }
    };
    Ok(admin_page(
        &req,
        &user,
        StatusCode::OK,
        "/admin/stations",
        &["admin.js"],
        body,
    ))
}

fn state_cell(t: &AdminText, base: &text::Text, lang: Lang, l: &ScannerLine<'_>) -> Markup {
    let label = match l.state {
        Some(code) => text::device_state_label(lang, code).unwrap_or(code),
        None if l.off => t.state_disabled,
        None => t.state_not_started,
    };
    // Polite and atomic: a change is read out once, with the scanner's name.
    markup! {
        td class="admin-state" data-state=[l.state] aria-live="polite" aria-atomic="true" {
            span class="visually-hidden" { (base.col_device) " " (l.name) ": " }
            span class="admin-state-label" { (label) }
            span class="admin-state-detail" {
                @if let Some(d) = &l.detail { " — " (d) }
            }
        }
    }
}

// --------------------------------------------------------------- locations

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LocationForm {
    csrf: String,
    code: String,
    name: String,
    storage_class: String,
}

/// `GET /admin/locations`: the locations and the create form.
pub async fn locations(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Admin) {
        return Ok(refused);
    }
    let form = LocationForm::default();
    locations_page(&req, &user, &ctx, &done_note(&req), &form).await
}

async fn locations_page(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    note: &Note,
    form: &LocationForm,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(req);
    let t = words::admin(lang);
    let list = run_action(ctx, &user.session.actor, |c, actor, _| {
        locations::list(c, actor)
    })
    .await??;
    let chosen = StorageClass::from_code(&form.storage_class).unwrap_or(StorageClass::Fridge4c);
    // The page is shown with an error only after its own form failed.
    let failed = matches!(note, Note::Refused(_));
    let class_label = |c| text::specimens::storage_class_label(lang, c);
    let body = markup! {
        h1 { (t.locations_title) }
        p { (t.locations_intro) }
        @if !list.is_empty() {
            p { a href="/admin/locations/labels" { (t.labels_link) } }
        }
        (note_block(lang, t, note))
        @if list.is_empty() {
            p { (t.no_locations) }
        } @else {
            table class="data" {
                (column_heads(&[t.col_code, t.col_name, t.col_class, t.col_created]))
                tbody {
                    @for l in &list {
                        tr {
                            th scope="row" { code { (l.code) } }
                            td { (l.name) }
                            td { (class_label(l.storage_class)) }
                            td { (time_tag(&l.created_at)) }
                        }
                    }
                }
            }
        }
        section aria-labelledby="create-location-title" {
            h2 id="create-location-title" { (t.create_location_title) }
            form method="post" action="/admin/locations" class="stack admin-form" {
                (hidden_csrf(user))
                label for="location-code" { (t.code_label) }
                input id="location-code" name="code" type="text" required maxlength="80"
                    autocomplete="off" value=(form.code)
                    aria-describedby={ "location-code-hint" @if failed { " form-error" } };
                p class="hint" id="location-code-hint" { (t.code_hint) }
                label for="location-name" { (t.name_label) }
                input id="location-name" name="name" type="text" required maxlength="200"
                    autocomplete="off" value=(form.name) aria-describedby="location-name-hint";
                p class="hint" id="location-name-hint" { (t.location_name_hint) }
                label for="location-class" { (t.class_label) }
                select id="location-class" name="storage_class" required {
                    @for c in StorageClass::ALL {
                        option value=(c.code()) selected[c == chosen] { (class_label(c)) }
                    }
                }
                button type="submit" class="primary" { (t.create_location_button) }
            }
        }
        p { a href="/admin" { (t.back_to_admin) } }
    };
    Ok(admin_page(
        req,
        user,
        note.status(),
        "/admin/locations",
        &[],
        body,
    ))
}

/// `GET /admin/locations/labels`: every location's label on A4 sheets,
/// ten to a sheet, ready to print and stick on the fridges (the images
/// are the API's own labels, which the session cookie opens).
pub async fn location_labels(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Admin) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let t = words::admin(lang);
    let list = run_action(&ctx, &user.session.actor, |c, actor, _| {
        locations::list(c, actor)
    })
    .await??;
    let class_label = |c| text::specimens::storage_class_label(lang, c);
    let body = markup! {
        div class="sheet-intro" {
            p { a href="/admin/locations" { (t.back_to_locations) } }
            h1 { (t.labels_title) }
            p { (t.labels_intro) }
            div class="print-controls" {
                button type="button" class="primary" data-print { (t.labels_print) }
                (super::printing::printed_note(&req))
            }
        }
        @if list.is_empty() {
            p { (t.no_locations) }
        } @else {
            ul class="location-labels" {
                @for l in &list {
                    li data-code=(l.code) {
                        @if crate::print::location_label::check(&l.code).is_ok() {
                            img src={ "/api/v1/locations/" (super::encode_path_segment(&l.code)) "/label?format=svg" }
                                alt=(text::packing::fill(t.label_alt, &[("name", &l.name), ("code", &l.code), ("class", class_label(l.storage_class))]))
                                width="378" height="189";
                            (super::printing::send_buttons_on(
                                &req, &user, crate::config::PrintDocument::LocationLabel, &l.code,
                                "/admin/locations/labels", &[crate::config::PrinterKind::Raw9100, crate::config::PrinterKind::Ipp],
                            ))
                        } @else {
                            p class="unprintable" { (text::packing::fill(t.label_unprintable, &[("code", &l.code)])) }
                        }
                    }
                }
            }
        }
    };
    let place = Place {
        scripts: &["print.js"],
        ..Place::of(
            lang,
            "/admin/locations/labels",
            &user.session,
            Section::Admin,
        )
    };
    Ok(answer(&req, StatusCode::OK, &place, t.labels_title, body))
}

/// `POST /admin/locations`.
pub async fn create_location(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: LocationForm =
        form_or_page!(admin_form(&req, &user, &body, |f: &LocationForm| &f.csrf));
    // Pasted codes often bring a space along; the API itself refuses them.
    let code = form.code.trim().to_string();
    let name = form.name.trim().to_string();
    let class = form.storage_class.clone();
    let result = run_action(&ctx, &user.session.actor, move |c, actor, now| {
        let code = LocationCode::parse(code).map_err(|e| ActionError::invalid(e.message()))?;
        let storage_class =
            StorageClass::from_field("storage_class", &class).map_err(ActionError::invalid)?;
        let new = NewLocation {
            code,
            name,
            storage_class,
        };
        locations::create(c, actor, &new, now)
    })
    .await?;
    match result {
        Ok(made) => Ok(back_after_create(
            "/admin/locations",
            "location",
            made.created,
        )),
        Err(e) => locations_page(&req, &user, &ctx, &Note::refused(e), &form).await,
    }
}

// -------------------------------------------------------------------- kits

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct KitForm {
    csrf: String,
    gtin: String,
    specimen_type: String,
    swab_material: String,
    description: String,
}

/// `GET /admin/kits`: the kit catalog and the create form.
pub async fn kits(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Admin) {
        return Ok(refused);
    }
    let form = KitForm::default();
    kits_page(&req, &user, &ctx, &done_note(&req), &form).await
}

async fn kits_page(
    req: &HttpRequest,
    user: &SignedIn,
    ctx: &web::Data<Ctx>,
    note: &Note,
    form: &KitForm,
) -> Result<HttpResponse, AppError> {
    let lang = super::lang(req);
    let t = words::admin(lang);
    let list = run_action(ctx, &user.session.actor, |c, actor, _| kits::list(c, actor)).await??;
    let chosen_type =
        SpecimenType::from_code(&form.specimen_type).unwrap_or(SpecimenType::NasopharyngealSwab);
    let chosen_material =
        SwabMaterial::from_code(&form.swab_material).unwrap_or(SwabMaterial::Flocked);
    let failed = matches!(note, Note::Refused(_));
    let body = markup! {
        h1 { (t.kits_title) }
        p { (t.kits_intro) }
        (note_block(lang, t, note))
        @if list.is_empty() {
            p { (t.no_kits) }
        } @else {
            table class="data" {
                (column_heads(&[t.col_gtin, t.col_type, t.col_material, t.col_description, t.col_source]))
                tbody {
                    @for k in &list {
                        tr {
                            th scope="row" { code { (k.gtin) } }
                            td { (text::specimen_type_label(lang, k.specimen_type)) }
                            td {
                                (words::material_label(lang, k.swab_material))
                                @if k.reduces_yield {
                                    " " span class="admin-warn" { "（" (t.reduces_yield) "）" }
                                }
                            }
                            td { (k.description) }
                            td {
                                @match (&k.source, &k.created_by, &k.created_at) {
                                    (kits::KitSource::Api, Some(by), Some(at)) => {
                                        (words::fill(t.source_api, &[("name", by), ("date", &at.format("%Y-%m-%d").to_string())]))
                                    }
                                    (kits::KitSource::Api, _, _) => "API",
                                    (kits::KitSource::Config, _, _) => (t.source_config),
                                }
                            }
                        }
                    }
                }
            }
        }
        p class="hint" { (t.config_kits_note) }
        section aria-labelledby="create-kit-title" {
            h2 id="create-kit-title" { (t.create_kit_title) }
            form method="post" action="/admin/kits" class="stack admin-form" {
                (hidden_csrf(user))
                label for="kit-gtin" { (t.gtin_label) }
                input id="kit-gtin" name="gtin" type="text" required inputmode="numeric"
                    pattern="[0-9]{8}|[0-9]{12,14}" maxlength="14" autocomplete="off"
                    value=(form.gtin)
                    aria-describedby={ "kit-gtin-hint" @if failed { " form-error" } };
                p class="hint" id="kit-gtin-hint" { (t.gtin_hint) }
                label for="kit-type" { (t.type_label) }
                select id="kit-type" name="specimen_type" required {
                    @for st in SpecimenType::ALL {
                        option value=(st.code()) selected[st == chosen_type] { (text::specimen_type_label(lang, st)) }
                    }
                }
                label for="kit-material" { (t.material_label) }
                select id="kit-material" name="swab_material" required {
                    @for m in SwabMaterial::ALL {
                        option value=(m.code()) selected[m == chosen_material] {
                            (words::material_label(lang, m))
                            @if m.reduces_yield() { "（" (t.reduces_yield) "）" }
                        }
                    }
                }
                label for="kit-description" { (t.description_label) }
                input id="kit-description" name="description" type="text" required maxlength="200"
                    autocomplete="off" value=(form.description) aria-describedby="kit-description-hint";
                p class="hint" id="kit-description-hint" { (t.description_hint) }
                button type="submit" class="primary" { (t.create_kit_button) }
            }
        }
        p { a href="/admin" { (t.back_to_admin) } }
    };
    Ok(admin_page(
        req,
        user,
        note.status(),
        "/admin/kits",
        &[],
        body,
    ))
}

/// `POST /admin/kits`.
pub async fn create_kit(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form: KitForm = form_or_page!(admin_form(&req, &user, &body, |f: &KitForm| &f.csrf));
    let (gtin, type_code, material_code, description) = (
        form.gtin.trim().to_string(),
        form.specimen_type.clone(),
        form.swab_material.clone(),
        form.description.clone(),
    );
    let result = run_action(&ctx, &user.session.actor, move |c, actor, now| {
        let specimen_type =
            SpecimenType::from_field("specimen_type", &type_code).map_err(ActionError::invalid)?;
        let swab_material = SwabMaterial::from_field("swab_material", &material_code)
            .map_err(ActionError::invalid)?;
        let entry = KitEntry {
            gtin,
            specimen_type,
            swab_material,
            description,
        };
        kits::create(c, actor, &entry, now)
    })
    .await?;
    match result {
        Ok(made) => Ok(back_after_create("/admin/kits", "kit", made.created)),
        Err(e) => kits_page(&req, &user, &ctx, &Note::refused(e), &form).await,
    }
}

// ------------------------------------------------------------------ policy

/// `GET /admin/policy`: the policy in force, each value with what it does
/// and the rule it sets. Read-only on purpose: kentai.toml is the one
/// source of truth, so a page cannot make one server differ from its file.
pub async fn policy(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Admin) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let t = words::admin(lang);
    let lines = words::policy_lines(lang, &ctx.config.policy);
    let body = markup! {
        h1 { (t.policy_title) }
        p { (t.policy_intro) }
        p { (t.policy_read_only) }
        p class="hint" { (t.policy_env) }
        table class="data admin-policy" {
            caption class="visually-hidden" { (t.policy_caption) }
            (column_heads(&[t.col_setting, t.col_value, t.col_meaning, t.col_rule]))
            tbody {
                @for l in &lines {
                    tr {
                        th scope="row" { code { (l.key) } }
                        td class="admin-value" { (l.value) }
                        td { (l.meaning) }
                        td { (l.rule) }
                    }
                }
            }
        }
        p { a href="/admin" { (t.back_to_admin) } }
    };
    Ok(admin_page(
        &req,
        &user,
        StatusCode::OK,
        "/admin/policy",
        &[],
        body,
    ))
}
