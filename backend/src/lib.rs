//! Duet's server: accounts, rooms, WebSocket signaling between the two members
//! of a room, and static serving of the built web app.
//!
//! `main.rs` parses a [`config::Config`] and hands it to
//! [`startup::Application::build`], which validates it into [`settings::Settings`]
//! and wires those; tests do the same on port 0.

pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod metrics;
pub mod security_headers;
pub mod settings;
pub mod signaling;
pub mod startup;
pub mod state;
pub mod static_files;
pub mod telemetry;
pub mod turn_embedded;
pub mod turn_provider;

pub use error::AppError;
pub use startup::Application;
