//! Which rate-limit violations count against a connection: only those in the last
//! [`RATE_VIOLATION_WINDOW`], so a client that goes over its burst now and then is told to
//! slow down but kept, and only sustained flooding closes the connection.

use duet_shared::limits::{MAX_RATE_VIOLATIONS, RATE_VIOLATION_WINDOW};
use std::collections::VecDeque;
use std::time::Instant;

/// What to do after a frame was over the rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Refuse the frame (`rate-limited`) and keep the connection.
    Warn,
    /// Too many violations within the window: close with 1008.
    Close,
}

/// The times of the recent violations, oldest first (at most `MAX_RATE_VIOLATIONS + 1`).
#[derive(Debug, Default)]
pub struct Violations {
    recent: VecDeque<Instant>,
}

impl Violations {
    /// Records a violation at `now` and judges the connection.
    pub fn record(&mut self, now: Instant) -> Verdict {
        while self
            .recent
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= RATE_VIOLATION_WINDOW)
        {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        if self.recent.len() > MAX_RATE_VIOLATIONS as usize {
            Verdict::Close
        } else {
            Verdict::Warn
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_flood_closes_once_the_window_holds_more_than_the_maximum() {
        let mut v = Violations::default();
        let start = Instant::now();
        for i in 0..MAX_RATE_VIOLATIONS {
            let at = start + Duration::from_millis(u64::from(i));
            assert_eq!(v.record(at), Verdict::Warn);
        }
        assert_eq!(v.record(start + Duration::from_millis(50)), Verdict::Close);
    }

    #[test]
    fn occasional_bursts_decay_and_never_close() {
        // Three over the burst once every four seconds, for ten minutes.
        let mut v = Violations::default();
        let start = Instant::now();
        for burst in 0..150u64 {
            for i in 0..3 {
                let at = start + Duration::from_secs(4 * burst) + Duration::from_millis(i);
                assert_eq!(v.record(at), Verdict::Warn, "burst {burst}");
            }
        }
        assert!(v.recent.len() <= MAX_RATE_VIOLATIONS as usize);
    }

    #[test]
    fn violations_spread_just_wider_than_the_window_are_forgiven() {
        let mut v = Violations::default();
        let start = Instant::now();
        let step = RATE_VIOLATION_WINDOW / MAX_RATE_VIOLATIONS;
        for i in 0..10 * MAX_RATE_VIOLATIONS {
            assert_eq!(v.record(start + step * i), Verdict::Warn, "violation {i}");
        }
    }
}
