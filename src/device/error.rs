//! Why a datagram is not a ua-profile SUBSCRIBE we can use.

use std::fmt;

use crate::sip::ParseError;

/// Why [`decode_subscribe`](super::decode_subscribe) or
/// [`decode_datagram`](super::decode_datagram) found no device. The variants
/// are distinct so that a server can count why it stayed silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecodeError {
    /// The datagram is not a SIP message.
    Parse(ParseError),
    /// A response, or a request other than SUBSCRIBE.
    NotSubscribe,
    /// A SUBSCRIBE whose Event package is not `ua-profile` (or that has no usable Event).
    NotUaProfile,
    /// No MAC address in the Request-URI, From or To user part.
    NoMac,
    /// A required header (Call-ID, CSeq, From, To, Via) is absent or unusable
    /// (malformed, or a CSeq that does not say SUBSCRIBE).
    MissingHeader(&'static str),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Parse(error) => write!(f, "not SIP: {error}"),
            DecodeError::NotSubscribe => f.write_str("not a SUBSCRIBE request"),
            DecodeError::NotUaProfile => f.write_str("SUBSCRIBE for an event package other than ua-profile"),
            DecodeError::NoMac => f.write_str("no MAC address in the Request-URI, From or To"),
            DecodeError::MissingHeader(name) => write!(f, "missing or malformed {name} header"),
        }
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DecodeError::Parse(error) => Some(error),
            _ => None,
        }
    }
}

impl From<ParseError> for DecodeError {
    fn from(error: ParseError) -> Self {
        DecodeError::Parse(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_reason() {
        assert_eq!(DecodeError::MissingHeader("Call-ID").to_string(), "missing or malformed Call-ID header");
        assert_eq!(
            DecodeError::from(ParseError::BadStartLine).to_string(),
            format!("not SIP: {}", ParseError::BadStartLine)
        );
    }
}
