use super::*;
use duet_shared::games::tictactoe::{Board, Outcome as GameOutcome};
use duet_shared::protocol::{IceCandidate, SdpType, SessionDescription};

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

fn offer() -> ServerMsg {
    ServerMsg::Offer {
        room_id: room(),
        offer: SessionDescription {
            kind: SdpType::Offer,
            sdp: "v=0".into(),
        },
    }
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
    let step = s.join(room(), &a);
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

    let step = s.join(room(), &b);
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
    s.join(room(), &member(1, 1));
    s.join(room(), &member(2, 2));
    let before = s.clone();
    let c = member(3, 3);
    let step = s.join(room(), &c);
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
    s.join(room(), &a);
    s.join(room(), &b);
    let step = s.join(room(), &a_again);
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
    let step = s.apply(room(), &a, Action::Relay(offer()));
    assert_eq!(step.outcome, Outcome::NotMember);
    assert_eq!(s.occupants(), 2);
}

#[test]
fn relay_reaches_only_the_other_member() {
    let (a, b) = (member(1, 1), member(2, 2));
    let mut s = RoomState::default();
    s.join(room(), &a);
    let alone = s.apply(room(), &a, Action::Relay(offer()));
    assert!(alone.deliveries.is_empty(), "nobody to relay to yet");
    s.join(room(), &b);
    let step = s.apply(room(), &a, Action::Relay(offer()));
    assert_eq!(
        step.deliveries,
        vec![Delivery {
            to: b.conn,
            msg: offer()
        }]
    );
    let candidate = ServerMsg::IceCandidate {
        room_id: room(),
        candidate: IceCandidate {
            candidate: String::new(),
            sdp_mid: None,
            sdp_m_line_index: None,
            username_fragment: None,
        },
    };
    let step = s.apply(room(), &b, Action::Relay(candidate));
    assert_eq!(recipients(&step), vec![a.conn]);
}

#[test]
fn non_members_are_refused_and_reach_nobody() {
    let (a, b, stranger) = (member(1, 1), member(2, 2), member(9, 9));
    let mut s = RoomState::default();
    s.join(room(), &a);
    s.join(room(), &b);
    for action in [
        Action::Relay(offer()),
        Action::Chat {
            message: "hi".into(),
            sent_at: 1,
        },
        Action::GameSelect(GameType::TicTacToe),
        Action::Leave,
    ] {
        let step = s.apply(room(), &stranger, action);
        assert_eq!(step.outcome, Outcome::NotMember);
        assert_eq!(recipients(&step), vec![stranger.conn]);
        assert_eq!(error_code(&step.deliveries[0]), Some(ErrorCode::NotInRoom));
    }
    assert_eq!(s.occupants(), 2);
}

#[test]
fn chat_goes_to_both_stamped_with_the_actors_account() {
    let (a, b) = (member(1, 1), member(2, 2));
    let mut s = RoomState::default();
    s.join(room(), &a);
    s.join(room(), &b);
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
    s.join(room(), &a);
    s.join(room(), &b);
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
    let step = s.join(room(), &c);
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
    s.join(room(), &x);
    s.join(room(), &o);
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
    s.join(room(), &x);
    s.join(room(), &o);
    s.apply(room(), &x, Action::GameSelect(GameType::TicTacToe));
    s.apply(
        room(),
        &x,
        Action::GameMove(GameType::TicTacToe, Move { cell: 4 }),
    );
    s.apply(room(), &o, Action::Leave);
    let step = s.join(room(), &member(3, 2));
    let ServerMsg::PlayerAssign {
        game: Some(GameState::TicTacToe { board }),
        ..
    } = &step.deliveries[0].msg
    else {
        panic!("expected the game in player-assign");
    };
    assert_eq!(board.cells[4], Some(Symbol::X));
}
