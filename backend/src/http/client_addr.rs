//! The client's address, as used for rate limiting.

use actix_web::HttpRequest;
use std::net::{IpAddr, Ipv4Addr};

/// The peer address of the connection. Forwarded headers are not trusted here.
pub fn client_ip(req: &HttpRequest) -> IpAddr {
    req.peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip())
}
