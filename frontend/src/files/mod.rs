//! Files sent between the two people in a call, over their own ordered data
//! channel (the server never sees them). [`machine`] decides everything (offers,
//! answers, order, resuming, checking the SHA-256) as a pure state machine tested
//! natively; the call driver only moves bytes (`File.slice` reads, channel sends,
//! writes to a Blob or a file on disk). [`wire`] is the channel's format and
//! [`name`] makes received names safe.

pub mod machine;
pub mod name;
mod progress;
#[cfg(test)]
mod tests;
pub mod wire;

pub use machine::{FileEffect, FileInput, FileMachine, LocalFile, TransferState, TransferView};

/// Data bytes in one binary frame: well under the 256 KiB every browser accepts in
/// one data-channel message, large enough that the 12-byte header costs nothing.
pub const CHUNK: usize = 64 * 1024;
/// Bytes read from the file at once (`File.slice`), then sent as several frames:
/// fewer reads keep a fast link busy, and a slice is all the sender holds.
pub const SLICE: u64 = 1024 * 1024;
/// The receiver confirms what it has kept every so many bytes (and at the end);
/// a resumed transfer starts from the last confirmation.
pub const ACK_EVERY: u64 = 1024 * 1024;
/// The sender stops reading while the channel holds more than this unsent...
pub const HIGH_WATER: u64 = 4 * 1024 * 1024;
/// ...and goes on when it falls to this (`bufferedAmountLowThreshold`).
pub const LOW_WATER: u32 = 1024 * 1024;
/// The largest file received into memory (a Blob), where the browser cannot write
/// straight to disk: larger ones are refused when offered, saying why.
pub const BLOB_LIMIT: u64 = 1024 * 1024 * 1024;
