//! [`Columns`] over rusqlite rows: how SQLite hands over each column type. Timestamps are RFC 3339 text and JSON is
//! text; which column is which field is decided by `orch_core::rows`.

use std::error::Error as StdError;

use chrono::{DateTime, Utc};
use orch_core::rows::Columns;
use rusqlite::Row;
use rusqlite::types::Type;

/// One rusqlite row, read through `orch_core::rows`' decoders.
pub(crate) struct Cols<'a, 'r>(pub(crate) &'a Row<'r>);

/// Timestamps are stored as RFC 3339 UTC text (see `sql::ts`).
fn rfc3339(s: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc))
}

impl Columns for Cols<'_, '_> {
    type Error = rusqlite::Error;

    fn int(&self, i: usize) -> rusqlite::Result<i64> {
        self.0.get(i)
    }

    fn opt_int(&self, i: usize) -> rusqlite::Result<Option<i64>> {
        self.0.get(i)
    }

    fn int32(&self, i: usize) -> rusqlite::Result<i32> {
        self.0.get(i)
    }

    fn opt_int32(&self, i: usize) -> rusqlite::Result<Option<i32>> {
        self.0.get(i)
    }

    fn opt_real(&self, i: usize) -> rusqlite::Result<Option<f64>> {
        self.0.get(i)
    }

    fn flag(&self, i: usize) -> rusqlite::Result<bool> {
        self.0.get(i)
    }

    fn text(&self, i: usize) -> rusqlite::Result<String> {
        self.0.get(i)
    }

    fn opt_text(&self, i: usize) -> rusqlite::Result<Option<String>> {
        self.0.get(i)
    }

    fn time(&self, i: usize) -> rusqlite::Result<DateTime<Utc>> {
        rfc3339(&self.0.get::<_, String>(i)?).map_err(|e| self.invalid(i, Box::new(e)))
    }

    fn opt_time(&self, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
        let text: Option<String> = self.0.get(i)?;
        text.map(|s| rfc3339(&s).map_err(|e| self.invalid(i, Box::new(e)))).transpose()
    }

    fn json(&self, i: usize) -> rusqlite::Result<serde_json::Value> {
        serde_json::from_str(&self.0.get::<_, String>(i)?).map_err(|e| self.invalid(i, Box::new(e)))
    }

    fn invalid(&self, i: usize, reason: Box<dyn StdError + Send + Sync>) -> rusqlite::Error {
        let stored = self.0.get_ref(i).map_or(Type::Null, |v| v.data_type());
        rusqlite::Error::FromSqlConversionFailure(i, stored, reason)
    }
}
