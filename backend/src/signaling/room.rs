//! One room as a pure state machine holding every signaling rule (membership, relay,
//! candidate and chat budgets, games): given an [`Action`] by a member, it changes the
//! state and says which connection gets which message. No sockets, no clocks (the time
//! is passed in), so every rule is tested directly.

use duet_shared::api::RoomType;
use duet_shared::games::Symbol;
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
    /// The connection is not a member (nothing happened; it was told `not-in-room`).
    NotMember,
    /// Refused by a rule (nothing happened; the actor was told why, with this code).
    Refused(ErrorCode),
    /// Done: relayed, broadcast or played.
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

impl Step {
    fn done(deliveries: Vec<Delivery>) -> Self {
        Step {
            outcome: Outcome::Done,
            deliveries,
        }
    }

    /// Refuses `actor`'s action: only the actor hears, with `code` and `message`.
    fn refused(actor: &Member, code: ErrorCode, message: &str) -> Self {
        Step {
            outcome: Outcome::Refused(code),
            deliveries: vec![to(actor, ServerMsg::error(code, message))],
        }
    }
}

/// A room's live state: two slots (slot 0 plays `X` and is player 1), the game, and
/// what each slot has used of its budgets. Serialized as one value per room when
/// several instances share it (fields added later default, so older values still load).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomState {
    /// Members by slot.
    pub slots: [Option<Member>; ROOM_CAPACITY],
    /// The game in progress, kept while at least one member stays.
    pub game: Option<GameState>,
    /// What the room is for, as its joins report it (games are played in game rooms only).
    #[serde(default)]
    pub room_type: Option<RoomType>,
    /// Budgets used by the member of each slot.
    #[serde(default)]
    pub usage: [Usage; ROOM_CAPACITY],
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

    /// Applies `action` by `actor` in room `room`. A non-member (a message naming a room
    /// other than the connection's own) is refused with `not-in-room`, games outside a
    /// game room with `not-a-game-room`, then each action's own rules apply.
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
        if action.is_game() && self.room_type != Some(RoomType::Game) {
            return Step::refused(
                actor,
                ErrorCode::NotAGameRoom,
                "games are played in game rooms",
            );
        }
        match action {
            Action::Leave => self.leave(room, slot),
            Action::Offer(offer) => {
                self.usage[slot].new_negotiation();
                self.relay(
                    slot,
                    ServerMsg::Offer {
                        room_id: room,
                        offer,
                    },
                )
            }
            Action::Answer(answer) => {
                self.usage[slot].new_negotiation();
                self.relay(
                    slot,
                    ServerMsg::Answer {
                        room_id: room,
                        answer,
                    },
                )
            }
            Action::Candidate(candidate) => {
                if !self.usage[slot].take_candidate() {
                    return Step::refused(
                        actor,
                        ErrorCode::TooManyCandidates,
                        "too many ICE candidates for one negotiation; send a new offer",
                    );
                }
                self.relay(
                    slot,
                    ServerMsg::IceCandidate {
                        room_id: room,
                        candidate,
                    },
                )
            }
            Action::Chat { message, sent_at } => {
                if !self.usage[slot].chat.take(sent_at) {
                    return Step::refused(
                        actor,
                        ErrorCode::RateLimited,
                        "you are sending chat messages too fast",
                    );
                }
                Step::done(self.broadcast(ServerMsg::ChatMessage {
                    room_id: room,
                    message,
                    sender: actor.name.clone(),
                    sender_id: actor.user,
                    sent_at,
                }))
            }
            Action::GameSelect(game_type) => self.select(room, game_type),
            Action::GameReset(game_type) => self.reset(room, actor, game_type),
            Action::GameMove(game_type, mv) => self.play(room, actor, slot, game_type, mv),
        }
    }

    /// Admits `joiner` (to a room of `room_type`) to a free slot, or to the slot its
    /// account already holds (the old connection is told it was replaced); a full room
    /// refuses with `room-full`, a connection already in it with `already-in-room`.
    pub fn join(&mut self, room: RoomId, joiner: &Member, room_type: RoomType) -> Step {
        if self.slot_of(joiner.conn).is_some() {
            return Step::refused(
                joiner,
                ErrorCode::AlreadyInRoom,
                "you are already in this room",
            );
        }
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
        self.room_type = Some(room_type);
        let replaced = self.slots[slot].replace(joiner.clone()).map(|old| old.conn);
        if let Some(old) = replaced {
            out.push(Delivery {
                to: old,
                msg: ServerMsg::error(
                    ErrorCode::Replaced,
                    "you joined this room from another window",
                ),
            });
            // The account's chat rate carries over; its new connection negotiates afresh.
            self.usage[slot].new_negotiation();
        } else {
            self.usage[slot] = Usage::default();
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

    fn leave(&mut self, room: RoomId, slot: usize) -> Step {
        self.slots[slot] = None;
        self.usage[slot] = Usage::default();
        let out = self
            .other(slot)
            .map(|other| to(other, ServerMsg::PeerLeft { room_id: room }))
            .into_iter()
            .collect();
        if self.is_empty() {
            self.game = None;
        }
        Step {
            outcome: Outcome::Left,
            deliveries: out,
        }
    }

    /// Passes `msg` to the member of the other slot, if any.
    fn relay(&self, slot: usize, msg: ServerMsg) -> Step {
        Step::done(
            self.other(slot)
                .map(|other| to(other, msg))
                .into_iter()
                .collect(),
        )
    }

    /// `msg` for every member, in slot order.
    fn broadcast(&self, msg: ServerMsg) -> Vec<Delivery> {
        self.slots
            .iter()
            .flatten()
            .map(|m| to(m, msg.clone()))
            .collect()
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

mod action;
mod game;
mod usage;

pub use action::Action;
pub use usage::{ChatBudget, Usage};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod props;
