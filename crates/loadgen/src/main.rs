//! `duet-loadgen`: the signaling load benchmark's client side. Sets up rooms, opens N
//! signed-in WebSocket clients in bounded batches, walks them through hold → negotiate
//! → chat → drain → close, and prints the figures as ratios to the targets.
//!
//! `duet-loadgen bench` starts the servers itself (see `bench.rs`).
//!
//! Exit status: 0 for a clean run, 1 when any error was counted, 2 when the run could
//! not be carried out. Missing a speed target never fails it: targets are reported.

mod args;
mod bench;
mod client;
mod payload;
mod report;
mod server_stats;
mod setup;

use anyhow::Context;
use args::{Args, Cli, Command};
use clap::Parser;
use client::{Counters, Outcome, Phase, Shared};
use report::{Report, ServerReadings, Shape};
use server_stats::{MachineSample, Proc, Sample};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

/// A phase that makes no progress for this long is over, done or not.
const STALL: Duration = Duration::from_secs(10);
/// Waiting for the last chat deliveries after sending stops.
const DRAIN: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let threads = match &cli.command {
        Some(Command::Bench(bench)) => bench.load.threads,
        None => cli.load.threads,
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if threads > 0 {
        builder.worker_threads(threads);
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("duet-loadgen: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let status = match cli.command {
        Some(Command::Bench(bench)) => runtime.block_on(bench::run(bench)),
        None => runtime.block_on(run(cli.load)).map(|report| match report {
            None => 0,
            Some(report) => {
                print!("{}", report.render());
                u8::from(report.error_count() > 0)
            }
        }),
    };
    match status {
        Ok(status) => ExitCode::from(status),
        Err(e) => {
            eprintln!("duet-loadgen: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// One load run against the servers in `args` (validated here, as `bench` fills some in).
async fn run(args: Args) -> anyhow::Result<Option<Report>> {
    args.validate()?;
    let n = args.clients;
    let servers: Vec<Proc> = args.server_pids.iter().copied().map(Proc::Pid).collect();
    let ws_urls = args.ws_urls()?;
    // Rooms live in the database all instances share, so any instance can make them.
    let setup_url = args
        .base_urls()?
        .into_iter()
        .next()
        .context("no --url given")?;
    let threads = if args.threads > 0 {
        args.threads
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    };

    let setup_started = Instant::now();
    let rooms = match (&args.rooms_file, args.setup_only) {
        (Some(path), true) => {
            let rooms = setup::create_rooms(&setup_url, n / 2)
                .await
                .context("setting up rooms")?;
            setup::save_rooms(path, &rooms)?;
            progress(format_args!(
                "wrote {} room ids to {}",
                rooms.len(),
                path.display()
            ));
            return Ok(None);
        }
        (Some(path), false) => setup::load_rooms(path, n / 2)?,
        (None, _) => setup::create_rooms(&setup_url, n / 2)
            .await
            .context("setting up rooms")?,
    };
    let identities = setup::mint_identities(args.jwt_secret.as_deref().unwrap_or_default(), n)?;
    let setup_time = setup_started.elapsed();
    let before = sample(&servers)?;

    // Generous: each phase is bounded by its own timeout below; this only stops strays.
    let budget = args.phase_timeout_secs * 4 + args.chat_secs + args.join_ramp_secs;
    let shared = Arc::new(Shared {
        epoch: Instant::now(),
        ws_urls: ws_urls.clone(),
        clients: n,
        candidates: args.ice_candidates,
        chat_period: Duration::from_secs_f64(1.0 / args.chat_rate),
        join_ramp: args.join_ramp_secs,
        connect_gate: Semaphore::new(args.connect_parallelism),
        deadline: Instant::now()
            + budget
            + args.settle_secs
            + args.quiet_secs
            + Duration::from_secs(30),
        counters: Counters::default(),
    });
    let (phase_tx, phase_rx) = watch::channel(Phase::Hold);

    let connect_started = Instant::now();
    let mut tasks = JoinSet::new();
    for (i, identity) in identities.into_iter().enumerate() {
        let room = rooms[i / 2];
        tasks.spawn(client::run(
            i,
            room,
            identity,
            Arc::clone(&shared),
            phase_rx.clone(),
        ));
    }
    drop(phase_rx);
    let c = &shared.counters;
    wait_for("connecting", args.phase_timeout_secs, || {
        let done = load(&c.connected) + load(&c.connect_failed);
        (done, done >= n as u64)
    })
    .await;
    let connect_time = connect_started.elapsed();

    tokio::time::sleep(args.settle_secs).await;
    let idle = sample(&servers)?;

    phase_tx.send_replace(Phase::Negotiate {
        start: Instant::now(),
    });
    wait_for(
        "negotiating",
        args.join_ramp_secs + args.phase_timeout_secs,
        || {
            let live = load(&c.connected).saturating_sub(load(&c.dropped));
            let done = load(&c.negotiated);
            (done, done >= live)
        },
    )
    .await;
    tokio::time::sleep(args.quiet_secs).await;
    let in_rooms = sample(&servers)?;

    let start = Instant::now() + Duration::from_millis(100);
    let end = start + args.chat_secs;
    phase_tx.send_replace(Phase::Chat { start, end });
    tokio::time::sleep_until(start.into()).await;
    let chat_start = sample(&servers)?;
    let own_start = Proc::Myself.sample()?;
    let machine_start = MachineSample::now()?;
    progress(format_args!(
        "chatting for {:.0} s",
        args.chat_secs.as_secs_f64()
    ));
    tokio::time::sleep_until(end.into()).await;
    let chat_end = sample(&servers)?;
    let own_end = Proc::Myself.sample()?;
    let machine_end = MachineSample::now()?;

    phase_tx.send_replace(Phase::Drain);
    // Every line should come back twice (echo and peer) once sending has stopped.
    let drain = Instant::now();
    while drain.elapsed() < DRAIN && load(&c.chat_received) < 2 * load(&c.chat_sent) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    phase_tx.send_replace(Phase::Close);
    let (outcomes, unfinished) = collect(tasks, args.phase_timeout_secs).await;

    let shape = Shape {
        clients: n,
        instances: ws_urls.len(),
        chat_rate: args.chat_rate,
        chat_window: args.chat_secs,
        candidates: args.ice_candidates,
        threads,
    };
    let mut report = Report::from_outcomes(shape, &outcomes, unfinished)?;
    report.setup_time = setup_time;
    report.connect_time = connect_time;
    report.loadgen = Some((own_start, own_end));
    report.machine = Some((machine_start, machine_end));
    report.clean_baseline = args.rooms_file.is_some();
    let readings = before
        .into_iter()
        .zip(idle)
        .zip(in_rooms)
        .zip(chat_start)
        .zip(chat_end);
    report.servers = args
        .server_pids
        .iter()
        .copied()
        .zip(readings)
        .map(
            |(pid, ((((before, idle), in_rooms), chat_start), chat_end))| {
                let readings = ServerReadings {
                    before,
                    idle,
                    in_rooms,
                    chat_start,
                    chat_end,
                };
                (pid, readings)
            },
        )
        .collect();
    if let Some(path) = &args.summary_file {
        std::fs::write(path, report.summary())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(Some(report))
}

/// A reading of every server whose pid was given, in `--server-pid` order.
fn sample(servers: &[Proc]) -> anyhow::Result<Vec<Sample>> {
    servers
        .iter()
        .map(|p| p.sample().context("reading a server's /proc entry"))
        .collect()
}

fn load(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// Polls `check` (progress, done) until done, `limit` passes, or progress stalls.
async fn wait_for(what: &str, limit: Duration, mut check: impl FnMut() -> (u64, bool)) {
    let started = Instant::now();
    let mut last = (0, Instant::now());
    let mut last_print = Instant::now();
    loop {
        let (count, done) = check();
        if done {
            progress(format_args!(
                "{what}: {count} done in {:.1} s",
                started.elapsed().as_secs_f64()
            ));
            return;
        }
        if count != last.0 {
            last = (count, Instant::now());
        }
        if started.elapsed() >= limit || last.1.elapsed() >= STALL {
            progress(format_args!(
                "{what}: gave up at {count} after {:.1} s",
                started.elapsed().as_secs_f64()
            ));
            return;
        }
        if last_print.elapsed() >= Duration::from_secs(2) {
            progress(format_args!("{what}: {count}…"));
            last_print = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Joins every client within `limit`; the ones still running are aborted and counted.
async fn collect(mut tasks: JoinSet<Outcome>, limit: Duration) -> (Vec<Outcome>, u64) {
    let mut outcomes = Vec::with_capacity(tasks.len());
    let mut unfinished = 0;
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, tasks.join_next()).await {
            Ok(Some(Ok(outcome))) => outcomes.push(outcome),
            Ok(Some(Err(_))) => unfinished += 1,
            Ok(None) => break,
            Err(_) => {
                unfinished += tasks.len() as u64;
                tasks.abort_all();
                break;
            }
        }
    }
    (outcomes, unfinished)
}

fn progress(msg: std::fmt::Arguments<'_>) {
    eprintln!("duet-loadgen: {msg}");
}
