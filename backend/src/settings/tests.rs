//! Every rule of [`Config::validate`], one table row each, without starting anything.

use super::*;
use clap::Parser;

/// A random-looking secret, written `SECRET` in the rows below.
const SECRET: &str = "9f3c2a7e1b8d4f60a5c9e2b7d1f0834c6a2e9b5d";
const PROVIDER: &str = "https://duet.metered.live/api/v1/turn/credentials";
const POSTGRES: &str = "postgres://postgres@127.0.0.1/duet";

/// The configuration of `duet --data-dir /srv/duet ARGS` (split at spaces, `SECRET` and
/// `PROVIDER` spelled out), with `key` as `TURN_PROVIDER_KEY` (read from the
/// environment only).
fn config(args: &str, key: Option<&str>) -> Config {
    let args = args.replace("PROVIDER", PROVIDER).replace("SECRET", SECRET);
    let mut config = Config::try_parse_from(
        ["duet", "--data-dir", "/srv/duet"]
            .into_iter()
            .chain(args.split_whitespace()),
    )
    .unwrap_or_else(|e| panic!("{args}: {e}"));
    config.turn_provider_key = key.map(|k| SecretString::from(k.to_owned()));
    config
}

#[test]
fn each_rule_refuses_what_breaks_it() {
    use ConfigError::*;
    let heartbeat = TimeoutWithinHeartbeat {
        timeout: Duration::from_secs(30),
        heartbeat: Duration::from_secs(30),
    };
    #[rustfmt::skip]
    let cases: &[(&str, Option<&str>, ConfigError)] = &[
        ("--env production", None, SecretMissing),
        ("--jwt-secret too-short", None, SecretTooShort),
        ("--env production --jwt-secret too-short", None, SecretTooShort),
        ("--env production --jwt-secret your-secret-key-here-please-change-it", None, SecretWeak),
        ("--env production --jwt-secret abababababababababababababababababab", None, SecretWeak),
        ("--jwt-secret SECRET --trusted-proxies 10.0.0.1,not-an-address", None, TrustedProxies(String::new())),
        ("--jwt-secret SECRET --turn-provider-url PROVIDER --turn-urls turn:t.example:3478 --turn-secret s", Some("k"), TurnProviderConflict),
        ("--jwt-secret SECRET --turn-provider-url PROVIDER --turn --turn-relay-ip 127.0.0.1", Some("k"), TurnProviderConflict),
        ("--jwt-secret SECRET --turn-provider-url PROVIDER --turn-secret s", Some("k"), TurnProviderConflict),
        ("--jwt-secret SECRET --turn-provider-url PROVIDER", None, TurnProviderKeyMissing),
        ("--jwt-secret SECRET --turn-provider-url http://turn.example/api", Some("k"), TurnProviderInsecure),
        ("--jwt-secret SECRET --turn-provider-url ftp://127.0.0.1/api", Some("k"), TurnProviderInsecure),
        ("--jwt-secret SECRET --ice-transport-policy relay", None, RelayWithoutTurn),
        ("--jwt-secret SECRET --ice-transport-policy relay --turn-secret s", None, RelayWithoutTurn),
        ("--jwt-secret SECRET --turn", None, TurnRelayIpMissing),
        ("--jwt-secret SECRET --turn-urls turn:t.example:3478", None, TurnSecretMissing),
        ("--jwt-secret SECRET --heartbeat-interval 0", None, HeartbeatZero),
        ("--jwt-secret SECRET --heartbeat-interval 30s --client-timeout 30", None, heartbeat),
        ("--jwt-secret SECRET --redis-url redis://127.0.0.1:6379", None, SqliteNotShared),
        ("--jwt-secret SECRET --redis-url redis://127.0.0.1:6379 --database-url sqlite:///srv/duet.db", None, SqliteNotShared),
    ];
    for (args, key, expected) in cases {
        let Err(got) = config(args, *key).validate() else {
            panic!("{args} was accepted");
        };
        match expected {
            // The parser's own words name the bad entry.
            TrustedProxies(_) => assert!(
                matches!(&got, TrustedProxies(m) if m.contains("not-an-address")),
                "{args}: {got}"
            ),
            expected => assert_eq!(&got, expected, "{args}"),
        }
    }
}

#[test]
fn what_the_rules_allow_is_accepted() {
    #[rustfmt::skip]
    let cases: &[(&str, Option<&str>)] = &[
        ("", None),
        ("--env production --jwt-secret SECRET", None),
        ("--jwt-secret SECRET --ice-transport-policy relay --turn-urls turn:t.example:3478 --turn-secret s", None),
        ("--jwt-secret SECRET --ice-transport-policy relay --turn --turn-relay-ip 192.0.2.1", None),
        ("--jwt-secret SECRET --ice-transport-policy relay --turn-provider-url PROVIDER", Some("k")),
        ("--jwt-secret SECRET --turn-provider-url http://127.0.0.1:9/api", Some("k")),
        ("--jwt-secret SECRET --turn-provider-url http://localhost:9/api", Some("k")),
        ("--jwt-secret SECRET --turn-provider-url http://[::1]:9/api", Some("k")),
        // Blank lists are no lists.
        ("--jwt-secret SECRET --turn-urls , --stun-urls ,", None),
        ("--jwt-secret SECRET --turn-secret s --turn-urls turn:t.example:3478 --turn --turn-relay-ip 192.0.2.1", None),
        ("--jwt-secret SECRET --redis-url redis://127.0.0.1:6379 --database-url postgres://db/duet", None),
        ("--jwt-secret SECRET --heartbeat-interval 1 --client-timeout 2", None),
    ];
    for (args, key) in cases {
        if let Err(e) = config(args, *key).validate() {
            panic!("{args} refused: {e}");
        }
    }
}

#[test]
fn the_session_secret_is_given_or_generated_in_the_data_folder() {
    let given = config("--jwt-secret SECRET", None).validate().unwrap();
    assert!(matches!(given.session_secret, SessionSecret::Given(s) if s.expose_secret() == SECRET));
    let generated = config("", None).validate().unwrap();
    assert!(matches!(
        generated.session_secret,
        SessionSecret::Generated(path) if path == std::path::Path::new("/srv/duet/jwt-secret")
    ));
}

#[test]
fn settings_are_derived_from_what_was_given() {
    let s = config(
        &format!(
            "--jwt-secret SECRET --public-url https://duet.example.com/app \
             --allowed-origins https://other.example,, --database-url {POSTGRES} \
             --redis-url redis://127.0.0.1:6379 --redis-prefix d1: \
             --heartbeat-interval 10 --client-timeout 1m \
             --turn --turn-relay-ip 192.0.2.1 --turn-ttl 600"
        ),
        None,
    )
    .validate()
    .unwrap();
    assert!(
        s.runtime.cookie_secure,
        "an https PUBLIC_URL makes cookies Secure"
    );
    assert_eq!(
        s.runtime.allowed_origins,
        ["https://other.example", "https://duet.example.com"]
    );
    assert_eq!(s.database_url, POSTGRES);
    assert_eq!(
        s.redis,
        Some(RedisSettings {
            url: "redis://127.0.0.1:6379".into(),
            prefix: "d1:".into(),
            tick: Duration::from_secs(10),
            // Half the client timeout, at least two heartbeats.
            liveness: Duration::from_secs(30),
        })
    );
    let turn = s.embedded_turn.expect("--turn");
    assert_eq!(turn.public_host.as_deref(), Some("duet.example.com"));
    assert_eq!(turn.ttl, Duration::from_secs(600));
    assert_eq!(s.runtime.turn_ttl, Duration::from_secs(600));

    let s = config("", None).validate().unwrap();
    assert!(s.database_url.starts_with("sqlite:///srv/duet/duet.db"));
    assert!(s.redis.is_none() && s.embedded_turn.is_none() && s.turn_provider.is_none());
    assert!(!s.runtime.cookie_secure);
}

#[test]
fn settings_allowed_but_probably_not_meant_are_warned_about() {
    #[rustfmt::skip]
    let cases: &[(&str, Option<&str>, &[&str])] = &[
        ("--jwt-secret SECRET", None, &[]),
        ("--jwt-secret SECRET --turn-secret s", None, &["TURN_SECRET is set without TURN_URLS"]),
        // The embedded server uses the secret itself.
        ("--jwt-secret SECRET --turn-secret s --turn --turn-relay-ip 192.0.2.1", None, &[]),
        ("--jwt-secret SECRET", Some("k"), &["TURN_PROVIDER_KEY is set without TURN_PROVIDER_URL"]),
        ("--env production --jwt-secret SECRET", None, &["COOKIE_SECURE is off in production"]),
        ("--env production --jwt-secret SECRET --cookie-secure", None, &[]),
    ];
    for (args, key, expected) in cases {
        let warnings = config(args, *key).validate().unwrap().warnings;
        assert_eq!(warnings.len(), expected.len(), "{args}: {warnings:?}");
        for (warning, start) in warnings.iter().zip(*expected) {
            assert!(warning.starts_with(start), "{args}: {warning}");
        }
    }
}
