//! `gspnpd decode`: what saved SIP datagrams say about the phones that sent them.

use std::io::Write;
use std::net::SocketAddrV4;
use std::path::Path;

use gspnp::device::decode_datagram;
use serde_json::{json, Value};

use crate::cli::DecodeOptions;

/// Prints one JSON line per file; true when every file decoded.
pub fn run(options: &DecodeOptions, out: &mut impl Write) -> std::io::Result<bool> {
    let mut all_ok = true;
    for file in &options.files {
        let report = decode_file(file, options.source);
        all_ok &= report["ok"] == Value::Bool(true);
        writeln!(out, "{report}")?;
    }
    Ok(all_ok)
}

/// The JSON object for one file.
pub fn decode_file(file: &Path, source: SocketAddrV4) -> Value {
    let name = file.display().to_string();
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(error) => return json!({ "file": name, "ok": false, "error": format!("cannot read: {error}") }),
    };
    match decode_datagram(&with_crlf(&bytes), source) {
        Ok(info) => json!({
            "file": name,
            "ok": true,
            "mac": info.mac.to_string(),
            "vendor": info.vendor,
            "model": info.model,
            "version": info.firmware,
            "profile_type": info.profile_type,
            "user_agent": info.user_agent,
            "contact": info.contact,
            "source": info.source.to_string(),
        }),
        Err(error) => json!({ "file": name, "ok": false, "error": error.to_string() }),
    }
}

/// `bytes` with every line ending as CRLF, as on the wire (files are often saved with LF).
pub fn with_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' && (index == 0 || bytes[index - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(byte);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_line_feeds_become_crlf_and_crlf_stays() {
        assert_eq!(with_crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(with_crlf(b"\n"), b"\r\n");
    }
}
