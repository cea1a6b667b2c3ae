//! Sign in with e-mail and password.

use crate::api;
use crate::auth::use_auth;
use crate::browser;
use crate::components::form::{FormError, TextField};
use crate::links::safe_next;
use duet_shared::api::SigninRequest;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

/// The sign-in page; afterwards the person goes on to `?next=` (or the lobby).
#[component]
pub fn SignIn() -> impl IntoView {
    browser::set_title("Sign in");
    let auth = use_auth();
    let query = use_query_map();
    let next = Memo::new(move |_| safe_next(query.read().get("next").as_deref()));
    go_on_when_signed_in(next);

    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = SigninRequest {
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        if body.email.is_empty() || body.password.is_empty() {
            error.set(Some("Enter your e-mail and password.".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::signin(&body).await {
                Ok(user) => auth.signed_in(user),
                Err(e) => {
                    busy.set(false);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };

    let signup_href = move || format!("/signup?next={}", browser::encode_component(&next.get()));
    view! {
        <main class="auth-page">
            <Brand />
            <form class="card auth-card" on:submit=submit novalidate=true>
                <h1>"Sign in"</h1>
                <p class="lede">"Welcome back. Your rooms are waiting."</p>
                <TextField
                    id="email"
                    label="E-mail"
                    kind="email"
                    autocomplete="email"
                    value=email
                    error=Signal::derive(|| None::<String>)
                    autofocus=true
                />
                <TextField
                    id="password"
                    label="Password"
                    kind="password"
                    autocomplete="current-password"
                    value=password
                    error=Signal::derive(|| None::<String>)
                />
                <FormError error=error />
                <button type="submit" class="btn primary wide" disabled=busy>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
                <p class="switch">"New to Duet? " <a href=signup_href>"Create an account"</a></p>
            </form>
        </main>
    }
}

/// Sends a signed-in person on to `next` (after signing in, or if already signed in).
pub fn go_on_when_signed_in(next: Memo<String>) {
    let auth = use_auth();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if auth.user.with(Option::is_some) {
            navigate(
                &next.get_untracked(),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
}

/// The app's name and mark, linking home.
#[component]
pub fn Brand() -> impl IntoView {
    view! {
        <a href="/" class="brand" aria-label="Duet, go to the lobby">
            <span class="brand-mark" aria-hidden="true"></span>
            <span class="brand-name">"Duet"</span>
        </a>
    }
}
