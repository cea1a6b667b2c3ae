//! Several instances over Redis and one Postgres: the two members of a room may be on
//! different instances; capacity holds across them; a dead instance leaves no ghosts.

use crate::helpers::{
    REDIS_URL, TestApp, WsClient, fresh_postgres_database, join_race, negotiate, spawn_cluster,
    spawn_process,
};
use duet_shared::ServerMsg;
use duet_shared::games::tictactoe::Move;
use duet_shared::games::{GameType, Symbol};
use duet_shared::protocol::ClientMsg;
use futures_util::future::join_all;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn members_on_different_instances_negotiate_chat_and_play() {
    let apps = spawn_cluster(2, &[]).await;
    let (one, two) = (&apps[0], &apps[1]);
    let ada = one.new_user("Ada").await;
    let bob = two.new_user("Bob").await;
    let room = one.create_room(&ada, "Across", "game", "public").await.id;

    let mut a = one.ws(&ada).await;
    a.join(room).await;
    assert!(matches!(
        a.recv().await,
        ServerMsg::PlayerAssign {
            symbol: Symbol::X,
            ..
        }
    ));
    let mut b = two.ws(&bob).await;
    b.join(room).await;
    assert!(matches!(
        b.recv().await,
        ServerMsg::PlayerAssign {
            symbol: Symbol::O,
            peer: Some(_),
            ..
        }
    ));
    assert!(matches!(a.recv().await, ServerMsg::Ready { .. }));

    negotiate(&mut b, &mut a, room).await;

    b.send(&ClientMsg::ChatMessage {
        room_id: room,
        message: "hello from two".into(),
    })
    .await;
    for ws in [&mut a, &mut b] {
        assert!(
            matches!(ws.recv().await, ServerMsg::ChatMessage { ref sender, .. } if sender == "Bob")
        );
    }
    a.send(&ClientMsg::GameSelect {
        room_id: room,
        game_type: GameType::TicTacToe,
    })
    .await;
    for ws in [&mut a, &mut b] {
        assert!(matches!(ws.recv().await, ServerMsg::GameSelect { .. }));
    }
    b.send(&ClientMsg::GameMove {
        room_id: room,
        game_type: GameType::TicTacToe,
        move_data: Move { cell: 4 },
    })
    .await;
    b.expect_error(duet_shared::ErrorCode::NotYourTurn).await;
    a.send(&ClientMsg::GameMove {
        room_id: room,
        game_type: GameType::TicTacToe,
        move_data: Move { cell: 4 },
    })
    .await;
    for ws in [&mut a, &mut b] {
        assert!(matches!(
            ws.recv().await,
            ServerMsg::GameMove {
                symbol: Symbol::X,
                ..
            }
        ));
    }

    let listed = two.list_rooms(&bob, "").await;
    assert_eq!(
        listed.iter().find(|r| r.id == room).unwrap().occupants,
        2,
        "occupancy is shared"
    );
    a.expect_quiet().await;
    b.expect_quiet().await;

    drop(a);
    assert_eq!(b.recv().await, ServerMsg::PeerLeft { room_id: room });
}

#[tokio::test]
async fn twelve_joiners_spread_over_two_instances_admit_exactly_two() {
    let apps = spawn_cluster(2, &[]).await;
    let owner = apps[0].new_user("Owner").await;
    let users = join_all((0..12).map(|i| apps[i % 2].new_user("Racer"))).await;
    for round in 0..3 {
        let room = apps[0]
            .create_room(&owner, &format!("Race {round}"), "game", "public")
            .await
            .id;
        let mut clients: Vec<WsClient> =
            join_all(users.iter().enumerate().map(|(i, u)| apps[i % 2].ws(u))).await;
        let (outcomes, admitted, full) = join_race(&mut clients, room).await;
        assert_eq!((admitted, full), (2, 10), "round {round}: {outcomes:?}");
    }
}

async fn ws_to(port: u16, token: &str) -> WsClient {
    let mut req = format!("ws://127.0.0.1:{port}/ws")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    WsClient::connect(req).await
}

#[tokio::test]
async fn a_killed_instance_frees_its_members_slots_and_their_peers_hear_peer_left() {
    let database_url = fresh_postgres_database().await;
    let prefix = format!("duet-test-{}:", uuid::Uuid::new_v4().simple());
    let args = [
        "--database-url",
        &database_url,
        "--redis-url",
        REDIS_URL,
        "--redis-prefix",
        &prefix,
        "--heartbeat-interval",
        "100ms",
        "--client-timeout",
        "2s",
    ];
    let doomed = spawn_process(&args).await;
    let survivor = spawn_process(&args).await;
    let app = TestApp::at(survivor.port);
    let (ada, bob, carol) = (
        app.new_user("Ada").await,
        app.new_user("Bob").await,
        app.new_user("Carol").await,
    );
    let room = app.create_room(&ada, "Doomed", "game", "public").await.id;
    // Both members on the doomed instance in a second room, so nobody is left to notice.
    let lonely = app.create_room(&ada, "Lonely", "game", "public").await.id;

    let mut a = ws_to(doomed.port, &ada.token).await;
    a.join(room).await;
    assert!(matches!(a.recv().await, ServerMsg::PlayerAssign { .. }));
    let mut b = ws_to(survivor.port, &bob.token).await;
    b.join(room).await;
    assert!(matches!(b.recv().await, ServerMsg::PlayerAssign { .. }));
    let mut c1 = ws_to(doomed.port, &carol.token).await;
    c1.join(lonely).await;
    assert!(matches!(c1.recv().await, ServerMsg::PlayerAssign { .. }));

    drop(doomed); // SIGKILL: no goodbye, no cleanup.
    assert_eq!(b.recv().await, ServerMsg::PeerLeft { room_id: room });

    // The freed slot and the ghost-filled room both admit newcomers on the survivor.
    let mut c2 = ws_to(survivor.port, &carol.token).await;
    c2.join(room).await;
    assert!(matches!(c2.recv().await, ServerMsg::PlayerAssign { .. }));
    let mut a2 = ws_to(survivor.port, &ada.token).await;
    a2.join(lonely).await;
    assert!(matches!(
        a2.recv().await,
        ServerMsg::PlayerAssign { peer: None, .. }
    ));
}
