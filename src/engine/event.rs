//! What the engine tells the host.

use std::fmt;
use std::net::SocketAddrV4;

use crate::device::DeviceInfo;
use crate::mac::Mac;

/// One thing the host should know about. Events come out of
/// [`super::Engine::poll_event`] in the order they happened.
#[derive(Clone, PartialEq)]
pub enum Event {
    /// A phone the engine had not seen (or had forgotten) sent a ua-profile SUBSCRIBE.
    Discovered(DeviceInfo),
    /// A known phone sent a new SUBSCRIBE (it rebooted or retried with a new request).
    Updated(DeviceInfo),
    /// A file was rendered for a phone; the NOTIFY waits for
    /// [`super::Engine::decide`] with this ticket.
    ConfigReady(ConfigFile),
    /// The final outcome of a NOTIFY.
    NotifyResult(NotifyResult),
    /// The final outcome of a re-provisioning ([`super::Engine::resync`]).
    ResyncResult(super::ResyncResult),
    /// A line for the host's log. Never contains a password or a URL token.
    Log(LogLevel, String),
}

/// A rendered configuration file offered to the host before the phone is told about it.
#[derive(Clone, PartialEq)]
pub struct ConfigFile {
    /// Pass to [`super::Engine::decide`].
    pub ticket: u64,
    /// The phone.
    pub mac: Mac,
    /// The model the file was rendered for.
    pub model: String,
    /// `cfg<mac>.xml`.
    pub file_name: String,
    /// The file. It contains secrets (SIP passwords): store it where only the phone can
    /// fetch it, under `url`.
    pub contents: Vec<u8>,
    /// The folder the phone will be told; it ends in `/` and contains the token.
    pub url: String,
    /// The device's token (the unguessable part of `url`).
    pub token: String,
    /// Non-fatal remarks from rendering (for example an unknown model).
    pub warnings: Vec<String>,
}

impl fmt::Debug for ConfigFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigFile")
            .field("ticket", &self.ticket)
            .field("mac", &self.mac)
            .field("model", &self.model)
            .field("file_name", &self.file_name)
            .field("contents", &format_args!("<{} bytes>", self.contents.len()))
            .field("url", &redact_token(&self.url, &self.token))
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// How a NOTIFY ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyOutcome {
    /// The phone answered with this 2xx: it will fetch its file.
    Acknowledged(u16),
    /// The phone answered with this error status.
    Rejected(u16),
    /// No final answer before Timer F.
    TimedOut,
}

/// The final outcome of one NOTIFY to one phone.
#[derive(Clone, PartialEq)]
pub struct NotifyResult {
    /// The phone.
    pub mac: Mac,
    /// Where the NOTIFY went.
    pub destination: SocketAddrV4,
    /// The URL it carried.
    pub url: String,
    /// How it ended.
    pub outcome: NotifyOutcome,
    /// True when it was sent inside the SUBSCRIBE's dialog, false for a deferred NOTIFY.
    pub in_dialog: bool,
}

impl fmt::Debug for NotifyResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifyResult")
            .field("mac", &self.mac)
            .field("destination", &self.destination)
            .field("url", &redact_path(&self.url))
            .field("outcome", &self.outcome)
            .field("in_dialog", &self.in_dialog)
            .finish()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Discovered(info) => f.debug_tuple("Discovered").field(info).finish(),
            Event::Updated(info) => f.debug_tuple("Updated").field(info).finish(),
            Event::ConfigReady(file) => f.debug_tuple("ConfigReady").field(file).finish(),
            Event::NotifyResult(result) => f.debug_tuple("NotifyResult").field(result).finish(),
            Event::ResyncResult(result) => f.debug_tuple("ResyncResult").field(result).finish(),
            Event::Log(level, line) => f.debug_tuple("Log").field(level).field(line).finish(),
        }
    }
}

/// Severity of a log line; the numbers are the C ABI's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Something failed.
    Error = 1,
    /// Something is off but work goes on.
    Warn = 2,
    /// One line per phone event.
    Info = 3,
    /// Per datagram detail.
    Debug = 4,
}

/// `url` with `token` replaced by `<token>`, for logs.
pub fn redact_token(url: &str, token: &str) -> String {
    if token.is_empty() {
        return redact_path(url);
    }
    url.replace(token, "<token>")
}

/// `url` with everything after the host replaced by `/…/`, for logs when the token is
/// not known (a host-supplied URL may carry a secret path).
pub fn redact_path(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) if after_scheme + slash + 1 < url.len() => format!("{}/…/", &url[..after_scheme + slash]),
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_logs_lose_their_secret_part() {
        assert_eq!(redact_token("http://h/gspnp/abcd/", "abcd"), "http://h/gspnp/<token>/");
        assert_eq!(redact_path("https://h:8443/secret/x/"), "https://h:8443/…/");
        assert_eq!(redact_path("http://h/"), "http://h/");
    }

    #[test]
    fn debug_of_a_config_file_shows_neither_contents_nor_token() {
        let file = ConfigFile {
            ticket: 1,
            mac: "000b82f55284".parse().unwrap(),
            model: "GRP2614".into(),
            file_name: "cfg000b82f55284.xml".into(),
            contents: b"<P34>s3cret</P34>".to_vec(),
            url: "http://h/gspnp/0123456789abcdef/".into(),
            token: "0123456789abcdef".into(),
            warnings: vec![],
        };
        let text = format!("{:?}", Event::ConfigReady(file));
        assert!(!text.contains("s3cret") && !text.contains("0123456789abcdef"), "{text}");
    }
}
