//! The store's schema, versioned by SQLite's `user_version`: each migration takes the
//! schema from version N to N+1 inside one transaction, so that a store opened by an
//! older gspnpd is brought up to date and a crash mid-way changes nothing. A store
//! written by a newer gspnpd (a higher version) is refused rather than misread.

use rusqlite::Connection;

use super::StoreError;

/// Migration N takes the schema from version N to N+1. Append only: never edit one
/// that was released.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: phones, their files and history, admin assignments, the audit trail.
    "CREATE TABLE phone (
        mac TEXT PRIMARY KEY,
        vendor TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        firmware TEXT NOT NULL DEFAULT '',
        address TEXT,
        first_seen INTEGER,
        last_seen INTEGER,
        state TEXT NOT NULL DEFAULT 'discovered',
        state_changed INTEGER NOT NULL,
        last_resync TEXT
    );
    CREATE INDEX phone_state ON phone(state);
    CREATE TABLE file (
        mac TEXT PRIMARY KEY REFERENCES phone(mac) ON DELETE CASCADE,
        model TEXT NOT NULL,
        token TEXT NOT NULL,
        url TEXT NOT NULL,
        contents BLOB NOT NULL,
        rendered INTEGER NOT NULL
    );
    CREATE TABLE assignment (
        mac TEXT PRIMARY KEY REFERENCES phone(mac) ON DELETE CASCADE,
        profile TEXT NOT NULL,
        assigned INTEGER NOT NULL,
        actor TEXT NOT NULL
    );
    CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        mac TEXT NOT NULL REFERENCES phone(mac) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        event TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX history_mac ON history(mac, id);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        mac TEXT,
        detail TEXT NOT NULL
    );",
];

/// The schema version this gspnpd writes.
pub const VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings `connection`'s schema to [`VERSION`], one transaction per migration.
pub fn migrate(connection: &mut Connection) -> Result<(), StoreError> {
    let current: u32 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if current > VERSION {
        return Err(StoreError(format!(
            "store: schema version {current} was written by a newer gspnpd (this one knows {VERSION})"
        )));
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let transaction = connection.transaction()?;
        transaction.execute_batch(migration)?;
        transaction.pragma_update(None, "user_version", index as u32 + 1)?;
        transaction.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_store_gets_every_migration_and_a_newer_one_is_refused() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection).unwrap();
        let version: u32 = connection.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap();
        assert_eq!(version, VERSION);
        migrate(&mut connection).expect("migrating again changes nothing");
        connection.pragma_update(None, "user_version", VERSION + 1).unwrap();
        assert!(migrate(&mut connection).unwrap_err().0.contains("newer gspnpd"));
    }
}
