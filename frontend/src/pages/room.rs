//! The call in one room (`/room/{id}`): the other person's video and your own,
//! the connection state in words, controls, and the chat and game panels.

use crate::auth::use_auth;
use crate::browser;
use crate::call::state::{Device, End, Link, MediaIssue, Phase};
use crate::call::{Call, CallView};
use crate::components::call_controls::{CallControls, Panel};
use crate::components::chat::ChatPanel;
use crate::components::files::{FilesPanel, file_list, waiting};
use crate::components::path_panel::PathPanel;
use crate::components::room_card::type_label;
use crate::components::tictactoe::GamePanel;
use crate::components::video_tile::VideoTile;
use crate::links::room_link;
use crate::pages::sign_in::Brand;
use duet_shared::RoomId;
use duet_shared::api::{RoomStatus, RoomType};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use std::time::Duration;

/// How long a notice stays up.
const NOTICE_FOR: Duration = Duration::from_secs(5);

/// The room page. A new id in the address starts a new call.
#[component]
pub fn RoomPage() -> impl IntoView {
    let params = use_params_map();
    let room_id =
        Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<RoomId>().ok())));
    move || match room_id.get() {
        Some(id) => view! { <CallScreen id /> }.into_any(),
        None => view! { <Ended end=End::NotFound /> }.into_any(),
    }
}

/// One call, from joining until leaving (unmounting leaves the room).
#[component]
fn CallScreen(id: RoomId) -> impl IntoView {
    browser::set_title("Call");
    let auth = use_auth();
    let Some(me) = auth.user.get_untracked().map(|u| u.id) else {
        return ().into_any();
    };
    let view = CallView::new();
    let call = Call::start(id, me, view);
    on_cleanup({
        let call = call.clone();
        move || call.leave()
    });
    let call = StoredValue::new(call);

    let panel = RwSignal::new(None::<Panel>);
    Effect::new(move |_| {
        let open = panel.get() == Some(Panel::Chat);
        call.with_value(|c| c.chat_panel(open));
    });
    // An incoming offer opens the files panel, unless another panel is in use.
    Effect::new(move |_| {
        if view.files.with(|f| waiting(f)) > 0 && panel.get_untracked().is_none() {
            panel.set(Some(Panel::Files));
        }
    });
    // Files dropped anywhere on the call are offered to the other person.
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let files = file_list(ev.data_transfer().and_then(|d| d.files()));
        if !files.is_empty() {
            call.with_value(|c| c.send_files(files));
            panel.set(Some(Panel::Files));
        }
    };
    let on_leave = Callback::new(move |()| {
        call.with_value(Call::leave);
        // The lobby is the other app: a page load.
        browser::open_page("/");
    });

    let ended = Memo::new(move |_| match view.phase.get() {
        Phase::Ended(end) => Some(end),
        _ => None,
    });
    let game_room = Signal::derive(move || {
        view.room
            .with(|r| r.as_ref().is_some_and(|r| r.room_type == RoomType::Game))
    });

    (move || match ended.get() {
        Some(end) => view! { <Ended end /> }.into_any(),
        None => view! {
            <div
                class="call"
                data-testid="call"
                class:with-panel=move || panel.get().is_some()
                on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=on_drop
            >
                <CallHeader view />
                <div class="call-body">
                    <Stage call view />
                    <aside
                        id="side-panel"
                        class="side-panel"
                        aria-label="Chat, game and files"
                        hidden=move || panel.get().is_none()
                    >
                        <div hidden=move || panel.get() != Some(Panel::Chat)>
                            <ChatPanel call view />
                        </div>
                        <div hidden=move || panel.get() != Some(Panel::Files)>
                            <FilesPanel call view />
                        </div>
                        <Show when=move || game_room.get()>
                            <div hidden=move || panel.get() != Some(Panel::Game)>
                                <GamePanel call view />
                            </div>
                        </Show>
                    </aside>
                </div>
                <CallControls call view panel game_room on_leave />
            </div>
        }
        .into_any(),
    })
    .into_any()
}

/// The room's name and type, and the connection state in words.
#[component]
fn CallHeader(view: CallView) -> impl IntoView {
    let peer_name = move || view.peer.with(|p| p.as_ref().map(|p| p.name.clone()));
    let link = move || match view.phase.get() {
        Phase::InRoom => view.link.get(),
        _ => Link::Joining,
    };
    view! {
        <header class="call-bar">
            <Brand />
            <div class="call-title">
                <h1>{move || view.room.with(|r| r.as_ref().map(|r| r.name.clone()))}</h1>
                {move || {
                    view.room
                        .with(|r| {
                            r.as_ref()
                                .map(|r| {
                                    view! {
                                        <span class=format!("tag type-{}", r.room_type.as_str())>
                                            {type_label(r.room_type)}
                                        </span>
                                    }
                                })
                        })
                }}
            </div>
            <p
                class="link-state"
                role="status"
                aria-live="polite"
                data-testid="link-state"
                data-state=move || link().key()
            >
                <span class="dot" aria-hidden="true"></span>
                {move || link().text(peer_name().as_deref())}
            </p>
            <PathPanel view />
        </header>
    }
}

/// The videos, with whatever needs saying over them.
#[component]
fn Stage(call: StoredValue<Call>, view: CallView) -> impl IntoView {
    let peer_name = move || view.peer.with(|p| p.as_ref().map(|p| p.name.clone()));
    let remote_cover = Signal::derive(move || {
        let name = peer_name();
        match (name, view.link.get(), view.remote_media.get()) {
            (None, _, _) => Some(match view.left.get() {
                Some(who) => format!("{who} left the call. Waiting for someone to join…"),
                None => "Waiting for someone to join…".to_owned(),
            }),
            (Some(_), Link::Connected, Some(m)) if !m.camera && !m.screen => {
                Some("Camera is off".to_owned())
            }
            (Some(_), Link::Connected, _) => None,
            (Some(who), Link::Failed, _) => Some(format!("Could not connect to {who}.")),
            (Some(who), Link::Reconnecting | Link::Restarting { .. }, _) => {
                Some(format!("Reconnecting to {who}…"))
            }
            (Some(who), _, _) => Some(format!("Connecting to {who}…")),
        }
    });
    let local_cover = Signal::derive(move || {
        if view.sharing.get() {
            return None;
        }
        match view.camera.get() {
            Device::On => None,
            Device::Off => Some("Your camera is off".to_owned()),
            Device::Starting => Some("Starting your camera…".to_owned()),
            Device::Unavailable => Some("No camera".to_owned()),
        }
    });
    let remote_mic_off = Signal::derive(move || view.remote_media.get().is_some_and(|m| !m.mic));
    let local_mic_off = Signal::derive(move || !view.mic.get().is_on());

    view! {
        <section class="stage" aria-label="Videos">
            <VideoTile
                stream=view.remote_stream
                name=Signal::derive(move || peer_name().unwrap_or_default())
                placeholder=remote_cover
                mirrored=Signal::derive(|| false)
                mic_off=remote_mic_off
                testid="remote"
            />
            <VideoTile
                stream=view.local_stream
                name=Signal::derive(|| "You".to_owned())
                placeholder=local_cover
                local=true
                mirrored=Signal::derive(move || !view.sharing.get())
                mic_off=local_mic_off
                testid="local"
            />
            <StageMessages call view />
        </section>
    }
}

/// Overlays: asking for devices, what to do without them, the room link while
/// waiting, a failed connection, and short notices.
#[component]
fn StageMessages(call: StoredValue<Call>, view: CallView) -> impl IntoView {
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(n) = view.notice.get() {
            notice.set(Some(n.text));
            set_timeout(
                move || {
                    if view
                        .notice
                        .try_with_untracked(|c| c.as_ref().map(|c| c.seq))
                        == Some(Some(n.seq))
                    {
                        notice.set(None);
                    }
                },
                NOTICE_FOR,
            );
        }
    });
    let waiting_alone =
        move || view.phase.get() == Phase::InRoom && view.peer.with(Option::is_none);
    view! {
        <div class="stage-messages">
            {move || {
                view.server
                    .get()
                    .text()
                    .map(|text| {
                        view! {
                            <p class="banner" role="status" data-testid="server-status">
                                {text}
                            </p>
                        }
                    })
            }}
            {move || match view.phase.get() {
                Phase::Loading => Some(view! { <p class="overlay-card" role="status">"Opening the room…"</p> }.into_any()),
                Phase::Media => {
                    Some(
                        view! {
                            <p class="overlay-card" role="status" data-testid="media-prompt">
                                "Allow access to your camera and microphone to join the call."
                            </p>
                        }
                            .into_any(),
                    )
                }
                Phase::MediaChoice(issue) => Some(view! { <MediaChoice call issue /> }.into_any()),
                _ => None,
            }}
            <Show when=waiting_alone>
                <WaitingHint view />
            </Show>
            <Show when=move || view.link.get() == Link::Failed && view.peer.with(Option::is_some)>
                <div class="overlay-card" role="alert" data-testid="connection-failed">
                    <p>
                        "The connection failed, and trying other paths did not bring it back. A firewall may be blocking it, or one of you lost the network."
                    </p>
                    <button type="button" class="btn primary" on:click=move |_| call.with_value(Call::reconnect)>
                        "Try again"
                    </button>
                </div>
            </Show>
            {move || {
                notice
                    .get()
                    .map(|text| {
                        view! {
                            <p class="toast" role="status" data-testid="notice">
                                {text}
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// What to do when the camera or microphone could not be used.
#[component]
fn MediaChoice(call: StoredValue<Call>, issue: MediaIssue) -> impl IntoView {
    view! {
        <div class="overlay-card" role="alertdialog" aria-labelledby="media-choice-title" data-testid="media-choice">
            <h2 id="media-choice-title">"Camera or microphone unavailable"</h2>
            {issue.sentences().into_iter().map(|s| view! { <p>{s}</p> }).collect_view()}
            <div class="dialog-actions">
                <button type="button" class="btn" on:click=move |_| call.with_value(Call::retry_media)>
                    "Try again"
                </button>
                <button
                    type="button"
                    class="btn primary"
                    data-testid="join-anyway"
                    on:click=move |_| call.with_value(Call::join_with_available)
                >
                    {issue.join_label()}
                </button>
            </div>
        </div>
    }
}

/// While alone: how to bring the other person in.
#[component]
fn WaitingHint(view: CallView) -> impl IntoView {
    let link = move || {
        view.room.with(|r| {
            r.as_ref()
                .map(|r| (room_link(&browser::origin(), r.id), r.status))
        })
    };
    view! {
        <div class="waiting-hint" data-testid="waiting-hint">
            {move || {
                link()
                    .map(|(link, status)| {
                        let text = if status == RoomStatus::Private {
                            "This room is private. Send this link to the person you want to meet:"
                        } else {
                            "Others can join from the lobby, or with this link:"
                        };
                        view! {
                            <p>{text}</p>
                            <div class="inline">
                                <input readonly=true value=link.clone() aria-label="Room link" />
                                <crate::components::copy_button::CopyButton text=link />
                            </div>
                        }
                    })
            }}
        </div>
    }
}

/// The end of a call that could not go on, and the way back.
#[component]
fn Ended(end: End) -> impl IntoView {
    let (title, text) = end.text();
    browser::set_title(title);
    let key = end.key();
    view! {
        <main class="center-page">
            <div class="card narrow" role="alert" data-testid="call-ended" data-end=key>
                <h1>{title}</h1>
                <p>{text}</p>
                {if end == End::SignedOut {
                    view! {
                        <a href="/signin" rel="external" class="btn primary">
                            "Sign in"
                        </a>
                    }
                        .into_any()
                } else {
                    view! {
                        <a href="/" rel="external" class="btn primary" data-testid="back-to-lobby">
                            "Back to the lobby"
                        </a>
                    }
                        .into_any()
                }}
            </div>
        </main>
    }
}
