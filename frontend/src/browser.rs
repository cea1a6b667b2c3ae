//! The few browser services the views need besides WebRTC and signaling: the clock,
//! the page's address and title, the clipboard and timers. Kept here so views stay
//! free of web-sys calls.

use futures::channel::oneshot;
use std::time::Duration;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// Removes the "Loading Duet…" placeholder once the app has mounted.
pub fn remove_boot_message() {
    if let Some(el) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        el.remove();
    }
}

/// Opens `path` with a full page load, as a link to the other app must (the lobby and
/// the call are separate WASM modules, each page served with its own).
pub fn open_page(path: &str) {
    if let Some(window) = window() {
        let _ = window.location().assign(path);
    }
}

/// Loads `path` from the server in place of the current history entry, unless this page
/// was loaded for `path` that way moments ago: then the server answers it with the same
/// app, and loading again would loop. `true` when the load was started.
pub fn load_page_once(path: &str) -> bool {
    const KEY: &str = "duet-loaded-for";
    let Some(window) = window() else {
        return false;
    };
    let storage = window.session_storage().ok().flatten();
    let now = js_sys::Date::now();
    let recent = storage
        .as_ref()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|v| {
            let (at, loaded) = v.split_once(' ')?;
            Some((at.parse::<f64>().ok()?, loaded.to_owned()))
        })
        .is_some_and(|(at, loaded)| loaded == path && now - at < 10_000.0);
    if recent {
        return false;
    }
    if let Some(storage) = storage {
        // Without storage the guard is off, and the load still happens.
        let _ = storage.set_item(KEY, &format!("{now} {path}"));
    }
    window.location().replace(path).is_ok()
}

/// Sets the tab's title to "`page` · Duet".
pub fn set_title(page: &str) {
    if let Some(doc) = window().and_then(|w| w.document()) {
        doc.set_title(&if page.is_empty() {
            "Duet".to_owned()
        } else {
            format!("{page} · Duet")
        });
    }
}

/// The page's origin, e.g. `https://duet.example.org`.
pub fn origin() -> String {
    window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// A Unix-millisecond time as the person's local `HH:MM`.
pub fn local_time(ms: i64) -> String {
    // Precision loss is irrelevant below 2^53 ms (year 285 616).
    #[allow(clippy::cast_precision_loss)]
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// A Unix-millisecond time as the person's local date, e.g. `24 Nov 2026`.
pub fn local_date(ms: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    #[allow(clippy::cast_precision_loss)]
    let date = js_sys::Date::new(&JsValue::from_f64(ms as f64));
    let month = MONTHS.get(date.get_month() as usize).copied().unwrap_or("");
    format!("{} {month} {}", date.get_date(), date.get_full_year())
}

/// Encodes `s` for use inside a URL query value.
pub fn encode_component(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

/// Copies `text` to the clipboard; `false` when the browser refused.
pub async fn copy_text(text: &str) -> bool {
    let Some(clipboard) = window().map(|w| w.navigator().clipboard()) else {
        return false;
    };
    JsFuture::from(clipboard.write_text(text)).await.is_ok()
}

/// Resolves after `duration` (a `setTimeout` as a future).
pub async fn sleep(duration: Duration) {
    let (tx, rx) = oneshot::channel::<()>();
    leptos::prelude::set_timeout(
        move || {
            let _ = tx.send(());
        },
        duration,
    );
    let _ = rx.await;
}

/// Whether the page is visible (not in a background tab), to skip needless polling.
pub fn page_visible() -> bool {
    window()
        .and_then(|w| w.document())
        .is_none_or(|d| !d.hidden())
}
