//! The saved session: `<config dir>/duet/session.json` (e.g. `~/.config/duet`), readable
//! by its owner only, holding the server URL and the token `login` obtained.

use serde_json::{Value, json};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

/// A saved server and token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The server it is for.
    pub url: String,
    /// The session token.
    pub token: String,
}

/// Where the session is kept.
pub fn path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("duet").join("session.json"))
}

/// The saved session, if there is a readable one.
pub fn load() -> Option<Saved> {
    let text = std::fs::read_to_string(path()?).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    Some(Saved {
        url: value.get("url")?.as_str()?.to_owned(),
        token: value.get("token")?.as_str()?.to_owned(),
    })
}

/// Saves a session, readable by the owner only (0600, set as the file is made).
pub fn save(saved: &Saved) -> Result<PathBuf, String> {
    let path = path().ok_or("no configuration folder (is HOME set?)")?;
    let dir = path.parent().ok_or("no configuration folder")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    // Write beside it, then rename: a crash never leaves half a token.
    let tmp = dir.join("session.json.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| format!("writing {}: {e}", tmp.display()))?;
    let body = json!({"url": saved.url, "token": saved.token}).to_string();
    file.write_all(body.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("writing {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &path).map_err(|e| format!("saving {}: {e}", path.display()))?;
    Ok(path)
}

/// Removes the saved session (fine if there is none).
pub fn forget() -> Result<(), String> {
    let Some(path) = path() else { return Ok(()) };
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("removing {}: {e}", path.display())),
    }
}
