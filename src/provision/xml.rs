//! Writes a plan as a Grandstream XML file, escaping `<>&"'` with quick-xml.

use quick_xml::escape::escape;

use crate::mac::Mac;

use super::address::Address;
use super::error::ProvisionError;
use super::format::{push_decimal, Format, Value};

/// Everything but the settings, with room to spare.
const FRAME: usize = 160;
/// Room per setting; a file with longer values grows once or twice.
const PER_ITEM: usize = 64;

/// The file for `items`: an XML declaration, `<gs_provision version="1">`, in v1 the
/// lower-case `<mac>`, then `<config version="1|2">` with one `<Pnnn>` (v1) or
/// `<item name="…">` (v2) per setting, indented by two spaces, ending in a newline.
/// Refuses a setting that has no name in `format`.
pub(crate) fn write(format: Format, mac: Mac, items: &[(Address, Value)]) -> Result<Vec<u8>, ProvisionError> {
    let mut out = Vec::with_capacity(FRAME + PER_ITEM * items.len());
    out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gs_provision version=\"1\">\n");
    if format == Format::V1 {
        push_all(&mut out, &[b"  <mac>", &mac.to_hex(), b"</mac>\n"]);
    }
    out.extend_from_slice(b"  <config version=\"");
    push_decimal(&mut out, format.version());
    out.extend_from_slice(b"\">\n");
    let mut name = Vec::new();
    for (address, value) in items {
        name.clear();
        if !address.push_name(format, &mut name) {
            return Err(unnamed(format, address));
        }
        match format {
            Format::V1 => {
                push_all(&mut out, &[b"    <", &name, b">"]);
                push_value(&mut out, format, value);
                push_all(&mut out, &[b"</", &name, b">\n"]);
            }
            Format::V2 => {
                out.extend_from_slice(b"    <item name=\"");
                // Table names are ASCII letters, digits and dots (a test checks): only raw
                // aliases need a look.
                match address {
                    Address::Known(..) => out.extend_from_slice(&name),
                    _ => push_escaped(&mut out, &String::from_utf8_lossy(&name)),
                }
                out.extend_from_slice(b"\">");
                push_value(&mut out, format, value);
                out.extend_from_slice(b"</item>\n");
            }
        }
    }
    out.extend_from_slice(b"  </config>\n</gs_provision>\n");
    Ok(out)
}

/// Appends `value` as `format` spells it, escaped.
fn push_value(out: &mut Vec<u8>, format: Format, value: &Value) {
    match value {
        Value::Number(number) => push_decimal(out, *number),
        _ => push_escaped(out, &value.in_format(format)),
    }
}

/// Appends `text` escaped as [`escape`] escapes it, without a look at each byte's
/// replacement when there is none (the usual case).
fn push_escaped(out: &mut Vec<u8>, text: &str) {
    let special = |byte: u8| matches!(byte, b'<' | b'>' | b'&' | b'\'' | b'"' | b'\r');
    if text.bytes().fold(false, |any, byte| any | special(byte)) {
        out.extend_from_slice(escape(text).as_bytes());
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

fn push_all(out: &mut Vec<u8>, parts: &[&[u8]]) {
    parts.iter().for_each(|part| out.extend_from_slice(part));
}

/// Why `address` cannot be written in `format`.
fn unnamed(format: Format, address: &Address) -> ProvisionError {
    let reason = match format {
        Format::V1 => {
            "gspnp knows no P-number for it, which version 1 files need: render version 2 or give the P-number"
        }
        Format::V2 => "gspnp knows no v2 alias for it, which version 2 files need: render version 1 or give the alias",
    };
    ProvisionError::UnknownSetting { name: address.describe(), reason: reason.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_agrees_with_quick_xml() {
        let tricky =
            ["", "plain", "a>b", "&amp;", "'\"", "Anna <&\"'> Müller", "\r\n\t", "€<€", "x&"].map(String::from);
        let single_bytes = (1..=127u8).map(|byte| char::from(byte).to_string());
        for text in tricky.into_iter().chain(single_bytes) {
            let mut out = b"kept".to_vec();
            push_escaped(&mut out, &text);
            assert_eq!(out, format!("kept{}", escape(text.as_str())).into_bytes(), "{text:?}");
        }
    }
}
