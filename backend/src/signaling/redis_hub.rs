//! The hub for several instances: room states live in Redis and every change is a
//! compare-and-set (a Lua script) that also publishes the resulting deliveries to the
//! channels of the instances holding the receiving connections, in the same atomic
//! step — so capacity holds across instances and members see one room's messages in
//! commit order. Each instance remembers the last state it saw of its rooms, so a
//! change usually costs one round trip: the compare-and-set against that state; when
//! another change got there first, the script answers with the current state and the
//! step is computed again from it. Each instance keeps an `alive` key fresh; members of an instance whose
//! key has expired are evicted (their peers hear `peer-left`) by the next change to
//! their room or by the periodic sweep of rooms with local members.

use super::hub::{Hub, HubError, Outboxes, lock};
use super::room::{Action, ConnId, Delivery, Member, Outcome, RoomState, Step};
use async_trait::async_trait;
use duet_shared::api::RoomType;
use duet_shared::{RoomId, ServerMsg};
use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Compare-and-set of one room's state, publishing its deliveries on success.
/// KEYS[1]: the room key. ARGV: expected old value ("" = absent), new value ("" = delete),
/// TTL in seconds, then channel/message pairs. Returns nil when committed, else the
/// current value ("" = absent).
const CAS_SCRIPT: &str = r#"
local current = redis.call('GET', KEYS[1])
if current == false then current = '' end
if current ~= ARGV[1] then return current end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
end
for i = 4, #ARGV, 2 do
  redis.call('PUBLISH', ARGV[i], ARGV[i + 1])
end
return false
"#;

/// How long an idle room's state is kept (refreshed on every change).
const ROOM_TTL_SECS: u64 = 24 * 60 * 60;
/// Attempts at a contended compare-and-set before giving up.
const MAX_ATTEMPTS: u32 = 64;
/// How long a command may wait for Redis's answer. Under a burst the answers queue
/// behind each other; failing after the client's default 500 ms would turn a slow
/// moment into lost messages.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Conflicts retried at once (with the state the script returned) before backing off.
const RETRIES_WITHOUT_PAUSE: u32 = 4;

/// A delivery as published to an instance's channel.
#[derive(Serialize, Deserialize)]
struct Envelope {
    to: ConnId,
    msg: ServerMsg,
}

/// Names of this deployment's keys and channels.
#[derive(Clone)]
struct Keys {
    prefix: String,
}

impl Keys {
    fn room(&self, room: RoomId) -> String {
        format!("{}room:{room}", self.prefix)
    }
    fn alive(&self, instance: Uuid) -> String {
        format!("{}alive:{instance}", self.prefix)
    }
    fn channel(&self, instance: Uuid) -> String {
        format!("{}inst:{instance}", self.prefix)
    }
}

/// Room membership and relay shared by every instance through Redis.
pub struct RedisHub {
    instance: Uuid,
    keys: Keys,
    redis: ConnectionManager,
    /// A connection of its own for the liveness key, so that refreshing it never waits
    /// behind relay traffic (an instance under load must not look dead).
    liveness_redis: ConnectionManager,
    script: redis::Script,
    conns: Arc<Outboxes>,
    /// Rooms with a member on this instance, swept for members of dead instances.
    local_rooms: Mutex<HashSet<RoomId>>,
    /// Instances seen alive, and when: trusted for one tick, so relaying a message
    /// costs no extra round trip (an eviction may lag by at most a tick).
    seen_alive: Mutex<HashMap<Uuid, Instant>>,
    tick: Duration,
    /// The last state seen of each local room (JSON, "" = absent): the expected value
    /// of the next compare-and-set, so a change needs no read first.
    known: Mutex<HashMap<RoomId, String>>,
}

impl RedisHub {
    /// Connects, subscribes this instance's channel and starts its liveness and sweep
    /// tasks, which run until `shutdown`. `liveness` is how long an instance that stops
    /// refreshing its key is still considered alive; refreshing happens every `tick`.
    pub async fn connect(
        url: &str,
        prefix: &str,
        tick: Duration,
        liveness: Duration,
        shutdown: CancellationToken,
    ) -> Result<Arc<Self>, HubError> {
        let client = redis::Client::open(url).map_err(hub_error)?;
        let config =
            redis::aio::ConnectionManagerConfig::new().set_response_timeout(Some(RESPONSE_TIMEOUT));
        let redis = client
            .get_connection_manager_with_config(config.clone())
            .await
            .map_err(hub_error)?;
        let liveness_redis = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(hub_error)?;
        let instance = Uuid::new_v4();
        let keys = Keys {
            prefix: prefix.to_owned(),
        };
        let hub = Arc::new(RedisHub {
            instance,
            keys: keys.clone(),
            redis,
            liveness_redis,
            script: redis::Script::new(CAS_SCRIPT),
            conns: Arc::default(),
            local_rooms: Mutex::default(),
            seen_alive: Mutex::default(),
            tick,
            known: Mutex::default(),
        });
        hub.refresh_alive(liveness).await?;

        let mut pubsub = client.get_async_pubsub().await.map_err(hub_error)?;
        pubsub
            .subscribe(keys.channel(instance))
            .await
            .map_err(hub_error)?;
        let conns = Arc::clone(&hub.conns);
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let mut messages = pubsub.into_on_message();
            loop {
                tokio::select! {
                    msg = messages.next() => {
                        let Some(msg) = msg else {
                            tracing::error!("Redis subscription ended: deliveries to this instance stop");
                            break;
                        };
                        match serde_json::from_slice::<Envelope>(msg.get_payload_bytes()) {
                            Ok(e) => conns.deliver(e.to, e.msg),
                            Err(e) => tracing::error!(error = %e, "undecodable delivery from Redis"),
                        }
                    }
                    () = stop.cancelled() => break,
                }
            }
        });

        let weak = Arc::downgrade(&hub);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(tick);
            loop {
                tokio::select! {
                    _ = every.tick() => {}
                    () = shutdown.cancelled() => break,
                }
                let Some(hub) = weak.upgrade() else { break };
                if let Err(e) = hub.refresh_alive(liveness).await {
                    tracing::error!(error = %e, "could not refresh instance liveness");
                }
                hub.sweep().await;
            }
        });
        tracing::info!(instance = %instance, "signaling hub on Redis");
        Ok(hub)
    }

    async fn refresh_alive(&self, liveness: Duration) -> Result<(), HubError> {
        let ms = u64::try_from(liveness.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let mut redis = self.liveness_redis.clone();
        redis
            .pset_ex::<_, _, ()>(self.keys.alive(self.instance), 1, ms)
            .await
            .map_err(hub_error)
    }

    /// Evicts members of dead instances from the rooms this instance has members in.
    async fn sweep(&self) {
        let rooms: Vec<RoomId> = lock(&self.local_rooms).iter().copied().collect();
        for room in rooms {
            if let Err(e) = self.step(room, |_| None).await {
                tracing::warn!(error = %e, %room, "sweep failed");
            }
        }
    }

    /// Which of `instances` still refresh their liveness key.
    async fn alive(&self, instances: &[Uuid]) -> Result<HashSet<Uuid>, HubError> {
        let now = Instant::now();
        let mut alive = HashSet::new();
        let mut unknown = Vec::new();
        {
            let seen = lock(&self.seen_alive);
            for i in instances {
                match seen.get(i) {
                    Some(at) if now.duration_since(*at) < self.tick => {
                        alive.insert(*i);
                    }
                    _ => unknown.push(*i),
                }
            }
        }
        if unknown.is_empty() {
            return Ok(alive);
        }
        let keys: Vec<String> = unknown.iter().map(|i| self.keys.alive(*i)).collect();
        let mut redis = self.redis.clone();
        let values: Vec<Option<String>> = redis.mget(keys).await.map_err(hub_error)?;
        let mut seen = lock(&self.seen_alive);
        for (i, v) in unknown.into_iter().zip(values) {
            if v.is_some() {
                seen.insert(i, now);
                alive.insert(i);
            } else {
                seen.remove(&i);
            }
        }
        Ok(alive)
    }

    /// Evicts members of dead instances from the room, applies `f` (none: only evict),
    /// and commits with its deliveries. Starts from the last state this instance saw
    /// (read when there is none); a lost race brings the current state back, and the
    /// step is computed again from it.
    async fn step(
        &self,
        room: RoomId,
        f: impl Fn(&mut RoomState) -> Option<Step>,
    ) -> Result<Outcome, HubError> {
        let key = self.keys.room(room);
        let mut redis = self.redis.clone();
        // (the value, whether it was just read from Redis)
        let known = lock(&self.known).get(&room).cloned();
        let mut old = match known {
            Some(known) => (known, false),
            None => (self.read(&mut redis, &key).await?, true),
        };
        for attempt in 0..MAX_ATTEMPTS {
            let mut state: RoomState = if old.0.is_empty() {
                RoomState::default()
            } else {
                serde_json::from_str(&old.0).map_err(hub_error)?
            };
            let foreign: Vec<Uuid> = state
                .slots
                .iter()
                .flatten()
                .map(|m| m.conn.instance)
                .filter(|i| *i != self.instance)
                .collect();
            let alive = self.alive(&foreign).await?;
            let mut deliveries = state.evict(room, |m| {
                m.conn.instance != self.instance && !alive.contains(&m.conn.instance)
            });
            let outcome = match f(&mut state) {
                Some(step) => {
                    deliveries.extend(step.deliveries);
                    step.outcome
                }
                None => Outcome::Done,
            };
            let new = if state.is_empty() {
                String::new()
            } else {
                serde_json::to_string(&state).map_err(hub_error)?
            };
            if deliveries.is_empty() && new == old.0 {
                // Nothing changed and nobody to tell (a relay with no peer, a refused
                // join, a quiet sweep): only trusted on a state just read.
                if !old.1 {
                    old = (self.read(&mut redis, &key).await?, true);
                    continue;
                }
                self.track(room, &state, new);
                return Ok(outcome);
            }
            let mut call = self.script.key(&key);
            call.arg(&old.0).arg(&new).arg(ROOM_TTL_SECS);
            for Delivery { to, msg } in deliveries {
                let envelope = serde_json::to_string(&Envelope { to, msg }).map_err(hub_error)?;
                call.arg(self.keys.channel(to.instance)).arg(envelope);
            }
            let current: Option<String> = call.invoke_async(&mut redis).await.map_err(hub_error)?;
            let Some(current) = current else {
                self.track(room, &state, new);
                return Ok(outcome);
            };
            // Lost a race: start again from the state that won, after a short
            // jittered pause if the room stays contended.
            old = (current, true);
            if attempt >= RETRIES_WITHOUT_PAUSE {
                let jitter = u64::from(Uuid::new_v4().as_u128() as u8 % 8);
                tokio::time::sleep(Duration::from_millis(u64::from(attempt.min(10)) + jitter))
                    .await;
            }
        }
        Err(HubError(format!("room {room} is too contended")))
    }

    /// The room's state as stored ("" when absent).
    async fn read(&self, redis: &mut ConnectionManager, key: &str) -> Result<String, HubError> {
        let value: Option<String> = redis.get(key).await.map_err(hub_error)?;
        Ok(value.unwrap_or_default())
    }

    /// Records the committed (or confirmed) state `json` of `room`: remembered while
    /// the room has a member here, forgotten with the last one.
    fn track(&self, room: RoomId, state: &RoomState, json: String) {
        let local = state
            .slots
            .iter()
            .flatten()
            .any(|m| m.conn.instance == self.instance);
        let mut rooms = lock(&self.local_rooms);
        let mut known = lock(&self.known);
        if local {
            rooms.insert(room);
            known.insert(room, json);
        } else {
            rooms.remove(&room);
            known.remove(&room);
        }
    }
}

fn hub_error(e: impl std::fmt::Display) -> HubError {
    HubError(e.to_string())
}

#[async_trait]
impl Hub for RedisHub {
    fn conn_id(&self) -> ConnId {
        ConnId::new(self.instance)
    }

    fn outboxes(&self) -> &Outboxes {
        &self.conns
    }

    async fn join(
        &self,
        room: RoomId,
        member: &Member,
        room_type: RoomType,
    ) -> Result<Outcome, HubError> {
        self.step(room, |state| Some(state.join(room, member, room_type)))
            .await
    }

    async fn apply(
        &self,
        room: RoomId,
        actor: &Member,
        action: Action,
    ) -> Result<Outcome, HubError> {
        self.step(room, |state| Some(state.apply(room, actor, action.clone())))
            .await
    }

    fn local_rooms(&self) -> usize {
        lock(&self.local_rooms).len()
    }

    async fn occupancy(&self, rooms: &[RoomId]) -> Result<Vec<u8>, HubError> {
        if rooms.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = rooms.iter().map(|r| self.keys.room(*r)).collect();
        let mut redis = self.redis.clone();
        let values: Vec<Option<String>> = redis.mget(keys).await.map_err(hub_error)?;
        let states: Vec<RoomState> = values
            .into_iter()
            .map(|v| {
                v.and_then(|json| serde_json::from_str(&json).ok())
                    .unwrap_or_default()
            })
            .collect();
        let instances: Vec<Uuid> = states
            .iter()
            .flat_map(|s| s.slots.iter().flatten().map(|m| m.conn.instance))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let alive = self.alive(&instances).await?;
        // Members of dead instances are not counted, even before a sweep evicts them.
        Ok(states
            .iter()
            .map(|s| {
                let live = s
                    .slots
                    .iter()
                    .flatten()
                    .filter(|m| alive.contains(&m.conn.instance))
                    .count();
                u8::try_from(live).unwrap_or(u8::MAX)
            })
            .collect())
    }
}
