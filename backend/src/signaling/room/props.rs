//! Property tests: random join/leave/message sequences by connections that share
//! accounts, in a room of a random type, with time moving on between steps. Whatever
//! happens: a room never holds more than two members or one account twice, nothing
//! reaches a connection outside the room, relays reach only the other member, games
//! happen in game rooms only, no negotiation passes the candidate cap, and no account
//! chats faster than its budget.

use super::*;
use duet_shared::games::GameType;
use duet_shared::games::tictactoe::Move;
use duet_shared::limits::{CHAT_BURST, CHAT_PER_MINUTE, MAX_CANDIDATES_PER_NEGOTIATION};
use duet_shared::protocol::{IceCandidate, SdpType, SessionDescription};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
enum Op {
    Join,
    Leave,
    Offer,
    Answer,
    /// A run of this many candidates, so the cap is reached.
    Candidates(u8),
    Candidate,
    /// A run of this many chat lines at once, so the budget runs out.
    Chats(u8),
    Chat,
    Select,
    Move(u8),
    Reset,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Join),
        2 => Just(Op::Leave),
        1 => Just(Op::Offer),
        1 => Just(Op::Answer),
        2 => (1u8..60).prop_map(Op::Candidates),
        2 => Just(Op::Chat),
        1 => (1u8..30).prop_map(Op::Chats),
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

fn action(op: &Op) -> Action {
    let sdp = |kind| SessionDescription {
        kind,
        sdp: "v=0".into(),
    };
    match op {
        Op::Join | Op::Candidates(_) | Op::Chats(_) => {
            unreachable!("expanded or applied by the test")
        }
        Op::Leave => Action::Leave,
        Op::Offer => Action::Offer(sdp(SdpType::Offer)),
        Op::Answer => Action::Answer(sdp(SdpType::Answer)),
        Op::Candidate => Action::Candidate(IceCandidate {
            candidate: "candidate:1 1 udp 1 127.0.0.1 9 typ host".into(),
            sdp_mid: None,
            sdp_m_line_index: None,
            username_fragment: None,
        }),
        Op::Chat => Action::Chat {
            message: "hi".into(),
            sent_at: 0,
        },
        Op::Select => Action::GameSelect(GameType::TicTacToe),
        Op::Move(cell) => Action::GameMove(GameType::TicTacToe, Move { cell: *cell }),
        Op::Reset => Action::GameReset(GameType::TicTacToe),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn rooms_keep_their_invariants(
        room_type in proptest::sample::select(RoomType::ALL.to_vec()),
        ops in proptest::collection::vec((0usize..6, op(), 0i64..3_000), 1..200),
    ) {
        let room = RoomId(Uuid::from_u128(9));
        let interval = 60_000 / i64::from(CHAT_PER_MINUTE);
        let mut s = RoomState::default();
        let mut now = 1_000_000i64;
        // Chat lines accepted per account since it last took a free slot.
        let mut chats: HashMap<UserId, Vec<i64>> = HashMap::new();
        // Runs become single steps, each checked.
        let ops = ops.into_iter().flat_map(|(i, op, pause)| match op {
            Op::Candidates(n) => vec![(i, Op::Candidate, 0); usize::from(n)],
            Op::Chats(n) => vec![(i, Op::Chat, 0); usize::from(n)],
            op => vec![(i, op, pause)],
        });
        for (i, op, pause) in ops {
            now += pause;
            let who = actor(i);
            let before = members(&s);
            let slot = s.slots.iter().position(|m| m.as_ref().is_some_and(|m| m.conn == who.conn));
            let candidates_before = slot.map(|slot| s.usage[slot].candidates);
            let step = match &op {
                Op::Join => s.join(room, &who, room_type),
                Op::Chat => s.apply(room, &who, Action::Chat { message: "hi".into(), sent_at: now }),
                other => s.apply(room, &who, action(other)),
            };
            let after = members(&s);

            prop_assert!(s.occupants() <= ROOM_CAPACITY);
            let users: HashSet<_> = s.slots.iter().flatten().map(|m| m.user).collect();
            prop_assert_eq!(users.len(), s.occupants(), "one account holds one slot");
            prop_assert!(s.usage.iter().all(|u| u.candidates <= MAX_CANDIDATES_PER_NEGOTIATION));

            for d in &step.deliveries {
                match &d.msg {
                    ServerMsg::Error { code: ErrorCode::Replaced, .. } => {
                        prop_assert!(before.contains(&d.to) && !after.contains(&d.to));
                    }
                    ServerMsg::Error { code, .. } => {
                        prop_assert_eq!(d.to, who.conn, "refusals go to the actor only");
                        prop_assert_eq!(step.deliveries.len(), 1, "a refusal is all that happens");
                        if *code == ErrorCode::TooManyCandidates {
                            prop_assert_eq!(candidates_before, Some(MAX_CANDIDATES_PER_NEGOTIATION));
                        }
                    }
                    ServerMsg::RoomFull { .. } => prop_assert_eq!(d.to, who.conn),
                    ServerMsg::Offer { room_id, .. }
                    | ServerMsg::Answer { room_id, .. }
                    | ServerMsg::IceCandidate { room_id, .. } => {
                        prop_assert!(after.contains(&d.to) && d.to != who.conn, "relay reaches the other member only");
                        prop_assert_eq!(*room_id, room);
                    }
                    ServerMsg::GameSelect { .. } | ServerMsg::GameMove { .. } | ServerMsg::GameReset { .. } => {
                        prop_assert_eq!(room_type, RoomType::Game, "games in game rooms only");
                        prop_assert!(after.contains(&d.to));
                    }
                    ServerMsg::ChatMessage { sender_id, sent_at, .. } => {
                        prop_assert_eq!(*sender_id, who.user, "chat is stamped with the actor");
                        prop_assert_eq!(*sent_at, now);
                        prop_assert!(after.contains(&d.to));
                    }
                    _ => prop_assert!(after.contains(&d.to), "room messages reach members only: {:?}", d),
                }
            }
            if !before.contains(&who.conn) && !matches!(op, Op::Join) {
                prop_assert_eq!(step.outcome, Outcome::NotMember);
                prop_assert_eq!(step.deliveries.len(), 1);
            }
            if matches!(op, Op::Chat) && step.outcome == Outcome::Done {
                chats.entry(who.user).or_default().push(now);
            }
            chats.retain(|user, _| users.contains(user));
            for times in chats.values() {
                // In any window, at most the burst plus one line per interval.
                for (i, first) in times.iter().enumerate() {
                    for (j, last) in times.iter().enumerate().skip(i) {
                        let allowed = i64::from(CHAT_BURST) + (last - first) / interval;
                        prop_assert!(i64::try_from(j - i + 1).unwrap_or(i64::MAX) <= allowed, "chat faster than its budget: {:?}", times);
                    }
                }
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
