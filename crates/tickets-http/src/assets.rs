//! The files of `web-assets/`, embedded in the binary: nothing is loaded from a CDN, so
//! kiosks work offline.
//!
//! Pages link assets as `/assets/<path>?v=<hash>`; a request carrying the current hash is
//! cached for a year (`immutable`), any other revalidates with the ETag.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

use crate::api::error::ApiError;

#[derive(RustEmbed)]
#[folder = "../../web-assets/"]
struct Files;

fn short_hash(path: &str) -> Option<String> {
    Files::get(path).map(|f| hex::encode(&f.metadata.sha256_hash()[..5]))
}

/// The service worker of the ticket pages (scope `/api/tickets/follow/`).
pub const SERVICE_WORKER: &str = "js/ticket-sw.js";

/// The URL of an embedded asset, versioned by its content.
pub fn url(path: &str) -> String {
    match short_hash(path) {
        Some(v) => format!("/assets/{path}?v={v}"),
        None => format!("/assets/{path}"),
    }
}

/// A static file of the pages (CSS, scripts, icons).
///
/// `GET /assets/{path}`: with `?v=<hash>` as the pages link them, cached for a year;
/// otherwise revalidated with its `ETag`.
#[utoipa::path(
    get,
    path = "/assets/{path}",
    tag = crate::openapi::TAG_PAGES,
    params(("path" = String, Path, example = "css/app.css", description = "The file, e.g. `css/app.css`.")),
    responses(
        (status = 200, description = "The file.", content_type = "*/*", body = String),
        (status = 304, description = "Not modified (`If-None-Match`)."),
        (status = 404, description = "No such file.", body = crate::openapi::ErrorBody),
    )
)]
pub async fn serve(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner();
    let file = Files::get(&path).ok_or_else(ApiError::not_found)?;
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .finish());
    }
    let versioned = short_hash(&path).is_some_and(|v| req.query_string() == format!("v={v}"));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };
    let mime = file.metadata.mimetype();
    let mut res = HttpResponse::Ok();
    if path == SERVICE_WORKER {
        // It serves the ticket pages, outside its own directory.
        res.insert_header(("Service-Worker-Allowed", "/api/tickets/follow/"));
    }
    Ok(res
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_str(mime)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ETAG, etag))
        .body(file.data.into_owned()))
}
