//! `[sip]`, `[http]`, `[https]` and `[log]`: from what the file says to typed settings.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use gspnp::engine::{AnswerCode, LogLevel, Mode, RateLimit};

use super::error::Issue;
use super::path::KeyPath;
use super::schema::{HttpTable, HttpsTable, SipTable};
use super::{Credentials, HttpSettings, HttpsSettings, SipSettings};
use crate::http::Limits;

fn sip_path(key: &str) -> KeyPath {
    KeyPath::root().key("sip").key(key)
}

fn http_path(key: &str) -> KeyPath {
    KeyPath::root().key("http").key(key)
}

/// `[sip]`.
pub fn sip(table: &SipTable) -> Result<SipSettings, Issue> {
    let mode = match table.mode.to_ascii_lowercase().as_str() {
        "off" => Mode::Off,
        "discover" => Mode::Discover,
        "provision" => Mode::Provision,
        other => return Err(Issue::at(&sip_path("mode"), format!("{other:?} is not off, discover or provision"))),
    };
    let answer = match table.answer {
        200 => AnswerCode::Ok200,
        202 => AnswerCode::Accepted202,
        other => return Err(Issue::at(&sip_path("answer"), format!("{other} is not 200 or 202"))),
    };
    let mut rate_limit = RateLimit::default();
    if let Some(limit) = &table.rate_limit {
        if limit.burst == 0 || !limit.per_second.is_finite() || limit.per_second < 0.0 {
            return Err(Issue::at(
                &sip_path("rate_limit"),
                "burst must be at least 1 and per_second a number of 0 or more",
            ));
        }
        rate_limit.burst = limit.burst;
        rate_limit.per_second = limit.per_second;
    }
    Ok(SipSettings {
        interfaces: table.interfaces.clone(),
        port: table.port,
        unicast_port: table.unicast_port,
        multicast: table.multicast,
        mode,
        answer,
        rate_limit,
        cooldown: table.cooldown.map(Duration::from_secs),
    })
}

/// `ADDRESS:PORT`.
fn socket_address(text: &str, path: &KeyPath) -> Result<SocketAddr, Issue> {
    text.parse().map_err(|_| Issue::at(path, format!("{text:?} is not ADDRESS:PORT (for example 0.0.0.0:8080)")))
}

/// `[http]`; `has_https` says whether `[https]` exists.
pub fn http(table: &HttpTable, has_https: bool) -> Result<HttpSettings, Issue> {
    let listen = table.listen.as_deref().map(|text| socket_address(text, &http_path("listen"))).transpose()?;
    let url = table.public_url.as_str();
    let url_path = http_path("public_url");
    let refuse = |why: &str| Err(Issue::at(&url_path, format!("{url:?} {why}")));
    let after_scheme = if let Some(rest) = url.strip_prefix("https://") {
        if !has_https {
            return refuse("is https:// but there is no [https] section to serve it");
        }
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        if listen.is_none() {
            return refuse("is http:// but [http] has no listen address to serve it");
        }
        rest
    } else {
        return refuse("must start with http:// or https://");
    };
    let Some(slash) = after_scheme.find('/') else {
        return refuse("must end in '/' (phones are told a folder)");
    };
    let folder = &after_scheme[slash..];
    if !url.ends_with('/') {
        return refuse("must end in '/' (phones are told a folder)");
    }
    if folder.contains(['{', '}', '?', '#', '%']) {
        return refuse("may use a placeholder only in the host ({ip}); its path must be plain");
    }
    let template = format!("{url}{{token}}/");
    if let Err(error) = gspnp::engine::url::check_template(&template) {
        return refuse(&format!("cannot be used: {error}"));
    }
    let auth = table.auth.as_ref().map(|auth| Credentials { user: auth.user.clone(), password: auth.password.clone() });
    if auth.as_ref().is_some_and(|auth| auth.user.is_empty() || auth.user.contains(':')) {
        return Err(Issue::at(&http_path("auth").key("user"), "must be non-empty and without ':'"));
    }
    let defaults = Limits::default();
    let limits = Limits {
        connections: at_least_one(table.max_connections, defaults.connections, "max_connections")?,
        per_source: at_least_one(table.max_connections_per_source, defaults.per_source, "max_connections_per_source")?,
        ..defaults
    };
    let max_unlisted_files = at_least_one(table.max_unlisted_files, DEFAULT_UNLISTED_FILES, "max_unlisted_files")?;
    Ok(HttpSettings { listen, public_url: url.to_owned(), folder: folder.to_owned(), auth, limits, max_unlisted_files })
}

/// Files kept for unlisted phones unless `[http] max_unlisted_files` says otherwise: the
/// device table's default bound.
pub const DEFAULT_UNLISTED_FILES: usize = 16_384;

/// `value` if it is at least 1, `default` if absent.
fn at_least_one(value: Option<usize>, default: usize, key: &str) -> Result<usize, Issue> {
    match value {
        None => Ok(default),
        Some(0) => Err(Issue::at(&http_path(key), "must be at least 1")),
        Some(value) => Ok(value),
    }
}

/// `[https]`; relative file names are taken from `base`, the config file's folder.
pub fn https(table: &HttpsTable, base: &Path) -> Result<HttpsSettings, Issue> {
    let path = KeyPath::root().key("https");
    Ok(HttpsSettings {
        listen: socket_address(&table.listen, &path.key("listen"))?,
        cert: base.join(&table.cert),
        key: base.join(&table.key),
    })
}

/// `[log] level`.
pub fn log_level(level: &str) -> Result<LogLevel, Issue> {
    match level.to_ascii_lowercase().as_str() {
        "error" => Ok(LogLevel::Error),
        "warn" | "warning" => Ok(LogLevel::Warn),
        "info" => Ok(LogLevel::Info),
        "debug" => Ok(LogLevel::Debug),
        other => Err(Issue::at(
            &KeyPath::root().key("log").key("level"),
            format!("{other:?} is not error, warn, info or debug"),
        )),
    }
}
