//! Create an account: name, e-mail, password.

use crate::api;
use crate::auth::use_auth;
use crate::browser;
use crate::components::form::{FormError, TextField};
use crate::links::safe_next;
use crate::pages::sign_in::{Brand, go_on_when_signed_in};
use duet_shared::api::SignupRequest;
use duet_shared::limits::{MAX_USER_NAME_CHARS, MIN_PASSWORD_CHARS};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_query_map;

/// An error shown next to one field, or for the whole form.
#[derive(Clone, Default)]
struct Errors {
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    form: Option<String>,
}

/// The sign-up page; afterwards the person goes on to `?next=` (or the lobby).
#[component]
pub fn SignUp() -> impl IntoView {
    browser::set_title("Create an account");
    let auth = use_auth();
    let query = use_query_map();
    let next = Memo::new(move |_| safe_next(query.read().get("next").as_deref()));
    go_on_when_signed_in(next);

    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(Errors::default());
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = SignupRequest {
            name: name.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        // The server checks again; these catch the obvious before a round trip.
        let mut found = Errors::default();
        if body.name.is_empty() {
            found.name = Some("Enter the name the other person will see.".into());
        }
        if !body.email.contains('@') {
            found.email = Some("Enter an e-mail address like name@example.com.".into());
        }
        if body.password.chars().count() < MIN_PASSWORD_CHARS {
            found.password = Some(format!("Use at least {MIN_PASSWORD_CHARS} characters."));
        }
        if found.name.is_some() || found.email.is_some() || found.password.is_some() {
            errors.set(found);
            return;
        }
        busy.set(true);
        errors.set(Errors::default());
        spawn_local(async move {
            match api::signup(&body).await {
                Ok(user) => auth.signed_in(user),
                Err(e) => {
                    busy.set(false);
                    let message = Some(e.to_string());
                    errors.set(match e.field() {
                        Some("name") => Errors { name: message, ..Default::default() },
                        Some("email") => Errors { email: message, ..Default::default() },
                        Some("password") => Errors { password: message, ..Default::default() },
                        _ if matches!(&e, api::ApiError::Server { code, .. } if code == "email-taken") => {
                            Errors {
                                email: Some(
                                    "An account with this e-mail already exists. Sign in instead."
                                        .into(),
                                ),
                                ..Default::default()
                            }
                        }
                        _ => Errors { form: message, ..Default::default() },
                    });
                }
            }
        });
    };

    let signin_href = move || format!("/signin?next={}", browser::encode_component(&next.get()));
    view! {
        <main class="auth-page">
            <Brand />
            <form class="card auth-card" on:submit=submit novalidate=true>
                <h1>"Create your account"</h1>
                <p class="lede">"Meet one person at a time: talk, share a screen, play a game."</p>
                <TextField
                    id="name"
                    label="Your name"
                    autocomplete="name"
                    value=name
                    maxlength=MAX_USER_NAME_CHARS
                    hint="Shown to the people you call."
                    error=Signal::derive(move || errors.with(|e| e.name.clone()))
                    autofocus=true
                />
                <TextField
                    id="email"
                    label="E-mail"
                    kind="email"
                    autocomplete="email"
                    value=email
                    error=Signal::derive(move || errors.with(|e| e.email.clone()))
                />
                <TextField
                    id="password"
                    label="Password"
                    kind="password"
                    autocomplete="new-password"
                    value=password
                    hint=format!("At least {MIN_PASSWORD_CHARS} characters.")
                    error=Signal::derive(move || errors.with(|e| e.password.clone()))
                />
                <FormError error=Signal::derive(move || errors.with(|e| e.form.clone())) />
                <button type="submit" class="btn primary wide" disabled=busy>
                    {move || if busy.get() { "Creating your account…" } else { "Create account" }}
                </button>
                <p class="switch">"Already have an account? " <a href=signin_href>"Sign in"</a></p>
            </form>
        </main>
    }
}
