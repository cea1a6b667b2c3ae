//! The signaling WebSocket (`/ws`, same origin, cookie-authenticated): sends
//! [`ClientMsg`]s, delivers decoded [`ServerMsg`]s to one callback. Reconnecting is
//! the caller's decision (see `call`), since rejoining the room is part of it.
//! [`outbound`] and [`inbound`] are the edge where the call's one [`Description`]
//! becomes the wire's `offer`/`answer` messages and back.

use crate::call::io::{Description, DescriptionKind, Inbound, Outbound};
use duet_shared::RoomId;
use duet_shared::games::GameType;
use duet_shared::games::tictactoe::Move;
use duet_shared::protocol::{ClientMsg, SdpType, ServerMsg, SessionDescription};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, Event, MessageEvent, WebSocket};

/// What happened on the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketEvent {
    /// Connected; messages can be sent.
    Open,
    /// A message from the server.
    Message(ServerMsg),
    /// The connection ended (or never opened); `code` is the WebSocket close code.
    Closed {
        /// The close code (1006 when the connection failed or dropped).
        code: u16,
    },
}

/// One signaling connection. Dropping it closes the socket and frees its handlers.
pub struct Signaling {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Signaling {
    /// Opens `/ws` on the page's own host; every event goes to `on_event`.
    pub fn connect(on_event: impl Fn(SocketEvent) + 'static) -> Result<Signaling, String> {
        let location = web_sys::window().ok_or("no window")?.location();
        let scheme = match location.protocol().as_deref() {
            Ok("https:") => "wss",
            _ => "ws",
        };
        let host = location.host().map_err(|_| "no host")?;
        let ws = WebSocket::new(&format!("{scheme}://{host}/ws"))
            .map_err(|e| format!("could not open the signaling socket: {e:?}"))?;

        let on_event = std::rc::Rc::new(on_event);
        let on_open = {
            let on_event = on_event.clone();
            Closure::<dyn FnMut(Event)>::new(move |_| on_event(SocketEvent::Open))
        };
        let on_message = {
            let on_event = on_event.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
                let Some(text) = ev.data().as_string() else {
                    return;
                };
                match serde_json::from_str::<ServerMsg>(&text) {
                    Ok(msg) => on_event(SocketEvent::Message(msg)),
                    // A newer server may speak messages this build does not know yet.
                    Err(e) => leptos::logging::warn!("ignoring a signaling message: {e}"),
                }
            })
        };
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |ev: CloseEvent| {
            on_event(SocketEvent::Closed { code: ev.code() });
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Signaling {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Whether messages can be sent.
    pub fn is_open(&self) -> bool {
        self.ws.ready_state() == WebSocket::OPEN
    }

    /// Sends `msg`; `false` when the socket is not open (the message is dropped).
    pub fn send(&self, msg: &ClientMsg) -> bool {
        if !self.is_open() {
            return false;
        }
        match serde_json::to_string(msg) {
            Ok(text) => self.ws.send_with_str(&text).is_ok(),
            Err(_) => false,
        }
    }
}

impl Drop for Signaling {
    fn drop(&mut self) {
        // Detach first: the closures die with `self`, and a late event must not call them.
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

/// The wire message for `msg` in room `room_id`.
pub fn outbound(room_id: RoomId, msg: Outbound) -> ClientMsg {
    let game_type = GameType::TicTacToe;
    match msg {
        Outbound::Join => ClientMsg::JoinRoom { room_id },
        Outbound::Leave => ClientMsg::LeaveRoom { room_id },
        Outbound::Description(Description { kind, sdp }) => match kind {
            DescriptionKind::Offer => ClientMsg::Offer {
                room_id,
                offer: SessionDescription {
                    kind: SdpType::Offer,
                    sdp,
                },
            },
            DescriptionKind::Answer => ClientMsg::Answer {
                room_id,
                answer: SessionDescription {
                    kind: SdpType::Answer,
                    sdp,
                },
            },
        },
        Outbound::Candidate(candidate) => ClientMsg::IceCandidate { room_id, candidate },
        Outbound::Chat(message) => ClientMsg::ChatMessage { room_id, message },
        Outbound::GameSelect => ClientMsg::GameSelect { room_id, game_type },
        Outbound::GameMove(cell) => ClientMsg::GameMove {
            room_id,
            game_type,
            move_data: Move { cell },
        },
        Outbound::GameReset => ClientMsg::GameReset { room_id, game_type },
    }
}

/// A server message as the call takes it: the wire's `offer` and `answer` become
/// one [`Description`], whose kind is the message's (not the nested `type`).
pub fn inbound(msg: ServerMsg) -> Inbound {
    match msg {
        ServerMsg::Offer { offer, .. } => Inbound::Description(Description {
            kind: DescriptionKind::Offer,
            sdp: offer.sdp,
        }),
        ServerMsg::Answer { answer, .. } => Inbound::Description(Description {
            kind: DescriptionKind::Answer,
            sdp: answer.sdp,
        }),
        other => Inbound::Server(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_become_the_wire_offer_and_answer_and_back() {
        let room_id: RoomId = "10000000-0000-0000-0000-000000000000"
            .parse()
            .expect("a valid uuid");
        for kind in [DescriptionKind::Offer, DescriptionKind::Answer] {
            let desc = Description {
                kind,
                sdp: "v=0\r\n".into(),
            };
            let wire = outbound(room_id, Outbound::Description(desc.clone()));
            let json = serde_json::to_value(&wire).expect("serializes");
            let name = if kind == DescriptionKind::Offer {
                "offer"
            } else {
                "answer"
            };
            assert_eq!(json["type"], name);
            assert_eq!(json[name]["type"], name);
            // The server relays the same body under the same name.
            let relayed: ServerMsg = serde_json::from_value(json).expect("a server message too");
            assert_eq!(inbound(relayed), Inbound::Description(desc));
        }
        let other = ServerMsg::PeerLeft { room_id };
        assert_eq!(inbound(other.clone()), Inbound::Server(other));
    }
}
