//! From/To/Contact-style values: `[display-name] <URI>;params` or the bare
//! addr-spec form `URI;params` (RFC 3261 §20.10, §25.1).

use std::borrow::Cow;

use super::error::ParseError;
use super::lex::{find_top_level, is_token, is_wsp, quoted_string, split_at_byte, trim_wsp, unquote};
use super::params::Params;
use super::uri::Uri;

/// One name-addr or addr-spec value with its header parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameAddr<'a> {
    /// The display name as sent: a quoted-string with its quotes, or tokens.
    pub display_name: Option<&'a str>,
    /// The URI.
    pub uri: Uri<'a>,
    /// True when the URI was written in `<...>`.
    pub bracketed: bool,
    /// The header parameters (`;tag=...`). In the addr-spec form everything after
    /// the first `;` is a header parameter, never a URI parameter (RFC 3261 §20.10).
    pub params: Params<'a>,
    /// The whole value as sent (trimmed), for copying into replies.
    pub raw: &'a str,
}

impl<'a> NameAddr<'a> {
    /// Parses one value (one list item for Contact).
    pub fn parse(value: &'a str) -> Result<NameAddr<'a>, ParseError> {
        let raw = trim_wsp(value);
        let (display_name, bracketed_part) = if raw.starts_with('"') {
            let (rest, quoted) = quoted_string(raw).map_err(|_| ParseError::BadNameAddr)?;
            (Some(quoted), rest.trim_start_matches(is_wsp))
        } else if raw.starts_with('<') {
            // No display name: what the search below finds at once.
            (None, raw)
        } else {
            let open = find_top_level(raw, b'<');
            match (raw.get(..open), raw.get(open..)) {
                (Some(before), Some(from_open)) if !from_open.is_empty() => {
                    let display = trim_wsp(before);
                    if !display.split(is_wsp).filter(|word| !word.is_empty()).all(is_token) {
                        return Err(ParseError::BadNameAddr);
                    }
                    ((!display.is_empty()).then_some(display), from_open)
                }
                _ => return NameAddr::parse_addr_spec(raw),
            }
        };
        let inside_and_after = bracketed_part.strip_prefix('<').ok_or(ParseError::BadNameAddr)?;
        let (uri_text, after) = split_at_byte(inside_and_after, b'>').ok_or(ParseError::BadNameAddr)?;
        let uri = Uri::parse(uri_text).map_err(|_| ParseError::BadNameAddr)?;
        let params = Params::parse(after).map_err(|_| ParseError::BadNameAddr)?;
        Ok(NameAddr { display_name, uri, bracketed: true, params, raw })
    }

    /// As [`NameAddr::parse`], and also a bracketed `sip:`/`sips:` URI with no host
    /// (`<sip:MAC%3a00135E874B49>;tag=…`, as some snom firmware writes From), which is
    /// kept as [`Uri::Other`] with its text as sent. Only for reading what a phone says
    /// about itself: such a URI is never a destination.
    pub fn parse_hostless(value: &'a str) -> Result<NameAddr<'a>, ParseError> {
        if let Ok(parsed) = NameAddr::parse(value) {
            return Ok(parsed);
        }
        let raw = trim_wsp(value);
        let inside_and_after = raw.strip_prefix('<').ok_or(ParseError::BadNameAddr)?;
        let (uri_text, after) = split_at_byte(inside_and_after, b'>').ok_or(ParseError::BadNameAddr)?;
        let (scheme, rest) = split_at_byte(uri_text, b':').ok_or(ParseError::BadNameAddr)?;
        let hostless = (scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips"))
            && !rest.is_empty()
            && !rest.contains('@')
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b"%-_.!~*'()&=+$,;?/:".contains(&b));
        if !hostless {
            return Err(ParseError::BadNameAddr);
        }
        let params = Params::parse(after).map_err(|_| ParseError::BadNameAddr)?;
        let uri = Uri::Other(super::uri::OtherUri { scheme, raw: uri_text });
        Ok(NameAddr { display_name: None, uri, bracketed: true, params, raw })
    }

    /// `URI;params` without brackets. Such a URI may not contain `?` (RFC 3261 §20).
    fn parse_addr_spec(raw: &'a str) -> Result<NameAddr<'a>, ParseError> {
        let (uri_text, params_text) = match raw.find(';') {
            Some(semicolon) => (raw.get(..semicolon).unwrap_or(""), raw.get(semicolon..).unwrap_or("")),
            None => (raw, ""),
        };
        let uri_text = trim_wsp(uri_text);
        if uri_text.contains('?') {
            return Err(ParseError::BadNameAddr);
        }
        let uri = Uri::parse(uri_text).map_err(|_| ParseError::BadNameAddr)?;
        let params = Params::parse(params_text).map_err(|_| ParseError::BadNameAddr)?;
        Ok(NameAddr { display_name: None, uri, bracketed: false, params, raw })
    }

    /// The display name with quotes stripped and quoted-pairs resolved.
    pub fn display_name_unquoted(&self) -> Option<Cow<'a, str>> {
        self.display_name.map(unquote)
    }

    /// The URI exactly as sent (without the brackets).
    pub fn uri_raw(&self) -> &'a str {
        self.uri.raw()
    }

    /// The `tag` header parameter.
    pub fn tag(&self) -> Option<Cow<'a, str>> {
        self.params.value("tag")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bracketed_uri_with_a_tag() {
        let from = NameAddr::parse("<sip:MAC%3AC074AD112233@224.0.1.75>;tag=395400190").unwrap();
        assert_eq!(from.display_name, None);
        assert_eq!(from.uri_raw(), "sip:MAC%3AC074AD112233@224.0.1.75");
        assert_eq!(from.uri.user(), Some("MAC%3AC074AD112233"));
        assert_eq!(from.tag().as_deref(), Some("395400190"));
        assert!(from.bracketed);
        assert_eq!(from.raw, "<sip:MAC%3AC074AD112233@224.0.1.75>;tag=395400190");
    }

    #[test]
    fn quoted_display_names_keep_escaped_quotes_commas_and_brackets() {
        let to = NameAddr::parse(r#""J Rosenberg \\\"" <sip:jdrosen@example.com> ; tag = 98asjd8"#).unwrap();
        assert_eq!(to.display_name, Some(r#""J Rosenberg \\\"""#));
        assert_eq!(to.display_name_unquoted().as_deref(), Some(r#"J Rosenberg \""#));
        assert_eq!(to.tag().as_deref(), Some("98asjd8"));
        let tricky = NameAddr::parse(r#""Watson, <Thomas>; \"T\"" <sip:t@example.org>"#).unwrap();
        assert_eq!(tricky.display_name_unquoted().as_deref(), Some(r#"Watson, <Thomas>; "T""#));
        assert_eq!(tricky.uri_raw(), "sip:t@example.org");
    }

    #[test]
    fn token_display_names_need_no_space_before_the_bracket() {
        let from = NameAddr::parse("caller<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(from.display_name, Some("caller"));
        let bell = NameAddr::parse("A. Bell <sip:a.g.bell@example.com>").unwrap();
        assert_eq!(bell.display_name, Some("A. Bell"));
    }

    #[test]
    fn in_the_addr_spec_form_parameters_belong_to_the_header() {
        let quoted_bracket = NameAddr::parse(r#"sip:a@b;note="<not a bracket>""#).unwrap();
        assert_eq!(
            (quoted_bracket.uri_raw(), quoted_bracket.params.value("note").as_deref()),
            ("sip:a@b", Some("<not a bracket>"))
        );
        let contact = NameAddr::parse("sip:+19725552222@gw1.example.net;unknownparam").unwrap();
        assert!(!contact.bracketed && contact.params.contains("unknownparam"));
        assert!(contact.uri.as_sip().is_some_and(|uri| uri.params.is_empty()));
        let bracketed = NameAddr::parse("<sip:+19725552222@gw1.example.net;unknownparam>").unwrap();
        assert!(bracketed.params.is_empty());
        assert!(bracketed.uri.as_sip().is_some_and(|uri| uri.params.contains("unknownparam")));
        let to = NameAddr::parse("sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n").unwrap();
        assert_eq!(to.uri_raw(), "sip:vivekg@chair-dnrc.example.com");
        assert_eq!(to.tag().as_deref(), Some("1918181833n"));
    }

    #[test]
    fn a_hostless_sip_uri_is_read_only_where_asked_for() {
        let snom = "<sip:MAC%3a00135E874B49>;tag=658512961";
        assert_eq!(NameAddr::parse(snom), Err(ParseError::BadNameAddr), "the strict parser is unchanged");
        let from = NameAddr::parse_hostless(snom).unwrap();
        assert_eq!((from.uri_raw(), from.tag().as_deref()), ("sip:MAC%3a00135E874B49", Some("658512961")));
        assert!(from.uri.as_sip().is_none(), "never usable as a destination");
        for bad in ["<sip:>;tag=1", "<sip:a b>", "<sip:x\r\n>", "sip:MAC%3a00135E874B49", "<tel:123"] {
            assert!(NameAddr::parse_hostless(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn other_schemes_are_kept() {
        assert_eq!(NameAddr::parse("isbn:2983792873").unwrap().uri_raw(), "isbn:2983792873");
        assert_eq!(NameAddr::parse("<name:John_Smith>").unwrap().uri_raw(), "name:John_Smith");
    }

    #[test]
    fn malformed_values_are_refused() {
        for bad in [
            r#""Mr. J. User <sip:j.user@example.com>"#,
            "Bell, Alexander <sip:a.g.bell@example.com>;tag=43",
            r#""Watson, Thomas" < sip:t.watson@example.org >"#,
            "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
            "<sip:joe@example.org>;;;;",
            "<sip:open@example.org",
            r#""name" sip:x@y"#,
            "<sip:x@y> junk",
            "",
            "*",
        ] {
            assert_eq!(NameAddr::parse(bad), Err(ParseError::BadNameAddr), "{bad:?}");
        }
    }
}
