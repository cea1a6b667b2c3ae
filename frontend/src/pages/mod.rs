//! One module per page of the app.

pub mod lobby;
pub mod not_found;
pub mod room;
pub mod sign_in;
pub mod sign_up;
