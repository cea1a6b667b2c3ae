//! Counters for logs and metrics.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A snapshot of the server's counters (all since start, except `allocations_active`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TurnStats {
    /// Allocations held right now.
    pub allocations_active: u64,
    /// Allocations granted.
    pub allocations_total: u64,
    /// Payload bytes sent from relays to peers.
    pub bytes_to_peers: u64,
    /// Payload bytes received by relays from peers.
    pub bytes_from_peers: u64,
    /// Requests refused for expired, forged or malformed credentials (401).
    pub refused_auth: u64,
    /// Allocations refused by the per-user (486) or total (508) quota.
    pub refused_quota: u64,
    /// Permissions, channels and datagrams refused by the peer address policy (403 or dropped).
    pub refused_peer: u64,
}

impl TurnStats {
    /// Payload bytes relayed in both directions.
    pub fn bytes_relayed(&self) -> u64 {
        self.bytes_to_peers + self.bytes_from_peers
    }
}

/// The live counters behind [`TurnStats`].
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) allocations_active: AtomicU64,
    pub(crate) allocations_total: AtomicU64,
    pub(crate) bytes_to_peers: AtomicU64,
    pub(crate) bytes_from_peers: AtomicU64,
    pub(crate) refused_auth: AtomicU64,
    pub(crate) refused_quota: AtomicU64,
    pub(crate) refused_peer: AtomicU64,
}

impl Stats {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    pub(crate) fn snapshot(&self) -> TurnStats {
        TurnStats {
            allocations_active: self.allocations_active.load(Relaxed),
            allocations_total: self.allocations_total.load(Relaxed),
            bytes_to_peers: self.bytes_to_peers.load(Relaxed),
            bytes_from_peers: self.bytes_from_peers.load(Relaxed),
            refused_auth: self.refused_auth.load(Relaxed),
            refused_quota: self.refused_quota.load(Relaxed),
            refused_peer: self.refused_peer.load(Relaxed),
        }
    }
}
