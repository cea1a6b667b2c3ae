//! Speed and time left of one transfer, from (time, bytes) samples.

use std::collections::VecDeque;
use std::time::Duration;

/// Samples older than this are dropped: the speed follows the last few seconds.
const WINDOW: Duration = Duration::from_secs(3);

/// Recent (time, bytes done) samples of one transfer.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    samples: VecDeque<(Duration, u64)>,
}

impl Progress {
    /// `done` bytes at `now`.
    pub fn record(&mut self, now: Duration, done: u64) {
        if self.samples.back().is_some_and(|&(_, d)| d > done) {
            // Went back (a resume from an earlier byte): start measuring again.
            self.samples.clear();
        }
        self.samples.push_back((now, done));
        while self
            .samples
            .front()
            .is_some_and(|&(t, _)| now.saturating_sub(t) > WINDOW)
            && self.samples.len() > 2
        {
            self.samples.pop_front();
        }
    }

    /// Forgets the samples (the transfer paused; speed is measured afresh).
    pub fn reset(&mut self) {
        self.samples.clear();
    }

    /// Bytes per second over the window, once two samples are apart in time.
    pub fn speed(&self) -> Option<u64> {
        let (&(t0, b0), &(t1, b1)) = (self.samples.front()?, self.samples.back()?);
        let ms = u64::try_from((t1.saturating_sub(t0)).as_millis()).ok()?;
        (ms > 0).then(|| (b1.saturating_sub(b0)).saturating_mul(1000) / ms)
    }

    /// Time left for `remaining` bytes at the current speed.
    pub fn left(&self, remaining: u64) -> Option<Duration> {
        let speed = self.speed().filter(|&s| s > 0)?;
        Some(Duration::from_millis(
            remaining.saturating_mul(1000) / speed,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn speed_and_time_left_follow_the_last_seconds() {
        let mut p = Progress::default();
        p.record(ms(0), 0);
        assert_eq!(p.speed(), None);
        p.record(ms(500), 1_000_000);
        assert_eq!(p.speed(), Some(2_000_000));
        assert_eq!(p.left(4_000_000), Some(ms(2_000)));
        // Slower later: old samples leave the window.
        for s in 1..=10 {
            p.record(ms(500 + s * 1_000), 1_000_000 + s * 100_000);
        }
        assert_eq!(p.speed(), Some(100_000));
        // A resume from an earlier byte starts over.
        p.record(ms(20_000), 10);
        assert_eq!(p.speed(), None);
        assert_eq!(p.left(5), None);
    }
}
