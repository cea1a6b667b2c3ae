//! Games two people play during a call. The rules are pure: the server applies
//! them to decide, the browser applies them to show only legal moves.

pub mod tictactoe;

use serde::{Deserialize, Serialize};

/// Which game a `game-*` message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GameType {
    /// Noughts and crosses on a 3x3 board.
    TicTacToe,
}

/// A player's mark; `X` belongs to the room's first member and moves first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Symbol {
    /// The first member's mark.
    X,
    /// The second member's mark.
    O,
}

impl Symbol {
    /// The other player's mark.
    pub fn other(self) -> Symbol {
        match self {
            Symbol::X => Symbol::O,
            Symbol::O => Symbol::X,
        }
    }

    /// The mark of the member in room slot `slot` (0 or 1).
    pub fn for_slot(slot: usize) -> Symbol {
        if slot == 0 { Symbol::X } else { Symbol::O }
    }
}
