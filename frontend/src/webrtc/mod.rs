//! Everything WebRTC, behind plain Rust types: [`media`] (camera, microphone,
//! screen, showing a stream) and [`peer`] (the connection, perfect negotiation).
//! Views never see a `JsValue`; they see signals set from [`peer::PeerEvent`]s.
//!
//! Test hook: `window.__duet.pc` is the live `RTCPeerConnection` (or `null`), so
//! end-to-end tests can read `getStats()` and the senders' tracks, and
//! `window.__duet.log` lists the last negotiation steps (to explain a failed test).
//! Neither exposes anything a script on the page could not reach anyway.

pub mod media;
pub mod peer;
pub mod stats;

use wasm_bindgen::{JsCast, JsValue};
use web_sys::RtcPeerConnection;

/// Publishes `pc` as `window.__duet.pc`.
fn expose_for_tests(pc: &RtcPeerConnection) {
    set_hook(pc.as_ref());
}

/// Clears `window.__duet.pc` if it is still `pc` (a newer connection stays published).
fn forget_for_tests(pc: &RtcPeerConnection) {
    let pc: &JsValue = pc.as_ref();
    if hook().is_some_and(|current| current == *pc) {
        set_hook(&JsValue::NULL);
    }
}

/// Most negotiation steps kept in `window.__duet.log`.
const LOG_LINES: u32 = 200;

/// Appends a negotiation step to `window.__duet.log`.
fn trace(line: &str) {
    let Some(duet) = duet_object() else { return };
    let log = js_sys::Reflect::get(&duet, &"log".into())
        .ok()
        .and_then(|l| l.dyn_into::<js_sys::Array>().ok())
        .unwrap_or_else(|| {
            let log = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&duet, &"log".into(), &log);
            log
        });
    // Milliseconds, last five digits: enough to order steps; integer formatting keeps
    // float printing out of the bundle.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let ms = js_sys::Date::now() as u64 % 100_000;
    log.push(&JsValue::from_str(&format!("{ms} {line}")));
    if log.length() > LOG_LINES {
        log.shift();
    }
}

/// `window.__duet`, created on first use.
fn duet_object() -> Option<JsValue> {
    let window = web_sys::window()?;
    let duet = js_sys::Reflect::get(&window, &"__duet".into())
        .ok()
        .filter(JsValue::is_object)
        .unwrap_or_else(|| js_sys::Object::new().into());
    js_sys::Reflect::set(&window, &"__duet".into(), &duet).ok()?;
    Some(duet)
}

fn hook() -> Option<JsValue> {
    let window = web_sys::window()?;
    let duet = js_sys::Reflect::get(&window, &"__duet".into()).ok()?;
    js_sys::Reflect::get(&duet, &"pc".into()).ok()
}

fn set_hook(value: &JsValue) {
    if let Some(duet) = duet_object() {
        let _ = js_sys::Reflect::set(&duet, &"pc".into(), value);
    }
}
