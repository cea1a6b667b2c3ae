//! What a failed command says on stderr: the library's errors in words a shell user acts on.

use duet_client::{ApiCode, Error, code_name};

/// A failed command's message (printed after `duet-cli: `, exit code 1).
#[derive(Debug)]
pub struct Failure(pub String);

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure(describe(&e))
    }
}

/// `e` in words a shell user acts on.
pub fn describe(e: &Error) -> String {
    {
        match e {
            Error::Api {
                code: ApiCode::Unauthenticated,
                ..
            }
            | Error::NotSignedIn => {
                "the session is not accepted (expired or signed out): run `duet-cli login`"
                    .to_owned()
            }
            Error::Api {
                code: ApiCode::InvalidCredentials,
                ..
            } => "wrong e-mail or password".to_owned(),
            Error::Api {
                message,
                field: Some(field),
                ..
            } => format!("{field}: {message}"),
            Error::Api {
                message,
                retry_after: Some(wait),
                ..
            } => format!("{message} (try again in {} s)", wait.as_secs()),
            Error::Api { message, .. } if !message.is_empty() => message.clone(),
            Error::Refused { code, message } => format!("{message} ({})", code_name(*code)),
            Error::Http(http) if http.is_connect() || http.is_timeout() => {
                let url = http.url().map(|u| u.origin().ascii_serialization());
                format!(
                    "cannot reach the server{}",
                    url.map(|u| format!(" at {u}")).unwrap_or_default()
                )
            }
            other => other.to_string(),
        }
    }
}
