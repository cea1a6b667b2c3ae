//! One `RTCPeerConnection` to the other person, negotiated with the "perfect
//! negotiation" pattern (<https://w3c.github.io/webrtc-pc/#perfect-negotiation-example>):
//! both sides may offer at any time; on a collision the impolite side (room slot 0)
//! ignores the other's offer and the polite side rolls its own back, so simultaneous
//! offers never deadlock. Collisions are still avoided where they are easy to avoid:
//! a newly arrived side lets the side already in the room make the first offer
//! (Chromium sometimes stops gathering candidates after rolling back a half-made offer).
//!
//! Incoming descriptions and candidates are handled strictly in arrival order by one
//! task, and candidates that arrive before the remote description are queued. Every
//! browser callback is owned here and released by [`Peer::close`] (or drop).

use super::media::{LocalMedia, Stream, Track};
use duet_shared::api::{IceServer, IceTransportPolicy};
use duet_shared::protocol::{IceCandidate, SdpType, SessionDescription};
use futures::StreamExt;
use futures::channel::mpsc;
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    MediaStream, MediaStreamTrack, MessageEvent, RtcConfiguration, RtcDataChannel,
    RtcDataChannelInit, RtcDataChannelState, RtcIceCandidateInit, RtcIceTransportPolicy,
    RtcPeerConnection, RtcPeerConnectionIceEvent, RtcPeerConnectionState, RtcRtpSender,
    RtcRtpTransceiver, RtcRtpTransceiverDirection, RtcRtpTransceiverInit, RtcSdpType,
    RtcSessionDescriptionInit, RtcSignalingState, RtcTrackEvent,
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

/// The connection's state, as the browser reports it.
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

/// What the peer connection asks of its owner or tells it.
#[derive(Debug, Clone, PartialEq)]
pub enum PeerEvent {
    /// Send this offer or answer to the other person.
    Description(SessionDescription),
    /// Send this ICE candidate to the other person.
    Candidate(IceCandidate),
    /// The connection's state changed.
    State(LinkState),
    /// The other person's media (the same stream grows as their tracks arrive).
    RemoteStream(Stream),
    /// The other person's media state changed.
    RemoteMedia(MediaState),
    /// The data channel closed: the other side's connection is gone (it left,
    /// reloaded, or closed its connection).
    ChannelClosed,
}

/// How long a newcomer waits for the first offer before making its own.
pub const FIRST_OFFER_WAIT: std::time::Duration = std::time::Duration::from_secs(4);

/// A browser event handler, owned by the connection.
type Handler = Closure<dyn FnMut(JsValue)>;

enum Inbound {
    Description(SessionDescription),
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
    /// Our offers wait for the other side's first one (we are the newcomer).
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
    media_state: Cell<MediaState>,
    closures: RefCell<Vec<Handler>>,
}

impl Peer {
    /// Creates the connection with `media`'s tracks; `polite` is the side that yields
    /// on an offer collision; `offer_first` is false for the side that waits for the
    /// other's first offer (for at most [`FIRST_OFFER_WAIT`]). Events go to `emit`
    /// until the peer is closed.
    pub fn new(
        ice_servers: &[IceServer],
        policy: IceTransportPolicy,
        polite: bool,
        offer_first: bool,
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

        let inner = Rc::new(Inner {
            pc,
            polite,
            making_offer: Cell::new(false),
            ignore_offer: Cell::new(false),
            hold_offers: Cell::new(!offer_first),
            held: Cell::new(false),
            early_candidates: RefCell::new(Vec::new()),
            closed: Cell::new(false),
            emit: Box::new(emit),
            remote,
            local_stream: media.stream.clone(),
            audio_sender: RefCell::new(None),
            video_sender: RefCell::new(None),
            channel,
            media_state: Cell::new(state),
            closures: RefCell::new(Vec::new()),
        });
        Inner::install_handlers(&inner);
        super::trace(&format!("new connection, polite={polite}"));
        inner.add_local(media.mic(), "audio");
        inner.add_local(media.outgoing_video(), "video");
        super::expose_for_tests(&inner.pc);

        let (inbox, rx) = mpsc::unbounded();
        spawn_local(Inner::run(inner.clone(), rx));
        if !offer_first {
            let weak = Rc::downgrade(&inner);
            spawn_local(async move {
                crate::browser::sleep(FIRST_OFFER_WAIT).await;
                if let Some(inner) = weak.upgrade() {
                    inner.release_offers();
                }
            });
        }
        Ok(Peer { inner, inbox })
    }

    /// Handles the other side's offer or answer.
    pub fn handle_description(&self, description: SessionDescription) {
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

    /// Whether `offer` comes from another connection than the one this peer talks to
    /// (a new DTLS certificate: the other side reloaded or started over), so only a
    /// fresh peer can take it.
    pub fn is_from_new_connection(&self, offer: &SessionDescription) -> bool {
        offer.kind == SdpType::Offer
            && self
                .inner
                .pc
                .remote_description()
                .is_some_and(|current| fingerprints(&current.sdp()) != fingerprints(&offer.sdp))
    }

    /// Whether media flows and the other side's connection is alive (the data
    /// channel is open): such a connection survives a signaling outage.
    pub fn is_up(&self) -> bool {
        !self.inner.closed.get()
            && self.inner.pc.connection_state() == RtcPeerConnectionState::Connected
            && self.inner.channel.ready_state() == RtcDataChannelState::Open
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

    fn install_handlers(this: &Rc<Inner>) {
        // The closures hold weak references: the connection must not keep itself alive.
        let weak = Rc::downgrade(this);
        let on_negotiation = this.keep(move |_| {
            let Some(inner) = weak.upgrade() else { return };
            if inner.hold_offers.get() {
                super::trace("negotiationneeded, held for the other side's offer");
                inner.held.set(true);
            } else {
                super::trace("negotiationneeded");
                inner.make_offer();
            }
        });
        this.pc.set_onnegotiationneeded(Some(&on_negotiation));

        let weak = Rc::downgrade(this);
        let on_candidate = this.keep(move |ev: JsValue| {
            let (Some(inner), Ok(ev)) =
                (weak.upgrade(), ev.dyn_into::<RtcPeerConnectionIceEvent>())
            else {
                return;
            };
            // `null` marks the end of gathering; the other side needs no message for it.
            if let Some(c) = ev.candidate() {
                super::trace("candidate out");
                let username_fragment = js_sys::Reflect::get(&c, &"usernameFragment".into())
                    .ok()
                    .and_then(|v| v.as_string());
                inner.emit(PeerEvent::Candidate(IceCandidate {
                    candidate: c.candidate(),
                    sdp_mid: c.sdp_mid(),
                    sdp_m_line_index: c.sdp_m_line_index(),
                    username_fragment,
                }));
            }
        });
        this.pc.set_onicecandidate(Some(&on_candidate));

        let weak = Rc::downgrade(this);
        let on_state = this.keep(move |_| {
            let Some(inner) = weak.upgrade() else { return };
            let state = match inner.pc.connection_state() {
                RtcPeerConnectionState::Connected => LinkState::Connected,
                RtcPeerConnectionState::Disconnected => LinkState::Disconnected,
                RtcPeerConnectionState::Failed => LinkState::Failed,
                RtcPeerConnectionState::Closed => return,
                _ => LinkState::Connecting,
            };
            super::trace(&format!("state {state:?}"));
            inner.emit(PeerEvent::State(state));
        });
        this.pc.set_onconnectionstatechange(Some(&on_state));

        let weak = Rc::downgrade(this);
        let on_track = this.keep(move |ev: JsValue| {
            let (Some(inner), Ok(ev)) = (weak.upgrade(), ev.dyn_into::<RtcTrackEvent>()) else {
                return;
            };
            let track = ev.track();
            // One video and one audio track are shown; a renegotiated replacement takes over.
            let same_kind: Vec<MediaStreamTrack> = if track.kind() == "video" {
                inner.remote.get_video_tracks()
            } else {
                inner.remote.get_audio_tracks()
            }
            .iter()
            .filter_map(|t| t.dyn_into().ok())
            .collect();
            for old in same_kind.iter().filter(|t| t.id() != track.id()) {
                inner.remote.remove_track(old);
            }
            if inner.remote.get_track_by_id(&track.id()).is_none() {
                inner.remote.add_track(&track);
            }
            inner.emit(PeerEvent::RemoteStream(Stream::new(inner.remote.clone())));
        });
        this.pc.set_ontrack(Some(&on_track));

        let weak = Rc::downgrade(this);
        let on_open = this.keep(move |_| {
            if let Some(inner) = weak.upgrade() {
                inner.send_media_state();
            }
        });
        this.channel.set_onopen(Some(&on_open));

        let weak = Rc::downgrade(this);
        let on_channel_close = this.keep(move |_| {
            if let Some(inner) = weak.upgrade() {
                super::trace("channel closed");
                inner.emit(PeerEvent::ChannelClosed);
            }
        });
        this.channel.set_onclose(Some(&on_channel_close));

        let weak = Rc::downgrade(this);
        let on_message = this.keep(move |ev: JsValue| {
            let (Some(inner), Ok(ev)) = (weak.upgrade(), ev.dyn_into::<MessageEvent>()) else {
                return;
            };
            if let Some(state) = ev
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<MediaState>(&text).ok())
            {
                inner.emit(PeerEvent::RemoteMedia(state));
            }
        });
        this.channel.set_onmessage(Some(&on_message));
    }

    /// Adds a local track, or a receive-only slot when there is none, so the offer
    /// always asks for the other person's audio and video.
    fn add_local(&self, track: Option<&Track>, kind: &str) {
        let slot = if kind == "audio" {
            &self.audio_sender
        } else {
            &self.video_sender
        };
        match track {
            Some(track) => {
                // `addTrack` (not `addTransceiver`) lets a colliding remote offer reuse it.
                let sender = self.pc.add_track_0(track.js(), &self.local_stream);
                *slot.borrow_mut() = Some(sender);
            }
            None => {
                let init = RtcRtpTransceiverInit::new();
                init.set_direction(RtcRtpTransceiverDirection::Recvonly);
                self.pc.add_transceiver_with_str_and_init(kind, &init);
            }
        }
    }

    /// Puts `track` on the sender of `kind`: a `replaceTrack` when we already send that
    /// kind (no renegotiation), else sending on the negotiated receive-only slot.
    fn replace(&self, slot: &RefCell<Option<RtcRtpSender>>, track: Option<&Track>, kind: &str) {
        if self.closed.get() {
            return;
        }
        let existing = slot.borrow().clone();
        let sender = match (existing, track) {
            (Some(sender), _) => sender,
            (None, None) => return,
            (None, Some(track)) => match self.receive_only(kind) {
                Some(transceiver) => {
                    // Changing the direction fires `negotiationneeded`; the offer follows.
                    transceiver.set_direction(RtcRtpTransceiverDirection::Sendrecv);
                    let sender = transceiver.sender();
                    *slot.borrow_mut() = Some(sender.clone());
                    sender
                }
                None => {
                    let sender = self.pc.add_track_0(track.js(), &self.local_stream);
                    *slot.borrow_mut() = Some(sender);
                    return;
                }
            },
        };
        let promise = sender.replace_track(track.map(Track::js));
        spawn_local(async move {
            if let Err(e) = JsFuture::from(promise).await {
                leptos::logging::warn!("replaceTrack failed: {e:?}");
            }
        });
    }

    /// The negotiated transceiver on which the other person's `kind` arrives.
    fn receive_only(&self, kind: &str) -> Option<RtcRtpTransceiver> {
        self.pc
            .get_transceivers()
            .iter()
            .filter_map(|t| t.dyn_into::<RtcRtpTransceiver>().ok())
            .find(|t| !t.stopped() && t.mid().is_some() && t.receiver().track().kind() == kind)
    }

    fn send_media_state(&self) {
        if self.channel.ready_state() != RtcDataChannelState::Open {
            return;
        }
        if let Ok(text) = serde_json::to_string(&self.media_state.get()) {
            let _ = self.channel.send_with_str(&text);
        }
    }

    /// Stops waiting for the other side's first offer; makes ours if one was held back.
    fn release_offers(self: Rc<Self>) {
        if self.closed.get() || !self.hold_offers.replace(false) {
            return;
        }
        if self.held.get() && self.pc.signaling_state() == RtcSignalingState::Stable {
            super::trace("no offer came; offering");
            self.make_offer();
        }
    }

    /// `negotiationneeded`: make an offer and send it. The flag is raised and the
    /// description requested right here, inside the event, as in the pattern: an
    /// offer arriving meanwhile must already see the collision, and its
    /// `setRemoteDescription` must queue behind ours.
    fn make_offer(self: Rc<Self>) {
        if self.closed.get() {
            return;
        }
        self.making_offer.set(true);
        let promise = ext(&self.pc).set_local_description_implicit();
        spawn_local(async move {
            let result = JsFuture::from(promise).await;
            if let Err(e) = result {
                leptos::logging::warn!("could not make an offer: {e:?}");
            } else {
                self.send_local_description();
            }
            self.making_offer.set(false);
        });
    }

    fn send_local_description(&self) {
        let Some(desc) = self.pc.local_description() else {
            return;
        };
        let kind = match desc.type_() {
            RtcSdpType::Offer => SdpType::Offer,
            RtcSdpType::Answer => SdpType::Answer,
            RtcSdpType::Pranswer => SdpType::Pranswer,
            _ => return,
        };
        super::trace(&format!("{kind:?} out"));
        self.emit(PeerEvent::Description(SessionDescription {
            kind,
            sdp: desc.sdp(),
        }));
    }

    /// Handles the inbox in order until the peer closes.
    async fn run(self: Rc<Self>, mut inbox: mpsc::UnboundedReceiver<Inbound>) {
        while let Some(msg) = inbox.next().await {
            if self.closed.get() {
                break;
            }
            let result = match msg {
                Inbound::Description(d) => self.on_description(d).await,
                Inbound::Candidate(c) => {
                    self.on_candidate(c).await;
                    Ok(())
                }
            };
            if let Err(e) = result {
                leptos::logging::warn!("negotiation step failed: {e:?}");
            }
        }
    }

    async fn on_description(&self, desc: SessionDescription) -> Result<(), JsValue> {
        let is_offer = desc.kind == SdpType::Offer;
        // Descriptions are applied one at a time (see `run`), so no answer can be
        // half-applied here and perfect negotiation's "answer pending" flag is moot.
        let ready_for_offer =
            !self.making_offer.get() && self.pc.signaling_state() == RtcSignalingState::Stable;
        let collision = is_offer && !ready_for_offer;
        self.ignore_offer.set(!self.polite && collision);
        super::trace(&format!(
            "{:?} in ({:?}, making offer {}){}",
            desc.kind,
            self.pc.signaling_state(),
            self.making_offer.get(),
            if self.ignore_offer.get() {
                ", ignored"
            } else {
                ""
            }
        ));
        if self.ignore_offer.get() {
            return Ok(());
        }
        let kind = match desc.kind {
            SdpType::Offer => RtcSdpType::Offer,
            SdpType::Answer => RtcSdpType::Answer,
            SdpType::Pranswer => RtcSdpType::Pranswer,
            SdpType::Rollback => RtcSdpType::Rollback,
        };
        let init = RtcSessionDescriptionInit::new(kind);
        init.set_sdp(&desc.sdp);
        // On a collision the polite side's pending offer is rolled back implicitly.
        JsFuture::from(self.pc.set_remote_description(&init)).await?;
        let early = std::mem::take(&mut *self.early_candidates.borrow_mut());
        for candidate in early {
            self.add_candidate(candidate).await;
        }
        if is_offer {
            JsFuture::from(ext(&self.pc).set_local_description_implicit()).await?;
            self.send_local_description();
            // Answered: from now on either side offers when it needs to (the browser
            // fires `negotiationneeded` again if our own tracks still need an offer).
            self.hold_offers.set(false);
        }
        Ok(())
    }

    async fn on_candidate(&self, candidate: IceCandidate) {
        if self.pc.remote_description().is_none() {
            super::trace("candidate in, queued");
            self.early_candidates.borrow_mut().push(candidate);
            return;
        }
        self.add_candidate(candidate).await;
    }

    async fn add_candidate(&self, candidate: IceCandidate) {
        let init = RtcIceCandidateInit::new(&candidate.candidate);
        init.set_sdp_mid(candidate.sdp_mid.as_deref());
        init.set_sdp_m_line_index(candidate.sdp_m_line_index);
        if let Some(ufrag) = &candidate.username_fragment {
            let _ = js_sys::Reflect::set(&init, &"usernameFragment".into(), &ufrag.into());
        }
        let result = JsFuture::from(
            self.pc
                .add_ice_candidate_with_opt_rtc_ice_candidate_init(Some(&init)),
        )
        .await;
        match result {
            Ok(_) => super::trace("candidate in, added"),
            Err(e) => {
                super::trace("candidate in, refused");
                // Candidates of an offer we ignored are expected to fail.
                if !self.ignore_offer.get() {
                    leptos::logging::warn!("could not add an ICE candidate: {e:?}");
                }
            }
        }
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

/// The DTLS certificate fingerprints a description announces (one per certificate;
/// a new `RTCPeerConnection` has new ones).
fn fingerprints(sdp: &str) -> Vec<&str> {
    let mut prints: Vec<&str> = sdp
        .lines()
        .filter_map(|line| line.trim_end().strip_prefix("a=fingerprint:"))
        .collect();
    prints.sort_unstable();
    prints.dedup();
    prints
}

#[cfg(test)]
mod tests {
    use super::fingerprints;

    #[test]
    fn fingerprints_ignore_order_and_repeats() {
        let a = "v=0\r\na=fingerprint:sha-256 AA:BB\r\nm=audio\r\na=fingerprint:sha-256 AA:BB\r\n";
        let b = "v=0\r\nm=video\r\na=fingerprint:sha-256 AA:BB\r\n";
        let c = "v=0\r\na=fingerprint:sha-256 CC:DD\r\n";
        assert_eq!(fingerprints(a), vec!["sha-256 AA:BB"]);
        assert_eq!(fingerprints(a), fingerprints(b));
        assert_ne!(fingerprints(a), fingerprints(c));
    }
}
