//! The built web app: files from `STATIC_DIR` (or, in a `just dist` build, baked into
//! the binary), and its `index.html` for every other browser path (the app routes on
//! the client).

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::{HttpResponse, web};
use std::path::PathBuf;

/// The app's `index.html`: from `dir`, else the embedded copy, else none.
pub fn index_html(dir: &std::path::Path) -> Option<String> {
    std::fs::read_to_string(dir.join("index.html"))
        .ok()
        .or_else(embedded::index_html)
}

/// Serves `dir` at `/` with fallback to `dir/index.html`; without it, the embedded app;
/// without either, a page saying how to build it.
pub fn configure(dir: PathBuf) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let index = dir.join("index.html");
        if index.is_file() {
            cfg.service(
                Files::new("/", &dir)
                    .index_file("index.html")
                    .prefer_utf8(true)
                    .default_handler(fn_service(move |req: ServiceRequest| {
                        let index = index.clone();
                        async move {
                            let (req, _) = req.into_parts();
                            let file = NamedFile::open_async(&index).await?;
                            let res = file.into_response(&req);
                            Ok(ServiceResponse::new(req, res))
                        }
                    })),
            );
        } else if embedded::index_html().is_some() {
            tracing::info!("serving the web app built into this binary");
            cfg.default_service(web::to(embedded::serve));
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

const NOT_BUILT: &str = "<!doctype html><title>Duet</title><h1>Duet</h1>\
<p>The web app has not been built. Run <code>just run</code>, which builds it and starts the server.</p>";

#[cfg(feature = "embed-frontend")]
mod embedded {
    use actix_web::http::header;
    use actix_web::{HttpRequest, HttpResponse};

    /// `dist/` as it was when the binary was built.
    #[derive(rust_embed::Embed)]
    #[folder = "$CARGO_MANIFEST_DIR/../dist"]
    struct Assets;

    pub fn index_html() -> Option<String> {
        Assets::get("index.html").map(|f| String::from_utf8_lossy(&f.data).into_owned())
    }

    /// A file by path, or `index.html` for app routes.
    pub async fn serve(req: HttpRequest) -> HttpResponse {
        let path = req.path().trim_start_matches('/');
        let (file, name) = match Assets::get(path).filter(|_| !path.is_empty()) {
            Some(file) => (file, path),
            None => match Assets::get("index.html") {
                Some(file) => (file, "index.html"),
                None => return HttpResponse::NotFound().finish(),
            },
        };
        let mut res = HttpResponse::Ok();
        res.content_type(file.metadata.mimetype());
        // trunk puts a content hash in every asset name except index.html.
        if name == "index.html" {
            res.insert_header((header::CACHE_CONTROL, "no-cache"));
        } else {
            res.insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"));
        }
        res.body(file.data.into_owned())
    }
}

#[cfg(not(feature = "embed-frontend"))]
mod embedded {
    use actix_web::HttpResponse;

    pub fn index_html() -> Option<String> {
        None
    }

    pub async fn serve() -> HttpResponse {
        HttpResponse::NotFound().finish()
    }
}
