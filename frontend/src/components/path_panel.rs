//! "Connection details": how the call travels (direct, via STUN, or relayed by TURN)
//! with its round trip, packet loss and bitrate, refreshed every few seconds.

use crate::call::CallView;
use leptos::prelude::*;

/// A button in the call bar and the small panel it opens.
#[component]
pub fn PathPanel(
    /// The call whose path is shown.
    view: CallView,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let key = move || {
        view.path
            .with(|p| p.as_ref().map_or("none", |p| p.path.key()))
    };
    view! {
        <div class="path">
            <button
                type="button"
                class="btn small path-toggle"
                data-testid="path-toggle"
                aria-controls="path-panel"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "Connection details"
            </button>
            <section
                id="path-panel"
                class="path-panel"
                aria-label="Connection details"
                data-testid="path-panel"
                data-path=key
                hidden=move || !open.get()
            >
                {move || match view.path.get() {
                    None => view! { <p>"Shown once the call is connected."</p> }.into_any(),
                    Some(report) => {
                        view! {
                            <dl>
                                <dt>"Path"</dt>
                                <dd data-testid="path-kind">{report.path.text()}</dd>
                                <dt>"Round trip"</dt>
                                <dd data-testid="path-rtt">{report.rtt_text()}</dd>
                                <dt>"Packet loss"</dt>
                                <dd data-testid="path-loss">{report.loss_text()}</dd>
                                <dt>"Bitrate"</dt>
                                <dd data-testid="path-bitrate">{report.bitrate_text()}</dd>
                            </dl>
                        }
                            .into_any()
                    }
                }}
            </section>
        </div>
    }
}
