//! Start-up: secrets, the database, and how the real binary reads its settings.

use clap::Parser;
use duet_backend::Application;
use duet_backend::config::Config;

fn config(data_dir: &std::path::Path, extra: &[&str]) -> Config {
    let dir = data_dir.to_str().unwrap();
    let mut args = vec![
        "duet",
        "--port",
        "0",
        "--data-dir",
        dir,
        "--static-dir",
        dir,
    ];
    args.extend_from_slice(extra);
    Config::try_parse_from(args).unwrap()
}

async fn start(config: Config) -> u16 {
    let app = Application::build(config).await.expect("starts");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    port
}

#[tokio::test]
async fn production_refuses_to_start_without_a_jwt_secret() {
    let dir = tempfile::tempdir().unwrap();
    let err = Application::build(config(dir.path(), &["--env", "production"]))
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("JWT_SECRET must be set"), "{err}");
    assert!(!dir.path().join("jwt-secret").exists());
}

#[tokio::test]
async fn a_short_jwt_secret_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = Application::build(config(dir.path(), &["--jwt-secret", "too-short"]))
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("at least 32"), "{err}");
}

#[tokio::test]
async fn development_generates_a_private_secret_and_keeps_it_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let port = start(config(dir.path(), &[])).await;
    let secret_file = dir.path().join("jwt-secret");
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    assert!(secret.trim().len() >= 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "only the owner may read the secret");
    }
    assert!(
        dir.path().join("duet.db").exists(),
        "SQLite database created in DATA_DIR"
    );
    sqlx::any::install_default_drivers();
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        dir.path().join("duet.db").display()
    ))
    .await
    .unwrap();
    let mode: String = sqlx::Row::get(
        &sqlx::query("PRAGMA journal_mode")
            .fetch_one(&mut db)
            .await
            .unwrap(),
        0,
    );
    assert_eq!(mode, "wal", "readers do not wait for writers");
    let ada = crate::helpers::TestApp::at(port).new_user("Ada").await;

    // A second server on the same data folder reuses the secret and the database.
    let port = start(config(dir.path(), &[])).await;
    assert_eq!(std::fs::read_to_string(&secret_file).unwrap(), secret);
    let profile = crate::helpers::TestApp::at(port)
        .get("/api/profile", Some(&ada.token))
        .await;
    assert_eq!(profile.status(), 200);
}

#[tokio::test]
async fn several_instances_refuse_a_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let err = Application::build(config(
        dir.path(),
        &[
            "--jwt-secret",
            crate::helpers::SECRET,
            "--redis-url",
            crate::helpers::REDIS_URL,
        ],
    ))
    .await
    .err()
    .expect("refused");
    assert!(
        err.to_string().contains("SQLite, which cannot be shared"),
        "{err}"
    );
}

#[tokio::test]
async fn production_refuses_placeholder_secrets_and_accepts_random_ones() {
    let dir = tempfile::tempdir().unwrap();
    for weak in [
        "your-secret-key-here-please-change-it",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "0101010101010101010101010101010101010101",
    ] {
        let err = Application::build(config(
            dir.path(),
            &["--env", "production", "--jwt-secret", weak],
        ))
        .await
        .err()
        .expect("refused");
        assert!(err.to_string().contains("placeholder"), "{weak}: {err}");
    }
    let random = "9f3c2a7e1b8d4f60a5c9e2b7d1f0834c6a2e9b5d";
    assert!(
        Application::build(config(
            dir.path(),
            &["--env", "production", "--jwt-secret", random]
        ))
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn the_binary_reads_booleans_as_numbers_and_durations_as_bare_seconds() {
    let server = crate::helpers::ServerCommand::new(env!("CARGO_BIN_EXE_duet"))
        .args(["--jwt-secret", crate::helpers::SECRET])
        // As docs/deploy.md writes them.
        .env("TURN_ENABLE", "1")
        .env("TURN_RELAY_IP", "127.0.0.1")
        .env("TURN_LISTEN", "127.0.0.1:0")
        .env("TURN_ALLOW_PRIVATE_PEERS", "Yes")
        .env("COOKIE_SECURE", "on")
        .env("TURN_TTL", "3600")
        .env("HEARTBEAT_INTERVAL", "5")
        .env("CLIENT_TIMEOUT", "20")
        .env("LOG_FORMAT", "text")
        .env("NO_COLOR", "1")
        .spawn()
        .await
        .expect("duet serves");
    let app = crate::helpers::TestApp::at(server.port);
    let signup = app
        .signup("Ada", "ada@example.com", "correct horse battery")
        .await;
    assert_eq!(signup.status(), 201);
    let cookie = signup
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(cookie.contains("Secure"), "COOKIE_SECURE=on: {cookie}");
    let token: duet_shared::api::AuthResponse = signup.json().await.unwrap();
    let ice = app.ice(&token.token).await;
    assert_eq!(ice.ttl, 3600, "TURN_TTL=3600 is an hour");
    let urls: Vec<&String> = ice.ice_servers.iter().flat_map(|s| &s.urls).collect();
    assert!(
        urls.iter().any(|u| u.starts_with("turn:127.0.0.1:")),
        "TURN_ENABLE=1 runs the embedded TURN server: {urls:?}"
    );
}

#[test]
fn the_binary_refuses_a_bad_setting_with_its_name_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    // (environment, what the message must name)
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("TURN_ENABLE", "maybe")], "TURN_ENABLE"),
        (&[("TURN_TTL", "an hour")], "TURN_TTL"),
        (
            &[("HEARTBEAT_INTERVAL", "0")],
            "HEARTBEAT_INTERVAL must be longer than zero",
        ),
        (&[("TURN_ENABLE", "on")], "--turn needs TURN_RELAY_IP"),
        (&[("DUET_ENV", "production")], "JWT_SECRET must be set"),
    ];
    for (env, names) in cases {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_duet"))
            .args(["--port", "0", "--static-dir", "none"])
            .arg("--data-dir")
            .arg(dir.path())
            .current_dir(dir.path())
            .env_remove("JWT_SECRET")
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{env:?}: {stderr}");
        assert!(stderr.contains(names), "{env:?}: {stderr}");
    }
    assert!(
        !dir.path().join("duet.db").exists(),
        "a refused configuration touches nothing"
    );
}
