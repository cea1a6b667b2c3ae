//! One synthetic person: connects, waits for its cue, joins its room, negotiates like a
//! browser (offer or answer, then trickled ICE candidates), chats at a steady rate and
//! times every chat line it receives.

use crate::payload;
use crate::setup::Identity;
use duet_client::{Connection, Incoming};
use duet_shared::protocol::{ClientMsg, SdpType, SessionDescription};
use duet_shared::{RoomId, ServerMsg};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, watch};
use tokio::time::{sleep_until, timeout};
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{AUTHORIZATION, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// The socket, through the client library (which reads it on a task of its own, so pings
/// are answered however busy this client is).
type Ws = Connection;

/// One handshake's time limit.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// What the run tells every client; the main task moves it forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Stay connected and silent (idle memory is measured now).
    Hold,
    /// Join (each client at its own moment after `start`) and negotiate.
    Negotiate {
        /// When the join ramp began.
        start: Instant,
    },
    /// Chat until `end`.
    Chat {
        /// When chatting began.
        start: Instant,
        /// When sending stops.
        end: Instant,
    },
    /// Stop sending; keep reading the last deliveries.
    Drain,
    /// Close the socket and finish.
    Close,
}

/// Run-wide settings and live counters, shared by every client.
pub struct Shared {
    /// Zero of the chat timestamps (one process, so one monotonic clock).
    pub epoch: Instant,
    /// `ws://…/ws` of each instance; see [`Shared::ws_url`].
    pub ws_urls: Vec<String>,
    /// Clients in the run.
    pub clients: usize,
    /// ICE candidates each client sends per negotiation.
    pub candidates: u32,
    /// Time between two chat lines of one client.
    pub chat_period: Duration,
    /// Joins are spread over this span.
    pub join_ramp: Duration,
    /// Bounds the handshakes in flight.
    pub connect_gate: Semaphore,
    /// No client runs past this.
    pub deadline: Instant,
    /// Progress, polled by the main task.
    pub counters: Counters,
}

impl Shared {
    /// The endpoint client `index` connects to. Round-robin: rooms pair clients 2k and
    /// 2k+1, and consecutive indices never share an instance when there are several,
    /// so every relay between the two members of a room crosses instances.
    pub fn ws_url(&self, index: usize) -> &str {
        &self.ws_urls[index % self.ws_urls.len()]
    }
}

/// Live counts across all clients.
#[derive(Debug, Default)]
pub struct Counters {
    /// Sockets opened.
    pub connected: AtomicU64,
    /// Sockets that could not be opened.
    pub connect_failed: AtomicU64,
    /// Clients whose negotiation completed both ways.
    pub negotiated: AtomicU64,
    /// Open sockets that ended before the run closed them.
    pub dropped: AtomicU64,
    /// Chat lines sent.
    pub chat_sent: AtomicU64,
    /// Chat deliveries received (echoes and the peer's lines).
    pub chat_received: AtomicU64,
}

/// What one client saw, handed back when it finishes.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The socket opened.
    pub connected: bool,
    /// Offer/answer and all candidates went both ways.
    pub negotiated: bool,
    /// From both members being in the room (`ready` for the offerer, `player-assign`
    /// naming the peer for the answerer) to the negotiation completing.
    pub negotiation: Option<Duration>,
    /// The socket was still open when the run closed it.
    pub held_to_end: bool,
    /// Chat lines sent.
    pub chat_sent: u64,
    /// Deliveries those lines should have caused (the echo, plus the peer's copy).
    pub chat_expected: u64,
    /// Chat deliveries received.
    pub chat_received: u64,
    /// Deliveries received while the chat window was open (for the rate).
    pub chat_received_in_window: u64,
    /// Relay latency of each delivery, in microseconds, own echoes included.
    pub latencies_us: Vec<u32>,
    /// Relay latency of the peer's lines only, in microseconds.
    pub peer_latencies_us: Vec<u32>,
    /// What went wrong, one short kind per event.
    pub errors: Vec<String>,
}

/// Runs one client through every phase; never outlives `shared.deadline`.
pub async fn run(
    index: usize,
    room: RoomId,
    identity: Identity,
    shared: Arc<Shared>,
    phase: watch::Receiver<Phase>,
) -> Outcome {
    let mut out = Outcome::default();
    let ws = match connect(&shared, shared.ws_url(index), &identity.bearer).await {
        Ok(ws) => ws,
        Err(kind) => {
            shared
                .counters
                .connect_failed
                .fetch_add(1, Ordering::Relaxed);
            out.errors.push(kind);
            return out;
        }
    };
    shared.counters.connected.fetch_add(1, Ordering::Relaxed);
    out.connected = true;
    let mut client = Client {
        index,
        room,
        identity,
        ws,
        shared,
        out,
        join_sent: false,
        paired_at: None,
        in_room: false,
        peer_present: false,
        sent_description: false,
        got_description: false,
        candidates_sent: 0,
        candidates_got: 0,
        next_chat: None,
        seq: 0,
    };
    client.drive(phase).await;
    client.out
}

async fn connect(shared: &Shared, ws_url: &str, bearer: &str) -> Result<Ws, String> {
    // Bounded parallel batches: a permit per handshake in flight.
    let _permit = shared
        .connect_gate
        .acquire()
        .await
        .map_err(|_| "connect: gate closed".to_owned())?;
    let mut request = ws_url
        .into_client_request()
        .map_err(|e| format!("connect: bad request: {e}"))?;
    let auth = HeaderValue::from_str(bearer).map_err(|_| "connect: bad token".to_owned())?;
    request.headers_mut().insert(AUTHORIZATION, auth);
    // Small buffers: tungstenite's 128 KiB defaults would make the generator, not the
    // server, the memory hog at 10k sockets. No write buffering: each frame goes out now.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(1 << 20);
    match timeout(
        CONNECT_TIMEOUT,
        Connection::open_request(request, Some(config)),
    )
    .await
    {
        Ok(Ok(ws)) => Ok(ws),
        Ok(Err(duet_client::Error::Api { status, .. })) => Err(format!("connect: HTTP {status}")),
        Ok(Err(duet_client::Error::Socket(WsError::Io(e)))) => {
            Err(format!("connect: {:?}", e.kind()))
        }
        Ok(Err(e)) => Err(format!("connect: {e}")),
        Err(_) => Err("connect: timed out".to_owned()),
    }
}

/// A connected client's state between events.
struct Client {
    index: usize,
    room: RoomId,
    identity: Identity,
    ws: Ws,
    shared: Arc<Shared>,
    out: Outcome,
    join_sent: bool,
    paired_at: Option<Instant>,
    in_room: bool,
    peer_present: bool,
    sent_description: bool,
    got_description: bool,
    candidates_sent: u32,
    candidates_got: u32,
    next_chat: Option<Instant>,
    seq: u64,
}

/// Why the event loop stopped.
enum Stop {
    /// The run is over; close politely.
    Close,
    /// The socket is gone already.
    Gone,
}

impl Client {
    async fn drive(&mut self, mut phase: watch::Receiver<Phase>) {
        let stop = self.event_loop(&mut phase).await;
        if matches!(stop, Stop::Close) {
            self.out.held_to_end = true;
            // Sends a close frame and waits (3 s at most) for the server's.
            self.ws.close().await;
        }
    }

    async fn event_loop(&mut self, phase: &mut watch::Receiver<Phase>) -> Stop {
        let deadline = self.shared.deadline;
        loop {
            let current = *phase.borrow_and_update();
            if current == Phase::Close {
                return Stop::Close;
            }
            let wake = self.next_timer(current).unwrap_or(deadline).min(deadline);
            tokio::select! {
                incoming = self.ws.recv() => match incoming {
                    // Once the run is closing, the peer's own close (`peer-left`) is expected.
                    _ if *phase.borrow() == Phase::Close => return Stop::Close,
                    Incoming::Message(msg) => {
                        if let Err(stop) = self.on_message(msg, current).await {
                            return stop;
                        }
                    }
                    Incoming::Unreadable { .. } => {
                        self.out.errors.push("undecodable server message".to_owned());
                    }
                    Incoming::Closed(Some(frame)) => {
                        return self.dropped(format!("closed by server ({})", frame.code));
                    }
                    Incoming::Closed(None) => return self.dropped("socket ended".to_owned()),
                },
                changed = phase.changed() => {
                    if changed.is_err() {
                        return Stop::Close;
                    }
                }
                () = sleep_until(wake.into()) => {
                    if Instant::now() >= deadline {
                        self.out.errors.push("run deadline reached".to_owned());
                        return Stop::Close;
                    }
                    if let Err(stop) = self.on_timer(current).await {
                        return stop;
                    }
                }
            }
        }
    }

    /// When this client next has something to send in `phase`.
    fn next_timer(&mut self, phase: Phase) -> Option<Instant> {
        match phase {
            Phase::Negotiate { start } if !self.join_sent => {
                let share = self.index as f64 / self.shared.clients as f64;
                Some(start + self.shared.join_ramp.mul_f64(share))
            }
            Phase::Chat { start, end } if self.in_room => {
                // Spread the clients evenly over one period so the load is steady.
                let next = *self.next_chat.get_or_insert_with(|| {
                    let share = self.index as f64 / self.shared.clients as f64;
                    start + self.shared.chat_period.mul_f64(share)
                });
                (next < end).then_some(next)
            }
            _ => None,
        }
    }

    async fn on_timer(&mut self, phase: Phase) -> Result<(), Stop> {
        match phase {
            Phase::Negotiate { .. } if !self.join_sent => {
                self.join_sent = true;
                self.send(&ClientMsg::JoinRoom { room_id: self.room }).await
            }
            Phase::Chat { end, .. } => {
                let Some(due) = self.next_chat else {
                    return Ok(());
                };
                let now = Instant::now();
                if due > now || now >= end {
                    return Ok(());
                }
                self.next_chat = Some(due + self.shared.chat_period);
                let sent_ns = u64::try_from(now.duration_since(self.shared.epoch).as_nanos())
                    .unwrap_or(u64::MAX);
                self.seq += 1;
                let message = payload::chat_line(sent_ns, self.index, self.seq);
                self.send(&ClientMsg::ChatMessage {
                    room_id: self.room,
                    message,
                })
                .await?;
                self.out.chat_sent += 1;
                self.out.chat_expected += if self.peer_present { 2 } else { 1 };
                self.shared
                    .counters
                    .chat_sent
                    .fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn on_message(&mut self, msg: ServerMsg, phase: Phase) -> Result<(), Stop> {
        match msg {
            ServerMsg::ChatMessage {
                message, sender_id, ..
            } => self.on_chat(&message, sender_id == self.identity.user, phase),
            ServerMsg::PlayerAssign { peer, .. } => {
                self.in_room = true;
                self.peer_present = peer.is_some();
                if self.peer_present {
                    self.paired_at = Some(Instant::now());
                }
            }
            // We were here first: the arrival makes us the offerer.
            ServerMsg::Ready { .. } => {
                self.peer_present = true;
                self.paired_at = Some(Instant::now());
                self.describe(SdpType::Offer).await?;
            }
            ServerMsg::Offer { .. } => {
                self.got_description = true;
                self.describe(SdpType::Answer).await?;
            }
            ServerMsg::Answer { .. } => self.got_description = true,
            ServerMsg::IceCandidate { .. } => self.candidates_got += 1,
            ServerMsg::PeerLeft { .. } => {
                self.peer_present = false;
                self.out.errors.push("peer left".to_owned());
            }
            ServerMsg::RoomFull { .. } => self.out.errors.push("room full".to_owned()),
            ServerMsg::Error { code, .. } => {
                let code = duet_client::code_name(code);
                self.out.errors.push(format!("server error: {code}"));
            }
            other => self
                .out
                .errors
                .push(format!("unexpected message: {}", message_type(&other))),
        }
        self.check_negotiated();
        Ok(())
    }

    fn on_chat(&mut self, message: &str, own: bool, phase: Phase) {
        let now = Instant::now();
        self.out.chat_received += 1;
        self.shared
            .counters
            .chat_received
            .fetch_add(1, Ordering::Relaxed);
        if matches!(phase, Phase::Chat { end, .. } if now <= end) {
            self.out.chat_received_in_window += 1;
        }
        let Some(sent_ns) = payload::chat_sent_ns(message) else {
            self.out.errors.push("unstamped chat line".to_owned());
            return;
        };
        let now_ns = now.duration_since(self.shared.epoch).as_nanos();
        let micros = now_ns.saturating_sub(u128::from(sent_ns)) / 1_000;
        let micros = u32::try_from(micros).unwrap_or(u32::MAX);
        self.out.latencies_us.push(micros);
        if !own {
            self.out.peer_latencies_us.push(micros);
        }
    }

    /// Sends our offer or answer, then trickles our candidates.
    async fn describe(&mut self, kind: SdpType) -> Result<(), Stop> {
        let description = SessionDescription {
            kind,
            sdp: payload::sdp(self.index, kind == SdpType::Answer),
        };
        let room_id = self.room;
        let msg = match kind {
            SdpType::Answer => ClientMsg::Answer {
                room_id,
                answer: description,
            },
            _ => ClientMsg::Offer {
                room_id,
                offer: description,
            },
        };
        self.send(&msg).await?;
        self.sent_description = true;
        self.candidates_sent = 0;
        for n in 0..self.shared.candidates {
            let candidate = payload::candidate(self.index, n);
            self.send(&ClientMsg::IceCandidate { room_id, candidate })
                .await?;
            self.candidates_sent += 1;
        }
        Ok(())
    }

    fn check_negotiated(&mut self) {
        let want = self.shared.candidates;
        if !self.out.negotiated
            && self.sent_description
            && self.got_description
            && self.candidates_sent >= want
            && self.candidates_got >= want
        {
            self.out.negotiated = true;
            self.out.negotiation = self.paired_at.map(|t| t.elapsed());
            self.shared
                .counters
                .negotiated
                .fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn send(&mut self, msg: &ClientMsg) -> Result<(), Stop> {
        match self.ws.send(msg).await {
            Ok(()) => Ok(()),
            Err(duet_client::Error::Socket(e)) => {
                Err(self.dropped(format!("send failed: {}", kind(&e))))
            }
            Err(e) => Err(self.dropped(format!("send failed: {e}"))),
        }
    }

    fn dropped(&mut self, why: String) -> Stop {
        self.out.errors.push(why);
        self.shared.counters.dropped.fetch_add(1, Ordering::Relaxed);
        Stop::Gone
    }
}

/// A short, low-cardinality name for a socket error.
fn kind(e: &WsError) -> String {
    match e {
        WsError::Io(io) => format!("{:?}", io.kind()),
        WsError::ConnectionClosed | WsError::AlreadyClosed => "closed".to_owned(),
        WsError::Protocol(p) => format!("protocol: {p}"),
        other => other.to_string(),
    }
}

/// The wire `type` of a server message, for error tallies.
fn message_type(msg: &ServerMsg) -> String {
    serde_json::to_value(msg)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str().map(str::to_owned)))
        .unwrap_or_else(|| "?".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(instances: usize) -> Shared {
        Shared {
            epoch: Instant::now(),
            ws_urls: (0..instances)
                .map(|i| format!("ws://127.0.0.1:{i}/ws"))
                .collect(),
            clients: 12,
            candidates: 0,
            chat_period: Duration::from_secs(1),
            join_ramp: Duration::ZERO,
            connect_gate: Semaphore::new(1),
            deadline: Instant::now(),
            counters: Counters::default(),
        }
    }

    #[test]
    fn one_instance_takes_every_client() {
        let s = shared(1);
        assert!((0..12).all(|i| s.ws_url(i) == "ws://127.0.0.1:0/ws"));
    }

    #[test]
    fn the_members_of_each_room_are_on_different_instances() {
        for instances in 2..=5 {
            let s = shared(instances);
            for room in 0..12 {
                assert_ne!(
                    s.ws_url(2 * room),
                    s.ws_url(2 * room + 1),
                    "{instances} instances"
                );
            }
        }
    }
}
