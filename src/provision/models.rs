//! What each GRP26xx model can hold (accounts and keys), as data.

use super::account::MOST_ACCOUNTS;
use super::error::{shown, ProvisionError};
use super::keys::KeyKind;

/// How many accounts and keys a phone has, and how many accounts a v1 file can address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// SIP accounts.
    pub accounts: u8,
    /// Virtual multi-purpose keys (VPKs).
    pub vpks: u8,
    /// How many of the VPKs, from 1, are fixed (may be Line/SharedLine, need no run).
    pub fixed_vpks: u8,
    /// Physical multi-purpose keys (MPKs).
    pub mpks: u8,
    /// Accounts whose P-numbers are known for v1 files (1..=this).
    pub v1_accounts: u8,
}

impl Capabilities {
    /// Refuses figures no GRP26xx could have: accounts outside 1..=16, more than 40 VPKs,
    /// fixed VPKs beyond 6 or beyond the VPKs, more than 24 MPKs, v1 accounts beyond 6
    /// or beyond the accounts.
    pub fn check(&self) -> Result<(), ProvisionError> {
        let fits = (1..=MOST_ACCOUNTS).contains(&self.accounts)
            && self.vpks <= KeyKind::Vpk.most()
            && self.fixed_vpks <= self.vpks.min(6)
            && self.mpks <= KeyKind::Mpk.most()
            && self.v1_accounts <= self.accounts.min(6);
        if fits {
            Ok(())
        } else {
            Err(ProvisionError::invalid(format!("capabilities {self:?} fit no GRP26xx")))
        }
    }
}

const fn caps(accounts: u8, vpks: u8, fixed_vpks: u8, mpks: u8, v1_accounts: u8) -> Capabilities {
    Capabilities { accounts, vpks, fixed_vpks, mpks, v1_accounts }
}

/// A GRP261x-style phone: the P-value tables (S1) cover all its accounts (at most 6).
const fn grp261x(accounts: u8, vpks: u8, fixed_vpks: u8, mpks: u8) -> Capabilities {
    caps(accounts, vpks, fixed_vpks, mpks, accounts)
}

/// A GRP260x: it numbers accounts 5 and 6 as P701../P801.. instead of 17xx/18xx (S11),
/// which gspnp does not map, so its v1 files stop at account 4; v2 files take all.
const fn grp260x(accounts: u8, vpks: u8, fixed_vpks: u8, mpks: u8) -> Capabilities {
    let v1_accounts = if accounts < 4 { accounts } else { 4 };
    caps(accounts, vpks, fixed_vpks, mpks, v1_accounts)
}

/// Per model, from the official template for fw 1.0.5.15 (S1) unless noted. Where
/// sources disagree the smaller figure is used; a host that knows its firmware does
/// more can pass its own [`Capabilities`] with the target.
const MODELS: &[(&str, Capabilities)] = &[
    // GRP260x: not in S1. Accounts are S11's "lines" (L); their keys are in no source,
    // so only line VPKs (all fixed), one per account, and no MPKs are assumed.
    ("GRP2601", grp260x(2, 2, 2, 0)),
    ("GRP2602", grp260x(4, 4, 4, 0)),
    ("GRP2603", grp260x(6, 6, 6, 0)),
    ("GRP2604", grp260x(6, 6, 6, 0)),
    // S1: 2 accounts, 16 VPKs (fixed 1-4). S11 claims 4 lines on newer hardware (L).
    ("GRP2612", grp261x(2, 16, 4, 0)),
    // S1: 3 accounts, 24 VPKs (fixed 1-6). S11: 4 on newer hardware (L).
    ("GRP2613", grp261x(3, 24, 6, 0)),
    // S1: 4 accounts, 16 VPKs (fixed 1-4), MPK 1-24 (GRP2614/GRP2616 only). S11: 12 (L).
    ("GRP2614", grp261x(4, 16, 4, 24)),
    // S1: 5 accounts, 40 VPKs (fixed 1-5). S11: 16 (L).
    ("GRP2615", grp261x(5, 40, 5, 0)),
    // S1: 6 accounts, 24 VPKs (fixed 1-6), 24 MPKs; Wazo (S5) gives 16 VPKs: 16 is used.
    ("GRP2616", grp261x(6, 16, 6, 24)),
    // GRP2624/GRP2634: not in S1; S11 gives 12 lines (L). Assumed: 6 accounts (the most
    // the GRP261x tables address), the smallest GRP261x key layout, and no MPKs (S3 says
    // GRP2634 has some, but not how many).
    ("GRP2624", grp261x(6, 16, 4, 0)),
    ("GRP2634", grp261x(6, 16, 4, 0)),
];

/// Used for a model gspnp does not know: what the smallest GRP261x (GRP2612) has.
pub const UNKNOWN_MODEL_CAPABILITIES: Capabilities = grp261x(2, 16, 4, 0);

/// A model as the tables know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResolvedModel {
    /// The model's base name (`GRP2612` for `grp2612w`), or the name as given if unknown.
    pub name: String,
    pub capabilities: Capabilities,
    pub known: bool,
}

/// The capabilities of `model`: case-insensitive, with the W/P/G variants (Wi-Fi, PoE,
/// …) mapped to their base model. Refuses a model not in the table.
pub fn capabilities(model: &str) -> Result<Capabilities, ProvisionError> {
    base_model(model)
        .map(|(_, capabilities)| capabilities)
        .ok_or_else(|| ProvisionError::UnknownModel { model: shown(model) })
}

fn base_model(model: &str) -> Option<(&'static str, Capabilities)> {
    let upper = model.trim().to_ascii_uppercase();
    let find = |name: &str| MODELS.iter().find(|(known, _)| *known == name).copied();
    find(&upper).or_else(|| {
        let base = upper.strip_suffix(['W', 'P', 'G'])?;
        find(base)
    })
}

/// Like [`capabilities`], but an unknown model gets [`UNKNOWN_MODEL_CAPABILITIES`].
pub(crate) fn resolve(model: &str) -> ResolvedModel {
    match base_model(model) {
        Some((name, capabilities)) => ResolvedModel { name: name.to_owned(), capabilities, known: true },
        None => ResolvedModel { name: model.trim().to_owned(), capabilities: UNKNOWN_MODEL_CAPABILITIES, known: false },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_a_possible_grp26xx() {
        for (name, capabilities) in MODELS {
            assert_eq!(capabilities.check(), Ok(()), "{name}");
        }
        assert_eq!(UNKNOWN_MODEL_CAPABILITIES.check(), Ok(()));
    }

    #[test]
    fn lookup_ignores_case_and_maps_variants_to_their_base() {
        for model in ["GRP2612", "grp2612", "GRP2612W", "grp2612p", "GRP2612G", " GRP2612 "] {
            assert_eq!(capabilities(model), Ok(caps(2, 16, 4, 0, 2)), "{model}");
        }
        assert_eq!(resolve("grp2614w").name, "GRP2614");
        assert_eq!(capabilities("GRP2614").unwrap().mpks, 24);
    }

    #[test]
    fn unknown_models_are_refused_or_get_the_conservative_default() {
        for model in ["GXP2170", "GRP2612X", "", "GRP26"] {
            assert!(matches!(capabilities(model), Err(ProvisionError::UnknownModel { .. })), "{model}");
            let resolved = resolve(model);
            assert!(!resolved.known);
            assert_eq!(resolved.capabilities, UNKNOWN_MODEL_CAPABILITIES);
        }
    }

    #[test]
    fn impossible_capabilities_are_refused() {
        for bad in [
            caps(0, 16, 4, 0, 0),
            caps(2, 41, 4, 0, 2),
            caps(2, 4, 5, 0, 2),
            caps(2, 16, 4, 25, 2),
            caps(2, 16, 4, 0, 3),
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
    }
}
