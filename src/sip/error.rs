//! Why a datagram, or one header value in it, is not SIP we can read.

use std::fmt;

use super::limits::{MAX_DATAGRAM_LEN, MAX_HEADERS, MAX_LINE_LEN};

/// What was wrong with a datagram or a header value. Each variant names the
/// first problem found; the `Display` text says it in words, for logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseError {
    /// The datagram is longer than [`MAX_DATAGRAM_LEN`].
    DatagramTooLarge,
    /// The datagram is empty or holds only line ends.
    MissingStartLine,
    /// The start line is not UTF-8.
    NotUtf8StartLine,
    /// The start line is neither `Method SP Request-URI SP SIP-Version`
    /// nor `SIP-Version SP Status-Code SP Reason-Phrase`.
    BadStartLine,
    /// A start line or header (continuation lines included) is longer than [`MAX_LINE_LEN`].
    LineTooLong,
    /// The datagram ends in the middle of a line of the start line or header section.
    Truncated,
    /// A header line is not UTF-8.
    NotUtf8Header,
    /// A header line is not `name: value`, or a continuation line has nothing to continue.
    BadHeader,
    /// The message has more than [`MAX_HEADERS`] header fields.
    TooManyHeaders,
    /// A Content-Length value is not a decimal number.
    BadContentLength,
    /// Two Content-Length headers disagree, so the body cannot be framed.
    ConflictingContentLength,
    /// Content-Length says there are more body bytes than the datagram holds.
    BodyTooShort,
    /// A URI does not follow the SIP URI grammar (or, for other schemes, `scheme:rest`).
    BadUri,
    /// A From/To/Contact-style value is not a name-addr or addr-spec with parameters.
    BadNameAddr,
    /// A Via value is not `SIP/2.0/transport host[:port];params`.
    BadVia,
    /// A `;name=value` parameter list is malformed.
    BadParams,
    /// A CSeq value is not `number method` with a 32-bit number.
    BadCSeq,
    /// An Event value is not `package;params`.
    BadEvent,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::DatagramTooLarge => {
                write!(f, "datagram longer than {MAX_DATAGRAM_LEN} bytes")
            }
            ParseError::MissingStartLine => f.write_str("no start line (empty datagram)"),
            ParseError::NotUtf8StartLine => f.write_str("start line is not UTF-8"),
            ParseError::BadStartLine => f.write_str("start line is neither a SIP request line nor a status line"),
            ParseError::LineTooLong => {
                write!(f, "start line or header longer than {MAX_LINE_LEN} bytes")
            }
            ParseError::Truncated => f.write_str("datagram ends in the middle of a line"),
            ParseError::NotUtf8Header => f.write_str("header line is not UTF-8"),
            ParseError::BadHeader => f.write_str("header line is not 'name: value'"),
            ParseError::TooManyHeaders => write!(f, "more than {MAX_HEADERS} header fields"),
            ParseError::BadContentLength => f.write_str("Content-Length is not a decimal number"),
            ParseError::ConflictingContentLength => f.write_str("Content-Length headers disagree"),
            ParseError::BodyTooShort => f.write_str("body shorter than Content-Length"),
            ParseError::BadUri => f.write_str("malformed URI"),
            ParseError::BadNameAddr => f.write_str("malformed name-addr (From/To/Contact value)"),
            ParseError::BadVia => f.write_str("malformed Via value"),
            ParseError::BadParams => f.write_str("malformed ;name=value parameters"),
            ParseError::BadCSeq => f.write_str("malformed CSeq value"),
            ParseError::BadEvent => f.write_str("malformed Event value"),
        }
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_says_what_was_wrong() {
        assert_eq!(ParseError::TooManyHeaders.to_string(), format!("more than {MAX_HEADERS} header fields"));
        assert_eq!(ParseError::BodyTooShort.to_string(), "body shorter than Content-Length");
    }
}
