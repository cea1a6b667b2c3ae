//! Short-lived TURN credentials in the "TURN REST API" scheme that coturn
//! (`use-auth-secret`) and other TURN servers accept:
//! `username = "<unix expiry>:<user id>"`, `credential = base64(HMAC-SHA1(secret, username))`.
//! The shared secret never leaves the server; a credential stops working at its expiry.
//! The scheme itself lives in `duet_turn::auth`, shared with the embedded server.

use duet_shared::UserId;
use duet_shared::api::IceServer;
use secrecy::{ExposeSecret, SecretString};
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
        let issued = duet_turn::auth::issue(
            self.secret.expose_secret().as_bytes(),
            &user.to_string(),
            self.ttl,
            now,
        );
        IceServer {
            urls: self.urls.clone(),
            username: Some(issued.username),
            credential: Some(issued.password),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn ice_servers_carry_credentials_from_the_shared_scheme() {
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
}
