//! Field checks shared by the request handlers; each error names its field.

use crate::error::AppError;
use duet_shared::limits::{
    MAX_EMAIL_CHARS, MAX_PASSWORD_CHARS, MAX_ROOM_NAME_CHARS, MAX_USER_NAME_CHARS,
    MIN_PASSWORD_CHARS,
};

// The rules below as JSON Schema patterns for the OpenAPI document, so tools that check
// the document against the server (schemathesis, in the suite) find them equal. Written
// with explicit ranges (valid in ECMA-262 and in Python's `re`): Rust's `char::is_control`
// (Unicode Cc) and `char::is_whitespace` (Unicode White_Space).
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";
const SPACE: &str =
    r"\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// [`display_text`] as a pattern: no control characters, and something besides spaces.
pub fn display_text_pattern() -> String {
    format!("^[^{CONTROL}]*[^{CONTROL}{SPACE}][^{CONTROL}]*$")
}

/// [`email`] as a pattern: spaces around are trimmed; inside, no spaces or control
/// characters, something before the last `@`, and a domain with an inner dot.
pub fn email_pattern() -> String {
    let x = format!("{CONTROL}{SPACE}");
    format!("^[{SPACE}]*[^{x}]+@[^{x}@.][^{x}@]*\\.[^{x}@]*[^{x}@.][{SPACE}]*$")
}

/// A required field's value, or "`field` is required".
pub fn required<T>(field: &'static str, value: Option<T>) -> Result<T, AppError> {
    value.ok_or_else(|| AppError::validation(field, format!("{field} is required")))
}

/// A display text of at most `max` characters as sent, without control characters and
/// not blank; stored trimmed.
pub fn display_text(field: &'static str, value: &str, max: usize) -> Result<String, AppError> {
    // Counted as sent, as the document's `maxLength` counts.
    let too_long = value.chars().count() > max;
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::validation(
            field,
            format!("{field} cannot be empty"),
        ));
    }
    if too_long {
        return Err(AppError::validation(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(AppError::validation(
            field,
            format!("{field} cannot contain control characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A person's display name.
pub fn user_name(value: &str) -> Result<String, AppError> {
    display_text("name", value, MAX_USER_NAME_CHARS)
}

/// A room's name.
pub fn room_name(value: &str) -> Result<String, AppError> {
    display_text("name", value, MAX_ROOM_NAME_CHARS)
}

/// A plausible e-mail address (delivery is never attempted, so no more is checked).
pub fn email(value: &str) -> Result<String, AppError> {
    let bad = || AppError::validation("email", "email must be an address like name@example.com");
    if value.chars().count() > MAX_EMAIL_CHARS {
        return Err(bad());
    }
    let value = value.trim();
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = value.rsplit_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.len() < 3
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(value.to_owned())
}

/// A new password: long enough to resist guessing, short enough to hash cheaply.
pub fn new_password(value: &str) -> Result<(), AppError> {
    if value.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::validation(
            "password",
            format!("password must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if value.chars().count() > MAX_PASSWORD_CHARS {
        return Err(AppError::validation(
            "password",
            format!("password must be at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.co", " Ada@Example.org "] {
            assert!(email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ada",
            "@x.org",
            "ada@",
            "ada@x",
            "a da@x.org",
            "ada@.org",
            "ada@org.",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(user_name("  Ada ").unwrap(), "Ada");
        assert!(user_name("   ").is_err());
        assert!(user_name(&"x".repeat(MAX_USER_NAME_CHARS + 1)).is_err());
        assert!(room_name("a\u{0}b").is_err());
    }
}
