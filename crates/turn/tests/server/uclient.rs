//! Interop with coturn's test client, `turnutils_uclient`.

use crate::helpers::{
    WAIT, bad_credentials, credentials, echo_peer, now, start, uclient, wait_for_stats,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_credentials_allocate_and_relay_over_udp() {
    // Private peers stay refused: client-to-client (-y) goes between the server's own relays.
    let server = start(|_| {}).await;
    let (username, password) = credentials("ada");
    let run = uclient(
        server.local_addr(),
        &username,
        &password,
        &["-m", "1", "-y"],
    )
    .await;
    assert!(run.success && run.received > 0, "{}", run.output);

    let stats = server.stats();
    assert!(stats.allocations_total >= 2, "{stats:?}");
    assert!(
        stats.bytes_to_peers > 0 && stats.bytes_from_peers > 0,
        "{stats:?}"
    );
    assert_eq!(
        (stats.refused_auth, stats.refused_peer),
        (0, 0),
        "{stats:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_clients_relay_and_their_allocations_end_with_the_connection() {
    let server = start(|_| {}).await;
    let (username, password) = credentials("ada");
    let run = uclient(
        server.local_addr(),
        &username,
        &password,
        &["-t", "-m", "1", "-y"],
    )
    .await;
    assert!(run.success && run.received > 0, "{}", run.output);
    assert!(
        server.stats().allocations_total >= 2,
        "{:?}",
        server.stats()
    );
    // uclient leaves one allocation per run to expire; over TCP, closing ends it.
    wait_for_stats(&server, "allocations to end with their connections", |s| {
        s.allocations_active == 0
    })
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_tcp_connections_are_closed() {
    use tokio::io::AsyncReadExt;
    let server = start(|_| {}).await;
    let mut silent = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let mut buf = [0u8; 1];
    // The server gives up on a connection that says nothing within 10 seconds.
    let read = tokio::time::timeout(WAIT, silent.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_forged_and_malformed_credentials_are_refused() {
    let server = start(|_| {}).await;
    for (case, username, password) in bad_credentials(now() - 1) {
        let run = uclient(
            server.local_addr(),
            &username,
            &password,
            &["-m", "1", "-y"],
        )
        .await;
        assert!(!run.success && run.received == 0, "{case}: {}", run.output);
        assert!(
            run.output.contains("Cannot complete Allocation"),
            "{case}: {}",
            run.output
        );
    }
    let stats = server.stats();
    assert_eq!(stats.allocations_total, 0, "{stats:?}");
    assert!(stats.refused_auth >= 3, "{stats:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_peer_is_refused_unless_allowed() {
    let peer = echo_peer().await;
    let (ip, port) = (peer.addr.ip().to_string(), peer.addr.port().to_string());
    let (username, password) = credentials("ada");
    // -c: no RTCP allocation; -s: Send indications after CreatePermission (else ChannelBind).
    let channel: &[&str] = &["-c", "-m", "1", "-e", &ip, "-r", &port];
    let send: &[&str] = &["-c", "-s", "-m", "1", "-e", &ip, "-r", &port];

    let strict = start(|_| {}).await;
    for (how, args) in [("ChannelBind", channel), ("CreatePermission", send)] {
        let run = uclient(strict.local_addr(), &username, &password, args).await;
        assert!(!run.success && run.received == 0, "{how}: {}", run.output);
        assert!(run.output.contains("error 403"), "{how}: {}", run.output);
    }
    let stats = strict.stats();
    assert!(stats.refused_peer >= 2, "{stats:?}");
    assert_eq!(stats.bytes_to_peers, 0, "{stats:?}");
    strict.stop().await;

    let open = start(|c| c.allow_private_peers = true).await;
    for (how, args) in [("ChannelBind", channel), ("CreatePermission", send)] {
        let run = uclient(open.local_addr(), &username, &password, args).await;
        assert!(run.success && run.received > 0, "{how}: {}", run.output);
    }
    assert_eq!(open.stats().refused_peer, 0);
    open.stop().await;
}
