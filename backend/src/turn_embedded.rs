//! `--turn`: Duet's own TURN/STUN server (the `duet-turn` crate) in this process, with
//! `/api/webrtc/ice` pointing at it.

use crate::auth::turn::TurnRest;
use crate::settings::EmbeddedTurn;
use duet_turn::{TurnConfig, TurnServer};
use secrecy::SecretString;

/// The running server and what browsers should be told about it.
pub struct Embedded {
    /// The server (stopped on shutdown).
    pub server: TurnServer,
    /// TURN URLs and credentials for `/api/webrtc/ice`.
    pub rest: TurnRest,
    /// Its STUN URL.
    pub stun: String,
}

/// Why the embedded server could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// The server failed to start.
    #[error("the embedded TURN server: {0}")]
    Start(#[from] duet_turn::TurnError),
}

/// Starts the server. The shared secret is `TURN_SECRET`, or a random one: issuer and
/// server live in the same process, so nobody else needs to know it.
pub async fn start(config: &EmbeddedTurn) -> Result<Embedded, EmbeddedError> {
    let relay_ip = config.relay_ip;
    let secret = match &config.secret {
        Some(secret) => secret.clone(),
        None => {
            let mut bytes = [0u8; 32];
            // Without the OS random source nothing else would work either.
            getrandom::fill(&mut bytes).map_err(|e| {
                duet_turn::TurnError::Config(format!("no random source for a secret: {e}"))
            })?;
            SecretString::from(hex::encode(bytes))
        }
    };
    let mut turn = TurnConfig::new(relay_ip, secret.clone());
    turn.listen = config.listen;
    turn.public_ip = config.public_ip;
    turn.relay_ports = config.relay_ports.clone();
    turn.allow_private_peers = config.allow_private_peers;
    let server = TurnServer::start(turn).await?;

    let host = config
        .public_ip
        .map(|ip| ip.to_string())
        .or_else(|| config.public_host.clone())
        .unwrap_or_else(|| relay_ip.to_string());
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host
    };
    let port = server.local_addr().port();
    let urls = if config.urls.is_empty() {
        vec![
            format!("turn:{host}:{port}?transport=udp"),
            format!("turn:{host}:{port}?transport=tcp"),
        ]
    } else {
        config.urls.clone()
    };
    // `listen`, not `port`: tools read the first `port` field as the HTTP listener's.
    tracing::info!(listen = %server.local_addr(), %host, "embedded TURN server running");
    Ok(Embedded {
        server,
        rest: TurnRest::new(urls, secret, config.ttl),
        stun: format!("stun:{host}:{port}"),
    })
}
