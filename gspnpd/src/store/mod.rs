//! The device manager's memory: every phone seen, what an admin assigned it, the file
//! (and token) it was last told about, its history and the audit trail. Behind the
//! [`Store`] trait so that another backend (PostgreSQL, shared by several gspnpd) can
//! replace [`sqlite::SqliteStore`] without touching the daemon.
//!
//! Every method is one transaction: it happens whole or not at all, and once it
//! returns Ok it survives a crash of the process.

mod migrations;
pub mod sqlite;
mod types;

use gspnp::Mac;

pub use types::{AuditEntry, HistoryEntry, KeptFile, PhoneQuery, PhoneRecord, PhoneState, Sighting, StoreError};

/// Seconds since the Unix epoch, the store's clock.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
}

/// Persistent phones, assignments, files and audit trail. Thread-safe; each call may
/// block on disk for a few milliseconds (never on the network).
pub trait Store: Send + Sync {
    /// A phone sent a SUBSCRIBE: its facts and last address are updated (a new phone
    /// starts as [`PhoneState::Discovered`]). Ok(false) when the phone is new and the
    /// store already holds its maximum of phones (nothing is written).
    fn record_sighting(&self, sighting: &Sighting) -> Result<bool, StoreError>;

    /// A file was rendered for the phone and is about to be announced: it replaces the
    /// phone's kept file and token, and the phone becomes [`PhoneState::Answered`].
    /// Ok(false) as for [`Store::record_sighting`].
    fn record_file(&self, file: &KeptFile) -> Result<bool, StoreError>;

    /// Replaces the contents of the phone's kept file when it is still kept under
    /// `file.token` (a re-render of a changed profile); its state stays.
    fn replace_file(&self, file: &KeptFile) -> Result<(), StoreError>;

    /// The phone reached `state` (kept only if further than its current one); `detail`
    /// goes into its history. Nothing happens for a phone the store does not hold.
    fn record_state(&self, mac: Mac, state: PhoneState, detail: &str) -> Result<(), StoreError>;

    /// Something happened to the phone that does not change its state (a resync's
    /// result); it goes into its history, and `resync` into its last resync result.
    fn record_resync(&self, mac: Mac, detail: &str) -> Result<(), StoreError>;

    /// The phones matching `query`, by MAC, and how many match without paging.
    fn phones(&self, query: &PhoneQuery) -> Result<(Vec<PhoneRecord>, u64), StoreError>;

    /// One phone.
    fn phone(&self, mac: Mac) -> Result<Option<PhoneRecord>, StoreError>;

    /// The phone's newest `limit` history entries, newest first.
    fn history(&self, mac: Mac, limit: u32) -> Result<Vec<HistoryEntry>, StoreError>;

    /// The phone's kept file, if any.
    fn file(&self, mac: Mac) -> Result<Option<KeptFile>, StoreError>;

    /// Every phone's kept token, for the start-up hand-over.
    fn tokens(&self) -> Result<Vec<(Mac, String)>, StoreError>;

    /// Sets the admin's assignment (a `[[phone]]` table as JSON) of `mac`, creating the
    /// phone if unseen, and audits it as `actor`'s.
    fn assign(&self, mac: Mac, profile: &serde_json::Value, actor: &str) -> Result<(), StoreError>;

    /// Removes the admin's assignment and the file rendered from it; false when there
    /// was none.
    fn unassign(&self, mac: Mac, actor: &str) -> Result<bool, StoreError>;

    /// Every admin assignment.
    fn assignments(&self) -> Result<Vec<(Mac, serde_json::Value)>, StoreError>;

    /// Forgets the phone: its record, assignment, file and history; false when unknown.
    fn forget(&self, mac: Mac, actor: &str) -> Result<bool, StoreError>;

    /// Adds an audit entry of `actor` doing `action` (on `mac`).
    fn audit(&self, actor: &str, action: &str, mac: Option<Mac>, detail: &str) -> Result<(), StoreError>;

    /// The newest `limit` audit entries, newest first.
    fn audit_trail(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError>;
}
