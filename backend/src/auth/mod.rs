//! Who is asking: password hashing, session tokens, and the request extractor.

pub mod extract;
pub mod password;
pub mod secret;
pub mod token;
pub mod turn;

pub use extract::AuthUser;
pub use token::TokenKeys;

/// Name of the HttpOnly session cookie browsers carry.
pub const SESSION_COOKIE: &str = "duet_session";
