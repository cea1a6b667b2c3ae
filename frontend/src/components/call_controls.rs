//! The buttons under the call: microphone, camera, screen, chat, game, leave.

use crate::call::state::Device;
use crate::call::{Call, CallView};
use crate::components::icons::{Icon, Svg};
use crate::webrtc::media;
use leptos::prelude::*;

/// Which side panel is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    /// The conversation.
    Chat,
    /// Tic-Tac-Toe.
    Game,
    /// Files sent and received.
    Files,
}

fn device_key(d: Device) -> &'static str {
    match d {
        Device::Unavailable => "unavailable",
        Device::On => "on",
        Device::Off => "off",
        Device::Starting => "starting",
    }
}

/// The control bar.
#[component]
pub fn CallControls(
    /// The call to control.
    call: StoredValue<Call>,
    /// Its state.
    view: CallView,
    /// The open side panel.
    panel: RwSignal<Option<Panel>>,
    /// Whether the room offers games.
    #[prop(into)]
    game_room: Signal<bool>,
    /// Leaves the call.
    on_leave: Callback<()>,
) -> impl IntoView {
    let can_share = media::can_share_screen();
    let toggle_panel = move |which: Panel| {
        panel.update(|p| *p = if *p == Some(which) { None } else { Some(which) });
    };
    let mic = view.mic;
    let camera = view.camera;
    view! {
        <nav class="controls" aria-label="Call controls">
            <button
                type="button"
                class="control"
                class:off=move || !mic.get().is_on()
                data-testid="toggle-mic"
                data-state=move || device_key(mic.get())
                disabled=move || mic.get() == Device::Unavailable
                on:click=move |_| call.with_value(Call::toggle_mic)
            >
                {move || {
                    if mic.get().is_on() {
                        view! { <Svg icon=Icon::Mic /> }
                    } else {
                        view! { <Svg icon=Icon::MicOff /> }
                    }
                }}
                <span class="control-label">
                    {move || match mic.get() {
                        Device::On => "Mute",
                        Device::Off | Device::Starting => "Unmute",
                        Device::Unavailable => "No microphone",
                    }}
                </span>
            </button>
            <button
                type="button"
                class="control"
                class:off=move || !camera.get().is_on()
                data-testid="toggle-camera"
                data-state=move || device_key(camera.get())
                disabled=move || matches!(camera.get(), Device::Unavailable | Device::Starting)
                on:click=move |_| call.with_value(Call::toggle_camera)
            >
                {move || {
                    if camera.get().is_on() {
                        view! { <Svg icon=Icon::Camera /> }
                    } else {
                        view! { <Svg icon=Icon::CameraOff /> }
                    }
                }}
                <span class="control-label">
                    {move || match camera.get() {
                        Device::On => "Stop video",
                        Device::Off => "Start video",
                        Device::Starting => "Starting…",
                        Device::Unavailable => "No camera",
                    }}
                </span>
            </button>
            {can_share
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="control"
                            class:active=move || view.sharing.get()
                            aria-pressed=move || view.sharing.get().to_string()
                            data-testid="toggle-screen"
                            on:click=move |_| call.with_value(Call::toggle_screen)
                        >
                            <Svg icon=Icon::Screen />
                            <span class="control-label">
                                {move || if view.sharing.get() { "Stop sharing" } else { "Share screen" }}
                            </span>
                        </button>
                    }
                })}
            <button
                type="button"
                class="control"
                class:active=move || panel.get() == Some(Panel::Chat)
                aria-expanded=move || (panel.get() == Some(Panel::Chat)).to_string()
                aria-controls="side-panel"
                data-testid="toggle-chat"
                on:click=move |_| toggle_panel(Panel::Chat)
            >
                <Svg icon=Icon::Chat />
                <span class="control-label">"Chat"</span>
                {move || {
                    let n = view.unread.get();
                    (n > 0)
                        .then(|| {
                            view! {
                                <span class="badge" data-testid="unread-badge">
                                    {n}
                                    <span class="sr-only">" unread"</span>
                                </span>
                            }
                        })
                }}
            </button>
            <button
                type="button"
                class="control"
                class:active=move || panel.get() == Some(Panel::Files)
                aria-expanded=move || (panel.get() == Some(Panel::Files)).to_string()
                aria-controls="side-panel"
                data-testid="toggle-files"
                on:click=move |_| toggle_panel(Panel::Files)
            >
                <Svg icon=Icon::File />
                <span class="control-label">"Files"</span>
                {move || {
                    let n = view.files.with(|f| crate::components::files::waiting(f));
                    (n > 0)
                        .then(|| {
                            view! {
                                <span class="badge" data-testid="files-badge">
                                    {n}
                                    <span class="sr-only">" waiting for your answer"</span>
                                </span>
                            }
                        })
                }}
            </button>
            <Show when=move || game_room.get()>
                <button
                    type="button"
                    class="control"
                    class:active=move || panel.get() == Some(Panel::Game)
                    aria-expanded=move || (panel.get() == Some(Panel::Game)).to_string()
                    aria-controls="side-panel"
                    data-testid="toggle-game"
                    on:click=move |_| toggle_panel(Panel::Game)
                >
                    <Svg icon=Icon::Game />
                    <span class="control-label">"Game"</span>
                </button>
            </Show>
            <button
                type="button"
                class="control leave"
                data-testid="leave"
                on:click=move |_| on_leave.run(())
            >
                <Svg icon=Icon::Leave />
                <span class="control-label">"Leave"</span>
            </button>
        </nav>
    }
}
