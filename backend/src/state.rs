//! What every handler and connection shares.

use crate::auth::TokenKeys;
use crate::auth::turn::TurnRest;
use crate::config::Config;
use crate::http::client_addr::TrustedProxies;
use crate::metrics::Metrics;
use crate::signaling::Hub;
use crate::signaling::admission::Admission;
use crate::turn_provider::TurnProvider;
use duet_shared::UserId;
use duet_shared::api::IceTransportPolicy;
use duet_shared::limits::{CHAT_BURST, CHAT_PER_MINUTE};
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
    /// Settings derived from the configuration.
    pub settings: Settings,
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

/// Settings handlers need at run time.
#[derive(Clone)]
pub struct Settings {
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

impl Settings {
    /// The run-time settings of `config`, or what is wrong with it.
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let public_origin = config
            .public_url
            .as_ref()
            .map(|url| url.origin().ascii_serialization());
        Ok(Settings {
            cookie_secure: config.cookie_secure
                || config
                    .public_url
                    .as_ref()
                    .is_some_and(|u| u.scheme() == "https"),
            trusted_proxies: TrustedProxies::parse(&config.trusted_proxies)?,
            allowed_origins: config
                .allowed_origins
                .iter()
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .chain(public_origin)
                .collect(),
            stun_urls: config.stun_urls(),
            turn: config
                .turn_secret
                .clone()
                .map(|secret| TurnRest::new(config.turn_urls(), secret, config.turn_ttl)),
            turn_ttl: config.turn_ttl,
            ice_transport_policy: config.ice_transport_policy.into(),
            heartbeat_interval: config.heartbeat_interval,
            client_timeout: config.client_timeout,
            ws_quota: Quota::per_second(nonzero(config.ws_rate))
                .allow_burst(nonzero(config.ws_burst)),
        })
    }
}

/// Keyed rate limiters (token buckets).
pub struct Limits {
    /// Sign-in attempts per client address and e-mail.
    pub signin: DefaultKeyedRateLimiter<(IpAddr, String)>,
    /// Sign-up and sign-in requests per client address.
    pub auth_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Chat messages per user, across their connections.
    pub chat: DefaultKeyedRateLimiter<UserId>,
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
            chat: RateLimiter::keyed(
                Quota::per_minute(nonzero(CHAT_PER_MINUTE)).allow_burst(nonzero(CHAT_BURST)),
            ),
        }
    }

    /// Forgets keys whose buckets are full again, so memory follows active clients.
    pub fn prune(&self) {
        self.signin.retain_recent();
        self.auth_per_ip.retain_recent();
        self.chat.retain_recent();
    }
}

/// `n`, or 1 for zero (a quota cannot be empty).
fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}
