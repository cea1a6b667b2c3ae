//! Duet's Rust client: everything a program needs to take part in Duet without a browser.
//!
//! - [`Client`]: the REST API — sign up, sign in, sign out, rooms (list with live
//!   occupancy, create, delete, join by id), the ICE configuration. Authenticates with a
//!   bearer token kept in memory; store [`Client::token`] yourself if you want it kept.
//! - [`Signaling`]: the signaling connection as the web app keeps it — typed
//!   [`ServerMsg`] events in, typed [`ClientMsg`]s out, reconnecting with exponential
//!   backoff and equal jitter (0.5 s doubling to 10 s, [`backoff`]) and joining its room
//!   again after every reconnect.
//! - [`Connection`]: one raw signaling socket, for tools that manage the socket themselves.
//! - [`Error`]: every refusal — HTTP statuses with the server's [`ApiCode`], signaling
//!   [`ErrorCode`]s, `room-full`, close frames — and transport failures, in one enum.
//!
//! Joining by invite link is not offered: the server has no invites yet.
//!
//! The protocol types come from [`duet_shared`], re-exported here.
//!
//! # Example
//!
//! Sign in, make a room, join its call and print what the other person says:
//!
//! ```no_run
//! use duet_client::api::{CreateRoomRequest, RoomStatus, RoomType};
//! use duet_client::{Client, Event, ServerMsg};
//!
//! # async fn run() -> Result<(), duet_client::Error> {
//! let mut client = Client::new("http://localhost:8080")?;
//! client.sign_in("ada@example.com", "correct horse battery").await?;
//! let room = client
//!     .create_room(&CreateRoomRequest {
//!         name: "Pairing".into(),
//!         room_type: RoomType::Coding,
//!         status: RoomStatus::Public,
//!     })
//!     .await?;
//!
//! let mut signaling = client.signaling().await?;
//! signaling.join(room.id).await?;
//! while let Some(event) = signaling.next().await {
//!     match event {
//!         Event::Message(ServerMsg::PlayerAssign { peer, .. }) => {
//!             signaling.chat("hello").await?;
//!             if let Some(peer) = peer {
//!                 println!("{} is here", peer.name);
//!             }
//!         }
//!         Event::Message(ServerMsg::ChatMessage { sender, message, .. }) => {
//!             println!("{sender}: {message}");
//!         }
//!         Event::Disconnected { retry_in, .. } => println!("reconnecting in {retry_in:?}"),
//!         Event::Ended(why) => return Err(why),
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod backoff;
mod client;
mod error;
mod signaling;
mod socket;

pub use client::Client;
pub use duet_shared::{ClientMsg, ErrorCode, RoomId, ServerMsg, UserId, api, games, protocol};
pub use error::{ApiCode, Error, Result, code_name};
/// The HTTP library, for [`Client::with_http`]'s client (timeouts, proxies, TLS roots).
pub use reqwest;
pub use signaling::{Event, Signaling};
pub use socket::{Connection, Incoming, Socket, bearer_request};
/// The WebSocket library, for [`Connection::open_request`]'s request and configuration.
pub use tokio_tungstenite::tungstenite;
