//! Starting a call: what starts at once, when the join goes out, both sides of a
//! normal call, and the ways a call cannot start.

use super::*;

#[test]
fn everything_starts_at_once() {
    let (_, effects) = Sim::new();
    assert_eq!(
        effects,
        vec![
            Effect::FetchRoom,
            Effect::FetchIce,
            Effect::AcquireMedia,
            Effect::OpenSocket(1)
        ]
    );
}

#[test]
fn the_join_goes_out_when_the_last_of_room_devices_and_socket_is_there() {
    let room_in = || Step::In(Input::Room(Ok(room())));
    let media_in = devices_fine;
    let open = || Step::Socket(SocketInput::Opened);
    let orders = [
        [room_in(), media_in(), open()],
        [open(), media_in(), room_in()],
        [media_in(), open(), room_in()],
        [open(), room_in(), media_in()],
    ];
    for order in orders {
        let (mut sim, _) = Sim::new();
        let [a, b, c] = order;
        sim.run(&[
            (a, vec![Check::SendsNothing]),
            (b, vec![Check::SendsNothing]),
            (
                c,
                vec![Check::Sends(Outbound::Join), Check::Phase(Phase::Joining)],
            ),
        ]);
    }
}

#[test]
fn a_device_problem_waits_for_the_persons_choice() {
    let (mut sim, _) = Sim::new();
    let issue = MediaIssue {
        mic: None,
        camera: Some(crate::webrtc::media::MediaProblem::Denied),
    };
    sim.run(&[
        (
            Step::In(Input::Room(Ok(room()))),
            vec![Check::Phase(Phase::Media)],
        ),
        (Step::Socket(SocketInput::Opened), vec![Check::SendsNothing]),
        (
            Step::In(Input::Media(issue)),
            vec![Check::Phase(Phase::MediaChoice(issue)), Check::SendsNothing],
        ),
        (
            Step::Cmd(Command::RetryMedia),
            vec![
                Check::Emits(Effect::AcquireMedia),
                Check::Phase(Phase::Media),
            ],
        ),
        (Step::In(Input::Media(issue)), vec![Check::SendsNothing]),
        (
            Step::Cmd(Command::JoinWithAvailable),
            vec![Check::Sends(Outbound::Join), Check::Phase(Phase::Joining)],
        ),
    ]);
    assert_eq!(sim.m.view().camera, crate::call::state::Device::Unavailable);
}

#[test]
fn a_room_that_cannot_be_fetched_ends_the_call_in_words() {
    use crate::call::io::RoomError;
    let cases = [
        (RoomError::NotFound, End::NotFound),
        (RoomError::SignedOut, End::SignedOut),
        (RoomError::Other("boom".into()), End::Error("boom".into())),
    ];
    for (error, end) in cases {
        let (mut sim, _) = Sim::new();
        sim.run(&[(
            Step::In(Input::Room(Err(error))),
            vec![
                ended(Some(end.clone())),
                Check::Emits(Effect::CloseSocket),
                Check::Phase(Phase::Ended(end)),
            ],
        )]);
        // Nothing more happens after the end.
        assert!(sim.feed(Input::Socket(1, SocketInput::Opened)).is_empty());
    }
}

#[test]
fn normal_call_as_the_side_already_in_the_room_offers_from_a_ready_connection() {
    let mut sim = Sim::ready_to_join();
    let offer = desc(DescriptionKind::Offer, "AA");
    sim.run(&[
        // Alone: the connection is made now, offers held until someone comes.
        (
            Step::Server(assign(true, None)),
            vec![
                Check::OpensPeer { hold: true },
                Check::Phase(Phase::InRoom),
                Check::Link(Link::Waiting),
            ],
        ),
        (
            Step::Server(ready(other(2))),
            vec![
                Check::Emits(Effect::ReleaseOffers),
                Check::NoNewPeer,
                Check::Link(Link::Connecting),
                Check::Arms(TimerKind::ConnectWatch),
            ],
        ),
        (
            Step::Peer(PeerInput::Description(offer.clone())),
            vec![Check::Sends(Outbound::Description(offer))],
        ),
        (
            Step::Peer(PeerInput::Candidate(candidate(1))),
            vec![Check::Sends(Outbound::Candidate(candidate(1)))],
        ),
        (
            Step::Remote(desc(DescriptionKind::Answer, "BB")),
            vec![
                Check::Emits(Effect::ApplyDescription(desc(
                    DescriptionKind::Answer,
                    "BB",
                ))),
                Check::NoNewPeer,
            ],
        ),
        (
            Step::Server(ServerMsg::IceCandidate {
                room_id: room_id(),
                candidate: candidate(2),
            }),
            vec![Check::Emits(Effect::AddCandidate(candidate(2)))],
        ),
        (
            Step::Peer(PeerInput::State(LinkState::Connecting)),
            vec![Check::Link(Link::Connecting)],
        ),
        (
            Step::Peer(PeerInput::State(LinkState::Connected)),
            vec![Check::Link(Link::Connected)],
        ),
        (Step::Peer(PeerInput::ChannelOpen), vec![]),
        // The watch was cancelled: nothing is set up again later.
        (
            secs(60),
            vec![Check::SendsNothing, Check::Link(Link::Connected)],
        ),
    ]);
    assert!(sim.m.is_connected());
}

#[test]
fn normal_call_as_the_newcomer_answers_and_offers_only_if_no_offer_comes() {
    let mut sim = Sim::ready_to_join();
    let answer = desc(DescriptionKind::Answer, "AA");
    sim.run(&[
        (
            Step::Server(assign(false, Some(other(2)))),
            vec![
                Check::OpensPeer { hold: true },
                Check::Arms(TimerKind::FirstOffer),
                Check::Link(Link::Connecting),
            ],
        ),
        (
            Step::Remote(desc(DescriptionKind::Offer, "BB")),
            vec![
                Check::Emits(Effect::ApplyDescription(desc(DescriptionKind::Offer, "BB"))),
                Check::NoNewPeer,
            ],
        ),
        (
            Step::Peer(PeerInput::Description(answer.clone())),
            vec![Check::Sends(Outbound::Description(answer))],
        ),
        (
            Step::Peer(PeerInput::State(LinkState::Connected)),
            vec![Check::Link(Link::Connected)],
        ),
    ]);
    assert_eq!(sim.m.view().peer, Some(other(2)));

    // Without an offer from the other side, the newcomer offers after 4 s.
    let mut sim = Sim::ready_to_join();
    sim.run(&[
        (Step::Server(assign(false, Some(other(2)))), vec![]),
        (Step::Wait(3_999), vec![Check::Never(Effect::ReleaseOffers)]),
        (Step::Wait(1), vec![Check::Emits(Effect::ReleaseOffers)]),
    ]);
}

#[test]
fn a_connection_waits_for_the_ice_configuration_and_gets_what_came_meanwhile() {
    let (mut sim, _) = Sim::new();
    let offer = desc(DescriptionKind::Offer, "BB");
    sim.run(&[
        (Step::In(Input::Room(Ok(room()))), vec![]),
        (devices_fine(), vec![]),
        (
            Step::Socket(SocketInput::Opened),
            vec![Check::Sends(Outbound::Join)],
        ),
        // The configuration is still on its way (asked for at the start, not again).
        (
            Step::Server(assign(false, Some(other(2)))),
            vec![Check::NoNewPeer, Check::Never(Effect::FetchIce)],
        ),
        (Step::Remote(offer.clone()), vec![Check::NoNewPeer]),
        (
            Step::Server(ServerMsg::IceCandidate {
                room_id: room_id(),
                candidate: candidate(2),
            }),
            vec![],
        ),
    ]);
    let effects = sim.feed(Input::Ice(Some(Duration::from_secs(3600))));
    let open = effects
        .iter()
        .position(|e| matches!(e, Effect::OpenPeer { .. }))
        .expect("opens once the configuration is there");
    assert_eq!(
        effects[open + 1..open + 3],
        [
            Effect::ApplyDescription(offer),
            Effect::AddCandidate(candidate(2))
        ]
    );
}

#[test]
fn an_ice_configuration_near_expiry_is_fetched_again_before_a_connection() {
    let mut sim = Sim::ready_to_join();
    sim.run(&[
        (
            Step::Server(assign(true, None)),
            vec![Check::OpensPeer { hold: true }],
        ),
        // 59 min 30 s later the one-hour credentials are nearly spent.
        (Step::Wait(3_570_000), vec![]),
        (
            Step::Server(ready(other(2))),
            vec![
                Check::Emits(Effect::ClosePeer),
                Check::Emits(Effect::FetchIce),
                Check::NoNewPeer,
            ],
        ),
        (
            Step::In(Input::Ice(Some(Duration::from_secs(3600)))),
            vec![Check::OpensPeer { hold: false }],
        ),
    ]);
}

#[test]
fn room_full_and_replaced_end_the_call() {
    let cases = [
        (ServerMsg::RoomFull { room_id: room_id() }, End::Full),
        (
            ServerMsg::error(duet_shared::protocol::ErrorCode::Replaced, "replaced"),
            End::Replaced,
        ),
    ];
    for (msg, end) in cases {
        let mut sim = Sim::in_call();
        sim.run(&[(
            Step::Server(msg),
            vec![
                ended(Some(end.clone())),
                Check::Emits(Effect::ClosePeer),
                Check::Sends(Outbound::Leave),
                Check::Phase(Phase::Ended(end)),
            ],
        )]);
    }
}

#[test]
fn leaving_tells_the_server_and_releases_everything() {
    let mut sim = Sim::in_call();
    sim.run(&[(
        Step::Cmd(Command::Leave),
        vec![
            Check::Sends(Outbound::Leave),
            Check::Emits(Effect::CloseSocket),
            Check::Emits(Effect::ClosePeer),
            ended(None),
        ],
    )]);
}

#[test]
fn devices_toggle_and_the_other_side_is_told() {
    use crate::call::state::Device;
    let mut sim = Sim::in_call();
    let off = MediaState {
        mic: false,
        ..all_on()
    };
    sim.run(&[
        (
            Step::Cmd(Command::ToggleMic),
            vec![
                Check::Emits(Effect::SetMic(false)),
                Check::Emits(Effect::SendMediaState(off)),
            ],
        ),
        (
            Step::Cmd(Command::ToggleMic),
            vec![Check::Emits(Effect::SetMic(true))],
        ),
        (
            Step::Cmd(Command::ToggleCamera),
            vec![Check::Emits(Effect::StopCamera)],
        ),
        (
            Step::Cmd(Command::ToggleCamera),
            vec![Check::Emits(Effect::StartCamera)],
        ),
        // A second click while it starts does nothing.
        (
            Step::Cmd(Command::ToggleCamera),
            vec![Check::Never(Effect::StartCamera)],
        ),
        (
            Step::In(Input::Camera(Ok(()))),
            vec![
                Check::Emits(Effect::SendVideo),
                Check::Emits(Effect::SendMediaState(all_on())),
            ],
        ),
        (
            Step::Cmd(Command::ToggleScreen),
            vec![Check::Emits(Effect::StartScreen)],
        ),
        (
            Step::In(Input::Screen(Ok(true))),
            vec![Check::Emits(Effect::SendVideo)],
        ),
        (
            Step::In(Input::ScreenEnded),
            vec![Check::Emits(Effect::StopScreen)],
        ),
        (
            Step::Cmd(Command::ToggleCamera),
            vec![Check::Emits(Effect::StopCamera)],
        ),
        (Step::Cmd(Command::ToggleCamera), vec![]),
        (
            Step::In(Input::Camera(Err(crate::webrtc::media::MediaProblem::Busy))),
            vec![Check::Notice("The camera could not be turned on")],
        ),
    ]);
    assert_eq!(sim.m.view().camera, Device::Off);
}

#[test]
fn without_an_ice_configuration_connections_are_still_made_and_it_is_asked_again_later() {
    let (mut sim, _) = Sim::new();
    sim.run(&[
        (Step::In(Input::Room(Ok(room()))), vec![]),
        (devices_fine(), vec![]),
        (Step::Socket(SocketInput::Opened), vec![]),
        (Step::In(Input::Ice(None)), vec![]),
        // People on the same network can connect without STUN or TURN.
        (
            Step::Server(assign(true, None)),
            vec![Check::OpensPeer { hold: true }],
        ),
        (
            Step::Server(ready(other(2))),
            vec![
                Check::Emits(Effect::ReleaseOffers),
                Check::Never(Effect::FetchIce),
            ],
        ),
        (Step::Server(peer_left()), vec![]),
        // Minutes later a new connection asks for the configuration again first.
        (secs(300), vec![]),
        (
            Step::Server(ready(other(3))),
            vec![Check::Emits(Effect::FetchIce), Check::NoNewPeer],
        ),
    ]);
}
