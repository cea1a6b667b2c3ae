//! One video on the call stage: the other person, or the self-view.

use crate::components::icons::{Icon, Svg};
use crate::components::top_bar::initial;
use crate::webrtc::media::{self, Stream};
use leptos::html::Video;
use leptos::prelude::*;

/// A video with the person's name; `placeholder` covers it (camera off, nobody here).
#[component]
pub fn VideoTile(
    /// What to show.
    #[prop(into)]
    stream: Signal<Option<Stream>>,
    /// Whose video it is.
    #[prop(into)]
    name: Signal<String>,
    /// Text shown instead of the picture, if any.
    #[prop(into)]
    placeholder: Signal<Option<String>>,
    /// The self-view: always silent, smaller.
    #[prop(optional)]
    local: bool,
    /// Mirror the picture (a camera self-view, so it moves like a mirror).
    #[prop(into)]
    mirrored: Signal<bool>,
    /// Show the "microphone off" mark by the name.
    #[prop(into)]
    mic_off: Signal<bool>,
    /// `data-testid` of the tile; the `<video>` gets `{testid}-video`.
    testid: &'static str,
) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    let sound_blocked = RwSignal::new(false);
    Effect::new(move |_| {
        let stream = stream.get();
        if let Some(el) = video.get() {
            media::show(&el, stream.as_ref(), move || sound_blocked.set(true));
        }
    });
    let unmute = move |_| {
        if let Some(el) = video.get_untracked() {
            media::unmute(&el);
        }
        sound_blocked.set(false);
    };
    view! {
        <figure
            class="tile"
            class:local=local
            class:covered=move || placeholder.with(Option::is_some)
            data-testid=testid
        >
            <video
                node_ref=video
                autoplay=true
                playsinline=true
                prop:muted=local
                class:mirrored=mirrored
                data-testid=format!("{testid}-video")
                aria-label=move || {
                    let name = name.get();
                    if name.is_empty() { "Video of the other person".to_owned() } else { format!("Video of {name}") }
                }
            ></video>
            {move || {
                placeholder
                    .get()
                    .map(|text| {
                        view! {
                            <div class="tile-cover" data-testid=format!("{testid}-cover")>
                                {move || {
                                    let letter = initial(&name.get());
                                    (!letter.is_empty())
                                        .then(|| {
                                            view! {
                                                <span class="avatar big" aria-hidden="true">
                                                    {letter}
                                                </span>
                                            }
                                        })
                                }}
                                <p>{text}</p>
                            </div>
                        }
                    })
            }}
            <figcaption class="tile-name" hidden=move || name.with(String::is_empty)>
                {move || {
                    mic_off
                        .get()
                        .then(|| {
                            view! {
                                <span class="mic-off" title="Microphone off">
                                    <Svg icon=Icon::MicOff />
                                    <span class="sr-only">"(microphone off)"</span>
                                </span>
                            }
                        })
                }}
                {name}
            </figcaption>
            <Show when=move || sound_blocked.get()>
                <button type="button" class="btn sound" on:click=unmute data-testid="unmute-remote">
                    <Svg icon=Icon::Sound />
                    "Turn on sound"
                </button>
            </Show>
        </figure>
    }
}
