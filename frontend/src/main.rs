//! Duet's browser app: accounts, the lobby of rooms, and a two-person video call
//! with chat, screen sharing and Tic-Tac-Toe. Built by trunk, served by the backend.

mod api;
mod app;
mod auth;
mod browser;
mod call;
mod components;
mod links;
mod pages;
mod signaling;
mod webrtc;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
    browser::remove_boot_message();
}
