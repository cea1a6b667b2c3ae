//! Allocation quotas, per user id and in total, and the record of who holds which allocation.
//!
//! An Allocate request that passed authentication reserves a slot; the server's answer confirms
//! it (success) or gives it back (error), and the library's close notification frees it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long a reservation waits for the server's answer before it is forgotten.
const PENDING_TTL: Duration = Duration::from_secs(10);

/// The client's transport to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
        }
    }
}

/// One allocation's 5-tuple, as the library keys it, plus the transport it does not record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct AllocKey {
    pub(crate) transport: Transport,
    pub(crate) client: SocketAddr,
    pub(crate) server: SocketAddr,
}

/// Which quota an allocation would exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    User,
    Total,
}

/// An allocation that was granted.
#[derive(Debug, Clone)]
pub(crate) struct Holder {
    pub(crate) user: String,
    pub(crate) since: Instant,
}

#[derive(Debug)]
struct Pending {
    user: String,
    at: Instant,
}

#[derive(Debug, Default)]
struct State {
    active: HashMap<AllocKey, Holder>,
    pending: HashMap<(AllocKey, [u8; 12]), Pending>,
    // Active plus pending, per user id.
    users: HashMap<String, usize>,
}

impl State {
    fn forget(&mut self, user: &str) {
        if let Some(n) = self.users.get_mut(user) {
            *n -= 1;
            if *n == 0 {
                self.users.remove(user);
            }
        }
    }
}

#[derive(Debug)]
pub(crate) struct Quotas {
    per_user: usize,
    total: usize,
    state: Mutex<State>,
}

impl Quotas {
    pub(crate) fn new(per_user: usize, total: usize) -> Self {
        Quotas {
            per_user,
            total,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent between statements, so a panic elsewhere does not spoil it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reserves a slot for `user`'s Allocate request `tx` on `key`, unless a quota is reached.
    /// A retransmission, or a request on a 5-tuple that already has an allocation (which the
    /// library answers with 437), takes no new slot.
    pub(crate) fn reserve(
        &self,
        key: AllocKey,
        tx: [u8; 12],
        user: &str,
        now: Instant,
    ) -> Result<(), Exceeded> {
        let mut state = self.state();
        let expired: Vec<_> = state
            .pending
            .iter()
            .filter(|(_, p)| now.duration_since(p.at) > PENDING_TTL)
            .map(|(k, _)| *k)
            .collect();
        for k in expired {
            if let Some(p) = state.pending.remove(&k) {
                state.forget(&p.user);
            }
        }
        if state.active.contains_key(&key) || state.pending.contains_key(&(key, tx)) {
            return Ok(());
        }
        if state.active.len() + state.pending.len() >= self.total {
            return Err(Exceeded::Total);
        }
        if state.users.get(user).copied().unwrap_or(0) >= self.per_user {
            return Err(Exceeded::User);
        }
        *state.users.entry(user.to_owned()).or_default() += 1;
        state.pending.insert(
            (key, tx),
            Pending {
                user: user.to_owned(),
                at: now,
            },
        );
        Ok(())
    }

    /// The server granted request `tx`: the reservation becomes an allocation. Returns its user.
    pub(crate) fn confirm(&self, key: AllocKey, tx: [u8; 12], now: Instant) -> Option<String> {
        let mut state = self.state();
        let pending = state.pending.remove(&(key, tx))?;
        let user = pending.user.clone();
        state.active.insert(
            key,
            Holder {
                user: pending.user,
                since: now,
            },
        );
        Some(user)
    }

    /// The server refused request `tx`: its slot is free again.
    pub(crate) fn cancel(&self, key: AllocKey, tx: [u8; 12]) {
        let mut state = self.state();
        if let Some(p) = state.pending.remove(&(key, tx)) {
            state.forget(&p.user);
        }
    }

    /// The allocation on `key` is gone (expired, refreshed to zero, connection closed, stopped).
    pub(crate) fn release(&self, key: AllocKey) -> Option<Holder> {
        let mut state = self.state();
        let holder = state.active.remove(&key)?;
        state.forget(&holder.user);
        Some(holder)
    }

    pub(crate) fn active(&self) -> usize {
        self.state().active.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(port: u16) -> AllocKey {
        AllocKey {
            transport: Transport::Udp,
            client: SocketAddr::from(([192, 0, 2, 1], port)),
            server: SocketAddr::from(([192, 0, 2, 2], 3478)),
        }
    }

    #[test]
    fn per_user_quota_counts_pending_and_active_allocations() {
        let q = Quotas::new(2, 10);
        let now = Instant::now();
        q.reserve(key(1), [1; 12], "ada", now).unwrap();
        q.reserve(key(2), [2; 12], "ada", now).unwrap();
        assert_eq!(q.reserve(key(3), [3; 12], "ada", now), Err(Exceeded::User));
        q.reserve(key(3), [3; 12], "bob", now).unwrap();

        assert_eq!(q.confirm(key(1), [1; 12], now).as_deref(), Some("ada"));
        q.cancel(key(2), [2; 12]);
        q.reserve(key(4), [4; 12], "ada", now).unwrap();
        assert_eq!(q.reserve(key(5), [5; 12], "ada", now), Err(Exceeded::User));

        assert_eq!(q.release(key(1)).map(|h| h.user).as_deref(), Some("ada"));
        assert_eq!(q.release(key(1)).map(|h| h.user), None);
        q.reserve(key(5), [5; 12], "ada", now).unwrap();
    }

    #[test]
    fn total_quota_counts_everyone() {
        let q = Quotas::new(5, 2);
        let now = Instant::now();
        q.reserve(key(1), [1; 12], "ada", now).unwrap();
        q.reserve(key(2), [2; 12], "bob", now).unwrap();
        assert_eq!(q.reserve(key(3), [3; 12], "cy", now), Err(Exceeded::Total));
        q.confirm(key(1), [1; 12], now);
        q.confirm(key(2), [2; 12], now);
        assert_eq!(q.active(), 2);
        assert_eq!(q.reserve(key(3), [3; 12], "cy", now), Err(Exceeded::Total));
        q.release(key(2));
        q.reserve(key(3), [3; 12], "cy", now).unwrap();
    }

    #[test]
    fn retransmissions_and_existing_allocations_take_no_new_slot() {
        let q = Quotas::new(1, 10);
        let now = Instant::now();
        q.reserve(key(1), [1; 12], "ada", now).unwrap();
        q.reserve(key(1), [1; 12], "ada", now).unwrap();
        q.confirm(key(1), [1; 12], now);
        q.reserve(key(1), [9; 12], "ada", now).unwrap();
        assert_eq!(q.reserve(key(2), [2; 12], "ada", now), Err(Exceeded::User));
    }

    #[test]
    fn unanswered_reservations_expire() {
        let q = Quotas::new(1, 10);
        let now = Instant::now();
        q.reserve(key(1), [1; 12], "ada", now).unwrap();
        assert_eq!(q.reserve(key(2), [2; 12], "ada", now), Err(Exceeded::User));
        let later = now + PENDING_TTL + Duration::from_secs(1);
        q.reserve(key(2), [2; 12], "ada", later).unwrap();
        assert_eq!(q.confirm(key(1), [1; 12], later), None);
    }
}
