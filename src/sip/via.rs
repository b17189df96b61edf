//! Via values (RFC 3261 §20.42) and the Via of a response as RFC 3581 wants it.

use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddrV4;

use nom::character::complete::char;
use nom::combinator::{consumed, opt};
use nom::sequence::preceded;
use nom::Parser;

use super::error::ParseError;
use super::host::{host, port, Host};
use super::lex::{lws, split_token, sws, token, trim_wsp};
use super::params::Params;

/// One Via value: `SIP/2.0/UDP host[:port];params`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Via<'a> {
    /// The protocol name, `SIP`.
    pub protocol: &'a str,
    /// The protocol version, `2.0`.
    pub version: &'a str,
    /// The transport (`UDP`, `TCP`, `TLS`, or any token).
    pub transport: &'a str,
    /// The sent-by host.
    pub host: Host<'a>,
    /// The sent-by port, when written.
    pub port: Option<u16>,
    /// The sent-by text as sent (`192.168.1.2:5080`).
    pub sent_by: &'a str,
    /// The Via parameters (`branch`, `rport`, `received`, ...).
    pub params: Params<'a>,
    /// The whole value as sent (trimmed).
    pub raw: &'a str,
}

impl<'a> Via<'a> {
    /// Parses one Via value (one list item), allowing white space around `/`, `:`,
    /// `;` and `=`. An `rport` value, if any, must be a port number.
    pub fn parse(value: &'a str) -> Result<Via<'a>, ParseError> {
        let raw = trim_wsp(value);
        Via::parse_usual(raw).unwrap_or_else(|| Via::parse_full(raw))
    }

    /// The usual shape, `token/token/token SP host[:port]` and parameters of the
    /// usual shape (see [`Params::parse_usual`]); `None` for any other, which
    /// [`Via::parse_full`] then reads.
    pub(super) fn parse_usual(raw: &'a str) -> Option<Result<Via<'a>, ParseError>> {
        let (protocol, version, transport, rest) = match raw.strip_prefix("SIP/2.0/UDP") {
            // What every phone sends, as the tokens below would read it.
            Some(rest) => (raw.get(..3)?, raw.get(4..7)?, raw.get(8..11)?, rest),
            None => {
                let (protocol, rest) = split_token(raw)?;
                let (version, rest) = split_token(rest.strip_prefix('/')?)?;
                let (transport, rest) = split_token(rest.strip_prefix('/')?)?;
                (protocol, version, transport, rest)
            }
        };
        let sent_by_and_rest = rest.strip_prefix(' ')?;
        let (after_host, host) = host(sent_by_and_rest).ok()?;
        let (rest, port) = match after_host.strip_prefix(':') {
            Some(port_and_rest) => port(port_and_rest).ok().map(|(rest, port)| (rest, Some(port)))?,
            None => (after_host, None),
        };
        let sent_by = sent_by_and_rest.get(..sent_by_and_rest.len() - rest.len())?;
        let mut rport = None;
        let params = Params::parse_usual_visiting(rest, |param| {
            if rport.is_none() && param.name.eq_ignore_ascii_case("rport") {
                rport = Some(param.value);
            }
        })?;
        let via = Via { protocol, version, transport, host, port, sent_by, params, raw };
        Some(match rport.flatten() {
            Some(value) if value.parse::<u16>().is_err() => Err(ParseError::BadVia),
            _ => Ok(via),
        })
    }

    /// [`Via::parse`] by the whole grammar, for a trimmed value.
    pub(super) fn parse_full(raw: &'a str) -> Result<Via<'a>, ParseError> {
        let slash = || (sws, char('/'), sws);
        let sent_by = consumed((host, opt(preceded((sws, char(':'), sws), port))));
        let (rest, (protocol, _, version, _, transport, _, (sent_by, (host, port)), _)) =
            (token, slash(), token, slash(), token, lws, sent_by, sws)
                .parse(raw)
                .map_err(|_: nom::Err<nom::error::Error<&str>>| ParseError::BadVia)?;
        let params = Params::parse(rest).map_err(|_| ParseError::BadVia)?;
        Via { protocol, version, transport, host, port, sent_by, params, raw }.checked()
    }

    /// This Via, unless its `rport` has a value that is not a port number.
    fn checked(self) -> Result<Via<'a>, ParseError> {
        let via = self;
        match via.params.get("rport").and_then(|param| param.value) {
            Some(value) if value.parse::<u16>().is_err() => Err(ParseError::BadVia),
            _ => Ok(via),
        }
    }

    /// The `branch` parameter (old phones send none).
    pub fn branch(&self) -> Option<Cow<'a, str>> {
        self.params.value("branch")
    }

    /// `None` without `rport`; `Some(None)` for a bare `rport` (the sender asks
    /// for it to be filled); `Some(Some(port))` when it has a value.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params.get("rport").map(|param| param.value.and_then(|value| value.parse().ok()))
    }

    /// The `received` parameter.
    pub fn received(&self) -> Option<Cow<'a, str>> {
        self.params.value("received")
    }

    /// This Via as a response to a request from `source` must carry it (RFC 3581
    /// §4): see [`ResponseVia`]. Apply it to the topmost Via only; copy the others.
    pub fn for_response(&self, source: SocketAddrV4) -> ResponseVia<'_, 'a> {
        ResponseVia { via: self, source }
    }
}

/// Displays a Via for a response: `received=<source ip>` is added when `rport`
/// is present or the sent-by host is not the source IP (replacing any
/// `received` the sender wrote), a bare `rport` becomes `rport=<source port>`,
/// and every other parameter is kept as sent, in order.
#[derive(Debug, Clone, Copy)]
pub struct ResponseVia<'v, 'a> {
    via: &'v Via<'a>,
    source: SocketAddrV4,
}

impl fmt::Display for ResponseVia<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let via = self.via;
        let add_received = via.params.contains("rport") || via.host.ipv4() != Some(*self.source.ip());
        write!(f, "{}/{}/{} {}", via.protocol, via.version, via.transport, via.sent_by)?;
        for param in via.params.iter() {
            let is_rport = param.name.eq_ignore_ascii_case("rport");
            if add_received && param.name.eq_ignore_ascii_case("received") {
                continue;
            }
            match (param.value, is_rport) {
                (Some(value), _) => write!(f, ";{}={value}", param.name)?,
                (None, true) => write!(f, ";{}={}", param.name, self.source.port())?,
                (None, false) => write!(f, ";{}", param.name)?,
            }
        }
        if add_received {
            write!(f, ";received={}", self.source.ip())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn source(text: &str) -> SocketAddrV4 {
        text.parse().unwrap()
    }

    #[test]
    fn the_grandstream_via_parses() {
        let via = Via::parse("SIP/2.0/UDP 192.168.1.2:5080;branch=z9hG4bK1611133778;rport").unwrap();
        assert_eq!((via.protocol, via.version, via.transport), ("SIP", "2.0", "UDP"));
        assert_eq!((via.host, via.port), (Host::Ipv4(Ipv4Addr::new(192, 168, 1, 2)), Some(5080)));
        assert_eq!(via.sent_by, "192.168.1.2:5080");
        assert_eq!(via.branch().as_deref(), Some("z9hG4bK1611133778"));
        assert_eq!(via.rport(), Some(None));
        assert_eq!(via.received(), None);
    }

    #[test]
    fn white_space_is_allowed_around_separators() {
        let via = Via::parse("SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8").unwrap();
        assert_eq!((via.transport, via.host, via.port), ("TCP", Host::Name("spindle.example.com"), None));
        assert_eq!(via.branch().as_deref(), Some("z9hG4bK9ikj8"));
        let spaced_port = Via::parse("SIP/2.0/UDP host : 5060").unwrap();
        assert_eq!(spaced_port.port, Some(5060));
    }

    #[test]
    fn old_phones_send_no_branch_and_rport_values_are_read() {
        let via = Via::parse("SIP/2.0/UDP 192.168.10.67:5060;rport").unwrap();
        assert_eq!(via.branch(), None);
        assert_eq!(Via::parse("SIP/2.0/UDP h;rport=5060").unwrap().rport(), Some(Some(5060)));
        assert_eq!(Via::parse("SIP/2.0/UDP h").unwrap().rport(), None);
    }

    #[test]
    fn malformed_vias_are_refused() {
        for bad in [
            "SIP/2.0/UDP 192.0.2.15;;",
            "SIP/2.0 192.0.2.15",
            "SIP/2.0/UDP",
            "SIP/2.0/UDP192.0.2.15",
            "SIP/2.0/UDP host:99999",
            "SIP/2.0/UDP host junk",
            "SIP/2.0/UDP host;rport=abc",
            "",
        ] {
            assert_eq!(Via::parse(bad), Err(ParseError::BadVia), "{bad:?}");
        }
    }

    #[test]
    fn rport_is_filled_and_received_added_per_rfc_3581() {
        let via = Via::parse("SIP/2.0/UDP 192.168.1.2:5080;branch=z9hG4bK1611133778;rport").unwrap();
        assert_eq!(
            via.for_response(source("192.168.1.2:5080")).to_string(),
            "SIP/2.0/UDP 192.168.1.2:5080;branch=z9hG4bK1611133778;rport=5080;received=192.168.1.2"
        );
        assert_eq!(
            via.for_response(source("10.0.0.7:1053")).to_string(),
            "SIP/2.0/UDP 192.168.1.2:5080;branch=z9hG4bK1611133778;rport=1053;received=10.0.0.7"
        );
    }

    #[test]
    fn without_rport_received_is_added_only_when_the_host_differs() {
        let via = Via::parse("SIP/2.0/UDP 10.1.3.239:5059;branch=z9hG4bK1536537630").unwrap();
        assert_eq!(via.for_response(source("10.1.3.239:5059")).to_string(), via.raw);
        assert_eq!(
            via.for_response(source("10.9.9.9:5059")).to_string(),
            "SIP/2.0/UDP 10.1.3.239:5059;branch=z9hG4bK1536537630;received=10.9.9.9"
        );
        let named = Via::parse("SIP/2.0/UDP phone.lan;branch=1").unwrap();
        assert_eq!(
            named.for_response(source("10.1.1.1:5060")).to_string(),
            "SIP/2.0/UDP phone.lan;branch=1;received=10.1.1.1"
        );
    }

    #[test]
    fn other_parameters_are_kept_and_a_sent_received_is_replaced() {
        let via = Via::parse(r#"SIP/2.0/UDP 1.2.3.4;received=6.6.6.6;x="a b";rport=7;maddr=h"#).unwrap();
        assert_eq!(
            via.for_response(source("5.6.7.8:9")).to_string(),
            r#"SIP/2.0/UDP 1.2.3.4;x="a b";rport=7;maddr=h;received=5.6.7.8"#
        );
        let kept = Via::parse("SIP/2.0/UDP 1.2.3.4;received=1.2.3.4").unwrap();
        assert_eq!(kept.for_response(source("1.2.3.4:5060")).to_string(), "SIP/2.0/UDP 1.2.3.4;received=1.2.3.4");
    }
}
