//! Rendered files parse back to exactly what the profile says, and render the same way
//! every time.

use super::fixtures::{grp2612_profile, grp2614_profile, target};
use super::read_back::{read_back, ReadBack};
use crate::provision::address::Address;
use crate::provision::assemble::{file_globals, plan};
use crate::provision::settings_table::{key_settings, Setting, ACCOUNT_SETTINGS};
use crate::provision::{render, Format, KeyKind, Profile};

const FORMATS: [Format; 2] = [Format::V1, Format::V2];

fn cases() -> [(Profile, &'static str); 2] {
    [(grp2614_profile(), "GRP2614"), (grp2612_profile(), "GRP2612")]
}

/// The name of table setting `setting` at `index` in `format`.
fn name(setting: &'static Setting, index: u8, format: Format) -> String {
    let address = Address::Known(setting, index);
    match format {
        Format::V1 => address.v1_name(),
        Format::V2 => address.v2_name(),
    }
    .unwrap()
}

fn rendered(profile: &Profile, model: &str, format: Format) -> ReadBack {
    read_back(&render(profile, &target(model, format)).unwrap().bytes)
}

#[test]
fn every_written_value_reads_back_exactly_once() {
    for (profile, model) in cases() {
        for format in FORMATS {
            let target = target(model, format);
            let read = rendered(&profile, model, format);
            let globals = file_globals(&profile, &target);
            let planned = plan(&profile, &globals, &target, &target.resolve_model(), &mut Vec::new()).unwrap();
            let expected: Vec<(String, String)> = planned
                .items()
                .iter()
                .map(|(address, value)| (name_of(address, format), value.in_format(format).into_owned()))
                .collect();
            assert_eq!(read.settings, expected, "{model} {format:?}");
            assert_eq!(read.config_version, format.version().to_string());
            let mut names: Vec<_> = read.settings.iter().map(|(name, _)| name).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), read.settings.len(), "a setting written twice");
        }
    }
}

fn name_of(address: &Address, format: Format) -> String {
    match format {
        Format::V1 => address.v1_name(),
        Format::V2 => address.v2_name(),
    }
    .unwrap()
}

#[test]
fn accounts_and_keys_read_back_as_the_profile_has_them() {
    for (profile, model) in cases() {
        for format in FORMATS {
            let read = rendered(&profile, model, format);
            for (index, account) in profile.accounts() {
                let texts = [
                    account.name(),
                    account.sip_server(),
                    account.secondary_sip_server(),
                    account.outbound_proxy(),
                    account.user_id(),
                    account.effective_auth_id(),
                    account.password(),
                    account.display_name(),
                    account.voicemail_number(),
                ];
                for (setting, text) in ACCOUNT_SETTINGS[1..10].iter().zip(texts) {
                    assert_eq!(read.get(&name(setting, index, format)), Some(text), "{}", setting.label);
                }
                let minutes = account.registration_expiry_minutes().0.to_string();
                assert_eq!(read.get(&name(ACCOUNT_SETTINGS[11], index, format)), Some(minutes.as_str()));
            }
            for kind in [KeyKind::Vpk, KeyKind::Mpk] {
                for (&index, key) in profile.keys(kind) {
                    let [mode, account, label, value] = key_settings(kind).each_ref();
                    let mode_text = match format {
                        Format::V1 => key.mode().code().to_string(),
                        Format::V2 => key.mode().name().to_owned(),
                    };
                    assert_eq!(read.get(&name(mode, index, format)), Some(mode_text.as_str()));
                    let zero_based = (key.account() - 1).to_string();
                    assert_eq!(read.get(&name(account, index, format)), Some(zero_based.as_str()));
                    assert_eq!(read.get(&name(label, index, format)), Some(key.label()));
                    assert_eq!(read.get(&name(value, index, format)), Some(key.value()));
                }
            }
        }
    }
}

#[test]
fn xml_specials_in_names_and_passwords_survive() {
    let profile = grp2614_profile();
    let v1 = rendered(&profile, "GRP2614", Format::V1);
    let v2 = rendered(&profile, "GRP2614", Format::V2);
    assert_eq!(v1.mac.as_deref(), Some("000b82f55284"));
    assert_eq!(v2.mac, None);
    for (v1_name, v2_name, value) in [
        ("P3", "account.1.sip.subscriber.name", "Anna <&\"'> Müller"),
        ("P34", "account.1.sip.subscriber.password", "pa<&\"'>ss"),
        ("P23834", "pks.vpk.15.description", "R&D <lab>"),
    ] {
        assert_eq!(v1.get(v1_name), Some(value));
        assert_eq!(v2.get(v2_name), Some(value));
    }
}

#[test]
fn rendering_is_deterministic() {
    for (profile, model) in cases() {
        for format in FORMATS {
            let first = render(&profile, &target(model, format)).unwrap();
            let second = render(&profile.clone(), &target(model, format)).unwrap();
            assert!(first == second, "{model} {format:?}");
        }
    }
}

#[test]
fn the_order_things_were_set_in_does_not_matter() {
    let profile = grp2614_profile();
    let mut reversed = Profile::new();
    *reversed.globals_mut() = profile.globals().clone();
    for kind in [KeyKind::Mpk, KeyKind::Vpk] {
        for (&index, key) in profile.keys(kind).iter().rev() {
            reversed.set_key(kind, index, key.clone()).unwrap();
        }
    }
    for (index, account) in profile.accounts().collect::<Vec<_>>().into_iter().rev() {
        reversed.set_account(index, account.clone()).unwrap();
    }
    for format in FORMATS {
        let target = target("GRP2614", format);
        assert_eq!(render(&reversed, &target).unwrap().bytes, render(&profile, &target).unwrap().bytes);
    }
}

#[test]
fn raw_settings_are_written_and_replace_derived_values_in_place() {
    let mut profile = grp2612_profile();
    profile.set_raw("P47", "other.example.com").unwrap();
    profile.set_raw("P8467", "1").unwrap();
    let rendered = render(&profile, &target("GRP2612", Format::V1)).unwrap();
    let read = read_back(&rendered.bytes);
    assert_eq!(read.get("P47"), Some("other.example.com"));
    assert_eq!(read.get("P8467"), Some("1"));
    let position = |name: &str| read.settings.iter().position(|(key, _)| key == name).unwrap();
    assert!(position("P47") < position("P35"), "the replaced value keeps its place");
    assert!(rendered.warnings.iter().any(|w| w.contains("account 1 SIP server") && w.contains("replaces")));
    assert!(rendered.warnings.iter().any(|w| w.contains("P8467") && w.contains("not in gspnp's table")));
}

#[test]
fn raw_settings_of_every_scope_replace_in_place_or_come_last() {
    let replaced = [("P237", "a.example.com/x"), ("account.2.sip.userid", "2099"), ("pks.vpk.3.description", "Raw")];
    let mut profile = grp2614_profile();
    for (name, value) in replaced.iter().chain(&[("account.6.name", "Six")]) {
        profile.set_raw(name, value).unwrap();
    }
    let plain = rendered(&grp2614_profile(), "GRP2614", Format::V2);
    let file = render(&profile, &target("GRP2614", Format::V2)).unwrap();
    let read = read_back(&file.bytes);
    let names = |read: &ReadBack| read.settings.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&read)[..plain.settings.len()], names(&plain)[..], "replaced values keep their places");
    assert_eq!(names(&read)[plain.settings.len()..], ["account.6.name"]);
    assert_eq!(read.get("provisioning.config.serverPath"), Some("a.example.com/x"));
    assert_eq!((read.get("account.2.sip.userid"), read.get("pks.vpk.3.description")), (Some("2099"), Some("Raw")));
    assert_eq!(file.warnings.iter().filter(|w| w.contains("replaces")).count(), replaced.len());
}

#[test]
fn the_profile_config_server_wins_over_the_provisioning_url() {
    let mut profile = grp2612_profile();
    profile.globals_mut().set_config_server_url("http://prov.example.com/gs/").unwrap();
    let read = rendered(&profile, "GRP2612", Format::V1);
    assert_eq!((read.get("P212"), read.get("P237")), (Some("1"), Some("prov.example.com/gs")));
    let no_url = crate::provision::Target::new(super::fixtures::mac(), "GRP2612", Format::V1).unwrap();
    let read = read_back(&render(&grp2612_profile(), &no_url).unwrap().bytes);
    assert_eq!((read.get("P212"), read.get("P237")), (None, None));
    assert_eq!((read.get("P145"), read.get("P1414")), (Some("0"), Some("1")));
}
