//! The bare page's server: `GET /` serves the page, `GET /ws?room=R` opens a WebSocket
//! whose text messages go to the other sockets of room `R`. Nothing more: this is the
//! least signaling a WebRTC call needs, the floor Duet's set-up is compared with.

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{Message, Session};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The page: one `RTCPeerConnection`, the fake camera and microphone, offer/answer and
/// candidates through `/ws`.
pub const PAGE: &str = include_str!("bare.html");

/// Longest room name accepted (names are made by the benchmark, never by people).
const MAX_ROOM_LEN: usize = 64;

/// The open sockets of each room, each with its own id.
#[derive(Default)]
pub struct Rooms {
    next_id: AtomicU64,
    sockets: Mutex<HashMap<String, Vec<(u64, Session)>>>,
}

impl Rooms {
    fn join(&self, room: &str, session: Session) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock()
            .entry(room.to_owned())
            .or_default()
            .push((id, session));
        id
    }

    fn leave(&self, room: &str, id: u64) {
        let mut rooms = self.lock();
        if let Some(sockets) = rooms.get_mut(room) {
            sockets.retain(|(other, _)| *other != id);
            if sockets.is_empty() {
                rooms.remove(room);
            }
        }
    }

    /// Everyone in `room` but `id` (copies, so nothing is sent under the lock).
    fn others(&self, room: &str, id: u64) -> Vec<Session> {
        self.lock()
            .get(room)
            .map(|sockets| {
                sockets
                    .iter()
                    .filter(|(other, _)| *other != id)
                    .map(|(_, session)| session.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<(u64, Session)>>> {
        // A panic elsewhere cannot leave the map half-changed: every change is one call.
        self.sockets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Adds the page and the socket routes, sharing `rooms` between workers.
pub fn routes(rooms: web::Data<Rooms>) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |cfg| {
        cfg.app_data(rooms.clone())
            .route("/", web::get().to(page))
            .route("/ws", web::get().to(socket));
    }
}

async fn page() -> HttpResponse {
    // Checked on every load, like Duet's index.html, so a warm load costs the same round trip.
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(PAGE)
}

/// The room named in the query (`room=`), if it is a usable name.
fn room_of(req: &HttpRequest) -> Option<String> {
    let room = req
        .query_string()
        .split('&')
        .find_map(|pair| pair.strip_prefix("room="))?;
    let valid = !room.is_empty()
        && room.len() <= MAX_ROOM_LEN
        && room.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    valid.then(|| room.to_owned())
}

async fn socket(
    req: HttpRequest,
    body: web::Payload,
    rooms: web::Data<Rooms>,
) -> actix_web::Result<HttpResponse> {
    let Some(room) = room_of(&req) else {
        return Ok(HttpResponse::BadRequest().body("room= must be 1-64 letters, digits or '-'"));
    };
    let (response, session, mut stream) = actix_ws::handle(&req, body)?;
    let id = rooms.join(&room, session.clone());
    actix_web::rt::spawn(async move {
        let mut session = session;
        while let Some(Ok(message)) = stream.recv().await {
            match message {
                Message::Text(text) => {
                    for mut other in rooms.others(&room, id) {
                        // A socket closing meanwhile is that page's problem, not this one's.
                        let _ = other.text(text.clone()).await;
                    }
                }
                Message::Ping(bytes) => {
                    // A failed pong means the socket is closing: the stream ends next.
                    let _ = session.pong(&bytes).await;
                }
                Message::Close(_) => break,
                _ => {}
            }
        }
        rooms.leave(&room, id);
        let _ = session.close(None).await;
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn a_room_name_is_letters_digits_and_dashes() {
        let room = |q: &str| room_of(&TestRequest::with_uri(&format!("/ws?{q}")).to_http_request());
        assert_eq!(room("room=ab-12"), Some("ab-12".into()));
        assert_eq!(room("x=1&room=r1"), Some("r1".into()));
        assert_eq!(room("room="), None);
        assert_eq!(room("room=a%20b"), None);
        assert_eq!(room(&format!("room={}", "a".repeat(65))), None);
        assert_eq!(room("other=1"), None);
    }
}
