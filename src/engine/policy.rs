//! Which phones the engine may answer: the mode and the allow/deny lists.

use crate::device::DeviceInfo;
use crate::mac::Mac;

/// What the engine does with a ua-profile SUBSCRIBE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Ignore every SUBSCRIBE (counted, nothing recorded, nothing sent).
    Off,
    /// Record and report phones; never send anything.
    Discover,
    /// Record, report, and answer phones that can be served.
    Provision,
}

/// Allow and deny rules by vendor, MAC OUI and MAC. A deny rule always wins; when any
/// allow rule exists, a phone must match one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessList {
    rules: Vec<(Verdict, Rule)>,
}

/// Whether a rule admits or refuses the phones it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Admit.
    Allow,
    /// Refuse.
    Deny,
}

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The vendor name, compared case-insensitively (`Grandstream`).
    Vendor(String),
    /// The first three octets of the MAC.
    Oui([u8; 3]),
    /// One phone.
    Mac(Mac),
}

impl Rule {
    fn matches(&self, device: &DeviceInfo) -> bool {
        match self {
            Rule::Vendor(vendor) => vendor.eq_ignore_ascii_case(&device.vendor),
            Rule::Oui(oui) => device.mac.oui() == *oui,
            Rule::Mac(mac) => device.mac == *mac,
        }
    }
}

impl AccessList {
    /// Adds a rule; rules are not ordered, a deny always wins over an allow.
    pub fn add(&mut self, verdict: Verdict, rule: Rule) {
        self.rules.push((verdict, rule));
    }

    /// Whether `device` may be answered.
    pub fn admits(&self, device: &DeviceInfo) -> bool {
        let mut any_allow = false;
        let mut allowed = false;
        for (verdict, rule) in &self.rules {
            match verdict {
                Verdict::Deny if rule.matches(device) => return false,
                Verdict::Deny => {}
                Verdict::Allow => {
                    any_allow = true;
                    allowed |= rule.matches(device);
                }
            }
        }
        !any_allow || allowed
    }
}
