//! Writing SIP messages into a caller's buffer. Header injection is impossible:
//! no value with a line break (or NUL) is ever written, and Content-Length is
//! always computed from the body.

use std::fmt;
use std::io::Write as _;

use super::header::HeaderName;
use super::lex::is_token;
use super::method::Method;
use super::uri::Uri;

/// Why the writer refused something. The buffer is left as it was before the
/// refused call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteError {
    /// The value holds a forbidden character (always CR, LF and NUL; for
    /// [`MessageWriter::header`] every control character but HTAB).
    ForbiddenCharacter,
    /// The header name is not an RFC 3261 token.
    BadHeaderName,
    /// Content-Length is written by [`MessageWriter::finish`], never by hand.
    ContentLengthIsComputed,
    /// The method is not a token.
    BadMethod,
    /// The Request-URI does not parse as a URI.
    BadRequestUri,
    /// The status code is outside 100..=699.
    BadStatusCode,
    /// A `Display` value reported a formatting error.
    Format,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WriteError::ForbiddenCharacter => "value contains CR, LF, NUL or another control character",
            WriteError::BadHeaderName => "header name is not a token",
            WriteError::ContentLengthIsComputed => "Content-Length is computed from the body",
            WriteError::BadMethod => "method is not a token",
            WriteError::BadRequestUri => "Request-URI is not a URI",
            WriteError::BadStatusCode => "status code outside 100..=699",
            WriteError::Format => "formatting a value failed",
        })
    }
}

impl std::error::Error for WriteError {}

/// Which characters a value may not contain.
#[derive(Clone, Copy)]
enum Strictness {
    /// Text from the host or built here: no control character but HTAB.
    NoControls,
    /// Text copied from a parsed message: no CR, LF or NUL.
    NoLineBreaks,
}

impl Strictness {
    fn allows(self, text: &str) -> bool {
        match self {
            Strictness::NoControls => !text.chars().any(|c| c.is_control() && c != '\t'),
            Strictness::NoLineBreaks => !text.contains(['\r', '\n', '\0']),
        }
    }
}

/// Appends one message to a caller's `Vec<u8>`: the start line, then headers,
/// then [`finish`](MessageWriter::finish) writes Content-Length, the empty line
/// and the body. Lines end in CRLF. It allocates nothing beyond growing that
/// Vec. A writer dropped before `finish` removes what it wrote.
#[derive(Debug)]
pub struct MessageWriter<'b> {
    out: &'b mut Vec<u8>,
    message_start: usize,
    finished: bool,
}

impl<'b> MessageWriter<'b> {
    /// Starts a request: `METHOD request-uri SIP/2.0`.
    pub fn request(out: &'b mut Vec<u8>, method: Method<'_>, request_uri: &str) -> Result<Self, WriteError> {
        if !method.is_valid() {
            return Err(WriteError::BadMethod);
        }
        if Uri::parse(request_uri).is_err() {
            return Err(WriteError::BadRequestUri);
        }
        let mut writer = MessageWriter::new(out);
        writer.push(&[method.as_str().as_bytes(), b" ", request_uri.as_bytes(), b" SIP/2.0\r\n"]);
        Ok(writer)
    }

    /// Starts a response: `SIP/2.0 code reason`.
    pub fn response(out: &'b mut Vec<u8>, code: u16, reason: &str) -> Result<Self, WriteError> {
        if !(100..=699).contains(&code) {
            return Err(WriteError::BadStatusCode);
        }
        if !Strictness::NoControls.allows(reason) {
            return Err(WriteError::ForbiddenCharacter);
        }
        let mut writer = MessageWriter::new(out);
        writer.push_number(b"SIP/2.0 ", usize::from(code));
        writer.push(&[b" ", reason.as_bytes(), b"\r\n"]);
        Ok(writer)
    }

    fn new(out: &'b mut Vec<u8>) -> Self {
        let message_start = out.len();
        MessageWriter { out, message_start, finished: false }
    }

    /// Appends a header built by the host or the engine. Refuses any control
    /// character but HTAB in the value.
    pub fn header(&mut self, name: HeaderName<'_>, value: &str) -> Result<(), WriteError> {
        self.checked_header(name, value, Strictness::NoControls)
    }

    /// Appends a header value copied from a parsed message (From, To, Call-ID,
    /// CSeq, Via...), kept exactly as received; still refuses CR, LF and NUL.
    pub fn header_verbatim(&mut self, name: HeaderName<'_>, value: &str) -> Result<(), WriteError> {
        self.checked_header(name, value, Strictness::NoLineBreaks)
    }

    /// Appends a header whose value is formatted in place (for example a
    /// [`ResponseVia`](super::ResponseVia) or `format_args!`), with the checks of
    /// [`header`](MessageWriter::header).
    pub fn header_display(&mut self, name: HeaderName<'_>, value: impl fmt::Display) -> Result<(), WriteError> {
        check_name(name)?;
        let rollback = self.out.len();
        self.push(&[name.as_str().as_bytes(), b": "]);
        let value_start = self.out.len();
        let written = write!(self.out, "{value}");
        let value_ok = self.out.get(value_start..).and_then(|bytes| std::str::from_utf8(bytes).ok());
        let outcome = match (written, value_ok) {
            (Err(_), _) => Err(WriteError::Format),
            (Ok(()), Some(text)) if Strictness::NoControls.allows(text) => Ok(()),
            (Ok(()), _) => Err(WriteError::ForbiddenCharacter),
        };
        match outcome {
            Ok(()) => self.push(&[b"\r\n"]),
            Err(_) => self.out.truncate(rollback),
        }
        outcome
    }

    /// Writes `Content-Length` for `body`, the empty line and the body, and
    /// returns the length of the whole message.
    pub fn finish(mut self, body: &[u8]) -> usize {
        self.push_number(b"Content-Length: ", body.len());
        self.push(&[b"\r\n\r\n", body]);
        self.finished = true;
        self.out.len().saturating_sub(self.message_start)
    }

    fn checked_header(&mut self, name: HeaderName<'_>, value: &str, strictness: Strictness) -> Result<(), WriteError> {
        check_name(name)?;
        if !strictness.allows(value) {
            return Err(WriteError::ForbiddenCharacter);
        }
        self.push(&[name.as_str().as_bytes(), b": ", value.as_bytes(), b"\r\n"]);
        Ok(())
    }

    /// `prefix` and `number` in decimal.
    fn push_number(&mut self, prefix: &[u8], number: usize) {
        self.out.extend_from_slice(prefix);
        // io::Write for Vec<u8> cannot fail; it only grows the Vec.
        let _ = write!(self.out, "{number}");
    }

    fn push(&mut self, pieces: &[&[u8]]) {
        for piece in pieces {
            self.out.extend_from_slice(piece);
        }
    }
}

impl Drop for MessageWriter<'_> {
    /// An unfinished message is removed, so no half message is ever sent.
    fn drop(&mut self) {
        if !self.finished {
            self.out.truncate(self.message_start);
        }
    }
}

fn check_name(name: HeaderName<'_>) -> Result<(), WriteError> {
    if name == HeaderName::ContentLength {
        return Err(WriteError::ContentLengthIsComputed);
    }
    if !is_token(name.as_str()) {
        return Err(WriteError::BadHeaderName);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddrV4;

    use super::super::{parse, StartLine, Via};
    use super::*;

    #[test]
    fn a_response_round_trips_through_the_parser() {
        let subscribe_via = Via::parse("SIP/2.0/UDP 192.168.1.2:5080;branch=z9hG4bK1611133778;rport").unwrap();
        let source: SocketAddrV4 = "192.168.1.2:5080".parse().unwrap();
        let mut out = b"leftover".to_vec();
        let mut writer = MessageWriter::response(&mut out, 200, "OK").unwrap();
        writer.header_display(HeaderName::Via, subscribe_via.for_response(source)).unwrap();
        writer.header_verbatim(HeaderName::From, "<sip:MAC%3AC074AD112233@224.0.1.75>;tag=395400190").unwrap();
        writer
            .header_display(HeaderName::To, format_args!("<sip:MAC%3AC074AD112233@224.0.1.75>;tag={}", "abc"))
            .unwrap();
        writer.header_verbatim(HeaderName::CallId, "490431573-5080-1@BJC.BGI.IG.DA").unwrap();
        writer.header_verbatim(HeaderName::CSeq, "20000 SUBSCRIBE").unwrap();
        writer.header(HeaderName::Expires, "0").unwrap();
        let length = writer.finish(b"");
        assert_eq!(length, out.len() - 8);
        let text = std::str::from_utf8(&out[8..]).unwrap();
        assert_eq!(
            text,
            "SIP/2.0 200 OK\r\n\
             Via: SIP/2.0/UDP 192.168.1.2:5080;branch=z9hG4bK1611133778;rport=5080;received=192.168.1.2\r\n\
             From: <sip:MAC%3AC074AD112233@224.0.1.75>;tag=395400190\r\n\
             To: <sip:MAC%3AC074AD112233@224.0.1.75>;tag=abc\r\n\
             Call-ID: 490431573-5080-1@BJC.BGI.IG.DA\r\n\
             CSeq: 20000 SUBSCRIBE\r\n\
             Expires: 0\r\n\
             Content-Length: 0\r\n\r\n"
        );
        let message = parse(&out[8..]).unwrap();
        assert_eq!(message.status_code(), Some(200));
        assert_eq!(message.to().and_then(|to| to.tag()).as_deref(), Some("abc"));
        assert_eq!(message.vias().next().unwrap().unwrap().rport(), Some(Some(5080)));
    }

    #[test]
    fn a_notify_with_a_body_round_trips_through_the_parser() {
        let mut out = Vec::new();
        let mut writer = MessageWriter::request(&mut out, Method::Notify, "sip:192.168.1.2:5080").unwrap();
        writer.header(HeaderName::Event, "ua-profile").unwrap();
        writer.header(HeaderName::ContentType, "application/url").unwrap();
        writer.header(HeaderName::Other("X-Note"), "tab\tis fine").unwrap();
        writer.finish(b"http://192.168.1.10/gs/");
        let message = parse(&out).unwrap();
        assert_eq!(
            message.start,
            StartLine::Request { method: Method::Notify, uri: "sip:192.168.1.2:5080", version: "SIP/2.0" }
        );
        assert_eq!(message.body, b"http://192.168.1.10/gs/");
        assert_eq!(message.content_length(), Some(23));
        assert_eq!(message.header(HeaderName::Other("x-note")).as_deref(), Some("tab\tis fine"));
    }

    #[test]
    fn line_breaks_and_nul_are_refused_everywhere() {
        let mut out = Vec::new();
        let mut writer = MessageWriter::response(&mut out, 200, "OK").unwrap();
        for value in ["a\r\nVia: evil", "a\nb", "a\rb", "a\0b"] {
            assert_eq!(writer.header(HeaderName::Subject, value), Err(WriteError::ForbiddenCharacter));
            assert_eq!(writer.header_verbatim(HeaderName::Subject, value), Err(WriteError::ForbiddenCharacter));
            assert_eq!(writer.header_display(HeaderName::Subject, value), Err(WriteError::ForbiddenCharacter));
        }
        assert_eq!(writer.header(HeaderName::Subject, "bell\u{7}"), Err(WriteError::ForbiddenCharacter));
        assert_eq!(writer.header_verbatim(HeaderName::To, "\"bell\\\u{7}\" <sip:a@b>"), Ok(()));
        writer.finish(b"");
        assert_eq!(out, b"SIP/2.0 200 OK\r\nTo: \"bell\\\x07\" <sip:a@b>\r\nContent-Length: 0\r\n\r\n");
    }

    #[test]
    fn bad_names_start_lines_and_hand_written_content_length_are_refused() {
        let mut out = Vec::new();
        assert_eq!(
            MessageWriter::request(&mut out, Method::Other("BAD METHOD"), "sip:a").err(),
            Some(WriteError::BadMethod)
        );
        assert_eq!(MessageWriter::request(&mut out, Method::Notify, "sip:a b").err(), Some(WriteError::BadRequestUri));
        assert_eq!(
            MessageWriter::request(&mut out, Method::Notify, "sip:a\r\n").err(),
            Some(WriteError::BadRequestUri)
        );
        assert_eq!(MessageWriter::response(&mut out, 1000, "OK").err(), Some(WriteError::BadStatusCode));
        assert_eq!(MessageWriter::response(&mut out, 200, "O\r\nK").err(), Some(WriteError::ForbiddenCharacter));
        assert!(out.is_empty());
        let mut writer = MessageWriter::response(&mut out, 200, "OK").unwrap();
        assert_eq!(writer.header(HeaderName::Other("Bad: Name"), "x"), Err(WriteError::BadHeaderName));
        assert_eq!(writer.header(HeaderName::Other(""), "x"), Err(WriteError::BadHeaderName));
        assert_eq!(writer.header(HeaderName::ContentLength, "5"), Err(WriteError::ContentLengthIsComputed));
        assert_eq!(writer.header(HeaderName::Other("l"), "5"), Err(WriteError::ContentLengthIsComputed));
    }

    #[test]
    fn a_writer_dropped_before_finish_leaves_the_buffer_as_it_was() {
        let mut out = b"earlier message".to_vec();
        {
            let mut writer = MessageWriter::response(&mut out, 500, "Server Error").unwrap();
            writer.header(HeaderName::Expires, "0").unwrap();
        }
        assert_eq!(out, b"earlier message");
    }
}
