//! The mapping from profile data to phone settings, as data: for every setting its v2
//! alias, its P-number(s), its length limit, whether it is secret, and which part of the
//! profile it holds. Both file formats are written from this one table.
//!
//! Sources: reference §3 (globals), §4 (accounts 1-6, official template S1 with the
//! alias map S3), §5 (keys). Accounts 7-16 exist only as v2 aliases: the P-numbers S11
//! gives for them (P50601…) are a single third-party claim covering five settings, so
//! gspnp does not use them.

#[rustfmt::skip]
mod account_rows;
#[rustfmt::skip]
mod global_rows;
mod key_rows;

pub(crate) use account_rows::*;
pub(crate) use global_rows::*;
pub(crate) use key_rows::*;

use super::account::Account;
use super::error::ProvisionError;
use super::format::{push_decimal, Value};
use super::globals::Globals;
use super::keys::{Key, KeyKind};
use super::validate::{check_host_port, check_text, LIMIT_GENERAL};

/// One phone setting.
pub(crate) struct Setting {
    /// What messages call it, e.g. "SIP server".
    pub label: &'static str,
    /// The v2 alias; for account and key settings the part after `account.N.` or
    /// `pks.vpk.K.` / `pks.mpk.K.`.
    pub alias: &'static str,
    /// The most characters its value may have.
    pub limit: usize,
    /// Whether its value must never appear in messages or Debug output.
    pub secret: bool,
    /// Whether the value is `host[:port]`.
    pub host: bool,
    /// Where the setting lives and which part of the profile it holds.
    pub binding: Binding,
}

/// Where a setting lives: its P-number(s), and how to read its value from the profile.
pub(crate) enum Binding {
    /// One per phone.
    Global { p: u32, read: Read<Globals> },
    /// One per account; P-numbers for accounts 1-6.
    Account { p: [u32; 6], read: Read<Account> },
    /// One per key of `kind`; P-numbers by key ranges.
    Key { kind: KeyKind, p: &'static [KeyRange], read: Read<Key> },
}

/// How a setting's value is read from the part of the profile it belongs to.
pub(crate) enum Read<T: 'static> {
    /// A text field, always written.
    Text(fn(&T) -> &str),
    /// A text field, written only when set.
    Optional(fn(&T) -> Option<&str>),
    /// Any other value, written when there is one.
    Value(fn(&T) -> Option<Value<'_>>),
}

impl<T> Read<T> {
    fn value<'a>(&self, from: &'a T) -> Option<Value<'a>> {
        match self {
            Read::Text(get) => Some(Value::text(get(from))),
            Read::Optional(get) => get(from).map(Value::text),
            Read::Value(get) => get(from),
        }
    }
}

/// Keys `first..=last` have P-numbers `base`, `base + step`, ….
pub(crate) struct KeyRange {
    pub(super) first: u8,
    pub(super) last: u8,
    pub(super) base: u32,
    pub(super) step: u32,
}

impl KeyRange {
    fn p_number(&self, key: u8) -> Option<u32> {
        (self.first..=self.last).contains(&key).then(|| self.base + self.step * u32::from(key - self.first))
    }

    fn key_of(&self, p: u32) -> Option<u8> {
        let offset = p.checked_sub(self.base)?;
        let steps = u8::try_from(offset / self.step).ok()?;
        (offset % self.step == 0 && steps <= self.last - self.first).then(|| self.first + steps)
    }
}

impl Setting {
    /// The P-number for `index` (account or key number; ignored for globals), if known.
    pub fn p_number(&self, index: u8) -> Option<u32> {
        match &self.binding {
            Binding::Global { p, .. } => Some(*p),
            Binding::Account { p, .. } => p.get(usize::from(index).checked_sub(1)?).copied(),
            Binding::Key { p, .. } => p.iter().find_map(|range| range.p_number(index)),
        }
    }

    /// The v2 item name for `index`, e.g. `account.2.sip.userid`, `pks.vpk.7.keyMode`.
    #[cfg(test)]
    pub fn v2_name(&self, index: u8) -> String {
        let mut name = Vec::new();
        self.push_v2_name(index, &mut name);
        String::from_utf8(name).unwrap_or_default()
    }

    /// Appends the v2 item name for `index` to `out`, e.g. `account.2.sip.userid`.
    pub fn push_v2_name(&self, index: u8, out: &mut Vec<u8>) {
        if let Some(prefix) = self.indexed_prefix() {
            out.extend_from_slice(prefix.as_bytes());
            push_decimal(out, index.into());
            out.push(b'.');
        }
        out.extend_from_slice(self.alias.as_bytes());
    }

    /// What goes before the index in the v2 name: `account.`, `pks.vpk.`, `pks.mpk.`.
    fn indexed_prefix(&self) -> Option<&'static str> {
        match &self.binding {
            Binding::Global { .. } => None,
            Binding::Account { .. } => Some("account."),
            Binding::Key { kind: KeyKind::Vpk, .. } => Some("pks.vpk."),
            Binding::Key { kind: KeyKind::Mpk, .. } => Some("pks.mpk."),
        }
    }

    /// What messages call it for `index`, e.g. "account 2 SIP server", "VPK 3 label".
    pub fn describe(&self, index: u8) -> String {
        match &self.binding {
            Binding::Global { .. } => self.label.to_owned(),
            Binding::Account { .. } => format!("account {index} {}", self.label),
            Binding::Key { kind, .. } => format!("{} {index} {}", kind.name(), self.label),
        }
    }

    /// Refuses a value this setting cannot take (control characters, length, and for
    /// host settings anything but `host[:port]`).
    pub fn check(&self, value: &str) -> Result<(), ProvisionError> {
        self.check_named(self.label, value)
    }

    /// Like [`Setting::check`], naming the value `field` in errors.
    pub fn check_named(&self, field: &str, value: &str) -> Result<(), ProvisionError> {
        if self.host {
            check_host_port(field, value, self.limit)
        } else {
            check_text(field, value, self.limit)
        }
    }

    /// The value of this phone-wide setting in `globals`, if it is one and is set.
    pub fn read_global<'a>(&self, globals: &'a Globals) -> Option<Value<'a>> {
        match &self.binding {
            Binding::Global { read, .. } => read.value(globals),
            _ => None,
        }
    }

    /// The value of this per-account setting in `account`, if it is one and is set.
    pub fn read_account<'a>(&self, account: &'a Account) -> Option<Value<'a>> {
        match &self.binding {
            Binding::Account { read, .. } => read.value(account),
            _ => None,
        }
    }

    /// The value of this per-key setting in `key`, if it is one.
    pub fn read_key<'a>(&self, key: &'a Key) -> Option<Value<'a>> {
        match &self.binding {
            Binding::Key { read, .. } => read.value(key),
            _ => None,
        }
    }

    /// Global 0, account 1, VPK 2, MPK 3: orders addresses and tells the scopes apart.
    pub fn scope_rank(&self) -> u8 {
        match &self.binding {
            Binding::Global { .. } => 0,
            Binding::Account { .. } => 1,
            Binding::Key { kind: KeyKind::Vpk, .. } => 2,
            Binding::Key { kind: KeyKind::Mpk, .. } => 3,
        }
    }
}

/// A setting of ordinary text: at most [`LIMIT_GENERAL`] characters, not secret.
pub(super) const fn setting(label: &'static str, alias: &'static str, binding: Binding) -> Setting {
    Setting { label, alias, limit: LIMIT_GENERAL, secret: false, host: false, binding }
}

impl Setting {
    /// The same setting, taking at most `limit` characters.
    pub(super) const fn at_most(self, limit: usize) -> Setting {
        Setting { limit, ..self }
    }

    /// The same setting, its value never shown.
    pub(super) const fn secret(self) -> Setting {
        Setting { secret: true, ..self }
    }

    /// The same setting, its value `host[:port]`.
    pub(super) const fn host_port(self) -> Setting {
        Setting { host: true, ..self }
    }
}

/// A phone-wide setting with P-number `p`.
pub(super) const fn global(p: u32, read: Read<Globals>) -> Binding {
    Binding::Global { p, read }
}

/// A per-account setting with the P-numbers `p` of accounts 1-6.
pub(super) const fn account(p: [u32; 6], read: Read<Account>) -> Binding {
    Binding::Account { p, read }
}

/// The settings of one key of `kind`, in the order they are written.
pub(crate) fn key_settings(kind: KeyKind) -> &'static [Setting; 4] {
    match kind {
        KeyKind::Vpk => &VPK_SETTINGS,
        KeyKind::Mpk => &MPK_SETTINGS,
    }
}

/// Every setting in the table.
pub(crate) fn all_settings() -> impl Iterator<Item = &'static Setting> {
    GLOBAL_SETTINGS
        .iter()
        .copied()
        .chain(ACCOUNT_SETTINGS.iter().copied())
        .chain(VPK_SETTINGS.iter())
        .chain(MPK_SETTINGS.iter())
}

/// The setting and index a P-number stands for, if the table has it.
pub(crate) fn find_p_number(p: u32) -> Option<(&'static Setting, u8)> {
    all_settings().find_map(|setting| {
        let index = match &setting.binding {
            Binding::Global { p: own, .. } => (*own == p).then_some(0),
            Binding::Account { p: own, .. } => {
                own.iter().position(|&candidate| candidate == p).and_then(|i| u8::try_from(i + 1).ok())
            }
            Binding::Key { p: ranges, .. } => ranges.iter().find_map(|range| range.key_of(p)),
        }?;
        Some((setting, index))
    })
}

/// The setting and index a v2 alias stands for, if the table has it (case-insensitive):
/// a global alias, `account.N.<suffix>`, `pks.vpk.K.<suffix>` or `pks.mpk.K.<suffix>`.
/// The index is returned as written; callers check its range.
pub(crate) fn find_alias(name: &str) -> Option<(&'static Setting, u32)> {
    let lower = name.to_ascii_lowercase();
    all_settings().find_map(|setting| match setting.indexed_prefix() {
        None => setting.alias.eq_ignore_ascii_case(name).then_some((setting, 0)),
        Some(prefix) => {
            let (index, suffix) = lower.strip_prefix(prefix)?.split_once('.')?;
            let digits = !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit());
            let index = index.parse().unwrap_or(u32::MAX);
            (digits && setting.alias.eq_ignore_ascii_case(suffix)).then_some((setting, index))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Every (setting, index) pair the table can address.
    fn every_address() -> Vec<(&'static Setting, u8)> {
        let mut addresses = Vec::new();
        for setting in all_settings() {
            let indices: Vec<u8> = match &setting.binding {
                Binding::Global { .. } => vec![0],
                Binding::Account { .. } => (1..=6).collect(),
                Binding::Key { kind, .. } => (1..=kind.most()).collect(),
            };
            addresses.extend(indices.into_iter().map(|index| (setting, index)));
        }
        addresses
    }

    #[test]
    fn every_p_number_is_used_once_and_maps_back() {
        let mut seen = BTreeMap::new();
        for (setting, index) in every_address() {
            let p = setting.p_number(index).unwrap_or_else(|| panic!("{}", setting.describe(index)));
            if let Some(other) = seen.insert(p, setting.describe(index)) {
                panic!("P{p} is both {other} and {}", setting.describe(index));
            }
            let (found, found_index) = find_p_number(p).unwrap();
            assert_eq!((found.v2_name(found_index), found_index), (setting.v2_name(index), index));
        }
        assert_eq!(seen.len(), 15 + 23 * 6 + 4 * 40 + 4 * 24);
    }

    #[test]
    fn every_alias_is_used_once_and_maps_back() {
        let mut seen = Vec::new();
        for (setting, index) in every_address() {
            let name = setting.v2_name(index);
            assert!(!seen.contains(&name), "{name} twice");
            assert!(name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'), "{name} is not plain");
            let (found, found_index) = find_alias(&name.to_uppercase()).unwrap();
            assert_eq!(found.v2_name(found_index as u8), name);
            seen.push(name);
        }
    }

    #[test]
    fn numbering_matches_the_reference_examples() {
        // §5.1 and S1: mode, account, description, value of one key.
        for (settings, key, expected) in [
            (&VPK_SETTINGS, 1, [1363, 1364, 1465, 1466]),
            (&VPK_SETTINGS, 6, [1373, 1374, 1475, 1476]),
            (&VPK_SETTINGS, 7, [23800, 23801, 23802, 23803]),
            (&VPK_SETTINGS, 24, [23868, 23869, 23870, 23871]),
            (&VPK_SETTINGS, 40, [23932, 23933, 23934, 23935]),
            (&MPK_SETTINGS, 1, [323, 301, 302, 303]),
            (&MPK_SETTINGS, 7, [329, 319, 320, 321]),
            (&MPK_SETTINGS, 8, [353, 354, 355, 356]),
            (&MPK_SETTINGS, 16, [385, 386, 387, 388]),
            (&MPK_SETTINGS, 22, [1452, 1453, 1454, 1455]),
        ] {
            let numbers: Vec<u32> = settings.iter().map(|s| s.p_number(key).unwrap()).collect();
            assert_eq!(numbers, expected, "key {key}");
        }
        assert_eq!(VPK_SETTINGS[0].p_number(41), None);
        assert_eq!(SIP_SERVER.p_number(7), None, "accounts 7-16 have no v1 numbers");
        assert_eq!(SIP_SERVER.v2_name(12), "account.12.sip.server.1.address");
    }

    #[test]
    fn aliases_that_are_not_in_the_table() {
        for name in ["account.x.sip.userid", "account..sip.userid", "account.1.sip.nothing", "pks.vpk.1", "foo.bar"] {
            assert!(find_alias(name).is_none(), "{name}");
        }
        assert_eq!(find_alias("account.99.sip.userid").map(|(_, index)| index), Some(99));
    }
}
