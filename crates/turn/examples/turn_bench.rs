//! The TURN relay benchmark (`scripts/bench-turn.sh`): the embedded server (the
//! `turn_bench_server` example, built beside this one) against coturn on this machine, same
//! load, one run. Both listen on loopback and `turnutils_uclient` (coturn's load client) drives
//! identical UDP traffic through each, both at the same time so that other load on the machine
//! hits them alike. Two kinds of traffic:
//! - relay: client pairs talking through two relays of the same server (`-y`), as when both
//!   callers must relay; the embedded server hands these datagrams between its relays in memory;
//! - peer: clients talking to an echo peer outside the server (`-e`, `turnutils_peer` on
//!   127.0.0.2), as when one caller relays to the other's own address.
//!
//! Prints relayed bytes, throughput, each server's CPU seconds (from `/proc/<pid>/stat`) and the
//! ratio of throughput per CPU second, embedded ÷ coturn (goal ≥ 1). The load is paced, so
//! throughput is the same for both when neither loses datagrams: CPU is what differs.
//!
//! `turn_bench [--rounds 2] [--sessions 20] [--messages 3000] [--size 1000] [--interval-ms 1]`
//! (interval 0: as fast as the client can, which overloads a 2-core machine and mostly
//! measures losses). Exit status 2 when a server does not start or a load run fails.

#[path = "common/uclient_output.rs"]
mod uclient_output;

use duet_turn::auth;
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use uclient_output::final_received;

type Error = Box<dyn std::error::Error>;

const REALM: &str = "duet.bench";
const HOST: Ipv4Addr = Ipv4Addr::LOCALHOST;
/// The echo peers' address: loopback, but not the relays' own.
const PEER_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const SERVERS: [Server; 2] = [Server::Embedded, Server::Coturn];
const KINDS: [Kind; 2] = [Kind::Relay, Kind::Peer];

/// The load, from the command line.
struct Load {
    rounds: u32,
    sessions: u32,
    messages: u32,
    size: u32,
    interval_ms: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Server {
    Embedded,
    Coturn,
}

#[derive(Clone, Copy)]
enum Kind {
    Relay,
    Peer,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Server::Embedded => "embedded",
            Server::Coturn => "coturn",
        }
    }
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Relay => "relay",
            Kind::Peer => "peer",
        }
    }
}

/// A running server under test, with its echo peer.
struct Target {
    child: Child,
    port: u16,
    peer_port: u16,
    _peer: Child,
}

/// Totals for one kind of traffic through one server.
#[derive(Default, Clone, Copy)]
struct Totals {
    bytes: u64,
    ticks: u64,
    wall: f64,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-turn: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let number = |name: &str, default: u32| -> Result<u32, Error> {
        match args.iter().position(|a| a == name) {
            Some(i) => Ok(args
                .get(i + 1)
                .ok_or(format!("{name} needs a value"))?
                .parse()?),
            None => Ok(default),
        }
    };
    let load = Load {
        rounds: number("--rounds", 2)?,
        sessions: number("--sessions", 20)?,
        messages: number("--messages", 3000)?,
        size: number("--size", 1000)?,
        interval_ms: number("--interval-ms", 1)?,
    };
    let secret = format!("bench-turn-{:016x}", rand::random::<u64>());
    let issued = auth::issue(
        secret.as_bytes(),
        "bench",
        Duration::from_secs(3600),
        auth::unix_now(),
    );
    let tmp = std::env::temp_dir().join(format!("duet-bench-turn-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let result = bench(&load, &secret, &issued, &tmp).await;
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

async fn bench(
    load: &Load,
    secret: &str,
    creds: &auth::Credentials,
    tmp: &Path,
) -> Result<(), Error> {
    let mut embedded = start_embedded(secret).await?;
    let coturn = start_coturn(secret, tmp)?;
    for target in [&embedded, &coturn] {
        warm_up(target, creds).await?;
    }
    let hz = clock_ticks().await?;
    println!(
        "bench-turn: {} rounds of {} sessions × {} messages of {} bytes every {} ms, both servers at once",
        load.rounds, load.sessions, load.messages, load.size, load.interval_ms
    );
    let mut totals = [[Totals::default(); 2]; 2];
    for round in 1..=load.rounds {
        for (k, kind) in KINDS.into_iter().enumerate() {
            let before = [cpu_ticks(&embedded.child)?, cpu_ticks(&coturn.child)?];
            let (a, b) = tokio::join!(
                traffic(load, &embedded, kind, creds),
                traffic(load, &coturn, kind, creds)
            );
            let runs = [a?, b?];
            let after = [cpu_ticks(&embedded.child)?, cpu_ticks(&coturn.child)?];
            let mut line = format!("  round {round} {}:", kind.name());
            for (s, server) in SERVERS.into_iter().enumerate() {
                let (bytes, wall) = runs[s];
                let used = after[s].saturating_sub(before[s]);
                let total = &mut totals[k][s];
                total.bytes += bytes;
                total.ticks += used;
                total.wall += wall;
                line.push_str(&format!(
                    "  {} {:.1} MB in {:.2} CPU s",
                    server.name(),
                    bytes as f64 / 1e6,
                    used as f64 / hz
                ));
            }
            println!("{line}");
        }
    }
    println!();
    println!(
        "{:<6} {:<9} {:>11} {:>7} {:>7} {:>7} {:>13}",
        "kind", "server", "MB relayed", "wall s", "MB/s", "CPU s", "MB per CPU s"
    );
    for (k, kind) in KINDS.into_iter().enumerate() {
        for (s, server) in SERVERS.into_iter().enumerate() {
            let t = totals[k][s];
            let mb = t.bytes as f64 / 1e6;
            let cpu = t.ticks as f64 / hz;
            println!(
                "{:<6} {:<9} {:>11.1} {:>7.1} {:>7.2} {:>7.2} {:>13.1}",
                kind.name(),
                server.name(),
                mb,
                t.wall,
                mb / t.wall,
                cpu,
                mb / cpu
            );
        }
    }
    println!();
    for (k, kind) in KINDS.into_iter().enumerate() {
        let [e, c] = totals[k];
        let per_tick = |t: Totals| t.bytes as f64 / t.ticks as f64;
        println!(
            "throughput per CPU second, embedded ÷ coturn, {:<5} {:.2} (goal ≥ 1.00)",
            format!("{}:", kind.name()),
            per_tick(e) / per_tick(c)
        );
    }
    // Closing its input stops the embedded server, which then prints its counters.
    drop(embedded.child.stdin.take());
    let out = embedded.child.wait_with_output().await?;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if line.starts_with("TurnStats") {
            println!("{line}");
        }
    }
    Ok(())
}

/// The `turn_bench_server` example built beside this one, on a port the system picks. Private
/// peers are allowed for the echo peer on 127.0.0.2, as coturn's `--allow-loopback-peers`.
async fn start_embedded(secret: &str) -> Result<Target, Error> {
    let exe = std::env::current_exe()?;
    let server = exe.with_file_name("turn_bench_server");
    let mut child = Command::new(&server)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--relay-ip",
            "127.0.0.1",
            "--ports",
            "40000-40999",
        ])
        .args([
            "--secret",
            secret,
            "--realm",
            REALM,
            "--allow-private-peers",
        ])
        .args([
            "--per-user",
            "100000",
            "--total",
            "100000",
            "--until-stdin-closes",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| {
            format!(
                "{}: {e} (build it: cargo build --release -p duet-turn --examples)",
                server.display()
            )
        })?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let announced = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .map_err(|_| "the embedded server did not start within 20 s")??
        .ok_or("the embedded server exited")?;
    let port = announced
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or(format!("the embedded server said {announced:?}"))?;
    // Give its remaining output (the counters at the end) back to `wait_with_output`.
    child.stdout = Some(lines.into_inner().into_inner());
    Target::with_peer(child, port)
}

/// coturn, configured alike: no TLS/DTLS/TCP/CLI, its default of one relay thread per CPU.
fn start_coturn(secret: &str, tmp: &Path) -> Result<Target, Error> {
    let port = free_port(IpAddr::V4(HOST))?;
    let path = |name: &str| -> PathBuf { tmp.join(name) };
    let child = Command::new("turnserver")
        .args(["-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1"])
        .arg(format!("--listening-port={port}"))
        .args(["--min-port=41000", "--max-port=41999", "--use-auth-secret"])
        .arg(format!("--static-auth-secret={secret}"))
        .arg(format!("--realm={REALM}"))
        .args([
            "--allow-loopback-peers",
            "--no-cli",
            "--no-tls",
            "--no-dtls",
            "--no-tcp",
        ])
        .arg(format!("--pidfile={}", path("turn.pid").display()))
        .arg(format!("--userdb={}", path("turndb").display()))
        .arg(format!("--log-file={}", path("coturn.log").display()))
        .args(["--no-stdout-log", "--simple-log"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("turnserver: {e} (scripts/ensure-coturn.sh installs it)"))?;
    Target::with_peer(child, port)
}

impl Target {
    /// The server `child` on `port`, given its own echo peer: `turnutils_peer` (a UDP echo) on
    /// [`PEER_IP`], one per server so neither waits on the other's.
    fn with_peer(child: Child, port: u16) -> Result<Target, Error> {
        let peer_port = free_port(IpAddr::V4(PEER_IP))?;
        let peer = Command::new("turnutils_peer")
            .args(["-L", &PEER_IP.to_string(), "-p", &peer_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        Ok(Target {
            child,
            port,
            peer_port,
            _peer: peer,
        })
    }
}

/// A UDP port nobody uses on `ip` right now.
fn free_port(ip: IpAddr) -> Result<u16, Error> {
    Ok(UdpSocket::bind((ip, 0))?.local_addr()?.port())
}

/// `turnutils_uclient` with the credentials and `args`, against `target`.
fn uclient(target: &Target, creds: &auth::Credentials, args: &[String]) -> Command {
    let mut command = Command::new("turnutils_uclient");
    command
        .args(args)
        .args([
            "-p",
            &target.port.to_string(),
            "-u",
            &creds.username,
            "-w",
            &creds.password,
        ])
        .arg(HOST.to_string())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// Waits until a server relays a few messages to its echo peer (coturn says nothing when it
/// listens).
async fn warm_up(target: &Target, creds: &auth::Credentials) -> Result<(), Error> {
    let args: Vec<String> = [
        "-c",
        "-m",
        "1",
        "-n",
        "3",
        "-l",
        "100",
        "-e",
        &PEER_IP.to_string(),
    ]
    .into_iter()
    .map(String::from)
    .chain(["-r".to_owned(), target.peer_port.to_string()])
    .collect();
    for _ in 0..100 {
        let run = tokio::time::timeout(
            Duration::from_secs(10),
            uclient(target, creds, &args).output(),
        )
        .await;
        if matches!(run, Ok(Ok(ref out)) if out.status.success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!("the server on port {} does not relay", target.port).into())
}

/// One load run of `kind` through `target`: the bytes that came back and the wall time.
async fn traffic(
    load: &Load,
    target: &Target,
    kind: Kind,
    creds: &auth::Credentials,
) -> Result<(u64, f64), Error> {
    let mut args: Vec<String> = vec!["-c".into()];
    for (flag, value) in [
        ("-m", load.sessions),
        ("-n", load.messages),
        ("-l", load.size),
        ("-z", load.interval_ms),
    ] {
        args.extend([flag.to_owned(), value.to_string()]);
    }
    match kind {
        Kind::Relay => args.push("-y".into()),
        Kind::Peer => args.extend([
            "-e".into(),
            PEER_IP.to_string(),
            "-r".into(),
            target.peer_port.to_string(),
        ]),
    }
    let started = Instant::now();
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        uclient(target, creds, &args).output(),
    )
    .await
    .map_err(|_| format!("a {} load run took over 120 s", kind.name()))??;
    let wall = started.elapsed().as_secs_f64();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        let tail: Vec<&str> = text.lines().rev().take(3).collect();
        return Err(format!("a {} load run failed: {}", kind.name(), tail.join(" | ")).into());
    }
    Ok((final_received(&text), wall))
}

/// CPU time (user + system, in clock ticks) a process has used so far.
fn cpu_ticks(child: &Child) -> Result<u64, Error> {
    let pid = child.id().ok_or("a server exited")?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start with the state, field 3.
    let rest = stat.rsplit_once(") ").ok_or("unreadable /proc stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| -> Result<u64, Error> {
        Ok(fields.get(n - 3).ok_or("short /proc stat")?.parse()?)
    };
    Ok(field(14)? + field(15)?)
}

/// Clock ticks per second (`getconf CLK_TCK`), the unit of `/proc/<pid>/stat` times.
async fn clock_ticks() -> Result<f64, Error> {
    let out = Command::new("getconf").arg("CLK_TCK").output().await?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}
