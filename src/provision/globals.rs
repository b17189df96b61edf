//! Phone-wide settings: where to fetch config and firmware, time, language, passwords.

use std::fmt;

use super::error::{shown, ProvisionError};
use super::format::{Spelling, Value};
use super::settings_table::{
    Setting, ADMIN_PASSWORD, CONFIG_PASSWORD, CONFIG_USERNAME, LANGUAGE, NTP_SERVER, TIME_ZONE, USER_PASSWORD,
};
use super::url::ServerLocation;

/// Phone-wide settings. Unset ones (`None`) are left out of the file, so the phone keeps
/// its own; setting an empty string unsets. Three are always written: the PnP switch on
/// (P1414=1), NOTIFY authentication on (P4428=0, so only the PBX that knows the phone's
/// credentials can make it re-provision or reboot), and the DHCP option 66/43 override
/// off (P145=0) unless asked for, so that the PBX stays in charge of where the phone
/// provisions from (reference §8.3).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Globals {
    config_server: Option<ServerLocation>,
    config_credentials: Option<(String, String)>,
    firmware_server: Option<ServerLocation>,
    dhcp_option_override: bool,
    ntp_server: Option<String>,
    time_zone: Option<String>,
    language: Option<String>,
    admin_password: Option<String>,
    user_password: Option<String>,
}

/// Checks `value` against `setting` and only then stores it, empty meaning unset.
fn set_optional(field: &mut Option<String>, setting: &Setting, value: &str) -> Result<(), ProvisionError> {
    setting.check(value)?;
    *field = (!value.is_empty()).then(|| value.to_owned());
    Ok(())
}

impl Globals {
    /// Where the phone fetches its config from (P212 protocol, P237 path), from a URL such
    /// as `https://10.0.0.5:8443/gspnp/abc123/`. Overrides the target's provisioning URL.
    pub fn set_config_server_url(&mut self, url: &str) -> Result<(), ProvisionError> {
        self.config_server = Some(ServerLocation::parse("config server URL", url)?);
        Ok(())
    }

    /// Forgets the config server, so that the target's provisioning URL is used.
    pub fn clear_config_server(&mut self) {
        self.config_server = None;
    }

    /// HTTP(S) credentials for the config server (P1360/P1361); both empty unsets them.
    pub fn set_config_server_credentials(&mut self, user: &str, password: &str) -> Result<(), ProvisionError> {
        CONFIG_USERNAME.check(user)?;
        CONFIG_PASSWORD.check(password)?;
        self.config_credentials =
            (!user.is_empty() || !password.is_empty()).then(|| (user.to_owned(), password.to_owned()));
        Ok(())
    }

    /// Where the phone fetches firmware from (P6767 protocol, P192 path), from a URL.
    pub fn set_firmware_server_url(&mut self, url: &str) -> Result<(), ProvisionError> {
        self.firmware_server = Some(ServerLocation::parse("firmware server URL", url)?);
        Ok(())
    }

    /// Forgets the firmware server (the phone keeps its own).
    pub fn clear_firmware_server(&mut self) {
        self.firmware_server = None;
    }

    /// Whether DHCP options 66/43 may replace the config server (P145). Off by default.
    pub fn set_dhcp_option_override(&mut self, allowed: bool) {
        self.dhcp_option_override = allowed;
    }

    /// The NTP server, `host[:port]`.
    pub fn set_ntp_server(&mut self, server: &str) -> Result<(), ProvisionError> {
        set_optional(&mut self.ntp_server, &NTP_SERVER, server)
    }

    /// The time zone as the phone names it (`auto`, or a POSIX TZ string such as
    /// `CET-1CEST-2,M3.5.0/02:00:00,M10.5.0/03:00:00`). Setting one also stops DHCP
    /// option 2 from replacing it (P143=0).
    pub fn set_time_zone(&mut self, time_zone: &str) -> Result<(), ProvisionError> {
        set_optional(&mut self.time_zone, &TIME_ZONE, time_zone)
    }

    /// The display language code (`auto`, `en`, `de`, `zh-tw`, …): letters and `-` only.
    /// `auto` is written as `Automatic` in v2 files, as the v2 template spells it.
    pub fn set_language(&mut self, language: &str) -> Result<(), ProvisionError> {
        LANGUAGE.check(language)?;
        if !language.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
            return Err(ProvisionError::invalid(format!(
                "display language {} is not a language code such as en, de or zh-tw",
                shown(language)
            )));
        }
        set_optional(&mut self.language, &LANGUAGE, language)
    }

    /// The web admin password (P2). Never shown in errors or Debug output.
    pub fn set_admin_password(&mut self, password: &str) -> Result<(), ProvisionError> {
        set_optional(&mut self.admin_password, &ADMIN_PASSWORD, password)
    }

    /// The web end-user password (P196). Never shown in errors or Debug output.
    pub fn set_user_password(&mut self, password: &str) -> Result<(), ProvisionError> {
        set_optional(&mut self.user_password, &USER_PASSWORD, password)
    }

    /// The config server, if set.
    pub fn config_server(&self) -> Option<&ServerLocation> {
        self.config_server.as_ref()
    }

    /// The config server user name and password, if set.
    pub fn config_credentials(&self) -> Option<(&str, &str)> {
        self.config_credentials.as_ref().map(|(user, password)| (user.as_str(), password.as_str()))
    }

    /// The firmware server, if set.
    pub fn firmware_server(&self) -> Option<&ServerLocation> {
        self.firmware_server.as_ref()
    }

    /// Whether DHCP options 66/43 may replace the config server.
    pub fn dhcp_option_override(&self) -> bool {
        self.dhcp_option_override
    }

    /// The NTP server, if set.
    pub fn ntp_server(&self) -> Option<&str> {
        self.ntp_server.as_deref()
    }

    /// The time zone, if set.
    pub fn time_zone(&self) -> Option<&str> {
        self.time_zone.as_deref()
    }

    /// The display language, if set.
    pub fn language(&self) -> Option<&str> {
        self.language.as_deref()
    }

    /// The admin password, if set.
    pub fn admin_password(&self) -> Option<&str> {
        self.admin_password.as_deref()
    }

    /// The end-user password, if set.
    pub fn user_password(&self) -> Option<&str> {
        self.user_password.as_deref()
    }

    /// The language as written: `auto` is `Automatic` in v2.
    pub(crate) fn language_value(&self) -> Option<Value<'_>> {
        let language = self.language.as_deref()?;
        Some(if language.eq_ignore_ascii_case("auto") {
            Value::Spelled(Spelling { v1: "auto", v2: "Automatic" })
        } else {
            Value::text(language)
        })
    }

    /// These globals, with `fallback` as the config server when none is set.
    pub(crate) fn with_config_server_fallback(&self, fallback: Option<&ServerLocation>) -> Globals {
        let mut globals = self.clone();
        if globals.config_server.is_none() {
            globals.config_server = fallback.cloned();
        }
        globals
    }

    /// What the phone may not accept: its template documents only a-z, A-Z and 0-9 for
    /// the web passwords (P2, P196).
    pub(crate) fn warnings(&self) -> Vec<String> {
        [(&ADMIN_PASSWORD, &self.admin_password), (&USER_PASSWORD, &self.user_password)]
            .into_iter()
            .filter(|(_, password)| password.as_deref().is_some_and(|p| !p.chars().all(|c| c.is_ascii_alphanumeric())))
            .map(|(setting, _)| {
                format!(
                    "the {} has characters other than a-z, A-Z and 0-9, which the phone's template does not document",
                    setting.label
                )
            })
            .collect()
    }
}

impl fmt::Debug for Globals {
    /// Like a derived Debug, but every password is shown as `"<redacted>"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |secret: &Option<String>| secret.as_ref().map(|_| "<redacted>");
        f.debug_struct("Globals")
            .field("config_server", &self.config_server)
            .field("config_credentials", &self.config_credentials.as_ref().map(|(user, _)| (user, "<redacted>")))
            .field("firmware_server", &self.firmware_server)
            .field("dhcp_option_override", &self.dhcp_option_override)
            .field("ntp_server", &self.ntp_server)
            .field("time_zone", &self.time_zone)
            .field("language", &self.language)
            .field("admin_password", &redacted(&self.admin_password))
            .field("user_password", &redacted(&self.user_password))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_unsets_and_refusals_change_nothing() {
        let mut globals = Globals::default();
        globals.set_ntp_server("pool.ntp.org").unwrap();
        globals.set_language("de").unwrap();
        let before = globals.clone();
        assert!(globals.set_ntp_server("pool ntp").is_err());
        assert!(globals.set_language("de\n").is_err());
        assert!(globals.set_language("de_DE.UTF-8").is_err());
        assert!(globals.set_time_zone(&"T".repeat(65)).is_err());
        assert!(globals.set_config_server_credentials("user", "pass\0word").is_err());
        assert!(globals.set_config_server_url("gopher://pbx/").is_err());
        assert_eq!(globals, before);
        globals.set_ntp_server("").unwrap();
        assert_eq!(globals.ntp_server(), None);
    }

    #[test]
    fn auto_language_is_spelled_per_format() {
        let mut globals = Globals::default();
        globals.set_language("auto").unwrap();
        assert_eq!(globals.language_value(), Some(Value::Spelled(Spelling { v1: "auto", v2: "Automatic" })));
        globals.set_language("zh-tw").unwrap();
        assert_eq!(globals.language_value(), Some(Value::text("zh-tw")));
    }

    #[test]
    fn passwords_are_redacted_and_odd_ones_warned_about_without_showing_them() {
        let mut globals = Globals::default();
        globals.set_admin_password("s3cr&t").unwrap();
        globals.set_user_password("plain123").unwrap();
        globals.set_config_server_credentials("prov", "cfg-s3cret").unwrap();
        let shown = format!("{globals:?}");
        assert!(!shown.contains("s3cr") && !shown.contains("plain123"), "{shown}");
        let warnings = globals.warnings();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("admin password") && !warnings[0].contains("s3cr"));
    }
}
