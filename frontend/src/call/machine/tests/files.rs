//! Files through the call machine: the file machine's inputs arrive through the
//! call's queue (channel events only from the current connection), its effects
//! leave as `Effect::Files`, the view shows every transfer, and the call's events
//! (a lost path, the other person leaving) reach it.

use super::*;
use crate::files::wire::Control;
use crate::files::{FileEffect, FileInput, LocalFile, TransferState};

fn offered_file() -> Input {
    Input::Files(FileInput::Offer(vec![LocalFile {
        id: 1,
        name: "notes.txt".into(),
        size: 3 * 1024 * 1024,
        mime: "text/plain".into(),
    }]))
}

fn file_state(sim: &Sim) -> TransferState {
    sim.m.view().files[0].state.clone()
}

#[test]
fn a_file_goes_through_the_call_and_the_other_person_leaving_fails_it() {
    let mut sim = Sim::in_call();
    sim.step(Step::Peer(PeerInput::Files(FileInput::Open)));
    let effects = sim.step(Step::In(offered_file()));
    let offer = Control::Offer {
        id: 1,
        name: "notes.txt".into(),
        size: 3 * 1024 * 1024,
        mime: "text/plain".into(),
    };
    assert!(effects.contains(&Effect::Files(FileEffect::SendText(offer.encode()))));
    assert!(effects.contains(&Effect::Render));
    assert_eq!(file_state(&sim), TransferState::Offered);

    // Bob's answer comes over the current connection's file channel: the first slice is read.
    let accept = Control::Accept { id: 1, from: 0 }.encode();
    let effects = sim.step(Step::Peer(PeerInput::Files(FileInput::Text(
        accept.clone(),
    ))));
    assert!(effects.contains(&Effect::Files(FileEffect::Read {
        id: 1,
        offset: 0,
        len: crate::files::SLICE,
    })));
    // The same from a replaced connection is ignored.
    let stale = sim.feed(Input::Peer(
        sim.peer + 7,
        PeerInput::Files(FileInput::Text(accept)),
    ));
    assert!(stale.is_empty());

    // The path drops: the transfer shows paused until it is back.
    sim.step(Step::Peer(PeerInput::State(LinkState::Disconnected)));
    assert!(matches!(
        file_state(&sim),
        TransferState::Moving { paused: true, .. }
    ));
    sim.step(Step::Peer(PeerInput::State(LinkState::Connected)));
    assert!(matches!(
        file_state(&sim),
        TransferState::Moving { paused: false, .. }
    ));

    // Bob leaves: the file is let go and the reason is his name.
    sim.step(Step::Server(peer_left()));
    let effects = sim.step(Step::Peer(PeerInput::ChannelClosed));
    assert!(effects.contains(&Effect::Files(FileEffect::Forget(1))));
    assert_eq!(
        file_state(&sim),
        TransferState::Failed("Bob left the call".into())
    );
}

#[test]
fn a_new_connection_resumes_what_the_old_one_was_sending() {
    let mut sim = Sim::in_call();
    sim.step(Step::Peer(PeerInput::Files(FileInput::Open)));
    sim.step(Step::In(offered_file()));
    let accept = Control::Accept { id: 1, from: 0 }.encode();
    sim.step(Step::Peer(PeerInput::Files(FileInput::Text(accept))));
    // "Try again": the connection is made afresh; the transfer waits for the new channel.
    let effects = sim.step(Step::Cmd(Command::Reconnect));
    assert!(effects.contains(&Effect::ClosePeer));
    assert!(matches!(
        file_state(&sim),
        TransferState::Moving { paused: true, .. }
    ));
    sim.run(&[
        (
            Step::Server(ready(other(2))),
            vec![Check::OpensPeer { hold: false }],
        ),
        (Step::Peer(PeerInput::Files(FileInput::Open)), vec![]),
    ]);
    // The receiver says where to go on from; reading starts there.
    let resume = Control::Accept { id: 1, from: 0 }.encode();
    let effects = sim.step(Step::Peer(PeerInput::Files(FileInput::Text(resume))));
    assert!(effects.contains(&Effect::Files(FileEffect::Read {
        id: 1,
        offset: 0,
        len: crate::files::SLICE,
    })));
    assert!(matches!(
        file_state(&sim),
        TransferState::Moving { paused: false, .. }
    ));
}
