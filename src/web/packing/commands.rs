//! `GET /packing/commands`: the desk's command sheet, the barcodes a
//! technician scans instead of typing.

use super::open;
use crate::config::{PrintDocument, PrinterKind};
use crate::http::AppError;
use crate::print::command_sheet;
use crate::web::desks::{answer, Place};
use crate::web::layout::Section;
use crate::web::printing::{printed_note, send_buttons_on};
use crate::web::text::packing::{fill, packing};
use crate::web::SignedIn;

/// The sheet's page, where its print buttons come back to.
const PATH: &str = "/packing/commands";
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use maud::html as markup;

/// `GET /packing/commands`: the command-barcode sheet, page by page, to
/// print and lay on the packing table.
pub async fn commands(req: HttpRequest, user: SignedIn) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user) {
        return Ok(refused);
    }
    let lang = crate::web::lang(&req);
    let t = packing(lang);
    let count = command_sheet::page_count();
    let total = count.to_string();
    let body = markup! {
        div class="sheet-intro" {
            p { a href="/packing" { (t.title) } }
            h1 { (t.commands_title) }
            p { (t.commands_intro) }
            div class="print-controls" {
                button type="button" class="primary" data-print { (t.print_button) }
                (printed_note(&req))
                (send_buttons_on(&req, &user, PrintDocument::CommandSheet, "", PATH, &[PrinterKind::Raw9100]))
            }
        }
        div class="command-sheet" {
            @for n in 1..=count {
                @let number = n.to_string();
                figure class="command-page" {
                    img src={ "/api/v1/labels/commands?format=svg&page=" (n) }
                        alt=(fill(t.commands_alt, &[("n", &number), ("count", &total)]))
                        width="794" height="1123";
                    figcaption { (fill(t.commands_page, &[("n", &number), ("count", &total)])) }
                    (send_buttons_on(&req, &user, PrintDocument::CommandSheet, &number, PATH, &[PrinterKind::Ipp]))
                }
            }
        }
    };
    let place = Place {
        scripts: &["print.js"],
        ..Place::of(lang, PATH, &user.session, Section::Packing)
    };
    Ok(answer(&req, StatusCode::OK, &place, t.commands_title, body))
}
