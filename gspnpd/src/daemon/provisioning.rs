//! The HTTP side of provisioning: `<folder><token>/cfg<mac>.xml` (or `cfg<mac>`) gives
//! that phone's file when the token is its own; every other path is 404. Refusals are
//! logged rate-limited, with the path redacted; wrong Basic-auth credentials are
//! throttled per source address.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use axum::Router;
use gspnp::Mac;

use super::files::FileStore;
use crate::http::basic_auth::BasicAuth;
use crate::http::failures::FailureThrottle;
use crate::http::redact::shown_path;
use crate::http::{Peer, WARNING_INTERVAL};
use crate::log::{Logger, Throttled};

/// The longest token accepted in a path (the engine's are 32 hex digits).
const MOST_TOKEN: usize = 128;
/// Refused requests logged per interval before they are only counted.
const REFUSALS_LOGGED: u32 = 20;
/// Wrong credentials one source may send at once, then one per [`GUESS_EVERY`].
const GUESSES: u32 = 5;
/// See [`GUESSES`].
const GUESS_EVERY: Duration = Duration::from_secs(12);

/// Serves the phones' files.
pub struct Provisioning {
    /// The public URL's path, `/` or `/prov/`.
    folder: String,
    files: Arc<FileStore>,
    auth: Option<BasicAuth>,
    guesses: FailureThrottle,
    log: Arc<Logger>,
    refusals: Arc<Throttled>,
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

/// Splits a request's `path` into token and file name below `folder`; None for any
/// other path.
pub fn parse_target<'a>(path: &'a str, folder: &str) -> Option<FilePath<'a>> {
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

impl Provisioning {
    /// Serves `files` below `folder`, with Basic `auth` if set, logging to `log`.
    pub fn new(folder: &str, files: Arc<FileStore>, auth: Option<BasicAuth>, log: Arc<Logger>) -> Provisioning {
        let refusals =
            Arc::new(Throttled::new(log.clone(), "refused HTTP requests", REFUSALS_LOGGED, WARNING_INTERVAL));
        Provisioning {
            folder: folder.to_owned(),
            files,
            auth,
            guesses: FailureThrottle::new(GUESSES, GUESS_EVERY),
            log,
            refusals,
        }
    }

    /// The rate-limited refusal warnings, for the server's ticker to report.
    pub fn refusals(&self) -> Arc<Throttled> {
        self.refusals.clone()
    }

    /// The router of the file server: every path goes to [`Provisioning::answer`].
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .fallback(|State(this): State<Arc<Provisioning>>, request: Request| async move { this.answer(&request) })
            .with_state(self)
    }

    /// The response to `request`, whose [`Peer`] extension says who sent it.
    pub fn answer(&self, request: &Request) -> Response {
        let peer = request.extensions().get::<Peer>().copied();
        let (scheme, from) = match peer {
            Some(peer) if peer.secure => ("https", peer.address.to_string()),
            Some(peer) => ("http", peer.address.to_string()),
            None => ("http", "?".to_owned()),
        };
        let refuse = |status: StatusCode, why: &str| {
            self.refusals.warn(|| {
                format!(
                    "{scheme}: {} {:?} from {from}: {} ({why})",
                    request.method(),
                    shown_path(request.uri()),
                    status.as_u16()
                )
            });
            plain(status)
        };
        if request.method() != Method::GET && request.method() != Method::HEAD {
            let mut response = refuse(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD");
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        if let Some(auth) = &self.auth {
            let source = peer.map(|peer| peer.address.ip());
            let now = Instant::now();
            if source.is_some_and(|source| !self.guesses.may_try(source, now)) {
                let mut response = refuse(StatusCode::TOO_MANY_REQUESTS, "too many wrong credentials from there");
                let wait = HeaderValue::from(self.guesses.wait().as_secs());
                response.headers_mut().insert(header::RETRY_AFTER, wait);
                return response;
            }
            let given = request.headers().get(header::AUTHORIZATION).map(|value| value.to_str().unwrap_or_default());
            if !auth.accepts(given) {
                if let (Some(source), Some(_)) = (source, given) {
                    self.guesses.failed(source, now);
                }
                let mut response = refuse(StatusCode::UNAUTHORIZED, "no or wrong credentials");
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(BasicAuth::challenge()));
                return response;
            }
        }
        let Some(path) = parse_target(request.uri().path(), &self.folder) else {
            return refuse(StatusCode::NOT_FOUND, "not a phone's file");
        };
        let Some(contents) = self.files.fetch(path.mac, path.token, &format!("over {scheme} from {from}")) else {
            return refuse(StatusCode::NOT_FOUND, "no such file under that token");
        };
        let user_agent =
            request.headers().get(header::USER_AGENT).map(|value| String::from_utf8_lossy(value.as_bytes()));
        let user_agent = user_agent.unwrap_or_default();
        self.log.info(&format!(
            "{}: fetched {} over {scheme} from {from} ({} bytes, User-Agent {:?})",
            path.mac,
            path.name,
            contents.len(),
            user_agent.chars().take(128).collect::<String>()
        ));
        if let Some(device_id) = grandstream_device_id(&user_agent).filter(|device_id| *device_id != path.mac) {
            self.log.warn(&format!(
                "{}: its file was fetched by a phone whose User-Agent says DevId {device_id}",
                path.mac
            ));
        }
        let mut response = with_common_headers(Response::new(Body::from(contents.to_vec())));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
        response
    }
}

/// `404 Not Found` and the like as a short text body.
fn plain(status: StatusCode) -> Response {
    let text = format!("{} {}\n", status.as_u16(), status.canonical_reason().unwrap_or("Error"));
    let mut response = with_common_headers(Response::new(Body::from(text)));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

fn with_common_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::SERVER, HeaderValue::from_static("gspnpd"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn handler(auth: Option<BasicAuth>) -> Provisioning {
        let files = Arc::new(FileStore::new(HashSet::new(), 16));
        files.put(&gspnp::engine::ConfigFile {
            ticket: 1,
            mac: "000b82f55284".parse().unwrap(),
            model: "GRP2614".into(),
            file_name: "cfg000b82f55284.xml".into(),
            contents: b"<gs_provision/>".to_vec(),
            url: format!("http://192.0.2.1/prov/{TOKEN}/"),
            token: TOKEN.into(),
            warnings: Vec::new(),
        });
        Provisioning::new("/prov/", files, auth, Logger::new(gspnp::engine::LogLevel::Error))
    }

    fn get(handler: &Provisioning, target: &str, headers: &[(&str, &str)]) -> (u16, Response) {
        let mut request = Request::builder().uri(target);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut request = request.body(Body::empty()).unwrap();
        request.extensions_mut().insert(Peer { address: "192.0.2.2:40000".parse().unwrap(), secure: false });
        let response = handler.answer(&request);
        (response.status().as_u16(), response)
    }

    fn body(response: Response) -> Vec<u8> {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(axum::body::to_bytes(response.into_body(), 1 << 20)).unwrap().to_vec()
    }

    #[test]
    fn the_file_is_served_under_both_names_and_nowhere_else() {
        let handler = handler(None);
        for name in ["cfg000b82f55284.xml", "cfg000b82f55284", "cfg000B82F55284.xml"] {
            let (status, response) = get(&handler, &format!("/prov/{TOKEN}/{name}"), &[]);
            assert_eq!((status, body(response).as_slice()), (200, &b"<gs_provision/>"[..]), "{name}");
        }
        let absolute = format!("http://192.0.2.1:8080/prov/{TOKEN}/cfg000b82f55284.xml");
        assert_eq!(get(&handler, &absolute, &[]).0, 200, "an absolute-form target names the same file");
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
            assert_eq!(get(&handler, &target, &[]).0, 404, "{target}");
        }
    }

    #[test]
    fn with_auth_a_fetch_needs_the_credentials_and_guessing_is_throttled() {
        let handler = handler(Some(BasicAuth::new("prov", "pw")));
        let target = format!("/prov/{TOKEN}/cfg000b82f55284.xml");
        let (status, refused) = get(&handler, &target, &[]);
        assert_eq!(status, 401);
        assert!(refused.headers()[header::WWW_AUTHENTICATE].to_str().unwrap().starts_with("Basic"));
        let authorization = crate::http::basic_auth::authorization("prov", "pw");
        assert_eq!(get(&handler, &target, &[("Authorization", &authorization)]).0, 200);
        for _ in 0..10 {
            assert_eq!(get(&handler, &target, &[]).0, 401, "a phone without credentials is not throttled");
        }
        let wrong = crate::http::basic_auth::authorization("prov", "guess");
        let statuses: Vec<u16> =
            (0..GUESSES + 2).map(|_| get(&handler, &target, &[("Authorization", &wrong)]).0).collect();
        assert_eq!(statuses[..GUESSES as usize], [401; GUESSES as usize]);
        assert_eq!(statuses[GUESSES as usize..], [429, 429]);
        let (status, throttled) = get(&handler, &target, &[("Authorization", &authorization)]);
        assert_eq!(status, 429, "while throttled even the right credentials are not looked at");
        assert_eq!(throttled.headers()[header::RETRY_AFTER], GUESS_EVERY.as_secs().to_string().as_str());
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
}
