//! The NOTIFY that tells a phone its URL: sending, retransmission per RFC 3261 timers
//! E and F, and the phone's answer.

use std::net::SocketAddrV4;
use std::time::Instant;

use crate::sip::Message;

use super::devices::{DeviceState, FailReason};
use super::event::{redact_path, Event, LogLevel, NotifyOutcome, NotifyResult};
use super::log;
use super::transactions::{ExchangeId, NotifyPurpose, NotifyTransaction};
use super::wire::{self, NotifyHeaders};
use super::{Engine, Timer, Transmit};

impl Engine {
    /// Sends the NOTIFY carrying `url` for `exchange`: inside the dialog of its pending
    /// SUBSCRIBE (answering that first), else outside any dialog to the exchange's
    /// address.
    pub(super) fn send_notify(&mut self, now: Instant, exchange: ExchangeId, url: String) {
        let pending = self.answer_pending(now, exchange);
        let Some((mac, source, local)) = self.transactions.get(exchange).map(|e| (e.mac(), e.source(), e.local()))
        else {
            return;
        };
        let (headers, in_dialog) = match &pending {
            Some(subscribe) => (NotifyHeaders::in_dialog(&subscribe.facts, &subscribe.local_tag), true),
            None => {
                let (tag, call_id) = (self.random_hex(), self.random_hex());
                (NotifyHeaders::out_of_dialog(local, source, &tag, &call_id), false)
            }
        };
        let id = self.random.random_u64();
        let branch = format!("z9hG4bK{id:016x}");
        let Some(request) = wire::write_notify(source, local, &branch, &headers, &url, &self.config.user_agent) else {
            // Only a value that cannot be written safely gets here (checked URLs and
            // parsed headers never do); better silent than a malformed NOTIFY.
            log!(self, LogLevel::Error, "{mac}: the NOTIFY could not be written; nothing sent");
            return;
        };
        let purpose = NotifyPurpose::Provision { url, in_dialog };
        self.start_client_transaction(now, exchange, id, branch, source, request, purpose);
        self.set_state(exchange, DeviceState::Notified);
        self.stats.notifies_sent += 1;
        let how = if in_dialog { "in its dialog" } else { "outside any dialog" };
        log!(self, LogLevel::Info, "{mac}: notified at {source} {how}");
    }

    /// Sends `request` to `destination` as the exchange's NOTIFY client transaction and
    /// schedules timers E and F for it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_client_transaction(
        &mut self,
        now: Instant,
        exchange: ExchangeId,
        id: u64,
        branch: String,
        destination: SocketAddrV4,
        request: Vec<u8>,
        purpose: NotifyPurpose,
    ) {
        let Some(local) = self.transactions.get(exchange).map(|e| e.local()) else { return };
        let interval = self.config.timers.t1;
        let payload = super::payload_from(&mut self.spare_payloads, &request);
        let notify =
            NotifyTransaction { id, branch, destination, request, purpose, started: now, interval, proceeding: false };
        self.transactions.start_notify(exchange, notify);
        self.transmits.push_back(Transmit { destination, source: local, payload });
        self.timers.push(now + interval, Timer::NotifyRetransmit { exchange, id });
        self.timers.push(now + self.config.timers.timeout, Timer::NotifyTimeout { exchange, id });
    }

    pub(super) fn retransmit_notify(&mut self, now: Instant, exchange: ExchangeId, id: u64) {
        let Some(local) = self.transactions.get(exchange).map(|e| e.local()) else { return };
        let timers = self.config.timers;
        let Some(notify) = self.transactions.get_mut(exchange).and_then(|e| e.notify_mut()).filter(|n| n.id == id)
        else {
            return;
        };
        self.transmits.push_back(Transmit {
            destination: notify.destination,
            source: local,
            payload: super::payload_from(&mut self.spare_payloads, &notify.request),
        });
        notify.interval = if notify.proceeding { timers.t2 } else { (notify.interval * 2).min(timers.t2) };
        let next = now + notify.interval;
        let keep_going = next < notify.started + timers.timeout;
        self.stats.notify_retransmissions += 1;
        if keep_going {
            self.timers.push(next, Timer::NotifyRetransmit { exchange, id });
        }
    }

    pub(super) fn notify_timed_out(&mut self, now: Instant, exchange: ExchangeId, id: u64) {
        if self.transactions.get(exchange).and_then(|e| e.notify()).is_none_or(|n| n.id != id) {
            return;
        }
        self.finish_client_transaction(now, exchange, None);
    }

    /// A response from `source`: it must answer one of our NOTIFYs and come from the
    /// address that NOTIFY went to; anything else is stray.
    pub(super) fn on_response(&mut self, now: Instant, source: SocketAddrV4, message: &Message<'_>) {
        let Some(response) = wire::response_facts(message) else {
            self.stats.stray_responses += 1;
            return;
        };
        let Some(exchange) = self.transactions.by_branch(&response.branch) else {
            self.stats.stray_responses += 1;
            return;
        };
        let Some(notify) = self.transactions.get_mut(exchange).and_then(|e| e.notify_mut()) else { return };
        if !response.is_notify || notify.destination.ip() != source.ip() {
            self.stats.stray_responses += 1;
            return;
        }
        if (100..200).contains(&response.code) {
            notify.proceeding = true;
            return;
        }
        self.finish_client_transaction(now, exchange, Some((response.code, message)));
    }

    /// Ends the exchange's NOTIFY transaction with a final `response` (code and
    /// message) or, with None, at Timer F.
    fn finish_client_transaction(&mut self, now: Instant, exchange: ExchangeId, response: Option<(u16, &Message<'_>)>) {
        let Some(mac) = self.transactions.get(exchange).map(|e| e.mac()) else { return };
        let Some(notify) = self.transactions.finish_notify(exchange, now) else { return };
        self.schedule_expiry(now, exchange);
        let code = response.map(|(code, _)| code);
        let outcome = match code {
            Some(code @ 200..=299) => NotifyOutcome::Acknowledged(code),
            Some(code) => NotifyOutcome::Rejected(code),
            None => NotifyOutcome::TimedOut,
        };
        match notify.purpose {
            NotifyPurpose::Provision { url, in_dialog } => {
                let result = NotifyResult { mac, destination: notify.destination, url, outcome, in_dialog };
                self.provision_finished(now, exchange, result);
            }
            NotifyPurpose::Resync(state) => self.resync_answered(now, exchange, notify.destination, *state, response),
        }
    }

    /// Reports how a provisioning NOTIFY ended and records it.
    fn provision_finished(&mut self, now: Instant, exchange: ExchangeId, result: NotifyResult) {
        let mac = result.mac;
        match result.outcome {
            NotifyOutcome::Acknowledged(_) => self.stats.notifies_acknowledged += 1,
            NotifyOutcome::Rejected(_) => self.stats.notifies_rejected += 1,
            NotifyOutcome::TimedOut => self.stats.notifies_timed_out += 1,
        }
        self.set_state(
            exchange,
            match result.outcome {
                NotifyOutcome::Acknowledged(_) => DeviceState::Acknowledged,
                NotifyOutcome::Rejected(code) => DeviceState::Failed(FailReason::Rejected(code)),
                NotifyOutcome::TimedOut => DeviceState::Failed(FailReason::Timeout),
            },
        );
        if let NotifyOutcome::Acknowledged(_) = result.outcome {
            if let Some(exchange) = self.transactions.get_mut(exchange) {
                exchange.acknowledged_at = Some(now);
            }
        }
        if let Some(record) = self.devices.get_mut(&mac) {
            record.last_notify = Some(result.outcome);
            if let NotifyOutcome::Acknowledged(_) = result.outcome {
                record.last_acknowledged = Some(now);
            }
        }
        match result.outcome {
            NotifyOutcome::Acknowledged(code) => {
                log!(self, LogLevel::Info, "{mac}: acknowledged with {code} ({})", redact_path(&result.url));
            }
            NotifyOutcome::Rejected(code) => {
                log!(self, LogLevel::Warn, "{mac}: failed: the phone answered {code} ({})", redact_path(&result.url));
            }
            NotifyOutcome::TimedOut => {
                log!(self, LogLevel::Warn, "{mac}: failed: no answer to the NOTIFY ({})", redact_path(&result.url));
            }
        }
        self.emit(Event::NotifyResult(result));
    }
}
