//! The app from a folder (`STATIC_DIR`, the way `just run` serves it).

use super::policy::{self, Variant};
use actix_files::{NamedFile, PathBufWrap, file_extension_to_mime};
use actix_web::http::header::{AcceptEncoding, Header};
use actix_web::{HttpRequest, HttpResponse};
use std::path::{Path, PathBuf};

/// The folder trunk built the app into.
pub struct Folder {
    dir: PathBuf,
}

impl Folder {
    /// Serves files below `dir`.
    pub fn new(dir: PathBuf) -> Folder {
        Folder { dir }
    }

    /// The file the request names, or for an app route the page of the app that routes
    /// it, in the best stored form the browser accepts.
    pub async fn serve(&self, req: &HttpRequest) -> HttpResponse {
        // PathBufWrap refuses `..`, hidden files and encoded slashes: nothing outside
        // the folder can be named.
        let named = PathBufWrap::parse_req_path(req, false)
            .ok()
            .map(|rel| rel.as_ref().to_path_buf())
            .filter(|rel| !rel.as_os_str().is_empty())
            .filter(|rel| !policy::is_stored_copy(&rel.to_string_lossy()))
            .map(|rel| self.dir.join(rel))
            .filter(|path| path.is_file());
        let path = named.unwrap_or_else(|| {
            let has_room_page = self.dir.join(policy::ROOM_PAGE).is_file();
            self.dir.join(policy::page_for(req.path(), has_room_page))
        });
        let accept = AcceptEncoding::parse(req).ok();
        let variant = policy::choose(accept.as_ref(), |v| with_suffix(&path, v).is_file());
        match open(&path, variant).await {
            Ok(file) => {
                let mut res = file.into_response(req);
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                super::cache_headers(res.headers_mut(), name.as_deref().unwrap_or(""));
                res
            }
            Err(err) => {
                tracing::error!(path = %path.display(), %err, "cannot read a file of the web app");
                HttpResponse::InternalServerError().finish()
            }
        }
    }
}

/// `path` in the stored form `variant`, typed as `path` itself.
async fn open(path: &Path, variant: Variant) -> std::io::Result<NamedFile> {
    let ext = path.extension().map(|e| e.to_string_lossy().into_owned());
    let file = NamedFile::open_async(with_suffix(path, variant))
        .await?
        .set_content_type(file_extension_to_mime(ext.as_deref().unwrap_or("")))
        .disable_content_disposition()
        .prefer_utf8(true);
    Ok(match variant {
        Variant::Identity => file,
        compressed => file.set_content_encoding(compressed.content_encoding()),
    })
}

fn with_suffix(path: &Path, variant: Variant) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(variant.suffix());
    PathBuf::from(name)
}
