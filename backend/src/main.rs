//! The `duet` binary: configuration, logging, then the application until it stops.

use clap::Parser;
use duet_backend::{Application, config::Config, telemetry};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // A missing .env is normal; a malformed one is worth saying.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("duet: ignoring .env: {e}");
    }
    let config = Config::parse();
    telemetry::init(config.log_format);
    match Application::build(config).await {
        Ok(app) => match app.run_until_stopped().await {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(error = %e, "server stopped with an error");
                std::process::ExitCode::FAILURE
            }
        },
        Err(e) => {
            tracing::error!(error = %e, "could not start");
            eprintln!("duet: could not start: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
