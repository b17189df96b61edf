//! Hold-and-bind's first half (`[admin] bootstrap = true`): a Grandstream phone that
//! nothing covers (not declared, not assigned by an admin, no `[[default_profile]]` for
//! its vendor) is served the bootstrap file of [`Config::bootstrap_profile`] instead of
//! being left unanswered, as the vendor-wide default. A model's own default profile and
//! a phone's own assignment win over it. The second half, delivering the real file when
//! an admin assigns the phone later, is [`super::manager::Manager::assign`]'s.

use gspnp::engine::{Assignment, Selector};
use gspnp::runtime::Server;

use super::retry_while_busy;
use crate::config::Config;

/// The vendor whose phones get the bootstrap file.
pub const VENDOR: &str = "Grandstream";

/// Gives the server the bootstrap file as the Grandstream default when `config` asks
/// for it and has no vendor-wide default of its own (and takes it back when a reloaded
/// config no longer asks); whether it is installed. Call at start and after a reload.
pub fn install(server: &Server, config: &Config) -> Result<bool, String> {
    let selector = Selector { vendor: VENDOR.to_owned(), model: None };
    let covered = config
        .default_profiles
        .iter()
        .any(|default| default.selector.model.is_none() && default.selector.vendor.eq_ignore_ascii_case(VENDOR));
    if covered {
        return Ok(false);
    }
    if !config.admin.as_ref().is_some_and(|admin| admin.bootstrap) {
        retry_while_busy(|| server.set_default(selector.clone(), None))
            .map_err(|error| format!("[admin] bootstrap: {error}"))?;
        return Ok(false);
    }
    let profile = config.bootstrap_profile().map_err(|issue| format!("[admin] bootstrap: {}", issue.message))?;
    retry_while_busy(|| server.set_default(selector.clone(), Some(Assignment::Profile(profile.clone()))))
        .map_err(|error| format!("[admin] bootstrap: {error}"))?;
    Ok(true)
}
