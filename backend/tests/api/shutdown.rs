//! The real `duet` binary stops cleanly on SIGTERM and tells connected clients to reconnect.

use crate::helpers::{WAIT, WsClient, spawn_process};
use std::process::Command;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn sigterm_closes_sockets_with_1012_and_exits_cleanly() {
    let mut server = spawn_process(&[]).await;
    let port = server.port;
    let http = reqwest::Client::new();
    let auth: duet_shared::api::AuthResponse = http
        .post(format!("http://127.0.0.1:{port}/api/signup"))
        .json(&serde_json::json!({"name": "Ada", "email": "ada@example.com", "password": "correct horse"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut req = format!("ws://127.0.0.1:{port}/ws")
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", auth.token).parse().unwrap(),
    );
    let mut ws = WsClient::connect(req).await;
    ws.expect_quiet().await;

    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(
        ws.closed_with().await,
        Some(1012),
        "clients are told the server is restarting"
    );

    let deadline = std::time::Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server exits within the deadline"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status:?}");
}
