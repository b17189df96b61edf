//! gspnp_profile: what a phone gets (accounts, keys, globals, raw settings), built by
//! the host, and gspnp_render: the file it becomes, without any server.

use std::ffi::c_char;
use std::sync::Arc;

use super::castable::{borrow, borrow_mut, free, into_c, Castable};
use super::guard::{guard, guard_value, Failure};
use super::server::{gspnp_server, runtime_failure, selector, server_ref};
use super::server_config::parse_mac;
use super::status::gspnp_status;
use super::strings::{gspnp_str, str_arg};
use crate::engine::{Assignment, ProfileAssignment};
use crate::provision::{
    render, Account, DtmfModes, Format, Globals, Key, KeyKind, Profile, ProvisionError, Rendered, Target, Transport,
};

/// A profile: accounts 1..16, line keys, global settings and raw settings. Every setter
/// validates its value and either applies it completely or changes nothing. Not
/// thread-safe: build it on one thread; servers copy it when it is assigned.
#[allow(non_camel_case_types)]
pub struct gspnp_profile {
    _private: [u8; 0],
}

/// A rendered configuration file, owned by the host until gspnp_rendered_free().
#[allow(non_camel_case_types)]
pub struct gspnp_rendered {
    _private: [u8; 0],
}

/// The settings of one SIP account (gspnp_profile_set_account). Values are text.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_account_field {
    /// "1"/"0" (also "yes"/"no", "true"/"false"); accounts are active by default.
    GSPNP_ACCOUNT_ACTIVE = 1,
    /// The account's name on the phone's screen.
    GSPNP_ACCOUNT_NAME = 2,
    /// host[:port] of the SIP server.
    GSPNP_ACCOUNT_SIP_SERVER = 3,
    /// host[:port] of the secondary SIP server.
    GSPNP_ACCOUNT_SECONDARY_SIP_SERVER = 4,
    /// host[:port] of the outbound proxy.
    GSPNP_ACCOUNT_OUTBOUND_PROXY = 5,
    /// The SIP user ID (the extension).
    GSPNP_ACCOUNT_USER_ID = 6,
    /// The authentication ID; the user ID when empty.
    GSPNP_ACCOUNT_AUTH_ID = 7,
    /// The SIP password (a secret: never logged, never in an error message).
    GSPNP_ACCOUNT_PASSWORD = 8,
    /// The caller-ID name.
    GSPNP_ACCOUNT_DISPLAY_NAME = 9,
    /// The voicemail access number, e.g. "*97".
    GSPNP_ACCOUNT_VOICEMAIL = 10,
    /// "udp", "tcp" or "tls".
    GSPNP_ACCOUNT_TRANSPORT = 11,
    /// Registration expiry in seconds (written in the phone's minutes, rounded up).
    GSPNP_ACCOUNT_EXPIRY_SECONDS = 12,
    /// Codec order, comma-separated: PCMU, PCMA, G.722, G.729, G.726-32, G.723.1, iLBC, Opus.
    GSPNP_ACCOUNT_CODECS = 13,
    /// DTMF modes, comma-separated: in_audio, rfc2833, sip_info.
    GSPNP_ACCOUNT_DTMF = 14,
}

/// Settings for the whole phone (gspnp_profile_set_global). Values are text.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_global_field {
    /// Where the phone fetches updates of its file (http(s)/tftp/ftp(s) URL); by default
    /// the URL it was told in the NOTIFY. Empty: the NOTIFY's URL again.
    GSPNP_GLOBAL_CONFIG_SERVER_URL = 1,
    /// HTTP(S) user name for the config server.
    GSPNP_GLOBAL_CONFIG_SERVER_USER = 2,
    /// HTTP(S) password for the config server (a secret).
    GSPNP_GLOBAL_CONFIG_SERVER_PASSWORD = 3,
    /// Where the phone fetches firmware (URL). Empty: not set.
    GSPNP_GLOBAL_FIRMWARE_SERVER_URL = 4,
    /// "1" lets DHCP options 66/43 override the config server; "0" (the default) keeps
    /// the PBX in charge.
    GSPNP_GLOBAL_DHCP_OVERRIDE = 5,
    /// NTP server host.
    GSPNP_GLOBAL_NTP_SERVER = 6,
    /// Time zone, as the phone names it.
    GSPNP_GLOBAL_TIME_ZONE = 7,
    /// Display language ("en", "de", ..., "auto").
    GSPNP_GLOBAL_LANGUAGE = 8,
    /// The phone's admin web password (a secret).
    GSPNP_GLOBAL_ADMIN_PASSWORD = 9,
    /// The phone's user web password (a secret).
    GSPNP_GLOBAL_USER_PASSWORD = 10,
}

/// Which keys (gspnp_profile_set_key).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum gspnp_key_kind {
    /// Virtual multi-purpose keys on the screen (every GRP26xx).
    GSPNP_KEY_KIND_VPK = 1,
    /// Physical multi-purpose keys (GRP2614, GRP2616).
    GSPNP_KEY_KIND_MPK = 2,
}

/// Maps a provisioning error onto its status; the message names the field and limit
/// but never a secret's value.
pub(crate) fn provision_failure(error: ProvisionError) -> Failure {
    use gspnp_status::*;
    let status = match &error {
        ProvisionError::InvalidMac { .. } => GSPNP_STATUS_INVALID_MAC,
        ProvisionError::ValueTooLong { .. } => GSPNP_STATUS_VALUE_TOO_LONG,
        ProvisionError::ControlCharacter { .. } => GSPNP_STATUS_CONTROL_CHARACTER,
        ProvisionError::UnknownCodec { .. } => GSPNP_STATUS_UNKNOWN_CODEC,
        ProvisionError::UnknownKeyMode { .. } => GSPNP_STATUS_UNKNOWN_KEY_MODE,
        ProvisionError::LimitExceeded { .. } => GSPNP_STATUS_LIMIT_EXCEEDED,
        ProvisionError::UnknownSetting { .. } => GSPNP_STATUS_UNKNOWN_SETTING,
        ProvisionError::UnknownModel { .. } => GSPNP_STATUS_UNKNOWN_MODEL,
        _ => GSPNP_STATUS_INVALID_ARGUMENT,
    };
    Failure::new(status, error.to_string())
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure::new(gspnp_status::GSPNP_STATUS_INVALID_ARGUMENT, message)
}

impl Castable for gspnp_profile {
    type Rust = Profile;
}

impl Castable for gspnp_rendered {
    type Rust = Rendered;
}

/// An account or key number: the model's limits are checked when rendering; here only
/// that it fits the profile's numbering (1 to 255).
fn small_index(value: u32, what: &str) -> Result<u8, Failure> {
    u8::try_from(value).ok().filter(|index| *index >= 1).ok_or_else(|| {
        Failure::new(gspnp_status::GSPNP_STATUS_LIMIT_EXCEEDED, format!("{what} {value} is out of range"))
    })
}

fn parse_flag(text: &str) -> Result<bool, Failure> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Ok(true),
        "0" | "no" | "false" | "off" => Ok(false),
        _ => Err(invalid(format!("{text:?} is not a yes/no value (1 or 0)"))),
    }
}

fn comma_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|item| !item.is_empty())
}

fn field_from<T: Copy + Into<u32>>(all: &[T], value: u32, what: &str) -> Result<T, Failure> {
    all.iter()
        .copied()
        .find(|field| (*field).into() == value)
        .ok_or_else(|| invalid(format!("{value} is not a {what}")))
}

impl From<gspnp_account_field> for u32 {
    fn from(field: gspnp_account_field) -> u32 {
        field as u32
    }
}

impl From<gspnp_global_field> for u32 {
    fn from(field: gspnp_global_field) -> u32 {
        field as u32
    }
}

const ACCOUNT_FIELDS: [gspnp_account_field; 14] = {
    use gspnp_account_field::*;
    [
        GSPNP_ACCOUNT_ACTIVE,
        GSPNP_ACCOUNT_NAME,
        GSPNP_ACCOUNT_SIP_SERVER,
        GSPNP_ACCOUNT_SECONDARY_SIP_SERVER,
        GSPNP_ACCOUNT_OUTBOUND_PROXY,
        GSPNP_ACCOUNT_USER_ID,
        GSPNP_ACCOUNT_AUTH_ID,
        GSPNP_ACCOUNT_PASSWORD,
        GSPNP_ACCOUNT_DISPLAY_NAME,
        GSPNP_ACCOUNT_VOICEMAIL,
        GSPNP_ACCOUNT_TRANSPORT,
        GSPNP_ACCOUNT_EXPIRY_SECONDS,
        GSPNP_ACCOUNT_CODECS,
        GSPNP_ACCOUNT_DTMF,
    ]
};

const GLOBAL_FIELDS: [gspnp_global_field; 10] = {
    use gspnp_global_field::*;
    [
        GSPNP_GLOBAL_CONFIG_SERVER_URL,
        GSPNP_GLOBAL_CONFIG_SERVER_USER,
        GSPNP_GLOBAL_CONFIG_SERVER_PASSWORD,
        GSPNP_GLOBAL_FIRMWARE_SERVER_URL,
        GSPNP_GLOBAL_DHCP_OVERRIDE,
        GSPNP_GLOBAL_NTP_SERVER,
        GSPNP_GLOBAL_TIME_ZONE,
        GSPNP_GLOBAL_LANGUAGE,
        GSPNP_GLOBAL_ADMIN_PASSWORD,
        GSPNP_GLOBAL_USER_PASSWORD,
    ]
};

/// Applies one account field to `account`.
fn set_account_field(account: &mut Account, field: gspnp_account_field, value: &str) -> Result<(), Failure> {
    use gspnp_account_field::*;
    let provision = |result: Result<(), ProvisionError>| result.map_err(provision_failure);
    match field {
        GSPNP_ACCOUNT_ACTIVE => account.set_active(parse_flag(value)?),
        GSPNP_ACCOUNT_NAME => provision(account.set_name(value))?,
        GSPNP_ACCOUNT_SIP_SERVER => provision(account.set_sip_server(value))?,
        GSPNP_ACCOUNT_SECONDARY_SIP_SERVER => provision(account.set_secondary_sip_server(value))?,
        GSPNP_ACCOUNT_OUTBOUND_PROXY => provision(account.set_outbound_proxy(value))?,
        GSPNP_ACCOUNT_USER_ID => provision(account.set_user_id(value))?,
        GSPNP_ACCOUNT_AUTH_ID => provision(account.set_auth_id(value))?,
        GSPNP_ACCOUNT_PASSWORD => provision(account.set_password(value))?,
        GSPNP_ACCOUNT_DISPLAY_NAME => provision(account.set_display_name(value))?,
        GSPNP_ACCOUNT_VOICEMAIL => provision(account.set_voicemail_number(value))?,
        GSPNP_ACCOUNT_TRANSPORT => account.set_transport(value.parse::<Transport>().map_err(provision_failure)?),
        GSPNP_ACCOUNT_EXPIRY_SECONDS => {
            let seconds =
                value.trim().parse::<u32>().map_err(|_| invalid(format!("{value:?} is not a number of seconds")))?;
            account.set_registration_expiry_seconds(seconds);
        }
        GSPNP_ACCOUNT_CODECS => provision(account.set_codecs(comma_list(value)))?,
        GSPNP_ACCOUNT_DTMF => account.set_dtmf(DtmfModes::from_names(comma_list(value)).map_err(provision_failure)?),
    }
    Ok(())
}

/// Applies one global field to `globals`.
fn set_global_field(globals: &mut Globals, field: gspnp_global_field, value: &str) -> Result<(), Failure> {
    use gspnp_global_field::*;
    let result = match field {
        GSPNP_GLOBAL_CONFIG_SERVER_URL if value.is_empty() => {
            globals.clear_config_server();
            Ok(())
        }
        GSPNP_GLOBAL_CONFIG_SERVER_URL => globals.set_config_server_url(value),
        GSPNP_GLOBAL_CONFIG_SERVER_USER => {
            let password = globals.config_credentials().map(|(_, p)| p.to_string()).unwrap_or_default();
            globals.set_config_server_credentials(value, &password)
        }
        GSPNP_GLOBAL_CONFIG_SERVER_PASSWORD => {
            let user = globals.config_credentials().map(|(u, _)| u.to_string()).unwrap_or_default();
            globals.set_config_server_credentials(&user, value)
        }
        GSPNP_GLOBAL_FIRMWARE_SERVER_URL if value.is_empty() => {
            globals.clear_firmware_server();
            Ok(())
        }
        GSPNP_GLOBAL_FIRMWARE_SERVER_URL => globals.set_firmware_server_url(value),
        GSPNP_GLOBAL_DHCP_OVERRIDE => {
            globals.set_dhcp_option_override(parse_flag(value)?);
            Ok(())
        }
        GSPNP_GLOBAL_NTP_SERVER => globals.set_ntp_server(value),
        GSPNP_GLOBAL_TIME_ZONE => globals.set_time_zone(value),
        GSPNP_GLOBAL_LANGUAGE => globals.set_language(value),
        GSPNP_GLOBAL_ADMIN_PASSWORD => globals.set_admin_password(value),
        GSPNP_GLOBAL_USER_PASSWORD => globals.set_user_password(value),
    };
    result.map_err(provision_failure)
}

/// An empty profile: no accounts, no keys, default globals. Free it with
/// gspnp_profile_free().
#[no_mangle]
pub extern "C" fn gspnp_profile_new() -> *mut gspnp_profile {
    guard_value(std::ptr::null_mut(), || into_c(Profile::new()))
}

/// Frees a profile. NULL is a no-op. Servers it was assigned to keep their own copy.
#[no_mangle]
pub unsafe extern "C" fn gspnp_profile_free(profile: *mut gspnp_profile) {
    guard_value((), || free(profile))
}

/// Sets one field (a gspnp_account_field) of account `account` (1..16), creating the
/// account if needed. Errors name the account and field; on error the account is as it
/// was. Whether the phone model has that many accounts is checked when rendering.
#[no_mangle]
pub unsafe extern "C" fn gspnp_profile_set_account(
    profile: *mut gspnp_profile,
    account: u32,
    field: u32,
    value: *const c_char,
    value_len: usize,
) -> gspnp_status {
    guard(|| {
        let profile = borrow_mut(profile, "profile")?;
        // SAFETY: the caller passes value_len readable bytes at value.
        let value = unsafe { str_arg(value, value_len, "value") }?;
        let field = field_from(&ACCOUNT_FIELDS, field, "gspnp_account_field")?;
        let account = small_index(account, "account")?;
        // Changed on a copy, stored only when the value was accepted.
        let mut slot = profile.account(account).cloned().unwrap_or_default();
        set_account_field(&mut slot, field, value)
            .map_err(|failure| Failure::new(failure.status, format!("account {account}: {}", failure.message)))?;
        profile.set_account(account, slot).map_err(provision_failure)
    })
}

/// Sets one global field (a gspnp_global_field).
#[no_mangle]
pub unsafe extern "C" fn gspnp_profile_set_global(
    profile: *mut gspnp_profile,
    field: u32,
    value: *const c_char,
    value_len: usize,
) -> gspnp_status {
    guard(|| {
        let profile = borrow_mut(profile, "profile")?;
        // SAFETY: the caller passes value_len readable bytes at value.
        let value = unsafe { str_arg(value, value_len, "value") }?;
        let field = field_from(&GLOBAL_FIELDS, field, "gspnp_global_field")?;
        let mut globals = profile.globals().clone();
        set_global_field(&mut globals, field, value)?;
        *profile.globals_mut() = globals;
        Ok(())
    })
}

/// Sets key `index` (1-based) of `kind` (a gspnp_key_kind): its mode by name ("line",
/// "shared_line", "blf", "speed_dial", "call_park", "intercom", "voicemail", "dnd",
/// "none", ...), the account it uses (1-based), its label and its value (extension,
/// number, ...). Gaps are filled as the phone requires when rendering.
#[no_mangle]
pub unsafe extern "C" fn gspnp_profile_set_key(
    profile: *mut gspnp_profile,
    kind: u32,
    index: u32,
    mode: *const c_char,
    mode_len: usize,
    account: u32,
    label: *const c_char,
    label_len: usize,
    value: *const c_char,
    value_len: usize,
) -> gspnp_status {
    guard(|| {
        let profile = borrow_mut(profile, "profile")?;
        // SAFETY: the caller passes the documented number of bytes at each pointer.
        let (mode, label, value) = unsafe {
            (str_arg(mode, mode_len, "mode")?, str_arg(label, label_len, "label")?, str_arg(value, value_len, "value")?)
        };
        let kind = match kind {
            k if k == gspnp_key_kind::GSPNP_KEY_KIND_VPK as u32 => KeyKind::Vpk,
            k if k == gspnp_key_kind::GSPNP_KEY_KIND_MPK as u32 => KeyKind::Mpk,
            other => return Err(invalid(format!("{other} is not a gspnp_key_kind"))),
        };
        let (index, account) = (small_index(index, "key index")?, small_index(account, "account")?);
        let key = Key::parse(mode, account, label, value).map_err(provision_failure)?;
        profile.set_key(kind, index, key).map_err(provision_failure)
    })
}

/// Sets a raw setting by P-number ("P1234" or "1234") or v2 alias
/// ("account.1.sip.listeningMode"); it replaces what gspnp would write for it.
#[no_mangle]
pub unsafe extern "C" fn gspnp_profile_set_raw(
    profile: *mut gspnp_profile,
    name: *const c_char,
    name_len: usize,
    value: *const c_char,
    value_len: usize,
) -> gspnp_status {
    guard(|| {
        let profile = borrow_mut(profile, "profile")?;
        // SAFETY: the caller passes the documented number of bytes at each pointer.
        let (name, value) = unsafe { (str_arg(name, name_len, "name")?, str_arg(value, value_len, "value")?) };
        profile.set_raw(name, value).map_err(provision_failure)
    })
}

fn format_from(version: u32) -> Result<Format, Failure> {
    Format::from_version(version).map_err(provision_failure)
}

/// Renders `profile` into the file phone `mac` of `model` fetches (format 1: P-values,
/// 2: aliases), for the provisioning URL `url` (empty: none, then the profile's own
/// config server is used). Pure: no server, any thread. The same input always gives
/// byte-identical output. Refusals: GSPNP_STATUS_LIMIT_EXCEEDED (more accounts or keys
/// than the model has), GSPNP_STATUS_INVALID_MAC, GSPNP_STATUS_UNKNOWN_SETTING, ...
/// An unknown model is rendered with conservative limits and a warning.
#[no_mangle]
pub unsafe extern "C" fn gspnp_render(
    profile: *const gspnp_profile,
    model: *const c_char,
    model_len: usize,
    mac: *const c_char,
    mac_len: usize,
    format: u32,
    url: *const c_char,
    url_len: usize,
    out: *mut *mut gspnp_rendered,
) -> gspnp_status {
    guard(|| {
        let profile = borrow(profile, "profile")?;
        // SAFETY: the caller passes the documented number of bytes at each pointer.
        let (model, mac, url) = unsafe {
            (str_arg(model, model_len, "model")?, str_arg(mac, mac_len, "mac")?, str_arg(url, url_len, "url")?)
        };
        require!(out);
        let mac = parse_mac(mac)?;
        let mut target = Target::new(mac, model, format_from(format)?).map_err(provision_failure)?;
        if !url.is_empty() {
            target = target.with_provisioning_url(url).map_err(provision_failure)?;
        }
        let rendered = render(profile, &target).map_err(provision_failure)?;
        // SAFETY: out is writable (checked non-NULL).
        unsafe { *out = into_c(rendered) };
        Ok(())
    })
}

fn rendered_ref<'a>(rendered: *const gspnp_rendered) -> Option<&'a Rendered> {
    borrow(rendered, "rendered").ok()
}

/// The file's name, `cfg<mac>.xml`; a view valid until gspnp_rendered_free(). Empty for NULL.
#[no_mangle]
pub unsafe extern "C" fn gspnp_rendered_file_name(rendered: *const gspnp_rendered) -> gspnp_str<'static> {
    guard_value(gspnp_str::empty(), || {
        rendered_ref(rendered).map_or(gspnp_str::empty(), |r| gspnp_str::new(&r.file_name))
    })
}

/// The file's bytes (UTF-8 XML; it holds passwords) and their number; valid until
/// gspnp_rendered_free().
#[no_mangle]
pub unsafe extern "C" fn gspnp_rendered_contents(
    rendered: *const gspnp_rendered,
    data: *mut *const u8,
    len: *mut usize,
) -> gspnp_status {
    guard(|| {
        let rendered = borrow(rendered, "rendered")?;
        require!(data);
        require!(len);
        // SAFETY: both outputs are writable (checked non-NULL).
        unsafe {
            *data = rendered.bytes.as_ptr();
            *len = rendered.bytes.len();
        }
        Ok(())
    })
}

/// How many warnings rendering gave (an unknown model, a clamped value, ...).
#[no_mangle]
pub unsafe extern "C" fn gspnp_rendered_warning_count(rendered: *const gspnp_rendered) -> usize {
    guard_value(0, || rendered_ref(rendered).map_or(0, |r| r.warnings.len()))
}

/// Warning `index` (0-based); an empty view when out of range.
#[no_mangle]
pub unsafe extern "C" fn gspnp_rendered_warning(rendered: *const gspnp_rendered, index: usize) -> gspnp_str<'static> {
    guard_value(gspnp_str::empty(), || {
        rendered_ref(rendered).and_then(|r| r.warnings.get(index)).map_or(gspnp_str::empty(), |w| gspnp_str::new(w))
    })
}

/// Frees a rendered file. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn gspnp_rendered_free(rendered: *mut gspnp_rendered) {
    guard_value((), || free(rendered))
}

/// Gives phone `mac` this profile (copied): when it sends its SUBSCRIBE the file is
/// rendered for its model in `format` (1 or 2), offered to on_config, and the phone is
/// told the URL from the server's template. `token` (may be empty) pins the phone's URL
/// token, for hosts that keep tokens across restarts: at least 22 characters of
/// A-Z a-z 0-9 - _.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_assign_profile(
    server: *const gspnp_server,
    mac: *const c_char,
    mac_len: usize,
    profile: *const gspnp_profile,
    format: u32,
    token: *const c_char,
    token_len: usize,
) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        // SAFETY: the caller passes the documented number of bytes at each pointer.
        let (mac, token) = unsafe { (str_arg(mac, mac_len, "mac")?, str_arg(token, token_len, "token")?) };
        let mac = parse_mac(mac)?;
        let assignment = profile_assignment(profile, format, token)?;
        server.assign(mac, assignment).map_err(runtime_failure)
    })
}

/// Gives every phone of `vendor` (and `model`, when not empty) without an assignment of
/// its own this profile (copied). NULL `profile` removes that default.
#[no_mangle]
pub unsafe extern "C" fn gspnp_server_set_default_profile(
    server: *const gspnp_server,
    vendor: *const c_char,
    vendor_len: usize,
    model: *const c_char,
    model_len: usize,
    profile: *const gspnp_profile,
    format: u32,
) -> gspnp_status {
    guard(|| {
        let server = server_ref(server)?;
        // SAFETY: the caller passes the documented number of bytes at each pointer.
        let (vendor, model) = unsafe { (str_arg(vendor, vendor_len, "vendor")?, str_arg(model, model_len, "model")?) };
        let selector = selector(vendor, model)?;
        let assignment = if profile.is_null() { None } else { Some(profile_assignment(profile, format, "")?) };
        server.set_default(selector, assignment).map_err(runtime_failure)
    })
}

fn profile_assignment(profile: *const gspnp_profile, format: u32, token: &str) -> Result<Assignment, Failure> {
    let profile = borrow(profile, "profile")?.clone();
    let format = format_from(format)?;
    let token = (!token.is_empty()).then(|| token.to_string());
    Ok(Assignment::Profile(Arc::new(ProfileAssignment { profile, format, token })))
}
