//! The client's address, as used for rate limits and connection caps. Forwarded headers
//! count only when the request comes from a trusted proxy; anyone else's are ignored,
//! so a forged `X-Forwarded-For` cannot buy a fresh rate-limit bucket.

use actix_web::HttpRequest;
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Addresses and networks whose forwarded headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses addresses (`10.0.0.7`) and networks (`10.0.0.0/8`); blanks are skipped.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .map(|e| {
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("TRUSTED_PROXIES: \"{e}\" is not an address or network"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the peer, or, when the peer is a trusted proxy, the nearest
    /// address in the forwarding chain that is not itself a trusted proxy.
    pub fn client_ip(&self, req: &HttpRequest) -> IpAddr {
        let peer = req
            .peer_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarded_chain(req);
        chain
            .iter()
            .rev()
            .find(|ip| !self.trusts(**ip))
            .or(chain.first())
            .copied()
            .unwrap_or(peer)
    }
}

/// The addresses in `Forwarded: for=…` (preferred, RFC 7239) or `X-Forwarded-For`,
/// client first; entries that are not addresses (`unknown`, obfuscated ids) are skipped.
fn forwarded_chain(req: &HttpRequest) -> Vec<IpAddr> {
    let headers = req.headers();
    let joined = |name: &str| {
        headers
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",")
    };
    let forwarded = joined("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .split(',')
            .flat_map(|element| element.split(';'))
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("for")
                    .then(|| parse_node(value.trim().trim_matches('"')))?
            })
            .collect();
    }
    joined("x-forwarded-for")
        .split(',')
        .filter_map(|node| parse_node(node.trim()))
        .collect()
}

/// `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1` or `[2001:db8::1]:80`.
fn parse_node(node: &str) -> Option<IpAddr> {
    node.parse::<IpAddr>()
        .ok()
        .or_else(|| node.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            node.trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .ok()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn req(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let mut r = TestRequest::default().peer_addr(peer.parse().unwrap());
        for (k, v) in headers {
            r = r.insert_header((*k, *v));
        }
        r.to_http_request()
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn untrusted_peers_cannot_choose_their_address() {
        let p = proxies(&["10.0.0.0/8"]);
        let r = req(
            "203.0.113.9:5000",
            &[("x-forwarded-for", "1.1.1.1"), ("forwarded", "for=2.2.2.2")],
        );
        assert_eq!(p.client_ip(&r), "203.0.113.9".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn trusted_proxies_are_skipped_from_the_right() {
        let p = proxies(&["10.0.0.0/8", "192.168.1.1"]);
        // A client-supplied (forged) first entry is not believed: the nearest untrusted hop is.
        let r = req(
            "10.0.0.2:80",
            &[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 192.168.1.1")],
        );
        assert_eq!(p.client_ip(&r), "198.51.100.7".parse::<IpAddr>().unwrap());
        let r = req(
            "10.0.0.2:80",
            &[(
                "forwarded",
                "for=\"[2001:db8::17]:4711\";proto=https, for=10.0.0.9",
            )],
        );
        assert_eq!(p.client_ip(&r), "2001:db8::17".parse::<IpAddr>().unwrap());
        let r = req("10.0.0.2:80", &[]);
        assert_eq!(p.client_ip(&r), "10.0.0.2".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn bad_entries_are_refused() {
        assert!(TrustedProxies::parse(&["not-an-ip".into()]).is_err());
        assert!(TrustedProxies::parse(&["".into(), "::1".into(), "127.0.0.0/8".into()]).is_ok());
    }
}
