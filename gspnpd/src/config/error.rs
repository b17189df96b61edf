//! A config error that names the file, the line and the key.

use std::fmt;
use std::path::{Path, PathBuf};

use super::locate::Position;
use super::path::KeyPath;

/// Something wrong at one key of a config file, found after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The key (or array element) at fault.
    pub path: KeyPath,
    /// What is wrong; never the value of a secret.
    pub message: String,
}

impl Issue {
    /// An issue at `path`.
    pub fn at(path: &KeyPath, message: impl Into<String>) -> Issue {
        Issue { path: path.clone(), message: message.into() }
    }
}

/// Why a config file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// The file cannot be read.
    Unreadable {
        /// The file.
        file: PathBuf,
        /// The OS's reason.
        reason: String,
    },
    /// The file is not valid TOML, has an unknown key, a value of the wrong type or one
    /// gspnpd cannot use.
    Invalid {
        /// The file.
        file: PathBuf,
        /// Where.
        position: Position,
        /// The key at fault.
        key: KeyPath,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    /// The error at `position` and `key` of `file`.
    pub fn invalid(file: &Path, position: Position, key: KeyPath, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { file: file.to_owned(), position, key, message: message.into() }
    }
}

impl fmt::Display for ConfigError {
    /// `FILE: cannot read: REASON` or `FILE:LINE:COLUMN: KEY: MESSAGE`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Unreadable { file, reason } => write!(f, "{}: cannot read: {reason}", file.display()),
            ConfigError::Invalid { file, position, key, message } => {
                write!(f, "{}:{}:{}: {key}: {message}", file.display(), position.line, position.column)
            }
        }
    }
}

impl std::error::Error for ConfigError {}
