//! The schema version a readiness probe reads.
#![allow(clippy::unwrap_used, missing_docs)]

use orch_core::{SchemaVersion, TaskStore};
use orch_store_sqlite::SqliteStore;

#[tokio::test]
async fn a_fresh_database_is_at_the_expected_version_and_a_newer_one_shows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tasks.db");
    let store = SqliteStore::open(&path).unwrap();
    let v = TaskStore::schema_version(&store).await.unwrap().unwrap();
    assert!(v.expected > 0);
    assert_eq!(v.current, v.expected);
    assert_eq!(v.current, SqliteStore::schema_version(&store).unwrap());

    // Another process (a newer build) migrated the file further while this one runs.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.pragma_update(None, "user_version", v.expected + 1).unwrap();
    let after = TaskStore::schema_version(&store).await.unwrap().unwrap();
    assert_eq!(after, SchemaVersion { current: v.expected + 1, expected: v.expected });
}
