//! Prometheus metrics, kept in an explicit registry per application (no global state)
//! and served only on `METRICS_ADDR`, never on the public port.

use duet_turn::StatsReader;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;

/// A label naming a kind: a message type, an error code, a limit's scope.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Kind {
    /// The kind's name.
    pub kind: String,
}

/// The application's counters and gauges.
pub struct Metrics {
    registry: Registry,
    /// Open signaling connections.
    pub connections: Gauge,
    /// Rooms with at least one member connected to this instance.
    pub rooms_occupied: Gauge,
    /// Client messages relayed or applied, by type.
    pub relayed: Family<Kind, Counter>,
    /// Protocol errors sent to clients, by code.
    pub errors: Family<Kind, Counter>,
    /// Failed sign-ins and refused tokens.
    pub auth_failures: Counter,
    /// Requests and messages refused by a limit, by scope.
    pub rate_limited: Family<Kind, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("duet");
        let metrics = Metrics {
            connections: Gauge::default(),
            rooms_occupied: Gauge::default(),
            relayed: Family::default(),
            errors: Family::default(),
            auth_failures: Counter::default(),
            rate_limited: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "ws_connections",
            "Open signaling connections",
            metrics.connections.clone(),
        );
        registry.register(
            "rooms_occupied",
            "Rooms with a member connected to this instance",
            metrics.rooms_occupied.clone(),
        );
        registry.register(
            "messages_relayed",
            "Client messages relayed or applied, by type",
            metrics.relayed.clone(),
        );
        registry.register(
            "protocol_errors",
            "Protocol errors sent to clients, by code",
            metrics.errors.clone(),
        );
        registry.register(
            "auth_failures",
            "Failed sign-ins and refused tokens",
            metrics.auth_failures.clone(),
        );
        registry.register(
            "rate_limited",
            "Requests and messages refused by a limit, by scope",
            metrics.rate_limited.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }
}

impl Metrics {
    /// Counts one `kind` in `family`.
    pub fn count(family: &Family<Kind, Counter>, kind: &str) {
        family
            .get_or_create(&Kind {
                kind: kind.to_owned(),
            })
            .inc();
    }

    /// Adds the embedded TURN server's counters, read from the live server at each scrape.
    pub fn register_turn(&mut self, turn: StatsReader) {
        self.registry
            .register_collector(Box::new(TurnCollector(turn)));
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// The embedded TURN server's counters as metric families (`duet_turn_*`).
#[derive(Debug)]
struct TurnCollector(StatsReader);

impl Collector for TurnCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats = self.0.stats();
        let active = ConstGauge::new(i64::try_from(stats.allocations_active).unwrap_or(i64::MAX));
        active.encode(encoder.encode_descriptor(
            "turn_allocations_active",
            "TURN allocations held now",
            None,
            active.metric_type(),
        )?)?;
        let granted = ConstCounter::new(stats.allocations_total);
        granted.encode(encoder.encode_descriptor(
            "turn_allocations",
            "TURN allocations granted",
            None,
            granted.metric_type(),
        )?)?;
        labelled_counters(
            &mut encoder,
            "turn_relayed_bytes",
            "Payload bytes relayed by TURN, by direction",
            "direction",
            &[
                ("to-peers", stats.bytes_to_peers),
                ("from-peers", stats.bytes_from_peers),
            ],
        )?;
        labelled_counters(
            &mut encoder,
            "turn_refused",
            "TURN requests refused: bad credentials, over quota, or a forbidden peer address",
            "reason",
            &[
                ("auth", stats.refused_auth),
                ("quota", stats.refused_quota),
                ("peer", stats.refused_peer),
            ],
        )
    }
}

/// One counter family `name` with a sample per `(label value, count)`.
fn labelled_counters(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    label: &str,
    samples: &[(&str, u64)],
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (value, count) in samples {
        ConstCounter::new(*count).encode(family.encode_family(&[(label, *value)])?)?;
    }
    Ok(())
}
