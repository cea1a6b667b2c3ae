//! Creating, listing, showing, joining and deleting rooms.

use crate::helpers::{spawn_app, unique};
use duet_shared::ServerMsg;
use duet_shared::api::{ApiError, Room, RoomStatus, RoomType};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn creating_a_room_returns_201_with_a_uuid_and_its_creator() {
    let app = spawn_app().await;
    let ada = app.new_user("Ada").await;
    let room = app
        .create_room(&ada, "  Chess club ", "game", "public")
        .await;
    assert_eq!(room.name, "Chess club");
    assert_eq!(room.room_type, RoomType::Game);
    assert_eq!(room.status, RoomStatus::Public);
    assert_eq!(room.created_by.name, "Ada");
    assert_eq!(room.created_by.id.to_string(), ada.id);
    assert_eq!(room.occupants, 0);
    assert_eq!(room.id.as_uuid().get_version_num(), 4);
}

#[tokio::test]
async fn room_creation_requires_a_session_and_valid_fields() {
    let app = spawn_app().await;
    let ada = app.new_user("Ada").await;
    let anonymous = app
        .post(
            "/api/rooms",
            None,
            json!({"name": "x", "type": "game", "status": "public"}),
        )
        .await;
    assert_eq!(anonymous.status(), 401);
    let cases = [
        (json!({"type": "game", "status": "public"}), "name"),
        (
            json!({"name": "", "type": "game", "status": "public"}),
            "name",
        ),
        (
            json!({"name": "n".repeat(81), "type": "game", "status": "public"}),
            "name",
        ),
        (
            json!({"name": "x", "type": "party", "status": "public"}),
            "type",
        ),
        (json!({"name": "x", "status": "public"}), "type"),
        (
            json!({"name": "x", "type": "game", "status": "secret"}),
            "status",
        ),
    ];
    for (body, field) in cases {
        let res = app.post("/api/rooms", Some(&ada.token), body.clone()).await;
        assert_eq!(res.status(), 400, "{body}");
        let err: ApiError = res.json().await.unwrap();
        assert_eq!(err.error.field.as_deref(), Some(field), "{body}");
    }
}

#[tokio::test]
async fn the_lobby_lists_public_rooms_newest_first_and_only_your_own_private_ones() {
    let app = spawn_app().await;
    let (ada, bob) = (app.new_user("Ada").await, app.new_user("Bob").await);
    let first = app.create_room(&ada, "First", "coding", "public").await;
    let secret = app
        .create_room(&ada, "Ada's secret", "business", "private")
        .await;
    let second = app.create_room(&bob, "Second", "language", "public").await;

    let for_bob: Vec<_> = app
        .list_rooms(&bob, "")
        .await
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(for_bob, vec![second.id, first.id]);
    let for_ada: Vec<_> = app
        .list_rooms(&ada, "")
        .await
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(for_ada, vec![second.id, secret.id, first.id]);
}

#[tokio::test]
async fn the_lobby_filters_by_type_and_by_name_in_any_case() {
    let app = spawn_app().await;
    let ada = app.new_user("Ada").await;
    let tag = unique("Zebra");
    let chess = app
        .create_room(&ada, &format!("{tag} Chess"), "game", "public")
        .await;
    let _talk = app
        .create_room(&ada, &format!("{tag} Talk"), "language", "public")
        .await;
    let percent = app.create_room(&ada, "100% fun", "game", "public").await;

    let games = app.list_rooms(&ada, "?type=game").await;
    assert!(games.iter().all(|r| r.room_type == RoomType::Game));
    assert_eq!(games.len(), 2);

    let q = tag.to_lowercase();
    let found = app.list_rooms(&ada, &format!("?q={q}&type=game")).await;
    assert_eq!(
        found.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![chess.id]
    );
    assert_eq!(app.list_rooms(&ada, &format!("?q={q}")).await.len(), 2);

    // LIKE wildcards are literal text.
    let literal = app.list_rooms(&ada, "?q=100%25").await;
    assert_eq!(
        literal.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![percent.id]
    );
    assert!(app.list_rooms(&ada, "?q=_").await.is_empty());

    let bad = app.get("/api/rooms?type=party", Some(&ada.token)).await;
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.json::<ApiError>().await.unwrap().error.field.as_deref(),
        Some("type")
    );
    assert_eq!(app.get("/api/rooms", None).await.status(), 401);
}

#[tokio::test]
async fn listed_rooms_show_how_many_people_are_inside() {
    let app = spawn_app().await;
    let (ada, bob) = (app.new_user("Ada").await, app.new_user("Bob").await);
    let room = app.create_room(&ada, "Live", "game", "public").await;
    let occupants = |rooms: Vec<Room>| {
        rooms
            .into_iter()
            .find(|r| r.id == room.id)
            .unwrap()
            .occupants
    };

    assert_eq!(occupants(app.list_rooms(&bob, "").await), 0);
    let mut a = app.ws(&ada).await;
    a.join(room.id).await;
    assert!(matches!(a.recv().await, ServerMsg::PlayerAssign { .. }));
    assert_eq!(occupants(app.list_rooms(&bob, "").await), 1);

    let mut b = app.ws(&bob).await;
    b.join(room.id).await;
    assert!(matches!(b.recv().await, ServerMsg::PlayerAssign { .. }));
    assert!(matches!(a.recv().await, ServerMsg::Ready { .. }));
    assert_eq!(occupants(app.list_rooms(&bob, "").await), 2);
    let shown: Room = app
        .get(&format!("/api/rooms/{}", room.id), Some(&bob.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown.occupants, 2);

    drop(b);
    assert!(matches!(a.recv().await, ServerMsg::PeerLeft { .. }));
    assert_eq!(occupants(app.list_rooms(&bob, "").await), 1);
}

#[tokio::test]
async fn a_private_room_is_hidden_from_others_until_they_join_it_by_id() {
    let app = spawn_app().await;
    let (ada, bob) = (app.new_user("Ada").await, app.new_user("Bob").await);
    let room = app.create_room(&ada, "Secret", "coding", "private").await;
    let path = format!("/api/rooms/{}", room.id);

    assert_eq!(app.get(&path, Some(&ada.token)).await.status(), 200);
    assert_eq!(app.get(&path, Some(&bob.token)).await.status(), 404);
    assert!(app.list_rooms(&bob, "").await.is_empty());

    let joined = app
        .post(
            "/api/join-room",
            Some(&bob.token),
            json!({"roomId": room.id}),
        )
        .await;
    assert_eq!(joined.status(), 200);
    assert_eq!(joined.json::<Room>().await.unwrap().id, room.id);
    assert_eq!(app.get(&path, Some(&bob.token)).await.status(), 200);
    assert!(app.list_rooms(&bob, "").await.is_empty(), "still unlisted");
}

#[tokio::test]
async fn joining_by_id_refuses_unknown_and_malformed_ids() {
    let app = spawn_app().await;
    let bob = app.new_user("Bob").await;
    let unknown = app
        .post(
            "/api/join-room",
            Some(&bob.token),
            json!({"roomId": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(unknown.status(), 404);
    let malformed = app
        .post(
            "/api/join-room",
            Some(&bob.token),
            json!({"roomId": "not-a-uuid"}),
        )
        .await;
    assert_eq!(malformed.status(), 400);
    assert_eq!(
        malformed
            .json::<ApiError>()
            .await
            .unwrap()
            .error
            .field
            .as_deref(),
        Some("roomId")
    );
    assert_eq!(
        app.get("/api/rooms/not-a-uuid", Some(&bob.token))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.post(
            "/api/join-room",
            None,
            json!({"roomId": uuid::Uuid::new_v4()})
        )
        .await
        .status(),
        401
    );
}

#[tokio::test]
async fn only_the_creator_may_delete_a_room() {
    let app = spawn_app().await;
    let (ada, bob) = (app.new_user("Ada").await, app.new_user("Bob").await);
    let room = app.create_room(&ada, "Mine", "learning", "public").await;
    let path = format!("/api/rooms/{}", room.id);
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&bob.token), None)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&ada.token), None)
            .await
            .status(),
        204
    );
    assert_eq!(app.get(&path, Some(&ada.token)).await.status(), 404);
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&ada.token), None)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn an_account_may_own_a_bounded_number_of_rooms() {
    let app = spawn_app().await;
    let ada = app.new_user("Ada").await;
    for i in 0..50 {
        app.create_room(&ada, &format!("Room {i}"), "coding", "private")
            .await;
    }
    let res = app
        .post(
            "/api/rooms",
            Some(&ada.token),
            json!({"name": "One too many", "type": "coding", "status": "public"}),
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<ApiError>().await.unwrap().error.code,
        "too-many-rooms"
    );
    // Deleting one makes room for another.
    let mine = app.list_rooms(&ada, "").await;
    let path = format!("/api/rooms/{}", mine[0].id);
    assert_eq!(
        app.call(Method::DELETE, &path, Some(&ada.token), None)
            .await
            .status(),
        204
    );
    app.create_room(&ada, "Fits again", "coding", "public")
        .await;
}
