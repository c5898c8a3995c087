//! Copying a whole board in from another store (the `migrate` command), rows as text, in one transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use orch_core::{Error, Result};
use sqlx_core::query::query;
use sqlx_core::query_as::query_as;
use sqlx_core::query_builder::QueryBuilder;
use sqlx_core::query_scalar::query_scalar;
use sqlx_core::sql_str::AssertSqlSafe;
use sqlx_postgres::{PgConnection, PgTransaction, Postgres};

use crate::config::PgConfig;
use crate::error::{db_err, explain};
use crate::sql::pg_json;

/// The tables of a board, in an order that satisfies their foreign keys (parents before children).
pub const BOARD_TABLES: &[&str] = &[
    "tasks",
    "task_dependencies",
    "task_tags",
    "code_executions",
    "git_commits",
    "task_analyses",
    "status_history",
    "documents",
];

/// Tables whose `id` comes from a sequence that must continue after the copied ids.
const SERIAL_TABLES: &[&str] =
    &["tasks", "code_executions", "git_commits", "task_analyses", "status_history", "documents"];

/// Rows per INSERT statement: large enough to amortise round trips, small enough to keep statements modest.
const CHUNK_ROWS: usize = 2_000;

/// Counts the rows of every board table.
pub(crate) async fn table_counts(c: &mut PgConnection) -> Result<Vec<(String, u64)>> {
    let mut out = Vec::with_capacity(BOARD_TABLES.len());
    for table in BOARD_TABLES {
        // The name comes from the fixed list above, never from input.
        let n: i64 = query_scalar(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(&mut *c)
            .await
            .map_err(db_err("count rows"))?;
        out.push(((*table).to_string(), n.max(0).unsigned_abs()));
    }
    Ok(out)
}

/// A board copy in progress: one transaction holding exclusive locks on the board's tables, so no replica writes
/// while it runs and a failed copy leaves the target as it was. Rows are given as text in the source's spelling
/// (SQLite's: RFC 3339 timestamps, JSON text, 0/1 booleans) and cast to each target column's type by PostgreSQL.
pub struct BoardImport {
    tx: PgTransaction<'static>,
    /// Target column types per table, from `information_schema`.
    types: BTreeMap<String, BTreeMap<String, String>>,
    /// Highest id the source ever handed out per table (deleted rows included), so ids are never reused.
    last_ids: BTreeMap<String, i64>,
    config: Arc<PgConfig>,
}

impl std::fmt::Debug for BoardImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoardImport").field("tables", &self.types.keys().collect::<Vec<_>>()).finish()
    }
}

impl BoardImport {
    pub(crate) async fn start(mut tx: PgTransaction<'static>, replace: bool, config: Arc<PgConfig>) -> Result<Self> {
        let result = async {
            query(AssertSqlSafe(format!("LOCK TABLE {} IN EXCLUSIVE MODE", BOARD_TABLES.join(", "))))
                .execute(&mut *tx)
                .await
                .map_err(db_err("lock the board's tables"))?;
            let counts = table_counts(&mut tx).await?;
            let rows: u64 = counts.iter().map(|(_, n)| n).sum();
            if rows > 0 && !replace {
                let listed: Vec<String> =
                    counts.iter().filter(|(_, n)| *n > 0).map(|(t, n)| format!("{t}: {n}")).collect();
                return Err(Error::invalid(
                    "to",
                    format!(
                        "the target database already holds a board ({}); migrate into an empty database, or pass \
                         --force to replace its contents",
                        listed.join(", ")
                    ),
                ));
            }
            if rows > 0 {
                query(AssertSqlSafe(format!("TRUNCATE {} RESTART IDENTITY CASCADE", BOARD_TABLES.join(", "))))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err("empty the target tables"))?;
            }
            let columns: Vec<(String, String, String)> = query_as(
                "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = ANY($1)",
            )
            .bind(BOARD_TABLES)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_err("read the target's columns"))?;
            let mut types: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
            for (table, column, ty) in columns {
                types.entry(table).or_default().insert(column, ty);
            }
            Ok(types)
        }
        .await;
        match result {
            Ok(types) => Ok(Self { tx, types, last_ids: BTreeMap::new(), config }),
            Err(e) => Err(explain(e, "start the import", &config)),
        }
    }

    /// Inserts rows into one board table, keeping their ids. `columns` names the source's columns; each row has one
    /// value per column (`None` for NULL). Returns how many rows were inserted.
    pub async fn insert_rows(&mut self, table: &str, columns: &[String], rows: &[Vec<Option<String>>]) -> Result<u64> {
        let result = self.insert_chunks(table, columns, rows).await;
        result.map_err(|e| explain(e, "copy rows", &self.config))
    }

    async fn insert_chunks(&mut self, table: &str, columns: &[String], rows: &[Vec<Option<String>>]) -> Result<u64> {
        let Some(types) = self.types.get(table).filter(|_| BOARD_TABLES.contains(&table)) else {
            return Err(Error::invalid(
                "table",
                format!("'{table}' is not a board table; expected one of {BOARD_TABLES:?}"),
            ));
        };
        let mut column_types = Vec::with_capacity(columns.len());
        for column in columns {
            let ty = types.get(column).ok_or_else(|| {
                Error::invalid(
                    "columns",
                    format!(
                        "column '{column}' of table '{table}' does not exist in the target schema; the source was \
                         written by a different version of task-orchestrator"
                    ),
                )
            })?;
            column_types.push(ty.clone());
        }
        if let Some(bad) = rows.iter().position(|r| r.len() != columns.len()) {
            return Err(Error::invalid(
                "rows",
                format!("row {bad} of '{table}' has {} values for {} columns", rows[bad].len(), columns.len()),
            ));
        }
        let mut inserted = 0;
        for chunk in rows.chunks(CHUNK_ROWS) {
            // INSERT … SELECT casts FROM unnest(text arrays): one statement per chunk, one array per column, and
            // PostgreSQL's own input functions do the type conversion.
            let mut b: QueryBuilder<Postgres> = QueryBuilder::new(format!("INSERT INTO {table} ("));
            b.push(columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", "));
            b.push(") SELECT ");
            let casts: Vec<String> = column_types.iter().enumerate().map(|(i, ty)| format!("u.c{i}::{ty}")).collect();
            b.push(casts.join(", "));
            b.push(" FROM unnest(");
            for (i, ty) in column_types.iter().enumerate() {
                if i > 0 {
                    b.push(", ");
                }
                let values: Vec<Option<String>> = chunk.iter().map(|r| clean(r[i].as_deref(), ty)).collect();
                b.push_bind(values).push("::text[]");
            }
            b.push(") AS u(");
            b.push((0..columns.len()).map(|i| format!("c{i}")).collect::<Vec<_>>().join(", "));
            b.push(")");
            let done = b.build().execute(&mut *self.tx).await.map_err(db_err("copy rows"))?;
            inserted += done.rows_affected();
        }
        Ok(inserted)
    }

    /// Records the highest id the source ever handed out for `table` (SQLite's `sqlite_sequence`), so new rows in the
    /// target never reuse the id of a row deleted before the copy.
    pub fn set_last_id(&mut self, table: &str, last_id: i64) {
        self.last_ids.insert(table.to_string(), last_id);
    }

    /// Moves every id sequence past the copied ids (and past [`Self::set_last_id`]), commits, and returns the row count of every board table.
    pub async fn finish(mut self) -> Result<Vec<(String, u64)>> {
        let result = async {
            for table in SERIAL_TABLES {
                let floor = self.last_ids.get(*table).copied().unwrap_or(0);
                query(AssertSqlSafe(format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                     GREATEST(COALESCE((SELECT MAX(id) FROM {table}), 0), $1) + 1, false)"
                )))
                .bind(floor)
                .execute(&mut *self.tx)
                .await
                .map_err(db_err("reset the id sequences"))?;
            }
            // A bulk load leaves the planner without statistics: before this, the prerequisite check of a status
            // change scanned every task (20 ms at 100,000 tasks instead of 0.06 ms).
            for table in crate::BOARD_TABLES {
                query(AssertSqlSafe(format!("ANALYZE {table}")))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(db_err("update the planner statistics"))?;
            }
            let counts = table_counts(&mut self.tx).await?;
            self.tx.commit().await.map_err(db_err("commit the import"))?;
            Ok(counts)
        }
        .await;
        result.map_err(|e| explain(e, "finish the import", &self.config))
    }
}

/// PostgreSQL cannot store U+0000 in text or JSON; the live store replaces it the same way.
fn clean(value: Option<&str>, ty: &str) -> Option<String> {
    let value = value?;
    let escaped_nul = ty == "jsonb" && value.contains("\\u0000");
    if !value.contains('\0') && !escaped_nul {
        return Some(value.to_string());
    }
    if ty == "jsonb"
        && let Ok(json) = serde_json::from_str::<serde_json::Value>(value)
    {
        return Some(pg_json(&json).to_string());
    }
    Some(value.replace('\0', "\u{FFFD}"))
}
