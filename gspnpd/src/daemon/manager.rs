//! The device manager's operations, each complete or not done at all: an admin's
//! assignment is checked, stored (with its audit entry), then handed to the running
//! server; if the server refuses, the store is put back. Precedence: a phone declared
//! in the config file (`[[phone]]`) is the file's, an admin cannot assign it through
//! the API (409); any other phone gets the admin's assignment, else a default profile.
//!
//! Every method may block for a few milliseconds (the store) up to a few seconds (a
//! busy server): call them off an async runtime's workers.

use std::sync::{Arc, RwLock, RwLockReadGuard};

use gspnp::engine::{Assignment, ProfileAssignment, ResyncKind, ResyncRequest};
use gspnp::runtime::{RuntimeError, Server};
use gspnp::Mac;

use super::files::FileStore;
use super::ledger::Ledger;
use super::retry_while_busy;
use super::window::{ProvisioningWindow, WindowStatus};
use crate::config::Config;
use crate::log::Logger;
use crate::store::Store;

/// Why an operation was refused; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagerError {
    /// No such phone.
    NotFound(String),
    /// The request is wrong at `field` (empty: the whole body).
    Invalid {
        /// The field at fault, as `account[0].user`.
        field: String,
        /// What is wrong (never a secret's value).
        message: String,
    },
    /// The phone belongs to the config file.
    Conflict(String),
    /// The store or the server failed.
    Unavailable(String),
}

/// The device manager.
pub struct Manager {
    /// Store and events.
    pub ledger: Arc<Ledger>,
    /// The running gspnp server.
    pub server: Arc<Server>,
    /// The files served.
    pub files: Arc<FileStore>,
    /// The config as last (re)loaded.
    pub config: Arc<RwLock<Config>>,
    /// The daemon's log.
    pub log: Arc<Logger>,
    /// The provisioning window.
    pub window: Arc<ProvisioningWindow>,
}

fn unavailable(error: impl std::fmt::Display) -> ManagerError {
    ManagerError::Unavailable(error.to_string())
}

impl Manager {
    fn config(&self) -> RwLockReadGuard<'_, Config> {
        self.config.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn store(&self) -> &Arc<dyn Store> {
        self.ledger.store()
    }

    /// The token the store keeps for `mac`, so that its URL stays the same.
    fn kept_token(&self, mac: Mac) -> Option<String> {
        let file = self.store().file(mac);
        self.ledger.checked("reading a token", file, None).map(|file| file.token)
    }

    /// Assigns `mac` the profile `table` (a `[[phone]]` table as JSON) as `actor`, and
    /// delivers the new file: a phone the running server remembers (it SUBSCRIBEd since
    /// the start) gets a NOTIFY in the dialog of its waiting SUBSCRIBE or outside any
    /// dialog to its last address (the engine's own); a phone only the store knows gets
    /// a check-sync to its stored address, answered with the new file's account 1.
    pub fn assign(&self, mac: Mac, table: serde_json::Value, actor: &str) -> Result<(), ManagerError> {
        let assignment = {
            let config = self.config();
            if config.phone(mac).is_some() {
                return Err(ManagerError::Conflict(format!(
                    "{mac} is declared in {}: edit it there",
                    config.file.display()
                )));
            }
            config.admin_profile(mac, table.clone(), self.kept_token(mac)).map_err(|issue| ManagerError::Invalid {
                field: if issue.path.steps().is_empty() { String::new() } else { issue.path.to_string() },
                message: issue.message,
            })?
        };
        let previous = self.store().assignments().map_err(unavailable)?.into_iter().find(|(known, _)| *known == mac);
        self.store().assign(mac, &table, actor).map_err(unavailable)?;
        // Listed first, so that the provisioning window never holds the file it causes.
        let was_listed = self.files.is_listed(mac);
        self.files.list(mac);
        if let Err(error) = retry_while_busy(|| self.server.assign(mac, Assignment::Profile(assignment.clone()))) {
            let undone = match previous {
                Some((_, old)) => self.store().assign(mac, &old, actor),
                None => self.store().unassign(mac, actor).map(|_| ()),
            };
            self.ledger.checked("undoing an assignment", undone, ());
            if !was_listed {
                self.files.unlist(mac);
            }
            return Err(unavailable(error));
        }
        let delivery = self.deliver(mac, &assignment);
        self.ledger.publish(
            &serde_json::json!({ "mac": mac.to_string(), "event": "assigned", "detail": format!("by {actor}; {delivery}") }),
        );
        self.log.info(&format!("{mac}: assigned by {actor}; {delivery}"));
        Ok(())
    }

    /// After an assignment: how the new file reaches `mac` (see [`Manager::assign`]).
    /// A phone the server does not remember has its kept file re-rendered from
    /// `assignment` under its kept URL first, so that the check-sync fetches the new one.
    fn deliver(&self, mac: Mac, assignment: &ProfileAssignment) -> String {
        if matches!(self.server.device(mac), Ok(Some(_))) {
            return "its file goes out in a NOTIFY".to_owned();
        }
        super::restore_file(mac, assignment, &self.files, &self.ledger);
        let address =
            self.ledger.checked("reading a phone", self.store().phone(mac), None).and_then(|phone| phone.address);
        let Some(destination) = address.as_deref().and_then(|address| address.parse().ok()) else {
            return "it gets its file when it next boots".to_owned();
        };
        let mut request = ResyncRequest::new(ResyncKind::CheckSync);
        request.destination = Some(destination);
        match retry_while_busy(|| self.server.resync(mac, request.clone())) {
            Ok(()) => format!("check-sync sent to {destination} (the server had not seen it since its start)"),
            Err(error) => format!("it gets its file when it next boots (check-sync to {destination} refused: {error})"),
        }
    }

    /// Removes the admin's assignment of `mac`.
    pub fn unassign(&self, mac: Mac, actor: &str) -> Result<(), ManagerError> {
        if !self.store().unassign(mac, actor).map_err(unavailable)? {
            return Err(ManagerError::NotFound(format!("{mac} has no assignment")));
        }
        self.after_removal(mac);
        self.ledger.publish(&serde_json::json!({ "mac": mac.to_string(), "event": "unassigned", "detail": actor }));
        self.log.info(&format!("{mac}: unassigned by {actor}"));
        Ok(())
    }

    /// Forgets `mac`: record, assignment, file and history.
    pub fn forget(&self, mac: Mac, actor: &str) -> Result<(), ManagerError> {
        if !self.store().forget(mac, actor).map_err(unavailable)? {
            return Err(ManagerError::NotFound(format!("no phone {mac}")));
        }
        self.after_removal(mac);
        self.ledger.publish(&serde_json::json!({ "mac": mac.to_string(), "event": "forgotten", "detail": actor }));
        self.log.info(&format!("{mac}: forgotten by {actor}"));
        Ok(())
    }

    /// The server and the file server stop serving `mac` its admin-assigned file; a
    /// phone the config file declares keeps the file's.
    fn after_removal(&self, mac: Mac) {
        if self.config().phone(mac).is_some() {
            return;
        }
        if let Err(error) = retry_while_busy(|| self.server.unassign(mac)) {
            self.log.warn(&format!("{mac}: the server still holds its assignment: {error}"));
        }
        self.files.unlist(mac);
    }

    /// Asks `mac` to fetch its file again (or to reboot), to its last address; the
    /// outcome arrives later as a `resync` event.
    pub fn resync(&self, mac: Mac, reboot: bool, actor: &str) -> Result<(), ManagerError> {
        let phone = self.store().phone(mac).map_err(unavailable)?;
        let Some(phone) = phone else { return Err(ManagerError::NotFound(format!("no phone {mac}"))) };
        let mut request = ResyncRequest::new(if reboot { ResyncKind::Reboot } else { ResyncKind::CheckSync });
        request.destination = phone.address.as_deref().and_then(|address| address.parse().ok());
        if request.destination.is_none() {
            return Err(ManagerError::Conflict(format!("{mac} was never seen: no address to send to")));
        }
        match retry_while_busy(|| self.server.resync(mac, request.clone())) {
            Ok(()) => {}
            Err(RuntimeError::Engine(error)) => {
                return Err(ManagerError::Invalid { field: String::new(), message: error.to_string() })
            }
            Err(error) => return Err(unavailable(error)),
        }
        let kind = request.kind.name();
        self.ledger.checked("auditing", self.store().audit(actor, kind, Some(mac), ""), ());
        self.log.info(&format!("{mac}: {kind} requested by {actor}"));
        Ok(())
    }

    /// After a reload, which lists only the config file's phones: lists every phone an
    /// admin assigned again, so that its file stays kept and the window never holds it.
    pub fn relist_assigned(&self) {
        for (mac, _) in self.ledger.checked("reading assignments", self.store().assignments(), Vec::new()) {
            self.files.list(mac);
        }
    }

    /// Opens the provisioning window for `[admin] window_minutes` (as `actor`).
    pub fn open_window(&self, actor: &str) -> Result<WindowStatus, ManagerError> {
        self.change_window(actor, "open window", |window| window.open(std::time::Instant::now()))
    }

    /// Closes the provisioning window (as `actor`).
    pub fn close_window(&self, actor: &str) -> Result<WindowStatus, ManagerError> {
        self.change_window(actor, "close window", ProvisioningWindow::close)
    }

    fn change_window(
        &self,
        actor: &str,
        action: &str,
        change: impl FnOnce(&ProvisioningWindow) -> bool,
    ) -> Result<WindowStatus, ManagerError> {
        if !change(&self.window) {
            return Err(ManagerError::Conflict(
                "no provisioning window: set [admin] window_minutes (new phones are always answered)".to_owned(),
            ));
        }
        let status = self.window.status(std::time::Instant::now());
        self.ledger.checked("auditing", self.store().audit(actor, action, None, ""), ());
        self.ledger.publish(&serde_json::json!({ "event": "window", "detail": action, "open": status.open }));
        self.log.info(&format!("provisioning window: {action} by {actor}"));
        Ok(status)
    }

    /// At start: every admin assignment (of a phone the file does not declare) goes to
    /// the server with the phone's kept token; how many.
    pub fn hand_over(&self) -> Result<usize, String> {
        let assignments = self.store().assignments().map_err(|error| error.to_string())?;
        let mut handed = 0;
        for (mac, table) in assignments {
            if self.config().phone(mac).is_some() {
                continue;
            }
            let built = self.config().admin_profile(mac, table, self.kept_token(mac));
            match built {
                Ok(assignment) => {
                    retry_while_busy(|| self.server.assign(mac, Assignment::Profile(assignment.clone())))
                        .map_err(|error| format!("{mac}: {error}"))?;
                    self.files.list(mac);
                    handed += 1;
                }
                Err(issue) => {
                    self.log.warn(&format!("{mac}: its stored assignment no longer fits the config: {issue:?}"))
                }
            }
        }
        Ok(handed)
    }
}
