//! What the call machine takes in ([`Input`]) and what it asks the driver to do
//! ([`Effect`]). Plain data: no browser object crosses this boundary, so the
//! machine runs and is tested natively.

use super::state::{End, MediaIssue};
use crate::files::{FileEffect, FileInput};
use crate::webrtc::media::MediaProblem;
use duet_shared::api::Room;
use duet_shared::protocol::{IceCandidate, ServerMsg};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What each side tells the other over the data channel: which media it is sending,
/// so a switched-off camera shows a placeholder instead of a frozen frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MediaState {
    /// The microphone is on and unmuted.
    pub mic: bool,
    /// The camera is on.
    pub camera: bool,
    /// A screen is being shared.
    pub screen: bool,
}

/// The peer connection's state, as the browser reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Negotiating or checking connectivity.
    Connecting,
    /// Media flows.
    Connected,
    /// Connectivity was lost; the browser (and an ICE restart) may bring it back.
    Disconnected,
    /// No path could be found.
    Failed,
}

/// Whether a [`Description`] offers or answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescriptionKind {
    /// An SDP offer.
    Offer,
    /// An SDP answer.
    Answer,
}

/// An SDP offer or answer, one type inside the client; the wire's separate
/// `offer` and `answer` messages are made and taken apart in `signaling`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// Offer or answer.
    pub kind: DescriptionKind,
    /// The SDP text.
    pub sdp: String,
}

/// A message for the server, before the edge adds the room and wire shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// Enter the room.
    Join,
    /// Leave the room.
    Leave,
    /// Our offer or answer.
    Description(Description),
    /// One of our ICE candidates.
    Candidate(IceCandidate),
    /// A chat line (already validated).
    Chat(String),
    /// Start a game of Tic-Tac-Toe.
    GameSelect,
    /// Mark a cell.
    GameMove(u8),
    /// Start the game over.
    GameReset,
}

/// A message from the server, with offers and answers already made one [`Description`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// The other person's offer or answer.
    Description(Description),
    /// Anything else the server says.
    Server(ServerMsg),
}

/// What happened on the signaling socket of one generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketInput {
    /// Connected; messages can be sent.
    Opened,
    /// A message from the server.
    Message(Inbound),
    /// The connection ended or never opened (close code).
    Closed(u16),
    /// The socket could not even be created.
    Unusable(String),
}

/// What the peer connection of one generation reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerInput {
    /// Our offer or answer is ready to send.
    Description(Description),
    /// One of our ICE candidates is ready to send.
    Candidate(IceCandidate),
    /// The connection's state changed.
    State(LinkState),
    /// The data channel opened: the other side's connection is alive.
    ChannelOpen,
    /// The data channel closed: the other side's connection is gone.
    ChannelClosed,
    /// The other person says what they send.
    RemoteMedia(MediaState),
    /// Something happened on the file channel.
    Files(FileInput),
    /// The connection could not be created.
    Unusable(String),
}

/// Why fetching the room failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomError {
    /// No such room, or a private one without its link.
    NotFound,
    /// The session expired.
    SignedOut,
    /// Anything else, in words.
    Other(String),
}

/// A person's command from the call page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Mute or unmute the microphone.
    ToggleMic,
    /// Switch the camera off or back on.
    ToggleCamera,
    /// Start or stop sharing a screen.
    ToggleScreen,
    /// Send a chat line.
    SendChat(String),
    /// The chat panel was opened (`true`) or closed.
    ChatPanel(bool),
    /// Start a game.
    SelectGame,
    /// Mark a cell.
    Play(u8),
    /// Start the game over.
    ResetGame,
    /// Set up the connection to the other person again from scratch.
    Reconnect,
    /// Ask for the camera and microphone again.
    RetryMedia,
    /// Go on with the devices that work.
    JoinWithAvailable,
    /// Leave the call.
    Leave,
}

/// The timers the machine sets; at most one of each kind runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimerKind {
    /// Reach the server again.
    Reconnect,
    /// The newcomer stops waiting for the other side's first offer.
    FirstOffer,
    /// A connection not up by then is set up again.
    ConnectWatch,
    /// An interrupted path gets this long to come back by itself.
    DisconnectGrace,
    /// One ICE restart's time to bring the path back.
    IceRestart,
    /// Say the other person lost the server.
    Away,
    /// Chat lines waiting too long are given up.
    ChatExpiry,
}

/// A timer as set: its kind and the generation it was set for (a fired timer
/// whose generation is no longer current is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    /// Which timer.
    pub kind: TimerKind,
    /// Which setting of it.
    pub generation: u32,
}

/// Everything the call reacts to, fed in order through one queue.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The room was fetched (`GET /api/join-room`), or why not.
    Room(Result<Room, RoomError>),
    /// The ICE configuration arrived (its lifetime), or could not be fetched (`None`).
    Ice(Option<Duration>),
    /// Camera and microphone were asked for; what failed.
    Media(MediaIssue),
    /// The camera, asked for again, started (the driver holds the track) or not.
    Camera(Result<(), MediaProblem>),
    /// Screen sharing started (`true`), was cancelled (`false`), or failed.
    Screen(Result<bool, MediaProblem>),
    /// The browser's own "Stop sharing" ended the screen track.
    ScreenEnded,
    /// The session check after failed reconnects: still signed in?
    Session(bool),
    /// Socket event of socket generation `.0`.
    Socket(u32, SocketInput),
    /// Peer-connection event of connection generation `.0`.
    Peer(u32, PeerInput),
    /// A timer fired.
    Timer(Timer),
    /// The person did something.
    Command(Command),
    /// Files: the person's choices, and the driver's reads and writes.
    Files(FileInput),
}

/// What the machine asks the driver to do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Fetch the room (which also grants access to a private room by its link).
    FetchRoom,
    /// Fetch the ICE configuration.
    FetchIce,
    /// Ask for the camera and microphone (dropping any held).
    AcquireMedia,
    /// Check whether the session is still valid.
    CheckSession,
    /// Open the signaling socket as generation `.0` (replacing any other).
    OpenSocket(u32),
    /// Close the signaling socket.
    CloseSocket,
    /// Send a message to the server.
    Send(Outbound),
    /// Create a peer connection as generation `generation`, with the local tracks.
    OpenPeer {
        /// Its generation (events carry it).
        generation: u32,
        /// Yields on an offer collision (perfect negotiation).
        polite: bool,
        /// Holds our offers until [`Effect::ReleaseOffers`] or the other side's offer.
        hold_offers: bool,
        /// What we send, to tell the other side.
        media: MediaState,
    },
    /// Close the peer connection.
    ClosePeer,
    /// Stop holding offers back; make ours if one is due.
    ReleaseOffers,
    /// Restart ICE on the peer connection.
    RestartIce,
    /// Apply the other side's offer or answer.
    ApplyDescription(Description),
    /// Add the other side's ICE candidate.
    AddCandidate(IceCandidate),
    /// Tell the other side what we send.
    SendMediaState(MediaState),
    /// Forget the other person's audio and video.
    DropRemoteStream,
    /// Mute (`false`) or unmute the microphone.
    SetMic(bool),
    /// Start the camera again.
    StartCamera,
    /// Stop and release the camera.
    StopCamera,
    /// Ask for a screen to share.
    StartScreen,
    /// Stop sharing the screen.
    StopScreen,
    /// Send the current outgoing video and refresh the self-view.
    SendVideo,
    /// Start `.0`, to fire after `.1`.
    StartTimer(Timer, Duration),
    /// Forget the running timer of this kind.
    CancelTimer(TimerKind),
    /// Carry out a file transfer's step.
    Files(FileEffect),
    /// The view model changed: show it.
    Render,
    /// The call is over (`None`: the person left): release everything.
    End(Option<End>),
}
