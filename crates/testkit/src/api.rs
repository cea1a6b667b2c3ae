//! A client for one running server, with one helper per endpoint so tests read like specs.
//! The helpers that must succeed go through `duet_client` (the Rust client library); the
//! raw ones (`call`, `post`, `get`, `signup`, `signin`) stay plain HTTP so tests can send
//! what no well-behaved client would and read the status as is.

use crate::ws::WsClient;
use duet_client::Client;
use duet_shared::api::{CreateRoomRequest, IceConfig, Room, RoomFilter};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

/// A running server (in this process or not) and an HTTP client without cookies.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The bound port.
    pub port: u16,
    /// A client without cookies.
    pub http: reqwest::Client,
    /// The database URL the server uses (empty when unknown).
    pub database_url: String,
    /// The metrics listener's port, with `--metrics-addr`.
    pub metrics_port: Option<u16>,
    /// The server's data folder, kept as long as the server may use it.
    pub(crate) data: Option<tempfile::TempDir>,
}

/// A signed-up user.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// Their account id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Sign-in e-mail (unique).
    pub email: String,
    /// Sign-in password.
    pub password: String,
    /// A session token.
    pub token: String,
}

impl TestApp {
    /// A client for a server already running on `port` (e.g. a spawned process).
    pub fn at(port: u16) -> TestApp {
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            port,
            http: reqwest::Client::new(),
            database_url: String::new(),
            metrics_port: None,
            data: None,
        }
    }

    /// A library client for this server, not signed in.
    pub fn client(&self) -> Client {
        Client::with_http(&self.address, self.http.clone()).expect("a valid server URL")
    }

    /// A library client signed in as `user`.
    pub fn client_for(&self, user: &TestUser) -> Client {
        self.client().with_token(&user.token)
    }

    /// `GET /api/webrtc/ice` for the holder of `token` (which must succeed).
    pub async fn ice(&self, token: &str) -> IceConfig {
        self.client()
            .with_token(token)
            .ice_config()
            .await
            .expect("an ICE configuration")
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

    /// `POST /path` with a JSON body.
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> reqwest::Response {
        self.call(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    /// `GET /path`.
    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    /// `POST /api/signup`.
    pub async fn signup(&self, name: &str, email: &str, password: &str) -> reqwest::Response {
        self.post(
            "/api/signup",
            None,
            json!({"name": name, "email": email, "password": password}),
        )
        .await
    }

    /// `POST /api/signin`.
    pub async fn signin(&self, email: &str, password: &str) -> reqwest::Response {
        self.post(
            "/api/signin",
            None,
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// Signs up a new user with a unique e-mail.
    pub async fn new_user(&self, name: &str) -> TestUser {
        let email = format!("{}@example.com", crate::unique(&name.to_lowercase()));
        let password = "correct horse battery".to_owned();
        let mut client = self.client();
        let user = client
            .sign_up(name, &email, &password)
            .await
            .unwrap_or_else(|e| panic!("signup of {email}: {e}"));
        TestUser {
            id: user.id.to_string(),
            name: name.to_owned(),
            email,
            password,
            token: client.token().expect("a session token").to_owned(),
        }
    }

    /// Creates a room owned by `user` (which must succeed).
    pub async fn create_room(&self, user: &TestUser, name: &str, kind: &str, status: &str) -> Room {
        let request = CreateRoomRequest {
            name: name.to_owned(),
            room_type: kind.parse().expect("a room type"),
            status: status.parse().expect("a room status"),
        };
        self.client_for(user)
            .create_room(&request)
            .await
            .unwrap_or_else(|e| panic!("create room {name}: {e}"))
    }

    /// `GET /api/rooms{query}` as `user` (which must succeed).
    pub async fn list_rooms(&self, user: &TestUser, query: &str) -> Vec<Room> {
        let url = reqwest::Url::parse(&format!("{}/api/rooms{query}", self.address))
            .expect("a query string");
        let mut filter = RoomFilter::default();
        for (key, value) in url.query_pairs() {
            match &*key {
                "type" => filter.room_type = Some(value.parse().expect("a room type")),
                "q" => filter.q = Some(value.into_owned()),
                other => panic!("list_rooms: unknown parameter {other}"),
            }
        }
        self.client_for(user)
            .rooms(&filter)
            .await
            .unwrap_or_else(|e| panic!("list rooms {query}: {e}"))
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
        let connection = self
            .client_for(user)
            .connect()
            .await
            .expect("the upgrade is accepted");
        WsClient::from_connection(connection)
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
