//! Re-provisioning a phone: a NOTIFY outside any dialog that tells it to fetch its file
//! again (`Event: check-sync`), to reboot (`check-sync;reboot=true`) or to resync
//! (`resync`), answered once with digest credentials when the phone challenges it (a
//! Grandstream phone does by default: P4428 = 0). One non-INVITE client transaction per
//! try (timers E and F), the authenticated retry with a new branch and the next CSeq.

use std::fmt;
use std::net::SocketAddrV4;
use std::time::Instant;

use crate::mac::Mac;
use crate::provision::Profile;
use crate::sip::digest::{Challenge, Credentials};
use crate::sip::{HeaderName, Message};

use super::event::{Event, LogLevel};
use super::log;
use super::transactions::{ExchangeId, ExchangeKind, NotifyPurpose};
use super::wire;
use super::{Assignment, Engine, EngineError};

/// What the phone is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResyncKind {
    /// Fetch its configuration file again (`Event: check-sync`).
    CheckSync,
    /// Reboot, which fetches the file too (`Event: check-sync;reboot=true`).
    Reboot,
    /// The other form Grandstream phones accept (`Event: resync`).
    Resync,
}

impl ResyncKind {
    /// The Event header value.
    pub fn event(self) -> &'static str {
        match self {
            ResyncKind::CheckSync => "check-sync",
            ResyncKind::Reboot => "check-sync;reboot=true",
            ResyncKind::Resync => "resync",
        }
    }

    /// A word for logs.
    pub fn name(self) -> &'static str {
        match self {
            ResyncKind::CheckSync => "check-sync",
            ResyncKind::Reboot => "reboot",
            ResyncKind::Resync => "resync",
        }
    }
}

/// Which credentials answer the phone's challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResyncCredentials {
    /// Account `N` (1-based) of the profile gspnp holds for the phone: its authenticate
    /// ID (else its user ID) and password. Nothing to answer with when the phone has no
    /// such profile account.
    Account(u8),
    /// These.
    Given(Credentials),
    /// Answer no challenge.
    None,
}

impl Default for ResyncCredentials {
    /// Account 1.
    fn default() -> Self {
        ResyncCredentials::Account(1)
    }
}

/// A host's request to re-provision a phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResyncRequest {
    /// What the phone is asked to do.
    pub kind: ResyncKind,
    /// What answers a challenge.
    pub credentials: ResyncCredentials,
    /// Where to send it (for example the contact the phone registered); None: the
    /// phone's last known address.
    pub destination: Option<SocketAddrV4>,
    /// Our address to send it from (Via, Contact) when gspnp has not seen the phone;
    /// otherwise the address the phone last reached us on.
    pub local: Option<SocketAddrV4>,
}

impl ResyncRequest {
    /// A check-sync (or reboot) to the phone's last known address, answering a challenge
    /// with account 1 of its profile.
    pub fn new(kind: ResyncKind) -> ResyncRequest {
        ResyncRequest { kind, credentials: ResyncCredentials::default(), destination: None, local: None }
    }
}

/// How a re-provisioning ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResyncOutcome {
    /// The phone accepted with this 2xx: it fetches its file (or reboots).
    Accepted(u16),
    /// The phone refused with this status (not a challenge).
    Rejected(u16),
    /// The phone challenged the authenticated retry as well (wrong credentials), or sent
    /// a challenge that cannot be answered safely; its last status.
    AuthRefused(u16),
    /// The phone challenged and there were no credentials to answer with.
    NoCredentials(u16),
    /// No final answer before Timer F.
    TimedOut,
}

impl ResyncOutcome {
    /// The phone's final status, if it sent one.
    pub fn status_code(self) -> Option<u16> {
        match self {
            ResyncOutcome::Accepted(code)
            | ResyncOutcome::Rejected(code)
            | ResyncOutcome::AuthRefused(code)
            | ResyncOutcome::NoCredentials(code) => Some(code),
            ResyncOutcome::TimedOut => None,
        }
    }
}

/// The outcome of one re-provisioning of one phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResyncResult {
    /// The phone.
    pub mac: Mac,
    /// Where the NOTIFY went.
    pub destination: SocketAddrV4,
    /// What it asked.
    pub kind: ResyncKind,
    /// How it ended.
    pub outcome: ResyncOutcome,
}

/// A re-provisioning under way: what its next try needs.
#[derive(Clone)]
pub struct ResyncState {
    kind: ResyncKind,
    credentials: Option<Credentials>,
    request_uri: String,
    headers: wire::ResyncHeaders,
    cseq: u32,
    /// Challenges answered so far: one, and one more only when the phone says the
    /// nonce was stale.
    answered: u8,
}

impl fmt::Debug for ResyncState {
    /// Names the credentials' user only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResyncState")
            .field("kind", &self.kind)
            .field("credentials", &self.credentials)
            .field("cseq", &self.cseq)
            .field("answered", &self.answered)
            .finish_non_exhaustive()
    }
}

/// The credentials of account `index` of `profile`: its authenticate ID (or user ID when
/// that is empty) and password; None when it has no such account or no user.
fn account_credentials(profile: &Profile, index: u8) -> Option<(Credentials, String)> {
    let account = profile.account(index)?;
    let username = if account.auth_id().is_empty() { account.user_id() } else { account.auth_id() };
    (!username.is_empty()).then(|| {
        (
            Credentials { username: username.to_owned(), password: account.password().to_owned() },
            account.user_id().to_owned(),
        )
    })
}

impl Engine {
    /// Asks `mac` to fetch its file again, or to reboot: sends the NOTIFY at once and
    /// reports the outcome as [`Event::ResyncResult`]. Refused, with nothing sent, when
    /// the phone was never seen and no destination (and local address) is given, when
    /// the account index is not 1 to 16, or when credentials hold control characters.
    pub fn resync(&mut self, now: Instant, mac: Mac, request: ResyncRequest) -> Result<(), EngineError> {
        let record = self.devices.get(&mac);
        let destination =
            request.destination.or(record.map(|r| r.info.source)).ok_or(EngineError::UnknownDevice(mac))?;
        let local = record.map(|r| r.local).or(request.local).ok_or(EngineError::UnknownDevice(mac))?;
        let profile = record.and_then(|r| self.assignments.lookup(&r.info)).or(self.assignments.of_mac(mac));
        let (credentials, user) = match request.credentials {
            ResyncCredentials::Account(index) if !(1..=16).contains(&index) => {
                return Err(EngineError::BadRequest(format!("account {index} is not 1 to 16")))
            }
            ResyncCredentials::Account(index) => match profile {
                Some(Assignment::Profile(assigned)) => account_credentials(&assigned.profile, index).unzip(),
                _ => (None, None),
            },
            ResyncCredentials::Given(credentials) => {
                if [&credentials.username, &credentials.password].iter().any(|t| t.chars().any(char::is_control))
                    || credentials.username.is_empty()
                {
                    return Err(EngineError::BadRequest("credentials must be printable and the user not empty".into()));
                }
                let user = credentials.username.clone();
                (Some(credentials), Some(user))
            }
            ResyncCredentials::None => (None, None),
        };
        let request_uri = match user.filter(|user| wire::is_uri_user(user)) {
            Some(user) => format!("sip:{user}@{destination}"),
            None => format!("sip:{destination}"),
        };
        let (tag, call_id) = (self.random_hex(), self.random_hex());
        let headers = wire::ResyncHeaders::new(local, &request_uri, &tag, &call_id);
        let state = ResyncState { kind: request.kind, credentials, request_uri, headers, cseq: 1, answered: 0 };
        let exchange = self.open_exchange(now, ExchangeKind::Resync, mac, (destination, local), "");
        self.stats.resyncs_sent += 1;
        log!(self, LogLevel::Info, "{mac}: {} sent to {destination}", request.kind.name());
        self.send_resync(now, exchange, state, None);
        Ok(())
    }

    /// Sends one try of a re-provisioning NOTIFY, with `authorization` (header, value)
    /// after a challenge.
    fn send_resync(
        &mut self,
        now: Instant,
        exchange: ExchangeId,
        state: ResyncState,
        authorization: Option<(HeaderName<'static>, String)>,
    ) {
        let Some((mac, destination, local)) = self.transactions.get(exchange).map(|e| (e.mac(), e.source(), e.local()))
        else {
            return;
        };
        let id = self.random.random_u64();
        let branch = format!("z9hG4bK{id:016x}");
        let request = wire::write_resync(
            &wire::ResyncTry {
                request_uri: &state.request_uri,
                local,
                branch: &branch,
                headers: &state.headers,
                cseq: state.cseq,
                event: state.kind.event(),
                authorization: authorization.as_ref().map(|(name, value)| (*name, value.as_str())),
            },
            &self.config.user_agent,
        );
        let Some(request) = request else {
            log!(self, LogLevel::Error, "{mac}: the re-provisioning NOTIFY could not be written; nothing sent");
            self.resync_finished(exchange, destination, state.kind, ResyncOutcome::Rejected(0));
            return;
        };
        let purpose = NotifyPurpose::Resync(Box::new(state));
        self.start_client_transaction(now, exchange, id, branch, destination, request, purpose);
    }

    /// The final answer to a re-provisioning NOTIFY (None: Timer F): a first challenge is
    /// answered, anything else ends it.
    pub(super) fn resync_answered(
        &mut self,
        now: Instant,
        exchange: ExchangeId,
        destination: SocketAddrV4,
        mut state: ResyncState,
        response: Option<(u16, &Message<'_>)>,
    ) {
        let kind = state.kind;
        let outcome = match response {
            None => ResyncOutcome::TimedOut,
            Some((code @ 200..=299, _)) => ResyncOutcome::Accepted(code),
            Some((code @ (401 | 407), message)) => {
                let header = if code == 401 { HeaderName::WwwAuthenticate } else { HeaderName::ProxyAuthenticate };
                let answer_with = if code == 401 { HeaderName::Authorization } else { HeaderName::ProxyAuthorization };
                let values: Vec<_> = message.headers(header).collect();
                let challenge = Challenge::choose(values.iter().map(|value| value.as_ref()));
                match (&state.credentials, challenge) {
                    (None, _) => ResyncOutcome::NoCredentials(code),
                    (Some(_), Err(error)) => {
                        let mac = self.transactions.get(exchange).map(|e| e.mac());
                        if let Some(mac) = mac {
                            log!(self, LogLevel::Warn, "{mac}: the phone's challenge is not answered: {error}");
                        }
                        ResyncOutcome::AuthRefused(code)
                    }
                    (Some(credentials), Ok(challenge))
                        if state.answered == 0 || (challenge.stale && state.answered == 1) =>
                    {
                        let cnonce = self.random_hex();
                        match challenge.answer(credentials, "NOTIFY", &state.request_uri, &cnonce) {
                            Some(value) => {
                                state.answered += 1;
                                state.cseq += 1;
                                self.stats.resync_challenges_answered += 1;
                                self.send_resync(now, exchange, state, Some((answer_with, value)));
                                return;
                            }
                            None => ResyncOutcome::AuthRefused(code),
                        }
                    }
                    (Some(_), Ok(_)) => ResyncOutcome::AuthRefused(code),
                }
            }
            Some((code, _)) => ResyncOutcome::Rejected(code),
        };
        self.resync_finished(exchange, destination, kind, outcome);
    }

    /// Reports how a re-provisioning ended and records it.
    fn resync_finished(
        &mut self,
        exchange: ExchangeId,
        destination: SocketAddrV4,
        kind: ResyncKind,
        outcome: ResyncOutcome,
    ) {
        let Some(mac) = self.transactions.get(exchange).map(|e| e.mac()) else { return };
        if let ResyncOutcome::Accepted(_) = outcome {
            self.stats.resyncs_accepted += 1;
        } else {
            self.stats.resyncs_failed += 1;
        }
        if let Some(record) = self.devices.get_mut(&mac) {
            record.last_resync = Some(outcome);
        }
        match outcome {
            ResyncOutcome::Accepted(code) => log!(self, LogLevel::Info, "{mac}: {} accepted with {code}", kind.name()),
            ResyncOutcome::Rejected(code) => log!(self, LogLevel::Warn, "{mac}: {} refused with {code}", kind.name()),
            ResyncOutcome::AuthRefused(code) => {
                log!(
                    self,
                    LogLevel::Warn,
                    "{mac}: {} refused: the phone did not accept our credentials ({code})",
                    kind.name()
                )
            }
            ResyncOutcome::NoCredentials(code) => {
                log!(
                    self,
                    LogLevel::Warn,
                    "{mac}: {} challenged ({code}) and no credentials to answer with",
                    kind.name()
                )
            }
            ResyncOutcome::TimedOut => log!(self, LogLevel::Warn, "{mac}: {}: no answer from the phone", kind.name()),
        }
        self.emit(Event::ResyncResult(ResyncResult { mac, destination, kind, outcome }));
    }
}
