//! The chat panel: the conversation, and a box that sends on Enter. Own lines
//! show "sending…" until the server has them; a line too long is refused in words
//! (the shared rule decides), with a counter as the limit nears.

use crate::browser;
use crate::call::chat::{Delivery, length_hint};
use crate::call::{Call, CallView};
use duet_shared::limits::MAX_CHAT_CHARS;
use leptos::prelude::*;

/// The conversation with the other person.
#[component]
pub fn ChatPanel(
    /// The call to send through.
    call: StoredValue<Call>,
    /// Its state.
    view: CallView,
) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let send = move || {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        // Refused text stays in the box; the reason shows below it.
        if call.with_value(|c| c.send_chat(&text)) {
            draft.set(String::new());
        }
    };
    let hint = Memo::new(move |_| draft.with(|d| length_hint(d)));
    let over = Memo::new(move |_| draft.with(|d| d.chars().count() > MAX_CHAT_CHARS));
    view! {
        <section class="chat" aria-labelledby="chat-title" data-testid="chat-panel">
            <h2 id="chat-title" class="panel-title">"Chat"</h2>
            // Laid out bottom-up, so the newest message stays in view without scripting.
            <div class="messages-scroll">
                <ol class="messages" data-testid="chat-messages" aria-live="polite">
                    <For
                        each=move || view.chat.get()
                        key=|line| (line.seq, line.delivery.key())
                        children=move |line| {
                            let status = match &line.delivery {
                                Delivery::Sending => Some("sending…".to_owned()),
                                Delivery::Sent => None,
                                Delivery::Failed(why) => Some(why.clone()),
                            };
                            view! {
                                <li
                                    class="msg"
                                    class:own=line.own
                                    class:pending=line.delivery == Delivery::Sending
                                    data-testid="chat-message"
                                    data-own=line.own.to_string()
                                    data-status=line.delivery.key()
                                >
                                    <p class="meta">
                                        <span class="sender">
                                            {if line.own { "You".to_owned() } else { line.sender }}
                                        </span>
                                        {line.sent_at.map(|at| view! { <time>{browser::local_time(at)}</time> })}
                                    </p>
                                    <p class="text" data-testid="chat-text">{line.text}</p>
                                    {status.map(|s| view! { <p class="delivery" data-testid="chat-status">{s}</p> })}
                                </li>
                            }
                        }
                    />
                </ol>
                <Show when=move || view.chat.with(Vec::is_empty)>
                    <p class="muted empty-chat">"No messages yet. Say hello!"</p>
                </Show>
            </div>
            <form
                class="composer"
                on:submit=move |ev| {
                    ev.prevent_default();
                    send();
                }
            >
                <label for="chat-input" class="sr-only">"Message"</label>
                // No `maxlength`: pasted text would be cut without a word; it is refused instead.
                <textarea
                    id="chat-input"
                    data-testid="chat-input"
                    rows="1"
                    aria-describedby="chat-count"
                    aria-invalid=move || over.get().to_string()
                    placeholder="Write a message… (Enter sends)"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                            ev.prevent_default();
                            send();
                        }
                    }
                ></textarea>
                <button type="submit" class="btn primary" data-testid="chat-send">
                    "Send"
                </button>
            </form>
            <p id="chat-count" class="hint" class:over=move || over.get() data-testid="chat-count" aria-live="polite">
                {move || hint.get()}
            </p>
            <p class="field-error" role="alert" data-testid="chat-error">
                {move || view.chat_error.get()}
            </p>
        </section>
    }
}
