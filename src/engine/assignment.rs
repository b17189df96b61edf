//! What the host says a phone gets: a URL, or a profile to render.

use std::collections::HashMap;
use std::sync::Arc;

use crate::device::DeviceInfo;
use crate::mac::Mac;
use crate::provision::{Format, Profile};

/// What a phone is given.
#[derive(Debug, Clone)]
pub enum Assignment {
    /// Tell the phone this folder URL (ending in `/`); the host serves the file itself.
    Url(String),
    /// Render this profile into the phone's file, offer it to the host, then tell the
    /// phone the URL from the template.
    Profile(Arc<ProfileAssignment>),
}

impl Assignment {
    /// Refuses a URL or token that would make an unusable NOTIFY.
    pub fn check(&self) -> Result<(), super::EngineError> {
        match self {
            Assignment::Url(url) => super::url::check_url(url).map_err(|e| super::EngineError::BadUrl(e.0)),
            Assignment::Profile(profile) => match &profile.token {
                Some(token) if !token_is_strong(token) => Err(super::EngineError::BadUrl(
                    "a token must be at least 22 characters of A-Z a-z 0-9 - _ (128 bits or more)".to_string(),
                )),
                _ => Ok(()),
            },
        }
    }
}

/// At least 22 URL-safe characters: 128 bits when they are base64url, more as hex.
fn token_is_strong(token: &str) -> bool {
    token.len() >= 22
        && token.len() <= 128
        && token.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

/// A profile and how to render it.
#[derive(Debug, Clone)]
pub struct ProfileAssignment {
    /// The settings.
    pub profile: Profile,
    /// v1 (P-values) or v2 (aliases).
    pub format: Format,
    /// The device's URL token, when the host keeps tokens across restarts; otherwise a
    /// fresh one is drawn the first time the phone is served.
    pub token: Option<String>,
}

/// Which phones a default applies to: one vendor, optionally one model. Compared
/// case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Selector {
    /// `Grandstream`.
    pub vendor: String,
    /// `GRP2614`, or None for every model of the vendor.
    pub model: Option<String>,
}

impl Selector {
    fn normalised(&self) -> (String, Option<String>) {
        (self.vendor.to_ascii_lowercase(), self.model.as_ref().map(|m| m.to_ascii_lowercase()))
    }
}

/// Per-MAC assignments and per-vendor/model defaults.
#[derive(Debug, Default)]
pub struct Assignments {
    by_mac: HashMap<Mac, Assignment>,
    defaults: HashMap<(String, Option<String>), Assignment>,
}

impl Assignments {
    /// Sets (or replaces) what `mac` gets.
    pub fn assign(&mut self, mac: Mac, assignment: Assignment) {
        self.by_mac.insert(mac, assignment);
    }

    /// Removes what `mac` was given; true when there was something.
    pub fn unassign(&mut self, mac: Mac) -> bool {
        self.by_mac.remove(&mac).is_some()
    }

    /// Sets (or, with None, removes) a default.
    pub fn set_default(&mut self, selector: &Selector, assignment: Option<Assignment>) {
        let key = selector.normalised();
        match assignment {
            Some(assignment) => self.defaults.insert(key, assignment),
            None => self.defaults.remove(&key),
        };
    }

    /// What `device` gets: its own assignment, else its vendor+model default, else its
    /// vendor default.
    pub fn of_mac(&self, mac: Mac) -> Option<&Assignment> {
        self.by_mac.get(&mac)
    }

    /// What `device` gets: its own assignment, else the default for its vendor and
    /// model, else the one for its vendor.
    pub fn lookup(&self, device: &DeviceInfo) -> Option<&Assignment> {
        if let Some(own) = self.by_mac.get(&device.mac) {
            return Some(own);
        }
        let vendor = device.vendor.to_ascii_lowercase();
        self.defaults
            .get(&(vendor.clone(), Some(device.model.to_ascii_lowercase())))
            .or_else(|| self.defaults.get(&(vendor, None)))
    }
}
