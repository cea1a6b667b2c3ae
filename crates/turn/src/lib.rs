//! Duet's embedded TURN/STUN server.
//!
//! The TURN protocol itself (allocations, permissions, channels, relaying) is webrtc-rs `turn`;
//! this crate adds what Duet needs around it: the backend's REST credentials, a peer address
//! policy against relaying into private networks, allocation quotas, TCP listening, counters.
//! See README.md for why this library and how the pieces fit.
//!
//! ```no_run
//! # async fn run() -> Result<(), duet_turn::TurnError> {
//! let config = duet_turn::TurnConfig::new("192.0.2.10".parse().unwrap(), "secret".to_owned().into());
//! let server = duet_turn::TurnServer::start(config).await?;
//! println!("TURN on {}; {:?}", server.local_addr(), server.stats());
//! server.stop().await;
//! # Ok(())
//! # }
//! ```

pub mod auth;
mod config;
mod error;
mod gate;
mod local;
mod policy;
mod quota;
mod ration;
mod relay;
mod server;
mod shared;
mod stats;
mod tcp;

pub use config::TurnConfig;
pub use error::TurnError;
pub use secrecy::SecretString;
pub use server::{StatsReader, TurnServer};
pub use stats::TurnStats;
