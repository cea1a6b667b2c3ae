//! A reconnect across a server restart: the real `duet` binary is killed and started again
//! on the same port and database; both people come back into their room by themselves and
//! chat again.

use crate::{event, message, person, room};
use duet_client::{Event, ServerMsg, Signaling};
use duet_testkit::{Process, SECRET, ServerCommand, TestApp, fresh_database};
use std::path::PathBuf;

/// The `duet` binary of this build, next to the test binaries' `deps` folder (the package
/// set of `just test` includes duet-backend, whose integration tests make Cargo build it).
fn duet_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("duet"))
        .unwrap();
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p duet-backend --bin duet` first",
        bin.display()
    );
    bin
}

async fn start(database_url: &str, port: u16) -> Process {
    ServerCommand::new(duet_binary())
        .args(["--jwt-secret", SECRET, "--database-url", database_url])
        .args(["--port", &port.to_string()])
        .args([
            "--heartbeat-interval",
            "250ms",
            "--auth-rate-per-minute",
            "1000",
        ])
        .env("LOG_FORMAT", "text")
        .spawn()
        .await
        .unwrap()
}

/// Events until the connection is back and has rejoined `room`'s call.
async fn back_in(s: &mut Signaling, room: duet_client::RoomId) -> (u32, ServerMsg) {
    let mut attempts = 0;
    loop {
        match event(s).await {
            Event::Disconnected {
                attempt, retry_in, ..
            } => {
                assert!(retry_in <= duet_client::backoff::MAX_DELAY);
                attempts = attempt;
            }
            Event::Reconnected { rejoining } => {
                assert_eq!(rejoining, Some(room));
                break;
            }
            Event::Message(ServerMsg::PeerLeft { .. }) => {}
            other => panic!("while reconnecting: {other:?}"),
        }
    }
    (attempts, message(s).await)
}

#[tokio::test]
async fn both_people_rejoin_after_the_server_restarts() {
    let data = tempfile::tempdir().unwrap();
    let database_url = fresh_database(data.path()).await;
    let server = start(&database_url, 0).await;
    let port = server.port;
    let app = TestApp::at(port);

    let ada = person(&app, "Ada").await;
    let bo = person(&app, "Bo").await;
    let room = room(&ada, "Through a restart").await;
    let mut a = ada.signaling().await.unwrap();
    a.join(room.id).await.unwrap();
    assert!(matches!(
        message(&mut a).await,
        ServerMsg::PlayerAssign { .. }
    ));
    let mut b = bo.signaling().await.unwrap();
    b.join(room.id).await.unwrap();
    assert!(matches!(
        message(&mut b).await,
        ServerMsg::PlayerAssign { .. }
    ));
    assert!(matches!(message(&mut a).await, ServerMsg::Ready { .. }));

    // Killed outright (no close frame), then started again where it was. Both clients
    // retry meanwhile; their events wait in order.
    drop(server);
    let server = start(&database_url, port).await;
    let (a_attempts, a_first) = back_in(&mut a, room.id).await;
    let (b_attempts, b_first) = back_in(&mut b, room.id).await;
    assert!(a_attempts >= 1 && b_attempts >= 1);
    let peer_of = |msg: &ServerMsg| match msg {
        ServerMsg::PlayerAssign { room_id, peer, .. } if *room_id == room.id => {
            peer.as_ref().map(|p| p.name.clone())
        }
        other => panic!("expected player-assign, got {other:?}"),
    };
    // Whoever came back second found the other there; the first is told to offer.
    match (peer_of(&a_first), peer_of(&b_first)) {
        (None, Some(name)) => {
            assert_eq!(name, "Ada");
            assert!(matches!(message(&mut a).await, ServerMsg::Ready { .. }));
        }
        (Some(name), None) => {
            assert_eq!(name, "Bo");
            assert!(matches!(message(&mut b).await, ServerMsg::Ready { .. }));
        }
        other => panic!("{other:?}"),
    }

    a.chat("still here?").await.unwrap();
    for side in [&mut a, &mut b] {
        assert!(matches!(
            message(side).await,
            ServerMsg::ChatMessage { ref message, .. } if message == "still here?"
        ));
    }
    drop(server);
}
