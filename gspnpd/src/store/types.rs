//! What the store keeps and is asked.

use std::fmt;
use std::net::SocketAddrV4;

use gspnp::Mac;
use serde::Serialize;

/// How far a phone got, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PhoneState {
    /// Its SUBSCRIBE was heard.
    Discovered,
    /// A file was rendered for it and its SUBSCRIBE answered.
    Answered,
    /// The NOTIFY with its URL went out and was not acknowledged (rejected, timed out).
    Notified,
    /// It acknowledged the NOTIFY.
    Acknowledged,
    /// It fetched its file.
    Fetched,
}

impl PhoneState {
    /// Every state, in order.
    pub const ALL: [PhoneState; 5] = [
        PhoneState::Discovered,
        PhoneState::Answered,
        PhoneState::Notified,
        PhoneState::Acknowledged,
        PhoneState::Fetched,
    ];

    /// The word stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            PhoneState::Discovered => "discovered",
            PhoneState::Answered => "answered",
            PhoneState::Notified => "notified",
            PhoneState::Acknowledged => "acknowledged",
            PhoneState::Fetched => "fetched",
        }
    }

    /// The state a stored word names.
    pub fn parse(word: &str) -> Option<PhoneState> {
        PhoneState::ALL.into_iter().find(|state| state.name() == word)
    }
}

/// What a SUBSCRIBE says about its phone.
#[derive(Debug, Clone)]
pub struct Sighting {
    /// The phone.
    pub mac: Mac,
    /// `Grandstream`.
    pub vendor: String,
    /// `GRP2614`.
    pub model: String,
    /// `1.0.5.15`.
    pub firmware: String,
    /// Where it sent from.
    pub address: SocketAddrV4,
}

/// A phone's file as announced to it. Debug shows neither token nor contents.
#[derive(Clone)]
pub struct KeptFile {
    /// The phone.
    pub mac: Mac,
    /// The model it was rendered for.
    pub model: String,
    /// The URL token (a secret).
    pub token: String,
    /// The folder URL the phone is told (holds the token).
    pub url: String,
    /// The file (holds passwords).
    pub contents: Vec<u8>,
}

impl fmt::Debug for KeptFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeptFile")
            .field("mac", &self.mac)
            .field("model", &self.model)
            .field("bytes", &self.contents.len())
            .finish_non_exhaustive()
    }
}

/// One phone as the store knows it (no secret in it).
#[derive(Debug, Clone, Serialize)]
pub struct PhoneRecord {
    /// `000b82f55284`.
    pub mac: String,
    /// From its SUBSCRIBE, empty when only assigned.
    pub vendor: String,
    /// From its SUBSCRIBE.
    pub model: String,
    /// From its SUBSCRIBE.
    pub firmware: String,
    /// `ADDRESS:PORT` it last sent from.
    pub address: Option<String>,
    /// Unix seconds.
    pub first_seen: Option<i64>,
    /// Unix seconds.
    pub last_seen: Option<i64>,
    /// How far it got.
    pub state: PhoneState,
    /// Unix seconds of the last state change.
    pub state_changed: i64,
    /// Whether an admin assigned it a profile.
    pub assigned: bool,
    /// Whether a file is kept for it.
    pub has_file: bool,
    /// The last resync's result.
    pub last_resync: Option<String>,
}

/// One line of a phone's history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    /// Unix seconds.
    pub at: i64,
    /// `discovered`, `fetched`, `resync`, `assigned`, …
    pub event: String,
    /// What happened.
    pub detail: String,
}

/// One line of the audit trail.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Unix seconds.
    pub at: i64,
    /// Who (`admin` and how they authenticated).
    pub actor: String,
    /// `assign`, `unassign`, `resync`, `forget`, `login`, …
    pub action: String,
    /// The phone, if one.
    pub mac: Option<String>,
    /// More.
    pub detail: String,
}

/// A filter and a page of the phone list.
#[derive(Debug, Clone, Default)]
pub struct PhoneQuery {
    /// Only phones in this state.
    pub state: Option<PhoneState>,
    /// Only this vendor (case-insensitive).
    pub vendor: Option<String>,
    /// Only this model (case-insensitive).
    pub model: Option<String>,
    /// Only phones with (true) or without (false) an admin assignment.
    pub assigned: Option<bool>,
    /// Page size.
    pub limit: u32,
    /// Phones skipped.
    pub offset: u64,
}

/// The store failed (disk, corruption, a newer schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError(format!("store: {error}"))
    }
}
