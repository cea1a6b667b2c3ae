//! The machine's decisions about the peer connection: open, keep or reopen it,
//! repair a lost path with ICE restarts, notice the other person leaving.

use super::{CallMachine, Ice, PeerLink};
use crate::call::io::{Effect, LinkState, Outbound, PeerInput, TimerKind};
use crate::call::state::Link;
use crate::call::{
    CONNECT_WITHIN, DISCONNECTED_GRACE, FIRST_OFFER_WAIT, ICE_REFRESH_MARGIN, MAX_ICE_RESTARTS,
    RESTART_WITHIN,
};
use duet_shared::protocol::Peer as PeerInfo;
use std::time::Duration;

/// How long to go on without an ICE configuration that could not be fetched before
/// trying again (longer than the refresh margin, so a failure is not retried at once).
const ICE_RETRY_AFTER: Duration = Duration::from_secs(300);

impl CallMachine {
    pub(super) fn peer_is_up(&self) -> bool {
        self.peer.as_ref().is_some_and(PeerLink::is_up)
    }

    /// The ICE configuration can be used for a connection made now.
    fn ice_fresh(&self) -> bool {
        matches!(self.ice, Ice::Until(until) if self.now + ICE_REFRESH_MARGIN < until)
    }

    pub(super) fn on_ice(&mut self, ttl: Option<Duration>) {
        // Without STUN/TURN, people on the same network can still connect.
        self.ice = Ice::Until(self.now + ttl.unwrap_or(ICE_RETRY_AFTER));
        match self.pending_open.take() {
            Some(offer_first) => self.create_peer(offer_first, false),
            None => self.maybe_prewarm(),
        }
    }

    /// The other person is in the room: a connection with them that is still up is
    /// kept (they or we came back after losing the server); a connection made ahead
    /// for them starts offering; otherwise a fresh one.
    pub(super) fn peer_arrived(&mut self, peer: PeerInfo, offer_first: bool) {
        self.peer_present = true;
        let keep = self.peer_user == Some(peer.user_id) && self.peer_is_up();
        self.peer_user = Some(peer.user_id);
        self.view.peer = Some(peer);
        self.view.left = None;
        self.cancel_timer(TimerKind::Away);
        self.flush_chat();
        let now = self.now;
        let warm = self.peer.as_mut().filter(|p| {
            p.prewarmed && p.remote_prints.is_none() && now + ICE_REFRESH_MARGIN < p.ice_until
        });
        if keep {
            self.view.link = Link::Connected;
        } else if let (true, Some(p)) = (offer_first, warm) {
            p.prewarmed = false;
            self.out.push(Effect::ReleaseOffers);
            self.view.link = Link::Connecting;
            self.start_timer(TimerKind::ConnectWatch, CONNECT_WITHIN);
        } else {
            self.open_peer(offer_first);
        }
    }

    /// The other person is gone: drop the connection and wait for someone.
    pub(super) fn peer_gone(&mut self, say_so: bool) {
        self.close_peer();
        self.peer_present = false;
        self.peer_user = None;
        self.cancel_timer(TimerKind::Away);
        let name = self.view.peer.as_ref().map(|p| p.name.clone());
        let name = name.unwrap_or_else(|| "The other person".into());
        self.files_peer_left(&name);
        if say_so {
            self.view.left = Some(name);
        }
        self.view.peer = None;
        self.view.remote_media = None;
        self.out.push(Effect::DropRemoteStream);
        self.view.link = Link::Waiting;
        self.maybe_prewarm();
        self.flush_chat();
    }

    /// Alone in the room: make the connection now, offers held, so it is ready
    /// when someone arrives (creating it costs a moment the newcomer would wait).
    fn maybe_prewarm(&mut self) {
        if self.joined
            && !self.peer_present
            && self.peer.is_none()
            && self.pending_open.is_none()
            && self.ice_fresh()
        {
            self.create_peer(false, true);
        }
    }

    /// A fresh connection for a (new) other person. `offer_first` for the side that
    /// was already in the room; perfect negotiation settles any collision after that.
    /// Waits for the ICE configuration when it is missing or near expiry.
    pub(super) fn open_peer(&mut self, offer_first: bool) {
        self.close_peer();
        self.view.link = Link::Connecting;
        if self.ice_fresh() {
            self.create_peer(offer_first, false);
        } else {
            self.pending_open = Some(offer_first);
            if self.ice != Ice::Fetching {
                self.ice = Ice::Fetching;
                self.out.push(Effect::FetchIce);
            }
        }
    }

    fn create_peer(&mut self, offer_first: bool, prewarmed: bool) {
        self.peer_gen = self.peer_gen.wrapping_add(1);
        let polite = !self.view.seat.is_some_and(|s| s.is_player1);
        self.out.push(Effect::OpenPeer {
            generation: self.peer_gen,
            polite,
            hold_offers: !offer_first,
            media: self.media_state(),
        });
        let ice_until = match self.ice {
            Ice::Until(until) => until,
            Ice::Fetching => self.now,
        };
        let mut link = PeerLink {
            state: LinkState::Connecting,
            channel_open: false,
            connected: false,
            ice_restarts: 0,
            remote_prints: None,
            prewarmed,
            ice_until,
        };
        // Descriptions and candidates that came while the configuration was fetched.
        for effect in std::mem::take(&mut self.pending_remote) {
            if let Effect::ApplyDescription(desc) = &effect {
                link.remote_prints = Some(super::server::fingerprints(&desc.sdp));
            }
            self.out.push(effect);
        }
        self.peer = Some(link);
        if prewarmed {
            return;
        }
        self.view.link = Link::Connecting;
        if !offer_first {
            self.start_timer(TimerKind::FirstOffer, FIRST_OFFER_WAIT);
        }
        self.start_timer(TimerKind::ConnectWatch, CONNECT_WITHIN);
    }

    /// Passes a remote description or candidate to the connection, or keeps it for
    /// the one about to be opened.
    pub(super) fn pass_to_peer(&mut self, effect: Effect) {
        if self.peer.is_some() {
            self.out.push(effect);
        } else if self.pending_open.is_some() {
            self.pending_remote.push(effect);
        }
    }

    pub(super) fn close_peer(&mut self) {
        self.pending_open = None;
        self.pending_remote.clear();
        for kind in [
            TimerKind::FirstOffer,
            TimerKind::ConnectWatch,
            TimerKind::DisconnectGrace,
            TimerKind::IceRestart,
        ] {
            self.cancel_timer(kind);
        }
        if self.peer.take().is_some() {
            // A new generation makes events still queued from the old connection stale.
            self.peer_gen = self.peer_gen.wrapping_add(1);
            self.out.push(Effect::ClosePeer);
            // Its file channel goes with it (its own close event will be stale):
            // transfers wait for the next connection's channel to resume.
            self.on_files(crate::files::FileInput::Closed);
        }
    }

    /// Leaves and rejoins the room on the same socket: both sides start afresh.
    pub(super) fn rejoin(&mut self) {
        self.close_peer();
        self.send(Outbound::Leave);
        self.view.link = Link::Joining;
        self.joined = false;
        self.send(Outbound::Join);
    }

    pub(super) fn on_peer(&mut self, ev: PeerInput) {
        let Some(peer) = self.peer.as_mut() else {
            return;
        };
        match ev {
            PeerInput::Description(desc) => self.send(Outbound::Description(desc)),
            PeerInput::Candidate(candidate) => self.send(Outbound::Candidate(candidate)),
            PeerInput::State(state) => {
                peer.state = state;
                self.on_link(state);
            }
            PeerInput::ChannelOpen => peer.channel_open = true,
            PeerInput::ChannelClosed => {
                peer.channel_open = false;
                // Still in the room: their new connection's offer follows.
                if !self.peer_present {
                    self.peer_gone(true);
                }
            }
            PeerInput::RemoteMedia(state) => self.view.remote_media = Some(state),
            PeerInput::Files(input) => self.on_files(input),
            PeerInput::Unusable(_) => self.view.link = Link::Failed,
        }
    }

    /// Follows the connection's state; a lost path is repaired with ICE restarts.
    fn on_link(&mut self, state: LinkState) {
        self.files_link(state == LinkState::Connected);
        let restarting = self.peer.as_ref().is_some_and(|p| p.ice_restarts > 0);
        match state {
            LinkState::Connected => {
                if let Some(p) = self.peer.as_mut() {
                    p.connected = true;
                    p.ice_restarts = 0;
                }
                for kind in [
                    TimerKind::ConnectWatch,
                    TimerKind::DisconnectGrace,
                    TimerKind::IceRestart,
                ] {
                    self.cancel_timer(kind);
                }
                self.view.link = Link::Connected;
            }
            // While a restart is under way, its own timer decides what comes next.
            LinkState::Connecting | LinkState::Disconnected | LinkState::Failed if restarting => {}
            LinkState::Connecting => self.view.link = Link::Connecting,
            LinkState::Disconnected => {
                self.view.link = Link::Reconnecting;
                self.start_timer(TimerKind::DisconnectGrace, DISCONNECTED_GRACE);
            }
            // Gone while away from the server: they are not coming back on this connection.
            LinkState::Failed if !self.peer_present => self.peer_gone(true),
            LinkState::Failed => self.restart_ice(),
        }
    }

    /// Looks for a new path with an ICE restart, a few times before giving up. Needs
    /// the server (the new offer goes through it) and the other person in the room;
    /// without them, rejoining sets up a fresh connection instead.
    fn restart_ice(&mut self) {
        if self.peer.is_none() || self.peer_is_up() {
            return;
        }
        if !self.peer_present || !self.joined {
            self.view.link = Link::Reconnecting;
            return;
        }
        let Some(peer) = self.peer.as_mut() else {
            return;
        };
        let attempt = peer.ice_restarts + 1;
        if attempt > MAX_ICE_RESTARTS {
            self.view.link = Link::Failed;
            return;
        }
        peer.ice_restarts = attempt;
        self.view.link = Link::Restarting {
            attempt,
            of: MAX_ICE_RESTARTS,
        };
        self.out.push(Effect::RestartIce);
        self.start_timer(TimerKind::IceRestart, RESTART_WITHIN * attempt);
    }

    pub(super) fn on_link_timer(&mut self, kind: TimerKind) {
        match kind {
            TimerKind::FirstOffer => self.out.push(Effect::ReleaseOffers),
            // Leaving and rejoining gives both sides fresh connections, which clears
            // the rare negotiation that stalls.
            TimerKind::ConnectWatch if !self.is_connected() => self.rejoin(),
            TimerKind::DisconnectGrace
                if self.peer.as_ref().is_some_and(|p| p.ice_restarts == 0) =>
            {
                self.restart_ice();
            }
            TimerKind::IceRestart => self.restart_ice(),
            TimerKind::Away if !self.peer_present && self.peer_is_up() => {
                let who = self
                    .view
                    .peer
                    .as_ref()
                    .map_or_else(|| "The other person".to_owned(), |p| p.name.clone());
                self.notify(format!(
                    "{who} lost the connection to the server. The call goes on while they reconnect."
                ));
            }
            _ => {}
        }
    }
}
