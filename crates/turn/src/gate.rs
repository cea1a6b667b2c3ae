//! The gate in front of each listening socket: the library reads client datagrams through it.
//!
//! webrtc-rs `turn` has no hooks for what Duet needs at request time, so the gate inspects each
//! authenticated request before the library sees it and answers the refusals itself:
//! - 401 for expired, forged or malformed credentials (the library would answer 400);
//! - 486/508 for an Allocate over the per-user or total quota;
//! - 403 for a CreatePermission or ChannelBind to a peer the policy refuses.
//!
//! Unsigned requests are rationed (see `inspect`). Everything else, ChannelData above all,
//! passes straight through. Outgoing Allocate answers settle the quota reservations.

use crate::auth::{Refusal, RestAuth};
use crate::policy::Denied;
use crate::quota::{AllocKey, Exceeded, Transport};
use crate::shared::Shared;
use crate::stats::Stats;
use async_trait::async_trait;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use stun::attributes::{ATTR_MESSAGE_INTEGRITY, ATTR_NONCE, ATTR_REALM, ATTR_XOR_PEER_ADDRESS};
use stun::error_code::{
    CODE_ALLOC_QUOTA_REACHED, CODE_FORBIDDEN, CODE_INSUFFICIENT_CAPACITY, CODE_UNAUTHORIZED,
    ErrorCode, ErrorCodeAttribute,
};
use stun::integrity::MessageIntegrity;
use stun::message::{
    CLASS_ERROR_RESPONSE, CLASS_INDICATION, CLASS_REQUEST, CLASS_SUCCESS_RESPONSE, Getter,
    METHOD_ALLOCATE, METHOD_BINDING, METHOD_CHANNEL_BIND, METHOD_CREATE_PERMISSION, METHOD_REFRESH,
    METHOD_SEND, Message, MessageType, Setter,
};
use stun::textattrs::TextAttribute;
use tokio::net::UdpSocket;
use turn::proto::peeraddr::PeerAddress;
use turn::proto::relayaddr::RelayedAddress;
use webrtc_util::Conn;

/// What to do with a datagram from a client.
#[derive(Debug)]
enum Verdict {
    /// Hand it to the library.
    Pass,
    /// Discard it (an indication to a refused peer: indications get no answer).
    Drop,
    /// Answer it with this message instead.
    Reply(Vec<u8>),
}

/// What the gate reads client messages from: the UDP socket or one TCP connection.
/// (Not the library's `Conn`, whose boxed futures would cost an allocation per datagram.)
pub(crate) trait Wire: Send + Sync + 'static {
    fn recv_from(
        &self,
        buf: &mut [u8],
    ) -> impl Future<Output = io::Result<(usize, SocketAddr)>> + Send;
    fn send_to(
        &self,
        buf: &[u8],
        target: SocketAddr,
    ) -> impl Future<Output = io::Result<usize>> + Send;
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

impl Wire for UdpSocket {
    async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        UdpSocket::recv_from(self, buf).await
    }

    async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        UdpSocket::send_to(self, buf, target).await
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        UdpSocket::local_addr(self)
    }
}

/// A listening connection (UDP socket or one TCP connection) seen through the gate.
pub(crate) struct Gate<C> {
    inner: C,
    transport: Transport,
    local: SocketAddr,
    shared: Arc<Shared>,
    // Message types of the library's Allocate answers, watched for in `send_to`.
    allocate_ok: u16,
    allocate_err: u16,
}

impl<C: Wire> Gate<C> {
    pub(crate) fn new(inner: C, transport: Transport, shared: Arc<Shared>) -> io::Result<Self> {
        let local = inner.local_addr()?;
        Ok(Gate {
            inner,
            transport,
            local,
            shared,
            allocate_ok: MessageType::new(METHOD_ALLOCATE, CLASS_SUCCESS_RESPONSE).value(),
            allocate_err: MessageType::new(METHOD_ALLOCATE, CLASS_ERROR_RESPONSE).value(),
        })
    }

    pub(crate) fn inner(&self) -> &C {
        &self.inner
    }

    fn inspect(&self, buf: &[u8], from: SocketAddr) -> Verdict {
        match buf.first().map(|b| b >> 6) {
            // ChannelData (first bits 01) is the relayed media: never inspected.
            Some(1) => return Verdict::Pass,
            Some(0) => {}
            // Neither STUN nor ChannelData: the library would only log an error for it.
            _ => return Verdict::Drop,
        }
        let mut m = Message::new();
        m.raw = buf.to_vec();
        if m.decode().is_err() {
            return Verdict::Drop; // likewise
        }
        if !self.library_answers(&m) {
            return Verdict::Drop;
        }
        if m.typ.class == CLASS_INDICATION && m.typ.method == METHOD_SEND {
            let mut peer = PeerAddress::default();
            if peer.get_from(&m).is_ok()
                && let Err(denied) = self.shared.policy.permit((peer.ip, peer.port).into())
            {
                Stats::add(&self.shared.stats.refused_peer, 1);
                tracing::debug!(client = %from, peer = %peer, reason = denied.as_str(), "TURN send indication dropped");
                return Verdict::Drop;
            }
            return Verdict::Pass;
        }
        let gated = [
            METHOD_ALLOCATE,
            METHOD_REFRESH,
            METHOD_CREATE_PERMISSION,
            METHOD_CHANNEL_BIND,
        ];
        if m.typ.class != CLASS_REQUEST || !gated.contains(&m.typ.method) {
            return Verdict::Pass;
        }
        // A client's first request carries no credentials; the library answers 401 with a nonce
        // that it keeps until it is used after expiry, so never if unused. Browsers do not retry
        // an Allocate answered 438, so the challenge cannot be answered here with a nonce of our
        // own; instead such requests are rationed, bounding the memory a flood of them (with
        // spoofed sources) can make the library hold.
        if !m.contains(ATTR_MESSAGE_INTEGRITY) {
            if self.shared.challenges.allow(Instant::now()) {
                return Verdict::Pass;
            }
            tracing::debug!(client = %from, "TURN challenge dropped: too many unsigned requests");
            return Verdict::Drop;
        }
        let mut username = TextAttribute::new(stun::attributes::ATTR_USERNAME, String::new());
        if username.get_from(&m).is_err() {
            return Verdict::Pass; // the library answers 400
        }
        let username = username.text;
        let key = match self.shared.auth.key(&username) {
            Ok(key) => key,
            Err(refusal) => return self.unauthorized(&m, from, &username, refusal.as_str()),
        };
        let integrity = MessageIntegrity(key);
        if integrity.check(&mut m).is_err() {
            return self.unauthorized(&m, from, &username, "forged credentials");
        }
        if m.typ.method == METHOD_ALLOCATE {
            if RestAuth::expired(&username) {
                return self.unauthorized(&m, from, &username, Refusal::Expired.as_str());
            }
            self.allocate(&m, from, &username, &integrity)
        } else if m.typ.method == METHOD_CREATE_PERMISSION || m.typ.method == METHOD_CHANNEL_BIND {
            self.permission(&m, from, &username, &integrity)
        } else {
            Verdict::Pass
        }
    }

    /// Whether the library handles `m`. It ignores anything else, logging an error each time,
    /// so such messages (internet noise, keepalive indications) are dropped here quietly.
    fn library_answers(&self, m: &Message) -> bool {
        if m.typ.class == CLASS_INDICATION {
            return m.typ.method == METHOD_SEND;
        }
        m.typ.class == CLASS_REQUEST
            && [
                METHOD_ALLOCATE,
                METHOD_REFRESH,
                METHOD_CREATE_PERMISSION,
                METHOD_CHANNEL_BIND,
                METHOD_BINDING,
            ]
            .contains(&m.typ.method)
    }

    fn key(&self, client: SocketAddr) -> AllocKey {
        AllocKey {
            transport: self.transport,
            client,
            server: self.local,
        }
    }

    fn allocate(
        &self,
        m: &Message,
        from: SocketAddr,
        username: &str,
        integrity: &MessageIntegrity,
    ) -> Verdict {
        let user = RestAuth::parse(username).map_or(username, |(_, user)| user);
        let key = self.key(from);
        match self
            .shared
            .quotas
            .reserve(key, m.transaction_id.0, user, Instant::now())
        {
            Ok(()) => Verdict::Pass,
            Err(exceeded) => {
                Stats::add(&self.shared.stats.refused_quota, 1);
                let (code, quota) = match exceeded {
                    Exceeded::User => (CODE_ALLOC_QUOTA_REACHED, "per-user"),
                    Exceeded::Total => (CODE_INSUFFICIENT_CAPACITY, "total"),
                };
                tracing::info!(%user, client = %from, transport = self.transport.as_str(), quota, "TURN allocation refused: quota reached");
                self.error(m, code, Some(integrity))
            }
        }
    }

    fn permission(
        &self,
        m: &Message,
        from: SocketAddr,
        username: &str,
        integrity: &MessageIntegrity,
    ) -> Verdict {
        let is_channel = m.typ.method == METHOD_CHANNEL_BIND;
        // CreatePermission may carry several peers; each must pass.
        for attr in m
            .attributes
            .0
            .iter()
            .filter(|a| a.typ == ATTR_XOR_PEER_ADDRESS)
        {
            let mut one = Message::new();
            one.transaction_id = m.transaction_id;
            one.add(ATTR_XOR_PEER_ADDRESS, &attr.value);
            let mut peer = PeerAddress::default();
            if peer.get_from(&one).is_err() {
                return Verdict::Pass; // the library answers 400
            }
            let addr = SocketAddr::new(peer.ip, peer.port);
            let verdict: Result<(), Denied> = if is_channel {
                self.shared.policy.permit(addr)
            } else {
                self.shared.policy.permit_ip(peer.ip)
            };
            if let Err(denied) = verdict {
                Stats::add(&self.shared.stats.refused_peer, 1);
                let user = RestAuth::parse(username).map_or(username, |(_, user)| user);
                tracing::info!(%user, client = %from, peer = %addr, reason = denied.as_str(), "TURN peer refused");
                return self.error(m, CODE_FORBIDDEN, Some(integrity));
            }
        }
        Verdict::Pass
    }

    fn unauthorized(&self, m: &Message, from: SocketAddr, username: &str, why: &str) -> Verdict {
        Stats::add(&self.shared.stats.refused_auth, 1);
        // The user id of a refused username is only a claim, but worth seeing next to the reason.
        let user = RestAuth::parse(username).map_or("", |(_, user)| user);
        tracing::info!(%user, client = %from, transport = self.transport.as_str(), reason = why, "TURN credentials refused");
        self.error(m, CODE_UNAUTHORIZED, None)
    }

    /// An error response to `m`; signed when the request was (everything but 401).
    fn error(&self, m: &Message, code: ErrorCode, integrity: Option<&MessageIntegrity>) -> Verdict {
        let mut setters: Vec<Box<dyn Setter>> = vec![
            Box::new(Message {
                transaction_id: m.transaction_id,
                ..Default::default()
            }),
            Box::new(MessageType::new(m.typ.method, CLASS_ERROR_RESPONSE)),
            Box::new(ErrorCodeAttribute {
                code,
                reason: vec![],
            }),
        ];
        match integrity {
            Some(integrity) => setters.push(Box::new(integrity.clone())),
            None => {
                // A 401 names the realm and repeats the nonce, so the client knows the
                // credentials (not the nonce) were wrong.
                setters.push(Box::new(TextAttribute::new(
                    ATTR_REALM,
                    self.shared.realm.clone(),
                )));
                let mut nonce = TextAttribute::new(ATTR_NONCE, String::new());
                if nonce.get_from(m).is_ok() {
                    setters.push(Box::new(nonce));
                }
            }
        }
        let mut reply = Message::new();
        match reply.build(&setters) {
            Ok(()) => Verdict::Reply(reply.raw),
            Err(e) => {
                tracing::warn!(error = %e, "TURN error response could not be built");
                Verdict::Drop
            }
        }
    }

    /// Settles the quota reservation that an Allocate answer from the library concludes.
    fn settle(&self, buf: &[u8], client: SocketAddr) {
        let typ = u16::from_be_bytes([buf[0], buf[1]]);
        if typ != self.allocate_ok && typ != self.allocate_err {
            return;
        }
        let mut tx = [0u8; 12];
        tx.copy_from_slice(&buf[8..20]);
        let key = self.key(client);
        if typ == self.allocate_err {
            self.shared.quotas.cancel(key, tx);
            return;
        }
        let Some(user) = self.shared.quotas.confirm(key, tx, Instant::now()) else {
            return;
        };
        Stats::add(&self.shared.stats.allocations_total, 1);
        let mut m = Message::new();
        m.raw = buf.to_vec();
        let mut relay = RelayedAddress::default();
        let relay = (m.decode().is_ok() && relay.get_from(&m).is_ok()).then(|| relay.to_string());
        tracing::info!(
            %user,
            %client,
            transport = self.transport.as_str(),
            relay = relay.as_deref().unwrap_or("?"),
            active = self.shared.quotas.active(),
            "TURN allocation granted"
        );
    }
}

fn unsupported() -> webrtc_util::Error {
    webrtc_util::Error::Other("not used on a listening socket".into())
}

#[async_trait]
impl<C: Wire> Conn for Gate<C> {
    async fn connect(&self, _addr: SocketAddr) -> webrtc_util::Result<()> {
        Err(unsupported())
    }

    async fn recv(&self, buf: &mut [u8]) -> webrtc_util::Result<usize> {
        self.recv_from(buf).await.map(|(n, _)| n)
    }

    async fn recv_from(&self, buf: &mut [u8]) -> webrtc_util::Result<(usize, SocketAddr)> {
        loop {
            let (n, from) = self.inner.recv_from(buf).await?;
            match self.inspect(&buf[..n], from) {
                Verdict::Pass => return Ok((n, from)),
                Verdict::Drop => {}
                Verdict::Reply(reply) => {
                    if let Err(e) = self.inner.send_to(&reply, from).await {
                        tracing::debug!(client = %from, error = %e, "TURN refusal not delivered");
                    }
                }
            }
        }
    }

    async fn send(&self, _buf: &[u8]) -> webrtc_util::Result<usize> {
        Err(unsupported())
    }

    async fn send_to(&self, buf: &[u8], target: SocketAddr) -> webrtc_util::Result<usize> {
        if buf.len() >= 20 && buf[0] & 0xC0 == 0 {
            self.settle(buf, target);
        }
        Ok(self.inner.send_to(buf, target).await?)
    }

    fn local_addr(&self) -> webrtc_util::Result<SocketAddr> {
        Ok(self.local)
    }

    fn remote_addr(&self) -> Option<SocketAddr> {
        None
    }

    // The library closes this for every allocation it ends: the listener itself must stay open.
    async fn close(&self) -> webrtc_util::Result<()> {
        Ok(())
    }

    fn as_any(&self) -> &(dyn std::any::Any + Send + Sync) {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth;
    use crate::local::LocalRelays;
    use crate::policy::PeerPolicy;
    use crate::quota::Quotas;
    use crate::ration::Ration;
    use std::net::IpAddr;
    use stun::agent::TransactionId;
    use stun::attributes::ATTR_USERNAME;
    use stun::message::{MessageClass, Method};
    use turn::proto::channum::ChannelNumber;
    use turn::proto::data::Data;

    const SECRET: &str = "gate-secret";
    const REALM: &str = "duet.test";

    fn shared(per_user: usize) -> Arc<Shared> {
        Arc::new(Shared {
            auth: Arc::new(RestAuth::new(SECRET.to_owned().into(), REALM.into())),
            realm: REALM.into(),
            policy: PeerPolicy::new(
                false,
                "10.0.0.5".parse().unwrap(),
                "203.0.113.5".parse().unwrap(),
                49152..=65535,
            ),
            quotas: Quotas::new(per_user, 100),
            stats: Stats::default(),
            local_relays: LocalRelays::default(),
            challenges: Ration::new(CHALLENGE_BURST, 1),
        })
    }

    const CHALLENGE_BURST: u32 = 5;

    async fn gate(per_user: usize) -> Gate<UdpSocket> {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        Gate::new(socket, Transport::Udp, shared(per_user)).unwrap()
    }

    fn client(port: u16) -> SocketAddr {
        SocketAddr::from(([198, 51, 100, 1], port))
    }

    fn username(expiry_offset: i64) -> String {
        format!(
            "{}:ada",
            auth::unix_now().saturating_add_signed(expiry_offset)
        )
    }

    /// A request signed with `password` (the right one unless forging).
    fn request(
        method: Method,
        username: &str,
        password: &str,
        attrs: Vec<Box<dyn Setter>>,
    ) -> Vec<u8> {
        let mut setters: Vec<Box<dyn Setter>> = vec![
            Box::new(TransactionId::new()),
            Box::new(MessageType::new(method, CLASS_REQUEST)),
            Box::new(TextAttribute::new(ATTR_USERNAME, username.into())),
            Box::new(TextAttribute::new(ATTR_REALM, REALM.into())),
            Box::new(TextAttribute::new(ATTR_NONCE, "the-nonce".into())),
        ];
        setters.extend(attrs);
        setters.push(Box::new(MessageIntegrity::new_long_term_integrity(
            username.into(),
            REALM.into(),
            password.into(),
        )));
        let mut m = Message::new();
        m.build(&setters).unwrap();
        m.raw
    }

    fn signed(method: Method, username: &str, attrs: Vec<Box<dyn Setter>>) -> Vec<u8> {
        request(
            method,
            username,
            &auth::password(SECRET.as_bytes(), username),
            attrs,
        )
    }

    /// An unsigned message of `method` and `class` carrying `attrs`.
    fn unsigned(method: Method, class: MessageClass, attrs: Vec<Box<dyn Setter>>) -> Vec<u8> {
        let mut setters: Vec<Box<dyn Setter>> = vec![
            Box::new(TransactionId::new()),
            Box::new(MessageType::new(method, class)),
        ];
        setters.extend(attrs);
        let mut m = Message::new();
        m.build(&setters).unwrap();
        m.raw
    }

    /// A reply's raw bytes, decoded.
    fn decoded(raw: Vec<u8>) -> Message {
        let mut m = Message::new();
        m.raw = raw;
        m.decode().unwrap();
        m
    }

    fn peer(ip: &str, port: u16) -> Box<dyn Setter> {
        Box::new(PeerAddress {
            ip: ip.parse::<IpAddr>().unwrap(),
            port,
        })
    }

    /// The error code of a reply, and whether it is signed for `username`.
    fn refusal(verdict: Verdict, username: &str) -> (u16, bool) {
        let Verdict::Reply(raw) = verdict else {
            panic!("expected a reply, got {verdict:?}");
        };
        let mut m = decoded(raw);
        assert_eq!(m.typ.class, CLASS_ERROR_RESPONSE);
        let mut code = ErrorCodeAttribute::default();
        code.get_from(&m).unwrap();
        let integrity = MessageIntegrity::new_long_term_integrity(
            username.into(),
            REALM.into(),
            auth::password(SECRET.as_bytes(), username),
        );
        (code.code.0, integrity.check(&mut m).is_ok())
    }

    #[tokio::test]
    async fn bad_credentials_get_an_unsigned_401_with_realm_and_nonce() {
        let gate = gate(8).await;
        let valid = username(600);
        let forged = request(METHOD_ALLOCATE, &valid, "guess", vec![]);
        let Verdict::Reply(raw) = gate.inspect(&forged, client(1)) else {
            panic!("forged credentials passed");
        };
        let m = decoded(raw);
        let mut nonce = TextAttribute::new(ATTR_NONCE, String::new());
        nonce.get_from(&m).unwrap();
        assert_eq!(nonce.text, "the-nonce");
        let mut realm = TextAttribute::new(ATTR_REALM, String::new());
        realm.get_from(&m).unwrap();
        assert_eq!(realm.text, REALM);

        for (case, request) in [
            ("forged", forged),
            ("malformed", signed(METHOD_ALLOCATE, "ada", vec![])),
            ("expired", signed(METHOD_ALLOCATE, &username(-1), vec![])),
            (
                "forged refresh",
                request(METHOD_REFRESH, &valid, "guess", vec![]),
            ),
        ] {
            assert_eq!(
                refusal(gate.inspect(&request, client(1)), &valid),
                (401, false),
                "{case}"
            );
        }
        assert_eq!(gate.shared.stats.snapshot().refused_auth, 5);
        assert_eq!(gate.shared.quotas.active(), 0);
    }

    #[tokio::test]
    async fn expired_credentials_keep_an_allocation_but_cannot_make_one() {
        let gate = gate(8).await;
        let expired = username(-60);
        for method in [METHOD_REFRESH, METHOD_CREATE_PERMISSION] {
            let request = signed(method, &expired, vec![peer("8.8.8.8", 0)]);
            assert!(matches!(gate.inspect(&request, client(1)), Verdict::Pass));
        }
        let allocate = signed(METHOD_ALLOCATE, &expired, vec![]);
        assert_eq!(refusal(gate.inspect(&allocate, client(1)), &expired).0, 401);
    }

    #[tokio::test]
    async fn unsigned_requests_are_rationed_and_channel_data_passes() {
        let gate = gate(8).await;
        let unsigned_allocate = unsigned(METHOD_ALLOCATE, CLASS_REQUEST, vec![]);
        // The library challenges these (401 with a nonce), up to the ration.
        for _ in 0..CHALLENGE_BURST {
            assert!(matches!(
                gate.inspect(&unsigned_allocate, client(1)),
                Verdict::Pass
            ));
        }
        assert!(matches!(
            gate.inspect(&unsigned_allocate, client(1)),
            Verdict::Drop
        ));
        assert!(matches!(
            gate.inspect(&[0x40, 0, 0, 1, 9, 0, 0, 0], client(1)),
            Verdict::Pass
        ));
        // Noise the library would only log about is dropped.
        assert!(matches!(gate.inspect(&[], client(1)), Verdict::Drop));
        assert!(matches!(gate.inspect(&[0, 1, 0], client(1)), Verdict::Drop));
        // A TLS ClientHello (first bits 00 but not STUN), and a byte no protocol here starts with.
        let tls = [0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5];
        assert!(matches!(gate.inspect(&tls, client(1)), Verdict::Drop));
        assert!(matches!(
            gate.inspect(&[0x80; 24], client(1)),
            Verdict::Drop
        ));
        let keepalive = unsigned(METHOD_BINDING, CLASS_INDICATION, vec![]);
        assert!(matches!(gate.inspect(&keepalive, client(1)), Verdict::Drop));
        let binding = unsigned(METHOD_BINDING, CLASS_REQUEST, vec![]);
        assert!(matches!(gate.inspect(&binding, client(1)), Verdict::Pass));
    }

    #[tokio::test]
    async fn allocations_over_the_per_user_quota_get_a_signed_486() {
        let gate = gate(1).await;
        let name = username(600);
        let first = signed(METHOD_ALLOCATE, &name, vec![]);
        assert!(matches!(gate.inspect(&first, client(1)), Verdict::Pass));
        // The library's success answer turns the reservation into an allocation.
        let mut ok = Message::new();
        ok.build(&[
            Box::new(Message {
                transaction_id: stun::agent::TransactionId(first[8..20].try_into().unwrap()),
                ..Default::default()
            }) as Box<dyn Setter>,
            Box::new(MessageType::new(METHOD_ALLOCATE, CLASS_SUCCESS_RESPONSE)),
        ])
        .unwrap();
        gate.settle(&ok.raw, client(1));
        assert_eq!(gate.shared.quotas.active(), 1);
        assert_eq!(gate.shared.stats.snapshot().allocations_total, 1);

        let second = signed(METHOD_ALLOCATE, &name, vec![]);
        assert_eq!(
            refusal(gate.inspect(&second, client(2)), &name),
            (486, true)
        );
        // Another user id is not affected.
        let bob = format!("{}:bob", auth::unix_now() + 600);
        let third = signed(METHOD_ALLOCATE, &bob, vec![]);
        assert!(matches!(gate.inspect(&third, client(3)), Verdict::Pass));
        assert_eq!(gate.shared.stats.snapshot().refused_quota, 1);
    }

    #[tokio::test]
    async fn refused_peers_get_a_signed_403_or_are_dropped() {
        let gate = gate(8).await;
        let name = username(600);
        let check = |attrs: Vec<Box<dyn Setter>>, method| {
            let request = signed(method, &name, attrs);
            gate.inspect(&request, client(1))
        };
        // Every peer of a CreatePermission must pass, not only the first.
        let mixed = check(
            vec![peer("8.8.8.8", 0), peer("10.0.0.1", 0)],
            METHOD_CREATE_PERMISSION,
        );
        assert_eq!(refusal(mixed, &name), (403, true));
        let public = check(vec![peer("8.8.8.8", 0)], METHOD_CREATE_PERMISSION);
        assert!(matches!(public, Verdict::Pass));
        // This server's own relays are fine; its other ports are not.
        let relay = vec![
            Box::new(ChannelNumber(0x4000)) as Box<dyn Setter>,
            peer("203.0.113.5", 50000),
        ];
        assert!(matches!(check(relay, METHOD_CHANNEL_BIND), Verdict::Pass));
        let ssh = vec![
            Box::new(ChannelNumber(0x4001)) as Box<dyn Setter>,
            peer("203.0.113.5", 22),
        ];
        assert_eq!(refusal(check(ssh, METHOD_CHANNEL_BIND), &name), (403, true));

        let send = unsigned(
            METHOD_SEND,
            CLASS_INDICATION,
            vec![
                peer("169.254.169.254", 80),
                Box::new(Data(b"GET /".to_vec())),
            ],
        );
        assert!(matches!(gate.inspect(&send, client(1)), Verdict::Drop));
        assert_eq!(gate.shared.stats.snapshot().refused_peer, 3);
    }
}
