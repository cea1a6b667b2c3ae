//! Command-line options, and the check that the target is this machine.

use anyhow::{Context, bail};
use clap::Parser;
use reqwest::Url;
use std::net::IpAddr;
use std::time::Duration;

/// Opens N signed-in signaling clients in N/2 rooms against a Duet server on this
/// machine, makes each pair negotiate, chats at a set rate, and reports throughput,
/// relay latency and the server's memory and CPU.
#[derive(Debug, Clone, Parser)]
#[command(name = "duet-loadgen", version)]
pub struct Args {
    /// The server's base URL; only loopback addresses are accepted.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,

    /// The server's `JWT_SECRET`, to mint tokens for the synthetic users.
    #[arg(long, env = "DUET_LOADGEN_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Clients to connect (an even number: two per room).
    #[arg(long, default_value_t = 1000)]
    pub clients: usize,

    /// WebSocket handshakes in flight at once.
    #[arg(long, default_value_t = 200)]
    pub connect_parallelism: usize,

    /// ICE candidates each client sends after its offer or answer.
    #[arg(long, default_value_t = 12)]
    pub ice_candidates: u32,

    /// Chat messages each client sends per second (the server allows 1/s per user).
    #[arg(long, default_value_t = 1.0)]
    pub chat_rate: f64,

    /// How long the clients chat.
    #[arg(long, value_parser = parse_secs, default_value = "10")]
    pub chat_secs: Duration,

    /// Joins are spread over this many seconds, as people do not all arrive at once.
    #[arg(long, value_parser = parse_secs, default_value = "2")]
    pub join_ramp_secs: Duration,

    /// Pause with every client connected and silent before measuring idle memory.
    #[arg(long, value_parser = parse_secs, default_value = "3")]
    pub settle_secs: Duration,

    /// Longest wait for each phase (connecting, negotiating, draining the last chats).
    #[arg(long, value_parser = parse_secs, default_value = "60")]
    pub phase_timeout_secs: Duration,

    /// The server's process id, to read its RSS and CPU time from `/proc`.
    #[arg(long)]
    pub server_pid: Option<u32>,

    /// Rooms to use, one id per line, as written by `--setup-only`. Without it the
    /// rooms are made first, in the same server process: its baseline memory then
    /// includes what password hashing left behind, which skews the per-connection RSS.
    #[arg(long)]
    pub rooms_file: Option<std::path::PathBuf>,

    /// Only sign up the owners and create the rooms, write their ids to `--rooms-file`,
    /// and exit (the benchmark script then restarts the server for a clean baseline).
    #[arg(long, requires = "rooms_file")]
    pub setup_only: bool,

    /// Worker threads of the load generator's runtime (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

fn parse_secs(s: &str) -> Result<Duration, String> {
    let secs: f64 = s.parse().map_err(|e| format!("{s:?}: {e}"))?;
    Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))
}

impl Args {
    /// Refuses settings that cannot produce a meaningful run.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.clients < 2 || !self.clients.is_multiple_of(2) {
            bail!("--clients must be an even number of at least 2");
        }
        if self.connect_parallelism == 0 {
            bail!("--connect-parallelism must be at least 1");
        }
        if !(self.chat_rate > 0.0 && self.chat_rate <= 1.0) {
            bail!("--chat-rate must be in (0, 1]: the server allows one chat per user per second");
        }
        if self.ice_candidates > duet_shared::limits::MAX_CANDIDATES_PER_NEGOTIATION {
            bail!("--ice-candidates exceeds the server's per-negotiation limit");
        }
        if !self.setup_only && self.jwt_secret.as_ref().is_none_or(|s| s.len() < 32) {
            bail!("--jwt-secret must be the server's secret (at least 32 characters)");
        }
        self.base_url().map(|_| ())
    }

    /// The base URL, checked to point at a loopback address.
    pub fn base_url(&self) -> anyhow::Result<Url> {
        let url = Url::parse(&self.url).with_context(|| format!("--url {:?}", self.url))?;
        if url.scheme() != "http" {
            bail!("--url must be http:// (the load generator speaks plain HTTP on loopback)");
        }
        let host = url.host_str().unwrap_or_default();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let loopback = host.eq_ignore_ascii_case("localhost")
            || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            bail!("--url must be a loopback address (127.0.0.0/8, [::1] or localhost)");
        }
        Ok(url)
    }

    /// The signaling endpoint, `ws://host:port/ws`.
    pub fn ws_url(&self) -> anyhow::Result<String> {
        let mut url = self.base_url()?;
        url.set_path("/ws");
        let text = url.as_str().replacen("http://", "ws://", 1);
        Ok(text)
    }
}
