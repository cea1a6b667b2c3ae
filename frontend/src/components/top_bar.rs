//! The bar above the lobby: the app's name, who is signed in, sign out.

use crate::api;
use crate::auth::use_auth;
use crate::pages::sign_in::Brand;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

/// The app bar.
#[component]
pub fn TopBar() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            // Even if the server cannot be reached, forget the user here.
            let _ = api::signout().await;
            navigate("/signin", Default::default());
            auth.signed_out();
        });
    };
    view! {
        <header class="top-bar">
            <Brand />
            <div class="who">
                <span class="avatar" aria-hidden="true">
                    {move || auth.user.with(|u| initial(u.as_ref().map_or("", |u| u.name.as_str())))}
                </span>
                <span class="who-name" data-testid="user-name">
                    {move || auth.user.with(|u| u.as_ref().map(|u| u.name.clone()))}
                </span>
                <button type="button" class="btn ghost" on:click=sign_out data-testid="sign-out">
                    "Sign out"
                </button>
            </div>
        </header>
    }
}

/// The first letter of a name, for an avatar.
pub fn initial(name: &str) -> String {
    name.chars()
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default()
}
