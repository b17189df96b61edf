//! CSeq values: `number method` (RFC 3261 §20.16).

use nom::character::complete::digit1;
use nom::combinator::{all_consuming, map_res};
use nom::Parser;

use super::error::ParseError;
use super::lex::{lws, sws, token};
use super::method::Method;

/// A CSeq value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CSeq<'a> {
    /// The sequence number; it must fit in 32 bits.
    pub number: u32,
    /// The method it names.
    pub method: Method<'a>,
}

impl<'a> CSeq<'a> {
    /// Parses `number LWS method`; leading zeros are allowed (`0009`).
    pub fn parse(value: &'a str) -> Result<CSeq<'a>, ParseError> {
        let (_, (_, number, _, method, _)) = all_consuming((sws, map_res(digit1, str::parse::<u32>), lws, token, sws))
            .parse(value)
            .map_err(|_: nom::Err<nom::error::Error<&str>>| ParseError::BadCSeq)?;
        Ok(CSeq { number, method: Method::from_token(method) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_and_method_are_read() {
        assert_eq!(CSeq::parse("20000 SUBSCRIBE"), Ok(CSeq { number: 20000, method: Method::Subscribe }));
        assert_eq!(CSeq::parse(" 0009 \t INVITE "), Ok(CSeq { number: 9, method: Method::Invite }));
        assert_eq!(CSeq::parse("1 NEWMETHOD").map(|c| c.method), Ok(Method::Other("NEWMETHOD")));
    }

    #[test]
    fn overflowing_or_malformed_values_are_refused() {
        for bad in [
            "36893488147419103232 REGISTER",
            "4294967296 INVITE",
            "1",
            "INVITE",
            "-1 INVITE",
            "1 INVITE x",
            "1INVITE",
            "",
        ] {
            assert_eq!(CSeq::parse(bad), Err(ParseError::BadCSeq), "{bad:?}");
        }
    }
}
