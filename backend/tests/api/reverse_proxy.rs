//! Debian's nginx with Duet's own proxy rules (`deploy/duet-proxy.conf`, without TLS) in
//! front of the backend: sign-in, the lobby and a WebSocket join work through it, and a
//! forged `X-Forwarded-For` from the client does not change the rate-limit key.

use crate::helpers::{TestApp, WAIT, WsClient, spawn_app_with};
use duet_shared::ServerMsg;
use serde_json::json;
use std::process::{Child, Command, Stdio};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub struct Nginx {
    child: Child,
    /// Where it listens.
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx on a free port proxying to `backend`; it connects to the backend from
/// 127.0.0.3, the only address the backend trusts, while clients come from 127.0.0.1.
pub async fn start_nginx(backend: u16) -> Nginx {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/duet-proxy.conf");
    let d = dir.path().display();
    let conf = format!(
        // One process (no workers), so stopping the test's nginx leaves nothing behind.
        "master_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n\
         access_log off;\nclient_body_temp_path {d};\nproxy_temp_path {d};\n\
         upstream duet {{ server 127.0.0.1:{backend}; }}\n\
         server {{ listen 127.0.0.1:{port}; proxy_bind 127.0.0.3; include {rules}; }}\n}}\n"
    );
    std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
    let child = Command::new("nginx")
        .args([
            "-p",
            &d.to_string(),
            "-c",
            "nginx.conf",
            "-g",
            "daemon off;",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx is installed (scripts/ensure-nginx.sh)");
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(tokio::time::Instant::now() < deadline, "nginx listens");
        tokio::task::yield_now().await;
    }
    Nginx {
        child,
        port,
        _dir: dir,
    }
}

#[tokio::test]
async fn signin_lobby_and_signaling_work_through_nginx_and_forged_forwarding_is_ignored() {
    let app = spawn_app_with(&["--trusted-proxies", "127.0.0.3"]).await;
    let nginx = start_nginx(app.port).await;
    let base = format!("http://127.0.0.1:{}", nginx.port);
    let proxied = TestApp::at(nginx.port);
    let ada = proxied.new_user("Ada").await;
    let signin = proxied
        .post(
            "/api/signin",
            None,
            json!({"email": ada.email, "password": ada.password}),
        )
        .await;
    assert_eq!(signin.status(), 200);
    let room = proxied.create_room(&ada, "Proxied", "game", "public").await;
    let lobby = proxied.list_rooms(&ada, "").await;
    assert_eq!(
        lobby.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![room.id]
    );

    // A browser on the proxy's origin, authenticated by its cookie.
    let mut req = format!("ws://127.0.0.1:{}/ws", nginx.port)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "cookie",
        format!("duet_session={}", ada.token).parse().unwrap(),
    );
    req.headers_mut().insert("origin", base.parse().unwrap());
    let mut ws = WsClient::connect(req).await;
    ws.join(room.id).await;
    assert!(matches!(ws.recv().await, ServerMsg::PlayerAssign { .. }));

    // Forged X-Forwarded-For values do not buy fresh sign-in budgets: with the sign-in
    // above, four more attempts use up this address's five.
    let forged_signin = |forged: String| {
        proxied
            .http
            .post(format!("{base}/api/signin"))
            .header("x-forwarded-for", forged)
            .json(&json!({"email": ada.email, "password": "wrong guess"}))
            .send()
    };
    for i in 0..4 {
        let res = forged_signin(format!("198.51.100.{i}")).await.unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = forged_signin("198.51.100.200".into()).await.unwrap();
    assert_eq!(
        res.status(),
        429,
        "the key is the real client address, not the forged one"
    );
}
