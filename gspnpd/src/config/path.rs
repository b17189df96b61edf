//! Where in the config file something is: a key path such as `phone[2].account[0].user`.

use std::fmt;

/// One step of a [`KeyPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A key of a table.
    Key(String),
    /// An element of an array (an array of tables such as `[[phone]]` included), from 0.
    Index(usize),
}

/// A path from the top of the document to a key or an array element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(Vec<Step>);

impl KeyPath {
    /// The document itself.
    pub fn root() -> KeyPath {
        KeyPath::default()
    }

    /// This path, then `key`.
    pub fn key(&self, key: &str) -> KeyPath {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.to_owned()));
        KeyPath(steps)
    }

    /// This path, then element `index`.
    pub fn index(&self, index: usize) -> KeyPath {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        KeyPath(steps)
    }

    /// The steps, from the top.
    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    /// Whether the last key names a secret, whose value must never be shown.
    pub fn is_secret(&self) -> bool {
        self.0.iter().rev().find_map(|step| match step {
            Step::Key(key) => Some(key.contains("password")),
            Step::Index(_) => None,
        }) == Some(true)
    }
}

impl fmt::Display for KeyPath {
    /// `phone[2].account[0].user`; the document itself is `(top level)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (position, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if position == 0 => f.write_str(key)?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_toml_keys() {
        let path = KeyPath::root().key("phone").index(2).key("account").index(0).key("user");
        assert_eq!(path.to_string(), "phone[2].account[0].user");
        assert_eq!(KeyPath::root().to_string(), "(top level)");
    }

    #[test]
    fn password_keys_are_secret() {
        assert!(KeyPath::root().key("http").key("auth").key("password").is_secret());
        assert!(KeyPath::root().key("defaults").key("admin_password").is_secret());
        assert!(!KeyPath::root().key("phone").index(0).key("mac").is_secret());
    }
}
