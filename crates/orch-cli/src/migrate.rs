//! `task-orchestrator migrate`: copy a whole board from an SQLite file into PostgreSQL.
//!
//! The source is opened with [`SqliteStore`] first (bringing its schema up to date, as the server would), then read
//! table by table with a read-only connection; rows go to [`orch_store_postgres::BoardImport`] as text in one
//! PostgreSQL transaction, so a failed copy leaves the target untouched. Ids are kept, sequences continue after
//! them, and the command fails unless every table has as many rows in the target as in the source.

use anyhow::{Context, Result, bail};
use clap::Args;
use orch_store_postgres::{BOARD_TABLES, PgStore};
use orch_store_sqlite::SqliteStore;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::config::{self, Database};

/// Rows read from SQLite and sent to PostgreSQL at a time.
const BATCH_ROWS: usize = 5_000;

/// Arguments of `migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Source board: sqlite://PATH.
    #[arg(long, value_name = "URL")]
    from: String,
    /// Target database: postgres://USER:PASSWORD@HOST:PORT/DATABASE (add ?schema=NAME for a schema other than the
    /// search_path's).
    #[arg(long, value_name = "URL")]
    to: String,
    /// Replace the target's contents when it already holds a board.
    #[arg(long)]
    force: bool,
}

/// Row counts of one table on both sides.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableCount {
    /// Table name.
    pub table: String,
    /// Rows in the SQLite source.
    pub source: u64,
    /// Rows in the PostgreSQL target after the copy.
    pub target: u64,
}

/// Runs the command, printing the per-table counts.
pub async fn run(args: &MigrateArgs, json: bool) -> Result<std::process::ExitCode> {
    let counts = migrate(args).await?;
    let copied = counts.iter().map(|c| c.target).sum::<u64>();
    if json {
        let report = serde_json::json!({ "tables": counts, "copied_rows": copied, "verified": true });
        crate::outln!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let mut grid = crate::output::Grid::new(&["table", "sqlite", "postgres"]);
    for c in &counts {
        grid.row(vec![c.table.clone(), c.source.to_string(), c.target.to_string()]);
    }
    grid.print();
    crate::outln!("copied {copied} rows; every table's count matches");
    Ok(std::process::ExitCode::SUCCESS)
}

/// Copies the board and verifies the counts.
pub async fn migrate(args: &MigrateArgs) -> Result<Vec<TableCount>> {
    let source = match config::parse_url(&args.from)? {
        Database::Sqlite(path) => path,
        other => bail!("--from must be an SQLite board (sqlite://PATH), not {other}"),
    };
    let target = match config::parse_url(&args.to)? {
        Database::Postgres(url) => url,
        other => bail!("--to must be a PostgreSQL database (postgres://…), not {other}"),
    };
    if !source.exists() {
        bail!("the source board {} does not exist", source.display());
    }
    let shown = Database::Postgres(target.clone());
    // Opening the store brings an older source file up to the current schema before it is read.
    SqliteStore::open(&source).with_context(|| format!("cannot open the source board {}", source.display()))?;
    let sqlite = Connection::open_with_flags(&source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("cannot read {}", source.display()))?;
    let store = PgStore::connect_url(&target).await.with_context(|| format!("cannot open the target {shown}"))?;
    let mut import = store.import_board(args.force).await.with_context(|| format!("cannot migrate into {shown}"))?;

    let mut source_counts = Vec::with_capacity(BOARD_TABLES.len());
    let bar = crate::output::progress(BOARD_TABLES.len() as u64, "copying tables");
    for table in BOARD_TABLES {
        bar.set_message(format!("copying {table}"));
        let n = copy_table(&sqlite, table, &mut import).await?;
        source_counts.push(((*table).to_string(), n));
        tracing::info!("copied {n} rows of {table}");
        bar.inc(1);
    }
    bar.finish_and_clear();
    // AUTOINCREMENT never reuses a deleted row's id; the copy must not either.
    let mut last_ids =
        sqlite.prepare("SELECT name, seq FROM sqlite_sequence").context("cannot read sqlite_sequence")?;
    let last_ids = last_ids
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
        .context("cannot read sqlite_sequence")?;
    for (table, last_id) in last_ids {
        import.set_last_id(&table, last_id);
    }
    let target_counts = import.finish().await.with_context(|| format!("cannot finish the copy into {shown}"))?;
    let counts: Vec<TableCount> = source_counts
        .into_iter()
        .zip(target_counts)
        .map(|((table, source), (_, target))| TableCount { table, source, target })
        .collect();
    if let Some(bad) = counts.iter().find(|c| c.source != c.target) {
        bail!(
            "table {} has {} rows in the source but {} in the target after the copy; the target is inconsistent, \
             re-run with --force",
            bad.table,
            bad.source,
            bad.target
        );
    }
    Ok(counts)
}

/// Streams one table from SQLite into the import, `BATCH_ROWS` at a time; returns the rows in the source.
async fn copy_table(sqlite: &Connection, table: &str, import: &mut orch_store_postgres::BoardImport) -> Result<u64> {
    let total: i64 = sqlite
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .with_context(|| format!("cannot count the rows of {table} in the source"))?;
    // Ordered by the key, so tasks arrive parents first (a parent's id is always lower than its subtasks').
    let mut stmt = sqlite
        .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
        .with_context(|| format!("cannot read {table} from the source"))?;
    let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let mut rows = stmt.query([]).with_context(|| format!("cannot read {table} from the source"))?;
    let mut batch: Vec<Vec<Option<String>>> = Vec::with_capacity(BATCH_ROWS);
    loop {
        let row = rows.next().with_context(|| format!("cannot read {table} from the source"))?;
        if let Some(row) = row {
            let mut values = Vec::with_capacity(columns.len());
            for (i, column) in columns.iter().enumerate() {
                values.push(match row.get_ref(i)? {
                    ValueRef::Null => None,
                    ValueRef::Integer(n) => Some(n.to_string()),
                    // Rust prints the shortest text that parses back to the same f64.
                    ValueRef::Real(x) => Some(x.to_string()),
                    ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(_) => bail!("{table}.{column} holds binary data, which no board column should"),
                });
            }
            batch.push(values);
        }
        if batch.len() == BATCH_ROWS || (row.is_none() && !batch.is_empty()) {
            import.insert_rows(table, &columns, &batch).await.with_context(|| format!("cannot copy {table}"))?;
            batch.clear();
        }
        if row.is_none() {
            break;
        }
    }
    Ok(total.max(0).unsigned_abs())
}
