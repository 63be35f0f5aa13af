//! The one page a credential is ever shown on: a new token or a one-time
//! password, in the answer to the form that made it (never in a URL or a
//! redirect, which a browser keeps), with the warning that it will not be
//! shown again. The admin's user pages and a person's own token page
//! both answer with it.

use super::desks::{answer, Place};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use maud::html as markup;

/// What the page shows.
pub struct ShownOnce<'a> {
    pub title: &'a str,
    /// Whose it is, or what it is for, in words.
    pub holder: &'a str,
    pub label: &'a str,
    /// The HTML id of the credential, for whoever copies it.
    pub id: &'a str,
    pub secret: &'a str,
    pub once: &'a str,
    /// What else the page says, under the warning.
    pub notes: &'a [&'a str],
    /// The way on: a link's target and its words.
    pub next: (&'a str, &'a str),
}

pub fn page(
    req: &HttpRequest,
    status: StatusCode,
    place: &Place<'_>,
    shown: &ShownOnce<'_>,
) -> HttpResponse {
    let (next, next_words) = shown.next;
    let body = markup! {
        h1 { (shown.title) }
        p { (shown.holder) }
        p class="admin-token-line" {
            span { (shown.label) ": " }
            code class="admin-token" id=(shown.id) { (shown.secret) }
        }
        p class="admin-once" { strong { (shown.once) } }
        @for note in shown.notes {
            p { (note) }
        }
        p { a href=(next) { (next_words) } }
    };
    answer(req, status, place, shown.title, body)
}
