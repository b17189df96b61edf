//! The config renderer on profiles built from the input: any sequence of setter calls
//! with arbitrary values, then a render for an arbitrary MAC, model, format and
//! provisioning URL. It must not panic; a file it writes is well-formed UTF-8 XML; and
//! no password shows in an error, a warning or Debug output.
#![no_main]

use arbitrary::{Result, Unstructured};
use gspnp::provision::{render, Format, Key, KeyKind, Profile, ProvisionError, Target};
use gspnp::Mac;
use libfuzzer_sys::fuzz_target;

type Setter = fn(&mut Profile, u8, &str) -> std::result::Result<(), ProvisionError>;

/// Every way text gets into a profile; the u8 is an account or key index.
const SETTERS: &[Setter] = &[
    |p, i, v| p.update_account(i, |a| a.set_name(v)),
    |p, i, v| p.update_account(i, |a| a.set_sip_server(v)),
    |p, i, v| p.update_account(i, |a| a.set_secondary_sip_server(v)),
    |p, i, v| p.update_account(i, |a| a.set_outbound_proxy(v)),
    |p, i, v| p.update_account(i, |a| a.set_user_id(v)),
    |p, i, v| p.update_account(i, |a| a.set_auth_id(v)),
    |p, i, v| p.update_account(i, |a| a.set_display_name(v)),
    |p, i, v| p.update_account(i, |a| a.set_voicemail_number(v)),
    |p, i, v| p.update_account(i, |a| a.set_codecs(v.split(','))),
    |p, i, v| {
        p.update_account(i, |a| {
            a.set_transport(v.parse()?);
            Ok(())
        })
    },
    |p, i, v| {
        p.update_account(i, |a| {
            a.set_registration_expiry_seconds(v.len() as u32 * 997);
            Ok(())
        })
    },
    |p, i, v| p.set_key(KeyKind::Vpk, i, Key::parse(v, 1, "label", "201")?),
    |p, i, v| p.set_key(KeyKind::Mpk, i, Key::parse("BLF", 1, v, "202")?),
    |p, i, v| p.set_key(KeyKind::Vpk, i, Key::parse("SpeedDial", i, "Anna", v)?),
    |p, i, v| p.set_key(KeyKind::Vpk, i, Key::parse("line", i, v, "")?),
    |p, _, v| p.globals_mut().set_config_server_url(v),
    |p, _, v| p.globals_mut().set_firmware_server_url(v),
    |p, _, v| p.globals_mut().set_ntp_server(v),
    |p, _, v| p.globals_mut().set_time_zone(v),
    |p, _, v| p.globals_mut().set_language(v),
    |p, i, _| {
        p.globals_mut().set_dhcp_option_override(i % 2 == 0);
        Ok(())
    },
    |p, _, v| p.set_raw(v, "1"),
    |p, i, v| {
        p.set_raw(["P8467", "P47", "account.1.sip.subscriber.name", "call.dnd.enable", "P99999"][i as usize % 5], v)
    },
    |p, i, _| p.remove_account(i).map_or(Ok(()), |_| Ok(())),
    |p, i, v| p.remove_raw(v).map(|_| ()).or_else(|_| p.remove_key(KeyKind::Vpk, i).map_or(Ok(()), |_| Ok(()))),
];

/// Setters whose value is a secret.
const SECRET_SETTERS: &[Setter] = &[
    |p, i, v| p.update_account(i, |a| a.set_password(v)),
    |p, _, v| p.globals_mut().set_admin_password(v),
    |p, _, v| p.globals_mut().set_user_password(v),
    |p, _, v| p.globals_mut().set_config_server_credentials("prov", v),
    |p, _, v| p.set_raw("P34", v),
];

const MODELS: &[&str] =
    &["GRP2612", "GRP2612W", "GRP2613", "GRP2614", "GRP2615", "GRP2616", "GRP2624", "GRP2634", "GRP2601P", "HT801"];
const URLS: &[&str] =
    &["http://192.0.2.10/gspnp/0123456789abcdef0123456789abcdef/", "https://pbx.example:8443/p/", "tftp://192.0.2.10/"];

/// A secret no other value can contain by chance: `pw#` and 16 hex digits.
fn secret(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(format!("pw#{:016x}", u.arbitrary::<u64>()?))
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let mut profile = Profile::new();
    let mut secrets = Vec::new();
    let mut texts = Vec::new();
    let mut errors = Vec::new();
    for _ in 0..u.int_in_range(0..=40)? {
        let index: u8 = u.int_in_range(0..=18)?;
        if u.ratio(1, 6)? {
            let value = secret(u)?;
            let setter = u.choose(SECRET_SETTERS)?;
            if let Err(error) = setter(&mut profile, index, &value) {
                errors.push(format!("{error} {error:?}"));
            }
            secrets.push(value);
        } else {
            let value: &str = u.arbitrary()?;
            let setter = u.choose(SETTERS)?;
            if let Err(error) = setter(&mut profile, index, value) {
                errors.push(format!("{error} {error:?}"));
            }
            texts.push(value.to_string());
        }
    }
    let mac = Mac::from_hex12(format!("{:012x}", u.arbitrary::<u64>()? & 0xffff_ffff_ffff).as_bytes()).unwrap();
    let model: String = if u.ratio(3, 4)? { u.choose(MODELS)?.to_string() } else { u.arbitrary()? };
    let format = if u.arbitrary()? { Format::V1 } else { Format::V2 };
    let url: String = if u.ratio(3, 4)? { u.choose(URLS)?.to_string() } else { u.arbitrary()? };
    texts.extend([model.clone(), url.clone()]);
    let outcome =
        Target::new(mac, &model, format).and_then(|t| t.with_provisioning_url(&url)).and_then(|t| render(&profile, &t));
    let mut shown = format!("{profile:?} {}", errors.join(" "));
    match &outcome {
        Ok(rendered) => {
            let text = std::str::from_utf8(&rendered.bytes).expect("the file is UTF-8");
            let mut reader = quick_xml::Reader::from_str(text);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(error) => panic!("malformed XML at {}: {error}\n{text}", reader.buffer_position()),
                }
            }
            assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "a control character in the file");
            assert_eq!(rendered.file_name, format!("cfg{mac}.xml"));
            shown += &format!(" {rendered:?} {:?}", rendered.warnings);
        }
        Err(error) => shown += &format!(" {error} {error:?}"),
    }
    for secret in &secrets {
        if texts.iter().any(|text| text.contains(secret.as_str())) {
            continue;
        }
        assert!(!shown.contains(secret.as_str()), "the secret {secret} shows in: {shown}");
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
