//! Response headers that keep the app in its own lane: a Content-Security-Policy that
//! allows the WASM app and nothing more, no MIME sniffing, no framing, no referrers.

use crate::static_files::{pages_html, policy::PAGES};
use actix_web::middleware::DefaultHeaders;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

/// The headers every response carries besides the CSP (see [`Csp`]).
pub fn default_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        // Room links carry private room ids: never send them to other sites.
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()",
        ))
}

/// The current policy for the app in `STATIC_DIR`: re-hashed when one of its pages
/// changes, so rebuilding the app under a running server does not lock the new loader out.
pub struct Csp {
    dir: PathBuf,
    current: Mutex<(Option<SystemTime>, String)>,
}

impl Csp {
    /// The policy for the app served from `dir` (or the embedded app).
    pub fn new(dir: PathBuf) -> Self {
        let modified = Self::modified(&dir);
        let policy = content_security_policy(pages_html(&dir).as_deref());
        Csp {
            dir,
            current: Mutex::new((modified, policy)),
        }
    }

    /// When a page was last written (a rebuild writes them one after the other).
    fn modified(dir: &Path) -> Option<SystemTime> {
        PAGES
            .iter()
            .filter_map(|page| {
                std::fs::metadata(dir.join(page))
                    .and_then(|m| m.modified())
                    .ok()
            })
            .max()
    }

    /// The policy for the app as it is now.
    pub fn policy(&self) -> String {
        let modified = Self::modified(&self.dir);
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.0 != modified {
            *current = (
                modified,
                content_security_policy(pages_html(&self.dir).as_deref()),
            );
        }
        current.1.clone()
    }
}

/// The policy: own origin only, WebAssembly compilation allowed, and the inline loader
/// of each of the app's pages allowed by hash (not by `'unsafe-inline'`).
pub fn content_security_policy(pages_html: Option<&str>) -> String {
    let hashes: String = pages_html
        .map(|html| {
            inline_scripts(html)
                .map(|s| format!(" 'sha256-{}'", sha256_base64(s)))
                .collect()
        })
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; \
         media-src 'self' blob: mediastream:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The bodies of `<script>` elements without `src` (what a CSP hash covers).
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attrs, after) = rest.split_once('>')?;
        let (body, _) = after.split_once("</script>")?;
        (!attrs.contains("src=") && !body.trim().is_empty()).then_some(body)
    })
}

fn sha256_base64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_found_and_external_ones_skipped() {
        let html = "<head><script src=/a.js></script><script type=module>init()</script>\
                    <script>\n</script><script>x=1</script></head>";
        assert_eq!(
            inline_scripts(html).collect::<Vec<_>>(),
            vec!["init()", "x=1"]
        );
    }

    #[test]
    fn hashes_match_the_csp_algorithm() {
        // echo -n 'init()' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            sha256_base64("init()"),
            "w4ujnOpjBoH2vcasx+reJRUwYivG8Q3afx/XevGJod8="
        );
    }

    #[test]
    fn without_a_built_app_the_policy_still_stands() {
        let csp = content_security_policy(None);
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
