//! The WebSocket protocol: authentication before upgrade, joins, relay only within a
//! room, capacity under races, server-side chat and games, bad input, limits, liveness.

use crate::helpers::{
    SECRET, TestApp, TestUser, WsClient, candidate, join_race, negotiate, sdp, spawn_app,
    spawn_app_with,
};
use duet_shared::games::tictactoe::{Move, Outcome as GameOutcome};
use duet_shared::games::{GameType, Symbol};
use duet_shared::limits::{MAX_CHAT_CHARS, MAX_FRAME_BYTES, MAX_SDP_BYTES};
use duet_shared::protocol::{ClientMsg, GameState, SdpType};
use duet_shared::{ErrorCode, RoomId, ServerMsg};
use futures_util::future::join_all;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

/// Two users in one fresh room of `kind`, both joined: `(a, b, room)`; `a` is player 1.
pub async fn pair(app: &TestApp, kind: &str) -> (WsClient, WsClient, RoomId, TestUser, TestUser) {
    let (ada, bob) = (app.new_user("Ada").await, app.new_user("Bob").await);
    let room = app.create_room(&ada, "Pair", kind, "public").await.id;
    let mut a = app.ws(&ada).await;
    a.join(room).await;
    assert!(matches!(
        a.recv().await,
        ServerMsg::PlayerAssign {
            is_player1: true,
            ..
        }
    ));
    let mut b = app.ws(&bob).await;
    b.join(room).await;
    assert!(matches!(
        b.recv().await,
        ServerMsg::PlayerAssign {
            is_player1: false,
            ..
        }
    ));
    assert!(matches!(a.recv().await, ServerMsg::Ready { .. }));
    (a, b, room, ada, bob)
}

#[tokio::test]
async fn the_upgrade_needs_a_valid_token_before_it_happens() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    assert_eq!(app.ws_refusal(&[]).await, 401);
    assert_eq!(
        app.ws_refusal(&[("authorization", "Bearer nonsense")])
            .await,
        401
    );
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &json!({"sub": user.id, "name": "Ada", "iat": 1, "exp": 2}),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        app.ws_refusal(&[("authorization", &format!("Bearer {expired}"))])
            .await,
        401
    );
    assert_eq!(
        app.ws_refusal(&[("cookie", "duet_session=forged")]).await,
        401
    );
}

#[tokio::test]
async fn a_foreign_origin_is_refused_even_with_a_valid_session() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    let cookie = format!("duet_session={}", user.token);
    let status = app
        .ws_refusal(&[("cookie", &cookie), ("origin", "http://evil.example")])
        .await;
    assert_eq!(status, 403);

    // The app's own origin, authenticated by the cookie as a browser would be, is accepted.
    let own = format!("http://127.0.0.1:{}", app.port);
    let mut ws = WsClient::connect(app.ws_request(&[("cookie", &cookie), ("origin", &own)])).await;
    ws.expect_quiet().await;
}

#[tokio::test]
async fn origins_listed_in_allowed_origins_are_accepted() {
    let app = spawn_app_with(&["--allowed-origins", "https://duet.example.com"]).await;
    let user = app.new_user("Ada").await;
    let auth = format!("Bearer {}", user.token);
    let mut ws = WsClient::connect(app.ws_request(&[
        ("authorization", &auth),
        ("origin", "https://duet.example.com"),
    ]))
    .await;
    ws.expect_quiet().await;
}

#[tokio::test]
async fn the_first_member_is_x_and_is_told_ready_when_the_second_arrives() {
    let app = spawn_app().await;
    let (ada, bob) = (app.new_user("Ada").await, app.new_user("Bob").await);
    let room = app.create_room(&ada, "Chess", "game", "public").await.id;
    let mut a = app.ws(&ada).await;
    a.join(room).await;
    assert_eq!(
        a.recv().await,
        ServerMsg::PlayerAssign {
            room_id: room,
            symbol: Symbol::X,
            is_player1: true,
            peer: None,
            game: None
        }
    );
    let mut b = app.ws(&bob).await;
    b.join(room).await;
    match b.recv().await {
        ServerMsg::PlayerAssign {
            symbol: Symbol::O,
            is_player1: false,
            peer: Some(peer),
            ..
        } => assert_eq!(peer.name, "Ada"),
        other => panic!("unexpected {other:?}"),
    }
    match a.recv().await {
        ServerMsg::Ready { room_id, peer } => {
            assert_eq!(room_id, room);
            assert_eq!(peer.name, "Bob");
        }
        other => panic!("unexpected {other:?}"),
    }
    b.expect_quiet().await;
}

#[tokio::test]
async fn offers_answers_and_candidates_reach_only_the_other_member_of_the_room() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "coding").await;
    let (mut c, mut d, other_room, ..) = pair(&app, "coding").await;

    negotiate(&mut a, &mut b, room).await;
    a.expect_quiet().await;
    b.expect_quiet().await;
    c.expect_quiet().await;
    d.expect_quiet().await;

    // The other room works independently.
    c.send(&ClientMsg::IceCandidate {
        room_id: other_room,
        candidate: candidate(99),
    })
    .await;
    assert!(matches!(d.recv().await, ServerMsg::IceCandidate { .. }));
    a.expect_quiet().await;
    b.expect_quiet().await;
}

#[tokio::test]
async fn a_message_naming_another_room_is_refused_and_relayed_to_nobody() {
    let app = spawn_app().await;
    let (mut a, mut b, _room, ..) = pair(&app, "coding").await;
    let (mut c, mut d, other_room, ..) = pair(&app, "coding").await;
    let msgs = [
        ClientMsg::Offer {
            room_id: other_room,
            offer: sdp(SdpType::Offer, "v=0"),
        },
        ClientMsg::IceCandidate {
            room_id: other_room,
            candidate: candidate(1),
        },
        ClientMsg::ChatMessage {
            room_id: other_room,
            message: "psst".into(),
        },
        ClientMsg::GameSelect {
            room_id: other_room,
            game_type: GameType::TicTacToe,
        },
        ClientMsg::LeaveRoom {
            room_id: other_room,
        },
    ];
    for msg in msgs {
        a.send(&msg).await;
        a.expect_error(ErrorCode::NotInRoom).await;
    }
    for ws in [&mut b, &mut c, &mut d] {
        ws.expect_quiet().await;
    }
    // A is still in its own room.
    a.send(&ClientMsg::ChatMessage {
        room_id: _room,
        message: "still here".into(),
    })
    .await;
    assert!(matches!(b.recv().await, ServerMsg::ChatMessage { .. }));
}

#[tokio::test]
async fn messages_before_joining_are_refused() {
    let app = spawn_app().await;
    let ada = app.new_user("Ada").await;
    let room = app.create_room(&ada, "R", "game", "public").await.id;
    let mut a = app.ws(&ada).await;
    a.send(&ClientMsg::Offer {
        room_id: room,
        offer: sdp(SdpType::Offer, "v=0"),
    })
    .await;
    a.expect_error(ErrorCode::NotInRoom).await;
}

#[tokio::test]
async fn chat_is_stamped_by_the_server_and_cannot_be_spoofed() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ada, _) = pair(&app, "language").await;
    a.send_text(
        &json!({"type": "chat-message", "roomId": room, "message": "<b>hi</b>", "sender": "Mallory", "senderId": "x"})
            .to_string(),
    )
    .await;
    for ws in [&mut b, &mut a] {
        match ws.recv().await {
            ServerMsg::ChatMessage {
                room_id,
                message,
                sender,
                sender_id,
                sent_at,
            } => {
                assert_eq!(room_id, room);
                assert_eq!(message, "<b>hi</b>");
                assert_eq!(sender, "Ada");
                assert_eq!(sender_id.to_string(), ada.id);
                assert!(sent_at > 1_700_000_000_000);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_third_joiner_gets_room_full_and_changes_nothing() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "game").await;
    let carol = app.new_user("Carol").await;
    let mut c = app.ws(&carol).await;
    c.join(room).await;
    assert_eq!(c.recv().await, ServerMsg::RoomFull { room_id: room });
    a.expect_quiet().await;
    b.expect_quiet().await;
    // Carol's connection stays usable and is in no room.
    c.send(&ClientMsg::ChatMessage {
        room_id: room,
        message: "let me in".into(),
    })
    .await;
    c.expect_error(ErrorCode::NotInRoom).await;
    b.expect_quiet().await;
}

#[tokio::test]
async fn twenty_simultaneous_joiners_admit_exactly_two_every_time() {
    let app = spawn_app().await;
    let owner = app.new_user("Owner").await;
    let users = join_all((0..20).map(|i| {
        let app = &app;
        async move { app.new_user(&format!("Racer{i}")).await }
    }))
    .await;
    for round in 0..5 {
        let room = app
            .create_room(&owner, &format!("Race {round}"), "game", "public")
            .await
            .id;
        let mut clients = join_all(users.iter().map(|u| app.ws(u))).await;
        let (outcomes, admitted, full) = join_race(&mut clients, room).await;
        assert_eq!((admitted, full), (2, 18), "round {round}: {outcomes:?}");
        let symbols: Vec<_> = outcomes
            .iter()
            .filter_map(|m| match m {
                ServerMsg::PlayerAssign { symbol, .. } => Some(*symbol),
                _ => None,
            })
            .collect();
        assert!(
            symbols.contains(&Symbol::X) && symbols.contains(&Symbol::O),
            "{symbols:?}"
        );
        let occupants = app
            .list_rooms(&owner, "")
            .await
            .into_iter()
            .find(|r| r.id == room)
            .unwrap()
            .occupants;
        assert_eq!(occupants, 2);
    }
}

#[tokio::test]
async fn leaving_frees_the_slot_and_the_other_member_hears_peer_left() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "business").await;
    a.send(&ClientMsg::LeaveRoom { room_id: room }).await;
    assert_eq!(b.recv().await, ServerMsg::PeerLeft { room_id: room });
    a.expect_quiet().await;
    // After leaving, the room's messages are refused.
    a.send(&ClientMsg::ChatMessage {
        room_id: room,
        message: "hello?".into(),
    })
    .await;
    a.expect_error(ErrorCode::NotInRoom).await;

    let carol = app.new_user("Carol").await;
    let mut c = app.ws(&carol).await;
    c.join(room).await;
    assert!(matches!(
        c.recv().await,
        ServerMsg::PlayerAssign {
            symbol: Symbol::X,
            ..
        }
    ));
    assert!(matches!(b.recv().await, ServerMsg::Ready { .. }));
}

#[tokio::test]
async fn a_disconnect_frees_the_slot_like_a_leave() {
    let app = spawn_app().await;
    let (a, mut b, room, ..) = pair(&app, "business").await;
    drop(a);
    assert_eq!(b.recv().await, ServerMsg::PeerLeft { room_id: room });
}

#[tokio::test]
async fn the_same_account_joining_again_replaces_its_stale_connection() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ada, _) = pair(&app, "game").await;
    let mut a2 = app.ws(&ada).await;
    a2.join(room).await;
    assert!(matches!(
        a2.recv().await,
        ServerMsg::PlayerAssign {
            symbol: Symbol::X,
            is_player1: true,
            ..
        }
    ));
    a.expect_error(ErrorCode::Replaced).await;
    assert!(
        matches!(b.recv().await, ServerMsg::Ready { .. }),
        "B renegotiates with the new connection"
    );

    // The stale connection is out of the room: its messages reach nobody.
    a.send(&ClientMsg::Offer {
        room_id: room,
        offer: sdp(SdpType::Offer, "v=0"),
    })
    .await;
    a.expect_error(ErrorCode::NotInRoom).await;
    b.expect_quiet().await;
    // Closing it does not evict the new connection.
    drop(a);
    a2.send(&ClientMsg::ChatMessage {
        room_id: room,
        message: "back".into(),
    })
    .await;
    assert!(matches!(b.recv().await, ServerMsg::ChatMessage { .. }));
}

#[tokio::test]
async fn a_connection_is_in_at_most_one_room() {
    let app = spawn_app().await;
    let (mut a, _b, room, ada, _) = pair(&app, "game").await;
    let other = app.create_room(&ada, "Other", "game", "public").await.id;
    a.join(other).await;
    a.expect_error(ErrorCode::AlreadyInRoom).await;
    a.join(room).await;
    a.expect_error(ErrorCode::AlreadyInRoom).await;
}

#[tokio::test]
async fn private_rooms_admit_their_creator_and_invited_users_only() {
    let app = spawn_app().await;
    let (ada, bob) = (app.new_user("Ada").await, app.new_user("Bob").await);
    let room = app
        .create_room(&ada, "Secret", "coding", "private")
        .await
        .id;
    let mut b = app.ws(&bob).await;
    b.join(room).await;
    b.expect_error(ErrorCode::RoomNotFound).await;
    b.join(RoomId(uuid::Uuid::new_v4())).await;
    b.expect_error(ErrorCode::RoomNotFound).await;

    let mut a = app.ws(&ada).await;
    a.join(room).await;
    assert!(matches!(a.recv().await, ServerMsg::PlayerAssign { .. }));

    let grant = app
        .post("/api/join-room", Some(&bob.token), json!({"roomId": room}))
        .await;
    assert_eq!(grant.status(), 200);
    b.join(room).await;
    assert!(matches!(b.recv().await, ServerMsg::PlayerAssign { .. }));
    assert!(matches!(a.recv().await, ServerMsg::Ready { .. }));
}

#[tokio::test]
async fn tictactoe_is_judged_by_the_server_and_both_see_each_state() {
    let app = spawn_app().await;
    let (mut x, mut o, room, ..) = pair(&app, "game").await;
    let ttt = GameType::TicTacToe;
    let mv = |cell| ClientMsg::GameMove {
        room_id: room,
        game_type: ttt,
        move_data: Move { cell },
    };

    x.send(&mv(0)).await;
    x.expect_error(ErrorCode::NoGame).await;
    o.send(&ClientMsg::GameSelect {
        room_id: room,
        game_type: ttt,
    })
    .await;
    for ws in [&mut x, &mut o] {
        assert!(matches!(
            ws.recv().await,
            ServerMsg::GameSelect {
                game_type: GameType::TicTacToe,
                ..
            }
        ));
    }
    o.send(&mv(4)).await;
    o.expect_error(ErrorCode::NotYourTurn).await;
    x.expect_quiet().await;

    for (cell, by_x) in [(0, true), (4, false), (1, true), (5, false)] {
        let ws = if by_x { &mut x } else { &mut o };
        ws.send(&mv(cell)).await;
        for ws in [&mut x, &mut o] {
            assert!(matches!(ws.recv().await, ServerMsg::GameMove { .. }));
        }
    }
    x.send(&mv(4)).await;
    x.expect_error(ErrorCode::IllegalMove).await;
    x.send(&mv(9)).await;
    x.expect_error(ErrorCode::IllegalMove).await;
    x.send(&mv(2)).await;
    for ws in [&mut x, &mut o] {
        match ws.recv().await {
            ServerMsg::GameMove {
                symbol,
                state: GameState::TicTacToe { board },
                ..
            } => {
                assert_eq!(symbol, Symbol::X);
                assert_eq!(
                    board.outcome,
                    Some(GameOutcome::Win {
                        winner: Symbol::X,
                        line: [0, 1, 2]
                    })
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    o.send(&mv(8)).await;
    o.expect_error(ErrorCode::IllegalMove).await;
    o.send(&ClientMsg::GameReset {
        room_id: room,
        game_type: ttt,
    })
    .await;
    for ws in [&mut x, &mut o] {
        assert!(matches!(ws.recv().await, ServerMsg::GameReset { .. }));
    }
    // A rejoining player gets the board in progress.
    x.send(&mv(4)).await;
    for ws in [&mut x, &mut o] {
        assert!(matches!(ws.recv().await, ServerMsg::GameMove { .. }));
    }
    o.send(&ClientMsg::LeaveRoom { room_id: room }).await;
    assert!(matches!(x.recv().await, ServerMsg::PeerLeft { .. }));
    o.join(room).await;
    match o.recv().await {
        ServerMsg::PlayerAssign {
            game: Some(GameState::TicTacToe { board }),
            ..
        } => {
            assert_eq!(board.cells[4], Some(Symbol::X));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn games_are_refused_outside_game_rooms() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "business").await;
    a.send(&ClientMsg::GameSelect {
        room_id: room,
        game_type: GameType::TicTacToe,
    })
    .await;
    a.expect_error(ErrorCode::NotAGameRoom).await;
    b.expect_quiet().await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_the_connection_stays_usable() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "game").await;
    let r = room.to_string();
    let big_sdp = "a".repeat(MAX_SDP_BYTES + 1);
    let long_chat = "x".repeat(MAX_CHAT_CHARS + 1);
    let cases = [
        ("not json at all".to_owned(), ErrorCode::BadMessage),
        ("[1,2,3]".to_owned(), ErrorCode::BadMessage),
        (json!({"roomId": r}).to_string(), ErrorCode::BadMessage),
        (json!({"type": "summon-dragon", "roomId": r}).to_string(), ErrorCode::UnknownType),
        (json!({"type": "offer", "roomId": r}).to_string(), ErrorCode::BadMessage),
        (json!({"type": "offer", "roomId": "nope", "offer": {"type": "offer", "sdp": ""}}).to_string(), ErrorCode::BadMessage),
        (json!({"type": "game-move", "roomId": r, "gameType": "tic-tac-toe", "moveData": {"cell": -1}}).to_string(), ErrorCode::BadMessage),
        (json!({"type": "offer", "roomId": r, "offer": {"type": "offer", "sdp": big_sdp}}).to_string(), ErrorCode::TooLarge),
        (json!({"type": "chat-message", "roomId": r, "message": long_chat}).to_string(), ErrorCode::TooLarge),
        (json!({"type": "chat-message", "roomId": r, "message": "   "}).to_string(), ErrorCode::BadMessage),
    ];
    for (input, code) in cases {
        a.send_text(&input).await;
        match a.recv().await {
            ServerMsg::Error { code: got, message } => {
                assert_eq!(got, code, "{}", &input[..input.len().min(80)]);
                assert!(!message.is_empty());
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }
    a.send_raw(Message::binary(vec![1, 2, 3])).await;
    a.expect_error(ErrorCode::BinaryNotSupported).await;
    b.expect_quiet().await;

    a.send(&ClientMsg::ChatMessage {
        room_id: room,
        message: "still fine".into(),
    })
    .await;
    assert!(matches!(b.recv().await, ServerMsg::ChatMessage { .. }));
}

#[tokio::test]
async fn a_frame_above_the_maximum_closes_that_connection_only_with_1009() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "game").await;
    let huge =
        json!({"type": "chat-message", "roomId": room, "message": "x".repeat(MAX_FRAME_BYTES)})
            .to_string();
    a.send_text(&huge).await;
    assert_eq!(a.closed_with().await, Some(1009));
    assert_eq!(b.recv().await, ServerMsg::PeerLeft { room_id: room });
    b.expect_quiet().await;
}

#[tokio::test]
async fn a_flood_is_rate_limited_then_closed_with_1008_without_touching_others() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "game").await;
    let probe = json!({"type": "leave-room", "roomId": uuid::Uuid::new_v4()}).to_string();
    for _ in 0..200 {
        a.send_text(&probe).await;
    }
    let mut rate_limited = 0;
    let close = loop {
        match a.event().await {
            crate::helpers::Event::Msg(ServerMsg::Error {
                code: ErrorCode::RateLimited,
                ..
            }) => rate_limited += 1,
            crate::helpers::Event::Msg(_) => {}
            crate::helpers::Event::Close(frame) => break frame.map(|f| u16::from(f.code)),
        }
    };
    assert!(rate_limited >= 1, "the flood was told to slow down first");
    assert_eq!(close, Some(1008));
    assert_eq!(b.recv().await, ServerMsg::PeerLeft { room_id: room });
    b.expect_quiet().await;
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_timeout_and_its_peer_hears_peer_left() {
    let app = spawn_app_with(&["--heartbeat-interval", "100ms", "--client-timeout", "1s"]).await;
    let (ada, bob) = (app.new_user("Ada").await, app.new_user("Bob").await);
    let room = app.create_room(&ada, "Quiet", "game", "public").await.id;

    let mut b = app.ws(&bob).await;
    b.join(room).await;
    assert!(matches!(b.recv().await, ServerMsg::PlayerAssign { .. }));

    // A raw socket nobody reads: it never answers the server's pings.
    let (mut silent, _) = tokio_tungstenite::connect_async(
        app.ws_request(&[("authorization", &format!("Bearer {}", ada.token))]),
    )
    .await
    .unwrap();
    use futures_util::SinkExt;
    silent
        .send(Message::text(
            serde_json::to_string(&ClientMsg::JoinRoom { room_id: room }).unwrap(),
        ))
        .await
        .unwrap();
    assert!(matches!(b.recv().await, ServerMsg::Ready { .. }));
    assert_eq!(b.recv().await, ServerMsg::PeerLeft { room_id: room });
    // B itself answers pings (its socket is read) and stays connected.
    b.expect_quiet().await;
}

/// Retries an upgrade until it is accepted: a closed connection gives its slot back
/// when its task has finished, which the client cannot observe directly.
async fn connect_when_slot_frees(app: &TestApp, user: &TestUser) -> WsClient {
    let auth = format!("Bearer {}", user.token);
    let deadline = tokio::time::Instant::now() + crate::helpers::WAIT;
    loop {
        match tokio_tungstenite::connect_async(app.ws_request(&[("authorization", &auth)])).await {
            Ok((stream, _)) => return WsClient::from_stream(stream),
            Err(_) if tokio::time::Instant::now() < deadline => tokio::task::yield_now().await,
            Err(e) => panic!("slot never freed: {e}"),
        }
    }
}

#[tokio::test]
async fn connections_are_capped_per_account_and_per_address() {
    let app = spawn_app_with(&[
        "--max-connections-per-user",
        "2",
        "--max-connections-per-address",
        "3",
    ])
    .await;
    let (ada, bob) = (app.new_user("Ada").await, app.new_user("Bob").await);
    let auth = format!("Bearer {}", ada.token);
    let first = app.ws(&ada).await;
    let _second = app.ws(&ada).await;
    assert_eq!(app.ws_refusal(&[("authorization", &auth)]).await, 429);

    let _bob1 = app.ws(&bob).await;
    let bob_auth = format!("Bearer {}", bob.token);
    assert_eq!(
        app.ws_refusal(&[("authorization", &bob_auth)]).await,
        429,
        "address cap"
    );

    drop(first);
    let _again = connect_when_slot_frees(&app, &ada).await;
}

#[tokio::test]
async fn ice_candidates_per_negotiation_are_capped_until_the_next_description() {
    let app = spawn_app_with(&["--ws-burst", "1000"]).await;
    let (mut a, mut b, room, ..) = pair(&app, "coding").await;
    let cap = duet_shared::limits::MAX_CANDIDATES_PER_NEGOTIATION;
    for n in 0..cap {
        a.send(&ClientMsg::IceCandidate {
            room_id: room,
            candidate: candidate(n as u16),
        })
        .await;
    }
    a.send(&ClientMsg::IceCandidate {
        room_id: room,
        candidate: candidate(999),
    })
    .await;
    a.expect_error(ErrorCode::TooManyCandidates).await;
    for _ in 0..cap {
        assert!(matches!(b.recv().await, ServerMsg::IceCandidate { .. }));
    }
    b.expect_quiet().await;
    // A new offer starts a new negotiation.
    a.send(&ClientMsg::Offer {
        room_id: room,
        offer: sdp(SdpType::Offer, "v=0"),
    })
    .await;
    a.send(&ClientMsg::IceCandidate {
        room_id: room,
        candidate: candidate(1),
    })
    .await;
    assert!(matches!(b.recv().await, ServerMsg::Offer { .. }));
    assert!(matches!(b.recv().await, ServerMsg::IceCandidate { .. }));
}

#[tokio::test]
async fn metrics_count_connections_relays_errors_and_auth_failures_on_their_own_port_only() {
    let app = spawn_app_with(&["--metrics-addr", "127.0.0.1:0"]).await;
    let has = |text: &str, line: &str| text.lines().any(|l| l == line);

    let (mut a, mut b, room, ada, _) = pair(&app, "game").await;
    a.send(&ClientMsg::ChatMessage {
        room_id: room,
        message: "hi".into(),
    })
    .await;
    assert!(matches!(b.recv().await, ServerMsg::ChatMessage { .. }));
    assert!(matches!(a.recv().await, ServerMsg::ChatMessage { .. }));
    a.expect_quiet().await; // also sends one not-in-room error
    let wrong = app
        .post(
            "/api/signin",
            None,
            json!({"email": ada.email, "password": "wrong password"}),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        app.ws_refusal(&[("authorization", "Bearer forged")]).await,
        401
    );

    let text = app.scrape_metrics().await;
    assert!(has(&text, "duet_ws_connections 2"), "{text}");
    assert!(has(&text, "duet_rooms_occupied 1"), "{text}");
    assert!(
        has(
            &text,
            "duet_messages_relayed_total{kind=\"chat-message\"} 1"
        ),
        "{text}"
    );
    assert!(
        has(&text, "duet_protocol_errors_total{kind=\"not-in-room\"} 1"),
        "{text}"
    );
    assert!(has(&text, "duet_auth_failures_total 2"), "{text}");

    let public = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        !public.contains("duet_ws_connections"),
        "metrics are not on the public port"
    );
}

#[tokio::test]
async fn chat_is_rate_limited_per_user_with_a_clear_error() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "language").await;
    let burst = duet_shared::limits::CHAT_BURST;
    for i in 0..=burst {
        a.send(&ClientMsg::ChatMessage {
            room_id: room,
            message: format!("line {i}"),
        })
        .await;
    }
    for _ in 0..burst {
        assert!(matches!(a.recv().await, ServerMsg::ChatMessage { .. }));
        assert!(matches!(b.recv().await, ServerMsg::ChatMessage { .. }));
    }
    a.expect_error(ErrorCode::RateLimited).await;
    b.expect_quiet().await;
    // Other messages still flow: the chat budget is separate from signaling.
    a.send(&ClientMsg::IceCandidate {
        room_id: room,
        candidate: candidate(1),
    })
    .await;
    assert!(matches!(b.recv().await, ServerMsg::IceCandidate { .. }));
}
