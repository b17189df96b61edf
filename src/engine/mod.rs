//! The PnP state machine, sans-IO: datagrams and the current time go in; datagrams to
//! send, the next deadline and events for the host come out. No sockets, no threads,
//! no clock of its own, so every path runs in tests with a fake clock and in the fuzzer.
//!
//! The calls, as a runtime uses them:
//! - [`Engine::handle_datagram`] for each datagram received, [`Engine::handle_timeout`]
//!   when [`Engine::poll_timeout`] is reached;
//! - after each, drain [`Engine::poll_transmit`] (send them) and [`Engine::poll_event`]
//!   (hand them to the host);
//! - the host's decisions: [`Engine::assign`], [`Engine::set_default`],
//!   [`Engine::decide`], [`Engine::set_mode`].

mod assignment;
mod config;
mod devices;
mod event;
mod notify;
mod policy;
mod rate_limit;
mod render;
mod resync;
mod stats;
mod subscribe;
mod timers;
mod token;
mod transactions;
pub mod url;
mod wire;

#[cfg(test)]
mod resync_tests;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddrV4;
use std::time::Instant;

pub use assignment::{Assignment, ProfileAssignment, Selector};
pub use config::{AnswerCode, EngineConfig, NotifyTimers};
pub use devices::{DeviceRecord, DeviceSnapshot, DeviceState, FailReason};
pub use event::{redact_path, redact_token, ConfigFile, Event, LogLevel, NotifyOutcome, NotifyResult};
pub use policy::{AccessList, Mode, Rule, Verdict};
pub use rate_limit::RateLimit;
pub use resync::{ResyncCredentials, ResyncKind, ResyncOutcome, ResyncRequest, ResyncResult};
pub use stats::Stats;
pub use timers::TimerQueue;
pub use token::{tokens_equal, OsRandom, RandomSource, SeededRandom, TOKEN_BYTES};

use crate::mac::Mac;
use assignment::Assignments;
use devices::DeviceTable;
use rate_limit::RateLimiter;
use token::TokenSource;
use transactions::{ExchangeId, Expiry, Transactions};

/// Writes a log line only when the engine's level lets it through: below the level,
/// nothing is formatted.
macro_rules! log {
    ($engine:expr, $level:expr, $($format:tt)+) => {
        if $engine.logs($level) {
            let line = format!($($format)+);
            $engine.push_log($level, line);
        }
    };
}
pub(crate) use log;

/// A datagram the runtime must send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The phone's address (always the source of a datagram it sent us).
    pub destination: SocketAddrV4,
    /// Our address the phone reached us on; send from it when the socket allows.
    pub source: SocketAddrV4,
    /// The SIP message.
    pub payload: Vec<u8>,
}

/// A host request the engine refused; nothing was changed.
#[derive(Debug)]
pub enum EngineError {
    /// A URL, URL template or token is unusable; the message says why.
    BadUrl(String),
    /// [`Engine::decide`] with a ticket that is not waiting (decided, expired, or never issued).
    UnknownTicket(u64),
    /// The OS random source failed.
    Random(std::io::Error),
    /// The User-Agent is empty, longer than 128 bytes, or holds a control character.
    BadUserAgent,
    /// A re-provisioning of a phone never seen, with no address to send it to.
    UnknownDevice(Mac),
    /// A request the engine cannot carry out as given; the message says why.
    BadRequest(String),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::BadUrl(why) => f.write_str(why),
            EngineError::UnknownTicket(ticket) => write!(f, "no configuration file is waiting under ticket {ticket}"),
            EngineError::Random(error) => write!(f, "the OS random source failed: {error}"),
            EngineError::BadUserAgent => f.write_str("the User-Agent must be 1 to 128 printable characters"),
            EngineError::UnknownDevice(mac) => {
                write!(f, "{mac} was never seen: give the address to send its re-provisioning to")
            }
            EngineError::BadRequest(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for EngineError {}

/// What a timer does when it fires. Each names the exchange it belongs to, and is
/// ignored when that exchange (or its transaction) is gone.
#[derive(Debug)]
enum Timer {
    /// `id` is the NOTIFY transaction's [`NotifyTransaction::id`](transactions::NotifyTransaction).
    NotifyRetransmit {
        exchange: ExchangeId,
        id: u64,
    },
    NotifyTimeout {
        exchange: ExchangeId,
        id: u64,
    },
    /// Forget the exchange if it has been idle for the transaction lifetime (set when a
    /// NOTIFY or a decision of the exchange ends).
    Expire {
        exchange: ExchangeId,
    },
    /// Forget the idle exchanges of phones idle for the transaction lifetime, so memory
    /// follows the device table and not the SUBSCRIBE rate; one timer in all.
    Housekeeping,
    DecisionTimeout {
        ticket: u64,
    },
}

/// The PnP engine. Single-threaded: the runtime owns it on its network thread.
pub struct Engine {
    config: EngineConfig,
    devices: DeviceTable,
    transactions: Transactions,
    next_ticket: u64,
    housekeeping_at: Option<Instant>,
    assignments: Assignments,
    limiter: RateLimiter,
    timers: TimerQueue<Timer>,
    random: TokenSource,
    /// False while the host is behind: new exchanges are not taken on.
    admitting: bool,
    transmits: VecDeque<Transmit>,
    spare_payloads: Vec<Vec<u8>>,
    /// Where each SUBSCRIBE's transaction key is written, reused.
    key_scratch: String,
    events: VecDeque<Event>,
    stats: Stats,
}

/// Payload buffers kept for reuse at most (a batch of sends gives back this many).
const SPARE_PAYLOADS: usize = 64;

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("mode", &self.config.mode)
            .field("devices", &self.devices.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// A new engine drawing tokens and identifiers from the OS random source. Fails when
    /// the URL template or User-Agent is unusable or the random source cannot be opened.
    pub fn new(config: EngineConfig) -> Result<Engine, EngineError> {
        let random = OsRandom::open().map_err(EngineError::Random)?;
        Engine::with_random(config, Box::new(random))
    }

    /// A new engine drawing from `random` (a [`SeededRandom`] makes tests repeatable).
    /// Fails when the URL template or User-Agent is unusable.
    pub fn with_random(config: EngineConfig, random: Box<dyn RandomSource>) -> Result<Engine, EngineError> {
        url::check_template(&config.url_template).map_err(|e| EngineError::BadUrl(e.0))?;
        check_user_agent(&config.user_agent)?;
        let mut engine = Engine {
            devices: DeviceTable::new(config.max_devices),
            limiter: RateLimiter::new(config.rate_limit),
            config,
            transactions: Transactions::default(),
            next_ticket: 1,
            housekeeping_at: None,
            assignments: Assignments::default(),
            timers: TimerQueue::default(),
            random: TokenSource::new(random),
            admitting: true,
            transmits: VecDeque::new(),
            spare_payloads: Vec::new(),
            key_scratch: String::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        };
        if !url::template_has_token(&engine.config.url_template) {
            log!(
                engine,
                LogLevel::Warn,
                "the URL template has no {{token}}: anyone who can guess a MAC can fetch its file"
            );
        }
        Ok(engine)
    }

    /// Handles one datagram that arrived from `source` on our address `local`. Never
    /// fails: anything that is not a usable ua-profile SUBSCRIBE or an answer to one of
    /// our NOTIFYs is dropped and counted in [`Engine::stats`].
    pub fn handle_datagram(&mut self, now: Instant, source: SocketAddrV4, local: SocketAddrV4, datagram: &[u8]) {
        self.stats.datagrams += 1;
        let message = match crate::sip::parse(datagram) {
            Ok(message) => message,
            Err(_) => {
                self.stats.malformed += 1;
                return;
            }
        };
        if message.is_request() {
            self.on_request(now, source, local, &message);
        } else {
            self.on_response(now, source, &message);
        }
    }

    /// Fires every timer due at `now`: NOTIFY retransmissions and timeouts, and the
    /// expiry of transactions and of files waiting for a decision.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(timer) = self.timers.pop_due(now) {
            match timer {
                Timer::NotifyRetransmit { exchange, id } => self.retransmit_notify(now, exchange, id),
                Timer::NotifyTimeout { exchange, id } => self.notify_timed_out(now, exchange, id),
                Timer::Expire { exchange } => self.expire(now, exchange),
                Timer::Housekeeping => self.housekeeping(now),
                Timer::DecisionTimeout { ticket } => self.decision_timed_out(now, ticket),
            }
        }
    }

    /// The next time [`Engine::handle_timeout`] has work, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next_deadline()
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// Gives back the payload of a sent [`Transmit`], so that the next datagram is
    /// written into it instead of a new allocation. Optional; a few are kept.
    pub fn recycle(&mut self, mut payload: Vec<u8>) {
        if self.spare_payloads.len() < SPARE_PAYLOADS {
            payload.clear();
            self.spare_payloads.push(payload);
        }
    }

    /// The next event for the host.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Counters since creation.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// One phone, if known.
    pub fn device(&self, mac: &Mac) -> Option<&DeviceRecord> {
        self.devices.get(mac)
    }

    /// Every phone known, in no particular order.
    pub fn devices(&self) -> impl Iterator<Item = &DeviceRecord> {
        self.devices.iter()
    }

    /// What a host may read back about one phone, if known.
    pub fn snapshot(&self, mac: &Mac) -> Option<DeviceSnapshot> {
        self.devices.get(mac).map(|record| self.snapshot_of(record))
    }

    /// What a host may read back about every phone known, in no particular order.
    pub fn snapshots(&self) -> Vec<DeviceSnapshot> {
        self.devices.iter().map(|record| self.snapshot_of(record)).collect()
    }

    fn snapshot_of(&self, record: &DeviceRecord) -> DeviceSnapshot {
        DeviceSnapshot {
            info: record.info.clone(),
            state: record.state,
            first_seen: record.first_seen,
            last_seen: record.last_seen,
            subscribes: record.subscribes,
            assigned: self.assignments.lookup(&record.info).is_some(),
            last_notify: record.last_notify,
            last_resync: record.last_resync,
        }
    }

    /// Forgets a phone and every exchange with it (a NOTIFY under way is abandoned,
    /// unreported; a file waiting for the host is dropped and its ticket refused). What
    /// was assigned to its MAC stays. True when the phone was known.
    pub fn forget(&mut self, mac: Mac) -> bool {
        let known = self.devices.remove(&mac).is_some();
        let exchanges = self.transactions.forget(mac);
        if known || exchanges > 0 {
            log!(self, LogLevel::Info, "{mac}: forgotten");
        }
        known || exchanges > 0
    }

    /// Whether new phones are taken on. A runtime whose host falls behind turns this off
    /// so that phones retry later instead of results being lost: a SUBSCRIBE that would
    /// open a new exchange is then left unanswered and counted in [`Stats::host_busy`];
    /// retransmissions, NOTIFYs under way and decisions go on.
    pub fn set_admitting(&mut self, admitting: bool) {
        self.admitting = admitting;
    }

    /// Whether new phones are taken on; see [`Engine::set_admitting`].
    pub fn is_admitting(&self) -> bool {
        self.admitting
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.config.mode
    }

    /// Changes the mode; NOTIFYs already sent finish their transactions.
    pub fn set_mode(&mut self, mode: Mode) {
        self.config.mode = mode;
    }

    /// Sets what `mac` gets. When the phone is known and not in the middle of being
    /// provisioned, it is served now: in the dialog of its SUBSCRIBE if that is still
    /// waiting, else by a NOTIFY outside any dialog to its last address.
    pub fn assign(&mut self, now: Instant, mac: Mac, assignment: Assignment) -> Result<(), EngineError> {
        assignment.check()?;
        self.assignments.assign(mac, assignment);
        self.serve_if_ready(now, mac);
        Ok(())
    }

    /// Forgets what `mac` was given; true when it had something. A NOTIFY under way
    /// finishes.
    pub fn unassign(&mut self, mac: Mac) -> bool {
        self.assignments.unassign(mac)
    }

    /// Sets (or with None removes) what every phone matching `selector` gets when it has
    /// no assignment of its own. Known phones it now covers that wait are served.
    pub fn set_default(
        &mut self,
        now: Instant,
        selector: &Selector,
        assignment: Option<Assignment>,
    ) -> Result<(), EngineError> {
        if let Some(assignment) = &assignment {
            assignment.check()?;
        }
        let serving = assignment.is_some();
        self.assignments.set_default(selector, assignment);
        if serving {
            let waiting: Vec<Mac> = self
                .devices
                .iter()
                .map(|device| device.info.mac)
                .filter(|mac| self.transactions.newest_of(*mac).is_some_and(|e| e.pending().is_some()))
                .collect();
            for mac in waiting {
                self.serve_if_ready(now, mac);
            }
        }
        Ok(())
    }

    /// The host's answer to [`Event::ConfigReady`]: `accept` sends the NOTIFY, otherwise
    /// the phone is left alone and reported failed.
    pub fn decide(&mut self, now: Instant, ticket: u64, accept: bool) -> Result<(), EngineError> {
        let (exchange, file) = self.transactions.take_waiting(ticket).ok_or(EngineError::UnknownTicket(ticket))?;
        let Some(mac) = self.transactions.get(exchange).map(|e| e.mac()) else { return Ok(()) };
        self.schedule_expiry(now, exchange);
        if accept {
            if let Some(record) = self.devices.get_mut(&mac) {
                record.token = Some(file.token);
            }
            self.answer_and_notify(now, exchange, file.url);
        } else {
            self.file_refused(exchange, FailReason::Vetoed);
            log!(self, LogLevel::Info, "{mac}: the host refused its file; the phone is left alone");
        }
        Ok(())
    }

    fn decision_timed_out(&mut self, now: Instant, ticket: u64) {
        let Some((exchange, _)) = self.transactions.take_waiting(ticket) else { return };
        self.schedule_expiry(now, exchange);
        let mac = self.transactions.get(exchange).map(|e| e.mac());
        self.file_refused(exchange, FailReason::NoDecision);
        if let Some(mac) = mac {
            log!(self, LogLevel::Warn, "{mac}: the host did not decide on its file in time");
        }
    }

    /// A file of `exchange` that will not be sent: the phone's SUBSCRIBE is dropped
    /// unanswered and the phone reported failed.
    fn file_refused(&mut self, exchange: ExchangeId, reason: FailReason) {
        self.stats.files_refused += 1;
        self.transactions.unhold(exchange, None);
        self.set_state(exchange, DeviceState::Failed(reason));
    }

    /// Records the phone's new state, unless a newer exchange of the same phone has
    /// moved on since: the table shows the phone's latest boot.
    fn set_state(&mut self, exchange: ExchangeId, state: DeviceState) {
        let Some(mac) = self.transactions.get(exchange).map(|e| e.mac()) else { return };
        if self.transactions.newest_of(mac).is_some_and(|newest| newest.id() != exchange) {
            return;
        }
        if let Some(record) = self.devices.get_mut(&mac) {
            record.state = state;
        }
    }

    /// An exchange's expiry timer: gone when idle, else looked at again later.
    fn expire(&mut self, now: Instant, exchange: ExchangeId) {
        let (lifetime, cooldown) = (self.config.transaction_lifetime, self.config.cooldown);
        if let Expiry::CheckAgainAt(at) = self.transactions.expire(exchange, now, lifetime, cooldown) {
            self.timers.push(at, Timer::Expire { exchange });
        }
    }

    /// Schedules the expiry of an exchange whose NOTIFY or decision just ended.
    fn schedule_expiry(&mut self, now: Instant, exchange: ExchangeId) {
        self.timers.push(now + self.config.transaction_lifetime, Timer::Expire { exchange });
    }

    /// Makes sure a housekeeping pass comes within the transaction lifetime.
    fn schedule_housekeeping(&mut self, now: Instant) {
        if self.housekeeping_at.is_none() {
            let at = now + self.config.transaction_lifetime;
            self.housekeeping_at = Some(at);
            self.timers.push(at, Timer::Housekeeping);
        }
    }

    /// Expires the idle exchanges of every phone idle for the transaction lifetime.
    fn housekeeping(&mut self, now: Instant) {
        self.housekeeping_at = None;
        let (lifetime, cooldown) = (self.config.transaction_lifetime, self.config.cooldown);
        let Some(cutoff) = now.checked_sub(lifetime) else { return self.schedule_housekeeping(now) };
        let mut idle = Vec::new();
        let next = self.devices.sweep_idle(cutoff, |record| idle.push(record.info.mac));
        for mac in idle {
            self.transactions.expire_phone(mac, now, lifetime, cooldown);
        }
        self.transactions.shrink();
        if let Some(seen) = next {
            self.housekeeping_at = Some(seen + lifetime);
            self.timers.push(seen + lifetime, Timer::Housekeeping);
        }
    }

    /// Whether a line at `level` is wanted.
    fn logs(&self, level: LogLevel) -> bool {
        level <= self.config.log_level
    }

    fn push_log(&mut self, level: LogLevel, line: String) {
        self.events.push_back(Event::Log(level, line));
    }

    fn emit(&mut self, event: Event) {
        self.events.push_back(event);
    }

    /// 64 random bits as 16 hex digits, for tags, branches and Call-IDs.
    fn random_hex(&mut self) -> String {
        format!("{:016x}", self.random.random_u64())
    }
}

/// `bytes` in a buffer given back by [`Engine::recycle`], or in a new one.
fn payload_from(spares: &mut Vec<Vec<u8>>, bytes: &[u8]) -> Vec<u8> {
    let mut payload = spares.pop().unwrap_or_default();
    payload.extend_from_slice(bytes);
    payload
}

/// Refuses a User-Agent that could not be written into every message we send.
fn check_user_agent(user_agent: &str) -> Result<(), EngineError> {
    let printable = !user_agent.is_empty() && user_agent.len() <= 128 && !user_agent.chars().any(char::is_control);
    printable.then_some(()).ok_or(EngineError::BadUserAgent)
}
