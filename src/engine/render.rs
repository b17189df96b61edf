//! Turning a profile assignment into the phone's file and offering it to the host.

use std::time::Instant;

use super::devices::{DeviceState, FailReason};
use super::event::{ConfigFile, Event, LogLevel};
use super::log;
use super::transactions::{ExchangeId, WaitingFile};
use super::url::{self, UrlFields};
use super::{Engine, ProfileAssignment, Timer};

impl Engine {
    /// Renders the phone's file under its URL and offers it to the host; the NOTIFY of
    /// `exchange` waits for [`Engine::decide`].
    pub(super) fn offer_file(&mut self, now: Instant, exchange: ExchangeId, assignment: &ProfileAssignment) {
        let Some(mac) = self.transactions.get(exchange).map(|e| e.mac()) else { return };
        let Some(record) = self.devices.get(&mac) else { return };
        let token = match assignment.token.clone().or_else(|| record.token.clone()) {
            Some(token) => token,
            None => match self.random.token() {
                Ok(token) => token,
                Err(error) => {
                    log!(self, LogLevel::Error, "{mac}: no token: the random source failed: {error}");
                    return;
                }
            },
        };
        let Some(record) = self.devices.get(&mac) else { return };
        let fields = UrlFields { ip: *record.local.ip(), mac, token: &token, model: &record.info.model };
        let url = url::expand(&self.config.url_template, &fields);
        let model = record.info.model.clone();
        let rendered = crate::provision::Target::new(mac, &model, assignment.format)
            .and_then(|target| target.with_provisioning_url(&url))
            .and_then(|target| crate::provision::render(&assignment.profile, &target));
        let rendered = match rendered {
            Ok(rendered) => rendered,
            Err(error) => {
                self.stats.render_failures += 1;
                self.set_state(exchange, DeviceState::Failed(FailReason::RenderFailed));
                self.transactions.unhold(exchange, None);
                log!(self, LogLevel::Error, "{mac}: its profile cannot be rendered for {model}: {error}");
                return;
            }
        };
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.set_state(exchange, DeviceState::AwaitingHost);
        self.transactions.wait_for_host(exchange, WaitingFile { ticket, url: url.clone(), token: token.clone() });
        self.timers.push(now + self.config.decision_timeout, Timer::DecisionTimeout { ticket });
        self.emit(Event::ConfigReady(ConfigFile {
            ticket,
            mac,
            model,
            file_name: rendered.file_name,
            contents: rendered.bytes,
            url,
            token,
            warnings: rendered.warnings,
        }));
    }
}
