//! From one UDP datagram to a [`Message`]: start line, header section (with
//! folding undone), and the body framed by Content-Length.
//!
//! The parser reads each byte a bounded number of times, never recurses, and
//! stops at the [limits](super::limits); it returns an error, never panics.

use std::borrow::Cow;

use super::error::ParseError;
use super::header::{Header, HeaderName};
use super::header_list::HeaderList;
use super::lex::{is_wsp, split_token, trim_start_wsp, trim_wsp};
use super::limits::{MAX_DATAGRAM_LEN, MAX_HEADERS, MAX_LINE_LEN};
use super::lines::{Line, Lines};
use super::message::{Message, StartLine};
use super::start_line::start_line;

/// Parses one datagram. CRLF and bare LF line ends are both accepted, line ends
/// before the start line are skipped, and a header section that ends with the
/// datagram (after a complete line, without the empty line) is accepted with an
/// empty body. The body is the Content-Length bytes after the empty line: the
/// rest of the datagram without a Content-Length, an error if fewer bytes are
/// there, and any excess ignored.
pub fn parse(datagram: &[u8]) -> Result<Message<'_>, ParseError> {
    if datagram.len() > MAX_DATAGRAM_LEN {
        return Err(ParseError::DatagramTooLarge);
    }
    let mut lines = Lines::new(datagram);
    let start_line = loop {
        match lines.next_line()? {
            None => return Err(ParseError::MissingStartLine),
            Some(line) if line.bytes.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut message = Message::begin(parse_start_line(start_line)?);
    parse_header_section(&mut lines, message.header_list())?;
    let content_length = content_length(message.header_fields())?;
    let rest = lines.remaining();
    let body = match content_length {
        None => rest,
        Some(length) => rest.get(..length).ok_or(ParseError::BodyTooShort)?,
    };
    message.finish(content_length, body);
    Ok(message)
}

fn parse_start_line(line: Line<'_>) -> Result<StartLine<'_>, ParseError> {
    let line = match line.clean {
        Some(text) => text,
        None => std::str::from_utf8(line.bytes).map_err(|_| ParseError::NotUtf8StartLine)?,
    };
    start_line(line)
}

/// `name HCOLON value` on the first line of a field.
fn start_field<'a>(line: &Line<'a>) -> Result<Header<'a>, ParseError> {
    let text = header_text(line)?;
    // `token SWS ":"`: the name is a token, then optional white space, then the colon.
    let (name, after_name) = split_token(text).ok_or(ParseError::BadHeader)?;
    let value = trim_start_wsp(after_name).strip_prefix(':').ok_or(ParseError::BadHeader)?;
    Ok(Header { name: HeaderName::from_wire(name), value: Cow::Borrowed(trim_wsp(value)) })
}

/// Appends a continuation line to `field`, of which `length` bytes have been read
/// before it: the fold and the white space around it become one space.
fn continue_field<'a>(field: &mut Header<'a>, length: &mut usize, line: &Line<'a>) -> Result<(), ParseError> {
    *length = length.saturating_add(line.bytes.len());
    if *length > MAX_LINE_LEN {
        return Err(ParseError::LineTooLong);
    }
    let more = trim_wsp(header_text(line)?);
    if !more.is_empty() {
        let value = field.value.to_mut();
        if !value.is_empty() {
            value.push(' ');
        }
        value.push_str(more);
    }
    Ok(())
}

/// A header line as UTF-8 text; a CR inside it (not a line end) is refused.
fn header_text<'a>(line: &Line<'a>) -> Result<&'a str, ParseError> {
    if let Some(text) = line.clean {
        return Ok(text);
    }
    let text = std::str::from_utf8(line.bytes).map_err(|_| ParseError::NotUtf8Header)?;
    if text.contains('\r') {
        return Err(ParseError::BadHeader);
    }
    Ok(text)
}

/// Reads header lines up to and including the empty line (or the end of the datagram).
fn parse_header_section<'a>(lines: &mut Lines<'a>, headers: &mut HeaderList<'a>) -> Result<(), ParseError> {
    // The bytes read of the last field so far, continuation lines included.
    let mut length = 0;
    while let Some(line) = lines.next_line()? {
        if line.bytes.is_empty() {
            break;
        }
        if line.bytes.first().is_some_and(|&byte| is_wsp(char::from(byte))) {
            continue_field(headers.last_mut().ok_or(ParseError::BadHeader)?, &mut length, &line)?;
            continue;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(ParseError::TooManyHeaders);
        }
        headers.push(start_field(&line)?);
        length = line.bytes.len();
    }
    Ok(())
}

/// The Content-Length, if any. Several fields must agree.
fn content_length(headers: &[Header<'_>]) -> Result<Option<usize>, ParseError> {
    let mut found = None;
    // The parser maps every spelling of Content-Length to its named variant.
    for field in headers.iter().filter(|field| matches!(field.name, HeaderName::ContentLength)) {
        let digits = field.value.as_ref();
        if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(ParseError::BadContentLength);
        }
        let length = digits.parse::<usize>().map_err(|_| ParseError::BadContentLength)?;
        if found.is_some_and(|earlier| earlier != length) {
            return Err(ParseError::ConflictingContentLength);
        }
        found = Some(length);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::super::method::Method;
    use super::*;

    const SUBSCRIBE: &str = "SUBSCRIBE sip:MAC%3AC074AD112233@224.0.1.75 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 192.168.1.2:5080;branch=z9hG4bK1611133778;rport\r\n\
        Call-ID: 490431573-5080-1@BJC.BGI.IG.DA\r\n\
        CSeq: 20000 SUBSCRIBE\r\n\
        Content-Length: 0\r\n\
        \r\n";

    #[test]
    fn crlf_and_bare_lf_give_the_same_message() {
        let crlf = parse(SUBSCRIBE.as_bytes()).unwrap();
        let lf_text = SUBSCRIBE.replace("\r\n", "\n");
        let lf = parse(lf_text.as_bytes()).unwrap();
        assert_eq!(crlf, lf);
        assert_eq!(crlf.method(), Some(Method::Subscribe));
        assert_eq!(crlf.call_id().as_deref(), Some("490431573-5080-1@BJC.BGI.IG.DA"));
        assert_eq!(crlf.content_length(), Some(0));
        assert!(crlf.body.is_empty());
    }

    #[test]
    fn folded_lines_become_one_space_and_unfolded_values_borrow() {
        let datagram = b"OPTIONS sip:a@b SIP/2.0\r\nSubject:  first  \r\n \t second\r\n\tthird\r\nCall-ID: x\r\n\r\n";
        let message = parse(datagram).unwrap();
        let subject = message.header(HeaderName::Subject).unwrap();
        assert_eq!(subject, "first second third");
        assert!(matches!(subject, Cow::Owned(_)));
        assert!(matches!(message.call_id(), Some(Cow::Borrowed("x"))));
        let empty_first = parse(b"OPTIONS sip:a@b SIP/2.0\nTo:\n sip:a@b\n\n").unwrap();
        assert_eq!(empty_first.header(HeaderName::To).as_deref(), Some("sip:a@b"));
    }

    #[test]
    fn compact_and_odd_case_names_are_found() {
        let datagram = b"OPTIONS sip:a@b SIP/2.0\r\ni: call\r\nl: 0\r\nO: ua-profile\r\nMaX-fOrWaRdS: 70\r\n\r\n";
        let message = parse(datagram).unwrap();
        assert_eq!(message.call_id().as_deref(), Some("call"));
        assert_eq!(message.content_length(), Some(0));
        assert_eq!(message.event().map(|event| event.package), Some("ua-profile"));
        assert_eq!(message.header(HeaderName::MaxForwards).as_deref(), Some("70"));
    }

    #[test]
    fn the_body_is_framed_by_content_length() {
        let with =
            |length: &str, body: &str| format!("NOTIFY sip:a@b SIP/2.0\r\nContent-Length: {length}\r\n\r\n{body}");
        let shorter = with("5", "hello world");
        assert_eq!(parse(shorter.as_bytes()).unwrap().body, b"hello");
        let exact = with("11", "hello world");
        assert_eq!(parse(exact.as_bytes()).unwrap().body, b"hello world");
        let longer = with("12", "hello world");
        assert_eq!(parse(longer.as_bytes()), Err(ParseError::BodyTooShort));
        let missing = "NOTIFY sip:a@b SIP/2.0\r\n\r\nhello\r\n";
        assert_eq!(parse(missing.as_bytes()).unwrap().body, b"hello\r\n");
        let huge = with("99999999999999999999999999", "x");
        assert_eq!(parse(huge.as_bytes()), Err(ParseError::BadContentLength));
        for bad in ["-1", "", "1 2", "0x10"] {
            assert_eq!(parse(with(bad, "").as_bytes()), Err(ParseError::BadContentLength), "{bad:?}");
        }
    }

    #[test]
    fn repeated_content_lengths_must_agree() {
        let same = b"OPTIONS sip:a@b SIP/2.0\r\nl: 2\r\nContent-Length: 2\r\n\r\nabc";
        assert_eq!(parse(same).unwrap().body, b"ab");
        let different = b"OPTIONS sip:a@b SIP/2.0\r\nl: 2\r\nContent-Length: 3\r\n\r\nabc";
        assert_eq!(parse(different), Err(ParseError::ConflictingContentLength));
    }

    #[test]
    fn leading_line_ends_are_skipped_and_a_missing_empty_line_is_tolerated() {
        let message = parse(b"\r\n\nSIP/2.0 200 OK\r\nCSeq: 1 NOTIFY\r\n").unwrap();
        assert_eq!(message.status_code(), Some(200));
        assert_eq!(message.cseq().map(|cseq| cseq.number), Some(1));
        assert!(message.body.is_empty());
    }

    #[test]
    fn start_lines_are_checked() {
        for (line, expected) in [
            ("", ParseError::MissingStartLine),
            ("\r\n\r\n", ParseError::MissingStartLine),
            ("SUBSCRIBE sip:a@b SIP/2.0", ParseError::Truncated),
            ("SUBSCRIBE  sip:a@b SIP/2.0\r\n", ParseError::BadStartLine),
            ("SUBSCRIBE sip:a@b SIP/2.0 \r\n", ParseError::BadStartLine),
            ("SUBSCRIBE sip:a@b; lr SIP/2.0\r\n", ParseError::BadStartLine),
            ("SUBSCRIBE <sip:a@b> SIP/2.0\r\n", ParseError::BadStartLine),
            ("SUBSCRIBE sip:a@b\r\n", ParseError::BadStartLine),
            ("SUBSCRIBE sip:a@b HTTP/1.1\r\n", ParseError::BadStartLine),
            ("SIP/2.0 4294967301 Huge\r\n", ParseError::BadStartLine),
            ("SIP/2.0 099 Low\r\n", ParseError::BadStartLine),
            ("SIP/2.0 20 OK\r\n", ParseError::BadStartLine),
            ("SIP/2.0 200 O\u{1}K\r\n", ParseError::BadStartLine),
            ("GET / HTTP/1.1\r\n", ParseError::BadStartLine),
        ] {
            assert_eq!(parse(line.as_bytes()), Err(expected), "{line:?}");
        }
        assert_eq!(parse(b"SUBSCRIBE sip:\xff SIP/2.0\r\n\r\n"), Err(ParseError::NotUtf8StartLine));
    }

    #[test]
    fn status_lines_keep_version_code_and_reason() {
        let message = parse(b"SIP/2.0 100 \r\n\r\n").unwrap();
        assert_eq!(message.start, StartLine::Response { version: "SIP/2.0", code: 100, reason: "" });
        let message = parse(b"sip/2.0 202 Accepted subscription\r\n\r\n").unwrap();
        assert_eq!(
            message.start,
            StartLine::Response { version: "sip/2.0", code: 202, reason: "Accepted subscription" }
        );
        assert_eq!(parse(b"SIP/2.0 200\r\n\r\n").unwrap().status_code(), Some(200));
    }

    #[test]
    fn header_lines_are_checked() {
        let with = |header: &[u8]| [b"OPTIONS sip:a@b SIP/2.0\r\n".as_slice(), header, b"\r\n\r\n"].concat();
        assert_eq!(parse(&with(b"no colon here")), Err(ParseError::BadHeader));
        assert_eq!(parse(&with(b": no name")), Err(ParseError::BadHeader));
        assert_eq!(parse(&with(b"Bad Name: x")), Err(ParseError::BadHeader));
        assert_eq!(parse(&with(b"X: a\rb")), Err(ParseError::BadHeader));
        assert_eq!(parse(&with(b"X: \xc3\x28")), Err(ParseError::NotUtf8Header));
        assert_eq!(parse(&with(b" orphan continuation")), Err(ParseError::BadHeader));
        assert_eq!(parse(b"OPTIONS sip:a@b SIP/2.0\r\nX: cut"), Err(ParseError::Truncated));
        assert_eq!(parse(b"OPTIONS sip:a@b SIP/2.0\r\nX: cut\r"), Err(ParseError::Truncated));
        assert!(parse(&with(b"X: \"\\\0 NUL in a quoted pair\"")).is_ok());
    }

    #[test]
    fn limits_are_enforced() {
        assert_eq!(parse(&vec![b'a'; MAX_DATAGRAM_LEN + 1]), Err(ParseError::DatagramTooLarge));
        let long_line = format!("OPTIONS sip:a@b SIP/2.0\r\nX: {}\r\n\r\n", "a".repeat(MAX_LINE_LEN));
        assert_eq!(parse(long_line.as_bytes()), Err(ParseError::LineTooLong));
        let long_fold =
            format!("OPTIONS sip:a@b SIP/2.0\r\nY: a\r\n{}\r\n", " bbbbbbbbbb\r\n".repeat(MAX_LINE_LEN / 10));
        assert_eq!(parse(long_fold.as_bytes()), Err(ParseError::LineTooLong));
        let at_limit = format!("OPTIONS sip:a@b SIP/2.0\r\n{}\r\n", "X: y\r\n".repeat(MAX_HEADERS));
        assert_eq!(parse(at_limit.as_bytes()).unwrap().header_fields().len(), MAX_HEADERS);
        let over_limit = format!("OPTIONS sip:a@b SIP/2.0\r\n{}\r\n", "X: y\r\n".repeat(MAX_HEADERS + 1));
        assert_eq!(parse(over_limit.as_bytes()), Err(ParseError::TooManyHeaders));
    }
}
