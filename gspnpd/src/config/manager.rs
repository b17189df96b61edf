//! `[store]` and `[admin]`, the device manager's settings, and the profiles an admin
//! assigns through the API: the JSON form of a `[[phone]]` table, checked and built
//! exactly as the config file's (on top of the same `[defaults]`).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use gspnp::engine::ProfileAssignment;

use super::error::Issue;
use super::path::KeyPath;
use super::profiles::{build_profile, format_of, ProfileParts};
use super::schema::{AdminTable, DefaultsTable, ProfileTable, StoreTable};
use super::sections::socket_address;
use super::Config;

/// Phones the store keeps unless `[store] max_phones` says otherwise.
pub const DEFAULT_MAX_PHONES: usize = 100_000;
/// The store's file name when `[store] path` is absent.
pub const STORE_FILE: &str = "gspnpd.sqlite";

/// Where and how much the store keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreSettings {
    /// The SQLite file.
    pub path: PathBuf,
    /// The most phones kept.
    pub max_phones: usize,
}

/// The admin listener. Debug shows no password hash.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminSettings {
    /// Where the REST API and the web UI are served.
    pub listen: SocketAddr,
    /// The admin password's Argon2 PHC string.
    pub password_hash: String,
    /// HTTPS certificate and key, when set.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Serve unassigned phones a bootstrap file without secrets.
    pub bootstrap: bool,
    /// How long a provisioning window stays open; None: no window (always open).
    pub window: Option<Duration>,
}

impl fmt::Debug for AdminSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminSettings")
            .field("listen", &self.listen)
            .field("password_hash", &"<redacted>")
            .field("tls", &self.tls)
            .field("bootstrap", &self.bootstrap)
            .field("window", &self.window)
            .finish()
    }
}

fn admin_path(key: &str) -> KeyPath {
    KeyPath::root().key("admin").key(key)
}

/// `[store]`: `path` relative to the config file's folder; without it `gspnpd.sqlite`
/// in the first folder of `$STATE_DIRECTORY` (systemd's StateDirectory=) or beside
/// the config file.
pub fn store(table: &StoreTable, config_file: &Path) -> Result<StoreSettings, Issue> {
    let base = config_file.parent().unwrap_or(Path::new("."));
    let path = match table.path.as_deref() {
        Some("") => return Err(Issue::at(&KeyPath::root().key("store").key("path"), "must not be empty")),
        Some(path) => base.join(path),
        None => match std::env::var_os("STATE_DIRECTORY").filter(|value| !value.is_empty()) {
            Some(folders) => {
                let first = folders.to_string_lossy().split(':').next().unwrap_or_default().to_owned();
                PathBuf::from(first).join(STORE_FILE)
            }
            None => base.join(STORE_FILE),
        },
    };
    let max_phones = match table.max_phones {
        Some(0) => return Err(Issue::at(&KeyPath::root().key("store").key("max_phones"), "must be at least 1")),
        Some(count) => count,
        None => DEFAULT_MAX_PHONES,
    };
    Ok(StoreSettings { path, max_phones })
}

/// `[admin]`; certificate paths relative to `base`.
pub fn admin(table: &AdminTable, base: &Path) -> Result<AdminSettings, Issue> {
    let listen = socket_address(&table.listen, &admin_path("listen"))?;
    if argon2::password_hash::PasswordHash::new(&table.password_hash).is_err() {
        return Err(Issue::at(
            &admin_path("password_hash"),
            "is not a password hash (not shown: it is a secret); paste what `gspnpd hash-password` prints",
        ));
    }
    let tls = match (&table.cert, &table.key) {
        (Some(cert), Some(key)) => Some((base.join(cert), base.join(key))),
        (None, None) => None,
        (Some(_), None) => return Err(Issue::at(&admin_path("cert"), "needs `key` beside it")),
        (None, Some(_)) => return Err(Issue::at(&admin_path("key"), "needs `cert` beside it")),
    };
    let window = match table.window_minutes {
        Some(0) => return Err(Issue::at(&admin_path("window_minutes"), "must be at least 1")),
        minutes => minutes.map(|minutes| Duration::from_secs(minutes.saturating_mul(60))),
    };
    Ok(AdminSettings { listen, password_hash: table.password_hash.clone(), tls, bootstrap: table.bootstrap, window })
}

impl Config {
    /// The profile an admin assigns to `mac`: `table` is a `[[phone]]` table as JSON (accounts,
    /// keys, raw settings, format, model), without `mac` (the URL names the phone);
    /// built on this file's `[defaults]`. The phone keeps `token`, if given. An error's
    /// path names the field at fault (`account[0].user`).
    pub fn admin_profile(
        &self,
        mac: gspnp::Mac,
        table: serde_json::Value,
        token: Option<String>,
    ) -> Result<Arc<ProfileAssignment>, Issue> {
        let table: ProfileTable =
            serde_json::from_value(table).map_err(|error| Issue::at(&KeyPath::root(), error.to_string()))?;
        if table.mac.is_some() || table.vendor.is_some() {
            let key = if table.mac.is_some() { "mac" } else { "vendor" };
            return Err(Issue::at(
                &KeyPath::root().key(key),
                "is not part of a phone's profile (the URL names the phone)",
            ));
        }
        let parts = ProfileParts { at: KeyPath::root(), table: &table };
        let credentials = self.http.auth.as_ref().map(|auth| (auth.user.as_str(), auth.password.as_str()));
        let format = format_of(&self.defaults, &parts)?;
        let profile = build_profile(&self.defaults, credentials, &parts)?;
        if let Some(model) = &table.model {
            let assignment = ProfileAssignment { profile: profile.clone(), format, token: None };
            self.render(&assignment, mac, model, &"0".repeat(32))
                .map_err(|error| Issue::at(&KeyPath::root(), format!("the profile does not fit a {model}: {error}")))?;
        }
        Ok(Arc::new(ProfileAssignment { profile, format, token }))
    }

    /// What a phone nobody assigned is served with `[admin] bootstrap`: `[defaults]`'
    /// NTP server, time zone and language only, in `[defaults]`' format. No account,
    /// password, HTTP credential or raw setting: any phone (or anyone claiming a MAC)
    /// may fetch it. P1414 (Plug and Play) stays on, as in every file gspnp writes, so the
    /// phone asks again at its next boot.
    pub fn bootstrap_profile(&self) -> Result<Arc<ProfileAssignment>, Issue> {
        let public = DefaultsTable {
            format: self.defaults.format.clone(),
            ntp_server: self.defaults.ntp_server.clone(),
            time_zone: self.defaults.time_zone.clone(),
            language: self.defaults.language.clone(),
            ..DefaultsTable::default()
        };
        let empty: ProfileTable = serde_json::from_value(serde_json::json!({}))
            .map_err(|error| Issue::at(&KeyPath::root(), error.to_string()))?;
        let parts = ProfileParts { at: KeyPath::root().key("admin").key("bootstrap"), table: &empty };
        let format = format_of(&public, &parts)?;
        let profile = build_profile(&public, None, &parts)?;
        Ok(Arc::new(ProfileAssignment { profile, format, token: None }))
    }
}
