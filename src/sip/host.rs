//! Hosts and ports, as in SIP URIs and Via sent-by (RFC 3261 §25.1 `hostport`).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use nom::bytes::complete::take_while1;
use nom::character::complete::char;
use nom::combinator::map_res;
use nom::error::ErrorKind;
use nom::sequence::delimited;
use nom::{IResult, Parser};

use super::lex::{byte_class, nom_error, ByteClass};

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

const fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_')
}

static NAME_BYTES: ByteClass = byte_class!(is_name_byte);

/// The longest prefix of `input` whose bytes `class` holds, if not empty, and the rest.
fn prefix_in<'t>(input: &'t str, class: &ByteClass, kind: ErrorKind) -> IResult<&'t str, &'t str> {
    let len = class.prefix_len(input.as_bytes());
    match (input.get(len..), input.get(..len)) {
        (Some(rest), Some(prefix)) if len > 0 => Ok((rest, prefix)),
        _ => Err(nom_error(input, kind)),
    }
}

/// A host. Text made only of digits and dots must be a valid IPv4 address.
pub(crate) fn host(input: &str) -> IResult<&str, Host<'_>> {
    if input.starts_with('[') {
        let inside = take_while1(|c: char| c.is_ascii_hexdigit() || c == ':' || c == '.');
        return map_res(delimited(char('['), inside, char(']')), |text: &str| text.parse().map(Host::Ipv6))
            .parse(input);
    }
    let (rest, name) = prefix_in(input, &NAME_BYTES, ErrorKind::TakeWhile1)?;
    match dotted_quad(name) {
        Some(address) => Ok((rest, Host::Ipv4(address))),
        None if name.bytes().all(|b| b.is_ascii_digit() || b == b'.') => Err(nom_error(input, ErrorKind::Verify)),
        None => Ok((rest, Host::Name(name))),
    }
}

/// `text` read as std reads an IPv4 address: four decimal octets separated by
/// dots, each of one to three digits without a leading zero and at most 255.
fn dotted_quad(text: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut rest = text.as_bytes();
    for (index, octet) in octets.iter_mut().enumerate() {
        let end = rest.iter().position(|&byte| byte == b'.').unwrap_or(rest.len());
        let (digits, after) = rest.split_at_checked(end)?;
        *octet = decimal_octet(digits)?;
        rest = match after.split_first() {
            Some((b'.', after_dot)) if index < 3 => after_dot,
            None if index == 3 => after,
            _ => return None,
        };
    }
    Some(Ipv4Addr::from(octets))
}

/// One to three decimal digits without a leading zero, at most 255.
fn decimal_octet(digits: &[u8]) -> Option<u8> {
    let digit = |byte: &u8| byte.is_ascii_digit().then(|| u16::from(byte - b'0'));
    let value = match digits {
        [only] => digit(only)?,
        [b'0', ..] => return None,
        [tens, ones] => digit(tens)? * 10 + digit(ones)?,
        [hundreds, tens, ones] => digit(hundreds)? * 100 + digit(tens)? * 10 + digit(ones)?,
        _ => return None,
    };
    u8::try_from(value).ok()
}

/// A decimal port number that fits in 16 bits.
pub(crate) fn port(input: &str) -> IResult<&str, u16> {
    let (rest, digits) = prefix_in(input, &DIGITS, ErrorKind::Digit)?;
    let port = digits.parse().map_err(|_| nom_error(input, ErrorKind::MapRes))?;
    Ok((rest, port))
}

static DIGITS: ByteClass = byte_class!(is_ascii_digit);

const fn is_ascii_digit(byte: u8) -> bool {
    byte.is_ascii_digit()
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
    fn dotted_quads_are_read_as_std_reads_them() {
        let mut texts: Vec<String> = ["0.0.0.0", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3.4.", "1..2.3", ""]
            .map(String::from)
            .to_vec();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = 1 + (state % 16) as usize;
            let text = (0..len).map(|index| b"0123456789.0125."[((state >> (4 * index)) % 16) as usize] as char);
            texts.push(text.collect());
        }
        for text in &texts {
            assert_eq!(dotted_quad(text), text.parse().ok(), "{text:?}");
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
