//! The files panel: pick files (or drop them anywhere on the call) to offer them;
//! each transfer shows its name, size and type, then Accept/Decline, progress with
//! speed and time left, Cancel, and a save link once the file is verified.

use crate::call::{Call, CallView};
use crate::files::{TransferState, TransferView};
use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::JsCast;
use web_sys::{FileList, HtmlInputElement};

/// Incoming offers waiting for this person's answer.
pub fn waiting(files: &[TransferView]) -> usize {
    files
        .iter()
        .filter(|t| t.state == TransferState::Asking)
        .count()
}

/// The files of a `FileList` (from the picker or a drop).
pub fn file_list(list: Option<FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Files sent and received in this call.
#[component]
pub fn FilesPanel(
    /// The call to send through.
    call: StoredValue<Call>,
    /// Its state.
    view: CallView,
) -> impl IntoView {
    let on_pick = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let files = file_list(input.files());
        // The same file can be picked again.
        input.set_value("");
        if !files.is_empty() {
            call.with_value(|c| c.send_files(files));
        }
    };
    view! {
        <section class="files" aria-labelledby="files-title" data-testid="files-panel">
            <h2 id="files-title" class="panel-title">"Files"</h2>
            <p class="muted">"Files go straight to the other person, never through the server."</p>
            <label class="btn" for="file-input">"Send files…"</label>
            <input
                id="file-input"
                data-testid="file-input"
                class="sr-only"
                type="file"
                multiple
                on:change=on_pick
            />
            <ol class="transfers" aria-live="polite">
                <For
                    each=move || view.files.get()
                    key=|t| (t.outgoing, t.id, t.name.clone())
                    children=move |t| {
                        let (id, outgoing, size) = (t.id, t.outgoing, t.size);
                        let name = t.name.clone();
                        let current = Memo::new(move |_| {
                            view.files.with(|f| {
                                f.iter().rev().find(|x| x.id == id && x.outgoing == outgoing).map(|x| x.state.clone())
                            })
                        });
                        view! {
                            <li
                                class="transfer"
                                data-testid="transfer"
                                data-direction=if outgoing { "out" } else { "in" }
                                data-name=t.name.clone()
                                data-state=move || current.get().map(|s| state_key(&s)).unwrap_or("gone")
                            >
                                <p class="transfer-name">
                                    <strong>{t.name.clone()}</strong>
                                    " · "{size_text(t.size)}" · "{if t.mime.is_empty() { "unknown type".to_owned() } else { t.mime.clone() }}
                                </p>
                                <TransferLine call id outgoing size name=name.clone() current />
                            </li>
                        }
                    }
                />
            </ol>
        </section>
    }
}

/// One transfer's state in words, with what the person can do about it. The
/// buttons stay in place while the figures change, so a click is never lost to a
/// redraw.
#[component]
fn TransferLine(
    call: StoredValue<Call>,
    id: u32,
    outgoing: bool,
    size: u64,
    name: String,
    current: Memo<Option<TransferState>>,
) -> impl IntoView {
    let key = Memo::new(move |_| current.get().map_or("gone", |s| state_key(&s)));
    let cancel_button = move || {
        view! {
            <button
                type="button"
                class="btn small"
                data-testid="transfer-cancel"
                on:click=move |_| call.with_value(|c| c.cancel_file(outgoing, id))
            >
                "Cancel"
            </button>
        }
    };
    let answer = move |accept: bool| call.with_value(|c| c.answer_file(id, accept));
    let moving = move || match current.get() {
        Some(TransferState::Moving {
            done,
            speed,
            left,
            paused,
        }) => (done, speed, left, paused),
        _ => (0, None, None, false),
    };
    move || {
        match key.get() {
        "offered" => view! { <p class="transfer-status">"Waiting for an answer…"</p>{cancel_button()} }.into_any(),
        "asking" => view! {
            <p class="transfer-status">"Wants to send you this file."</p>
            <button type="button" class="btn primary small" data-testid="transfer-accept" on:click=move |_| answer(true)>"Accept"</button>
            <button type="button" class="btn small" data-testid="transfer-decline" on:click=move |_| answer(false)>"Decline"</button>
        }.into_any(),
        "queued" => view! { <p class="transfer-status">"Waiting its turn…"</p>{cancel_button()} }.into_any(),
        "moving" | "paused" => view! {
            <progress
                max=size.to_string()
                value=move || moving().0.to_string()
                data-testid="transfer-progress"
                data-done=move || moving().0.to_string()
            ></progress>
            <p class="transfer-status" data-testid="transfer-figures">
                {move || {
                    let (done, speed, left, paused) = moving();
                    progress_text(done, size, speed, left, paused)
                }}
            </p>
            {cancel_button()}
        }.into_any(),
        "checking" => view! { <p class="transfer-status">"Sent; the other side is checking it…"</p> }.into_any(),
        "sent" => view! { <p class="transfer-status">"Sent and verified."</p> }.into_any(),
        "ready" | "verified" => match current.get_untracked() {
            Some(TransferState::Ready(Some(url))) => view! {
                <p class="transfer-status">"Received and verified (SHA-256)."</p>
                <a class="btn primary small" data-testid="transfer-save" href=url download=name.clone()>"Save"</a>
            }.into_any(),
            _ => view! { <p class="transfer-status">"Received and verified."</p> }.into_any(),
        },
        _ => {
            let reason = match current.get_untracked() {
                Some(TransferState::Declined(reason)) => reason.unwrap_or_else(|| "Declined.".into()),
                Some(TransferState::Cancelled(true)) => "You cancelled it.".into(),
                Some(TransferState::Cancelled(false)) => "Cancelled by the other person.".into(),
                Some(TransferState::Failed(reason)) => format!("Failed: {reason}."),
                _ => String::new(),
            };
            view! { <p class="transfer-status" data-testid="transfer-reason">{reason}</p> }.into_any()
        }
    }
    }
}

/// A short key for tests and styles.
fn state_key(state: &TransferState) -> &'static str {
    match state {
        TransferState::Offered => "offered",
        TransferState::Asking => "asking",
        TransferState::Queued => "queued",
        TransferState::Moving { paused: true, .. } => "paused",
        TransferState::Moving { .. } => "moving",
        TransferState::Checking => "checking",
        TransferState::Sent => "sent",
        TransferState::Ready(Some(_)) => "ready",
        TransferState::Ready(None) => "verified",
        TransferState::Declined(_) => "declined",
        TransferState::Cancelled(_) => "cancelled",
        TransferState::Failed(_) => "failed",
    }
}

/// `n` bytes in words: "0 B", "512 KB", "50.0 MB", "1.2 GB" (powers of 1024).
pub fn size_text(n: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut unit = 0;
    let mut whole = n / 1024;
    let mut tenths = (n % 1024) * 10 / 1024;
    while whole >= 1024 && unit + 1 < UNITS.len() {
        tenths = (whole % 1024) * 10 / 1024;
        whole /= 1024;
        unit += 1;
    }
    if whole >= 100 || unit == 0 {
        format!("{whole} {}", UNITS[unit])
    } else {
        format!("{whole}.{tenths} {}", UNITS[unit])
    }
}

/// "12.0 MB of 50.0 MB · 8.1 MB/s · 5 s left".
fn progress_text(
    done: u64,
    size: u64,
    speed: Option<u64>,
    left: Option<Duration>,
    paused: bool,
) -> String {
    let mut text = format!("{} of {}", size_text(done), size_text(size));
    if paused {
        text.push_str(" · paused: waiting for the connection");
    } else if let Some(speed) = speed {
        text.push_str(&format!(" · {}/s", size_text(speed)));
        if let Some(left) = left {
            text.push_str(&format!(" · {} left", duration_text(left)));
        }
    }
    text
}

/// "5 s", "2 min 5 s", "1 h 3 min".
fn duration_text(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_speeds_and_times_in_words() {
        for (n, text) in [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1 KB"),
            (50 * 1024 * 1024, "50.0 MB"),
            (1536 * 1024 * 1024, "1.5 GB"),
            (700 * 1024 * 1024, "700 MB"),
        ] {
            assert_eq!(size_text(n), text);
        }
        assert_eq!(
            progress_text(
                12 << 20,
                50 << 20,
                Some(8 << 20),
                Some(Duration::from_millis(4_750)),
                false
            ),
            "12.0 MB of 50.0 MB · 8.0 MB/s · 4 s left"
        );
        assert_eq!(
            progress_text(1, 2, Some(5), None, true),
            "1 B of 2 B · paused: waiting for the connection"
        );
        assert_eq!(duration_text(Duration::from_secs(3_725)), "1 h 2 min");
        assert_eq!(duration_text(Duration::from_secs(125)), "2 min 5 s");
    }
}
