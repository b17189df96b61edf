//! The daemon as a gspnp host: it keeps each rendered file for the HTTP server and
//! passes the engine's log lines on. Nothing here blocks: the file store's lock is held
//! for a map update and the log only queues.

use std::sync::Arc;

use gspnp::device::DeviceInfo;
use gspnp::engine::{redact_token, ConfigFile, LogLevel, ResyncOutcome, ResyncResult};
use gspnp::runtime::{Decision, DroppedKind, Host};

use super::files::FileStore;
use crate::log::{Logger, Throttled};

/// What the callback threads hold.
pub struct DaemonHost {
    /// Where files go.
    pub files: Arc<FileStore>,
    /// Where lines go.
    pub log: Arc<Logger>,
    /// Warnings about rendered files (a forged SUBSCRIBE can name any model), limited.
    pub file_warnings: Arc<Throttled>,
}

impl Host for DaemonHost {
    fn device(&self, info: &DeviceInfo, is_new: bool) {
        if !is_new && self.log.enabled(LogLevel::Debug) {
            self.log.debug(&format!("{}: subscribed again from {}", info.mac, info.source));
        }
    }

    /// Stores the file where its URL serves it and lets the NOTIFY go. The line is at
    /// debug level: a forged SUBSCRIBE gets a file too, and the fetch is what shows a
    /// real phone (logged at info).
    fn config_ready(&self, file: &ConfigFile) -> Decision {
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

    /// One line per re-provisioning: what was asked, where, and how it ended.
    fn resync_result(&self, result: &ResyncResult) {
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
