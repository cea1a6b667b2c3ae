//! A client for one running server, with one helper per endpoint so tests read like specs.

use crate::ws::WsClient;
use duet_shared::api::{AuthResponse, IceConfig, Room};
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

    /// `GET /api/webrtc/ice` for the holder of `token` (which must succeed).
    pub async fn ice(&self, token: &str) -> IceConfig {
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

    /// Creates a room owned by `user` (which must succeed).
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

    /// `GET /api/rooms{query}` as `user` (which must succeed).
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
