//! Command-line options, and the check that the target is this machine.

use crate::bench::BenchArgs;
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use reqwest::Url;
use std::net::IpAddr;
use std::time::Duration;

/// Opens N signed-in signaling clients in N/2 rooms against a Duet server (or several
/// instances of one) on this machine, makes each pair negotiate, chats at a set rate,
/// and reports throughput, relay latency and the servers' memory and CPU.
/// `duet-loadgen bench` starts the servers itself and compares one instance with two.
#[derive(Debug, Parser)]
#[command(name = "duet-loadgen", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// `bench`, or nothing for a run against servers started by hand.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// The load.
    #[command(flatten)]
    pub load: Args,
}

/// What to do besides a plain run.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start `duet` (one instance on SQLite, then two over Postgres and Redis), run the same
    /// load against each and print both reports and their comparison.
    Bench(BenchArgs),
}

/// The load: how many clients, how they behave, which servers to measure.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The server's base URL; only loopback addresses are accepted. Several (repeated or
    /// comma-separated) are instances of one deployment: client i connects to URL
    /// i mod n, so each room's two members are on different instances. Rooms are made
    /// through the first.
    #[arg(
        long = "url",
        value_name = "URL",
        value_delimiter = ',',
        default_value = "http://127.0.0.1:8080"
    )]
    pub urls: Vec<String>,

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

    /// Pause after every pair has negotiated before measuring memory in quiet calls: long
    /// enough for the server's allocator to give back what the burst of negotiations
    /// used (jemalloc returns freed pages after 10 s).
    #[arg(long, value_parser = parse_secs, default_value = "12")]
    pub quiet_secs: Duration,

    /// Longest wait for each phase (connecting, negotiating, draining the last chats).
    #[arg(long, value_parser = parse_secs, default_value = "60")]
    pub phase_timeout_secs: Duration,

    /// The server's process id, to read its RSS and CPU time from `/proc`; with several
    /// instances, one per instance (repeated or comma-separated): each is reported and
    /// the figures per connection come from their sum.
    #[arg(long = "server-pid", value_delimiter = ',')]
    pub server_pids: Vec<u32>,

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

    /// Also write the headline figures to this file, one `name value` per line, for
    /// scripts that compare runs.
    #[arg(long)]
    pub summary_file: Option<std::path::PathBuf>,
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
        let urls = self.base_urls()?;
        for (i, url) in urls.iter().enumerate() {
            if urls[..i].contains(url) {
                bail!("--url {url} is given twice: each instance once");
            }
        }
        Ok(())
    }

    /// The base URLs, each checked to point at a loopback address.
    pub fn base_urls(&self) -> anyhow::Result<Vec<Url>> {
        if self.urls.is_empty() {
            bail!("--url is required");
        }
        self.urls.iter().map(|u| base_url(u)).collect()
    }

    /// The signaling endpoints, `ws://host:port/ws`, in `--url` order.
    pub fn ws_urls(&self) -> anyhow::Result<Vec<String>> {
        self.base_urls()?
            .into_iter()
            .map(|mut url| {
                url.set_path("/ws");
                Ok(url.as_str().replacen("http://", "ws://", 1))
            })
            .collect()
    }
}

/// One `--url`, checked to be plain HTTP on a loopback address.
fn base_url(text: &str) -> anyhow::Result<Url> {
    let url = Url::parse(text).with_context(|| format!("--url {text:?}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &[&str]) -> Args {
        let secret = "s".repeat(32);
        let mut argv = vec!["duet-loadgen", "--jwt-secret", &secret];
        argv.extend_from_slice(extra);
        Cli::try_parse_from(argv).unwrap().load
    }

    #[test]
    fn one_url_by_default() {
        let args = parse(&[]);
        assert_eq!(args.ws_urls().unwrap(), ["ws://127.0.0.1:8080/ws"]);
        assert!(args.server_pids.is_empty());
    }

    #[test]
    fn urls_and_pids_may_be_repeated_or_comma_separated() {
        let args = parse(&[
            "--url",
            "http://127.0.0.1:1,http://127.0.0.1:2",
            "--url",
            "http://localhost:3",
            "--server-pid",
            "10,11",
            "--server-pid",
            "12",
        ]);
        assert_eq!(
            args.ws_urls().unwrap(),
            [
                "ws://127.0.0.1:1/ws",
                "ws://127.0.0.1:2/ws",
                "ws://localhost:3/ws"
            ]
        );
        assert_eq!(args.server_pids, [10, 11, 12]);
        args.validate().unwrap();
    }

    #[test]
    fn bench_takes_the_load_flags_after_it() {
        let cli = Cli::try_parse_from([
            "duet-loadgen",
            "bench",
            "--duet",
            "/opt/duet",
            "--one-instance",
            "--clients",
            "20",
        ])
        .unwrap();
        let Some(Command::Bench(bench)) = cli.command else {
            panic!("not a bench: {cli:?}");
        };
        assert_eq!(bench.duet, std::path::Path::new("/opt/duet"));
        assert!(bench.one_instance);
        assert_eq!(bench.load.clients, 20);
    }

    #[test]
    fn refuses_remote_and_repeated_urls() {
        for (urls, why) in [
            ("http://10.0.0.1:8080", "not loopback"),
            ("https://127.0.0.1:8080", "not plain HTTP"),
            (
                "http://127.0.0.1:1,http://127.0.0.1:1",
                "the same instance twice",
            ),
            ("", "empty"),
        ] {
            assert!(parse(&["--url", urls]).validate().is_err(), "{why}");
        }
    }
}
