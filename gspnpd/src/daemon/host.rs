//! The daemon as a gspnp host: it records every phone in the store, keeps each rendered
//! file for the HTTP server (on disk before its NOTIFY goes) and passes the engine's log
//! lines on. Nothing here waits on the network: a store write is one short local
//! transaction, the file store's lock is held for a map update and the log only queues.

use std::sync::Arc;
use std::time::Instant;

use gspnp::device::DeviceInfo;
use gspnp::engine::{redact_token, ConfigFile, LogLevel, NotifyResult, ResyncOutcome, ResyncResult};
use gspnp::runtime::{Decision, DroppedKind, Host};

use super::files::FileStore;
use super::ledger::Ledger;
use super::window::ProvisioningWindow;
use crate::log::{Logger, Throttled};

/// What the callback threads hold.
pub struct DaemonHost {
    /// Where files go.
    pub files: Arc<FileStore>,
    /// Where lines go.
    pub log: Arc<Logger>,
    /// Where phones' progress is recorded.
    pub ledger: Arc<Ledger>,
    /// Warnings about rendered files (a forged SUBSCRIBE can name any model), limited.
    pub file_warnings: Arc<Throttled>,
    /// Whether phones never provisioned are answered now.
    pub window: Arc<ProvisioningWindow>,
}

impl DaemonHost {
    /// Whether `mac` was never provisioned: not listed (declared or assigned by an
    /// admin) and no file kept for it.
    fn is_new(&self, mac: gspnp::Mac) -> bool {
        !self.files.is_listed(mac)
            && self.ledger.checked("reading a file", self.ledger.store().file(mac), None).is_none()
    }
}

impl Host for DaemonHost {
    fn device(&self, info: &DeviceInfo, is_new: bool) {
        self.ledger.seen(info);
        if !is_new && self.log.enabled(LogLevel::Debug) {
            self.log.debug(&format!("{}: subscribed again from {}", info.mac, info.source));
        }
    }

    /// Stores the file where its URL serves it and lets the NOTIFY go. The line is at
    /// debug level: a forged SUBSCRIBE gets a file too, and the fetch is what shows a
    /// real phone (logged at info). While the provisioning window is closed a phone
    /// never provisioned is refused (its SUBSCRIBE goes unanswered; it retries).
    fn config_ready(&self, file: &ConfigFile) -> Decision {
        if !self.window.admits_new_phones(Instant::now()) && self.is_new(file.mac) {
            self.ledger.held(file.mac, "not answered: the provisioning window is closed");
            return Decision::Refuse;
        }
        self.ledger.file_ready(file);
        self.files.put(file);
        if self.log.enabled(LogLevel::Debug) {
            self.log.debug(&format!(
                "{}: file ready: {} for {} at {}",
                file.mac,
                file.file_name,
                file.model,
                redact_token(&file.url, &file.token)
            ));
        }
        for warning in &file.warnings {
            self.file_warnings.warn(|| format!("{}: {warning}", file.mac));
        }
        Decision::Accept
    }

    fn notify_result(&self, result: &NotifyResult) {
        self.ledger.notified(result);
    }

    /// One line per re-provisioning: what was asked, where, and how it ended.
    fn resync_result(&self, result: &ResyncResult) {
        self.ledger.resynced(result);
        let kind = result.kind.name();
        let (mac, destination) = (result.mac, result.destination);
        match result.outcome {
            ResyncOutcome::Accepted(code) => {
                self.log.info(&format!("{mac}: {kind} at {destination}: accepted ({code})"))
            }
            ResyncOutcome::Rejected(code) => {
                self.log.warn(&format!("{mac}: {kind} at {destination}: refused ({code})"))
            }
            ResyncOutcome::AuthRefused(code) => {
                self.log.warn(&format!("{mac}: {kind} at {destination}: the phone refused our credentials ({code})"))
            }
            ResyncOutcome::NoCredentials(code) => self.log.warn(&format!(
                "{mac}: {kind} at {destination}: challenged ({code}) and the phone has no account to answer with"
            )),
            ResyncOutcome::TimedOut => self.log.warn(&format!("{mac}: {kind} at {destination}: no answer")),
        }
    }

    fn log(&self, level: LogLevel, line: &str) {
        self.log.log(level, line);
    }

    fn events_dropped(&self, kind: DroppedKind, count: u64) {
        self.log.warn(&format!("{count} {kind:?} events from the engine were dropped (the daemon was too slow)"));
    }
}
