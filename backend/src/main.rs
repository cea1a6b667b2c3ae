//! The `duet` binary: configuration, logging, then the application until it stops.

use clap::Parser;
use duet_backend::{Application, config::Config, telemetry};
use std::process::ExitCode;

/// The exit code of a configuration Duet refuses, as for a malformed flag (clap's).
const CONFIG_ERROR: u8 = 2;

// jemalloc, not the system allocator: after a burst of negotiations glibc keeps every page
// the burst touched, jemalloc gives them back (docs/benchmarks.md, "Memory per connection").
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A missing .env is normal; a malformed one is worth saying.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("duet: ignoring .env: {e}");
    }
    let config = Config::parse();
    telemetry::init(config.log_format);
    let settings = match config.validate() {
        Ok(settings) => settings,
        Err(e) => {
            tracing::error!(error = %e, "refusing the configuration");
            eprintln!("duet: configuration: {e}");
            return ExitCode::from(CONFIG_ERROR);
        }
    };
    match Application::from_settings(settings).await {
        Ok(app) => match app.run_until_stopped().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(error = %e, "server stopped with an error");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            tracing::error!(error = %e, "could not start");
            eprintln!("duet: could not start: {e}");
            ExitCode::FAILURE
        }
    }
}
