//! `;name=value` parameter lists, as they follow a Via, a name-addr, an Event
//! value or the host of a SIP URI.

use std::borrow::Cow;

use super::error::ParseError;
use super::lex::{
    byte_class, is_token_byte, quoted_string, trim_start_wsp, trim_wsp, unquote, ByteClass, TopLevelSplit,
};
use super::simple_params::each_simple;

/// Bytes of a parameter name: RFC 3261 `token`, plus what URI `paramchar`
/// allows (`[ ] / : & $ ( )`), so one type serves header and URI parameters.
const fn is_name_byte(byte: u8) -> bool {
    is_token_byte(byte) || matches!(byte, b'[' | b']' | b'/' | b':' | b'&' | b'$' | b'(' | b')')
}

/// Bytes of an unquoted parameter value: visible ASCII except the separators
/// `;` `,`, the quote and angle brackets.
const fn is_plain_value_byte(byte: u8) -> bool {
    byte.is_ascii_graphic() && !matches!(byte, b';' | b',' | b'"' | b'<' | b'>')
}

/// [`is_name_byte`] for every byte.
pub(super) static NAME_BYTES: ByteClass = byte_class!(is_name_byte);
/// [`is_plain_value_byte`] for every byte.
pub(super) static PLAIN_VALUE_BYTES: ByteClass = byte_class!(is_plain_value_byte);

/// One parameter: its name as sent and its raw value (quotes kept), if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// The name as sent (compare case-insensitively).
    pub name: &'a str,
    /// The value as sent: a token, a host, or a quoted-string with its quotes.
    pub value: Option<&'a str>,
}

impl<'a> Param<'a> {
    /// The value with quotes stripped and quoted-pairs resolved.
    pub fn value_unquoted(&self) -> Option<Cow<'a, str>> {
        self.value.map(unquote)
    }

    /// Reads one trimmed `name [SWS "=" SWS value]` piece, the value a quoted-string
    /// or plain value bytes; `None` if it is malformed.
    pub(super) fn parse(piece: &'a str) -> Option<Param<'a>> {
        let piece = trim_wsp(piece);
        let name_len = NAME_BYTES.prefix_len(piece.as_bytes());
        let (name, rest) = (piece.get(..name_len).filter(|name| !name.is_empty())?, piece.get(name_len..)?);
        if rest.is_empty() {
            return Some(Param { name, value: None });
        }
        let value = trim_start_wsp(trim_start_wsp(rest).strip_prefix('=')?);
        let valid = if value.starts_with('"') {
            quoted_string(value).is_ok_and(|(after, _)| after.is_empty())
        } else {
            !value.is_empty() && PLAIN_VALUE_BYTES.prefix_len(value.as_bytes()) == value.len()
        };
        valid.then_some(Param { name, value: Some(value) })
    }
}

/// A checked parameter list: empty, or `;name[=value]` repeated, with optional
/// white space around `;` and `=`. Lookups are by name, case-insensitive; the
/// first occurrence wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params<'a> {
    raw: &'a str,
}

impl<'a> Params<'a> {
    /// Checks that `raw` is empty (or white space) or starts with `;` and that
    /// every parameter is well formed: no empty `;;`, no `name=` without a value,
    /// quoted strings closed.
    pub fn parse(raw: &'a str) -> Result<Params<'a>, ParseError> {
        Params::parse_usual(raw).map_or_else(|| Params::parse_full(raw), Ok)
    }

    /// The list when it has the usual shape: `;name`, `;name=plain` or
    /// `;name="quoted"` repeated, with no white space (see [`each_simple`]).
    pub(super) fn parse_usual(raw: &'a str) -> Option<Params<'a>> {
        Params::parse_usual_visiting(raw, |_| {})
    }

    /// [`Params::parse_usual`], showing `visit` each parameter of a list it accepts.
    pub(super) fn parse_usual_visiting(raw: &'a str, visit: impl FnMut(Param<'a>)) -> Option<Params<'a>> {
        each_simple(raw, visit).then_some(Params { raw })
    }

    /// [`Params::parse`] by the whole grammar, white space included.
    pub(super) fn parse_full(raw: &'a str) -> Result<Params<'a>, ParseError> {
        let mut pieces = TopLevelSplit::new(raw, b';');
        if pieces.next().is_some_and(|before_first| !trim_wsp(before_first).is_empty()) {
            return Err(ParseError::BadParams);
        }
        if pieces.all(|piece| Param::parse(piece).is_some()) {
            Ok(Params { raw })
        } else {
            Err(ParseError::BadParams)
        }
    }

    /// The list as sent, leading `;` included (empty when there are no parameters).
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// True when there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The parameters in the order sent.
    pub fn iter(&self) -> impl Iterator<Item = Param<'a>> + 'a {
        TopLevelSplit::new(self.raw, b';').skip(1).filter_map(Param::parse)
    }

    /// The first parameter called `name` (any case).
    pub fn get(&self, name: &str) -> Option<Param<'a>> {
        // A piece's parameter name is its leading name bytes, so only the pieces whose
        // leading name bytes are `name` need parsing.
        let named = |piece: &&str| {
            let piece = trim_start_wsp(piece);
            piece.get(..NAME_BYTES.prefix_len(piece.as_bytes())).is_some_and(|found| found.eq_ignore_ascii_case(name))
        };
        TopLevelSplit::new(self.raw, b';').skip(1).filter(named).find_map(Param::parse)
    }

    /// True when a parameter called `name` is present, with or without a value.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The unquoted value of the first parameter called `name`, if it has one.
    pub fn value(&self, name: &str) -> Option<Cow<'a, str>> {
        self.get(name).and_then(|param| param.value_unquoted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_tokens_hosts_or_quoted_strings() {
        let params =
            Params::parse(r#";branch=z9hG4bK1;rport;received=2001:db8::1;vendor="Grand\"stream";q = 0.33"#).unwrap();
        assert_eq!(params.value("branch").as_deref(), Some("z9hG4bK1"));
        assert_eq!(params.get("rport"), Some(Param { name: "rport", value: None }));
        assert_eq!(params.value("received").as_deref(), Some("2001:db8::1"));
        assert_eq!(params.value("VENDOR").as_deref(), Some("Grand\"stream"));
        assert_eq!(params.value("q").as_deref(), Some("0.33"));
        assert_eq!(params.iter().count(), 5);
        assert!(params.contains("RPort") && !params.contains("tag"));
    }

    #[test]
    fn quoted_values_may_hold_separators() {
        let params = Params::parse(r#";a="x;y,z";b=2"#).unwrap();
        assert_eq!(params.value("a").as_deref(), Some("x;y,z"));
        assert_eq!(params.value("b").as_deref(), Some("2"));
    }

    #[test]
    fn the_first_occurrence_wins() {
        let params = Params::parse(";tag=1;TAG=2").unwrap();
        assert_eq!(params.value("tag").as_deref(), Some("1"));
    }

    #[test]
    fn empty_and_white_space_lists_have_no_parameters() {
        for raw in ["", "  "] {
            let params = Params::parse(raw).unwrap();
            assert!(params.is_empty() && params.get("x").is_none());
        }
    }

    #[test]
    fn uri_style_names_with_escapes_are_accepted() {
        let params = Params::parse(";%6C%72;n%61me=v%61lue%25%34%31").unwrap();
        assert!(params.contains("%6C%72"));
        assert_eq!(params.value("n%61me").as_deref(), Some("v%61lue%25%34%31"));
    }

    #[test]
    fn malformed_lists_are_refused() {
        for raw in [";;", ";a;;b", ";a=", ";=b", "x;a", ";a=\"open", ";a=\"x\"y", ";a b", ";a=b c", ";a=<b>"] {
            assert_eq!(Params::parse(raw), Err(ParseError::BadParams), "{raw:?}");
        }
    }
}
