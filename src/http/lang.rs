//! The reader's language for every answer (Japanese unless asked
//! otherwise): `?lang=en`, the pages' language cookie, or, for the API,
//! `Accept-Language`.
//!
//! The language is chosen once per request, here, and every message in
//! the answer is rendered in it: the middleware runs the rest of the
//! request inside [`render_in`], poll by poll (other requests' futures run
//! on the same thread between polls). Handlers' errors become responses
//! inside it; a middleware turns its own error into a response before it
//! returns (see `auth::require_token`). Under `/api/`, the `lang` parameter is taken out of
//! the query before routing, so an endpoint's own parameters stay strict
//! (unknown parameters are refused).

use super::auth::cookie;
use crate::domain::messages::{render_in, Lang};
use actix_web::body::MessageBody;
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::{header, Uri};
use actix_web::{HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use std::future::{ready, Future, Ready};

/// The pages' cookie that remembers the language a person chose.
pub const LANG_COOKIE: &str = "kentai_lang";

/// The `lang` query parameter's value, if any.
fn query_lang(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::from_code(v))
}

/// The language of a request, as [`negotiate`] chose it (Japanese for a
/// request that did not pass through it).
pub fn of(req: &HttpRequest) -> Lang {
    req.extensions().get::<Lang>().copied().unwrap_or_default()
}

fn choose(req: &ServiceRequest) -> Lang {
    let api = req.path().starts_with("/api/");
    query_lang(req.query_string())
        .or_else(|| cookie(req.request(), LANG_COOKIE).and_then(|c| Lang::from_code(&c)))
        .or_else(|| {
            // Pages are Japanese unless the person chose English; a script
            // may ask for English the usual way.
            api.then(|| {
                req.headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .flatten()
        })
        .unwrap_or_default()
}

/// The request's URI without its `lang` parameters.
fn without_lang(uri: &Uri) -> Option<Uri> {
    let query = uri.query()?;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| pair.split('=').next() != Some("lang"))
        .collect();
    if kept.len() == query.split('&').count() {
        return None;
    }
    let path_and_query = if kept.is_empty() {
        uri.path().to_string()
    } else {
        format!("{}?{}", uri.path(), kept.join("&"))
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = path_and_query.parse().ok();
    Uri::from_parts(parts).ok()
}

/// Middleware for the whole app (see the module's documentation). It
/// rewrites the request's URI, which routing reads later, so it is a
/// transform of its own rather than a `from_fn` (which holds the request
/// shared).
pub struct Negotiate;

impl<S, B> Transform<S, ServiceRequest> for Negotiate
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = NegotiateService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(NegotiateService { service }))
    }
}

pub struct NegotiateService<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for NegotiateService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let lang = choose(&req);
        if req.path().starts_with("/api/") {
            if let Some(uri) = without_lang(req.uri()) {
                req.match_info_mut().get_mut().update(&uri);
                req.head_mut().uri = uri;
            }
        }
        req.extensions_mut().insert(lang);
        let mut call = Box::pin(render_in(Some(lang), || self.service.call(req)));
        Box::pin(std::future::poll_fn(move |cx| {
            render_in(Some(lang), || call.as_mut().poll(cx))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lang_parameter_leaves_the_query_and_the_others_stay() {
        let uri: Uri = "/api/v1/specimens?lang=en&status=stored".parse().unwrap();
        assert_eq!(
            without_lang(&uri).unwrap().to_string(),
            "/api/v1/specimens?status=stored"
        );
        let uri: Uri = "/api/v1/me?lang=ja".parse().unwrap();
        assert_eq!(without_lang(&uri).unwrap().to_string(), "/api/v1/me");
        let uri: Uri = "/api/v1/me?language=en".parse().unwrap();
        assert!(without_lang(&uri).is_none());
    }

    #[test]
    fn the_query_names_the_language() {
        assert_eq!(query_lang("date=2026-12-06&lang=en"), Some(Lang::En));
        assert_eq!(query_lang("lang=fr"), None);
        assert_eq!(query_lang(""), None);
    }
}
