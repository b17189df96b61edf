//! The daemon as a gspnp host: it keeps each rendered file for the HTTP server and
//! passes the engine's log lines on.

use std::sync::Arc;

use gspnp::device::DeviceInfo;
use gspnp::engine::{redact_token, ConfigFile, LogLevel};
use gspnp::runtime::{Decision, DroppedKind, Host};

use super::files::FileStore;
use crate::log::Logger;

/// What the callback thread holds.
pub struct DaemonHost {
    /// Where files go.
    pub files: Arc<FileStore>,
    /// Where lines go.
    pub log: Arc<Logger>,
}

impl Host for DaemonHost {
    fn device(&self, info: &DeviceInfo, is_new: bool) {
        if !is_new {
            self.log.log(LogLevel::Debug, &format!("{}: subscribed again from {}", info.mac, info.source));
        }
    }

    /// Stores the file where its URL serves it and lets the NOTIFY go.
    fn config_ready(&self, file: &ConfigFile) -> Decision {
        self.files.put(file.mac, &file.token, &file.contents);
        self.log.info(&format!(
            "{}: file ready: {} for {} at {}",
            file.mac,
            file.file_name,
            file.model,
            redact_token(&file.url, &file.token)
        ));
        for warning in &file.warnings {
            self.log.warn(&format!("{}: {warning}", file.mac));
        }
        Decision::Accept
    }

    fn log(&self, level: LogLevel, line: &str) {
        self.log.log(level, line);
    }

    fn events_dropped(&self, kind: DroppedKind, count: u64) {
        self.log.warn(&format!("{count} {kind:?} events from the engine were dropped (the daemon was too slow)"));
    }
}
