//! Header field names: the known ones, their compact forms (RFC 3261 §7.3.3,
//! §20) and which of them carry comma-separated lists.

use std::borrow::Cow;
use std::fmt;

use super::header_lookup::row_of_wire_name;

/// One row of [`KNOWN_HEADERS`].
pub(super) struct KnownHeader {
    pub(super) name: HeaderName<'static>,
    /// The spelling the writer uses.
    pub(super) canonical: &'static str,
    /// The one-letter compact form, if the header has one.
    pub(super) compact: Option<&'static str>,
    /// Whether the grammar allows several comma-separated values in one field.
    list: bool,
}

/// Declares [`HeaderName`], the [`KNOWN_HEADERS`] table in the same order, and the
/// table row of each named variant, from one list.
macro_rules! header_names {
    ($($(#[$doc:meta])* $variant:ident = $canonical:literal, $compact:expr, $list:literal;)*) => {
        /// A header field name. Names compare case-insensitively, compact forms are
        /// mapped to their full name (`v` is [`HeaderName::Via`]), and any other name is
        /// kept as sent in `Other`.
        #[derive(Debug, Clone, Copy)]
        pub enum HeaderName<'a> {
            $($(#[$doc])* $variant,)*
            /// Any other name, as sent.
            Other(&'a str),
        }

        /// The row number of each named header in [`KNOWN_HEADERS`].
        #[repr(u8)]
        enum Row {
            $($variant,)*
        }

        /// Every named header: canonical spelling, compact form, list-valued or not.
        pub(super) const KNOWN_HEADERS: &[KnownHeader] = &[
            $(KnownHeader { name: HeaderName::$variant, canonical: $canonical, compact: $compact, list: $list },)*
        ];

        impl HeaderName<'_> {
            /// The table row of a named variant; `None` for `Other`, whatever it spells.
            pub(super) fn named_row(&self) -> Option<usize> {
                match self {
                    $(HeaderName::$variant => Some(Row::$variant as usize),)*
                    HeaderName::Other(_) => None,
                }
            }
        }
    };
}

header_names! {
    /// Accept.
    Accept = "Accept", None, true;
    /// Accept-Contact (compact `a`).
    AcceptContact = "Accept-Contact", Some("a"), true;
    /// Accept-Encoding.
    AcceptEncoding = "Accept-Encoding", None, true;
    /// Accept-Language.
    AcceptLanguage = "Accept-Language", None, true;
    /// Alert-Info.
    AlertInfo = "Alert-Info", None, true;
    /// Allow.
    Allow = "Allow", None, true;
    /// Allow-Events (compact `u`).
    AllowEvents = "Allow-Events", Some("u"), true;
    /// Authentication-Info.
    AuthenticationInfo = "Authentication-Info", None, false;
    /// Authorization.
    Authorization = "Authorization", None, false;
    /// Call-ID (compact `i`).
    CallId = "Call-ID", Some("i"), false;
    /// Call-Info.
    CallInfo = "Call-Info", None, true;
    /// Contact (compact `m`).
    Contact = "Contact", Some("m"), true;
    /// Content-Disposition.
    ContentDisposition = "Content-Disposition", None, false;
    /// Content-Encoding (compact `e`).
    ContentEncoding = "Content-Encoding", Some("e"), true;
    /// Content-Language.
    ContentLanguage = "Content-Language", None, true;
    /// Content-Length (compact `l`).
    ContentLength = "Content-Length", Some("l"), false;
    /// Content-Type (compact `c`).
    ContentType = "Content-Type", Some("c"), false;
    /// CSeq.
    CSeq = "CSeq", None, false;
    /// Date.
    Date = "Date", None, false;
    /// Error-Info.
    ErrorInfo = "Error-Info", None, true;
    /// Event (compact `o`).
    Event = "Event", Some("o"), false;
    /// Expires.
    Expires = "Expires", None, false;
    /// From (compact `f`).
    From = "From", Some("f"), false;
    /// Identity (compact `y`).
    Identity = "Identity", Some("y"), false;
    /// Identity-Info (compact `n`).
    IdentityInfo = "Identity-Info", Some("n"), false;
    /// In-Reply-To.
    InReplyTo = "In-Reply-To", None, true;
    /// Max-Forwards.
    MaxForwards = "Max-Forwards", None, false;
    /// MIME-Version.
    MimeVersion = "MIME-Version", None, false;
    /// Min-Expires.
    MinExpires = "Min-Expires", None, false;
    /// Organization.
    Organization = "Organization", None, false;
    /// Priority.
    Priority = "Priority", None, false;
    /// Proxy-Authenticate.
    ProxyAuthenticate = "Proxy-Authenticate", None, false;
    /// Proxy-Authorization.
    ProxyAuthorization = "Proxy-Authorization", None, false;
    /// Proxy-Require.
    ProxyRequire = "Proxy-Require", None, true;
    /// Reason.
    Reason = "Reason", None, true;
    /// Record-Route.
    RecordRoute = "Record-Route", None, true;
    /// Refer-To (compact `r`).
    ReferTo = "Refer-To", Some("r"), false;
    /// Referred-By (compact `b`).
    ReferredBy = "Referred-By", Some("b"), false;
    /// Reject-Contact (compact `j`).
    RejectContact = "Reject-Contact", Some("j"), true;
    /// Reply-To.
    ReplyTo = "Reply-To", None, false;
    /// Request-Disposition (compact `d`).
    RequestDisposition = "Request-Disposition", Some("d"), true;
    /// Require.
    Require = "Require", None, true;
    /// Retry-After.
    RetryAfter = "Retry-After", None, false;
    /// Route.
    Route = "Route", None, true;
    /// Server.
    Server = "Server", None, false;
    /// Session-Expires (compact `x`).
    SessionExpires = "Session-Expires", Some("x"), false;
    /// Subject (compact `s`).
    Subject = "Subject", Some("s"), false;
    /// Subscription-State.
    SubscriptionState = "Subscription-State", None, false;
    /// Supported (compact `k`).
    Supported = "Supported", Some("k"), true;
    /// Timestamp.
    Timestamp = "Timestamp", None, false;
    /// To (compact `t`).
    To = "To", Some("t"), false;
    /// Unsupported.
    Unsupported = "Unsupported", None, true;
    /// User-Agent.
    UserAgent = "User-Agent", None, false;
    /// Via (compact `v`).
    Via = "Via", Some("v"), true;
    /// Warning.
    Warning = "Warning", None, true;
    /// WWW-Authenticate.
    WwwAuthenticate = "WWW-Authenticate", None, false;
}

impl<'a> HeaderName<'a> {
    /// The header a wire name denotes: full or compact form, any case; else `Other(name)`.
    pub fn from_wire(name: &'a str) -> HeaderName<'a> {
        match row_of_wire_name(name).and_then(|row| KNOWN_HEADERS.get(row)) {
            Some(row) => row.name,
            None => HeaderName::Other(name),
        }
    }

    /// The canonical spelling (`Call-ID`), or the `Other` name as sent.
    pub fn as_str(&self) -> &'a str {
        match self {
            HeaderName::Other(name) => name,
            _ => self.row().map_or("", |row| row.canonical),
        }
    }

    /// The one-letter compact form, if the header has one.
    pub fn compact(&self) -> Option<&'static str> {
        self.row().and_then(|row| row.compact)
    }

    /// True when one field may hold several comma-separated values (Via, Contact,
    /// Allow, ...). Unknown headers are never split.
    pub fn is_list(&self) -> bool {
        self.row().is_some_and(|row| row.list)
    }

    /// The table row of a named header, or of an `Other` that spells a known name.
    pub(super) fn row_number(&self) -> Option<usize> {
        match self {
            HeaderName::Other(name) => row_of_wire_name(name),
            named => named.named_row(),
        }
    }

    fn row(&self) -> Option<&'static KnownHeader> {
        self.row_number().and_then(|row| KNOWN_HEADERS.get(row))
    }
}

impl PartialEq for HeaderName<'_> {
    /// Same header: named variants by identity, `Other` names case-insensitively,
    /// and an `Other` that spells a known name (`Other("v")`) equals that name.
    fn eq(&self, other: &Self) -> bool {
        match (self.row_number(), other.row_number()) {
            (Some(left), Some(right)) => left == right,
            (None, None) => self.as_str().eq_ignore_ascii_case(other.as_str()),
            _ => false,
        }
    }
}

impl Eq for HeaderName<'_> {}

impl fmt::Display for HeaderName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One header field of a parsed message. `value` has leading and trailing white
/// space removed; it borrows from the datagram unless folded continuation lines
/// had to be joined (each fold becomes one space, RFC 3261 §7.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    /// The field name (compact forms already mapped).
    pub name: HeaderName<'a>,
    /// The whole field value, unsplit.
    pub value: Cow<'a, str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_and_compact_names_are_case_insensitive() {
        for (wire, name) in [
            ("Via", HeaderName::Via),
            ("vIA", HeaderName::Via),
            ("v", HeaderName::Via),
            ("V", HeaderName::Via),
            ("f", HeaderName::From),
            ("t", HeaderName::To),
            ("i", HeaderName::CallId),
            ("call-id", HeaderName::CallId),
            ("m", HeaderName::Contact),
            ("l", HeaderName::ContentLength),
            ("C", HeaderName::ContentType),
            ("o", HeaderName::Event),
            ("k", HeaderName::Supported),
            ("s", HeaderName::Subject),
            ("e", HeaderName::ContentEncoding),
            ("MaX-fOrWaRdS", HeaderName::MaxForwards),
        ] {
            assert_eq!(HeaderName::from_wire(wire), name, "{wire}");
            assert!(!matches!(HeaderName::from_wire(wire), HeaderName::Other(_)), "{wire}");
        }
    }

    #[test]
    fn unknown_names_are_kept_and_compare_case_insensitively() {
        let name = HeaderName::from_wire("X-Grandstream-PBX");
        assert_eq!(name.as_str(), "X-Grandstream-PBX");
        assert_eq!(name, HeaderName::Other("x-grandstream-pbx"));
        assert_ne!(name, HeaderName::Other("X-Other"));
        assert_eq!(HeaderName::from_wire("C%6Fntact"), HeaderName::Other("C%6Fntact"));
        assert_ne!(HeaderName::from_wire("C%6Fntact"), HeaderName::Contact);
    }

    #[test]
    fn an_other_that_spells_a_known_name_equals_it() {
        assert_eq!(HeaderName::Other("v"), HeaderName::Via);
        assert_eq!(HeaderName::Other("VIA"), HeaderName::Other("v"));
        assert!(HeaderName::Other("via").is_list());
    }

    #[test]
    fn every_row_round_trips_and_lists_are_marked() {
        for row in KNOWN_HEADERS {
            assert_eq!(HeaderName::from_wire(row.canonical), row.name);
            assert_eq!(row.name.as_str(), row.canonical);
            assert_eq!(row.name.compact(), row.compact);
        }
        assert!(HeaderName::Via.is_list() && HeaderName::Contact.is_list());
        assert!(!HeaderName::From.is_list() && !HeaderName::Date.is_list());
        assert!(!HeaderName::Other("X-List").is_list());
    }
}
