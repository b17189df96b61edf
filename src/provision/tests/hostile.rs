//! Hostile values: control characters, over-long text and XML specials, in every setter.
//! A refused value changes nothing, and secrets never show in errors or Debug output.

use super::fixtures::{grp2614_profile, mac, target};
use crate::provision::{render, Format, Key, KeyKind, Profile, ProvisionError, Target};

type Setter = fn(&mut Profile, &str) -> Result<(), ProvisionError>;

/// Every way text gets into a profile, with what the error calls the field.
const SETTERS: &[(&str, Setter)] = &[
    ("account name", |p, v| p.update_account(1, |a| a.set_name(v))),
    ("SIP server", |p, v| p.update_account(1, |a| a.set_sip_server(v))),
    ("secondary SIP server", |p, v| p.update_account(1, |a| a.set_secondary_sip_server(v))),
    ("outbound proxy", |p, v| p.update_account(2, |a| a.set_outbound_proxy(v))),
    ("user ID", |p, v| p.update_account(1, |a| a.set_user_id(v))),
    ("authentication ID", |p, v| p.update_account(1, |a| a.set_auth_id(v))),
    ("password", |p, v| p.update_account(1, |a| a.set_password(v))),
    ("display name", |p, v| p.update_account(1, |a| a.set_display_name(v))),
    ("voicemail number", |p, v| p.update_account(3, |a| a.set_voicemail_number(v))),
    ("new account", |p, v| p.update_account(5, |a| a.set_display_name(v))),
    ("codec", |p, v| p.update_account(1, |a| a.set_codecs([v]))),
    ("key label", |p, v| p.set_key(KeyKind::Vpk, 3, Key::parse("BLF", 1, v, "201")?)),
    ("key value", |p, v| p.set_key(KeyKind::Mpk, 3, Key::parse("BLF", 1, "Anna", v)?)),
    ("key mode", |p, v| p.set_key(KeyKind::Vpk, 3, Key::parse(v, 1, "Anna", "201")?)),
    ("config server URL", |p, v| p.globals_mut().set_config_server_url(v)),
    ("config server user", |p, v| p.globals_mut().set_config_server_credentials(v, "pw")),
    ("config server password", |p, v| p.globals_mut().set_config_server_credentials("prov", v)),
    ("firmware server URL", |p, v| p.globals_mut().set_firmware_server_url(v)),
    ("NTP server", |p, v| p.globals_mut().set_ntp_server(v)),
    ("time zone", |p, v| p.globals_mut().set_time_zone(v)),
    ("language", |p, v| p.globals_mut().set_language(v)),
    ("admin password", |p, v| p.globals_mut().set_admin_password(v)),
    ("user password", |p, v| p.globals_mut().set_user_password(v)),
    ("raw value", |p, v| p.set_raw("P8467", v)),
    ("raw known value", |p, v| p.set_raw("account.1.sip.subscriber.name", v)),
    ("raw name", |p, v| p.set_raw(v, "1")),
];

/// Feeds `value` to every setter of a fixture profile: each must refuse it with an
/// error `expected` accepts (or, where the value is a name, as an unknown name) and leave
/// the profile unchanged.
fn every_setter_refuses(value: &str, expected: fn(&ProvisionError) -> bool) {
    let original = grp2614_profile();
    for (what, setter) in SETTERS {
        let mut profile = original.clone();
        let result = setter(&mut profile, value);
        let refused = match &result {
            Err(ProvisionError::UnknownCodec { .. } | ProvisionError::UnknownKeyMode { .. }) => true,
            Err(error) => expected(error),
            Ok(()) => false,
        };
        assert!(refused, "{what} with {value:?}: {result:?}");
        assert!(profile == original, "{what} with {value:?} changed the profile");
    }
}

#[test]
fn control_characters_are_refused_by_every_setter_and_change_nothing() {
    for bad in ["a\rb", "a\nb", "a\r\nb", "a\0b", "a\tb", "a\u{7f}b", "a\u{85}b", "ab\u{1b}[31m"] {
        every_setter_refuses(bad, |error| matches!(error, ProvisionError::ControlCharacter { .. }));
    }
    assert!(matches!(Target::new(mac(), "GRP2614\r\n", Format::V1), Err(ProvisionError::ControlCharacter { .. })));
    assert!(matches!(
        Target::new(mac(), "GRP2614", Format::V1).unwrap().with_provisioning_url("https://pbx/\n"),
        Err(ProvisionError::ControlCharacter { .. })
    ));
}

#[test]
fn over_long_values_are_refused_by_every_setter_and_change_nothing() {
    every_setter_refuses(&"x".repeat(600), |error| matches!(error, ProvisionError::ValueTooLong { .. }));
    let original = grp2614_profile();
    let mut profile = original.clone();
    let label_33 = Key::parse("BLF", 1, &"L".repeat(33), "201").unwrap();
    assert!(matches!(profile.set_key(KeyKind::Vpk, 5, label_33), Err(ProvisionError::ValueTooLong { limit: 32, .. })));
    let value_65 = Key::parse("BLF", 1, "Anna", &"9".repeat(65)).unwrap();
    assert!(matches!(profile.set_key(KeyKind::Vpk, 5, value_65), Err(ProvisionError::ValueTooLong { limit: 64, .. })));
    assert!(profile == original);
}

#[test]
fn a_change_that_fails_halfway_leaves_nothing_behind() {
    let original = grp2614_profile();
    let mut profile = original.clone();
    let result = profile.update_account(2, |account| {
        account.set_display_name("Changed")?;
        account.set_password("changed")?;
        account.set_codecs(["g722", "bogus"])
    });
    assert!(matches!(result, Err(ProvisionError::UnknownCodec { .. })));
    assert!(profile == original);
}

#[test]
fn xml_specials_are_escaped_not_refused() {
    let mut profile = grp2614_profile();
    profile.set_raw("P8467", "<&\"'>").unwrap();
    let bytes = render(&profile, &target("GRP2614", Format::V1)).unwrap().bytes;
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("<P8467>&lt;&amp;&quot;&apos;&gt;</P8467>"), "{text}");
    assert!(text.contains("<P3>Anna &lt;&amp;&quot;&apos;&gt; Müller</P3>"));
    assert!(!text.contains("<&\"'>"));
}

#[test]
fn secrets_stay_out_of_errors_warnings_and_debug_output() {
    let secret = "Sup3rS3cret";
    let mut profile = Profile::new();
    for attempt in [format!("{secret}\n"), format!("{secret}{}", "x".repeat(600))] {
        for result in [
            profile.update_account(1, |a| a.set_password(&attempt)),
            profile.globals_mut().set_admin_password(&attempt),
            profile.globals_mut().set_user_password(&attempt),
            profile.globals_mut().set_config_server_credentials("prov", &attempt),
            profile.set_raw("P34", &attempt),
            profile.set_raw("P6769", &attempt),
        ] {
            let error = result.unwrap_err();
            assert!(!format!("{error} {error:?}").contains(secret), "{error}");
        }
    }
    let url_error = profile.globals_mut().set_config_server_url(&format!("https://prov:{secret}@pbx/")).unwrap_err();
    assert!(!format!("{url_error} {url_error:?}").contains(secret));

    profile.update_account(1, |a| a.set_password(secret)).unwrap();
    profile.globals_mut().set_admin_password(&format!("{secret}&")).unwrap();
    profile.globals_mut().set_user_password(secret).unwrap();
    profile.globals_mut().set_config_server_credentials("prov", secret).unwrap();
    profile.set_raw("P6769", secret).unwrap();
    let rendered = render(&profile, &target("GRP2614", Format::V1)).unwrap();
    assert!(String::from_utf8_lossy(&rendered.bytes).contains(secret), "the file itself holds it");
    let shown = format!("{profile:?} {profile:#?} {rendered:?} {:?}", rendered.warnings);
    assert!(!shown.contains(secret), "{shown}");
}
