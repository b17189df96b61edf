//! A tiny HTTP/1.1 client for the admin API tests (one request per connection), and a
//! daemon config with `[admin]`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// The admin password of every test config.
pub const ADMIN_PASSWORD: &str = "admin-pw-31337";

/// One response: status, headers (lower-case names), body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The body as JSON (Null if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// The first header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// `Authorization: Basic` of `admin:password`.
pub fn basic(password: &str) -> String {
    let text = format!("admin:{password}");
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let triple = chunk.iter().enumerate().fold(0u32, |acc, (i, byte)| acc | (u32::from(*byte) << (16 - 8 * i)));
        for position in 0..4 {
            out.push(if position <= chunk.len() {
                char::from(alphabet[(triple >> (18 - 6 * position) & 63) as usize])
            } else {
                '='
            });
        }
    }
    format!("Basic {out}")
}

/// Sends `method path` with `headers` and `body` to 127.0.0.1:`port`.
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("admin listener");
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or("");
    head.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|line| line.split(' ').nth(1)).and_then(|code| code.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Reply { status, headers, body: body.to_owned() }
}

/// As [`request`], authenticated as the admin with Basic and a JSON body.
pub fn admin(port: u16, method: &str, path: &str, body: Option<&str>) -> Reply {
    let authorization = basic(ADMIN_PASSWORD);
    let mut headers = vec![("Authorization", authorization.as_str())];
    if body.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    request(port, method, path, &headers, body)
}

/// The Argon2 hash of [`ADMIN_PASSWORD`], from `gspnpd hash-password`.
pub fn password_hash() -> String {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_gspnpd"))
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{ADMIN_PASSWORD}\n").as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A config on loopback with an admin listener on `admin_port`, the store at
/// `store`, and `extra` appended (default profiles, phones).
pub fn config(sip: u16, http: u16, admin_port: u16, store: &str, extra: &str) -> String {
    format!(
        "[sip]\nport = {sip}\nunicast_port = {sip}\nmulticast = false\ncooldown = 0\n[http]\nlisten = \"127.0.0.1:{http}\"\npublic_url = \"http://127.0.0.1:{http}/\"\n[defaults]\nsip_server = \"127.0.0.1\"\n[store]\npath = \"{store}\"\n[admin]\nlisten = \"127.0.0.1:{admin_port}\"\npassword_hash = \"{}\"\n{extra}",
        password_hash()
    )
}
