//! `duet-cli`: Duet in a terminal, built on the `duet-client` library.
//!
//! `login` saves a session, `rooms` lists, creates and deletes rooms, `chat ROOM` talks with
//! the person in the room, `watch ROOM` prints the room's events as JSON lines. Every
//! command has `--help`. Exit codes: 0 done, 1 failed (reason on stderr), 2 bad usage.

mod args;
mod chat;
mod failure;
mod login;
mod rooms;
mod store;

use args::{Cli, Command};
use clap::Parser;
use duet_client::Client;
use failure::Failure;
use std::process::ExitCode;

/// The server when neither a flag, the environment nor a saved session names one.
const DEFAULT_URL: &str = "http://localhost:8080";
/// How long to wait for the server to accept a connection.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn main() -> ExitCode {
    // Bad usage exits 2 with clap's message; --help and --version exit 0.
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&Failure(format!("cannot start: {e}"))),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(&failure),
    }
}

fn fail(failure: &Failure) -> ExitCode {
    eprintln!("duet-cli: {}", failure.0);
    ExitCode::FAILURE
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let ctx = Context::new(cli.url, cli.token);
    match cli.command {
        Command::Login(login) => login::login(&ctx, login).await,
        Command::Logout => login::logout(&ctx).await,
        Command::Rooms { action } => rooms::run(&ctx, action).await,
        Command::Chat { room } => chat::chat(&ctx, &room).await,
        Command::Watch { room } => chat::watch(&ctx, &room).await,
    }
}

/// Where to connect and as whom: flags and environment first, then the saved session.
pub struct Context {
    /// The server's URL.
    pub url: String,
    /// The session token, if any.
    pub token: Option<String>,
}

impl Context {
    fn new(url: Option<String>, token: Option<String>) -> Context {
        // An empty variable (`DUET_TOKEN=`) means unset, as shells use it.
        let url = url.filter(|u| !u.trim().is_empty());
        let token = token.filter(|t| !t.trim().is_empty());
        let saved = store::load();
        // A saved token belongs to the server it came from; it is not sent to another.
        let url = url
            .or_else(|| saved.as_ref().map(|s| s.url.clone()))
            .unwrap_or_else(|| DEFAULT_URL.to_owned());
        let token = token.or_else(|| saved.filter(|s| s.url == url).map(|s| s.token));
        Context { url, token }
    }

    /// A client for the server, not signed in. A server that does not answer the
    /// connection is reported, not waited for forever.
    pub fn client(&self) -> Result<Client, Failure> {
        let http = duet_client::reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| Failure(format!("cannot make an HTTP client: {e}")))?;
        Ok(Client::with_http(&self.url, http)?)
    }

    /// A client with the session token (an error telling how to get one if there is none).
    pub fn signed_in(&self) -> Result<Client, Failure> {
        let token = self.token.as_deref().ok_or_else(|| {
            Failure("not signed in: run `duet-cli login` or set DUET_TOKEN".to_owned())
        })?;
        Ok(self.client()?.with_token(token))
    }
}
