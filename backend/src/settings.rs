//! The configuration's rules: [`Config::validate`] turns the settings as given into
//! [`Settings`] known to make sense together, or says what is wrong. It is pure (no
//! file, socket or clock), so every rule is table-tested without starting a server;
//! [`crate::Application::build`] only wires what it returns.

use crate::auth::secret::{MIN_SECRET_LEN, looks_weak};
use crate::auth::turn::TurnRest;
use crate::config::{Config, Environment, TransportPolicy};
use crate::http::client_addr::TrustedProxies;
use crate::state::Runtime;
use governor::Quota;
use secrecy::{ExposeSecret, SecretString};
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

/// A configuration that breaks a rule, with the operator's way out in its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Production without `JWT_SECRET`.
    #[error("JWT_SECRET must be set when DUET_ENV=production")]
    SecretMissing,
    /// A secret too short to resist guessing.
    #[error("JWT_SECRET must be at least {MIN_SECRET_LEN} characters")]
    SecretTooShort,
    /// A placeholder or low-variety value, refused in production.
    #[error("JWT_SECRET looks like a placeholder; generate one, e.g. with `openssl rand -hex 32`")]
    SecretWeak,
    /// A `TRUSTED_PROXIES` entry that is neither an address nor a network.
    #[error("{0}")]
    TrustedProxies(String),
    /// A hosted TURN provider and Duet's own TURN settings at once.
    #[error(
        "TURN_PROVIDER_URL cannot be combined with TURN_URLS, TURN_SECRET or --turn: use either the hosted provider or your own TURN server"
    )]
    TurnProviderConflict,
    /// A hosted TURN provider without its key.
    #[error("TURN_PROVIDER_URL is set but the TURN_PROVIDER_KEY environment variable is not")]
    TurnProviderKeyMissing,
    /// The key would travel in clear text.
    #[error(
        "TURN_PROVIDER_URL must be an https:// URL (http:// only on loopback): the API key travels in it"
    )]
    TurnProviderInsecure,
    /// `relay` with no TURN server: no call could ever connect.
    #[error(
        "ICE_TRANSPORT_POLICY=relay needs a TURN server (TURN_URLS, --turn or TURN_PROVIDER_URL): without one no call could connect"
    )]
    RelayWithoutTurn,
    /// `--turn` without a relay address.
    #[error("--turn needs TURN_RELAY_IP: the local address relayed media leaves from")]
    TurnRelayIpMissing,
    /// TURN URLs without the secret to sign credentials for them.
    #[error(
        "TURN_URLS is set but TURN_SECRET is not: browsers would get TURN servers they cannot use"
    )]
    TurnSecretMissing,
    /// A zero heartbeat would ping without pause.
    #[error("HEARTBEAT_INTERVAL must be longer than zero")]
    HeartbeatZero,
    /// A timeout within one heartbeat would close connections that answer every ping.
    #[error(
        "CLIENT_TIMEOUT ({timeout:?}) must be longer than HEARTBEAT_INTERVAL ({heartbeat:?}): a connection is heard from once per heartbeat"
    )]
    TimeoutWithinHeartbeat {
        /// `CLIENT_TIMEOUT`.
        timeout: Duration,
        /// `HEARTBEAT_INTERVAL`.
        heartbeat: Duration,
    },
    /// Several instances cannot share a SQLite file.
    #[error(
        "REDIS_URL is set for several instances, but DATABASE_URL is SQLite, which cannot be shared between instances: use PostgreSQL"
    )]
    SqliteNotShared,
}

/// Where the session-signing secret comes from.
pub enum SessionSecret {
    /// `JWT_SECRET`, checked.
    Given(SecretString),
    /// Development without `JWT_SECRET`: generated once and kept in this file.
    Generated(PathBuf),
}

/// Room state shared through Redis by several instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisSettings {
    /// `REDIS_URL`.
    pub url: String,
    /// Prefix of this deployment's keys and channels.
    pub prefix: String,
    /// How often an instance refreshes its liveness and sweeps its rooms.
    pub tick: Duration,
    /// How long an instance that stops refreshing is still considered alive.
    pub liveness: Duration,
}

/// Duet's own TURN server (`--turn`).
pub struct EmbeddedTurn {
    /// The local address relayed media leaves from.
    pub relay_ip: IpAddr,
    /// Where it listens (UDP and TCP).
    pub listen: SocketAddr,
    /// The public address browsers reach it at, when behind NAT.
    pub public_ip: Option<IpAddr>,
    /// The host of `PUBLIC_URL`, the next choice for the address handed to browsers.
    pub public_host: Option<String>,
    /// The UDP ports relays use.
    pub relay_ports: RangeInclusive<u16>,
    /// Whether it may relay to loopback and private addresses.
    pub allow_private_peers: bool,
    /// `TURN_SECRET`, or none for a random one.
    pub secret: Option<SecretString>,
    /// `TURN_URLS` to hand out instead of its own address.
    pub urls: Vec<String>,
    /// Lifetime of the credentials handed out.
    pub ttl: Duration,
}

/// A hosted TURN service (`TURN_PROVIDER_URL`).
pub struct ProviderSettings {
    /// Its credentials endpoint.
    pub url: url::Url,
    /// Its API key.
    pub key: SecretString,
    /// How long its answer is reused.
    pub ttl: Duration,
}

/// A configuration that passed every rule: what the application is built from.
pub struct Settings {
    /// Address to listen on.
    pub host: String,
    /// Port to listen on (0 picks a free one).
    pub port: u16,
    /// The database.
    pub database_url: String,
    /// The session-signing secret.
    pub session_secret: SessionSecret,
    /// How long a sign-in lasts.
    pub session_ttl: Duration,
    /// Redis for several instances; none keeps rooms in this process.
    pub redis: Option<RedisSettings>,
    /// Duet's own TURN server, with `--turn`.
    pub embedded_turn: Option<EmbeddedTurn>,
    /// The hosted TURN service, with `TURN_PROVIDER_URL`.
    pub turn_provider: Option<ProviderSettings>,
    /// What handlers and connections read at run time.
    pub runtime: Runtime,
    /// Sign-up and sign-in requests allowed per client address per minute.
    pub auth_rate_per_minute: u32,
    /// Signaling connections one account may hold at once.
    pub max_connections_per_user: u32,
    /// Signaling connections one client address may hold at once.
    pub max_connections_per_address: u32,
    /// The built web app.
    pub static_dir: PathBuf,
    /// Where to serve `/metrics`, if anywhere.
    pub metrics_addr: Option<SocketAddr>,
    /// Settings that are allowed but probably not meant, to log at start.
    pub warnings: Vec<&'static str>,
}

impl Config {
    /// Checks every rule and returns the settings to build the application from.
    pub fn validate(&self) -> Result<Settings, ConfigError> {
        let mut warnings = Vec::new();
        let session_secret = self.session_secret()?;
        let runtime = self.runtime()?;
        let turn_provider = self.turn_provider(&mut warnings)?;
        if self.ice_transport_policy == TransportPolicy::Relay
            && self.turn_urls().is_empty()
            && !self.turn_enable
            && turn_provider.is_none()
        {
            return Err(ConfigError::RelayWithoutTurn);
        }
        let embedded_turn = self.embedded_turn()?;
        if !self.turn_urls().is_empty() && self.turn_secret.is_none() {
            return Err(ConfigError::TurnSecretMissing);
        }
        if self.turn_urls().is_empty() && self.turn_secret.is_some() && !self.turn_enable {
            warnings.push("TURN_SECRET is set without TURN_URLS: no TURN server is handed out");
        }
        if self.environment == Environment::Production && !runtime.cookie_secure {
            warnings.push(
                "COOKIE_SECURE is off in production: session cookies will travel over plain HTTP",
            );
        }
        if self.heartbeat_interval.is_zero() {
            return Err(ConfigError::HeartbeatZero);
        }
        if self.client_timeout <= self.heartbeat_interval {
            return Err(ConfigError::TimeoutWithinHeartbeat {
                timeout: self.client_timeout,
                heartbeat: self.heartbeat_interval,
            });
        }
        let database_url = self.database_url();
        let redis = match self.redis_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => {
                if database_url.starts_with("sqlite:") {
                    return Err(ConfigError::SqliteNotShared);
                }
                Some(RedisSettings {
                    url: url.to_owned(),
                    prefix: self.redis_prefix.clone(),
                    tick: self.heartbeat_interval,
                    liveness: (self.client_timeout / 2).max(self.heartbeat_interval * 2),
                })
            }
            _ => None,
        };
        Ok(Settings {
            host: self.host.clone(),
            port: self.port,
            database_url,
            session_secret,
            session_ttl: self.session_ttl,
            redis,
            embedded_turn,
            turn_provider,
            runtime,
            auth_rate_per_minute: self.auth_rate_per_minute,
            max_connections_per_user: self.max_connections_per_user,
            max_connections_per_address: self.max_connections_per_address,
            static_dir: self.static_dir.clone(),
            metrics_addr: self.metrics_addr,
            warnings,
        })
    }

    /// `JWT_SECRET` if it is strong enough; otherwise, outside production, a file to keep
    /// a generated one in.
    fn session_secret(&self) -> Result<SessionSecret, ConfigError> {
        match &self.jwt_secret {
            Some(secret) if secret.expose_secret().len() < MIN_SECRET_LEN => {
                Err(ConfigError::SecretTooShort)
            }
            Some(secret)
                if self.environment == Environment::Production
                    && looks_weak(secret.expose_secret()) =>
            {
                Err(ConfigError::SecretWeak)
            }
            Some(secret) => Ok(SessionSecret::Given(secret.clone())),
            None if self.environment == Environment::Production => Err(ConfigError::SecretMissing),
            None => Ok(SessionSecret::Generated(self.data_dir.join("jwt-secret"))),
        }
    }

    /// What handlers and connections read at run time.
    fn runtime(&self) -> Result<Runtime, ConfigError> {
        let public_origin = self
            .public_url
            .as_ref()
            .map(|url| url.origin().ascii_serialization());
        Ok(Runtime {
            cookie_secure: self.cookie_secure
                || self
                    .public_url
                    .as_ref()
                    .is_some_and(|u| u.scheme() == "https"),
            trusted_proxies: TrustedProxies::parse(&self.trusted_proxies)
                .map_err(ConfigError::TrustedProxies)?,
            allowed_origins: self
                .allowed_origins
                .iter()
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .chain(public_origin)
                .collect(),
            stun_urls: self.stun_urls(),
            turn: self
                .turn_secret
                .clone()
                .map(|secret| TurnRest::new(self.turn_urls(), secret, self.turn_ttl)),
            turn_ttl: self.turn_ttl,
            ice_transport_policy: self.ice_transport_policy.into(),
            heartbeat_interval: self.heartbeat_interval,
            client_timeout: self.client_timeout,
            ws_quota: Quota::per_second(nonzero(self.ws_rate)).allow_burst(nonzero(self.ws_burst)),
        })
    }

    /// The hosted TURN provider, with `TURN_PROVIDER_URL`: alone, with its key, over TLS.
    fn turn_provider(
        &self,
        warnings: &mut Vec<&'static str>,
    ) -> Result<Option<ProviderSettings>, ConfigError> {
        let Some(url) = self.turn_provider_url.clone() else {
            if self.turn_provider_key.is_some() {
                warnings.push("TURN_PROVIDER_KEY is set without TURN_PROVIDER_URL: it is not used");
            }
            return Ok(None);
        };
        if self.turn_enable || self.turn_secret.is_some() || !self.turn_urls().is_empty() {
            return Err(ConfigError::TurnProviderConflict);
        }
        let key = self
            .turn_provider_key
            .clone()
            .ok_or(ConfigError::TurnProviderKeyMissing)?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name == "localhost",
            None => false,
        };
        if !(url.scheme() == "https" || url.scheme() == "http" && loopback) {
            return Err(ConfigError::TurnProviderInsecure);
        }
        Ok(Some(ProviderSettings {
            url,
            key,
            ttl: self.turn_provider_ttl,
        }))
    }

    /// Duet's own TURN server, with `--turn`: it needs the address relays leave from.
    fn embedded_turn(&self) -> Result<Option<EmbeddedTurn>, ConfigError> {
        if !self.turn_enable {
            return Ok(None);
        }
        let relay_ip = self.turn_relay_ip.ok_or(ConfigError::TurnRelayIpMissing)?;
        Ok(Some(EmbeddedTurn {
            relay_ip,
            listen: self.turn_listen,
            public_ip: self.turn_public_ip,
            public_host: self
                .public_url
                .as_ref()
                .and_then(|u| u.host_str().map(str::to_owned)),
            relay_ports: self.turn_relay_ports.clone(),
            allow_private_peers: self.turn_allow_private_peers,
            secret: self.turn_secret.clone(),
            urls: self.turn_urls(),
            ttl: self.turn_ttl,
        }))
    }
}

/// `n`, or 1 for zero (a quota cannot be empty).
fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

#[cfg(test)]
mod tests;
