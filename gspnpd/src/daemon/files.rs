//! The files the engine rendered, each kept under its phone's MAC with its token.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use gspnp::engine::tokens_equal;
use gspnp::Mac;

/// One phone's file.
struct StoredFile {
    token: String,
    contents: Arc<[u8]>,
    fetches: u64,
}

/// Every phone's current file. Looked up by MAC (not secret), then the token compared
/// in constant time, so that neither a guessed token nor another phone's opens a file.
#[derive(Default)]
pub struct FileStore {
    files: RwLock<HashMap<Mac, StoredFile>>,
}

impl FileStore {
    /// Keeps `contents` as `mac`'s file under `token`, replacing an older one.
    pub fn put(&self, mac: Mac, token: &str, contents: &[u8]) {
        let file = StoredFile { token: token.to_owned(), contents: contents.into(), fetches: 0 };
        self.files.write().unwrap_or_else(PoisonError::into_inner).insert(mac, file);
    }

    /// `mac`'s file if `token` is its token, counting the fetch.
    pub fn fetch(&self, mac: Mac, token: &str) -> Option<Arc<[u8]>> {
        let mut files = self.files.write().unwrap_or_else(PoisonError::into_inner);
        let file = files.get_mut(&mac)?;
        if !tokens_equal(&file.token, token) {
            return None;
        }
        file.fetches += 1;
        Some(file.contents.clone())
    }

    /// How many files are kept, and how many times they were fetched.
    pub fn counts(&self) -> (usize, u64) {
        let files = self.files.read().unwrap_or_else(PoisonError::into_inner);
        (files.len(), files.values().map(|file| file.fetches).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_opens_only_with_its_own_token() {
        let store = FileStore::default();
        let (alice, bob): (Mac, Mac) = ("000b82000001".parse().unwrap(), "000b82000002".parse().unwrap());
        store.put(alice, "a".repeat(32).as_str(), b"<alice/>");
        store.put(bob, "b".repeat(32).as_str(), b"<bob/>");
        assert_eq!(store.fetch(alice, &"a".repeat(32)).as_deref(), Some(&b"<alice/>"[..]));
        assert!(store.fetch(alice, &"b".repeat(32)).is_none(), "bob's token does not open alice's file");
        assert!(store.fetch(alice, "").is_none());
        assert!(store.fetch("000b82000003".parse().unwrap(), &"a".repeat(32)).is_none());
        assert_eq!(store.counts(), (2, 1));
    }
}
