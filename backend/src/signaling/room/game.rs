//! The game rules of a room: selecting, resetting and judging moves, shared with both
//! members. (That games are played in game rooms only is checked by `apply` first.)

use super::{Member, RoomState, Step};
use duet_shared::ErrorCode;
use duet_shared::games::tictactoe::{Move, MoveError};
use duet_shared::games::{GameType, Symbol};
use duet_shared::protocol::GameState;
use duet_shared::{RoomId, ServerMsg};

impl RoomState {
    /// Starts `game_type` afresh for both members.
    pub(super) fn select(&mut self, room: RoomId, game_type: GameType) -> Step {
        let state = GameState::new(game_type);
        self.game = Some(state.clone());
        Step::done(self.broadcast(ServerMsg::GameSelect {
            room_id: room,
            game_type,
            state,
        }))
    }

    /// Restarts the game being played, which must be `game_type`.
    pub(super) fn reset(&mut self, room: RoomId, actor: &Member, game_type: GameType) -> Step {
        match &self.game {
            Some(current) if current.game_type() == game_type => {
                let state = GameState::new(game_type);
                self.game = Some(state.clone());
                Step::done(self.broadcast(ServerMsg::GameReset {
                    room_id: room,
                    game_type,
                    state,
                }))
            }
            Some(_) => wrong_game(actor),
            None => no_game(actor),
        }
    }

    /// Judges `mv` by the member of `slot` and shares the new board with both.
    pub(super) fn play(
        &mut self,
        room: RoomId,
        actor: &Member,
        slot: usize,
        game_type: GameType,
        mv: Move,
    ) -> Step {
        let symbol = Symbol::for_slot(slot);
        let board = match &mut self.game {
            Some(GameState::TicTacToe { board }) if game_type == GameType::TicTacToe => board,
            Some(_) => return wrong_game(actor),
            None => return no_game(actor),
        };
        if let Err(e) = board.play(symbol, mv.cell) {
            return Step::refused(actor, move_error_code(e), &e.to_string());
        }
        let state = GameState::TicTacToe {
            board: board.clone(),
        };
        Step::done(self.broadcast(ServerMsg::GameMove {
            room_id: room,
            game_type,
            move_data: mv,
            symbol,
            state,
        }))
    }
}

fn wrong_game(actor: &Member) -> Step {
    Step::refused(
        actor,
        ErrorCode::WrongGame,
        "that game is not being played here",
    )
}

fn no_game(actor: &Member) -> Step {
    Step::refused(actor, ErrorCode::NoGame, "no game has been selected")
}

fn move_error_code(e: MoveError) -> ErrorCode {
    match e {
        MoveError::NotYourTurn => ErrorCode::NotYourTurn,
        MoveError::GameOver | MoveError::NoSuchCell | MoveError::CellTaken => {
            ErrorCode::IllegalMove
        }
    }
}
