//! The chat panel: the conversation, and a box that sends on Enter.

use crate::browser;
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
    let error = RwSignal::new(None::<String>);
    let send = move || {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        if text.chars().count() > MAX_CHAT_CHARS {
            error.set(Some(format!(
                "Messages can be at most {MAX_CHAT_CHARS} characters."
            )));
            return;
        }
        if call.with_value(|c| c.send_chat(&text)) {
            draft.set(String::new());
            error.set(None);
        } else {
            error.set(Some(
                "Not connected right now; your message was not sent.".into(),
            ));
        }
    };
    view! {
        <section class="chat" aria-labelledby="chat-title" data-testid="chat-panel">
            <h2 id="chat-title" class="panel-title">"Chat"</h2>
            // Laid out bottom-up, so the newest message stays in view without scripting.
            <div class="messages-scroll">
                <ol class="messages" data-testid="chat-messages" aria-live="polite">
                    <For
                        each=move || view.chat.get()
                        key=|line| line.seq
                        children=move |line| {
                            view! {
                                <li
                                    class="msg"
                                    class:own=line.own
                                    data-testid="chat-message"
                                    data-own=line.own.to_string()
                                >
                                    <p class="meta">
                                        <span class="sender">
                                            {if line.own { "You".to_owned() } else { line.sender }}
                                        </span>
                                        <time>{browser::local_time(line.sent_at)}</time>
                                    </p>
                                    <p class="text" data-testid="chat-text">{line.text}</p>
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
                <textarea
                    id="chat-input"
                    data-testid="chat-input"
                    rows="1"
                    maxlength=MAX_CHAT_CHARS
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
            <p class="field-error" role="alert">
                {move || error.get()}
            </p>
        </section>
    }
}
