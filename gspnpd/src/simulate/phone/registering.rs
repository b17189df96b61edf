//! A provisioned phone's REGISTER (`--register`): to the server its file names, with
//! its account 1, once after each provisioning (and again when a re-fetch changed the
//! account).

use std::time::Instant;

use super::{Action, Phone, Timing};
use crate::simulate::register::{RegisterRequest, Registration};

impl Phone {
    /// Starts a registration with the account of its last file.
    pub(super) fn start_registration(&mut self, now: Instant, timing: &Timing, actions: &mut Vec<Action>) {
        let (account, registrar) = match (&self.account, &self.registrar) {
            (Some(account), Some(Ok(registrar))) => (account.clone(), *registrar),
            (_, Some(Err(reason))) => {
                self.later.registered = Some(Err(reason.clone()));
                return;
            }
            _ => {
                self.later.registered = Some(Err("register_no_account".to_owned()));
                return;
            }
        };
        let call_id = format!("{:016x}-reg@gspnpd-simulate", self.secrets.next_u64());
        let request = RegisterRequest {
            account,
            registrar,
            local: self.identity.local,
            call_id: call_id.clone(),
            tag: format!("{:x}", self.secrets.next_u64()),
            branch_prefix: format!("z9hG4bK{:x}", self.secrets.next_u64()),
            user_agent: format!("Grandstream {} {}", self.identity.model, self.identity.firmware),
        };
        self.later.registered = None;
        match Registration::start(request, now) {
            Ok(registration) => {
                actions.push(Action::Listen(call_id));
                self.registration = Some(registration);
                self.registration_step(timing, actions, |registration| registration.on_timer(now));
            }
            Err(reason) => self.later.registered = Some(Err(reason)),
        }
    }

    /// Lets its registration act (`step` returns a datagram to send, if any) and keeps
    /// the result once there is one.
    pub(super) fn registration_step(
        &mut self,
        timing: &Timing,
        actions: &mut Vec<Action>,
        step: impl FnOnce(&mut Registration) -> Option<Vec<u8>>,
    ) {
        let Some(registration) = self.registration.as_mut() else { return };
        let datagram = step(registration);
        let (to, result) = (registration.registrar(), registration.result.clone());
        if let Some(datagram) = datagram {
            self.send(datagram, to, timing, actions);
        }
        if result.is_some() {
            self.later.registered = result;
            self.registration = None;
        }
    }
}
