//! `chat` and `watch`: a room's call through the reconnecting signaling connection. What
//! each event prints is decided by pure functions ([`ChatView`], [`watch_line`]); the loop
//! only moves lines between the terminal and the connection.

use crate::Context;
use crate::failure::{Failure, describe};
use crate::rooms::find;
use duet_client::{Error, Event, ServerMsg, Signaling, UserId, code_name};
use serde_json::json;
use tokio::sync::mpsc;

/// A line for the terminal.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// For stdout: the conversation.
    Out(String),
    /// For stderr: trouble.
    Err(String),
}

/// What the chat shows, given the events so far.
pub struct ChatView {
    me: UserId,
    room_name: String,
    peer: Option<String>,
    joined_before: bool,
}

impl ChatView {
    /// A chat in `room_name` as `me`.
    pub fn new(me: UserId, room_name: String) -> ChatView {
        ChatView {
            me,
            room_name,
            peer: None,
            joined_before: false,
        }
    }

    /// The lines `event` prints.
    pub fn show(&mut self, event: &Event) -> Vec<Line> {
        match event {
            Event::Message(msg) => self.show_message(msg),
            // Only the first attempt is told: the rest repeat it every few seconds.
            Event::Disconnected { attempt: 1, .. } => {
                vec![Line::Out("* Connection lost; reconnecting…".to_owned())]
            }
            Event::Disconnected { .. } => Vec::new(),
            Event::Reconnected { .. } => vec![Line::Out("* Reconnected.".to_owned())],
            Event::Ended(e) => vec![Line::Err(describe(e))],
        }
    }

    fn show_message(&mut self, msg: &ServerMsg) -> Vec<Line> {
        match msg {
            ServerMsg::PlayerAssign { peer, .. } => {
                let mut lines = Vec::new();
                if !self.joined_before {
                    lines.push(Line::Out(format!(
                        "* You are in “{}”. Type a line and press Enter to send; Ctrl-D leaves.",
                        self.room_name
                    )));
                }
                self.joined_before = true;
                let was = self.peer.take();
                if let Some(peer) = peer {
                    if was.as_deref() != Some(peer.name.as_str()) {
                        lines.push(Line::Out(format!("* {} is here", peer.name)));
                    }
                    self.peer = Some(peer.name.clone());
                } else if let Some(gone) = was {
                    lines.push(Line::Out(format!("* {gone} left")));
                }
                lines
            }
            ServerMsg::Ready { peer, .. } => {
                let again = self.peer.as_deref() == Some(peer.name.as_str());
                self.peer = Some(peer.name.clone());
                if again {
                    Vec::new()
                } else {
                    vec![Line::Out(format!("* {} joined", peer.name))]
                }
            }
            ServerMsg::PeerLeft { .. } => {
                let name = self
                    .peer
                    .take()
                    .unwrap_or_else(|| "The other person".to_owned());
                vec![Line::Out(format!("* {name} left"))]
            }
            ServerMsg::ChatMessage {
                message,
                sender,
                sender_id,
                ..
            } if *sender_id != self.me => vec![Line::Out(format!("{sender}: {message}"))],
            ServerMsg::RoomFull { .. } => vec![Line::Err(format!(
                "“{}” is full (two people are in its call)",
                self.room_name
            ))],
            ServerMsg::Error { code, message } => {
                vec![Line::Err(format!(
                    "refused: {message} ({})",
                    code_name(*code)
                ))]
            }
            // Your own lines come back stamped; the call's media and games are the browser's.
            _ => Vec::new(),
        }
    }
}

/// One JSON line for `watch`: server messages as the protocol has them, connection changes
/// as `{"type": "disconnected" | "reconnected" | "ended", …}`.
pub fn watch_line(event: &Event) -> String {
    let value = match event {
        Event::Message(msg) => serde_json::to_value(msg)
            .unwrap_or_else(|e| json!({"type": "unreadable", "error": e.to_string()})),
        Event::Disconnected {
            attempt,
            retry_in,
            reason,
        } => json!({
            "type": "disconnected",
            "attempt": attempt,
            "retryInMs": u64::try_from(retry_in.as_millis()).unwrap_or(u64::MAX),
            "reason": reason.to_string(),
        }),
        Event::Reconnected { rejoining } => json!({"type": "reconnected", "roomId": rejoining}),
        Event::Ended(e) => json!({"type": "ended", "reason": e.to_string()}),
    };
    value.to_string()
}

/// Signs in, finds the room, opens the connection and joins the call.
async fn enter(ctx: &Context, room: &str) -> Result<(Signaling, UserId, String), Failure> {
    let client = ctx.signed_in()?;
    let me = client.profile().await?;
    let room = find(&client, room).await?;
    let mut signaling = client.signaling().await?;
    signaling.join(room.id).await?;
    Ok((signaling, me.id, room.name))
}

/// `chat ROOM`: stdin lines out, the conversation in, until stdin ends.
pub async fn chat(ctx: &Context, room: &str) -> Result<(), Failure> {
    let (mut signaling, me, name) = enter(ctx, room).await?;
    let mut view = ChatView::new(me, name);
    let mut input = stdin_lines();
    loop {
        tokio::select! {
            line = input.recv() => match line {
                Some(line) if line.trim() == "/quit" => break,
                Some(line) if line.trim().is_empty() => {}
                Some(line) => {
                    if let Err(e) = signaling.chat(&line).await {
                        let why = match e {
                            Error::Disconnected => "not connected right now; the line was not sent".to_owned(),
                            other => Failure::from(other).0,
                        };
                        eprintln!("duet-cli: {why}");
                    }
                }
                None => break,
            },
            event = signaling.next() => {
                let Some(event) = event else { break };
                let ended = matches!(event, Event::Ended(_));
                for line in view.show(&event) {
                    match line {
                        Line::Out(text) => println!("{text}"),
                        Line::Err(text) => eprintln!("duet-cli: {text}"),
                    }
                }
                if ended {
                    return Err(Failure("the connection ended".to_owned()));
                }
                if matches!(event, Event::Message(ServerMsg::RoomFull { .. })) {
                    return Err(Failure("could not join".to_owned()));
                }
            }
        }
    }
    let _ = signaling.leave().await;
    signaling.close().await;
    Ok(())
}

/// `watch ROOM`: every event as a JSON line, until the connection ends or the process is
/// stopped.
pub async fn watch(ctx: &Context, room: &str) -> Result<(), Failure> {
    let (mut signaling, _, _) = enter(ctx, room).await?;
    while let Some(event) = signaling.next().await {
        println!("{}", watch_line(&event));
        match event {
            Event::Ended(e) => return Err(Failure::from(e)),
            Event::Message(ServerMsg::RoomFull { .. }) => {
                return Err(Failure("the room is full".to_owned()));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Standard input's lines, read on a thread of their own (a blocking read has no place on
/// the runtime); the channel closes at end of input.
fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_client::ErrorCode;
    use duet_client::protocol::Peer;
    use std::time::Duration;

    fn id(n: u8) -> UserId {
        format!("00000000-0000-4000-8000-0000000000{n:02x}")
            .parse()
            .unwrap()
    }

    fn room() -> duet_client::RoomId {
        "00000000-0000-4000-8000-000000000099".parse().unwrap()
    }

    fn peer(name: &str) -> Peer {
        Peer {
            user_id: id(2),
            name: name.to_owned(),
        }
    }

    fn out(text: &str) -> Line {
        Line::Out(text.to_owned())
    }

    fn assign(peer: Option<Peer>) -> Event {
        Event::Message(ServerMsg::PlayerAssign {
            room_id: room(),
            symbol: duet_client::games::Symbol::X,
            is_player1: true,
            peer,
            game: None,
        })
    }

    #[test]
    fn arrivals_departures_and_lines_read_like_a_conversation() {
        let mut view = ChatView::new(id(1), "Pairing".into());
        let first = view.show(&assign(None));
        assert_eq!(first.len(), 1);
        assert!(matches!(&first[0], Line::Out(t) if t.starts_with("* You are in “Pairing”")));
        assert_eq!(
            view.show(&Event::Message(ServerMsg::Ready {
                room_id: room(),
                peer: peer("Ada")
            })),
            [out("* Ada joined")]
        );
        let line = |sender_id, sender: &str| {
            Event::Message(ServerMsg::ChatMessage {
                room_id: room(),
                message: "hi".into(),
                sender: sender.into(),
                sender_id,
                sent_at: 0,
            })
        };
        assert_eq!(view.show(&line(id(2), "Ada")), [out("Ada: hi")]);
        assert_eq!(
            view.show(&line(id(1), "Me")),
            [],
            "own lines are not echoed"
        );
        assert_eq!(
            view.show(&Event::Message(ServerMsg::PeerLeft { room_id: room() })),
            [out("* Ada left")]
        );
    }

    #[test]
    fn a_reconnect_is_told_once_and_a_peer_still_there_is_not_announced_again() {
        let mut view = ChatView::new(id(1), "R".into());
        view.show(&assign(Some(peer("Ada"))));
        let lost = |attempt| Event::Disconnected {
            attempt,
            retry_in: Duration::from_millis(300),
            reason: Error::Disconnected,
        };
        assert_eq!(
            view.show(&lost(1)),
            [out("* Connection lost; reconnecting…")]
        );
        assert_eq!(view.show(&lost(2)), []);
        assert_eq!(
            view.show(&Event::Reconnected {
                rejoining: Some(room())
            }),
            [out("* Reconnected.")]
        );
        assert_eq!(view.show(&assign(Some(peer("Ada")))), []);
        // Back, but Ada did not come back.
        assert_eq!(view.show(&assign(None)), [out("* Ada left")]);
    }

    #[test]
    fn refusals_go_to_stderr() {
        let mut view = ChatView::new(id(1), "R".into());
        let lines = view.show(&Event::Message(ServerMsg::error(
            ErrorCode::RateLimited,
            "slow down",
        )));
        assert_eq!(
            lines,
            [Line::Err("refused: slow down (rate-limited)".into())]
        );
    }

    #[test]
    fn watch_prints_protocol_json_and_connection_changes() {
        let msg = watch_line(&Event::Message(ServerMsg::PeerLeft { room_id: room() }));
        assert_eq!(
            msg,
            format!(r#"{{"roomId":"{}","type":"peer-left"}}"#, room())
        );
        let lost: serde_json::Value = serde_json::from_str(&watch_line(&Event::Disconnected {
            attempt: 2,
            retry_in: Duration::from_millis(750),
            reason: Error::Disconnected,
        }))
        .unwrap();
        assert_eq!(lost["type"], "disconnected");
        assert_eq!(lost["attempt"], 2);
        assert_eq!(lost["retryInMs"], 750);
    }
}
