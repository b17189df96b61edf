//! Account 1 as the fetched file names it: what the phone registers with and what it
//! checks a resync NOTIFY's credentials against. Read by Grandstream P-number (v1) or
//! alias (v2), independently of gspnp's own tables.

use std::fmt;

/// Account 1 of a fetched file; any field the file leaves out is empty.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FileAccount {
    /// P35 / `account.1.sip.userid`.
    pub user: String,
    /// P36 / `account.1.sip.subscriber.userid` (the digest user name; the user ID when empty).
    pub auth_id: String,
    /// P34 / `account.1.sip.subscriber.password`. Never shown by Debug.
    pub password: String,
    /// P47 / `account.1.sip.server.1.address`: the registrar, `host[:port]`.
    pub server: String,
    /// P48 / `account.1.sip.outboundProxy.1.address`: where requests go when set.
    pub proxy: String,
}

/// (v1 P-number, v2 alias) of each field.
const USER: [&str; 2] = ["P35", "account.1.sip.userid"];
const AUTH_ID: [&str; 2] = ["P36", "account.1.sip.subscriber.userid"];
const PASSWORD: [&str; 2] = ["P34", "account.1.sip.subscriber.password"];
const SERVER: [&str; 2] = ["P47", "account.1.sip.server.1.address"];
const PROXY: [&str; 2] = ["P48", "account.1.sip.outboundProxy.1.address"];

impl FileAccount {
    /// Reads the account from a file's settings, `value(names)` giving the first of
    /// `names` the file sets (or nothing).
    pub fn read(value: impl Fn(&[&str]) -> Option<String>) -> FileAccount {
        let text = |names: [&str; 2]| value(&names).map(|text| text.trim().to_owned()).unwrap_or_default();
        FileAccount {
            user: text(USER),
            auth_id: text(AUTH_ID),
            password: value(&PASSWORD).unwrap_or_default(),
            server: text(SERVER),
            proxy: text(PROXY),
        }
    }

    /// The digest user name the phone itself uses: the authentication ID, else the user ID.
    pub fn digest_user(&self) -> &str {
        if self.auth_id.is_empty() {
            &self.user
        } else {
            &self.auth_id
        }
    }

    /// Whether `username` names this account (its user ID or its authentication ID).
    pub fn is_named(&self, username: &str) -> bool {
        !username.is_empty() && (username == self.user || username == self.digest_user())
    }
}

impl fmt::Debug for FileAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileAccount")
            .field("user", &self.user)
            .field("auth_id", &self.auth_id)
            .field("password", &"<redacted>")
            .field("server", &self.server)
            .field("proxy", &self.proxy)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_password() {
        let account = FileAccount { user: "1001".into(), password: "s3cret-pw".into(), ..FileAccount::default() };
        let shown = format!("{account:?}");
        assert!(shown.contains("1001") && !shown.contains("s3cret-pw"), "{shown}");
    }

    #[test]
    fn the_user_or_the_auth_id_names_the_account() {
        let account = FileAccount { user: "1001".into(), auth_id: "a1001".into(), ..FileAccount::default() };
        assert!(account.is_named("1001") && account.is_named("a1001") && !account.is_named("1002"));
        assert_eq!(account.digest_user(), "a1001");
        let no_auth_id = FileAccount { user: "1001".into(), ..FileAccount::default() };
        assert_eq!(no_auth_id.digest_user(), "1001");
        assert!(!FileAccount::default().is_named(""));
    }
}
