//! The provisioning window (`[admin] window_minutes`): while it is closed, a phone
//! gspnpd never provisioned is not answered (its SUBSCRIBE goes unanswered and it
//! retries); an admin opens it for that many minutes through the API or the web UI.
//! Without `window_minutes` it is always open. Phones the config file declares, phones
//! an admin assigned and phones that already have a kept file are never held by it.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Whether new phones are answered now.
#[derive(Debug)]
pub struct ProvisioningWindow {
    length: Option<Duration>,
    open_until: Mutex<Option<Instant>>,
}

/// What `GET /api/window` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowStatus {
    /// Whether `[admin] window_minutes` is set (else new phones are always answered).
    pub configured: bool,
    /// Whether new phones are answered now.
    pub open: bool,
    /// Until it closes.
    pub remaining: Duration,
}

impl ProvisioningWindow {
    /// A window `length` long once opened; None: always open. Starts closed.
    pub fn new(length: Option<Duration>) -> ProvisioningWindow {
        ProvisioningWindow { length, open_until: Mutex::new(None) }
    }

    fn until(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.open_until.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a phone never provisioned is answered at `now`.
    pub fn admits_new_phones(&self, now: Instant) -> bool {
        self.length.is_none() || self.until().is_some_and(|until| now < until)
    }

    /// Opens it (again) for its length from `now`; false when no window is configured.
    pub fn open(&self, now: Instant) -> bool {
        let Some(length) = self.length else { return false };
        *self.until() = Some(now + length);
        true
    }

    /// Closes it; false when no window is configured.
    pub fn close(&self) -> bool {
        if self.length.is_none() {
            return false;
        }
        *self.until() = None;
        true
    }

    /// Its state at `now`.
    pub fn status(&self, now: Instant) -> WindowStatus {
        let remaining = match self.length {
            None => Duration::ZERO,
            Some(_) => self.until().map_or(Duration::ZERO, |until| until.saturating_duration_since(now)),
        };
        WindowStatus { configured: self.length.is_some(), open: self.admits_new_phones(now), remaining }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_starts_closed_opens_for_its_length_and_closes() {
        let start = Instant::now();
        let window = ProvisioningWindow::new(Some(Duration::from_secs(60)));
        assert!(!window.admits_new_phones(start));
        assert!(window.open(start));
        assert!(window.admits_new_phones(start + Duration::from_secs(59)));
        assert!(!window.admits_new_phones(start + Duration::from_secs(60)));
        assert_eq!(window.status(start + Duration::from_secs(20)).remaining, Duration::from_secs(40));
        assert!(window.close());
        assert!(!window.status(start).open);
    }

    #[test]
    fn without_a_length_it_is_always_open_and_cannot_be_opened_or_closed() {
        let window = ProvisioningWindow::new(None);
        assert!(window.admits_new_phones(Instant::now()));
        assert!(!window.open(Instant::now()) && !window.close());
        assert!(!window.status(Instant::now()).configured);
    }
}
