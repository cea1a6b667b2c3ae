//! Starting and stopping the server.
//!
//! The server runs on a thread of its own with a single-threaded tokio runtime: relaying media
//! then never waits behind (or delays) the web server's work, and costs less CPU per datagram
//! than on a work-stealing runtime, where every datagram can wake another worker.

use crate::TurnError;
use crate::auth::RestAuth;
use crate::config::TurnConfig;
use crate::gate::Gate;
use crate::local::LocalRelays;
use crate::policy::PeerPolicy;
use crate::quota::{AllocKey, Quotas, Transport};
use crate::ration::Ration;
use crate::relay::{Relays, enlarge_buffers};
use crate::shared::Shared;
use crate::stats::{Stats, TurnStats};
use crate::tcp::{self, TcpContext};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use turn::allocation::AllocationInfo;
use turn::server::Server;
use turn::server::config::{ConnConfig, ServerConfig};
use webrtc_util::Conn;

/// How long stopping waits for allocations to wind down (and be logged) before ending them.
const STOP_GRACE: Duration = Duration::from_secs(2);
/// Allocation-closed notifications queued before the library waits for us to catch up.
const CLOSE_QUEUE: usize = 1024;
/// Unsigned requests (each makes the library keep a nonce, see `gate.rs`) let through at once
/// and then per second, for all clients together: far above what real calls need, while a
/// flood can make the library hold at most ~20 × ~100 bytes more a second.
const CHALLENGE_BURST: u32 = 200;
const CHALLENGES_PER_SECOND: u32 = 20;
/// TCP connections beyond the total allocation quota, for clients still authenticating.
const TCP_HEADROOM: usize = 16;

/// A running TURN/STUN server (UDP and TCP on one port). Dropping it stops it too, without
/// waiting; [`stop`](Self::stop) waits until every socket is closed.
pub struct TurnServer {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    stopped: Option<oneshot::Receiver<()>>,
}

impl TurnServer {
    /// Binds the listeners and starts serving on a new thread named `duet-turn`.
    /// Call it from any tokio runtime; it returns once the server listens.
    pub async fn start(config: TurnConfig) -> Result<TurnServer, TurnError> {
        config.validate()?;
        let (ready_tx, ready_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (stopped_tx, stopped_rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("duet-turn".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready_tx.send(Err(TurnError::Thread(e)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match Running::start(config).await {
                        Ok(running) => {
                            let handle = (running.local_addr, Arc::clone(&running.shared));
                            if ready_tx.send(Ok(handle)).is_ok() {
                                // Until stop() or the handle is dropped.
                                let _ = stop_rx.await;
                            }
                            running.stop().await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
                // Dropping the runtime ends whatever is left and closes every socket.
                drop(runtime);
                let _ = stopped_tx.send(());
            })
            .map_err(TurnError::Thread)?;
        let (local_addr, shared) = ready_rx.await.map_err(|_| {
            TurnError::Thread(std::io::Error::other(
                "the TURN thread ended while starting",
            ))
        })??;
        Ok(TurnServer {
            local_addr,
            shared,
            stop: Some(stop_tx),
            stopped: Some(stopped_rx),
        })
    }

    /// The address clients reach, on UDP and TCP (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The counters so far.
    pub fn stats(&self) -> TurnStats {
        stats(&self.shared)
    }

    /// A handle that reads the live counters, e.g. from a metrics collector, without
    /// holding the server itself (it keeps no socket open).
    pub fn stats_reader(&self) -> StatsReader {
        StatsReader(Arc::clone(&self.shared))
    }

    /// Stops listening, ends every allocation and waits until all sockets are closed.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.await;
        }
    }
}

/// Reads a server's counters; cheap to clone. After the server stops it reads the last values.
#[derive(Clone)]
pub struct StatsReader(Arc<Shared>);

impl StatsReader {
    /// The counters now.
    pub fn stats(&self) -> TurnStats {
        stats(&self.0)
    }
}

impl std::fmt::Debug for StatsReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StatsReader").field(&self.stats()).finish()
    }
}

fn stats(shared: &Shared) -> TurnStats {
    TurnStats {
        allocations_active: shared.quotas.active() as u64,
        ..shared.stats.snapshot()
    }
}

/// The server itself, on the TURN thread's runtime.
struct Running {
    udp: Server,
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
    tasks: JoinSet<()>,
}

impl Running {
    async fn start(config: TurnConfig) -> Result<Running, TurnError> {
        let (udp, tcp) = bind(config.listen).await?;
        enlarge_buffers(&udp);
        let local_addr = udp.local_addr().map_err(|source| TurnError::Bind {
            addr: config.listen,
            source,
        })?;
        let shared = Arc::new(Shared {
            auth: Arc::new(RestAuth::new(config.secret.clone(), config.realm.clone())),
            realm: config.realm.clone(),
            policy: PeerPolicy::new(
                config.allow_private_peers,
                config.relay_ip,
                config.advertised_ip(),
                config.relay_ports.clone(),
            ),
            quotas: Quotas::new(config.max_allocations_per_user, config.max_allocations),
            stats: Stats::default(),
            local_relays: LocalRelays::default(),
            challenges: Ration::new(CHALLENGE_BURST, CHALLENGES_PER_SECOND),
        });
        let relays = Relays::new(
            config.relay_ip,
            config.advertised_ip(),
            config.relay_ports.clone(),
            Arc::clone(&shared),
        );
        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();

        let (udp_closes, rx) = mpsc::channel(CLOSE_QUEUE);
        tasks.spawn(track_closes(rx, Transport::Udp, Arc::clone(&shared)));
        let (tcp_closes, rx) = mpsc::channel(CLOSE_QUEUE);
        tasks.spawn(track_closes(rx, Transport::Tcp, Arc::clone(&shared)));

        let gate = Gate::new(udp, Transport::Udp, Arc::clone(&shared)).map_err(|source| {
            TurnError::Bind {
                addr: config.listen,
                source,
            }
        })?;
        let udp = Server::new(ServerConfig {
            conn_configs: vec![ConnConfig {
                conn: Arc::new(gate) as Arc<dyn Conn + Send + Sync>,
                relay_addr_generator: Box::new(relays.clone()),
            }],
            realm: config.realm.clone(),
            auth_handler: shared.auth.clone(),
            channel_bind_timeout: Duration::ZERO, // the library's default, 10 minutes
            alloc_close_notify: Some(udp_closes),
        })
        .await?;
        tasks.spawn(tcp::accept(
            tcp,
            TcpContext {
                shared: Arc::clone(&shared),
                relays,
                closes: tcp_closes,
                shutdown: shutdown.clone(),
                max_connections: config.max_allocations + TCP_HEADROOM,
            },
        ));
        tracing::info!(
            listen = %local_addr,
            relay_ip = %config.relay_ip,
            public_ip = ?config.public_ip,
            relay_ports = ?config.relay_ports,
            realm = %config.realm,
            allow_private_peers = config.allow_private_peers,
            "TURN server listening on UDP and TCP"
        );
        Ok(Running {
            udp,
            local_addr,
            shared,
            shutdown,
            tasks,
        })
    }

    async fn stop(mut self) {
        self.shutdown.cancel();
        if let Err(e) = self.udp.close().await {
            tracing::debug!(error = %e, "TURN UDP server close");
        }
        let tasks = &mut self.tasks;
        // The close trackers end once the last allocation has let go of its notifier.
        let drained = tokio::time::timeout(STOP_GRACE, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::debug!("TURN server stopped with allocations still closing");
        }
        let stats = stats(&self.shared);
        tracing::info!(
            allocations_total = stats.allocations_total,
            bytes_relayed = stats.bytes_relayed(),
            "TURN server stopped"
        );
    }
}

/// UDP and TCP on the same port; with port 0, the first port free for both.
async fn bind(listen: SocketAddr) -> Result<(UdpSocket, TcpListener), TurnError> {
    let bind_error = |source| TurnError::Bind {
        addr: listen,
        source,
    };
    if listen.port() != 0 {
        let udp = UdpSocket::bind(listen).await.map_err(bind_error)?;
        let tcp = TcpListener::bind(listen).await.map_err(bind_error)?;
        return Ok((udp, tcp));
    }
    let mut last_error = None;
    for _ in 0..16 {
        let udp = UdpSocket::bind(listen).await.map_err(bind_error)?;
        let port = udp.local_addr().map_err(bind_error)?.port();
        match TcpListener::bind(SocketAddr::new(listen.ip(), port)).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last_error = Some(e),
        }
    }
    Err(bind_error(last_error.unwrap_or_else(|| {
        std::io::Error::other("no port free for both UDP and TCP")
    })))
}

/// Frees quota slots and logs as the library reports allocations closed.
async fn track_closes(
    mut closes: mpsc::Receiver<AllocationInfo>,
    transport: Transport,
    shared: Arc<Shared>,
) {
    while let Some(info) = closes.recv().await {
        let key = AllocKey {
            transport,
            client: info.five_tuple.src_addr,
            server: info.five_tuple.dst_addr,
        };
        if let Some(holder) = shared.quotas.release(key) {
            tracing::info!(
                user = %holder.user,
                client = %key.client,
                transport = transport.as_str(),
                relay = %info.relay_addr,
                seconds = Instant::now().duration_since(holder.since).as_secs(),
                active = shared.quotas.active(),
                "TURN allocation closed"
            );
        }
    }
}
