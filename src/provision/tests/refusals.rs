//! What is refused, with which error and message.

use super::fixtures::{account, grp2612_profile, grp2614_profile, mac, put_keys, target, KeyRow};
use crate::provision::{
    parse_mac, render, Account, Capabilities, Format, Key, KeyKind, Profile, ProvisionError, Target,
};

fn refusal(profile: &Profile, model: &str, format: Format) -> ProvisionError {
    render(profile, &target(model, format)).unwrap_err()
}

/// A profile with only account `index` (extension 300 + `index`).
fn only_account(index: u8) -> Profile {
    let extension = (300 + u16::from(index)).to_string();
    let mut profile = Profile::new();
    let account = account("Extra", "pbx.local", &extension, "Extra", "secret").unwrap();
    profile.set_account(index, account).unwrap();
    profile
}

fn limit(message: &str) -> ProvisionError {
    ProvisionError::LimitExceeded { message: message.to_owned() }
}

#[test]
fn unknown_codecs_and_key_modes() {
    let error = Account::new().set_codecs(["opus", "speex"]).unwrap_err();
    assert_eq!(error, ProvisionError::UnknownCodec { name: "\"speex\"".into() });
    assert!(error.to_string().contains("speex"));
    let error = Key::parse("hot desk", 1, "", "").unwrap_err();
    assert_eq!(error, ProvisionError::UnknownKeyMode { name: "\"hot desk\"".into() });
    assert!(
        matches!(Key::parse("11", 1, "", ""), Err(ProvisionError::UnknownKeyMode { .. })),
        "GXP codes are not names"
    );
}

#[test]
fn bad_macs() {
    for text in ["000b82f5528", "000b82f55284x", "00:0b:82:f5:52", "zz0b82f55284", ""] {
        assert!(matches!(parse_mac(text), Err(ProvisionError::InvalidMac { .. })), "{text}");
    }
}

#[test]
fn more_accounts_than_the_model_has() {
    let mut profile = grp2612_profile();
    profile.set_account(3, account("Third", "pbx.local", "303", "Third", "p303").unwrap()).unwrap();
    for format in [Format::V1, Format::V2] {
        assert_eq!(refusal(&profile, "GRP2612W", format), limit("GRP2612 has 2 accounts; the profile uses 3"));
    }
    assert!(render(&profile, &target("GRP2613", Format::V1)).is_ok());
}

/// A key added to a fixture, the model rendered for, and the refusal expected (if any).
type KeyCase = (fn() -> Profile, KeyKind, KeyRow, &'static str, Option<&'static str>);

#[test]
fn more_keys_than_the_model_has() {
    #[rustfmt::skip]
    let cases: [KeyCase; 5] = [
        (grp2612_profile, KeyKind::Vpk, (17, "BLF", 1, "Extra", "299"), "GRP2612", Some("GRP2612 has 16 VPKs; the profile uses 17")),
        (grp2612_profile, KeyKind::Vpk, (17, "BLF", 1, "Extra", "299"), "GRP2613", None),
        (grp2612_profile, KeyKind::Mpk, (1, "BLF", 1, "Side", "298"), "GRP2612", Some("GRP2612 has 0 MPKs; the profile uses 1")),
        (grp2614_profile, KeyKind::Mpk, (24, "BLF", 1, "Last", "297"), "GRP2614", None),
        (grp2612_profile, KeyKind::Vpk, (5, "BLF", 3, "Nobody", "296"), "GRP2612", Some("VPK 5 uses account 3, but GRP2612 has 2 accounts")),
    ];
    for (fixture, kind, key, model, expected) in cases {
        let mut profile = fixture();
        put_keys(&mut profile, kind, &[key]);
        let result = render(&profile, &target(model, Format::V1));
        match expected {
            Some(message) => assert_eq!(result.unwrap_err(), limit(message)),
            None => assert!(result.is_ok(), "{model}: {result:?}"),
        }
    }
}

#[test]
fn line_keys_on_dynamic_vpks() {
    let mut profile = grp2614_profile();
    put_keys(&mut profile, KeyKind::Vpk, &[(5, "line", 1, "", "")]);
    let error = refusal(&profile, "GRP2614", Format::V2);
    assert!(matches!(error, ProvisionError::InvalidArgument { .. }), "{error:?}");
    assert!(error.to_string().contains("VPK 5"), "{error}");
    assert!(render(&profile, &target("GRP2616", Format::V2)).is_ok(), "VPK 5 is fixed on a GRP2616");
}

#[test]
fn accounts_beyond_six_need_version_2() {
    let profile = only_account(7);
    let more = Capabilities { accounts: 12, vpks: 16, fixed_vpks: 4, mpks: 24, v1_accounts: 6 };
    let target = |format| Target::new(mac(), "GRP2614", format).unwrap().with_capabilities(more).unwrap();
    let error = render(&profile, &target(Format::V1)).unwrap_err();
    assert!(matches!(&error, ProvisionError::LimitExceeded { message } if message.contains("version 2")), "{error:?}");
    let v2 = String::from_utf8(render(&profile, &target(Format::V2)).unwrap().bytes).unwrap();
    assert!(v2.contains("<item name=\"account.7.sip.userid\">307</item>"), "{v2}");
    assert_eq!(refusal(&profile, "GRP2614", Format::V2), limit("GRP2614 has 4 accounts; the profile uses 7"));
}

#[test]
fn grp260x_version_1_files_stop_at_account_4() {
    let profile = only_account(5);
    assert!(matches!(refusal(&profile, "GRP2603", Format::V1), ProvisionError::LimitExceeded { .. }));
    assert!(render(&profile, &target("GRP2603", Format::V2)).is_ok());
}

#[test]
fn raw_names_the_format_cannot_express() {
    // An alias gspnp does not know has no P-number; a P-number it does not know no alias.
    for (name, refused, accepted) in [("call.dnd.enable", Format::V1, Format::V2), ("P8467", Format::V2, Format::V1)] {
        let mut profile = grp2612_profile();
        profile.set_raw(name, "1").unwrap();
        let error = refusal(&profile, "GRP2612", refused);
        assert!(matches!(error, ProvisionError::UnknownSetting { .. }), "{name}: {error:?}");
        assert!(render(&profile, &target("GRP2612", accepted)).is_ok(), "{name}");
    }
    assert!(matches!(Profile::new().set_raw("no spaces please", "1"), Err(ProvisionError::UnknownSetting { .. })));
}

#[test]
fn unknown_models_get_conservative_limits_and_a_warning() {
    let profile = grp2612_profile();
    let rendered = render(&profile, &target("GRP2699", Format::V2)).unwrap();
    assert!(rendered.warnings[0].starts_with("unknown phone model \"GRP2699\": using conservative limits (2 accounts"));
    assert_eq!(refusal(&grp2614_profile(), "GRP2699", Format::V2), limit("GRP2699 has 2 accounts; the profile uses 4"));
    assert!(matches!(crate::provision::capabilities("GRP2699"), Err(ProvisionError::UnknownModel { .. })));
}
