//! HTTP/1.1 requests as the file server reads them and responses as it writes them.

use std::io::{self, Read, Write};
use std::time::Instant;

/// The most bytes of request line and headers read; a longer head is refused.
pub const MAX_HEAD: usize = 8 * 1024;

/// A parsed request head (the server reads no bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, …
    pub method: String,
    /// The request target as sent, e.g. `/a1b2…/cfg000b82f55284.xml`.
    pub target: String,
    /// Header names and values in order, values trimmed.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed, was too slow, or the socket failed.
    Closed,
    /// The head is longer than [`MAX_HEAD`].
    TooLarge,
    /// Not an HTTP/1.x request.
    Malformed,
}

/// Reads a request head from `stream` until the empty line, at most [`MAX_HEAD`] bytes,
/// giving up at `deadline` (each read is also bounded by the socket's timeout).
pub fn read_request(stream: &mut impl Read, deadline: Instant) -> Result<Request, ReadError> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = find_end_of_head(&head) {
            if end > MAX_HEAD {
                return Err(ReadError::TooLarge);
            }
            head.truncate(end);
            return parse_head(&head).ok_or(ReadError::Malformed);
        }
        if head.len() > MAX_HEAD {
            return Err(ReadError::TooLarge);
        }
        if Instant::now() > deadline {
            return Err(ReadError::Closed);
        }
        let read = stream.read(&mut chunk).map_err(|_| ReadError::Closed)?;
        if read == 0 {
            return Err(ReadError::Closed);
        }
        head.extend_from_slice(&chunk[..read]);
    }
}

/// Where the head ends (the index of its blank line), accepting CRLF or bare LF.
fn find_end_of_head(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes.windows(4).position(|window| window == b"\r\n\r\n");
    let lf = bytes.windows(2).position(|window| window == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn parse_head(head: &[u8]) -> Option<Request> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line));
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let version = request_line.next()?;
    if request_line.next().is_some() || !version.starts_with("HTTP/1.") || method.is_empty() || target.is_empty() {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines.filter(|line| !line.is_empty()) {
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    Some(Request { method, target, headers })
}

/// A response; the server always closes the connection after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Extra headers (Content-Length and Connection are added).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A short plain-text response such as `404 Not Found`.
    pub fn plain(status: u16) -> Response {
        let body = format!("{status} {}\n", reason(status)).into_bytes();
        Response { status, headers: vec![("Content-Type", "text/plain; charset=utf-8".to_owned())], body }
    }

    /// The response, with no body if `head_only` (a HEAD request).
    pub fn write_to(&self, stream: &mut impl Write, head_only: bool) -> io::Result<()> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\nServer: gspnpd\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = out.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        stream.write_all(&bytes)?;
        stream.flush()
    }
}

/// The reason phrase of the statuses the server sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn read(text: &str) -> Result<Request, ReadError> {
        read_request(&mut text.as_bytes(), Instant::now() + Duration::from_secs(5))
    }

    #[test]
    fn a_phone_request_is_read() {
        let request = read(
            "GET /abc/cfg000b82f55284.xml HTTP/1.1\r\nHost: 192.0.2.1\r\nUser-Agent: Grandstream Model HW GRP2614 SW 1.0.5.15 DevId 000b82f55284\r\n\r\n",
        )
        .unwrap();
        assert_eq!((request.method.as_str(), request.target.as_str()), ("GET", "/abc/cfg000b82f55284.xml"));
        assert_eq!(request.header("user-agent"), Some("Grandstream Model HW GRP2614 SW 1.0.5.15 DevId 000b82f55284"));
        assert!(read("GET / HTTP/1.0\n\n").is_ok());
    }

    #[test]
    fn malformed_truncated_and_oversized_heads_are_refused() {
        assert!(matches!(read("GET /\r\n\r\n"), Err(ReadError::Malformed)));
        assert!(matches!(read("GET / SIP/2.0\r\n\r\n"), Err(ReadError::Malformed)));
        assert!(matches!(read("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), Err(ReadError::Malformed)));
        assert!(matches!(read("GET / HTTP/1.1\r\nHost: x\r\n"), Err(ReadError::Closed)));
        let long = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(matches!(read(&long), Err(ReadError::TooLarge)));
    }

    #[test]
    fn responses_close_and_head_has_no_body() {
        let mut out = Vec::new();
        Response::plain(404).write_to(&mut out, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 404 Not Found\r\n") && text.ends_with("\r\n\r\n404 Not Found\n"), "{text}");
        assert!(text.contains("Content-Length: 14\r\nConnection: close\r\n"), "{text}");
        let mut out = Vec::new();
        Response::plain(404).write_to(&mut out, true).unwrap();
        assert!(String::from_utf8(out).unwrap().ends_with("\r\n\r\n"));
    }
}
