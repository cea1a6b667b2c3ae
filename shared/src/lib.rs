//! Duet's shared vocabulary: the signaling protocol spoken over `/ws`, the REST
//! request and response bodies, the limits both sides agree on, and the pure
//! game rules the server enforces and the browser previews.
//!
//! Builds for native and `wasm32-unknown-unknown`; depends on serde and uuid only.

pub mod api;
pub mod games;
pub mod ids;
pub mod limits;
pub mod protocol;

pub use ids::{RoomId, UserId};
pub use protocol::{ClientMsg, DecodeError, ErrorCode, ServerMsg};
