//! Checks every text value passes before it may enter a profile.
//!
//! Decisions: every control character is refused (C0 including tab, CR, LF and NUL; DEL;
//! C1), because no phone field wants one and CR/LF would let a value forge lines in
//! logs. U+FFFE and U+FFFF are refused too, since XML cannot carry them. `<&"'>` are
//! fine: the XML writer escapes them. Lengths count characters, not bytes.

use super::error::ProvisionError;

/// Most characters of a text field the templates give no limit for.
pub(crate) const LIMIT_GENERAL: usize = 256;
/// P237/P192 server paths: the phone's metaconfig says `max:512`.
pub(crate) const LIMIT_SERVER_PATH: usize = 512;
/// Time zone strings (P64); the self-defined one (P246) is "max 64 characters" (S1).
pub(crate) const LIMIT_TIME_ZONE: usize = 64;
/// Display language codes such as `en`, `zh-tw`, `auto`.
pub(crate) const LIMIT_LANGUAGE: usize = 16;
/// VPK description: "Max length allowed is 32 characters" (S1).
pub(crate) const LIMIT_VPK_LABEL: usize = 32;
/// VPK value: "Max length allowed is 64 characters" (S1).
pub(crate) const LIMIT_VPK_VALUE: usize = 64;
/// MPK description and value: "Max length allowed is 256 characters" (S1).
pub(crate) const LIMIT_MPK_TEXT: usize = 256;
/// A raw setting gspnp has no table row for.
pub(crate) const LIMIT_RAW: usize = 512;
/// A phone model name.
pub(crate) const LIMIT_MODEL: usize = 64;

/// Refuses `value` if it holds a control character or more than `limit` characters;
/// `field` names it in the error.
pub(crate) fn check_text(field: &str, value: &str, limit: usize) -> Result<(), ProvisionError> {
    let mut length = 0;
    for (index, c) in value.chars().enumerate() {
        if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' {
            return Err(ProvisionError::ControlCharacter {
                field: field.to_owned(),
                code_point: u32::from(c),
                position: index + 1,
            });
        }
        length += 1;
    }
    if length > limit {
        return Err(ProvisionError::ValueTooLong { field: field.to_owned(), length, limit });
    }
    Ok(())
}

/// Refuses `index` 0 (counting starts at 1) and indices above `most`; `what` names the
/// thing counted ("account", "VPK") and `plural` the limit ("accounts", "VPKs").
pub(crate) fn check_index(what: &str, index: u32, most: u8, plural: &str) -> Result<(), ProvisionError> {
    if index == 0 {
        Err(ProvisionError::invalid(format!("{what} 0: {plural} are counted from 1")))
    } else if index > u32::from(most) {
        Err(ProvisionError::limit(format!("{what} {index}: no GRP26xx has more than {most} {plural}")))
    } else {
        Ok(())
    }
}

/// Refuses anything but `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address
/// (after [`check_text`]); the empty string is allowed and means "not set".
pub(crate) fn check_host_port(field: &str, value: &str, limit: usize) -> Result<(), ProvisionError> {
    check_text(field, value, limit)?;
    if value.is_empty() {
        return Ok(());
    }
    let refuse = |why: &str| ProvisionError::invalid(format!("{field} {why}: want host[:port]"));
    if value.contains("://") || value.to_ascii_lowercase().starts_with("sip:") {
        return Err(refuse("has a scheme"));
    }
    if value.chars().any(|c| c.is_whitespace() || matches!(c, '/' | '@' | '?' | '#')) {
        return Err(refuse("contains a space, '/', '@', '?' or '#'"));
    }
    let port = if let Some(rest) = value.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(|| refuse("has no closing ']'"))?;
        if host.is_empty() {
            return Err(refuse("has an empty host"));
        }
        match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(|| refuse("has text after ']'"))?),
        }
    } else {
        match value.matches(':').count() {
            1 => {
                let (host, port) = value.split_once(':').unwrap_or((value, ""));
                if host.is_empty() {
                    return Err(refuse("has an empty host"));
                }
                Some(port)
            }
            _ => None,
        }
    };
    match port.map(str::parse::<u16>) {
        None | Some(Ok(1..)) => Ok(()),
        Some(_) => Err(refuse("has a port that is not 1-65535")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_with_their_position() {
        for (value, code_point, position) in
            [("a\rb", 0x0d, 2), ("\n", 0x0a, 1), ("ab\0", 0, 3), ("a\tb", 9, 2), ("x\u{7f}", 0x7f, 2)]
        {
            assert_eq!(
                check_text("name", value, 100),
                Err(ProvisionError::ControlCharacter { field: "name".into(), code_point, position })
            );
        }
        assert!(check_text("name", "\u{85}", 100).is_err(), "C1 NEL");
        assert!(check_text("name", "\u{FFFE}", 100).is_err(), "not an XML character");
    }

    #[test]
    fn xml_specials_and_unicode_pass_and_length_counts_characters() {
        assert_eq!(check_text("name", "<&\"'>", 5), Ok(()));
        assert_eq!(check_text("name", "Müller", 6), Ok(()));
        assert_eq!(
            check_text("name", "Müller", 5),
            Err(ProvisionError::ValueTooLong { field: "name".into(), length: 6, limit: 5 })
        );
    }

    #[test]
    fn host_port_forms() {
        for good in ["", "pbx.example.com", "10.0.0.5:5060", "[2001:db8::1]:5061", "[::1]", "fe80::1"] {
            assert_eq!(check_host_port("SIP server", good, 256), Ok(()), "{good}");
        }
        for bad in [
            "sip:pbx",
            "udp://pbx",
            "pbx:0",
            "pbx:65536",
            "pbx:x",
            ":5060",
            "pbx example",
            "pbx/path",
            "[::1",
            "[::1]x",
            "user@pbx",
        ] {
            assert!(check_host_port("SIP server", bad, 256).is_err(), "{bad}");
        }
    }
}
