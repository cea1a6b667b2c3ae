//! One room's membership and game as a pure state machine: given an [`Action`]
//! by a member, it changes the state and says which connection gets which message.
//! No sockets, no clocks (the time is passed in), so it is tested directly.

use duet_shared::games::GameType;
use duet_shared::games::Symbol;
use duet_shared::games::tictactoe::{Move, MoveError};
use duet_shared::limits::ROOM_CAPACITY;
use duet_shared::protocol::{GameState, Peer};
use duet_shared::{ErrorCode, RoomId, ServerMsg, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One WebSocket connection, unique across instances, naming the instance that holds
/// it so deliveries can be routed there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConnId {
    /// The server instance the socket is connected to.
    pub instance: Uuid,
    /// The connection within it.
    pub id: Uuid,
}

impl ConnId {
    /// A fresh id for a connection held by `instance`.
    pub fn new(instance: Uuid) -> Self {
        ConnId {
            instance,
            id: Uuid::new_v4(),
        }
    }
}

/// A connection in a room, with the account behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The connection.
    pub conn: ConnId,
    /// The signed-in account.
    pub user: UserId,
    /// Its display name.
    pub name: String,
}

impl Member {
    fn peer(&self) -> Peer {
        Peer {
            user_id: self.user,
            name: self.name.clone(),
        }
    }
}

/// Something a member does in its room (joining is [`RoomState::join`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Give up the slot.
    Leave,
    /// Pass a message (offer, answer, candidate) to the other member.
    Relay(ServerMsg),
    /// A chat line, to both members.
    Chat {
        /// The text, already validated.
        message: String,
        /// Server time in Unix milliseconds.
        sent_at: i64,
    },
    /// Start a game.
    GameSelect(GameType),
    /// Move in the current game.
    GameMove(GameType, Move),
    /// Restart the current game.
    GameReset(GameType),
}

/// What an action came to, for the acting connection's own bookkeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Admitted to the slot of `symbol`; `replaced` is this account's previous connection.
    Joined {
        /// The mark of the slot taken.
        symbol: Symbol,
        /// The connection displaced from that slot, if any.
        replaced: Option<ConnId>,
    },
    /// Both slots are taken.
    Full,
    /// Left the room.
    Left,
    /// The connection is not a member (nothing happened; it was told so).
    NotMember,
    /// Done (relayed, or refused with an error sent to the actor).
    Done,
}

/// A message for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The receiving connection.
    pub to: ConnId,
    /// What it receives.
    pub msg: ServerMsg,
}

/// The result of applying an action: the outcome and the messages to deliver, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What happened.
    pub outcome: Outcome,
    /// Who gets what.
    pub deliveries: Vec<Delivery>,
}

/// A room's live state: two slots (slot 0 plays `X` and is player 1) and the game.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomState {
    /// Members by slot.
    pub slots: [Option<Member>; ROOM_CAPACITY],
    /// The game in progress, kept while at least one member stays.
    pub game: Option<GameState>,
}

impl RoomState {
    /// Members present.
    pub fn occupants(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    /// Whether nobody is in the room (its state can be dropped).
    pub fn is_empty(&self) -> bool {
        self.occupants() == 0
    }

    fn slot_of(&self, conn: ConnId) -> Option<usize> {
        self.slots
            .iter()
            .position(|m| m.as_ref().is_some_and(|m| m.conn == conn))
    }

    fn other(&self, slot: usize) -> Option<&Member> {
        self.slots
            .iter()
            .enumerate()
            .find(|(i, _)| *i != slot)
            .and_then(|(_, m)| m.as_ref())
    }

    /// Applies `action` by `actor` in room `room`; a non-member is refused with `not-in-room`.
    pub fn apply(&mut self, room: RoomId, actor: &Member, action: Action) -> Step {
        let Some(slot) = self.slot_of(actor.conn) else {
            return Step {
                outcome: Outcome::NotMember,
                deliveries: vec![refuse(
                    actor,
                    ErrorCode::NotInRoom,
                    "you are not in that room",
                )],
            };
        };
        let mut out = Vec::new();
        match action {
            Action::Leave => {
                self.slots[slot] = None;
                if let Some(other) = self.other(slot) {
                    out.push(to(other, ServerMsg::PeerLeft { room_id: room }));
                }
                if self.is_empty() {
                    self.game = None;
                }
                return Step {
                    outcome: Outcome::Left,
                    deliveries: out,
                };
            }
            Action::Relay(msg) => {
                if let Some(other) = self.other(slot) {
                    out.push(to(other, msg));
                }
            }
            Action::Chat { message, sent_at } => {
                let msg = ServerMsg::ChatMessage {
                    room_id: room,
                    message,
                    sender: actor.name.clone(),
                    sender_id: actor.user,
                    sent_at,
                };
                out.extend(self.slots.iter().flatten().map(|m| to(m, msg.clone())));
            }
            Action::GameSelect(game_type) => {
                let state = GameState::new(game_type);
                self.game = Some(state.clone());
                self.broadcast(
                    &mut out,
                    ServerMsg::GameSelect {
                        room_id: room,
                        game_type,
                        state,
                    },
                );
            }
            Action::GameReset(game_type) => match &self.game {
                Some(current) if current.game_type() == game_type => {
                    let state = GameState::new(game_type);
                    self.game = Some(state.clone());
                    self.broadcast(
                        &mut out,
                        ServerMsg::GameReset {
                            room_id: room,
                            game_type,
                            state,
                        },
                    );
                }
                Some(_) => out.push(refuse(
                    actor,
                    ErrorCode::WrongGame,
                    "that game is not being played here",
                )),
                None => out.push(refuse(
                    actor,
                    ErrorCode::NoGame,
                    "no game has been selected",
                )),
            },
            Action::GameMove(game_type, mv) => {
                let symbol = Symbol::for_slot(slot);
                match &mut self.game {
                    Some(GameState::TicTacToe { board }) if game_type == GameType::TicTacToe => {
                        match board.play(symbol, mv.cell) {
                            Ok(()) => {
                                let state = GameState::TicTacToe {
                                    board: board.clone(),
                                };
                                self.broadcast(
                                    &mut out,
                                    ServerMsg::GameMove {
                                        room_id: room,
                                        game_type,
                                        move_data: mv,
                                        symbol,
                                        state,
                                    },
                                );
                            }
                            Err(e) => out.push(refuse(actor, move_error_code(e), &e.to_string())),
                        }
                    }
                    Some(_) => out.push(refuse(
                        actor,
                        ErrorCode::WrongGame,
                        "that game is not being played here",
                    )),
                    None => out.push(refuse(
                        actor,
                        ErrorCode::NoGame,
                        "no game has been selected",
                    )),
                }
            }
        }
        Step {
            outcome: Outcome::Done,
            deliveries: out,
        }
    }

    /// Admits `joiner` to a free slot, or to the slot its account already holds (the old
    /// connection is told it was replaced); a full room refuses with `room-full`.
    pub fn join(&mut self, room: RoomId, joiner: &Member) -> Step {
        let mut out = Vec::new();
        // The same account again (a reload, a second tab) takes over its own slot.
        let own = self
            .slots
            .iter()
            .position(|m| m.as_ref().is_some_and(|m| m.user == joiner.user));
        let free = self.slots.iter().position(Option::is_none);
        let Some(slot) = own.or(free) else {
            return Step {
                outcome: Outcome::Full,
                deliveries: vec![to(joiner, ServerMsg::RoomFull { room_id: room })],
            };
        };
        let replaced = self.slots[slot]
            .replace(joiner.clone())
            .map(|old| old.conn)
            .filter(|&old| old != joiner.conn);
        if let Some(old) = replaced {
            out.push(Delivery {
                to: old,
                msg: ServerMsg::error(
                    ErrorCode::Replaced,
                    "you joined this room from another window",
                ),
            });
        }
        let symbol = Symbol::for_slot(slot);
        let other = self.other(slot).cloned();
        out.push(to(
            joiner,
            ServerMsg::PlayerAssign {
                room_id: room,
                symbol,
                is_player1: slot == 0,
                peer: other.as_ref().map(Member::peer),
                game: self.game.clone(),
            },
        ));
        if let Some(other) = other {
            out.push(to(
                &other,
                ServerMsg::Ready {
                    room_id: room,
                    peer: joiner.peer(),
                },
            ));
        }
        Step {
            outcome: Outcome::Joined { symbol, replaced },
            deliveries: out,
        }
    }

    /// Removes the members `gone` says are gone (their instance died), as if they had
    /// left: the others hear `peer-left`. Returns those deliveries.
    pub fn evict(&mut self, room: RoomId, gone: impl Fn(&Member) -> bool) -> Vec<Delivery> {
        let leaving: Vec<Member> = self
            .slots
            .iter()
            .flatten()
            .filter(|m| gone(m))
            .cloned()
            .collect();
        leaving
            .iter()
            .flat_map(|m| self.apply(room, m, Action::Leave).deliveries)
            .collect()
    }

    fn broadcast(&self, out: &mut Vec<Delivery>, msg: ServerMsg) {
        out.extend(self.slots.iter().flatten().map(|m| to(m, msg.clone())));
    }
}

fn to(member: &Member, msg: ServerMsg) -> Delivery {
    Delivery {
        to: member.conn,
        msg,
    }
}

fn refuse(actor: &Member, code: ErrorCode, message: &str) -> Delivery {
    to(actor, ServerMsg::error(code, message))
}

fn move_error_code(e: MoveError) -> ErrorCode {
    match e {
        MoveError::NotYourTurn => ErrorCode::NotYourTurn,
        MoveError::GameOver | MoveError::NoSuchCell | MoveError::CellTaken => {
            ErrorCode::IllegalMove
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod props;
