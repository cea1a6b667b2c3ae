//! WebSocket signaling: the upgrade endpoint, one task per connection, and the hub
//! that holds room membership and delivers messages between the two members.
//!
//! Who receives what is decided by [`room::RoomState`], a pure state machine; the
//! [`hub::Hub`] keeps those states (in memory here, in Redis across instances) and
//! moves the resulting deliveries; [`session`] only moves frames.

pub mod admission;
pub mod hub;
pub mod redis_hub;
pub mod room;
pub mod session;
pub mod upgrade;

pub use hub::{Hub, MemoryHub};
pub use room::{Action, ConnId, Member, Outcome, RoomState};
