//! [`Store`] on one SQLite file (WAL journal): one connection behind a mutex, every
//! method one transaction. `synchronous = NORMAL`: a committed transaction survives
//! the process being killed; a power cut may lose the last few (the phones then get
//! new files when they next boot). The file holds passwords: it is created mode 0600.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use gspnp::Mac;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};

use super::migrations::migrate;
use super::{
    now, AuditEntry, HistoryEntry, KeptFile, PhoneQuery, PhoneRecord, PhoneState, Sighting, Store, StoreError,
};

/// History lines kept per phone; older ones are dropped.
const HISTORY_KEPT: i64 = 200;
/// Audit entries kept; older ones are dropped.
const AUDIT_KEPT: i64 = 100_000;

/// The SQLite store.
pub struct SqliteStore {
    connection: Mutex<Connection>,
    max_phones: usize,
}

const PHONE_COLUMNS: &str = "p.mac, p.vendor, p.model, p.firmware, p.address, p.first_seen, p.last_seen, p.state, \
     p.state_changed, p.last_resync, EXISTS(SELECT 1 FROM assignment a WHERE a.mac = p.mac), \
     EXISTS(SELECT 1 FROM file f WHERE f.mac = p.mac)";

fn phone_from(row: &Row<'_>) -> rusqlite::Result<PhoneRecord> {
    let state: String = row.get(7)?;
    Ok(PhoneRecord {
        mac: row.get(0)?,
        vendor: row.get(1)?,
        model: row.get(2)?,
        firmware: row.get(3)?,
        address: row.get(4)?,
        first_seen: row.get(5)?,
        last_seen: row.get(6)?,
        state: PhoneState::parse(&state).unwrap_or(PhoneState::Discovered),
        state_changed: row.get(8)?,
        last_resync: row.get(9)?,
        assigned: row.get(10)?,
        has_file: row.get(11)?,
    })
}

fn key(mac: Mac) -> String {
    mac.to_string()
}

impl SqliteStore {
    /// Opens (creating it, mode 0600, and its folder) the store at `path` and brings its
    /// schema up to date; it keeps at most `max_phones` phones.
    pub fn open(path: &Path, max_phones: usize) -> Result<SqliteStore, StoreError> {
        let cannot = |error: &dyn std::fmt::Display| StoreError(format!("store {}: {error}", path.display()));
        if let Some(folder) = path.parent().filter(|folder| !folder.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|error| cannot(&error))?;
        }
        let mut connection = Connection::open(path).map_err(|error| cannot(&error))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|error| cannot(&error))?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(|error| cannot(&error))?;
        connection.busy_timeout(std::time::Duration::from_secs(5)).map_err(|error| cannot(&error))?;
        migrate(&mut connection).map_err(|error| cannot(&error))?;
        Ok(SqliteStore { connection: Mutex::new(connection), max_phones })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `work` in one transaction, committed when it returns Ok.
    fn write<T>(&self, work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut connection = self.lock();
        let transaction = connection.transaction()?;
        let value = work(&transaction)?;
        transaction.commit()?;
        Ok(value)
    }
}

/// Whether the store holds `mac`, or else has room for one more phone.
fn known_or_room(transaction: &Transaction<'_>, mac: &str, max_phones: usize) -> Result<bool, StoreError> {
    let known: bool =
        transaction.query_row("SELECT EXISTS(SELECT 1 FROM phone WHERE mac = ?1)", [mac], |row| row.get(0))?;
    if known {
        return Ok(true);
    }
    let count: i64 = transaction.query_row("SELECT COUNT(*) FROM phone", [], |row| row.get(0))?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX) < max_phones)
}

/// Creates `mac`'s record if it has none.
fn ensure_phone(transaction: &Transaction<'_>, mac: &str, at: i64) -> Result<(), StoreError> {
    transaction.execute("INSERT OR IGNORE INTO phone (mac, state_changed) VALUES (?1, ?2)", params![mac, at])?;
    Ok(())
}

fn add_history(transaction: &Transaction<'_>, mac: &str, at: i64, event: &str, detail: &str) -> Result<(), StoreError> {
    transaction.execute(
        "INSERT INTO history (mac, at, event, detail) VALUES (?1, ?2, ?3, ?4)",
        params![mac, at, event, detail],
    )?;
    transaction.execute(
        "DELETE FROM history WHERE mac = ?1 AND id <= (SELECT id FROM history WHERE mac = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        params![mac, HISTORY_KEPT],
    )?;
    Ok(())
}

fn set_state(transaction: &Transaction<'_>, mac: &str, state: PhoneState, at: i64) -> Result<(), StoreError> {
    transaction
        .execute("UPDATE phone SET state = ?2, state_changed = ?3 WHERE mac = ?1", params![mac, state.name(), at])?;
    Ok(())
}

fn add_audit(
    transaction: &Transaction<'_>,
    at: i64,
    actor: &str,
    action: &str,
    mac: Option<&str>,
    detail: &str,
) -> Result<(), StoreError> {
    transaction.execute(
        "INSERT INTO audit (at, actor, action, mac, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![at, actor, action, mac, detail],
    )?;
    transaction.execute("DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - ?1", [AUDIT_KEPT])?;
    Ok(())
}

impl Store for SqliteStore {
    fn record_sighting(&self, sighting: &Sighting) -> Result<bool, StoreError> {
        let mac = key(sighting.mac);
        let at = now();
        self.write(|transaction| {
            if !known_or_room(transaction, &mac, self.max_phones)? {
                return Ok(false);
            }
            let inserted = transaction.execute(
                "INSERT OR IGNORE INTO phone (mac, first_seen, state_changed) VALUES (?1, ?2, ?2)",
                params![mac, at],
            )? == 1;
            transaction.execute(
                "UPDATE phone SET vendor = ?2, model = ?3, firmware = ?4, address = ?5, last_seen = ?6, \
                 first_seen = COALESCE(first_seen, ?6) WHERE mac = ?1",
                params![mac, sighting.vendor, sighting.model, sighting.firmware, sighting.address.to_string(), at],
            )?;
            if inserted {
                let detail =
                    format!("{} {} {} from {}", sighting.vendor, sighting.model, sighting.firmware, sighting.address);
                add_history(transaction, &mac, at, "discovered", &detail)?;
            }
            Ok(true)
        })
    }

    fn record_file(&self, file: &KeptFile) -> Result<bool, StoreError> {
        let mac = key(file.mac);
        let at = now();
        self.write(|transaction| {
            if !known_or_room(transaction, &mac, self.max_phones)? {
                return Ok(false);
            }
            ensure_phone(transaction, &mac, at)?;
            transaction.execute(
                "INSERT INTO file (mac, model, token, url, contents, rendered) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT(mac) DO UPDATE SET model = ?2, token = ?3, url = ?4, contents = ?5, rendered = ?6",
                params![mac, file.model, file.token, file.url, file.contents, at],
            )?;
            set_state(transaction, &mac, PhoneState::Answered, at)?;
            add_history(transaction, &mac, at, "answered", &format!("file rendered for a {}", file.model))?;
            Ok(true)
        })
    }

    fn replace_file(&self, file: &KeptFile) -> Result<(), StoreError> {
        self.write(|transaction| {
            transaction.execute(
                "UPDATE file SET contents = ?3, model = ?4, rendered = ?5 WHERE mac = ?1 AND token = ?2",
                params![key(file.mac), file.token, file.contents, file.model, now()],
            )?;
            Ok(())
        })
    }

    fn record_state(&self, mac: Mac, state: PhoneState, detail: &str) -> Result<(), StoreError> {
        let mac = key(mac);
        let at = now();
        self.write(|transaction| {
            let current: Option<String> =
                transaction.query_row("SELECT state FROM phone WHERE mac = ?1", [&mac], |row| row.get(0)).optional()?;
            let Some(current) = current else { return Ok(()) };
            // A phone may fetch before its NOTIFY's acknowledgement is recorded: a state
            // never goes back (a new file, record_file, starts over).
            if PhoneState::parse(&current).is_none_or(|current| current < state) {
                set_state(transaction, &mac, state, at)?;
            }
            add_history(transaction, &mac, at, state.name(), detail)?;
            Ok(())
        })
    }

    fn record_resync(&self, mac: Mac, detail: &str) -> Result<(), StoreError> {
        let mac = key(mac);
        let at = now();
        self.write(|transaction| {
            if transaction.execute("UPDATE phone SET last_resync = ?2 WHERE mac = ?1", params![mac, detail])? == 1 {
                add_history(transaction, &mac, at, "resync", detail)?;
            }
            Ok(())
        })
    }

    fn phones(&self, query: &PhoneQuery) -> Result<(Vec<PhoneRecord>, u64), StoreError> {
        let connection = self.lock();
        let filter = "WHERE (?1 IS NULL OR p.state = ?1) AND (?2 IS NULL OR p.vendor = ?2 COLLATE NOCASE) \
             AND (?3 IS NULL OR p.model = ?3 COLLATE NOCASE) \
             AND (?4 IS NULL OR ?4 = EXISTS(SELECT 1 FROM assignment a WHERE a.mac = p.mac))";
        let state = query.state.map(PhoneState::name);
        let filters = params![state, query.vendor, query.model, query.assigned];
        let total: i64 =
            connection.query_row(&format!("SELECT COUNT(*) FROM phone p {filter}"), filters, |row| row.get(0))?;
        let mut statement = connection
            .prepare(&format!("SELECT {PHONE_COLUMNS} FROM phone p {filter} ORDER BY p.mac LIMIT ?5 OFFSET ?6"))?;
        let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
        let rows = statement
            .query_map(params![state, query.vendor, query.model, query.assigned, query.limit, offset], phone_from)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok((rows, u64::try_from(total).unwrap_or(0)))
    }

    fn phone(&self, mac: Mac) -> Result<Option<PhoneRecord>, StoreError> {
        let connection = self.lock();
        let sql = format!("SELECT {PHONE_COLUMNS} FROM phone p WHERE p.mac = ?1");
        Ok(connection.query_row(&sql, [key(mac)], phone_from).optional()?)
    }

    fn history(&self, mac: Mac, limit: u32) -> Result<Vec<HistoryEntry>, StoreError> {
        let connection = self.lock();
        let mut statement =
            connection.prepare("SELECT at, event, detail FROM history WHERE mac = ?1 ORDER BY id DESC LIMIT ?2")?;
        let rows = statement
            .query_map(params![key(mac), limit], |row| {
                Ok(HistoryEntry { at: row.get(0)?, event: row.get(1)?, detail: row.get(2)? })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn file(&self, mac: Mac) -> Result<Option<KeptFile>, StoreError> {
        let connection = self.lock();
        let file = connection
            .query_row("SELECT model, token, url, contents FROM file WHERE mac = ?1", [key(mac)], |row| {
                Ok(KeptFile { mac, model: row.get(0)?, token: row.get(1)?, url: row.get(2)?, contents: row.get(3)? })
            })
            .optional()?;
        Ok(file)
    }

    fn tokens(&self) -> Result<Vec<(Mac, String)>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT mac, token FROM file")?;
        let rows = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows.into_iter().filter_map(|(mac, token)| Some((mac.parse().ok()?, token))).collect())
    }

    fn assign(&self, mac: Mac, profile: &serde_json::Value, actor: &str) -> Result<(), StoreError> {
        let mac = key(mac);
        let at = now();
        self.write(|transaction| {
            ensure_phone(transaction, &mac, at)?;
            transaction.execute(
                "INSERT INTO assignment (mac, profile, assigned, actor) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT(mac) DO UPDATE SET profile = ?2, assigned = ?3, actor = ?4",
                params![mac, profile.to_string(), at, actor],
            )?;
            add_history(transaction, &mac, at, "assigned", &format!("by {actor}"))?;
            add_audit(transaction, at, actor, "assign", Some(&mac), "")
        })
    }

    fn unassign(&self, mac: Mac, actor: &str) -> Result<bool, StoreError> {
        let mac = key(mac);
        let at = now();
        self.write(|transaction| {
            if transaction.execute("DELETE FROM assignment WHERE mac = ?1", [&mac])? == 0 {
                return Ok(false);
            }
            transaction.execute("DELETE FROM file WHERE mac = ?1", [&mac])?;
            add_history(transaction, &mac, at, "unassigned", &format!("by {actor}"))?;
            add_audit(transaction, at, actor, "unassign", Some(&mac), "")?;
            Ok(true)
        })
    }

    fn assignments(&self) -> Result<Vec<(Mac, serde_json::Value)>, StoreError> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT mac, profile FROM assignment")?;
        let rows = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .filter_map(|(mac, profile)| Some((mac.parse().ok()?, serde_json::from_str(&profile).ok()?)))
            .collect())
    }

    fn forget(&self, mac: Mac, actor: &str) -> Result<bool, StoreError> {
        let mac = key(mac);
        let at = now();
        self.write(|transaction| {
            if transaction.execute("DELETE FROM phone WHERE mac = ?1", [&mac])? == 0 {
                return Ok(false);
            }
            add_audit(transaction, at, actor, "forget", Some(&mac), "")?;
            Ok(true)
        })
    }

    fn audit(&self, actor: &str, action: &str, mac: Option<Mac>, detail: &str) -> Result<(), StoreError> {
        let mac = mac.map(key);
        self.write(|transaction| add_audit(transaction, now(), actor, action, mac.as_deref(), detail))
    }

    fn audit_trail(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let connection = self.lock();
        let mut statement =
            connection.prepare("SELECT at, actor, action, mac, detail FROM audit ORDER BY id DESC LIMIT ?1")?;
        let rows = statement
            .query_map([limit], |row| {
                Ok(AuditEntry {
                    at: row.get(0)?,
                    actor: row.get(1)?,
                    action: row.get(2)?,
                    mac: row.get(3)?,
                    detail: row.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

#[cfg(test)]
mod tests;
