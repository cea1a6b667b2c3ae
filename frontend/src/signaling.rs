//! The signaling WebSocket (`/ws`, same origin, cookie-authenticated): sends
//! [`ClientMsg`]s, delivers decoded [`ServerMsg`]s to one callback. Reconnecting is
//! the caller's decision (see `call`), since rejoining the room is part of it.

use duet_shared::protocol::{ClientMsg, ServerMsg};
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
