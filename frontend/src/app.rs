//! The two apps' routers (which page answers which path) and the sign-in guard.

use crate::auth::{Auth, use_auth};
use crate::browser;
use crate::pages::{
    lobby::Lobby, not_found::NotFound, room::RoomPage, sign_in::SignIn, sign_up::SignUp,
};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::path;

/// The lobby app: the lobby, signing in and up. A room's path belongs to the call app,
/// which a page load brings (with `whole-app`, this app runs the call itself).
#[component]
pub fn LobbyApp() -> impl IntoView {
    Auth::provide();
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <RequireAuth><Lobby /></RequireAuth> } />
                <Route path=path!("/signin") view=SignIn />
                <Route path=path!("/signup") view=SignUp />
                <Route path=path!("/room/:id") view=room_in_lobby_app />
            </Routes>
        </Router>
    }
}

/// The call app: one room's page; every other path belongs to the lobby app.
#[component]
pub fn RoomApp() -> impl IntoView {
    Auth::provide();
    view! {
        <Router>
            <Routes fallback=LoadPage>
                <Route path=path!("/room/:id") view=room_page />
            </Routes>
        </Router>
    }
}

/// A room's page, for a signed-in person.
fn room_page() -> impl IntoView {
    view! { <RequireAuth><RoomPage /></RequireAuth> }
}

#[cfg(feature = "whole-app")]
fn room_in_lobby_app() -> impl IntoView {
    room_page()
}

#[cfg(not(feature = "whole-app"))]
fn room_in_lobby_app() -> impl IntoView {
    view! { <LoadPage /> }
}

/// A path the other app answers: the server sends that app's page for it, so load it.
/// Should the server send this same app again (a server older than this app), say so
/// instead of loading for ever.
#[component]
fn LoadPage() -> impl IntoView {
    // The router's location is where the person is going; the address bar may not
    // show it yet.
    let location = use_location();
    let mut path = location.pathname.get_untracked();
    // The router's `search` has no leading `?`.
    let search = location.search.get_untracked();
    if !search.is_empty() {
        path = format!("{path}?{search}");
    }
    let loading = browser::load_page_once(&path);
    view! {
        <main class="center-page">
            {if loading {
                view! { <p class="muted" role="status">"Loading…"</p> }.into_any()
            } else {
                view! {
                    <div class="card narrow" role="alert">
                        <h1>"This page cannot open"</h1>
                        <p>"The server sent the wrong part of Duet for this address. It may be \
                            older than this app: ask whoever runs it to update it."</p>
                        <a href="/" class="btn primary">"Go to the lobby"</a>
                    </div>
                }
                    .into_any()
            }}
        </main>
    }
}

/// Shows `children` to a signed-in person; sends anyone else to sign in, with the
/// way back (`?next=`) so they land where they were going.
#[component]
fn RequireAuth(children: ChildrenFn) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    let navigate = use_navigate();
    // Re-render only when the account changes, not when the same user is set again.
    let account = Memo::new(move |_| auth.user.with(|u| u.as_ref().map(|u| u.id)));
    Effect::new(move |_| {
        if auth.checked.get() && account.get().is_none() {
            let path = location.pathname.get_untracked();
            // Signing out navigates to the sign-in page itself; nothing to remember then.
            if path.starts_with("/signin") || path.starts_with("/signup") {
                return;
            }
            let here = format!("{path}{}", location.search.get_untracked());
            let to = format!("/signin?next={}", browser::encode_component(&here));
            navigate(
                &to,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    move || {
        if let Some(error) = auth.error.get() {
            view! {
                <main class="center-page">
                    <div class="card narrow" role="alert">
                        <h1>"Duet cannot start"</h1>
                        <p>{error}</p>
                        <button class="btn primary" on:click=move |_| auth.check()>
                            "Try again"
                        </button>
                    </div>
                </main>
            }
            .into_any()
        } else if account.get().is_some() {
            children().into_any()
        } else {
            view! {
                <main class="center-page">
                    <p class="muted" role="status">"Loading…"</p>
                </main>
            }
            .into_any()
        }
    }
}
