//! A SUBSCRIBE arrives: retransmission, policy, the device table, the exchange it
//! belongs to, and whether and how the phone is served. Read top to bottom, this file is
//! the path of one SUBSCRIBE.

use std::net::SocketAddrV4;
use std::time::Instant;

use crate::device::{DecodeError, DeviceInfo, SubscribeHeaders};
use crate::mac::Mac;
use crate::sip::{Message, Method, StartLine};

use super::devices::{DeviceState, Touched};
use super::event::{Event, LogLevel};
use super::log;
use super::policy::Mode;
use super::transactions::{AnsweredSubscribe, ExchangeId, ExchangeKind, PendingSubscribe};
use super::wire::{self, SubscribeFacts};
use super::{Assignment, Engine, Transmit};

/// What a new SUBSCRIBE of an exchange leads to.
enum Next {
    /// Nothing is assigned to the phone: recorded, left unanswered.
    Unserved,
    /// A file of this exchange waits for the host: its decision answers this SUBSCRIBE.
    AwaitHost,
    /// The same boot was notified already: answer, do not notify again.
    AnswerOnly,
    /// Answer and notify.
    Serve,
}

impl Engine {
    pub(super) fn on_request(
        &mut self,
        now: Instant,
        source: SocketAddrV4,
        local: SocketAddrV4,
        message: &Message<'_>,
    ) {
        if message.method() != Some(Method::Subscribe) {
            self.stats.unexpected_method += 1;
            return;
        }
        // RFC 3261 would answer another version with 505; a PnP server stays silent.
        if !matches!(message.start, StartLine::Request { version, .. } if version.eq_ignore_ascii_case("SIP/2.0")) {
            self.stats.malformed += 1;
            return;
        }
        if self.config.mode == Mode::Off {
            self.stats.mode_off += 1;
            return;
        }
        let headers = match SubscribeHeaders::read(message) {
            Ok(headers) => headers,
            Err(DecodeError::NotUaProfile) => {
                self.stats.not_ua_profile += 1;
                return;
            }
            Err(_) => {
                self.stats.undecodable += 1;
                return;
            }
        };
        // Until a SUBSCRIBE is known to start a new transaction and to be within the
        // rate limit, nothing is allocated: retransmissions and floods stay cheap.
        let mut key = std::mem::take(&mut self.key_scratch);
        wire::transaction_key(&headers, source, &mut key);
        let decided = self.is_retransmission(now, &key, source, headers.mac) || !self.admits_rate(now, source);
        self.key_scratch = key;
        if decided {
            return;
        }
        let info = headers.device_info(message, source);
        let Some(facts) = wire::subscribe_facts(message, &headers, source, &self.key_scratch) else {
            self.stats.undecodable += 1;
            return;
        };
        if !self.config.access.admits(&info) {
            self.stats.denied += 1;
            return;
        }
        let mac = info.mac;
        let known_boot = self.transactions.find_boot(mac, source, &facts.call_id);
        if known_boot.is_none() && !self.admitting && self.config.mode == Mode::Provision {
            // The host is behind: this phone retries, and is taken on then.
            self.stats.host_busy += 1;
            return;
        }
        self.record_device(now, info, local);
        if self.config.mode == Mode::Discover {
            self.stats.discover_only += 1;
            return;
        }
        let exchange = match known_boot {
            Some(exchange) => exchange,
            None => self.open_exchange(now, ExchangeKind::Boot, mac, (source, local), &facts.call_id),
        };
        let next = self.next_step(now, exchange, mac);
        self.hold_subscribe(now, exchange, facts);
        match next {
            Next::Unserved => self.stats.unserved += 1,
            Next::AwaitHost => {}
            Next::AnswerOnly => {
                self.stats.cooldown_answers += 1;
                self.answer_pending(now, exchange);
            }
            Next::Serve => self.serve(now, exchange),
        }
    }

    /// Whether `source` is within the rate limit; counts it when not.
    fn admits_rate(&mut self, now: Instant, source: SocketAddrV4) -> bool {
        let admitted = self.limiter.admit(*source.ip(), now);
        if !admitted {
            self.stats.rate_limited += 1;
        }
        admitted
    }

    /// Answers a retransmitted SUBSCRIBE from the stored answer, or absorbs it while the
    /// answer waits for the host. True when `key` is a known transaction of `mac`.
    fn is_retransmission(&mut self, now: Instant, key: &str, source: SocketAddrV4, mac: Mac) -> bool {
        // The key includes the source, so another host reusing a phone's branch has its
        // own key; the same key for another MAC is a phone that changed MAC: start anew.
        let Some(exchange) = self.transactions.by_key(key).filter(|e| e.mac() == mac) else { return false };
        let lifetime = self.config.transaction_lifetime;
        let fresh = |since: Instant| now.saturating_duration_since(since) < lifetime;
        if let Some(answered) = exchange.answered().filter(|a| a.key == key && fresh(a.sent)) {
            let local = exchange.local();
            self.stats.answers_repeated += 1;
            self.transmits.push_back(Transmit {
                destination: source,
                source: local,
                payload: super::payload_from(&mut self.spare_payloads, &answered.answer),
            });
            return true;
        }
        if exchange.pending().is_some_and(|p| p.facts.key == key && fresh(p.received)) {
            self.stats.retransmissions_absorbed += 1;
            return true;
        }
        // A transaction past its lifetime: the SUBSCRIBE starts a new one.
        self.transactions.drop_key(key);
        false
    }

    fn record_device(&mut self, now: Instant, info: DeviceInfo, local: SocketAddrV4) {
        let event_info = info.clone();
        match self.devices.touch(info, local, now) {
            Touched::New { evicted } => {
                if let Some(old) = evicted {
                    self.stats.devices_evicted += 1;
                    self.transactions.forget(old.info.mac);
                }
                log!(
                    self,
                    LogLevel::Info,
                    "{}: discovered {} {} {} at {}",
                    event_info.mac,
                    event_info.vendor,
                    event_info.model,
                    event_info.firmware,
                    event_info.source
                );
                self.emit(Event::Discovered(event_info));
            }
            Touched::Known => self.emit(Event::Updated(event_info)),
        }
    }

    /// Opens an exchange with `mac` at `source` through our address `local` and schedules
    /// its expiry.
    pub(super) fn open_exchange(
        &mut self,
        now: Instant,
        kind: ExchangeKind,
        mac: Mac,
        addresses: (SocketAddrV4, SocketAddrV4),
        call_id: &str,
    ) -> ExchangeId {
        let (exchange, evicted) = self.transactions.open(kind, mac, addresses, call_id, now);
        if evicted.is_some() {
            self.stats.exchanges_evicted += 1;
        }
        // A phone's exchanges expire with it (housekeeping); one opened by the host for a
        // phone it never saw, when its NOTIFY ends.
        self.schedule_housekeeping(now);
        exchange
    }

    /// What a new SUBSCRIBE of `exchange` leads to, from what the exchange did so far.
    fn next_step(&self, now: Instant, exchange: ExchangeId, mac: Mac) -> Next {
        let assigned = self.devices.get(&mac).is_some_and(|record| self.assignments.lookup(&record.info).is_some());
        let Some(exchange) = self.transactions.get(exchange) else { return Next::Unserved };
        let in_cooldown =
            exchange.acknowledged_at.is_some_and(|at| now.saturating_duration_since(at) < self.config.cooldown);
        if !assigned {
            Next::Unserved
        } else if exchange.is_waiting_for_host() {
            Next::AwaitHost
        } else if exchange.notify().is_some() || in_cooldown {
            // A burst of retries of a boot being provisioned or just provisioned: stop
            // its retries, but do not notify it again.
            Next::AnswerOnly
        } else {
            Next::Serve
        }
    }

    /// Keeps the SUBSCRIBE as the exchange's pending one (replacing an older one), to be
    /// answered when the phone can be served.
    fn hold_subscribe(&mut self, now: Instant, exchange: ExchangeId, facts: SubscribeFacts) {
        let local_tag = match &facts.to_tag {
            Some(tag) => tag.clone(),
            None => self.random_hex(),
        };
        self.transactions.hold(exchange, PendingSubscribe { facts, local_tag, received: now });
    }

    /// Serves an exchange of a phone whose assignment exists: a URL is notified at once;
    /// a profile is rendered and offered to the host first.
    pub(super) fn serve(&mut self, now: Instant, exchange: ExchangeId) {
        let Some(mac) = self.transactions.get(exchange).map(|e| e.mac()) else { return };
        let Some(record) = self.devices.get(&mac) else { return };
        let Some(assignment) = self.assignments.lookup(&record.info).cloned() else { return };
        match assignment {
            Assignment::Url(url) => self.send_notify(now, exchange, url),
            Assignment::Profile(profile) => self.offer_file(now, exchange, &profile),
        }
    }

    /// Serves a known phone after the host assigned something: its latest boot, in the
    /// dialog of its SUBSCRIBE if that still waits, else by a NOTIFY outside any dialog
    /// to its last address. Not while that boot is being provisioned, nor when the
    /// engine may not send.
    pub(super) fn serve_if_ready(&mut self, now: Instant, mac: Mac) {
        if self.config.mode != Mode::Provision {
            return;
        }
        let Some(record) = self.devices.get(&mac) else { return };
        if !self.config.access.admits(&record.info) {
            return;
        }
        let addresses = (record.info.source, record.local);
        let exchange = match self.transactions.newest_of(mac) {
            Some(newest) if newest.in_flight() => return,
            Some(newest) => newest.id(),
            None => self.open_exchange(now, ExchangeKind::Boot, mac, addresses, ""),
        };
        self.serve(now, exchange);
    }

    /// Answers the exchange's pending SUBSCRIBE, if it has one that is still answerable,
    /// and keeps the answer for retransmissions. Returns the SUBSCRIBE, whose dialog a
    /// NOTIFY may use.
    pub(super) fn answer_pending(&mut self, now: Instant, exchange: ExchangeId) -> Option<PendingSubscribe> {
        let pending = self.transactions.take_pending(exchange)?;
        let (mac, source, local) = self.transactions.get(exchange).map(|e| (e.mac(), e.source(), e.local()))?;
        if now.saturating_duration_since(pending.received) >= self.config.transaction_lifetime {
            // The phone gave up on it long ago: a NOTIFY outside any dialog instead.
            self.transactions.unhold(exchange, Some(pending));
            return None;
        }
        // Facts from wire::subscribe_facts always write; should one not, the phone
        // gets no answer rather than a malformed one.
        let Some(answer) = wire::write_answer(
            &pending.facts,
            &pending.local_tag,
            self.config.answer.status(),
            local,
            &self.config.user_agent,
        ) else {
            self.transactions.unhold(exchange, Some(pending));
            return None;
        };
        self.transmits.push_back(Transmit {
            destination: source,
            source: local,
            payload: super::payload_from(&mut self.spare_payloads, &answer),
        });
        if self.devices.get(&mac).is_some_and(|record| record.state == DeviceState::Seen) {
            self.set_state(exchange, DeviceState::Answered);
        }
        self.transactions.answer(exchange, AnsweredSubscribe { key: pending.facts.key.clone(), answer, sent: now });
        self.stats.answers_sent += 1;
        let code = self.config.answer.status().0;
        log!(self, LogLevel::Info, "{mac}: answered {code} at {source}");
        Some(pending)
    }
}
