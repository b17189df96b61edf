//! A SUBSCRIBE arrives: retransmission, policy, the device table, and whether and how
//! the phone is served.

use std::net::SocketAddrV4;
use std::time::Instant;

use crate::device::{DecodeError, DeviceInfo, SubscribeHeaders};
use crate::mac::Mac;
use crate::sip::{Message, Method, StartLine};

use super::devices::{DeviceState, Touched};
use super::event::{Event, LogLevel};
use super::policy::Mode;
use super::transactions::{AnsweredSubscribe, PendingSubscribe};
use super::wire::{self, SubscribeFacts};
use super::{Assignment, Engine, Timer};

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
        self.record_device(now, info, local);
        if self.config.mode == Mode::Discover {
            self.stats.discover_only += 1;
            return;
        }
        self.hold_subscribe(now, mac, facts, source);
        let Some(record) = self.devices.get(&mac) else { return };
        let in_cooldown =
            record.last_acknowledged.is_some_and(|at| now.saturating_duration_since(at) < self.config.cooldown);
        if self.assignments.lookup(&record.info).is_none() {
            self.stats.unserved += 1;
            return;
        }
        match record.state {
            // The host's decision answers the newest SUBSCRIBE, now this one.
            DeviceState::AwaitingHost => {}
            // A burst of retries from a phone being provisioned or just provisioned:
            // stop its retries, but do not notify it again.
            DeviceState::Notified => self.answer_in_cooldown(now, mac),
            _ if in_cooldown => self.answer_in_cooldown(now, mac),
            _ => self.serve(now, mac),
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

    fn answer_in_cooldown(&mut self, now: Instant, mac: Mac) {
        self.stats.cooldown_answers += 1;
        self.answer_pending(now, mac);
    }

    /// Answers a retransmitted SUBSCRIBE from the stored answer, or absorbs it while the
    /// answer waits for the host. True when `key` is a known transaction of `mac`.
    fn is_retransmission(&mut self, now: Instant, key: &str, source: SocketAddrV4, mac: Mac) -> bool {
        // The same key for another MAC is not this transaction (the key includes the
        // source, so this is a phone that changed MAC mid-transaction: start anew).
        if self.subscribes.get(key) != Some(&mac) {
            return false;
        }
        let lifetime = self.config.transaction_lifetime;
        let Some(record) = self.devices.get(&mac) else { return false };
        let fresh = |since: Instant| now.saturating_duration_since(since) < lifetime;
        if let Some(answered) = record.answered.as_ref().filter(|a| a.key == key && fresh(a.sent)) {
            self.stats.answers_repeated += 1;
            self.transmits.push_back(super::Transmit {
                destination: source,
                source: record.local,
                payload: super::payload_from(&mut self.spare_payloads, &answered.answer),
            });
            return true;
        }
        if record.pending.as_ref().is_some_and(|p| p.facts.key == key && fresh(p.received)) {
            self.stats.retransmissions_absorbed += 1;
            return true;
        }
        // A transaction past its lifetime: the SUBSCRIBE starts a new one.
        self.subscribes.remove(key);
        false
    }

    fn record_device(&mut self, now: Instant, info: DeviceInfo, local: SocketAddrV4) {
        let event_info = info.clone();
        match self.devices.touch(info, local, now) {
            Touched::New { evicted } => {
                if let Some(old) = evicted {
                    self.stats.devices_evicted += 1;
                    self.forget_transactions(&old);
                }
                self.log(
                    LogLevel::Info,
                    format!(
                        "{}: discovered {} {} {} at {}",
                        event_info.mac, event_info.vendor, event_info.model, event_info.firmware, event_info.source
                    ),
                );
                self.emit(Event::Discovered(event_info));
            }
            Touched::Known => self.emit(Event::Updated(event_info)),
        }
    }

    /// Keeps the SUBSCRIBE as the phone's pending one (replacing an older one), to be
    /// answered when the phone can be served.
    fn hold_subscribe(&mut self, now: Instant, mac: Mac, facts: SubscribeFacts, source: SocketAddrV4) {
        let key = facts.key.clone();
        self.drop_pending(mac);
        let local_tag = match &facts.to_tag {
            Some(tag) => tag.clone(),
            None => self.random_hex(),
        };
        let Some(record) = self.devices.get_mut(&mac) else { return };
        record.pending = Some(Box::new(PendingSubscribe { facts, source, local_tag, received: now }));
        self.subscribes.insert(key, mac);
        self.schedule_housekeeping(now);
    }

    /// Serves a phone whose assignment exists: a URL is notified at once; a profile is
    /// rendered and offered to the host first.
    pub(super) fn serve(&mut self, now: Instant, mac: Mac) {
        let Some(record) = self.devices.get(&mac) else { return };
        let Some(assignment) = self.assignments.lookup(&record.info).cloned() else { return };
        match assignment {
            Assignment::Url(url) => self.send_notify(now, mac, url),
            Assignment::Profile(profile) => self.offer_file(now, mac, &profile),
        }
    }

    /// Serves a known phone after the host assigned something, unless it is being
    /// provisioned right now or the engine may not send.
    pub(super) fn serve_if_ready(&mut self, now: Instant, mac: Mac) {
        if self.config.mode != Mode::Provision {
            return;
        }
        let Some(record) = self.devices.get(&mac) else { return };
        if matches!(record.state, DeviceState::AwaitingHost | DeviceState::Notified)
            || !self.config.access.admits(&record.info)
        {
            return;
        }
        self.serve(now, mac);
    }

    /// Answers the phone's pending SUBSCRIBE, if it has one, and keeps the answer for
    /// retransmissions. Returns the SUBSCRIBE, whose dialog a NOTIFY may use.
    pub(super) fn answer_pending(&mut self, now: Instant, mac: Mac) -> Option<Box<PendingSubscribe>> {
        let record = self.devices.get_mut(&mac)?;
        let pending = record.pending.take()?;
        if now.saturating_duration_since(pending.received) >= self.config.transaction_lifetime {
            // The phone gave up on it long ago: a NOTIFY outside any dialog instead.
            self.subscribes.remove(&pending.facts.key);
            return None;
        }
        // Facts from wire::subscribe_facts always write; should one not, the phone
        // gets no answer rather than a malformed one.
        let answer = wire::write_answer(
            &pending.facts,
            &pending.local_tag,
            self.config.answer.status(),
            record.local,
            &self.config.user_agent,
        )?;
        let key = pending.facts.key.clone();
        self.transmits.push_back(super::Transmit {
            destination: pending.source,
            source: record.local,
            payload: super::payload_from(&mut self.spare_payloads, &answer),
        });
        if record.state == DeviceState::Seen {
            record.state = DeviceState::Answered;
        }
        let replaced = record.answered.replace(Box::new(AnsweredSubscribe { key, answer, sent: now }));
        if let Some(old) = replaced {
            self.subscribes.remove(&old.key);
        }
        self.stats.answers_sent += 1;
        let code = self.config.answer.status().0;
        self.log(LogLevel::Info, format!("{mac}: answered {code} at {}", pending.source));
        self.schedule_housekeeping(now);
        Some(pending)
    }

    /// Forgets the phone's unanswered SUBSCRIBE.
    pub(super) fn drop_pending(&mut self, mac: Mac) {
        if let Some(pending) = self.devices.get_mut(&mac).and_then(|record| record.pending.take()) {
            self.subscribes.remove(&pending.facts.key);
        }
    }

    /// Makes sure a housekeeping pass comes within the transaction lifetime.
    fn schedule_housekeeping(&mut self, now: Instant) {
        if self.housekeeping_at.is_none() {
            let at = now + self.config.transaction_lifetime;
            self.housekeeping_at = Some(at);
            self.timers.push(at, Timer::Housekeeping);
        }
    }

    /// Forgets the transactions of every phone idle for the transaction lifetime, so
    /// memory follows the device table and not the SUBSCRIBE rate; one timer in all.
    pub(super) fn housekeeping(&mut self, now: Instant) {
        self.housekeeping_at = None;
        let lifetime = self.config.transaction_lifetime;
        let Some(cutoff) = now.checked_sub(lifetime) else { return self.schedule_housekeeping(now) };
        let mut keys = Vec::new();
        let next = self.devices.sweep_idle(cutoff, |record| {
            keys.extend(record.pending.take().map(|p| p.facts.key));
            keys.extend(record.answered.take().map(|a| a.key));
        });
        for key in keys {
            self.subscribes.remove(&key);
        }
        if let Some(seen) = next {
            self.housekeeping_at = Some(seen + lifetime);
            self.timers.push(seen + lifetime, Timer::Housekeeping);
        }
    }

    /// Removes an evicted phone's transactions from the indexes; its timers find
    /// nothing when they fire.
    fn forget_transactions(&mut self, record: &super::DeviceRecord) {
        if let Some(pending) = &record.pending {
            self.subscribes.remove(&pending.facts.key);
        }
        if let Some(answered) = &record.answered {
            self.subscribes.remove(&answered.key);
        }
        if let Some(notify) = &record.notify {
            self.notifies.remove(&notify.branch);
        }
        if let Some(ticket) = record.ticket {
            self.waiting_files.remove(&ticket);
        }
    }
}
