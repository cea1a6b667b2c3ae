//! The "TURN REST API" credentials the backend issues (coturn's `use-auth-secret`):
//! `username = "<unix expiry>:<user id>"`, `password = base64(HMAC-SHA1(secret, username))`,
//! and the long-term credential key `MD5(username ":" realm ":" password)`.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

/// Why a username cannot be given a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not `<expiry>:<user id>`.
    Malformed,
    /// Its expiry is not in the future.
    Expired,
}

impl Refusal {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed username",
            Refusal::Expired => "expired credentials",
        }
    }
}

/// Derives long-term credential keys from the shared secret.
pub(crate) struct RestAuth {
    secret: SecretString,
    realm: String,
}

impl RestAuth {
    pub(crate) fn new(secret: SecretString, realm: String) -> Self {
        RestAuth { secret, realm }
    }

    /// The user id part of a well-formed username, with its expiry.
    pub(crate) fn parse(username: &str) -> Result<(u64, &str), Refusal> {
        let (expiry, user) = username.split_once(':').ok_or(Refusal::Malformed)?;
        let expiry = expiry.parse::<u64>().map_err(|_| Refusal::Malformed)?;
        if user.is_empty() {
            return Err(Refusal::Malformed);
        }
        Ok((expiry, user))
    }

    /// The key a client holding valid credentials for `username` signs with. A forged password
    /// is not detected here but by the message integrity check that uses this key.
    pub(crate) fn key(&self, username: &str) -> Result<Vec<u8>, Refusal> {
        Self::parse(username)?;
        let password = password(self.secret.expose_secret().as_bytes(), username);
        Ok(turn::auth::generate_auth_key(
            username,
            &self.realm,
            &password,
        ))
    }

    /// Whether `username` may no longer create allocations at `now` (Unix seconds).
    /// Like coturn, expiry only stops new allocations: an allocation made in time may be
    /// refreshed with the same credentials for as long as the call lasts.
    pub(crate) fn expired_at(username: &str, now: u64) -> bool {
        Self::parse(username).is_ok_and(|(expiry, _)| expiry <= now)
    }

    pub(crate) fn expired(username: &str) -> bool {
        Self::expired_at(username, unix_now())
    }
}

impl turn::auth::AuthHandler for RestAuth {
    // The library asks for every authenticated request. Expiry is not checked here: the gate
    // refuses expired credentials at allocation, and only there (see `expired_at`).
    // The library passes the client's REALM; keys always use ours, so a wrong realm fails integrity.
    fn auth_handle(
        &self,
        username: &str,
        _realm: &str,
        _src_addr: SocketAddr,
    ) -> Result<Vec<u8>, turn::Error> {
        self.key(username)
            .map_err(|refusal| turn::Error::Other(refusal.as_str().to_owned()))
    }
}

/// `base64(HMAC-SHA1(secret, username))`, as `backend/src/auth/turn.rs` issues it.
pub(crate) fn password(secret: &[u8], username: &str) -> String {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_matches_the_backends_vector() {
        // The same vector as backend/src/auth/turn.rs (checked there against openssl).
        assert_eq!(
            password(
                b"duet-turn-shared-secret",
                "1700003600:00000000-0000-0000-0000-000000000001"
            ),
            "5AgeIoULocp/DjaCuDxxMHB35/s="
        );
    }

    #[test]
    fn keys_are_md5_of_username_realm_password() {
        let auth = RestAuth::new("secret".to_owned().into(), "duet.test".into());
        let username = "1700003600:ada";
        let expected =
            turn::auth::generate_auth_key(username, "duet.test", &password(b"secret", username));
        assert_eq!(auth.key(username), Ok(expected));
    }

    #[test]
    fn expiry_is_read_from_the_username() {
        assert!(!RestAuth::expired_at("1700003600:ada", 1_700_003_599));
        assert!(RestAuth::expired_at("1700003600:ada", 1_700_003_600));
    }

    #[test]
    fn malformed_usernames_get_no_key() {
        let auth = RestAuth::new("secret".to_owned().into(), "duet.test".into());
        for bad in ["ada", "soon:ada", "1700003600:", "", ":ada", "-1:ada"] {
            assert_eq!(auth.key(bad), Err(Refusal::Malformed), "{bad:?}");
        }
        assert_eq!(
            RestAuth::parse("1700003600:a:b"),
            Ok((1_700_003_600, "a:b"))
        );
    }
}
