//! One person's call in one room. [`Call`] fetches the room, starts the camera and
//! microphone, joins over signaling, runs the peer connection, and publishes what
//! the room page shows through the signals of [`CallView`]. Every event (socket,
//! peer, screen share ending) goes through one queue handled in order, so a slow
//! step (creating a connection) never lets a later message overtake it.

pub mod chat;
pub mod io;
pub mod machine;
pub mod state;

use crate::api;
use crate::browser;
use crate::signaling::{Signaling, SocketEvent};
use crate::webrtc::media::{self, LocalMedia, Stream};
use crate::webrtc::peer::{LinkState, MediaState, Peer, PeerEvent};
use crate::webrtc::stats::{PathReport, Sample};
use duet_shared::api::{IceServer, IceTransportPolicy, Room};
use duet_shared::games::GameType;
use duet_shared::games::tictactoe::Move;
use duet_shared::protocol::{ClientMsg, ErrorCode, GameState, Peer as PeerInfo, ServerMsg};
use duet_shared::{RoomId, UserId};
use futures::StreamExt;
use futures::channel::mpsc;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use state::{ChatLine, Device, End, Link, MediaIssue, Notice, Phase, Seat, ServerLink};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen_futures::spawn_local;

/// Wait before the first attempt to reach the server again; it doubles each time.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);
/// Longest wait between attempts to reach the server again.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(10);
/// Failed reconnects after which the session is checked (it may have expired).
const CHECK_SESSION_AFTER: u32 = 3;
/// Chat messages kept on screen (older ones scroll away for good).
const MAX_CHAT_LINES: usize = 500;
/// A connection not up by then is set up again (see `Inner::watch`).
const CONNECT_WITHIN: Duration = Duration::from_secs(15);
/// How long a path may stay interrupted before ICE is restarted.
const DISCONNECTED_GRACE: Duration = Duration::from_secs(3);
/// ICE restarts tried, one after another, before the call says it failed.
const MAX_ICE_RESTARTS: u32 = 4;
/// How long one ICE restart has to bring the path back (times the attempt number).
const RESTART_WITHIN: Duration = Duration::from_secs(6);
/// How often the connection path panel is refreshed.
const PATH_EVERY: Duration = Duration::from_secs(2);
/// How long the other person may be away from the server, their connection to us
/// still up, before this side says so (a person leaving closes it sooner).
const AWAY_NOTICE_AFTER: Duration = Duration::from_millis(1500);
/// How long a newcomer waits for the first offer before making its own.
const FIRST_OFFER_WAIT: Duration = Duration::from_secs(4);
/// An ICE configuration this close to expiry is fetched again before use (TURN
/// credentials expire; a connection made much later needs fresh ones).
const ICE_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// The signals the room page renders. Written by [`Call`], read by the views.
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
    /// Messages from the other person not yet seen.
    pub unread: RwSignal<u32>,
    /// Whether the chat panel is showing (set by the view).
    pub chat_open: RwSignal<bool>,
    /// The game in progress.
    pub game: RwSignal<Option<GameState>>,
    /// The latest short message for the person.
    pub notice: RwSignal<Option<Notice>>,
    /// The connection to the server.
    pub server: RwSignal<ServerLink>,
    /// How the call travels (refreshed every few seconds while connected).
    pub path: RwSignal<Option<PathReport>>,
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
            unread: RwSignal::new(0),
            chat_open: RwSignal::new(false),
            game: RwSignal::new(None),
            notice: RwSignal::new(None),
            server: RwSignal::new(ServerLink::Online),
            path: RwSignal::new(None),
        }
    }
}

impl Default for CallView {
    fn default() -> Self {
        Self::new()
    }
}

/// Everything the call reacts to, in one queue.
enum Event {
    Socket(u32, SocketEvent),
    Peer(u32, PeerEvent),
    ScreenEnded,
    Stop,
}

/// A running call. Cloning gives another handle to the same call.
#[derive(Clone)]
pub struct Call(SendWrapper<Rc<Inner>>);

struct Inner {
    room_id: RoomId,
    me: UserId,
    view: CallView,
    events: mpsc::UnboundedSender<Event>,
    ice: RefCell<Vec<IceServer>>,
    ice_policy: Cell<IceTransportPolicy>,
    media: RefCell<Option<LocalMedia>>,
    socket: RefCell<Option<Signaling>>,
    socket_gen: Cell<u32>,
    peer: RefCell<Option<Peer>>,
    peer_gen: Cell<u32>,
    /// The current connection has been up at least once.
    connected: Cell<bool>,
    /// Whose the current connection is.
    peer_user: Cell<Option<UserId>>,
    /// The server says the other person is in the room.
    peer_present: Cell<bool>,
    /// ICE restarts since the connection was last up.
    ice_restarts: Cell<u32>,
    seat: Cell<Option<Seat>>,
    peer_name: RefCell<Option<String>>,
    reconnects: Cell<u32>,
    ended: Cell<bool>,
    seq: Cell<u64>,
}

impl Call {
    /// Starts the call in `room_id` for the signed-in user `me`.
    pub fn start(room_id: RoomId, me: UserId, view: CallView) -> Call {
        let (events, rx) = mpsc::unbounded();
        let inner = Rc::new(Inner {
            room_id,
            me,
            view,
            events,
            ice: RefCell::new(Vec::new()),
            ice_policy: Cell::new(IceTransportPolicy::All),
            media: RefCell::new(None),
            socket: RefCell::new(None),
            socket_gen: Cell::new(0),
            peer: RefCell::new(None),
            peer_gen: Cell::new(0),
            connected: Cell::new(false),
            peer_user: Cell::new(None),
            peer_present: Cell::new(false),
            ice_restarts: Cell::new(0),
            seat: Cell::new(None),
            peer_name: RefCell::new(None),
            reconnects: Cell::new(0),
            ended: Cell::new(false),
            seq: Cell::new(0),
        });
        spawn_local(Inner::run(inner.clone(), rx));
        spawn_local(Inner::prepare(inner.clone()));
        spawn_local(Inner::measure_path(inner.clone()));
        Call(SendWrapper::new(inner))
    }

    /// Asks for the camera and microphone again (after fixing a permission).
    pub fn retry_media(&self) {
        let inner = self.0.clone();
        if let Some(mut media) = inner.media.borrow_mut().take() {
            media.stop();
        }
        spawn_local(Inner::start_media(SendWrapper::take(inner)));
    }

    /// Goes on with the devices that work (possibly none: watch and chat only).
    pub fn join_with_available(&self) {
        self.0.connect();
    }

    /// Mutes or unmutes the microphone.
    pub fn toggle_mic(&self) {
        let inner = &self.0;
        let on = {
            let media = inner.media.borrow();
            let Some(media) = media.as_ref().filter(|m| m.mic().is_some()) else {
                return;
            };
            let on = !media.mic_enabled();
            media.set_mic_enabled(on);
            on
        };
        inner
            .view
            .mic
            .set(if on { Device::On } else { Device::Off });
        inner.publish_media_state();
    }

    /// Switches the camera off (releasing it) or back on.
    pub fn toggle_camera(&self) {
        let inner = SendWrapper::take(self.0.clone());
        let has_camera = inner
            .media
            .borrow()
            .as_ref()
            .is_some_and(|m| m.camera().is_some());
        if has_camera {
            if let Some(media) = inner.media.borrow_mut().as_mut() {
                media.set_camera(None);
            }
            inner.view.camera.set(Device::Off);
            inner.after_video_change();
            return;
        }
        inner.view.camera.set(Device::Starting);
        spawn_local(async move {
            let result = media::camera().await;
            if inner.ended.get() {
                return;
            }
            match result {
                Ok(track) => {
                    if let Some(media) = inner.media.borrow_mut().as_mut() {
                        media.set_camera(Some(track));
                    }
                    inner.view.camera.set(Device::On);
                    inner.after_video_change();
                }
                Err(problem) => {
                    inner.view.camera.set(Device::Off);
                    inner.notify(format!("The camera could not be turned on: {problem}."));
                }
            }
        });
    }

    /// Starts or stops sharing a screen in place of the camera.
    pub fn toggle_screen(&self) {
        let inner = SendWrapper::take(self.0.clone());
        if inner
            .media
            .borrow()
            .as_ref()
            .is_some_and(LocalMedia::sharing)
        {
            inner.stop_screen();
            return;
        }
        spawn_local(async move {
            let result = media::screen().await;
            if inner.ended.get() {
                return;
            }
            match result {
                Ok(Some(track)) => {
                    let events = inner.events.clone();
                    if let Some(media) = inner.media.borrow_mut().as_mut() {
                        media.set_screen(track, move || {
                            let _ = events.unbounded_send(Event::ScreenEnded);
                        });
                    }
                    inner.view.sharing.set(true);
                    inner.after_video_change();
                }
                Ok(None) => {}
                Err(problem) => {
                    inner.notify(format!("The screen could not be shared: {problem}."));
                }
            }
        });
    }

    /// Sends a chat message; `false` when not connected (the text should be kept).
    pub fn send_chat(&self, text: &str) -> bool {
        let text = text.trim();
        if text.is_empty() {
            return true;
        }
        self.0.send(&ClientMsg::ChatMessage {
            room_id: self.0.room_id,
            message: text.to_owned(),
        })
    }

    /// Starts a game of Tic-Tac-Toe for both players.
    pub fn select_game(&self) {
        self.0.send(&ClientMsg::GameSelect {
            room_id: self.0.room_id,
            game_type: GameType::TicTacToe,
        });
    }

    /// Marks `cell`; the server judges the move and both boards follow its answer.
    pub fn play(&self, cell: u8) {
        self.0.send(&ClientMsg::GameMove {
            room_id: self.0.room_id,
            game_type: GameType::TicTacToe,
            move_data: Move { cell },
        });
    }

    /// Starts the game over for both players.
    pub fn reset_game(&self) {
        self.0.send(&ClientMsg::GameReset {
            room_id: self.0.room_id,
            game_type: GameType::TicTacToe,
        });
    }

    /// Sets up the connection to the other person again from scratch.
    pub fn reconnect(&self) {
        self.0.ice_restarts.set(0);
        self.0.rejoin();
    }

    /// Leaves the room: tells the server, closes the connection, stops every device.
    pub fn leave(&self) {
        self.0.finish(None);
    }
}

impl Inner {
    /// Handles the event queue until the call ends.
    async fn run(self: Rc<Self>, mut rx: mpsc::UnboundedReceiver<Event>) {
        while let Some(event) = rx.next().await {
            if self.ended.get() {
                break;
            }
            match event {
                Event::Socket(generation, ev) if generation == self.socket_gen.get() => {
                    self.on_socket(ev).await;
                }
                Event::Peer(generation, ev) if generation == self.peer_gen.get() => {
                    self.on_peer(ev);
                }
                Event::ScreenEnded => self.stop_screen(),
                Event::Stop => break,
                // From a socket or connection already replaced.
                Event::Socket(..) | Event::Peer(..) => {}
            }
        }
    }

    /// Fetches the room (which also grants access to a private one by its link) and
    /// the ICE servers, then starts the devices.
    async fn prepare(self: Rc<Self>) {
        match api::join_room(self.room_id).await {
            Ok(room) => {
                browser::set_title(&room.name);
                self.view.room.set(Some(room));
            }
            Err(e) => {
                let end = if e.is_not_found() {
                    End::NotFound
                } else if e.is_unauthorized() {
                    End::SignedOut
                } else {
                    End::Error(e.to_string())
                };
                self.finish(Some(end));
                return;
            }
        }
        self.refresh_ice().await;
        if !self.ended.get() {
            self.start_media().await;
        }
    }

    async fn refresh_ice(&self) {
        match api::ice_config().await {
            Ok(config) => {
                *self.ice.borrow_mut() = config.ice_servers;
                self.ice_policy.set(config.ice_transport_policy);
            }
            // Without STUN/TURN, people on the same network can still connect.
            Err(e) => leptos::logging::warn!("no ICE servers: {e}"),
        }
    }

    async fn start_media(self: Rc<Self>) {
        self.view.phase.set(Phase::Media);
        let got = media::acquire(true, true).await;
        if self.ended.get() {
            // Left while the prompt was open: release what was granted.
            drop(LocalMedia::new(got.mic, got.camera));
            return;
        }
        let device = |present: bool| {
            if present {
                Device::On
            } else {
                Device::Unavailable
            }
        };
        self.view.mic.set(device(got.mic.is_some()));
        self.view.camera.set(device(got.camera.is_some()));
        let issue = MediaIssue {
            mic: got.mic_problem,
            camera: got.camera_problem,
        };
        *self.media.borrow_mut() = Some(LocalMedia::new(got.mic, got.camera));
        self.update_preview();
        if issue.mic.is_some() || issue.camera.is_some() {
            self.view.phase.set(Phase::MediaChoice(issue));
        } else {
            self.connect();
        }
    }

    /// Opens the signaling socket; joining follows when it opens.
    fn connect(&self) {
        if self.ended.get() {
            return;
        }
        if self.seat.get().is_none() {
            self.view.phase.set(Phase::Joining);
        }
        let generation = self.socket_gen.get().wrapping_add(1);
        self.socket_gen.set(generation);
        let events = self.events.clone();
        match Signaling::connect(move |ev| {
            let _ = events.unbounded_send(Event::Socket(generation, ev));
        }) {
            Ok(socket) => *self.socket.borrow_mut() = Some(socket),
            Err(e) => self.finish(Some(End::Error(e))),
        }
    }

    async fn on_socket(self: &Rc<Self>, ev: SocketEvent) {
        match ev {
            SocketEvent::Open => {
                self.reconnects.set(0);
                self.view.server.set(ServerLink::Online);
                self.send(&ClientMsg::JoinRoom {
                    room_id: self.room_id,
                });
            }
            SocketEvent::Message(msg) => self.on_server(msg).await,
            SocketEvent::Closed { code } => self.server_lost(code),
        }
    }

    /// The signaling socket closed: reach the server again with backoff and jitter.
    /// The call is peer-to-peer, so a connection that is up stays up meanwhile; one
    /// still being negotiated cannot finish without the server and is dropped.
    fn server_lost(self: &Rc<Self>, code: u16) {
        leptos::logging::log!("signaling closed ({code}); reconnecting");
        self.socket.borrow_mut().take();
        let attempt = self.reconnects.get() + 1;
        self.reconnects.set(attempt);
        self.view.server.set(ServerLink::Reconnecting { attempt });
        if self.peer.borrow().is_some() && !self.peer_is_up() {
            self.close_peer();
            self.view.remote_stream.set(None);
            self.view.link.set(Link::Connecting);
        }
        let inner = self.clone();
        spawn_local(async move {
            browser::sleep(reconnect_delay(attempt)).await;
            if inner.ended.get() {
                return;
            }
            if attempt >= CHECK_SESSION_AFTER
                && let Ok(None) = api::profile().await
            {
                inner.finish(Some(End::SignedOut));
                return;
            }
            inner.connect();
        });
    }

    async fn on_server(self: &Rc<Self>, msg: ServerMsg) {
        match msg {
            ServerMsg::PlayerAssign {
                symbol,
                is_player1,
                peer,
                game,
                ..
            } => {
                let seat = Seat { symbol, is_player1 };
                self.seat.set(Some(seat));
                self.view.seat.set(Some(seat));
                self.view.game.set(game);
                self.view.phase.set(Phase::InRoom);
                match peer {
                    // We are the newcomer: the other side offers first.
                    Some(peer) => self.peer_arrived(peer, false).await,
                    // Back after a server outage, before the other person: a
                    // connection still up waits for them.
                    None if self.peer_is_up() => self.peer_present.set(false),
                    None => self.peer_gone(false),
                }
            }
            // Someone joined us: the server asks us to make the offer.
            ServerMsg::Ready { peer, .. } => self.peer_arrived(peer, true).await,
            ServerMsg::Offer { offer, .. } => {
                let renewed = self
                    .peer
                    .borrow()
                    .as_ref()
                    .is_none_or(|p| p.is_from_new_connection(&offer));
                // Decided here, in message order, so the offer's candidates that follow
                // reach the new connection.
                if renewed {
                    self.open_peer(false).await;
                }
                if let Some(peer) = self.peer.borrow().as_ref() {
                    peer.handle_description(offer);
                }
            }
            ServerMsg::Answer { answer, .. } => {
                if let Some(peer) = self.peer.borrow().as_ref() {
                    peer.handle_description(answer);
                }
            }
            ServerMsg::IceCandidate { candidate, .. } => {
                if let Some(peer) = self.peer.borrow().as_ref() {
                    peer.handle_candidate(candidate);
                }
            }
            ServerMsg::RoomFull { .. } => self.finish(Some(End::Full)),
            ServerMsg::ChatMessage {
                message,
                sender,
                sender_id,
                sent_at,
                ..
            } => {
                let own = ChatLine::is_own(sender_id, self.me);
                let line = ChatLine {
                    seq: self.next_seq(),
                    sender,
                    own,
                    text: message,
                    sent_at,
                };
                self.view.chat.update(|lines| {
                    // A long call must not grow the page without bound.
                    if lines.len() >= MAX_CHAT_LINES {
                        lines.remove(0);
                    }
                    lines.push(line);
                });
                if !own && !self.view.chat_open.try_get_untracked().unwrap_or(false) {
                    self.view.unread.update(|n| *n += 1);
                }
            }
            ServerMsg::GameSelect { state, .. }
            | ServerMsg::GameMove { state, .. }
            | ServerMsg::GameReset { state, .. } => self.view.game.set(Some(state)),
            ServerMsg::PeerLeft { .. } => {
                self.peer_present.set(false);
                if self.peer_is_up() {
                    // Only their server connection may have dropped: the call goes on
                    // until their side of it closes (see `PeerEvent::ChannelClosed`).
                    self.tell_if_away();
                } else {
                    self.peer_gone(true);
                }
            }
            ServerMsg::Error { code, message } => match code {
                ErrorCode::Replaced => self.finish(Some(End::Replaced)),
                ErrorCode::RoomNotFound => self.finish(Some(End::NotFound)),
                _ => self.notify(api::sentence(&message)),
            },
        }
    }

    /// The other person is in the room: a connection with them that is still up is
    /// kept (they or we came back after losing the server); otherwise a fresh one.
    async fn peer_arrived(self: &Rc<Self>, peer: PeerInfo, offer_first: bool) {
        self.peer_present.set(true);
        let keep = self.peer_user.get() == Some(peer.user_id) && self.peer_is_up();
        *self.peer_name.borrow_mut() = Some(peer.name.clone());
        self.peer_user.set(Some(peer.user_id));
        self.view.peer.set(Some(peer));
        self.view.left.set(None);
        if keep {
            self.view.link.set(Link::Connected);
        } else {
            self.open_peer(offer_first).await;
        }
    }

    /// The other person is gone: drop the connection and wait for someone.
    fn peer_gone(&self, say_so: bool) {
        self.close_peer();
        self.peer_present.set(false);
        self.peer_user.set(None);
        let name = self.peer_name.borrow_mut().take();
        if say_so {
            self.view
                .left
                .set(Some(name.unwrap_or_else(|| "The other person".into())));
        }
        self.view.peer.set(None);
        self.view.remote_stream.set(None);
        self.view.remote_media.set(None);
        self.view.link.set(Link::Waiting);
    }

    /// Says the other person lost the server if, a moment later, they are still away
    /// and still connected to us (someone leaving closes the connection at once).
    fn tell_if_away(self: &Rc<Self>) {
        let inner = self.clone();
        let generation = self.peer_gen.get();
        spawn_local(async move {
            browser::sleep(AWAY_NOTICE_AFTER).await;
            if !inner.ended.get()
                && inner.peer_gen.get() == generation
                && !inner.peer_present.get()
                && inner.peer_is_up()
            {
                let who = inner
                    .peer_name
                    .borrow()
                    .clone()
                    .unwrap_or_else(|| "The other person".into());
                inner.notify(format!(
                    "{who} lost the connection to the server. The call goes on while they reconnect."
                ));
            }
        });
    }

    fn peer_is_up(&self) -> bool {
        self.peer.borrow().as_ref().is_some_and(Peer::is_up)
    }

    /// A fresh connection for a (new) other person. `offer_first` for the side that
    /// was already in the room; perfect negotiation settles any collision after that.
    async fn open_peer(self: &Rc<Self>, offer_first: bool) {
        self.close_peer();
        // TURN credentials expire; a connection made much later needs fresh ones.
        self.refresh_ice().await;
        if self.ended.get() {
            return;
        }
        let generation = self.peer_gen.get().wrapping_add(1);
        self.peer_gen.set(generation);
        let polite = !self.seat.get().is_some_and(|s| s.is_player1);
        let events = self.events.clone();
        let emit = move |ev| {
            let _ = events.unbounded_send(Event::Peer(generation, ev));
        };
        let media = self.media.borrow();
        let Some(media) = media.as_ref() else {
            return;
        };
        let ice = self.ice.borrow();
        match Peer::new(
            &ice,
            self.ice_policy.get(),
            polite,
            offer_first,
            media,
            self.media_state(),
            emit,
        ) {
            Ok(peer) => {
                *self.peer.borrow_mut() = Some(peer);
                self.view.link.set(Link::Connecting);
                self.watch(generation);
            }
            Err(e) => {
                leptos::logging::error!("{e}");
                self.view.link.set(Link::Failed);
            }
        }
    }

    /// Starts over if connection `generation` is not up within [`CONNECT_WITHIN`]:
    /// leaving and rejoining gives both sides fresh connections, which clears the
    /// rare negotiation that stalls.
    fn watch(self: &Rc<Self>, generation: u32) {
        let inner = self.clone();
        spawn_local(async move {
            browser::sleep(CONNECT_WITHIN).await;
            if inner.ended.get() || inner.peer_gen.get() != generation || inner.connected.get() {
                return;
            }
            leptos::logging::warn!("the connection did not come up; setting it up again");
            inner.rejoin();
        });
    }

    /// Leaves and rejoins the room on the same socket: both sides start afresh.
    fn rejoin(&self) {
        self.close_peer();
        self.send(&ClientMsg::LeaveRoom {
            room_id: self.room_id,
        });
        self.view.link.set(Link::Joining);
        self.send(&ClientMsg::JoinRoom {
            room_id: self.room_id,
        });
    }

    fn close_peer(&self) {
        // A new generation makes events still queued from the old connection stale.
        self.peer_gen.set(self.peer_gen.get().wrapping_add(1));
        self.connected.set(false);
        self.ice_restarts.set(0);
        self.view.path.set(None);
        if let Some(peer) = self.peer.borrow_mut().take() {
            peer.close();
        }
    }

    fn on_peer(self: &Rc<Self>, ev: PeerEvent) {
        let room_id = self.room_id;
        match ev {
            PeerEvent::Description(desc) => {
                let msg = match desc.kind {
                    duet_shared::protocol::SdpType::Answer => ClientMsg::Answer {
                        room_id,
                        answer: desc,
                    },
                    _ => ClientMsg::Offer {
                        room_id,
                        offer: desc,
                    },
                };
                self.send(&msg);
            }
            PeerEvent::Candidate(candidate) => {
                self.send(&ClientMsg::IceCandidate { room_id, candidate });
            }
            PeerEvent::State(state) => self.on_link(state),
            PeerEvent::RemoteStream(stream) => self.view.remote_stream.set(Some(stream)),
            PeerEvent::RemoteMedia(state) => self.view.remote_media.set(Some(state)),
            PeerEvent::ChannelClosed if !self.peer_present.get() => self.peer_gone(true),
            // Still in the room: their new connection's offer follows.
            PeerEvent::ChannelClosed => {}
        }
    }

    /// Follows the connection's state; a lost path is repaired with ICE restarts.
    fn on_link(self: &Rc<Self>, state: LinkState) {
        match state {
            LinkState::Connected => {
                self.connected.set(true);
                self.ice_restarts.set(0);
                self.view.link.set(Link::Connected);
            }
            LinkState::Connecting if self.ice_restarts.get() > 0 => {}
            LinkState::Connecting => self.view.link.set(Link::Connecting),
            // While a restart is under way, its own timer decides what comes next.
            LinkState::Disconnected | LinkState::Failed if self.ice_restarts.get() > 0 => {}
            LinkState::Disconnected => {
                self.view.link.set(Link::Reconnecting);
                let inner = self.clone();
                let generation = self.peer_gen.get();
                spawn_local(async move {
                    browser::sleep(DISCONNECTED_GRACE).await;
                    if inner.peer_gen.get() == generation
                        && inner.ice_restarts.get() == 0
                        && !inner.peer_is_up()
                    {
                        inner.restart_ice();
                    }
                });
            }
            // Gone while away from the server: they are not coming back on this connection.
            LinkState::Failed if !self.peer_present.get() => self.peer_gone(true),
            LinkState::Failed => self.restart_ice(),
        }
    }

    /// Looks for a new path with an ICE restart, a few times before giving up. Needs
    /// the server (the new offer goes through it) and the other person in the room;
    /// without them, rejoining sets up a fresh connection instead.
    fn restart_ice(self: &Rc<Self>) {
        if self.ended.get() || self.peer_is_up() {
            return;
        }
        if !self.peer_present.get() || !self.socket_is_open() {
            self.view.link.set(Link::Reconnecting);
            return;
        }
        let attempt = self.ice_restarts.get() + 1;
        if attempt > MAX_ICE_RESTARTS {
            self.view.link.set(Link::Failed);
            return;
        }
        self.ice_restarts.set(attempt);
        self.view.link.set(Link::Restarting {
            attempt,
            of: MAX_ICE_RESTARTS,
        });
        leptos::logging::log!("connection lost; ICE restart {attempt} of {MAX_ICE_RESTARTS}");
        if let Some(peer) = self.peer.borrow().as_ref() {
            peer.restart_ice();
        }
        let inner = self.clone();
        let generation = self.peer_gen.get();
        spawn_local(async move {
            browser::sleep(RESTART_WITHIN * attempt).await;
            if inner.peer_gen.get() == generation && inner.ice_restarts.get() == attempt {
                inner.restart_ice();
            }
        });
    }

    /// Refreshes the connection path panel every [`PATH_EVERY`] until the call ends.
    async fn measure_path(self: Rc<Self>) {
        let mut last: Option<(u32, Sample)> = None;
        while !self.ended.get() {
            browser::sleep(PATH_EVERY).await;
            let generation = self.peer_gen.get();
            let pending = self
                .peer
                .borrow()
                .as_ref()
                .filter(|_| self.connected.get())
                .map(Peer::sample);
            let sample = match pending {
                Some(pending) => pending.await,
                None => None,
            };
            if self.ended.get() || self.peer_gen.get() != generation {
                continue;
            }
            let report = sample.as_ref().map(|now| {
                let before = last.as_ref().filter(|(g, _)| *g == generation);
                PathReport::new(now, before.map(|(_, s)| s))
            });
            self.view.path.set(report);
            last = sample.map(|s| (generation, s));
        }
    }

    fn stop_screen(&self) {
        if let Some(media) = self.media.borrow_mut().as_mut() {
            media.stop_screen();
        }
        self.view.sharing.set(false);
        self.after_video_change();
    }

    /// Sends the current outgoing video and refreshes the self-view.
    fn after_video_change(&self) {
        if let (Some(peer), Some(media)) =
            (self.peer.borrow().as_ref(), self.media.borrow().as_ref())
        {
            peer.set_video(media.outgoing_video());
        }
        self.update_preview();
        self.publish_media_state();
    }

    fn update_preview(&self) {
        let preview = self.media.borrow().as_ref().and_then(LocalMedia::preview);
        self.view.local_stream.set(preview);
    }

    fn media_state(&self) -> MediaState {
        let media = self.media.borrow();
        MediaState {
            mic: media.as_ref().is_some_and(LocalMedia::mic_enabled),
            camera: media.as_ref().is_some_and(|m| m.camera().is_some()),
            screen: media.as_ref().is_some_and(LocalMedia::sharing),
        }
    }

    fn publish_media_state(&self) {
        if let Some(peer) = self.peer.borrow().as_ref() {
            peer.set_media_state(self.media_state());
        }
    }

    fn socket_is_open(&self) -> bool {
        self.socket
            .borrow()
            .as_ref()
            .is_some_and(Signaling::is_open)
    }

    fn send(&self, msg: &ClientMsg) -> bool {
        self.socket.borrow().as_ref().is_some_and(|s| s.send(msg))
    }

    fn next_seq(&self) -> u64 {
        let n = self.seq.get() + 1;
        self.seq.set(n);
        n
    }

    fn notify(&self, text: String) {
        let seq = self.next_seq();
        self.view.notice.set(Some(Notice { seq, text }));
    }

    /// Ends the call (`end` says why, `None` when the person left) and releases everything.
    fn finish(&self, end: Option<End>) {
        if self.ended.replace(true) {
            return;
        }
        self.send(&ClientMsg::LeaveRoom {
            room_id: self.room_id,
        });
        self.socket.borrow_mut().take();
        self.close_peer();
        if let Some(mut media) = self.media.borrow_mut().take() {
            media.stop();
        }
        self.view.local_stream.set(None);
        self.view.remote_stream.set(None);
        if let Some(end) = end {
            self.view.phase.set(Phase::Ended(end));
        }
        let _ = self.events.unbounded_send(Event::Stop);
    }
}

/// The wait before reconnect attempt `attempt` (from 1): exponential backoff with
/// "equal jitter" (half fixed, half random), so clients cut off together by a server
/// restart do not all come back in the same instant.
fn reconnect_delay(attempt: u32) -> Duration {
    let ceiling = RECONNECT_DELAY
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(8)))
        .min(MAX_RECONNECT_DELAY);
    // Whole milliseconds: float-to-duration conversion would grow the bundle.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let jitter = (js_sys::Math::random()
        * f64::from(u32::try_from(ceiling.as_millis() / 2).unwrap_or(u32::MAX)))
        as u64;
    ceiling / 2 + Duration::from_millis(jitter)
}
