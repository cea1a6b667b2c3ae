//! The browser callbacks of a connection (candidates, state, tracks, the data
//! channel), and the local tracks it sends.

use super::{Inner, PeerEvent};
use crate::call::io::{LinkState, MediaState};
use crate::webrtc::media::{Stream, Track};
use duet_shared::protocol::IceCandidate;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{
    MediaStreamTrack, MessageEvent, RtcDataChannelState, RtcPeerConnectionIceEvent,
    RtcPeerConnectionState, RtcRtpSender, RtcRtpTransceiver, RtcRtpTransceiverDirection,
    RtcRtpTransceiverInit, RtcTrackEvent,
};

impl Inner {
    pub(super) fn install_handlers(this: &Rc<Inner>) {
        // The closures hold weak references: the connection must not keep itself alive.
        let weak = Rc::downgrade(this);
        let on_negotiation = this.keep(move |_| {
            let Some(inner) = weak.upgrade() else { return };
            if inner.hold_offers.get() {
                crate::webrtc::trace("negotiationneeded, held for the other side's offer");
                inner.held.set(true);
            } else {
                crate::webrtc::trace("negotiationneeded");
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
                crate::webrtc::trace("candidate out");
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
            crate::webrtc::trace(&format!("state {state:?}"));
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
                inner.emit(PeerEvent::ChannelOpen);
            }
        });
        this.channel.set_onopen(Some(&on_open));

        let weak = Rc::downgrade(this);
        let on_channel_close = this.keep(move |_| {
            if let Some(inner) = weak.upgrade() {
                crate::webrtc::trace("channel closed");
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
    pub(super) fn add_local(&self, track: Option<&Track>, kind: &str) {
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
    pub(super) fn replace(
        &self,
        slot: &RefCell<Option<RtcRtpSender>>,
        track: Option<&Track>,
        kind: &str,
    ) {
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

    pub(super) fn send_media_state(&self) {
        if self.channel.ready_state() != RtcDataChannelState::Open {
            return;
        }
        if let Ok(text) = serde_json::to_string(&self.media_state.get()) {
            let _ = self.channel.send_with_str(&text);
        }
    }
}
