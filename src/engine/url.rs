//! Provisioning URLs built per device from the host's template.

use std::fmt;
use std::net::Ipv4Addr;

use crate::mac::Mac;

/// The template used when the host sets none: port 80 on the address the phone reached
/// us on, and a folder named by the device's token.
pub const DEFAULT_TEMPLATE: &str = "http://{ip}/gspnp/{token}/";

/// The longest URL a phone is told.
pub const MAX_URL_LEN: usize = 512;

/// Why a template or a URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadUrl(pub String);

impl fmt::Display for BadUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadUrl {}

/// What a template's placeholders stand for, for one device.
#[derive(Debug, Clone, Copy)]
pub struct UrlFields<'a> {
    /// `{ip}`: our address as the phone reached it.
    pub ip: Ipv4Addr,
    /// `{mac}`: 12 lower-case hex digits.
    pub mac: Mac,
    /// `{token}`: the device's unguessable token.
    pub token: &'a str,
    /// `{model}`: the model, lower case (already sanitised by the decoder).
    pub model: &'a str,
}

const PLACEHOLDERS: [&str; 4] = ["{ip}", "{mac}", "{token}", "{model}"];

/// Checks a template once, when the host sets it: an http(s)/ftp(s)/tftp URL whose
/// placeholders are all known, with no control characters or spaces, ending in `/`
/// (Grandstream phones want a folder and silently ignore anything else).
pub fn check_template(template: &str) -> Result<(), BadUrl> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close =
            rest[open..].find('}').ok_or_else(|| BadUrl(format!("unclosed '{{' in URL template {template:?}")))?;
        let name = &rest[open..open + close + 1];
        if !PLACEHOLDERS.contains(&name) {
            return Err(BadUrl(format!(
                "unknown placeholder {name} in URL template (known: {})",
                PLACEHOLDERS.join(" ")
            )));
        }
        rest = &rest[open + close + 1..];
    }
    check_url(template)
}

/// Checks a complete URL the host gives for a phone.
pub fn check_url(url: &str) -> Result<(), BadUrl> {
    let scheme_ok = ["http://", "https://", "tftp://", "ftp://", "ftps://"]
        .iter()
        .any(|scheme| url.len() > scheme.len() && url[..scheme.len()].eq_ignore_ascii_case(scheme));
    if !scheme_ok {
        return Err(BadUrl(format!("URL {url:?} must start with http://, https://, tftp://, ftp:// or ftps://")));
    }
    if url.len() > MAX_URL_LEN {
        return Err(BadUrl(format!("URL is {} bytes; at most {MAX_URL_LEN}", url.len())));
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(BadUrl("URL contains a space or control character".to_string()));
    }
    if !url.ends_with('/') {
        return Err(BadUrl(format!("URL {url:?} must end in '/': phones append cfg<mac>.xml to a folder")));
    }
    Ok(())
}

/// Whether a template gives every phone its own unguessable folder.
pub fn template_has_token(template: &str) -> bool {
    template.contains("{token}")
}

/// Fills a checked template for one device.
pub fn expand(template: &str, fields: &UrlFields<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 40);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let close = after.find('}').map_or(after.len(), |i| i + 1);
        match &after[..close] {
            "{ip}" => out.push_str(&fields.ip.to_string()),
            "{mac}" => out.push_str(&fields.mac.to_string()),
            "{token}" => out.push_str(fields.token),
            "{model}" => {
                out.extend(fields.model.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()))
            }
            other => out.push_str(other),
        }
        rest = &after[close..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> UrlFields<'static> {
        UrlFields {
            ip: Ipv4Addr::new(192, 0, 2, 10),
            mac: "000b82f55284".parse().unwrap(),
            token: "abc",
            model: "GRP-2614",
        }
    }

    #[test]
    fn every_placeholder_is_filled() {
        let url = expand("https://{ip}:8443/p/{model}/{mac}/{token}/", &fields());
        assert_eq!(url, "https://192.0.2.10:8443/p/grp2614/000b82f55284/abc/");
        assert_eq!(expand(DEFAULT_TEMPLATE, &fields()), "http://192.0.2.10/gspnp/abc/");
    }

    #[test]
    fn bad_templates_are_refused_with_a_reason() {
        assert!(check_template(DEFAULT_TEMPLATE).is_ok());
        for (template, why) in [
            ("http://{ip}/{serial}/", "unknown placeholder"),
            ("http://{ip/x/", "unclosed"),
            ("file:///etc/", "must start with"),
            ("http://{ip}/cfg.xml", "must end in '/'"),
            ("http://{ip}/a b/", "space"),
            ("http://{ip}/\r\nX: y/", "control"),
        ] {
            let error = check_template(template).unwrap_err().0;
            assert!(error.contains(why), "{template}: {error}");
        }
    }
}
