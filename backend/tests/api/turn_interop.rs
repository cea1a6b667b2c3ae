//! TURN credentials from `/api/webrtc/ice` work on a real coturn (Debian's package,
//! `use-auth-secret`), and forged or expired ones are refused at allocation.

use crate::helpers::{WAIT, spawn_app_with};
use duet_shared::api::IceConfig;
use std::process::{Child, Command, Stdio};

const SECRET: &str = "turn-interop-shared-secret";

struct Coturn {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free UDP and TCP port on loopback (bound then released).
fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_coturn() -> Coturn {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let child = Command::new("turnserver")
        .args(["-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1"])
        .arg(format!("--listening-port={port}"))
        .args(["--min-port=49400", "--max-port=49600", "--use-auth-secret"])
        .arg(format!("--static-auth-secret={SECRET}"))
        // Loopback peers are allowed in this test only: it is coturn's guard against
        // relaying into private networks, and everything here runs on 127.0.0.1.
        .args([
            "--realm=duet.test",
            "--allow-loopback-peers",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
        ])
        .arg(format!("--pidfile={}", path("turn.pid")))
        .arg(format!("--userdb={}", path("turndb")))
        .arg(format!("--log-file={}", path("turn.log")))
        .arg("--no-stdout-log")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("turnserver is installed (scripts/ensure-coturn.sh)");
    Coturn {
        child,
        port,
        _dir: dir,
    }
}

/// Allocates on coturn and relays a few packets with `turnutils_uclient`; true on success.
fn allocate(port: u16, username: &str, credential: &str) -> bool {
    let out = Command::new("timeout")
        .args([
            "20",
            "turnutils_uclient",
            "-p",
            &port.to_string(),
            "-u",
            username,
            "-w",
            credential,
        ])
        .args(["-n", "3", "-m", "1", "-y", "-l", "100", "127.0.0.1"])
        .output()
        .expect("turnutils_uclient is installed");
    // UDP on a loaded machine may lose a packet: any bytes back through the relay prove it.
    let log = String::from_utf8_lossy(&out.stdout);
    // The client prints running totals; the last one is the final count.
    const MARK: &str = "tot_recv_bytes ~ ";
    let received = log
        .rfind(MARK)
        .and_then(|at| {
            log[at + MARK.len()..]
                .split(|c: char| !c.is_ascii_digit())
                .next()
        })
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    out.status.success() && received > 0
}

#[tokio::test]
async fn coturn_accepts_our_credentials_and_refuses_forged_and_expired_ones() {
    let coturn = start_coturn();
    let url = format!("turn:127.0.0.1:{}?transport=udp", coturn.port);
    let app = spawn_app_with(&[
        "--turn-urls",
        &url,
        "--turn-secret",
        SECRET,
        "--turn-ttl",
        "10m",
    ])
    .await;
    let ada = app.new_user("Ada").await;
    let ice = app.ice(&ada.token).await;
    assert_eq!(ice.ttl, 600);
    let turn = ice
        .ice_servers
        .iter()
        .find(|s| s.urls == vec![url.clone()])
        .expect("a TURN entry");
    let (username, credential) = (
        turn.username.clone().unwrap(),
        turn.credential.clone().unwrap(),
    );
    assert!(username.ends_with(&format!(":{}", ada.id)), "{username}");

    // coturn needs a moment to listen: retry the valid allocation until it succeeds
    // (each try can take seconds on a loaded machine, hence the longer deadline).
    let port = coturn.port;
    let (u, c) = (username.clone(), credential.clone());
    let accepted = tokio::task::spawn_blocking(move || {
        let deadline = std::time::Instant::now() + 4 * WAIT;
        while std::time::Instant::now() < deadline {
            if allocate(port, &u, &c) {
                return true;
            }
        }
        false
    })
    .await
    .unwrap();
    assert!(
        accepted,
        "coturn relayed with the credentials Duet handed out"
    );

    let forged = duet_turn::auth::password(b"not-the-secret", &username);
    let expired_user = format!("{}:{}", 1_000_000_000, ada.id);
    let expired = duet_turn::auth::password(SECRET.as_bytes(), &expired_user);
    let refused = tokio::task::spawn_blocking(move || {
        (
            !allocate(port, &username, &forged),
            !allocate(port, &expired_user, &expired),
        )
    })
    .await
    .unwrap();
    assert_eq!(refused, (true, true), "(forged, expired) are refused");
}

#[tokio::test]
async fn turn_urls_without_a_secret_refuse_to_start() {
    use clap::Parser;
    let dir = tempfile::tempdir().unwrap();
    let config = duet_backend::config::Config::try_parse_from([
        "duet",
        "--port",
        "0",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--jwt-secret",
        crate::helpers::SECRET,
        "--turn-urls",
        "turn:127.0.0.1:3478",
    ])
    .unwrap();
    let err = duet_backend::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("TURN_SECRET"), "{err}");
}

#[tokio::test]
async fn with_turn_enabled_the_ice_endpoint_points_at_the_embedded_server_and_its_credentials_work()
{
    let app = spawn_app_with(&[
        "--turn",
        "--turn-listen",
        "127.0.0.1:0",
        "--turn-relay-ip",
        "127.0.0.1",
        "--turn-relay-ports",
        "48000-48999",
        // Both test clients relay on this machine; real deployments keep this off.
        "--turn-allow-private-peers",
    ])
    .await;
    let ada = app.new_user("Ada").await;
    let ice = app.ice(&ada.token).await;
    let stun = &ice.ice_servers[0].urls[0];
    assert!(stun.starts_with("stun:127.0.0.1:"), "{ice:?}");
    let turn = ice
        .ice_servers
        .iter()
        .find(|s| s.credential.is_some())
        .expect("a TURN entry");
    assert!(
        turn.urls.iter().any(|u| u.ends_with("?transport=tcp")),
        "{turn:?}"
    );
    let (port, username, credential, forged) = turn_entry(&ice);
    let (ok, refused) = tokio::task::spawn_blocking(move || {
        (
            allocate(port, &username, &credential),
            !allocate(port, &username, &forged),
        )
    })
    .await
    .unwrap();
    assert!(
        ok,
        "the embedded server relayed with the handed-out credentials"
    );
    assert!(refused, "a forged credential is refused");
}

/// The embedded server's UDP port, the handed-out username and credential, and a
/// credential for that username forged with the wrong secret.
fn turn_entry(ice: &IceConfig) -> (u16, String, String, String) {
    let turn = ice
        .ice_servers
        .iter()
        .find(|s| s.credential.is_some())
        .expect("a TURN entry");
    let udp = turn
        .urls
        .iter()
        .find(|u| u.ends_with("?transport=udp"))
        .expect("a UDP URL");
    let port = udp
        .trim_start_matches("turn:127.0.0.1:")
        .trim_end_matches("?transport=udp")
        .parse()
        .expect("a port");
    let username = turn.username.clone().expect("a username");
    let forged = duet_turn::auth::password(b"not-the-secret", &username);
    let credential = turn.credential.clone().expect("a credential");
    (port, username, credential, forged)
}

/// The value of the sample named exactly `key` (name and labels) in a metrics exposition.
fn sample(text: &str, key: &str) -> Option<f64> {
    text.lines()
        .filter_map(|line| line.split_once(' '))
        .find(|(name, _)| *name == key)
        .and_then(|(_, value)| value.trim().parse().ok())
}

#[tokio::test]
async fn embedded_turn_allocations_relayed_bytes_and_refusals_show_in_metrics() {
    let app = spawn_app_with(&[
        "--turn",
        "--turn-listen",
        "127.0.0.1:0",
        "--turn-relay-ip",
        "127.0.0.1",
        "--turn-relay-ports",
        "47000-47999",
        // The test client relays to itself on this machine; real deployments keep this off.
        "--turn-allow-private-peers",
        "--metrics-addr",
        "127.0.0.1:0",
    ])
    .await;
    let before = app.scrape_metrics().await;
    assert_eq!(
        sample(&before, "duet_turn_allocations_total"),
        Some(0.0),
        "{before}"
    );
    assert_eq!(
        sample(&before, "duet_turn_allocations_active"),
        Some(0.0),
        "{before}"
    );

    let ada = app.new_user("Ada").await;
    let ice = app.ice(&ada.token).await;
    let (port, username, credential, forged) = turn_entry(&ice);
    let (relayed, refused) = tokio::task::spawn_blocking(move || {
        // A datagram can be lost on a loaded machine: retry until one run relays.
        let deadline = std::time::Instant::now() + 4 * WAIT;
        let mut relayed = false;
        while !relayed && std::time::Instant::now() < deadline {
            relayed = allocate(port, &username, &credential);
        }
        (relayed, !allocate(port, &username, &forged))
    })
    .await
    .unwrap();
    assert!(
        relayed && refused,
        "(relayed, refused) = ({relayed}, {refused})"
    );

    let after = app.scrape_metrics().await;
    let value = |key: &str| sample(&after, key).unwrap_or_else(|| panic!("{key} in {after}"));
    assert!(value("duet_turn_allocations_total") >= 1.0, "{after}");
    let bytes = value("duet_turn_relayed_bytes_total{direction=\"to-peers\"}")
        + value("duet_turn_relayed_bytes_total{direction=\"from-peers\"}");
    assert!(bytes > 0.0, "{after}");
    assert!(
        value("duet_turn_refused_total{reason=\"auth\"}") >= 1.0,
        "{after}"
    );
    assert!(
        after.contains("# TYPE duet_turn_allocations_active gauge"),
        "{after}"
    );
}

#[tokio::test]
async fn without_the_embedded_turn_server_metrics_have_no_turn_families() {
    let app = spawn_app_with(&["--metrics-addr", "127.0.0.1:0"]).await;
    let text = reqwest::get(format!(
        "http://127.0.0.1:{}/metrics",
        app.metrics_port.unwrap()
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(text.contains("duet_ws_connections"), "{text}");
    assert!(!text.contains("duet_turn_"), "{text}");
}
