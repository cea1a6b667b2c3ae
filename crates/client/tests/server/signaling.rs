//! Two people in a room through [`Signaling`]: joining, chat both ways, refusals, leaving.

use crate::{app, message, person, room};
use duet_client::api::RoomFilter;
use duet_client::{Error, ErrorCode, ServerMsg};

#[tokio::test]
async fn two_people_meet_chat_and_part() {
    let app = app().await;
    let ada = person(&app, "Ada").await;
    let bo = person(&app, "Bo").await;
    let room = room(&ada, "Chat").await;

    let mut a = ada.signaling().await.unwrap();
    a.join(room.id).await.unwrap();
    assert!(matches!(
        message(&mut a).await,
        ServerMsg::PlayerAssign {
            is_player1: true,
            peer: None,
            ..
        }
    ));
    let mut b = bo.signaling().await.unwrap();
    b.join(room.id).await.unwrap();
    match message(&mut b).await {
        ServerMsg::PlayerAssign {
            peer: Some(peer),
            is_player1: false,
            ..
        } => {
            assert_eq!(peer.name, "Ada");
        }
        other => panic!("{other:?}"),
    }
    match message(&mut a).await {
        ServerMsg::Ready { peer, .. } => assert_eq!(peer.name, "Bo"),
        other => panic!("{other:?}"),
    }
    // The lobby shows both in the call.
    let listed = bo.rooms(&RoomFilter::default()).await.unwrap();
    assert_eq!(
        listed.iter().find(|r| r.id == room.id).unwrap().occupants,
        2
    );

    b.chat("hello Ada").await.unwrap();
    for side in [&mut a, &mut b] {
        match message(side).await {
            ServerMsg::ChatMessage {
                message, sender, ..
            } => {
                assert_eq!((message.as_str(), sender.as_str()), ("hello Ada", "Bo"));
            }
            other => panic!("{other:?}"),
        }
    }

    // Refused before it leaves: the shared chat rule.
    let empty = a.chat("   ").await.unwrap_err();
    assert!(matches!(
        empty,
        Error::Refused {
            code: ErrorCode::BadMessage,
            ..
        }
    ));

    b.leave().await.unwrap();
    assert!(matches!(message(&mut a).await, ServerMsg::PeerLeft { .. }));
    assert_eq!(b.room(), None);
    b.close().await;
}

#[tokio::test]
async fn a_third_person_is_refused_and_not_rejoined() {
    let app = app().await;
    let ada = person(&app, "Ada").await;
    let room = room(&ada, "Full").await;
    let mut members = Vec::new();
    for name in ["Bo", "Cy"] {
        let mut s = person(&app, name).await.signaling().await.unwrap();
        s.join(room.id).await.unwrap();
        assert!(matches!(
            message(&mut s).await,
            ServerMsg::PlayerAssign { .. }
        ));
        members.push(s);
    }
    let mut late = ada.signaling().await.unwrap();
    late.join(room.id).await.unwrap();
    let refusal = message(&mut late).await;
    assert_eq!(refusal, ServerMsg::RoomFull { room_id: room.id });
    assert!(matches!(Error::from_refusal(&refusal), Some(Error::RoomFull(id)) if id == room.id));
    assert_eq!(
        late.room(),
        None,
        "a refused join is not retried on reconnect"
    );
}
