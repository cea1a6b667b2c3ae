//! `duet-loadgen bench`: the whole signaling benchmark (docs/benchmarks.md). Starts the real
//! `duet` binary through the test kit and runs the same load twice:
//!
//! 1. one instance on a fresh SQLite file;
//! 2. two instances sharing a fresh Postgres database and Redis key prefix, the two members
//!    of every room on different instances, so every relay between them crosses Redis;
//!
//! then prints both reports and two ÷ one. Each run makes its rooms with one server process
//! and measures fresh ones: sign-up password hashing leaves tens of MiB of freed heap that new
//! connections would quietly reuse, hiding their real cost from the per-connection RSS figure.
//! Everything started (servers, the database, the Redis keys, files) is removed at the end,
//! after failures and Ctrl-C too.

use crate::args::Args;
use crate::report::Report;
use anyhow::{Context, bail};
use duet_testkit::{PostgresDatabase, Process, REDIS_URL, RedisNamespace, ServerCommand};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a server gets to close its sockets after SIGTERM (it allows them 10 s).
const STOP_GRACE: Duration = Duration::from_secs(15);

/// `duet-loadgen bench` options; every load flag applies to both runs.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// The `duet` binary to start (build it in release).
    #[arg(long, default_value = "target/release/duet")]
    pub duet: PathBuf,

    /// Only the single instance (no Postgres or Redis needed).
    #[arg(long)]
    pub one_instance: bool,

    /// The load, as for a run against a server started by hand (`--url` is ignored).
    #[command(flatten)]
    pub load: Args,
}

/// Runs the benchmark; the worse status of the runs: 0 clean, 1 errors were counted.
pub async fn run(bench: BenchArgs) -> anyhow::Result<u8> {
    let tmp = tempfile::tempdir().context("a temporary folder")?;
    let mut load = bench.load.clone();
    // A fresh secret shared with the servers, for the tokens the load generator mints.
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    load.jwt_secret = Some(secret.clone());
    let servers = Servers {
        duet: bench.duet.clone(),
        secret,
    };

    let sqlite = duet_testkit::sqlite_url(tmp.path());
    let one = interruptible(servers.measure(
        "one instance",
        "One instance (SQLite, in-memory hub)",
        &["--database-url", &sqlite],
        1,
        &load,
        &tmp.path().join("one-rooms.txt"),
    ))
    .await?;
    if bench.one_instance {
        return Ok(one.status);
    }

    let db = PostgresDatabase::create("duet_bench")
        .await
        .context("the two-instance run needs Postgres on 127.0.0.1 (scripts/ensure-postgres.sh)")?;
    let namespace = RedisNamespace::fresh("duet-bench");
    let shared = [
        "--database-url",
        db.url(),
        "--redis-url",
        REDIS_URL,
        "--redis-prefix",
        &namespace.prefix,
    ];
    println!();
    let two = interruptible(servers.measure(
        "two instances",
        "Two instances (Postgres, Redis hub; each room's members on different instances)",
        &shared,
        2,
        &load,
        &tmp.path().join("two-rooms.txt"),
    ))
    .await;
    // Cleaned up whatever happened; a failure to clean up is said, not fatal.
    if let Err(e) = db.drop().await {
        eprintln!("bench: could not drop the database: {e}");
    }
    if let Err(e) = namespace.clear(REDIS_URL).await {
        eprintln!("bench: could not remove the Redis keys: {e}");
    }
    let two = two?;
    println!();
    print!("{}", compare(&one.summary, &two.summary, &load));
    Ok(one.status.max(two.status))
}

/// `run` unless Ctrl-C comes first. Dropping it stops the servers it started (the kit kills
/// them on drop); the caller still removes the database and the Redis keys.
async fn interruptible<T>(run: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::select! {
        result = run => result,
        _ = tokio::signal::ctrl_c() => bail!("interrupted"),
    }
}

/// How to start each server of the benchmark.
struct Servers {
    duet: PathBuf,
    secret: String,
}

/// One measured run.
struct Run {
    status: u8,
    summary: BTreeMap<String, f64>,
}

impl Servers {
    /// One server with the benchmark's settings and `storage` flags. Limits are opened up so
    /// that they measure the server, not its abuse protections; the per-user cap stays at its
    /// default.
    async fn start(&self, storage: &[&str]) -> anyhow::Result<Process> {
        let server = ServerCommand::new(&self.duet)
            .args(["--jwt-secret", &self.secret])
            .args(["--auth-rate-per-minute", "100000"])
            .args(["--max-connections-per-address", "1000000"])
            .args(["--max-connections-per-user", "8"])
            .args(["--client-timeout", "60s", "--log-format", "json"])
            .args(storage.iter().copied())
            .spawn()
            .await?;
        Ok(server)
    }

    /// Makes the rooms with one process, then measures `instances` fresh ones.
    async fn measure(
        &self,
        what: &str,
        title: &str,
        storage: &[&str],
        instances: usize,
        load: &Args,
        rooms_file: &Path,
    ) -> anyhow::Result<Run> {
        let setup = self.start(storage).await?;
        let mut args = load.clone();
        args.urls = vec![setup.url()];
        args.rooms_file = Some(rooms_file.to_owned());
        args.setup_only = true;
        let made = crate::run(args.clone()).await;
        setup.stop(STOP_GRACE).await;
        made.context("setting up rooms")?;

        let mut started = Vec::new();
        for _ in 0..instances {
            started.push(self.start(storage).await?);
        }
        args.setup_only = false;
        args.urls = started.iter().map(Process::url).collect();
        args.server_pids = started.iter().map(Process::pid).collect();
        let at: Vec<String> = started
            .iter()
            .map(|s| format!("pid {} on :{}", s.pid(), s.port))
            .collect();
        eprintln!(
            "bench: {what}: duet ({}); {} clients, {:.0} s of chat",
            at.join(", "),
            load.clients,
            load.chat_secs.as_secs_f64()
        );
        println!("== {title} ==");
        let report = crate::run(args).await;
        let logs: Vec<String> = started.iter().flat_map(Process::log_lines).collect();
        for server in started {
            server.stop(STOP_GRACE).await;
        }
        let Some(report) = report? else {
            bail!("the load generator made no report");
        };
        print!("{}", report.render());
        println!("{}", log_notes(&logs));
        Ok(Run {
            status: u8::from(report.error_count() > 0),
            summary: parse_summary(&report),
        })
    }
}

/// The headline figures by name.
fn parse_summary(report: &Report) -> BTreeMap<String, f64> {
    report
        .summary()
        .lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(' ')?;
            Some((name.to_owned(), value.trim().parse().ok()?))
        })
        .collect()
}

/// Warnings and errors the load caused in the servers' JSON logs ("no built web app" is
/// expected: `--static-dir none`); the first few are shown on stderr.
fn log_notes(lines: &[String]) -> String {
    let notable: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(r#""level":"WARN""#) || l.contains(r#""level":"ERROR""#))
        .filter(|l| !l.contains("no built web app"))
        .collect();
    let errors = notable
        .iter()
        .filter(|l| l.contains(r#""level":"ERROR""#))
        .count();
    for line in notable.iter().take(5) {
        eprintln!("{line}");
    }
    format!(
        "  {:<22}{} warnings, {errors} errors",
        "server log",
        notable.len() - errors
    )
}

/// Two instances ÷ one, figure by figure.
fn compare(one: &BTreeMap<String, f64>, two: &BTreeMap<String, f64>, load: &Args) -> String {
    let rows: [(&str, &str, usize, &str); 9] = [
        ("relayed chat", "relayed_per_sec", 0, "/s"),
        ("relay latency p50", "latency_p50_ms", 2, " ms"),
        ("relay latency p99", "latency_p99_ms", 2, " ms"),
        ("relay latency max", "latency_max_ms", 2, " ms"),
        ("peer copies p99", "peer_latency_p99_ms", 2, " ms"),
        ("negotiation p50", "negotiation_p50_ms", 2, " ms"),
        (
            "RSS per idle conn",
            "rss_per_idle_conn_kib",
            1,
            " KiB, instances summed",
        ),
        (
            "RSS per conn in call",
            "rss_per_room_conn_kib",
            1,
            " KiB, instances summed",
        ),
        (
            "server CPU (chat)",
            "server_cpu_percent",
            0,
            "% of one core, summed",
        ),
    ];
    let mut out = format!(
        "Two instances ÷ one instance ({} clients, {:.0} s of chat each):\n",
        load.clients,
        load.chat_secs.as_secs_f64()
    );
    for (label, key, digits, unit) in rows {
        let (a, b) = (one.get(key), two.get(key));
        let ratio = match (a, b) {
            (Some(a), Some(b)) if *a != 0.0 => format!("{:6.2} ×", b / a),
            _ => "   n/a  ".to_owned(),
        };
        let show = |v: Option<&f64>| v.map_or("n/a".to_owned(), |v| format!("{v:.digits$}"));
        out.push_str(&format!(
            "  {label:<22} {ratio}  ({} → {}{unit})\n",
            show(a),
            show(b)
        ));
    }
    let int = |m: &BTreeMap<String, f64>, k: &str| m.get(k).copied().unwrap_or(0.0) as u64;
    out.push_str(&format!(
        "  {:<22} {} → {}; connections held {} → {}\n",
        "errors",
        int(one, "errors"),
        int(two, "errors"),
        int(one, "held"),
        int(two, "held")
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn figures(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn the_comparison_divides_two_by_one_and_says_what_is_missing() {
        let load = crate::args::Cli::try_parse_from(["duet-loadgen", "--clients", "4"])
            .unwrap()
            .load;
        let one = figures(&[
            ("relayed_per_sec", 2000.0),
            ("latency_p99_ms", 0.0),
            ("errors", 0.0),
            ("held", 4.0),
        ]);
        let two = figures(&[
            ("relayed_per_sec", 1000.0),
            ("latency_p99_ms", 3.0),
            ("errors", 2.0),
            ("held", 4.0),
        ]);
        let text = compare(&one, &two, &load);
        assert!(
            text.starts_with("Two instances ÷ one instance (4 clients, 10 s of chat each):\n"),
            "{text}"
        );
        assert!(
            text.contains("  relayed chat             0.50 ×  (2000 → 1000/s)\n"),
            "{text}"
        );
        assert!(
            text.contains("  relay latency p99         n/a    (0.00 → 3.00 ms)\n"),
            "{text}"
        );
        assert!(
            text.contains("  RSS per idle conn         n/a    (n/a → n/a KiB, instances summed)\n"),
            "{text}"
        );
        assert!(
            text.contains("  errors                 0 → 2; connections held 4 → 4\n"),
            "{text}"
        );
    }

    #[test]
    fn log_notes_count_warnings_and_errors_but_not_the_missing_web_app() {
        let lines: Vec<String> = [
            r#"{"level":"WARN","fields":{"message":"no built web app in none"}}"#,
            r#"{"level":"WARN","fields":{"message":"slow consumer"}}"#,
            r#"{"level":"ERROR","fields":{"message":"database"}}"#,
            r#"{"level":"INFO","fields":{"message":"Duet is listening"}}"#,
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            log_notes(&lines),
            "  server log            1 warnings, 1 errors"
        );
    }
}
