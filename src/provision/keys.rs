//! Programmable keys (VPKs on the screen, MPKs beside it) and which of them a file holds.

use std::collections::BTreeMap;

use super::account::MOST_ACCOUNTS;
use super::error::ProvisionError;
use super::key_modes::{KeyMode, Slots};
use super::models::Capabilities;
use super::validate::{check_index, check_text, LIMIT_MPK_TEXT, LIMIT_VPK_LABEL, LIMIT_VPK_VALUE};

/// The two kinds of programmable key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyKind {
    /// Virtual multi-purpose key (on the LCD); 1-6 fixed or dynamic, 7-40 dynamic.
    Vpk,
    /// Physical multi-purpose key (GRP2614/GRP2616 side keys).
    Mpk,
}

impl KeyKind {
    /// The most keys of this kind any GRP26xx has: VPK 40 (GRP2615), MPK 24 (S1).
    pub const fn most(self) -> u8 {
        match self {
            KeyKind::Vpk => 40,
            KeyKind::Mpk => 24,
        }
    }

    /// `VPK` or `MPK`.
    pub const fn name(self) -> &'static str {
        match self {
            KeyKind::Vpk => "VPK",
            KeyKind::Mpk => "MPK",
        }
    }

    /// `VPKs` or `MPKs`.
    pub const fn plural(self) -> &'static str {
        match self {
            KeyKind::Vpk => "VPKs",
            KeyKind::Mpk => "MPKs",
        }
    }

    /// The longest label and value keys of this kind take (S1: VPK 32/64, MPK 256/256).
    pub(crate) const fn text_limits(self) -> (usize, usize) {
        match self {
            KeyKind::Vpk => (LIMIT_VPK_LABEL, LIMIT_VPK_VALUE),
            KeyKind::Mpk => (LIMIT_MPK_TEXT, LIMIT_MPK_TEXT),
        }
    }
}

/// One programmable key: what it does, for which account, its label and its value
/// (extension, number, park slot, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    mode: KeyMode,
    account: u8,
    label: String,
    value: String,
}

impl Key {
    /// A key, with `account` counted from 1 (it is written 0-based). Refuses an account
    /// outside 1..=16 and labels or values with control characters or more than 256
    /// characters; the tighter VPK limits are checked when the key is placed.
    pub fn new(mode: KeyMode, account: u8, label: &str, value: &str) -> Result<Key, ProvisionError> {
        check_index("key account", account.into(), MOST_ACCOUNTS, "accounts")?;
        check_text("key label", label, LIMIT_MPK_TEXT)?;
        check_text("key value", value, LIMIT_MPK_TEXT)?;
        Ok(Key { mode, account, label: label.to_owned(), value: value.to_owned() })
    }

    /// A key whose mode is given by name (see [`KeyMode`]'s `FromStr`).
    pub fn parse(mode: &str, account: u8, label: &str, value: &str) -> Result<Key, ProvisionError> {
        Key::new(mode.parse()?, account, label, value)
    }

    /// What the key does.
    pub fn mode(&self) -> KeyMode {
        self.mode
    }

    /// The account it acts for, counted from 1.
    pub fn account(&self) -> u8 {
        self.account
    }

    /// The text shown beside the key.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The key's target (extension, number, …).
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Refuses a label or value longer than keys of `kind` take.
    pub(crate) fn check_fits(&self, kind: KeyKind, index: u8) -> Result<(), ProvisionError> {
        let (label_limit, value_limit) = kind.text_limits();
        let field = |what: &str| format!("{} {index} {what}", kind.name());
        check_text(&field("label"), &self.label, label_limit)?;
        check_text(&field("value"), &self.value, value_limit)
    }
}

/// Refuses a key index outside 1..=`kind.most()`.
pub(crate) fn check_key_index(kind: KeyKind, index: u8) -> Result<(), ProvisionError> {
    check_index(kind.name(), index.into(), kind.most(), kind.plural())
}

/// A key with mode None: what fills a gap in a run of dynamic VPKs.
static NO_KEY: Key = Key { mode: KeyMode::NONE, account: 1, label: String::new(), value: String::new() };

/// The keys of one kind a file must hold for `model`, in key order.
///
/// VPKs: the run from 1 to the highest configured VPK. An unconfigured fixed VPK is left
/// out (the phone keeps its own default, a line key for its account: fixed VPKs cannot be
/// added or deleted, S1); an unconfigured dynamic VPK is written with mode None, because
/// "skipping one will remove everything after that VPK" (S1/S2). MPKs are physical keys
/// and need no run: only the configured ones are written.
///
/// Refuses more keys than the model has, keys for accounts it lacks, and modes the slot
/// does not take (Line and SharedLine only on fixed VPKs).
pub(crate) fn keys_to_write<'k>(
    kind: KeyKind,
    keys: &'k BTreeMap<u8, Key>,
    model: &str,
    capabilities: &Capabilities,
) -> Result<Vec<(u8, &'k Key)>, ProvisionError> {
    let (available, fixed) = match kind {
        KeyKind::Vpk => (capabilities.vpks, capabilities.fixed_vpks),
        KeyKind::Mpk => (capabilities.mpks, 0),
    };
    let Some(&highest) = keys.keys().next_back() else {
        return Ok(Vec::new());
    };
    if highest > available {
        return Err(ProvisionError::limit(format!(
            "{model} has {available} {}; the profile uses {highest}",
            kind.plural()
        )));
    }
    let mut written = Vec::with_capacity(usize::from(highest));
    for index in 1..=highest {
        let slot = match (kind, index <= fixed) {
            (KeyKind::Mpk, _) => Slots::MPK,
            (KeyKind::Vpk, true) => Slots::FIXED_VPK,
            (KeyKind::Vpk, false) => Slots::DYNAMIC_VPK,
        };
        match keys.get(&index) {
            Some(key) => {
                check_slot(kind, index, key, slot, model, capabilities)?;
                written.push((index, key));
            }
            None if slot == Slots::DYNAMIC_VPK => written.push((index, &NO_KEY)),
            None => {}
        }
    }
    Ok(written)
}

fn check_slot(
    kind: KeyKind,
    index: u8,
    key: &Key,
    slot: Slots,
    model: &str,
    capabilities: &Capabilities,
) -> Result<(), ProvisionError> {
    let name = kind.name();
    if key.account > capabilities.accounts {
        return Err(ProvisionError::limit(format!(
            "{name} {index} uses account {}, but {model} has {} accounts",
            key.account, capabilities.accounts
        )));
    }
    if !key.mode.allowed_on(slot) {
        let place = match slot {
            Slots::FIXED_VPK => "a fixed VPK".to_owned(),
            Slots::DYNAMIC_VPK => {
                format!("a dynamic VPK on {model} (its fixed VPKs are 1-{})", capabilities.fixed_vpks)
            }
            _ => "an MPK".to_owned(),
        };
        return Err(ProvisionError::invalid(format!(
            "{name} {index} is {place}; mode {} is not allowed there",
            key.mode
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(accounts: u8, vpks: u8, fixed_vpks: u8, mpks: u8) -> Capabilities {
        Capabilities { accounts, vpks, fixed_vpks, mpks, v1_accounts: accounts.min(6) }
    }

    fn blf(account: u8) -> Key {
        Key::new(KeyMode::BLF, account, "Anna", "201").unwrap()
    }

    #[test]
    fn dynamic_gaps_become_none_and_fixed_gaps_are_left_to_the_phone() {
        let keys = BTreeMap::from([(2, blf(1)), (7, blf(1))]);
        let run = keys_to_write(KeyKind::Vpk, &keys, "GRP2614", &caps(4, 16, 4, 24)).unwrap();
        let indices: Vec<u8> = run.iter().map(|(index, _)| *index).collect();
        assert_eq!(indices, [2, 5, 6, 7]);
        assert_eq!(run[1].1.mode(), KeyMode::NONE);
        assert_eq!(run[3].1.mode(), KeyMode::BLF);
    }

    #[test]
    fn mpks_are_written_as_configured() {
        let keys = BTreeMap::from([(3, blf(1)), (9, blf(2))]);
        let run = keys_to_write(KeyKind::Mpk, &keys, "GRP2614", &caps(4, 16, 4, 24)).unwrap();
        assert_eq!(run.iter().map(|(index, _)| *index).collect::<Vec<_>>(), [3, 9]);
    }

    #[test]
    fn limits_of_the_model_are_named_in_the_refusal() {
        let keys = BTreeMap::from([(17, blf(1))]);
        let error = keys_to_write(KeyKind::Vpk, &keys, "GRP2612", &caps(2, 16, 4, 0)).unwrap_err();
        assert_eq!(error.to_string(), "GRP2612 has 16 VPKs; the profile uses 17");
        let keys = BTreeMap::from([(1, blf(1))]);
        let error = keys_to_write(KeyKind::Mpk, &keys, "GRP2612", &caps(2, 16, 4, 0)).unwrap_err();
        assert_eq!(error.to_string(), "GRP2612 has 0 MPKs; the profile uses 1");
        let keys = BTreeMap::from([(1, blf(3))]);
        let error = keys_to_write(KeyKind::Vpk, &keys, "GRP2612", &caps(2, 16, 4, 0)).unwrap_err();
        assert_eq!(error.to_string(), "VPK 1 uses account 3, but GRP2612 has 2 accounts");
    }

    #[test]
    fn line_keys_only_on_fixed_vpks() {
        let line = Key::new(KeyMode::LINE, 1, "", "").unwrap();
        let caps = caps(4, 16, 4, 24);
        let fixed = BTreeMap::from([(4, line.clone())]);
        assert!(keys_to_write(KeyKind::Vpk, &fixed, "GRP2614", &caps).is_ok());
        let dynamic = BTreeMap::from([(5, line.clone())]);
        let error = keys_to_write(KeyKind::Vpk, &dynamic, "GRP2614", &caps).unwrap_err();
        assert!(error.to_string().contains("fixed VPKs are 1-4"), "{error}");
        let mpk = BTreeMap::from([(1, line)]);
        assert!(keys_to_write(KeyKind::Mpk, &mpk, "GRP2614", &caps).is_err());
    }

    #[test]
    fn key_accounts_and_indices_are_checked() {
        assert!(matches!(Key::new(KeyMode::BLF, 0, "", ""), Err(ProvisionError::InvalidArgument { .. })));
        assert!(matches!(Key::new(KeyMode::BLF, 17, "", ""), Err(ProvisionError::LimitExceeded { .. })));
        assert!(check_key_index(KeyKind::Vpk, 40).is_ok());
        assert!(matches!(check_key_index(KeyKind::Vpk, 41), Err(ProvisionError::LimitExceeded { .. })));
        assert!(matches!(check_key_index(KeyKind::Mpk, 0), Err(ProvisionError::InvalidArgument { .. })));
    }

    #[test]
    fn vpk_text_limits_are_tighter_than_mpk_ones() {
        let key = Key::new(KeyMode::BLF, 1, &"L".repeat(33), "201").unwrap();
        assert!(key.check_fits(KeyKind::Mpk, 1).is_ok());
        assert_eq!(
            key.check_fits(KeyKind::Vpk, 3),
            Err(ProvisionError::ValueTooLong { field: "VPK 3 label".into(), length: 33, limit: 32 })
        );
    }
}
