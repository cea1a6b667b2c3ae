//! [`Connection`]: one signaling WebSocket, typed both ways, read continuously by a task of
//! its own so the server's heartbeat pings are answered even while the caller is busy.

use crate::error::{Error, Result};
use duet_shared::{ClientMsg, ServerMsg};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use reqwest::Url;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::AUTHORIZATION;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};

/// An upgraded client socket, as tokio-tungstenite makes it.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long [`Connection::close`] waits for the server's close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(3);

/// What arrived on a [`Connection`].
#[derive(Debug)]
pub enum Incoming {
    /// A message from the server.
    Message(ServerMsg),
    /// A text frame that is not a [`ServerMsg`] (a newer server, or a bug).
    Unreadable {
        /// The frame as received.
        text: String,
        /// Why it could not be decoded.
        error: String,
    },
    /// The socket closed, with the server's close frame if it sent one. Nothing follows.
    Closed(Option<CloseFrame>),
}

/// One signaling socket: [`ClientMsg`] out, [`Incoming`] in. It does not reconnect; see
/// [`Signaling`](crate::Signaling) for that. Dropping it drops the socket, as a closed tab would.
pub struct Connection {
    sink: SplitSink<Socket, Message>,
    incoming: mpsc::UnboundedReceiver<Incoming>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Connection {
    /// Upgrades `ws_url` with `Authorization: Bearer token`. A refused upgrade is an
    /// [`Error::Api`] with the server's status (401 for a bad token).
    pub async fn open(ws_url: &Url, token: &str) -> Result<Connection> {
        Connection::open_request(bearer_request(ws_url, token)?, None).await
    }

    /// Upgrades a prepared request (custom headers), with tungstenite's `config` if given
    /// (a load generator's small buffers).
    pub async fn open_request(
        request: Request,
        config: Option<WebSocketConfig>,
    ) -> Result<Connection> {
        match tokio_tungstenite::connect_async_with_config(request, config, true).await {
            Ok((stream, _)) => Ok(Connection::from_stream(stream)),
            Err(tungstenite::Error::Http(res)) => {
                let retry_after = res
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let body = res.body().as_deref().unwrap_or_default();
                Err(Error::from_response(
                    res.status().as_u16(),
                    retry_after.as_deref(),
                    body,
                ))
            }
            Err(e) => Err(Error::Socket(e)),
        }
    }

    /// Wraps a socket upgraded elsewhere.
    pub fn from_stream(stream: Socket) -> Connection {
        let (sink, mut stream) = stream.split();
        let (tx, incoming) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            while let Some(frame) = stream.next().await {
                let event = match frame {
                    Ok(Message::Text(text)) => match serde_json::from_str(&text) {
                        Ok(msg) => Incoming::Message(msg),
                        Err(e) => Incoming::Unreadable {
                            text: text.as_str().to_owned(),
                            error: e.to_string(),
                        },
                    },
                    Ok(Message::Close(frame)) => Incoming::Closed(frame),
                    // Pings are answered by tungstenite while reading; nothing else is sent.
                    Ok(_) => continue,
                    Err(_) => Incoming::Closed(None),
                };
                let closed = matches!(event, Incoming::Closed(_));
                if tx.send(event).is_err() || closed {
                    return;
                }
            }
            let _ = tx.send(Incoming::Closed(None));
        });
        Connection {
            sink,
            incoming,
            reader,
        }
    }

    /// Sends one protocol message.
    pub async fn send(&mut self, msg: &ClientMsg) -> Result<()> {
        let text = serde_json::to_string(msg).map_err(|e| Error::Unexpected(e.to_string()))?;
        self.send_frame(Message::text(text)).await
    }

    /// Sends any frame as is (for testing what the server does with bad input).
    pub async fn send_frame(&mut self, frame: Message) -> Result<()> {
        self.sink.send(frame).await.map_err(Error::Socket)
    }

    /// The next thing that arrived; after [`Incoming::Closed`], always `Closed(None)`.
    /// Cancel-safe: use it in `tokio::select!`.
    pub async fn recv(&mut self) -> Incoming {
        self.incoming.recv().await.unwrap_or(Incoming::Closed(None))
    }

    /// The next [`ServerMsg`], skipping unreadable frames; a close is [`Error::Closed`] (or
    /// [`Error::Disconnected`] without a close frame).
    pub async fn next_message(&mut self) -> Result<ServerMsg> {
        loop {
            match self.recv().await {
                Incoming::Message(msg) => return Ok(msg),
                Incoming::Unreadable { .. } => continue,
                Incoming::Closed(frame) => return Err(closed_error(frame)),
            }
        }
    }

    /// Closes politely: sends a close frame and waits (briefly) for the server's.
    pub async fn close(&mut self) {
        if self.sink.send(Message::Close(None)).await.is_ok() {
            let _ = tokio::time::timeout(CLOSE_WAIT, async {
                while !matches!(self.recv().await, Incoming::Closed(_)) {}
            })
            .await;
        }
    }
}

/// The error for a socket that closed with `frame`.
pub(crate) fn closed_error(frame: Option<CloseFrame>) -> Error {
    match frame {
        Some(f) => Error::Closed {
            code: u16::from(f.code),
            reason: f.reason.as_str().to_owned(),
        },
        None => Error::Disconnected,
    }
}

/// A WebSocket request for `ws_url` carrying the bearer token.
pub fn bearer_request(ws_url: &Url, token: &str) -> Result<Request> {
    let mut request = ws_url
        .as_str()
        .into_client_request()
        .map_err(|e| Error::InvalidUrl {
            url: ws_url.to_string(),
            reason: e.to_string(),
        })?;
    let auth = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| Error::Unexpected("the token is not a valid header value".to_owned()))?;
    request.headers_mut().insert(AUTHORIZATION, auth);
    Ok(request)
}
