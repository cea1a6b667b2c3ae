//! One room in the lobby: name, type, who made it, and who is in it now.

use crate::browser;
use crate::components::copy_button::CopyButton;
use crate::components::icons::{Icon, Svg};
use crate::links::{room_link, room_path};
use duet_shared::api::{Room, RoomStatus, RoomType};
use duet_shared::limits::ROOM_CAPACITY;
use leptos::prelude::*;

/// A room type as a person reads it.
pub fn type_label(t: RoomType) -> &'static str {
    match t {
        RoomType::Game => "Game",
        RoomType::Business => "Business",
        RoomType::Coding => "Coding",
        RoomType::Learning => "Learning",
        RoomType::Language => "Language",
    }
}

/// Occupancy in words, e.g. "1/2 waiting".
pub fn occupancy(n: u8) -> String {
    let state = match usize::from(n) {
        0 => "empty",
        n if n >= ROOM_CAPACITY => "full",
        _ => "waiting",
    };
    format!("{n}/{ROOM_CAPACITY} {state}")
}

/// A room's card; `own` rooms can be deleted with `on_delete`.
#[component]
pub fn RoomCard(
    /// The room.
    room: Room,
    /// Whether the signed-in user made it.
    own: bool,
    /// Deletes the room (asked only for own rooms, after a confirmation).
    on_delete: Callback<Room>,
) -> impl IntoView {
    let full = usize::from(room.occupants) >= ROOM_CAPACITY;
    let private = room.status == RoomStatus::Private;
    let confirming = RwSignal::new(false);
    let href = room_path(room.id);
    let link = room_link(&browser::origin(), room.id);
    let name = room.name.clone();
    let deleted = room.clone();
    view! {
        <article
            class="room-card"
            class:full=full
            data-testid="room-card"
            data-room-id=room.id.to_string()
            aria-label=format!("Room {}", room.name)
        >
            <div class="room-card-head">
                <span class=format!("tag type-{}", room.room_type.as_str())>
                    {type_label(room.room_type)}
                </span>
                {private
                    .then(|| {
                        view! {
                            <span class="tag private">
                                <Svg icon=Icon::Lock />
                                "Private"
                            </span>
                        }
                    })}
                <span
                    class="occupancy"
                    class:waiting=room.occupants == 1
                    data-testid="room-occupancy"
                >
                    <span class="dot" aria-hidden="true"></span>
                    {occupancy(room.occupants)}
                </span>
            </div>
            <h3 class="room-name">{name}</h3>
            <p class="room-meta">
                "by " {if own { "you".to_owned() } else { room.created_by.name.clone() }} " · "
                {browser::local_date(room.created_at)}
            </p>
            <div class="room-actions">
                {if full {
                    view! {
                        <span class="btn disabled" aria-disabled="true">
                            "Full"
                        </span>
                    }
                        .into_any()
                } else {
                    view! {
                        <a href=href rel="external" class="btn primary" data-testid="join-room">
                            "Join"
                        </a>
                    }
                        .into_any()
                }}
                {private.then(|| view! { <CopyButton text=link /> })}
                {own
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="btn ghost danger"
                                data-testid="delete-room"
                                on:click=move |_| {
                                    if confirming.get_untracked() {
                                        on_delete.run(deleted.clone());
                                    } else {
                                        confirming.set(true);
                                    }
                                }
                                on:blur=move |_| confirming.set(false)
                            >
                                {move || if confirming.get() { "Confirm delete" } else { "Delete" }}
                            </button>
                        }
                    })}
            </div>
        </article>
    }
}
