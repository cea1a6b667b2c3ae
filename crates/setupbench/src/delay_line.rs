//! Holding items for a fixed time. With one delay for every item, the item that came
//! first is always due first, so a FIFO is the whole schedule.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Items held for `delay` each, released in the order they came.
#[derive(Debug)]
pub struct DelayLine<T> {
    delay: Duration,
    held: VecDeque<(Instant, T)>,
}

impl<T> DelayLine<T> {
    /// An empty line that holds every item for `delay`.
    pub fn new(delay: Duration) -> Self {
        Self {
            delay,
            held: VecDeque::new(),
        }
    }

    /// Takes `item`, which arrived at `now`; it is due at `now + delay`.
    pub fn hold(&mut self, item: T, now: Instant) {
        self.held.push_back((now + self.delay, item));
    }

    /// Removes and returns, oldest first, every item due at `now`.
    pub fn release(&mut self, now: Instant) -> Vec<T> {
        let due = self.held.partition_point(|(at, _)| *at <= now);
        self.held.drain(..due).map(|(_, item)| item).collect()
    }

    /// When the oldest held item is due, if any is held.
    pub fn next_due(&self) -> Option<Instant> {
        self.held.front().map(|(at, _)| *at)
    }

    /// How many items are held.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn nothing_is_released_before_the_delay() {
        let t0 = Instant::now();
        let mut line = DelayLine::new(50 * MS);
        line.hold("a", t0);
        assert!(line.release(t0).is_empty());
        assert!(line.release(t0 + 49 * MS).is_empty());
        assert_eq!(line.len(), 1);
        assert_eq!(line.release(t0 + 50 * MS), vec!["a"]);
        assert!(line.is_empty());
    }

    #[test]
    fn items_come_out_in_arrival_order_each_after_its_own_delay() {
        let t0 = Instant::now();
        let mut line = DelayLine::new(50 * MS);
        line.hold(1, t0);
        line.hold(2, t0 + 10 * MS);
        line.hold(3, t0 + 10 * MS);
        line.hold(4, t0 + 30 * MS);
        assert_eq!(line.next_due(), Some(t0 + 50 * MS));
        assert_eq!(line.release(t0 + 59 * MS), vec![1]);
        assert_eq!(line.next_due(), Some(t0 + 60 * MS));
        assert_eq!(line.release(t0 + 60 * MS), vec![2, 3]);
        assert_eq!(line.release(t0 + 79 * MS), Vec::<i32>::new());
        assert_eq!(line.release(t0 + 500 * MS), vec![4]);
        assert_eq!(line.next_due(), None);
    }

    #[test]
    fn a_zero_delay_releases_at_once() {
        let t0 = Instant::now();
        let mut line = DelayLine::new(Duration::ZERO);
        line.hold('x', t0);
        assert_eq!(line.release(t0), vec!['x']);
    }
}
