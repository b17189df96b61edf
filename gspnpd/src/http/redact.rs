//! Request targets as they may be logged, whatever a client sent: only the path (never
//! the scheme, host or query of an absolute-form or odd target), and every segment that
//! could be a URL token replaced by `<token>`.

use axum::http::Uri;

/// Segments at least this long are shown as `<token>` (a token has at least 22
/// characters) unless they are a phone's file name.
const SHOWN_UP_TO: usize = 16;
/// The most characters of a path shown.
const SHOWN_PATH: usize = 160;

/// `uri`'s path with every possible token replaced, and `?…` for a query.
pub fn shown_path(uri: &Uri) -> String {
    let mut shown = String::new();
    for (index, segment) in uri.path().split('/').enumerate() {
        if index > 0 {
            shown.push('/');
        }
        if segment.len() < SHOWN_UP_TO || is_file_name(segment) {
            shown.push_str(segment);
        } else {
            shown.push_str("<token>");
        }
    }
    if uri.query().is_some() {
        shown.push_str("?…");
    }
    shown.chars().take(SHOWN_PATH).collect()
}

/// `cfg` and 12 hex digits, with or without `.xml`.
fn is_file_name(segment: &str) -> bool {
    let Some(rest) = segment.strip_prefix("cfg") else { return false };
    let hex = rest.strip_suffix(".xml").unwrap_or(rest);
    hex.len() == 12 && hex.bytes().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn shown(target: &str) -> String {
        shown_path(&target.parse().unwrap())
    }

    #[test]
    fn no_token_is_shown_whatever_the_target_looks_like() {
        assert_eq!(shown(&format!("/prov/{TOKEN}/cfg000b82f55284.xml")), "/prov/<token>/cfg000b82f55284.xml");
        assert_eq!(shown(&format!("http://192.0.2.1:8080/prov/{TOKEN}/cfg1.xml")), "/prov/<token>/cfg1.xml");
        assert_eq!(shown(&format!("//{TOKEN}//x")), "//<token>//x");
        assert_eq!(shown(&format!("/prov/x?token={TOKEN}")), "/prov/x?…");
        assert_eq!(shown(&format!("/prov/{TOKEN}.xml")), "/prov/<token>");
        assert_eq!(shown(&format!("/prov/cfg{TOKEN}")), "/prov/<token>");
        assert_eq!(shown("/etc/passwd"), "/etc/passwd");
        assert_eq!(shown("*"), "*");
    }
}
