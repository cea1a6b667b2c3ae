//! Scenario tables for the call machine: each row is an input (or time passing,
//! which fires the timers then due) and what must follow from it.

mod chat;
mod files;
mod link;
mod setup;

use super::CallMachine;
use crate::call::io::{
    Command, Description, DescriptionKind, Effect, Inbound, Input, LinkState, MediaState, Outbound,
    PeerInput, SocketInput, Timer, TimerKind,
};
use crate::call::state::{End, Link, MediaIssue, Phase, ServerLink};
use duet_shared::api::{Room, RoomStatus, RoomType, UserSummary};
use duet_shared::games::Symbol;
use duet_shared::protocol::{IceCandidate, Peer, ServerMsg};
use duet_shared::{RoomId, UserId};
use std::collections::HashMap;
use std::time::Duration;

pub(super) fn user(n: u8) -> UserId {
    format!("00000000-0000-0000-0000-0000000000{n:02}")
        .parse()
        .expect("a valid uuid")
}

fn room_id() -> RoomId {
    "10000000-0000-0000-0000-000000000000"
        .parse()
        .expect("a valid uuid")
}

/// This person.
fn me() -> UserId {
    user(1)
}

/// The other person (Bob), or someone else (`n`).
fn other(n: u8) -> Peer {
    Peer {
        user_id: user(n),
        name: if n == 2 {
            "Bob".into()
        } else {
            format!("Person {n}")
        },
    }
}

pub(super) fn room() -> Room {
    Room {
        id: room_id(),
        name: "Standup".into(),
        room_type: RoomType::Game,
        status: RoomStatus::Public,
        created_by: UserSummary {
            id: me(),
            name: "Ada".into(),
        },
        created_at: 0,
        occupants: 0,
    }
}

/// An SDP with one DTLS fingerprint (a connection's identity).
fn sdp(print: &str) -> String {
    format!("v=0\r\na=fingerprint:sha-256 {print}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n")
}

fn desc(kind: DescriptionKind, print: &str) -> Description {
    Description {
        kind,
        sdp: sdp(print),
    }
}

fn candidate(n: u8) -> IceCandidate {
    IceCandidate {
        candidate: format!("candidate:{n} 1 udp 2122260223 10.0.0.{n} 5000{n} typ host"),
        sdp_mid: Some("0".into()),
        sdp_m_line_index: Some(0),
        username_fragment: None,
    }
}

fn assign(is_player1: bool, peer: Option<Peer>) -> ServerMsg {
    ServerMsg::PlayerAssign {
        room_id: room_id(),
        symbol: if is_player1 { Symbol::X } else { Symbol::O },
        is_player1,
        peer,
        game: None,
    }
}

fn ready(peer: Peer) -> ServerMsg {
    ServerMsg::Ready {
        room_id: room_id(),
        peer,
    }
}

fn peer_left() -> ServerMsg {
    ServerMsg::PeerLeft { room_id: room_id() }
}

fn chat_echo(from: UserId, text: &str, at: i64) -> ServerMsg {
    ServerMsg::ChatMessage {
        room_id: room_id(),
        message: text.into(),
        sender: if from == me() {
            "Ada".into()
        } else {
            "Bob".into()
        },
        sender_id: from,
        sent_at: at,
    }
}

/// One row's input.
#[derive(Debug, Clone)]
enum Step {
    /// Any input (socket and peer inputs get the current generation).
    In(Input),
    /// A message from the server on the current socket.
    Server(ServerMsg),
    /// An offer or answer from the server.
    Remote(Description),
    /// The current socket.
    Socket(SocketInput),
    /// The current peer connection.
    Peer(PeerInput),
    /// The person's command.
    Cmd(Command),
    /// Time passes (milliseconds); due timers fire in order.
    Wait(u64),
}

/// What must hold after a row.
#[derive(Debug, Clone)]
enum Check {
    /// This effect was returned.
    Emits(Effect),
    /// This effect was not returned.
    Never(Effect),
    /// This message went to the server.
    Sends(Outbound),
    /// A connection was opened, offers held (`true`) or not.
    OpensPeer { hold: bool },
    /// No connection was opened.
    NoNewPeer,
    /// A timer of this kind was started.
    Arms(TimerKind),
    /// The link reads so.
    Link(Link),
    /// The phase is so.
    Phase(Phase),
    /// The server link reads so.
    Server(ServerLink),
    /// The latest notice contains this.
    Notice(&'static str),
    /// Nothing was sent to the server.
    SendsNothing,
}

/// The machine with a clock, the timers it set, and the generations in use.
struct Sim {
    m: CallMachine,
    now: Duration,
    timers: HashMap<TimerKind, (Timer, Duration)>,
    socket: u32,
    peer: u32,
}

impl Sim {
    fn new() -> (Sim, Vec<Effect>) {
        let (m, effects) = CallMachine::new(me(), 42);
        let mut sim = Sim {
            m,
            now: Duration::ZERO,
            timers: HashMap::new(),
            socket: 0,
            peer: 0,
        };
        sim.note(&effects);
        (sim, effects)
    }

    /// Room fetched, ICE known (1 h), devices fine, socket open: the join is sent.
    fn ready_to_join() -> Sim {
        let (mut sim, _) = Sim::new();
        sim.run(&[
            (Step::In(Input::Room(Ok(room()))), vec![]),
            (
                Step::In(Input::Ice(Some(Duration::from_secs(3600)))),
                vec![],
            ),
            (devices_fine(), vec![]),
            (
                Step::Socket(SocketInput::Opened),
                vec![Check::Sends(Outbound::Join)],
            ),
        ]);
        sim
    }

    /// In a call with Bob that is up, as the first (offering) member.
    fn in_call() -> Sim {
        let mut sim = Sim::ready_to_join();
        sim.run(&[
            (
                Step::Server(assign(true, None)),
                vec![Check::OpensPeer { hold: true }],
            ),
            (
                Step::Server(ready(other(2))),
                vec![Check::Emits(Effect::ReleaseOffers)],
            ),
            (Step::Remote(desc(DescriptionKind::Answer, "BB")), vec![]),
            (Step::Peer(PeerInput::State(LinkState::Connected)), vec![]),
            (
                Step::Peer(PeerInput::ChannelOpen),
                vec![Check::Link(Link::Connected)],
            ),
        ]);
        sim
    }

    fn note(&mut self, effects: &[Effect]) {
        for e in effects {
            match e {
                Effect::StartTimer(t, after) => {
                    self.timers.insert(t.kind, (*t, self.now + *after));
                }
                Effect::CancelTimer(kind) => {
                    self.timers.remove(kind);
                }
                Effect::OpenSocket(g) => self.socket = *g,
                Effect::OpenPeer { generation, .. } => self.peer = *generation,
                _ => {}
            }
        }
    }

    fn feed(&mut self, input: Input) -> Vec<Effect> {
        let effects = self.m.handle(input, self.now);
        // The end is always the last effect, after the view that says why.
        if let Some(i) = effects.iter().position(|e| matches!(e, Effect::End(_))) {
            assert_eq!(i + 1, effects.len(), "End is not last: {effects:#?}");
            assert!(
                !matches!(self.m.view().phase, Phase::Ended(_))
                    || effects.contains(&Effect::Render),
                "the ended phase is rendered"
            );
        }
        self.note(&effects);
        effects
    }

    fn step(&mut self, step: Step) -> Vec<Effect> {
        match step {
            Step::In(input) => self.feed(input),
            Step::Server(msg) => self.feed(Input::Socket(
                self.socket,
                SocketInput::Message(Inbound::Server(msg)),
            )),
            Step::Remote(d) => self.feed(Input::Socket(
                self.socket,
                SocketInput::Message(Inbound::Description(d)),
            )),
            Step::Socket(ev) => self.feed(Input::Socket(self.socket, ev)),
            Step::Peer(ev) => self.feed(Input::Peer(self.peer, ev)),
            Step::Cmd(c) => self.feed(Input::Command(c)),
            Step::Wait(ms) => {
                let end = self.now + Duration::from_millis(ms);
                let mut out = Vec::new();
                while let Some((kind, (timer, due))) = self
                    .timers
                    .iter()
                    .filter(|(_, (_, due))| *due <= end)
                    .min_by_key(|(_, (_, due))| *due)
                    .map(|(k, v)| (*k, *v))
                {
                    self.timers.remove(&kind);
                    self.now = due;
                    out.extend(self.feed(Input::Timer(timer)));
                }
                self.now = end;
                out
            }
        }
    }

    /// Runs the rows, checking each; panics naming the row that failed.
    fn run(&mut self, rows: &[(Step, Vec<Check>)]) {
        for (i, (step, checks)) in rows.iter().enumerate() {
            let effects = self.step(step.clone());
            for check in checks {
                assert!(
                    self.holds(check, &effects),
                    "row {i} ({step:?}): {check:?} does not hold\neffects: {effects:#?}\nview: {:#?}",
                    self.m.view()
                );
            }
        }
    }

    fn holds(&self, check: &Check, effects: &[Effect]) -> bool {
        let view = self.m.view();
        match check {
            Check::Emits(e) => effects.contains(e),
            Check::Never(e) => !effects.contains(e),
            Check::Sends(msg) => effects.contains(&Effect::Send(msg.clone())),
            Check::OpensPeer { hold } => effects
                .iter()
                .any(|e| matches!(e, Effect::OpenPeer { hold_offers, .. } if hold_offers == hold)),
            Check::NoNewPeer => !effects.iter().any(|e| matches!(e, Effect::OpenPeer { .. })),
            Check::Arms(kind) => effects
                .iter()
                .any(|e| matches!(e, Effect::StartTimer(t, _) if t.kind == *kind)),
            Check::Link(link) => view.link == *link,
            Check::Phase(phase) => view.phase == *phase,
            Check::Server(server) => view.server == *server,
            Check::Notice(text) => view.notice.as_ref().is_some_and(|n| n.text.contains(text)),
            Check::SendsNothing => !effects.iter().any(|e| matches!(e, Effect::Send(_))),
        }
    }
}

/// The media state of someone with camera and microphone on.
fn all_on() -> MediaState {
    MediaState {
        mic: true,
        camera: true,
        screen: false,
    }
}

/// `Step::Wait` in seconds.
fn secs(s: u64) -> Step {
    Step::Wait(s * 1000)
}

fn ended(end: Option<End>) -> Check {
    Check::Emits(Effect::End(end))
}

/// Camera and microphone both work.
fn devices_fine() -> Step {
    Step::In(Input::Media(MediaIssue {
        mic: None,
        camera: None,
    }))
}

/// The connection in place is kept and says so.
fn kept() -> Vec<Check> {
    vec![
        Check::NoNewPeer,
        Check::Never(Effect::ClosePeer),
        Check::Link(Link::Connected),
    ]
}
