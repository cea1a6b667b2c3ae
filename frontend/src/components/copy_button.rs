//! A button that copies a text (a room link) and says so.

use crate::browser;
use crate::components::icons::{Icon, Svg};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// Copies `text` to the clipboard; the label confirms or explains a refusal.
#[component]
pub fn CopyButton(
    /// What to copy.
    #[prop(into)]
    text: Signal<String>,
    /// The button's label.
    #[prop(default = "Copy link")]
    label: &'static str,
) -> impl IntoView {
    let state = RwSignal::new(None::<bool>);
    let copy = move |_| {
        spawn_local(async move {
            let ok = browser::copy_text(&text.get_untracked()).await;
            state.set(Some(ok));
            browser::sleep(Duration::from_secs(2)).await;
            state.set(None);
        });
    };
    view! {
        <button type="button" class="btn" on:click=copy data-testid="copy-link">
            <Svg icon=Icon::Copy />
            <span aria-live="polite">
                {move || match state.get() {
                    None => label,
                    Some(true) => "Copied!",
                    Some(false) => "Copying was blocked; select the link instead",
                }}
            </span>
        </button>
    }
}
