//! The real `duet` binary stops cleanly on SIGTERM and tells connected clients to reconnect.

use crate::helpers::{WAIT, WsClient};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test]
async fn sigterm_closes_sockets_with_1012_and_exits_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_duet"))
        .args(["--port", "0", "--static-dir", "none", "--stun-urls", ""])
        .arg("--data-dir")
        .arg(data.path())
        .env("RUST_LOG", "info")
        .env("LOG_FORMAT", "text")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let port = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                let at = line.find("port=")?;
                line[at + 5..]
                    .split_whitespace()
                    .next()?
                    .parse::<u16>()
                    .ok()
            })
    })
    .await
    .unwrap()
    .expect("the server logs its port");

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

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(
        ws.closed_with().await,
        Some(1012),
        "clients are told the server is restarting"
    );

    let status = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return Some(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    })
    .await
    .unwrap()
    .expect("the server exits within the deadline");
    assert!(status.success(), "{status:?}");
}
