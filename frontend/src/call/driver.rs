//! The thin driver of a call: owns the browser objects (signaling socket, peer
//! connection, local media, timers), turns what they report into [`Input`]s fed
//! to the [`CallMachine`] through one queue, in order, and carries out the
//! [`Effect`]s it returns. It decides nothing.

mod devices;
mod files;

use super::PATH_EVERY;
use super::io::{Command, Effect, Input, PeerInput, RoomError, SocketInput, Timer, TimerKind};
use super::machine::CallMachine;
use super::view::CallView;
use crate::api;
use crate::browser;
use crate::files::FileInput;
use crate::signaling::{self, Signaling, SocketEvent};
use crate::webrtc::media::LocalMedia;
use crate::webrtc::peer::{Peer, PeerEvent};
use crate::webrtc::stats::{PathReport, Sample};
use duet_shared::api::IceConfig;
use duet_shared::{RoomId, UserId};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::{Rc, Weak};
use std::time::Duration;
use wasm_bindgen_futures::spawn_local;

/// A running call. Cloning gives another handle to the same call.
#[derive(Clone)]
pub struct Call(SendWrapper<Rc<Driver>>);

struct Driver {
    room_id: RoomId,
    view: CallView,
    machine: RefCell<CallMachine>,
    /// Inputs not yet handled; one is handled at a time, in order.
    queue: RefCell<VecDeque<Input>>,
    draining: Cell<bool>,
    /// When the call started (ms, `Date.now()`): the machine's clock counts from here.
    started: f64,
    ice: RefCell<Option<IceConfig>>,
    media: RefCell<Option<LocalMedia>>,
    socket: RefCell<Option<Signaling>>,
    peer: RefCell<Option<(u32, Peer)>>,
    /// The generation of each running timer (a cancelled one is absent).
    timers: RefCell<HashMap<TimerKind, u32>>,
    ended: Cell<bool>,
    /// Files being sent and received.
    files: files::FileStore,
}

impl Call {
    /// Starts the call in `room_id` for the signed-in user `me`.
    pub fn start(room_id: RoomId, me: UserId, view: CallView) -> Call {
        // Reconnect jitter only needs to differ between browsers.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
        let (mut machine, effects) = CallMachine::new(me, seed);
        if files::can_save_to_disk() {
            machine.receive_to_disk();
        }
        let driver = Rc::new(Driver {
            room_id,
            view,
            machine: RefCell::new(machine),
            queue: RefCell::new(VecDeque::new()),
            draining: Cell::new(false),
            started: js_sys::Date::now(),
            ice: RefCell::new(None),
            media: RefCell::new(None),
            socket: RefCell::new(None),
            peer: RefCell::new(None),
            timers: RefCell::new(HashMap::new()),
            ended: Cell::new(false),
            files: files::FileStore::default(),
        });
        for effect in effects {
            driver.execute(effect);
        }
        spawn_local(Driver::measure_path(driver.clone()));
        Call(SendWrapper::new(driver))
    }

    fn command(&self, command: Command) {
        self.0.feed(Input::Command(command));
    }

    /// Asks for the camera and microphone again (after fixing a permission).
    pub fn retry_media(&self) {
        self.command(Command::RetryMedia);
    }

    /// Goes on with the devices that work (possibly none: watch and chat only).
    pub fn join_with_available(&self) {
        self.command(Command::JoinWithAvailable);
    }

    /// Mutes or unmutes the microphone.
    pub fn toggle_mic(&self) {
        self.command(Command::ToggleMic);
    }

    /// Switches the camera off (releasing it) or back on.
    pub fn toggle_camera(&self) {
        self.command(Command::ToggleCamera);
    }

    /// Starts or stops sharing a screen in place of the camera.
    pub fn toggle_screen(&self) {
        self.command(Command::ToggleScreen);
    }

    /// Sends a chat line; `false` when it was refused (`CallView::chat_error` says why).
    pub fn send_chat(&self, text: &str) -> bool {
        self.command(Command::SendChat(text.to_owned()));
        self.0.machine.borrow().view().chat_error.is_none()
    }

    /// The chat panel was opened or closed (opening it marks messages as seen).
    pub fn chat_panel(&self, open: bool) {
        self.command(Command::ChatPanel(open));
    }

    /// Starts a game of Tic-Tac-Toe for both players.
    pub fn select_game(&self) {
        self.command(Command::SelectGame);
    }

    /// Marks `cell`; the server judges the move and both boards follow its answer.
    pub fn play(&self, cell: u8) {
        self.command(Command::Play(cell));
    }

    /// Starts the game over for both players.
    pub fn reset_game(&self) {
        self.command(Command::ResetGame);
    }

    /// Sets up the connection to the other person again from scratch.
    pub fn reconnect(&self) {
        self.command(Command::Reconnect);
    }

    /// Offers `files` to the other person (each is read a slice at a time when sent).
    pub fn send_files(&self, files: Vec<web_sys::File>) {
        self.0.offer_files(files);
    }

    /// Accepts (`true`) or declines an incoming file.
    pub fn answer_file(&self, id: u32, accept: bool) {
        let input = if accept {
            FileInput::Accept(id)
        } else {
            FileInput::Decline(id)
        };
        self.0.feed(Input::Files(input));
    }

    /// Cancels a transfer (`outgoing`: one this person sends).
    pub fn cancel_file(&self, outgoing: bool, id: u32) {
        self.0.feed(Input::Files(FileInput::Cancel(outgoing, id)));
    }

    /// Leaves the room: tells the server, closes the connection, stops every device.
    pub fn leave(&self) {
        self.command(Command::Leave);
    }
}

impl Driver {
    /// Queues `input`; handles the queue unless a caller up the stack already is.
    fn feed(self: &Rc<Self>, input: Input) {
        self.queue.borrow_mut().push_back(input);
        if self.draining.replace(true) {
            return;
        }
        loop {
            let Some(input) = self.queue.borrow_mut().pop_front() else {
                break;
            };
            let effects = self.machine.borrow_mut().handle(input, self.now());
            for effect in effects {
                self.execute(effect);
            }
        }
        self.draining.set(false);
    }

    /// Time since the call started.
    fn now(&self) -> Duration {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let ms = (js_sys::Date::now() - self.started).max(0.0) as u64;
        Duration::from_millis(ms)
    }

    /// A callback feeding the call from a browser event, while the call lives.
    fn feeder(self: &Rc<Self>) -> impl Fn(Input) + 'static {
        let weak: Weak<Driver> = Rc::downgrade(self);
        move |input| {
            if let Some(driver) = weak.upgrade() {
                driver.feed(input);
            }
        }
    }

    /// Runs `work` and feeds its result, unless the call ended meanwhile.
    fn spawn_feed(self: &Rc<Self>, work: impl Future<Output = Input> + 'static) {
        let feed = self.feeder();
        spawn_local(async move { feed(work.await) });
    }

    fn execute(self: &Rc<Self>, effect: Effect) {
        // After the end only the view changes (to say how the call ended).
        if self.ended.get() && effect != Effect::Render {
            return;
        }
        match effect {
            Effect::FetchRoom => {
                let room_id = self.room_id;
                self.spawn_feed(async move {
                    Input::Room(api::join_room(room_id).await.map_err(|e| {
                        if e.is_not_found() {
                            RoomError::NotFound
                        } else if e.is_unauthorized() {
                            RoomError::SignedOut
                        } else {
                            RoomError::Other(e.to_string())
                        }
                    }))
                });
            }
            Effect::FetchIce => {
                let this = self.clone();
                self.spawn_feed(async move {
                    match api::ice_config().await {
                        Ok(config) => {
                            let ttl = Duration::from_secs(config.ttl);
                            *this.ice.borrow_mut() = Some(config);
                            Input::Ice(Some(ttl))
                        }
                        Err(e) => {
                            leptos::logging::warn!("no ICE servers: {e}");
                            Input::Ice(None)
                        }
                    }
                });
            }
            Effect::CheckSession => {
                self.spawn_feed(async { Input::Session(!matches!(api::profile().await, Ok(None))) })
            }
            Effect::OpenSocket(generation) => self.open_socket(generation),
            Effect::CloseSocket => drop(self.socket.borrow_mut().take()),
            Effect::Send(msg) => {
                let msg = signaling::outbound(self.room_id, msg);
                if let Some(socket) = self.socket.borrow().as_ref() {
                    socket.send(&msg);
                }
            }
            Effect::OpenPeer {
                generation,
                polite,
                hold_offers,
                media,
            } => self.open_peer(generation, polite, hold_offers, media),
            Effect::ClosePeer => {
                if let Some((_, peer)) = self.peer.borrow_mut().take() {
                    peer.close();
                }
                self.view.path.set(None);
            }
            Effect::ReleaseOffers => self.with_peer(Peer::release_offers),
            Effect::RestartIce => self.with_peer(Peer::restart_ice),
            Effect::ApplyDescription(desc) => self.with_peer(|p| p.handle_description(desc)),
            Effect::AddCandidate(candidate) => self.with_peer(|p| p.handle_candidate(candidate)),
            Effect::SendMediaState(state) => self.with_peer(|p| p.set_media_state(state)),
            Effect::DropRemoteStream => self.view.remote_stream.set(None),
            Effect::StartTimer(timer, after) => self.start_timer(timer, after),
            Effect::CancelTimer(kind) => drop(self.timers.borrow_mut().remove(&kind)),
            Effect::Files(effect) => self.file_effect(effect),
            Effect::Render => self.view.show(self.machine.borrow().view()),
            Effect::End(_) => self.end(),
            Effect::AcquireMedia
            | Effect::SetMic(_)
            | Effect::StartCamera
            | Effect::StopCamera
            | Effect::StartScreen
            | Effect::StopScreen
            | Effect::SendVideo => self.device(effect),
        }
    }

    fn with_peer(&self, f: impl FnOnce(&Peer)) {
        if let Some((_, peer)) = self.peer.borrow().as_ref() {
            f(peer);
        }
    }

    fn open_socket(self: &Rc<Self>, generation: u32) {
        let feed = self.feeder();
        let connected = Signaling::connect(move |ev| {
            let ev = match ev {
                SocketEvent::Open => SocketInput::Opened,
                SocketEvent::Message(msg) => SocketInput::Message(signaling::inbound(msg)),
                SocketEvent::Closed { code } => SocketInput::Closed(code),
            };
            feed(Input::Socket(generation, ev));
        });
        match connected {
            Ok(socket) => *self.socket.borrow_mut() = Some(socket),
            Err(e) => self.feed(Input::Socket(generation, SocketInput::Unusable(e))),
        }
    }

    fn open_peer(
        self: &Rc<Self>,
        generation: u32,
        polite: bool,
        hold_offers: bool,
        state: super::io::MediaState,
    ) {
        if let Some((_, old)) = self.peer.borrow_mut().take() {
            old.close();
        }
        let feed = self.feeder();
        let view = self.view;
        let emit = move |ev| {
            let input = match ev {
                // A browser object: straight to the view (a closed peer emits nothing).
                PeerEvent::RemoteStream(stream) => {
                    view.remote_stream.set(Some(stream));
                    return;
                }
                PeerEvent::Description(desc) => PeerInput::Description(desc),
                PeerEvent::Candidate(candidate) => PeerInput::Candidate(candidate),
                PeerEvent::State(state) => PeerInput::State(state),
                PeerEvent::RemoteMedia(state) => PeerInput::RemoteMedia(state),
                PeerEvent::ChannelOpen => PeerInput::ChannelOpen,
                PeerEvent::ChannelClosed => PeerInput::ChannelClosed,
                PeerEvent::Files(input) => PeerInput::Files(input),
            };
            feed(Input::Peer(generation, input));
        };
        let created = {
            let ice = self.ice.borrow();
            let media = self.media.borrow();
            let (servers, policy) = ice
                .as_ref()
                .map(|c| (c.ice_servers.as_slice(), c.ice_transport_policy))
                .unwrap_or_default();
            match media.as_ref() {
                Some(media) => Peer::new(servers, policy, polite, hold_offers, media, state, emit),
                None => Err("no local media".to_owned()),
            }
        };
        match created {
            Ok(peer) => *self.peer.borrow_mut() = Some((generation, peer)),
            Err(e) => {
                leptos::logging::error!("{e}");
                self.feed(Input::Peer(generation, PeerInput::Unusable(e)));
            }
        }
    }

    fn start_timer(self: &Rc<Self>, timer: Timer, after: Duration) {
        self.timers
            .borrow_mut()
            .insert(timer.kind, timer.generation);
        let weak = Rc::downgrade(self);
        spawn_local(async move {
            browser::sleep(after).await;
            let Some(driver) = weak.upgrade() else { return };
            let current = driver.timers.borrow().get(&timer.kind) == Some(&timer.generation);
            if current {
                driver.timers.borrow_mut().remove(&timer.kind);
                driver.feed(Input::Timer(timer));
            }
        });
    }

    /// The call is over: release every browser object.
    fn end(self: &Rc<Self>) {
        self.ended.set(true);
        self.timers.borrow_mut().clear();
        self.socket.borrow_mut().take();
        if let Some((_, peer)) = self.peer.borrow_mut().take() {
            peer.close();
        }
        if let Some(mut media) = self.media.borrow_mut().take() {
            media.stop();
        }
        self.view.local_stream.set(None);
        self.view.remote_stream.set(None);
        self.view.path.set(None);
        self.end_files();
    }

    /// Refreshes the connection path panel every [`PATH_EVERY`] until the call ends.
    async fn measure_path(self: Rc<Self>) {
        let mut last: Option<(u32, Sample)> = None;
        while !self.ended.get() {
            browser::sleep(PATH_EVERY).await;
            let connected = self.machine.borrow().is_connected();
            let pending = self
                .peer
                .borrow()
                .as_ref()
                .filter(|_| connected)
                .map(|(generation, peer)| (*generation, peer.sample()));
            let Some((generation, pending)) = pending else {
                self.view.path.set(None);
                continue;
            };
            let sample = pending.await;
            let current = self.peer.borrow().as_ref().map(|(g, _)| *g);
            if self.ended.get() || current != Some(generation) {
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
}
