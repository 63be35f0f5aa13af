//! `X-Content-Type-Options: nosniff` on every answer and a
//! `Content-Security-Policy` on every HTML or SVG one that does not bring
//! its own.
//!
//! The API serves documents a browser renders (a package's slip and the
//! day summary as HTML, labels as SVG) beside the pages. A slip holds a
//! consignee's name and a label a specimen id, both typed by people; a
//! policy that allows no script and no outside load keeps a name that
//! slipped past escaping from running, and nosniff keeps a JSON or CSV
//! answer from being read as HTML. The pages set their own, stricter-for-
//! them policy (`web::html`), which is left as it is.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    HeaderValue, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use actix_web::middleware::Next;

/// For documents from the API: inline styles (slips and summaries carry
/// their stylesheet, labels their `style` attributes) and inline images,
/// nothing else, not framed.
pub const DOCUMENT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The middleware (`middleware::from_fn(security_headers::add)`).
pub async fn add<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    // Handlers and the token check answer errors themselves, so every
    // answer passes here as a response.
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    if !headers.contains_key(X_CONTENT_TYPE_OPTIONS) {
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    }
    let renders = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let essence = v.split(';').next().unwrap_or("").trim();
            essence.eq_ignore_ascii_case("text/html")
                || essence.eq_ignore_ascii_case("image/svg+xml")
        })
        .unwrap_or(false);
    if renders && !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCUMENT_CSP),
        );
    }
    Ok(res)
}
