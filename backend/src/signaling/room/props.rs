//! Property tests: random join/leave/message sequences by connections that share
//! accounts. Whatever happens, a room never holds more than two members or one
//! account twice, and nothing reaches a connection outside the room.

use super::*;
use duet_shared::protocol::{SdpType, SessionDescription};
use proptest::prelude::*;
use std::collections::HashSet;

#[derive(Debug, Clone)]
enum Op {
    Join,
    Leave,
    Relay,
    Chat,
    Select,
    Move(u8),
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Join),
        2 => Just(Op::Leave),
        2 => Just(Op::Relay),
        1 => Just(Op::Chat),
        1 => Just(Op::Select),
        3 => (0u8..12).prop_map(Op::Move),
        1 => Just(Op::Reset),
    ]
}

/// Six connections over three accounts, so reconnect replacement is exercised too.
fn actor(i: usize) -> Member {
    Member {
        conn: ConnId {
            instance: Uuid::from_u128(i as u128 % 2),
            id: Uuid::from_u128(i as u128 + 1),
        },
        user: UserId(Uuid::from_u128(100 + (i % 3) as u128)),
        name: format!("user{}", i % 3),
    }
}

fn members(s: &RoomState) -> HashSet<ConnId> {
    s.slots.iter().flatten().map(|m| m.conn).collect()
}

proptest! {

    #[test]
    fn rooms_keep_their_invariants(ops in proptest::collection::vec((0usize..6, op()), 1..80)) {
        let room = RoomId(Uuid::from_u128(9));
        let mut s = RoomState::default();
        for (i, op) in ops {
            let who = actor(i);
            let before = members(&s);
            let step = match op {
                Op::Join => s.join(room, &who),
                Op::Leave => s.apply(room, &who, Action::Leave),
                Op::Relay => s.apply(room, &who, Action::Relay(ServerMsg::Offer {
                    room_id: room,
                    offer: SessionDescription { kind: SdpType::Offer, sdp: "v=0".into() },
                })),
                Op::Chat => s.apply(room, &who, Action::Chat { message: "hi".into(), sent_at: 1 }),
                Op::Select => s.apply(room, &who, Action::GameSelect(GameType::TicTacToe)),
                Op::Move(cell) => s.apply(room, &who, Action::GameMove(GameType::TicTacToe, Move { cell })),
                Op::Reset => s.apply(room, &who, Action::GameReset(GameType::TicTacToe)),
            };
            let after = members(&s);

            prop_assert!(s.occupants() <= ROOM_CAPACITY);
            let users: HashSet<_> = s.slots.iter().flatten().map(|m| m.user).collect();
            prop_assert_eq!(users.len(), s.occupants(), "one account holds one slot");

            for d in &step.deliveries {
                match &d.msg {
                    ServerMsg::Error { code: ErrorCode::Replaced, .. } => {
                        prop_assert!(before.contains(&d.to) && !after.contains(&d.to));
                    }
                    ServerMsg::Error { .. } | ServerMsg::RoomFull { .. } => {
                        prop_assert_eq!(d.to, who.conn, "refusals go to the actor only");
                    }
                    ServerMsg::Offer { .. } => {
                        prop_assert!(after.contains(&d.to) && d.to != who.conn, "relay reaches the other member only");
                    }
                    _ => prop_assert!(after.contains(&d.to), "room messages reach members only: {:?}", d),
                }
            }
            if !before.contains(&who.conn) && !matches!(op, Op::Join) {
                prop_assert_eq!(step.outcome, Outcome::NotMember);
                prop_assert_eq!(step.deliveries.len(), 1);
            }
            if let Some(GameState::TicTacToe { board }) = &s.game {
                let xs = board.cells.iter().filter(|c| **c == Some(Symbol::X)).count();
                let os = board.cells.iter().filter(|c| **c == Some(Symbol::O)).count();
                prop_assert!(xs == os || xs == os + 1, "turns alternate from X");
            }
            if s.is_empty() {
                prop_assert!(s.game.is_none(), "an empty room keeps no game");
            }
        }
    }
}
