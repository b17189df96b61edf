//! What a file says: the profile turned into an ordered list of settings and values.

use super::address::Address;
use super::error::ProvisionError;
use super::format::{Format, Value};
use super::globals::Globals;
use super::keys::{keys_to_write, KeyKind};
use super::models::ResolvedModel;
use super::profile::Profile;
use super::settings_table::{key_settings, Setting, ACCOUNT_SETTINGS, GLOBAL_SETTINGS};
use super::target::Target;

/// Settings with their values, in the order they are written; each setting once.
#[derive(Debug, Default)]
pub(crate) struct Plan<'p> {
    items: Vec<(Address, Value<'p>)>,
}

impl<'p> Plan<'p> {
    /// Puts every setting of `settings` at `index` that `read` has a value for. Each
    /// (setting, index) is derived once, so nothing is looked up.
    fn put_all(
        &mut self,
        settings: impl IntoIterator<Item = &'static Setting>,
        index: u8,
        read: impl Fn(&Setting) -> Option<Value<'p>>,
    ) {
        for setting in settings {
            if let Some(value) = read(setting) {
                self.items.push((Address::Known(setting, index), value));
            }
        }
    }

    /// Puts the raw settings after the derived ones: each replaces the value of its setting
    /// in place, or comes last. Adds a warning for each replacement.
    fn put_raw(&mut self, raw: impl Iterator<Item = (&'p Address, &'p str)>, warnings: &mut Vec<String>) {
        let raw: Vec<(&Address, &str)> = raw.collect();
        if raw.is_empty() {
            return;
        }
        // Each derived setting looks itself up among the (few) raw ones, sorted by address.
        let mut by_address: Vec<usize> = (0..raw.len()).collect();
        by_address.sort_by(|&a, &b| raw[a].0.cmp(raw[b].0));
        let mut replaced = vec![false; raw.len()];
        for (address, value) in &mut self.items {
            if let Ok(found) = by_address.binary_search_by(|&r| raw[r].0.cmp(address)) {
                *value = Value::text(raw[by_address[found]].1);
                replaced[by_address[found]] = true;
            }
        }
        for (&(address, value), replaced) in raw.iter().zip(replaced) {
            if replaced {
                warnings.push(format!(
                    "raw setting {} replaces the value gspnp derived from the profile",
                    address.describe()
                ));
            } else {
                self.items.push((address.clone(), Value::text(value)));
            }
            if !matches!(address, Address::Known(..)) {
                warnings.push(format!("raw setting {} is not in gspnp's table; written unchecked", address.describe()));
            }
        }
    }

    /// The settings in file order.
    pub fn items(&self) -> &[(Address, Value<'p>)] {
        &self.items
    }
}

/// The phone-wide settings a file for `target` states: `profile`'s, with the target's
/// provisioning URL as the config server when the profile sets none.
pub(crate) fn file_globals(profile: &Profile, target: &Target) -> Globals {
    profile.globals().with_config_server_fallback(target.provisioning_url())
}

/// Everything `profile` says for `target`, in file order: `globals` (from
/// [`file_globals`]), accounts by index, VPKs, MPKs, then raw settings (which replace
/// derived values of the same setting in place). Adds to `warnings` what the file says
/// differently from what was asked. Refuses more accounts or keys than the model (or a v1
/// file) takes.
pub(crate) fn plan<'p>(
    profile: &'p Profile,
    globals: &'p Globals,
    target: &Target,
    model: &ResolvedModel,
    warnings: &mut Vec<String>,
) -> Result<Plan<'p>, ProvisionError> {
    check_accounts(profile, model, target.format())?;
    let mut plan = Plan { items: Vec::with_capacity(derived_at_most(profile)) };

    plan.put_all(GLOBAL_SETTINGS, 0, |setting| setting.read_global(globals));
    warnings.extend(globals.warnings());

    for (index, account) in profile.accounts() {
        plan.put_all(ACCOUNT_SETTINGS, index, |setting| setting.read_account(account));
        warnings.extend(account.warnings(index));
    }

    for kind in [KeyKind::Vpk, KeyKind::Mpk] {
        for (index, key) in keys_to_write(kind, profile.keys(kind), &model.name, &model.capabilities)? {
            plan.put_all(key_settings(kind), index, |setting| setting.read_key(key));
        }
    }

    plan.put_raw(profile.raw_settings(), warnings);
    Ok(plan)
}

/// How many settings `profile` derives at the most: each key kind counts up to its
/// highest key, as gaps in a VPK run are written too.
fn derived_at_most(profile: &Profile) -> usize {
    let keys = [KeyKind::Vpk, KeyKind::Mpk].map(|kind| {
        let highest = profile.keys(kind).keys().next_back().copied().unwrap_or(0);
        key_settings(kind).len() * usize::from(highest)
    });
    GLOBAL_SETTINGS.len() + ACCOUNT_SETTINGS.len() * profile.accounts().count() + keys.iter().sum::<usize>()
}

/// Refuses accounts beyond the model's, or beyond what a v1 file can address.
fn check_accounts(profile: &Profile, model: &ResolvedModel, format: Format) -> Result<(), ProvisionError> {
    let Some(highest) = profile.accounts().map(|(index, _)| index).max() else {
        return Ok(());
    };
    let capabilities = &model.capabilities;
    if highest > capabilities.accounts {
        return Err(ProvisionError::limit(format!(
            "{} has {} accounts; the profile uses {highest}",
            model.name, capabilities.accounts
        )));
    }
    if format == Format::V1 && highest > capabilities.v1_accounts {
        return Err(ProvisionError::limit(format!(
            "version 1 files for {} reach accounts 1-{}; the profile uses {highest}: render version 2",
            model.name, capabilities.v1_accounts
        )));
    }
    Ok(())
}
