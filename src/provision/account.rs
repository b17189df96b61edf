//! One SIP account of a phone.

use std::fmt;

use super::codecs::{parse_codec_list, Codec, CODEC_SLOTS};
use super::dtmf::DtmfModes;
use super::error::ProvisionError;
use super::format::Value;
use super::settings_table::{
    Setting, ACCOUNT_NAME, AUTH_ID, DISPLAY_NAME, OUTBOUND_PROXY, PASSWORD, SECONDARY_SIP_SERVER, SIP_SERVER, USER_ID,
    VOICEMAIL,
};
use super::transport::Transport;

/// The most accounts any GRP26xx addresses (v2 `account.N.` indices go up to 16, S11).
pub const MOST_ACCOUNTS: u8 = 16;

/// The phone's range for the registration expiry, in minutes (P32: "1 - 64800").
const EXPIRY_MINUTES: std::ops::RangeInclusive<u32> = 1..=64800;

/// One SIP account. Every text field of an account in a profile is written, empty or not,
/// so that the file describes the account completely. Setters check their value first
/// and change nothing when they refuse it.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    active: bool,
    name: String,
    sip_server: String,
    secondary_sip_server: String,
    outbound_proxy: String,
    user_id: String,
    auth_id: String,
    password: String,
    display_name: String,
    voicemail_number: String,
    transport: Transport,
    registration_expiry_seconds: u32,
    codecs: Vec<Codec>,
    dtmf: DtmfModes,
}

impl Default for Account {
    /// Active, UDP, registration every 3600 s (the phone's 60 minutes), DTMF via RFC2833,
    /// the phone's own codec order, every text empty.
    fn default() -> Account {
        Account {
            active: true,
            name: String::new(),
            sip_server: String::new(),
            secondary_sip_server: String::new(),
            outbound_proxy: String::new(),
            user_id: String::new(),
            auth_id: String::new(),
            password: String::new(),
            display_name: String::new(),
            voicemail_number: String::new(),
            transport: Transport::Udp,
            registration_expiry_seconds: 3600,
            codecs: Vec::new(),
            dtmf: DtmfModes::default(),
        }
    }
}

/// Checks `value` against `setting` and only then stores it.
fn set_text(field: &mut String, setting: &Setting, value: &str) -> Result<(), ProvisionError> {
    setting.check(value)?;
    *field = value.to_owned();
    Ok(())
}

impl Account {
    /// An account with the defaults described at [`Account::default`].
    pub fn new() -> Account {
        Account::default()
    }

    /// Whether the account is enabled on the phone.
    pub fn set_active(&mut self, active: bool) {
        self.active = active;
    }

    /// The account's label on the phone.
    pub fn set_name(&mut self, name: &str) -> Result<(), ProvisionError> {
        set_text(&mut self.name, &ACCOUNT_NAME, name)
    }

    /// The registrar, `host[:port]`.
    pub fn set_sip_server(&mut self, server: &str) -> Result<(), ProvisionError> {
        set_text(&mut self.sip_server, &SIP_SERVER, server)
    }

    /// The backup registrar, `host[:port]`.
    pub fn set_secondary_sip_server(&mut self, server: &str) -> Result<(), ProvisionError> {
        set_text(&mut self.secondary_sip_server, &SECONDARY_SIP_SERVER, server)
    }

    /// The outbound proxy, `host[:port]`.
    pub fn set_outbound_proxy(&mut self, proxy: &str) -> Result<(), ProvisionError> {
        set_text(&mut self.outbound_proxy, &OUTBOUND_PROXY, proxy)
    }

    /// The SIP user ID (usually the extension).
    pub fn set_user_id(&mut self, user_id: &str) -> Result<(), ProvisionError> {
        set_text(&mut self.user_id, &USER_ID, user_id)
    }

    /// The authentication ID; when empty the user ID is written instead.
    pub fn set_auth_id(&mut self, auth_id: &str) -> Result<(), ProvisionError> {
        set_text(&mut self.auth_id, &AUTH_ID, auth_id)
    }

    /// The authentication password. Never shown in errors or Debug output.
    pub fn set_password(&mut self, password: &str) -> Result<(), ProvisionError> {
        set_text(&mut self.password, &PASSWORD, password)
    }

    /// The caller-ID name.
    pub fn set_display_name(&mut self, display_name: &str) -> Result<(), ProvisionError> {
        set_text(&mut self.display_name, &DISPLAY_NAME, display_name)
    }

    /// The number the voicemail key dials, e.g. `*97`.
    pub fn set_voicemail_number(&mut self, number: &str) -> Result<(), ProvisionError> {
        set_text(&mut self.voicemail_number, &VOICEMAIL, number)
    }

    /// The SIP transport.
    pub fn set_transport(&mut self, transport: Transport) {
        self.transport = transport;
    }

    /// The registration expiry in seconds. The phone takes minutes: the file gets the
    /// seconds rounded up to whole minutes and kept within 1..=64800 (with a warning).
    pub fn set_registration_expiry_seconds(&mut self, seconds: u32) {
        self.registration_expiry_seconds = seconds;
    }

    /// The codec preference, best first, by name (see [`Codec`]'s `FromStr`). Refuses
    /// unknown names and repeats. Empty means the phone's own order. When fewer than
    /// eight are given, the last one fills the remaining choices so that the phone offers
    /// no codec that is not listed.
    pub fn set_codecs<I, S>(&mut self, names: I) -> Result<(), ProvisionError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.codecs = parse_codec_list(names)?;
        Ok(())
    }

    /// How DTMF is sent.
    pub fn set_dtmf(&mut self, modes: DtmfModes) {
        self.dtmf = modes;
    }

    /// Whether the account is enabled.
    pub fn active(&self) -> bool {
        self.active
    }

    /// The account's label.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The registrar.
    pub fn sip_server(&self) -> &str {
        &self.sip_server
    }

    /// The backup registrar.
    pub fn secondary_sip_server(&self) -> &str {
        &self.secondary_sip_server
    }

    /// The outbound proxy.
    pub fn outbound_proxy(&self) -> &str {
        &self.outbound_proxy
    }

    /// The SIP user ID.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The authentication ID as set (possibly empty).
    pub fn auth_id(&self) -> &str {
        &self.auth_id
    }

    /// The authentication ID as written: the user ID when none was set.
    pub fn effective_auth_id(&self) -> &str {
        if self.auth_id.is_empty() {
            &self.user_id
        } else {
            &self.auth_id
        }
    }

    /// The authentication password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The caller-ID name.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The voicemail number.
    pub fn voicemail_number(&self) -> &str {
        &self.voicemail_number
    }

    /// The SIP transport.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The registration expiry as set, in seconds.
    pub fn registration_expiry_seconds(&self) -> u32 {
        self.registration_expiry_seconds
    }

    /// The registration expiry as written, in minutes, and whether it had to be moved
    /// into the phone's range 1..=64800.
    pub fn registration_expiry_minutes(&self) -> (u32, bool) {
        let minutes = self.registration_expiry_seconds.div_ceil(60);
        let kept = minutes.clamp(*EXPIRY_MINUTES.start(), *EXPIRY_MINUTES.end());
        (kept, kept != minutes)
    }

    /// The codec preference, best first (empty: the phone's own).
    pub fn codecs(&self) -> &[Codec] {
        &self.codecs
    }

    /// How DTMF is sent.
    pub fn dtmf(&self) -> DtmfModes {
        self.dtmf
    }

    /// The codec for preference slot `slot` (0-based), the last listed one filling the
    /// slots beyond the list; nothing when no codecs are set.
    pub(crate) fn codec_choice(&self, slot: usize) -> Option<Value<'_>> {
        debug_assert!(slot < CODEC_SLOTS);
        let codec = self.codecs.get(slot).or_else(|| self.codecs.last())?;
        Some(Value::Spelled(codec.spelling()))
    }

    /// What the file will say differently from what was asked, for account `index`.
    pub(crate) fn warnings(&self, index: u8) -> Vec<String> {
        let (minutes, moved) = self.registration_expiry_minutes();
        if moved {
            vec![format!(
                "account {index}: registration expiry of {} s is outside the phone's 1-64800 minutes; written as {minutes} minutes",
                self.registration_expiry_seconds
            )]
        } else {
            Vec::new()
        }
    }
}

impl fmt::Debug for Account {
    /// Like a derived Debug, but the password is shown as `"<redacted>"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("active", &self.active)
            .field("name", &self.name)
            .field("sip_server", &self.sip_server)
            .field("secondary_sip_server", &self.secondary_sip_server)
            .field("outbound_proxy", &self.outbound_proxy)
            .field("user_id", &self.user_id)
            .field("auth_id", &self.auth_id)
            .field("password", &"<redacted>")
            .field("display_name", &self.display_name)
            .field("voicemail_number", &self.voicemail_number)
            .field("transport", &self.transport)
            .field("registration_expiry_seconds", &self.registration_expiry_seconds)
            .field("codecs", &self.codecs)
            .field("dtmf", &self.dtmf)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_value_changes_nothing() {
        let mut account = Account::new();
        account.set_sip_server("pbx.example.com:5060").unwrap();
        let before = account.clone();
        assert!(account.set_sip_server("pbx\r\nVia: evil").is_err());
        assert!(account.set_display_name(&"x".repeat(257)).is_err());
        assert!(account.set_codecs(["opus", "speex"]).is_err());
        assert!(account.set_codecs(["opus", "OPUS"]).is_err());
        assert_eq!(account, before);
    }

    #[test]
    fn auth_id_defaults_to_user_id() {
        let mut account = Account::new();
        account.set_user_id("201").unwrap();
        assert_eq!(account.effective_auth_id(), "201");
        account.set_auth_id("auth201").unwrap();
        assert_eq!(account.effective_auth_id(), "auth201");
    }

    #[test]
    fn expiry_is_rounded_up_to_minutes_and_kept_in_range() {
        let mut account = Account::new();
        for (seconds, minutes, moved) in [
            (3600, 60, false),
            (61, 2, false),
            (60, 1, false),
            (1, 1, false),
            (0, 1, true),
            (64800 * 60, 64800, false),
            (64800 * 60 + 1, 64800, true),
            (u32::MAX, 64800, true),
        ] {
            account.set_registration_expiry_seconds(seconds);
            assert_eq!(account.registration_expiry_minutes(), (minutes, moved), "{seconds}");
            assert_eq!(account.warnings(1).len(), usize::from(moved));
        }
    }

    #[test]
    fn short_codec_lists_fill_the_remaining_choices_with_the_last() {
        let mut account = Account::new();
        assert_eq!(account.codec_choice(0), None);
        account.set_codecs(["g722", "pcma"]).unwrap();
        let names: Vec<_> = (0..CODEC_SLOTS)
            .map(|slot| account.codec_choice(slot).unwrap().in_format(super::super::format::Format::V2).into_owned())
            .collect();
        assert_eq!(names, ["G.722", "PCMA", "PCMA", "PCMA", "PCMA", "PCMA", "PCMA", "PCMA"]);
    }

    #[test]
    fn debug_never_shows_the_password() {
        let mut account = Account::new();
        account.set_password("hunter2-secret").unwrap();
        let shown = format!("{account:?} {account:#?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("password: \"<redacted>\""), "{shown}");
    }
}
