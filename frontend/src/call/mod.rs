//! One person's call in one room, in three parts: [`machine`] decides everything
//! (pure, tested natively with time as a value), [`driver`] owns the browser
//! objects (socket, peer connection, media, timers), feeds the machine its inputs
//! through one queue and carries out the effects it returns, and [`view`] holds
//! the signals the room page reads. [`io`] is the boundary between machine and
//! driver; [`state`] and [`chat`] are the plain data the view shows.

pub mod chat;
mod driver;
pub mod io;
pub mod machine;
pub mod state;
mod view;

pub use driver::Call;
pub use view::CallView;

use std::time::Duration;

/// Wait before the first attempt to reach the server again; it doubles each time.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);
/// Longest wait between attempts to reach the server again.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(10);
/// Failed reconnects after which the session is checked (it may have expired).
const CHECK_SESSION_AFTER: u32 = 3;
/// A connection not up by then is set up again (by leaving and rejoining).
const CONNECT_WITHIN: Duration = Duration::from_secs(15);
/// How long a path may stay interrupted before ICE is restarted.
const DISCONNECTED_GRACE: Duration = Duration::from_secs(3);
/// ICE restarts tried, one after another, before the call says it failed.
const MAX_ICE_RESTARTS: u32 = 4;
/// How long one ICE restart has to bring the path back (times the attempt number).
const RESTART_WITHIN: Duration = Duration::from_secs(6);
/// How often the connection path panel is refreshed.
const PATH_EVERY: Duration = Duration::from_secs(2);
/// How long the other person may be away from the server, their connection to us
/// still up, before this side says so (a person leaving closes it sooner).
const AWAY_NOTICE_AFTER: Duration = Duration::from_millis(1500);
/// How long a newcomer waits for the first offer before making its own.
const FIRST_OFFER_WAIT: Duration = Duration::from_secs(4);
/// An ICE configuration this close to expiry is fetched again before use (TURN
/// credentials expire; a connection made much later needs fresh ones).
const ICE_REFRESH_MARGIN: Duration = Duration::from_secs(60);
