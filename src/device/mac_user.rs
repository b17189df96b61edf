//! Finding a phone's MAC address in a URI user part.

use crate::mac::Mac;
use crate::sip::{percent_decode, Uri};

/// What phones write before the 12 hex digits of their MAC in a user part,
/// after percent-decoding (`MAC%3A` and `MAC%3a` decode to `MAC:`); matched
/// without regard to case. The bare `MAC` form comes last.
const MAC_PREFIXES: &[&str] = &["MAC:", "MAC=", "MAC"];

/// The MAC in an unescaped user part: one of [`MAC_PREFIXES`] followed by
/// exactly 12 hex digits, either case, and nothing else.
pub(crate) fn mac_from_user(user: &str) -> Option<Mac> {
    MAC_PREFIXES.iter().find_map(|prefix| {
        let written_prefix = user.get(..prefix.len())?;
        if !written_prefix.eq_ignore_ascii_case(prefix) {
            return None;
        }
        Mac::from_hex12(user.get(prefix.len()..)?.as_bytes()).ok()
    })
}

/// The MAC in the user part of a SIP URI, if there is one. The whole userinfo
/// is read, so an unescaped `MAC:` (which the grammar makes user `MAC` and
/// password `<hex>`) is found too.
pub(crate) fn mac_from_uri(uri: &Uri<'_>) -> Option<Mac> {
    let userinfo = uri.userinfo()?;
    // The usual `MAC%3A<hex>`, read without decoding (which would allocate).
    let encoded = ENCODED_PREFIXES.iter().find_map(|prefix| {
        let written = userinfo.get(..prefix.len())?;
        written.eq_ignore_ascii_case(prefix).then(|| userinfo.get(prefix.len()..)).flatten()
    });
    match encoded {
        Some(rest) if !rest.contains('%') => Mac::from_hex12(rest.as_bytes()).ok(),
        _ => mac_from_user(&percent_decode(userinfo)),
    }
}

/// `MAC:` and `MAC=` percent-encoded, as phones write them.
const ENCODED_PREFIXES: &[&str] = &["MAC%3A", "MAC%3D"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_phones_use_is_found() {
        for user in ["MAC:000B82F55284", "mac:000b82f55284", "MAC=000b82F55284", "MAC000B82F55284", "Mac000b82f55284"] {
            assert_eq!(mac_from_user(user).map(|mac| mac.to_string()).as_deref(), Some("000b82f55284"), "{user}");
        }
    }

    #[test]
    fn anything_but_exactly_twelve_hex_digits_after_a_prefix_is_not_a_mac() {
        for user in [
            "",
            "MAC",
            "MAC:",
            "000B82F55284",
            "MAC:000B82F5528",
            "MAC:000B82F552845",
            "MAC:000B82F5528G",
            "MAC-000B82F55284",
            "MAC:00:0b:82:f5:52:84",
            "MAC%3A000B82F55284",
            "MAC:000B82F55284;x",
            "MAC:é0B82F55284",
        ] {
            assert_eq!(mac_from_user(user), None, "{user:?}");
        }
    }

    #[test]
    fn the_whole_userinfo_is_read_unescaped() {
        for text in [
            "sip:MAC%3A000B82F55284@224.0.1.75",
            "sip:MAC%3a000b82f55284@intern.snom.de",
            "sip:MAC%3D000B82F55284@lan",
            "sip:MAC:000B82F55284@lan",
            "sip:MAC=000b82f55284@lan",
        ] {
            let uri = Uri::parse(text).unwrap();
            assert_eq!(mac_from_uri(&uri).map(|mac| mac.to_string()).as_deref(), Some("000b82f55284"), "{text}");
        }
        assert_eq!(mac_from_uri(&Uri::parse("sip:224.0.1.75").unwrap()), None);
        for odd in ["sip:M%41C%3A000B82F55284@lan", "sip:MAC%3A000B82F5528%34@lan"] {
            let uri = Uri::parse(odd).unwrap();
            assert_eq!(mac_from_uri(&uri).map(|mac| mac.to_string()).as_deref(), Some("000b82f55284"), "{odd}");
        }
        for not_mac in ["sip:MAC%3A000B82F5528@lan", "sip:MAC%3A000B82F55284x@lan", "sip:MAC%3A@lan"] {
            assert_eq!(mac_from_uri(&Uri::parse(not_mac).unwrap()), None, "{not_mac}");
        }
        assert_eq!(mac_from_uri(&Uri::parse("tel:MAC000B82F55284").unwrap()), None);
    }
}
