//! Phone-wide settings (reference §3). P212/P237 and P6767/P192 come from URLs (url.rs).
//! Laid out as a table by hand (rustfmt skips this file).

use super::{global, setting, Read, Setting};
use crate::provision::format::Value;
use crate::provision::globals::Globals;
use crate::provision::url::ServerLocation;
use crate::provision::validate::{LIMIT_LANGUAGE, LIMIT_SERVER_PATH, LIMIT_TIME_ZONE};

/// A text setting written only when `get` has a value.
const fn optional(label: &'static str, alias: &'static str, p: u32, get: fn(&Globals) -> Option<&str>) -> Setting {
    setting(label, alias, global(p, Read::Optional(get)))
}

/// Any other phone-wide setting.
const fn value(label: &'static str, alias: &'static str, p: u32, read: fn(&Globals) -> Option<Value>) -> Setting {
    setting(label, alias, global(p, Read::Value(read)))
}

fn protocol(server: Option<&ServerLocation>) -> Option<Value<'static>> {
    server.map(|server| Value::Spelled(server.protocol().spelling()))
}

pub(crate) static CONFIG_PROTOCOL: Setting =
    value("config server protocol", "provisioning.config.protocol", 212, |g| protocol(g.config_server()));
pub(crate) static CONFIG_SERVER_PATH: Setting =
    optional("config server path", "provisioning.config.serverPath", 237, |g| g.config_server().map(ServerLocation::path))
        .at_most(LIMIT_SERVER_PATH);
pub(crate) static CONFIG_USERNAME: Setting =
    optional("config server user name", "provisioning.config.username", 1360, |g| g.config_credentials().map(|(user, _)| user));
pub(crate) static CONFIG_PASSWORD: Setting =
    optional("config server password", "provisioning.config.password", 1361, |g| g.config_credentials().map(|(_, password)| password))
        .secret();
pub(crate) static FIRMWARE_PROTOCOL: Setting =
    value("firmware server protocol", "provisioning.firmware.protocol", 6767, |g| protocol(g.firmware_server()));
pub(crate) static FIRMWARE_SERVER_PATH: Setting =
    optional("firmware server path", "provisioning.firmware.serverPath", 192, |g| g.firmware_server().map(ServerLocation::path))
        .at_most(LIMIT_SERVER_PATH);
/// P145 defaults to 1 on the phone, which lets DHCP option 66/43 replace P237 (§8.3).
pub(crate) static DHCP_OVERRIDE: Setting =
    value("DHCP option 66/43 override", "provisioning.override.dhcp.allowCommonOptions", 145, |g| Some(Value::flag(g.dhcp_option_override())));
/// The phone-side PnP switch ("3CX Auto Provision"); always written on.
pub(crate) static PNP_SUBSCRIBE: Setting =
    value("PnP (3CX auto provision)", "provisioning.3cxAutoProvision", 1414, |_| Some(Value::flag(true)));
/// P4428 "Disable SIP NOTIFY Authentication" (v2 `sip.notify.challenge`, the inverse):
/// always written as the phone's default, challenge on, so that nobody else on the LAN
/// can make the phone re-provision or reboot; gspnp answers the challenge (README,
/// "Re-provisioning").
pub(crate) static NOTIFY_CHALLENGE: Setting = value(
    "SIP NOTIFY authentication",
    "sip.notify.challenge",
    4428,
    |_| Some(Value::Spelled(crate::provision::format::Spelling { v1: "0", v2: "Yes" })),
);
pub(crate) static NTP_SERVER: Setting =
    optional("NTP server", "dateTime.ntp.server.1", 30, Globals::ntp_server).host_port();
pub(crate) static TIME_ZONE: Setting =
    optional("time zone", "dateTime.timezone", 64, Globals::time_zone).at_most(LIMIT_TIME_ZONE);
/// P143 defaults to 1, which lets DHCP option 2 replace P64: turned off with a time zone.
pub(crate) static TIME_ZONE_FROM_DHCP: Setting =
    value("DHCP option 2 time zone override", "dateTime.override.dhcp.allowOption2", 143, |g| g.time_zone().map(|_| Value::flag(false)));
pub(crate) static LANGUAGE: Setting =
    value("display language", "language.gui", 1362, Globals::language_value).at_most(LIMIT_LANGUAGE);
pub(crate) static ADMIN_PASSWORD: Setting =
    optional("admin password", "users.admin.password", 2, Globals::admin_password).secret();
pub(crate) static USER_PASSWORD: Setting =
    optional("user password", "users.user.password", 196, Globals::user_password).secret();

/// The global settings, in the order they are written.
pub(crate) static GLOBAL_SETTINGS: [&Setting; 15] = [
    &CONFIG_PROTOCOL, &CONFIG_SERVER_PATH, &CONFIG_USERNAME, &CONFIG_PASSWORD,
    &FIRMWARE_PROTOCOL, &FIRMWARE_SERVER_PATH, &DHCP_OVERRIDE, &PNP_SUBSCRIBE, &NOTIFY_CHALLENGE, &NTP_SERVER,
    &TIME_ZONE, &TIME_ZONE_FROM_DHCP, &LANGUAGE, &ADMIN_PASSWORD, &USER_PASSWORD,
];
