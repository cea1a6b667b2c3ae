//! Which peers the relay may talk to. A TURN relay sends datagrams wherever a client asks, so
//! without this it is a way into the server's private network and the cloud metadata service.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::RangeInclusive;

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> IpNet {
    IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), prefix))
}

const fn v6(segments: [u16; 8], prefix: u8) -> IpNet {
    let [a, b, c, d, e, f, g, h] = segments;
    IpNet::V6(Ipv6Net::new_assert(
        Ipv6Addr::new(a, b, c, d, e, f, g, h),
        prefix,
    ))
}

/// Refused even with `allow_private_peers`: never a legitimate media peer.
const ALWAYS_DENIED: &[IpNet] = &[
    v4(0, 0, 0, 0, 8),   // "this network", unspecified
    v4(224, 0, 0, 0, 4), // multicast
    v4(240, 0, 0, 0, 4), // reserved, broadcast
    // Cloud metadata services (AWS/GCP/Azure/OpenStack, AWS ECS, Alibaba, AWS over IPv6).
    v4(169, 254, 169, 254, 32),
    v4(169, 254, 170, 2, 32),
    v4(100, 100, 100, 200, 32),
    v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], 128),
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128),    // unspecified
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), // multicast
];

/// Refused unless `allow_private_peers`: this host and the networks behind it.
const PRIVATE: &[IpNet] = &[
    v4(127, 0, 0, 0, 8),                   // loopback
    v4(10, 0, 0, 0, 8),                    // RFC 1918
    v4(172, 16, 0, 0, 12),                 // RFC 1918
    v4(192, 168, 0, 0, 16),                // RFC 1918
    v4(169, 254, 0, 0, 16),                // link-local
    v4(100, 64, 0, 0, 10),                 // carrier-grade NAT, often a provider's internal network
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128),     // loopback
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7),  // unique local
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), // link-local
    v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10), // site-local (deprecated, still routed by some)
];

/// IPv6 forms that carry an IPv4 address which a host or NAT64 gateway would reach.
const NAT64: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);

/// Why a peer is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denied {
    /// Loopback, private, link-local or unique-local, and private peers are not allowed.
    Private,
    /// Unspecified, multicast, broadcast or a cloud metadata address.
    Reserved,
    /// One of this server's own addresses, but not one of its relay ports.
    OwnAddress,
}

impl Denied {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Denied::Private => "private peer address",
            Denied::Reserved => "reserved or metadata peer address",
            Denied::OwnAddress => "server address outside the relay ports",
        }
    }
}

/// The peer address policy, shared by the request gate and every relay socket.
#[derive(Debug, Clone)]
pub(crate) struct PeerPolicy {
    allow_private: bool,
    relay_ip: IpAddr,
    advertised_ip: IpAddr,
    relay_ports: RangeInclusive<u16>,
}

impl PeerPolicy {
    pub(crate) fn new(
        allow_private: bool,
        relay_ip: IpAddr,
        advertised_ip: IpAddr,
        relay_ports: RangeInclusive<u16>,
    ) -> Self {
        PeerPolicy {
            allow_private,
            relay_ip,
            advertised_ip,
            relay_ports,
        }
    }

    fn is_own(&self, ip: IpAddr) -> bool {
        ip == self.relay_ip || ip == self.advertised_ip
    }

    /// May a client create a permission for `ip` (CreatePermission carries no port)?
    /// The server's own relay addresses are always allowed: two clients relaying to each
    /// other through this server is the usual case, not a way into the network.
    pub(crate) fn permit_ip(&self, ip: IpAddr) -> Result<(), Denied> {
        if self.is_own(ip) {
            return Ok(());
        }
        let ip = embedded_v4(ip).map_or(ip, IpAddr::V4);
        if ALWAYS_DENIED.iter().any(|net| net.contains(&ip)) {
            return Err(Denied::Reserved);
        }
        if let IpAddr::V6(v6) = ip
            && v6.segments()[..6] == [0; 6]
        {
            // IPv4-compatible addresses (deprecated) other than ::1 and ::.
            if v6 != Ipv6Addr::LOCALHOST {
                return Err(Denied::Reserved);
            }
        }
        if !self.allow_private && PRIVATE.iter().any(|net| net.contains(&ip)) {
            return Err(Denied::Private);
        }
        Ok(())
    }

    /// May the relay exchange datagrams with `peer` (ChannelBind, Send, every relayed datagram)?
    /// On the server's own addresses only the relay ports are reachable, never its other services.
    pub(crate) fn permit(&self, peer: SocketAddr) -> Result<(), Denied> {
        if self.is_own(peer.ip()) && !self.relay_ports.contains(&peer.port()) {
            return Err(Denied::OwnAddress);
        }
        self.permit_ip(peer.ip())
    }

    /// Where a datagram for `peer` is actually sent: the advertised (public) address of one of
    /// our own relays becomes its local address, so relaying between two allocations does not
    /// depend on the NAT looping traffic back.
    pub(crate) fn outbound(&self, peer: SocketAddr) -> Result<SocketAddr, Denied> {
        self.permit(peer)?;
        Ok(if peer.ip() == self.advertised_ip {
            SocketAddr::new(self.relay_ip, peer.port())
        } else {
            peer
        })
    }

    /// How the source of a datagram received on a relay is presented to the client: the
    /// reverse of [`outbound`](Self::outbound), so permissions made for the advertised address match.
    pub(crate) fn inbound(&self, source: SocketAddr) -> SocketAddr {
        if source.ip() == self.relay_ip && self.relay_ports.contains(&source.port()) {
            SocketAddr::new(self.advertised_ip, source.port())
        } else {
            source
        }
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`) address.
fn embedded_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(_) => None,
        IpAddr::V6(v6) => v6.to_ipv4_mapped().or_else(|| {
            NAT64.contains(&v6).then(|| {
                let [.., a, b, c, d] = v6.octets();
                Ipv4Addr::new(a, b, c, d)
            })
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow_private: bool) -> PeerPolicy {
        PeerPolicy::new(
            allow_private,
            "10.0.0.5".parse().unwrap(),
            "203.0.113.5".parse().unwrap(),
            49152..=65535,
        )
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn public_peers_are_allowed() {
        for peer in [
            "8.8.8.8",
            "1.1.1.1",
            "2001:4860:4860::8888",
            "172.32.0.1",
            "100.128.0.1",
        ] {
            assert_eq!(policy(false).permit_ip(ip(peer)), Ok(()), "{peer}");
        }
    }

    #[test]
    fn private_peers_are_refused_unless_allowed() {
        for peer in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fd12::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::c0a8:101",
        ] {
            assert_eq!(
                policy(false).permit_ip(ip(peer)),
                Err(Denied::Private),
                "{peer}"
            );
            assert_eq!(policy(true).permit_ip(ip(peer)), Ok(()), "{peer}");
        }
    }

    #[test]
    fn metadata_multicast_and_unspecified_are_always_refused() {
        for peer in [
            "169.254.169.254",
            "169.254.170.2",
            "100.100.100.200",
            "fd00:ec2::254",
            "::ffff:169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "::",
            "ff02::1",
            "::10.0.0.1",
        ] {
            assert_eq!(
                policy(true).permit_ip(ip(peer)),
                Err(Denied::Reserved),
                "{peer}"
            );
        }
    }

    #[test]
    fn own_relays_are_reachable_but_not_other_ports_of_this_host() {
        let p = policy(false);
        assert_eq!(p.permit_ip(ip("10.0.0.5")), Ok(()));
        assert_eq!(p.permit_ip(ip("203.0.113.5")), Ok(()));
        assert_eq!(p.permit("10.0.0.5:50000".parse().unwrap()), Ok(()));
        for service in ["10.0.0.5:5432", "203.0.113.5:22", "203.0.113.5:8080"] {
            assert_eq!(
                p.permit(service.parse().unwrap()),
                Err(Denied::OwnAddress),
                "{service}"
            );
        }
        // Other private hosts stay refused, whatever the port.
        assert_eq!(
            p.permit("10.0.0.6:50000".parse().unwrap()),
            Err(Denied::Private)
        );
    }

    #[test]
    fn own_public_relay_addresses_are_reached_locally_and_reported_publicly() {
        let p = policy(false);
        assert_eq!(
            p.outbound("203.0.113.5:50000".parse().unwrap()),
            Ok("10.0.0.5:50000".parse().unwrap())
        );
        assert_eq!(
            p.outbound("198.51.100.7:4000".parse().unwrap()),
            Ok("198.51.100.7:4000".parse().unwrap())
        );
        assert_eq!(
            p.inbound("10.0.0.5:50000".parse().unwrap()),
            "203.0.113.5:50000".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            p.inbound("198.51.100.7:4000".parse().unwrap()),
            "198.51.100.7:4000".parse::<SocketAddr>().unwrap()
        );
        assert_eq!(
            p.outbound("10.9.9.9:50000".parse().unwrap()),
            Err(Denied::Private)
        );
    }
}
