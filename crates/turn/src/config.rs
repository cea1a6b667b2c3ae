//! What the embedded TURN server needs to know to start.

use crate::TurnError;
use secrecy::{ExposeSecret, SecretString};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;

/// Configuration of [`TurnServer`](crate::TurnServer).
#[derive(Clone, Debug)]
pub struct TurnConfig {
    /// Where clients reach the server, on UDP and TCP alike (port 0: any free port, the same for both).
    pub listen: SocketAddr,
    /// Local address the relay sockets bind to (a concrete address, not `0.0.0.0`).
    pub relay_ip: IpAddr,
    /// Address clients are told to use for the relays when the server is behind a 1:1 NAT;
    /// `None` advertises `relay_ip` itself.
    pub public_ip: Option<IpAddr>,
    /// UDP ports for relays (the RFC asks for 49152–65535; never below 1024).
    pub relay_ports: RangeInclusive<u16>,
    /// The long-term credential realm (part of every client's key).
    pub realm: String,
    /// Secret shared with the credential issuer (`backend/src/auth/turn.rs`).
    pub secret: SecretString,
    /// Relay to loopback, private and link-local peers too (tests, LAN-only deployments).
    /// Cloud metadata, unspecified, multicast and broadcast addresses stay refused regardless.
    pub allow_private_peers: bool,
    /// Most allocations one user id may hold at once.
    pub max_allocations_per_user: usize,
    /// Most allocations the server holds at once.
    pub max_allocations: usize,
}

impl TurnConfig {
    /// Defaults for a public server: UDP and TCP on 0.0.0.0:3478, relays on `relay_ip`
    /// in 49152–65535, realm "duet", private peers refused, 8 allocations a user, 512 in all.
    pub fn new(relay_ip: IpAddr, secret: SecretString) -> Self {
        TurnConfig {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 3478),
            relay_ip,
            public_ip: None,
            relay_ports: 49152..=65535,
            realm: "duet".to_owned(),
            secret,
            allow_private_peers: false,
            max_allocations_per_user: 8,
            max_allocations: 512,
        }
    }

    /// The address clients are given for relays.
    pub(crate) fn advertised_ip(&self) -> IpAddr {
        self.public_ip.unwrap_or(self.relay_ip)
    }

    /// Refuses settings that would start a server that cannot work or is unsafe.
    pub(crate) fn validate(&self) -> Result<(), TurnError> {
        let invalid = |why: &str| Err(TurnError::Config(why.to_owned()));
        if self.relay_ip.is_unspecified() {
            return invalid("relay_ip must be a concrete local address, not 0.0.0.0 or ::");
        }
        if self
            .public_ip
            .is_some_and(|ip| ip.is_ipv4() != self.relay_ip.is_ipv4())
        {
            return invalid("public_ip and relay_ip must be of the same address family");
        }
        if self.relay_ports.is_empty() || *self.relay_ports.start() < 1024 {
            return invalid("relay_ports must be a non-empty range above 1023");
        }
        if self.realm.is_empty() {
            return invalid("realm must not be empty");
        }
        if self.secret.expose_secret().is_empty() {
            return invalid("secret must not be empty");
        }
        if self.max_allocations == 0 || self.max_allocations_per_user == 0 {
            return invalid("allocation quotas must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> TurnConfig {
        TurnConfig::new("127.0.0.1".parse().unwrap(), "s".to_owned().into())
    }

    #[test]
    fn defaults_are_valid() {
        config().validate().unwrap();
        assert_eq!(
            config().advertised_ip(),
            "127.0.0.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn unusable_settings_are_refused() {
        let cases: [fn(&mut TurnConfig); 6] = [
            |c| c.relay_ip = "0.0.0.0".parse().unwrap(),
            |c| c.public_ip = Some("::1".parse().unwrap()),
            |c| c.relay_ports = 80..=90,
            |c| c.realm.clear(),
            |c| c.secret = String::new().into(),
            |c| c.max_allocations_per_user = 0,
        ];
        for change in cases {
            let mut c = config();
            change(&mut c);
            assert!(matches!(c.validate(), Err(TurnError::Config(_))), "{c:?}");
        }
    }
}
