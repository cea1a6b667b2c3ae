//! What the machine does with each message from the server.

use super::CallMachine;
use crate::call::chat::{self, ChatLine, Delivery};
use crate::call::io::{DescriptionKind, Effect, Inbound};
use crate::call::state::{End, Link, Seat};
use duet_shared::protocol::{ErrorCode, ServerMsg};

impl CallMachine {
    pub(super) fn on_message(&mut self, msg: Inbound) {
        let msg = match msg {
            Inbound::Description(desc) => return self.on_remote_description(desc),
            Inbound::Server(msg) => msg,
        };
        match msg {
            ServerMsg::PlayerAssign {
                symbol,
                is_player1,
                peer,
                game,
                ..
            } => {
                let seat = Seat { symbol, is_player1 };
                self.joined = true;
                self.view.seat = Some(seat);
                self.view.game = game;
                self.refresh_phase();
                match peer {
                    // We are the newcomer: the other side offers first.
                    Some(peer) => self.peer_arrived(peer, false),
                    // Back after a server outage, before the other person: a
                    // connection still up waits for them.
                    None if self.peer_is_up() => self.peer_present = false,
                    None => self.peer_gone(false),
                }
                self.flush_chat();
            }
            // Someone joined us: the server asks us to make the offer.
            ServerMsg::Ready { peer, .. } => self.peer_arrived(peer, true),
            // The edge makes these one `Description` (see `signaling::inbound`).
            ServerMsg::Offer { .. } | ServerMsg::Answer { .. } => {}
            ServerMsg::IceCandidate { candidate, .. } => {
                self.pass_to_peer(Effect::AddCandidate(candidate));
            }
            ServerMsg::RoomFull { .. } => self.end(Some(End::Full)),
            ServerMsg::ChatMessage {
                message,
                sender,
                sender_id,
                sent_at,
                ..
            } => {
                let own = sender_id == self.me;
                if own
                    && self
                        .chat
                        .echoed(&mut self.view.chat, &message, &sender, sent_at)
                {
                    if self.chat.oldest().is_none() {
                        self.cancel_timer(crate::call::io::TimerKind::ChatExpiry);
                    }
                    return;
                }
                let seq = self.next_seq();
                chat::push(
                    &mut self.view.chat,
                    ChatLine {
                        seq,
                        sender,
                        own,
                        text: message,
                        sent_at: Some(sent_at),
                        delivery: Delivery::Sent,
                    },
                );
                if !own && !self.chat_open {
                    self.view.unread += 1;
                }
            }
            ServerMsg::GameSelect { state, .. }
            | ServerMsg::GameMove { state, .. }
            | ServerMsg::GameReset { state, .. } => self.view.game = Some(state),
            ServerMsg::PeerLeft { .. } => {
                self.peer_present = false;
                if self.peer_is_up() {
                    // Only their server connection may have dropped: the call goes on
                    // until their side of it closes (see `PeerInput::ChannelClosed`).
                    self.start_timer(
                        crate::call::io::TimerKind::Away,
                        crate::call::AWAY_NOTICE_AFTER,
                    );
                } else {
                    self.peer_gone(true);
                }
            }
            ServerMsg::Error { code, message } => match code {
                ErrorCode::Replaced => self.end(Some(End::Replaced)),
                ErrorCode::RoomNotFound => self.end(Some(End::NotFound)),
                _ => self.notify(crate::api::sentence(&message)),
            },
        }
    }

    /// The other side's offer or answer. An offer from another connection than the
    /// one we talk to (a new DTLS fingerprint: they reloaded or started over) needs a
    /// fresh connection; decided here, in message order, so the candidates that
    /// follow reach the new one.
    fn on_remote_description(&mut self, desc: crate::call::io::Description) {
        let prints = fingerprints(&desc.sdp);
        if desc.kind == DescriptionKind::Offer {
            let renewed = match &self.peer {
                None => self.pending_open.is_none(),
                Some(p) => p.remote_prints.as_ref().is_some_and(|old| *old != prints),
            };
            if renewed {
                self.open_peer(false);
            }
        }
        if let Some(p) = self.peer.as_mut() {
            p.remote_prints = Some(prints);
        }
        self.pass_to_peer(Effect::ApplyDescription(desc));
        if self.view.link == Link::Waiting {
            self.view.link = Link::Connecting;
        }
    }
}

/// The DTLS certificate fingerprints a description announces (one per certificate;
/// a new `RTCPeerConnection` has new ones), sorted and without repeats.
pub(super) fn fingerprints(sdp: &str) -> Vec<String> {
    let mut prints: Vec<String> = sdp
        .lines()
        .filter_map(|line| line.trim_end().strip_prefix("a=fingerprint:"))
        .map(str::to_owned)
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
