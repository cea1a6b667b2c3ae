//! Paths inside the app: room links, and where to go back after signing in.

use duet_shared::RoomId;

/// The app path of a room.
pub fn room_path(id: RoomId) -> String {
    format!("/room/{id}")
}

/// The shareable link of a room, on the site at `origin`.
pub fn room_link(origin: &str, id: RoomId) -> String {
    format!("{origin}{}", room_path(id))
}

/// The room a pasted text names: a bare id, or any link ending in `/room/{id}`.
pub fn parse_room(input: &str) -> Option<RoomId> {
    let input = input.trim();
    let id = match input.rfind("/room/") {
        Some(at) => {
            let rest = &input[at + "/room/".len()..];
            rest.split(['/', '?', '#']).next().unwrap_or(rest)
        }
        None => input,
    };
    id.parse().ok()
}

/// A safe place to return to after signing in: a path on this site, else the lobby.
/// (An absolute or protocol-relative URL would let a link send people elsewhere.)
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.starts_with("/signin")
                && !path.starts_with("/signup") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f";

    #[test]
    fn room_ids_are_found_in_links_and_bare() {
        let want: RoomId = ID.parse().unwrap();
        for input in [
            ID.to_owned(),
            format!("  {ID} "),
            format!("https://duet.example.org/room/{ID}"),
            format!("http://localhost:8080/room/{ID}?x=1#top"),
            format!("/room/{ID}/"),
        ] {
            assert_eq!(parse_room(&input), Some(want), "{input}");
        }
        for bad in ["", "room", "https://duet.example.org/room/", "/room/123"] {
            assert_eq!(parse_room(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/room/abc")), "/room/abc");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/signin")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
