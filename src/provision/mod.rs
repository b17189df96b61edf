//! Grandstream GRP26xx configuration files (`cfg<mac>.xml`), generated from host data.
//!
//! A host builds a [`Profile`] (accounts, keys, phone-wide settings, raw extras), then
//! [`render`]s it for a [`Target`] (MAC, model, [`Format`], provisioning URL). Both file
//! formats come from one data table (`settings_table/`); per-model limits are data too
//! (`models.rs`). Every setter checks its value before it changes anything, and secrets
//! never appear in errors, warnings or Debug output.
//!
//! Decisions, each explained where it is made:
//! - every control character (tab included) is refused; `<&"'>` are escaped (`validate.rs`);
//! - accounts 1-6 in v1 files, any account in v2 files (`settings_table/`, `models.rs`);
//! - dynamic VPK gaps are written as None, fixed VPK gaps are left to the phone (`keys.rs`);
//! - a short codec list repeats its last codec in the remaining choices (`account.rs`);
//! - plausible unknown aliases are accepted as raw settings, v2 only (`raw.rs`);
//! - P145 (DHCP 66/43 override) off and P1414 (PnP) on in every file; a time zone also
//!   turns off P143 (DHCP option 2) (`globals.rs`);
//! - key modes are taken by name only, never by number (`key_modes.rs`).

mod account;
mod address;
mod assemble;
mod codecs;
mod dtmf;
mod error;
mod format;
mod globals;
mod key_modes;
mod keys;
mod models;
mod profile;
mod raw;
mod render;
mod settings_table;
mod target;
mod transport;
mod url;
mod validate;
mod xml;

#[cfg(test)]
mod tests;

pub use account::{Account, MOST_ACCOUNTS};
pub use codecs::Codec;
pub use dtmf::DtmfModes;
pub use error::ProvisionError;
pub use format::Format;
pub use globals::Globals;
pub use key_modes::KeyMode;
pub use keys::{Key, KeyKind};
pub use models::{capabilities, Capabilities, UNKNOWN_MODEL_CAPABILITIES};
pub use profile::Profile;
pub use render::{file_name, render, Rendered};
pub use target::{parse_mac, Target};
pub use transport::Transport;
pub use url::{Protocol, ServerLocation};
