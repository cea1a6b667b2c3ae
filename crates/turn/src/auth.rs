//! The "TURN REST API" credentials (coturn's `use-auth-secret`), the one home of the scheme:
//! `username = "<unix expiry>:<user id>"`, `password = base64(HMAC-SHA1(secret, username))`.
//! The backend [`issue`]s them for `/api/webrtc/ice`, this server (and coturn) [`verify`] them,
//! and the long-term credential key is `MD5(username ":" realm ":" password)`.
//!
//! ```
//! use duet_turn::auth::{issue, verify, Refusal};
//! use std::time::Duration;
//! let issued = issue(b"secret", "ada", Duration::from_secs(600), 1_700_000_000);
//! assert_eq!(issued.username, "1700000600:ada");
//! let ok = verify(b"secret", &issued.username, &issued.password, 1_700_000_001);
//! assert_eq!(ok.map(|c| c.user), Ok("ada"));
//! assert_eq!(verify(b"secret", &issued.username, &issued.password, 1_700_000_600), Err(Refusal::Expired));
//! ```

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A username and password for a TURN server that shares the secret they were signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `<unix expiry>:<user id>`.
    pub username: String,
    /// `base64(HMAC-SHA1(secret, username))`.
    pub password: String,
    /// When they stop opening allocations (Unix seconds).
    pub expires: u64,
}

/// What a well-formed username says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims<'a> {
    /// The user the credentials were issued to.
    pub user: &'a str,
    /// When they expire (Unix seconds); expired once `now >= expiry`.
    pub expiry: u64,
}

/// Why credentials are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The username is not `<expiry digits>:<non-empty user id>`.
    #[error("malformed username")]
    Malformed,
    /// The expiry is not in the future.
    #[error("expired credentials")]
    Expired,
    /// The password was not signed with our secret for this username.
    #[error("forged credentials")]
    Forged,
}

impl Refusal {
    /// The reason in words, for logs and STUN error texts.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Malformed => "malformed username",
            Refusal::Expired => "expired credentials",
            Refusal::Forged => "forged credentials",
        }
    }
}

/// Credentials for `user`, valid from `now` (Unix seconds) for `ttl`.
pub fn issue(secret: &[u8], user: &str, ttl: Duration, now: u64) -> Credentials {
    let expires = now.saturating_add(ttl.as_secs());
    let username = format!("{expires}:{user}");
    let password = password(secret, &username);
    Credentials {
        username,
        password,
        expires,
    }
}

/// Reads a username without checking its signature or expiry.
pub fn parse(username: &str) -> Result<Claims<'_>, Refusal> {
    let (expiry, user) = username.split_once(':').ok_or(Refusal::Malformed)?;
    // Digits only: `u64::from_str` would also take a leading `+`, which nobody issues.
    if expiry.is_empty() || !expiry.bytes().all(|b| b.is_ascii_digit()) || user.is_empty() {
        return Err(Refusal::Malformed);
    }
    let expiry = expiry.parse::<u64>().map_err(|_| Refusal::Malformed)?;
    Ok(Claims { user, expiry })
}

/// Checks that `password` was issued for `username` with `secret` and is unexpired at `now`.
/// The signature is compared in constant time.
pub fn verify<'a>(
    secret: &[u8],
    username: &'a str,
    password: &str,
    now: u64,
) -> Result<Claims<'a>, Refusal> {
    let claims = parse(username)?;
    let given = base64::engine::general_purpose::STANDARD
        .decode(password)
        .map_err(|_| Refusal::Forged)?;
    mac(secret, username)
        .verify_slice(&given)
        .map_err(|_| Refusal::Forged)?;
    if claims.expiry <= now {
        return Err(Refusal::Expired);
    }
    Ok(claims)
}

/// `base64(HMAC-SHA1(secret, username))`: the password for `username`, whatever its shape.
pub fn password(secret: &[u8], username: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(mac(secret, username).finalize().into_bytes())
}

fn mac(secret: &[u8], username: &str) -> Hmac<Sha1> {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(username.as_bytes());
    mac
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
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

    /// The expiry and user id of a well-formed username.
    pub(crate) fn parse(username: &str) -> Result<(u64, &str), Refusal> {
        parse(username).map(|c| (c.expiry, c.user))
    }

    /// The key a client holding valid credentials for `username` signs with. A forged password
    /// is not detected here but by the message integrity check that uses this key.
    pub(crate) fn key(&self, username: &str) -> Result<Vec<u8>, Refusal> {
        parse(username)?;
        let password = password(self.secret.expose_secret().as_bytes(), username);
        Ok(turn::auth::generate_auth_key(
            username,
            &self.realm,
            &password,
        ))
    }

    /// Whether `username` may no longer create allocations at `now` (Unix seconds).
    /// Like coturn, expiry only stops new allocations: an allocation made in time may be
    /// refreshed with the same credentials for as long as the call lasts. Malformed names
    /// never get this far: they have no key.
    pub(crate) fn expired_at(username: &str, now: u64) -> bool {
        parse(username).is_ok_and(|c| c.expiry <= now)
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

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"duet-turn-shared-secret";
    const ADA: &str = "00000000-0000-0000-0000-000000000001";

    #[test]
    fn issued_credentials_match_an_independent_hmac_sha1() {
        // echo -n "1700003600:00000000-0000-0000-0000-000000000001" \
        //   | openssl dgst -sha1 -hmac "duet-turn-shared-secret" -binary | base64
        let issued = issue(SECRET, ADA, Duration::from_secs(3600), 1_700_000_000);
        assert_eq!(
            issued,
            Credentials {
                username: format!("1700003600:{ADA}"),
                password: "5AgeIoULocp/DjaCuDxxMHB35/s=".into(),
                expires: 1_700_003_600,
            }
        );
    }

    #[test]
    fn rfc_2202_hmac_sha1_vector() {
        // RFC 2202 test case 2: key "Jefe", data "what do ya want for nothing?",
        // digest effcdf6ae5eb2fa2d27416d5f184df9c259a7c79 (base64 below).
        assert_eq!(
            password(b"Jefe", "what do ya want for nothing?"),
            "7/zfauXrL6LSdBbV8YTfnCWafHk="
        );
    }

    #[test]
    fn issued_credentials_verify_until_their_expiry() {
        let issued = issue(SECRET, ADA, Duration::from_secs(600), 1_000);
        let claims = Claims {
            user: ADA,
            expiry: 1_600,
        };
        for now in [0, 1_000, 1_599] {
            assert_eq!(
                verify(SECRET, &issued.username, &issued.password, now),
                Ok(claims),
                "at {now}"
            );
        }
        for now in [1_600, 1_601, u64::MAX] {
            assert_eq!(
                verify(SECRET, &issued.username, &issued.password, now),
                Err(Refusal::Expired),
                "at {now}"
            );
        }
    }

    #[test]
    fn a_password_from_another_secret_or_name_is_forged() {
        let issued = issue(SECRET, "ada", Duration::from_secs(600), 1_000);
        let other = issue(b"not-the-secret", "ada", Duration::from_secs(600), 1_000);
        let bob = issue(SECRET, "bob", Duration::from_secs(600), 1_000);
        for (case, password) in [
            ("another secret", other.password.as_str()),
            ("another user's", bob.password.as_str()),
            ("not base64", "not base64!"),
            ("empty", ""),
            ("truncated", &issued.password[..issued.password.len() - 4]),
        ] {
            assert_eq!(
                verify(SECRET, &issued.username, password, 1_001),
                Err(Refusal::Forged),
                "{case}"
            );
        }
    }

    #[test]
    fn malformed_usernames_are_refused_before_anything_else() {
        let auth = RestAuth::new("secret".to_owned().into(), "duet.test".into());
        for bad in [
            "ada",
            "soon:ada",
            "1700003600:",
            "",
            ":ada",
            "-1:ada",
            "+1700003600:ada",
            " 1700003600:ada",
            "99999999999999999999999:ada",
        ] {
            assert_eq!(parse(bad), Err(Refusal::Malformed), "{bad:?}");
            assert_eq!(auth.key(bad), Err(Refusal::Malformed), "{bad:?}");
            // Even signed with the right secret, and at the dawn of time.
            assert_eq!(
                verify(b"secret", bad, &password(b"secret", bad), 0),
                Err(Refusal::Malformed),
                "{bad:?}"
            );
            assert!(!RestAuth::expired_at(bad, 0), "{bad:?} has no expiry");
        }
        assert_eq!(
            parse("1700003600:a:b"),
            Ok(Claims {
                user: "a:b",
                expiry: 1_700_003_600
            })
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
    fn allocation_expiry_is_read_from_the_username() {
        assert!(!RestAuth::expired_at("1700003600:ada", 1_700_003_599));
        assert!(RestAuth::expired_at("1700003600:ada", 1_700_003_600));
    }

    #[test]
    fn a_huge_ttl_saturates_instead_of_wrapping() {
        let issued = issue(SECRET, "ada", Duration::MAX, 10);
        assert_eq!(issued.expires, u64::MAX);
        assert!(verify(SECRET, &issued.username, &issued.password, u64::MAX - 1).is_ok());
    }
}
