//! The call as a sans-IO state machine, in the style of str0m and the server's
//! `RoomState`: [`CallMachine::handle`] takes one [`Input`] and the time, updates
//! the [`ViewModel`] and returns the [`Effect`]s the driver must carry out. Every
//! decision of a call lives here (join, keep or reopen the peer connection, ICE
//! restarts, "away" notices, reconnect backoff, the chat outbox, the end); the
//! driver only moves data, so all of it is tested natively with time as a value.

mod commands;
mod files;
mod link;
mod model;
mod server;
#[cfg(test)]
mod tests;

use super::chat::Chat;
use super::io::{Effect, Input, Outbound, SocketInput, Timer, TimerKind};
use super::state::{Device, End, Link, MediaIssue, Notice, Phase, ServerLink};
use super::{CHECK_SESSION_AFTER, MAX_RECONNECT_DELAY, RECONNECT_DELAY};
use crate::call::io::{LinkState, RoomError};
use crate::files::FileMachine;
use duet_shared::UserId;
use duet_shared::api::Room;
pub use model::ViewModel;
use std::collections::HashMap;
use std::time::Duration;

/// The peer connection as the machine knows it.
#[derive(Debug)]
struct PeerLink {
    state: LinkState,
    channel_open: bool,
    /// Up at least once.
    connected: bool,
    /// ICE restarts since it was last up.
    ice_restarts: u32,
    /// DTLS fingerprints of the other side's last description.
    remote_prints: Option<Vec<String>>,
    /// Created ahead of the other person, offers held until they come.
    prewarmed: bool,
    /// The ICE configuration it was made with stays valid until then.
    ice_until: Duration,
}

impl PeerLink {
    /// Media flows and the other side's connection is alive: such a connection
    /// survives a signaling outage.
    fn is_up(&self) -> bool {
        self.state == LinkState::Connected && self.channel_open
    }
}

/// The ICE configuration's freshness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ice {
    /// Being fetched.
    Fetching,
    /// Usable until then.
    Until(Duration),
}

/// One person's call in one room.
#[derive(Debug)]
pub struct CallMachine {
    me: UserId,
    view: ViewModel,
    /// Random state for reconnect jitter (xorshift; seeded by the driver).
    rng: u64,
    now: Duration,
    out: Vec<Effect>,
    ended: bool,
    /// `Effect::End`, held back to be the last effect of the input that ended the call.
    end: Option<Effect>,
    // The server.
    socket_gen: u32,
    socket_open: bool,
    join_sent: bool,
    joined: bool,
    reconnects: u32,
    // Before joining.
    media_issue: Option<MediaIssue>,
    media_ready: bool,
    ice: Ice,
    // The other person.
    peer: Option<PeerLink>,
    peer_gen: u32,
    peer_present: bool,
    peer_user: Option<UserId>,
    /// A connection waits for the ICE configuration; `true` to offer first.
    pending_open: Option<bool>,
    /// Remote descriptions and candidates for the connection not yet opened.
    pending_remote: Vec<Effect>,
    // Timers.
    timers: HashMap<TimerKind, u32>,
    timer_gen: u32,
    // Chat and notices.
    chat: Chat,
    chat_open: bool,
    seq: u64,
    /// Files sent and received over the connection's file channel.
    files: FileMachine,
}

impl CallMachine {
    /// A call for `me`; `seed` drives reconnect jitter. The effects start
    /// everything at once: the room, the ICE configuration, the devices, the socket.
    pub fn new(me: UserId, seed: u64) -> (CallMachine, Vec<Effect>) {
        let mut m = CallMachine {
            me,
            view: ViewModel::new(),
            rng: seed | 1,
            now: Duration::ZERO,
            out: Vec::new(),
            ended: false,
            end: None,
            socket_gen: 1,
            socket_open: false,
            join_sent: false,
            joined: false,
            reconnects: 0,
            media_issue: None,
            media_ready: false,
            ice: Ice::Fetching,
            peer: None,
            peer_gen: 0,
            peer_present: false,
            peer_user: None,
            pending_open: None,
            pending_remote: Vec::new(),
            timers: HashMap::new(),
            timer_gen: 0,
            chat: Chat::default(),
            chat_open: false,
            seq: 0,
            files: FileMachine::new(crate::files::BLOB_LIMIT, files::too_big_for_memory()),
        };
        let effects = vec![
            Effect::FetchRoom,
            Effect::FetchIce,
            Effect::AcquireMedia,
            Effect::OpenSocket(m.socket_gen),
        ];
        m.view.phase = Phase::Loading;
        (m, effects)
    }

    /// What the room page shows now.
    pub fn view(&self) -> &ViewModel {
        &self.view
    }

    /// Whether the peer connection has come up (the path panel measures it then).
    pub fn is_connected(&self) -> bool {
        self.peer.as_ref().is_some_and(|p| p.connected)
    }

    /// Handles `input` at `now` (time since the call started).
    pub fn handle(&mut self, input: Input, now: Duration) -> Vec<Effect> {
        if self.ended {
            return Vec::new();
        }
        self.now = now;
        let before = self.view.clone();
        match input {
            Input::Room(result) => self.on_room(result),
            Input::Ice(ttl) => self.on_ice(ttl),
            Input::Media(issue) => self.on_media(issue),
            Input::Camera(result) => self.on_camera(result),
            Input::Screen(result) => self.on_screen(result),
            Input::ScreenEnded => self.stop_screen(),
            Input::Session(true) => self.open_socket(),
            Input::Session(false) => self.end(Some(End::SignedOut)),
            Input::Socket(generation, ev) if generation == self.socket_gen => self.on_socket(ev),
            Input::Peer(generation, ev) if self.peer_gen == generation => self.on_peer(ev),
            // From a socket or connection already replaced.
            Input::Socket(..) | Input::Peer(..) => {}
            Input::Timer(timer) => {
                if self.timers.get(&timer.kind) == Some(&timer.generation) {
                    self.timers.remove(&timer.kind);
                    self.on_timer(timer.kind);
                }
            }
            Input::Command(command) => self.on_command(command),
            Input::Files(input) => self.on_files(input),
        }
        if self.view != before {
            self.out.push(Effect::Render);
        }
        // The end comes last, after the view has said how the call ended.
        self.out.extend(self.end.take());
        std::mem::take(&mut self.out)
    }

    fn on_room(&mut self, result: Result<Room, RoomError>) {
        match result {
            Ok(room) => {
                self.view.room = Some(room);
                self.refresh_phase();
                self.maybe_join();
            }
            Err(RoomError::NotFound) => self.end(Some(End::NotFound)),
            Err(RoomError::SignedOut) => self.end(Some(End::SignedOut)),
            Err(RoomError::Other(e)) => self.end(Some(End::Error(e))),
        }
    }

    fn on_media(&mut self, issue: MediaIssue) {
        let device = |problem: Option<_>| {
            if problem.is_none() {
                Device::On
            } else {
                Device::Unavailable
            }
        };
        self.view.mic = device(issue.mic);
        self.view.camera = device(issue.camera);
        if issue.mic.is_none() && issue.camera.is_none() {
            self.media_issue = None;
            self.media_ready = true;
        } else {
            self.media_issue = Some(issue);
        }
        self.refresh_phase();
        self.maybe_join();
    }

    /// The phase follows from what is known: the room, the devices, the seat.
    fn refresh_phase(&mut self) {
        self.view.phase = if self.view.room.is_none() {
            Phase::Loading
        } else if !self.media_ready {
            match self.media_issue {
                Some(issue) => Phase::MediaChoice(issue),
                None => Phase::Media,
            }
        } else if self.view.seat.is_none() {
            Phase::Joining
        } else {
            Phase::InRoom
        };
    }

    /// Enters the room once the socket is open, the room fetched (it grants a
    /// private room's access) and the person has settled on their devices.
    fn maybe_join(&mut self) {
        if self.socket_open && self.view.room.is_some() && self.media_ready && !self.join_sent {
            self.join_sent = true;
            self.send(Outbound::Join);
        }
    }

    fn on_socket(&mut self, ev: SocketInput) {
        match ev {
            SocketInput::Opened => {
                self.socket_open = true;
                self.reconnects = 0;
                self.view.server = ServerLink::Online;
                self.maybe_join();
            }
            SocketInput::Message(msg) => self.on_message(msg),
            SocketInput::Closed(_) => self.server_lost(),
            SocketInput::Unusable(e) => self.end(Some(End::Error(e))),
        }
    }

    /// The signaling socket closed: reach the server again with backoff and jitter.
    /// The call is peer-to-peer, so a connection that is up stays up meanwhile; one
    /// still being negotiated cannot finish without the server and is dropped.
    fn server_lost(&mut self) {
        self.socket_open = false;
        self.join_sent = false;
        self.joined = false;
        self.chat.connection_lost();
        self.reconnects += 1;
        let attempt = self.reconnects;
        self.view.server = ServerLink::Reconnecting { attempt };
        if self.peer.as_ref().is_some_and(|p| !p.is_up()) || self.pending_open.is_some() {
            self.close_peer();
            self.out.push(Effect::DropRemoteStream);
            self.view.link = Link::Connecting;
        }
        let delay = self.reconnect_delay(attempt);
        self.start_timer(TimerKind::Reconnect, delay);
    }

    fn open_socket(&mut self) {
        self.socket_gen = self.socket_gen.wrapping_add(1);
        self.out.push(Effect::OpenSocket(self.socket_gen));
    }

    /// The wait before reconnect attempt `attempt` (from 1): exponential backoff
    /// with "equal jitter" (half fixed, half random), so clients cut off together by
    /// a server restart do not all come back in the same instant.
    fn reconnect_delay(&mut self, attempt: u32) -> Duration {
        let ceiling = RECONNECT_DELAY
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(8)))
            .min(MAX_RECONNECT_DELAY);
        let half = u64::try_from(ceiling.as_millis() / 2).unwrap_or(u64::MAX);
        // xorshift64: plenty for jitter, and tests pick the seed.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        ceiling / 2 + Duration::from_millis(self.rng % (half + 1))
    }

    fn on_timer(&mut self, kind: TimerKind) {
        match kind {
            TimerKind::Reconnect if self.reconnects >= CHECK_SESSION_AFTER => {
                self.out.push(Effect::CheckSession);
            }
            TimerKind::Reconnect => self.open_socket(),
            TimerKind::ChatExpiry => self.expire_chat(),
            _ => self.on_link_timer(kind),
        }
    }

    fn send(&mut self, msg: Outbound) {
        if self.socket_open {
            self.out.push(Effect::Send(msg));
        }
    }

    fn start_timer(&mut self, kind: TimerKind, after: Duration) {
        self.timer_gen = self.timer_gen.wrapping_add(1);
        self.timers.insert(kind, self.timer_gen);
        let timer = Timer {
            kind,
            generation: self.timer_gen,
        };
        self.out.push(Effect::StartTimer(timer, after));
    }

    fn cancel_timer(&mut self, kind: TimerKind) {
        if self.timers.remove(&kind).is_some() {
            self.out.push(Effect::CancelTimer(kind));
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn notify(&mut self, text: String) {
        let seq = self.next_seq();
        self.view.notice = Some(Notice { seq, text });
    }

    /// Ends the call (`end` says why, `None` when the person left).
    fn end(&mut self, end: Option<End>) {
        self.send(Outbound::Leave);
        self.out.push(Effect::CloseSocket);
        self.close_peer();
        self.out.push(Effect::DropRemoteStream);
        self.chat
            .give_up(&mut self.view.chat, None, "Not sent: the call ended first.");
        for kind in self.timers.drain().map(|(k, _)| k).collect::<Vec<_>>() {
            self.out.push(Effect::CancelTimer(kind));
        }
        if let Some(end) = &end {
            self.view.phase = Phase::Ended(end.clone());
        }
        self.ended = true;
        self.end = Some(Effect::End(end));
    }
}
