//! Servers, credentials and clients for the tests. Everything listens on loopback.

pub use duet_turn::auth::unix_now as now;
use duet_turn::auth::{issue, password};
use duet_turn::{TurnConfig, TurnServer, TurnStats};
#[path = "../../examples/common/uclient_output.rs"]
mod uclient_output;
use std::future::Future;
use std::net::{SocketAddr, UdpSocket};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::{Child, Command};
use uclient_output::final_received;

pub const SECRET: &str = "duet-turn-test-secret";
pub const REALM: &str = "duet.test";
/// Upper bound for anything the tests wait for (a loaded 2-core machine can be slow).
pub const WAIT: Duration = Duration::from_secs(30);

/// A server on 127.0.0.1 (port picked by the system), changed by `tweak` first.
pub async fn start(tweak: impl FnOnce(&mut TurnConfig)) -> TurnServer {
    let mut config = TurnConfig::new("127.0.0.1".parse().unwrap(), SECRET.to_owned().into());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.realm = REALM.to_owned();
    // Away from the 49152+ range coturn tests elsewhere use; busy ports are skipped anyway.
    config.relay_ports = 45000..=47999;
    tweak(&mut config);
    TurnServer::start(config).await.expect("server starts")
}

/// Valid credentials for `user` for the next ten minutes.
pub fn credentials(user: &str) -> (String, String) {
    let issued = issue(SECRET.as_bytes(), user, Duration::from_secs(600), now());
    (issued.username, issued.password)
}

/// Credentials the server must refuse, by name: expired (at `expiry`), forged, malformed.
pub fn bad_credentials(expiry: u64) -> [(&'static str, String, String); 3] {
    let expired = format!("{expiry}:ada");
    let (valid, _) = credentials("ada");
    [
        (
            "expired",
            expired.clone(),
            password(SECRET.as_bytes(), &expired),
        ),
        ("forged", valid.clone(), password(b"not-the-secret", &valid)),
        (
            "malformed",
            "ada".to_owned(),
            password(SECRET.as_bytes(), "ada"),
        ),
    ]
}

/// Polls `check` until it holds, failing the test after [`WAIT`].
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the server's counters satisfy `check`.
pub async fn wait_for_stats(server: &TurnServer, what: &str, check: impl Fn(&TurnStats) -> bool) {
    wait_until(what, || std::future::ready(check(&server.stats()))).await;
}

/// What one `turnutils_uclient` run did.
#[derive(Debug)]
pub struct Run {
    pub success: bool,
    /// The final `tot_recv_bytes` total: payload that came back through the relay.
    pub received: u64,
    pub output: String,
}

/// Runs `turnutils_uclient` against `server` with `args` before the server address.
pub async fn uclient(server: SocketAddr, username: &str, password: &str, args: &[&str]) -> Run {
    let port = server.port().to_string();
    let mut command = Command::new("turnutils_uclient");
    command
        .args([
            "-p", &port, "-u", username, "-w", password, "-n", "3", "-l", "100",
        ])
        .args(args)
        .arg(server.ip().to_string())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(WAIT, command.output())
        .await
        .expect("turnutils_uclient finishes in time")
        .expect("turnutils_uclient is installed (scripts/ensure-coturn.sh)");
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        success: out.status.success(),
        received: final_received(&output),
        output,
    }
}

#[test]
fn final_received_reads_the_last_total() {
    let log = "1: tot_send_bytes ~ 0, tot_recv_bytes ~ 0\n\
               5: : start_mclient: tot_send_bytes ~ 1200, tot_recv_bytes ~ 1100\n";
    assert_eq!(final_received(log), 1100);
    assert_eq!(final_received("ERROR: Cannot complete Allocation"), 0);
}

/// `turnutils_peer` (a UDP echo) on another loopback address than the relays', so that it
/// counts as a private peer rather than as one of the server's own relays.
pub struct Peer {
    _child: Child,
    pub addr: SocketAddr,
}

pub async fn echo_peer() -> Peer {
    let ip = "127.0.0.2";
    let port = UdpSocket::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("turnutils_peer")
        .args(["-L", ip, "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("turnutils_peer is installed (scripts/ensure-coturn.sh)");
    let addr: SocketAddr = (ip.parse::<std::net::IpAddr>().unwrap(), port).into();
    // Ready once it echoes.
    let probe = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    wait_until("turnutils_peer to echo", || async {
        probe.send_to(b"ping", addr).await.unwrap();
        let mut buf = [0u8; 16];
        matches!(
            tokio::time::timeout(Duration::from_millis(100), probe.recv_from(&mut buf)).await,
            Ok(Ok((4, _)))
        )
    })
    .await;
    Peer {
        _child: child,
        addr,
    }
}
