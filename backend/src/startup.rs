//! Builds the application from validated settings: database, secrets, hub, TURN,
//! routes. Every rule on the configuration is [`Config::validate`]'s; this only wires.

use crate::auth::{TokenKeys, secret};
use crate::config::Config;
use crate::error::{self, AppError};
use crate::metrics::Metrics;
use crate::settings::{ConfigError, SessionSecret, Settings};
use crate::signaling::admission::Admission;
use crate::signaling::hub::HubError;
use crate::signaling::redis_hub::RedisHub;
use crate::signaling::{Hub, MemoryHub};
use crate::state::{AppState, Limits};
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
    /// The configuration breaks a rule.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The generated development secret could not be kept.
    #[error(transparent)]
    Secret(#[from] secret::SecretError),
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The migrations could not be applied.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The hub's Redis could not be reached.
    #[error("redis: {0}")]
    Hub(#[from] HubError),
    /// The embedded TURN server could not start.
    #[error(transparent)]
    Turn(#[from] turn_embedded::EmbeddedError),
    /// The TURN provider's HTTP client could not be made.
    #[error("the TURN provider's HTTP client: {0}")]
    TurnProvider(String),
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
    /// Validates `config`, then builds from the [`Settings`] it yields.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let settings = config.validate()?;
        Self::from_settings(settings).await
    }

    /// Wires validated settings: connects the database (migrating it), loads the secret,
    /// starts the hub and TURN, and binds the listeners.
    pub async fn from_settings(settings: Settings) -> Result<Self, StartupError> {
        for warning in &settings.warnings {
            tracing::warn!("{warning}");
        }
        let secret = match &settings.session_secret {
            SessionSecret::Given(secret) => secret.clone(),
            SessionSecret::Generated(path) => secret::load_or_generate(path)?,
        };
        let turn_provider = match &settings.turn_provider {
            Some(provider) => {
                let host = provider.url.host_str().unwrap_or_default().to_owned();
                let client =
                    TurnProvider::new(provider.url.clone(), provider.key.clone(), provider.ttl)
                        .map_err(|e| StartupError::TurnProvider(e.to_string()))?;
                tracing::info!(%host, "TURN servers come from the hosted provider");
                Some(client)
            }
            None => None,
        };
        let mut runtime = settings.runtime;
        let turn = match &settings.embedded_turn {
            Some(embedded) => Some(turn_embedded::start(embedded).await?),
            None => None,
        };
        if let Some(embedded) = &turn {
            runtime.turn = Some(embedded.rest.clone());
            runtime.stun_urls.insert(0, embedded.stun.clone());
        }
        let shutdown = CancellationToken::new();
        let hub: Arc<dyn Hub> = match &settings.redis {
            Some(redis) => {
                RedisHub::connect(
                    &redis.url,
                    &redis.prefix,
                    redis.tick,
                    redis.liveness,
                    shutdown.clone(),
                )
                .await?
            }
            None => Arc::new(MemoryHub::new()),
        };
        let pool = db::connect(&settings.database_url).await?;
        let mut metrics = Metrics::default();
        if let Some(embedded) = &turn {
            metrics.register_turn(embedded.server.stats_reader());
        }
        let state = web::Data::new(AppState {
            pool,
            hub,
            tokens: TokenKeys::new(&secret, settings.session_ttl),
            settings: runtime,
            limits: Limits::new(settings.auth_rate_per_minute),
            admission: Admission::new(
                settings.max_connections_per_user,
                settings.max_connections_per_address,
            ),
            shutdown,
            metrics,
            turn_provider,
        });
        spawn_limit_pruning(state.clone());

        let listener = TcpListener::bind((settings.host.as_str(), settings.port))?;
        let port = listener.local_addr()?.port();
        let static_dir = settings.static_dir.clone();
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
                        .limit(http::openapi::MAX_JSON_BODY_BYTES)
                        .error_handler(error::json_error_handler),
                )
                .app_data(web::QueryConfig::default().error_handler(error::query_error_handler))
                .app_data(web::PathConfig::default().error_handler(error::path_error_handler))
                .configure(http::root)
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
        let metrics = match settings.metrics_addr {
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
