//! What one slot has used of its budgets: ICE candidates since its last description,
//! and its chat rate. Kept in the room's state (serialized with it), so every instance
//! judges a member the same way.

use duet_shared::limits::{CHAT_BURST, CHAT_PER_MINUTE, MAX_CANDIDATES_PER_NEGOTIATION};
use serde::{Deserialize, Serialize};

/// One slot's usage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// ICE candidates sent since the slot's last offer or answer.
    pub candidates: u32,
    /// The chat rate.
    pub chat: ChatBudget,
}

impl Usage {
    /// Counts one candidate, or says the negotiation already had as many as allowed.
    pub fn take_candidate(&mut self) -> bool {
        if self.candidates >= MAX_CANDIDATES_PER_NEGOTIATION {
            return false;
        }
        self.candidates += 1;
        true
    }

    /// A new description starts a new negotiation.
    pub fn new_negotiation(&mut self) {
        self.candidates = 0;
    }
}

/// A chat rate of [`CHAT_PER_MINUTE`] with bursts of [`CHAT_BURST`], as a generic cell
/// rate algorithm (the one `governor` uses) over times passed in: governor's limiters
/// read a clock and cannot be serialized into the room's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatBudget {
    /// When the budget is fully spent if nothing more is sent (Unix milliseconds, the
    /// "theoretical arrival time"); the past means a full budget.
    pub full_at: i64,
}

/// Milliseconds for one line of budget to come back.
const CHAT_INTERVAL_MS: i64 = 60_000 / CHAT_PER_MINUTE as i64;

impl ChatBudget {
    /// Spends one line at `now` (Unix milliseconds), or says the budget is spent.
    pub fn take(&mut self, now: i64) -> bool {
        let full_at = self.full_at.max(now).saturating_add(CHAT_INTERVAL_MS);
        if full_at.saturating_sub(now) > CHAT_INTERVAL_MS * i64::from(CHAT_BURST) {
            return false;
        }
        self.full_at = full_at;
        true
    }
}
