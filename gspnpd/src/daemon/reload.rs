//! SIGHUP: the config file read again and the differences handed to the running server.
//! A file that does not load changes nothing (the error is logged as FILE:LINE:COLUMN).
//! Phones added are assigned, changed ones reassigned (their kept file re-rendered under
//! the same token and URL), removed ones unassigned and their file dropped; phones left
//! unchanged keep everything, their token included.

use std::collections::HashMap;

use gspnp::engine::{Assignment, ProfileAssignment};
use gspnp::runtime::Server;
use gspnp::Mac;

use super::files::FileStore;
use super::{listed, retry_while_busy};
use crate::config::{self, render_at, Config, PhoneSettings};
use crate::log::Logger;

/// Reads `config.file` again and applies it; `config` becomes the new one if it loaded.
pub fn reload(config: &mut Config, server: &Server, files: &FileStore, log: &Logger) {
    let new = match config::load(&config.file) {
        Ok(new) => new,
        Err(error) => {
            log.warn(&format!("reload refused, the running config is kept: {error}"));
            return;
        }
    };
    for warning in &new.warnings {
        log.warn(warning);
    }
    let outcome = apply(config, &new, server, files, log);
    log.info(&format!(
        "reloaded {}: {} phones added, {} changed, {} removed, {} unchanged{}",
        new.file.display(),
        outcome.added,
        outcome.changed,
        outcome.removed,
        outcome.unchanged,
        if outcome.defaults_changed { "; default profiles changed" } else { "" }
    ));
    *config = new;
}

/// What a reload changed.
#[derive(Debug, Default)]
struct Outcome {
    added: usize,
    changed: usize,
    removed: usize,
    unchanged: usize,
    defaults_changed: bool,
}

fn same(a: &ProfileAssignment, b: &ProfileAssignment) -> bool {
    a.profile == b.profile && a.format == b.format && a.token == b.token
}

fn apply(old: &Config, new: &Config, server: &Server, files: &FileStore, log: &Logger) -> Outcome {
    let mut outcome = Outcome::default();
    let before: HashMap<Mac, &PhoneSettings> = old.phones.iter().map(|phone| (phone.mac, phone)).collect();
    let failed = |mac: Mac, error: gspnp::runtime::RuntimeError| log.warn(&format!("reload: {mac}: {error}"));
    files.relist(listed(new), new.http.max_unlisted_files);
    for phone in &new.phones {
        match before.get(&phone.mac) {
            Some(old_phone) if same(&old_phone.assignment, &phone.assignment) => outcome.unchanged += 1,
            found => {
                if let Err(error) =
                    retry_while_busy(|| server.assign(phone.mac, Assignment::Profile(phone.assignment.clone())))
                {
                    failed(phone.mac, error);
                }
                if found.is_some() {
                    outcome.changed += 1;
                    let assignment = &phone.assignment;
                    files.rerender(phone.mac, |model, url| {
                        render_at(assignment, phone.mac, model, url).ok().map(|rendered| rendered.bytes)
                    });
                } else {
                    outcome.added += 1;
                }
            }
        }
    }
    for phone in &old.phones {
        if new.phone(phone.mac).is_none() {
            outcome.removed += 1;
            if let Err(error) = retry_while_busy(|| server.unassign(phone.mac)) {
                failed(phone.mac, error);
            }
        }
    }
    outcome.defaults_changed = old.default_profiles.len() != new.default_profiles.len()
        || old
            .default_profiles
            .iter()
            .zip(&new.default_profiles)
            .any(|(a, b)| a.selector != b.selector || !same(&a.assignment, &b.assignment));
    if outcome.defaults_changed {
        for default in &old.default_profiles {
            let _ = retry_while_busy(|| server.set_default(default.selector.clone(), None));
        }
        for default in &new.default_profiles {
            let assignment = Assignment::Profile(default.assignment.clone());
            if let Err(error) =
                retry_while_busy(|| server.set_default(default.selector.clone(), Some(assignment.clone())))
            {
                log.warn(&format!("reload: default profile: {error}"));
            }
        }
        let dropped = files.clear_unlisted();
        log.info(&format!("reload: {dropped} files of unlisted phones dropped; they get new ones when they next boot"));
    }
    if old.sip.mode != new.sip.mode {
        if let Err(error) = retry_while_busy(|| server.set_mode(new.sip.mode)) {
            log.warn(&format!("reload: mode: {error}"));
        }
    }
    log.set_level(new.log_level);
    for key in needs_restart(old, new) {
        log.warn(&format!("reload: {key} changed: it takes effect when gspnpd restarts"));
    }
    outcome
}

/// The settings a running daemon cannot change.
fn needs_restart(old: &Config, new: &Config) -> Vec<&'static str> {
    let (a, b) = (&old.sip, &new.sip);
    let checks = [
        (
            "[sip] port, interfaces or multicast",
            a.port != b.port || a.interfaces != b.interfaces || a.multicast != b.multicast,
        ),
        (
            "[sip] answer, rate_limit or cooldown",
            a.answer != b.answer || a.rate_limit != b.rate_limit || a.cooldown != b.cooldown,
        ),
        (
            "[http] listen or public_url",
            old.http.listen != new.http.listen || old.http.public_url != new.http.public_url,
        ),
        ("[http] auth", old.http.auth != new.http.auth),
        ("[http] max_connections or max_connections_per_source", old.http.limits != new.http.limits),
        (
            "[https]",
            old.https.as_ref().map(|https| (https.listen, &https.cert, &https.key))
                != new.https.as_ref().map(|https| (https.listen, &https.cert, &https.key)),
        ),
    ];
    checks.into_iter().filter(|(_, changed)| *changed).map(|(key, _)| key).collect()
}
