//! Everything a host wants one phone to be: accounts, keys, globals and raw settings.

use std::collections::BTreeMap;
use std::fmt;

use super::account::Account;
use super::account::MOST_ACCOUNTS;
use super::address::Address;
use super::error::ProvisionError;
use super::globals::Globals;
use super::keys::{check_key_index, Key, KeyKind};
use super::raw::RawSettings;
use super::validate::check_index;

/// A phone's configuration, independent of model and file format (those come with the
/// [`Target`](super::Target) at render time). Every change is checked first: a refused
/// change leaves the profile exactly as it was.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Profile {
    accounts: BTreeMap<u8, Account>,
    vpks: BTreeMap<u8, Key>,
    mpks: BTreeMap<u8, Key>,
    globals: Globals,
    raw: RawSettings,
}

fn check_account_index(index: u8) -> Result<(), ProvisionError> {
    check_index("account", index.into(), MOST_ACCOUNTS, "accounts")
}

impl Profile {
    /// An empty profile: no accounts, no keys, default globals.
    pub fn new() -> Profile {
        Profile::default()
    }

    /// Puts `account` at `index` (1..=16), replacing any account there.
    pub fn set_account(&mut self, index: u8, account: Account) -> Result<(), ProvisionError> {
        check_account_index(index)?;
        self.accounts.insert(index, account);
        Ok(())
    }

    /// Applies `change` to the account at `index` (a new default [`Account`] if there is
    /// none yet). If `change` fails, the profile keeps the account as it was (or none);
    /// the error names the account.
    pub fn update_account<F>(&mut self, index: u8, change: F) -> Result<(), ProvisionError>
    where
        F: FnOnce(&mut Account) -> Result<(), ProvisionError>,
    {
        check_account_index(index)?;
        let mut account = self.accounts.get(&index).cloned().unwrap_or_default();
        change(&mut account).map_err(|error| error.within(&format!("account {index}")))?;
        self.accounts.insert(index, account);
        Ok(())
    }

    /// Removes the account at `index` and returns it.
    pub fn remove_account(&mut self, index: u8) -> Option<Account> {
        self.accounts.remove(&index)
    }

    /// The account at `index`, if any.
    pub fn account(&self, index: u8) -> Option<&Account> {
        self.accounts.get(&index)
    }

    /// Every account with its index, in index order.
    pub fn accounts(&self) -> impl Iterator<Item = (u8, &Account)> {
        self.accounts.iter().map(|(index, account)| (*index, account))
    }

    /// Puts `key` at VPK or MPK `index` (VPK 1..=40, MPK 1..=24), replacing any key there.
    /// Refuses labels and values longer than keys of that kind take (VPK 32/64).
    pub fn set_key(&mut self, kind: KeyKind, index: u8, key: Key) -> Result<(), ProvisionError> {
        check_key_index(kind, index)?;
        key.check_fits(kind, index)?;
        self.keys_mut(kind).insert(index, key);
        Ok(())
    }

    /// Removes the key at `index` and returns it.
    pub fn remove_key(&mut self, kind: KeyKind, index: u8) -> Option<Key> {
        self.keys_mut(kind).remove(&index)
    }

    /// The key at `index`, if any.
    pub fn key(&self, kind: KeyKind, index: u8) -> Option<&Key> {
        self.keys(kind).get(&index)
    }

    /// Every key of `kind` by index.
    pub fn keys(&self, kind: KeyKind) -> &BTreeMap<u8, Key> {
        match kind {
            KeyKind::Vpk => &self.vpks,
            KeyKind::Mpk => &self.mpks,
        }
    }

    fn keys_mut(&mut self, kind: KeyKind) -> &mut BTreeMap<u8, Key> {
        match kind {
            KeyKind::Vpk => &mut self.vpks,
            KeyKind::Mpk => &mut self.mpks,
        }
    }

    /// The phone-wide settings.
    pub fn globals(&self) -> &Globals {
        &self.globals
    }

    /// The phone-wide settings, to change (each setter checks before it changes).
    pub fn globals_mut(&mut self) -> &mut Globals {
        &mut self.globals
    }

    /// Sets a setting the typed profile lacks, by P-number (`P1234`, `1234`) or v2 alias
    /// (`call.dnd.enable`); see the rules in `raw.rs`. It wins over a value gspnp derives
    /// for the same setting (the render then warns).
    pub fn set_raw(&mut self, name: &str, value: &str) -> Result<(), ProvisionError> {
        self.raw.set(name, value)
    }

    /// Forgets a raw setting; whether there was one.
    pub fn remove_raw(&mut self, name: &str) -> Result<bool, ProvisionError> {
        self.raw.remove(name)
    }

    /// Every raw setting, in a stable order.
    pub(crate) fn raw_settings(&self) -> impl Iterator<Item = (&Address, &str)> {
        self.raw.iter()
    }
}

impl fmt::Debug for Profile {
    /// Every part, with passwords and unknown raw values shown as `"<redacted>"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("accounts", &self.accounts)
            .field("vpks", &self.vpks)
            .field("mpks", &self.mpks)
            .field("globals", &self.globals)
            .field("raw", &self.raw)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::KeyMode;

    #[test]
    fn a_failed_update_leaves_the_profile_unchanged() {
        let mut profile = Profile::new();
        profile.update_account(1, |a| a.set_user_id("201")).unwrap();
        let before = profile.clone();
        let error = profile
            .update_account(1, |a| {
                a.set_display_name("Anna")?;
                a.set_sip_server("pbx\nInjected: yes")
            })
            .unwrap_err();
        assert_eq!(
            error,
            ProvisionError::ControlCharacter { field: "account 1 SIP server".into(), code_point: 10, position: 4 }
        );
        assert_eq!(profile, before, "the display name set before the failure is not kept");
        assert!(profile.update_account(2, |a| a.set_password("\0")).is_err());
        assert_eq!(profile, before, "no empty account 2 is left behind");
    }

    #[test]
    fn indices_are_checked() {
        let mut profile = Profile::new();
        assert!(matches!(profile.set_account(0, Account::new()), Err(ProvisionError::InvalidArgument { .. })));
        assert!(matches!(profile.set_account(17, Account::new()), Err(ProvisionError::LimitExceeded { .. })));
        let key = Key::new(KeyMode::BLF, 1, "Anna", "201").unwrap();
        assert!(profile.set_key(KeyKind::Vpk, 41, key.clone()).is_err());
        assert!(profile.set_key(KeyKind::Mpk, 25, key.clone()).is_err());
        assert!(profile.set_key(KeyKind::Vpk, 40, key).is_ok());
        assert_eq!(profile.keys(KeyKind::Vpk).len(), 1);
    }

    #[test]
    fn a_vpk_label_too_long_for_a_vpk_is_refused_and_not_stored() {
        let mut profile = Profile::new();
        let key = Key::new(KeyMode::SPEED_DIAL, 1, &"L".repeat(40), "200").unwrap();
        assert!(matches!(profile.set_key(KeyKind::Vpk, 3, key.clone()), Err(ProvisionError::ValueTooLong { .. })));
        assert_eq!(profile, Profile::new());
        assert!(profile.set_key(KeyKind::Mpk, 3, key).is_ok());
    }
}
