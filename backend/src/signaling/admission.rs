//! Caps on simultaneous WebSocket connections per account and per client address.

use duet_shared::UserId;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// Counts open connections by key; a [`Slot`] gives its count back when dropped.
#[derive(Debug)]
pub struct Counter<K: Hash + Eq + Clone> {
    max: u32,
    open: Arc<Mutex<HashMap<K, u32>>>,
}

impl<K: Hash + Eq + Clone> Counter<K> {
    /// A counter allowing `max` connections per key.
    pub fn new(max: u32) -> Self {
        Counter {
            max,
            open: Arc::default(),
        }
    }

    /// Takes a slot for `key`, or `None` when it already holds the maximum.
    pub fn acquire(&self, key: K) -> Option<Slot<K>> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let n = open.entry(key.clone()).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(Slot {
            key,
            open: Arc::clone(&self.open),
        })
    }
}

/// One open connection's place in a [`Counter`].
#[derive(Debug)]
pub struct Slot<K: Hash + Eq + Clone> {
    key: K,
    open: Arc<Mutex<HashMap<K, u32>>>,
}

impl<K: Hash + Eq + Clone> Drop for Slot<K> {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// The two caps a new connection must pass.
#[derive(Debug)]
pub struct Admission {
    /// Per account.
    pub per_user: Counter<UserId>,
    /// Per client address.
    pub per_address: Counter<IpAddr>,
}

/// The slots an admitted connection holds until it closes.
pub type Admitted = (Slot<UserId>, Slot<IpAddr>);

impl Admission {
    /// Caps of `per_user` and `per_address` connections.
    pub fn new(per_user: u32, per_address: u32) -> Self {
        Admission {
            per_user: Counter::new(per_user),
            per_address: Counter::new(per_address),
        }
    }

    /// Both slots, or `None` if either cap is reached (nothing is held then).
    pub fn admit(&self, user: UserId, address: IpAddr) -> Option<Admitted> {
        let user_slot = self.per_user.acquire(user)?;
        let address_slot = self.per_address.acquire(address)?;
        Some((user_slot, address_slot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_capped_per_key_and_given_back_on_drop() {
        let c = Counter::new(2);
        let a1 = c.acquire("a").unwrap();
        let _a2 = c.acquire("a").unwrap();
        assert!(c.acquire("a").is_none());
        assert!(c.acquire("b").is_some());
        drop(a1);
        assert!(c.acquire("a").is_some());
    }

    #[test]
    fn a_refused_address_gives_back_the_user_slot() {
        let admission = Admission::new(5, 1);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let (u1, u2) = (
            UserId(uuid::Uuid::from_u128(1)),
            UserId(uuid::Uuid::from_u128(2)),
        );
        let _held = admission.admit(u1, ip).unwrap();
        assert!(admission.admit(u2, ip).is_none());
        assert!(admission.open_for_tests(u2) == 0);
    }

    impl Admission {
        fn open_for_tests(&self, user: UserId) -> u32 {
            let open = self.per_user.open.lock().unwrap();
            open.get(&user).copied().unwrap_or(0)
        }
    }
}
