//! Header field names: the known ones, their compact forms (RFC 3261 §7.3.3,
//! §20) and which of them carry comma-separated lists.

use std::borrow::Cow;
use std::fmt;
use std::mem::discriminant;

/// A header field name. Names compare case-insensitively, compact forms are
/// mapped to their full name (`v` is [`HeaderName::Via`]), and any other name is
/// kept as sent in `Other`.
#[derive(Debug, Clone, Copy)]
pub enum HeaderName<'a> {
    /// Accept.
    Accept,
    /// Accept-Contact (compact `a`).
    AcceptContact,
    /// Accept-Encoding.
    AcceptEncoding,
    /// Accept-Language.
    AcceptLanguage,
    /// Alert-Info.
    AlertInfo,
    /// Allow.
    Allow,
    /// Allow-Events (compact `u`).
    AllowEvents,
    /// Authentication-Info.
    AuthenticationInfo,
    /// Authorization.
    Authorization,
    /// Call-ID (compact `i`).
    CallId,
    /// Call-Info.
    CallInfo,
    /// Contact (compact `m`).
    Contact,
    /// Content-Disposition.
    ContentDisposition,
    /// Content-Encoding (compact `e`).
    ContentEncoding,
    /// Content-Language.
    ContentLanguage,
    /// Content-Length (compact `l`).
    ContentLength,
    /// Content-Type (compact `c`).
    ContentType,
    /// CSeq.
    CSeq,
    /// Date.
    Date,
    /// Error-Info.
    ErrorInfo,
    /// Event (compact `o`).
    Event,
    /// Expires.
    Expires,
    /// From (compact `f`).
    From,
    /// Identity (compact `y`).
    Identity,
    /// Identity-Info (compact `n`).
    IdentityInfo,
    /// In-Reply-To.
    InReplyTo,
    /// Max-Forwards.
    MaxForwards,
    /// MIME-Version.
    MimeVersion,
    /// Min-Expires.
    MinExpires,
    /// Organization.
    Organization,
    /// Priority.
    Priority,
    /// Proxy-Authenticate.
    ProxyAuthenticate,
    /// Proxy-Authorization.
    ProxyAuthorization,
    /// Proxy-Require.
    ProxyRequire,
    /// Reason.
    Reason,
    /// Record-Route.
    RecordRoute,
    /// Refer-To (compact `r`).
    ReferTo,
    /// Referred-By (compact `b`).
    ReferredBy,
    /// Reject-Contact (compact `j`).
    RejectContact,
    /// Reply-To.
    ReplyTo,
    /// Request-Disposition (compact `d`).
    RequestDisposition,
    /// Require.
    Require,
    /// Retry-After.
    RetryAfter,
    /// Route.
    Route,
    /// Server.
    Server,
    /// Session-Expires (compact `x`).
    SessionExpires,
    /// Subject (compact `s`).
    Subject,
    /// Subscription-State.
    SubscriptionState,
    /// Supported (compact `k`).
    Supported,
    /// Timestamp.
    Timestamp,
    /// To (compact `t`).
    To,
    /// Unsupported.
    Unsupported,
    /// User-Agent.
    UserAgent,
    /// Via (compact `v`).
    Via,
    /// Warning.
    Warning,
    /// WWW-Authenticate.
    WwwAuthenticate,
    /// Any other name, as sent.
    Other(&'a str),
}

/// One row of [`KNOWN_HEADERS`].
struct KnownHeader {
    name: HeaderName<'static>,
    /// The spelling the writer uses.
    canonical: &'static str,
    /// The one-letter compact form, if the header has one.
    compact: Option<&'static str>,
    /// Whether the grammar allows several comma-separated values in one field.
    list: bool,
}

const fn known(
    name: HeaderName<'static>,
    canonical: &'static str,
    compact: Option<&'static str>,
    list: bool,
) -> KnownHeader {
    KnownHeader { name, canonical, compact, list }
}

/// Every named header: canonical spelling, compact form, list-valued or not.
const KNOWN_HEADERS: &[KnownHeader] = &[
    known(HeaderName::Accept, "Accept", None, true),
    known(HeaderName::AcceptContact, "Accept-Contact", Some("a"), true),
    known(HeaderName::AcceptEncoding, "Accept-Encoding", None, true),
    known(HeaderName::AcceptLanguage, "Accept-Language", None, true),
    known(HeaderName::AlertInfo, "Alert-Info", None, true),
    known(HeaderName::Allow, "Allow", None, true),
    known(HeaderName::AllowEvents, "Allow-Events", Some("u"), true),
    known(HeaderName::AuthenticationInfo, "Authentication-Info", None, false),
    known(HeaderName::Authorization, "Authorization", None, false),
    known(HeaderName::CallId, "Call-ID", Some("i"), false),
    known(HeaderName::CallInfo, "Call-Info", None, true),
    known(HeaderName::Contact, "Contact", Some("m"), true),
    known(HeaderName::ContentDisposition, "Content-Disposition", None, false),
    known(HeaderName::ContentEncoding, "Content-Encoding", Some("e"), true),
    known(HeaderName::ContentLanguage, "Content-Language", None, true),
    known(HeaderName::ContentLength, "Content-Length", Some("l"), false),
    known(HeaderName::ContentType, "Content-Type", Some("c"), false),
    known(HeaderName::CSeq, "CSeq", None, false),
    known(HeaderName::Date, "Date", None, false),
    known(HeaderName::ErrorInfo, "Error-Info", None, true),
    known(HeaderName::Event, "Event", Some("o"), false),
    known(HeaderName::Expires, "Expires", None, false),
    known(HeaderName::From, "From", Some("f"), false),
    known(HeaderName::Identity, "Identity", Some("y"), false),
    known(HeaderName::IdentityInfo, "Identity-Info", Some("n"), false),
    known(HeaderName::InReplyTo, "In-Reply-To", None, true),
    known(HeaderName::MaxForwards, "Max-Forwards", None, false),
    known(HeaderName::MimeVersion, "MIME-Version", None, false),
    known(HeaderName::MinExpires, "Min-Expires", None, false),
    known(HeaderName::Organization, "Organization", None, false),
    known(HeaderName::Priority, "Priority", None, false),
    known(HeaderName::ProxyAuthenticate, "Proxy-Authenticate", None, false),
    known(HeaderName::ProxyAuthorization, "Proxy-Authorization", None, false),
    known(HeaderName::ProxyRequire, "Proxy-Require", None, true),
    known(HeaderName::Reason, "Reason", None, true),
    known(HeaderName::RecordRoute, "Record-Route", None, true),
    known(HeaderName::ReferTo, "Refer-To", Some("r"), false),
    known(HeaderName::ReferredBy, "Referred-By", Some("b"), false),
    known(HeaderName::RejectContact, "Reject-Contact", Some("j"), true),
    known(HeaderName::ReplyTo, "Reply-To", None, false),
    known(HeaderName::RequestDisposition, "Request-Disposition", Some("d"), true),
    known(HeaderName::Require, "Require", None, true),
    known(HeaderName::RetryAfter, "Retry-After", None, false),
    known(HeaderName::Route, "Route", None, true),
    known(HeaderName::Server, "Server", None, false),
    known(HeaderName::SessionExpires, "Session-Expires", Some("x"), false),
    known(HeaderName::Subject, "Subject", Some("s"), false),
    known(HeaderName::SubscriptionState, "Subscription-State", None, false),
    known(HeaderName::Supported, "Supported", Some("k"), true),
    known(HeaderName::Timestamp, "Timestamp", None, false),
    known(HeaderName::To, "To", Some("t"), false),
    known(HeaderName::Unsupported, "Unsupported", None, true),
    known(HeaderName::UserAgent, "User-Agent", None, false),
    known(HeaderName::Via, "Via", Some("v"), true),
    known(HeaderName::Warning, "Warning", None, true),
    known(HeaderName::WwwAuthenticate, "WWW-Authenticate", None, false),
];

/// For each ASCII byte, the indexes of the rows whose canonical or compact name starts
/// with it (lower case), built once.
fn rows_by_initial() -> &'static [Vec<u8>] {
    static INDEX: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = vec![Vec::new(); 128];
        for (row_number, row) in KNOWN_HEADERS.iter().enumerate() {
            for name in std::iter::once(row.canonical).chain(row.compact) {
                if let Some(slot) =
                    name.as_bytes().first().and_then(|c| index.get_mut(usize::from(c.to_ascii_lowercase())))
                {
                    let row_number = u8::try_from(row_number).unwrap_or(u8::MAX);
                    if !slot.contains(&row_number) {
                        slot.push(row_number);
                    }
                }
            }
        }
        index
    })
}

impl<'a> HeaderName<'a> {
    /// The header a wire name denotes: full or compact form, any case; else `Other(name)`.
    pub fn from_wire(name: &'a str) -> HeaderName<'a> {
        // Only the rows whose full or compact name starts with the same letter; lengths
        // before bytes.
        let same = |known: &str| known.len() == name.len() && known.eq_ignore_ascii_case(name);
        let initial = name.as_bytes().first().map_or(0, |c| c.to_ascii_lowercase());
        rows_by_initial()
            .get(usize::from(initial))
            .into_iter()
            .flatten()
            .filter_map(|&index| KNOWN_HEADERS.get(usize::from(index)))
            .find(|row| same(row.canonical) || row.compact.is_some_and(same))
            .map_or(HeaderName::Other(name), |row| row.name)
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
    fn row(&self) -> Option<&'static KnownHeader> {
        let named = self.normalized();
        KNOWN_HEADERS.iter().find(|row| discriminant(&row.name) == discriminant(&named))
    }

    /// `Other("via")` becomes `Via`; everything else stays as it is.
    fn normalized(self) -> HeaderName<'a> {
        match self {
            HeaderName::Other(name) => HeaderName::from_wire(name),
            named => named,
        }
    }
}

impl PartialEq for HeaderName<'_> {
    /// Same header: named variants by identity, `Other` names case-insensitively,
    /// and an `Other` that spells a known name (`Other("v")`) equals that name.
    fn eq(&self, other: &Self) -> bool {
        match (self.normalized(), other.normalized()) {
            (HeaderName::Other(left), HeaderName::Other(right)) => left.eq_ignore_ascii_case(right),
            (HeaderName::Other(_), _) | (_, HeaderName::Other(_)) => false,
            (left, right) => discriminant(&left) == discriminant(&right),
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
