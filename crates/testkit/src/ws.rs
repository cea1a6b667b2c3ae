//! A typed signaling client for tests: [`ClientMsg`] out, [`ServerMsg`] in, over a real
//! WebSocket. A thin wrapper of `duet_client::Connection` (the Rust client library) that
//! fails the test, instead of returning an error, when the server misbehaves.

use crate::WAIT;
use duet_client::{Connection, Incoming};
use duet_shared::protocol::ClientMsg;
use duet_shared::{ErrorCode, RoomId, ServerMsg};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};

/// An upgraded client socket.
pub use duet_client::Socket;

/// What a client observed on its socket.
#[derive(Debug)]
pub enum Event {
    /// A message from the server.
    Msg(ServerMsg),
    /// The socket closed, with the server's close frame if it sent one.
    Close(Option<CloseFrame>),
}

/// A signaling client whose socket is read continuously (so pings are answered); dropping
/// it drops the socket, as a closed tab would.
pub struct WsClient {
    connection: Connection,
}

impl WsClient {
    /// Upgrades `req` (panics if the server refuses).
    pub async fn connect(req: tungstenite::handshake::client::Request) -> WsClient {
        WsClient::try_connect(req).await.expect("upgrade")
    }

    /// Upgrades `req`, or says why the server refused (an HTTP refusal is
    /// `duet_client::Error::Api` with the status).
    pub async fn try_connect(
        req: tungstenite::handshake::client::Request,
    ) -> Result<WsClient, duet_client::Error> {
        Ok(WsClient {
            connection: Connection::open_request(req, None).await?,
        })
    }

    /// Wraps an upgraded socket.
    pub fn from_stream(stream: Socket) -> WsClient {
        WsClient {
            connection: Connection::from_stream(stream),
        }
    }

    /// Wraps a connection opened with the client library.
    pub fn from_connection(connection: Connection) -> WsClient {
        WsClient { connection }
    }

    /// Sends one protocol message.
    pub async fn send(&mut self, msg: &ClientMsg) {
        self.connection.send(msg).await.expect("send frame");
    }

    /// Sends a text frame as is (for malformed input).
    pub async fn send_text(&mut self, text: &str) {
        self.send_raw(Message::text(text)).await;
    }

    /// Sends any frame.
    pub async fn send_raw(&mut self, msg: Message) {
        self.connection.send_frame(msg).await.expect("send frame");
    }

    /// The next event, failing the test after [`WAIT`].
    pub async fn event(&mut self) -> Event {
        let incoming = tokio::time::timeout(WAIT, self.connection.recv())
            .await
            .expect("an event within the wait");
        match incoming {
            Incoming::Message(msg) => Event::Msg(msg),
            // A test kit: a message the protocol cannot read fails the test.
            Incoming::Unreadable { text, error } => {
                panic!("server sent an invalid message {text}: {error}")
            }
            Incoming::Closed(frame) => Event::Close(frame),
        }
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
            room_id: RoomId(uuid::Uuid::new_v4()),
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

    /// Asks to join `room` (the answer is the next message).
    pub async fn join(&mut self, room: RoomId) {
        self.send(&ClientMsg::JoinRoom { room_id: room }).await;
    }
}
