//! What the clients send: browser-sized SDP and ICE candidates, and chat lines that
//! carry their send time so every receiver can measure the relay latency.

use duet_shared::protocol::IceCandidate;
use std::fmt::Write;

/// An SDP body shaped like a browser's audio+video offer or answer (about 3 KB; the
/// size matters because the server parses and re-encodes it).
pub fn sdp(client: usize, answer: bool) -> String {
    let setup = if answer { "active" } else { "actpass" };
    let mut s = format!(
        "v=0\r\no=- {session} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n\
         a=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS stream{client}\r\n",
        session = 4_611_686_018_427_387_904_u64 + client as u64,
    );
    let media = [
        ("audio", "111 63 9 0 8 13 110 126", AUDIO_CODECS),
        (
            "video",
            "96 97 102 103 104 105 106 107 108 109 127 125 39 40 114 115 116",
            VIDEO_CODECS,
        ),
    ];
    for (mid, (kind, pts, codecs)) in media.iter().enumerate() {
        let _ = write!(
            s,
            "m={kind} 9 UDP/TLS/RTP/SAVPF {pts}\r\nc=IN IP4 0.0.0.0\r\n\
             a=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:u{client:07}\r\n\
             a=ice-pwd:p{client:023}\r\na=ice-options:trickle\r\n\
             a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:\
             4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF\r\na=setup:{setup}\r\na=mid:{mid}\r\n\
             a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n\
             a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n\
             a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n\
             a=sendrecv\r\na=msid:stream{client} track-{kind}-{client}\r\na=rtcp-mux\r\n{codecs}\
             a=ssrc:{ssrc} cname:c{client}\r\n",
            ssrc = 1_000_000 + client * 2 + mid,
        );
    }
    s
}

const AUDIO_CODECS: &str = "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n\
a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n\
a=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:13 CN/8000\r\na=rtpmap:110 telephone-event/48000\r\na=rtpmap:126 telephone-event/8000\r\n";

const VIDEO_CODECS: &str = "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 goog-remb\r\n\
a=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm fir\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n\
a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=rtpmap:102 H264/90000\r\n\
a=rtcp-fb:102 goog-remb\r\na=rtcp-fb:102 transport-cc\r\na=rtcp-fb:102 ccm fir\r\n\
a=rtcp-fb:102 nack\r\na=rtcp-fb:102 nack pli\r\n\
a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n\
a=rtpmap:103 rtx/90000\r\na=fmtp:103 apt=102\r\na=rtpmap:104 H264/90000\r\n\
a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n\
a=rtpmap:105 rtx/90000\r\na=fmtp:105 apt=104\r\na=rtpmap:106 VP9/90000\r\n\
a=fmtp:106 profile-id=0\r\na=rtpmap:107 rtx/90000\r\na=fmtp:107 apt=106\r\n\
a=rtpmap:108 H264/90000\r\na=rtcp-fb:108 goog-remb\r\na=rtcp-fb:108 transport-cc\r\n\
a=rtcp-fb:108 ccm fir\r\na=rtcp-fb:108 nack\r\na=rtcp-fb:108 nack pli\r\n\
a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n\
a=rtpmap:109 rtx/90000\r\na=fmtp:109 apt=108\r\na=rtpmap:127 H264/90000\r\n\
a=rtcp-fb:127 goog-remb\r\na=rtcp-fb:127 transport-cc\r\na=rtcp-fb:127 ccm fir\r\n\
a=rtcp-fb:127 nack\r\na=rtcp-fb:127 nack pli\r\n\
a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n\
a=rtpmap:125 rtx/90000\r\na=fmtp:125 apt=127\r\na=rtpmap:39 AV1/90000\r\n\
a=rtcp-fb:39 goog-remb\r\na=rtcp-fb:39 transport-cc\r\na=rtcp-fb:39 ccm fir\r\n\
a=rtcp-fb:39 nack\r\na=rtcp-fb:39 nack pli\r\na=rtpmap:40 rtx/90000\r\na=fmtp:40 apt=39\r\n\
a=rtpmap:114 red/90000\r\na=rtpmap:115 rtx/90000\r\na=fmtp:115 apt=114\r\n\
a=rtpmap:116 ulpfec/90000\r\n";

/// The `n`th ICE candidate of a client: host, server-reflexive and relay lines over
/// documentation addresses (TEST-NET, never contacted), as a browser trickles them.
pub fn candidate(client: usize, n: u32) -> IceCandidate {
    let port = 50_000 + (client % 10_000) as u32 + n;
    let line = match n % 3 {
        0 => format!(
            "candidate:{f} 1 udp 2122260223 192.0.2.{h} {port} typ host generation 0 \
             ufrag u{client:07} network-id 1",
            f = 1_000_000_000 + n,
            h = 1 + client % 250,
        ),
        1 => format!(
            "candidate:{f} 1 udp 1686052607 203.0.113.{h} {port} typ srflx raddr 192.0.2.{h} \
             rport {port} generation 0 ufrag u{client:07} network-id 1",
            f = 2_000_000_000 + n,
            h = 1 + client % 250,
        ),
        _ => format!(
            "candidate:{f} 1 udp 41885439 198.51.100.{h} {port} typ relay raddr 203.0.113.{h} \
             rport {port} generation 0 ufrag u{client:07} network-id 1",
            f = 3_000_000_000_u32.wrapping_add(n),
            h = 1 + client % 250,
        ),
    };
    IceCandidate {
        candidate: line,
        sdp_mid: Some(((n / 6) % 2).to_string()),
        sdp_m_line_index: Some(u16::try_from((n / 6) % 2).unwrap_or(0)),
        username_fragment: Some(format!("u{client:07}")),
    }
}

/// A chat line stamped with its send time (ns since the run's epoch), about as long
/// as a short sentence.
pub fn chat_line(sent_ns: u64, client: usize, seq: u64) -> String {
    format!("lg {sent_ns} {client} {seq} - sounds good, let's pair on the parser after lunch")
}

/// The send time stamped by [`chat_line`], if `text` is one.
pub fn chat_sent_ns(text: &str) -> Option<u64> {
    let mut words = text.split(' ');
    (words.next()? == "lg").then_some(())?;
    words.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_shared::limits::{MAX_CANDIDATE_BYTES, MAX_SDP_BYTES};

    #[test]
    fn payloads_are_browser_sized_and_within_limits() {
        let offer = sdp(9_999, false);
        assert!(
            (3_000..MAX_SDP_BYTES).contains(&offer.len()),
            "{}",
            offer.len()
        );
        for n in 0..12 {
            let c = candidate(9_999, n);
            assert!(c.candidate.len() < MAX_CANDIDATE_BYTES);
        }
    }

    #[test]
    fn chat_lines_carry_their_send_time() {
        assert_eq!(chat_sent_ns(&chat_line(123_456, 7, 3)), Some(123_456));
        assert_eq!(chat_sent_ns("hello there"), None);
    }
}
