//! Server locations as the phone wants them: a protocol number and a path without scheme.

use super::error::ProvisionError;
use super::format::{loose_name, Spelling};
use super::validate::{check_text, LIMIT_SERVER_PATH};

/// How the phone fetches config files or firmware (P212 / P6767).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// TFTP.
    Tftp,
    /// HTTP.
    Http,
    /// HTTPS.
    Https,
    /// FTP.
    Ftp,
    /// FTPS.
    Ftps,
}

/// In the order of the [`Protocol`] variants: URL scheme, then P212/P6767 "0 TFTP, 1 HTTP,
/// 2 HTTPS, 3 FTP, 4 FTPS" (S1) and the v2 words (phone metaconfig, S2).
const PROTOCOLS: &[(Protocol, &str, Spelling)] = &[
    (Protocol::Tftp, "tftp", Spelling { v1: "0", v2: "TFTP" }),
    (Protocol::Http, "http", Spelling { v1: "1", v2: "HTTP" }),
    (Protocol::Https, "https", Spelling { v1: "2", v2: "HTTPS" }),
    (Protocol::Ftp, "ftp", Spelling { v1: "3", v2: "FTP" }),
    (Protocol::Ftps, "ftps", Spelling { v1: "4", v2: "FTPS" }),
];

impl Protocol {
    /// The URL scheme, e.g. `https`.
    pub fn scheme(self) -> &'static str {
        PROTOCOLS[self as usize].1
    }

    pub(crate) fn spelling(self) -> Spelling {
        PROTOCOLS[self as usize].2
    }

    fn from_scheme(scheme: &str) -> Option<Protocol> {
        let scheme = loose_name(scheme);
        PROTOCOLS.iter().find(|(_, known, _)| *known == scheme).map(|(protocol, _, _)| *protocol)
    }
}

/// Where the phone fetches from: the protocol, and the path the phone wants in P237/P192,
/// i.e. `host[:port][/dir…]` with no scheme and no trailing slash (reference §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLocation {
    protocol: Protocol,
    path: String,
}

impl ServerLocation {
    /// Derives protocol and path from a URL: `https://10.0.0.5:8443/gspnp/abc123/` gives
    /// HTTPS and `10.0.0.5:8443/gspnp/abc123`. Refuses other schemes than tftp, http,
    /// https, ftp and ftps, a missing host, user:password@ (give credentials separately;
    /// the URL is not repeated in the error since it would hold the password), queries,
    /// fragments and whitespace. `field` names the URL in errors.
    pub fn parse(field: &str, url: &str) -> Result<ServerLocation, ProvisionError> {
        check_text(field, url, LIMIT_SERVER_PATH + "ftps://".len())?;
        let refuse = |why: &str| ProvisionError::invalid(format!("{field} {why}"));
        let (scheme, rest) =
            url.split_once("://").ok_or_else(|| refuse("has no scheme (want e.g. https://host/dir/)"))?;
        let protocol = Protocol::from_scheme(scheme)
            .ok_or_else(|| refuse("has a scheme the phone cannot use (want tftp, http, https, ftp or ftps)"))?;
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() {
            return Err(refuse("has no host"));
        }
        if host.contains('@') {
            return Err(refuse("contains user:password@; set the server credentials instead"));
        }
        if rest.chars().any(|c| c.is_whitespace() || c == '?' || c == '#') {
            return Err(refuse("contains a space, a query or a fragment"));
        }
        let path = rest.trim_end_matches('/');
        check_text(field, path, LIMIT_SERVER_PATH)?;
        Ok(ServerLocation { protocol, path: path.to_owned() })
    }

    /// How the phone fetches.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// `host[:port][/dir…]`, as written into P237/P192.
    pub fn path(&self) -> &str {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_from_the_issue() {
        let location = ServerLocation::parse("URL", "https://10.0.0.5:8443/gspnp/abc123/").unwrap();
        assert_eq!(location.protocol(), Protocol::Https);
        assert_eq!(location.protocol().spelling(), Spelling { v1: "2", v2: "HTTPS" });
        assert_eq!(location.path(), "10.0.0.5:8443/gspnp/abc123");
    }

    #[test]
    fn every_scheme_and_plain_hosts() {
        for (url, protocol, path) in [
            ("tftp://10.0.0.1", Protocol::Tftp, "10.0.0.1"),
            ("HTTP://pbx.example.com/prov", Protocol::Http, "pbx.example.com/prov"),
            ("ftp://pbx//", Protocol::Ftp, "pbx"),
            ("ftps://[2001:db8::1]:990/gs/", Protocol::Ftps, "[2001:db8::1]:990/gs"),
        ] {
            let location = ServerLocation::parse("URL", url).unwrap();
            assert_eq!((location.protocol(), location.path()), (protocol, path), "{url}");
        }
        for (index, (protocol, scheme, _)) in PROTOCOLS.iter().enumerate() {
            assert_eq!(*protocol as usize, index);
            assert_eq!(protocol.scheme(), *scheme);
        }
    }

    #[test]
    fn unusable_urls_are_refused_without_echoing_credentials() {
        for url in [
            "10.0.0.5/gspnp",
            "sip://pbx/",
            "https:///dir",
            "https://pbx/dir?x=1",
            "https://pbx/dir#top",
            "https://pbx/a dir/",
        ] {
            assert!(matches!(ServerLocation::parse("URL", url), Err(ProvisionError::InvalidArgument { .. })), "{url}");
        }
        let error = ServerLocation::parse("URL", "https://admin:s3cret@pbx/").unwrap_err();
        assert!(!error.to_string().contains("s3cret"), "{error}");
        assert!(matches!(ServerLocation::parse("URL", "https://pbx/\n"), Err(ProvisionError::ControlCharacter { .. })));
        let long = format!("https://pbx/{}", "d".repeat(600));
        assert!(matches!(ServerLocation::parse("URL", &long), Err(ProvisionError::ValueTooLong { .. })));
    }
}
