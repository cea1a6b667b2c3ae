//! `duet-netdelay`: holds every packet that iptables sends to NFQUEUE `--queue` for
//! `--delay-ms`, then lets it through. This kernel has no `netem`; an NFQUEUE rule per
//! direction of a TCP port (see scripts/bench-setup.sh) turns this into a one-way delay.
//!
//! The nfq crate gives no file descriptor to poll, so the loop reads the queue without
//! blocking and sleeps until the next packet is due, at most `TICK`: a packet waits at
//! most `TICK` longer than the delay.

use clap::Parser;
use duet_setupbench::delay_line::DelayLine;
use nfq::{Queue, Verdict};
use std::io::ErrorKind;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// How long the loop sleeps at most between looks at the queue.
const TICK: Duration = Duration::from_micros(250);

/// Packets the kernel may hold for us before it lets new ones through undelayed.
const QUEUE_MAX_LEN: u32 = 65_536;

#[derive(Parser, Debug)]
#[command(about = "Delay every packet of an NFQUEUE by a fixed time")]
struct Args {
    /// The NFQUEUE number the iptables rules send packets to.
    #[arg(long)]
    queue: u16,
    /// The delay added to each packet, in milliseconds.
    #[arg(long)]
    delay_ms: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("duet-netdelay: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> std::io::Result<()> {
    let mut queue = Queue::open()?;
    queue.bind(args.queue)?;
    // Only the verdict matters: copy no payload. Fail open: a full queue passes packets
    // (undelayed) rather than dropping them.
    queue.set_copy_range(args.queue, 0)?;
    queue.set_fail_open(args.queue, true)?;
    queue.set_queue_max_len(args.queue, QUEUE_MAX_LEN)?;
    queue.set_nonblocking(true);
    let mut line = DelayLine::new(Duration::from_millis(args.delay_ms));
    // scripts/bench-setup.sh waits for this line before adding the rules.
    eprintln!(
        "duet-netdelay: queue {} ready, delay {} ms",
        args.queue, args.delay_ms
    );
    loop {
        loop {
            match queue.recv() {
                Ok(message) => line.hold(message, Instant::now()),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        let now = Instant::now();
        for mut message in line.release(now) {
            message.set_verdict(Verdict::Accept);
            queue.verdict(message)?;
        }
        let wait = line
            .next_due()
            .map_or(TICK, |due| due.saturating_duration_since(now).min(TICK));
        std::thread::sleep(wait);
    }
}
