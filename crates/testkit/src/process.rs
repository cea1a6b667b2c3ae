//! The real `duet` binary as a child process: started on a free port, its log kept,
//! stopped with SIGTERM (as a service manager does) or killed when dropped.

use crate::KitError;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Settings the server would otherwise take from the environment; a spawned server gets only
/// the flags it is given.
const CLEARED_ENV: &[&str] = &[
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_PREFIX",
    "METRICS_ADDR",
    "JWT_SECRET",
    "TURN_SECRET",
    "PORT",
    "HOST",
];

/// How to start one server process.
#[derive(Debug, Clone)]
pub struct ServerCommand {
    binary: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
}

impl ServerCommand {
    /// `binary --host 127.0.0.1 --port 0 --static-dir none --stun-urls ""`, then the caller's flags.
    pub fn new(binary: impl Into<PathBuf>) -> ServerCommand {
        let args = [
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--static-dir",
            "none",
            "--stun-urls",
            "",
        ];
        ServerCommand {
            binary: binary.into(),
            args: args.iter().map(OsString::from).collect(),
            env: Vec::new(),
        }
    }

    /// Adds flags (later flags override earlier ones).
    pub fn args<I, S>(mut self, args: I) -> ServerCommand
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable for the server.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> ServerCommand {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Starts it with its own data folder (also its working directory, so no stray `.env`
    /// is read) and waits until it logs its port.
    pub async fn spawn(self) -> Result<Process, KitError> {
        let data = tempfile::tempdir().map_err(KitError::io("a data folder"))?;
        // Absolute: the server runs in its data folder, where a relative path means nothing.
        let binary = std::path::absolute(&self.binary)
            .map_err(KitError::io(format!("finding {}", self.binary.display())))?;
        let mut command = Command::new(&binary);
        command
            .args(&self.args)
            .arg("--data-dir")
            .arg(data.path())
            .current_dir(data.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // The port is read from the log: plain text, whatever the server's defaults.
            .env("NO_COLOR", "1");
        for key in CLEARED_ENV {
            command.env_remove(key);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        let mut child = command
            .spawn()
            .map_err(KitError::io(format!("starting {}", binary.display())))?;
        let stdout = child.stdout.take();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&logs);
        let read = tokio::task::spawn_blocking(move || stdout.and_then(|out| read_port(out, kept)));
        // A server that runs but never says its port must fail the caller, not hang it.
        let port = tokio::time::timeout(crate::WAIT, read)
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        let mut process = Process {
            child,
            port: 0,
            logs,
            _data: data,
        };
        match port {
            Some(port) => {
                process.port = port;
                Ok(process)
            }
            None => {
                let _ = process.child.kill();
                let _ = process.child.wait();
                Err(KitError::NoPort(process.log_lines().join("\n")))
            }
        }
    }
}

/// Reads log lines until one says the port (`port=8080` in text logs, `"port":8080` in JSON
/// ones), then keeps reading on a thread so the server never blocks on a full pipe.
fn read_port(stdout: std::process::ChildStdout, kept: Arc<Mutex<Vec<String>>>) -> Option<u16> {
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let keep = move |line: &String| {
        if let Ok(mut logs) = kept.lock() {
            logs.push(line.clone());
        }
    };
    let port = lines.find_map(|line| {
        keep(&line);
        port_in(&line)
    });
    std::thread::spawn(move || lines.for_each(|line| keep(&line)));
    port
}

/// The port a startup log line announces.
fn port_in(line: &str) -> Option<u16> {
    let at = line
        .find("port=")
        .map(|at| at + 5)
        .or_else(|| line.find("\"port\":").map(|at| at + 7))?;
    line[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// A running `duet` process; killed when dropped.
pub struct Process {
    /// The child process.
    pub child: Child,
    /// Where it listens (on 127.0.0.1 unless told otherwise).
    pub port: u16,
    /// Everything it has written to stdout so far, a line each.
    pub logs: Arc<Mutex<Vec<String>>>,
    _data: tempfile::TempDir,
}

impl Process {
    /// The log lines so far.
    pub fn log_lines(&self) -> Vec<String> {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Asks it to stop (SIGTERM) without waiting.
    pub fn terminate(&self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id().cast_signed());
        // It may have exited already; then there is nothing to stop.
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    }

    /// Waits up to `grace` for it to exit after [`Process::terminate`], then kills it.
    pub async fn wait_or_kill(&mut self, grace: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) => tokio::time::sleep(Duration::from_millis(50)).await,
                Err(_) => break,
            }
        }
        let _ = self.child.kill();
        self.child.wait().ok()
    }

    /// SIGTERM, then up to `grace` for a clean exit, then SIGKILL.
    pub async fn stop(mut self, grace: Duration) -> Option<ExitStatus> {
        self.terminate();
        self.wait_or_kill(grace).await
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::port_in;

    #[test]
    fn the_port_is_read_from_text_and_json_logs() {
        assert_eq!(
            port_in("INFO duet: listening host=127.0.0.1 port=8080"),
            Some(8080)
        );
        assert_eq!(
            port_in(r#"{"fields":{"port":41234,"host":"x"}}"#),
            Some(41234)
        );
        assert_eq!(port_in("INFO duet: migrations applied"), None);
        assert_eq!(port_in("port=99999"), None);
    }
}
