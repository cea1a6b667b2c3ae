//! Who is signed in, shared with every page through context.

use crate::api;
use duet_shared::api::User;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The signed-in user, known once the session has been checked.
#[derive(Clone, Copy)]
pub struct Auth {
    /// The user, or `None` when signed out.
    pub user: RwSignal<Option<User>>,
    /// Whether the session check has finished.
    pub checked: RwSignal<bool>,
    /// Why the check failed, if the server could not be reached.
    pub error: RwSignal<Option<String>>,
}

impl Auth {
    /// Provides the context and starts checking the session cookie.
    pub fn provide() -> Auth {
        let auth = Auth {
            user: RwSignal::new(None),
            checked: RwSignal::new(false),
            error: RwSignal::new(None),
        };
        provide_context(auth);
        auth.check();
        auth
    }

    /// Asks the server who the session belongs to.
    pub fn check(self) {
        self.error.set(None);
        spawn_local(async move {
            match api::profile().await {
                Ok(user) => {
                    self.user.set(user);
                    self.checked.set(true);
                }
                Err(e) => self.error.set(Some(e.to_string())),
            }
        });
    }

    /// Records a successful sign-in or sign-up.
    pub fn signed_in(self, user: User) {
        self.user.set(Some(user));
        self.checked.set(true);
    }

    /// Forgets the user (signed out, or the session expired).
    pub fn signed_out(self) {
        self.user.set(None);
    }
}

/// The app's [`Auth`].
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}
