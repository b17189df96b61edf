//! The daemon as a gspnp host: it records every phone in the store, keeps each rendered
//! file for the HTTP server (on disk before its NOTIFY goes) and passes the engine's log
//! lines on. Nothing here waits on the network: a store write is one short local
//! transaction, the file store's lock is held for a map update and the log only queues.

use std::sync::Arc;

use gspnp::device::DeviceInfo;
use gspnp::engine::{redact_token, ConfigFile, LogLevel, NotifyResult, ResyncOutcome, ResyncResult};
use gspnp::runtime::{Decision, DroppedKind, Host};

use super::files::FileStore;
use super::ledger::Ledger;
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
    /// real phone (logged at info).
    fn config_ready(&self, file: &ConfigFile) -> Decision {
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
