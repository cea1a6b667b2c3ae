//! The "New room" dialog: name, type, public or private. A private room's link is
//! shown with a copy button, since nobody can find it otherwise.

use crate::api;
use crate::browser;
use crate::components::copy_button::CopyButton;
use crate::components::form::{FormError, TextField};
use crate::components::room_card::type_label;
use crate::links::{room_link, room_path};
use duet_shared::api::{CreateRoomRequest, Room, RoomStatus, RoomType};
use duet_shared::limits::MAX_ROOM_NAME_CHARS;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The dialog, shown while `open` is true. `on_created` hears of every new room.
#[component]
pub fn NewRoomDialog(
    /// Whether the dialog shows.
    open: RwSignal<bool>,
    /// Called with each room made.
    on_created: Callback<Room>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let room_type = RwSignal::new(RoomType::Game);
    let private = RwSignal::new(false);
    let name_error = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let created = RwSignal::new(None::<Room>);

    let close = move || {
        open.set(false);
        created.set(None);
        name.set(String::new());
        error.set(None);
        name_error.set(None);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = CreateRoomRequest {
            name: name.get_untracked().trim().to_owned(),
            room_type: room_type.get_untracked(),
            status: if private.get_untracked() {
                RoomStatus::Private
            } else {
                RoomStatus::Public
            },
        };
        if body.name.is_empty() {
            name_error.set(Some("Give the room a name.".into()));
            return;
        }
        busy.set(true);
        name_error.set(None);
        error.set(None);
        spawn_local(async move {
            let result = api::create_room(&body).await;
            busy.set(false);
            match result {
                Ok(room) => {
                    on_created.run(room.clone());
                    if room.status == RoomStatus::Public {
                        open.set(false);
                        name.set(String::new());
                        browser::open_page(&room_path(room.id));
                    } else {
                        created.set(Some(room));
                    }
                }
                Err(e) if e.field() == Some("name") => name_error.set(Some(e.to_string())),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    let form = move || {
        view! {
            <form on:submit=submit novalidate=true>
                <TextField
                    id="room-name"
                    label="Room name"
                    value=name
                    maxlength=MAX_ROOM_NAME_CHARS
                    error=name_error
                    autofocus=true
                />
                <div class="field">
                    <label for="room-type">"Type"</label>
                    <select
                        id="room-type"
                        data-testid="room-type"
                        on:change=move |ev| {
                            if let Ok(t) = event_target_value(&ev).parse() {
                                room_type.set(t);
                            }
                        }
                    >
                        {RoomType::ALL
                            .into_iter()
                            .map(|t| {
                                view! {
                                    <option value=t.as_str() selected=move || room_type.get() == t>
                                        {type_label(t)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <p class="hint">"Game rooms offer Tic-Tac-Toe during the call."</p>
                </div>
                <fieldset class="field choices">
                    <legend>"Who can find it"</legend>
                    <label class="choice">
                        <input
                            type="radio"
                            name="visibility"
                            value="public"
                            data-testid="visibility-public"
                            prop:checked=move || !private.get()
                            on:change=move |_| private.set(false)
                        />
                        <span>
                            <strong>"Public"</strong>
                            " — listed in the lobby for everyone"
                        </span>
                    </label>
                    <label class="choice">
                        <input
                            type="radio"
                            name="visibility"
                            value="private"
                            data-testid="visibility-private"
                            prop:checked=move || private.get()
                            on:change=move |_| private.set(true)
                        />
                        <span>
                            <strong>"Private"</strong>
                            " — only people with the link can join"
                        </span>
                    </label>
                </fieldset>
                <FormError error=error />
                <div class="dialog-actions">
                    <button type="button" class="btn ghost" on:click=move |_| close()>
                        "Cancel"
                    </button>
                    <button
                        type="submit"
                        class="btn primary"
                        disabled=busy
                        data-testid="create-room-submit"
                    >
                        {move || if busy.get() { "Creating…" } else { "Create room" }}
                    </button>
                </div>
            </form>
        }
    };

    let done = move |room: Room| {
        let link = room_link(&browser::origin(), room.id);
        let id = room.id.to_string();
        view! {
            <div class="created" data-testid="private-room-created">
                <p>
                    "Your private room " <strong>{room.name.clone()}</strong>
                    " is ready. It is not listed in the lobby: share its link or id."
                </p>
                <div class="field">
                    <label for="private-link">"Link"</label>
                    <input
                        id="private-link"
                        readonly=true
                        value=link.clone()
                        data-testid="private-room-link"
                        on:focus=move |ev| select_all(&ev)
                    />
                </div>
                <div class="field">
                    <label for="private-id">"Room id"</label>
                    <input
                        id="private-id"
                        readonly=true
                        value=id
                        data-testid="private-room-id"
                        on:focus=move |ev| select_all(&ev)
                    />
                </div>
                <div class="dialog-actions">
                    <CopyButton text=link />
                    <a href=room_path(room.id) rel="external" class="btn primary" data-testid="enter-room">
                        "Enter the room"
                    </a>
                </div>
            </div>
        }
    };

    view! {
        <Show when=move || open.get()>
            <div class="backdrop" on:click=move |_| close()></div>
            <div
                class="dialog card"
                role="dialog"
                aria-modal="true"
                aria-labelledby="new-room-title"
                data-testid="new-room-dialog"
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        close();
                    }
                }
            >
                <h2 id="new-room-title">
                    {move || if created.with(Option::is_some) { "Room created" } else { "New room" }}
                </h2>
                {move || match created.get() {
                    Some(room) => done(room).into_any(),
                    None => form().into_any(),
                }}
            </div>
        </Show>
    }
}

/// Selects the whole text of the focused input, so it can be copied by hand.
fn select_all(ev: &leptos::ev::FocusEvent) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
    {
        input.select();
    }
}
