//! Structured logs from the real binary (`--log-format json`): every line is JSON, a
//! connection's lines carry its own `ws` span (never another connection's), requests
//! carry an id, and no token, password or SDP is ever written.

use crate::helpers::{TestApp, WAIT, sdp, spawn_process};
use crate::signaling::pair;
use duet_shared::protocol::{ClientMsg, SdpType, ServerMsg};
use serde_json::Value;

const SDP_MARKER: &str = "o=- 4611731400430051336 2 IN IP4 198.51.100.7";

#[tokio::test]
async fn json_logs_name_each_connection_and_request_and_leak_no_secrets() {
    let server = spawn_process(&["--log-format", "json"]).await;
    let app = TestApp::at(server.port);
    let (mut a, mut b, room, ada, bob) = pair(&app, "game").await;
    let offer = sdp(SdpType::Offer, &format!("v=0\r\n{SDP_MARKER}\r\n"));
    a.send(&ClientMsg::Offer {
        room_id: room,
        offer: offer.clone(),
    })
    .await;
    assert_eq!(
        b.recv().await,
        ServerMsg::Offer {
            room_id: room,
            offer
        }
    );
    // More connections than the server has worker threads, so some share one: an
    // entered span leaking across `.await` would show up as nesting.
    let mut more = Vec::new();
    for _ in 0..4 {
        let mut ws = app.ws(&ada).await;
        ws.expect_quiet().await;
        more.push(ws);
    }
    drop((a, b, more));

    // Every connection logs its end (at debug level, which the test process enables).
    let ended = |lines: &[String]| {
        lines
            .iter()
            .filter(|l| l.contains("\"message\":\"disconnected\""))
            .count()
    };
    let deadline = std::time::Instant::now() + WAIT;
    while ended(&server.log_lines()) < 6 {
        assert!(
            std::time::Instant::now() < deadline,
            "{:#?}",
            server.log_lines()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let lines = server.log_lines();
    let mut connections = std::collections::HashSet::new();
    let mut request_ids = 0;
    for line in &lines {
        let entry: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        for secret in [ada.token.as_str(), &bob.token, &ada.password, SDP_MARKER] {
            assert!(!line.contains(secret), "a secret in the log: {line}");
        }
        let spans = entry["spans"].as_array().cloned().unwrap_or_default();
        let ws: Vec<&Value> = spans.iter().filter(|s| s["name"] == "ws").collect();
        assert!(ws.len() <= 1, "connection spans nested: {line}");
        if entry["fields"]["message"] == "disconnected" {
            let span = ws.first().unwrap_or_else(|| panic!("no ws span: {line}"));
            let user = span["user"].as_str().unwrap_or_default();
            assert!(user == ada.id || user == bob.id, "{line}");
            connections.insert(span["conn"].to_string());
        }
        if spans.iter().any(|s| s["request_id"].is_string()) {
            request_ids += 1;
        }
    }
    assert_eq!(connections.len(), 6, "each connection names itself");
    assert!(request_ids > 0, "requests carry an id: {lines:#?}");
}
