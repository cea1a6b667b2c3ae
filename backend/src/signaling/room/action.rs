//! What a member asks of its room, typed: the room state builds every message it
//! relays from these, so nothing a client sends passes through unexamined.

use duet_shared::RoomId;
use duet_shared::games::GameType;
use duet_shared::games::tictactoe::Move;
use duet_shared::protocol::{ClientMsg, IceCandidate, SessionDescription};

/// Something a member does in its room (joining is [`RoomState::join`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Give up the slot.
    Leave,
    /// An SDP offer for the other member; starts a new negotiation.
    Offer(SessionDescription),
    /// An SDP answer for the other member; starts a new negotiation.
    Answer(SessionDescription),
    /// An ICE candidate for the other member, counted against the negotiation's cap.
    Candidate(IceCandidate),
    /// A chat line, to both members.
    Chat {
        /// The text, already validated.
        message: String,
        /// Server time in Unix milliseconds: the line's stamp and the chat rate's clock.
        sent_at: i64,
    },
    /// Start a game.
    GameSelect(GameType),
    /// Move in the current game.
    GameMove(GameType, Move),
    /// Restart the current game.
    GameReset(GameType),
}

impl Action {
    /// The room a client message is about and the action it asks for, received at `now`
    /// (Unix milliseconds); `None` for `join-room`, which is [`RoomState::join`].
    pub fn from_client(msg: ClientMsg, now: i64) -> Option<(RoomId, Action)> {
        Some(match msg {
            ClientMsg::JoinRoom { .. } => return None,
            ClientMsg::LeaveRoom { room_id } => (room_id, Action::Leave),
            ClientMsg::Offer { room_id, offer } => (room_id, Action::Offer(offer)),
            ClientMsg::Answer { room_id, answer } => (room_id, Action::Answer(answer)),
            ClientMsg::IceCandidate { room_id, candidate } => {
                (room_id, Action::Candidate(candidate))
            }
            ClientMsg::ChatMessage { room_id, message } => (
                room_id,
                Action::Chat {
                    message,
                    sent_at: now,
                },
            ),
            ClientMsg::GameSelect { room_id, game_type } => {
                (room_id, Action::GameSelect(game_type))
            }
            ClientMsg::GameMove {
                room_id,
                game_type,
                move_data,
            } => (room_id, Action::GameMove(game_type, move_data)),
            ClientMsg::GameReset { room_id, game_type } => (room_id, Action::GameReset(game_type)),
        })
    }

    /// Whether the action is about a game (played in game rooms only).
    pub(super) fn is_game(&self) -> bool {
        matches!(
            self,
            Action::GameSelect(_) | Action::GameMove(..) | Action::GameReset(_)
        )
    }
}
