//! The pages' stylesheet and script, compiled into the binary so a desk
//! needs nothing but kentai (no CDN, no front-end build, no files to lose).
//!
//! Pages link each asset with its content hash (`?v=`); an answer to that
//! exact version may be cached for a year, since a new build changes the
//! hash and so the URL. Any other request is revalidated by `ETag`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";

const ASSETS: [Asset; 8] = [
    // One stylesheet for every page (one request), kept in a file per
    // desk so each part of the site is edited on its own.
    Asset {
        name: "kentai.css",
        content_type: "text/css; charset=utf-8",
        body: concat!(
            include_str!("assets/kentai.css"),
            include_str!("assets/specimens.css"),
            include_str!("assets/packing.css"),
            include_str!("assets/admin.css"),
            include_str!("assets/reports.css"),
            include_str!("assets/patients.css"),
            include_str!("assets/results.css"),
        ),
    },
    Asset {
        name: "station.js",
        content_type: JS,
        body: include_str!("assets/station.js"),
    },
    Asset {
        name: "alerts.js",
        content_type: JS,
        body: include_str!("assets/alerts.js"),
    },
    Asset {
        name: "admin.js",
        content_type: JS,
        body: include_str!("assets/admin.js"),
    },
    Asset {
        name: "print.js",
        content_type: JS,
        body: include_str!("assets/print.js"),
    },
    Asset {
        name: "packing.js",
        content_type: JS,
        body: include_str!("assets/packing.js"),
    },
    Asset {
        name: "results.js",
        content_type: JS,
        body: include_str!("assets/results.js"),
    },
    Asset {
        name: "lock.js",
        content_type: JS,
        body: include_str!("assets/lock.js"),
    },
];

/// Each asset's content hash (12 hex digits), computed once.
fn versions() -> &'static [String] {
    static VERSIONS: OnceLock<Vec<String>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| hex::encode(&Sha256::digest(a.body.as_bytes())[..6]))
            .collect()
    })
}

fn find(name: &str) -> Option<(&'static Asset, &'static str)> {
    ASSETS
        .iter()
        .zip(versions())
        .find(|(a, _)| a.name == name)
        .map(|(a, v)| (a, v.as_str()))
}

/// The URL a page links an asset by.
pub fn url(name: &str) -> String {
    match find(name) {
        Some((a, v)) => format!("/assets/{}?v={v}", a.name),
        None => format!("/assets/{name}"),
    }
}

#[derive(serde::Deserialize)]
pub struct VersionQuery {
    v: Option<String>,
}

pub async fn serve(
    req: HttpRequest,
    name: web::Path<String>,
    query: web::Query<VersionQuery>,
) -> HttpResponse {
    let Some((asset, version)) = find(&name) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such asset");
    };
    let etag = format!("\"{version}\"");
    let cache = if query.v.as_deref() == Some(version) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if fresh {
        return res.finish();
    }
    res.content_type(asset.content_type).body(asset.body)
}
