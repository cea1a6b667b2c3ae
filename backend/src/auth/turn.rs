//! Short-lived TURN credentials in the "TURN REST API" scheme that coturn
//! (`use-auth-secret`) and other TURN servers accept:
//! `username = "<unix expiry>:<user id>"`, `credential = base64(HMAC-SHA1(secret, username))`.
//! The shared secret never leaves the server; a credential stops working at its expiry.

use base64::Engine;
use duet_shared::UserId;
use duet_shared::api::IceServer;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use std::time::Duration;

/// TURN servers and the secret shared with them.
#[derive(Clone)]
pub struct TurnRest {
    urls: Vec<String>,
    secret: SecretString,
    ttl: Duration,
}

impl TurnRest {
    /// Credentials for `urls`, signed with `secret`, valid for `ttl`.
    pub fn new(urls: Vec<String>, secret: SecretString, ttl: Duration) -> Self {
        TurnRest { urls, secret, ttl }
    }

    /// Whether any TURN URL is configured.
    pub fn has_urls(&self) -> bool {
        !self.urls.is_empty()
    }

    /// The ICE server entry for `user`, valid from `now` (Unix seconds) for the TTL.
    pub fn ice_server(&self, user: UserId, now: u64) -> IceServer {
        let username = format!("{}:{user}", now + self.ttl.as_secs());
        let credential = credential(self.secret.expose_secret().as_bytes(), &username);
        IceServer {
            urls: self.urls.clone(),
            username: Some(username),
            credential: Some(credential),
        }
    }
}

/// `base64(HMAC-SHA1(secret, username))`.
pub fn credential(secret: &[u8], username: &str) -> String {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `username` (as issued above) has expired at `now` (Unix seconds).
pub fn expired(username: &str, now: u64) -> bool {
    username
        .split_once(':')
        .and_then(|(expiry, _)| expiry.parse::<u64>().ok())
        .is_none_or(|expiry| expiry <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn credentials_match_an_independent_hmac_sha1() {
        // echo -n "1700003600:00000000-0000-0000-0000-000000000001" \
        //   | openssl dgst -sha1 -hmac "duet-turn-shared-secret" -binary | base64
        let turn = TurnRest::new(
            vec!["turn:turn.example.com:3478?transport=udp".into()],
            "duet-turn-shared-secret".to_owned().into(),
            Duration::from_secs(3600),
        );
        let server = turn.ice_server(UserId(Uuid::from_u128(1)), 1_700_000_000);
        assert_eq!(
            server.username.as_deref(),
            Some("1700003600:00000000-0000-0000-0000-000000000001")
        );
        assert_eq!(
            server.credential.as_deref(),
            Some("5AgeIoULocp/DjaCuDxxMHB35/s=")
        );
        assert_eq!(
            server.urls,
            vec!["turn:turn.example.com:3478?transport=udp"]
        );
    }

    #[test]
    fn rfc_2202_hmac_sha1_vector() {
        // RFC 2202 test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            credential(b"Jefe", "what do ya want for nothing?"),
            base64::engine::general_purpose::STANDARD
                .encode(hex::decode("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79").unwrap())
        );
    }

    #[test]
    fn expiry_is_read_from_the_username() {
        assert!(!expired("1700003600:user", 1_700_003_599));
        assert!(expired("1700003600:user", 1_700_003_600));
        assert!(expired("garbage", 0));
    }
}
