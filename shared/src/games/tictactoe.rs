//! Tic-Tac-Toe rules: a board, whose turn it is, legal moves and the outcome.

use super::Symbol;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The eight lines that win: rows, columns, diagonals (cell indexes 0..9, row-major).
pub const LINES: [[u8; 3]; 8] = [
    [0, 1, 2],
    [3, 4, 5],
    [6, 7, 8],
    [0, 3, 6],
    [1, 4, 7],
    [2, 5, 8],
    [0, 4, 8],
    [2, 4, 6],
];

/// A move: the cell to mark, 0..9 in row-major order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Move {
    /// Cell index, 0 (top left) to 8 (bottom right).
    pub cell: u8,
}

/// How a finished game ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum Outcome {
    /// `winner` completed `line`.
    Win {
        /// Who won.
        winner: Symbol,
        /// The three cells that won.
        line: [u8; 3],
    },
    /// The board is full and nobody won.
    Draw,
}

/// Why a move was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MoveError {
    /// The game has already been won or drawn.
    #[error("the game is over; reset to play again")]
    GameOver,
    /// The other player is to move.
    #[error("it is not your turn")]
    NotYourTurn,
    /// The cell index is outside 0..9.
    #[error("there is no such cell")]
    NoSuchCell,
    /// The cell already holds a mark.
    #[error("that cell is taken")]
    CellTaken,
}

/// The whole state of one game, sent to both players after every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Board {
    /// The nine cells, row-major; `None` is empty.
    pub cells: [Option<Symbol>; 9],
    /// Whose move it is (meaningless once `outcome` is set).
    pub next: Symbol,
    /// Set when the game is over.
    pub outcome: Option<Outcome>,
}

impl Default for Board {
    fn default() -> Self {
        Self::new()
    }
}

impl Board {
    /// An empty board with `X` to move.
    pub fn new() -> Self {
        Board {
            cells: [None; 9],
            next: Symbol::X,
            outcome: None,
        }
    }

    /// Whether `player` may mark `cell` now.
    pub fn check(&self, player: Symbol, cell: u8) -> Result<(), MoveError> {
        if self.outcome.is_some() {
            return Err(MoveError::GameOver);
        }
        if player != self.next {
            return Err(MoveError::NotYourTurn);
        }
        match self.cells.get(usize::from(cell)) {
            None => Err(MoveError::NoSuchCell),
            Some(Some(_)) => Err(MoveError::CellTaken),
            Some(None) => Ok(()),
        }
    }

    /// Marks `cell` for `player` if legal; on error the board is unchanged.
    pub fn play(&mut self, player: Symbol, cell: u8) -> Result<(), MoveError> {
        self.check(player, cell)?;
        self.cells[usize::from(cell)] = Some(player);
        self.outcome = self.evaluate();
        self.next = player.other();
        Ok(())
    }

    /// The cells `player` could mark now (empty when it is not their turn).
    pub fn legal_moves(&self, player: Symbol) -> Vec<u8> {
        (0..9u8)
            .filter(|&c| self.check(player, c).is_ok())
            .collect()
    }

    fn evaluate(&self) -> Option<Outcome> {
        for line in LINES {
            let [a, b, c] = line.map(|i| self.cells[usize::from(i)]);
            if let Some(winner) = a
                && a == b
                && b == c
            {
                return Some(Outcome::Win { winner, line });
            }
        }
        self.cells
            .iter()
            .all(Option::is_some)
            .then_some(Outcome::Draw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Symbol::{O, X};

    fn play_all(moves: &[(Symbol, u8)]) -> Board {
        let mut b = Board::new();
        for &(p, c) in moves {
            b.play(p, c).expect("scripted move is legal");
        }
        b
    }

    #[test]
    fn x_moves_first_and_turns_alternate() {
        let mut b = Board::new();
        assert_eq!(b.play(O, 0), Err(MoveError::NotYourTurn));
        b.play(X, 0).unwrap();
        assert_eq!(b.next, O);
        assert_eq!(b.play(X, 1), Err(MoveError::NotYourTurn));
    }

    #[test]
    fn taken_cell_and_bad_index_are_refused_without_change() {
        let mut b = play_all(&[(X, 4)]);
        let before = b.clone();
        assert_eq!(b.play(O, 4), Err(MoveError::CellTaken));
        assert_eq!(b.play(O, 9), Err(MoveError::NoSuchCell));
        assert_eq!(b, before);
    }

    #[test]
    fn every_line_wins() {
        for line in LINES {
            let others: Vec<u8> = (0..9).filter(|c| !line.contains(c)).collect();
            let mut b = Board::new();
            // X plays the line, O plays cells that cannot form a line before X finishes.
            b.play(X, line[0]).unwrap();
            b.play(O, others[0]).unwrap();
            b.play(X, line[1]).unwrap();
            let o2 = others
                .iter()
                .copied()
                .find(|&c| b.check(O, c).is_ok() && c != others[0])
                .unwrap();
            b.play(O, o2).unwrap();
            b.play(X, line[2]).unwrap();
            assert_eq!(b.outcome, Some(Outcome::Win { winner: X, line }));
            assert_eq!(b.play(O, others[3]), Err(MoveError::GameOver));
        }
    }

    #[test]
    fn full_board_without_line_is_a_draw() {
        // X O X / X O O / O X X
        let b = play_all(&[
            (X, 0),
            (O, 1),
            (X, 2),
            (O, 4),
            (X, 3),
            (O, 5),
            (X, 7),
            (O, 6),
            (X, 8),
        ]);
        assert_eq!(b.outcome, Some(Outcome::Draw));
    }

    #[test]
    fn win_on_last_cell_is_a_win_not_a_draw() {
        // X O X / O O X / O X X — X completes 2-5-8 with the ninth mark.
        let b = play_all(&[
            (X, 0),
            (O, 1),
            (X, 2),
            (O, 3),
            (X, 5),
            (O, 4),
            (X, 7),
            (O, 6),
            (X, 8),
        ]);
        assert_eq!(
            b.outcome,
            Some(Outcome::Win {
                winner: X,
                line: [2, 5, 8]
            })
        );
    }

    #[test]
    fn legal_moves_are_the_empty_cells_for_the_player_to_move() {
        let b = play_all(&[(X, 0), (O, 4)]);
        assert_eq!(b.legal_moves(X), vec![1, 2, 3, 5, 6, 7, 8]);
        assert!(b.legal_moves(O).is_empty());
    }

    #[test]
    fn board_json_shape_is_stable() {
        let b = play_all(&[(X, 0), (O, 4), (X, 1), (O, 5), (X, 2)]);
        let json = serde_json::to_value(&b).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "cells": ["X", "X", "X", null, "O", "O", null, null, null],
                "next": "O",
                "outcome": {"kind": "win", "winner": "X", "line": [0, 1, 2]}
            })
        );
    }
}
