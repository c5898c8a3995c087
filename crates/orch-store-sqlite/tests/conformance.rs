//! The shared storage conformance suite, on a real SQLite file per test.

use std::sync::Arc;

use orch_core::TaskStore;
use orch_store_sqlite::SqliteStore;

struct Fresh {
    store: Arc<dyn TaskStore>,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Fresh {
    type Target = dyn TaskStore;
    fn deref(&self) -> &Self::Target {
        &*self.store
    }
}

fn fresh() -> Fresh {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open(dir.path().join("tasks.db")).expect("open store");
    Fresh { store: Arc::new(store), _dir: dir }
}

orch_core::store_conformance_tests!(fresh());
