//! How values are read: booleans and durations in every spelling operators use.

use super::*;

fn parse(args: &[&str]) -> Result<Config, clap::Error> {
    Config::try_parse_from(["duet"].iter().chain(args).copied())
}

#[test]
fn booleans_accept_the_usual_spellings_in_any_case() {
    let cases = [
        ("1", true),
        ("true", true),
        ("TRUE", true),
        ("yes", true),
        ("Yes", true),
        ("on", true),
        ("ON", true),
        ("0", false),
        ("false", false),
        ("False", false),
        ("no", false),
        ("NO", false),
        ("off", false),
        ("Off", false),
    ];
    for (text, expected) in cases {
        let c = parse(&[
            &format!("--cookie-secure={text}"),
            &format!("--turn={text}"),
            &format!("--turn-allow-private-peers={text}"),
        ])
        .unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(
            (c.cookie_secure, c.turn_enable, c.turn_allow_private_peers),
            (expected, expected, expected),
            "{text}"
        );
    }
}

#[test]
fn a_bare_boolean_flag_means_on_and_its_absence_off() {
    let on = parse(&["--cookie-secure", "--turn", "--turn-allow-private-peers"]).unwrap();
    assert!(on.cookie_secure && on.turn_enable && on.turn_allow_private_peers);
    let off = parse(&[]).unwrap();
    assert!(!off.cookie_secure && !off.turn_enable && !off.turn_allow_private_peers);
}

#[test]
fn other_words_for_a_boolean_are_refused_by_name() {
    for text in ["maybe", "2", "enabled", "onn"] {
        let err = parse(&[&format!("--turn={text}")]).expect_err(text);
        assert_eq!(
            err.kind(),
            clap::error::ErrorKind::ValueValidation,
            "{text}"
        );
        assert!(err.to_string().contains("--turn"), "{text}: {err}");
    }
}

#[test]
fn durations_are_humantime_or_bare_seconds() {
    let cases = [
        ("3600", 3600),
        (" 90 ", 90),
        ("0", 0),
        ("1h", 3600),
        ("90s", 90),
        ("5m", 300),
        ("1h 30m", 5400),
        ("7d", 7 * 86_400),
    ];
    for (text, seconds) in cases {
        assert_eq!(duration(text), Ok(Duration::from_secs(seconds)), "{text}");
    }
    assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
}

#[test]
fn other_durations_are_refused_with_the_accepted_forms() {
    for text in ["soon", "-5", "1.5", "", "5 parsecs", "18446744073709551616"] {
        let err = duration(text).expect_err(text);
        assert!(err.contains("number of seconds"), "{text}: {err}");
    }
}

#[test]
fn every_duration_setting_reads_bare_seconds() {
    let c = parse(&[
        "--session-ttl",
        "60",
        "--turn-ttl",
        "3600",
        "--turn-provider-ttl",
        "120",
        "--heartbeat-interval",
        "5",
        "--client-timeout",
        "20",
    ])
    .unwrap();
    assert_eq!(
        [
            c.session_ttl,
            c.turn_ttl,
            c.turn_provider_ttl,
            c.heartbeat_interval,
            c.client_timeout
        ],
        [60, 3600, 120, 5, 20].map(Duration::from_secs)
    );
}
