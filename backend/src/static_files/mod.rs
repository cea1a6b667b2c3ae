//! The built web app: files from `STATIC_DIR` (or, in a `just dist` build, baked into
//! the binary), and for every other browser path the page of the app that routes it on
//! the client (`room.html` for a room, `index.html` else). Both modes send the smallest stored form the browser accepts (the build
//! puts `.br` and `.gz` copies beside each file) and the cache policy of the file's
//! name, by the one rule in [`policy`].

mod disk;
mod embedded;
pub mod policy;

use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use std::path::{Path, PathBuf};

/// The app's pages (`index.html`, and `room.html` where built), one after the other:
/// each from `dir`, else the embedded copy; `None` when there is no app.
pub fn pages_html(dir: &Path) -> Option<String> {
    let pages: Vec<String> = policy::PAGES
        .iter()
        .filter_map(|page| {
            std::fs::read_to_string(dir.join(page))
                .ok()
                .or_else(|| embedded::page(page))
        })
        .collect();
    (!pages.is_empty()).then(|| pages.concat())
}

/// Serves `dir` at `/` with fallback to its pages; without `dir/index.html`, the embedded app;
/// without either, a page saying how to build it.
pub fn configure(dir: PathBuf) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        if dir.join("index.html").is_file() {
            let dir = web::Data::new(disk::Folder::new(dir));
            cfg.app_data(dir).default_service(web::to(
                |req: HttpRequest, dir: web::Data<disk::Folder>| async move {
                    match only_reads(&req) {
                        Some(refused) => refused,
                        None => dir.serve(&req).await,
                    }
                },
            ));
        } else if embedded::page("index.html").is_some() {
            tracing::info!("serving the web app built into this binary");
            cfg.default_service(web::to(|req: HttpRequest| async move {
                only_reads(&req).unwrap_or_else(|| embedded::serve(&req))
            }));
        } else {
            tracing::warn!(dir = %dir.display(), "no built web app found; serving the API only");
            cfg.default_service(web::to(|| async {
                HttpResponse::NotFound()
                    .content_type("text/html; charset=utf-8")
                    .body(NOT_BUILT)
            }));
        }
    }
}

/// A 405 for methods other than GET and HEAD: the app's files are only read.
fn only_reads(req: &HttpRequest) -> Option<HttpResponse> {
    (!matches!(*req.method(), Method::GET | Method::HEAD)).then(|| {
        HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .finish()
    })
}

/// The headers every file of the app carries: how long it may be kept, and that its
/// bytes depend on `Accept-Encoding` (so a cache never gives brotli to a browser
/// that asked for gzip).
fn cache_headers(headers: &mut HeaderMap, path: &str) {
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(policy::cache_control(path)),
    );
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
}

const NOT_BUILT: &str = "<!doctype html><title>Duet</title><h1>Duet</h1>\
<p>The web app has not been built. Run <code>just run</code>, which builds it and starts the server.</p>";
