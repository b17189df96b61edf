//! From `[defaults]`, a phone's accounts, keys and raw settings to a gspnp profile.
//! Every value goes through the library's checking setters; a refusal names its key.

use gspnp::provision::{Account, Format, Globals, Key, KeyKind, Profile, ProvisionError, Transport};

use super::error::Issue;
use super::path::KeyPath;
use super::schema::{AccountTable, DefaultsTable, ProfileTable};

/// One phone (or one default profile), with where it is in the file.
pub struct ProfileParts<'a> {
    /// `phone[3]` or `default_profile[0]`.
    pub at: KeyPath,
    /// What it says.
    pub table: &'a ProfileTable,
}

/// Attaches `path` to a refusal from the library.
fn at<T>(path: &KeyPath, result: Result<T, ProvisionError>) -> Result<T, Issue> {
    result.map_err(|error| Issue::at(path, error.to_string()))
}

/// `v1`/`1` or `v2`/`2`.
pub fn parse_format(text: &str, path: &KeyPath) -> Result<Format, Issue> {
    match text.trim().to_ascii_lowercase().as_str() {
        "v1" | "1" => Ok(Format::V1),
        "v2" | "2" => Ok(Format::V2),
        _ => Err(Issue::at(path, format!("format {text:?} is not v1 or v2"))),
    }
}

/// The file format for `parts`: its own, else `[defaults]`', else v1.
pub fn format_of(defaults: &DefaultsTable, parts: &ProfileParts<'_>) -> Result<Format, Issue> {
    match (parts.table.format.as_deref(), &defaults.format) {
        (Some(own), _) => parse_format(own, &parts.at.key("format")),
        (None, Some(default)) => parse_format(default, &KeyPath::root().key("defaults").key("format")),
        (None, None) => Ok(Format::V1),
    }
}

/// The profile `parts` describe, on top of `defaults`. `config_credentials` are the
/// HTTP credentials the phone needs to fetch its file again after its reboot.
pub fn build_profile(
    defaults: &DefaultsTable,
    config_credentials: Option<(&str, &str)>,
    parts: &ProfileParts<'_>,
) -> Result<Profile, Issue> {
    let mut profile = Profile::new();
    apply_globals(&mut profile, defaults, config_credentials)?;
    let defaults_path = KeyPath::root().key("defaults");
    for (name, value) in &defaults.raw {
        at(&defaults_path.key("raw").key(name), profile.set_raw(name, value))?;
    }
    for (name, value) in &parts.table.raw {
        at(&parts.at.key("raw").key(name), profile.set_raw(name, value))?;
    }
    for (position, table) in parts.table.account.iter().enumerate() {
        let path = parts.at.key("account").index(position);
        let account = build_account(defaults, table, &path)?;
        let index = u8::try_from(position + 1).unwrap_or(u8::MAX);
        at(&path, profile.set_account(index, account))?;
    }
    let mut next_index = [1u8, 1u8];
    for (position, table) in parts.table.key.iter().enumerate() {
        let path = parts.at.key("key").index(position);
        let kind = parse_key_kind(table.kind.as_deref(), &path.key("kind"))?;
        let slot = &mut next_index[usize::from(kind == KeyKind::Mpk)];
        let index = table.index.unwrap_or(*slot);
        *slot = index.saturating_add(1);
        let key = match Key::parse(&table.mode, table.account, &table.label, &table.value) {
            Ok(key) => key,
            Err(error @ ProvisionError::UnknownKeyMode { .. }) => {
                return Err(Issue::at(&path.key("mode"), error.to_string()))
            }
            Err(error) => return Err(Issue::at(&path, error.to_string())),
        };
        at(&path, profile.set_key(kind, index, key))?;
    }
    Ok(profile)
}

fn parse_key_kind(kind: Option<&str>, path: &KeyPath) -> Result<KeyKind, Issue> {
    match kind.map(str::to_ascii_lowercase).as_deref() {
        None | Some("vpk") => Ok(KeyKind::Vpk),
        Some("mpk") => Ok(KeyKind::Mpk),
        Some(other) => Err(Issue::at(path, format!("key kind {other:?} is not vpk or mpk"))),
    }
}

/// A setter of a phone-wide text setting.
type GlobalSetter = fn(&mut Globals, &str) -> Result<(), ProvisionError>;

fn apply_globals(
    profile: &mut Profile,
    defaults: &DefaultsTable,
    config_credentials: Option<(&str, &str)>,
) -> Result<(), Issue> {
    let path = KeyPath::root().key("defaults");
    let globals = profile.globals_mut();
    let texts: [(&str, Option<&String>, GlobalSetter); 6] = [
        ("ntp_server", defaults.ntp_server.as_ref(), Globals::set_ntp_server),
        ("time_zone", defaults.time_zone.as_ref(), Globals::set_time_zone),
        ("language", defaults.language.as_ref(), Globals::set_language),
        ("admin_password", defaults.admin_password.as_ref(), Globals::set_admin_password),
        ("user_password", defaults.user_password.as_ref(), Globals::set_user_password),
        ("firmware_url", defaults.firmware_url.as_ref(), Globals::set_firmware_server_url),
    ];
    for (key, value, set) in texts {
        if let Some(value) = value {
            at(&path.key(key), set(globals, value))?;
        }
    }
    if let Some((user, password)) = config_credentials {
        let auth = KeyPath::root().key("http").key("auth");
        at(&auth, globals.set_config_server_credentials(user, password))?;
    }
    Ok(())
}

/// A setter of a text field of an account.
type TextSetter = fn(&mut Account, &str) -> Result<(), ProvisionError>;

/// One account: its own values, else `[defaults]`'.
fn build_account(defaults: &DefaultsTable, table: &AccountTable, path: &KeyPath) -> Result<Account, Issue> {
    let mut account = Account::new();
    at(&path.key("user"), account.set_user_id(&table.user))?;
    let texts: [(&str, Option<&String>, Option<&String>, TextSetter); 8] = [
        ("auth_id", table.auth_id.as_ref(), None, Account::set_auth_id),
        ("password", table.password.as_ref(), None, Account::set_password),
        ("name", table.name.as_ref(), None, Account::set_display_name),
        ("label", table.label.as_ref(), None, Account::set_name),
        ("sip_server", table.sip_server.as_ref(), defaults.sip_server.as_ref(), Account::set_sip_server),
        (
            "secondary_sip_server",
            table.secondary_sip_server.as_ref(),
            defaults.secondary_sip_server.as_ref(),
            Account::set_secondary_sip_server,
        ),
        (
            "outbound_proxy",
            table.outbound_proxy.as_ref(),
            defaults.outbound_proxy.as_ref(),
            Account::set_outbound_proxy,
        ),
        ("voicemail", table.voicemail.as_ref(), defaults.voicemail.as_ref(), Account::set_voicemail_number),
    ];
    for (key, own, inherited, set) in texts {
        if let Some((value, key_path)) = pick(path, key, own, inherited) {
            at(&key_path, set(&mut account, value))?;
        }
    }
    if let Some((transport, key_path)) = pick(path, "transport", table.transport.as_ref(), defaults.transport.as_ref())
    {
        account.set_transport(at(&key_path, transport.parse::<Transport>())?);
    }
    if let Some((codecs, key_path)) = pick(path, "codecs", table.codecs.as_ref(), defaults.codecs.as_ref()) {
        at(&key_path, account.set_codecs(codecs))?;
    }
    if let Some(seconds) = table.registration_expiry.or(defaults.registration_expiry) {
        account.set_registration_expiry_seconds(seconds);
    }
    if let Some(active) = table.active {
        account.set_active(active);
    }
    Ok(account)
}

/// The account's own value of `key` with its path, else the inherited one from
/// `[defaults]` with that path.
fn pick<'v, T>(account: &KeyPath, key: &str, own: Option<&'v T>, inherited: Option<&'v T>) -> Option<(&'v T, KeyPath)> {
    match (own, inherited) {
        (Some(value), _) => Some((value, account.key(key))),
        (None, Some(value)) => Some((value, KeyPath::root().key("defaults").key(key))),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::schema::KeyTable;

    fn account(user: &str) -> AccountTable {
        AccountTable {
            user: user.into(),
            auth_id: None,
            password: Some("s3cret".into()),
            name: Some("Alice".into()),
            label: None,
            sip_server: None,
            secondary_sip_server: None,
            outbound_proxy: None,
            transport: None,
            codecs: None,
            registration_expiry: None,
            voicemail: None,
            active: None,
        }
    }

    fn key(mode: &str) -> KeyTable {
        KeyTable { mode: mode.into(), value: "1002".into(), label: "Bob".into(), account: 1, kind: None, index: None }
    }

    fn table(account: Vec<AccountTable>, key: Vec<KeyTable>) -> ProfileTable {
        ProfileTable { mac: None, vendor: None, model: None, format: None, account, key, raw: Default::default() }
    }

    fn parts(table: &ProfileTable) -> ProfileParts<'_> {
        ProfileParts { at: KeyPath::root().key("phone").index(0), table }
    }

    #[test]
    fn accounts_inherit_the_defaults_and_keep_their_own_values() {
        let defaults = DefaultsTable { sip_server: Some("192.0.2.10".into()), ..DefaultsTable::default() };
        let mut own = account("1002");
        own.sip_server = Some("pbx.example.com".into());
        let phone = table(vec![account("1001"), own], vec![]);
        let profile = build_profile(&defaults, None, &parts(&phone)).unwrap();
        let first = profile.account(1).unwrap();
        assert_eq!((first.user_id(), first.sip_server(), first.display_name()), ("1001", "192.0.2.10", "Alice"));
        assert_eq!(profile.account(2).unwrap().sip_server(), "pbx.example.com");
    }

    #[test]
    fn keys_are_numbered_in_order_per_kind() {
        let mut side = key("blf");
        side.kind = Some("mpk".into());
        let phone = table(vec![], vec![key("blf"), side, key("speed dial")]);
        let profile = build_profile(&DefaultsTable::default(), None, &parts(&phone)).unwrap();
        assert_eq!(profile.keys(KeyKind::Vpk).keys().copied().collect::<Vec<_>>(), [1, 2]);
        assert_eq!(profile.keys(KeyKind::Mpk).keys().copied().collect::<Vec<_>>(), [1]);
    }

    #[test]
    fn refusals_name_the_key_and_never_the_password() {
        let phone = table(vec![], vec![key("teleport")]);
        let issue = build_profile(&DefaultsTable::default(), None, &parts(&phone)).unwrap_err();
        assert_eq!(issue.path.to_string(), "phone[0].key[0].mode");
        let mut bad = account("1001");
        bad.password = Some("pass\nword-s3cret".into());
        let phone = table(vec![bad], vec![]);
        let issue = build_profile(&DefaultsTable::default(), None, &parts(&phone)).unwrap_err();
        assert_eq!(issue.path.to_string(), "phone[0].account[0].password");
        assert!(!issue.message.contains("s3cret"), "{}", issue.message);
        let defaults = DefaultsTable { transport: Some("carrier pigeon".into()), ..DefaultsTable::default() };
        let phone = table(vec![account("1001")], vec![]);
        let issue = build_profile(&defaults, None, &parts(&phone)).unwrap_err();
        assert_eq!(issue.path.to_string(), "defaults.transport");
    }
}
