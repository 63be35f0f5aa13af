//! Label routes: a tube's label (GS1 DataMatrix, SPEC §4), a storage
//! location's label (GS1-128 or Code 128) and the packing desk's
//! command-barcode sheet, as SVG, PNG or ZPL.

use super::auth::{Caller, User};
use super::error::{AppError, ErrorBody};
use super::Answer;
use crate::actions::locations;
use crate::domain::messages::{allowed, InputMsg, RecordMsg};
use crate::domain::roles::Action;
use crate::domain::RuleCode;
use crate::print::command_sheet;
use crate::print::location_label::{self, LocationLabel};
use crate::print::matrix::PrintError;
use crate::print::tube_label::{self, TubeLabel};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

/// The resolution of a PNG when the request names none: what office and
/// label printers print sharp, and one at which both documents' modules
/// land on whole pixels.
pub const DEFAULT_DPI: u32 = 300;

const SVG: &str = "image/svg+xml; charset=utf-8";
const PNG: &str = "image/png";
const ZPL: &str = "application/zpl; charset=utf-8";

/// The response header with the number of pages of the command sheet.
pub const PAGE_COUNT_HEADER: &str = "x-page-count";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Svg,
    Png,
    Zpl,
}

fn format(raw: Option<&str>) -> Result<Format, AppError> {
    match raw {
        None | Some("svg") => Ok(Format::Svg),
        Some("png") => Ok(Format::Png),
        Some("zpl") => Ok(Format::Zpl),
        Some(other) => Err(AppError::bad_request(InputMsg::NotOneOf {
            field: "format".into(),
            value: other.into(),
            allowed: allowed(&["svg", "png", "zpl"]),
        })),
    }
}

/// `dpi` belongs with `format=png` only, so a request that would silently
/// ignore it is refused instead.
fn dpi(format: Format, dpi: Option<u32>) -> Result<u32, AppError> {
    match (format, dpi) {
        (Format::Png, dpi) => Ok(dpi.unwrap_or(DEFAULT_DPI)),
        (_, None) => Ok(DEFAULT_DPI),
        (_, Some(_)) => Err(AppError::bad_request(InputMsg::DpiOnlyForPng)),
    }
}

/// What cannot be printed is the request's or the data's problem (400),
/// except an encoder failing, which is kentai's (500).
fn print_error(e: PrintError) -> AppError {
    match e {
        PrintError::Encoder(_) | PrintError::Png(_) => {
            tracing::error!(error = %e, "label rendering failed");
            AppError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                RuleCode::Internal,
                RecordMsg::Internal,
            )
        }
        other => AppError::bad_request(InputMsg::CannotPrint {
            detail: other.to_string(),
        }),
    }
}

pub use crate::actions::printing::tube_label;

fn label_formats() -> utoipa::openapi::Object {
    crate::openapi::one_of(
        &["svg", "png", "zpl"],
        "`svg` (default), `png` or `zpl` (Zebra printers).",
    )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TubeLabelQuery {
    /// `svg` (default, 50 × 25 mm), `png` or `zpl` (203 dpi Zebra).
    #[serde(default)]
    #[param(schema_with = label_formats)]
    pub format: Option<String>,
    /// Add a plain Code 128 of the specimen id for linear-only scanners
    /// (default false; refused when the id is too long for the label).
    #[serde(default)]
    pub code128: Option<bool>,
    /// PNG resolution, 96 to 1200 (default 300); only with `format=png`.
    #[serde(default)]
    pub dpi: Option<u32>,
}

#[utoipa::path(
    get, path = "/specimens/{specimen_id}/label", tag = "specimens", operation_id = "specimen_label",
    params(("specimen_id" = String, Path, description = "The tube's barcode"), TubeLabelQuery),
    responses(
        (status = 200, description = "The tube label: GS1 DataMatrix ((8018)+(8019) or (8004)) when the id is a GS1 element string, else a plain DataMatrix of the id; the human-readable lines; optionally a Code 128", content(
            (String = "image/svg+xml"),
            ("image/png"),
            (String = "application/zpl"),
        )),
        (status = 400, description = "`invalid_input`: bad format or dpi, or the id does not fit the label (with code128)", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_specimen`", body = ErrorBody),
    ),
)]
pub async fn specimen_label(
    call: Caller,
    path: web::Path<String>,
    q: web::Query<TubeLabelQuery>,
) -> Answer {
    let format = format(q.format.as_deref())?;
    let dpi = dpi(format, q.dpi)?;
    let code128 = q.code128.unwrap_or(false);
    // Rendering runs with the database read: both off the async workers.
    call.run(move |ctx, actor| {
        let label = tube_label(ctx, actor, &path, code128)?;
        TUBE.in_format(&label, format, dpi)
    })
    .await
    .map(answer)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LocationLabelQuery {
    /// `svg` (default, 100 × 50 mm), `png` or `zpl` (203 dpi Zebra).
    #[serde(default)]
    #[param(schema_with = label_formats)]
    pub format: Option<String>,
    /// PNG resolution, 96 to 1200 (default 300); only with `format=png`.
    #[serde(default)]
    pub dpi: Option<u32>,
}

#[utoipa::path(
    get, path = "/locations/{code}/label", tag = "storage", operation_id = "location_label",
    params(("code" = String, Path, description = "The location's barcode"), LocationLabelQuery),
    responses(
        (status = 200, description = "The location label (100 × 50 mm): its code as GS1-128 when it is a GS1 location id (`(414)`[+`(254)`] or `(8004)`), else as plain Code 128, which scans back to the same code; its name and storage class in Japanese (SVG, ZPL; the PNG has the ASCII lines only)", content(
            (String = "image/svg+xml"),
            ("image/png"),
            (String = "application/zpl"),
        )),
        (status = 400, description = "`invalid_input`: bad format or dpi, or a code Code 128 cannot carry (not ASCII) or the label cannot fit", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "`unknown_location`", body = ErrorBody),
    ),
)]
pub async fn location_label(
    call: Caller,
    path: web::Path<String>,
    q: web::Query<LocationLabelQuery>,
) -> Answer {
    let format = format(q.format.as_deref())?;
    let dpi = dpi(format, q.dpi)?;
    call.run(move |ctx, actor| {
        let view = locations::get(ctx, actor, &path)?;
        let label = LocationLabel {
            code: view.code,
            name: view.name,
            storage_class: view.storage_class,
        };
        LOCATION.in_format(&label, format, dpi)
    })
    .await
    .map(answer)
}

/// A label's three drawings, one a format.
struct Drawings<L> {
    svg: fn(&L) -> Result<String, PrintError>,
    png: fn(&L, u32) -> Result<Vec<u8>, PrintError>,
    zpl: fn(&L) -> Result<String, PrintError>,
}

const TUBE: Drawings<TubeLabel> = Drawings {
    svg: tube_label::svg,
    png: tube_label::png,
    zpl: tube_label::zpl,
};

const LOCATION: Drawings<LocationLabel> = Drawings {
    svg: location_label::svg,
    png: location_label::png,
    zpl: location_label::zpl,
};

impl<L> Drawings<L> {
    /// `label` drawn in `format`: its media type and bytes.
    fn in_format(&self, label: &L, format: Format, dpi: u32) -> Result<File, AppError> {
        Ok(match format {
            Format::Svg => (SVG, (self.svg)(label).map_err(print_error)?.into_bytes()),
            Format::Png => (PNG, (self.png)(label, dpi).map_err(print_error)?),
            Format::Zpl => (ZPL, (self.zpl)(label).map_err(print_error)?.into_bytes()),
        })
    }
}

/// A drawn label: its media type and bytes.
type File = (&'static str, Vec<u8>);

fn answer((content_type, body): File) -> HttpResponse {
    HttpResponse::Ok().content_type(content_type).body(body)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CommandSheetQuery {
    /// `svg` (default, one A4 page), `png` (one A4 page) or `zpl` (one
    /// 4 × 2 in label per command, all at once).
    #[serde(default)]
    #[param(schema_with = label_formats)]
    pub format: Option<String>,
    /// The page for `svg` and `png`, from 1 (default 1); the
    /// `x-page-count` header says how many there are.
    #[serde(default)]
    pub page: Option<usize>,
    /// PNG resolution: 150 to 600 where 0.4 mm modules land on whole pixels
    /// and still fit A4 (300 default; 600 too; 200 or 203 do not fit).
    #[serde(default)]
    pub dpi: Option<u32>,
}

#[utoipa::path(
    get, path = "/labels/commands", tag = "packages", operation_id = "command_sheet",
    params(CommandSheetQuery),
    responses(
        (status = 200, description = "Command barcodes (plain Code 128 of `KTCMD:…`) grouped by packaging layer, then the actions and the result desk's `KTCMD:result:positive|negative|inconclusive|invalid`, sized to scan from 30 cm", content(
            (String = "image/svg+xml"),
            ("image/png"),
            (String = "application/zpl"),
        ), headers(("x-page-count" = usize, description = "Pages of the A4 sheet"))),
        (status = 400, description = "`invalid_input`: bad format, page or dpi", body = ErrorBody),
        (status = 403, body = ErrorBody),
    ),
)]
pub async fn command_sheet(
    User(actor): User,
    q: web::Query<CommandSheetQuery>,
) -> Result<HttpResponse, AppError> {
    actor.require(Action::PackSpecimens)?;
    let q = q.into_inner();
    let format = format(q.format.as_deref())?;
    let dpi = dpi(format, q.dpi)?;
    if format == Format::Zpl && q.page.is_some() {
        return Err(AppError::bad_request(InputMsg::PageOnlyForImages));
    }
    let page = q.page.unwrap_or(1);
    // An A4 page at 600 dpi is 35 megapixels: not on an async worker.
    let (content_type, body) = web::block(move || -> Result<_, PrintError> {
        Ok(match format {
            Format::Svg => (SVG, command_sheet::svg(page)?.into_bytes()),
            Format::Png => (PNG, command_sheet::png(page, dpi)?),
            Format::Zpl => (ZPL, command_sheet::zpl()?.into_bytes()),
        })
    })
    .await?
    .map_err(print_error)?;
    Ok(HttpResponse::Ok()
        .insert_header((PAGE_COUNT_HEADER, command_sheet::page_count().to_string()))
        .content_type(content_type)
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_other_than_svg_png_and_zpl_are_refused() {
        assert_eq!(format(None).unwrap(), Format::Svg);
        assert_eq!(format(Some("png")).unwrap(), Format::Png);
        assert_eq!(format(Some("zpl")).unwrap(), Format::Zpl);
        let e = format(Some("pdf")).unwrap_err();
        assert_eq!(
            (e.status, e.code()),
            (StatusCode::BAD_REQUEST, RuleCode::InvalidInput)
        );
    }

    #[test]
    fn dpi_goes_with_png_only() {
        assert_eq!(dpi(Format::Png, None).unwrap(), DEFAULT_DPI);
        assert_eq!(dpi(Format::Png, Some(600)).unwrap(), 600);
        assert!(dpi(Format::Svg, Some(600)).is_err());
        assert!(dpi(Format::Zpl, None).is_ok());
    }

    #[test]
    fn rendering_problems_are_bad_requests_and_encoder_failures_internal() {
        let e = print_error(PrintError::DoesNotFit("too long".into()));
        assert_eq!(
            (
                e.status,
                e.message().render(crate::domain::Lang::En).as_str()
            ),
            (
                StatusCode::BAD_REQUEST,
                "this label cannot be printed: too long"
            )
        );
        let e = print_error(PrintError::Png("disk".into()));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}
