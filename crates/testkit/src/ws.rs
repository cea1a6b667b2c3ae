//! A typed signaling client: [`ClientMsg`] out, [`ServerMsg`] in, over a real WebSocket.
//! Depends on nothing but the protocol crate and tungstenite, so a client library can take it.

use crate::WAIT;
use duet_shared::protocol::ClientMsg;
use duet_shared::{ErrorCode, RoomId, ServerMsg};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message};

/// An upgraded client socket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
type Sink = futures_util::stream::SplitSink<Socket, Message>;

/// What a client observed on its socket.
#[derive(Debug)]
pub enum Event {
    /// A message from the server.
    Msg(ServerMsg),
    /// The socket closed, with the server's close frame if it sent one.
    Close(Option<CloseFrame>),
}

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
    /// Upgrades `req` (panics if the server refuses).
    pub async fn connect(req: tungstenite::handshake::client::Request) -> WsClient {
        WsClient::try_connect(req).await.expect("upgrade")
    }

    /// Upgrades `req`, or says why the server refused.
    pub async fn try_connect(
        req: tungstenite::handshake::client::Request,
    ) -> Result<WsClient, tungstenite::Error> {
        let (stream, _) = tokio_tungstenite::connect_async(req).await?;
        Ok(WsClient::from_stream(stream))
    }

    /// Wraps an upgraded socket.
    pub fn from_stream(stream: Socket) -> WsClient {
        let (sink, mut stream) = stream.split();
        let (tx, events) = mpsc::unbounded_channel();
        let reader = tokio::spawn(async move {
            while let Some(frame) = stream.next().await {
                let event = match frame {
                    Ok(Message::Text(text)) => {
                        // A test kit: a message the protocol cannot read fails the test.
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

    /// Sends one protocol message.
    pub async fn send(&mut self, msg: &ClientMsg) {
        self.send_text(&serde_json::to_string(msg).expect("encode"))
            .await;
    }

    /// Sends a text frame as is (for malformed input).
    pub async fn send_text(&mut self, text: &str) {
        self.sink
            .send(Message::text(text))
            .await
            .expect("send frame");
    }

    /// Sends any frame.
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
