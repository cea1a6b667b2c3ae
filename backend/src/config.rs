//! One typed configuration, read from flags, the environment and `.env`.

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Parser, ValueEnum};
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;

/// How the server runs; production refuses unsafe defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    /// Local development: generated secrets are allowed.
    Development,
    /// A real deployment: `JWT_SECRET` is required.
    Production,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Which paths calls may take, as `RTCConfiguration.iceTransportPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum TransportPolicy {
    /// Direct, through STUN, or relayed: whatever connects.
    #[default]
    All,
    /// Through TURN only, so neither person learns the other's address.
    Relay,
}

impl From<TransportPolicy> for duet_shared::api::IceTransportPolicy {
    fn from(policy: TransportPolicy) -> Self {
        match policy {
            TransportPolicy::All => Self::All,
            TransportPolicy::Relay => Self::Relay,
        }
    }
}

/// Duet's settings as given. Every flag can also be given as the environment variable
/// named beside it. Each value is parsed here (booleans accept `1/0`, `true/false`,
/// `yes/no`, `on/off` in any case, a bare flag meaning on; durations are `30s`, `5m`,
/// `1h`… or a bare number of seconds); whether they make sense together is
/// [`Config::validate`]'s to say.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "duet",
    version,
    about = "Duet: two people, one room, face to face.",
    args_override_self = true
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    pub port: u16,

    /// `development` or `production`.
    #[arg(long = "env", env = "DUET_ENV", value_enum, default_value_t = Environment::Development)]
    pub environment: Environment,

    /// Where Duet keeps its SQLite database and generated secrets.
    #[arg(long, env = "DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// `sqlite://…` or `postgres://…`; defaults to `DATA_DIR/duet.db`.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// HMAC key for session tokens (at least 32 characters). Generated and kept in
    /// `DATA_DIR` in development when unset; required in production.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,

    /// How long a sign-in lasts.
    #[arg(long, env = "SESSION_TTL", value_parser = duration, default_value = "7d")]
    pub session_ttl: Duration,

    /// Mark the session cookie `Secure` (set it whenever the app is served over HTTPS).
    #[arg(long, env = "COOKIE_SECURE", value_parser = BoolishValueParser::new(), action = ArgAction::Set,
          num_args = 0..=1, default_value = "false", default_missing_value = "true")]
    pub cookie_secure: bool,

    /// Where people reach Duet (e.g. `https://duet.example.com`): its origin may open the
    /// WebSocket, and an `https` URL makes session cookies `Secure`.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<url::Url>,

    /// Reverse proxies (addresses or CIDR networks, comma-separated) whose
    /// `X-Forwarded-For`/`Forwarded` headers name the client; others' are ignored.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', action = ArgAction::Set)]
    pub trusted_proxies: Vec<String>,

    /// Origins besides the app's own allowed to open the WebSocket (comma-separated).
    #[arg(long, env = "ALLOWED_ORIGINS", value_delimiter = ',', action = ArgAction::Set)]
    pub allowed_origins: Vec<String>,

    /// The built web app to serve, with fallback to its `index.html`.
    #[arg(long, env = "STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// STUN servers handed to browsers (comma-separated; empty for none).
    #[arg(
        long,
        env = "STUN_URLS",
        value_delimiter = ',',
        action = ArgAction::Set,
        default_value = "stun:stun.l.google.com:19302"
    )]
    pub stun_urls: Vec<String>,

    /// TURN servers handed to browsers with short-lived credentials (comma-separated
    /// `turn:`/`turns:` URLs, e.g. `turn:turn.example.com:3478?transport=udp`).
    #[arg(long, env = "TURN_URLS", value_delimiter = ',', action = ArgAction::Set)]
    pub turn_urls: Vec<String>,

    /// Secret shared with the TURN server (coturn `static-auth-secret`).
    #[arg(long, env = "TURN_SECRET", hide_env_values = true)]
    pub turn_secret: Option<SecretString>,

    /// Run Duet's own TURN/STUN server in this process; `/api/webrtc/ice` then points at it.
    #[arg(long = "turn", env = "TURN_ENABLE", value_parser = BoolishValueParser::new(), action = ArgAction::Set,
          num_args = 0..=1, default_value = "false", default_missing_value = "true")]
    pub turn_enable: bool,

    /// Where the embedded TURN server listens (UDP and TCP).
    #[arg(long, env = "TURN_LISTEN", default_value = "0.0.0.0:3478")]
    pub turn_listen: std::net::SocketAddr,

    /// The local address relayed media leaves from (required with `--turn`).
    #[arg(long, env = "TURN_RELAY_IP")]
    pub turn_relay_ip: Option<std::net::IpAddr>,

    /// The public address browsers reach the TURN server at, when behind NAT.
    #[arg(long, env = "TURN_PUBLIC_IP")]
    pub turn_public_ip: Option<std::net::IpAddr>,

    /// The UDP ports relays use, e.g. `49152-65535`.
    #[arg(long, env = "TURN_RELAY_PORTS", default_value = "49152-65535", value_parser = parse_port_range)]
    pub turn_relay_ports: std::ops::RangeInclusive<u16>,

    /// Let the embedded TURN server relay to loopback and private addresses (tests and LANs only:
    /// it is how a relay becomes a way into a private network).
    #[arg(long, env = "TURN_ALLOW_PRIVATE_PEERS", value_parser = BoolishValueParser::new(), action = ArgAction::Set,
          num_args = 0..=1, default_value = "false", default_missing_value = "true")]
    pub turn_allow_private_peers: bool,

    /// How long TURN credentials handed to browsers stay valid.
    #[arg(long, env = "TURN_TTL", value_parser = duration, default_value = "1h")]
    pub turn_ttl: Duration,

    /// `all`, or `relay` to send every call through TURN (needs `TURN_URLS`, `--turn` or
    /// `TURN_PROVIDER_URL`: without a TURN server no call could connect).
    #[arg(long, env = "ICE_TRANSPORT_POLICY", value_enum, default_value_t = TransportPolicy::All)]
    pub ice_transport_policy: TransportPolicy,

    /// A hosted TURN service's credentials endpoint, without the key (e.g.
    /// `https://<app>.metered.live/api/v1/turn/credentials`): browsers get its TURN servers.
    /// Excludes `TURN_URLS`, `TURN_SECRET` and `--turn`.
    #[arg(long, env = "TURN_PROVIDER_URL")]
    pub turn_provider_url: Option<url::Url>,

    /// The provider's API key, sent as the `apiKey` query parameter. Read from the
    /// environment (`TURN_PROVIDER_KEY`) only, so it never shows in a process list.
    #[arg(skip = secret_from_env("TURN_PROVIDER_KEY"))]
    pub turn_provider_key: Option<SecretString>,

    /// How long the provider's answer is reused (less when the answer expires sooner).
    #[arg(long, env = "TURN_PROVIDER_TTL", value_parser = duration, default_value = "1h")]
    pub turn_provider_ttl: Duration,

    /// How often the server pings each WebSocket.
    #[arg(long, env = "HEARTBEAT_INTERVAL", value_parser = duration, default_value = "10s")]
    pub heartbeat_interval: Duration,

    /// A WebSocket silent for this long is closed and its member leaves the room.
    #[arg(long, env = "CLIENT_TIMEOUT", value_parser = duration, default_value = "30s")]
    pub client_timeout: Duration,

    /// Sign-up and sign-in requests allowed per client address per minute.
    #[arg(long, env = "AUTH_RATE_PER_MINUTE", default_value_t = 30)]
    pub auth_rate_per_minute: u32,

    /// Signaling messages one connection may send in a burst.
    #[arg(long, env = "WS_BURST", default_value_t = duet_shared::limits::MSG_BURST)]
    pub ws_burst: u32,

    /// Signaling messages one connection may send per second, sustained.
    #[arg(long, env = "WS_RATE", default_value_t = duet_shared::limits::MSG_PER_SECOND)]
    pub ws_rate: u32,

    /// Signaling connections one account may hold at once.
    #[arg(long, env = "MAX_CONNECTIONS_PER_USER", default_value_t = 8)]
    pub max_connections_per_user: u32,

    /// Signaling connections one client address may hold at once.
    #[arg(long, env = "MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256)]
    pub max_connections_per_address: u32,

    /// Redis for room membership and relay shared by several instances (`redis://host:6379`).
    /// Without it, everything stays in this process.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Prefix of this deployment's Redis keys and channels.
    #[arg(long, env = "REDIS_PREFIX", default_value = "duet:")]
    pub redis_prefix: String,

    /// Where to serve Prometheus metrics at `/metrics` (e.g. `127.0.0.1:9464`); off when unset.
    /// Keep it off the public network.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<std::net::SocketAddr>,

    /// Log format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl Config {
    /// The database to use: `DATABASE_URL`, or a SQLite file in `DATA_DIR`.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("duet.db").display()
            ),
        }
    }

    /// STUN URLs with blanks removed (`STUN_URLS=""` means none).
    pub fn stun_urls(&self) -> Vec<String> {
        non_blank(&self.stun_urls)
    }

    /// TURN URLs with blanks removed.
    pub fn turn_urls(&self) -> Vec<String> {
        non_blank(&self.turn_urls)
    }
}

/// The non-blank value of the environment variable `name`, as a secret.
fn secret_from_env(name: &str) -> Option<SecretString> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(SecretString::from)
}

/// A duration: `30s`, `5m`, `1h 30m` (as `humantime` reads them), or a bare number of
/// seconds (`3600`), as operators write TTLs for other servers.
pub fn duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("{e}: write a duration like 30s, 5m or 1h, or a number of seconds"))
}

fn parse_port_range(text: &str) -> Result<std::ops::RangeInclusive<u16>, String> {
    let (low, high) = text
        .split_once('-')
        .ok_or_else(|| format!("\"{text}\" is not a range like 49152-65535"))?;
    let low: u16 = low
        .trim()
        .parse()
        .map_err(|_| format!("bad port \"{low}\""))?;
    let high: u16 = high
        .trim()
        .parse()
        .map_err(|_| format!("bad port \"{high}\""))?;
    if low == 0 || low > high {
        return Err(format!("\"{text}\" is not a range of ports"));
    }
    Ok(low..=high)
}

fn non_blank(values: &[String]) -> Vec<String> {
    values
        .iter()
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty())
        .collect()
}

#[cfg(test)]
mod tests;
