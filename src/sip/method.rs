//! SIP request methods.

use std::fmt;

use super::lex::is_token;

/// A SIP method. Method names are case-sensitive (RFC 3261 §7.1), so
/// `subscribe` is `Other("subscribe")`, not `Subscribe`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method<'a> {
    /// ACK (RFC 3261).
    Ack,
    /// BYE (RFC 3261).
    Bye,
    /// CANCEL (RFC 3261).
    Cancel,
    /// INFO (RFC 6086).
    Info,
    /// INVITE (RFC 3261).
    Invite,
    /// MESSAGE (RFC 3428).
    Message,
    /// NOTIFY (RFC 6665).
    Notify,
    /// OPTIONS (RFC 3261).
    Options,
    /// PRACK (RFC 3262).
    Prack,
    /// PUBLISH (RFC 3903).
    Publish,
    /// REFER (RFC 3515).
    Refer,
    /// REGISTER (RFC 3261).
    Register,
    /// SUBSCRIBE (RFC 6665).
    Subscribe,
    /// UPDATE (RFC 3311).
    Update,
    /// Any other method token, as sent.
    Other(&'a str),
}

/// Every named method with its wire spelling.
const KNOWN_METHODS: &[(Method<'static>, &str)] = &[
    (Method::Ack, "ACK"),
    (Method::Bye, "BYE"),
    (Method::Cancel, "CANCEL"),
    (Method::Info, "INFO"),
    (Method::Invite, "INVITE"),
    (Method::Message, "MESSAGE"),
    (Method::Notify, "NOTIFY"),
    (Method::Options, "OPTIONS"),
    (Method::Prack, "PRACK"),
    (Method::Publish, "PUBLISH"),
    (Method::Refer, "REFER"),
    (Method::Register, "REGISTER"),
    (Method::Subscribe, "SUBSCRIBE"),
    (Method::Update, "UPDATE"),
];

impl<'a> Method<'a> {
    /// The method a wire token names (exact, case-sensitive match), else `Other(token)`.
    pub fn from_token(token: &'a str) -> Method<'a> {
        KNOWN_METHODS
            .iter()
            .find(|(_, spelling)| *spelling == token)
            .map_or(Method::Other(token), |(method, _)| *method)
    }

    /// The wire spelling (`SUBSCRIBE`, or the `Other` text as sent).
    pub fn as_str(&self) -> &'a str {
        match self {
            Method::Other(token) => token,
            named => KNOWN_METHODS.iter().find(|(method, _)| method == named).map_or("", |(_, spelling)| spelling),
        }
    }

    /// True when the method is a valid RFC 3261 token (always for the named ones).
    pub fn is_valid(&self) -> bool {
        is_token(self.as_str())
    }
}

impl fmt::Display for Method<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_method_round_trips_through_its_spelling() {
        for (method, spelling) in KNOWN_METHODS {
            assert_eq!(Method::from_token(spelling), *method);
            assert_eq!(method.as_str(), *spelling);
        }
    }

    #[test]
    fn methods_are_case_sensitive_and_unknown_ones_are_kept() {
        assert_eq!(Method::from_token("subscribe"), Method::Other("subscribe"));
        assert_eq!(Method::from_token("RE%47IST%45R").as_str(), "RE%47IST%45R");
        assert!(!Method::Other("BAD METHOD").is_valid());
        assert!(Method::Notify.is_valid());
    }
}
