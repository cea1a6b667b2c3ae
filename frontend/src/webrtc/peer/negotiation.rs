//! Perfect negotiation: making offers, taking the other side's descriptions and
//! candidates strictly in order, queueing candidates that come early.

use super::{Inbound, Inner, PeerEvent, ext};
use crate::call::io::{Description, DescriptionKind};
use duet_shared::protocol::IceCandidate;
use futures::StreamExt;
use futures::channel::mpsc;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{RtcIceCandidateInit, RtcSdpType, RtcSessionDescriptionInit, RtcSignalingState};

impl Inner {
    /// Stops holding offers back; makes ours if one was held.
    pub(super) fn release_offers(self: Rc<Self>) {
        if self.closed.get() || !self.hold_offers.replace(false) {
            return;
        }
        if self.held.get() && self.pc.signaling_state() == RtcSignalingState::Stable {
            crate::webrtc::trace("no offer came; offering");
            self.make_offer();
        }
    }

    /// `negotiationneeded`: make an offer and send it. The flag is raised and the
    /// description requested right here, inside the event, as in the pattern: an
    /// offer arriving meanwhile must already see the collision, and its
    /// `setRemoteDescription` must queue behind ours.
    pub(super) fn make_offer(self: Rc<Self>) {
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
            RtcSdpType::Offer => DescriptionKind::Offer,
            // A provisional answer is not made here; it would travel as an answer.
            RtcSdpType::Answer | RtcSdpType::Pranswer => DescriptionKind::Answer,
            _ => return,
        };
        crate::webrtc::trace(&format!("{kind:?} out"));
        self.emit(PeerEvent::Description(Description {
            kind,
            sdp: desc.sdp(),
        }));
    }

    /// Handles the inbox in order until the peer closes.
    pub(super) async fn run(self: Rc<Self>, mut inbox: mpsc::UnboundedReceiver<Inbound>) {
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

    async fn on_description(&self, desc: Description) -> Result<(), JsValue> {
        let is_offer = desc.kind == DescriptionKind::Offer;
        // Descriptions are applied one at a time (see `run`), so no answer can be
        // half-applied here and perfect negotiation's "answer pending" flag is moot.
        let ready_for_offer =
            !self.making_offer.get() && self.pc.signaling_state() == RtcSignalingState::Stable;
        let collision = is_offer && !ready_for_offer;
        self.ignore_offer.set(!self.polite && collision);
        crate::webrtc::trace(&format!(
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
            DescriptionKind::Offer => RtcSdpType::Offer,
            DescriptionKind::Answer => RtcSdpType::Answer,
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
            crate::webrtc::trace("candidate in, queued");
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
            Ok(_) => crate::webrtc::trace("candidate in, added"),
            Err(e) => {
                crate::webrtc::trace("candidate in, refused");
                // Candidates of an offer we ignored are expected to fail.
                if !self.ignore_offer.get() {
                    leptos::logging::warn!("could not add an ICE candidate: {e:?}");
                }
            }
        }
    }
}
