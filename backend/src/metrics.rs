//! Prometheus metrics, kept in an explicit registry per application (no global state)
//! and served only on `METRICS_ADDR`, never on the public port.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
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

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
