//! Raw settings: anything the typed profile lacks, by P-number or v2 alias.
//!
//! Decisions:
//! - A name is `P1234`, `p1234` or `1234` (1..=99999), or a v2 alias. Names the table
//!   knows, in either form, become that table setting, so `P47` and
//!   `account.1.sip.server.1.address` are one setting and the later value wins.
//! - An alias the table does not know is accepted when it is plausible: at most 128
//!   characters, at least two dot-separated words of ASCII letters, digits and `_`, the
//!   first starting with a letter (`call.dnd.enable`, `account.7.sip.telUri`). Anything
//!   else is refused with [`ProvisionError::UnknownSetting`].
//! - An unknown alias can only be written into v2 files and an unknown P-number only into
//!   v1 files; rendering the other format refuses it.
//! - Values are written as given (after the usual checks), in both formats.

use std::collections::BTreeMap;
use std::fmt;

use super::account::MOST_ACCOUNTS;
use super::address::Address;
use super::error::{shown, ProvisionError};
use super::settings_table::{find_alias, find_p_number, Binding, Setting};
use super::validate::{check_index, check_text, LIMIT_RAW};

/// The longest raw setting name.
const LIMIT_NAME: usize = 128;
/// The highest P-number accepted (the highest known is P50606, S11).
const HIGHEST_P_NUMBER: u32 = 99_999;

/// Raw settings by name, in a stable order.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct RawSettings(BTreeMap<Address, String>);

impl RawSettings {
    /// Sets `name` to `value`, replacing an earlier value for the same setting. Refuses
    /// unusable names and values; nothing changes then.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ProvisionError> {
        let address = parse_name(name)?;
        let field = format!("raw setting {}", address.describe());
        match &address {
            Address::Known(setting, _) => setting.check_named(&field, value)?,
            Address::PNumber(_) | Address::Alias(_) => check_text(&field, value, LIMIT_RAW)?,
        }
        self.0.insert(address, value.to_owned());
        Ok(())
    }

    /// Forgets the value for `name`; whether there was one.
    pub fn remove(&mut self, name: &str) -> Result<bool, ProvisionError> {
        Ok(self.0.remove(&parse_name(name)?).is_some())
    }

    /// Every raw setting, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = (&Address, &str)> {
        self.0.iter().map(|(address, value)| (address, value.as_str()))
    }
}

impl fmt::Debug for RawSettings {
    /// Names with their values, except that secret and unknown settings show
    /// `"<redacted>"`: an unknown setting might be a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(address, value)| {
                let shown = if address.secret() { "<redacted>" } else { value.as_str() };
                (address.describe(), shown)
            }))
            .finish()
    }
}

/// What a raw setting name stands for.
pub(crate) fn parse_name(name: &str) -> Result<Address, ProvisionError> {
    check_text("setting name", name, LIMIT_NAME)?;
    if let Some(p) = p_number(name) {
        return p_address(name, p);
    }
    if let Some((setting, index)) = find_alias(name) {
        return known_address(name, setting, index);
    }
    if plausible_alias(name) {
        return Ok(Address::Alias(name.to_owned()));
    }
    Err(unknown(name, "neither a P-number (P1234 or 1234) nor a v2 alias (dotted words such as account.1.sip.userid)"))
}

fn unknown(name: &str, reason: &str) -> ProvisionError {
    ProvisionError::UnknownSetting { name: shown(name), reason: reason.to_owned() }
}

/// The number in `P1234`, `p1234` or `1234`, if `name` has that form.
fn p_number(name: &str) -> Option<&str> {
    let digits = name.strip_prefix(['P', 'p']).unwrap_or(name);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

fn p_address(name: &str, digits: &str) -> Result<Address, ProvisionError> {
    let p = digits.parse::<u32>().ok().filter(|p| (1..=HIGHEST_P_NUMBER).contains(p));
    let p = p.ok_or_else(|| unknown(name, "P-numbers run from 1 to 99999"))?;
    Ok(match find_p_number(p) {
        Some((setting, index)) => Address::Known(setting, index),
        None => Address::PNumber(p),
    })
}

/// A table setting named by alias, once its index is in range.
fn known_address(name: &str, setting: &'static Setting, index: u32) -> Result<Address, ProvisionError> {
    let (what, most, plural) = match &setting.binding {
        Binding::Global { .. } => return Ok(Address::Known(setting, 0)),
        Binding::Account { .. } => ("account", MOST_ACCOUNTS, "accounts"),
        Binding::Key { kind, .. } => (kind.name(), kind.most(), kind.plural()),
    };
    check_index(what, index, most, plural).map_err(|error| error.within(&format!("setting {}", shown(name))))?;
    // check_index kept the index within a u8.
    Ok(Address::Known(setting, index as u8))
}

fn plausible_alias(name: &str) -> bool {
    let mut words = name.split('.');
    let starts_with_letter = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    let words_ok = words.all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    starts_with_letter && words_ok && name.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_numbers_and_aliases_of_one_setting_are_the_same_setting() {
        let mut raw = RawSettings::default();
        raw.set("P47", "a.example.com").unwrap();
        raw.set("account.1.sip.server.1.address", "b.example.com").unwrap();
        raw.set("47", "c.example.com").unwrap();
        let all: Vec<_> = raw.iter().map(|(address, value)| (address.describe(), value.to_owned())).collect();
        assert_eq!(all, [("account 1 SIP server".to_owned(), "c.example.com".to_owned())]);
    }

    #[test]
    fn names_the_table_lacks() {
        assert_eq!(parse_name("P8467"), Ok(Address::PNumber(8467)));
        assert_eq!(parse_name("p8467"), Ok(Address::PNumber(8467)));
        assert_eq!(parse_name("call.dnd.enable"), Ok(Address::Alias("call.dnd.enable".into())));
        assert_eq!(parse_name("account.7.sip.telUri"), Ok(Address::Alias("account.7.sip.telUri".into())));
        for bad in ["P", "P0", "P100000", "x", "1.2", ".a.b", "a..b", "a.b.", "a b.c", "a.b-c", "a/b.c", "Pabc"] {
            assert!(matches!(parse_name(bad), Err(ProvisionError::UnknownSetting { .. })), "{bad}");
        }
        assert!(matches!(parse_name("a.\nb"), Err(ProvisionError::ControlCharacter { .. })));
    }

    #[test]
    fn indices_of_table_aliases_are_checked() {
        assert!(matches!(parse_name("account.17.sip.userid"), Err(ProvisionError::LimitExceeded { .. })));
        assert!(matches!(parse_name("pks.vpk.41.keyMode"), Err(ProvisionError::LimitExceeded { .. })));
        assert!(matches!(parse_name("account.0.sip.userid"), Err(ProvisionError::InvalidArgument { .. })));
        assert!(parse_name("account.16.sip.userid").is_ok());
        assert!(parse_name("pks.mpk.24.value").is_ok());
    }

    #[test]
    fn values_are_checked_with_the_table_limits() {
        let mut raw = RawSettings::default();
        assert!(matches!(raw.set("pks.vpk.3.description", &"d".repeat(33)), Err(ProvisionError::ValueTooLong { .. })));
        assert!(matches!(raw.set("P402", "not a host"), Err(ProvisionError::InvalidArgument { .. })));
        assert!(matches!(raw.set("P8467", "1\r\n"), Err(ProvisionError::ControlCharacter { .. })));
        assert_eq!(raw, RawSettings::default());
    }

    #[test]
    fn debug_hides_secret_and_unknown_values() {
        let mut raw = RawSettings::default();
        raw.set("P34", "sip-secret").unwrap();
        raw.set("P6769", "fw-secret").unwrap();
        raw.set("P30", "pool.ntp.org").unwrap();
        let shown = format!("{raw:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("pool.ntp.org"), "{shown}");
    }
}
