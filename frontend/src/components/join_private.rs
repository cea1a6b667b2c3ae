//! "Join a private room": paste a link or an id.

use crate::browser;
use crate::links::{parse_room, room_path};
use leptos::prelude::*;

/// The form that opens a private room from its link or id.
#[component]
pub fn JoinPrivate() -> impl IntoView {
    let input = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match parse_room(&input.get_untracked()) {
            Some(id) => browser::open_page(&room_path(id)),
            None => error.set(Some(
                "That is not a room link or id. It looks like https://…/room/1b2c… or just the id."
                    .into(),
            )),
        }
    };
    view! {
        <form class="join-private card" on:submit=submit novalidate=true>
            <h2>"Join a private room"</h2>
            <p class="muted">"Private rooms are not listed. Paste the link or the id you were given."</p>
            <div class="field" class:invalid=move || error.with(Option::is_some)>
                <label for="private-room">"Room link or id"</label>
                <div class="inline">
                    <input
                        id="private-room"
                        data-testid="private-room-input"
                        placeholder="https://…/room/…"
                        autocomplete="off"
                        aria-invalid=move || error.with(Option::is_some).then_some("true")
                        aria-describedby="private-room-error"
                        bind:value=input
                        on:input=move |_| error.set(None)
                    />
                    <button type="submit" class="btn primary" data-testid="join-private-submit">
                        "Join"
                    </button>
                </div>
                <p class="field-error" id="private-room-error" role="alert">
                    {move || error.get()}
                </p>
            </div>
        </form>
    }
}
