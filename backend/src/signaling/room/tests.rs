//! Table tests of every rule of a room: membership, relay, negotiation caps, chat rate,
//! games and where each is allowed.

use super::*;
use duet_shared::games::GameType;
use duet_shared::games::tictactoe::{Board, Move, Outcome as GameOutcome};
use duet_shared::limits::{CHAT_BURST, CHAT_PER_MINUTE, MAX_CANDIDATES_PER_NEGOTIATION};
use duet_shared::protocol::{IceCandidate, SdpType, SessionDescription};

mod budgets;

const GAME: RoomType = RoomType::Game;

fn room() -> RoomId {
    RoomId(Uuid::from_u128(7))
}

fn member(n: u128, user: u128) -> Member {
    Member {
        conn: ConnId {
            instance: Uuid::nil(),
            id: Uuid::from_u128(n),
        },
        user: UserId(Uuid::from_u128(1000 + user)),
        name: format!("user{user}"),
    }
}

fn description(kind: SdpType) -> SessionDescription {
    SessionDescription {
        kind,
        sdp: "v=0".into(),
    }
}

fn candidate(n: u32) -> IceCandidate {
    IceCandidate {
        candidate: format!("candidate:{n} 1 udp 1 127.0.0.1 {n} typ host"),
        sdp_mid: None,
        sdp_m_line_index: None,
        username_fragment: None,
    }
}

fn chat(sent_at: i64) -> Action {
    Action::Chat {
        message: "hi".into(),
        sent_at,
    }
}

/// A room of `room_type` with members 1 and 2 (accounts 1 and 2).
fn pair(room_type: RoomType) -> (RoomState, Member, Member) {
    let (a, b) = (member(1, 1), member(2, 2));
    let mut s = RoomState::default();
    s.join(room(), &a, room_type);
    s.join(room(), &b, room_type);
    (s, a, b)
}

fn recipients(step: &Step) -> Vec<ConnId> {
    step.deliveries.iter().map(|d| d.to).collect()
}

fn error_code(d: &Delivery) -> Option<ErrorCode> {
    match d.msg {
        ServerMsg::Error { code, .. } => Some(code),
        _ => None,
    }
}

#[test]
fn first_member_is_player1_and_second_triggers_ready_for_the_first() {
    let (a, b) = (member(1, 1), member(2, 2));
    let mut s = RoomState::default();
    let step = s.join(room(), &a, GAME);
    assert_eq!(
        step.outcome,
        Outcome::Joined {
            symbol: Symbol::X,
            replaced: None
        }
    );
    assert!(matches!(
        &step.deliveries[..],
        [Delivery { to, msg: ServerMsg::PlayerAssign { is_player1: true, peer: None, .. } }] if *to == a.conn
    ));

    let step = s.join(room(), &b, GAME);
    assert_eq!(
        step.outcome,
        Outcome::Joined {
            symbol: Symbol::O,
            replaced: None
        }
    );
    assert_eq!(recipients(&step), vec![b.conn, a.conn]);
    assert!(matches!(&step.deliveries[0].msg,
        ServerMsg::PlayerAssign { is_player1: false, symbol: Symbol::O, peer: Some(p), .. } if p.user_id == a.user));
    assert!(
        matches!(&step.deliveries[1].msg, ServerMsg::Ready { peer, .. } if peer.user_id == b.user)
    );
}

#[test]
fn third_member_is_refused_and_nothing_changes() {
    let mut s = RoomState::default();
    s.join(room(), &member(1, 1), GAME);
    s.join(room(), &member(2, 2), GAME);
    let before = s.clone();
    let c = member(3, 3);
    let step = s.join(room(), &c, GAME);
    assert_eq!(step.outcome, Outcome::Full);
    assert_eq!(
        step.deliveries,
        vec![Delivery {
            to: c.conn,
            msg: ServerMsg::RoomFull { room_id: room() }
        }]
    );
    assert_eq!(s, before);
}

#[test]
fn same_account_rejoining_replaces_its_stale_connection() {
    let (a, b) = (member(1, 1), member(2, 2));
    let a_again = member(3, 1);
    let mut s = RoomState::default();
    s.join(room(), &a, GAME);
    s.join(room(), &b, GAME);
    let step = s.join(room(), &a_again, GAME);
    assert_eq!(
        step.outcome,
        Outcome::Joined {
            symbol: Symbol::X,
            replaced: Some(a.conn)
        }
    );
    assert_eq!(recipients(&step), vec![a.conn, a_again.conn, b.conn]);
    assert_eq!(error_code(&step.deliveries[0]), Some(ErrorCode::Replaced));
    assert!(matches!(step.deliveries[2].msg, ServerMsg::Ready { .. }));
    // The stale connection is no longer a member.
    let step = s.apply(room(), &a, Action::Offer(description(SdpType::Offer)));
    assert_eq!(step.outcome, Outcome::NotMember);
    assert_eq!(s.occupants(), 2);
}

#[test]
fn descriptions_and_candidates_reach_only_the_other_member_built_by_the_room() {
    let relays = [
        (
            Action::Offer(description(SdpType::Offer)),
            ServerMsg::Offer {
                room_id: room(),
                offer: description(SdpType::Offer),
            },
        ),
        (
            Action::Answer(description(SdpType::Answer)),
            ServerMsg::Answer {
                room_id: room(),
                answer: description(SdpType::Answer),
            },
        ),
        (
            Action::Candidate(candidate(1)),
            ServerMsg::IceCandidate {
                room_id: room(),
                candidate: candidate(1),
            },
        ),
    ];
    for (action, relayed) in relays {
        let (a, b) = (member(1, 1), member(2, 2));
        let mut s = RoomState::default();
        s.join(room(), &a, RoomType::Coding);
        let alone = s.apply(room(), &a, action.clone());
        assert_eq!(alone, Step::done(vec![]), "nobody to relay to yet");
        s.join(room(), &b, RoomType::Coding);
        for (from, to) in [(&a, &b), (&b, &a)] {
            let step = s.apply(room(), from, action.clone());
            assert_eq!(
                step,
                Step::done(vec![Delivery {
                    to: to.conn,
                    msg: relayed.clone()
                }])
            );
        }
    }
}

#[test]
fn non_members_are_refused_and_reach_nobody() {
    let (mut s, _, _) = pair(GAME);
    // A member of another room naming this one is a non-member here.
    let stranger = member(9, 9);
    let before = s.clone();
    for action in [
        Action::Offer(description(SdpType::Offer)),
        Action::Answer(description(SdpType::Answer)),
        Action::Candidate(candidate(1)),
        chat(1),
        Action::GameSelect(GameType::TicTacToe),
        Action::GameMove(GameType::TicTacToe, Move { cell: 0 }),
        Action::GameReset(GameType::TicTacToe),
        Action::Leave,
    ] {
        let step = s.apply(room(), &stranger, action.clone());
        assert_eq!(step.outcome, Outcome::NotMember, "{action:?}");
        assert_eq!(recipients(&step), vec![stranger.conn]);
        assert_eq!(error_code(&step.deliveries[0]), Some(ErrorCode::NotInRoom));
    }
    assert_eq!(s, before);
}

#[test]
fn chat_goes_to_both_stamped_with_the_actors_account() {
    let (a, b) = (member(1, 1), member(2, 2));
    let mut s = RoomState::default();
    s.join(room(), &a, GAME);
    s.join(room(), &b, GAME);
    let step = s.apply(
        room(),
        &b,
        Action::Chat {
            message: "hello".into(),
            sent_at: 42,
        },
    );
    assert_eq!(recipients(&step), vec![a.conn, b.conn]);
    for d in &step.deliveries {
        assert_eq!(
            d.msg,
            ServerMsg::ChatMessage {
                room_id: room(),
                message: "hello".into(),
                sender: b.name.clone(),
                sender_id: b.user,
                sent_at: 42,
            }
        );
    }
}

#[test]
fn leaving_frees_the_slot_and_tells_the_other() {
    let (a, b, c) = (member(1, 1), member(2, 2), member(3, 3));
    let mut s = RoomState::default();
    s.join(room(), &a, GAME);
    s.join(room(), &b, GAME);
    let step = s.apply(room(), &a, Action::Leave);
    assert_eq!(step.outcome, Outcome::Left);
    assert_eq!(
        step.deliveries,
        vec![Delivery {
            to: b.conn,
            msg: ServerMsg::PeerLeft { room_id: room() }
        }]
    );
    // The freed slot 0 goes to the next joiner, who is player 1 again.
    let step = s.join(room(), &c, GAME);
    assert_eq!(
        step.outcome,
        Outcome::Joined {
            symbol: Symbol::X,
            replaced: None
        }
    );
    s.apply(room(), &b, Action::Leave);
    s.apply(room(), &c, Action::Leave);
    assert!(s.is_empty());
}

#[test]
fn tictactoe_is_judged_by_the_server_and_shared_with_both() {
    let (x, o) = (member(1, 1), member(2, 2));
    let mut s = RoomState::default();
    s.join(room(), &x, GAME);
    s.join(room(), &o, GAME);
    let mv = |cell| Action::GameMove(GameType::TicTacToe, Move { cell });

    let step = s.apply(room(), &x, mv(0));
    assert_eq!(error_code(&step.deliveries[0]), Some(ErrorCode::NoGame));

    let step = s.apply(room(), &o, Action::GameSelect(GameType::TicTacToe));
    assert_eq!(recipients(&step), vec![x.conn, o.conn]);

    let step = s.apply(room(), &o, mv(4));
    assert_eq!(
        recipients(&step),
        vec![o.conn],
        "out of turn: only the mover hears"
    );
    assert_eq!(
        error_code(&step.deliveries[0]),
        Some(ErrorCode::NotYourTurn)
    );

    for (who, cell) in [(&x, 0), (&o, 4), (&x, 1), (&o, 5)] {
        let step = s.apply(room(), who, mv(cell));
        assert_eq!(recipients(&step), vec![x.conn, o.conn]);
    }
    let step = s.apply(room(), &o, mv(8));
    assert_eq!(
        error_code(&step.deliveries[0]),
        Some(ErrorCode::NotYourTurn)
    );
    let step = s.apply(room(), &x, mv(1));
    assert_eq!(
        error_code(&step.deliveries[0]),
        Some(ErrorCode::IllegalMove),
        "cell taken"
    );

    let step = s.apply(room(), &x, mv(2));
    let ServerMsg::GameMove {
        state: GameState::TicTacToe { board },
        symbol,
        ..
    } = &step.deliveries[0].msg
    else {
        panic!("expected a game-move, got {:?}", step.deliveries[0].msg);
    };
    assert_eq!(*symbol, Symbol::X);
    assert_eq!(
        board.outcome,
        Some(GameOutcome::Win {
            winner: Symbol::X,
            line: [0, 1, 2]
        })
    );

    let step = s.apply(room(), &o, mv(8));
    assert_eq!(
        error_code(&step.deliveries[0]),
        Some(ErrorCode::IllegalMove),
        "game over"
    );

    let step = s.apply(room(), &o, Action::GameReset(GameType::TicTacToe));
    assert_eq!(recipients(&step), vec![x.conn, o.conn]);
    assert_eq!(
        s.game,
        Some(GameState::TicTacToe {
            board: Board::new()
        })
    );
}

#[test]
fn a_rejoining_player_gets_the_board_in_progress() {
    let (x, o) = (member(1, 1), member(2, 2));
    let mut s = RoomState::default();
    s.join(room(), &x, GAME);
    s.join(room(), &o, GAME);
    s.apply(room(), &x, Action::GameSelect(GameType::TicTacToe));
    s.apply(
        room(),
        &x,
        Action::GameMove(GameType::TicTacToe, Move { cell: 4 }),
    );
    s.apply(room(), &o, Action::Leave);
    let step = s.join(room(), &member(3, 2), GAME);
    let ServerMsg::PlayerAssign {
        game: Some(GameState::TicTacToe { board }),
        ..
    } = &step.deliveries[0].msg
    else {
        panic!("expected the game in player-assign");
    };
    assert_eq!(board.cells[4], Some(Symbol::X));
}

#[test]
fn joining_records_the_room_type_and_a_member_cannot_join_twice() {
    let a = member(1, 1);
    let mut s = RoomState::default();
    assert_eq!(s.room_type, None);
    s.join(room(), &a, RoomType::Learning);
    assert_eq!(s.room_type, Some(RoomType::Learning));
    let before = s.clone();
    let step = s.join(room(), &a, RoomType::Learning);
    assert_eq!(step.outcome, Outcome::Refused(ErrorCode::AlreadyInRoom));
    assert_eq!(recipients(&step), vec![a.conn]);
    assert_eq!(s, before, "nothing changes, nobody else hears");
}

#[test]
fn games_are_refused_outside_game_rooms_and_change_nothing() {
    let games = [
        Action::GameSelect(GameType::TicTacToe),
        Action::GameMove(GameType::TicTacToe, Move { cell: 0 }),
        Action::GameReset(GameType::TicTacToe),
    ];
    for room_type in RoomType::ALL {
        for action in &games {
            let (mut s, a, _) = pair(room_type);
            let before = s.clone();
            let step = s.apply(room(), &a, action.clone());
            if room_type == GAME {
                assert_ne!(
                    step.outcome,
                    Outcome::Refused(ErrorCode::NotAGameRoom),
                    "{action:?}"
                );
            } else {
                assert_eq!(
                    step.outcome,
                    Outcome::Refused(ErrorCode::NotAGameRoom),
                    "{room_type:?} {action:?}"
                );
                assert_eq!(recipients(&step), vec![a.conn]);
                assert_eq!(s, before);
            }
        }
    }
}

#[test]
fn the_state_survives_serialization_and_older_values_still_load() {
    let (mut s, a, _) = pair(GAME);
    s.apply(room(), &a, Action::Candidate(candidate(1)));
    s.apply(room(), &a, chat(7));
    s.apply(room(), &a, Action::GameSelect(GameType::TicTacToe));
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(serde_json::from_str::<RoomState>(&json).unwrap(), s);

    // A value written before the room type and budgets were kept.
    let mut old: serde_json::Value = serde_json::from_str(&json).unwrap();
    let fields = old.as_object_mut().unwrap();
    fields.remove("room_type");
    fields.remove("usage");
    let loaded: RoomState = serde_json::from_value(old).unwrap();
    assert_eq!(loaded.slots, s.slots);
    assert_eq!(loaded.usage, <[Usage; ROOM_CAPACITY]>::default());
}
