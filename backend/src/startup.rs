//! Builds the application from its configuration: database, secrets, hub, routes.

use crate::auth::{TokenKeys, secret};
use crate::config::{Config, Environment, TransportPolicy};
use crate::error::{self, AppError};
use crate::metrics::Metrics;
use crate::signaling::admission::Admission;
use crate::signaling::hub::HubError;
use crate::signaling::redis_hub::RedisHub;
use crate::signaling::{Hub, MemoryHub, upgrade};
use crate::state::{AppState, Limits, Settings};
use crate::turn_provider::TurnProvider;
use crate::{db, http, security_headers, static_files, turn_embedded};
use actix_web::dev::Server;
use actix_web::dev::Service;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{App, HttpResponse, HttpServer, middleware, web};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The secret is missing or weak.
    #[error(transparent)]
    Secret(#[from] secret::SecretError),
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The migrations could not be applied.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// TURN URLs without the secret to sign credentials for them.
    #[error(
        "TURN_URLS is set but TURN_SECRET is not: browsers would get TURN servers they cannot use"
    )]
    TurnSecretMissing,
    /// `relay` with no TURN server: no call could ever connect.
    #[error(
        "ICE_TRANSPORT_POLICY=relay needs a TURN server (TURN_URLS, --turn or TURN_PROVIDER_URL): without one no call could connect"
    )]
    RelayWithoutTurn,
    /// A hosted TURN provider and Duet's own TURN settings at once.
    #[error(
        "TURN_PROVIDER_URL cannot be combined with TURN_URLS, TURN_SECRET or --turn: use either the hosted provider or your own TURN server"
    )]
    TurnProviderConflict,
    /// A hosted TURN provider without its key.
    #[error("TURN_PROVIDER_URL is set but the TURN_PROVIDER_KEY environment variable is not")]
    TurnProviderKeyMissing,
    /// The key would travel in clear text.
    #[error(
        "TURN_PROVIDER_URL must be an https:// URL (http:// only on loopback): the API key travels in it"
    )]
    TurnProviderInsecure,
    /// Several instances cannot share a SQLite file.
    #[error(
        "REDIS_URL is set for several instances, but DATABASE_URL is SQLite, which cannot be shared between instances: use PostgreSQL"
    )]
    SqliteNotShared,
    /// The hub's Redis could not be reached.
    #[error("redis: {0}")]
    Hub(#[from] HubError),
    /// The embedded TURN server could not start.
    #[error(transparent)]
    Turn(#[from] turn_embedded::EmbeddedError),
    /// A setting is malformed.
    #[error("{0}")]
    Config(String),
    /// The address could not be bound.
    #[error("listen: {0}")]
    Io(#[from] std::io::Error),
}

/// A bound, ready-to-run server.
pub struct Application {
    port: u16,
    server: Server,
    metrics: Option<(u16, Server)>,
    turn: Option<turn_embedded::Embedded>,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects the database (migrating it), loads secrets, and binds the listener.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let secret = secret::load(&config)?;
        let mut settings = Settings::from_config(&config).map_err(StartupError::Config)?;
        let turn_provider = turn_provider(&config)?;
        if config.ice_transport_policy == TransportPolicy::Relay
            && config.turn_urls().is_empty()
            && !config.turn_enable
            && turn_provider.is_none()
        {
            return Err(StartupError::RelayWithoutTurn);
        }
        let turn = turn_embedded::start(&config).await?;
        if let Some(embedded) = &turn {
            settings.turn = Some(embedded.rest.clone());
            settings.stun_urls.insert(0, embedded.stun.clone());
        }
        if !config.turn_urls().is_empty() && config.turn_secret.is_none() {
            return Err(StartupError::TurnSecretMissing);
        }
        if config.turn_urls().is_empty() && config.turn_secret.is_some() {
            tracing::warn!("TURN_SECRET is set without TURN_URLS: no TURN server is handed out");
        }
        if config.environment == Environment::Production && !settings.cookie_secure {
            tracing::warn!(
                "COOKIE_SECURE is off in production: session cookies will travel over plain HTTP"
            );
        }
        let database_url = config.database_url();
        let shutdown = CancellationToken::new();
        let hub: Arc<dyn Hub> = match config.redis_url.as_deref().filter(|u| !u.trim().is_empty()) {
            Some(_) if database_url.starts_with("sqlite:") => {
                return Err(StartupError::SqliteNotShared);
            }
            Some(url) => {
                let liveness = (config.client_timeout / 2).max(config.heartbeat_interval * 2);
                RedisHub::connect(
                    url,
                    &config.redis_prefix,
                    config.heartbeat_interval,
                    liveness,
                    shutdown.clone(),
                )
                .await?
            }
            None => Arc::new(MemoryHub::new()),
        };
        let pool = db::connect(&database_url).await?;
        let mut metrics = Metrics::default();
        if let Some(embedded) = &turn {
            metrics.register_turn(embedded.server.stats_reader());
        }
        let state = web::Data::new(AppState {
            pool,
            hub,
            tokens: TokenKeys::new(&secret, config.session_ttl),
            settings,
            limits: Limits::new(config.auth_rate_per_minute),
            admission: Admission::new(
                config.max_connections_per_user,
                config.max_connections_per_address,
            ),
            shutdown,
            metrics,
            turn_provider,
        });
        spawn_limit_pruning(state.clone());

        let listener = TcpListener::bind((config.host.as_str(), config.port))?;
        let port = listener.local_addr()?.port();
        let static_dir = config.static_dir.clone();
        let csp = Arc::new(security_headers::Csp::new(static_dir.clone()));
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(security_headers::default_headers())
                .wrap_fn({
                    let csp = Arc::clone(&csp);
                    move |req, srv| {
                        let policy = csp.policy();
                        let response = srv.call(req);
                        async move {
                            let mut response = response.await?;
                            if let Ok(value) = HeaderValue::from_str(&policy) {
                                response
                                    .headers_mut()
                                    .insert(header::CONTENT_SECURITY_POLICY, value);
                            }
                            Ok(response)
                        }
                    }
                })
                .wrap(middleware::Logger::new("%r %s %Dms").exclude("/healthz"))
                // A span per request with a `request_id`: every log line a handler
                // writes carries it (the access line above is written after it closes).
                .wrap(TracingLogger::default())
                .app_data(app_state.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(16 * 1024)
                        .error_handler(error::json_error_handler),
                )
                .app_data(web::QueryConfig::default().error_handler(error::query_error_handler))
                .app_data(web::PathConfig::default().error_handler(error::path_error_handler))
                .route("/healthz", web::get().to(http::health::healthz))
                .route("/ws", web::get().to(upgrade::ws))
                .service(
                    web::scope("/api")
                        .configure(http::configure)
                        .default_service(web::to(api_not_found)),
                )
                .configure(static_files::configure(static_dir.clone()))
        })
        .shutdown_timeout(10)
        // Signaling writes small frames back to back (an echo and a peer's line, a burst
        // of candidates): with Nagle's algorithm each waits ~40 ms for a delayed ACK.
        .tcp_nodelay(true)
        .listen(listener)?
        .run();
        let metrics = match config.metrics_addr {
            Some(addr) => Some(metrics_server(addr, state.clone())?),
            None => None,
        };
        tracing::info!(port, "Duet is listening");
        Ok(Application {
            port,
            server,
            metrics,
            turn,
            state,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The embedded TURN server's address, with `--turn`.
    pub fn turn_addr(&self) -> Option<std::net::SocketAddr> {
        self.turn.as_ref().map(|t| t.server.local_addr())
    }

    /// The port of the metrics listener, when `METRICS_ADDR` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// Serves until the process is told to stop; open connections are told to reconnect.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        if let Some((_, metrics)) = self.metrics {
            tokio::spawn(metrics);
        }
        let handle = self.server.handle();
        let shutdown = self.state.shutdown.clone();
        let server = tokio::spawn(self.server);
        tokio::select! {
            result = server => return result.map_err(std::io::Error::other)?,
            () = stop_signal() => tracing::info!("stopping"),
        }
        shutdown.cancel();
        handle.stop(true).await;
        if let Some(turn) = self.turn {
            turn.server.stop().await;
        }
        Ok(())
    }
}

/// The hosted TURN provider, with `TURN_PROVIDER_URL`.
fn turn_provider(config: &Config) -> Result<Option<TurnProvider>, StartupError> {
    let Some(url) = config.turn_provider_url.clone() else {
        if config.turn_provider_key.is_some() {
            tracing::warn!("TURN_PROVIDER_KEY is set without TURN_PROVIDER_URL: it is not used");
        }
        return Ok(None);
    };
    if config.turn_enable || config.turn_secret.is_some() || !config.turn_urls().is_empty() {
        return Err(StartupError::TurnProviderConflict);
    }
    let key = config
        .turn_provider_key
        .clone()
        .ok_or(StartupError::TurnProviderKeyMissing)?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    if !(url.scheme() == "https" || url.scheme() == "http" && loopback) {
        return Err(StartupError::TurnProviderInsecure);
    }
    let host = url.host_str().unwrap_or_default().to_owned();
    let provider = TurnProvider::new(url, key, config.turn_provider_ttl)
        .map_err(|e| StartupError::Config(format!("the TURN provider's HTTP client: {e}")))?;
    tracing::info!(%host, "TURN servers come from the hosted provider");
    Ok(Some(provider))
}

/// A second listener for `/metrics` only, so metrics are never on the public port.
fn metrics_server(
    addr: std::net::SocketAddr,
    state: web::Data<AppState>,
) -> std::io::Result<(u16, Server)> {
    let listener = TcpListener::bind(addr)?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new().app_data(state.clone()).route(
            "/metrics",
            web::get().to(|state: web::Data<AppState>| async move {
                let local = i64::try_from(state.hub.local_rooms()).unwrap_or(i64::MAX);
                state.metrics.rooms_occupied.set(local);
                HttpResponse::Ok()
                    .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
                    .body(state.metrics.render())
            }),
        )
    })
    .workers(1)
    .listen(listener)?
    .run();
    tracing::info!(port, "metrics on /metrics");
    Ok((port, server))
}

async fn api_not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound("no such API endpoint"))
}

/// Resolves on SIGINT or SIGTERM.
async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn spawn_limit_pruning(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = tick.tick() => state.limits.prune(),
                () = state.shutdown.cancelled() => break,
            }
        }
    });
}
