//! Whether a downloaded file is a Grandstream config file for the phone: well-formed
//! XML, `<gs_provision>` with a `<config version="1|2">`, the phone's own `<mac>` if it
//! has one, and an account (account 1's user ID) or the URL the phone was told (the
//! config server path). Nothing here assumes the server is gspnpd.

use std::collections::HashMap;

use super::account::FileAccount;

use gspnp::Mac;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// The settings a file holds, by P-number or v2 item name.
#[derive(Debug, Default)]
struct Settings {
    config_version: Option<String>,
    mac: Option<String>,
    values: HashMap<String, String>,
}

fn attribute(start: &BytesStart<'_>, name: &str) -> Option<String> {
    let attribute = start.try_get_attribute(name).ok()??;
    Some(attribute.normalized_value(XmlVersion::Explicit1_0).ok()?.into_owned())
}

/// Checks `bytes` as the file for `mac`, told `folder_url`, and returns its account 1;
/// the error says what is wrong.
pub fn check_file(bytes: &[u8], mac: Mac, folder_url: &str) -> Result<FileAccount, String> {
    let settings = read(bytes)?;
    match settings.config_version.as_deref() {
        Some("1" | "2") => {}
        Some(other) => return Err(format!("config version {other:?} is neither 1 nor 2")),
        None => return Err("no <config> inside <gs_provision>".to_owned()),
    }
    if let Some(file_mac) = &settings.mac {
        if !file_mac.trim().eq_ignore_ascii_case(&mac.to_string()) {
            return Err(format!("its <mac> is {file_mac:?}, not {mac}"));
        }
    }
    let value = |names: &[&str]| names.iter().find_map(|name| settings.values.get(*name)).cloned();
    let account = FileAccount::read(value);
    let server_path = value(&["P237", "provisioning.config.serverPath"]).unwrap_or_default();
    let told = folder_url.split_once("://").map_or(folder_url, |(_, rest)| rest).trim_end_matches('/');
    if account.user.is_empty() && server_path.trim_end_matches('/') != told {
        return Err("it names neither an account nor the URL the phone was told".to_owned());
    }
    Ok(account)
}

/// Reads the file's settings; an error for anything that is not well-formed
/// `<gs_provision>` XML.
fn read(bytes: &[u8]) -> Result<Settings, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())?;
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut current: Option<(String, String)> = None;
    let mut settings = Settings::default();
    let mut saw_root = false;
    loop {
        let event = reader.read_event().map_err(|error| format!("not well-formed XML: {error}"))?;
        match event {
            Event::Start(start) | Event::Empty(start) if path.is_empty() && saw_root => {
                return Err(format!("a second root element <{}>", start.name().as_ref()));
            }
            Event::Start(ref start) | Event::Empty(ref start) => {
                let name = start.name().as_ref().to_owned();
                match (path.len(), name.as_str()) {
                    (0, "gs_provision") => saw_root = true,
                    (0, other) => return Err(format!("the root element is <{other}>, not <gs_provision>")),
                    (1, "config") => settings.config_version = attribute(start, "version"),
                    (1, "mac") => current = Some(("mac".to_owned(), String::new())),
                    (2, "item") => current = attribute(start, "name").map(|item| (item, String::new())),
                    (2, _) => current = Some((name.clone(), String::new())),
                    _ => {}
                }
                if matches!(event, Event::Start(_)) {
                    path.push(name);
                } else {
                    finish(&mut current, &mut settings, path.len());
                }
            }
            Event::Text(text) => {
                if let Some((_, value)) = current.as_mut() {
                    value.push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => resolve_predefined_entity(&reference)
                        .ok_or_else(|| "an unknown entity reference".to_owned())?
                        .to_owned(),
                };
                if let Some((_, value)) = current.as_mut() {
                    value.push_str(&resolved);
                }
            }
            Event::End(_) => {
                path.pop();
                finish(&mut current, &mut settings, path.len());
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err("no <gs_provision> element".to_owned());
    }
    if !path.is_empty() {
        return Err(format!("unclosed <{}>", path.join("> <")));
    }
    Ok(settings)
}

/// Files the value being read, now that its element at `depth` closed.
fn finish(current: &mut Option<(String, String)>, settings: &mut Settings, depth: usize) {
    if let Some((name, value)) = current.take() {
        if name == "mac" && depth == 1 {
            settings.mac = Some(value);
        } else {
            settings.values.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: &str = "000b82f55284";
    const URL: &str = "https://192.0.2.1:8443/abc/";

    fn mac() -> Mac {
        MAC.parse().unwrap()
    }

    fn rendered(format: gspnp::provision::Format, with_account: bool) -> Vec<u8> {
        let mut profile = gspnp::provision::Profile::new();
        if with_account {
            profile
                .update_account(1, |account| {
                    account.set_user_id("1001")?;
                    account.set_auth_id("auth1001")?;
                    account.set_password("pw&<1001>")?;
                    account.set_sip_server("192.0.2.1:5070")?;
                    account.set_outbound_proxy("proxy.example.com")
                })
                .unwrap();
        }
        let target =
            gspnp::provision::Target::new(mac(), "GRP2614", format).unwrap().with_provisioning_url(URL).unwrap();
        gspnp::provision::render(&profile, &target).unwrap().bytes
    }

    #[test]
    fn files_gspnp_renders_pass_in_both_formats() {
        for format in [gspnp::provision::Format::V1, gspnp::provision::Format::V2] {
            let account = check_file(&rendered(format, true), mac(), URL).unwrap();
            let expected = FileAccount {
                user: "1001".into(),
                auth_id: "auth1001".into(),
                password: "pw&<1001>".into(),
                server: "192.0.2.1:5070".into(),
                proxy: "proxy.example.com".into(),
            };
            assert_eq!(account, expected, "{format:?}: account 1 read by P-number and by alias");
            let bare = check_file(&rendered(format, false), mac(), URL);
            assert_eq!(bare.map(|account| account.user), Ok(String::new()), "the URL alone names the phone");
            let other_url = check_file(&rendered(format, false), mac(), "https://192.0.2.1:8443/other/");
            assert!(other_url.is_err(), "{format:?}");
        }
    }

    #[test]
    fn another_phones_file_or_broken_xml_fails() {
        let file = rendered(gspnp::provision::Format::V1, true);
        assert!(check_file(&file, "000b82f55285".parse().unwrap(), URL).unwrap_err().contains("<mac>"));
        let cut = &file[..file.len() - 20];
        assert!(check_file(cut, mac(), URL).is_err());
        for broken in [
            "<html><body>404</body></html>",
            "<gs_provision version=\"1\"><config version=\"3\"><P35>1</P35></config></gs_provision>",
            "<gs_provision><config version=\"1\"><P35>1</P35></cnfig></gs_provision>",
            "<gs_provision/><gs_provision/>",
            "not xml at all",
        ] {
            assert!(check_file(broken.as_bytes(), mac(), URL).is_err(), "{broken}");
        }
        let minimal = "<gs_provision version=\"1\"><config version=\"2\"><item name=\"account.1.sip.userid\">1&amp;2</item></config></gs_provision>";
        assert_eq!(check_file(minimal.as_bytes(), mac(), URL).map(|account| account.user), Ok("1&2".to_owned()));
    }
}
