//! One `RTCPeerConnection` to the other person, negotiated with the "perfect
//! negotiation" pattern (<https://w3c.github.io/webrtc-pc/#perfect-negotiation-example>):
//! both sides may offer at any time; on a collision the impolite side (room slot 0)
//! ignores the other's offer and the polite side rolls its own back, so simultaneous
//! offers never deadlock. Collisions are still avoided where they are easy to avoid:
//! a newly arrived side lets the side already in the room make the first offer
//! (Chromium sometimes stops gathering candidates after rolling back a half-made offer).
//!
//! Incoming descriptions and candidates are handled strictly in arrival order by one
//! task, and candidates that arrive before the remote description are queued
//! ([`negotiation`]). Every browser callback is owned here ([`handlers`]) and
//! released by [`Peer::close`] (or drop). When to offer, restart or close is the
//! call machine's decision; this module only carries it out.

mod files;
mod handlers;
mod negotiation;

use super::media::{LocalMedia, Stream, Track};
use crate::call::io::{Description, LinkState, MediaState};
use crate::files::FileInput;
use duet_shared::api::{IceServer, IceTransportPolicy};
use duet_shared::protocol::IceCandidate;
use futures::channel::mpsc;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::spawn_local;
use web_sys::{
    MediaStream, MediaStreamTrack, RtcConfiguration, RtcDataChannel, RtcDataChannelInit,
    RtcIceTransportPolicy, RtcPeerConnection, RtcRtpSender,
};

#[wasm_bindgen]
extern "C" {
    /// The `RTCPeerConnection` methods web-sys does not bind.
    #[wasm_bindgen(extends = RtcPeerConnection)]
    type PeerConnectionExt;

    /// `setLocalDescription()` without a description: the browser creates the offer or
    /// answer the current state needs, which perfect negotiation relies on.
    #[wasm_bindgen(method, js_name = setLocalDescription)]
    fn set_local_description_implicit(this: &PeerConnectionExt) -> js_sys::Promise;

    /// `restartIce()`: new ICE credentials at the next negotiation.
    #[wasm_bindgen(method, js_name = restartIce)]
    fn restart_ice(this: &PeerConnectionExt);
}

fn ext(pc: &RtcPeerConnection) -> &PeerConnectionExt {
    pc.unchecked_ref()
}

/// What the peer connection tells its owner.
#[derive(Debug, Clone, PartialEq)]
pub enum PeerEvent {
    /// Send this offer or answer to the other person.
    Description(Description),
    /// Send this ICE candidate to the other person.
    Candidate(IceCandidate),
    /// The connection's state changed.
    State(LinkState),
    /// The other person's media (the same stream grows as their tracks arrive).
    RemoteStream(Stream),
    /// The other person's media state changed.
    RemoteMedia(MediaState),
    /// The data channel opened: the other side's connection is alive.
    ChannelOpen,
    /// The data channel closed: the other side's connection is gone (it left,
    /// reloaded, or closed its connection).
    ChannelClosed,
    /// Something happened on the file channel.
    Files(FileInput),
}

/// A browser event handler, owned by the connection.
type Handler = Closure<dyn FnMut(JsValue)>;

enum Inbound {
    Description(Description),
    Candidate(IceCandidate),
}

/// The connection to the other person.
pub struct Peer {
    inner: Rc<Inner>,
    inbox: mpsc::UnboundedSender<Inbound>,
}

struct Inner {
    pc: RtcPeerConnection,
    polite: bool,
    /// An offer of ours is being created (perfect negotiation's `makingOffer`).
    making_offer: Cell<bool>,
    /// The last remote offer was ignored, so its candidates may fail quietly.
    ignore_offer: Cell<bool>,
    /// Our offers wait (for the other side's first one, or for someone to arrive).
    hold_offers: Cell<bool>,
    /// A `negotiationneeded` came while offers were held.
    held: Cell<bool>,
    /// Candidates that came before the remote description they belong to.
    early_candidates: RefCell<Vec<IceCandidate>>,
    closed: Cell<bool>,
    emit: Box<dyn Fn(PeerEvent)>,
    remote: MediaStream,
    local_stream: MediaStream,
    audio_sender: RefCell<Option<RtcRtpSender>>,
    video_sender: RefCell<Option<RtcRtpSender>>,
    channel: RtcDataChannel,
    /// Files, on their own channel so they never queue ahead of media-state messages.
    files: RtcDataChannel,
    media_state: Cell<MediaState>,
    closures: RefCell<Vec<Handler>>,
}

impl Peer {
    /// Creates the connection with `media`'s tracks; `polite` is the side that yields
    /// on an offer collision; with `hold_offers` our offers wait for the other side's
    /// offer or [`Peer::release_offers`]. Events go to `emit` until the peer is closed.
    pub fn new(
        ice_servers: &[IceServer],
        policy: IceTransportPolicy,
        polite: bool,
        hold_offers: bool,
        media: &LocalMedia,
        state: MediaState,
        emit: impl Fn(PeerEvent) + 'static,
    ) -> Result<Peer, String> {
        let config = RtcConfiguration::new();
        let servers = serde_json::to_string(ice_servers).map_err(|e| e.to_string())?;
        config.set_ice_servers(&js_sys::JSON::parse(&servers).map_err(|e| format!("{e:?}"))?);
        if policy == IceTransportPolicy::Relay {
            config.set_ice_transport_policy(RtcIceTransportPolicy::Relay);
        }
        let pc = RtcPeerConnection::new_with_configuration(&config)
            .map_err(|e| format!("could not create the connection: {e:?}"))?;
        let remote = MediaStream::new().map_err(|e| format!("{e:?}"))?;

        // A pre-agreed channel (same id on both sides) needs no extra negotiation round.
        let init = RtcDataChannelInit::new();
        init.set_negotiated(true);
        init.set_id(0);
        let channel = pc.create_data_channel_with_data_channel_dict("duet", &init);
        let files = files::create(&pc);

        let inner = Rc::new(Inner {
            pc,
            polite,
            making_offer: Cell::new(false),
            ignore_offer: Cell::new(false),
            hold_offers: Cell::new(hold_offers),
            held: Cell::new(false),
            early_candidates: RefCell::new(Vec::new()),
            closed: Cell::new(false),
            emit: Box::new(emit),
            remote,
            local_stream: media.stream.clone(),
            audio_sender: RefCell::new(None),
            video_sender: RefCell::new(None),
            channel,
            files,
            media_state: Cell::new(state),
            closures: RefCell::new(Vec::new()),
        });
        Inner::install_handlers(&inner);
        Inner::install_file_handlers(&inner);
        super::trace(&format!("new connection, polite={polite}"));
        inner.add_local(media.mic(), "audio");
        inner.add_local(media.outgoing_video(), "video");
        super::expose_for_tests(&inner.pc);

        let (inbox, rx) = mpsc::unbounded();
        spawn_local(Inner::run(inner.clone(), rx));
        Ok(Peer { inner, inbox })
    }

    /// Handles the other side's offer or answer.
    pub fn handle_description(&self, description: Description) {
        let _ = self.inbox.unbounded_send(Inbound::Description(description));
    }

    /// Handles one of the other side's ICE candidates.
    pub fn handle_candidate(&self, candidate: IceCandidate) {
        let _ = self.inbox.unbounded_send(Inbound::Candidate(candidate));
    }

    /// Sends `track` as our video (`None` sends nothing, e.g. with the camera off).
    pub fn set_video(&self, track: Option<&Track>) {
        self.inner.replace(&self.inner.video_sender, track, "video");
    }

    /// Tells the other side what we are sending.
    pub fn set_media_state(&self, state: MediaState) {
        self.inner.media_state.set(state);
        self.inner.send_media_state();
    }

    /// Restarts ICE: new credentials and candidates at the next offer, which repairs a
    /// path that was lost (a network change, a restarted TURN server).
    pub fn restart_ice(&self) {
        if !self.inner.closed.get() {
            super::trace("ice restart");
            ext(&self.inner.pc).restart_ice();
        }
    }

    /// Stops holding our offers back; makes one if the browser asked for it.
    pub fn release_offers(&self) {
        self.inner.clone().release_offers();
    }

    /// The path the call takes now, from the connection's statistics.
    pub fn sample(&self) -> impl Future<Output = Option<super::stats::Sample>> + 'static {
        let pc = self.inner.pc.clone();
        async move { super::stats::sample(&pc).await }
    }

    /// Closes the connection and releases every handler. Idempotent.
    pub fn close(&self) {
        self.inner.close();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.inner.close();
    }
}

impl Inner {
    fn emit(&self, event: PeerEvent) {
        if !self.closed.get() {
            (self.emit)(event);
        }
    }

    /// Registers a browser callback that lives until [`Inner::close`].
    fn keep(&self, f: impl FnMut(JsValue) + 'static) -> js_sys::Function {
        let closure = Closure::<dyn FnMut(JsValue)>::new(f);
        let function = closure.as_ref().unchecked_ref::<js_sys::Function>().clone();
        self.closures.borrow_mut().push(closure);
        function
    }

    fn close(&self) {
        if self.closed.replace(true) {
            return;
        }
        self.pc.set_onnegotiationneeded(None);
        self.pc.set_onicecandidate(None);
        self.pc.set_onconnectionstatechange(None);
        self.pc.set_oniceconnectionstatechange(None);
        self.pc.set_ontrack(None);
        self.channel.set_onopen(None);
        self.channel.set_onclose(None);
        self.channel.set_onmessage(None);
        self.channel.close();
        self.close_files();
        self.pc.close();
        for track in self.remote.get_tracks().iter() {
            if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
                track.stop();
            }
        }
        super::forget_for_tests(&self.pc);
        self.closures.borrow_mut().clear();
    }
}
