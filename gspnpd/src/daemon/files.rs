//! The files the engine rendered, each kept under its phone's MAC with its token.
//!
//! Listed phones' files are always kept (the config bounds them). Files for phones a
//! default profile covers are kept least-recently-used first up to a configured number,
//! so that forged SUBSCRIBEs with new MACs cannot grow memory: a phone whose file was
//! forgotten from memory is still served from the persistent store (the [`Ledger`]),
//! which also keeps every file across restarts.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use gspnp::engine::{tokens_equal, ConfigFile};
use gspnp::Mac;
use lru::LruCache;

use super::ledger::Ledger;
use crate::store::KeptFile;

/// One phone's file and what it was rendered for.
struct StoredFile {
    token: String,
    model: String,
    url: String,
    contents: Arc<[u8]>,
}

/// What the store holds and has done, for the stop line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FileCounts {
    /// Files kept now.
    pub kept: usize,
    /// Fetches served.
    pub fetched: u64,
    /// Unlisted phones' files forgotten to stay within the bound.
    pub evicted: u64,
}

struct Files {
    listed_macs: HashSet<Mac>,
    listed: HashMap<Mac, StoredFile>,
    unlisted: LruCache<Mac, StoredFile>,
    fetched: u64,
    evicted: u64,
}

/// Every phone's current file. Looked up by MAC (not secret), then the token compared
/// in constant time, so that neither a guessed token nor another phone's opens a file.
pub struct FileStore {
    files: Mutex<Files>,
    ledger: Option<Arc<Ledger>>,
}

fn capacity(files: usize) -> NonZeroUsize {
    NonZeroUsize::new(files).unwrap_or(NonZeroUsize::MIN)
}

impl FileStore {
    /// A store that always keeps the files of `listed` phones and at most
    /// `max_unlisted` others.
    #[cfg(test)]
    pub fn new(listed: HashSet<Mac>, max_unlisted: usize) -> FileStore {
        FileStore::persistent(listed, max_unlisted, None)
    }

    /// As [`FileStore::new`]; a file not in memory is looked up in `ledger`'s store,
    /// and fetches and re-renders are written to it.
    pub fn persistent(listed: HashSet<Mac>, max_unlisted: usize, ledger: Option<Arc<Ledger>>) -> FileStore {
        let files = Files {
            listed_macs: listed,
            listed: HashMap::new(),
            unlisted: LruCache::new(capacity(max_unlisted)),
            fetched: 0,
            evicted: 0,
        };
        FileStore { files: Mutex::new(files), ledger }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Files> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps `file` as its phone's file, replacing an older one; an unlisted phone's may
    /// push out the least recently used other.
    pub fn put(&self, file: &ConfigFile) {
        let stored = StoredFile {
            token: file.token.clone(),
            model: file.model.clone(),
            url: file.url.clone(),
            contents: file.contents.as_slice().into(),
        };
        let mut files = self.lock();
        if files.listed_macs.contains(&file.mac) {
            files.listed.insert(file.mac, stored);
        } else if let Some((pushed_out, _)) = files.unlisted.push(file.mac, stored) {
            if pushed_out != file.mac {
                files.evicted += 1;
            }
        }
    }

    /// `mac`'s file if `token` is its token, from memory or else from the persistent
    /// store, counting the fetch (and recording it as `how`).
    pub fn fetch(&self, mac: Mac, token: &str, how: &str) -> Option<Arc<[u8]>> {
        let contents = self.fetch_in_memory(mac, token).or_else(|| self.fetch_stored(mac, token))?;
        if let Some(ledger) = &self.ledger {
            ledger.fetched(mac, how);
        }
        Some(contents)
    }

    fn fetch_in_memory(&self, mac: Mac, token: &str) -> Option<Arc<[u8]>> {
        let mut files = self.lock();
        let files = &mut *files;
        let file = match files.listed.get(&mac) {
            Some(file) => file,
            None => files.unlisted.get(&mac)?,
        };
        if !tokens_equal(&file.token, token) {
            return None;
        }
        let contents = file.contents.clone();
        files.fetched += 1;
        Some(contents)
    }

    fn fetch_stored(&self, mac: Mac, token: &str) -> Option<Arc<[u8]>> {
        let ledger = self.ledger.as_ref()?;
        let file = ledger.checked("reading a file", ledger.store().file(mac), None)?;
        if !tokens_equal(&file.token, token) {
            return None;
        }
        self.lock().fetched += 1;
        Some(file.contents.into())
    }

    /// Keeps `mac`'s file always (an admin assigned it), as a listed phone's.
    pub fn list(&self, mac: Mac) {
        let mut files = self.lock();
        if let Some(file) = files.unlisted.pop(&mac) {
            files.listed.insert(mac, file);
        }
        files.listed_macs.insert(mac);
    }

    /// Whether `mac` is listed (declared in the config file or assigned by an admin).
    pub fn is_listed(&self, mac: Mac) -> bool {
        self.lock().listed_macs.contains(&mac)
    }

    /// Forgets `mac`'s file and that it is listed.
    pub fn unlist(&self, mac: Mac) {
        let mut files = self.lock();
        files.listed.remove(&mac);
        files.unlisted.pop(&mac);
        files.listed_macs.remove(&mac);
    }

    /// How many files are kept, fetched and forgotten.
    pub fn counts(&self) -> FileCounts {
        let files = self.lock();
        FileCounts { kept: files.listed.len() + files.unlisted.len(), fetched: files.fetched, evicted: files.evicted }
    }

    /// After a reload: `listed` are the listed phones now and at most `max_unlisted`
    /// other files are kept. A phone no longer listed loses its file (it was rendered
    /// from its own profile); a phone now listed keeps the one it had.
    pub fn relist(&self, listed: HashSet<Mac>, max_unlisted: usize) {
        let mut files = self.lock();
        let files = &mut *files;
        files.listed.retain(|mac, _| listed.contains(mac));
        for mac in &listed {
            if let Some(file) = files.unlisted.pop(mac) {
                files.listed.insert(*mac, file);
            }
        }
        files.unlisted.resize(capacity(max_unlisted));
        files.listed_macs = listed;
    }

    /// Forgets every unlisted phone's file (their default profiles changed); how many.
    pub fn clear_unlisted(&self) -> usize {
        let mut files = self.lock();
        let count = files.unlisted.len();
        files.unlisted.clear();
        count
    }

    /// Replaces listed phone `mac`'s kept file, under the same token and URL, with what
    /// `render(model, url)` gives; false if no file is kept for it or rendering failed.
    pub fn rerender(&self, mac: Mac, render: impl FnOnce(&str, &str) -> Option<Vec<u8>>) -> bool {
        let mut files = self.lock();
        let Some(file) = files.listed.get_mut(&mac) else { return false };
        match render(&file.model, &file.url) {
            Some(contents) => {
                if let Some(ledger) = &self.ledger {
                    let kept = KeptFile {
                        mac,
                        model: file.model.clone(),
                        token: file.token.clone(),
                        url: file.url.clone(),
                        contents: contents.clone(),
                    };
                    ledger.file_replaced(&kept);
                }
                file.contents = contents.into();
                true
            }
            None => {
                files.listed.remove(&mac);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(text: &str) -> Mac {
        text.parse().unwrap()
    }

    fn file(mac_text: &str, token: &str, contents: &[u8]) -> ConfigFile {
        ConfigFile {
            ticket: 1,
            mac: mac(mac_text),
            model: "GRP2614".into(),
            file_name: format!("cfg{mac_text}.xml"),
            contents: contents.to_vec(),
            url: format!("http://192.0.2.1/{token}/"),
            token: token.into(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_file_opens_only_with_its_own_token() {
        let store = FileStore::new(HashSet::new(), 16);
        let (alice, bob) = ("a".repeat(32), "b".repeat(32));
        store.put(&file("000b82000001", &alice, b"<alice/>"));
        store.put(&file("000b82000002", &bob, b"<bob/>"));
        assert_eq!(store.fetch(mac("000b82000001"), &alice, "").as_deref(), Some(&b"<alice/>"[..]));
        assert!(store.fetch(mac("000b82000001"), &bob, "").is_none(), "bob's token does not open alice's file");
        assert!(store.fetch(mac("000b82000001"), "", "").is_none());
        assert!(store.fetch(mac("000b82000003"), &alice, "").is_none());
        assert_eq!(store.counts(), FileCounts { kept: 2, fetched: 1, evicted: 0 });
    }

    #[test]
    fn unlisted_files_are_bounded_and_listed_ones_are_never_pushed_out() {
        let listed = mac("000b82ffffff");
        let store = FileStore::new(HashSet::from([listed]), 100);
        let token = "t".repeat(32);
        store.put(&file("000b82ffffff", &token, b"<listed/>"));
        for index in 0..10_000 {
            store.put(&file(&format!("02{index:010x}"), &token, b"<forged/>"));
        }
        assert_eq!(store.counts(), FileCounts { kept: 101, fetched: 0, evicted: 9_900 });
        assert!(store.fetch(listed, &token, "").is_some(), "the listed phone's file stays");
        assert!(store.fetch(mac("020000000000"), &token, "").is_none(), "the oldest forged file was forgotten");
        assert!(store.fetch(mac(&format!("02{:010x}", 9_999)), &token, "").is_some());
    }

    #[test]
    fn a_reload_moves_drops_and_rerenders_files() {
        let (kept, dropped, promoted) = (mac("000b82000001"), mac("000b82000002"), mac("000b82000003"));
        let store = FileStore::new(HashSet::from([kept, dropped]), 16);
        let token = "t".repeat(32);
        for text in ["000b82000001", "000b82000002", "000b82000003"] {
            store.put(&file(text, &token, b"<old/>"));
        }
        store.relist(HashSet::from([kept, promoted]), 1);
        assert!(store.fetch(dropped, &token, "").is_none());
        assert!(store.rerender(promoted, |model, url| Some(format!("<{model} {url}/>").into_bytes())));
        let expected = format!("<GRP2614 http://192.0.2.1/{token}//>");
        assert_eq!(store.fetch(promoted, &token, "").as_deref(), Some(expected.as_bytes()));
        assert!(!store.rerender(dropped, |_, _| Some(Vec::new())));
        assert_eq!(store.clear_unlisted(), 0);
    }
}
