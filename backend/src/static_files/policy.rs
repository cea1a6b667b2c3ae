//! What to send for a file of the built app: which stored form suits the browser, and
//! how long the browser may keep it. Pure, so both serving modes (a folder, or the app
//! baked into the binary) follow one rule.

use actix_web::http::header::{AcceptEncoding, ContentEncoding, Encoding};

/// A stored form of a file: the file itself, or a copy the build compressed beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// `name.br`, sent with `Content-Encoding: br`.
    Brotli,
    /// `name.gz`, sent with `Content-Encoding: gzip`.
    Gzip,
    /// The file as it is.
    Identity,
}

impl Variant {
    /// The suffix the build gives this form's file (`app.wasm` → `app.wasm.br`).
    pub fn suffix(self) -> &'static str {
        match self {
            Variant::Brotli => ".br",
            Variant::Gzip => ".gz",
            Variant::Identity => "",
        }
    }

    /// The `Content-Encoding` it is sent with.
    pub fn content_encoding(self) -> ContentEncoding {
        match self {
            Variant::Brotli => ContentEncoding::Brotli,
            Variant::Gzip => ContentEncoding::Gzip,
            Variant::Identity => ContentEncoding::Identity,
        }
    }

    fn encoding(self) -> Encoding {
        Encoding::Known(self.content_encoding())
    }
}

/// The best form the browser accepts among those on hand (`stored` says whether a
/// compressed copy exists). Equal preferences go to brotli, then gzip: they are smaller.
/// A browser that accepts none of them still gets the file as it is (rather than a 406
/// no browser would know what to do with).
pub fn choose(accept: Option<&AcceptEncoding>, stored: impl Fn(Variant) -> bool) -> Variant {
    let Some(accept) = accept else {
        return Variant::Identity;
    };
    let offered: Vec<Encoding> = [Variant::Brotli, Variant::Gzip]
        .into_iter()
        .filter(|v| stored(*v))
        .chain([Variant::Identity])
        .map(Variant::encoding)
        .collect();
    match accept.negotiate(offered.iter()) {
        Some(Encoding::Known(ContentEncoding::Brotli)) => Variant::Brotli,
        Some(Encoding::Known(ContentEncoding::Gzip)) => Variant::Gzip,
        _ => Variant::Identity,
    }
}

/// The app's pages: `index.html` (the lobby app) and `room.html` (the call app).
pub const PAGES: [&str; 2] = ["index.html", ROOM_PAGE];

/// The call app's page, sent for a room's path.
pub const ROOM_PAGE: &str = "room.html";

/// The page that answers an app route (a path naming no file): `room.html` for a room's
/// path, where the build made one (two WASM modules, so the lobby never downloads the
/// call), else `index.html`.
pub fn page_for(path: &str, has_room_page: bool) -> &'static str {
    if has_room_page && path.starts_with("/room/") {
        ROOM_PAGE
    } else {
        "index.html"
    }
}

/// Whether `path` names one of the compressed copies rather than a file of the app.
pub fn is_stored_copy(path: &str) -> bool {
    path.ends_with(".br") || path.ends_with(".gz")
}

/// `Cache-Control` for a file of the app. A file whose name carries its content hash
/// (trunk names them `name-<hash>.ext` or `name-<hash>_bg.wasm`) never changes under that
/// name, so the browser may keep it for a year without asking; anything else, the pages
/// above all, is checked with the server on every use, so a new release is seen at once.
pub fn cache_control(path: &str) -> &'static str {
    if has_content_hash(path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

/// trunk writes a 64-bit hash in hex without leading zeros: 16 digits, or fewer when the
/// hash starts with zeros (15 in one build of 16). Fewer than 12 would be one in 2^16
/// builds; a shorter run of hex digits is taken for a word, not a hash.
const HASH_DIGITS: std::ops::RangeInclusive<usize> = 12..=16;

fn has_content_hash(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.match_indices('-').any(|(at, _)| {
        let rest = &name[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        HASH_DIGITS.contains(&digits) && matches!(rest.as_bytes().get(digits), Some(b'.' | b'_'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::Header;
    use actix_web::test::TestRequest;

    fn accept(value: &str) -> AcceptEncoding {
        let req = TestRequest::default()
            .insert_header(("accept-encoding", value))
            .to_http_request();
        AcceptEncoding::parse(&req).expect("a valid Accept-Encoding")
    }

    #[test]
    fn the_smallest_accepted_stored_form_wins() {
        let all = |_: Variant| true;
        let gzip_only = |v: Variant| v == Variant::Gzip;
        let none = |_: Variant| false;
        type Stored<'a> = &'a dyn Fn(Variant) -> bool;
        let cases: &[(&str, Stored, Variant)] = &[
            // Chromium and Firefox list gzip first; brotli still wins at equal quality.
            ("gzip, deflate, br, zstd", &all, Variant::Brotli),
            ("gzip, deflate, br", &gzip_only, Variant::Gzip),
            ("gzip, deflate, br", &none, Variant::Identity),
            ("gzip", &all, Variant::Gzip),
            ("br;q=0.5, gzip", &all, Variant::Gzip),
            ("br;q=0, gzip;q=0", &all, Variant::Identity),
            ("identity", &all, Variant::Identity),
            ("*", &all, Variant::Identity),
            ("deflate", &all, Variant::Identity),
        ];
        for (header, stored, want) in cases {
            assert_eq!(choose(Some(&accept(header)), stored), *want, "{header}");
        }
        assert_eq!(choose(None, all), Variant::Identity, "no header");
    }

    #[test]
    fn only_names_with_a_content_hash_are_immutable() {
        let immutable = "public, max-age=31536000, immutable";
        let cases = [
            ("duet-frontend-1a2b3c4d5e6f7a8b_bg.wasm", immutable),
            ("/duet-frontend-1a2b3c4d5e6f7a8b.js", immutable),
            ("main-0123456789abcdef.css", immutable),
            // A hash with a leading zero digit, as trunk writes it.
            ("duet-lobby-140849082916bc5_bg.wasm", immutable),
            ("duet-lobby-140849082916bc5.js", immutable),
            ("index.html", "no-cache"),
            ("", "no-cache"),
            ("room/abc", "no-cache"),
            ("short-1a2b3c.js", "no-cache"),
            ("not-a-hash-zzzzzzzzzzzzzzzz.js", "no-cache"),
            ("dir-0123456789abcdef/plain.js", "no-cache"),
            ("long-0123456789abcdef0.js", "no-cache"),
            ("tail-0123456789abcdefzz.js", "no-cache"),
        ];
        for (path, want) in cases {
            assert_eq!(cache_control(path), want, "{path}");
        }
    }

    #[test]
    fn a_rooms_path_gets_the_call_app_when_it_was_built() {
        let cases = [
            (
                "/room/4b5c4ab5-8c1f-4c8e-9d3e-1f2a3b4c5d6e",
                true,
                "room.html",
            ),
            (
                "/room/4b5c4ab5-8c1f-4c8e-9d3e-1f2a3b4c5d6e",
                false,
                "index.html",
            ),
            ("/", true, "index.html"),
            ("/signin", true, "index.html"),
            ("/rooms", true, "index.html"),
            ("/room", true, "index.html"),
        ];
        for (path, built, want) in cases {
            assert_eq!(page_for(path, built), want, "{path} {built}");
        }
    }

    #[test]
    fn compressed_copies_are_recognised() {
        assert!(is_stored_copy("a.wasm.br") && is_stored_copy("a.js.gz"));
        assert!(!is_stored_copy("a.wasm"));
    }
}
