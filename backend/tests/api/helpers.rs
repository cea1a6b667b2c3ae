//! `spawn_app` and one helper per endpoint, so tests read like specs.

use clap::Parser;
use duet_backend::Application;
use duet_backend::config::Config;
use duet_shared::api::{AuthResponse, Room};
use duet_shared::protocol::{ClientMsg, IceCandidate, SdpType, SessionDescription};
use duet_shared::{ErrorCode, RoomId, ServerMsg};
use futures_util::future::join_all;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sqlx::Connection;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};
use uuid::Uuid;

/// The signing secret the test servers use, so tests can forge tokens on purpose.
pub const SECRET: &str = "integration-test-secret-0123456789abcdef";

/// How long any single expected event may take on a loaded 2-core machine.
pub const WAIT: Duration = Duration::from_secs(15);

/// A running server with its own database and data folder.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The bound port.
    pub port: u16,
    /// A client without cookies.
    pub http: reqwest::Client,
    /// The database URL the server uses.
    pub database_url: String,
    /// The metrics listener's port, with `--metrics-addr`.
    pub metrics_port: Option<u16>,
    _data: tempfile::TempDir,
}

/// A signed-up user.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct TestUser {
    pub id: String,
    pub name: String,
    pub email: String,
    pub password: String,
    pub token: String,
}

/// Starts a server with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts a server with extra command-line flags (later flags override earlier ones).
pub async fn spawn_app_with(extra: &[&str]) -> TestApp {
    let data = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(data.path()).await;
    spawn_app_on(data, database_url, extra).await
}

/// Starts a server with extra flags, then `tweak` applied to the parsed configuration (for
/// settings without a flag, such as secrets read from the environment only).
pub async fn spawn_app_configured(extra: &[&str], tweak: impl FnOnce(&mut Config)) -> TestApp {
    let data = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(data.path()).await;
    spawn_app_tweaked(data, database_url, extra, tweak).await
}

/// Why the server refuses to start with these flags and `tweak` (panics if it starts).
pub async fn startup_error(extra: &[&str], tweak: impl FnOnce(&mut Config)) -> String {
    let data = tempfile::tempdir().expect("temp dir");
    let mut args = vec![
        "duet",
        "--port",
        "0",
        "--data-dir",
        data.path().to_str().expect("utf-8 temp path"),
        "--jwt-secret",
        SECRET,
    ];
    args.extend_from_slice(extra);
    let mut config = Config::try_parse_from(args).expect("valid test flags");
    tweak(&mut config);
    match Application::build(config).await {
        Ok(_) => panic!("the server started with {extra:?}"),
        Err(e) => e.to_string(),
    }
}

/// `n` instances sharing one fresh Postgres database and a fresh Redis key prefix,
/// as a multi-instance deployment runs.
pub async fn spawn_cluster(n: usize, extra: &[&str]) -> Vec<TestApp> {
    let database_url = fresh_postgres_database().await;
    let prefix = format!("duet-test-{}:", Uuid::new_v4().simple());
    let mut apps = Vec::new();
    for _ in 0..n {
        let mut args = vec!["--redis-url", REDIS_URL, "--redis-prefix", &prefix];
        args.extend_from_slice(extra);
        let data = tempfile::tempdir().expect("temp dir");
        apps.push(spawn_app_on(data, database_url.clone(), &args).await);
    }
    apps
}

/// The Redis the multi-instance tests use (`scripts/ensure-redis.sh` brings it up).
pub const REDIS_URL: &str = "redis://127.0.0.1:6379";

async fn spawn_app_on(data: tempfile::TempDir, database_url: String, extra: &[&str]) -> TestApp {
    spawn_app_tweaked(data, database_url, extra, |_| {}).await
}

async fn spawn_app_tweaked(
    data: tempfile::TempDir,
    database_url: String,
    extra: &[&str],
    tweak: impl FnOnce(&mut Config),
) -> TestApp {
    let data_dir = data.path().to_str().expect("utf-8 temp path").to_owned();
    let static_dir = data
        .path()
        .join("no-app")
        .to_str()
        .expect("utf-8")
        .to_owned();
    let mut args = vec![
        "duet",
        "--port",
        "0",
        "--data-dir",
        &data_dir,
        "--database-url",
        &database_url,
        "--jwt-secret",
        SECRET,
        "--static-dir",
        &static_dir,
        "--stun-urls",
        "stun:stun.duet.test:3478",
        "--heartbeat-interval",
        "250ms",
        "--client-timeout",
        "10s",
        "--auth-rate-per-minute",
        "1000",
    ];
    args.extend_from_slice(extra);
    let mut config = Config::try_parse_from(args).expect("valid test flags");
    tweak(&mut config);
    let app = Application::build(config).await.expect("app builds");
    let port = app.port();
    let metrics_port = app.metrics_port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        http: reqwest::Client::new(),
        database_url,
        metrics_port,
        _data: data,
    }
}

/// A fresh SQLite file in `dir`, or a fresh Postgres database when `DUET_TEST_DB=postgres`.
async fn fresh_database(dir: &std::path::Path) -> String {
    if std::env::var("DUET_TEST_DB").as_deref() == Ok("postgres") {
        fresh_postgres_database().await
    } else {
        format!("sqlite://{}/duet.db?mode=rwc", dir.display())
    }
}

/// A new, empty Postgres database (dropped by `scripts/drop-test-databases.sh`).
pub async fn fresh_postgres_database() -> String {
    sqlx::any::install_default_drivers();
    let base = std::env::var("DUET_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let name = format!("duet_test_{}", Uuid::new_v4().simple());
    let mut admin = sqlx::AnyConnection::connect(&format!("{base}/postgres"))
        .await
        .expect("Postgres is reachable (run scripts/ensure-postgres.sh)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    format!("{base}/{name}")
}

/// A `duet` process started with `args`; killed when dropped.
pub struct Process {
    pub child: std::process::Child,
    pub port: u16,
    /// Everything it has written to stdout so far, a line each.
    pub logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    _data: tempfile::TempDir,
}

impl Process {
    /// The log lines so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.logs.lock().expect("log lock").clone()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the real binary on a free port and waits until it says where it listens.
pub async fn spawn_process(args: &[&str]) -> Process {
    use std::io::{BufRead, BufReader};
    let data = tempfile::tempdir().expect("temp dir");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_duet"))
        .args([
            "--port",
            "0",
            "--static-dir",
            "none",
            "--stun-urls",
            "",
            "--jwt-secret",
            SECRET,
        ])
        .arg("--data-dir")
        .arg(data.path())
        .args(args)
        .env("RUST_LOG", "info,duet_backend=debug")
        .env("LOG_FORMAT", "text")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("duet binary runs");
    let stdout = child.stdout.take().expect("piped stdout");
    let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = logs.clone();
    let port = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
        let keep = move |line: &String| kept.lock().expect("log lock").push(line.clone());
        // `port=8080` in text logs, `"port":8080` in JSON ones.
        let port = lines.find_map(|line| {
            keep(&line);
            let at = line
                .find("port=")
                .map(|at| at + 5)
                .or_else(|| line.find("\"port\":").map(|at| at + 7))?;
            line[at..]
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse::<u16>()
                .ok()
        });
        // Keep reading (and keeping) so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(|line| keep(&line)));
        port
    })
    .await
    .expect("reader task")
    .expect("the server logs its port");
    Process {
        child,
        port,
        logs,
        _data: data,
    }
}

/// An SDP description of `kind` with `body`.
pub fn sdp(kind: SdpType, body: &str) -> SessionDescription {
    SessionDescription {
        kind,
        sdp: body.to_owned(),
    }
}

/// A host candidate numbered `n`.
pub fn candidate(n: u16) -> IceCandidate {
    IceCandidate {
        candidate: format!(
            "candidate:{n} 1 udp 2122260223 127.0.0.1 {} typ host",
            50000 + n
        ),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: Some("abcd".into()),
    }
}

/// A realistic negotiation between two members of `room`: `offerer` sends an offer,
/// `answerer` answers, then `offerer` trickles a dozen candidates, all arriving in order.
pub async fn negotiate(offerer: &mut WsClient, answerer: &mut WsClient, room: RoomId) {
    let offer = sdp(SdpType::Offer, "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n");
    offerer
        .send(&ClientMsg::Offer {
            room_id: room,
            offer: offer.clone(),
        })
        .await;
    assert_eq!(
        answerer.recv().await,
        ServerMsg::Offer {
            room_id: room,
            offer
        }
    );
    let answer = sdp(SdpType::Answer, "v=0\r\n");
    answerer
        .send(&ClientMsg::Answer {
            room_id: room,
            answer: answer.clone(),
        })
        .await;
    assert_eq!(
        offerer.recv().await,
        ServerMsg::Answer {
            room_id: room,
            answer
        }
    );
    for n in 0..12 {
        offerer
            .send(&ClientMsg::IceCandidate {
                room_id: room,
                candidate: candidate(n),
            })
            .await;
    }
    for n in 0..12 {
        assert_eq!(
            answerer.recv().await,
            ServerMsg::IceCandidate {
                room_id: room,
                candidate: candidate(n)
            },
            "candidates arrive in order"
        );
    }
}

/// Every client joins `room` at once. Returns the first message each received, and how
/// many of those admitted it (`player-assign`) and refused it as full (`room-full`).
pub async fn join_race(clients: &mut [WsClient], room: RoomId) -> (Vec<ServerMsg>, usize, usize) {
    join_all(clients.iter_mut().map(|c| c.join(room))).await;
    let outcomes = join_all(clients.iter_mut().map(|c| c.recv())).await;
    let count = |f: fn(&ServerMsg) -> bool| outcomes.iter().filter(|m| f(m)).count();
    let admitted = count(|m| matches!(m, ServerMsg::PlayerAssign { .. }));
    let full = count(|m| matches!(m, ServerMsg::RoomFull { .. }));
    (outcomes, admitted, full)
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name no other test in this process uses.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}{}",
        COUNTER.fetch_add(1, Ordering::Relaxed),
        &Uuid::new_v4().simple().to_string()[..8]
    )
}

impl TestApp {
    /// `GET /api/webrtc/ice` for the holder of `token` (which must succeed).
    pub async fn ice(&self, token: &str) -> duet_shared::api::IceConfig {
        let res = self.get("/api/webrtc/ice", Some(token)).await;
        assert_eq!(res.status(), 200);
        res.json().await.expect("an ICE configuration")
    }

    /// The Prometheus exposition from the metrics port (the app must have one).
    pub async fn scrape_metrics(&self) -> String {
        let port = self.metrics_port.expect("started with --metrics-addr");
        reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
            .await
            .expect("metrics answer")
            .text()
            .await
            .expect("metrics text")
    }

    /// A client for a server already running on `port` (e.g. a spawned process).
    pub fn at(port: u16) -> TestApp {
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            http: reqwest::Client::new(),
            database_url: String::new(),
            metrics_port: None,
            _data: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// `METHOD /path` with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self.http.request(method, format!("{}{path}", self.address));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request sent")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
        self.call(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    pub async fn signup(&self, name: &str, email: &str, password: &str) -> reqwest::Response {
        self.post(
            "/api/signup",
            None,
            json!({"name": name, "email": email, "password": password}),
        )
        .await
    }

    /// Signs up a new user with a unique e-mail.
    pub async fn new_user(&self, name: &str) -> TestUser {
        let email = format!("{}@example.com", unique(&name.to_lowercase()));
        let password = "correct horse battery".to_owned();
        let res = self.signup(name, &email, &password).await;
        assert_eq!(res.status(), 201, "signup of {email}");
        let auth: AuthResponse = res.json().await.expect("auth body");
        TestUser {
            id: auth.user.id.to_string(),
            name: name.to_owned(),
            email,
            password,
            token: auth.token,
        }
    }

    pub async fn create_room(&self, user: &TestUser, name: &str, kind: &str, status: &str) -> Room {
        let res = self
            .post(
                "/api/rooms",
                Some(&user.token),
                json!({"name": name, "type": kind, "status": status}),
            )
            .await;
        assert_eq!(res.status(), 201, "create room {name}");
        res.json().await.expect("room body")
    }

    pub async fn list_rooms(&self, user: &TestUser, query: &str) -> Vec<Room> {
        let res = self
            .get(&format!("/api/rooms{query}"), Some(&user.token))
            .await;
        assert_eq!(res.status(), 200, "list rooms {query}");
        res.json().await.expect("rooms body")
    }

    /// A WebSocket request for `/ws` with the given headers.
    pub fn ws_request(&self, headers: &[(&str, &str)]) -> tungstenite::handshake::client::Request {
        let mut req = format!("ws://127.0.0.1:{}/ws", self.port)
            .into_client_request()
            .expect("ws url");
        for (k, v) in headers {
            req.headers_mut().insert(
                tungstenite::http::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
                HeaderValue::from_str(v).expect("header value"),
            );
        }
        req
    }

    /// A signaling client authenticated as `user`.
    pub async fn ws(&self, user: &TestUser) -> WsClient {
        let auth = format!("Bearer {}", user.token);
        WsClient::connect(self.ws_request(&[("authorization", &auth)])).await
    }

    /// The HTTP status of a refused upgrade (panics if it was accepted).
    pub async fn ws_refusal(&self, headers: &[(&str, &str)]) -> u16 {
        match tokio_tungstenite::connect_async(self.ws_request(headers)).await {
            Err(tungstenite::Error::Http(res)) => res.status().as_u16(),
            Err(e) => panic!("unexpected connection error: {e}"),
            Ok(_) => panic!("the upgrade was accepted"),
        }
    }
}

/// What a client observed on its socket.
#[derive(Debug)]
pub enum Event {
    Msg(ServerMsg),
    Close(Option<CloseFrame>),
}

type Sink = futures_util::stream::SplitSink<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    Message,
>;

/// A signaling client whose socket is read continuously (so pings are answered).
pub struct WsClient {
    sink: Sink,
    events: mpsc::UnboundedReceiver<Event>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for WsClient {
    /// Dropping a client drops its socket, as a closed tab would.
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl WsClient {
    pub async fn connect(req: tungstenite::handshake::client::Request) -> WsClient {
        let (stream, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("upgrade");
        WsClient::from_stream(stream)
    }

    /// Wraps an upgraded socket.
    pub fn from_stream(
        stream: tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
    ) -> WsClient {
        let (sink, mut stream) = stream.split();
        let (tx, events) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            while let Some(frame) = stream.next().await {
                let event = match frame {
                    Ok(Message::Text(text)) => {
                        Event::Msg(serde_json::from_str(&text).unwrap_or_else(|e| {
                            panic!("server sent an invalid message {text}: {e}")
                        }))
                    }
                    Ok(Message::Close(frame)) => Event::Close(frame),
                    Ok(_) => continue,
                    Err(_) => Event::Close(None),
                };
                let closed = matches!(event, Event::Close(_));
                if tx.send(event).is_err() || closed {
                    break;
                }
            }
        });
        WsClient {
            sink,
            events,
            reader,
        }
    }

    pub async fn send(&mut self, msg: &ClientMsg) {
        self.send_text(&serde_json::to_string(msg).expect("encode"))
            .await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.sink
            .send(Message::text(text))
            .await
            .expect("send frame");
    }

    pub async fn send_raw(&mut self, msg: Message) {
        self.sink.send(msg).await.expect("send frame");
    }

    /// The next event, failing the test after [`WAIT`].
    pub async fn event(&mut self) -> Event {
        tokio::time::timeout(WAIT, self.events.recv())
            .await
            .expect("an event within the wait")
            .unwrap_or(Event::Close(None))
    }

    /// The next message (fails on close).
    pub async fn recv(&mut self) -> ServerMsg {
        match self.event().await {
            Event::Msg(m) => m,
            Event::Close(f) => panic!("connection closed: {f:?}"),
        }
    }

    /// The next message must be an error with `code`.
    pub async fn expect_error(&mut self, code: ErrorCode) {
        match self.recv().await {
            ServerMsg::Error { code: got, .. } if got == code => {}
            other => panic!("expected error {code:?}, got {other:?}"),
        }
    }

    /// The close frame's code, skipping messages before it.
    pub async fn closed_with(&mut self) -> Option<u16> {
        loop {
            match self.event().await {
                Event::Msg(_) => continue,
                Event::Close(frame) => return frame.map(|f| u16::from(f.code)),
            }
        }
    }

    /// Asserts nothing is waiting for this client: the server flushes queued deliveries
    /// before reading a frame, so the reply to a probe must be the very next message.
    pub async fn expect_quiet(&mut self) {
        let probe = ClientMsg::LeaveRoom {
            room_id: RoomId(Uuid::new_v4()),
        };
        self.send(&probe).await;
        match self.recv().await {
            ServerMsg::Error {
                code: ErrorCode::NotInRoom,
                ..
            } => {}
            other => panic!("expected nothing pending, got {other:?}"),
        }
    }

    pub async fn join(&mut self, room: RoomId) {
        self.send(&ClientMsg::JoinRoom { room_id: room }).await;
    }
}
