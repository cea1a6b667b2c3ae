//! Chat that never vanishes: queued while the server is away, matched to the
//! server's echo, refused in words when too long, given up in words.

use super::*;
use crate::call::chat::Delivery;
use duet_shared::limits::MAX_CHAT_CHARS;

fn say(text: &str) -> Step {
    Step::Cmd(Command::SendChat(text.into()))
}

fn deliveries(sim: &Sim) -> Vec<(String, &'static str)> {
    sim.m
        .view()
        .chat
        .iter()
        .map(|l| (l.text.clone(), l.delivery.key()))
        .collect()
}

#[test]
fn a_line_is_sending_until_the_server_echoes_it() {
    let mut sim = Sim::in_call();
    sim.run(&[
        (
            say("  hello  "),
            vec![Check::Sends(Outbound::Chat("hello".into()))],
        ),
        (say("   "), vec![Check::SendsNothing]),
    ]);
    assert_eq!(deliveries(&sim), [("hello".into(), "sending")]);
    sim.run(&[(Step::Server(chat_echo(me(), "hello", 7)), vec![])]);
    let line = &sim.m.view().chat[0];
    assert_eq!(
        (line.delivery.clone(), line.sent_at, line.own),
        (Delivery::Sent, Some(7), true)
    );
    assert_eq!(sim.m.view().chat.len(), 1, "the echo is the same line");
}

#[test]
fn lines_typed_while_the_server_is_away_go_out_when_back() {
    let mut sim = Sim::in_call();
    sim.run(&[
        (
            say("in flight"),
            vec![Check::Sends(Outbound::Chat("in flight".into()))],
        ),
        (Step::Socket(SocketInput::Closed(1006)), vec![]),
        (say("offline 1"), vec![Check::SendsNothing]),
        (say("offline 2"), vec![Check::SendsNothing]),
        (secs(1), vec![]),
        // The socket is open but the room not yet joined: still waiting.
        (
            Step::Socket(SocketInput::Opened),
            vec![Check::Never(Effect::Send(Outbound::Chat(
                "offline 1".into(),
            )))],
        ),
        (
            Step::Server(assign(true, Some(other(2)))),
            vec![
                Check::Sends(Outbound::Chat("in flight".into())),
                Check::Sends(Outbound::Chat("offline 1".into())),
                Check::Sends(Outbound::Chat("offline 2".into())),
            ],
        ),
    ]);
    assert!(deliveries(&sim).iter().all(|(_, d)| *d == "sending"));
    for text in ["in flight", "offline 1", "offline 2"] {
        sim.run(&[(Step::Server(chat_echo(me(), text, 9)), vec![])]);
    }
    assert!(
        deliveries(&sim).iter().all(|(_, d)| *d == "sent"),
        "{:?}",
        deliveries(&sim)
    );
    assert_eq!(sim.m.view().chat.len(), 3);
}

#[test]
fn too_long_a_line_is_refused_in_words_and_kept_out_of_the_conversation() {
    let mut sim = Sim::in_call();
    let long = "x".repeat(MAX_CHAT_CHARS + 1);
    sim.run(&[(say(&long), vec![Check::SendsNothing])]);
    assert_eq!(
        sim.m.view().chat_error.as_deref(),
        Some("The chat message is longer than 2000 characters.")
    );
    assert!(sim.m.view().chat.is_empty());
    // Exactly at the limit is fine, and clears the refusal.
    sim.run(&[(
        say(&"x".repeat(MAX_CHAT_CHARS)),
        vec![Check::Arms(TimerKind::ChatExpiry)],
    )]);
    assert_eq!(sim.m.view().chat_error, None);
}

#[test]
fn lines_that_cannot_be_delivered_say_so() {
    // The server stays away past the bound.
    let mut sim = Sim::in_call();
    sim.run(&[
        (Step::Socket(SocketInput::Closed(1006)), vec![]),
        (say("first"), vec![]),
        (secs(60), vec![]),
        (say("second"), vec![]),
        (secs(60), vec![]),
    ]);
    assert_eq!(
        deliveries(&sim),
        [("first".into(), "failed"), ("second".into(), "sending")]
    );
    sim.run(&[(secs(60), vec![])]);
    assert_eq!(
        deliveries(&sim),
        [("first".into(), "failed"), ("second".into(), "failed")]
    );
    // The call ends with a line still waiting.
    let mut sim = Sim::in_call();
    sim.run(&[
        (Step::Socket(SocketInput::Closed(1006)), vec![]),
        (say("bye"), vec![]),
        (Step::Cmd(Command::Leave), vec![]),
    ]);
    assert_eq!(
        sim.m.view().chat[0].delivery,
        Delivery::Failed("Not sent: the call ended first.".into())
    );
}

#[test]
fn lines_from_the_other_person_count_as_unread_while_the_panel_is_closed() {
    let mut sim = Sim::in_call();
    let rows = [
        (Step::Server(chat_echo(user(2), "hi", 1)), 1),
        (Step::Server(chat_echo(user(2), "there", 2)), 2),
        (Step::Cmd(Command::ChatPanel(true)), 0),
        (Step::Server(chat_echo(user(2), "seen", 3)), 0),
        (Step::Cmd(Command::ChatPanel(false)), 0),
        (Step::Server(chat_echo(me(), "from my other tab", 4)), 0),
        (Step::Server(chat_echo(user(2), "again", 5)), 1),
    ];
    for (step, unread) in rows {
        sim.step(step.clone());
        assert_eq!(sim.m.view().unread, unread, "after {step:?}");
    }
    assert_eq!(sim.m.view().chat.len(), 5);
}

#[test]
fn lines_wait_for_the_other_person_still_in_the_call_to_be_back_in_the_room() {
    // Back at the server first, the other person still away (their side of the
    // call is up): the server keeps no history, so the line waits for them.
    let mut sim = Sim::in_call();
    sim.run(&[
        (Step::Socket(SocketInput::Closed(1006)), vec![]),
        (say("while away"), vec![Check::SendsNothing]),
        (secs(1), vec![]),
        (Step::Socket(SocketInput::Opened), vec![]),
        (Step::Server(assign(true, None)), vec![Check::SendsNothing]),
        (say("still away"), vec![Check::SendsNothing]),
        (
            Step::Server(ready(other(2))),
            vec![
                Check::Sends(Outbound::Chat("while away".into())),
                Check::Sends(Outbound::Chat("still away".into())),
            ],
        ),
    ]);
    // They leave for good instead: the lines go out (to this side alone).
    let mut sim = Sim::in_call();
    sim.run(&[
        (Step::Server(peer_left()), vec![]),
        (say("are you there?"), vec![Check::SendsNothing]),
        (
            Step::Peer(PeerInput::ChannelClosed),
            vec![Check::Sends(Outbound::Chat("are you there?".into()))],
        ),
    ]);
}
