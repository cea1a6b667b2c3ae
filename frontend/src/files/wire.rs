//! The file channel's wire format, between two Duet pages only (the server never
//! sees it, so it lives here rather than in the shared crate). Control messages are
//! JSON text; file data travels as binary frames: a 12-byte header (the transfer's
//! id and the data's offset, big-endian) and then the bytes.

use serde::{Deserialize, Serialize};

/// Bytes in a frame's header: the transfer id (`u32`) and the offset (`u64`).
pub const HEADER: usize = 12;

/// A control message on the file channel. `id` always names a transfer by the
/// number its *sender* gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Control {
    /// Sender: may I send you this file?
    Offer {
        /// The sender's number for it.
        id: u32,
        /// Its name (the receiver sanitises it).
        name: String,
        /// Its size in bytes.
        size: u64,
        /// Its media type, as the browser guessed it.
        mime: String,
    },
    /// Receiver: yes, send it from byte `from` (0, or where a resumed one stopped).
    Accept {
        /// The transfer.
        id: u32,
        /// The first byte wanted.
        from: u64,
    },
    /// Receiver: no (`reason` when the page refused it by itself).
    Decline {
        /// The transfer.
        id: u32,
        /// Why, when the person did not choose it.
        reason: Option<String>,
    },
    /// Receiver: every byte before `received` has arrived and is kept.
    Ack {
        /// The transfer.
        id: u32,
        /// Bytes confirmed.
        received: u64,
    },
    /// Sender: that was the last byte; the whole file's SHA-256 (hex).
    Done {
        /// The transfer.
        id: u32,
        /// SHA-256 of every byte, lower-case hex.
        sha256: String,
    },
    /// Receiver: the SHA-256 matched and the file is ready to save.
    Verified {
        /// The transfer.
        id: u32,
    },
    /// Either side: this transfer is over (cancelled, or failed for `reason`).
    Cancel {
        /// The transfer.
        id: u32,
        /// `true` when the one writing is its sender.
        by_sender: bool,
        /// Why it failed; `None` when a person cancelled it.
        reason: Option<String>,
    },
}

impl Control {
    /// The JSON text sent on the channel.
    pub fn encode(&self) -> String {
        // A derived Serialize of strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a control message; `Err` says what was wrong with it.
    pub fn decode(text: &str) -> Result<Control, String> {
        serde_json::from_str(text).map_err(|e| format!("unreadable message: {e}"))
    }
}

/// One binary frame: `bytes` of transfer `id` starting at `offset`.
pub fn frame(id: u32, offset: u64, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + bytes.len());
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&offset.to_be_bytes());
    out.extend_from_slice(bytes);
    out
}

/// Splits a binary frame into id, offset and data; `None` when it is too short.
pub fn parse_frame(frame: &[u8]) -> Option<(u32, u64, &[u8])> {
    let (id, rest) = frame.split_first_chunk::<4>()?;
    let (offset, data) = rest.split_first_chunk::<8>()?;
    Some((u32::from_be_bytes(*id), u64::from_be_bytes(*offset), data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_short_ones_are_refused() {
        let f = frame(7, 1 << 40, b"abc");
        assert_eq!(parse_frame(&f), Some((7, 1 << 40, &b"abc"[..])));
        assert_eq!(parse_frame(&f[..HEADER]), Some((7, 1 << 40, &b""[..])));
        assert_eq!(parse_frame(&f[..HEADER - 1]), None);
    }

    #[test]
    fn control_messages_are_tagged_json() {
        let msg = Control::Accept { id: 3, from: 5 };
        assert_eq!(msg.encode(), r#"{"type":"accept","id":3,"from":5}"#);
        assert_eq!(Control::decode(&msg.encode()), Ok(msg));
        assert!(Control::decode(r#"{"type":"accept","id":-1,"from":0}"#).is_err());
        assert!(Control::decode("not json").is_err());
    }
}
