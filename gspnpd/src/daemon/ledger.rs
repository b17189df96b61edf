//! What happens to phones, written down: each event goes to the persistent store and
//! to the admin API's live event stream. A store failure is logged (rate-limited) and
//! never stops provisioning: the phone is still served from memory.

use std::sync::Arc;

use gspnp::device::DeviceInfo;
use gspnp::engine::{ConfigFile, NotifyOutcome, NotifyResult, ResyncOutcome, ResyncResult};
use gspnp::Mac;
use serde_json::json;
use tokio::sync::broadcast;

use crate::http::WARNING_INTERVAL;
use crate::log::{Logger, Throttled};
use crate::store::{KeptFile, PhoneState, Sighting, Store, StoreError};

/// Events kept for a slow event-stream reader before it misses some.
const EVENTS_BUFFERED: usize = 1024;
/// Store failures logged per interval before they are only counted.
const FAILURES_LOGGED: u32 = 5;

/// The store and the live event stream; shared by the host callbacks, the file
/// server and the admin API.
pub struct Ledger {
    store: Arc<dyn Store>,
    events: broadcast::Sender<Arc<str>>,
    failures: Throttled,
    full: Throttled,
}

impl Ledger {
    /// Writes to `store`, logs failures to `log`.
    pub fn new(store: Arc<dyn Store>, log: Arc<Logger>) -> Arc<Ledger> {
        let (events, _) = broadcast::channel(EVENTS_BUFFERED);
        Arc::new(Ledger {
            store,
            events,
            failures: Throttled::new(log.clone(), "store failures", FAILURES_LOGGED, WARNING_INTERVAL),
            full: Throttled::new(log, "phones not stored (the store is full)", FAILURES_LOGGED, WARNING_INTERVAL),
        })
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// A new reader of the live events (JSON objects, one per event).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.events.subscribe()
    }

    /// Sends `event` to every live reader (none is fine).
    pub fn publish(&self, event: &serde_json::Value) {
        let _ = self.events.send(event.to_string().into());
    }

    /// Logs a store failure (rate-limited) and returns the fallback.
    pub fn checked<T>(&self, what: &str, result: Result<T, StoreError>, fallback: T) -> T {
        result.unwrap_or_else(|error| {
            self.failures.warn(|| format!("{what}: {error}"));
            fallback
        })
    }

    /// Logs the counted failures and phones refused; called every interval.
    pub fn report(&self) {
        self.failures.report();
        self.full.report();
    }

    fn stored(&self, mac: Mac, what: &str, result: Result<bool, StoreError>) {
        if !self.checked(what, result, true) {
            self.full.warn(|| format!("{mac}: not stored: the store holds [store] max_phones phones"));
        }
    }

    fn changed(&self, mac: Mac, event: &str, detail: &str) {
        self.publish(&json!({ "mac": mac.to_string(), "event": event, "detail": detail }));
    }

    /// A phone sent a SUBSCRIBE.
    pub fn seen(&self, info: &DeviceInfo) {
        let sighting = Sighting {
            mac: info.mac,
            vendor: info.vendor.clone(),
            model: info.model.clone(),
            firmware: info.firmware.clone(),
            address: info.source,
        };
        self.stored(info.mac, "recording a phone", self.store.record_sighting(&sighting));
        self.changed(info.mac, "discovered", &format!("{} {} from {}", info.vendor, info.model, info.source));
    }

    /// A file is about to be announced: stored before the NOTIFY goes, so that its URL
    /// serves it after any restart.
    pub fn file_ready(&self, file: &ConfigFile) {
        let kept = KeptFile {
            mac: file.mac,
            model: file.model.clone(),
            token: file.token.clone(),
            url: file.url.clone(),
            contents: file.contents.clone(),
        };
        self.stored(file.mac, "storing a file", self.store.record_file(&kept));
        self.changed(file.mac, "answered", &format!("file rendered for a {}", file.model));
    }

    /// A file was re-rendered under the same token (a changed profile).
    pub fn file_replaced(&self, file: &KeptFile) {
        self.checked("storing a file", self.store.replace_file(file), ());
    }

    /// A NOTIFY ended.
    pub fn notified(&self, result: &NotifyResult) {
        let (state, detail) = match result.outcome {
            NotifyOutcome::Acknowledged(code) => (PhoneState::Acknowledged, format!("NOTIFY acknowledged ({code})")),
            NotifyOutcome::Rejected(code) => (PhoneState::Notified, format!("NOTIFY rejected ({code})")),
            NotifyOutcome::TimedOut => (PhoneState::Notified, "NOTIFY unanswered".to_owned()),
        };
        self.checked("recording a NOTIFY", self.store.record_state(result.mac, state, &detail), ());
        self.changed(result.mac, state.name(), &detail);
    }

    /// A phone was not answered (`why`); shown live, not kept (a flood of forged
    /// SUBSCRIBEs would fill the history).
    pub fn held(&self, mac: Mac, why: &str) {
        self.changed(mac, "held", why);
    }

    /// A phone fetched its file.
    pub fn fetched(&self, mac: Mac, how: &str) {
        self.checked("recording a fetch", self.store.record_state(mac, PhoneState::Fetched, how), ());
        self.changed(mac, "fetched", how);
    }

    /// A re-provisioning ended: recorded as the phone's last resync result; its event
    /// also carries `outcome` (accepted, rejected, auth_refused, no_credentials, timed_out).
    pub fn resynced(&self, result: &ResyncResult) {
        let (outcome, said) = match result.outcome {
            ResyncOutcome::Accepted(code) => ("accepted", format!("accepted ({code})")),
            ResyncOutcome::Rejected(code) => ("rejected", format!("rejected ({code})")),
            ResyncOutcome::AuthRefused(code) => ("auth_refused", format!("refused our credentials ({code})")),
            ResyncOutcome::NoCredentials(code) => {
                ("no_credentials", format!("challenged with no credentials to answer ({code})"))
            }
            ResyncOutcome::TimedOut => ("timed_out", "unanswered".to_owned()),
        };
        let detail = format!("{} to {} {said}", result.kind.name(), result.destination);
        self.checked("recording a resync", self.store.record_resync(result.mac, &detail), ());
        self.publish(
            &json!({ "mac": result.mac.to_string(), "event": "resync", "detail": detail, "outcome": outcome }),
        );
    }
}
