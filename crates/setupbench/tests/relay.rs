//! The bare page's server as the benchmark runs it: the real binary on a free port,
//! real HTTP and WebSocket clients.

use futures_util::{SinkExt, StreamExt};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// The server process, killed when the test ends (even on failure).
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_duet-bare-signal"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start duet-bare-signal");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the address");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Server { child, addr }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(server: &Server, room: &str) -> Socket {
    let (socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws?room={room}", server.addr))
            .await
            .expect("connect");
    socket
}

async fn next_text(socket: &mut Socket) -> String {
    let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .expect("a message in time")
        .expect("socket open")
        .expect("no error");
    message.into_text().expect("text").to_string()
}

/// Sends `text` from `from` and reads it back from `to`, so a socket known to be
/// registered is proven (joining is not acknowledged otherwise).
async fn relayed(from: &mut Socket, to: &mut Socket, text: &str) {
    from.send(Message::text(text)).await.expect("send");
    assert_eq!(next_text(to).await, text);
}

#[tokio::test]
async fn text_goes_to_the_other_socket_of_the_same_room_only() {
    let server = start();
    let mut a = connect(&server, "r1").await;
    let mut b = connect(&server, "r1").await;
    let mut elsewhere = connect(&server, "r2").await;
    relayed(&mut a, &mut b, r#"{"description":"offer"}"#).await;
    relayed(&mut b, &mut a, r#"{"description":"answer"}"#).await;
    // The other room hears nothing, and the sender does not get its own message back:
    // the next thing each reads is a message meant for it.
    let mut c = connect(&server, "r2").await;
    relayed(&mut c, &mut elsewhere, "r2 only").await;
    relayed(&mut a, &mut b, "after").await;
    relayed(&mut b, &mut a, "back").await;
}

#[tokio::test]
async fn a_closed_socket_leaves_its_room_and_the_rest_goes_on() {
    let server = start();
    let mut a = connect(&server, "r").await;
    let mut b = connect(&server, "r").await;
    relayed(&mut a, &mut b, "one").await;
    b.close(None).await.expect("close");
    let mut c = connect(&server, "r").await;
    relayed(&mut a, &mut c, "two").await;
    relayed(&mut c, &mut a, "three").await;
}

/// A plain HTTP/1.1 GET, returning the whole response.
fn get(server: &Server, path: &str) -> String {
    let mut stream = TcpStream::connect(&server.addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[tokio::test]
async fn the_page_is_served_and_checked_on_every_load() {
    let server = start();
    let response = get(&server, "/");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response
            .to_ascii_lowercase()
            .contains("cache-control: no-cache"),
        "{response}"
    );
    assert!(response.contains("new RTCPeerConnection()"), "{response}");
}

#[tokio::test]
async fn a_socket_without_a_usable_room_is_refused_in_words() {
    let server = start();
    let response = get(&server, "/ws?room=no%20spaces");
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("room= must be"), "{response}");
}
