//! The config file as written. Every table refuses keys it does not know, so that a
//! misspelt key is an error rather than a setting silently ignored.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// How phones are heard and answered.
    #[serde(default)]
    pub sip: SipTable,
    /// The plain HTTP file server and the URL phones are told.
    pub http: HttpTable,
    /// The HTTPS file server, if any.
    pub https: Option<HttpsTable>,
    /// Merged into every phone's profile.
    #[serde(default)]
    pub defaults: DefaultsTable,
    /// Profiles for phones not listed under `[[phone]]`, by vendor and model.
    #[serde(default)]
    pub default_profile: Vec<ProfileTable>,
    /// The phones, by MAC.
    #[serde(default)]
    pub phone: Vec<ProfileTable>,
    /// Logging.
    #[serde(default)]
    pub log: LogTable,
}

/// `[sip]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipTable {
    /// Interface names or IPv4 addresses to join 224.0.1.75 on; empty: every one.
    #[serde(default)]
    pub interfaces: Vec<String>,
    /// The multicast port (5060).
    #[serde(default = "sip_port")]
    pub port: u16,
    /// The unicast port: answers, NOTIFYs, unicast SUBSCRIBEs (0: a free one).
    #[serde(default)]
    pub unicast_port: u16,
    /// `off`, `discover` or `provision`.
    #[serde(default = "provision")]
    pub mode: String,
    /// 200 or 202.
    #[serde(default = "ok")]
    pub answer: u16,
    /// Join the multicast group (true); false hears unicast SUBSCRIBEs only.
    #[serde(default = "yes")]
    pub multicast: bool,
    /// SUBSCRIBEs one source address may send: a burst, then a rate.
    pub rate_limit: Option<RateLimitTable>,
    /// Seconds after an acknowledged NOTIFY during which a new SUBSCRIBE from the same
    /// phone is answered without a new NOTIFY.
    pub cooldown: Option<u64>,
}

impl Default for SipTable {
    fn default() -> Self {
        SipTable {
            interfaces: Vec::new(),
            port: sip_port(),
            unicast_port: 0,
            mode: provision(),
            answer: ok(),
            multicast: true,
            rate_limit: None,
            cooldown: None,
        }
    }
}

fn sip_port() -> u16 {
    gspnp::runtime::SIP_PORT
}

fn provision() -> String {
    "provision".to_owned()
}

fn ok() -> u16 {
    200
}

fn yes() -> bool {
    true
}

/// `[sip.rate_limit]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitTable {
    /// SUBSCRIBEs admitted at once.
    pub burst: u32,
    /// SUBSCRIBEs admitted per second after the burst.
    pub per_second: f64,
}

/// `[http]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpTable {
    /// `ADDRESS:PORT` to serve plain HTTP on; absent: no plain HTTP.
    pub listen: Option<String>,
    /// The folder URL phones are told; each phone's token folder goes below it.
    pub public_url: String,
    /// Basic authentication for every file, over HTTP and HTTPS.
    pub auth: Option<AuthTable>,
    /// Connections held at once, HTTP and HTTPS together.
    pub max_connections: Option<usize>,
    /// Connections held at once from one IP address.
    pub max_connections_per_source: Option<usize>,
    /// Files kept for phones a `[[default_profile]]` covers (listed phones' files are
    /// always kept); beyond it the least recently rendered is forgotten.
    pub max_unlisted_files: Option<usize>,
}

/// `[http.auth]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthTable {
    /// The user name.
    pub user: String,
    /// The password.
    pub password: String,
}

/// `[https]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpsTable {
    /// `ADDRESS:PORT`.
    pub listen: String,
    /// PEM certificate chain, relative to the config file's folder.
    pub cert: String,
    /// PEM private key, relative to the config file's folder.
    pub key: String,
}

/// `[defaults]`: settings for every phone; an account's own value wins.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultsTable {
    /// `v1` (P-values) or `v2` (aliases).
    pub format: Option<String>,
    /// Every account's registrar, `host[:port]`.
    pub sip_server: Option<String>,
    /// Every account's backup registrar.
    pub secondary_sip_server: Option<String>,
    /// Every account's outbound proxy.
    pub outbound_proxy: Option<String>,
    /// `udp`, `tcp` or `tls`.
    pub transport: Option<String>,
    /// Codec preference, best first.
    pub codecs: Option<Vec<String>>,
    /// Registration expiry in seconds.
    pub registration_expiry: Option<u32>,
    /// The voicemail number.
    pub voicemail: Option<String>,
    /// NTP server.
    pub ntp_server: Option<String>,
    /// Time zone (`auto` or a POSIX TZ string).
    pub time_zone: Option<String>,
    /// Display language (`en`, `de`, `auto`, …).
    pub language: Option<String>,
    /// The phone's web admin password.
    pub admin_password: Option<String>,
    /// The phone's web user password.
    pub user_password: Option<String>,
    /// Where the phone fetches firmware, as a URL.
    pub firmware_url: Option<String>,
    /// Settings by P-number or v2 alias.
    #[serde(default)]
    pub raw: BTreeMap<String, String>,
}

/// `[[phone]]` (with `mac`) or `[[default_profile]]` (with `vendor`): the same table,
/// so that both take the same keys; `check` refuses a key in the wrong one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileTable {
    /// A phone's MAC: 12 hex digits, with or without `:`/`-`. Phones only.
    pub mac: Option<String>,
    /// The vendor a default profile covers (`Grandstream`, the default). Default
    /// profiles only.
    pub vendor: Option<String>,
    /// A phone's model (for `gspnpd render` and the start-up check; the phone's
    /// SUBSCRIBE says which it is), or the one model a default profile covers.
    pub model: Option<String>,
    /// `v1` or `v2`, overriding `[defaults]`.
    pub format: Option<String>,
    /// Accounts 1, 2, … in order.
    #[serde(default)]
    pub account: Vec<AccountTable>,
    /// Programmable keys.
    #[serde(default)]
    pub key: Vec<KeyTable>,
    /// Settings by P-number or v2 alias, over `[defaults]`' ones.
    #[serde(default)]
    pub raw: BTreeMap<String, String>,
}

/// `[[phone.account]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountTable {
    /// SIP user ID (the extension).
    pub user: String,
    /// Authentication ID; the user ID when absent.
    pub auth_id: Option<String>,
    /// Authentication password.
    pub password: Option<String>,
    /// Caller-ID name.
    pub name: Option<String>,
    /// The account's label on the phone.
    pub label: Option<String>,
    /// Registrar, over `[defaults]`.
    pub sip_server: Option<String>,
    /// Backup registrar, over `[defaults]`.
    pub secondary_sip_server: Option<String>,
    /// Outbound proxy, over `[defaults]`.
    pub outbound_proxy: Option<String>,
    /// `udp`, `tcp` or `tls`, over `[defaults]`.
    pub transport: Option<String>,
    /// Codec preference, over `[defaults]`.
    pub codecs: Option<Vec<String>>,
    /// Registration expiry in seconds, over `[defaults]`.
    pub registration_expiry: Option<u32>,
    /// Voicemail number, over `[defaults]`.
    pub voicemail: Option<String>,
    /// Whether the account is enabled (true).
    pub active: Option<bool>,
}

/// `[[phone.key]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyTable {
    /// `line`, `blf`, `speed_dial`, `call_park`, `intercom`, `voicemail`, `dnd`, …
    pub mode: String,
    /// Extension, number, park slot, …
    #[serde(default)]
    pub value: String,
    /// The key's label.
    #[serde(default)]
    pub label: String,
    /// The account it acts for, from 1.
    #[serde(default = "first")]
    pub account: u8,
    /// `vpk` (on the screen, the default) or `mpk` (side keys).
    pub kind: Option<String>,
    /// The key's number, from 1; by default the next key of its kind.
    pub index: Option<u8>,
}

fn first() -> u8 {
    1
}

/// `[log]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogTable {
    /// `error`, `warn`, `info` or `debug`.
    #[serde(default = "info")]
    pub level: String,
}

impl Default for LogTable {
    fn default() -> Self {
        LogTable { level: info() }
    }
}

fn info() -> String {
    "info".to_owned()
}
