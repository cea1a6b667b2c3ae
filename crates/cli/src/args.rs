//! The command line: global flags and one subcommand per task, each with `--help`.

use clap::{Args, Parser, Subcommand};
use duet_client::api::RoomType;

/// Duet in a terminal: sign in, manage rooms, chat with a person in the browser, or watch
/// a room's events as JSON lines.
///
/// Exit codes: 0 done, 1 failed (the reason is on stderr), 2 bad usage.
#[derive(Debug, Parser)]
#[command(name = "duet-cli", version)]
pub struct Cli {
    /// The Duet server (default: the one saved by `login`, else http://localhost:8080).
    #[arg(long, env = "DUET_URL", global = true)]
    pub url: Option<String>,
    /// A session token (default: the one saved by `login`).
    #[arg(long, env = "DUET_TOKEN", global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in (or, with --name, sign up) and save the session token for later commands.
    Login(Login),
    /// Sign out and forget the saved session token.
    Logout,
    /// List rooms with who is in them, or create or delete one.
    Rooms {
        /// What to do with rooms (default: list).
        #[command(subcommand)]
        action: Option<RoomsAction>,
    },
    /// Chat with the person in a room (reconnects by itself).
    ///
    /// Type a line and press Enter to send it; the other person's lines, arrivals and
    /// departures are printed as they happen. Ctrl-D (or /quit) leaves.
    Chat {
        /// The room's id, or its exact name.
        room: String,
    },
    /// Print a room's events as JSON lines, for scripts.
    ///
    /// Joins the room's call (taking one of its two places) and prints each message the
    /// server sends as the protocol has it (docs/protocol.md), plus `disconnected`,
    /// `reconnected` and `ended` lines about the connection. Runs until stopped.
    Watch {
        /// The room's id, or its exact name.
        room: String,
    },
}

/// `login` flags.
#[derive(Debug, Args)]
pub struct Login {
    /// The account's e-mail.
    #[arg(long, env = "DUET_EMAIL")]
    pub email: String,
    /// Read the password from the first line of standard input (else `DUET_PASSWORD`,
    /// else a prompt).
    #[arg(long)]
    pub password_stdin: bool,
    /// Make a new account with this display name instead of signing in.
    #[arg(long)]
    pub name: Option<String>,
    /// Print the token on stdout instead of saving it (for scripts: `DUET_TOKEN=$(…)`).
    #[arg(long)]
    pub print: bool,
}

/// `rooms` subcommands.
#[derive(Debug, Subcommand)]
pub enum RoomsAction {
    /// Public rooms and your private ones, newest first, with occupancy.
    List {
        /// Only rooms of this type (game, business, coding, learning, language).
        #[arg(long = "type")]
        room_type: Option<RoomType>,
        /// Only rooms whose name contains this (any case).
        #[arg(long)]
        query: Option<String>,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Make a room; prints its id.
    Create {
        /// Its name.
        name: String,
        /// What it is for (game, business, coding, learning, language).
        #[arg(long = "type", default_value = "coding")]
        room_type: RoomType,
        /// Unlisted: only people given its id can join.
        #[arg(long)]
        private: bool,
    },
    /// Delete one of your rooms.
    Delete {
        /// The room's id, or its exact name.
        room: String,
    },
}
