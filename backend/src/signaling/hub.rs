//! The room registry: membership, the 2-member capacity and message delivery behind
//! one interface, so one process ([`MemoryHub`]) and several
//! ([`super::redis_hub::RedisHub`]) look the same to the session code.

use super::room::{Action, ConnId, Delivery, Member, Outcome, RoomState, Step};
use async_trait::async_trait;
use duet_shared::api::RoomType;
use duet_shared::{RoomId, ServerMsg};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Messages queued for one connection before it is considered too slow and closed.
pub const OUTBOX_CAPACITY: usize = 256;

/// One queued message. Boxed because the queue's storage is allocated in blocks of 32
/// slots that every connection keeps (two once it has received 32 messages): a pointer per
/// slot costs 256 bytes a block where an unboxed `ServerMsg` cost about 3 KB
/// (docs/benchmarks.md, "Memory per connection").
pub type Queued = Box<ServerMsg>;

/// Where a connection receives what the hub delivers to it.
#[derive(Debug, Clone)]
pub struct Outbox {
    /// Messages for the connection's socket.
    pub tx: mpsc::Sender<Queued>,
    /// Cancelled when the connection must close (it fell too far behind).
    pub overflow: CancellationToken,
}

/// A failure of the hub's backing store (never of the client's input).
#[derive(Debug, thiserror::Error)]
#[error("room registry unavailable: {0}")]
pub struct HubError(pub String);

/// Room membership and delivery. Every method is atomic per room: two joins racing
/// for the last slot never both win, whichever instances they arrive at.
#[async_trait]
pub trait Hub: Send + Sync + 'static {
    /// A fresh id for a connection held by this instance.
    fn conn_id(&self) -> ConnId;
    /// The connections this instance holds.
    fn outboxes(&self) -> &Outboxes;
    /// Makes a local connection reachable.
    async fn attach(&self, conn: ConnId, outbox: Outbox) -> Result<(), HubError> {
        self.outboxes().insert(conn, outbox);
        Ok(())
    }
    /// Forgets a connection (call after it left its room).
    async fn detach(&self, conn: ConnId) -> Result<(), HubError> {
        self.outboxes().remove(conn);
        Ok(())
    }
    /// Admits `member` to `room` (a room of `room_type`), or refuses it; delivers the
    /// resulting messages.
    async fn join(
        &self,
        room: RoomId,
        member: &Member,
        room_type: RoomType,
    ) -> Result<Outcome, HubError>;
    /// Applies a member's action in `room` and delivers the resulting messages.
    async fn apply(
        &self,
        room: RoomId,
        actor: &Member,
        action: Action,
    ) -> Result<Outcome, HubError>;
    /// Rooms with a member connected to this instance.
    fn local_rooms(&self) -> usize;
    /// Members present in each of `rooms`, in the same order.
    async fn occupancy(&self, rooms: &[RoomId]) -> Result<Vec<u8>, HubError>;
}

/// The connections this instance holds, by id.
#[derive(Default)]
pub struct Outboxes(Mutex<HashMap<ConnId, Outbox>>);

impl Outboxes {
    /// Registers a connection.
    pub fn insert(&self, conn: ConnId, outbox: Outbox) {
        lock(&self.0).insert(conn, outbox);
    }

    /// Forgets a connection.
    pub fn remove(&self, conn: ConnId) {
        lock(&self.0).remove(&conn);
    }

    /// Queues `msg` for `to` without waiting; a connection whose queue is full is told
    /// to close. Messages for connections that are gone are dropped.
    pub fn deliver(&self, to: ConnId, msg: ServerMsg) {
        let conns = lock(&self.0);
        let Some(outbox) = conns.get(&to) else {
            return;
        };
        if let Err(mpsc::error::TrySendError::Full(_)) = outbox.tx.try_send(Box::new(msg)) {
            tracing::warn!(conn = %to.id, "outbox full: closing a connection that stopped reading");
            outbox.overflow.cancel();
        }
    }
}

/// The single-process hub: room states and connections in memory.
pub struct MemoryHub {
    instance: Uuid,
    rooms: Mutex<HashMap<RoomId, RoomState>>,
    conns: Outboxes,
}

impl Default for MemoryHub {
    fn default() -> Self {
        MemoryHub {
            instance: Uuid::new_v4(),
            rooms: Mutex::default(),
            conns: Outboxes::default(),
        }
    }
}

impl MemoryHub {
    /// An empty hub.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` on the room's state and delivers its messages while the room is still
    /// locked, so every member sees one room's messages in the order they happened.
    fn step(&self, room: RoomId, f: impl FnOnce(&mut RoomState) -> Step) -> Outcome {
        let mut rooms = lock(&self.rooms);
        let state = rooms.entry(room).or_default();
        let step = f(state);
        if state.is_empty() {
            rooms.remove(&room);
        }
        for Delivery { to, msg } in step.deliveries {
            self.conns.deliver(to, msg);
        }
        step.outcome
    }
}

/// Locks a map; a panic elsewhere while holding it leaves plain data that is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl Hub for MemoryHub {
    fn conn_id(&self) -> ConnId {
        ConnId::new(self.instance)
    }

    fn outboxes(&self) -> &Outboxes {
        &self.conns
    }

    async fn join(
        &self,
        room: RoomId,
        member: &Member,
        room_type: RoomType,
    ) -> Result<Outcome, HubError> {
        Ok(self.step(room, |state| state.join(room, member, room_type)))
    }

    async fn apply(
        &self,
        room: RoomId,
        actor: &Member,
        action: Action,
    ) -> Result<Outcome, HubError> {
        Ok(self.step(room, |state| state.apply(room, actor, action)))
    }

    fn local_rooms(&self) -> usize {
        lock(&self.rooms).len()
    }

    async fn occupancy(&self, rooms: &[RoomId]) -> Result<Vec<u8>, HubError> {
        let states = lock(&self.rooms);
        Ok(rooms
            .iter()
            .map(|r| {
                states
                    .get(r)
                    .map_or(0, |s| u8::try_from(s.occupants()).unwrap_or(u8::MAX))
            })
            .collect())
    }
}
