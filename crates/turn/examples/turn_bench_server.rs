//! The embedded TURN server on its own, for `scripts/bench-turn.sh` and manual tries.
//!
//! `turn_bench_server --listen 127.0.0.1:3478 --relay-ip 127.0.0.1 --ports 49152-65535
//!  --secret S [--realm duet] [--allow-private-peers] [--per-user N] [--total N]
//!  [--until-stdin-closes]`
//!
//! Prints `listening <addr>` once ready, runs until SIGINT/SIGTERM (or, with
//! `--until-stdin-closes`, until its standard input closes: how `turn_bench` stops it), then
//! prints its counters.
//! Logs go to stderr (`RUST_LOG`, default `warn`).

use duet_turn::{TurnConfig, TurnServer};
use std::net::{IpAddr, SocketAddr};
use tokio::signal::unix::{SignalKind, signal};

fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

// The server runs on its own thread; this runtime only waits for a signal.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().collect();
    let relay_ip: IpAddr = arg(&args, "--relay-ip").unwrap_or("127.0.0.1").parse()?;
    let secret = arg(&args, "--secret").ok_or("--secret is required")?;
    let mut config = TurnConfig::new(relay_ip, secret.to_owned().into());
    config.listen = arg(&args, "--listen")
        .unwrap_or("127.0.0.1:3478")
        .parse::<SocketAddr>()?;
    if let Some((min, max)) = arg(&args, "--ports").and_then(|p| p.split_once('-')) {
        config.relay_ports = min.parse()?..=max.parse()?;
    }
    if let Some(realm) = arg(&args, "--realm") {
        config.realm = realm.to_owned();
    }
    if let Some(n) = arg(&args, "--per-user") {
        config.max_allocations_per_user = n.parse()?;
    }
    if let Some(n) = arg(&args, "--total") {
        config.max_allocations = n.parse()?;
    }
    config.allow_private_peers = args.iter().any(|a| a == "--allow-private-peers");

    let server = TurnServer::start(config).await?;
    println!("listening {}", server.local_addr());
    let (mut term, mut int) = (
        signal(SignalKind::terminate())?,
        signal(SignalKind::interrupt())?,
    );
    // Without the flag the sender stays here until the end, so `closed` never fires.
    let (closed_tx, closed) = tokio::sync::oneshot::channel::<()>();
    let mut closed_tx = Some(closed_tx);
    if args.iter().any(|a| a == "--until-stdin-closes") {
        let tx = closed_tx.take();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            tx.map(|tx| tx.send(()));
        });
    }
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
        _ = closed => {}
    }
    let stats = server.stats();
    server.stop().await;
    println!("{stats:?}");
    Ok(())
}
