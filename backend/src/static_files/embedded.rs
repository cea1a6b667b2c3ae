//! The app baked into the binary by `just dist` (feature `embed-frontend`).

#[cfg(feature = "embed-frontend")]
mod baked {
    use crate::static_files::policy::{self, Variant};
    use actix_files::file_extension_to_mime;
    use actix_web::http::header::{self, AcceptEncoding, Header, HeaderValue};
    use actix_web::{HttpRequest, HttpResponse};

    /// `dist/` as it was when the binary was built, with its compressed copies.
    #[derive(rust_embed::Embed)]
    #[folder = "$CARGO_MANIFEST_DIR/../dist"]
    struct Assets;

    /// An embedded page of the app, e.g. `index.html`.
    pub fn page(name: &str) -> Option<String> {
        Assets::get(name).map(|f| String::from_utf8_lossy(&f.data).into_owned())
    }

    /// A file by path, or `index.html` for app routes, in the best stored form the
    /// browser accepts; a repeat request with the same `ETag` gets a bodiless 304.
    pub fn serve(req: &HttpRequest) -> HttpResponse {
        let path = req.path().trim_start_matches('/');
        let name =
            if !path.is_empty() && !policy::is_stored_copy(path) && Assets::get(path).is_some() {
                path
            } else {
                policy::page_for(req.path(), Assets::get(policy::ROOM_PAGE).is_some())
            };
        let accept = AcceptEncoding::parse(req).ok();
        let variant = policy::choose(accept.as_ref(), |v| {
            Assets::get(&format!("{name}{}", v.suffix())).is_some()
        });
        let Some(file) = Assets::get(&format!("{name}{}", variant.suffix())) else {
            return HttpResponse::NotFound().finish();
        };
        // The hash of the bytes sent: each stored form has its own.
        let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
        let fresh = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        let mut res = if fresh {
            HttpResponse::NotModified().finish()
        } else {
            let ext = name.rsplit_once('.').map_or("", |(_, ext)| ext);
            let mut res = HttpResponse::Ok();
            res.content_type(file_extension_to_mime(ext).as_ref());
            if variant != Variant::Identity {
                res.insert_header(variant.content_encoding());
            }
            res.body(file.data.into_owned())
        };
        let headers = res.headers_mut();
        if let Ok(etag) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, etag);
        }
        crate::static_files::cache_headers(headers, name);
        res
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(feature = "embed-frontend")]
pub use baked::{page, serve};

/// No app is built in: the folder is the only source.
#[cfg(not(feature = "embed-frontend"))]
pub fn page(_name: &str) -> Option<String> {
    None
}

/// Never reached without an embedded app (see `configure`).
#[cfg(not(feature = "embed-frontend"))]
pub fn serve(_req: &actix_web::HttpRequest) -> actix_web::HttpResponse {
    actix_web::HttpResponse::NotFound().finish()
}
