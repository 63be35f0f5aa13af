//! The admin's view of the machine: the backups (the newest, how many are
//! kept, a warning when the night's copy is missing or failed) and every
//! check `kentai doctor` makes, with its fix. Read-only: fixing is done on
//! the server, as the fixes say.

use super::desks::open;
use super::layout::{column_heads, time_tag, Section};
use super::text::admin::{self as words, AdminText};
use super::SignedIn;
use crate::actions::Ctx;
use crate::doctor::{self, Verdict};
use crate::http::AppError;
use crate::store::backup_schedule::{self, BackupState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use maud::{html as markup, Markup};

/// The backups as the pages show them; `None` on PostgreSQL.
pub fn backup_state(ctx: &Ctx) -> Option<Result<BackupState, String>> {
    let dir = ctx.config.backup_dir()?;
    Some(
        backup_schedule::state(&dir, ctx.config.backup.warn_after_hours, Utc::now())
            .map_err(|e| format!("{}: {e}", dir.display())),
    )
}

/// The overview's line about backups, and whether it is a warning.
pub fn overview_line(t: &AdminText, ctx: &Ctx) -> Option<(String, bool)> {
    match backup_state(ctx)? {
        Ok(state) => Some(match state.last_at {
            Some(at) => (
                words::fill(
                    t.system_backup_at,
                    &[(
                        "at",
                        &super::layout::to_the_minute(&at.with_timezone(&ctx.tz).fixed_offset()),
                    )],
                ),
                state.stale || state.failed,
            ),
            None => (t.system_no_backup.to_string(), true),
        }),
        Err(e) => Some((e, true)),
    }
}

/// The warning atop the admin overview when the backups need a person:
/// whenever `kentai doctor` fails their check (no warning before the
/// first specimen, when the first night's copy is still to come).
pub fn backup_warning(t: &AdminText, ctx: &Ctx, holds_specimens: bool) -> Option<Markup> {
    let hours = ctx.config.backup.warn_after_hours;
    let message = match backup_state(ctx)? {
        Ok(state) => {
            let verdict =
                doctor::backup_verdict(&state, holds_specimens, hours, |t| t.to_rfc3339());
            if verdict.verdict != Verdict::Fail {
                return None;
            }
            if state.failed {
                words::fill(t.backup_failed, &[("problems", &state.problems.join("; "))])
            } else if state.last_at.is_none() {
                t.system_no_backup.to_string()
            } else {
                words::fill(t.backup_stale, &[("hours", &hours.to_string())])
            }
        }
        Err(e) => e,
    };
    Some(markup! {
        div class="error backup-warning" role="alert" {
            p { (message) }
            p class="detail" { (t.backup_how) " " a href="/admin/system" { (t.system_title) } }
        }
    })
}

fn verdict_word(t: &AdminText, verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => t.verdict_pass,
        Verdict::Warn => t.verdict_warn,
        Verdict::Fail => t.verdict_fail,
    }
}

fn verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "check-pass",
        Verdict::Warn => "check-warn",
        Verdict::Fail => "check-fail",
    }
}

fn backups_section(t: &AdminText, ctx: &Ctx) -> Markup {
    let state = backup_state(ctx);
    markup! {
        h2 { (t.backups_heading) }
        @match state {
            None => p { (t.backup_postgres) },
            Some(Err(e)) => p class="error" { (e) },
            Some(Ok(state)) => {
                dl class="admin-backups" {
                    dt { (t.backup_last) }
                    dd {
                        @match state.last_at {
                            Some(at) => (time_tag(&at.with_timezone(&ctx.tz).fixed_offset())),
                            None => (t.backup_none),
                        }
                    }
                    @if let Some(size) = state.last_bytes {
                        dt { (t.backup_size) }
                        dd { (doctor::bytes(size)) }
                    }
                    dt { (t.backup_copies) }
                    dd { (state.copies) }
                    dt { (t.backup_dir) }
                    dd { code { (state.dir) } }
                }
                p class="hint" { (t.backup_how) }
            }
        }
    }
}

/// `GET /admin/system`: the backups and the doctor's checks, run now.
pub async fn system(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Admin) {
        return Ok(refused);
    }
    let lang = super::lang(&req);
    let t = words::admin(lang);
    let checked = ctx.clone();
    let checks =
        web::block(move || doctor::run(&checked.config, Some(checked.store.clone()), Utc::now()))
            .await?;
    let body = markup! {
        h1 { (t.system_title) }
        p { (t.system_intro) }
        (backups_section(t, &ctx))
        h2 { (t.checks_heading) }
        table class="data admin-checks" {
            caption class="visually-hidden" { (t.checks_caption) }
            (column_heads(&[t.col_check, t.col_result, t.col_found, t.col_fix]))
            tbody {
                @for check in &checks {
                    @let line = check.in_lang(lang);
                    tr class=(verdict_class(check.verdict)) {
                        th scope="row" { (line.check) }
                        td class="check-verdict" { (check.verdict.mark()) " " (verdict_word(t, check.verdict)) }
                        td { (line.found) }
                        td { @if let Some(fix) = &line.fix { (fix) } }
                    }
                }
            }
        }
        p { a href="/admin/system" { (t.checks_again) } }
        p class="hint" { (t.checks_cli) }
    };
    Ok(super::admin::admin_page(
        &req,
        &user,
        StatusCode::OK,
        "/admin/system",
        &[],
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_verdict_has_its_own_word_and_class_in_both_languages() {
        for lang in [crate::domain::Lang::Ja, crate::domain::Lang::En] {
            let t = words::admin(lang);
            let words: Vec<_> = [Verdict::Pass, Verdict::Warn, Verdict::Fail]
                .into_iter()
                .map(|v| (verdict_word(t, v), verdict_class(v)))
                .collect();
            assert_eq!(words.len(), 3);
            assert!(words[0] != words[1] && words[1] != words[2] && words[0] != words[2]);
        }
    }
}
