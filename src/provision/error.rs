//! Why a profile, a value or a render was refused.

use std::fmt;

/// Why a profile, a value or a render was refused.
///
/// Each variant corresponds to one C status (`GSPNP_STATUS_INVALID_MAC`,
/// `..._VALUE_TOO_LONG`, `..._CONTROL_CHARACTER`, `..._UNKNOWN_CODEC`,
/// `..._UNKNOWN_KEY_MODE`, `..._LIMIT_EXCEEDED`, `..._UNKNOWN_SETTING`,
/// `..._UNKNOWN_MODEL`, `..._INVALID_ARGUMENT`). Messages name the field and the offending
/// value or limit, but never the value of a secret: passwords are described by their
/// length or by the position of a bad character only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProvisionError {
    /// The text is not a MAC address.
    InvalidMac {
        /// The text as given (shortened and escaped).
        text: String,
    },
    /// A value is longer than the phone accepts.
    ValueTooLong {
        /// Which value, e.g. "account 2 SIP server".
        field: String,
        /// Its length in characters.
        length: usize,
        /// The most characters the field takes.
        limit: usize,
    },
    /// A value contains a control character (C0, DEL, C1, including CR, LF, NUL and tab)
    /// or a character XML cannot carry (U+FFFE, U+FFFF).
    ControlCharacter {
        /// Which value.
        field: String,
        /// The offending character's code point.
        code_point: u32,
        /// Its position, counted in characters from 1.
        position: usize,
    },
    /// A codec name gspnp does not know.
    UnknownCodec {
        /// The name as given (shortened and escaped).
        name: String,
    },
    /// A key mode name gspnp does not know.
    UnknownKeyMode {
        /// The name as given (shortened and escaped).
        name: String,
    },
    /// More accounts or keys than the phone (or the file format) has.
    LimitExceeded {
        /// What exceeds which limit, e.g. "GRP2612 has 2 accounts; the profile uses 3".
        message: String,
    },
    /// A raw setting name that is neither a P-number nor a usable alias, or one the
    /// chosen file format cannot express.
    UnknownSetting {
        /// The name as given (shortened and escaped).
        name: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A phone model gspnp does not know, where a known model is required.
    UnknownModel {
        /// The model as given (shortened and escaped).
        model: String,
    },
    /// Any other unusable argument; the message says which and why.
    InvalidArgument {
        /// What is wrong.
        message: String,
    },
}

impl ProvisionError {
    /// The same error, with `context` (e.g. "account 2") put before the field or message.
    pub(crate) fn within(self, context: &str) -> ProvisionError {
        use ProvisionError::*;
        match self {
            ValueTooLong { field, length, limit } => {
                ValueTooLong { field: format!("{context} {field}"), length, limit }
            }
            ControlCharacter { field, code_point, position } => {
                ControlCharacter { field: format!("{context} {field}"), code_point, position }
            }
            LimitExceeded { message } => LimitExceeded { message: format!("{context}: {message}") },
            InvalidArgument { message } => InvalidArgument { message: format!("{context}: {message}") },
            other => other,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> ProvisionError {
        ProvisionError::InvalidArgument { message: message.into() }
    }

    pub(crate) fn limit(message: impl Into<String>) -> ProvisionError {
        ProvisionError::LimitExceeded { message: message.into() }
    }
}

impl fmt::Display for ProvisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ProvisionError::*;
        match self {
            InvalidMac { text } => {
                write!(f, "{text} is not a MAC address (want 12 hex digits, optionally separated by ':' or '-')")
            }
            ValueTooLong { field, length, limit } => {
                write!(f, "{field} is {length} characters long; the phone accepts at most {limit}")
            }
            ControlCharacter { field, code_point, position } => {
                write!(f, "{field} contains the control character U+{code_point:04X} at character {position}")
            }
            UnknownCodec { name } => {
                write!(f, "unknown codec {name} (known: PCMU, PCMA, G.722, G.729A/B, G.726-32, G.723.1, iLBC, OPUS)")
            }
            UnknownKeyMode { name } => write!(f, "unknown key mode {name}"),
            LimitExceeded { message } | InvalidArgument { message } => f.write_str(message),
            UnknownSetting { name, reason } => write!(f, "setting {name}: {reason}"),
            UnknownModel { model } => write!(f, "unknown phone model {model}"),
        }
    }
}

impl std::error::Error for ProvisionError {}

/// User-supplied text as it may appear in a message: quoted, escaped, and cut to 64
/// characters so that a hostile value cannot flood a log. Never use it for secrets.
pub(crate) fn shown(text: &str) -> String {
    const MOST: usize = 64;
    let mut shortened: String = text.chars().take(MOST).collect();
    if text.chars().nth(MOST).is_some() {
        shortened.push('…');
    }
    format!("{shortened:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_quotes_escapes_and_shortens() {
        assert_eq!(shown("a\nb"), "\"a\\nb\"");
        let long = "x".repeat(100);
        assert_eq!(shown(&long).chars().count(), 64 + 3);
    }

    #[test]
    fn context_goes_before_the_field() {
        let error = ProvisionError::ValueTooLong { field: "SIP server".into(), length: 300, limit: 256 };
        assert_eq!(
            error.within("account 2").to_string(),
            "account 2 SIP server is 300 characters long; the phone accepts at most 256"
        );
    }
}
