//! Sizes and rates that the server enforces and the client respects.

use std::time::Duration;

/// Largest WebSocket frame the server accepts; a bigger one closes the connection (1009).
pub const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Largest SDP body in an `offer` or `answer`.
pub const MAX_SDP_BYTES: usize = 32 * 1024;
/// Largest ICE candidate line.
pub const MAX_CANDIDATE_BYTES: usize = 1024;
/// Longest chat message, in characters.
pub const MAX_CHAT_CHARS: usize = 2000;
/// Longest room name, in characters.
pub const MAX_ROOM_NAME_CHARS: usize = 80;
/// Longest display name, in characters.
pub const MAX_USER_NAME_CHARS: usize = 60;
/// Longest e-mail address, in characters (RFC 5321's 254, counted as the API documents it).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Shortest password accepted at sign-up, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted, in characters (bounds hashing work to 4 KiB).
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// ICE candidates a connection may send between two SDP descriptions.
pub const MAX_CANDIDATES_PER_NEGOTIATION: u32 = 100;
/// Members a room holds at most.
pub const ROOM_CAPACITY: usize = 2;

/// Signaling messages a connection may send in one burst.
pub const MSG_BURST: u32 = 60;
/// Signaling messages a connection may send per second, sustained.
pub const MSG_PER_SECOND: u32 = 20;
/// Chat messages a connection may send in one burst.
pub const CHAT_BURST: u32 = 10;
/// Chat messages a connection may send per minute, sustained.
pub const CHAT_PER_MINUTE: u32 = 60;
/// Rate-limited messages within [`RATE_VIOLATION_WINDOW`] after which the server closes
/// the connection (1008); older ones are forgiven, so only sustained flooding closes.
pub const MAX_RATE_VIOLATIONS: u32 = 20;
/// How far back rate-limit violations count.
pub const RATE_VIOLATION_WINDOW: Duration = Duration::from_secs(10);
