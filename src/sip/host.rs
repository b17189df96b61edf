//! Hosts and ports, as in SIP URIs and Via sent-by (RFC 3261 §25.1 `hostport`).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use nom::bytes::complete::take_while1;
use nom::character::complete::{char, digit1};
use nom::combinator::map_res;
use nom::error::ErrorKind;
use nom::sequence::delimited;
use nom::{IResult, Parser};

use super::lex::nom_error;

/// A host: an IPv4 address, an IPv6 address (written in brackets), or a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Host<'a> {
    /// A dotted-quad IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 reference, `[...]` on the wire.
    Ipv6(Ipv6Addr),
    /// A host name as sent (`intern.snom.de`, `lan`).
    Name(&'a str),
}

impl Host<'_> {
    /// The IPv4 address, when the host is one.
    pub fn ipv4(&self) -> Option<Ipv4Addr> {
        match self {
            Host::Ipv4(address) => Some(*address),
            _ => None,
        }
    }
}

impl fmt::Display for Host<'_> {
    /// The wire form: IPv6 addresses in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Ipv4(address) => write!(f, "{address}"),
            Host::Ipv6(address) => write!(f, "[{address}]"),
            Host::Name(name) => f.write_str(name),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')
}

/// A host. Text made only of digits and dots must be a valid IPv4 address.
pub(crate) fn host(input: &str) -> IResult<&str, Host<'_>> {
    if input.starts_with('[') {
        let inside = take_while1(|c: char| c.is_ascii_hexdigit() || c == ':' || c == '.');
        return map_res(delimited(char('['), inside, char(']')), |text: &str| text.parse().map(Host::Ipv6))
            .parse(input);
    }
    let (rest, name) = take_while1(is_name_char)(input)?;
    if name.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return match name.parse() {
            Ok(address) => Ok((rest, Host::Ipv4(address))),
            Err(_) => Err(nom_error(input, ErrorKind::Verify)),
        };
    }
    Ok((rest, Host::Name(name)))
}

/// A decimal port number that fits in 16 bits.
pub(crate) fn port(input: &str) -> IResult<&str, u16> {
    map_res(digit1, str::parse::<u16>).parse(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_each_kind_parse_and_display_as_sent() {
        assert_eq!(host("224.0.1.75:5060"), Ok((":5060", Host::Ipv4(Ipv4Addr::new(224, 0, 1, 75)))));
        assert_eq!(host("intern.snom.de;x"), Ok((";x", Host::Name("intern.snom.de"))));
        assert_eq!(host("lan"), Ok(("", Host::Name("lan"))));
        let (rest, v6) = host("[2001:db8::10]:5060").unwrap();
        assert_eq!((rest, v6.to_string()), (":5060", "[2001:db8::10]".to_owned()));
        assert_eq!(Host::Name("lan").ipv4(), None);
    }

    #[test]
    fn malformed_hosts_are_refused() {
        for bad in ["", "[2001:db8::10", "[zz]", "[]", "999.1.1.1", "1.2.3", ";x"] {
            assert!(host(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ports_must_fit_in_16_bits() {
        assert_eq!(port("5080;x"), Ok((";x", 5080)));
        assert!(port("65536").is_err());
        assert!(port("99999999999999999999999").is_err());
        assert!(port("x").is_err());
    }
}
