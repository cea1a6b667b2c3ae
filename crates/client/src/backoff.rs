//! The reconnect schedule, the web app's (`frontend/src/call/machine.rs`): exponential
//! backoff from 0.5 s doubling to 10 s, with "equal jitter" (half of each wait fixed, half
//! random) so clients cut off together by a server restart do not return together.

use std::time::Duration;

/// The first wait's ceiling.
pub const FIRST_DELAY: Duration = Duration::from_millis(500);
/// No wait is longer than this.
pub const MAX_DELAY: Duration = Duration::from_secs(10);

/// The wait before reconnect attempt `attempt` (from 1), given `random` in `[0, 1]`.
///
/// ```
/// use duet_client::backoff::reconnect_delay;
/// use std::time::Duration;
/// assert_eq!(reconnect_delay(1, 0.0), Duration::from_millis(250));
/// assert_eq!(reconnect_delay(1, 1.0), Duration::from_millis(500));
/// assert_eq!(reconnect_delay(9, 1.0), Duration::from_secs(10));
/// ```
pub fn reconnect_delay(attempt: u32, random: f64) -> Duration {
    let ceiling = FIRST_DELAY
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(8)))
        .min(MAX_DELAY);
    let half = ceiling / 2;
    half + half.mul_f64(random.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_half_a_second_to_ten() {
        let ceilings: Vec<u128> = (1..=7)
            .map(|a| reconnect_delay(a, 1.0).as_millis())
            .collect();
        assert_eq!(ceilings, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
        assert_eq!(reconnect_delay(u32::MAX, 1.0), MAX_DELAY);
    }

    #[test]
    fn half_of_each_wait_is_random() {
        for attempt in 1..=6 {
            let low = reconnect_delay(attempt, 0.0);
            let high = reconnect_delay(attempt, 1.0);
            assert_eq!(low * 2, high, "attempt {attempt}");
            let mid = reconnect_delay(attempt, 0.5);
            assert!(low < mid && mid < high);
        }
        // Out-of-range randomness is clamped, never a longer wait.
        assert_eq!(reconnect_delay(1, 7.0), reconnect_delay(1, 1.0));
    }
}
