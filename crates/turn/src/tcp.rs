//! TURN over TCP (RFC 8656 §3.1: client to server on TCP, relay still UDP).
//!
//! The library only reads datagram sockets, so each TCP connection is framed into the STUN and
//! ChannelData messages it carries and served by a library `Server` of its own: when the
//! connection ends, that server and its allocations end with it, as the RFC requires.

use crate::gate::{Gate, Wire};
use crate::quota::Transport;
use crate::relay::Relays;
use crate::shared::Shared;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use turn::allocation::AllocationInfo;
use turn::server::Server;
use turn::server::config::{ConnConfig, ServerConfig};
use webrtc_util::Conn;

/// A client that does not read for this long loses the connection rather than stall its relay.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// A connection must start talking TURN within this, so idle connections cannot hoard slots.
const FIRST_MESSAGE_TIMEOUT: Duration = Duration::from_secs(10);
/// Then it must send something at least this often; a live client refreshes its permissions
/// every 5 minutes (RFC 8656 §9), so a silent one has nothing left to relay.
const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// Largest message: a STUN header and the largest length its 16-bit field can say.
const MAX_FRAME: usize = 20 + 65535 + 3;

/// Length of the message at the start of `b`, once its 4-byte header is there.
fn frame_len(b: &[u8]) -> io::Result<Option<usize>> {
    let [first, _, hi, lo, ..] = *b else {
        return Ok(None);
    };
    let len = usize::from(u16::from_be_bytes([hi, lo]));
    match first >> 6 {
        0 => Ok(Some(20 + len)),
        // ChannelData over TCP is padded to a multiple of four (RFC 8656 §12.5).
        1 => Ok(Some(4 + len.div_ceil(4) * 4)),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "neither STUN nor ChannelData",
        )),
    }
}

/// Reads whole messages off a TCP stream.
struct Framer {
    half: OwnedReadHalf,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    messages: u64,
}

impl Framer {
    fn new(half: OwnedReadHalf) -> Self {
        Framer {
            half,
            buf: vec![0; MAX_FRAME].into_boxed_slice(),
            start: 0,
            end: 0,
            messages: 0,
        }
    }

    /// The next message, copied into `out`. Messages larger than `out` are skipped, as a
    /// datagram socket would truncate them.
    async fn next(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(len) = frame_len(&self.buf[self.start..self.end])?
                && self.end - self.start >= len
            {
                let frame = self.start..self.start + len;
                self.start += len;
                if len <= out.len() {
                    out[..len].copy_from_slice(&self.buf[frame]);
                    return Ok(len);
                }
                continue;
            }
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            let n = self.half.read(&mut self.buf[self.end..]).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.end += n;
        }
    }
}

/// One client's TCP connection, presented to the library as a datagram socket.
pub(crate) struct TcpConn {
    reader: Mutex<Framer>,
    writer: Mutex<OwnedWriteHalf>,
    local: SocketAddr,
    peer: SocketAddr,
    closed: CancellationToken,
}

impl TcpConn {
    fn new(stream: TcpStream) -> io::Result<Self> {
        let (local, peer) = (stream.local_addr()?, stream.peer_addr()?);
        stream.set_nodelay(true)?;
        let (read, write) = stream.into_split();
        Ok(TcpConn {
            reader: Mutex::new(Framer::new(read)),
            writer: Mutex::new(write),
            local,
            peer,
            closed: CancellationToken::new(),
        })
    }

    fn fail(&self, e: io::Error) -> io::Error {
        self.closed.cancel();
        e
    }
}

impl Wire for TcpConn {
    async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        let mut reader = self.reader.lock().await;
        let patience = if reader.messages == 0 {
            FIRST_MESSAGE_TIMEOUT
        } else {
            IDLE_TIMEOUT
        };
        tokio::select! {
            read = tokio::time::timeout(patience, reader.next(buf)) => match read {
                Ok(Ok(n)) => {
                    reader.messages += 1;
                    Ok((n, self.peer))
                }
                Ok(Err(e)) => Err(self.fail(e)),
                Err(_) => Err(self.fail(io::ErrorKind::TimedOut.into())),
            },
            () = self.closed.cancelled() => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    async fn send_to(&self, buf: &[u8], _target: SocketAddr) -> io::Result<usize> {
        let mut writer = self.writer.lock().await;
        match tokio::time::timeout(WRITE_TIMEOUT, writer.write_all(buf)).await {
            Ok(Ok(())) => Ok(buf.len()),
            Ok(Err(e)) => Err(self.fail(e)),
            Err(_) => Err(self.fail(io::ErrorKind::TimedOut.into())),
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// What each TCP connection's server is made of.
#[derive(Clone)]
pub(crate) struct TcpContext {
    pub(crate) shared: Arc<Shared>,
    pub(crate) relays: Relays,
    pub(crate) closes: mpsc::Sender<AllocationInfo>,
    pub(crate) shutdown: CancellationToken,
    pub(crate) max_connections: usize,
}

/// Accepts TCP clients until shutdown, each served until it disconnects.
pub(crate) async fn accept(listener: TcpListener, cx: TcpContext) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = cx.shutdown.cancelled() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, client)) => {
                    if connections.len() >= cx.max_connections {
                        tracing::info!(%client, "TURN TCP connection refused: too many connections");
                        continue;
                    }
                    connections.spawn(serve(stream, client, cx.clone()));
                }
                Err(e) => {
                    // Usually out of file descriptors: pause instead of spinning on the error.
                    tracing::warn!(error = %e, "TURN TCP accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    while connections.join_next().await.is_some() {}
}

async fn serve(stream: TcpStream, client: SocketAddr, cx: TcpContext) {
    let conn = match TcpConn::new(stream)
        .and_then(|c| Gate::new(c, Transport::Tcp, Arc::clone(&cx.shared)))
    {
        Ok(conn) => Arc::new(conn),
        Err(e) => {
            tracing::debug!(%client, error = %e, "TURN TCP connection lost at once");
            return;
        }
    };
    let closed = conn.inner().closed.clone();
    let server = Server::new(ServerConfig {
        conn_configs: vec![ConnConfig {
            conn: conn as Arc<dyn Conn + Send + Sync>,
            relay_addr_generator: Box::new(cx.relays.clone()),
        }],
        realm: cx.shared.realm.clone(),
        auth_handler: cx.shared.auth.clone(),
        channel_bind_timeout: Duration::ZERO,
        alloc_close_notify: Some(cx.closes.clone()),
    })
    .await;
    let server = match server {
        Ok(server) => server,
        Err(e) => {
            tracing::warn!(%client, error = %e, "TURN TCP connection not served");
            return;
        }
    };
    tracing::debug!(%client, "TURN TCP connection opened");
    tokio::select! {
        () = closed.cancelled() => {}
        () = cx.shutdown.cancelled() => {}
    }
    // Ends the connection's allocations (the library also does when its reads fail).
    if let Err(e) = server.close().await {
        tracing::debug!(%client, error = %e, "TURN TCP server close");
    }
    tracing::debug!(%client, "TURN TCP connection closed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_stun_or_padded_channel_data() {
        assert_eq!(frame_len(&[0, 1]).unwrap(), None);
        // Binding request with 8 bytes of attributes.
        assert_eq!(frame_len(&[0x00, 0x01, 0, 8]).unwrap(), Some(28));
        // ChannelData of 5 bytes, padded to 8.
        assert_eq!(frame_len(&[0x40, 0x00, 0, 5]).unwrap(), Some(12));
        assert_eq!(frame_len(&[0x7f, 0xff, 0, 8]).unwrap(), Some(12));
        assert!(frame_len(&[0x80, 0, 0, 0]).is_err());
    }

    #[tokio::test]
    async fn framer_splits_a_stream_into_messages_and_skips_oversized_ones() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let (read, _write) = server.into_split();
        let mut framer = Framer::new(read);

        let stun = [[0x00, 0x01, 0x00, 0x04].as_slice(), &[7; 16], &[1, 2, 3, 4]].concat();
        let channel = [0x40, 0x01, 0x00, 0x03, 9, 9, 9, 0];
        let big = [[0x40, 0x02, 0x00, 0x40].as_slice(), &[5; 64]].concat();
        // Written in awkward pieces: one write spans two messages.
        client.write_all(&stun[..10]).await.unwrap();
        client
            .write_all(&[&stun[10..], &channel[..2]].concat())
            .await
            .unwrap();
        client
            .write_all(&[&channel[2..], big.as_slice(), &channel].concat())
            .await
            .unwrap();
        drop(client);

        let mut out = [0u8; 32];
        assert_eq!(framer.next(&mut out).await.unwrap(), 24);
        assert_eq!(&out[..24], stun.as_slice());
        assert_eq!(framer.next(&mut out).await.unwrap(), 8);
        assert_eq!(&out[..8], channel.as_slice());
        // The 68-byte message does not fit a 32-byte buffer and is skipped.
        assert_eq!(framer.next(&mut out).await.unwrap(), 8);
        assert_eq!(
            framer.next(&mut out).await.unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }
}
