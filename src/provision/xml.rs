//! Writes a plan as a Grandstream XML file with quick-xml (escaping `<&"'>`).

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use crate::mac::Mac;

use super::address::Address;
use super::error::ProvisionError;
use super::format::{Format, Value};

/// The file for `items`: an XML declaration, `<gs_provision version="1">`, in v1 the
/// lower-case `<mac>`, then `<config version="1|2">` with one `<Pnnn>` (v1) or
/// `<item name="…">` (v2) per setting, indented by two spaces, ending in a newline.
/// Refuses a setting that has no name in `format`.
pub(crate) fn write(format: Format, mac: Mac, items: &[(Address, Value)]) -> Result<Vec<u8>, ProvisionError> {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let version = format.version().to_string();
    writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))).map_err(io)?;
    writer
        .write_event(Event::Start(BytesStart::new("gs_provision").with_attributes([("version", "1")])))
        .map_err(io)?;
    if format == Format::V1 {
        writer.create_element("mac").write_text_content(BytesText::new(&mac.to_string())).map_err(io)?;
    }
    writer
        .write_event(Event::Start(BytesStart::new("config").with_attributes([("version", version.as_str())])))
        .map_err(io)?;
    for (address, value) in items {
        let text = BytesText::new(value.in_format(format));
        let element = match format {
            Format::V1 => writer.create_element(name_in(format, address)?),
            Format::V2 => writer.create_element("item").with_attribute(("name", name_in(format, address)?.as_str())),
        };
        element.write_text_content(text).map_err(io)?;
    }
    writer.write_event(Event::End(BytesEnd::new("config"))).map_err(io)?;
    writer.write_event(Event::End(BytesEnd::new("gs_provision"))).map_err(io)?;
    let mut bytes = writer.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

/// The setting's element (v1) or item (v2) name, or why it has none in `format`.
fn name_in(format: Format, address: &Address) -> Result<String, ProvisionError> {
    let (name, reason) = match format {
        Format::V1 => (
            address.v1_name(),
            "gspnp knows no P-number for it, which version 1 files need: render version 2 or give the P-number",
        ),
        Format::V2 => (
            address.v2_name(),
            "gspnp knows no v2 alias for it, which version 2 files need: render version 1 or give the alias",
        ),
    };
    name.ok_or_else(|| ProvisionError::UnknownSetting { name: address.describe(), reason: reason.to_owned() })
}

/// Writing into a `Vec` cannot fail; should it ever, it is reported, not panicked on.
fn io(error: std::io::Error) -> ProvisionError {
    ProvisionError::invalid(format!("writing the XML failed: {error}"))
}
