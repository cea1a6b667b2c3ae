//! The connection path in words, from `RTCPeerConnection.getStats()`: which candidate
//! pair carries the call (direct, through a STUN-discovered address, or relayed by
//! TURN), its round-trip time, packet loss and bitrate. Reading the report needs the
//! browser; everything after that is plain data, tested without one.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RtcPeerConnection, RtcStatsReport};

/// Asks `pc` for its statistics and reads the path from them.
pub async fn sample(pc: &RtcPeerConnection) -> Option<Sample> {
    let report: RtcStatsReport = JsFuture::from(pc.get_stats()).await.ok()?.dyn_into().ok()?;
    let stats: Vec<Stat> = report
        .values()
        .into_iter()
        .flatten()
        .map(|value| Stat::read(&value))
        .collect();
    Sample::from_stats(&stats)
}

/// How the media travels between the two people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathKind {
    /// Straight between the two devices' own addresses.
    Direct,
    /// Directly, but through an address a NAT assigned (found with STUN).
    Stun,
    /// Through a TURN relay; the protocol to the relay when this side uses it.
    Relay(Option<String>),
}

impl PathKind {
    /// The path in words.
    pub fn text(&self) -> String {
        match self {
            PathKind::Direct => "Direct".into(),
            PathKind::Stun => "Direct via STUN".into(),
            PathKind::Relay(Some(protocol)) => format!("Relayed via TURN ({protocol})"),
            PathKind::Relay(None) => "Relayed via TURN".into(),
        }
    }

    /// A stable name for tests and styles (`data-path`).
    pub fn key(&self) -> &'static str {
        match self {
            PathKind::Direct => "direct",
            PathKind::Stun => "stun",
            PathKind::Relay(_) => "relay",
        }
    }
}

/// One entry of an `RTCStatsReport`, with the fields this module reads (named as in
/// the report, in camelCase).
#[derive(Debug, Clone, Default)]
pub struct Stat {
    /// The entry's id (pairs name their candidates by it).
    pub id: String,
    /// `type`: `transport`, `candidate-pair`, `local-candidate`, `inbound-rtp`, …
    pub kind: String,
    /// Milliseconds (a `DOMHighResTimeStamp`).
    pub timestamp: f64,
    /// `transport`: the pair in use.
    pub selected_candidate_pair_id: Option<String>,
    /// `candidate-pair`: the pair in use (Firefox's way of saying it).
    pub selected: Option<bool>,
    /// `candidate-pair`: agreed on by both sides.
    pub nominated: Option<bool>,
    /// `candidate-pair`: `succeeded`, `in-progress`, …
    pub state: Option<String>,
    /// `candidate-pair`: this side's candidate.
    pub local_candidate_id: Option<String>,
    /// `candidate-pair`: the other side's candidate.
    pub remote_candidate_id: Option<String>,
    /// `candidate-pair`: the latest round trip, in seconds.
    pub current_round_trip_time: Option<f64>,
    /// `candidate-pair`: bytes sent on it.
    pub bytes_sent: Option<f64>,
    /// `candidate-pair` and `inbound-rtp`: bytes received.
    pub bytes_received: Option<f64>,
    /// Candidates: `host`, `srflx`, `prflx` or `relay`.
    pub candidate_type: Option<String>,
    /// A local `relay` candidate: how this side reaches the TURN server.
    pub relay_protocol: Option<String>,
    /// `inbound-rtp`: packets lost so far.
    pub packets_lost: Option<f64>,
    /// `inbound-rtp`: packets received so far.
    pub packets_received: Option<f64>,
}

impl Stat {
    /// Reads an entry field by field (no JSON round trip: float parsing would grow the
    /// bundle).
    fn read(entry: &JsValue) -> Stat {
        let field = |name: &str| Reflect::get(entry, &JsValue::from_str(name)).ok();
        let text = |name: &str| field(name).and_then(|v| v.as_string());
        let number = |name: &str| field(name).and_then(|v| v.as_f64());
        let flag = |name: &str| field(name).and_then(|v| v.as_bool());
        Stat {
            id: text("id").unwrap_or_default(),
            kind: text("type").unwrap_or_default(),
            timestamp: number("timestamp").unwrap_or_default(),
            selected_candidate_pair_id: text("selectedCandidatePairId"),
            selected: flag("selected"),
            nominated: flag("nominated"),
            state: text("state"),
            local_candidate_id: text("localCandidateId"),
            remote_candidate_id: text("remoteCandidateId"),
            current_round_trip_time: number("currentRoundTripTime"),
            bytes_sent: number("bytesSent"),
            bytes_received: number("bytesReceived"),
            candidate_type: text("candidateType"),
            relay_protocol: text("relayProtocol"),
            packets_lost: number("packetsLost"),
            packets_received: number("packetsReceived"),
        }
    }
}

/// What one `getStats()` call said about the path.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// When, in milliseconds.
    pub at_ms: f64,
    /// The path in use.
    pub path: PathKind,
    /// The latest round trip in milliseconds.
    pub rtt_ms: Option<f64>,
    /// Bytes sent over the pair so far.
    pub bytes_sent: f64,
    /// Bytes received over the pair so far.
    pub bytes_received: f64,
    /// Media packets lost so far (audio and video).
    pub packets_lost: f64,
    /// Media packets received so far (audio and video).
    pub packets_received: f64,
}

impl Sample {
    /// Reads the pair in use from a report's entries; `None` while there is none.
    pub fn from_stats(stats: &[Stat]) -> Option<Sample> {
        let by_id = |id: &str| stats.iter().find(|s| s.id == id);
        let pair = stats
            .iter()
            .filter(|s| s.kind == "transport")
            .find_map(|t| t.selected_candidate_pair_id.as_deref().and_then(by_id))
            .or_else(|| {
                let pairs = || stats.iter().filter(|s| s.kind == "candidate-pair");
                pairs().find(|p| p.selected == Some(true)).or_else(|| {
                    pairs().find(|p| {
                        p.nominated == Some(true) && p.state.as_deref() == Some("succeeded")
                    })
                })
            })?;
        let candidate = |id: &Option<String>| id.as_deref().and_then(by_id);
        let local = candidate(&pair.local_candidate_id);
        let remote = candidate(&pair.remote_candidate_id);
        let kind_of = |c: Option<&Stat>| c.and_then(|c| c.candidate_type.clone());
        let (local_kind, remote_kind) = (kind_of(local), kind_of(remote));
        let path = if local_kind.as_deref() == Some("relay") {
            PathKind::Relay(local.and_then(|c| c.relay_protocol.clone()))
        } else if remote_kind.as_deref() == Some("relay") {
            PathKind::Relay(None)
        } else if local_kind.as_deref().is_some_and(|k| k != "host")
            || remote_kind.as_deref() == Some("srflx")
        {
            // A remote `prflx` may only be a host candidate not signalled yet.
            PathKind::Stun
        } else {
            PathKind::Direct
        };
        let inbound = stats.iter().filter(|s| s.kind == "inbound-rtp");
        let (lost, received) = inbound.fold((0.0, 0.0), |(l, r), s| {
            (
                l + s.packets_lost.unwrap_or(0.0).max(0.0),
                r + s.packets_received.unwrap_or(0.0),
            )
        });
        Some(Sample {
            at_ms: pair.timestamp,
            path,
            rtt_ms: pair.current_round_trip_time.map(|s| s * 1000.0),
            bytes_sent: pair.bytes_sent.unwrap_or(0.0),
            bytes_received: pair.bytes_received.unwrap_or(0.0),
            packets_lost: lost,
            packets_received: received,
        })
    }
}

/// The path panel's figures: the latest sample, with rates over the time since the
/// one before.
#[derive(Debug, Clone, PartialEq)]
pub struct PathReport {
    /// The path in use.
    pub path: PathKind,
    /// Round trip, milliseconds.
    pub rtt_ms: Option<f64>,
    /// Share of media packets lost in the interval, in percent.
    pub loss_percent: Option<f64>,
    /// Receiving rate, kbit/s.
    pub kbps_in: Option<f64>,
    /// Sending rate, kbit/s.
    pub kbps_out: Option<f64>,
}

impl PathReport {
    /// Figures for `now`; the rates need the `before` sample (of the same pair).
    pub fn new(now: &Sample, before: Option<&Sample>) -> PathReport {
        let before = before.filter(|b| {
            b.at_ms < now.at_ms
                && b.bytes_sent <= now.bytes_sent
                && b.bytes_received <= now.bytes_received
        });
        let seconds = before.map(|b| (now.at_ms - b.at_ms) / 1000.0);
        let rate = |delta: f64| seconds.map(|s| delta * 8.0 / 1000.0 / s);
        let loss_percent = before.and_then(|b| {
            let lost = (now.packets_lost - b.packets_lost).max(0.0);
            let got = (now.packets_received - b.packets_received).max(0.0);
            (lost + got > 0.0).then(|| lost * 100.0 / (lost + got))
        });
        PathReport {
            path: now.path.clone(),
            rtt_ms: now.rtt_ms,
            loss_percent,
            kbps_in: before.and_then(|b| rate(now.bytes_received - b.bytes_received)),
            kbps_out: before.and_then(|b| rate(now.bytes_sent - b.bytes_sent)),
        }
    }

    /// The round trip in words, e.g. `12 ms`.
    pub fn rtt_text(&self) -> String {
        self.rtt_ms
            .map_or_else(|| "…".into(), |ms| format!("{} ms", round(ms)))
    }

    /// The packet loss in words, e.g. `0.4 %`.
    pub fn loss_text(&self) -> String {
        self.loss_percent.map_or_else(
            || "…".into(),
            |p| {
                let tenths = round(p * 10.0);
                format!("{}.{} %", tenths / 10, tenths % 10)
            },
        )
    }

    /// Both rates in words, e.g. `↓ 1250 kbit/s · ↑ 980 kbit/s`.
    pub fn bitrate_text(&self) -> String {
        match (self.kbps_in, self.kbps_out) {
            (Some(down), Some(up)) => {
                format!("↓ {} kbit/s · ↑ {} kbit/s", round(down), round(up))
            }
            _ => "…".into(),
        }
    }
}

/// A non-negative figure rounded to a whole number; integer formatting keeps float
/// printing out of the bundle.
fn round(x: f64) -> u64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = x.max(0.0).round() as u64;
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, kind: &str) -> Stat {
        Stat {
            id: id.into(),
            kind: kind.into(),
            timestamp: 1000.0,
            ..Stat::default()
        }
    }

    fn candidate(id: &str, local: bool, kind: &str, relay_protocol: Option<&str>) -> Stat {
        Stat {
            candidate_type: Some(kind.into()),
            relay_protocol: relay_protocol.map(Into::into),
            ..entry(
                id,
                if local {
                    "local-candidate"
                } else {
                    "remote-candidate"
                },
            )
        }
    }

    fn pair(id: &str, local: &str, remote: &str, state: &str) -> Stat {
        Stat {
            local_candidate_id: Some(local.into()),
            remote_candidate_id: Some(remote.into()),
            state: Some(state.into()),
            ..entry(id, "candidate-pair")
        }
    }

    fn inbound(id: &str, lost: f64, received: f64) -> Stat {
        Stat {
            packets_lost: Some(lost),
            packets_received: Some(received),
            ..entry(id, "inbound-rtp")
        }
    }

    fn report(local: &str, remote: &str, relay_protocol: Option<&str>) -> Vec<Stat> {
        vec![
            Stat {
                selected_candidate_pair_id: Some("CP1".into()),
                ..entry("T1", "transport")
            },
            pair("CP0", "L0", "R0", "failed"),
            Stat {
                nominated: Some(true),
                current_round_trip_time: Some(0.012),
                bytes_sent: Some(10_000.0),
                bytes_received: Some(20_000.0),
                ..pair("CP1", "L1", "R1", "succeeded")
            },
            candidate("L0", true, "host", None),
            candidate("L1", true, local, relay_protocol),
            candidate("R1", false, remote, None),
            inbound("IV", 2.0, 100.0),
            inbound("IA", 0.0, 50.0),
        ]
    }

    #[test]
    fn the_selected_pair_decides_the_path() {
        let path = |l, r, p| Sample::from_stats(&report(l, r, p)).map(|s| s.path);
        assert_eq!(path("host", "host", None), Some(PathKind::Direct));
        assert_eq!(path("srflx", "host", None), Some(PathKind::Stun));
        assert_eq!(path("host", "srflx", None), Some(PathKind::Stun));
        assert_eq!(path("prflx", "host", None), Some(PathKind::Stun));
        assert_eq!(path("host", "prflx", None), Some(PathKind::Direct));
        assert_eq!(
            path("relay", "srflx", Some("tcp")),
            Some(PathKind::Relay(Some("tcp".into())))
        );
        assert_eq!(path("host", "relay", None), Some(PathKind::Relay(None)));
        assert_eq!(
            PathKind::Relay(Some("udp".into())).text(),
            "Relayed via TURN (udp)"
        );
    }

    #[test]
    fn without_a_transport_entry_the_nominated_pair_is_used() {
        let stats: Vec<Stat> = report("relay", "relay", Some("udp"))
            .into_iter()
            .filter(|s| s.kind != "transport")
            .collect();
        let sample = Sample::from_stats(&stats).expect("a pair");
        assert_eq!(sample.path, PathKind::Relay(Some("udp".into())));
        assert_eq!(sample.rtt_ms, Some(12.0));
        assert_eq!((sample.packets_lost, sample.packets_received), (2.0, 150.0));
    }

    #[test]
    fn no_pair_no_sample() {
        let stats = vec![entry("T1", "transport")];
        assert_eq!(Sample::from_stats(&stats), None);
    }

    #[test]
    fn rates_and_loss_come_from_the_interval() {
        let before = Sample::from_stats(&report("host", "host", None)).expect("a pair");
        let now = Sample {
            at_ms: before.at_ms + 2000.0,
            bytes_sent: before.bytes_sent + 250_000.0,
            bytes_received: before.bytes_received + 500_000.0,
            packets_lost: before.packets_lost + 1.0,
            packets_received: before.packets_received + 199.0,
            ..before.clone()
        };
        let first = PathReport::new(&before, None);
        assert_eq!((first.kbps_in, first.loss_percent), (None, None));
        assert_eq!(first.bitrate_text(), "…");
        let r = PathReport::new(&now, Some(&before));
        assert_eq!((r.kbps_in, r.kbps_out), (Some(2000.0), Some(1000.0)));
        assert_eq!(r.loss_text(), "0.5 %");
        assert_eq!(r.rtt_text(), "12 ms");
        assert_eq!(r.bitrate_text(), "↓ 2000 kbit/s · ↑ 1000 kbit/s");
        // A sample from an older connection (counters went back) gives no rates.
        assert_eq!(PathReport::new(&before, Some(&now)).kbps_in, None);
    }
}
