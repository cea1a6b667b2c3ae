//! `duet-cli` as a person or a script runs it: a real process against the real server
//! (in this process, on a fresh database), its stdin written and its stdout read.

// A test binary: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use duet_client::api::{CreateRoomRequest, Room, RoomStatus, RoomType};
use duet_client::{Client, Event, ServerMsg, Signaling};
use duet_testkit::{TestApp, WAIT, spawn_app, unique};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use tokio::sync::mpsc;

/// The binary with the server's URL and a configuration folder of its own.
fn cli(app: &TestApp, config: &tempfile::TempDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_duet-cli"));
    command
        .env("DUET_URL", &app.address)
        .env_remove("DUET_TOKEN")
        .env_remove("DUET_PASSWORD")
        .env("HOME", config.path())
        .env("XDG_CONFIG_HOME", config.path());
    command
}

/// The binary with `args`.
fn cli_args(app: &TestApp, config: &tempfile::TempDir, args: &[&str]) -> Command {
    let mut command = cli(app, config);
    command.args(args);
    command
}

/// Runs it to the end with `stdin`, on a blocking thread: the server under test shares
/// this test's runtime and must keep answering meanwhile.
async fn run(mut command: Command, stdin: &str) -> Output {
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).unwrap();
        drop(input);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A running `duet-cli` whose stdout lines arrive on a channel.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::UnboundedReceiver<String>,
}

impl Running {
    fn start(mut command: Command) -> Running {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Running {
            stdin: child.stdin.take(),
            child,
            lines,
        }
    }

    /// The next stdout line (fails after [`WAIT`] or at the end of output).
    async fn line(&mut self) -> String {
        tokio::time::timeout(WAIT, self.lines.recv())
            .await
            .expect("a line within the wait")
            .expect("the program is still writing")
    }

    fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Closes stdin (Ctrl-D) and waits for the exit code.
    async fn finish(mut self) -> Option<i32> {
        drop(self.stdin.take());
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(tokio::time::Instant::now() < deadline, "it exits");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn person(app: &TestApp, name: &str) -> Client {
    app.client_for(&app.new_user(name).await)
}

async fn room(owner: &Client, name: &str) -> Room {
    owner
        .create_room(&CreateRoomRequest {
            name: name.to_owned(),
            room_type: RoomType::Language,
            status: RoomStatus::Public,
        })
        .await
        .unwrap()
}

async fn message(s: &mut Signaling) -> ServerMsg {
    match tokio::time::timeout(WAIT, s.next()).await.unwrap().unwrap() {
        Event::Message(msg) => msg,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn login_saves_a_private_session_that_the_room_commands_use() {
    let app = spawn_app().await;
    let config = tempfile::tempdir().unwrap();
    let email = format!("{}@example.com", unique("ada"));

    let mut signup = cli(&app, &config);
    signup.args([
        "login",
        "--email",
        &email,
        "--name",
        "Ada",
        "--password-stdin",
    ]);
    let out = run(signup, "correct horse battery\n").await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let saved = config.path().join("duet/session.json");
    let mode = std::fs::metadata(&saved).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "only its owner may read the token");

    let mut create = cli(&app, &config);
    create.args(["rooms", "create", "Spanish practice", "--type", "language"]);
    let out = run(create, "").await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let id = text(&out.stdout).trim().to_owned();
    assert!(
        id.parse::<duet_client::RoomId>().is_ok(),
        "prints the id: {id}"
    );

    let out = run(cli_args(&app, &config, &["rooms"]), "").await;
    let table = text(&out.stdout);
    assert!(
        table.contains("Spanish practice") && table.contains(&id),
        "{table}"
    );
    assert!(table.contains("empty"), "{table}");

    let mut json = cli(&app, &config);
    json.args(["rooms", "list", "--json", "--query", "spanish"]);
    let out = run(json, "").await;
    let rooms: Vec<Room> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].id.to_string(), id);

    let out = run(
        cli_args(&app, &config, &["rooms", "delete", "Spanish practice"]),
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(cli_args(&app, &config, &["rooms", "delete", &id]), "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("duet-cli: "),
        "{}",
        text(&out.stderr)
    );

    // A script gets the token on stdout instead.
    let mut print = cli(&app, &config);
    print
        .args(["login", "--email", &email, "--print"])
        .env("DUET_PASSWORD", "correct horse battery");
    let out = run(print, "").await;
    assert_eq!(out.status.code(), Some(0));
    let token = text(&out.stdout).trim().to_owned();
    let me = Client::new(&app.address)
        .unwrap()
        .with_token(token)
        .profile()
        .await
        .unwrap();
    assert_eq!(me.email, email);

    let out = run(cli_args(&app, &config, &["logout"]), "").await;
    assert_eq!(out.status.code(), Some(0));
    assert!(!saved.exists());
    let out = run(cli_args(&app, &config, &["rooms"]), "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not signed in"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn refusals_and_bad_usage_get_conventional_exit_codes() {
    let app = spawn_app().await;
    let config = tempfile::tempdir().unwrap();
    let mut wrong = cli(&app, &config);
    wrong
        .args(["login", "--email", "nobody@example.com"])
        .env("DUET_PASSWORD", "wrong password");
    let out = run(wrong, "").await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "duet-cli: wrong e-mail or password"
    );

    let out = run(cli_args(&app, &config, &["rooms", "--frobnicate"]), "").await;
    assert_eq!(out.status.code(), Some(2));
    let out = run(cli_args(&app, &config, &["chat", "--help"]), "").await;
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("Usage: duet-cli chat"));

    let mut forged = cli(&app, &config);
    forged.args(["rooms"]).env("DUET_TOKEN", "not.a.token");
    let out = run(forged, "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("duet-cli login"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn watch_prints_the_rooms_events_as_json_lines() {
    let app = spawn_app().await;
    let config = tempfile::tempdir().unwrap();
    let ada = person(&app, "Ada").await;
    let bo = person(&app, "Bo").await;
    let room = room(&ada, "Watched").await;
    let mut a = ada.signaling().await.unwrap();
    a.join(room.id).await.unwrap();
    assert!(matches!(
        message(&mut a).await,
        ServerMsg::PlayerAssign { .. }
    ));

    let mut watch = cli(&app, &config);
    watch
        .args(["watch", &room.id.to_string()])
        .env("DUET_TOKEN", bo.token().unwrap());
    let mut watcher = Running::start(watch);
    let parse = |line: String| serde_json::from_str::<ServerMsg>(&line).unwrap();
    match parse(watcher.line().await) {
        ServerMsg::PlayerAssign {
            peer: Some(peer), ..
        } => assert_eq!(peer.name, "Ada"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(message(&mut a).await, ServerMsg::Ready { .. }));
    a.chat("anyone there?").await.unwrap();
    match parse(watcher.line().await) {
        ServerMsg::ChatMessage {
            message, sender, ..
        } => {
            assert_eq!(
                (message.as_str(), sender.as_str()),
                ("anyone there?", "Ada")
            );
        }
        other => panic!("{other:?}"),
    }
    a.leave().await.unwrap();
    assert_eq!(
        parse(watcher.line().await),
        ServerMsg::PeerLeft { room_id: room.id }
    );
}

#[tokio::test]
async fn chat_talks_with_the_person_in_the_room_both_ways() {
    let app = spawn_app().await;
    let config = tempfile::tempdir().unwrap();
    let ada = person(&app, "Ada").await;
    let bo = person(&app, "Bo").await;
    let room = room(&ada, "Tea").await;

    let mut chat = cli(&app, &config);
    chat.args(["chat", "tea"])
        .env("DUET_TOKEN", bo.token().unwrap());
    let mut terminal = Running::start(chat);
    assert!(terminal.line().await.starts_with("* You are in “Tea”"));

    let mut a = ada.signaling().await.unwrap();
    a.join(room.id).await.unwrap();
    assert!(matches!(
        message(&mut a).await,
        ServerMsg::PlayerAssign { .. }
    ));
    assert_eq!(terminal.line().await, "* Ada joined");

    a.chat("hi Bo").await.unwrap();
    assert!(
        matches!(message(&mut a).await, ServerMsg::ChatMessage { .. }),
        "own echo"
    );
    assert_eq!(terminal.line().await, "Ada: hi Bo");

    terminal.type_line("hello Ada");
    match message(&mut a).await {
        ServerMsg::ChatMessage {
            message, sender, ..
        } => {
            assert_eq!((message.as_str(), sender.as_str()), ("hello Ada", "Bo"));
        }
        other => panic!("{other:?}"),
    }

    a.leave().await.unwrap();
    assert_eq!(terminal.line().await, "* Ada left");
    assert_eq!(
        terminal.finish().await,
        Some(0),
        "Ctrl-D ends the chat cleanly"
    );
}

/// The `duet` binary of this build (next to the test binaries' `deps` folder; the package
/// set of `just test` includes duet-backend, whose integration tests make Cargo build it).
fn duet_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("duet");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p duet-backend --bin duet` first",
        bin.display()
    );
    bin
}

async fn start_server(database_url: &str, port: u16) -> duet_testkit::Process {
    duet_testkit::ServerCommand::new(duet_binary())
        .args([
            "--jwt-secret",
            duet_testkit::SECRET,
            "--database-url",
            database_url,
        ])
        .args([
            "--port",
            &port.to_string(),
            "--auth-rate-per-minute",
            "1000",
        ])
        .env("LOG_FORMAT", "text")
        .spawn()
        .await
        .unwrap()
}

impl Running {
    /// Reads lines until one satisfies `want` (the others are skipped).
    async fn line_where(&mut self, want: impl Fn(&str) -> bool) -> String {
        loop {
            let line = self.line().await;
            if want(&line) {
                return line;
            }
        }
    }
}

#[tokio::test]
async fn chat_reconnects_by_itself_when_the_server_restarts() {
    let data = tempfile::tempdir().unwrap();
    let database_url = duet_testkit::fresh_database(data.path()).await;
    let server = start_server(&database_url, 0).await;
    let port = server.port;
    let app = TestApp::at(port);
    let config = tempfile::tempdir().unwrap();
    let ada = person(&app, "Ada").await;
    let bo = person(&app, "Bo").await;
    let room = room(&ada, "Sturdy").await;
    let mut a = ada.signaling().await.unwrap();
    a.join(room.id).await.unwrap();
    assert!(matches!(
        message(&mut a).await,
        ServerMsg::PlayerAssign { .. }
    ));

    let mut chat = cli(&app, &config);
    chat.args(["chat", &room.id.to_string()])
        .env("DUET_TOKEN", bo.token().unwrap());
    let mut terminal = Running::start(chat);
    terminal.line_where(|l| l == "* Ada is here").await;
    assert!(matches!(message(&mut a).await, ServerMsg::Ready { .. }));

    // Killed outright, then started again where it was.
    drop(server);
    terminal
        .line_where(|l| l == "* Connection lost; reconnecting…")
        .await;
    let _server = start_server(&database_url, port).await;
    terminal.line_where(|l| l == "* Reconnected.").await;

    // Ada's side rejoins too; once both are back she speaks.
    let mut back = false;
    loop {
        match tokio::time::timeout(WAIT, a.next()).await.unwrap().unwrap() {
            Event::Reconnected { .. } => back = true,
            Event::Message(ServerMsg::Ready { .. })
            | Event::Message(ServerMsg::PlayerAssign { peer: Some(_), .. })
                if back =>
            {
                break;
            }
            Event::Ended(e) => panic!("{e}"),
            _ => {}
        }
    }
    a.chat("are you back?").await.unwrap();
    terminal.line_where(|l| l == "Ada: are you back?").await;
    terminal.type_line("yes, by myself");
    loop {
        if let ServerMsg::ChatMessage {
            message, sender, ..
        } = message(&mut a).await
            && sender == "Bo"
        {
            assert_eq!(message, "yes, by myself");
            break;
        }
    }
}
