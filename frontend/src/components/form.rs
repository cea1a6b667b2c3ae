//! Labelled form fields with their hint and error, wired for screen readers.

use leptos::prelude::*;

/// A labelled input bound to `value`; `error` is shown under it and marks it invalid.
#[component]
pub fn TextField(
    /// The input's id (also names its hint and error).
    id: &'static str,
    /// The visible label.
    label: &'static str,
    /// The text, two-way bound.
    value: RwSignal<String>,
    /// The input type.
    #[prop(default = "text")]
    kind: &'static str,
    /// The browser's autofill hint.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// Help shown under the input.
    #[prop(optional, into)]
    hint: Option<String>,
    /// The error for this field, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
    /// The longest value accepted.
    #[prop(optional)]
    maxlength: Option<usize>,
    /// Whether the field takes focus when shown.
    #[prop(optional)]
    autofocus: bool,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    if autofocus {
        // `autofocus` only works on page load; fields shown later (a dialog) need a push.
        Effect::new(move |_| {
            if let Some(el) = input.get() {
                let _ = el.focus();
            }
        });
    }
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let has_hint = hint.is_some();
    let described_by = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_hint {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id>{label}</label>
            <input
                node_ref=input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                maxlength=maxlength
                autofocus=autofocus
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described_by
                bind:value=value
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            {move || {
                error
                    .get()
                    .map(|e| view! { <p class="field-error" id=error_id.clone()>{e}</p> })
            }}
        </div>
    }
}

/// A form-level error, announced when it appears.
#[component]
pub fn FormError(
    /// The message, if any.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! {
                <p class="form-error" role="alert" data-testid="form-error">
                    {e}
                </p>
            }
        })
    }
}
