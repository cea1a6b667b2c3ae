//! What `scripts/bench-setup.sh` needs besides the browsers: a delay line for the
//! NFQUEUE packet delayer and the signaling server of the bare WebRTC page that Duet's
//! page-load → connected time is compared with.

pub mod delay_line;
pub mod relay;
