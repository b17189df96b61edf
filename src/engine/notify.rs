//! The NOTIFY that tells a phone its URL: sending, retransmission per RFC 3261 timers
//! E and F, and the phone's answer.

use std::net::SocketAddrV4;
use std::time::Instant;

use crate::mac::Mac;
use crate::sip::Message;

use super::devices::{DeviceState, FailReason};
use super::event::{redact_path, Event, LogLevel, NotifyOutcome, NotifyResult};
use super::transactions::NotifyTransaction;
use super::wire::{self, NotifyHeaders};
use super::{Engine, Timer, Transmit};

impl Engine {
    /// Sends the NOTIFY carrying `url`: inside the dialog of the phone's pending
    /// SUBSCRIBE (answering that first), else outside any dialog to its last address.
    pub(super) fn send_notify(&mut self, now: Instant, mac: Mac, url: String) {
        let pending = self.answer_pending(now, mac);
        let id = self.random.random_u64();
        let branch = format!("z9hG4bK{id:016x}");
        let call_id_random = self.random_hex();
        let fresh_tag = self.random_hex();
        let Some(record) = self.devices.get_mut(&mac) else { return };
        let local = record.local;
        let (destination, headers, in_dialog) = match &pending {
            Some(subscribe) => {
                (subscribe.source, NotifyHeaders::in_dialog(&subscribe.facts, &subscribe.local_tag), true)
            }
            None => {
                let destination = record.info.source;
                (destination, NotifyHeaders::out_of_dialog(local, destination, &fresh_tag, &call_id_random), false)
            }
        };
        let Some(request) = wire::write_notify(destination, local, &branch, &headers, &url, &self.config.user_agent)
        else {
            // Only a value that cannot be written safely gets here (checked URLs and
            // parsed headers never do); better silent than a malformed NOTIFY.
            self.log(LogLevel::Error, format!("{mac}: the NOTIFY could not be written; nothing sent"));
            return;
        };
        if let Some(old) = record.notify.take() {
            self.notifies.remove(&old.branch);
        }
        let interval = self.config.timers.t1;
        let payload = super::payload_from(&mut self.spare_payloads, &request);
        record.notify = Some(Box::new(NotifyTransaction {
            id,
            branch: branch.clone(),
            destination,
            request,
            url,
            in_dialog,
            started: now,
            interval,
            proceeding: false,
        }));
        record.state = DeviceState::Notified;
        self.notifies.insert(branch, mac);
        self.transmits.push_back(Transmit { destination, source: local, payload });
        self.stats.notifies_sent += 1;
        self.timers.push(now + interval, Timer::NotifyRetransmit { mac, id });
        self.timers.push(now + self.config.timers.timeout, Timer::NotifyTimeout { mac, id });
        let how = if in_dialog { "in its dialog" } else { "outside any dialog" };
        self.log(LogLevel::Info, format!("{mac}: notified at {destination} {how}"));
    }

    pub(super) fn retransmit_notify(&mut self, now: Instant, mac: Mac, id: u64) {
        let Some(record) = self.devices.get_mut(&mac) else { return };
        let Some(notify) = record.notify.as_mut().filter(|n| n.id == id) else { return };
        self.transmits.push_back(Transmit {
            destination: notify.destination,
            source: record.local,
            payload: super::payload_from(&mut self.spare_payloads, &notify.request),
        });
        self.stats.notify_retransmissions += 1;
        let t2 = self.config.timers.t2;
        notify.interval = if notify.proceeding { t2 } else { (notify.interval * 2).min(t2) };
        let next = now + notify.interval;
        if next < notify.started + self.config.timers.timeout {
            self.timers.push(next, Timer::NotifyRetransmit { mac, id });
        }
    }

    pub(super) fn notify_timed_out(&mut self, mac: Mac, id: u64) {
        let Some(record) = self.devices.get_mut(&mac) else { return };
        if record.notify.as_ref().is_none_or(|n| n.id != id) {
            return;
        }
        self.stats.notifies_timed_out += 1;
        self.finish_notify(mac, NotifyOutcome::TimedOut, None);
    }

    /// A response from `source`: it must answer one of our NOTIFYs and come from the
    /// address that NOTIFY went to; anything else is stray.
    pub(super) fn on_response(&mut self, now: Instant, source: SocketAddrV4, message: &Message<'_>) {
        let Some(response) = wire::response_facts(message) else {
            self.stats.stray_responses += 1;
            return;
        };
        let Some(&mac) = self.notifies.get(response.branch.as_str()) else {
            self.stats.stray_responses += 1;
            return;
        };
        let Some(record) = self.devices.get_mut(&mac) else { return };
        let Some(notify) = record.notify.as_mut() else { return };
        if !response.is_notify || notify.destination.ip() != source.ip() {
            self.stats.stray_responses += 1;
            return;
        }
        match response.code {
            100..=199 => notify.proceeding = true,
            200..=299 => {
                self.stats.notifies_acknowledged += 1;
                self.finish_notify(mac, NotifyOutcome::Acknowledged(response.code), Some(now));
            }
            code => {
                self.stats.notifies_rejected += 1;
                self.finish_notify(mac, NotifyOutcome::Rejected(code), None);
            }
        }
    }

    /// Ends the phone's NOTIFY transaction with `outcome` and reports it.
    fn finish_notify(&mut self, mac: Mac, outcome: NotifyOutcome, acknowledged_at: Option<Instant>) {
        let Some(record) = self.devices.get_mut(&mac) else { return };
        let Some(notify) = record.notify.take() else { return };
        self.notifies.remove(&notify.branch);
        record.state = match outcome {
            NotifyOutcome::Acknowledged(_) => DeviceState::Acknowledged,
            NotifyOutcome::Rejected(code) => DeviceState::Failed(FailReason::Rejected(code)),
            NotifyOutcome::TimedOut => DeviceState::Failed(FailReason::Timeout),
        };
        if acknowledged_at.is_some() {
            record.last_acknowledged = acknowledged_at;
        }
        let (level, what) = match outcome {
            NotifyOutcome::Acknowledged(code) => (LogLevel::Info, format!("acknowledged with {code}")),
            NotifyOutcome::Rejected(code) => (LogLevel::Warn, format!("failed: the phone answered {code}")),
            NotifyOutcome::TimedOut => (LogLevel::Warn, "failed: no answer to the NOTIFY".to_string()),
        };
        self.log(level, format!("{mac}: {what} ({})", redact_path(&notify.url)));
        self.emit(Event::NotifyResult(NotifyResult {
            mac,
            destination: notify.destination,
            url: notify.url,
            outcome,
            in_dialog: notify.in_dialog,
        }));
    }
}
