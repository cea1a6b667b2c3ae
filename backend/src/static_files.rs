//! The built web app: files from `STATIC_DIR`, and its `index.html` for every other
//! browser path (the app routes on the client).

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse, fn_service};
use actix_web::{HttpResponse, web};
use std::path::PathBuf;

/// Serves `dir` at `/` with fallback to `dir/index.html`; without a built app, a page saying how to build it.
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
