//! What a provisioned phone does while it stays (`--stay`): a resync NOTIFY is judged
//! by its [`NotifyGuard`] (P4428=0), and an accepted one re-fetches its file
//! (check-sync, resync) or reboots it (check-sync;reboot=true: its boot again, with a
//! new Call-ID, tag and branch).

use std::net::SocketAddrV4;
use std::time::Instant;

use super::{Action, Fetched, Phone, Timing};
use crate::simulate::notify_auth::{NotifyGuard, Verdict};
use crate::simulate::sip::{self, Message, Resync};

/// Counts of what happened to a phone after its boot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Later {
    /// Resync NOTIFYs accepted (answered 200 and acted on).
    pub resyncs_done: u32,
    /// Resync NOTIFYs refused (wrong or missing credentials on a retry).
    pub resyncs_refused: u32,
    /// Reboots asked for and begun.
    pub reboots: u32,
    /// Files re-fetched and checked after a check-sync.
    pub refetched: u32,
    /// Re-fetches that failed.
    pub refetch_failed: u32,
    /// Its latest registration: registered, or why not; None if it never registered.
    pub registered: Option<Result<(), String>>,
}

impl Phone {
    /// A resync NOTIFY (check-sync, resync) from `source`.
    pub(super) fn on_resync(
        &mut self,
        now: Instant,
        message: &Message,
        source: SocketAddrV4,
        resync: Resync,
        timing: &Timing,
        actions: &mut Vec<Action>,
    ) {
        let realm = format!("Grandstream {} {}", self.identity.model, self.identity.mac);
        let secrets = &mut self.secrets;
        let guard = self.guard.get_or_insert_with(|| NotifyGuard::new(realm, timing.auth.0, timing.auth.1, secrets));
        let verdict = guard.judge(message, self.account.as_ref(), secrets);
        self.send(verdict.answer().to_vec(), source, timing, actions);
        match verdict {
            Verdict::Repeat(_) | Verdict::Challenged(_) => {}
            Verdict::Refused(_) => self.later.resyncs_refused += 1,
            Verdict::Accepted(_) => {
                self.later.resyncs_done += 1;
                match resync {
                    Resync::Fetch => self.refetch(actions),
                    Resync::Reboot => self.reboot(now, actions),
                }
            }
        }
    }

    /// Fetches the file again, unless a download is already under way or it was never
    /// told where (then its boot fetches it anyway).
    fn refetch(&mut self, actions: &mut Vec<Action>) {
        if self.outcome.is_none() || self.refetching {
            return;
        }
        if let Some(url) = &self.url {
            self.refetching = true;
            actions.push(Action::Fetch(url.clone()));
        }
    }

    /// The result of a re-fetch; a changed account registers again (with `--register`).
    pub(super) fn on_refetched(
        &mut self,
        now: Instant,
        result: Result<Fetched, String>,
        timing: &Timing,
        actions: &mut Vec<Action>,
    ) {
        self.refetching = false;
        match result {
            Ok(fetched) => {
                self.later.refetched += 1;
                let changed = self.account.as_ref() != Some(&fetched.account);
                self.take_file(fetched);
                if changed && timing.register {
                    self.start_registration(now, timing, actions);
                }
            }
            Err(_) => self.later.refetch_failed += 1,
        }
    }

    /// Boots again at `now`: new identifiers, SUBSCRIBEs from the first, nothing kept
    /// of the last boot but its file's account (as a phone keeps its settings).
    fn reboot(&mut self, now: Instant, actions: &mut Vec<Action>) {
        self.later.reboots += 1;
        self.boots += 1;
        self.identity.call_id = format!("{:016x}-boot{}@gspnpd-simulate", self.secrets.next_u64(), self.boots);
        self.identity.tag = format!("{:x}", self.secrets.next_u64());
        self.identity.branch = format!("z9hG4bK{:x}", self.secrets.next_u64());
        self.subscribe = sip::subscribe(&self.identity, self.target);
        actions.push(Action::Listen(self.identity.call_id.clone()));
        self.sent = 0;
        self.delivered = 0;
        self.answer = None;
        self.url = None;
        self.next_subscribe = Some(now);
        self.give_up_at = None;
        self.outcome = None;
        self.stay_until = None;
        self.registration = None;
        self.refetching = false;
    }
}
