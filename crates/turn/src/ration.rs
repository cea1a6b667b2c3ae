//! A token bucket, for requests that cost the server memory before anyone is authenticated.

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// A token bucket: `burst` at once, then `per_second`.
#[derive(Debug)]
pub(crate) struct Ration {
    burst: f64,
    per_second: f64,
    state: Mutex<(f64, Instant)>,
}

impl Ration {
    pub(crate) fn new(burst: u32, per_second: u32) -> Self {
        Ration {
            burst: f64::from(burst),
            per_second: f64::from(per_second),
            state: Mutex::new((f64::from(burst), Instant::now())),
        }
    }

    pub(crate) fn allow(&self, now: Instant) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (tokens, last) = *state;
        let tokens = (tokens + now.saturating_duration_since(last).as_secs_f64() * self.per_second)
            .min(self.burst);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            true
        } else {
            *state = (tokens, now);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_ration_allows_a_burst_then_its_rate() {
        let ration = Ration::new(2, 10);
        let start = Instant::now();
        assert!(ration.allow(start) && ration.allow(start));
        assert!(!ration.allow(start));
        assert!(!ration.allow(start + Duration::from_millis(50)));
        assert!(ration.allow(start + Duration::from_millis(110)));
        assert!(!ration.allow(start + Duration::from_millis(110)));
    }
}
