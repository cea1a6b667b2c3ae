//! One WebSocket connection: decodes frames, enforces the transport's limits (frame
//! size and rate, heartbeat, outbox), turns client messages into room actions for the
//! hub, and writes what the hub delivers. Ends by leaving its room. Every rule about
//! rooms (membership, candidates, chat rate, games) is [`super::room::RoomState`]'s.

use super::admission::Admitted;
use super::hub::{OUTBOX_CAPACITY, Outbox};
use super::room::{Action, ConnId, Member, Outcome};
use crate::auth::AuthUser;
use crate::db;
use crate::metrics::Metrics;
use crate::state::AppState;
use actix_web::web;
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};

use duet_shared::protocol::ClientMsg;
use duet_shared::{ErrorCode, RoomId, ServerMsg};
use governor::{DefaultDirectRateLimiter, RateLimiter};
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use violations::{Verdict, Violations};

mod close;
mod violations;

/// A connection's state between frames.
struct Connection {
    state: web::Data<AppState>,
    member: Member,
    /// The room joined, if any.
    room: Option<RoomId>,
    /// The frame rate (the room's rules, chat rate included, are the room state's).
    limiter: DefaultDirectRateLimiter,
    /// Recent frames over that rate.
    violations: Violations,
}

/// Serves one upgraded connection until it closes, its logs in a `ws` span naming the
/// connection and the account.
pub async fn run(
    state: web::Data<AppState>,
    user: AuthUser,
    session: Session,
    frames: AggregatedMessageStream,
    // Held until the connection ends, then given back.
    _slots: Admitted,
) {
    let conn = state.hub.conn_id();
    // Instrumented, not entered: an entered span held across `.await` would become the
    // parent of whatever else runs on the thread meanwhile.
    let span = tracing::info_span!("ws", conn = %conn.id, user = %user.id);
    serve(state, user, session, frames, conn)
        .instrument(span)
        .await;
}

async fn serve(
    state: web::Data<AppState>,
    user: AuthUser,
    mut session: Session,
    mut frames: AggregatedMessageStream,
    conn: ConnId,
) {
    let (tx, mut outbox) = mpsc::channel(OUTBOX_CAPACITY);
    let overflow = CancellationToken::new();
    let settings = state.settings.clone();
    let shutdown = state.shutdown.clone();
    let mut me = Connection {
        member: Member {
            conn,
            user: user.id,
            name: user.name,
        },
        room: None,
        limiter: RateLimiter::direct(settings.ws_quota),
        violations: Violations::default(),
        state,
    };
    if let Err(e) = me
        .state
        .hub
        .attach(
            conn,
            Outbox {
                tx,
                overflow: overflow.clone(),
            },
        )
        .await
    {
        tracing::error!(error = %e, "could not register connection");
        let _ = session.close(Some(CloseCode::Error.into())).await;
        return;
    }
    tracing::debug!("connected");
    me.state.metrics.connections.inc();

    let mut heartbeat = tokio::time::interval(settings.heartbeat_interval);
    let mut last_heard = Instant::now();
    let close: Option<CloseReason> = loop {
        tokio::select! {
            // Biased: deliveries already queued for this client go out before its next
            // frame is read, so a reply never overtakes a message that happened earlier.
            biased;
            () = overflow.cancelled() => break Some(CloseReason {
                code: CloseCode::Policy,
                description: Some("too many undelivered messages".into()),
            }),
            () = shutdown.cancelled() => break Some(CloseReason {
                code: CloseCode::Restart,
                description: Some("server restarting; reconnect".into()),
            }),
            Some(msg) = outbox.recv() => {
                if let ServerMsg::Error { code, .. } = &*msg {
                    if *code == ErrorCode::Replaced {
                        me.room = None;
                    }
                    count_error(&me.state, *code);
                }
                if send(&mut session, &msg, &settings).await.is_err() { break None }
            }
            frame = frames.recv() => {
                let Some(frame) = frame else { break None };
                last_heard = Instant::now();
                let replies = match frame {
                    Ok(AggregatedMessage::Text(text)) => match me.handle_text(&text).await {
                        Ok(replies) => replies,
                        Err(reason) => break Some(reason),
                    },
                    Ok(AggregatedMessage::Binary(_)) => vec![ServerMsg::error(
                        ErrorCode::BinaryNotSupported,
                        "binary frames are not part of the protocol; send JSON text",
                    )],
                    Ok(AggregatedMessage::Ping(bytes)) => {
                        if session.pong(&bytes).await.is_err() { break None }
                        continue;
                    }
                    Ok(AggregatedMessage::Pong(_)) => continue,
                    Ok(AggregatedMessage::Close(_)) => break Some(CloseCode::Normal.into()),
                    Err(e) => break Some(close::close_for(&e)),
                };
                for reply in replies {
                    if let ServerMsg::Error { code, .. } = &reply {
                        count_error(&me.state, *code);
                    }
                    if send(&mut session, &reply, &settings).await.is_err() { break; }
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > settings.client_timeout {
                    tracing::info!("closing a connection that stopped answering");
                    break Some(CloseReason { code: CloseCode::Away, description: Some("timed out".into()) });
                }
                if session.ping(b"").await.is_err() { break None }
            }
        }
    };

    if let Some(room) = me.room.take()
        && let Err(e) = me.state.hub.apply(room, &me.member, Action::Leave).await
    {
        tracing::error!(error = %e, "could not leave room on disconnect");
    }
    if let Err(e) = me.state.hub.detach(conn).await {
        tracing::error!(error = %e, "could not deregister connection");
    }
    me.state.metrics.connections.dec();
    tracing::debug!(?close, "disconnected");
    let _ = session.close(close).await;
}

/// Writes one message, giving up on a client that does not read for the timeout.
async fn send(
    session: &mut Session,
    msg: &ServerMsg,
    settings: &crate::state::Runtime,
) -> Result<(), ()> {
    let text = serde_json::to_string(msg).map_err(|e| {
        tracing::error!(error = %e, "could not encode a server message");
    })?;
    match tokio::time::timeout(settings.client_timeout, session.text(text)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

impl Connection {
    /// Handles one text frame: the replies to send back, or the reason to close.
    async fn handle_text(&mut self, text: &str) -> Result<Vec<ServerMsg>, CloseReason> {
        if self.limiter.check().is_err() {
            Metrics::count(&self.state.metrics.rate_limited, "signaling");
            if self.violations.record(Instant::now()) == Verdict::Close {
                tracing::warn!("closing a connection that kept flooding");
                return Err(CloseReason {
                    code: CloseCode::Policy,
                    description: Some("rate limit exceeded".into()),
                });
            }
            return Ok(vec![ServerMsg::error(
                ErrorCode::RateLimited,
                "too many messages; slow down",
            )]);
        }
        let msg = match ClientMsg::decode(text) {
            Ok(msg) => msg,
            Err(e) => return Ok(vec![e.into()]),
        };
        let reply = match msg {
            // Boxed: a join awaits the database, and that future is several times larger
            // than everything else this task holds. Inline, every connection would keep
            // room for it for its whole life; boxed, only while a join runs.
            ClientMsg::JoinRoom { room_id } => Box::pin(self.join(room_id)).await,
            other => self.act(other).await,
        };
        Ok(reply.into_iter().collect())
    }

    async fn join(&mut self, room_id: RoomId) -> Option<ServerMsg> {
        // One room per connection: a connection-level rule (joining its own room again
        // is the room's to refuse).
        if self.room.is_some_and(|current| current != room_id) {
            return Some(ServerMsg::error(
                ErrorCode::AlreadyInRoom,
                "leave your current room first",
            ));
        }
        let room = match db::rooms::visible_to(&self.state.pool, room_id, self.member.user).await {
            Ok(Some(room)) => room,
            Ok(None) => {
                return Some(ServerMsg::error(
                    ErrorCode::RoomNotFound,
                    "no such room, or it is private and you have not been invited",
                ));
            }
            Err(e) => {
                tracing::error!(error = %e, "room lookup failed");
                return Some(internal());
            }
        };
        match self
            .state
            .hub
            .join(room_id, &self.member, room.room_type)
            .await
        {
            Ok(Outcome::Joined { .. }) => {
                self.room = Some(room_id);
                None
            }
            Ok(_) => None,
            Err(e) => {
                tracing::error!(error = %e, "join failed");
                Some(internal())
            }
        }
    }

    /// Hands a message about a room to that room's state, which judges it (a room other
    /// than this connection's own refuses it as `not-in-room`).
    async fn act(&mut self, msg: ClientMsg) -> Option<ServerMsg> {
        let kind = msg.type_name();
        let (room_id, action) = Action::from_client(msg, db::now_ms())?;
        match self.state.hub.apply(room_id, &self.member, action).await {
            Ok(Outcome::Left | Outcome::NotMember) => {
                // Left, or no longer a member (evicted): this connection's room is gone.
                if self.room == Some(room_id) {
                    self.room = None;
                }
                None
            }
            // The only rate a room keeps is the chat rate.
            Ok(Outcome::Refused(ErrorCode::RateLimited)) => {
                Metrics::count(&self.state.metrics.rate_limited, "chat");
                None
            }
            Ok(Outcome::Refused(_)) => None,
            Ok(_) => {
                Metrics::count(&self.state.metrics.relayed, kind);
                None
            }
            Err(e) => {
                tracing::error!(error = %e, "room action failed");
                Some(internal())
            }
        }
    }
}

/// Counts an error code sent to a client.
fn count_error(state: &AppState, code: ErrorCode) {
    if let Ok(serde_json::Value::String(name)) = serde_json::to_value(code) {
        Metrics::count(&state.metrics.errors, &name);
    }
}

fn internal() -> ServerMsg {
    ServerMsg::error(ErrorCode::Internal, "the server failed; try again")
}
