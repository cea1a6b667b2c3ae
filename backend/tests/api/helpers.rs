//! The test kit (crates/testkit), plus what only this package can know: where its binary is.

pub use duet_testkit::*;

/// Starts the real `duet` binary of this build with the test secret and `args`, and waits
/// until it says where it listens.
pub async fn spawn_process(args: &[&str]) -> Process {
    ServerCommand::new(env!("CARGO_BIN_EXE_duet"))
        .args(["--jwt-secret", SECRET])
        .args(args)
        .env("RUST_LOG", "info,duet_backend=debug")
        .env("LOG_FORMAT", "text")
        .env("NO_COLOR", "1")
        .spawn()
        .await
        .expect("the duet binary starts and logs its port")
}
