//! Readiness: whether this process can serve requests now (database reachable, schema current).
//!
//! Liveness needs no check (a process that answers is alive); readiness is what load balancers and orchestrators
//! poll before routing traffic, and what `task-orchestrator health` prints.

use std::time::Instant;

use orch_protocol::health::{DatabaseCheck, Readiness, SandboxCheck, SchemaCheck};

use crate::Orchestrator;

impl Orchestrator {
    /// Runs the readiness checks: a database round trip and, when the store has versioned migrations, the schema
    /// version. Never fails: a failed check is reported in the result.
    pub async fn readiness(&self) -> Readiness {
        let started = Instant::now();
        let ping = self.store.ping().await;
        let database = DatabaseCheck {
            ok: ping.is_ok(),
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            error: ping.err().map(|e| e.to_string()),
        };
        let sandbox = match self.executor_now() {
            None => SandboxCheck { state: "starting".into(), isolation: None, error: None },
            Some(Ok(executor)) => SandboxCheck {
                state: "ready".into(),
                isolation: serde_json::to_value(executor.isolation().level)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned)),
                error: None,
            },
            Some(Err(why)) => SandboxCheck { state: "unavailable".into(), isolation: None, error: Some(why) },
        };
        let schema = match self.store.schema_version().await {
            Ok(None) => None,
            Ok(Some(v)) if v.current == v.expected => {
                Some(SchemaCheck { ok: true, current: Some(v.current), expected: Some(v.expected), error: None })
            }
            Ok(Some(v)) => Some(SchemaCheck {
                ok: false,
                current: Some(v.current),
                expected: Some(v.expected),
                error: Some(if v.current > v.expected {
                    format!(
                        "the database is at schema version {} but this build knows only up to {}; a newer \
                         task-orchestrator migrated it: upgrade this one",
                        v.current, v.expected
                    )
                } else {
                    format!(
                        "the database is at schema version {} but this build expects {}; restart the server so it \
                         applies its migrations",
                        v.current, v.expected
                    )
                }),
            }),
            Err(e) => Some(SchemaCheck {
                ok: false,
                current: None,
                expected: None,
                error: Some(format!("cannot read the schema version: {e}")),
            }),
        };
        let mut readiness = Readiness { ready: false, database, schema, sandbox };
        readiness.ready = readiness.failures().is_empty();
        readiness
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use orch_store_sqlite::SqliteStore;

    use super::*;

    #[tokio::test]
    async fn a_fresh_database_is_ready() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tasks.db");
        let orch = Orchestrator::new(Arc::new(SqliteStore::open(&path).unwrap()));
        let r = orch.readiness().await;
        assert!(r.ready, "{r:?}");
        assert!(r.database.ok && r.database.error.is_none());
        let schema = r.schema.clone().unwrap();
        assert!(schema.ok && schema.current == schema.expected && schema.current.is_some());
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["ready"], true);
        assert!(json["database"].get("error").is_none());
        assert_eq!(serde_json::from_value::<Readiness>(json).unwrap(), r);
    }

    #[tokio::test]
    async fn a_database_migrated_by_a_newer_build_is_not_ready() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tasks.db");
        let orch = Orchestrator::new(Arc::new(SqliteStore::open(&path).unwrap()));
        let expected = orch.readiness().await.schema.unwrap().expected.unwrap();
        rusqlite_bump(&path, expected + 2);
        let r = orch.readiness().await;
        assert!(!r.ready);
        assert!(r.database.ok);
        assert_eq!(r.failures(), vec!["schema"]);
        let schema = r.schema.unwrap();
        assert_eq!((schema.current, schema.expected), (Some(expected + 2), Some(expected)));
        assert!(schema.error.unwrap().contains("upgrade"));
    }

    fn rusqlite_bump(path: &std::path::Path, version: u32) {
        // Another process (a newer build) migrating the file while this one runs.
        let other = rusqlite::Connection::open(path).unwrap();
        other.pragma_update(None, "user_version", version).unwrap();
    }
}
