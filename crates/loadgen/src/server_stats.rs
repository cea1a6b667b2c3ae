//! Memory and CPU time of a process, read from `/proc` (Linux).

use anyhow::Context;
use std::time::{Duration, Instant};

/// `/proc/<pid>/stat` counts CPU time in USER_HZ ticks, fixed at 100 per second by
/// the kernel's ABI on every architecture Linux reports it for.
const TICKS_PER_SECOND: f64 = 100.0;

/// Which process to read: another one by pid, or this one.
#[derive(Debug, Clone, Copy)]
pub enum Proc {
    /// A process by id.
    Pid(u32),
    /// The load generator itself.
    Myself,
}

/// One reading of a process.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Resident set size, in KiB.
    pub rss_kib: u64,
    /// Peak resident set size so far, in KiB.
    pub hwm_kib: u64,
    /// User plus system CPU time so far.
    pub cpu: Duration,
    /// When it was read.
    pub at: Instant,
}

impl Proc {
    fn dir(self) -> String {
        match self {
            Proc::Pid(pid) => format!("/proc/{pid}"),
            Proc::Myself => "/proc/self".to_owned(),
        }
    }

    /// Reads the process's memory and CPU time now.
    pub fn sample(self) -> anyhow::Result<Sample> {
        let dir = self.dir();
        let status = std::fs::read_to_string(format!("{dir}/status"))
            .with_context(|| format!("reading {dir}/status"))?;
        let stat = std::fs::read_to_string(format!("{dir}/stat"))
            .with_context(|| format!("reading {dir}/stat"))?;
        Ok(Sample {
            rss_kib: status_kib(&status, "VmRSS:").context("no VmRSS in status")?,
            hwm_kib: status_kib(&status, "VmHWM:").context("no VmHWM in status")?,
            cpu: cpu_time(&stat).context("malformed stat")?,
            at: Instant::now(),
        })
    }
}

impl Sample {
    /// Several processes' readings taken together: memory and CPU time summed, stamped
    /// with the last reading's time (they are taken microseconds apart). `None` if empty.
    pub fn sum(samples: &[Sample]) -> Option<Sample> {
        let at = samples.iter().map(|s| s.at).max()?;
        Some(Sample {
            rss_kib: samples.iter().map(|s| s.rss_kib).sum(),
            hwm_kib: samples.iter().map(|s| s.hwm_kib).sum(),
            cpu: samples.iter().map(|s| s.cpu).sum(),
            at,
        })
    }
}

/// A `Name:   123 kB` line of `/proc/<pid>/status`.
fn status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// utime + stime from `/proc/<pid>/stat` (fields 14 and 15). The command name in
/// field 2 may contain spaces and parentheses, so fields are counted after the last `)`.
fn cpu_time(stat: &str) -> Option<Duration> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')' the first field is the state (field 3): utime is field 14 → index 11.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_secs_f64(
        (utime + stime) as f64 / TICKS_PER_SECOND,
    ))
}

/// CPU time of the whole machine so far, every core together, from `/proc/stat`.
#[derive(Debug, Clone, Copy)]
pub struct MachineSample {
    /// Time the cores spent on any work.
    pub busy: Duration,
    /// When it was read.
    pub at: Instant,
}

impl MachineSample {
    /// Reads the machine's CPU counters now.
    pub fn now() -> anyhow::Result<MachineSample> {
        let stat = std::fs::read_to_string("/proc/stat").context("reading /proc/stat")?;
        Ok(MachineSample {
            busy: machine_busy(&stat).context("malformed /proc/stat")?,
            at: Instant::now(),
        })
    }
}

/// Busy time from the `cpu` line: everything but idle and iowait (guest time is
/// already inside user and nice).
fn machine_busy(stat: &str) -> Option<Duration> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    let total: u64 = ticks.iter().sum();
    let idle = ticks.get(3)? + ticks.get(4)?;
    Some(Duration::from_secs_f64(
        total.saturating_sub(idle) as f64 / TICKS_PER_SECOND,
    ))
}

/// Machine CPU busy between two samples, as a percentage of one core.
pub fn machine_percent(from: &MachineSample, to: &MachineSample) -> f64 {
    let wall = to.at.duration_since(from.at).as_secs_f64();
    if wall <= 0.0 {
        return 0.0;
    }
    100.0 * to.busy.saturating_sub(from.busy).as_secs_f64() / wall
}

/// CPU used between two samples, as a percentage of one core.
pub fn cpu_percent(from: &Sample, to: &Sample) -> f64 {
    let wall = to.at.duration_since(from.at).as_secs_f64();
    if wall <= 0.0 {
        return 0.0;
    }
    100.0 * to.cpu.saturating_sub(from.cpu).as_secs_f64() / wall
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rss_and_cpu_fields() {
        let status = "Name:\tduet\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n";
        assert_eq!(status_kib(status, "VmRSS:"), Some(1024));
        assert_eq!(status_kib(status, "VmHWM:"), Some(2048));
        let stat = "42 (a) b) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0";
        assert_eq!(cpu_time(stat), Some(Duration::from_secs(3)));
    }

    #[test]
    fn machine_busy_leaves_out_idle_and_iowait() {
        let stat = "cpu  100 20 30 400 50 5 5 10 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
        assert_eq!(machine_busy(stat), Some(Duration::from_secs_f64(1.7)));
    }

    #[test]
    fn sums_readings_of_several_processes() {
        let now = Instant::now();
        let later = now + Duration::from_millis(1);
        let a = Sample {
            rss_kib: 100,
            hwm_kib: 150,
            cpu: Duration::from_secs(1),
            at: now,
        };
        let b = Sample {
            rss_kib: 20,
            hwm_kib: 30,
            cpu: Duration::from_secs(2),
            at: later,
        };
        let sum = Sample::sum(&[a, b]).unwrap();
        assert_eq!((sum.rss_kib, sum.hwm_kib), (120, 180));
        assert_eq!((sum.cpu, sum.at), (Duration::from_secs(3), later));
        assert!(Sample::sum(&[]).is_none());
    }

    #[test]
    fn samples_this_process() {
        let s = Proc::Myself.sample().unwrap();
        assert!(s.rss_kib > 0 && s.hwm_kib >= s.rss_kib);
    }
}
