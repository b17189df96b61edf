//! The HTTP side of provisioning: `<folder><token>/cfg<mac>.xml` (or `cfg<mac>`) gives
//! that phone's file when the token is its own; every other path is 404.

use std::net::SocketAddr;
use std::sync::Arc;

use gspnp::Mac;

use super::files::FileStore;
use crate::http::basic_auth::BasicAuth;
use crate::http::{Handler, Request, Response};
use crate::log::Logger;

/// The longest token accepted in a path (the engine's are 32 hex digits).
const MOST_TOKEN: usize = 128;

/// Serves the phones' files.
pub struct Provisioning {
    /// The public URL's path, `/` or `/prov/`.
    pub folder: String,
    /// The files.
    pub files: Arc<FileStore>,
    /// Basic authentication, if configured.
    pub auth: Option<BasicAuth>,
    /// Where each fetch and refusal is logged.
    pub log: Arc<Logger>,
}

/// What a request path names.
#[derive(Debug, PartialEq, Eq)]
pub struct FilePath<'a> {
    /// The token folder.
    pub token: &'a str,
    /// The phone the file name names.
    pub mac: Mac,
    /// `cfg000b82f55284.xml` or `cfg000b82f55284`.
    pub name: &'a str,
}

/// Splits `target` into token and file name below `folder`; None for any other path.
pub fn parse_target<'a>(target: &'a str, folder: &str) -> Option<FilePath<'a>> {
    let path = target.split('?').next().unwrap_or_default();
    let (token, name) = path.strip_prefix(folder)?.split_once('/')?;
    let token_ok = !token.is_empty()
        && token.len() <= MOST_TOKEN
        && token.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    if !token_ok || !name.starts_with("cfg") {
        return None;
    }
    let hex = name[3..].strip_suffix(".xml").unwrap_or(&name[3..]);
    let mac = Mac::from_hex12(hex.as_bytes()).ok()?;
    Some(FilePath { token, mac, name })
}

/// The MAC a Grandstream HTTP User-Agent gives after `DevId`
/// (`Grandstream Model HW GRP2614 SW 1.0.5.15 DevId c074ad0b63ee`).
pub fn grandstream_device_id(user_agent: &str) -> Option<Mac> {
    let rest = user_agent.strip_prefix("Grandstream Model HW ")?;
    let device_id = rest.split_whitespace().skip_while(|word| *word != "DevId").nth(1)?;
    let hex = device_id.get(device_id.len().checked_sub(12)?..)?;
    Mac::from_hex12(hex.as_bytes()).ok()
}

/// `target` as it may be logged: the token folder replaced by `<token>`.
fn shown_target(target: &str, folder: &str) -> String {
    let shown: String = match target.strip_prefix(folder).and_then(|rest| rest.split_once('/')) {
        Some((_, name)) => format!("{folder}<token>/{name}"),
        None => target.to_owned(),
    };
    shown.chars().take(160).collect()
}

impl Handler for Provisioning {
    fn handle(&self, request: &Request, peer: SocketAddr, secure: bool) -> Response {
        let scheme = if secure { "https" } else { "http" };
        let shown = shown_target(&request.target, &self.folder);
        let refuse = |status: u16, why: &str| {
            self.log.warn(&format!("{scheme}: {} {shown:?} from {peer}: {status} ({why})", request.method));
            Response::plain(status)
        };
        if request.method != "GET" && request.method != "HEAD" {
            let mut response = refuse(405, "only GET and HEAD");
            response.headers.push(("Allow", "GET, HEAD".to_owned()));
            return response;
        }
        if let Some(auth) = &self.auth {
            if !auth.accepts(request.header("Authorization")) {
                let mut response = refuse(401, "no or wrong credentials");
                response.headers.push(("WWW-Authenticate", BasicAuth::challenge().to_owned()));
                return response;
            }
        }
        let Some(path) = parse_target(&request.target, &self.folder) else {
            return refuse(404, "not a phone's file");
        };
        let Some(contents) = self.files.fetch(path.mac, path.token) else {
            return refuse(404, "no such file under that token");
        };
        let user_agent = request.header("User-Agent").unwrap_or_default();
        self.log.info(&format!(
            "{}: fetched {} over {scheme} from {peer} ({} bytes, User-Agent {:?})",
            path.mac,
            path.name,
            contents.len(),
            user_agent.chars().take(128).collect::<String>()
        ));
        if let Some(device_id) = grandstream_device_id(user_agent).filter(|device_id| *device_id != path.mac) {
            self.log.warn(&format!(
                "{}: its file was fetched by a phone whose User-Agent says DevId {device_id}",
                path.mac
            ));
        }
        Response {
            status: 200,
            headers: vec![("Content-Type", "text/xml; charset=utf-8".to_owned())],
            body: contents.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn handler() -> Provisioning {
        let files = Arc::new(FileStore::default());
        files.put("000b82f55284".parse().unwrap(), TOKEN, b"<gs_provision/>");
        Provisioning { folder: "/prov/".into(), files, auth: None, log: Logger::new(gspnp::engine::LogLevel::Error) }
    }

    fn get(handler: &Provisioning, target: &str, headers: &[(&str, &str)]) -> Response {
        let request = Request {
            method: "GET".into(),
            target: target.into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        };
        handler.handle(&request, "192.0.2.2:40000".parse().unwrap(), false)
    }

    #[test]
    fn the_file_is_served_under_both_names_and_nowhere_else() {
        let handler = handler();
        for name in ["cfg000b82f55284.xml", "cfg000b82f55284", "cfg000B82F55284.xml"] {
            let response = get(&handler, &format!("/prov/{TOKEN}/{name}"), &[]);
            assert_eq!((response.status, response.body.as_slice()), (200, &b"<gs_provision/>"[..]), "{name}");
        }
        for target in [
            format!("/prov/{}/cfg000b82f55284.xml", TOKEN.replace('0', "1")),
            format!("/prov/{TOKEN}/cfg000b82f55285.xml"),
            format!("/prov/{TOKEN}/cfg.xml"),
            format!("/prov/{TOKEN}/cfggrp2614.xml"),
            format!("/{TOKEN}/cfg000b82f55284.xml"),
            format!("/prov/{TOKEN}/x/cfg000b82f55284.xml"),
            "/prov/cfg000b82f55284.xml".to_owned(),
            "/".to_owned(),
        ] {
            assert_eq!(get(&handler, &target, &[]).status, 404, "{target}");
        }
    }

    #[test]
    fn with_auth_a_fetch_needs_the_credentials() {
        let mut handler = handler();
        handler.auth = Some(BasicAuth::new("prov", "pw"));
        let target = format!("/prov/{TOKEN}/cfg000b82f55284.xml");
        let refused = get(&handler, &target, &[]);
        assert_eq!(refused.status, 401);
        assert!(refused.headers.iter().any(|(name, value)| *name == "WWW-Authenticate" && value.starts_with("Basic")));
        let authorization = crate::http::basic_auth::authorization("prov", "pw");
        assert_eq!(get(&handler, &target, &[("Authorization", &authorization)]).status, 200);
    }

    #[test]
    fn grandstream_user_agents_carry_the_mac() {
        let user_agent = "Grandstream Model HW GRP2614 SW 1.0.5.15 DevId c074ad0b63ee";
        assert_eq!(grandstream_device_id(user_agent), Some("c074ad0b63ee".parse().unwrap()));
        assert_eq!(
            grandstream_device_id("Grandstream Model HW GXP2135 V2.3A SW 1.0.11.3 DevId 000b82aabbcc"),
            "000b82aabbcc".parse().ok()
        );
        assert_eq!(grandstream_device_id("curl/8.0"), None);
    }

    #[test]
    fn logged_paths_hide_the_token() {
        assert_eq!(shown_target(&format!("/prov/{TOKEN}/cfg1.xml"), "/prov/"), "/prov/<token>/cfg1.xml");
        assert_eq!(shown_target("/etc/passwd", "/prov/"), "/etc/passwd");
    }
}
