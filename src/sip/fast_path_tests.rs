//! The fast paths against the whole grammar, over every value of the corpus and
//! of its random mutations: where a fast path answers, the whole grammar must
//! give the same answer; and the hand-written scanners must agree with the nom
//! parsers they replaced (kept here as references).

use nom::branch::alt;
use nom::bytes::complete::take_while1;
use nom::character::complete::{char, digit1, satisfy};
use nom::combinator::{map_res, recognize};
use nom::{IResult, Parser};

use super::corpus_tests::corpus_and_mutations;
use super::host::{host, port, Host};
use super::lex::{find_top_level, is_token_char, quoted_string, sws, trim_wsp};
use super::params::{Param, Params};
use super::start_line::{request_line_full, request_line_usual, status_line_full, status_line_usual};
use super::uri::scheme;
use super::{parse, Via};

/// Every line of every datagram, and every header value, item, and the tail of
/// each from every separator, as text.
fn samples() -> Vec<String> {
    let mut samples = Vec::new();
    for datagram in corpus_and_mutations(1_500) {
        let text = String::from_utf8_lossy(&datagram).into_owned();
        samples.extend(text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line).to_owned()));
        let Ok(message) = parse(&datagram) else { continue };
        for field in message.header_fields() {
            samples.extend(message.headers(field.name).map(|item| item.into_owned()));
            samples.push(field.value.to_string());
        }
    }
    let tails: Vec<String> = samples
        .iter()
        .flat_map(|sample| {
            let separators = sample.char_indices().filter(|(_, c)| ";,<>:@ /=\"".contains(*c));
            separators.flat_map(|(index, _)| [sample.get(index..), sample.get(index + 1..)]).flatten()
        })
        .map(str::to_owned)
        .collect();
    samples.extend(tails);
    samples.sort();
    samples.dedup();
    samples
}

#[test]
fn every_fast_path_agrees_with_the_whole_grammar() {
    let mut answered = [0; 4];
    for sample in samples() {
        let sample = sample.as_str();
        let mut visited = Vec::new();
        if let Some(params) = Params::parse_usual_visiting(sample, |param| visited.push(param)) {
            assert_eq!(Params::parse_full(sample), Ok(params), "{sample:?}");
            assert_eq!(params.iter().collect::<Vec<_>>(), visited, "{sample:?}");
            answered[0] += 1;
        }
        if let Ok(params) = Params::parse(sample) {
            for name in params.iter().map(|param| param.name).chain(["rport", "TAG", "x"]) {
                let found = params.iter().find(|param| param.name.eq_ignore_ascii_case(name));
                assert_eq!(params.get(name), found, "{sample:?} {name:?}");
            }
        }
        let raw = trim_wsp(sample);
        if let Some(via) = Via::parse_usual(raw) {
            assert_eq!(Via::parse_full(raw), via, "{sample:?}");
            answered[1] += 1;
        }
        if let Some(status) = status_line_usual(sample) {
            assert_eq!(status_line_full(sample), Ok(status), "{sample:?}");
            answered[2] += 1;
        }
        if let Some(request) = request_line_usual(sample) {
            assert_eq!(request_line_full(sample), Ok(request), "{sample:?}");
            answered[3] += 1;
        }
    }
    // Each fast path answered for many samples, so the comparison means something.
    assert!(answered.iter().all(|&count| count > 20), "{answered:?}");
}

/// The nom parser `Param::parse` replaced.
fn reference_param(piece: &str) -> Option<Param<'_>> {
    let is_name_char = |c: char| is_token_char(c) || matches!(c, '[' | ']' | '/' | ':' | '&' | '$' | '(' | ')');
    let is_plain_value_char = |c: char| c.is_ascii_graphic() && !matches!(c, ';' | ',' | '"' | '<' | '>');
    let piece = trim_wsp(piece);
    let (rest, name) = take_while1::<_, _, nom::error::Error<&str>>(is_name_char)(piece).ok()?;
    if rest.is_empty() {
        return Some(Param { name, value: None });
    }
    let (rest, (_, _, _, value)) =
        (sws, char('='), sws, alt((quoted_string, take_while1(is_plain_value_char)))).parse(rest).ok()?;
    rest.is_empty().then_some(Param { name, value: Some(value) })
}

/// The state machine `find_top_level` replaced.
fn reference_find_top_level(text: &str, separator: u8) -> usize {
    let (mut in_quotes, mut in_angle, mut index) = (false, false, 0);
    while let Some(&byte) = text.as_bytes().get(index) {
        if in_quotes {
            index += usize::from(byte == b'\\');
            in_quotes = byte != b'"';
        } else if in_angle {
            in_angle = byte != b'>';
        } else if byte == separator {
            return index;
        } else {
            (in_quotes, in_angle) = (byte == b'"', byte == b'<');
        }
        index += 1;
    }
    text.len()
}

/// The nom parsers `scheme`, `host` and `port` replaced.
fn reference_scheme(input: &str) -> IResult<&str, &str> {
    let rest_of_scheme = nom::bytes::complete::take_while(|c: char| c.is_ascii_alphanumeric() || "+-.".contains(c));
    recognize((satisfy(|c| c.is_ascii_alphabetic()), rest_of_scheme)).parse(input)
}

fn reference_host(input: &str) -> Option<(&str, Host<'_>)> {
    if input.starts_with('[') {
        return host(input).ok();
    }
    let (rest, name) =
        take_while1::<_, _, nom::error::Error<&str>>(|c: char| c.is_ascii_alphanumeric() || "-._".contains(c))(input)
            .ok()?;
    if name.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return name.parse().ok().map(|address| (rest, Host::Ipv4(address)));
    }
    Some((rest, Host::Name(name)))
}

fn reference_port(input: &str) -> Option<(&str, u16)> {
    map_res(digit1::<_, nom::error::Error<&str>>, str::parse::<u16>).parse(input).ok()
}

#[test]
fn the_hand_written_scanners_agree_with_the_parsers_they_replaced() {
    for sample in samples() {
        let sample = sample.as_str();
        for piece in sample.split(';') {
            assert_eq!(Param::parse(piece), reference_param(piece), "{piece:?}");
        }
        for separator in [b',', b';', b'<'] {
            assert_eq!(find_top_level(sample, separator), reference_find_top_level(sample, separator), "{sample:?}");
        }
        assert_eq!(scheme(sample).ok(), reference_scheme(sample).ok(), "{sample:?}");
        assert_eq!(host(sample).ok(), reference_host(sample), "{sample:?}");
        assert_eq!(port(sample).ok(), reference_port(sample), "{sample:?}");
    }
}
