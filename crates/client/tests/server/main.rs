//! The library against the real server: accounts, rooms, ICE, signaling between two
//! people, and a reconnect across a server restart. A fresh SQLite file per test, or a
//! fresh Postgres database with `DUET_TEST_DB=postgres`.

// A test binary: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod restart;
mod signaling;

use duet_client::api::{CreateRoomRequest, Room, RoomStatus, RoomType};
use duet_client::{Client, Event, ServerMsg, Signaling};
use duet_testkit::{TestApp, WAIT};

/// A client for `app`, signed up as a new person called `name` (the kit's sign-up).
pub async fn person(app: &TestApp, name: &str) -> Client {
    app.client_for(&app.new_user(name).await)
}

/// A public coding room made by `owner`.
pub async fn room(owner: &Client, name: &str) -> Room {
    owner
        .create_room(&CreateRoomRequest {
            name: name.to_owned(),
            room_type: RoomType::Coding,
            status: RoomStatus::Public,
        })
        .await
        .unwrap()
}

/// The next event, failing the test after [`WAIT`].
pub async fn event(signaling: &mut Signaling) -> Event {
    tokio::time::timeout(WAIT, signaling.next())
        .await
        .expect("an event within the wait")
        .expect("the connection is still going")
}

/// The next server message, skipping connection-state events.
pub async fn message(signaling: &mut Signaling) -> ServerMsg {
    loop {
        match event(signaling).await {
            Event::Message(msg) => return msg,
            Event::Ended(e) => panic!("the connection ended: {e}"),
            _ => continue,
        }
    }
}

/// The in-process server on a fresh database.
pub async fn app() -> TestApp {
    duet_testkit::spawn_app().await
}
