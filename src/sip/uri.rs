//! URIs: `sip:`/`sips:` URIs parsed into parts (RFC 3261 §19.1, §25.1); any
//! other scheme kept as raw text.

use std::borrow::Cow;

use nom::error::ErrorKind;
use nom::IResult;

use super::error::ParseError;
use super::host::{host, port, Host};
use super::lex::{byte_class, nom_error, split_at_byte, ByteClass};
use super::params::Params;

/// A URI from a Request-URI, a name-addr or an addr-spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uri<'a> {
    /// A `sip:` or `sips:` URI.
    Sip(SipUri<'a>),
    /// Any other scheme (`tel:`, `http:`, `isbn:`...), not looked into.
    Other(OtherUri<'a>),
}

/// A `sip:`/`sips:` URI split into its parts; every part borrows the text as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipUri<'a> {
    /// True for `sips:`.
    pub secure: bool,
    /// The user part, still percent-escaped (`MAC%3A000B82F55284`).
    pub user: Option<&'a str>,
    /// The password after `user:`, still escaped.
    pub password: Option<&'a str>,
    /// The host.
    pub host: Host<'a>,
    /// The port, when one is written.
    pub port: Option<u16>,
    /// The URI parameters (`;transport=udp;lr`).
    pub params: Params<'a>,
    /// The header part after `?`, raw.
    pub headers: Option<&'a str>,
    /// The whole URI as sent.
    pub raw: &'a str,
}

/// A URI with a scheme other than sip/sips.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OtherUri<'a> {
    /// The scheme, without the colon.
    pub scheme: &'a str,
    /// The whole URI as sent.
    pub raw: &'a str,
}

/// The bytes after the first letter of a scheme: letters, digits, `+`, `-` and `.`.
const fn is_scheme_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.')
}

static SCHEME_BYTES: ByteClass = byte_class!(is_scheme_byte);

/// A URI scheme: a letter, then letters, digits, `+`, `-` and `.`.
pub(crate) fn scheme(input: &str) -> IResult<&str, &str> {
    if !input.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
        return Err(nom_error(input, ErrorKind::Satisfy));
    }
    let len = 1 + SCHEME_BYTES.prefix_len(input.as_bytes().get(1..).unwrap_or_default());
    match (input.get(len..), input.get(..len)) {
        (Some(rest), Some(scheme)) => Ok((rest, scheme)),
        _ => Err(nom_error(input, ErrorKind::Satisfy)),
    }
}

/// Bytes a URI may contain unescaped: visible ASCII but quotes and angle
/// brackets (no white space, controls or non-ASCII).
const fn is_uri_byte(byte: u8) -> bool {
    byte.is_ascii_graphic() && !matches!(byte, b'"' | b'<' | b'>')
}

static URI_BYTES: ByteClass = byte_class!(is_uri_byte);

impl<'a> Uri<'a> {
    /// Parses `text`, which must be exactly one URI (no surrounding white space).
    pub fn parse(text: &'a str) -> Result<Uri<'a>, ParseError> {
        if URI_BYTES.prefix_len(text.as_bytes()) != text.len() {
            return Err(ParseError::BadUri);
        }
        let (rest, scheme) = scheme(text).map_err(|_| ParseError::BadUri)?;
        let after_colon = rest.strip_prefix(':').ok_or(ParseError::BadUri)?;
        if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
            let secure = scheme.len() == 4;
            return SipUri::parse_after_scheme(text, after_colon, secure).map(Uri::Sip);
        }
        if after_colon.is_empty() {
            return Err(ParseError::BadUri);
        }
        Ok(Uri::Other(OtherUri { scheme, raw: text }))
    }

    /// The whole URI as sent.
    pub fn raw(&self) -> &'a str {
        match self {
            Uri::Sip(sip) => sip.raw,
            Uri::Other(other) => other.raw,
        }
    }

    /// The SIP URI, if the scheme is sip or sips.
    pub fn as_sip(&self) -> Option<&SipUri<'a>> {
        match self {
            Uri::Sip(sip) => Some(sip),
            Uri::Other(_) => None,
        }
    }

    /// The user part still escaped (SIP URIs only).
    pub fn user(&self) -> Option<&'a str> {
        self.as_sip().and_then(|sip| sip.user)
    }

    /// The user part percent-decoded (SIP URIs only); see [`percent_decode`].
    pub fn user_unescaped(&self) -> Option<Cow<'a, str>> {
        self.as_sip().and_then(SipUri::user_unescaped)
    }

    /// Everything before the `@`, still escaped (SIP URIs only); see [`SipUri::userinfo`].
    pub fn userinfo(&self) -> Option<&'a str> {
        self.as_sip().and_then(SipUri::userinfo)
    }
}

impl<'a> SipUri<'a> {
    /// The user part percent-decoded; see [`percent_decode`].
    pub fn user_unescaped(&self) -> Option<Cow<'a, str>> {
        self.user.map(percent_decode)
    }

    /// Everything before the `@`, still escaped: the user, and `:password` if
    /// there is one. Phones that write `MAC:` unescaped (`sip:MAC:000B82F55284@lan`)
    /// put their MAC across user and password; this gives it back whole.
    pub fn userinfo(&self) -> Option<&'a str> {
        let after_scheme = self.raw.split_once(':').map(|(_, rest)| rest)?;
        self.user.and_then(|_| after_scheme.split_once('@')).map(|(userinfo, _)| userinfo)
    }

    /// `[user[:password]@]host[:port][;params][?headers]`, after the scheme.
    /// An unescaped `@` cannot appear elsewhere, so the first one ends the userinfo.
    fn parse_after_scheme(raw: &'a str, text: &'a str, secure: bool) -> Result<SipUri<'a>, ParseError> {
        let (userinfo, host_part) = match split_at_byte(text, b'@') {
            Some((userinfo, host_part)) => (Some(userinfo), host_part),
            None => (None, text),
        };
        let (user, password) =
            match userinfo.map(|info| split_at_byte(info, b':').map_or((info, None), |(u, p)| (u, Some(p)))) {
                Some(("", _)) => return Err(ParseError::BadUri),
                Some((user, password)) => (Some(user), password),
                None => (None, None),
            };
        let (after_host, host) = host(host_part).map_err(|_| ParseError::BadUri)?;
        // An optional `:port`; a colon without a port is left for the parameters to refuse.
        let (after_host, port) = match after_host.strip_prefix(':').map(port) {
            Some(Ok((after_port, port))) => (after_port, Some(port)),
            _ => (after_host, None),
        };
        let (params_text, headers) = match split_at_byte(after_host, b'?') {
            Some((params_text, headers)) => (params_text, Some(headers)),
            None => (after_host, None),
        };
        let params = Params::parse(params_text).map_err(|_| ParseError::BadUri)?;
        Ok(SipUri { secure, user, password, host, port, params, headers, raw })
    }
}

/// Decodes `%HH` escapes. An invalid escape (`%G1`, a `%` near the end) is kept
/// literally, `%00` becomes U+0000 (never a cut), and bytes that do not form
/// UTF-8 become U+FFFD. Borrows when there is no `%`.
pub fn percent_decode(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let hex = |index: usize| bytes.get(index).and_then(|&b| char::from(b).to_digit(16));
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match (byte, hex(index + 1), hex(index + 2)) {
            (b'%', Some(high), Some(low)) => {
                // Two hex digits are at most 0xff, so the cast loses nothing.
                decoded.push((high * 16 + low) as u8);
                index += 3;
            }
            _ => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&decoded).into_owned())
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn sip(text: &str) -> SipUri<'_> {
        match Uri::parse(text) {
            Ok(Uri::Sip(uri)) => uri,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn the_grandstream_request_uri_splits_into_parts() {
        let uri = sip("sip:MAC%3A000B82F55284@224.0.1.75");
        assert!(!uri.secure);
        assert_eq!(uri.user, Some("MAC%3A000B82F55284"));
        assert_eq!(uri.user_unescaped().as_deref(), Some("MAC:000B82F55284"));
        assert_eq!(uri.host, Host::Ipv4(Ipv4Addr::new(224, 0, 1, 75)));
        assert_eq!((uri.port, uri.password, uri.headers), (None, None, None));
        assert_eq!(uri.userinfo(), Some("MAC%3A000B82F55284"));
        assert_eq!(sip("sip:224.0.1.75").userinfo(), None);
        assert!(uri.params.is_empty());
    }

    #[test]
    fn ports_params_headers_and_passwords_are_found() {
        let uri = sip("sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?Subject=hi");
        assert!(uri.secure);
        assert_eq!((uri.user, uri.password, uri.port), (Some("alice"), Some("secret"), Some(5061)));
        assert_eq!(uri.params.value("transport").as_deref(), Some("tcp"));
        assert!(uri.params.contains("lr"));
        assert_eq!(uri.headers, Some("Subject=hi"));
        assert_eq!(uri.userinfo(), Some("alice:secret"));
        assert_eq!(Uri::parse("sip:MAC:000B82F55284@lan").unwrap().userinfo(), Some("MAC:000B82F55284"));
        let contact = sip("sip:172.16.18.90:53465;transport=udp;handler=dum");
        assert_eq!((contact.user, contact.port), (None, Some(53465)));
    }

    #[test]
    fn scheme_is_case_insensitive_and_other_schemes_stay_raw() {
        assert!(matches!(Uri::parse("SIP:lan"), Ok(Uri::Sip(_))));
        let other = Uri::parse("isbn:2983792873").unwrap();
        assert_eq!(other, Uri::Other(OtherUri { scheme: "isbn", raw: "isbn:2983792873" }));
        assert_eq!(other.user_unescaped(), None);
        assert!(matches!(Uri::parse("soap.beep://192.0.2.103:3002"), Ok(Uri::Other(_))));
    }

    #[test]
    fn malformed_uris_are_refused() {
        for bad in [
            "",
            "sip:",
            "sip:@host",
            "sip:user@",
            "sip:host:",
            "sip:host:99999",
            "sip:host x",
            " sip:host",
            "<sip:host>",
            "sip:host;;",
            "sip:host;a=",
            "sip:[::1",
            "1sip:host",
            "nocolon",
            "tel:",
            "sip:hö",
        ] {
            assert!(Uri::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn percent_decoding_survives_bad_and_null_escapes() {
        assert_eq!(percent_decode("MAC%3a00135E874B49"), "MAC:00135E874B49");
        assert_eq!(percent_decode("null-%00-null"), "null-\0-null");
        assert_eq!(percent_decode("%G1%4"), "%G1%4");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%ff%fe"), "\u{fffd}\u{fffd}");
        assert_eq!(percent_decode("%C3%A9"), "é");
        assert!(matches!(percent_decode("plain"), Cow::Borrowed("plain")));
    }
}
