//! What every handler and connection shares.

use crate::auth::TokenKeys;
use crate::auth::turn::TurnRest;
use crate::http::client_addr::TrustedProxies;
use crate::metrics::Metrics;
use crate::signaling::Hub;
use crate::signaling::admission::Admission;
use crate::turn_provider::TurnProvider;
use duet_shared::api::IceTransportPolicy;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sqlx::AnyPool;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Shared application state.
pub struct AppState {
    /// The database.
    pub pool: AnyPool,
    /// Room membership and delivery.
    pub hub: Arc<dyn Hub>,
    /// Session token keys.
    pub tokens: TokenKeys,
    /// Settings read at run time.
    pub settings: Runtime,
    /// Rate limiters.
    pub limits: Limits,
    /// Caps on simultaneous signaling connections.
    pub admission: Admission,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// The hosted TURN service, with `TURN_PROVIDER_URL`.
    pub turn_provider: Option<TurnProvider>,
    /// Cancelled when the server shuts down; connections close with "restarting".
    pub shutdown: CancellationToken,
}

/// Settings handlers and connections read at run time (part of the validated
/// [`crate::settings::Settings`]).
#[derive(Clone)]
pub struct Runtime {
    /// Whether the session cookie is `Secure`.
    pub cookie_secure: bool,
    /// Proxies whose forwarded headers name the client.
    pub trusted_proxies: TrustedProxies,
    /// Extra origins allowed to open the WebSocket.
    pub allowed_origins: Vec<String>,
    /// STUN servers for browsers.
    pub stun_urls: Vec<String>,
    /// TURN servers and their shared secret, when configured.
    pub turn: Option<TurnRest>,
    /// Lifetime of TURN credentials.
    pub turn_ttl: Duration,
    /// Whether calls must be relayed through TURN.
    pub ice_transport_policy: IceTransportPolicy,
    /// WebSocket ping period.
    pub heartbeat_interval: Duration,
    /// Silence after which a WebSocket is closed.
    pub client_timeout: Duration,
    /// Message budget of one signaling connection.
    pub ws_quota: Quota,
}

/// Keyed rate limiters (token buckets) of the HTTP API; the chat rate is the room's.
pub struct Limits {
    /// Sign-in attempts per client address and e-mail.
    pub signin: DefaultKeyedRateLimiter<(IpAddr, String)>,
    /// Sign-up and sign-in requests per client address.
    pub auth_per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limits {
    /// Limiters with Duet's quotas; `auth_per_minute` bounds auth requests per address.
    pub fn new(auth_per_minute: u32) -> Self {
        Limits {
            // Five tries at once, then one every 20 s.
            signin: RateLimiter::keyed(
                Quota::with_period(Duration::from_secs(20))
                    .unwrap_or_else(|| Quota::per_minute(nonzero(3)))
                    .allow_burst(nonzero(5)),
            ),
            auth_per_ip: RateLimiter::keyed(
                Quota::per_minute(nonzero(auth_per_minute)).allow_burst(nonzero(auth_per_minute)),
            ),
        }
    }

    /// Forgets keys whose buckets are full again, so memory follows active clients.
    pub fn prune(&self) {
        self.signin.retain_recent();
        self.auth_per_ip.retain_recent();
    }
}

/// `n`, or 1 for zero (a quota cannot be empty).
fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}
