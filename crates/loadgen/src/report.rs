//! The figures of one run, and their print-out as ratios to the targets.

use crate::client::Outcome;
use crate::server_stats::{MachineSample, Sample, cpu_percent, machine_percent};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// Concurrent connections the server must hold with no errors.
pub const TARGET_CONNECTIONS: f64 = 10_000.0;
/// Relayed messages per second at which latency is judged.
pub const TARGET_RELAYED_PER_SEC: f64 = 20_000.0;
/// Ceiling on p99 relay latency, in milliseconds.
pub const TARGET_P99_MS: f64 = 20.0;
/// Ceiling on server memory per idle connection, in KiB.
pub const TARGET_RSS_PER_IDLE_CONN_KIB: f64 = 8.0;
/// Ceiling on server memory per connection in a quiet call, in KiB.
pub const TARGET_RSS_PER_CALL_CONN_KIB: f64 = 12.0;

/// How the run was shaped.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Clients.
    pub clients: usize,
    /// Server instances the clients are spread over.
    pub instances: usize,
    /// Chat lines per client per second.
    pub chat_rate: f64,
    /// Chat window.
    pub chat_window: Duration,
    /// ICE candidates per client.
    pub candidates: u32,
    /// Worker threads of the load generator.
    pub threads: usize,
}

/// Readings of the server's process at the run's milestones.
#[derive(Debug, Clone, Copy)]
pub struct ServerReadings {
    /// After setup, before any socket.
    pub before: Sample,
    /// Every client connected and silent.
    pub idle: Sample,
    /// Every pair negotiated, before chatting.
    pub in_rooms: Sample,
    /// When chatting began.
    pub chat_start: Sample,
    /// When chatting ended.
    pub chat_end: Sample,
}

impl ServerReadings {
    /// Several instances' readings summed, milestone by milestone; `None` if empty.
    pub fn sum(all: &[ServerReadings]) -> Option<ServerReadings> {
        let at = |pick: fn(&ServerReadings) -> Sample| {
            Sample::sum(&all.iter().map(pick).collect::<Vec<_>>())
        };
        Some(ServerReadings {
            before: at(|r| r.before)?,
            idle: at(|r| r.idle)?,
            in_rooms: at(|r| r.in_rooms)?,
            chat_start: at(|r| r.chat_start)?,
            chat_end: at(|r| r.chat_end)?,
        })
    }
}

/// Everything measured in one run.
#[derive(Debug)]
pub struct Report {
    /// The run's shape.
    pub shape: Shape,
    /// Setup (accounts, rooms, tokens).
    pub setup_time: Duration,
    /// From the first handshake to the last.
    pub connect_time: Duration,
    /// Each server process's readings with its pid, for the pids given.
    pub servers: Vec<(u32, ServerReadings)>,
    /// The server process made no rooms itself (its baseline is not inflated by the
    /// memory password hashing leaves behind for connections to reuse).
    pub clean_baseline: bool,
    /// The load generator's own readings at chat start and end.
    pub loadgen: Option<(Sample, Sample)>,
    /// The whole machine's CPU counters at chat start and end.
    pub machine: Option<(MachineSample, MachineSample)>,
    /// Sockets opened.
    pub connected: u64,
    /// Sockets still open when the run closed them.
    pub held: u64,
    /// Clients that completed negotiation.
    pub negotiated: u64,
    /// Both members in the room → negotiated, in microseconds.
    pub negotiation: Histogram<u64>,
    /// Chat lines sent.
    pub chat_sent: u64,
    /// Deliveries expected from them.
    pub chat_expected: u64,
    /// Deliveries received.
    pub chat_received: u64,
    /// Deliveries received inside the chat window.
    pub chat_received_in_window: u64,
    /// Every delivery's relay latency, in microseconds.
    pub latency: Histogram<u64>,
    /// The peer's deliveries only.
    pub peer_latency: Histogram<u64>,
    /// Errors by kind, deliveries that never came included.
    pub errors: BTreeMap<String, u64>,
}

fn histogram() -> anyhow::Result<Histogram<u64>> {
    // 1 µs to 10 min at 3 significant digits.
    Ok(Histogram::new_with_bounds(1, 600_000_000, 3)?)
}

impl Report {
    /// Folds the clients' outcomes into the run's figures.
    pub fn from_outcomes(
        shape: Shape,
        outcomes: &[Outcome],
        unfinished: u64,
    ) -> anyhow::Result<Report> {
        let mut r = Report {
            shape,
            setup_time: Duration::ZERO,
            connect_time: Duration::ZERO,
            servers: Vec::new(),
            clean_baseline: false,
            loadgen: None,
            machine: None,
            connected: 0,
            held: 0,
            negotiated: 0,
            negotiation: histogram()?,
            chat_sent: 0,
            chat_expected: 0,
            chat_received: 0,
            chat_received_in_window: 0,
            latency: histogram()?,
            peer_latency: histogram()?,
            errors: BTreeMap::new(),
        };
        for o in outcomes {
            r.connected += u64::from(o.connected);
            r.held += u64::from(o.held_to_end);
            r.negotiated += u64::from(o.negotiated);
            if let Some(d) = o.negotiation {
                r.negotiation.saturating_record(micros(d));
            }
            r.chat_sent += o.chat_sent;
            r.chat_expected += o.chat_expected;
            r.chat_received += o.chat_received;
            r.chat_received_in_window += o.chat_received_in_window;
            for &us in &o.latencies_us {
                r.latency.saturating_record(u64::from(us).max(1));
            }
            for &us in &o.peer_latencies_us {
                r.peer_latency.saturating_record(u64::from(us).max(1));
            }
            for e in &o.errors {
                *r.errors.entry(e.clone()).or_default() += 1;
            }
            if o.connected && !o.negotiated {
                *r.errors
                    .entry("negotiation incomplete".to_owned())
                    .or_default() += 1;
            }
        }
        if unfinished > 0 {
            r.errors
                .insert("client task did not finish".to_owned(), unfinished);
        }
        let missing = r.chat_expected.saturating_sub(r.chat_received);
        if missing > 0 {
            r.errors
                .insert("chat deliveries missing".to_owned(), missing);
        }
        Ok(r)
    }

    /// All errors, every kind together.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Relayed chat deliveries per second inside the chat window.
    pub fn relayed_per_sec(&self) -> f64 {
        self.chat_received_in_window as f64 / self.shape.chat_window.as_secs_f64().max(1e-9)
    }

    /// The server readings, summed over instances; `None` without `--server-pid`.
    pub fn server(&self) -> Option<ServerReadings> {
        let all: Vec<ServerReadings> = self.servers.iter().map(|&(_, r)| r).collect();
        ServerReadings::sum(&all)
    }

    /// Server RSS added per idle connection, in KiB (all instances together).
    pub fn rss_per_idle_conn_kib(&self) -> Option<f64> {
        let s = self.server()?;
        (self.connected > 0)
            .then(|| (s.idle.rss_kib as f64 - s.before.rss_kib as f64) / self.connected as f64)
    }

    /// Server RSS added per connection once every pair has negotiated and gone quiet, in KiB.
    pub fn rss_per_room_conn_kib(&self) -> Option<f64> {
        let s = self.server()?;
        (self.connected > 0)
            .then(|| (s.in_rooms.rss_kib as f64 - s.before.rss_kib as f64) / self.connected as f64)
    }

    /// The report for a person, ratios to the targets included.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let sh = &self.shape;
        let spread = if sh.instances > 1 {
            format!(
                " across {} instances (each room's two members on different ones)",
                sh.instances
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "Duet signaling load: {} clients in {} rooms{spread}, {} ICE candidates each, \
             chat {}/s per client for {:.0} s (load generator: {} threads, {} cores)",
            group(sh.clients as u64),
            group(sh.clients as u64 / 2),
            sh.candidates,
            sh.chat_rate,
            sh.chat_window.as_secs_f64(),
            sh.threads,
            cores(),
        );
        let setup = if self.clean_baseline {
            "rooms made beforehand by another server process".to_owned()
        } else {
            format!("{:.1} s (accounts, rooms)", self.setup_time.as_secs_f64())
        };
        let _ = writeln!(
            s,
            "  setup                 {setup}; all sockets open in {:.1} s",
            self.connect_time.as_secs_f64()
        );
        let _ = writeln!(
            s,
            "  connections held      {} of {} clients = {} × the 10,000 target",
            group(self.held),
            group(sh.clients as u64),
            ratio(self.held as f64 / TARGET_CONNECTIONS),
        );
        let errors = self.error_count();
        let _ = writeln!(s, "  errors                {}", group(errors));
        for (kind, n) in &self.errors {
            let _ = writeln!(s, "    {n:>8}  {kind}");
        }
        let _ = writeln!(
            s,
            "  negotiation           {} of {} clients; both in the room → offer/answer and all \
             candidates both ways: p50 {}, p99 {}",
            group(self.negotiated),
            group(self.connected),
            ms(self.negotiation.value_at_quantile(0.5)),
            ms(self.negotiation.value_at_quantile(0.99)),
        );
        let _ = writeln!(
            s,
            "  relayed chat          {}/s = {} × the 20,000/s target ({} sent, {} of {} deliveries received)",
            group(self.relayed_per_sec().round() as u64),
            ratio(self.relayed_per_sec() / TARGET_RELAYED_PER_SEC),
            group(self.chat_sent),
            group(self.chat_received),
            group(self.chat_expected),
        );
        let p99 = self.latency.value_at_quantile(0.99);
        let _ = writeln!(
            s,
            "  relay latency         p50 {}, p90 {}, p99 {} = {} × the 20 ms target, p99.9 {}, \
             max {} (send → receive, echoes and peers)",
            ms(self.latency.value_at_quantile(0.5)),
            ms(self.latency.value_at_quantile(0.9)),
            ms(p99),
            ratio(p99 as f64 / 1000.0 / TARGET_P99_MS),
            ms(self.latency.value_at_quantile(0.999)),
            ms(self.latency.max()),
        );
        let over = self
            .latency
            .count_between(TARGET_P99_MS as u64 * 1000, u64::MAX);
        let _ = writeln!(
            s,
            "    over 20 ms          {:.2}% of deliveries",
            100.0 * over as f64 / self.latency.len().max(1) as f64,
        );
        let _ = writeln!(
            s,
            "    peer copies only    p50 {}, p99 {}, max {}",
            ms(self.peer_latency.value_at_quantile(0.5)),
            ms(self.peer_latency.value_at_quantile(0.99)),
            ms(self.peer_latency.max()),
        );
        let label = match self.servers.len() {
            0 | 1 => "server RSS           ".to_owned(),
            n => format!("server RSS (sum of {n})"),
        };
        match (self.server(), self.rss_per_idle_conn_kib()) {
            (Some(sv), Some(per_conn)) => {
                let _ = writeln!(
                    s,
                    "  {label} {} before, {} with all idle → {:.1} KiB per idle connection \
                     = {} × the {TARGET_RSS_PER_IDLE_CONN_KIB} KiB target",
                    mib(sv.before.rss_kib),
                    mib(sv.idle.rss_kib),
                    per_conn,
                    ratio(per_conn / TARGET_RSS_PER_IDLE_CONN_KIB),
                );
                if !self.clean_baseline {
                    let _ = writeln!(
                        s,
                        "                        (baseline taken after sign-ups in the same process: \
                         per-connection figures may read low; use --rooms-file)"
                    );
                }
                let in_rooms = self.rss_per_room_conn_kib().unwrap_or(0.0);
                let _ = writeln!(
                    s,
                    "                        {} in quiet calls → {:.1} KiB per connection in a quiet call \
                     = {} × the {TARGET_RSS_PER_CALL_CONN_KIB} KiB target",
                    mib(sv.in_rooms.rss_kib),
                    in_rooms,
                    ratio(in_rooms / TARGET_RSS_PER_CALL_CONN_KIB),
                );
                let _ = writeln!(
                    s,
                    "                        {} after chat ({} peak)",
                    mib(sv.chat_end.rss_kib),
                    mib(sv.chat_end.hwm_kib),
                );
                let _ = writeln!(
                    s,
                    "  server CPU (chat)     {:.0}% of one core{} ({} cores = {}%)",
                    cpu_percent(&sv.chat_start, &sv.chat_end),
                    if self.servers.len() > 1 {
                        ", summed"
                    } else {
                        ""
                    },
                    cores(),
                    cores() * 100,
                );
                if self.servers.len() > 1 {
                    for (i, (pid, r)) in self.servers.iter().enumerate() {
                        let _ = writeln!(
                            s,
                            "    instance {} (pid {pid})  RSS {} before, {} idle, {} in quiet calls, \
                             {} after chat; CPU (chat) {:.0}% of one core",
                            i + 1,
                            mib(r.before.rss_kib),
                            mib(r.idle.rss_kib),
                            mib(r.in_rooms.rss_kib),
                            mib(r.chat_end.rss_kib),
                            cpu_percent(&r.chat_start, &r.chat_end),
                        );
                    }
                }
            }
            _ => {
                let _ = writeln!(s, "  server RSS/CPU        not measured (no --server-pid)");
            }
        }
        if let Some((from, to)) = self.loadgen {
            let _ = writeln!(
                s,
                "  loadgen CPU (chat)    {:.0}% of one core; loadgen RSS {}",
                cpu_percent(&from, &to),
                mib(to.rss_kib),
            );
        }
        if let (Some((m0, m1)), Some((l0, l1))) = (self.machine, self.loadgen) {
            let busy = machine_percent(&m0, &m1);
            let server = self
                .server()
                .map_or(0.0, |sv| cpu_percent(&sv.chat_start, &sv.chat_end));
            // Approximate: process and machine counters are sampled a moment apart.
            let others = (busy - server - cpu_percent(&l0, &l1)).max(0.0);
            let _ = writeln!(
                s,
                "  machine CPU (chat)    {busy:.0}% busy of {}%; other processes ≈ {others:.0}%{}",
                cores() * 100,
                if others > 25.0 {
                    " (the machine was shared: figures are pessimistic)"
                } else {
                    ""
                },
            );
        }
        s
    }
}

impl Report {
    /// The headline figures, one `name value` per line (milliseconds, KiB, percent of
    /// one core), for scripts that compare runs. Server figures only with `--server-pid`.
    pub fn summary(&self) -> String {
        let mut lines = vec![
            ("clients", self.shape.clients as f64),
            ("instances", self.shape.instances as f64),
            ("held", self.held as f64),
            ("errors", self.error_count() as f64),
            ("relayed_per_sec", self.relayed_per_sec()),
            (
                "latency_p50_ms",
                millis(self.latency.value_at_quantile(0.5)),
            ),
            (
                "latency_p99_ms",
                millis(self.latency.value_at_quantile(0.99)),
            ),
            ("latency_max_ms", millis(self.latency.max())),
            (
                "peer_latency_p99_ms",
                millis(self.peer_latency.value_at_quantile(0.99)),
            ),
            (
                "negotiation_p50_ms",
                millis(self.negotiation.value_at_quantile(0.5)),
            ),
        ];
        if let (Some(sv), Some(idle), Some(in_rooms)) = (
            self.server(),
            self.rss_per_idle_conn_kib(),
            self.rss_per_room_conn_kib(),
        ) {
            lines.push(("rss_per_idle_conn_kib", idle));
            lines.push(("rss_per_room_conn_kib", in_rooms));
            lines.push((
                "server_cpu_percent",
                cpu_percent(&sv.chat_start, &sv.chat_end),
            ));
        }
        if let Some((m0, m1)) = self.machine {
            lines.push(("machine_cpu_percent", machine_percent(&m0, &m1)));
        }
        lines
            .into_iter()
            .map(|(name, value)| format!("{name} {value:.3}\n"))
            .collect()
    }
}

fn millis(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// `x.xx`, to two significant places for small ratios.
fn ratio(r: f64) -> String {
    if r < 0.1 {
        format!("{r:.3}")
    } else {
        format!("{r:.2}")
    }
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// `12345` → `12,345`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(20_000), "20,000");
        assert_eq!(group(1_234_567), "1,234,567");
    }

    #[test]
    fn missing_deliveries_and_stalled_negotiations_count_as_errors() {
        let shape = Shape {
            clients: 2,
            instances: 1,
            chat_rate: 1.0,
            chat_window: Duration::from_secs(1),
            candidates: 12,
            threads: 1,
        };
        let ok = Outcome {
            connected: true,
            negotiated: true,
            held_to_end: true,
            chat_sent: 1,
            chat_expected: 2,
            chat_received: 1,
            chat_received_in_window: 1,
            latencies_us: vec![500],
            ..Outcome::default()
        };
        let stuck = Outcome {
            connected: true,
            ..Outcome::default()
        };
        let r = Report::from_outcomes(shape, &[ok, stuck], 0).unwrap();
        assert_eq!(r.errors.get("chat deliveries missing"), Some(&1));
        assert_eq!(r.errors.get("negotiation incomplete"), Some(&1));
        assert_eq!(r.error_count(), 2);
        assert!((r.relayed_per_sec() - 1.0).abs() < 1e-9);
        let summary = r.summary();
        assert!(summary.contains("errors 2.000\n"), "{summary}");
        assert!(summary.contains("relayed_per_sec 1.000\n"), "{summary}");
        assert!(!summary.contains("rss_"), "no server readings: {summary}");
    }
}
