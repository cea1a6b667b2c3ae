//! The server in this process: `Application::build` on port 0 with a fresh database, alone
//! or as a cluster of instances sharing Postgres and Redis.

use crate::db::{REDIS_URL, fresh_database, fresh_postgres_database};
use crate::{SECRET, TestApp};
use clap::Parser;
use duet_backend::Application;
use duet_backend::config::Config;

/// Starts a server with the test defaults.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts a server with extra command-line flags (later flags override earlier ones).
pub async fn spawn_app_with(extra: &[&str]) -> TestApp {
    spawn_app_configured(extra, |_| {}).await
}

/// Starts a server with extra flags, then `tweak` applied to the parsed configuration (for
/// settings without a flag, such as secrets read from the environment only).
pub async fn spawn_app_configured(extra: &[&str], tweak: impl FnOnce(&mut Config)) -> TestApp {
    let data = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(data.path()).await;
    spawn_app_on(data, database_url, extra, tweak).await
}

/// Why the server refuses to start with these flags and `tweak` (panics if it starts).
pub async fn startup_error(extra: &[&str], tweak: impl FnOnce(&mut Config)) -> String {
    let data = tempfile::tempdir().expect("temp dir");
    let mut args = vec![
        "duet",
        "--port",
        "0",
        "--data-dir",
        data.path().to_str().expect("utf-8 temp path"),
        "--jwt-secret",
        SECRET,
    ];
    args.extend_from_slice(extra);
    let mut config = Config::try_parse_from(args).expect("valid test flags");
    tweak(&mut config);
    match Application::build(config).await {
        Ok(_) => panic!("the server started with {extra:?}"),
        Err(e) => e.to_string(),
    }
}

/// `n` instances sharing one fresh Postgres database and a fresh Redis key prefix,
/// as a multi-instance deployment runs.
pub async fn spawn_cluster(n: usize, extra: &[&str]) -> Vec<TestApp> {
    let database_url = fresh_postgres_database().await;
    let prefix = crate::RedisNamespace::fresh("duet-test").prefix;
    let mut apps = Vec::new();
    for _ in 0..n {
        let mut args = vec!["--redis-url", REDIS_URL, "--redis-prefix", &prefix];
        args.extend_from_slice(extra);
        let data = tempfile::tempdir().expect("temp dir");
        apps.push(spawn_app_on(data, database_url.clone(), &args, |_| {}).await);
    }
    apps
}

/// The test defaults: fast heartbeats, no web app, a fixed STUN URL, generous auth limits.
async fn spawn_app_on(
    data: tempfile::TempDir,
    database_url: String,
    extra: &[&str],
    tweak: impl FnOnce(&mut Config),
) -> TestApp {
    let data_dir = data.path().to_str().expect("utf-8 temp path").to_owned();
    let static_dir = data
        .path()
        .join("no-app")
        .to_str()
        .expect("utf-8")
        .to_owned();
    let mut args = vec![
        "duet",
        "--port",
        "0",
        "--data-dir",
        &data_dir,
        "--database-url",
        &database_url,
        "--jwt-secret",
        SECRET,
        "--static-dir",
        &static_dir,
        "--stun-urls",
        "stun:stun.duet.test:3478",
        "--heartbeat-interval",
        "250ms",
        "--client-timeout",
        "10s",
        "--auth-rate-per-minute",
        "1000",
    ];
    args.extend_from_slice(extra);
    let mut config = Config::try_parse_from(args).expect("valid test flags");
    tweak(&mut config);
    let app = Application::build(config).await.expect("app builds");
    let port = app.port();
    let metrics_port = app.metrics_port();
    tokio::spawn(app.run_until_stopped());
    let mut test_app = TestApp::at(port);
    test_app.database_url = database_url;
    test_app.metrics_port = metrics_port;
    test_app.data = Some(data);
    test_app
}
