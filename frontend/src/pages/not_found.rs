//! Any path the app does not know.

use crate::browser;
use leptos::prelude::*;

/// "Page not found", with the way back.
#[component]
pub fn NotFound() -> impl IntoView {
    browser::set_title("Page not found");
    view! {
        <main class="center-page">
            <div class="card narrow">
                <h1>"Page not found"</h1>
                <p>"There is nothing at this address."</p>
                <a href="/" class="btn primary">
                    "Go to the lobby"
                </a>
            </div>
        </main>
    }
}
