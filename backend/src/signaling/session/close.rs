//! The close frame for a frame the transport refused, by RFC 6455 §7.4.1.

use actix_ws::{CloseCode, CloseReason};
use duet_shared::limits::MAX_FRAME_BYTES;

/// What actix-ws's aggregator reports, as an I/O error, when a fragmented message grows
/// past the limit (it has no variant of its own).
const CONTINUATION_OVERFLOW: &str = "Exceeded maximum continuation size";

/// The close frame for a frame the transport refused (RFC 6455 §7.4.1): 1009 for a
/// message over the size limit, whole or fragmented; 1007 for a text message that is not
/// UTF-8; 1002 for anything else that breaks the framing.
pub(super) fn close_for(e: &actix_ws::ProtocolError) -> CloseReason {
    let (code, description) = match e {
        actix_ws::ProtocolError::Overflow => (CloseCode::Size, too_large()),
        actix_ws::ProtocolError::Io(io) if io.to_string() == CONTINUATION_OVERFLOW => {
            (CloseCode::Size, too_large())
        }
        actix_ws::ProtocolError::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => (
            CloseCode::Invalid,
            "a text message must be valid UTF-8".to_owned(),
        ),
        other => (CloseCode::Protocol, other.to_string()),
    };
    CloseReason {
        code,
        description: Some(description),
    }
}

/// The 1009 reason, naming the limit (well under the 123 bytes a reason may take).
fn too_large() -> String {
    format!("a message may be at most {MAX_FRAME_BYTES} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The close codes in docs/protocol.md's table.
    fn documented() -> BTreeSet<u16> {
        let doc = include_str!("../../../../docs/protocol.md");
        let table = doc
            .split("### Close codes")
            .nth(1)
            .expect("docs/protocol.md has a close code table");
        table
            .lines()
            .filter_map(|line| line.strip_prefix("| "))
            .filter_map(|row| row.split(' ').next()?.parse().ok())
            .collect()
    }

    #[test]
    fn the_close_codes_sent_are_the_ones_the_protocol_document_lists() {
        // Every `CloseCode::` the serving code names: the session's and this module's
        // (the tests excluded).
        let serving = [include_str!("../session.rs"), include_str!("close.rs")]
            .map(|source| source.split("#[cfg(test)]").next().unwrap_or_default())
            .concat();
        let sent: BTreeSet<u16> = serving
            .split("CloseCode::")
            .skip(1)
            .map(|rest| {
                let name: String = rest
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                let code = match name.as_str() {
                    "Normal" => CloseCode::Normal,
                    "Away" => CloseCode::Away,
                    "Protocol" => CloseCode::Protocol,
                    "Unsupported" => CloseCode::Unsupported,
                    "Abnormal" => CloseCode::Abnormal,
                    "Invalid" => CloseCode::Invalid,
                    "Policy" => CloseCode::Policy,
                    "Size" => CloseCode::Size,
                    "Extension" => CloseCode::Extension,
                    "Error" => CloseCode::Error,
                    "Restart" => CloseCode::Restart,
                    "Again" => CloseCode::Again,
                    other => panic!("a close code this test does not know: {other}"),
                };
                u16::from(code)
            })
            .collect();
        assert_eq!(sent, documented());
    }

    #[test]
    fn refused_frames_close_with_the_rfc_6455_codes() {
        let io = |kind, msg: &str| actix_ws::ProtocolError::Io(std::io::Error::new(kind, msg));
        let cases = [
            (actix_ws::ProtocolError::Overflow, 1009),
            (io(std::io::ErrorKind::Other, CONTINUATION_OVERFLOW), 1009),
            (io(std::io::ErrorKind::InvalidData, "invalid utf-8"), 1007),
            (actix_ws::ProtocolError::UnmaskedFrame, 1002),
        ];
        for (error, code) in cases {
            let close = close_for(&error);
            assert_eq!(u16::from(close.code), code, "{error}");
            let reason = close.description.unwrap_or_default();
            assert!(reason.len() <= 123, "{reason}");
            if code == 1009 {
                assert!(reason.contains(&MAX_FRAME_BYTES.to_string()), "{reason}");
            }
        }
    }
}
