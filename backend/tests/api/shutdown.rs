//! The real `duet` binary stops cleanly on SIGTERM and tells connected clients to reconnect.

use crate::helpers::{TestApp, WAIT, spawn_process};
use std::process::Command;

#[tokio::test]
async fn sigterm_closes_sockets_with_1012_and_exits_cleanly() {
    let mut server = spawn_process(&[]).await;
    let app = TestApp::at(server.port);
    let ada = app.new_user("Ada").await;
    let mut ws = app.ws(&ada).await;
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
