//! The built app from `STATIC_DIR`, as a browser fetches it: the smallest stored form it
//! accepts, `Vary: Accept-Encoding`, a year of caching for content-hashed names and
//! `no-cache` for `index.html`, and the same through Duet's nginx rules (which compress
//! the API's JSON on top), and the one-file binary by the same rules.

use crate::helpers::{TestApp, spawn_app_with};
use crate::reverse_proxy::start_nginx;
use duet_testkit::ServerCommand;
use reqwest::header::{ACCEPT_ENCODING, HeaderMap};
use std::io::{Read, Write};
use std::path::Path;

const WASM: &str = "duet-frontend-0123456789abcdef_bg.wasm";
const CSS: &str = "main-fedcba9876543210.css";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A built app as `scripts/build-frontend.sh` leaves it: the files, a brotli and a gzip
/// copy of the module, only a gzip copy of the style sheet.
struct Built {
    dir: tempfile::TempDir,
    wasm: Vec<u8>,
    index: Vec<u8>,
}

fn build() -> Built {
    let dir = tempfile::tempdir().unwrap();
    let index = b"<!doctype html><title>Duet app</title><body>Loading Duet</body>".repeat(4);
    // Compressible, and different in each position so a truncated body shows.
    let wasm: Vec<u8> = (0..40_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    let css = b"body { margin: 0 }\n".repeat(50);
    write_with_copies(dir.path(), "index.html", &index, true);
    write_with_copies(dir.path(), WASM, &wasm, true);
    std::fs::write(dir.path().join(CSS), &css).unwrap();
    std::fs::write(dir.path().join(format!("{CSS}.gz")), gzip(&css)).unwrap();
    Built { dir, wasm, index }
}

fn write_with_copies(dir: &Path, name: &str, bytes: &[u8], brotli: bool) {
    std::fs::write(dir.join(name), bytes).unwrap();
    std::fs::write(dir.join(format!("{name}.gz")), gzip(bytes)).unwrap();
    if brotli {
        let mut out = Vec::new();
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        w.write_all(bytes).unwrap();
        drop(w);
        std::fs::write(dir.join(format!("{name}.br")), out).unwrap();
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(bytes).unwrap();
    w.finish().unwrap()
}

/// The body as the browser would see it after undoing `Content-Encoding`.
fn decoded(headers: &HeaderMap, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match headers.get("content-encoding").map(|v| v.to_str().unwrap()) {
        None => out.extend_from_slice(body),
        Some("br") => {
            brotli::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some(other) => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

/// If-None-Match with the ETag of `path` as sent in `accept` gives a bodiless 304, and
/// the other stored form has another ETag.
async fn check_revalidation(base: &str, path: &str) {
    let (_, first, _) = fetch(base, path, "br").await;
    let etag = header(&first, "etag").expect("an ETag").to_owned();
    let res = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header(ACCEPT_ENCODING, "br")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304, "{path}");
    let (_, gz, _) = fetch(base, path, "gzip").await;
    assert_ne!(header(&gz, "etag"), Some(etag.as_str()), "{path}");
}

/// A GET as a browser that sends `accept` (none when empty) would make it.
async fn fetch(base: &str, path: &str, accept: &str) -> (reqwest::StatusCode, HeaderMap, Vec<u8>) {
    let mut req = reqwest::Client::new().get(format!("{base}{path}"));
    if !accept.is_empty() {
        req = req.header(ACCEPT_ENCODING, accept);
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.bytes().await.unwrap().to_vec())
}

/// Whether some `Vary` header names `Accept-Encoding` (a proxy may add its own).
fn varies_by_encoding(headers: &HeaderMap) -> bool {
    headers.get_all("vary").iter().any(|v| {
        v.to_str()
            .unwrap()
            .split(',')
            .any(|name| name.trim().eq_ignore_ascii_case("accept-encoding"))
    })
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

/// The app's pages as built: what `/` and a room's path must answer with.
struct Pages<'a> {
    index: &'a [u8],
    room: &'a [u8],
}

/// What every file of the app must look like at `base`, whoever serves it: the module
/// `wasm` (its bytes `module`) and the pages, each stored with both copies.
async fn check_app_files(base: &str, wasm: &str, module: &[u8], pages: Pages<'_>) {
    let browser = "gzip, deflate, br, zstd";
    for (accept, encoding) in [
        (browser, Some("br")),
        ("gzip", Some("gzip")),
        ("", None),
        ("identity", None),
    ] {
        let (status, headers, body) = fetch(base, &format!("/{wasm}"), accept).await;
        assert_eq!(status, 200, "{accept:?}");
        assert_eq!(header(&headers, "content-encoding"), encoding, "{accept:?}");
        assert_eq!(header(&headers, "content-type"), Some("application/wasm"));
        assert_eq!(header(&headers, "cache-control"), Some(IMMUTABLE));
        assert!(varies_by_encoding(&headers), "{accept:?}");
        if encoding.is_some() {
            assert!(body.len() < module.len() / 2, "{accept:?} compressed");
        }
        assert!(
            decoded(&headers, &body) == module,
            "{accept:?} decodes whole"
        );
    }

    // index.html, for itself and for every app route, is checked on every visit.
    for (path, page) in [
        ("/", pages.index),
        ("/index.html", pages.index),
        ("/room/4b5c4ab5-8c1f-4c8e-9d3e-1f2a3b4c5d6e", pages.room),
    ] {
        let (status, headers, body) = fetch(base, path, browser).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(header(&headers, "content-encoding"), Some("br"), "{path}");
        assert_eq!(
            header(&headers, "cache-control"),
            Some("no-cache"),
            "{path}"
        );
        assert!(varies_by_encoding(&headers), "{path}");
        assert!(decoded(&headers, &body) == page, "{path}");
    }
}

/// The style sheet has only a gzip copy: a browser that prefers brotli gets gzip.
async fn check_gzip_only(base: &str) {
    let (_, headers, _) = fetch(base, &format!("/{CSS}"), "gzip, deflate, br, zstd").await;
    assert_eq!(header(&headers, "content-encoding"), Some("gzip"));
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(header(&headers, "cache-control"), Some(IMMUTABLE));
}

#[tokio::test]
async fn the_app_folder_sends_the_smallest_stored_form_with_its_cache_policy() {
    let built = build();
    let app = spawn_app_with(&["--static-dir", built.dir.path().to_str().unwrap()]).await;
    let pages = Pages {
        index: &built.index,
        room: &built.index,
    };
    check_app_files(&app.address, WASM, &built.wasm, pages).await;
    check_gzip_only(&app.address).await;
}

#[tokio::test]
async fn a_rooms_path_gets_the_call_app_and_the_csp_allows_both_loaders() {
    let built = build();
    let room = "<!doctype html><title>Duet call</title><script type=module>startRoom()</script>";
    write_with_copies(built.dir.path(), "room.html", room.as_bytes(), true);
    let app = spawn_app_with(&["--static-dir", built.dir.path().to_str().unwrap()]).await;
    let room_path = "/room/4b5c4ab5-8c1f-4c8e-9d3e-1f2a3b4c5d6e";
    let (status, headers, body) = fetch(&app.address, room_path, "br").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), Some("no-cache"));
    assert_eq!(decoded(&headers, &body), room.as_bytes());
    let csp = header(&headers, "content-security-policy")
        .unwrap()
        .to_owned();
    // echo -n 'startRoom()' | openssl dgst -sha256 -binary | base64
    assert!(
        csp.contains("'sha256-Suktg6gzxRwEYTT3s4mTYEpxqaELIbhnKvXY+HIUqWs='"),
        "{csp}"
    );
    let (_, _, lobby) = fetch(&app.address, "/signin", "").await;
    assert!(lobby == built.index, "other app routes keep the lobby app");
}

#[tokio::test]
async fn a_repeat_visit_revalidates_index_html_for_an_empty_304() {
    let built = build();
    let app = spawn_app_with(&["--static-dir", built.dir.path().to_str().unwrap()]).await;
    check_revalidation(&app.address, "/").await;
}

/// The one-file binary (`just dist`; a debug build with `--features embed-frontend` here)
/// serves the real built app from inside itself by the same rules.
/// `scripts/test-embedded.sh` builds it and runs this with `DUET_EMBEDDED_BIN`/`DUET_DIST`.
#[tokio::test]
#[ignore = "needs a binary built with the app inside: scripts/test-embedded.sh"]
async fn the_binary_with_the_app_inside_serves_it_by_the_same_rules() {
    let bin = std::env::var("DUET_EMBEDDED_BIN").expect("DUET_EMBEDDED_BIN names the binary");
    let dist = std::path::PathBuf::from(std::env::var("DUET_DIST").expect("DUET_DIST names dist/"));
    // No STATIC_DIR and an empty working directory: only the embedded copy can answer.
    let server = ServerCommand::new(bin).spawn().await.unwrap();
    let index = std::fs::read(dist.join("index.html")).unwrap();
    let room = std::fs::read(dist.join("room.html")).unwrap();
    let wasm = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|name| name.ends_with("_bg.wasm"))
        .expect("dist/ holds the module");
    let module = std::fs::read(dist.join(&wasm)).unwrap();
    let pages = Pages {
        index: &index,
        room: &room,
    };
    check_app_files(&server.url(), &wasm, &module, pages).await;
    check_revalidation(&server.url(), "/").await;
    check_revalidation(&server.url(), &format!("/{wasm}")).await;
}

#[tokio::test]
async fn copies_and_paths_outside_the_folder_are_never_served_as_files() {
    let built = build();
    let secret = built.dir.path().parent().unwrap().join("duet-secret.txt");
    let app = spawn_app_with(&["--static-dir", built.dir.path().to_str().unwrap()]).await;
    for path in [
        format!("/{WASM}.br"),
        format!("/{WASM}.gz"),
        "/../duet-secret.txt".into(),
        "/%2e%2e/duet-secret.txt".into(),
        "/.hidden".into(),
    ] {
        let (status, headers, body) = fetch(&app.address, &path, "").await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(
            header(&headers, "cache-control"),
            Some("no-cache"),
            "{path}"
        );
        assert!(body == built.index, "{path} falls back to index.html");
    }
    assert!(!secret.exists());
    let res = reqwest::Client::new()
        .post(format!("{}/{WASM}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()["allow"], "GET, HEAD");
}

#[tokio::test]
async fn nginx_passes_the_stored_forms_and_their_headers_through_and_compresses_json() {
    let built = build();
    let app = spawn_app_with(&[
        "--static-dir",
        built.dir.path().to_str().unwrap(),
        "--trusted-proxies",
        "127.0.0.3",
    ])
    .await;
    let nginx = start_nginx(app.port).await;
    let base = format!("http://127.0.0.1:{}", nginx.port);
    let pages = Pages {
        index: &built.index,
        room: &built.index,
    };
    check_app_files(&base, WASM, &built.wasm, pages).await;
    check_gzip_only(&base).await;

    // The API's JSON is compressed by nginx (Duet itself leaves it to the proxy).
    let proxied = TestApp::at(nginx.port);
    let ada = proxied.new_user("Ada").await;
    for i in 0..12 {
        let name = format!("A room with a long enough name {i}");
        proxied.create_room(&ada, &name, "business", "public").await;
    }
    let res = reqwest::Client::new()
        .get(format!("{base}/api/rooms"))
        .header(ACCEPT_ENCODING, "gzip")
        .bearer_auth(&ada.token)
        .send()
        .await
        .unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let body = res.bytes().await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), Some("gzip"));
    let json: serde_json::Value = serde_json::from_slice(&decoded(&headers, &body)).unwrap();
    assert!(
        json.as_array().is_some_and(|rooms| rooms.len() == 12),
        "{json}"
    );
}
