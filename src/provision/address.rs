//! The name of one setting in a file: a table row with its index, or a raw name.

use std::cmp::Ordering;
use std::fmt;

use super::format::{push_decimal, Format};
use super::settings_table::Setting;

/// One setting of a file. Table settings know both their names; a raw P-number has only
/// a v1 name and a raw alias only a v2 name.
#[derive(Clone)]
pub(crate) enum Address {
    /// A setting of the table, with its account or key index (0 for globals).
    Known(&'static Setting, u8),
    /// A P-number the table does not have.
    PNumber(u32),
    /// A v2 alias the table does not have.
    Alias(String),
}

impl Address {
    /// The element name in v1 files, e.g. `P47`.
    #[cfg(test)]
    pub fn v1_name(&self) -> Option<String> {
        self.name(Format::V1)
    }

    /// The item name in v2 files, e.g. `account.1.sip.server.1.address`.
    #[cfg(test)]
    pub fn v2_name(&self) -> Option<String> {
        self.name(Format::V2)
    }

    #[cfg(test)]
    fn name(&self, format: Format) -> Option<String> {
        let mut name = Vec::new();
        self.push_name(format, &mut name).then(|| String::from_utf8(name).ok()).flatten()
    }

    /// Appends its name in `format` to `out`; false, appending nothing, if it has none.
    pub fn push_name(&self, format: Format, out: &mut Vec<u8>) -> bool {
        match (format, self) {
            (Format::V1, Address::Known(setting, index)) => match setting.p_number(*index) {
                Some(p) => push_p_number(out, p),
                None => return false,
            },
            (Format::V1, Address::PNumber(p)) => push_p_number(out, *p),
            (Format::V2, Address::Known(setting, index)) => setting.push_v2_name(*index, out),
            (Format::V2, Address::Alias(alias)) => out.extend_from_slice(alias.as_bytes()),
            (Format::V1, Address::Alias(_)) | (Format::V2, Address::PNumber(_)) => return false,
        }
        true
    }

    /// What messages call it, e.g. "account 1 SIP server", "P8467".
    pub fn describe(&self) -> String {
        match self {
            Address::Known(setting, index) => setting.describe(*index),
            Address::PNumber(p) => format!("P{p}"),
            Address::Alias(alias) => alias.clone(),
        }
    }

    /// Whether its value must stay out of messages and Debug output. A setting gspnp
    /// does not know might be a password, so it counts as secret.
    pub fn secret(&self) -> bool {
        match self {
            Address::Known(setting, _) => setting.secret,
            Address::PNumber(_) | Address::Alias(_) => true,
        }
    }

    /// What makes two addresses the same setting, in a stable order.
    fn identity(&self) -> (u8, u8, &str, u8, u32) {
        match self {
            Address::Known(setting, index) => (0, setting.scope_rank(), setting.alias, *index, 0),
            Address::PNumber(p) => (1, 0, "", 0, *p),
            Address::Alias(alias) => (2, 0, alias, 0, 0),
        }
    }
}

fn push_p_number(out: &mut Vec<u8>, p: u32) {
    out.push(b'P');
    push_decimal(out, p);
}

impl PartialEq for Address {
    fn eq(&self, other: &Address) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for Address {}

impl PartialOrd for Address {
    fn partial_cmp(&self, other: &Address) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Address {
    fn cmp(&self, other: &Address) -> Ordering {
        self.identity().cmp(&other.identity())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::settings_table::{PASSWORD, SIP_SERVER};

    #[test]
    fn names_per_format_and_secrecy() {
        let server = Address::Known(&SIP_SERVER, 2);
        assert_eq!(server.v1_name().as_deref(), Some("P402"));
        assert_eq!(server.v2_name().as_deref(), Some("account.2.sip.server.1.address"));
        assert_eq!(server.describe(), "account 2 SIP server");
        assert!(!server.secret());
        assert!(Address::Known(&PASSWORD, 1).secret());
        assert_eq!(Address::PNumber(8467).v2_name(), None);
        assert_eq!(Address::Alias("a.b".into()).v1_name(), None);
        assert!(Address::PNumber(8467).secret() && Address::Alias("a.b".into()).secret());
    }

    #[test]
    fn equality_is_by_setting_and_index() {
        assert_eq!(Address::Known(&SIP_SERVER, 1), Address::Known(&SIP_SERVER, 1));
        assert_ne!(Address::Known(&SIP_SERVER, 1), Address::Known(&SIP_SERVER, 2));
        assert_ne!(Address::Known(&SIP_SERVER, 1), Address::Known(&PASSWORD, 1));
    }
}
