//! The board's change signal on PostgreSQL: every write transaction sends a NOTIFY (delivered at commit, and only
//! if it commits), and one LISTEN connection per process counts them, so live views on any replica learn of any
//! replica's writes without polling the tables.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx_postgres::{PgListener, PgPool};
use tokio::sync::OnceCell;

use crate::config::PgConfig;
use crate::error::db_err;
use orch_core::Result;

/// The notification channel of a board: one per schema, so boards sharing a database do not wake each other.
pub(crate) fn channel(config: &PgConfig) -> String {
    match &config.schema {
        Some(schema) => format!("task_orchestrator_board_{schema}"),
        None => "task_orchestrator_board".to_string(),
    }
}

/// Counts the board's change notifications, starting its LISTEN connection on first use.
#[derive(Default)]
pub(crate) struct ChangeFeed {
    counter: Arc<AtomicU64>,
    started: OnceCell<()>,
}

impl ChangeFeed {
    /// The number of changes seen so far (and of reconnections, after which changes may have been missed).
    pub(crate) async fn value(&self, pool: &PgPool, channel: &str) -> Result<u64> {
        self.started
            .get_or_try_init(|| async {
                let mut listener = PgListener::connect_with(pool).await.map_err(db_err("listen for board changes"))?;
                listener.listen(channel).await.map_err(db_err("listen for board changes"))?;
                let counter = Arc::clone(&self.counter);
                tokio::spawn(async move {
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(_)) => {}
                            // The connection dropped and was re-established: notifications in between are lost,
                            // so count it as a change and let viewers reload.
                            Ok(None) => tracing::debug!("board change listener reconnected"),
                            Err(e) => {
                                tracing::warn!(error = %e, "board change listener stopped; live views fall back to \
                                                            reloading on their own");
                                counter.fetch_add(1, Ordering::Relaxed);
                                return;
                            }
                        }
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                });
                Ok::<(), orch_core::Error>(())
            })
            .await?;
        Ok(self.counter.load(Ordering::Relaxed))
    }
}
