//! The room registry: membership, the 2-member capacity and message delivery behind
//! one interface, so one process (in memory) and several (over Redis) look the same
//! to the session code.

use super::room::{Action, ConnId, Delivery, Member, Outcome, RoomState};
use async_trait::async_trait;
use duet_shared::{RoomId, ServerMsg};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Messages queued for one connection before it is considered too slow and closed.
pub const OUTBOX_CAPACITY: usize = 256;

/// Where a connection receives what the hub delivers to it.
#[derive(Debug, Clone)]
pub struct Outbox {
    /// Messages for the connection's socket.
    pub tx: mpsc::Sender<ServerMsg>,
    /// Cancelled when the connection must close (it fell too far behind).
    pub overflow: CancellationToken,
}

/// A failure of the hub's backing store (never of the client's input).
#[derive(Debug, thiserror::Error)]
#[error("room registry unavailable: {0}")]
pub struct HubError(pub String);

/// Room membership and delivery. Every method is atomic per room: two joins racing
/// for the last slot never both win.
#[async_trait]
pub trait Hub: Send + Sync + 'static {
    /// Makes a local connection reachable.
    async fn attach(&self, conn: ConnId, outbox: Outbox) -> Result<(), HubError>;
    /// Forgets a connection (call after it left its room).
    async fn detach(&self, conn: ConnId) -> Result<(), HubError>;
    /// Admits `member` to `room`, or refuses it as full; delivers the resulting messages.
    async fn join(&self, room: RoomId, member: &Member) -> Result<Outcome, HubError>;
    /// Applies a member's action in `room` and delivers the resulting messages.
    async fn apply(
        &self,
        room: RoomId,
        actor: &Member,
        action: Action,
    ) -> Result<Outcome, HubError>;
    /// Members present in each of `rooms`, in the same order.
    async fn occupancy(&self, rooms: &[RoomId]) -> Result<Vec<u8>, HubError>;
}

/// The single-process hub: room states and connections in memory.
#[derive(Default)]
pub struct MemoryHub {
    rooms: Mutex<HashMap<RoomId, RoomState>>,
    conns: Mutex<HashMap<ConnId, Outbox>>,
}

impl MemoryHub {
    /// An empty hub.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` on the room's state and delivers its messages while the room is still
    /// locked, so every member sees one room's messages in the order they happened.
    fn step(&self, room: RoomId, f: impl FnOnce(&mut RoomState) -> super::room::Step) -> Outcome {
        let mut rooms = lock(&self.rooms);
        let state = rooms.entry(room).or_default();
        let step = f(state);
        if state.is_empty() {
            rooms.remove(&room);
        }
        let conns = lock(&self.conns);
        for Delivery { to, msg } in step.deliveries {
            if let Some(outbox) = conns.get(&to) {
                deliver(to, outbox, msg);
            }
        }
        step.outcome
    }
}

/// Queues `msg` without waiting; a connection whose queue is full is told to close.
fn deliver(to: ConnId, outbox: &Outbox, msg: ServerMsg) {
    if let Err(mpsc::error::TrySendError::Full(_)) = outbox.tx.try_send(msg) {
        tracing::warn!(conn = %to.0, "outbox full: closing a connection that stopped reading");
        outbox.overflow.cancel();
    }
}

/// Locks a map; a panic elsewhere while holding it leaves plain data that is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl Hub for MemoryHub {
    async fn attach(&self, conn: ConnId, outbox: Outbox) -> Result<(), HubError> {
        lock(&self.conns).insert(conn, outbox);
        Ok(())
    }

    async fn detach(&self, conn: ConnId) -> Result<(), HubError> {
        lock(&self.conns).remove(&conn);
        Ok(())
    }

    async fn join(&self, room: RoomId, member: &Member) -> Result<Outcome, HubError> {
        Ok(self.step(room, |state| state.join(room, member)))
    }

    async fn apply(
        &self,
        room: RoomId,
        actor: &Member,
        action: Action,
    ) -> Result<Outcome, HubError> {
        Ok(self.step(room, |state| state.apply(room, actor, action)))
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
