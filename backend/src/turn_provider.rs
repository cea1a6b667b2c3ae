//! `TURN_PROVIDER_URL`: TURN servers from a hosted service's credentials API (Metered and
//! alike), fetched at most once per TTL and shared by every request.
//!
//! Past the TTL the answer is fetched again, one fetch at a time. When that fails the previous
//! answer is still handed out, until the expiry the provider gave with it (if any): old
//! credentials may still work, while no answer means no call can use TURN at all.

use crate::error::{AppError, UNAVAILABLE_RETRY};
use duet_shared::api::IceServer;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};
use url::Url;

/// How long the provider may take to answer, body included.
const TIMEOUT: Duration = Duration::from_secs(5);
/// Larger answers are refused: a list of ICE servers is a few hundred bytes.
const MAX_BODY: usize = 64 * 1024;
/// The shortest time an answer is kept, so a provider saying "expires now" is not asked on
/// every request.
const MIN_REFRESH: Duration = Duration::from_secs(1);
/// The lifetime announced to browsers for an answer kept past its TTL, so they ask again soon.
const STALE_TTL: Duration = Duration::from_secs(60);

/// The provider's endpoint and the cached answer.
pub struct TurnProvider {
    client: reqwest::Client,
    url: Url,
    key: SecretString,
    ttl: Duration,
    cache: RwLock<Option<Answer>>,
    /// Held while fetching (one fetch at a time); the time of the last failed fetch.
    fetching: Mutex<Option<Instant>>,
}

/// Servers to hand out and how long they may be used.
#[derive(Debug, Clone)]
pub struct Servers {
    /// The provider's STUN/TURN servers.
    pub servers: Vec<IceServer>,
    /// How long browsers may use them before asking again.
    pub ttl: Duration,
}

/// Why the provider gave no usable answer (logged, never shown to clients).
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// Connecting, sending or reading failed, or timed out.
    #[error("request failed: {0}")]
    Request(reqwest::Error),
    /// The provider answered with an error status.
    #[error("answered HTTP {0}")]
    Status(reqwest::StatusCode),
    /// The body is larger than any list of servers.
    #[error("answer larger than {MAX_BODY} bytes")]
    TooLarge,
    /// The body is not a list of ICE servers.
    #[error("unreadable answer: {0}")]
    Body(#[from] serde_json::Error),
    /// The list holds no server a browser could use.
    #[error("the answer lists no usable server")]
    Empty,
}

impl ProviderError {
    /// Drops the URL from client errors: its query holds the API key.
    fn request(e: reqwest::Error) -> Self {
        ProviderError::Request(e.without_url())
    }
}

#[derive(Debug, Clone)]
struct Answer {
    servers: Vec<IceServer>,
    /// When to fetch again.
    refresh_at: Instant,
    /// When the credentials stop working, if the provider said.
    expires_at: Option<Instant>,
}

impl Answer {
    fn fresh(&self, now: Instant) -> Servers {
        Servers {
            servers: self.servers.clone(),
            ttl: self
                .refresh_at
                .saturating_duration_since(now)
                .max(MIN_REFRESH),
        }
    }

    /// The answer past its TTL, if its credentials have not expired.
    fn stale(&self, now: Instant) -> Option<Servers> {
        let left = match self.expires_at {
            Some(at) if at <= now => return None,
            Some(at) => at - now,
            None => STALE_TTL,
        };
        Some(Servers {
            servers: self.servers.clone(),
            ttl: left.min(STALE_TTL),
        })
    }
}

impl TurnProvider {
    /// A provider at `url` (without the key), whose answers are kept for `ttl`.
    pub fn new(url: Url, key: SecretString, ttl: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            // An API endpoint has no reason to redirect, and the key is in the URL.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(TurnProvider {
            client,
            url,
            key,
            ttl,
            cache: RwLock::new(None),
            fetching: Mutex::new(None),
        })
    }

    /// The provider's servers: cached, fetched again past the TTL, or the stale answer when
    /// the provider fails. `Unavailable` when there is nothing usable to hand out.
    pub async fn servers(&self) -> Result<Servers, AppError> {
        if let Some(servers) = self.cached_fresh().await {
            return Ok(servers);
        }
        let mut last_failure = self.fetching.lock().await;
        // Another request may have fetched while this one waited for the lock.
        if let Some(servers) = self.cached_fresh().await {
            return Ok(servers);
        }
        let now = Instant::now();
        let recently_failed = last_failure.is_some_and(|at| now - at < UNAVAILABLE_RETRY);
        let error = if recently_failed {
            None
        } else {
            match self.fetch().await {
                Ok(answer) => {
                    *last_failure = None;
                    let servers = answer.fresh(Instant::now());
                    *self.cache.write().await = Some(answer);
                    return Ok(servers);
                }
                Err(e) => {
                    *last_failure = Some(Instant::now());
                    Some(e)
                }
            }
        };
        let stale = self
            .cache
            .read()
            .await
            .as_ref()
            .and_then(|a| a.stale(Instant::now()));
        if let Some(e) = error {
            tracing::warn!(error = %e, serving_previous_answer = stale.is_some(), "the TURN provider failed");
        }
        stale.ok_or(AppError::Unavailable(
            "the TURN provider is not answering; try again shortly",
        ))
    }

    async fn cached_fresh(&self) -> Option<Servers> {
        let now = Instant::now();
        self.cache
            .read()
            .await
            .as_ref()
            .filter(|a| now < a.refresh_at)
            .map(|a| a.fresh(now))
    }

    async fn fetch(&self) -> Result<Answer, ProviderError> {
        let mut url = self.url.clone();
        url.query_pairs_mut()
            .append_pair("apiKey", self.key.expose_secret());
        let mut response = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(ProviderError::request)?;
        let fetched = Instant::now();
        if !response.status().is_success() {
            return Err(ProviderError::Status(response.status()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(ProviderError::request)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(ProviderError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let (servers, expires_in) = parse(&body)?;
        let lifetime = expires_in.map_or(self.ttl, |e| e.min(self.ttl));
        Ok(Answer {
            servers,
            refresh_at: fetched + lifetime.max(MIN_REFRESH),
            expires_at: expires_in.map(|e| fetched + e),
        })
    }
}

/// One entry's `urls`: a string or a list, as in `RTCIceServer`.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

/// An `RTCIceServer` as providers write it.
#[derive(Deserialize)]
struct ProviderServer {
    urls: OneOrMany<String>,
    username: Option<String>,
    credential: Option<String>,
}

/// What providers answer: a bare list (Metered), or `{"iceServers": …, "ttl": seconds}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum ProviderAnswer {
    List(Vec<ProviderServer>),
    Object {
        #[serde(rename = "iceServers")]
        ice_servers: OneOrMany<ProviderServer>,
        ttl: Option<u64>,
    },
}

/// The usable servers in a provider's answer, and when it says they expire.
fn parse(body: &[u8]) -> Result<(Vec<IceServer>, Option<Duration>), ProviderError> {
    let (list, ttl) = match serde_json::from_slice(body)? {
        ProviderAnswer::List(list) => (list, None),
        ProviderAnswer::Object { ice_servers, ttl } => (ice_servers.into_vec(), ttl),
    };
    let servers: Vec<IceServer> = list.into_iter().filter_map(usable).collect();
    if servers.is_empty() {
        return Err(ProviderError::Empty);
    }
    Ok((servers, ttl.map(Duration::from_secs)))
}

/// The entry with its STUN/TURN URLs only, or `None` if nothing is left; TURN URLs need
/// credentials (without them `RTCPeerConnection` refuses the whole configuration).
fn usable(server: ProviderServer) -> Option<IceServer> {
    let has_credentials = server.username.is_some() && server.credential.is_some();
    let urls: Vec<String> = server
        .urls
        .into_vec()
        .into_iter()
        .map(|u| u.trim().to_owned())
        .filter(|u| match u.split_once(':').map(|(scheme, _)| scheme) {
            Some("stun" | "stuns") => true,
            Some("turn" | "turns") => has_credentials,
            _ => false,
        })
        .collect();
    let is_turn = urls.iter().any(|u| u.starts_with("turn"));
    (!urls.is_empty()).then(|| IceServer {
        urls,
        username: server.username.filter(|_| is_turn),
        credential: server.credential.filter(|_| is_turn),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_metered_list_is_read_with_string_or_list_urls() {
        let body = br#"[
            {"urls": "stun:stun.relay.metered.ca:80"},
            {"urls": ["turn:global.relay.metered.ca:80", "turns:global.relay.metered.ca:443?transport=tcp"],
             "username": "u", "credential": "c"}
        ]"#;
        let (servers, ttl) = parse(body).expect("valid answer");
        assert_eq!(ttl, None);
        assert_eq!(servers[0].urls, vec!["stun:stun.relay.metered.ca:80"]);
        assert_eq!(servers[0].username, None);
        assert_eq!(servers[1].urls.len(), 2);
        assert_eq!(servers[1].credential.as_deref(), Some("c"));
    }

    #[test]
    fn an_object_answer_carries_its_expiry() {
        let body = br#"{"iceServers": {"urls": ["turn:t.example:3478"], "username": "u", "credential": "c"}, "ttl": 600}"#;
        let (servers, ttl) = parse(body).expect("valid answer");
        assert_eq!(servers.len(), 1);
        assert_eq!(ttl, Some(Duration::from_secs(600)));
    }

    #[test]
    fn unusable_entries_are_dropped_and_an_empty_answer_is_an_error() {
        // Each entry is unusable for the reason beside it.
        let cases: &[&[u8]] = &[
            br#"[]"#,                                // nothing at all
            br#"[{"urls": "turn:t.example:3478"}]"#, // TURN without credentials
            br#"[{"urls": "https://t.example"}]"#,   // not an ICE URL
            br#"[{"urls": []}]"#,                    // no URL
            br#"{"error": "invalid api key"}"#,      // not a list of servers
        ];
        for body in cases {
            assert!(parse(body).is_err(), "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn a_stale_answer_is_usable_until_the_provider_expiry_only() {
        let now = Instant::now();
        let answer = |expires_at| Answer {
            servers: Vec::new(),
            refresh_at: now,
            expires_at,
        };
        assert_eq!(answer(None).stale(now).map(|s| s.ttl), Some(STALE_TTL));
        let soon = now + Duration::from_secs(10);
        assert_eq!(
            answer(Some(soon)).stale(now).map(|s| s.ttl),
            Some(Duration::from_secs(10))
        );
        assert!(answer(Some(now)).stale(now).is_none());
    }
}
