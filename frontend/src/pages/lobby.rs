//! The lobby: public rooms (and your private ones) with live occupancy, search and
//! type filter, a "New room" dialog, and a tab to join a private room by link.

use crate::api;
use crate::auth::use_auth;
use crate::browser;
use crate::components::icons::{Icon, Svg};
use crate::components::join_private::JoinPrivate;
use crate::components::new_room_dialog::NewRoomDialog;
use crate::components::room_card::{RoomCard, type_label};
use crate::components::top_bar::TopBar;
use duet_shared::api::{Room, RoomFilter, RoomType};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// How often the list (and its occupancy) refreshes while the lobby is visible.
const REFRESH_EVERY: Duration = Duration::from_secs(4);
/// Pause after the last keystroke before searching.
const SEARCH_DELAY: Duration = Duration::from_millis(250);

/// What the list area shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Listing {
    Loading,
    Empty,
    NoMatch,
    Rooms,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Public,
    Private,
}

/// The lobby page.
#[component]
pub fn Lobby() -> impl IntoView {
    browser::set_title("Lobby");
    let auth = use_auth();
    let me = auth.user.get_untracked().map(|u| u.id);

    let tab = RwSignal::new(Tab::Public);
    let dialog_open = RwSignal::new(false);
    let type_filter = RwSignal::new(None::<RoomType>);
    let search_input = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let rooms = RwSignal::new(None::<Vec<Room>>);
    let error = RwSignal::new(None::<String>);
    // Only the newest request may set the list: an older, slower one must not win.
    let latest = StoredValue::new(0u64);

    let load = move || {
        let filter = RoomFilter {
            room_type: type_filter.get_untracked(),
            q: Some(search.get_untracked()),
        };
        let n = latest.get_value() + 1;
        latest.set_value(n);
        spawn_local(async move {
            let result = api::rooms(&filter).await;
            if latest.try_get_value() != Some(n) {
                return;
            }
            match result {
                Ok(list) => {
                    rooms.set(Some(list));
                    error.set(None);
                }
                Err(e) if e.is_unauthorized() => auth.signed_out(),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };

    Effect::new(move |_| {
        type_filter.track();
        search.track();
        load();
    });
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if browser::page_visible() {
                load();
            }
        },
        REFRESH_EVERY,
    ) {
        on_cleanup(move || handle.clear());
    }

    let typing = StoredValue::new(0u64);
    let on_search = move |ev: leptos::ev::Event| {
        search_input.set(event_target_value(&ev));
        let n = typing.get_value() + 1;
        typing.set_value(n);
        set_timeout(
            move || {
                if typing.try_get_value() == Some(n) {
                    search.set(search_input.get_untracked().trim().to_owned());
                }
            },
            SEARCH_DELAY,
        );
    };
    let clear_filters = move |_| {
        search_input.set(String::new());
        search.set(String::new());
        type_filter.set(None);
    };
    let on_delete = Callback::new(move |room: Room| {
        spawn_local(async move {
            match api::delete_room(room.id).await {
                Ok(()) => load(),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    });
    let on_created = Callback::new(move |_room: Room| load());

    let tab_button = move |which: Tab, label: &'static str, testid: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                class="tab"
                id=format!("tab-{testid}")
                aria-controls=format!("panel-{testid}")
                aria-selected=move || (tab.get() == which).to_string()
                class:active=move || tab.get() == which
                data-testid=testid
                on:click=move |_| tab.set(which)
            >
                {label}
            </button>
        }
    };

    // The list's state changes rarely; the cards update in place on each refresh
    // (re-rendering everything every few seconds would steal focus).
    let shown = Memo::new(move |_| {
        let filtered = type_filter.get().is_some() || !search.get().is_empty();
        rooms.with(|r| match r {
            None => Listing::Loading,
            Some(list) if list.is_empty() && filtered => Listing::NoMatch,
            Some(list) if list.is_empty() => Listing::Empty,
            Some(_) => Listing::Rooms,
        })
    });
    let status = move || match shown.get() {
        Listing::Loading if error.with(Option::is_some) => ().into_any(),
        Listing::Loading => {
            view! { <p class="muted" role="status">"Loading rooms…"</p> }.into_any()
        }
        Listing::NoMatch => view! {
            <div class="empty" data-testid="rooms-empty">
                <p>"No rooms match your search."</p>
                <button type="button" class="btn" on:click=clear_filters>
                    "Clear filters"
                </button>
            </div>
        }
        .into_any(),
        Listing::Empty => view! {
            <div class="empty" data-testid="rooms-empty">
                <p>"No public rooms yet."</p>
                <p class="muted">"Create one, then invite someone to join you."</p>
                <button type="button" class="btn primary" on:click=move |_| dialog_open.set(true)>
                    "New room"
                </button>
            </div>
        }
        .into_any(),
        Listing::Rooms => ().into_any(),
    };
    let list = move || {
        view! {
            <div class="room-grid" data-testid="room-list" hidden=move || shown.get() != Listing::Rooms>
                <For
                    each=move || rooms.get().unwrap_or_default()
                    key=|r| (r.id, r.occupants, r.name.clone())
                    children=move |room| {
                        let own = Some(room.created_by.id) == me;
                        view! { <RoomCard room own on_delete /> }
                    }
                />
            </div>
        }
    };

    view! {
        <div class="page">
            <TopBar />
            <main class="lobby">
                <div class="lobby-head">
                    <div>
                        <h1>"Rooms"</h1>
                        <p class="muted">"Pick a room to start a call, or make your own."</p>
                    </div>
                    <button
                        type="button"
                        class="btn primary"
                        data-testid="new-room"
                        on:click=move |_| dialog_open.set(true)
                    >
                        <Svg icon=Icon::Plus />
                        "New room"
                    </button>
                </div>
                <div class="tabs" role="tablist" aria-label="Rooms">
                    {tab_button(Tab::Public, "Rooms", "tab-public")}
                    {tab_button(Tab::Private, "Join private room", "tab-private")}
                </div>
                <Show
                    when=move || tab.get() == Tab::Public
                    fallback=|| {
                        view! {
                            <section id="panel-tab-private" role="tabpanel" aria-labelledby="tab-tab-private">
                                <JoinPrivate />
                            </section>
                        }
                    }
                >
                    <section id="panel-tab-public" role="tabpanel" aria-labelledby="tab-tab-public">
                        <div class="filters" role="search">
                            <div class="field grow">
                                <label for="room-search">"Search"</label>
                                <input
                                    id="room-search"
                                    type="search"
                                    placeholder="Room name"
                                    data-testid="room-search"
                                    prop:value=move || search_input.get()
                                    on:input=on_search
                                />
                            </div>
                            <div class="field">
                                <label for="room-filter">"Type"</label>
                                <select
                                    id="room-filter"
                                    data-testid="room-filter"
                                    on:change=move |ev| {
                                        type_filter.set(event_target_value(&ev).parse().ok());
                                    }
                                    prop:value=move || {
                                        type_filter.get().map_or("", RoomType::as_str).to_owned()
                                    }
                                >
                                    <option value="">"All types"</option>
                                    {RoomType::ALL
                                        .into_iter()
                                        .map(|t| view! { <option value=t.as_str()>{type_label(t)}</option> })
                                        .collect_view()}
                                </select>
                            </div>
                        </div>
                        {move || {
                            error
                                .get()
                                .map(|e| {
                                    view! {
                                        <p class="banner warn" role="alert" data-testid="rooms-error">
                                            {e}
                                        </p>
                                    }
                                })
                        }}
                        {status}
                        {list}
                    </section>
                </Show>
            </main>
            <NewRoomDialog open=dialog_open on_created />
        </div>
    }
}
