//! Profiles and targets several tests share.

use crate::mac::Mac;
use crate::provision::{
    parse_mac, Account, DtmfModes, Format, Key, KeyKind, Profile, ProvisionError, Target, Transport,
};

/// The MAC of the phone in the vendor's PnP guide.
pub(super) fn mac() -> Mac {
    parse_mac("00:0B:82:F5:52:84").unwrap()
}

/// The URL the engine would send in the NOTIFY.
pub(super) const PROVISIONING_URL: &str = "https://10.0.0.5:8443/gspnp/abc123/";

/// A target for `model` in `format` with [`PROVISIONING_URL`].
pub(super) fn target(model: &str, format: Format) -> Target {
    Target::new(mac(), model, format).unwrap().with_provisioning_url(PROVISIONING_URL).unwrap()
}

/// An account with the fields every fixture sets.
pub(super) fn account(
    name: &str,
    server: &str,
    user_id: &str,
    display_name: &str,
    password: &str,
) -> Result<Account, ProvisionError> {
    let mut account = Account::new();
    account.set_name(name)?;
    account.set_sip_server(server)?;
    account.set_user_id(user_id)?;
    account.set_display_name(display_name)?;
    account.set_password(password)?;
    Ok(account)
}

/// A key as (index, mode, account, label, value).
pub(super) type KeyRow = (u8, &'static str, u8, &'static str, &'static str);

/// Puts `keys` of `kind` into `profile`.
pub(super) fn put_keys(profile: &mut Profile, kind: KeyKind, keys: &[KeyRow]) {
    for &(index, mode, account, label, value) in keys {
        profile.set_key(kind, index, Key::parse(mode, account, label, value).unwrap()).unwrap();
    }
}

/// A GRP2614 with its 4 accounts, codecs, 16 VPKs (lines, BLF, speed dial, park,
/// intercom), MPKs in each P-number range, globals, and `<&"'>` in names and passwords.
pub(super) fn grp2614_profile() -> Profile {
    let mut profile = Profile::new();
    let mut anna = account("Reception", "pbx.example.com:5060", "201", "Anna <&\"'> Müller", "pa<&\"'>ss").unwrap();
    anna.set_secondary_sip_server("pbx2.example.com").unwrap();
    anna.set_voicemail_number("*97").unwrap();
    anna.set_codecs(["opus", "G722", "pcma", "PCMU"]).unwrap();
    profile.set_account(1, anna).unwrap();

    let mut bob = account("Sales", "pbx.example.com:5060", "202", "Bob", "s3cret202").unwrap();
    bob.set_auth_id("auth202").unwrap();
    bob.set_outbound_proxy("proxy.example.com:5070").unwrap();
    bob.set_voicemail_number("*97").unwrap();
    bob.set_transport(Transport::Tcp);
    bob.set_registration_expiry_seconds(1800);
    bob.set_codecs(["G729A/B", "pcmu"]).unwrap();
    bob.set_dtmf(DtmfModes::from_names(["in-audio", "SIP INFO"]).unwrap());
    profile.set_account(2, bob).unwrap();

    let mut carol = account("Support", "10.0.0.5", "203", "Carol", "x").unwrap();
    carol.set_transport(Transport::Tls);
    carol.set_registration_expiry_seconds(100);
    profile.set_account(3, carol).unwrap();

    let mut night = account("Night", "10.0.0.5:5061", "204", "Night line", "n1ght").unwrap();
    night.set_active(false);
    profile.set_account(4, night).unwrap();

    put_keys(
        &mut profile,
        KeyKind::Vpk,
        &[
            (1, "line", 1, "", ""),
            (2, "line", 2, "", ""),
            (3, "BLF", 1, "Bob", "202"),
            (4, "speed dial", 1, "Front door", "100"),
            (5, "BLF", 1, "Carol", "203"),
            (6, "SpeedDial", 2, "Sales queue", "600"),
            (7, "blf", 1, "Dave", "204"),
            (8, "speed_dial", 1, "Conference", "800"),
            (9, "BLF", 3, "Eve", "205"),
            (10, "call park", 1, "Park 1", "701"),
            (11, "BLF", 1, "Frank", "206"),
            (12, "speeddial", 4, "Voicemail", "*97"),
            (13, "BLF", 1, "Grace", "207"),
            (14, "intercom", 1, "Intercom", "208"),
            (15, "BLF", 1, "R&D <lab>", "209"),
            (16, "SpeedDial", 1, "Mobile", "+4915112345678"),
        ],
    );
    put_keys(
        &mut profile,
        KeyKind::Mpk,
        &[
            (1, "BLF", 1, "Ivan", "210"),
            (8, "speed dial", 2, "Taxi", "0800123"),
            (9, "BLF", 1, "Judy", "211"),
            (19, "DND", 1, "DND", ""),
        ],
    );

    let globals = profile.globals_mut();
    globals.set_config_server_credentials("prov", "cfg-pass").unwrap();
    globals.set_firmware_server_url("http://fw.example.com/grp/").unwrap();
    globals.set_ntp_server("pool.ntp.org").unwrap();
    globals.set_time_zone("CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00").unwrap();
    globals.set_language("de").unwrap();
    globals.set_admin_password("Admin1234").unwrap();
    globals.set_user_password("User5678").unwrap();
    profile
}

/// A GRP2612 at its limits: both accounts and VPK 16, with a fixed VPK left to the phone
/// (4) and a dynamic one left out (8, written as None).
pub(super) fn grp2612_profile() -> Profile {
    let mut profile = Profile::new();
    let mut desk = account("Desk", "pbx.local", "301", "Desk 301", "p301").unwrap();
    desk.set_codecs(["pcma"]).unwrap();
    profile.set_account(1, desk).unwrap();
    let mut hotline = account("Hotline", "pbx.local", "302", "Hotline", "p302").unwrap();
    hotline.set_registration_expiry_seconds(7 * 24 * 3600);
    profile.set_account(2, hotline).unwrap();
    put_keys(
        &mut profile,
        KeyKind::Vpk,
        &[
            (1, "line", 1, "", ""),
            (2, "line", 2, "", ""),
            (3, "shared line", 1, "Shared", "300"),
            (5, "BLF", 1, "Anna", "201"),
            (6, "BLF", 1, "Bob", "202"),
            (7, "BLF", 2, "Carol", "203"),
            (9, "speed dial", 1, "Front door", "100"),
            (10, "BLF", 1, "Dave", "204"),
            (11, "BLF", 1, "Eve", "205"),
            (12, "voicemail", 1, "Voicemail", "*97"),
            (13, "BLF", 1, "Frank", "206"),
            (14, "call park", 1, "Park", "700"),
            (15, "DND", 1, "DND", ""),
            (16, "BLF", 2, "Grace", "207"),
        ],
    );
    profile.globals_mut().set_language("auto").unwrap();
    profile.globals_mut().set_admin_password("adm&n").unwrap();
    profile
}
