//! Event values: `package;params` (RFC 6665 §8.2.1).

use std::borrow::Cow;

use super::error::ParseError;
use super::lex::{trim_start_wsp, trim_wsp, TOKEN_BYTES};
use super::params::Params;

/// An Event value such as
/// `ua-profile;profile-type="device";vendor="Grandstream";model="GRP2614";version="1.0.0.31"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventHeader<'a> {
    /// The event package (with any `.template`), as sent.
    pub package: &'a str,
    /// The parameters.
    pub params: Params<'a>,
    /// The whole value as sent (trimmed).
    pub raw: &'a str,
}

impl<'a> EventHeader<'a> {
    /// Parses `token *(;param)`.
    pub fn parse(value: &'a str) -> Result<EventHeader<'a>, ParseError> {
        let raw = trim_wsp(value);
        let package_len = TOKEN_BYTES.prefix_len(raw.as_bytes());
        let package = raw.get(..package_len).filter(|package| !package.is_empty()).ok_or(ParseError::BadEvent)?;
        let rest = trim_start_wsp(raw.get(package_len..).unwrap_or_default());
        let params = Params::parse(rest).map_err(|_| ParseError::BadEvent)?;
        Ok(EventHeader { package, params, raw })
    }

    /// True when the package is `package`, compared ASCII case-insensitively.
    pub fn is_package(&self, package: &str) -> bool {
        self.package.eq_ignore_ascii_case(package)
    }

    /// The value of parameter `name` (any case), quotes stripped.
    pub fn param(&self, name: &str) -> Option<Cow<'a, str>> {
        self.params.value(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ua_profile_event_and_its_quoted_params() {
        let event = EventHeader::parse(
            r#"ua-profile;profile-type="device";vendor="Grandstream";model="GRP2614";version="1.0.0.31""#,
        )
        .unwrap();
        assert_eq!(event.package, "ua-profile");
        assert!(event.is_package("UA-Profile"));
        assert_eq!(event.param("Vendor").as_deref(), Some("Grandstream"));
        assert_eq!(event.param("model").as_deref(), Some("GRP2614"));
        assert_eq!(event.param("version").as_deref(), Some("1.0.0.31"));
        assert_eq!(event.param("profile-type").as_deref(), Some("device"));
        assert_eq!(event.param("vender"), None);
    }

    #[test]
    fn unquoted_params_and_a_bare_package() {
        let event = EventHeader::parse(" ua-profile ; vendor=OEM;model=OEM").unwrap();
        assert_eq!(event.param("vendor").as_deref(), Some("OEM"));
        assert!(EventHeader::parse("ua-profile").unwrap().params.is_empty());
    }

    #[test]
    fn malformed_values_are_refused() {
        for bad in ["", ";vendor=x", "ua-profile vendor", "ua-profile;;", "ua profile"] {
            assert_eq!(EventHeader::parse(bad), Err(ParseError::BadEvent), "{bad:?}");
        }
    }
}
