//! [`Signaling`]: the signaling connection as the web app keeps it. A task owns the socket;
//! when it drops it reconnects with backoff and jitter ([`crate::backoff`]) and joins the
//! room again, so the caller sees [`Event::Disconnected`] then [`Event::Reconnected`] and
//! the server's fresh `player-assign` (with the game in progress: the resume).

use crate::backoff::reconnect_delay;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::socket::{Connection, Incoming, closed_error};
use duet_shared::protocol::validate_chat;
use duet_shared::{ClientMsg, ErrorCode, RoomId, ServerMsg};
use reqwest::Url;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// What happened on a [`Signaling`] connection.
#[derive(Debug)]
pub enum Event {
    /// A message from the server (refusals included: `error`, `room-full`).
    Message(ServerMsg),
    /// The socket dropped; the next attempt is `attempt` (from 1), in `retry_in`.
    Disconnected {
        /// Which attempt comes next.
        attempt: u32,
        /// How long until it.
        retry_in: Duration,
        /// Why the socket ended.
        reason: Error,
    },
    /// The socket is back; `rejoining` is the room a `join-room` was sent for again.
    Reconnected {
        /// The room being rejoined, if the connection was in one.
        rejoining: Option<RoomId>,
    },
    /// The connection is over for good (the token was refused, or it was closed); no more
    /// events follow.
    Ended(Error),
}

enum Command {
    Send(ClientMsg, oneshot::Sender<Result<()>>),
    Close(oneshot::Sender<()>),
}

/// A signaling connection that reconnects by itself and rejoins its room.
///
/// Sends are refused with [`Error::Disconnected`] while it is reconnecting (the caller
/// decides whether to retry); the room to rejoin is remembered from [`Signaling::join`]
/// and forgotten on [`Signaling::leave`], `room-full`, `room-not-found` and `replaced`
/// (another connection of the same account took the slot).
pub struct Signaling {
    commands: mpsc::UnboundedSender<Command>,
    events: mpsc::UnboundedReceiver<Event>,
    room: Option<RoomId>,
}

impl Signaling {
    /// Connects (the first attempt's failure is returned, not retried).
    pub(crate) async fn open(client: &Client) -> Result<Signaling> {
        let token = client.token().ok_or(Error::NotSignedIn)?.to_owned();
        let url = client.ws_url();
        let connection = Connection::open(&url, &token).await?;
        let (commands, rx) = mpsc::unbounded_channel();
        let (tx, events) = mpsc::unbounded_channel();
        let task = Task {
            url,
            token,
            room: None,
            events: tx,
        };
        tokio::spawn(task.run(connection, rx));
        Ok(Signaling {
            commands,
            events,
            room: None,
        })
    }

    /// The next event; `None` after [`Event::Ended`]. Cancel-safe.
    pub async fn next(&mut self) -> Option<Event> {
        let event = self.events.recv().await?;
        if let Event::Message(msg) = &event {
            self.room = forget_room(self.room, msg);
        }
        Some(event)
    }

    /// Sends one message (refused while reconnecting).
    pub async fn send(&self, msg: ClientMsg) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Send(msg, reply))
            .map_err(|_| Error::Disconnected)?;
        answer.await.unwrap_or(Err(Error::Disconnected))
    }

    /// Joins `room`'s call (answered by `player-assign` or `room-full`); the room is
    /// rejoined after every reconnect until left. A private room needs
    /// [`Client::join_room`] first.
    pub async fn join(&mut self, room: RoomId) -> Result<()> {
        self.send(ClientMsg::JoinRoom { room_id: room }).await?;
        self.room = Some(room);
        Ok(())
    }

    /// Leaves the room joined last.
    pub async fn leave(&mut self) -> Result<()> {
        let Some(room) = self.room.take() else {
            return Ok(());
        };
        self.send(ClientMsg::LeaveRoom { room_id: room }).await
    }

    /// Sends a chat line to the joined room; an empty or too long line is refused here,
    /// with the server's rule, as [`Error::Refused`].
    pub async fn chat(&self, message: &str) -> Result<()> {
        let Some(room) = self.room else {
            return Err(Error::Refused {
                code: ErrorCode::NotInRoom,
                message: "join a room first".to_owned(),
            });
        };
        validate_chat(message).map_err(|e| Error::Refused {
            code: e.code,
            message: e.message,
        })?;
        self.send(ClientMsg::ChatMessage {
            room_id: room,
            message: message.to_owned(),
        })
        .await
    }

    /// The room joined last, until left or refused.
    pub fn room(&self) -> Option<RoomId> {
        self.room
    }

    /// Closes the socket politely and stops reconnecting.
    pub async fn close(self) {
        let (reply, done) = oneshot::channel();
        if self.commands.send(Command::Close(reply)).is_ok() {
            let _ = done.await;
        }
    }
}

/// The room still to rejoin after `msg`: refusals of the join, and being replaced, end it.
fn forget_room(room: Option<RoomId>, msg: &ServerMsg) -> Option<RoomId> {
    match msg {
        ServerMsg::RoomFull { room_id } if Some(*room_id) == room => None,
        ServerMsg::Error {
            code: ErrorCode::RoomNotFound | ErrorCode::Replaced,
            ..
        } => None,
        _ => room,
    }
}

/// The connection's own task: owns the socket, answers commands, reconnects.
struct Task {
    url: Url,
    token: String,
    room: Option<RoomId>,
    events: mpsc::UnboundedSender<Event>,
}

/// How a connected spell ended.
enum Lost {
    /// The socket dropped: reconnect.
    Dropped(Error),
    /// The owner closed it or went away: stop.
    Done,
}

impl Task {
    async fn run(
        mut self,
        mut connection: Connection,
        mut commands: mpsc::UnboundedReceiver<Command>,
    ) {
        loop {
            let reason = match self.connected(&mut connection, &mut commands).await {
                Lost::Dropped(reason) => reason,
                Lost::Done => {
                    connection.close().await;
                    return;
                }
            };
            drop(connection);
            match self.reconnect(reason, &mut commands).await {
                Some(next) => connection = next,
                None => return,
            }
        }
    }

    async fn connected(
        &mut self,
        connection: &mut Connection,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> Lost {
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(Command::Send(msg, reply)) => {
                        let room = match &msg {
                            ClientMsg::JoinRoom { room_id } => Some(*room_id),
                            ClientMsg::LeaveRoom { .. } => None,
                            _ => self.room,
                        };
                        let sent = connection.send(&msg).await;
                        let failed = sent.is_err();
                        if !failed {
                            self.room = room;
                        }
                        let _ = reply.send(sent);
                        if failed {
                            return Lost::Dropped(Error::Disconnected);
                        }
                    }
                    Some(Command::Close(reply)) => {
                        let _ = reply.send(());
                        let _ = self.events.send(Event::Ended(Error::Disconnected));
                        return Lost::Done;
                    }
                    None => return Lost::Done,
                },
                incoming = connection.recv() => match incoming {
                    Incoming::Message(msg) => {
                        self.room = forget_room(self.room, &msg);
                        if self.events.send(Event::Message(msg)).is_err() {
                            return Lost::Done;
                        }
                    }
                    // A frame this version cannot read is skipped, as the web app does.
                    Incoming::Unreadable { .. } => {}
                    Incoming::Closed(frame) => return Lost::Dropped(closed_error(frame)),
                },
            }
        }
    }

    /// Tries again until the socket is back (`Some`), or the token is refused or the owner
    /// is gone (`None`).
    async fn reconnect(
        &mut self,
        mut reason: Error,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> Option<Connection> {
        let mut attempt = 0u32;
        loop {
            attempt = attempt.saturating_add(1);
            let retry_in = reconnect_delay(attempt, fastrand::f64());
            let event = Event::Disconnected {
                attempt,
                retry_in,
                reason,
            };
            if self.events.send(event).is_err() {
                return None;
            }
            let wake = tokio::time::Instant::now() + retry_in;
            loop {
                tokio::select! {
                    () = tokio::time::sleep_until(wake) => break,
                    command = commands.recv() => match command {
                        Some(Command::Send(_, reply)) => {
                            let _ = reply.send(Err(Error::Disconnected));
                        }
                        Some(Command::Close(reply)) => {
                            let _ = reply.send(());
                            let _ = self.events.send(Event::Ended(Error::Disconnected));
                            return None;
                        }
                        None => return None,
                    },
                }
            }
            match Connection::open(&self.url, &self.token).await {
                Ok(mut connection) => {
                    let rejoining = self.room;
                    if let Some(room_id) = rejoining
                        && let Err(e) = connection.send(&ClientMsg::JoinRoom { room_id }).await
                    {
                        reason = e;
                        continue;
                    }
                    let _ = self.events.send(Event::Reconnected { rejoining });
                    return Some(connection);
                }
                // The server is up and says the session is over: retrying cannot help.
                Err(e) if e.is_unauthenticated() => {
                    let _ = self.events.send(Event::Ended(e));
                    return None;
                }
                Err(e) => reason = e,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid_free::room;

    /// Room ids without a uuid dependency: the shared crate's parser.
    mod uuid_free {
        use duet_shared::RoomId;
        pub fn room(n: u8) -> RoomId {
            format!("00000000-0000-4000-8000-0000000000{n:02x}")
                .parse()
                .unwrap()
        }
    }

    #[test]
    fn refusals_of_the_join_and_replacement_end_the_rejoin() {
        let r = Some(room(1));
        assert_eq!(
            forget_room(r, &ServerMsg::RoomFull { room_id: room(1) }),
            None
        );
        assert_eq!(
            forget_room(r, &ServerMsg::error(ErrorCode::RoomNotFound, "")),
            None
        );
        assert_eq!(
            forget_room(r, &ServerMsg::error(ErrorCode::Replaced, "")),
            None
        );
    }

    #[test]
    fn other_messages_keep_the_room() {
        let r = Some(room(1));
        assert_eq!(forget_room(r, &ServerMsg::PeerLeft { room_id: room(1) }), r);
        assert_eq!(
            forget_room(r, &ServerMsg::error(ErrorCode::RateLimited, "")),
            r
        );
        // A stale room-full for another room does not make us forget ours.
        assert_eq!(forget_room(r, &ServerMsg::RoomFull { room_id: room(2) }), r);
    }
}
