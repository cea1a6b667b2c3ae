//! The signaling protocol spoken over the `/ws` WebSocket, as JSON text frames.
//!
//! Every message is an object with a kebab-case `"type"` tag and camelCase fields.
//! [`ClientMsg`] travels browser → server, [`ServerMsg`] server → browser.
//! `docs/protocol.md` describes the exchange; the tests below pin the JSON shapes.

use crate::games::tictactoe::{Board, Move};
use crate::games::{GameType, Symbol};
use crate::ids::{RoomId, UserId};
use crate::limits;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// An SDP offer or answer, as `RTCSessionDescriptionInit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionDescription {
    /// `"offer"`, `"answer"`, `"pranswer"` or `"rollback"`.
    #[serde(rename = "type")]
    pub kind: SdpType,
    /// The SDP text (empty for a rollback).
    #[serde(default)]
    pub sdp: String,
}

/// The `type` of an [`SessionDescription`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SdpType {
    /// An offer.
    Offer,
    /// A final answer.
    Answer,
    /// A provisional answer.
    Pranswer,
    /// Undo of a pending local description.
    Rollback,
}

/// An ICE candidate, as `RTCIceCandidateInit`; an empty `candidate` ends gathering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IceCandidate {
    /// The `candidate:` attribute line.
    pub candidate: String,
    /// The media stream id it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    /// The m-line index it belongs to.
    #[serde(
        rename = "sdpMLineIndex",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub sdp_m_line_index: Option<u16>,
    /// The ICE username fragment of the generation it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username_fragment: Option<String>,
}

/// The other member of a room, as shown to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Peer {
    /// Their account id.
    pub user_id: UserId,
    /// Their display name.
    pub name: String,
}

/// The state of a room's game, sent whole after every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "gameType",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum GameState {
    /// A Tic-Tac-Toe game.
    TicTacToe {
        /// Its board.
        board: Board,
    },
}

impl GameState {
    /// A fresh game of `game_type`.
    pub fn new(game_type: GameType) -> Self {
        match game_type {
            GameType::TicTacToe => GameState::TicTacToe {
                board: Board::new(),
            },
        }
    }

    /// Which game this is.
    pub fn game_type(&self) -> GameType {
        match self {
            GameState::TicTacToe { .. } => GameType::TicTacToe,
        }
    }
}

/// A message from a browser to the server. Struct-valued fields decode through
/// [`strict::object`], so an array in their place is `bad-message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum ClientMsg {
    /// Enter a room (at most one per connection). Answered by `player-assign` or `room-full`.
    JoinRoom {
        /// The room to enter.
        room_id: RoomId,
    },
    /// Leave the room; the other member gets `peer-left`.
    LeaveRoom {
        /// The room to leave.
        room_id: RoomId,
    },
    /// An SDP offer for the other member.
    Offer {
        /// The sender's room.
        room_id: RoomId,
        /// The offer.
        #[serde(deserialize_with = "strict::object")]
        offer: SessionDescription,
    },
    /// An SDP answer for the other member.
    Answer {
        /// The sender's room.
        room_id: RoomId,
        /// The answer.
        #[serde(deserialize_with = "strict::object")]
        answer: SessionDescription,
    },
    /// An ICE candidate for the other member.
    IceCandidate {
        /// The sender's room.
        room_id: RoomId,
        /// The candidate.
        #[serde(deserialize_with = "strict::object")]
        candidate: IceCandidate,
    },
    /// A chat line; the server stamps the sender and time and delivers it to both members.
    ChatMessage {
        /// The sender's room.
        room_id: RoomId,
        /// The text (plain text, never markup).
        message: String,
    },
    /// Start (or restart) a game for both members.
    GameSelect {
        /// The sender's room.
        room_id: RoomId,
        /// The game to play.
        game_type: GameType,
    },
    /// A move in the current game; the server judges it.
    GameMove {
        /// The sender's room.
        room_id: RoomId,
        /// The game it is for.
        game_type: GameType,
        /// The move.
        #[serde(deserialize_with = "strict::object")]
        move_data: Move,
    },
    /// Reset the current game for both members.
    GameReset {
        /// The sender's room.
        room_id: RoomId,
        /// The game to reset.
        game_type: GameType,
    },
}

/// A message from the server to a browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "kebab-case",
    rename_all_fields = "camelCase"
)]
pub enum ServerMsg {
    /// The join succeeded: your mark, whether you are the first member, who else is there.
    PlayerAssign {
        /// The room joined.
        room_id: RoomId,
        /// Your game mark (`X` for the first member).
        symbol: Symbol,
        /// Whether you hold the first slot (the impolite peer in perfect negotiation).
        is_player1: bool,
        /// The other member, when there is one already.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        peer: Option<Peer>,
        /// The room's game in progress, if any (a rejoining player gets the board).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        game: Option<GameState>,
    },
    /// To the member already present when another arrives: make the offer.
    Ready {
        /// The room.
        room_id: RoomId,
        /// Who arrived.
        peer: Peer,
    },
    /// The other member's offer.
    Offer {
        /// The room.
        room_id: RoomId,
        /// The offer, as sent.
        offer: SessionDescription,
    },
    /// The other member's answer.
    Answer {
        /// The room.
        room_id: RoomId,
        /// The answer, as sent.
        answer: SessionDescription,
    },
    /// The other member's ICE candidate.
    IceCandidate {
        /// The room.
        room_id: RoomId,
        /// The candidate, as sent.
        candidate: IceCandidate,
    },
    /// The room already has two members.
    RoomFull {
        /// The room refused.
        room_id: RoomId,
    },
    /// A chat line, to both members.
    ChatMessage {
        /// The room.
        room_id: RoomId,
        /// The text.
        message: String,
        /// The sender's display name, set by the server.
        sender: String,
        /// The sender's account id, set by the server.
        sender_id: UserId,
        /// When the server relayed it, in milliseconds since the Unix epoch.
        sent_at: i64,
    },
    /// A game was selected; both members start from `state`.
    GameSelect {
        /// The room.
        room_id: RoomId,
        /// The game.
        game_type: GameType,
        /// The fresh state.
        state: GameState,
    },
    /// A move was accepted; `state` is the result.
    GameMove {
        /// The room.
        room_id: RoomId,
        /// The game.
        game_type: GameType,
        /// The move made.
        move_data: Move,
        /// Who made it.
        symbol: Symbol,
        /// The state after it.
        state: GameState,
    },
    /// The game was reset.
    GameReset {
        /// The room.
        room_id: RoomId,
        /// The game.
        game_type: GameType,
        /// The fresh state.
        state: GameState,
    },
    /// The other member left or lost their connection.
    PeerLeft {
        /// The room.
        room_id: RoomId,
    },
    /// Your request was refused; nothing changed and the connection stays open.
    Error {
        /// A stable machine-readable code.
        code: ErrorCode,
        /// A sentence for a person.
        message: String,
    },
}

/// Machine-readable reasons carried by [`ServerMsg::Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// Not JSON, or missing or mistyped fields.
    BadMessage,
    /// A `type` the server does not know.
    UnknownType,
    /// Binary frames are not part of the protocol.
    BinaryNotSupported,
    /// A field is longer than the protocol allows.
    TooLarge,
    /// The message names a room the connection is not in.
    NotInRoom,
    /// The connection is already in another room.
    AlreadyInRoom,
    /// No such room, or you may not enter it.
    RoomNotFound,
    /// Too many messages; slow down.
    RateLimited,
    /// More ICE candidates than one negotiation needs.
    TooManyCandidates,
    /// The same account joined the room from another connection.
    Replaced,
    /// Games are played in `game` rooms only.
    NotAGameRoom,
    /// No game has been selected in the room.
    NoGame,
    /// The move's game is not the room's current game.
    WrongGame,
    /// The move is not legal (taken or missing cell, game over).
    IllegalMove,
    /// The other player is to move.
    NotYourTurn,
    /// The server failed; try again.
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order (docs/protocol.md lists each).
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::BadMessage,
        ErrorCode::UnknownType,
        ErrorCode::BinaryNotSupported,
        ErrorCode::TooLarge,
        ErrorCode::NotInRoom,
        ErrorCode::AlreadyInRoom,
        ErrorCode::RoomNotFound,
        ErrorCode::RateLimited,
        ErrorCode::TooManyCandidates,
        ErrorCode::Replaced,
        ErrorCode::NotAGameRoom,
        ErrorCode::NoGame,
        ErrorCode::WrongGame,
        ErrorCode::IllegalMove,
        ErrorCode::NotYourTurn,
        ErrorCode::Internal,
    ];
}

impl ServerMsg {
    /// An error message with its code and text.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        ServerMsg::Error {
            code,
            message: message.into(),
        }
    }
}

/// Why a text frame could not be taken as a [`ClientMsg`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct DecodeError {
    /// `bad-message`, `unknown-type` or `too-large`.
    pub code: ErrorCode,
    /// What was wrong, for a person.
    pub message: String,
}

impl DecodeError {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        DecodeError {
            code,
            message: message.into(),
        }
    }
}

impl From<DecodeError> for ServerMsg {
    fn from(e: DecodeError) -> Self {
        ServerMsg::error(e.code, e.message)
    }
}

impl ClientMsg {
    /// Every `type` a client may send.
    pub const TYPES: [&'static str; 9] = [
        "join-room",
        "leave-room",
        "offer",
        "answer",
        "ice-candidate",
        "chat-message",
        "game-select",
        "game-move",
        "game-reset",
    ];

    /// Parses and validates one text frame, telling apart malformed, unknown and oversized input.
    pub fn decode(text: &str) -> Result<ClientMsg, DecodeError> {
        // serde takes an internally tagged enum from an array too (`["join-room", id]`).
        if !text.trim_start().starts_with('{') {
            return Err(match serde_json::from_str::<serde_json::Value>(text) {
                Ok(_) => {
                    DecodeError::new(ErrorCode::BadMessage, "the message must be a JSON object")
                }
                Err(_) => DecodeError::new(ErrorCode::BadMessage, "the message is not valid JSON"),
            });
        }
        match serde_json::from_str::<ClientMsg>(text) {
            Ok(msg) => msg.validate().map(|()| msg),
            Err(err) => Err(classify(text, &err)),
        }
    }

    /// The wire name of this message's `type`.
    pub fn type_name(&self) -> &'static str {
        let i = match self {
            ClientMsg::JoinRoom { .. } => 0,
            ClientMsg::LeaveRoom { .. } => 1,
            ClientMsg::Offer { .. } => 2,
            ClientMsg::Answer { .. } => 3,
            ClientMsg::IceCandidate { .. } => 4,
            ClientMsg::ChatMessage { .. } => 5,
            ClientMsg::GameSelect { .. } => 6,
            ClientMsg::GameMove { .. } => 7,
            ClientMsg::GameReset { .. } => 8,
        };
        Self::TYPES[i]
    }

    /// The room this message is about.
    pub fn room_id(&self) -> RoomId {
        match self {
            ClientMsg::JoinRoom { room_id }
            | ClientMsg::LeaveRoom { room_id }
            | ClientMsg::Offer { room_id, .. }
            | ClientMsg::Answer { room_id, .. }
            | ClientMsg::IceCandidate { room_id, .. }
            | ClientMsg::ChatMessage { room_id, .. }
            | ClientMsg::GameSelect { room_id, .. }
            | ClientMsg::GameMove { room_id, .. }
            | ClientMsg::GameReset { room_id, .. } => *room_id,
        }
    }

    /// Checks sizes and content rules that serde cannot express.
    pub fn validate(&self) -> Result<(), DecodeError> {
        let too_large = |what: &str, max: usize, unit: &str| {
            Err(DecodeError::new(
                ErrorCode::TooLarge,
                format!("{what} is longer than {max} {unit}"),
            ))
        };
        match self {
            ClientMsg::Offer { offer: sdp, .. } | ClientMsg::Answer { answer: sdp, .. }
                if sdp.sdp.len() > limits::MAX_SDP_BYTES =>
            {
                too_large("the SDP", limits::MAX_SDP_BYTES, "bytes")
            }
            ClientMsg::IceCandidate { candidate, .. }
                if candidate.candidate.len() > limits::MAX_CANDIDATE_BYTES
                    || candidate.sdp_mid.as_ref().is_some_and(|m| m.len() > 64)
                    || candidate
                        .username_fragment
                        .as_ref()
                        .is_some_and(|u| u.len() > 256) =>
            {
                too_large("the ICE candidate", limits::MAX_CANDIDATE_BYTES, "bytes")
            }
            ClientMsg::ChatMessage { message, .. } => validate_chat(message),
            _ => Ok(()),
        }
    }
}

/// The chat rule, used by the client before sending and by the server on receipt:
/// not empty, at most [`limits::MAX_CHAT_CHARS`] characters.
pub fn validate_chat(message: &str) -> Result<(), DecodeError> {
    if message.trim().is_empty() {
        Err(DecodeError::new(
            ErrorCode::BadMessage,
            "a chat message cannot be empty",
        ))
    } else if message.chars().count() > limits::MAX_CHAT_CHARS {
        Err(DecodeError::new(
            ErrorCode::TooLarge,
            format!(
                "the chat message is longer than {} characters",
                limits::MAX_CHAT_CHARS
            ),
        ))
    } else {
        Ok(())
    }
}

/// Tells apart "not a message at all", "a type we do not know" and "a known type, badly formed".
fn classify(text: &str, err: &serde_json::Error) -> DecodeError {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return DecodeError::new(ErrorCode::BadMessage, "the message is not valid JSON");
    };
    match value.get("type") {
        None => DecodeError::new(ErrorCode::BadMessage, "the message has no \"type\""),
        Some(serde_json::Value::String(t)) if !ClientMsg::TYPES.contains(&t.as_str()) => {
            let shown: String = t.chars().take(40).collect();
            DecodeError::new(
                ErrorCode::UnknownType,
                format!("unknown message type \"{shown}\""),
            )
        }
        Some(serde_json::Value::String(t)) => {
            DecodeError::new(ErrorCode::BadMessage, format!("invalid \"{t}\": {err}"))
        }
        Some(_) => DecodeError::new(ErrorCode::BadMessage, "\"type\" must be a string"),
    }
}

mod strict;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod props;
