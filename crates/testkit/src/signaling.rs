//! Signaling scenarios shared by tests: realistic descriptions and candidates, a full
//! negotiation, a race to join.

use crate::ws::WsClient;
use duet_shared::protocol::{ClientMsg, IceCandidate, SdpType, SessionDescription};
use duet_shared::{RoomId, ServerMsg};
use futures_util::future::join_all;
use std::sync::atomic::{AtomicU32, Ordering};

/// An SDP description of `kind` with `body`.
pub fn sdp(kind: SdpType, body: &str) -> SessionDescription {
    SessionDescription {
        kind,
        sdp: body.to_owned(),
    }
}

/// A host candidate numbered `n`.
pub fn candidate(n: u16) -> IceCandidate {
    IceCandidate {
        candidate: format!(
            "candidate:{n} 1 udp 2122260223 127.0.0.1 {} typ host",
            50000 + n
        ),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: Some("abcd".into()),
    }
}

/// A realistic negotiation between two members of `room`: `offerer` sends an offer,
/// `answerer` answers, then `offerer` trickles a dozen candidates, all arriving in order.
pub async fn negotiate(offerer: &mut WsClient, answerer: &mut WsClient, room: RoomId) {
    let offer = sdp(SdpType::Offer, "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n");
    offerer
        .send(&ClientMsg::Offer {
            room_id: room,
            offer: offer.clone(),
        })
        .await;
    assert_eq!(
        answerer.recv().await,
        ServerMsg::Offer {
            room_id: room,
            offer
        }
    );
    let answer = sdp(SdpType::Answer, "v=0\r\n");
    answerer
        .send(&ClientMsg::Answer {
            room_id: room,
            answer: answer.clone(),
        })
        .await;
    assert_eq!(
        offerer.recv().await,
        ServerMsg::Answer {
            room_id: room,
            answer
        }
    );
    for n in 0..12 {
        offerer
            .send(&ClientMsg::IceCandidate {
                room_id: room,
                candidate: candidate(n),
            })
            .await;
    }
    for n in 0..12 {
        assert_eq!(
            answerer.recv().await,
            ServerMsg::IceCandidate {
                room_id: room,
                candidate: candidate(n)
            },
            "candidates arrive in order"
        );
    }
}

/// Every client joins `room` at once. Returns the first message each received, and how
/// many of those admitted it (`player-assign`) and refused it as full (`room-full`).
pub async fn join_race(clients: &mut [WsClient], room: RoomId) -> (Vec<ServerMsg>, usize, usize) {
    join_all(clients.iter_mut().map(|c| c.join(room))).await;
    let outcomes = join_all(clients.iter_mut().map(|c| c.recv())).await;
    let count = |f: fn(&ServerMsg) -> bool| outcomes.iter().filter(|m| f(m)).count();
    let admitted = count(|m| matches!(m, ServerMsg::PlayerAssign { .. }));
    let full = count(|m| matches!(m, ServerMsg::RoomFull { .. }));
    (outcomes, admitted, full)
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name no other test in this process uses.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}{}",
        COUNTER.fetch_add(1, Ordering::Relaxed),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}
