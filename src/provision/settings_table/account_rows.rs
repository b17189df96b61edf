//! Per-account settings (reference §4): the P-numbers of accounts 1, 2, 3, 4, 5, 6.
//! Laid out as a table by hand (rustfmt skips this file).

use super::{account, setting, Read, Setting};
use crate::provision::account::Account;
use crate::provision::format::Value;

/// An account text field read by `get`, always written.
const fn text(label: &'static str, alias: &'static str, p: [u32; 6], get: fn(&Account) -> &str) -> Setting {
    setting(label, alias, account(p, Read::Text(get)))
}

/// Any other account setting.
const fn value(label: &'static str, alias: &'static str, p: [u32; 6], read: fn(&Account) -> Option<Value>) -> Setting {
    setting(label, alias, account(p, Read::Value(read)))
}

/// "Preferred Vocoder" choice `SLOT + 1`.
const fn codec_choice<const SLOT: usize>(label: &'static str, alias: &'static str, p: [u32; 6]) -> Setting {
    value(label, alias, p, |a| a.codec_choice(SLOT))
}

pub(crate) static ACCOUNT_ACTIVE: Setting =
    value("active", "enable", [271, 401, 501, 601, 1701, 1801], |a| Some(Value::flag(a.active())));
pub(crate) static ACCOUNT_NAME: Setting =
    text("account name", "name", [270, 417, 517, 617, 1717, 1817], Account::name);
pub(crate) static SIP_SERVER: Setting =
    text("SIP server", "sip.server.1.address", [47, 402, 502, 602, 1702, 1802], Account::sip_server).host_port();
pub(crate) static SECONDARY_SIP_SERVER: Setting =
    text("secondary SIP server", "sip.server.2.address", [2312, 2412, 2512, 2612, 2712, 2812], Account::secondary_sip_server).host_port();
pub(crate) static OUTBOUND_PROXY: Setting =
    text("outbound proxy", "sip.outboundProxy.1.address", [48, 403, 503, 603, 1703, 1803], Account::outbound_proxy).host_port();
pub(crate) static USER_ID: Setting =
    text("user ID", "sip.userid", [35, 404, 504, 604, 1704, 1804], Account::user_id);
/// Written as the user ID when the profile leaves it empty.
pub(crate) static AUTH_ID: Setting =
    text("authentication ID", "sip.subscriber.userid", [36, 405, 505, 605, 1705, 1805], Account::effective_auth_id);
pub(crate) static PASSWORD: Setting =
    text("password", "sip.subscriber.password", [34, 406, 506, 606, 1706, 1806], Account::password).secret();
pub(crate) static DISPLAY_NAME: Setting =
    text("display name", "sip.subscriber.name", [3, 407, 507, 607, 1707, 1807], Account::display_name);
pub(crate) static VOICEMAIL: Setting =
    text("voicemail number", "sip.voicemail.number", [33, 426, 526, 626, 1726, 1826], Account::voicemail_number);
pub(crate) static TRANSPORT: Setting =
    value("SIP transport", "sip.transport", [130, 448, 548, 648, 1748, 1848], |a| Some(Value::Spelled(a.transport().spelling())));
/// In minutes on the phone (1..64800); the profile holds seconds.
pub(crate) static REGISTER_EXPIRATION: Setting =
    value("registration expiry", "sip.registerExpiration", [32, 412, 512, 612, 1712, 1812], |a| Some(Value::number(a.registration_expiry_minutes().0)));

/// "Preferred Vocoder" choices 1-8.
pub(crate) static CODEC_CHOICES: [Setting; 8] = [
    codec_choice::<0>("codec choice 1", "codec.choice.1", [57, 451, 551, 651, 1751, 1851]),
    codec_choice::<1>("codec choice 2", "codec.choice.2", [58, 452, 552, 652, 1752, 1852]),
    codec_choice::<2>("codec choice 3", "codec.choice.3", [59, 453, 553, 653, 1753, 1853]),
    codec_choice::<3>("codec choice 4", "codec.choice.4", [60, 454, 554, 654, 1754, 1854]),
    codec_choice::<4>("codec choice 5", "codec.choice.5", [61, 455, 555, 655, 1755, 1855]),
    codec_choice::<5>("codec choice 6", "codec.choice.6", [62, 456, 556, 656, 1756, 1856]),
    codec_choice::<6>("codec choice 7", "codec.choice.7", [46, 457, 557, 657, 1757, 1857]),
    codec_choice::<7>("codec choice 8", "codec.choice.8", [98, 458, 558, 658, 1758, 1858]),
];

pub(crate) static DTMF_IN_AUDIO: Setting =
    value("DTMF in audio", "dtmf.sendInAudio", [2301, 2401, 2501, 2601, 2701, 2801], |a| Some(Value::flag(a.dtmf().in_audio)));
pub(crate) static DTMF_RFC2833: Setting =
    value("DTMF via RFC2833", "dtmf.sendInRtp", [2302, 2402, 2502, 2602, 2702, 2802], |a| Some(Value::flag(a.dtmf().rfc2833)));
pub(crate) static DTMF_SIP_INFO: Setting =
    value("DTMF via SIP INFO", "dtmf.sendInSip", [2303, 2403, 2503, 2603, 2703, 2803], |a| Some(Value::flag(a.dtmf().sip_info)));

/// The per-account settings, in the order they are written.
pub(crate) static ACCOUNT_SETTINGS: [&Setting; 23] = [
    &ACCOUNT_ACTIVE, &ACCOUNT_NAME, &SIP_SERVER, &SECONDARY_SIP_SERVER, &OUTBOUND_PROXY, &USER_ID,
    &AUTH_ID, &PASSWORD, &DISPLAY_NAME, &VOICEMAIL, &TRANSPORT, &REGISTER_EXPIRATION,
    &CODEC_CHOICES[0], &CODEC_CHOICES[1], &CODEC_CHOICES[2], &CODEC_CHOICES[3],
    &CODEC_CHOICES[4], &CODEC_CHOICES[5], &CODEC_CHOICES[6], &CODEC_CHOICES[7],
    &DTMF_IN_AUDIO, &DTMF_RFC2833, &DTMF_SIP_INFO,
];
