//! The frame every page shares: language, skip link, the role's navigation,
//! who is signed in and the sign-out button.
//!
//! Navigation shows only the sections the signed-in role may open, so a
//! reception clerk never sees a link that would answer 403; the same table
//! guards the pages themselves ([`Section::open_to`]).

use super::assets;
use super::text::{role_label, Lang, PageWords, Text};
use crate::actions::sessions::Session;
use crate::domain::roles::{Action, Role};
use chrono::{DateTime, FixedOffset};
use maud::{html, Markup, PreEscaped, DOCTYPE};

/// The parts of the site a role may be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Stations,
    Specimens,
    Results,
    Packing,
    Alerts,
    Reports,
    Admin,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Stations,
        Section::Specimens,
        Section::Results,
        Section::Packing,
        Section::Alerts,
        Section::Reports,
        Section::Admin,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Section::Stations => "/stations",
            Section::Specimens => "/specimens",
            Section::Results => "/results",
            Section::Packing => "/packing",
            Section::Alerts => "/alerts",
            Section::Reports => "/reports",
            Section::Admin => "/admin",
        }
    }

    pub fn label(self, t: &Text) -> &'static str {
        match self {
            Section::Stations => t.nav_stations,
            Section::Specimens => t.nav_specimens,
            Section::Results => t.nav_results,
            Section::Packing => t.nav_packing,
            Section::Alerts => t.nav_alerts,
            Section::Reports => t.nav_reports,
            Section::Admin => t.nav_admin,
        }
    }

    /// Who works in which part: the reception desk scans at its stations
    /// and looks up the specimens it registered; the lab also records
    /// results, packs and watches the 48-hour alerts; the health centre
    /// only pulls the day's report; an admin sees everything.
    pub fn open_to(self, role: Role) -> bool {
        matches!(
            (self, role),
            (_, Role::Admin)
                | (
                    Section::Stations | Section::Specimens,
                    Role::Reception | Role::Lab
                )
                | (
                    Section::Results | Section::Packing | Section::Alerts,
                    Role::Lab
                )
                | (Section::Reports, Role::HealthCentre)
        )
    }

    /// What the section's page reads through the API; a role is only
    /// given a section whose action it may take (tested below).
    pub fn action(self) -> Action {
        match self {
            Section::Stations => Action::WatchStations,
            Section::Specimens => Action::ReadSpecimens,
            Section::Results => Action::RecordResult,
            Section::Packing => Action::PackSpecimens,
            Section::Alerts => Action::ReadAlerts,
            Section::Reports => Action::ReadReports,
            Section::Admin => Action::ManageUsers,
        }
    }

    /// Where a role lands after signing in.
    pub fn home(role: Role) -> Section {
        Section::ALL
            .into_iter()
            .find(|s| s.open_to(role))
            .unwrap_or(Section::Stations)
    }
}

/// What the frame needs to know about the page it wraps.
pub struct Frame<'a> {
    pub lang: Lang,
    /// This page's path, for the language switch.
    pub path: &'a str,
    pub facility: &'a str,
    pub session: Option<&'a Session>,
    /// The section to mark as current in the navigation.
    pub current: Option<Section>,
    /// Station pages are read from two metres: larger type throughout.
    pub large: bool,
    /// Page scripts (asset names), loaded deferred.
    pub scripts: &'a [&'a str],
}

/// A whole page: `body` goes into `<main>`.
pub fn page(frame: &Frame<'_>, title: &str, body: Markup) -> Markup {
    let t = frame.lang.text();
    let other = frame.lang.other();
    html! {
        (DOCTYPE)
        html lang=(frame.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (t.app_name) }
                // No favicon request (and no 404 in the log for one).
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(assets::url("kentai.css"));
                @if let Some(s) = frame.session {
                    // For the page's scripts: API writes echo it in X-CSRF-Token.
                    meta name="csrf-token" content=(s.csrf);
                }
                @for script in frame.scripts {
                    script src=(assets::url(script)) defer {}
                }
                @if let Some(after) = frame.session.and_then(|s| s.lock_after) {
                    meta name="kentai-lock-after" content=(after);
                    script src=(assets::url("lock.js")) defer {}
                }
            }
            body class=[frame.large.then_some("large")] {
                a class="skip-link" href="#main" { (t.skip_link) }
                header class="site-header" {
                    div class="brand" {
                        a href="/" { "kentai" }
                        @if !frame.facility.is_empty() {
                            span class="facility" { (frame.facility) }
                        }
                    }
                    @if let Some(s) = frame.session {
                        nav aria-label=(t.nav_label) {
                            ul {
                                @for section in Section::ALL.into_iter().filter(|x| x.open_to(s.actor.role)) {
                                    li {
                                        a href=(section.path())
                                            aria-current=[(frame.current == Some(section)).then_some("page")] {
                                            (section.label(t))
                                        }
                                    }
                                }
                            }
                        }
                    }
                    div class="account" {
                        @if let Some(s) = frame.session {
                            span class="who" data-name=(s.actor.name) {
                                (t.signed_in_as) ": " (s.actor.name)
                                " (" (role_label(frame.lang, s.actor.role)) ")"
                            }
                            a class="account-link" href="/account/password" { (t.account_link) }
                            a class="account-link" href=(super::tokens::PATH) {
                                (super::text::tokens::tokens(frame.lang).header_link)
                            }
                            form method="post" action="/signout" class="inline" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                button type="submit" { (t.sign_out) }
                            }
                        }
                        a class="lang" href={ (frame.path) "?lang=" (other.code()) }
                            lang=(other.code()) hreflang=(other.code()) {
                            (other.text().language_name)
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    (body)
                }
                @if let Some(s) = frame.session.filter(|s| s.lock_after.is_some()) {
                    div id="lock" class="lock" role="dialog" aria-modal="true"
                        aria-labelledby="lock-title" hidden {
                        (lock_form(frame.lang, &s.actor.name, None, &html! {}))
                    }
                }
            }
        }
    }
}

/// Re-entry to a locked page: the person's password, or a staff badge and
/// its PIN. `action` posts the forms (the `/unlock` page); without it
/// `assets/lock.js` sends them to the API and the page stays as it was.
pub fn lock_form(lang: Lang, name: &str, action: Option<&str>, hidden: &Markup) -> Markup {
    let w = super::text::badges::badges(lang);
    let fill = |s: &str| s.replace("{name}", name);
    html! {
        div class="lock-box" {
            h2 id="lock-title" { (w.lock_title) }
            p { (fill(w.lock_intro)) }
            p id="lock-error" class="error" aria-live="assertive" hidden {}
            form id="lock-password" method="post" action=[action] class="stack" autocomplete="off" {
                input type="hidden" name="how" value="password";
                (hidden)
                label for="lock-password-input" { (fill(w.lock_password)) }
                input id="lock-password-input" name="password" type="password" required
                    autocomplete="current-password";
                button type="submit" class="primary" { (w.lock_password_button) }
            }
            form id="lock-badge" method="post" action=[action] class="stack" autocomplete="off" {
                input type="hidden" name="how" value="badge";
                (hidden)
                fieldset {
                    legend { (w.lock_badge_legend) }
                    label for="lock-badge-input" { (w.lock_badge) }
                    input id="lock-badge-input" name="badge" type="password" required
                        autocapitalize="off" spellcheck="false";
                    label for="lock-pin-input" { (w.lock_pin) }
                    input id="lock-pin-input" name="pin" type="password" inputmode="numeric"
                        maxlength="8" required;
                    p class="hint" { (w.lock_other_person) }
                    button type="submit" class="primary" { (w.lock_badge_button) }
                }
            }
        }
    }
}

/// A table's head: one column header a label, in order.
pub fn column_heads(labels: &[&str]) -> Markup {
    html! {
        thead {
            tr {
                @for label in labels {
                    th scope="col" { (label) }
                }
            }
        }
    }
}

/// A moment as the pages write it: the date and the time to the minute, in
/// the moment's own offset.
pub fn to_the_minute(at: &DateTime<FixedOffset>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// A moment as a `<time>` element: [`to_the_minute`], with the exact
/// moment for machines in `datetime`.
pub fn time_tag(at: &DateTime<FixedOffset>) -> Markup {
    html! { time datetime=(at.to_rfc3339()) { (to_the_minute(at)) } }
}

/// JSON for a page's script, safe inside `<script type="application/json">`
/// (no `</script>` can close it early).
pub fn json_island(id: &str, value: &serde_json::Value) -> Markup {
    let json = value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    html! {
        script type="application/json" id=(id) { (PreEscaped(json)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_is_given_only_sections_whose_api_it_may_call() {
        for role in Role::ALL {
            for section in Section::ALL {
                if section.open_to(role) {
                    assert!(role.may(section.action()), "{role:?} {section:?}");
                }
            }
        }
    }

    #[test]
    fn each_role_gets_the_sections_of_its_desk() {
        let of = |role| {
            Section::ALL
                .into_iter()
                .filter(|s| s.open_to(role))
                .collect::<Vec<_>>()
        };
        assert_eq!(of(Role::Reception), [Section::Stations, Section::Specimens]);
        assert_eq!(
            of(Role::Lab),
            [
                Section::Stations,
                Section::Specimens,
                Section::Results,
                Section::Packing,
                Section::Alerts
            ]
        );
        assert_eq!(of(Role::HealthCentre), [Section::Reports]);
        assert_eq!(of(Role::Admin), Section::ALL);
        assert_eq!(Section::home(Role::HealthCentre), Section::Reports);
        assert_eq!(Section::home(Role::Reception), Section::Stations);
    }

    #[test]
    fn column_heads_are_one_header_cell_a_label() {
        assert_eq!(
            column_heads(&["A", "<B>"]).into_string(),
            "<thead><tr><th scope=\"col\">A</th><th scope=\"col\">&lt;B&gt;</th></tr></thead>"
        );
    }

    #[test]
    fn json_for_a_script_cannot_close_its_script_element() {
        let island = json_island("d", &serde_json::json!({"x": "</script><b>&"})).into_string();
        assert!(!island.contains("</script><b>"), "{island}");
        assert!(island.contains("\\u003c/script\\u003e"), "{island}");
    }
}
