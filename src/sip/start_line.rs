//! The start line: a request line or a status line (RFC 3261 §7.1, §7.2).
//! The usual shapes are read byte by byte; any other goes to the whole grammar.

use nom::bytes::complete::{tag_no_case, take_while1, take_while_m_n};
use nom::character::complete::{char, digit1};
use nom::combinator::{all_consuming, map_res, opt, recognize, rest};
use nom::sequence::preceded;
use nom::{IResult, Parser};

use super::error::ParseError;
use super::lex::{split_token, token};
use super::message::StartLine;
use super::method::Method;
use super::uri::scheme;

/// The version every phone sends.
const SIP_2_0: &str = "SIP/2.0";

/// Parses a start line (without its line end).
pub(super) fn start_line(line: &str) -> Result<StartLine<'_>, ParseError> {
    if line.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case("SIP/")) {
        let (version, code, reason) = status_line_usual(line).map_or_else(|| status_line_full(line), Ok)?;
        if !(100..=699).contains(&code) || reason.chars().any(|c| c.is_control() && c != '\t') {
            return Err(ParseError::BadStartLine);
        }
        return Ok(StartLine::Response { version, code, reason });
    }
    request_line_usual(line).map_or_else(|| request_line_full(line), Ok)
}

/// The version token `SIP/x.y` (any case for `SIP`).
fn sip_version(input: &str) -> IResult<&str, &str> {
    recognize((tag_no_case("SIP/"), digit1, char('.'), digit1)).parse(input)
}

/// Request-URI: a scheme and `:` followed by visible ASCII (no white space).
fn request_uri(input: &str) -> IResult<&str, &str> {
    recognize((scheme, char(':'), take_while1(|c: char| c.is_ascii_graphic()))).parse(input)
}

/// `SIP/2.0 SP 3DIGIT [SP reason]`; `None` for any other shape.
pub(super) fn status_line_usual(line: &str) -> Option<(&str, u16, &str)> {
    let version = line.get(..SIP_2_0.len()).filter(|version| *version == SIP_2_0)?;
    let rest = line.get(SIP_2_0.len()..)?.strip_prefix(' ')?;
    let code = rest.get(..3).filter(|code| code.bytes().all(|byte| byte.is_ascii_digit()))?.parse().ok()?;
    let reason = match rest.get(3..)? {
        "" => "",
        after_code => after_code.strip_prefix(' ')?,
    };
    Some((version, code, reason))
}

/// The status line by the whole grammar: version, code and reason, unchecked.
pub(super) fn status_line_full(line: &str) -> Result<(&str, u16, &str), ParseError> {
    let status_code = map_res(take_while_m_n(3, 3, |c: char| c.is_ascii_digit()), str::parse::<u16>);
    let reason = preceded(char(' '), rest);
    let (_, (version, _, code, reason)) = all_consuming((sip_version, char(' '), status_code, opt(reason)))
        .parse(line)
        .map_err(|_: nom::Err<nom::error::Error<&str>>| ParseError::BadStartLine)?;
    Ok((version, code, reason.unwrap_or("")))
}

/// `token SP scheme:visible-ASCII SP SIP/2.0`; `None` for any other shape.
pub(super) fn request_line_usual(line: &str) -> Option<StartLine<'_>> {
    let (method, rest) = split_token(line)?;
    let rest = rest.strip_prefix(' ')?;
    let space = memchr::memchr(b' ', rest.as_bytes())?;
    let (uri, version) = (rest.get(..space)?, rest.get(space + 1..)?);
    let (after_scheme, _) = scheme(uri).ok()?;
    let after_colon = after_scheme.strip_prefix(':')?;
    if version != SIP_2_0 || after_colon.is_empty() || !uri.bytes().all(|byte| byte.is_ascii_graphic()) {
        return None;
    }
    Some(StartLine::Request { method: Method::from_token(method), uri, version })
}

/// The request line by the whole grammar.
pub(super) fn request_line_full(line: &str) -> Result<StartLine<'_>, ParseError> {
    let (_, (method, _, uri, _, version)) = all_consuming((token, char(' '), request_uri, char(' '), sip_version))
        .parse(line)
        .map_err(|_: nom::Err<nom::error::Error<&str>>| ParseError::BadStartLine)?;
    Ok(StartLine::Request { method: Method::from_token(method), uri, version })
}
