//! What the host decides once, when it creates a server.

use std::time::Duration;

use super::event::LogLevel;
use super::policy::{AccessList, Mode};
use super::rate_limit::RateLimit;

/// The answer to a SUBSCRIBE the engine can serve: RFC 6665 says 200; Grandstream's UCM
/// trace shows 202. Both provision a GRP26xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerCode {
    /// `200 OK` (the default).
    Ok200,
    /// `202 Accepted`.
    Accepted202,
}

impl AnswerCode {
    /// The status code and reason phrase on the wire.
    pub fn status(self) -> (u16, &'static str) {
        match self {
            AnswerCode::Ok200 => (200, "OK"),
            AnswerCode::Accepted202 => (202, "Accepted"),
        }
    }
}

/// RFC 3261 §17.1.2 timers for the NOTIFY client transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyTimers {
    /// T1: the first retransmit interval (500 ms).
    pub t1: Duration,
    /// T2: the largest retransmit interval (4 s).
    pub t2: Duration,
    /// Timer F: give up after this long without a final response (64·T1 = 32 s).
    pub timeout: Duration,
}

impl Default for NotifyTimers {
    fn default() -> Self {
        NotifyTimers { t1: Duration::from_millis(500), t2: Duration::from_secs(4), timeout: Duration::from_secs(32) }
    }
}

/// Everything the engine needs to decide, fixed for the life of a server except where
/// a setter on [`super::Engine`] says otherwise.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// off / discover / provision.
    pub mode: Mode,
    /// 200 or 202.
    pub answer: AnswerCode,
    /// NOTIFY retransmission schedule.
    pub timers: NotifyTimers,
    /// After a phone acknowledged its NOTIFY, a new SUBSCRIBE from it within this time
    /// is answered but not notified again (a burst of retries); after it, it is served
    /// again (a phone that rebooted).
    pub cooldown: Duration,
    /// How long an unanswered SUBSCRIBE stays answerable by a later assignment, and how
    /// long an answered one is remembered for retransmissions (Timer J, 64·T1).
    pub transaction_lifetime: Duration,
    /// How long a rendered file waits for the host's decision before the phone is
    /// reported failed.
    pub decision_timeout: Duration,
    /// The most phones remembered; the least recently seen is forgotten first.
    pub max_devices: usize,
    /// Per source address.
    pub rate_limit: RateLimit,
    /// Which phones may be answered at all.
    pub access: AccessList,
    /// The provisioning URL for phones served from a profile; see [`super::url`].
    pub url_template: String,
    /// Sent as `User-Agent` / `Server`.
    pub user_agent: String,
    /// The least severe log line produced; lines below it are never formatted.
    /// Per-datagram detail is [`LogLevel::Debug`]; one line per phone event is
    /// [`LogLevel::Info`] (the default).
    pub log_level: LogLevel,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            mode: Mode::Provision,
            answer: AnswerCode::Ok200,
            timers: NotifyTimers::default(),
            cooldown: Duration::from_secs(30),
            transaction_lifetime: Duration::from_secs(32),
            decision_timeout: Duration::from_secs(10),
            max_devices: 16_384,
            rate_limit: RateLimit::default(),
            access: AccessList::default(),
            url_template: super::url::DEFAULT_TEMPLATE.to_string(),
            user_agent: concat!("gspnp/", env!("CARGO_PKG_VERSION")).to_string(),
            log_level: LogLevel::Info,
        }
    }
}
