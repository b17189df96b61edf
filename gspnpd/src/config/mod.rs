//! The daemon's TOML config file: reading it, checking every value, and reporting any
//! error with the file, the line and the key.
//!
//! Layers: [`schema`] is the file as written (unknown keys refused); [`profiles`] turns
//! phones and defaults into gspnp profiles; this module checks the rest and gives the
//! ready-to-use [`Config`]. Errors found after parsing carry a [`path::KeyPath`] that
//! [`locate`] maps back to a line.

mod error;
mod locate;
mod path;
mod profiles;
mod schema;
mod sections;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use gspnp::engine::{AnswerCode, EngineConfig, LogLevel, Mode, ProfileAssignment, RateLimit, Selector};
use gspnp::provision::{render, ProvisionError, Rendered, Target};
use gspnp::runtime::ServerConfig;
use gspnp::Mac;
use serde::Deserialize;
use toml::de::DeTable;

pub use error::{ConfigError, Issue};
pub use path::KeyPath;

use profiles::{build_profile, format_of, ProfileParts};
use schema::Document;

/// How phones are heard and answered.
#[derive(Debug, Clone)]
pub struct SipSettings {
    /// Interfaces to join 224.0.1.75 on (empty: every multicast-capable one).
    pub interfaces: Vec<String>,
    /// The multicast port.
    pub port: u16,
    /// The unicast port (0: a free one).
    pub unicast_port: u16,
    /// Whether to join the multicast group.
    pub multicast: bool,
    /// off / discover / provision.
    pub mode: Mode,
    /// 200 or 202.
    pub answer: AnswerCode,
    /// Per source address.
    pub rate_limit: RateLimit,
    /// See `[sip] cooldown`.
    pub cooldown: Option<Duration>,
}

/// A user name and password. Debug never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub user: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("user", &self.user).field("password", &"<redacted>").finish()
    }
}

/// The file server and the URL phones are told.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Where plain HTTP is served, if anywhere.
    pub listen: Option<SocketAddr>,
    /// The folder URL phones are told, ending in `/`; token folders go below it.
    pub public_url: String,
    /// The path part of `public_url` (`/`, `/provisioning/`): requests must start with it.
    pub folder: String,
    /// Basic authentication for every file.
    pub auth: Option<Credentials>,
    /// Connections: how many, from whom, for how long.
    pub limits: crate::http::Limits,
    /// Files kept for phones that are not listed.
    pub max_unlisted_files: usize,
}

/// The HTTPS file server.
#[derive(Debug, Clone)]
pub struct HttpsSettings {
    /// Where HTTPS is served.
    pub listen: SocketAddr,
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// One listed phone.
#[derive(Debug, Clone)]
pub struct PhoneSettings {
    /// Its MAC.
    pub mac: Mac,
    /// Its model, if the file says.
    pub model: Option<String>,
    /// What it gets.
    pub assignment: Arc<ProfileAssignment>,
}

/// A profile for phones not listed.
#[derive(Debug, Clone)]
pub struct DefaultProfileSettings {
    /// Which phones.
    pub selector: Selector,
    /// What they get.
    pub assignment: Arc<ProfileAssignment>,
}

/// A checked config file.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from.
    pub file: PathBuf,
    /// `[sip]`.
    pub sip: SipSettings,
    /// `[http]`.
    pub http: HttpSettings,
    /// `[https]`.
    pub https: Option<HttpsSettings>,
    /// `[[phone]]`, in file order.
    pub phones: Vec<PhoneSettings>,
    /// `[[default_profile]]`, in file order.
    pub default_profiles: Vec<DefaultProfileSettings>,
    /// `[log] level`.
    pub log_level: LogLevel,
    /// What is allowed but probably a mistake, as `FILE:LINE:COLUMN: KEY: what`.
    pub warnings: Vec<String>,
}

/// Reads and checks `file`.
pub fn load(file: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(file)
        .map_err(|error| ConfigError::Unreadable { file: file.to_owned(), reason: error.to_string() })?;
    parse(file, &text)
}

/// Checks `text`, the contents of `file` (which names it in errors and anchors the
/// relative certificate paths).
pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
    let (table, errors) = DeTable::parse_recoverable(text);
    if let Some(error) = errors.first() {
        return Err(serde_error(file, text, table.get_ref(), error));
    }
    let document = Document::deserialize(toml::de::Deserializer::from(table.clone()))
        .map_err(|error| serde_error(file, text, table.get_ref(), &error))?;
    let placed = |issue: Issue| {
        let span = locate::span_of(&table, &issue.path);
        ConfigError::invalid(file, locate::position(text, span.start), issue.path, issue.message)
    };
    let mut warnings = Vec::new();
    let mut config = check(file, &document, &mut warnings).map_err(placed)?;
    config.warnings = warnings.into_iter().map(|issue| placed(issue).to_string()).collect();
    Ok(config)
}

/// A TOML or type error, with the key found from its position. The value of a secret
/// is never repeated.
fn serde_error(file: &Path, text: &str, table: &DeTable<'_>, error: &toml::de::Error) -> ConfigError {
    let offset = error.span().map_or(0, |span| span.start);
    let key = locate::path_at(table, offset);
    let message = if key.is_secret() && error.message().contains("invalid") {
        "has a value of the wrong type (not shown: it is a secret)".to_owned()
    } else {
        error.message().trim().to_owned()
    };
    ConfigError::invalid(file, locate::position(text, offset), key, message)
}

/// The checked config; what is allowed but suspect goes to `warnings`.
fn check(file: &Path, document: &Document, warnings: &mut Vec<Issue>) -> Result<Config, Issue> {
    let sip = sections::sip(&document.sip)?;
    let http = sections::http(&document.http, document.https.is_some())?;
    let base = file.parent().unwrap_or(Path::new("."));
    let https = document.https.as_ref().map(|table| sections::https(table, base)).transpose()?;
    let log_level = sections::log_level(&document.log.level)?;
    let auth = http.auth.clone();
    let credentials = auth.as_ref().map(|auth| (auth.user.as_str(), auth.password.as_str()));
    let mut config = Config {
        file: file.to_owned(),
        sip,
        http,
        https,
        phones: Vec::new(),
        default_profiles: Vec::new(),
        log_level,
        warnings: Vec::new(),
    };
    let mut seen: HashMap<Mac, usize> = HashMap::new();
    for (position, table) in document.phone.iter().enumerate() {
        let at = KeyPath::root().key("phone").index(position);
        if table.vendor.is_some() {
            return Err(Issue::at(&at.key("vendor"), "belongs in a [[default_profile]]; a phone is named by its mac"));
        }
        let text = table.mac.as_deref().ok_or_else(|| Issue::at(&at, "missing field `mac`"))?;
        let mac: Mac = text
            .parse()
            .map_err(|_| Issue::at(&at.key("mac"), format!("{text:?} is not a MAC address (want 12 hex digits)")))?;
        if let Some(first) = seen.insert(mac, position) {
            return Err(Issue::at(&at.key("mac"), format!("{mac} is listed twice (also phone[{first}])")));
        }
        let assignment = assignment(document, credentials, &ProfileParts { at: at.clone(), table })?;
        let phone = PhoneSettings { mac, model: table.model.clone(), assignment };
        if let Some(model) = &phone.model {
            warn_if_unknown(model, &at, warnings);
            config
                .render(&phone.assignment, mac, model, "0".repeat(32).as_str())
                .map_err(|error| Issue::at(&at, format!("its profile does not fit a {model}: {error}")))?;
        }
        config.phones.push(phone);
    }
    for (position, table) in document.default_profile.iter().enumerate() {
        let at = KeyPath::root().key("default_profile").index(position);
        if table.mac.is_some() {
            return Err(Issue::at(
                &at.key("mac"),
                "belongs in a [[phone]]; a default profile is for phones not listed",
            ));
        }
        let vendor = table.vendor.clone().unwrap_or_else(|| "Grandstream".to_owned());
        if let Some(model) = table.model.as_deref().filter(|_| vendor.eq_ignore_ascii_case("Grandstream")) {
            warn_if_unknown(model, &at, warnings);
        }
        let selector = Selector { vendor, model: table.model.clone() };
        let assignment = assignment(document, credentials, &ProfileParts { at, table })?;
        config.default_profiles.push(DefaultProfileSettings { selector, assignment });
    }
    Ok(config)
}

/// A warning at `at.model` when `model` is not in gspnp's model table.
fn warn_if_unknown(model: &str, at: &KeyPath, warnings: &mut Vec<Issue>) {
    if gspnp::provision::capabilities(model).is_err() {
        let message =
            format!("{model:?} is not a model gspnp knows: its file gets the conservative limits of an unknown model");
        warnings.push(Issue::at(&at.key("model"), message));
    }
}

fn assignment(
    document: &Document,
    credentials: Option<(&str, &str)>,
    parts: &ProfileParts<'_>,
) -> Result<Arc<ProfileAssignment>, Issue> {
    let format = format_of(&document.defaults, parts)?;
    let profile = build_profile(&document.defaults, credentials, parts)?;
    Ok(Arc::new(ProfileAssignment { profile, format, token: None }))
}

/// The file `assignment` gives the phone `mac` of `model` that is told `url`: what the
/// engine renders, byte for byte (the daemon re-renders a kept file with it on SIGHUP).
pub fn render_at(assignment: &ProfileAssignment, mac: Mac, model: &str, url: &str) -> Result<Rendered, ProvisionError> {
    let target = Target::new(mac, model, assignment.format)?.with_provisioning_url(url)?;
    render(&assignment.profile, &target)
}

impl Config {
    /// The URL template the engine fills per phone: the public URL, then the token folder.
    pub fn url_template(&self) -> String {
        format!("{}{{token}}/", self.http.public_url)
    }

    /// The URL a phone with `token` is told (`{ip}`, if used, is left for the engine).
    pub fn url_for(&self, token: &str) -> String {
        self.url_template().replace("{token}", token)
    }

    /// The listed phone with `mac`.
    pub fn phone(&self, mac: Mac) -> Option<&PhoneSettings> {
        self.phones.iter().find(|phone| phone.mac == mac)
    }

    /// The default profile an unlisted phone of `vendor` and `model` gets, as the
    /// engine picks it: vendor and model first, then vendor alone.
    pub fn default_profile_for(&self, vendor: &str, model: &str) -> Option<&DefaultProfileSettings> {
        let matches = |entry: &&DefaultProfileSettings, with_model: bool| {
            entry.selector.vendor.eq_ignore_ascii_case(vendor)
                && match &entry.selector.model {
                    Some(own) => with_model && own.eq_ignore_ascii_case(model),
                    None => !with_model,
                }
        };
        self.default_profiles
            .iter()
            .rev()
            .find(|entry| matches(entry, true))
            .or_else(|| self.default_profiles.iter().rev().find(|entry| matches(entry, false)))
    }

    /// The file `assignment` gives the phone `mac` of `model` when its token is `token`,
    /// and the URL it is told: what the engine renders, byte for byte.
    pub fn render(
        &self,
        assignment: &ProfileAssignment,
        mac: Mac,
        model: &str,
        token: &str,
    ) -> Result<(String, Rendered), ProvisionError> {
        let url = self.url_for(token);
        let rendered = render_at(assignment, mac, model, &url)?;
        Ok((url, rendered))
    }

    /// What the gspnp server is started with.
    pub fn server_config(&self) -> ServerConfig {
        let defaults = EngineConfig::default();
        let engine = EngineConfig {
            mode: self.sip.mode,
            answer: self.sip.answer,
            rate_limit: self.sip.rate_limit,
            cooldown: self.sip.cooldown.unwrap_or(defaults.cooldown),
            url_template: self.url_template(),
            user_agent: concat!("gspnpd/", env!("CARGO_PKG_VERSION")).to_owned(),
            ..defaults
        };
        ServerConfig {
            engine,
            interfaces: self.sip.interfaces.clone(),
            port: self.sip.port,
            unicast_port: self.sip.unicast_port,
            multicast: self.sip.multicast,
            ..ServerConfig::default()
        }
    }
}

#[cfg(test)]
mod tests;
