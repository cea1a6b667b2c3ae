//! The signals the room page reads. The driver writes them from the machine's
//! [`ViewModel`] (only the parts that changed) and from browser objects (streams,
//! the path report); views never write them.

use super::chat::ChatLine;
use super::io::MediaState;
use super::machine::ViewModel;
use super::state::{Device, Link, Notice, Phase, Seat, ServerLink};
use crate::files::TransferView;
use crate::webrtc::media::Stream;
use crate::webrtc::stats::PathReport;
use duet_shared::api::Room;
use duet_shared::protocol::{GameState, Peer as PeerInfo};
use leptos::prelude::*;

/// The signals the room page renders.
#[derive(Clone, Copy)]
pub struct CallView {
    /// Where the call is.
    pub phase: RwSignal<Phase>,
    /// The connection to the other person, in words.
    pub link: RwSignal<Link>,
    /// The room, once fetched.
    pub room: RwSignal<Option<Room>>,
    /// This person's seat, once in the room.
    pub seat: RwSignal<Option<Seat>>,
    /// The other person, while they are in the room.
    pub peer: RwSignal<Option<PeerInfo>>,
    /// The name of whoever just left (until someone joins).
    pub left: RwSignal<Option<String>>,
    /// The microphone.
    pub mic: RwSignal<Device>,
    /// The camera.
    pub camera: RwSignal<Device>,
    /// Whether a screen is being shared.
    pub sharing: RwSignal<bool>,
    /// What the other person sends, as they report it.
    pub remote_media: RwSignal<Option<MediaState>>,
    /// The self-view (camera or shared screen).
    pub local_stream: RwSignal<Option<Stream>>,
    /// The other person's audio and video.
    pub remote_stream: RwSignal<Option<Stream>>,
    /// The conversation.
    pub chat: RwSignal<Vec<ChatLine>>,
    /// Why the last line typed was refused.
    pub chat_error: RwSignal<Option<String>>,
    /// Messages from the other person not yet seen.
    pub unread: RwSignal<u32>,
    /// The game in progress.
    pub game: RwSignal<Option<GameState>>,
    /// The latest short message for the person.
    pub notice: RwSignal<Option<Notice>>,
    /// The connection to the server.
    pub server: RwSignal<ServerLink>,
    /// How the call travels (refreshed every few seconds while connected).
    pub path: RwSignal<Option<PathReport>>,
    /// Files sent and received, oldest first.
    pub files: RwSignal<Vec<TransferView>>,
}

impl CallView {
    /// Fresh signals, owned by the calling component.
    pub fn new() -> CallView {
        CallView {
            phase: RwSignal::new(Phase::Loading),
            link: RwSignal::new(Link::Joining),
            room: RwSignal::new(None),
            seat: RwSignal::new(None),
            peer: RwSignal::new(None),
            left: RwSignal::new(None),
            mic: RwSignal::new(Device::Unavailable),
            camera: RwSignal::new(Device::Unavailable),
            sharing: RwSignal::new(false),
            remote_media: RwSignal::new(None),
            local_stream: RwSignal::new(None),
            remote_stream: RwSignal::new(None),
            chat: RwSignal::new(Vec::new()),
            chat_error: RwSignal::new(None),
            unread: RwSignal::new(0),
            game: RwSignal::new(None),
            notice: RwSignal::new(None),
            server: RwSignal::new(ServerLink::Online),
            path: RwSignal::new(None),
            files: RwSignal::new(Vec::new()),
        }
    }

    /// Shows `model`, touching only the signals whose value changed.
    pub(super) fn show(&self, model: &ViewModel) {
        sync(self.phase, &model.phase);
        sync(self.link, &model.link);
        sync(self.room, &model.room);
        sync(self.seat, &model.seat);
        sync(self.peer, &model.peer);
        sync(self.left, &model.left);
        sync(self.mic, &model.mic);
        sync(self.camera, &model.camera);
        sync(self.sharing, &model.sharing);
        sync(self.remote_media, &model.remote_media);
        sync(self.chat, &model.chat);
        sync(self.chat_error, &model.chat_error);
        sync(self.unread, &model.unread);
        sync(self.game, &model.game);
        sync(self.notice, &model.notice);
        sync(self.server, &model.server);
        sync(self.files, &model.files);
    }
}

impl Default for CallView {
    fn default() -> Self {
        Self::new()
    }
}

/// Sets `signal` to `value` if it differs (a disposed signal is left alone).
fn sync<T: Clone + PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: &T) {
    if signal.try_with_untracked(|current| current != value) == Some(true) {
        signal.set(value.clone());
    }
}
