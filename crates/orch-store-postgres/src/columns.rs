//! [`Columns`] over sqlx's PostgreSQL rows: how PostgreSQL hands over each column type. Timestamps are `TIMESTAMPTZ`
//! and JSON is `JSONB`, both decoded by sqlx; which column is which field is decided by `orch_core::rows`.

use std::error::Error as StdError;

use chrono::{DateTime, Utc};
use orch_core::rows::Columns;
use sqlx_core::row::Row;
use sqlx_core::types::Json;
use sqlx_postgres::PgRow;

/// One PostgreSQL row, read through `orch_core::rows`' decoders.
pub(crate) struct PgCols<'a>(pub(crate) &'a PgRow);

impl Columns for PgCols<'_> {
    type Error = sqlx_core::Error;

    fn int(&self, i: usize) -> Result<i64, sqlx_core::Error> {
        self.0.try_get(i)
    }

    fn opt_int(&self, i: usize) -> Result<Option<i64>, sqlx_core::Error> {
        self.0.try_get(i)
    }

    fn int32(&self, i: usize) -> Result<i32, sqlx_core::Error> {
        self.0.try_get(i)
    }

    fn opt_int32(&self, i: usize) -> Result<Option<i32>, sqlx_core::Error> {
        self.0.try_get(i)
    }

    fn opt_real(&self, i: usize) -> Result<Option<f64>, sqlx_core::Error> {
        self.0.try_get(i)
    }

    fn flag(&self, i: usize) -> Result<bool, sqlx_core::Error> {
        self.0.try_get(i)
    }

    fn text(&self, i: usize) -> Result<String, sqlx_core::Error> {
        self.0.try_get(i)
    }

    fn opt_text(&self, i: usize) -> Result<Option<String>, sqlx_core::Error> {
        self.0.try_get(i)
    }

    fn time(&self, i: usize) -> Result<DateTime<Utc>, sqlx_core::Error> {
        self.0.try_get(i)
    }

    fn opt_time(&self, i: usize) -> Result<Option<DateTime<Utc>>, sqlx_core::Error> {
        self.0.try_get(i)
    }

    fn json(&self, i: usize) -> Result<serde_json::Value, sqlx_core::Error> {
        Ok(self.0.try_get::<Json<serde_json::Value>, _>(i)?.0)
    }

    fn invalid(&self, i: usize, reason: Box<dyn StdError + Send + Sync>) -> sqlx_core::Error {
        sqlx_core::Error::ColumnDecode { index: i.to_string(), source: reason }
    }
}
