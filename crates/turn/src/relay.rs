//! Relay sockets: bound in the configured port range, and the last line of the peer policy
//! (every datagram to a peer is checked, whatever the library's permissions say).

use crate::local::Inbox;
use crate::shared::Shared;
use crate::stats::Stats;
use async_trait::async_trait;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use tokio::net::UdpSocket;
use turn::relay::RelayAddressGenerator;
use webrtc_util::Conn;

/// Ports tried for one allocation before the server answers 508 (Insufficient Capacity).
const MAX_PORT_TRIES: usize = 1024;
/// Socket buffers, as coturn sizes its own (2 MiB): media comes in bursts, and the default
/// ~200 KiB loses datagrams while the single request loop is busy. The kernel caps it at
/// `net.core.rmem_max`/`wmem_max`.
const SOCKET_BUFFER: usize = 2 << 20;

/// Gives `socket` bursts' worth of buffer (best effort: the system may refuse or cap it).
pub(crate) fn enlarge_buffers(socket: &UdpSocket) {
    let socket = socket2::SockRef::from(socket);
    let _ = socket.set_recv_buffer_size(SOCKET_BUFFER);
    let _ = socket.set_send_buffer_size(SOCKET_BUFFER);
}

/// Creates the relay socket of each new allocation (the library's `RelayAddressGenerator`).
#[derive(Clone)]
pub(crate) struct Relays {
    relay_ip: IpAddr,
    advertised_ip: IpAddr,
    ports: RangeInclusive<u16>,
    shared: Arc<Shared>,
}

impl Relays {
    pub(crate) fn new(
        relay_ip: IpAddr,
        advertised_ip: IpAddr,
        ports: RangeInclusive<u16>,
        shared: Arc<Shared>,
    ) -> Self {
        Relays {
            relay_ip,
            advertised_ip,
            ports,
            shared,
        }
    }

    async fn bind(&self, requested_port: u16) -> std::io::Result<UdpSocket> {
        if requested_port != 0 {
            if !self.ports.contains(&requested_port) {
                return Err(std::io::Error::other(
                    "requested port outside the relay range",
                ));
            }
            let socket = UdpSocket::bind((self.relay_ip, requested_port)).await?;
            enlarge_buffers(&socket);
            return Ok(socket);
        }
        // A random start, then the next free port: random so relay addresses are not
        // predictable, sequential so a busy range still finds its free ports.
        let (first, last) = (*self.ports.start(), *self.ports.end());
        let span = usize::from(last - first) + 1;
        let start = rand::random_range(0..span);
        let mut last_error = None;
        for i in 0..span.min(MAX_PORT_TRIES) {
            let offset = u16::try_from((start + i) % span).unwrap_or(0);
            match UdpSocket::bind((self.relay_ip, first + offset)).await {
                Ok(socket) => {
                    enlarge_buffers(&socket);
                    return Ok(socket);
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| std::io::Error::other("no relay port free")))
    }
}

#[async_trait]
impl RelayAddressGenerator for Relays {
    fn validate(&self) -> Result<(), turn::Error> {
        Ok(())
    }

    async fn allocate_conn(
        &self,
        use_ipv4: bool,
        requested_port: u16,
    ) -> Result<(Arc<dyn Conn + Send + Sync>, SocketAddr), turn::Error> {
        if use_ipv4 != self.relay_ip.is_ipv4() {
            return Err(turn::Error::Other("address family not served".into()));
        }
        let socket = self.bind(requested_port).await.map_err(|e| {
            tracing::warn!(error = %e, "TURN relay port unavailable");
            turn::Error::Other(e.to_string())
        })?;
        let port = socket
            .local_addr()
            .map_err(|e| turn::Error::Other(e.to_string()))?
            .port();
        let advertised = SocketAddr::new(self.advertised_ip, port);
        let relay = RelayConn {
            socket,
            relay_ip: self.relay_ip,
            port,
            advertised,
            inbox: self.shared.local_relays.register(port),
            shared: Arc::clone(&self.shared),
            to_peers: AtomicU64::new(0),
            from_peers: AtomicU64::new(0),
        };
        Ok((Arc::new(relay), advertised))
    }
}

/// One allocation's relay socket.
struct RelayConn {
    socket: UdpSocket,
    relay_ip: IpAddr,
    port: u16,
    advertised: SocketAddr,
    // Datagrams from this server's other relays (see `local.rs`).
    inbox: Arc<Inbox>,
    shared: Arc<Shared>,
    to_peers: AtomicU64,
    from_peers: AtomicU64,
}

fn unsupported() -> webrtc_util::Error {
    webrtc_util::Error::Other("not used on a relay socket".into())
}

#[async_trait]
impl Conn for RelayConn {
    async fn connect(&self, _addr: SocketAddr) -> webrtc_util::Result<()> {
        Err(unsupported())
    }

    async fn recv(&self, _buf: &mut [u8]) -> webrtc_util::Result<usize> {
        Err(unsupported())
    }

    async fn recv_from(&self, buf: &mut [u8]) -> webrtc_util::Result<(usize, SocketAddr)> {
        let (n, source) = loop {
            if let Some(local) = self.inbox.pop(buf) {
                break local;
            }
            tokio::select! {
                biased;
                () = self.inbox.ready() => {}
                received = self.socket.recv_from(buf) => {
                    let (n, source) = received?;
                    break (n, self.shared.policy.inbound(source));
                }
            }
        };
        self.from_peers.fetch_add(n as u64, Relaxed);
        Stats::add(&self.shared.stats.bytes_from_peers, n as u64);
        Ok((n, source))
    }

    async fn send(&self, _buf: &[u8]) -> webrtc_util::Result<usize> {
        Err(unsupported())
    }

    async fn send_to(&self, buf: &[u8], target: SocketAddr) -> webrtc_util::Result<usize> {
        match self.shared.policy.outbound(target) {
            Ok(to) => {
                let local = if to.ip() == self.relay_ip {
                    self.shared
                        .local_relays
                        .deliver(to.port(), buf, self.advertised)
                } else {
                    None
                };
                let n = match local {
                    Some(true) => buf.len(),
                    Some(false) => return Ok(buf.len()), // dropped, as by a full socket
                    None => self.socket.send_to(buf, to).await?,
                };
                self.to_peers.fetch_add(n as u64, Relaxed);
                Stats::add(&self.shared.stats.bytes_to_peers, n as u64);
                Ok(n)
            }
            Err(denied) => {
                Stats::add(&self.shared.stats.refused_peer, 1);
                tracing::debug!(relay = %self.advertised, peer = %target, reason = denied.as_str(), "TURN datagram to peer refused");
                Err(webrtc_util::Error::Other(denied.as_str().into()))
            }
        }
    }

    fn local_addr(&self) -> webrtc_util::Result<SocketAddr> {
        Ok(self.socket.local_addr()?)
    }

    fn remote_addr(&self) -> Option<SocketAddr> {
        None
    }

    async fn close(&self) -> webrtc_util::Result<()> {
        Ok(())
    }

    fn as_any(&self) -> &(dyn std::any::Any + Send + Sync) {
        self
    }
}

impl Drop for RelayConn {
    // The library drops the socket when its allocation ends; the bytes it carried are logged
    // here, next to the "allocation closed" line that names the user (same relay address).
    fn drop(&mut self) {
        self.shared.local_relays.unregister(self.port, &self.inbox);
        let (to, from) = (self.to_peers.load(Relaxed), self.from_peers.load(Relaxed));
        if to + from > 0 {
            tracing::info!(relay = %self.advertised, bytes_to_peers = to, bytes_from_peers = from, "TURN relay released");
        } else {
            tracing::debug!(relay = %self.advertised, "TURN relay released unused");
        }
    }
}
