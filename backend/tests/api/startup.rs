//! Start-up: secrets and the database.

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
