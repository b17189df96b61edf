//! The lexical pieces of RFC 3261 §25 that every header grammar shares: token,
//! quoted-string, white space, and finding separators that are not inside a
//! quoted string or `<...>`.
//!
//! Header values reach these functions with folding already undone, so the only
//! white space left in them is SP and HTAB.

use std::borrow::Cow;

use nom::bytes::complete::{take_while, take_while1};
use nom::error::{Error, ErrorKind};
use nom::IResult;

/// True for the bytes of an RFC 3261 `token` (§25.1), all ASCII.
pub(crate) const fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~')
}

/// The [`ByteClass`] of the bytes for which the `const fn(u8) -> bool` is true,
/// built at compile time.
macro_rules! byte_class {
    ($member:path) => {{
        let mut table = [false; 256];
        let mut byte = 0;
        while byte < 256 {
            table[byte] = $member(byte as u8);
            byte += 1;
        }
        $crate::sip::lex::ByteClass::from_table(table)
    }};
}

pub(crate) use byte_class;

/// [`is_token_byte`] for every byte.
pub(crate) static TOKEN_BYTES: ByteClass = byte_class!(is_token_byte);

/// A set of bytes, looked up in a table.
pub(crate) struct ByteClass([bool; 256]);

impl ByteClass {
    /// The bytes whose entry in `table` is true.
    pub(crate) const fn from_table(table: [bool; 256]) -> ByteClass {
        ByteClass(table)
    }

    /// True when `byte` is in the set.
    pub(crate) fn contains(&self, byte: u8) -> bool {
        self.0.get(usize::from(byte)).is_some_and(|&member| member)
    }

    /// The length of the longest prefix of `bytes` in the set.
    pub(crate) fn prefix_len(&self, bytes: &[u8]) -> usize {
        bytes.iter().position(|&byte| !self.contains(byte)).unwrap_or(bytes.len())
    }
}

/// True for the characters of an RFC 3261 `token` (§25.1).
pub fn is_token_char(c: char) -> bool {
    u8::try_from(c).is_ok_and(|byte| TOKEN_BYTES.contains(byte))
}

/// True when `text` is a non-empty RFC 3261 `token`.
pub fn is_token(text: &str) -> bool {
    !text.is_empty() && TOKEN_BYTES.prefix_len(text.as_bytes()) == text.len()
}

/// A non-empty token at the start of `text`, and the text after it.
pub(crate) fn split_token(text: &str) -> Option<(&str, &str)> {
    let len = TOKEN_BYTES.prefix_len(text.as_bytes());
    Some((text.get(..len).filter(|token| !token.is_empty())?, text.get(len..)?))
}

/// Space or horizontal tab.
pub(crate) fn is_wsp(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// [`is_wsp`] for a byte.
fn is_wsp_byte(byte: &u8) -> bool {
    matches!(byte, b' ' | b'\t')
}

/// `text` without leading SP/HTAB.
pub(crate) fn trim_start_wsp(text: &str) -> &str {
    let start = text.as_bytes().iter().position(|byte| !is_wsp_byte(byte)).unwrap_or(text.len());
    text.get(start..).unwrap_or_default()
}

/// `text` without leading and trailing SP/HTAB.
pub(crate) fn trim_wsp(text: &str) -> &str {
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|byte| !is_wsp_byte(byte)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|byte| !is_wsp_byte(byte)).map_or(start, |last| last + 1);
    // SP and HTAB are ASCII, so both ends are char boundaries.
    text.get(start..end).unwrap_or_default()
}

/// A nom error at `input`, for the hand-written parsers below.
pub(crate) fn nom_error(input: &str, kind: ErrorKind) -> nom::Err<Error<&str>> {
    nom::Err::Error(Error::new(input, kind))
}

/// One RFC 3261 `token`.
pub(crate) fn token(input: &str) -> IResult<&str, &str> {
    take_while1(is_token_char)(input)
}

/// Optional white space (RFC 3261 `SWS`).
pub(crate) fn sws(input: &str) -> IResult<&str, &str> {
    take_while(is_wsp)(input)
}

/// Required white space (RFC 3261 `LWS`).
pub(crate) fn lws(input: &str) -> IResult<&str, &str> {
    take_while1(is_wsp)(input)
}

/// A `quoted-string`: returns its whole text, quotes included. A backslash
/// escapes the next character; CR and LF are refused; the closing quote is required.
pub(crate) fn quoted_string(input: &str) -> IResult<&str, &str> {
    let bytes = input.as_bytes();
    if bytes.first() != Some(&b'"') {
        return Err(nom_error(input, ErrorKind::Char));
    }
    let mut index = 1;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'"' => {
                return match (input.get(..=index), input.get(index + 1..)) {
                    (Some(quoted), Some(rest)) => Ok((rest, quoted)),
                    _ => Err(nom_error(input, ErrorKind::Char)),
                };
            }
            b'\r' | b'\n' => break,
            b'\\' => {
                if matches!(bytes.get(index + 1), None | Some(b'\r' | b'\n')) {
                    break;
                }
                index += 2;
            }
            _ => index += 1,
        }
    }
    Err(nom_error(input, ErrorKind::Char))
}

/// The contents of a quoted-string with the quotes removed and each quoted-pair
/// (`\x`) replaced by its character. Text that is not quoted comes back unchanged.
/// Borrows unless there was a backslash to resolve.
pub fn unquote(text: &str) -> Cow<'_, str> {
    let inner = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) => inner,
        None => return Cow::Borrowed(text),
    };
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The byte offset of the first `separator` in `text` that is neither inside a
/// quoted string nor inside `<...>`, or `text.len()` when there is none.
/// `separator` must be an ASCII byte, so the offset is a char boundary.
pub(crate) fn find_top_level(text: &str, separator: u8) -> usize {
    let bytes = text.as_bytes();
    let mut index = 0;
    while let Some(rest) = bytes.get(index..) {
        let Some(offset) = memchr::memchr3(separator, b'"', b'<', rest) else {
            break;
        };
        index += offset;
        index = match rest.get(offset).copied().unwrap_or(separator) {
            byte if byte == separator => return index,
            b'"' => after_quoted(bytes, index + 1),
            b'<' => memchr::memchr(b'>', bytes.get(index + 1..).unwrap_or_default())
                .map_or(bytes.len(), |end| index + end + 2),
            _ => index + 1,
        };
    }
    bytes.len()
}

/// The offset after the quote that closes a quoted string whose contents start at
/// `start` (a backslash escapes the next byte), or `bytes.len()` if none does.
fn after_quoted(bytes: &[u8], start: usize) -> usize {
    let mut index = start;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'\\' => index += 2,
            b'"' => return index + 1,
            _ => index += 1,
        }
    }
    bytes.len()
}

/// `text` split around the first `byte` (ASCII), which neither side keeps.
pub(crate) fn split_at_byte(text: &str, byte: u8) -> Option<(&str, &str)> {
    let index = memchr::memchr(byte, text.as_bytes())?;
    Some((text.get(..index)?, text.get(index + 1..)?))
}

/// The pieces of a text between top-level separators (see [`find_top_level`]),
/// untrimmed; a text without separators is one piece.
pub(crate) struct TopLevelSplit<'a> {
    rest: Option<&'a str>,
    separator: u8,
}

impl<'a> TopLevelSplit<'a> {
    pub(crate) fn new(text: &'a str, separator: u8) -> Self {
        TopLevelSplit { rest: Some(text), separator }
    }
}

impl<'a> Iterator for TopLevelSplit<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let end = find_top_level(rest, self.separator);
        self.rest = rest.get(end + 1..);
        rest.get(..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_characters_follow_rfc_3261() {
        assert!(is_token("!interesting-Method0123456789_*+`.%indeed'~"));
        for bad in ["", "a b", "a:b", "a;b", "a\"b", "a<b", "ä"] {
            assert!(!is_token(bad), "{bad:?}");
        }
    }

    #[test]
    fn quoted_string_handles_escaped_quotes_and_backslashes() {
        assert_eq!(quoted_string(r#""J Rosenberg \\\"" <sip:x>"#), Ok((" <sip:x>", r#""J Rosenberg \\\"""#)));
        assert_eq!(quoted_string(r#""a,b;c" rest"#), Ok((" rest", r#""a,b;c""#)));
        assert_eq!(quoted_string(r#""""#), Ok(("", r#""""#)));
    }

    #[test]
    fn unterminated_or_broken_quoted_strings_are_refused() {
        for bad in [r#""open"#, r#""ends in backslash\"#, r#""ends in escaped quote\""#, "\"a\rb\"", "no quote"] {
            assert!(quoted_string(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unquote_resolves_quoted_pairs_and_borrows_when_it_can() {
        assert_eq!(unquote(r#""J Rosenberg \\\"""#), r#"J Rosenberg \""#);
        assert!(matches!(unquote(r#""plain""#), Cow::Borrowed("plain")));
        assert!(matches!(unquote("token"), Cow::Borrowed("token")));
        assert_eq!(unquote(r#""trailing\""#), "trailing");
        assert_eq!(unquote(r#""unterminated\"#), r#""unterminated\"#);
        assert_eq!(unquote("\""), "\"");
    }

    #[test]
    fn top_level_split_ignores_separators_in_quotes_and_angle_brackets() {
        let value = r#""a, \"b\", c" <sip:x;y,z>;p="1,2", <sip:w>"#;
        let pieces: Vec<&str> = TopLevelSplit::new(value, b',').collect();
        assert_eq!(pieces, [r#""a, \"b\", c" <sip:x;y,z>;p="1,2""#, " <sip:w>"]);
        let params: Vec<&str> = TopLevelSplit::new(";a=1;b=\"x;y\"", b';').collect();
        assert_eq!(params, ["", "a=1", "b=\"x;y\""]);
        assert_eq!(TopLevelSplit::new("", b',').collect::<Vec<_>>(), [""]);
        assert_eq!(TopLevelSplit::new("a,", b',').collect::<Vec<_>>(), ["a", ""]);
    }

    #[test]
    fn unbalanced_quotes_and_brackets_never_split_or_panic() {
        assert_eq!(find_top_level("\"abc,def", b','), 8);
        assert_eq!(find_top_level("<abc,def", b','), 8);
        assert_eq!(find_top_level("\"\\", b','), 2);
        assert_eq!(find_top_level("\"é\\é\",x", b','), 7);
    }
}
