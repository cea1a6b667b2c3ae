//! The kit against the real parts it drives: Postgres, Redis, the server in this process,
//! two instances over Redis.

// A test binary: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duet_shared::ServerMsg;
use duet_shared::protocol::ClientMsg;
use duet_testkit::{
    PostgresDatabase, REDIS_URL, RedisNamespace, negotiate, spawn_app, spawn_cluster,
};
use redis::AsyncCommands;
use sqlx::Connection;
use sqlx::postgres::PgConnection;

#[tokio::test]
async fn a_postgres_database_is_created_empty_and_dropped() {
    let db = PostgresDatabase::create("duet_kit").await.expect("created");
    let url = db.url().to_owned();
    let mut conn = PgConnection::connect(&url).await.expect("it exists");
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(tables, 0, "a fresh database is empty");
    // Dropped even while a connection is open (as a server's pool would be).
    db.drop().await.expect("dropped");
    assert!(PgConnection::connect(&url).await.is_err(), "{url} is gone");
}

#[tokio::test]
async fn a_redis_namespace_clears_its_keys_and_no_others() {
    let ours = RedisNamespace::fresh("duet-kit");
    let theirs = RedisNamespace::fresh("duet-kit");
    let client = redis::Client::open(REDIS_URL).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    for n in 0..3 {
        let _: () = conn.set(format!("{}k{n}", ours.prefix), n).await.unwrap();
    }
    let _: () = conn.set(format!("{}k", theirs.prefix), 1).await.unwrap();

    assert_eq!(ours.clear(REDIS_URL).await.unwrap(), 3);
    assert_eq!(ours.clear(REDIS_URL).await.unwrap(), 0, "nothing is left");
    let kept: Option<i64> = conn.get(format!("{}k", theirs.prefix)).await.unwrap();
    assert_eq!(kept, Some(1), "another prefix is untouched");
    theirs.clear(REDIS_URL).await.unwrap();
}

#[tokio::test]
async fn a_user_signs_up_signs_in_and_joins_a_room_over_the_typed_client() {
    let app = spawn_app().await;
    let ada = app.new_user("Ada").await;
    let signin = app.signin(&ada.email, &ada.password).await;
    assert_eq!(signin.status(), 200);
    assert_eq!(app.signin(&ada.email, "wrong password").await.status(), 401);

    let room = app.create_room(&ada, "Kit", "coding", "public").await.id;
    let mut socket = app.ws(&ada).await;
    socket.join(room).await;
    assert!(
        matches!(socket.recv().await, ServerMsg::PlayerAssign { room_id, .. } if room_id == room)
    );
    socket.expect_quiet().await;
}

#[tokio::test]
async fn a_cluster_relays_between_members_on_different_instances() {
    let apps = spawn_cluster(2, &[]).await;
    let ada = apps[0].new_user("Ada").await;
    let bob = apps[1].new_user("Bob").await;
    let room = apps[0]
        .create_room(&ada, "Across", "coding", "public")
        .await
        .id;
    let mut a = apps[0].ws(&ada).await;
    a.join(room).await;
    assert!(matches!(a.recv().await, ServerMsg::PlayerAssign { .. }));
    let mut b = apps[1].ws(&bob).await;
    b.join(room).await;
    assert!(matches!(b.recv().await, ServerMsg::PlayerAssign { .. }));
    assert!(matches!(a.recv().await, ServerMsg::Ready { .. }));
    negotiate(&mut a, &mut b, room).await;
    a.send(&ClientMsg::LeaveRoom { room_id: room }).await;
    assert!(matches!(b.recv().await, ServerMsg::PeerLeft { .. }));
}
