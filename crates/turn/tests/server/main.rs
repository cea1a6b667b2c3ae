//! The embedded TURN server against real clients on loopback: coturn's `turnutils_uclient`
//! (interop, credentials, peer policy, TCP) and the webrtc-rs client (exact error codes, quotas).

// Helpers outside #[test] functions may unwrap too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;
mod quota;
mod uclient;
