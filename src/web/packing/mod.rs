//! The packing pages (基本三重梱包, docs/RULES.md): the packages in hand, a
//! package drawn as its layers with each layer's checklist, the tubes in
//! sending-priority order, what dispatch still waits for, dispatch, and a
//! print view with the shipping slip and the package labels.
//!
//! The packing desk is worked with gloves on, mostly by scanning command
//! barcodes; these pages are where a technician sees the whole package at
//! once and fixes what the scanner cannot (a forgotten item, a tube in the
//! wrong package). Everything is a plain HTML form posting to this server
//! with the session's CSRF token, so the keyboard alone does it all and no
//! script is needed; each form answers with a redirect back to the package
//! (Post/Redirect/Get, so a reload never repeats a tick) — a tick back to
//! the item's own anchor, so a long page does not start again at the top —
//! or, when the action refuses, with the package page again under the
//! refusal's status, its reason in words beside the form that met it, and
//! nothing changed. A complete package says "ready" only when nothing
//! stands in the way: a rule that asks for a written reason (the 48-hour
//! clock, the sending priority) is named, with the field for the reason.
//! `packing.js` adds the focus on the ticked item's button and keeps the
//! item where it stood on the screen. The role check runs before anything
//! is read, and the actions check the role again underneath.

mod add;
mod change;
mod checklist;
mod commands;
mod details;
mod dispatch;
mod forms;
mod index;
mod links;
mod page;
mod print;
mod refusals;
mod words;

pub use self::add::{add_specimen, remove_specimen};
pub use self::checklist::tick;
pub use self::commands::commands;
pub use self::details::details;
pub use self::dispatch::dispatch;
pub use self::index::{create, index};
pub use self::page::package;
pub use self::print::print;

use super::desks::{forbidden_at, open_with};
use super::layout::Section;
use super::text::Lang;
use super::SignedIn;
use crate::actions::sessions::Session;
use crate::domain::PackageStatus;
use actix_web::{HttpRequest, HttpResponse};

/// A package's statuses as its view carries them.
const OPEN: &str = PackageStatus::Open.code();
const DISPATCHED: &str = PackageStatus::Dispatched.code();
const RECEIVED: &str = PackageStatus::Received.code();

/// How many dispatched and how many received packages the list shows.
const RECENT: i64 = 10;

/// How many open packages the list shows (a desk rarely has more than a
/// handful open at once).
const OPEN_SHOWN: i64 = 200;

/// The route that would save a package's slip fields (not registered yet;
/// see [`details`]).
const DETAILS_SUFFIX: &str = "/details";

/// The 403 page for a role that does not pack (or a form without the
/// session's token). Unlike `desks::forbidden`, its language switch points
/// at `/packing`, not at the path asked for, so a refused page does not
/// even echo a package id back.
fn forbidden(req: &HttpRequest, lang: Lang, session: Option<&Session>) -> HttpResponse {
    forbidden_at(req, lang, session, Section::Packing.path())
}

/// The role check every packing route starts with, before reading
/// anything: `Some` is the answer for a role that does not pack.
fn open(req: &HttpRequest, user: &SignedIn) -> Option<HttpResponse> {
    open_with(req, user, Section::Packing, forbidden)
}
