//! SQLite: the embedded store for local runs. One writer connection (SQLite serializes
//! writes anyway; a single connection makes concurrent callers queue instead of failing
//! with SQLITE_BUSY), readers in parallel thanks to WAL.

use super::rows::TableRow;
use super::sql::{
    AnyRow, Dialect, Exec, LiteQuery, Param, Table, execute_statement, fetch_rows, query_error,
};
use super::sql_store::{Backend, SqlStore};
use super::{StoreError, redact_url};
use async_trait::async_trait;
use backon::Retryable;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Sqlite};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const READERS: u32 = 4;
/// How long a statement waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// The writer may wait behind a long window commit of another task.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

pub type SqliteStore = SqlStore<Lite>;

pub struct Lite {
    reads: SqlitePool,
    writes: SqlitePool,
}

impl SqlStore<Lite> {
    /// Opens (creating it if missing) and migrates the database file `url` names.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|_| StoreError::UnsupportedUrl(redact_url(url)))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // Statement journals (an upsert of many rows keeps one, to undo just that
            // statement) in memory, not in a temporary file: a first run of 50 Coupang
            // sellers wrote 21 MB to such files, a fifth of its writes.
            .pragma("temp_store", "memory");
        let pool = |max| {
            SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(ACQUIRE_TIMEOUT)
        };
        // The first connection to a fresh file switches it to WAL, which needs the file to
        // itself and answers SQLITE_BUSY at once (no busy handler) while another process's
        // first connection does the same: such an open is retried, briefly.
        let writes = (|| pool(1).connect_with(options.clone()))
            .retry(
                backon::ExponentialBuilder::default()
                    .with_min_delay(Duration::from_millis(10))
                    .with_max_delay(Duration::from_millis(500))
                    .with_max_times(12)
                    .with_jitter(),
            )
            .when(is_busy)
            .await
            .map_err(|e| super::unreachable(url, e))?;
        // Each connection to `:memory:` is its own database: share the writer then.
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let reads = if in_memory {
            writes.clone()
        } else {
            pool(READERS).connect_lazy_with(options)
        };
        super::migrate_sqlite(&writes).await?;
        Ok(SqlStore(Lite { reads, writes }))
    }
}

/// SQLITE_BUSY or SQLITE_LOCKED, in any of their extended forms.
fn is_busy(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    let code = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0);
    matches!(code & 0xff, 5 | 6)
}

impl Backend for Lite {
    type Db = Sqlite;
    type Conn = SqliteConnection;
    /// Take the write lock up front: a deferred transaction that reads first and writes
    /// later can fail with SQLITE_BUSY when another process wrote in between.
    const BEGIN: &'static str = "BEGIN IMMEDIATE";

    fn read_pool(&self) -> &SqlitePool {
        &self.reads
    }

    fn write_pool(&self) -> &SqlitePool {
        &self.writes
    }
}

#[async_trait]
impl Exec for SqliteConnection {
    const DIALECT: Dialect = Dialect::Sqlite;

    async fn fetch<T: AnyRow>(
        &mut self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<T>, StoreError> {
        fetch_rows(self, sql, params).await
    }

    async fn execute(&mut self, sql: &str, params: Vec<Param>) -> Result<u64, StoreError> {
        Ok(execute_statement(self, sql, params).await?.rows_affected())
    }

    /// Rows go in multi-row statements of a few fixed sizes ([`LITE_CHUNKS`], largest
    /// first): a handful of statement texts per table, each prepared once per connection
    /// and reused (sqlx's statement cache), so neither the SQL nor its plan is rebuilt per
    /// batch, and any number of rows takes few round trips to SQLite's worker thread.
    async fn write_rows<R: TableRow>(
        &mut self,
        table: &Table,
        (market, seller_id): (&str, &str),
        stamp: &str,
        rows: &[&R],
    ) -> Result<(), StoreError> {
        // The values every row repeats, shared rather than copied per row.
        let (market, seller_id, stamp): (Arc<str>, Arc<str>, Arc<str>) =
            (market.into(), seller_id.into(), stamp.into());
        let bind_row = |q: LiteQuery, row: &R| {
            let q = row.bind(q.bind(market.clone()).bind(seller_id.clone()));
            if table.stamped {
                q.bind(stamp.clone()).bind(stamp.clone())
            } else {
                q
            }
        };
        let mut rest = rows;
        for &size in LITE_CHUNKS {
            if rest.len() < size {
                continue;
            }
            let sql = insert_sql(table, size);
            let mut chunks = rest.chunks_exact(size);
            for chunk in &mut chunks {
                let q = chunk
                    .iter()
                    .fold(sqlx::query(AssertSqlSafe(sql.clone())), |q, r| {
                        bind_row(q, r)
                    });
                q.execute(&mut *self).await.map_err(query_error)?;
            }
            rest = chunks.remainder();
        }
        Ok(())
    }
}

/// Rows per multi-row statement, largest first (the last must be 1): large enough to
/// amortize the round trip to SQLite's worker thread; a window of any size is written in
/// at most three statements of each smaller size.
const LITE_CHUNKS: &[usize] = &[64, 16, 4, 1];

/// `INSERT INTO t (cols) VALUES (?, ...), ... ON CONFLICT ...` for `rows` rows.
/// Built once per table and size, then shared (the statement cache keys on the text).
fn insert_sql(table: &Table, rows: usize) -> Arc<str> {
    static BUILT: Mutex<Vec<(&str, usize, Arc<str>)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, sql)) = built
        .iter()
        .find(|(t, n, _)| *t == table.name && *n == rows)
    {
        return sql.clone();
    }
    let sql = build_insert_sql(table, rows);
    built.push((table.name, rows, sql.clone()));
    sql
}

fn build_insert_sql(table: &Table, rows: usize) -> Arc<str> {
    let per_row = 2 + table.cols.len() + if table.stamped { 2 } else { 0 };
    let one = format!("({})", vec!["?"; per_row].join(", "));
    format!(
        "INSERT INTO {} ({}) VALUES {}{}",
        table.name,
        table.col_list(),
        vec![one; rows].join(", "),
        table.on_conflict(Dialect::Sqlite)
    )
    .into()
}
