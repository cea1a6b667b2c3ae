//! Duet's browser app: accounts, the lobby of rooms, and a two-person video call
//! with chat, screen sharing and Tic-Tac-Toe. Built by trunk, served by the backend.
//!
//! One library, two apps (`src/bin`): the lobby and the call are separate WASM modules,
//! so a first visit to the lobby downloads no WebRTC, call or game code, and someone
//! opening a room link downloads no lobby.

mod api;
pub mod app;
mod auth;
mod browser;
mod call;
mod components;
mod files;
mod links;
mod pages;
mod signaling;
mod webrtc;

use leptos::prelude::IntoView;

/// Mounts `app` on the page and removes the "Loading Duet…" placeholder.
pub fn start<F, V>(app: F)
where
    F: FnOnce() -> V + 'static,
    V: IntoView + 'static,
{
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app);
    browser::remove_boot_message();
}
