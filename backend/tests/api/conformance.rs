//! Conformance with RFC 6455 and with docs/protocol.md where a fuzzer found them apart:
//! close codes for oversized fragmented and invalid UTF-8 messages, rate-limit violations
//! that decay, fields of the wrong JSON type, and 405 with `Allow` for unsupported methods.

use crate::helpers::{Event, TestApp, TestUser, WAIT, WsClient, spawn_app, spawn_app_with};
use crate::signaling::pair;
use duet_shared::limits::{MAX_FRAME_BYTES, MAX_RATE_VIOLATIONS};
use duet_shared::{ErrorCode, ServerMsg};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// A text message split into three frames, each well under the frame limit.
fn fragmented(text: &[u8]) -> [Message; 3] {
    let third = text.len() / 3;
    let (a, rest) = text.split_at(third);
    let (b, c) = rest.split_at(third);
    [
        Message::Frame(Frame::message(a.to_vec(), OpCode::Data(Data::Text), false)),
        Message::Frame(Frame::message(
            b.to_vec(),
            OpCode::Data(Data::Continue),
            false,
        )),
        Message::Frame(Frame::message(
            c.to_vec(),
            OpCode::Data(Data::Continue),
            true,
        )),
    ]
}

/// The server's close frame, skipping messages before it.
async fn close_frame(socket: &mut WsClient) -> CloseFrame {
    loop {
        match socket.event().await {
            Event::Msg(_) => continue,
            Event::Close(frame) => return frame.expect("a close frame"),
        }
    }
}

#[tokio::test]
async fn a_fragmented_message_within_the_limit_is_reassembled() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "game").await;
    let text = json!({"type": "chat-message", "roomId": room, "message": "x".repeat(1500)});
    for frame in fragmented(text.to_string().as_bytes()) {
        a.send_raw(frame).await;
    }
    assert!(
        matches!(b.recv().await, ServerMsg::ChatMessage { message, .. } if message.len() == 1500)
    );
}

#[tokio::test]
async fn a_fragmented_message_past_the_limit_closes_with_1009_naming_the_limit() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "game").await;
    // Three frames of about 60% of the limit each: none is too large, their sum is.
    let text = json!({"type": "chat-message", "roomId": room, "message": "x".repeat(MAX_FRAME_BYTES * 9 / 5)});
    for frame in fragmented(text.to_string().as_bytes()) {
        a.send_raw(frame).await;
    }
    let close = close_frame(&mut a).await;
    assert_eq!(u16::from(close.code), 1009, "{close:?}");
    assert!(
        close.reason.contains(&MAX_FRAME_BYTES.to_string()),
        "the reason names the limit: {close:?}"
    );
    assert_eq!(b.recv().await, ServerMsg::PeerLeft { room_id: room });
    b.expect_quiet().await;
}

#[tokio::test]
async fn an_unfragmented_message_past_the_limit_gets_the_same_close() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    let mut a = app.ws(&user).await;
    a.send_text(&"x".repeat(MAX_FRAME_BYTES + 1)).await;
    let close = close_frame(&mut a).await;
    assert_eq!(u16::from(close.code), 1009, "{close:?}");
    assert!(
        close.reason.contains(&MAX_FRAME_BYTES.to_string()),
        "{close:?}"
    );
}

#[tokio::test]
async fn a_text_frame_of_invalid_utf8_closes_with_1007() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "game").await;
    let invalid = b"{\"type\": \"chat-message\", \"message\": \"\xff\xfe\"}".to_vec();
    a.send_raw(Message::Frame(Frame::message(
        invalid,
        OpCode::Data(Data::Text),
        true,
    )))
    .await;
    let close = close_frame(&mut a).await;
    assert_eq!(u16::from(close.code), 1007, "{close:?}");
    assert_eq!(b.recv().await, ServerMsg::PeerLeft { room_id: room });
    b.expect_quiet().await;
}

#[tokio::test]
async fn invalid_utf8_split_across_fragments_closes_with_1007() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    let mut a = app.ws(&user).await;
    for frame in fragmented(b"{\"type\": \"leave-room\", \"roomId\": \"\xc3\x28\"}") {
        a.send_raw(frame).await;
    }
    assert_eq!(u16::from(close_frame(&mut a).await.code), 1007);
}

/// Sends `n` probes back to back and reads their `n` answers: how many were rate-limited.
async fn burst(socket: &mut WsClient, n: u32) -> u32 {
    let probe = json!({"type": "leave-room", "roomId": uuid::Uuid::new_v4()}).to_string();
    for _ in 0..n {
        socket.send_text(&probe).await;
    }
    let mut limited = 0;
    for _ in 0..n {
        match socket.recv().await {
            ServerMsg::Error {
                code: ErrorCode::RateLimited,
                ..
            } => limited += 1,
            ServerMsg::Error {
                code: ErrorCode::NotInRoom,
                ..
            } => {}
            other => panic!("unexpected answer {other:?}"),
        }
    }
    limited
}

#[tokio::test]
async fn going_over_the_burst_now_and_then_is_refused_but_never_closes() {
    // A small burst, so a burst takes little time to serve and few tokens come back
    // meanwhile (the window and the maximum are the real ones).
    let burst_size = 20;
    let app = spawn_app_with(&["--ws-burst", &burst_size.to_string()]).await;
    let user = app.new_user("Ada").await;
    let mut a = app.ws(&user).await;
    // Nine over the burst every five seconds: at most two bursts (18 violations) fall in
    // any 10-second window, yet more than the maximum add up over the run (the count
    // that never decayed closed this client at its third burst).
    let mut limited = 0;
    for round in 0..5 {
        if round > 0 {
            // The client's own pace (the scenario), not a wait for the server.
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        limited += burst(&mut a, burst_size + 9).await;
    }
    assert!(
        limited > MAX_RATE_VIOLATIONS,
        "the run went over the rate {limited} times in all"
    );
    // Still open: one more frame is answered (refused or not, depending on the refill
    // since), not closed.
    burst(&mut a, 1).await;
}

#[tokio::test]
async fn sustained_flooding_closes_with_1008() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    let auth = format!("Bearer {}", user.token);
    let (socket, _) = tokio_tungstenite::connect_async(app.ws_request(&[("authorization", &auth)]))
        .await
        .unwrap();
    let (mut sink, mut stream) = socket.split();
    let probe = json!({"type": "leave-room", "roomId": uuid::Uuid::new_v4()}).to_string();
    // Two and a half times the sustained rate, for as long as the server keeps listening.
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let mut limited = 0;
    let flood = async {
        loop {
            tokio::select! {
                frame = stream.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        if text.contains("\"rate-limited\"") {
                            limited += 1;
                        }
                    }
                    Some(Ok(Message::Close(frame))) => break frame,
                    Some(Ok(_)) => {}
                    other => panic!("the socket ended without a close frame: {other:?}"),
                },
                _ = tick.tick() => {
                    // The server may close between ticks; the close frame is what counts.
                    let _ = sink.send(Message::text(probe.clone())).await;
                }
            }
        }
    };
    let close = tokio::time::timeout(WAIT, flood)
        .await
        .expect("closed within the wait")
        .expect("a close frame");
    assert_eq!(u16::from(close.code), 1008, "{close:?}");
    assert_eq!(limited, MAX_RATE_VIOLATIONS, "warned each time first");
}

#[tokio::test]
async fn fields_of_the_wrong_json_type_are_bad_message_and_the_connection_stays_usable() {
    let app = spawn_app().await;
    let (mut a, mut b, room, ..) = pair(&app, "game").await;
    let r = room.to_string();
    let cases = [
        json!({"type": "game-move", "roomId": r, "gameType": "tic-tac-toe", "moveData": [4]}),
        json!({"type": "offer", "roomId": r, "offer": ["offer", "v=0"]}),
        json!({"type": "answer", "roomId": r, "answer": ["answer", "v=0"]}),
        json!({"type": "ice-candidate", "roomId": r, "candidate": ["candidate:1"]}),
        json!({"type": "chat-message", "roomId": r, "message": ["hi"]}),
        json!({"type": "chat-message", "roomId": [r], "message": "hi"}),
        json!(["chat-message", r, "hi"]),
    ];
    for case in cases {
        a.send_text(&case.to_string()).await;
        match a.recv().await {
            ServerMsg::Error { code, .. } => assert_eq!(code, ErrorCode::BadMessage, "{case}"),
            other => panic!("{case} was taken: {other:?}"),
        }
    }
    // Nothing reached the other member, and the sender can still talk.
    b.expect_quiet().await;
    a.send_text(
        &json!({"type": "game-select", "roomId": r, "gameType": "tic-tac-toe"}).to_string(),
    )
    .await;
    assert!(matches!(b.recv().await, ServerMsg::GameSelect { .. }));
}

/// `method path` with the signed-in `user`: the status and the `Allow` header.
async fn method_answer(app: &TestApp, user: &TestUser, method: &str, path: &str) -> (u16, String) {
    let res = app
        .http
        .request(method.parse().unwrap(), format!("{}{path}", app.address))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    let allow = res
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let status = res.status().as_u16();
    if status == 405 {
        let body: duet_shared::api::ApiError = res.json().await.expect("a JSON error body");
        assert_eq!(body.error.code, "method-not-allowed");
    }
    (status, allow)
}

#[tokio::test]
async fn unsupported_methods_get_405_with_allow_not_404() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    let room = uuid::Uuid::new_v4();
    let cases = [
        ("DELETE", "/api/rooms".to_owned(), "GET, POST"),
        ("PUT", format!("/api/rooms/{room}"), "DELETE, GET"),
        ("GET", "/api/signup".to_owned(), "POST"),
        ("GET", "/api/signin".to_owned(), "POST"),
        ("GET", "/api/signout".to_owned(), "POST"),
        ("POST", "/api/profile".to_owned(), "GET"),
        ("GET", "/api/join-room".to_owned(), "POST"),
        ("POST", "/api/webrtc/ice".to_owned(), "GET"),
        ("POST", "/api/openapi.json".to_owned(), "GET"),
        ("POST", "/healthz".to_owned(), "GET"),
        ("POST", "/ws".to_owned(), "GET"),
    ];
    for (method, path, allow) in cases {
        let (status, got) = method_answer(&app, &user, method, &path).await;
        assert_eq!(status, 405, "{method} {path}");
        let mut got: Vec<&str> = got.split(',').map(str::trim).collect();
        got.sort_unstable();
        assert_eq!(got.join(", "), allow, "{method} {path}");
    }
    // Unknown paths stay 404.
    assert_eq!(method_answer(&app, &user, "GET", "/api/nope").await.0, 404);
}

#[tokio::test]
async fn a_plain_get_of_the_socket_is_a_json_400() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    let res = app.get("/ws", Some(&user.token)).await;
    assert_eq!(res.status(), 400);
    let body: duet_shared::api::ApiError = res.json().await.unwrap();
    assert_eq!(body.error.code, "bad-request");
}

#[tokio::test]
async fn the_room_list_refuses_an_empty_or_unknown_type_and_counts_q_as_sent() {
    let app = spawn_app().await;
    let user = app.new_user("Ada").await;
    for query in [
        "?type=",
        "?type=party",
        "?type=%20game",
        &format!("?q=%20{}", "x".repeat(80)),
    ] {
        let res = app
            .get(&format!("/api/rooms{query}"), Some(&user.token))
            .await;
        assert_eq!(res.status(), 400, "{query}");
        let body: duet_shared::api::ApiError = res.json().await.unwrap();
        assert_eq!(body.error.code, "invalid-input", "{query}");
    }
    for query in [
        "",
        "?type=game",
        &format!("?q={}", "x".repeat(80)),
        "?q=%20%20",
    ] {
        let res = app
            .get(&format!("/api/rooms{query}"), Some(&user.token))
            .await;
        assert_eq!(res.status(), 200, "{query}");
    }
}

#[tokio::test]
async fn names_are_measured_as_sent_and_may_not_hold_control_characters() {
    let app = spawn_app().await;
    let ada = app.new_user("Ada").await;
    let room = |name: String| json!({"name": name, "type": "game", "status": "public"});
    let too_long = format!(" {}", "x".repeat(80));
    for bad in [too_long, "a\u{85}b".to_owned(), "\u{3000}".to_owned()] {
        let res = app
            .post("/api/rooms", Some(&ada.token), room(bad.clone()))
            .await;
        assert_eq!(res.status(), 400, "{bad:?}");
    }
    let res = app
        .post("/api/rooms", Some(&ada.token), room(" Chess ".into()))
        .await;
    assert_eq!(res.status(), 201);
    let made: duet_shared::api::Room = res.json().await.unwrap();
    assert_eq!(made.name, "Chess");
    let res = app
        .signup("Bob", "bob@example.org", &"é".repeat(1024))
        .await;
    assert_eq!(res.status(), 201, "1024 characters of two bytes each");
    let res = app.signup("Cy", "cy@example.org", &"x".repeat(1025)).await;
    assert_eq!(res.status(), 400);
}
