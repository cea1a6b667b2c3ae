//! The view model: everything the room page shows, as plain data.

use crate::call::chat::ChatLine;
use crate::call::io::MediaState;
use crate::call::state::{Device, Link, Notice, Phase, Seat, ServerLink};
use crate::files::TransferView;
use duet_shared::api::Room;
use duet_shared::protocol::{GameState, Peer as PeerInfo};

/// Everything the room page shows, as plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewModel {
    /// Where the call is.
    pub phase: Phase,
    /// The connection to the other person, in words.
    pub link: Link,
    /// The room, once fetched.
    pub room: Option<Room>,
    /// This person's seat, once in the room.
    pub seat: Option<Seat>,
    /// The other person, while they are in the room.
    pub peer: Option<PeerInfo>,
    /// The name of whoever just left (until someone joins).
    pub left: Option<String>,
    /// The microphone.
    pub mic: Device,
    /// The camera.
    pub camera: Device,
    /// Whether a screen is being shared.
    pub sharing: bool,
    /// What the other person sends, as they report it.
    pub remote_media: Option<MediaState>,
    /// The conversation.
    pub chat: Vec<ChatLine>,
    /// Why the last line typed was refused, if it was.
    pub chat_error: Option<String>,
    /// Messages from the other person not yet seen.
    pub unread: u32,
    /// The game in progress.
    pub game: Option<GameState>,
    /// The latest short message for the person.
    pub notice: Option<Notice>,
    /// The connection to the server.
    pub server: ServerLink,
    /// Files sent and received, oldest first.
    pub files: Vec<TransferView>,
}

impl ViewModel {
    pub(super) fn new() -> ViewModel {
        ViewModel {
            phase: Phase::Loading,
            link: Link::Joining,
            room: None,
            seat: None,
            peer: None,
            left: None,
            mic: Device::Unavailable,
            camera: Device::Unavailable,
            sharing: false,
            remote_media: None,
            chat: Vec::new(),
            chat_error: None,
            unread: 0,
            game: None,
            notice: None,
            server: ServerLink::Online,
            files: Vec::new(),
        }
    }
}
