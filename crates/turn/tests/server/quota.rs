//! Exact answers, checked with the webrtc-rs client: 401 for bad credentials, 486 over the
//! per-user quota, 508 over the total one, and freed slots after a release.

use crate::helpers::{REALM, bad_credentials, credentials, now, start, wait_for_stats};
use std::net::SocketAddr;
use std::sync::Arc;
use turn::client::{Client, ClientConfig};
use webrtc_util::Conn;

/// A client holding one allocation (dropping it leaves the allocation to expire).
struct Allocation {
    client: Client,
    relay: Box<dyn Conn + Send + Sync>,
}

impl Allocation {
    /// Releases the allocation (Refresh with lifetime 0) and stops the client.
    async fn release(self) {
        self.relay.close().await.unwrap();
        self.client.close().await.unwrap();
    }
}

/// Allocates with `username`/`password` from a fresh client socket; the error text on refusal.
async fn allocate(
    server: SocketAddr,
    username: &str,
    password: &str,
) -> Result<Allocation, String> {
    let conn = Arc::new(tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let client = Client::new(ClientConfig {
        stun_serv_addr: String::new(),
        turn_serv_addr: server.to_string(),
        username: username.to_owned(),
        password: password.to_owned(),
        realm: REALM.to_owned(),
        software: String::new(),
        rto_in_ms: 0,
        conn,
        vnet: None,
    })
    .await
    .unwrap();
    client.listen().await.unwrap();
    match client.allocate().await {
        Ok(relay) => Ok(Allocation {
            client,
            relay: Box::new(relay),
        }),
        Err(e) => {
            client.close().await.unwrap();
            Err(e.to_string())
        }
    }
}

async fn allocate_as(server: SocketAddr, user: &str) -> Result<Allocation, String> {
    let (username, password) = credentials(user);
    allocate(server, &username, &password).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_get_401() {
    let server = start(|_| {}).await;
    let addr = server.local_addr();
    for (case, username, password) in bad_credentials(now()) {
        let refused = allocate(addr, &username, &password).await.err();
        let refused = refused.unwrap_or_else(|| panic!("{case} credentials allocated"));
        assert!(refused.contains("401"), "{case}: {refused}");
    }
    assert_eq!(server.stats().refused_auth, 3);
    allocate_as(addr, "ada").await.unwrap().release().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_user_quota_refuses_the_excess_with_486() {
    let server = start(|c| c.max_allocations_per_user = 2).await;
    let addr = server.local_addr();
    let first = allocate_as(addr, "ada").await.unwrap();
    let second = allocate_as(addr, "ada").await.unwrap();
    let refused = allocate_as(addr, "ada")
        .await
        .err()
        .expect("a third allocation is refused");
    assert!(refused.contains("486"), "{refused}");
    // Other users are not affected.
    let bob = allocate_as(addr, "bob").await.unwrap();
    assert_eq!(server.stats().allocations_active, 3);
    assert_eq!(server.stats().refused_quota, 1);

    // A released allocation frees its slot.
    first.release().await;
    wait_for_stats(&server, "the release", |s| s.allocations_active == 2).await;
    let third = allocate_as(addr, "ada").await.unwrap();
    for a in [second, third, bob] {
        a.release().await;
    }
    wait_for_stats(&server, "all releases", |s| s.allocations_active == 0).await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_total_quota_refuses_the_excess_with_508() {
    let server = start(|c| c.max_allocations = 2).await;
    let addr = server.local_addr();
    let ada = allocate_as(addr, "ada").await.unwrap();
    let bob = allocate_as(addr, "bob").await.unwrap();
    let refused = allocate_as(addr, "cy")
        .await
        .err()
        .expect("a third allocation is refused");
    assert!(refused.contains("508"), "{refused}");
    assert_eq!(server.stats().refused_quota, 1);

    ada.release().await;
    wait_for_stats(&server, "the release", |s| s.allocations_active == 1).await;
    let cy = allocate_as(addr, "cy").await.unwrap();
    assert_eq!(server.stats().allocations_total, 3);
    bob.release().await;
    cy.release().await;
    server.stop().await;
}
