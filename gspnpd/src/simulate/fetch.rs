//! The phone's HTTP(S) download: one GET per connection, as a Grandstream phone sends
//! it, bounded in size and time.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use crate::http::basic_auth::authorization;

/// The largest response read.
const MOST_BYTES: usize = 1 << 20;
/// How long one request may take, connection and TLS included.
const REQUEST_TIME: Duration = Duration::from_secs(10);

/// A URL split for a GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// Whether it is https.
    pub secure: bool,
    /// The host as written (name, IPv4, or `[IPv6]`).
    pub host: String,
    /// The port, explicit or 80/443.
    pub port: u16,
    /// From the first `/`.
    pub path: String,
}

impl Url {
    /// Splits an http(s) URL; None for anything else.
    pub fn parse(url: &str) -> Option<Url> {
        let (secure, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else {
            (false, url.strip_prefix("http://")?)
        };
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, "/"),
        };
        let default_port = if secure { 443 } else { 80 };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !port.contains(']') => (host, port.parse().ok()?),
            _ => (authority, default_port),
        };
        if host.is_empty() || authority.contains('@') {
            return None;
        }
        Some(Url { secure, host: host.to_owned(), port, path: path.to_owned() })
    }

    fn host_without_brackets(&self) -> &str {
        self.host.trim_start_matches('[').trim_end_matches(']')
    }
}

/// A response: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The body (de-chunked).
    pub body: Vec<u8>,
}

/// Downloads like a phone.
pub struct Downloader {
    /// For https URLs.
    pub tls: Arc<ClientConfig>,
    /// Basic credentials to answer a 401 with.
    pub credentials: Option<(String, String)>,
}

impl Downloader {
    /// The phone's config file from the folder `folder_url`: `cfg<mac>.xml`, then
    /// `cfg<mac>` when that is 404; a 401 is answered once with the credentials, if any.
    /// The error is a short reason such as `http_404`, `connect` or `tls`.
    pub fn config_file(&self, folder_url: &str, mac: &str, user_agent: &str) -> Result<Vec<u8>, String> {
        let mut last = String::from("http_404");
        for name in [format!("cfg{mac}.xml"), format!("cfg{mac}")] {
            let url = format!("{folder_url}{name}");
            let mut response = self.get(&url, user_agent, None)?;
            if response.status == 401 {
                if let Some((user, password)) = &self.credentials {
                    response = self.get(&url, user_agent, Some(&authorization(user, password)))?;
                }
            }
            match response.status {
                200 => return Ok(response.body),
                404 => last = "http_404".to_owned(),
                other => return Err(format!("http_{other}")),
            }
        }
        Err(last)
    }

    /// One GET.
    pub fn get(&self, url: &str, user_agent: &str, authorization: Option<&str>) -> Result<HttpResponse, String> {
        let url = Url::parse(url).ok_or("bad_url")?;
        let deadline = Instant::now() + REQUEST_TIME;
        let stream = connect(&url)?;
        let mut request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {user_agent}\r\nAccept: */*\r\nConnection: close\r\n",
            url.path, url.host
        );
        if let Some(authorization) = authorization {
            request.push_str(&format!("Authorization: {authorization}\r\n"));
        }
        request.push_str("\r\n");
        let raw = if url.secure {
            let name = ServerName::try_from(url.host_without_brackets().to_owned()).map_err(|_| "bad_url")?;
            let connection = ClientConnection::new(self.tls.clone(), name).map_err(|_| "tls")?;
            exchange(&mut StreamOwned::new(connection, stream), &request, deadline, "tls")?
        } else {
            exchange(&mut { stream }, &request, deadline, "http_io")?
        };
        parse_response(&raw).ok_or_else(|| "http_malformed".to_owned())
    }
}

fn connect(url: &Url) -> Result<TcpStream, String> {
    let addresses: Vec<SocketAddr> =
        (url.host_without_brackets(), url.port).to_socket_addrs().map_err(|_| "resolve")?.collect();
    let address = addresses.first().ok_or("resolve")?;
    let stream = TcpStream::connect_timeout(address, REQUEST_TIME).map_err(|_| "connect")?;
    stream.set_read_timeout(Some(REQUEST_TIME)).map_err(|_| "connect")?;
    stream.set_write_timeout(Some(REQUEST_TIME)).map_err(|_| "connect")?;
    Ok(stream)
}

/// Sends `request` and reads until the server closes, at most [`MOST_BYTES`] and until
/// `deadline`; `failure` names a failure of this stream (`tls` or `http_io`).
fn exchange(
    stream: &mut (impl Read + Write),
    request: &str,
    deadline: Instant,
    failure: &str,
) -> Result<Vec<u8>, String> {
    stream.write_all(request.as_bytes()).and_then(|()| stream.flush()).map_err(|_| failure.to_owned())?;
    let mut raw = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if Instant::now() > deadline {
            return Err("http_timeout".to_owned());
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(raw),
            Ok(read) => raw.extend_from_slice(&chunk[..read]),
            // A server that closes without TLS close_notify has still sent everything.
            Err(error) if error.kind() == ErrorKind::UnexpectedEof && !raw.is_empty() => return Ok(raw),
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Err(failure.to_owned()),
        }
        if raw.len() > MOST_BYTES {
            return Err("http_too_large".to_owned());
        }
    }
}

/// Status and body of a complete HTTP/1.x response (Content-Length, chunked, or to EOF).
pub fn parse_response(raw: &[u8]) -> Option<HttpResponse> {
    let end = raw.windows(4).position(|window| window == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let body = &raw[end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    if !status_line.starts_with("HTTP/1.") {
        return None;
    }
    let status = status_line.split(' ').nth(1)?.parse().ok()?;
    let mut length = None;
    let mut chunked = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().parse::<usize>().ok()?);
        } else if name.trim().eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        }
    }
    let body = if chunked {
        dechunk(body)?
    } else if let Some(length) = length {
        body.get(..length)?.to_vec()
    } else {
        body.to_vec()
    };
    Some(HttpResponse { status, body })
}

/// The body of a chunked transfer (RFC 9112 §7.1); trailers are ignored.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|window| window == b"\r\n")?;
        let size_text = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split() {
        assert_eq!(
            Url::parse("https://192.0.2.1:8443/prov/abc/"),
            Some(Url { secure: true, host: "192.0.2.1".into(), port: 8443, path: "/prov/abc/".into() })
        );
        assert_eq!(Url::parse("http://pbx.example.com/").map(|url| url.port), Some(80));
        assert_eq!(
            Url::parse("http://[2001:db8::1]/x/").map(|url| (url.host, url.port)),
            Some(("[2001:db8::1]".into(), 80))
        );
        assert_eq!(Url::parse("ftp://pbx/"), None);
        assert_eq!(Url::parse("http://user:pw@pbx/"), None);
    }

    #[test]
    fn responses_with_length_chunks_or_neither() {
        let sized = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef").unwrap();
        assert_eq!((sized.status, sized.body.as_slice()), (200, &b"abc"[..]));
        let chunked = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(chunked.body, b"abcde");
        assert_eq!(parse_response(b"HTTP/1.0 404 Not Found\r\n\r\nno").unwrap().body, b"no");
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc").is_none());
        assert!(parse_response(b"SIP/2.0 200 OK\r\n\r\n").is_none());
    }
}
