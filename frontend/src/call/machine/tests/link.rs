//! During a call: the other person leaves, reloads or comes back; the server goes
//! away and comes back; the path is lost and ICE restarts look for another.

use super::*;

#[test]
fn the_other_person_leaves_and_this_side_waits_with_a_ready_connection() {
    let mut sim = Sim::in_call();
    sim.run(&[
        // Their server connection went first; their side of the call closes next.
        (
            Step::Server(peer_left()),
            vec![Check::Arms(TimerKind::Away), Check::Link(Link::Connected)],
        ),
        (
            Step::Peer(PeerInput::ChannelClosed),
            vec![
                Check::Emits(Effect::ClosePeer),
                Check::Emits(Effect::DropRemoteStream),
                Check::OpensPeer { hold: true },
                Check::Link(Link::Waiting),
            ],
        ),
        // No "away" notice for someone who left.
        (secs(5), vec![]),
    ]);
    assert_eq!(sim.m.view().left.as_deref(), Some("Bob"));
    assert_eq!(sim.m.view().peer, None);
    assert!(sim.m.view().notice.is_none());
}

#[test]
fn the_other_person_losing_the_server_is_said_after_a_moment_and_the_call_goes_on() {
    let mut sim = Sim::in_call();
    sim.run(&[
        (Step::Server(peer_left()), vec![]),
        (Step::Wait(1_499), vec![]),
        (
            Step::Wait(1),
            vec![
                Check::Notice("Bob lost the connection to the server"),
                Check::Link(Link::Connected),
            ],
        ),
        // They come back to the server: the same connection is kept.
        (Step::Server(ready(other(2))), kept()),
    ]);
}

#[test]
fn a_reload_on_the_other_side_brings_a_fresh_connection() {
    // Seen from the side in the room: they leave, then arrive again.
    let mut sim = Sim::in_call();
    sim.run(&[
        (Step::Server(peer_left()), vec![]),
        (
            Step::Peer(PeerInput::ChannelClosed),
            vec![Check::OpensPeer { hold: true }],
        ),
        (
            Step::Server(ready(other(2))),
            vec![
                Check::Emits(Effect::ReleaseOffers),
                Check::Link(Link::Connecting),
            ],
        ),
    ]);
    // Seen when their new connection's offer comes first (new DTLS fingerprint):
    // only a fresh connection can take it, and it gets the offer and what follows.
    let mut sim = Sim::in_call();
    let offer = desc(DescriptionKind::Offer, "CC");
    let effects = sim.step(Step::Remote(offer.clone()));
    let close = effects.iter().position(|e| *e == Effect::ClosePeer);
    let open = effects.iter().position(|e| {
        matches!(
            e,
            Effect::OpenPeer {
                hold_offers: true,
                ..
            }
        )
    });
    let apply = effects
        .iter()
        .position(|e| *e == Effect::ApplyDescription(offer.clone()));
    assert!(
        close < open && open < apply && close.is_some(),
        "{effects:#?}"
    );
    // A renegotiation from the same connection keeps it.
    let mut sim = Sim::in_call();
    sim.run(&[(
        Step::Remote(desc(DescriptionKind::Offer, "BB")),
        vec![Check::NoNewPeer, Check::Never(Effect::ClosePeer)],
    )]);
}

#[test]
fn server_lost_and_back_keeps_a_call_that_is_up() {
    let mut sim = Sim::in_call();
    sim.run(&[
        (
            Step::Socket(SocketInput::Closed(1006)),
            vec![
                Check::Server(ServerLink::Reconnecting { attempt: 1 }),
                Check::Never(Effect::ClosePeer),
                Check::Link(Link::Connected),
                Check::Arms(TimerKind::Reconnect),
            ],
        ),
        // Backoff with jitter: between 250 and 500 ms for the first attempt.
        (Step::Wait(249), vec![Check::Never(Effect::OpenSocket(2))]),
        (Step::Wait(251), vec![Check::Emits(Effect::OpenSocket(2))]),
        (
            Step::Socket(SocketInput::Opened),
            vec![
                Check::Sends(Outbound::Join),
                Check::Server(ServerLink::Online),
            ],
        ),
        // Back before the other person: the connection waits for them.
        (
            Step::Server(assign(true, None)),
            vec![Check::NoNewPeer, Check::Link(Link::Connected)],
        ),
        (Step::Server(ready(other(2))), kept()),
    ]);
}

#[test]
fn server_lost_while_the_connection_is_down_reopens_it_when_back() {
    let mut sim = Sim::ready_to_join();
    sim.run(&[
        (
            Step::Server(assign(false, Some(other(2)))),
            vec![Check::OpensPeer { hold: true }],
        ),
        (
            Step::Socket(SocketInput::Closed(1006)),
            vec![
                Check::Emits(Effect::ClosePeer),
                Check::Emits(Effect::DropRemoteStream),
                Check::Link(Link::Connecting),
            ],
        ),
        // Events of the closed connection no longer count.
        (
            Step::Peer(PeerInput::State(LinkState::Connected)),
            vec![Check::Link(Link::Connecting)],
        ),
        (secs(1), vec![Check::Emits(Effect::OpenSocket(2))]),
        (
            Step::Socket(SocketInput::Opened),
            vec![Check::Sends(Outbound::Join)],
        ),
        (
            Step::Server(assign(false, Some(other(2)))),
            vec![Check::OpensPeer { hold: true }],
        ),
    ]);
}

#[test]
fn reconnect_attempts_back_off_and_check_the_session_after_three() {
    let mut sim = Sim::in_call();
    // (attempt, longest wait for it) with 500 ms doubling, capped at 10 s.
    let mut rows = Vec::new();
    for (attempt, ceiling) in [(1u32, 500u64), (2, 1_000), (3, 2_000)] {
        rows.push((
            Step::Socket(SocketInput::Closed(1006)),
            vec![Check::Server(ServerLink::Reconnecting { attempt })],
        ));
        rows.push((Step::Wait(ceiling / 2 - 1), vec![Check::SendsNothing]));
        let after = if attempt < 3 {
            Check::Emits(Effect::OpenSocket(attempt + 1))
        } else {
            Check::Emits(Effect::CheckSession)
        };
        rows.push((Step::Wait(ceiling / 2 + 1), vec![after]));
    }
    sim.run(&rows);
    // Still signed in: try again. Signed out: the call ends and says so.
    let mut signed_in = Sim::in_call();
    signed_in.run(&rows);
    signed_in.run(&[(
        Step::In(Input::Session(true)),
        vec![Check::Emits(Effect::OpenSocket(4))],
    )]);
    sim.run(&[(
        Step::In(Input::Session(false)),
        vec![
            ended(Some(End::SignedOut)),
            Check::Phase(Phase::Ended(End::SignedOut)),
        ],
    )]);
}

#[test]
fn a_room_deleted_while_away_from_the_server_ends_the_call_on_rejoin() {
    let mut sim = Sim::in_call();
    sim.run(&[
        (Step::Socket(SocketInput::Closed(1012)), vec![]),
        (secs(1), vec![]),
        (
            Step::Socket(SocketInput::Opened),
            vec![Check::Sends(Outbound::Join)],
        ),
        (
            Step::Server(ServerMsg::error(
                duet_shared::protocol::ErrorCode::RoomNotFound,
                "no such room",
            )),
            vec![ended(Some(End::NotFound)), Check::Emits(Effect::ClosePeer)],
        ),
    ]);
}

#[test]
fn a_lost_path_is_restarted_and_recovers() {
    let mut sim = Sim::in_call();
    sim.run(&[
        (
            Step::Peer(PeerInput::State(LinkState::Disconnected)),
            vec![
                Check::Link(Link::Reconnecting),
                Check::Arms(TimerKind::DisconnectGrace),
            ],
        ),
        (Step::Wait(2_999), vec![Check::Never(Effect::RestartIce)]),
        (
            Step::Wait(1),
            vec![
                Check::Emits(Effect::RestartIce),
                Check::Link(Link::Restarting { attempt: 1, of: 4 }),
            ],
        ),
        // The restart's own states do not change the words.
        (
            Step::Peer(PeerInput::State(LinkState::Connecting)),
            vec![Check::Link(Link::Restarting { attempt: 1, of: 4 })],
        ),
        (
            Step::Peer(PeerInput::State(LinkState::Connected)),
            vec![Check::Link(Link::Connected)],
        ),
        // Recovered: no further restart is pending.
        (secs(60), vec![Check::Never(Effect::RestartIce)]),
    ]);
}

#[test]
fn a_lost_path_gives_up_after_four_restarts_and_can_start_over() {
    let mut sim = Sim::in_call();
    let mut rows = vec![(
        Step::Peer(PeerInput::State(LinkState::Failed)),
        vec![
            Check::Emits(Effect::RestartIce),
            Check::Link(Link::Restarting { attempt: 1, of: 4 }),
        ],
    )];
    // Attempt n has 6 s × n to bring the path back.
    for attempt in 2..=4 {
        let wait = 6_000 * u64::from(attempt - 1);
        rows.push((Step::Wait(wait - 1), vec![Check::Never(Effect::RestartIce)]));
        rows.push((
            Step::Wait(1),
            vec![
                Check::Emits(Effect::RestartIce),
                Check::Link(Link::Restarting { attempt, of: 4 }),
            ],
        ));
    }
    rows.push((
        Step::Wait(24_000),
        vec![Check::Link(Link::Failed), Check::Never(Effect::RestartIce)],
    ));
    rows.push((
        Step::Cmd(Command::Reconnect),
        vec![
            Check::Emits(Effect::ClosePeer),
            Check::Sends(Outbound::Leave),
            Check::Sends(Outbound::Join),
            Check::Link(Link::Joining),
        ],
    ));
    sim.run(&rows);
}

#[test]
fn a_failed_path_while_the_other_person_is_away_means_they_are_gone() {
    let mut sim = Sim::in_call();
    sim.run(&[
        (Step::Server(peer_left()), vec![]),
        (
            Step::Peer(PeerInput::State(LinkState::Failed)),
            vec![Check::Never(Effect::RestartIce), Check::Link(Link::Waiting)],
        ),
    ]);
    assert_eq!(sim.m.view().left.as_deref(), Some("Bob"));
}

#[test]
fn a_connection_that_never_comes_up_is_set_up_again_by_rejoining() {
    let mut sim = Sim::ready_to_join();
    sim.run(&[
        (
            Step::Server(assign(false, Some(other(2)))),
            vec![Check::Arms(TimerKind::ConnectWatch)],
        ),
        (
            Step::Wait(14_999),
            vec![Check::Never(Effect::Send(Outbound::Leave))],
        ),
        (
            Step::Wait(1),
            vec![
                Check::Emits(Effect::ClosePeer),
                Check::Sends(Outbound::Leave),
                Check::Sends(Outbound::Join),
            ],
        ),
    ]);
}

#[test]
fn events_from_a_replaced_connection_or_socket_are_ignored() {
    let mut sim = Sim::in_call();
    let old_peer = sim.peer;
    let old_socket = sim.socket;
    sim.run(&[
        (Step::Server(peer_left()), vec![]),
        (
            Step::Peer(PeerInput::ChannelClosed),
            vec![Check::OpensPeer { hold: true }],
        ),
    ]);
    let stale = sim.feed(Input::Peer(old_peer, PeerInput::State(LinkState::Failed)));
    assert!(stale.is_empty(), "{stale:#?}");
    sim.run(&[
        (Step::Socket(SocketInput::Closed(1006)), vec![]),
        (secs(1), vec![]),
    ]);
    let stale = sim.feed(Input::Socket(old_socket, SocketInput::Closed(1006)));
    assert!(stale.is_empty(), "{stale:#?}");
    assert_eq!(sim.m.view().server, ServerLink::Reconnecting { attempt: 1 });
}
